//! PKTDROP (draft-stewart-sctp-pktdrprep): reports a dropped packet and carries
//! (part of) it. Flags: M (middlebox), B (bad checksum), T (truncated).

use std::borrow::Cow;

use crate::error::DecodeError;
use crate::gen::Gen;
use crate::packet::Packet;
use crate::visit::{Node, Span, Value, Visitor};
use crate::wire::{put_slice, Ctx, Field, FieldKind, IntoOwned};

/// The dropped packet inside a PKTDROP: decoded when it has a whole common
/// header (its chunks may be cut short), else raw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DroppedPacket<'a> {
    /// The packet, decoded leniently; its own checksum is kept as it was.
    Parsed(Box<Packet<'a>>),
    /// Fewer than 12 bytes.
    Raw(Cow<'a, [u8]>),
}

impl<'a> Field<'a> for DroppedPacket<'a> {
    const KIND: FieldKind = FieldKind::Packet;
    fn decode(i: &'a [u8], cx: &Ctx<'a>) -> Result<(&'a [u8], Self), DecodeError> {
        let end = &i[i.len()..];
        if i.len() < 12 {
            return Ok((end, DroppedPacket::Raw(Cow::Borrowed(i))));
        }
        let cx = cx.deeper(i)?;
        let cx = Ctx {
            strict: false,
            ..cx
        };
        match Packet::decode_in(i, &cx) {
            Ok(p) => Ok((end, DroppedPacket::Parsed(Box::new(p)))),
            Err(_) => Ok((end, DroppedPacket::Raw(Cow::Borrowed(i)))),
        }
    }
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            DroppedPacket::Parsed(p) => p.encode_into(out),
            DroppedPacket::Raw(b) => put_slice(out, b),
        }
    }
    fn wire_len(&self) -> usize {
        match self {
            DroppedPacket::Parsed(p) => p.wire_len(),
            DroppedPacket::Raw(b) => b.len(),
        }
    }
    fn describe(&self, name: &'static str, at: usize, v: &mut dyn Visitor) {
        match self {
            DroppedPacket::Parsed(p) => {
                v.open(name, Span::new(at, p.wire_len()), Node::Packet);
                p.describe_at(at, v);
                v.close();
            }
            DroppedPacket::Raw(b) => v.field(name, Span::new(at, b.len()), Value::Bytes(b)),
        }
    }
    fn generate(g: &mut Gen, depth: u8) -> Self {
        DroppedPacket::Parsed(Box::new(Packet::generate(g, depth + 1)))
    }
}

impl IntoOwned for DroppedPacket<'_> {
    type Owned = DroppedPacket<'static>;
    fn into_owned(self) -> DroppedPacket<'static> {
        match self {
            DroppedPacket::Parsed(p) => DroppedPacket::Parsed(Box::new(p.into_owned())),
            DroppedPacket::Raw(b) => DroppedPacket::Raw(IntoOwned::into_owned(b)),
        }
    }
}

wire_struct! {
    /// PKTDROP (draft-stewart-sctp-pktdrprep).
    pub struct PktDropChunk<'a> {
        /// Bottleneck bandwidth the reporter saw (usrsctp `bottle_bw`;
        /// the draft's figure is lost: usrsctp, FreeBSD and Wireshark agree
        /// on two 32-bit fields here).
        pub bandwidth: u32,
        /// Bytes queued at the reporter (usrsctp `current_onq`).
        pub queue_size: u32,
        /// Truncated Length (the original length when the T bit is set).
        pub truncated_length: u16,
        /// Reserved, 0.
        pub reserved: u16,
        /// The dropped packet (common header and chunks, possibly cut short).
        pub dropped_packet: DroppedPacket<'a>,
    }
}
