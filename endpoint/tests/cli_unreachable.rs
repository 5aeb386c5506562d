//! `sctp-endpoint connect` to a UDP port where nothing listens: the kernel
//! answers ICMP port unreachable, which RFC 6951 5.5 makes an ABORT; the
//! command stops at once (not after the INIT retransmissions) and says why
//! in words. It printed `failed: CantStartAssoc Some(PeerAbort([]))`.

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
