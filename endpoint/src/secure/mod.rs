//! S-SCTP secure sessions (draft-hohendorf-secure-sctp-15; the wire facts
//! and open questions are in shared/spec/secure-sctp.md, our choices in
//! docs/ssctp-endpoint.md). One job per file: [`suite`] (cipher suites,
//! 5.1.1), [`keys`] (DH, key derivation 9.5, AES-CBC and HMAC), [`cert`]
//! (X.509 and signatures, 9.1), [`handshake`] (the state machine of
//! sections 8 and 9), [`record`] (EncData and AUTH, 7 and 9.3) and
//! [`policy`] (default/use/require/unique). This file joins them to the
//! association.

pub mod cert;
pub mod handshake;
pub mod keys;
pub mod policy;
pub mod record;
pub mod suite;

use std::net::SocketAddr;
use std::time::Instant;

use sctp_codec::view::ChunkView;
use sctp_codec::{PacketView, Rules};

pub use cert::Credentials;
pub use handshake::{HsState, SecEvent, Session};
pub use policy::Requirement;

use crate::association::{Association, Negotiated, State};
use crate::events::{Event, Reason};

/// S-SCTP error causes (6) and the error codes of 0x0020 (6.1).
pub mod cause {
    /// Secure Session failure (6.1), with an error code.
    pub const FAILURE: u16 = 0x0020;
    /// Secure Session Certificate failure (6.2).
    pub const CERTIFICATE: u16 = 0x0021;
    /// Secure Session Decryption failure (6.3).
    pub const DECRYPTION: u16 = 0x0022;
    /// Secure Session Authentication failure (6.4).
    pub const AUTHENTICATION: u16 = 0x0023;
    /// Secure Session Decompression failure (6.5).
    pub const DECOMPRESSION: u16 = 0x0024;
    /// 0x0020 code 0: timer expired (9.1).
    pub const CODE_TIMER: u16 = 0;
    /// 0x0020 code 1: signature failure.
    pub const CODE_SIGNATURE: u16 = 1;
    /// 0x0020 code 2: SSOpCom verification failed.
    pub const CODE_OP_COM: u16 = 2;
    /// 0x0020 code 3 (ours, the draft has none): the peer does not meet
    /// the security requirement (it lacks S-SCTP or refused the session).
    pub const CODE_REQUIREMENT: u16 = 3;
    /// 0x0020 code 4 (ours): no cipher suite in common.
    pub const CODE_NO_COMMON_SUITE: u16 = 4;
}

/// S-SCTP settings of an endpoint or an association (`Config::secure`).
#[derive(Debug, Clone)]
pub struct SecureConfig {
    /// Our security level once the session is up (7): 1 authentication,
    /// 2 DATA encrypted, 3 every chunk encrypted; 0 offers S-SCTP without
    /// starting a session (the peer may start one).
    pub level: u8,
    /// How strongly associations must be secured (policy-hooks.md).
    pub requirement: Requirement,
    /// What `Requirement::Default` means.
    pub system_default: Requirement,
    /// Our certificate and key, and whom we trust.
    pub credentials: Credentials,
    /// Cipher suites in preference order (empty: every implemented one,
    /// [`suite::IMPLEMENTED`]).
    pub suites: Vec<u16>,
    /// Refuse a peer that sends no certificate.
    pub require_peer_cert: bool,
    /// The secure-session lifetime (9.6): the client starts a rekey this
    /// long after the session came up or was last rekeyed. The draft
    /// suggests 600 s; `None` rekeys only on request.
    pub lifetime: Option<std::time::Duration>,
    /// Report each generation of session keys as `Event::SecureKeys` (for
    /// an S-SCTP key log, docs/auth-keys.md); off by default.
    pub export_keys: bool,
}

impl Default for SecureConfig {
    fn default() -> Self {
        SecureConfig {
            level: 1,
            requirement: Requirement::Default,
            system_default: Requirement::Use,
            credentials: Credentials::default(),
            suites: Vec::new(),
            require_peer_cert: true,
            lifetime: Some(std::time::Duration::from_secs(600)),
            export_keys: false,
        }
    }
}

impl SecureConfig {
    /// The requirement in force.
    pub fn requirement(&self) -> Requirement {
        self.requirement.resolve(self.system_default)
    }

    /// The suites we offer or accept, implemented ones only.
    pub fn suites(&self) -> Vec<u16> {
        if self.suites.is_empty() {
            suite::IMPLEMENTED.to_vec()
        } else {
            self.suites
                .iter()
                .copied()
                .filter(|s| suite::Suite::by_id(*s).is_some())
                .collect()
        }
    }
}

macro_rules! stats {
    ($(#[$m:meta] $f:ident),* $(,)?) => {
        /// S-SCTP counters (per association, and summed in the endpoint's `Stats`).
        #[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
        pub struct SecureStats {
            $(#[$m] pub $f: u64,)*
        }
        impl SecureStats {
            /// Adds `now - before` to `self`.
            pub fn add_delta(&mut self, now: &SecureStats, before: &SecureStats) {
                $(self.$f += now.$f - before.$f;)*
            }
        }
    };
}

stats! {
    /// Opens started (as client or server).
    opens_started,
    /// Opens completed.
    opens_completed,
    /// Failures we detected (ERROR sent).
    failures,
    /// S-SCTP causes the peer reported.
    peer_errors,
    /// Peer certificates refused.
    cert_refused,
    /// Packets whose AUTH HMAC did not verify (0x0023).
    auth_failures,
    /// EncData that did not decrypt (0x0022).
    decrypt_failures,
    /// Packets dropped for lacking AUTH.
    unauthenticated,
    /// Packets under a key reference we do not hold.
    unknown_key,
    /// Packets we protected.
    packets_protected,
    /// Packets whose AUTH verified.
    packets_verified,
    /// EncData chunks sent.
    encdata_out,
    /// EncData chunks received and decrypted.
    encdata_in,
    /// Rekeys started.
    rekeys_started,
    /// Rekeys completed.
    rekeys,
    /// Handshake chunks received.
    chunks_in,
    /// Duplicate or unexpected handshake chunks dropped (rows 17, 18).
    duplicates,
    /// Malformed handshake chunks.
    malformed,
    /// Handshake legs sent again (9.1).
    retransmissions,
    /// Handshakes that ran out of retransmissions.
    timeouts,
    /// SSClose answered while the peer's encrypted DATA was outstanding.
    close_with_outstanding,
    /// SSClose sent because the association started SHUTDOWN (row 29).
    closes_on_shutdown,
    /// Associations refused for a security requirement (policy).
    refused,
}

/// A snapshot of an association's secure session.
#[derive(Debug, Clone)]
pub struct SecureStatus {
    /// Handshake state.
    pub state: HsState,
    /// Our level and the peer's (7).
    pub levels: (u8, u8),
    /// The suite in use.
    pub suite: Option<u16>,
    /// The key reference we protect with.
    pub key_reference: Option<u16>,
    /// Counters.
    pub stats: SecureStats,
}

/// The extra bytes a protected packet may need (EncData header and IV,
/// PADDING, AUTH with a SHA-1 HMAC): packets are written this much smaller.
pub const OVERHEAD: usize = 8 + keys::BLOCK + 12 + 28;

impl Association {
    /// Room to leave in each packet for S-SCTP.
    pub(crate) fn secure_overhead(&self) -> usize {
        if self.secure.is_some() || self.cfg.secure.is_some() {
            OVERHEAD
        } else {
            0
        }
    }

    /// The peer's INIT or INIT ACK did (`peer_has`) or did not list
    /// S-SCTP: false when our requirement refuses it (the caller aborts).
    pub(crate) fn secure_accepts_peer(&self, peer_has: bool) -> bool {
        match &self.cfg.secure {
            Some(c) => peer_has || !c.requirement().mandatory(),
            None => true,
        }
    }

    /// The ABORT causes of a refusal for a requirement not met.
    pub(crate) fn secure_refusal_causes() -> Vec<u8> {
        handshake::cause_tlv(cause::FAILURE, Some(cause::CODE_REQUIREMENT))
    }

    /// At COMMUNICATION UP: a session for a peer that offers S-SCTP; the
    /// initiator of the association becomes the client when its level is
    /// above 0 (7).
    pub(crate) fn secure_on_established(&mut self, n: &Negotiated) {
        let Some(c) = self.cfg.secure.clone() else {
            return;
        };
        if !n.ssctp {
            return;
        }
        let level = c.level;
        let mut s = Session::new(c, [0; 32]);
        s.assoc_initiator = !self.init_value.is_empty();
        s.start_pending = s.assoc_initiator && level > 0;
        s.arm_open = !s.assoc_initiator && level > 0;
        self.secure = Some(Box::new(s));
        // 0x10 is EncData on this association, never NR-SACK.
        self.nr_sack = false;
    }

    /// Whether DATA waits: while an open runs, and under a mandatory
    /// requirement until the session is up.
    pub(crate) fn secure_holds_data(&self) -> bool {
        match (&self.secure, &self.cfg.secure) {
            // After a session the application closed, data goes in clear.
            (Some(s), Some(c)) => {
                s.opening()
                    || (c.requirement().mandatory() && !s.is_up() && s.stats.opens_completed == 0)
            }
            (None, Some(c)) => c.requirement().mandatory(),
            _ => false,
        }
    }

    /// Writes the next packet and protects it (the S-SCTP wrapper around
    /// the plain packet writer).
    pub(crate) fn write_packet(
        &mut self,
        now: Instant,
        buf: &mut Vec<u8>,
    ) -> Option<(std::net::IpAddr, SocketAddr)> {
        if let Some(s) = self.secure.as_mut() {
            if s.start_pending && self.state == State::Established {
                s.start_open();
            }
            // Row 29 (9.4: "SSClose is also sent when the association
            // starts SHUTDOWN"): once every DATA chunk is acknowledged and
            // SHUTDOWN or SHUTDOWN ACK goes out, SSClose goes with it (in
            // the same authenticated packet); DATA was protected until then.
            if s.is_up() && matches!(self.state, State::ShutdownSent | State::ShutdownAckSent) {
                s.start_close(self.rtx.is_empty());
                s.stats.closes_on_shutdown += 1;
            }
            self.secure_effects();
        }
        // With keys in force the packet is usually rewritten and its
        // CRC32c computed after: the plain writer skips it (one CRC pass
        // per packet, not two), and it is written below if nothing was
        // protected.
        let zero = self.zero_checksum;
        let deferred = self.secure.as_ref().is_some_and(|s| s.send_ref.is_some());
        self.zero_checksum |= deferred;
        let dest = self.write_packet_plain(now, buf);
        self.zero_checksum = zero;
        let dest = dest?;
        let rto = self.paths[self.primary].rto;
        if let Some(s) = self.secure.as_mut() {
            if !record::protect(s, buf, zero) && deferred && !zero && buf.len() >= 12 {
                let c = sctp_codec::checksum::crc32c_field(buf);
                buf[8..12].copy_from_slice(&c.to_be_bytes());
            }
            if s.arm {
                s.arm = false;
                s.timer = Some(now + rto);
            }
            if s.arm_open {
                // The responder waits two RTOs for the initiator's SSOpReq.
                s.arm_open = false;
                s.open_at = Some(now + 2 * rto);
            }
            if s.arm_lifetime {
                // The client keeps the lifetime (one side only: no
                // simultaneous rekeys, row 24).
                s.arm_lifetime = false;
                s.rekey_at = s.cfg.lifetime.filter(|_| s.client).map(|l| now + l);
            }
            self.secure_effects();
        }
        Some(dest)
    }

    /// Moves what the session produced into the association: chunks to
    /// send, ERROR causes, an ABORT for a requirement not met, events.
    pub(crate) fn secure_effects(&mut self) {
        let Some(s) = self.secure.as_mut() else {
            return;
        };
        while let Some(c) = s.out.pop_front() {
            self.control.push_back(c);
        }
        if !s.errors_out.is_empty() {
            let mut v = Vec::new();
            while let Some(e) = s.errors_out.pop_front() {
                v.extend_from_slice(&e);
            }
            let mut chunk = Vec::new();
            crate::association::transmit::chunk_bytes(
                &mut chunk,
                sctp_codec::chunk::ty::ERROR,
                0,
                &v,
            );
            self.control.push_back(chunk);
        }
        let levels = (s.own_level, s.peer_level);
        let id = self.id;
        while let Some(e) = s.events.pop_front() {
            let fresh = match e {
                SecEvent::Up { .. } => s.send_keys(),
                SecEvent::Rekeyed { reference } => s.keys(reference),
                _ => None,
            };
            if let Some(k) = fresh.filter(|_| s.cfg.export_keys) {
                self.events.push_back(Event::SecureKeys {
                    id,
                    reference: k.reference,
                    suite: k.suite.id,
                    enc: k.enc.clone(),
                    mac: k.mac.clone(),
                    tags: (self.local_tag, self.peer_tag),
                });
            }
            self.events.push_back(match e {
                SecEvent::Up { suite } => Event::SecureSessionUp { id, suite, levels },
                SecEvent::LevelChanged => Event::SecureLevelChanged { id, levels },
                SecEvent::Rekeyed { reference } => Event::SecureRekeyed { id, reference },
                SecEvent::Closed => Event::SecureClosed { id },
                SecEvent::Failure {
                    cause,
                    code,
                    remote,
                } => Event::SecureFailure {
                    id,
                    cause,
                    code,
                    remote,
                },
            });
        }
        if let Some(causes) = s.abort.take() {
            s.stats.refused += 1;
            self.queue_abort(&causes, Reason::LocalAbort);
        }
    }

    /// The receive hook: checks and unwraps a protected packet and handles
    /// the chunks it holds; true when the packet was dealt with here.
    pub(crate) fn secure_receive(
        &mut self,
        now: Instant,
        from: SocketAddr,
        view: &PacketView<'_>,
        skip: usize,
    ) -> bool {
        let Some(s) = self.secure.as_mut() else {
            return false;
        };
        if s.inner || skip > 0 {
            return false;
        }
        let mut out = std::mem::take(&mut s.scratch);
        let v = record::unprotect(s, view.bytes(), &mut out);
        match v {
            record::Verdict::Clear => {
                s.scratch = out;
                false
            }
            record::Verdict::Drop => {
                s.scratch = out;
                self.secure_effects();
                true
            }
            record::Verdict::Replaced => {
                s.inner = true;
                if let Ok(inner) = PacketView::parse(&out, Rules::STANDARD) {
                    self.handle_chunks(now, from, &inner, 0);
                }
                if let Some(s) = self.secure.as_mut() {
                    s.inner = false;
                    s.scratch = out;
                }
                self.secure_effects();
                true
            }
        }
    }

    /// An S-SCTP handshake chunk (0xD0 to 0xD9).
    pub(crate) fn on_secure_chunk(&mut self, c: &ChunkView<'_>) {
        let rx = self.rx.as_ref().map(|r| r.cum_tsn());
        let Some(s) = self.secure.as_mut() else {
            return;
        };
        let len = u16::from_be_bytes([c.bytes()[2], c.bytes()[3]]) as usize;
        let whole = &c.bytes()[..len.min(c.bytes().len())];
        // While the session is up every S-SCTP chunk must come in an
        // authenticated packet (rekey chunks inside EncData, the control
        // chunks with AUTH), but for the client's leg 3 sent again.
        if s.is_up() && !s.inner && !matches!(c.ty(), 0xD4 | 0xD5) {
            s.stats.unauthenticated += 1;
            return;
        }
        s.on_chunk(whole, |t| {
            rx.is_some_and(|cum| cum.ge(crate::serial::Tsn(t)))
        });
        self.secure_effects();
    }

    /// An ERROR chunk: S-SCTP causes, or the peer not knowing our chunks.
    pub(crate) fn secure_error(&mut self, c: &ChunkView<'_>) {
        let Some(s) = self.secure.as_mut() else {
            return;
        };
        for t in c.tlvs() {
            match t.ty() {
                cause::FAILURE..=cause::DECOMPRESSION => {
                    let code = (t.ty() == cause::FAILURE)
                        .then(|| t.value().get(..2).map(|b| u16::from_be_bytes([b[0], b[1]])))
                        .flatten();
                    s.on_peer_error(t.ty(), code);
                }
                crate::wire::cause::UNRECOGNIZED_CHUNK_TYPE
                    if t.value().first().is_some_and(|b| (0xD0..=0xD9).contains(b)) =>
                {
                    s.on_peer_error(cause::FAILURE, Some(cause::CODE_REQUIREMENT));
                }
                _ => {}
            }
        }
        self.secure_effects();
    }

    /// RTO.hand (9.1).
    pub(crate) fn secure_timeout(&mut self, now: Instant) {
        let max = self.cfg.path_max_retrans;
        let Some(s) = self.secure.as_mut() else {
            return;
        };
        if s.timer.is_some_and(|t| t <= now) {
            s.on_timeout(max);
        }
        if s.open_at.is_some_and(|t| t <= now) {
            s.open_at = None;
            if s.state == HsState::Idle && s.stats.opens_started == 0 {
                s.start_open();
            }
        }
        if s.rekey_at.is_some_and(|t| t <= now) {
            // Row 22: the lifetime expired. Busy (a level change or a
            // rekey running): try again an RTO later.
            s.rekey_at = None;
            if !s.start_rekey() {
                s.rekey_at = Some(now + self.paths[self.primary].rto);
            }
        }
        self.secure_effects();
    }

    /// The S-SCTP timer deadline.
    pub(crate) fn secure_deadline(&self) -> Option<Instant> {
        let s = self.secure.as_ref()?;
        [s.timer, s.rekey_at, s.open_at].into_iter().flatten().min()
    }

    /// A status snapshot of the secure session.
    pub fn secure_status(&self) -> Option<SecureStatus> {
        self.secure.as_ref().map(|s| SecureStatus {
            state: s.state,
            levels: (s.own_level, s.peer_level),
            suite: s.suite().map(|x| x.id),
            key_reference: s.send_ref,
            stats: s.stats,
        })
    }

    /// ULP: set our level (SETSECLEVEL): opens a session from 0, else SecLevCHD.
    pub(crate) fn secure_set_level(&mut self, level: u8) -> bool {
        let Some(s) = self.secure.as_mut() else {
            return false;
        };
        let ok = s.set_level(level);
        self.secure_effects();
        ok
    }

    /// ULP: new keys now (9.6).
    pub(crate) fn secure_rekey(&mut self) -> bool {
        let Some(s) = self.secure.as_mut() else {
            return false;
        };
        let ok = s.start_rekey();
        self.secure_effects();
        ok
    }

    /// ULP: SHUTSECSESS (9.4).
    pub(crate) fn secure_close(&mut self) -> bool {
        let nothing = self.rtx.is_empty();
        let Some(s) = self.secure.as_mut() else {
            return false;
        };
        let ok = s.start_close(nothing);
        self.secure_effects();
        ok
    }
}
