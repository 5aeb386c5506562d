//! `tshark -z sctpkit,assoc` and `-z sctpkit,streams`: the association and
//! per-stream tables of the analysis (RFC 9260 1.3, 5.1, 6, 9), printed by
//! `sctp_codec::analysis::text`, the one definition `sctp-craft assoc`
//! prints too.

use std::fmt::Write as _;
use std::io::Write as _;

use sctp_codec::analysis::{text as table, AssocSummary};
use sctp_codec::registry::DialectTag;

const RULE: &str =
    "===================================================================================";

/// The association table of `s`: the codec's, as `sctp-craft assoc` prints
/// it (chunk types by their standard names).
pub fn association(out: &mut String, s: &AssocSummary) {
    table::association(out, s, DialectTag::Standard);
}

/// The per-stream table of `s`: the codec's, as `sctp-craft assoc` prints it.
pub fn streams(out: &mut String, s: &AssocSummary) {
    table::streams(out, s);
}

/// The text of `-z sctpkit,assoc` (`kind` 0) or `-z sctpkit,streams` (1).
pub fn text(kind: u32, summaries: Option<&[AssocSummary]>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n{RULE}");
    let title = if kind == 0 {
        "SCTP associations (sctpkit)"
    } else {
        "SCTP streams (sctpkit)"
    };
    let _ = writeln!(out, "{title}");
    match summaries {
        None => {
            let _ = writeln!(
                out,
                "(the association analysis is off: -o sctpkit.analysis:TRUE)"
            );
        }
        Some([]) => {
            let _ = writeln!(out, "no SCTP association");
        }
        Some(list) => {
            for (i, s) in list.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                if kind == 0 {
                    association(&mut out, s);
                } else {
                    streams(&mut out, s);
                }
            }
        }
    }
    let _ = writeln!(out, "{RULE}");
    out
}

/// Prints the tables at the end of the run (the tap's draw callback).
pub fn draw(kind: u32) {
    let list = crate::dissect::summaries();
    let t = text(kind, list.as_deref());
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(t.as_bytes());
    let _ = o.flush();
}
