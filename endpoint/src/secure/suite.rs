//! The cipher suites of draft-hohendorf-secure-sctp-15 5.1.1 that this
//! endpoint implements (secure-sctp.md 5.1), and the server's choice (9.2,
//! secure-sctp.md Q27).

/// A block cipher of the suite table (5.1.1); all run in CBC mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cipher {
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

/// One implemented cipher suite (5.1.1): DH key exchange, an AES cipher and
/// an HMAC hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suite {
    /// The 16-bit suite number on the wire.
    pub id: u16,
    /// Its cipher.
    pub cipher: Cipher,
    /// Its HMAC hash.
    pub mac: Mac,
}

/// The implemented suites in our preference order (5.1.1 numbers 24, 22,
/// 12, 23, 21, 11: the DH suites with AES; DES, 3DES, NULL and the RSA key
/// exchange are not implemented, see docs/ssctp-endpoint.md).
pub const IMPLEMENTED: &[u16] = &[24, 22, 12, 23, 21, 11];

/// The server's default suite (secure-sctp.md Q21: DH_with_AES-128_CBC_SHA-1).
pub const SERVER_DEFAULT: u16 = 12;

impl Suite {
    /// The suite with this number, if implemented (5.1.1).
    pub fn by_id(id: u16) -> Option<Suite> {
        let (cipher, mac) = match id {
            11 => (Cipher::Aes128, Mac::Md5),
            12 => (Cipher::Aes128, Mac::Sha1),
            21 => (Cipher::Aes192, Mac::Md5),
            22 => (Cipher::Aes192, Mac::Sha1),
            23 => (Cipher::Aes256, Mac::Md5),
            24 => (Cipher::Aes256, Mac::Sha1),
            _ => return None,
        };
        Some(Suite { id, cipher, mac })
    }

    /// Encryption key length in bytes (secure-sctp.md 5.1 derived sizes).
    pub fn key_len(&self) -> usize {
        match self.cipher {
            Cipher::Aes128 => 16,
            Cipher::Aes192 => 24,
            Cipher::Aes256 => 32,
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
            11 => "DH_with_AES-128_CBC_MD5",
            12 => "DH_with_AES-128_CBC_SHA-1",
            21 => "DH_with_AES-192_CBC_MD5",
            22 => "DH_with_AES-192_CBC_SHA-1",
            23 => "DH_with_AES-256_CBC_MD5",
            _ => "DH_with_AES-256_CBC_SHA-1",
        }
    }
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
        assert_eq!(Suite::by_id(7), None);
        assert_eq!(Suite::by_id(23).unwrap().key_len(), 32);
    }
}
