//! The SCTP packet (RFC 9260 3): common header, chunks, and the checksum.

use std::borrow::Cow;

use crate::checksum::{self, ChecksumAlgorithm};
use crate::chunk::Chunk;
use crate::dialect::Rules;
use crate::error::{DecodeError, ErrorKind};
use crate::gen::Gen;
use crate::tlv::{decode_list_partial, describe_list, encode_list, generate_list, list_len};
use crate::visit::{Span, Value, Visitor};
use crate::wire::{put_slice, put_u16, put_u32, Ctx, IntoOwned};
use crate::writer::WriteError;

/// The SCTP common header (RFC 9260 3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CommonHeader {
    /// Source Port Number.
    pub source_port: u16,
    /// Destination Port Number.
    pub destination_port: u16,
    /// Verification Tag.
    pub verification_tag: u32,
}

/// An SCTP packet: common header and chunks, byte-exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet<'a> {
    /// The common header.
    pub header: CommonHeader,
    /// The Checksum field to write (`None`: computed with `checksum_algorithm`);
    /// a decoded packet keeps the value it had, read in network byte order.
    pub checksum: Option<u32>,
    /// The algorithm used when `checksum` is `None`.
    pub checksum_algorithm: ChecksumAlgorithm,
    /// The chunks, in order.
    pub chunks: Vec<Chunk<'a>>,
    /// Bytes after the last whole chunk (fewer than 4, or a chunk whose Length
    /// could not be followed: see `error`).
    pub trailing: Cow<'a, [u8]>,
    /// Why decoding stopped before the end of the packet, if it did.
    pub error: Option<DecodeError>,
}

/// How to decode a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Which type numbers mean what.
    pub rules: Rules,
    /// Strict: any malformed value is an error. Lenient (default): malformed
    /// values are kept raw with their error and decoding goes on.
    pub strict: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            rules: Rules::STANDARD,
            strict: false,
        }
    }
}

impl<'a> Packet<'a> {
    /// A packet with this header and chunks, checksum computed on encode.
    pub fn new(header: CommonHeader, chunks: Vec<Chunk<'a>>) -> Self {
        Packet {
            header,
            checksum: None,
            checksum_algorithm: ChecksumAlgorithm::Crc32c,
            chunks,
            trailing: Cow::Borrowed(&[]),
            error: None,
        }
    }

    /// Decodes a packet. Offsets in errors count from the first byte of `b`.
    ///
    /// Strict mode fails on the first problem. Lenient mode fails only when
    /// the common header is incomplete; everything else is kept (malformed
    /// values raw, an unfollowable chunk Length in `trailing` with `error`).
    pub fn decode(b: &'a [u8], opts: &DecodeOptions) -> Result<Packet<'a>, DecodeError> {
        let mut cx = Ctx::new(b, opts.rules);
        cx.strict = opts.strict;
        Self::decode_in(b, &cx)
    }

    /// Decodes a packet nested in another structure (offsets from `cx.origin`).
    pub(crate) fn decode_in(b: &'a [u8], cx: &Ctx<'a>) -> Result<Packet<'a>, DecodeError> {
        if b.len() < 12 {
            return Err(cx.truncated(b, "common header", 12));
        }
        let header = CommonHeader {
            source_port: u16::from_be_bytes([b[0], b[1]]),
            destination_port: u16::from_be_bytes([b[2], b[3]]),
            verification_tag: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
        };
        let checksum = u32::from_be_bytes([b[8], b[9], b[10], b[11]]);
        let (rest, chunks, error) = decode_list_partial::<Chunk>(&b[12..], cx, true);
        if let Some(e) = error {
            if cx.strict {
                return Err(e);
            }
            let mut chunks = chunks;
            let mut rest = rest;
            if let Some(c) = cut_short_chunk(rest, cx, &e) {
                chunks.push(c);
                rest = &rest[rest.len()..];
            }
            return Ok(Packet {
                header,
                checksum: Some(checksum),
                checksum_algorithm: ChecksumAlgorithm::Crc32c,
                chunks,
                trailing: Cow::Borrowed(rest),
                error: Some(e),
            });
        }
        if cx.strict && !rest.is_empty() {
            return Err(DecodeError::new(
                cx.offset(rest),
                ErrorKind::Truncated {
                    what: "chunk header",
                    need: 4,
                    have: rest.len(),
                },
            ));
        }
        Ok(Packet {
            header,
            checksum: Some(checksum),
            checksum_algorithm: ChecksumAlgorithm::Crc32c,
            chunks,
            trailing: Cow::Borrowed(rest),
            error: None,
        })
    }

    /// Bytes of the encoded packet.
    pub fn wire_len(&self) -> usize {
        12 + list_len(&self.chunks, true) + self.trailing.len()
    }

    /// Appends the packet as it is, with `checksum` if set, else zero
    /// (used for packets nested in PKTDROP, whose checksum is never refreshed).
    pub(crate) fn encode_into(&self, out: &mut Vec<u8>) {
        put_u16(out, self.header.source_port);
        put_u16(out, self.header.destination_port);
        put_u32(out, self.header.verification_tag);
        put_u32(out, self.checksum.unwrap_or(0));
        encode_list(&self.chunks, out, true);
        put_slice(out, &self.trailing);
    }

    /// Encodes the packet like [`Packet::encode`], after checking that every
    /// computed Length and count fits its 16-bit field (RFC 9260 3.2): a
    /// chunk over 65,535 bytes is refused with [`WriteError::TooLong`].
    /// Explicit Lengths and counts (the crafting overrides) are written as
    /// they are, right or wrong.
    pub fn try_encode(&self) -> Result<Vec<u8>, WriteError> {
        for c in &self.chunks {
            c.checked_length()?;
        }
        Ok(self.encode())
    }

    /// Encodes the packet; a `None` checksum is computed with
    /// `checksum_algorithm`. A chunk over 65,535 bytes, which
    /// [`Packet::try_encode`] refuses, is written with its computed Lengths
    /// and counts held at 65,535 rather than wrapped.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.wire_len());
        self.encode_into(&mut out);
        if self.checksum.is_none() {
            let c = checksum::compute(&out, self.checksum_algorithm);
            out[8..12].copy_from_slice(&c.to_be_bytes());
        }
        out
    }

    /// Reports the packet to a visitor, offsets from `at`.
    pub fn describe_at(&self, at: usize, v: &mut dyn Visitor) {
        let h = &self.header;
        let u = |v: u64, bits| Value::Uint { v, bits };
        v.field("source_port", Span::new(at, 2), u(h.source_port as u64, 16));
        v.field(
            "destination_port",
            Span::new(at + 2, 2),
            u(h.destination_port as u64, 16),
        );
        v.field(
            "verification_tag",
            Span::new(at + 4, 4),
            u(h.verification_tag as u64, 32),
        );
        v.field(
            "checksum",
            Span::new(at + 8, 4),
            u(self.checksum.unwrap_or(0) as u64, 32),
        );
        v.open(
            "chunks",
            Span::new(at + 12, list_len(&self.chunks, true)),
            crate::visit::Node::List,
        );
        describe_list(&self.chunks, at + 12, true, v);
        v.close();
        if !self.trailing.is_empty() {
            let t = at + 12 + list_len(&self.chunks, true);
            v.field(
                "trailing",
                Span::new(t, self.trailing.len()),
                Value::Bytes(&self.trailing),
            );
        }
    }

    /// Reports the packet to a visitor, offsets from its first byte.
    pub fn describe(&self, v: &mut dyn Visitor) {
        self.describe_at(0, &mut crate::visit::meaning::Annotate::new(v))
    }

    /// A random well-formed packet for property tests.
    pub fn generate(g: &mut Gen, depth: u8) -> Packet<'static> {
        let header = CommonHeader {
            source_port: g.u64() as u16,
            destination_port: g.u64() as u16,
            verification_tag: g.u64() as u32,
        };
        let mut p = Packet::new(header, generate_list(g, depth, 4));
        p.checksum = Some(g.u64() as u32);
        p
    }
}

/// A last chunk whose Length runs past the end of the packet (a truncated
/// capture, a fuzzed length), shown as a chunk all the same: its header as
/// written, typed from the bytes present when they hold its fields (a DATA
/// chunk cut short keeps its TSN), else raw with `e`, the framing error.
/// `None` when `rest` is not such a chunk.
pub(crate) fn cut_short_chunk<'a>(
    rest: &'a [u8],
    cx: &Ctx<'a>,
    e: &DecodeError,
) -> Option<Chunk<'a>> {
    if rest.len() < 4 || (u16::from_be_bytes([rest[2], rest[3]]) as usize) <= rest.len() {
        return None;
    }
    let mut c = match <Chunk as crate::tlv::Tlv>::decode_tlv(rest, cx) {
        Ok(c) => c,
        Err(_) => Chunk::new(
            rest[0],
            rest[1],
            crate::chunk::ChunkBody::Malformed(Cow::Borrowed(&rest[4..]), e.clone()),
        ),
    };
    c.length = Some(u16::from_be_bytes([rest[2], rest[3]]));
    c.padding = Some(Cow::Borrowed(&[]));
    Some(c)
}

impl IntoOwned for Packet<'_> {
    type Owned = Packet<'static>;
    fn into_owned(self) -> Packet<'static> {
        Packet {
            header: self.header,
            checksum: self.checksum,
            checksum_algorithm: self.checksum_algorithm,
            chunks: IntoOwned::into_owned(self.chunks),
            trailing: IntoOwned::into_owned(self.trailing),
            error: self.error,
        }
    }
}
