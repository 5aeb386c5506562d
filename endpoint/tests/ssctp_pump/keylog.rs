//! What the key-log tests (ssctp_keylog.rs, ssctp_gcm.rs, ssctp_suites.rs)
//! share: a recorded session with a rekey, the key log of its `SecureKeys`
//! events (docs/auth-keys.md), `sctp-craft dissect --analysis --keys` and
//! tshark with the plugin on the capture, and what the bytes themselves say.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sctp_endpoint::{Config, Event};

use super::net::{A, B};
use super::{chunk_types, plugin_tshark, Pump, Tamper};

/// The key log lines (docs/auth-keys.md) of both endpoints' `SecureKeys`
/// events, without a header.
pub fn keylog_lines(p: &Pump) -> String {
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let mut s = String::new();
    for e in p.events.iter().flatten() {
        if let Event::SecureKeys {
            reference,
            suite,
            enc,
            mac,
            tags,
            ..
        } = e
        {
            s.push_str(&format!(
                "SSCTP {:#010x} {:#010x} {reference} {suite} 0x{} 0x{}\n",
                tags.0,
                tags.1,
                hex(enc),
                hex(mac)
            ));
        }
    }
    s
}

/// Opens A (`a`) to B (`b`), runs `on_up` on the pump and B's association
/// once both secure sessions are up, then 5 messages from A (`"{label}
/// message {i}{from_a} ..."`), 3 from B (`"{label} answer {i} from B"`), a
/// rekey, 4 more from A (`"{label} after the rekey {i}"`) and SHUTDOWN.
/// Returns the pump and the messages sent.
pub fn record(
    a: Config,
    b: Config,
    tamper: Option<Tamper>,
    label: &str,
    from_a: &str,
    on_up: impl FnOnce(&Pump, sctp_endpoint::AssocId),
) -> (Pump, Vec<Vec<u8>>) {
    let mut p = Pump::new(a, b);
    p.tamper = tamper;
    let a = p.connect();
    assert!(p.run(Duration::from_secs(10), Pump::both_secure));
    let b = p.eps[B].associations().next().unwrap();
    on_up(&p, b);
    let mut sent = Vec::new();
    for i in 0..5 {
        let m = format!("{label} message {i}{from_a} {}", "a".repeat(i * 7)).into_bytes();
        p.eps[A].send(a, 0, 51, false, m.clone()).unwrap();
        sent.push(m);
    }
    for i in 0..3 {
        let m = format!("{label} answer {i} from B").into_bytes();
        p.eps[B].send(b, 1, 52, false, m.clone()).unwrap();
        sent.push(m);
    }
    let got = |p: &Pump, n: usize| {
        p.events[n]
            .iter()
            .filter(|e| matches!(e, Event::Message { .. }))
            .count()
    };
    assert!(p.run(Duration::from_secs(20), |p| got(p, B) == 5
        && got(p, A) == 3));
    assert!(p.eps[A].rekey(a));
    let rk = |p: &Pump, n: usize| p.has(n, |e| matches!(e, Event::SecureRekeyed { .. }));
    assert!(p.run(Duration::from_secs(10), |p| rk(p, A) && rk(p, B)));
    for i in 0..4 {
        let m = format!("{label} after the rekey {i}").into_bytes();
        p.eps[A].send(a, 0, 51, false, m.clone()).unwrap();
        sent.push(m);
    }
    assert!(p.run(Duration::from_secs(20), |p| got(p, B) == 9));
    p.eps[A].shutdown(p.now, a);
    assert!(
        p.run(Duration::from_secs(10), |p| p.eps[A].association_count()
            == 0
            && p.eps[B].association_count() == 0)
    );
    (p, sent)
}

/// Flips one ciphertext byte (offset 30) of the third EncData longer than
/// 40 bytes from A, leaving the CRC32c wrong (the receiver drops the packet
/// and A retransmits it).
pub fn flip_third_encdata() -> Tamper {
    let mut n = 0;
    Box::new(move |p: &mut Vec<u8>| {
        let mut at = 12;
        while at + 4 <= p.len() {
            let len = u16::from_be_bytes([p[at + 2], p[at + 3]]) as usize;
            if p[at] == 0x10 && len > 40 {
                n += 1;
                if n == 3 {
                    p[at + 30] ^= 0x01;
                    return true;
                }
                return false;
            }
            if len < 4 {
                break;
            }
            at += (len + 3) & !3;
        }
        false
    })
}

/// The release build of sctp-craft.
pub fn sctp_craft() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release/sctp-craft")
}

/// `sctp-craft dissect --dialect ssctp --analysis --json --keys KEYS CAP`,
/// one JSON object a frame.
pub fn dissect(cap: &Path, keys: &Path) -> Vec<serde_json::Value> {
    let exe = sctp_craft();
    assert!(
        exe.exists(),
        "{} is not built: cargo build --release -p sctp-craft",
        exe.display()
    );
    let out = std::process::Command::new(&exe)
        .args([
            "dissect",
            "--dialect",
            "ssctp",
            "--analysis",
            "--json",
            "--keys",
        ])
        .arg(keys)
        .arg(cap)
        .output()
        .expect("sctp-craft runs");
    assert!(
        out.status.success(),
        "sctp-craft: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

/// Per frame: the S-SCTP AUTH verdicts and references, the EncData
/// outcomes, and the user data of the DATA chunks decrypted.
#[derive(Default, Debug)]
pub struct Seen {
    /// (frame, verdict, reference or `u64::MAX`).
    pub auth: Vec<(u64, String, u64)>,
    /// (frame, outcome).
    pub encdata: Vec<(u64, String)>,
    pub payloads: Vec<Vec<u8>>,
    /// TSNs the analysis linked to a SACK (the DATA inside EncData too).
    pub acked: BTreeSet<u64>,
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// What [`dissect`]'s analysis notes say, frame by frame.
pub fn seen(frames: &[serde_json::Value]) -> Seen {
    let mut s = Seen::default();
    for f in frames {
        let frame = f["frame"].as_u64().unwrap();
        let Some(notes) = f["analysis"]["chunks"].as_array() else {
            continue;
        };
        for n in notes {
            for a in n["sack"]["acked"].as_array().into_iter().flatten() {
                s.acked.insert(a["tsn"].as_u64().unwrap());
            }
            if let Some(v) = n["ssctp_auth"].as_str() {
                let r = n["reference"].as_u64().unwrap_or(u64::MAX);
                s.auth.push((frame, v.to_string(), r));
            }
            if let Some(v) = n["encdata"].as_str() {
                s.encdata.push((frame, v.to_string()));
                for c in n["decrypted"].as_array().into_iter().flatten() {
                    if c["name"] == "DATA" {
                        s.payloads.push(unhex(c["user_data"].as_str().unwrap()));
                    }
                }
            }
        }
    }
    s
}

/// Frames (1-based) whose last chunk is an S-SCTP AUTH (0x11), and those
/// with an EncData (0x10), counted from the bytes.
pub fn protected(p: &Pump) -> (Vec<u64>, Vec<u64>) {
    let (mut auth, mut enc) = (Vec::new(), Vec::new());
    for (i, (_, _, _, f)) in p.frames.iter().enumerate() {
        let t = chunk_types(f);
        if t.last() == Some(&0x11) {
            auth.push(i as u64 + 1);
        }
        if t.contains(&0x10) {
            enc.push(i as u64 + 1);
        }
    }
    (auth, enc)
}

/// A fresh directory `{test}-{name}-PID` under the system's temp dir.
pub fn tempdir(test: &str, name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("{test}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// tshark with the plugin ([`plugin_tshark`], `what` names the check) and
/// `sctpkit.auth_keys` set to `keys`: frame number,
/// `sctpkit.analysis.ssctp_auth`, `sctpkit.analysis.encdata` per frame.
/// `None` (and a loud SKIPPED) without tshark or the built plugin.
pub fn tshark_verdicts(what: &str, cap: &Path, keys: &Path) -> Option<Vec<(u64, String, String)>> {
    let (base, mut c) = plugin_tshark(what, cap, Some(keys))?;
    c.arg("-o");
    c.arg(format!(
        "sctpkit.auth_keys:{}",
        base.join("capture.keys").display()
    ));
    c.args(["-T", "fields", "-e", "frame.number"]);
    c.args([
        "-e",
        "sctpkit.analysis.ssctp_auth",
        "-e",
        "sctpkit.analysis.encdata",
    ]);
    let out = c.output().expect("tshark runs");
    let _ = std::fs::remove_dir_all(&base);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                (
                    f[0].parse().unwrap(),
                    f.get(1).unwrap_or(&"").to_string(),
                    f.get(2).unwrap_or(&"").to_string(),
                )
            })
            .collect(),
    )
}
