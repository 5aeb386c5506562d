//! A visitor over decoded values: the one walk that the JSON writer, the tree
//! printer and the Wireshark plugin all consume, with the exact byte span of
//! every field.

use std::net::{Ipv4Addr, Ipv6Addr};

pub mod meaning;

/// Where a field sits: absolute offset and length in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Offset of the first byte.
    pub at: usize,
    /// Number of bytes.
    pub len: usize,
}

impl Span {
    /// A span of `len` bytes at `at`.
    pub fn new(at: usize, len: usize) -> Self {
        Span { at, len }
    }
}

/// A leaf value.
#[derive(Debug, Clone, Copy)]
pub enum Value<'v> {
    /// An unsigned integer `bits` wide (1 to 32 for flags and fields).
    Uint {
        /// The value.
        v: u64,
        /// Its width in bits.
        bits: u8,
    },
    /// Opaque bytes.
    Bytes(&'v [u8]),
    /// Text bytes (shown as text where printable).
    Text(&'v [u8]),
    /// An IPv4 address.
    Ipv4(Ipv4Addr),
    /// An IPv6 address.
    Ipv6(Ipv6Addr),
}

/// What a nested group is.
#[derive(Debug, Clone, Copy)]
pub enum Node {
    /// A list of items (values or records).
    List,
    /// One fixed-size record of a list (a gap ack block, ...).
    Record,
    /// A chunk (RFC 9260 3.2): type, name, flags and Length as on the wire.
    Chunk {
        /// Chunk Type.
        ty: u8,
        /// Registry name, or "Unknown".
        name: &'static str,
        /// Chunk Flags.
        flags: u8,
        /// Chunk Length as on the wire.
        length: u16,
    },
    /// A parameter (RFC 9260 3.2.1).
    Param {
        /// Parameter Type.
        ty: u16,
        /// Registry name, or "Unknown".
        name: &'static str,
        /// Parameter Length as on the wire.
        length: u16,
    },
    /// An error cause (RFC 9260 3.3.10).
    Cause {
        /// Cause Code.
        code: u16,
        /// Registry name, or "Unknown".
        name: &'static str,
        /// Cause Length as on the wire.
        length: u16,
    },
    /// A whole SCTP packet nested in another structure (PKTDROP).
    Packet,
}

/// Receives a depth-first walk of a decoded value.
pub trait Visitor {
    /// A leaf field.
    fn field(&mut self, name: &'static str, span: Span, value: Value<'_>);
    /// A flag (or multi-bit flag field) inside a flags octet.
    fn flag(&mut self, name: &'static str, span: Span, mask: u8, value: u8) {
        let _ = (name, span, mask, value);
    }
    /// Opens a nested group; every `open` is matched by one [`Visitor::close`].
    fn open(&mut self, name: &'static str, span: Span, node: Node);
    /// Closes the innermost group.
    fn close(&mut self);
    /// A value of a registered type that did not decode as that type.
    fn malformed(&mut self, span: Span, error: &crate::error::DecodeError) {
        let _ = (span, error);
    }
    /// What the number just reported means (right after the [`Visitor::field`]
    /// or [`Visitor::flag`] named `name`: a cipher suite's name, a security
    /// level), or, with `name` "type" right after [`Visitor::open`], a note on
    /// the type number itself (PROVISIONAL). Only walks wrapped in
    /// [`meaning::Annotate`] (as [`crate::Packet::describe`] is) send it.
    fn meaning(&mut self, name: &'static str, span: Span, text: &'static str) {
        let _ = (name, span, text);
    }
}
