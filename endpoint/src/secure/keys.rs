//! Key material and keys (draft-hohendorf-secure-sctp-15 9.5, secure-sctp.md
//! 5.4): the finite-field Diffie-Hellman exchange on the RFC 7919 ffdhe2048
//! group, the 3DES-CBC derivation of the master (encryption) and HMAC keys,
//! and the CBC (AES, DES, 3DES; NULL) and HMAC primitives the records use.
//! Every primitive is a RustCrypto crate's (`aes`, `cbc`, `des`, `hmac`,
//! `sha1`, `md-5`) or `crypto-bigint`'s constant-time modular
//! exponentiation; nothing here is hand-made crypto.

use aes::cipher::{
    block_padding::NoPadding, BlockDecryptMut, BlockEncryptMut, InnerIvInit, KeyIvInit,
};
use crypto_bigint::modular::ConstMontyForm;
use crypto_bigint::U2048;
use hmac::Mac as _;
use sctp_codec::auth::ssctp_gcm::{self, GcmKey};
use sha2::Digest;
use std::sync::atomic::{AtomicU64, Ordering};

use super::suite::{Cipher, Mac, Suite};

crypto_bigint::impl_modulus!(
    Ffdhe2048,
    U2048,
    "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1\
D8B9C583CE2D3695A9E13641146433FBCC939DCE249B3EF9\
7D2FE363630C75D8F681B202AEC4617AD3DF1ED5D5FD6561\
2433F51F5F066ED0856365553DED1AF3B557135E7F57C935\
984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE735\
30ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FB\
B96ADAB760D7F4681D4F42A3DE394DF4AE56EDE76372BB19\
0B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61\
9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD73\
3BB5FCBC2EC22005C58EF1837D1683B2C6F34A26C1B2EFFA\
886B423861285C97FFFFFFFFFFFFFFFF",
    "The RFC 7919 A.1 ffdhe2048 prime (generator 2)."
);

type Fe = ConstMontyForm<Ffdhe2048, { U2048::LIMBS }>;

/// The DH key material length we ask for in SSOpReq, in bits (5.1.1: at
/// least 1024 for DH; the ffdhe2048 prime is 2048 bits).
pub const DH_BITS: u16 = 2048;
/// Bytes of the prime (and of every public value we send).
pub const DH_BYTES: usize = 256;
/// Bytes of a private exponent (320 bits, above RFC 7919's 225-bit floor).
const DH_SECRET_BYTES: usize = 40;

/// A DH private exponent (5.1.4, 5.1.5), used once.
#[derive(Clone)]
pub struct DhSecret(U2048);

/// The prime as DH_BYTES big-endian bytes (RFC 7919 A.1).
pub fn prime_bytes() -> Vec<u8> {
    use crypto_bigint::modular::ConstMontyParams;
    Ffdhe2048::MODULUS.as_ref().to_be_bytes().to_vec()
}

/// A value of at most DH_BYTES big-endian bytes (leading zeros allowed).
fn uint(b: &[u8]) -> Option<U2048> {
    let b = &b[b.iter().take_while(|x| **x == 0).count()..];
    if b.len() > DH_BYTES {
        return None;
    }
    let mut full = [0u8; DH_BYTES];
    full[DH_BYTES - b.len()..].copy_from_slice(b);
    Some(U2048::from_be_slice(&full))
}

/// A DH private exponent from `random` and its public value G^x mod P,
/// DH_BYTES long (5.1.4, 5.1.5), computed in constant time (Montgomery
/// ladder of `crypto-bigint`, exponent bounded to 320 bits).
pub fn dh_keypair(random: &[u8; DH_SECRET_BYTES]) -> (DhSecret, Vec<u8>) {
    let mut r = *random;
    r[0] |= 0x80;
    let x = uint(&r).expect("40 bytes");
    let y = Fe::new(&U2048::from_u8(2))
        .pow_bounded_exp(&x, (DH_SECRET_BYTES * 8) as u32)
        .retrieve();
    (DhSecret(x), y.to_be_bytes().to_vec())
}

/// Length of the random input of [`dh_keypair`].
pub const DH_RANDOM: usize = DH_SECRET_BYTES;

/// The shared secret Y_peer^x mod P (constant time in x), after checking
/// 1 < Y < P-1 and that P and G are our group's (9.5: the DH key material;
/// RFC 7919 5.1). `None`: a bad value.
pub fn dh_shared(x: &DhSecret, peer_p: &[u8], peer_g: &[u8], peer_y: &[u8]) -> Option<Vec<u8>> {
    use crypto_bigint::modular::ConstMontyParams;
    let p = *Ffdhe2048::MODULUS.as_ref();
    if uint(peer_p)? != p || uint(peer_g)? != U2048::from_u8(2) {
        return None;
    }
    let y = uint(peer_y)?;
    if y <= U2048::ONE || y >= p.wrapping_sub(&U2048::ONE) {
        return None;
    }
    let s = Fe::new(&y)
        .pow_bounded_exp(&x.0, (DH_SECRET_BYTES * 8) as u32)
        .retrieve();
    Some(s.to_be_bytes().to_vec())
}

/// One generation of session keys (the TCB's "array of secret data",
/// 9.5): the master secret (encryption) key, the HMAC secret key, and the
/// reference number EncData and AUTH carry.
#[derive(Clone)]
pub struct Keys {
    /// Master secret key reference number (secure-sctp.md Q24).
    pub reference: u16,
    /// The suite the keys are for.
    pub suite: Suite,
    /// Encryption key (the suite's cipher and size; empty for NULL).
    pub enc: Vec<u8>,
    /// HMAC key (the hash's output size).
    pub mac: Vec<u8>,
    /// The key material they came from (mixed into the next rekey's).
    pub material: Vec<u8>,
    /// The HMAC keyed once with `mac` and the AES key schedule of `enc`
    /// (RFC 2104 pads and FIPS 197 round keys computed once per
    /// generation; each packet clones them).
    keyed: Keyed,
    /// The AES-GCM key and nonce counter of a private GCM suite.
    gcm: Option<Gcm>,
}

/// Per-generation precomputed primitive states.
#[derive(Clone)]
enum KeyedMac {
    Sha1(hmac::Hmac<sha1::Sha1>),
    Md5(hmac::Hmac<md5::Md5>),
}

#[derive(Clone)]
enum KeyedCipher {
    Null,
    Des(des::Des),
    Tdes(des::TdesEde3),
    Aes128(aes::Aes128),
    Aes192(aes::Aes192),
    Aes256(aes::Aes256),
}

#[derive(Clone)]
struct Keyed {
    mac: KeyedMac,
    cipher: KeyedCipher,
}

impl Keyed {
    fn new(suite: Suite, enc: &[u8], mac: &[u8]) -> Keyed {
        let mac = match suite.mac {
            Mac::Sha1 => KeyedMac::Sha1(
                hmac::Hmac::<sha1::Sha1>::new_from_slice(mac).expect("any key length"),
            ),
            Mac::Md5 => {
                KeyedMac::Md5(hmac::Hmac::<md5::Md5>::new_from_slice(mac).expect("any key length"))
            }
        };
        let cipher = match suite.cipher {
            Cipher::Null => KeyedCipher::Null,
            Cipher::Des => KeyedCipher::Des(
                <des::Des as aes::cipher::KeyInit>::new_from_slice(enc).expect("size"),
            ),
            Cipher::Tdes => KeyedCipher::Tdes(
                <des::TdesEde3 as aes::cipher::KeyInit>::new_from_slice(enc).expect("size"),
            ),
            Cipher::Aes128 => KeyedCipher::Aes128(
                <aes::Aes128 as aes::cipher::KeyInit>::new_from_slice(enc).expect("size"),
            ),
            Cipher::Aes192 => KeyedCipher::Aes192(
                <aes::Aes192 as aes::cipher::KeyInit>::new_from_slice(enc).expect("size"),
            ),
            Cipher::Aes256 => KeyedCipher::Aes256(
                <aes::Aes256 as aes::cipher::KeyInit>::new_from_slice(enc).expect("size"),
            ),
        };
        Keyed { mac, cipher }
    }
}

impl Keys {
    /// HMAC with these keys' hash and HMAC key over the parts, in order
    /// (RFC 2104; 5.1.13), from the state keyed once.
    pub fn hmac(&self, parts: &[&[u8]]) -> Vec<u8> {
        match &self.keyed.mac {
            KeyedMac::Sha1(m) => {
                let mut m = m.clone();
                parts.iter().for_each(|p| m.update(p));
                m.finalize().into_bytes().to_vec()
            }
            KeyedMac::Md5(m) => {
                let mut m = m.clone();
                parts.iter().for_each(|p| m.update(p));
                m.finalize().into_bytes().to_vec()
            }
        }
    }

    /// Writes the HMAC over the parts into `tag` (its length, the hash's).
    pub fn hmac_into(&self, parts: &[&[u8]], tag: &mut [u8]) {
        match &self.keyed.mac {
            KeyedMac::Sha1(m) => {
                let mut m = m.clone();
                parts.iter().for_each(|p| m.update(p));
                tag.copy_from_slice(&m.finalize().into_bytes()[..tag.len()]);
            }
            KeyedMac::Md5(m) => {
                let mut m = m.clone();
                parts.iter().for_each(|p| m.update(p));
                tag.copy_from_slice(&m.finalize().into_bytes()[..tag.len()]);
            }
        }
    }

    /// Checks an HMAC in constant time (`verify_slice`).
    pub fn hmac_ok(&self, parts: &[&[u8]], tag: &[u8]) -> bool {
        match &self.keyed.mac {
            KeyedMac::Sha1(m) => {
                let mut m = m.clone();
                parts.iter().for_each(|p| m.update(p));
                m.verify_slice(tag).is_ok()
            }
            KeyedMac::Md5(m) => {
                let mut m = m.clone();
                parts.iter().for_each(|p| m.update(p));
                m.verify_slice(tag).is_ok()
            }
        }
    }
}

/// The sctpkit private AES-GCM suites' state of one key generation
/// (docs/ssctp-endpoint.md "Private AES-GCM suites"): the key (schedule and
/// GHASH table computed once) and the count of packets sealed with it, the
/// nonce counter (interior mutability: the sender holds `&Keys`).
#[derive(Debug)]
struct Gcm {
    key: GcmKey,
    sent: AtomicU64,
}

impl Clone for Gcm {
    fn clone(&self) -> Gcm {
        Gcm {
            key: self.key.clone(),
            sent: AtomicU64::new(self.sent.load(Ordering::Relaxed)),
        }
    }
}

/// A GCM generation starts a rekey after this many packets (2^32), far
/// below the 64-bit nonce counter's end (docs/ssctp-endpoint.md).
pub const GCM_REKEY_AFTER: u64 = 1 << 32;

impl Keys {
    /// Whether these keys are a private AES-GCM suite's.
    pub fn is_gcm(&self) -> bool {
        self.gcm.is_some()
    }

    /// Packets sealed with these keys (the next nonce counter).
    pub fn gcm_sent(&self) -> u64 {
        self.gcm
            .as_ref()
            .map_or(0, |g| g.sent.load(Ordering::Relaxed))
    }

    /// Sets the nonce counter (tests of the rekey before the counter's end).
    #[doc(hidden)]
    pub fn set_gcm_sent(&self, n: u64) {
        if let Some(g) = &self.gcm {
            g.sent.store(n, Ordering::Relaxed);
        }
    }

    /// Seals `buf` in place under the next nonce of `direction`
    /// (`ssctp_gcm::FROM_CLIENT` or `FROM_SERVER`); returns the nonce and
    /// the tag over `aad` and `buf`. `None` for a non-GCM suite or when the
    /// 64-bit counter is spent (never reused).
    pub fn gcm_seal(
        &self,
        direction: u32,
        aad: &[u8],
        buf: &mut [u8],
    ) -> Option<([u8; ssctp_gcm::NONCE_LEN], [u8; ssctp_gcm::TAG_LEN])> {
        let g = self.gcm.as_ref()?;
        let n = g.sent.fetch_add(1, Ordering::Relaxed);
        if n == u64::MAX {
            g.sent.store(u64::MAX, Ordering::Relaxed);
            return None;
        }
        let nonce = ssctp_gcm::nonce(direction, n);
        Some((nonce, g.key.seal(nonce, aad, buf)))
    }

    /// The GCM key, for opening packets (`ssctp_gcm::open_packet`).
    pub fn gcm_key(&self) -> Option<&GcmKey> {
        self.gcm.as_ref().map(|g| &g.key)
    }
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Keys {{ reference: {}, suite: {} }}",
            self.reference, self.suite.id
        )
    }
}

/// The key derivation of 9.5 (secure-sctp.md 5.4): the key material, cut
/// into 64-bit blocks (zero-padded, and repeated while shorter than the
/// keys), is encrypted with 3DES-CBC; the last bytes of the output, which
/// depend on every input block, are the encryption key then the HMAC key.
/// The draft gives no 3DES key or IV: ours are the first 24 and 8 bytes of
/// SHA-256 over a label and the key material (docs/ssctp-endpoint.md).
pub fn derive(material: &[u8], suite: Suite, reference: u16) -> Keys {
    let need = suite.key_len() + suite.mac_len();
    let mut input = material.to_vec();
    while input.len() < need || input.is_empty() {
        input.extend_from_slice(if material.is_empty() {
            &[0u8; 8]
        } else {
            material
        });
    }
    input.resize(input.len().div_ceil(8) * 8, 0);
    let k = sha2::Sha256::new()
        .chain_update(b"S-SCTP 3DES key")
        .chain_update(material)
        .finalize();
    let iv = sha2::Sha256::new()
        .chain_update(b"S-SCTP 3DES IV")
        .chain_update(material)
        .finalize();
    let n = input.len();
    let out = cbc::Encryptor::<des::TdesEde3>::new_from_slices(&k[..24], &iv[..8])
        .expect("key and IV sizes")
        .encrypt_padded_mut::<NoPadding>(&mut input, n)
        .expect("a multiple of the block size")
        .to_vec();
    let tail = &out[out.len() - need..];
    let (enc, mac) = (&tail[..suite.key_len()], &tail[suite.key_len()..]);
    Keys {
        reference,
        suite,
        enc: enc.to_vec(),
        mac: mac.to_vec(),
        material: material.to_vec(),
        keyed: Keyed::new(suite, enc, mac),
        gcm: GcmKey::new(suite.id, enc).map(|key| Gcm {
            key,
            sent: AtomicU64::new(0),
        }),
    }
}

/// HMAC with the suite's hash over the parts, in order (RFC 2104; 5.1.6, 5.1.13).
pub fn hmac(mac: Mac, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    match mac {
        Mac::Sha1 => {
            let mut m = hmac::Hmac::<sha1::Sha1>::new_from_slice(key).expect("any key length");
            parts.iter().for_each(|p| m.update(p));
            m.finalize().into_bytes().to_vec()
        }
        Mac::Md5 => {
            let mut m = hmac::Hmac::<md5::Md5>::new_from_slice(key).expect("any key length");
            parts.iter().for_each(|p| m.update(p));
            m.finalize().into_bytes().to_vec()
        }
    }
}

/// Checks an HMAC in constant time (the `hmac` crate's `verify_slice`).
pub fn hmac_ok(mac: Mac, key: &[u8], parts: &[&[u8]], tag: &[u8]) -> bool {
    match mac {
        Mac::Sha1 => {
            let mut m = hmac::Hmac::<sha1::Sha1>::new_from_slice(key).expect("any key length");
            parts.iter().for_each(|p| m.update(p));
            m.verify_slice(tag).is_ok()
        }
        Mac::Md5 => {
            let mut m = hmac::Hmac::<md5::Md5>::new_from_slice(key).expect("any key length");
            parts.iter().for_each(|p| m.update(p));
            m.verify_slice(tag).is_ok()
        }
    }
}

/// The largest block size (AES): the IV ("random number") length of
/// EncData is the suite's block size, at most this (Q20).
pub const BLOCK: usize = 16;

/// Encrypts `buf` (a multiple of the suite's block size) in place with the
/// suite's cipher in CBC mode (5.1.11); `iv` is the suite's IV length
/// (NULL: nothing happens). The key schedule is expanded once per
/// generation.
pub fn encrypt(keys: &Keys, iv: &[u8], buf: &mut [u8]) {
    let n = buf.len();
    macro_rules! go {
        ($c:expr) => {
            cbc::Encryptor::inner_iv_slice_init($c.clone(), iv)
                .map_err(|_| ())
                .and_then(|e| {
                    e.encrypt_padded_mut::<NoPadding>(buf, n)
                        .map(|_| ())
                        .map_err(|_| ())
                })
        };
    }
    let r = match &keys.keyed.cipher {
        KeyedCipher::Null => Ok(()),
        KeyedCipher::Des(c) => go!(c),
        KeyedCipher::Tdes(c) => go!(c),
        KeyedCipher::Aes128(c) => go!(c),
        KeyedCipher::Aes192(c) => go!(c),
        KeyedCipher::Aes256(c) => go!(c),
    };
    debug_assert!(r.is_ok(), "callers pad to the block size");
}

/// Decrypts `buf` in place with the suite's cipher; false when it is not a
/// whole number of blocks or the IV has the wrong size (NULL: the IV must
/// be empty, the bytes stay as they are).
pub fn decrypt(keys: &Keys, iv: &[u8], buf: &mut [u8]) -> bool {
    let (b, ivl) = (keys.suite.block_len(), keys.suite.iv_len());
    if buf.is_empty() || !buf.len().is_multiple_of(b) || iv.len() != ivl {
        return false;
    }
    macro_rules! go {
        ($c:expr) => {
            cbc::Decryptor::inner_iv_slice_init($c.clone(), iv)
                .map_err(|_| ())
                .and_then(|d| {
                    d.decrypt_padded_mut::<NoPadding>(buf)
                        .map(|_| ())
                        .map_err(|_| ())
                })
        };
    }
    match &keys.keyed.cipher {
        KeyedCipher::Null => Ok(()),
        KeyedCipher::Des(c) => go!(c),
        KeyedCipher::Tdes(c) => go!(c),
        KeyedCipher::Aes128(c) => go!(c),
        KeyedCipher::Aes192(c) => go!(c),
        KeyedCipher::Aes256(c) => go!(c),
    }
    .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dh_matches_num_bigint_modpow() {
        use num_bigint::BigUint;
        let p = BigUint::from_bytes_be(&prime_bytes());
        // RFC 7919 A.1: 2048 bits, the top and bottom 64 bits all ones.
        assert_eq!(p.bits(), 2048);
        let ones = (BigUint::from(1u8) << 64u32) - BigUint::from(1u8);
        assert_eq!(&p & &ones, ones);
        assert_eq!(&p >> 1984u32, ones);
        for seed in [1u8, 7, 0x55, 0xfe] {
            let mut r = [0u8; DH_RANDOM];
            r.iter_mut()
                .enumerate()
                .for_each(|(i, b)| *b = seed.wrapping_mul(i as u8 + 3));
            let (xa, ya) = dh_keypair(&r);
            let (_, yb) = dh_keypair(&[seed ^ 0x3c; DH_RANDOM]);
            let mut xr = r;
            xr[0] |= 0x80;
            let x = BigUint::from_bytes_be(&xr);
            let g = BigUint::from(2u8);
            assert_eq!(BigUint::from_bytes_be(&ya), g.modpow(&x, &p));
            let s = dh_shared(&xa, &prime_bytes(), &[2], &yb).unwrap();
            let want = BigUint::from_bytes_be(&yb).modpow(&x, &p);
            assert_eq!(BigUint::from_bytes_be(&s), want);
            assert_eq!(s.len(), DH_BYTES);
        }
    }

    #[test]
    fn dh_agrees_and_rejects_bad_values() {
        let (xa, ya) = dh_keypair(&[7; DH_RANDOM]);
        let (xb, yb) = dh_keypair(&[9; DH_RANDOM]);
        let p = prime_bytes();
        let sa = dh_shared(&xa, &p, &[2], &yb).unwrap();
        let sb = dh_shared(&xb, &p, &[2], &ya).unwrap();
        assert_eq!(sa, sb);
        assert_ne!(ya, yb);
        assert!(dh_shared(&xa, &p, &[2], &[1]).is_none());
        assert!(dh_shared(&xa, &p, &[2], &[0]).is_none());
        let mut pm1 = p.clone();
        *pm1.last_mut().unwrap() -= 1;
        assert!(dh_shared(&xa, &p, &[2], &pm1).is_none());
        assert!(dh_shared(&xa, &p, &[2], &p).is_none());
        let mut big = vec![1u8];
        big.extend_from_slice(&p);
        assert!(dh_shared(&xa, &p, &[2], &big).is_none());
        let mut pm2 = pm1.clone();
        *pm2.last_mut().unwrap() -= 1;
        assert!(dh_shared(&xa, &p, &[2], &pm2).is_some());
        assert!(dh_shared(&xa, &p, &[5], &yb).is_none());
    }

    #[test]
    fn aes_cbc_round_trip_and_hmac() {
        let s = Suite::by_id(24).unwrap();
        let k = derive(b"some key material", s, 0);
        assert_eq!((k.enc.len(), k.mac.len()), (32, 20));
        assert_ne!(derive(b"other key material", s, 0).enc, k.enc);
        let mut b = [0x5au8; 48];
        encrypt(&k, &[1; 16], &mut b);
        assert_ne!(b, [0x5au8; 48]);
        assert!(decrypt(&k, &[1; 16], &mut b));
        assert_eq!(b, [0x5au8; 48]);
        assert!(!decrypt(&k, &[1; 16], &mut b[..47]));
        let t = hmac(Mac::Sha1, &k.mac, &[b"a", b"b"]);
        assert!(hmac_ok(Mac::Sha1, &k.mac, &[b"ab"], &t));
        assert!(!hmac_ok(Mac::Md5, &k.mac, &[b"ab"], &t));
    }
}
