//! Ethernet II (IEEE 802.3, LINKTYPE_ETHERNET = 1) and IEEE 802.1Q / 802.1ad
//! VLAN tags, stacked to any depth.

use super::bytes::{be16, need};
use super::{LinkError, Network};

/// EtherType of IPv4 (RFC 894).
pub(crate) const ETHERTYPE_IPV4: u16 = 0x0800;
/// EtherType of IPv6 (RFC 2464).
pub(crate) const ETHERTYPE_IPV6: u16 = 0x86DD;
/// EtherType of an IEEE 802.1Q customer VLAN tag.
pub(crate) const ETHERTYPE_VLAN: u16 = 0x8100;
/// EtherType of an IEEE 802.1ad service VLAN tag (Q-in-Q).
pub(crate) const ETHERTYPE_QINQ: u16 = 0x88A8;
/// Pre-standard Q-in-Q EtherType still emitted by some switches.
pub(crate) const ETHERTYPE_QINQ_OLD: u16 = 0x9100;

/// Length of an Ethernet II header: destination, source, EtherType.
const ETHERNET_HEADER_LEN: usize = 14;
/// Length of one VLAN tag: TCI (2 bytes) then the inner EtherType (2 bytes).
const VLAN_TAG_LEN: usize = 4;

/// Parses an Ethernet II header and any VLAN tags after it.
///
/// Returns the network protocol and the offset of its header, or `None` when
/// the frame does not carry IPv4/IPv6 (ARP, LLDP, 802.3 length frames, ...).
pub(crate) fn parse(frame: &[u8]) -> Result<Option<(Network, usize)>, LinkError> {
    need(frame, 0, ETHERNET_HEADER_LEN, "Ethernet header truncated")?;
    let ethertype = be16(frame, 12).ok_or(LinkError::new(12, "Ethernet header truncated"))?;
    after_ethertype(frame, ethertype, ETHERNET_HEADER_LEN)
}

/// Maps an EtherType found at `off - 2` to the network layer starting at
/// `off`, skipping 802.1Q/802.1ad tags (which each carry their own inner
/// EtherType). Shared by Ethernet and the Linux cooked headers.
pub(crate) fn after_ethertype(
    frame: &[u8],
    mut ethertype: u16,
    mut off: usize,
) -> Result<Option<(Network, usize)>, LinkError> {
    loop {
        match ethertype {
            ETHERTYPE_IPV4 => return Ok(Some((Network::Ipv4, off))),
            ETHERTYPE_IPV6 => return Ok(Some((Network::Ipv6, off))),
            ETHERTYPE_VLAN | ETHERTYPE_QINQ | ETHERTYPE_QINQ_OLD => {
                need(frame, off, VLAN_TAG_LEN, "VLAN tag truncated")?;
                ethertype =
                    be16(frame, off + 2).ok_or(LinkError::new(off, "VLAN tag truncated"))?;
                off += VLAN_TAG_LEN;
            }
            _ => return Ok(None),
        }
    }
}
