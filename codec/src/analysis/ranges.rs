//! A set of unwrapped TSNs kept as disjoint inclusive ranges: which TSNs a
//! direction has carried in DATA or I-DATA chunks (RFC 9260 3.3.1, RFC 8260
//! 2.1). A direction whose TSNs run in order is one range, whatever the
//! capture's length; the number of ranges is capped, the oldest dropped.

use std::collections::VecDeque;

/// Disjoint, non-adjacent inclusive ranges of unwrapped TSNs (RFC 9260 1.6).
#[derive(Debug, Clone, Default)]
pub struct Ranges {
    /// (start, end) inclusive, in order of start: a deque, since new TSNs
    /// mostly extend the last range and the oldest range leaves first.
    map: VecDeque<(u64, u64)>,
    cap: usize,
}

impl Ranges {
    /// An empty set holding at most `cap` ranges (at least 1).
    pub fn with_cap(cap: usize) -> Self {
        Ranges {
            map: VecDeque::new(),
            cap: cap.max(1),
        }
    }

    /// Number of ranges starting at or before `x`.
    fn upto(&self, x: u64) -> usize {
        self.map.partition_point(|&(s, _)| s <= x)
    }

    /// Whether `x` is in the set.
    pub fn contains(&self, x: u64) -> bool {
        // TSNs mostly run in order: the last range first.
        if let Some(&(s, e)) = self.map.back() {
            if x >= s {
                return x <= e;
            }
        }
        match self.upto(x) {
            0 => false,
            i => self.map[i - 1].1 >= x,
        }
    }

    /// Adds `x` (merged with its neighbours); whether it was not in the
    /// set yet. The usual cases, inline: `x` in the last range (a
    /// retransmission) or right after it (the next TSN).
    #[inline]
    pub fn insert(&mut self, x: u64) -> bool {
        if let Some((s, e)) = self.map.back_mut() {
            if x >= *s && x <= *e {
                return false;
            }
            if e.checked_add(1) == Some(x) {
                *e = x;
                return true;
            }
        }
        self.insert_elsewhere(x)
    }

    /// [`Ranges::insert`] of a value neither in nor right after the last
    /// range.
    #[inline(never)]
    fn insert_elsewhere(&mut self, x: u64) -> bool {
        if self.contains(x) {
            return false;
        }
        // Not contained: every range before `i` ends before `x`, and the
        // one at `i` (if any) starts after it.
        let i = self.upto(x);
        let before = i > 0 && self.map[i - 1].1.checked_add(1) == Some(x);
        let after = x
            .checked_add(1)
            .is_some_and(|n| self.map.get(i).is_some_and(|&(s, _)| s == n));
        match (before, after) {
            (true, true) => {
                self.map[i - 1].1 = self.map[i].1;
                self.map.remove(i);
            }
            (true, false) => self.map[i - 1].1 = x,
            (false, true) => self.map[i].0 = x,
            (false, false) => {
                self.map.insert(i, (x, x));
                while self.map.len() > self.cap {
                    self.map.pop_front();
                }
            }
        }
        true
    }

    /// Number of ranges.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjacent_values_merge_and_the_cap_drops_the_oldest() {
        let mut r = Ranges::with_cap(2);
        for x in [5, 6, 8, 7] {
            r.insert(x);
        }
        assert_eq!(r.len(), 1);
        assert!(r.contains(5) && r.contains(8) && !r.contains(9) && !r.contains(4));
        r.insert(20);
        r.insert(30);
        assert_eq!(r.len(), 2);
        assert!(!r.contains(6) && r.contains(20) && r.contains(30));
        r.insert(u64::MAX);
        assert!(r.contains(u64::MAX));
    }
}
