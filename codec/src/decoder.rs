//! A stateful packet decoder for captures: applies the [`Dialect`], following
//! each association's S-SCTP evidence under `Auto` (spec/secure-sctp.md 11).

use crate::cause::CauseBody;
use crate::chunk::ChunkBody;
use crate::dialect::{AssocKey, Dialect, DialectTracker, KeyExchange, Rules};
use crate::error::DecodeError;
use crate::packet::{DecodeOptions, Packet};
use crate::param::ParamBody;
use crate::tlv::Nested;

/// Decodes the packets of a capture in order, remembering per association
/// what `Dialect::Auto` needs.
#[derive(Debug, Clone, Default)]
pub struct Decoder {
    /// The dialect asked for.
    pub dialect: Dialect,
    /// Strict decoding (see [`DecodeOptions::strict`]).
    pub strict: bool,
    tracker: DialectTracker,
}

/// Whether a top-level 0xD0..0xD9 chunk of this type and Length is well formed
/// enough to count as S-SCTP evidence (rule 3).
fn handshake_evidence(ty: u8, len: usize) -> bool {
    match ty {
        0xD7..=0xD9 => len == 4,
        0xD2 => len == 8 || len == 12,
        0xD6 => len == 8 || len == 6,
        0xD0..=0xD5 => len >= 8,
        _ => false,
    }
}

/// Scans the top-level chunk headers of a packet: (S-SCTP handshake seen,
/// strong S-SCTP AUTH signal at the end).
fn prescan(b: &[u8]) -> (bool, bool) {
    let mut i = b.get(12..).unwrap_or(&[]);
    let mut handshake = false;
    let mut last = (0u8, 0usize);
    while i.len() >= 4 {
        let ty = i[0];
        let len = u16::from_be_bytes([i[2], i[3]]) as usize;
        if len < 4 || len > i.len() {
            break;
        }
        handshake |= handshake_evidence(ty, len);
        last = (ty, len);
        let step = (len + 3) & !3;
        i = i.get(step..).unwrap_or(&[]);
    }
    (handshake, last.0 == 0x11 && (last.1 == 24 || last.1 == 28))
}

/// The cipher suite of a top-level SSOpReq_Ack (0xD2) in the packet, if any:
/// the SSSerKey bundled after it already follows that suite.
fn bundled_suite(b: &[u8]) -> Option<u16> {
    let mut i = b.get(12..).unwrap_or(&[]);
    while i.len() >= 4 {
        let len = u16::from_be_bytes([i[2], i[3]]) as usize;
        if len < 4 || len > i.len() {
            return None;
        }
        if i[0] == 0xD2 && len >= 8 {
            return Some(u16::from_be_bytes([i[6], i[7]]));
        }
        i = i.get((len + 3) & !3..).unwrap_or(&[]);
    }
    None
}

impl Decoder {
    /// A decoder for `dialect`.
    pub fn new(dialect: Dialect) -> Self {
        Decoder {
            dialect,
            ..Default::default()
        }
    }

    /// The rules the next packet of `assoc` is decoded with.
    pub fn rules_for(&mut self, b: &[u8], assoc: Option<AssocKey>) -> Rules {
        match self.dialect {
            Dialect::Standard => Rules::STANDARD,
            Dialect::SecureSctp => Rules {
                key_exchange: assoc.and_then(|k| self.tracker.get(&k).key_exchange()),
                ..Rules::SSCTP
            },
            Dialect::Auto => {
                let (handshake, strong) = prescan(b);
                match assoc {
                    Some(key) => {
                        let st = self.tracker.entry(key);
                        if handshake {
                            st.ssctp = true;
                            st.conflict = st.init_nrsack && st.init_ack_nrsack;
                        }
                        st.rules(strong)
                    }
                    None => crate::dialect::AssocDialect {
                        ssctp: handshake,
                        ..Default::default()
                    }
                    .rules(strong),
                }
            }
        }
    }

    /// Decodes one packet of association `assoc` (use
    /// [`crate::dialect::assoc_key`]; `None` when unknown).
    pub fn decode<'a>(
        &mut self,
        b: &'a [u8],
        assoc: Option<AssocKey>,
    ) -> Result<Packet<'a>, DecodeError> {
        let mut rules = self.rules_for(b, assoc);
        if rules.ssctp_handshake {
            let open = assoc.is_some_and(|k| self.tracker.get(&k).session_open);
            if let (false, Some(suite)) = (open, bundled_suite(b)) {
                rules.key_exchange = KeyExchange::of_suite(suite);
            }
        }
        let p = Packet::decode(
            b,
            &DecodeOptions {
                rules,
                strict: self.strict,
            },
        )?;
        if let (Dialect::Auto | Dialect::SecureSctp, Some(key)) = (self.dialect, assoc) {
            self.observe(&p, key);
        }
        Ok(p)
    }

    /// Whether `Auto` has switched this association to S-SCTP.
    pub fn is_ssctp(&self, key: &AssocKey) -> bool {
        self.tracker.get(key).ssctp
    }

    /// Learns from a decoded packet: NR-SACK negotiation (rule 2), a peer
    /// reporting S-SCTP chunks as unrecognized (rule 4), and the S-SCTP key
    /// exchange (the suite of SSOpReq_Ack; RSA once SSOpCom was seen).
    fn observe(&mut self, p: &Packet<'_>, key: AssocKey) {
        let st = self.tracker.entry(key);
        for c in &p.chunks {
            match &c.body {
                ChunkBody::Init(i) | ChunkBody::InitAck(i) => {
                    let lists_nrsack = i.params.iter().any(|prm| {
                        matches!(&prm.body, ParamBody::SupportedExtensions(s) if s.chunk_types.contains(&0x10))
                    });
                    if matches!(c.body, ChunkBody::Init(_)) {
                        st.init_nrsack = lists_nrsack;
                    } else {
                        st.init_ack_nrsack = lists_nrsack;
                    }
                }
                ChunkBody::SsOpReqAck(a) => {
                    st.suite_key_exchange = KeyExchange::of_suite(a.cipher_suite);
                }
                ChunkBody::SsOpCom(_) => st.session_open = true,
                ChunkBody::Error(e) => {
                    for cause in &e.causes {
                        if let CauseBody::UnrecognizedChunkType(u) = &cause.body {
                            let wraps_ssctp = match &u.unrecognized_chunk {
                                Nested::Parsed(v) => {
                                    v.iter().any(|c| (0xD0..=0xD9).contains(&c.ty))
                                }
                                Nested::Raw(b) => {
                                    b.first().is_some_and(|t| (0xD0..=0xD9).contains(t))
                                }
                            };
                            st.peer_lacks_ssctp |= wraps_ssctp;
                        }
                    }
                }
                _ => {}
            }
        }
    }
}
