//! Certificates (draft-hohendorf-secure-sctp-15 5.1.2, 9.1; secure-sctp.md
//! 5.3, Q14): DER X.509v3, checked against the configured trust anchors by
//! `rustls-webpki` (path, validity, basic constraints, key purposes) or
//! matched against pinned certificates; handshake signatures with the
//! certificate's key (9.1: "the algorithm of the certificate"). Ed25519 is
//! the signature algorithm implemented (`ed25519-dalek`).

use std::time::Duration;

use ed25519_dalek::pkcs8::DecodePrivateKey;
use ed25519_dalek::Signer;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{
    alg_id, AlgorithmIdentifier, CertificateDer, InvalidSignature, SignatureVerificationAlgorithm,
    UnixTime,
};

/// Ed25519 signature verification for `rustls-webpki` (RFC 8410 identifiers).
#[derive(Debug)]
struct Ed25519;

impl SignatureVerificationAlgorithm for Ed25519 {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let pk: [u8; 32] = public_key.try_into().map_err(|_| InvalidSignature)?;
        let vk = ed25519_dalek::VerifyingKey::from_bytes(&pk).map_err(|_| InvalidSignature)?;
        let sig = ed25519_dalek::Signature::from_slice(signature).map_err(|_| InvalidSignature)?;
        vk.verify_strict(message, &sig)
            .map_err(|_| InvalidSignature)
    }
    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ED25519
    }
    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ED25519
    }
}

static ALGS: &[&dyn SignatureVerificationAlgorithm] = &[&Ed25519];

/// Our certificate chain and key, and whom we trust (Config for S-SCTP).
#[derive(Clone, Default)]
pub struct Credentials {
    /// Our certificate chain, DER, the end-entity certificate first; empty:
    /// we have no certificate (CF = 0).
    pub chain: Vec<Vec<u8>>,
    /// The Ed25519 private key of the first certificate (32 bytes).
    pub key: Option<[u8; 32]>,
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
        f.debug_struct("Credentials")
            .field("chain", &self.chain.len())
            .field("key", &self.key.is_some())
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

    /// Reads an Ed25519 PKCS#8 private key, PEM or DER.
    pub fn pkcs8_key(data: &[u8]) -> Result<[u8; 32], String> {
        let k = match std::str::from_utf8(data) {
            Ok(s) if s.contains("-----BEGIN") => ed25519_dalek::SigningKey::from_pkcs8_pem(s),
            _ => ed25519_dalek::SigningKey::from_pkcs8_der(data),
        }
        .map_err(|e| format!("not an Ed25519 PKCS#8 key: {e}"))?;
        Ok(k.to_bytes())
    }

    /// Signs `msg` with our key (5.1.4, 5.1.5 signatures); `None` without a key.
    pub fn sign(&self, msg: &[u8]) -> Option<Vec<u8>> {
        let k = ed25519_dalek::SigningKey::from_bytes(self.key.as_ref()?);
        Some(k.sign(msg).to_bytes().to_vec())
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

/// Verifies a handshake signature with the key of certificate `leaf`.
pub fn verify_signature(leaf: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    let der = CertificateDer::from(leaf);
    let Ok(ee) = webpki::EndEntityCert::try_from(&der) else {
        return false;
    };
    ee.verify_signature(&Ed25519, msg, sig).is_ok()
}

/// Length of an Ed25519 signature.
pub const SIG_LEN: usize = 64;

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
