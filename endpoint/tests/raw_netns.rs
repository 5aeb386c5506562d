//! Interop with usrsctp over raw IP (IP protocol 132, no UDP) through the
//! endpoint's `RawDriver`, across a veth pair into a network namespace that
//! each test creates and removes: usrsctp runs inside with `usrsctp_init(0)`
//! (raw IP), we run in the root namespace. Both directions, IPv4 and IPv6:
//! handshake, 1 000 messages each way on 10 streams, graceful shutdown; and
//! the `sctp-endpoint` binary's `connect --raw` and `serve --raw` against it.
//! Needs root (raw sockets, `ip netns`); CI runs as root. Without root or
//! usrsctp the tests fail.

mod peer;

use std::net::{IpAddr, SocketAddr};
use std::process::Command;
use std::time::{Duration, Instant};

use peer::netns::Netns;
use peer::{check_delivery, Peer, PeerOpts, Received};
use sctp_endpoint::driver::raw::RawDriver;
use sctp_endpoint::{AssocChange, AssocId, Config, ConnectOptions, Endpoint, Event};

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

struct Ours {
    d: RawDriver,
    events: Vec<Event>,
}

impl Ours {
    fn new(local: IpAddr, seed: u8) -> Ours {
        let ep = Endpoint::new(
            Config {
                outbound_streams: 16,
                ..Config::default()
            },
            Instant::now(),
            [seed; 32],
        );
        Ours {
            d: RawDriver::bind(ep, local).expect("raw socket"),
            events: Vec::new(),
        }
    }

    fn run_until(&mut self, timeout: Duration, mut done: impl FnMut(&mut Ours) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if done(self) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            self.d.step(Duration::from_millis(5)).expect("raw step");
            while let Some(e) = self.d.ep.poll_event() {
                self.events.push(e);
            }
        }
    }

    fn up(&self) -> Option<AssocId> {
        self.events.iter().find_map(|e| match e {
            Event::AssocChange {
                id,
                change: AssocChange::CommUp,
                ..
            } => Some(*id),
            _ => None,
        })
    }

    fn ended(&self) -> Option<AssocChange> {
        self.events.iter().find_map(|e| match e {
            Event::AssocChange { change, .. } if *change != AssocChange::CommUp => Some(*change),
            _ => None,
        })
    }

    fn received(&self) -> Vec<Received> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Message { message, .. } => Some(Received::of(message)),
                _ => None,
            })
            .collect()
    }
}

fn len(i: u32) -> usize {
    6 + (i as usize * 97) % 1400
}

/// Handshake, 1 000 messages each way on 10 streams, shutdown (by us when we
/// connected, by usrsctp when it did).
fn exchange(we_connect: bool, n: u8, v6: bool) {
    let (ns, here, there) = namespace_af(n, v6);
    let prefix = ["ip", "netns", "exec", ns.name.as_str()];
    let mut ours = Ours::new(here, n);
    let args: Vec<String> = if we_connect {
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
    let mut peer = Peer::start(&PeerOpts {
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
    let st = ours.d.ep.status(id).unwrap();
    assert_eq!(st.peer_addrs[0], SocketAddr::new(there, 0), "{st:?}");

    let count = 1000u32;
    peer.cmd(&format!("send {count} 10 1000 0"));
    let mut next = 0u32;
    let ok = ours.run_until(Duration::from_secs(60), |o| {
        while next < count {
            let sid = (next % 10) as u16;
            match o.d.ep.send(
                id,
                sid,
                1000 + sid as u32,
                false,
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
        "not all delivered: we got {}, the peer {}; peer:\n{}",
        ours.received().len(),
        peer.data_count(),
        peer.tail()
    );
    check_delivery("usrsctp", &peer.received(), count, 10, len, false);
    check_delivery("ours", &ours.received(), count, 10, |_| 1000, false);
    let stats = ours.d.ep.stats();
    assert_eq!(stats.bad_checksum, 0, "{stats:?}");

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
        out.contains("ShutdownComplete") && out.contains("1000 messages, 1000000 bytes"),
        "{out}"
    );
}
