//! SCTP-AUTH for one association (RFC 4895): what each side asked for in
//! INIT and INIT ACK (RANDOM, CHUNKS, HMAC-ALGO), the association keys per
//! shared-key identifier, which chunk types go out behind an AUTH chunk and
//! which must come in behind one, and the counters of what failed.

use sctp_codec::auth::{self as codec_auth, AuthFailure, AuthKey, HmacAlgorithm, AUTH_HEADER};
use sctp_codec::chunk::ty;

use crate::config::Config;
use crate::wire::put_tlv;

/// A set of chunk types (one bit per type).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChunkSet([u64; 4]);

impl ChunkSet {
    /// Adds a chunk type.
    pub fn insert(&mut self, t: u8) {
        self.0[(t >> 6) as usize] |= 1 << (t & 63);
    }

    /// Whether the set holds `t`.
    pub fn contains(&self, t: u8) -> bool {
        self.0[(t >> 6) as usize] & (1 << (t & 63)) != 0
    }

    /// Whether the two sets share a type.
    pub fn intersects(&self, o: &ChunkSet) -> bool {
        self.0.iter().zip(&o.0).any(|(a, b)| a & b != 0)
    }

    /// The set of a CHUNKS parameter's list, without the types that may
    /// never be authenticated (RFC 4895 3.2: INIT, INIT ACK, SHUTDOWN
    /// COMPLETE, AUTH).
    pub fn from_list(list: &[u8]) -> ChunkSet {
        let mut s = ChunkSet::default();
        for &t in list {
            if !never_authenticated(t) {
                s.insert(t);
            }
        }
        s
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0 == [0; 4]
    }
}

/// INIT, INIT ACK, SHUTDOWN COMPLETE and AUTH are never authenticated
/// (RFC 4895 3.2).
pub fn never_authenticated(t: u8) -> bool {
    matches!(
        t,
        ty::INIT | ty::INIT_ACK | ty::SHUTDOWN_COMPLETE | ty::AUTH
    )
}

/// Appends our RANDOM, HMAC-ALGO and CHUNKS parameters (RFC 4895 3.1-3.3)
/// to an INIT or INIT ACK value, padded, and returns our key vector (the
/// same parameters unpadded, RFC 4895 6.1).
pub fn put_local_params(out: &mut Vec<u8>, cfg: &Config, random: &[u8; 32]) -> Vec<u8> {
    let mut chunks: Vec<u8> = cfg
        .auth_chunks
        .iter()
        .copied()
        .filter(|t| !never_authenticated(*t))
        .collect();
    // RFC 5061 4.1: ASCONF and ASCONF-ACK travel authenticated.
    if cfg.asconf {
        for t in [ty::ASCONF, ty::ASCONF_ACK] {
            if !chunks.contains(&t) {
                chunks.push(t);
            }
        }
    }
    let mut hmacs: Vec<u8> = Vec::with_capacity(2 * cfg.auth_hmacs.len() + 2);
    for a in &cfg.auth_hmacs {
        hmacs.extend_from_slice(&a.id().to_be_bytes());
    }
    // SHA-1 is mandatory in the list (RFC 4895 6.1).
    if !cfg.auth_hmacs.contains(&HmacAlgorithm::Sha1) {
        hmacs.extend_from_slice(&HmacAlgorithm::Sha1.id().to_be_bytes());
    }
    let mut vector = Vec::with_capacity(48 + chunks.len() + hmacs.len());
    // On the wire in FreeBSD's order (`sctp_send_initiate`): RANDOM,
    // HMAC-ALGO, CHUNKS; the key vector always RANDOM, CHUNKS, HMAC-ALGO.
    put_tlv(out, codec_auth::RANDOM, random);
    put_tlv(out, codec_auth::HMAC_ALGO, &hmacs);
    put_tlv(out, codec_auth::CHUNKS, &chunks);
    for (t, v) in [
        (codec_auth::RANDOM, &random[..]),
        (codec_auth::CHUNKS, &chunks[..]),
        (codec_auth::HMAC_ALGO, &hmacs[..]),
    ] {
        vector.extend_from_slice(&t.to_be_bytes());
        vector.extend_from_slice(&((4 + v.len()) as u16).to_be_bytes());
        vector.extend_from_slice(v);
    }
    vector
}

/// Collects the peer's AUTH parameters from INIT or INIT ACK, in the order
/// of its key vector.
#[derive(Debug, Default)]
pub struct PeerParams {
    random: Option<Vec<u8>>,
    chunks: Option<Vec<u8>>,
    hmacs: Option<Vec<u8>>,
}

impl PeerParams {
    /// Takes one parameter; false if it is not an AUTH parameter.
    pub fn offer(&mut self, t: u16, value: &[u8]) -> bool {
        let slot = match t {
            codec_auth::RANDOM => &mut self.random,
            codec_auth::CHUNKS => &mut self.chunks,
            codec_auth::HMAC_ALGO => &mut self.hmacs,
            _ => return false,
        };
        let mut tlv = Vec::with_capacity(4 + value.len());
        tlv.extend_from_slice(&t.to_be_bytes());
        tlv.extend_from_slice(&((4 + value.len()).min(u16::MAX as usize) as u16).to_be_bytes());
        tlv.extend_from_slice(value);
        *slot = Some(tlv);
        true
    }

    /// The peer's key vector, if it supports AUTH: it sent RANDOM and
    /// HMAC-ALGO (RFC 4895 6.1; CHUNKS is optional).
    pub fn vector(&self) -> Option<Vec<u8>> {
        let (r, h) = (self.random.as_ref()?, self.hmacs.as_ref()?);
        let mut v = Vec::new();
        codec_auth::key_vector(&mut v, r, self.chunks.as_deref(), h);
        Some(v)
    }
}

/// The three parameters of a key vector, as (type, value) slices.
fn split_vector(v: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = v;
    std::iter::from_fn(move || {
        if rest.len() < 4 {
            return None;
        }
        let t = u16::from_be_bytes([rest[0], rest[1]]);
        let len = (u16::from_be_bytes([rest[2], rest[3]]) as usize).clamp(4, rest.len());
        let (p, r) = rest.split_at(len);
        rest = r;
        Some((t, &p[4..]))
    })
}

/// What both sides' AUTH parameters settle (RFC 4895 6.1): kept in the
/// State Cookie as the two key vectors, from which the rest follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthNegotiated {
    /// Our key vector (RANDOM, CHUNKS, HMAC-ALGO as we sent them).
    pub local_vector: Vec<u8>,
    /// The peer's.
    pub peer_vector: Vec<u8>,
}

/// SCTP-AUTH counters of one association (RFC 4895 6.3).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuthStats {
    /// AUTH chunks received whose HMAC verified.
    pub verified: u64,
    /// AUTH chunks whose HMAC did not match: they and every chunk after
    /// them were discarded.
    pub bad_hmac: u64,
    /// AUTH chunks with a Shared Key Identifier we have no key for.
    pub unknown_key: u64,
    /// AUTH chunks with an HMAC Identifier we did not offer (answered with
    /// the Unsupported HMAC Identifier cause).
    pub unsupported_hmac: u64,
    /// Chunks of a type we require authenticated that came without a valid
    /// AUTH chunk before them: discarded.
    pub unauthenticated: u64,
    /// AUTH chunks we sent.
    pub sent: u64,
}

impl AuthStats {
    /// Adds `o` to these counters.
    pub fn add(&mut self, o: &AuthStats) {
        self.verified += o.verified;
        self.bad_hmac += o.bad_hmac;
        self.unknown_key += o.unknown_key;
        self.unsupported_hmac += o.unsupported_hmac;
        self.unauthenticated += o.unauthenticated;
        self.sent += o.sent;
    }
}

/// Why a received AUTH chunk was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejected {
    /// Discard silently (bad HMAC, unknown key, truncated).
    Silently,
    /// Discard and send ERROR with Unsupported HMAC Identifier (RFC 4895 6.3).
    UnsupportedHmac(u16),
}

/// SCTP-AUTH in use on an association.
#[derive(Debug)]
pub struct Auth {
    /// Chunk types the peer wants authenticated (its CHUNKS).
    pub peer_chunks: ChunkSet,
    /// Chunk types we want authenticated (our CHUNKS).
    pub local_chunks: ChunkSet,
    /// The algorithm we send with: the first of the peer's list that we
    /// implement, offered or not (RFC 4895 6.1, as Linux and FreeBSD do).
    pub send_algo: HmacAlgorithm,
    /// HMAC identifiers we offered (an AUTH chunk must use one of them).
    local_hmacs: Vec<u16>,
    /// Association keys per Shared Key Identifier (RFC 4895 6.1), each
    /// with its HMAC keyed once.
    keys: Vec<(u16, AuthKey)>,
    /// The key identifier we send with.
    active_key: u16,
    /// Counters.
    pub stats: AuthStats,
    /// The counters not yet added to the endpoint's.
    pub unreported: AuthStats,
}

impl Auth {
    /// AUTH for an association from both key vectors and the endpoint's
    /// shared keys; `None` when no algorithm is common to both sides (the
    /// association then runs without AUTH).
    pub fn new(n: &AuthNegotiated, cfg: &Config) -> Option<Auth> {
        let mut peer_chunks = ChunkSet::default();
        let mut send_algo = None;
        for (t, v) in split_vector(&n.peer_vector) {
            match t {
                codec_auth::CHUNKS => peer_chunks = ChunkSet::from_list(v),
                codec_auth::HMAC_ALGO => {
                    send_algo = v
                        .chunks_exact(2)
                        .filter_map(|id| HmacAlgorithm::from_id(u16::from_be_bytes([id[0], id[1]])))
                        .next();
                }
                _ => {}
            }
        }
        let mut local_chunks = ChunkSet::default();
        let mut local_hmacs = Vec::new();
        for (t, v) in split_vector(&n.local_vector) {
            match t {
                codec_auth::CHUNKS => local_chunks = ChunkSet::from_list(v),
                codec_auth::HMAC_ALGO => {
                    local_hmacs = v
                        .chunks_exact(2)
                        .map(|id| u16::from_be_bytes([id[0], id[1]]))
                        .collect()
                }
                _ => {}
            }
        }
        let keys = cfg
            .auth_keys
            .iter()
            .map(|(id, k)| {
                (
                    *id,
                    AuthKey::new(&codec_auth::association_key(
                        k,
                        &n.local_vector,
                        &n.peer_vector,
                    )),
                )
            })
            .collect();
        Some(Auth {
            peer_chunks,
            local_chunks,
            send_algo: send_algo?,
            local_hmacs,
            keys,
            active_key: cfg.auth_active_key,
            stats: AuthStats::default(),
            unreported: AuthStats::default(),
        })
    }

    /// Bytes an AUTH chunk takes in a packet we send.
    pub fn chunk_len(&self) -> usize {
        AUTH_HEADER + self.send_algo.len()
    }

    /// Whether a packet holding chunks of these types must start with AUTH.
    pub fn needed_for(&self, types: &ChunkSet) -> bool {
        self.peer_chunks.intersects(types)
    }

    /// The value of our AUTH chunk with the HMAC zeroed (to be signed once
    /// the packet is complete): key identifier, HMAC identifier, zeros.
    pub fn chunk_value(&self) -> ([u8; 36], usize) {
        let mut v = [0u8; 36];
        v[0..2].copy_from_slice(&self.active_key.to_be_bytes());
        v[2..4].copy_from_slice(&self.send_algo.id().to_be_bytes());
        (v, 4 + self.send_algo.len())
    }

    /// Signs the AUTH chunk at the start of `tail` (it runs to the end of
    /// the packet).
    pub fn sign(&mut self, tail: &mut [u8]) {
        let signed = match self.keys.iter().find(|(id, _)| *id == self.active_key) {
            Some((_, k)) => k.sign(tail),
            // No key with the active identifier: the empty key.
            None => codec_auth::sign(tail, &[]),
        };
        if signed.is_ok() {
            self.stats.sent += 1;
            self.unreported.sent += 1;
        }
    }

    /// Checks the AUTH chunk at the start of `tail` (RFC 4895 6.3).
    pub fn check(&mut self, tail: &[u8]) -> Result<(), Rejected> {
        let mut bump = |f: fn(&mut AuthStats) -> &mut u64| {
            *f(&mut self.stats) += 1;
            *f(&mut self.unreported) += 1;
        };
        if tail.len() < AUTH_HEADER {
            bump(|s| &mut s.bad_hmac);
            return Err(Rejected::Silently);
        }
        let key_id = u16::from_be_bytes([tail[4], tail[5]]);
        let hmac_id = u16::from_be_bytes([tail[6], tail[7]]);
        if !self.local_hmacs.contains(&hmac_id) || HmacAlgorithm::from_id(hmac_id).is_none() {
            bump(|s| &mut s.unsupported_hmac);
            return Err(Rejected::UnsupportedHmac(hmac_id));
        }
        let Some((_, key)) = self.keys.iter().find(|(id, _)| *id == key_id) else {
            bump(|s| &mut s.unknown_key);
            return Err(Rejected::Silently);
        };
        match key.verify(tail) {
            Ok(_) => {
                bump(|s| &mut s.verified);
                Ok(())
            }
            Err(AuthFailure::UnsupportedHmac(id)) => {
                bump(|s| &mut s.unsupported_hmac);
                Err(Rejected::UnsupportedHmac(id))
            }
            Err(_) => {
                bump(|s| &mut s.bad_hmac);
                Err(Rejected::Silently)
            }
        }
    }

    /// Counts a chunk discarded for arriving without AUTH.
    pub fn count_unauthenticated(&mut self) {
        self.stats.unauthenticated += 1;
        self.unreported.unauthenticated += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(cfg: &Config, seed: u8) -> (Vec<u8>, Vec<u8>) {
        let mut out = Vec::new();
        let vector = put_local_params(&mut out, cfg, &[seed; 32]);
        (out, vector)
    }

    /// Reads the parameters an INIT would carry back as the peer would.
    fn as_peer(init_params: &[u8]) -> Vec<u8> {
        let mut p = PeerParams::default();
        let mut rest = init_params;
        while rest.len() >= 4 {
            let t = u16::from_be_bytes([rest[0], rest[1]]);
            let len = u16::from_be_bytes([rest[2], rest[3]]) as usize;
            p.offer(t, &rest[4..len]);
            rest = &rest[(len + 3) & !3..];
        }
        p.vector().expect("AUTH offered")
    }

    fn cfg(chunks: &[u8], hmacs: &[HmacAlgorithm]) -> Config {
        Config {
            auth: true,
            auth_chunks: chunks.to_vec(),
            auth_hmacs: hmacs.to_vec(),
            ..Config::default()
        }
    }

    #[test]
    fn both_sides_derive_the_same_key_and_each_checks_what_the_other_signs() {
        let ca = cfg(
            &[ty::DATA, ty::SACK],
            &[HmacAlgorithm::Sha256, HmacAlgorithm::Sha1],
        );
        let cb = cfg(&[ty::HEARTBEAT, ty::INIT], &[HmacAlgorithm::Sha1]);
        let (pa, va) = params(&ca, 1);
        let (pb, vb) = params(&cb, 2);
        // The vectors read back from the padded parameters are the same.
        assert_eq!(as_peer(&pa), va);
        assert_eq!(as_peer(&pb), vb);
        let mut a = Auth::new(
            &AuthNegotiated {
                local_vector: va.clone(),
                peer_vector: vb.clone(),
            },
            &ca,
        )
        .unwrap();
        let mut b = Auth::new(
            &AuthNegotiated {
                local_vector: vb,
                peer_vector: va,
            },
            &cb,
        )
        .unwrap();
        // B asked for SHA-1 only; A asked for SHA-256 first.
        assert_eq!(a.send_algo, HmacAlgorithm::Sha1);
        assert_eq!(b.send_algo, HmacAlgorithm::Sha256);
        // INIT in a CHUNKS list is ignored (RFC 4895 3.2).
        assert!(!b.local_chunks.contains(ty::INIT));
        assert!(a.peer_chunks.contains(ty::HEARTBEAT));
        let mut types = ChunkSet::default();
        types.insert(ty::DATA);
        assert!(b.needed_for(&types));
        assert!(!a.needed_for(&types));
        // A signs a packet tail; B accepts it; one flipped bit is refused.
        let (v, n) = a.chunk_value();
        let mut tail = vec![ty::AUTH, 0, 0, (4 + n) as u8];
        tail.extend_from_slice(&v[..n]);
        tail.extend_from_slice(&[0, 3, 0, 8, 1, 2, 3, 4]);
        a.sign(&mut tail);
        assert_eq!(b.check(&tail), Ok(()));
        tail[14] ^= 0x10;
        assert_eq!(b.check(&tail), Err(Rejected::Silently));
        assert_eq!(b.stats.verified, 1);
        assert_eq!(b.stats.bad_hmac, 1);
        // An HMAC identifier B did not offer (SHA-256) is answered.
        let (v, n) = b.chunk_value();
        let mut tail = vec![ty::AUTH, 0, 0, (4 + n) as u8];
        tail.extend_from_slice(&v[..n]);
        b.sign(&mut tail);
        assert_eq!(a.check(&tail), Ok(()));
        let mut wrong = tail.clone();
        wrong[7] = 2;
        assert_eq!(b.check(&wrong), Err(Rejected::UnsupportedHmac(2)));
        // An unknown key identifier is dropped silently.
        let mut other = tail;
        other[5] = 9;
        assert_eq!(a.check(&other), Err(Rejected::Silently));
        assert_eq!(a.stats.unknown_key, 1);
    }

    #[test]
    fn a_different_shared_key_fails_every_check() {
        let ca = cfg(&[ty::DATA], &[HmacAlgorithm::Sha256]);
        let mut cb = ca.clone();
        cb.auth_keys = vec![(0, b"not the same".to_vec())];
        let (_, va) = params(&ca, 3);
        let (_, vb) = params(&cb, 4);
        let mut a = Auth::new(
            &AuthNegotiated {
                local_vector: va.clone(),
                peer_vector: vb.clone(),
            },
            &ca,
        )
        .unwrap();
        let mut b = Auth::new(
            &AuthNegotiated {
                local_vector: vb,
                peer_vector: va,
            },
            &cb,
        )
        .unwrap();
        let (v, n) = a.chunk_value();
        let mut tail = vec![ty::AUTH, 0, 0, (4 + n) as u8];
        tail.extend_from_slice(&v[..n]);
        a.sign(&mut tail);
        assert_eq!(b.check(&tail), Err(Rejected::Silently));
        assert_eq!(b.stats.bad_hmac, 1);
    }
}
