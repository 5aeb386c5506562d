//! IPv4 header (RFC 791), options skipped via the IHL field; fragmentation
//! fields decoded for [`Defragmenter`](super::Defragmenter).

use std::net::IpAddr;

use super::bytes::{be16, ipv4, need, u8_at};
use super::ip::{Fragment, IpHeader};
use super::LinkError;

/// Minimum IPv4 header length (IHL = 5).
const MIN_HEADER_LEN: usize = 20;
/// "More Fragments" flag in the flags/fragment-offset word.
const FLAG_MF: u16 = 0x2000;
/// Fragment offset mask (in 8-octet units).
const OFFSET_MASK: u16 = 0x1FFF;

/// Parses the IPv4 header at `off`.
///
/// The payload ends where the Total Length field says, clipped to the
/// captured bytes (`truncated` is then set); trailing link-layer padding is
/// thereby excluded. A Total Length of 0 is taken as "as captured", the way
/// Wireshark treats TSO/LRO captures.
pub(crate) fn parse(buf: &[u8], off: usize) -> Result<IpHeader, LinkError> {
    let b0 = u8_at(buf, off).ok_or(LinkError::new(off, "IPv4 header truncated"))?;
    if b0 >> 4 != 4 {
        return Err(LinkError::new(off, "IPv4 header: version is not 4"));
    }
    let ihl = usize::from(b0 & 0x0F) * 4;
    if ihl < MIN_HEADER_LEN {
        return Err(LinkError::new(off, "IPv4 header: IHL below 5"));
    }
    need(buf, off, ihl, "IPv4 header truncated")?;
    let trunc = || LinkError::new(off, "IPv4 header truncated");
    let total_field = usize::from(be16(buf, off + 2).ok_or_else(trunc)?);
    let frag_word = be16(buf, off + 6).ok_or_else(trunc)?;
    let id = be16(buf, off + 4).ok_or_else(trunc)?;
    let proto = u8_at(buf, off + 9).ok_or_else(trunc)?;
    let src = ipv4(buf, off + 12).ok_or_else(trunc)?;
    let dst = ipv4(buf, off + 16).ok_or_else(trunc)?;

    let captured = buf.len() - off; // need() above guarantees off <= len
    let total = if total_field == 0 {
        captured
    } else {
        total_field
    };
    if total < ihl {
        return Err(LinkError::new(
            off + 2,
            "IPv4 header: total length below header length",
        ));
    }
    let truncated = total > captured;
    let end = off + total.min(captured);

    let more = frag_word & FLAG_MF != 0;
    let frag_offset = usize::from(frag_word & OFFSET_MASK) * 8;
    let frag = (more || frag_offset != 0).then_some(Fragment {
        id: u32::from(id),
        offset: frag_offset,
        more,
        field_offset: off + 6,
    });

    Ok(IpHeader {
        version: 4,
        src: IpAddr::V4(src),
        dst: IpAddr::V4(dst),
        proto,
        payload: off + ihl..end,
        truncated,
        frag,
    })
}
