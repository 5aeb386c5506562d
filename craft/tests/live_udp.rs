//! Live: a whole association with usrsctp over UDP encapsulation (RFC 6951)
//! on 127.0.0.1: handshake, DATA "hello", the SACK for it, ABORT; checked
//! against what the peer logged and what tshark dissected.

mod peer;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use peer::capture::Capture;
use peer::{free_udp_port, Peer};
use sctp_codec::chunk::ChunkBody;
use sctp_codec::{DecodeOptions, Packet};
use sctp_craft::assoc::{Assoc, AssocState, Direction, Exchanged};
use sctp_craft::wire::{Link, Path};

const STEP: Duration = Duration::from_secs(3);

/// A link, the followed association and the log of every packet.
struct Session {
    link: Link,
    a: Assoc,
    log: Vec<Exchanged>,
}

impl Session {
    /// Encodes, sends, follows and logs `p`.
    fn send(&mut self, p: &Packet<'_>) {
        let b = p.encode();
        self.link.send(&b).expect("send");
        self.a.on_sent(p);
        self.log.push(Exchanged {
            dir: Direction::Sent,
            sctp: b,
        });
    }
    /// Receives (following and logging) until a chunk satisfies `want`.
    fn recv_until(&mut self, mut want: impl FnMut(&ChunkBody<'_>) -> bool) -> bool {
        let deadline = Instant::now() + STEP;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Some(r) = self.link.recv(left).expect("recv") else {
                return false;
            };
            let p = Packet::decode(&r.sctp, &DecodeOptions::default()).expect("decode");
            self.a.on_received(&p);
            let hit = p.chunks.iter().any(|c| want(&c.body));
            self.log.push(Exchanged {
                dir: Direction::Received,
                sctp: r.sctp.clone(),
            });
            if hit {
                return true;
            }
        }
    }
    /// Prints the exchange, one line per packet.
    fn print(&self, title: &str) {
        eprintln!("--- {title}");
        for e in &self.log {
            eprintln!("{}", e.summary_line());
        }
    }
}

#[test]
fn udp_encapsulation_handshake_data_sack_abort() {
    let t0 = Instant::now();
    let (mut peer, encaps) = Peer::start_udp_loopback(false);
    let filter = format!("udp port {encaps}");
    let mut cap = Capture::start("lo", &filter, None, "live_udp").expect("tshark");

    let remote: SocketAddr = format!("127.0.0.1:{encaps}").parse().unwrap();
    let path = Path::Udp {
        local: "127.0.0.1:0".parse().unwrap(),
        remote,
    };
    let mut link = Link::open(&path).expect("open UDP link");
    let mut a = Assoc::new(5001, 5000);
    let hs = a.connect(&mut link, STEP).expect("handshake with usrsctp");
    assert_eq!(a.state(), AssocState::Established);
    let dirs: Vec<Direction> = hs.iter().map(|e| e.dir).collect();
    assert_eq!(
        dirs,
        [
            Direction::Sent,
            Direction::Received,
            Direction::Sent,
            Direction::Received
        ]
    );
    assert_ne!(a.peer_tag, 0, "peer's Initiate Tag learned from INIT ACK");
    assert!(a.cookie.as_ref().is_some_and(|c| !c.is_empty()));
    let up = peer
        .wait_for("assoc_change", STEP)
        .expect("peer saw the association");
    assert!(up.contains("state=COMM_UP"), "{up}");

    let mut s = Session { link, a, log: hs };
    let d = s.a.data_packet(b"hello", 0, 0);
    let tsn = s.a.next_tsn;
    s.send(&d);
    assert_eq!(s.a.next_tsn, tsn.wrapping_add(1));
    let sacked = s.recv_until(|c| matches!(c, ChunkBody::Sack(x) if x.cumulative_tsn_ack == tsn));
    assert!(sacked, "no SACK for TSN {tsn} within {STEP:?}");
    assert_eq!(s.a.acked_by_peer, Some(tsn));
    let got = peer
        .wait_for("data ", STEP)
        .expect("peer logged the message");
    assert!(got.contains("len=5") && got.contains("text=hello"), "{got}");
    assert!(got.contains(&format!("tsn={tsn}")), "{got}");

    let ab = s.a.abort_packet();
    assert_eq!(ab.chunks[0].flags & 1, 0, "T bit clear: peer tag known");
    s.send(&ab);
    assert_eq!(s.a.state(), AssocState::Closed);
    let lost = peer
        .wait_for("assoc_change", STEP)
        .expect("peer saw the ABORT");
    assert!(lost.contains("state=COMM_LOST"), "{lost}");

    cap.stop();
    let rows = cap
        .dissect(&["-d", &format!("udp.port=={encaps},sctp")])
        .expect("tshark dissection");
    let types: Vec<&str> = rows.iter().map(|(t, _)| t.as_str()).collect();
    // INIT, INIT ACK, COOKIE ECHO, COOKIE ACK, DATA, SACK, ABORT.
    assert_eq!(types, ["1", "2", "10", "11", "0", "3", "6"], "{rows:?}");
    // 1 = Good (CRC32c verified by tshark), for our packets and usrsctp's.
    assert!(rows.iter().all(|(_, s)| s == "1"), "{rows:?}");
    s.print(&format!("live_udp: {:?}", t0.elapsed()));
    eprintln!("--- peer log");
    for l in peer.log() {
        eprintln!("{l}");
    }
}

#[test]
fn udp_peer_that_is_not_there_fails_cleanly() {
    // Nothing listens on this port: ICMP port unreachable, a clear error.
    let port = free_udp_port();
    let path = Path::Udp {
        local: "127.0.0.1:0".parse().unwrap(),
        remote: format!("127.0.0.1:{port}").parse().unwrap(),
    };
    let mut link = Link::open(&path).expect("open");
    let mut a = Assoc::new(5001, 5000);
    let t = Instant::now();
    let e = a
        .connect(&mut link, Duration::from_millis(600))
        .expect_err("no peer");
    let msg = format!("{e:#}");
    assert!(
        msg.contains("refused") || msg.contains("no answer"),
        "{msg}"
    );
    assert!(t.elapsed() < Duration::from_secs(2));
}

#[test]
fn udp_echo_sack_and_graceful_shutdown() {
    // The peer echoes "hello": we must acknowledge its DATA with our SACK,
    // and our SHUTDOWN's Cumulative TSN Ack must cover it, or usrsctp never
    // answers SHUTDOWN ACK (RFC 9260 9.2) and the peer never logs SHUTDOWN_COMP.
    let (mut peer, encaps) = Peer::start_udp_loopback(true);
    let path = Path::Udp {
        local: "127.0.0.1:0".parse().unwrap(),
        remote: format!("127.0.0.1:{encaps}").parse().unwrap(),
    };
    let mut link = Link::open(&path).expect("open UDP link");
    let mut a = Assoc::new(5002, 5000);
    a.connect(&mut link, STEP).expect("handshake");
    let d = a.data_packet(b"hello", 3, 51);
    let tsn = a.next_tsn;
    link.send(&d.encode()).expect("send DATA");
    a.on_sent(&d);

    let mut echoed = None;
    let mut sacked = false;
    let deadline = Instant::now() + STEP;
    while echoed.is_none() || !sacked {
        let left = deadline.saturating_duration_since(Instant::now());
        let Some(r) = link.recv(left).expect("recv") else {
            break;
        };
        let p = Packet::decode(&r.sctp, &DecodeOptions::default()).expect("decode");
        a.on_received(&p);
        for c in &p.chunks {
            match &c.body {
                ChunkBody::Sack(s) if s.cumulative_tsn_ack == tsn => sacked = true,
                ChunkBody::Data(x) => {
                    assert_eq!(&x.user_data[..], b"hello");
                    assert_eq!(
                        (x.stream_identifier, x.payload_protocol_identifier),
                        (3, 51)
                    );
                    echoed = Some(x.tsn);
                }
                _ => {}
            }
        }
    }
    assert!(sacked, "no SACK for our DATA");
    let their = echoed.expect("the peer echoed the message");
    assert_eq!(a.peer_cum_tsn, Some(their));
    let s = a.sack_packet();
    link.send(&s.encode()).expect("send SACK");
    a.on_sent(&s);

    let log = a
        .close(&mut link, STEP)
        .expect("SHUTDOWN answered with SHUTDOWN ACK");
    assert_eq!(log.first().map(|e| e.dir), Some(Direction::Sent));
    assert_eq!(a.state(), AssocState::Closed);
    let done = peer.wait_for("SHUTDOWN_COMP", STEP);
    assert!(done.is_some(), "peer log: {:?}", peer.log());
    assert!(peer.log().iter().any(|l| l.contains("shutdown_event")));
}
