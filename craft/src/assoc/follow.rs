//! Advancing the followed association with each packet, from either side
//! (RFC 9260 5.1 handshake, 6 data transfer, 9 shutdown and abort).

use sctp_codec::chunk::ChunkBody;
use sctp_codec::param::ParamBody;
use sctp_codec::Packet;

use super::{tsn_lt, ty, Assoc, AssocState};

impl Assoc {
    /// Advances the state with a packet we sent (TSNs, SSNs, state).
    pub fn on_sent(&mut self, p: &Packet<'_>) {
        for c in &p.chunks {
            match &c.body {
                ChunkBody::Init(i) => {
                    self.local_tag = i.initiate_tag;
                    self.next_tsn = i.initial_tsn;
                    self.next_asconf_serial = i.initial_tsn;
                    self.state = AssocState::CookieWait;
                }
                ChunkBody::InitAck(i) => {
                    self.local_tag = i.initiate_tag;
                    self.next_tsn = i.initial_tsn;
                    self.next_asconf_serial = i.initial_tsn;
                }
                ChunkBody::CookieEcho(_) if self.state == AssocState::CookieWait => {
                    self.state = AssocState::CookieEchoed;
                }
                ChunkBody::CookieAck(_) => self.state = AssocState::Established,
                ChunkBody::Data(d) => {
                    self.sent_tsn(d.tsn);
                    // An ordered message takes one SSN, shared by its
                    // fragments: the next one follows its last fragment (E bit).
                    if c.flags & 0x04 == 0 && c.flags & 0x01 != 0 {
                        let next = d.stream_sequence_number.wrapping_add(1);
                        self.ssn.insert(d.stream_identifier, next);
                    }
                }
                ChunkBody::IData(d) => {
                    self.sent_tsn(d.tsn);
                    if c.flags & 0x01 != 0 {
                        let next = d.message_identifier.wrapping_add(1);
                        self.mid
                            .insert((d.stream_identifier, c.flags & 0x04 != 0), next);
                    }
                }
                ChunkBody::Sack(_) | ChunkBody::NrSack(_) => self.peer_tsns.duplicates.clear(),
                ChunkBody::Asconf(a) => self.next_asconf_serial = a.sequence_number.wrapping_add(1),
                ChunkBody::Abort(_) | ChunkBody::ShutdownComplete(_) => {
                    self.state = AssocState::Closed
                }
                ChunkBody::Shutdown(_) | ChunkBody::ShutdownAck(_) => {
                    self.state = AssocState::ShuttingDown
                }
                _ => {}
            }
        }
    }

    /// Learns from a packet the peer sent (its tag, cookie, TSNs, ABORT, ...).
    ///
    /// Packets whose Verification Tag fails the rules of RFC 9260 8.5 (and
    /// 8.5.1 for INIT, ABORT, SHUTDOWN COMPLETE) are ignored, as a real
    /// endpoint would silently discard them.
    pub fn on_received(&mut self, p: &Packet<'_>) {
        if !self.tag_ok(p) {
            return;
        }
        for c in &p.chunks {
            match &c.body {
                ChunkBody::Init(i) | ChunkBody::InitAck(i) => {
                    self.peer_tag = i.initiate_tag;
                    self.peer_tsns.start(i.initial_tsn);
                    self.peer_a_rwnd = Some(i.a_rwnd);
                    self.peer_streams =
                        Some((i.number_of_outbound_streams, i.number_of_inbound_streams));
                    if c.ty == ty::INIT_ACK {
                        self.cookie = i.params.iter().find_map(|prm| match &prm.body {
                            ParamBody::StateCookie(s) => Some(s.state_cookie.to_vec()),
                            _ => None,
                        });
                    }
                }
                ChunkBody::CookieAck(_) => self.state = AssocState::Established,
                ChunkBody::Data(d) => self.received_tsn(d.tsn),
                ChunkBody::IData(d) => self.received_tsn(d.tsn),
                ChunkBody::Sack(s) => self.acked(s.cumulative_tsn_ack, Some(s.a_rwnd)),
                ChunkBody::NrSack(s) => self.acked(s.cumulative_tsn_ack, Some(s.a_rwnd)),
                ChunkBody::ForwardTsn(f) => self.peer_tsns.forward(f.new_cumulative_tsn),
                ChunkBody::IForwardTsn(f) => self.peer_tsns.forward(f.new_cumulative_tsn),
                ChunkBody::Asconf(a) => self.peer_asconf_serial = Some(a.sequence_number),
                ChunkBody::Abort(_) | ChunkBody::ShutdownComplete(_) => {
                    self.state = AssocState::Closed
                }
                ChunkBody::Shutdown(s) => {
                    self.acked(s.cumulative_tsn_ack, None);
                    self.state = AssocState::ShuttingDown;
                }
                ChunkBody::ShutdownAck(_) => self.state = AssocState::ShuttingDown,
                _ => {}
            }
        }
        self.peer_cum_tsn = self.peer_tsns.cum;
    }

    /// Whether the peer's packet carries an acceptable Verification Tag
    /// (RFC 9260 8.5 and 8.5.1).
    pub fn tag_ok(&self, p: &Packet<'_>) -> bool {
        let vtag = p.header.verification_tag;
        let Some(first) = p.chunks.first() else {
            return vtag == self.local_tag;
        };
        match first.ty {
            // 8.5.1 (A): INIT is sent with tag 0.
            ty::INIT => vtag == 0,
            // 8.5.1 (B), (C): the T bit reflects the receiver's (our peer's) own tag.
            ty::ABORT | ty::SHUTDOWN_COMPLETE if first.flags & 0x01 != 0 => {
                self.peer_tag != 0 && vtag == self.peer_tag
            }
            _ => vtag == self.local_tag,
        }
    }

    /// Our TSN `tsn` went out: the next one follows it.
    fn sent_tsn(&mut self, tsn: u32) {
        let next = tsn.wrapping_add(1);
        if tsn_lt(self.next_tsn, next) {
            self.next_tsn = next;
        }
    }

    /// The peer sent DATA/I-DATA with `tsn`.
    fn received_tsn(&mut self, tsn: u32) {
        self.peer_tsns.received(tsn);
        if self.state == AssocState::CookieEchoed {
            // DATA in our tag means our COOKIE ECHO arrived (RFC 9260 5.1 E).
            self.state = AssocState::Established;
        }
    }

    /// The peer acknowledged our TSNs up to `cum`.
    fn acked(&mut self, cum: u32, a_rwnd: Option<u32>) {
        match self.acked_by_peer {
            Some(old) if !tsn_lt(old, cum) => {}
            _ => self.acked_by_peer = Some(cum),
        }
        if a_rwnd.is_some() {
            self.peer_a_rwnd = a_rwnd;
        }
        if self.state == AssocState::CookieEchoed {
            self.state = AssocState::Established;
        }
    }
}
