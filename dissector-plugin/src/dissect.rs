//! Dissects one SCTP packet: copies its bytes out of Wireshark, decodes them
//! with the codec (dialect per association), builds the tree, verifies the
//! checksum, adds lints as expert info, and hands DATA / I-DATA payloads
//! (reassembled when fragmented) to the upper layers.

use std::collections::HashMap;
use std::sync::Mutex;

use sctp_codec::checksum::{self, VerifyMode};
use sctp_codec::chunk::ChunkBody;
use sctp_codec::dialect::{assoc_key, Rules};
use sctp_codec::error::ErrorKind;
use sctp_codec::lint;
use sctp_codec::wire::pad4;
use sctp_codec::{DecodeOptions, Decoder, Packet};

use crate::analysis::Analysis;
use crate::assoc::Assocs;
use crate::ffi::{Enc, Frame, FrameFacts, OpList};
use crate::fields::Fixed;
use crate::plugin::{self, ChecksumPref, Ett, Registered};
use crate::reassembly::{Fragment, MsgKey, Outcome, Reassembler};
use crate::tap;
use crate::tree::{HandoffSpec, Hook, InfoColumn, TreeBuilder};

/// Per-capture state: dialect tracking and reassembly.
#[derive(Default)]
struct State {
    decoder: Option<Decoder>,
    /// Rules each frame was first decoded with (re-dissection reuses them).
    rules: HashMap<u32, Rules>,
    reassembly: Reassembler,
    tsns: TsnLog,
    assocs: Assocs,
    /// The association analysis (`sctpkit.analysis.*`), when on.
    analysis: Option<Analysis>,
}

/// TSNs of whole DATA chunks seen per direction (first pass), to spot
/// retransmissions as the built-in does; bounded per direction.
#[derive(Default)]
struct TsnLog {
    seen: HashMap<DirKey, TsnWindow>,
    /// (frame, chunk offset) -> first frame, for re-dissection.
    retrans: HashMap<(u32, u32), u32>,
}

const TSN_WINDOW: usize = 1 << 16;

/// One direction of an association: ports and verification tag.
type DirKey = (u16, u16, u32);
/// TSN → first frame, and the TSNs in arrival order (for eviction).
type TsnWindow = (HashMap<u32, u32>, std::collections::VecDeque<u32>);

impl TsnLog {
    /// The frame that first carried `tsn` in this direction, if it was
    /// another frame (a retransmission).
    fn check(&mut self, facts: &FrameFacts, key: &MsgKey, tsn: u32, chunk_at: u32) -> Option<u32> {
        if facts.visited {
            return self.retrans.get(&(facts.frame, chunk_at)).copied();
        }
        // Keyed like the built-in's half-associations: ports and tag (a
        // multihomed association's paths share it).
        let k = (key.src.1, key.dst.1, key.vtag);
        let (map, order) = self.seen.entry(k).or_default();
        match map.get(&tsn) {
            Some(&f) if f != facts.frame => {
                self.retrans.insert((facts.frame, chunk_at), f);
                Some(f)
            }
            Some(_) => None,
            None => {
                map.insert(tsn, facts.frame);
                order.push_back(tsn);
                if order.len() > TSN_WINDOW {
                    if let Some(old) = order.pop_front() {
                        map.remove(&old);
                    }
                }
                None
            }
        }
    }
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

/// Forgets everything about the previous capture file.
pub fn reset() {
    *STATE.lock().unwrap_or_else(|e| e.into_inner()) = Some(State::default());
}

/// The association tables of the analysis so far; `None` when it is off.
pub fn summaries() -> Option<Vec<sctp_codec::analysis::AssocSummary>> {
    let on = plugin::registered().is_some_and(|r| r.prefs.analysis.get() != 0);
    let guard = STATE.lock().unwrap_or_else(|e| e.into_inner());
    match guard.as_ref().and_then(|s| s.analysis.as_ref()) {
        Some(a) => Some(a.summaries()),
        None if on => Some(Vec::new()),
        None => None,
    }
}

/// One DATA / I-DATA payload to hand off.
struct Payload {
    chunk_idx: usize,
    tsn: u32,
    chunk_at: u32,
    offset: u32,
    caplen: u32,
    replen: u32,
    ppi: u32,
    begin: bool,
    end: bool,
    key: MsgKey,
    seq: u32,
}

/// Dissects the packet in `frame`; returns the number of bytes consumed.
pub fn dissect(frame: &mut Frame) -> usize {
    let Some(reg) = plugin::registered() else {
        return 0;
    };
    let facts = frame.facts();
    frame.set_protocol_column(c"SCTP");
    let caplen = facts.captured_len;
    frame.with_bytes(caplen, |frame, b| match b {
        Some(bytes) => dissect_bytes(frame, reg, &facts, bytes),
        None => 0,
    })
}

/// Dissects the packet whose captured bytes are `bytes`.
fn dissect_bytes(frame: &mut Frame, reg: &Registered, facts: &FrameFacts, bytes: &[u8]) -> usize {
    let facts = *facts;
    if bytes.len() < 12 {
        let mut ops = crate::ffi::OpList::default();
        ops.expert(
            reg.experts.malformed,
            0,
            bytes.len(),
            format!(
                "SCTP common header needs 12 bytes, {} captured",
                bytes.len()
            ),
        );
        frame.apply(reg.proto, reg.ett(Ett::Protocol), -1, (0, 0), &ops, false);
        return bytes.len();
    }
    let sport = u16::from_be_bytes([bytes[0], bytes[1]]);
    let dport = u16::from_be_bytes([bytes[2], bytes[3]]);
    frame.set_ports(sport, dport);

    let mut guard = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let state = guard.get_or_insert_with(State::default);
    let assoc = state.assocs.packet(
        facts.frame,
        facts.visited,
        bytes,
        facts.reported_len as usize,
    );
    let (p, rules) = match decode(state, reg, &facts, bytes, sport, dport) {
        Some(x) => x,
        None => return 0,
    };

    // Checksum: verified over the whole packet only when all of it was captured.
    let full = facts.captured_len >= facts.reported_len;
    let report = match (reg.prefs.checksum(), full) {
        (ChecksumPref::Crc32c, true) => Some(checksum::verify(bytes, VerifyMode::Crc32c)),
        (ChecksumPref::Adler32, true) => Some(checksum::verify(bytes, VerifyMode::Adler32)),
        _ => None,
    };
    // Per top-level chunk: its Info column text, fragment / retransmission
    // items and the hand-off.
    let reassemble = reg.prefs.reassemble.get() != 0;
    let mut hooks: Vec<Option<Hook>> = p
        .chunks
        .iter()
        .map(|c| {
            Some(Hook {
                info: chunk_info(c),
                ..Hook::default()
            })
        })
        .collect();
    for pl in payloads(&p, &facts, sport, dport) {
        let Some(Some(h)) = hooks.get_mut(pl.chunk_idx) else {
            continue;
        };
        let mut marker = None;
        h.handoff = plan(
            state,
            reg,
            &facts,
            bytes,
            &pl,
            reassemble,
            h.extra.get_or_insert_with(OpList::default),
            &mut marker,
        );
        if let Some(m) = marker {
            h.info.push_str(m);
        }
    }
    // The association analysis: computed on the first pass, read afterwards.
    let analysis = if reg.prefs.analysis.get() != 0 {
        let a = state
            .analysis
            .get_or_insert_with(|| Analysis::new(reg.prefs.auth_keys.get().as_deref()));
        a.first_pass(&facts, bytes, rules);
        let offsets: Vec<usize> = sctp_codec::PacketView::parse(bytes, rules)
            .map(|v| v.chunks().map(|c| c.offset()).collect())
            .unwrap_or_default();
        a.ops(
            facts.frame,
            &offsets,
            &reg.analysis_ids,
            &reg.analysis_experts,
            reg.ett(Ett::Analysis),
            frame.has_tree(),
        )
    } else {
        state.analysis = None;
        None
    };
    drop(guard);
    let (pre, per) = match analysis {
        Some((pre, per)) => (Some(pre), per),
        None => (None, Vec::new()),
    };

    let ett = reg.ett(Ett::Protocol);
    let ops = if frame.has_tree() {
        // The whole tree, the hand-offs in place: after a chunk whose payload
        // went to an upper layer, later chunks go under a new protocol item,
        // as the built-in does.
        for (k, o) in per {
            if let Some(Some(h)) = hooks.get_mut(k) {
                h.extra.get_or_insert_with(OpList::default).extend(o);
            }
        }
        let mut tb = TreeBuilder::new(reg, report.map(|r| r.computed), hooks, p.chunks.len());
        tb.assoc = Some(assoc.index);
        p.describe(&mut tb);
        tb.finish();
        add_packet_experts(&mut tb.ops, reg, &p, &rules, report.as_ref());
        match pre {
            Some(mut pre) => {
                pre.extend(tb.ops);
                pre
            }
            None => tb.ops,
        }
    } else {
        let mut ops = OpList::default();
        let mut info = InfoColumn::default();
        for mut h in hooks.into_iter().flatten() {
            h.extra = None; // tree items: no tree
            info.chunk(&mut ops, h);
        }
        info.flush(&mut ops);
        // No tree: the analysis' expert info only (tshark -q -z expert).
        for (_, o) in per {
            ops.extend(o);
        }
        ops
    };
    // Before the hand-offs: upper layers (M3UA, ...) change the packet's
    // addresses, and the tap is about the IP addresses.
    if !facts.in_error_pkt {
        if let Some((tf, spans)) =
            tap::record(bytes, facts.reported_len as usize, report.as_ref(), assoc)
        {
            frame.tap_sctp(&tf, &spans);
        }
    }
    let mirror = plugin::mirror_on(reg);
    frame.apply(
        reg.proto,
        ett,
        plugin::proto_sctp(),
        (sport, dport),
        &ops,
        mirror,
    );
    facts.reported_len as usize
}

/// The Info column text of a top-level chunk, as the built-in writes it:
/// the type's name and a space, then for DATA and I-DATA "(TSN=n) " and for
/// SACK "(Ack=n, Arwnd=n) " or, with gap blocks, "(Ack=n+e, Arwnd=n) " (e:
/// the last block's end). TSNs are absolute, as everywhere in sctpkit (the
/// built-in's with `sctp.relative_tsns:FALSE`). Names of the S-SCTP
/// numbering are the codec's (SSOpReq, EncData, ...).
fn chunk_info(c: &sctp_codec::chunk::Chunk<'_>) -> String {
    let ssctp = c
        .info()
        .filter(|t| t.dialect != sctp_codec::registry::DialectTag::Standard)
        .map(|t| t.name);
    let mut s = format!("{} ", crate::names::info_chunk_name(c.ty, ssctp));
    if ssctp.is_some() {
        return s;
    }
    match &c.body {
        ChunkBody::Data(d) => s.push_str(&format!("(TSN={}) ", d.tsn)),
        ChunkBody::IData(d) => s.push_str(&format!("(TSN={}) ", d.tsn)),
        ChunkBody::Sack(k) => match k.gap_ack_blocks.last().map_or(0, |b| b.end) {
            0 => s.push_str(&format!(
                "(Ack={}, Arwnd={}) ",
                k.cumulative_tsn_ack, k.a_rwnd
            )),
            end => s.push_str(&format!(
                "(Ack={}+{}, Arwnd={}) ",
                k.cumulative_tsn_ack, end, k.a_rwnd
            )),
        },
        _ => {}
    }
    s
}

/// Decides what happens to one DATA / I-DATA payload: handed off whole, a
/// retransmission (not handed off again), or a fragment for reassembly;
/// `marker` gets what the built-in adds to the Info column then
/// ("(retransmission) ", "(Message Fragment) ", ...).
#[allow(clippy::too_many_arguments)]
fn plan(
    state: &mut State,
    reg: &Registered,
    facts: &FrameFacts,
    bytes: &[u8],
    pl: &Payload,
    reassemble: bool,
    extra: &mut OpList,
    marker: &mut Option<&'static str>,
) -> Option<HandoffSpec> {
    let whole = HandoffSpec {
        offset: pl.offset,
        caplen: pl.caplen,
        replen: pl.replen,
        data: None,
        ppi: pl.ppi,
    };
    if pl.replen == 0 {
        return None;
    }
    // Inside an ICMP error: no TSN bookkeeping, no reassembly (as the built-in).
    if facts.in_error_pkt {
        return (pl.begin && pl.end).then_some(whole);
    }
    let whole_message = pl.begin && pl.end;
    // Every DATA TSN is logged, fragments too (the built-in checks them all:
    // a retransmitted fragment is not reassembled again).
    // (Tag 0 belongs to no association: no TSN tracking, as the built-in.)
    let retransmitted = if !pl.key.idata && pl.key.vtag != 0 {
        state.tsns.check(facts, &pl.key, pl.tsn, pl.chunk_at)
    } else {
        None
    };
    if !whole_message && !pl.begin && !reassemble {
        return None; // a later fragment, reassembly off: not handed off
    }
    if let Some(f) = retransmitted {
        let what = if whole_message || !reassemble {
            "not handed to upper layers again"
        } else {
            "not reassembled again"
        };
        extra.expert(
            reg.experts.lint,
            pl.chunk_at as usize + 4,
            4,
            format!("Retransmitted TSN (first sent in frame {f}); {what}"),
        );
        *marker = Some("(retransmission) ");
        return None;
    }
    if whole_message || !reassemble {
        return Some(whole);
    }
    let outcome = if facts.visited {
        state.reassembly.outcome(facts.frame, pl.chunk_at).cloned()
    } else if pl.caplen < pl.replen {
        None
    } else {
        let data = bytes
            .get(pl.offset as usize..(pl.offset + pl.caplen) as usize)
            .unwrap_or(&[])
            .to_vec();
        Some(state.reassembly.add(
            pl.key.clone(),
            pl.chunk_at,
            Fragment {
                seq: pl.seq,
                begin: pl.begin,
                end: pl.end,
                ppi: pl.ppi,
                frame: facts.frame,
                data,
            },
        ))
    };
    let mut tb_ops = std::mem::take(extra);
    fragment_items(&mut tb_ops, reg, pl, outcome.as_ref());
    *extra = tb_ops;
    *marker = match &outcome {
        Some(Outcome::Complete(_)) => None,
        Some(Outcome::Duplicate { .. }) => Some("(Duplicate Message Fragment) "),
        _ => Some("(Message Fragment) "),
    };
    match outcome {
        Some(Outcome::Complete(m)) => Some(HandoffSpec {
            data: Some(m.data),
            ppi: m.ppi,
            ..whole
        }),
        _ => None,
    }
}

/// Decodes the packet with the dialect preference applied per association
/// on the first pass; re-dissection reuses the rules of the first pass.
/// Returns the packet and the rules it was decoded with.
fn decode<'b>(
    state: &mut State,
    reg: &Registered,
    facts: &FrameFacts,
    bytes: &'b [u8],
    sport: u16,
    dport: u16,
) -> Option<(Packet<'b>, Rules)> {
    let dialect = reg.prefs.dialect();
    if facts.visited {
        let rules = state
            .rules
            .get(&facts.frame)
            .copied()
            .unwrap_or(Rules::STANDARD);
        let opts = DecodeOptions {
            rules,
            strict: false,
        };
        return Packet::decode(bytes, &opts).ok().map(|p| (p, rules));
    }
    let dec = state.decoder.get_or_insert_with(|| Decoder::new(dialect));
    if dec.dialect != dialect {
        *dec = Decoder::new(dialect);
    }
    let assoc = match (facts.src, facts.dst) {
        (Some(s), Some(d)) => Some(assoc_key((s, sport), (d, dport))),
        _ => None,
    };
    let (p, rules) = dec.decode_with_rules(bytes, assoc).ok()?;
    if rules != Rules::STANDARD {
        state.rules.insert(facts.frame, rules); // absent means standard
    }
    Some((p, rules))
}

/// Expert info for the checksum, an unfollowable Length, and the codec's
/// lints (with those of the association's dialect, `rules`).
fn add_packet_experts(
    ops: &mut crate::ffi::OpList,
    reg: &Registered,
    p: &Packet<'_>,
    rules: &Rules,
    report: Option<&checksum::ChecksumReport>,
) {
    if let Some(e) = &p.error {
        match e.kind {
            ErrorKind::BadLength { .. } => ops.expert(
                reg.experts.bad_length,
                e.offset + 2,
                2,
                format!("Bad chunk length: {e}"),
            ),
            _ => ops.expert(reg.experts.malformed, e.offset, 0, format!("{e}")),
        }
    }
    for l in lint::lint_rules(p, report, rules) {
        if matches!(l.code, "bad-checksum" | "malformed") {
            continue; // shown by the checksum item and the tree walk
        }
        ops.expert(
            reg.experts.lint,
            l.offset,
            l.len,
            format!("{} ({})", l.message, l.code),
        );
    }
}

/// The DATA / I-DATA payloads of a packet, with their bytes' place.
fn payloads(p: &Packet<'_>, facts: &FrameFacts, sport: u16, dport: u16) -> Vec<Payload> {
    let mut out = Vec::new();
    let mut at = 12usize;
    for (chunk_idx, c) in p.chunks.iter().enumerate() {
        let tlv = c.tlv_len_pub();
        let wire = c.wire_length() as usize;
        let begin = c.flags & 0x02 != 0;
        let end = c.flags & 0x01 != 0;
        let unordered = c.flags & 0x04 != 0;
        let mk = |sid: u16, mid: u32, idata: bool| MsgKey {
            src: (facts.src, sport),
            dst: (facts.dst, dport),
            vtag: p.header.verification_tag,
            sid,
            mid,
            unordered,
            idata,
        };
        let tsn = match &c.body {
            ChunkBody::Data(d) => d.tsn,
            ChunkBody::IData(d) => d.tsn,
            _ => 0,
        };
        let item = match &c.body {
            ChunkBody::Data(d) => Some((
                16usize,
                d.user_data.len(),
                d.payload_protocol_identifier,
                mk(
                    d.stream_identifier,
                    if unordered {
                        0
                    } else {
                        d.stream_sequence_number as u32
                    },
                    false,
                ),
                d.tsn,
            )),
            ChunkBody::IData(d) => Some((
                20usize,
                d.user_data.len(),
                if begin { d.ppid_or_fsn } else { 0 },
                mk(d.stream_identifier, d.message_identifier, true),
                if begin { 0 } else { d.ppid_or_fsn },
            )),
            _ => None,
        };
        if let Some((hdr, len, ppi, key, seq)) = item {
            let offset = at + hdr;
            let rep_rest = (facts.reported_len as usize).saturating_sub(offset);
            let replen = wire.saturating_sub(hdr).min(rep_rest);
            if wire >= hdr {
                out.push(Payload {
                    chunk_idx,
                    tsn,
                    chunk_at: at as u32,
                    offset: offset as u32,
                    caplen: len.min(replen) as u32,
                    replen: replen as u32,
                    ppi,
                    begin,
                    end,
                    key,
                    seq,
                });
            }
        }
        at += tlv
            + match &c.padding {
                Some(pd) => pd.len(),
                None => pad4(tlv),
            };
    }
    out
}

/// Tree items of a fragment: where it was reassembled, or the fragments of
/// the message it completes.
fn fragment_items(
    ops: &mut crate::ffi::OpList,
    reg: &Registered,
    pl: &Payload,
    o: Option<&Outcome>,
) {
    let hf = |f| reg.ids[reg.catalog.fixed(f)];
    match o {
        Some(Outcome::Part {
            reassembled_in: Some(n),
        }) => {
            ops.uint(hf(Fixed::ReassembledIn), pl.offset as usize, 0, *n);
            ops.generated();
        }
        Some(Outcome::Part {
            reassembled_in: None,
        })
        | None => {
            ops.expert(
                reg.experts.fragment,
                pl.offset as usize,
                pl.caplen as usize,
                "Message fragment (reassembled when the message is complete)".into(),
            );
        }
        Some(Outcome::Duplicate { first }) => {
            ops.expert(
                reg.experts.fragment,
                pl.offset as usize,
                pl.caplen as usize,
                format!("Duplicate message fragment (first seen in frame {first})"),
            );
        }
        Some(Outcome::Complete(m)) => {
            ops.item(hf(Fixed::Fragments), pl.offset as usize, 0, Enc::Na);
            ops.append(format!(
                " ({} bytes, {} fragments)",
                m.data.len(),
                m.parts.len()
            ));
            ops.generated();
            ops.open(reg.ett(Ett::Fragments));
            for (f, len) in &m.parts {
                ops.uint(hf(Fixed::Fragment), pl.offset as usize, 0, *f);
                ops.append(format!(" ({len} bytes)"));
                ops.generated();
            }
            ops.close();
            ops.uint(
                hf(Fixed::ReassembledLength),
                pl.offset as usize,
                0,
                m.data.len() as u32,
            );
            ops.generated();
        }
    }
}
