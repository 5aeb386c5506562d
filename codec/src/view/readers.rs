//! Typed zero-copy readers of the chunks an endpoint reads on every packet
//! (DATA, I-DATA, SACK, NR-SACK, FORWARD-TSN, I-FORWARD-TSN, INIT, INIT ACK,
//! SHUTDOWN, COOKIE ECHO, ECNE, CWR): fields read in place at offsets
//! computed at compile time from the typed decoder's field lists, nothing
//! copied or allocated, never a read past the chunk's value.

use std::slice::ChunksExact;

use super::{ChunkView, TlvIter};
use crate::chunk::flags::{DATA_B, DATA_E, DATA_I, DATA_U};
use crate::chunk::offsets::*;
use crate::chunk::{resolve_chunk, ty};
use crate::registry::DialectTag;

#[inline]
fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

#[inline]
fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl<'a> ChunkView<'a> {
    /// The value, when this chunk is the standard chunk type `t` under the
    /// packet's rules and its value holds the `fixed` bytes of fixed fields.
    /// Types up to AUTH (RFC 9260 3.2, RFC 4895 4.1: DATA, SACK, INIT,
    /// SHUTDOWN...) are standard under any rules: no registry lookup for
    /// them (`t` is a constant, so the test goes at compile time).
    #[inline]
    fn value_of(&self, t: u8, fixed: usize) -> Option<&'a [u8]> {
        let v = self.value();
        (self.ty() == t
            && v.len() >= fixed
            && (t <= ty::AUTH
                || resolve_chunk(t, self.bytes(), &self.rules) == Some(DialectTag::Standard)))
        .then_some(v)
    }

    /// DATA (RFC 9260 3.3.1), or `None` when this is not a DATA chunk or its
    /// value is shorter than the 12 bytes of fixed fields.
    #[inline]
    pub fn data(&self) -> Option<DataView<'a>> {
        let value = self.value_of(ty::DATA, DATA_FIXED)?;
        Some(DataView {
            flags: self.flags(),
            value,
        })
    }

    /// I-DATA (RFC 8260 2.1), or `None` (not I-DATA, or fixed fields cut short).
    #[inline]
    pub fn idata(&self) -> Option<IDataView<'a>> {
        let value = self.value_of(ty::I_DATA, IDATA_FIXED)?;
        Some(IDataView {
            flags: self.flags(),
            value,
        })
    }

    /// SACK (RFC 9260 3.3.4), or `None` (not SACK, or fixed fields cut short).
    #[inline]
    pub fn sack(&self) -> Option<SackView<'a>> {
        let value = self.value_of(ty::SACK, SACK_FIXED)?;
        Some(SackView {
            flags: self.flags(),
            value,
        })
    }

    /// NR-SACK (draft-tuexen-tsvwg-sctp-multipath), or `None` (not NR-SACK
    /// under the packet's rules, or fixed fields cut short).
    #[inline]
    pub fn nr_sack(&self) -> Option<NrSackView<'a>> {
        let value = self.value_of(ty::NR_SACK, NRSACK_FIXED)?;
        Some(NrSackView {
            flags: self.flags(),
            value,
        })
    }

    /// FORWARD TSN (RFC 3758 3.2), or `None`.
    #[inline]
    pub fn forward_tsn(&self) -> Option<ForwardTsnView<'a>> {
        let value = self.value_of(ty::FORWARD_TSN, FWD_FIXED)?;
        Some(ForwardTsnView { value })
    }

    /// I-FORWARD-TSN (RFC 8260 2.3.1), or `None`.
    #[inline]
    pub fn i_forward_tsn(&self) -> Option<IForwardTsnView<'a>> {
        let value = self.value_of(ty::I_FORWARD_TSN, IFWD_FIXED)?;
        Some(IForwardTsnView { value })
    }

    /// INIT (RFC 9260 3.3.2) or INIT ACK (RFC 9260 3.3.3), or `None`.
    #[inline]
    pub fn init(&self) -> Option<InitView<'a>> {
        let value = self
            .value_of(ty::INIT, INIT_FIXED)
            .or_else(|| self.value_of(ty::INIT_ACK, INIT_FIXED))?;
        Some(InitView {
            chunk: *self,
            value,
        })
    }

    /// SHUTDOWN's Cumulative TSN Ack (RFC 9260 3.3.8), or `None`.
    #[inline]
    pub fn shutdown_cum_tsn_ack(&self) -> Option<u32> {
        let v = self.value_of(ty::SHUTDOWN, SHUTDOWN_FIXED)?;
        Some(be32(v, SHUTDOWN_CUM))
    }

    /// COOKIE ECHO's State Cookie (RFC 9260 3.3.11), or `None`.
    #[inline]
    pub fn cookie_echo(&self) -> Option<&'a [u8]> {
        self.value_of(ty::COOKIE_ECHO, 0)
    }

    /// The Lowest TSN Number of an ECNE or CWR (RFC 4960 Appendix A), or `None`.
    #[inline]
    pub fn lowest_tsn(&self) -> Option<u32> {
        let v = self
            .value_of(ty::ECNE, LOWEST_FIXED)
            .or_else(|| self.value_of(ty::CWR, LOWEST_FIXED))?;
        Some(be32(v, LOWEST_TSN))
    }
}

/// A DATA chunk read in place (RFC 9260 3.3.1).
#[derive(Debug, Clone, Copy)]
pub struct DataView<'a> {
    flags: u8,
    value: &'a [u8],
}

impl<'a> DataView<'a> {
    /// Chunk Flags (RFC 9260 3.3.1).
    #[inline]
    pub fn flags(&self) -> u8 {
        self.flags
    }
    /// Transmission Sequence Number (RFC 9260 3.3.1).
    #[inline]
    pub fn tsn(&self) -> u32 {
        be32(self.value, DATA_TSN)
    }
    /// Stream Identifier (RFC 9260 3.3.1).
    #[inline]
    pub fn stream(&self) -> u16 {
        be16(self.value, DATA_SID)
    }
    /// Stream Sequence Number (RFC 9260 3.3.1).
    #[inline]
    pub fn ssn(&self) -> u16 {
        be16(self.value, DATA_SSN)
    }
    /// Payload Protocol Identifier (RFC 9260 3.3.1).
    #[inline]
    pub fn ppid(&self) -> u32 {
        be32(self.value, DATA_PPID)
    }
    /// User Data, in place (RFC 9260 3.3.1).
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        &self.value[DATA_FIXED..]
    }
    /// The U bit: unordered (RFC 9260 3.3.1).
    #[inline]
    pub fn unordered(&self) -> bool {
        self.flags & DATA_U != 0
    }
    /// The B bit: first fragment (RFC 9260 3.3.1).
    #[inline]
    pub fn beginning(&self) -> bool {
        self.flags & DATA_B != 0
    }
    /// The E bit: last fragment (RFC 9260 3.3.1).
    #[inline]
    pub fn ending(&self) -> bool {
        self.flags & DATA_E != 0
    }
    /// The I bit: SACK immediately (RFC 9260 3.3.1, RFC 7053).
    #[inline]
    pub fn immediate(&self) -> bool {
        self.flags & DATA_I != 0
    }
}

/// An I-DATA chunk read in place (RFC 8260 2.1).
#[derive(Debug, Clone, Copy)]
pub struct IDataView<'a> {
    flags: u8,
    value: &'a [u8],
}

impl<'a> IDataView<'a> {
    /// Chunk Flags (RFC 8260 2.1).
    #[inline]
    pub fn flags(&self) -> u8 {
        self.flags
    }
    /// Transmission Sequence Number (RFC 8260 2.1).
    #[inline]
    pub fn tsn(&self) -> u32 {
        be32(self.value, IDATA_TSN)
    }
    /// Stream Identifier (RFC 8260 2.1).
    #[inline]
    pub fn stream(&self) -> u16 {
        be16(self.value, IDATA_SID)
    }
    /// Message Identifier (RFC 8260 2.1).
    #[inline]
    pub fn mid(&self) -> u32 {
        be32(self.value, IDATA_MID)
    }
    /// Payload Protocol Identifier (B bit set) or Fragment Sequence Number (RFC 8260 2.1).
    #[inline]
    pub fn ppid_or_fsn(&self) -> u32 {
        be32(self.value, IDATA_PPID)
    }
    /// User Data, in place (RFC 8260 2.1).
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        &self.value[IDATA_FIXED..]
    }
    /// The U bit: unordered (RFC 8260 2.1).
    #[inline]
    pub fn unordered(&self) -> bool {
        self.flags & DATA_U != 0
    }
    /// The B bit: first fragment (RFC 8260 2.1).
    #[inline]
    pub fn beginning(&self) -> bool {
        self.flags & DATA_B != 0
    }
    /// The E bit: last fragment (RFC 8260 2.1).
    #[inline]
    pub fn ending(&self) -> bool {
        self.flags & DATA_E != 0
    }
    /// The I bit: SACK immediately (RFC 8260 2.1, RFC 7053).
    #[inline]
    pub fn immediate(&self) -> bool {
        self.flags & DATA_I != 0
    }
}

/// The records of a list whose count is given elsewhere: `count` records
/// from `from`, as many as the value holds (counts may lie).
#[inline]
fn records(value: &[u8], from: usize, count: usize, size: usize) -> (&[u8], usize) {
    let rest = value.get(from..).unwrap_or(&[]);
    let n = count.min(rest.len() / size);
    (
        &rest[..n * size],
        from.saturating_add(count.saturating_mul(size)),
    )
}

/// Gap Ack Blocks (RFC 9260 3.3.4) as (start, end) offsets from the
/// Cumulative TSN Ack.
#[derive(Debug, Clone)]
pub struct GapBlocks<'a>(ChunksExact<'a, u8>);

impl Iterator for GapBlocks<'_> {
    type Item = (u16, u16);
    #[inline]
    fn next(&mut self) -> Option<(u16, u16)> {
        let b = self.0.next()?;
        Some((be16(b, GAP_START), be16(b, GAP_END)))
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for GapBlocks<'_> {}

/// Duplicate TSNs (RFC 9260 3.3.4).
#[derive(Debug, Clone)]
pub struct Tsns<'a>(ChunksExact<'a, u8>);

impl Iterator for Tsns<'_> {
    type Item = u32;
    #[inline]
    fn next(&mut self) -> Option<u32> {
        Some(be32(self.0.next()?, 0))
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for Tsns<'_> {}

/// A SACK chunk read in place (RFC 9260 3.3.4). The lists hold the entries
/// the counts announce, or as many as the value holds when a count lies
/// ([`SackView::counts_fit`] says which).
#[derive(Debug, Clone, Copy)]
pub struct SackView<'a> {
    flags: u8,
    value: &'a [u8],
}

impl<'a> SackView<'a> {
    /// Chunk Flags (RFC 9260 3.3.4).
    #[inline]
    pub fn flags(&self) -> u8 {
        self.flags
    }
    /// Cumulative TSN Ack (RFC 9260 3.3.4).
    #[inline]
    pub fn cum_tsn_ack(&self) -> u32 {
        be32(self.value, SACK_CUM)
    }
    /// Advertised Receiver Window Credit (RFC 9260 3.3.4).
    #[inline]
    pub fn a_rwnd(&self) -> u32 {
        be32(self.value, SACK_RWND)
    }
    /// Number of Gap Ack Blocks as written (RFC 9260 3.3.4).
    #[inline]
    pub fn gap_count(&self) -> u16 {
        be16(self.value, SACK_NG)
    }
    /// Number of Duplicate TSNs as written (RFC 9260 3.3.4).
    #[inline]
    pub fn dup_count(&self) -> u16 {
        be16(self.value, SACK_ND)
    }
    /// Whether the value holds every entry the counts announce (RFC 9260
    /// 3.3.4); the typed decoder marks a SACK where it does not `Malformed`.
    #[inline]
    pub fn counts_fit(&self) -> bool {
        let need = SACK_FIXED
            + GAP_SIZE * self.gap_count() as usize
            + TSN_SIZE * self.dup_count() as usize;
        self.value.len() >= need
    }
    /// The Gap Ack Blocks, (start, end) offsets from the Cumulative TSN Ack
    /// (RFC 9260 3.3.4).
    #[inline]
    pub fn gap_blocks(&self) -> GapBlocks<'a> {
        let (b, _) = records(self.value, SACK_FIXED, self.gap_count() as usize, GAP_SIZE);
        GapBlocks(b.chunks_exact(GAP_SIZE))
    }
    /// The Duplicate TSNs (RFC 9260 3.3.4).
    #[inline]
    pub fn dup_tsns(&self) -> Tsns<'a> {
        let (_, from) = records(self.value, SACK_FIXED, self.gap_count() as usize, GAP_SIZE);
        let (b, _) = records(self.value, from, self.dup_count() as usize, TSN_SIZE);
        Tsns(b.chunks_exact(TSN_SIZE))
    }
}

/// An NR-SACK chunk read in place (draft-tuexen-tsvwg-sctp-multipath); the
/// lists behave as [`SackView`]'s.
#[derive(Debug, Clone, Copy)]
pub struct NrSackView<'a> {
    flags: u8,
    value: &'a [u8],
}

impl<'a> NrSackView<'a> {
    /// Chunk Flags (draft-tuexen-tsvwg-sctp-multipath).
    #[inline]
    pub fn flags(&self) -> u8 {
        self.flags
    }
    /// Cumulative TSN Ack (draft-tuexen-tsvwg-sctp-multipath).
    #[inline]
    pub fn cum_tsn_ack(&self) -> u32 {
        be32(self.value, NRSACK_CUM)
    }
    /// Advertised Receiver Window Credit (draft-tuexen-tsvwg-sctp-multipath).
    #[inline]
    pub fn a_rwnd(&self) -> u32 {
        be32(self.value, NRSACK_RWND)
    }
    /// Number of Gap Ack Blocks as written (draft-tuexen-tsvwg-sctp-multipath).
    #[inline]
    pub fn gap_count(&self) -> u16 {
        be16(self.value, NRSACK_NG)
    }
    /// Number of NR Gap Ack Blocks as written (draft-tuexen-tsvwg-sctp-multipath).
    #[inline]
    pub fn nr_gap_count(&self) -> u16 {
        be16(self.value, NRSACK_NN)
    }
    /// Number of Duplicate TSNs as written (draft-tuexen-tsvwg-sctp-multipath).
    #[inline]
    pub fn dup_count(&self) -> u16 {
        be16(self.value, NRSACK_ND)
    }
    /// Whether the value holds every entry the counts announce
    /// (draft-tuexen-tsvwg-sctp-multipath).
    #[inline]
    pub fn counts_fit(&self) -> bool {
        let need = NRSACK_FIXED
            + GAP_SIZE * (self.gap_count() as usize + self.nr_gap_count() as usize)
            + TSN_SIZE * self.dup_count() as usize;
        self.value.len() >= need
    }
    /// The Gap Ack Blocks (draft-tuexen-tsvwg-sctp-multipath).
    #[inline]
    pub fn gap_blocks(&self) -> GapBlocks<'a> {
        let (b, _) = records(
            self.value,
            NRSACK_FIXED,
            self.gap_count() as usize,
            GAP_SIZE,
        );
        GapBlocks(b.chunks_exact(GAP_SIZE))
    }
    /// The NR Gap Ack Blocks (draft-tuexen-tsvwg-sctp-multipath).
    #[inline]
    pub fn nr_gap_blocks(&self) -> GapBlocks<'a> {
        let from = NRSACK_FIXED + GAP_SIZE * self.gap_count() as usize;
        let (b, _) = records(self.value, from, self.nr_gap_count() as usize, GAP_SIZE);
        GapBlocks(b.chunks_exact(GAP_SIZE))
    }
    /// The Duplicate TSNs (draft-tuexen-tsvwg-sctp-multipath).
    #[inline]
    pub fn dup_tsns(&self) -> Tsns<'a> {
        let from =
            NRSACK_FIXED + GAP_SIZE * (self.gap_count() as usize + self.nr_gap_count() as usize);
        let (b, _) = records(self.value, from, self.dup_count() as usize, TSN_SIZE);
        Tsns(b.chunks_exact(TSN_SIZE))
    }
}

/// FORWARD TSN stream entries (RFC 3758 3.2) as (stream, stream sequence).
#[derive(Debug, Clone)]
pub struct ForwardTsnStreams<'a>(ChunksExact<'a, u8>);

impl Iterator for ForwardTsnStreams<'_> {
    type Item = (u16, u16);
    #[inline]
    fn next(&mut self) -> Option<(u16, u16)> {
        let b = self.0.next()?;
        Some((be16(b, FWD_SID), be16(b, FWD_SSN)))
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for ForwardTsnStreams<'_> {}

/// A FORWARD TSN chunk read in place (RFC 3758 3.2).
#[derive(Debug, Clone, Copy)]
pub struct ForwardTsnView<'a> {
    value: &'a [u8],
}

impl<'a> ForwardTsnView<'a> {
    /// New Cumulative TSN (RFC 3758 3.2).
    #[inline]
    pub fn new_cum_tsn(&self) -> u32 {
        be32(self.value, FWD_CUM)
    }
    /// The skipped streams as (stream, stream sequence); bytes that do not
    /// fill a whole entry are ignored (RFC 3758 3.2).
    #[inline]
    pub fn streams(&self) -> ForwardTsnStreams<'a> {
        ForwardTsnStreams(self.value[FWD_FIXED..].chunks_exact(FWD_STREAM_SIZE))
    }
}

/// I-FORWARD-TSN stream entries (RFC 8260 2.3.1) as (stream, flags with the
/// U bit 0x0001, message identifier).
#[derive(Debug, Clone)]
pub struct IForwardTsnStreams<'a>(ChunksExact<'a, u8>);

impl Iterator for IForwardTsnStreams<'_> {
    type Item = (u16, u16, u32);
    #[inline]
    fn next(&mut self) -> Option<(u16, u16, u32)> {
        let b = self.0.next()?;
        Some((be16(b, IFWD_SID), be16(b, IFWD_FLAGS), be32(b, IFWD_MID)))
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for IForwardTsnStreams<'_> {}

/// An I-FORWARD-TSN chunk read in place (RFC 8260 2.3.1).
#[derive(Debug, Clone, Copy)]
pub struct IForwardTsnView<'a> {
    value: &'a [u8],
}

impl<'a> IForwardTsnView<'a> {
    /// New Cumulative TSN (RFC 8260 2.3.1).
    #[inline]
    pub fn new_cum_tsn(&self) -> u32 {
        be32(self.value, IFWD_CUM)
    }
    /// The skipped streams (RFC 8260 2.3.1).
    #[inline]
    pub fn streams(&self) -> IForwardTsnStreams<'a> {
        IForwardTsnStreams(self.value[IFWD_FIXED..].chunks_exact(IFWD_STREAM_SIZE))
    }
}

/// An INIT or INIT ACK chunk read in place (RFC 9260 3.3.2, 3.3.3).
#[derive(Debug, Clone, Copy)]
pub struct InitView<'a> {
    chunk: ChunkView<'a>,
    value: &'a [u8],
}

impl<'a> InitView<'a> {
    /// Whether this is an INIT ACK rather than an INIT (RFC 9260 3.3.3).
    #[inline]
    pub fn is_ack(&self) -> bool {
        self.chunk.ty() == ty::INIT_ACK
    }
    /// Initiate Tag (RFC 9260 3.3.2).
    #[inline]
    pub fn initiate_tag(&self) -> u32 {
        be32(self.value, INIT_TAG)
    }
    /// Advertised Receiver Window Credit (RFC 9260 3.3.2).
    #[inline]
    pub fn a_rwnd(&self) -> u32 {
        be32(self.value, INIT_RWND)
    }
    /// Number of Outbound Streams (RFC 9260 3.3.2).
    #[inline]
    pub fn outbound_streams(&self) -> u16 {
        be16(self.value, INIT_OS)
    }
    /// Number of Inbound Streams (RFC 9260 3.3.2).
    #[inline]
    pub fn inbound_streams(&self) -> u16 {
        be16(self.value, INIT_MIS)
    }
    /// Initial TSN (RFC 9260 3.3.2).
    #[inline]
    pub fn initial_tsn(&self) -> u32 {
        be32(self.value, INIT_TSN)
    }
    /// The optional/variable-length parameters, in place (RFC 9260 3.3.2.1);
    /// stops at a Length that cannot be followed.
    #[inline]
    pub fn params(&self) -> TlvIter<'a> {
        self.chunk.tlvs()
    }
}
