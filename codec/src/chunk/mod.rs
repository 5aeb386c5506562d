//! Chunks (RFC 9260 3.2): the typed body of every registered chunk type, and
//! the [`Chunk`] wrapper that keeps type, flags, Length and padding as seen.

use std::borrow::Cow;

pub mod flags;
pub(crate) mod offsets;
mod pktdrop;
mod sack;
mod ssctp;
pub mod ty;
mod types;

pub use pktdrop::{DroppedPacket, PktDropChunk};
pub use sack::{GapAckBlock, NrSackChunk, SackChunk};
pub use ssctp::{
    ssctp_auth_hmac_input, EncDataChunk, SsAuthChunk, SsCertChunk, SsCloseChunk, SsKeyChunk,
    SsOpComChunk, SsOpReqAckChunk, SsOpReqChunk,
};
pub use types::*;

use crate::dialect::{encdata_plausible, nrsack_plausible, X10};
use crate::error::DecodeError;
use crate::gen::Gen;
use crate::registry::{DialectTag, TypeInfo};
use crate::tlv::Tlv;
use crate::visit::{Node, Span, Value, Visitor};
use crate::wire::{put_slice, put_u16, put_u8, Carrier, Ctx, FieldKind, IntoOwned};

tlv_family! {
    family Chunk, enum ChunkBody, table CHUNK_TYPES;
    /// DATA.
    Data(DataChunk<'a>) = Standard 0x00, "DATA", "RFC 9260 3.3.1", [i_bit = 0x08, u_bit = 0x04, b_bit = 0x02, e_bit = 0x01];
    /// INIT.
    Init(InitChunk<'a>) = Standard 0x01, "INIT", "RFC 9260 3.3.2", [];
    /// INIT ACK.
    InitAck(InitChunk<'a>) = Standard 0x02, "INIT-ACK", "RFC 9260 3.3.3", [];
    /// SACK.
    Sack(SackChunk) = Standard 0x03, "SACK", "RFC 9260 3.3.4", [];
    /// HEARTBEAT.
    Heartbeat(HeartbeatChunk<'a>) = Standard 0x04, "HEARTBEAT", "RFC 9260 3.3.5", [];
    /// HEARTBEAT ACK.
    HeartbeatAck(HeartbeatChunk<'a>) = Standard 0x05, "HEARTBEAT-ACK", "RFC 9260 3.3.6", [];
    /// ABORT.
    Abort(CausesChunk<'a>) = Standard 0x06, "ABORT", "RFC 9260 3.3.7", [t_bit = 0x01, m_bit = 0x02];
    /// SHUTDOWN.
    Shutdown(ShutdownChunk) = Standard 0x07, "SHUTDOWN", "RFC 9260 3.3.8", [];
    /// SHUTDOWN ACK.
    ShutdownAck(EmptyChunk) = Standard 0x08, "SHUTDOWN-ACK", "RFC 9260 3.3.9", [];
    /// ERROR.
    Error(CausesChunk<'a>) = Standard 0x09, "ERROR", "RFC 9260 3.3.10", [t_bit = 0x01, m_bit = 0x02];
    /// COOKIE ECHO.
    CookieEcho(CookieEchoChunk<'a>) = Standard 0x0A, "COOKIE-ECHO", "RFC 9260 3.3.11", [];
    /// COOKIE ACK.
    CookieAck(EmptyChunk) = Standard 0x0B, "COOKIE-ACK", "RFC 9260 3.3.12", [];
    /// ECNE.
    Ecne(LowestTsnChunk) = Standard 0x0C, "ECNE", "RFC 4960 App. A; RFC 9260 3.2", [];
    /// CWR.
    Cwr(LowestTsnChunk) = Standard 0x0D, "CWR", "RFC 4960 App. A; RFC 9260 3.2", [];
    /// SHUTDOWN COMPLETE.
    ShutdownComplete(EmptyChunk) = Standard 0x0E, "SHUTDOWN-COMPLETE", "RFC 9260 3.3.13", [t_bit = 0x01];
    /// AUTH.
    Auth(AuthChunk<'a>) = Standard 0x0F, "AUTH", "RFC 4895 5.1", [];
    /// NR-SACK.
    NrSack(NrSackChunk) = Standard 0x10, "NR-SACK", "draft-tuexen-tsvwg-sctp-multipath", [];
    /// Reserved 63.
    Reserved3f(ReservedChunkValue<'a>) = Standard 0x3F, "Reserved for IETF-defined Chunk Extensions", "RFC 9260 3.2", [];
    /// I-DATA.
    IData(IDataChunk<'a>) = Standard 0x40, "I-DATA", "RFC 8260 2.1", [i_bit = 0x08, u_bit = 0x04, b_bit = 0x02, e_bit = 0x01];
    /// DTLS.
    Dtls(DtlsChunk<'a>) = Standard 0x41, "DTLS", "draft-ietf-tsvwg-sctp-dtls-chunk", [r_bit = 0x01, pre_padding = 0x06];
    /// Reserved 127.
    Reserved7f(ReservedChunkValue<'a>) = Standard 0x7F, "Reserved for IETF-defined Chunk Extensions", "RFC 9260 3.2", [];
    /// ASCONF-ACK.
    AsconfAck(AsconfChunk<'a>) = Standard 0x80, "ASCONF-ACK", "RFC 5061 4.1.2", [];
    /// PKTDROP.
    PktDrop(PktDropChunk<'a>) = Standard 0x81, "PKTDROP", "draft-stewart-sctp-pktdrprep", [m_bit = 0x01, b_bit = 0x02, t_bit = 0x04];
    /// RE-CONFIG.
    ReConfig(ReConfigChunk<'a>) = Standard 0x82, "RE-CONFIG", "RFC 6525 3.1", [];
    /// PAD.
    Pad(PadChunk<'a>) = Standard 0x84, "PAD", "RFC 4820 3", [];
    /// Reserved 191.
    ReservedBf(ReservedChunkValue<'a>) = Standard 0xBF, "Reserved for IETF-defined Chunk Extensions", "RFC 9260 3.2", [];
    /// FORWARD TSN.
    ForwardTsn(ForwardTsnChunk) = Standard 0xC0, "FORWARD-TSN", "RFC 3758 3.2", [];
    /// ASCONF.
    Asconf(AsconfChunk<'a>) = Standard 0xC1, "ASCONF", "RFC 5061 4.1.1", [];
    /// I-FORWARD-TSN.
    IForwardTsn(IForwardTsnChunk) = Standard 0xC2, "I-FORWARD-TSN", "RFC 8260 2.3.1", [];
    /// Reserved 255.
    ReservedFf(ReservedChunkValue<'a>) = Standard 0xFF, "Reserved for IETF-defined Chunk Extensions", "RFC 9260 3.2", [];
    /// S-SCTP EncData.
    EncData(EncDataChunk<'a>) = Ssctp 0x10, "EncData", "draft-hohendorf-secure-sctp-15 5.1.11", [];
    /// S-SCTP AUTH.
    SsAuth(SsAuthChunk<'a>) = Ssctp 0x11, "AUTH (S-SCTP)", "draft-hohendorf-secure-sctp-15 5.1.13", [];
    /// S-SCTP PADDING.
    SsPadding(PadChunk<'a>) = Ssctp 0x12, "PADDING", "draft-hohendorf-secure-sctp-15 5.1.12", [];
    /// S-SCTP SSOpReq.
    SsOpReq(SsOpReqChunk<'a>) = Ssctp 0xD0, "SSOpReq", "draft-hohendorf-secure-sctp-15 5.1.1", [cf = 0x01];
    /// S-SCTP SSCert.
    SsCert(SsCertChunk<'a>) = Ssctp 0xD1, "SSCert", "draft-hohendorf-secure-sctp-15 5.1.2", [];
    /// S-SCTP SSOpReq_Ack.
    SsOpReqAck(SsOpReqAckChunk) = Ssctp 0xD2, "SSOpReq_Ack", "draft-hohendorf-secure-sctp-15 5.1.3", [cf = 0x01];
    /// S-SCTP SSSerKey.
    SsSerKey(SsKeyChunk<'a>) = Ssctp 0xD3, "SSSerKey", "draft-hohendorf-secure-sctp-15 5.1.4", [];
    /// S-SCTP SSCliKey.
    SsCliKey(SsKeyChunk<'a>) = Ssctp 0xD4, "SSCliKey", "draft-hohendorf-secure-sctp-15 5.1.5", [sl = 0x03];
    /// S-SCTP SSOpCom.
    SsOpCom(SsOpComChunk<'a>) = Ssctp 0xD5, "SSOpCom", "draft-hohendorf-secure-sctp-15 5.1.6", [];
    /// S-SCTP SSClose.
    SsClose(SsCloseChunk) = Ssctp 0xD6, "SSClose", "draft-hohendorf-secure-sctp-15 5.1.7", [of = 0x01];
    /// S-SCTP SSClose_Ack.
    SsCloseAck(EmptyChunk) = Ssctp 0xD7, "SSClose_Ack", "draft-hohendorf-secure-sctp-15 5.1.8", [];
    /// S-SCTP SecLevCHD.
    SecLevChd(EmptyChunk) = Ssctp 0xD8, "SecLevCHD", "draft-hohendorf-secure-sctp-15 5.1.9", [sl = 0x03];
    /// S-SCTP SecLevCHD_Ack.
    SecLevChdAck(EmptyChunk) = Ssctp 0xD9, "SecLevCHD_Ack", "draft-hohendorf-secure-sctp-15 5.1.10", [];
}

/// Which registry row decodes chunk type `ty` under the rules in force
/// (`whole` is the chunk, header included, for the 0x10 plausibility tests).
pub(crate) fn resolve_chunk(ty: u8, whole: &[u8], r: &crate::dialect::Rules) -> Option<DialectTag> {
    match ty {
        ty::NR_SACK => match r.x10 {
            X10::NrSack => Some(DialectTag::Standard),
            X10::EncData => Some(DialectTag::Ssctp),
            X10::NrSackIfPlausible => nrsack_plausible(whole).then_some(DialectTag::Standard),
            X10::Guess { strong } => {
                let nr = nrsack_plausible(whole);
                let enc = encdata_plausible(whole);
                match (nr, enc) {
                    (_, true) if strong => Some(DialectTag::Ssctp),
                    (true, false) => Some(DialectTag::Standard),
                    (false, true) => Some(DialectTag::Ssctp),
                    _ => None,
                }
            }
        },
        ty::ssctp::AUTH | ty::ssctp::PADDING => r.ssctp.then_some(DialectTag::Ssctp),
        ty::ssctp::SS_OP_REQ..=ty::ssctp::SEC_LEV_CHD_ACK => {
            r.ssctp_handshake.then_some(DialectTag::Ssctp)
        }
        _ => Some(DialectTag::Standard),
    }
}

/// What a malformed chunk value decoded to before the damage (lenient
/// decoding): the typed value with every fixed field and the TLVs (or
/// records) that were whole, and how many bytes of the value that covers.
/// The chunk's body stays [`ChunkBody::Malformed`], raw and byte-exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialBody<'a> {
    /// The typed value as far as it decoded (a list cut before the damage).
    pub body: ChunkBody<'a>,
    /// Bytes of the value it covers; the damage starts there.
    pub len: usize,
}

/// The chunk types whose malformed value keeps a partial decode: the fixed
/// fields followed by a TLV list (INIT, INIT ACK, HEARTBEAT, ABORT, ERROR,
/// ASCONF, RE-CONFIG, ...) and the SACKs, whose counts can overrun the value.
fn decode_partial<'a>(
    tag: DialectTag,
    ty: u8,
    value: &'a [u8],
    cx: &Ctx<'a>,
) -> Option<PartialBody<'a>> {
    if tag != DialectTag::Standard {
        return None;
    }
    let (rest, body) =
        match ty {
            ty::INIT => {
                InitChunk::decode_fields_partial(value, cx).map(|(r, b, _)| (r, ChunkBody::Init(b)))
            }
            ty::INIT_ACK => InitChunk::decode_fields_partial(value, cx)
                .map(|(r, b, _)| (r, ChunkBody::InitAck(b))),
            ty::HEARTBEAT => HeartbeatChunk::decode_fields_partial(value, cx)
                .map(|(r, b, _)| (r, ChunkBody::Heartbeat(b))),
            ty::HEARTBEAT_ACK => HeartbeatChunk::decode_fields_partial(value, cx)
                .map(|(r, b, _)| (r, ChunkBody::HeartbeatAck(b))),
            ty::ABORT => CausesChunk::decode_fields_partial(value, cx)
                .map(|(r, b, _)| (r, ChunkBody::Abort(b))),
            ty::ERROR => CausesChunk::decode_fields_partial(value, cx)
                .map(|(r, b, _)| (r, ChunkBody::Error(b))),
            ty::ASCONF => AsconfChunk::decode_fields_partial(value, cx)
                .map(|(r, b, _)| (r, ChunkBody::Asconf(b))),
            ty::ASCONF_ACK => AsconfChunk::decode_fields_partial(value, cx)
                .map(|(r, b, _)| (r, ChunkBody::AsconfAck(b))),
            ty::RE_CONFIG => ReConfigChunk::decode_fields_partial(value, cx)
                .map(|(r, b, _)| (r, ChunkBody::ReConfig(b))),
            ty::SACK => {
                SackChunk::decode_fields_partial(value, cx).map(|(r, b, _)| (r, ChunkBody::Sack(b)))
            }
            ty::NR_SACK => NrSackChunk::decode_fields_partial(value, cx)
                .map(|(r, b, _)| (r, ChunkBody::NrSack(b))),
            _ => None,
        }?;
    Some(PartialBody {
        body,
        len: value.len() - rest.len(),
    })
}

/// Reports the leading fixed-size fields of a registered type that lie
/// wholly inside `raw` (a value too short for its type); returns the bytes
/// they cover.
fn describe_fixed_prefix(info: &TypeInfo, raw: &[u8], at: usize, v: &mut dyn Visitor) -> usize {
    let mut k = 0;
    for f in info.fields {
        let size = match f.kind {
            FieldKind::U8 => 1,
            FieldKind::U16 => 2,
            FieldKind::U32 | FieldKind::Ipv4 => 4,
            FieldKind::Ipv6 => 16,
            _ => break,
        };
        let Some(b) = raw.get(k..k + size) else { break };
        let value = match f.kind {
            FieldKind::Ipv4 => Value::Ipv4(std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3])),
            FieldKind::Ipv6 => {
                let mut a = [0u8; 16];
                a.copy_from_slice(b);
                Value::Ipv6(a.into())
            }
            _ => Value::Uint {
                v: b.iter().fold(0u64, |n, &x| n << 8 | u64::from(x)),
                bits: 8 * size as u8,
            },
        };
        v.field(f.name, Span::new(at + k, size), value);
        k += size;
    }
    k
}

/// One chunk (RFC 9260 3.2): type and flags as on the wire, the typed value,
/// and what is needed to re-encode it byte for byte (or wrongly, on purpose).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk<'a> {
    /// Chunk Type as on the wire.
    pub ty: u8,
    /// Chunk Flags as on the wire (named bits in the registry).
    pub flags: u8,
    /// The typed value.
    pub body: ChunkBody<'a>,
    /// A Chunk Length to write instead of the computed one (`None`: computed).
    pub length: Option<u16>,
    /// Bytes inside Length after the typed fields (a length/content mismatch).
    pub extra: Cow<'a, [u8]>,
    /// Padding bytes as seen (`None`: the normal zero padding).
    pub padding: Option<Cow<'a, [u8]>>,
    /// For a [`ChunkBody::Malformed`] value read leniently: what decoded
    /// before the damage, if anything did (see [`PartialBody`]).
    pub partial: Option<Box<PartialBody<'a>>>,
    /// For a [`ChunkBody::Malformed`] value: the numbering the rules in force
    /// read the type in (0x10 is EncData under S-SCTP, NR-SACK in standard
    /// SCTP), so a malformed chunk keeps that type's name; `None`: the
    /// standard reading.
    pub malformed_as: Option<DialectTag>,
}

impl<'a> Chunk<'a> {
    /// A well-formed chunk of type `ty` with `flags` holding `body`.
    pub fn new(ty: u8, flags: u8, body: ChunkBody<'a>) -> Self {
        Chunk {
            ty,
            flags,
            body,
            length: None,
            extra: Cow::Borrowed(&[]),
            padding: None,
            partial: None,
            malformed_as: None,
        }
    }
    /// The Chunk Length this chunk has on the wire: the explicit one, or the
    /// computed one (65,535 when the chunk is longer: see [`Chunk::checked_length`]).
    pub fn wire_length(&self) -> u16 {
        self.length.unwrap_or(crate::wire::len16(self.tlv_len()))
    }
    /// The Chunk Length to write (RFC 9260 3.2): the explicit one, or the
    /// computed one; an error when the chunk has more than 65,535 bytes,
    /// which no Length can describe and whose nested Lengths and counts
    /// could not be right either (any chunk that passes has every nested
    /// TLV and list within 16 bits, since they are inside it).
    pub fn checked_length(&self) -> Result<u16, crate::writer::WriteError> {
        let len = self.tlv_len();
        if len > u16::MAX as usize {
            return Err(crate::writer::WriteError::TooLong {
                what: self.name(),
                len: len - 4,
            });
        }
        Ok(self.length.unwrap_or(len as u16))
    }
    /// The registry entry of the type: the typed body's, or for a malformed
    /// value the registered type it failed to decode as.
    pub fn info(&self) -> Option<&'static TypeInfo> {
        match &self.body {
            ChunkBody::Malformed(..) => {
                let tag = self.malformed_as.unwrap_or(DialectTag::Standard);
                CHUNK_TYPES
                    .iter()
                    .find(|t| t.value == self.ty as u16 && t.dialect == tag)
                    .or_else(|| CHUNK_TYPES.iter().find(|t| t.value == self.ty as u16))
            }
            b => b.info(),
        }
    }
    /// The registered name, or "Unknown".
    pub fn name(&self) -> &'static str {
        self.info().map(|i| i.name).unwrap_or("Unknown")
    }
    /// The action bits: the top two bits of the type (RFC 9260 3.2).
    pub fn action_bits(&self) -> u8 {
        self.ty >> 6
    }
    /// The value of the named flag (`e_bit`, `sl`, ...), if this type has it.
    pub fn flag(&self, name: &str) -> Option<u8> {
        self.info()?
            .flags
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.get(self.flags))
    }
    /// The bytes of this chunk alone (header, value, extra, padding).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.tlv_len() + 3);
        crate::tlv::encode_list(std::slice::from_ref(self), &mut v, true);
        v
    }
}

impl<'a> Tlv<'a> for Chunk<'a> {
    const WHAT: &'static str = "chunk";
    const LIST_KIND: FieldKind = FieldKind::Chunks;
    fn decode_tlv(whole: &'a [u8], cx: &Ctx<'a>) -> Result<Self, DecodeError> {
        let ty = whole[0];
        let flags = whole[1];
        let value = &whole[4..];
        let end = &value[value.len()..];
        let tag = resolve_chunk(ty, whole, &cx.rules);
        // S-SCTP handshake chunks type their parameters by position.
        let carrier = match tag {
            Some(DialectTag::Ssctp) => Carrier::of_ssctp_chunk(ty),
            _ => Carrier::Other,
        };
        let cx = &Ctx { carrier, ..*cx };
        let decoded = tag.and_then(|tag| ChunkBody::decode_known(tag, ty as u16, value, cx));
        let mut partial = None;
        let mut malformed_as = None;
        let (body, extra) = match decoded {
            Some(Ok((rest, body))) => (body, rest),
            Some(Err(e)) if cx.strict => return Err(e),
            Some(Err(e)) => {
                partial = tag
                    .and_then(|tag| decode_partial(tag, ty, value, cx))
                    .map(Box::new);
                malformed_as = tag;
                (ChunkBody::Malformed(Cow::Borrowed(value), e), end)
            }
            None => (ChunkBody::Unknown(Cow::Borrowed(value)), end),
        };
        Ok(Chunk {
            ty,
            flags,
            body,
            length: None,
            extra: Cow::Borrowed(extra),
            padding: None,
            partial,
            malformed_as,
        })
    }
    fn encode_tlv(&self, out: &mut Vec<u8>) {
        put_u8(out, self.ty);
        put_u8(out, self.flags);
        put_u16(out, self.wire_length());
        self.body.encode_value(out);
        put_slice(out, &self.extra);
    }
    fn tlv_len(&self) -> usize {
        4 + self.body.value_len() + self.extra.len()
    }
    fn padding(&self) -> Option<&[u8]> {
        self.padding.as_deref()
    }
    fn set_padding(&mut self, p: Option<Cow<'a, [u8]>>) {
        self.padding = p;
    }
    fn describe_tlv(&self, at: usize, v: &mut dyn Visitor) {
        let len = self.tlv_len();
        v.open(
            "chunk",
            Span::new(at, len),
            Node::Chunk {
                ty: self.ty,
                name: self.name(),
                flags: self.flags,
                length: self.wire_length(),
            },
        );
        if let Some(info) = self.info() {
            for f in info.flags {
                v.flag(f.name, Span::new(at + 1, 1), f.mask, f.get(self.flags));
            }
        }
        match &self.body {
            // What decoded before the damage, then the damage and the rest raw.
            ChunkBody::Malformed(raw, e) => {
                let done = match (&self.partial, self.info()) {
                    (Some(p), _) if p.len <= raw.len() => {
                        p.body.describe_value(at + 4, v);
                        p.len
                    }
                    (_, Some(info)) => describe_fixed_prefix(info, raw, at + 4, v),
                    _ => 0,
                };
                let rest = &raw[done..];
                v.malformed(Span::new(at + 4 + done, rest.len()), e);
                v.field(
                    "value",
                    Span::new(at + 4 + done, rest.len()),
                    Value::Bytes(rest),
                );
            }
            body => body.describe_value(at + 4, v),
        }
        let mut end = at + 4 + self.body.value_len();
        if !self.extra.is_empty() {
            v.field(
                "extra",
                Span::new(end, self.extra.len()),
                Value::Bytes(&self.extra),
            );
            end += self.extra.len();
        }
        if let Some(p) = &self.padding {
            if !p.is_empty() {
                v.field("padding", Span::new(end, p.len()), Value::Bytes(p));
            }
        }
        v.close();
    }
    fn generate_tlv(g: &mut Gen, depth: u8) -> Self {
        let info = g.pick_type(CHUNK_TYPES);
        let mut flags = 0u8;
        for f in info.flags {
            flags |= (g.u64() as u8) & f.mask;
        }
        let outer = g.carrier;
        g.carrier = match info.dialect {
            DialectTag::Ssctp => Carrier::of_ssctp_chunk(info.value as u8),
            _ => Carrier::Other,
        };
        let body = ChunkBody::generate_known(info, g, depth);
        g.carrier = outer;
        Chunk::new(info.value as u8, flags, body)
    }
}

impl IntoOwned for Chunk<'_> {
    type Owned = Chunk<'static>;
    fn into_owned(self) -> Chunk<'static> {
        Chunk {
            ty: self.ty,
            flags: self.flags,
            body: self.body.into_owned(),
            length: self.length,
            extra: IntoOwned::into_owned(self.extra),
            padding: self.padding.map(IntoOwned::into_owned),
            partial: self.partial.map(|p| {
                Box::new(PartialBody {
                    body: p.body.into_owned(),
                    len: p.len,
                })
            }),
            malformed_as: self.malformed_as,
        }
    }
}

impl Chunk<'_> {
    /// Bytes of header, value and extra (the Length the chunk should carry).
    pub fn tlv_len_pub(&self) -> usize {
        self.tlv_len()
    }
}
