//! What we received of the peer's TSNs (RFC 9260 6.2): the cumulative TSN,
//! the TSNs above it (for Gap Ack Blocks, RFC 9260 3.3.4) and duplicates.

use std::collections::BTreeSet;

use sctp_codec::chunk::GapAckBlock;

/// TSN serial-number order (RFC 9260 1.6, RFC 1982 with SERIAL_BITS = 32):
/// true when `a` comes before `b`.
pub fn tsn_lt(a: u32, b: u32) -> bool {
    a != b && (b.wrapping_sub(a) as i32) > 0
}

/// The peer's TSNs as we acknowledge them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerTsns {
    /// Cumulative TSN Ack point (`None` before the peer's INIT or INIT ACK).
    pub cum: Option<u32>,
    /// TSNs received above `cum`, as offsets from it (1 = cum + 1).
    above: BTreeSet<u32>,
    /// Duplicate TSNs since the last SACK we sent.
    pub duplicates: Vec<u32>,
}

impl PeerTsns {
    /// Starts from the peer's Initial TSN (cum = initial - 1, RFC 9260 6.1).
    pub fn start(&mut self, initial_tsn: u32) {
        self.cum = Some(initial_tsn.wrapping_sub(1));
        self.above.clear();
        self.duplicates.clear();
    }
    /// Records one received DATA/I-DATA TSN.
    pub fn received(&mut self, tsn: u32) {
        let Some(cum) = self.cum else {
            // DATA before the handshake was seen: start there.
            self.cum = Some(tsn);
            return;
        };
        if !tsn_lt(cum, tsn) {
            self.duplicates.push(tsn);
            return;
        }
        if !self.above.insert(tsn.wrapping_sub(cum)) {
            self.duplicates.push(tsn);
        }
        self.advance();
    }
    /// FORWARD TSN / I-FORWARD TSN (RFC 3758 3.6): skips up to `new_cum`.
    pub fn forward(&mut self, new_cum: u32) {
        let Some(cum) = self.cum else {
            self.cum = Some(new_cum);
            return;
        };
        if !tsn_lt(cum, new_cum) {
            return;
        }
        self.rebase(cum, new_cum.wrapping_sub(cum));
        self.advance();
    }
    /// Moves `cum` over the TSNs that are now in sequence.
    fn advance(&mut self) {
        let Some(cum) = self.cum else { return };
        let mut shift = 0u32;
        while self.above.contains(&(shift + 1)) {
            shift += 1;
        }
        if shift > 0 {
            self.rebase(cum, shift);
        }
    }
    /// Moves the cumulative TSN `shift` TSNs up from `cum`, dropping what it
    /// now covers from `above` and re-expressing the rest from the new point.
    fn rebase(&mut self, cum: u32, shift: u32) {
        self.above = self
            .above
            .iter()
            .filter(|o| **o > shift)
            .map(|o| o - shift)
            .collect();
        self.cum = Some(cum.wrapping_add(shift));
    }
    /// Gap Ack Blocks for a SACK (offsets from the cumulative TSN, RFC 9260 3.3.4).
    pub fn gap_blocks(&self) -> Vec<GapAckBlock> {
        let mut out: Vec<GapAckBlock> = Vec::new();
        for &o in &self.above {
            if o > u16::MAX as u32 {
                break;
            }
            let o = o as u16;
            match out.last_mut() {
                Some(b) if b.end + 1 == o => b.end = o,
                _ => out.push(GapAckBlock { start: o, end: o }),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_order_wraps() {
        assert!(tsn_lt(1, 2));
        assert!(tsn_lt(u32::MAX, 0));
        assert!(!tsn_lt(0, u32::MAX));
        assert!(!tsn_lt(5, 5));
    }

    #[test]
    fn in_order_gap_fill_and_duplicates() {
        let mut p = PeerTsns::default();
        p.start(100);
        assert_eq!(p.cum, Some(99));
        p.received(100);
        assert_eq!(p.cum, Some(100));
        p.received(102);
        p.received(103);
        p.received(105);
        assert_eq!(p.cum, Some(100));
        assert_eq!(
            p.gap_blocks(),
            vec![
                GapAckBlock { start: 2, end: 3 },
                GapAckBlock { start: 5, end: 5 }
            ]
        );
        p.received(101);
        assert_eq!(p.cum, Some(103));
        assert_eq!(p.gap_blocks(), vec![GapAckBlock { start: 2, end: 2 }]);
        p.received(100);
        p.received(105);
        assert_eq!(p.duplicates, vec![100, 105]);
    }

    #[test]
    fn wraps_around_zero() {
        let mut p = PeerTsns::default();
        p.start(u32::MAX);
        p.received(u32::MAX);
        p.received(0);
        assert_eq!(p.cum, Some(0));
    }

    #[test]
    fn forward_tsn_skips() {
        let mut p = PeerTsns::default();
        p.start(10);
        p.received(14);
        p.forward(12);
        assert_eq!(p.cum, Some(12));
        p.received(13);
        assert_eq!(p.cum, Some(14));
    }
}
