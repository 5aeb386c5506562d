//! Parameter and error-cause numbers the endpoint writes and reads, with
//! helpers that append their TLVs to a chunk value. The numbers are checked
//! against the codec's registry by a test, so they cannot drift from it.

use std::net::IpAddr;

/// Parameter types (RFC 9260 3.3.2.1, 3.3.3.1).
pub mod param {
    /// Heartbeat Info (RFC 9260 3.3.5).
    pub const HEARTBEAT_INFO: u16 = 0x0001;
    /// IPv4 Address (RFC 9260 3.3.2.1.1).
    pub const IPV4_ADDRESS: u16 = 0x0005;
    /// IPv6 Address (RFC 9260 3.3.2.1.2).
    pub const IPV6_ADDRESS: u16 = 0x0006;
    /// State Cookie (RFC 9260 3.3.3.1.1).
    pub const STATE_COOKIE: u16 = 0x0007;
    /// Unrecognized Parameter (RFC 9260 3.3.3.1.2).
    pub const UNRECOGNIZED_PARAMETER: u16 = 0x0008;
    /// Cookie Preservative (RFC 9260 3.3.2.1.3).
    pub const COOKIE_PRESERVATIVE: u16 = 0x0009;
    /// Host Name Address (RFC 9260 3.3.2.1.4).
    pub const HOST_NAME_ADDRESS: u16 = 0x000B;
    /// Supported Address Types (RFC 9260 3.3.2.1.5).
    pub const SUPPORTED_ADDRESS_TYPES: u16 = 0x000C;
    /// ECN Capable (RFC 9260 3.3.2.1).
    pub const ECN_CAPABLE: u16 = 0x8000;
    /// Forward-TSN Supported (RFC 3758 3.1).
    pub const FORWARD_TSN_SUPPORTED: u16 = 0xC000;
    /// Supported Extensions (RFC 5061 4.2.7).
    pub const SUPPORTED_EXTENSIONS: u16 = 0x8008;
    /// Zero Checksum Acceptable (RFC 9653 4).
    pub const ZERO_CHECKSUM_ACCEPTABLE: u16 = 0x8001;
    /// Disable Restart (draft-ietf-tsvwg-natsupp 4.3.1).
    pub const DISABLE_RESTART: u16 = 0xC007;
    /// Adaptation Layer Indication (RFC 5061 4.2.7).
    pub const ADAPTATION_LAYER_INDICATION: u16 = 0xC006;
    /// VTags (draft-ietf-tsvwg-natsupp 4.3.2).
    pub const VTAGS: u16 = 0xC008;
}

/// Error cause codes (RFC 9260 3.3.10).
pub mod cause {
    /// Invalid Stream Identifier (RFC 9260 3.3.10.1).
    pub const INVALID_STREAM_IDENTIFIER: u16 = 0x0001;
    /// Missing Mandatory Parameter (RFC 9260 3.3.10.2).
    pub const MISSING_MANDATORY_PARAMETER: u16 = 0x0002;
    /// Stale Cookie (RFC 9260 3.3.10.3).
    pub const STALE_COOKIE: u16 = 0x0003;
    /// Unresolvable Address (RFC 9260 3.3.10.5).
    pub const UNRESOLVABLE_ADDRESS: u16 = 0x0005;
    /// Unrecognized Chunk Type (RFC 9260 3.3.10.6).
    pub const UNRECOGNIZED_CHUNK_TYPE: u16 = 0x0006;
    /// Invalid Mandatory Parameter (RFC 9260 3.3.10.7).
    pub const INVALID_MANDATORY_PARAMETER: u16 = 0x0007;
    /// Unrecognized Parameters (RFC 9260 3.3.10.8).
    pub const UNRECOGNIZED_PARAMETERS: u16 = 0x0008;
    /// No User Data (RFC 9260 3.3.10.9).
    pub const NO_USER_DATA: u16 = 0x0009;
    /// Cookie Received While Shutting Down (RFC 9260 3.3.10.10).
    pub const COOKIE_RECEIVED_WHILE_SHUTTING_DOWN: u16 = 0x000A;
    /// Restart of an Association with New Addresses (RFC 9260 3.3.10.11).
    pub const RESTART_WITH_NEW_ADDRESSES: u16 = 0x000B;
    /// User-Initiated Abort (RFC 9260 3.3.10.12).
    pub const USER_INITIATED_ABORT: u16 = 0x000C;
    /// Protocol Violation (RFC 9260 3.3.10.13).
    pub const PROTOCOL_VIOLATION: u16 = 0x000D;
    /// Unsupported HMAC Identifier (RFC 4895 4.1).
    pub const UNSUPPORTED_HMAC_IDENTIFIER: u16 = 0x0105;
    /// VTag and Port Number Collision (draft-ietf-tsvwg-natsupp 4.2.1).
    pub const VTAG_AND_PORT_COLLISION: u16 = 0x00B0;
    /// Missing State (draft-ietf-tsvwg-natsupp 4.2.2).
    pub const MISSING_STATE: u16 = 0x00B1;
    /// Port Number Collision (draft-ietf-tsvwg-natsupp 4.2.3).
    pub const PORT_NUMBER_COLLISION: u16 = 0x00B2;
}

/// Appends a TLV (parameter or cause: 16-bit type, 16-bit length, value,
/// padding to 4 bytes; RFC 9260 3.2.1).
pub fn put_tlv(out: &mut Vec<u8>, ty: u16, value: &[u8]) {
    let len = (4 + value.len()).min(u16::MAX as usize) as u16;
    out.extend_from_slice(&ty.to_be_bytes());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(value);
    let pad = (4 - value.len() % 4) % 4;
    out.extend_from_slice(&[0; 3][..pad]);
}

/// Appends a TLV whose value is a TLV list the caller writes in `f`.
pub fn put_tlv_with(out: &mut Vec<u8>, ty: u16, f: impl FnOnce(&mut Vec<u8>)) {
    let start = out.len();
    out.extend_from_slice(&ty.to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    f(out);
    let len = (out.len() - start).min(u16::MAX as usize) as u16;
    out[start + 2..start + 4].copy_from_slice(&len.to_be_bytes());
    let pad = (4 - out.len() % 4) % 4;
    out.extend_from_slice(&[0; 3][..pad]);
}

/// Appends an IPv4 or IPv6 Address parameter.
pub fn put_address(out: &mut Vec<u8>, ip: IpAddr) {
    match ip {
        IpAddr::V4(a) => put_tlv(out, param::IPV4_ADDRESS, &a.octets()),
        IpAddr::V6(a) => put_tlv(out, param::IPV6_ADDRESS, &a.octets()),
    }
}

/// The length of a chunk value without the padding of its last TLV: a
/// chunk's Length does not count its final padding (RFC 9260 3.2), and the
/// padding of a TLV list's last entry is the chunk's. `list_start` is where
/// the list begins (`None`: the value has no list and is returned whole).
pub fn unpadded_len(value: &[u8], list_start: Option<usize>) -> usize {
    let Some(mut at) = list_start else {
        return value.len();
    };
    let mut end = value.len().min(at);
    while at + 4 <= value.len() {
        let len = u16::from_be_bytes([value[at + 2], value[at + 3]]) as usize;
        if len < 4 || at + len > value.len() {
            return value.len();
        }
        end = at + len;
        at += (len + 3) & !3;
    }
    if at < value.len() {
        return value.len();
    }
    end
}

/// Reads a big-endian u32 at `at`, if there.
pub fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sctp_codec::registry::{self, DialectTag, Family};

    fn name(f: Family, v: u16) -> &'static str {
        registry::lookup(f, DialectTag::Standard, v).map_or("?", |i| i.name)
    }

    #[test]
    fn numbers_match_the_codec_registry() {
        use Family::{Cause, Param};
        let params = [
            (param::HEARTBEAT_INFO, "Heartbeat Info"),
            (param::IPV4_ADDRESS, "IPv4 Address"),
            (param::IPV6_ADDRESS, "IPv6 Address"),
            (param::STATE_COOKIE, "State Cookie"),
            (param::UNRECOGNIZED_PARAMETER, "Unrecognized Parameter"),
            (param::COOKIE_PRESERVATIVE, "Cookie Preservative"),
            (param::HOST_NAME_ADDRESS, "Host Name Address"),
            (param::SUPPORTED_ADDRESS_TYPES, "Supported Address Types"),
            (param::ECN_CAPABLE, "ECN Capable"),
            (param::FORWARD_TSN_SUPPORTED, "Forward-TSN Supported"),
            (param::SUPPORTED_EXTENSIONS, "Supported Extensions"),
            (param::DISABLE_RESTART, "Disable Restart"),
            (param::VTAGS, "VTags"),
        ];
        for (v, n) in params {
            assert_eq!(name(Param, v), n);
        }
        let causes = [
            (
                cause::INVALID_STREAM_IDENTIFIER,
                "Invalid Stream Identifier",
            ),
            (
                cause::MISSING_MANDATORY_PARAMETER,
                "Missing Mandatory Parameter",
            ),
            (cause::STALE_COOKIE, "Stale Cookie"),
            (cause::UNRESOLVABLE_ADDRESS, "Unresolvable Address"),
            (cause::UNRECOGNIZED_CHUNK_TYPE, "Unrecognized Chunk Type"),
            (
                cause::INVALID_MANDATORY_PARAMETER,
                "Invalid Mandatory Parameter",
            ),
            (cause::UNRECOGNIZED_PARAMETERS, "Unrecognized Parameters"),
            (cause::NO_USER_DATA, "No User Data"),
            (
                cause::COOKIE_RECEIVED_WHILE_SHUTTING_DOWN,
                "Cookie Received While Shutting Down",
            ),
            (
                cause::RESTART_WITH_NEW_ADDRESSES,
                "Restart of an Association with New Addresses",
            ),
            (cause::USER_INITIATED_ABORT, "User-Initiated Abort"),
            (cause::PROTOCOL_VIOLATION, "Protocol Violation"),
            (
                cause::VTAG_AND_PORT_COLLISION,
                "VTag and Port Number Collision",
            ),
            (cause::MISSING_STATE, "Missing State"),
            (cause::PORT_NUMBER_COLLISION, "Port Number Collision"),
        ];
        for (v, n) in causes {
            assert_eq!(name(Cause, v), n);
        }
    }

    #[test]
    fn tlvs_are_padded() {
        let mut v = Vec::new();
        put_tlv(&mut v, 7, b"abcde");
        assert_eq!(v, [0, 7, 0, 9, b'a', b'b', b'c', b'd', b'e', 0, 0, 0]);
        let mut w = Vec::new();
        put_tlv_with(&mut w, 8, |o| put_tlv(o, 0x8000, &[]));
        assert_eq!(w, [0, 8, 0, 8, 0x80, 0, 0, 4]);
    }
}
