//! BSD loopback encapsulations: LINKTYPE_NULL (0), whose 4-byte address
//! family is in the *capturing host's* byte order, and LINKTYPE_LOOP (108,
//! OpenBSD), whose address family is in network byte order. See
//! <https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html>.

use super::bytes::{be32, le32};
use super::{LinkError, Network};

/// Length of the address-family header.
const NULL_HEADER_LEN: usize = 4;

/// `AF_INET` on every BSD and on Darwin.
const AF_INET: u32 = 2;
/// `AF_INET6` on NetBSD, OpenBSD and BSD/OS.
const AF_INET6_BSD: u32 = 24;
/// `AF_INET6` on FreeBSD and DragonFly BSD.
const AF_INET6_FREEBSD: u32 = 28;
/// `AF_INET6` on Darwin (macOS, iOS).
const AF_INET6_DARWIN: u32 = 30;

/// Parses a LINKTYPE_NULL header. The byte order of the capturing host is not
/// recorded, so (as Wireshark and tcpdump do) a value whose low-order bytes
/// are zero when read little-endian is taken as big-endian instead.
pub(crate) fn parse_null(frame: &[u8]) -> Result<Option<(Network, usize)>, LinkError> {
    let le = le32(frame, 0).ok_or(LinkError::new(0, "loopback header truncated"))?;
    let family = if le & 0xFFFF == 0 {
        le.swap_bytes()
    } else {
        le
    };
    Ok(network_of(family))
}

/// Parses a LINKTYPE_LOOP header (address family in network byte order).
pub(crate) fn parse_loop(frame: &[u8]) -> Result<Option<(Network, usize)>, LinkError> {
    let family = be32(frame, 0).ok_or(LinkError::new(0, "loopback header truncated"))?;
    Ok(network_of(family))
}

fn network_of(family: u32) -> Option<(Network, usize)> {
    match family {
        AF_INET => Some((Network::Ipv4, NULL_HEADER_LEN)),
        AF_INET6_BSD | AF_INET6_FREEBSD | AF_INET6_DARWIN => Some((Network::Ipv6, NULL_HEADER_LEN)),
        _ => None,
    }
}
