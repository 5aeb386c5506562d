//! Link-layer header types (the LINKTYPE_/DLT_ registry,
//! <https://www.tcpdump.org/linktypes.html>) and the dispatch from a link
//! type to the parser of its header.

use super::{ethernet, null, sll, LinkError, Network};

/// BSD loopback, 4-byte address family in host byte order.
pub const NULL: u32 = 0;
/// Ethernet II / IEEE 802.3.
pub const ETHERNET: u32 = 1;
/// Raw IP, DLT_RAW as defined on most platforms.
pub const DLT_RAW_12: u32 = 12;
/// Raw IP, DLT_RAW as defined on OpenBSD/BSD/OS.
pub const DLT_RAW_14: u32 = 14;
/// Raw IP (IPv4 or IPv6, from the version nibble), LINKTYPE_RAW.
pub const RAW: u32 = 101;
/// OpenBSD loopback, 4-byte address family in network byte order.
pub const LOOP: u32 = 108;
/// Linux cooked capture v1.
pub const LINUX_SLL: u32 = 113;
/// Raw IPv4.
pub const IPV4: u32 = 228;
/// Raw IPv6.
pub const IPV6: u32 = 229;
/// Linux cooked capture v2.
pub const LINUX_SLL2: u32 = 276;

/// Every link type [`extract_sctp`](super::extract_sctp) understands.
pub const SUPPORTED: [u32; 10] = [
    NULL, ETHERNET, DLT_RAW_12, DLT_RAW_14, RAW, LOOP, LINUX_SLL, IPV4, IPV6, LINUX_SLL2,
];

/// Whether [`extract_sctp`](super::extract_sctp) can decode frames of this link type.
pub fn is_supported(link_type: u32) -> bool {
    SUPPORTED.contains(&link_type)
}

/// The network protocol and the offset of its header inside `frame`, or
/// `None` when the frame carries something other than IP.
pub(crate) fn network_layer(
    link_type: u32,
    frame: &[u8],
) -> Result<Option<(Network, usize)>, LinkError> {
    match link_type {
        ETHERNET => ethernet::parse(frame),
        LINUX_SLL => sll::parse_v1(frame),
        LINUX_SLL2 => sll::parse_v2(frame),
        RAW | DLT_RAW_12 | DLT_RAW_14 => Ok(Some((Network::Ip, 0))),
        IPV4 => Ok(Some((Network::Ipv4, 0))),
        IPV6 => Ok(Some((Network::Ipv6, 0))),
        NULL => null::parse_null(frame),
        LOOP => null::parse_loop(frame),
        _ => Err(LinkError::new(0, "unsupported link type")),
    }
}
