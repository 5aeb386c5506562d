//! `help`: the language summary, the commands, and for every chunk,
//! parameter and cause its fields, types, defaults and defining document,
//! all generated from the codec registry.

use std::fmt::Write as _;

use sctp_codec::registry::{DialectTag, Family, TypeInfo};
use sctp_codec::wire::{FieldInfo, FieldKind};

use super::defaults;
use super::names;

/// Every command: name, usage, one line of description.
pub const COMMANDS: &[(&str, &str, &str)] = &[
    ("help", "help [NAME]", "this text; help CHUNK|PARAM|CAUSE|COMMAND for details"),
    ("show", "show [EXPR]", "the packet as a tree with byte offsets (default: the current packet _)"),
    ("hex", "hex [EXPR]", "xxd-style hex dump of the packet's bytes"),
    ("hexraw", "hexraw [EXPR]", "the packet's bytes as one hex string"),
    ("repr", "repr [EXPR]", "the packet as an expression of this language"),
    ("edit", "edit PATH = EXPR", "change a field: edit chunks[0].length = 3, edit p.chunks[0].params[1] = ipv4_address(10.0.0.1)"),
    ("set", "set PATH = EXPR", "same as edit"),
    ("vars", "vars", "list the variables (_ is the current packet: the last one built, loaded, imported or sent by any command; rx the last received)"),
    ("del", "del VAR...", "forget variables"),
    ("save", "save FILE [VAR...] [link=raw|ether] [format=pcap|pcapng] [src=IP] [dst=IP] [udp=PORT] [mode=append|new]", "append the current packet (or the VARs) to a capture, wrapped in IPv4/IPv6 (UDP if udp=); help save: what happens to an existing file"),
    ("load", "load FILE [N] [as=VAR]", "load frame N (default: the first SCTP packet) of a pcap/pcapng for editing"),
    ("import", "import HEX [link=auto|sctp|ip|ether] [as=VAR]", "take a hex stream (Wireshark \"Copy as Hex Stream\", xxd -p)"),
    ("dialect", "dialect [standard|ssctp|auto]", "how load/import/recv read S-SCTP numbers"),
    ("peer", "peer udp ADDR:PORT [local=ADDR:PORT] | peer ip ADDR [local=ADDR]", "where send/recv go: UDP encapsulation (RFC 6951) or raw IP"),
    ("assoc", "assoc [new] [sport=N] [dport=N]", "follow one association: its tags, TSNs and cookie fill fields left out; a bare assoc shows the current one (ports, state, tags, TSNs); replacing it needs assoc new"),
    ("connect", "connect [timeout=MS]", "INIT, INIT-ACK, COOKIE-ECHO, COOKIE-ACK with the peer"),
    ("data", "data \"text\" [stream=N] [ppid=N]", "send one DATA chunk in the association"),
    ("send", "send [EXPR]", "send the packet (default: the current one _, which is the last packet built, loaded, imported or sent: after data, connect, abort... the packet that went out); prints > summary"),
    ("recv", "recv [timeout=MS]", "wait for one packet from the peer; prints < summary, keeps it in rx"),
    ("sr", "sr [EXPR] [timeout=MS]", "send, then print every reply until the timeout (packets that arrived before the send are printed first, marked as not replies)"),
    ("abort", "abort", "send an ABORT in the association"),
    ("shutdown", "shutdown", "send a SHUTDOWN in the association"),
    ("sack", "sack", "send a SACK for what was received"),
    ("expect", "expect PATTERN [timeout=MS]", "wait (default 1000 ms) for a received packet holding PATTERN: a chunk name (expect sack), a chunk with the fields that matter (expect sack(cum_ack=5)), or a packet (expect sctp(vtag=1) / sack()); fails, naming what came instead, when none comes (a script then exits 1)"),
    ("seed", "seed [N]", "make the random defaults (tags, TSNs, cookies, the association's tag and TSN) repeatable from here on, as sctp-craft --seed N; alone: show the seed"),
    ("sleep", "sleep MS", "wait"),
    ("echo", "echo WORDS", "print the words"),
    ("quit", "quit", "leave (also exit, Ctrl-D)"),
];

/// More about some commands, printed by `help COMMAND` under the usage.
pub const DETAILS: &[(&str, &str)] = &[(
    "save",
    "What happens to the file:
  no file (or an empty one): a new capture, pcapng if FILE ends in .pcapng or
      format=pcapng is given, else pcap.
  an existing pcap file: save appends the packets in the file's own byte order
      and timestamp resolution; it must have the same link type (link=).
  an existing pcapng file: save appends the packets as a new section (its own
      header and interface), which every pcapng reader reads as one capture.
  format= that is not the existing file's format: refused, the file untouched.
  mode=new: replaces an existing capture (its packets are lost, as asked).
  a file that is not a capture (text, a script, gzip), a directory, or a
      capture cut inside its last record: refused, nothing written.
New or replaced files are written beside FILE and renamed over it when
complete; a failed append cuts the file back to what it held.",
)];

/// The language in a nutshell (the first part of `help`).
pub const SUMMARY: &str = r#"Statements are separated by newlines or ';'. A packet is layered with '/':
  p = sctp(sport=5000, dport=9899) / init(initiate_tag=0x1234, params=[ipv4_address(10.0.0.1)])
  sctp(vtag=7) / data(tsn=1, user_data="hello") / sack()
Constructors are the registry's names (help lists them); fields are the codec's
names (unambiguous prefixes accepted); a field left out gets its default
(lengths, padding, CRC32c, counts; tags and TSNs from `assoc`, fixed when the
packet is stored in a variable; see help NAME).
Values: 42 0x2a 0b101, "text\n", x"dead beef", 10.0.0.1, ::1, [1, 2], none.
Forcing: length=3 padding=x"ff" flags=0x0f e_bit=0 value=x"..." extra=x"..."
on any chunk/param/cause; sctp(checksum=bad|zero|0x1234, checksum_algorithm=adler32,
trailing=x"00"); raw(x"0b000004") splices bytes; chunk(type=0xfe, flags=1,
value=0xdead), param(type=..), cause(code=..) build any number; records of lists
are [start, end] or rec(start=1, end=2). An expression alone becomes the current
packet `_`; `p = ...` keeps it in p; `p.chunks[0].tsn = 5` edits.
"#;

fn kind_name(k: FieldKind) -> String {
    match k {
        FieldKind::U8 => "u8".into(),
        FieldKind::U16 => "u16".into(),
        FieldKind::U32 => "u32".into(),
        FieldKind::OptU16 => "u16, optional".into(),
        FieldKind::OptU32 => "u32, optional".into(),
        FieldKind::Ipv4 => "IPv4 address".into(),
        FieldKind::Ipv6 => "IPv6 address".into(),
        FieldKind::Bytes => "bytes".into(),
        FieldKind::Text => "text".into(),
        FieldKind::U8List => "list of u8".into(),
        FieldKind::U16List => "list of u16".into(),
        FieldKind::U32List => "list of u32".into(),
        FieldKind::Records(f) => format!(
            "list of [{}]",
            f.iter()
                .map(|x| format!("{} {}", x.name, kind_name(x.kind)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        FieldKind::Params => "list of parameters".into(),
        FieldKind::Causes => "list of causes".into(),
        FieldKind::Chunks => "list of chunks".into(),
        FieldKind::Packet => "SCTP packet".into(),
    }
}

fn default_text(info: &'static TypeInfo, f: &FieldInfo) -> String {
    if let Some((_, v)) = defaults::typical_list(info)
        .into_iter()
        .find(|(n, _)| *n == f.name)
    {
        return v.to_string();
    }
    let dummy = super::value::Item {
        family: info.family,
        info: Some(info),
        kind: super::value::ItemKind::Typed,
        args: Vec::new(),
        seed: 0,
    };
    if let Some(d) = defaults::derived(f.name, &dummy) {
        return match d {
            defaults::Derived::CountOf(l) => format!("number of {l}"),
            defaults::Derived::LenOf(b) => format!("length of {b}"),
            defaults::Derived::PadOf(b) => format!("zero padding of {b} to 4"),
        };
    }
    match f.kind {
        FieldKind::U8 | FieldKind::U16 | FieldKind::U32 | FieldKind::Ipv4 => "0".into(),
        FieldKind::OptU16 | FieldKind::OptU32 => "none (absent)".into(),
        FieldKind::Ipv6 => "::".into(),
        _ => "empty".into(),
    }
}

/// The help of one registry type.
pub fn type_help(info: &'static TypeInfo) -> String {
    let mut s = String::new();
    let key = names::key_of(info);
    let fam = names::family_name(info.family);
    let width = if info.family == Family::Chunk { 2 } else { 4 };
    let _ = writeln!(
        s,
        "{key}(...)  {fam} {} (0x{:0w$x}){}, {}",
        info.name,
        info.value,
        if info.dialect == DialectTag::Ssctp {
            ", S-SCTP"
        } else {
            ""
        },
        info.reference,
        w = width
    );
    // A number the draft's text lost is a guess: say so (the codec's note).
    if let Some(p) = info.provisional() {
        let _ = writeln!(s, "  {p}");
    }
    if !info.flags.is_empty() {
        let _ = writeln!(
            s,
            "  flags: {} (default 0x{:02x})",
            info.flags
                .iter()
                .map(|f| format!("{} 0x{:02x}", f.name, f.mask))
                .collect::<Vec<_>>()
                .join(", "),
            defaults::default_flags(info)
        );
    }
    if info.fields.is_empty() {
        let _ = writeln!(s, "  no fields");
    }
    for f in info.fields {
        let _ = writeln!(
            s,
            "  {:<40} {:<22} default {}",
            f.name,
            kind_name(f.kind),
            default_text(info, f)
        );
        if !f.doc.is_empty() {
            let _ = writeln!(s, "  {:<40} {}", "", f.doc);
        }
    }
    let _ =
        writeln!(
        s,
        "  overrides: length=, padding=, value= (whole raw value), extra= (bytes inside Length){}",
        if info.family == Family::Chunk { ", flags=" } else { "" }
    );
    s
}

/// All names of a family, several per line.
fn names_of(s: &mut String, f: Family) {
    let mut line = String::from("  ");
    for n in names::table().iter().filter(|n| n.info.family == f) {
        if line.len() + n.key.len() > 78 {
            let _ = writeln!(s, "{}", line.trim_end());
            line = String::from("  ");
        }
        line.push_str(&n.key);
        line.push(' ');
    }
    let _ = writeln!(s, "{}", line.trim_end());
}

/// `help` (no topic) or `help TOPIC`.
pub fn help(topic: Option<&str>) -> Result<String, String> {
    let mut s = String::new();
    let Some(t) = topic else {
        s.push_str(SUMMARY);
        s.push_str("\nCommands:\n");
        for (_, usage, what) in COMMANDS {
            let _ = writeln!(s, "  {usage}\n      {what}");
        }
        s.push_str("\nChunks (sctp() / CHUNK(...)):\n");
        names_of(&mut s, Family::Chunk);
        s.push_str("\nParameters (params=[...]):\n");
        names_of(&mut s, Family::Param);
        s.push_str("\nCauses (causes=[...]):\n");
        names_of(&mut s, Family::Cause);
        // The numbers the draft's text lost (the codec's PROVISIONAL marks).
        let guessed: Vec<&str> = names::table()
            .iter()
            .filter(|n| n.info.provisional().is_some())
            .map(|n| n.key.as_str())
            .collect();
        let _ = writeln!(
            s,
            "\nPROVISIONAL type numbers (lost from the S-SCTP draft; help NAME says why):\n  {}",
            guessed.join(" ")
        );
        s.push_str("\nAlso: sctp(...) header, chunk(type=..), param(type=..), cause(code=..), raw(bytes), rec(...).\nhelp NAME shows fields, types, defaults and the defining document.\n");
        return Ok(s);
    };
    // A command that is also a chunk name (data, abort, shutdown, sack):
    // both helps.
    if let Some((_, usage, what)) = COMMANDS.iter().find(|c| c.0 == t) {
        let _ = writeln!(s, "{usage}\n  {what}");
        if let Some((_, more)) = DETAILS.iter().find(|d| d.0 == t) {
            let _ = writeln!(s, "{more}");
        }
    }
    // The registry's own spelling works too: DATA, INIT-ACK, init-ack.
    let norm = t.to_ascii_lowercase().replace(['-', ' '], "_");
    let t = norm.as_str();
    if t == "sctp" {
        s.push_str("sctp(...)  SCTP common header (RFC 9260 3.1)\n");
        for (f, a) in names::HEADER_FIELDS {
            let _ = writeln!(s, "  {f:<20} ({a})");
        }
        s.push_str("  source_port/destination_port default 5000 (or the association's), verification_tag 0 (or the association's)\n  checksum: computed (CRC32c) unless given: a number, bad, zero, adler32\n  checksum_algorithm: crc32c (default), adler32, zero; trailing: bytes after the last chunk\n");
        return Ok(s);
    }
    if ["language", "syntax"].contains(&t) {
        s.push_str(SUMMARY);
        return Ok(s);
    }
    let hits: Vec<&'static TypeInfo> = [Family::Chunk, Family::Param, Family::Cause]
        .iter()
        .filter_map(|f| {
            names::lookup(t, Some(*f))
                .filter(|n| {
                    n.info.family == *f || t.starts_with(names::family_prefix(n.info.family))
                })
                .map(|n| n.info)
        })
        .collect();
    let mut seen: Vec<*const TypeInfo> = Vec::new();
    if !s.is_empty() && !hits.is_empty() {
        s.push('\n');
    }
    for h in hits {
        if seen.contains(&(h as *const _)) {
            continue;
        }
        seen.push(h as *const _);
        s.push_str(&type_help(h));
    }
    if s.is_empty() {
        let near: Vec<&str> = names::table()
            .iter()
            .map(|n| n.key.as_str())
            .filter(|k| k.contains(t))
            .take(8)
            .collect();
        return Err(if near.is_empty() {
            format!("no command, chunk, parameter or cause {t:?}")
        } else {
            format!(
                "no command, chunk, parameter or cause {t:?}; did you mean {}?",
                near.join(", ")
            )
        });
    }
    Ok(s)
}
