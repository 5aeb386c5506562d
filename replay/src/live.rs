//! `sctp-replay live FILE [--assoc N] --play client|server --peer udp:HOST:PORT|raw:HOST
//! [--port P] [--timing asis|fast|Nx] [--wait MS] [--no-loss] [--rto-min MS] [--json FILE] [--record FILE]
//! [--plot FILE.svg]`:
//! plays one side of a captured association against a live SCTP stack and
//! reports, chunk by chunk, what the live peer did instead of the captured
//! other side.
//!
//! Design: the played side is our endpoint ([`sctp_endpoint::Endpoint`],
//! sans-IO, driven here on a UDP socket of our own so that every datagram
//! in and out can be inspected and recorded). The capture is turned into a
//! script of *actions* of the played side (connect, send each captured user
//! message with its stream, PPID and U bit, shutdown, abort with the
//! captured reason) and *expectations* (each chunk of the other side). The
//! endpoint does the protocol, so tags, TSNs, cookies, SACKs and
//! HEARTBEAT ACKs follow the live peer by construction; captured values are
//! mapped onto live ones for the comparison only:
//!
//! - the other side's TSNs are compared relative to its initial TSN;
//! - TSNs of the played side that the other side acknowledges (SACK,
//!   SHUTDOWN) are mapped through the messages: a captured cumulative ack
//!   names "message (stream, SSN) up to byte k", which names the live TSN of
//!   our fragment holding byte k, so a fragmentation that differs from the
//!   captured stack's still maps;
//! - a live SACK matches every captured SACK it covers (cumulative ack at or
//!   beyond the mapped one); SACKs, HEARTBEATs and retransmissions the
//!   capture does not have are "extra" and tolerated; a live SHUTDOWN
//!   covers captured SACKs too (its cumulative TSN ack acknowledges);
//! - DATA is matched to the captured chunk of the same message (stream and
//!   SSN, or stream and U bit) and compared by U, B and E flags, stream,
//!   SSN, PPID, length and payload; its TSN is not compared (a stack
//!   interleaves its streams as its scheduler decides); the I bit (RFC 7053) is shown, not compared:
//!   it follows the sender's timing (usrsctp sets it while its shutdown is
//!   pending).
//!
//! An action waits until every expectation before it in the capture is
//! resolved (matched, differed or missing after `--wait`), then for the
//! captured gap before it (`--timing asis`), a fraction of it (`Nx`) or not at
//! all (`fast`), as packetdrill does.
//!
//! The played side offers the extensions its captured INIT or INIT ACK
//! offered (ECN, PR-SCTP, AUTH with the captured chunk list and HMACs,
//! RE-CONFIG, NR-SACK, I-DATA, zero checksum); a listed extension the
//! endpoint does not speak (ASCONF) is named in a note. The peer's INIT or
//! INIT ACK is compared by a_rwnd, streams, parameter types and its list of
//! Supported Extensions. Chunks of the played side the endpoint
//! produces by itself (INIT ACK, COOKIE ECHO, COOKIE ACK, SACK, SHUTDOWN ACK,
//! SHUTDOWN COMPLETE, HEARTBEAT ACK) are left to it; others (ERROR,
//! unknown types, HEARTBEAT, extensions) are listed as not played.
//!
//! Losses of the capture (a side retransmitted) are re-created at the
//! driver, so that the live peer's retransmissions and gap reports are
//! compared with the captured ones (`live_loss.rs`; `--no-loss` plays
//! without them).
//!
//! Exit status: 0 when every expected chunk matched, 1 when the peer
//! diverged, 2 on error (bad file, no such association, unreachable peer).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sctp_codec::capture::{PcapWriter, LINKTYPE_RAW};
use sctp_codec::chunk::ty;
use sctp_codec::{PacketView, Rules};
use sctp_endpoint::{
    AssocChange, AssocId, Config, ConnectOptions, Endpoint, Event, PrPolicy, Reason, SendOptions,
};

use crate::list::chunk_name;
use crate::to_script::{associations, read_packets, Pkt, Play};

#[path = "live_loss.rs"]
mod loss;

const USAGE: &str =
    "usage: sctp-replay live FILE [--assoc N] --play client|server --peer udp:HOST:PORT|raw:HOST
                        [--port P] [--timing asis|fast|Nx] [--wait MS] [--no-loss] [--rto-min MS] [--udp-port P]...
                        [--json FILE] [--record FILE] [--plot FILE.svg]";

/// How fast the played side's actions follow each other.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Timing {
    /// The captured gaps.
    AsIs,
    /// No gaps: each action as soon as what comes before it is resolved.
    Fast,
    /// The captured gaps divided by this factor.
    Factor(f64),
}

impl std::str::FromStr for Timing {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "asis" => Ok(Timing::AsIs),
            "fast" => Ok(Timing::Fast),
            _ => s
                .strip_suffix('x')
                .and_then(|n| n.parse::<f64>().ok())
                .filter(|f| *f > 0.0 && f.is_finite())
                .map(Timing::Factor)
                .ok_or_else(|| format!("--timing {s}: expected asis, fast or a factor like 2x")),
        }
    }
}

/// Options of a live run.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// The capture.
    pub file: PathBuf,
    /// 1-based association number.
    pub assoc: usize,
    /// The side we play.
    pub play: Play,
    /// The live peer (its IP and UDP encapsulation port).
    pub peer: SocketAddr,
    /// Raw IP (protocol 132, IPv4 or IPv6) instead of UDP encapsulation (`raw:HOST`).
    pub raw: bool,
    /// Our local UDP port (0: any).
    pub port: u16,
    /// Pacing.
    pub timing: Timing,
    /// How long to wait for each expected chunk once it is due.
    pub wait: Duration,
    /// UDP ports carrying SCTP in the capture (empty: any with a good CRC32c).
    pub udp_ports: Vec<u16>,
    /// Write the live exchange here (pcap, raw IPv4 or IPv6).
    pub record: Option<PathBuf>,
    /// Set from outside to stop the run (Ctrl-C).
    pub stop: Arc<AtomicBool>,
    /// Re-create the capture's losses (`--no-loss` turns it off): see
    /// `live_loss.rs`.
    pub recreate_loss: bool,
    /// The played side's RTO.Min and RTO.Initial (RFC 9260 15), to follow a
    /// captured stack with shorter timers (`--rto-min MS`; default 1 s).
    pub rto_min: Option<Duration>,
}

/// A captured user message of the played side.
#[derive(Debug, Clone)]
struct UserMsg {
    sid: u16,
    ppid: u32,
    unordered: bool,
    data: Vec<u8>,
}

#[derive(Debug, Clone)]
enum Action {
    Connect,
    Send(UserMsg),
    Shutdown,
    Abort(Option<Vec<u8>>),
    /// A stream reconfiguration request of RFC 6525, made through the
    /// endpoint's API.
    Reconfig(Reconfig),
    /// Chunks the endpoint would not send, injected in a packet of their
    /// own: the captured verification tag (translated when it is one of the
    /// association's tags) and the chunks' bytes as captured.
    Inject {
        vtag: u32,
        chunks: Vec<u8>,
    },
}

/// The stream reconfiguration requests the endpoint makes on request.
#[derive(Debug, Clone, PartialEq)]
enum Reconfig {
    /// Outgoing SSN Reset Request: our streams (empty: all).
    ResetOutgoing(Vec<u16>),
    /// Incoming SSN Reset Request: the peer's streams towards us.
    ResetIncoming(Vec<u16>),
    /// Add Outgoing / Incoming Streams Requests.
    AddStreams(u16, u16),
}

/// The parameters of a RE-CONFIG chunk's value: (type, value).
fn reconfig_params(v: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 4 <= v.len() {
        let l = (be16(v, at + 2) as usize).max(4);
        out.push((
            be16(v, at),
            v.get(at + 4..(at + l).min(v.len())).unwrap_or(&[]),
        ));
        at += l + (4 - l % 4) % 4;
    }
    out
}

/// What a RE-CONFIG chunk asks or answers, without its sequence numbers
/// and TSNs (the endpoint's own): one word per parameter.
fn reconfig_words(v: &[u8]) -> Vec<String> {
    let streams = |b: &[u8], from: usize| -> String {
        let s: Vec<String> = b
            .get(from..)
            .unwrap_or(&[])
            .chunks_exact(2)
            .map(|x| u16::from_be_bytes([x[0], x[1]]).to_string())
            .collect();
        if s.is_empty() {
            "all".into()
        } else {
            s.join(",")
        }
    };
    reconfig_params(v)
        .into_iter()
        .map(|(t, b)| match t {
            13 => format!("outgoing-reset({})", streams(b, 12)),
            14 => format!("incoming-reset({})", streams(b, 4)),
            15 => "ssn-tsn-reset".to_string(),
            16 => format!("response(result={})", be32(b, 4)),
            17 => format!("add-outgoing({})", be16(b, 4)),
            18 => format!("add-incoming({})", be16(b, 4)),
            t => format!("parameter-{t:#x}"),
        })
        .collect()
}

/// Chunks injected: as captured when their fields carry no tag or TSN to
/// map (ERROR, HEARTBEAT, PAD) or are unknown to us (any type the codec
/// does not name), which is what a deliberately odd capture holds; with
/// their TSN translated for ECNE, CWR, FORWARD TSN and I-FORWARD TSN (see
/// [`translate`]).
fn injectable(t: u8) -> bool {
    matches!(
        t,
        ty::ERROR
            | ty::HEARTBEAT
            | ty::PAD
            | ty::ECNE
            | ty::CWR
            | ty::FORWARD_TSN
            | ty::I_FORWARD_TSN
            | ty::ASCONF
            | ty::ASCONF_ACK
    ) || chunk_name(t).starts_with("0x")
}

/// Maps a captured TSN of one side to its live TSN, None when unknown.
type TsnMap<'a> = &'a dyn Fn(u32) -> Option<u32>;

/// Translates the TSN-bearing fields of injected chunks from captured to
/// live values: ECNE's lowest TSN, the cumulative TSN ack, gap blocks
/// (their ends, kept as offsets from the new cumulative ack), NR gap blocks
/// and duplicate TSNs of SACK and NR-SACK name data of the other side
/// (`other`); CWR's lowest TSN and the new cumulative TSN of FORWARD TSN and
/// I-FORWARD TSN name ours (`own`). A field whose TSN cannot be mapped is
/// left as captured. Returns how many fields were translated.
#[cfg(test)]
fn translate(chunks: &mut [u8], own: TsnMap<'_>, other: TsnMap<'_>) -> usize {
    translate_with(chunks, own, other, &[])
}

/// [`translate`], and the addresses of ASCONF / ASCONF ACK: their Serial
/// Number is the sender's (RFC 5061 5.1: it starts at the sender's initial
/// TSN, so ASCONF's maps as our TSNs do and ASCONF ACK's as the other
/// side's), and their IPv4 / IPv6 Address parameters, the leading one and
/// those inside Add IP, Delete IP and Set Primary Address, are rewritten by
/// `addrs` (captured to live).
fn translate_with(
    chunks: &mut [u8],
    own: TsnMap<'_>,
    other: TsnMap<'_>,
    addrs: &[(IpAddr, IpAddr)],
) -> usize {
    let mut at = 0;
    let mut n = 0;
    let put = |b: &mut [u8], at: usize, v: Option<u32>, n: &mut usize| {
        if let Some(v) = v {
            b[at..at + 4].copy_from_slice(&v.to_be_bytes());
            *n += 1;
        }
    };
    while at + 8 <= chunks.len() {
        let len = (be16(chunks, at + 2) as usize).min(chunks.len() - at);
        let t = chunks[at];
        match t {
            ty::ECNE if len >= 8 => put(chunks, at + 4, other(be32(chunks, at + 4)), &mut n),
            ty::CWR | ty::FORWARD_TSN | ty::I_FORWARD_TSN if len >= 8 => {
                put(chunks, at + 4, own(be32(chunks, at + 4)), &mut n)
            }
            ty::ASCONF | ty::ASCONF_ACK if len >= 8 => {
                let map = if t == ty::ASCONF { own } else { other };
                put(chunks, at + 4, map(be32(chunks, at + 4)), &mut n);
                // Address parameters: at the top level, and one level down
                // in ASCONF's requests (after their 4-byte correlation ID).
                let end = at + len;
                let mut p = at + 8;
                while p + 4 <= end {
                    let (pt, pl) = (be16(chunks, p), be16(chunks, p + 2) as usize);
                    if pl < 4 || p + pl > end {
                        break;
                    }
                    let inner = match pt {
                        0xC001 | 0xC002 | 0xC004 if pl >= 12 => Some(p + 8),
                        _ => None,
                    };
                    for q in [Some(p), inner].into_iter().flatten() {
                        n += rewrite_address(&mut chunks[q..end], addrs);
                    }
                    p += pl + (4 - pl % 4) % 4;
                }
            }
            ty::SACK | ty::NR_SACK if len >= 16 => {
                let cum = be32(chunks, at + 4);
                let live_cum = other(cum);
                put(chunks, at + 4, live_cum, &mut n);
                let (gaps, nr, dups, blocks) = if t == ty::SACK {
                    (be16(chunks, at + 12), 0, be16(chunks, at + 14), at + 16)
                } else {
                    (
                        be16(chunks, at + 12),
                        be16(chunks, at + 14),
                        be16(chunks, at + 16),
                        at + 20,
                    )
                };
                let end = at + len;
                // Gap blocks (then NR gap blocks): start and end offsets from
                // the cumulative TSN ack; a block's start maps through the
                // TSN before it, its end through itself.
                let lc = live_cum.unwrap_or(cum);
                for k in 0..(gaps as usize + nr as usize) {
                    let b = blocks + 4 * k;
                    if b + 4 > end {
                        break;
                    }
                    let (s0, e0) = (be16(chunks, b), be16(chunks, b + 2));
                    let first = other(cum.wrapping_add(s0 as u32).wrapping_sub(1))
                        .map(|t| t.wrapping_add(1));
                    let last = other(cum.wrapping_add(e0 as u32));
                    if let (Some(f), Some(l)) = (first, last) {
                        let (so, eo) = (f.wrapping_sub(lc), l.wrapping_sub(lc));
                        if so <= 0xffff && eo <= 0xffff && so <= eo {
                            chunks[b..b + 2].copy_from_slice(&(so as u16).to_be_bytes());
                            chunks[b + 2..b + 4].copy_from_slice(&(eo as u16).to_be_bytes());
                            n += 1;
                        }
                    }
                }
                let d0 = blocks + 4 * (gaps as usize + nr as usize);
                for k in 0..dups as usize {
                    let d = d0 + 4 * k;
                    if d + 4 > end {
                        break;
                    }
                    put(chunks, d, other(be32(chunks, d)), &mut n);
                }
            }
            _ => {}
        }
        if len < 4 {
            break;
        }
        at += len + (4 - len % 4) % 4;
    }
    n
}

/// Rewrites the IPv4 (5) or IPv6 (6) Address parameter at the start of `b`
/// by `addrs`: 1 when it did.
fn rewrite_address(b: &mut [u8], addrs: &[(IpAddr, IpAddr)]) -> usize {
    let (t, l) = (be16(b, 0), be16(b, 2) as usize);
    let field = match (t, l) {
        (5, 8) => b.get_mut(4..8),
        (6, 20) => b.get_mut(4..20),
        _ => None,
    };
    let Some(field) = field else { return 0 };
    for (old, new) in addrs {
        let (o, nw) = match (old, new) {
            (IpAddr::V4(o), IpAddr::V4(nw)) => (o.octets().to_vec(), nw.octets().to_vec()),
            (IpAddr::V6(o), IpAddr::V6(nw)) => (o.octets().to_vec(), nw.octets().to_vec()),
            _ => continue,
        };
        if *field == o[..] {
            field.copy_from_slice(&nw);
            return 1;
        }
    }
    0
}

/// One step of the script: an action of the played side, or an expected
/// chunk of the other side, with its capture time and frame.
#[derive(Debug, Clone)]
enum Step {
    Act {
        t_us: i64,
        frame: u64,
        action: Action,
    },
    Expect {
        t_us: i64,
        idx: usize,
    },
}

/// What happened to one expected chunk.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Not resolved yet.
    Pending,
    /// The live peer sent it.
    Matched,
    /// The live peer sent a chunk of that type with other values.
    Differed(Vec<(String, String, String)>),
    /// Not sent within the wait (or the association ended first).
    Missing(String),
    /// The run stopped before it was due (Ctrl-C).
    NotReached,
}

/// An expected chunk and its fate.
#[derive(Debug, Clone)]
pub struct Expected {
    /// Captured frame.
    pub frame: u64,
    /// Chunk type.
    pub ty: u8,
    /// Captured chunk (header and value).
    pub bytes: Vec<u8>,
    /// Summary of the captured chunk.
    pub summary: String,
    /// The verdict.
    pub verdict: Verdict,
    /// The live chunk's frame in the recorded exchange and its summary.
    pub live: Option<(u64, String)>,
    due: Option<Instant>,
}

/// A live chunk nothing expected.
#[derive(Debug, Clone)]
pub struct Extra {
    /// After which expected chunk (its index + 1; 0: before the first).
    pub after: usize,
    /// Live frame number in the recorded exchange.
    pub live_frame: u64,
    /// Summary.
    pub summary: String,
    /// SACK, HEARTBEAT or a retransmission: tolerated.
    pub tolerated: bool,
}

/// One row of the plot: captured label, live label, colour, mark, note.
type PlotRow = (
    Option<String>,
    Option<String>,
    &'static str,
    &'static str,
    String,
);

/// The report of a run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Capture file.
    pub file: String,
    /// Association number.
    pub assoc: usize,
    /// "client" or "server".
    pub play: String,
    /// The peer.
    pub peer: String,
    /// Expected chunks in captured order.
    pub expected: Vec<Expected>,
    /// Unexpected live chunks.
    pub extras: Vec<Extra>,
    /// Captured chunks of the played side that were not played, with why.
    pub not_played: Vec<String>,
    /// Captured chunks of the other side that are not expected, with why
    /// (its retransmissions: a live peer retransmits only what it lost).
    pub not_expected: Vec<String>,
    /// Captured chunks of the played side injected as captured (tags
    /// translated).
    pub injected: Vec<String>,
    /// Notes (how the association ended, interruption).
    pub notes: Vec<String>,
    /// User messages sent.
    pub messages_sent: usize,
    /// Packets out and in.
    pub packets: (u64, u64),
}

impl Report {
    /// True when every expected chunk matched and no extra chunk is a
    /// divergence.
    pub fn all_matched(&self) -> bool {
        self.expected.iter().all(|e| e.verdict == Verdict::Matched)
            && self.extras.iter().all(|x| x.tolerated)
    }

    fn counts(&self) -> (usize, usize, usize, usize, usize) {
        let mut c = (0, 0, 0, 0, 0);
        for e in &self.expected {
            match e.verdict {
                Verdict::Matched => c.0 += 1,
                Verdict::Differed(_) => c.1 += 1,
                Verdict::Missing(_) => c.2 += 1,
                _ => c.4 += 1,
            }
        }
        c.3 = self.extras.iter().filter(|x| !x.tolerated).count();
        c
    }

    /// Readable text.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "live replay of {} association {} playing the {} against {}",
            self.file, self.assoc, self.play, self.peer
        );
        let extras_at = |k: usize, s: &mut String| {
            for x in self.extras.iter().filter(|x| x.after == k) {
                let _ = writeln!(
                    s,
                    "  {:<9} live #{:<4} {}{}",
                    "extra",
                    x.live_frame,
                    x.summary,
                    if x.tolerated { " (tolerated)" } else { "" }
                );
            }
        };
        extras_at(0, &mut s);
        for (i, e) in self.expected.iter().enumerate() {
            let live = e
                .live
                .as_ref()
                .map(|(f, _)| format!("live #{f}"))
                .unwrap_or_default();
            let (word, tail) = match &e.verdict {
                Verdict::Matched => ("matched", String::new()),
                Verdict::Differed(d) => (
                    "DIFFERED",
                    d.iter()
                        .map(|(f, c, l)| format!("{f}: captured {c}, live {l}"))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                Verdict::Missing(why) => ("MISSING", why.clone()),
                Verdict::NotReached => ("not reached", String::new()),
                Verdict::Pending => ("pending", String::new()),
            };
            let _ = write!(s, "  {word:<9} frame {:<4} {}", e.frame, e.summary);
            if !live.is_empty() {
                let _ = write!(s, "  <- {live}");
            }
            if !tail.is_empty() {
                let _ = write!(s, "  [{tail}]");
            }
            s.push('\n');
            extras_at(i + 1, &mut s);
        }
        for n in &self.injected {
            let _ = writeln!(s, "  injected: {n}");
        }
        for n in &self.not_played {
            let _ = writeln!(s, "  not played: {n}");
        }
        for n in &self.not_expected {
            let _ = writeln!(s, "  not expected: {n}");
        }
        for n in &self.notes {
            let _ = writeln!(s, "  note: {n}");
        }
        let c = self.counts();
        let _ = writeln!(
            s,
            "{} expected chunks: {} matched, {} differed, {} missing, {} not reached; {} extra ({} tolerated); {} messages sent, {} packets out, {} in: {}",
            self.expected.len(),
            c.0,
            c.1,
            c.2,
            c.4,
            self.extras.len(),
            self.extras.len() - c.3,
            self.messages_sent,
            self.packets.0,
            self.packets.1,
            if self.all_matched() { "MATCHED" } else { "DIVERGED" }
        );
        s
    }

    /// The report as an SVG sequence diagram: the capture on the left (the
    /// other side's chunks towards the played side), the live exchange on
    /// the right (the live peer towards us), one row per expected chunk and
    /// per extra live chunk, coloured by verdict (green matched, orange
    /// differed with the fields, red missing or an extra that diverges,
    /// grey a tolerated extra).
    pub fn svg(&self) -> String {
        fn esc(s: &str) -> String {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
        }
        const ROW: usize = 34;
        const TOP: usize = 96;
        let (cl, cr, ll, lr, mid) = (90.0, 560.0, 690.0, 1160.0, 625.0);
        // Rows: (captured label, live label, verdict colour, mark, note).
        let mut rows: Vec<PlotRow> = Vec::new();
        let extra_rows = |k: usize, rows: &mut Vec<_>| {
            for x in self.extras.iter().filter(|x| x.after == k) {
                let (c, m) = if x.tolerated {
                    ("#9e9e9e", "+")
                } else {
                    ("#d32f2f", "+")
                };
                let note = if x.tolerated {
                    "extra, tolerated".to_string()
                } else {
                    "extra: not in the capture".to_string()
                };
                rows.push((
                    None,
                    Some(format!("#{} {}", x.live_frame, x.summary)),
                    c,
                    m,
                    note,
                ));
            }
        };
        extra_rows(0, &mut rows);
        for (i, e) in self.expected.iter().enumerate() {
            let cap = Some(format!("frame {} {}", e.frame, e.summary));
            let live = e.live.as_ref().map(|(f, s)| format!("#{f} {s}"));
            let (c, m, note) = match &e.verdict {
                Verdict::Matched => ("#2e7d32", "=", String::new()),
                Verdict::Differed(d) => (
                    "#ef6c00",
                    "\u{2260}",
                    d.iter()
                        .map(|(f, c, l)| format!("{f}: captured {c}, live {l}"))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                Verdict::Missing(w) => ("#d32f2f", "\u{2717}", format!("missing: {w}")),
                Verdict::NotReached | Verdict::Pending => ("#9e9e9e", "?", "not reached".into()),
            };
            rows.push((cap, live, c, m, note));
            extra_rows(i + 1, &mut rows);
        }
        let h = TOP + rows.len() * ROW + 60;
        let mut s = String::new();
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="1240" height="{h}" viewBox="0 0 1240 {h}" font-family="monospace" font-size="10.5">"#
        );
        let _ = writeln!(s, r#"<rect width="1240" height="{h}" fill="white"/>"#);
        let _ = writeln!(
            s,
            "{}",
            "<defs>".to_string()
                + &["#1565c0", "#2e7d32", "#ef6c00", "#d32f2f", "#9e9e9e"]
                    .iter()
                    .map(|c| {
                        format!(
                            r#"<marker id="a{}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{c}"/></marker>"#,
                            &c[1..]
                        )
                    })
                    .collect::<String>()
                + "</defs>"
        );
        let c = self.counts();
        let _ = writeln!(
            s,
            r#"<text x="20" y="22" font-size="14" font-weight="bold">{} association {}: playing the {} against {}</text>"#,
            esc(&self.file),
            self.assoc,
            esc(&self.play),
            esc(&self.peer)
        );
        let _ = writeln!(
            s,
            r#"<text x="20" y="42" font-size="12">{} expected: {} matched, {} differed, {} missing; {} extra ({} tolerated): {}</text>"#,
            self.expected.len(),
            c.0,
            c.1,
            c.2,
            self.extras.len(),
            self.extras.len() - c.3,
            if self.all_matched() {
                "MATCHED"
            } else {
                "DIVERGED"
            }
        );
        let other = if self.play == "client" {
            "server"
        } else {
            "client"
        };
        for (x, label) in [
            (cl, format!("captured {}", self.play)),
            (cr, format!("captured {other}")),
            (ll, format!("we ({})", self.play)),
            (lr, format!("live peer ({other})")),
        ] {
            let _ = writeln!(
                s,
                r##"<text x="{x}" y="{}" text-anchor="middle" font-weight="bold">{}</text><line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#555" stroke-width="1.5"/>"##,
                TOP - 22,
                esc(&label),
                TOP - 12,
                h - 30
            );
        }
        let clip = |t: &str, n: usize| {
            if t.chars().count() > n {
                format!("{}...", t.chars().take(n - 3).collect::<String>())
            } else {
                t.to_string()
            }
        };
        for (k, (cap, live, colour, mark, note)) in rows.iter().enumerate() {
            let y = (TOP + k * ROW + 18) as f64;
            if k % 2 == 0 {
                let _ = writeln!(
                    s,
                    r##"<rect x="0" y="{}" width="1240" height="{ROW}" fill="#f7f7f7"/>"##,
                    y - 18.0
                );
            }
            if let Some(t) = cap {
                let _ = writeln!(
                    s,
                    r##"<line x1="{cr}" y1="{y}" x2="{cl}" y2="{y}" stroke="#1565c0" stroke-width="1.5" marker-end="url(#a1565c0)"/><text x="{}" y="{}" text-anchor="middle">{}</text>"##,
                    (cl + cr) / 2.0,
                    y - 4.0,
                    esc(&clip(t, 70))
                );
            }
            match live {
                Some(t) => {
                    let _ = writeln!(
                        s,
                        r##"<line x1="{lr}" y1="{y}" x2="{ll}" y2="{y}" stroke="{colour}" stroke-width="2" marker-end="url(#a{})"/><text x="{}" y="{}" text-anchor="middle" fill="{colour}">{}</text>"##,
                        &colour[1..],
                        (ll + lr) / 2.0,
                        y - 4.0,
                        esc(&clip(t, 70))
                    );
                }
                None => {
                    let _ = writeln!(
                        s,
                        r##"<line x1="{lr}" y1="{y}" x2="{ll}" y2="{y}" stroke="{colour}" stroke-width="1.5" stroke-dasharray="5,4"/>"##
                    );
                }
            }
            let _ = writeln!(
                s,
                r##"<circle cx="{mid}" cy="{}" r="9" fill="{colour}"/><text x="{mid}" y="{}" text-anchor="middle" fill="white" font-size="13" font-weight="bold">{mark}</text>"##,
                y - 3.0,
                y + 1.5
            );
            if !note.is_empty() {
                let _ = writeln!(
                    s,
                    r##"<text x="{}" y="{}" text-anchor="middle" fill="{colour}" font-size="10">{}</text>"##,
                    (ll + lr) / 2.0,
                    y + 11.0,
                    esc(&clip(note, 72))
                );
            }
        }
        let _ = writeln!(
            s,
            r##"<text x="20" y="{}" font-size="10" fill="#555">left: the capture (the other side's chunks, blue); right: the live run (green matched, orange differed, red missing or a diverging extra, grey tolerated extra or not reached)</text>"##,
            h - 10
        );
        s.push_str("</svg>\n");
        s
    }

    /// The report as JSON.
    pub fn json(&self) -> serde_json::Value {
        use serde_json::json;
        let exp: Vec<_> = self
            .expected
            .iter()
            .map(|e| {
                let (v, diffs, why) = match &e.verdict {
                    Verdict::Matched => ("matched", vec![], None),
                    Verdict::Differed(d) => (
                        "differed",
                        d.iter()
                            .map(|(f, c, l)| json!({"field": f, "captured": c, "live": l}))
                            .collect(),
                        None,
                    ),
                    Verdict::Missing(w) => ("missing", vec![], Some(w.clone())),
                    Verdict::NotReached => ("not_reached", vec![], None),
                    Verdict::Pending => ("pending", vec![], None),
                };
                json!({
                    "frame": e.frame, "chunk": chunk_name(e.ty), "captured": e.summary,
                    "verdict": v, "differences": diffs, "why": why,
                    "live_frame": e.live.as_ref().map(|l| l.0),
                    "live": e.live.as_ref().map(|l| l.1.clone()),
                })
            })
            .collect();
        let extras: Vec<_> = self
            .extras
            .iter()
            .map(|x| {
                json!({"after_expected": x.after, "live_frame": x.live_frame,
                       "live": x.summary, "tolerated": x.tolerated})
            })
            .collect();
        let c = self.counts();
        json!({
            "file": self.file, "assoc": self.assoc, "play": self.play, "peer": self.peer,
            "expected": exp, "extras": extras, "not_played": self.not_played,
            "not_expected": self.not_expected,
            "injected": self.injected,
            "notes": self.notes, "messages_sent": self.messages_sent,
            "packets_out": self.packets.0, "packets_in": self.packets.1,
            "summary": {"matched": c.0, "differed": c.1, "missing": c.2, "not_reached": c.4,
                        "extra": self.extras.len(), "extra_not_tolerated": c.3,
                        "all_matched": self.all_matched()},
        })
    }
}

fn be16(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .map_or(0, |s| u16::from_be_bytes([s[0], s[1]]))
}

fn be32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// Serial-number comparison: a at or after b.
fn serial_ge(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) >= 0
}

/// (type, flags, value) of a chunk's bytes.
fn parts(c: &[u8]) -> (u8, u8, &[u8]) {
    let len = (be16(c, 2) as usize).clamp(4, c.len().max(4));
    (c[0], c[1], c.get(4..len).unwrap_or(&[]))
}

fn causes(v: &[u8]) -> Vec<u16> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 4 <= v.len() {
        out.push(be16(v, at));
        let l = (be16(v, at + 2) as usize).max(4);
        at += l + (4 - l % 4) % 4;
    }
    out
}

/// The value of the first parameter of type `t` in an INIT or INIT ACK
/// value (parameters from byte 16).
fn param(v: &[u8], t: u16) -> Option<&[u8]> {
    let mut at = 16;
    while at + 4 <= v.len() {
        let l = (be16(v, at + 2) as usize).max(4);
        if be16(v, at) == t {
            return v.get(at + 4..(at + l).min(v.len()));
        }
        at += l + (4 - l % 4) % 4;
    }
    None
}

/// Parameter types of RFC 4895, 5061, 6525, 9653 and 3758 that say which
/// extensions a side offers.
mod pt {
    pub const ECN: u16 = 0x8000;
    pub const ZERO_CHECKSUM: u16 = 0x8001;
    pub const RANDOM: u16 = 0x8002;
    pub const CHUNKS: u16 = 0x8003;
    pub const HMAC_ALGO: u16 = 0x8004;
    pub const SUPPORTED_EXTENSIONS: u16 = 0x8008;
    pub const FORWARD_TSN: u16 = 0xC000;
}

/// The extensions a side offered in its INIT or INIT ACK value, set on
/// `cfg` so that our endpoint offers the same: ECN, PR-SCTP, AUTH with the
/// captured chunk list and HMAC identifiers, RE-CONFIG, NR-SACK, I-DATA and
/// zero checksum. Returns the chunk types of the Supported Extensions
/// parameter that the endpoint does not speak (offered by the capture, not
/// by us).
fn offer_as_captured(cfg: &mut Config, v: &[u8]) -> Vec<u8> {
    use sctp_codec::auth::HmacAlgorithm;
    cfg.ecn = param(v, pt::ECN).is_some();
    cfg.pr_sctp = param(v, pt::FORWARD_TSN).is_some();
    let ext = param(v, pt::SUPPORTED_EXTENSIONS).unwrap_or(&[]);
    cfg.list_forward_tsn = ext.contains(&ty::FORWARD_TSN);
    cfg.reconfig = ext.contains(&ty::RE_CONFIG);
    cfg.nr_sack = ext.contains(&ty::NR_SACK);
    cfg.interleaving = ext.contains(&ty::I_DATA);
    cfg.auth = param(v, pt::RANDOM).is_some();
    if cfg.auth {
        cfg.auth_chunks = param(v, pt::CHUNKS).unwrap_or(&[]).to_vec();
        let hmacs: Vec<_> = param(v, pt::HMAC_ALGO)
            .unwrap_or(&[])
            .chunks_exact(2)
            .filter_map(|h| HmacAlgorithm::from_id(u16::from_be_bytes([h[0], h[1]])))
            .collect();
        if !hmacs.is_empty() {
            cfg.auth_hmacs = hmacs;
        }
    }
    cfg.zero_checksum_edmid = param(v, pt::ZERO_CHECKSUM)
        .filter(|z| z.len() >= 4)
        .map(|z| be32(z, 0));
    let spoken = [
        ty::FORWARD_TSN,
        ty::AUTH,
        ty::RE_CONFIG,
        ty::NR_SACK,
        ty::I_DATA,
        ty::I_FORWARD_TSN,
        ty::PAD,
    ];
    ext.iter()
        .copied()
        .filter(|t| !spoken.contains(t))
        .collect()
}

/// The Supported Extensions list of an INIT or INIT ACK value, sorted.
fn extensions(v: &[u8]) -> Option<Vec<u8>> {
    param(v, pt::SUPPORTED_EXTENSIONS).map(|e| {
        let mut e = e.to_vec();
        e.sort_unstable();
        e
    })
}

fn params(v: &[u8]) -> Vec<u16> {
    let mut out = Vec::new();
    let mut at = 16;
    while at + 4 <= v.len() {
        out.push(be16(v, at));
        let l = (be16(v, at + 2) as usize).max(4);
        at += l + (4 - l % 4) % 4;
    }
    out.sort_unstable();
    out
}

/// One line describing a chunk.
fn summary(c: &[u8]) -> String {
    let (t, f, v) = parts(c);
    let name = chunk_name(t);
    match t {
        ty::DATA if v.len() >= 12 => format!(
            "DATA[flgs={}{}{}{}, tsn={}, sid={}, ssn={}, ppid={}, len={}]",
            if f & 8 != 0 { "I" } else { "" },
            if f & 4 != 0 { "U" } else { "" },
            if f & 2 != 0 { "B" } else { "" },
            if f & 1 != 0 { "E" } else { "" },
            be32(v, 0),
            be16(v, 4),
            be16(v, 6),
            be32(v, 8),
            v.len() - 12
        ),
        ty::I_DATA if v.len() >= 16 => format!(
            "I_DATA[flgs={}{}{}{}, tsn={}, sid={}, mid={}, {}={}, len={}]",
            if f & 8 != 0 { "I" } else { "" },
            if f & 4 != 0 { "U" } else { "" },
            if f & 2 != 0 { "B" } else { "" },
            if f & 1 != 0 { "E" } else { "" },
            be32(v, 0),
            be16(v, 4),
            be32(v, 8),
            if f & 2 != 0 { "ppid" } else { "fsn" },
            be32(v, 12),
            v.len() - 16
        ),
        ty::INIT | ty::INIT_ACK if v.len() >= 16 => format!(
            "{name}[tag={}, a_rwnd={}, os={}, is={}, tsn={}, params={:?}]",
            be32(v, 0),
            be32(v, 4),
            be16(v, 8),
            be16(v, 10),
            be32(v, 12),
            params(v)
        ),
        ty::SACK if v.len() >= 12 => format!(
            "SACK[cum_tsn={}, a_rwnd={}, gaps={}, dups={}]",
            be32(v, 0),
            be32(v, 4),
            be16(v, 8),
            be16(v, 10)
        ),
        ty::SHUTDOWN if v.len() >= 4 => format!("SHUTDOWN[cum_tsn={}]", be32(v, 0)),
        ty::ECNE | ty::CWR | ty::FORWARD_TSN | ty::I_FORWARD_TSN if v.len() >= 4 => {
            format!(
                "{name}[flgs={f:#x}, tsn={}, len={}]",
                be32(v, 0),
                v.len() + 4
            )
        }
        ty::ABORT | ty::ERROR => format!("{name}[flgs={f:#x}, causes={:?}]", causes(v)),
        ty::RE_CONFIG => format!("{name}[{}]", reconfig_words(v).join(", ")),
        _ => format!("{name}[flgs={f:#x}, len={}]", v.len() + 4),
    }
}

/// The fields of a DATA or I-DATA chunk (RFC 8260) that say which message a
/// fragment belongs to.
#[derive(Debug, Clone, Copy)]
struct Dv<'a> {
    tsn: u32,
    sid: u16,
    /// SSN (DATA) or MID (I-DATA).
    seq: u32,
    /// PPID (DATA, and I-DATA's first fragment).
    ppid: Option<u32>,
    /// I-DATA.
    idata: bool,
    payload: &'a [u8],
}

/// A DATA or I-DATA chunk's message fields.
fn dv(t: u8, flags: u8, v: &[u8]) -> Option<Dv<'_>> {
    match t {
        ty::DATA if v.len() >= 12 => Some(Dv {
            tsn: be32(v, 0),
            sid: be16(v, 4),
            seq: be16(v, 6) as u32,
            ppid: Some(be32(v, 8)),
            idata: false,
            payload: &v[12..],
        }),
        ty::I_DATA if v.len() >= 16 => Some(Dv {
            tsn: be32(v, 0),
            sid: be16(v, 4),
            seq: be32(v, 8),
            ppid: (flags & 2 != 0).then(|| be32(v, 12)),
            idata: true,
            payload: &v[16..],
        }),
        _ => None,
    }
}

/// A message key: (stream, unordered, SSN or the count of unordered
/// messages on that stream before it).
type MsgKey = (u16, bool, u32);

/// DATA fragments of one side in TSN order: TSN to (message, byte range).
/// Ordered messages are keyed by their SSN counted from the first SSN seen
/// on their stream, so that a capture that starts mid-association (first
/// SSN not 0) keys its messages as a live association that starts at 0.
#[derive(Debug, Default)]
struct Fragments {
    by_tsn: BTreeMap<u32, (MsgKey, usize, usize)>,
    by_msg: HashMap<MsgKey, Vec<(usize, usize, u32)>>,
    partial: Option<(MsgKey, usize)>,
    unordered_count: HashMap<u16, u32>,
    first_ssn: HashMap<u16, u16>,
    /// I-DATA: the first MID seen on each (stream, U), and the messages
    /// being fragmented (fragments of several interleave): (stream, U, MID)
    /// to (key, next byte).
    first_mid: HashMap<(u16, bool), u32>,
    partials: HashMap<(u16, bool, u32), (MsgKey, usize)>,
}

impl Fragments {
    /// Adds a DATA chunk's value (ignores retransmissions).
    #[cfg(test)]
    fn add(&mut self, flags: u8, v: &[u8]) {
        self.add_chunk(ty::DATA, flags, v);
    }

    /// Adds a DATA or I-DATA chunk's value (ignores retransmissions).
    fn add_chunk(&mut self, t: u8, flags: u8, v: &[u8]) {
        let Some(d) = dv(t, flags, v) else { return };
        if self.by_tsn.contains_key(&d.tsn) {
            return;
        }
        let (sid, u) = (d.sid, flags & 4 != 0);
        let len = d.payload.len();
        let (key, start) = if d.idata {
            // I-DATA: fragments of a message carry its MID; messages of
            // several streams interleave.
            let at = (sid, u, d.seq);
            match self.partials.get(&at).filter(|_| flags & 2 == 0) {
                Some(&k) => k,
                None => {
                    let first = *self.first_mid.entry((sid, u)).or_insert(d.seq);
                    ((sid, u, d.seq.wrapping_sub(first)), 0)
                }
            }
        } else {
            let cont = self.partial.filter(|_| flags & 2 == 0);
            if let Some(k) = cont {
                k
            } else {
                let n = if u {
                    let c = self.unordered_count.entry(sid).or_default();
                    *c += 1;
                    *c - 1
                } else {
                    let ssn = d.seq as u16;
                    let first = *self.first_ssn.entry(sid).or_insert(ssn);
                    ssn.wrapping_sub(first) as u32
                };
                ((sid, u, n), 0)
            }
        };
        self.by_tsn.insert(d.tsn, (key, start, start + len));
        self.by_msg
            .entry(key)
            .or_default()
            .push((start, start + len, d.tsn));
        let next = if flags & 1 != 0 {
            None
        } else {
            Some((key, start + len))
        };
        if d.idata {
            match next {
                Some(n) => {
                    self.partials.insert((sid, u, d.seq), n);
                }
                None => {
                    self.partials.remove(&(sid, u, d.seq));
                }
            }
        } else {
            self.partial = next;
        }
    }
}

/// The other side's captured DATA fragments (its expected chunks).
fn other_frags(exp: &[Expected]) -> Fragments {
    let mut f = Fragments::default();
    for e in exp {
        let (t, fl, v) = parts(&e.bytes);
        f.add_chunk(t, fl, v);
    }
    f
}

/// Maps a captured cumulative TSN ack of the played side to the live one it
/// requires: `None` while the live side has not sent that data yet.
fn map_cum(
    captured: u32,
    cap: &Fragments,
    cap_init: u32,
    live: &Fragments,
    live_init: u32,
) -> Option<u32> {
    if captured == cap_init.wrapping_sub(1) || !serial_ge(captured, cap_init) {
        return Some(live_init.wrapping_sub(captured.wrapping_sub(cap_init).wrapping_neg()));
    }
    match cap.by_tsn.get(&captured) {
        Some(&(key, _, end)) => live
            .by_msg
            .get(&key)?
            .iter()
            .find(|(s, e, _)| *s < end && end <= *e)
            .map(|x| x.2),
        // Not a DATA the capture shows: keep the offset.
        None => Some(live_init.wrapping_add(captured.wrapping_sub(cap_init))),
    }
}

/// Builds the script from the association's packets. With
/// `peer_losses_planned` (the loss plan accounts for the other side's
/// retransmissions, `live_loss.rs`), the played side's SACKs reporting gaps
/// or duplicates are not injected: the endpoint reports the re-created
/// losses itself, and `--no-loss` means a clean path with none to report.
fn build(
    a: &[Pkt],
    played: (IpAddr, u16),
    peer_losses_planned: bool,
    exp: &mut Vec<Expected>,
    not_played: &mut Vec<String>,
    not_expected: &mut Vec<String>,
) -> (Vec<Step>, Fragments) {
    // The other side's DATA TSNs already expected, with their frame.
    let mut other_tsns: HashMap<u32, u64> = HashMap::new();
    // Request sequence numbers of the other side's Incoming SSN Reset
    // Requests: our Outgoing SSN Reset Request answering one is the
    // endpoint's own (RFC 6525 5.2.3).
    let mut peer_incoming: std::collections::HashSet<u32> = Default::default();
    let mut steps = Vec::new();
    let mut frags = Fragments::default();
    let mut partial: HashMap<(u16, bool, u32), (u64, i64, UserMsg)> = HashMap::new();
    let mut seen_tsn = std::collections::HashSet::new();
    let mut shutdown_done = false;
    for p in a {
        let ours = p.src == played;
        let v = match PacketView::parse(&p.bytes, Rules::STANDARD) {
            Ok(v) if v.malformed_count() == 0 || !ours => v,
            _ if ours && p.bytes.len() >= 12 => {
                // A malformed packet of the played side (bad chunk lengths):
                // sent as captured, with the tag translated.
                steps.push(Step::Act {
                    t_us: p.t_us,
                    frame: p.frame,
                    action: Action::Inject {
                        vtag: be32(&p.bytes, 4),
                        chunks: p.bytes[12..].to_vec(),
                    },
                });
                continue;
            }
            _ => {
                not_played.push(format!("frame {}: not a well-formed SCTP packet", p.frame));
                continue;
            }
        };
        let mut inject = Vec::new();
        for c in v.chunks() {
            let (t, f, val) = (c.ty(), c.flags(), c.value());
            if !ours {
                if t == ty::RE_CONFIG {
                    for (pt, b) in reconfig_params(val) {
                        if pt == 14 && b.len() >= 4 {
                            peer_incoming.insert(be32(b, 0));
                        }
                    }
                }
                if let Some(d) = dv(t, f, val) {
                    if let Some(first) = other_tsns.get(&d.tsn) {
                        not_expected.push(format!(
                            "frame {}: {} retransmits frame {first}'s (or the capture holds it twice): a live peer retransmits only what it lost",
                            p.frame,
                            summary(c.bytes())
                        ));
                        continue;
                    }
                    other_tsns.insert(d.tsn, p.frame);
                }
                exp.push(Expected {
                    frame: p.frame,
                    ty: t,
                    bytes: c.bytes().to_vec(),
                    summary: summary(c.bytes()),
                    verdict: Verdict::Pending,
                    live: None,
                    due: None,
                });
                steps.push(Step::Expect {
                    t_us: p.t_us,
                    idx: exp.len() - 1,
                });
                continue;
            }
            let act = |action| Step::Act {
                t_us: p.t_us,
                frame: p.frame,
                action,
            };
            match t {
                ty::INIT => steps.push(act(Action::Connect)),
                ty::DATA | ty::I_DATA if dv(t, f, val).is_some() => {
                    let d = dv(t, f, val).expect("checked");
                    frags.add_chunk(t, f, val);
                    if !seen_tsn.insert(d.tsn) {
                        continue;
                    }
                    // DATA fragments of a message are consecutive; I-DATA's
                    // carry their message's MID and may interleave.
                    let at = (d.sid, f & 4 != 0, if d.idata { d.seq } else { 0 });
                    if f & 2 != 0 {
                        partial.insert(
                            at,
                            (
                                p.frame,
                                p.t_us,
                                UserMsg {
                                    sid: d.sid,
                                    ppid: d.ppid.unwrap_or(0),
                                    unordered: f & 4 != 0,
                                    data: Vec::new(),
                                },
                            ),
                        );
                    }
                    let key = if d.idata {
                        Some(at)
                    } else {
                        partial
                            .keys()
                            .find(|k| k.0 == d.sid && k.1 == (f & 4 != 0))
                            .copied()
                    };
                    match key.and_then(|k| partial.get_mut(&k)) {
                        Some((_, _, m)) => m.data.extend_from_slice(d.payload),
                        None => not_played.push(format!(
                            "frame {}: {} is a fragment whose first fragment the capture lacks (its message is not played)",
                            p.frame,
                            summary(c.bytes())
                        )),
                    }
                    if f & 1 != 0 {
                        if let Some((frame, t_us, m)) = key.and_then(|k| partial.remove(&k)) {
                            steps.push(Step::Act {
                                t_us,
                                frame,
                                action: Action::Send(m),
                            });
                        }
                    }
                }
                ty::SHUTDOWN if !shutdown_done => {
                    shutdown_done = true;
                    steps.push(act(Action::Shutdown));
                }
                ty::ABORT => {
                    // The reason of a User-Initiated Abort cause (12).
                    let reason = (be16(val, 0) == 12)
                        .then(|| {
                            val.get(4..(be16(val, 2) as usize).min(val.len()))
                                .map(|r| r.to_vec())
                        })
                        .flatten();
                    steps.push(act(Action::Abort(reason)));
                }
                // A SACK or NR-SACK reporting gaps or duplicates: the loss
                // or duplication the played side saw, which a clean live
                // path does not give the endpoint: injected, translated,
                // beside the endpoint's own acknowledgements.
                ty::SACK | ty::NR_SACK
                    if !peer_losses_planned
                        && val.len() >= 12
                        && (be16(val, 8) > 0
                            || be16(val, 10) > 0
                            || (t == ty::NR_SACK && val.len() >= 16 && be16(val, 12) > 0)) =>
                {
                    let b = c.bytes();
                    inject.extend_from_slice(b);
                    inject.resize(inject.len() + (4 - b.len() % 4) % 4, 0);
                }
                ty::RE_CONFIG => {
                    let ps = reconfig_params(val);
                    if ps.iter().any(|(pt, _)| *pt == 16) {
                        // Holds a response: the endpoint answers by itself.
                        continue;
                    }
                    let (mut add_out, mut add_in) = (0u16, 0u16);
                    for (pt, b) in ps {
                        let streams = |from: usize| -> Vec<u16> {
                            b.get(from..)
                                .unwrap_or(&[])
                                .chunks_exact(2)
                                .map(|x| u16::from_be_bytes([x[0], x[1]]))
                                .collect()
                        };
                        match pt {
                            13 if b.len() >= 12 && peer_incoming.contains(&be32(b, 4)) => {}
                            13 if b.len() >= 12 => {
                                steps.push(act(Action::Reconfig(Reconfig::ResetOutgoing(
                                    streams(12),
                                ))))
                            }
                            14 if b.len() >= 4 => steps.push(act(Action::Reconfig(
                                Reconfig::ResetIncoming(streams(4)),
                            ))),
                            17 if b.len() >= 6 => add_out = add_out.saturating_add(be16(b, 4)),
                            18 if b.len() >= 6 => add_in = add_in.saturating_add(be16(b, 4)),
                            _ => not_played.push(format!(
                                "frame {}: {} (parameter {pt}: the endpoint does not make this request)",
                                p.frame,
                                summary(c.bytes())
                            )),
                        }
                    }
                    if add_out > 0 || add_in > 0 {
                        steps.push(act(Action::Reconfig(Reconfig::AddStreams(add_out, add_in))));
                    }
                }
                ty::INIT_ACK
                | ty::COOKIE_ECHO
                | ty::COOKIE_ACK
                | ty::SACK
                | ty::NR_SACK
                | ty::SHUTDOWN
                | ty::SHUTDOWN_ACK
                | ty::SHUTDOWN_COMPLETE
                | ty::HEARTBEAT_ACK => {}
                t if injectable(t) => {
                    let b = c.bytes();
                    inject.extend_from_slice(b);
                    inject.resize(inject.len() + (4 - b.len() % 4) % 4, 0);
                }
                _ => not_played.push(format!(
                    "frame {}: {} (not translated yet: the endpoint does not send it on request)",
                    p.frame,
                    summary(c.bytes())
                )),
            }
        }
        if !inject.is_empty() {
            steps.push(Step::Act {
                t_us: p.t_us,
                frame: p.frame,
                action: Action::Inject {
                    vtag: v.header().verification_tag,
                    chunks: inject,
                },
            });
        }
    }
    // Steps sorted by capture time (a message's step sits at its first fragment).
    steps.sort_by_key(|s| match s {
        Step::Act { t_us, .. } | Step::Expect { t_us, .. } => *t_us,
    });
    (steps, frags)
}

/// The live exchange as a pcap of raw IP packets (IPv4 or IPv6; UDP or SCTP).
struct Recorder {
    w: Option<PcapWriter<std::io::BufWriter<std::fs::File>>>,
    /// Raw IP (protocol 132) rather than UDP encapsulation.
    raw: bool,
    frames: u64,
    error: Option<String>,
}

impl Recorder {
    fn write(&mut self, src: SocketAddr, dst: SocketAddr, sctp: &[u8]) {
        self.frames += 1;
        let Some(w) = self.w.as_mut() else { return };
        let proto = if self.raw { 132 } else { 17 };
        let udp_len = if self.raw { 0 } else { 8 + sctp.len() };
        let mut p = Vec::with_capacity(48 + sctp.len());
        // The one's complement sum of 16-bit words.
        let sum = |b: &[u8], mut acc: u32| {
            for c in b.chunks(2) {
                acc += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
            }
            acc
        };
        let fold = |mut s: u32| {
            while s > 0xffff {
                s = (s & 0xffff) + (s >> 16);
            }
            s as u16
        };
        let mut udp = Vec::new();
        if !self.raw {
            udp.extend_from_slice(&src.port().to_be_bytes());
            udp.extend_from_slice(&dst.port().to_be_bytes());
            udp.extend_from_slice(&(udp_len as u16).to_be_bytes());
            udp.extend_from_slice(&[0, 0]);
        }
        match (src.ip(), dst.ip()) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                let total = 20 + udp.len() + sctp.len();
                p.extend_from_slice(&[
                    0x45,
                    0,
                    (total >> 8) as u8,
                    total as u8,
                    0,
                    0,
                    0x40,
                    0,
                    64,
                    proto,
                    0,
                    0,
                ]);
                p.extend_from_slice(&s.octets());
                p.extend_from_slice(&d.octets());
                let ck = !fold(sum(&p, 0));
                p[10..12].copy_from_slice(&ck.to_be_bytes());
            }
            (IpAddr::V6(s), IpAddr::V6(d)) => {
                let plen = udp.len() + sctp.len();
                p.extend_from_slice(&[0x60, 0, 0, 0]);
                p.extend_from_slice(&(plen as u16).to_be_bytes());
                p.extend_from_slice(&[proto, 64]);
                p.extend_from_slice(&s.octets());
                p.extend_from_slice(&d.octets());
                if !self.raw {
                    // UDP over IPv6 needs its checksum (RFC 8200 8.1).
                    let mut acc = sum(&s.octets(), 0);
                    acc = sum(&d.octets(), acc);
                    acc += plen as u32 + 17;
                    acc = sum(&udp, acc);
                    acc = sum(sctp, acc);
                    let ck = match !fold(acc) {
                        0 => 0xffff,
                        c => c,
                    };
                    udp[6..8].copy_from_slice(&ck.to_be_bytes());
                }
            }
            _ => return,
        }
        p.extend_from_slice(&udp);
        p.extend_from_slice(sctp);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        if let Err(e) = w.write_packet(now.as_secs() as u32, now.subsec_micros(), &p) {
            self.error.get_or_insert(e.to_string());
        }
    }
}

/// What the run found about the handshake and the end.
#[derive(Default)]
struct LiveState {
    /// Captured and live initial TSN of the other side.
    other_init: (Option<u32>, Option<u32>),
    /// Captured and live verification tags of the other side and ours.
    other_tag: (Option<u32>, Option<u32>),
    own_tag: (Option<u32>, Option<u32>),
    /// Captured and live initial TSN of the played side.
    own_init: (Option<u32>, Option<u32>),
    live_frags: Fragments,
    /// The played side's captured DATA fragments.
    cap_frags: Fragments,
    /// The other side's DATA fragments, captured and live.
    cap_other_frags: Fragments,
    live_other_frags: Fragments,
    /// The other side's live messages as they arrive, by message key.
    live_msgs: HashMap<MsgKey, LiveMsg>,
    /// Live DATA TSNs of the other side already seen (retransmissions).
    live_data_seen: std::collections::HashSet<u32>,
    /// The first captured SSN of the other side's ordered DATA on each
    /// stream (0 in a capture with the handshake; the live SSNs start at 0).
    other_first_ssn: HashMap<(u16, bool), u32>,
    /// The capture has the handshake: without it, the live INIT, INIT ACK,
    /// COOKIE ECHO and COOKIE ACK are tolerated extras.
    handshake_captured: bool,
    ended: Option<String>,
    received: u64,
    /// Expectations before this one are all resolved (a scan start).
    scan_from: usize,
}

/// A captured SSN or MID as compared: counted from the first captured one.
fn seq_text(v: u32, rel: u32, base: u32) -> String {
    if base == 0 {
        v.to_string()
    } else {
        format!("{rel} ({v} - first captured {base})")
    }
}

/// The user data's length and, when equal, its first differing byte.
fn payload(field: &mut impl FnMut(&str, String, String), e: Option<&[u8]>, l: Option<&[u8]>) {
    let (eb, lb) = (e.unwrap_or(&[]), l.unwrap_or(&[]));
    field("length", eb.len().to_string(), lb.len().to_string());
    if eb.len() == lb.len() && eb != lb {
        let at = eb.iter().zip(lb).position(|(a, b)| a != b).unwrap_or(0);
        field(
            "payload",
            format!("byte {at} = {:#04x}", eb[at]),
            format!("byte {at} = {:#04x}", lb[at]),
        );
    }
}

/// A difference: field, captured value, live value.
type Difference = (String, String, String);

/// A message of the live peer, as its fragments arrive.
#[derive(Debug, Default)]
struct LiveMsg {
    bytes: Vec<u8>,
    /// Fragments: byte range, live frame, summary, PPID when carried.
    have: Vec<(usize, usize, u64, String, Option<u32>)>,
    /// Its length, once the E fragment came.
    end: Option<usize>,
}

impl LiveMsg {
    /// Whether bytes `s..e` have all arrived.
    fn covers(&self, s: usize, e: usize) -> bool {
        let mut r: Vec<(usize, usize)> = self.have.iter().map(|h| (h.0, h.1)).collect();
        r.sort_unstable();
        let mut at = s;
        for (a, b) in r {
            if a <= at && b > at {
                at = b;
            }
            if at >= e {
                return true;
            }
        }
        at >= e
    }
}

/// Compares a captured fragment of the other side (its message bytes
/// `cs..ce`, `cap` its chunk) with the live message of the same key: PPID,
/// the bytes, and, for the message's last fragment, the message's length.
/// How the live stack cut the message into fragments is its own choice and
/// is not compared. Returns the differences and the live fragment holding
/// the captured fragment's last byte (or the live message's last).
fn compare_message(
    cap: &[u8],
    cs: usize,
    ce: usize,
    m: &LiveMsg,
) -> (Vec<Difference>, Option<(u64, String)>) {
    let (t, f, v) = parts(cap);
    let mut d = Vec::new();
    let Some(c) = dv(t, f, v) else {
        return (d, None);
    };
    if let (Some(cp), Some(lp)) = (c.ppid, m.have.iter().find_map(|h| h.4)) {
        if cp != lp {
            d.push(("ppid".into(), cp.to_string(), lp.to_string()));
        }
    }
    let upto = ce.min(m.bytes.len()).max(cs);
    let live = &m.bytes[cs.min(m.bytes.len())..upto];
    let captured = &c.payload[..live.len().min(c.payload.len())];
    if let Some(k) = captured.iter().zip(live).position(|(a, b)| a != b) {
        d.push((
            "payload".into(),
            format!("byte {} = {:#04x}", cs + k, captured[k]),
            format!("byte {} = {:#04x}", cs + k, live[k]),
        ));
    }
    match m.end {
        Some(end) if f & 1 != 0 && end != ce => {
            d.push(("message length".into(), ce.to_string(), end.to_string()))
        }
        Some(end) if end < ce => d.push((
            "message length".into(),
            format!("{ce} or more"),
            end.to_string(),
        )),
        _ => {}
    }
    let last = ce.saturating_sub(1);
    let at = m
        .have
        .iter()
        .find(|h| h.0 <= last && last < h.1)
        .or_else(|| m.have.iter().max_by_key(|h| h.1))
        .map(|h| (h.2, h.3.clone()));
    (d, at)
}

/// Compares a live chunk with an expected one of the same type; a captured
/// DATA's SSN is counted from `ssn_base`, its stream's first captured SSN.
fn compare(e: &[u8], l: &[u8], ssn_base: u32) -> Vec<(String, String, String)> {
    let (_, ef, ev) = parts(e);
    let (t, lf, lv) = parts(l);
    let mut d = Vec::new();
    let mut field = |name: &str, c: String, v: String| {
        if c != v {
            d.push((name.to_string(), c, v));
        }
    };
    match t {
        ty::I_DATA => {
            field("flags", format!("{:#x}", ef & 7), format!("{:#x}", lf & 7));
            field("stream", be16(ev, 4).to_string(), be16(lv, 4).to_string());
            let (mid, base) = (be32(ev, 8), ssn_base);
            let rel = mid.wrapping_sub(base);
            if rel != be32(lv, 8) {
                field("mid", seq_text(mid, rel, base), be32(lv, 8).to_string());
            }
            let name = if ef & 2 != 0 { "ppid" } else { "fsn" };
            field(name, be32(ev, 12).to_string(), be32(lv, 12).to_string());
            payload(&mut field, ev.get(16..), lv.get(16..));
        }
        ty::DATA => {
            // U, B and E; the I bit (RFC 7053) is the sender's timing (usrsctp
            // sets it while its own shutdown is pending), not the message's.
            field("flags", format!("{:#x}", ef & 7), format!("{:#x}", lf & 7));
            field("stream", be16(ev, 4).to_string(), be16(lv, 4).to_string());
            let (ssn, base) = (be16(ev, 6), ssn_base as u16);
            let rel = ssn.wrapping_sub(base);
            if rel != be16(lv, 6) {
                let t = seq_text(ssn as u32, rel as u32, base as u32);
                field("ssn", t, be16(lv, 6).to_string());
            }
            field("ppid", be32(ev, 8).to_string(), be32(lv, 8).to_string());
            payload(&mut field, ev.get(12..), lv.get(12..));
        }
        ty::INIT | ty::INIT_ACK => {
            field("a_rwnd", be32(ev, 4).to_string(), be32(lv, 4).to_string());
            field("os", be16(ev, 8).to_string(), be16(lv, 8).to_string());
            field("is", be16(ev, 10).to_string(), be16(lv, 10).to_string());
            field(
                "parameters",
                format!("{:?}", params(ev)),
                format!("{:?}", params(lv)),
            );
            let names = |e: Option<Vec<u8>>| match e {
                Some(e) => format!(
                    "[{}]",
                    e.iter()
                        .map(|t| chunk_name(*t))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => "none".into(),
            };
            field(
                "supported extensions",
                names(extensions(ev)),
                names(extensions(lv)),
            );
        }
        ty::ABORT | ty::ERROR => {
            field("flags", format!("{ef:#x}"), format!("{lf:#x}"));
            field(
                "causes",
                format!("{:?}", causes(ev)),
                format!("{:?}", causes(lv)),
            );
        }
        ty::RE_CONFIG => field(
            "parameters",
            reconfig_words(ev).join(", "),
            reconfig_words(lv).join(", "),
        ),
        ty::SACK | ty::SHUTDOWN | ty::HEARTBEAT | ty::HEARTBEAT_ACK | ty::COOKIE_ECHO => {}
        _ => {
            field("flags", format!("{ef:#x}"), format!("{lf:#x}"));
            field(
                "length",
                (ev.len() + 4).to_string(),
                (lv.len() + 4).to_string(),
            );
        }
    }
    d
}

/// The run.
pub fn run(o: &LiveOptions) -> Result<Report, String> {
    let d = o.file.display().to_string();
    let pkts = read_packets(&o.file, &o.udp_ports)?;
    let list = associations(pkts);
    if list.is_empty() {
        return Err(format!(
            "{d}: no SCTP association in the capture{}",
            sctp_codec::capture::udp_sctp_hint_line(&o.file)
        ));
    }
    let a = list.get(o.assoc.wrapping_sub(1)).ok_or_else(|| {
        format!(
            "{d}: no association {} (the capture has {})",
            o.assoc,
            list.len()
        )
    })?;
    let (played, other) = match o.play {
        Play::Client => (a.client, a.server),
        Play::Server => (a.server, a.client),
    };
    let mut report = Report {
        file: d.clone(),
        assoc: o.assoc,
        play: if o.play == Play::Client {
            "client"
        } else {
            "server"
        }
        .into(),
        peer: if o.raw {
            format!("raw:{}", o.peer.ip())
        } else {
            format!("udp:{}", o.peer)
        },
        ..Default::default()
    };
    // The capture's losses, re-created unless `--no-loss`; either way the
    // played side's SACKs that report the peer's planned losses are not
    // injected.
    let plan = loss::LossPlan::new(&a.packets, played, other);
    let peer_losses_planned = !plan.other.is_empty();
    let (mut steps, cap_frags) = build(
        &a.packets,
        played,
        peer_losses_planned,
        &mut report.expected,
        &mut report.not_played,
        &mut report.not_expected,
    );
    let has_init = a.packets.iter().any(|p| {
        PacketView::parse(&p.bytes, Rules::STANDARD)
            .is_ok_and(|v| v.chunks().any(|c| c.ty() == ty::INIT))
    });
    let mut st = LiveState {
        cap_frags,
        handshake_captured: has_init,
        ..Default::default()
    };
    st.cap_other_frags = other_frags(&report.expected);
    let mut loss = loss::LossState::default();
    if o.recreate_loss {
        loss.plan = plan;
        if !loss.plan.is_empty() {
            report.notes.push(loss.plan.describe());
        }
    }
    if peer_losses_planned {
        report.notes.push(format!(
            "the captured SACKs reporting gaps or duplicate TSNs in the peer's DATA are not injected: {}",
            if o.recreate_loss {
                "the endpoint reports the re-created losses itself"
            } else {
                "--no-loss plays a clean path"
            }
        ));
    }
    // The other side's first captured SSN on each stream (ordered DATA),
    // or MID on each stream and U (I-DATA).
    for e in &report.expected {
        let (t, f, ev) = parts(&e.bytes);
        if let Some(d) = dv(t, f, ev) {
            if d.idata || f & 4 == 0 {
                st.other_first_ssn
                    .entry((d.sid, d.idata && f & 4 != 0))
                    .or_insert(d.seq);
            }
        }
    }
    // The played side's settings as captured: streams, window, packet size.
    let mut cfg = Config::default();
    if let Some(r) = o.rto_min {
        cfg.rto_min = r;
        cfg.rto_initial = r.max(cfg.rto_initial.min(r * 3));
    }
    for p in &a.packets {
        let Ok(v) = PacketView::parse(&p.bytes, Rules::STANDARD) else {
            continue;
        };
        for c in v.chunks() {
            let val = c.value();
            if matches!(c.ty(), ty::INIT | ty::INIT_ACK) && val.len() >= 16 {
                if p.src == played {
                    cfg.receive_window = be32(val, 4).max(1500);
                    cfg.outbound_streams = be16(val, 8).max(1);
                    cfg.max_inbound_streams = be16(val, 10).max(1);
                    // The extensions offered as captured.
                    let unspoken = offer_as_captured(&mut cfg, val);
                    if !unspoken.is_empty() && st.own_init.0.is_none() {
                        report.notes.push(format!(
                            "frame {}: the captured {} offered {} in Supported Extensions: the endpoint does not speak it, so ours does not offer it",
                            p.frame,
                            chunk_name(c.ty()),
                            unspoken
                                .iter()
                                .map(|t| chunk_name(*t))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                    st.own_init.0 = Some(be32(val, 12));
                    st.own_tag.0 = Some(be32(val, 0));
                } else {
                    st.other_init.0 = Some(be32(val, 12));
                    st.other_tag.0 = Some(be32(val, 0));
                }
            }
        }
        if p.src == played {
            cfg.max_packet = cfg.max_packet.max(p.bytes.len());
        }
    }
    if !has_init {
        // The capture starts after the handshake: a fresh association is
        // set up first (the first sender connects). What the handshake
        // would have said is taken from the rest: each side's initial TSN
        // from the first DATA it sent (else the other side's first
        // cumulative ack + 1), its tag from the packets sent to it, our
        // streams from the highest stream we send on.
        let first_tsn = |from: (IpAddr, u16)| {
            let mut data = None;
            let mut acked = None;
            for p in &a.packets {
                let Ok(v) = PacketView::parse(&p.bytes, Rules::STANDARD) else {
                    continue;
                };
                for c in v.chunks() {
                    let val = c.value();
                    match c.ty() {
                        ty::DATA | ty::I_DATA if p.src == from && val.len() >= 12 => {
                            data.get_or_insert(be32(val, 0));
                        }
                        ty::SACK if p.src != from && val.len() >= 4 => {
                            acked.get_or_insert(be32(val, 0).wrapping_add(1));
                        }
                        _ => {}
                    }
                }
            }
            data.or(acked)
        };
        st.own_init.0 = first_tsn(played);
        st.other_init.0 = first_tsn(other);
        let tag_to = |to: (IpAddr, u16)| {
            a.packets
                .iter()
                .find(|p| p.dst == to && p.bytes.len() >= 12)
                .map(|p| be32(&p.bytes, 4))
        };
        st.own_tag.0 = tag_to(played);
        st.other_tag.0 = tag_to(other);
        let streams = a
            .packets
            .iter()
            .filter(|p| p.src == played)
            .filter_map(|p| PacketView::parse(&p.bytes, Rules::STANDARD).ok())
            .flat_map(|v| {
                v.chunks()
                    .filter(|c| matches!(c.ty(), ty::DATA | ty::I_DATA) && c.value().len() >= 12)
                    .map(|c| be16(c.value(), 4))
                    .collect::<Vec<_>>()
            })
            .max()
            .map_or(0, |m| m as usize + 1);
        cfg.outbound_streams = cfg.outbound_streams.max(streams.min(65535) as u16);
        report.notes.push(format!(
            "association {} has no handshake in the capture (it starts mid-association): a fresh one is set up first (its INIT, INIT ACK, COOKIE ECHO and COOKIE ACK tolerated); initial TSNs taken as the first each side sent (ours {}, the other side's {}), SSNs counted from the first captured on each stream",
            o.assoc,
            st.own_init.0.map_or("unknown".into(), |t| t.to_string()),
            st.other_init.0.map_or("unknown".into(), |t| t.to_string()),
        ));
        if o.play == Play::Client {
            if let Some(p) = a.packets.first() {
                steps.insert(
                    0,
                    Step::Act {
                        t_us: p.t_us,
                        frame: p.frame,
                        action: Action::Connect,
                    },
                );
            }
        }
    }

    // TSNs the capture lacks: a packet the capture missed (the other side
    // acknowledged data we never see sent). Later SSNs and cumulative acks
    // of that side shift by what is missing.
    for (who, init, frags) in [
        ("the played side", st.own_init.0, &st.cap_frags),
        (
            "the other side",
            st.other_init.0,
            &other_frags(&report.expected),
        ),
    ] {
        let (Some(first), Some(&last)) = (init, frags.by_tsn.keys().next_back()) else {
            continue;
        };
        let span = last.wrapping_sub(first);
        if span > 1 << 20 {
            continue;
        }
        let lost: Vec<u32> = (0..=span)
            .map(|k| first.wrapping_add(k))
            .filter(|t| !frags.by_tsn.contains_key(t))
            .collect();
        if !lost.is_empty() {
            report.notes.push(format!(
                "the capture lacks {} DATA of {who} (TSN {}{}): never sent live, so that side's later SSNs and the acknowledgements of its data shift",
                lost.len(),
                lost.iter().take(8).map(|t| t.to_string()).collect::<Vec<_>>().join(", "),
                if lost.len() > 8 { ", ..." } else { "" }
            ));
        }
    }

    // Sockets.
    let any: SocketAddr = if o.peer.is_ipv6() {
        "[::]:0".parse().expect("literal")
    } else {
        "0.0.0.0:0".parse().expect("literal")
    };
    let probe = UdpSocket::bind(any).map_err(|e| format!("udp socket: {e}"))?;
    probe
        .connect(SocketAddr::new(o.peer.ip(), o.peer.port().max(9)))
        .map_err(|e| format!("peer {}: {e}", o.peer.ip()))?;
    let local_ip = probe.local_addr().map_err(|e| e.to_string())?.ip();
    drop(probe);
    let (sock, local) = if o.raw {
        use socket2::{Domain, Protocol, Socket, Type};
        let domain = if o.peer.is_ipv6() {
            Domain::IPV6
        } else {
            Domain::IPV4
        };
        let s = Socket::new(domain, Type::RAW, Some(Protocol::from(132))).map_err(|e| {
            if e.kind() == std::io::ErrorKind::PermissionDenied {
                format!("raw IP sockets need root or CAP_NET_RAW ({e})")
            } else {
                format!("raw socket: {e}")
            }
        })?;
        s.bind(&SocketAddr::new(local_ip, 0).into())
            .map_err(|e| format!("bind raw socket to {local_ip}: {e}"))?;
        let _ = s.set_recv_buffer_size(4 << 20);
        (UdpSocket::from(s), SocketAddr::new(local_ip, 0))
    } else {
        let u = UdpSocket::bind(SocketAddr::new(local_ip, o.port))
            .map_err(|e| format!("bind {local_ip}:{}: {e}", o.port))?;
        let l = u.local_addr().map_err(|e| e.to_string())?;
        (u, l)
    };
    let mut rec = Recorder {
        w: match &o.record {
            Some(p) => Some(
                PcapWriter::create(p, LINKTYPE_RAW).map_err(|e| format!("{}: {e}", p.display()))?,
            ),
            None => None,
        },
        raw: o.raw,
        frames: 0,
        error: None,
    };

    let seed: [u8; 32] = {
        let n = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let mut s = [0u8; 32];
        s[..16].copy_from_slice(&n.to_le_bytes());
        s[16..20].copy_from_slice(&std::process::id().to_le_bytes());
        s
    };
    let start = Instant::now();
    let mut ep = Endpoint::new(cfg.clone(), start, seed);
    if o.play == Play::Server {
        ep.listen(played.1);
    }
    let mut id: Option<AssocId> = None;
    let mut buf = Vec::with_capacity(65536);
    let mut rx = vec![0u8; 65536];
    let mut refused = 0u64;
    let mut next_step = 0usize;
    // When the conditions of the next action were last met, and the capture
    // time of the step before it.
    let mut ready_at: Option<Instant> = None;
    // The previous action's scheduled time and capture time: the next one
    // is scheduled from it (not from when it actually went), so that the
    // loop's own delays do not add up over a long capture.
    let mut sched: Option<(Instant, i64)> = None;
    // Pacing figures: actions, the sum and maximum of their lateness.
    let mut pace = (0u64, Duration::ZERO, Duration::ZERO);
    let scale = |d: Duration| match o.timing {
        Timing::AsIs => d,
        Timing::Fast => Duration::ZERO,
        Timing::Factor(f) => d.div_f64(f),
    };
    let mut last_t_us = steps.first().map_or(0, |s| match s {
        Step::Act { t_us, .. } | Step::Expect { t_us, .. } => *t_us,
    });
    let mut pending_sends: std::collections::VecDeque<UserMsg> = Default::default();
    let mut finished_at: Option<Instant> = None;
    let mut interrupted = false;
    // Expectations before the first action are due at once. `lo..due_upto`
    // are the expectations made due and not all resolved: the per-turn
    // scans look there only, not at the whole capture.
    let (mut lo, mut due_upto) = (0usize, 0usize);
    loop {
        let now = Instant::now();
        // When the next action is due (none: wait for datagrams as usual).
        let mut wake: Option<Instant> = None;
        if o.stop.load(Ordering::Relaxed) {
            interrupted = true;
            break;
        }
        // Expectations due: those before the next action.
        while let Some(Step::Expect { idx, t_us }) = steps.get(next_step) {
            report.expected[*idx].due.get_or_insert(now);
            due_upto = due_upto.max(*idx + 1);
            last_t_us = *t_us;
            next_step += 1;
            ready_at = None;
        }
        while lo < due_upto
            && report.expected[lo].due.is_some()
            && report.expected[lo].verdict != Verdict::Pending
        {
            lo += 1;
        }
        st.scan_from = lo;
        // Time out due expectations.
        for e in report.expected[lo..due_upto].iter_mut() {
            if e.verdict == Verdict::Pending && e.due.is_some_and(|t| now >= t + o.wait) {
                let why = match &st.ended {
                    Some(w) => format!("the association ended first ({w})"),
                    None => format!("not sent within {} ms", o.wait.as_millis()),
                };
                e.verdict = Verdict::Missing(why);
            }
        }
        // Once the association is over nothing more can come.
        if let (Some(w), Some(f)) = (&st.ended, finished_at) {
            if now >= f + Duration::from_millis(300) {
                for e in report.expected.iter_mut() {
                    if e.verdict == Verdict::Pending {
                        e.verdict = Verdict::Missing(format!("the association ended first ({w})"));
                    }
                }
            }
        }
        // Our INIT does not wait for the peer's: in an INIT collision the
        // two cross (RFC 9260 5.2.1), and a peer that waits for ours (a relay
        // that holds the first datagram of each side) would never send its.
        let connect_next = matches!(
            steps.get(next_step),
            Some(Step::Act {
                action: Action::Connect,
                ..
            })
        );
        let all_due_resolved = report.expected[lo..due_upto].iter().all(|e| {
            e.due.is_none() || e.verdict != Verdict::Pending || (connect_next && e.ty == ty::INIT)
        });
        // The next action.
        if let Some(Step::Act {
            t_us,
            frame,
            action,
        }) = steps.get(next_step)
        {
            if all_due_resolved && pending_sends.is_empty() {
                let r = *ready_at.get_or_insert(now);
                let gap = scale(Duration::from_micros((t_us - last_t_us).max(0) as u64));
                // From the previous action's schedule, unless what came
                // between took longer than the capture says (10 ms
                // slack): then from when it was resolved, as packetdrill.
                let due = match sched {
                    Some((p, pt)) => {
                        let d = p + scale(Duration::from_micros((t_us - pt).max(0) as u64));
                        if r > d + Duration::from_millis(10) {
                            r + gap
                        } else {
                            d
                        }
                    }
                    None => r + gap,
                };
                wake = Some(due);
                if now >= due {
                    let late = now - due;
                    pace = (pace.0 + 1, pace.1 + late, pace.2.max(late));
                    sched = Some((due, *t_us));
                    match action {
                        Action::Connect => {
                            let mut co = ConnectOptions::new(local_ip, played.1, o.peer, other.1);
                            co.streams = Some(cfg.outbound_streams);
                            match ep.connect(now, co) {
                                Ok(i) => id = Some(i),
                                Err(e) => return Err(format!("frame {frame}: connect: {e}")),
                            }
                        }
                        Action::Send(m) => pending_sends.push_back(m.clone()),
                        Action::Shutdown => {
                            if let Some(i) = id {
                                ep.shutdown(now, i)
                            }
                        }
                        Action::Abort(r) => {
                            if let Some(i) = id {
                                ep.abort(i, r.as_deref())
                            }
                        }
                        Action::Reconfig(rq) => {
                            if let Some(i) = id {
                                let r = match rq {
                                    Reconfig::ResetOutgoing(s) => ep.reset_streams(now, i, s),
                                    Reconfig::ResetIncoming(s) => {
                                        ep.reset_incoming_streams(now, i, s)
                                    }
                                    Reconfig::AddStreams(o, n) => ep.add_streams(now, i, *o, *n),
                                };
                                if let Err(e) = r {
                                    report.notes.push(format!(
                                        "frame {frame}: the endpoint refused the request {rq:?}: {e:?}"
                                    ));
                                }
                            }
                        }
                        Action::Inject { vtag, chunks } => {
                            let map = |t: (Option<u32>, Option<u32>)| match t {
                                (Some(c), Some(l)) if c == *vtag => Some(l),
                                _ => None,
                            };
                            let live_tag = map(st.other_tag).or(map(st.own_tag));
                            let mut b = Vec::with_capacity(12 + chunks.len());
                            b.extend_from_slice(&played.1.to_be_bytes());
                            b.extend_from_slice(&other.1.to_be_bytes());
                            b.extend_from_slice(&live_tag.unwrap_or(*vtag).to_be_bytes());
                            b.extend_from_slice(&[0; 4]);
                            let mut chunks = chunks.clone();
                            let offset = |v: u32, t: (Option<u32>, Option<u32>)| match t {
                                (Some(c), Some(l)) => Some(v.wrapping_sub(c).wrapping_add(l)),
                                _ => None,
                            };
                            let own = |v: u32| {
                                match st.own_init {
                                    (Some(c), Some(l)) => {
                                        map_cum(v, &st.cap_frags, c, &st.live_frags, l)
                                    }
                                    _ => None,
                                }
                                .or(offset(v, st.own_init))
                            };
                            let oth = |v: u32| {
                                match st.other_init {
                                    (Some(c), Some(l)) => {
                                        map_cum(v, &st.cap_other_frags, c, &st.live_other_frags, l)
                                    }
                                    _ => None,
                                }
                                .or(offset(v, st.other_init))
                            };
                            let addrs = [(played.0, local_ip), (other.0, o.peer.ip())];
                            let translated = translate_with(&mut chunks, &own, &oth, &addrs);
                            if chunks.first().is_some_and(|t| *t == ty::ASCONF)
                                && !report
                                    .notes
                                    .iter()
                                    .any(|n| n.contains("without an AUTH chunk"))
                            {
                                report.notes.push(
                                    "ASCONF is injected without an AUTH chunk (the endpoint does not sign injected chunks): a peer that follows RFC 5061 4.1.1 discards it".into(),
                                );
                            }
                            b.extend_from_slice(&chunks);
                            let crc = sctp_codec::checksum::crc32c_field(&b);
                            b[8..12].copy_from_slice(&crc.to_be_bytes());
                            rec.write(local, o.peer, &b);
                            report.packets.0 += 1;
                            let what = match PacketView::parse(&b, Rules::STANDARD) {
                                Ok(v) if v.malformed_count() == 0 => v
                                    .chunks()
                                    .map(|c| summary(c.bytes()))
                                    .collect::<Vec<_>>()
                                    .join(", "),
                                _ => format!("{} bytes of malformed chunks", chunks.len()),
                            };
                            let what = if translated > 0 {
                                format!("{what} ({translated} fields translated)")
                            } else {
                                what
                            };
                            report.injected.push(format!(
                                "frame {frame}: {what} as live #{} (vtag {})",
                                rec.frames,
                                match live_tag {
                                    Some(t) => format!("{vtag} -> {t}"),
                                    None => format!("{vtag}, as captured"),
                                }
                            ));
                            let _ = sock.send_to(&b, o.peer);
                        }
                    }
                    last_t_us = *t_us;
                    next_step += 1;
                    ready_at = None;
                    // The next action may be due at once: do not block.
                    wake = Some(now);
                }
            }
        } else if all_due_resolved && pending_sends.is_empty() {
            // Everything played and resolved: a short grace for extras.
            let f = *finished_at.get_or_insert(now);
            let grace = if st.ended.is_some() { 200 } else { 500 };
            if now >= f + Duration::from_millis(grace) {
                break;
            }
        }
        // Feed queued messages while the endpoint takes them.
        if let Some(i) = id {
            while let Some(m) = pending_sends.front() {
                let opts = SendOptions {
                    unordered: m.unordered,
                    pr: PrPolicy::Reliable,
                };
                match ep.send_with(now, i, m.sid, m.ppid, opts, m.data.clone()) {
                    Ok(()) => {
                        report.messages_sent += 1;
                        pending_sends.pop_front();
                    }
                    Err(sctp_endpoint::SendError::WouldBlock) => break,
                    Err(e) => {
                        report.notes.push(format!(
                            "message on stream {} (PPID {}) not sent: {e}",
                            m.sid, m.ppid
                        ));
                        pending_sends.pop_front();
                    }
                }
            }
        } else if !pending_sends.is_empty() && st.ended.is_some() {
            pending_sends.clear();
        }
        // Send.
        while let Some(t) = ep.poll_transmit(Instant::now(), &mut buf) {
            let mut to = t.remote;
            if to.port() == 0 {
                to = o.peer;
            }
            rec.write(local, to, &buf);
            report.packets.0 += 1;
            if let Ok(v) = PacketView::parse(&buf, Rules::STANDARD) {
                for c in v.chunks() {
                    let val = c.value();
                    match c.ty() {
                        ty::DATA | ty::I_DATA => st.live_frags.add_chunk(c.ty(), c.flags(), val),
                        ty::INIT | ty::INIT_ACK if val.len() >= 16 => {
                            st.own_init.1 = Some(be32(val, 12));
                            st.own_tag.1 = Some(be32(val, 0));
                        }
                        _ => {}
                    }
                }
            }
            if loss.drop_outgoing(&buf) {
                continue;
            }
            if let Err(e) = sock.send_to(&buf, to) {
                if e.kind() == std::io::ErrorKind::ConnectionRefused {
                    refused += 1;
                }
            }
        }
        // Events.
        while let Some(ev) = ep.poll_event() {
            if let Event::AssocChange {
                id: i,
                change,
                reason,
                ..
            } = ev
            {
                match change {
                    AssocChange::CommUp | AssocChange::Restart => id = Some(i),
                    _ => {
                        st.ended.get_or_insert(match reason {
                            Some(Reason::Shutdown) if change == AssocChange::ShutdownComplete => {
                                change.to_string()
                            }
                            Some(r) => format!("{change}; {r}"),
                            None => change.to_string(),
                        });
                        finished_at.get_or_insert(Instant::now());
                    }
                }
            }
        }
        // Unreachable: nothing ever came and the peer's port refuses.
        if st.received == 0 && o.play == Play::Client {
            if refused > 0 && now >= start + Duration::from_millis(500) {
                return Err(format!(
                    "unreachable peer udp:{}: ICMP port unreachable (nothing listens there)",
                    o.peer
                ));
            }
            if now >= start + o.wait.max(Duration::from_secs(1)) + Duration::from_secs(1) {
                // As the user named it: raw IP has no port.
                let peer = match o.raw {
                    true => format!("raw:{}", o.peer.ip()),
                    false => format!("udp:{}", o.peer),
                };
                return Err(format!(
                    "unreachable peer {peer}: no answer to our INIT within {} ms",
                    (o.wait.max(Duration::from_secs(1)) + Duration::from_secs(1)).as_millis()
                ));
            }
        }
        // Wait for datagrams.
        let mut wait = Duration::from_millis(10);
        if let Some(t) = ep.poll_timeout() {
            wait = wait.min(t.saturating_duration_since(Instant::now()));
        }
        if let Some(w) = wake {
            wait = wait.min(w.saturating_duration_since(Instant::now()));
        }
        // A socket timeout counts in scheduler ticks (4 ms at HZ=250): a
        // short wait takes what has arrived and sleeps the rest (a
        // high-resolution timer), so that --timing asis keeps the
        // captured pace of a fast capture.
        let short = wait < Duration::from_millis(2);
        sock.set_nonblocking(short).map_err(|e| e.to_string())?;
        if !short {
            sock.set_read_timeout(Some(wait))
                .map_err(|e| e.to_string())?;
        }
        let got = sock.recv_from(&mut rx);
        if short && matches!(&got, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock) {
            std::thread::sleep(wait.min(Duration::from_micros(200)));
        }
        match got {
            Ok((n, from)) => {
                let now = Instant::now();
                // Over raw IP: the SCTP packet in the IPv4 one, only from
                // the peer's address and SCTP port to ours (the socket sees
                // every SCTP packet of the host, our own on loopback too).
                let (pkt, from) = if o.raw && o.peer.is_ipv6() {
                    // IPv6 raw sockets give the SCTP packet without the
                    // header; the socket is bound to our address.
                    let b = &rx[..n];
                    if from.ip() == o.peer.ip()
                        && b.len() >= 12
                        && be16(b, 0) == other.1
                        && be16(b, 2) == played.1
                    {
                        (b, SocketAddr::new(from.ip(), 0))
                    } else {
                        continue;
                    }
                } else if o.raw {
                    match sctp_endpoint::driver::raw::strip_ipv4(&rx[..n]) {
                        Some((b, src, dst))
                            if src == o.peer.ip()
                                && dst == local_ip
                                && b.len() >= 12
                                && be16(b, 0) == other.1
                                && be16(b, 2) == played.1 =>
                        {
                            (b, SocketAddr::new(src, 0))
                        }
                        _ => continue,
                    }
                } else {
                    (&rx[..n], from)
                };
                rec.write(from, local, pkt);
                report.packets.1 += 1;
                st.received += 1;
                observe(pkt, rec.frames, &mut report, &mut st);
                if !loss.drop_incoming(pkt) {
                    ep.handle_packet(now, from, local_ip, pkt);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => refused += 1,
            Err(_) => {}
        }
        let now = Instant::now();
        if ep.poll_timeout().is_some_and(|t| t <= now) {
            ep.handle_timeout(now);
        }
    }
    if interrupted {
        report
            .notes
            .push("interrupted (Ctrl-C): the report so far".into());
        for e in report.expected.iter_mut() {
            if e.verdict == Verdict::Pending {
                e.verdict = if e.due.is_some() {
                    Verdict::Missing("interrupted while waiting".into())
                } else {
                    Verdict::NotReached
                };
            }
        }
    }
    if pace.0 > 0 && o.timing != Timing::Fast {
        report.notes.push(format!(
            "pacing: {} actions, late by {} us on average, {} us at most",
            pace.0,
            (pace.1 / pace.0 as u32).as_micros(),
            pace.2.as_micros()
        ));
    }
    if loss.dropped != (0, 0) {
        report.notes.push(format!(
            "losses re-created: {} of our datagrams and {} of the peer's dropped",
            loss.dropped.0, loss.dropped.1
        ));
    }
    if let Some(w) = &st.ended {
        report.notes.push(format!("the association ended: {w}"));
    } else {
        report
            .notes
            .push("the association was still up when the script ended".into());
    }
    if let Some(w) = rec.w.as_mut() {
        if let Err(e) = w.flush() {
            rec.error.get_or_insert(e.to_string());
        }
    }
    if let Some(e) = rec.error {
        report.notes.push(format!("--record: {e}"));
    }
    Ok(report)
}

/// Matches the chunks of one live packet from the peer.
fn observe(b: &[u8], live_frame: u64, r: &mut Report, st: &mut LiveState) {
    let Ok(v) = PacketView::parse(b, Rules::STANDARD) else {
        r.extras.push(Extra {
            after: resolved_prefix(r),
            live_frame,
            summary: "a packet that is not well-formed SCTP".into(),
            tolerated: false,
        });
        return;
    };
    for c in v.chunks() {
        let lb = c.bytes();
        let (t, lf, lv) = parts(lb);
        let s = summary(lb);
        if matches!(t, ty::INIT | ty::INIT_ACK) && lv.len() >= 16 {
            st.other_init.1.get_or_insert(be32(lv, 12));
            st.other_tag.1.get_or_insert(be32(lv, 0));
        }
        if t == ty::ABORT {
            st.ended
                .get_or_insert(format!("ABORT from the peer, live #{live_frame}"));
        }
        let mut hit: Vec<usize> = Vec::new();
        match t {
            ty::SACK | ty::SHUTDOWN if lv.len() >= 4 => {
                let live_cum = be32(lv, 0);
                // Every pending captured chunk of this type it covers.
                let (ci, li) = (st.own_init.0, st.own_init.1);
                for (i, e) in r.expected.iter().enumerate().skip(st.scan_from) {
                    // A SHUTDOWN's cumulative TSN ack acknowledges as a SACK
                    // does (RFC 9260 6.2, 9.2): it covers captured SACKs.
                    let kind = e.ty == t || (t == ty::SHUTDOWN && e.ty == ty::SACK);
                    if !kind || e.verdict != Verdict::Pending {
                        continue;
                    }
                    let (_, _, ev) = parts(&e.bytes);
                    let (Some(ci), Some(li)) = (ci, li) else {
                        continue;
                    };
                    let need = map_cum(be32(ev, 0), &st.cap_frags, ci, &st.live_frags, li);
                    match need {
                        Some(n) if serial_ge(live_cum, n) => hit.push(i),
                        // Acknowledging a message we have not sent yet: so
                        // do the later captured ones (cumulative acks do
                        // not go back, RFC 9260 6.2), so stop looking.
                        None => break,
                        _ => {}
                    }
                }
            }
            ty::DATA | ty::I_DATA if dv(t, lf, lv).is_some() => {
                let d = dv(t, lf, lv).expect("checked");
                let tsn = d.tsn;
                st.live_other_frags.add_chunk(t, lf, lv);
                if !st.live_data_seen.insert(tsn) {
                    r.extras.push(Extra {
                        after: resolved_prefix(r),
                        live_frame,
                        summary: format!("{s} (retransmission)"),
                        tolerated: true,
                    });
                    continue;
                }
                // Fragments of a captured message of the same key (stream,
                // U, SSN or MID counted from the first, or the count of
                // unordered DATA messages) are compared with the live
                // message's bytes as they arrive, however the live stack
                // cut it.
                if let Some(&(key, ls, le)) = st.live_other_frags.by_tsn.get(&tsn) {
                    let cands: Vec<(usize, usize, usize)> = r
                        .expected
                        .iter()
                        .enumerate()
                        .filter(|(_, e)| e.ty == t && e.verdict == Verdict::Pending)
                        .filter_map(|(i, e)| {
                            let ct = be32(parts(&e.bytes).2, 0);
                            st.cap_other_frags
                                .by_tsn
                                .get(&ct)
                                .filter(|x| x.0 == key)
                                .map(|x| (i, x.1, x.2))
                        })
                        .collect();
                    if !cands.is_empty() {
                        let m = st.live_msgs.entry(key).or_default();
                        if m.bytes.len() < le {
                            m.bytes.resize(le, 0);
                        }
                        m.bytes[ls..le].copy_from_slice(d.payload);
                        m.have.push((ls, le, live_frame, s.clone(), d.ppid));
                        if lf & 1 != 0 {
                            m.end = Some(le);
                        }
                        for (i, cs, ce) in cands {
                            let cap_end = parts(&r.expected[i].bytes).1 & 1 != 0;
                            let ready = (m.covers(cs, ce) && (!cap_end || m.end.is_some()))
                                || m.end.is_some_and(|end| end < ce);
                            if !ready {
                                continue;
                            }
                            let (diffs, at) = compare_message(&r.expected[i].bytes, cs, ce, m);
                            let e = &mut r.expected[i];
                            e.live = at;
                            e.verdict = if diffs.is_empty() {
                                Verdict::Matched
                            } else {
                                Verdict::Differed(diffs)
                            };
                        }
                        continue;
                    }
                }
                let pend = |e: &&Expected| e.ty == t && e.verdict == Verdict::Pending;
                // The same message (stream and SSN, or MID, or the U bit of
                // DATA): a stack interleaves its streams as its scheduler
                // likes.
                let u = lf & 4;
                let ordered = d.idata || u == 0;
                let base = st
                    .other_first_ssn
                    .get(&(d.sid, d.idata && u != 0))
                    .copied()
                    .unwrap_or(0);
                let by_msg = r.expected.iter().position(|e| {
                    let (et, ef, ev) = parts(&e.bytes);
                    pend(&e)
                        && dv(et, ef, ev).is_some_and(|x| {
                            x.sid == d.sid
                                && ef & 4 == u
                                && (!ordered || {
                                    let rel = x.seq.wrapping_sub(base);
                                    if d.idata {
                                        rel == d.seq
                                    } else {
                                        rel as u16 == d.seq as u16
                                    }
                                })
                        })
                });
                let by_tsn = match st.other_init {
                    (Some(ci), Some(li)) => r.expected.iter().position(|e| {
                        pend(&e)
                            && be32(parts(&e.bytes).2, 0).wrapping_sub(ci) == tsn.wrapping_sub(li)
                    }),
                    _ => None,
                };
                let by_tsn = by_msg.or(by_tsn);
                if let Some(i) = by_tsn.or_else(|| r.expected.iter().position(|e| pend(&e))) {
                    hit.push(i);
                }
            }
            ty::RE_CONFIG => {
                // The same requests and answers, else the same kinds of
                // parameters (a request for other streams), else extra: a
                // stack that splits a request in two sends one more.
                let words = reconfig_words(lv);
                let kinds = |w: &[String]| -> Vec<String> {
                    w.iter()
                        .map(|x| x.split('(').next().unwrap_or("").to_string())
                        .collect()
                };
                let pend = |e: &&Expected| e.ty == t && e.verdict == Verdict::Pending;
                let same = r
                    .expected
                    .iter()
                    .position(|e| pend(&e) && reconfig_words(parts(&e.bytes).2) == words)
                    .or_else(|| {
                        r.expected.iter().position(|e| {
                            pend(&e) && kinds(&reconfig_words(parts(&e.bytes).2)) == kinds(&words)
                        })
                    });
                if let Some(i) = same {
                    hit.push(i);
                }
            }
            _ => {
                if let Some(i) = r
                    .expected
                    .iter()
                    .position(|e| e.ty == t && e.verdict == Verdict::Pending)
                {
                    hit.push(i);
                }
            }
        }
        if hit.is_empty() {
            let handshake = matches!(
                t,
                ty::INIT | ty::INIT_ACK | ty::COOKIE_ECHO | ty::COOKIE_ACK
            );
            r.extras.push(Extra {
                after: resolved_prefix(r),
                live_frame,
                summary: s,
                tolerated: matches!(t, ty::SACK | ty::HEARTBEAT | ty::HEARTBEAT_ACK)
                    || (handshake && !st.handshake_captured),
            });
            continue;
        }
        for i in hit {
            let (et, ef, ev) = parts(&r.expected[i].bytes);
            let base = match dv(et, ef, ev) {
                Some(x) if x.idata || ef & 4 == 0 => st
                    .other_first_ssn
                    .get(&(x.sid, x.idata && ef & 4 != 0))
                    .copied()
                    .unwrap_or(0),
                _ => 0,
            };
            let d = compare(&r.expected[i].bytes, lb, base);
            let e = &mut r.expected[i];
            e.live = Some((live_frame, s.clone()));
            e.verdict = if d.is_empty() {
                Verdict::Matched
            } else {
                Verdict::Differed(d)
            };
        }
    }
}

/// How many expected chunks, from the first, are resolved.
fn resolved_prefix(r: &Report) -> usize {
    r.expected
        .iter()
        .position(|e| e.verdict == Verdict::Pending)
        .unwrap_or(r.expected.len())
}

/// Parses `udp:HOST:PORT` or `raw:HOST` (IPv4 or IPv6; an IPv6 literal in
/// brackets or bare; a name resolves to its first IPv4 address, else its
/// first IPv6 one): the address, and whether it is raw IP.
fn parse_peer(s: &str) -> Result<(SocketAddr, bool), String> {
    use std::net::ToSocketAddrs;
    let pick = |v: Vec<SocketAddr>| {
        v.iter()
            .find(|a| a.is_ipv4())
            .or_else(|| v.first())
            .copied()
    };
    if let Some(rest) = s.strip_prefix("udp:") {
        return rest
            .to_socket_addrs()
            .ok()
            .and_then(|a| pick(a.collect()))
            .map(|a| (a, false))
            .ok_or_else(|| format!("--peer {s}: expected udp:HOST:PORT (IPv6: udp:[ADDR]:PORT)"));
    }
    if let Some(rest) = s.strip_prefix("raw:") {
        let host = rest.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok((SocketAddr::new(ip, 0), true));
        }
        return (host, 0)
            .to_socket_addrs()
            .ok()
            .and_then(|a| pick(a.collect()))
            .map(|a| (a, true))
            .ok_or_else(|| format!("--peer {s}: expected raw:HOST"));
    }
    Err(format!("--peer {s}: expected udp:HOST:PORT or raw:HOST"))
}

/// `sctp-replay live ...`.
pub fn main(args: impl Iterator<Item = String>) -> ExitCode {
    let fail = |m: String| {
        eprintln!("sctp-replay live: {m}");
        ExitCode::from(2)
    };
    let args: Vec<String> = args.collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let mut args = args.into_iter();
    let (mut file, mut play, mut peer) = (None, None, None);
    let mut o = LiveOptions {
        file: PathBuf::new(),
        assoc: 1,
        play: Play::Client,
        peer: SocketAddr::from(([127, 0, 0, 1], 9899)),
        raw: false,
        port: 0,
        timing: Timing::AsIs,
        wait: Duration::from_secs(3),
        udp_ports: Vec::new(),
        record: None,
        stop: Arc::new(AtomicBool::new(false)),
        recreate_loss: true,
        rto_min: None,
    };
    let mut json_out: Option<PathBuf> = None;
    let mut plot_out: Option<PathBuf> = None;
    while let Some(a) = args.next() {
        let mut value = |n: &str| args.next().ok_or(format!("{n} needs a value\n{USAGE}"));
        let r: Result<(), String> = (|| {
            match a.as_str() {
                "--assoc" => {
                    let v = value("--assoc")?;
                    o.assoc = v
                        .parse()
                        .ok()
                        .filter(|n| *n >= 1)
                        .ok_or(format!("--assoc takes a number from 1, not {v}"))?;
                }
                "--play" => {
                    play = Some(match value("--play")?.as_str() {
                        "client" => Play::Client,
                        "server" => Play::Server,
                        v => return Err(format!("--play takes client or server, not {v}")),
                    })
                }
                "--peer" => {
                    let (a, raw) = parse_peer(&value("--peer")?)?;
                    peer = Some(a);
                    o.raw = raw;
                }
                "--port" => {
                    let v = value("--port")?;
                    o.port = v.parse().map_err(|_| format!("--port {v}: not a port"))?;
                }
                "--timing" => o.timing = value("--timing")?.parse()?,
                "--no-loss" => o.recreate_loss = false,
                "--rto-min" => {
                    let v = value("--rto-min")?;
                    o.rto_min = Some(Duration::from_millis(
                        v.parse()
                            .map_err(|_| format!("--rto-min {v}: milliseconds"))?,
                    ));
                }
                "--wait" => {
                    let v = value("--wait")?;
                    o.wait = Duration::from_millis(
                        v.parse().map_err(|_| format!("--wait {v}: milliseconds"))?,
                    );
                }
                "--udp-port" => {
                    let v = value("--udp-port")?;
                    o.udp_ports.push(
                        v.parse()
                            .map_err(|_| format!("--udp-port {v}: not a port"))?,
                    );
                }
                "--json" => json_out = Some(PathBuf::from(value("--json")?)),
                "--record" => o.record = Some(PathBuf::from(value("--record")?)),
                "--plot" => plot_out = Some(PathBuf::from(value("--plot")?)),
                _ if a.starts_with('-') => return Err(format!("unknown option {a}\n{USAGE}")),
                _ if file.is_none() => file = Some(PathBuf::from(&a)),
                _ => return Err(format!("one capture file only\n{USAGE}")),
            }
            Ok(())
        })();
        if let Err(e) = r {
            return fail(e);
        }
    }
    let Some(f) = file else {
        return fail(format!("no capture file\n{USAGE}"));
    };
    o.file = f;
    let Some(p) = play else {
        return fail(format!("--play client|server is needed\n{USAGE}"));
    };
    o.play = p;
    let Some(p) = peer else {
        return fail(format!("--peer udp:HOST:PORT|raw:HOST is needed\n{USAGE}"));
    };
    o.peer = p;
    // `--record`, `--json` and `--plot` must not overwrite the capture
    // being replayed.
    for out in [&o.record, &json_out, &plot_out].into_iter().flatten() {
        if let Err(e) = sctp_codec::capture::refuse_same_file(out, &o.file) {
            return fail(e);
        }
    }
    let stop = o.stop.clone();
    let _ = ctrlc::set_handler(move || stop.store(true, Ordering::Relaxed));
    match run(&o) {
        Ok(r) => {
            print!("{}", r.text());
            if let Some(j) = json_out {
                let s = serde_json::to_string_pretty(&r.json()).unwrap_or_default();
                if let Err(e) = std::fs::write(&j, s + "\n") {
                    return fail(format!("{}: {e}", j.display()));
                }
            }
            if let Some(p) = plot_out {
                if let Err(e) = std::fs::write(&p, r.svg()) {
                    return fail(format!("{}: {e}", p.display()));
                }
            }
            if r.all_matched() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            if let Some(j) = json_out {
                let _ = std::fs::write(&j, serde_json::json!({"error": e}).to_string() + "\n");
            }
            fail(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(tsn: u32, sid: u16, ssn: u16, flags: u8, len: usize) -> (u8, Vec<u8>) {
        let mut v = Vec::new();
        v.extend_from_slice(&tsn.to_be_bytes());
        v.extend_from_slice(&sid.to_be_bytes());
        v.extend_from_slice(&ssn.to_be_bytes());
        v.extend_from_slice(&1000u32.to_be_bytes());
        v.resize(12 + len, 0xab);
        (flags, v)
    }

    #[test]
    fn injected_tsns_are_translated_per_side() {
        // ECNE (other side's TSN space), CWR and FORWARD TSN (ours), an
        // unknown chunk left alone.
        let mut c = vec![12u8, 0, 0, 8, 0, 0, 0, 105];
        c.extend_from_slice(&[13, 0, 0, 8, 0, 0, 0, 55]);
        c.extend_from_slice(&[192, 0, 0, 12, 0, 0, 0, 52, 0, 3, 0, 9]);
        c.extend_from_slice(&[0x45, 0, 0, 8, 0, 0, 0, 1]);
        let own = |v: u32| Some(v - 50 + 1000);
        let other = |v: u32| Some(v - 100 + 7000);
        let n = translate(&mut c, &own, &other);
        assert_eq!(n, 3);
        assert_eq!(be32(&c, 4), 7005);
        assert_eq!(be32(&c, 12), 1005);
        assert_eq!(be32(&c, 20), 1002);
        assert_eq!(&c[24..28], &[0, 3, 0, 9]);
        assert_eq!(be32(&c, 32), 1);
        // Unknown initial TSNs: left as captured.
        let mut c = vec![12u8, 0, 0, 8, 0, 0, 0, 105];
        let none = |_: u32| None;
        assert_eq!(translate(&mut c, &none, &none), 0);
        assert_eq!(be32(&c, 4), 105);
    }

    #[test]
    fn injected_sack_gap_blocks_and_duplicates_map_through_messages() {
        // The other side's messages 0-4 were captured as TSNs 100-104; live,
        // message 1 came in two fragments: 7000, 7001+7002, 7003, 7004, 7005.
        let mut cap = Fragments::default();
        for k in 0..5u32 {
            let (f, v) = data(100 + k, 0, k as u16, 3, 100);
            cap.add(f, &v);
        }
        let mut live = Fragments::default();
        for (f, v) in [
            data(7000, 0, 0, 3, 100),
            data(7001, 0, 1, 2, 50),
            data(7002, 0, 1, 1, 50),
            data(7003, 0, 2, 3, 100),
            data(7004, 0, 3, 3, 100),
            data(7005, 0, 4, 3, 100),
        ] {
            live.add(f, &v);
        }
        let other = |v: u32| map_cum(v, &cap, 100, &live, 7000);
        let own = |_: u32| None;
        // SACK: cum 101 (messages 0 and 1), gap block 2-3 (TSNs 103-104),
        // duplicate TSN 100.
        let mut c = vec![3u8, 0, 0, 24];
        c.extend_from_slice(&101u32.to_be_bytes());
        c.extend_from_slice(&5000u32.to_be_bytes());
        c.extend_from_slice(&[0, 1, 0, 1, 0, 2, 0, 3]);
        c.extend_from_slice(&100u32.to_be_bytes());
        assert_eq!(translate(&mut c, &own, &other), 3);
        assert_eq!(
            be32(&c, 4),
            7002,
            "cumulative TSN ack: message 1's last fragment"
        );
        assert_eq!(be32(&c, 8), 5000, "a_rwnd untouched");
        assert_eq!((be16(&c, 16), be16(&c, 18)), (2, 3), "7004-7005 from 7002");
        assert_eq!(be32(&c, 20), 7000);
        // NR-SACK: one gap block and one NR gap block, no duplicates.
        let mut c = vec![16u8, 0, 0, 28];
        c.extend_from_slice(&100u32.to_be_bytes());
        c.extend_from_slice(&5000u32.to_be_bytes());
        c.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 0]);
        c.extend_from_slice(&[0, 2, 0, 2, 0, 4, 0, 4]);
        assert_eq!(translate(&mut c, &own, &other), 3);
        assert_eq!(be32(&c, 4), 7000);
        // TSN 102 (message 2) is 7003, 3 after 7000; TSN 104 is 7005.
        assert_eq!((be16(&c, 20), be16(&c, 22)), (3, 3));
        assert_eq!((be16(&c, 24), be16(&c, 26)), (5, 5));
    }

    #[test]
    fn asconf_serial_and_addresses_are_translated() {
        // ASCONF: serial 50 (ours), address 10.0.0.1 (the captured played
        // side), Add IP 10.0.0.9 (correlation 7): serial -> 1000, the
        // leading address -> 127.0.0.1, the added one kept (not ours).
        let mut c = vec![0xC1, 0, 0, 32];
        c.extend_from_slice(&50u32.to_be_bytes());
        c.extend_from_slice(&[0, 5, 0, 8, 10, 0, 0, 1]);
        c.extend_from_slice(&[0xC0, 0x01, 0, 16, 0, 0, 0, 7]);
        c.extend_from_slice(&[0, 5, 0, 8, 10, 0, 0, 9]);
        // ASCONF ACK: serial 100 (the other side's).
        c.extend_from_slice(&[0x80, 0, 0, 8]);
        c.extend_from_slice(&100u32.to_be_bytes());
        let own = |v: u32| Some(v - 50 + 1000);
        let other = |v: u32| Some(v - 100 + 7000);
        let addrs = [(IpAddr::from([10, 0, 0, 1]), IpAddr::from([127, 0, 0, 1]))];
        assert_eq!(translate_with(&mut c, &own, &other, &addrs), 3);
        assert_eq!(be32(&c, 4), 1000);
        assert_eq!(&c[12..16], &[127, 0, 0, 1]);
        assert_eq!(&c[28..32], &[10, 0, 0, 9]);
        assert_eq!(be32(&c, 36), 7000);
    }

    #[test]
    fn timing_parses() {
        assert_eq!("asis".parse::<Timing>(), Ok(Timing::AsIs));
        assert_eq!("fast".parse::<Timing>(), Ok(Timing::Fast));
        assert_eq!("2x".parse::<Timing>(), Ok(Timing::Factor(2.0)));
        assert_eq!("0.5x".parse::<Timing>(), Ok(Timing::Factor(0.5)));
        assert!("0x".parse::<Timing>().is_err());
        assert!("top".parse::<Timing>().is_err());
    }

    #[test]
    fn cumulative_acks_map_through_messages_not_tsn_offsets() {
        // Captured: a 3000-byte message in 2 fragments (TSN 100, 101), then
        // a 10-byte one (102). Live: the same messages in 3 fragments
        // (TSN 7000..7002) and then 7003.
        let mut cap = Fragments::default();
        for (f, v) in [
            data(100, 0, 0, 2, 1500),
            data(101, 0, 0, 1, 1500),
            data(102, 0, 1, 3, 10),
        ] {
            cap.add(f, &v);
        }
        let mut live = Fragments::default();
        for (f, v) in [
            data(7000, 0, 0, 2, 1000),
            data(7001, 0, 0, 0, 1000),
            data(7002, 0, 0, 1, 1000),
        ] {
            live.add(f, &v);
        }
        // Nothing acknowledged yet.
        assert_eq!(map_cum(99, &cap, 100, &live, 7000), Some(6999));
        // First captured fragment (bytes 0..1500): the live one holding
        // byte 1499 is the second.
        assert_eq!(map_cum(100, &cap, 100, &live, 7000), Some(7001));
        // The whole message.
        assert_eq!(map_cum(101, &cap, 100, &live, 7000), Some(7002));
        // The next message is not sent live yet.
        assert_eq!(map_cum(102, &cap, 100, &live, 7000), None);
        let (f, v) = data(7003, 0, 1, 3, 10);
        live.add(f, &v);
        assert_eq!(map_cum(102, &cap, 100, &live, 7000), Some(7003));
        // A retransmission changes nothing.
        let (f, v) = data(7001, 0, 0, 0, 1000);
        live.add(f, &v);
        assert_eq!(map_cum(101, &cap, 100, &live, 7000), Some(7002));
    }

    #[test]
    fn a_capture_that_starts_mid_association_keys_messages_from_its_first_ssn() {
        // Captured: stream 1 starts at SSN 57 (the capture began late), TSN
        // 500; live: SSN 0, TSN 9000. The same messages, the same keys.
        let mut cap = Fragments::default();
        for (f, v) in [data(500, 1, 57, 3, 10), data(501, 1, 58, 3, 10)] {
            cap.add(f, &v);
        }
        let mut live = Fragments::default();
        for (f, v) in [data(9000, 1, 0, 3, 10), data(9001, 1, 1, 3, 10)] {
            live.add(f, &v);
        }
        assert_eq!(map_cum(500, &cap, 500, &live, 9000), Some(9000));
        assert_eq!(map_cum(501, &cap, 500, &live, 9000), Some(9001));
        // The captured SSN is compared counted from the first captured.
        let mk = |ssn: u16| {
            let mut c = vec![0u8, 3, 0, 17];
            c.extend_from_slice(&1u32.to_be_bytes());
            c.extend_from_slice(&[0, 1]);
            c.extend_from_slice(&ssn.to_be_bytes());
            c.extend_from_slice(&[0, 0, 0, 18, 7]);
            c
        };
        assert!(compare(&mk(58), &mk(1), 57).is_empty());
        assert_eq!(
            compare(&mk(58), &mk(2), 57),
            vec![(
                "ssn".to_string(),
                "1 (58 - first captured 57)".to_string(),
                "2".to_string()
            )]
        );
    }

    #[test]
    fn data_compares_fields_but_not_tsn_or_the_i_bit() {
        let mk = |tsn: u32, flags: u8, ppid: u32| {
            let mut c = vec![0u8, flags, 0, 20];
            c.extend_from_slice(&tsn.to_be_bytes());
            c.extend_from_slice(&[0, 1, 0, 2]);
            c.extend_from_slice(&ppid.to_be_bytes());
            c.extend_from_slice(&[1, 2, 3, 4]);
            c
        };
        assert!(compare(&mk(5, 3, 7), &mk(900, 3 | 8, 7), 0).is_empty());
        assert_eq!(
            compare(&mk(5, 3, 7), &mk(5, 3 | 4, 8), 0),
            vec![
                ("flags".to_string(), "0x3".to_string(), "0x7".to_string()),
                ("ppid".to_string(), "7".to_string(), "8".to_string())
            ]
        );
    }
}
