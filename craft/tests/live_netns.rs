//! Live: a whole association with usrsctp over raw IPv4 and raw IPv6
//! (protocol 132) across a veth pair into a network namespace made for the
//! test: handshake, DATA "hello", SACK, ABORT; checked against the peer's log
//! and tshark's dissection of the capture on our end of the veth pair.
//! Needs root (raw sockets, `ip netns`): without it, each test says so and returns.

mod peer;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use peer::capture::Capture;
use peer::netns::Netns;
use peer::{is_root, Peer, PeerOpts};
use sctp_codec::chunk::ChunkBody;
use sctp_codec::{DecodeOptions, Packet};
use sctp_craft::assoc::{Assoc, AssocState};
use sctp_craft::wire::{Link, Path};

const STEP: Duration = Duration::from_secs(3);

fn skip_unless_root(name: &str) -> bool {
    if is_root() {
        return false;
    }
    eprintln!("{name}: SKIPPED: needs root (raw sockets and ip netns); CI runs as root");
    true
}

/// The exchange over raw IP from `local` (ours, on `ns.host_if`) to `remote`
/// (the peer's, inside `ns`).
fn exchange(ns: &Netns, local: IpAddr, remote: IpAddr) {
    let t0 = Instant::now();
    let remote_s = remote.to_string();
    let prefix = ["ip", "netns", "exec", ns.name.as_str()];
    let mut peer = Peer::start(&PeerOpts {
        prefix: &prefix,
        encaps: 0,
        addr: &remote_s,
        port: 5000,
        echo: false,
    })
    .expect("usrsctp peer in the namespace");
    let mut cap = Capture::start(
        &ns.host_if,
        "sctp",
        None,
        &format!("live_netns_{}", ns.host_if),
    )
    .expect("tshark");

    let path = Path::RawIp {
        local: Some(local),
        remote,
    };
    let mut link = Link::open(&path).expect("open raw link");
    assert_eq!(link.local_ip(), local);
    let mut a = Assoc::new(5001, 5000);
    a.connect(&mut link, STEP).expect("handshake with usrsctp");
    assert_eq!(a.state(), AssocState::Established);
    let up = peer
        .wait_for("assoc_change", STEP)
        .expect("peer saw the association");
    assert!(up.contains("state=COMM_UP"), "{up}");

    let d = a.data_packet(b"hello", 0, 0);
    let tsn = a.next_tsn;
    link.send(&d.encode()).expect("send DATA");
    a.on_sent(&d);
    let deadline = Instant::now() + STEP;
    let mut sacked = false;
    while !sacked {
        let left = deadline.saturating_duration_since(Instant::now());
        let Some(r) = link.recv(left).expect("recv") else {
            break;
        };
        assert_eq!(r.from.ip(), remote);
        let p = Packet::decode(&r.sctp, &DecodeOptions::default()).expect("decode");
        a.on_received(&p);
        sacked = p
            .chunks
            .iter()
            .any(|c| matches!(&c.body, ChunkBody::Sack(s) if s.cumulative_tsn_ack == tsn));
    }
    assert!(sacked, "no SACK for TSN {tsn}");
    let got = peer
        .wait_for("data ", STEP)
        .expect("peer logged the message");
    assert!(got.contains("len=5") && got.contains("text=hello"), "{got}");

    let ab = a.abort_packet();
    link.send(&ab.encode()).expect("send ABORT");
    a.on_sent(&ab);
    let lost = peer
        .wait_for("assoc_change", STEP)
        .expect("peer saw the ABORT");
    assert!(lost.contains("state=COMM_LOST"), "{lost}");

    cap.stop();
    let rows = cap.dissect(&[]).expect("tshark dissection");
    let types: Vec<&str> = rows.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(types, ["1", "2", "10", "11", "0", "3", "6"], "{rows:?}");
    assert!(rows.iter().all(|(_, s)| s == "1"), "CRC32c good: {rows:?}");
    eprintln!(
        "{}: {:?}, peer log: {:?}",
        ns.name,
        t0.elapsed(),
        peer.log()
    );
}

#[test]
fn raw_ipv4_into_a_namespace() {
    if skip_unless_root("raw_ipv4_into_a_namespace") {
        return;
    }
    let ns = Netns::create("4", &["10.231.77.1/24"], &["10.231.77.2/24"]).expect("netns");
    exchange(
        &ns,
        "10.231.77.1".parse().unwrap(),
        "10.231.77.2".parse().unwrap(),
    );
}

#[test]
fn raw_ipv6_into_a_namespace() {
    if skip_unless_root("raw_ipv6_into_a_namespace") {
        return;
    }
    let ns = Netns::create("6", &["fd5c:7b::1/64"], &["fd5c:7b::2/64"]).expect("netns");
    exchange(
        &ns,
        "fd5c:7b::1".parse().unwrap(),
        "fd5c:7b::2".parse().unwrap(),
    );
}

#[test]
fn raw_peer_without_sctp_fails_cleanly() {
    if skip_unless_root("raw_peer_without_sctp_fails_cleanly") {
        return;
    }
    // A namespace with no SCTP stack answers INIT with ICMP protocol
    // unreachable (or nothing): connect must fail fast with a clear error.
    let ns = Netns::create("x", &["10.231.78.1/24"], &["10.231.78.2/24"]).expect("netns");
    let path = Path::RawIp {
        local: Some("10.231.78.1".parse().unwrap()),
        remote: "10.231.78.2".parse().unwrap(),
    };
    let mut link = Link::open(&path).expect("open raw link");
    let t = Instant::now();
    let e = Assoc::new(5001, 5000)
        .connect(&mut link, Duration::from_millis(900))
        .expect_err("no SCTP there");
    let msg = format!("{e:#}");
    assert!(
        msg.contains("refused") || msg.contains("no answer"),
        "{msg}"
    );
    assert!(t.elapsed() < Duration::from_secs(3));
    drop(ns);
}

/// Run by [`raw_without_cap_net_raw_says_so`] in a child without CAP_NET_RAW.
#[test]
fn raw_open_inner() {
    if std::env::var_os("SCTPKIT_NO_NET_RAW").is_none() {
        return;
    }
    let path = Path::RawIp {
        local: None,
        remote: "127.0.0.1".parse().unwrap(),
    };
    match Link::open(&path) {
        Ok(_) => println!("INNER: opened"),
        Err(e) => println!("INNER: {e:#}"),
    }
}

#[test]
fn raw_without_cap_net_raw_says_so() {
    if skip_unless_root("raw_without_cap_net_raw_says_so") {
        return;
    }
    // This test binary again, as root but with CAP_NET_RAW dropped.
    let me = std::env::current_exe().expect("current_exe");
    let out = std::process::Command::new("setpriv")
        .args(["--bounding-set=-net_raw", "--inh-caps=-net_raw"])
        .arg(&me)
        .args(["--exact", "raw_open_inner", "--nocapture"])
        .env("SCTPKIT_NO_NET_RAW", "1")
        .output()
        .expect("setpriv (util-linux)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("INNER: "))
        .unwrap_or_else(|| panic!("inner test did not run: {stdout}"));
    assert!(
        line.contains("raw sockets need root or CAP_NET_RAW"),
        "{line}"
    );
}

#[test]
fn raw_ipv4_on_loopback_skips_our_own_packets() {
    if skip_unless_root("raw_ipv4_on_loopback_skips_our_own_packets") {
        return;
    }
    // On lo a raw socket also receives what it sent: the link must not
    // return our INIT as the peer's answer.
    let mut peer = Peer::start(&PeerOpts {
        prefix: &[],
        encaps: 0,
        addr: "127.0.0.1",
        port: 5003,
        echo: false,
    })
    .expect("usrsctp peer, raw IP on 127.0.0.1");
    let path = Path::RawIp {
        local: None,
        remote: "127.0.0.1".parse().unwrap(),
    };
    let mut link = Link::open(&path).expect("open raw link");
    let mut a = Assoc::new(5004, 5003);
    let log = a.connect(&mut link, STEP).expect("handshake over raw lo");
    assert_eq!(log.len(), 4, "INIT, INIT ACK, COOKIE ECHO, COOKIE ACK only");
    let up = peer
        .wait_for("assoc_change", STEP)
        .expect("peer saw the association");
    assert!(up.contains("state=COMM_UP"), "{up}");
    let ab = a.abort_packet();
    link.send(&ab.encode()).expect("send ABORT");
    assert!(peer.wait_for("state=COMM_LOST", STEP).is_some());
}
