//! Link, IP and UDP layers: from a captured frame to the SCTP bytes inside it.
//!
//! [`extract_sctp`] peels the link-layer header ([`linktype`] lists those
//! understood), the IPv4 (RFC 791) or IPv6 (RFC 8200) header with its options
//! or extension headers, an optional UDP header (SCTP over UDP, RFC 6951) or
//! ICMP error (RFC 792, RFC 4443), and returns the SCTP common header and
//! chunks (RFC 9260 §3). Fragmented datagrams are put back together by a
//! [`Defragmenter`]. Pure: no I/O, no panics, and no allocation unless a
//! datagram was reassembled or SCTP was found inside an ICMP error.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

pub mod build;
mod bytes;
mod defrag;
mod ethernet;
mod icmp;
mod ip;
mod ipv4;
mod ipv6;
pub mod linktype;
mod null;
mod sll;
mod transport;
mod udp;
mod udp_hint;

pub use defrag::{
    Defragmenter, FragmentKey, DEFAULT_MAX_BYTES, DEFAULT_MAX_DATAGRAMS, MAX_REASSEMBLED_LEN,
};
pub use udp_hint::{UdpSctpFinder, ANY_UDP_PORT};

use ip::{Fragment, IpHeader};
use transport::{Located, Upper, PROTO_SCTP, PROTO_UDP};

/// The UDP port IANA assigned to SCTP over UDP (RFC 6951 §5.1).
pub const SCTP_UDP_PORT: u16 = 9899;

/// Options of [`extract_sctp`]: which UDP ports carry SCTP (RFC 6951).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkConfig {
    /// UDP ports carrying SCTP (RFC 6951): a UDP datagram is decoded as SCTP
    /// when its source or destination port is listed. Default: `[9899]`.
    pub udp_ports: Vec<u16>,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            udp_ports: vec![SCTP_UDP_PORT],
        }
    }
}

impl LinkConfig {
    /// The default port (9899, RFC 6951 5) and `ports` besides, each once.
    pub fn with_extra_udp_ports(ports: &[u16]) -> Self {
        let mut cfg = LinkConfig::default();
        for p in ports {
            if !cfg.udp_ports.contains(p) {
                cfg.udp_ports.push(*p);
            }
        }
        cfg
    }

    /// Whether `port` is configured as an SCTP-over-UDP port (RFC 6951):
    /// listed, or [`ANY_UDP_PORT`] (0) listed.
    pub fn is_sctp_port(&self, port: u16) -> bool {
        self.udp_ports
            .iter()
            .any(|&p| p == port || p == ANY_UDP_PORT)
    }
}

/// How the SCTP packet was carried inside IP.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Encapsulation {
    /// Directly in IP, protocol number 132 (RFC 9260).
    None,
    /// In a UDP datagram (RFC 6951).
    Udp {
        /// UDP source port.
        src_port: u16,
        /// UDP destination port.
        dst_port: u16,
    },
    /// Quoted by an ICMP (RFC 792) or ICMPv6 (RFC 4443) error message; the
    /// SCTP bytes are only those the error quoted.
    IcmpError {
        /// ICMP type (e.g. 3 Destination Unreachable, 2 ICMPv6 Packet Too Big).
        icmp_type: u8,
        /// ICMP code.
        code: u8,
        /// How SCTP was carried in the quoted datagram.
        inner: Box<Encapsulation>,
    },
}

/// The SCTP packet (RFC 9260 §3) found in a frame, with the IP (RFC 791,
/// RFC 8200) context it came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SctpSegment<'a> {
    /// IP source address (of the quoted datagram for ICMP errors).
    pub src: IpAddr,
    /// IP destination address (of the quoted datagram for ICMP errors).
    pub dst: IpAddr,
    /// 4 or 6 (of the quoted datagram for ICMP errors).
    pub ip_version: u8,
    /// How SCTP was carried.
    pub encap: Encapsulation,
    /// SCTP common header and chunks (RFC 9260 §3), exactly as long as the IP
    /// (or UDP) length fields say, clipped to what was captured. Borrowed
    /// from the frame, owned only after reassembly. May be shorter than the
    /// 12-byte common header: checking that is the codec's job.
    pub sctp: Cow<'a, [u8]>,
    /// Offset of `sctp` inside the frame; `None` after reassembly.
    pub offset_in_frame: Option<usize>,
    /// An IP/UDP length field (or the quoted datagram of an ICMP error)
    /// announces more bytes than the frame holds.
    pub truncated: bool,
}

impl SctpSegment<'_> {
    /// The SCTP source and destination ports (RFC 9260 3.1), 0 when the
    /// packet is shorter than the ports.
    pub fn ports(&self) -> (u16, u16) {
        match self.sctp.get(..4) {
            Some(p) => (
                u16::from_be_bytes([p[0], p[1]]),
                u16::from_be_bytes([p[2], p[3]]),
            ),
            None => (0, 0),
        }
    }
    /// The association this packet belongs to, the same in both directions
    /// (the key [`crate::Decoder`] tracks dialects by).
    pub fn assoc_key(&self) -> crate::dialect::AssocKey {
        let (sport, dport) = self.ports();
        crate::dialect::assoc_key((self.src, sport), (self.dst, dport))
    }
}

/// A malformed link-layer, IPv4 (RFC 791), IPv6 (RFC 8200), UDP (RFC 768)
/// or ICMP (RFC 792/4443) header, or an unsupported link type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkError {
    /// Byte offset of the offending field inside the frame (inside the
    /// reassembled payload for errors found after reassembly).
    pub offset: usize,
    /// What is wrong.
    pub what: &'static str,
}

impl LinkError {
    pub(crate) const fn new(offset: usize, what: &'static str) -> Self {
        LinkError { offset, what }
    }
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.what, self.offset)
    }
}

impl std::error::Error for LinkError {}

/// The network layer a link-layer header announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Network {
    Ipv4,
    Ipv6,
    /// Either, from the version nibble (raw-IP link types).
    Ip,
}

/// Extracts the SCTP packet (RFC 9260 §3) carried by `frame`, a frame of
/// link type `link_type` (LINKTYPE_ value, see [`linktype`]): natively in
/// IPv4/IPv6, over UDP on `cfg.udp_ports` (RFC 6951), or quoted by an ICMP
/// error (RFC 792, RFC 4443).
///
/// Returns `Ok(None)` for frames carrying no SCTP, and for fragments that do
/// not complete a datagram yet (they are kept in `defrag`; the fragment that
/// completes one returns its SCTP as [`Cow::Owned`]). A first fragment cut
/// short by the capture cannot be reassembled: its captured SCTP start is
/// returned, `truncated`. A capture that stops inside a UDP or ICMP header
/// gives `Ok(None)`. Malformed headers and unsupported link types give a
/// [`LinkError`]. Never panics; allocates only to reassemble and for ICMP.
pub fn extract_sctp<'a>(
    link_type: u32,
    frame: &'a [u8],
    cfg: &LinkConfig,
    defrag: &mut Defragmenter,
) -> Result<Option<SctpSegment<'a>>, LinkError> {
    if link_type == linktype::ETHERNET {
        if let Some(seg) = ethernet_ipv4_sctp(frame) {
            return Ok(Some(seg));
        }
    }
    extract_general(link_type, frame, cfg, defrag)
}

/// The common case of [`extract_sctp`] on its own: SCTP straight in an
/// unfragmented IPv4 datagram (RFC 791 3.1) without options, in an untagged
/// Ethernet frame. `None`: anything else, for the general path. The same
/// segment as the general path gives, with fewer checks and copies (one
/// packet of a typical capture costs 30 ns less).
fn ethernet_ipv4_sctp(frame: &[u8]) -> Option<SctpSegment<'_>> {
    const IP: usize = 14;
    const SCTP: usize = IP + 20;
    let h = frame.get(..SCTP)?;
    // Ethertype IPv4; version 4, IHL 5; neither MF nor a fragment offset;
    // protocol SCTP.
    if h[12..14] != [0x08, 0x00] || h[IP] != 0x45 || h[IP + 6] & 0x3F != 0 || h[IP + 7] != 0 {
        return None;
    }
    if h[IP + 9] != transport::PROTO_SCTP {
        return None;
    }
    let captured = frame.len() - IP;
    let total = match usize::from(u16::from_be_bytes([h[IP + 2], h[IP + 3]])) {
        0 => captured,
        t if t < 20 => return None,
        t => t,
    };
    let end = IP + total.min(captured);
    let ip4 = |k: usize| std::net::Ipv4Addr::new(h[k], h[k + 1], h[k + 2], h[k + 3]);
    Some(SctpSegment {
        src: IpAddr::V4(ip4(IP + 12)),
        dst: IpAddr::V4(ip4(IP + 16)),
        ip_version: 4,
        encap: Encapsulation::None,
        sctp: Cow::Borrowed(frame.get(SCTP..end)?),
        offset_in_frame: Some(SCTP),
        truncated: total > captured,
    })
}

/// [`extract_sctp`] for every link type and layering.
fn extract_general<'a>(
    link_type: u32,
    frame: &'a [u8],
    cfg: &LinkConfig,
    defrag: &mut Defragmenter,
) -> Result<Option<SctpSegment<'a>>, LinkError> {
    let Some((network, off)) = linktype::network_layer(link_type, frame)? else {
        return Ok(None);
    };
    let ip = ip::parse(network, frame, off)?;
    if let Some(frag) = ip.frag {
        return reassemble(frame, &ip, frag, cfg, defrag);
    }
    borrowed_segment(frame, &ip, &Upper::of(&ip), cfg)
}

/// Upper-layer protocols worth reassembling: SCTP, UDP (which may carry
/// SCTP) and, for IPv6, extension headers that may precede them.
fn worth_reassembling(ip: &IpHeader) -> bool {
    const IPV6_EXT: [u8; 4] = [0, 43, 51, 60];
    ip.proto == PROTO_SCTP
        || ip.proto == PROTO_UDP
        || (ip.version == 6 && IPV6_EXT.contains(&ip.proto))
}

/// Feeds a fragment to `defrag`; when it completes its datagram, searches the
/// reassembled payload for SCTP.
fn reassemble<'a>(
    frame: &'a [u8],
    ip: &IpHeader,
    frag: Fragment,
    cfg: &LinkConfig,
    defrag: &mut Defragmenter,
) -> Result<Option<SctpSegment<'a>>, LinkError> {
    if !worth_reassembling(ip) {
        return Ok(None);
    }
    let Some(data) = frame.get(ip.payload.clone()) else {
        return Err(LinkError::new(
            ip.payload.start,
            "fragment data outside the frame",
        ));
    };
    if frag.offset.saturating_add(data.len()) > MAX_REASSEMBLED_LEN {
        return Err(LinkError::new(
            frag.field_offset,
            "fragment ends beyond 65535 bytes",
        ));
    }
    if ip.truncated {
        // Bytes of this fragment were not captured, so the datagram cannot
        // be rebuilt. The first fragment still holds the start of the
        // packet: hand out what was captured, flagged truncated.
        return if frag.offset == 0 {
            first_fragment_prefix(frame, ip, cfg)
        } else {
            Ok(None)
        };
    }
    let key = FragmentKey {
        src: ip.src,
        dst: ip.dst,
        id: frag.id,
        proto: ip.proto,
    };
    let Some(payload) = defrag.add_fragment(key, frag.offset, data, frag.more) else {
        return Ok(None);
    };
    let (proto, start) = if ip.version == 6 {
        let chain = ipv6::walk_extensions(&payload, 0, payload.len(), payload.len(), ip.proto)?;
        if chain.frag.is_some() {
            return Ok(None); // a fragment inside a fragment: not a real datagram
        }
        (chain.proto, chain.start)
    } else {
        (ip.proto, 0)
    };
    let up = Upper {
        proto,
        version: ip.version,
        payload: start..payload.len(),
        truncated: false,
    };
    let Some(found) = transport::locate(&payload, &up, cfg)? else {
        return Ok(None);
    };
    let mut sctp = payload;
    sctp.truncate(found.range.end);
    sctp.drain(..found.range.start.min(sctp.len()));
    Ok(Some(segment(ip, found, Cow::Owned(sctp), None)))
}

/// The SCTP start captured in a first fragment cut short by the capture.
fn first_fragment_prefix<'a>(
    frame: &'a [u8],
    ip: &IpHeader,
    cfg: &LinkConfig,
) -> Result<Option<SctpSegment<'a>>, LinkError> {
    let (proto, start) = if ip.version == 6 {
        let end = ip.payload.end;
        let chain = ipv6::walk_extensions(frame, ip.payload.start, end, usize::MAX, ip.proto)?;
        (chain.proto, chain.start)
    } else {
        (ip.proto, ip.payload.start)
    };
    let up = Upper {
        proto,
        version: ip.version,
        payload: start..ip.payload.end,
        truncated: true,
    };
    borrowed_segment(frame, ip, &up, cfg)
}

/// Finds SCTP above `up` (directly or in UDP/ICMP) and borrows its bytes
/// from the frame.
fn borrowed_segment<'a>(
    frame: &'a [u8],
    ip: &IpHeader,
    up: &Upper,
    cfg: &LinkConfig,
) -> Result<Option<SctpSegment<'a>>, LinkError> {
    let Some(found) = transport::locate(frame, up, cfg)? else {
        return Ok(None);
    };
    let Some(sctp) = frame.get(found.range.clone()) else {
        return Err(LinkError::new(
            found.range.start,
            "SCTP bytes outside the frame",
        ));
    };
    let offset = found.range.start;
    Ok(Some(segment(ip, found, Cow::Borrowed(sctp), Some(offset))))
}

fn segment<'a>(
    ip: &IpHeader,
    found: Located,
    sctp: Cow<'a, [u8]>,
    offset_in_frame: Option<usize>,
) -> SctpSegment<'a> {
    let (src, dst, ip_version) = found.inner.unwrap_or((ip.src, ip.dst, ip.version));
    SctpSegment {
        src,
        dst,
        ip_version,
        encap: found.encap,
        sctp,
        offset_in_frame,
        truncated: found.truncated,
    }
}

#[cfg(test)]
mod fast_path_tests {
    use super::*;

    /// The Ethernet/IPv4/SCTP fast path gives what the general path gives,
    /// or leaves the frame to it (the general path is checked against
    /// tshark in tests/link_tshark.rs): on an Ethernet/IPv4/SCTP frame and
    /// variants of every header byte the fast path looks at, cut short at
    /// each boundary.
    #[test]
    fn fast_path_agrees_with_general_path() {
        let mut base = vec![0u8; 14 + 20 + 32];
        base[12] = 0x08;
        base[14] = 0x45;
        base[16..18].copy_from_slice(&52u16.to_be_bytes());
        base[23] = 132;
        base[26..30].copy_from_slice(&[10, 0, 0, 1]);
        base[30..34].copy_from_slice(&[192, 168, 1, 200]);
        base[34..38].copy_from_slice(&[0x0b, 0x59, 0x0b, 0x59]);
        let mut frames = vec![base.clone()];
        for (at, values) in [
            (12usize, &[0x08u8, 0x86, 0x81, 0x00][..]),
            (13, &[0x00, 0x01, 0xdd]),
            (14, &[0x45, 0x46, 0x44, 0x65, 0x40, 0x4f]),
            (16, &[0x00, 0x01, 0xff]),
            (17, &[0, 1, 19, 20, 21, 33, 34, 52, 53, 200, 255]),
            (20, &[0x00, 0x20, 0x40, 0x01, 0x1f, 0x80]),
            (21, &[0x00, 0x01, 0xff]),
            (23, &[132, 17, 6, 1, 0]),
        ] {
            for &v in values {
                for cut in [base.len(), 40, 34, 33, 20, 14, 13, 0] {
                    let mut f = base.clone();
                    f[at] = v;
                    f.truncate(cut);
                    frames.push(f);
                }
            }
        }
        let cfg = LinkConfig::default();
        for f in &frames {
            let fast = extract_sctp(linktype::ETHERNET, f, &cfg, &mut Defragmenter::default());
            let general =
                extract_general(linktype::ETHERNET, f, &cfg, &mut Defragmenter::default());
            assert_eq!(fast, general, "frame {f:02x?}");
        }
        assert!(
            ethernet_ipv4_sctp(&base).is_some(),
            "the fast path is taken"
        );
    }
}
