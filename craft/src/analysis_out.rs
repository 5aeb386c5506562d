//! `dissect --analysis`: a packet's association analysis (issue 18, from
//! `sctp_codec::analysis`) in the summary line, the `-V` tree and JSON:
//! retransmissions (RFC 9260 6.3.3), acknowledgements with their RTT (RFC
//! 9260 6.2.1, 6.3.1), gaps, messages completed (RFC 9260 6.9), AUTH
//! verdicts (RFC 4895 6.3) and chunks sent without a required AUTH.

use std::fmt::Write as _;

use sctp_codec::analysis::{AuthVerdict, Decryption, Note, PacketReport, SsctpVerdict};
use sctp_codec::{PacketView, Rules};

use crate::output::fast::dec;
use crate::output::json::push_str;

fn secs(ns: i64) -> String {
    format!("{:.6}", ns as f64 / 1e9)
}

/// Appends `ns` as seconds with six decimals, as [`secs`] writes them: by
/// integers where the rounding is unambiguous (not exactly half a
/// microsecond, below 2^53 ns), else through the float.
fn push_secs(s: &mut String, ns: i64) {
    if (0..1 << 53).contains(&ns) && ns % 1000 != 500 {
        let us = (ns + 500) / 1000;
        dec(s, (us / 1_000_000) as u64);
        s.push('.');
        let frac = (us % 1_000_000) as u64;
        for p in [100_000, 10_000, 1_000, 100, 10, 1] {
            s.push(char::from(b'0' + (frac / p % 10) as u8));
        }
    } else {
        s.push_str(&secs(ns));
    }
}

fn auth_text(v: &AuthVerdict) -> String {
    match v {
        AuthVerdict::Verified { key_id, hmac } => {
            format!("verified (key {key_id}, HMAC-{})", hmac.name())
        }
        AuthVerdict::BadHmac { key_id } => format!("BAD HMAC (key {key_id})"),
        AuthVerdict::NoKey { key_id } => format!("not checked: no key {key_id}"),
        AuthVerdict::NoHandshake => "not checked: handshake not captured".into(),
        AuthVerdict::UnsupportedHmac(id) => format!("not checked: HMAC identifier {id}"),
        AuthVerdict::Truncated => "not checked: truncated".into(),
    }
}

fn ssctp_text(v: &SsctpVerdict) -> String {
    match v {
        SsctpVerdict::Verified { reference } => format!("verified (reference {reference})"),
        SsctpVerdict::BadHmac { reference } => format!("BAD HMAC (reference {reference})"),
        SsctpVerdict::UnknownReference { reference } => {
            format!("not checked: no key with reference {reference}")
        }
        SsctpVerdict::NoKey { .. } => "not checked: no SSCTP keys for the association".into(),
        SsctpVerdict::UnsupportedSuite(id) => format!("not checked: cipher suite {id}"),
        SsctpVerdict::Truncated => "not checked: truncated".into(),
    }
}

/// The decrypted chunks of an EncData (draft-hohendorf-secure-sctp-15
/// 5.1.11) behind a zero common header, decoded with the S-SCTP rules.
fn with_inner<R>(chunks: &[u8], f: impl FnOnce(&PacketView<'_>) -> R) -> Option<R> {
    let mut b = vec![0u8; 12];
    b.extend_from_slice(chunks);
    PacketView::parse(&b, Rules::SSCTP).ok().map(|v| f(&v))
}

/// `decrypted: DATA(...), PADDING` or why not.
fn encdata_text(d: &Decryption) -> String {
    match d {
        Decryption::Plain { reference, chunks } => {
            let inner = with_inner(chunks, |v| {
                let mut t = String::new();
                for (k, c) in v.chunks().enumerate() {
                    if k > 0 {
                        t.push_str(", ");
                    }
                    if !crate::output::summary::chunk_view(&mut t, &c) {
                        crate::output::summary::chunk(&mut t, &c.decode());
                    }
                }
                t
            })
            .unwrap_or_default();
            format!("EncData decrypted (reference {reference}): {inner}")
        }
        Decryption::NoKey { reference } => {
            format!("EncData not decrypted: no key with reference {reference}")
        }
        Decryption::Failed { reference } => {
            format!("EncData DECRYPTION FAILED (reference {reference})")
        }
    }
}

/// Appends the analysis to a summary line: ` [assoc 1 fwd, retransmission
/// of frame 12 (+0.200000 s), ...]`. Written straight into the line (one
/// per packet: no text of its own per part).
pub fn summary(s: &mut String, r: &PacketReport) {
    let Some(at) = r.assoc else { return };
    s.push_str(" [assoc ");
    dec(s, at.id as u64);
    s.push_str(if at.dir.index() == 0 { " fwd" } else { " rev" });
    let part = |s: &mut String| s.push_str("; ");
    if r.discarded {
        part(s);
        s.push_str("zero tag, not analysed");
    }
    for n in &r.notes {
        match &n.note {
            Note::Data(d) => {
                if let Some(x) = d.retransmission {
                    part(s);
                    s.push_str("TSN ");
                    dec(s, d.tsn.into());
                    s.push_str(" retransmitted");
                    if let Some(f) = x.first_frame {
                        s.push_str(" (first in frame ");
                        dec(s, f);
                        if let Some(ns) = x.after_ns {
                            s.push_str(", +");
                            push_secs(s, ns);
                            s.push_str(" s");
                        }
                        s.push(')');
                    }
                    if let Some(f) = d.acked_before {
                        s.push_str(" after its ack in frame ");
                        dec(s, f);
                    }
                }
                if d.gap > 0 {
                    part(s);
                    s.push_str("TSN ");
                    dec(s, d.tsn.into());
                    s.push_str(": ");
                    dec(s, d.gap.into());
                    s.push_str(if d.gap == 1 {
                        " TSN missing before it"
                    } else {
                        " TSNs missing before it"
                    });
                }
                if d.out_of_window {
                    part(s);
                    let _ = write!(s, "TSN {} out of window", d.tsn);
                }
                if let Some(m) = d.message {
                    if m.fragments > 1 {
                        part(s);
                        let _ = write!(
                            s,
                            "message of {} bytes in {} fragments complete",
                            m.bytes, m.fragments
                        );
                    }
                }
            }
            Note::Sack(k) => {
                if k.stale {
                    part(s);
                    s.push_str("stale SACK");
                }
                if let Some(first) = k.acked.first() {
                    part(s);
                    if k.acked.len() == 1 {
                        s.push_str("acks TSN ");
                        dec(s, first.tsn.into());
                        s.push_str(" of frame ");
                        dec(s, first.frame);
                    } else {
                        s.push_str("acks ");
                        dec(s, k.acked.len() as u64);
                        s.push_str(" TSNs from frame ");
                        dec(s, first.frame);
                    }
                    let max = k
                        .acked
                        .iter()
                        .filter(|a| !a.retransmitted)
                        .map(|a| a.rtt_ns)
                        .max();
                    if let Some(max) = max {
                        s.push_str(", RTT ");
                        push_secs(s, max);
                        s.push_str(" s");
                    }
                }
                if !k.revoked.is_empty() {
                    part(s);
                    let _ = write!(s, "{} gap acks revoked", k.revoked.len());
                }
            }
            Note::Auth(v) => {
                part(s);
                let _ = write!(s, "AUTH {}", auth_text(v));
            }
            Note::SsctpAuth(v) => {
                part(s);
                let _ = write!(s, "S-SCTP AUTH {}", ssctp_text(v));
            }
            Note::EncData(d) => {
                part(s);
                s.push_str(&encdata_text(d));
            }
            Note::Unauthenticated { ty } => {
                part(s);
                let _ = write!(s, "chunk type {ty} without required AUTH");
            }
            Note::HeartbeatAck(h) => {
                part(s);
                let _ = write!(
                    s,
                    "answers HEARTBEAT of frame {} to {}, RTT {:.6} s",
                    h.request_frame,
                    h.addr,
                    h.rtt_ns as f64 / 1e9
                );
            }
        }
    }
    s.push(']');
}

/// Writes the analysis as `-V` lines.
pub fn tree(s: &mut String, r: &PacketReport) {
    let Some(at) = r.assoc else { return };
    let _ = writeln!(
        s,
        "    analysis: association {}, {} direction{}",
        at.id,
        at.dir.name(),
        if r.discarded {
            " (zero Verification Tag: not analysed)"
        } else {
            ""
        }
    );
    for n in &r.notes {
        let c = n.chunk;
        match &n.note {
            Note::Data(d) => {
                let _ = write!(s, "      chunk {c}: TSN {}", d.tsn);
                match d.retransmission {
                    Some(x) => {
                        let _ = write!(s, ", retransmission #{}", x.count);
                        if let Some(f) = x.first_frame {
                            let _ = write!(s, " of frame {f}");
                        }
                        if let Some(ns) = x.after_ns {
                            let _ = write!(s, " after {} s", secs(ns));
                        }
                    }
                    None => s.push_str(", first transmission"),
                }
                if let Some(f) = d.acked_before {
                    let _ = write!(s, ", already acknowledged in frame {f}");
                }
                if d.gap > 0 {
                    let _ = write!(
                        s,
                        ", {} TSN{} missing before it",
                        d.gap,
                        if d.gap == 1 { "" } else { "s" }
                    );
                }
                if d.out_of_window {
                    s.push_str(", out of window");
                }
                if let Some(m) = d.message {
                    let _ = write!(
                        s,
                        ", completes a message of {} bytes in {} fragment(s) from frame {}",
                        m.bytes, m.fragments, m.first_frame
                    );
                }
                let _ = writeln!(s, ", {} bytes in flight", d.in_flight);
            }
            Note::Sack(k) => {
                let _ = write!(s, "      chunk {c}: cumulative TSN ack {}", k.cum_tsn_ack);
                if let Some(w) = k.a_rwnd {
                    let _ = write!(s, ", a_rwnd {w}");
                }
                if k.stale {
                    s.push_str(", stale");
                }
                let _ = writeln!(s, ", {} bytes in flight after it", k.in_flight);
                for a in &k.acked {
                    let _ = writeln!(
                        s,
                        "        acknowledges TSN {} of frame {}, RTT {} s{}",
                        a.tsn,
                        a.frame,
                        secs(a.rtt_ns),
                        if a.retransmitted {
                            " (sent more than once)"
                        } else {
                            ""
                        }
                    );
                }
                for t in &k.revoked {
                    let _ = writeln!(s, "        revokes the gap ack of TSN {t}");
                }
            }
            Note::Auth(v) => {
                let _ = writeln!(s, "      chunk {c}: AUTH {}", auth_text(v));
            }
            Note::SsctpAuth(v) => {
                let _ = writeln!(s, "      chunk {c}: S-SCTP AUTH {}", ssctp_text(v));
            }
            Note::EncData(d) => match d {
                Decryption::Plain { reference, chunks } => {
                    let _ = writeln!(
                        s,
                        "      chunk {c}: EncData decrypted (reference {reference}), {} bytes:",
                        chunks.len()
                    );
                    with_inner(chunks, |v| {
                        if let Ok(p) = v.decode() {
                            let mut w = crate::output::tree::TreeWriter::new(s, 2);
                            let mut w = sctp_codec::visit::meaning::Annotate::new(&mut w);
                            sctp_codec::tlv::describe_list(&p.chunks, 0, true, &mut w);
                        }
                    });
                }
                d => {
                    let _ = writeln!(s, "      chunk {c}: {}", encdata_text(d));
                }
            },
            Note::Unauthenticated { ty } => {
                let _ = writeln!(
                    s,
                    "      chunk {c}: type {ty} required to be authenticated, no AUTH before it"
                );
            }
            Note::HeartbeatAck(h) => {
                let _ = writeln!(
                    s,
                    "      chunk {c}: answers the HEARTBEAT of frame {} to {}, RTT {} s{}",
                    h.request_frame,
                    h.addr,
                    secs(h.rtt_ns),
                    if h.resent {
                        " (from its latest copy)"
                    } else {
                        ""
                    }
                );
            }
        }
    }
}

/// Appends `,"analysis":{...}` to a JSON packet object.
pub fn json(s: &mut String, r: &PacketReport) {
    s.push_str(",\"analysis\":");
    let Some(at) = r.assoc else {
        s.push_str("null");
        return;
    };
    let retrans = r.has_retransmission();
    let _ = write!(
        s,
        "{{\"association\":{},\"direction\":\"{}\",\"discarded\":{},\"retransmission\":{retrans},\"chunks\":[",
        at.id,
        at.dir.name(),
        r.discarded
    );
    for (k, n) in r.notes.iter().enumerate() {
        if k > 0 {
            s.push(',');
        }
        let _ = write!(s, "{{\"chunk\":{},", n.chunk);
        match &n.note {
            Note::Data(d) => {
                let _ = write!(s, "\"data\":{{\"tsn\":{},\"retransmission\":", d.tsn);
                match d.retransmission {
                    Some(x) => {
                        let _ = write!(s, "{{\"count\":{},\"first_frame\":", x.count);
                        match x.first_frame {
                            Some(f) => {
                                let _ = write!(s, "{f}");
                            }
                            None => s.push_str("null"),
                        }
                        s.push_str(",\"after\":");
                        match x.after_ns {
                            Some(ns) => s.push_str(&format!("{:.9}", ns as f64 / 1e9)),
                            None => s.push_str("null"),
                        }
                        s.push('}');
                    }
                    None => s.push_str("null"),
                }
                s.push_str(",\"acked_before\":");
                match d.acked_before {
                    Some(f) => {
                        let _ = write!(s, "{f}");
                    }
                    None => s.push_str("null"),
                }
                let _ = write!(
                    s,
                    ",\"gap\":{},\"out_of_window\":{},\"in_flight\":{},\"message\":",
                    d.gap, d.out_of_window, d.in_flight
                );
                match d.message {
                    Some(m) => {
                        let _ = write!(
                            s,
                            "{{\"bytes\":{},\"fragments\":{},\"first_frame\":{}}}",
                            m.bytes, m.fragments, m.first_frame
                        );
                    }
                    None => s.push_str("null"),
                }
                s.push('}');
            }
            Note::Sack(k) => {
                let _ = write!(
                    s,
                    "\"sack\":{{\"cum_tsn_ack\":{},\"a_rwnd\":",
                    k.cum_tsn_ack
                );
                match k.a_rwnd {
                    Some(w) => {
                        let _ = write!(s, "{w}");
                    }
                    None => s.push_str("null"),
                }
                let _ = write!(
                    s,
                    ",\"stale\":{},\"dup_tsns\":{},\"in_flight\":{},\"acked\":[",
                    k.stale, k.dup_tsns, k.in_flight
                );
                for (i, a) in k.acked.iter().enumerate() {
                    if i > 0 {
                        s.push(',');
                    }
                    let _ = write!(
                        s,
                        "{{\"tsn\":{},\"frame\":{},\"rtt\":{:.9},\"retransmitted\":{}}}",
                        a.tsn,
                        a.frame,
                        a.rtt_ns as f64 / 1e9,
                        a.retransmitted
                    );
                }
                let revoked: Vec<String> = k.revoked.iter().map(|t| t.to_string()).collect();
                let _ = write!(s, "],\"revoked\":[{}]}}", revoked.join(","));
            }
            Note::Auth(v) => {
                s.push_str("\"auth\":");
                push_str(s, v.name());
                if let AuthVerdict::Verified { key_id, .. }
                | AuthVerdict::BadHmac { key_id }
                | AuthVerdict::NoKey { key_id } = v
                {
                    let _ = write!(s, ",\"key_id\":{key_id}");
                }
            }
            Note::Unauthenticated { ty } => {
                let _ = write!(s, "\"unauthenticated\":{ty}");
            }
            Note::SsctpAuth(v) => {
                s.push_str("\"ssctp_auth\":");
                push_str(s, v.name());
                if let SsctpVerdict::Verified { reference }
                | SsctpVerdict::BadHmac { reference }
                | SsctpVerdict::UnknownReference { reference }
                | SsctpVerdict::NoKey { reference } = v
                {
                    let _ = write!(s, ",\"reference\":{reference}");
                }
            }
            Note::EncData(d) => {
                s.push_str("\"encdata\":");
                push_str(s, d.name());
                let (Decryption::Plain { reference, .. }
                | Decryption::NoKey { reference }
                | Decryption::Failed { reference }) = d;
                let _ = write!(s, ",\"reference\":{reference}");
                if let Decryption::Plain { chunks, .. } = d {
                    s.push_str(",\"decrypted\":[");
                    with_inner(chunks, |v| {
                        if let Ok(p) = v.decode() {
                            let mut w = crate::output::json::JsonWriter::new(s, true, false);
                            let mut w = sctp_codec::visit::meaning::Annotate::new(&mut w);
                            sctp_codec::tlv::describe_list(&p.chunks, 0, true, &mut w);
                        }
                    });
                    s.push(']');
                }
            }
            Note::HeartbeatAck(h) => {
                let _ = write!(
                    s,
                    "\"hb_rtt\":{{\"rtt\":{:.9},\"request_frame\":{},\"addr\":\"{}\",\"resent\":{}}}",
                    h.rtt_ns as f64 / 1e9,
                    h.request_frame,
                    h.addr,
                    h.resent
                );
            }
        }
        s.push('}');
    }
    s.push_str("]}");
}

#[cfg(test)]
mod secs_tests {
    use super::{push_secs, secs};

    #[test]
    fn push_secs_writes_what_the_float_format_writes() {
        let edge = [
            0i64,
            1,
            499,
            500,
            501,
            999,
            1000,
            999_999_499,
            999_999_500,
            999_999_501,
        ];
        let some = (0..200_000i64).map(|k| k * 7919 + k * k * 13);
        for ns in edge
            .into_iter()
            .chain(some)
            .chain([-1, -500, -1_000_000_000, 1 << 53, i64::MAX])
        {
            let mut s = String::new();
            push_secs(&mut s, ns);
            assert_eq!(s, secs(ns), "{ns} ns");
        }
    }
}
