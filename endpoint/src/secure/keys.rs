//! Key material and keys (draft-hohendorf-secure-sctp-15 9.5, secure-sctp.md
//! 5.4): the finite-field Diffie-Hellman exchange on the RFC 7919 ffdhe2048
//! group, the 3DES-CBC derivation of the master (encryption) and HMAC keys,
//! and the AES-CBC and HMAC primitives the records use. Every primitive is
//! a RustCrypto crate's (`aes`, `cbc`, `des`, `hmac`, `sha1`, `md-5`) or
//! `num-bigint`'s modular exponentiation; nothing here is hand-made crypto.

use aes::cipher::{
    block_padding::NoPadding, BlockDecryptMut, BlockEncryptMut, InnerIvInit, KeyIvInit,
};
use hmac::Mac as _;
use num_bigint::BigUint;
use sha2::Digest;

use super::suite::{Cipher, Mac, Suite};

/// RFC 7919 A.1 ffdhe2048 prime (generator 2).
const FFDHE2048_P: &str = "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1\
D8B9C583CE2D3695A9E13641146433FBCC939DCE249B3EF9\
7D2FE363630C75D8F681B202AEC4617AD3DF1ED5D5FD6561\
2433F51F5F066ED0856365553DED1AF3B557135E7F57C935\
984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE735\
30ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FB\
B96ADAB760D7F4681D4F42A3DE394DF4AE56EDE76372BB19\
0B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61\
9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD73\
3BB5FCBC2EC22005C58EF1837D1683B2C6F34A26C1B2EFFA\
886B423861285C97FFFFFFFFFFFFFFFF";

/// The DH key material length we ask for in SSOpReq, in bits (5.1.1: at
/// least 1024 for DH; the ffdhe2048 prime is 2048 bits).
pub const DH_BITS: u16 = 2048;
/// Bytes of the prime (and of every public value we send).
pub const DH_BYTES: usize = 256;
/// Bytes of a private exponent (320 bits, above RFC 7919's 225-bit floor).
const DH_SECRET_BYTES: usize = 40;

/// The DH group: prime P and generator G (5.1.4 DH parameter).
pub fn group() -> (BigUint, BigUint) {
    let p = BigUint::parse_bytes(FFDHE2048_P.as_bytes(), 16).expect("RFC 7919 prime");
    (p, BigUint::from(2u8))
}

/// The prime as DH_BYTES big-endian bytes.
pub fn prime_bytes() -> Vec<u8> {
    fixed(&group().0)
}

fn fixed(n: &BigUint) -> Vec<u8> {
    let b = n.to_bytes_be();
    let mut out = vec![0u8; DH_BYTES.saturating_sub(b.len())];
    out.extend_from_slice(&b);
    out
}

/// A DH private exponent from `random` and its public value G^x mod P,
/// DH_BYTES long (5.1.4, 5.1.5).
pub fn dh_keypair(random: &[u8; DH_SECRET_BYTES]) -> (BigUint, Vec<u8>) {
    let (p, g) = group();
    let x = BigUint::from_bytes_be(random) | BigUint::from(1u8) << (DH_SECRET_BYTES * 8 - 1);
    let y = g.modpow(&x, &p);
    (x, fixed(&y))
}

/// Length of the random input of [`dh_keypair`].
pub const DH_RANDOM: usize = DH_SECRET_BYTES;

/// The shared secret Y_peer^x mod P, after checking 1 < Y < P-1 and that
/// P and G are our group's (9.5: the DH key material). `None`: a bad value.
pub fn dh_shared(x: &BigUint, peer_p: &[u8], peer_g: &[u8], peer_y: &[u8]) -> Option<Vec<u8>> {
    let (p, g) = group();
    if BigUint::from_bytes_be(peer_p) != p || BigUint::from_bytes_be(peer_g) != g {
        return None;
    }
    let y = BigUint::from_bytes_be(peer_y);
    let one = BigUint::from(1u8);
    if y <= one || y >= &p - &one {
        return None;
    }
    Some(fixed(&y.modpow(x, &p)))
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
    /// Encryption key (AES, the suite's size).
    pub enc: Vec<u8>,
    /// HMAC key (the hash's output size).
    pub mac: Vec<u8>,
    /// The key material they came from (mixed into the next rekey's).
    pub material: Vec<u8>,
    /// The HMAC keyed once with `mac` and the AES key schedule of `enc`
    /// (RFC 2104 pads and FIPS 197 round keys computed once per
    /// generation; each packet clones them).
    keyed: Keyed,
}

/// Per-generation precomputed primitive states.
#[derive(Clone)]
enum KeyedMac {
    Sha1(hmac::Hmac<sha1::Sha1>),
    Md5(hmac::Hmac<md5::Md5>),
}

#[derive(Clone)]
enum KeyedCipher {
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

/// AES block size: the IV ("random number") length of EncData (Q20).
pub const BLOCK: usize = 16;

/// Encrypts `buf` (a multiple of 16 bytes) in place with AES-CBC (5.1.11),
/// with the key schedule expanded once per generation.
pub fn encrypt(keys: &Keys, iv: &[u8; BLOCK], buf: &mut [u8]) {
    let n = buf.len();
    macro_rules! go {
        ($c:expr) => {
            cbc::Encryptor::inner_iv_slice_init($c.clone(), iv)
                .expect("IV size")
                .encrypt_padded_mut::<NoPadding>(buf, n)
                .map(|_| ())
        };
    }
    let r = match &keys.keyed.cipher {
        KeyedCipher::Aes128(c) => go!(c),
        KeyedCipher::Aes192(c) => go!(c),
        KeyedCipher::Aes256(c) => go!(c),
    };
    debug_assert!(r.is_ok(), "callers pad to the block size");
}

/// Decrypts `buf` in place with AES-CBC; false when it is not a whole
/// number of blocks or the IV has the wrong size.
pub fn decrypt(keys: &Keys, iv: &[u8], buf: &mut [u8]) -> bool {
    if buf.is_empty() || buf.len() & (BLOCK - 1) != 0 || iv.len() != BLOCK {
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
    fn dh_agrees_and_rejects_bad_values() {
        let (xa, ya) = dh_keypair(&[7; DH_RANDOM]);
        let (xb, yb) = dh_keypair(&[9; DH_RANDOM]);
        let p = prime_bytes();
        let sa = dh_shared(&xa, &p, &[2], &yb).unwrap();
        let sb = dh_shared(&xb, &p, &[2], &ya).unwrap();
        assert_eq!(sa, sb);
        assert_ne!(ya, yb);
        assert!(dh_shared(&xa, &p, &[2], &[1]).is_none());
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
