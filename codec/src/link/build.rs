//! Building frames around an SCTP packet, the inverse of [`super::extract_sctp`]:
//! an IPv4 (RFC 791) or IPv6 (RFC 8200) header, optionally UDP encapsulation
//! (RFC 6951, with the RFC 768 checksum), optionally an Ethernet II header, for
//! writing captures of crafted packets.

use std::fmt;
use std::net::IpAddr;

use super::linktype::{ETHERNET, RAW};

/// The link layer of a built frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// LINKTYPE_RAW: the IP header first.
    Raw,
    /// LINKTYPE_ETHERNET: an Ethernet II header (locally administered MACs) first.
    Ethernet,
}

impl LinkKind {
    /// The pcap LINKTYPE_ number.
    pub fn link_type(self) -> u32 {
        match self {
            LinkKind::Raw => RAW,
            LinkKind::Ethernet => ETHERNET,
        }
    }
}

/// How to frame an SCTP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framing {
    /// IP source address.
    pub src: IpAddr,
    /// IP destination address (the same family as `src`).
    pub dst: IpAddr,
    /// UDP encapsulation ports (source, destination), if any (RFC 6951).
    pub udp: Option<(u16, u16)>,
    /// The link layer.
    pub link: LinkKind,
    /// IPv4 Identification (ignored for IPv6).
    pub ip_id: u16,
}

/// Why a frame could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// `src` and `dst` are not both IPv4 or both IPv6.
    MixedFamilies,
    /// The payload does not fit the IP (or UDP) length field.
    TooLong {
        /// Bytes after the IP header.
        len: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::MixedFamilies => write!(f, "src and dst must both be IPv4 or both IPv6"),
            FrameError::TooLong { len } => {
                write!(f, "{len} bytes do not fit an IP packet's length field")
            }
        }
    }
}

impl std::error::Error for FrameError {}

/// Adds big-endian 16-bit words to a one's-complement accumulator (RFC 1071).
fn sum16(data: &[u8], mut acc: u32) -> u32 {
    for c in data.chunks(2) {
        let hi = c[0] as u32;
        let lo = c.get(1).copied().unwrap_or(0) as u32;
        acc += hi << 8 | lo;
    }
    acc
}

/// Folds the accumulator and complements it (RFC 1071).
fn fold(mut acc: u32) -> u16 {
    while acc >> 16 != 0 {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

/// The frame holding `sctp` as `f` says: (Ethernet II,) IPv4 or IPv6,
/// (UDP,) then the SCTP bytes unchanged.
pub fn frame(sctp: &[u8], f: &Framing) -> Result<Vec<u8>, FrameError> {
    let (src, dst) = match (f.src, f.dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => (s.octets().to_vec(), d.octets().to_vec()),
        (IpAddr::V6(s), IpAddr::V6(d)) => (s.octets().to_vec(), d.octets().to_vec()),
        _ => return Err(FrameError::MixedFamilies),
    };
    let (proto, payload) = match f.udp {
        Some((sp, dp)) => {
            let len = 8 + sctp.len();
            if len > 0xffff {
                return Err(FrameError::TooLong { len });
            }
            let mut u = Vec::with_capacity(len);
            u.extend_from_slice(&sp.to_be_bytes());
            u.extend_from_slice(&dp.to_be_bytes());
            u.extend_from_slice(&(len as u16).to_be_bytes());
            u.extend_from_slice(&[0, 0]);
            u.extend_from_slice(sctp);
            // Checksum over the pseudo-header (mandatory for IPv6); 0 is sent as 0xffff.
            let pseudo = sum16(&dst, sum16(&src, 17 + len as u32));
            let c = match fold(sum16(&u, pseudo)) {
                0 => 0xffff,
                c => c,
            };
            u[6..8].copy_from_slice(&c.to_be_bytes());
            (17u8, u)
        }
        None => (132u8, sctp.to_vec()),
    };
    let mut ip = Vec::with_capacity(40 + payload.len());
    let ethertype: u16 = if src.len() == 4 {
        let total = 20 + payload.len();
        if total > 0xffff {
            return Err(FrameError::TooLong { len: payload.len() });
        }
        ip.extend_from_slice(&[0x45, 0]);
        ip.extend_from_slice(&(total as u16).to_be_bytes());
        ip.extend_from_slice(&f.ip_id.to_be_bytes());
        ip.extend_from_slice(&[0x40, 0, 64, proto, 0, 0]);
        ip.extend_from_slice(&src);
        ip.extend_from_slice(&dst);
        let c = fold(sum16(&ip, 0));
        ip[10..12].copy_from_slice(&c.to_be_bytes());
        0x0800
    } else {
        if payload.len() > 0xffff {
            return Err(FrameError::TooLong { len: payload.len() });
        }
        ip.extend_from_slice(&[0x60, 0, 0, 0]);
        ip.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        ip.extend_from_slice(&[proto, 64]);
        ip.extend_from_slice(&src);
        ip.extend_from_slice(&dst);
        0x86dd
    };
    ip.extend_from_slice(&payload);
    Ok(match f.link {
        LinkKind::Raw => ip,
        LinkKind::Ethernet => {
            let mut e = vec![0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01];
            e.extend_from_slice(&ethertype.to_be_bytes());
            e.extend_from_slice(&ip);
            e
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::{extract_sctp, Defragmenter, LinkConfig};

    #[test]
    fn built_frames_extract_back() {
        let sctp = [
            0x13, 0x88, 0x13, 0x89, 0, 0, 0, 1, 0, 0, 0, 0, 0x0b, 0, 0, 4,
        ];
        for (src, dst) in [("10.0.0.1", "10.0.0.2"), ("2001:db8::1", "2001:db8::2")] {
            for udp in [None, Some((9899, 9899))] {
                for link in [LinkKind::Raw, LinkKind::Ethernet] {
                    let f = Framing {
                        src: src.parse().unwrap(),
                        dst: dst.parse().unwrap(),
                        udp,
                        link,
                        ip_id: 7,
                    };
                    let b = frame(&sctp, &f).unwrap();
                    let seg = extract_sctp(
                        link.link_type(),
                        &b,
                        &LinkConfig::default(),
                        &mut Defragmenter::default(),
                    )
                    .unwrap()
                    .unwrap();
                    assert_eq!(&seg.sctp[..], &sctp[..]);
                    assert_eq!((seg.src, seg.dst), (f.src, f.dst));
                }
            }
        }
        let mixed = Framing {
            src: "10.0.0.1".parse().unwrap(),
            dst: "::1".parse().unwrap(),
            udp: None,
            link: LinkKind::Raw,
            ip_id: 0,
        };
        assert_eq!(frame(&sctp, &mixed), Err(FrameError::MixedFamilies));
    }
}
