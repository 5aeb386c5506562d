//! Reassembly of fragmented user messages and their delivery, ordered per
//! stream by Stream Sequence Number or unordered at once (RFC 9260 6.5, 6.6
//! and 6.9).

use std::collections::BTreeMap;

use crate::serial::Unwrapper;

/// One DATA chunk's contents, as the reassembler keeps them.
#[derive(Debug, Clone, Copy)]
pub struct Fragment<'p> {
    /// Transmission Sequence Number.
    pub tsn: u32,
    /// Stream Identifier.
    pub stream: u16,
    /// Stream Sequence Number.
    pub ssn: u16,
    /// Payload Protocol Identifier.
    pub ppid: u32,
    /// The U bit.
    pub unordered: bool,
    /// The B bit.
    pub beginning: bool,
    /// The E bit.
    pub ending: bool,
    /// User data.
    pub payload: &'p [u8],
}

/// A whole user message, ready for the application (RFC 6458 5.3.2's
/// `sctp_rcvinfo`: stream, SSN, PPID, TSN, flags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Stream Identifier.
    pub stream: u16,
    /// Stream Sequence Number (meaningless when unordered).
    pub ssn: u16,
    /// Payload Protocol Identifier.
    pub ppid: u32,
    /// TSN of the message's first fragment.
    pub tsn: u32,
    /// Sent with the U bit.
    pub unordered: bool,
    /// The user data.
    pub data: Vec<u8>,
    /// False for a piece of a message too large for the receive buffer,
    /// handed over before its end arrived (partial delivery, RFC 6458
    /// 8.1.21 `SCTP_PARTIAL_DELIVERY_POINT`; `MSG_EOR` not set): the pieces
    /// that follow on the same stream continue it, the last one is complete.
    pub complete: bool,
}

#[derive(Debug)]
struct Stored {
    stream: u16,
    ssn: u16,
    ppid: u32,
    unordered: bool,
    beginning: bool,
    ending: bool,
    data: Vec<u8>,
}

/// A message whose fragments have arrived in TSN order so far: they are
/// appended to one buffer as they come (no allocation per fragment, no copy
/// at the end).
#[derive(Debug)]
struct Partial {
    stream: u16,
    ssn: u16,
    ppid: u32,
    unordered: bool,
    first_tsn: u32,
    /// The unwrapped TSN the next fragment must have.
    next: u64,
    data: Vec<u8>,
    /// Pieces of it were handed over already (partial delivery).
    delivering: bool,
}

/// Fragments waiting for the rest of their message, and whole ordered
/// messages waiting for their turn on the stream.
#[derive(Debug)]
pub struct Reassembler {
    tsns: Unwrapper,
    /// Messages being appended to in TSN order (a few at most: one per
    /// stream and ordering being sent).
    partial: Vec<Partial>,
    /// Fragments of incomplete messages by unwrapped TSN.
    fragments: BTreeMap<u64, Stored>,
    /// Whole ordered messages that arrived before their turn, by (stream, SSN).
    waiting: BTreeMap<(u16, u16), Message>,
    /// Next SSN to deliver, per inbound stream.
    next_ssn: Vec<u16>,
    /// Bytes held here (counted against the receive window).
    buffered: usize,
    /// Above this many bytes held, the message whose turn it is is handed
    /// over in pieces (RFC 6458 8.1.21).
    pd_point: usize,
    /// Messages handed over in part that can no longer complete (stream,
    /// SSN, unordered), for `SCTP_PARTIAL_DELIVERY_ABORTED` (RFC 6458 6.1.7).
    aborted: Vec<(u16, u16, bool)>,
}

impl Reassembler {
    /// A reassembler for `streams` inbound streams, whose peer starts at TSN
    /// `initial_tsn`.
    pub fn new(streams: u16, initial_tsn: u32) -> Self {
        Reassembler {
            tsns: Unwrapper::new(initial_tsn),
            partial: Vec::new(),
            fragments: BTreeMap::new(),
            waiting: BTreeMap::new(),
            next_ssn: vec![0; streams as usize],
            buffered: 0,
            pd_point: usize::MAX,
            aborted: Vec::new(),
        }
    }

    /// Sets the partial delivery point (RFC 6458 8.1.21): with more than
    /// `bytes` held, the message whose turn it is is handed over in pieces,
    /// so that one message larger than the receive window cannot stall the
    /// association.
    pub fn set_partial_delivery_point(&mut self, bytes: usize) {
        self.pd_point = bytes.max(1);
    }

    /// Hands over what arrived of a message whose turn it is, when too much
    /// is held (see [`Reassembler::set_partial_delivery_point`]).
    fn partial_delivery(&mut self, deliver: &mut impl FnMut(Message)) {
        if self.buffered <= self.pd_point {
            return;
        }
        let next_ssn = &self.next_ssn;
        let Some(p) = self
            .partial
            .iter_mut()
            .find(|p| p.unordered || next_ssn.get(p.stream as usize).is_some_and(|&n| n == p.ssn))
        else {
            return;
        };
        if p.data.is_empty() {
            return;
        }
        let cap = p.data.capacity();
        let data = std::mem::replace(&mut p.data, Vec::with_capacity(cap));
        p.delivering = true;
        self.buffered -= data.len();
        deliver(Message {
            stream: p.stream,
            ssn: p.ssn,
            ppid: p.ppid,
            tsn: p.first_tsn,
            unordered: p.unordered,
            data,
            complete: false,
        });
    }

    /// The messages being handed over in pieces that can no longer
    /// complete (RFC 6458 6.1.7 `SCTP_PARTIAL_DELIVERY_ABORTED`): (stream,
    /// SSN, unordered), once each, oldest first. Called when the
    /// association ends or restarts, for every one still in progress.
    pub fn take_aborted(&mut self, all: bool) -> Vec<(u16, u16, bool)> {
        if all {
            for p in self.partial.iter_mut().filter(|p| p.delivering) {
                p.delivering = false;
                self.aborted.push((p.stream, p.ssn, p.unordered));
            }
        }
        std::mem::take(&mut self.aborted)
    }

    /// Inbound streams.
    pub fn streams(&self) -> u16 {
        self.next_ssn.len() as u16
    }

    /// The peer reset `streams` (empty: all): their next SSN is 0 (RFC 6525
    /// 5.2.2; by then every earlier TSN has arrived).
    pub fn reset_streams(&mut self, streams: &[u16]) {
        // A message handed over in part on a reset stream is over.
        let aborted = &mut self.aborted;
        let mut freed = 0;
        self.partial.retain(|p| {
            let gone = p.delivering && (streams.is_empty() || streams.contains(&p.stream));
            if gone {
                aborted.push((p.stream, p.ssn, p.unordered));
                freed += p.data.len();
            }
            !gone
        });
        self.buffered -= freed;
        for (s, n) in self.next_ssn.iter_mut().enumerate() {
            if streams.is_empty() || streams.contains(&(s as u16)) {
                *n = 0;
            }
        }
    }

    /// The peer added `count` outgoing streams (RFC 6525 5.2.5).
    pub fn add_streams(&mut self, count: u16) {
        let n = (self.next_ssn.len() + count as usize).min(u16::MAX as usize);
        self.next_ssn.resize(n, 0);
    }

    /// Bytes held for incomplete or out-of-turn messages.
    pub fn buffered(&self) -> usize {
        self.buffered
    }

    /// Takes one new (not duplicate) DATA chunk whose stream is valid; every
    /// message it completes and that may be delivered goes to `deliver`, in
    /// delivery order.
    pub fn insert(&mut self, f: Fragment<'_>, mut deliver: impl FnMut(Message)) {
        if f.beginning && f.ending {
            let m = Message {
                stream: f.stream,
                ssn: f.ssn,
                ppid: f.ppid,
                tsn: f.tsn,
                unordered: f.unordered,
                data: f.payload.to_vec(),
                complete: true,
            };
            self.complete(m, &mut deliver);
            return;
        }
        let key = self.tsns.unwrap(f.tsn);
        self.buffered += f.payload.len();
        // Fast path: the next fragment of a message being appended to, or the
        // first fragment of a new one.
        if let Some(i) = self.partial.iter().position(|p| {
            p.next == key
                && p.stream == f.stream
                && p.unordered == f.unordered
                && (f.unordered || p.ssn == f.ssn)
                && !f.beginning
        }) {
            self.partial[i].data.extend_from_slice(f.payload);
            self.partial[i].next += 1;
            if f.ending {
                self.finish_partial(i, &mut deliver);
            } else {
                self.absorb(i, &mut deliver);
            }
            self.partial_delivery(&mut deliver);
            return;
        }
        if f.beginning && !self.fragments.contains_key(&(key + 1)) {
            let mut data = Vec::with_capacity(f.payload.len() * 8);
            data.extend_from_slice(f.payload);
            self.partial.push(Partial {
                stream: f.stream,
                ssn: f.ssn,
                ppid: f.ppid,
                unordered: f.unordered,
                first_tsn: f.tsn,
                next: key + 1,
                data,
                delivering: false,
            });
            self.partial_delivery(&mut deliver);
            return;
        }
        self.fragments.insert(
            key,
            Stored {
                stream: f.stream,
                ssn: f.ssn,
                ppid: f.ppid,
                unordered: f.unordered,
                beginning: f.beginning,
                ending: f.ending,
                data: f.payload.to_vec(),
            },
        );
        if let Some(m) = self.try_assemble(key) {
            self.complete(m, &mut deliver);
        }
    }

    /// FORWARD TSN (RFC 3758 3.6): forgets fragments at or below `new_cum`
    /// (their messages were abandoned) and, on each listed stream, skips the
    /// SSNs up to the one given: whole messages held for their turn with an
    /// SSN up to it are delivered, in order (they arrived complete and were
    /// acknowledged: only the holes between them were abandoned, as FreeBSD's
    /// and Linux's receivers deliver them), then what waited behind it.
    pub fn forward(
        &mut self,
        new_cum: u32,
        streams: impl Iterator<Item = (u16, u16)>,
        mut deliver: impl FnMut(Message),
    ) {
        let cum = self.tsns.peek(new_cum);
        let keep = self.fragments.split_off(&(cum + 1));
        for (_, f) in std::mem::replace(&mut self.fragments, keep) {
            self.buffered -= f.data.len();
        }
        let mut freed = 0;
        let aborted = &mut self.aborted;
        self.partial.retain(|p| {
            let gone = p.next <= cum + 1;
            if gone {
                freed += p.data.len();
                // Skipped by the sender: the rest never comes.
                if p.delivering {
                    aborted.push((p.stream, p.ssn, p.unordered));
                }
            }
            !gone
        });
        self.buffered -= freed;
        for (stream, ssn) in streams {
            let Some(&next) = self.next_ssn.get(stream as usize) else {
                continue;
            };
            if crate::serial::lt16(ssn, next) {
                continue; // already past it
            }
            let mut s = next;
            loop {
                if let Some(w) = self.waiting.remove(&(stream, s)) {
                    self.buffered -= w.data.len();
                    deliver(w);
                }
                if s == ssn {
                    break;
                }
                s = s.wrapping_add(1);
            }
            let mut s = ssn.wrapping_add(1);
            while let Some(w) = self.waiting.remove(&(stream, s)) {
                self.buffered -= w.data.len();
                deliver(w);
                s = s.wrapping_add(1);
            }
            self.next_ssn[stream as usize] = s;
        }
    }

    /// Appends to partial `i` the stored fragments that now follow it.
    fn absorb(&mut self, i: usize, deliver: &mut impl FnMut(Message)) {
        loop {
            let p = &self.partial[i];
            let Some(s) = self.fragments.get(&p.next) else {
                return;
            };
            if s.beginning
                || s.stream != p.stream
                || s.unordered != p.unordered
                || (!s.unordered && s.ssn != p.ssn)
            {
                return;
            }
            let next = p.next;
            let s = self.fragments.remove(&next).expect("present");
            let p = &mut self.partial[i];
            p.data.extend_from_slice(&s.data);
            p.next += 1;
            if s.ending {
                self.finish_partial(i, deliver);
                return;
            }
        }
    }

    /// Partial `i` got its last fragment.
    fn finish_partial(&mut self, i: usize, deliver: &mut impl FnMut(Message)) {
        let p = self.partial.swap_remove(i);
        self.buffered -= p.data.len();
        let m = Message {
            stream: p.stream,
            ssn: p.ssn,
            ppid: p.ppid,
            tsn: p.first_tsn,
            unordered: p.unordered,
            data: p.data,
            complete: true,
        };
        self.complete(m, deliver);
    }

    /// Whether two fragments belong to the same message (RFC 9260 6.9).
    fn same_message(a: &Stored, b: &Stored) -> bool {
        a.stream == b.stream && a.unordered == b.unordered && (a.unordered || a.ssn == b.ssn)
    }

    /// The message fragment `key` completes, if it completes one.
    fn try_assemble(&mut self, key: u64) -> Option<Message> {
        let me = self.fragments.get(&key)?;
        // Walk back to the B fragment through consecutive TSNs.
        let mut first = key;
        let mut cur = me;
        while !cur.beginning {
            let prev = self.fragments.get(&(first - 1))?;
            if !Self::same_message(prev, cur) || prev.ending {
                return None;
            }
            first -= 1;
            cur = prev;
        }
        let mut last = key;
        let mut cur = me;
        while !cur.ending {
            let next = self.fragments.get(&(last + 1))?;
            if !Self::same_message(next, cur) || next.beginning {
                return None;
            }
            last += 1;
            cur = next;
        }
        let mut data = Vec::new();
        let mut head = None;
        for k in first..=last {
            let s = self.fragments.remove(&k)?;
            self.buffered -= s.data.len();
            if head.is_none() {
                data = s.data;
                head = Some((s.stream, s.ssn, s.ppid, s.unordered));
            } else {
                data.extend_from_slice(&s.data);
            }
        }
        let (stream, ssn, ppid, unordered) = head?;
        Some(Message {
            stream,
            ssn,
            ppid,
            tsn: first as u32,
            unordered,
            data,
            complete: true,
        })
    }

    /// A whole message: deliver it now, or keep it until its turn.
    fn complete(&mut self, m: Message, deliver: &mut impl FnMut(Message)) {
        if m.unordered {
            deliver(m);
            return;
        }
        let s = m.stream as usize;
        let Some(&next) = self.next_ssn.get(s) else {
            return; // the caller checks streams; nothing to deliver to
        };
        if m.ssn != next {
            self.buffered += m.data.len();
            self.waiting.insert((m.stream, m.ssn), m);
            return;
        }
        let stream = m.stream;
        let mut ssn = next.wrapping_add(1);
        deliver(m);
        while let Some(w) = self.waiting.remove(&(stream, ssn)) {
            self.buffered -= w.data.len();
            deliver(w);
            ssn = ssn.wrapping_add(1);
        }
        self.next_ssn[s] = ssn;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frag(
        tsn: u32,
        stream: u16,
        ssn: u16,
        flags: &str,
        data: &'static [u8],
    ) -> Fragment<'static> {
        Fragment {
            tsn,
            stream,
            ssn,
            ppid: 51,
            unordered: flags.contains('U'),
            beginning: flags.contains('B'),
            ending: flags.contains('E'),
            payload: data,
        }
    }

    fn run(r: &mut Reassembler, fs: &[Fragment<'static>]) -> Vec<(u16, u16, Vec<u8>)> {
        let mut out = Vec::new();
        for f in fs {
            r.insert(*f, |m| out.push((m.stream, m.ssn, m.data)));
        }
        out
    }

    #[test]
    fn fragments_join_in_tsn_order_whatever_the_arrival() {
        let mut r = Reassembler::new(2, 10);
        let out = run(
            &mut r,
            &[
                frag(12, 0, 0, "E", b"c"),
                frag(10, 0, 0, "B", b"a"),
                frag(11, 0, 0, "", b"b"),
            ],
        );
        assert_eq!(out, [(0, 0, b"abc".to_vec())]);
        assert_eq!(r.buffered(), 0);
    }

    #[test]
    fn ordered_waits_for_its_turn_per_stream() {
        let mut r = Reassembler::new(2, 1);
        let out = run(
            &mut r,
            &[
                frag(2, 0, 1, "BE", b"second"),
                frag(3, 1, 0, "BE", b"other stream"),
                frag(1, 0, 0, "BE", b"first"),
            ],
        );
        assert_eq!(
            out,
            [
                (1, 0, b"other stream".to_vec()),
                (0, 0, b"first".to_vec()),
                (0, 1, b"second".to_vec())
            ]
        );
        assert_eq!(r.buffered(), 0);
    }

    #[test]
    fn unordered_is_delivered_at_once() {
        let mut r = Reassembler::new(1, 1);
        let out = run(
            &mut r,
            &[
                frag(2, 0, 1, "BE", b"ordered later"),
                frag(3, 0, 0, "UBE", b"now"),
            ],
        );
        assert_eq!(out, [(0, 0, b"now".to_vec())]);
    }

    #[test]
    fn interleaved_unordered_fragments_do_not_mix() {
        let mut r = Reassembler::new(1, 1);
        // Two unordered messages, back to back in TSN order.
        let out = run(
            &mut r,
            &[
                frag(2, 0, 0, "UE", b"1"),
                frag(4, 0, 0, "UE", b"2"),
                frag(3, 0, 0, "UB", b"x"),
                frag(1, 0, 0, "UB", b"y"),
            ],
        );
        assert_eq!(out, [(0, 0, b"x2".to_vec()), (0, 0, b"y1".to_vec())]);
    }

    #[test]
    fn forward_tsn_skips_abandoned_messages_and_releases_the_stream() {
        let mut r = Reassembler::new(2, 1);
        // TSN 1-2: a message on stream 0 (SSN 0) whose end never comes;
        // TSN 4: SSN 2 on stream 0 waits for SSN 1 (TSN 3, abandoned).
        let mut out = run(
            &mut r,
            &[
                frag(1, 0, 0, "B", b"a"),
                frag(4, 0, 2, "BE", b"after"),
                frag(5, 1, 0, "B", b"kept"),
            ],
        );
        assert!(out.is_empty());
        r.forward(3, [(0u16, 1u16)].into_iter(), |m| {
            out.push((m.stream, m.ssn, m.data))
        });
        assert_eq!(out, [(0, 2, b"after".to_vec())]);
        // The fragment above the new cumulative TSN is kept.
        assert_eq!(r.buffered(), 4);
        let more = run(&mut r, &[frag(6, 1, 0, "E", b"!")]);
        assert_eq!(more, [(1, 0, b"kept!".to_vec())]);
        assert_eq!(r.buffered(), 0);
    }

    /// SSNs 0 and 2 abandoned, SSN 1 arrived whole (and was acknowledged):
    /// the FORWARD TSN names SSN 2, the largest skipped (RFC 3758 3.5 C4),
    /// and SSN 1 must still be delivered, before SSN 3.
    #[test]
    fn forward_tsn_delivers_whole_messages_between_the_skipped_ones() {
        let mut r = Reassembler::new(1, 1);
        let mut out = run(
            &mut r,
            &[
                frag(1, 0, 0, "B", b"lost"),
                frag(3, 0, 1, "BE", b"one"),
                frag(4, 0, 2, "B", b"lost too"),
                frag(6, 0, 3, "BE", b"three"),
            ],
        );
        assert!(out.is_empty());
        r.forward(5, [(0u16, 2u16)].into_iter(), |m| {
            out.push((m.stream, m.ssn, m.data))
        });
        assert_eq!(out, [(0, 1, b"one".to_vec()), (0, 3, b"three".to_vec())]);
        assert_eq!(r.buffered(), 0);
    }

    #[test]
    fn a_message_larger_than_the_window_comes_in_pieces_in_turn() {
        let mut r = Reassembler::new(1, 1);
        r.set_partial_delivery_point(4);
        let mut out = Vec::new();
        let mut push = |r: &mut Reassembler, f: Fragment<'static>| {
            r.insert(f, |m| out.push((m.ssn, m.data, m.complete)));
        };
        // SSN 1 (TSN 1-2) arrives whole first, then SSN 0 in 4 fragments.
        push(&mut r, frag(10, 0, 1, "BE", b"next"));
        push(&mut r, frag(6, 0, 0, "B", b"ab"));
        push(&mut r, frag(7, 0, 0, "", b"cd"));
        push(&mut r, frag(8, 0, 0, "", b"ef"));
        push(&mut r, frag(9, 0, 0, "E", b"g"));
        assert_eq!(
            out,
            [
                (0, b"ab".to_vec(), false),
                (0, b"cd".to_vec(), false),
                (0, b"ef".to_vec(), false),
                (0, b"g".to_vec(), true),
                (1, b"next".to_vec(), true)
            ]
        );
        assert_eq!(r.buffered(), 0);
    }

    #[test]
    fn a_message_in_pieces_skipped_or_reset_is_reported_aborted_once() {
        let mut r = Reassembler::new(2, 1);
        r.set_partial_delivery_point(2);
        let mut out = Vec::new();
        r.insert(frag(1, 1, 0, "B", b"abc"), |m| out.push(m.complete));
        r.insert(frag(2, 1, 0, "", b"def"), |m| out.push(m.complete));
        assert_eq!(out, [false, false], "handed over in pieces");
        assert!(r.take_aborted(false).is_empty(), "still in progress");
        // FORWARD TSN (RFC 3758 3.6) past its fragments: it never completes.
        r.forward(2, [(1u16, 0u16)].into_iter(), |_| {
            panic!("nothing to deliver")
        });
        assert_eq!(r.take_aborted(false), [(1, 0, false)]);
        assert!(r.take_aborted(true).is_empty(), "reported once");
        assert_eq!(r.buffered(), 0);
        // A stream reset (RFC 6525) while SSN 1 is in pieces, then an
        // unordered one in pieces when the association ends.
        r.insert(frag(3, 1, 1, "B", b"abc"), |_| {});
        r.insert(frag(4, 0, 0, "UB", b"xyz"), |_| {});
        r.reset_streams(&[1]);
        assert_eq!(r.take_aborted(false), [(1, 1, false)]);
        let mut pieces = 0;
        r.insert(frag(5, 0, 0, "U", b"more"), |_| pieces += 1);
        assert_eq!(pieces, 1);
        assert_eq!(r.take_aborted(true), [(0, 0, true)]);
    }

    #[test]
    fn ssn_wraps() {
        let mut r = Reassembler::new(1, 1);
        r.next_ssn[0] = 0xffff;
        let out = run(
            &mut r,
            &[frag(2, 0, 0, "BE", b"b"), frag(1, 0, 0xffff, "BE", b"a")],
        );
        assert_eq!(out, [(0, 0xffff, b"a".to_vec()), (0, 0, b"b".to_vec())]);
    }

    #[test]
    fn any_arrival_order_delivers_every_message_once_and_in_turn() {
        let mut seed = 0x5eed_u64;
        let mut rnd = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for round in 0..300 {
            // Messages on 3 streams, some unordered, 1 to 5 fragments each,
            // TSNs consecutive in sending order.
            // (tsn, stream, ssn, unordered, beginning, ending, payload)
            type Frag = (u32, u16, u16, bool, bool, bool, Vec<u8>);
            let mut frags: Vec<Frag> = Vec::new();
            let mut ssn = [0u16; 3];
            let mut want = Vec::new();
            let mut tsn = 1000u32.wrapping_add(round * 7919);
            let first_tsn = tsn;
            for m in 0..20u8 {
                let stream = rnd(3) as u16;
                let unordered = rnd(4) == 0;
                let n = 1 + rnd(5) as usize;
                let s = if unordered { 0 } else { ssn[stream as usize] };
                if !unordered {
                    ssn[stream as usize] += 1;
                }
                let mut body = Vec::new();
                for k in 0..n {
                    let part = vec![m, k as u8, stream as u8];
                    body.extend_from_slice(&part);
                    frags.push((tsn, stream, s, unordered, k == 0, k == n - 1, part));
                    tsn = tsn.wrapping_add(1);
                }
                want.push((stream, unordered, body));
            }
            // Shuffle the arrival order.
            for i in (1..frags.len()).rev() {
                let j = rnd(i as u64 + 1) as usize;
                frags.swap(i, j);
            }
            let mut r = Reassembler::new(3, first_tsn);
            let mut got = Vec::new();
            for (tsn, stream, ssn, unordered, b, e, data) in &frags {
                let f = Fragment {
                    tsn: *tsn,
                    stream: *stream,
                    ssn: *ssn,
                    ppid: 0,
                    unordered: *unordered,
                    beginning: *b,
                    ending: *e,
                    payload: data,
                };
                r.insert(f, |m| got.push((m.stream, m.unordered, m.data)));
            }
            assert_eq!(r.buffered(), 0, "round {round}");
            assert_eq!(got.len(), want.len(), "round {round}");
            let mut left = want.clone();
            for g in &got {
                let i = left
                    .iter()
                    .position(|w| w == g)
                    .unwrap_or_else(|| panic!("round {round}: {g:?} not sent or delivered twice"));
                left.remove(i);
            }
            // Ordered messages come out in sending order per stream.
            for s in 0..3u16 {
                let sent: Vec<_> = want.iter().filter(|w| w.0 == s && !w.1).collect();
                let out: Vec<_> = got.iter().filter(|g| g.0 == s && !g.1).collect();
                assert_eq!(sent, out, "round {round} stream {s}");
            }
        }
    }
}
