//! `sctp-replay raw`: re-sends a capture's SCTP packets as they are, as
//! the payload of UDP datagrams (`udp:HOST:PORT`, RFC 6951 style), of IP
//! packets of protocol 132 (`raw:HOST`, the kernel writing the IP header),
//! or as whole frames onto a network interface (`iface:NAME`, like
//! `tcpreplay -i`: Ethernet frames as captured, other link types behind an
//! Ethernet header built from the interface's address), with ports and the
//! addresses of INIT / INIT ACK address parameters (and, onto an
//! interface, of the IP header) rewritten on request and the CRC32c (RFC
//! 9260 Appendix A) recomputed.
//!
//! Onto an interface the frames go through an `AF_PACKET` socket bound to
//! it, in `sendmmsg` batches like the other targets: `pnet`'s datalink
//! sender would make one `sendto` per frame (`--batch 1` measures that way;
//! README, "Raw replay").
//!
//! The capture is read once into one buffer and rewritten there; sending
//! then hands the kernel batches of up to [`BATCH`] packets per `sendmmsg`
//! call, from I/O vectors built once: nothing is allocated per packet. At
//! top speed over UDP, each run of equal-sized packets (the last may be
//! shorter) goes as one `sendmsg` with UDP generic segmentation offload
//! (`UDP_SEGMENT`, Linux 4.18), which the kernel cuts back into the same
//! datagrams: one trip down the stack per run instead of per packet.

use std::io::{IoSlice, IsTerminal, Write};
use std::net::{IpAddr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::os::fd::{AsRawFd, RawFd};
use std::path::Path;
use std::time::{Duration, Instant};

use nix::sys::socket::{sendmmsg, ControlMessage, LinkAddr, MsgFlags, MultiHeaders};
use sctp_codec::checksum::crc32c_field;
use sctp_codec::chunk::ty;
use sctp_codec::link::{extract_sctp, linktype, Defragmenter, Encapsulation, LinkConfig};
use sctp_codec::{PacketView, Rules};

use crate::list::{open, ListError};

/// Packets per `sendmmsg` call.
pub const BATCH: usize = 64;

/// Where the packets go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Each SCTP packet as one UDP datagram's payload (RFC 6951).
    Udp(SocketAddr),
    /// Each SCTP packet as an IP packet's payload, protocol 132 (RFC 9260
    /// 1.1; needs CAP_NET_RAW).
    Raw(IpAddr),
    /// Each captured frame onto this network interface, at the datalink
    /// level (needs CAP_NET_RAW).
    Iface(String),
}

impl std::str::FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if let Some(rest) = s.strip_prefix("udp:") {
            let addr = rest
                .to_socket_addrs()
                .map_err(|e| format!("--to {s}: {e}"))?
                .next()
                .ok_or_else(|| format!("--to {s}: no address"))?;
            return Ok(Target::Udp(addr));
        }
        if let Some(rest) = s.strip_prefix("raw:") {
            let host = rest.trim_start_matches('[').trim_end_matches(']');
            let addr = match host.parse::<IpAddr>() {
                Ok(a) => a,
                Err(_) => (host, 0)
                    .to_socket_addrs()
                    .map_err(|e| format!("--to {s}: {e}"))?
                    .next()
                    .ok_or_else(|| format!("--to {s}: no address"))?
                    .ip(),
            };
            return Ok(Target::Raw(addr));
        }
        if let Some(name) = s.strip_prefix("iface:") {
            if name.is_empty() || name.len() > 15 || name.contains('/') {
                return Err(format!("--to {s}: not an interface name"));
            }
            return Ok(Target::Iface(name.to_string()));
        }
        Err(format!(
            "--to {s}: expected udp:HOST:PORT, raw:HOST or iface:NAME"
        ))
    }
}

/// How fast to send.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Timing {
    /// The capture's own gaps.
    AsIs,
    /// The capture's gaps divided by this factor (`2x`: twice as fast).
    Speed(f64),
    /// As fast as the kernel takes them.
    Top,
}

impl std::str::FromStr for Timing {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "asis" => Ok(Timing::AsIs),
            "top" => Ok(Timing::Top),
            _ => {
                let n = s
                    .strip_suffix('x')
                    .and_then(|n| n.parse::<f64>().ok())
                    .filter(|n| n.is_finite() && *n > 0.0)
                    .ok_or_else(|| {
                        format!("--timing {s}: expected asis, top or a factor like 2x or 0.5x")
                    })?;
                Ok(Timing::Speed(n))
            }
        }
    }
}

/// What `raw` does.
#[derive(Debug, Clone)]
pub struct RawOptions {
    pub target: Target,
    /// Addresses in INIT / INIT ACK address parameters, rewritten (same family).
    pub rewrite_addr: Vec<(IpAddr, IpAddr)>,
    /// SCTP source and destination ports, rewritten.
    pub rewrite_port: Vec<(u16, u16)>,
    pub timing: Timing,
    /// How many times to send the capture (at least 1).
    pub loops: u64,
    /// Draw a progress bar on standard error.
    pub progress: bool,
    /// Packets per `sendmmsg` call (1 to [`BATCH`]).
    pub batch: usize,
    /// Destination MAC of the Ethernet headers built for frames of other
    /// link types (`iface:`); the broadcast address when None.
    pub dst_mac: Option<[u8; 6]>,
    /// UDP ports besides 9899 that carry SCTP (RFC 6951), as `list` and
    /// `live` take them.
    pub udp_ports: Vec<u16>,
}

/// A capture's SCTP packets, rewritten, in one buffer.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The packets, back to back.
    pub arena: Vec<u8>,
    /// Where each packet is in `arena`.
    pub spans: Vec<(usize, usize)>,
    /// Each packet's capture time, seconds from the first.
    pub times: Vec<f64>,
    /// Frames read.
    pub frames: u64,
    /// SCTP packets left out: quoted by ICMP errors, cut short by the
    /// capture, shorter than the common header, or (onto an interface)
    /// reassembled from IP fragments.
    pub skipped: u64,
}

impl Loaded {
    /// The `i`th packet.
    pub fn packet(&self, i: usize) -> &[u8] {
        let (a, b) = self.spans[i];
        &self.arena[a..b]
    }
}

/// Rewrites ports and INIT / INIT ACK address parameters of one packet in
/// place, then writes its CRC32c.
pub fn rewrite(p: &mut [u8], ports: &[(u16, u16)], addrs: &[(IpAddr, IpAddr)]) {
    for at in [0, 2] {
        let port = u16::from_be_bytes([p[at], p[at + 1]]);
        if let Some((_, new)) = ports.iter().find(|(old, _)| *old == port) {
            p[at..at + 2].copy_from_slice(&new.to_be_bytes());
        }
    }
    if !addrs.is_empty() {
        // Where each address parameter's value is: found on a view, written after.
        let mut places: [(usize, u16); 16] = [(0, 0); 16];
        let mut n = 0;
        if let Ok(v) = PacketView::parse(p, Rules::STANDARD) {
            for c in v.chunks() {
                if !matches!(c.ty(), ty::INIT | ty::INIT_ACK) {
                    continue;
                }
                let base = p.as_ptr() as usize;
                for t in c.tlvs() {
                    if matches!(t.ty(), 5 | 6) && n < places.len() {
                        places[n] = (t.value().as_ptr() as usize - base, t.ty());
                        n += 1;
                    }
                }
            }
        }
        for &(at, t) in &places[..n] {
            let len = if t == 5 { 4 } else { 16 };
            let Some(field) = p.get_mut(at..at + len) else {
                continue;
            };
            for (old, new) in addrs {
                match (old, new) {
                    (IpAddr::V4(o), IpAddr::V4(nw)) if field == o.octets() => {
                        field.copy_from_slice(&nw.octets());
                        break;
                    }
                    (IpAddr::V6(o), IpAddr::V6(nw)) if field == o.octets() => {
                        field.copy_from_slice(&nw.octets());
                        break;
                    }
                    _ => {}
                }
            }
        }
    }
    let crc = crc32c_field(p);
    p[8..12].copy_from_slice(&crc.to_be_bytes());
}

/// Reads the capture's SCTP packets (native and UDP-encapsulated) and
/// rewrites them as `opts` asks.
pub fn load(path: &Path, opts: &RawOptions) -> Result<Loaded, ListError> {
    if let Target::Iface(name) = &opts.target {
        let (_, mac) = interface(name).map_err(ListError)?;
        return load_frames(path, opts, mac);
    }
    let mut reader = open(path)?;
    let cfg = LinkConfig::with_extra_udp_ports(&opts.udp_ports);
    let mut defrag = Defragmenter::default();
    let mut out = Loaded::default();
    let mut t0 = None;
    while let Some(frame) = reader.next_frame() {
        let frame = frame.map_err(|e| ListError(format!("{}: {e}", path.display())))?;
        out.frames += 1;
        let Ok(Some(seg)) = extract_sctp(frame.link_type, frame.data, &cfg, &mut defrag) else {
            continue;
        };
        if matches!(seg.encap, Encapsulation::IcmpError { .. })
            || seg.truncated
            || seg.sctp.len() < 12
        {
            out.skipped += 1;
            continue;
        }
        let ts = frame.ts_sec as f64 + f64::from(frame.ts_nsec) / 1e9;
        let t0 = *t0.get_or_insert(ts);
        let start = out.arena.len();
        out.arena.extend_from_slice(&seg.sctp);
        let end = out.arena.len();
        rewrite(
            &mut out.arena[start..end],
            &opts.rewrite_port,
            &opts.rewrite_addr,
        );
        out.spans.push((start, end));
        out.times.push((ts - t0).max(0.0));
    }
    Ok(out)
}

/// The link-layer address of interface `name` (from `getifaddrs`: its
/// index for binding a packet socket) and its MAC address.
fn interface(name: &str) -> Result<(LinkAddr, [u8; 6]), String> {
    let addrs = nix::ifaddrs::getifaddrs().map_err(|e| format!("iface:{name}: {e}"))?;
    for a in addrs {
        if a.interface_name != name {
            continue;
        }
        if let Some(l) = a.address.as_ref().and_then(|s| s.as_link_addr()) {
            return Ok((*l, l.addr().unwrap_or([0; 6])));
        }
    }
    Err(format!("iface:{name}: no such network interface"))
}

/// Where the IP header starts in a frame of `link` (LINKTYPE_ value), if
/// the link type is one the codec reads (`linktype::SUPPORTED`).
fn ip_offset(link: u32, frame: &[u8]) -> Option<usize> {
    match link {
        linktype::ETHERNET => {
            let mut at = 12;
            // 802.1Q and 802.1ad tags.
            while matches!(
                frame.get(at..at + 2),
                Some([0x81, 0x00]) | Some([0x88, 0xa8])
            ) {
                at += 4;
            }
            (at + 2 <= frame.len()).then_some(at + 2)
        }
        linktype::RAW | linktype::DLT_RAW_12 | linktype::DLT_RAW_14 => Some(0),
        linktype::IPV4 | linktype::IPV6 => Some(0),
        linktype::NULL | linktype::LOOP => Some(4),
        linktype::LINUX_SLL => Some(16),
        linktype::LINUX_SLL2 => Some(20),
        _ => None,
    }
}

/// The Internet checksum (RFC 1071) of `data` added to `acc`, folded.
fn inet_sum(data: &[u8], mut acc: u32) -> u32 {
    for c in data.chunks(2) {
        acc += u32::from(c[0]) << 8 | u32::from(c.get(1).copied().unwrap_or(0));
    }
    while acc >> 16 != 0 {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc
}

/// Rewrites the IP header's addresses of the frame `f` (IP header at `ip`)
/// as `addrs` says and fixes its checksum (RFC 791 3.1), then the UDP
/// checksum (RFC 768; RFC 8200 8.1) of a UDP-encapsulated SCTP packet
/// (RFC 6951) at `sctp` (a zero IPv4 UDP checksum, none, stays zero).
fn rewrite_ip(f: &mut [u8], ip: usize, sctp: usize, udp: bool, addrs: &[(IpAddr, IpAddr)]) {
    let v6 = f.get(ip).is_some_and(|b| b >> 4 == 6);
    let (alen, src_at, hdr) = if v6 {
        (16, ip + 8, 40)
    } else {
        (4, ip + 12, usize::from(f.get(ip).map_or(5, |b| b & 15)) * 4)
    };
    if f.len() < ip + hdr || f.len() < src_at + 2 * alen {
        return;
    }
    let mut changed = false;
    for at in [src_at, src_at + alen] {
        let field = &mut f[at..at + alen];
        for (old, new) in addrs {
            let (o, n) = match (old, new) {
                (IpAddr::V4(o), IpAddr::V4(n)) if !v6 => (o.octets().to_vec(), n.octets().to_vec()),
                (IpAddr::V6(o), IpAddr::V6(n)) if v6 => (o.octets().to_vec(), n.octets().to_vec()),
                _ => continue,
            };
            if field == &o[..] {
                field.copy_from_slice(&n);
                changed = true;
                break;
            }
        }
    }
    if changed && !v6 {
        f[ip + 10..ip + 12].fill(0);
        let c = !(inet_sum(&f[ip..ip + hdr], 0) as u16);
        f[ip + 10..ip + 12].copy_from_slice(&c.to_be_bytes());
    }
    if !udp || sctp < 8 || sctp - 8 < ip + hdr.min(40) {
        return;
    }
    let u = sctp - 8;
    let ulen = usize::from(u16::from_be_bytes([f[u + 4], f[u + 5]]));
    if (!v6 && f[u + 6..u + 8] == [0, 0]) || ulen < 8 || u + ulen > f.len() {
        return;
    }
    f[u + 6..u + 8].fill(0);
    let pseudo = inet_sum(&f[src_at..src_at + 2 * alen], 17 + ulen as u32);
    let c = match !(inet_sum(&f[u..u + ulen], pseudo) as u16) {
        0 => 0xffff,
        c => c,
    };
    f[u + 6..u + 8].copy_from_slice(&c.to_be_bytes());
}

/// Onto an interface: the capture's frames that carry an SCTP packet, each
/// whole, rewritten in place (ports, INIT / INIT ACK addresses, IP header
/// addresses, CRC32c and UDP checksum); frames of other link types behind
/// an Ethernet II header from `src_mac` to `opts.dst_mac`.
fn load_frames(path: &Path, opts: &RawOptions, src_mac: [u8; 6]) -> Result<Loaded, ListError> {
    let mut reader = open(path)?;
    let cfg = LinkConfig::with_extra_udp_ports(&opts.udp_ports);
    let mut defrag = Defragmenter::default();
    let mut out = Loaded::default();
    let mut t0 = None;
    while let Some(frame) = reader.next_frame() {
        let frame = frame.map_err(|e| ListError(format!("{}: {e}", path.display())))?;
        out.frames += 1;
        let Ok(Some(seg)) = extract_sctp(frame.link_type, frame.data, &cfg, &mut defrag) else {
            continue;
        };
        let (Some(at), Some(ip)) = (seg.offset_in_frame, ip_offset(frame.link_type, frame.data))
        else {
            out.skipped += 1;
            continue;
        };
        if matches!(seg.encap, Encapsulation::IcmpError { .. })
            || seg.truncated
            || seg.sctp.len() < 12
            || ip > at
        {
            out.skipped += 1;
            continue;
        }
        let sctp_len = seg.sctp.len();
        let udp = matches!(seg.encap, Encapsulation::Udp { .. });
        let ts = frame.ts_sec as f64 + f64::from(frame.ts_nsec) / 1e9;
        let t0 = *t0.get_or_insert(ts);
        let start = out.arena.len();
        let (ip_at, sctp_at) = if frame.link_type == linktype::ETHERNET {
            out.arena.extend_from_slice(frame.data);
            (start + ip, start + at)
        } else {
            out.arena
                .extend_from_slice(&opts.dst_mac.unwrap_or([0xff; 6]));
            out.arena.extend_from_slice(&src_mac);
            let v6 = frame.data.get(ip).is_some_and(|b| b >> 4 == 6);
            out.arena
                .extend_from_slice(if v6 { &[0x86, 0xdd] } else { &[0x08, 0x00] });
            out.arena.extend_from_slice(&frame.data[ip..]);
            (start + 14, start + 14 + (at - ip))
        };
        let end = out.arena.len();
        rewrite(
            &mut out.arena[sctp_at..sctp_at + sctp_len],
            &opts.rewrite_port,
            &opts.rewrite_addr,
        );
        rewrite_ip(
            &mut out.arena[start..end],
            ip_at - start,
            sctp_at - start,
            udp,
            &opts.rewrite_addr,
        );
        out.spans.push((start, end));
        out.times.push((ts - t0).max(0.0));
    }
    Ok(out)
}

/// What a run sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sent {
    pub packets: u64,
    pub bytes: u64,
    pub elapsed: Duration,
    /// Sends refused by the destination (ICMP port or protocol unreachable).
    pub refused: u64,
    /// Frames longer than the interface's MTU allows, not sent (`iface:`).
    pub too_long: u64,
    /// System calls that sent packets.
    pub calls: u64,
    /// Runs of equal-sized packets went out as UDP GSO sends.
    pub gso: bool,
}

impl Sent {
    /// `N packets, B bytes in T s: P pps, M Mbit/s`.
    pub fn line(&self) -> String {
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        let mut s = format!(
            "{} packets, {} bytes in {:.3} s: {:.0} pps, {:.1} Mbit/s",
            self.packets,
            self.bytes,
            secs,
            self.packets as f64 / secs,
            self.bytes as f64 * 8.0 / secs / 1e6
        );
        if self.gso {
            s.push_str(&format!(
                " in {} sends (runs of one size as UDP GSO)",
                self.calls
            ));
        }
        if self.too_long > 0 {
            s.push_str(&format!(
                " ({} frames longer than the interface's MTU left out)",
                self.too_long
            ));
        }
        if self.refused > 0 {
            s.push_str(&format!(
                " ({} sends refused by the destination)",
                self.refused
            ));
        }
        s
    }
}

/// The socket packets are sent through.
enum Sock {
    Udp(UdpSocket),
    Raw(socket2::Socket),
}

impl Sock {
    fn open(t: &Target) -> Result<Sock, String> {
        match *t {
            Target::Udp(addr) => {
                let local: SocketAddr = match addr {
                    SocketAddr::V4(_) => "0.0.0.0:0".parse().expect("literal"),
                    SocketAddr::V6(_) => "[::]:0".parse().expect("literal"),
                };
                let s = UdpSocket::bind(local).map_err(|e| format!("UDP socket: {e}"))?;
                s.connect(addr)
                    .map_err(|e| format!("udp:{addr}: cannot connect: {e}"))?;
                Ok(Sock::Udp(s))
            }
            Target::Raw(ip) => {
                use socket2::{Domain, Protocol, Socket, Type};
                let domain = if ip.is_ipv4() {
                    Domain::IPV4
                } else {
                    Domain::IPV6
                };
                let s = Socket::new(domain, Type::RAW, Some(Protocol::from(132))).map_err(|e| {
                    format!("raw IP socket (protocol 132): {e} (raw: needs root or CAP_NET_RAW)")
                })?;
                s.connect(&SocketAddr::new(ip, 0).into())
                    .map_err(|e| format!("raw:{ip}: cannot connect: {e}"))?;
                Ok(Sock::Raw(s))
            }
            Target::Iface(ref name) => {
                use socket2::{Domain, Socket, Type};
                let (link, _) = interface(name)?;
                // Protocol 0: the socket receives nothing; what it sends
                // goes out as written, its protocol read from the frame.
                let s = Socket::new(Domain::PACKET, Type::RAW, None).map_err(|e| {
                    format!("packet socket: {e} (iface: needs root or CAP_NET_RAW)")
                })?;
                nix::sys::socket::bind(s.as_raw_fd(), &link)
                    .map_err(|e| format!("iface:{name}: cannot bind: {e}"))?;
                Ok(Sock::Raw(s))
            }
        }
    }
    fn fd(&self) -> RawFd {
        match self {
            Sock::Udp(s) => s.as_raw_fd(),
            Sock::Raw(s) => s.as_raw_fd(),
        }
    }
}

/// A progress bar on standard error, redrawn at most ten times a second.
struct Progress {
    on: bool,
    total: u64,
    last: Instant,
}

impl Progress {
    fn show(&mut self, done: u64, start: Instant, now: Instant) {
        if !self.on || now.duration_since(self.last) < Duration::from_millis(100) {
            return;
        }
        self.last = now;
        let frac = if self.total == 0 {
            1.0
        } else {
            done as f64 / self.total as f64
        };
        let width = 30;
        let filled = ((frac * width as f64) as usize).min(width);
        let secs = now.duration_since(start).as_secs_f64().max(1e-9);
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r[{}{}] {:5.1}% {}/{} packets, {:.0} pps ",
            "#".repeat(filled),
            " ".repeat(width - filled),
            frac * 100.0,
            done,
            self.total,
            done as f64 / secs
        );
        let _ = err.flush();
    }
    fn clear(&self) {
        if self.on {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{}\r", " ".repeat(90));
            let _ = err.flush();
        }
    }
}

/// Most datagrams one UDP GSO send may carry (the kernel's UDP_MAX_SEGMENTS
/// is 64 before Linux 6.9 and 128 after).
const GSO_SEGMENTS: usize = 64;

/// Groups for UDP generic segmentation offload (`UDP_SEGMENT`, Linux 4.18):
/// runs of consecutive packets of one size, the last of a run possibly
/// shorter, at most [`GSO_SEGMENTS`] and 65,000 bytes in all, back to back
/// in the arena (so one I/O vector carries a group). Each group is (first
/// packet, end, segment size).
fn gso_groups(l: &Loaded) -> Vec<(usize, usize, u16)> {
    let len = |i: usize| l.spans[i].1 - l.spans[i].0;
    let mut out = Vec::new();
    let mut i = 0;
    let n = l.spans.len();
    while i < n {
        let size = len(i);
        let mut j = i + 1;
        let mut total = size;
        while j < n
            && j - i < GSO_SEGMENTS
            && total + len(j) <= 65_000
            && len(j) <= size
            && l.spans[j].0 == l.spans[j - 1].1
        {
            total += len(j);
            j += 1;
            if len(j - 1) < size {
                break;
            }
        }
        out.push((i, j, size as u16));
        i = j;
    }
    out
}

/// How many groups from `g` one `sendmmsg` call can carry, and the segment
/// size its one `UDP_SEGMENT` control message gives (None: single packets
/// only, sent without it). `sendmmsg` gives every message of a call the
/// same control messages, and the kernel sends a message no longer than
/// the segment size as one plain datagram: a call carries groups of one
/// segment size and single packets no longer than it.
fn gso_batch(groups: &[(usize, usize, u16)], l: &Loaded, g: usize) -> (usize, Option<u16>) {
    let mut seg: Option<u16> = None;
    let mut longest_single = 0usize;
    let mut e = g;
    while e < groups.len() && e - g < BATCH {
        let (a, b, s) = groups[e];
        if b - a > 1 {
            match seg {
                None if longest_single > usize::from(s) => break,
                None => seg = Some(s),
                Some(t) if t != s => break,
                Some(_) => {}
            }
        } else {
            let len = l.spans[a].1 - l.spans[a].0;
            if seg.is_some_and(|t| len > usize::from(t)) {
                break;
            }
            longest_single = longest_single.max(len);
        }
        e += 1;
    }
    (e - g, seg)
}

/// Sends the loaded packets at top speed over UDP with generic segmentation
/// offload: each run of equal-sized packets as one message with
/// `UDP_SEGMENT` (the kernel cuts it into the same datagrams), consecutive
/// runs of one size and the single packets around them in one `sendmmsg`
/// call. Returns None when the kernel refuses UDP_SEGMENT (then the caller
/// sends without it).
fn send_gso(sock: &UdpSocket, l: &Loaded, opts: &RawOptions) -> Option<Result<Sent, String>> {
    let groups = gso_groups(l);
    // Built once: one I/O vector per group, its packets back to back.
    let iov: Vec<[IoSlice<'_>; 1]> = groups
        .iter()
        .map(|&(a, b, _)| [IoSlice::new(&l.arena[l.spans[a].0..l.spans[b - 1].1])])
        .collect();
    let fd = sock.as_raw_fd();
    let mut with_cmsg = MultiHeaders::<()>::preallocate(BATCH, Some(nix::cmsg_space!(u16)));
    let mut plain = MultiHeaders::<()>::preallocate(BATCH, None);
    let no_addrs: [Option<()>; BATCH] = [None; BATCH];
    let mut sent = Sent::default();
    let mut progress = Progress {
        on: opts.progress,
        total: l.spans.len() as u64 * opts.loops,
        last: Instant::now(),
    };
    let start = Instant::now();
    for _ in 0..opts.loops {
        let mut g = 0;
        while g < groups.len() {
            let (n, seg) = gso_batch(&groups, l, g);
            let size = seg.unwrap_or(0);
            let cmsg = [ControlMessage::UdpGsoSegments(&size)];
            let r = match seg {
                Some(_) => sendmmsg(
                    fd,
                    &mut with_cmsg,
                    &iov[g..g + n],
                    &no_addrs[..n],
                    &cmsg[..],
                    MsgFlags::empty(),
                )
                .map(|r| r.count()),
                None => sendmmsg(
                    fd,
                    &mut plain,
                    &iov[g..g + n],
                    &no_addrs[..n],
                    &cmsg[..0],
                    MsgFlags::empty(),
                )
                .map(|r| r.count()),
            };
            match r {
                Ok(k) => {
                    sent.calls += 1;
                    if k > 0 {
                        let (a, b) = (groups[g].0, groups[g + k - 1].1);
                        sent.gso |= groups[g..g + k].iter().any(|(a, b, _)| b - a > 1);
                        sent.packets += (b - a) as u64;
                        sent.bytes += (l.spans[b - 1].1 - l.spans[a].0) as u64;
                        g += k;
                    } else {
                        std::thread::yield_now();
                    }
                }
                Err(
                    e @ (nix::errno::Errno::EIO
                    | nix::errno::Errno::EINVAL
                    | nix::errno::Errno::ENOPROTOOPT),
                ) if seg.is_some() => {
                    // No UDP GSO here (or not on this route).
                    if sent.packets == 0 {
                        return None;
                    }
                    progress.clear();
                    return Some(Err(format!(
                        "UDP segmentation offload refused: {}",
                        std::io::Error::from(e)
                    )));
                }
                Err(nix::errno::Errno::ECONNREFUSED) => sent.refused += 1,
                Err(
                    nix::errno::Errno::EAGAIN
                    | nix::errno::Errno::ENOBUFS
                    | nix::errno::Errno::EINTR,
                ) => std::thread::yield_now(),
                Err(e) => {
                    progress.clear();
                    return Some(Err(format!(
                        "sending packet {} of the capture: {}",
                        groups[g].0 + 1,
                        std::io::Error::from(e)
                    )));
                }
            }
            progress.show(sent.packets, start, Instant::now());
        }
    }
    sent.elapsed = start.elapsed();
    progress.clear();
    Some(Ok(sent))
}

/// Sends the loaded packets as `opts` says.
pub fn send(l: &Loaded, opts: &RawOptions) -> Result<Sent, String> {
    let sock = Sock::open(&opts.target)?;
    let batch = opts.batch.clamp(1, BATCH);
    let fd = sock.fd();
    // Built once: one I/O vector per packet, borrowed from the arena.
    let iov: Vec<[IoSlice<'_>; 1]> = (0..l.spans.len())
        .map(|i| [IoSlice::new(l.packet(i))])
        .collect();
    let lens: Vec<u64> = l.spans.iter().map(|(a, b)| (b - a) as u64).collect();
    if let (Sock::Udp(u), Timing::Top, BATCH) = (&sock, opts.timing, batch) {
        if let Some(r) = send_gso(u, l, opts) {
            return r;
        }
    }
    let mut headers = MultiHeaders::<()>::preallocate(BATCH, None);
    let no_addrs: [Option<()>; BATCH] = [None; BATCH];
    let mut sent = Sent::default();
    let mut progress = Progress {
        on: opts.progress,
        total: l.spans.len() as u64 * opts.loops,
        last: Instant::now(),
    };
    let start = Instant::now();
    let scale = match opts.timing {
        Timing::AsIs => Some(1.0),
        Timing::Speed(f) => Some(1.0 / f),
        Timing::Top => None,
    };
    for _ in 0..opts.loops {
        let base = Instant::now();
        let n = l.spans.len();
        let mut i = 0;
        while i < n {
            // Every packet due by now goes in this batch.
            let mut j = (i + batch).min(n);
            if let Some(k) = scale {
                let now = base.elapsed().as_secs_f64();
                let due = l.times[i] * k;
                if due > now {
                    wait_until(base, due);
                }
                let now = base.elapsed().as_secs_f64();
                let mut m = i + 1;
                while m < j && l.times[m] * k <= now {
                    m += 1;
                }
                j = m;
            }
            match sendmmsg(
                fd,
                &mut headers,
                &iov[i..j],
                no_addrs,
                [],
                MsgFlags::empty(),
            ) {
                Ok(r) => {
                    let k = r.count();
                    sent.calls += 1;
                    sent.packets += k as u64;
                    sent.bytes += lens[i..i + k].iter().sum::<u64>();
                    i += k;
                    if k == 0 {
                        std::thread::yield_now();
                    }
                }
                Err(nix::errno::Errno::ECONNREFUSED) => {
                    // A destination's earlier ICMP report, delivered now: the
                    // packet itself was not sent; try it again.
                    sent.refused += 1;
                }
                Err(nix::errno::Errno::EMSGSIZE) if matches!(opts.target, Target::Iface(_)) => {
                    // The first of the batch does not fit the interface's
                    // MTU: left out, as tcpreplay does.
                    sent.too_long += 1;
                    i += 1;
                }
                Err(
                    nix::errno::Errno::EAGAIN
                    | nix::errno::Errno::ENOBUFS
                    | nix::errno::Errno::EINTR,
                ) => {
                    std::thread::yield_now();
                }
                Err(e) => {
                    progress.clear();
                    return Err(format!(
                        "sending packet {} of the capture: {}",
                        i + 1,
                        std::io::Error::from(e)
                    ));
                }
            }
            progress.show(sent.packets, start, Instant::now());
        }
    }
    sent.elapsed = start.elapsed();
    progress.clear();
    Ok(sent)
}

/// Sleeps, then spins, until `secs` after `base`.
fn wait_until(base: Instant, secs: f64) {
    loop {
        let left = secs - base.elapsed().as_secs_f64();
        if left <= 0.0 {
            return;
        }
        if left > 0.002 {
            std::thread::sleep(Duration::from_secs_f64(left - 0.001));
        } else {
            std::hint::spin_loop();
        }
    }
}

/// Whether a progress bar fits: standard error is a terminal.
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Onto an interface, rewritten IP addresses come with the IPv4 header
    /// and UDP checksums the codec's frame builder (RFC 791, RFC 768,
    /// RFC 8200) computes for the new addresses.
    #[test]
    fn ip_rewrites_fix_the_header_and_udp_checksums() {
        use sctp_codec::link::build::{frame, Framing, LinkKind};
        let sctp = [0x13u8, 0x88, 0x13, 0x89, 1, 2, 3, 4, 0, 0, 0, 0, 7, 0, 0, 4];
        for (a, b, c) in [
            ("10.0.0.1", "10.0.0.2", "192.0.2.7"),
            ("fd00::1", "fd00::2", "2001:db8::7"),
        ] {
            let (a, b, c): (IpAddr, IpAddr, IpAddr) =
                (a.parse().unwrap(), b.parse().unwrap(), c.parse().unwrap());
            for udp in [Some((9899, 9899)), None] {
                let f = |src, dst| {
                    frame(
                        &sctp,
                        &Framing {
                            src,
                            dst,
                            udp,
                            link: LinkKind::Ethernet,
                            ip_id: 1,
                        },
                    )
                    .unwrap()
                };
                let mut got = f(a, b);
                let want = f(c, b);
                let at = got.len() - sctp.len();
                rewrite_ip(&mut got, 14, at, udp.is_some(), &[(a, c)]);
                assert_eq!(got, want, "{a} -> {c}, UDP {udp:?}");
            }
        }
        assert_eq!(
            "iface:veth0".parse::<Target>(),
            Ok(Target::Iface("veth0".into()))
        );
        assert!("iface:".parse::<Target>().is_err());
    }

    fn loaded(sizes: &[usize]) -> Loaded {
        let mut l = Loaded::default();
        for &n in sizes {
            let a = l.arena.len();
            l.arena.resize(a + n, 0);
            l.spans.push((a, a + n));
            l.times.push(0.0);
        }
        l
    }

    #[test]
    fn gso_groups_are_runs_of_one_size_ending_with_a_shorter_one() {
        let l = loaded(&[100, 100, 100, 40, 40, 200, 100, 100, 300]);
        assert_eq!(
            gso_groups(&l),
            vec![
                (0, 4, 100),
                (4, 5, 40),
                (5, 7, 200),
                (7, 8, 100),
                (8, 9, 300)
            ]
        );
        // At most GSO_SEGMENTS packets and 65,000 bytes a group.
        let l = loaded(&[10; 130]);
        assert_eq!(
            gso_groups(&l),
            vec![(0, 64, 10), (64, 128, 10), (128, 130, 10)]
        );
        let l = loaded(&[1452; 50]);
        let g = gso_groups(&l);
        assert_eq!(g[0], (0, 44, 1452));
        assert!(g.iter().all(|(a, b, s)| (b - a) * (*s as usize) <= 65_000));
        assert_eq!(g.last().unwrap().1, 50);
    }

    #[test]
    fn a_gso_batch_shares_one_segment_size() {
        // Groups: (300 x3, 40) (40) (300 x3, 40) (40) (900, 300) (300).
        let l = loaded(&[300, 300, 300, 40, 40, 300, 300, 300, 40, 40, 900, 300, 300]);
        let g = gso_groups(&l);
        assert_eq!(g.len(), 6);
        // Runs of 300 and the single 40s between them; the run of 900 stops it.
        assert_eq!(gso_batch(&g, &l, 0), (4, Some(300)));
        // A run of 900 takes a single 300 after it.
        assert_eq!(gso_batch(&g, &l, 4), (2, Some(900)));
        // A single longer than the batch's segment size stops it; a single
        // goes with a run of a longer size after it; singles alone go
        // without UDP_SEGMENT.
        let l = loaded(&[100, 50, 200, 300, 300, 9]);
        let g = gso_groups(&l);
        assert_eq!(g, vec![(0, 2, 100), (2, 3, 200), (3, 6, 300)]);
        assert_eq!(gso_batch(&g, &l, 0), (1, Some(100)));
        assert_eq!(gso_batch(&g, &l, 1), (2, Some(300)));
        let l = loaded(&[7, 9, 11]);
        let g = gso_groups(&l);
        assert_eq!(gso_batch(&g, &l, 0), (3, None));
        // At most BATCH messages a call.
        let l = loaded(&[10; 64 * 100]);
        let g = gso_groups(&l);
        assert_eq!(gso_batch(&g, &l, 0), (BATCH.min(100), Some(10)));
    }
}
