//! SCTP-AUTH verification in captures (RFC 4895): each AUTH chunk's HMAC
//! checked with the association shared key built from the key file and both
//! sides' RANDOM, CHUNKS and HMAC-ALGO parameters (RFC 4895 6.1, 6.3), and
//! the chunks a receiver asked to be authenticated (RFC 4895 3.2) flagged
//! when no AUTH chunk before them covers them (RFC 4895 6.2).

use std::collections::HashMap;

use crate::auth::{AuthFailure, HmacAlgorithm};

use super::handshake::AuthParams;
use super::keylog::{AssocIdentity, KeyLog};

/// The outcome of checking one AUTH chunk (RFC 4895 6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthVerdict {
    /// The HMAC matches.
    Verified {
        /// Shared Key Identifier.
        key_id: u16,
        /// The HMAC algorithm.
        hmac: HmacAlgorithm,
    },
    /// The HMAC does not match: the receiver discards the packet's
    /// authenticated chunks (RFC 4895 6.3).
    BadHmac {
        /// Shared Key Identifier.
        key_id: u16,
    },
    /// No key with this identifier for the association.
    NoKey {
        /// Shared Key Identifier.
        key_id: u16,
    },
    /// The RANDOM/HMAC-ALGO parameters of both sides were not captured, so
    /// the association shared key cannot be built (RFC 4895 6.1).
    NoHandshake,
    /// An HMAC Identifier not implemented here (RFC 4895 3.3).
    UnsupportedHmac(u16),
    /// Too short for its HMAC, or a Length that does not fit the algorithm.
    Truncated,
}

impl AuthVerdict {
    /// Whether the HMAC was checked and matched.
    pub fn is_verified(&self) -> bool {
        matches!(self, AuthVerdict::Verified { .. })
    }

    /// Whether the HMAC was checked and did not match.
    pub fn is_bad(&self) -> bool {
        matches!(self, AuthVerdict::BadHmac { .. })
    }

    /// A short name: "verified", "bad-hmac", "no-key", "no-handshake",
    /// "unsupported-hmac", "truncated".
    pub fn name(&self) -> &'static str {
        match self {
            AuthVerdict::Verified { .. } => "verified",
            AuthVerdict::BadHmac { .. } => "bad-hmac",
            AuthVerdict::NoKey { .. } => "no-key",
            AuthVerdict::NoHandshake => "no-handshake",
            AuthVerdict::UnsupportedHmac(_) => "unsupported-hmac",
            AuthVerdict::Truncated => "truncated",
        }
    }
}

/// Counts of AUTH outcomes for one association.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuthCounts {
    /// AUTH chunks whose HMAC matched.
    pub verified: u64,
    /// AUTH chunks whose HMAC did not match.
    pub bad: u64,
    /// AUTH chunks not checked (no key, no handshake, unsupported, short).
    pub unchecked: u64,
    /// Chunks the receiver required to be authenticated that came without
    /// an AUTH before them (RFC 4895 6.2).
    pub unauthenticated: u64,
}

/// AUTH state of one association: both sides' parameters and the
/// association shared keys computed so far, by Shared Key Identifier.
#[derive(Debug, Clone, Default)]
pub(crate) struct AuthState {
    /// RANDOM/CHUNKS/HMAC-ALGO sent by each direction's sender.
    pub params: [Option<AuthParams>; 2],
    keys: HashMap<u16, Option<Vec<u8>>>,
    pub counts: AuthCounts,
}

impl AuthState {
    /// New parameters from one side: computed keys no longer hold.
    pub fn set_params(&mut self, dir: usize, p: Option<AuthParams>) {
        if self.params[dir] != p {
            self.params[dir] = p;
            self.keys.clear();
        }
    }

    /// The chunk types the receiver of direction `dir` wants authenticated
    /// (RFC 4895 3.2), when both sides negotiated AUTH; INIT, INIT ACK,
    /// SHUTDOWN COMPLETE and AUTH are ignored there (RFC 4895 3.2).
    pub fn required(&self, dir: usize) -> &[u8] {
        match (&self.params[0], &self.params[1]) {
            (Some(_), Some(_)) => self.params[1 - dir]
                .as_ref()
                .map_or(&[][..], AuthParams::chunk_types),
            _ => &[],
        }
    }

    /// Checks the AUTH chunk at the start of `tail` (which runs to the end of
    /// the packet, RFC 4895 6.3).
    pub fn verify(
        &mut self,
        tail: &[u8],
        keys: &KeyLog,
        who: impl FnOnce() -> AssocIdentity,
    ) -> AuthVerdict {
        if tail.len() < crate::auth::AUTH_HEADER {
            return AuthVerdict::Truncated;
        }
        let key_id = u16::from_be_bytes([tail[4], tail[5]]);
        let hmac_id = u16::from_be_bytes([tail[6], tail[7]]);
        if HmacAlgorithm::from_id(hmac_id).is_none() {
            return AuthVerdict::UnsupportedHmac(hmac_id);
        }
        let (Some(a), Some(b)) = (&self.params[0], &self.params[1]) else {
            return AuthVerdict::NoHandshake;
        };
        let key = self.keys.entry(key_id).or_insert_with(|| {
            keys.key_for(&who(), key_id).map(|shared| {
                crate::auth::association_key(shared, &a.key_vector(), &b.key_vector())
            })
        });
        let Some(key) = key else {
            return AuthVerdict::NoKey { key_id };
        };
        match crate::auth::verify(tail, key) {
            Ok(hmac) => AuthVerdict::Verified { key_id, hmac },
            Err(AuthFailure::BadHmac) => AuthVerdict::BadHmac { key_id },
            Err(AuthFailure::UnsupportedHmac(id)) => AuthVerdict::UnsupportedHmac(id),
            Err(AuthFailure::Truncated) => AuthVerdict::Truncated,
        }
    }

    /// Counts a verdict.
    pub fn count(&mut self, v: &AuthVerdict) {
        match v {
            AuthVerdict::Verified { .. } => self.counts.verified += 1,
            AuthVerdict::BadHmac { .. } => self.counts.bad += 1,
            _ => self.counts.unchecked += 1,
        }
    }
}
