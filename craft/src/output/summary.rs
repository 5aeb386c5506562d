//! One-line summaries of chunks, like tshark's Info column but with the key
//! fields of each chunk.

use std::fmt::Write as _;

use sctp_codec::cause::Cause;
use sctp_codec::chunk::{Chunk, ChunkBody};

fn causes(out: &mut String, list: &[Cause<'_>]) {
    out.push('(');
    for (k, c) in list.iter().enumerate() {
        if k > 0 {
            out.push_str(", ");
        }
        out.push_str(c.name());
    }
    out.push(')');
}

/// Appends the summary of one chunk: its name and key fields.
pub fn chunk(out: &mut String, c: &Chunk<'_>) {
    out.push_str(c.name());
    if c.info().is_none() {
        let _ = write!(out, "(type=0x{:02x},len={})", c.ty, c.wire_length());
        return;
    }
    let _ = match &c.body {
        ChunkBody::Data(d) => write!(
            out,
            "(tsn={},sid={},ssn={},ppid={},len={}{})",
            d.tsn,
            d.stream_identifier,
            d.stream_sequence_number,
            d.payload_protocol_identifier,
            d.user_data.len(),
            flags_beu(c.flags)
        ),
        ChunkBody::IData(d) => write!(
            out,
            "(tsn={},sid={},mid={},{}={},len={}{})",
            d.tsn,
            d.stream_identifier,
            d.message_identifier,
            if c.flags & 2 != 0 { "ppid" } else { "fsn" },
            d.ppid_or_fsn,
            d.user_data.len(),
            flags_beu(c.flags)
        ),
        ChunkBody::Init(i) | ChunkBody::InitAck(i) => write!(
            out,
            "(tag=0x{:08x},a_rwnd={},os={},is={},tsn={},params={})",
            i.initiate_tag,
            i.a_rwnd,
            i.number_of_outbound_streams,
            i.number_of_inbound_streams,
            i.initial_tsn,
            i.params.len()
        ),
        ChunkBody::Sack(s) => write!(
            out,
            "(cum_ack={},a_rwnd={},gaps={},dups={})",
            s.cumulative_tsn_ack,
            s.a_rwnd,
            s.gap_ack_blocks.len(),
            s.duplicate_tsns.len()
        ),
        ChunkBody::NrSack(s) => write!(
            out,
            "(cum_ack={},a_rwnd={},gaps={},nr_gaps={},dups={})",
            s.cumulative_tsn_ack,
            s.a_rwnd,
            s.gap_ack_blocks.len(),
            s.nr_gap_ack_blocks.len(),
            s.duplicate_tsns.len()
        ),
        ChunkBody::Shutdown(s) => write!(out, "(cum_ack={})", s.cumulative_tsn_ack),
        ChunkBody::Ecne(e) | ChunkBody::Cwr(e) => write!(out, "(lowest_tsn={})", e.lowest_tsn),
        ChunkBody::ForwardTsn(f) => write!(
            out,
            "(new_cum_tsn={},streams={})",
            f.new_cumulative_tsn,
            f.streams.len()
        ),
        ChunkBody::IForwardTsn(f) => write!(
            out,
            "(new_cum_tsn={},streams={})",
            f.new_cumulative_tsn,
            f.streams.len()
        ),
        ChunkBody::Asconf(a) | ChunkBody::AsconfAck(a) => {
            write!(out, "(seq={},params={})", a.sequence_number, a.params.len())
        }
        ChunkBody::Auth(a) => write!(
            out,
            "(key={},hmac_id={})",
            a.shared_key_identifier, a.hmac_identifier
        ),
        ChunkBody::CookieEcho(k) => write!(out, "(cookie_len={})", k.cookie.len()),
        ChunkBody::Abort(a) | ChunkBody::Error(a) => {
            causes(out, &a.causes);
            Ok(())
        }
        ChunkBody::ReConfig(r) => {
            out.push('(');
            for (k, p) in r.params.iter().enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                out.push_str(p.name());
            }
            out.push(')');
            Ok(())
        }
        ChunkBody::EncData(e) => write!(
            out,
            "(key_ref={},iv_len={},data_len={})",
            e.master_secret_key_reference,
            e.random_number.len(),
            e.encrypted_data.len()
        ),
        ChunkBody::SsClose(s) => write!(
            out,
            "(tsn={})",
            s.tsn
                .map(u64::from)
                .or(s.tsn_16.map(u64::from))
                .unwrap_or(0)
        ),
        ChunkBody::Malformed(_, e) => write!(out, "[malformed: {e}]"),
        _ => Ok(()),
    };
}

fn flags_beu(f: u8) -> String {
    let mut s = String::new();
    for (bit, ch) in [(8u8, 'I'), (4, 'U'), (2, 'B'), (1, 'E')] {
        if f & bit != 0 {
            s.push(ch);
        }
    }
    if s.is_empty() {
        s
    } else {
        format!(",{s}")
    }
}
