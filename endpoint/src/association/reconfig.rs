//! Stream reconfiguration (RE-CONFIG, RFC 6525): the request sequence
//! numbers of both sides, our one outstanding request and the ones queued
//! behind it, and the parameters to send (requests and responses). What a
//! request does to the streams is applied by the association; this module
//! decides and writes.

use std::collections::VecDeque;

use crate::wire::put_tlv;

/// RE-CONFIG parameter types (RFC 6525 4).
pub mod param {
    /// Outgoing SSN Reset Request (RFC 6525 4.1).
    pub const OUTGOING_SSN_RESET: u16 = 13;
    /// Incoming SSN Reset Request (RFC 6525 4.2).
    pub const INCOMING_SSN_RESET: u16 = 14;
    /// SSN/TSN Reset Request (RFC 6525 4.3).
    pub const SSN_TSN_RESET: u16 = 15;
    /// Re-configuration Response (RFC 6525 4.4).
    pub const RESPONSE: u16 = 16;
    /// Add Outgoing Streams Request (RFC 6525 4.5).
    pub const ADD_OUTGOING_STREAMS: u16 = 17;
    /// Add Incoming Streams Request (RFC 6525 4.6).
    pub const ADD_INCOMING_STREAMS: u16 = 18;
}

/// The Result of a Re-configuration Response (RFC 6525 4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReconfigResult {
    /// 0: Success - Nothing to do.
    NothingToDo,
    /// 1: Success - Performed.
    Performed,
    /// 2: Denied.
    Denied,
    /// 3: Error - Wrong SSN.
    WrongSsn,
    /// 4: Error - Request already in progress.
    AlreadyInProgress,
    /// 5: Error - Bad Sequence Number.
    BadSequenceNumber,
    /// 6: In progress.
    InProgress,
    /// Any other value.
    Other(u32),
}

impl ReconfigResult {
    /// The result from its number.
    pub fn from_u32(v: u32) -> Self {
        match v {
            0 => Self::NothingToDo,
            1 => Self::Performed,
            2 => Self::Denied,
            3 => Self::WrongSsn,
            4 => Self::AlreadyInProgress,
            5 => Self::BadSequenceNumber,
            6 => Self::InProgress,
            n => Self::Other(n),
        }
    }

    /// Its number on the wire.
    pub fn to_u32(self) -> u32 {
        match self {
            Self::NothingToDo => 0,
            Self::Performed => 1,
            Self::Denied => 2,
            Self::WrongSsn => 3,
            Self::AlreadyInProgress => 4,
            Self::BadSequenceNumber => 5,
            Self::InProgress => 6,
            Self::Other(n) => n,
        }
    }

    /// Success (Performed or Nothing to do).
    pub fn is_success(self) -> bool {
        matches!(self, Self::Performed | Self::NothingToDo)
    }
}

/// A request of ours (RFC 6525 5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Reset our outgoing streams (empty: all), 5.1.2.
    OutgoingReset {
        /// The streams.
        streams: Vec<u16>,
        /// The peer's request this answers (5.2.3), if any.
        answers: Option<u32>,
    },
    /// Ask the peer to reset its outgoing streams (our incoming), 5.1.3.
    IncomingReset {
        /// The streams.
        streams: Vec<u16>,
    },
    /// Reset the SSNs of every stream and the TSNs of both directions
    /// (SSN/TSN Reset Request, 5.1.4).
    ResetAssoc,
    /// Add outgoing streams (5.1.5) and ask for incoming ones (5.1.6).
    AddStreams {
        /// Outgoing streams to add.
        outgoing: u16,
        /// Incoming streams to ask the peer to add.
        incoming: u16,
    },
}

/// Our request on the wire, waiting for its response.
#[derive(Debug, Clone)]
pub struct Outstanding {
    /// Its Re-configuration Request Sequence Number (the first, when it
    /// holds two parameters).
    pub seq: u32,
    /// The request.
    pub request: Request,
    /// The parameters as sent (resent as they are).
    pub params: Vec<u8>,
    /// For an outgoing reset: Sender's Last Assigned TSN.
    pub last_tsn: u32,
}

/// What a peer's request asks the association to do (RFC 6525 5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerAsks {
    /// Reset these incoming streams (empty: all) once the cumulative TSN
    /// reaches `last_tsn` (5.2.2).
    ResetIncoming {
        /// Its sequence number.
        seq: u32,
        /// The Re-configuration Response Sequence Number it carries.
        answers: u32,
        /// Sender's Last Assigned TSN.
        last_tsn: u32,
        /// The streams.
        streams: Vec<u16>,
    },
    /// Reset our outgoing streams (5.2.3).
    ResetOutgoing {
        /// Its sequence number.
        seq: u32,
        /// The streams.
        streams: Vec<u16>,
    },
    /// Reset SSNs and TSNs (5.2.4).
    ResetAll {
        /// Its sequence number.
        seq: u32,
    },
    /// Accept `count` more incoming streams (5.2.5).
    AddIncoming {
        /// Its sequence number.
        seq: u32,
        /// How many.
        count: u16,
    },
    /// Add `count` outgoing streams (5.2.6).
    AddOutgoing {
        /// Its sequence number.
        seq: u32,
        /// How many.
        count: u16,
    },
    /// A response to a request of ours.
    Response {
        /// The sequence number it answers.
        seq: u32,
        /// The result.
        result: ReconfigResult,
        /// Sender's and Receiver's Next TSN, when present (the answer to an
        /// SSN/TSN Reset Request, RFC 6525 4.4).
        next_tsns: Option<(u32, u32)>,
    },
}

/// Reads the parameters of a RE-CONFIG chunk's value (RFC 6525 3.1);
/// `None` for a parameter too short for its type or an unknown type.
pub fn parse(value: &[u8]) -> Vec<Option<PeerAsks>> {
    let mut out = Vec::new();
    let mut rest = value;
    while rest.len() >= 4 {
        let t = u16::from_be_bytes([rest[0], rest[1]]);
        let len = u16::from_be_bytes([rest[2], rest[3]]) as usize;
        if len < 4 || len > rest.len() {
            out.push(None);
            break;
        }
        out.push(one(t, &rest[4..len]));
        rest = &rest[((len + 3) & !3).min(rest.len())..];
    }
    out
}

fn u32_at(v: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(v.get(at..at + 4)?.try_into().ok()?))
}

fn u16_at(v: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(v.get(at..at + 2)?.try_into().ok()?))
}

fn streams(v: &[u8]) -> Vec<u16> {
    v.chunks_exact(2)
        .map(|s| u16::from_be_bytes([s[0], s[1]]))
        .collect()
}

fn one(t: u16, v: &[u8]) -> Option<PeerAsks> {
    Some(match t {
        param::OUTGOING_SSN_RESET => PeerAsks::ResetIncoming {
            seq: u32_at(v, 0)?,
            answers: u32_at(v, 4)?,
            last_tsn: u32_at(v, 8)?,
            streams: streams(&v[12..]),
        },
        param::INCOMING_SSN_RESET => PeerAsks::ResetOutgoing {
            seq: u32_at(v, 0)?,
            streams: streams(&v[4..]),
        },
        param::SSN_TSN_RESET => PeerAsks::ResetAll { seq: u32_at(v, 0)? },
        param::ADD_OUTGOING_STREAMS => PeerAsks::AddIncoming {
            seq: u32_at(v, 0)?,
            count: u16_at(v, 4)?,
        },
        param::ADD_INCOMING_STREAMS => PeerAsks::AddOutgoing {
            seq: u32_at(v, 0)?,
            count: u16_at(v, 4)?,
        },
        param::RESPONSE => PeerAsks::Response {
            seq: u32_at(v, 0)?,
            result: ReconfigResult::from_u32(u32_at(v, 4)?),
            next_tsns: u32_at(v, 8).zip(u32_at(v, 12)),
        },
        _ => return None,
    })
}

/// How a peer request's sequence number stands (RFC 6525 5.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqCheck {
    /// The one expected: process it.
    New,
    /// The previous one again: answer with the same result.
    Repeat,
    /// Anything else: Error - Bad Sequence Number.
    Bad,
}

/// The peer's last request answered: its sequence number, the result, and
/// the next TSNs of an SSN/TSN reset (RFC 6525 5.2.1).
type LastAnswer = (u32, ReconfigResult, Option<(u32, u32)>);

/// RE-CONFIG state of one association.
#[derive(Debug)]
pub struct Reconfig {
    /// Our next Re-configuration Request Sequence Number (starts at our
    /// initial TSN, RFC 6525 5.1.1).
    next_seq: u32,
    /// The next one expected from the peer (its initial TSN).
    peer_seq: u32,
    /// The result we gave to the peer's last request (5.2.1: a request sent
    /// again gets it again), with the next TSNs of an SSN/TSN reset.
    last_result: Option<LastAnswer>,
    /// Our request waiting for its response.
    pub outstanding: Option<Outstanding>,
    /// Requests of the application waiting for the outstanding one.
    pub queued: VecDeque<Request>,
    /// Parameters to send in the next RE-CONFIG chunk.
    pub out: Vec<u8>,
    /// How often the outstanding request was sent again.
    pub retransmissions: u32,
}

impl Reconfig {
    /// State for an association with these initial TSNs.
    pub fn new(local_tsn: u32, peer_tsn: u32) -> Self {
        Reconfig {
            next_seq: local_tsn,
            peer_seq: peer_tsn,
            last_result: None,
            outstanding: None,
            queued: VecDeque::new(),
            out: Vec::new(),
            retransmissions: 0,
        }
    }

    /// Where a peer request's sequence number stands.
    pub fn check(&self, seq: u32) -> SeqCheck {
        if seq == self.peer_seq {
            SeqCheck::New
        } else if seq == self.peer_seq.wrapping_sub(1) && self.last_result.is_some() {
            SeqCheck::Repeat
        } else {
            SeqCheck::Bad
        }
    }

    /// Answers the peer's request `seq` with `result`; a final result moves
    /// on to the next sequence number (In progress does not, 5.2.2).
    pub fn respond(&mut self, seq: u32, result: ReconfigResult) {
        self.respond_with(seq, result, None);
    }

    /// Answers with the Sender's and Receiver's Next TSN fields too (the
    /// answer to an SSN/TSN Reset Request, RFC 6525 4.4 and 5.2.4 G6).
    pub fn respond_with(&mut self, seq: u32, result: ReconfigResult, tsns: Option<(u32, u32)>) {
        let mut v = [0u8; 16];
        v[..4].copy_from_slice(&seq.to_be_bytes());
        v[4..8].copy_from_slice(&result.to_u32().to_be_bytes());
        let len = match tsns {
            Some((sender, receiver)) => {
                v[8..12].copy_from_slice(&sender.to_be_bytes());
                v[12..16].copy_from_slice(&receiver.to_be_bytes());
                16
            }
            None => 8,
        };
        put_tlv(&mut self.out, param::RESPONSE, &v[..len]);
        if result != ReconfigResult::InProgress && seq == self.peer_seq {
            self.peer_seq = self.peer_seq.wrapping_add(1);
            self.last_result = Some((seq, result, tsns));
        }
    }

    /// Answers a request sent again with the result (and next TSNs) it
    /// got the first time (RFC 6525 5.2.1).
    pub fn respond_again(&mut self, seq: u32) {
        let (r, tsns) = match self.last_result {
            Some((_, r, tsns)) => (r, tsns),
            None => (ReconfigResult::Performed, None),
        };
        let mut v = [0u8; 16];
        v[..4].copy_from_slice(&seq.to_be_bytes());
        v[4..8].copy_from_slice(&r.to_u32().to_be_bytes());
        let len = match tsns {
            Some((sender, receiver)) => {
                v[8..12].copy_from_slice(&sender.to_be_bytes());
                v[12..16].copy_from_slice(&receiver.to_be_bytes());
                16
            }
            None => 8,
        };
        put_tlv(&mut self.out, param::RESPONSE, &v[..len]);
    }

    /// Records the result of the peer's request `seq` without a Response
    /// parameter (an Incoming SSN Reset Request is answered by our Outgoing
    /// one, 5.2.3).
    pub fn finish_peer(&mut self, seq: u32, result: ReconfigResult) {
        if result != ReconfigResult::InProgress && seq == self.peer_seq {
            self.peer_seq = self.peer_seq.wrapping_add(1);
            self.last_result = Some((seq, result, None));
        }
    }

    /// The result given to the peer's previous request.
    pub fn last_result(&self) -> Option<ReconfigResult> {
        self.last_result.map(|(_, r, _)| r)
    }

    /// Starts the next queued request if none is outstanding; the caller
    /// says whether an outgoing reset may go now (no message of those
    /// streams half sent) and gives the last TSN assigned.
    pub fn start_next(
        &mut self,
        last_tsn: u32,
        may_reset: impl Fn(&[u16]) -> bool,
    ) -> Option<&Outstanding> {
        if self.outstanding.is_some() {
            return None;
        }
        let req = self.queued.front()?;
        if let Request::OutgoingReset { streams, .. } = req {
            if !may_reset(streams) {
                return None;
            }
        }
        let req = self.queued.pop_front().expect("peeked");
        let seq = self.next_seq;
        let mut params = Vec::new();
        match &req {
            Request::OutgoingReset { streams, answers } => {
                let mut v = Vec::with_capacity(12 + 2 * streams.len());
                v.extend_from_slice(&seq.to_be_bytes());
                // The peer's request this answers, else the last one we
                // answered (RFC 6525 4.1).
                let resp = answers.unwrap_or(self.peer_seq.wrapping_sub(1));
                v.extend_from_slice(&resp.to_be_bytes());
                v.extend_from_slice(&last_tsn.to_be_bytes());
                for s in streams {
                    v.extend_from_slice(&s.to_be_bytes());
                }
                put_tlv(&mut params, param::OUTGOING_SSN_RESET, &v);
                self.next_seq = seq.wrapping_add(1);
            }
            Request::IncomingReset { streams } => {
                let mut v = Vec::with_capacity(4 + 2 * streams.len());
                v.extend_from_slice(&seq.to_be_bytes());
                for s in streams {
                    v.extend_from_slice(&s.to_be_bytes());
                }
                put_tlv(&mut params, param::INCOMING_SSN_RESET, &v);
                self.next_seq = seq.wrapping_add(1);
            }
            Request::ResetAssoc => {
                put_tlv(&mut params, param::SSN_TSN_RESET, &seq.to_be_bytes());
                self.next_seq = seq.wrapping_add(1);
            }
            Request::AddStreams { outgoing, incoming } => {
                let mut n = seq;
                for (t, count) in [
                    (param::ADD_OUTGOING_STREAMS, *outgoing),
                    (param::ADD_INCOMING_STREAMS, *incoming),
                ] {
                    if count > 0 {
                        let mut v = [0u8; 8];
                        v[..4].copy_from_slice(&n.to_be_bytes());
                        v[4..6].copy_from_slice(&count.to_be_bytes());
                        put_tlv(&mut params, t, &v);
                        n = n.wrapping_add(1);
                    }
                }
                self.next_seq = n;
            }
        }
        self.out.extend_from_slice(&params);
        self.retransmissions = 0;
        self.outstanding = Some(Outstanding {
            seq,
            request: req,
            params,
            last_tsn,
        });
        self.outstanding.as_ref()
    }

    /// The outstanding request is sent again (its timer expired).
    pub fn resend(&mut self) {
        if let Some(o) = &self.outstanding {
            self.out.extend_from_slice(&o.params);
            self.retransmissions += 1;
        }
    }

    /// Whether `seq` answers (one of the parameters of) our outstanding
    /// request.
    pub fn answers_outstanding(&self, seq: u32) -> bool {
        let Some(o) = &self.outstanding else {
            return false;
        };
        let n = match o.request {
            Request::AddStreams { outgoing, incoming } => {
                u32::from(outgoing > 0) + u32::from(incoming > 0)
            }
            _ => 1,
        };
        seq.wrapping_sub(o.seq) < n.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_numbered_from_the_initial_tsn_and_one_at_a_time() {
        let mut r = Reconfig::new(1000, 77);
        r.queued.push_back(Request::OutgoingReset {
            streams: vec![1, 2],
            answers: None,
        });
        r.queued
            .push_back(Request::IncomingReset { streams: vec![] });
        // An outgoing reset waits while a message of its streams is half sent.
        assert!(r.start_next(5, |_| false).is_none());
        let o = r.start_next(5, |_| true).unwrap();
        assert_eq!(o.seq, 1000);
        // Parameter 13: seq 1000, response seq 76 (peer's initial - 1),
        // last TSN 5, streams 1 and 2.
        assert_eq!(
            r.out,
            [0, 13, 0, 20, 0, 0, 3, 232, 0, 0, 0, 76, 0, 0, 0, 5, 0, 1, 0, 2]
        );
        assert!(r.start_next(6, |_| true).is_none(), "one outstanding");
        assert!(r.answers_outstanding(1000));
        assert!(!r.answers_outstanding(1001));
        r.outstanding = None;
        r.out.clear();
        let o = r.start_next(6, |_| true).unwrap();
        assert_eq!(o.seq, 1001);
        assert_eq!(r.out, [0, 14, 0, 8, 0, 0, 3, 233]);
    }

    #[test]
    fn add_streams_takes_two_sequence_numbers_and_both_answer() {
        let mut r = Reconfig::new(10, 0);
        r.queued.push_back(Request::AddStreams {
            outgoing: 3,
            incoming: 4,
        });
        r.start_next(0, |_| true).unwrap();
        let parsed = parse(&r.out);
        assert_eq!(
            parsed,
            vec![
                Some(PeerAsks::AddIncoming { seq: 10, count: 3 }),
                Some(PeerAsks::AddOutgoing { seq: 11, count: 4 })
            ]
        );
        assert!(r.answers_outstanding(10) && r.answers_outstanding(11));
        assert!(!r.answers_outstanding(12));
    }

    #[test]
    fn peer_sequence_numbers_new_repeat_and_bad() {
        let mut r = Reconfig::new(0, 500);
        assert_eq!(r.check(500), SeqCheck::New);
        assert_eq!(r.check(499), SeqCheck::Bad, "nothing answered yet");
        r.respond(500, ReconfigResult::InProgress);
        assert_eq!(r.check(500), SeqCheck::New, "in progress does not move on");
        r.respond(500, ReconfigResult::Performed);
        assert_eq!(r.check(501), SeqCheck::New);
        assert_eq!(r.check(500), SeqCheck::Repeat);
        assert_eq!(r.last_result(), Some(ReconfigResult::Performed));
        assert_eq!(r.check(7), SeqCheck::Bad);
        let parsed = parse(&r.out);
        assert_eq!(
            parsed[1],
            Some(PeerAsks::Response {
                seq: 500,
                result: ReconfigResult::Performed,
                next_tsns: None,
            })
        );
    }

    #[test]
    fn ssn_tsn_reset_request_and_its_response_with_next_tsns() {
        // RFC 6525 4.3: type 15, length 8, the request sequence number.
        let mut r = Reconfig::new(0x0102_0304, 9);
        r.queued.push_back(Request::ResetAssoc);
        r.start_next(0, |_| true).unwrap();
        assert_eq!(r.out, [0, 15, 0, 8, 1, 2, 3, 4]);
        assert_eq!(
            parse(&r.out),
            vec![Some(PeerAsks::ResetAll { seq: 0x0102_0304 })]
        );
        // RFC 6525 4.4: the Response to it is 20 bytes long with the
        // Sender's and the Receiver's Next TSN after the result.
        let mut p = Reconfig::new(0, 9);
        p.respond_with(9, ReconfigResult::Performed, Some((0xa0a0_a0a0, 7)));
        assert_eq!(
            p.out,
            [0, 16, 0, 20, 0, 0, 0, 9, 0, 0, 0, 1, 0xa0, 0xa0, 0xa0, 0xa0, 0, 0, 0, 7]
        );
        // The same request again gets the same answer, next TSNs included.
        assert_eq!(p.check(9), SeqCheck::Repeat);
        p.out.clear();
        p.respond_again(9);
        assert_eq!(
            parse(&p.out),
            vec![Some(PeerAsks::Response {
                seq: 9,
                result: ReconfigResult::Performed,
                next_tsns: Some((0xa0a0_a0a0, 7)),
            })]
        );
        // A Response of 8 bytes of value has no next TSNs; one cut after
        // the first of them has none either.
        assert_eq!(
            parse(&[0, 16, 0, 16, 0, 0, 0, 9, 0, 0, 0, 2, 0, 0, 0, 5]),
            vec![Some(PeerAsks::Response {
                seq: 9,
                result: ReconfigResult::Denied,
                next_tsns: None,
            })]
        );
    }

    #[test]
    fn truncated_parameters_parse_as_none() {
        assert_eq!(parse(&[0, 13, 0, 8, 0, 0, 0, 1]), vec![None]);
        assert_eq!(parse(&[0, 16, 0, 40, 0]), vec![None]);
        assert_eq!(parse(&[0, 99, 0, 4]), vec![None]);
    }
}
