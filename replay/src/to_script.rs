//! `sctp-replay to-script FILE [--assoc N] --play client|server [--udp-port P]...`:
//! a packetdrill script (the dialect [`crate::runner`] runs) for one side of
//! a captured association, so a capture becomes a regression test of the
//! endpoint in the other role.
//!
//! - The played side's chunks are `<` lines with its own tags and TSNs as
//!   captured (the runner takes the injected side's values as written); the
//!   numbers that name the other side's tag and TSNs (SACK, SHUTDOWN) are the
//!   captured ones too, which the runner maps onto the endpoint's live ones.
//! - The other side's chunks are `>` expectations. What that side chose is a
//!   wildcard: a_rwnd, the State Cookie, heartbeat info, parameters, and
//!   its tag and initial TSN (written as captured in its INIT / INIT ACK,
//!   where they only name the live values: the runner maps them).
//! - Socket calls make the endpoint play that other role: socket, bind,
//!   listen and accept (server) or a non-blocking connect (client);
//!   `sctp_sendmsg` for each message it sent (stream, PPID, U bit), placed
//!   before the packet that carried its first fragment; `sctp_recvmsg` for
//!   each message it received, checked for stream, PPID and U bit, after the
//!   packet that completed it; `shutdown(SHUT_WR)` before a SHUTDOWN it
//!   started.
//!
//! What the endpoint may legitimately do differently from the captured stack
//! is relaxed, and listed in the script's header (see [`Relaxed`]):
//! expected packets are matched at any time (`*`), since SACK delays and
//! timers differ; a SACK-only packet of the other side is not expected (the
//! endpoint's SACK policy decides when and whether it goes alone or
//! bundled), and SACK chunks bundled with its DATA are dropped from the
//! expectation likewise; DATA it sends is compared by flags, stream, SSN
//! and PPID with TSN and length as wildcards when its messages were
//! fragmented (the fragment size is the endpoint's).
//!
//! The capture is read by a small reader of its own (pcap and pcapng) and
//! associations are told apart by their pair of address:port ends, a new one
//! starting with an INIT after the previous ended (SHUTDOWN COMPLETE or
//! ABORT); `sctp-replay list`'s tracker was not committed when this was
//! written.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::Path;
use std::process::ExitCode;

use sctp_codec::checksum::{self, ChecksumStatus, VerifyMode};
use sctp_codec::chunk::ty;
use sctp_codec::link::{extract_sctp, Defragmenter, Encapsulation, LinkConfig};
use sctp_codec::{PacketView, Rules};

use crate::spec::{self, OutMap};

const USAGE: &str =
    "usage: sctp-replay to-script FILE [--assoc N] --play client|server [--udp-port P]... [-o OUT.pkt]";

/// Which end of the association the script plays (injects).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Play {
    /// The initiator (the end whose INIT came first).
    Client,
    /// The other end.
    Server,
}

/// One SCTP packet of a capture.
#[derive(Debug, Clone)]
pub struct Pkt {
    /// 1-based frame number.
    pub frame: u64,
    /// Capture time in microseconds.
    pub t_us: i64,
    /// Source and destination (address, SCTP port).
    pub src: (IpAddr, u16),
    /// Destination.
    pub dst: (IpAddr, u16),
    /// The SCTP packet.
    pub bytes: Vec<u8>,
}

/// An association: its two ends and its packets in capture order.
#[derive(Debug, Clone)]
pub struct Assoc {
    /// The client end (first INIT's sender, or first sender).
    pub client: (IpAddr, u16),
    /// The server end.
    pub server: (IpAddr, u16),
    /// The packets.
    pub packets: Vec<Pkt>,
}

/// Reads a pcap or pcapng file into (frame number, time in us, link type,
/// bytes).
/// A captured frame: number, time in microseconds, link type, bytes.
type RawFrame = (u64, i64, u32, Vec<u8>);

fn read_frames(path: &Path) -> Result<Vec<RawFrame>, String> {
    let d = path.display();
    let b = std::fs::read(path).map_err(|e| format!("{d}: {e}"))?;
    if b.len() < 24 {
        return Err(format!(
            "{d}: too short to be a capture ({} bytes)",
            b.len()
        ));
    }
    let mut out = Vec::new();
    let magic = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let rd32 = |le: bool, s: &[u8]| {
        let a = [s[0], s[1], s[2], s[3]];
        if le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        }
    };
    match magic {
        0xa1b2c3d4 | 0xa1b23c4d | 0xd4c3b2a1 | 0x4d3cb2a1 => {
            let le = magic == 0xa1b2c3d4 || magic == 0xa1b23c4d;
            let nano = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
            let link = rd32(le, &b[20..24]) & 0x0fff_ffff;
            let mut at = 24;
            let mut n = 0;
            while at + 16 <= b.len() {
                let sec = rd32(le, &b[at..]) as i64;
                let frac = rd32(le, &b[at + 4..]) as i64;
                let caplen = rd32(le, &b[at + 8..]) as usize;
                n += 1;
                let end = at + 16 + caplen;
                if end > b.len() {
                    return Err(format!("{d}: frame {n} is cut short"));
                }
                let us = sec * 1_000_000 + if nano { frac / 1000 } else { frac };
                out.push((n, us, link, b[at + 16..end].to_vec()));
                at = end;
            }
        }
        0x0a0d0d0a => {
            let mut le = true;
            let mut links: Vec<(u32, i64)> = Vec::new();
            let mut at = 0;
            let mut n = 0;
            while at + 12 <= b.len() {
                let bt = rd32(le, &b[at..]);
                if bt == 0x0a0d0d0a {
                    le = u32::from_le_bytes([b[at + 8], b[at + 9], b[at + 10], b[at + 11]])
                        == 0x1a2b3c4d;
                    links.clear();
                }
                let len = rd32(le, &b[at + 4..]) as usize;
                if len < 12 || at + len > b.len() {
                    return Err(format!("{d}: block at byte {at} is cut short"));
                }
                let body = &b[at + 8..at + len - 4];
                match bt {
                    1 if body.len() >= 8 => {
                        // Interface: link type and if_tsresol.
                        let link = if le {
                            u16::from_le_bytes([body[0], body[1]])
                        } else {
                            u16::from_be_bytes([body[0], body[1]])
                        } as u32;
                        let mut per_sec = 1_000_000i64;
                        let mut o = 8;
                        while o + 4 <= body.len() {
                            let code = if le {
                                u16::from_le_bytes([body[o], body[o + 1]])
                            } else {
                                u16::from_be_bytes([body[o], body[o + 1]])
                            };
                            let ol = if le {
                                u16::from_le_bytes([body[o + 2], body[o + 3]])
                            } else {
                                u16::from_be_bytes([body[o + 2], body[o + 3]])
                            } as usize;
                            if code == 0 {
                                break;
                            }
                            if code == 9 && ol == 1 && o + 4 < body.len() {
                                let r = body[o + 4];
                                per_sec = if r & 0x80 != 0 {
                                    1i64 << (r & 0x7f).min(62)
                                } else {
                                    10i64.pow((r as u32).min(18))
                                };
                            }
                            o += 4 + ol + (4 - ol % 4) % 4;
                        }
                        links.push((link, per_sec));
                    }
                    6 if body.len() >= 20 => {
                        n += 1;
                        let iface = rd32(le, body) as usize;
                        let (link, per_sec) = *links
                            .get(iface)
                            .ok_or(format!("{d}: frame {n} names an unknown interface"))?;
                        let ts =
                            ((rd32(le, &body[4..]) as u64) << 32) | rd32(le, &body[8..]) as u64;
                        let caplen = rd32(le, &body[12..]) as usize;
                        let data = body
                            .get(20..20 + caplen)
                            .ok_or(format!("{d}: frame {n} is cut short"))?;
                        let us = (ts as i128 * 1_000_000 / per_sec as i128) as i64;
                        out.push((n, us, link, data.to_vec()));
                    }
                    3 if body.len() >= 4 => {
                        n += 1;
                        let (link, _) = *links
                            .first()
                            .ok_or(format!("{d}: frame {n} before any interface"))?;
                        out.push((n, 0, link, body[4..].to_vec()));
                    }
                    _ => {}
                }
                at += len;
            }
        }
        _ => return Err(format!("{d}: not a pcap or pcapng file")),
    }
    Ok(out)
}

/// The SCTP packets of a capture. `udp_ports` empty: any UDP datagram whose
/// payload is an SCTP packet with a good CRC32c counts (RFC 6951).
pub fn read_packets(path: &Path, udp_ports: &[u16]) -> Result<Vec<Pkt>, String> {
    // No port named: every UDP port (a 65,535-port list before, searched
    // for each datagram), keeping only datagrams whose SCTP CRC32c is right.
    let auto = udp_ports.is_empty();
    let cfg = LinkConfig {
        udp_ports: if auto {
            vec![sctp_codec::link::ANY_UDP_PORT]
        } else {
            udp_ports.to_vec()
        },
    };
    let mut defrag = Defragmenter::new();
    let mut out = Vec::new();
    for (n, t, link, data) in read_frames(path)? {
        let seg = match extract_sctp(link, &data, &cfg, &mut defrag) {
            Ok(Some(s)) => s,
            Ok(None) => continue,
            Err(e) => return Err(format!("{}: frame {n}: {e}", path.display())),
        };
        if matches!(seg.encap, Encapsulation::IcmpError { .. }) || seg.truncated {
            continue;
        }
        let b = seg.sctp.to_vec();
        if b.len() < 12 {
            continue;
        }
        // Found by the search of every UDP port: kept only with a right CRC32c
        // (the check is computed for those datagrams alone).
        if auto
            && matches!(seg.encap, Encapsulation::Udp { .. })
            && checksum::verify(&b, VerifyMode::Crc32c).status != ChecksumStatus::Good
        {
            continue;
        }
        let (sp, dp) = seg.ports();
        out.push(Pkt {
            frame: n,
            t_us: t,
            src: (seg.src, sp),
            dst: (seg.dst, dp),
            bytes: b,
        });
    }
    Ok(out)
}

fn chunk_types(b: &[u8]) -> Vec<u8> {
    PacketView::parse(b, Rules::STANDARD)
        .map(|v| v.chunks().map(|c| c.ty()).collect())
        .unwrap_or_default()
}

/// The associations of a capture, numbered from 1 in order of their first
/// packet.
pub fn associations(pkts: Vec<Pkt>) -> Vec<Assoc> {
    type End = (IpAddr, u16);
    let mut list: Vec<(Assoc, bool, bool)> = Vec::new(); // (assoc, has INIT, ended)
    let mut current: HashMap<(End, End), usize> = HashMap::new();
    for p in pkts {
        let key = if p.src <= p.dst {
            (p.src, p.dst)
        } else {
            (p.dst, p.src)
        };
        let types = chunk_types(&p.bytes);
        let init = types.contains(&ty::INIT);
        let k = match current.get(&key) {
            Some(&k) if !(list[k].2 && init) => k,
            _ => {
                list.push((
                    Assoc {
                        client: p.src,
                        server: p.dst,
                        packets: Vec::new(),
                    },
                    false,
                    false,
                ));
                current.insert(key, list.len() - 1);
                list.len() - 1
            }
        };
        let e = &mut list[k];
        if init && !e.1 {
            e.1 = true;
            e.0.client = p.src;
            e.0.server = p.dst;
        }
        if types.contains(&ty::SHUTDOWN_COMPLETE) || types.contains(&ty::ABORT) {
            e.2 = true;
        }
        e.0.packets.push(p);
    }
    list.into_iter().map(|(a, _, _)| a).collect()
}

/// What a generated script had to relax, listed in its header.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Relaxed {
    /// SACK-only packets of the endpoint's side not expected.
    pub sack_packets: usize,
    /// SACK expectations generated (one per injected DATA packet).
    pub generated_sacks: usize,
    /// SACK chunks bundled with other chunks dropped from an expectation.
    pub bundled_sacks: usize,
    /// Captured packets of several DATA chunks expected as one packet each.
    pub split_bundles: usize,
    /// DATA expectations with TSN and length as wildcards (fragmented messages).
    pub fragmented_data: usize,
    /// Captured chunks left out, with why.
    pub left_out: Vec<String>,
}

/// A message being reassembled from DATA chunks (stream, U bit, PPID, bytes).
#[derive(Debug, Default, Clone)]
struct Msg {
    len: usize,
    sid: u16,
    ppid: u32,
    unordered: bool,
    fragments: usize,
}

fn secs(us: i64) -> String {
    format!("{:.6}", us.max(0) as f64 / 1e6)
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn bytes_list(v: &[u8]) -> String {
    let parts: Vec<String> = v.iter().map(|x| format!("{x:#04x}")).collect();
    format!("[{}]", parts.join(", "))
}

/// A parameter of an injected INIT / INIT ACK: the runner's notation where it
/// keeps the bytes, the bytes themselves otherwise.
fn inject_param(t: u16, v: &[u8]) -> String {
    let s = spec::param_text(t, v);
    if s.starts_with("PARAMETER[") {
        format!(
            "PARAMETER[type={t:#06x}, len={}, val={}]",
            v.len() + 4,
            bytes_list(v)
        )
    } else {
        s
    }
}

/// A chunk of the played side, as injected.
fn inject_chunk(c: &sctp_codec::view::ChunkView<'_>) -> String {
    let v = c.value();
    match c.ty() {
        ty::INIT | ty::INIT_ACK if v.len() >= 16 => {
            let mut s = format!(
                "{}[flgs={}, tag={}, a_rwnd={}, os={}, is={}, tsn={}",
                if c.ty() == ty::INIT {
                    "INIT"
                } else {
                    "INIT_ACK"
                },
                c.flags(),
                be32(v, 0),
                be32(v, 4),
                be16(v, 8),
                be16(v, 10),
                be32(v, 12)
            );
            for (t, _, pv) in spec::tlvs(&v[16..]) {
                s.push_str(", ");
                s.push_str(&inject_param(t, pv));
            }
            s.push(']');
            s
        }
        ty::DATA
        | ty::INIT
        | ty::INIT_ACK
        | ty::SACK
        | ty::SHUTDOWN
        | ty::SHUTDOWN_ACK
        | ty::SHUTDOWN_COMPLETE
        | ty::COOKIE_ACK
        | ty::COOKIE_ECHO
        | ty::ECNE
        | ty::CWR
        | ty::ABORT
        | ty::ERROR => spec::chunk_text(c, &OutMap::default()),
        ty::HEARTBEAT | ty::HEARTBEAT_ACK => {
            let name = if c.ty() == ty::HEARTBEAT {
                "HEARTBEAT"
            } else {
                "HEARTBEAT_ACK"
            };
            if c.ty() == ty::HEARTBEAT_ACK {
                // The runner echoes the endpoint's last HEARTBEAT.
                format!("{name}[flgs={}, HEARTBEAT_INFORMATION[...]]", c.flags())
            } else {
                let info = spec::tlvs(v)
                    .first()
                    .map(|(_, _, iv)| iv.to_vec())
                    .unwrap_or_default();
                format!(
                    "{name}[flgs={}, HEARTBEAT_INFORMATION[len={}, val={}]]",
                    c.flags(),
                    info.len() + 4,
                    bytes_list(&info)
                )
            }
        }
        t => format!(
            "CHUNK[type={t:#04x}, flgs={:#04x}, len={}, val={}]",
            c.flags(),
            c.length(),
            bytes_list(v)
        ),
    }
}

/// A chunk of the endpoint's side, as expected: what the endpoint chooses
/// is `...`.
fn expect_chunk(c: &sctp_codec::view::ChunkView<'_>, fragmented: bool) -> String {
    let v = c.value();
    let f = c.flags();
    match c.ty() {
        ty::INIT | ty::INIT_ACK if v.len() >= 16 => format!(
            "{}[flgs={f}, tag={}, a_rwnd=..., os=..., is=..., tsn={}, ...]",
            if c.ty() == ty::INIT {
                "INIT"
            } else {
                "INIT_ACK"
            },
            be32(v, 0),
            be32(v, 12)
        ),
        ty::DATA if v.len() >= 12 => {
            let flags = spec::chunk_text(c, &OutMap::default());
            let flags = flags
                .split("flgs=")
                .nth(1)
                .and_then(|s| s.split(',').next())
                .unwrap_or("...")
                .to_string();
            if fragmented {
                format!(
                    "DATA[flgs=..., len=..., tsn=..., sid={}, ssn={}, ppid={}]",
                    be16(v, 4),
                    be16(v, 6),
                    be32(v, 8)
                )
            } else {
                format!(
                    "DATA[flgs={flags}, len={}, tsn={}, sid={}, ssn={}, ppid={}]",
                    c.length(),
                    be32(v, 0),
                    be16(v, 4),
                    be16(v, 6),
                    be32(v, 8)
                )
            }
        }
        ty::SACK if v.len() >= 12 => format!(
            "SACK[flgs={f}, cum_tsn={}, a_rwnd=..., gaps=..., dups=...]",
            be32(v, 0)
        ),
        ty::COOKIE_ECHO => format!("COOKIE_ECHO[flgs={f}, len=..., val=...]"),
        ty::HEARTBEAT => format!("HEARTBEAT[flgs={f}, HEARTBEAT_INFORMATION[...]]"),
        ty::HEARTBEAT_ACK => format!("HEARTBEAT_ACK[flgs={f}, HEARTBEAT_INFORMATION[...]]"),
        ty::ABORT => "ABORT[flgs=..., ...]".into(),
        ty::ERROR => format!("ERROR[flgs={f}, ...]"),
        ty::SHUTDOWN
        | ty::SHUTDOWN_ACK
        | ty::SHUTDOWN_COMPLETE
        | ty::COOKIE_ACK
        | ty::ECNE
        | ty::CWR => spec::chunk_text(c, &OutMap::default()),
        t => format!("CHUNK[type={t:#04x}, flgs=..., len=..., val=...]"),
    }
}

/// Writes the script for association `assoc` (1-based) of `path`.
pub fn generate(
    path: &Path,
    assoc: usize,
    play: Play,
    udp_ports: &[u16],
) -> Result<String, String> {
    let pkts = read_packets(path, udp_ports)?;
    let list = associations(pkts);
    if list.is_empty() {
        return Err(format!(
            "{}: no SCTP association in the capture{}",
            path.display(),
            sctp_codec::capture::udp_sctp_hint_line(path)
        ));
    }
    let Some(a) = list.get(assoc.wrapping_sub(1)) else {
        return Err(format!(
            "{}: no association {assoc} (the capture has {})",
            path.display(),
            list.len()
        ));
    };
    Ok(script(a, play, &path.display().to_string(), assoc))
}

/// The script for one association.
pub fn script(a: &Assoc, play: Play, file: &str, assoc: usize) -> String {
    let played = match play {
        Play::Client => a.client,
        Play::Server => a.server,
    };
    let views: Vec<(&Pkt, PacketView<'_>)> = a
        .packets
        .iter()
        .filter_map(|p| {
            PacketView::parse(&p.bytes, Rules::STANDARD)
                .ok()
                .map(|v| (p, v))
        })
        .collect();
    // Does the endpoint's side send first (an INIT before the played side)?
    let first_init_ours = views.iter().find_map(|(p, v)| {
        v.chunks()
            .any(|c| c.ty() == ty::INIT)
            .then_some(p.src != played)
    });
    let ours_connects = views
        .iter()
        .any(|(p, v)| p.src != played && v.chunks().any(|c| c.ty() == ty::INIT));
    let active = ours_connects || first_init_ours == Some(true);
    // Our side's streams, from its INIT / INIT ACK.
    let mut our_os = None;
    let mut our_is = None;
    // Which of our messages were fragmented (per stream and SSN, U bit).
    let mut our_frag: HashMap<(u16, u16, bool), bool> = HashMap::new();
    for (p, v) in &views {
        for c in v.chunks() {
            let val = c.value();
            if p.src == played {
                continue;
            }
            if (c.ty() == ty::INIT || c.ty() == ty::INIT_ACK) && val.len() >= 16 {
                our_os = Some(be16(val, 8));
                our_is = Some(be16(val, 10));
            }
            if c.ty() == ty::DATA && val.len() >= 12 && c.flags() & 3 != 3 {
                our_frag.insert((be16(val, 4), be16(val, 6), c.flags() & 4 != 0), true);
            }
        }
    }

    let mut body = String::new();
    let mut relaxed = Relaxed::default();
    let mut last_t = a.packets.first().map_or(0, |p| p.t_us);
    let fd_listen = 3;
    let fd = if active { 3 } else { 4 };
    let mut accepted = active;
    let mut pending_reads: Vec<Msg> = Vec::new();
    let mut rx: HashMap<(u16, bool), Msg> = HashMap::new();
    let mut shut_called = false;
    let mut cookie_acks_to_skip = 0usize;
    // The played side's TSNs received and the cumulative ack they give.
    let mut got_tsns: std::collections::BTreeSet<u32> = Default::default();
    let mut cum: Option<u32> = None;

    let _ = writeln!(body, "0.000000 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3");
    if our_os.is_some() || our_is.is_some() {
        let _ = writeln!(
            body,
            "+0.000000 setsockopt(3, IPPROTO_SCTP, SCTP_INITMSG, {{sinit_num_ostreams={}, sinit_max_instreams={}, sinit_max_attempts=0, sinit_max_init_timeo=0}}, 8) = 0",
            our_os.unwrap_or(10),
            our_is.unwrap_or(10)
        );
    }
    // Every DATA packet acknowledged at once, alone: the SACK expectations
    // below follow from that, not from how the captured stack bundled them.
    let _ = writeln!(
        body,
        "+0.000000 setsockopt(3, IPPROTO_SCTP, SCTP_DELAYED_SACK, {{sack_assoc_id=0, sack_delay=1, sack_freq=1}}, 12) = 0"
    );
    let _ = writeln!(body, "+0.000000 bind(3, ..., ...) = 0");
    if active {
        let _ = writeln!(body, "+0.000000 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0");
        let _ = writeln!(body, "+0.000000 connect(3, ..., ...) = -1 EINPROGRESS");
    } else {
        let _ = writeln!(body, "+0.000000 listen({fd_listen}, 1) = 0");
    }

    let read_line = |m: &Msg| {
        format!(
            "+0.000000 sctp_recvmsg({fd}, ..., {}, ..., ..., {{sinfo_stream={}, sinfo_ssn=..., sinfo_flags={}, sinfo_ppid=htonl({}), sinfo_context=..., sinfo_timetolive=..., sinfo_tsn=..., sinfo_cumtsn=..., sinfo_assoc_id=...}}, [MSG_EOR]) = {}",
            m.len.max(1),
            m.sid,
            if m.unordered { "SCTP_UNORDERED" } else { "0" },
            m.ppid,
            m.len
        )
    };

    for (p, v) in &views {
        let ours = p.src != played;
        let chunks: Vec<_> = v.chunks().collect();
        let dt = p.t_us - last_t;
        if !ours {
            let mut line: Vec<String> = Vec::new();
            for c in &chunks {
                if c.ty() == ty::COOKIE_ECHO && active {
                    // The runner keeps the endpoint's State Cookie only when
                    // it is passive: this COOKIE_ECHO cannot carry it.
                    relaxed.left_out.push(format!(
                        "frame {}: the played side's COOKIE_ECHO (the endpoint connects, and the runner keeps its State Cookie only when it listens)",
                        p.frame
                    ));
                    cookie_acks_to_skip += 1;
                    continue;
                }
                line.push(inject_chunk(c));
            }
            if line.is_empty() {
                let _ = writeln!(body, "// frame {}: nothing left to inject", p.frame);
                continue;
            }
            let _ = writeln!(
                body,
                "+{} < sctp: {} // frame {}",
                secs(dt),
                line.join("; "),
                p.frame
            );
            last_t = p.t_us;
            // Messages this packet completes.
            let mut has_data = false;
            for c in &chunks {
                let val = c.value();
                if (c.ty() == ty::INIT || c.ty() == ty::INIT_ACK) && val.len() >= 16 {
                    cum = Some(be32(val, 12).wrapping_sub(1));
                }
                if c.ty() != ty::DATA || val.len() < 12 {
                    continue;
                }
                has_data = true;
                got_tsns.insert(be32(val, 0));
                let u = c.flags() & 4 != 0;
                let key = (be16(val, 4), u);
                let m = rx.entry(key).or_default();
                if c.flags() & 2 != 0 {
                    *m = Msg {
                        sid: be16(val, 4),
                        ppid: be32(val, 8),
                        unordered: u,
                        ..Msg::default()
                    };
                }
                m.len += val.len() - 12;
                m.fragments += 1;
                if c.flags() & 1 != 0 {
                    pending_reads.push(rx.remove(&key).expect("entry"));
                }
            }
            if has_data {
                if let Some(c) = cum.as_mut() {
                    while got_tsns.remove(&c.wrapping_add(1)) {
                        *c = c.wrapping_add(1);
                    }
                    relaxed.generated_sacks += 1;
                    let _ = writeln!(
                        body,
                        "* > sctp: SACK[flgs=0, cum_tsn={c}, a_rwnd=..., gaps=..., dups=...]"
                    );
                }
            }
            if accepted {
                for m in pending_reads.drain(..) {
                    let _ = writeln!(body, "{}", read_line(&m));
                }
            }
            continue;
        }
        // Our side: calls that make the endpoint send this, then the
        // expectation.
        for c in &chunks {
            if c.ty() == ty::ABORT {
                relaxed.left_out.push(format!(
                    "frame {}: our side's ABORT (the runner has no call that makes the endpoint abort here)",
                    p.frame
                ));
            }
        }
        let sacks = chunks.iter().filter(|c| c.ty() == ty::SACK).count();
        let mut skip_cookie_ack = chunks
            .iter()
            .filter(|c| c.ty() == ty::COOKIE_ACK)
            .count()
            .min(cookie_acks_to_skip);
        cookie_acks_to_skip -= skip_cookie_ack;
        if skip_cookie_ack > 0 {
            relaxed.left_out.push(format!(
                "frame {}: our side's COOKIE_ACK answering that COOKIE_ECHO",
                p.frame
            ));
        }
        let wanted: Vec<_> = chunks
            .iter()
            .filter(|c| {
                if c.ty() == ty::COOKIE_ACK && skip_cookie_ack > 0 {
                    skip_cookie_ack -= 1;
                    return false;
                }
                c.ty() != ty::SACK && c.ty() != ty::ABORT
            })
            .collect();
        // Several DATA chunks: the endpoint sends each message when it is
        // written, so each is expected in a packet of its own.
        let n_data = wanted.iter().filter(|c| c.ty() == ty::DATA).count();
        let mut groups: Vec<Vec<&sctp_codec::view::ChunkView<'_>>> = Vec::new();
        if n_data > 1 {
            relaxed.split_bundles += 1;
            let other: Vec<_> = wanted
                .iter()
                .copied()
                .filter(|c| c.ty() != ty::DATA)
                .collect();
            if !other.is_empty() {
                groups.push(other);
            }
            for c in wanted.iter().copied().filter(|c| c.ty() == ty::DATA) {
                groups.push(vec![c]);
            }
        } else if !wanted.is_empty() {
            groups.push(wanted.clone());
        }
        if groups.is_empty() {
            if sacks > 0 {
                relaxed.sack_packets += 1;
                let _ = writeln!(
                    body,
                    "// frame {}: > {} (not expected: the endpoint's SACK policy decides)",
                    p.frame,
                    chunks
                        .iter()
                        .map(|c| expect_chunk(c, false))
                        .collect::<Vec<_>>()
                        .join("; ")
                );
            }
            continue;
        }
        relaxed.bundled_sacks += sacks;
        for g in groups {
            for c in &g {
                let val = c.value();
                if c.ty() == ty::DATA && val.len() >= 12 && c.flags() & 2 != 0 {
                    // A message starts: its length is the sum of its fragments.
                    let (sid, ssn, u) = (be16(val, 4), be16(val, 6), c.flags() & 4 != 0);
                    let len: usize = message_len(&views, played, sid, ssn, u, be32(val, 0));
                    let _ = writeln!(
                        body,
                        "+0.000000 sctp_sendmsg({fd}, ..., {len}, ..., ..., htonl({}), {}, {sid}, 0, 0) = {len}",
                        be32(val, 8),
                        if u { "SCTP_UNORDERED" } else { "0" }
                    );
                }
                if c.ty() == ty::SHUTDOWN && !shut_called {
                    shut_called = true;
                    let _ = writeln!(body, "+0.000000 shutdown({fd}, SHUT_WR) = 0");
                }
            }
            let kept: Vec<String> = g
                .iter()
                .map(|c| {
                    let val = c.value();
                    let frag = c.ty() == ty::DATA
                        && val.len() >= 12
                        && our_frag
                            .get(&(be16(val, 4), be16(val, 6), c.flags() & 4 != 0))
                            .copied()
                            .unwrap_or(false);
                    if frag {
                        relaxed.fragmented_data += 1;
                    }
                    expect_chunk(c, frag)
                })
                .collect();
            let _ = writeln!(body, "* > sctp: {} // frame {}", kept.join("; "), p.frame);
        }
        last_t = p.t_us;
        if !accepted && chunks.iter().any(|c| c.ty() == ty::COOKIE_ACK) {
            accepted = true;
            let _ = writeln!(body, "+0.000000 accept({fd_listen}, ..., ...) = {fd}");
            for m in pending_reads.drain(..) {
                let _ = writeln!(body, "{}", read_line(&m));
            }
        }
    }
    let _ = last_t;

    let mut head = String::new();
    let role = |p: Play| match p {
        Play::Client => "client",
        Play::Server => "server",
    };
    let _ = writeln!(
        head,
        "// sctp-replay to-script {file} --assoc {assoc} --play {}",
        role(play)
    );
    let (them, us) = match play {
        Play::Client => (a.client, a.server),
        Play::Server => (a.server, a.client),
    };
    let _ = writeln!(
        head,
        "// '<' lines: the capture's {} {}:{}; '>' lines: what the endpoint, in the role of {}:{} ({}), must send.",
        role(play),
        them.0,
        them.1,
        us.0,
        us.1,
        if active { "connecting" } else { "listening" }
    );
    let _ = writeln!(
        head,
        "// Relaxed (the endpoint may legitimately differ from the captured stack):"
    );
    let _ = writeln!(
        head,
        "//   every '>' line at any time (*): SACK delays and timers are the endpoint's;"
    );
    let _ = writeln!(
        head,
        "//   SACKs: the endpoint acknowledges every DATA packet at once (SCTP_DELAYED_SACK sack_freq=1), so one SACK is expected after each injected DATA packet ({} here, cum_tsn checked); the captured side's {} SACK-only packets and {} SACK chunks bundled with other chunks are not expected;",
        relaxed.generated_sacks, relaxed.sack_packets, relaxed.bundled_sacks
    );
    let _ = writeln!(
        head,
        "//   {} DATA chunks of fragmented messages with TSN, length and flags as wildcards: the fragment size is the endpoint's;",
        relaxed.fragmented_data
    );
    let _ = writeln!(
        head,
        "//   {} captured packets of several DATA chunks expected as one packet per DATA: each message is written when the packet carrying it was sent, and the endpoint sends it at once;",
        relaxed.split_bundles
    );
    let _ = writeln!(
        head,
        "//   a_rwnd, State Cookie, heartbeat info and INIT parameters of the endpoint: wildcards."
    );
    for l in &relaxed.left_out {
        let _ = writeln!(head, "// Left out: {l}");
    }
    head.push_str(&body);
    head
}

/// The length of the message of the endpoint's side that starts at `tsn`.
fn message_len(
    views: &[(&Pkt, PacketView<'_>)],
    played: (IpAddr, u16),
    sid: u16,
    ssn: u16,
    u: bool,
    first_tsn: u32,
) -> usize {
    let mut len = 0;
    let mut tsn = first_tsn;
    let mut seen = std::collections::HashSet::new();
    loop {
        let mut found = false;
        for (p, v) in views {
            if p.src == played {
                continue;
            }
            for c in v.chunks() {
                let val = c.value();
                if c.ty() == ty::DATA
                    && val.len() >= 12
                    && be32(val, 0) == tsn
                    && be16(val, 4) == sid
                    && be16(val, 6) == ssn
                    && (c.flags() & 4 != 0) == u
                    && seen.insert(tsn)
                {
                    len += val.len() - 12;
                    found = true;
                    if c.flags() & 1 != 0 {
                        return len;
                    }
                }
            }
        }
        if !found {
            return len;
        }
        tsn = tsn.wrapping_add(1);
    }
}

/// `sctp-replay to-script ...`.
pub fn main(args: impl Iterator<Item = String>) -> ExitCode {
    let mut file = None;
    let mut assoc = 1usize;
    let mut play = None;
    let mut ports = Vec::new();
    let mut out = None;
    let mut args = args.peekable();
    while let Some(a) = args.next() {
        let mut value = |name: &str| match args.next() {
            Some(v) => Ok(v),
            None => Err(format!("{name} needs a value")),
        };
        let r: Result<(), String> = match a.as_str() {
            "--assoc" => value("--assoc").and_then(|v| {
                v.parse()
                    .ok()
                    .filter(|n| *n >= 1)
                    .map(|n| assoc = n)
                    .ok_or(format!("--assoc takes a number from 1, not {v}"))
            }),
            "--play" => value("--play").and_then(|v| match v.as_str() {
                "client" => {
                    play = Some(Play::Client);
                    Ok(())
                }
                "server" => {
                    play = Some(Play::Server);
                    Ok(())
                }
                _ => Err(format!("--play takes client or server, not {v}")),
            }),
            "--udp-port" => value("--udp-port").and_then(|v| {
                v.parse()
                    .map(|p| ports.push(p))
                    .map_err(|_| format!("bad --udp-port {v}"))
            }),
            "-o" | "--output" => value("-o").map(|v| out = Some(v)),
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ if a.starts_with('-') => Err(format!("unknown option {a}")),
            _ if file.is_none() => {
                file = Some(a);
                Ok(())
            }
            _ => Err(format!("one capture only ({a})")),
        };
        if let Err(e) = r {
            eprintln!("sctp-replay to-script: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    let (Some(file), Some(play)) = (file, play) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if let Some(o) = &out {
        if let Err(e) = sctp_codec::capture::refuse_same_file(Path::new(o), Path::new(&file)) {
            eprintln!("sctp-replay to-script: {e}");
            return ExitCode::from(2);
        }
    }
    match generate(Path::new(&file), assoc, play, &ports) {
        Ok(s) => {
            if let Some(o) = out {
                if let Err(e) = std::fs::write(&o, s) {
                    eprintln!("sctp-replay to-script: {o}: {e}");
                    return ExitCode::from(2);
                }
            } else {
                print!("{s}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sctp-replay to-script: {e}");
            ExitCode::from(2)
        }
    }
}
