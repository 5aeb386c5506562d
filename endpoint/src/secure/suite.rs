//! The cipher suites of draft-hohendorf-secure-sctp-15 5.1.1 (all 24 of the
//! table, secure-sctp.md 5.1), which of them we offer by default, and the
//! server's choice (9.2, secure-sctp.md Q27). The DES, 3DES and NULL suites
//! are insecure: they are offered or accepted only when the configuration
//! lists them explicitly (docs/ssctp-endpoint.md).

/// A cipher of the suite table (5.1.1); the block ciphers run in CBC mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cipher {
    /// Single DES (56-bit key, 8-byte blocks): insecure.
    Des,
    /// Three-key 3DES-EDE (8-byte blocks): insecure (64-bit blocks).
    Tdes,
    /// No encryption (EncData carries the chunks in clear): insecure.
    Null,
    /// AES with a 128-bit key.
    Aes128,
    /// AES with a 192-bit key.
    Aes192,
    /// AES with a 256-bit key.
    Aes256,
}

/// The suite's hash, used only for the HMAC of AUTH and SSOpCom (5.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mac {
    /// HMAC-MD5 (16 bytes).
    Md5,
    /// HMAC-SHA-1 (20 bytes).
    Sha1,
}

/// The key exchange of a suite (5.1.1, 9.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kx {
    /// Finite-field Diffie-Hellman (SSSerKey/SSCliKey DH parameters).
    Dh,
    /// RSA: the client encrypts its random number to the server's RSA key.
    Rsa,
}

/// One cipher suite (5.1.1): key exchange, cipher and HMAC hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suite {
    /// The 16-bit suite number on the wire.
    pub id: u16,
    /// Its key exchange.
    pub kx: Kx,
    /// Its cipher.
    pub cipher: Cipher,
    /// Its HMAC hash.
    pub mac: Mac,
}

/// The suites offered and accepted when the configuration lists none, in
/// our preference order (5.1.1): DH before RSA (forward secrecy), AES-256
/// first, SHA-1 before MD5. No DES, 3DES or NULL suite is in it.
pub const IMPLEMENTED: &[u16] = &[24, 22, 12, 20, 18, 6, 23, 21, 11, 19, 17, 5];

/// The insecure suites (DES, 3DES, NULL; 5.1.1), for `all-insecure`: used
/// only when listed explicitly in `SecureConfig::suites`.
pub const INSECURE: &[u16] = &[10, 4, 9, 3, 8, 2, 7, 1, 16, 14, 15, 13];

/// sctpkit's private DH_with_AES-128_GCM (not in the draft; docs/ssctp-endpoint.md
/// "Private AES-GCM suites"): one AES-GCM pass encrypts and authenticates.
pub const GCM_128: u16 = sctp_codec::auth::ssctp_gcm::AES_128_GCM;
/// sctpkit's private DH_with_AES-256_GCM.
pub const GCM_256: u16 = sctp_codec::auth::ssctp_gcm::AES_256_GCM;
/// Our default list with the private GCM suites first, for
/// `SecureConfig::suites` (both ends must list them; a peer without them
/// picks a draft suite).
pub const WITH_GCM: &[u16] = &[
    GCM_256, GCM_128, 24, 22, 12, 20, 18, 6, 23, 21, 11, 19, 17, 5,
];

fn gcm_cipher(id: u16) -> Option<Cipher> {
    match id {
        GCM_128 => Some(Cipher::Aes128),
        GCM_256 => Some(Cipher::Aes256),
        _ => None,
    }
}

/// The server's default suite (secure-sctp.md Q21: DH_with_AES-128_CBC_SHA-1).
pub const SERVER_DEFAULT: u16 = 12;

impl Suite {
    /// The suite with this number (5.1.1 table); `None` for 0 and numbers
    /// above 24.
    pub fn by_id(id: u16) -> Option<Suite> {
        if let Some(cipher) = gcm_cipher(id) {
            // sctpkit private GCM suites: SSOpCom and the rekey use HMAC-SHA-1.
            return Some(Suite {
                id,
                kx: Kx::Dh,
                cipher,
                mac: Mac::Sha1,
            });
        }
        use Cipher::*;
        let (kx, cipher) = match id {
            1 | 2 => (Kx::Rsa, Des),
            3 | 4 => (Kx::Rsa, Tdes),
            5 | 6 => (Kx::Rsa, Aes128),
            7 | 8 => (Kx::Dh, Des),
            9 | 10 => (Kx::Dh, Tdes),
            11 | 12 => (Kx::Dh, Aes128),
            13 | 14 => (Kx::Rsa, Null),
            15 | 16 => (Kx::Dh, Null),
            17 | 18 => (Kx::Rsa, Aes192),
            19 | 20 => (Kx::Rsa, Aes256),
            21 | 22 => (Kx::Dh, Aes192),
            23 | 24 => (Kx::Dh, Aes256),
            _ => return None,
        };
        // Odd numbers are MD5, even ones SHA-1 throughout the table.
        let mac = if id % 2 == 1 { Mac::Md5 } else { Mac::Sha1 };
        Some(Suite {
            id,
            kx,
            cipher,
            mac,
        })
    }

    /// One of the sctpkit private AES-GCM suites (AUTH carries the GCM tag).
    pub fn gcm(&self) -> bool {
        gcm_cipher(self.id).is_some()
    }

    /// DES, 3DES or NULL: never used unless listed explicitly.
    pub fn insecure(&self) -> bool {
        matches!(self.cipher, Cipher::Des | Cipher::Tdes | Cipher::Null)
    }

    /// Encryption key length in bytes (secure-sctp.md 5.1 derived sizes;
    /// NULL has none).
    pub fn key_len(&self) -> usize {
        match self.cipher {
            Cipher::Des => 8,
            Cipher::Tdes => 24,
            Cipher::Null => 0,
            Cipher::Aes128 => 16,
            Cipher::Aes192 => 24,
            Cipher::Aes256 => 32,
        }
    }

    /// The cipher's block size: EncData plaintext is padded to a multiple
    /// of it (5.1.11; 1 for NULL: no padding).
    pub fn block_len(&self) -> usize {
        match self.cipher {
            Cipher::Des | Cipher::Tdes => 8,
            Cipher::Null => 1,
            _ => 16,
        }
    }

    /// The length of EncData's random number (the CBC IV; secure-sctp.md
    /// 3.11: R = the block size; 0 for NULL).
    pub fn iv_len(&self) -> usize {
        match self.cipher {
            Cipher::Null => 0,
            _ => self.block_len(),
        }
    }

    /// HMAC length in bytes (16 for MD5, 20 for SHA-1; secure-sctp.md 3.13).
    pub fn mac_len(&self) -> usize {
        match self.mac {
            Mac::Md5 => 16,
            Mac::Sha1 => 20,
        }
    }

    /// The suite's name as the draft's table writes it (5.1.1).
    pub fn name(&self) -> &'static str {
        match self.id {
            GCM_128 => return "DH_with_AES-128_GCM (sctpkit private)",
            GCM_256 => return "DH_with_AES-256_GCM (sctpkit private)",
            _ => {}
        }
        const NAMES: [&str; 24] = [
            "RSA_with_DES_CBC_MD5",
            "RSA_with_DES_CBC_SHA-1",
            "RSA_with_3DES_CBC_MD5",
            "RSA_with_3DES_CBC_SHA-1",
            "RSA_with_AES-128_CBC_MD5",
            "RSA_with_AES-128_CBC_SHA-1",
            "DH_with_DES_CBC_MD5",
            "DH_with_DES_CBC_SHA-1",
            "DH_with_3DES_CBC_MD5",
            "DH_with_3DES_CBC_SHA-1",
            "DH_with_AES-128_CBC_MD5",
            "DH_with_AES-128_CBC_SHA-1",
            "RSA_with_NULL_MD5",
            "RSA_with_NULL_SHA-1",
            "DH_with_NULL_MD5",
            "DH_with_NULL_SHA-1",
            "RSA_with_AES-192_CBC_MD5",
            "RSA_with_AES-192_CBC_SHA-1",
            "RSA_with_AES-256_CBC_MD5",
            "RSA_with_AES-256_CBC_SHA-1",
            "DH_with_AES-192_CBC_MD5",
            "DH_with_AES-192_CBC_SHA-1",
            "DH_with_AES-256_CBC_MD5",
            "DH_with_AES-256_CBC_SHA-1",
        ];
        NAMES[(self.id as usize).clamp(1, 24) - 1]
    }
}

/// Parses a suite list for the configuration (`--secure-suites`): comma
/// separated numbers 1 to 24 or names of the 5.1.1 table, or the words
/// `default` (our [`IMPLEMENTED`] list), `all-insecure` ([`INSECURE`]),
/// `all` (both) and `gcm` (the private [`GCM_256`], [`GCM_128`]; also as
/// numbers, `0xFE02`). Listing a suite is what allows an insecure one.
pub fn parse_list(s: &str) -> Result<Vec<u16>, String> {
    let mut out: Vec<u16> = Vec::new();
    for w in s.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        let add: Vec<u16> = match w {
            "default" => IMPLEMENTED.to_vec(),
            "all-insecure" => INSECURE.to_vec(),
            "all" => IMPLEMENTED.iter().chain(INSECURE).copied().collect(),
            // sctpkit's private AES-GCM suites (docs/ssctp-endpoint.md).
            "gcm" => vec![GCM_256, GCM_128],
            _ => {
                let hex = w.strip_prefix("0x").map(|h| u16::from_str_radix(h, 16));
                let id = match hex.unwrap_or_else(|| w.parse::<u16>()) {
                    Ok(n) => n,
                    Err(_) => (1..=24)
                        .find(|i| Suite::by_id(*i).is_some_and(|s| s.name() == w))
                        .ok_or_else(|| format!("unknown cipher suite {w:?}"))?,
                };
                if Suite::by_id(id).is_none() {
                    return Err(format!("no cipher suite {id} (5.1.1 has 1 to 24)"));
                }
                vec![id]
            }
        };
        for id in add {
            if !out.contains(&id) {
                out.push(id);
            }
        }
    }
    if out.is_empty() {
        return Err("empty cipher suite list".into());
    }
    Ok(out)
}

/// The server's choice (9.2, secure-sctp.md Q27): the first suite of the
/// client's list the server offers too; an empty client list means the
/// server's default (9.2). `None`: no common suite.
pub fn choose(client: &[u16], server: &[u16]) -> Option<u16> {
    if client.is_empty() {
        return server
            .contains(&SERVER_DEFAULT)
            .then_some(SERVER_DEFAULT)
            .or_else(|| server.first().copied());
    }
    client
        .iter()
        .copied()
        .find(|c| server.contains(c) && Suite::by_id(*c).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_order_wins_and_unknown_suites_are_skipped() {
        assert_eq!(choose(&[5, 12, 24], &[24, 12]), Some(12));
        assert_eq!(choose(&[1, 2], &[24, 12]), None);
        assert_eq!(choose(&[], &[24, 12]), Some(12));
        assert_eq!(choose(&[25, 0, 24], &[24, 25]), Some(24));
        assert_eq!(Suite::by_id(25), None);
        assert_eq!(Suite::by_id(23).unwrap().key_len(), 32);
    }

    #[test]
    fn table_rows_match_the_draft_names() {
        for id in 1..=24u16 {
            let s = Suite::by_id(id).unwrap();
            let n = s.name();
            assert_eq!(n.starts_with("RSA"), s.kx == Kx::Rsa, "{n}");
            assert_eq!(n.ends_with("MD5"), s.mac == Mac::Md5, "{n}");
            assert_eq!(n.contains("DES") || n.contains("NULL"), s.insecure(), "{n}");
            assert_eq!(IMPLEMENTED.contains(&id), !INSECURE.contains(&id));
        }
        assert_eq!(parse_list("24,12").unwrap(), vec![24, 12]);
        assert_eq!(parse_list("DH_with_DES_CBC_SHA-1,8").unwrap(), vec![8]);
        assert_eq!(parse_list("all-insecure").unwrap(), INSECURE.to_vec());
        assert!(parse_list("25").is_err());
        assert_eq!(parse_list("gcm,24").unwrap(), vec![GCM_256, GCM_128, 24]);
        assert_eq!(parse_list("0xFE01").unwrap(), vec![GCM_128]);
        assert!(parse_list("AES").is_err());
        assert!(parse_list("").is_err());
    }
}
