//! Following one association (RFC 9260 5 and 6): its tags, TSNs, cookie and
//! stream sequence numbers, so that packets built by hand get correct
//! defaults and `connect`, `data`, `abort` need no number copied by hand.
//!
//! INTERFACE CONTRACT (used by `lang`/the REPL; keep these signatures):
//! `Assoc::new`, `header_default`, `chunk_default`, `on_sent`, `on_received`,
//! `connect`, `data_packet`, `sack_packet`, `abort_packet`, `shutdown_packet`,
//! `state`, `FieldDefault`, `Exchanged`.
//!
//! ```no_run
//! use std::time::Duration;
//! use sctp_craft::assoc::Assoc;
//! use sctp_craft::wire::{Link, Path};
//!
//! let path = Path::Udp {
//!     local: "127.0.0.1:0".parse()?,
//!     remote: "127.0.0.1:9899".parse()?,
//! };
//! let mut link = Link::open(&path)?;
//! let mut a = Assoc::new(5001, 5000);
//! for e in a.connect(&mut link, Duration::from_secs(3))? {
//!     println!("{}", e.summary_line());
//! }
//! let data = a.data_packet(b"hello", 0, 0);
//! link.send(&data.encode())?;
//! a.on_sent(&data);
//! if let Some(r) = link.recv(Duration::from_secs(2))? {
//!     let p = sctp_codec::Packet::decode(&r.sctp, &Default::default())?;
//!     a.on_received(&p);
//! }
//! let abort = a.abort_packet();
//! link.send(&abort.encode())?;
//! a.on_sent(&abort);
//! # Ok::<(), anyhow::Error>(())
//! ```

//!
//! The protocol rules themselves (which Verification Tag a packet carries
//! and which one is accepted, what an INIT or INIT ACK teaches, SSN and MID
//! numbering, the peer's TSNs with gap blocks and duplicates) are the
//! endpoint's, from [`sctp_endpoint::rules`]: the REPL follows associations
//! with the same code that runs them.

mod build;
mod follow;
mod handshake;
mod seed;

use std::time::Duration;

use sctp_codec::chunk::GapAckBlock;
use sctp_endpoint::rules::{DataTracker, MidSequencer, SsnSequencer, TagRule};

pub use handshake::{HANDSHAKE_ATTEMPTS, LOCAL_STREAMS};

/// Chunk type numbers (the codec's, read from its registry).
pub use sctp_codec::chunk::ty;

/// Our Advertised Receiver Window Credit in INIT and SACK (RFC 9260 3.3.2).
pub const LOCAL_A_RWND: u32 = 65_536;

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

impl std::fmt::Display for AssocState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AssocState::Closed => "CLOSED",
            AssocState::CookieWait => "COOKIE-WAIT",
            AssocState::CookieEchoed => "COOKIE-ECHOED",
            AssocState::Established => "ESTABLISHED",
            AssocState::ShuttingDown => "SHUTDOWN",
        })
    }
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

impl Exchanged {
    /// One line in the style of `sctp-craft dissect`: `>` sent or `<`
    /// received, ports, Verification Tag and a summary of each chunk.
    pub fn summary_line(&self) -> String {
        use sctp_codec::{DecodeOptions, Packet};
        let arrow = match self.dir {
            Direction::Sent => '>',
            Direction::Received => '<',
        };
        let p = match Packet::decode(&self.sctp, &DecodeOptions::default()) {
            Ok(p) => p,
            Err(e) => return format!("{arrow} [{} bytes, not SCTP: {e}]", self.sctp.len()),
        };
        let h = &p.header;
        let mut out = format!(
            "{arrow} {} → {} vtag=0x{:08x} ",
            h.source_port, h.destination_port, h.verification_tag
        );
        for (k, c) in p.chunks.iter().enumerate() {
            if k > 0 {
                out.push_str(", ");
            }
            crate::output::summary::chunk(&mut out, c);
        }
        out
    }
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
    /// The Cumulative TSN Ack of the peer's last SACK/SHUTDOWN (what it has of ours).
    pub acked_by_peer: Option<u32>,
    /// The peer's a_rwnd from its INIT/INIT ACK or last SACK.
    pub peer_a_rwnd: Option<u32>,
    /// The peer's outbound and inbound stream counts from its INIT/INIT ACK.
    pub peer_streams: Option<(u16, u16)>,
    /// Our next ASCONF Serial Number (RFC 5061 4.1.1: starts at our initial TSN).
    pub next_asconf_serial: u32,
    /// The Serial Number of the peer's last ASCONF (for ASCONF-ACK, RFC 5061 4.1.2).
    pub peer_asconf_serial: Option<u32>,
    /// The peer's TSNs: cumulative point, gaps, duplicates (`None` before
    /// its INIT/INIT ACK or first DATA).
    peer_tsns: Option<DataTracker>,
    /// Next Stream Sequence Number of each outgoing stream (ordered DATA).
    ssn: SsnSequencer,
    /// Next Message Identifier per stream, ordered and unordered apart, for
    /// I-DATA (RFC 8260 2.1).
    mid: MidSequencer,
    state: AssocState,
}

impl Assoc {
    /// A fresh association between the two ports, with a random tag and initial TSN.
    pub fn new(local_port: u16, peer_port: u16) -> Self {
        Self::from_rng(local_port, peer_port, seed::Rng::from_entropy())
    }
    /// [`Assoc::new`] with the tag and initial TSN drawn from `seed`: the
    /// same seed gives the same association (`sctp-craft --seed N`).
    pub fn with_seed(local_port: u16, peer_port: u16, seed: u64) -> Self {
        Self::from_rng(local_port, peer_port, seed::Rng::from_seed(seed))
    }
    fn from_rng(local_port: u16, peer_port: u16, mut rng: seed::Rng) -> Self {
        let local_tag = rng.nonzero_u32();
        let next_tsn = rng.nonzero_u32();
        Assoc {
            local_port,
            peer_port,
            local_tag,
            peer_tag: 0,
            next_tsn,
            peer_cum_tsn: None,
            cookie: None,
            acked_by_peer: None,
            peer_a_rwnd: None,
            peer_streams: None,
            next_asconf_serial: next_tsn,
            peer_asconf_serial: None,
            peer_tsns: None,
            ssn: SsnSequencer::default(),
            mid: MidSequencer::default(),
            state: AssocState::Closed,
        }
    }
    /// Where the association stands.
    pub fn state(&self) -> AssocState {
        self.state
    }
    /// The peer's TSNs as we would acknowledge them (gaps, duplicates).
    pub fn peer_tsns(&self) -> PeerTsns<'_> {
        PeerTsns {
            cum: self.peer_tsns.as_ref().map(|t| t.cum_tsn().0),
            duplicates: self.peer_tsns.as_ref().map_or(&[], |t| t.dup_tsns()),
            tracker: self.peer_tsns.as_ref(),
        }
    }
    /// What a bare `assoc` prints: ports, state, tags, TSNs both ways and
    /// what is known of the peer, one item per line.
    pub fn describe(&self) -> String {
        let or_none = |v: Option<String>| v.unwrap_or_else(|| "none yet".into());
        let peer_tag = if self.peer_tag == 0 {
            "0x00000000 (not known yet)".to_string()
        } else {
            format!("0x{:08x}", self.peer_tag)
        };
        format!(
            "assoc {} → {}: {}
  local tag 0x{:08x}, peer tag {peer_tag}
  next TSN {}, acked by the peer: {}
  peer's cumulative TSN (what we ack): {}, gaps {}, duplicates {}
  peer a_rwnd: {}, peer streams (out, in): {}",
            self.local_port,
            self.peer_port,
            self.state,
            self.local_tag,
            self.next_tsn,
            or_none(self.acked_by_peer.map(|t| t.to_string())),
            or_none(self.peer_tsns().cum.map(|t| t.to_string())),
            self.peer_tsns().gap_blocks().len(),
            self.peer_tsns().duplicates.len(),
            or_none(self.peer_a_rwnd.map(|t| t.to_string())),
            or_none(self.peer_streams.map(|(o, i)| format!("{o}, {i}"))),
        )
    }
    /// The Stream Sequence Number the next ordered DATA on `stream` gets (RFC 9260 3.3.1).
    pub fn next_ssn(&self, stream: u16) -> u16 {
        self.ssn.peek(stream)
    }
    /// The Message Identifier the next I-DATA on `stream` gets (RFC 8260 2.1;
    /// ordered and unordered messages count separately).
    pub fn next_mid(&self, stream: u16, unordered: bool) -> u32 {
        self.mid.peek(stream, unordered)
    }
    /// True when our packets must reflect our own tag with the T bit
    /// (ABORT, SHUTDOWN COMPLETE: RFC 9260 8.5.1 B and C), because the
    /// peer's tag is not known.
    pub fn t_bit(&self) -> bool {
        self.peer_tag == 0
    }
    /// [`Assoc::t_bit`] as chunk flags of ABORT and SHUTDOWN COMPLETE.
    pub fn t_flag(&self) -> u8 {
        sctp_endpoint::rules::reflect_flags(self.peer_tag)
    }
    /// Default of a common-header field (`source_port`, `destination_port`,
    /// `verification_tag`) for a packet carrying `chunk_types` (INIT gets tag 0,
    /// ...). `None`: no default (the language uses 0).
    ///
    /// Verification Tag (RFC 9260 8.5.1): 0 with INIT (A); with ABORT or
    /// SHUTDOWN COMPLETE first and the peer's tag unknown, our own tag (to go
    /// with the T bit, B and C); otherwise the peer's tag. To honour a T bit
    /// set by hand, use [`Assoc::verification_tag`].
    pub fn header_default(&self, field: &str, chunk_types: &[u8]) -> Option<u32> {
        match field {
            "source_port" => Some(self.local_port as u32),
            "destination_port" => Some(self.peer_port as u32),
            "verification_tag" => {
                let f = self.t_flag();
                let rule = TagRule::of_packet(chunk_types.iter().map(|&t| (t, f)));
                Some(rule.tag_to_send(self.local_tag, self.peer_tag))
            }
            _ => None,
        }
    }
    /// The Verification Tag for these chunks, flags included (RFC 9260 8.5.1):
    /// an ABORT or SHUTDOWN COMPLETE with the T bit set carries our own tag.
    pub fn verification_tag(&self, chunks: &[sctp_codec::Chunk<'_>]) -> u32 {
        TagRule::of_packet(chunks.iter().map(|c| (c.ty, c.flags)))
            .tag_to_send(self.local_tag, self.peer_tag)
    }
    /// Default of a field of a chunk of type `chunk_type` (e.g. DATA `tsn`,
    /// SACK `cumulative_tsn_ack`, COOKIE ECHO `cookie`, INIT `initiate_tag`),
    /// named as in the codec registry. `None`: no association-derived default.
    ///
    /// Stream-dependent fields (DATA `stream_sequence_number`, I-DATA
    /// `message_identifier`) are given for stream 0; for another stream use
    /// [`Assoc::next_ssn`] / [`Assoc::next_mid`]. The flag `t_bit` of ABORT
    /// and SHUTDOWN COMPLETE is given too (RFC 9260 8.5.1).
    pub fn chunk_default(&self, chunk_type: u8, field: &str) -> Option<FieldDefault> {
        use FieldDefault::{Bytes, Int};
        let int = |v: u32| Some(Int(v as u64));
        let cum = self.peer_tsns().cum;
        match (chunk_type, field) {
            (ty::INIT | ty::INIT_ACK, "initiate_tag") => int(self.local_tag),
            (ty::INIT | ty::INIT_ACK, "initial_tsn") => int(self.next_tsn),
            (ty::INIT | ty::INIT_ACK, "a_rwnd") => int(LOCAL_A_RWND),
            (ty::INIT | ty::INIT_ACK, "number_of_outbound_streams") => int(LOCAL_STREAMS as u32),
            (ty::INIT, "number_of_inbound_streams") => int(LOCAL_STREAMS as u32),
            (ty::INIT_ACK, "number_of_inbound_streams") => {
                // Accept as many streams as the peer wants to send on.
                let want = self.peer_streams.map(|(os, _)| os).unwrap_or(LOCAL_STREAMS);
                int(want as u32)
            }
            (ty::DATA | ty::I_DATA, "tsn") => int(self.next_tsn),
            (ty::DATA, "stream_sequence_number") => int(self.next_ssn(0) as u32),
            (ty::I_DATA, "message_identifier") => int(self.next_mid(0, false)),
            (ty::SACK | ty::NR_SACK | ty::SHUTDOWN, "cumulative_tsn_ack") => cum.and_then(int),
            (ty::SACK | ty::NR_SACK, "a_rwnd") => int(LOCAL_A_RWND),
            (ty::COOKIE_ECHO, "cookie") => self.cookie.clone().map(Bytes),
            (ty::FORWARD_TSN | ty::I_FORWARD_TSN, "new_cumulative_tsn") => {
                int(self.next_tsn.wrapping_sub(1))
            }
            (ty::ECNE, "lowest_tsn") => cum.and_then(int),
            (ty::CWR, "lowest_tsn") => int(self.next_tsn.wrapping_sub(1)),
            (ty::ASCONF, "sequence_number") => int(self.next_asconf_serial),
            (ty::ASCONF_ACK, "sequence_number") => self.peer_asconf_serial.and_then(int),
            (ty::ABORT | ty::SHUTDOWN_COMPLETE, "t_bit") => int(self.t_bit() as u32),
            _ => None,
        }
    }
}

/// The peer's TSNs as we acknowledge them (RFC 9260 6.2), read from the
/// endpoint's [`DataTracker`].
#[derive(Debug, Clone, Copy)]
pub struct PeerTsns<'a> {
    /// Cumulative TSN Ack point (`None` before the peer's INIT, INIT ACK or
    /// first DATA).
    pub cum: Option<u32>,
    /// Duplicate TSNs since the last SACK we sent.
    pub duplicates: &'a [u32],
    tracker: Option<&'a DataTracker>,
}

impl PeerTsns<'_> {
    /// Gap Ack Blocks for a SACK (offsets from the cumulative TSN, RFC 9260 3.3.4).
    pub fn gap_blocks(&self) -> Vec<GapAckBlock> {
        self.tracker.map_or_else(Vec::new, |t| {
            t.gap_blocks()
                .map(|(start, end)| GapAckBlock { start, end })
                .collect()
        })
    }
}

/// A tracker of the peer's TSNs from `initial_tsn` on (the SACK timing
/// arguments are the endpoint's; the REPL sends SACKs by hand).
fn peer_tracker(initial_tsn: u32) -> DataTracker {
    DataTracker::new(initial_tsn, 2, Duration::from_millis(200))
}

#[cfg(test)]
mod tests;
