//! Every tunable of the endpoint, with the defaults of RFC 9260 16
//! ("Suggested SCTP Protocol Parameter Values").

use std::time::Duration;

/// Endpoint and association settings (RFC 9260 16; RFC 6458 8.1 names).
#[derive(Debug, Clone)]
pub struct Config {
    /// RTO.Initial (RFC 9260 16): 1 s.
    pub rto_initial: Duration,
    /// RTO.Min: 1 s.
    pub rto_min: Duration,
    /// RTO.Max: 60 s.
    pub rto_max: Duration,
    /// Max.Burst (RFC 9260 6.1 and 7.2.4): 4 packets.
    pub max_burst: usize,
    /// Association.Max.Retrans: 10 attempts.
    pub assoc_max_retrans: u32,
    /// Path.Max.Retrans: 5 attempts.
    pub path_max_retrans: u32,
    /// Max.Init.Retransmits: 8 attempts.
    pub max_init_retrans: u32,
    /// Valid.Cookie.Life: 60 s.
    pub valid_cookie_life: Duration,
    /// HB.interval: 30 s.
    pub hb_interval: Duration,
    /// Delayed SACK timeout (RFC 9260 6.2: at most 500 ms; 200 ms suggested).
    pub sack_delay: Duration,
    /// Acknowledge at least every this many packets with DATA (RFC 9260 6.2: 2).
    pub sack_every: u32,
    /// Our receive buffer, advertised as a_rwnd (RFC 9260 6.2.1), in bytes.
    pub receive_window: u32,
    /// Largest SCTP packet we send (path MTU minus the IP and UDP headers).
    pub max_packet: usize,
    /// Partial delivery point (RFC 6458 8.1.21 `SCTP_PARTIAL_DELIVERY_POINT`):
    /// with more than this many bytes of a message held, it is handed over
    /// in pieces; `None`: half the receive window.
    pub partial_delivery_point: Option<usize>,
    /// An ICMP Protocol Unreachable (Port Unreachable over UDP) quoting a
    /// packet of an established association ends it like an ABORT (RFC
    /// 9260 Appendix C ICMP8 "MAY", FreeBSD's `sctp_notify`); false (the
    /// default, Linux's state table): only one quoting our INIT in
    /// COOKIE-WAIT does, and later ones are counted and ignored, since a
    /// single stray one (a peer's raw socket missing one packet) would
    /// otherwise kill a working association that retransmission repairs.
    pub icmp_unreachable_aborts: bool,
    /// Outbound streams we ask for in INIT/INIT ACK (RFC 9260 3.3.2).
    pub outbound_streams: u16,
    /// Inbound streams we accept (MIS).
    pub max_inbound_streams: u16,
    /// The largest message `send` accepts, in bytes.
    pub max_message_size: usize,
    /// Bytes queued for sending before `send` refuses more.
    pub send_buffer: usize,
    /// Offer and accept partial reliability (RFC 3758 Forward-TSN-Supported).
    pub pr_sctp: bool,
    /// With `pr_sctp`, also list FORWARD-TSN in the Supported Extensions
    /// parameter, as FreeBSD does
    /// (RFC 5061 4.2.7); off, PR-SCTP is offered by the Forward-TSN-Supported
    /// parameter alone (RFC 3758 3.1), as older stacks did.
    pub list_forward_tsn: bool,
    /// Offer and accept I-DATA and user-message interleaving (RFC 8260),
    /// announced in the Supported Extensions parameter (RFC 5061 4.2.7).
    /// With I-DATA in use, partial reliability is not offered yet (it needs
    /// I-FORWARD-TSN).
    pub interleaving: bool,
    /// Offer and accept Explicit Congestion Notification (RFC 9260
    /// Appendix A: ECN Capable, ECNE, CWR). The driver must set ECT on the
    /// packets `Transmit::ecn_capable` marks and report CE marks through
    /// `Endpoint::handle_packet_ecn`.
    pub ecn: bool,
    /// Offer and accept SCTP-AUTH (RFC 4895): RANDOM, CHUNKS and HMAC-ALGO
    /// in INIT and INIT ACK, AUTH chunks before the chunk types each side
    /// listed.
    pub auth: bool,
    /// Chunk types we require the peer to authenticate (our CHUNKS
    /// parameter, RFC 4895 3.2); INIT, INIT ACK, SHUTDOWN COMPLETE and AUTH
    /// are left out whatever this says.
    pub auth_chunks: Vec<u8>,
    /// HMAC algorithms we offer, in order of preference (RFC 4895 3.3);
    /// SHA-1 is always added at the end when missing (it is mandatory).
    pub auth_hmacs: Vec<sctp_codec::auth::HmacAlgorithm>,
    /// Endpoint pair shared keys by Shared Key Identifier (RFC 4895 6.1);
    /// key 0 is the empty key unless set.
    pub auth_keys: Vec<(u16, Vec<u8>)>,
    /// The Shared Key Identifier we send with (RFC 4895 6.2).
    pub auth_active_key: u16,
    /// Refuse peers that do not offer AUTH (ABORT with a Protocol
    /// Violation) instead of running without it.
    pub auth_required: bool,
    /// Offer zero checksums (RFC 9653) with this Error Detection Method
    /// Identifier (1: SCTP over DTLS): announced with the Zero Checksum
    /// Acceptable parameter; when the peer announces the same method, our
    /// packets of the association go out with a zero checksum, and we accept
    /// the peer's zero checksums. `None`: every packet carries CRC32c.
    pub zero_checksum_edmid: Option<u32>,
    /// Offer and accept stream reconfiguration (RFC 6525 RE-CONFIG: stream
    /// resets and added streams), listed in Supported Extensions.
    pub reconfig: bool,
    /// Offer and accept NR-SACK (non-renegable acknowledgements, as FreeBSD
    /// sends them), listed in Supported Extensions: we never renege, so
    /// every out-of-order TSN is reported in an NR Gap Ack Block.
    pub nr_sack: bool,
    /// Offer and accept dynamic address reconfiguration (ASCONF, RFC 5061:
    /// add and delete addresses, set primary). It needs SCTP-AUTH: ASCONF
    /// and ASCONF-ACK are added to the chunks we require authenticated.
    pub asconf: bool,
    /// Which stream sends next (RFC 8260 3): round robin (default), first
    /// come first served, or priority (`Endpoint::set_stream_priority`).
    pub scheduler: crate::association::tx_queue::Scheduler,
    /// Set the I bit (SACK-IMMEDIATELY, RFC 7053 4.2) on the last DATA or
    /// I-DATA chunk sent when nothing more is queued, so the peer does not
    /// delay its SACK for the end of a burst.
    pub sack_immediately: bool,
    /// S-SCTP secure sessions (draft-hohendorf-secure-sctp-15; `None`: not
    /// offered): our level, the requirement (default/use/require/unique),
    /// certificates and suites. See [`crate::secure`].
    pub secure: Option<crate::secure::SecureConfig>,
    /// Offer and accept PKTDROP (draft-stewart-sctp-pktdrprep, as usrsctp
    /// does it), listed in Supported Extensions: packets of an association
    /// dropped for a bad checksum or a full receive buffer are reported to
    /// the peer, and the peer's reports make us resend at once.
    pub pktdrop: bool,
    /// NAT support (draft-ietf-tsvwg-natsupp): Disable Restart in INIT and
    /// INIT ACK and no address parameters in INIT (5.1), no restarts when
    /// both sent Disable Restart: hosts behind one NAT sharing address and
    /// ports get associations told apart by tag (5.2.1), a new tag after a
    /// middlebox's VTag and Port Number Collision in COOKIE-WAIT (5.1.2),
    /// and an ASCONF with the VTags parameter answering Missing State
    /// (5.3.2).
    pub nat_support: bool,
    /// Our Adaptation Layer Indication (RFC 5061 4.2.7, RFC 6458 8.1.10
    /// `SCTP_ADAPTATION_LAYER`): sent in INIT and INIT ACK when set.
    pub adaptation_indication: Option<u32>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            rto_initial: Duration::from_secs(1),
            rto_min: Duration::from_secs(1),
            rto_max: Duration::from_secs(60),
            max_burst: 4,
            assoc_max_retrans: 10,
            path_max_retrans: 5,
            max_init_retrans: 8,
            valid_cookie_life: Duration::from_secs(60),
            hb_interval: Duration::from_secs(30),
            sack_delay: Duration::from_millis(200),
            sack_every: 2,
            receive_window: 1 << 20,
            max_packet: 1200,
            partial_delivery_point: None,
            icmp_unreachable_aborts: false,
            outbound_streams: 10,
            max_inbound_streams: u16::MAX,
            max_message_size: 1 << 20,
            send_buffer: 4 << 20,
            pr_sctp: true,
            list_forward_tsn: true,
            interleaving: false,
            ecn: false,
            auth: false,
            auth_chunks: Vec::new(),
            auth_hmacs: vec![
                sctp_codec::auth::HmacAlgorithm::Sha256,
                sctp_codec::auth::HmacAlgorithm::Sha1,
            ],
            auth_keys: vec![(0, Vec::new())],
            auth_active_key: 0,
            auth_required: false,
            zero_checksum_edmid: None,
            reconfig: false,
            nr_sack: false,
            asconf: false,
            scheduler: Default::default(),
            sack_immediately: false,
            secure: None,
            pktdrop: false,
            nat_support: false,
            adaptation_indication: None,
        }
    }
}

impl Config {
    /// The partial delivery point in effect (RFC 6458 8.1.21).
    pub fn pd_point(&self) -> usize {
        self.partial_delivery_point
            .unwrap_or(self.receive_window as usize / 2)
    }
}
