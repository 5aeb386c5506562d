//! S-SCTP chunks (draft-hohendorf-secure-sctp-15 5.1; see spec/secure-sctp.md
//! for what is CONFIRMED and what is PROVISIONAL).

use std::borrow::Cow;

use crate::error::{DecodeError, ErrorKind};
use crate::gen::Gen;
use crate::param::Param;
use crate::tlv::Nested;
use crate::visit::{Span, Value, Visitor};
use crate::wire::{pad4, put_slice, Ctx, Field, FieldInfo, FieldKind, IntoOwned};

wire_struct! {
    /// SSOpReq, Secure Session Open request (5.1.1; type 0xD0 PROVISIONAL). Flag CF.
    pub struct SsOpReqChunk<'a> {
        /// Version (0x0100 = 1.0).
        pub version: u16,
        /// Key material length (bits; 0 in a rekey means unchanged).
        pub key_material_length: u16,
        /// Cipher Suite and Compression method parameters.
        pub params: Vec<Param<'a>>,
    }
}
wire_struct! {
    /// SSOpReq_Ack, Secure Session Open Acknowledge (5.1.3). Flag CF. Length 8 or 12.
    pub struct SsOpReqAckChunk {
        /// Version (0x0100 = 1.0).
        pub version: u16,
        /// The selected cipher suite.
        pub cipher_suite: u16,
        /// The selected compression method (absent when Length is 8).
        pub compression_method: Option<u16>,
        /// Reserved, 0 (absent when Length is 8).
        pub reserved: Option<u16>,
    }
}
wire_struct! {
    /// SSSerKey (5.1.4; type 0xD3 PROVISIONAL) and SSCliKey (5.1.5; flag SL): one DH or RSA parameter.
    pub struct SsKeyChunk<'a> {
        /// The key-exchange parameter (its type value was lost from the draft; kept raw).
        pub params: Vec<Param<'a>>,
    }
}
wire_struct! {
    /// SSOpCom, Secure Session Open Complete (5.1.6).
    pub struct SsOpComChunk<'a> {
        /// Verification data: HMAC over the received handshake chunks.
        pub verification_data: Cow<'a, [u8]>,
    }
}
wire_struct! {
    /// SSClose, Secure Session Close (5.1.7). Flag OF. Length 8 (32-bit TSN) or 6 (16-bit, I2).
    pub struct SsCloseChunk {
        /// TSN of the last encrypted DATA chunk (Length 8).
        pub tsn: Option<u32>,
        /// The 16-bit TSN of the draft's text (Length 6 only).
        pub tsn_16: Option<u16>,
    }
}
wire_struct! {
    /// S-SCTP AUTH (5.1.13): HMAC over the common header and all chunks; last in the packet.
    pub struct SsAuthChunk<'a> {
        /// Master secret key reference number.
        pub master_secret_key_reference: u16,
        /// Reserved, 0.
        pub reserved: u16,
        /// HMAC (16 bytes MD5, 20 bytes SHA-1).
        pub hmac: Cow<'a, [u8]>,
    }
}

/// EncData, Encrypted Data (5.1.11): key reference, IV length R, IV, ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncDataChunk<'a> {
    /// Master secret key reference number.
    pub master_secret_key_reference: u16,
    /// Random number length to write instead of the IV's length (crafting).
    pub random_number_length: Option<u16>,
    /// Random number: the CBC initialisation vector.
    pub random_number: Cow<'a, [u8]>,
    /// Encrypted data (pre-enc-data: DATA chunks plus PADDING).
    pub encrypted_data: Cow<'a, [u8]>,
}

impl<'a> EncDataChunk<'a> {
    /// The fields in wire order.
    pub const FIELDS: &'static [FieldInfo] = &[
        FieldInfo {
            name: "master_secret_key_reference",
            kind: FieldKind::U16,
            doc: "Master secret key reference number.",
        },
        FieldInfo {
            name: "random_number_length",
            kind: FieldKind::U16,
            doc: "Random number length R.",
        },
        FieldInfo {
            name: "random_number",
            kind: FieldKind::Bytes,
            doc: "Random number (CBC IV), R bytes.",
        },
        FieldInfo {
            name: "encrypted_data",
            kind: FieldKind::Bytes,
            doc: "Encrypted data.",
        },
    ];
    /// Reads the value.
    pub fn decode_fields(i: &'a [u8], cx: &Ctx<'a>) -> Result<(&'a [u8], Self), DecodeError> {
        let (i, master_secret_key_reference) = u16::decode(i, cx)?;
        let at = i;
        let (i, r) = u16::decode(i, cx)?;
        if i.len() < r as usize {
            return Err(DecodeError::new(
                cx.offset(at),
                ErrorKind::BadLength {
                    what: "random number",
                    length: r as usize,
                    available: i.len(),
                },
            ));
        }
        let (iv, data) = i.split_at(r as usize);
        Ok((
            &data[data.len()..],
            EncDataChunk {
                master_secret_key_reference,
                random_number_length: None,
                random_number: Cow::Borrowed(iv),
                encrypted_data: Cow::Borrowed(data),
            },
        ))
    }
    fn r(&self) -> u16 {
        self.random_number_length
            .unwrap_or(crate::wire::len16(self.random_number.len()))
    }
    /// Appends the value.
    pub fn encode_fields(&self, out: &mut Vec<u8>) {
        self.master_secret_key_reference.encode(out);
        self.r().encode(out);
        put_slice(out, &self.random_number);
        put_slice(out, &self.encrypted_data);
    }
    /// Bytes of the value.
    pub fn fields_len(&self) -> usize {
        4 + self.random_number.len() + self.encrypted_data.len()
    }
    /// Reports the fields.
    pub fn describe_fields(&self, at: usize, v: &mut dyn Visitor) {
        self.master_secret_key_reference
            .describe("master_secret_key_reference", at, v);
        self.r().describe("random_number_length", at + 2, v);
        self.random_number.describe("random_number", at + 4, v);
        self.encrypted_data
            .describe("encrypted_data", at + 4 + self.random_number.len(), v);
    }
    /// A random value (IV of 8 or 16 bytes, ciphertext a multiple of 8).
    pub fn generate_fields(g: &mut Gen, _depth: u8) -> Self {
        let r = if g.bool() { 8 } else { 16 };
        let n = 8 * (1 + g.below(6) as usize);
        EncDataChunk {
            master_secret_key_reference: g.u64() as u16,
            random_number_length: None,
            random_number: Cow::Owned((0..r).map(|_| g.u64() as u8).collect()),
            encrypted_data: Cow::Owned((0..n).map(|_| g.u64() as u8).collect()),
        }
    }
}

impl IntoOwned for EncDataChunk<'_> {
    type Owned = EncDataChunk<'static>;
    fn into_owned(self) -> EncDataChunk<'static> {
        EncDataChunk {
            master_secret_key_reference: self.master_secret_key_reference,
            random_number_length: self.random_number_length,
            random_number: IntoOwned::into_owned(self.random_number),
            encrypted_data: IntoOwned::into_owned(self.encrypted_data),
        }
    }
}

/// SSCert, Secure Session Certificate (5.1.2; type 0xD1 PROVISIONAL): an inline
/// DER certificate, zero padding to 4, then Certificate parameters (secure-sctp.md Q13).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsCertChunk<'a> {
    /// The inline X.509v3 certificate (DER); the whole value when it is not DER.
    pub certificate: Cow<'a, [u8]>,
    /// Padding after the certificate to a 4-byte boundary, as seen.
    pub certificate_padding: Cow<'a, [u8]>,
    /// Certificate parameters for further certificates (type lost; kept raw).
    pub certificate_parameters: Nested<'a, Param<'a>>,
}

/// The length of the DER element at the front of `b`, if `b` starts with one.
fn der_len(b: &[u8]) -> Option<usize> {
    if b.len() < 2 || b[0] != 0x30 {
        return None;
    }
    let (hdr, len) = match b[1] {
        n if n < 0x80 => (2, n as usize),
        0x81 if b.len() >= 3 => (3, b[2] as usize),
        0x82 if b.len() >= 4 => (4, u16::from_be_bytes([b[2], b[3]]) as usize),
        _ => return None,
    };
    let total = hdr + len;
    (total <= b.len()).then_some(total)
}

impl<'a> SsCertChunk<'a> {
    /// The fields in wire order.
    pub const FIELDS: &'static [FieldInfo] = &[
        FieldInfo {
            name: "certificate",
            kind: FieldKind::Bytes,
            doc: "X.509v3 certificate (DER).",
        },
        FieldInfo {
            name: "certificate_padding",
            kind: FieldKind::Bytes,
            doc: "Padding to a 4-byte boundary.",
        },
        FieldInfo {
            name: "certificate_parameters",
            kind: FieldKind::Params,
            doc: "Certificate parameters.",
        },
    ];
    /// Reads the value.
    pub fn decode_fields(i: &'a [u8], cx: &Ctx<'a>) -> Result<(&'a [u8], Self), DecodeError> {
        let end = &i[i.len()..];
        let Some(n) = der_len(i) else {
            return Ok((
                end,
                SsCertChunk {
                    certificate: Cow::Borrowed(i),
                    certificate_padding: Cow::Borrowed(&[]),
                    certificate_parameters: Nested::Parsed(Vec::new()),
                },
            ));
        };
        let (cert, rest) = i.split_at(n);
        let (pad, rest) = rest.split_at(pad4(n).min(rest.len()));
        let (_, params) = Nested::decode(rest, cx)?;
        Ok((
            end,
            SsCertChunk {
                certificate: Cow::Borrowed(cert),
                certificate_padding: Cow::Borrowed(pad),
                certificate_parameters: params,
            },
        ))
    }
    /// Appends the value.
    pub fn encode_fields(&self, out: &mut Vec<u8>) {
        put_slice(out, &self.certificate);
        put_slice(out, &self.certificate_padding);
        self.certificate_parameters.encode(out);
    }
    /// Bytes of the value.
    pub fn fields_len(&self) -> usize {
        self.certificate.len()
            + self.certificate_padding.len()
            + self.certificate_parameters.wire_len()
    }
    /// Reports the fields.
    pub fn describe_fields(&self, at: usize, v: &mut dyn Visitor) {
        v.field(
            "certificate",
            Span::new(at, self.certificate.len()),
            Value::Bytes(&self.certificate),
        );
        let at = at + self.certificate.len();
        v.field(
            "certificate_padding",
            Span::new(at, self.certificate_padding.len()),
            Value::Bytes(&self.certificate_padding),
        );
        let at = at + self.certificate_padding.len();
        self.certificate_parameters
            .describe("certificate_parameters", at, v);
    }
    /// A random value: a DER-shaped certificate, padded.
    pub fn generate_fields(g: &mut Gen, _depth: u8) -> Self {
        let body_len = 1 + g.below(100) as usize;
        let mut cert = vec![0x30, body_len as u8];
        cert.extend((0..body_len).map(|_| g.u64() as u8));
        let pad = vec![0; pad4(cert.len())];
        let more = (0..g.below(3))
            .map(|_| <Param as crate::tlv::Tlv>::generate_tlv(g, _depth + 1))
            .collect();
        SsCertChunk {
            certificate: Cow::Owned(cert),
            certificate_padding: Cow::Owned(pad),
            certificate_parameters: Nested::Parsed(more),
        }
    }
}

impl IntoOwned for SsCertChunk<'_> {
    type Owned = SsCertChunk<'static>;
    fn into_owned(self) -> SsCertChunk<'static> {
        SsCertChunk {
            certificate: IntoOwned::into_owned(self.certificate),
            certificate_padding: IntoOwned::into_owned(self.certificate_padding),
            certificate_parameters: IntoOwned::into_owned(self.certificate_parameters),
        }
    }
}

/// The bytes the HMAC of an S-SCTP AUTH chunk (0x11) is computed over
/// (draft-hohendorf-secure-sctp-15 5.1.13 and 8; secure-sctp.md Q19): the
/// whole packet with the Checksum field zero and the HMAC field of the AUTH
/// chunk, which must be the last chunk, zero-filled. The codec does not verify
/// HMACs itself; a caller with the key feeds this to its HMAC.
pub fn ssctp_auth_hmac_input(packet: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let cx = Ctx::new(packet, crate::dialect::Rules::SSCTP);
    if packet.len() < 12 {
        return Err(cx.truncated(packet, "common header", 12));
    }
    // Find the last chunk by following the Lengths.
    let mut at = 12;
    let mut last = None;
    while at + 4 <= packet.len() {
        let len = u16::from_be_bytes([packet[at + 2], packet[at + 3]]) as usize;
        if len < 4 || at + len > packet.len() {
            return Err(DecodeError::new(
                at,
                ErrorKind::BadLength {
                    what: "chunk",
                    length: len,
                    available: packet.len() - at,
                },
            ));
        }
        last = Some((at, len));
        at += len + pad4(len);
    }
    let (start, len) = match last {
        Some((s, l)) if packet[s] == 0x11 && l >= 8 => (s, l),
        _ => {
            return Err(DecodeError::new(
                last.map_or(12, |(s, _)| s),
                ErrorKind::Invalid {
                    what: "S-SCTP AUTH: the last chunk must be 0x11 with Length >= 8",
                },
            ))
        }
    };
    let mut input = packet.to_vec();
    input[8..12].fill(0);
    input[start + 8..start + len].fill(0);
    Ok(input)
}
