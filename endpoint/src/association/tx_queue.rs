//! The send buffer: user messages waiting to be sent, per stream, with their
//! Stream Sequence Numbers; a round-robin stream scheduler (RFC 8260 3.2's
//! "round robin" between messages); and fragmentation into DATA chunks that
//! fit the path (RFC 9260 6.9).

use std::collections::VecDeque;
use std::sync::Arc;

use crate::rules::SsnSequencer;

/// One user message waiting to be sent (RFC 6458 5.3.4's `sctp_sndinfo`).
#[derive(Debug)]
struct Queued {
    ssn: u16,
    ppid: u32,
    unordered: bool,
    data: Arc<[u8]>,
    /// Bytes already cut into DATA chunks.
    sent: usize,
}

/// The next piece of a message to put in a DATA chunk.
#[derive(Debug, Clone)]
pub struct Piece {
    /// Stream Identifier.
    pub stream: u16,
    /// Stream Sequence Number (0 for unordered messages).
    pub ssn: u16,
    /// Payload Protocol Identifier.
    pub ppid: u32,
    /// DATA flags: U (0x04), B (0x02), E (0x01).
    pub flags: u8,
    /// The whole message.
    pub data: Arc<[u8]>,
    /// The bytes of `data` this chunk carries.
    pub range: std::ops::Range<usize>,
}

/// Outbound streams: queued messages and the next SSN of each.
#[derive(Debug)]
pub struct TxQueue {
    queues: Vec<VecDeque<Queued>>,
    next_ssn: SsnSequencer,
    /// Streams with something queued, in round-robin order.
    active: VecDeque<u16>,
    /// A stream whose message is half cut: it must go on (RFC 9260 6.9:
    /// fragments of one message take consecutive TSNs).
    current: Option<u16>,
    bytes: usize,
}

impl TxQueue {
    /// A queue for `streams` outbound streams.
    pub fn new(streams: u16) -> Self {
        TxQueue {
            queues: (0..streams).map(|_| VecDeque::new()).collect(),
            next_ssn: SsnSequencer::new(streams),
            active: VecDeque::new(),
            current: None,
            bytes: 0,
        }
    }

    /// Outbound streams.
    pub fn streams(&self) -> u16 {
        self.queues.len() as u16
    }

    /// Changes the number of outbound streams to what the peer accepted
    /// (RFC 9260 5.1.1: min of our OS and its MIS).
    pub fn set_streams(&mut self, streams: u16) {
        self.queues.resize_with(streams as usize, VecDeque::new);
        self.next_ssn.set_streams(streams);
        self.active.retain(|&s| s < streams);
    }

    /// Bytes queued and not yet cut into chunks.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Whether nothing waits to be sent.
    pub fn is_empty(&self) -> bool {
        self.bytes == 0 && self.active.is_empty()
    }

    /// Queues a message; the caller checked the stream exists.
    pub fn push(&mut self, stream: u16, ppid: u32, unordered: bool, data: Arc<[u8]>) {
        let s = stream as usize;
        let ssn = self.next_ssn.assign_ssn(stream, unordered);
        if self.queues[s].is_empty() && self.current != Some(stream) {
            self.active.push_back(stream);
        }
        self.bytes += data.len();
        self.queues[s].push_back(Queued {
            ssn,
            ppid,
            unordered,
            data,
            sent: 0,
        });
    }

    /// Bytes left of the message `next_piece` would cut from.
    pub fn next_remaining(&self) -> Option<usize> {
        let stream = match self.current {
            Some(s) => s,
            None => *self.active.front()?,
        };
        let m = self.queues[stream as usize].front()?;
        Some(m.data.len() - m.sent)
    }

    /// Cuts the next chunk of at most `max_payload` bytes, from the message
    /// being cut or from the next stream in turn.
    pub fn next_piece(&mut self, max_payload: usize) -> Option<Piece> {
        let stream = match self.current {
            Some(s) => s,
            None => self.active.pop_front()?,
        };
        let q = &mut self.queues[stream as usize];
        let m = q.front_mut()?;
        let start = m.sent;
        let end = (start + max_payload.max(1)).min(m.data.len());
        let mut flags = 0;
        if m.unordered {
            flags |= 0x04;
        }
        if start == 0 {
            flags |= 0x02;
        }
        let piece_data = m.data.clone();
        let (ssn, ppid) = (m.ssn, m.ppid);
        m.sent = end;
        self.bytes -= end - start;
        if end == m.data.len() {
            flags |= 0x01;
            q.pop_front();
            self.current = None;
            if !q.is_empty() {
                self.active.push_back(stream);
            }
        } else {
            self.current = Some(stream);
        }
        Some(Piece {
            stream,
            ssn,
            ppid,
            flags,
            data: piece_data,
            range: start..end,
        })
    }

    /// Drops everything queued (abort), returning how many messages there were.
    pub fn clear(&mut self) -> usize {
        let n = self.queues.iter().map(|q| q.len()).sum();
        self.queues.iter_mut().for_each(|q| q.clear());
        self.active.clear();
        self.current = None;
        self.bytes = 0;
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(b: &[u8]) -> Arc<[u8]> {
        Arc::from(b)
    }

    #[test]
    fn fragments_carry_b_and_e_and_stay_consecutive() {
        let mut q = TxQueue::new(2);
        q.push(0, 1, false, msg(b"abcdefg"));
        q.push(1, 1, false, msg(b"xy"));
        let a = q.next_piece(3).unwrap();
        assert_eq!((a.stream, a.flags, a.range.clone()), (0, 0x02, 0..3));
        // Stream 1 must not cut in before stream 0's message is whole.
        let b = q.next_piece(3).unwrap();
        assert_eq!((b.stream, b.flags, b.range.clone()), (0, 0x00, 3..6));
        let c = q.next_piece(3).unwrap();
        assert_eq!((c.stream, c.flags, c.range.clone()), (0, 0x01, 6..7));
        let d = q.next_piece(3).unwrap();
        assert_eq!((d.stream, d.flags), (1, 0x03));
        assert!(q.next_piece(3).is_none());
        assert!(q.is_empty());
    }

    #[test]
    fn round_robin_between_streams_and_ssn_per_stream() {
        let mut q = TxQueue::new(3);
        for s in [0, 0, 1, 2, 1] {
            q.push(s, 0, false, msg(b"m"));
        }
        q.push(2, 0, true, msg(b"u"));
        let got: Vec<(u16, u16, u8)> = std::iter::from_fn(|| q.next_piece(100))
            .map(|p| (p.stream, p.ssn, p.flags))
            .collect();
        assert_eq!(
            got,
            [
                (0, 0, 3),
                (1, 0, 3),
                (2, 0, 3),
                (0, 1, 3),
                (1, 1, 3),
                (2, 0, 7)
            ]
        );
    }
}
