//! Association analysis of captured SCTP traffic, packet by packet and in
//! one pass (RFC 9260 5 to 9, RFC 4895, RFC 8260):
//!
//! - per association (RFC 9260 1.3) and direction: retransmissions with the
//!   frame of the first transmission and the delay (RFC 9260 6.3.3),
//!   retransmissions of TSNs already acknowledged, TSN gaps, TSNs outside a
//!   plausible window;
//! - each DATA or I-DATA chunk linked to the SACK or NR-SACK that first
//!   acknowledged it, with the RTT (RFC 9260 6.2.1, 6.3.1); each SACK to the
//!   TSNs it newly acknowledged and those it revoked;
//! - RTT minimum, mean and maximum per direction and path (Karn's rule);
//!   HEARTBEAT round trips per destination address, each HEARTBEAT ACK
//!   matched to the HEARTBEAT whose information it echoes (RFC 9260 8.3);
//!   a_rwnd and bytes in flight over time (in the per-packet reports);
//! - fragmented messages reassembled: count, sizes, the frame that
//!   completed them (RFC 9260 6.9, RFC 8260 2.1);
//! - the INIT / INIT ACK negotiation (RFC 9260 5.1) and how the association
//!   ended (RFC 9260 9);
//! - SCTP-AUTH (RFC 4895): AUTH chunks verified with the keys of a key file
//!   ([`keylog`]), chunks sent without a required AUTH flagged;
//! - S-SCTP (draft-hohendorf-secure-sctp-15 5.1.11, 5.1.13): with the
//!   session keys of a key log, AUTH chunks (0x11) verified and EncData
//!   decrypted ([`ssctp`]).
//!
//! Memory follows the data in flight, not the capture: each direction keeps
//! records of its outstanding TSNs and of acknowledged ones for a bounded
//! window ([`Limits`]), and the fragments of incomplete messages; the rest
//! are counters.
//!
//! A packet's report comes whole ([`Analyzer::packet`], or
//! [`Analyzer::packet_into`] a report kept for reuse), or as its head with
//! its notes pushed to a list many packets share ([`Analyzer::packet_append`]
//! into a `Vec<ChunkNote>` or into [`PackedNotes`], which keeps a DATA or
//! SACK note in 56 bytes): for a pipeline that hands the reports of a batch
//! of packets to another thread, the memory written per packet is what
//! costs.
//!
//! ```
//! use sctp_codec::analysis::{Analyzer, Config, PacketMeta, Note};
//! use sctp_codec::{PacketView, Rules};
//! // A DATA chunk (TSN 7) from 10.0.0.1:1000 to 10.0.0.2:2000, sent twice.
//! let data = [
//!     0x03, 0xe8, 0x07, 0xd0, 0, 0, 0, 9, 0, 0, 0, 0,
//!     0x00, 0x03, 0, 17, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, b'x', 0, 0, 0,
//! ];
//! let mut a = Analyzer::new(Config::default());
//! let view = PacketView::parse(&data, Rules::STANDARD)?;
//! let meta = |frame| PacketMeta {
//!     frame,
//!     time_ns: frame as i128 * 1_000_000,
//!     src: "10.0.0.1".parse().unwrap(),
//!     dst: "10.0.0.2".parse().unwrap(),
//!     quoted: false,
//! };
//! a.packet(&meta(1), &view);
//! let r = a.packet(&meta(2), &view);
//! let Note::Data(d) = &r.notes[0].note else { panic!() };
//! assert_eq!(d.retransmission.unwrap().first_frame, Some(1));
//! assert_eq!(a.finish()[0].dirs[0].retransmissions, 1);
//! # Ok::<(), sctp_codec::DecodeError>(())
//! ```

mod assoc;
pub mod auth;
#[cfg(feature = "capture")]
pub mod capture;
pub mod ending;
pub mod fields;
mod flight;
pub mod handshake;
pub mod heartbeat;
pub mod keylog;
pub mod packed;
mod ranges;
mod reassembly;
pub mod report;
pub mod rtt;
pub mod serial;
pub mod ssctp;
pub mod summary;
mod table;
pub mod text;

use std::net::IpAddr;

use smallvec::SmallVec;

use crate::chunk::flags::T_BIT;
use crate::chunk::ty;
use crate::packet::CommonHeader;
use crate::registry::DialectTag;
use crate::view::{ChunkView, PacketView};

use assoc::{Assoc, UserData};
use table::{PacketKey, Table};

pub use auth::{AuthCounts, AuthVerdict};
pub use ending::Ending;
pub use handshake::{AuthParams, InitInfo, Negotiated};
pub use heartbeat::HeartbeatNote;
pub use keylog::{KeyFileError, KeyLog};
pub use packed::PackedNotes;
pub use report::NoteSink;
pub use report::{
    Acked, AckedList, AssocRef, ChunkNote, DataNote, Dir, Message, Note, Notes, PacketHead,
    PacketReport, ReportRef, Retransmission, RevokedList, SackNote,
};
pub use rtt::RttStats;
pub use ssctp::{Decryption, SsctpVerdict};
pub use summary::{AssocSummary, DirStats, MessageStats, PathStats, RwndStats, StreamStats};

/// Bounds on what the analysis holds (RFC 9260 6.1: at most the data in
/// flight is outstanding; the rest bounds pathological captures).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// A TSN more than this far ahead of the highest seen in its direction
    /// is out of window (RFC 9260 6.1 bounds the TSNs in flight).
    pub window: u32,
    /// Acknowledged TSNs keep their record (first frame and time, for the
    /// retransmissions that follow) this far behind the Cumulative TSN Ack.
    pub retain_acked: u32,
    /// Outstanding TSN records per direction (a capture that misses the
    /// peer's SACKs would otherwise grow them without end); past it the
    /// oldest go.
    pub max_outstanding: usize,
    /// Disjoint ranges of TSNs remembered as seen, per direction.
    pub max_ranges: usize,
    /// Fragments of incomplete messages held, per direction.
    pub max_fragments: usize,
    /// Paths (address pairs) counted apart, per direction.
    pub max_paths: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            window: 1 << 16,
            retain_acked: 4096,
            max_outstanding: 1 << 16,
            max_ranges: 1024,
            max_fragments: 1 << 16,
            max_paths: 64,
        }
    }
}

/// Configuration of an [`Analyzer`].
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Endpoint pair shared keys for SCTP-AUTH (RFC 4895 6.1).
    pub keys: KeyLog,
    /// Memory bounds.
    pub limits: Limits,
}

/// Where and when a packet was captured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketMeta {
    /// 1-based frame number in the capture.
    pub frame: u64,
    /// Capture time, nanoseconds since the Unix epoch.
    pub time_ns: i128,
    /// IP source address (RFC 791, RFC 8200).
    pub src: IpAddr,
    /// IP destination address.
    pub dst: IpAddr,
    /// The packet is quoted by an ICMP error (RFC 792, RFC 4443): not part
    /// of the traffic, not analysed.
    pub quoted: bool,
}

/// Follows every association of a capture, one packet at a time, in capture
/// order (RFC 9260 5 to 9).
#[derive(Debug, Default)]
pub struct Analyzer {
    cfg: Config,
    table: Table,
    assocs: Vec<Assoc>,
    /// [`Analyzer::reports_only`]: the association tables are not counted.
    reports_only: bool,
}

/// The Initiate Tags of the INIT and INIT ACK, and the T bit, of a packet;
/// `special`: it has a chunk that gives them ([`has_key_chunk`]).
fn packet_key(meta: &PacketMeta, view: &PacketView<'_>, special: bool) -> PacketKey {
    let h = header(view);
    let mut k = PacketKey {
        src: (meta.src, h.source_port),
        dst: (meta.dst, h.destination_port),
        vtag: h.verification_tag,
        init_tag: None,
        init_ack_tag: None,
        reflected: false,
        abort: false,
    };
    if !special {
        return k;
    }
    for c in view.chunks() {
        match c.ty() {
            ty::INIT | ty::INIT_ACK => {
                if let Some(i) = c.init() {
                    match i.is_ack() {
                        false => k.init_tag = k.init_tag.or(Some(i.initiate_tag())),
                        true => k.init_ack_tag = k.init_ack_tag.or(Some(i.initiate_tag())),
                    }
                }
            }
            ty::ABORT | ty::SHUTDOWN_COMPLETE if is_standard(&c) => {
                k.abort |= c.ty() == ty::ABORT;
                k.reflected |= c.flags() & T_BIT != 0;
            }
            _ => {}
        }
    }
    k
}

/// The common header (RFC 9260 3.1) as [`PacketView::header`] reads it,
/// with one bounds check for its first eight bytes instead of one per byte
/// (a view holds at least the 12 bytes of the common header).
#[inline]
fn header(view: &PacketView<'_>) -> CommonHeader {
    let b: &[u8; 8] = view.bytes()[..8].try_into().expect("eight bytes");
    CommonHeader {
        source_port: u16::from_be_bytes([b[0], b[1]]),
        destination_port: u16::from_be_bytes([b[2], b[3]]),
        verification_tag: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
    }
}

/// Whether the packet has a chunk [`packet_key`] reads (INIT, INIT ACK,
/// ABORT, SHUTDOWN COMPLETE): the chunk headers alone, walked as
/// [`PacketView::chunks`] frames them (RFC 9260 3.2: Length, then padding
/// to 4 bytes), without building a view of each chunk (the usual packet,
/// DATA and SACK, has none of them and is walked once more below).
#[inline]
fn has_key_chunk(view: &PacketView<'_>) -> bool {
    let b = view.bytes();
    let end = b.len() - view.trailing().len();
    let mut i = 12;
    while let Some(h) = b.get(i..i + 4).filter(|_| i + 4 <= end) {
        if matches!(
            h[0],
            ty::INIT | ty::INIT_ACK | ty::ABORT | ty::SHUTDOWN_COMPLETE
        ) {
            return true;
        }
        let len = usize::from(u16::from_be_bytes([h[2], h[3]]));
        if len < 4 || len > end - i {
            return false;
        }
        i += len;
        i += crate::wire::pad4(len).min(end - i);
    }
    false
}

/// The dialect that types chunk `c` under its packet's rules (`None`:
/// unregistered). Types 0 to 15 (DATA to AUTH, RFC 9260 3.2, RFC 4895 4.1)
/// are standard under any rules: no registry lookup for them (the usual
/// DATA and SACK).
#[inline]
fn dialect(c: &ChunkView<'_>) -> Option<DialectTag> {
    if c.ty() <= ty::AUTH {
        Some(DialectTag::Standard)
    } else {
        c.info().map(|i| i.dialect)
    }
}

fn is_standard(c: &ChunkView<'_>) -> bool {
    dialect(c) == Some(DialectTag::Standard)
}

/// Chunk types RFC 4895 3.2 says a CHUNKS parameter never requires.
const NEVER_AUTHENTICATED: [u8; 4] = [ty::INIT, ty::INIT_ACK, ty::SHUTDOWN_COMPLETE, ty::AUTH];

impl Analyzer {
    /// An analyzer with configuration `cfg`.
    pub fn new(cfg: Config) -> Self {
        Analyzer {
            cfg,
            table: Table::default(),
            assocs: Vec::new(),
            reports_only: false,
        }
    }

    /// The analyzer for the per-packet reports alone (`dissect --analysis`
    /// prints no association table): the counters of the tables (packets,
    /// chunks, bytes, streams, RTT, windows, paths) are not kept, which
    /// saves their cost on every packet; the reports are the same.
    /// [`Analyzer::summary`] and [`Analyzer::finish`] then give each
    /// association's Verification Tags, handshake and ending with zero
    /// counters (and its addresses only with a key file, whose lookup
    /// reads them).
    pub fn reports_only(mut self) -> Self {
        self.reports_only = true;
        self
    }

    /// Analyses the next packet of the capture.
    pub fn packet(&mut self, meta: &PacketMeta, view: &PacketView<'_>) -> PacketReport {
        let mut r = PacketReport::default();
        self.packet_into(meta, view, &mut r);
        r
    }

    /// Analyses the next packet of the capture (RFC 9260 5 to 9), pushes
    /// its notes to `notes` (a list the notes of many packets share, such
    /// as a `Vec<ChunkNote>` or [`PackedNotes`]) and returns the rest of
    /// its report: the caller keeps where its notes are. A report costs
    /// only the notes it has: a [`PacketReport`] is 272 bytes whatever it
    /// holds (room for two notes inline), a DATA note packed 56.
    pub fn packet_append(
        &mut self,
        meta: &PacketMeta,
        view: &PacketView<'_>,
        notes: &mut impl NoteSink,
    ) -> PacketHead {
        self.analyse(meta, view, notes)
    }

    /// Analyses the next packet of the capture into `out`, which is cleared
    /// first: the notes are written where they stay, and a caller that keeps
    /// its reports in reused slots moves nothing.
    pub fn packet_into(
        &mut self,
        meta: &PacketMeta,
        view: &PacketView<'_>,
        out: &mut PacketReport,
    ) {
        out.notes.clear();
        let head = self.analyse(meta, view, &mut out.notes);
        out.assoc = head.assoc;
        out.discarded = head.discarded;
    }

    /// Analyses a packet, its notes pushed to `notes`.
    #[inline]
    fn analyse<S: NoteSink>(
        &mut self,
        meta: &PacketMeta,
        view: &PacketView<'_>,
        notes: &mut S,
    ) -> PacketHead {
        let mut head = PacketHead::default();
        if meta.quoted {
            return head;
        }
        let limits = &self.cfg.limits;
        let h = header(view);
        // The usual packet, without a chunk the lookup reads, of a half
        // found before: no key built (RFC 9260 8.5).
        let special = has_key_chunk(view);
        let known = match (special, h.verification_tag) {
            (false, vtag) if vtag != 0 => {
                self.table
                    .known_half(h.source_port, h.destination_port, vtag)
            }
            _ => None,
        };
        let (loc, vtag, reflected, init) = match known {
            Some(loc) => (loc, h.verification_tag, false, false),
            None => {
                let key = packet_key(meta, view, special);
                let loc = self.table.locate(&key);
                (loc, key.vtag, key.reflected, key.init_tag.is_some())
            }
        };
        if loc.created {
            let (sp, dp) = match loc.dir {
                Dir::Forward => (h.source_port, h.destination_port),
                Dir::Reverse => (h.destination_port, h.source_port),
            };
            let id = self.assocs.len() + 1;
            let mut a = Assoc::new(id, sp, dp, meta, limits);
            a.tables = !self.reports_only;
            // Without a key file no lookup reads the addresses.
            a.addresses = !self.reports_only || !self.cfg.keys.entries.is_empty();
            self.assocs.push(a);
        }
        if let Some(old) = loc.restarted {
            if let Some(o) = self.assocs.get_mut(old) {
                if !o.summary.ending.is_closed() {
                    o.summary.ending = Ending::Restarted { frame: meta.frame };
                }
                o.release();
            }
        }
        let Some(a) = self.assocs.get_mut(loc.index) else {
            return head;
        };
        let dir = loc.dir;
        head.assoc = Some(AssocRef {
            id: a.summary.id,
            dir,
        });
        let path = a.packet(dir, meta, view.bytes().len(), vtag, reflected, limits);
        if vtag == 0 && !init {
            if a.tables {
                for c in view.chunks() {
                    a.chunk(dir, path, c.ty());
                }
            }
            head.discarded = true;
            return head;
        }
        // The chunk types the peer requires to be authenticated, as they
        // stood before this packet: a bit set, no copy of the list.
        // Without AUTH negotiated (the usual association), none.
        let listed = a.auth.required(dir.index());
        let required = match listed {
            [] => None,
            _ => {
                let mut set = [0u64; 4];
                for &t in listed {
                    set[usize::from(t / 64)] |= 1 << (t % 64);
                }
                Some(set)
            }
        };
        let required =
            |t: u8| required.is_some_and(|r| r[usize::from(t / 64)] & (1 << (t % 64)) != 0);
        let mut covered = false;
        let cx = PacketCx {
            dir,
            path,
            meta,
            limits,
        };
        let tables = a.tables;
        for (n, c) in view.chunks().enumerate() {
            if tables {
                a.chunk(dir, path, c.ty());
            }
            let dialect = dialect(&c);
            if dialect == Some(DialectTag::Ssctp) {
                let tags = a.summary.dirs[0].vtag.zip(a.summary.dirs[1].vtag);
                let note = match c.ty() {
                    ty::ssctp::AUTH => Some(Note::SsctpAuth(ssctp::verify(
                        view.bytes(),
                        c.offset(),
                        usize::from(c.length()),
                        &self.cfg.keys,
                        tags,
                    ))),
                    ty::ssctp::ENC_DATA => Some(Note::EncData(ssctp::decrypt_at(
                        view.bytes(),
                        c.offset(),
                        &self.cfg.keys,
                        tags,
                        vtag,
                    ))),
                    _ => None,
                };
                if let Some(note) = note {
                    // S-SCTP AUTH verdicts count with the SCTP-AUTH ones.
                    if let Note::SsctpAuth(v) = &note {
                        let c = &mut a.auth.counts;
                        match v {
                            SsctpVerdict::Verified { .. } => c.verified += 1,
                            SsctpVerdict::BadHmac { .. } => c.bad += 1,
                            _ => c.unchecked += 1,
                        }
                    }
                    let inner = match &note {
                        Note::EncData(Decryption::Plain { chunks, .. }) => {
                            let mut b = view.bytes()[..12].to_vec();
                            b.extend_from_slice(chunks);
                            Some(b)
                        }
                        _ => None,
                    };
                    notes.push(ChunkNote { chunk: n, note });
                    // The decrypted chunks count as sent in this packet
                    // (TSNs, SACKs, the ending), their notes on the EncData.
                    if let Some(Ok(v)) =
                        inner.as_deref().map(|b| PacketView::parse(b, view.rules()))
                    {
                        for ic in v.chunks() {
                            let std = is_standard(&ic);
                            chunk_note(a, &cx, &ic, std, n, notes);
                        }
                    }
                    continue;
                }
            }
            let standard = dialect == Some(DialectTag::Standard);
            if standard && c.ty() == ty::AUTH {
                let tail = view.bytes().get(c.offset()..).unwrap_or(&[]);
                let Assoc { auth, summary, .. } = a;
                let v = auth.verify(tail, &self.cfg.keys, || assoc::identity(summary));
                auth.count(&v);
                notes.push(ChunkNote {
                    chunk: n,
                    note: Note::Auth(v),
                });
                covered = true;
                continue;
            }
            if !covered && standard && required(c.ty()) && !NEVER_AUTHENTICATED.contains(&c.ty()) {
                a.auth.counts.unauthenticated += 1;
                notes.push(ChunkNote {
                    chunk: n,
                    note: Note::Unauthenticated { ty: c.ty() },
                });
            }
            chunk_note(a, &cx, &c, standard, n, notes);
        }
        head
    }

    /// Number of associations so far.
    pub fn len(&self) -> usize {
        self.assocs.len()
    }

    /// Whether no association was seen.
    pub fn is_empty(&self) -> bool {
        self.assocs.is_empty()
    }

    /// The tables of association `id` (1-based) as they stand.
    pub fn summary(&self, id: usize) -> Option<AssocSummary> {
        let i = id.checked_sub(1)?;
        let mut s = self.assocs.get(i)?.summary();
        if s.ending == Ending::Open && self.table.unanswered(i) {
            s.ending = Ending::InitUnanswered;
        }
        Some(s)
    }

    /// TSN records and fragments held over all associations (the memory
    /// the analysis holds besides counters).
    pub fn held(&self) -> usize {
        self.assocs.iter().map(Assoc::records).sum()
    }

    /// The tables of every association, in order.
    pub fn finish(self) -> Vec<AssocSummary> {
        (1..=self.assocs.len())
            .filter_map(|id| self.summary(id))
            .collect()
    }
}

/// What the chunks of one packet share: its direction, path, metadata and
/// the limits, passed to [`chunk_note`] as one reference (not four
/// arguments per chunk).
#[derive(Clone, Copy)]
struct PacketCx<'a> {
    dir: Dir,
    path: u16,
    meta: &'a PacketMeta,
    limits: &'a Limits,
}

/// What the analysis says of one chunk that is not AUTH (DATA, I-DATA,
/// SACK, NR-SACK, SHUTDOWN, HEARTBEAT ACK; INIT and the ending recorded):
/// for the chunks of a packet and those decrypted from its EncData. The
/// note, if any, is pushed to `notes` as chunk `n`'s, built whole (a
/// constant pushed first and filled in place wrote every DATA and SACK note
/// twice: 28 more instructions per packet, no faster by the thread's CPU
/// time).
fn chunk_note(
    a: &mut Assoc,
    cx: &PacketCx<'_>,
    c: &ChunkView<'_>,
    standard: bool,
    n: usize,
    notes: &mut impl NoteSink,
) {
    let PacketCx {
        dir,
        path,
        meta,
        limits,
    } = *cx;
    match c.ty() {
        ty::DATA | ty::I_DATA => {
            let u = match c.ty() {
                ty::DATA => c.data().map(UserData::Data),
                _ => c.idata().map(UserData::IData),
            };
            if let Some(u) = u {
                let note = a.data(dir, u, meta, path, limits);
                notes.push(ChunkNote {
                    chunk: n,
                    note: Note::Data(note),
                });
            }
        }
        ty::SACK | ty::NR_SACK | ty::SHUTDOWN => {
            let mut blocks: SmallVec<[(u16, u16); 8]> = SmallVec::new();
            let (cum, a_rwnd, dups) = if let Some(s) = c.sack() {
                // The usual SACK has neither Gap Ack Blocks nor duplicates:
                // no list walked for them.
                if s.gap_count() > 0 {
                    blocks.extend(s.gap_blocks());
                }
                let dups = match s.dup_count() {
                    0 => 0,
                    _ => s.dup_tsns().len().min(usize::from(u16::MAX)) as u16,
                };
                (s.cum_tsn_ack(), Some(s.a_rwnd()), dups)
            } else if let Some(s) = c.nr_sack() {
                // NR Gap Ack Blocks acknowledge too (non-renegably).
                blocks.extend(s.gap_blocks().chain(s.nr_gap_blocks()));
                let dups = s.dup_tsns().len().min(usize::from(u16::MAX)) as u16;
                (s.cum_tsn_ack(), Some(s.a_rwnd()), dups)
            } else if let Some(cum) = c.shutdown_cum_tsn_ack() {
                (cum, None, 0)
            } else {
                if standard {
                    a.ending(dir, c, meta.frame);
                }
                return;
            };
            let mut note = SackNote::default();
            a.ack(dir, cum, a_rwnd, &blocks, dups, meta, limits, &mut note);
            notes.push(ChunkNote {
                chunk: n,
                note: Note::Sack(note),
            });
        }
        ty::HEARTBEAT if standard => a.heartbeat(dir, path, c.value(), meta),
        ty::HEARTBEAT_ACK if standard => {
            if let Some(h) = a.heartbeat_ack(dir, c.value(), meta) {
                notes.push(ChunkNote {
                    chunk: n,
                    note: Note::HeartbeatAck(h),
                });
            }
        }
        _ => {
            if let Some(i) = c.init() {
                a.init(dir, InitInfo::read(&i, meta.frame));
            }
        }
    }
    // Only the chunks that end an association change its ending; once
    // ended, every chunk releases it again (as a DATA after the end
    // revived its records).
    if standard && (is_ending_type(c.ty()) || a.summary.ending.is_closed()) {
        a.ending(dir, c, meta.frame);
    }
}

/// Whether [`Assoc::ending`] reads chunk type `t` (RFC 9260 9.1, 9.2): a
/// match, not a search of a list (which went through `memchr` per chunk).
#[inline]
fn is_ending_type(t: u8) -> bool {
    matches!(
        t,
        ty::ABORT | ty::SHUTDOWN | ty::SHUTDOWN_ACK | ty::SHUTDOWN_COMPLETE
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rules;

    #[test]
    fn key_chunks_are_found_where_the_view_frames_them() {
        // Packets of chunk headers of every Length (short, long, cut off,
        // unpadded), pseudo-random: the header walk finds a key chunk
        // exactly when the view's chunks have one.
        let mut x = 0x2545_f491_u32;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        let key = |t: u8| {
            matches!(
                t,
                ty::INIT | ty::INIT_ACK | ty::ABORT | ty::SHUTDOWN_COMPLETE
            )
        };
        let (mut found, mut missed) = (0, 0);
        for _ in 0..20_000 {
            let mut p = vec![0, 1, 0, 2, 0, 0, 0, 9, 0, 0, 0, 0];
            for _ in 0..next() % 4 {
                let r = next();
                let t = [
                    ty::DATA,
                    ty::SACK,
                    ty::INIT,
                    ty::ABORT,
                    ty::SHUTDOWN_COMPLETE,
                    0x40,
                ][r as usize % 6];
                let len = [4u16, 5, 7, 8, 13, 16, 200][(r >> 8) as usize % 7];
                p.extend([t, 0]);
                p.extend(len.to_be_bytes());
                let body = (usize::from(len) - 4 + (r >> 16) as usize % 4)
                    .saturating_sub((r >> 20) as usize % 6);
                p.extend(std::iter::repeat_n(0, body));
            }
            p.extend(std::iter::repeat_n(0, next() as usize % 3));
            let view = PacketView::parse(&p, Rules::STANDARD).unwrap();
            let want = view.chunks().any(|c| key(c.ty()));
            assert_eq!(has_key_chunk(&view), want, "{p:?}");
            if want {
                found += 1;
            } else {
                missed += 1;
            }
        }
        assert!(found > 1000 && missed > 1000, "{found} {missed}");
    }

    #[test]
    fn types_to_auth_are_standard_under_any_rules() {
        let mut p = vec![0x03, 0xe8, 0x07, 0xd0, 0, 0, 0, 9, 0, 0, 0, 0];
        for t in 0..=ty::AUTH {
            p.extend([t, 0, 0, 4]);
        }
        let guess = Rules {
            x10: crate::dialect::X10::Guess { strong: true },
            ..Rules::SSCTP
        };
        for rules in [Rules::STANDARD, Rules::SSCTP, guess] {
            let view = PacketView::parse(&p, rules).unwrap();
            assert_eq!(view.chunks().count(), usize::from(ty::AUTH) + 1);
            for c in view.chunks() {
                assert_eq!(dialect(&c), c.info().map(|i| i.dialect), "type {}", c.ty());
            }
        }
    }

    /// A DATA chunk of TSN 7 (one byte) from 10.0.0.1:1000 to 10.0.0.2:2000.
    const DATA_TSN_7: [u8; 32] = [
        0x03, 0xe8, 0x07, 0xd0, 0, 0, 0, 9, 0, 0, 0, 0, 0x00, 0x03, 0, 17, 0, 0, 0, 7, 0, 0, 0, 0,
        0, 0, 0, 0, b'x', 0, 0, 0,
    ];
    /// A SACK of TSN 7 back from 10.0.0.2:2000.
    const SACK_OF_7: [u8; 28] = [
        0x07, 0xd0, 0x03, 0xe8, 0, 0, 0, 8, 0, 0, 0, 0, 0x03, 0, 0, 16, 0, 0, 0, 7, 0, 1, 0, 0, 0,
        0, 0, 0,
    ];

    /// Frame `frame` at `time_ns`, from 10.0.0.1 to 10.0.0.2 (`fwd`) or back.
    fn between(frame: u64, time_ns: i128, fwd: bool) -> PacketMeta {
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        PacketMeta {
            frame,
            time_ns,
            src: if fwd { a } else { b },
            dst: if fwd { b } else { a },
            quoted: false,
        }
    }

    /// A capture merged from two taps may hold a packet stamped before the
    /// association's first: the first time moves back, the last stays.
    #[test]
    fn first_and_last_times_follow_stamps_out_of_order() {
        let mut an = Analyzer::default();
        for (frame, bytes, ns, fwd) in [
            (1, &DATA_TSN_7[..], 5_000, true),
            (2, &SACK_OF_7[..], 1_000, false),
            (3, &DATA_TSN_7[..], 3_000, true),
            (4, &SACK_OF_7[..], 9_000, false),
        ] {
            let view = PacketView::parse(bytes, Rules::STANDARD).unwrap();
            an.packet(&between(frame, ns, fwd), &view);
        }
        let s = an.summary(1).expect("one association");
        assert_eq!((s.first_ns, s.last_ns), (1_000, 9_000));
        assert_eq!((s.first_frame, s.last_frame), (1, 4));
    }

    /// The reports-only analyzer reports what the full one does, its
    /// tables left at zero but for the tags, handshake and ending.
    #[test]
    fn reports_only_reports_the_same() {
        // DATA TSN 7 and 8 (8 in two fragments) from 10.0.0.1:1000 to
        // 10.0.0.2:2000, a SACK of 7 with a gap block for 9, DATA 7 again.
        let data = |tsn: u8, flags: u8| {
            vec![
                0x03, 0xe8, 0x07, 0xd0, 0, 0, 0, 9, 0, 0, 0, 0, 0x00, flags, 0, 17, 0, 0, 0, tsn,
                0, 1, 0, 0, 0, 0, 0, 0, b'x', 0, 0, 0,
            ]
        };
        let sack = [
            0x07, 0xd0, 0x03, 0xe8, 0, 0, 0, 8, 0, 0, 0, 0, 0x03, 0, 0, 20, 0, 0, 0, 7, 0, 1, 0, 0,
            0, 1, 0, 0, 0, 2, 0, 2,
        ];
        let packets = [
            (data(7, 3), true),
            (data(8, 2), true),
            (data(9, 1), true),
            (sack.to_vec(), false),
            (data(7, 3), true),
            (data(11, 3), true),
        ];
        let (mut full, mut only) = (Analyzer::default(), Analyzer::default().reports_only());
        for (k, (bytes, fwd)) in packets.iter().enumerate() {
            let view = PacketView::parse(bytes, Rules::STANDARD).unwrap();
            let m = between(k as u64 + 1, k as i128 * 1_000, *fwd);
            assert_eq!(
                only.packet(&m, &view),
                full.packet(&m, &view),
                "frame {}",
                k + 1
            );
        }
        let (s, t) = (full.summary(1).unwrap(), only.summary(1).unwrap());
        assert_eq!(s.dirs[0].data_chunks, 5);
        assert_eq!((t.dirs[0].data_chunks, t.dirs[0].packets), (0, 0));
        assert_eq!(
            (t.dirs[0].vtag, t.dirs[1].vtag),
            (s.dirs[0].vtag, s.dirs[1].vtag)
        );
        assert_eq!(t.ending, s.ending);
        // No key file: no addresses kept.
        assert!(t.addresses[0].is_empty() && !s.addresses[0].is_empty());
    }

    #[test]
    fn packet_append_reports_what_packet_returns() {
        // DATA TSN 7, then a SACK of it back, then the DATA again.
        let packets = [
            (&DATA_TSN_7[..], true),
            (&SACK_OF_7[..], false),
            (&DATA_TSN_7[..], true),
        ];
        let (mut one, mut two) = (Analyzer::default(), Analyzer::default());
        let mut notes = Vec::new();
        let mut heads = Vec::new();
        let mut returned = Vec::new();
        for (k, (bytes, fwd)) in packets.iter().enumerate() {
            let view = PacketView::parse(bytes, Rules::STANDARD).unwrap();
            let m = between(k as u64 + 1, (k as i128 + 1) * 1_000_000, *fwd);
            returned.push(one.packet(&m, &view));
            let start = notes.len();
            let head = two.packet_append(&m, &view, &mut notes);
            heads.push((head, start..notes.len()));
        }
        let appended: Vec<ReportRef<'_>> = heads
            .iter()
            .map(|(h, at)| ReportRef::new(*h, &notes[at.clone()]))
            .collect();
        let returned: Vec<ReportRef<'_>> = returned.iter().map(PacketReport::as_ref).collect();
        assert_eq!(appended, returned);
        assert!(matches!(&appended[1].notes[0].note, Note::Sack(s) if s.acked.len() == 1));
        assert!(appended[2].has_retransmission());
        assert!(appended
            .iter()
            .all(|r| r.assoc.is_some() && r.notes.len() == 1));
    }
}
