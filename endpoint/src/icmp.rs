//! ICMP and ICMPv6 errors about our packets (RFC 9260 Appendix C, 7.3;
//! RFC 1191 / RFC 8201 path MTU discovery; RFC 6951 5.5 over UDP).
//!
//! A driver hands [`crate::Endpoint::handle_icmp`] what an ICMP error told
//! and quoted: [`IcmpError::from_icmpv4`] / [`IcmpError::from_icmpv6`]
//! read a whole ICMP message (from a raw ICMP socket), or a driver fills an
//! [`IcmpError`] from what the kernel reported (a UDP socket's error queue
//! with `IP_RECVERR`, which gives the datagram we sent).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// What the ICMP error says, decoded (RFC 792, RFC 4443).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IcmpKind {
    /// ICMPv4 Destination Unreachable / Fragmentation Needed and DF set
    /// (RFC 1191), or ICMPv6 Packet Too Big (RFC 8201): the next-hop MTU
    /// (an IP MTU; 0 when an old router did not say).
    FragNeeded {
        /// The next-hop MTU.
        mtu: u32,
    },
    /// Protocol Unreachable (ICMPv4 type 3 code 2), or ICMPv6 Parameter
    /// Problem "Unrecognized Next Header" (type 4 code 1): RFC 9260
    /// Appendix C ICMP8.
    ProtocolUnreachable,
    /// Port Unreachable (ICMPv4 3/3, ICMPv6 1/4): ignored over raw IP
    /// (ICMP3), a Protocol Unreachable of SCTP over UDP (RFC 6951 5.5).
    PortUnreachable,
    /// Another Destination Unreachable code (network, host, prohibited...):
    /// RFC 9260 Appendix C ICMP9.
    Unreachable {
        /// The ICMP code.
        code: u8,
    },
    /// Anything else (ignored, ICMP1, ICMP2, ICMP4).
    Other {
        /// ICMP type.
        icmp_type: u8,
        /// ICMP code.
        code: u8,
    },
}

impl IcmpKind {
    /// An ICMPv4 type and code (RFC 792), with the Next-Hop MTU field of
    /// Fragmentation Needed (RFC 1191).
    pub fn from_v4(icmp_type: u8, code: u8, mtu: u32) -> Self {
        match (icmp_type, code) {
            (3, 4) => IcmpKind::FragNeeded { mtu },
            (3, 2) => IcmpKind::ProtocolUnreachable,
            (3, 3) => IcmpKind::PortUnreachable,
            (3, code) => IcmpKind::Unreachable { code },
            (icmp_type, code) => IcmpKind::Other { icmp_type, code },
        }
    }

    /// An ICMPv6 type and code (RFC 4443), with Packet Too Big's MTU.
    pub fn from_v6(icmp_type: u8, code: u8, mtu: u32) -> Self {
        match (icmp_type, code) {
            (2, _) => IcmpKind::FragNeeded { mtu },
            (4, 1) => IcmpKind::ProtocolUnreachable,
            (1, 4) => IcmpKind::PortUnreachable,
            (1, code) => IcmpKind::Unreachable { code },
            (icmp_type, code) => IcmpKind::Other { icmp_type, code },
        }
    }
}

/// An ICMP error quoting one of our packets (RFC 9260 Appendix C ICMP5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcmpError<'a> {
    /// What it says.
    pub kind: IcmpKind,
    /// The quoted packet's source: our address.
    pub local: IpAddr,
    /// The quoted packet's destination: the peer's address and, over UDP
    /// encapsulation, its UDP port (0 over raw IP).
    pub remote: SocketAddr,
    /// The quoted packet was SCTP over UDP (RFC 6951).
    pub udp: bool,
    /// The quoted IP packet's Total Length / Payload Length plus header
    /// (0 when unknown): RFC 1191 5's guess when the MTU is not given.
    pub quoted_len: usize,
    /// The quoted SCTP bytes from the common header on, as many as the
    /// ICMP message carried (8 at least for the ports and tag).
    pub sctp: &'a [u8],
}

/// Why an ICMP message cannot be read as an error about an SCTP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IcmpParseError {
    /// Shorter than its headers.
    Truncated,
    /// The quoted packet is not SCTP (nor SCTP over UDP), or not the IP
    /// version of the ICMP message.
    NotSctp,
    /// An ICMP type that quotes no packet (echo, ...).
    NotAnError,
}

impl std::fmt::Display for IcmpParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            IcmpParseError::Truncated => "ICMP message too short",
            IcmpParseError::NotSctp => "the quoted packet is not SCTP",
            IcmpParseError::NotAnError => "not an ICMP error message",
        })
    }
}

impl std::error::Error for IcmpParseError {}

/// IP protocol numbers.
const PROTO_SCTP: u8 = 132;
const PROTO_UDP: u8 = 17;

impl<'a> IcmpError<'a> {
    /// Reads an ICMPv4 message (from its type byte on, RFC 792): an error
    /// (Destination Unreachable, Time Exceeded, Parameter Problem, Source
    /// Quench) quoting an IPv4 header and at least 8 bytes of SCTP, or of
    /// UDP then 8 of SCTP (RFC 6951).
    pub fn from_icmpv4(msg: &'a [u8]) -> Result<Self, IcmpParseError> {
        if msg.len() < 8 {
            return Err(IcmpParseError::Truncated);
        }
        let (icmp_type, code) = (msg[0], msg[1]);
        if !matches!(icmp_type, 3 | 4 | 11 | 12) {
            return Err(IcmpParseError::NotAnError);
        }
        let mtu = u16::from_be_bytes([msg[6], msg[7]]) as u32;
        let ip = &msg[8..];
        if ip.len() < 20 {
            return Err(IcmpParseError::Truncated);
        }
        if ip[0] >> 4 != 4 {
            return Err(IcmpParseError::NotSctp);
        }
        let ihl = ((ip[0] & 0x0f) as usize) * 4;
        if ihl < 20 || ip.len() < ihl {
            return Err(IcmpParseError::Truncated);
        }
        let quoted_len = u16::from_be_bytes([ip[2], ip[3]]) as usize;
        let src = Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]);
        let dst = Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]);
        let (udp, port, sctp) = transport(ip[9], &ip[ihl..])?;
        Ok(IcmpError {
            kind: IcmpKind::from_v4(icmp_type, code, mtu),
            local: IpAddr::V4(src),
            remote: SocketAddr::new(IpAddr::V4(dst), port),
            udp,
            quoted_len,
            sctp,
        })
    }

    /// Reads an ICMPv6 error message (from its type byte on, RFC 4443):
    /// Destination Unreachable, Packet Too Big, Time Exceeded or Parameter
    /// Problem quoting an IPv6 header whose Next Header is SCTP or UDP
    /// (extension headers are not followed).
    pub fn from_icmpv6(msg: &'a [u8]) -> Result<Self, IcmpParseError> {
        if msg.len() < 8 {
            return Err(IcmpParseError::Truncated);
        }
        let (icmp_type, code) = (msg[0], msg[1]);
        if !(1..=4).contains(&icmp_type) {
            return Err(IcmpParseError::NotAnError);
        }
        let mtu = u32::from_be_bytes([msg[4], msg[5], msg[6], msg[7]]);
        let ip = &msg[8..];
        if ip.len() < 40 {
            return Err(IcmpParseError::Truncated);
        }
        if ip[0] >> 4 != 6 {
            return Err(IcmpParseError::NotSctp);
        }
        let quoted_len = u16::from_be_bytes([ip[4], ip[5]]) as usize + 40;
        let mut a = [0u8; 16];
        a.copy_from_slice(&ip[8..24]);
        let src = Ipv6Addr::from(a);
        a.copy_from_slice(&ip[24..40]);
        let dst = Ipv6Addr::from(a);
        let (udp, port, sctp) = transport(ip[6], &ip[40..])?;
        Ok(IcmpError {
            kind: IcmpKind::from_v6(icmp_type, code, mtu),
            local: IpAddr::V6(src),
            remote: SocketAddr::new(IpAddr::V6(dst), port),
            udp,
            quoted_len,
            sctp,
        })
    }

    /// The quoted common header's ports and Verification Tag: (source
    /// port, destination port, tag), when 8 bytes were quoted.
    pub fn header(&self) -> Option<(u16, u16, u32)> {
        let s = self.sctp;
        (s.len() >= 8).then(|| {
            (
                u16::from_be_bytes([s[0], s[1]]),
                u16::from_be_bytes([s[2], s[3]]),
                u32::from_be_bytes([s[4], s[5], s[6], s[7]]),
            )
        })
    }
}

/// The SCTP bytes after the quoted IP header: directly, or after a UDP
/// header (whose destination port is the peer's encapsulation port).
fn transport(proto: u8, rest: &[u8]) -> Result<(bool, u16, &[u8]), IcmpParseError> {
    match proto {
        PROTO_SCTP if rest.len() >= 8 => Ok((false, 0, rest)),
        PROTO_UDP if rest.len() >= 16 => {
            Ok((true, u16::from_be_bytes([rest[2], rest[3]]), &rest[8..]))
        }
        PROTO_SCTP | PROTO_UDP => Err(IcmpParseError::Truncated),
        _ => Err(IcmpParseError::NotSctp),
    }
}

/// RFC 1191 7's plateau table: the largest plateau below `len`, the MTU
/// to try when a router sent Fragmentation Needed without one.
pub fn plateau_below(len: usize) -> usize {
    const PLATEAUS: [usize; 10] = [65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296];
    PLATEAUS.iter().copied().find(|&p| p < len).unwrap_or(68)
}

/// The smallest IP MTU an ICMP error may lower a path to: IPv6's 1280
/// (RFC 8200 5, RFC 8201 4), and 576 for IPv4 (the datagram size every
/// host accepts, RFC 791 / RFC 1122 3.3.3; the usual PMTU floor).
pub fn mtu_floor(v6: bool) -> usize {
    if v6 {
        1280
    } else {
        576
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4_frag_needed(mtu: u16, quoted: &[u8]) -> Vec<u8> {
        let mut m = vec![3, 4, 0, 0, 0, 0];
        m.extend_from_slice(&mtu.to_be_bytes());
        let mut ip = vec![0x45, 0, 0x05, 0xdc, 0, 0, 0x40, 0, 64, PROTO_SCTP, 0, 0];
        ip.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
        m.extend_from_slice(&ip);
        m.extend_from_slice(quoted);
        m
    }

    #[test]
    fn reads_a_frag_needed_quoting_sctp() {
        let m = v4_frag_needed(1200, &[0x13, 0x88, 0x13, 0x89, 0, 0, 0, 7]);
        let e = IcmpError::from_icmpv4(&m).unwrap();
        assert_eq!(e.kind, IcmpKind::FragNeeded { mtu: 1200 });
        assert_eq!(e.local, "10.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(e.remote, "10.0.0.2:0".parse().unwrap());
        assert_eq!(e.quoted_len, 1500);
        assert_eq!(e.header(), Some((5000, 5001, 7)));
        assert!(!e.udp);
    }

    #[test]
    fn refuses_short_and_foreign_quotes() {
        let m = v4_frag_needed(1200, &[0x13, 0x88, 0x13]);
        assert_eq!(IcmpError::from_icmpv4(&m), Err(IcmpParseError::Truncated));
        let mut m = v4_frag_needed(1200, &[0; 8]);
        m[8 + 9] = 6; // TCP
        assert_eq!(IcmpError::from_icmpv4(&m), Err(IcmpParseError::NotSctp));
        assert_eq!(
            IcmpError::from_icmpv4(&[8, 0, 0, 0, 0, 0, 0, 0]),
            Err(IcmpParseError::NotAnError)
        );
        assert_eq!(
            IcmpError::from_icmpv6(&[2, 0, 0]),
            Err(IcmpParseError::Truncated)
        );
    }

    #[test]
    fn reads_a_packet_too_big_quoting_sctp_over_udp() {
        // ICMPv6 Packet Too Big (RFC 4443 3.2), MTU 1280, quoting an IPv6
        // header (payload 1452, next header UDP) and UDP to port 9899.
        let mut m = vec![2, 0, 0, 0, 0, 0, 0x05, 0x00];
        m.extend_from_slice(&[0x60, 0, 0, 0, 0x05, 0xac, PROTO_UDP, 64]);
        m.extend_from_slice(&"2001:db8::1".parse::<Ipv6Addr>().unwrap().octets());
        m.extend_from_slice(&"2001:db8::2".parse::<Ipv6Addr>().unwrap().octets());
        m.extend_from_slice(&[0x26, 0xab, 0x26, 0xab, 0x05, 0xac, 0, 0]);
        m.extend_from_slice(&[0x13, 0x88, 0x13, 0x89, 0, 0, 0, 9]);
        let e = IcmpError::from_icmpv6(&m).unwrap();
        assert_eq!(e.kind, IcmpKind::FragNeeded { mtu: 1280 });
        assert!(e.udp);
        assert_eq!(e.remote, "[2001:db8::2]:9899".parse().unwrap());
        assert_eq!(e.quoted_len, 1492);
        assert_eq!(e.header(), Some((5000, 5001, 9)));
        assert_eq!(IcmpKind::from_v6(4, 1, 0), IcmpKind::ProtocolUnreachable);
        assert_eq!(IcmpKind::from_v6(1, 4, 0), IcmpKind::PortUnreachable);
        assert_eq!(mtu_floor(true), 1280);
    }

    #[test]
    fn plateaus_follow_rfc_1191() {
        assert_eq!(plateau_below(1500), 1492);
        assert_eq!(plateau_below(1492), 1006);
        assert_eq!(plateau_below(100), 68);
    }
}
