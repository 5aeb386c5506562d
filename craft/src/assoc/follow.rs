//! Advancing the followed association with each packet, from either side
//! (RFC 9260 5.1 handshake, 6 data transfer, 9 shutdown and abort).

use sctp_codec::chunk::{Chunk, ChunkBody};
use sctp_codec::{Packet, PacketView, Rules};
use sctp_endpoint::rules::{lt32, InitInfo, TagRule, Tsn};

use super::{peer_tracker, Assoc, AssocState};

impl Assoc {
    /// Advances the state with a packet we sent (TSNs, SSNs, state).
    pub fn on_sent(&mut self, p: &Packet<'_>) {
        for c in &p.chunks {
            match &c.body {
                ChunkBody::Init(i) | ChunkBody::InitAck(i) => {
                    self.local_tag = i.initiate_tag;
                    self.next_tsn = i.initial_tsn;
                    self.next_asconf_serial = i.initial_tsn;
                    if matches!(c.body, ChunkBody::Init(_)) {
                        self.state = AssocState::CookieWait;
                    }
                }
                ChunkBody::CookieEcho(_) if self.state == AssocState::CookieWait => {
                    self.state = AssocState::CookieEchoed;
                }
                ChunkBody::CookieAck(_) => self.state = AssocState::Established,
                ChunkBody::Data(d) => {
                    self.sent_tsn(d.tsn);
                    let (s, n) = (d.stream_identifier, d.stream_sequence_number);
                    self.ssn.data_sent(s, n, c.flags);
                }
                ChunkBody::IData(d) => {
                    self.sent_tsn(d.tsn);
                    let (s, n) = (d.stream_identifier, d.message_identifier);
                    self.mid.idata_sent(s, n, c.flags);
                }
                ChunkBody::Sack(_) | ChunkBody::NrSack(_) => {
                    if let Some(t) = self.peer_tsns.as_mut() {
                        t.sack_sent();
                    }
                }
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
                ChunkBody::Init(_) | ChunkBody::InitAck(_) => self.learn_init(c),
                ChunkBody::CookieAck(_) => self.state = AssocState::Established,
                ChunkBody::Data(d) => self.received_tsn(d.tsn),
                ChunkBody::IData(d) => self.received_tsn(d.tsn),
                ChunkBody::Sack(s) => self.acked(s.cumulative_tsn_ack, Some(s.a_rwnd)),
                ChunkBody::NrSack(s) => self.acked(s.cumulative_tsn_ack, Some(s.a_rwnd)),
                ChunkBody::ForwardTsn(f) => self.forward_tsn(f.new_cumulative_tsn),
                ChunkBody::IForwardTsn(f) => self.forward_tsn(f.new_cumulative_tsn),
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
        self.peer_cum_tsn = self.peer_tsns().cum;
    }

    /// Whether the peer's packet carries an acceptable Verification Tag
    /// (RFC 9260 8.5 and 8.5.1).
    pub fn tag_ok(&self, p: &Packet<'_>) -> bool {
        let rule = p
            .chunks
            .first()
            .map_or(TagRule::Receiver, |c| TagRule::of(c.ty, c.flags));
        rule.accepts(p.header.verification_tag, self.local_tag, self.peer_tag)
    }

    /// Learns the peer's tag, initial TSN, a_rwnd, streams and (from an INIT
    /// ACK) State Cookie, read as the endpoint reads them.
    fn learn_init(&mut self, c: &Chunk<'_>) {
        // The codec's in-place reader takes the chunk behind a common header.
        let mut b = vec![0u8; 12];
        b.extend_from_slice(&c.to_bytes());
        let Ok(view) = PacketView::parse(&b, Rules::STANDARD) else {
            return;
        };
        let Some(init) = view.chunks().next().and_then(|v| v.init()) else {
            return;
        };
        let i = InitInfo::read(&init);
        self.peer_tag = i.initiate_tag;
        self.peer_tsns = Some(peer_tracker(i.initial_tsn));
        self.peer_a_rwnd = Some(i.a_rwnd);
        self.peer_streams = Some(i.streams());
        if i.is_ack {
            self.cookie = i.cookie.map(<[u8]>::to_vec);
        }
    }

    /// Our TSN `tsn` went out: the next one follows it.
    fn sent_tsn(&mut self, tsn: u32) {
        let next = tsn.wrapping_add(1);
        if lt32(self.next_tsn, next) {
            self.next_tsn = next;
        }
    }

    /// The peer sent DATA/I-DATA with `tsn`.
    fn received_tsn(&mut self, tsn: u32) {
        // DATA before the handshake was seen: start there.
        let t = self.peer_tsns.get_or_insert_with(|| peer_tracker(tsn));
        t.observe(Tsn(tsn));
        if self.state == AssocState::CookieEchoed {
            // DATA in our tag means our COOKIE ECHO arrived (RFC 9260 5.1 E).
            self.state = AssocState::Established;
        }
    }

    /// The peer acknowledged our TSNs up to `cum`.
    fn acked(&mut self, cum: u32, a_rwnd: Option<u32>) {
        match self.acked_by_peer {
            Some(old) if !lt32(old, cum) => {}
            _ => self.acked_by_peer = Some(cum),
        }
        if a_rwnd.is_some() {
            self.peer_a_rwnd = a_rwnd;
        }
        if self.state == AssocState::CookieEchoed {
            self.state = AssocState::Established;
        }
    }

    /// FORWARD TSN / I-FORWARD TSN (RFC 3758 3.6): skips up to `new_cum`.
    fn forward_tsn(&mut self, new_cum: u32) {
        let start = new_cum.wrapping_add(1);
        let t = self.peer_tsns.get_or_insert_with(|| peer_tracker(start));
        t.forward_to(Tsn(new_cum));
    }
}
