//! S-SCTP cipher suites (draft-hohendorf-secure-sctp-15 5.1.1, 5.1.4,
//! 5.1.5, 9.5, 9.6) between two sctpkit endpoints on a virtual clock:
//! every suite of the table (RSA and DH key exchange; AES, 3DES, DES and
//! NULL) opens a session, carries 1,000 messages and rekeys; RSA, ECDSA
//! and Ed25519 certificates sign the handshake; an RSA server with an
//! untrusted certificate is refused with cause 0x0021; an insecure suite
//! is never negotiated unless the client lists it, even when the server
//! prefers it or picks it anyway; DH public values 1 and P-1 are refused;
//! `sctp-craft dissect` names the negotiated suite in a recorded capture.
//! Certificates: endpoint/tests/data/ssctp (made by make-certs.sh there).

use std::time::Duration;

use sctp_endpoint::driver::memlink::{Impairment, Network};
use sctp_endpoint::secure::{Credentials, Requirement, SecureConfig};
use sctp_endpoint::{AssocId, Config, Event};

mod ssctp_pump;
use ssctp_pump::keylog::{dissect, keylog_lines, sctp_craft, seen};
use ssctp_pump::net::{assoc_up, connect, count, data, exchange, secure_up, two_nodes, A, B, TIME};
use ssctp_pump::Pump;

/// `who`'s certificate and key; trusting the three test roots (Ed25519,
/// RSA, ECDSA), not rogue-ca.
fn creds(who: &str) -> Credentials {
    let mut trust = Vec::new();
    for ca in ["ca.pem", "rsa-ca.pem", "ec-ca.pem"] {
        trust.extend(Credentials::pem_certs(&data(ca)).unwrap());
    }
    Credentials {
        chain: Credentials::pem_certs(&data(&format!("{who}.pem"))).unwrap(),
        key: Some(Credentials::pkcs8_key(&data(&format!("{who}.key"))).unwrap()),
        trust,
        pinned: Vec::new(),
        time: Some(TIME),
    }
}

fn secure(level: u8, who: &str, suites: &[u16]) -> SecureConfig {
    SecureConfig {
        level,
        requirement: Requirement::Use,
        credentials: creds(who),
        suites: suites.to_vec(),
        lifetime: None,
        ..Default::default()
    }
}

/// No certificates at all: the key chunks carry no signature.
fn anonymous(level: u8) -> SecureConfig {
    SecureConfig {
        level,
        requirement: Requirement::Use,
        require_peer_cert: false,
        lifetime: None,
        ..Default::default()
    }
}

fn base() -> Config {
    Config {
        rto_min: Duration::from_millis(100),
        rto_initial: Duration::from_millis(300),
        ..Config::default()
    }
}

fn cfg(s: SecureConfig) -> Config {
    Config {
        secure: Some(s),
        ..base()
    }
}

fn net(a: SecureConfig, b: SecureConfig) -> (Network, AssocId) {
    let mut n = two_nodes(cfg(a), cfg(b), Impairment::default(), 7, 1, 2);
    let a = connect(&mut n);
    (n, a)
}

fn failure(n: &Network, node: usize) -> Option<(u16, Option<u16>, bool)> {
    n.events[node].iter().find_map(|e| match e {
        Event::SecureFailure {
            cause,
            code,
            remote,
            ..
        } => Some((*cause, *code, *remote)),
        _ => None,
    })
}

/// A session with `suite` only on both sides at `level`; 1,000 messages,
/// a rekey from each side, 200 more.
fn session(suite: u16, level: u8, client: &str, server: &str) {
    let (mut n, a) = net(
        secure(level, client, &[suite]),
        secure(level, server, &[suite]),
    );
    assert!(
        n.run_until(Duration::from_secs(30), |n| secure_up(n, A)
            && secure_up(n, B)),
        "suite {suite}: no secure session: {:?} / {:?}",
        failure(&n, A),
        failure(&n, B)
    );
    let b = assoc_up(&n, B).expect("association up");
    let sa = n.ep(A).status(a).unwrap().secure.unwrap();
    assert_eq!(sa.suite, Some(suite));
    assert_eq!(sa.levels, (level, level));
    exchange(&mut n, a, 0, 1000);
    let sb = n.ep(B).status(b).unwrap().secure.unwrap().stats;
    assert!(sb.packets_verified > 50, "suite {suite}: {sb:?}");
    assert_eq!(
        sb.auth_failures + sb.decrypt_failures + sb.unauthenticated,
        0
    );
    if level >= 2 {
        assert!(sb.encdata_in > 50, "suite {suite}: DATA went in EncData");
    }
    // Rekeys (9.6: random numbers encrypted with the current key, the
    // suite's cipher and block size) from each side.
    for (who, id, r) in [(B, b, 1u16), (A, a, 2)] {
        assert!(n.ep(who).rekey(id), "suite {suite}: rekey {r}");
        assert!(
            n.run_until(Duration::from_secs(10), |n| {
                count(
                    n,
                    A,
                    |e| matches!(e, Event::SecureRekeyed { reference, .. } if *reference == r),
                ) == 1
                    && count(
                        n,
                        B,
                        |e| matches!(e, Event::SecureRekeyed { reference, .. } if *reference == r),
                    ) == 1
            }),
            "suite {suite}: rekey {r} did not complete"
        );
    }
    exchange(&mut n, a, 1000, 200);
    assert_eq!(failure(&n, A), None, "suite {suite}");
    assert_eq!(failure(&n, B), None, "suite {suite}");
}

#[test]
fn rsa_key_exchange_suites_with_aes() {
    // 5, 6, 17-20: RSA certificates (server signed with RSASSA-PSS by its CA,
    // client with PKCS#1 v1.5); each level at least once.
    for (suite, level) in [(5, 1), (6, 2), (17, 3), (18, 1), (19, 2), (20, 3)] {
        session(suite, level, "rsa-client", "rsa-server");
    }
}

#[test]
fn insecure_suites_when_both_sides_list_them() {
    // 3DES (3, 4, 9, 10), DES (1, 2, 7, 8) and NULL (13-16), RSA and DH.
    for (suite, level) in [(3, 1), (4, 2), (9, 3), (10, 2)] {
        let (c, s) = if suite < 5 {
            ("rsa-client", "rsa-server")
        } else {
            ("client", "server")
        };
        session(suite, level, c, s);
    }
    for (suite, level) in [(1, 2), (2, 3), (7, 1), (8, 3)] {
        let (c, s) = if suite < 5 {
            ("rsa-client", "rsa-server")
        } else {
            ("client", "server")
        };
        session(suite, level, c, s);
    }
    for (suite, level) in [(13, 1), (14, 2), (15, 3), (16, 2)] {
        let (c, s) = if suite < 15 {
            ("rsa-client", "rsa-server")
        } else {
            ("client", "server")
        };
        session(suite, level, c, s);
    }
}

#[test]
fn dh_suites_with_ecdsa_and_rsa_certificates() {
    // Handshake signatures in the certificate's algorithm: ECDSA P-256 from
    // the server, RSA PKCS#1 v1.5 from the client, on DH suites.
    session(24, 3, "rsa-client", "ec-server");
    session(12, 1, "client", "ec-server");
}

#[test]
fn rsa_server_with_an_untrusted_certificate_is_refused() {
    // The server's RSA certificate is signed by rogue-ca: the client refuses
    // it with cause 0x0021 (6.2) and never sends its random number.
    let (mut n, _) = net(secure(1, "rsa-client", &[6]), secure(1, "rsa-rogue", &[6]));
    assert!(n.run_until(Duration::from_secs(10), |n| failure(n, A).is_some()));
    assert_eq!(failure(&n, A), Some((0x0021, None, false)));
    assert!(!secure_up(&n, A) && !secure_up(&n, B));
    // The other way round: the server refuses the client's rogue RSA certificate.
    let (mut n, _) = net(secure(1, "rsa-rogue", &[6]), secure(1, "rsa-server", &[6]));
    assert!(n.run_until(Duration::from_secs(10), |n| failure(n, B).is_some()));
    assert_eq!(failure(&n, B), Some((0x0021, None, false)));
    assert!(!secure_up(&n, A) && !secure_up(&n, B));
    // A server whose certificate is not RSA cannot serve an RSA suite: no
    // suite in common (0x0020 code 4), rather than a DH exchange under an
    // RSA suite number.
    let (mut n, _) = net(
        secure(1, "rsa-client", &[6, 20]),
        secure(1, "server", &[6, 20]),
    );
    assert!(n.run_until(Duration::from_secs(10), |n| failure(n, B).is_some()));
    assert_eq!(failure(&n, B), Some((0x0020, Some(4), false)));
    // With a DH suite listed too, the same pair settles on it.
    let (mut n, a) = net(
        secure(1, "rsa-client", &[6, 12]),
        secure(1, "server", &[6, 12]),
    );
    assert!(n.run_until(Duration::from_secs(10), |n| secure_up(n, A)
        && secure_up(n, B)));
    assert_eq!(n.ep(A).status(a).unwrap().secure.unwrap().suite, Some(12));
}

#[test]
fn insecure_suite_never_negotiated_unless_the_client_lists_it() {
    // The server prefers DES and 3DES; the client lists none (its default):
    // the session runs a suite of the client's list.
    let (mut n, a) = net(
        secure(2, "client", &[]),
        secure(2, "server", &[8, 10, 7, 24]),
    );
    assert!(n.run_until(Duration::from_secs(10), |n| secure_up(n, A)
        && secure_up(n, B)));
    assert_eq!(n.ep(A).status(a).unwrap().secure.unwrap().suite, Some(24));
    // A server that offers only insecure suites gets no session.
    let (mut n, _) = net(secure(2, "client", &[]), secure(2, "server", &[8, 16]));
    assert!(n.run_until(Duration::from_secs(10), |n| failure(n, B).is_some()));
    assert_eq!(failure(&n, B), Some((0x0020, Some(4), false)));
    assert!(!secure_up(&n, A));
    // A client listing an insecure suite is refused by a default server.
    let (mut n, _) = net(secure(2, "client", &[8]), secure(2, "server", &[]));
    assert!(n.run_until(Duration::from_secs(10), |n| failure(n, B).is_some()));
    assert_eq!(failure(&n, B), Some((0x0020, Some(4), false)));

    // A server that picks DES anyway (its SSOpReq_Ack rewritten in flight):
    // the client refuses the suite it did not offer (code 4).
    // Here A is the S-SCTP server (level 0: it only answers), B the client.
    let server = SecureConfig {
        suites: vec![8, 24],
        ..anonymous(0)
    };
    let mut p = Pump::new(cfg(server), cfg(anonymous(1)));
    p.tamper = Some(ack_suite(8));
    p.connect();
    let failed = |p: &Pump| {
        p.has(B, |e| {
            matches!(
                e,
                Event::SecureFailure {
                    cause: 0x0020,
                    code: Some(4),
                    remote: false,
                    ..
                }
            )
        })
    };
    assert!(
        p.run(Duration::from_secs(20), |p| failed(p)),
        "{:?}",
        p.events[B]
    );
    assert!(p.tampered >= 1);
    assert!(!p.has(B, |e| matches!(e, Event::SecureSessionUp { .. })));
}

#[test]
fn rsa_suite_from_a_server_without_an_rsa_certificate_is_refused() {
    // A server (A here: level 0, it only answers) whose SSOpReq_Ack names
    // RSA_with_AES-128_CBC_SHA-1 although its (trusted) certificate is
    // Ed25519: the client has no RSA key to encrypt to and refuses the
    // certificate (0x0021) instead of sending its random number.
    let mut p = Pump::new(
        cfg(secure(0, "server", &[12])),
        cfg(secure(1, "client", &[6, 12])),
    );
    p.tamper = Some(ack_suite(6));
    p.connect();
    let refused = |p: &Pump| {
        p.has(B, |e| {
            matches!(
                e,
                Event::SecureFailure {
                    cause: 0x0021,
                    remote: false,
                    ..
                }
            )
        })
    };
    assert!(p.run(Duration::from_secs(20), refused), "{:?}", p.events[B]);
    assert!(p.tampered >= 1);
    assert!(!p.has(B, |e| matches!(e, Event::SecureSessionUp { .. })));
    // The SSCliKey was never sent.
    let cli_keys = p
        .frames
        .iter()
        .filter(|f| ssctp_pump::chunk_types(&f.3).contains(&0xD4))
        .count();
    assert_eq!(cli_keys, 0);
}

/// Rewrites the suite named in every SSOpReq_Ack (0xD2) from A to `suite`,
/// fixing the CRC32c.
fn ack_suite(suite: u16) -> ssctp_pump::Tamper {
    Box::new(move |pkt: &mut Vec<u8>| {
        let mut at = 12;
        while at + 4 <= pkt.len() {
            let len = u16::from_be_bytes([pkt[at + 2], pkt[at + 3]]) as usize;
            if pkt[at] == 0xD2 && len >= 8 {
                pkt[at + 6..at + 8].copy_from_slice(&suite.to_be_bytes());
                let c = sctp_codec::checksum::crc32c_field(pkt);
                pkt[8..12].copy_from_slice(&c.to_be_bytes());
                return true;
            }
            at += (len.max(4) + 3) & !3;
        }
        false
    })
}

/// Rewrites the DH public value of the first SSCliKey from A (the S-SCTP
/// client) to `y` (256 bytes), fixing the CRC32c.
fn cli_key_y(y: Vec<u8>) -> ssctp_pump::Tamper {
    let mut armed = true;
    Box::new(move |pkt: &mut Vec<u8>| {
        let mut at = 12;
        while armed && at + 4 <= pkt.len() {
            let len = u16::from_be_bytes([pkt[at + 2], pkt[at + 3]]) as usize;
            if pkt[at] == 0xD4 && len >= 8 + 256 {
                pkt[at + 8..at + 8 + 256].copy_from_slice(&y);
                let c = sctp_codec::checksum::crc32c_field(pkt);
                pkt[8..12].copy_from_slice(&c.to_be_bytes());
                armed = false;
                return true;
            }
            at += (len.max(4) + 3) & !3;
        }
        false
    })
}

#[test]
fn dh_public_value_one_or_p_minus_one_is_refused() {
    // RFC 7919 A.1 ffdhe2048, as the draft's DH parameter carries it.
    let p: Vec<u8> = hex::decode(concat!(
        "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695A9E13641146433FBCC939DCE249B3EF9",
        "7D2FE363630C75D8F681B202AEC4617AD3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935",
        "984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FB",
        "B96ADAB760D7F4681D4F42A3DE394DF4AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61",
        "9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005C58EF1837D1683B2C6F34A26C1B2EFFA",
        "886B423861285C97FFFFFFFFFFFFFFFF"
    ))
    .unwrap();
    let mut one = vec![0u8; 256];
    one[255] = 1;
    let mut p_minus_1 = p.clone();
    p_minus_1[255] -= 1;
    for (name, y) in [("1", one), ("P-1", p_minus_1)] {
        // No certificates: nothing signs the value, only the range check
        // stands between it and a shared secret of 1 or +-1. Without it
        // the server would go on and fail later at SSOpCom (code 2).
        let mut p = Pump::new(cfg(anonymous(1)), cfg(anonymous(1)));
        p.tamper = Some(cli_key_y(y));
        p.connect();
        let refused = |p: &Pump| {
            p.has(B, |e| {
                matches!(
                    e,
                    Event::SecureFailure {
                        cause: 0x0020,
                        code: Some(1),
                        remote: false,
                        ..
                    }
                )
            })
        };
        assert!(
            p.run(Duration::from_secs(20), |p| refused(p)),
            "Y = {name}: {:?}",
            p.events[B]
        );
        assert_eq!(p.tampered, 1);
        assert!(
            !p.has(B, |e| matches!(e, Event::SecureSessionUp { .. })),
            "Y = {name}"
        );
    }
    // Untampered, the same anonymous pair comes up.
    let mut p = Pump::new(cfg(anonymous(1)), cfg(anonymous(1)));
    p.connect();
    assert!(p.run(Duration::from_secs(20), Pump::both_secure));
}

#[test]
fn sctp_craft_names_the_negotiated_suites() {
    let exe = sctp_craft();
    assert!(
        exe.exists(),
        "{} is not built: cargo build --release -p sctp-craft",
        exe.display()
    );
    let dir = std::env::temp_dir().join(format!("sctpkit-ssctp-suites-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (suite, name, client, server) in [
        (6, "RSA_with_AES-128_CBC_SHA-1", "rsa-client", "rsa-server"),
        (8, "DH_with_DES_CBC_SHA-1", "client", "server"),
        (14, "RSA_with_NULL_SHA-1", "rsa-client", "rsa-server"),
    ] {
        let mut p = Pump::new(
            cfg(secure(2, client, &[suite])),
            cfg(secure(2, server, &[suite])),
        );
        let a = p.connect();
        assert!(p.run(Duration::from_secs(10), Pump::both_secure));
        p.eps[A]
            .send(a, 0, 51, false, b"under the suite".to_vec())
            .unwrap();
        assert!(p.run(Duration::from_secs(10), |p| p
            .has(B, |e| matches!(e, Event::Message { .. }))));
        let path = dir.join(format!("suite-{suite}.pcapng"));
        std::fs::write(&path, p.pcapng()).unwrap();
        let out = std::process::Command::new(&exe)
            .args(["dissect", "--dialect", "ssctp", "--json"])
            .arg(&path)
            .output()
            .expect("sctp-craft runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(name),
            "sctp-craft does not name suite {suite} ({name})"
        );
        assert_eq!(
            text.lines().count(),
            p.frames.len(),
            "one JSON line per packet"
        );
        for l in text.lines() {
            assert!(
                !l.to_lowercase().contains("malformed"),
                "suite {suite}: malformed: {l}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The analysis (`sctp-craft dissect --analysis --keys`) verifies every
/// S-SCTP AUTH and decrypts every EncData of RSA-exchange sessions from the
/// endpoints' exported keys (the same records as the DH suites).
#[test]
fn sctp_craft_analysis_reads_rsa_suite_sessions_from_the_key_log() {
    let exe = sctp_craft();
    assert!(exe.exists(), "{} is not built", exe.display());
    let dir = std::env::temp_dir().join(format!("sctpkit-ssctp-rsa-keys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for suite in [6u16, 19] {
        let mut c = secure(3, "rsa-client", &[suite]);
        let mut s = secure(3, "rsa-server", &[suite]);
        c.export_keys = true;
        s.export_keys = true;
        let mut p = Pump::new(cfg(c), cfg(s));
        let a = p.connect();
        assert!(p.run(Duration::from_secs(10), Pump::both_secure));
        for i in 0..5 {
            p.eps[A]
                .send(
                    a,
                    0,
                    51,
                    false,
                    format!("rsa suite message {i}").into_bytes(),
                )
                .unwrap();
        }
        let got = |p: &Pump| {
            p.events[B]
                .iter()
                .filter(|e| matches!(e, Event::Message { .. }))
                .count()
                == 5
        };
        assert!(p.run(Duration::from_secs(10), got));
        let keys = keylog_lines(&p);
        assert!(keys.lines().count() >= 2, "both sides export their keys");
        let cap = dir.join(format!("rsa-{suite}.pcapng"));
        let kf = dir.join(format!("rsa-{suite}.keys"));
        std::fs::write(&cap, p.pcapng()).unwrap();
        std::fs::write(&kf, &keys).unwrap();
        let got = seen(&dissect(&cap, &kf));
        let auth: Vec<String> = got.auth.into_iter().map(|a| a.1).collect();
        let enc: Vec<String> = got.encdata.into_iter().map(|e| e.1).collect();
        let plain: Vec<String> = got
            .payloads
            .into_iter()
            .map(|d| String::from_utf8(d).unwrap())
            .collect();
        // One verdict per frame that ends in an S-SCTP AUTH, counted from the bytes.
        let protected = p
            .frames
            .iter()
            .filter(|f| ssctp_pump::chunk_types(&f.3).last() == Some(&0x11))
            .count();
        assert!(
            protected >= 2,
            "suite {suite}: {protected} protected frames"
        );
        assert_eq!(auth.len(), protected, "suite {suite}: {auth:?}");
        assert!(
            auth.iter().all(|a| a == "verified"),
            "suite {suite}: {auth:?}"
        );
        assert!(
            !enc.is_empty() && enc.iter().all(|e| e == "decrypted"),
            "suite {suite}: {enc:?}"
        );
        for i in 0..5 {
            let m = format!("rsa suite message {i}");
            assert!(
                plain.contains(&m),
                "suite {suite}: {m} not decrypted: {plain:?}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
