//! Byte offsets of the fixed fields of the chunks the writer writes and the
//! views read without typing them, computed at compile time from the same
//! field lists (`FIELDS`) the typed decoder reads them with (RFC 9260 3.3).
//! Offsets count from the first byte of the value (after the chunk header).

use super::{
    DataChunk, ForwardTsnChunk, ForwardTsnStream, GapAckBlock, IDataChunk, IForwardTsnChunk,
    IForwardTsnStream, InitChunk, LowestTsnChunk, NrSackChunk, SackChunk, ShutdownChunk,
};
use crate::wire::{field_offset as at, fixed_len, Record};

// DATA (RFC 9260 3.3.1).
pub(crate) const DATA_FIXED: usize = fixed_len(DataChunk::FIELDS);
pub(crate) const DATA_TSN: usize = at(DataChunk::FIELDS, "tsn", 4);
pub(crate) const DATA_SID: usize = at(DataChunk::FIELDS, "stream_identifier", 2);
pub(crate) const DATA_SSN: usize = at(DataChunk::FIELDS, "stream_sequence_number", 2);
pub(crate) const DATA_PPID: usize = at(DataChunk::FIELDS, "payload_protocol_identifier", 4);

// I-DATA (RFC 8260 2.1).
pub(crate) const IDATA_FIXED: usize = fixed_len(IDataChunk::FIELDS);
pub(crate) const IDATA_TSN: usize = at(IDataChunk::FIELDS, "tsn", 4);
pub(crate) const IDATA_SID: usize = at(IDataChunk::FIELDS, "stream_identifier", 2);
pub(crate) const IDATA_MID: usize = at(IDataChunk::FIELDS, "message_identifier", 4);
pub(crate) const IDATA_PPID: usize = at(IDataChunk::FIELDS, "ppid_or_fsn", 4);

// SACK (RFC 9260 3.3.4).
pub(crate) const SACK_FIXED: usize = fixed_len(SackChunk::FIELDS);
pub(crate) const SACK_CUM: usize = at(SackChunk::FIELDS, "cumulative_tsn_ack", 4);
pub(crate) const SACK_RWND: usize = at(SackChunk::FIELDS, "a_rwnd", 4);
pub(crate) const SACK_NG: usize = at(SackChunk::FIELDS, "number_of_gap_ack_blocks", 2);
pub(crate) const SACK_ND: usize = at(SackChunk::FIELDS, "number_of_duplicate_tsns", 2);

// NR-SACK (draft-tuexen-tsvwg-sctp-multipath).
pub(crate) const NRSACK_FIXED: usize = fixed_len(NrSackChunk::FIELDS);
pub(crate) const NRSACK_CUM: usize = at(NrSackChunk::FIELDS, "cumulative_tsn_ack", 4);
pub(crate) const NRSACK_RWND: usize = at(NrSackChunk::FIELDS, "a_rwnd", 4);
pub(crate) const NRSACK_NG: usize = at(NrSackChunk::FIELDS, "number_of_gap_ack_blocks", 2);
pub(crate) const NRSACK_NN: usize = at(NrSackChunk::FIELDS, "number_of_nr_gap_ack_blocks", 2);
pub(crate) const NRSACK_ND: usize = at(NrSackChunk::FIELDS, "number_of_duplicate_tsns", 2);

// Gap Ack Block (RFC 9260 3.3.4) and Duplicate TSN records.
pub(crate) const GAP_SIZE: usize = GapAckBlock::SIZE;
pub(crate) const GAP_START: usize = at(GapAckBlock::FIELDS, "start", 2);
pub(crate) const GAP_END: usize = at(GapAckBlock::FIELDS, "end", 2);
pub(crate) const TSN_SIZE: usize = <u32 as Record>::SIZE;

// FORWARD TSN (RFC 3758 3.2).
pub(crate) const FWD_FIXED: usize = fixed_len(ForwardTsnChunk::FIELDS);
pub(crate) const FWD_CUM: usize = at(ForwardTsnChunk::FIELDS, "new_cumulative_tsn", 4);
pub(crate) const FWD_STREAM_SIZE: usize = ForwardTsnStream::SIZE;
pub(crate) const FWD_SID: usize = at(ForwardTsnStream::FIELDS, "stream_identifier", 2);
pub(crate) const FWD_SSN: usize = at(ForwardTsnStream::FIELDS, "stream_sequence_number", 2);

// I-FORWARD-TSN (RFC 8260 2.3.1).
pub(crate) const IFWD_FIXED: usize = fixed_len(IForwardTsnChunk::FIELDS);
pub(crate) const IFWD_CUM: usize = at(IForwardTsnChunk::FIELDS, "new_cumulative_tsn", 4);
pub(crate) const IFWD_STREAM_SIZE: usize = IForwardTsnStream::SIZE;
pub(crate) const IFWD_SID: usize = at(IForwardTsnStream::FIELDS, "stream_identifier", 2);
pub(crate) const IFWD_FLAGS: usize = at(IForwardTsnStream::FIELDS, "flags", 2);
pub(crate) const IFWD_MID: usize = at(IForwardTsnStream::FIELDS, "message_identifier", 4);

// INIT and INIT ACK (RFC 9260 3.3.2, 3.3.3).
pub(crate) const INIT_FIXED: usize = fixed_len(InitChunk::FIELDS);
pub(crate) const INIT_TAG: usize = at(InitChunk::FIELDS, "initiate_tag", 4);
pub(crate) const INIT_RWND: usize = at(InitChunk::FIELDS, "a_rwnd", 4);
pub(crate) const INIT_OS: usize = at(InitChunk::FIELDS, "number_of_outbound_streams", 2);
pub(crate) const INIT_MIS: usize = at(InitChunk::FIELDS, "number_of_inbound_streams", 2);
pub(crate) const INIT_TSN: usize = at(InitChunk::FIELDS, "initial_tsn", 4);

// SHUTDOWN (RFC 9260 3.3.8), ECNE and CWR (RFC 4960 Appendix A).
pub(crate) const SHUTDOWN_FIXED: usize = fixed_len(ShutdownChunk::FIELDS);
pub(crate) const SHUTDOWN_CUM: usize = at(ShutdownChunk::FIELDS, "cumulative_tsn_ack", 4);
pub(crate) const LOWEST_FIXED: usize = fixed_len(LowestTsnChunk::FIELDS);
pub(crate) const LOWEST_TSN: usize = at(LowestTsnChunk::FIELDS, "lowest_tsn", 4);

const _: () = {
    // The writer writes every fixed field of these chunks (I-DATA's Reserved
    // as zero); the sums would differ if a field were added to a list.
    assert!(DATA_FIXED == 4 + 2 + 2 + 4);
    assert!(IDATA_FIXED == 4 + 2 + 2 + 4 + 4);
    assert!(SACK_FIXED == 4 + 4 + 2 + 2);
    assert!(GAP_SIZE == 4 && TSN_SIZE == 4);
};
