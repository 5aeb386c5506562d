//! Reassembly of fragmented user messages (DATA and I-DATA with B/E bits),
//! keyed per association direction and stream, in one pass over a capture.
//! Outcomes are stored per frame and chunk, so a re-dissection (GUI, second
//! pass) gives the same answer without re-adding fragments.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

/// Caps memory held by incomplete messages (bytes).
const MAX_PENDING_BYTES: usize = 64 << 20;
/// Caps a TSN/FSN walk over a message's fragments.
const MAX_FRAGMENTS: u32 = 65_536;

/// Identifies one message's fragments: direction, tag, stream, message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MsgKey {
    /// Source address and port.
    pub src: (Option<IpAddr>, u16),
    /// Destination address and port.
    pub dst: (Option<IpAddr>, u16),
    /// Verification tag.
    pub vtag: u32,
    /// Stream identifier.
    pub sid: u16,
    /// I-DATA: the MID (else 0; DATA messages are delimited by TSN runs).
    pub mid: u32,
    /// Unordered.
    pub unordered: bool,
    /// I-DATA (fragments ordered by FSN) or DATA (by TSN).
    pub idata: bool,
}

/// One fragment as received.
#[derive(Debug, Clone)]
pub struct Fragment {
    /// Its sequence number: TSN (DATA) or FSN (I-DATA, 0 for the first).
    pub seq: u32,
    /// B bit.
    pub begin: bool,
    /// E bit.
    pub end: bool,
    /// The PPID (meaningful on the first fragment of I-DATA, every DATA).
    pub ppi: u32,
    /// The frame it came in.
    pub frame: u32,
    /// Its user data.
    pub data: Vec<u8>,
}

/// A reassembled message.
#[derive(Debug, Clone)]
pub struct Message {
    /// The whole user message.
    pub data: Arc<Vec<u8>>,
    /// Its PPID.
    pub ppi: u32,
    /// (frame, length) of each fragment, in order.
    pub parts: Vec<(u32, usize)>,
}

/// What happened to one fragment.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// It completed a message.
    Complete(Message),
    /// It is part of a message completed in this frame (once known).
    Part {
        /// The frame the message was completed in.
        reassembled_in: Option<u32>,
    },
    /// A copy of a fragment seen before in another frame.
    Duplicate {
        /// The frame of the first copy.
        first: u32,
    },
}

/// The reassembly state of one capture file.
#[derive(Debug, Default)]
pub struct Reassembler {
    pending: HashMap<MsgKey, HashMap<u32, Fragment>>,
    pending_bytes: usize,
    /// Outcome per (frame, chunk offset).
    outcomes: HashMap<(u32, u32), Outcome>,
    /// Where each pending fragment's outcome is stored.
    where_: HashMap<(MsgKey, u32), (u32, u32)>,
    /// Recently completed messages per key: (first seq, last seq, frame).
    /// A fragment inside one is a retransmission, not a new message.
    done: HashMap<MsgKey, Vec<(u32, u32, u32)>>,
}

/// How many completed messages per key are remembered for duplicate checks.
const DONE_PER_KEY: usize = 64;

fn within(seq: u32, first: u32, last: u32) -> bool {
    seq.wrapping_sub(first) <= last.wrapping_sub(first)
}

impl Reassembler {
    /// The stored outcome of the chunk at `offset` of `frame`.
    pub fn outcome(&self, frame: u32, offset: u32) -> Option<&Outcome> {
        self.outcomes.get(&(frame, offset))
    }

    /// Adds a fragment (first pass only) and returns its outcome.
    pub fn add(&mut self, key: MsgKey, offset: u32, f: Fragment) -> Outcome {
        let frame = f.frame;
        let seq = f.seq;
        if let Some(d) = self.done.get(&key) {
            if let Some(&(_, _, in_frame)) = d.iter().find(|(a, b, _)| within(seq, *a, *b)) {
                let o = Outcome::Duplicate { first: in_frame };
                self.outcomes.insert((frame, offset), o.clone());
                return o;
            }
        }
        let msgs = self.pending.entry(key.clone()).or_default();
        if let Some(prev) = msgs.get(&seq) {
            let o = if prev.frame == frame {
                Outcome::Part {
                    reassembled_in: None,
                }
            } else {
                Outcome::Duplicate { first: prev.frame }
            };
            self.outcomes.insert((frame, offset), o.clone());
            return o;
        }
        if self.pending_bytes + f.data.len() > MAX_PENDING_BYTES {
            let o = Outcome::Part {
                reassembled_in: None,
            };
            self.outcomes.insert((frame, offset), o.clone());
            return o;
        }
        self.pending_bytes += f.data.len();
        msgs.insert(seq, f);
        self.where_.insert((key.clone(), seq), (frame, offset));
        let o = match self.try_complete(&key, seq, frame) {
            Some(m) => Outcome::Complete(m),
            None => Outcome::Part {
                reassembled_in: None,
            },
        };
        self.outcomes.insert((frame, offset), o.clone());
        o
    }

    /// Completes the message around `seq` if all its fragments are there.
    fn try_complete(&mut self, key: &MsgKey, seq: u32, in_frame: u32) -> Option<Message> {
        let msgs = self.pending.get(key)?;
        // Walk down to the first fragment.
        let mut first = seq;
        let mut n = 0;
        loop {
            let f = msgs.get(&first)?;
            if f.begin {
                break;
            }
            if key.idata && first == 0 {
                return None;
            }
            first = first.wrapping_sub(1);
            n += 1;
            if n > MAX_FRAGMENTS {
                return None;
            }
        }
        // Walk up to the last.
        let mut last = seq;
        loop {
            let f = msgs.get(&last)?;
            if f.end {
                break;
            }
            last = last.wrapping_add(1);
            n += 1;
            if n > MAX_FRAGMENTS {
                return None;
            }
        }
        let msgs = self.pending.get_mut(key)?;
        let mut data = Vec::new();
        let mut parts = Vec::new();
        let mut ppi = 0;
        let mut s = first;
        let mut done = Vec::new();
        loop {
            let f = msgs.remove(&s)?;
            if s == first {
                ppi = f.ppi;
            }
            parts.push((f.frame, f.data.len()));
            self.pending_bytes = self.pending_bytes.saturating_sub(f.data.len());
            data.extend_from_slice(&f.data);
            done.push(s);
            if s == last {
                break;
            }
            s = s.wrapping_add(1);
        }
        if msgs.is_empty() {
            self.pending.remove(key);
        }
        let d = self.done.entry(key.clone()).or_default();
        if d.len() >= DONE_PER_KEY {
            d.remove(0);
        }
        d.push((first, last, in_frame));
        for s in done {
            if let Some(w) = self.where_.remove(&(key.clone(), s)) {
                if s != seq {
                    self.outcomes.insert(
                        w,
                        Outcome::Part {
                            reassembled_in: Some(in_frame),
                        },
                    );
                }
            }
        }
        Some(Message {
            data: Arc::new(data),
            ppi,
            parts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> MsgKey {
        MsgKey {
            src: (None, 1),
            dst: (None, 2),
            vtag: 7,
            sid: 1,
            mid: 0,
            unordered: false,
            idata: false,
        }
    }

    fn frag(seq: u32, begin: bool, end: bool, frame: u32, d: &[u8]) -> Fragment {
        Fragment {
            seq,
            begin,
            end,
            ppi: 51,
            frame,
            data: d.to_vec(),
        }
    }

    #[test]
    fn out_of_order_fragments_complete_once() {
        let mut r = Reassembler::default();
        assert!(matches!(
            r.add(key(), 16, frag(10, true, false, 1, b"ab")),
            Outcome::Part { .. }
        ));
        assert!(matches!(
            r.add(key(), 16, frag(12, false, true, 2, b"ef")),
            Outcome::Part { .. }
        ));
        match r.add(key(), 16, frag(11, false, false, 3, b"cd")) {
            Outcome::Complete(m) => {
                assert_eq!(&m.data[..], b"abcdef");
                assert_eq!(m.parts, vec![(1, 2), (3, 2), (2, 2)]);
            }
            o => panic!("{o:?}"),
        }
        assert!(matches!(
            r.outcome(1, 16),
            Some(Outcome::Part {
                reassembled_in: Some(3)
            })
        ));
        // A retransmitted copy is a duplicate, not a new message.
        assert!(matches!(
            r.add(key(), 16, frag(10, true, false, 9, b"ab")),
            Outcome::Duplicate { first: 3 }
        ));
    }

    #[test]
    fn tsn_wraps() {
        let mut r = Reassembler::default();
        r.add(key(), 16, frag(u32::MAX, true, false, 1, b"a"));
        match r.add(key(), 16, frag(0, false, true, 2, b"b")) {
            Outcome::Complete(m) => assert_eq!(&m.data[..], b"ab"),
            o => panic!("{o:?}"),
        }
    }
}
