//! What RE-CONFIG (RFC 6525) does to an association's streams: the
//! application's requests (reset outgoing or incoming streams, add
//! streams), the peer's requests and responses applied to the send queue
//! and the reassemblers, the retransmission timer, and the events.

use std::time::Instant;

use sctp_codec::chunk::ty;
use sctp_codec::view::ChunkView;

use super::reconfig::{PeerAsks, ReconfigResult, Request, SeqCheck};
use super::{transmit, Association, State};
use crate::events::Event;

/// Why a stream reconfiguration was not started (RFC 6525 6.3 errors in
/// spirit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReconfigError {
    /// No such association.
    NoAssociation,
    /// RE-CONFIG was not negotiated (both must list it, RFC 6525 3.1).
    NotNegotiated,
    /// The association is not established.
    NotEstablished,
    /// A stream that does not exist.
    InvalidStream,
    /// More than 65,535 streams.
    TooManyStreams,
    /// An SSN/TSN reset needs nothing queued or in flight (RFC 6525 5.1.4
    /// resets the TSNs under it; usrsctp refuses it so too, with EBUSY).
    Busy,
}

impl std::fmt::Display for ReconfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ReconfigError::NoAssociation => "no such association",
            ReconfigError::NotNegotiated => "RE-CONFIG was not negotiated",
            ReconfigError::NotEstablished => "the association is not established",
            ReconfigError::InvalidStream => "no such stream",
            ReconfigError::TooManyStreams => "more than 65,535 streams",
            ReconfigError::Busy => "data is still queued or in flight",
        })
    }
}

impl std::error::Error for ReconfigError {}

impl Association {
    /// Queues a request of the application (RFC 6525 5.1).
    pub(crate) fn reconfig_request(
        &mut self,
        now: Instant,
        req: Request,
    ) -> Result<(), ReconfigError> {
        if self.reconfig.is_none() {
            return Err(ReconfigError::NotNegotiated);
        }
        if self.state != State::Established {
            return Err(ReconfigError::NotEstablished);
        }
        match &req {
            Request::OutgoingReset { streams, .. } => {
                if streams.iter().any(|s| *s >= self.tx.streams()) {
                    return Err(ReconfigError::InvalidStream);
                }
                // No new message on them until the peer answers (5.1.2).
                self.tx.pause(streams);
            }
            Request::IncomingReset { streams } => {
                if streams.iter().any(|s| *s >= self.inbound_streams()) {
                    return Err(ReconfigError::InvalidStream);
                }
            }
            Request::ResetAssoc => {
                if !self.tx.is_empty() || !self.rtx.is_empty() {
                    return Err(ReconfigError::Busy);
                }
                // Nothing new goes out until the peer answers (5.1.4).
                self.tx.pause(&[]);
            }
            Request::AddStreams { outgoing, incoming } => {
                if self.tx.streams() as u32 + *outgoing as u32 > u16::MAX as u32
                    || self.inbound_streams() as u32 + *incoming as u32 > u16::MAX as u32
                {
                    return Err(ReconfigError::TooManyStreams);
                }
            }
        }
        if let Some(rc) = self.reconfig.as_mut() {
            rc.queued.push_back(req);
        }
        self.reconfig_pump(now);
        Ok(())
    }

    /// Starts both directions' TSNs again (RFC 6525 5.2.4 G1-G5 on the
    /// side asked, 5.1.4 on the side that asked): the peer's next DATA
    /// carries `peer_next`, ours `our_next`; what was in flight counts as
    /// acknowledged, what waited for a missing TSN is skipped, and every
    /// stream's SSN (or MID) starts at 0 both ways.
    fn restart_tsns(&mut self, peer_next: u32, our_next: u32) {
        let retransmissions = self.rtx.retransmissions;
        self.rtx = super::retransmit::RetransmitQueue::new(our_next);
        self.rtx.retransmissions = retransmissions;
        self.flight.iter_mut().for_each(|f| *f = 0);
        self.t3.iter_mut().for_each(|t| *t = None);
        self.fwd_tsn_sent = None;
        self.send_fwd_tsn = false;
        self.ecne_tsn = None;
        self.cwr_tsn = None;
        self.cwr_out = None;
        let inbound = self.inbound_streams();
        if self.rx.is_some() {
            self.rx = Some(super::data_tracker::DataTracker::new(
                peer_next,
                self.cfg.sack_every,
                self.cfg.sack_delay,
            ));
        }
        if self.reasm.is_some() {
            self.report_pd_aborted(true);
            let mut r = super::reassembly::Reassembler::new(inbound, peer_next);
            r.set_partial_delivery_point(self.cfg.pd_point());
            self.reasm = Some(r);
        }
        if self.ireasm.is_some() {
            self.ireasm = Some(super::interleaved::IdataReassembler::new(inbound));
        }
        self.tx.reset_numbers(&[]);
    }

    /// Inbound streams now.
    fn inbound_streams(&self) -> u16 {
        match (&self.reasm, &self.ireasm) {
            (_, Some(r)) if self.idata => r.streams(),
            (Some(r), _) => r.streams(),
            _ => 0,
        }
    }

    /// Sends the next queued request when none is outstanding.
    pub(crate) fn reconfig_pump(&mut self, now: Instant) {
        let last_tsn = self.rtx.next_tsn().0.wrapping_sub(1);
        let tx = &self.tx;
        let Some(rc) = self.reconfig.as_mut() else {
            return;
        };
        if rc.start_next(last_tsn, |s| !tx.cutting(s)).is_some() {
            self.reconfig_timer = Some(now + self.paths[self.primary].rto);
        }
    }

    /// Moves the RE-CONFIG parameters waiting to go out into a chunk.
    pub(crate) fn reconfig_flush(&mut self) {
        if let Some(rc) = self.reconfig.as_mut() {
            if !rc.out.is_empty() {
                let mut c = Vec::with_capacity(4 + rc.out.len());
                transmit::chunk_bytes(&mut c, ty::RE_CONFIG, 0, &rc.out);
                rc.out.clear();
                self.control.push_back(c);
            }
        }
    }

    /// The RE-CONFIG timer expired: the outstanding request goes again
    /// (RFC 6525 5.1.1), and counts as an error of the association.
    pub(crate) fn on_reconfig_timeout(&mut self, now: Instant) {
        let cfg = self.cfg.clone();
        let Some(rc) = self.reconfig.as_mut() else {
            self.reconfig_timer = None;
            return;
        };
        if rc.outstanding.is_none() {
            self.reconfig_timer = None;
            return;
        }
        rc.resend();
        let p = &mut self.paths[self.primary];
        p.back_off(&cfg);
        self.reconfig_timer = Some(now + p.rto);
        self.errors += 1;
        if self.errors > cfg.assoc_max_retrans {
            self.queue_abort(&[], crate::events::Reason::Timeout);
        }
    }

    /// A RE-CONFIG chunk (RFC 6525 5.2).
    pub(crate) fn on_reconfig(&mut self, now: Instant, c: &ChunkView<'_>) {
        for ask in super::reconfig::parse(c.value()).into_iter().flatten() {
            self.on_reconfig_param(now, ask);
        }
        self.reconfig_pump(now);
    }

    fn on_reconfig_param(&mut self, now: Instant, ask: PeerAsks) {
        let id = self.id;
        let cum = self.rx.as_ref().map(|r| r.cum_tsn());
        let inbound_now = self.inbound_streams();
        // An SSN/TSN reset waits while our data is in flight or a message
        // is half sent (its TSNs and SSN would change under it).
        let tx_busy = !self.rtx.is_empty() || self.tx.cutting(&[]);
        let our_next = self.rtx.next_tsn().0;
        let Some(rc) = self.reconfig.as_mut() else {
            return;
        };
        // A request sent again gets the same answer; a wrong number gets
        // Bad Sequence Number (RFC 6525 5.2.1).
        let seq = match &ask {
            PeerAsks::ResetIncoming { seq, .. }
            | PeerAsks::ResetOutgoing { seq, .. }
            | PeerAsks::ResetAll { seq, .. }
            | PeerAsks::AddIncoming { seq, .. }
            | PeerAsks::AddOutgoing { seq, .. } => Some(*seq),
            PeerAsks::Response { .. } => None,
        };
        if let Some(seq) = seq {
            // An Outgoing SSN Reset Request may answer our Incoming one.
            if let PeerAsks::ResetIncoming { answers, .. } = &ask {
                let ours = rc.outstanding.as_ref().is_some_and(|o| {
                    o.seq == *answers && matches!(o.request, Request::IncomingReset { .. })
                });
                if ours {
                    rc.outstanding = None;
                    self.reconfig_timer = None;
                }
            }
            match rc.check(seq) {
                SeqCheck::Repeat => {
                    if !matches!(ask, PeerAsks::ResetOutgoing { .. }) {
                        rc.respond_again(seq);
                    }
                    return;
                }
                SeqCheck::Bad => {
                    rc.respond(seq, ReconfigResult::BadSequenceNumber);
                    return;
                }
                SeqCheck::New => {}
            }
        }
        match ask {
            PeerAsks::ResetIncoming {
                seq,
                last_tsn,
                streams,
                ..
            } => {
                if streams.iter().any(|s| *s >= inbound_now) {
                    rc.respond(seq, ReconfigResult::WrongSsn);
                    return;
                }
                // 5.2.2: only once every TSN up to the sender's last
                // assigned one has arrived; until then, In progress.
                let reached = cum.is_some_and(|c| crate::serial::Tsn(last_tsn).le(c));
                if !reached {
                    rc.respond(seq, ReconfigResult::InProgress);
                    return;
                }
                rc.respond(seq, ReconfigResult::Performed);
                if let Some(r) = self.reasm.as_mut() {
                    r.reset_streams(&streams);
                }
                self.report_pd_aborted(false);
                if let Some(r) = self.ireasm.as_mut() {
                    r.reset_streams(&streams);
                }
                self.events.push_back(Event::StreamReset {
                    id,
                    outgoing: false,
                    streams,
                    result: ReconfigResult::Performed,
                });
            }
            PeerAsks::ResetOutgoing { seq, streams } => {
                if streams.iter().any(|s| *s >= self.tx.streams()) {
                    rc.respond(seq, ReconfigResult::WrongSsn);
                    return;
                }
                if rc.outstanding.is_some() || !rc.queued.is_empty() {
                    rc.respond(seq, ReconfigResult::InProgress);
                    return;
                }
                // 5.2.3: answered by our own Outgoing SSN Reset Request,
                // whose Response Sequence Number is this request's.
                rc.finish_peer(seq, ReconfigResult::Performed);
                self.tx.pause(&streams);
                rc.queued.push_back(Request::OutgoingReset {
                    streams,
                    answers: Some(seq),
                });
            }
            PeerAsks::ResetAll { seq } => {
                // SSN/TSN reset (RFC 6525 5.2.4). With a request of ours
                // open, or our data in flight, not now: In progress, and
                // the peer asks again on its timer (performing it would
                // count our data in flight as acknowledged, G3, and lose it).
                if rc.outstanding.is_some() || !rc.queued.is_empty() || tx_busy {
                    rc.respond(seq, ReconfigResult::InProgress);
                    return;
                }
                // G1: the peer's next TSN, the smallest TSN we have not
                // acknowledged plus 2^31; G2: ours, the highest we sent
                // plus 1; G6: both in the Response.
                let Some(cum) = cum else {
                    rc.respond(seq, ReconfigResult::Denied);
                    return;
                };
                let peer_next = cum.0.wrapping_add(1).wrapping_add(1 << 31);
                rc.respond_with(seq, ReconfigResult::Performed, Some((our_next, peer_next)));
                // G3-G5: acknowledge all, skip all, every SSN back to 0.
                self.restart_tsns(peer_next, our_next);
                self.events.push_back(Event::AssocReset {
                    id,
                    local_tsn: our_next,
                    remote_tsn: peer_next,
                    result: ReconfigResult::Performed,
                });
            }
            PeerAsks::AddIncoming { seq, count } => {
                let inbound = inbound_now as u32 + count as u32;
                if inbound > self.cfg.max_inbound_streams as u32 {
                    rc.respond(seq, ReconfigResult::Denied);
                    return;
                }
                rc.respond(seq, ReconfigResult::Performed);
                if let Some(r) = self.reasm.as_mut() {
                    r.add_streams(count);
                }
                if let Some(r) = self.ireasm.as_mut() {
                    r.add_streams(count);
                }
                self.events.push_back(Event::StreamChange {
                    id,
                    streams: (self.tx.streams(), inbound as u16),
                    result: ReconfigResult::Performed,
                });
            }
            PeerAsks::AddOutgoing { seq, count } => {
                if self.tx.streams() as u32 + count as u32 > u16::MAX as u32 {
                    rc.respond(seq, ReconfigResult::Denied);
                    return;
                }
                if rc.outstanding.is_some() || !rc.queued.is_empty() {
                    rc.respond(seq, ReconfigResult::InProgress);
                    return;
                }
                // 5.2.6: Performed, and our Add Outgoing Streams Request.
                rc.respond(seq, ReconfigResult::Performed);
                rc.queued.push_back(Request::AddStreams {
                    outgoing: count,
                    incoming: 0,
                });
            }
            PeerAsks::Response {
                seq,
                result,
                next_tsns,
            } => self.on_reconfig_response(seq, result, next_tsns),
        }
        let _ = now;
    }

    /// A Re-configuration Response to our request (RFC 6525 5.2.7).
    fn on_reconfig_response(
        &mut self,
        seq: u32,
        result: ReconfigResult,
        next_tsns: Option<(u32, u32)>,
    ) {
        let id = self.id;
        let Some(rc) = self.reconfig.as_mut() else {
            return;
        };
        if !rc.answers_outstanding(seq) {
            return;
        }
        if result == ReconfigResult::InProgress {
            // Sent again when the timer expires.
            return;
        }
        let o = rc.outstanding.clone().expect("answers_outstanding");
        let done = match &o.request {
            Request::OutgoingReset { streams, .. } => {
                if result.is_success() {
                    self.tx.reset_numbers(streams);
                }
                self.tx.resume(streams);
                self.events.push_back(Event::StreamReset {
                    id,
                    outgoing: true,
                    streams: streams.clone(),
                    result,
                });
                true
            }
            Request::ResetAssoc => {
                // RFC 6525 5.2.7 with 5.1.4: performed, the peer's next TSN
                // is the Sender's Next TSN and ours the Receiver's; a
                // Performed without them cannot be applied (it fails).
                let result = match (result, next_tsns) {
                    (ReconfigResult::Performed, None) => ReconfigResult::Other(u32::MAX),
                    (r, _) => r,
                };
                let (peer_next, our_next) = next_tsns.unwrap_or_default();
                if result == ReconfigResult::Performed {
                    self.restart_tsns(peer_next, our_next);
                }
                self.tx.resume(&[]);
                self.events.push_back(Event::AssocReset {
                    id,
                    local_tsn: self.rtx.next_tsn().0,
                    remote_tsn: self
                        .rx
                        .as_ref()
                        .map_or(0, |r| r.cum_tsn().0.wrapping_add(1)),
                    result,
                });
                true
            }
            Request::IncomingReset { streams } => {
                if !result.is_success() {
                    self.events.push_back(Event::StreamReset {
                        id,
                        outgoing: false,
                        streams: streams.clone(),
                        result,
                    });
                }
                true
            }
            Request::AddStreams { outgoing, incoming } => {
                let out_seq = (*outgoing > 0).then_some(o.seq);
                let last = o
                    .seq
                    .wrapping_add(u32::from(*outgoing > 0) + u32::from(*incoming > 0))
                    .wrapping_sub(1);
                if out_seq == Some(seq) {
                    if result.is_success() {
                        let n = self.tx.streams() + outgoing;
                        self.tx.set_streams(n);
                    }
                    let inbound = self.inbound_streams();
                    self.events.push_back(Event::StreamChange {
                        id,
                        streams: (self.tx.streams(), inbound),
                        result,
                    });
                } else if !result.is_success() {
                    let inbound = self.inbound_streams();
                    self.events.push_back(Event::StreamChange {
                        id,
                        streams: (self.tx.streams(), inbound),
                        result,
                    });
                }
                seq == last
            }
        };
        if done {
            if let Some(rc) = self.reconfig.as_mut() {
                rc.outstanding = None;
            }
            self.reconfig_timer = None;
        }
    }
}
