//! The sender's outstanding DATA (RFC 9260 6.2.1, 6.3, 7.2.4): chunks sent
//! and not yet cumulatively acknowledged, their gap-ack state, miss
//! indications and fast retransmit, T3-rtx marking, and RTT samples by
//! Karn's rule.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use crate::send::{Abandoned, PrPolicy};
use crate::serial::Tsn;

/// Miss indications before a fast retransmit (RFC 9260 7.2.4).
const FAST_RTX_THRESHOLD: u8 = 3;

/// One DATA chunk in flight or waiting to be sent again.
#[derive(Debug, Clone)]
pub struct Outstanding {
    /// Its TSN.
    pub tsn: Tsn,
    /// Stream Identifier.
    pub stream: u16,
    /// Stream Sequence Number.
    pub ssn: u16,
    /// I-DATA Message Identifier.
    pub mid: u32,
    /// I-DATA Fragment Sequence Number.
    pub fsn: u32,
    /// Payload Protocol Identifier.
    pub ppid: u32,
    /// DATA flags (U, B, E).
    pub flags: u8,
    /// The whole message the chunk is cut from.
    pub data: Arc<[u8]>,
    /// Which bytes of it.
    pub range: std::ops::Range<usize>,
    /// When it was last sent.
    pub sent_at: Instant,
    /// How many times it was sent.
    pub transmissions: u32,
    /// The path it last went to.
    pub path: usize,
    /// Reported in a gap ack block of the latest SACK.
    pub gap_acked: bool,
    /// Counted in the flight size (sent and neither acked nor marked).
    pub in_flight: bool,
    /// Marked for retransmission.
    pub marked: bool,
    /// Marked by fast retransmit (sent before anything else, once).
    pub fast: bool,
    /// Which user message it belongs to.
    pub msg: u64,
    /// The message's partial-reliability policy.
    pub pr: PrPolicy,
    /// When a timed-reliability message is abandoned.
    pub deadline: Option<Instant>,
    /// Abandoned (RFC 3758 3.5): never sent again, skipped by FORWARD-TSN.
    pub abandoned: bool,
    /// Was ever marked for retransmission: no RTT sample from it (Karn's
    /// rule, RFC 9260 6.3.1 C5; an ack of the first copy after a timeout
    /// would measure the timeout, not the path).
    pub ever_marked: bool,
    miss: u8,
    fast_done: bool,
}

impl Outstanding {
    /// Payload length.
    pub fn len(&self) -> usize {
        self.range.len()
    }
    /// Whether the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }
    /// The bytes counted against cwnd and rwnd (payload; RFC 9260 6.1 counts
    /// DATA chunk sizes, we count payload like most stacks do).
    pub fn size(&self) -> usize {
        self.range.len()
    }
}

/// The last message skipped on one stream and ordering (for FORWARD TSN
/// and I-FORWARD-TSN).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skipped {
    /// Stream Identifier.
    pub stream: u16,
    /// Sent unordered.
    pub unordered: bool,
    /// Its SSN (DATA).
    pub ssn: u16,
    /// Its MID (I-DATA).
    pub mid: u32,
}

/// What a SACK changed.
#[derive(Debug, Default, Clone, Copy)]
pub struct AckResult {
    /// The cumulative ack point moved.
    pub cum_advanced: bool,
    /// Bytes acknowledged for the first time (cumulatively or by gap).
    pub newly_acked: usize,
    /// Per path bytes newly acked (index 0..paths, only the first 8 kept).
    pub acked_on: [usize; 8],
    /// An RTT sample (send time of a chunk sent once and newly acked).
    pub rtt_from: Option<(Instant, usize)>,
    /// Chunks newly marked for fast retransmit.
    pub fast_marked: usize,
    /// The SACK was older than one already processed and was ignored.
    pub stale: bool,
}

/// Outstanding chunks of one association, in TSN order.
#[derive(Debug)]
pub struct RetransmitQueue {
    queue: VecDeque<Outstanding>,
    /// Highest TSN cumulatively acknowledged by the peer.
    cum_ack: Tsn,
    /// Next TSN to assign.
    next_tsn: Tsn,
    /// Fast recovery exit point (RFC 9260 7.2.4), if in fast recovery.
    recovery: Option<Tsn>,
    marked: usize,
    /// Payload bytes outstanding and not gap-acked (kept as a running sum:
    /// the sender asks for it per chunk).
    unacked: usize,
    /// Outstanding chunks under a lifetime or retransmission limit:
    /// `check_abandon` scans only when there are some.
    limited: usize,
    /// Total retransmissions (statistics).
    pub retransmissions: u64,
}

impl RetransmitQueue {
    /// A queue whose first TSN is `initial_tsn`.
    pub fn new(initial_tsn: u32) -> Self {
        RetransmitQueue {
            queue: VecDeque::with_capacity(64),
            cum_ack: Tsn(initial_tsn).prev(),
            next_tsn: Tsn(initial_tsn),
            recovery: None,
            marked: 0,
            unacked: 0,
            limited: 0,
            retransmissions: 0,
        }
    }

    /// The next TSN to assign.
    pub fn next_tsn(&self) -> Tsn {
        self.next_tsn
    }

    /// The peer's cumulative TSN ack point.
    pub fn cum_ack(&self) -> Tsn {
        self.cum_ack
    }

    /// Whether nothing is outstanding.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Chunks outstanding.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Bytes not yet acknowledged in any way (counted against the peer's rwnd).
    pub fn unacked_bytes(&self) -> usize {
        self.unacked
    }

    /// Whether some chunk waits to be retransmitted.
    pub fn has_marked(&self) -> bool {
        self.marked > 0
    }

    /// Whether in fast recovery.
    pub fn in_recovery(&self) -> bool {
        self.recovery.is_some()
    }

    /// Records a chunk of a reliable message sent for the first time;
    /// returns its TSN.
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        stream: u16,
        ssn: u16,
        ppid: u32,
        flags: u8,
        data: Arc<[u8]>,
        range: std::ops::Range<usize>,
        now: Instant,
        path: usize,
    ) -> Tsn {
        let piece = super::tx_queue::Piece {
            msg: u64::MAX,
            pr: PrPolicy::Reliable,
            deadline: None,
            stream,
            ssn,
            mid: ssn as u32,
            fsn: 0,
            ppid,
            flags,
            data,
            range,
        };
        self.push_piece(piece, now, path)
    }

    /// Records a chunk sent for the first time; returns its TSN.
    pub fn push_piece(&mut self, p: super::tx_queue::Piece, now: Instant, path: usize) -> Tsn {
        let super::tx_queue::Piece {
            msg,
            pr,
            deadline,
            stream,
            ssn,
            mid,
            fsn,
            ppid,
            flags,
            data,
            range,
        } = p;
        let tsn = self.next_tsn;
        self.next_tsn = tsn.next();
        self.unacked += range.len();
        self.limited += usize::from(is_limited(pr));
        self.queue.push_back(Outstanding {
            tsn,
            stream,
            ssn,
            mid,
            fsn,
            ppid,
            flags,
            data,
            range,
            sent_at: now,
            transmissions: 1,
            path,
            gap_acked: false,
            in_flight: true,
            marked: false,
            fast: false,
            msg,
            pr,
            deadline,
            abandoned: false,
            ever_marked: false,
            miss: 0,
            fast_done: false,
        });
        tsn
    }

    /// Abandons chunk `i` and the other chunks of its message (RFC 3758
    /// 3.5: a message is abandoned whole); returns whether it was new.
    fn abandon_at(&mut self, i: usize, flight: &mut [usize]) -> bool {
        let Some(c) = self.queue.get(i) else {
            return false;
        };
        if c.abandoned {
            return false;
        }
        let msg = c.msg;
        let (mut lo, mut hi) = (i, i);
        while lo > 0 && self.queue[lo - 1].msg == msg {
            lo -= 1;
        }
        while hi + 1 < self.queue.len() && self.queue[hi + 1].msg == msg {
            hi += 1;
        }
        for c in self.queue.range_mut(lo..=hi) {
            if c.abandoned {
                continue;
            }
            c.abandoned = true;
            if c.marked {
                c.marked = false;
                c.fast = false;
                self.marked -= 1;
            }
            if c.in_flight {
                c.in_flight = false;
                debit(flight, c.path, c.size());
            }
            if !c.gap_acked {
                self.unacked -= c.size();
            }
        }
        true
    }

    /// Abandons every chunk of message `msg` still outstanding.
    pub fn abandon_msg(&mut self, msg: u64, flight: &mut [usize]) -> bool {
        match self.queue.iter().position(|c| c.msg == msg) {
            Some(i) => self.abandon_at(i, flight),
            None => false,
        }
    }

    /// Applies the partial-reliability policies (RFC 3758 3.5 A1-A3, RFC
    /// 7496 4.1-4.2): a message whose lifetime ended, or a chunk marked for
    /// retransmission that already went out more than its limit, is
    /// abandoned whole. Counts each message abandoned.
    pub fn check_abandon(&mut self, now: Instant, flight: &mut [usize], count: &mut Abandoned) {
        if self.limited == 0 {
            return;
        }
        let mut i = 0;
        while i < self.queue.len() {
            let c = &self.queue[i];
            let due = !c.abandoned
                && !c.gap_acked
                && match c.pr {
                    PrPolicy::Ttl(_) => c.deadline.is_some_and(|d| d <= now),
                    PrPolicy::Rtx(n) => c.marked && c.transmissions > n,
                    _ => false,
                };
            if due {
                let pr = c.pr;
                if self.abandon_at(i, flight) {
                    count.count(pr);
                }
            }
            i += 1;
        }
    }

    /// The Advanced.Peer.Ack.Point (RFC 3758 3.5 C1): the cumulative ack
    /// moved past the abandoned chunks that follow it, with the (stream,
    /// SSN) of the last abandoned ordered message per stream, to put in a
    /// FORWARD TSN. `None` when nothing is to be skipped.
    pub fn forward_point(&self) -> Option<(Tsn, Vec<(u16, u16)>)> {
        let (adv, skipped) = self.forward_skips()?;
        let streams = skipped
            .iter()
            .filter(|s| !s.unordered)
            .map(|s| (s.stream, s.ssn))
            .collect();
        Some((adv, streams))
    }

    /// As [`RetransmitQueue::forward_point`], with the last skipped message
    /// of every (stream, ordering) pair: what an I-FORWARD-TSN lists
    /// (RFC 8260 2.3.1).
    pub fn forward_skips(&self) -> Option<(Tsn, Vec<Skipped>)> {
        let mut adv = self.cum_ack;
        let mut skipped: Vec<Skipped> = Vec::new();
        for c in &self.queue {
            if c.tsn != adv.next() || !c.abandoned {
                break;
            }
            adv = c.tsn;
            let unordered = c.flags & 0x04 != 0;
            let s = Skipped {
                stream: c.stream,
                unordered,
                ssn: c.ssn,
                mid: c.mid,
            };
            match skipped
                .iter_mut()
                .find(|e| e.stream == c.stream && e.unordered == unordered)
            {
                Some(e) => *e = s,
                None => skipped.push(s),
            }
        }
        (adv != self.cum_ack).then_some((adv, skipped))
    }

    /// Processes a SACK's cumulative ack and gap blocks (RFC 9260 6.2.1,
    /// 7.2.4). `flight` is debited per path for chunks leaving the flight.
    pub fn on_sack(
        &mut self,
        cum: Tsn,
        gaps: impl Iterator<Item = (u16, u16)>,
        flight: &mut [usize],
    ) -> AckResult {
        let mut r = AckResult::default();
        if cum.lt(self.cum_ack) {
            r.stale = true;
            return r;
        }
        if cum.ge(self.next_tsn) {
            // Acknowledges TSNs never sent: ignore the ack part (the caller
            // may abort, RFC 9260 6.2.1 / 8.5.1 protocol violation).
            r.stale = true;
            return r;
        }
        let mut highest_newly: Option<Tsn> = None;
        // Cumulative part.
        while let Some(front) = self.queue.front() {
            if front.tsn.gt(cum) {
                break;
            }
            let c = self.queue.pop_front().expect("front exists");
            self.limited -= usize::from(is_limited(c.pr));
            if c.marked {
                self.marked -= 1;
            }
            if c.in_flight {
                debit(flight, c.path, c.size());
            }
            if !c.gap_acked && !c.abandoned {
                self.unacked -= c.size();
                r.newly_acked += c.size();
                if let Some(a) = r.acked_on.get_mut(c.path) {
                    *a += c.size();
                }
                highest_newly = Some(c.tsn);
                if c.transmissions == 1 && !c.ever_marked {
                    r.rtt_from = Some((c.sent_at, c.path));
                }
            }
        }
        if cum.gt(self.cum_ack) {
            r.cum_advanced = true;
            self.cum_ack = cum;
        }
        // Gap blocks: mark acked; a chunk no longer reported reneges.
        let mut blocks = gaps.map(|(s, e)| (cum.plus(s as u32), cum.plus(e as u32)));
        let mut block = blocks.next();
        for c in self.queue.iter_mut() {
            while let Some((_, e)) = block {
                if e.lt(c.tsn) {
                    block = blocks.next();
                } else {
                    break;
                }
            }
            let acked = matches!(block, Some((s, e)) if s.le(c.tsn) && c.tsn.le(e));
            if c.abandoned {
                c.gap_acked = acked;
                continue;
            }
            if acked && !c.gap_acked {
                c.gap_acked = true;
                self.unacked -= c.size();
                if c.marked {
                    c.marked = false;
                    c.fast = false;
                    self.marked -= 1;
                }
                if c.in_flight {
                    c.in_flight = false;
                    debit(flight, c.path, c.size());
                }
                r.newly_acked += c.size();
                if let Some(a) = r.acked_on.get_mut(c.path) {
                    *a += c.size();
                }
                if c.transmissions == 1 && !c.ever_marked && r.rtt_from.is_none() {
                    r.rtt_from = Some((c.sent_at, c.path));
                }
                if highest_newly.is_none_or(|h| c.tsn.gt(h)) {
                    highest_newly = Some(c.tsn);
                }
            } else if !acked && c.gap_acked {
                // Renege (RFC 9260 6.2.1 last paragraph): back to outstanding
                // and marked for retransmission on the T3-rtx or next send.
                c.gap_acked = false;
                self.unacked += c.size();
            }
        }
        // Fast recovery ends once its exit point is acknowledged.
        if let Some(exit) = self.recovery {
            if self.cum_ack.ge(exit) {
                self.recovery = None;
            }
        }
        // Miss indications (RFC 9260 7.2.4): for TSNs below the highest one
        // newly acknowledged in this SACK.
        if let Some(h) = highest_newly {
            let in_recovery = self.recovery.is_some();
            for c in self.queue.iter_mut() {
                if c.tsn.ge(h) {
                    break;
                }
                if c.gap_acked || c.fast_done || c.marked || c.abandoned {
                    continue;
                }
                c.miss += 1;
                if c.miss >= FAST_RTX_THRESHOLD && (!in_recovery || c.tsn.gt(self.cum_ack)) {
                    c.marked = true;
                    c.ever_marked = true;
                    c.fast = true;
                    c.fast_done = true;
                    self.marked += 1;
                    r.fast_marked += 1;
                    if c.in_flight {
                        c.in_flight = false;
                        debit(flight, c.path, c.size());
                    }
                }
            }
        }
        r
    }

    /// Enters fast recovery (RFC 9260 7.2.4 step 1), if not in it; returns
    /// whether it did (the caller then halves cwnd once).
    pub fn enter_recovery(&mut self) -> bool {
        if self.recovery.is_some() {
            return false;
        }
        self.recovery = Some(self.next_tsn.prev());
        true
    }

    /// T3-rtx expired on `path` (RFC 9260 6.3.3 E3): every chunk sent there and
    /// not gap-acked is marked for retransmission and leaves the flight.
    pub fn on_t3_expiry(&mut self, path: usize, flight: &mut [usize]) -> usize {
        let mut n = 0;
        for c in self.queue.iter_mut() {
            if c.path != path || c.gap_acked || c.marked || c.abandoned {
                continue;
            }
            c.marked = true;
            c.ever_marked = true;
            if c.in_flight {
                c.in_flight = false;
                debit(flight, c.path, c.size());
            }
            self.marked += 1;
            n += 1;
        }
        self.recovery = None;
        n
    }

    /// A PKTDROP reported `tsn` dropped (draft-stewart-sctp-pktdrprep, as
    /// usrsctp's `process_chunk_drop`): when it is outstanding, not acked
    /// and its payload starts with `head`, it is marked for fast
    /// retransmission and leaves the flight (`Some(true)`); `Some(false)`
    /// when there is nothing to do, `None` when the payload differs.
    pub fn mark_reported(&mut self, tsn: Tsn, head: &[u8], flight: &mut [usize]) -> Option<bool> {
        let Some(c) = self.queue.iter_mut().find(|c| c.tsn == tsn) else {
            return Some(false);
        };
        if c.gap_acked || c.abandoned {
            return Some(false);
        }
        let payload = &c.data[c.range.clone()];
        if payload.len() < head.len() || &payload[..head.len()] != head {
            return None;
        }
        if c.marked {
            return Some(false);
        }
        c.marked = true;
        c.fast = true;
        c.ever_marked = true;
        if c.in_flight {
            c.in_flight = false;
            debit(flight, c.path, c.size());
        }
        self.marked += 1;
        Some(true)
    }

    /// The path MTU went down (RFC 9260 7.3): chunks in flight whose
    /// payload exceeds `room` were most likely dropped on the way; they are
    /// marked for retransmission and leave the flight, without a cwnd cut
    /// (FreeBSD's `sctp_pathmtu_adjustment`). Returns how many.
    pub fn mark_larger_than(&mut self, room: usize, flight: &mut [usize]) -> usize {
        let mut n = 0;
        for c in self.queue.iter_mut() {
            if c.len() <= room || c.gap_acked || c.marked || c.abandoned || !c.in_flight {
                continue;
            }
            c.marked = true;
            c.ever_marked = true;
            c.in_flight = false;
            debit(flight, c.path, c.size());
            self.marked += 1;
            n += 1;
        }
        n
    }

    /// The payload length of the chunk `next_marked(false)` would give.
    pub fn next_marked_len(&self) -> Option<usize> {
        if self.marked == 0 {
            return None;
        }
        self.queue
            .iter()
            .find(|c| c.marked && c.fast)
            .or_else(|| self.queue.iter().find(|c| c.marked))
            .map(|c| c.len())
    }

    /// The first marked chunk (fast-retransmit ones first), to resend.
    pub fn next_marked(&mut self, fast_only: bool) -> Option<&mut Outstanding> {
        if self.marked == 0 {
            return None;
        }
        let i = self
            .queue
            .iter()
            .position(|c| c.marked && c.fast)
            .or_else(|| {
                if fast_only {
                    None
                } else {
                    self.queue.iter().position(|c| c.marked)
                }
            })?;
        self.queue.get_mut(i)
    }

    /// Marks as sent again the chunk `next_marked` gave (same TSN).
    pub fn resent(&mut self, tsn: Tsn, now: Instant, path: usize, flight: &mut [usize]) {
        if let Some(c) = self.queue.iter_mut().find(|c| c.tsn == tsn) {
            if c.marked {
                c.marked = false;
                c.fast = false;
                self.marked -= 1;
            }
            c.sent_at = now;
            c.transmissions += 1;
            c.path = path;
            c.miss = 0;
            if !c.in_flight {
                c.in_flight = true;
                if let Some(f) = flight.get_mut(path) {
                    *f += c.size();
                }
            }
            self.retransmissions += 1;
        }
    }

    /// The oldest outstanding chunk's send time on `path` (for T3-rtx).
    pub fn oldest_in_flight_on(&self, path: usize) -> Option<Instant> {
        self.queue
            .iter()
            .filter(|c| c.path == path && c.in_flight)
            .map(|c| c.sent_at)
            .min()
    }

    /// Whether anything sent on `path` is still unacknowledged: in flight,
    /// marked for retransmission, or abandoned and not yet passed by the
    /// cumulative ack (RFC 9260 6.3.2 R3 keeps T3-rtx running for all of
    /// them; RFC 3758 3.5 C4 needs it for a lost FORWARD TSN).
    pub fn unacked_on(&self, path: usize) -> bool {
        self.queue.iter().any(|c| c.path == path && !c.gap_acked)
    }

    /// The highest transmission count of any outstanding chunk.
    pub fn max_transmissions(&self) -> u32 {
        self.queue
            .iter()
            .map(|c| c.transmissions)
            .max()
            .unwrap_or(0)
    }

    /// Drops everything (abort), returning how many chunks there were.
    /// The DATA chunks sent and not acknowledged, in TSN order, for the
    /// application's send-failed report (RFC 6458 6.1.11).
    pub fn unacked(&self) -> Vec<crate::FailedData> {
        self.queue
            .iter()
            .filter(|o| !o.abandoned)
            .map(|o| crate::FailedData {
                sent: true,
                stream: o.stream,
                ppid: o.ppid,
                flags: o.flags,
                data: o.data[o.range.clone()].to_vec(),
            })
            .collect()
    }

    pub fn clear(&mut self) -> usize {
        let n = self.queue.len();
        self.queue.clear();
        self.unacked = 0;
        self.marked = 0;
        self.limited = 0;
        n
    }
}

/// Whether a chunk's policy can abandon it while outstanding (RFC 7496
/// 4.1-4.2: lifetime or retransmission limit).
fn is_limited(pr: PrPolicy) -> bool {
    matches!(pr, PrPolicy::Ttl(_) | PrPolicy::Rtx(_))
}

fn debit(flight: &mut [usize], path: usize, n: usize) {
    if let Some(f) = flight.get_mut(path) {
        *f = f.saturating_sub(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q_with(n: u32, now: Instant) -> (RetransmitQueue, Vec<usize>) {
        let mut q = RetransmitQueue::new(100);
        let data: Arc<[u8]> = Arc::from(&[0u8; 10][..]);
        let mut flight = vec![0];
        for _ in 0..n {
            q.push(0, 0, 0, 3, data.clone(), 0..10, now, 0);
            flight[0] += 10;
        }
        (q, flight)
    }

    #[test]
    fn cumulative_ack_frees_and_measures() {
        let now = Instant::now();
        let (mut q, mut f) = q_with(5, now);
        let r = q.on_sack(Tsn(102), std::iter::empty(), &mut f);
        assert!(r.cum_advanced);
        assert_eq!(r.newly_acked, 30);
        assert_eq!(q.len(), 2);
        assert_eq!(f[0], 20);
        assert!(r.rtt_from.is_some());
        // An older SACK is ignored.
        assert!(q.on_sack(Tsn(101), std::iter::empty(), &mut f).stale);
        // A SACK for a TSN never sent is refused.
        assert!(q.on_sack(Tsn(200), std::iter::empty(), &mut f).stale);
    }

    #[test]
    fn three_miss_indications_fast_retransmit_once() {
        let now = Instant::now();
        let (mut q, mut f) = q_with(6, now);
        // TSN 100 lost; 101.., reported one by one.
        for (i, end) in [(1, 1), (2, 2), (3, 3)].into_iter().enumerate() {
            let r = q.on_sack(Tsn(99), [(2u16, end.1 + 1)].into_iter(), &mut f);
            assert_eq!(r.fast_marked, usize::from(i == 2), "SACK {i}");
        }
        assert!(q.has_marked());
        assert!(q.enter_recovery());
        assert!(!q.enter_recovery());
        let c = q.next_marked(true).unwrap();
        assert_eq!(c.tsn, Tsn(100));
        q.resent(Tsn(100), now, 0, &mut f);
        assert!(!q.has_marked());
        // Further SACKs do not mark it again.
        let r = q.on_sack(Tsn(99), [(2u16, 6u16)].into_iter(), &mut f);
        assert_eq!(r.fast_marked, 0);
        let r = q.on_sack(Tsn(105), std::iter::empty(), &mut f);
        assert!(r.cum_advanced);
        assert!(!q.in_recovery());
        assert!(q.is_empty());
        assert_eq!(f[0], 0);
    }

    #[test]
    fn t3_marks_everything_not_gap_acked() {
        let now = Instant::now();
        let (mut q, mut f) = q_with(4, now);
        q.on_sack(Tsn(99), [(3u16, 3u16)].into_iter(), &mut f);
        assert_eq!(q.on_t3_expiry(0, &mut f), 3);
        assert_eq!(f[0], 0);
        let mut order = Vec::new();
        while let Some(c) = q.next_marked(false) {
            let t = c.tsn;
            order.push(t.0);
            q.resent(t, now, 0, &mut f);
        }
        assert_eq!(order, [100, 101, 103]);
        assert_eq!(q.retransmissions, 3);
    }

    #[test]
    fn abandoned_messages_move_the_forward_point() {
        let now = Instant::now();
        let mut q = RetransmitQueue::new(100);
        let mut f = vec![0];
        let data: Arc<[u8]> = Arc::from(&[0u8; 10][..]);
        let piece = |msg, pr, stream, ssn, flags| super::super::tx_queue::Piece {
            msg,
            pr,
            deadline: Some(now),
            stream,
            ssn,
            mid: 0,
            fsn: 0,
            ppid: 0,
            flags,
            data: data.clone(),
            range: 0..10,
        };
        // msg 1: two fragments on stream 3 (SSN 7) with a lifetime that has
        // ended; msg 2: reliable; msg 3: unordered, one retransmission at most.
        q.push_piece(
            piece(1, PrPolicy::Ttl(Default::default()), 3, 7, 0x02),
            now,
            0,
        );
        q.push_piece(
            piece(1, PrPolicy::Ttl(Default::default()), 3, 7, 0x01),
            now,
            0,
        );
        q.push_piece(piece(2, PrPolicy::Reliable, 0, 0, 0x03), now, 0);
        q.push_piece(piece(3, PrPolicy::Rtx(1), 1, 0, 0x07), now, 0);
        f[0] = 40;
        let mut count = Abandoned::default();
        q.check_abandon(now, &mut f, &mut count);
        assert_eq!(
            count,
            Abandoned {
                ttl: 1,
                rtx: 0,
                priority: 0
            }
        );
        assert_eq!(f[0], 20);
        assert_eq!(q.unacked_bytes(), 20);
        let (adv, streams) = q.forward_point().unwrap();
        assert_eq!(adv, Tsn(101));
        assert_eq!(streams, [(3, 7)]);
        // The reliable TSN 102 is acked by gap; 103 times out twice.
        q.on_sack(Tsn(99), [(3u16, 3u16)].into_iter(), &mut f);
        q.on_t3_expiry(0, &mut f);
        q.check_abandon(now, &mut f, &mut count);
        assert_eq!(count.rtx, 0, "sent once: one retransmission allowed");
        q.resent(Tsn(103), now, 0, &mut f);
        q.on_t3_expiry(0, &mut f);
        q.check_abandon(now, &mut f, &mut count);
        assert_eq!(count.rtx, 1);
        // 102 acked, not abandoned: the point stops before it.
        assert_eq!(q.forward_point().unwrap().0, Tsn(101));
        q.on_sack(Tsn(102), std::iter::empty(), &mut f);
        assert_eq!(
            q.forward_point(),
            Some((Tsn(103), vec![])),
            "unordered: no stream entry"
        );
        q.on_sack(Tsn(103), std::iter::empty(), &mut f);
        assert!(q.is_empty());
        assert_eq!(q.unacked_bytes(), 0);
    }

    #[test]
    fn no_rtt_sample_from_a_chunk_marked_by_a_timeout() {
        let now = Instant::now();
        let (mut q, mut f) = q_with(2, now);
        q.on_t3_expiry(0, &mut f);
        // TSN 100 resent; the SACK then acks both, 101 only ever sent once
        // but marked: neither gives a sample.
        q.resent(Tsn(100), now + std::time::Duration::from_secs(3), 0, &mut f);
        let r = q.on_sack(Tsn(101), std::iter::empty(), &mut f);
        assert!(r.rtt_from.is_none());
    }

    fn recount(q: &RetransmitQueue) -> usize {
        q.queue
            .iter()
            .filter(|c| !c.gap_acked)
            .map(Outstanding::size)
            .sum()
    }

    #[test]
    fn the_running_unacked_sum_matches_a_recount() {
        let now = Instant::now();
        let (mut q, mut f) = q_with(20, now);
        let sacks: [(u32, &[(u16, u16)]); 5] = [
            (99, &[(3, 5), (8, 8)]),
            (102, &[(2, 3)]),
            (102, &[(6, 9)]),
            (105, &[(1, 2), (10, 12)]),
            (119, &[]),
        ];
        for (cum, gaps) in sacks {
            q.on_sack(Tsn(cum), gaps.iter().copied(), &mut f);
            assert_eq!(q.unacked_bytes(), recount(&q), "after SACK {cum} {gaps:?}");
        }
        assert_eq!(q.unacked_bytes(), 0);
    }

    #[test]
    fn renege_returns_a_chunk_to_outstanding() {
        let now = Instant::now();
        let (mut q, mut f) = q_with(3, now);
        q.on_sack(Tsn(99), [(2u16, 2u16)].into_iter(), &mut f);
        assert_eq!(q.unacked_bytes(), 20);
        q.on_sack(Tsn(99), std::iter::empty(), &mut f);
        assert_eq!(q.unacked_bytes(), 30);
    }
}
