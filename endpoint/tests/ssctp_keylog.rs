//! S-SCTP key logs (docs/auth-keys.md, `SSCTP` lines): two endpoints with
//! `SecureConfig::export_keys` at levels 1, 2 and 3 on a virtual clock,
//! recorded as pcapng; `sctp-craft dissect --analysis --keys` with the keys
//! they exported verifies every S-SCTP AUTH chunk (draft-hohendorf-secure-sctp-15
//! 5.1.13) and decrypts every EncData (5.1.11) to the messages the test
//! sent; a byte flipped in one EncData is bad-hmac on that frame only, a
//! wrong key flags every frame, a rekey mid-capture keeps verifying.
//! Certificates: endpoint/tests/data/ssctp.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sctp_endpoint::secure::{Credentials, Requirement, SecureConfig};
use sctp_endpoint::Config;

mod ssctp_pump;
use ssctp_pump::keylog::{dissect, flip_third_encdata, keylog_lines, protected, sctp_craft, seen};
use ssctp_pump::net::{data, ip, TIME};
use ssctp_pump::{chunk_types, Pump, Tamper};

fn config(level: u8, who: &str) -> Config {
    Config {
        rto_min: Duration::from_millis(100),
        rto_initial: Duration::from_millis(300),
        secure: Some(SecureConfig {
            level,
            requirement: Requirement::Require,
            credentials: Credentials {
                chain: Credentials::pem_certs(&data(&format!("{who}.pem"))).unwrap(),
                key: Some(Credentials::pkcs8_key(&data(&format!("{who}.key"))).unwrap()),
                trust: Credentials::pem_certs(&data("ca.pem")).unwrap(),
                pinned: Vec::new(),
                time: Some(TIME),
            },
            lifetime: None,
            export_keys: true,
            ..Default::default()
        }),
        ..Config::default()
    }
}

/// The key log of both endpoints (what `sctp-endpoint --ssctp-keylog`
/// writes): a header line, then [`keylog_lines`].
fn keylog(p: &Pump) -> String {
    String::from("# S-SCTP session keys, both endpoints\n") + &keylog_lines(p)
}

/// What a recorded session sent: the messages A and B sent.
struct Session {
    pump: Pump,
    sent: Vec<Vec<u8>>,
}

/// Open at `level`, 5 messages from A and 3 from B, a rekey, 4 more from
/// A, then SHUTDOWN.
fn record(level: u8, tamper: Option<Tamper>) -> Session {
    let (pump, sent) = ssctp_pump::keylog::record(
        config(level, "client"),
        config(level, "server"),
        tamper,
        &format!("level {level}"),
        " from A",
        |_, _| {},
    );
    Session { pump, sent }
}

fn write(dir: &Path, name: &str, s: &Session) -> (PathBuf, PathBuf) {
    let cap = dir.join(format!("{name}.pcapng"));
    let keys = dir.join(format!("{name}.keys"));
    std::fs::write(&cap, s.pump.pcapng()).unwrap();
    std::fs::write(&keys, keylog(&s.pump)).unwrap();
    (cap, keys)
}

fn tempdir(name: &str) -> PathBuf {
    ssctp_pump::keylog::tempdir("ssctp-keylog", name)
}

#[test]
fn every_auth_verifies_and_encdata_decrypts_to_the_messages_sent() {
    let dir = tempdir("levels");
    for level in 1..=3u8 {
        let s = record(level, None);
        let keys_text = keylog(&s.pump);
        // Two generations (reference 0, then 1 after the rekey), from each side.
        assert_eq!(
            keys_text.lines().filter(|l| l.starts_with("SSCTP")).count(),
            4
        );
        let (cap, keys) = write(&dir, &format!("level{level}"), &s);
        let (auth, enc) = protected(&s.pump);
        let got = seen(&dissect(&cap, &keys));
        let frames: Vec<u64> = got.auth.iter().map(|a| a.0).collect();
        assert_eq!(frames, auth, "level {level}: one verdict per S-SCTP AUTH");
        let bad: Vec<_> = got.auth.iter().filter(|a| a.1 != "verified").collect();
        assert!(bad.is_empty(), "level {level}: {bad:?}");
        let refs: BTreeSet<u64> = got.auth.iter().map(|a| a.2).collect();
        assert_eq!(
            refs,
            BTreeSet::from([0, 1]),
            "level {level}: the rekey's keys too"
        );
        let enc_frames: Vec<u64> = got.encdata.iter().map(|e| e.0).collect();
        assert_eq!(enc_frames, enc, "level {level}");
        assert!(
            got.encdata.iter().all(|e| e.1 == "decrypted"),
            "{:?}",
            got.encdata
        );
        if level == 1 {
            // DATA in clear; only the rekey's chunks went inside EncData.
            assert!(!enc.is_empty() && got.payloads.is_empty());
            continue;
        }
        // Every message went inside EncData at levels 2 and 3, and the
        // decrypted DATA chunks carry exactly them.
        let want: BTreeSet<Vec<u8>> = s.sent.iter().cloned().collect();
        let have: BTreeSet<Vec<u8>> = got.payloads.iter().cloned().collect();
        assert_eq!(have, want, "level {level}");
        // The TSN analysis follows the decrypted DATA and SACKs: each of
        // the 12 messages (one DATA chunk each) is acknowledged.
        assert_eq!(got.acked.len(), s.sent.len(), "level {level}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_flipped_byte_is_flagged_on_its_frame_and_a_wrong_key_everywhere() {
    let dir = tempdir("tamper");
    // The third EncData from A: one byte of its ciphertext flipped.
    let s = record(2, Some(flip_third_encdata()));
    assert_eq!(s.pump.tampered, 1);
    let flipped = s
        .pump
        .frames
        .iter()
        .enumerate()
        .filter(|(_, f)| chunk_types(&f.3).contains(&0x10) && f.1 == ip("10.0.0.1"))
        .nth(2)
        .map(|(i, _)| i as u64 + 1)
        .unwrap();
    let (cap, keys) = write(&dir, "tamper", &s);
    let got = seen(&dissect(&cap, &keys));
    let bad: Vec<u64> = got
        .auth
        .iter()
        .filter(|a| a.1 != "verified")
        .map(|a| a.0)
        .collect();
    assert_eq!(bad, vec![flipped]);
    assert!(got.auth.iter().any(|a| a.0 == flipped && a.1 == "bad-hmac"));
    assert!(got.auth.len() > 10);

    // Another HMAC key: every AUTH is bad-hmac; another encryption key:
    // no message comes out of any EncData.
    let text = keylog(&s.pump);
    let wrong: String = text
        .lines()
        .map(|l| {
            let mut f: Vec<String> = l.split(' ').map(str::to_string).collect();
            if f[0] == "SSCTP" {
                for k in [5, 6] {
                    let last = f[k].pop().unwrap();
                    f[k].push(if last == '0' { '1' } else { '0' });
                }
            }
            f.join(" ") + "\n"
        })
        .collect();
    let wrong_keys = dir.join("wrong.keys");
    std::fs::write(&wrong_keys, wrong).unwrap();
    let got = seen(&dissect(&cap, &wrong_keys));
    assert!(got.auth.len() > 10);
    assert!(got.auth.iter().all(|a| a.1 == "bad-hmac"), "{:?}", got.auth);
    let sent: BTreeSet<Vec<u8>> = s.sent.iter().cloned().collect();
    assert!(got.payloads.iter().all(|p| !sent.contains(p)));
    assert!(got
        .encdata
        .iter()
        .all(|e| e.1 != "decrypted" || got.payloads.is_empty()));

    // No SSCTP line for the association: no-key.
    let none = dir.join("none.keys");
    std::fs::write(
        &none,
        "SSCTP 0x1 0x2 0 12 0x00112233445566778899aabbccddeeff 0x0011\n",
    )
    .unwrap();
    let got = seen(&dissect(&cap, &none));
    assert!(got.auth.iter().all(|a| a.1 == "no-key"), "{:?}", got.auth);
    let _ = std::fs::remove_dir_all(&dir);
}

/// How captures/ssctp-keylog.pcapng and .keys are made: SSCTP_KEYLOG_OUT=DIR
/// writes them there (level 3, a rekey).
#[test]
fn example_capture() {
    let Some(out) = std::env::var_os("SSCTP_KEYLOG_OUT") else {
        return;
    };
    let s = record(3, None);
    write(Path::new(&out), "ssctp-keylog", &s);
}

/// tshark with the plugin and the key log: frame number, S-SCTP AUTH
/// verdict, EncData outcome per frame; `None` (SKIPPED, loudly) without
/// tshark or the built plugin.
fn tshark_verdicts(cap: &Path, keys: &Path) -> Option<Vec<(u64, String, String)>> {
    ssctp_pump::keylog::tshark_verdicts("plugin check", cap, keys)
}

/// The committed example through sctp-craft and through the Wireshark
/// plugin: the same frames verify and decrypt, counted from the bytes.
#[test]
fn committed_example_verifies_in_sctp_craft_and_the_plugin() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../captures");
    let cap = root.join("ssctp-keylog.pcapng");
    let keys = root.join("ssctp-keylog.keys");
    let got = seen(&dissect(&cap, &keys));
    let auth: Vec<u64> = got.auth.iter().map(|a| a.0).collect();
    assert_eq!(
        auth,
        (9..=19).collect::<Vec<u64>>(),
        "captures/README.md: frames 9-19"
    );
    assert!(got.auth.iter().all(|a| a.1 == "verified"));
    assert!(got.encdata.iter().all(|e| e.1 == "decrypted"));
    assert_eq!(got.encdata.len(), 11);
    // sctp-craft assoc counts them with the association's AUTH verdicts.
    let out = std::process::Command::new(sctp_craft())
        .args(["assoc", "--keys"])
        .arg(&keys)
        .arg(&cap)
        .output()
        .expect("sctp-craft runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("AUTH      11 verified, 0 bad HMAC, 0 not checked"),
        "{text}"
    );
    let Some(ws) = tshark_verdicts(&cap, &keys) else {
        return;
    };
    assert_eq!(ws.len(), 20, "every frame through tshark");
    for (frame, a, e) in ws {
        let ours = got.auth.iter().find(|x| x.0 == frame).map(|x| x.1.as_str());
        assert_eq!(ours.unwrap_or(""), a, "frame {frame}");
        let ours = got
            .encdata
            .iter()
            .find(|x| x.0 == frame)
            .map(|x| x.1.as_str());
        assert_eq!(ours.unwrap_or(""), e, "frame {frame}");
    }
}

/// `sctp-endpoint serve|connect --secure 2 --ssctp-keylog FILE` over UDP on
/// loopback: each process appends one SSCTP line for the session's keys,
/// and the two lines, written by two processes that derived their keys
/// apart, name the same association (tags swapped) and the same keys.
#[test]
fn sctp_endpoint_writes_the_key_log() {
    const BIN: &str = env!("CARGO_BIN_EXE_sctp-endpoint");
    let dir = tempdir("bin");
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/ssctp");
    let creds = |who: &str| {
        vec![
            "--secure".to_string(),
            "2".into(),
            "--secure-policy".into(),
            "require".into(),
            "--cert".into(),
            d.join(format!("{who}.pem")).display().to_string(),
            "--key".into(),
            d.join(format!("{who}.key")).display().to_string(),
            "--trust".into(),
            d.join("ca.pem").display().to_string(),
            "--ssctp-keylog".into(),
            dir.join(format!("{who}.keys")).display().to_string(),
        ]
    };
    let port = 20000 + (std::process::id() % 20000) as u16;
    let mut serve = std::process::Command::new(BIN)
        .args(["serve", "--udp", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--port", "5000", "--mode", "discard", "--associations", "1"])
        .args(creds("server"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("sctp-endpoint serve");
    std::thread::sleep(Duration::from_millis(500));
    let out = std::process::Command::new(BIN)
        .args([
            "connect",
            "--udp",
            &format!("127.0.0.1:{port}"),
            "--port",
            "5000",
        ])
        .args(["--count", "20", "--size", "100"])
        .args(creds("client"))
        .output()
        .expect("sctp-endpoint connect");
    let served = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        serve.try_wait().ok().flatten().is_some()
    });
    if !served {
        let _ = serve.kill();
        let _ = serve.wait();
    }
    assert!(
        out.status.success(),
        "connect: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |who: &str| {
        let t = std::fs::read_to_string(dir.join(format!("{who}.keys"))).unwrap();
        let lines: Vec<Vec<String>> = t
            .lines()
            .map(|l| l.split(' ').map(str::to_string).collect())
            .collect();
        assert_eq!(lines.len(), 1, "{who}: {t}");
        lines.into_iter().next().unwrap()
    };
    let (c, s) = (read("client"), read("server"));
    assert_eq!(c.len(), 7);
    assert_eq!(c[0], "SSCTP");
    assert_eq!((&c[1], &c[2]), (&s[2], &s[1]), "tags swapped");
    assert_eq!(c[3..], s[3..], "same reference, suite and keys");
    assert_eq!(c[3], "0");
    // Both parse as key file lines.
    let text = format!("{}\n{}\n", c.join(" "), s.join(" "));
    let log = sctp_codec::analysis::KeyLog::parse(&text).unwrap();
    assert_eq!(log.ssctp.len(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}
