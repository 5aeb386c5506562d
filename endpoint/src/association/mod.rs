//! One association (RFC 9260 4): its state, tags, paths, send and receive
//! machinery and timers. The endpoint ([`crate::Endpoint`]) routes packets to
//! it; chunk handling is in `receive`, packet assembly in `transmit`.

pub mod addresses;
pub mod asconf;
pub mod auth;
pub mod data_tracker;
pub(crate) mod icmp;
pub mod interleaved;
pub mod nat;
pub mod path;
pub mod pktdrop;
pub mod reassembly;
mod receive;
pub mod reconfig;
pub mod retransmit;
pub mod stream_reset;
pub(crate) mod transmit;
pub mod tx_queue;

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::events::{AssocChange, Event, Reason};
use crate::AssocId;
use data_tracker::DataTracker;
use path::Path;
use reassembly::Reassembler;
use retransmit::RetransmitQueue;
use tx_queue::TxQueue;

/// The states of RFC 9260 4 (CLOSED is the absence of an association).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// INIT sent, waiting for INIT ACK.
    CookieWait,
    /// COOKIE ECHO sent, waiting for COOKIE ACK.
    CookieEchoed,
    /// Up.
    Established,
    /// The application asked to shut down; data still outstanding.
    ShutdownPending,
    /// SHUTDOWN sent.
    ShutdownSent,
    /// SHUTDOWN received; data still outstanding.
    ShutdownReceived,
    /// SHUTDOWN ACK sent.
    ShutdownAckSent,
    /// Gone (kept until the endpoint removes it).
    Closed,
}

/// A snapshot of an association for the application (RFC 6458 8.2.1
/// `SCTP_STATUS` in spirit).
#[derive(Debug, Clone)]
pub struct Status {
    /// State.
    pub state: State,
    /// Our tag and the peer's.
    pub tags: (u32, u32),
    /// Outbound and inbound streams.
    pub streams: (u16, u16),
    /// The peer's current receive window.
    pub peer_rwnd: u32,
    /// Bytes queued, not yet sent.
    pub queued: usize,
    /// Chunks outstanding.
    pub outstanding: usize,
    /// DATA retransmissions so far.
    pub retransmissions: u64,
    /// Primary path: cwnd, RTO and smoothed RTT.
    pub cwnd: usize,
    /// RTO of the primary path.
    pub rto: Duration,
    /// SRTT of the primary path.
    pub srtt: Option<Duration>,
    /// Peer addresses (paths).
    pub peer_addrs: Vec<SocketAddr>,
    /// Whether PR-SCTP was negotiated (RFC 3758 3.1).
    pub pr_sctp: bool,
    /// Whether I-DATA was negotiated (RFC 8260).
    pub i_data: bool,
    /// Messages abandoned under each policy (RFC 7496).
    pub abandoned: crate::send::Abandoned,
    /// SCTP-AUTH counters when AUTH is in use (RFC 4895).
    pub auth: Option<auth::AuthStats>,
    /// Our packets carry a zero checksum (RFC 9653).
    pub zero_checksum: bool,
    /// Stream reconfiguration is available (RFC 6525).
    pub reconfig: bool,
    /// NR-SACK is used both ways.
    pub nr_sack: bool,
    /// Dynamic address reconfiguration is available (RFC 5061).
    pub asconf: bool,
    /// Our addresses in the association.
    pub local_addrs: Vec<IpAddr>,
    /// The primary destination.
    pub primary: SocketAddr,
    /// The S-SCTP secure session, when the peer offered S-SCTP.
    pub secure: Option<crate::secure::SecureStatus>,
    /// PKTDROP counters when PKTDROP is in use (draft-stewart-sctp-pktdrprep).
    pub pktdrop: Option<pktdrop::PktDropStats>,
    /// NAT support in use: both sent Disable Restart (draft-ietf-tsvwg-natsupp 5.2.1).
    pub nat: bool,
    /// What the NAT support did (draft-ietf-tsvwg-natsupp).
    pub nat_stats: nat::NatStats,
    /// The cumulative TSN of the peer's DATA received so far (RFC 9260
    /// 6.2; RFC 6458 5.3.5 `rcv_cumtsn`); 0 before the association is up.
    pub peer_cum_tsn: u32,
    /// The packet size messages are cut to: the smallest path MTU as an
    /// SCTP packet (RFC 9260 7.3; RFC 6458 `sstat_fragmentation_point`
    /// plus the headers).
    pub packet_size: usize,
    /// Each destination the peer has not deleted (RFC 5061 ASCONF), and
    /// what is known of it (RFC 6458 8.2.2 `SCTP_GET_PEER_ADDR_INFO`).
    pub paths: Vec<path::PathStatus>,
}

/// The parameters an association starts established with (from a cookie,
/// or from INIT ACK on the initiator's side).
#[derive(Debug, Clone)]
pub(crate) struct Negotiated {
    pub local_tag: u32,
    pub peer_tag: u32,
    pub local_tsn: u32,
    pub peer_tsn: u32,
    pub peer_rwnd: u32,
    pub outbound: u16,
    pub inbound: u16,
    /// Both sides support PR-SCTP (RFC 3758 3.1).
    pub pr: bool,
    /// Both sides support I-DATA (RFC 8260 2.2).
    pub idata: bool,
    /// Both sides list I-FORWARD-TSN (RFC 8260 2.3).
    pub ifwd: bool,
    /// Both sides are ECN capable (RFC 9260 Appendix A).
    pub ecn: bool,
    /// Both sides offered SCTP-AUTH: their key vectors (RFC 4895 6.1).
    pub auth: Option<auth::AuthNegotiated>,
    /// The peer accepts zero checksums with our method (RFC 9653 5.2).
    pub zero_checksum: bool,
    /// Both list RE-CONFIG in Supported Extensions (RFC 6525 3.1).
    pub reconfig: bool,
    /// Both list NR-SACK in Supported Extensions.
    pub nr_sack: bool,
    /// Both offer S-SCTP (0xD0 in Supported Extensions; ours, docs/ssctp-endpoint.md).
    pub ssctp: bool,
    /// Both list ASCONF and ASCONF-ACK in Supported Extensions (RFC 5061).
    pub asconf: bool,
    /// Both list PKTDROP in Supported Extensions (draft-stewart-sctp-pktdrprep).
    pub pktdrop: bool,
    /// Both sent Disable Restart (draft-ietf-tsvwg-natsupp 5.2.1).
    pub nat: bool,
    /// The peer's Adaptation Layer Indication (RFC 5061 4.2.7).
    pub adaptation: Option<u32>,
}

/// One SCTP association.
#[derive(Debug)]
pub struct Association {
    pub(crate) id: AssocId,
    pub(crate) state: State,
    pub(crate) cfg: Arc<Config>,
    pub(crate) local_port: u16,
    pub(crate) peer_port: u16,
    pub(crate) local_addr: IpAddr,
    /// All our addresses (the first is `local_addr`).
    pub(crate) local_addrs: Vec<IpAddr>,
    /// Chunks that must go to one path (HEARTBEAT, HEARTBEAT ACK), whole.
    pub(crate) directed: VecDeque<(usize, Vec<u8>)>,
    /// The path the latest DATA came from: SACKs go there (RFC 9260 6.4).
    pub(crate) rx_path: usize,
    /// Paths were added since the endpoint last looked (it routes them).
    pub(crate) paths_changed: bool,
    pub(crate) local_tag: u32,
    pub(crate) peer_tag: u32,
    pub(crate) paths: Vec<Path>,
    pub(crate) primary: usize,
    /// T3-rtx deadline per path.
    pub(crate) t3: Vec<Option<Instant>>,
    // Handshake.
    pub(crate) local_tsn: u32,
    pub(crate) init_value: Vec<u8>,
    pub(crate) cookie: Vec<u8>,
    /// Causes to report in an ERROR bundled with COOKIE ECHO.
    pub(crate) init_ack_unrecognized: Vec<u8>,
    pub(crate) t1: Option<Instant>,
    pub(crate) t1_count: u32,
    /// What INIT ACK negotiated, until COOKIE ACK makes it true.
    pub(crate) pending: Option<Negotiated>,
    pub(crate) send_handshake: bool,
    // Data.
    pub(crate) tx: TxQueue,
    pub(crate) rtx: RetransmitQueue,
    pub(crate) rx: Option<DataTracker>,
    pub(crate) reasm: Option<Reassembler>,
    pub(crate) peer_rwnd: u32,
    /// Bytes delivered to the event queue the application has not taken.
    pub(crate) unread: usize,
    /// Highest TSN received (for the zero-window rule of RFC 9260 6.2).
    pub(crate) flight: Vec<usize>,
    // Control chunks waiting to go out, whole (header included).
    pub(crate) control: VecDeque<Vec<u8>>,
    // Shutdown.
    pub(crate) t2: Option<Instant>,
    pub(crate) t2_count: u32,
    /// T5-shutdown-guard (RFC 9260 9.2): 5 x RTO.Max after SHUTDOWN first went out.
    pub(crate) t5: Option<Instant>,
    pub(crate) send_shutdown: bool,
    pub(crate) send_shutdown_ack: bool,
    pub(crate) send_shutdown_complete: bool,
    /// An ABORT to send and then close.
    pub(crate) abort_out: Option<Vec<u8>>,
    /// Association-wide error counter (RFC 9260 8.1).
    pub(crate) errors: u32,
    pub(crate) dry_notified: bool,
    /// PR-SCTP in use: we and the peer announced Forward-TSN-Supported.
    pub(crate) pr: bool,
    /// I-DATA in use (RFC 8260): both announced it.
    pub(crate) idata: bool,
    /// ECN in use (RFC 9260 Appendix A).
    pub(crate) ecn: bool,
    /// The packet being handled arrived with the CE mark.
    pub(crate) rx_ce: bool,
    /// Receiver: an ECNE to repeat in every packet until a CWR covers its
    /// TSN.
    pub(crate) ecne_tsn: Option<crate::serial::Tsn>,
    /// Sender: the highest TSN sent when cwnd was last cut for an ECNE;
    /// ECNEs for TSNs up to it are answered without cutting again.
    pub(crate) cwr_tsn: Option<crate::serial::Tsn>,
    /// Sender: a CWR to send with this TSN.
    pub(crate) cwr_out: Option<crate::serial::Tsn>,
    /// Reassembly of I-DATA.
    pub(crate) ireasm: Option<interleaved::IdataReassembler>,
    /// Messages abandoned per policy (RFC 7496).
    pub(crate) abandoned: crate::send::Abandoned,
    /// A FORWARD TSN is to go out (RFC 3758 3.5 C2).
    pub(crate) send_fwd_tsn: bool,
    /// The new cumulative TSN of the last FORWARD TSN sent.
    pub(crate) fwd_tsn_sent: Option<crate::serial::Tsn>,
    pub(crate) heartbeat_nonce: u64,
    /// SCTP-AUTH in use (RFC 4895), from INIT ACK or the cookie on.
    pub(crate) auth: Option<auth::Auth>,
    /// Our AUTH key vector as our INIT sent it (initiator only).
    pub(crate) auth_local_vector: Vec<u8>,
    /// Our packets go out with a zero checksum (RFC 9653 5.2), and the
    /// peer's may come with one (5.3).
    pub(crate) zero_checksum: bool,
    /// Stream reconfiguration, when both sides support it (RFC 6525).
    pub(crate) reconfig: Option<reconfig::Reconfig>,
    /// When the outstanding RE-CONFIG request is sent again.
    pub(crate) reconfig_timer: Option<Instant>,
    /// NR-SACK instead of SACK, both ways.
    pub(crate) nr_sack: bool,
    /// Dynamic address reconfiguration, when negotiated with AUTH (RFC 5061).
    pub(crate) asconf: Option<asconf::Asconf>,
    /// T-4 RTO: when our outstanding ASCONF goes again.
    pub(crate) asconf_timer: Option<Instant>,
    /// The S-SCTP secure session (draft-hohendorf-secure-sctp-15).
    pub(crate) secure: Option<Box<crate::secure::Session>>,
    /// PKTDROP reporting and handling, when negotiated.
    pub(crate) pktdrop: Option<pktdrop::PktDrop>,
    /// NAT support state (draft-ietf-tsvwg-natsupp).
    pub(crate) nat: nat::Nat,
    /// Gap blocks of a received NR-SACK, merged (kept for its capacity).
    pub(crate) gap_scratch: Vec<(u16, u16)>,
    pub(crate) events: VecDeque<Event>,
    /// The packet just written is above the path MTU: a chunk sent before
    /// the MTU went down, which IP may fragment (RFC 9260 7.3).
    pub(crate) oversize: bool,
    /// Messages waiting for the association to be up.
    pub(crate) streams_requested: u16,
}

impl Association {
    /// A new association in COOKIE-WAIT (the initiator, RFC 9260 5.1 A).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new_initiator(
        id: AssocId,
        cfg: Arc<Config>,
        now: Instant,
        local_addr: IpAddr,
        local_port: u16,
        remote: SocketAddr,
        peer_port: u16,
        local_tag: u32,
        local_tsn: u32,
        streams: u16,
        extra_local: &[IpAddr],
        extra_remotes: &[SocketAddr],
        auth_random: &[u8; 32],
    ) -> Self {
        let mut a = Self::blank(id, cfg, local_addr, local_port, remote, peer_port);
        for l in extra_local {
            if !a.local_addrs.contains(l) {
                a.local_addrs.push(*l);
            }
        }
        a.paths[0].local = a.best_local(remote.ip());
        for r in extra_remotes {
            // Given by the application (sctp_connectx): confirmed.
            a.add_path(*r, true);
        }
        a.state = State::CookieWait;
        a.local_tag = local_tag;
        a.local_tsn = local_tsn;
        a.streams_requested = streams;
        a.rtx = RetransmitQueue::new(local_tsn);
        a.tx = TxQueue::new(streams);
        a.tx.set_scheduler(a.cfg.scheduler);
        a.init_value = transmit::init_value(&a.cfg, local_tag, local_tsn, streams);
        if a.cfg.auth {
            a.auth_local_vector = auth::put_local_params(&mut a.init_value, &a.cfg, auth_random);
        }
        transmit::append_init_params(&mut a.init_value, &a.cfg, &a.local_addrs);
        a.send_handshake = true;
        a.t1 = Some(now + a.paths[0].rto);
        a
    }

    /// A new association established from a valid cookie (RFC 9260 5.1 D).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new_from_cookie(
        id: AssocId,
        cfg: Arc<Config>,
        local_addr: IpAddr,
        local_addrs: &[IpAddr],
        local_port: u16,
        peer_addrs: &[SocketAddr],
        peer_port: u16,
        n: &Negotiated,
    ) -> Self {
        let mut a = Self::blank(id, cfg, local_addr, local_port, peer_addrs[0], peer_port);
        a.local_addrs = local_addrs.to_vec();
        if !a.local_addrs.contains(&local_addr) {
            a.local_addrs.insert(0, local_addr);
        }
        // Each path leaves from our address that best reaches it, the
        // first one too (not only the address the INIT arrived on).
        a.paths[0].local = a.best_local(peer_addrs[0].ip());
        for extra in &peer_addrs[1..] {
            a.add_path(*extra, false);
        }
        a.establish(n);
        a
    }

    /// Our address that best reaches `remote`: same family, longest common
    /// prefix (what a routing table would pick on the hosts we test on).
    pub(crate) fn best_local(&self, remote: IpAddr) -> IpAddr {
        fn bits(ip: IpAddr) -> u128 {
            match ip {
                IpAddr::V4(a) => (u32::from(a) as u128) << 96,
                IpAddr::V6(a) => u128::from(a),
            }
        }
        // On a tie the earlier address (max_by_key keeps the last maximum,
        // hence rev): adding an address no closer than ours to a
        // destination does not move its path, so a Delete of the added one
        // does not leave from it (RFC 5061 5.1).
        self.local_addrs
            .iter()
            .rev()
            .filter(|l| l.is_ipv4() == remote.is_ipv4())
            .max_by_key(|l| (bits(**l) ^ bits(remote)).leading_zeros())
            .copied()
            .unwrap_or(self.local_addr)
    }

    /// Adds a destination (RFC 9260 5.4: addresses learned from INIT or INIT
    /// ACK start unconfirmed and are probed with HEARTBEATs before use).
    pub(crate) fn add_path(&mut self, remote: SocketAddr, confirmed: bool) -> usize {
        if let Some(i) = self.paths.iter().position(|p| p.remote.ip() == remote.ip()) {
            return i;
        }
        let mut p = Path::new(remote, &self.cfg);
        p.local = self.best_local(remote.ip());
        p.confirmed = confirmed;
        self.paths.push(p);
        self.t3.push(None);
        self.flight.push(0);
        self.paths_changed = true;
        self.paths.len() - 1
    }

    fn blank(
        id: AssocId,
        cfg: Arc<Config>,
        local_addr: IpAddr,
        local_port: u16,
        remote: SocketAddr,
        peer_port: u16,
    ) -> Self {
        let mut path = Path::new(remote, &cfg);
        path.local = local_addr;
        path.confirmed = true;
        Association {
            id,
            state: State::Closed,
            local_port,
            peer_port,
            local_addr,
            local_addrs: vec![local_addr],
            directed: VecDeque::new(),
            rx_path: 0,
            paths_changed: false,
            local_tag: 0,
            peer_tag: 0,
            paths: vec![path],
            primary: 0,
            t3: vec![None],
            local_tsn: 0,
            init_value: Vec::new(),
            cookie: Vec::new(),
            init_ack_unrecognized: Vec::new(),
            t1: None,
            t1_count: 0,
            pending: None,
            send_handshake: false,
            tx: TxQueue::new(0),
            rtx: RetransmitQueue::new(0),
            rx: None,
            reasm: None,
            peer_rwnd: 0,
            unread: 0,
            flight: vec![0],
            control: VecDeque::new(),
            t2: None,
            t2_count: 0,
            t5: None,
            send_shutdown: false,
            send_shutdown_ack: false,
            send_shutdown_complete: false,
            abort_out: None,
            errors: 0,
            dry_notified: true,
            pr: false,
            idata: false,
            ecn: false,
            rx_ce: false,
            ecne_tsn: None,
            cwr_tsn: None,
            cwr_out: None,
            ireasm: None,
            abandoned: Default::default(),
            send_fwd_tsn: false,
            fwd_tsn_sent: None,
            heartbeat_nonce: 0,
            auth: None,
            auth_local_vector: Vec::new(),
            zero_checksum: false,
            reconfig: None,
            reconfig_timer: None,
            nr_sack: false,
            asconf: None,
            asconf_timer: None,
            secure: None,
            pktdrop: None,
            nat: Default::default(),
            gap_scratch: Vec::new(),
            events: VecDeque::new(),
            oversize: false,
            streams_requested: 0,
            cfg,
        }
    }

    /// Sets up the data machinery from negotiated values and enters
    /// ESTABLISHED (RFC 9260 5.1).
    pub(crate) fn establish(&mut self, n: &Negotiated) {
        self.local_tag = n.local_tag;
        self.peer_tag = n.peer_tag;
        self.local_tsn = n.local_tsn;
        self.peer_rwnd = n.peer_rwnd;
        if self.rtx.is_empty() && self.rtx.next_tsn().0 != n.local_tsn {
            self.rtx = RetransmitQueue::new(n.local_tsn);
        }
        if self.tx.streams() != n.outbound {
            if self.tx.is_empty() {
                self.tx = TxQueue::new(n.outbound);
            } else {
                self.tx.set_streams(n.outbound);
            }
        }
        self.tx.set_scheduler(self.cfg.scheduler);
        self.rx = Some(DataTracker::new(
            n.peer_tsn,
            self.cfg.sack_every,
            self.cfg.sack_delay,
        ));
        self.report_pd_aborted(true);
        let mut reasm = Reassembler::new(n.inbound, n.peer_tsn);
        reasm.set_partial_delivery_point(self.cfg.pd_point());
        self.reasm = Some(reasm);
        self.idata = n.idata && self.cfg.interleaving;
        self.ecn = n.ecn && self.cfg.ecn;
        if self.auth.is_none() {
            self.set_auth(n);
        }
        self.zero_checksum = n.zero_checksum && self.cfg.zero_checksum_edmid.is_some();
        self.nr_sack = n.nr_sack && self.cfg.nr_sack;
        self.secure_on_established(n);
        if !(n.pktdrop && self.cfg.pktdrop) {
            self.pktdrop = None;
        } else if self.pktdrop.is_none() {
            self.pktdrop = Some(Default::default());
        }
        self.nat.restart_disabled = n.nat && self.cfg.nat_support;
        // RFC 5061 4.1: ASCONF only with AUTH.
        self.asconf = (n.asconf && self.cfg.asconf && self.auth.is_some())
            .then(|| asconf::Asconf::new(n.local_tsn, n.peer_tsn));
        self.reconfig = (n.reconfig && self.cfg.reconfig)
            .then(|| reconfig::Reconfig::new(n.local_tsn, n.peer_tsn));
        // With I-DATA, partial reliability skips with I-FORWARD-TSN (RFC
        // 8260 2.3), which both must have listed.
        self.pr = n.pr && self.cfg.pr_sctp && (!self.idata || n.ifwd);
        if self.idata {
            self.tx.set_interleaving(true);
            self.ireasm = Some(interleaved::IdataReassembler::new(n.inbound));
        }
        self.state = State::Established;
        self.t1 = None;
        self.send_handshake = false;
        self.events.push_back(Event::AssocChange {
            id: self.id,
            change: AssocChange::CommUp,
            streams: (n.outbound, n.inbound),
            reason: None,
        });
        if let Some(indication) = n.adaptation {
            self.events.push_back(Event::Adaptation {
                id: self.id,
                indication,
            });
        }
    }

    /// Starts SCTP-AUTH from what INIT/INIT ACK negotiated (RFC 4895 6.1).
    pub(crate) fn set_auth(&mut self, n: &Negotiated) {
        self.auth = n
            .auth
            .as_ref()
            .filter(|_| self.cfg.auth)
            .and_then(|v| auth::Auth::new(v, &self.cfg));
    }

    /// A COOKIE ECHO matched our local tag (RFC 9260 5.2.4 actions B and
    /// D): enter ESTABLISHED if not there yet, and take the peer's tag.
    pub(crate) fn establish_if_needed(&mut self, n: &Negotiated, now: Instant) {
        match self.state {
            State::CookieWait | State::CookieEchoed => {
                self.establish(n);
                self.start_heartbeats(now);
            }
            _ => self.peer_tag = n.peer_tag,
        }
    }

    /// Brings the paths in line with a changed configuration: RTO within the
    /// new bounds, packet size, heartbeat schedule.
    pub(crate) fn apply_config(&mut self) {
        let cfg = self.cfg.clone();
        self.tx.set_scheduler(cfg.scheduler);
        for p in &mut self.paths {
            p.rto = p.rto.clamp(cfg.rto_min, cfg.rto_max);
            if p.srtt().is_none() {
                p.rto = cfg.rto_initial;
            }
            p.mtu = cfg.max_packet.min(p.icmp_mtu.unwrap_or(usize::MAX));
        }
        if let Some(rx) = self.rx.as_mut() {
            rx.set_timing(cfg.sack_every, cfg.sack_delay);
        }
        if let Some(r) = self.reasm.as_mut() {
            r.set_partial_delivery_point(cfg.pd_point());
        }
    }

    /// The association's state.
    pub fn state(&self) -> State {
        self.state
    }

    /// A status snapshot.
    pub fn status(&self) -> Status {
        let p = &self.paths[self.primary];
        Status {
            state: self.state,
            tags: (self.local_tag, self.peer_tag),
            streams: (
                self.tx.streams(),
                self.reasm.as_ref().map_or(0, |r| r.streams()),
            ),
            peer_rwnd: self.peer_rwnd,
            queued: self.tx.bytes(),
            outstanding: self.rtx.len(),
            retransmissions: self.rtx.retransmissions,
            cwnd: p.cwnd,
            rto: p.rto,
            srtt: p.srtt(),
            peer_addrs: self.paths.iter().map(|p| p.remote).collect(),
            pr_sctp: self.pr,
            i_data: self.idata,
            abandoned: self.abandoned,
            auth: self.auth.as_ref().map(|a| a.stats),
            zero_checksum: self.zero_checksum,
            reconfig: self.reconfig.is_some(),
            nr_sack: self.nr_sack,
            asconf: self.asconf.is_some(),
            local_addrs: self.local_addrs.clone(),
            primary: self.paths[self.primary].remote,
            secure: self.secure_status(),
            pktdrop: self.pktdrop.as_ref().map(|p| p.stats),
            nat: self.nat.restart_disabled,
            nat_stats: self.nat.stats,
            peer_cum_tsn: self.rx.as_ref().map_or(0, |r| r.cum_tsn().0),
            packet_size: self.packet_size(),
            paths: self
                .paths
                .iter()
                .filter(|p| !p.removed)
                .map(path::Path::status)
                .collect(),
        }
    }

    /// Queues a user message (RFC 9260 6.1; RFC 6458 `sctp_sendv`) with
    /// its ordering and partial-reliability options (RFC 7496).
    pub(crate) fn send(
        &mut self,
        now: Instant,
        stream: u16,
        ppid: u32,
        opts: crate::send::SendOptions,
        data: Arc<[u8]>,
    ) -> Result<(), crate::SendError> {
        use crate::send::PrPolicy;
        use crate::SendError;
        match self.state {
            State::CookieWait | State::CookieEchoed | State::Established => {}
            _ => return Err(SendError::Shutdown),
        }
        if data.is_empty() {
            return Err(SendError::Empty);
        }
        if data.len() > self.cfg.max_message_size {
            return Err(SendError::TooLarge);
        }
        if stream >= self.tx.streams() {
            return Err(SendError::InvalidStream);
        }
        let limit = self.cfg.send_buffer;
        if self.tx.bytes() + data.len() > limit {
            let room = match opts.pr {
                PrPolicy::Priority(p) => {
                    self.tx.make_room(data.len(), limit, p, &mut self.abandoned)
                }
                _ => false,
            };
            if !room {
                return Err(SendError::WouldBlock);
            }
        }
        let deadline = match opts.pr {
            PrPolicy::Ttl(d) => Some(now + d),
            _ => None,
        };
        self.tx
            .push_pr(stream, ppid, opts.unordered, data, opts.pr, deadline);
        self.dry_notified = false;
        Ok(())
    }

    /// Applies the partial-reliability policies to what is queued and
    /// outstanding, and asks for a FORWARD TSN when the peer can skip
    /// abandoned TSNs (RFC 3758 3.5).
    /// A FORWARD TSN goes out when the point moves past the last one sent
    /// (C2), or again on every call with `again` (after a SACK that did not
    /// reach it, or a T3-rtx expiry: C3, C4).
    pub(crate) fn pr_check(&mut self, now: Instant, again: bool) {
        if !self.pr {
            return;
        }
        if let Some(msg) = self.tx.drop_expired(now, &mut self.abandoned) {
            self.rtx.abandon_msg(msg, &mut self.flight);
        }
        self.rtx
            .check_abandon(now, &mut self.flight, &mut self.abandoned);
        if let Some((adv, _)) = self.rtx.forward_point() {
            if again || self.fwd_tsn_sent.is_none_or(|s| adv.gt(s)) {
                self.send_fwd_tsn = true;
            }
        }
    }

    /// Starts a graceful shutdown (RFC 9260 9.2).
    pub(crate) fn shutdown(&mut self, now: Instant) {
        match self.state {
            State::Established => {
                self.state = State::ShutdownPending;
                self.maybe_finish_shutdown(now);
            }
            State::CookieWait | State::CookieEchoed => self.abort(None),
            _ => {}
        }
    }

    /// Aborts (RFC 9260 9.1), with an optional User-Initiated Abort reason.
    pub(crate) fn abort(&mut self, reason: Option<&[u8]>) {
        if self.state == State::Closed {
            return;
        }
        let mut value = Vec::new();
        if let Some(r) = reason {
            crate::wire::put_tlv(&mut value, crate::wire::cause::USER_INITIATED_ABORT, r);
        }
        self.queue_abort(&value, Reason::LocalAbort);
    }

    /// Sends ABORT with these causes and closes, telling the application.
    pub(crate) fn queue_abort(&mut self, causes: &[u8], reason: Reason) {
        let mut chunk = Vec::with_capacity(4 + causes.len());
        // Without the peer's tag (COOKIE-WAIT, or an INIT ACK with tag 0),
        // the ABORT carries our own tag with the T bit (RFC 9260 3.3.7, 8.5.1).
        let t_bit = crate::rules::reflect_flags(self.peer_tag);
        transmit::chunk_bytes(&mut chunk, sctp_codec::chunk::ty::ABORT, t_bit, causes);
        self.abort_out = Some(chunk);
        self.close(AssocChange::CommLost, Some(reason));
    }

    /// Closes, dropping what was queued, with one notification.
    pub(crate) fn close(&mut self, change: AssocChange, reason: Option<Reason>) {
        if self.state == State::Closed {
            return;
        }
        let change = if matches!(self.state, State::CookieWait | State::CookieEchoed)
            && change == AssocChange::CommLost
        {
            AssocChange::CantStartAssoc
        } else {
            change
        };
        self.report_pd_aborted(true);
        let mut failed = self.rtx.unacked();
        failed.extend(self.tx.unsent());
        let dropped = self.tx.clear() + self.rtx.clear();
        if dropped > 0 {
            self.events.push_back(Event::SendFailed {
                id: self.id,
                count: dropped,
                failed,
            });
        }
        // The secure session ends at once (secure-sctp.md 8 row 35).
        if let Some(s) = self.secure.as_mut() {
            s.clear();
        }
        self.state = State::Closed;
        self.t1 = None;
        self.t2 = None;
        self.t5 = None;
        self.t3.iter_mut().for_each(|t| *t = None);
        self.events.push_back(Event::AssocChange {
            id: self.id,
            change,
            streams: (0, 0),
            reason,
        });
    }

    /// Whether the association is closed and has nothing left to send.
    pub(crate) fn is_finished(&self) -> bool {
        self.state == State::Closed && self.abort_out.is_none() && !self.send_shutdown_complete
    }

    /// In SHUTDOWN-PENDING or SHUTDOWN-RECEIVED, moves on once every DATA
    /// chunk is acknowledged (RFC 9260 9.2).
    pub(crate) fn maybe_finish_shutdown(&mut self, now: Instant) {
        if !self.tx.is_empty() || !self.rtx.is_empty() {
            return;
        }
        match self.state {
            State::ShutdownPending => {
                self.state = State::ShutdownSent;
                self.send_shutdown = true;
                self.t2 = Some(now + self.paths[self.primary].rto);
                self.t5 = Some(now + 5 * self.cfg.rto_max);
            }
            State::ShutdownReceived => {
                self.state = State::ShutdownAckSent;
                self.send_shutdown_ack = true;
                self.t2 = Some(now + self.paths[self.primary].rto);
            }
            _ => {}
        }
    }

    /// The earliest timer deadline.
    pub(crate) fn next_timeout(&self) -> Option<Instant> {
        let mut t = [
            self.t1,
            self.t2,
            self.t5,
            self.reconfig_timer,
            self.asconf_timer,
            self.secure_deadline(),
        ]
        .into_iter()
        .chain(self.t3.iter().copied())
        .flatten()
        .min();
        if let Some(rx) = &self.rx {
            if matches!(
                self.state,
                State::Established | State::ShutdownPending | State::ShutdownSent
            ) {
                if let Some(d) = rx.deadline() {
                    t = Some(t.map_or(d, |x| x.min(d)));
                }
            }
        }
        if matches!(self.state, State::Established | State::ShutdownPending) {
            for p in &self.paths {
                if let Some(h) = p.heartbeat_at {
                    t = Some(t.map_or(h, |x| x.min(h)));
                }
            }
        }
        t
    }

    /// The path of the `n`th transmission of INIT (0: the first): INIT
    /// retransmissions rotate over the peer's addresses given to
    /// `sctp_connectx` (RFC 9260 6.4: a chunk that timed out SHOULD go to
    /// another active address); COOKIE ECHO goes to the primary.
    pub(crate) fn handshake_path(&self, n: u32) -> usize {
        if self.state == State::CookieWait {
            (self.primary + n as usize) % self.paths.len()
        } else {
            self.primary
        }
    }

    /// Runs the timers due at `now` (RFC 9260 5.1 T1, 6.3.3 T3-rtx, 9.2 T2,
    /// 8.3 heartbeats; the delayed SACK is sent by `transmit`).
    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        if self.t1.is_some_and(|t| t <= now) {
            self.t1_count += 1;
            if self.t1_count > self.cfg.max_init_retrans {
                self.close(AssocChange::CantStartAssoc, Some(Reason::Timeout));
                return;
            }
            let cfg = self.cfg.clone();
            // The address the timed-out INIT or COOKIE ECHO went to.
            let i = self.handshake_path(self.t1_count - 1);
            let p = &mut self.paths[i];
            p.back_off(&cfg);
            self.t1 = Some(now + p.rto);
            self.send_handshake = true;
        }
        if self.t5.is_some_and(|t| t <= now) {
            // RFC 9260 9.2: the shutdown took too long: ABORT.
            self.queue_abort(&[], Reason::Timeout);
            return;
        }
        if self.t2.is_some_and(|t| t <= now) {
            self.t2_count += 1;
            self.errors += 1;
            if self.errors > self.cfg.assoc_max_retrans {
                self.queue_abort(&[], Reason::Timeout);
                return;
            }
            let cfg = self.cfg.clone();
            let p = &mut self.paths[self.primary];
            p.back_off(&cfg);
            self.t2 = Some(now + p.rto);
            match self.state {
                State::ShutdownSent => self.send_shutdown = true,
                State::ShutdownAckSent => self.send_shutdown_ack = true,
                _ => self.t2 = None,
            }
        }
        self.secure_timeout(now);
        if self.asconf_timer.is_some_and(|t| t <= now) {
            self.on_asconf_timeout(now);
            if self.state == State::Closed {
                return;
            }
        }
        if self.reconfig_timer.is_some_and(|t| t <= now) {
            self.on_reconfig_timeout(now);
            if self.state == State::Closed {
                return;
            }
        }
        for i in 0..self.t3.len() {
            if self.t3[i].is_some_and(|t| t <= now) {
                self.t3[i] = None;
                self.on_t3_expiry(i, now);
                if self.state == State::Closed {
                    return;
                }
            }
        }
        self.heartbeat_timers(now);
    }

    /// T3-rtx expired on path `i` (RFC 9260 6.3.3).
    fn on_t3_expiry(&mut self, i: usize, now: Instant) {
        let cfg = self.cfg.clone();
        let marked = self.rtx.on_t3_expiry(i, &mut self.flight);
        // Abandoned chunks still ahead of the peer's cumulative ack: send
        // FORWARD TSN again (RFC 3758 3.5 C3).
        self.pr_check(now, true);
        if marked == 0 {
            return;
        }
        let p = &mut self.paths[i];
        let was = p.state;
        p.on_timeout_loss();
        p.back_off(&cfg);
        p.on_error(&cfg);
        // Reported once, on the change (RFC 6458 6.1.2).
        if was != path::PathState::Inactive && p.state == path::PathState::Inactive {
            self.events.push_back(Event::PeerAddrChange {
                id: self.id,
                addr: p.remote,
                available: false,
            });
        }
        self.errors += 1;
        if self.errors > cfg.assoc_max_retrans {
            self.queue_abort(&[], Reason::Timeout);
        }
    }

    /// Heartbeats on idle paths, probes of unconfirmed and potentially
    /// failed ones every RTO, and missed heartbeat acks (RFC 9260 8.3, 5.4;
    /// RFC 7829 5.1).
    fn heartbeat_timers(&mut self, now: Instant) {
        if !matches!(self.state, State::Established | State::ShutdownPending) {
            return;
        }
        let cfg = self.cfg.clone();
        for i in 0..self.paths.len() {
            let Some(at) = self.paths[i].heartbeat_at else {
                continue;
            };
            if at > now {
                continue;
            }
            if self.paths[i].heartbeat_out.take().is_some() {
                // Unanswered for an RTO or more: one error (RFC 9260 8.3).
                let was = self.paths[i].state;
                self.paths[i].on_error(&cfg);
                self.paths[i].back_off(&cfg);
                let p = &self.paths[i];
                if was != path::PathState::Inactive && p.state == path::PathState::Inactive {
                    self.events.push_back(Event::PeerAddrChange {
                        id: self.id,
                        addr: p.remote,
                        available: false,
                    });
                }
                // Unconfirmed addresses (which a peer may list without being
                // reachable there) do not count against the association.
                if p.confirmed {
                    self.errors += 1;
                    if self.errors > cfg.assoc_max_retrans {
                        self.queue_abort(&[], Reason::Timeout);
                        return;
                    }
                }
            }
            self.heartbeat_nonce = self.heartbeat_nonce.wrapping_add(1);
            let nonce = self.heartbeat_nonce;
            let mut info = Vec::with_capacity(12);
            info.extend_from_slice(&(i as u32).to_be_bytes());
            info.extend_from_slice(&nonce.to_be_bytes());
            let mut value = Vec::with_capacity(16);
            crate::wire::put_tlv(&mut value, crate::wire::param::HEARTBEAT_INFO, &info);
            let mut chunk = Vec::new();
            transmit::chunk_bytes(&mut chunk, sctp_codec::chunk::ty::HEARTBEAT, 0, &value);
            self.directed.push_back((i, chunk));
            let p = &mut self.paths[i];
            p.heartbeat_out = Some((nonce, now));
            let probing = !p.confirmed || p.state != path::PathState::Active;
            let given_up = !p.confirmed && p.state == path::PathState::Inactive;
            p.heartbeat_at = Some(
                now + if probing && !given_up {
                    p.rto
                } else {
                    p.rto + cfg.hb_interval
                },
            );
        }
    }

    /// Arms the heartbeat timer of every path (after establishment).
    pub(crate) fn start_heartbeats(&mut self, now: Instant) {
        let hb = self.cfg.hb_interval;
        for p in &mut self.paths {
            // Unconfirmed addresses are first probed with the first
            // heartbeat, as FreeBSD does (RFC 9260 5.4 leaves the pace to
            // the implementation), then every RTO until confirmed.
            p.heartbeat_at = Some(now + p.rto + hb);
        }
    }

    /// The a_rwnd to advertise (RFC 9260 6.2.1).
    pub(crate) fn a_rwnd(&self) -> u32 {
        let held = self.reasm.as_ref().map_or(0, |r| r.buffered())
            + self.ireasm.as_ref().map_or(0, |r| r.buffered())
            + self.unread;
        (self.cfg.receive_window as usize).saturating_sub(held) as u32
    }

    /// Takes the association's events.
    /// Reports the messages handed over in part that can no longer
    /// complete (RFC 6458 6.1.7); `all`: every one still in progress (the
    /// association ends, restarts or is reset).
    pub(crate) fn report_pd_aborted(&mut self, all: bool) {
        let Some(r) = self.reasm.as_mut() else {
            return;
        };
        for (stream, ssn, unordered) in r.take_aborted(all) {
            self.events.push_back(Event::PartialDeliveryAborted {
                id: self.id,
                stream,
                ssn,
                unordered,
            });
        }
    }

    pub(crate) fn drain_events(&mut self, out: &mut VecDeque<Event>) {
        out.extend(self.events.drain(..));
    }
}
