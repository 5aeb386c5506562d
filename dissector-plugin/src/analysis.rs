//! The association analysis of `sctp_codec::analysis` in Wireshark (RFC
//! 9260 6.2.1, 6.3, 6.9; RFC 4895 6.3): computed once per frame on the
//! first pass, in capture order, and kept per frame number, as the built-in
//! SCTP dissector keeps its TSN analysis; later passes (GUI clicks, `tshark
//! -2`) read what was kept, with what later frames added (the SACK that
//! acknowledged a DATA chunk, the frame that completed a message).
//!
//! The fields are `sctpkit.` + the names of the codec's one table
//! ([`sctp_codec::analysis::fields::FIELDS`]).

use std::collections::HashMap;

use sctp_codec::analysis::fields::{FieldDef, FieldKind, FIELDS};
use sctp_codec::analysis::{Analyzer, AssocSummary};
use sctp_codec::analysis::{
    AssocRef, AuthVerdict, ChunkNote, Config, KeyLog, Note, PacketMeta, PacketReport,
};
use sctp_codec::registry::Family;
use sctp_codec::{PacketView, Rules};

use crate::ffi::{Base, Enc, ExpertId, FieldReg, FieldType, FrameFacts, Names, OpList};

/// The field registrations, parallel to [`FIELDS`].
pub fn field_regs() -> Vec<FieldReg> {
    FIELDS
        .iter()
        .map(|d| {
            let (ty, base, names) = match d.kind {
                FieldKind::Flag => (FieldType::None, Base::None, Names::None),
                FieldKind::Uint => (FieldType::U32, Base::Dec, Names::None),
                FieldKind::Frame => (FieldType::FrameNum, Base::None, Names::None),
                FieldKind::Time => (FieldType::RelTime, Base::None, Names::None),
                FieldKind::Auth => (FieldType::Text, Base::None, Names::None),
                FieldKind::ChunkType => (
                    FieldType::U8,
                    Base::Dec,
                    Names::Table(crate::fields::type_names(Family::Chunk)),
                ),
            };
            FieldReg {
                abbrev: format!("{}.{}", crate::fields::PREFIX, d.name),
                name: d.title.to_string(),
                ty,
                base,
                mask: 0,
                blurb: d.doc.to_string(),
                names,
            }
        })
        .collect()
}

/// Field ids of the analysis, by name.
#[derive(Debug, Default)]
pub struct Ids(Vec<i32>);

impl Ids {
    /// Ids parallel to [`FIELDS`].
    pub fn new(ids: Vec<i32>) -> Self {
        Ids(ids)
    }
    /// The id of field `name` (`analysis.gap`); -1 if unknown.
    pub fn hf(&self, name: &str) -> i32 {
        FIELDS
            .iter()
            .position(|d: &FieldDef| d.name == name)
            .and_then(|i| self.0.get(i).copied())
            .unwrap_or(-1)
    }
}

/// The analysis' expert items.
#[derive(Debug, Clone, Copy)]
pub struct Experts {
    /// A retransmitted TSN (PI_SEQUENCE, PI_NOTE as the built-in's).
    pub retransmission: ExpertId,
    /// A TSN sent again after it was acknowledged (PI_SEQUENCE, PI_WARN).
    pub duplicate: ExpertId,
    /// TSNs missing before this one: lost before the capture point
    /// (PI_SEQUENCE, PI_WARN).
    pub lost: ExpertId,
    /// A TSN out of the window (PI_SEQUENCE, PI_WARN).
    pub out_of_window: ExpertId,
    /// Gap acks revoked (PI_SEQUENCE, PI_WARN).
    pub revoked: ExpertId,
    /// An AUTH chunk whose HMAC does not verify (PI_SECURITY, PI_ERROR).
    pub bad_hmac: ExpertId,
    /// An AUTH chunk that could not be checked (PI_SECURITY, PI_NOTE).
    pub unverified: ExpertId,
    /// A chunk without the AUTH its receiver requires (PI_SECURITY, PI_WARN).
    pub unauthenticated: ExpertId,
}

/// What is kept of one frame.
#[derive(Debug, Default, Clone)]
struct Stored {
    assoc: Option<AssocRef>,
    notes: Vec<ChunkNote>,
    /// (chunk, SACK frame, RTT ns) for DATA chunks acknowledged later.
    acked_by: Vec<(usize, u64, i64)>,
    /// (chunk, frame) for fragments of messages completed later.
    reassembled_in: Vec<(usize, u64)>,
}

/// A message being reassembled: association, direction, stream, unordered,
/// SSN (DATA) or MID (I-DATA), I-DATA.
type MsgKey = (usize, usize, u16, bool, u32, bool);

/// Fragments held per message, at most (the rest is not linked).
const MAX_HELD: usize = 1 << 12;
/// Messages held at once, at most.
const MAX_MESSAGES: usize = 1 << 14;

/// The per-capture analysis.
#[derive(Debug, Default)]
pub struct Analysis {
    analyzer: Analyzer,
    frames: HashMap<u32, Stored>,
    fragments: HashMap<MsgKey, Vec<(u32, usize)>>,
    /// Why the key file could not be used, if it could not.
    pub key_error: Option<String>,
}

impl Analysis {
    /// A new analysis with the keys of the file at `keys` (docs/auth-keys.md).
    pub fn new(keys: Option<&str>) -> Self {
        let mut cfg = Config::default();
        let mut key_error = None;
        if let Some(path) = keys {
            match std::fs::read_to_string(path) {
                Ok(text) => match KeyLog::parse(&text) {
                    Ok(k) => cfg.keys = k,
                    Err(e) => key_error = Some(format!("{path}: {e}")),
                },
                Err(e) => key_error = Some(format!("{path}: {e}")),
            }
        }
        Analysis {
            analyzer: Analyzer::new(cfg),
            key_error,
            ..Analysis::default()
        }
    }

    /// Analyses the frame on the first pass (`bytes` decoded with `rules`);
    /// keeps the result for later passes.
    pub fn first_pass(&mut self, facts: &FrameFacts, bytes: &[u8], rules: Rules) {
        if facts.visited || self.frames.contains_key(&facts.frame) {
            return;
        }
        let (Some(src), Some(dst)) = (facts.src, facts.dst) else {
            return;
        };
        let Ok(view) = PacketView::parse(bytes, rules) else {
            return;
        };
        let meta = PacketMeta {
            frame: u64::from(facts.frame),
            time_ns: facts.time_ns,
            src,
            dst,
            quoted: facts.in_error_pkt,
        };
        if meta.quoted {
            return;
        }
        let r: PacketReport = self.analyzer.packet(&meta, &view);
        let Some(at) = r.assoc else { return };
        // Later frames' links: the DATA frames this SACK acknowledges first,
        // the fragments of the messages this frame completes.
        for n in &r.notes {
            match &n.note {
                Note::Sack(k) => {
                    for a in &k.acked {
                        let Ok(f) = u32::try_from(a.frame) else {
                            continue;
                        };
                        let Some(s) = self.frames.get_mut(&f) else {
                            continue;
                        };
                        let chunk = s.notes.iter().find_map(|c| match &c.note {
                            Note::Data(d) if d.tsn == a.tsn => Some(c.chunk),
                            _ => None,
                        });
                        if let Some(c) = chunk {
                            if !s.acked_by.iter().any(|x| x.0 == c) {
                                s.acked_by.push((c, meta.frame, a.rtt_ns));
                            }
                        }
                    }
                }
                Note::Data(d) if d.retransmission.is_none() => {
                    let Some(c) = view.chunks().nth(n.chunk) else {
                        continue;
                    };
                    let (flags, key) = if let Some(x) = c.data() {
                        (x.flags(), (x.stream(), u32::from(x.ssn()), false))
                    } else if let Some(x) = c.idata() {
                        (x.flags(), (x.stream(), x.mid(), true))
                    } else {
                        continue;
                    };
                    let (begin, end, unordered) = (flags & 2 != 0, flags & 1 != 0, flags & 4 != 0);
                    if begin && end {
                        continue;
                    }
                    let k: MsgKey = (at.id, at.dir.index(), key.0, unordered, key.1, key.2);
                    if d.message.is_some() {
                        for (f, ch) in self.fragments.remove(&k).unwrap_or_default() {
                            if let Some(s) = self.frames.get_mut(&f) {
                                s.reassembled_in.push((ch, meta.frame));
                            }
                        }
                    } else if self.fragments.len() < MAX_MESSAGES || self.fragments.contains_key(&k)
                    {
                        let v = self.fragments.entry(k).or_default();
                        if begin {
                            v.clear();
                        }
                        if v.len() < MAX_HELD {
                            v.push((facts.frame, n.chunk));
                        }
                    }
                }
                _ => {}
            }
        }
        self.frames.insert(
            facts.frame,
            Stored {
                assoc: r.assoc,
                notes: r.notes.into_vec(),
                ..Stored::default()
            },
        );
    }

    /// The tables of every association so far.
    pub fn summaries(&self) -> Vec<AssocSummary> {
        (1..=self.analyzer.len())
            .filter_map(|id| self.analyzer.summary(id))
            .collect()
    }

    /// The tree items and expert info of frame `frame`: the packet's
    /// (`pre`, at the top of the sctpkit tree) and each chunk's (by chunk
    /// index, at `offsets[chunk]`). Experts only when `tree` is false.
    pub fn ops(
        &self,
        frame: u32,
        offsets: &[usize],
        ids: &Ids,
        ex: &Experts,
        ett: i32,
        tree: bool,
    ) -> Option<(OpList, Vec<(usize, OpList)>)> {
        let s = self.frames.get(&frame)?;
        let at = s.assoc?;
        let mut pre = OpList::default();
        if tree {
            pre.item(ids.hf("analysis"), 0, 0, Enc::Na);
            pre.append(format!(": association {}, {}", at.id, at.dir.name()));
            pre.generated();
            pre.open(ett);
            pre.uint(ids.hf("analysis.association"), 0, 0, at.id as u32);
            pre.generated();
            let retrans = s
                .notes
                .iter()
                .any(|n| matches!(&n.note, Note::Data(d) if d.retransmission.is_some()));
            if retrans {
                pre.item(ids.hf("analysis.retransmission"), 0, 0, Enc::Na);
                pre.generated();
            }
            pre.close();
        }
        let mut per = Vec::new();
        for n in &s.notes {
            let at = offsets.get(n.chunk).copied().unwrap_or(0);
            let mut o = OpList::default();
            chunk_ops(
                &mut o,
                s,
                n,
                at,
                ids,
                ex,
                ett,
                tree,
                self.key_error.as_deref(),
            );
            if !o.is_empty() {
                per.push((n.chunk, o));
            }
        }
        Some((pre, per))
    }
}

/// How many chunks (PADDING included) the plaintext of an EncData holds
/// (draft-hohendorf-secure-sctp-15 5.1.11), decoded with the S-SCTP rules
/// behind a zero common header as `sctp-craft dissect` decodes it; 0 when
/// the plaintext does not decode.
fn decrypted_chunks(chunks: &[u8]) -> u32 {
    let mut b = vec![0u8; 12];
    b.extend_from_slice(chunks);
    PacketView::parse(&b, Rules::SSCTP)
        .ok()
        .filter(|v| v.decode().is_ok())
        .map_or(0, |v| v.chunks().count() as u32)
}

fn secs(ns: i64) -> String {
    format!("{:.6}", ns as f64 / 1e9)
}

#[allow(clippy::too_many_arguments)]
fn chunk_ops(
    o: &mut OpList,
    s: &Stored,
    n: &ChunkNote,
    at: usize,
    ids: &Ids,
    ex: &Experts,
    ett: i32,
    tree: bool,
    key_error: Option<&str>,
) {
    let hf = |name: &str| ids.hf(name);
    let mut experts: Vec<(ExpertId, String)> = Vec::new();
    if tree {
        o.text_tree(ett, at, 0, "[Association analysis]".into());
    }
    match &n.note {
        Note::Data(d) => {
            if let Some(x) = d.retransmission {
                let mut t = format!("Retransmission of TSN {}", d.tsn);
                if let Some(f) = x.first_frame {
                    if tree {
                        o.uint(hf("analysis.retransmission.first_frame"), at, 0, f as u32);
                        o.generated();
                    }
                    t.push_str(&format!(" (first sent in frame {f}"));
                    if let Some(ns) = x.after_ns {
                        t.push_str(&format!(", {} s before", secs(ns)));
                    }
                    t.push(')');
                }
                if let (true, Some(ns)) = (tree, x.after_ns) {
                    o.time(hf("analysis.retransmission.after"), at, 0, ns);
                    o.generated();
                }
                experts.push((ex.retransmission, t));
            }
            if let Some(f) = d.acked_before {
                if tree {
                    o.uint(hf("analysis.acked_before"), at, 0, f as u32);
                    o.generated();
                }
                experts.push((
                    ex.duplicate,
                    format!(
                        "Duplicate TSN {}: sent again after its acknowledgement in frame {f}",
                        d.tsn
                    ),
                ));
            }
            if tree {
                o.uint(hf("analysis.gap"), at, 0, d.gap);
                o.generated();
            }
            if d.gap > 0 {
                experts.push((
                    ex.lost,
                    format!(
                        "Previous segment(s) not captured: {} TSN(s) missing before TSN {}",
                        d.gap, d.tsn
                    ),
                ));
            }
            if d.out_of_window {
                if tree {
                    o.item(hf("analysis.out_of_window"), at, 0, Enc::Na);
                    o.generated();
                }
                experts.push((ex.out_of_window, format!("TSN {} out of window", d.tsn)));
            }
            if tree {
                if let Some(&(_, f, rtt)) = s.acked_by.iter().find(|x| x.0 == n.chunk) {
                    o.uint(hf("analysis.acked_by"), at, 0, f as u32);
                    o.generated();
                    o.time(hf("analysis.acked_by.rtt"), at, 0, rtt);
                    o.generated();
                }
                if let Some(m) = d.message {
                    o.item(hf("analysis.message"), at, 0, Enc::Na);
                    o.generated();
                    o.uint(hf("analysis.message.fragments"), at, 0, m.fragments);
                    o.generated();
                    o.uint(
                        hf("analysis.message.bytes"),
                        at,
                        0,
                        m.bytes.min(u32::MAX.into()) as u32,
                    );
                    o.generated();
                    o.uint(
                        hf("analysis.message.first_frame"),
                        at,
                        0,
                        m.first_frame as u32,
                    );
                    o.generated();
                }
                if let Some(&(_, f)) = s.reassembled_in.iter().find(|x| x.0 == n.chunk) {
                    o.uint(hf("analysis.reassembled_in"), at, 0, f as u32);
                    o.generated();
                }
                o.uint(
                    hf("analysis.in_flight"),
                    at,
                    0,
                    d.in_flight.min(u32::MAX.into()) as u32,
                );
                o.generated();
            }
        }
        Note::Sack(k) => {
            if tree {
                o.uint(hf("analysis.acked"), at, 0, k.acked.len() as u32);
                o.generated();
                for a in &k.acked {
                    o.uint(hf("analysis.acked.tsn"), at, 0, a.tsn);
                    o.generated();
                    o.uint(hf("analysis.acked.frame"), at, 0, a.frame as u32);
                    o.generated();
                    o.time(hf("analysis.rtt"), at, 0, a.rtt_ns);
                    o.generated();
                }
                if let Some(w) = k.a_rwnd {
                    o.uint(hf("analysis.a_rwnd"), at, 0, w);
                    o.generated();
                }
                o.uint(hf("analysis.dup_tsns"), at, 0, k.dup_tsns.into());
                o.generated();
                if k.stale {
                    o.item(hf("analysis.stale"), at, 0, Enc::Na);
                    o.generated();
                }
                o.uint(hf("analysis.revoked"), at, 0, k.revoked.len() as u32);
                o.generated();
                o.uint(
                    hf("analysis.in_flight"),
                    at,
                    0,
                    k.in_flight.min(u32::MAX.into()) as u32,
                );
                o.generated();
            }
            if !k.revoked.is_empty() {
                experts.push((
                    ex.revoked,
                    format!(
                        "{} gap-acknowledged TSN(s) revoked (reneged)",
                        k.revoked.len()
                    ),
                ));
            }
        }
        Note::Auth(v) => {
            if tree {
                o.string(hf("analysis.auth"), at, 0, v.name().to_string());
                o.generated();
            }
            match v {
                AuthVerdict::Verified { .. } => {}
                AuthVerdict::BadHmac { key_id } => experts.push((
                    ex.bad_hmac,
                    format!("Bad HMAC in AUTH chunk (Shared Key Identifier {key_id})"),
                )),
                v => {
                    let mut t = format!("AUTH not verified: {}", v.name());
                    if let Some(e) = key_error {
                        t.push_str(&format!(" (key file: {e})"));
                    }
                    experts.push((ex.unverified, t));
                }
            }
        }
        Note::SsctpAuth(v) => {
            if tree {
                o.string(hf("analysis.ssctp_auth"), at, 0, v.name().to_string());
                o.generated();
            }
            if let sctp_codec::analysis::SsctpVerdict::BadHmac { reference } = v {
                experts.push((
                    ex.bad_hmac,
                    format!("Bad HMAC in S-SCTP AUTH chunk (key reference {reference})"),
                ));
            }
        }
        Note::EncData(d) => {
            if tree {
                o.string(hf("analysis.encdata"), at, 0, d.name().to_string());
                o.generated();
                if let sctp_codec::analysis::Decryption::Plain { chunks, .. } = d {
                    o.uint(hf("analysis.decrypted"), at, 0, decrypted_chunks(chunks));
                    o.generated();
                }
            }
        }
        Note::Unauthenticated { ty } => {
            if tree {
                o.uint(hf("analysis.unauthenticated"), at, 0, u32::from(*ty));
                o.generated();
            }
            experts.push((
                ex.unauthenticated,
                format!("Chunk type {ty} sent without the AUTH its receiver requires"),
            ));
        }
        Note::HeartbeatAck(h) => {
            if tree {
                o.time(hf("analysis.hb_rtt"), at, 0, h.rtt_ns);
                o.generated();
                o.uint(
                    hf("analysis.hb_rtt.request_frame"),
                    at,
                    0,
                    h.request_frame as u32,
                );
                o.generated();
            }
        }
    }
    for (e, t) in experts {
        o.expert(e, at, 4, t);
    }
    if tree {
        o.close();
    }
}
