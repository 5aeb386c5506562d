//! Interop with usrsctp over raw IP (IP protocol 132, no UDP) through the
//! endpoint's `RawDriver`, across a veth pair into a network namespace that
//! each test creates and removes: usrsctp runs inside with `usrsctp_init(0)`
//! (raw IP), we run in the root namespace. Both directions, IPv4 and IPv6:
//! handshake, 1 000 messages each way on 10 streams, graceful shutdown; over
//! IPv4 also unordered messages, 64 KiB messages that fragment, heartbeats
//! both ways on an idle association (counted on the wire by tshark), and an
//! abort from either side; and the `sctp-endpoint` binary's
//! `connect --raw` and `serve --raw` against it. Multihoming over raw IP is
//! in raw_multihoming.rs, ECN in ecn_drivers.rs.
//! Needs root (raw sockets, `ip netns`); CI runs as root. Without root or
//! usrsctp the tests fail.

#[allow(dead_code)]
#[path = "../../craft/tests/peer/capture.rs"]
mod capture;
mod driven;
mod peer;

use std::net::{IpAddr, SocketAddr};
use std::process::Command;
use std::time::{Duration, Instant};

use peer::netns::Netns;
use peer::{check_delivery, Peer, PeerOpts};
use sctp_endpoint::driver::raw::RawDriver;
use sctp_endpoint::{AssocChange, AssocId, Config, ConnectOptions, Endpoint, Reason};

const SERVER_PORT: u16 = 5000;
const CLIENT_PORT: u16 = 5001;

fn require_root() {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    assert_eq!(
        uid, "0",
        "raw IP interop needs root (raw sockets and ip netns); CI runs as root"
    );
}

/// A namespace for test number `n`: 10.123.n.1 here, 10.123.n.2 there
/// (fd00:123:n::1 and ::2 with `v6`).
fn namespace_af(n: u8, v6: bool) -> (Netns, IpAddr, IpAddr) {
    require_root();
    let (here, there, len) = if v6 {
        (format!("fd00:123:{n}::1"), format!("fd00:123:{n}::2"), 64)
    } else {
        (format!("10.123.{n}.1"), format!("10.123.{n}.2"), 24)
    };
    let ns = Netns::create(
        &format!("r{n}"),
        &[&format!("{here}/{len}")],
        &[&format!("{there}/{len}")],
    )
    .expect("network namespace with a veth pair");
    (ns, here.parse().unwrap(), there.parse().unwrap())
}

fn namespace(n: u8) -> (Netns, IpAddr, IpAddr) {
    namespace_af(n, false)
}

/// Our endpoint on a raw socket (steps of at most 5 ms).
type Ours = driven::Ours<RawDriver>;

impl Ours {
    fn with(local: IpAddr, seed: u8, cfg: Config) -> Ours {
        let ep = Endpoint::new(cfg, Instant::now(), [seed; 32]);
        Ours::new(
            RawDriver::bind(ep, local).expect("raw socket"),
            Duration::from_millis(5),
        )
    }
}

fn test_config() -> Config {
    Config {
        outbound_streams: 16,
        ..Config::default()
    }
}

fn len(i: u32) -> usize {
    6 + (i as usize * 97) % 1400
}

/// Handshake, 1 000 messages each way on 10 streams, shutdown (by us when we
/// connected, by usrsctp when it did).
fn exchange(we_connect: bool, n: u8, v6: bool) {
    let (ns, mut ours, id, mut peer) = associate_af(we_connect, n, v6, test_config(), &[]);
    let there: IpAddr = if v6 {
        format!("fd00:123:{n}::2")
    } else {
        format!("10.123.{n}.2")
    }
    .parse()
    .unwrap();
    let st = ours.d.ep.status(id).unwrap();
    assert_eq!(st.peer_addrs[0], SocketAddr::new(there, 0), "{st:?}");
    both_ways(&mut ours, id, &mut peer, 1000, len, 1000, false);

    if we_connect {
        ours.d.ep.shutdown(Instant::now(), id);
    } else {
        peer.cmd("shutdown");
    }
    assert!(
        ours.run_until(Duration::from_secs(10), |o| o.ended().is_some()
            && (peer.saw("SHUTDOWN_COMP") || peer.saw("closed"))),
        "shutdown: ours {:?}; peer:\n{}",
        ours.ended(),
        peer.tail()
    );
    assert_eq!(ours.ended(), Some(AssocChange::ShutdownComplete));
    assert_eq!(ours.d.ep.association_count(), 0);
    drop(peer);
    drop(ns);
}

#[test]
fn we_connect_raw_ipv4() {
    exchange(true, 1, false);
}

#[test]
fn they_connect_raw_ipv4() {
    exchange(false, 2, false);
}

#[test]
fn we_connect_raw_ipv6() {
    exchange(true, 5, true);
}

#[test]
fn they_connect_raw_ipv6() {
    exchange(false, 6, true);
}

const BIN: &str = env!("CARGO_BIN_EXE_sctp-endpoint");

/// `sctp-endpoint connect --raw` to a usrsctp server in the namespace.
#[test]
fn binary_connect_raw() {
    let (ns, _here, there) = namespace(3);
    let prefix = ["ip", "netns", "exec", ns.name.as_str()];
    let mut peer = Peer::start(&PeerOpts {
        prefix: &prefix,
        args: vec![
            "server".into(),
            "0".into(),
            there.to_string(),
            SERVER_PORT.to_string(),
        ],
    });
    let o = Command::new(BIN)
        .args(["connect", "--raw", &there.to_string(), "--port", "5000"])
        .args(["--count", "1000", "--size", "1000", "--streams", "10"])
        .args(["--json", "--timeout", "10"])
        .output()
        .expect("run sctp-endpoint");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "sctp-endpoint connect --raw failed: {out}{}\npeer:\n{}",
        String::from_utf8_lossy(&o.stderr),
        peer.tail()
    );
    let last = out.lines().last().unwrap_or("");
    let v: serde_json::Value = serde_json::from_str(last).expect("JSON result");
    assert_eq!(v["messages"], 1000, "{last}");
    assert_eq!(v["ok"], true, "{last}");
    assert!(
        peer.wait_for("SHUTDOWN_COMP|closed", Duration::from_secs(5))
            .is_some(),
        "{}",
        peer.tail()
    );
    // The binary's bodies are its own (index, stream, pattern): count them
    // per stream here; it checks bytes and order itself with --echo.
    let got = peer.received();
    assert_eq!(got.len(), 1000);
    for sid in 0..10u16 {
        let on = got.iter().filter(|r| r.sid == sid && r.len == 1000).count();
        assert_eq!(on, 100, "messages on stream {sid}");
    }
}

/// `sctp-endpoint serve --raw` with a usrsctp client in the namespace.
#[test]
fn binary_serve_raw() {
    let (ns, here, there) = namespace(4);
    let prefix = ["ip", "netns", "exec", ns.name.as_str()];
    let mut server = Command::new(BIN)
        .args(["serve", "--raw", &here.to_string(), "--port", "5000"])
        .args(["--associations", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run sctp-endpoint serve");
    // Let it open its socket.
    std::thread::sleep(Duration::from_millis(300));
    let mut peer = Peer::start(&PeerOpts {
        prefix: &prefix,
        args: vec![
            "client".into(),
            "0".into(),
            there.to_string(),
            CLIENT_PORT.to_string(),
            here.to_string(),
            "0".into(),
            SERVER_PORT.to_string(),
        ],
    });
    assert!(
        peer.wait_for("state=COMM_UP", Duration::from_secs(10))
            .is_some(),
        "{}",
        peer.tail()
    );
    peer.cmd("send 1000 10 1000 0");
    assert!(
        peer.wait_for("sent n=1000", Duration::from_secs(30))
            .is_some(),
        "{}",
        peer.tail()
    );
    peer.cmd("shutdown");
    assert!(
        peer.wait_for("SHUTDOWN_COMP", Duration::from_secs(10))
            .is_some(),
        "{}",
        peer.tail()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = server.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = server.kill();
            panic!("serve did not stop after its association ended");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let o = server.wait_with_output().expect("output");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains("ended (shut down, SCTP_SHUTDOWN_COMP): 1000 messages, 1000000 bytes"),
        "{out}"
    );
}

/// Sets an association up over IPv4 in namespace `n` (we connect, or
/// usrsctp does) with `cfg` on our side and `peer_opts` on usrsctp's.
fn associate(
    we_connect: bool,
    n: u8,
    cfg: Config,
    peer_opts: &[&str],
) -> (Netns, Ours, AssocId, Peer) {
    associate_af(we_connect, n, false, cfg, peer_opts)
}

/// [`associate`] over IPv6 when `v6`.
fn associate_af(
    we_connect: bool,
    n: u8,
    v6: bool,
    cfg: Config,
    peer_opts: &[&str],
) -> (Netns, Ours, AssocId, Peer) {
    let (ns, here, there) = namespace_af(n, v6);
    let prefix = ["ip", "netns", "exec", ns.name.as_str()];
    let mut ours = Ours::with(here, n, cfg);
    let mut args: Vec<String> = if we_connect {
        vec![
            "server".into(),
            "0".into(),
            there.to_string(),
            SERVER_PORT.to_string(),
        ]
    } else {
        ours.d.ep.listen(SERVER_PORT);
        vec![
            "client".into(),
            "0".into(),
            there.to_string(),
            CLIENT_PORT.to_string(),
            here.to_string(),
            "0".into(),
            SERVER_PORT.to_string(),
        ]
    };
    args.extend(peer_opts.iter().map(|o| o.to_string()));
    let peer = Peer::start(&PeerOpts {
        prefix: &prefix,
        args,
    });
    if we_connect {
        ours.d
            .ep
            .connect(
                Instant::now(),
                ConnectOptions::new(here, CLIENT_PORT, SocketAddr::new(there, 0), SERVER_PORT),
            )
            .expect("connect");
    }
    assert!(
        ours.run_until(Duration::from_secs(10), |o| o.up().is_some()
            || o.ended().is_some()),
        "no association; peer:\n{}",
        peer.tail()
    );
    let id = ours.up().unwrap_or_else(|| panic!("{:?}", ours.events));
    assert!(
        ours.run_until(Duration::from_secs(5), |_| peer.saw("state=COMM_UP")),
        "{}",
        peer.tail()
    );
    (ns, ours, id, peer)
}

/// `count` messages each way on 10 streams, both sides sending at once:
/// ours of `len(i)` bytes, usrsctp's of `peer_len`; every one arrives
/// exactly once, intact, on its stream with its PPID and U flag.
fn both_ways(
    ours: &mut Ours,
    id: AssocId,
    peer: &mut Peer,
    count: u32,
    len: fn(u32) -> usize,
    peer_len: usize,
    unordered: bool,
) {
    peer.cmd(&format!("send {count} 10 {peer_len} {}", unordered as u8));
    let mut next = 0u32;
    let ok = ours.run_until(Duration::from_secs(60), |o| {
        while next < count {
            let sid = (next % 10) as u16;
            match o.d.ep.send(
                id,
                sid,
                1000 + sid as u32,
                unordered,
                peer::body(sid, next, len(next)),
            ) {
                Ok(()) => next += 1,
                Err(sctp_endpoint::SendError::WouldBlock) => break,
                Err(e) => panic!("send {next}: {e}"),
            }
        }
        next == count
            && o.received().len() >= count as usize
            && peer.data_count() >= count as usize
            && o.d
                .ep
                .status(id)
                .is_some_and(|s| s.queued == 0 && s.outstanding == 0)
    });
    assert!(
        ok,
        "not all delivered: we got {}/{count}, the peer {}/{count}; peer:\n{}",
        ours.received().len(),
        peer.data_count(),
        peer.tail()
    );
    // Late duplicates would show up here.
    ours.run_until(Duration::from_millis(300), |_| false);
    check_delivery("usrsctp", &peer.received(), count, 10, len, unordered);
    check_delivery("ours", &ours.received(), count, 10, |_| peer_len, unordered);
    let st = ours.d.ep.stats();
    assert_eq!(st.bad_checksum, 0, "{st:?}");
    assert!(ours.ended().is_none(), "{:?}", ours.ended());
}

#[test]
fn unordered_raw_ipv4() {
    for (we_connect, n) in [(true, 7), (false, 8)] {
        let (ns, mut ours, id, mut peer) = associate(we_connect, n, test_config(), &[]);
        both_ways(&mut ours, id, &mut peer, 500, len, 300, true);
        drop(peer);
        drop(ns);
    }
}

fn big(_: u32) -> usize {
    64 * 1024
}

#[test]
fn fragmented_64k_raw_ipv4() {
    for (we_connect, n) in [(true, 9), (false, 10)] {
        let (ns, mut ours, id, mut peer) = associate(we_connect, n, test_config(), &[]);
        both_ways(&mut ours, id, &mut peer, 40, big, 64 * 1024, false);
        drop(peer);
        drop(ns);
    }
}

/// An abort from us (`by_us`) or from usrsctp, after some data: the other
/// side learns it, the association is gone on ours.
fn abort(we_connect: bool, n: u8, by_us: bool) {
    let (ns, mut ours, id, mut peer) = associate(we_connect, n, test_config(), &[]);
    both_ways(&mut ours, id, &mut peer, 50, len, 200, false);
    if by_us {
        ours.d.ep.abort(id, Some(b"test over"));
    } else {
        peer.cmd("abort");
    }
    let ok = ours.run_until(Duration::from_secs(10), |o| {
        o.ended().is_some() && peer.saw("COMM_LOST")
    });
    assert!(ok, "abort: ours {:?}; peer:\n{}", ours.ended(), peer.tail());
    assert_eq!(ours.ended(), Some(AssocChange::CommLost));
    match ours.end_reason() {
        Some(Reason::LocalAbort) if by_us => {}
        // User-Initiated Abort (RFC 9260 3.3.10.12).
        Some(Reason::PeerAbort(causes)) if !by_us => assert_eq!(causes, vec![12]),
        r => panic!(
            "abort by {}: reason {r:?}",
            if by_us { "us" } else { "usrsctp" }
        ),
    }
    ours.run_until(Duration::from_millis(100), |_| false);
    assert_eq!(ours.d.ep.association_count(), 0);
    drop(peer);
    drop(ns);
}

#[test]
fn abort_by_us_raw_ipv4() {
    abort(true, 11, true);
    abort(false, 12, true);
}

#[test]
fn abort_by_them_raw_ipv4() {
    abort(true, 13, false);
    abort(false, 14, false);
}

/// HEARTBEATs both ways on an idle association over raw IP, each answered,
/// counted on the wire by tshark on our end of the veth pair: we send one
/// every ~500 ms, usrsctp every ~50 ms plus its RTO (its interval must be
/// well below ours: it skips a heartbeat when the path carried anything,
/// our HEARTBEAT ACKs included). The association then still carries data.
#[test]
fn heartbeats_raw_ipv4() {
    let n = 15;
    let cfg = Config {
        hb_interval: Duration::from_millis(500),
        rto_min: Duration::from_millis(100),
        rto_initial: Duration::from_millis(300),
        ..test_config()
    };
    let (ns, mut ours, id, mut peer) = associate(true, n, cfg, &["hb=50", "rtomin=50"]);
    let here = ours.d.local_ip();
    let mut cap = capture::Capture::start(&ns.host_if, "ip proto 132", None, "raw-heartbeats")
        .expect("tshark on the veth");
    // 5 s of idle: usrsctp skips a heartbeat when it sent anything on the
    // path within its interval, so on a loaded machine 3 s gave it as few
    // as two.
    ours.run_until(Duration::from_secs(5), |_| false);
    assert!(ours.ended().is_none(), "{:?}", ours.ended());
    assert!(!peer.saw("COMM_LOST"), "{}", peer.tail());
    // Still usable.
    ours.d
        .ep
        .send(id, 1, 1001, false, peer::body(1, 1, 50))
        .unwrap();
    peer.cmd("send 1 1 60 0");
    assert!(
        ours.run_until(Duration::from_secs(5), |o| o.received().len() == 1
            && peer.data_count() == 1),
        "{}",
        peer.tail()
    );
    cap.stop();
    let o = Command::new("tshark")
        .arg("-r")
        .arg(&cap.file)
        .args(["-o", "sctp.checksum:CRC-32C", "-Y", "sctp"])
        .args(["-T", "fields", "-e", "ip.src", "-e", "sctp.chunk_type"])
        .args(["-e", "sctp.checksum.status"])
        .output()
        .expect("tshark -r");
    let rows = String::from_utf8_lossy(&o.stdout).to_string();
    let count = |ours_sent: bool, ty: &str| {
        rows.lines()
            .filter(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                f.len() >= 2
                    && (f[0] == here.to_string()) == ours_sent
                    && f[1].split(',').any(|t| t == ty)
            })
            .count()
    };
    let (hb_ours, ack_theirs) = (count(true, "4"), count(false, "5"));
    let (hb_theirs, ack_ours) = (count(false, "4"), count(true, "5"));
    eprintln!(
        "raw heartbeats in ~5 s: ours {hb_ours} answered by {ack_theirs}; usrsctp's \
         {hb_theirs} answered by {ack_ours}"
    );
    assert!(
        hb_ours >= 3 && ack_theirs >= 3 && hb_theirs >= 2 && ack_ours >= 2,
        "heartbeats: ours {hb_ours}/{ack_theirs}, usrsctp's {hb_theirs}/{ack_ours}; \
         peer:\n{}",
        peer.tail()
    );
    // sctp.checksum.status 1: good (CRC32c checked by tshark).
    assert!(
        rows.lines().all(|l| l.ends_with("\t1")),
        "a checksum tshark does not call good:\n{rows}"
    );
    let s = ours.d.ep.status(id).unwrap();
    assert!(s.srtt.is_some(), "{s:?}");
    drop(peer);
    drop(ns);
}
