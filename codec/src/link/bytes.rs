//! Bounds-checked big-endian field access shared by the link/IP/UDP parsers.
//!
//! Every accessor returns `None` (or a [`LinkError`]) instead of panicking when
//! the requested bytes are not all inside the buffer, so no parser in this
//! module ever indexes a slice directly.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::LinkError;

/// `len` bytes of `buf` starting at `off`, if they are all there.
#[inline]
pub(crate) fn slice(buf: &[u8], off: usize, len: usize) -> Option<&[u8]> {
    buf.get(off..off.checked_add(len)?)
}

/// A fixed-size array of `N` bytes at `off`.
#[inline]
pub(crate) fn array<const N: usize>(buf: &[u8], off: usize) -> Option<[u8; N]> {
    slice(buf, off, N)?.try_into().ok()
}

/// The byte at `off`.
#[inline]
pub(crate) fn u8_at(buf: &[u8], off: usize) -> Option<u8> {
    buf.get(off).copied()
}

/// A network-order `u16` at `off`.
#[inline]
pub(crate) fn be16(buf: &[u8], off: usize) -> Option<u16> {
    array::<2>(buf, off).map(u16::from_be_bytes)
}

/// A network-order `u32` at `off`.
#[inline]
pub(crate) fn be32(buf: &[u8], off: usize) -> Option<u32> {
    array::<4>(buf, off).map(u32::from_be_bytes)
}

/// A little-endian `u32` at `off` (BSD loopback headers in host order).
#[inline]
pub(crate) fn le32(buf: &[u8], off: usize) -> Option<u32> {
    array::<4>(buf, off).map(u32::from_le_bytes)
}

/// An IPv4 address at `off`.
#[inline]
pub(crate) fn ipv4(buf: &[u8], off: usize) -> Option<Ipv4Addr> {
    array::<4>(buf, off).map(Ipv4Addr::from)
}

/// An IPv6 address at `off`.
#[inline]
pub(crate) fn ipv6(buf: &[u8], off: usize) -> Option<Ipv6Addr> {
    array::<16>(buf, off).map(Ipv6Addr::from)
}

/// Fails with `what` at `off` unless `len` bytes are available at `off`.
#[inline]
pub(crate) fn need(
    buf: &[u8],
    off: usize,
    len: usize,
    what: &'static str,
) -> Result<(), LinkError> {
    match off.checked_add(len) {
        Some(end) if end <= buf.len() => Ok(()),
        _ => Err(LinkError::new(off, what)),
    }
}
