//! The state of one association and what each chunk does to it: DATA and
//! I-DATA (RFC 9260 3.3.1, RFC 8260 2.1) through the sender's TSN records and
//! reassembly, SACK, NR-SACK and SHUTDOWN acknowledgements (RFC 9260 3.3.4,
//! 3.3.8) through the peer's, INIT and INIT ACK (RFC 9260 3.3.2, 3.3.3)
//! into the handshake, and the chunks that end it (RFC 9260 9).

use std::net::IpAddr;

use smallvec::SmallVec;

use crate::view::{ChunkView, DataView, IDataView};

use super::auth::AuthState;
use super::ending::Ending;
use super::flight::{AckOut, DataIn, DataOut, Flight};
use super::handshake::InitInfo;
use super::heartbeat::{HeartbeatNote, Heartbeats};
use super::keylog::AssocIdentity;
use super::reassembly::{DataFrag, IDataFrag, Reassembly};
use super::report::{DataNote, Dir, Message, SackNote};
use super::summary::{AssocSummary, DirStats, StreamStats};
use super::{Limits, PacketMeta};

/// One association being followed.
#[derive(Debug)]
pub(crate) struct Assoc {
    pub summary: AssocSummary,
    flights: [Flight; 2],
    reasm: [Reassembly; 2],
    pub auth: AuthState,
    heartbeats: [Heartbeats; 2],
    released: bool,
    /// Per direction, the last packet's source and destination addresses
    /// and their path: a packet on the same path changes no address list.
    last_path: [Option<(IpAddr, IpAddr, u16)>; 2],
    /// Per direction, the stream of the last DATA or I-DATA chunk and what
    /// its chunks added since they were last added to `summary.streams`:
    /// one table lookup per change of stream, not per chunk
    /// ([`Assoc::summary`] adds what is pending).
    stream_run: [Option<(u16, StreamStats)>; 2],
    /// The tables' counters are kept (not for [`super::Analyzer::reports_only`]):
    /// packets, chunks, bytes, streams, paths, RTT, windows.
    pub tables: bool,
    /// The addresses of each side are kept: for the tables, and for the
    /// key file's lookup (RFC 4895 6.1), which reads them.
    pub addresses: bool,
}

/// A DATA or I-DATA chunk's fields the analysis uses.
#[derive(Debug, Clone, Copy)]
pub(crate) enum UserData<'a> {
    Data(DataView<'a>),
    IData(IDataView<'a>),
}

impl UserData<'_> {
    #[inline]
    fn tsn(&self) -> u32 {
        match self {
            UserData::Data(d) => d.tsn(),
            UserData::IData(d) => d.tsn(),
        }
    }
    #[inline]
    fn stream(&self) -> u16 {
        match self {
            UserData::Data(d) => d.stream(),
            UserData::IData(d) => d.stream(),
        }
    }
    #[inline]
    fn bytes(&self) -> u32 {
        let n = match self {
            UserData::Data(d) => d.payload().len(),
            UserData::IData(d) => d.payload().len(),
        };
        n.min(u32::MAX as usize) as u32
    }
}

impl Assoc {
    pub fn new(
        id: usize,
        src_port: u16,
        dst_port: u16,
        seen: &PacketMeta,
        limits: &Limits,
    ) -> Self {
        Assoc {
            summary: AssocSummary {
                id,
                first_frame: seen.frame,
                last_frame: seen.frame,
                first_ns: seen.time_ns,
                last_ns: seen.time_ns,
                addresses: [Vec::new(), Vec::new()],
                init: [None, None],
                ending: Ending::Open,
                dirs: [
                    DirStats::new(src_port, dst_port),
                    DirStats::new(dst_port, src_port),
                ],
                streams: [Default::default(), Default::default()],
                auth: Default::default(),
            },
            flights: [Flight::new(limits), Flight::new(limits)],
            reasm: [
                Reassembly::with_cap(limits.max_fragments),
                Reassembly::with_cap(limits.max_fragments),
            ],
            auth: AuthState::default(),
            heartbeats: Default::default(),
            released: false,
            last_path: [None; 2],
            stream_run: [None; 2],
            tables: true,
            addresses: true,
        }
    }

    /// Counts a packet of direction `d` (RFC 9260 3) and returns its path.
    pub fn packet(
        &mut self,
        d: Dir,
        seen: &PacketMeta,
        bytes: usize,
        vtag: u32,
        reflected: bool,
        limits: &Limits,
    ) -> u16 {
        let s = &mut self.summary;
        let tables = self.tables;
        if tables {
            s.last_frame = s.last_frame.max(seen.frame);
            // The first time is never after the last: a packet at or after
            // the last time (the usual one) moves only the last.
            if seen.time_ns >= s.last_ns {
                s.last_ns = seen.time_ns;
            } else {
                s.first_ns = s.first_ns.min(seen.time_ns);
            }
        } else if !self.addresses {
            // Neither tables nor a key file: the Verification Tag alone.
            let ds = &mut s.dirs[d.index()];
            if !reflected && vtag != 0 && ds.vtag.is_none() {
                ds.vtag = Some(vtag);
            }
            return 0;
        }
        let last = &mut self.last_path[d.index()];
        let known = match *last {
            Some((src, dst, p)) if src == seen.src && dst == seen.dst => Some(p),
            _ => None,
        };
        if known.is_none() {
            for (side, a) in [(d.index(), seen.src), (1 - d.index(), seen.dst)] {
                let list = &mut s.addresses[side];
                if !list.contains(&a) && list.len() < limits.max_paths {
                    list.push(a);
                }
            }
        }
        let ds = &mut s.dirs[d.index()];
        if !reflected && vtag != 0 && ds.vtag.is_none() {
            ds.vtag = Some(vtag);
        }
        if !tables {
            // The addresses are kept (the key file's lookup reads them);
            // no path is counted.
            if known.is_none() {
                *last = Some((seen.src, seen.dst, 0));
            }
            return 0;
        }
        ds.packets += 1;
        ds.bytes += bytes as u64;
        let p = match known {
            Some(p) => p,
            None => {
                let p = ds.path(seen.src, seen.dst, limits.max_paths);
                *last = Some((seen.src, seen.dst, p));
                p
            }
        };
        if let Some(path) = ds.paths.get_mut(p as usize) {
            path.packets += 1;
        }
        p
    }

    /// Counts a chunk of type `t` on path `p` of direction `d`.
    pub fn chunk(&mut self, d: Dir, p: u16, t: u8) {
        let ds = &mut self.summary.dirs[d.index()];
        ds.chunks[t as usize] += 1;
        if let Some(path) = ds.paths.get_mut(p as usize) {
            path.chunks[t as usize] += 1;
        }
    }

    /// A DATA or I-DATA chunk of direction `d` (RFC 9260 6.1, 6.3.3, 6.9):
    /// its note.
    pub fn data(
        &mut self,
        d: Dir,
        u: UserData<'_>,
        seen: &PacketMeta,
        path: u16,
        limits: &Limits,
    ) -> DataNote {
        self.released = false;
        let i = d.index();
        let bytes = u.bytes();
        let out = self.flights[i].data(
            DataIn {
                tsn: u.tsn(),
                bytes,
                frame: seen.frame,
                ns: seen.time_ns,
                path,
            },
            limits,
        );
        let message = if out.first_sight {
            match u {
                // A whole message (the usual DATA): no fragment built.
                UserData::Data(v) if v.beginning() && v.ending() => {
                    Some(Reassembly::whole(bytes, seen.frame))
                }
                UserData::Data(v) => self.reasm[i].data(DataFrag {
                    at: out.at,
                    sid: v.stream(),
                    ssn: v.ssn(),
                    unordered: v.unordered(),
                    b: v.beginning(),
                    e: v.ending(),
                    bytes,
                    frame: seen.frame,
                }),
                UserData::IData(v) => self.reasm[i].idata(IDataFrag {
                    sid: v.stream(),
                    unordered: v.unordered(),
                    mid: v.mid(),
                    fsn: v.ppid_or_fsn(),
                    b: v.beginning(),
                    e: v.ending(),
                    bytes,
                    frame: seen.frame,
                }),
            }
        } else {
            None
        };
        let in_flight = self.flights[i].in_flight();
        if self.tables {
            self.count_data(i, &u, bytes, &out, message.as_ref(), in_flight);
        }
        DataNote {
            tsn: u.tsn(),
            stream: u.stream(),
            bytes,
            retransmission: out.retransmission,
            acked_before: out.acked_before,
            gap: out.gap,
            out_of_window: out.out_of_window,
            message,
            in_flight,
        }
    }

    /// What a DATA or I-DATA chunk of direction `i` adds to the tables.
    #[inline]
    fn count_data(
        &mut self,
        i: usize,
        u: &UserData<'_>,
        bytes: u32,
        out: &DataOut,
        message: Option<&Message>,
        in_flight: u64,
    ) {
        let ds = &mut self.summary.dirs[i];
        ds.data_chunks += 1;
        ds.user_bytes += u64::from(bytes);
        if out.retransmission.is_some() {
            ds.retransmissions += 1;
            ds.retransmitted_bytes += u64::from(bytes);
        }
        if out.acked_before.is_some() {
            ds.acked_before += 1;
        }
        if out.gap > 0 {
            ds.gaps += 1;
            ds.gap_tsns += u64::from(out.gap);
        }
        if out.out_of_window {
            ds.out_of_window += 1;
        }
        if let Some(m) = message {
            ds.messages.add(m.bytes, m.fragments);
        }
        ds.max_in_flight = ds.max_in_flight.max(in_flight);
        ds.evicted_tsns = self.flights[i].evicted;
        ds.dropped_fragments = self.reasm[i].dropped;
        let sid = u.stream();
        let run = &mut self.stream_run[i];
        if let Some((s, pending)) = run.take_if(|(s, _)| *s != sid) {
            self.summary.streams[i].entry(s).or_default().add(&pending);
        }
        let st = &mut run.get_or_insert((sid, StreamStats::default())).1;
        st.data_chunks += 1;
        st.user_bytes += u64::from(bytes);
        if out.retransmission.is_some() {
            st.retransmissions += 1;
        }
        if let Some(m) = message {
            st.messages += 1;
            if m.fragments > 1 {
                st.fragmented += 1;
            }
        }
    }

    /// An acknowledgement sent by direction `d` for the other direction's
    /// DATA (RFC 9260 6.2.1): a SACK or NR-SACK (with `a_rwnd` and its Gap
    /// Ack Blocks) or a SHUTDOWN (RFC 9260 3.3.8); its note into `note`.
    #[allow(clippy::too_many_arguments)]
    pub fn ack(
        &mut self,
        d: Dir,
        cum: u32,
        a_rwnd: Option<u32>,
        blocks: &[(u16, u16)],
        dup_tsns: u16,
        seen: &PacketMeta,
        limits: &Limits,
        note: &mut SackNote,
    ) {
        let peer = d.flip().index();
        // The flight writes its acknowledgements into the note in place.
        note.acked.clear();
        note.revoked.clear();
        let mut paths = SmallVec::new();
        let mut out = AckOut {
            stale: false,
            acked: &mut note.acked,
            // Only the tables read the paths.
            paths: self.tables.then_some(&mut paths),
            revoked: &mut note.revoked,
        };
        self.flights[peer].ack(cum, blocks, seen.frame, seen.time_ns, limits, &mut out);
        let stale = out.stale;
        let in_flight = self.flights[peer].in_flight();
        note.cum_tsn_ack = cum;
        note.a_rwnd = a_rwnd;
        note.stale = stale;
        note.dup_tsns = dup_tsns;
        note.in_flight = in_flight;
        if !self.tables {
            return;
        }
        let sender = &mut self.summary.dirs[peer];
        sender.acked_tsns += note.acked.len() as u64;
        for (a, &path) in note.acked.iter().zip(&paths) {
            if !a.retransmitted {
                sender.rtt.add(a.rtt_ns);
                if let Some(p) = sender.paths.get_mut(path as usize) {
                    p.rtt.add(a.rtt_ns);
                }
            }
        }
        let me = &mut self.summary.dirs[d.index()];
        if let Some(w) = a_rwnd {
            me.sacks += 1;
            me.rwnd.add(w);
            me.dup_tsns_reported += u64::from(dup_tsns);
        }
        if stale {
            me.stale_sacks += 1;
        }
        me.revoked += note.revoked.len() as u64;
    }

    /// The association's tables as they stand (the per-stream counts of
    /// the current run of each direction and the AUTH counts added).
    pub fn summary(&self) -> AssocSummary {
        let mut s = self.summary.clone();
        s.auth = self.auth.counts;
        for (i, run) in self.stream_run.iter().enumerate() {
            if let Some((sid, pending)) = run {
                s.streams[i].entry(*sid).or_default().add(pending);
            }
        }
        s
    }

    /// A HEARTBEAT sent by direction `d` on path `path` (RFC 9260 8.3);
    /// `info` is its chunk value.
    pub fn heartbeat(&mut self, d: Dir, path: u16, info: &[u8], seen: &PacketMeta) {
        let i = d.index();
        self.heartbeats[i].sent(info, seen.frame, seen.time_ns, seen.dst, path);
        if let Some(p) = self.summary.dirs[i].paths.get_mut(path as usize) {
            p.heartbeats += 1;
        }
    }

    /// A HEARTBEAT ACK sent by direction `d` (RFC 9260 8.3): the peer's
    /// HEARTBEAT it answers, its RTT counted on the path it probed.
    pub fn heartbeat_ack(
        &mut self,
        d: Dir,
        info: &[u8],
        seen: &PacketMeta,
    ) -> Option<HeartbeatNote> {
        let peer = d.flip().index();
        let m = self.heartbeats[peer].answered(info, seen.time_ns)?;
        if let Some(p) = self.summary.dirs[peer].paths.get_mut(m.path as usize) {
            p.heartbeats_answered += 1;
            p.hb_rtt.add(m.note.rtt_ns);
        }
        Some(m.note)
    }

    /// An INIT or INIT ACK sent by direction `d` (RFC 9260 5.1).
    pub fn init(&mut self, d: Dir, info: InitInfo) {
        self.flights[d.index()].set_initial(info.initial_tsn);
        self.auth.set_params(d.index(), info.auth.clone());
        self.summary.init[d.index()] = Some(info);
    }

    /// The chunks that end an association (RFC 9260 9.1, 9.2).
    pub fn ending(&mut self, d: Dir, c: &ChunkView<'_>, frame: u64) {
        use crate::chunk::flags::T_BIT;
        use crate::chunk::ty;
        let e = &mut self.summary.ending;
        match c.ty() {
            ty::ABORT => e.abort(
                d,
                frame,
                c.tlvs().map(|t| t.ty()).collect(),
                c.flags() & T_BIT != 0,
            ),
            ty::SHUTDOWN => e.shutdown(d, frame),
            ty::SHUTDOWN_ACK => e.shutdown_ack(d, frame),
            ty::SHUTDOWN_COMPLETE => e.shutdown_complete(d, frame),
            _ => {}
        }
        if e.is_closed() {
            self.release();
        }
    }

    /// Frees the TSN records once the association is over.
    pub fn release(&mut self) {
        if !self.released {
            self.flights.iter_mut().for_each(Flight::release);
            self.heartbeats.iter_mut().for_each(Heartbeats::release);
            self.released = true;
        }
    }

    /// TSN records held in both directions (for memory checks).
    pub fn records(&self) -> usize {
        self.flights.iter().map(Flight::records).sum::<usize>()
            + self.reasm.iter().map(Reassembly::held).sum::<usize>()
            + self.heartbeats.iter().map(Heartbeats::held).sum::<usize>()
    }
}

/// Tags and addresses of an association, for the key file (RFC 4895 6.1).
pub(crate) fn identity(s: &AssocSummary) -> AssocIdentity {
    AssocIdentity {
        tags: s.dirs[0].vtag.zip(s.dirs[1].vtag),
        sides: [
            (s.addresses[0].clone(), s.dirs[0].src_port),
            (s.addresses[1].clone(), s.dirs[1].src_port),
        ],
    }
}
