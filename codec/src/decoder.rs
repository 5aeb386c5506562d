//! A stateful packet decoder for captures: applies the [`Dialect`], following
//! each association's S-SCTP evidence under `Auto` (spec/secure-sctp.md 11).

use crate::cause::CauseBody;
use crate::chunk::ty::{self, ssctp};
use crate::chunk::{Chunk, ChunkBody};
use crate::dialect::{
    encdata_plausible, AssocDialect, AssocKey, Dialect, DialectTracker, KeyExchange, Rules,
};
use crate::error::DecodeError;
use crate::packet::{DecodeOptions, Packet};
use crate::param::ParamBody;
use crate::tlv::Nested;
use crate::view::PacketView;

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

/// The S-SCTP handshake chunk types (draft-hohendorf-secure-sctp-15 5.1.1 to 5.1.10).
const SSCTP_HANDSHAKE: std::ops::RangeInclusive<u8> = ssctp::SS_OP_REQ..=ssctp::SEC_LEV_CHD_ACK;

/// Whether a top-level 0xD0..0xD9 chunk of this type and Length is well formed
/// enough to count as S-SCTP evidence (rule 3).
fn handshake_evidence(ty: u8, len: usize) -> bool {
    match ty {
        ssctp::SS_CLOSE_ACK..=ssctp::SEC_LEV_CHD_ACK => len == 4,
        ssctp::SS_OP_REQ_ACK => len == 8 || len == 12,
        ssctp::SS_CLOSE => len == 8 || len == 6,
        ssctp::SS_OP_REQ..=ssctp::SS_OP_COM => len >= 8,
        _ => false,
    }
}

/// What the top-level chunk headers of a packet show, in one pass.
struct Prescan {
    /// A well-formed S-SCTP handshake chunk (rule 3 evidence).
    handshake: bool,
    /// The packet ends with an S-SCTP AUTH of HMAC-MD5/SHA-1 size.
    strong: bool,
    /// A top-level 0x10 chunk passes the EncData plausibility test (rule 5).
    encdata: bool,
    /// The cipher suite of an SSOpReq_Ack (0xD2) in the packet: an SSSerKey
    /// bundled after it already follows that suite.
    suite: Option<u16>,
}

/// Scans the top-level chunk headers of a packet once.
fn prescan(b: &[u8]) -> Prescan {
    let mut i = b.get(12..).unwrap_or(&[]);
    let mut p = Prescan {
        handshake: false,
        strong: false,
        encdata: false,
        suite: None,
    };
    let mut last = (0u8, 0usize);
    while i.len() >= 4 {
        let ty = i[0];
        let len = u16::from_be_bytes([i[2], i[3]]) as usize;
        if len < 4 || len > i.len() {
            break;
        }
        if ty == ty::NR_SACK {
            p.encdata |= encdata_plausible(&i[..len]);
        }
        if ty >= ssctp::SS_OP_REQ {
            p.handshake |= handshake_evidence(ty, len);
            if ty == ssctp::SS_OP_REQ_ACK && len >= 8 && p.suite.is_none() {
                p.suite = Some(u16::from_be_bytes([i[6], i[7]]));
            }
        }
        last = (ty, len);
        i = i.get((len + 3) & !3..).unwrap_or(&[]);
    }
    p.strong = last.0 == ssctp::AUTH && (last.1 == 24 || last.1 == 28);
    p
}

impl Decoder {
    /// A decoder for `dialect`.
    pub fn new(dialect: Dialect) -> Self {
        Decoder {
            dialect,
            ..Default::default()
        }
    }

    /// The rules the next packet of `assoc` is decoded with (and, under
    /// `Auto`, the evidence of this packet recorded for its association).
    pub fn rules_for(&mut self, b: &[u8], assoc: Option<AssocKey>) -> Rules {
        let dialect = self.dialect;
        rules_with(dialect, self.assoc_state(assoc), b)
    }

    /// Decodes one packet of association `assoc` (use
    /// [`crate::dialect::assoc_key`]; `None` when unknown).
    pub fn decode<'a>(
        &mut self,
        b: &'a [u8],
        assoc: Option<AssocKey>,
    ) -> Result<Packet<'a>, DecodeError> {
        self.decode_with_rules(b, assoc).map(|(p, _)| p)
    }

    /// Like [`Decoder::decode`], and also says which rules the packet was
    /// decoded with (a dissector that re-reads the packet later needs them).
    pub fn decode_with_rules<'a>(
        &mut self,
        b: &'a [u8],
        assoc: Option<AssocKey>,
    ) -> Result<(Packet<'a>, Rules), DecodeError> {
        let (dialect, strict) = (self.dialect, self.strict);
        // One lookup per packet: the association's state is read for the
        // rules and updated from what the packet shows.
        let mut st = self.assoc_state(assoc);
        let rules = rules_with(dialect, st.as_deref_mut(), b);
        let p = Packet::decode(b, &DecodeOptions { rules, strict })?;
        if let Some(st) = st {
            observe(st, &p);
        }
        Ok((p, rules))
    }

    /// A zero-copy view of one packet of association `assoc`, under the
    /// rules [`Decoder::decode`] would use; under `Auto` the association
    /// learns from it exactly as from a decoded packet (only the chunks that
    /// carry evidence are typed).
    pub fn view<'a>(
        &mut self,
        b: &'a [u8],
        assoc: Option<AssocKey>,
    ) -> Result<PacketView<'a>, DecodeError> {
        let dialect = self.dialect;
        let mut st = self.assoc_state(assoc);
        let rules = rules_with(dialect, st.as_deref_mut(), b);
        let v = PacketView::parse(b, rules)?;
        if let Some(st) = st {
            for c in v.chunks() {
                let evidence = match c.ty() {
                    ty::INIT | ty::INIT_ACK | ssctp::SS_OP_REQ_ACK | ssctp::SS_OP_COM => true,
                    // Only an Unrecognized Chunk Type cause says anything.
                    ty::ERROR => c.tlvs().any(|t| t.ty() == 6),
                    _ => false,
                };
                if evidence {
                    observe_chunk(st, &c.decode());
                }
            }
        }
        Ok(v)
    }

    /// The state of association `assoc` (created on first sight); `None`
    /// when no association is known or the dialect is `Standard`, which
    /// follows none.
    fn assoc_state(&mut self, assoc: Option<AssocKey>) -> Option<&mut AssocDialect> {
        match (self.dialect, assoc) {
            (Dialect::Standard, _) | (_, None) => None,
            (_, Some(k)) => Some(self.tracker.entry(k)),
        }
    }

    /// Whether `Auto` has switched this association to S-SCTP.
    pub fn is_ssctp(&self, key: &AssocKey) -> bool {
        self.tracker.get(key).ssctp
    }
}

/// Learns from a decoded packet: NR-SACK negotiation (rule 2), a peer
/// reporting S-SCTP chunks as unrecognized (rule 4), and the S-SCTP key
/// exchange (the suite of SSOpReq_Ack; RSA once SSOpCom was seen).
fn observe(st: &mut AssocDialect, p: &Packet<'_>) {
    for c in &p.chunks {
        observe_chunk(st, c);
    }
}

/// What one chunk teaches the association (see [`observe`]); only INIT,
/// INIT ACK, ERROR, SSOpReq_Ack and SSOpCom carry anything.
fn observe_chunk(st: &mut AssocDialect, c: &Chunk<'_>) {
    match &c.body {
        ChunkBody::Init(i) | ChunkBody::InitAck(i) => {
            let lists_nrsack = i.params.iter().any(|prm| {
                    matches!(&prm.body, ParamBody::SupportedExtensions(s) if s.chunk_types.contains(&ty::NR_SACK))
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
                        Nested::Parsed(v) => v.iter().any(|c| SSCTP_HANDSHAKE.contains(&c.ty)),
                        Nested::Raw(b) => b.first().is_some_and(|t| SSCTP_HANDSHAKE.contains(t)),
                    };
                    st.peer_lacks_ssctp |= wraps_ssctp;
                }
            }
        }
        _ => {}
    }
}

/// The rules for a packet `b` of an association in state `st` (`None`: no
/// association known), recording under `Auto` the S-SCTP evidence `b` shows.
fn rules_with(dialect: Dialect, st: Option<&mut AssocDialect>, b: &[u8]) -> Rules {
    if dialect == Dialect::Standard {
        return Rules::STANDARD;
    }
    let scan = prescan(b);
    let open = st.as_deref().is_some_and(|s| s.session_open);
    let mut rules = match (dialect, st) {
        (Dialect::Auto, Some(st)) => {
            if scan.handshake {
                st.ssctp = true;
                st.conflict = st.init_nrsack && st.init_ack_nrsack;
            }
            st.learn_rule5(scan.encdata, scan.strong);
            st.rules(scan.strong)
        }
        (Dialect::Auto, None) => {
            let mut st = AssocDialect {
                ssctp: scan.handshake,
                ..Default::default()
            };
            st.learn_rule5(scan.encdata, scan.strong);
            st.rules(scan.strong)
        }
        (_, st) => Rules {
            key_exchange: st.and_then(|s| s.key_exchange()),
            ..Rules::SSCTP
        },
    };
    // An SSOpReq_Ack bundled before the server's key already decides it,
    // unless a session is open (then it is a rekey: RSA).
    if let (false, Some(suite)) = (open, scan.suite) {
        rules.key_exchange = KeyExchange::of_suite(suite);
    }
    rules
}
