//! Feeds the built-in SCTP dissector's "sctp" tap, so that what reads it
//! (`tshark -z sctp,stat`, `-z conv,sctp`, `-z endpoints,sctp`, Telephony →
//! SCTP → Analyse this Association) keeps working when sctpkit dissects
//! SCTP. The record is the one Wireshark 4.0's `packet-sctp.c` builds: one
//! entry per chunk, header to padding, each followed (in INIT and INIT ACK)
//! by the IPv4 and IPv6 Address parameters of its top-level list.

use sctp_codec::checksum::{ChecksumAlgorithm, ChecksumReport, ChecksumStatus};
use sctp_codec::wire::pad4;
use sctp_codec::{PacketView, Rules};

use crate::assoc::AssocId;
use crate::ffi::{TapFacts, TapSpan};

/// Chunk types whose T bit says the tag is reflected (RFC 9260 3.3.7, 3.3.13).
const ABORT: u8 = 0x06;
const SHUTDOWN_COMPLETE: u8 = 0x0E;
/// INIT and INIT ACK (RFC 9260 3.3.2, 3.3.3): parameters after 16 bytes.
const INIT: u8 = 0x01;
const INIT_ACK: u8 = 0x02;
/// IPv4 and IPv6 Address parameters (RFC 9260 3.3.2.1).
const IPV4_ADDRESS: u16 = 5;
const IPV6_ADDRESS: u16 = 6;

/// A TLV's length as the built-in's sub-tvb has it: padded to 4, clipped
/// to the `end` of what encloses it.
fn padded(start: usize, length: u16, end: usize) -> u32 {
    let length = length as usize;
    (length + pad4(length)).min(end.saturating_sub(start)) as u32
}

/// The tap record of packet `bytes` (of `reported_len` bytes on the wire),
/// checksum verified as `report` says, in association `assoc`.
pub fn record(
    bytes: &[u8],
    reported_len: usize,
    report: Option<&ChecksumReport>,
    assoc: AssocId,
) -> Option<(TapFacts, Vec<TapSpan>)> {
    // Framing only: which numbering is in force does not move a chunk.
    let view = PacketView::parse(bytes, Rules::STANDARD).ok()?;
    let h = view.header();
    let mut spans = Vec::with_capacity(view.chunk_count());
    let mut reflected = false;
    for c in view.chunks() {
        let start = c.offset();
        let len = padded(start, c.length(), reported_len);
        spans.push(TapSpan {
            start: start as u32,
            length: len,
        });
        reflected |= matches!(c.ty(), ABORT | SHUTDOWN_COMPLETE) && c.flags() & 1 != 0;
        if matches!(c.ty(), INIT | INIT_ACK) {
            let chunk_end = start + len as usize;
            for p in c.tlvs() {
                if matches!(p.ty(), IPV4_ADDRESS | IPV6_ADDRESS) {
                    spans.push(TapSpan {
                        start: p.offset() as u32,
                        length: padded(p.offset(), p.length(), chunk_end),
                    });
                }
            }
        }
    }
    let flag = |alg: ChecksumAlgorithm| -> (i32, i32) {
        match report {
            Some(r) if r.algorithm == alg => (1, i32::from(r.status == ChecksumStatus::Good)),
            _ => (0, 0),
        }
    };
    let (crc_calc, crc_ok) = flag(ChecksumAlgorithm::Crc32c);
    let (adler_calc, adler_ok) = flag(ChecksumAlgorithm::Adler32);
    let facts = TapFacts {
        verification_tag: h.verification_tag,
        sport: h.source_port,
        dport: h.destination_port,
        checksum_zero: i32::from(view.checksum_field() == 0),
        crc32c_calculated: crc_calc,
        crc32c_correct: crc_ok,
        adler32_calculated: adler_calc,
        adler32_correct: adler_ok,
        vtag_reflected: i32::from(reflected),
        assoc_index: assoc.index,
        direction: assoc.direction,
    };
    Some((facts, spans))
}
