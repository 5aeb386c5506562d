//! SACK (RFC 9260 3.3.4) and NR-SACK (draft-tuexen-tsvwg-sctp-multipath):
//! counts first, lists after, so they are written by hand.

use crate::error::{DecodeError, ErrorKind};
use crate::gen::Gen;
use crate::visit::{Span, Value, Visitor};
use crate::wire::{len16, Ctx, Field, FieldInfo, FieldKind, IntoOwned, Record};

wire_record! {
    /// One Gap Ack Block (RFC 9260 3.3.4), offsets from the Cumulative TSN Ack.
    pub struct GapAckBlock {
        /// Gap Ack Block Start.
        pub start: u16,
        /// Gap Ack Block End.
        pub end: u16,
    }
}

/// Reads `n` records of `T` from `i`, or a count error at `at`.
fn take_records<'a, T: Record>(
    i: &'a [u8],
    n: usize,
    cx: &Ctx<'a>,
    what: &'static str,
    at: &[u8],
) -> Result<(&'a [u8], Vec<T>), DecodeError> {
    let need = n * T::SIZE;
    if i.len() < need {
        return Err(DecodeError::new(
            cx.offset(at),
            ErrorKind::BadCount { what, count: n },
        ));
    }
    let (l, r) = i.split_at(need);
    Ok((r, l.chunks_exact(T::SIZE).map(T::read).collect()))
}

/// Reads up to `n` records of `T` from `i`: those present, the rest, and
/// whether all `n` were there.
fn take_some<T: Record>(i: &[u8], n: usize) -> (&[u8], Vec<T>, bool) {
    let k = n.min(i.len() / T::SIZE);
    let (l, r) = i.split_at(k * T::SIZE);
    (r, l.chunks_exact(T::SIZE).map(T::read).collect(), k == n)
}

/// The explicit count to keep when fewer entries than announced were read.
fn short_count(n: u16, whole: bool) -> Option<u16> {
    (!whole).then_some(n)
}

fn describe_count(v: &mut dyn Visitor, name: &'static str, at: usize, n: u16) {
    v.field(
        name,
        Span::new(at, 2),
        Value::Uint {
            v: n as u64,
            bits: 16,
        },
    );
}

/// SACK (RFC 9260 3.3.4). The counts are derived from the lists unless set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SackChunk {
    /// Cumulative TSN Ack.
    pub cumulative_tsn_ack: u32,
    /// Advertised Receiver Window Credit.
    pub a_rwnd: u32,
    /// Number of Gap Ack Blocks to write instead of the list's length (crafting).
    pub number_of_gap_ack_blocks: Option<u16>,
    /// Number of Duplicate TSNs to write instead of the list's length (crafting).
    pub number_of_duplicate_tsns: Option<u16>,
    /// Gap Ack Blocks.
    pub gap_ack_blocks: Vec<GapAckBlock>,
    /// Duplicate TSNs.
    pub duplicate_tsns: Vec<u32>,
}

impl SackChunk {
    /// The fields in wire order.
    pub const FIELDS: &'static [FieldInfo] = &[
        FieldInfo {
            name: "cumulative_tsn_ack",
            kind: FieldKind::U32,
            doc: "Cumulative TSN Ack.",
        },
        FieldInfo {
            name: "a_rwnd",
            kind: FieldKind::U32,
            doc: "Advertised Receiver Window Credit.",
        },
        FieldInfo {
            name: "number_of_gap_ack_blocks",
            kind: FieldKind::U16,
            doc: "Number of Gap Ack Blocks.",
        },
        FieldInfo {
            name: "number_of_duplicate_tsns",
            kind: FieldKind::U16,
            doc: "Number of Duplicate TSNs.",
        },
        FieldInfo {
            name: "gap_ack_blocks",
            kind: FieldKind::Records(GapAckBlock::FIELDS),
            doc: "Gap Ack Blocks.",
        },
        FieldInfo {
            name: "duplicate_tsns",
            kind: FieldKind::U32List,
            doc: "Duplicate TSNs.",
        },
    ];
    /// Reads the value.
    pub fn decode_fields<'a>(i: &'a [u8], cx: &Ctx<'a>) -> Result<(&'a [u8], Self), DecodeError> {
        let start = i;
        let (i, cumulative_tsn_ack) = u32::decode(i, cx)?;
        let (i, a_rwnd) = u32::decode(i, cx)?;
        let (i, ng) = u16::decode(i, cx)?;
        let (i, nd) = u16::decode(i, cx)?;
        let (i, gap_ack_blocks) = take_records(i, ng as usize, cx, "gap ack block", start)?;
        let (i, duplicate_tsns) = take_records(i, nd as usize, cx, "duplicate TSN", start)?;
        Ok((
            i,
            SackChunk {
                cumulative_tsn_ack,
                a_rwnd,
                number_of_gap_ack_blocks: None,
                number_of_duplicate_tsns: None,
                gap_ack_blocks,
                duplicate_tsns,
            },
        ))
    }
    /// After [`Self::decode_fields`] failed on a count larger than the
    /// bytes present: the fixed fields, the gap blocks and duplicate TSNs
    /// that are there (the counts kept as read), the rest and the error.
    pub fn decode_fields_partial<'a>(
        i: &'a [u8],
        cx: &Ctx<'a>,
    ) -> Option<(&'a [u8], Self, DecodeError)> {
        let start = i;
        let (i, cumulative_tsn_ack) = u32::decode(i, cx).ok()?;
        let (i, a_rwnd) = u32::decode(i, cx).ok()?;
        let (i, ng) = u16::decode(i, cx).ok()?;
        let (i, nd) = u16::decode(i, cx).ok()?;
        let (i, gap_ack_blocks, g_whole) = take_some(i, ng as usize);
        let (i, duplicate_tsns, d_whole) = take_some(i, nd as usize);
        let (what, count) = match (g_whole, d_whole) {
            (false, _) => ("gap ack block", ng),
            (true, false) => ("duplicate TSN", nd),
            (true, true) => return None,
        };
        let e = DecodeError::new(
            cx.offset(start),
            ErrorKind::BadCount {
                what,
                count: count as usize,
            },
        );
        Some((
            i,
            SackChunk {
                cumulative_tsn_ack,
                a_rwnd,
                number_of_gap_ack_blocks: short_count(ng, g_whole),
                number_of_duplicate_tsns: short_count(nd, d_whole),
                gap_ack_blocks,
                duplicate_tsns,
            },
            e,
        ))
    }
    fn ng(&self) -> u16 {
        self.number_of_gap_ack_blocks
            .unwrap_or(len16(self.gap_ack_blocks.len()))
    }
    fn nd(&self) -> u16 {
        self.number_of_duplicate_tsns
            .unwrap_or(len16(self.duplicate_tsns.len()))
    }
    /// Appends the value.
    pub fn encode_fields(&self, out: &mut Vec<u8>) {
        self.cumulative_tsn_ack.encode(out);
        self.a_rwnd.encode(out);
        self.ng().encode(out);
        self.nd().encode(out);
        self.gap_ack_blocks.encode(out);
        self.duplicate_tsns.encode(out);
    }
    /// Bytes of the value.
    pub fn fields_len(&self) -> usize {
        12 + 4 * self.gap_ack_blocks.len() + 4 * self.duplicate_tsns.len()
    }
    /// Reports the fields.
    pub fn describe_fields(&self, at: usize, v: &mut dyn Visitor) {
        self.cumulative_tsn_ack
            .describe("cumulative_tsn_ack", at, v);
        self.a_rwnd.describe("a_rwnd", at + 4, v);
        describe_count(v, "number_of_gap_ack_blocks", at + 8, self.ng());
        describe_count(v, "number_of_duplicate_tsns", at + 10, self.nd());
        self.gap_ack_blocks.describe("gap_ack_blocks", at + 12, v);
        let at = at + 12 + self.gap_ack_blocks.wire_len();
        self.duplicate_tsns.describe("duplicate_tsns", at, v);
    }
    /// A random value.
    pub fn generate_fields(g: &mut Gen, depth: u8) -> Self {
        SackChunk {
            cumulative_tsn_ack: g.u64() as u32,
            a_rwnd: g.u64() as u32,
            number_of_gap_ack_blocks: None,
            number_of_duplicate_tsns: None,
            gap_ack_blocks: Field::generate(g, depth),
            duplicate_tsns: Field::generate(g, depth),
        }
    }
}

impl IntoOwned for SackChunk {
    type Owned = SackChunk;
    fn into_owned(self) -> SackChunk {
        self
    }
}

/// NR-SACK (draft-tuexen-tsvwg-sctp-multipath): SACK plus non-renegable gap blocks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NrSackChunk {
    /// Cumulative TSN Ack.
    pub cumulative_tsn_ack: u32,
    /// Advertised Receiver Window Credit.
    pub a_rwnd: u32,
    /// Number of Gap Ack Blocks to write instead of the list's length (crafting).
    pub number_of_gap_ack_blocks: Option<u16>,
    /// Number of NR Gap Ack Blocks to write instead of the list's length (crafting).
    pub number_of_nr_gap_ack_blocks: Option<u16>,
    /// Number of Duplicate TSNs to write instead of the list's length (crafting).
    pub number_of_duplicate_tsns: Option<u16>,
    /// Reserved, 0.
    pub reserved: u16,
    /// Gap Ack Blocks.
    pub gap_ack_blocks: Vec<GapAckBlock>,
    /// NR Gap Ack Blocks.
    pub nr_gap_ack_blocks: Vec<GapAckBlock>,
    /// Duplicate TSNs.
    pub duplicate_tsns: Vec<u32>,
}

impl NrSackChunk {
    /// The fields in wire order.
    pub const FIELDS: &'static [FieldInfo] = &[
        FieldInfo {
            name: "cumulative_tsn_ack",
            kind: FieldKind::U32,
            doc: "Cumulative TSN Ack.",
        },
        FieldInfo {
            name: "a_rwnd",
            kind: FieldKind::U32,
            doc: "Advertised Receiver Window Credit.",
        },
        FieldInfo {
            name: "number_of_gap_ack_blocks",
            kind: FieldKind::U16,
            doc: "Number of Gap Ack Blocks.",
        },
        FieldInfo {
            name: "number_of_nr_gap_ack_blocks",
            kind: FieldKind::U16,
            doc: "Number of NR Gap Ack Blocks.",
        },
        FieldInfo {
            name: "number_of_duplicate_tsns",
            kind: FieldKind::U16,
            doc: "Number of Duplicate TSNs.",
        },
        FieldInfo {
            name: "reserved",
            kind: FieldKind::U16,
            doc: "Reserved, 0.",
        },
        FieldInfo {
            name: "gap_ack_blocks",
            kind: FieldKind::Records(GapAckBlock::FIELDS),
            doc: "Gap Ack Blocks.",
        },
        FieldInfo {
            name: "nr_gap_ack_blocks",
            kind: FieldKind::Records(GapAckBlock::FIELDS),
            doc: "NR Gap Ack Blocks.",
        },
        FieldInfo {
            name: "duplicate_tsns",
            kind: FieldKind::U32List,
            doc: "Duplicate TSNs.",
        },
    ];
    /// Reads the value.
    pub fn decode_fields<'a>(i: &'a [u8], cx: &Ctx<'a>) -> Result<(&'a [u8], Self), DecodeError> {
        let start = i;
        let (i, cumulative_tsn_ack) = u32::decode(i, cx)?;
        let (i, a_rwnd) = u32::decode(i, cx)?;
        let (i, ng) = u16::decode(i, cx)?;
        let (i, nn) = u16::decode(i, cx)?;
        let (i, nd) = u16::decode(i, cx)?;
        let (i, reserved) = u16::decode(i, cx)?;
        let (i, gap_ack_blocks) = take_records(i, ng as usize, cx, "gap ack block", start)?;
        let (i, nr_gap_ack_blocks) = take_records(i, nn as usize, cx, "NR gap ack block", start)?;
        let (i, duplicate_tsns) = take_records(i, nd as usize, cx, "duplicate TSN", start)?;
        Ok((
            i,
            NrSackChunk {
                cumulative_tsn_ack,
                a_rwnd,
                number_of_gap_ack_blocks: None,
                number_of_nr_gap_ack_blocks: None,
                number_of_duplicate_tsns: None,
                reserved,
                gap_ack_blocks,
                nr_gap_ack_blocks,
                duplicate_tsns,
            },
        ))
    }
    /// After [`Self::decode_fields`] failed on a count larger than the
    /// bytes present: the fixed fields and the entries of each list that
    /// are there (the counts kept as read), the rest and the error.
    pub fn decode_fields_partial<'a>(
        i: &'a [u8],
        cx: &Ctx<'a>,
    ) -> Option<(&'a [u8], Self, DecodeError)> {
        let start = i;
        let (i, cumulative_tsn_ack) = u32::decode(i, cx).ok()?;
        let (i, a_rwnd) = u32::decode(i, cx).ok()?;
        let (i, ng) = u16::decode(i, cx).ok()?;
        let (i, nn) = u16::decode(i, cx).ok()?;
        let (i, nd) = u16::decode(i, cx).ok()?;
        let (i, reserved) = u16::decode(i, cx).ok()?;
        let (i, gap_ack_blocks, g_whole) = take_some(i, ng as usize);
        let (i, nr_gap_ack_blocks, n_whole) = take_some(i, nn as usize);
        let (i, duplicate_tsns, d_whole) = take_some(i, nd as usize);
        let (what, count) = match (g_whole, n_whole, d_whole) {
            (false, _, _) => ("gap ack block", ng),
            (true, false, _) => ("NR gap ack block", nn),
            (true, true, false) => ("duplicate TSN", nd),
            (true, true, true) => return None,
        };
        let e = DecodeError::new(
            cx.offset(start),
            ErrorKind::BadCount {
                what,
                count: count as usize,
            },
        );
        Some((
            i,
            NrSackChunk {
                cumulative_tsn_ack,
                a_rwnd,
                number_of_gap_ack_blocks: short_count(ng, g_whole),
                number_of_nr_gap_ack_blocks: short_count(nn, n_whole),
                number_of_duplicate_tsns: short_count(nd, d_whole),
                reserved,
                gap_ack_blocks,
                nr_gap_ack_blocks,
                duplicate_tsns,
            },
            e,
        ))
    }
    fn counts(&self) -> (u16, u16, u16) {
        (
            self.number_of_gap_ack_blocks
                .unwrap_or(len16(self.gap_ack_blocks.len())),
            self.number_of_nr_gap_ack_blocks
                .unwrap_or(len16(self.nr_gap_ack_blocks.len())),
            self.number_of_duplicate_tsns
                .unwrap_or(len16(self.duplicate_tsns.len())),
        )
    }
    /// Appends the value.
    pub fn encode_fields(&self, out: &mut Vec<u8>) {
        let (g, n, d) = self.counts();
        self.cumulative_tsn_ack.encode(out);
        self.a_rwnd.encode(out);
        g.encode(out);
        n.encode(out);
        d.encode(out);
        self.reserved.encode(out);
        self.gap_ack_blocks.encode(out);
        self.nr_gap_ack_blocks.encode(out);
        self.duplicate_tsns.encode(out);
    }
    /// Bytes of the value.
    pub fn fields_len(&self) -> usize {
        16 + 4
            * (self.gap_ack_blocks.len() + self.nr_gap_ack_blocks.len() + self.duplicate_tsns.len())
    }
    /// Reports the fields.
    pub fn describe_fields(&self, at: usize, v: &mut dyn Visitor) {
        let (g, n, d) = self.counts();
        self.cumulative_tsn_ack
            .describe("cumulative_tsn_ack", at, v);
        self.a_rwnd.describe("a_rwnd", at + 4, v);
        describe_count(v, "number_of_gap_ack_blocks", at + 8, g);
        describe_count(v, "number_of_nr_gap_ack_blocks", at + 10, n);
        describe_count(v, "number_of_duplicate_tsns", at + 12, d);
        self.reserved.describe("reserved", at + 14, v);
        let mut at = at + 16;
        self.gap_ack_blocks.describe("gap_ack_blocks", at, v);
        at += self.gap_ack_blocks.wire_len();
        self.nr_gap_ack_blocks.describe("nr_gap_ack_blocks", at, v);
        at += self.nr_gap_ack_blocks.wire_len();
        self.duplicate_tsns.describe("duplicate_tsns", at, v);
    }
    /// A random value.
    pub fn generate_fields(g: &mut Gen, depth: u8) -> Self {
        NrSackChunk {
            cumulative_tsn_ack: g.u64() as u32,
            a_rwnd: g.u64() as u32,
            number_of_gap_ack_blocks: None,
            number_of_nr_gap_ack_blocks: None,
            number_of_duplicate_tsns: None,
            reserved: 0,
            gap_ack_blocks: Field::generate(g, depth),
            nr_gap_ack_blocks: Field::generate(g, depth),
            duplicate_tsns: Field::generate(g, depth),
        }
    }
}

impl IntoOwned for NrSackChunk {
    type Owned = NrSackChunk;
    fn into_owned(self) -> NrSackChunk {
        self
    }
}
