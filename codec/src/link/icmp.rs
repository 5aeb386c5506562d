//! ICMP (RFC 792) and ICMPv6 (RFC 4443) error messages, which quote the
//! start of the datagram that caused them; the quoted length honours the
//! RFC 4884 "length" attribute when an extension structure follows.

use std::ops::Range;

use super::bytes::u8_at;
use super::LinkError;

/// ICMP/ICMPv6 header length (type, code, checksum, 4 type-specific bytes).
const HEADER_LEN: usize = 8;

/// An ICMP error message and the bytes of the datagram it quotes.
#[derive(Debug, Clone)]
pub(crate) struct Quote {
    pub icmp_type: u8,
    pub code: u8,
    /// The quoted (invoking) datagram, starting with its IP header.
    pub quoted: Range<usize>,
}

/// ICMPv4 error types: Destination Unreachable (3), Source Quench (4),
/// Redirect (5), Time Exceeded (11), Parameter Problem (12).
fn is_v4_error(t: u8) -> bool {
    matches!(t, 3 | 4 | 5 | 11 | 12)
}

/// ICMPv6 error types: Destination Unreachable (1), Packet Too Big (2),
/// Time Exceeded (3), Parameter Problem (4).
fn is_v6_error(t: u8) -> bool {
    matches!(t, 1..=4)
}

/// The quoted datagram of an ICMPv4 error in `payload`, `None` for any other
/// ICMP message. RFC 4884 length (byte 5, 32-bit words) applies to types 3, 11, 12.
pub(crate) fn quote_v4(buf: &[u8], payload: Range<usize>) -> Result<Option<Quote>, LinkError> {
    quote(buf, payload, is_v4_error, |t| {
        matches!(t, 3 | 11 | 12).then_some((5, 4))
    })
}

/// The quoted datagram of an ICMPv6 error in `payload`, `None` for any other
/// ICMPv6 message. RFC 4884 length (byte 4, 64-bit words) applies to types 1 and 3.
pub(crate) fn quote_v6(buf: &[u8], payload: Range<usize>) -> Result<Option<Quote>, LinkError> {
    quote(buf, payload, is_v6_error, |t| {
        matches!(t, 1 | 3).then_some((4, 8))
    })
}

fn quote(
    buf: &[u8],
    payload: Range<usize>,
    is_error: fn(u8) -> bool,
    length_field: fn(u8) -> Option<(usize, usize)>,
) -> Result<Option<Quote>, LinkError> {
    let off = payload.start;
    let Some(icmp_type) = u8_at(buf, off).filter(|_| off < payload.end) else {
        return Err(LinkError::new(off, "ICMP header truncated"));
    };
    if !is_error(icmp_type) {
        return Ok(None);
    }
    if payload.end.saturating_sub(off) < HEADER_LEN || payload.end > buf.len() {
        return Err(LinkError::new(off, "ICMP error header truncated"));
    }
    let code = u8_at(buf, off + 1).ok_or(LinkError::new(off, "ICMP header truncated"))?;
    let start = off + HEADER_LEN;
    let mut end = payload.end;
    if let Some((at, unit)) = length_field(icmp_type) {
        let words = u8_at(buf, off + at).ok_or(LinkError::new(off, "ICMP header truncated"))?;
        if words != 0 {
            end = end.min(start + usize::from(words) * unit);
        }
    }
    Ok(Some(Quote {
        icmp_type,
        code,
        quoted: start..end,
    }))
}
