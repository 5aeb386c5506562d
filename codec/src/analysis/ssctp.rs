//! S-SCTP in captures (draft-hohendorf-secure-sctp-15 5.1.11, 5.1.13, 8;
//! secure-sctp.md Q19, 4): with the session keys of a key log (`SSCTP`
//! lines, docs/auth-keys.md) every S-SCTP AUTH chunk (0x11) is verified
//! with the suite's HMAC over the packet with checksum 0 and the HMAC field
//! zero, and every EncData chunk (0x10) is decrypted with AES-CBC, its
//! plaintext chunks handed back for decoding. The primitives are the
//! RustCrypto crates' (`hmac`, `sha1`, `md-5`, `aes`, `cbc`). Under
//! sctpkit's private AES-GCM suites (0xFE01, 0xFE02; `crate::auth::ssctp_gcm`)
//! one GCM open checks the AUTH's tag over the packet and decrypts the EncData.

use aes::cipher::{block_padding::NoPadding, BlockDecryptMut, KeyIvInit};
use hmac::Mac as _;

use super::keylog::{KeyLog, SsctpKey};
use crate::auth::ssctp_gcm;

/// The outcome of checking one S-SCTP AUTH chunk (draft 5.1.13, 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsctpVerdict {
    /// The HMAC matches the keys of this reference.
    Verified {
        /// Master secret key reference number.
        reference: u16,
    },
    /// The HMAC does not match: the receiver discards the packet (draft
    /// 6, cause 0x0023).
    BadHmac {
        /// Master secret key reference number.
        reference: u16,
    },
    /// The key log has keys for the association, none with this reference.
    UnknownReference {
        /// Master secret key reference number.
        reference: u16,
    },
    /// The key log has no keys for the association.
    NoKey {
        /// Master secret key reference number.
        reference: u16,
    },
    /// A cipher suite number without AES-CBC and HMAC-MD5/SHA-1 (5.1.1).
    UnsupportedSuite(u16),
    /// Not the last chunk, too short, or an HMAC length that does not fit
    /// the suite.
    Truncated,
}

impl SsctpVerdict {
    /// A short name: "verified", "bad-hmac", "unknown-reference", "no-key",
    /// "unsupported-suite", "truncated".
    pub fn name(&self) -> &'static str {
        match self {
            SsctpVerdict::Verified { .. } => "verified",
            SsctpVerdict::BadHmac { .. } => "bad-hmac",
            SsctpVerdict::UnknownReference { .. } => "unknown-reference",
            SsctpVerdict::NoKey { .. } => "no-key",
            SsctpVerdict::UnsupportedSuite(_) => "unsupported-suite",
            SsctpVerdict::Truncated => "truncated",
        }
    }

    /// Whether the HMAC was checked and matched.
    pub fn is_verified(&self) -> bool {
        matches!(self, SsctpVerdict::Verified { .. })
    }
}

/// What became of one EncData chunk (draft 5.1.11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decryption {
    /// Decrypted: the plaintext, whole chunks (PADDING included, 9.3 b).
    Plain {
        /// Master secret key reference number.
        reference: u16,
        /// The decrypted chunks, as they were before encryption.
        chunks: Vec<u8>,
    },
    /// No keys with the EncData's reference for the association.
    NoKey {
        /// Master secret key reference number.
        reference: u16,
    },
    /// Not a whole number of blocks, a bad IV length or key size, or a
    /// plaintext that is not a sequence of chunks (a wrong key; cause 0x0022).
    Failed {
        /// Master secret key reference number.
        reference: u16,
    },
}

impl Decryption {
    /// A short name: "decrypted", "no-key", "failed".
    pub fn name(&self) -> &'static str {
        match self {
            Decryption::Plain { .. } => "decrypted",
            Decryption::NoKey { .. } => "no-key",
            Decryption::Failed { .. } => "failed",
        }
    }
}

/// (encryption key length, HMAC is SHA-1) of an AES suite (draft 5.1.1):
/// DH (11, 12, 21-24) or RSA key exchange (5, 6, 17-20), the same records.
fn suite(id: u16) -> Option<(usize, bool)> {
    Some(match id {
        5 | 11 => (16, false),
        6 | 12 => (16, true),
        17 | 21 => (24, false),
        18 | 22 => (24, true),
        19 | 23 => (32, false),
        20 | 24 => (32, true),
        _ => return None,
    })
}

/// The keys with `reference` for the association with `tags` (its two
/// Verification Tags, when both are known) or, with one side unseen, for
/// any association one of whose tags is `vtag`; `Err(true)` when the
/// association has keys but none with this reference.
fn lookup(
    keys: &KeyLog,
    tags: Option<(u32, u32)>,
    vtag: u32,
    reference: u16,
) -> Result<&SsctpKey, bool> {
    let mut known = false;
    for k in &keys.ssctp {
        let (x, y) = k.tags;
        let ours = match tags {
            Some((a, b)) => (x, y) == (a, b) || (x, y) == (b, a),
            None => x == vtag || y == vtag,
        };
        if ours {
            known = true;
            if k.reference == reference {
                return Ok(k);
            }
        }
    }
    Err(known)
}

/// Checks the S-SCTP AUTH chunk at `auth_at` (its Length `auth_len`) of
/// `packet` (draft 5.1.13, 8; secure-sctp.md Q19).
pub fn verify(
    packet: &[u8],
    auth_at: usize,
    auth_len: usize,
    keys: &KeyLog,
    tags: Option<(u32, u32)>,
) -> SsctpVerdict {
    if packet.len() < 12 || auth_len < 8 || auth_at + auth_len > packet.len() {
        return SsctpVerdict::Truncated;
    }
    let vtag = u32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]);
    let reference = u16::from_be_bytes([packet[auth_at + 4], packet[auth_at + 5]]);
    let k = match lookup(keys, tags, vtag, reference) {
        Ok(k) => k,
        Err(true) => return SsctpVerdict::UnknownReference { reference },
        Err(false) => return SsctpVerdict::NoKey { reference },
    };
    if let Some(key) = ssctp_gcm::GcmKey::new(k.suite, &k.enc) {
        if auth_len != ssctp_gcm::AUTH_LEN {
            return SsctpVerdict::Truncated;
        }
        let (mut aad, mut plain) = (Vec::new(), Vec::new());
        return match ssctp_gcm::open_packet(&key, packet, auth_at, &mut aad, &mut plain) {
            true => SsctpVerdict::Verified { reference },
            false => SsctpVerdict::BadHmac { reference },
        };
    }
    let Some((_, sha1)) = suite(k.suite) else {
        return SsctpVerdict::UnsupportedSuite(k.suite);
    };
    let mac_len = auth_len - 8;
    if mac_len != if sha1 { 20 } else { 16 } {
        return SsctpVerdict::Truncated;
    }
    let zeros = [0u8; 20];
    let parts: [&[u8]; 5] = [
        &packet[..8],
        &[0; 4],
        &packet[12..auth_at + 8],
        &zeros[..mac_len],
        &packet[auth_at + auth_len..],
    ];
    let tag = &packet[auth_at + 8..auth_at + auth_len];
    macro_rules! check {
        ($d:ty) => {
            hmac::Hmac::<$d>::new_from_slice(&k.mac).is_ok_and(|mut m| {
                parts.iter().for_each(|p| m.update(p));
                m.verify_slice(tag).is_ok()
            })
        };
    }
    let ok = if sha1 {
        check!(sha1::Sha1)
    } else {
        check!(md5::Md5)
    };
    match ok {
        true => SsctpVerdict::Verified { reference },
        false => SsctpVerdict::BadHmac { reference },
    }
}

/// Decrypts the EncData chunk whose value (after the 4-byte chunk header)
/// is `value`: Reference, IV Length, IV, AES-CBC ciphertext (draft 5.1.11).
pub fn decrypt(value: &[u8], keys: &KeyLog, tags: Option<(u32, u32)>, vtag: u32) -> Decryption {
    if value.len() < 4 {
        return Decryption::Failed { reference: 0 };
    }
    let reference = u16::from_be_bytes([value[0], value[1]]);
    let iv_len = usize::from(u16::from_be_bytes([value[2], value[3]]));
    let Ok(k) = lookup(keys, tags, vtag, reference) else {
        return Decryption::NoKey { reference };
    };
    let failed = Decryption::Failed { reference };
    let Some((key_len, _)) = suite(k.suite) else {
        return failed;
    };
    if iv_len != 16 || value.len() < 4 + iv_len || k.enc.len() != key_len {
        return failed;
    }
    let iv = &value[4..4 + iv_len];
    let mut buf = value[4 + iv_len..].to_vec();
    if buf.is_empty() || !buf.len().is_multiple_of(16) {
        return failed;
    }
    macro_rules! go {
        ($c:ty) => {
            cbc::Decryptor::<$c>::new_from_slices(&k.enc, iv)
                .ok()
                .and_then(|d| d.decrypt_padded_mut::<NoPadding>(&mut buf).ok().map(|_| ()))
        };
    }
    let done = match key_len {
        16 => go!(aes::Aes128),
        24 => go!(aes::Aes192),
        _ => go!(aes::Aes256),
    };
    if done.is_none() || !whole_chunks(&buf) {
        return failed;
    }
    Decryption::Plain {
        reference,
        chunks: buf,
    }
}

/// Decrypts the EncData chunk at `enc_at` of `packet`: as [`decrypt`] for
/// the draft's suites; under a private GCM suite the packet's last chunk,
/// the AUTH, gives the nonce and tag, and the plaintext comes back only
/// when the tag over the whole packet matches (`Failed` otherwise).
pub fn decrypt_at(
    packet: &[u8],
    enc_at: usize,
    keys: &KeyLog,
    tags: Option<(u32, u32)>,
    vtag: u32,
) -> Decryption {
    let Some(len) = packet
        .get(enc_at + 2..enc_at + 4)
        .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
        .filter(|l| *l >= 4 && enc_at + l <= packet.len())
    else {
        return Decryption::Failed { reference: 0 };
    };
    let value = &packet[enc_at + 4..enc_at + len];
    if value.len() >= 4 {
        let reference = u16::from_be_bytes([value[0], value[1]]);
        if let Ok(k) = lookup(keys, tags, vtag, reference) {
            if let Some(key) = ssctp_gcm::GcmKey::new(k.suite, &k.enc) {
                let failed = Decryption::Failed { reference };
                let Some(auth_at) = packet.len().checked_sub(ssctp_gcm::AUTH_LEN) else {
                    return failed;
                };
                let (mut aad, mut plain) = (Vec::new(), Vec::new());
                if auth_at < 12
                    || packet[auth_at] != 0x11
                    || !ssctp_gcm::open_packet(&key, packet, auth_at, &mut aad, &mut plain)
                    || !whole_chunks(&plain)
                {
                    return failed;
                }
                return Decryption::Plain {
                    reference,
                    chunks: plain,
                };
            }
        }
    }
    decrypt(value, keys, tags, vtag)
}

/// Whether `b` is a sequence of chunks whose Lengths fit (RFC 9260 3.2).
fn whole_chunks(b: &[u8]) -> bool {
    let mut at = 0;
    while at + 4 <= b.len() {
        let len = usize::from(u16::from_be_bytes([b[at + 2], b[at + 3]]));
        if len < 4 || at + len > b.len() {
            return false;
        }
        at += (len + 3) & !3;
    }
    at >= b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log() -> KeyLog {
        KeyLog::parse(&format!(
            "SSCTP 1 2 0 12 0x{} 0x{}\n",
            "11".repeat(16),
            "22".repeat(20)
        ))
        .unwrap()
    }

    #[test]
    fn bad_input_gives_a_verdict_not_a_panic() {
        let keys = log();
        // A header with tag 1, then an AUTH (0x11) too short for SHA-1.
        let mut p = vec![0, 1, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0];
        p.extend_from_slice(&[0x11, 0, 0, 12, 0, 0, 0, 0, 1, 2, 3, 4]);
        assert_eq!(verify(&p, 12, 12, &keys, None), SsctpVerdict::Truncated);
        assert_eq!(verify(&p, 12, 40, &keys, None), SsctpVerdict::Truncated);
        assert_eq!(
            verify(&p[..10], 12, 12, &keys, None),
            SsctpVerdict::Truncated
        );
        // Another reference, another association.
        p[17] = 5;
        assert_eq!(
            verify(&p, 12, 12, &keys, None),
            SsctpVerdict::UnknownReference { reference: 5 }
        );
        assert_eq!(
            verify(&p, 12, 12, &keys, Some((7, 8))),
            SsctpVerdict::NoKey { reference: 5 }
        );
        let failed = Decryption::Failed { reference: 0 };
        assert_eq!(decrypt(&[0, 0], &keys, None, 1), failed);
        // IV length 16 but 15 bytes of ciphertext; IV length 0.
        let mut v = vec![0, 0, 0, 16];
        v.extend_from_slice(&[0; 31]);
        assert_eq!(decrypt(&v, &keys, None, 1), failed);
        assert_eq!(decrypt(&[0, 0, 0, 0, 1, 2], &keys, None, 1), failed);
        assert_eq!(
            decrypt(&[0, 9, 0, 16], &keys, None, 1),
            Decryption::NoKey { reference: 9 }
        );
    }
}
