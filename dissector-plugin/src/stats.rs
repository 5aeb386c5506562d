//! `tshark -z sctpkit,assoc` and `-z sctpkit,streams`: the association and
//! per-stream tables of the analysis (RFC 9260 1.3, 5.1, 6, 9), with the
//! rows and figures of `sctp-craft assoc` (both come from
//! `sctp_codec::analysis`).

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::IpAddr;

use sctp_codec::analysis::{AssocSummary, DirStats, RttStats};
use sctp_codec::registry::Family;

const RULE: &str =
    "===================================================================================";

fn addrs(list: &[IpAddr]) -> String {
    match list {
        [] => "?".into(),
        [one] => one.to_string(),
        [first, rest @ ..] => format!("{first} (+{} more)", rest.len()),
    }
}

fn rtt(r: &RttStats) -> String {
    match r.avg_ns() {
        Some(avg) => format!(
            "{:.3}/{:.3}/{:.3} ({})",
            r.min_ns as f64 / 1e6,
            avg / 1e6,
            r.max_ns as f64 / 1e6,
            r.samples
        ),
        None => "-".into(),
    }
}

fn row(out: &mut String, label: &str, f: String, r: String) {
    let _ = writeln!(out, "  {label:<26} {f:>24} {r:>24}");
}

fn both(out: &mut String, s: &AssocSummary, label: &str, f: impl Fn(&DirStats) -> String) {
    row(out, label, f(&s.dirs[0]), f(&s.dirs[1]));
}

fn header(out: &mut String, s: &AssocSummary) {
    let [f, r] = &s.dirs;
    let _ = writeln!(
        out,
        "Association {}: {}:{} <-> {}:{}, frames {}-{}, {:.6} s",
        s.id,
        addrs(&s.addresses[0]),
        f.src_port,
        addrs(&s.addresses[1]),
        r.src_port,
        s.first_frame,
        s.last_frame,
        s.duration()
    );
}

/// The association table of `s` (as `sctp-craft assoc` prints it).
pub fn association(out: &mut String, s: &AssocSummary) {
    let names = crate::fields::type_names(Family::Chunk);
    let chunk_name = |t: u8| {
        names
            .iter()
            .find(|(v, _)| *v == u32::from(t))
            .map_or_else(|| format!("type {t}"), |(_, n)| n.clone())
    };
    header(out, s);
    if let Some(n) = s.negotiated() {
        let _ = writeln!(
            out,
            "  negotiated streams {} forward, {} reverse{}{}",
            n.streams_forward,
            n.streams_reverse,
            if n.extensions.is_empty() { "" } else { "; " },
            n.extensions.join(", ")
        );
    }
    let _ = writeln!(out, "  ended     {}", s.ending.describe());
    let a = &s.auth;
    if a.verified + a.bad + a.unchecked + a.unauthenticated > 0 {
        let _ = writeln!(
            out,
            "  AUTH      {} verified, {} bad HMAC, {} not checked, {} chunks unauthenticated",
            a.verified, a.bad, a.unchecked, a.unauthenticated
        );
    }
    row(out, "", "forward".into(), "reverse".into());
    both(out, s, "Verification Tag", |d| {
        d.vtag.map_or("-".into(), |v| format!("{v:#010x}"))
    });
    both(out, s, "packets", |d| d.packets.to_string());
    both(out, s, "bytes (SCTP)", |d| d.bytes.to_string());
    let [f, r] = &s.dirs;
    for t in 0..=255u8 {
        if f.chunks[t as usize] + r.chunks[t as usize] > 0 {
            let label = format!("{} chunks", chunk_name(t));
            both(out, s, &label, |d| d.chunks[t as usize].to_string());
        }
    }
    both(out, s, "user data bytes", |d| d.user_bytes.to_string());
    both(out, s, "messages (fragmented)", |d| {
        format!("{} ({})", d.messages.count, d.messages.fragmented)
    });
    both(out, s, "retransmissions (bytes)", |d| {
        format!("{} ({})", d.retransmissions, d.retransmitted_bytes)
    });
    both(out, s, "  of acknowledged TSNs", |d| {
        d.acked_before.to_string()
    });
    both(out, s, "TSN gaps (TSNs)", |d| {
        format!("{} ({})", d.gaps, d.gap_tsns)
    });
    both(out, s, "TSNs out of window", |d| {
        d.out_of_window.to_string()
    });
    both(out, s, "TSNs acknowledged", |d| d.acked_tsns.to_string());
    both(out, s, "RTT ms min/avg/max (n)", |d| rtt(&d.rtt));
    both(out, s, "max bytes in flight", |d| {
        d.max_in_flight.to_string()
    });
    both(out, s, "SACKs sent (stale)", |d| {
        format!("{} ({})", d.sacks, d.stale_sacks)
    });
    both(out, s, "a_rwnd min/max/last", |d| {
        if d.rwnd.samples == 0 {
            "-".into()
        } else {
            format!("{}/{}/{}", d.rwnd.min, d.rwnd.max, d.rwnd.last)
        }
    });
    both(out, s, "zero windows", |d| d.rwnd.zero.to_string());
    both(out, s, "duplicate TSNs reported", |d| {
        d.dup_tsns_reported.to_string()
    });
    both(out, s, "gap acks revoked", |d| d.revoked.to_string());
}

/// The per-stream table of `s` (as `sctp-craft assoc` prints it).
pub fn streams(out: &mut String, s: &AssocSummary) {
    header(out, s);
    let _ = writeln!(
        out,
        "  {:<9} {:>6} {:>8} {:>12} {:>9} {:>11} {:>8}",
        "stream", "id", "DATA", "bytes", "messages", "fragmented", "retrans"
    );
    for (k, m) in s.streams.iter().enumerate() {
        let dir = if k == 0 { "forward" } else { "reverse" };
        for (id, st) in m {
            let _ = writeln!(
                out,
                "  {:<9} {:>6} {:>8} {:>12} {:>9} {:>11} {:>8}",
                dir,
                id,
                st.data_chunks,
                st.user_bytes,
                st.messages,
                st.fragmented,
                st.retransmissions
            );
        }
    }
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
