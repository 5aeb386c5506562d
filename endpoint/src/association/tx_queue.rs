//! The send buffer: user messages waiting to be sent, per stream, with their
//! Stream Sequence Numbers; a round-robin stream scheduler (RFC 8260 3.2's
//! "round robin" between messages); and fragmentation into DATA chunks that
//! fit the path (RFC 9260 6.9).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use crate::rules::{MidSequencer, SsnSequencer};
use crate::send::{Abandoned, PrPolicy};

/// One user message waiting to be sent (RFC 6458 5.3.4's `sctp_sndinfo`).
#[derive(Debug)]
struct Queued {
    /// Which message (for abandoning all its chunks at once).
    msg: u64,
    /// Its SSN (DATA) or MID (I-DATA), assigned when its first chunk is
    /// cut (so that a message abandoned before it was ever sent leaves no
    /// hole in the stream).
    ssn: u32,
    /// The Fragment Sequence Number of its next I-DATA chunk.
    fsn: u32,
    ppid: u32,
    pr: PrPolicy,
    /// When a timed-reliability message is abandoned.
    deadline: Option<Instant>,
    unordered: bool,
    data: Arc<[u8]>,
    /// Bytes already cut into DATA chunks.
    sent: usize,
}

/// The next piece of a message to put in a DATA chunk.
#[derive(Debug, Clone)]
pub struct Piece {
    /// Which message.
    pub msg: u64,
    /// Its partial-reliability policy.
    pub pr: PrPolicy,
    /// When it is abandoned under timed reliability.
    pub deadline: Option<Instant>,
    /// Stream Identifier.
    pub stream: u16,
    /// Stream Sequence Number (0 for unordered messages); with I-DATA the
    /// low 16 bits of the MID.
    pub ssn: u16,
    /// I-DATA Message Identifier (RFC 8260 2.1).
    pub mid: u32,
    /// I-DATA Fragment Sequence Number (0 for the first fragment).
    pub fsn: u32,
    /// Payload Protocol Identifier.
    pub ppid: u32,
    /// DATA flags: U (0x04), B (0x02), E (0x01).
    pub flags: u8,
    /// The whole message.
    pub data: Arc<[u8]>,
    /// The bytes of `data` this chunk carries.
    pub range: std::ops::Range<usize>,
}

/// How the next stream to send from is chosen (RFC 8260 3 stream
/// schedulers; RFC 6458-bis `SCTP_STREAM_SCHEDULER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheduler {
    /// First come, first served: messages leave in the order they were
    /// queued, whatever their stream (RFC 8260 3.1).
    Fcfs,
    /// Round robin between streams, one message each turn (RFC 8260 3.2).
    #[default]
    RoundRobin,
    /// Strict priority: the stream with the lowest priority value that has
    /// data sends; equal priorities take turns (RFC 8260 3.4).
    Priority,
}

/// Outbound streams: queued messages and the next SSN of each.
#[derive(Debug)]
pub struct TxQueue {
    queues: Vec<VecDeque<Queued>>,
    next_ssn: SsnSequencer,
    next_mid: MidSequencer,
    /// I-DATA in use (RFC 8260): MIDs instead of SSNs, and a message's
    /// fragments may interleave with other streams' messages.
    interleave: bool,
    /// Streams with something queued, in round-robin order.
    active: VecDeque<u16>,
    /// A stream whose message is half cut: it must go on (RFC 9260 6.9:
    /// fragments of one message take consecutive TSNs).
    current: Option<u16>,
    /// Streams held back while their reset is negotiated (RFC 6525 5.1.2).
    paused: Vec<u16>,
    /// Which stream sends next (RFC 8260 3).
    scheduler: Scheduler,
    /// Per-stream priority for [`Scheduler::Priority`] (lower first;
    /// default 0).
    priority: Vec<u16>,
    bytes: usize,
    next_msg: u64,
    /// Queued messages with a lifetime: `drop_expired` scans only when
    /// there are some (a scan per SACK of a long queue was quadratic).
    timed: usize,
}

impl TxQueue {
    /// A queue for `streams` outbound streams.
    pub fn new(streams: u16) -> Self {
        TxQueue {
            queues: (0..streams).map(|_| VecDeque::new()).collect(),
            next_ssn: SsnSequencer::new(streams),
            next_mid: MidSequencer::default(),
            interleave: false,
            active: VecDeque::new(),
            current: None,
            paused: Vec::new(),
            scheduler: Scheduler::RoundRobin,
            priority: Vec::new(),
            bytes: 0,
            next_msg: 0,
            timed: 0,
        }
    }

    /// Outbound streams.
    pub fn streams(&self) -> u16 {
        self.queues.len() as u16
    }

    /// Changes the number of outbound streams to what the peer accepted
    /// (RFC 9260 5.1.1: min of our OS and its MIS).
    pub fn set_streams(&mut self, streams: u16) {
        self.queues.resize_with(streams as usize, VecDeque::new);
        self.next_ssn.set_streams(streams);
        self.active.retain(|&s| s < streams);
    }

    /// Holds back new messages on `streams` (empty: all) while their reset
    /// is negotiated (RFC 6525 5.1.2); a message half cut still finishes.
    pub fn pause(&mut self, streams: &[u16]) {
        if streams.is_empty() {
            self.paused = (0..self.streams()).collect();
        } else {
            self.paused.extend_from_slice(streams);
        }
    }

    /// Lets `streams` (empty: all) send again.
    pub fn resume(&mut self, streams: &[u16]) {
        if streams.is_empty() {
            self.paused.clear();
        } else {
            self.paused.retain(|s| !streams.contains(s));
        }
    }

    /// Whether a message of one of `streams` (empty: any) is half cut (its
    /// reset must wait for its last fragment).
    pub fn cutting(&self, streams: &[u16]) -> bool {
        let half_cut = |s: u16| {
            self.queues[s as usize]
                .front()
                .is_some_and(|m| m.sent > 0 && m.sent < m.data.len())
        };
        match self.current {
            Some(s) if streams.is_empty() || streams.contains(&s) => true,
            _ if self.interleave => (0..self.streams())
                .filter(|s| streams.is_empty() || streams.contains(s))
                .any(half_cut),
            _ => false,
        }
    }

    /// Starts the SSNs (or MIDs) of `streams` (empty: all) again at 0
    /// (RFC 6525 5.1.2, after the peer performed the reset).
    pub fn reset_numbers(&mut self, streams: &[u16]) {
        let all: Vec<u16>;
        let list = if streams.is_empty() {
            all = (0..self.streams()).collect();
            &all
        } else {
            streams
        };
        for &s in list {
            self.next_ssn.reset(s);
            self.next_mid.reset(s);
        }
    }

    /// Chooses the stream scheduler (RFC 8260 3).
    pub fn set_scheduler(&mut self, s: Scheduler) {
        self.scheduler = s;
    }

    /// Sets `stream`'s priority for [`Scheduler::Priority`] (lower first).
    pub fn set_priority(&mut self, stream: u16, priority: u16) {
        let s = stream as usize;
        if self.priority.len() <= s {
            self.priority.resize(s + 1, 0);
        }
        self.priority[s] = priority;
    }

    /// The index in `active` of the stream the scheduler picks next.
    fn choose(&self) -> Option<usize> {
        let eligible = |s: u16| {
            let q = &self.queues[s as usize];
            match q.front() {
                None => false,
                Some(m) => m.sent > 0 || !self.is_paused(s),
            }
        };
        let candidates = self
            .active
            .iter()
            .enumerate()
            .filter(|(_, s)| eligible(**s));
        match self.scheduler {
            Scheduler::RoundRobin => candidates.map(|(i, _)| i).next(),
            Scheduler::Fcfs => candidates
                .min_by_key(|(_, s)| {
                    self.queues[**s as usize]
                        .front()
                        .map_or(u64::MAX, |m| m.msg)
                })
                .map(|(i, _)| i),
            Scheduler::Priority => candidates
                .min_by_key(|(i, s)| (self.priority.get(**s as usize).copied().unwrap_or(0), *i))
                .map(|(i, _)| i),
        }
    }

    /// Whether `stream` is held back.
    fn is_paused(&self, stream: u16) -> bool {
        !self.paused.is_empty() && self.paused.contains(&stream)
    }

    /// Switches to I-DATA numbering and interleaving (RFC 8260), before
    /// anything was sent.
    pub fn set_interleaving(&mut self, on: bool) {
        self.interleave = on;
    }

    /// Bytes queued and not yet cut into chunks.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Whether nothing waits to be sent.
    pub fn is_empty(&self) -> bool {
        self.bytes == 0 && self.active.is_empty()
    }

    /// Queues a reliable message; the caller checked the stream exists.
    pub fn push(&mut self, stream: u16, ppid: u32, unordered: bool, data: Arc<[u8]>) -> u64 {
        self.push_pr(stream, ppid, unordered, data, PrPolicy::Reliable, None)
    }

    /// Queues a message with a partial-reliability policy (RFC 7496);
    /// returns its message number.
    pub fn push_pr(
        &mut self,
        stream: u16,
        ppid: u32,
        unordered: bool,
        data: Arc<[u8]>,
        pr: PrPolicy,
        deadline: Option<Instant>,
    ) -> u64 {
        let s = stream as usize;
        if self.queues[s].is_empty() && self.current != Some(stream) {
            self.active.push_back(stream);
        }
        self.bytes += data.len();
        let msg = self.next_msg;
        self.next_msg += 1;
        self.timed += usize::from(deadline.is_some());
        self.queues[s].push_back(Queued {
            msg,
            ssn: 0,
            fsn: 0,
            ppid,
            pr,
            deadline,
            unordered,
            data,
            sent: 0,
        });
        msg
    }

    /// Abandons queued messages whose lifetime ended (RFC 3758 3.5 A).
    /// Those not yet begun vanish; the one being cut, if expired, is
    /// returned so the caller abandons its chunks already sent.
    pub fn drop_expired(&mut self, now: Instant, count: &mut Abandoned) -> Option<u64> {
        if self.timed == 0 {
            return None;
        }
        let mut partly_sent = None;
        let mut dropped = 0;
        let mut released = None;
        for (s, q) in self.queues.iter_mut().enumerate() {
            let mut freed = 0;
            q.retain(|m| {
                let expired = m.deadline.is_some_and(|d| d <= now);
                if !expired {
                    return true;
                }
                count.count(m.pr);
                dropped += 1;
                freed += m.data.len() - m.sent;
                if m.sent > 0 {
                    partly_sent = Some(m.msg);
                    if self.current == Some(s as u16) {
                        self.current = None;
                        released = Some(s as u16);
                    }
                }
                false
            });
            self.bytes -= freed;
        }
        self.timed -= dropped;
        // The stream whose message was being cut left the rotation when the
        // cutting began (`next_piece`): with that message gone, what is
        // queued behind it takes its turn again.
        if let Some(s) = released {
            if !self.queues[s as usize].is_empty() && !self.active.contains(&s) {
                self.active.push_back(s);
            }
        }
        self.prune_active();
        partly_sent
    }

    /// Makes room for `need` more bytes under `limit` by abandoning queued,
    /// unbegun messages of lower priority than `prio` (a larger value),
    /// lowest first (RFC 7496 4.3). Returns whether there is room now.
    pub fn make_room(
        &mut self,
        need: usize,
        limit: usize,
        prio: u16,
        count: &mut Abandoned,
    ) -> bool {
        while self.bytes + need > limit {
            let victim = self
                .queues
                .iter()
                .enumerate()
                .flat_map(|(s, q)| q.iter().enumerate().map(move |(i, m)| (s, i, m)))
                .filter_map(|(s, i, m)| match m.pr {
                    PrPolicy::Priority(p) if p > prio && m.sent == 0 => Some((p, s, i)),
                    _ => None,
                })
                .max();
            let Some((_, s, i)) = victim else {
                return false;
            };
            if let Some(m) = self.queues[s].remove(i) {
                self.bytes -= m.data.len();
                self.timed -= usize::from(m.deadline.is_some());
                count.count(m.pr);
            }
        }
        self.prune_active();
        true
    }

    /// Forgets streams whose queue emptied outside `next_piece`.
    fn prune_active(&mut self) {
        let queues = &self.queues;
        self.active.retain(|&s| !queues[s as usize].is_empty());
    }

    /// Bytes left of the message `next_piece` would cut from.
    pub fn next_remaining(&self) -> Option<usize> {
        let stream = match self.current {
            Some(s) => s,
            None => self.active[self.choose()?],
        };
        let m = self.queues[stream as usize].front()?;
        Some(m.data.len() - m.sent)
    }

    /// Cuts the next chunk of at most `max_payload` bytes, from the message
    /// being cut or from the next stream in turn.
    pub fn next_piece(&mut self, max_payload: usize) -> Option<Piece> {
        let stream = match self.current {
            Some(s) => s,
            None => {
                // The scheduler's choice leaves the rotation; streams it
                // passed over (paused, lower priority) keep their place.
                let i = self.choose()?;
                self.active.remove(i)?
            }
        };
        let q = &mut self.queues[stream as usize];
        let m = q.front_mut()?;
        let start = m.sent;
        if start == 0 {
            m.ssn = if self.interleave {
                self.next_mid.assign(stream, m.unordered)
            } else {
                self.next_ssn.assign_ssn(stream, m.unordered) as u32
            };
        }
        let fsn = m.fsn;
        m.fsn += 1;
        let end = (start + max_payload.max(1)).min(m.data.len());
        let mut flags = 0;
        if m.unordered {
            flags |= 0x04;
        }
        if start == 0 {
            flags |= 0x02;
        }
        let piece_data = m.data.clone();
        let (mid, ppid, msg, pr, deadline) = (m.ssn, m.ppid, m.msg, m.pr, m.deadline);
        m.sent = end;
        self.bytes -= end - start;
        if end == m.data.len() {
            flags |= 0x01;
            q.pop_front();
            self.timed -= usize::from(deadline.is_some());
            self.current = None;
            if !q.is_empty() {
                self.active.push_back(stream);
            }
        } else if self.interleave {
            // I-DATA: the next fragment may wait for other streams' turns.
            self.active.push_back(stream);
        } else {
            self.current = Some(stream);
        }
        Some(Piece {
            msg,
            pr,
            deadline,
            stream,
            ssn: mid as u16,
            mid,
            fsn,
            ppid,
            flags,
            data: piece_data,
            range: start..end,
        })
    }

    /// Drops everything queued (abort), returning how many messages there were.
    /// The messages (or their unsent rests) still queued, in stream
    /// order, for the application's send-failed report (RFC 6458 6.1.11).
    pub fn unsent(&self) -> Vec<crate::FailedData> {
        let mut out = Vec::new();
        for (stream, q) in self.queues.iter().enumerate() {
            for m in q {
                out.push(crate::FailedData {
                    sent: false,
                    stream: stream as u16,
                    ppid: m.ppid,
                    flags: if m.unordered { 0x04 } else { 0 },
                    data: m.data[m.sent.min(m.data.len())..].to_vec(),
                });
            }
        }
        out
    }

    pub fn clear(&mut self) -> usize {
        let n = self.queues.iter().map(|q| q.len()).sum();
        self.queues.iter_mut().for_each(|q| q.clear());
        self.active.clear();
        self.current = None;
        self.bytes = 0;
        self.timed = 0;
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(b: &[u8]) -> Arc<[u8]> {
        Arc::from(b)
    }

    /// The streams of the messages as the scheduler sends them.
    fn order(q: &mut TxQueue) -> Vec<u16> {
        std::iter::from_fn(|| q.next_piece(100).map(|p| p.stream)).collect()
    }

    #[test]
    fn timed_messages_expire_after_others_were_sent_and_dropped() {
        let t0 = Instant::now();
        let later = t0 + std::time::Duration::from_secs(2);
        let ttl = PrPolicy::Ttl(std::time::Duration::from_secs(1));
        let deadline = Some(t0 + std::time::Duration::from_secs(1));
        let mut q = TxQueue::new(2);
        q.push_pr(0, 1, false, msg(b"timed, sent"), ttl, deadline);
        q.push(0, 1, false, msg(b"reliable"));
        q.push_pr(1, 1, false, msg(b"timed, queued"), ttl, deadline);
        q.push_pr(1, 1, false, msg(b"timed, queued 2"), ttl, deadline);
        assert_eq!(q.next_piece(100).unwrap().stream, 0);
        let mut count = Abandoned::default();
        assert_eq!(q.drop_expired(later, &mut count), None);
        assert_eq!(count.ttl, 2, "both queued timed messages expire");
        assert_eq!(q.timed, 0);
        q.push_pr(1, 1, false, msg(b"timed again"), ttl, Some(later));
        assert_eq!(q.timed, 1);
        assert_eq!(q.drop_expired(later, &mut count), None);
        assert_eq!(count.ttl, 3);
        assert_eq!(order(&mut q), vec![0], "only the reliable message is left");
    }

    /// Messages queued on streams 2, 0, 2, 1, 0 in that order.
    fn queued(s: Scheduler) -> TxQueue {
        let mut q = TxQueue::new(3);
        q.set_scheduler(s);
        for st in [2, 0, 2, 1, 0] {
            q.push(st, 1, false, msg(b"m"));
        }
        q
    }

    #[test]
    fn schedulers_fcfs_round_robin_and_priority() {
        // RFC 8260 3.1: the order of queueing.
        assert_eq!(order(&mut queued(Scheduler::Fcfs)), [2, 0, 2, 1, 0]);
        // 3.2: one message per stream in turn.
        assert_eq!(order(&mut queued(Scheduler::RoundRobin)), [2, 0, 1, 2, 0]);
        // 3.4: stream 1 first, then 0, then 2; equal priorities take turns.
        let mut q = queued(Scheduler::Priority);
        q.set_priority(1, 0);
        q.set_priority(0, 1);
        q.set_priority(2, 2);
        assert_eq!(order(&mut q), [1, 0, 0, 2, 2]);
        let mut q = queued(Scheduler::Priority);
        assert_eq!(order(&mut q), [2, 0, 1, 2, 0], "all equal: round robin");
    }

    #[test]
    fn with_interleaving_a_higher_priority_message_overtakes_a_large_one() {
        let mut q = TxQueue::new(2);
        q.set_interleaving(true);
        q.set_scheduler(Scheduler::Priority);
        q.set_priority(0, 0);
        q.set_priority(1, 5);
        q.push(1, 1, false, msg(&[0u8; 1000]));
        let first = q.next_piece(100).unwrap();
        assert_eq!(first.stream, 1);
        // A message on the urgent stream arrives while the large one is cut.
        q.push(0, 1, false, msg(b"urgent"));
        let next = q.next_piece(100).unwrap();
        assert_eq!((next.stream, next.flags), (0, 0x03));
        assert!(order(&mut q).iter().all(|s| *s == 1));
    }

    #[test]
    fn fragments_carry_b_and_e_and_stay_consecutive() {
        let mut q = TxQueue::new(2);
        q.push(0, 1, false, msg(b"abcdefg"));
        q.push(1, 1, false, msg(b"xy"));
        let a = q.next_piece(3).unwrap();
        assert_eq!((a.stream, a.flags, a.range.clone()), (0, 0x02, 0..3));
        // Stream 1 must not cut in before stream 0's message is whole.
        let b = q.next_piece(3).unwrap();
        assert_eq!((b.stream, b.flags, b.range.clone()), (0, 0x00, 3..6));
        let c = q.next_piece(3).unwrap();
        assert_eq!((c.stream, c.flags, c.range.clone()), (0, 0x01, 6..7));
        let d = q.next_piece(3).unwrap();
        assert_eq!((d.stream, d.flags), (1, 0x03));
        assert!(q.next_piece(3).is_none());
        assert!(q.is_empty());
    }

    /// A timed message expires while it is being cut: the messages queued
    /// behind it on the same stream are still sent (they used to wait
    /// forever: the stream had left the rotation when the cutting began).
    #[test]
    fn a_message_expiring_while_cut_leaves_the_stream_in_the_rotation() {
        let mut q = TxQueue::new(1);
        let t0 = Instant::now();
        let ttl = PrPolicy::Ttl(std::time::Duration::from_millis(1));
        let deadline = Some(t0 + std::time::Duration::from_millis(1));
        q.push_pr(0, 1, false, msg(&[1; 100]), ttl, deadline);
        q.push(0, 1, false, msg(b"next"));
        let first = q.next_piece(40).unwrap();
        assert_eq!(first.range, 0..40);
        let mut count = Abandoned::default();
        let later = t0 + std::time::Duration::from_millis(2);
        assert_eq!(q.drop_expired(later, &mut count), Some(first.msg));
        let next = q.next_piece(40).expect("the message behind it");
        assert_eq!(&next.data[next.range.clone()], b"next");
        assert_eq!(next.flags & 0x03, 0x03);
        assert!(q.is_empty());
    }

    #[test]
    fn expired_and_low_priority_messages_are_dropped_without_an_ssn() {
        let now = Instant::now();
        let later = now + std::time::Duration::from_secs(1);
        let mut q = TxQueue::new(1);
        let mut count = Abandoned::default();
        q.push_pr(
            0,
            0,
            false,
            msg(b"old"),
            PrPolicy::Ttl(Default::default()),
            Some(now),
        );
        q.push(0, 0, false, msg(b"kept"));
        q.push_pr(0, 0, false, msg(b"low"), PrPolicy::Priority(9), None);
        q.push_pr(0, 0, false, msg(b"mid"), PrPolicy::Priority(5), None);
        assert_eq!(q.drop_expired(later, &mut count), None);
        assert_eq!(count.ttl, 1);
        // Room for 3 more bytes under a 12-byte limit: "low" (9) goes first.
        assert!(q.make_room(3, 12, 1, &mut count));
        assert_eq!(count.priority, 1);
        let got: Vec<(u16, Vec<u8>)> = std::iter::from_fn(|| q.next_piece(100))
            .map(|p| (p.ssn, p.data[p.range].to_vec()))
            .collect();
        // The survivors take SSNs 0 and 1: no hole where "old" was.
        assert_eq!(got, [(0, b"kept".to_vec()), (1, b"mid".to_vec())]);
        assert!(q.is_empty());
    }

    #[test]
    fn with_i_data_fragments_of_streams_interleave() {
        let mut q = TxQueue::new(2);
        q.set_interleaving(true);
        q.push(0, 1, false, msg(b"abcdef"));
        q.push(1, 1, false, msg(b"xy"));
        q.push(1, 1, true, msg(b"u"));
        let got: Vec<(u16, u32, u32, u8)> = std::iter::from_fn(|| q.next_piece(2))
            .map(|p| (p.stream, p.mid, p.fsn, p.flags))
            .collect();
        assert_eq!(
            got,
            [
                (0, 0, 0, 0x02),
                (1, 0, 0, 0x03),
                (0, 0, 1, 0x00),
                (1, 0, 0, 0x07),
                (0, 0, 2, 0x01)
            ]
        );
    }

    #[test]
    fn round_robin_between_streams_and_ssn_per_stream() {
        let mut q = TxQueue::new(3);
        for s in [0, 0, 1, 2, 1] {
            q.push(s, 0, false, msg(b"m"));
        }
        q.push(2, 0, true, msg(b"u"));
        let got: Vec<(u16, u16, u8)> = std::iter::from_fn(|| q.next_piece(100))
            .map(|p| (p.stream, p.ssn, p.flags))
            .collect();
        assert_eq!(
            got,
            [
                (0, 0, 3),
                (1, 0, 3),
                (2, 0, 3),
                (0, 1, 3),
                (1, 1, 3),
                (2, 0, 7)
            ]
        );
    }
}
