//! Linux "cooked" capture headers: SLL (LINKTYPE_LINUX_SLL = 113) and SLL2
//! (LINKTYPE_LINUX_SLL2 = 276), as documented at
//! <https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html> and
//! <https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html>.
//!
//! The protocol field is an EtherType for every device type that carries IP,
//! and may be a VLAN TPID (0x8100) followed by a tag, as in captures taken on
//! a VLAN's parent interface.

use super::bytes::{be16, need};
use super::{ethernet, LinkError, Network};

/// SLL header: packet type, ARPHRD type, address length, 8-byte address, protocol.
const SLL_HEADER_LEN: usize = 16;
/// SLL2 header: protocol, reserved, interface index, ARPHRD type, packet type,
/// address length, 8-byte address.
const SLL2_HEADER_LEN: usize = 20;

/// Parses an SLL (v1) header; the protocol type is its last two bytes.
pub(crate) fn parse_v1(frame: &[u8]) -> Result<Option<(Network, usize)>, LinkError> {
    need(frame, 0, SLL_HEADER_LEN, "Linux SLL header truncated")?;
    let protocol = be16(frame, 14).ok_or(LinkError::new(14, "Linux SLL header truncated"))?;
    ethernet::after_ethertype(frame, protocol, SLL_HEADER_LEN)
}

/// Parses an SLL2 header; the protocol type is its first two bytes.
pub(crate) fn parse_v2(frame: &[u8]) -> Result<Option<(Network, usize)>, LinkError> {
    need(frame, 0, SLL2_HEADER_LEN, "Linux SLL2 header truncated")?;
    let protocol = be16(frame, 0).ok_or(LinkError::new(0, "Linux SLL2 header truncated"))?;
    ethernet::after_ethertype(frame, protocol, SLL2_HEADER_LEN)
}
