//! What `sctp-endpoint` says when it cannot work: `connect` to a UDP port
//! where nothing listens (the kernel answers ICMP port unreachable, which
//! RFC 6951 5.5 makes an ABORT) stops at once, not after the INIT
//! retransmissions, and says why in words (it printed `failed:
//! CantStartAssoc Some(PeerAbort([]))`); SCTP port 0 is refused.

use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn connect_to_a_closed_udp_port_says_nothing_listens_there() {
    // A port that was free a moment ago, and is closed now.
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let start = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_sctp-endpoint"))
        .args(["connect", "--udp", &format!("127.0.0.1:{port}")])
        .args(["--port", "5000", "--count", "1"])
        .output()
        .unwrap();
    let took = start.elapsed();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("could not be set up, SCTP_CANT_STR_ASSOC")
            && err.contains("answered ICMP port unreachable (nothing listens there"),
        "{err}"
    );
    // The first INIT's RTO is 1 s (RFC 9260 15): ended by the ICMP error,
    // not by retransmissions.
    assert!(took < Duration::from_secs(3), "{took:?}: {err}");
}

/// SCTP port 0 (RFC 9260 3.1: not to be used) is refused before anything is
/// sent or bound, for `serve --port`, `connect --port` and `--local-port`.
#[test]
fn sctp_port_zero_is_refused() {
    for args in [
        &["serve", "--udp", "0", "--port", "0"][..],
        &["connect", "--udp", "127.0.0.1:9", "--port", "0"],
        &[
            "connect",
            "--udp",
            "127.0.0.1:9",
            "--port",
            "5000",
            "--local-port",
            "0",
        ],
    ] {
        // (A `serve` that took port 0 would serve for ever: a watchdog.)
        let mut child = Command::new(env!("CARGO_BIN_EXE_sctp-endpoint"))
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > Duration::from_secs(10) {
                let _ = child.kill();
                panic!("{args:?}: still running after 10 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        assert_eq!(status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("0 is not in 1..=65535"), "{args:?}: {err}");
    }
}
