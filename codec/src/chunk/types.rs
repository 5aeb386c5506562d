//! The chunk bodies that are a plain sequence of fields (RFC 9260 3.3 and the
//! extensions); the irregular ones live in their own modules.

use std::borrow::Cow;

use crate::cause::Cause;
use crate::param::Param;

wire_struct! {
    /// DATA (RFC 9260 3.3.1). Flags: I, U, B, E.
    pub struct DataChunk<'a> {
        /// Transmission Sequence Number.
        pub tsn: u32,
        /// Stream Identifier S.
        pub stream_identifier: u16,
        /// Stream Sequence Number n.
        pub stream_sequence_number: u16,
        /// Payload Protocol Identifier.
        pub payload_protocol_identifier: u32,
        /// User Data.
        pub user_data: Cow<'a, [u8]>,
    }
}
wire_struct! {
    /// INIT (RFC 9260 3.3.2) and INIT ACK (RFC 9260 3.3.3).
    pub struct InitChunk<'a> {
        /// Initiate Tag.
        pub initiate_tag: u32,
        /// Advertised Receiver Window Credit.
        pub a_rwnd: u32,
        /// Number of Outbound Streams.
        pub number_of_outbound_streams: u16,
        /// Number of Inbound Streams.
        pub number_of_inbound_streams: u16,
        /// Initial TSN.
        pub initial_tsn: u32,
        /// Optional/variable-length parameters.
        pub params: Vec<Param<'a>>,
    }
}
wire_struct! {
    /// HEARTBEAT (RFC 9260 3.3.5) and HEARTBEAT ACK (RFC 9260 3.3.6).
    pub struct HeartbeatChunk<'a> {
        /// Heartbeat Information TLV.
        pub params: Vec<Param<'a>>,
    }
}
wire_struct! {
    /// ABORT (RFC 9260 3.3.7, flag T; natsupp M) and ERROR (RFC 9260 3.3.10).
    pub struct CausesChunk<'a> {
        /// Error causes.
        pub causes: Vec<Cause<'a>>,
    }
}
wire_struct! {
    /// SHUTDOWN (RFC 9260 3.3.8).
    pub struct ShutdownChunk {
        /// Cumulative TSN Ack.
        pub cumulative_tsn_ack: u32,
    }
}
wire_struct! {
    /// A chunk with no value (SHUTDOWN ACK, COOKIE ACK, SHUTDOWN COMPLETE, ...).
    pub struct EmptyChunk {}
}
wire_struct! {
    /// COOKIE ECHO (RFC 9260 3.3.11).
    pub struct CookieEchoChunk<'a> {
        /// The State Cookie from the INIT ACK.
        pub cookie: Cow<'a, [u8]>,
    }
}
wire_struct! {
    /// ECNE and CWR (RFC 4960 Appendix A).
    pub struct LowestTsnChunk {
        /// Lowest TSN Number.
        pub lowest_tsn: u32,
    }
}
wire_struct! {
    /// AUTH (RFC 4895 5.1).
    pub struct AuthChunk<'a> {
        /// Shared Key Identifier.
        pub shared_key_identifier: u16,
        /// HMAC Identifier.
        pub hmac_identifier: u16,
        /// HMAC.
        pub hmac: Cow<'a, [u8]>,
    }
}
wire_struct! {
    /// I-DATA (RFC 8260 2.1). Flags: I, U, B, E.
    pub struct IDataChunk<'a> {
        /// Transmission Sequence Number.
        pub tsn: u32,
        /// Stream Identifier.
        pub stream_identifier: u16,
        /// Reserved, 0.
        pub reserved: u16,
        /// Message Identifier (MID).
        pub message_identifier: u32,
        /// Payload Protocol Identifier (B bit set) or Fragment Sequence Number (B bit clear).
        pub ppid_or_fsn: u32,
        /// User Data.
        pub user_data: Cow<'a, [u8]>,
    }
}
wire_struct! {
    /// DTLS (draft-ietf-tsvwg-sctp-dtls-chunk). Flags: R, pre-padding length.
    pub struct DtlsChunk<'a> {
        /// DTLS records (after any pre-padding).
        pub payload: Cow<'a, [u8]>,
    }
}
wire_struct! {
    /// ASCONF (RFC 5061 4.1.1) and ASCONF-ACK (RFC 5061 4.1.2).
    pub struct AsconfChunk<'a> {
        /// Sequence Number.
        pub sequence_number: u32,
        /// Address parameter and ASCONF parameters (or their responses).
        pub params: Vec<Param<'a>>,
    }
}
wire_struct! {
    /// RE-CONFIG (RFC 6525 3.1).
    pub struct ReConfigChunk<'a> {
        /// Re-configuration parameters.
        pub params: Vec<Param<'a>>,
    }
}
wire_struct! {
    /// PAD (RFC 4820 3), and the S-SCTP PADDING chunk (draft-hohendorf-secure-sctp-15 5.1.12).
    pub struct PadChunk<'a> {
        /// Padding Data.
        pub padding_data: Cow<'a, [u8]>,
    }
}
wire_record! {
    /// One stream entry of FORWARD TSN (RFC 3758 3.2).
    pub struct ForwardTsnStream {
        /// Stream-N.
        pub stream_identifier: u16,
        /// Stream Sequence-N.
        pub stream_sequence_number: u16,
    }
}
wire_struct! {
    /// FORWARD TSN (RFC 3758 3.2).
    pub struct ForwardTsnChunk {
        /// New Cumulative TSN.
        pub new_cumulative_tsn: u32,
        /// Skipped streams.
        pub streams: Vec<ForwardTsnStream>,
    }
}
wire_record! {
    /// One stream entry of I-FORWARD-TSN (RFC 8260 2.3.1).
    pub struct IForwardTsnStream {
        /// Stream Identifier.
        pub stream_identifier: u16,
        /// Reserved (15 bits) and the U bit (0x0001).
        pub flags: u16,
        /// Message Identifier.
        pub message_identifier: u32,
    }
}
wire_struct! {
    /// I-FORWARD-TSN (RFC 8260 2.3.1).
    pub struct IForwardTsnChunk {
        /// New Cumulative TSN.
        pub new_cumulative_tsn: u32,
        /// Skipped streams.
        pub streams: Vec<IForwardTsnStream>,
    }
}
wire_struct! {
    /// A reserved chunk type (RFC 9260 3.2: 63, 127, 191, 255): raw value.
    pub struct ReservedChunkValue<'a> {
        /// The value, uninterpreted.
        pub value: Cow<'a, [u8]>,
    }
}
