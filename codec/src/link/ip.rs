//! Version dispatch between [`ipv4`](super::ipv4) and [`ipv6`](super::ipv6)
//! and the header summary both produce.

use std::net::IpAddr;
use std::ops::Range;

use super::bytes::u8_at;
use super::{ipv4, ipv6, LinkError, Network};

/// What the transport layers need from an IP header.
#[derive(Debug, Clone)]
pub(crate) struct IpHeader {
    /// 4 or 6.
    pub version: u8,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// Upper-layer protocol number (IANA "Assigned Internet Protocol Numbers").
    pub proto: u8,
    /// Upper-layer bytes (or fragment data), clipped to what was captured.
    pub payload: Range<usize>,
    /// The IP length fields announce more than was captured.
    pub truncated: bool,
    /// Set when this packet is a fragment (not an atomic one).
    pub frag: Option<Fragment>,
}

/// Fragmentation fields of an IPv4 header or an IPv6 Fragment header.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fragment {
    /// Identification (16 bits for IPv4, 32 for IPv6).
    pub id: u32,
    /// Byte offset of this fragment's data in the original payload.
    pub offset: usize,
    /// More Fragments flag.
    pub more: bool,
    /// Where the offset field is, for error reports.
    pub field_offset: usize,
}

/// Parses the IP header at `off`, of the family the link layer announced
/// (or of the family its version nibble says, for raw-IP link types).
pub(crate) fn parse(network: Network, buf: &[u8], off: usize) -> Result<IpHeader, LinkError> {
    match network {
        Network::Ipv4 => ipv4::parse(buf, off),
        Network::Ipv6 => ipv6::parse(buf, off),
        Network::Ip => match u8_at(buf, off).map(|b| b >> 4) {
            Some(4) => ipv4::parse(buf, off),
            Some(6) => ipv6::parse(buf, off),
            Some(_) => Err(LinkError::new(off, "raw IP: version is neither 4 nor 6")),
            None => Err(LinkError::new(off, "raw IP: empty packet")),
        },
    }
}
