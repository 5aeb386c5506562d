//! Finds the SCTP bytes in an IP payload: native SCTP (IP protocol 132,
//! RFC 9260), SCTP over UDP (RFC 6951) and SCTP quoted by ICMP/ICMPv6 errors
//! (RFC 792, RFC 4443).

use std::net::IpAddr;
use std::ops::Range;

use super::ip::{self, IpHeader};
use super::{icmp, udp, Encapsulation, LinkConfig, LinkError, Network};

/// IP protocol number of SCTP (RFC 9260 §3).
pub(crate) const PROTO_SCTP: u8 = 132;
/// IP protocol number of UDP.
pub(crate) const PROTO_UDP: u8 = 17;
/// IP protocol number of ICMP.
pub(crate) const PROTO_ICMP: u8 = 1;
/// IPv6 Next Header value of ICMPv6.
pub(crate) const PROTO_ICMPV6: u8 = 58;
/// UDP header length (RFC 768).
const UDP_HEADER_LEN: usize = 8;

/// Where the SCTP bytes are and how they got there.
#[derive(Debug)]
pub(crate) struct Located {
    /// SCTP common header and chunks, as a range of the searched buffer.
    pub range: Range<usize>,
    pub encap: Encapsulation,
    /// A length field announced more bytes than the range holds.
    pub truncated: bool,
    /// Addresses and IP version of the quoted datagram, for ICMP errors.
    pub inner: Option<(IpAddr, IpAddr, u8)>,
}

/// The upper layer to search: protocol number, IP version, payload range
/// and whether the IP length fields were clipped.
#[derive(Debug, Clone)]
pub(crate) struct Upper {
    pub proto: u8,
    pub version: u8,
    pub payload: Range<usize>,
    pub truncated: bool,
}

impl Upper {
    /// The upper layer of an unfragmented IP header.
    pub(crate) fn of(ip: &IpHeader) -> Self {
        Upper {
            proto: ip.proto,
            version: ip.version,
            payload: ip.payload.clone(),
            truncated: ip.truncated,
        }
    }
}

/// Locates SCTP in `up` (a part of `buf`); `None` when the payload is some
/// other protocol, UDP on ports not in `cfg.udp_ports`, or an ICMP message
/// that quotes no SCTP.
pub(crate) fn locate(
    buf: &[u8],
    up: &Upper,
    cfg: &LinkConfig,
) -> Result<Option<Located>, LinkError> {
    match (up.proto, up.version) {
        (PROTO_SCTP, _) => Ok(Some(Located {
            range: up.payload.clone(),
            encap: Encapsulation::None,
            truncated: up.truncated,
            inner: None,
        })),
        (PROTO_UDP, _) if up.truncated && up.payload.len() < UDP_HEADER_LEN => {
            // The capture stopped inside the UDP header: ports unknown.
            Ok(None)
        }
        (PROTO_UDP, _) => {
            let u = udp::parse(buf, up.payload.clone())?;
            if !cfg.is_sctp_port(u.src_port) && !cfg.is_sctp_port(u.dst_port) {
                return Ok(None);
            }
            Ok(Some(Located {
                range: u.payload,
                encap: Encapsulation::Udp {
                    src_port: u.src_port,
                    dst_port: u.dst_port,
                },
                truncated: up.truncated || u.truncated,
                inner: None,
            }))
        }
        (PROTO_ICMP, 4) => capture_cut(
            up,
            icmp::quote_v4(buf, up.payload.clone())
                .and_then(|q| in_icmp_error(buf, q, Network::Ipv4, cfg)),
        ),
        (PROTO_ICMPV6, 6) => capture_cut(
            up,
            icmp::quote_v6(buf, up.payload.clone())
                .and_then(|q| in_icmp_error(buf, q, Network::Ipv6, cfg)),
        ),
        _ => Ok(None),
    }
}

/// An ICMP message the capture cut short may stop inside its quoted headers:
/// that is not malformed, just not enough to find SCTP in.
fn capture_cut(
    up: &Upper,
    found: Result<Option<Located>, LinkError>,
) -> Result<Option<Located>, LinkError> {
    match found {
        Err(_) if up.truncated => Ok(None),
        other => other,
    }
}

/// SCTP (native or UDP-encapsulated) quoted by an ICMP error. The quote is
/// parsed as a datagram of its own, ending where the quote ends, so it is
/// nearly always `truncated`. Quoted non-first fragments, quoted ICMP and
/// quotes that stop before any SCTP byte give `None`.
fn in_icmp_error(
    buf: &[u8],
    quote: Option<icmp::Quote>,
    family: Network,
    cfg: &LinkConfig,
) -> Result<Option<Located>, LinkError> {
    let Some(q) = quote else { return Ok(None) };
    let Some(quoted) = buf.get(..q.quoted.end) else {
        return Err(LinkError::new(
            q.quoted.start,
            "ICMP quote outside the packet",
        ));
    };
    let inner = ip::parse(family, quoted, q.quoted.start)?;
    if inner.frag.is_some_and(|f| f.offset != 0) {
        return Ok(None);
    }
    let up = Upper::of(&inner);
    if !matches!(up.proto, PROTO_SCTP | PROTO_UDP) {
        return Ok(None);
    }
    let Some(found) = locate(quoted, &up, cfg)? else {
        return Ok(None);
    };
    if found.range.is_empty() {
        return Ok(None);
    }
    Ok(Some(Located {
        range: found.range,
        encap: Encapsulation::IcmpError {
            icmp_type: q.icmp_type,
            code: q.code,
            inner: Box::new(found.encap),
        },
        truncated: true,
        inner: Some((inner.src, inner.dst, inner.version)),
    }))
}
