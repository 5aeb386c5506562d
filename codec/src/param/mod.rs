//! Parameters (RFC 9260 3.2.1): the TLVs carried by INIT, INIT-ACK, HEARTBEAT,
//! ASCONF, ASCONF-ACK, RE-CONFIG and the S-SCTP handshake, and wrapped by
//! several error causes.

use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::cause::Cause;
use crate::dialect::KeyExchange;
use crate::registry::DialectTag;
use crate::tlv::Nested;
use crate::wire::{Carrier, Ctx, Text};

mod ssctp;
pub use ssctp::{
    CertificateParam, CompressionMethodParam, DhClientParam, DhServerParam, RsaClientParam,
    RsaServerParam,
};

wire_struct! {
    /// Heartbeat Info (RFC 9260 3.3.5): opaque sender-specific information.
    pub struct HeartbeatInfo<'a> {
        /// Sender-specific heartbeat information, echoed back by the peer.
        pub heartbeat_information: Cow<'a, [u8]>,
    }
}
wire_struct! {
    /// IPv4 Address (RFC 9260 3.3.2.1.1).
    pub struct Ipv4AddressParam {
        /// An IPv4 address of the sending endpoint.
        pub ipv4_address: Ipv4Addr,
    }
}
wire_struct! {
    /// IPv6 Address (RFC 9260 3.3.2.1.2).
    pub struct Ipv6AddressParam {
        /// An IPv6 address of the sending endpoint.
        pub ipv6_address: Ipv6Addr,
    }
}
wire_struct! {
    /// State Cookie (RFC 9260 3.3.3.1.1).
    pub struct StateCookie<'a> {
        /// The cookie, opaque to the receiver of the INIT-ACK.
        pub state_cookie: Cow<'a, [u8]>,
    }
}
wire_struct! {
    /// Unrecognized Parameter (RFC 9260 3.3.3.1.2): the whole TLV that was not understood.
    pub struct UnrecognizedParameter<'a> {
        /// The unrecognized parameter(s), copied whole.
        pub unrecognized_parameter: Nested<'a, Param<'a>>,
    }
}
wire_struct! {
    /// Cookie Preservative (RFC 9260 3.3.2.1.3).
    pub struct CookiePreservative {
        /// Suggested Cookie Life-Span Increment, in milliseconds.
        pub suggested_cookie_life_span_increment: u32,
    }
}
wire_struct! {
    /// Host Name Address (RFC 9260 3.3.2.1.4, deprecated).
    pub struct HostNameAddress<'a> {
        /// The host name, NUL-terminated.
        pub host_name: Text<'a>,
    }
}
wire_struct! {
    /// Supported Address Types (RFC 9260 3.3.2.1.5).
    pub struct SupportedAddressTypes {
        /// Parameter types of the address types the sender supports (5, 6, 11).
        pub address_types: Vec<u16>,
    }
}
wire_struct! {
    /// Outgoing SSN Reset Request (RFC 6525 4.1).
    pub struct OutgoingSsnResetRequest {
        /// Re-configuration Request Sequence Number.
        pub reconfiguration_request_sequence_number: u32,
        /// Re-configuration Response Sequence Number.
        pub reconfiguration_response_sequence_number: u32,
        /// Sender's Last Assigned TSN.
        pub senders_last_assigned_tsn: u32,
        /// Streams to reset (none: all).
        pub stream_numbers: Vec<u16>,
    }
}
wire_struct! {
    /// Incoming SSN Reset Request (RFC 6525 4.2).
    pub struct IncomingSsnResetRequest {
        /// Re-configuration Request Sequence Number.
        pub reconfiguration_request_sequence_number: u32,
        /// Streams to reset (none: all).
        pub stream_numbers: Vec<u16>,
    }
}
wire_struct! {
    /// SSN/TSN Reset Request (RFC 6525 4.3).
    pub struct SsnTsnResetRequest {
        /// Re-configuration Request Sequence Number.
        pub reconfiguration_request_sequence_number: u32,
    }
}
wire_struct! {
    /// Re-configuration Response (RFC 6525 4.4).
    pub struct ReconfigurationResponse {
        /// Re-configuration Response Sequence Number.
        pub reconfiguration_response_sequence_number: u32,
        /// Result (0 success - nothing to do, 1 success - performed, 2 denied, ...).
        pub result: u32,
        /// Sender's Next TSN (optional, SSN/TSN reset only).
        pub senders_next_tsn: Option<u32>,
        /// Receiver's Next TSN (optional, SSN/TSN reset only).
        pub receivers_next_tsn: Option<u32>,
    }
}
wire_struct! {
    /// Add Outgoing Streams Request (RFC 6525 4.5).
    pub struct AddOutgoingStreamsRequest {
        /// Re-configuration Request Sequence Number.
        pub reconfiguration_request_sequence_number: u32,
        /// Number of new streams.
        pub number_of_new_streams: u16,
        /// Reserved, 0.
        pub reserved: u16,
    }
}
wire_struct! {
    /// Add Incoming Streams Request (RFC 6525 4.6).
    pub struct AddIncomingStreamsRequest {
        /// Re-configuration Request Sequence Number.
        pub reconfiguration_request_sequence_number: u32,
        /// Number of new streams.
        pub number_of_new_streams: u16,
        /// Reserved, 0.
        pub reserved: u16,
    }
}
wire_struct! {
    /// A parameter with no value (ECN Capable, Forward-TSN Supported, Disable Restart).
    pub struct EmptyParam {}
}
wire_struct! {
    /// Zero Checksum Acceptable (RFC 9653 4).
    pub struct ZeroChecksumAcceptable {
        /// Error Detection Method Identifier (1: SCTP over DTLS).
        pub error_detection_method_identifier: u32,
    }
}
wire_struct! {
    /// Random (RFC 4895 3.1).
    pub struct RandomParam<'a> {
        /// Random Number, at least 32 bytes.
        pub random_number: Cow<'a, [u8]>,
    }
}
wire_struct! {
    /// Chunk List (RFC 4895 3.2): chunk types that must be authenticated.
    pub struct ChunkList {
        /// Chunk types.
        pub chunk_types: Vec<u8>,
    }
}
wire_struct! {
    /// Requested HMAC Algorithm (RFC 4895 3.3).
    pub struct RequestedHmacAlgorithm {
        /// HMAC identifiers in order of preference (1 SHA-1, 3 SHA-256).
        pub hmac_identifiers: Vec<u16>,
    }
}
wire_struct! {
    /// Padding (RFC 4820 4).
    pub struct PaddingParam<'a> {
        /// Padding Data, ignored by the receiver.
        pub padding_data: Cow<'a, [u8]>,
    }
}
wire_struct! {
    /// DTLS Key Management (draft-ietf-tsvwg-sctp-dtls-chunk).
    pub struct DtlsKeyManagement {
        /// Key management method identifiers.
        pub key_management_identifiers: Vec<u16>,
    }
}
wire_struct! {
    /// Supported Extensions (RFC 5061 4.2.7).
    pub struct SupportedExtensions {
        /// Chunk types of the extensions supported.
        pub chunk_types: Vec<u8>,
    }
}
wire_struct! {
    /// An ASCONF request carrying an address (Add IP, Delete IP, Set Primary; RFC 5061 4.2.1, 4.2.2, 4.2.4).
    pub struct AsconfAddress<'a> {
        /// ASCONF-Request Correlation ID.
        pub asconf_request_correlation_id: u32,
        /// The address parameter (IPv4 or IPv6 Address).
        pub address: Nested<'a, Param<'a>>,
    }
}
wire_struct! {
    /// Error Cause Indication (RFC 5061 4.2.3).
    pub struct ErrorCauseIndication<'a> {
        /// ASCONF-Request Correlation ID.
        pub asconf_request_correlation_id: u32,
        /// Error causes.
        pub causes: Vec<Cause<'a>>,
    }
}
wire_struct! {
    /// Success Indication (RFC 5061 4.2.5).
    pub struct SuccessIndication {
        /// ASCONF-Request Correlation ID.
        pub asconf_request_correlation_id: u32,
    }
}
wire_struct! {
    /// Adaptation Layer Indication (RFC 5061 4.2.6).
    pub struct AdaptationLayerIndication {
        /// Adaptation Code Point.
        pub adaptation_code_point: u32,
    }
}
wire_struct! {
    /// VTags (draft-ietf-tsvwg-natsupp).
    pub struct VTags {
        /// ASCONF-Request Correlation ID.
        pub asconf_request_correlation_id: u32,
        /// Internal Verification Tag.
        pub internal_verification_tag: u32,
        /// Remote Verification Tag.
        pub remote_verification_tag: u32,
    }
}
wire_struct! {
    /// A reserved type (RFC 9260 3.2.1 reserves 0xFFFF for IETF-defined extensions): raw value.
    pub struct ReservedValue<'a> {
        /// The value, uninterpreted.
        pub value: Cow<'a, [u8]>,
    }
}
wire_struct! {
    /// S-SCTP Cipher Suite parameter (draft-hohendorf-secure-sctp-15 5.1.1; type 30, also accepted as 0x30).
    pub struct CipherSuiteParam {
        /// Cipher suites in preference order.
        pub cipher_suites: Vec<u16>,
    }
}

tlv_family! {
    family Param, enum ParamBody, table PARAM_TYPES;
    /// Heartbeat Info.
    HeartbeatInfo(HeartbeatInfo<'a>) = Standard 0x0001, "Heartbeat Info", "RFC 9260 3.3.5", [];
    /// IPv4 Address.
    Ipv4Address(Ipv4AddressParam) = Standard 0x0005, "IPv4 Address", "RFC 9260 3.3.2.1.1", [];
    /// IPv6 Address.
    Ipv6Address(Ipv6AddressParam) = Standard 0x0006, "IPv6 Address", "RFC 9260 3.3.2.1.2", [];
    /// State Cookie.
    StateCookie(StateCookie<'a>) = Standard 0x0007, "State Cookie", "RFC 9260 3.3.3.1.1", [];
    /// Unrecognized Parameter.
    UnrecognizedParameter(UnrecognizedParameter<'a>) = Standard 0x0008, "Unrecognized Parameter", "RFC 9260 3.3.3.1.2", [];
    /// Cookie Preservative.
    CookiePreservative(CookiePreservative) = Standard 0x0009, "Cookie Preservative", "RFC 9260 3.3.2.1.3", [];
    /// Host Name Address.
    HostNameAddress(HostNameAddress<'a>) = Standard 0x000B, "Host Name Address", "RFC 9260 3.3.2.1.4", [];
    /// Supported Address Types.
    SupportedAddressTypes(SupportedAddressTypes) = Standard 0x000C, "Supported Address Types", "RFC 9260 3.3.2.1.5", [];
    /// Outgoing SSN Reset Request.
    OutgoingSsnResetRequest(OutgoingSsnResetRequest) = Standard 0x000D, "Outgoing SSN Reset Request", "RFC 6525 4.1", [];
    /// Incoming SSN Reset Request.
    IncomingSsnResetRequest(IncomingSsnResetRequest) = Standard 0x000E, "Incoming SSN Reset Request", "RFC 6525 4.2", [];
    /// SSN/TSN Reset Request.
    SsnTsnResetRequest(SsnTsnResetRequest) = Standard 0x000F, "SSN/TSN Reset Request", "RFC 6525 4.3", [];
    /// Re-configuration Response.
    ReconfigurationResponse(ReconfigurationResponse) = Standard 0x0010, "Re-configuration Response", "RFC 6525 4.4", [];
    /// Add Outgoing Streams Request.
    AddOutgoingStreamsRequest(AddOutgoingStreamsRequest) = Standard 0x0011, "Add Outgoing Streams Request", "RFC 6525 4.5", [];
    /// Add Incoming Streams Request.
    AddIncomingStreamsRequest(AddIncomingStreamsRequest) = Standard 0x0012, "Add Incoming Streams Request", "RFC 6525 4.6", [];
    /// ECN Capable.
    EcnCapable(EmptyParam) = Standard 0x8000, "ECN Capable", "RFC 9260 3.3.2.1; RFC 4960 App. A", [];
    /// Zero Checksum Acceptable.
    ZeroChecksumAcceptable(ZeroChecksumAcceptable) = Standard 0x8001, "Zero Checksum Acceptable", "RFC 9653 4", [];
    /// Random.
    Random(RandomParam<'a>) = Standard 0x8002, "Random", "RFC 4895 3.1", [];
    /// Chunk List.
    ChunkList(ChunkList) = Standard 0x8003, "Chunk List", "RFC 4895 3.2", [];
    /// Requested HMAC Algorithm.
    RequestedHmacAlgorithm(RequestedHmacAlgorithm) = Standard 0x8004, "Requested HMAC Algorithm", "RFC 4895 3.3", [];
    /// Padding.
    Padding(PaddingParam<'a>) = Standard 0x8005, "Padding", "RFC 4820 4", [];
    /// DTLS Key Management.
    DtlsKeyManagement(DtlsKeyManagement) = Standard 0x8006, "DTLS Key Management", "draft-ietf-tsvwg-sctp-dtls-chunk", [];
    /// Supported Extensions.
    SupportedExtensions(SupportedExtensions) = Standard 0x8008, "Supported Extensions", "RFC 5061 4.2.7", [];
    /// Forward-TSN Supported.
    ForwardTsnSupported(EmptyParam) = Standard 0xC000, "Forward-TSN Supported", "RFC 3758 3.1", [];
    /// Add IP Address.
    AddIpAddress(AsconfAddress<'a>) = Standard 0xC001, "Add IP Address", "RFC 5061 4.2.1", [];
    /// Delete IP Address.
    DeleteIpAddress(AsconfAddress<'a>) = Standard 0xC002, "Delete IP Address", "RFC 5061 4.2.2", [];
    /// Error Cause Indication.
    ErrorCauseIndication(ErrorCauseIndication<'a>) = Standard 0xC003, "Error Cause Indication", "RFC 5061 4.2.3", [];
    /// Set Primary Address.
    SetPrimaryAddress(AsconfAddress<'a>) = Standard 0xC004, "Set Primary Address", "RFC 5061 4.2.4", [];
    /// Success Indication.
    SuccessIndication(SuccessIndication) = Standard 0xC005, "Success Indication", "RFC 5061 4.2.5", [];
    /// Adaptation Layer Indication.
    AdaptationLayerIndication(AdaptationLayerIndication) = Standard 0xC006, "Adaptation Layer Indication", "RFC 5061 4.2.6", [];
    /// Disable Restart.
    DisableRestart(EmptyParam) = Standard 0xC007, "Disable Restart", "draft-ietf-tsvwg-natsupp", [];
    /// VTags.
    VTags(VTags) = Standard 0xC008, "VTags", "draft-ietf-tsvwg-natsupp", [];
    /// Reserved for IETF-defined Parameter Extensions.
    ReservedFfff(ReservedValue<'a>) = Standard 0xFFFF, "Reserved for IETF-defined Parameter Extensions", "RFC 9260 3.2.1", [];
    /// S-SCTP Cipher Suite.
    CipherSuite(CipherSuiteParam) = Ssctp 0x001E, "Cipher Suite", "draft-hohendorf-secure-sctp-15 5.1.1", [];
    /// S-SCTP Compression Method (type lost; any non-cipher TLV of SSOpReq; 0x1F only when crafting).
    CompressionMethod(CompressionMethodParam) = SsctpContext 0x001F, "Compression Method", "draft-hohendorf-secure-sctp-15 5.1.1 (type lost: by context)", [];
    /// S-SCTP Certificate (type lost; the TLVs of SSCert; 0x20 only when crafting).
    Certificate(CertificateParam<'a>) = SsctpContext 0x0020, "Certificate", "draft-hohendorf-secure-sctp-15 5.1.2 (type lost: by context)", [];
    /// S-SCTP server Diffie-Hellman (type lost; SSSerKey with a DH suite; 0x21 only when crafting).
    DhServer(DhServerParam<'a>) = SsctpContext 0x0021, "Diffie-Hellman (server)", "draft-hohendorf-secure-sctp-15 5.1.4 (type lost: by context)", [];
    /// S-SCTP server RSA (type lost; SSSerKey with an RSA suite or in a rekey; 0x22 only when crafting).
    RsaServer(RsaServerParam<'a>) = SsctpContext 0x0022, "RSA (server)", "draft-hohendorf-secure-sctp-15 5.1.4 (type lost: by context)", [];
    /// S-SCTP client Diffie-Hellman (type lost; SSCliKey with a DH suite; 0x23 only when crafting).
    DhClient(DhClientParam<'a>) = SsctpContext 0x0023, "Diffie-Hellman (client)", "draft-hohendorf-secure-sctp-15 5.1.5 (type lost: by context)", [];
    /// S-SCTP client RSA (type lost; SSCliKey with an RSA suite or in a rekey; 0x24 only when crafting).
    RsaClient(RsaClientParam<'a>) = SsctpContext 0x0024, "RSA (client)", "draft-hohendorf-secure-sctp-15 5.1.5 (type lost: by context)", [];
}

/// Which registry row decodes parameter type `ty` (value `value`) under the
/// rules in force; inside the S-SCTP handshake chunks, by context
/// (secure-sctp.md section 11) whatever the type number.
pub(crate) fn resolve_param(ty: u16, value: &[u8], cx: &Ctx<'_>) -> Option<(DialectTag, u16)> {
    let by_context = |v: u16| Some((DialectTag::SsctpContext, v));
    let kx = cx.rules.key_exchange;
    match cx.carrier {
        Carrier::Other => {}
        Carrier::SsOpReq if ty == 0x001E || ty == 0x0030 => {
            return Some((DialectTag::Ssctp, 0x001E))
        }
        Carrier::SsOpReq => return by_context(0x001F),
        Carrier::SsCert => return by_context(0x0020),
        // No suite known: the crafting type numbers (0x21 DH and 0x22 RSA
        // server, 0x23 DH and 0x24 RSA client) say what a packet made with
        // them holds; other numbers, by shape (a DH value whose lengths
        // fit). A DH parameter whose lengths are wrong then stays DH and
        // decodes as malformed, with its name.
        Carrier::SsSerKey => {
            let dh = match (kx, ty) {
                (Some(k), _) => k == KeyExchange::Dh,
                (None, 0x0021) => true,
                (None, 0x0022) => false,
                (None, _) => DhServerParam::fits(value),
            };
            return by_context(if dh { 0x0021 } else { 0x0022 });
        }
        Carrier::SsCliKey => {
            let rsa = match kx {
                Some(k) => k == KeyExchange::Rsa,
                None => ty == 0x0024,
            };
            return by_context(if rsa { 0x0024 } else { 0x0023 });
        }
    }
    if cx.rules.ssctp && (ty == 0x001E || ty == 0x0030) {
        Some((DialectTag::Ssctp, 0x001E))
    } else {
        Some((DialectTag::Standard, ty))
    }
}

tlv16_wrapper! {
    /// One parameter (RFC 9260 3.2.1): Parameter Type, Parameter Length, value.
    Param, ParamBody, PARAM_TYPES, "param", Param, ty, resolve_param, Params
}

impl Param<'_> {
    /// The action bits: the top two bits of the type (RFC 9260 3.2.1).
    pub fn action_bits(&self) -> u8 {
        (self.ty >> 14) as u8
    }
}
