//! `sctp-endpoint connect --pr-policy` (issue 17 item 9: PR-SCTP usable from
//! the command line): against `sctp-endpoint serve` over UDP on loopback,
//! messages with a 1 ms lifetime are abandoned (counted, skipped with
//! FORWARD-TSN: the server delivers fewer than were sent) while reliable
//! ones all arrive; a bad policy is refused with its cause.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_sctp-endpoint");

fn connect(port: u16, extra: &[&str]) -> serde_json::Value {
    let out = Command::new(BIN)
        .args([
            "connect",
            "--udp",
            &format!("127.0.0.1:{port}"),
            "--port",
            "5000",
        ])
        .args(["--size", "8000", "--json"])
        .args(extra)
        .output()
        .expect("run sctp-endpoint connect");
    let line = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(line.trim())
        .unwrap_or_else(|e| panic!("{e}: {line}\n{}", String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn lifetime_policy_abandons_and_reliable_delivers() {
    let port = 42000 + (std::process::id() % 2000) as u16;
    let mut server = Command::new(BIN)
        .args(["serve", "--udp", &port.to_string(), "--port", "5000"])
        .args(["--associations", "2", "--mode", "discard"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run sctp-endpoint serve");
    std::thread::sleep(Duration::from_millis(300));

    let pr = connect(port, &["--count", "2000", "--pr-policy", "ttl:1"]);
    assert_eq!(pr["ok"], true, "{pr}");
    let abandoned = pr["abandoned"]["ttl"].as_u64().unwrap();
    assert!(abandoned > 0, "{pr}");
    assert_eq!(pr["abandoned"]["rtx"], 0, "{pr}");

    let reliable = connect(port, &["--count", "200"]);
    assert_eq!(reliable["ok"], true, "{reliable}");
    assert!(reliable.get("abandoned").is_none(), "{reliable}");

    // The server's line per association: "assoc N ended (...): M messages".
    let lines: Vec<String> = BufReader::new(server.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .filter(|l| l.contains(" ended "))
        .take(2)
        .collect();
    let _ = server.wait();
    let delivered = |l: &str| -> u64 {
        l.split(": ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{l}"))
    };
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(delivered(&lines[0]) < 2000, "{lines:?}");
    assert_eq!(delivered(&lines[1]), 200, "{lines:?}");
}

#[test]
fn bad_policies_are_refused_with_their_cause() {
    for (arg, cause) in [
        ("ttl", "expected ttl:MS"),
        ("rtx:x", "is not a number"),
        ("prio:70000", "priorities go up to 65535"),
        ("drop:1", "expected ttl:MS"),
    ] {
        let out = Command::new(BIN)
            .args(["connect", "--udp", "127.0.0.1:9", "--port", "5000"])
            .args(["--pr-policy", arg])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{arg}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(cause), "{arg}: {err}");
    }
}
