//! The secure-session state machine (draft-hohendorf-secure-sctp-15 9.1,
//! 9.2, 9.4, 9.6, 7; secure-sctp.md section 8): the four-leg open (SSOpReq,
//! SSOpReq_Ack, SSCert, SSSerKey, SSCliKey, SSOpCom), the three-leg rekey,
//! level changes (SecLevCHD) and the close (SSClose). It runs over an
//! established association and only queues whole chunks; the association
//! sends them and protects packets with [`super::record`].

use std::collections::VecDeque;
use std::time::Instant;

use rand_chacha::rand_core::RngCore;
use rand_chacha::ChaCha20Rng;

use super::cert;
use super::keys::{self, Keys};
use super::suite::{self, Kx, Suite};
use super::{cause, SecureConfig, SecureStats};
use crate::association::transmit::chunk_bytes;
use crate::wire::{put_tlv, unpadded_len};

/// Chunk types (secure-sctp.md section 1; Q3, Q4).
pub mod ty {
    /// EncData (5.1.11).
    pub const ENC_DATA: u8 = 0x10;
    /// S-SCTP AUTH (5.1.13).
    pub const AUTH: u8 = 0x11;
    /// PADDING (5.1.12, PROVISIONAL 0x12).
    pub const PADDING: u8 = 0x12;
    /// SSOpReq (5.1.1).
    pub const SS_OP_REQ: u8 = 0xD0;
    /// SSCert (5.1.2).
    pub const SS_CERT: u8 = 0xD1;
    /// SSOpReq_Ack (5.1.3).
    pub const SS_OP_REQ_ACK: u8 = 0xD2;
    /// SSSerKey (5.1.4).
    pub const SS_SER_KEY: u8 = 0xD3;
    /// SSCliKey (5.1.5).
    pub const SS_CLI_KEY: u8 = 0xD4;
    /// SSOpCom (5.1.6).
    pub const SS_OP_COM: u8 = 0xD5;
    /// SSClose (5.1.7).
    pub const SS_CLOSE: u8 = 0xD6;
    /// SSClose_Ack (5.1.8).
    pub const SS_CLOSE_ACK: u8 = 0xD7;
    /// SecLevCHD (5.1.9).
    pub const SEC_LEV_CHD: u8 = 0xD8;
    /// SecLevCHD_Ack (5.1.10).
    pub const SEC_LEV_CHD_ACK: u8 = 0xD9;
}

/// Parameter types we write (secure-sctp.md Q7, Q8: 30 as printed; the
/// lost ones use the codec's crafting numbers, read by context).
mod pty {
    pub const CIPHER_SUITE: u16 = 0x001E;
    pub const COMPRESSION: u16 = 0x001F;
    pub const CERTIFICATE: u16 = 0x0020;
    pub const DH_SERVER: u16 = 0x0021;
    pub const RSA_SERVER: u16 = 0x0022;
    pub const DH_CLIENT: u16 = 0x0023;
    pub const RSA_CLIENT: u16 = 0x0024;
}

/// S-SCTP version 1.0 (5.1.1).
const VERSION: u16 = 0x0100;
/// Random numbers of a rekey, in bytes (9.6; KML 0 = as before).
const REKEY_RANDOM: usize = 32;
/// Random numbers of the RSA key exchange, in bytes: 512 bits, the RSA
/// default of 5.1.1 (secure-sctp.md I5: the KML we send is the DH prime's).
pub const RSA_RANDOM: usize = 64;
/// Key generations kept for reception after a rekey (5.1.11: up to us).
const KEPT_KEYS: usize = 4;

/// The states of secure-sctp.md section 8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HsState {
    /// No secure session.
    Idle,
    /// Client: SSOpReq sent.
    ClientOpenSent,
    /// Server: SSOpReq with CF=1 received, waiting for SSCert.
    ServerWaitCert,
    /// Server: SSOpReq_Ack + SSSerKey sent.
    ServerKeyxSent,
    /// Client: SSCliKey + SSOpCom sent.
    ClientComSent,
    /// Established.
    Established,
    /// Rekey initiator: SSOpReq + SSCliKey sent.
    RekeySent,
    /// Rekey responder: SSOpReq_Ack + SSSerKey + SSOpCom sent.
    RekeyWait,
    /// SSClose sent, waiting for SSClose_Ack.
    CloseSent,
}

/// What the session tells the application (turned into `Event`s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecEvent {
    /// The session is up (SECSESSUP).
    Up {
        /// Cipher suite number.
        suite: u16,
    },
    /// Our or the peer's level changed.
    LevelChanged,
    /// New keys are in use (SECSESSREKEY).
    Rekeyed {
        /// The new master secret key reference.
        reference: u16,
    },
    /// The session ended (SECSESSDOWN).
    Closed,
    /// A failure, with the cause sent or received (6) and the 0x0020 code.
    Failure {
        /// Cause code (0x0020 to 0x0024).
        cause: u16,
        /// The error code of cause 0x0020.
        code: Option<u16>,
        /// Whether the peer reported it (else we detected it).
        remote: bool,
    },
}

/// One association's S-SCTP state (the TCB fields of 9.5).
pub struct Session {
    pub(crate) cfg: SecureConfig,
    rng: ChaCha20Rng,
    /// Where the handshake is.
    pub state: HsState,
    /// We started the current session (the client).
    pub client: bool,
    /// Our security level in force (7), and the peer's ("second security level").
    pub own_level: u8,
    /// The peer's level.
    pub peer_level: u8,
    /// A SecLevCHD we sent, not yet acknowledged (9.7).
    pub pending_level: Option<u8>,
    /// The level we asked for before the session was up.
    target_level: u8,
    /// The peer authenticates its packets (a valid AUTH was seen).
    pub peer_protecting: bool,
    /// Key generations, newest last.
    keys: VecDeque<Keys>,
    /// The reference we protect with.
    pub send_ref: Option<u16>,
    /// Keys of a rekey in progress.
    new_keys: Option<Keys>,
    /// Rekey initiator: switch to `new_keys` once the packet with our
    /// SSOpCom is out (9.6).
    pub(crate) switch_after_com: bool,
    /// Server: our first SSOpCom goes out unprotected (the client has no
    /// keys in force yet).
    pub(crate) first_com_clear: bool,
    suite: Option<Suite>,
    /// Handshake chunks in canonical order: SSOpReq, client SSCert,
    /// SSOpReq_Ack, server SSCert, SSSerKey, SSCliKey.
    slots: [Option<Vec<u8>>; 6],
    dh_x: Option<keys::DhSecret>,
    /// Server, RSA suites: our random number (5.1.4), until the client's.
    rsa_random: Vec<u8>,
    peer_chain: Vec<Vec<u8>>,
    /// An SSCert that came before SSOpReq (row 4).
    early_cert: Option<Vec<Vec<u8>>>,
    rekey_random: Vec<u8>,
    /// Chunks to send, whole.
    pub out: VecDeque<Vec<u8>>,
    /// This leg's chunks, for retransmission (9.1).
    leg: Vec<Vec<u8>>,
    /// RTO.hand deadline.
    pub timer: Option<Instant>,
    /// Arm the timer when the next packet goes out.
    pub(crate) arm: bool,
    retries: u32,
    /// Start the open at the next chance (client, after COMMUNICATION UP).
    pub(crate) start_pending: bool,
    /// Events for the application.
    pub events: VecDeque<SecEvent>,
    /// Counters.
    pub stats: SecureStats,
    /// TSN of the last DATA chunk sent encrypted (SSClose, 9.4).
    pub last_enc_tsn: u32,
    /// We sent at least one encrypted DATA chunk.
    pub sent_enc: bool,
    /// ERROR causes to send (cause, value).
    pub errors_out: VecDeque<Vec<u8>>,
    /// The association must be aborted with these causes (a requirement
    /// not met).
    pub abort: Option<Vec<u8>>,
    /// A nested handle_chunks call on decrypted chunks is running.
    pub(crate) inner: bool,
    /// Reused buffer for rebuilt packets.
    pub(crate) scratch: Vec<u8>,
    /// Reused buffer for decrypted EncData plaintext (no allocation per packet).
    pub(crate) plain: Vec<u8>,
    /// The endpoint gave the random generator its seed.
    pub seeded: bool,
    /// Our side sent the association's INIT (breaks simultaneous opens).
    pub(crate) assoc_initiator: bool,
    /// Responder with a level above 0: open ourselves if the initiator has
    /// not by then (it may run at level 0).
    pub open_at: Option<Instant>,
    /// Set `open_at` when the next packet goes out.
    pub(crate) arm_open: bool,
    /// When the lifetime asks for a rekey (9.6).
    pub rekey_at: Option<Instant>,
    /// Start the lifetime when the next packet goes out (the session came
    /// up or new keys are in use).
    pub(crate) arm_lifetime: bool,
    /// Counters already added to the endpoint's.
    pub reported: SecureStats,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("state", &self.state)
            .field("own_level", &self.own_level)
            .field("peer_level", &self.peer_level)
            .field("send_ref", &self.send_ref)
            .finish()
    }
}

/// Reads the chunks of a whole-chunk byte string: (type, flags, value).
fn split(c: &[u8]) -> Option<(u8, u8, &[u8])> {
    if c.len() < 4 {
        return None;
    }
    let len = u16::from_be_bytes([c[2], c[3]]) as usize;
    if len < 4 || len > c.len() {
        return None;
    }
    Some((c[0], c[1], &c[4..len]))
}

/// The TLVs of a value: (type, value).
fn tlvs(mut v: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    while v.len() >= 4 {
        let t = u16::from_be_bytes([v[0], v[1]]);
        let l = u16::from_be_bytes([v[2], v[3]]) as usize;
        if l < 4 || l > v.len() {
            break;
        }
        out.push((t, &v[4..l]));
        v = &v[((l + 3) & !3).min(v.len())..];
    }
    out
}

fn whole(t: u8, flags: u8, value: &[u8], list: Option<usize>) -> Vec<u8> {
    let mut c = Vec::with_capacity(4 + value.len());
    chunk_bytes(&mut c, t, flags, &value[..unpadded_len(value, list)]);
    c
}

/// An ERROR cause (6): 0x0020 carries a 16-bit error code (Q17).
pub fn cause_tlv(code: u16, sub: Option<u16>) -> Vec<u8> {
    let mut v = Vec::new();
    match sub {
        Some(s) => put_tlv(&mut v, code, &s.to_be_bytes()),
        None => put_tlv(&mut v, code, &[]),
    }
    v
}

impl Session {
    /// Seeds the random generator (DH exponents, IVs, rekey randoms); the
    /// endpoint does it before the session first needs randomness.
    pub fn reseed(&mut self, seed: [u8; 32]) {
        use rand_chacha::rand_core::SeedableRng;
        self.rng = ChaCha20Rng::from_seed(seed);
        self.seeded = true;
    }

    /// A session for an association (nothing is sent until a level > 0 is set).
    pub fn new(cfg: SecureConfig, seed: [u8; 32]) -> Self {
        use rand_chacha::rand_core::SeedableRng;
        let target_level = cfg.level.min(3);
        Session {
            cfg,
            rng: ChaCha20Rng::from_seed(seed),
            state: HsState::Idle,
            client: false,
            own_level: 0,
            peer_level: 0,
            pending_level: None,
            target_level,
            peer_protecting: false,
            keys: VecDeque::new(),
            send_ref: None,
            new_keys: None,
            switch_after_com: false,
            first_com_clear: false,
            suite: None,
            slots: Default::default(),
            dh_x: None,
            rsa_random: Vec::new(),
            peer_chain: Vec::new(),
            early_cert: None,
            rekey_random: Vec::new(),
            out: VecDeque::new(),
            leg: Vec::new(),
            timer: None,
            arm: false,
            retries: 0,
            start_pending: false,
            events: VecDeque::new(),
            stats: SecureStats::default(),
            last_enc_tsn: 0,
            sent_enc: false,
            errors_out: VecDeque::new(),
            abort: None,
            inner: false,
            scratch: Vec::new(),
            plain: Vec::new(),
            seeded: false,
            assoc_initiator: false,
            open_at: None,
            arm_open: false,
            rekey_at: None,
            arm_lifetime: false,
            reported: SecureStats::default(),
        }
    }

    /// The keys with reference `r`.
    pub fn keys(&self, r: u16) -> Option<&Keys> {
        self.keys
            .iter()
            .rev()
            .find(|k| k.reference == r)
            .or_else(|| {
                self.new_keys
                    .as_ref()
                    .filter(|k| k.reference == r && self.state == HsState::RekeySent)
            })
    }

    /// The keys we protect with.
    pub fn send_keys(&self) -> Option<&Keys> {
        self.send_ref.and_then(|r| self.keys(r))
    }

    /// The negotiated suite.
    pub fn suite(&self) -> Option<Suite> {
        self.suite
    }

    /// The session is up (keys in force both ways).
    pub fn is_up(&self) -> bool {
        matches!(
            self.state,
            HsState::Established | HsState::RekeySent | HsState::RekeyWait
        )
    }

    /// An open is running.
    pub fn opening(&self) -> bool {
        matches!(
            self.state,
            HsState::ClientOpenSent
                | HsState::ServerWaitCert
                | HsState::ServerKeyxSent
                | HsState::ClientComSent
        ) || self.start_pending
    }

    fn transcript(&self, upto: usize) -> Vec<u8> {
        let mut t = Vec::new();
        for s in self.slots[..upto].iter().flatten() {
            t.extend_from_slice(s);
        }
        t
    }

    fn send_leg(&mut self, chunks: Vec<Vec<u8>>) {
        self.out.extend(chunks.iter().cloned());
        self.leg = chunks;
        self.retries = 0;
        self.arm = true;
    }

    fn finish_leg(&mut self) {
        self.leg.clear();
        self.timer = None;
        self.arm = false;
        self.retries = 0;
    }

    fn reset(&mut self) {
        self.state = HsState::Idle;
        self.finish_leg();
        self.slots = Default::default();
        self.dh_x = None;
        self.rsa_random.clear();
        self.new_keys = None;
        self.switch_after_com = false;
        self.first_com_clear = false;
        self.start_pending = false;
    }

    /// Ends the session and zeroes the TCB fields (9.4).
    pub fn clear(&mut self) {
        self.reset();
        self.rekey_at = None;
        self.arm_lifetime = false;
        self.keys.clear();
        self.send_ref = None;
        self.own_level = 0;
        self.peer_level = 0;
        self.pending_level = None;
        self.peer_protecting = false;
        self.suite = None;
        self.peer_chain.clear();
    }

    /// A failure we detected: ERROR with the cause, the open or update
    /// stops (6; rows 6, 9, 11, 13, 15, 26). Under a mandatory requirement
    /// a failed open aborts the association.
    fn fail(&mut self, code: u16, sub: Option<u16>) {
        self.stats.failures += 1;
        self.errors_out.push_back(cause_tlv(code, sub));
        self.events.push_back(SecEvent::Failure {
            cause: code,
            code: sub,
            remote: false,
        });
        self.fail_quietly(code, sub);
    }

    fn fail_quietly(&mut self, code: u16, sub: Option<u16>) {
        let was_up = self.is_up();
        if was_up {
            // A failed update closes the session (6, row 26).
            self.out.push_back(whole(
                ty::SS_CLOSE,
                1,
                &self.last_enc_tsn.to_be_bytes(),
                None,
            ));
            self.reset();
            self.state = HsState::CloseSent;
            self.arm = true;
            self.leg = vec![whole(
                ty::SS_CLOSE,
                1,
                &self.last_enc_tsn.to_be_bytes(),
                None,
            )];
            return;
        }
        self.clear();
        if self.cfg.requirement().mandatory() && self.abort.is_none() {
            self.abort = Some(cause_tlv(code, sub));
        }
    }

    /// The peer reported an S-SCTP cause (6), or that it does not know our
    /// chunks (Unrecognized Chunk Type wrapping 0xD0-0xD9: no S-SCTP, Q32).
    pub fn on_peer_error(&mut self, code: u16, sub: Option<u16>) {
        if self.state == HsState::Idle && !self.start_pending {
            return;
        }
        self.stats.peer_errors += 1;
        self.events.push_back(SecEvent::Failure {
            cause: code,
            code: sub,
            remote: true,
        });
        // Authentication and decryption failures of single packets leave
        // an established session as it is (6: the packet was discarded).
        if self.is_up() && matches!(code, cause::AUTHENTICATION | cause::DECRYPTION) {
            return;
        }
        self.fail_quietly(code, sub);
    }

    // ----- the open (9.1) -----

    /// Row 1: become the client and send SSOpReq (+ SSCert).
    pub fn start_open(&mut self) {
        self.start_pending = false;
        if self.state != HsState::Idle || self.target_level == 0 {
            return;
        }
        self.client = true;
        let cf = !self.cfg.credentials.chain.is_empty();
        let mut v = Vec::new();
        v.extend_from_slice(&VERSION.to_be_bytes());
        v.extend_from_slice(&keys::DH_BITS.to_be_bytes());
        let mut list = Vec::new();
        for s in self.cfg.suites() {
            list.extend_from_slice(&s.to_be_bytes());
        }
        put_tlv(&mut v, pty::CIPHER_SUITE, &list);
        put_tlv(&mut v, pty::COMPRESSION, &0u16.to_be_bytes());
        let req = whole(ty::SS_OP_REQ, cf as u8, &v, Some(4));
        self.slots[0] = Some(req.clone());
        let mut leg = vec![req];
        if cf {
            let c = self.cert_chunk();
            self.slots[1] = Some(c.clone());
            leg.push(c);
        }
        self.state = HsState::ClientOpenSent;
        self.stats.opens_started += 1;
        self.send_leg(leg);
    }

    fn cert_chunk(&self) -> Vec<u8> {
        let chain = &self.cfg.credentials.chain;
        let mut v = chain[0].clone();
        v.resize(v.len().div_ceil(4) * 4, 0);
        let list = v.len();
        for c in &chain[1..] {
            put_tlv(&mut v, pty::CERTIFICATE, c);
        }
        whole(ty::SS_CERT, 0, &v, Some(list))
    }

    fn parse_cert(value: &[u8]) -> Option<Vec<Vec<u8>>> {
        // Inline DER certificate, padding, Certificate parameters (Q13).
        if value.len() < 4 || value[0] != 0x30 {
            return None;
        }
        let n = match value[1] {
            n if n < 0x80 => 2 + n as usize,
            0x81 => 3 + value[2] as usize,
            0x82 => 4 + u16::from_be_bytes([value[2], value[3]]) as usize,
            _ => return None,
        };
        if n > value.len() {
            return None;
        }
        let mut chain = vec![value[..n].to_vec()];
        let rest = &value[(n.div_ceil(4) * 4).min(value.len())..];
        for (t, c) in tlvs(rest) {
            if t == pty::CERTIFICATE {
                chain.push(c.to_vec());
            }
        }
        Some(chain)
    }

    /// Handles one S-SCTP handshake chunk (types 0xD0 to 0xD9), whole.
    pub fn on_chunk(&mut self, chunk: &[u8], peer_tsn_done: impl Fn(u32) -> bool) {
        let Some((t, flags, value)) = split(chunk) else {
            self.stats.malformed += 1;
            return;
        };
        self.stats.chunks_in += 1;
        if self.rekey_step(chunk) {
            return;
        }
        match t {
            ty::SS_OP_REQ => self.on_op_req(chunk, flags, value),
            ty::SS_CERT => self.on_cert(chunk, value),
            ty::SS_OP_REQ_ACK => self.on_op_req_ack(chunk, flags, value),
            ty::SS_SER_KEY => self.on_ser_key(chunk, flags, value),
            ty::SS_CLI_KEY => self.on_cli_key(chunk, flags, value),
            ty::SS_OP_COM => self.on_op_com(value),
            ty::SS_CLOSE => self.on_close(flags, value, peer_tsn_done),
            ty::SS_CLOSE_ACK => {
                if self.state == HsState::CloseSent {
                    self.clear();
                    self.events.push_back(SecEvent::Closed);
                }
            }
            ty::SEC_LEV_CHD => {
                if self.is_up() {
                    // Row 21: record the peer's level, acknowledge at once
                    // (again for a SecLevCHD sent again).
                    let changed = self.peer_level != flags & 0x03;
                    self.peer_level = flags & 0x03;
                    self.out.push_back(whole(ty::SEC_LEV_CHD_ACK, 0, &[], None));
                    if changed {
                        self.events.push_back(SecEvent::LevelChanged);
                    }
                }
            }
            ty::SEC_LEV_CHD_ACK => {
                if let Some(l) = self.pending_level.take() {
                    // Row 20: the new level is in force from now on.
                    self.finish_leg();
                    self.own_level = l;
                    self.events.push_back(SecEvent::LevelChanged);
                }
            }
            _ => self.stats.malformed += 1,
        }
    }

    fn on_op_req(&mut self, chunk: &[u8], flags: u8, value: &[u8]) {
        if value.len() < 4 {
            self.stats.malformed += 1;
            return;
        }
        let params = tlvs(&value[4..]);
        let client_suites: Vec<u16> = params
            .iter()
            .find(|(t, _)| *t == pty::CIPHER_SUITE || *t == 0x0030)
            .map(|(_, v)| {
                v.chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .filter(|s| *s != 0)
                    .collect()
            })
            .unwrap_or_default();
        match self.state {
            HsState::Idle => {
                self.client = false;
                // Keep a client SSCert that came first (row 4).
                let early = self.slots[1].take().filter(|_| self.early_cert.is_some());
                self.slots = Default::default();
                self.slots[1] = early;
                self.slots[0] = Some(chunk.to_vec());
                self.stats.opens_started += 1;
                // RSA suites need our RSA certificate and key (5.1.1, I6).
                let ours: Vec<u16> = self
                    .cfg
                    .suites()
                    .into_iter()
                    .filter(|id| {
                        Suite::by_id(*id).is_some_and(|s| s.kx == Kx::Dh)
                            || self.cfg.credentials.has_rsa()
                    })
                    .collect();
                let Some(id) = suite::choose(&client_suites, &ours) else {
                    // No suite in common (ours: code 4, docs).
                    self.fail(cause::FAILURE, Some(cause::CODE_NO_COMMON_SUITE));
                    return;
                };
                self.suite = Suite::by_id(id);
                if flags & 0x01 != 0 {
                    match self.early_cert.take() {
                        Some(chain) => {
                            if self.accept_cert(chain) {
                                self.server_keyx();
                            }
                        }
                        None => self.state = HsState::ServerWaitCert,
                    }
                } else if self.cfg.require_peer_cert {
                    self.fail(cause::CERTIFICATE, None);
                } else {
                    self.server_keyx();
                }
            }
            HsState::ClientOpenSent => {
                // Row 7, simultaneous open. The draft has each side ignore
                // the other's and try again after a random delay; we break
                // the tie at once: the association's initiator stays
                // client, the other side drops its own and serves.
                if !self.assoc_initiator {
                    self.finish_leg();
                    self.state = HsState::Idle;
                    self.on_op_req(chunk, flags, value);
                } else {
                    self.stats.duplicates += 1;
                }
            }
            HsState::Established => self.on_rekey_req(chunk, value),
            HsState::RekeySent => {
                // Row 24: the original client ignores it; the original
                // server accepts it and drops its own attempt.
                if !self.client {
                    self.new_keys = None;
                    self.switch_after_com = false;
                    self.state = HsState::Established;
                    self.finish_leg();
                    self.on_rekey_req(chunk, value);
                }
            }
            _ => self.stats.duplicates += 1,
        }
    }

    fn on_cert(&mut self, chunk: &[u8], value: &[u8]) {
        let Some(chain) = Self::parse_cert(value) else {
            // A truncated or unparsable certificate.
            self.stats.malformed += 1;
            if matches!(
                self.state,
                HsState::ServerWaitCert | HsState::ClientOpenSent | HsState::Idle
            ) {
                self.fail(cause::CERTIFICATE, None);
            }
            return;
        };
        match self.state {
            HsState::Idle => {
                // Row 4: keep it for the SSOpReq; drop further ones.
                if self.early_cert.is_none() {
                    self.slots[1] = Some(chunk.to_vec());
                    self.early_cert = Some(chain);
                } else {
                    self.stats.duplicates += 1;
                }
            }
            HsState::ServerWaitCert => {
                self.slots[1] = Some(chunk.to_vec());
                if self.accept_cert(chain) {
                    self.server_keyx();
                }
            }
            HsState::ClientOpenSent => {
                if self.slots[3].is_none() {
                    self.slots[3] = Some(chunk.to_vec());
                    self.peer_chain = chain;
                } else {
                    self.stats.duplicates += 1;
                }
            }
            _ => self.stats.duplicates += 1,
        }
    }

    /// Rows 5 and 6: check the peer's certificate.
    fn accept_cert(&mut self, chain: Vec<Vec<u8>>) -> bool {
        match self.cfg.credentials.verify_peer(&chain, self.client) {
            Ok(()) => {
                self.peer_chain = chain;
                true
            }
            Err(_) => {
                self.stats.cert_refused += 1;
                self.fail(cause::CERTIFICATE, None);
                false
            }
        }
    }

    /// Row 2: SSOpReq_Ack (+ SSCert) + SSSerKey.
    fn server_keyx(&mut self) {
        let suite = self.suite.expect("chosen");
        let cf = !self.cfg.credentials.chain.is_empty();
        let mut v = Vec::new();
        v.extend_from_slice(&VERSION.to_be_bytes());
        v.extend_from_slice(&suite.id.to_be_bytes());
        v.extend_from_slice(&0u16.to_be_bytes());
        v.extend_from_slice(&0u16.to_be_bytes());
        let ack = whole(ty::SS_OP_REQ_ACK, cf as u8, &v, None);
        self.slots[2] = Some(ack.clone());
        let mut leg = vec![ack];
        if cf {
            let c = self.cert_chunk();
            self.slots[3] = Some(c.clone());
            leg.push(c);
        }
        let key = if suite.kx == Kx::Rsa {
            // 5.1.4 RSA form (secure-sctp.md 3.19, PROVISIONAL): our random
            // number in clear, then our signature.
            let mut r = vec![0u8; RSA_RANDOM];
            self.rng.fill_bytes(&mut r);
            self.rsa_random = r.clone();
            self.signed_key_chunk(ty::SS_SER_KEY, self.target_level, pty::RSA_SERVER, r, cf, 4)
        } else {
            let mut r = [0u8; keys::DH_RANDOM];
            self.rng.fill_bytes(&mut r);
            let (x, y) = keys::dh_keypair(&r);
            self.dh_x = Some(x);
            let p = keys::prime_bytes();
            let g = [2u8];
            let mut pv = Vec::new();
            pv.extend_from_slice(&(p.len() as u16).to_be_bytes());
            pv.extend_from_slice(&(g.len() as u16).to_be_bytes());
            pv.extend_from_slice(&(y.len() as u16).to_be_bytes());
            pv.extend_from_slice(&0u16.to_be_bytes());
            pv.extend_from_slice(&p);
            pv.extend_from_slice(&g);
            pv.extend_from_slice(&y);
            self.signed_key_chunk(ty::SS_SER_KEY, self.target_level, pty::DH_SERVER, pv, cf, 4)
        };
        self.slots[4] = Some(key.clone());
        leg.push(key);
        self.state = HsState::ServerKeyxSent;
        self.send_leg(leg);
    }

    /// A key chunk holding one parameter whose value is the key material
    /// `pv`, then (when `sign`) a signature in our certificate's algorithm
    /// over the transcript before `upto` and the chunk up to the signature
    /// (5.1.4, 5.1.5; docs/ssctp-endpoint.md). The signature runs to the
    /// end of the parameter: its length follows from the key material's.
    fn signed_key_chunk(
        &mut self,
        t: u8,
        flags: u8,
        pt: u16,
        pv: Vec<u8>,
        sign: bool,
        upto: usize,
    ) -> Vec<u8> {
        let mut c = Vec::with_capacity(8 + pv.len() + 512);
        c.extend_from_slice(&[t, flags, 0, 0]);
        c.extend_from_slice(&pt.to_be_bytes());
        c.extend_from_slice(&[0, 0]);
        c.extend_from_slice(&pv);
        let mut sig = Vec::new();
        if sign {
            // Lengths as they will be once the signature is in (the
            // signature covers them); DER ECDSA signatures vary in length
            // (70 to 72 bytes), so sign, then fix up and sign again until
            // the length we signed over is the signature's.
            // Each try is signed afresh (hedged ECDSA nonces), so the DER
            // length settles within a few tries.
            for _ in 0..64 {
                let mut seed = [0u8; 32];
                self.rng.fill_bytes(&mut seed);
                let total = c.len() + sig.len();
                c[2..4].copy_from_slice(&(total as u16).to_be_bytes());
                c[6..8].copy_from_slice(&((total - 4) as u16).to_be_bytes());
                let mut msg = self.transcript(upto);
                msg.extend_from_slice(&c);
                let s = self.cfg.credentials.sign(&msg, seed).unwrap_or_default();
                let same = s.len() == sig.len();
                sig = s;
                if same {
                    break;
                }
            }
        }
        let total = c.len() + sig.len();
        c[2..4].copy_from_slice(&(total as u16).to_be_bytes());
        c[6..8].copy_from_slice(&((total - 4) as u16).to_be_bytes());
        c.extend_from_slice(&sig);
        c
    }

    /// Verifies the signature at the end of a key parameter: the chunk's
    /// bytes from `at` (after the key material) to its end, over the
    /// transcript up to `upto` and the chunk before `at`.
    fn check_signature(&self, chunk: &[u8], upto: usize, at: usize) -> bool {
        let Some(leaf) = self.peer_chain.first() else {
            return false;
        };
        let Some((_, _, value)) = split(chunk) else {
            return false;
        };
        let end = 4 + value.len();
        if at >= end {
            return false;
        }
        let mut msg = self.transcript(upto);
        msg.extend_from_slice(&chunk[..at]);
        cert::verify_signature(leaf, &msg, &chunk[at..end])
    }

    fn on_op_req_ack(&mut self, chunk: &[u8], flags: u8, value: &[u8]) {
        match self.state {
            HsState::ClientOpenSent if self.slots[2].is_none() => {
                if value.len() < 4 {
                    self.stats.malformed += 1;
                    return;
                }
                let id = u16::from_be_bytes([value[2], value[3]]);
                match Suite::by_id(id).filter(|s| self.cfg.suites().contains(&s.id)) {
                    Some(s) => self.suite = Some(s),
                    None => {
                        self.fail(cause::FAILURE, Some(cause::CODE_NO_COMMON_SUITE));
                        return;
                    }
                }
                let _ = flags;
                self.slots[2] = Some(chunk.to_vec());
            }
            HsState::RekeySent => self.slots[2] = Some(chunk.to_vec()),
            _ => self.stats.duplicates += 1,
        }
    }

    fn on_ser_key(&mut self, chunk: &[u8], flags: u8, value: &[u8]) {
        match self.state {
            HsState::ClientOpenSent if self.slots[2].is_some() => {}
            HsState::RekeySent => return self.on_rekey_answer(chunk, value),
            _ => {
                self.stats.duplicates += 1;
                return;
            }
        }
        // Row 8: certificate, signature, key material, keys.
        let server_cf = self.slots[2].as_ref().is_some_and(|c| c[1] & 0x01 != 0);
        if server_cf || self.cfg.require_peer_cert {
            if self.peer_chain.is_empty() {
                self.stats.cert_refused += 1;
                self.fail(cause::CERTIFICATE, None);
                return;
            }
            let chain = self.peer_chain.clone();
            if !self.accept_cert(chain) {
                return;
            }
        }
        let params = tlvs(value);
        let Some((_, pv)) = params.first().copied() else {
            self.stats.malformed += 1;
            return;
        };
        let suite = self.suite.expect("chosen");
        let client_signs = !self.cfg.credentials.chain.is_empty();
        let mut seed = [0u8; 32];
        self.rng.fill_bytes(&mut seed);
        let (secret, my_pv, pt) = if suite.kx == Kx::Rsa {
            // 5.1.4/5.1.5 RSA: the server's random number, its signature
            // (required: the RSA suites need the server's certificate), and
            // ours encrypted to the key of that certificate.
            let Some(server_key) = self.peer_chain.first().and_then(|l| cert::rsa_public(l)) else {
                self.stats.cert_refused += 1;
                self.fail(cause::CERTIFICATE, None);
                return;
            };
            if pv.len() <= RSA_RANDOM || !self.check_signature(chunk, 4, 8 + RSA_RANDOM) {
                self.fail(cause::FAILURE, Some(cause::CODE_SIGNATURE));
                return;
            }
            let mut mine = vec![0u8; RSA_RANDOM];
            self.rng.fill_bytes(&mut mine);
            let Some(ct) = cert::rsa_encrypt(&server_key, &mine, seed) else {
                self.fail(cause::CERTIFICATE, None);
                return;
            };
            // Key material: the client's random number, then the server's (9.5).
            let mut km = mine;
            km.extend_from_slice(&pv[..RSA_RANDOM]);
            (km, ct, pty::RSA_CLIENT)
        } else {
            if pv.len() < 8 {
                self.stats.malformed += 1;
                return;
            }
            let lp = u16::from_be_bytes([pv[0], pv[1]]) as usize;
            let lg = u16::from_be_bytes([pv[2], pv[3]]) as usize;
            let ly = u16::from_be_bytes([pv[4], pv[5]]) as usize;
            if 8 + lp + lg + ly > pv.len() {
                self.fail(cause::FAILURE, Some(cause::CODE_SIGNATURE));
                return;
            }
            let (p, rest) = pv[8..].split_at(lp);
            let (g, rest) = rest.split_at(lg);
            let y = &rest[..ly];
            if !self.peer_chain.is_empty() && !self.check_signature(chunk, 4, 16 + lp + lg + ly) {
                self.fail(cause::FAILURE, Some(cause::CODE_SIGNATURE));
                return;
            }
            let mut r = [0u8; keys::DH_RANDOM];
            self.rng.fill_bytes(&mut r);
            let (x, my_y) = keys::dh_keypair(&r);
            let Some(secret) = keys::dh_shared(&x, p, g, y) else {
                self.fail(cause::FAILURE, Some(cause::CODE_SIGNATURE));
                return;
            };
            (secret, my_y, pty::DH_CLIENT)
        };
        self.slots[4] = Some(chunk.to_vec());
        self.peer_level = flags & 0x03;
        let key = self.signed_key_chunk(
            ty::SS_CLI_KEY,
            self.target_level,
            pt,
            my_pv,
            client_signs,
            5,
        );
        self.slots[5] = Some(key.clone());
        self.install(keys::derive(&secret, suite, 0));
        let com = self.op_com(true);
        self.state = HsState::ClientComSent;
        self.send_leg(vec![key, com]);
    }

    fn install(&mut self, k: Keys) {
        self.keys.push_back(k);
        while self.keys.len() > KEPT_KEYS {
            self.keys.pop_front();
        }
    }

    /// SSOpCom: HMAC with the HMAC key over a role label and the
    /// handshake chunks of both sides (5.1.6; I14, docs).
    fn op_com(&self, from_client: bool) -> Vec<u8> {
        let k = self.new_keys.as_ref().or(self.keys.back()).expect("keys");
        let label: &[u8] = if from_client { b"client" } else { b"server" };
        let t = self.transcript(6);
        let mac = keys::hmac(k.suite.mac, &k.mac, &[label, &t]);
        whole(ty::SS_OP_COM, 0, &mac, None)
    }

    fn check_op_com(&self, value: &[u8], from_client: bool) -> bool {
        let Some(k) = self.new_keys.as_ref().or(self.keys.back()) else {
            return false;
        };
        let label: &[u8] = if from_client { b"client" } else { b"server" };
        let t = self.transcript(6);
        keys::hmac_ok(k.suite.mac, &k.mac, &[label, &t], value)
    }

    fn on_cli_key(&mut self, chunk: &[u8], flags: u8, value: &[u8]) {
        match self.state {
            HsState::ServerKeyxSent if self.slots[5].is_none() => {}
            HsState::Established if !self.client && self.slots[5].as_deref() == Some(chunk) => {
                // Leg 3 again: our SSOpCom was lost; send it again.
                self.stats.duplicates += 1;
                let com = self.op_com(false);
                self.out.push_back(com);
                return;
            }
            _ => {
                self.stats.duplicates += 1;
                return;
            }
        }
        let params = tlvs(value);
        let Some((_, pv)) = params.first().copied() else {
            self.stats.malformed += 1;
            return;
        };
        let client_signs = !self.peer_chain.is_empty();
        let suite = self.suite.expect("chosen");
        // The key material ends here; the client's signature follows.
        let klen = match suite.kx {
            Kx::Rsa => self.cfg.credentials.rsa_len().unwrap_or(0),
            Kx::Dh => keys::DH_BYTES,
        };
        if pv.len() < klen || client_signs && !self.check_signature(chunk, 5, 8 + klen) {
            self.fail(cause::FAILURE, Some(cause::CODE_SIGNATURE));
            return;
        }
        let secret = if suite.kx == Kx::Rsa {
            let mut seed = [0u8; 32];
            self.rng.fill_bytes(&mut seed);
            let server_random = std::mem::take(&mut self.rsa_random);
            match self.cfg.credentials.rsa_decrypt(&pv[..klen], seed) {
                Some(mut km) if km.len() == RSA_RANDOM && server_random.len() == RSA_RANDOM => {
                    km.extend_from_slice(&server_random);
                    km
                }
                _ => {
                    self.fail(cause::DECRYPTION, None);
                    return;
                }
            }
        } else {
            let x = self.dh_x.take().expect("server keyx");
            match keys::dh_shared(&x, &keys::prime_bytes(), &[2], &pv[..klen]) {
                Some(s) => s,
                None => {
                    self.fail(cause::FAILURE, Some(cause::CODE_SIGNATURE));
                    return;
                }
            }
        };
        self.slots[5] = Some(chunk.to_vec());
        self.peer_level = flags & 0x03;
        self.install(keys::derive(&secret, self.suite.expect("chosen"), 0));
        // The client's SSOpCom follows in the same leg; we wait for it.
        self.state = HsState::ServerKeyxSent;
    }

    fn on_op_com(&mut self, value: &[u8]) {
        match self.state {
            HsState::ServerKeyxSent if self.slots[5].is_some() => {
                // Row 12/13.
                if !self.check_op_com(value, true) {
                    self.fail(cause::FAILURE, Some(cause::CODE_OP_COM));
                    return;
                }
                let com = self.op_com(false);
                self.out.push_back(com);
                self.first_com_clear = true;
                self.finish_leg();
                self.up();
            }
            HsState::ClientComSent => {
                // Row 14/15.
                if !self.check_op_com(value, false) {
                    self.fail(cause::FAILURE, Some(cause::CODE_OP_COM));
                    return;
                }
                self.finish_leg();
                self.up();
            }
            HsState::RekeyWait => {
                // Row 27: the initiator's SSOpCom under the new keys.
                if !self.check_op_com(value, true) {
                    self.fail(cause::FAILURE, Some(cause::CODE_OP_COM));
                    return;
                }
                self.complete_rekey();
            }
            HsState::Established if self.check_op_com(value, false) => {
                // The rekey responder's (or the server's) SSOpCom again: ours
                // was lost; send it again (under the keys now in force,
                // which complete the responder's switch, see complete_rekey).
                self.stats.duplicates += 1;
                let com = self.op_com(true);
                self.out.push_back(com);
            }
            _ => self.stats.duplicates += 1,
        }
    }

    /// Row 27: the responder switches to the new keys (on the initiator's
    /// SSOpCom, or on a packet that verifies under the new keys: only an
    /// initiator that derived them can make one).
    pub(crate) fn complete_rekey(&mut self) {
        let Some(k) = self.new_keys.take() else {
            return;
        };
        self.finish_leg();
        let r = k.reference;
        self.install(k);
        self.send_ref = Some(r);
        self.state = HsState::Established;
        self.stats.rekeys += 1;
        self.arm_lifetime = true;
        self.events.push_back(SecEvent::Rekeyed { reference: r });
    }

    /// The keys of a rekey we answered, not in force yet.
    pub(crate) fn pending_keys(&self) -> Option<&Keys> {
        self.new_keys
            .as_ref()
            .filter(|_| self.state == HsState::RekeyWait)
    }

    fn up(&mut self) {
        // From now on the peer authenticates every packet at level 1 and
        // above (it protects from its own ESTABLISHED on), so clear ones
        // are refused at once (no window for an injected SSClose).
        self.peer_protecting = true;
        self.state = HsState::Established;
        self.send_ref = self.keys.back().map(|k| k.reference);
        self.own_level = self.target_level;
        self.dh_x = None;
        self.stats.opens_completed += 1;
        self.arm_lifetime = true;
        self.events.push_back(SecEvent::Up {
            suite: self.suite.map_or(0, |s| s.id),
        });
    }

    // ----- level change (9.7) -----

    /// Row 1 / 19: the application sets our level.
    pub fn set_level(&mut self, level: u8) -> bool {
        let level = level.min(3);
        match self.state {
            HsState::Idle => {
                self.target_level = level;
                if level > 0 {
                    self.start_open();
                }
                true
            }
            HsState::Established if self.pending_level.is_none() && self.leg.is_empty() => {
                self.target_level = level;
                self.pending_level = Some(level);
                // Sent again on RTO.hand until acknowledged (the draft
                // gives no rule; as SSClose, 9.4).
                self.send_leg(vec![whole(ty::SEC_LEV_CHD, level, &[], None)]);
                true
            }
            _ => false,
        }
    }

    // ----- rekey (9.6) -----

    /// Row 22: the application (or the lifetime timer) asks for new keys.
    pub fn start_rekey(&mut self) -> bool {
        if self.state != HsState::Established
            || self.pending_level.is_some()
            || !self.leg.is_empty()
        {
            return false;
        }
        let Some(cur) = self.send_keys().cloned() else {
            return false;
        };
        let mut v = Vec::new();
        v.extend_from_slice(&VERSION.to_be_bytes());
        v.extend_from_slice(&0u16.to_be_bytes()); // KML 0: unchanged
        put_tlv(&mut v, pty::CIPHER_SUITE, &cur.suite.id.to_be_bytes());
        put_tlv(&mut v, pty::COMPRESSION, &0u16.to_be_bytes());
        let req = whole(ty::SS_OP_REQ, 0, &v, Some(4));
        let mut random = vec![0u8; REKEY_RANDOM];
        self.rng.fill_bytes(&mut random);
        let key = self.rekey_key_chunk(
            ty::SS_CLI_KEY,
            self.own_level,
            pty::RSA_CLIENT,
            &cur,
            &random,
        );
        self.slots = Default::default();
        self.slots[0] = Some(req.clone());
        self.slots[5] = Some(key.clone());
        self.rekey_random = random;
        self.state = HsState::RekeySent;
        self.send_leg(vec![req, key]);
        true
    }

    /// A rekey key chunk: the "RSA" parameter of 9.6, a random number
    /// encrypted with the current master secret key (IV, then AES-CBC).
    fn rekey_key_chunk(&mut self, t: u8, flags: u8, pt: u16, cur: &Keys, random: &[u8]) -> Vec<u8> {
        let mut iv = [0u8; keys::BLOCK];
        let iv = &mut iv[..cur.suite.iv_len()];
        self.rng.fill_bytes(iv);
        let mut ct = random.to_vec();
        keys::encrypt(cur, iv, &mut ct);
        let mut pv = iv.to_vec();
        pv.extend_from_slice(&ct);
        let mut v = Vec::new();
        put_tlv(&mut v, pt, &pv);
        whole(t, flags, &v, Some(0))
    }

    fn rekey_random_of(&self, value: &[u8], cur: &Keys) -> Option<Vec<u8>> {
        let (_, pv) = tlvs(value).first().copied()?;
        let ivl = cur.suite.iv_len();
        if pv.len() != ivl + REKEY_RANDOM {
            return None;
        }
        let mut ct = pv[ivl..].to_vec();
        keys::decrypt(cur, &pv[..ivl], &mut ct).then_some(ct)
    }

    fn next_keys(&self, cur: &Keys, client_random: &[u8], server_random: &[u8]) -> Keys {
        let mut km = cur.material.clone();
        km.extend_from_slice(client_random);
        km.extend_from_slice(server_random);
        keys::derive(&km, cur.suite, cur.reference.wrapping_add(1))
    }

    /// Row 23: SSOpReq (+ SSCliKey) while established.
    fn on_rekey_req(&mut self, chunk: &[u8], _value: &[u8]) {
        let Some(cur) = self.send_keys().cloned() else {
            return;
        };
        // The SSCliKey is the chunk after SSOpReq; it was not seen yet
        // when SSOpReq is handled first, so wait for it in RekeyWait.
        self.slots = Default::default();
        self.slots[0] = Some(chunk.to_vec());
        self.rekey_random.clear();
        self.new_keys = None;
        let _ = cur;
        self.state = HsState::RekeyWait;
        self.stats.rekeys_started += 1;
    }

    /// The rekey responder has SSOpReq and SSCliKey: answer (row 23).
    fn rekey_answer(&mut self, cli_key: &[u8]) {
        let Some(cur) = self.send_keys().cloned() else {
            return;
        };
        let Some((_, _, value)) = split(cli_key) else {
            return;
        };
        let Some(client_random) = self.rekey_random_of(value, &cur) else {
            self.fail(cause::DECRYPTION, None);
            return;
        };
        self.slots[5] = Some(cli_key.to_vec());
        let mut v = Vec::new();
        v.extend_from_slice(&VERSION.to_be_bytes());
        v.extend_from_slice(&cur.suite.id.to_be_bytes());
        v.extend_from_slice(&0u16.to_be_bytes());
        v.extend_from_slice(&0u16.to_be_bytes());
        let ack = whole(ty::SS_OP_REQ_ACK, 0, &v, None);
        let mut server_random = vec![0u8; REKEY_RANDOM];
        self.rng.fill_bytes(&mut server_random);
        let key = self.rekey_key_chunk(
            ty::SS_SER_KEY,
            self.own_level,
            pty::RSA_SERVER,
            &cur,
            &server_random,
        );
        self.slots[2] = Some(ack.clone());
        self.slots[4] = Some(key.clone());
        self.new_keys = Some(self.next_keys(&cur, &client_random, &server_random));
        let com = self.op_com(false);
        self.send_leg(vec![ack, key, com]);
    }

    /// Row 25: the responder's SSOpReq_Ack + SSSerKey + SSOpCom.
    fn on_rekey_answer(&mut self, chunk: &[u8], value: &[u8]) {
        let Some(cur) = self.send_keys().cloned() else {
            return;
        };
        let Some(server_random) = self.rekey_random_of(value, &cur) else {
            self.fail(cause::DECRYPTION, None);
            return;
        };
        self.slots[4] = Some(chunk.to_vec());
        let client_random = std::mem::take(&mut self.rekey_random);
        self.new_keys = Some(self.next_keys(&cur, &client_random, &server_random));
        // The SSOpCom comes next in the same packet: see on_rekey_com.
        self.stats.rekeys_started += 1;
    }

    /// Called for every chunk of a rekey leg in the order received, so the
    /// pieces can be matched up; see [`Session::on_chunk`].
    pub fn rekey_step(&mut self, chunk: &[u8]) -> bool {
        let Some((t, _, value)) = split(chunk) else {
            return false;
        };
        match (self.state, t) {
            (HsState::RekeyWait, ty::SS_CLI_KEY) if self.slots[5].is_none() => {
                self.rekey_answer(chunk);
                true
            }
            (HsState::RekeySent, ty::SS_OP_COM) if self.new_keys.is_some() => {
                if !self.check_op_com(value, false) {
                    self.fail(cause::FAILURE, Some(cause::CODE_OP_COM));
                    return true;
                }
                // Our SSOpCom goes under the current key; then we switch.
                let com = self.op_com(true);
                self.finish_leg();
                self.out.push_back(com);
                self.switch_after_com = true;
                true
            }
            _ => false,
        }
    }

    /// Row 25 end: the packet with our SSOpCom is out; use the new keys.
    pub fn switch_keys(&mut self) {
        self.switch_after_com = false;
        if let Some(k) = self.new_keys.take() {
            let r = k.reference;
            self.install(k);
            self.send_ref = Some(r);
            self.state = HsState::Established;
            self.stats.rekeys += 1;
            self.arm_lifetime = true;
            self.events.push_back(SecEvent::Rekeyed { reference: r });
        }
    }

    // ----- close (9.4) -----

    /// Row 29: SSClose.
    pub fn start_close(&mut self, nothing_outstanding: bool) -> bool {
        if !self.is_up() {
            return false;
        }
        let of = (nothing_outstanding || !self.sent_enc) as u8;
        let c = whole(ty::SS_CLOSE, of, &self.last_enc_tsn.to_be_bytes(), None);
        self.reset();
        self.out.push_back(c.clone());
        self.leg = vec![c];
        self.arm = true;
        self.state = HsState::CloseSent;
        true
    }

    fn on_close(&mut self, flags: u8, value: &[u8], peer_tsn_done: impl Fn(u32) -> bool) {
        if !self.is_up() && self.state != HsState::CloseSent {
            // Already closed: the SSClose_Ack was lost; answer again.
            if self.state == HsState::Idle {
                self.out.push_back(whole(ty::SS_CLOSE_ACK, 0, &[], None));
            }
            return;
        }
        // Row 32/33: with OF=0 the peer's encrypted DATA up to its TSN
        // should be in; it is (we got the SSClose after it, Q28), or the
        // peer retransmits it in clear, so we answer at once.
        let tsn = value
            .get(..4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        if flags & 0x01 == 0 {
            if let Some(t) = tsn {
                if !peer_tsn_done(t) {
                    self.stats.close_with_outstanding += 1;
                }
            }
        }
        self.clear();
        self.out.push_back(whole(ty::SS_CLOSE_ACK, 0, &[], None));
        self.events.push_back(SecEvent::Closed);
    }

    // ----- timers (9.1) -----

    /// RTO.hand expired: send this leg again, or give up (rows 10, 11).
    pub fn on_timeout(&mut self, max: u32) {
        self.timer = None;
        if self.leg.is_empty() {
            return;
        }
        self.retries += 1;
        if self.retries > max {
            self.stats.timeouts += 1;
            if self.state == HsState::CloseSent {
                self.clear();
                self.events.push_back(SecEvent::Closed);
                return;
            }
            self.fail(cause::FAILURE, Some(cause::CODE_TIMER));
            return;
        }
        self.stats.retransmissions += 1;
        self.out.extend(self.leg.iter().cloned());
        self.arm = true;
    }

    /// A session already up at `level` with `keys` both ways (unit tests).
    #[cfg(test)]
    pub(crate) fn up_with(level: u8, keys: Keys) -> Session {
        let mut s = Session::new(SecureConfig::default(), [9; 32]);
        s.seeded = true;
        s.suite = Some(keys.suite);
        s.send_ref = Some(keys.reference);
        s.keys.push_back(keys);
        s.state = HsState::Established;
        s.own_level = level;
        s.peer_level = level;
        s.peer_protecting = true;
        s
    }

    /// Random bytes for IVs.
    pub fn fill(&mut self, b: &mut [u8]) {
        self.rng.fill_bytes(b);
    }
}
