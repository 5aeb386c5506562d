//! The transmit side (RFC 9260 3): one SCTP packet built in place in a
//! caller-owned buffer, chunk by chunk, each refused before a byte is written
//! when it would pass the path MTU, so the caller can bundle up to the limit.
//!
//! The hot chunks (DATA, I-DATA, SACK) are written straight from their
//! arguments at offsets computed at compile time from the same field lists
//! (`FIELDS`) the typed decoder reads them with; any other chunk goes through
//! [`Chunk`]'s encoder, exactly as [`crate::Packet::encode`] writes it.
//!
//! ```
//! use sctp_codec::{ChecksumAlgorithm, ChunkBody, CommonHeader, DecodeOptions, Packet, PacketWriter};
//! use sctp_codec::chunk::flags::{DATA_B, DATA_E};
//! let mut buf = Vec::with_capacity(1500);
//! let header = CommonHeader { source_port: 5000, destination_port: 5000, verification_tag: 7 };
//! let mut w = PacketWriter::new(&mut buf, header, 1452);
//! w.push_sack(0, 41, 65536, [(2, 3)], [39])?;
//! w.push_data(DATA_B | DATA_E, 42, 1, 0, 51, b"hello")?;
//! let bytes = w.finish(ChecksumAlgorithm::Crc32c);
//! let p = Packet::decode(bytes, &DecodeOptions::default())?;
//! let ChunkBody::Data(d) = &p.chunks[1].body else { panic!() };
//! assert_eq!((d.tsn, &d.user_data[..]), (42, &b"hello"[..]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use crate::checksum::{self, ChecksumAlgorithm};
use crate::chunk::offsets::*;
use crate::chunk::{ty, Chunk};
use crate::packet::CommonHeader;
use crate::tlv::{list_len, Tlv};
use crate::wire::pad4;

/// The largest chunk value: a Chunk Length is 16 bits and counts the 4-byte
/// chunk header (RFC 9260 3.2).
pub const MAX_VALUE: usize = u16::MAX as usize - 4;

/// Why a chunk was not written (RFC 9260 3.2); the packet is left exactly as
/// before the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteError {
    /// The chunk, padding included, needs `need` bytes and only `remaining`
    /// are left under the packet's limit: send this packet, start another.
    WouldExceed {
        /// Bytes the chunk takes, padding included.
        need: usize,
        /// Bytes still free under the limit.
        remaining: usize,
    },
    /// A computed Length or count does not fit its 16-bit field: the value of
    /// chunk `what` has `len` bytes (at most 65,531 fit, RFC 9260 3.2), or a
    /// list has `len` entries (at most 65,535 fit, RFC 9260 3.3.4).
    TooLong {
        /// The chunk or list concerned.
        what: &'static str,
        /// Its size in bytes, or in entries for a count.
        len: usize,
    },
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::WouldExceed { need, remaining } => write!(
                f,
                "chunk needs {need} bytes, {remaining} left under the packet limit"
            ),
            WriteError::TooLong { what, len } => {
                write!(f, "{what}: {len} does not fit a 16-bit Length or count")
            }
        }
    }
}

impl std::error::Error for WriteError {}

/// Builds one SCTP packet (RFC 9260 3) into a caller-owned `Vec`: cleared
/// first, its capacity reused, so nothing is allocated once it is large
/// enough for the limit.
#[derive(Debug)]
pub struct PacketWriter<'b> {
    buf: &'b mut Vec<u8>,
    limit: usize,
    chunks: usize,
}

#[inline]
fn put16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_be_bytes());
}

#[inline]
fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

impl<'b> PacketWriter<'b> {
    /// Starts a packet (RFC 9260 3.1): clears `buf` and writes the common
    /// header with a zero checksum. `limit` is the largest packet in bytes
    /// (the path MTU minus the IP and UDP headers); chunks that would pass
    /// it are refused.
    pub fn new(buf: &'b mut Vec<u8>, header: CommonHeader, limit: usize) -> Self {
        buf.clear();
        let mut h = [0u8; 12];
        put16(&mut h, 0, header.source_port);
        put16(&mut h, 2, header.destination_port);
        put32(&mut h, 4, header.verification_tag);
        buf.extend_from_slice(&h);
        PacketWriter {
            buf,
            limit,
            chunks: 0,
        }
    }

    /// Bytes written so far, the common header included (RFC 9260 3).
    #[inline]
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Bytes still free under the limit (RFC 9260 3).
    #[inline]
    pub fn remaining(&self) -> usize {
        self.limit.saturating_sub(self.buf.len())
    }

    /// How many chunks were written (RFC 9260 3).
    #[inline]
    pub fn chunk_count(&self) -> usize {
        self.chunks
    }

    /// Whether no chunk was written yet (RFC 9260 3).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.chunks == 0
    }

    /// The limit given to [`PacketWriter::new`] (RFC 9260 3).
    #[inline]
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The bytes written so far, checksum still zero (RFC 9260 3).
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        self.buf
    }

    /// The bytes written so far, mutable: for a field that depends on what
    /// follows it, such as the HMAC of an AUTH chunk (RFC 4895 6.2), filled
    /// in before [`PacketWriter::finish`].
    #[inline]
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        self.buf
    }

    /// Checks that a chunk with a value of `value` bytes fits a Length and
    /// the limit; returns the bytes it takes with its padding (RFC 9260 3.2).
    #[inline]
    fn room(&self, what: &'static str, value: usize) -> Result<usize, WriteError> {
        if value > MAX_VALUE {
            return Err(WriteError::TooLong { what, len: value });
        }
        self.fits(4 + value + pad4(value))
    }

    #[inline]
    fn fits(&self, need: usize) -> Result<usize, WriteError> {
        let remaining = self.remaining();
        if need > remaining {
            return Err(WriteError::WouldExceed { need, remaining });
        }
        Ok(need)
    }

    /// Appends the zero padding of a chunk of `len` bytes (RFC 9260 3.2).
    #[inline]
    fn pad(&mut self, len: usize) {
        self.buf.extend_from_slice(&[0u8; 3][..pad4(len)]);
        self.chunks += 1;
    }

    /// DATA (RFC 9260 3.3.1): the payload is borrowed and copied once, into
    /// the buffer. `flags` holds the I, U, B and E bits
    /// ([`crate::chunk::flags`]).
    pub fn push_data(
        &mut self,
        flags: u8,
        tsn: u32,
        stream: u16,
        ssn: u16,
        ppid: u32,
        payload: &[u8],
    ) -> Result<(), WriteError> {
        let value = DATA_FIXED + payload.len();
        self.room("DATA", value)?;
        let mut h = [0u8; 4 + DATA_FIXED];
        h[0] = ty::DATA;
        h[1] = flags;
        put16(&mut h, 2, (4 + value) as u16);
        put32(&mut h, 4 + DATA_TSN, tsn);
        put16(&mut h, 4 + DATA_SID, stream);
        put16(&mut h, 4 + DATA_SSN, ssn);
        put32(&mut h, 4 + DATA_PPID, ppid);
        self.buf.extend_from_slice(&h);
        self.buf.extend_from_slice(payload);
        self.pad(value);
        Ok(())
    }

    /// I-DATA (RFC 8260 2.1): `ppid_or_fsn` is the Payload Protocol
    /// Identifier on a first fragment (B bit set), else the Fragment
    /// Sequence Number; Reserved is written as zero.
    pub fn push_idata(
        &mut self,
        flags: u8,
        tsn: u32,
        stream: u16,
        mid: u32,
        ppid_or_fsn: u32,
        payload: &[u8],
    ) -> Result<(), WriteError> {
        let value = IDATA_FIXED + payload.len();
        self.room("I-DATA", value)?;
        let mut h = [0u8; 4 + IDATA_FIXED];
        h[0] = ty::I_DATA;
        h[1] = flags;
        put16(&mut h, 2, (4 + value) as u16);
        put32(&mut h, 4 + IDATA_TSN, tsn);
        put16(&mut h, 4 + IDATA_SID, stream);
        put32(&mut h, 4 + IDATA_MID, mid);
        put32(&mut h, 4 + IDATA_PPID, ppid_or_fsn);
        self.buf.extend_from_slice(&h);
        self.buf.extend_from_slice(payload);
        self.pad(value);
        Ok(())
    }

    /// SACK (RFC 9260 3.3.4): `gaps` are Gap Ack Blocks as (start, end)
    /// offsets from `cum_tsn_ack`, `dups` the Duplicate TSNs. The counts are
    /// the iterators' lengths; an iterator that yields fewer items than it
    /// said leaves zeros, one that yields more is cut at its length.
    pub fn push_sack<G, D>(
        &mut self,
        flags: u8,
        cum_tsn_ack: u32,
        a_rwnd: u32,
        gaps: G,
        dups: D,
    ) -> Result<(), WriteError>
    where
        G: IntoIterator<Item = (u16, u16)>,
        G::IntoIter: ExactSizeIterator,
        D: IntoIterator<Item = u32>,
        D::IntoIter: ExactSizeIterator,
    {
        let (gaps, dups) = (gaps.into_iter(), dups.into_iter());
        let (ng, nd) = (gaps.len(), dups.len());
        let count = |what, n: usize| match u16::try_from(n) {
            Ok(n) => Ok(n),
            Err(_) => Err(WriteError::TooLong { what, len: n }),
        };
        let ng16 = count("SACK gap ack blocks", ng)?;
        let nd16 = count("SACK duplicate TSNs", nd)?;
        let value = SACK_FIXED + ng * GAP_SIZE + nd * TSN_SIZE;
        self.room("SACK", value)?;
        let at = self.buf.len();
        self.buf.resize(at + 4 + value, 0);
        let c = &mut self.buf[at..];
        c[0] = ty::SACK;
        c[1] = flags;
        put16(c, 2, (4 + value) as u16);
        let v = &mut c[4..];
        put32(v, SACK_CUM, cum_tsn_ack);
        put32(v, SACK_RWND, a_rwnd);
        put16(v, SACK_NG, ng16);
        put16(v, SACK_ND, nd16);
        let (blocks, tsns) = v[SACK_FIXED..].split_at_mut(ng * GAP_SIZE);
        for (slot, (start, end)) in blocks.chunks_exact_mut(GAP_SIZE).zip(gaps) {
            put16(slot, GAP_START, start);
            put16(slot, GAP_END, end);
        }
        for (slot, tsn) in tsns.chunks_exact_mut(TSN_SIZE).zip(dups) {
            put32(slot, 0, tsn);
        }
        self.pad(value);
        Ok(())
    }

    /// NR-SACK (draft-tuexen-tsvwg-sctp-multipath, as FreeBSD sends it):
    /// `gaps` the renegable Gap Ack Blocks, `nr_gaps` the non-renegable
    /// ones, `dups` the Duplicate TSNs; counts as for [`Self::push_sack`].
    pub fn push_nr_sack<G, N, D>(
        &mut self,
        flags: u8,
        cum_tsn_ack: u32,
        a_rwnd: u32,
        gaps: G,
        nr_gaps: N,
        dups: D,
    ) -> Result<(), WriteError>
    where
        G: IntoIterator<Item = (u16, u16)>,
        G::IntoIter: ExactSizeIterator,
        N: IntoIterator<Item = (u16, u16)>,
        N::IntoIter: ExactSizeIterator,
        D: IntoIterator<Item = u32>,
        D::IntoIter: ExactSizeIterator,
    {
        let (gaps, nr_gaps, dups) = (gaps.into_iter(), nr_gaps.into_iter(), dups.into_iter());
        let (ng, nn, nd) = (gaps.len(), nr_gaps.len(), dups.len());
        let count = |what, n: usize| match u16::try_from(n) {
            Ok(n) => Ok(n),
            Err(_) => Err(WriteError::TooLong { what, len: n }),
        };
        let ng16 = count("NR-SACK gap ack blocks", ng)?;
        let nn16 = count("NR-SACK NR gap ack blocks", nn)?;
        let nd16 = count("NR-SACK duplicate TSNs", nd)?;
        let value = NRSACK_FIXED + (ng + nn) * GAP_SIZE + nd * TSN_SIZE;
        self.room("NR-SACK", value)?;
        let at = self.buf.len();
        self.buf.resize(at + 4 + value, 0);
        let c = &mut self.buf[at..];
        c[0] = ty::NR_SACK;
        c[1] = flags;
        put16(c, 2, (4 + value) as u16);
        let v = &mut c[4..];
        put32(v, NRSACK_CUM, cum_tsn_ack);
        put32(v, NRSACK_RWND, a_rwnd);
        put16(v, NRSACK_NG, ng16);
        put16(v, NRSACK_NN, nn16);
        put16(v, NRSACK_ND, nd16);
        let (blocks, tsns) = v[NRSACK_FIXED..].split_at_mut((ng + nn) * GAP_SIZE);
        for (slot, (start, end)) in blocks.chunks_exact_mut(GAP_SIZE).zip(gaps.chain(nr_gaps)) {
            put16(slot, GAP_START, start);
            put16(slot, GAP_END, end);
        }
        for (slot, tsn) in tsns.chunks_exact_mut(TSN_SIZE).zip(dups) {
            put32(slot, 0, tsn);
        }
        self.pad(value);
        Ok(())
    }

    /// Any chunk the codec can build (RFC 9260 3.2): control chunks, crafted
    /// or malformed ones, written by the same field tables as
    /// [`crate::Packet::encode`]. An explicit Length (`chunk.length`) and
    /// explicit padding are written as they are; a computed Length that does
    /// not fit 16 bits is refused, and so is any chunk over 65,535 bytes,
    /// whose nested Lengths and counts could not be right either.
    pub fn push_chunk(&mut self, chunk: &Chunk<'_>) -> Result<(), WriteError> {
        chunk.checked_length()?;
        let len = chunk.tlv_len();
        let need = list_len(std::slice::from_ref(chunk), true);
        self.fits(need)?;
        chunk.encode_tlv(self.buf);
        match chunk.padding() {
            Some(p) => self.buf.extend_from_slice(p),
            None => self.buf.resize(self.buf.len() + pad4(len), 0),
        }
        self.chunks += 1;
        Ok(())
    }

    /// A chunk from its type, flags and raw value (RFC 9260 3.2): Length
    /// computed and checked, zero padding to a multiple of 4.
    pub fn push_raw(&mut self, ty: u8, flags: u8, value: &[u8]) -> Result<(), WriteError> {
        self.room("chunk", value.len())?;
        self.buf.push(ty);
        self.buf.push(flags);
        self.buf
            .extend_from_slice(&((4 + value.len()) as u16).to_be_bytes());
        self.buf.extend_from_slice(value);
        self.pad(value.len());
        Ok(())
    }

    /// Fills the Checksum field (CRC32c per RFC 9260 6.8 and Appendix A, zero per
    /// RFC 9653, or the legacy Adler-32 of RFC 2960) and returns the packet.
    pub fn finish(self, algo: ChecksumAlgorithm) -> &'b [u8] {
        let c = checksum::compute(self.buf, algo);
        self.buf[8..12].copy_from_slice(&c.to_be_bytes());
        self.buf
    }
}
