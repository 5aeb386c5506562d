//! User messages put back together from their fragments at the capture
//! point: DATA fragments (RFC 9260 6.9: consecutive TSNs from the B to the E
//! chunk, one stream, one Stream Sequence Number when ordered) and I-DATA
//! fragments (RFC 8260 2.1: one Message Identifier, Fragment Sequence
//! Numbers from 0). Only incomplete messages are held, at most a configured
//! number of fragments; the oldest go first.

use std::collections::BTreeMap;

use super::report::Message;

/// One DATA fragment (neither B nor E alone would make a whole message).
#[derive(Debug, Clone, Copy)]
struct Frag {
    sid: u16,
    ssn: u16,
    unordered: bool,
    b: bool,
    e: bool,
    bytes: u32,
    frame: u64,
}

impl Frag {
    /// Whether `o` can belong to the same message (RFC 9260 6.9).
    fn same_message(&self, o: &Frag) -> bool {
        self.sid == o.sid && self.unordered == o.unordered && (self.unordered || self.ssn == o.ssn)
    }
}

/// An I-DATA message being put together (RFC 8260 2.1).
#[derive(Debug, Clone, Default)]
struct Partial {
    /// FSN -> bytes.
    fsns: BTreeMap<u32, u32>,
    last: Option<u32>,
    first_frame: u64,
}

/// A DATA chunk for [`Reassembly::data`] (RFC 9260 3.3.1).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DataFrag {
    pub at: u64,
    pub sid: u16,
    pub ssn: u16,
    pub unordered: bool,
    pub b: bool,
    pub e: bool,
    pub bytes: u32,
    pub frame: u64,
}

/// An I-DATA chunk for [`Reassembly::idata`] (RFC 8260 2.1).
#[derive(Debug, Clone, Copy)]
pub(crate) struct IDataFrag {
    pub sid: u16,
    pub unordered: bool,
    pub mid: u32,
    /// Fragment Sequence Number (0 for the B fragment, whose field is the PPID).
    pub fsn: u32,
    pub b: bool,
    pub e: bool,
    pub bytes: u32,
    pub frame: u64,
}

/// Messages of one direction being reassembled.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reassembly {
    frags: BTreeMap<u64, Frag>,
    idata: BTreeMap<(u16, bool, u32), Partial>,
    idata_frags: usize,
    cap: usize,
    /// Fragments dropped because the cap was reached.
    pub dropped: u64,
}

impl Reassembly {
    pub fn with_cap(cap: usize) -> Self {
        Reassembly {
            cap: cap.max(1),
            ..Reassembly::default()
        }
    }

    /// A DATA chunk seen for the first time; the message it completes, if any.
    #[inline]
    pub fn data(&mut self, f: DataFrag) -> Option<Message> {
        if f.b && f.e {
            return Some(Self::whole(f.bytes, f.frame));
        }
        self.data_fragment(f)
    }

    /// The message of a DATA chunk with both B and E set, in frame `frame`.
    #[inline]
    pub fn whole(bytes: u32, frame: u64) -> Message {
        Message {
            fragments: 1,
            bytes: u64::from(bytes),
            first_frame: frame,
        }
    }

    /// [`Reassembly::data`] of a fragment (B and E not both set).
    #[inline(never)]
    fn data_fragment(&mut self, f: DataFrag) -> Option<Message> {
        let frag = Frag {
            sid: f.sid,
            ssn: f.ssn,
            unordered: f.unordered,
            b: f.b,
            e: f.e,
            bytes: f.bytes,
            frame: f.frame,
        };
        self.frags.insert(f.at, frag);
        let done = self.complete_around(f.at, &frag);
        while self.frags.len() > self.cap {
            self.frags.pop_first();
            self.dropped += 1;
        }
        done
    }

    /// The message containing the fragment at `at`, when all its fragments
    /// are there: removed and returned.
    fn complete_around(&mut self, at: u64, frag: &Frag) -> Option<Message> {
        let mut start = at;
        let mut cur = *frag;
        while !cur.b {
            let prev = self.frags.get(&start.checked_sub(1)?)?;
            if prev.e || !prev.same_message(frag) {
                return None;
            }
            cur = *prev;
            start -= 1;
        }
        let mut end = at;
        cur = *frag;
        while !cur.e {
            let next = self.frags.get(&(end + 1))?;
            if next.b || !next.same_message(frag) {
                return None;
            }
            cur = *next;
            end += 1;
        }
        let mut m = Message {
            fragments: 0,
            bytes: 0,
            first_frame: u64::MAX,
        };
        for k in start..=end {
            if let Some(x) = self.frags.remove(&k) {
                m.fragments += 1;
                m.bytes += u64::from(x.bytes);
                m.first_frame = m.first_frame.min(x.frame);
            }
        }
        Some(m)
    }

    /// An I-DATA chunk seen for the first time; the message it completes.
    pub fn idata(&mut self, f: IDataFrag) -> Option<Message> {
        if f.b && f.e {
            return Some(Message {
                fragments: 1,
                bytes: u64::from(f.bytes),
                first_frame: f.frame,
            });
        }
        let key = (f.sid, f.unordered, f.mid);
        let fsn = if f.b { 0 } else { f.fsn };
        let p = self.idata.entry(key).or_insert_with(|| Partial {
            first_frame: f.frame,
            ..Partial::default()
        });
        p.first_frame = p.first_frame.min(f.frame);
        if p.fsns.insert(fsn, f.bytes).is_none() {
            self.idata_frags += 1;
        }
        if f.e {
            p.last = Some(fsn);
        }
        let complete = p
            .last
            .is_some_and(|l| p.fsns.contains_key(&0) && p.fsns.len() as u64 == u64::from(l) + 1);
        if complete {
            let p = self.idata.remove(&key)?;
            self.idata_frags = self.idata_frags.saturating_sub(p.fsns.len());
            return Some(Message {
                fragments: p.fsns.len() as u32,
                bytes: p.fsns.values().map(|&b| u64::from(b)).sum(),
                first_frame: p.first_frame,
            });
        }
        while self.idata_frags > self.cap {
            match self.idata.pop_first() {
                Some((_, p)) => {
                    self.idata_frags = self.idata_frags.saturating_sub(p.fsns.len());
                    self.dropped += p.fsns.len() as u64;
                }
                None => break,
            }
        }
        None
    }

    /// Fragments held.
    pub fn held(&self) -> usize {
        self.frags.len() + self.idata_frags
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frag(at: u64, b: bool, e: bool, frame: u64) -> DataFrag {
        DataFrag {
            at,
            sid: 1,
            ssn: 7,
            unordered: false,
            b,
            e,
            bytes: 10,
            frame,
        }
    }

    #[test]
    fn data_fragments_complete_in_any_order() {
        let mut r = Reassembly::with_cap(100);
        assert_eq!(r.data(frag(5, false, true, 3)), None);
        assert_eq!(r.data(frag(3, true, false, 1)), None);
        let m = r.data(frag(4, false, false, 4)).unwrap();
        assert_eq!((m.fragments, m.bytes, m.first_frame), (3, 30, 1));
        assert_eq!(r.held(), 0);
        // Another stream's fragment does not join.
        r.data(frag(10, true, false, 5));
        let mut other = frag(11, false, true, 6);
        other.sid = 2;
        assert_eq!(r.data(other), None);
    }

    #[test]
    fn idata_fragments_by_fsn() {
        let mut r = Reassembly::with_cap(100);
        let f = |fsn, b, e| IDataFrag {
            sid: 0,
            unordered: true,
            mid: 9,
            fsn,
            b,
            e,
            bytes: 5,
            frame: u64::from(fsn) + 1,
        };
        assert_eq!(r.idata(f(2, false, true)), None);
        assert_eq!(r.idata(f(1234, true, false)), None); // B: the field is the PPID
        let m = r.idata(f(1, false, false)).unwrap();
        assert_eq!((m.fragments, m.bytes, m.first_frame), (3, 15, 2));
    }

    #[test]
    fn the_cap_drops_the_oldest_fragments() {
        let mut r = Reassembly::with_cap(2);
        for at in [1, 3, 5] {
            r.data(frag(at, true, false, at));
        }
        assert_eq!(r.held(), 2);
        assert_eq!(r.dropped, 1);
    }
}
