//! The TSNs of one direction (RFC 9260 6.1, 6.2): which were sent and when,
//! which are outstanding, which the peer's SACKs acknowledged (cumulatively
//! or in Gap Ack Blocks, RFC 9260 3.3.4) and which it revoked. Records of
//! outstanding TSNs are the data in flight; records of acknowledged ones are
//! kept only for a bounded window behind the Cumulative TSN Ack, so memory
//! follows the data in flight, not the capture's length.

use std::collections::{BTreeMap, VecDeque};

use smallvec::SmallVec;

use super::ranges::Ranges;
use super::report::{Acked, AckedList, Retransmission, RevokedList};
use super::serial::Unwrapper;
use super::Limits;

/// Where a TSN stands at the capture point; its value is its two bits in
/// [`Rec::bits`] ([`STATE_MASK`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
enum State {
    /// Sent, not acknowledged (RFC 9260 1.3 "outstanding TSN").
    Outstanding = 0,
    /// Reported in a Gap Ack Block, above the Cumulative TSN Ack.
    GapAcked = 1 << 24,
    /// At or below the Cumulative TSN Ack.
    CumAcked = 2 << 24,
}

/// [`Rec::acked_in`] of a TSN not acknowledged yet.
const NOT_ACKED: u64 = u64::MAX;

/// [`Rec::bits`]: the times seen again, up to this many (beyond, the
/// count goes on in [`Flight::resent_past`]).
const RESENT_MAX: u32 = (1 << 24) - 1;
/// [`Rec::bits`]: where the [`State`] is (two bits, its value as it is).
const STATE_MASK: u32 = 3 << 24;
/// [`Rec::bits`]: seen again at another time than the first, its RTT
/// ambiguous (a copy captured at the very same instant, on a second
/// interface, is not a second send).
const AMBIGUOUS: u32 = 1 << 26;

/// One TSN sent in this direction: 32 bytes (40 with its key, 48 before
/// the counts and flags shared a word), so that the records of the data in
/// flight and of the acknowledged window stay few cache lines: a direction
/// whose SACKs the capture misses holds up to [`Limits::max_outstanding`]
/// of them, each written once to memory no cache holds.
#[derive(Debug, Clone, Copy)]
struct Rec {
    first_frame: u64,
    /// The capture time's low 64 bits, in nanoseconds: the differences
    /// taken from it, wrapping, are the `i128` differences cast to `i64`,
    /// as the reports carry them.
    first_ns: i64,
    /// Frame of the first acknowledgement, [`NOT_ACKED`] before it.
    acked_in: u64,
    /// The times seen again after the first (low 24 bits, [`RESENT_MAX`]),
    /// the [`State`] ([`STATE_MASK`]) and [`AMBIGUOUS`].
    bits: u32,
    /// User data bytes: a chunk's Length is 16 bits (RFC 9260 3.2).
    bytes: u16,
    /// Index of the path (source, destination address) of the first send.
    path: u16,
}

impl Rec {
    #[inline]
    fn state(&self) -> State {
        match self.bits & STATE_MASK {
            0 => State::Outstanding,
            b if b == State::GapAcked as u32 => State::GapAcked,
            _ => State::CumAcked,
        }
    }

    #[inline]
    fn set_state(&mut self, s: State) {
        self.bits = (self.bits & !STATE_MASK) | s as u32;
    }

    #[inline]
    fn ambiguous(&self) -> bool {
        self.bits & AMBIGUOUS != 0
    }
}

/// A DATA or I-DATA chunk entering [`Flight::data`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct DataIn {
    pub tsn: u32,
    pub bytes: u32,
    pub frame: u64,
    pub ns: i128,
    pub path: u16,
}

/// What [`Flight::data`] found.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DataOut {
    pub retransmission: Option<Retransmission>,
    pub acked_before: Option<u64>,
    pub gap: u32,
    pub out_of_window: bool,
    /// First time this TSN is seen (reassembly takes only those).
    pub first_sight: bool,
    /// The unwrapped TSN.
    pub at: u64,
}

/// Where [`Flight::ack`] writes what it found: straight into the lists of
/// the SACK's note (no result built, returned and copied per SACK).
#[derive(Debug)]
pub(crate) struct AckOut<'n> {
    /// The Cumulative TSN Ack is behind the last one.
    pub stale: bool,
    /// First acknowledgements, in TSN order, appended.
    pub acked: &'n mut AckedList,
    /// The path of the first send of each TSN appended to `acked`.
    /// `None` where nothing reads them (no tables kept).
    pub paths: Option<&'n mut SmallVec<[u16; 8]>>,
    /// TSNs revoked, appended.
    pub revoked: &'n mut RevokedList,
}

/// The TSNs of one direction.
#[derive(Debug, Clone)]
pub(crate) struct Flight {
    unwrap: Option<Unwrapper>,
    seen: Ranges,
    /// Records by unwrapped TSN, in TSN order, one per TSN: a deque and
    /// not a tree, since TSNs mostly arrive in order (a new one goes at the
    /// back, an acknowledged one leaves at the front) and are found by
    /// binary search.
    recs: VecDeque<(u64, Rec)>,
    highest: Option<u64>,
    /// The peer's Cumulative TSN Ack, unwrapped.
    cum: Option<u64>,
    /// Initial TSN from the sender's INIT or INIT ACK (RFC 9260 3.3.2).
    initial: Option<u32>,
    in_flight: u64,
    gap_acked: usize,
    /// Outstanding records dropped to respect the cap.
    pub evicted: u64,
    /// The times seen again of the TSNs seen again [`RESENT_MAX`] times or
    /// more (none in any real capture): a record counts only that far.
    resent_past: BTreeMap<u64, u32>,
}

impl Flight {
    pub fn new(limits: &Limits) -> Self {
        Flight {
            unwrap: None,
            seen: Ranges::with_cap(limits.max_ranges),
            recs: VecDeque::new(),
            highest: None,
            cum: None,
            initial: None,
            in_flight: 0,
            gap_acked: 0,
            evicted: 0,
            resent_past: BTreeMap::new(),
        }
    }

    /// The sender announced its Initial TSN (RFC 9260 3.3.2).
    pub fn set_initial(&mut self, tsn: u32) {
        self.initial = Some(tsn);
    }

    /// User data bytes outstanding.
    pub fn in_flight(&self) -> u64 {
        self.in_flight
    }

    /// Records held (outstanding and recently acknowledged TSNs).
    pub fn records(&self) -> usize {
        self.recs.len()
    }

    /// Where the record of unwrapped TSN `x` is (`Ok`), or would go
    /// (`Err`): the back first, where new TSNs go; then where `x` would be
    /// if the records ran without holes (they mostly do); then a binary
    /// search.
    fn find(&self, x: u64) -> Result<usize, usize> {
        let (Some(&(first, _)), Some(&(last, _))) = (self.recs.front(), self.recs.back()) else {
            return Err(0);
        };
        if x > last {
            return Err(self.recs.len());
        }
        if let Some(&(k, _)) = x
            .checked_sub(first)
            .and_then(|d| usize::try_from(d).ok())
            .and_then(|d| self.recs.get(d))
        {
            if k == x {
                return Ok((x - first) as usize);
            }
        }
        self.recs.binary_search_by_key(&x, |&(k, _)| k)
    }

    /// Index of the first record at or above unwrapped TSN `x`.
    /// Like [`Flight::find`], where `x` would be if the records ran
    /// without holes first (they mostly do: no binary search, no cold
    /// lines touched but the one looked at), then a binary search.
    #[inline]
    fn first_at(&self, x: u64) -> usize {
        let (Some(&(first, _)), Some(&(last, _))) = (self.recs.front(), self.recs.back()) else {
            return 0;
        };
        if x <= first {
            return 0;
        }
        if x > last {
            return self.recs.len();
        }
        let d = x - first;
        if let Some(&(k, _)) = usize::try_from(d).ok().and_then(|d| self.recs.get(d)) {
            if k == x {
                return d as usize;
            }
        }
        self.recs.partition_point(|&(k, _)| k < x)
    }

    fn unwrapper(&mut self, tsn: u32) -> Unwrapper {
        let start = self.initial.unwrap_or(tsn);
        *self.unwrap.get_or_insert_with(|| Unwrapper::new(start))
    }

    /// A DATA or I-DATA chunk (RFC 9260 6.1, 6.3.3). Inline: its one
    /// caller reads what it found straight from registers.
    #[inline]
    pub fn data(&mut self, d: DataIn, limits: &Limits) -> DataOut {
        let u = self.unwrapper(d.tsn);
        let x = u.unwrap(d.tsn);
        let initial = self.initial.map(|i| u.unwrap(i));
        let window = u64::from(limits.window);
        let out_of_window = initial.is_some_and(|i| x < i)
            || self
                .highest
                .or(initial)
                .is_some_and(|h| x > h.saturating_add(window));
        let mut out = DataOut {
            out_of_window,
            at: x,
            ..DataOut::default()
        };
        // Seen before (the set is unchanged then): a retransmission.
        if !self.seen.insert(x) {
            let r = match self.find(x).ok().map(|i| &mut self.recs[i].1) {
                Some(rec) => {
                    let count = match rec.bits & RESENT_MAX {
                        n if n < RESENT_MAX - 1 => {
                            rec.bits += 1;
                            n + 1
                        }
                        n if n == RESENT_MAX - 1 => {
                            // The record's count is full: it goes on here
                            // (from where a record of this TSN before it
                            // may have left it).
                            rec.bits += 1;
                            self.resent_past.insert(x, RESENT_MAX);
                            RESENT_MAX
                        }
                        _ => {
                            let n = self.resent_past.entry(x).or_insert(RESENT_MAX);
                            *n += 1;
                            *n
                        }
                    };
                    if d.ns as i64 != rec.first_ns {
                        rec.bits |= AMBIGUOUS;
                    }
                    out.acked_before = (rec.acked_in != NOT_ACKED).then_some(rec.acked_in);
                    Retransmission {
                        first_frame: Some(rec.first_frame),
                        after_ns: Some((d.ns as i64).wrapping_sub(rec.first_ns)),
                        count,
                    }
                }
                None => Retransmission {
                    first_frame: None,
                    after_ns: None,
                    count: 1,
                },
            };
            out.retransmission = Some(r);
            return out;
        }
        out.first_sight = true;
        if !out_of_window {
            match (self.highest, initial) {
                (Some(h), _) if x > h + 1 => out.gap = (x - h - 1).min(u64::from(u32::MAX)) as u32,
                (None, Some(i)) if x > i => out.gap = (x - i).min(u64::from(u32::MAX)) as u32,
                _ => {}
            }
            if self.highest.is_none_or(|h| x > h) {
                self.highest = Some(x);
                if let Some(u) = self.unwrap.as_mut() {
                    u.advance(x);
                }
            }
        }
        if self.cum.is_some_and(|c| x <= c) {
            // Acknowledged before the capture saw it: not outstanding.
            return out;
        }
        let rec = Rec {
            first_frame: d.frame,
            first_ns: d.ns as i64,
            acked_in: NOT_ACKED,
            // Outstanding, not seen again.
            bits: 0,
            bytes: u16::try_from(d.bytes).unwrap_or(u16::MAX),
            path: d.path,
        };
        let cap = limits.max_outstanding.max(1);
        // The usual TSN is above every record: it goes at the back.
        let mut dropped = None;
        match self.recs.back() {
            Some(&(last, _)) if x <= last => match self.find(x) {
                Ok(i) => self.recs[i].1 = rec,
                Err(i) => self.recs.insert(i, (x, rec)),
            },
            _ => {
                // At the cap, the oldest record leaves before the new one
                // comes (the one the loop below would drop): the deque
                // never holds one more than the cap, which would double
                // its capacity for that one record.
                if self.recs.len() >= cap {
                    dropped = self.recs.pop_front();
                }
                self.recs.push_back((x, rec));
            }
        }
        self.in_flight += u64::from(d.bytes);
        if let Some((_, r)) = dropped {
            self.forget(&r);
        }
        while self.recs.len() > cap {
            if let Some((_, r)) = self.recs.pop_front() {
                self.forget(&r);
            }
        }
        out
    }

    /// Takes a dropped record out of the counters.
    fn forget(&mut self, r: &Rec) {
        match r.state() {
            State::Outstanding => {
                self.in_flight = self.in_flight.saturating_sub(u64::from(r.bytes));
                self.evicted += 1;
            }
            State::GapAcked => self.gap_acked = self.gap_acked.saturating_sub(1),
            State::CumAcked => {}
        }
    }

    /// An acknowledgement from the peer (RFC 9260 6.2.1): Cumulative TSN Ack
    /// `cum` and Gap Ack Blocks `blocks` (offsets from `cum`, RFC 9260
    /// 3.3.4); a SHUTDOWN passes no blocks (RFC 9260 3.3.8).
    pub fn ack(
        &mut self,
        cum: u32,
        blocks: &[(u16, u16)],
        frame: u64,
        ns: i128,
        limits: &Limits,
        out: &mut AckOut<'_>,
    ) {
        let u = self.unwrapper(cum.wrapping_add(1));
        let c = u.unwrap(cum);
        out.stale = self.cum.is_some_and(|p| c < p);
        let ack = |rec: &mut Rec, tsn: u64, out: &mut AckOut<'_>| {
            if rec.acked_in == NOT_ACKED {
                rec.acked_in = frame;
                out.acked.push(Acked {
                    tsn: Unwrapper::wrap(tsn),
                    frame: rec.first_frame,
                    rtt_ns: (ns as i64).wrapping_sub(rec.first_ns),
                    retransmitted: rec.ambiguous(),
                });
                if let Some(p) = out.paths.as_deref_mut() {
                    p.push(rec.path);
                }
            }
        };
        if !out.stale {
            let from = self.cum.map_or(0, |p| p + 1);
            let mut freed = 0u64;
            let mut ungapped = 0usize;
            // Index by index: a SACK usually acknowledges one or two TSNs
            // here, fewer than a range iterator costs to set up.
            let mut at = self.first_at(from);
            while let Some(&mut (tsn, ref mut rec)) = self.recs.get_mut(at).filter(|r| r.0 <= c) {
                at += 1;
                ack(rec, tsn, out);
                match rec.state() {
                    State::Outstanding => freed += u64::from(rec.bytes),
                    State::GapAcked => ungapped += 1,
                    State::CumAcked => {}
                }
                rec.set_state(State::CumAcked);
            }
            self.in_flight = self.in_flight.saturating_sub(freed);
            self.gap_acked = self.gap_acked.saturating_sub(ungapped);
            self.cum = Some(c);
        }
        let cum_now = self.cum.unwrap_or(c);
        for &(s, e) in blocks {
            if s > e {
                continue; // malformed block (RFC 9260 3.3.4: start <= end)
            }
            let (lo, hi) = (c + u64::from(s), c + u64::from(e));
            let at = self.first_at(lo);
            let span = self.recs.range_mut(at..).take_while(|(tsn, _)| *tsn <= hi);
            for &mut (tsn, ref mut rec) in span {
                ack(rec, tsn, out);
                if rec.state() == State::Outstanding && tsn > cum_now {
                    rec.set_state(State::GapAcked);
                    self.gap_acked += 1;
                    self.in_flight = self.in_flight.saturating_sub(u64::from(rec.bytes));
                }
            }
        }
        if !out.stale && self.gap_acked > 0 {
            let covered = |tsn: u64| {
                blocks
                    .iter()
                    .any(|&(s, e)| s <= e && tsn >= c + u64::from(s) && tsn <= c + u64::from(e))
            };
            let at = self.first_at(c + 1);
            for &mut (tsn, ref mut rec) in self.recs.range_mut(at..) {
                if rec.state() == State::GapAcked && !covered(tsn) {
                    rec.set_state(State::Outstanding);
                    self.gap_acked -= 1;
                    self.in_flight += u64::from(rec.bytes);
                    out.revoked.push(Unwrapper::wrap(tsn));
                }
            }
        }
        // Keep acknowledged records for a bounded window behind the
        // Cumulative TSN Ack only.
        let keep_from = cum_now.saturating_sub(u64::from(limits.retain_acked));
        while self
            .recs
            .front()
            .is_some_and(|(tsn, r)| *tsn < keep_from && r.state() == State::CumAcked)
        {
            self.recs.pop_front();
        }
        // A deque keeps its largest size: give back what a burst in flight
        // left once far fewer records remain.
        if self.recs.capacity() > 1024 && self.recs.len() * 4 < self.recs.capacity() {
            self.recs.shrink_to(self.recs.len() * 2);
        }
    }

    /// The association ended: forget the records (the TSNs seen stay known,
    /// so a late retransmission is still recognised).
    pub fn release(&mut self) {
        self.recs.clear();
        // Give back a large deque once, not at every release: an
        // association that keeps sending after its end costs no allocation
        // per packet.
        self.recs.shrink_to(64);
        self.in_flight = 0;
        self.gap_acked = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    /// What one acknowledgement found.
    struct Acks {
        stale: bool,
        acked: AckedList,
        paths: SmallVec<[u16; 8]>,
        revoked: RevokedList,
    }

    fn ack_with(f: &mut Flight, cum: u32, blocks: &[(u16, u16)], frame: u64, l: &Limits) -> Acks {
        let (mut acked, mut paths, mut revoked) = Default::default();
        let mut out = AckOut {
            stale: false,
            acked: &mut acked,
            paths: Some(&mut paths),
            revoked: &mut revoked,
        };
        let ns = i128::from(frame) * 1_000_000;
        f.ack(cum, blocks, frame, ns, l, &mut out);
        let stale = out.stale;
        Acks {
            stale,
            acked,
            paths,
            revoked,
        }
    }

    fn ack(f: &mut Flight, cum: u32, blocks: &[(u16, u16)], frame: u64) -> Acks {
        ack_with(f, cum, blocks, frame, &limits())
    }

    fn send_with(f: &mut Flight, tsn: u32, frame: u64, l: &Limits) -> DataOut {
        f.data(
            DataIn {
                tsn,
                bytes: 100,
                frame,
                ns: i128::from(frame) * 1_000_000,
                path: 0,
            },
            l,
        )
    }

    fn send(f: &mut Flight, tsn: u32, frame: u64) -> DataOut {
        send_with(f, tsn, frame, &limits())
    }

    #[test]
    fn records_are_small() {
        assert_eq!(std::mem::size_of::<(u64, Rec)>(), 40);
    }

    #[test]
    fn retransmission_gap_ack_revocation_and_duplicate() {
        let mut f = Flight::new(&limits());
        f.set_initial(10);
        assert_eq!(send(&mut f, 10, 1).gap, 0);
        assert_eq!(send(&mut f, 12, 2).gap, 1);
        assert_eq!(f.in_flight(), 200);
        // SACK: cum 10, gap block +2..+2 (TSN 12).
        let a = ack(&mut f, 10, &[(2, 2)], 3);
        let tsns: Vec<u32> = a.acked.iter().map(|x| x.tsn).collect();
        assert_eq!(tsns, [10, 12]);
        assert_eq!(a.paths.len(), 2);
        assert_eq!(a.acked[0].rtt_ns, 2_000_000);
        assert_eq!(f.in_flight(), 0);
        // The next SACK no longer reports 12: revoked, back in flight.
        let a = ack(&mut f, 10, &[], 4);
        assert_eq!(a.revoked[..], [12]);
        assert_eq!(f.in_flight(), 100);
        // 12 sent again: a retransmission of an acknowledged TSN.
        let d = send(&mut f, 12, 5);
        assert_eq!(
            d.retransmission,
            Some(Retransmission {
                first_frame: Some(2),
                after_ns: Some(3_000_000),
                count: 1
            })
        );
        assert_eq!(d.acked_before, Some(3), "acknowledged once, then revoked");
        // 10 sent again after its cumulative ack: a duplicate for the peer.
        assert_eq!(send(&mut f, 10, 6).acked_before, Some(3));
        // An old SACK (cum 9) is stale and changes nothing.
        assert!(ack(&mut f, 9, &[], 7).stale);
        // Before the Initial TSN, and far ahead: out of window.
        assert!(send(&mut f, 9, 8).out_of_window);
        assert!(send(&mut f, 10 + 70_000, 9).out_of_window);
    }

    #[test]
    fn retransmissions_are_counted_past_the_records_count() {
        let mut f = Flight::new(&limits());
        send(&mut f, 10, 1);
        send(&mut f, 11, 2);
        // As if TSN 10 had been seen again RESENT_MAX - 2 times.
        let at = 0;
        assert_eq!(Unwrapper::wrap(f.recs[at].0), 10);
        f.recs[at].1.bits += RESENT_MAX - 2;
        let count = |f: &mut Flight, frame| {
            let d = send(f, 10, frame);
            d.retransmission.unwrap().count
        };
        assert_eq!(count(&mut f, 3), RESENT_MAX - 1);
        assert_eq!(count(&mut f, 4), RESENT_MAX);
        assert_eq!(count(&mut f, 5), RESENT_MAX + 1);
        assert_eq!(count(&mut f, 6), RESENT_MAX + 2);
        // The state and the ambiguity are kept beside the count.
        let r = f.recs[at].1;
        assert!(r.ambiguous() && r.state() == State::Outstanding);
        assert_eq!(f.in_flight(), 200);
        let a = ack(&mut f, 11, &[], 7);
        assert_eq!(a.acked.len(), 2);
        assert!(a.acked[0].retransmitted && !a.acked[1].retransmitted);
        assert_eq!(f.recs[at].1.state(), State::CumAcked);
        assert_eq!(f.in_flight(), 0);
        // A new record of the same TSN whose count fills again starts its
        // overflow afresh.
        f.recs[at].1.bits = RESENT_MAX - 1;
        assert_eq!(count(&mut f, 8), RESENT_MAX);
        assert_eq!(count(&mut f, 9), RESENT_MAX + 1);
    }

    #[test]
    fn outstanding_records_stay_within_the_cap() {
        // No SACK seen: the oldest records go, the deque never grows past
        // the cap (1024 records: at 1025 its capacity would double).
        let l = Limits {
            max_outstanding: 1024,
            ..Limits::default()
        };
        let mut f = Flight::new(&l);
        for t in 0..3000u32 {
            send_with(&mut f, t, u64::from(t) + 1, &l);
        }
        assert_eq!((f.records(), f.evicted), (1024, 3000 - 1024));
        assert_eq!(f.in_flight(), 1024 * 100);
        assert!(f.recs.capacity() < 2048, "{}", f.recs.capacity());
        assert_eq!(Unwrapper::wrap(f.recs[0].0), 3000 - 1024);
    }

    #[test]
    fn reordered_tsns_are_acknowledged_in_tsn_order() {
        let mut f = Flight::new(&limits());
        f.set_initial(10);
        for (tsn, frame) in [(10, 1), (13, 2), (12, 3), (11, 4)] {
            send(&mut f, tsn, frame);
        }
        // 11 arrives after 12 and 13: a retransmission of neither.
        assert!(send(&mut f, 12, 5).retransmission.unwrap().first_frame == Some(3));
        let a = ack(&mut f, 13, &[], 6);
        let got: Vec<(u32, u64)> = a.acked.iter().map(|x| (x.tsn, x.frame)).collect();
        assert_eq!(got, [(10, 1), (11, 4), (12, 3), (13, 2)]);
        assert_eq!(f.in_flight(), 0);
    }

    #[test]
    fn acknowledged_records_are_dropped_behind_the_window() {
        let l = Limits {
            retain_acked: 4,
            ..Limits::default()
        };
        let mut f = Flight::new(&l);
        for t in 0..100u32 {
            f.data(
                DataIn {
                    tsn: t,
                    bytes: 1,
                    frame: u64::from(t),
                    ns: 0,
                    path: 0,
                },
                &l,
            );
            ack_with(&mut f, t, &[], u64::from(t), &l);
        }
        assert!(f.records() <= 6, "{} records", f.records());
        // Seen long ago: still a retransmission, its first frame forgotten.
        let d = f.data(
            DataIn {
                tsn: 3,
                bytes: 1,
                frame: 200,
                ns: 0,
                path: 0,
            },
            &l,
        );
        assert_eq!(d.retransmission.and_then(|r| r.first_frame), None);
        assert!(d.retransmission.is_some());
    }
}
