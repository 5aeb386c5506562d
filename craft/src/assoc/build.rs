//! Complete packets in the association's ports, tags and sequence numbers,
//! ready for `Packet::encode` (which fills lengths, padding and CRC32c).

use std::borrow::Cow;

use sctp_codec::chunk::{
    flags, CausesChunk, Chunk, ChunkBody, CookieEchoChunk, DataChunk, EmptyChunk, IDataChunk,
    InitChunk, SackChunk, ShutdownChunk,
};
use sctp_codec::{CommonHeader, Packet};

use super::{ty, Assoc, LOCAL_A_RWND, LOCAL_STREAMS};

/// DATA flags: B and E (one unfragmented message).
const DATA_BE: u8 = flags::DATA_B | flags::DATA_E;
/// I-DATA flags: B and E.
const I_DATA_BE: u8 = flags::I_DATA_B | flags::I_DATA_E;

impl Assoc {
    /// The common header for `chunks`, tag per RFC 9260 8.5.1.
    fn packet(&self, chunks: Vec<Chunk<'static>>) -> Packet<'static> {
        let header = CommonHeader {
            source_port: self.local_port,
            destination_port: self.peer_port,
            verification_tag: self.verification_tag(&chunks),
        };
        Packet::new(header, chunks)
    }
    /// An INIT (RFC 9260 3.3.2) with our tag, initial TSN, a_rwnd and streams.
    pub fn init_packet(&self) -> Packet<'static> {
        let init = InitChunk {
            initiate_tag: self.local_tag,
            a_rwnd: LOCAL_A_RWND,
            number_of_outbound_streams: LOCAL_STREAMS,
            number_of_inbound_streams: LOCAL_STREAMS,
            initial_tsn: self.next_tsn,
            params: Vec::new(),
        };
        self.packet(vec![Chunk::new(ty::INIT, 0, ChunkBody::Init(init))])
    }
    /// A COOKIE ECHO (RFC 9260 3.3.11) with the cookie of the INIT ACK (empty if none).
    pub fn cookie_echo_packet(&self) -> Packet<'static> {
        let cookie = Cow::Owned(self.cookie.clone().unwrap_or_default());
        let body = ChunkBody::CookieEcho(CookieEchoChunk { cookie });
        self.packet(vec![Chunk::new(ty::COOKIE_ECHO, 0, body)])
    }
    /// A DATA packet (B and E set) carrying `payload` on `stream` with `ppid`.
    pub fn data_packet(&self, payload: &[u8], stream: u16, ppid: u32) -> Packet<'static> {
        let d = DataChunk {
            tsn: self.next_tsn,
            stream_identifier: stream,
            stream_sequence_number: self.next_ssn(stream),
            payload_protocol_identifier: ppid,
            user_data: Cow::Owned(payload.to_vec()),
        };
        self.packet(vec![Chunk::new(ty::DATA, DATA_BE, ChunkBody::Data(d))])
    }
    /// An I-DATA packet (RFC 8260 2.1; B and E set, ordered) with `payload`.
    pub fn idata_packet(&self, payload: &[u8], stream: u16, ppid: u32) -> Packet<'static> {
        let d = IDataChunk {
            tsn: self.next_tsn,
            stream_identifier: stream,
            reserved: 0,
            message_identifier: self.next_mid(stream, false),
            ppid_or_fsn: ppid,
            user_data: Cow::Owned(payload.to_vec()),
        };
        self.packet(vec![Chunk::new(ty::I_DATA, I_DATA_BE, ChunkBody::IData(d))])
    }
    /// A SACK acknowledging what we received.
    ///
    /// Cumulative TSN Ack, Gap Ack Blocks and Duplicate TSNs as followed
    /// (RFC 9260 3.3.4, 6.2); a_rwnd is [`LOCAL_A_RWND`].
    pub fn sack_packet(&self) -> Packet<'static> {
        let t = self.peer_tsns();
        let s = SackChunk {
            cumulative_tsn_ack: t.cum.unwrap_or(0),
            a_rwnd: LOCAL_A_RWND,
            number_of_gap_ack_blocks: None,
            number_of_duplicate_tsns: None,
            gap_ack_blocks: t.gap_blocks(),
            duplicate_tsns: t.duplicates.to_vec(),
        };
        self.packet(vec![Chunk::new(ty::SACK, 0, ChunkBody::Sack(s))])
    }
    /// An ABORT (no causes) in the peer's tag; before the peer's tag is
    /// known, in ours with the T bit (RFC 9260 8.5.1 B).
    pub fn abort_packet(&self) -> Packet<'static> {
        let flags = self.t_flag();
        let body = ChunkBody::Abort(CausesChunk { causes: Vec::new() });
        self.packet(vec![Chunk::new(ty::ABORT, flags, body)])
    }
    /// A SHUTDOWN with our cumulative TSN ack.
    pub fn shutdown_packet(&self) -> Packet<'static> {
        let s = ShutdownChunk {
            cumulative_tsn_ack: self.peer_tsns().cum.unwrap_or(0),
        };
        self.packet(vec![Chunk::new(ty::SHUTDOWN, 0, ChunkBody::Shutdown(s))])
    }
    /// A SHUTDOWN ACK (RFC 9260 3.3.9), the answer to the peer's SHUTDOWN.
    pub fn shutdown_ack_packet(&self) -> Packet<'static> {
        let body = ChunkBody::ShutdownAck(EmptyChunk {});
        self.packet(vec![Chunk::new(ty::SHUTDOWN_ACK, 0, body)])
    }
    /// A SHUTDOWN COMPLETE (RFC 9260 3.3.13), the answer to SHUTDOWN ACK.
    pub fn shutdown_complete_packet(&self) -> Packet<'static> {
        let flags = self.t_flag();
        let body = ChunkBody::ShutdownComplete(EmptyChunk {});
        self.packet(vec![Chunk::new(ty::SHUTDOWN_COMPLETE, flags, body)])
    }
}
