//! SCTP-AUTH (RFC 4895) arithmetic shared by the endpoint, which signs and
//! checks AUTH chunks, and by capture analysis, which verifies them: the
//! key vectors (6.1), the association shared key (6.1), and the HMAC over
//! an AUTH chunk and the chunks after it (6.2, 6.3), computed without
//! copying the packet.

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;

/// Parameter type of RANDOM (RFC 4895 3.1).
pub const RANDOM: u16 = 0x8002;
/// Parameter type of CHUNKS (RFC 4895 3.2).
pub const CHUNKS: u16 = 0x8003;
/// Parameter type of HMAC-ALGO (RFC 4895 3.3).
pub const HMAC_ALGO: u16 = 0x8004;
/// Length of the AUTH chunk's header up to the HMAC: type, flags, length,
/// Shared Key Identifier, HMAC Identifier (RFC 4895 4.2).
pub const AUTH_HEADER: usize = 8;

/// The HMAC algorithms of RFC 4895 3.3 (the IANA "HMAC Identifiers").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HmacAlgorithm {
    /// HMAC-SHA-1, identifier 1 (mandatory to implement).
    Sha1,
    /// HMAC-SHA-256, identifier 3.
    Sha256,
}

impl HmacAlgorithm {
    /// The algorithm with this HMAC Identifier, if we implement it.
    pub fn from_id(id: u16) -> Option<Self> {
        match id {
            1 => Some(HmacAlgorithm::Sha1),
            3 => Some(HmacAlgorithm::Sha256),
            _ => None,
        }
    }

    /// Its HMAC Identifier (RFC 4895 3.3).
    pub fn id(self) -> u16 {
        match self {
            HmacAlgorithm::Sha1 => 1,
            HmacAlgorithm::Sha256 => 3,
        }
    }

    /// Length of its HMAC in the AUTH chunk, in bytes.
    pub fn len(self) -> usize {
        match self {
            HmacAlgorithm::Sha1 => 20,
            HmacAlgorithm::Sha256 => 32,
        }
    }

    /// Never zero; present for clippy's `len` rule.
    pub fn is_empty(self) -> bool {
        false
    }

    /// Its name as Wireshark and the RFC write it.
    pub fn name(self) -> &'static str {
        match self {
            HmacAlgorithm::Sha1 => "SHA-1",
            HmacAlgorithm::Sha256 => "SHA-256",
        }
    }
}

/// Appends the key vector of one side (RFC 4895 6.1): its RANDOM, CHUNKS
/// (when sent) and HMAC-ALGO parameters as sent, each with its type and
/// length but without padding. Each argument is a whole parameter (TLV) as
/// it appeared in the INIT or INIT ACK; trailing padding is cut here.
pub fn key_vector(out: &mut Vec<u8>, random: &[u8], chunks: Option<&[u8]>, hmac_algo: &[u8]) {
    for p in [Some(random), chunks, Some(hmac_algo)]
        .into_iter()
        .flatten()
    {
        let len = tlv_len(p);
        out.extend_from_slice(&p[..len]);
    }
}

/// The parameter's own length (its Length field, bounded by the bytes).
fn tlv_len(p: &[u8]) -> usize {
    if p.len() < 4 {
        return p.len();
    }
    (u16::from_be_bytes([p[2], p[3]]) as usize).clamp(4, p.len())
}

/// Whether key vector `a` is numerically smaller than `b` (RFC 4895 6.1:
/// both read as unsigned big-endian numbers, so a longer vector with a
/// non-zero leading byte is the larger).
pub fn vector_less(a: &[u8], b: &[u8]) -> bool {
    let strip = |v: &[u8]| -> usize { v.iter().take_while(|x| **x == 0).count() };
    let (a, b) = (&a[strip(a)..], &b[strip(b)..]);
    (a.len(), a) < (b.len(), b)
}

/// The association shared key (RFC 4895 6.1): the endpoint pair shared
/// key, then the numerically smaller key vector, then the larger.
pub fn association_key(shared_key: &[u8], local_vector: &[u8], peer_vector: &[u8]) -> Vec<u8> {
    let (first, last) = if vector_less(local_vector, peer_vector) {
        (local_vector, peer_vector)
    } else {
        (peer_vector, local_vector)
    };
    let mut k = Vec::with_capacity(shared_key.len() + first.len() + last.len());
    k.extend_from_slice(shared_key);
    k.extend_from_slice(first);
    k.extend_from_slice(last);
    k
}

/// A MAC as computed here: up to 32 bytes, `len` of them used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digest {
    bytes: [u8; 32],
    len: usize,
}

impl Digest {
    /// The MAC's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// The HMAC of an AUTH chunk (RFC 4895 6.2): over `tail`, the bytes from
/// the AUTH chunk's first byte to the end of the packet, with its HMAC
/// field taken as zeros whatever `tail` holds there. `tail` must hold the
/// whole AUTH chunk header and HMAC. Keys the HMAC anew on each call; an
/// association that signs many packets keeps an [`AuthKey`] instead.
pub fn auth_hmac(algo: HmacAlgorithm, key: &[u8], tail: &[u8]) -> Option<Digest> {
    match algo {
        HmacAlgorithm::Sha1 => mac_over(
            Hmac::<Sha1>::new_from_slice(key).expect("HMAC takes any key length"),
            algo,
            tail,
        ),
        HmacAlgorithm::Sha256 => mac_over(
            Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length"),
            algo,
            tail,
        ),
    }
}

/// Finishes a keyed HMAC over `tail` with the HMAC field as zeros (6.2).
fn mac_over<M: Mac>(mut m: M, algo: HmacAlgorithm, tail: &[u8]) -> Option<Digest> {
    let hmac_end = AUTH_HEADER + algo.len();
    if tail.len() < hmac_end {
        return None;
    }
    let zeros = [0u8; 32];
    m.update(&tail[..AUTH_HEADER]);
    m.update(&zeros[..algo.len()]);
    m.update(&tail[hmac_end..]);
    let mut out = Digest {
        bytes: [0; 32],
        len: algo.len(),
    };
    out.bytes[..algo.len()].copy_from_slice(&m.finalize().into_bytes()[..algo.len()]);
    Some(out)
}

/// An association shared key (RFC 4895 6.1) with its HMAC state keyed once
/// for each algorithm (RFC 2104: the key, hashed when longer than a block,
/// and the inner and outer pads are compressed here; each packet then
/// clones the state instead of keying the HMAC again).
#[derive(Clone)]
pub struct AuthKey {
    sha1: Hmac<Sha1>,
    sha256: Hmac<Sha256>,
}

impl std::fmt::Debug for AuthKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthKey { .. }")
    }
}

impl AuthKey {
    /// Keys both HMACs with `key` (RFC 4895 6.1 association key).
    pub fn new(key: &[u8]) -> AuthKey {
        AuthKey {
            sha1: Hmac::<Sha1>::new_from_slice(key).expect("HMAC takes any key length"),
            sha256: Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length"),
        }
    }

    /// As [`auth_hmac`] with this key (RFC 4895 6.2).
    pub fn hmac(&self, algo: HmacAlgorithm, tail: &[u8]) -> Option<Digest> {
        match algo {
            HmacAlgorithm::Sha1 => mac_over(self.sha1.clone(), algo, tail),
            HmacAlgorithm::Sha256 => mac_over(self.sha256.clone(), algo, tail),
        }
    }

    /// As [`verify`] with this key (RFC 4895 6.3).
    pub fn verify(&self, tail: &[u8]) -> Result<HmacAlgorithm, AuthFailure> {
        check_with(tail, |algo, t| self.hmac(algo, t))
    }

    /// As [`sign`] with this key (RFC 4895 6.2).
    pub fn sign(&self, tail: &mut [u8]) -> Result<(), AuthFailure> {
        sign_with(tail, |algo, t| self.hmac(algo, t))
    }
}

/// Why an AUTH chunk does not verify (RFC 4895 6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// Shorter than its header and the HMAC its algorithm needs.
    Truncated,
    /// An HMAC Identifier we do not implement (answered with the
    /// Unsupported HMAC Identifier cause, RFC 4895 6.3).
    UnsupportedHmac(u16),
    /// The HMAC does not match.
    BadHmac,
}

/// Checks the AUTH chunk at the start of `tail` (which runs to the end of
/// the packet) with `key`, in constant time (RFC 4895 6.3).
pub fn verify(tail: &[u8], key: &[u8]) -> Result<HmacAlgorithm, AuthFailure> {
    check_with(tail, |algo, t| auth_hmac(algo, key, t))
}

fn check_with(
    tail: &[u8],
    mac: impl Fn(HmacAlgorithm, &[u8]) -> Option<Digest>,
) -> Result<HmacAlgorithm, AuthFailure> {
    if tail.len() < AUTH_HEADER {
        return Err(AuthFailure::Truncated);
    }
    let id = u16::from_be_bytes([tail[6], tail[7]]);
    let algo = HmacAlgorithm::from_id(id).ok_or(AuthFailure::UnsupportedHmac(id))?;
    let chunk_len = u16::from_be_bytes([tail[2], tail[3]]) as usize;
    if chunk_len != AUTH_HEADER + algo.len() {
        return Err(AuthFailure::Truncated);
    }
    let want = mac(algo, tail).ok_or(AuthFailure::Truncated)?;
    let got = &tail[AUTH_HEADER..AUTH_HEADER + algo.len()];
    let diff = want
        .as_bytes()
        .iter()
        .zip(got)
        .fold(0u8, |d, (a, b)| d | (a ^ b));
    if diff == 0 {
        Ok(algo)
    } else {
        Err(AuthFailure::BadHmac)
    }
}

/// Writes the HMAC into the AUTH chunk at the start of `tail` (whose HMAC
/// Identifier says the algorithm), over it and everything after it.
pub fn sign(tail: &mut [u8], key: &[u8]) -> Result<(), AuthFailure> {
    sign_with(tail, |algo, t| auth_hmac(algo, key, t))
}

fn sign_with(
    tail: &mut [u8],
    mac: impl Fn(HmacAlgorithm, &[u8]) -> Option<Digest>,
) -> Result<(), AuthFailure> {
    if tail.len() < AUTH_HEADER {
        return Err(AuthFailure::Truncated);
    }
    let id = u16::from_be_bytes([tail[6], tail[7]]);
    let algo = HmacAlgorithm::from_id(id).ok_or(AuthFailure::UnsupportedHmac(id))?;
    let d = mac(algo, tail).ok_or(AuthFailure::Truncated)?;
    tail[AUTH_HEADER..AUTH_HEADER + algo.len()].copy_from_slice(d.as_bytes());
    Ok(())
}

/// sctpkit's private AES-GCM cipher suites for S-SCTP (not in
/// draft-hohendorf-secure-sctp-15, whose 5.1.1 table ends at 24 and allows
/// more suites; docs/ssctp-endpoint.md "Private AES-GCM suites"): the record
/// arithmetic both the endpoint (which seals and opens) and capture analysis
/// (which verifies and decrypts with a key log) need. One AES-GCM pass
/// (`ring`) encrypts the EncData chunks' plaintext and authenticates the
/// rest of the packet as additional data; the S-SCTP AUTH chunk (0x11)
/// carries the nonce and the GCM tag instead of an HMAC.
pub mod ssctp_gcm {
    use ring::aead;
    use std::ops::Range;

    /// DH_with_AES-128_GCM (sctpkit private, far from the draft's 1-24).
    pub const AES_128_GCM: u16 = 0xFE01;
    /// DH_with_AES-256_GCM (sctpkit private).
    pub const AES_256_GCM: u16 = 0xFE02;
    /// Nonce length (NIST SP 800-38D 8.2.1 deterministic construction).
    pub const NONCE_LEN: usize = 12;
    /// GCM tag length.
    pub const TAG_LEN: usize = 16;
    /// Length of the S-SCTP AUTH chunk under these suites: its 8-byte
    /// header (type, flags, Length, reference, reserved), nonce, tag.
    pub const AUTH_LEN: usize = 8 + NONCE_LEN + TAG_LEN;
    /// Nonce fixed field of packets the S-SCTP client sends.
    pub const FROM_CLIENT: u32 = 0;
    /// Nonce fixed field of packets the S-SCTP server sends.
    pub const FROM_SERVER: u32 = 1;

    /// Whether `suite` is one of the private GCM suites.
    pub fn is_gcm(suite: u16) -> bool {
        key_len(suite).is_some()
    }

    /// The AES key length of a GCM suite.
    pub fn key_len(suite: u16) -> Option<usize> {
        match suite {
            AES_128_GCM => Some(16),
            AES_256_GCM => Some(32),
            _ => None,
        }
    }

    /// The nonce: the sender's direction (4 bytes) then its per-generation
    /// packet counter (8 bytes), never repeated under one key.
    pub fn nonce(direction: u32, counter: u64) -> [u8; NONCE_LEN] {
        let mut n = [0u8; NONCE_LEN];
        n[..4].copy_from_slice(&direction.to_be_bytes());
        n[4..].copy_from_slice(&counter.to_be_bytes());
        n
    }

    /// Writes the additional data of a packet into `out`: the common header
    /// with checksum 0, every byte after it but the ciphertext (`ct`, the
    /// EncData value after its reference and IV-length fields; empty
    /// at `auth_at` when nothing is encrypted), up to and including the
    /// AUTH chunk's 8-byte header. The nonce and tag are not included (the
    /// nonce is GCM's own input). `None` when the ranges do not fit.
    pub fn aad(packet: &[u8], ct: Range<usize>, auth_at: usize, out: &mut Vec<u8>) -> Option<()> {
        if ct.start < 12 || ct.start > ct.end || ct.end > auth_at || auth_at + 8 > packet.len() {
            return None;
        }
        out.clear();
        out.extend_from_slice(&packet[..8]);
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&packet[12..ct.start]);
        out.extend_from_slice(&packet[ct.end..auth_at + 8]);
        Some(())
    }

    /// An AES-GCM key with its schedule and GHASH table computed once.
    #[derive(Clone)]
    pub struct GcmKey(aead::LessSafeKey);

    impl std::fmt::Debug for GcmKey {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("GcmKey")
        }
    }

    impl GcmKey {
        /// The key for `suite` from `key` (its length must be the suite's).
        pub fn new(suite: u16, key: &[u8]) -> Option<GcmKey> {
            let alg = match suite {
                AES_128_GCM => &aead::AES_128_GCM,
                AES_256_GCM => &aead::AES_256_GCM,
                _ => return None,
            };
            aead::UnboundKey::new(alg, key)
                .ok()
                .map(|k| GcmKey(aead::LessSafeKey::new(k)))
        }

        /// Encrypts `buf` in place and returns the tag over `aad` and it.
        pub fn seal(&self, nonce: [u8; NONCE_LEN], aad: &[u8], buf: &mut [u8]) -> [u8; TAG_LEN] {
            let n = aead::Nonce::assume_unique_for_key(nonce);
            let mut t = [0u8; TAG_LEN];
            // Fails only past GCM's 2^36-byte input limit (not a packet).
            if let Ok(tag) = self
                .0
                .seal_in_place_separate_tag(n, aead::Aad::from(aad), buf)
            {
                t.copy_from_slice(tag.as_ref());
            }
            t
        }

        /// Checks `tag` over `aad` and `buf` and decrypts `buf` in place;
        /// false (and `buf` unspecified) when anything does not match.
        pub fn open(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8], tag: &[u8]) -> bool {
            let (Ok(n), Ok(t)) = (
                aead::Nonce::try_assume_unique_for_key(nonce),
                aead::Tag::try_from(tag),
            ) else {
                return false;
            };
            self.0
                .open_in_place_separate_tag(n, aead::Aad::from(aad), t, buf, 0..)
                .is_ok()
        }
    }

    /// Verifies (and decrypts) one packet protected under a GCM suite:
    /// `auth_at` is its last chunk, the AUTH, of [`AUTH_LEN`] bytes; an
    /// EncData chunk (0x10) before it, if any, has IV length 0 and its
    /// ciphertext is appended to `plain` (what it held stays before it) and
    /// opened there. False when the tag does not match or the layout is not
    /// this one (`plain` then holds garbage after its earlier contents).
    pub fn open_packet(
        key: &GcmKey,
        packet: &[u8],
        auth_at: usize,
        aad_buf: &mut Vec<u8>,
        plain: &mut Vec<u8>,
    ) -> bool {
        if auth_at + AUTH_LEN != packet.len()
            || packet[auth_at + 1] != 0
            || packet[auth_at + 6..auth_at + 8] != [0, 0]
        {
            return false;
        }
        // The EncData, at most one, whole chunks before the AUTH.
        let mut ct = auth_at..auth_at;
        let mut at = 12;
        while at + 4 <= auth_at {
            let len = usize::from(u16::from_be_bytes([packet[at + 2], packet[at + 3]]));
            if len < 4 || at + len > auth_at {
                return false;
            }
            if packet[at] == 0x10 {
                if ct.start != auth_at || len < 8 || packet[at + 6..at + 8] != [0, 0] {
                    return false;
                }
                ct = at + 8..at + len;
            }
            at += (len + 3) & !3;
        }
        if at != auth_at || aad(packet, ct.clone(), auth_at, aad_buf).is_none() {
            return false;
        }
        let from = plain.len();
        plain.extend_from_slice(&packet[ct]);
        let nonce = &packet[auth_at + 8..auth_at + 8 + NONCE_LEN];
        key.open(
            nonce,
            aad_buf,
            &mut plain[from..],
            &packet[auth_at + 8 + NONCE_LEN..],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha1_and_sha256_match_rfc_4231_and_2202_vectors() {
        // The HMAC of a tail whose HMAC field is already zero is the plain
        // HMAC of its bytes; the primitives match RFC 2202 / RFC 4231 case 2.
        let data = b"what do ya want for nothing?";
        let mut tail = vec![0x0f, 0, 0, 28, 0, 0, 0, 1];
        tail.extend_from_slice(&[0u8; 20]);
        tail.extend_from_slice(data);
        let d = auth_hmac(HmacAlgorithm::Sha1, b"Jefe", &tail).unwrap();
        let mut m = Hmac::<Sha1>::new_from_slice(b"Jefe").unwrap();
        m.update(&tail);
        assert_eq!(d.as_bytes(), &m.finalize().into_bytes()[..]);
        // The primitive itself against RFC 2202's published value.
        let mut m = Hmac::<Sha1>::new_from_slice(b"Jefe").unwrap();
        m.update(data);
        assert_eq!(
            hex(&m.finalize().into_bytes()),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
        let mut m = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        m.update(data);
        assert_eq!(
            hex(&m.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn the_hmac_field_counts_as_zeros_whatever_it_holds() {
        let mut tail = vec![0x0f, 0, 0, 40, 0, 1, 0, 3];
        tail.extend_from_slice(&[0u8; 32]);
        tail.extend_from_slice(&[0x00, 0x03, 0x00, 0x04]);
        sign(&mut tail, b"key").unwrap();
        assert_ne!(&tail[8..40], &[0u8; 32]);
        assert_eq!(verify(&tail, b"key"), Ok(HmacAlgorithm::Sha256));
        assert_eq!(verify(&tail, b"kex"), Err(AuthFailure::BadHmac));
        let n = tail.len();
        tail[n - 1] ^= 1;
        assert_eq!(verify(&tail, b"key"), Err(AuthFailure::BadHmac));
        tail[7] = 2;
        assert_eq!(verify(&tail, b"key"), Err(AuthFailure::UnsupportedHmac(2)));
        assert_eq!(verify(&tail[..5], b"key"), Err(AuthFailure::Truncated));
    }

    #[test]
    fn a_keyed_auth_key_agrees_with_keying_per_packet() {
        // A ~100-byte association key (longer than a block: hashed first).
        let key: Vec<u8> = (0..100u8).collect();
        let k = AuthKey::new(&key);
        for (id, n) in [(1u8, 20usize), (3, 32)] {
            let mut tail = vec![0x0f, 0, 0, 8 + n as u8, 0, 0, 0, id];
            tail.resize(8 + n, 0);
            tail.extend(std::iter::repeat_n(0xa5, 8000));
            k.sign(&mut tail).unwrap();
            let algo = HmacAlgorithm::from_id(id as u16).unwrap();
            // Against the primitive keyed from scratch over the zeroed field.
            let mut zeroed = tail.clone();
            zeroed[8..8 + n].fill(0);
            let want = match algo {
                HmacAlgorithm::Sha1 => {
                    let mut m = Hmac::<Sha1>::new_from_slice(&key).unwrap();
                    m.update(&zeroed);
                    m.finalize().into_bytes().to_vec()
                }
                HmacAlgorithm::Sha256 => {
                    let mut m = Hmac::<Sha256>::new_from_slice(&key).unwrap();
                    m.update(&zeroed);
                    m.finalize().into_bytes().to_vec()
                }
            };
            assert_eq!(&tail[8..8 + n], &want[..]);
            assert_eq!(verify(&tail, &key), Ok(algo));
            assert_eq!(k.verify(&tail), Ok(algo));
            // Twice from the same state: cloning leaves it unkeyed by data.
            assert_eq!(k.verify(&tail), Ok(algo));
            tail[100] ^= 1;
            assert_eq!(k.verify(&tail), Err(AuthFailure::BadHmac));
            assert_eq!(
                AuthKey::new(b"other").verify(&tail),
                Err(AuthFailure::BadHmac)
            );
        }
    }

    #[test]
    fn the_smaller_vector_goes_first_after_the_shared_key() {
        let a = [0x80, 0x02, 0x00, 0x08, 1, 2, 3, 4];
        let b = [0x80, 0x02, 0x00, 0x08, 1, 2, 3, 5];
        assert!(vector_less(&a, &b));
        assert_eq!(association_key(b"K", &b, &a)[1..9], a);
        assert_eq!(association_key(b"K", &a, &b)[1..9], a);
        // A longer vector is the larger number.
        let long = [0x80, 0x02, 0x00, 0x09, 0, 0, 0, 0, 0];
        assert!(vector_less(&b, &long));
        let mut v = Vec::new();
        key_vector(
            &mut v,
            &[0x80, 2, 0, 5, 9, 0, 0, 0],
            None,
            &[0x80, 4, 0, 6, 0, 1, 0, 0],
        );
        assert_eq!(v, [0x80, 2, 0, 5, 9, 0x80, 4, 0, 6, 0, 1]);
    }
}
