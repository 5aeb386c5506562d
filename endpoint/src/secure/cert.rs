//! Certificates (draft-hohendorf-secure-sctp-15 5.1.2, 9.1; secure-sctp.md
//! 5.3, Q14): DER X.509v3, checked against the configured trust anchors by
//! `rustls-webpki` (path, validity, basic constraints, key purposes; RSA
//! PKCS#1 and PSS, ECDSA and Ed25519 signatures, verified by `ring`) or
//! matched against pinned certificates; handshake signatures with the
//! certificate's key (5.1.1: "the algorithm of the certificate"): Ed25519
//! (`ed25519-dalek`), ECDSA P-256 with SHA-256 (`p256`, hedged RFC 6979
//! nonces, DER signatures) or RSA PKCS#1 v1.5 with SHA-256 (`rsa`, blinded). The
//! RSA key exchange (5.1.4, 5.1.5) encrypts to the server certificate's
//! RSA key with RSA-OAEP-SHA-256 (`rsa`).

use std::time::Duration;

use ed25519_dalek::pkcs8::DecodePrivateKey;
use ed25519_dalek::Signer;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rsa::pkcs8::DecodePublicKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{
    CertificateDer, PrivatePkcs8KeyDer, SignatureVerificationAlgorithm, UnixTime,
};

/// The algorithms accepted in certificate chains.
static ALGS: &[&dyn SignatureVerificationAlgorithm] = webpki::ALL_VERIFICATION_ALGS;

/// The handshake-signature algorithms, one per key type we sign with.
static HANDSHAKE_ALGS: &[&dyn SignatureVerificationAlgorithm] = &[
    webpki::ring::ED25519,
    webpki::ring::ECDSA_P256_SHA256,
    webpki::ring::RSA_PKCS1_2048_8192_SHA256,
];

/// Our private key (PKCS#8): its type sets the handshake signature
/// algorithm (5.1.1), and an RSA key allows the RSA key exchange.
#[derive(Clone)]
pub enum SigningKey {
    /// Ed25519 (RFC 8032).
    Ed25519([u8; 32]),
    /// ECDSA on P-256 with SHA-256 (FIPS 186-4, RFC 6979 nonces).
    EcdsaP256(p256::ecdsa::SigningKey),
    /// RSA (RFC 8017): PKCS#1 v1.5 SHA-256 signatures, OAEP decryption.
    Rsa(Box<rsa::RsaPrivateKey>),
}

/// Our certificate chain and key, and whom we trust (Config for S-SCTP).
#[derive(Clone, Default)]
pub struct Credentials {
    /// Our certificate chain, DER, the end-entity certificate first; empty:
    /// we have no certificate (CF = 0).
    pub chain: Vec<Vec<u8>>,
    /// The private key of the first certificate.
    pub key: Option<SigningKey>,
    /// Trust anchors (root certificates, DER).
    pub trust: Vec<Vec<u8>>,
    /// Pinned peer certificates (DER): accepted as they are.
    pub pinned: Vec<Vec<u8>>,
    /// The time certificates are checked at, in seconds since the Unix
    /// epoch. The core has no clock: a driver passes the wall time here;
    /// `None` checks validity at the certificate's own notBefore (dates
    /// unchecked).
    pub time: Option<u64>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let key = match &self.key {
            None => "none",
            Some(SigningKey::Ed25519(_)) => "Ed25519",
            Some(SigningKey::EcdsaP256(_)) => "ECDSA P-256",
            Some(SigningKey::Rsa(_)) => "RSA",
        };
        f.debug_struct("Credentials")
            .field("chain", &self.chain.len())
            .field("key", &key)
            .field("trust", &self.trust.len())
            .field("pinned", &self.pinned.len())
            .finish()
    }
}

/// Why a peer's certificate was refused (ERROR cause 0x0021, 6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertError(pub String);

impl Credentials {
    /// Reads PEM certificates (our chain or the trust anchors).
    pub fn pem_certs(pem: &[u8]) -> Result<Vec<Vec<u8>>, String> {
        let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(pem)
            .map(|c| c.map(|c| c.as_ref().to_vec()))
            .collect();
        let certs = certs.map_err(|e| format!("bad PEM certificate: {e:?}"))?;
        if certs.is_empty() {
            return Err("no certificate in the PEM data".into());
        }
        Ok(certs)
    }

    /// Reads a PKCS#8 private key, PEM or DER: Ed25519, ECDSA P-256 or RSA.
    pub fn pkcs8_key(data: &[u8]) -> Result<SigningKey, String> {
        let der = match std::str::from_utf8(data) {
            Ok(s) if s.contains("-----BEGIN") => PrivatePkcs8KeyDer::from_pem_slice(data)
                .map_err(|e| format!("not a PKCS#8 PEM key (BEGIN PRIVATE KEY): {e:?}"))?
                .secret_pkcs8_der()
                .to_vec(),
            _ => data.to_vec(),
        };
        if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_der(&der) {
            return Ok(SigningKey::Ed25519(k.to_bytes()));
        }
        if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_der(&der) {
            return Ok(SigningKey::EcdsaP256(k));
        }
        if let Ok(k) = rsa::RsaPrivateKey::from_pkcs8_der(&der) {
            return Ok(SigningKey::Rsa(Box::new(k)));
        }
        Err("not an Ed25519, ECDSA P-256 or RSA PKCS#8 key".into())
    }

    /// Signs `msg` with our key (5.1.4, 5.1.5 signatures; the RSA blinding
    /// drawn from `seed`); `None` without a key.
    pub fn sign(&self, msg: &[u8], seed: [u8; 32]) -> Option<Vec<u8>> {
        Some(match self.key.as_ref()? {
            SigningKey::Ed25519(k) => ed25519_dalek::SigningKey::from_bytes(k)
                .sign(msg)
                .to_bytes()
                .to_vec(),
            SigningKey::EcdsaP256(k) => {
                use p256::ecdsa::signature::RandomizedSigner;
                // RFC 6979 nonce hedged with randomness from `seed`.
                let mut rng = ChaCha20Rng::from_seed(seed);
                let sig: p256::ecdsa::Signature = k.try_sign_with_rng(&mut rng, msg).ok()?;
                sig.to_der().as_bytes().to_vec()
            }
            SigningKey::Rsa(k) => {
                use rsa::signature::RandomizedSigner;
                use rsa::signature::SignatureEncoding;
                let sk = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new((**k).clone());
                let mut rng = ChaCha20Rng::from_seed(seed);
                sk.try_sign_with_rng(&mut rng, msg).ok()?.to_vec()
            }
        })
    }

    /// Our key is an RSA key (the RSA suites are possible as server, 5.1.1).
    pub fn has_rsa(&self) -> bool {
        matches!(self.key, Some(SigningKey::Rsa(_))) && !self.chain.is_empty()
    }

    /// The size of our RSA modulus in bytes (the client's encrypted random
    /// number is that long, Q12).
    pub fn rsa_len(&self) -> Option<usize> {
        use rsa::traits::PublicKeyParts;
        match &self.key {
            Some(SigningKey::Rsa(k)) => Some(k.size()),
            _ => None,
        }
    }

    /// Decrypts the client's RSA-OAEP-SHA-256 random number (5.1.5) with
    /// our RSA key, blinded with randomness from `seed`.
    pub fn rsa_decrypt(&self, ct: &[u8], seed: [u8; 32]) -> Option<Vec<u8>> {
        let Some(SigningKey::Rsa(k)) = &self.key else {
            return None;
        };
        let mut rng = ChaCha20Rng::from_seed(seed);
        k.decrypt_blinded(&mut rng, rsa::Oaep::new::<sha2::Sha256>(), ct)
            .ok()
    }

    /// Checks the peer's chain (end entity first): pinned, or a valid path
    /// to one of our trust anchors for the peer's role (`peer_is_server`:
    /// TLS server-auth purpose, else client-auth) (9.1).
    pub fn verify_peer(&self, chain: &[Vec<u8>], peer_is_server: bool) -> Result<(), CertError> {
        let leaf = chain
            .first()
            .ok_or_else(|| CertError("no certificate".into()))?;
        if self.pinned.iter().any(|p| p == leaf) {
            return Ok(());
        }
        if self.trust.is_empty() {
            return Err(CertError("no trust anchor configured".into()));
        }
        let leaf_der = CertificateDer::from(leaf.as_slice());
        let ee = webpki::EndEntityCert::try_from(&leaf_der)
            .map_err(|e| CertError(format!("certificate does not parse: {e}")))?;
        let roots: Vec<CertificateDer<'_>> = self
            .trust
            .iter()
            .map(|t| CertificateDer::from(t.as_slice()))
            .collect();
        let anchors: Result<Vec<_>, _> =
            roots.iter().map(webpki::anchor_from_trusted_cert).collect();
        let anchors = anchors.map_err(|e| CertError(format!("bad trust anchor: {e}")))?;
        let inter: Vec<CertificateDer<'_>> = chain[1..]
            .iter()
            .map(|c| CertificateDer::from(c.as_slice()))
            .collect();
        let secs = match self.time {
            Some(t) => t,
            None => not_before(leaf).unwrap_or(0),
        };
        let time = UnixTime::since_unix_epoch(Duration::from_secs(secs));
        let usage = if peer_is_server {
            webpki::KeyUsage::server_auth()
        } else {
            webpki::KeyUsage::client_auth()
        };
        ee.verify_for_usage(ALGS, &anchors, &inter, time, usage, None, None)
            .map(|_| ())
            .map_err(|e| CertError(format!("certificate refused: {e}")))
    }
}

/// Verifies a handshake signature with the key of certificate `leaf`, in
/// the algorithm of its key (Ed25519, ECDSA P-256 SHA-256 DER, RSA PKCS#1
/// v1.5 SHA-256; 5.1.1).
pub fn verify_signature(leaf: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    let der = CertificateDer::from(leaf);
    let Ok(ee) = webpki::EndEntityCert::try_from(&der) else {
        return false;
    };
    HANDSHAKE_ALGS
        .iter()
        .any(|a| ee.verify_signature(*a, msg, sig).is_ok())
}

/// The RSA public key of certificate `leaf`, if it has one (the RSA key
/// exchange encrypts to it, 5.1.5).
pub fn rsa_public(leaf: &[u8]) -> Option<rsa::RsaPublicKey> {
    let der = CertificateDer::from(leaf);
    let ee = webpki::EndEntityCert::try_from(&der).ok()?;
    let spki = ee.subject_public_key_info();
    rsa::RsaPublicKey::from_public_key_der(spki.as_ref()).ok()
}

/// Encrypts the client's random number to the server's RSA key with
/// RSA-OAEP-SHA-256 (5.1.5; the draft names no padding: ours, docs).
pub fn rsa_encrypt(key: &rsa::RsaPublicKey, msg: &[u8], seed: [u8; 32]) -> Option<Vec<u8>> {
    let mut rng = ChaCha20Rng::from_seed(seed);
    key.encrypt(&mut rng, rsa::Oaep::new::<sha2::Sha256>(), msg)
        .ok()
}

/// The notBefore of a DER certificate, in Unix seconds (a small walk of
/// the TBSCertificate: version, serial, signature, issuer, validity).
fn not_before(der: &[u8]) -> Option<u64> {
    fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let (&tag, rest) = b.split_first()?;
        let (&l0, rest) = rest.split_first()?;
        let (len, rest) = if l0 < 0x80 {
            (l0 as usize, rest)
        } else {
            let n = (l0 & 0x7f) as usize;
            if n == 0 || n > 3 || rest.len() < n {
                return None;
            }
            let mut l = 0usize;
            for b in &rest[..n] {
                l = l << 8 | *b as usize;
            }
            (l, &rest[n..])
        };
        (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
    }
    let (_, cert, _) = tlv(der)?;
    let (_, tbs, _) = tlv(cert)?;
    let mut rest = tbs;
    let (tag, _, r) = tlv(rest)?;
    if tag == 0xa0 {
        rest = r;
    }
    let (_, _, r) = tlv(rest)?; // serial
    let (_, _, r) = tlv(r)?; // signature algorithm
    let (_, _, r) = tlv(r)?; // issuer
    let (_, validity, _) = tlv(r)?;
    let (tag, t, _) = tlv(validity)?;
    let s = std::str::from_utf8(t).ok()?;
    let (year, rest) = match tag {
        0x17 => {
            let y: u64 = s.get(..2)?.parse().ok()?;
            (if y < 50 { 2000 + y } else { 1900 + y }, s.get(2..)?)
        }
        0x18 => (s.get(..4)?.parse().ok()?, s.get(4..)?),
        _ => return None,
    };
    let f = |i: usize| -> Option<u64> { rest.get(i..i + 2)?.parse().ok() };
    let (mo, d, h, mi, se) = (f(0)?, f(2)?, f(4)?, f(6)?, f(8)?);
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if mo <= 2 { year - 1 } else { year } as i64;
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Some(days as u64 * 86400 + h * 3600 + mi * 60 + se + 1)
}
