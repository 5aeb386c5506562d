//! Record protection (draft-hohendorf-secure-sctp-15 7, 8, 9.3; secure-sctp.md
//! 3.11 to 3.13, 4): outgoing packets get their chunks sorted into clear
//! and encrypted ones (EncData, AES-CBC with a PADDING chunk to the block
//! size) and an S-SCTP AUTH chunk last, whose HMAC covers the common header
//! with checksum 0 and every chunk with the HMAC field zero (Q19); the
//! CRC32c is computed after. Incoming packets are checked and unwrapped the
//! other way round.

use sctp_codec::chunk::ty as std_ty;

use super::handshake::{ty, HsState, SecEvent, Session};
use super::{cause, keys};
use sctp_codec::auth::ssctp_gcm;

/// What to do with a received packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Process it as it came (no S-SCTP protection involved).
    Clear,
    /// Discard it.
    Drop,
    /// Process the rebuilt packet in the output buffer instead.
    Replaced,
}

/// (type, start, Length, padded length) of each chunk after the common header.
fn walk(b: &[u8], mut f: impl FnMut(u8, usize, usize, usize) -> bool) -> bool {
    let mut at = 12;
    while at + 4 <= b.len() {
        let len = u16::from_be_bytes([b[at + 2], b[at + 3]]) as usize;
        if len < 4 || at + len > b.len() {
            return false;
        }
        let padded = ((len + 3) & !3).min(b.len() - at);
        if !f(b[at], at, len, padded) {
            return true;
        }
        at += padded;
    }
    at == b.len()
}

/// Chunks that travel only in clear: the association's own handshake and
/// SHUTDOWN COMPLETE (RFC 9260 6.10), which no S-SCTP packet carries.
fn exempt(t: u8) -> bool {
    matches!(
        t,
        std_ty::INIT
            | std_ty::INIT_ACK
            | std_ty::COOKIE_ECHO
            | std_ty::COOKIE_ACK
            | std_ty::SHUTDOWN_COMPLETE
    )
}

/// Whether chunk type `t` goes inside EncData at security level `level`
/// (7; I16, I17: DATA from level 2, every chunk but ABORT and the session
/// control chunks 0xD6-0xD9 at level 3; rekey chunks always, I12).
fn encrypted(t: u8, level: u8, rekey: bool) -> bool {
    match t {
        ty::SS_OP_REQ..=ty::SS_OP_COM => rekey,
        ty::SS_CLOSE..=ty::SEC_LEV_CHD_ACK | std_ty::ABORT => false,
        std_ty::DATA | std_ty::I_DATA => level >= 2,
        _ => level >= 3,
    }
}

/// Protects the packet in `buf` (common header and padded chunks) as the
/// session's level asks and writes its checksum (none with `zero_checksum`);
/// leaves it alone when nothing applies. True when it protected the packet
/// (the checksum is then written), false when the packet is as it came.
pub fn protect(s: &mut Session, buf: &mut Vec<u8>, zero_checksum: bool) -> bool {
    if buf.len() < 16 {
        return false;
    }
    let (mut has_exempt, mut has_com, mut has_close, mut has_hs) = (false, false, false, false);
    let mut has_ctl = false;
    walk(buf, |t, _, _, _| {
        has_exempt |= exempt(t);
        has_com |= t == ty::SS_OP_COM;
        has_close |= t == ty::SS_CLOSE;
        has_ctl |= (ty::SS_CLOSE..=ty::SEC_LEV_CHD_ACK).contains(&t);
        has_hs |= (ty::SS_OP_REQ..=ty::SS_OP_COM).contains(&t);
        true
    });
    if has_exempt || s.send_ref.is_none() {
        return false;
    }
    if s.first_com_clear && has_com {
        // The server's first SSOpCom: the client has no keys in force yet.
        s.first_com_clear = false;
        return false;
    }
    let rekey = s.is_up() && has_hs;
    // The session-control chunks (0xD6-0xD9) are always authenticated, at
    // level 0 too, so a receiver can refuse injected ones.
    let level = match s.state {
        HsState::CloseSent if has_close => 1,
        HsState::CloseSent => return false,
        _ if s.is_up() && has_ctl => s.own_level.max(1),
        _ if s.is_up() => s.own_level,
        _ => return false,
    };
    if level == 0 && !rekey {
        return false;
    }
    if s.send_keys().is_some_and(|k| k.is_gcm()) {
        protect_gcm(s, buf, zero_checksum, level, rekey, has_com);
        return true;
    }
    let mut iv = [0u8; keys::BLOCK];
    let ivl = s.send_keys().map_or(0, |k| k.suite.iv_len());
    s.fill(&mut iv[..ivl]);
    let mut out = std::mem::take(&mut s.scratch);
    out.clear();
    out.extend_from_slice(&buf[..12]);
    out[8..12].fill(0);
    let mut any_enc = false;
    walk(buf, |t, at, _, padded| {
        if encrypted(t, level, rekey) {
            any_enc = true;
        } else {
            out.extend_from_slice(&buf[at..at + padded]);
        }
        true
    });
    let Some(k) = s.send_keys() else {
        s.scratch = out;
        return false;
    };
    let (reference, mac_key_len) = (k.reference, k.suite.mac_len());
    let mut last_tsn = None;
    if any_enc {
        let enc_at = out.len();
        out.extend_from_slice(&[ty::ENC_DATA, 0, 0, 0]);
        out.extend_from_slice(&reference.to_be_bytes());
        out.extend_from_slice(&(ivl as u16).to_be_bytes());
        out.extend_from_slice(&iv[..ivl]);
        let pt_at = out.len();
        walk(buf, |t, at, len, padded| {
            if encrypted(t, level, rekey) {
                if t == std_ty::DATA || t == std_ty::I_DATA && len >= 8 {
                    last_tsn = Some(u32::from_be_bytes([
                        buf[at + 4],
                        buf[at + 5],
                        buf[at + 6],
                        buf[at + 7],
                    ]));
                }
                out.extend_from_slice(&buf[at..at + padded]);
            }
            true
        });
        // PADDING last, to the block size (9.3 b; Q3).
        // The suite's block size (AES 16, DES/3DES 8, NULL 1: none).
        let block = k.suite.block_len();
        let rem = (out.len() - pt_at) % block;
        if rem != 0 {
            // Chunks are 4-byte padded, so this is 4 to 12: a whole PADDING chunk.
            let pad = block - rem;
            out.extend_from_slice(&[ty::PADDING, 0]);
            out.extend_from_slice(&(pad as u16).to_be_bytes());
            out.resize(out.len() + pad - 4, 0);
        }
        keys::encrypt(k, &iv[..ivl], &mut out[pt_at..]);
        let len = (out.len() - enc_at) as u16;
        out[enc_at + 2..enc_at + 4].copy_from_slice(&len.to_be_bytes());
    }
    // AUTH last (5.1.13, 8).
    let auth_at = out.len();
    out.extend_from_slice(&[ty::AUTH, 0]);
    out.extend_from_slice(&((8 + mac_key_len) as u16).to_be_bytes());
    out.extend_from_slice(&reference.to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.resize(out.len() + mac_key_len, 0);
    // The HMAC field is still zeros: hash it as it is, then fill it in.
    let zeros = [0u8; 32];
    let (signed, tag) = out.split_at_mut(auth_at + 8);
    k.hmac_into(&[signed, &zeros[..mac_key_len]], tag);
    finish_protected(s, buf, out, zero_checksum, any_enc, last_tsn, has_com);
    true
}

/// The end of [`protect`] and [`protect_gcm`]: the checksum (unless zero
/// checksum is in force), the protected packet into `buf` (the old buffer
/// kept as scratch), the counters, the last encrypted TSN, and the key
/// switch after SSOpCom.
fn finish_protected(
    s: &mut Session,
    buf: &mut Vec<u8>,
    mut out: Vec<u8>,
    zero_checksum: bool,
    any_enc: bool,
    last_tsn: Option<u32>,
    has_com: bool,
) {
    if !zero_checksum {
        let c = sctp_codec::checksum::crc32c_field(&out);
        out[8..12].copy_from_slice(&c.to_be_bytes());
    }
    std::mem::swap(buf, &mut out);
    s.scratch = out;
    s.stats.packets_protected += 1;
    if any_enc {
        s.stats.encdata_out += 1;
    }
    if let Some(t) = last_tsn {
        s.last_enc_tsn = t;
        s.sent_enc = true;
    }
    if s.switch_after_com && has_com {
        s.switch_keys();
    }
}

/// [`protect`] under a private AES-GCM suite (docs/ssctp-endpoint.md
/// "Private AES-GCM suites"): the same chunk layout (clear chunks, one
/// EncData with IV length 0 and no PADDING, AUTH last), sealed in one pass:
/// GCM encrypts the EncData plaintext in place and its tag covers the rest
/// of the packet (`ssctp_gcm::aad`); AUTH carries the nonce and the tag.
fn protect_gcm(
    s: &mut Session,
    buf: &mut Vec<u8>,
    zero_checksum: bool,
    level: u8,
    rekey: bool,
    has_com: bool,
) {
    let direction = if s.client {
        ssctp_gcm::FROM_CLIENT
    } else {
        ssctp_gcm::FROM_SERVER
    };
    let mut out = std::mem::take(&mut s.scratch);
    let mut aad = std::mem::take(&mut s.plain);
    out.clear();
    out.extend_from_slice(&buf[..12]);
    out[8..12].fill(0);
    let mut any_enc = false;
    walk(buf, |t, at, _, padded| {
        if encrypted(t, level, rekey) {
            any_enc = true;
        } else {
            out.extend_from_slice(&buf[at..at + padded]);
        }
        true
    });
    let Some(k) = s.send_keys() else {
        (s.scratch, s.plain) = (out, aad);
        return;
    };
    let reference = k.reference;
    let mut last_tsn = None;
    let mut ct = out.len()..out.len();
    if any_enc {
        let enc_at = out.len();
        out.extend_from_slice(&[ty::ENC_DATA, 0, 0, 0]);
        out.extend_from_slice(&reference.to_be_bytes());
        out.extend_from_slice(&[0, 0]); // IV length 0: the nonce is in AUTH
        let pt_at = out.len();
        walk(buf, |t, at, len, padded| {
            if encrypted(t, level, rekey) {
                if (t == std_ty::DATA || t == std_ty::I_DATA) && len >= 8 {
                    last_tsn = Some(u32::from_be_bytes([
                        buf[at + 4],
                        buf[at + 5],
                        buf[at + 6],
                        buf[at + 7],
                    ]));
                }
                out.extend_from_slice(&buf[at..at + padded]);
            }
            true
        });
        let len = (out.len() - enc_at) as u16;
        out[enc_at + 2..enc_at + 4].copy_from_slice(&len.to_be_bytes());
        ct = pt_at..out.len();
    }
    // AUTH last (5.1.13, 8): header, then nonce and tag.
    let auth_at = out.len();
    out.extend_from_slice(&[ty::AUTH, 0]);
    out.extend_from_slice(&(ssctp_gcm::AUTH_LEN as u16).to_be_bytes());
    out.extend_from_slice(&reference.to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    let sealed = ssctp_gcm::aad(&out, ct.clone(), auth_at, &mut aad)
        .and_then(|()| k.gcm_seal(direction, &aad, &mut out[ct]));
    let rekey_due = k.gcm_sent() >= keys::GCM_REKEY_AFTER;
    s.plain = aad;
    let Some((nonce, tag)) = sealed else {
        // The 64-bit nonce counter is spent (2^64 packets under one key):
        // nothing goes out rather than a repeated nonce.
        buf.clear();
        s.scratch = out;
        return;
    };
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&tag);
    finish_protected(s, buf, out, zero_checksum, any_enc, last_tsn, has_com);
    if rekey_due && s.is_up() {
        // Rekey long before the nonce counter could wrap (a no-op while
        // one is under way).
        s.start_rekey();
    }
}

/// [`unprotect`] under a private AES-GCM suite, after the AUTH's reference
/// chose `key`: one GCM open checks the tag over the whole packet and
/// decrypts the EncData. Any mismatch (a changed byte anywhere, a nonce of
/// our own direction) is an authentication failure (0x0023); a plaintext
/// that opens but is not a chunk sequence is 0x0022.
fn unprotect_gcm(
    s: &mut Session,
    bytes: &[u8],
    auth_at: usize,
    key: &ssctp_gcm::GcmKey,
    completes_rekey: bool,
    out: &mut Vec<u8>,
) -> Verdict {
    // The peer's nonces carry the peer's direction: a packet of ours
    // reflected back does not verify.
    let peer = if s.client {
        ssctp_gcm::FROM_SERVER
    } else {
        ssctp_gcm::FROM_CLIENT
    };
    // The clear chunks first, then the ciphertext opened in place after
    // them: the plaintext is written once, where the association reads it.
    out.clear();
    out.extend_from_slice(&bytes[..12]);
    let mut any_enc = false;
    walk(&bytes[..auth_at], |t, at, _, padded| {
        if t == ty::ENC_DATA {
            any_enc = true;
        } else {
            out.extend_from_slice(&bytes[at..at + padded]);
        }
        true
    });
    let pt_at = out.len();
    let mut aad = std::mem::take(&mut s.plain);
    let ok = bytes.len() >= auth_at + 12
        && bytes[auth_at + 8..auth_at + 12] == peer.to_be_bytes()
        && ssctp_gcm::open_packet(key, bytes, auth_at, &mut aad, out);
    s.plain = aad;
    if !ok {
        auth_failure(s);
        return Verdict::Drop;
    }
    s.peer_protecting = true;
    s.stats.packets_verified += 1;
    if completes_rekey {
        s.complete_rekey();
    }
    // Whole chunks; PADDING (0x12, or RFC 4820's 0x84) removed in place.
    let (mut at, mut to) = (pt_at, pt_at);
    while at + 4 <= out.len() {
        let len = u16::from_be_bytes([out[at + 2], out[at + 3]]) as usize;
        if len < 4 || at + len > out.len() {
            break;
        }
        let padded = ((len + 3) & !3).min(out.len() - at);
        if out[at] != ty::PADDING && out[at] != 0x84 {
            if to != at {
                out.copy_within(at..at + padded, to);
            }
            to += padded;
        }
        at += padded;
    }
    if at != out.len() {
        decrypt_failure(s);
        return Verdict::Drop;
    }
    out.truncate(to);
    if any_enc {
        s.stats.encdata_in += 1;
    }
    Verdict::Replaced
}

fn auth_failure(s: &mut Session) {
    s.stats.auth_failures += 1;
    s.errors_out
        .push_back(super::handshake::cause_tlv(cause::AUTHENTICATION, None));
    s.events.push_back(SecEvent::Failure {
        cause: cause::AUTHENTICATION,
        code: None,
        remote: false,
    });
}

fn decrypt_failure(s: &mut Session) {
    s.stats.decrypt_failures += 1;
    s.errors_out
        .push_back(super::handshake::cause_tlv(cause::DECRYPTION, None));
    s.events.push_back(SecEvent::Failure {
        cause: cause::DECRYPTION,
        code: None,
        remote: false,
    });
}

/// Checks and unwraps a received packet (`bytes`, checksum verified). On
/// [`Verdict::Replaced`] `out` holds the packet to process: the common
/// header, the clear chunks, then the decrypted ones, without AUTH,
/// EncData and PADDING.
pub fn unprotect(s: &mut Session, bytes: &[u8], out: &mut Vec<u8>) -> Verdict {
    if s.send_ref.is_none() && s.keys(0).is_none() {
        return Verdict::Clear;
    }
    let mut last = None;
    let (mut any_enc, mut only_exempt, mut only_leg3) = (false, true, true);
    if !walk(bytes, |t, at, len, _| {
        last = Some((t, at, len));
        any_enc |= t == ty::ENC_DATA;
        only_exempt &= exempt(t) || t == std_ty::ABORT;
        // The client's leg 3 again (our SSOpCom was lost): in clear.
        only_leg3 &= t == ty::SS_CLI_KEY || t == ty::SS_OP_COM;
        true
    }) {
        // A chunk runs past the packet's end: no AUTH can be last. The
        // association would still read the whole chunks before it, so
        // while the peer must protect, the packet is dropped like any
        // unauthenticated one (found while extending the fuzz target to S-SCTP:
        // DATA followed by a truncated chunk was delivered without AUTH).
        if any_enc || (s.peer_protecting && s.peer_level >= 1 && s.is_up()) {
            s.stats.unauthenticated += 1;
            return Verdict::Drop;
        }
        return Verdict::Clear;
    }
    let auth = last.filter(|(t, _, len)| *t == ty::AUTH && *len >= 8);
    let Some((_, auth_at, auth_len)) = auth else {
        if any_enc {
            // EncData without AUTH (7: a packet with EncData MUST carry AUTH).
            s.stats.unauthenticated += 1;
            return Verdict::Drop;
        }
        if s.peer_protecting && s.peer_level >= 1 && s.is_up() && !only_exempt && !only_leg3 {
            s.stats.unauthenticated += 1;
            return Verdict::Drop;
        }
        return Verdict::Clear;
    };
    let reference = u16::from_be_bytes([bytes[auth_at + 4], bytes[auth_at + 5]]);
    let mut completes_rekey = false;
    let k = match s.keys(reference) {
        Some(k) => k,
        // The initiator of our rekey already uses the new keys: its
        // SSOpCom was lost or overtaken. A packet that verifies under them
        // completes the rekey (row 28 would discard it; docs).
        None => match s.pending_keys().filter(|k| k.reference == reference) {
            Some(k) => {
                completes_rekey = true;
                k
            }
            None => {
                // Keys we do not have (yet): row 28, discard.
                s.stats.unknown_key += 1;
                return Verdict::Drop;
            }
        },
    };
    if let Some(key) = k.gcm_key().cloned() {
        return unprotect_gcm(s, bytes, auth_at, &key, completes_rekey, out);
    }
    let mac_len = auth_len - 8;
    let zeros = [0u8; 32];
    let ok = mac_len == k.suite.mac_len()
        && k.hmac_ok(
            &[
                &bytes[..8],
                &[0; 4],
                &bytes[12..auth_at + 8],
                &zeros[..mac_len],
                &bytes[auth_at + auth_len..],
            ],
            &bytes[auth_at + 8..auth_at + auth_len],
        );
    if !ok {
        // Row 36: discard, ERROR 0x0023.
        auth_failure(s);
        return Verdict::Drop;
    }
    s.peer_protecting = true;
    s.stats.packets_verified += 1;
    if completes_rekey {
        s.complete_rekey();
    }
    out.clear();
    out.extend_from_slice(&bytes[..12]);
    let mut bad = false;
    let mut plain = std::mem::take(&mut s.plain);
    plain.clear();
    walk(bytes, |t, at, len, padded| {
        match t {
            ty::AUTH if at == auth_at => {}
            ty::ENC_DATA => {
                let v = &bytes[at + 4..at + len];
                if v.len() < 4 {
                    bad = true;
                    return false;
                }
                let r = u16::from_be_bytes([v[0], v[1]]);
                let ivl = u16::from_be_bytes([v[2], v[3]]) as usize;
                let Some(k) = s.keys(r) else {
                    bad = true;
                    return false;
                };
                if v.len() < 4 + ivl {
                    bad = true;
                    return false;
                }
                let at_plain = plain.len();
                plain.extend_from_slice(&v[4 + ivl..]);
                if !keys::decrypt(k, &v[4..4 + ivl], &mut plain[at_plain..]) {
                    bad = true;
                    return false;
                }
            }
            _ => out.extend_from_slice(&bytes[at..at + padded]),
        }
        true
    });
    if bad {
        s.plain = plain;
        decrypt_failure(s);
        return Verdict::Drop;
    }
    // The decrypted chunks, without PADDING (0x12, or RFC 4820's 0x84).
    let mut at = 0;
    while at + 4 <= plain.len() {
        let len = u16::from_be_bytes([plain[at + 2], plain[at + 3]]) as usize;
        if len < 4 || at + len > plain.len() {
            s.plain = plain;
            decrypt_failure(s);
            return Verdict::Drop;
        }
        let padded = ((len + 3) & !3).min(plain.len() - at);
        if plain[at] != ty::PADDING && plain[at] != 0x84 {
            out.extend_from_slice(&plain[at..at + padded]);
        }
        at += padded;
    }
    let whole = at == plain.len();
    s.plain = plain;
    if !whole {
        decrypt_failure(s);
        return Verdict::Drop;
    }
    if any_enc {
        s.stats.encdata_in += 1;
    }
    Verdict::Replaced
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secure::suite::Suite;

    fn packet() -> Vec<u8> {
        // Common header, then SACK (16 bytes) and DATA with 5 bytes of data.
        let mut p = vec![0x13, 0x88, 0x13, 0x89, 1, 2, 3, 4, 0, 0, 0, 0];
        p.extend_from_slice(&[3, 0, 0, 16, 0, 0, 0, 9, 0, 1, 0, 0, 0, 0, 0, 0]);
        p.extend_from_slice(&[0, 3, 0, 21, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 51]);
        p.extend_from_slice(b"hello\0\0\0");
        p
    }

    fn pair(level: u8) -> (Session, Session) {
        let k = keys::derive(b"shared key material", Suite::by_id(12).unwrap(), 0);
        (
            Session::up_with(level, k.clone()),
            Session::up_with(level, k),
        )
    }

    #[test]
    fn levels_protect_and_unwrap() {
        for level in 1..=3u8 {
            let (mut a, mut b) = pair(level);
            let mut p = packet();
            protect(&mut a, &mut p, false);
            let types: Vec<u8> = {
                let mut t = Vec::new();
                walk(&p, |ty, _, _, _| {
                    t.push(ty);
                    true
                });
                t
            };
            let want: &[u8] = match level {
                1 => &[3, 0, ty::AUTH],
                2 => &[3, ty::ENC_DATA, ty::AUTH],
                _ => &[ty::ENC_DATA, ty::AUTH],
            };
            assert_eq!(types, want, "level {level}");
            assert_eq!(
                sctp_codec::checksum::crc32c_field(&p),
                u32::from_be_bytes([p[8], p[9], p[10], p[11]])
            );
            let mut out = Vec::new();
            assert_eq!(unprotect(&mut b, &p, &mut out), Verdict::Replaced);
            // The same chunks come out (SACK, DATA; PADDING removed).
            assert_eq!(&out[12..], &packet()[12..], "level {level}");
        }
    }

    #[test]
    fn whole_chunks_then_a_truncated_one_are_not_let_through_in_clear() {
        // Regression: a packet whose last chunk runs past the end failed
        // the chunk walk and went through as Clear, so the DATA before it
        // reached the association without AUTH while the peer protects.
        for level in 1..=3u8 {
            let (mut a, mut b) = pair(level);
            let mut p = packet();
            protect(&mut a, &mut p, false);
            let mut out = Vec::new();
            assert_eq!(unprotect(&mut b, &p, &mut out), Verdict::Replaced);
            let mut q = packet();
            // A DATA chunk header claiming 64 bytes with 4 present.
            q.extend_from_slice(&[0, 3, 0, 64]);
            assert_eq!(
                unprotect(&mut b, &q, &mut out),
                Verdict::Drop,
                "level {level}"
            );
            assert_eq!(b.stats.unauthenticated, 1);
            // The same with an EncData header: dropped too.
            let mut r = packet();
            r.extend_from_slice(&[ty::ENC_DATA, 0, 0, 200]);
            assert_eq!(unprotect(&mut b, &r, &mut out), Verdict::Drop);
        }
        // Before the peer protects anything, a malformed clear packet is
        // the association's to judge.
        let (_, mut c) = pair(1);
        c.peer_protecting = false;
        let mut q = packet();
        q.extend_from_slice(&[0, 3, 0, 64]);
        assert_eq!(unprotect(&mut c, &q, &mut Vec::new()), Verdict::Clear);
    }

    fn gcm_pair(level: u8) -> (Session, Session) {
        let suite = Suite::by_id(crate::secure::suite::GCM_128).unwrap();
        let k = keys::derive(b"shared key material", suite, 0);
        let (a, mut b) = (
            Session::up_with(level, k.clone()),
            Session::up_with(level, k),
        );
        b.client = true; // a (server) sends, b (client) receives
        (a, b)
    }

    #[test]
    fn gcm_levels_protect_and_unwrap_in_one_pass() {
        for level in 1..=3u8 {
            let (mut a, mut b) = gcm_pair(level);
            let mut p = packet();
            protect(&mut a, &mut p, false);
            let n = p.len();
            // AUTH last, Length 36: header, nonce (server direction 1,
            // counter 0), tag.
            assert_eq!(p[n - 36..n - 32], [ty::AUTH, 0, 0, 36], "level {level}");
            assert_eq!(p[n - 28..n - 16], [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
            let mut out = Vec::new();
            assert_eq!(unprotect(&mut b, &p, &mut out), Verdict::Replaced);
            assert_eq!(&out[12..], &packet()[12..], "level {level}");
            // Reflected to its sender: the nonce has the wrong direction.
            assert_eq!(unprotect(&mut a, &p, &mut out), Verdict::Drop);
            assert_eq!(a.stats.auth_failures, 1);
            // Every byte but the checksum is covered by the tag.
            for i in (0..n).filter(|i| !(8..12).contains(i)) {
                let mut q = p.clone();
                q[i] ^= 0x80;
                let before = b.stats.auth_failures + b.stats.unauthenticated + b.stats.unknown_key;
                assert_eq!(unprotect(&mut b, &q, &mut out), Verdict::Drop, "byte {i}");
                let after = b.stats.auth_failures + b.stats.unauthenticated + b.stats.unknown_key;
                assert_eq!(after, before + 1, "byte {i}");
            }
            assert_eq!(b.stats.decrypt_failures, 0);
        }
    }

    #[test]
    fn gcm_plaintext_padding_chunks_are_removed() {
        let (mut a, mut b) = gcm_pair(3);
        let mut p = packet();
        // A PADDING chunk (0x12, 8 bytes) and an RFC 4820 PAD (0x84) in
        // the middle: both go inside EncData and come out removed.
        let data = p.split_off(28);
        p.extend_from_slice(&[ty::PADDING, 0, 0, 8, 0, 0, 0, 0]);
        p.extend_from_slice(&[0x84, 0, 0, 5, 9, 0, 0, 0]);
        p.extend_from_slice(&data);
        protect(&mut a, &mut p, false);
        let mut out = Vec::new();
        assert_eq!(unprotect(&mut b, &p, &mut out), Verdict::Replaced);
        assert_eq!(&out[12..], &packet()[12..]);
    }

    #[test]
    fn gcm_starts_a_rekey_before_the_nonce_counter_runs_out() {
        let (mut a, _) = gcm_pair(3);
        a.send_keys()
            .unwrap()
            .set_gcm_sent(keys::GCM_REKEY_AFTER - 2);
        let mut p = packet();
        protect(&mut a, &mut p, false);
        assert_eq!(a.state, HsState::Established, "not yet");
        let mut p = packet();
        protect(&mut a, &mut p, false);
        assert_eq!(a.state, HsState::RekeySent);
        // A spent counter never repeats a nonce: nothing goes out.
        a.send_keys().unwrap().set_gcm_sent(u64::MAX);
        let mut p = packet();
        protect(&mut a, &mut p, false);
        assert!(p.is_empty());
    }

    #[test]
    fn bad_hmac_and_bad_ciphertext_get_their_causes() {
        let (mut a, mut b) = pair(2);
        let mut p = packet();
        protect(&mut a, &mut p, false);
        let mut out = Vec::new();
        // One bit of the HMAC: 0x0023.
        let mut bad = p.clone();
        let n = bad.len();
        bad[n - 1] ^= 1;
        assert_eq!(unprotect(&mut b, &bad, &mut out), Verdict::Drop);
        assert_eq!(b.stats.auth_failures, 1);
        assert_eq!(b.errors_out.pop_front().unwrap()[..2], [0x00, 0x23]);
        // A ciphertext that is not whole blocks, with a valid HMAC (the
        // sender has the keys): 0x0022.
        let mut at = 12;
        while p[at] != ty::ENC_DATA {
            at += ((u16::from_be_bytes([p[at + 2], p[at + 3]]) as usize) + 3) & !3;
        }
        let enc_len = u16::from_be_bytes([p[at + 2], p[at + 3]]) as usize;
        let mut q = p[..at + enc_len - 4].to_vec();
        let l = (enc_len - 4) as u16;
        q[at + 2..at + 4].copy_from_slice(&l.to_be_bytes());
        let k = b.send_keys().unwrap().clone();
        let auth_at = q.len();
        q.extend_from_slice(&[ty::AUTH, 0, 0, 28, 0, 0, 0, 0]);
        q.resize(auth_at + 28, 0);
        q[8..12].fill(0);
        let tag = keys::hmac(k.suite.mac, &k.mac, &[&q]);
        q[auth_at + 8..].copy_from_slice(&tag);
        assert_eq!(unprotect(&mut b, &q, &mut out), Verdict::Drop);
        assert_eq!(b.stats.decrypt_failures, 1);
        assert_eq!(b.errors_out.pop_front().unwrap()[..2], [0x00, 0x22]);
        // Unauthenticated clear packets are refused once the peer protects.
        assert_eq!(unprotect(&mut b, &packet(), &mut out), Verdict::Drop);
        assert_eq!(b.stats.unauthenticated, 1);
        // The good packet still passes.
        assert_eq!(unprotect(&mut b, &p, &mut out), Verdict::Replaced);
    }
}
