//! `sctp-craft dissect --filter-help`: the filter language and every name,
//! from the same schema and alias table the parser uses.

use std::fmt::Write as _;

use super::aliases::{self, To};
use super::schema::{top_fields, Schema};

/// The syntax, with examples.
pub const SYNTAX: &str = "\
Display filters (-Y) select the packets to print, by the registry's names:
  data                          a DATA chunk anywhere (any case: SACK, shutdown-complete)
  data.tsn > 5 && !sack         a field, by its name, a prefix (data.stream_id) or
                                the summary line's name (data.ssn, sack.cum_ack, init.tag)
  ipv4_address == 10.0.0.1      a parameter or cause compared as a value: its main field
  init.params                   a list with elements; init.params == 2 counts them,
                                asconf.params == 10.0.0.1 compares the addresses in it
  chunk.type == sack            any chunk's type (param.type, cause.code alike)
  checksum.status == bad        good, bad, zero, unverifiable (see --checksum)
  frame == 5, frame.time_relative > 1.5, frame.time_epoch < 1700000000
  src == 10.0.0.0/8, addr == ::1, port == 2905
  data.user_data contains 01:02:03, host_name_address.host_name contains \"example\"
  data.sid in {1, 3, 5..9}, chunk.type not in {data, sack}
  analysis.retransmission, analysis.rtt > 0.2, analysis.auth == bad-hmac
                                the association analysis (with --analysis)
Operators: == != < <= > >= (eq ne lt le gt ge), contains, in {...}, && || !
(and or not), parentheses. A comparison holds when any occurrence of the field
satisfies it; != means no occurrence equals (Wireshark 3.6+). A value must be
of the field's type: data.tsn == 10.0.0.1 is an error naming the type.
";

/// The whole help: syntax, then every name with its type.
pub fn text() -> String {
    let s = Schema::get();
    let mut out = String::from(SYNTAX);
    out.push_str("\nOutside the chunks:\n");
    for t in top_fields() {
        let _ = writeln!(out, "  {:<28} {} — {}", t.name, t.ty, t.doc);
    }
    out.push_str("\nOther names:\n");
    for a in aliases::all() {
        let to = match a.to {
            To::Name(n) => n.to_string(),
            To::Len(n) => format!("the length of {n}"),
            To::Count(n) => format!("how many {n}"),
            To::Either(x, y) => format!("{x} or {y}"),
        };
        let name = if a.scope.is_empty() {
            a.name.to_string()
        } else {
            format!("{}.{}", a.scope.join("|"), a.name)
        };
        let _ = writeln!(out, "  {name:<28} {to}");
    }
    out.push_str("\nChunks, parameters and causes (KEY alone: present; KEY.FIELD):\n");
    for key in &s.order {
        let t = &s.tlvs[key];
        let main = t
            .main
            .map_or(String::new(), |m| format!("  (as a value: {m})"));
        let _ = writeln!(out, "  {key}  {}{main}", t.name);
        for m in &t.members {
            let _ = writeln!(out, "      .{:<36} {}", m.name, m.ty);
        }
    }
    out
}
