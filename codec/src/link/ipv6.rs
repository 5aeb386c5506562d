//! IPv6 header (RFC 8200) and its extension-header chain: Hop-by-Hop Options,
//! Routing, Destination Options, Fragment (RFC 8200 §4) and Authentication
//! Header (RFC 4302). The walk stops at the first upper-layer header, at ESP
//! (RFC 4303, encrypted) and at No Next Header (59).

use std::net::IpAddr;

use super::bytes::{be16, be32, ipv6, need, u8_at};
use super::ip::{Fragment, IpHeader};
use super::LinkError;

/// Fixed IPv6 header length.
const HEADER_LEN: usize = 40;

/// Hop-by-Hop Options header.
const NH_HOP_BY_HOP: u8 = 0;
/// Routing header.
const NH_ROUTING: u8 = 43;
/// Fragment header.
const NH_FRAGMENT: u8 = 44;
/// Authentication Header (length in 4-octet units, minus 2).
const NH_AH: u8 = 51;
/// Destination Options header.
const NH_DEST_OPTS: u8 = 60;

/// Parses the IPv6 header at `off` and walks its extension headers.
///
/// The payload ends where Payload Length says, clipped to the captured bytes
/// (`truncated` is then set). A Payload Length of 0 (jumbogram, RFC 2675, or
/// segmentation offload) is taken as "as captured". When a Fragment header
/// that really fragments is met, the walk stops there: `proto` is its Next
/// Header and the payload is the fragment's data.
pub(crate) fn parse(buf: &[u8], off: usize) -> Result<IpHeader, LinkError> {
    need(buf, off, HEADER_LEN, "IPv6 header truncated")?;
    let trunc = || LinkError::new(off, "IPv6 header truncated");
    let b0 = u8_at(buf, off).ok_or_else(trunc)?;
    if b0 >> 4 != 6 {
        return Err(LinkError::new(off, "IPv6 header: version is not 6"));
    }
    let payload_field = usize::from(be16(buf, off + 4).ok_or_else(trunc)?);
    let next = u8_at(buf, off + 6).ok_or_else(trunc)?;
    let src = ipv6(buf, off + 8).ok_or_else(trunc)?;
    let dst = ipv6(buf, off + 24).ok_or_else(trunc)?;

    let start = off + HEADER_LEN;
    let captured = buf.len() - start; // need() above guarantees start <= len
    let declared = if payload_field == 0 {
        captured
    } else {
        payload_field
    };
    let truncated = declared > captured;
    let end = start + declared.min(captured);
    let declared_end = start.saturating_add(declared);

    let chain = walk_extensions(buf, start, end, declared_end, next)?;
    Ok(IpHeader {
        version: 6,
        src: IpAddr::V6(src),
        dst: IpAddr::V6(dst),
        proto: chain.proto,
        payload: chain.start..end,
        truncated,
        frag: chain.frag,
    })
}

/// Where an extension-header walk ended.
pub(crate) struct Chain {
    /// Upper-layer protocol (or the Fragment header's Next Header).
    pub proto: u8,
    /// Offset of the upper-layer header (or of the fragment's data).
    pub start: usize,
    /// Set when a Fragment header with a non-zero offset or the M flag was met.
    pub frag: Option<Fragment>,
}

/// Walks extension headers from `pos` (whose type is `next`) until an
/// upper-layer protocol. `end` is the end of the captured payload and
/// `declared_end` the end the IP header announces: a header crossing
/// `declared_end` is malformed, one crossing only `end` was cut by the
/// capture; both are errors since the upper layer cannot be found.
///
/// Atomic fragments (offset 0, M clear, RFC 6946) are skipped like any other
/// extension header. ESP (50), No Next Header (59) and unknown values end the
/// walk with that value as the protocol.
pub(crate) fn walk_extensions(
    buf: &[u8],
    mut pos: usize,
    end: usize,
    declared_end: usize,
    mut next: u8,
) -> Result<Chain, LinkError> {
    loop {
        let len = match next {
            NH_HOP_BY_HOP | NH_ROUTING | NH_DEST_OPTS => {
                let units = ext_byte(buf, pos + 1, end, declared_end)?;
                (usize::from(units) + 1) * 8
            }
            NH_AH => {
                let units = ext_byte(buf, pos + 1, end, declared_end)?;
                (usize::from(units) + 2) * 4
            }
            NH_FRAGMENT => 8,
            _ => {
                return Ok(Chain {
                    proto: next,
                    start: pos,
                    frag: None,
                })
            }
        };
        let hdr_end = pos.saturating_add(len);
        if hdr_end > declared_end {
            return Err(LinkError::new(
                pos,
                "IPv6 extension header overruns the payload length",
            ));
        }
        if hdr_end > end {
            return Err(LinkError::new(
                pos,
                "IPv6 extension header truncated by capture",
            ));
        }
        let header_type = next;
        next = ext_byte(buf, pos, end, declared_end)?;
        if header_type == NH_FRAGMENT {
            let word =
                be16(buf, pos + 2).ok_or(LinkError::new(pos, "IPv6 fragment header truncated"))?;
            let id =
                be32(buf, pos + 4).ok_or(LinkError::new(pos, "IPv6 fragment header truncated"))?;
            let offset = usize::from(word & 0xFFF8);
            let more = word & 1 != 0;
            if offset != 0 || more {
                return Ok(Chain {
                    proto: next,
                    start: hdr_end,
                    frag: Some(Fragment {
                        id,
                        offset,
                        more,
                        field_offset: pos + 2,
                    }),
                });
            }
        }
        pos = hdr_end;
    }
}

/// One byte of an extension header at `at`, distinguishing malformed
/// (beyond the declared payload) from cut by the capture.
fn ext_byte(buf: &[u8], at: usize, end: usize, declared_end: usize) -> Result<u8, LinkError> {
    if at >= declared_end {
        return Err(LinkError::new(
            at,
            "IPv6 extension header overruns the payload length",
        ));
    }
    if at >= end {
        return Err(LinkError::new(
            at,
            "IPv6 extension header truncated by capture",
        ));
    }
    u8_at(buf, at).ok_or(LinkError::new(
        at,
        "IPv6 extension header truncated by capture",
    ))
}
