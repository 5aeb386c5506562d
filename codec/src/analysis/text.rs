//! The association and stream tables as text (RFC 9260 1.3, 5.1, 6, 9): one
//! definition of their lines, rows, columns, headings and number formats,
//! which `sctp-craft assoc` and the Wireshark plugin's `tshark -z
//! sctpkit,assoc` and `-z sctpkit,streams` both print, so that the two
//! cannot drift. (The association lookup is the private `table` module.)

use std::fmt::Write as _;
use std::net::IpAddr;

use crate::registry::{lookup, DialectTag, Family};

use super::handshake::InitInfo;
use super::rtt::RttStats;
use super::summary::{AssocSummary, DirStats};

/// Width of the label column of the direction table.
pub const LABEL_WIDTH: usize = 26;
/// Width of each value column (forward, reverse) of the direction table.
pub const VALUE_WIDTH: usize = 24;
/// Headings of the stream table (RFC 9260 1.3 "stream"), in column order.
pub const STREAM_HEADINGS: [&str; 7] = [
    "stream",
    "id",
    "DATA",
    "bytes",
    "messages",
    "fragmented",
    "retrans",
];

/// Name of chunk type `t` in the numbering `dialect` (RFC 9260 3.2; S-SCTP
/// renumbers 0x10-0x12 and adds 0xD0-0xD9, draft-hohendorf-secure-sctp-15
/// 5.1), the standard name of a type S-SCTP leaves as it is, or "type N".
pub fn chunk_name(t: u8, dialect: DialectTag) -> String {
    lookup(Family::Chunk, dialect, u16::from(t))
        .or_else(|| lookup(Family::Chunk, DialectTag::Standard, u16::from(t)))
        .map_or_else(|| format!("type {t}"), |i| i.name.to_string())
}

/// One side's addresses (RFC 9260 6.4): the first, and how many more.
pub fn addresses(list: &[IpAddr]) -> String {
    match list {
        [] => "?".into(),
        [one] => one.to_string(),
        [first, rest @ ..] => format!("{first} (+{} more)", rest.len()),
    }
}

fn ms(ns: f64) -> String {
    format!("{:.3}", ns / 1e6)
}

/// RTT statistics (RFC 9260 6.3.1) as `min/avg/max (samples)` in
/// milliseconds, or `-` without samples.
pub fn rtt_ms(r: &RttStats) -> String {
    match r.avg_ns() {
        Some(avg) => format!(
            "{}/{}/{} ({})",
            ms(r.min_ns as f64),
            ms(avg),
            ms(r.max_ns as f64),
            r.samples
        ),
        None => "-".into(),
    }
}

/// One row of the direction table: a label, the forward and the reverse
/// direction's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirRow {
    /// What the row counts ("packets", "RTT ms min/avg/max (n)").
    pub label: String,
    /// The forward, then the reverse direction's value.
    pub values: [String; 2],
}

/// The rows of the direction table of `s` (RFC 9260 6, 6.2, 6.3, 6.9),
/// chunk types named in `dialect`: every row either front end prints.
pub fn dir_rows(s: &AssocSummary, dialect: DialectTag) -> Vec<DirRow> {
    let mut rows = Vec::new();
    let mut both = |label: &str, f: &dyn Fn(&DirStats) -> String| {
        rows.push(DirRow {
            label: label.to_string(),
            values: [f(&s.dirs[0]), f(&s.dirs[1])],
        });
    };
    both("Verification Tag", &|d| {
        d.vtag.map_or("-".into(), |v| format!("{v:#010x}"))
    });
    both("packets", &|d| d.packets.to_string());
    both("bytes (SCTP)", &|d| d.bytes.to_string());
    let [f, r] = &s.dirs;
    for t in 0..=255u8 {
        if f.chunks[t as usize] + r.chunks[t as usize] > 0 {
            let label = format!("{} chunks", chunk_name(t, dialect));
            both(&label, &|d| d.chunks[t as usize].to_string());
        }
    }
    both("user data bytes", &|d| d.user_bytes.to_string());
    both("messages (fragmented)", &|d| {
        format!("{} ({})", d.messages.count, d.messages.fragmented)
    });
    both("message bytes min/max", &|d| {
        if d.messages.count == 0 {
            "-".into()
        } else {
            format!("{}/{}", d.messages.min, d.messages.max)
        }
    });
    both("retransmissions (bytes)", &|d| {
        format!("{} ({})", d.retransmissions, d.retransmitted_bytes)
    });
    both("  of acknowledged TSNs", &|d| d.acked_before.to_string());
    both("TSN gaps (TSNs)", &|d| {
        format!("{} ({})", d.gaps, d.gap_tsns)
    });
    both("TSNs out of window", &|d| d.out_of_window.to_string());
    both("TSNs acknowledged", &|d| d.acked_tsns.to_string());
    both("RTT ms min/avg/max (n)", &|d| rtt_ms(&d.rtt));
    both("max bytes in flight", &|d| d.max_in_flight.to_string());
    both("SACKs sent (stale)", &|d| {
        format!("{} ({})", d.sacks, d.stale_sacks)
    });
    both("a_rwnd min/max/last", &|d| {
        if d.rwnd.samples == 0 {
            "-".into()
        } else {
            format!("{}/{}/{}", d.rwnd.min, d.rwnd.max, d.rwnd.last)
        }
    });
    both("zero windows", &|d| d.rwnd.zero.to_string());
    both("duplicate TSNs reported", &|d| {
        d.dup_tsns_reported.to_string()
    });
    both("gap acks revoked", &|d| d.revoked.to_string());
    rows
}

fn dir_line(out: &mut String, label: &str, f: &str, r: &str) {
    let _ = writeln!(
        out,
        "  {label:<lw$} {f:>vw$} {r:>vw$}",
        lw = LABEL_WIDTH,
        vw = VALUE_WIDTH
    );
}

/// The direction table: a heading row (forward, reverse), then
/// [`dir_rows`].
pub fn dir_table(out: &mut String, s: &AssocSummary, dialect: DialectTag) {
    dir_line(out, "", "forward", "reverse");
    for r in dir_rows(s, dialect) {
        dir_line(out, &r.label, &r.values[0], &r.values[1]);
    }
}

/// The first line of an association's tables: its id, both sides'
/// addresses and ports, its frames and duration (RFC 9260 1.3).
pub fn header(out: &mut String, s: &AssocSummary) {
    let [f, r] = &s.dirs;
    let _ = writeln!(
        out,
        "Association {}: {}:{} <-> {}:{}, frames {}-{}, {:.6} s",
        s.id,
        addresses(&s.addresses[0]),
        f.src_port,
        addresses(&s.addresses[1]),
        r.src_port,
        s.first_frame,
        s.last_frame,
        s.duration()
    );
}

/// One INIT or INIT ACK (RFC 9260 3.3.2, 3.3.3): tag, window, streams,
/// initial TSN, addresses and the extensions it offered.
pub fn init_line(out: &mut String, i: &InitInfo, dialect: DialectTag) {
    let name = |t: u8| chunk_name(t, dialect);
    let _ = write!(
        out,
        "  {:<9} frame {}: tag {:#010x}, a_rwnd {}, streams out {} in {}, initial TSN {}",
        if i.is_ack { "INIT ACK" } else { "INIT" },
        i.frame,
        i.initiate_tag,
        i.a_rwnd,
        i.outbound_streams,
        i.inbound_streams,
        i.initial_tsn
    );
    if !i.addresses.is_empty() {
        let a: Vec<String> = i.addresses.iter().map(|a| a.to_string()).collect();
        let _ = write!(out, ", addresses {}", a.join(" "));
    }
    let mut ext = Vec::new();
    if !i.extensions.is_empty() {
        let e: Vec<String> = i.extensions.iter().map(|&t| name(t)).collect();
        ext.push(format!("supported extensions {}", e.join(",")));
    }
    if i.forward_tsn {
        ext.push("Forward-TSN".into());
    }
    if i.ecn {
        ext.push("ECN".into());
    }
    if let Some(a) = &i.auth {
        let chunks: Vec<String> = a.chunk_types().iter().map(|&t| name(t)).collect();
        let hmacs: Vec<String> = a.hmac_ids().iter().map(|h| h.to_string()).collect();
        ext.push(format!(
            "AUTH (HMAC {}; authenticate {})",
            hmacs.join(","),
            if chunks.is_empty() {
                "nothing".into()
            } else {
                chunks.join(",")
            }
        ));
    }
    if i.zero_checksum {
        ext.push("Zero Checksum".into());
    }
    if !ext.is_empty() {
        let _ = write!(out, "; {}", ext.join(", "));
    }
    out.push('\n');
}

/// What the handshake agreed (RFC 9260 5.1), how the association ended
/// (RFC 9260 9) and the AUTH outcomes (RFC 4895 6.3), a line each.
pub fn outcome(out: &mut String, s: &AssocSummary) {
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
}

/// The paths of each direction (RFC 9260 6.4) with their RTT and
/// HEARTBEAT round trips (RFC 9260 8.3), and what the memory caps dropped;
/// for a direction with more than one path, HEARTBEATs or drops only.
pub fn paths(out: &mut String, s: &AssocSummary) {
    for (k, d) in s.dirs.iter().enumerate() {
        let probed = d.paths.iter().any(|p| p.heartbeats > 0);
        if d.paths.len() > 1 || probed || d.evicted_tsns > 0 || d.dropped_fragments > 0 {
            let name = if k == 0 { "forward" } else { "reverse" };
            for p in &d.paths {
                let _ = write!(
                    out,
                    "  path {name} {} -> {}: {} packets, RTT ms {}",
                    p.src,
                    p.dst,
                    p.packets,
                    rtt_ms(&p.rtt)
                );
                if p.heartbeats > 0 {
                    let _ = write!(
                        out,
                        ", HEARTBEAT RTT ms {} ({} of {} answered)",
                        rtt_ms(&p.hb_rtt),
                        p.heartbeats_answered,
                        p.heartbeats
                    );
                }
                out.push('\n');
            }
            if d.evicted_tsns > 0 || d.dropped_fragments > 0 {
                let _ = writeln!(
                    out,
                    "  {name}: {} outstanding TSNs and {} fragments dropped at the memory caps",
                    d.evicted_tsns, d.dropped_fragments
                );
            }
        }
    }
}

fn stream_line(out: &mut String, c: [&dyn std::fmt::Display; 7]) {
    let _ = writeln!(
        out,
        "  {:<8} {:>6} {:>8} {:>12} {:>9} {:>11} {:>8}",
        c[0], c[1], c[2], c[3], c[4], c[5], c[6]
    );
}

/// The stream table (RFC 9260 1.3): [`STREAM_HEADINGS`], then a row per
/// direction and stream identifier.
pub fn stream_table(out: &mut String, s: &AssocSummary) {
    let h = STREAM_HEADINGS;
    stream_line(out, [&h[0], &h[1], &h[2], &h[3], &h[4], &h[5], &h[6]]);
    for (k, m) in s.streams.iter().enumerate() {
        let dir = if k == 0 { "forward" } else { "reverse" };
        for (id, st) in m {
            stream_line(
                out,
                [
                    &dir,
                    id,
                    &st.data_chunks,
                    &st.user_bytes,
                    &st.messages,
                    &st.fragmented,
                    &st.retransmissions,
                ],
            );
        }
    }
}

/// Every table of association `s`, chunk types named in `dialect`: the
/// header, each INIT and INIT ACK, the outcome, the direction table, the
/// paths, and the stream table when DATA was seen.
pub fn association(out: &mut String, s: &AssocSummary, dialect: DialectTag) {
    header(out, s);
    for i in s.init.iter().flatten() {
        init_line(out, i, dialect);
    }
    outcome(out, s);
    out.push('\n');
    dir_table(out, s, dialect);
    paths(out, s);
    if s.streams.iter().any(|m| !m.is_empty()) {
        out.push('\n');
        stream_table(out, s);
    }
}

/// The stream table of association `s` under its header.
pub fn streams(out: &mut String, s: &AssocSummary) {
    header(out, s);
    stream_table(out, s);
}
