//! The receiver's record of TSNs (RFC 9260 6.2 and 6.7): the cumulative TSN
//! ack point, gap ack blocks above it, duplicates to report, and when the next
//! SACK is due (delayed SACK, every second packet, at once on gaps or dups,
//! and the I bit of RFC 7053).

use std::time::{Duration, Instant};

use crate::serial::{Tsn, Unwrapper};

/// Most duplicate TSNs kept for one SACK (the rest are only counted).
const MAX_DUPS: usize = 32;
/// Most gap ack blocks kept (RFC 9260 leaves it to the implementation; the
/// SACK also has to fit in the path MTU, which the writer checks).
const MAX_GAP_BLOCKS: usize = 64;

/// What became of one received TSN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observed {
    /// Not seen before: deliver it.
    New,
    /// Already received (at or below the cumulative point or in a gap block).
    Duplicate,
}

/// Received TSNs of one association (RFC 9260 6.2).
#[derive(Debug, Clone)]
pub struct DataTracker {
    unwrap: Unwrapper,
    /// Highest TSN received in sequence, unwrapped.
    cum: u64,
    /// Received blocks above `cum + 1`, sorted, inclusive, unwrapped.
    blocks: Vec<(u64, u64)>,
    dups: Vec<u32>,
    /// Packets with DATA since the last SACK.
    unacked_packets: u32,
    /// When a delayed SACK is due.
    deadline: Option<Instant>,
    /// A SACK must go out with the next packet.
    immediate: bool,
    sack_every: u32,
    delay: Duration,
    /// No DATA seen yet: the first packet with DATA is acknowledged at once
    /// (as FreeBSD and Linux do, so the peer's first RTT sample is not
    /// inflated by the delayed-SACK timer).
    first: bool,
}

impl DataTracker {
    /// A tracker for a peer whose first TSN is `initial_tsn` (RFC 9260 5.1:
    /// the cumulative ack point starts at Initial TSN - 1).
    pub fn new(initial_tsn: u32, sack_every: u32, delay: Duration) -> Self {
        let cum_tsn = initial_tsn.wrapping_sub(1);
        let unwrap = Unwrapper::new(cum_tsn);
        DataTracker {
            cum: unwrap.peek(cum_tsn),
            unwrap,
            blocks: Vec::with_capacity(8),
            dups: Vec::with_capacity(8),
            unacked_packets: 0,
            deadline: None,
            immediate: false,
            sack_every: sack_every.max(1),
            delay,
            first: true,
        }
    }

    /// Changes the delayed-SACK settings (RFC 6458 `SCTP_DELAYED_SACK`).
    pub fn set_timing(&mut self, sack_every: u32, delay: Duration) {
        self.sack_every = sack_every.max(1);
        self.delay = delay;
    }

    /// The Cumulative TSN Ack to report.
    pub fn cum_tsn(&self) -> Tsn {
        Tsn(self.cum as u32)
    }

    /// Whether `tsn` is so far from the cumulative point that it cannot be a
    /// TSN of this association's window (more than 2^31 away, or behind).
    fn unwrapped(&self, tsn: Tsn) -> u64 {
        self.unwrap.peek(tsn.0)
    }

    /// Whether `tsn` has been received (for tests and the reassembler).
    pub fn is_received(&self, tsn: Tsn) -> bool {
        let u = self.unwrapped(tsn);
        u <= self.cum || self.blocks.iter().any(|&(a, b)| a <= u && u <= b)
    }

    /// Records a received TSN (RFC 9260 6.2). Duplicates are kept to report.
    pub fn observe(&mut self, tsn: Tsn) -> Observed {
        let u = self.unwrapped(tsn);
        if u <= self.cum {
            self.note_dup(tsn);
            return Observed::Duplicate;
        }
        // Find the first block that ends at or after u - 1.
        let i = self.blocks.partition_point(|&(_, b)| b + 1 < u);
        if let Some(&(a, b)) = self.blocks.get(i) {
            if a <= u && u <= b {
                self.note_dup(tsn);
                return Observed::Duplicate;
            }
        }
        if u == self.cum + 1 {
            if !self.blocks.is_empty() {
                // Filling a gap (RFC 9260 6.7): the peer learns at once.
                self.immediate = true;
            }
            self.cum = u;
            // Absorb a first block that now touches the cumulative point.
            if let Some(&(a, b)) = self.blocks.first() {
                if a == self.cum + 1 {
                    self.cum = b;
                    self.blocks.remove(0);
                }
            }
        } else {
            // Out of order (RFC 9260 6.7): acknowledge at once.
            self.immediate = true;
            match self.blocks.get_mut(i) {
                Some(blk) if blk.0 == u + 1 => {
                    blk.0 = u;
                }
                Some(blk) if blk.1 + 1 == u => {
                    blk.1 = u;
                    // Join with the next block if they now touch.
                    if let Some(&(na, nb)) = self.blocks.get(i + 1) {
                        if na == u + 1 {
                            self.blocks[i].1 = nb;
                            self.blocks.remove(i + 1);
                        }
                    }
                }
                _ => self.blocks.insert(i, (u, u)),
            }
        }
        self.unwrap.unwrap(tsn.0);
        Observed::New
    }

    fn note_dup(&mut self, tsn: Tsn) {
        if self.dups.len() < MAX_DUPS {
            self.dups.push(tsn.0);
        }
        // RFC 9260 6.2: a duplicate is reported at once.
        self.immediate = true;
    }

    /// Moves the cumulative point forward to `new_cum` (FORWARD-TSN, RFC 3758 3.6).
    pub fn forward_to(&mut self, new_cum: Tsn) {
        let u = self.unwrapped(new_cum);
        if u <= self.cum {
            return;
        }
        self.cum = u;
        self.blocks.retain(|&(_, b)| b > u);
        if let Some(&(a, b)) = self.blocks.first() {
            if a <= u + 1 {
                self.cum = b;
                self.blocks.remove(0);
            }
        }
        self.unwrap.unwrap(new_cum.0);
    }

    /// Called once per received packet that held DATA, after its chunks were
    /// observed; `immediately` is the I bit of RFC 7053 on any of them.
    pub fn packet_with_data(&mut self, now: Instant, immediately: bool) {
        self.unacked_packets += 1;
        if immediately || self.first || self.unacked_packets >= self.sack_every {
            self.first = false;
            self.immediate = true;
        }
        if self.deadline.is_none() {
            self.deadline = Some(now + self.delay);
        }
    }

    /// Asks for a SACK with the next packet (e.g. on SHUTDOWN, or after a
    /// window update the peer needs to hear of).
    pub fn force_sack(&mut self) {
        self.immediate = true;
    }

    /// Whether a SACK must be sent now.
    pub fn sack_due(&self, now: Instant) -> bool {
        self.immediate || self.deadline.is_some_and(|d| d <= now)
    }

    /// When the delayed-SACK timer fires, if it runs.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Gap ack blocks as offsets from the cumulative TSN (RFC 9260 3.3.4).
    pub fn gap_blocks(&self) -> impl ExactSizeIterator<Item = (u16, u16)> + '_ {
        let cum = self.cum;
        let n = self
            .blocks
            .iter()
            .take(MAX_GAP_BLOCKS)
            .take_while(|&&(_, b)| b - cum <= u16::MAX as u64)
            .count();
        self.blocks[..n]
            .iter()
            .map(move |&(a, b)| ((a - cum) as u16, (b - cum) as u16))
    }

    /// Duplicate TSNs received since the last SACK.
    pub fn dup_tsns(&self) -> &[u32] {
        &self.dups
    }

    /// Whether any TSN above the cumulative point was received.
    pub fn has_gaps(&self) -> bool {
        !self.blocks.is_empty()
    }

    /// A SACK was sent: restart the counters.
    pub fn sack_sent(&mut self) {
        self.dups.clear();
        self.unacked_packets = 0;
        self.deadline = None;
        self.immediate = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracker(first: u32) -> DataTracker {
        DataTracker::new(first, 2, Duration::from_millis(200))
    }

    #[test]
    fn in_order_moves_cum() {
        let mut t = tracker(100);
        assert_eq!(t.cum_tsn(), Tsn(99));
        assert_eq!(t.observe(Tsn(100)), Observed::New);
        assert_eq!(t.observe(Tsn(101)), Observed::New);
        assert_eq!(t.cum_tsn(), Tsn(101));
        assert_eq!(t.gap_blocks().len(), 0);
        assert!(!t.has_gaps());
    }

    #[test]
    fn gaps_are_reported_as_offsets_and_filled() {
        let mut t = tracker(1);
        for tsn in [1, 3, 4, 7, 9, 8] {
            t.observe(Tsn(tsn));
        }
        // cum 1; received 3-4 and 7-9.
        assert_eq!(t.cum_tsn(), Tsn(1));
        assert_eq!(t.gap_blocks().collect::<Vec<_>>(), [(2, 3), (6, 8)]);
        assert!(
            t.sack_due(Instant::now()),
            "out of order asks for a SACK at once"
        );
        t.observe(Tsn(2));
        assert_eq!(t.cum_tsn(), Tsn(4));
        assert_eq!(t.gap_blocks().collect::<Vec<_>>(), [(3, 5)]);
        t.observe(Tsn(6));
        t.observe(Tsn(5));
        assert_eq!(t.cum_tsn(), Tsn(9));
        assert!(!t.has_gaps());
    }

    #[test]
    fn duplicates_are_listed() {
        let mut t = tracker(10);
        t.observe(Tsn(10));
        t.observe(Tsn(12));
        t.sack_sent();
        assert_eq!(t.observe(Tsn(10)), Observed::Duplicate);
        assert_eq!(t.observe(Tsn(12)), Observed::Duplicate);
        assert_eq!(t.dup_tsns(), [10, 12]);
        assert!(t.sack_due(Instant::now()));
        t.sack_sent();
        assert!(t.dup_tsns().is_empty());
    }

    #[test]
    fn tsns_wrap() {
        let mut t = tracker(0xffff_fffe);
        t.observe(Tsn(0xffff_fffe));
        t.observe(Tsn(0));
        assert_eq!(t.cum_tsn(), Tsn(0xffff_fffe));
        assert_eq!(t.gap_blocks().collect::<Vec<_>>(), [(2, 2)]);
        t.observe(Tsn(0xffff_ffff));
        assert_eq!(t.cum_tsn(), Tsn(0));
        assert!(t.is_received(Tsn(0xffff_ffff)));
        assert!(!t.is_received(Tsn(1)));
    }

    #[test]
    fn every_second_packet_or_after_the_delay() {
        let now = Instant::now();
        let mut t = tracker(1);
        t.observe(Tsn(1));
        t.packet_with_data(now, false);
        assert!(t.sack_due(now), "the first DATA is acknowledged at once");
        t.sack_sent();
        t.observe(Tsn(2));
        t.packet_with_data(now, false);
        assert!(!t.sack_due(now));
        assert!(t.sack_due(now + Duration::from_millis(200)));
        t.observe(Tsn(3));
        t.packet_with_data(now, false);
        assert!(t.sack_due(now));
        t.sack_sent();
        t.observe(Tsn(4));
        t.packet_with_data(now, true);
        assert!(t.sack_due(now), "the I bit asks for a SACK at once");
    }

    #[test]
    fn forward_tsn_skips_and_absorbs() {
        let mut t = tracker(1);
        t.observe(Tsn(5));
        t.observe(Tsn(6));
        t.forward_to(Tsn(4));
        assert_eq!(t.cum_tsn(), Tsn(6));
        assert!(!t.has_gaps());
    }

    #[test]
    fn matches_a_model_on_random_orders() {
        // A simple model: a set of received TSNs.
        let mut seed = 0x1234_5678_u64;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..200 {
            let first = (rnd() as u32).wrapping_add(round);
            let mut t = tracker(first);
            let mut got = std::collections::BTreeSet::new();
            for _ in 0..100 {
                let off = (rnd() % 60) as u32;
                let fresh = got.insert(off);
                let o = t.observe(Tsn(first.wrapping_add(off)));
                assert_eq!(o == Observed::New, fresh);
            }
            let mut cum = 0;
            while got.contains(&cum) {
                cum += 1;
            }
            assert_eq!(t.cum_tsn(), Tsn(first.wrapping_add(cum).wrapping_sub(1)));
            for (s, e) in t.gap_blocks() {
                for off in s..=e {
                    assert!(got.contains(&(cum - 1 + off as u32)));
                }
            }
            let in_blocks: usize = t.gap_blocks().map(|(s, e)| (e - s + 1) as usize).sum();
            assert_eq!(in_blocks + cum as usize, got.len());
        }
    }
}
