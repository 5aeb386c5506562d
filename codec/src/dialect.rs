//! Dialects: S-SCTP reuses numbers that IANA or de-facto practice gave to
//! others (0x10 is NR-SACK and EncData). A [`Dialect`] says which reading
//! applies; `Auto` follows `spec/secure-sctp.md` section 11 per association.

use std::net::IpAddr;

/// Which numbering to decode with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// IANA and de-facto SCTP only: 0x10 is NR-SACK; S-SCTP numbers are unknown.
    Standard,
    /// Secure SCTP: 0x10 is EncData, 0x11/0x12 and 0xD0..0xD9 are S-SCTP chunks.
    SecureSctp,
    /// Standard until an association shows S-SCTP evidence (secure-sctp.md 11).
    #[default]
    Auto,
}

impl std::str::FromStr for Dialect {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "standard" | "std" | "sctp" => Ok(Dialect::Standard),
            "ssctp" | "s-sctp" | "secure" | "secure-sctp" => Ok(Dialect::SecureSctp),
            "auto" => Ok(Dialect::Auto),
            _ => Err(format!("unknown dialect {s:?} (standard, ssctp, auto)")),
        }
    }
}

/// How chunk type 0x10 is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum X10 {
    /// NR-SACK (draft-tuexen-tsvwg-sctp-multipath).
    NrSack,
    /// S-SCTP EncData (draft-hohendorf-secure-sctp-15 5.1.11).
    EncData,
    /// Decide per chunk by the plausibility tests of secure-sctp.md 11 rule 5;
    /// `strong` is the S-SCTP AUTH signal seen in the same packet.
    Guess {
        /// The packet ends with a 0x11 chunk of Length 24 or 28.
        strong: bool,
    },
    /// NR-SACK if it passes the NR-SACK plausibility test, else raw (rule 4 and 6).
    NrSackIfPlausible,
}

/// The decoding rules in force for one packet, after dialect resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Decode 0xD0..0xD9 as the S-SCTP handshake chunks.
    pub ssctp_handshake: bool,
    /// Decode 0x11, 0x12, the cipher-suite parameter and causes 0x20..0x24 as S-SCTP.
    pub ssctp: bool,
    /// How 0x10 is read.
    pub x10: X10,
    /// The key exchange of the association's S-SCTP cipher suite, when known
    /// (it decides whether SSSerKey/SSCliKey carry a DH or an RSA parameter,
    /// secure-sctp.md section 11); `None`: unknown.
    pub key_exchange: Option<KeyExchange>,
    /// NR-SACK was negotiated and the association shows S-SCTP too: 0x10 is
    /// read as NR-SACK and the packets say so (rule 2, Q25: a lint).
    pub conflict: bool,
}

impl Rules {
    /// Standard SCTP.
    pub const STANDARD: Rules = Rules {
        ssctp_handshake: false,
        ssctp: false,
        x10: X10::NrSack,
        key_exchange: None,
        conflict: false,
    };
    /// S-SCTP.
    pub const SSCTP: Rules = Rules {
        ssctp_handshake: true,
        ssctp: true,
        x10: X10::EncData,
        key_exchange: None,
        conflict: false,
    };
}

/// NR-SACK plausibility (secure-sctp.md 11 rule 5, the usrsctp length check):
/// Length ≥ 20 and Length == 20 + 4·(N + M) + 4·X, flag bits outside 0xC0 clear.
pub fn nrsack_plausible(chunk: &[u8]) -> bool {
    if chunk.len() < 20 {
        return false;
    }
    let len = u16::from_be_bytes([chunk[2], chunk[3]]) as usize;
    let n = u16::from_be_bytes([chunk[12], chunk[13]]) as usize;
    let m = u16::from_be_bytes([chunk[14], chunk[15]]) as usize;
    let x = u16::from_be_bytes([chunk[16], chunk[17]]) as usize;
    chunk[1] & !0xC0 == 0 && len >= 20 && len == 20 + 4 * (n + m) + 4 * x
}

/// EncData plausibility (secure-sctp.md 11 rule 5): flags 0, IV length R of 8
/// or 16, and the ciphertext length positive and a multiple of 8.
pub fn encdata_plausible(chunk: &[u8]) -> bool {
    if chunk.len() < 8 {
        return false;
    }
    let len = u16::from_be_bytes([chunk[2], chunk[3]]) as usize;
    let r = u16::from_be_bytes([chunk[6], chunk[7]]) as usize;
    chunk[1] == 0 && (r == 8 || r == 16) && len > 8 + r && (len - 8 - r).is_multiple_of(8)
}

/// What one association has shown so far (secure-sctp.md 11 rules 2 to 4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AssocDialect {
    /// A well-formed top-level 0xD0..0xD9 chunk was seen (sticky).
    pub ssctp: bool,
    /// INIT listed 0x10 in Supported Extensions.
    pub init_nrsack: bool,
    /// INIT-ACK listed 0x10 in Supported Extensions.
    pub init_ack_nrsack: bool,
    /// A peer reported an S-SCTP chunk as unrecognized.
    pub peer_lacks_ssctp: bool,
    /// NR-SACK was negotiated and S-SCTP seen too (rule 2 conflict).
    pub conflict: bool,
    /// The key exchange of the cipher suite the server chose (SSOpReq_Ack).
    pub suite_key_exchange: Option<KeyExchange>,
    /// An SSOpCom was seen: later SSSerKey/SSCliKey belong to a rekey, which
    /// always uses RSA (draft 9.6).
    pub session_open: bool,
}

impl AssocDialect {
    /// The key exchange the next SSSerKey/SSCliKey of this association uses.
    pub fn key_exchange(&self) -> Option<KeyExchange> {
        if self.session_open {
            Some(KeyExchange::Rsa)
        } else {
            self.suite_key_exchange
        }
    }
    /// Rule 5 of secure-sctp.md 11: while 0x10 is still decided per chunk
    /// (no negotiated NR-SACK, no peer that lacks S-SCTP), a packet holding
    /// an EncData that passes its test and ending with the strong signal
    /// (S-SCTP AUTH of Length 24 or 28) makes the association S-SCTP from
    /// this packet on (sticky): its AUTH and later packets decode as S-SCTP.
    pub fn learn_rule5(&mut self, encdata: bool, strong: bool) {
        if encdata && strong && matches!(self.rules(strong).x10, X10::Guess { .. }) {
            self.ssctp = true;
        }
    }
    /// The rules for the next packet of this association under `Auto`.
    pub fn rules(&self, strong: bool) -> Rules {
        let nrsack = self.init_nrsack && self.init_ack_nrsack;
        let x10 = if nrsack {
            X10::NrSack
        } else if self.ssctp {
            X10::EncData
        } else if self.peer_lacks_ssctp {
            X10::NrSackIfPlausible
        } else {
            X10::Guess { strong }
        };
        Rules {
            ssctp_handshake: true,
            ssctp: self.ssctp,
            x10,
            key_exchange: self.key_exchange(),
            conflict: nrsack && self.ssctp,
        }
    }
}

/// An association as a passive observer names it: the two (address, port)
/// ends, in a canonical order so both directions map to the same key.
pub type AssocKey = ((IpAddr, u16), (IpAddr, u16));

/// Builds the canonical key of the association between two ends.
pub fn assoc_key(a: (IpAddr, u16), b: (IpAddr, u16)) -> AssocKey {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

/// Keeps the `Auto` state of every association seen in a capture.
#[derive(Debug, Default, Clone)]
pub struct DialectTracker {
    /// Keyed with a fast non-cryptographic hash: one lookup per packet.
    assocs: rustc_hash::FxHashMap<AssocKey, AssocDialect>,
}

impl DialectTracker {
    /// An empty tracker.
    pub fn new() -> Self {
        Self::default()
    }
    /// The state of one association (default when unseen).
    pub fn get(&self, key: &AssocKey) -> AssocDialect {
        self.assocs.get(key).copied().unwrap_or_default()
    }
    /// Mutable state of one association.
    pub fn entry(&mut self, key: AssocKey) -> &mut AssocDialect {
        self.assocs.entry(key).or_default()
    }
}

/// The key-exchange algorithm of an S-SCTP cipher suite
/// (draft-hohendorf-secure-sctp-15 5.1.1; secure-sctp.md 5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyExchange {
    /// Diffie-Hellman.
    Dh,
    /// RSA.
    Rsa,
}

impl KeyExchange {
    /// The key exchange of cipher suite `id` (1 to 24, or sctpkit's private
    /// 0xFE01/0xFE02); `None` for undefined ids.
    pub fn of_suite(id: u16) -> Option<KeyExchange> {
        crate::visit::meaning::cipher_suites()
            .find(|c| c.id == id)
            .map(|c| c.key_exchange)
    }
}
