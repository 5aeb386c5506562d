//! `dissect --analysis`: a packet's association analysis (issue 18, from
//! `sctp_codec::analysis`) in the summary line, the `-V` tree and JSON:
//! retransmissions (RFC 9260 6.3.3), acknowledgements with their RTT (RFC
//! 9260 6.2.1, 6.3.1), gaps, messages completed (RFC 9260 6.9), AUTH
//! verdicts (RFC 4895 6.3) and chunks sent without a required AUTH.

use std::fmt::Write as _;

use sctp_codec::analysis::{AuthVerdict, Decryption, Note, ReportRef, SsctpVerdict};
use sctp_codec::{PacketView, Rules};

use crate::output::fast::{dec, Out};
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

/// The two digits of every number from 0 to 99.
const PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// An analysis text built on the stack and appended to the line at once:
/// constant pieces copied whole, numbers written two digits at a time in
/// place (no `fmt`, no check per byte).
struct Text {
    buf: [u8; 224],
    n: usize,
    /// Something did not fit: nothing is appended.
    overflow: bool,
}

impl Text {
    fn new() -> Self {
        Text {
            buf: [0; 224],
            n: 0,
            overflow: false,
        }
    }

    fn put(&mut self, b: &[u8]) {
        match self.buf.get_mut(self.n..self.n + b.len()) {
            Some(to) => {
                to.copy_from_slice(b);
                self.n += b.len();
            }
            None => self.overflow = true,
        }
    }

    /// `v` in decimal, as `Display` writes it.
    fn num(&mut self, v: u64) {
        // One or two digits (an association's number, a count): no
        // logarithm for the length.
        if v < 10 {
            self.put(&[b'0' + v as u8]);
            return;
        }
        if v < 100 {
            let p = v as usize * 2;
            self.put(&[PAIRS[p], PAIRS[p + 1]]);
            return;
        }
        // Up to 32 bits (a TSN, a frame number): the ten digits at fixed
        // places, no loop, and sixteen bytes copied whatever the length
        // (what lies past the number is overwritten or never flushed).
        if let (Ok(w), Some(to)) = (u32::try_from(v), self.buf.get_mut(self.n..self.n + 16)) {
            let len = w.ilog10() as usize + 1;
            let pair = |x: u32| {
                let p = x as usize * 2;
                [PAIRS[p], PAIRS[p + 1]]
            };
            let (a, b) = (w / 100_000_000, w % 100_000_000);
            let (c, e) = (b / 10_000, b % 10_000);
            let mut d = [0u8; 26];
            d[0..2].copy_from_slice(&pair(a));
            d[2..4].copy_from_slice(&pair(c / 100));
            d[4..6].copy_from_slice(&pair(c % 100));
            d[6..8].copy_from_slice(&pair(e / 100));
            d[8..10].copy_from_slice(&pair(e % 100));
            to.copy_from_slice(&d[10 - len..26 - len]);
            self.n += len;
            return;
        }
        let len = v.checked_ilog10().unwrap_or(0) as usize + 1;
        let Some(to) = self.buf.get_mut(self.n..self.n + len) else {
            self.overflow = true;
            return;
        };
        self.n += len;
        let mut v = v;
        let mut at = len;
        while at >= 2 {
            let p = (v % 100) as usize * 2;
            v /= 100;
            to[at - 2..at].copy_from_slice(&PAIRS[p..p + 2]);
            at -= 2;
        }
        if at == 1 {
            to[0] = b'0' + v as u8;
        }
    }

    /// `ns` as seconds with six decimals, as [`push_secs`] writes them:
    /// false (nothing written) where the rounding needs the float.
    fn secs(&mut self, ns: i64) -> bool {
        if !(0..1 << 53).contains(&ns) || ns % 1000 == 500 {
            return false;
        }
        let us = ((ns + 500) / 1000) as u64;
        self.num(us / 1_000_000);
        let f = (us % 1_000_000) as usize;
        let (a, b, c) = (f / 10_000 * 2, f / 100 % 100 * 2, f % 100 * 2);
        self.put(&[
            b'.',
            PAIRS[a],
            PAIRS[a + 1],
            PAIRS[b],
            PAIRS[b + 1],
            PAIRS[c],
            PAIRS[c + 1],
        ]);
        true
    }

    /// Appends the text to `out`; false (nothing appended) if it did not
    /// fit. A line of bytes (`Vec<u8>`) takes it as it is: no UTF-8 check
    /// (a `String` checks it).
    fn flush(&self, out: &mut (impl Out + ?Sized)) -> bool {
        !self.overflow && out.push_line(&self.buf[..self.n])
    }
}

/// The usual analysis of a summary line (DATA and SACK notes: the text
/// [`summary`] writes for them, byte for byte) built on the stack: false
/// where a note needs the general path (AUTH, S-SCTP, HEARTBEAT ACK,
/// unauthenticated chunks, a time only the float rounds).
fn line_summary(l: &mut Text, r: &ReportRef<'_>) -> bool {
    let Some(at) = r.assoc else { return true };
    l.put(b" [assoc ");
    l.num(at.id as u64);
    l.put(if at.dir.index() == 0 {
        b" fwd"
    } else {
        b" rev"
    });
    if r.discarded {
        l.put(b"; zero tag, not analysed");
    }
    for n in r.notes {
        match &n.note {
            Note::Data(d) => {
                if let Some(x) = d.retransmission {
                    l.put(b"; TSN ");
                    l.num(d.tsn.into());
                    l.put(b" retransmitted");
                    if let Some(f) = x.first_frame {
                        l.put(b" (first in frame ");
                        l.num(f);
                        if let Some(ns) = x.after_ns {
                            l.put(b", +");
                            if !l.secs(ns) {
                                return false;
                            }
                            l.put(b" s");
                        }
                        l.put(b")");
                    }
                    if let Some(f) = d.acked_before {
                        l.put(b" after its ack in frame ");
                        l.num(f);
                    }
                }
                if d.gap > 0 {
                    l.put(b"; TSN ");
                    l.num(d.tsn.into());
                    l.put(b": ");
                    l.num(d.gap.into());
                    l.put(if d.gap == 1 {
                        b" TSN missing before it"
                    } else {
                        b" TSNs missing before it"
                    });
                }
                if d.out_of_window {
                    l.put(b"; TSN ");
                    l.num(d.tsn.into());
                    l.put(b" out of window");
                }
                if let Some(m) = d.message {
                    if m.fragments > 1 {
                        l.put(b"; message of ");
                        l.num(m.bytes);
                        l.put(b" bytes in ");
                        l.num(m.fragments.into());
                        l.put(b" fragments complete");
                    }
                }
            }
            Note::Sack(k) => {
                if k.stale {
                    l.put(b"; stale SACK");
                }
                if let Some(first) = k.acked.first() {
                    if k.acked.len() == 1 {
                        l.put(b"; acks TSN ");
                        l.num(first.tsn.into());
                        l.put(b" of frame ");
                    } else {
                        l.put(b"; acks ");
                        l.num(k.acked.len() as u64);
                        l.put(b" TSNs from frame ");
                    }
                    l.num(first.frame);
                    let max = k.max_rtt_ns();
                    if let Some(max) = max {
                        l.put(b", RTT ");
                        if !l.secs(max) {
                            return false;
                        }
                        l.put(b" s");
                    }
                }
                if !k.revoked.is_empty() {
                    l.put(b"; ");
                    l.num(k.revoked.len() as u64);
                    l.put(b" gap acks revoked");
                }
            }
            _ => return false,
        }
    }
    l.put(b"]");
    true
}

/// Appends the analysis to a summary line: ` [assoc 1 fwd, retransmission
/// of frame 12 (+0.200000 s), ...]`. The usual one is built on the stack
/// and appended at once ([`line_summary`]); the rest is written through a
/// `String` ([`summary_general`]). `out` is a `String` or the bytes of a
/// batch of lines, which take the stack text without a UTF-8 check.
pub fn summary(out: &mut (impl Out + ?Sized), r: &ReportRef<'_>) {
    let mut l = Text::new();
    if line_summary(&mut l, r) && l.flush(out) {
        return;
    }
    let mut s = String::new();
    summary_general(&mut s, r);
    out.push_str(&s);
}

/// [`summary`] for any note, through `String` pushes and `fmt`.
fn summary_general(s: &mut String, r: &ReportRef<'_>) {
    let Some(at) = r.assoc else { return };
    s.push_str(" [assoc ");
    dec(s, at.id as u64);
    s.push_str(if at.dir.index() == 0 { " fwd" } else { " rev" });
    let part = |s: &mut String| s.push_str("; ");
    if r.discarded {
        part(s);
        s.push_str("zero tag, not analysed");
    }
    for n in r.notes {
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
                    let max = k.max_rtt_ns();
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
pub fn tree(s: &mut String, r: &ReportRef<'_>) {
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
    for n in r.notes {
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
pub fn json(s: &mut String, r: &ReportRef<'_>) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use sctp_codec::analysis::{
        Acked, AssocRef, AuthVerdict, ChunkNote, DataNote, Dir, Message, PacketReport,
        Retransmission, SackNote,
    };

    fn data(tsn: u32) -> DataNote {
        DataNote {
            tsn,
            stream: 1,
            bytes: 100,
            ..DataNote::default()
        }
    }

    fn report(notes: Vec<Note>, discarded: bool) -> PacketReport {
        PacketReport {
            assoc: Some(AssocRef {
                id: 17,
                dir: Dir::Reverse,
            }),
            notes: notes
                .into_iter()
                .enumerate()
                .map(|(chunk, note)| ChunkNote { chunk, note })
                .collect(),
            discarded,
        }
    }

    #[test]
    fn stack_numbers_are_display_numbers() {
        let mut vals = vec![0, u64::MAX, u64::MAX - 1];
        for p in 0..20 {
            let x = 10u64.pow(p);
            vals.extend([x - 1, x, x + 1, x * 7 / 3]);
        }
        // Around 32 bits, and pseudo-random numbers of every length.
        let top = u64::from(u32::MAX);
        vals.extend([top - 1, top, top + 1, top * 100 + 7]);
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..5000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            vals.extend([x, x >> (x % 64), (x >> 40) * 10_000 + 7]);
        }
        for v in vals {
            let mut t = Text::new();
            t.num(v);
            let mut s = String::new();
            assert!(t.flush(&mut s));
            assert_eq!(s, v.to_string());
            // After other text, and where the buffer's end leaves less
            // than sixteen bytes (the general path, or nothing at all).
            for before in [3, 200, 208, 214, 222] {
                let mut t = Text::new();
                t.put(&[b'x'; 224][..before]);
                t.num(v);
                t.put(b"!");
                let mut s = String::new();
                let want = format!("{}{v}!", "x".repeat(before));
                assert_eq!(t.flush(&mut s), want.len() <= 224, "{before} {v}");
                if want.len() <= 224 {
                    assert_eq!(s, want);
                }
            }
        }
        for ns in (0..3_000_000i64)
            .step_by(997)
            .chain([1 << 52, (1 << 53) - 1])
        {
            let mut t = Text::new();
            let mut s = String::new();
            if t.secs(ns) {
                assert!(t.flush(&mut s));
                assert_eq!(s, secs(ns), "{ns}");
            }
        }
    }

    /// The stack-built text equals the general one for every DATA and SACK
    /// note shape, times that round either way included; notes it does not
    /// build, and text too long for the stack, take the general path.
    #[test]
    fn stack_text_equals_the_general_text() {
        let rtx = |ns| Retransmission {
            first_frame: Some(72),
            after_ns: ns,
            count: 1,
        };
        let acked = |tsn, rtt_ns, retransmitted| Acked {
            tsn,
            frame: 9,
            rtt_ns,
            retransmitted,
        };
        let mut cases = vec![
            report(vec![], false),
            report(vec![], true),
            PacketReport::default(),
        ];
        for ns in [
            0,
            1,
            499,
            500,
            1_500,
            9_280_000,
            999_999_500,
            1_234_567_890_123,
            -5,
            1 << 53,
            i64::MAX,
        ] {
            let mut d = data(3_156_877_670);
            d.retransmission = Some(rtx(Some(ns)));
            d.acked_before = Some(73);
            let sack = SackNote {
                cum_tsn_ack: 5,
                stale: true,
                acked: [acked(7, ns, false)].into_iter().collect(),
                ..SackNote::default()
            };
            cases.push(report(vec![Note::Sack(sack), Note::Data(d)], false));
        }
        let mut d = data(u32::MAX);
        d.retransmission = Some(Retransmission {
            first_frame: None,
            after_ns: None,
            count: 2,
        });
        d.gap = 1;
        d.out_of_window = true;
        d.message = Some(Message {
            fragments: 3,
            bytes: 70_000,
            first_frame: 1,
        });
        let mut d2 = data(12);
        d2.gap = 4_000_000_000;
        d2.retransmission = Some(rtx(None));
        d2.message = Some(Message {
            fragments: 1,
            bytes: 5,
            first_frame: 1,
        });
        let many = SackNote {
            acked: [
                acked(1, 10, true),
                acked(2, 2_000, false),
                acked(3, 30, false),
            ]
            .into_iter()
            .collect(),
            revoked: [4, 5].into_iter().collect(),
            ..SackNote::default()
        };
        let all_ambiguous = SackNote {
            acked: [acked(1, 10, true)].into_iter().collect(),
            ..SackNote::default()
        };
        cases.push(report(
            vec![
                Note::Data(d),
                Note::Data(d2),
                Note::Sack(many),
                Note::Sack(all_ambiguous),
            ],
            true,
        ));
        // Past the stack buffer: the general path writes it all.
        let long: Vec<Note> = (0..8)
            .map(|k| {
                let mut d = data(4_000_000_000 + k);
                d.retransmission = Some(rtx(Some(123_456_789)));
                d.acked_before = Some(1_000_000_000);
                Note::Data(d)
            })
            .collect();
        cases.push(report(long, false));
        // Not built on the stack.
        cases.push(report(
            vec![
                Note::Data(data(1)),
                Note::Auth(AuthVerdict::BadHmac { key_id: 1 }),
            ],
            false,
        ));
        cases.push(report(vec![Note::Unauthenticated { ty: 0 }], false));
        for r in &cases {
            let (mut fast, mut general) = (String::from("x"), String::from("x"));
            summary(&mut fast, &r.as_ref());
            summary_general(&mut general, &r.as_ref());
            assert_eq!(fast, general, "{r:?}");
        }
        let mut long = String::new();
        summary(&mut long, &cases.iter().rev().nth(2).unwrap().as_ref());
        assert!(long.len() > 160, "{long}");
    }
}
