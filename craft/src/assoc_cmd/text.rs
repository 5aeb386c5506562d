//! The text tables of `sctp-craft assoc`: a header per association (RFC
//! 9260 1.3) with its handshake (5.1), negotiation and ending (9), then a
//! two-column table (forward, reverse direction) and a table per stream.

use std::fmt::Write as _;
use std::net::IpAddr;

use sctp_codec::analysis::{AssocSummary, DirStats, InitInfo, RttStats};

use super::chunk_name_in;
use sctp_codec::registry::DialectTag;

fn addrs(list: &[IpAddr]) -> String {
    match list {
        [] => "?".into(),
        [one] => one.to_string(),
        [first, rest @ ..] => format!("{first} (+{} more)", rest.len()),
    }
}

fn ms(ns: f64) -> String {
    format!("{:.3}", ns / 1e6)
}

fn rtt(r: &RttStats) -> String {
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

fn init_line(out: &mut String, i: &InitInfo, dialect: DialectTag) {
    let chunk_name = |t: u8| chunk_name_in(t, dialect);
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
        let e: Vec<String> = i.extensions.iter().map(|&t| chunk_name(t)).collect();
        ext.push(format!("supported extensions {}", e.join(",")));
    }
    if i.forward_tsn {
        ext.push("Forward-TSN".into());
    }
    if i.ecn {
        ext.push("ECN".into());
    }
    if let Some(a) = &i.auth {
        let chunks: Vec<String> = a.chunk_types().iter().map(|&t| chunk_name(t)).collect();
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

/// One row of the direction table.
fn row(out: &mut String, label: &str, f: String, r: String) {
    let _ = writeln!(out, "  {label:<26} {f:>24} {r:>24}");
}

fn both(out: &mut String, s: &AssocSummary, label: &str, f: impl Fn(&DirStats) -> String) {
    row(out, label, f(&s.dirs[0]), f(&s.dirs[1]));
}

/// Writes the tables of association `s`.
pub fn association(out: &mut String, s: &AssocSummary, dialect: DialectTag) {
    let chunk_name = |t: u8| chunk_name_in(t, dialect);
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
    for i in s.init.iter().flatten() {
        init_line(out, i, dialect);
    }
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
    out.push('\n');
    row(out, "", "forward".into(), "reverse".into());
    both(out, s, "Verification Tag", |d| {
        d.vtag.map_or("-".into(), |v| format!("{v:#010x}"))
    });
    both(out, s, "packets", |d| d.packets.to_string());
    both(out, s, "bytes (SCTP)", |d| d.bytes.to_string());
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
    both(out, s, "message bytes min/max", |d| {
        if d.messages.count == 0 {
            "-".into()
        } else {
            format!("{}/{}", d.messages.min, d.messages.max)
        }
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
                    rtt(&p.rtt)
                );
                if p.heartbeats > 0 {
                    let _ = write!(
                        out,
                        ", HEARTBEAT RTT ms {} ({} of {} answered)",
                        rtt(&p.hb_rtt),
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
    if s.streams.iter().any(|m| !m.is_empty()) {
        let _ = writeln!(
            out,
            "\n  {:<8} {:>6} {:>8} {:>12} {:>9} {:>11} {:>8}",
            "stream", "id", "DATA", "bytes", "messages", "fragmented", "retrans"
        );
        for (k, m) in s.streams.iter().enumerate() {
            for (id, st) in m {
                let _ = writeln!(
                    out,
                    "  {:<8} {:>6} {:>8} {:>12} {:>9} {:>11} {:>8}",
                    if k == 0 { "forward" } else { "reverse" },
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
}
