//! Error causes (RFC 9260 3.3.10): the TLVs carried by ERROR and ABORT chunks
//! and by the Error Cause Indication parameter.

use std::borrow::Cow;

use crate::chunk::Chunk;
use crate::param::Param;
use crate::registry::DialectTag;
use crate::tlv::Nested;
use crate::wire::Ctx;

wire_struct! {
    /// Invalid Stream Identifier (RFC 9260 3.3.10.1).
    pub struct InvalidStreamIdentifier {
        /// The invalid stream identifier.
        pub stream_identifier: u16,
        /// Reserved, 0.
        pub reserved: u16,
    }
}
wire_struct! {
    /// Missing Mandatory Parameter (RFC 9260 3.3.10.2).
    pub struct MissingMandatoryParameter {
        /// Number of missing parameters (as written; not checked against the list).
        pub number_of_missing_params: u32,
        /// Types of the missing parameters.
        pub missing_param_types: Vec<u16>,
    }
}
wire_struct! {
    /// Stale Cookie (RFC 9260 3.3.10.3).
    pub struct StaleCookie {
        /// Measure of Staleness, in microseconds.
        pub measure_of_staleness: u32,
    }
}
wire_struct! {
    /// A cause with no information (Out of Resource, Invalid Mandatory Parameter, ...).
    pub struct EmptyCause {}
}
wire_struct! {
    /// Unresolvable Address (RFC 9260 3.3.10.5): the address parameter that could not be resolved.
    pub struct UnresolvableAddress<'a> {
        /// The unresolvable address parameter, copied whole.
        pub unresolvable_address: Nested<'a, Param<'a>>,
    }
}
wire_struct! {
    /// Unrecognized Chunk Type (RFC 9260 3.3.10.6): the chunk that was not understood.
    pub struct UnrecognizedChunkType<'a> {
        /// The unrecognized chunk, with its type, flags and length.
        pub unrecognized_chunk: Nested<'a, Chunk<'a>>,
    }
}
wire_struct! {
    /// Unrecognized Parameters (RFC 9260 3.3.10.8).
    pub struct UnrecognizedParameters<'a> {
        /// The unrecognized parameters, copied whole.
        pub unrecognized_parameters: Nested<'a, Param<'a>>,
    }
}
wire_struct! {
    /// No User Data (RFC 9260 3.3.10.9).
    pub struct NoUserData {
        /// TSN of the DATA chunk that carried no user data.
        pub tsn: u32,
    }
}
wire_struct! {
    /// Restart of an Association with New Addresses (RFC 9260 3.3.10.11).
    pub struct RestartWithNewAddresses<'a> {
        /// The new address parameters.
        pub new_address_tlvs: Nested<'a, Param<'a>>,
    }
}
wire_struct! {
    /// User-Initiated Abort (RFC 9260 3.3.10.12).
    pub struct UserInitiatedAbort<'a> {
        /// Upper Layer Abort Reason.
        pub upper_layer_abort_reason: Cow<'a, [u8]>,
    }
}
wire_struct! {
    /// Protocol Violation (RFC 9260 3.3.10.13).
    pub struct ProtocolViolation<'a> {
        /// Additional Information.
        pub additional_information: Cow<'a, [u8]>,
    }
}
wire_struct! {
    /// Restart of an Association with New Encapsulation Port (draft-tuexen-tsvwg-sctp-udp-encaps-cons 4.4).
    pub struct RestartWithNewEncapsulationPort {
        /// Current Encapsulation Port.
        pub current_encapsulation_port: u16,
        /// New Encapsulation Port.
        pub new_encapsulation_port: u16,
    }
}
wire_struct! {
    /// A cause whose body is not specified well enough to type: raw information.
    pub struct OpaqueCause<'a> {
        /// The cause-specific information, uninterpreted.
        pub cause_information: Cow<'a, [u8]>,
    }
}
wire_struct! {
    /// An ASCONF error cause (RFC 5061 4.3.1, 4.3.2, 4.3.3, 4.3.5): the ASCONF parameter it refers to.
    pub struct AsconfParamCause<'a> {
        /// The TLV-copied ASCONF parameter.
        pub asconf_parameter: Nested<'a, Param<'a>>,
    }
}
wire_struct! {
    /// Unsupported HMAC Identifier (RFC 4895 4.1).
    pub struct UnsupportedHmacIdentifier {
        /// The HMAC Identifier that is not supported.
        pub hmac_identifier: u16,
    }
}
wire_struct! {
    /// S-SCTP Secure Session failure (draft-hohendorf-secure-sctp-15 6.1; body PROVISIONAL).
    pub struct SecureSessionFailure<'a> {
        /// Error code: 0 timer expired, 1 signature failure, 2 Secure Session Open Complete failure.
        pub error_code: Option<u16>,
        /// Anything after the error code (normally nothing).
        pub additional_information: Cow<'a, [u8]>,
    }
}

tlv_family! {
    family Cause, enum CauseBody, table CAUSE_TYPES;
    /// Invalid Stream Identifier.
    InvalidStreamIdentifier(InvalidStreamIdentifier) = Standard 0x0001, "Invalid Stream Identifier", "RFC 9260 3.3.10.1", [];
    /// Missing Mandatory Parameter.
    MissingMandatoryParameter(MissingMandatoryParameter) = Standard 0x0002, "Missing Mandatory Parameter", "RFC 9260 3.3.10.2", [];
    /// Stale Cookie.
    StaleCookie(StaleCookie) = Standard 0x0003, "Stale Cookie", "RFC 9260 3.3.10.3", [];
    /// Out of Resource.
    OutOfResource(EmptyCause) = Standard 0x0004, "Out of Resource", "RFC 9260 3.3.10.4", [];
    /// Unresolvable Address.
    UnresolvableAddress(UnresolvableAddress<'a>) = Standard 0x0005, "Unresolvable Address", "RFC 9260 3.3.10.5", [];
    /// Unrecognized Chunk Type.
    UnrecognizedChunkType(UnrecognizedChunkType<'a>) = Standard 0x0006, "Unrecognized Chunk Type", "RFC 9260 3.3.10.6", [];
    /// Invalid Mandatory Parameter.
    InvalidMandatoryParameter(EmptyCause) = Standard 0x0007, "Invalid Mandatory Parameter", "RFC 9260 3.3.10.7", [];
    /// Unrecognized Parameters.
    UnrecognizedParameters(UnrecognizedParameters<'a>) = Standard 0x0008, "Unrecognized Parameters", "RFC 9260 3.3.10.8", [];
    /// No User Data.
    NoUserData(NoUserData) = Standard 0x0009, "No User Data", "RFC 9260 3.3.10.9", [];
    /// Cookie Received While Shutting Down.
    CookieReceivedWhileShuttingDown(EmptyCause) = Standard 0x000A, "Cookie Received While Shutting Down", "RFC 9260 3.3.10.10", [];
    /// Restart of an Association with New Addresses.
    RestartWithNewAddresses(RestartWithNewAddresses<'a>) = Standard 0x000B, "Restart of an Association with New Addresses", "RFC 9260 3.3.10.11", [];
    /// User-Initiated Abort.
    UserInitiatedAbort(UserInitiatedAbort<'a>) = Standard 0x000C, "User-Initiated Abort", "RFC 9260 3.3.10.12", [];
    /// Protocol Violation.
    ProtocolViolation(ProtocolViolation<'a>) = Standard 0x000D, "Protocol Violation", "RFC 9260 3.3.10.13", [];
    /// Restart of an Association with New Encapsulation Port.
    RestartWithNewEncapsulationPort(RestartWithNewEncapsulationPort) = Standard 0x000E, "Restart of an Association with New Encapsulation Port", "draft-tuexen-tsvwg-sctp-udp-encaps-cons 4.4", [];
    /// Missing DTLS Chunk Support.
    MissingDtlsChunkSupport(EmptyCause) = Standard 0x0064, "Missing DTLS Chunk Support", "draft-ietf-tsvwg-sctp-dtls-chunk", [];
    /// No Common DTLS Key Management Method.
    NoCommonDtlsKeyManagementMethod(EmptyCause) = Standard 0x0065, "No Common DTLS Key Management Method", "draft-ietf-tsvwg-sctp-dtls-chunk", [];
    /// DTLS Key Management Tie Breaker Collision.
    DtlsKeyManagementTieBreakerCollision(OpaqueCause<'a>) = Standard 0x0066, "DTLS Key Management Tie Breaker Collision", "draft-ietf-tsvwg-sctp-dtls-chunk", [];
    /// Incompatible DTLS Key Management Roles.
    IncompatibleDtlsKeyManagementRoles(OpaqueCause<'a>) = Standard 0x0067, "Incompatible DTLS Key Management Roles", "draft-ietf-tsvwg-sctp-dtls-chunk", [];
    /// Request to Delete Last Remaining IP Address.
    DeleteLastRemainingIpAddress(AsconfParamCause<'a>) = Standard 0x00A0, "Request to Delete Last Remaining IP Address", "RFC 5061 4.3.1", [];
    /// Operation Refused Due to Resource Shortage.
    OperationRefusedResourceShortage(AsconfParamCause<'a>) = Standard 0x00A1, "Operation Refused Due to Resource Shortage", "RFC 5061 4.3.2", [];
    /// Request to Delete Source IP Address.
    DeleteSourceIpAddress(AsconfParamCause<'a>) = Standard 0x00A2, "Request to Delete Source IP Address", "RFC 5061 4.3.3", [];
    /// Association Aborted Due to Illegal ASCONF-ACK.
    IllegalAsconfAck(EmptyCause) = Standard 0x00A3, "Association Aborted Due to Illegal ASCONF-ACK", "RFC 5061 4.3.4", [];
    /// Request Refused - No Authorization.
    NoAuthorization(AsconfParamCause<'a>) = Standard 0x00A4, "Request Refused - No Authorization", "RFC 5061 4.3.5", [];
    /// VTag and Port Number Collision.
    VtagAndPortNumberCollision(OpaqueCause<'a>) = Standard 0x00B0, "VTag and Port Number Collision", "draft-ietf-tsvwg-natsupp", [];
    /// Missing State.
    MissingState(OpaqueCause<'a>) = Standard 0x00B1, "Missing State", "draft-ietf-tsvwg-natsupp", [];
    /// Port Number Collision.
    PortNumberCollision(OpaqueCause<'a>) = Standard 0x00B2, "Port Number Collision", "draft-ietf-tsvwg-natsupp", [];
    /// Unsupported HMAC Identifier.
    UnsupportedHmacIdentifier(UnsupportedHmacIdentifier) = Standard 0x0105, "Unsupported HMAC Identifier", "RFC 4895 4.1", [];
    /// S-SCTP Secure Session failure.
    SecureSessionFailure(SecureSessionFailure<'a>) = Ssctp 0x0020, "Secure Session failure", "draft-hohendorf-secure-sctp-15 6.1", [];
    /// S-SCTP Secure Session Certificate failure.
    SecureSessionCertificateFailure(OpaqueCause<'a>) = Ssctp 0x0021, "Secure Session Certificate failure", "draft-hohendorf-secure-sctp-15 6", [];
    /// S-SCTP Secure Session Decryption failure.
    SecureSessionDecryptionFailure(OpaqueCause<'a>) = Ssctp 0x0022, "Secure Session Decryption failure", "draft-hohendorf-secure-sctp-15 6", [];
    /// S-SCTP Secure Session Authentication failure.
    SecureSessionAuthenticationFailure(EmptyCause) = Ssctp 0x0023, "Secure Session Authentication failure", "draft-hohendorf-secure-sctp-15 6.4", [];
    /// S-SCTP Secure Session Decompression failure.
    SecureSessionDecompressionFailure(EmptyCause) = Ssctp 0x0024, "Secure Session Decompression failure", "draft-hohendorf-secure-sctp-15 6.5", [];
}

/// Which registry row decodes cause code `code` under the rules in force.
pub(crate) fn resolve_cause(code: u16, _value: &[u8], cx: &Ctx<'_>) -> Option<(DialectTag, u16)> {
    if cx.rules.ssctp && (0x0020..=0x0024).contains(&code) {
        Some((DialectTag::Ssctp, code))
    } else {
        Some((DialectTag::Standard, code))
    }
}

tlv16_wrapper! {
    /// One error cause (RFC 9260 3.3.10): Cause Code, Cause Length, information.
    Cause, CauseBody, CAUSE_TYPES, "cause", Cause, code, resolve_cause, Causes
}
