//! UDP header (RFC 768), for SCTP over UDP encapsulation (RFC 6951).

use std::ops::Range;

use super::bytes::{be16, need};
use super::LinkError;

/// UDP header length.
const HEADER_LEN: usize = 8;

/// Ports and payload of a UDP datagram.
#[derive(Debug, Clone)]
pub(crate) struct Udp {
    pub src_port: u16,
    pub dst_port: u16,
    /// Payload, clipped to what was captured.
    pub payload: Range<usize>,
    /// The UDP Length field announces more than was captured.
    pub truncated: bool,
}

/// Parses the UDP header at the start of `ip_payload` (a range of `buf`).
///
/// The payload ends where the UDP Length field says, clipped to the IP
/// payload; a Length of 0 (RFC 2675 jumbograms) means "up to the end of the
/// IP payload". A Length below 8 is malformed.
pub(crate) fn parse(buf: &[u8], ip_payload: Range<usize>) -> Result<Udp, LinkError> {
    let off = ip_payload.start;
    let avail = ip_payload.end.saturating_sub(off);
    if avail < HEADER_LEN {
        return Err(LinkError::new(off, "UDP header truncated"));
    }
    need(buf, off, HEADER_LEN, "UDP header truncated")?;
    let trunc = || LinkError::new(off, "UDP header truncated");
    let src_port = be16(buf, off).ok_or_else(trunc)?;
    let dst_port = be16(buf, off + 2).ok_or_else(trunc)?;
    let length = usize::from(be16(buf, off + 4).ok_or_else(trunc)?);
    let length = match length {
        0 => avail,
        1..HEADER_LEN => return Err(LinkError::new(off + 4, "UDP length below 8")),
        n => n,
    };
    Ok(Udp {
        src_port,
        dst_port,
        payload: off + HEADER_LEN..off + length.min(avail),
        truncated: length > avail,
    })
}
