//! `sctp-craft dissect -i lo`: live capture through libpcap. Three
//! UDP-encapsulated SCTP packets are sent to a UDP socket this test owns
//! (so nothing answers with ICMP); the live dissector prints them as they
//! arrive and stops after `-c 3`. What it prints is checked against what the
//! socket itself received. Needs the right to capture (CI runs as root).

use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn craft() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
}

#[test]
fn live_capture_on_loopback_prints_each_packet() {
    let sink = UdpSocket::bind("127.0.0.1:0").expect("bind a UDP socket");
    sink.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let port = sink.local_addr().unwrap().port();
    let mut dissect = craft()
        .args(["dissect", "--json", "-c", "3", "-i", "lo"])
        .args(["-f", &format!("udp dst port {port}")])
        .args(["--udp-port", &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sctp-craft dissect -i lo");
    // Wait until the capture is open.
    let mut err = BufReader::new(dissect.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(
        line.contains("capturing on lo"),
        "live capture did not start (root or CAP_NET_RAW is needed): {line}"
    );
    let sent = craft()
        .arg("-c")
        .arg(format!(
            "peer udp 127.0.0.1:{port}; \
             send sctp(sport=5000, dport=5001)/init(initiate_tag=0x11223344); \
             send sctp(sport=5000, dport=5001, vtag=7)/data(tsn=41, user_data=\"hi\"); \
             send sctp(sport=5000, dport=5001, vtag=7)/abort()"
        ))
        .output()
        .unwrap();
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );

    // What the socket received: the independent record of the three packets.
    let mut received = Vec::new();
    let mut buf = [0u8; 2048];
    for _ in 0..3 {
        let n = sink.recv(&mut buf).expect("the socket gets each packet");
        let p = &buf[..n];
        received.push((u32::from_be_bytes([p[4], p[5], p[6], p[7]]), p[12]));
    }
    assert_eq!(received, [(0, 0x01), (7, 0x00), (7, 0x06)]);

    // The dissector ends by itself after -c 3.
    let deadline = Instant::now() + Duration::from_secs(20);
    while dissect.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            dissect.kill().ok();
            panic!("dissect -c 3 did not stop");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut out = String::new();
    std::io::Read::read_to_string(&mut dissect.stdout.take().unwrap(), &mut out).unwrap();
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 3, "{out}");
    for (v, (vtag, ty)) in lines.iter().zip(&received) {
        assert_eq!(v["vtag"], *vtag as u64, "{v}");
        assert_eq!(v["chunks"][0]["type"], *ty as u64, "{v}");
        assert_eq!(v["encapsulation"], "udp", "{v}");
        assert_eq!(v["checksum"]["status"], "good", "{v}");
        assert_eq!(
            (v["src_port"].as_u64(), v["dst_port"].as_u64()),
            (Some(5000), Some(5001))
        );
    }
    assert_eq!(lines[0]["chunks"][0]["initiate_tag"], 0x11223344);
    assert_eq!(lines[1]["chunks"][0]["tsn"], 41);
    assert_eq!(lines[1]["chunks"][0]["user_data"], "6869");
}

#[test]
fn a_missing_interface_is_a_clear_error() {
    let out = craft()
        .args(["dissect", "-i", "no-such-if0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no-such-if0") && err.contains("live capture"),
        "{err}"
    );
}
