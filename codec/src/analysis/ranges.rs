//! A set of unwrapped TSNs kept as disjoint inclusive ranges: which TSNs a
//! direction has carried in DATA or I-DATA chunks (RFC 9260 3.3.1, RFC 8260
//! 2.1). A direction whose TSNs run in order is one range, whatever the
//! capture's length; the number of ranges is capped, the oldest dropped.

use std::collections::BTreeMap;

/// Disjoint, non-adjacent inclusive ranges of unwrapped TSNs (RFC 9260 1.6).
#[derive(Debug, Clone, Default)]
pub struct Ranges {
    /// start -> end (inclusive).
    map: BTreeMap<u64, u64>,
    cap: usize,
}

impl Ranges {
    /// An empty set holding at most `cap` ranges (at least 1).
    pub fn with_cap(cap: usize) -> Self {
        Ranges {
            map: BTreeMap::new(),
            cap: cap.max(1),
        }
    }

    /// Whether `x` is in the set.
    pub fn contains(&self, x: u64) -> bool {
        // TSNs mostly run in order: the last range first.
        if let Some((&s, &e)) = self.map.last_key_value() {
            if x >= s {
                return x <= e;
            }
        }
        self.map
            .range(..=x)
            .next_back()
            .is_some_and(|(_, &end)| end >= x)
    }

    /// Adds `x`; merges with neighbours.
    pub fn insert(&mut self, x: u64) {
        // The next TSN after the last range: that range grows.
        if let Some(mut last) = self.map.last_entry() {
            let e = last.get_mut();
            if e.checked_add(1) == Some(x) {
                *e = x;
                return;
            }
        }
        if self.contains(x) {
            return;
        }
        let before = self
            .map
            .range(..x)
            .next_back()
            .filter(|(_, &e)| e.checked_add(1) == Some(x))
            .map(|(&s, _)| s);
        let after = x
            .checked_add(1)
            .and_then(|n| self.map.get(&n).map(|&e| (n, e)));
        match (before, after) {
            (Some(s), Some((n, e))) => {
                self.map.remove(&n);
                self.map.insert(s, e);
            }
            (Some(s), None) => {
                self.map.insert(s, x);
            }
            (None, Some((n, e))) => {
                self.map.remove(&n);
                self.map.insert(x, e);
            }
            (None, None) => {
                self.map.insert(x, x);
                while self.map.len() > self.cap {
                    self.map.pop_first();
                }
            }
        }
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
