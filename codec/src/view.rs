//! Zero-copy views of SCTP packets (RFC 9260 3): the framing of every chunk,
//! and of the parameter or cause list inside each registered chunk, checked
//! in one pass without allocating; chunks typed one at a time, on demand.
//!
//! This is the hot path for code that looks at every packet but needs the
//! typed value of few chunks (a summary line, an endpoint dispatching on chunk
//! type, a replayer matching a capture). [`Packet::decode`] types everything
//! eagerly; both follow the same framing rule ([`crate::tlv::split_frame`]).
//!
//! ```
//! use sctp_codec::{chunk::ty, Decoder, Dialect};
//! // DATA (TSN 7, "hi") bundled with an ERROR carrying a Stale Cookie cause.
//! let bytes = [
//!     0x13, 0x88, 0x13, 0x88, 0, 0, 0, 1, 0, 0, 0, 0, // common header
//!     0x00, 0x03, 0, 18, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, b'h', b'i', 0, 0,
//!     0x09, 0x00, 0, 12, 0, 3, 0, 8, 0, 0, 0x27, 0x10,
//! ];
//! let mut dec = Decoder::new(Dialect::Auto);
//! let view = dec.view(&bytes, None)?;
//! let mut seen = Vec::new();
//! for c in view.chunks() {
//!     match c.ty() {
//!         ty::DATA => if let Some(d) = c.data() { seen.push(format!("DATA {}", d.tsn())) },
//!         ty::ERROR => for cause in c.tlvs() { seen.push(format!("{} at {}", cause.name(), cause.offset())) },
//!         _ => seen.push(c.name().to_string()),
//!     }
//! }
//! assert_eq!(seen, ["DATA 7", "Stale Cookie at 36"]);
//! # Ok::<(), sctp_codec::DecodeError>(())
//! ```

mod readers;

pub use readers::{
    DataView, ForwardTsnStreams, ForwardTsnView, GapBlocks, IDataView, IForwardTsnStreams,
    IForwardTsnView, InitView, NrSackView, SackView, Tsns,
};

use crate::chunk::{resolve_chunk, Chunk, CHUNK_TYPES};
use crate::dialect::Rules;
use crate::error::{DecodeError, ErrorKind};
use crate::packet::{CommonHeader, DecodeOptions, Packet};
use crate::registry::{self, DialectTag, Family, Layout, TypeInfo};
use crate::tlv::{split_frame, Frame, Tlv};
use crate::wire::{Carrier, Ctx, FieldKind};

/// What the registry says of one chunk type number in one dialect.
struct Row {
    info: Option<&'static TypeInfo>,
    layout: Layout,
}

const NO_ROW: Row = Row {
    info: None,
    layout: Layout {
        fixed: 0,
        list: None,
    },
};

/// The chunk rows of dialect `tag`, indexed by type number.
const fn rows(tag: DialectTag) -> [Row; 256] {
    let mut t = [NO_ROW; 256];
    let mut k = 0;
    while k < CHUNK_TYPES.len() {
        let info = &CHUNK_TYPES[k];
        if info.dialect as u8 == tag as u8 {
            t[info.value as usize] = Row {
                info: Some(info),
                layout: info.layout(),
            };
        }
        k += 1;
    }
    t
}

static STANDARD_ROWS: [Row; 256] = rows(DialectTag::Standard);
static SSCTP_ROWS: [Row; 256] = rows(DialectTag::Ssctp);

/// The registry row that types chunk `whole` under `rules`, if any.
#[inline]
fn row(whole: &[u8], rules: &Rules) -> &'static Row {
    match resolve_chunk(whole[0], whole, rules) {
        Some(DialectTag::Standard) => &STANDARD_ROWS[whole[0] as usize],
        Some(DialectTag::Ssctp) => &SSCTP_ROWS[whole[0] as usize],
        _ => &NO_ROW,
    }
}

/// Whether a registered chunk's value holds its fixed fields and, when its
/// layout ends in a TLV list, whether every TLV of that list frames.
fn value_frames(value: &[u8], layout: &Layout) -> bool {
    let Some(list) = value.get(layout.fixed as usize..) else {
        return false;
    };
    if layout.list.is_none() {
        return true;
    }
    let mut i = list;
    while i.len() >= 4 {
        match split_frame(i) {
            Ok((_, rest)) => i = rest,
            Err(_) => return false,
        }
    }
    true
}

/// An SCTP packet whose framing has been checked: common header, every
/// chunk's Length, and the TLV list inside every registered chunk that
/// carries one. Nothing is copied or allocated.
#[derive(Debug, Clone)]
pub struct PacketView<'a> {
    bytes: &'a [u8],
    rules: Rules,
    end: usize,
    chunks: usize,
    malformed: usize,
    error: Option<DecodeError>,
}

/// The framing [`PacketView::parse`] found in a packet (where its whole
/// chunks end, RFC 9260 3.2, how many there are, how many are malformed):
/// kept to rebuild the view of the same bytes without scanning them again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framing {
    len: u32,
    end: u32,
    chunks: u16,
    malformed: u16,
}

impl<'a> PacketView<'a> {
    /// The framing found, for [`PacketView::with_framing`]; `None` when a
    /// chunk Length could not be followed (then parse again).
    pub fn framing(&self) -> Option<Framing> {
        if self.error.is_some() {
            return None;
        }
        Some(Framing {
            len: u32::try_from(self.bytes.len()).ok()?,
            end: u32::try_from(self.end).ok()?,
            chunks: u16::try_from(self.chunks).ok()?,
            malformed: u16::try_from(self.malformed).ok()?,
        })
    }

    /// The view [`PacketView::parse`] gives `b` under `rules`, from the
    /// [`Framing`] a parse of the same bytes under the same rules found (RFC
    /// 9260 3.2), without a second scan; parses when `f` does not fit `b`.
    pub fn with_framing(b: &'a [u8], rules: Rules, f: Framing) -> Result<Self, DecodeError> {
        let end = f.end as usize;
        if b.len() != f.len as usize || end < 12 || end > b.len() {
            return Self::parse(b, rules);
        }
        Ok(PacketView {
            bytes: b,
            rules,
            end,
            chunks: usize::from(f.chunks),
            malformed: usize::from(f.malformed),
            error: None,
        })
    }

    /// Checks the framing of packet `b` under `rules`. Fails only when the
    /// common header is incomplete (like a lenient [`Packet::decode`]); a chunk
    /// Length that cannot be followed ends the chunks and is kept in
    /// [`PacketView::error`], with the bytes from there in
    /// [`PacketView::trailing`].
    pub fn parse(b: &'a [u8], rules: Rules) -> Result<Self, DecodeError> {
        if b.len() < 12 {
            return Err(DecodeError::new(
                0,
                ErrorKind::Truncated {
                    what: "common header",
                    need: 12,
                    have: b.len(),
                },
            ));
        }
        let mut i = &b[12..];
        let (mut chunks, mut malformed, mut error) = (0, 0, None);
        while i.len() >= 4 {
            match split_frame(i) {
                Ok((f, rest)) => {
                    chunks += 1;
                    let r = row(f.whole, &rules);
                    if r.info.is_some() && !value_frames(&f.whole[4..], &r.layout) {
                        malformed += 1;
                    }
                    i = rest;
                }
                Err(length) => {
                    error = Some(DecodeError::new(
                        b.len() - i.len(),
                        ErrorKind::BadLength {
                            what: "chunk",
                            length,
                            available: i.len(),
                        },
                    ));
                    break;
                }
            }
        }
        Ok(PacketView {
            bytes: b,
            rules,
            end: b.len() - i.len(),
            chunks,
            malformed,
            error,
        })
    }

    /// The packet's bytes.
    #[inline]
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }
    /// The rules the packet is read with.
    #[inline]
    pub fn rules(&self) -> Rules {
        self.rules
    }
    /// The common header (RFC 9260 3.1).
    #[inline]
    pub fn header(&self) -> CommonHeader {
        let b = self.bytes;
        CommonHeader {
            source_port: u16::from_be_bytes([b[0], b[1]]),
            destination_port: u16::from_be_bytes([b[2], b[3]]),
            verification_tag: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
        }
    }
    /// The Checksum field, read in network byte order.
    #[inline]
    pub fn checksum_field(&self) -> u32 {
        let b = self.bytes;
        u32::from_be_bytes([b[8], b[9], b[10], b[11]])
    }
    /// The whole chunks, in order.
    #[inline]
    pub fn chunks(&self) -> ChunkIter<'a> {
        ChunkIter {
            frames: Frames {
                origin: self.bytes,
                rest: &self.bytes[12..self.end],
            },
            rules: self.rules,
        }
    }
    /// How many whole chunks there are.
    #[inline]
    pub fn chunk_count(&self) -> usize {
        self.chunks
    }
    /// How many registered chunks have a value too short for their fixed
    /// fields or a parameter/cause list whose Lengths cannot be followed
    /// (the typed decoder marks each of these `Malformed`, among others).
    #[inline]
    pub fn malformed_count(&self) -> usize {
        self.malformed
    }
    /// Bytes after the last whole chunk (see [`Packet::trailing`]).
    #[inline]
    pub fn trailing(&self) -> &'a [u8] {
        &self.bytes[self.end..]
    }
    /// Why the chunks end before the packet does, if they do.
    #[inline]
    pub fn error(&self) -> Option<&DecodeError> {
        self.error.as_ref()
    }
    /// The chunk whose Length runs past the end of the packet, if the chunks
    /// end that way, typed from the bytes present: what [`Packet::decode`]
    /// shows as the packet's last chunk.
    pub fn cut_short(&self) -> Option<Chunk<'a>> {
        let e = self.error.as_ref()?;
        let cx = Ctx::new(self.bytes, self.rules);
        crate::packet::cut_short_chunk(self.trailing(), &cx, e)
    }
    /// The whole packet typed (a lenient [`Packet::decode`] with these rules).
    pub fn decode(&self) -> Result<Packet<'a>, DecodeError> {
        Packet::decode(
            self.bytes,
            &DecodeOptions {
                rules: self.rules,
                strict: false,
            },
        )
    }
}

/// A TLV in place: the packet it is in, its offset there, its framing.
#[derive(Debug, Clone, Copy)]
struct Placed<'a> {
    origin: &'a [u8],
    at: usize,
    frame: Frame<'a>,
}

/// The TLVs of a list, in place; ends for good at a Length that cannot be
/// followed (the views only walk lists whose framing they checked, or say so).
#[derive(Debug, Clone)]
struct Frames<'a> {
    origin: &'a [u8],
    rest: &'a [u8],
}

impl<'a> Iterator for Frames<'a> {
    type Item = Placed<'a>;
    #[inline]
    fn next(&mut self) -> Option<Placed<'a>> {
        if self.rest.len() < 4 {
            return None;
        }
        let Ok((frame, rest)) = split_frame(self.rest) else {
            self.rest = &[];
            return None;
        };
        let at = self.rest.as_ptr() as usize - self.origin.as_ptr() as usize;
        self.rest = rest;
        Some(Placed {
            origin: self.origin,
            at,
            frame,
        })
    }
}

/// The chunks of a [`PacketView`].
#[derive(Debug, Clone)]
pub struct ChunkIter<'a> {
    frames: Frames<'a>,
    rules: Rules,
}

impl<'a> Iterator for ChunkIter<'a> {
    type Item = ChunkView<'a>;
    #[inline]
    fn next(&mut self) -> Option<ChunkView<'a>> {
        let placed = self.frames.next()?;
        Some(ChunkView {
            placed,
            rules: self.rules,
        })
    }
}

/// One chunk of a [`PacketView`] (RFC 9260 3.2), read in place.
#[derive(Debug, Clone, Copy)]
pub struct ChunkView<'a> {
    placed: Placed<'a>,
    rules: Rules,
}

impl<'a> ChunkView<'a> {
    /// Chunk Type.
    #[inline]
    pub fn ty(&self) -> u8 {
        self.placed.frame.whole[0]
    }
    /// Chunk Flags.
    #[inline]
    pub fn flags(&self) -> u8 {
        self.placed.frame.whole[1]
    }
    /// Chunk Length.
    #[inline]
    pub fn length(&self) -> u16 {
        self.placed.frame.length()
    }
    /// The value: the bytes after the header, inside Length.
    #[inline]
    pub fn value(&self) -> &'a [u8] {
        &self.placed.frame.whole[4..]
    }
    /// Header and value (exactly Length bytes).
    #[inline]
    pub fn bytes(&self) -> &'a [u8] {
        self.placed.frame.whole
    }
    /// The padding bytes after the value.
    #[inline]
    pub fn padding(&self) -> &'a [u8] {
        self.placed.frame.padding
    }
    /// Offset of the chunk's first byte in the packet.
    #[inline]
    pub fn offset(&self) -> usize {
        self.placed.at
    }
    /// The registry entry that types this chunk under the packet's rules.
    pub fn info(&self) -> Option<&'static TypeInfo> {
        row(self.bytes(), &self.rules).info
    }
    /// The registered name, or "Unknown".
    pub fn name(&self) -> &'static str {
        self.info().map_or("Unknown", |i| i.name)
    }
    /// The chunk typed (lenient: a value that does not decode is kept as
    /// `Malformed`), offsets in errors counted from the packet's first byte.
    pub fn decode(&self) -> Chunk<'a> {
        // Depth 1, as for the chunks of a packet decoded whole.
        let cx = Ctx {
            depth: 1,
            ..Ctx::new(self.placed.origin, self.rules)
        };
        let mut c = match Chunk::decode_tlv(self.bytes(), &cx) {
            Ok(c) => c,
            // Lenient decoding keeps every problem inside the chunk.
            Err(e) => Chunk::new(
                self.ty(),
                self.flags(),
                crate::chunk::ChunkBody::Malformed(std::borrow::Cow::Borrowed(self.value()), e),
            ),
        };
        if !self.placed.frame.normal_padding(&[0; 4], true) {
            c.set_padding(Some(std::borrow::Cow::Borrowed(self.padding())));
        }
        c
    }
    /// Whether the value frames as its registered type says (see
    /// [`PacketView::malformed_count`]); true for types the rules do not know.
    pub fn is_well_framed(&self) -> bool {
        let r = row(self.bytes(), &self.rules);
        r.info.is_none() || value_frames(self.value(), &r.layout)
    }
    /// The parameters or causes of a registered chunk whose value ends in
    /// such a list (INIT, ERROR, ASCONF, RE-CONFIG, ...); empty otherwise.
    /// Stops at a Length that cannot be followed.
    pub fn tlvs(&self) -> TlvIter<'a> {
        let r = row(self.bytes(), &self.rules);
        let (kind, rest) = match (r.info, r.layout.list) {
            (Some(_), Some(kind)) => (
                kind,
                self.value().get(r.layout.fixed as usize..).unwrap_or(&[]),
            ),
            _ => (FieldKind::Params, &[][..]),
        };
        let carrier = match r.info.map(|i| i.dialect) {
            Some(DialectTag::Ssctp) => Carrier::of_ssctp_chunk(self.ty()),
            _ => Carrier::Other,
        };
        TlvIter {
            frames: Frames {
                origin: self.placed.origin,
                rest,
            },
            kind,
            rules: self.rules,
            carrier,
        }
    }
}

/// The parameters or causes inside a [`ChunkView`].
#[derive(Debug, Clone)]
pub struct TlvIter<'a> {
    frames: Frames<'a>,
    kind: FieldKind,
    rules: Rules,
    carrier: Carrier,
}

impl<'a> Iterator for TlvIter<'a> {
    type Item = TlvView<'a>;
    #[inline]
    fn next(&mut self) -> Option<TlvView<'a>> {
        let placed = self.frames.next()?;
        Some(TlvView {
            placed,
            kind: self.kind,
            rules: self.rules,
            carrier: self.carrier,
        })
    }
}

/// One parameter (RFC 9260 3.2.1) or error cause (RFC 9260 3.3.10) inside a
/// chunk, read in place.
#[derive(Debug, Clone, Copy)]
pub struct TlvView<'a> {
    placed: Placed<'a>,
    kind: FieldKind,
    rules: Rules,
    carrier: Carrier,
}

impl<'a> TlvView<'a> {
    /// Parameter Type or Cause Code.
    #[inline]
    pub fn ty(&self) -> u16 {
        let w = self.placed.frame.whole;
        match self.kind {
            FieldKind::Chunks => w[0] as u16,
            _ => u16::from_be_bytes([w[0], w[1]]),
        }
    }
    /// Parameter or Cause Length.
    #[inline]
    pub fn length(&self) -> u16 {
        self.placed.frame.length()
    }
    /// The value, inside Length.
    #[inline]
    pub fn value(&self) -> &'a [u8] {
        &self.placed.frame.whole[4..]
    }
    /// Offset of the first byte in the packet.
    #[inline]
    pub fn offset(&self) -> usize {
        self.placed.at
    }
    /// Whether this is a cause, a parameter or (in a list of chunks) a chunk.
    #[inline]
    pub fn family(&self) -> Family {
        match self.kind {
            FieldKind::Causes => Family::Cause,
            FieldKind::Chunks => Family::Chunk,
            _ => Family::Param,
        }
    }
    /// The registry entry that types it under the packet's rules.
    pub fn info(&self) -> Option<&'static TypeInfo> {
        let cx = Ctx {
            carrier: self.carrier,
            ..Ctx::new(self.placed.origin, self.rules)
        };
        let (ty, value) = (self.ty(), self.value());
        let (tag, ty) = match self.family() {
            Family::Cause => crate::cause::resolve_cause(ty, value, &cx)?,
            Family::Param => crate::param::resolve_param(ty, value, &cx)?,
            Family::Chunk => return row(self.placed.frame.whole, &self.rules).info,
        };
        registry::lookup(self.family(), tag, ty)
    }
    /// The registered name, or "Unknown".
    pub fn name(&self) -> &'static str {
        self.info().map_or("Unknown", |i| i.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A view rebuilt from its framing is the view a parse gives (every
    /// field, through Debug), and a framing that does not fit the bytes
    /// falls back to a parse.
    #[test]
    fn with_framing_is_parse() {
        let rules = Rules::STANDARD;
        let mut good = vec![0x0b, 0x59, 0x0b, 0x59, 0, 0, 0x3f, 0xf5, 0, 0, 0, 0];
        // DATA (RFC 9260 3.3.1): TSN, SID, SSN, PPID, 4 bytes of data.
        good.extend([0, 3, 0, 20, 0, 0, 0, 1, 0, 7, 0, 4, 0, 0, 0, 3, 1, 2, 3, 4]);
        // SACK (RFC 9260 3.3.4) with no gaps or duplicates.
        good.extend([3, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0x20, 0, 0, 0, 0, 0]);
        let mut trailing = good.clone();
        trailing.extend([9, 9]);
        let mut overrun = good.clone();
        overrun.extend([0, 3, 0, 200, 0, 0, 0, 2]);
        for b in [&good, &trailing] {
            let v = PacketView::parse(b, rules).unwrap();
            let f = v.framing().expect("no framing error");
            let w = PacketView::with_framing(b, rules, f).unwrap();
            assert_eq!(format!("{v:?}"), format!("{w:?}"));
            assert_eq!(w.chunks().count(), 2);
            // Other bytes than the ones parsed: parsed afresh.
            let cut = &b[..b.len() - 4];
            let w = PacketView::with_framing(cut, rules, f).unwrap();
            let p = PacketView::parse(cut, rules).unwrap();
            assert_eq!(format!("{p:?}"), format!("{w:?}"));
        }
        let v = PacketView::parse(&overrun, rules).unwrap();
        assert!(v.error().is_some());
        assert_eq!(v.framing(), None);
    }
}
