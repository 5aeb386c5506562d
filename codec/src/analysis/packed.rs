//! The notes of many packets packed into 64-bit words: what a DATA or SACK
//! note holds (RFC 9260 3.3.1, 3.3.4) written in 7 words where a
//! [`ChunkNote`] takes 15, its absent fields taking no room. For a pipeline
//! that hands the analysis of a batch of packets to another thread: on 2 M
//! small packets, writing the notes whole was half the cost of keeping them.
//! The other notes (AUTH, S-SCTP, HEARTBEAT ACK) are rare and kept whole.

use super::report::{
    Acked, AckedList, ChunkNote, DataNote, Message, Note, NoteSink, Retransmission, RevokedList,
    SackNote,
};

/// A note kept whole in [`PackedNotes::whole`]; the high half is its index.
const WHOLE: u64 = 0;
/// A DATA or I-DATA note; the high half is the TSN.
const DATA: u64 = 1;
/// A SACK or NR-SACK note; the high half is the Cumulative TSN Ack.
const SACK: u64 = 2;

// The flags of a DATA note (bits 24 to 31 of its first word).
const RETRANSMISSION: u64 = 1 << 24;
const FIRST_FRAME: u64 = 1 << 25;
const AFTER_NS: u64 = 1 << 26;
const ACKED_BEFORE: u64 = 1 << 27;
const OUT_OF_WINDOW: u64 = 1 << 28;
const MESSAGE: u64 = 1 << 29;
// The flags of a SACK note.
const A_RWND: u64 = 1 << 24;
const STALE: u64 = 1 << 25;

/// An acknowledged TSN sent more than once (bit 32 of its first word).
const RETRANSMITTED: u64 = 1 << 32;

/// The notes of many packets, packed; a packet's notes are the words
/// between the [`PackedNotes::len`] before and after they were pushed.
#[derive(Debug, Clone, Default)]
pub struct PackedNotes {
    words: Vec<u64>,
    whole: Vec<ChunkNote>,
}

impl PackedNotes {
    /// No notes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets every note, keeping the memory.
    pub fn clear(&mut self) {
        self.words.clear();
        self.whole.clear();
    }

    /// Where the next note goes: the end of the notes pushed so far.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether no note was pushed.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Appends to `out` the notes pushed between positions `from` and `to`
    /// (two values of [`PackedNotes::len`]), as they were pushed. Positions
    /// that are not such a pair give what the words there read as, never a
    /// panic.
    pub fn unpack(&self, from: usize, to: usize, out: &mut Vec<ChunkNote>) {
        let mut w = Words {
            words: self.words.get(from..to).unwrap_or_default(),
        };
        while let Some(head) = w.next() {
            let chunk = ((head >> 8) & 0xffff) as usize;
            let high = (head >> 32) as u32;
            let note = match head & 0xff {
                DATA => Note::Data(data(&mut w, head, high)),
                SACK => Note::Sack(sack(&mut w, head, high)),
                _ => match self.whole.get(high as usize) {
                    Some(n) => {
                        out.push(n.clone());
                        continue;
                    }
                    None => return,
                },
            };
            out.push(ChunkNote { chunk, note });
        }
    }

    fn push_data(&mut self, chunk: u64, d: &DataNote) {
        let mut head = DATA | chunk << 8 | u64::from(d.tsn) << 32;
        let mut count = 0;
        if let Some(r) = &d.retransmission {
            head |= RETRANSMISSION;
            head |= if r.first_frame.is_some() {
                FIRST_FRAME
            } else {
                0
            };
            head |= if r.after_ns.is_some() { AFTER_NS } else { 0 };
            count = r.count;
        }
        head |= if d.acked_before.is_some() {
            ACKED_BEFORE
        } else {
            0
        };
        head |= if d.out_of_window { OUT_OF_WINDOW } else { 0 };
        head |= if d.message.is_some() { MESSAGE } else { 0 };
        self.words.extend_from_slice(&[
            head,
            u64::from(d.bytes) | u64::from(d.stream) << 32,
            u64::from(d.gap) | u64::from(count) << 32,
            d.in_flight,
        ]);
        if let Some(r) = &d.retransmission {
            self.words.extend(r.first_frame);
            self.words.extend(r.after_ns.map(|n| n as u64));
        }
        self.words.extend(d.acked_before);
        if let Some(m) = &d.message {
            self.words
                .extend_from_slice(&[u64::from(m.fragments), m.bytes, m.first_frame]);
        }
    }

    fn push_sack(&mut self, chunk: u64, s: &SackNote) {
        let mut head = SACK | chunk << 8 | u64::from(s.cum_tsn_ack) << 32;
        head |= if s.a_rwnd.is_some() { A_RWND } else { 0 };
        head |= if s.stale { STALE } else { 0 };
        self.words.extend_from_slice(&[
            head,
            u64::from(s.a_rwnd.unwrap_or(0)) | u64::from(s.dup_tsns) << 32,
            s.acked.len() as u64 | (s.revoked.len() as u64) << 32,
            s.in_flight,
        ]);
        for a in &s.acked {
            let flag = if a.retransmitted { RETRANSMITTED } else { 0 };
            self.words
                .extend_from_slice(&[u64::from(a.tsn) | flag, a.frame, a.rtt_ns as u64]);
        }
        for pair in s.revoked.chunks(2) {
            let high = pair.get(1).map_or(0, |&t| u64::from(t) << 32);
            self.words.push(u64::from(pair[0]) | high);
        }
    }
}

impl NoteSink for PackedNotes {
    fn push(&mut self, n: ChunkNote) {
        // A chunk's position fits 16 bits (a packet of 65,535 bytes holds
        // at most 16,383 chunks, RFC 9260 3.2); a counter fits 32.
        let counts_fit = |s: &SackNote| {
            u32::try_from(s.acked.len()).is_ok() && u32::try_from(s.revoked.len()).is_ok()
        };
        match (u16::try_from(n.chunk), &n.note) {
            (Ok(c), Note::Data(d)) => self.push_data(u64::from(c), d),
            (Ok(c), Note::Sack(s)) if counts_fit(s) => self.push_sack(u64::from(c), s),
            _ => {
                let at = self.whole.len() as u64;
                self.words.push(WHOLE | at << 32);
                self.whole.push(n);
            }
        }
    }
}

/// The words of a packet's notes, read in order; zero past the end.
struct Words<'a> {
    words: &'a [u64],
}

impl Words<'_> {
    fn next(&mut self) -> Option<u64> {
        let (&w, rest) = self.words.split_first()?;
        self.words = rest;
        Some(w)
    }

    fn take(&mut self) -> u64 {
        self.next().unwrap_or(0)
    }
}

fn data(w: &mut Words<'_>, head: u64, tsn: u32) -> DataNote {
    let (sized, gap_count, in_flight) = (w.take(), w.take(), w.take());
    let retransmission = (head & RETRANSMISSION != 0).then(|| Retransmission {
        first_frame: (head & FIRST_FRAME != 0).then(|| w.take()),
        after_ns: (head & AFTER_NS != 0).then(|| w.take() as i64),
        count: (gap_count >> 32) as u32,
    });
    let acked_before = (head & ACKED_BEFORE != 0).then(|| w.take());
    let message = (head & MESSAGE != 0).then(|| Message {
        fragments: w.take() as u32,
        bytes: w.take(),
        first_frame: w.take(),
    });
    DataNote {
        tsn,
        stream: (sized >> 32) as u16,
        bytes: sized as u32,
        retransmission,
        acked_before,
        gap: gap_count as u32,
        out_of_window: head & OUT_OF_WINDOW != 0,
        message,
        in_flight,
    }
}

fn sack(w: &mut Words<'_>, head: u64, cum_tsn_ack: u32) -> SackNote {
    let (rwnd_dups, counts, in_flight) = (w.take(), w.take(), w.take());
    let (acked_n, revoked_n) = (counts as u32 as usize, (counts >> 32) as usize);
    // No more entries than words left: a bad position never allocates much.
    let mut acked = AckedList::new();
    for _ in 0..acked_n.min(w.words.len() / 3) {
        let (t, frame, rtt) = (w.take(), w.take(), w.take());
        acked.push(Acked {
            tsn: t as u32,
            frame,
            rtt_ns: rtt as i64,
            retransmitted: t & RETRANSMITTED != 0,
        });
    }
    let mut revoked = RevokedList::new();
    let mut left = revoked_n;
    while left > 0 {
        let Some(pair) = w.next() else { break };
        revoked.push(pair as u32);
        if left > 1 {
            revoked.push((pair >> 32) as u32);
        }
        left = left.saturating_sub(2);
    }
    SackNote {
        cum_tsn_ack,
        a_rwnd: (head & A_RWND != 0).then_some(rwnd_dups as u32),
        stale: head & STALE != 0,
        acked,
        revoked,
        dup_tsns: (rwnd_dups >> 32) as u16,
        in_flight,
    }
}
