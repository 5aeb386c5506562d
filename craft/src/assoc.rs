//! Following one association (RFC 9260 5 and 6): its tags, TSNs, cookie and
//! stream sequence numbers, so that packets built by hand get correct
//! defaults and `connect`, `data`, `abort` need no number copied by hand.
//!
//! INTERFACE CONTRACT (used by `lang`/the REPL; keep these signatures):
//! `Assoc::new`, `header_default`, `chunk_default`, `on_sent`, `on_received`,
//! `connect`, `data_packet`, `sack_packet`, `abort_packet`, `shutdown_packet`,
//! `state`, `FieldDefault`, `Exchanged`.

use std::time::Duration;

use sctp_codec::Packet;

use crate::wire::Link;

/// A default value for a field left out by the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldDefault {
    /// An integer field.
    Int(u64),
    /// A byte-string field (e.g. the cookie of COOKIE ECHO).
    Bytes(Vec<u8>),
}

/// Association state as far as we can tell (RFC 9260 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssocState {
    /// Nothing sent yet, or aborted.
    Closed,
    /// INIT sent.
    CookieWait,
    /// COOKIE ECHO sent.
    CookieEchoed,
    /// COOKIE ACK seen (or the peer sent DATA/SACK in our tags).
    Established,
    /// SHUTDOWN sent or received.
    ShuttingDown,
}

/// Which way a packet went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From us to the peer.
    Sent,
    /// From the peer to us.
    Received,
}

/// One packet of an exchange, as it went on the wire.
#[derive(Debug, Clone)]
pub struct Exchanged {
    /// Which way it went.
    pub dir: Direction,
    /// The SCTP packet bytes.
    pub sctp: Vec<u8>,
}

/// The followed association.
#[derive(Debug, Clone)]
pub struct Assoc {
    /// Our SCTP port.
    pub local_port: u16,
    /// The peer's SCTP port.
    pub peer_port: u16,
    /// Our Initiate Tag (the tag the peer must put in its packets).
    pub local_tag: u32,
    /// The peer's Initiate Tag (the Verification Tag of our packets); 0 until known.
    pub peer_tag: u32,
    /// The next TSN we will send.
    pub next_tsn: u32,
    /// The peer's cumulative TSN as we acknowledge it (`None` before its INIT/INIT ACK).
    pub peer_cum_tsn: Option<u32>,
    /// The State Cookie from the peer's INIT ACK.
    pub cookie: Option<Vec<u8>>,
    state: AssocState,
}

impl Assoc {
    /// A fresh association between the two ports, with a random tag and initial TSN.
    pub fn new(local_port: u16, peer_port: u16) -> Self {
        Assoc {
            local_port,
            peer_port,
            local_tag: 1,
            peer_tag: 0,
            next_tsn: 1,
            peer_cum_tsn: None,
            cookie: None,
            state: AssocState::Closed,
        }
    }
    /// Where the association stands.
    pub fn state(&self) -> AssocState {
        self.state
    }
    /// Default of a common-header field (`source_port`, `destination_port`,
    /// `verification_tag`) for a packet carrying `chunk_types` (INIT gets tag 0,
    /// ...). `None`: no default (the language uses 0).
    pub fn header_default(&self, field: &str, chunk_types: &[u8]) -> Option<u32> {
        let _ = (field, chunk_types);
        None
    }
    /// Default of a field of a chunk of type `chunk_type` (e.g. DATA `tsn`,
    /// SACK `cumulative_tsn_ack`, COOKIE ECHO `cookie`, INIT `initiate_tag`),
    /// named as in the codec registry. `None`: no association-derived default.
    pub fn chunk_default(&self, chunk_type: u8, field: &str) -> Option<FieldDefault> {
        let _ = (chunk_type, field);
        None
    }
    /// Advances the state with a packet we sent (TSNs, SSNs, state).
    pub fn on_sent(&mut self, p: &Packet<'_>) {
        let _ = p;
    }
    /// Learns from a packet the peer sent (its tag, cookie, TSNs, ABORT, ...).
    pub fn on_received(&mut self, p: &Packet<'_>) {
        let _ = p;
    }
    /// The four-way handshake: INIT, INIT ACK, COOKIE ECHO, COOKIE ACK,
    /// each step waiting up to `timeout`. Returns every packet exchanged.
    pub fn connect(&mut self, link: &mut Link, timeout: Duration) -> anyhow::Result<Vec<Exchanged>> {
        let _ = (link, timeout);
        anyhow::bail!("assoc: connect is not implemented yet")
    }
    /// A DATA packet (B and E set) carrying `payload` on `stream` with `ppid`.
    pub fn data_packet(&self, payload: &[u8], stream: u16, ppid: u32) -> Packet<'static> {
        let _ = (payload, stream, ppid);
        Packet::new(Default::default(), Vec::new())
    }
    /// A SACK acknowledging what we received.
    pub fn sack_packet(&self) -> Packet<'static> {
        Packet::new(Default::default(), Vec::new())
    }
    /// An ABORT (no causes) in the peer's tag.
    pub fn abort_packet(&self) -> Packet<'static> {
        Packet::new(Default::default(), Vec::new())
    }
    /// A SHUTDOWN with our cumulative TSN ack.
    pub fn shutdown_packet(&self) -> Packet<'static> {
        Packet::new(Default::default(), Vec::new())
    }
}
