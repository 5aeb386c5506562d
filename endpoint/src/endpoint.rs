//! The endpoint (RFC 9260 2.3): listening ports, the association table, the
//! cookie secret, and everything that happens before an association exists:
//! INIT answered statelessly with a signed cookie (5.1), COOKIE ECHO checked
//! and turned into an association (5.1.5), collisions and restarts (5.2),
//! and out-of-the-blue packets (8.4).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use sctp_codec::chunk::{flags, ty};
use sctp_codec::view::ChunkView;
use sctp_codec::{checksum, ChecksumAlgorithm, CommonHeader, PacketView, PacketWriter, Rules};

use crate::association::addresses::AsconfError;
use crate::association::asconf::AddressOp;
use crate::association::reconfig::Request;
use crate::association::stream_reset::ReconfigError;
use crate::association::{transmit, Association, Negotiated, State};
use crate::config::Config;
use crate::cookie::{self, CookieFields};
use crate::events::{AssocChange, Event};
use crate::policy::{AllowAll, AssocRequest, Established, Policy, Refusal};
use crate::rules::{self, UnknownParam};
use crate::wire::{cause, param, put_tlv};
use crate::{AssocId, ConnectError, SendError};

/// Most stateless replies (INIT ACK, ABORT...) queued at once; more are
/// dropped, so a flood cannot grow memory.
const MAX_REPLIES: usize = 256;

/// A packet to send: the bytes are in the buffer given to
/// [`Endpoint::poll_transmit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmit {
    /// Our address to send from.
    pub local: IpAddr,
    /// Where to: the peer's IP address and, over UDP encapsulation, its UDP
    /// port (0 over raw IP).
    pub remote: SocketAddr,
    /// ECN was negotiated: send the packet with ECT(0) in its IP header
    /// (RFC 9260 Appendix A; RFC 3168).
    pub ecn_capable: bool,
    /// Larger than the path MTU an ICMP error reported: a DATA chunk sent
    /// before the MTU went down, sent again whole (its TSN cannot be cut
    /// again), which the driver should let the IP layer fragment (clear
    /// DF; RFC 9260 7.3, FreeBSD's `CHUNK_FLAGS_FRAGMENT_OK`).
    pub fragment: bool,
}

/// How to start an association (RFC 6458 `sctp_connectx` and `SCTP_INITMSG`).
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Our address.
    pub local: IpAddr,
    /// Our SCTP port.
    pub local_port: u16,
    /// The peer's address; the port is its UDP encapsulation port (0 for raw IP).
    pub remote: SocketAddr,
    /// The peer's SCTP port.
    pub peer_port: u16,
    /// Outbound streams to ask for (`None`: `Config::outbound_streams`).
    pub streams: Option<u16>,
    /// Our other addresses, listed in INIT (multihoming, RFC 9260 5.1.2).
    pub extra_local: Vec<IpAddr>,
    /// More addresses of the peer (as `sctp_connectx` gives them), used as
    /// further destinations from the start.
    pub extra_remotes: Vec<SocketAddr>,
    /// Settings for this association instead of the endpoint's (RTO,
    /// retransmission limits, windows...: RFC 6458 `SCTP_RTOINFO`,
    /// `SCTP_ASSOCINFO`, `SCTP_INITMSG`).
    pub config: Option<Config>,
}

impl ConnectOptions {
    /// Options with the configured stream count.
    pub fn new(local: IpAddr, local_port: u16, remote: SocketAddr, peer_port: u16) -> Self {
        ConnectOptions {
            local,
            local_port,
            remote,
            peer_port,
            streams: None,
            extra_local: Vec::new(),
            extra_remotes: Vec::new(),
            config: None,
        }
    }
}

/// Counters of what the endpoint saw and refused.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    /// Packets handed to `handle_packet`.
    pub packets_in: u64,
    /// Dropped for a bad checksum (RFC 9260 6.8).
    pub bad_checksum: u64,
    /// Dropped for framing that cannot be followed or a wrong tag.
    pub dropped: u64,
    /// Out-of-the-blue packets (RFC 9260 8.4).
    pub ootb: u64,
    /// INITs answered with INIT ACK.
    pub init_acks: u64,
    /// COOKIE ECHOs with a bad MAC or malformed cookie.
    pub bad_cookies: u64,
    /// COOKIE ECHOs whose cookie was stale.
    pub stale_cookies: u64,
    /// Refused by the policy.
    pub refused: u64,
    /// Stateless replies dropped because the queue was full.
    pub replies_dropped: u64,
    /// ICMP errors handed to `handle_icmp` (RFC 9260 Appendix C).
    pub icmp_in: u64,
    /// ... acted on.
    pub icmp_handled: u64,
    /// ... dropped because the quoted Verification Tag was not the peer's,
    /// or too little was quoted to check a zero tag (ICMP6).
    pub icmp_bad_tag: u64,
    /// ... ignored: no association (ICMP5), or a type or code the rules
    /// say to ignore (ICMP1-ICMP4, ICMP8 with an INIT after COOKIE-WAIT,
    /// an MTU no lower than the path's).
    pub icmp_ignored: u64,
    /// SCTP-AUTH counters summed over every association (RFC 4895 6.3).
    pub auth: crate::association::auth::AuthStats,
    /// S-SCTP counters summed over every association.
    pub secure: crate::secure::SecureStats,
}

/// A sans-IO SCTP endpoint: many associations, one cookie secret.
pub struct Endpoint {
    cfg: Arc<Config>,
    rng: ChaCha20Rng,
    secret: [u8; 32],
    epoch: Instant,
    listeners: Vec<u16>,
    /// Our addresses, listed in INIT ACK when there are several.
    local_addrs: Vec<IpAddr>,
    assocs: BTreeMap<AssocId, Association>,
    /// (peer IP, peer port, local port) to association.
    routes: HashMap<(IpAddr, u16, u16), AssocId>,
    /// (peer IP, peer port, local port, our tag) to association, for
    /// associations with restart disabled (draft-ietf-tsvwg-natsupp 5.2.1:
    /// hosts behind one NAT may share address and ports, told apart by tag).
    tag_routes: HashMap<(IpAddr, u16, u16, u32), AssocId>,
    next_id: u32,
    cursor: u32,
    events: VecDeque<Event>,
    replies: VecDeque<(IpAddr, SocketAddr, Vec<u8>)>,
    policy: Box<dyn Policy + Send>,
    stats: Stats,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("listeners", &self.listeners)
            .field("associations", &self.assocs.len())
            .field("stats", &self.stats)
            .finish()
    }
}

impl Endpoint {
    /// An endpoint with `cfg`, started at `now`, whose randomness (tags,
    /// TSNs, the cookie secret) comes from `seed` alone.
    pub fn new(cfg: Config, now: Instant, seed: [u8; 32]) -> Self {
        let mut rng = ChaCha20Rng::from_seed(seed);
        let mut secret = [0u8; 32];
        rng.fill_bytes(&mut secret);
        Endpoint {
            cfg: Arc::new(cfg),
            rng,
            secret,
            epoch: now,
            listeners: Vec::new(),
            local_addrs: Vec::new(),
            assocs: BTreeMap::new(),
            routes: HashMap::new(),
            tag_routes: HashMap::new(),
            next_id: 1,
            cursor: 0,
            events: VecDeque::new(),
            replies: VecDeque::new(),
            policy: Box::new(AllowAll),
            stats: Stats::default(),
        }
    }

    /// Replaces the security policy (see [`crate::policy`]).
    pub fn set_policy(&mut self, p: impl Policy + Send + 'static) {
        self.policy = Box::new(p);
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Accepts associations on SCTP port `port` (RFC 6458 `listen`).
    pub fn listen(&mut self, port: u16) {
        if !self.listeners.contains(&port) {
            self.listeners.push(port);
        }
    }

    /// Our addresses for associations we accept (multihoming, RFC 9260
    /// 5.1.2): listed in INIT ACK when there are several, and the sources
    /// packets to each peer address leave from.
    pub fn set_local_addresses(&mut self, addrs: Vec<IpAddr>) {
        self.local_addrs = addrs;
    }

    /// Stops accepting associations on `port` (existing ones go on).
    pub fn unlisten(&mut self, port: u16) {
        self.listeners.retain(|p| *p != port);
    }

    /// Number of associations held (any state).
    pub fn association_count(&self) -> usize {
        self.assocs.len()
    }

    /// The associations' handles.
    pub fn associations(&self) -> impl Iterator<Item = AssocId> + '_ {
        self.assocs.keys().copied()
    }

    /// A status snapshot of association `id`.
    pub fn status(&self, id: AssocId) -> Option<crate::association::Status> {
        self.assocs.get(&id).map(|a| a.status())
    }

    fn random_tag(&mut self) -> u32 {
        loop {
            let t = self.rng.next_u32();
            if t != 0 {
                return t;
            }
        }
    }

    fn now_ms(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.epoch).as_millis() as u64
    }

    /// Starts an association (RFC 9260 5.1 A): INIT goes out with the next
    /// `poll_transmit`; `Event::AssocChange` says how it went.
    pub fn connect(&mut self, now: Instant, o: ConnectOptions) -> Result<AssocId, ConnectError> {
        let streams = o.streams.unwrap_or(self.cfg.outbound_streams);
        if streams == 0 {
            return Err(ConnectError::NoStreams);
        }
        let key = (o.remote.ip(), o.peer_port, o.local_port);
        if self.routes.contains_key(&key) {
            return Err(ConnectError::Exists);
        }
        if self.policy.bind_connect(o.remote).is_err() {
            self.stats.refused += 1;
            return Err(ConnectError::Refused);
        }
        let id = AssocId(self.next_id);
        self.next_id += 1;
        let tag = self.random_tag();
        let tsn = self.rng.next_u32();
        let mut auth_random = [0u8; 32];
        self.rng.fill_bytes(&mut auth_random);
        let cfg = match &o.config {
            Some(c) => Arc::new(c.clone()),
            None => self.cfg.clone(),
        };
        let a = Association::new_initiator(
            id,
            cfg,
            now,
            o.local,
            o.local_port,
            o.remote,
            o.peer_port,
            tag,
            tsn,
            streams,
            &o.extra_local,
            &o.extra_remotes,
            &auth_random,
        );
        self.routes.insert(key, id);
        for r in &o.extra_remotes {
            self.routes.insert((r.ip(), o.peer_port, o.local_port), id);
        }
        self.assocs.insert(id, a);
        Ok(id)
    }

    /// The settings association `id` runs with.
    pub fn association_config(&self, id: AssocId) -> Option<&Config> {
        self.assocs.get(&id).map(|a| &*a.cfg)
    }

    /// Changes association `id`'s settings from now on (RFC 6458 socket
    /// options on an association: `SCTP_RTOINFO`, `SCTP_PEER_ADDR_PARAMS`,
    /// `SCTP_DELAYED_SACK`...). Returns false if there is no such association.
    pub fn configure(&mut self, id: AssocId, f: impl FnOnce(&mut Config)) -> bool {
        let Some(a) = self.assocs.get_mut(&id) else {
            return false;
        };
        let mut c = (*a.cfg).clone();
        f(&mut c);
        a.cfg = Arc::new(c);
        a.apply_config();
        true
    }

    /// Queues a reliable user message on `stream` (RFC 6458 `sctp_sendv`).
    pub fn send(
        &mut self,
        id: AssocId,
        stream: u16,
        ppid: u32,
        unordered: bool,
        data: impl Into<Arc<[u8]>>,
    ) -> Result<(), SendError> {
        let opts = crate::send::SendOptions {
            unordered,
            pr: crate::send::PrPolicy::Reliable,
        };
        // A reliable message has no lifetime: the time is not used.
        let now = self.epoch;
        self.send_with(now, id, stream, ppid, opts, data)
    }

    /// Queues a user message with its options (RFC 6458 `sctp_sendv` with
    /// `sctp_sndinfo` and `sctp_prinfo`): ordering and partial reliability
    /// (RFC 3758, RFC 7496), a timed lifetime counting from `now`.
    pub fn send_with(
        &mut self,
        now: Instant,
        id: AssocId,
        stream: u16,
        ppid: u32,
        opts: crate::send::SendOptions,
        data: impl Into<Arc<[u8]>>,
    ) -> Result<(), SendError> {
        let a = self.assocs.get_mut(&id).ok_or(SendError::NoAssociation)?;
        a.send(now, stream, ppid, opts, data.into())
    }

    /// Resets our outgoing `streams` (empty: all) with an Outgoing SSN
    /// Reset Request (RFC 6525 5.1.2; RFC 6458 `SCTP_RESET_STREAMS`): new
    /// messages on them wait until the peer answers, then start at SSN 0;
    /// `Event::StreamReset` tells the result.
    pub fn reset_streams(
        &mut self,
        now: Instant,
        id: AssocId,
        streams: &[u16],
    ) -> Result<(), ReconfigError> {
        let a = self
            .assocs
            .get_mut(&id)
            .ok_or(ReconfigError::NoAssociation)?;
        a.reconfig_request(
            now,
            Request::OutgoingReset {
                streams: streams.to_vec(),
                answers: None,
            },
        )
    }

    /// Asks the peer to reset its outgoing streams, our incoming `streams`
    /// (empty: all), with an Incoming SSN Reset Request (RFC 6525 5.1.3).
    pub fn reset_incoming_streams(
        &mut self,
        now: Instant,
        id: AssocId,
        streams: &[u16],
    ) -> Result<(), ReconfigError> {
        let a = self
            .assocs
            .get_mut(&id)
            .ok_or(ReconfigError::NoAssociation)?;
        a.reconfig_request(
            now,
            Request::IncomingReset {
                streams: streams.to_vec(),
            },
        )
    }

    /// Resets the SSNs of every stream and the TSNs of both directions
    /// with an SSN/TSN Reset Request (RFC 6525 5.1.4; RFC 6458
    /// `SCTP_RESET_ASSOC`): only with nothing queued or in flight
    /// (`ReconfigError::Busy` otherwise); `Event::AssocReset` tells the
    /// result.
    pub fn reset_association(&mut self, now: Instant, id: AssocId) -> Result<(), ReconfigError> {
        let a = self
            .assocs
            .get_mut(&id)
            .ok_or(ReconfigError::NoAssociation)?;
        a.reconfig_request(now, Request::ResetAssoc)
    }

    /// Adds `outgoing` streams and asks the peer for `incoming` more (Add
    /// Outgoing / Incoming Streams Requests, RFC 6525 5.1.5-5.1.6; RFC 6458
    /// `SCTP_ADD_STREAMS`); `Event::StreamChange` tells the result.
    pub fn add_streams(
        &mut self,
        now: Instant,
        id: AssocId,
        outgoing: u16,
        incoming: u16,
    ) -> Result<(), ReconfigError> {
        let a = self
            .assocs
            .get_mut(&id)
            .ok_or(ReconfigError::NoAssociation)?;
        a.reconfig_request(now, Request::AddStreams { outgoing, incoming })
    }

    /// Sets `stream`'s priority for the priority scheduler (RFC 8260 3.4;
    /// `SCTP_STREAM_SCHEDULER_VALUE`): lower values send first.
    pub fn set_stream_priority(&mut self, id: AssocId, stream: u16, priority: u16) -> bool {
        match self.assocs.get_mut(&id) {
            Some(a) => {
                a.tx.set_priority(stream, priority);
                true
            }
            None => false,
        }
    }

    /// Makes the peer's address `remote` association `id`'s primary
    /// destination (RFC 6458 8.1.8 `SCTP_PRIMARY_ADDR`); false when it is
    /// not one of the association's live destinations.
    pub fn set_primary(&mut self, id: AssocId, remote: IpAddr) -> bool {
        self.assocs
            .get_mut(&id)
            .is_some_and(|a| a.set_primary(remote))
    }

    /// Adds our address `ip` to association `id` with an ASCONF (RFC 5061
    /// 4.2.1; RFC 6458 `sctp_bindx` with `SCTP_BINDX_ADD_ADDR`); used once
    /// the peer acknowledged it. `Event::AddressConfigured` tells the result.
    pub fn add_address(
        &mut self,
        now: Instant,
        id: AssocId,
        ip: IpAddr,
    ) -> Result<(), AsconfError> {
        let a = self.assocs.get_mut(&id).ok_or(AsconfError::NoAssociation)?;
        a.asconf_request(now, AddressOp::Add(ip))
    }

    /// Deletes our address `ip` from association `id` with an ASCONF (RFC
    /// 5061 4.2.2; `SCTP_BINDX_REM_ADDR`).
    pub fn remove_address(
        &mut self,
        now: Instant,
        id: AssocId,
        ip: IpAddr,
    ) -> Result<(), AsconfError> {
        let a = self.assocs.get_mut(&id).ok_or(AsconfError::NoAssociation)?;
        a.asconf_request(now, AddressOp::Delete(ip))
    }

    /// Asks the peer to make our address `ip` its primary destination (Set
    /// Primary Address, RFC 5061 4.2.4; `SCTP_SET_PEER_PRIMARY_ADDR`).
    pub fn set_peer_primary(
        &mut self,
        now: Instant,
        id: AssocId,
        ip: IpAddr,
    ) -> Result<(), AsconfError> {
        let a = self.assocs.get_mut(&id).ok_or(AsconfError::NoAssociation)?;
        a.asconf_request(now, AddressOp::SetPrimary(ip))
    }

    /// Starts a graceful shutdown (RFC 9260 9.2).
    pub fn shutdown(&mut self, now: Instant, id: AssocId) {
        if let Some(a) = self.assocs.get_mut(&id) {
            a.shutdown(now);
        }
        self.collect(id);
    }

    /// Sets our S-SCTP security level on association `id`
    /// (draft-hohendorf-secure-sctp-15 10 SETSECLEVEL): from 0 it opens a
    /// secure session (we are the client), else SecLevCHD (9.7). False
    /// when there is no session or a change is already outstanding.
    pub fn set_security_level(&mut self, id: AssocId, level: u8) -> bool {
        let ok = self
            .assocs
            .get_mut(&id)
            .is_some_and(|a| a.secure_set_level(level));
        self.collect(id);
        ok
    }

    /// New S-SCTP keys for association `id` now (9.6 rekey).
    pub fn rekey(&mut self, id: AssocId) -> bool {
        let ok = self.assocs.get_mut(&id).is_some_and(|a| a.secure_rekey());
        self.collect(id);
        ok
    }

    /// Closes association `id`'s secure session; the association goes on
    /// in the clear (9.4 SHUTSECSESS).
    pub fn close_secure(&mut self, id: AssocId) -> bool {
        let ok = self.assocs.get_mut(&id).is_some_and(|a| a.secure_close());
        self.collect(id);
        ok
    }

    /// Aborts (RFC 9260 9.1), with an optional User-Initiated Abort reason.
    pub fn abort(&mut self, id: AssocId, reason: Option<&[u8]>) {
        if let Some(a) = self.assocs.get_mut(&id) {
            a.abort(reason);
        }
        self.collect(id);
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<Event> {
        let e = self.events.pop_front()?;
        if let Event::Message { id, message } = &e {
            if let Some(a) = self.assocs.get_mut(id) {
                let window = a.cfg.receive_window as usize;
                let before = a.a_rwnd() as usize;
                a.unread = a.unread.saturating_sub(message.data.len());
                // A window that opens again is announced at once (RFC 9260 6.2).
                if before < window / 4 && a.a_rwnd() as usize >= window / 4 {
                    if let Some(rx) = a.rx.as_mut() {
                        rx.force_sack();
                    }
                }
            }
        }
        Some(e)
    }

    /// When `handle_timeout` must next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.assocs.values().filter_map(|a| a.next_timeout()).min()
    }

    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let due: Vec<AssocId> = self
            .assocs
            .iter()
            .filter(|(_, a)| a.next_timeout().is_some_and(|t| t <= now))
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            if let Some(a) = self.assocs.get_mut(&id) {
                a.handle_timeout(now);
            }
            self.collect(id);
        }
    }

    /// Writes the next packet to send into `buf` and says where it goes.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<Transmit> {
        if let Some((local, remote, bytes)) = self.replies.pop_front() {
            buf.clear();
            buf.extend_from_slice(&bytes);
            return Some(Transmit {
                local,
                remote,
                ecn_capable: false,
                fragment: false,
            });
        }
        // Round robin from the cursor, without collecting the ids (no
        // allocation per packet).
        let start = AssocId(self.cursor);
        let mut next = self.assocs.range(start..).next().map(|(k, _)| *k);
        let mut wrapped = false;
        while let Some(id) = next.or_else(|| {
            if wrapped {
                None
            } else {
                wrapped = true;
                self.assocs.range(..start).next().map(|(k, _)| *k)
            }
        }) {
            next = {
                use std::ops::Bound::{Excluded, Unbounded};
                let after = self.assocs.range((Excluded(id), Unbounded)).next();
                match after {
                    Some((k, _)) if !wrapped || *k < start => Some(*k),
                    _ => None,
                }
            };
            let Some(a) = self.assocs.get_mut(&id) else {
                continue;
            };
            let ecn_capable = a.ecn;
            a.oversize = false;
            let out = a.write_packet(now, buf).map(|(local, remote)| Transmit {
                local,
                remote,
                ecn_capable,
                fragment: false,
            });
            let out = out.map(|t| Transmit {
                fragment: a.oversize,
                ..t
            });
            self.collect(id);
            if out.is_some() {
                self.cursor = id.0 + 1;
                return out;
            }
        }
        None
    }

    /// Moves an association's events to the endpoint's queue and forgets it
    /// once it is finished.
    fn collect(&mut self, id: AssocId) {
        let Some(a) = self.assocs.get_mut(&id) else {
            return;
        };
        a.drain_events(&mut self.events);
        if a.nat.retag {
            // A middlebox saw our tag collide (draft-ietf-tsvwg-natsupp
            // 5.1.2): INIT again with a new one.
            let tag = loop {
                let t = self.rng.next_u32();
                if t != 0 && t != a.local_tag {
                    break t;
                }
            };
            a.nat_new_tag(tag);
        }
        if let Some(s) = a.secure.as_mut() {
            if !s.seeded {
                let mut seed = [0u8; 32];
                self.rng.fill_bytes(&mut seed);
                s.reseed(seed);
            }
            self.stats.secure.add_delta(&s.stats, &s.reported);
            s.reported = s.stats;
        }
        if let Some(auth) = a.auth.as_mut() {
            self.stats.auth.add(&auth.unreported);
            auth.unreported = Default::default();
        }
        if a.paths_changed || (a.nat.restart_disabled && !a.nat.tag_routed) {
            let ports = (a.peer_port, a.local_port);
            for p in &a.paths {
                if a.paths_changed {
                    self.routes.insert((p.remote.ip(), ports.0, ports.1), id);
                }
                if a.nat.restart_disabled {
                    self.tag_routes
                        .insert((p.remote.ip(), ports.0, ports.1, a.local_tag), id);
                }
            }
            a.paths_changed = false;
            a.nat.tag_routed = a.nat.restart_disabled;
        }
        if a.is_finished() {
            let a = self.assocs.remove(&id).expect("present");
            self.routes.retain(|_, v| *v != id);
            if !self.tag_routes.is_empty() {
                self.tag_routes.retain(|_, v| *v != id);
            }
            drop(a);
        }
    }

    /// Takes an ICMP or ICMPv6 error quoting one of our packets (RFC 9260
    /// Appendix C): the association is found by the quoted addresses and
    /// ports (ICMP5), the quoted Verification Tag checked (ICMP6), then
    /// Fragmentation Needed / Packet Too Big lowers the path MTU (ICMP7,
    /// 7.3), Protocol Unreachable (and Port Unreachable over UDP, RFC 6951
    /// 5.5) ends the association like an ABORT (ICMP8), another
    /// Destination Unreachable marks the destination unreachable (ICMP9).
    /// [`Event::IcmpReceived`] tells what was done; [`Stats`] counts the
    /// rest.
    pub fn handle_icmp(&mut self, _now: Instant, e: &crate::icmp::IcmpError<'_>) {
        use crate::association::icmp::IcmpOutcome;
        self.stats.icmp_in += 1;
        let Some((src, dst, _)) = e.header() else {
            self.stats.icmp_ignored += 1;
            return;
        };
        let Some(id) = self.routes.get(&(e.remote.ip(), dst, src)).copied() else {
            self.stats.icmp_ignored += 1;
            return;
        };
        let Some(a) = self.assocs.get_mut(&id) else {
            self.stats.icmp_ignored += 1;
            return;
        };
        match a.handle_icmp(e) {
            IcmpOutcome::Handled => self.stats.icmp_handled += 1,
            IcmpOutcome::BadTag => self.stats.icmp_bad_tag += 1,
            IcmpOutcome::Ignored => self.stats.icmp_ignored += 1,
        }
        self.collect(id);
    }

    /// Takes one received SCTP packet (the UDP payload over UDP
    /// encapsulation, the IP payload over raw IP). `from` is the sender's IP
    /// address and UDP encapsulation port (0 over raw IP), `to` our address.
    pub fn handle_packet(&mut self, now: Instant, from: SocketAddr, to: IpAddr, bytes: &[u8]) {
        self.handle_packet_ecn(now, from, to, false, bytes)
    }

    /// As [`Endpoint::handle_packet`], with whether the IP header carried
    /// the Congestion Experienced mark (RFC 3168; RFC 9260 Appendix A).
    pub fn handle_packet_ecn(
        &mut self,
        now: Instant,
        from: SocketAddr,
        to: IpAddr,
        ce: bool,
        bytes: &[u8],
    ) {
        self.stats.packets_in += 1;
        if bytes.len() < 16 {
            self.stats.dropped += 1;
            return;
        }
        // RFC 9260 6.8: a packet with a bad CRC32c is discarded.
        let field = u32::from_be_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        // RFC 9653 5.3: with zero checksums offered, a zero field is
        // accepted for now; the association (or the cookie) must have
        // negotiated them, which is checked once the packet is routed.
        let zero = field == 0 && self.cfg.zero_checksum_edmid.is_some();
        if !zero && checksum::crc32c_field(bytes) != field {
            self.stats.bad_checksum += 1;
            self.report_bad_checksum(now, from, bytes);
            return;
        }
        let Ok(view) = PacketView::parse(bytes, Rules::STANDARD) else {
            self.stats.dropped += 1;
            return;
        };
        let h = view.header();
        let Some(first) = view.chunks().next() else {
            self.stats.dropped += 1;
            return;
        };
        // RFC 9260 6.10: INIT, INIT ACK and SHUTDOWN COMPLETE travel alone.
        if view.chunk_count() > 1
            && view
                .chunks()
                .any(|c| matches!(c.ty(), ty::INIT | ty::INIT_ACK | ty::SHUTDOWN_COMPLETE))
        {
            self.stats.dropped += 1;
            return;
        }
        let key = (from.ip(), h.source_port, h.destination_port);
        let existing = self
            .tag_route(key, h.verification_tag)
            .or_else(|| self.routes.get(&key).copied());
        // RFC 9260 8.5.1 (E): SHUTDOWN ACK in COOKIE-WAIT or COOKIE-ECHOED
        // is treated as out of the blue.
        if first.ty() == ty::SHUTDOWN_ACK {
            if let Some(id) = existing {
                if matches!(
                    self.assocs[&id].state(),
                    State::CookieWait | State::CookieEchoed
                ) {
                    self.on_ootb(to, from, &view);
                    return;
                }
            }
        }
        // RFC 4895 6.3 / RFC 9260 6.10: COOKIE ECHO may follow an AUTH
        // chunk; the cookie makes the association, then the AUTH is checked.
        let auth_then_cookie = first.ty() == ty::AUTH
            && self.cfg.auth
            && view
                .chunks()
                .nth(1)
                .is_some_and(|c| c.ty() == ty::COOKIE_ECHO);
        let (first, skip) = if auth_then_cookie {
            (view.chunks().nth(1).expect("checked"), 0)
        } else {
            (first, 1)
        };
        // RFC 9653 5.2: a packet with INIT always carries CRC32c.
        if zero && first.ty() == ty::INIT && checksum::crc32c_field(bytes) != field {
            self.stats.bad_checksum += 1;
            return;
        }
        match first.ty() {
            ty::INIT => {
                self.on_init(now, from, to, &view, &first, existing);
            }
            ty::COOKIE_ECHO => {
                if zero && !self.cookie_allows_zero_checksum(&first) {
                    self.stats.bad_checksum += 1;
                    return;
                }
                if let Some(id) = self.on_cookie_echo(now, from, to, &view, &first, existing) {
                    if let Some(a) = self.assocs.get_mut(&id) {
                        a.rx_ce = ce;
                        a.handle_chunks(now, from, &view, skip);
                    }
                    self.collect(id);
                }
            }
            _ => match existing {
                Some(id) => {
                    let a = self.assocs.get_mut(&id).expect("routed");
                    // Our INIT offered zero checksums: the INIT ACK may
                    // already use them (RFC 9653 5.3; dcsctp does).
                    let init_ack = first.ty() == ty::INIT_ACK && a.state() == State::CookieWait;
                    if zero
                        && !a.zero_checksum
                        && !init_ack
                        && checksum::crc32c_field(bytes) != field
                    {
                        self.stats.bad_checksum += 1;
                        return;
                    }
                    if !a.tag_ok(h.verification_tag, &first) {
                        self.stats.dropped += 1;
                        return;
                    }
                    a.rx_ce = ce;
                    a.handle_chunks(now, from, &view, 0);
                    self.collect(id);
                }
                None => {
                    if zero && checksum::crc32c_field(bytes) != field {
                        self.stats.bad_checksum += 1;
                        return;
                    }
                    // An INIT ACK from another address of the peer than the
                    // one our INIT went to: the association is the one in
                    // COOKIE-WAIT whose tag and ports it carries (as Linux
                    // and FreeBSD find it).
                    let waiting = (first.ty() == ty::INIT_ACK)
                        .then(|| {
                            self.assocs.iter().find_map(|(id, a)| {
                                (a.state() == State::CookieWait
                                    && a.local_tag == h.verification_tag
                                    && a.local_port == h.destination_port
                                    && a.peer_port == h.source_port)
                                    .then_some(*id)
                            })
                        })
                        .flatten();
                    match waiting {
                        Some(id) => {
                            let a = self.assocs.get_mut(&id).expect("found");
                            a.handle_chunks(now, from, &view, 0);
                            self.collect(id);
                        }
                        None => self.on_ootb(to, from, &view),
                    }
                }
            },
        }
    }

    /// A packet with a bad checksum that names one of our associations
    /// (ports, our tag) is reported to the peer with PKTDROP when both
    /// offered it (draft-stewart-sctp-pktdrprep; usrsctp does so).
    fn report_bad_checksum(&mut self, now: Instant, from: SocketAddr, bytes: &[u8]) {
        if !self.cfg.pktdrop {
            return;
        }
        let src = u16::from_be_bytes([bytes[0], bytes[1]]);
        let dst = u16::from_be_bytes([bytes[2], bytes[3]]);
        let vtag = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
        let Some(id) = self.routes.get(&(from.ip(), src, dst)).copied() else {
            return;
        };
        if let Some(a) = self.assocs.get_mut(&id) {
            if a.local_tag == vtag && a.pktdrop_on() {
                a.report_dropped(now, bytes, true);
            }
        }
    }

    /// The association whose tag `vtag` is at this address and ports, when
    /// some association has restart disabled (draft-ietf-tsvwg-natsupp).
    fn tag_route(&self, key: (IpAddr, u16, u16), vtag: u32) -> Option<AssocId> {
        if self.tag_routes.is_empty() || vtag == 0 {
            return None;
        }
        self.tag_routes.get(&(key.0, key.1, key.2, vtag)).copied()
    }

    fn reply(
        &mut self,
        local: IpAddr,
        remote: SocketAddr,
        h: CommonHeader,
        chunk: (u8, u8, &[u8]),
    ) {
        if self.replies.len() >= MAX_REPLIES {
            self.stats.replies_dropped += 1;
            return;
        }
        let mut buf = Vec::with_capacity(16 + chunk.2.len());
        let value = &chunk.2[..crate::wire::unpadded_len(chunk.2, transmit::list_start(chunk.0))];
        let mut w = PacketWriter::new(&mut buf, h, self.cfg.max_packet.max(16 + chunk.2.len()));
        if w.push_raw(chunk.0, chunk.1, value).is_err() {
            return;
        }
        w.finish(ChecksumAlgorithm::Crc32c);
        self.replies.push_back((local, remote, buf));
    }

    /// Out-of-the-blue packets (RFC 9260 8.4).
    fn on_ootb(&mut self, to: IpAddr, from: SocketAddr, view: &PacketView<'_>) {
        self.stats.ootb += 1;
        let h = view.header();
        let back = CommonHeader {
            source_port: h.destination_port,
            destination_port: h.source_port,
            verification_tag: h.verification_tag,
        };
        let mut reply_abort = true;
        for c in view.chunks() {
            match c.ty() {
                // (2) ABORT, (6) SHUTDOWN COMPLETE, (7) COOKIE ACK: silently discarded.
                ty::ABORT | ty::SHUTDOWN_COMPLETE | ty::COOKIE_ACK => return,
                // (7) ERROR with Stale Cookie.
                ty::ERROR if c.tlvs().any(|t| t.ty() == cause::STALE_COOKIE) => return,
                // (5) SHUTDOWN ACK: SHUTDOWN COMPLETE with the T bit.
                ty::SHUTDOWN_ACK => {
                    self.reply(to, from, back, (ty::SHUTDOWN_COMPLETE, flags::T_BIT, &[]));
                    return;
                }
                _ => {}
            }
            reply_abort = true;
        }
        if reply_abort {
            // (8) ABORT with the T bit, the received tag reflected.
            self.reply(to, from, back, (ty::ABORT, flags::T_BIT, &[]));
        }
    }

    /// Whether the cookie in this COOKIE ECHO says both sides offered zero
    /// checksums with our method (RFC 9653 5.3: the packet with COOKIE ECHO
    /// may already carry one).
    fn cookie_allows_zero_checksum(&self, first: &ChunkView<'_>) -> bool {
        first
            .cookie_echo()
            .and_then(|raw| cookie::open(raw, &self.secret).ok())
            .is_some_and(|f| f.features & 16 != 0)
    }

    /// INIT (RFC 9260 5.1 B; collisions 5.2.1, 5.2.2).
    fn on_init(
        &mut self,
        now: Instant,
        from: SocketAddr,
        to: IpAddr,
        view: &PacketView<'_>,
        first: &ChunkView<'_>,
        existing: Option<AssocId>,
    ) {
        let h = view.header();
        // RFC 9260 8.5.1 (A): INIT travels with tag 0; 6.10: alone.
        if h.verification_tag != 0 || view.chunk_count() != 1 {
            self.stats.dropped += 1;
            return;
        }
        let Some(init) = first.init() else {
            self.stats.dropped += 1;
            return;
        };
        // RFC 9260 3.3.2: an Initiate Tag of 0 is silently discarded.
        if init.initiate_tag() == 0 {
            self.stats.dropped += 1;
            return;
        }
        let back = CommonHeader {
            source_port: h.destination_port,
            destination_port: h.source_port,
            verification_tag: init.initiate_tag(),
        };
        if existing.is_none() && !self.listeners.contains(&h.destination_port) {
            // RFC 9260 8.4 (3): ABORT with the INIT's tag, T bit clear.
            self.stats.ootb += 1;
            self.reply(to, from, back, (ty::ABORT, 0, &[]));
            return;
        }
        if init.outbound_streams() == 0 || init.inbound_streams() == 0 {
            let mut v = Vec::new();
            put_tlv(&mut v, cause::INVALID_MANDATORY_PARAMETER, &[]);
            self.reply(to, from, back, (ty::ABORT, 0, &v));
            return;
        }
        // Parameters (RFC 9260 3.2.1 action bits, 5.1.2 host names).
        let mut addrs: Vec<SocketAddr> = vec![from];
        let mut ips: Vec<IpAddr> = Vec::new();
        let mut unrecognized = Vec::new();
        let mut preservative_ms: u32 = 0;
        let mut features = 0u32;
        let mut adaptation = None;
        let mut peer_auth = crate::association::auth::PeerParams::default();
        for p in init.params() {
            if self.cfg.auth && peer_auth.offer(p.ty(), p.value()) {
                continue;
            }
            match p.ty() {
                param::IPV4_ADDRESS | param::IPV6_ADDRESS => {
                    if let Some(ip) = rules::param_address(p.ty(), p.value()) {
                        ips.push(ip);
                        if ip != from.ip() && addrs.len() < cookie::MAX_ADDRS {
                            addrs.push(SocketAddr::new(ip, from.port()));
                        }
                    }
                }
                param::FORWARD_TSN_SUPPORTED if self.cfg.pr_sctp => features |= 1,
                param::ECN_CAPABLE if self.cfg.ecn => features |= 8,
                param::ZERO_CHECKSUM_ACCEPTABLE
                    if self.cfg.zero_checksum_edmid.is_some()
                        && crate::wire::u32_at(p.value(), 0) == self.cfg.zero_checksum_edmid =>
                {
                    features |= 16
                }
                param::SUPPORTED_EXTENSIONS => {
                    if self.cfg.interleaving && p.value().contains(&ty::I_DATA) {
                        features |= 2;
                    }
                    if self.cfg.interleaving && p.value().contains(&ty::I_FORWARD_TSN) {
                        features |= 4;
                    }
                    if self.cfg.reconfig && p.value().contains(&ty::RE_CONFIG) {
                        features |= 32;
                    }
                    if self.cfg.nr_sack && p.value().contains(&ty::NR_SACK) {
                        features |= 64;
                    }
                    if self.cfg.secure.is_some() && p.value().contains(&0xD0) {
                        features |= 1024;
                    }
                    if self.cfg.asconf
                        && p.value().contains(&ty::ASCONF)
                        && p.value().contains(&ty::ASCONF_ACK)
                    {
                        features |= 128;
                    }
                    if self.cfg.pktdrop && p.value().contains(&ty::PKTDROP) {
                        features |= 256;
                    }
                }
                param::DISABLE_RESTART if self.cfg.nat_support => features |= 512,
                param::ADAPTATION_LAYER_INDICATION => {
                    adaptation = crate::wire::u32_at(p.value(), 0);
                }
                param::COOKIE_PRESERVATIVE => {
                    preservative_ms = crate::wire::u32_at(p.value(), 0).unwrap_or(0);
                }
                param::HOST_NAME_ADDRESS => {
                    // RFC 9260 5.1.2: we do not resolve names: ABORT with
                    // Unresolvable Address holding the parameter.
                    let mut v = Vec::new();
                    crate::wire::put_tlv_with(&mut v, cause::UNRESOLVABLE_ADDRESS, |o| {
                        put_tlv(o, p.ty(), p.value())
                    });
                    self.reply(to, from, back, (ty::ABORT, 0, &v));
                    return;
                }
                t if rules::known_init_param(t, false) => {}
                t => {
                    let action = UnknownParam::of(t);
                    if action.report {
                        crate::wire::put_tlv_with(
                            &mut unrecognized,
                            param::UNRECOGNIZED_PARAMETER,
                            |o| put_tlv(o, t, p.value()),
                        );
                    }
                    if !action.skip {
                        break;
                    }
                }
            }
        }
        if self
            .policy
            .assoc_request(&AssocRequest {
                local_port: h.destination_port,
                source: from,
                peer_port: h.source_port,
                addresses: &ips,
            })
            .map_err(|r| {
                if r == Refusal::Abort {
                    self.reply(to, from, back, (ty::ABORT, 0, &[]));
                }
            })
            .is_err()
        {
            self.stats.refused += 1;
            return;
        }
        // Tags: a new association, or a collision/restart (RFC 9260 5.2).
        // draft-ietf-tsvwg-natsupp 5.2.1: with restart disabled on both
        // sides, an INIT from the address and ports of an association is
        // another host behind the same NAT: a new association.
        let existing = existing.filter(|id| {
            features & 512 == 0 || !self.assocs.get(id).is_some_and(|a| a.nat.restart_disabled)
        });
        let (local_tag, local_tsn, tie) = match existing.and_then(|id| self.assocs.get(&id)) {
            None => (self.random_tag(), self.rng.next_u32(), (0, 0)),
            Some(a) => match a.state() {
                // 5.2.1: answer with the tag and TSN of our own INIT.
                State::CookieWait | State::CookieEchoed => (a.local_tag, a.local_tsn, (0, 0)),
                // 9.2: in SHUTDOWN-ACK-SENT, send SHUTDOWN ACK again.
                State::ShutdownAckSent => {
                    if let Some(id) = existing {
                        if let Some(a) = self.assocs.get_mut(&id) {
                            a.send_shutdown_ack = true;
                        }
                    }
                    return;
                }
                // 5.2.2: an INIT that adds addresses to an existing
                // association is answered with ABORT, Restart of an
                // Association with New Addresses, listing them.
                _ if ips
                    .iter()
                    .any(|ip| !a.status().peer_addrs.iter().any(|p| p.ip() == *ip)) =>
                {
                    let known: Vec<IpAddr> = a.status().peer_addrs.iter().map(|p| p.ip()).collect();
                    let mut v = Vec::new();
                    crate::wire::put_tlv_with(&mut v, cause::RESTART_WITH_NEW_ADDRESSES, |o| {
                        for ip in ips.iter().filter(|ip| !known.contains(ip)) {
                            crate::wire::put_address(o, *ip);
                        }
                    });
                    self.reply(to, from, back, (ty::ABORT, 0, &v));
                    return;
                }
                // 5.2.2: new tag; the existing tags go in as tie-tags.
                _ => {
                    let t = (a.local_tag, a.peer_tag);
                    (self.random_tag(), self.rng.next_u32(), t)
                }
            },
        };
        let peer_vector = peer_auth.vector();
        if self.cfg.auth && self.cfg.auth_required && peer_vector.is_none() {
            // We require SCTP-AUTH (RFC 4895) and the peer does not offer it.
            let mut v = Vec::new();
            put_tlv(
                &mut v,
                cause::PROTOCOL_VIOLATION,
                b"the peer does not offer SCTP-AUTH, which we require",
            );
            self.stats.refused += 1;
            self.reply(to, from, back, (ty::ABORT, 0, &v));
            return;
        }
        if let Some(s) = &self.cfg.secure {
            if s.requirement().mandatory() && features & 1024 == 0 {
                // A listener that requires S-SCTP refuses a peer without it:
                // ABORT, no state (policy-hooks.md; cause 0x0020, our code 3).
                let v = crate::association::Association::secure_refusal_causes();
                self.stats.refused += 1;
                self.stats.secure.refused += 1;
                self.reply(to, from, back, (ty::ABORT, 0, &v));
                return;
            }
        }
        let mut auth_params = Vec::new();
        let auth = peer_vector.map(|peer_vector| {
            let mut random = [0u8; 32];
            self.rng.fill_bytes(&mut random);
            let local_vector =
                crate::association::auth::put_local_params(&mut auth_params, &self.cfg, &random);
            crate::association::auth::AuthNegotiated {
                local_vector,
                peer_vector,
            }
        });
        let mut lifetime = self.cfg.valid_cookie_life.as_millis() as u64;
        lifetime += (preservative_ms as u64).min(lifetime);
        let f = CookieFields {
            created_ms: self.now_ms(now),
            lifetime_ms: lifetime.min(u32::MAX as u64) as u32,
            local_tag,
            peer_tag: init.initiate_tag(),
            local_tsn,
            peer_tsn: init.initial_tsn(),
            peer_rwnd: init.a_rwnd(),
            outbound_streams: self.cfg.outbound_streams.min(init.inbound_streams()),
            inbound_streams: init.outbound_streams().min(self.cfg.max_inbound_streams),
            local_port: h.destination_port,
            peer_port: h.source_port,
            local_tie_tag: tie.0,
            peer_tie_tag: tie.1,
            peer_addrs: addrs,
            local_addr: to,
            features,
            auth,
            adaptation,
        };
        let mut value = Vec::with_capacity(256);
        value.extend_from_slice(&local_tag.to_be_bytes());
        value.extend_from_slice(&self.cfg.receive_window.to_be_bytes());
        // RFC 9260 5.1.1: no more outbound streams than the INIT's MIS.
        let os = self.cfg.outbound_streams.min(init.inbound_streams());
        value.extend_from_slice(&os.to_be_bytes());
        value.extend_from_slice(&self.cfg.max_inbound_streams.to_be_bytes());
        value.extend_from_slice(&local_tsn.to_be_bytes());
        // FreeBSD's order (`sctp_send_initiate_ack`): the feature
        // parameters, AUTH's, our addresses, Unrecognized Parameters, the
        // cookie (RFC 9260 3.3.3 sets none).
        transmit::put_feature_params(&mut value, &self.cfg);
        value.extend_from_slice(&auth_params);
        if self.local_addrs.len() > 1 {
            for ip in &self.local_addrs {
                crate::wire::put_address(&mut value, *ip);
            }
        }
        value.extend_from_slice(&unrecognized);
        let mut c = Vec::with_capacity(160);
        cookie::seal(&f, &self.secret, &mut c);
        put_tlv(&mut value, param::STATE_COOKIE, &c);
        self.stats.init_acks += 1;
        self.reply(to, from, back, (ty::INIT_ACK, 0, &value));
    }

    /// COOKIE ECHO (RFC 9260 5.1.5, 5.2.4 table 2). Returns the association
    /// the rest of the packet belongs to.
    fn on_cookie_echo(
        &mut self,
        now: Instant,
        from: SocketAddr,
        to: IpAddr,
        view: &PacketView<'_>,
        first: &ChunkView<'_>,
        existing: Option<AssocId>,
    ) -> Option<AssocId> {
        let h = view.header();
        let raw = first.cookie_echo()?;
        let f = match cookie::open(raw, &self.secret) {
            Ok(f) => f,
            Err(_) => {
                // RFC 9260 5.1.5 (2): silently discard.
                self.stats.bad_cookies += 1;
                return None;
            }
        };
        // 5.1.5 (1)/(4): tag and ports must be those of the cookie.
        if h.verification_tag != f.local_tag
            || h.destination_port != f.local_port
            || h.source_port != f.peer_port
        {
            self.stats.dropped += 1;
            return None;
        }
        let back = CommonHeader {
            source_port: f.local_port,
            destination_port: f.peer_port,
            verification_tag: f.peer_tag,
        };
        if let Some(us) = f.staleness_us(self.now_ms(now)) {
            // 5.1.5 (3): ERROR with Stale Cookie, staleness in microseconds.
            self.stats.stale_cookies += 1;
            let mut v = Vec::new();
            put_tlv(
                &mut v,
                cause::STALE_COOKIE,
                &(us.min(u32::MAX as u64) as u32).to_be_bytes(),
            );
            self.reply(to, from, back, (ty::ERROR, 0, &v));
            return None;
        }
        let n = Negotiated {
            local_tag: f.local_tag,
            peer_tag: f.peer_tag,
            local_tsn: f.local_tsn,
            peer_tsn: f.peer_tsn,
            peer_rwnd: f.peer_rwnd,
            outbound: f.outbound_streams,
            inbound: f.inbound_streams,
            pr: f.features & 1 != 0,
            idata: f.features & 2 != 0,
            ifwd: f.features & 4 != 0,
            ecn: f.features & 8 != 0,
            auth: f.auth.clone(),
            zero_checksum: f.features & 16 != 0,
            reconfig: f.features & 32 != 0,
            nr_sack: f.features & 64 != 0,
            ssctp: f.features & 1024 != 0,
            asconf: f.features & 128 != 0,
            pktdrop: f.features & 256 != 0,
            nat: f.features & 512 != 0,
            adaptation: f.adaptation,
        };
        let cookie_ack = {
            let mut c = Vec::with_capacity(4);
            crate::association::transmit::chunk_bytes(&mut c, ty::COOKIE_ACK, 0, &[]);
            c
        };
        // draft-ietf-tsvwg-natsupp 5.2.1: with restart disabled, a cookie
        // with neither tag of the association at this address and ports is
        // another host behind the same NAT, not a restart: a new
        // association (as usrsctp allows a duplicate one).
        let existing = existing.filter(|id| {
            !(n.nat
                && self.assocs.get_mut(id).is_some_and(|a| {
                    f.local_tag != a.local_tag
                        && f.peer_tag != a.peer_tag
                        && a.nat_refuses_restart()
                }))
        });
        if let Some(id) = existing {
            let a = self.assocs.get_mut(&id)?;
            let (l, p) = (a.local_tag, a.peer_tag);
            let local_m = f.local_tag == l;
            let peer_m = f.peer_tag == p;
            if !local_m && !peer_m && f.local_tie_tag == l && f.peer_tie_tag == p {
                // Action A: the peer restarted.
                if a.state() == State::ShutdownAckSent {
                    let mut v = Vec::new();
                    put_tlv(&mut v, cause::COOKIE_RECEIVED_WHILE_SHUTTING_DOWN, &[]);
                    let mut err = Vec::new();
                    crate::association::transmit::chunk_bytes(&mut err, ty::ERROR, 0, &v);
                    a.send_shutdown_ack = true;
                    a.control.push_back(err);
                    return None;
                }
                let mut fresh = association_from_cookie(&self.cfg, &self.local_addrs, id, &f, &n);
                fresh.events.clear();
                let streams = (n.outbound, n.inbound);
                fresh.events.push_back(Event::AssocChange {
                    id,
                    change: AssocChange::Restart,
                    streams,
                    reason: None,
                });
                fresh.control.push_back(cookie_ack);
                fresh.start_heartbeats(now);
                let mut failed = a.rtx.unacked();
                failed.extend(a.tx.unsent());
                let dropped = a.tx.clear() + a.rtx.clear();
                if dropped > 0 {
                    self.events.push_back(Event::SendFailed {
                        id,
                        count: dropped,
                        failed,
                    });
                }
                *a = fresh;
                return Some(id);
            }
            if local_m && !peer_m {
                // Action B: setup collision; take the peer's new values.
                a.establish_if_needed(&n, now);
                a.control.push_back(cookie_ack);
                return Some(id);
            }
            if !local_m && peer_m && f.local_tie_tag == 0 && f.peer_tie_tag == 0 {
                // Action C: discard.
                return None;
            }
            if local_m && peer_m {
                // Action D.
                a.establish_if_needed(&n, now);
                a.control.push_back(cookie_ack);
                return Some(id);
            }
            return None;
        }
        if !self.listeners.contains(&f.local_port) {
            self.stats.ootb += 1;
            return None;
        }
        let id = AssocId(self.next_id);
        self.next_id += 1;
        let mut a = association_from_cookie(&self.cfg, &self.local_addrs, id, &f, &n);
        let refused = self
            .policy
            .established(&Established {
                peer_addrs: &f.peer_addrs,
                ports: (f.local_port, f.peer_port),
                tags: (f.local_tag, f.peer_tag),
                streams: (n.outbound, n.inbound),
            })
            .is_err();
        if refused {
            self.stats.refused += 1;
            self.reply(to, from, back, (ty::ABORT, 0, &[]));
            return None;
        }
        a.control.push_back(cookie_ack);
        a.start_heartbeats(now);
        for addr in &f.peer_addrs {
            self.routes
                .insert((addr.ip(), f.peer_port, f.local_port), id);
        }
        self.routes
            .insert((from.ip(), f.peer_port, f.local_port), id);
        self.assocs.insert(id, a);
        Some(id)
    }
}

/// The association a valid cookie describes (fields of the endpoint passed
/// apart, so that a restart can build it while holding the old one).
fn association_from_cookie(
    cfg: &Arc<Config>,
    local_addrs: &[IpAddr],
    id: AssocId,
    f: &CookieFields,
    n: &Negotiated,
) -> Association {
    Association::new_from_cookie(
        id,
        cfg.clone(),
        f.local_addr,
        local_addrs,
        f.local_port,
        &f.peer_addrs,
        f.peer_port,
        n,
    )
}
