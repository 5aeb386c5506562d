//! IP fragment reassembly for IPv4 (RFC 791 §3.2) and IPv6 (RFC 8200 §4.5),
//! with bounded memory: at most a given number of datagrams and bytes are
//! pending at once, the oldest datagram being dropped to make room.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::ops::Range;

/// Largest reassembled payload accepted: the 16-bit IP length fields cannot
/// describe more (RFC 791 Total Length, RFC 8200 Payload Length).
pub const MAX_REASSEMBLED_LEN: usize = 65_535;

/// Default cap on the number of datagrams pending reassembly.
pub const DEFAULT_MAX_DATAGRAMS: usize = 1024;

/// Default cap on the bytes buffered for datagrams pending reassembly.
pub const DEFAULT_MAX_BYTES: usize = 16 << 20;

/// Most holes a single datagram may have before it is given up on; bounds the
/// bookkeeping of a datagram sent as many tiny out-of-order fragments.
const MAX_RANGES_PER_DATAGRAM: usize = 1024;

/// Identifies the datagram a fragment belongs to: source, destination,
/// Identification and protocol (RFC 791 §3.2; RFC 8200 §4.5 keys on source,
/// destination and Identification, the Next Header being the same in every
/// fragment of a datagram).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FragmentKey {
    /// Source address of the fragments.
    pub src: IpAddr,
    /// Destination address of the fragments.
    pub dst: IpAddr,
    /// IPv4 Identification (16 bits) or IPv6 Fragment header Identification.
    pub id: u32,
    /// IPv4 Protocol or the Fragment header's Next Header.
    pub proto: u8,
}

/// A datagram being reassembled.
#[derive(Debug)]
struct Pending {
    /// Insertion sequence number, the key of `Defragmenter::order`.
    seq: u64,
    /// Payload bytes received so far; `len()` is the highest end seen.
    buf: Vec<u8>,
    /// Byte ranges received, sorted, disjoint and non-adjacent.
    have: Vec<Range<usize>>,
    /// Payload length, known once the last fragment (MF clear) arrived.
    total: Option<usize>,
}

/// Reassembles fragmented IP datagrams (RFC 791 §3.2, RFC 8200 §4.5).
///
/// Overlapping fragments keep the bytes that arrived first. Memory is
/// bounded: at most `max_datagrams` datagrams and `max_bytes` payload bytes
/// are pending; when a new fragment needs more, the oldest datagrams are
/// dropped (counted by [`evicted`](Self::evicted)).
#[derive(Debug)]
pub struct Defragmenter {
    max_datagrams: usize,
    max_bytes: usize,
    pending: HashMap<FragmentKey, Pending>,
    order: BTreeMap<u64, FragmentKey>,
    next_seq: u64,
    bytes: usize,
    evicted: u64,
}

impl Default for Defragmenter {
    fn default() -> Self {
        Self::new()
    }
}

impl Defragmenter {
    /// A reassembler with [`DEFAULT_MAX_DATAGRAMS`] and [`DEFAULT_MAX_BYTES`].
    pub fn new() -> Self {
        Self::with_limits(DEFAULT_MAX_DATAGRAMS, DEFAULT_MAX_BYTES)
    }

    /// A reassembler holding at most `max_datagrams` (at least 1) pending
    /// datagrams and `max_bytes` buffered payload bytes.
    pub fn with_limits(max_datagrams: usize, max_bytes: usize) -> Self {
        Defragmenter {
            max_datagrams: max_datagrams.max(1),
            max_bytes,
            pending: HashMap::new(),
            order: BTreeMap::new(),
            next_seq: 0,
            bytes: 0,
            evicted: 0,
        }
    }

    /// Number of datagrams waiting for more fragments.
    pub fn pending_datagrams(&self) -> usize {
        self.pending.len()
    }

    /// Payload bytes buffered (allocated) for pending datagrams.
    pub fn pending_bytes(&self) -> usize {
        self.bytes
    }

    /// Datagrams dropped so far because a limit was reached or their
    /// fragments contradicted each other.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Drops every pending datagram.
    pub fn clear(&mut self) {
        self.pending.clear();
        self.order.clear();
        self.bytes = 0;
    }

    /// Adds one fragment: `data` goes at byte `offset` of the datagram's
    /// payload, `more` is the More Fragments flag. Returns the whole payload
    /// when this fragment completes the datagram, `None` otherwise.
    ///
    /// Fragments reaching beyond [`MAX_REASSEMBLED_LEN`], or contradicting
    /// the length given by the last fragment, are dropped (the latter with
    /// their whole datagram).
    pub fn add_fragment(
        &mut self,
        key: FragmentKey,
        offset: usize,
        data: &[u8],
        more: bool,
    ) -> Option<Vec<u8>> {
        let end = offset.checked_add(data.len())?;
        if end > MAX_REASSEMBLED_LEN || (data.is_empty() && more) {
            return None;
        }
        if end > self.max_bytes {
            self.drop_datagram(&key);
            return None;
        }
        if !self.pending.contains_key(&key) {
            while self.pending.len() >= self.max_datagrams {
                if !self.evict_oldest_except(&key) {
                    break;
                }
            }
            let seq = self.next_seq;
            self.next_seq += 1;
            self.order.insert(seq, key);
            self.pending.insert(
                key,
                Pending {
                    seq,
                    buf: Vec::new(),
                    have: Vec::new(),
                    total: None,
                },
            );
        }

        // Make room for the bytes this fragment may add.
        let cap = self.pending.get(&key).map_or(0, |p| p.buf.capacity());
        let growth = end.saturating_sub(cap);
        while self.bytes + growth > self.max_bytes {
            if !self.evict_oldest_except(&key) {
                self.drop_datagram(&key);
                return None;
            }
        }

        let p = self.pending.get_mut(&key)?;
        // Consistency with the last fragment's length.
        let new_total = if more { p.total } else { Some(end) };
        let consistent = match (p.total, new_total) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        if !consistent
            || new_total.is_some_and(|t| end > t || p.buf.len() > t)
            || p.have.len() >= MAX_RANGES_PER_DATAGRAM
        {
            self.drop_datagram(&key);
            return None;
        }
        p.total = new_total;

        if end > p.buf.len() {
            let old_cap = p.buf.capacity();
            p.buf.reserve_exact(end - p.buf.len());
            p.buf.resize(end, 0);
            self.bytes += p.buf.capacity() - old_cap;
        }
        copy_gaps(&mut p.buf, &p.have, offset, data);
        insert_range(&mut p.have, offset..end);

        let complete = match (p.total, p.have.as_slice()) {
            (Some(t), [only]) => only.start == 0 && only.end == t,
            (Some(0), []) => true,
            _ => false,
        };
        if !complete {
            return None;
        }
        let p = self.pending.remove(&key)?;
        self.order.remove(&p.seq);
        self.bytes = self.bytes.saturating_sub(p.buf.capacity());
        let mut buf = p.buf;
        buf.truncate(p.total.unwrap_or(0));
        Some(buf)
    }

    /// Drops the oldest pending datagram other than `keep`; false if none.
    fn evict_oldest_except(&mut self, keep: &FragmentKey) -> bool {
        let victim = self.order.values().find(|k| *k != keep).copied();
        match victim {
            Some(k) => {
                self.drop_datagram(&k);
                true
            }
            None => false,
        }
    }

    fn drop_datagram(&mut self, key: &FragmentKey) {
        if let Some(p) = self.pending.remove(key) {
            self.order.remove(&p.seq);
            self.bytes = self.bytes.saturating_sub(p.buf.capacity());
            self.evicted += 1;
        }
    }
}

/// Copies the parts of `data` (destined for `offset..`) that fall in holes
/// of `have`, so bytes already received are kept.
fn copy_gaps(buf: &mut [u8], have: &[Range<usize>], offset: usize, data: &[u8]) {
    let end = offset + data.len();
    let mut cursor = offset;
    let mut copy = |from: usize, to: usize| {
        if let (Some(dst), Some(src)) =
            (buf.get_mut(from..to), data.get(from - offset..to - offset))
        {
            dst.copy_from_slice(src);
        }
    };
    for r in have {
        if r.end <= cursor {
            continue;
        }
        if r.start >= end {
            break;
        }
        if r.start > cursor {
            copy(cursor, r.start);
        }
        cursor = cursor.max(r.end);
        if cursor >= end {
            return;
        }
    }
    if cursor < end {
        copy(cursor, end);
    }
}

/// Adds `new` to the sorted, disjoint range list, merging overlapping and
/// adjacent ranges.
fn insert_range(have: &mut Vec<Range<usize>>, new: Range<usize>) {
    if new.is_empty() {
        return;
    }
    let at = have.partition_point(|r| r.start < new.start);
    have.insert(at, new);
    let mut merged: usize = 0;
    for i in 1..have.len() {
        let (start, end) = (have[i].start, have[i].end);
        if start <= have[merged].end {
            have[merged].end = have[merged].end.max(end);
        } else {
            merged += 1;
            have[merged] = start..end;
        }
    }
    have.truncate(merged + 1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn key(id: u32) -> FragmentKey {
        FragmentKey {
            src: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
            dst: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)),
            id,
            proto: 132,
        }
    }

    #[test]
    fn in_order_and_reverse_order_reassemble() {
        let payload: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
        for reverse in [false, true] {
            let mut d = Defragmenter::new();
            let mut parts: Vec<(usize, &[u8], bool)> = payload
                .chunks(1000)
                .enumerate()
                .map(|(i, c)| (i * 1000, c, i < 2))
                .collect();
            if reverse {
                parts.reverse();
            }
            let last = parts.len() - 1;
            for (i, (off, data, more)) in parts.into_iter().enumerate() {
                let out = d.add_fragment(key(7), off, data, more);
                if i == last {
                    assert_eq!(out.as_deref(), Some(payload.as_slice()));
                } else {
                    assert!(out.is_none());
                }
            }
            assert_eq!(d.pending_datagrams(), 0);
            assert_eq!(d.pending_bytes(), 0);
        }
    }

    #[test]
    fn overlap_keeps_first_bytes() {
        let mut d = Defragmenter::new();
        assert!(d.add_fragment(key(1), 0, &[1; 16], true).is_none());
        assert!(d.add_fragment(key(1), 8, &[2; 16], true).is_none());
        let out = d.add_fragment(key(1), 24, &[3; 8], false).unwrap();
        let mut want = vec![1u8; 16];
        want.extend([2; 8]);
        want.extend([3; 8]);
        assert_eq!(out, want);
    }

    #[test]
    fn limits_evict_oldest() {
        let mut d = Defragmenter::with_limits(2, 1 << 20);
        for id in 0..5 {
            assert!(d.add_fragment(key(id), 0, &[0; 8], true).is_none());
        }
        assert_eq!(d.pending_datagrams(), 2);
        assert_eq!(d.evicted(), 3);
        // The two newest (3 and 4) survive and can complete.
        assert!(d.add_fragment(key(4), 8, &[0; 8], false).is_some());
        assert!(d.add_fragment(key(0), 8, &[0; 8], false).is_none());

        let mut d = Defragmenter::with_limits(100, 4096);
        for id in 0..10 {
            assert!(d.add_fragment(key(id), 0, &[0; 1024], true).is_none());
            assert!(d.pending_bytes() <= 4096);
        }
        assert!(d.pending_datagrams() <= 4);
    }

    #[test]
    fn contradicting_lengths_drop_the_datagram() {
        let mut d = Defragmenter::new();
        assert!(d.add_fragment(key(9), 16, &[0; 8], false).is_none());
        assert!(d.add_fragment(key(9), 32, &[0; 8], true).is_none());
        assert_eq!(d.pending_datagrams(), 0);
        assert!(d.add_fragment(key(9), 65_530, &[0; 8], false).is_none());
    }

    #[test]
    fn ranges_merge() {
        let mut v = Vec::new();
        insert_range(&mut v, 10..20);
        insert_range(&mut v, 30..40);
        insert_range(&mut v, 20..30);
        assert_eq!(v, vec![10..40]);
        insert_range(&mut v, 0..5);
        insert_range(&mut v, 3..12);
        assert_eq!(v, vec![0..40]);
    }
}
