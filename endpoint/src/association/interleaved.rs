//! Reassembly of I-DATA (RFC 8260 2.1, 4): fragments carry a Message
//! Identifier and a Fragment Sequence Number instead of relying on
//! consecutive TSNs, so the fragments of messages on different streams may
//! interleave. Ordered messages are delivered by MID per stream (MIDs are 32
//! bits, compared in serial arithmetic), unordered ones as soon as whole;
//! ordered and unordered MIDs of a stream are separate sequences.

use std::collections::BTreeMap;

use super::reassembly::Message;
use crate::serial::lt32;

/// One I-DATA chunk's contents, as the reassembler keeps them.
#[derive(Debug, Clone, Copy)]
pub struct IFragment<'p> {
    /// Transmission Sequence Number.
    pub tsn: u32,
    /// Stream Identifier.
    pub stream: u16,
    /// Message Identifier.
    pub mid: u32,
    /// PPID when `beginning`, else the Fragment Sequence Number.
    pub ppid_or_fsn: u32,
    /// The U bit.
    pub unordered: bool,
    /// The B bit (FSN 0).
    pub beginning: bool,
    /// The E bit.
    pub ending: bool,
    /// User data.
    pub payload: &'p [u8],
}

#[derive(Debug, Default)]
struct Partial {
    ppid: Option<u32>,
    first_tsn: u32,
    /// Fragments by FSN.
    frags: BTreeMap<u32, Vec<u8>>,
    /// FSN of the E fragment, once seen.
    end: Option<u32>,
}

/// Messages being reassembled from I-DATA, and whole ordered messages
/// waiting for their turn.
#[derive(Debug)]
pub struct IdataReassembler {
    /// By (stream, unordered, MID).
    partial: BTreeMap<(u16, bool, u32), Partial>,
    /// Whole ordered messages before their turn, by (stream, MID).
    waiting: BTreeMap<(u16, u32), Message>,
    next_mid: Vec<u32>,
    buffered: usize,
}

impl IdataReassembler {
    /// A reassembler for `streams` inbound streams.
    pub fn new(streams: u16) -> Self {
        IdataReassembler {
            partial: BTreeMap::new(),
            waiting: BTreeMap::new(),
            next_mid: vec![0; streams as usize],
            buffered: 0,
        }
    }

    /// Inbound streams.
    pub fn streams(&self) -> u16 {
        self.next_mid.len() as u16
    }

    /// The peer reset `streams` (empty: all): their next MID is 0 (RFC 6525
    /// 5.2.2 with RFC 8260).
    pub fn reset_streams(&mut self, streams: &[u16]) {
        for (s, n) in self.next_mid.iter_mut().enumerate() {
            if streams.is_empty() || streams.contains(&(s as u16)) {
                *n = 0;
            }
        }
    }

    /// The peer added `count` outgoing streams (RFC 6525 5.2.5).
    pub fn add_streams(&mut self, count: u16) {
        let n = (self.next_mid.len() + count as usize).min(u16::MAX as usize);
        self.next_mid.resize(n, 0);
    }

    /// Bytes held.
    pub fn buffered(&self) -> usize {
        self.buffered
    }

    /// I-FORWARD-TSN (RFC 8260 2.3.1): per (stream, U, MID) listed, forget
    /// the fragments of that message and earlier ones; on ordered entries
    /// skip the stream past that MID, delivering the whole messages held up
    /// to it and then what waited behind it.
    pub fn forward(
        &mut self,
        entries: impl Iterator<Item = (u16, bool, u32)>,
        mut deliver: impl FnMut(Message),
    ) {
        for (stream, unordered, mid) in entries {
            let gone: Vec<(u16, bool, u32)> = self
                .partial
                .keys()
                .filter(|k| k.0 == stream && k.1 == unordered && !lt32(mid, k.2))
                .copied()
                .collect();
            for k in gone {
                if let Some(p) = self.partial.remove(&k) {
                    self.buffered -= p.frags.values().map(Vec::len).sum::<usize>();
                }
            }
            let s = stream as usize;
            if unordered || s >= self.next_mid.len() || lt32(mid, self.next_mid[s]) {
                continue;
            }
            // Whole messages held for their turn with a MID up to the listed
            // one arrived complete and were acknowledged: only the holes
            // between them were abandoned. Delivered in order.
            let mut m = self.next_mid[s];
            loop {
                if let Some(w) = self.waiting.remove(&(stream, m)) {
                    self.buffered -= w.data.len();
                    deliver(w);
                }
                if m == mid {
                    break;
                }
                m = m.wrapping_add(1);
            }
            let mut m = mid.wrapping_add(1);
            while let Some(w) = self.waiting.remove(&(stream, m)) {
                self.buffered -= w.data.len();
                deliver(w);
                m = m.wrapping_add(1);
            }
            self.next_mid[s] = m;
        }
    }

    /// Takes one new (not duplicate) I-DATA chunk on a valid stream; every
    /// message it completes that may be delivered goes to `deliver`.
    pub fn insert(&mut self, f: IFragment<'_>, mut deliver: impl FnMut(Message)) {
        let s = f.stream as usize;
        if s >= self.next_mid.len() {
            return;
        }
        // An ordered MID already delivered (or skipped) is stale.
        if !f.unordered && lt32(f.mid, self.next_mid[s]) {
            return;
        }
        let key = (f.stream, f.unordered, f.mid);
        let whole = f.beginning && f.ending;
        let m = if whole {
            Message {
                stream: f.stream,
                ssn: f.mid as u16,
                ppid: f.ppid_or_fsn,
                tsn: f.tsn,
                unordered: f.unordered,
                data: f.payload.to_vec(),
                complete: true,
            }
        } else {
            let p = self.partial.entry(key).or_default();
            let fsn = if f.beginning { 0 } else { f.ppid_or_fsn };
            if f.beginning {
                p.ppid = Some(f.ppid_or_fsn);
                p.first_tsn = f.tsn;
            }
            if f.ending {
                p.end = Some(fsn);
            }
            if p.frags.contains_key(&fsn) {
                return;
            }
            self.buffered += f.payload.len();
            p.frags.insert(fsn, f.payload.to_vec());
            let done =
                p.ppid.is_some() && p.end.is_some_and(|e| p.frags.len() as u64 == e as u64 + 1);
            if !done {
                return;
            }
            let p = self.partial.remove(&key).expect("present");
            let mut data = Vec::with_capacity(p.frags.values().map(Vec::len).sum());
            for frag in p.frags.values() {
                data.extend_from_slice(frag);
            }
            self.buffered -= data.len();
            Message {
                stream: f.stream,
                ssn: f.mid as u16,
                ppid: p.ppid.unwrap_or(0),
                tsn: p.first_tsn,
                unordered: f.unordered,
                data,
                complete: true,
            }
        };
        if f.unordered {
            deliver(m);
            return;
        }
        if f.mid != self.next_mid[s] {
            self.buffered += m.data.len();
            self.waiting.insert((f.stream, f.mid), m);
            return;
        }
        deliver(m);
        let mut mid = f.mid.wrapping_add(1);
        while let Some(w) = self.waiting.remove(&(f.stream, mid)) {
            self.buffered -= w.data.len();
            deliver(w);
            mid = mid.wrapping_add(1);
        }
        self.next_mid[s] = mid;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frag(
        tsn: u32,
        stream: u16,
        mid: u32,
        fsn: u32,
        flags: &str,
        data: &'static [u8],
    ) -> IFragment<'static> {
        IFragment {
            tsn,
            stream,
            mid,
            ppid_or_fsn: if flags.contains('B') { 99 } else { fsn },
            unordered: flags.contains('U'),
            beginning: flags.contains('B'),
            ending: flags.contains('E'),
            payload: data,
        }
    }

    #[test]
    fn interleaved_messages_reassemble_by_mid_and_fsn() {
        let mut r = IdataReassembler::new(2);
        let mut out = Vec::new();
        // Stream 0 MID 0 in three fragments, interleaved with stream 1's
        // whole MID 0 and stream 0's MID 1, which must wait.
        for f in [
            frag(1, 0, 0, 0, "B", b"ab"),
            frag(2, 1, 0, 0, "BE", b"other"),
            frag(3, 0, 1, 0, "BE", b"second"),
            frag(5, 0, 0, 2, "E", b"ef"),
            frag(4, 0, 0, 1, "", b"cd"),
        ] {
            r.insert(f, |m| out.push((m.stream, m.ssn, m.ppid, m.data)));
        }
        assert_eq!(
            out,
            [
                (1, 0, 99, b"other".to_vec()),
                (0, 0, 99, b"abcdef".to_vec()),
                (0, 1, 99, b"second".to_vec())
            ]
        );
        assert_eq!(r.buffered(), 0);
    }

    #[test]
    fn i_forward_tsn_skips_messages_and_releases_the_stream() {
        let mut r = IdataReassembler::new(1);
        let mut out = Vec::new();
        for f in [
            frag(1, 0, 0, 0, "B", b"lost tail"),
            frag(4, 0, 2, 0, "BE", b"after"),
        ] {
            r.insert(f, |m| out.push(m.data));
        }
        assert!(out.is_empty());
        r.forward([(0u16, false, 1u32)].into_iter(), |m| out.push(m.data));
        assert_eq!(out, [b"after".to_vec()]);
        assert_eq!(r.buffered(), 0);
    }

    /// MIDs 0 and 2 abandoned, MID 1 whole: the I-FORWARD-TSN names MID 2
    /// and MID 1 is still delivered, before MID 3.
    #[test]
    fn i_forward_tsn_delivers_whole_messages_between_the_skipped_ones() {
        let mut r = IdataReassembler::new(1);
        let mut out = Vec::new();
        for f in [
            frag(1, 0, 0, 0, "B", b"lost"),
            frag(3, 0, 1, 0, "BE", b"one"),
            frag(4, 0, 2, 0, "B", b"lost too"),
            frag(6, 0, 3, 0, "BE", b"three"),
        ] {
            r.insert(f, |m| out.push(m.data));
        }
        assert!(out.is_empty());
        r.forward([(0u16, false, 2u32)].into_iter(), |m| out.push(m.data));
        assert_eq!(out, [b"one".to_vec(), b"three".to_vec()]);
        assert_eq!(r.buffered(), 0);
    }

    #[test]
    fn unordered_mids_are_their_own_sequence() {
        let mut r = IdataReassembler::new(1);
        let mut out = Vec::new();
        for f in [
            frag(1, 0, 5, 0, "BE", b"ordered mid 5 waits"),
            frag(2, 0, 0, 1, "UE", b"y"),
            frag(3, 0, 0, 0, "UB", b"x"),
        ] {
            r.insert(f, |m| out.push(m.data));
        }
        assert_eq!(out, [b"xy".to_vec()]);
    }
}
