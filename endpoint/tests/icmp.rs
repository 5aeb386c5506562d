//! ICMP errors about our packets (RFC 9260 Appendix C, 7.3) and partial
//! delivery aborted (RFC 6458 6.1.7), on two endpoints joined in memory.
//! The ICMP messages are built here as a router would (RFC 792 / RFC 1191:
//! type, code, next-hop MTU, then the IPv4 header and the first bytes of
//! the packet that did not pass).

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use sctp_endpoint::{
    AssocChange, AssocId, Config, ConnectOptions, Endpoint, Event, IcmpError, IcmpKind, Reason,
};

const A: [u8; 4] = [10, 0, 0, 1];
const B: [u8; 4] = [10, 0, 0, 2];

fn ip(a: [u8; 4]) -> IpAddr {
    IpAddr::from(a)
}

struct Pair {
    now: Instant,
    a: Endpoint,
    b: Endpoint,
    id: AssocId,
    /// Every packet A sent, in order: (bytes, fragment flag).
    a_sent: Vec<(Vec<u8>, bool)>,
    a_events: Vec<Event>,
    b_events: Vec<Event>,
    buf: Vec<u8>,
}

impl Pair {
    fn new(cfg_a: Config, cfg_b: Config) -> Pair {
        let now = Instant::now();
        let a = Endpoint::new(cfg_a, now, [1; 32]);
        let mut b = Endpoint::new(cfg_b, now, [2; 32]);
        b.listen(5000);
        let mut p = Pair {
            now,
            a,
            b,
            id: AssocId(0),
            a_sent: Vec::new(),
            a_events: Vec::new(),
            b_events: Vec::new(),
            buf: Vec::new(),
        };
        p.id =
            p.a.connect(
                now,
                ConnectOptions::new(ip(A), 5001, (ip(B), 0).into(), 5000),
            )
            .unwrap();
        p
    }

    fn up(cfg_a: Config, cfg_b: Config) -> Pair {
        let mut p = Pair::new(cfg_a, cfg_b);
        p.run(10);
        assert!(
            p.a_events.iter().any(|e| matches!(
                e,
                Event::AssocChange {
                    change: AssocChange::CommUp,
                    ..
                }
            )),
            "{:?}",
            p.a_events
        );
        p
    }

    /// A's next packet, not delivered.
    fn a_packet(&mut self) -> Option<Vec<u8>> {
        let t = self.a.poll_transmit(self.now, &mut self.buf)?;
        self.a_sent.push((self.buf.clone(), t.fragment));
        Some(self.buf.clone())
    }

    /// Moves packets both ways `rounds` times, with the clock moving 10 ms
    /// a round and the timers run.
    fn run(&mut self, rounds: usize) {
        for _ in 0..rounds {
            while let Some(pkt) = self.a_packet() {
                self.b
                    .handle_packet(self.now, (ip(A), 0).into(), ip(B), &pkt);
            }
            while self.b.poll_transmit(self.now, &mut self.buf).is_some() {
                let pkt = self.buf.clone();
                self.a
                    .handle_packet(self.now, (ip(B), 0).into(), ip(A), &pkt);
            }
            self.drain();
            self.now += Duration::from_millis(10);
            self.a.handle_timeout(self.now);
            self.b.handle_timeout(self.now);
        }
    }

    fn drain(&mut self) {
        while let Some(e) = self.a.poll_event() {
            self.a_events.push(e);
        }
        while let Some(e) = self.b.poll_event() {
            self.b_events.push(e);
        }
    }

    fn icmp(&mut self, msg: &[u8]) {
        let e = IcmpError::from_icmpv4(msg).expect("an ICMP error quoting SCTP");
        self.a.handle_icmp(self.now, &e);
        self.drain();
    }
}

/// An ICMPv4 error (type, code, next-hop MTU) quoting `quoted` bytes of
/// an SCTP packet of `len` bytes from A to B, as routers quote (RFC 792:
/// the IP header and at least 8 bytes; RFC 1812 4.3.2.3 allows more).
fn icmp_v4(icmp_type: u8, code: u8, mtu: u16, packet: &[u8], quoted: usize) -> Vec<u8> {
    let total = (20 + packet.len()) as u16;
    let mut m = vec![icmp_type, code, 0, 0, 0, 0];
    m.extend_from_slice(&mtu.to_be_bytes());
    m.extend_from_slice(&[0x45, 0]);
    m.extend_from_slice(&total.to_be_bytes());
    m.extend_from_slice(&[0, 0, 0x40, 0, 64, 132, 0, 0]);
    m.extend_from_slice(&A);
    m.extend_from_slice(&B);
    m.extend_from_slice(&packet[..quoted.min(packet.len())]);
    m
}

fn cfg(max_packet: usize) -> Config {
    Config {
        max_packet,
        ..Config::default()
    }
}

fn chunk_types(pkt: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = 12;
    while at + 4 <= pkt.len() {
        out.push(pkt[at]);
        let len = u16::from_be_bytes([pkt[at + 2], pkt[at + 3]]) as usize;
        at += len.max(4).div_ceil(4) * 4;
    }
    out
}

#[test]
fn frag_needed_with_the_peers_tag_lowers_the_path_mtu_and_resends_what_was_too_big() {
    let mut p = Pair::up(cfg(1480), cfg(1480));
    assert_eq!(p.a.status(p.id).unwrap().packet_size, 1480);
    p.a.send(p.id, 0, 51, false, vec![7; 3000]).unwrap();
    let first = p.a_packet().unwrap();
    assert_eq!(first.len(), 1480, "the first DATA fills the packet");
    let retrans_before = p.a.status(p.id).unwrap().retransmissions;
    let cwnd_before = p.a.status(p.id).unwrap().cwnd;
    // A router with a 1000-byte link answers with what it could not pass.
    p.icmp(&icmp_v4(3, 4, 1000, &first, 28));
    assert_eq!(p.a.stats().icmp_handled, 1);
    assert!(
        p.a_events.iter().any(|e| matches!(
            e,
            Event::IcmpReceived {
                kind: IcmpKind::FragNeeded { mtu: 1000 },
                path_mtu: 980,
                ..
            }
        )),
        "{:?}",
        p.a_events
    );
    assert_eq!(p.a.status(p.id).unwrap().packet_size, 980);
    // The dropped chunk goes again at once, whole (its TSN is taken), told
    // fragmentable; no loss is counted against cwnd.
    let again = p.a_packet().unwrap();
    assert_eq!(&again[12..], &first[12..], "the same DATA chunk again");
    assert!(p.a_sent.last().unwrap().1, "marked fragmentable");
    let st = p.a.status(p.id).unwrap();
    assert_eq!(st.retransmissions, retrans_before + 1);
    assert_eq!(st.cwnd, cwnd_before);
    p.b.handle_packet(p.now, (ip(A), 0).into(), ip(B), &again);
    // What is cut from now on fits 980 bytes.
    p.run(20);
    p.a.send(p.id, 0, 51, false, vec![8; 3000]).unwrap();
    let from = p.a_sent.len();
    p.run(20);
    let data: Vec<_> = p.a_sent[from..]
        .iter()
        .filter(|(b, _)| chunk_types(b).contains(&0))
        .collect();
    assert!(data.len() >= 4, "3000 bytes in 980-byte packets");
    assert!(
        data.iter().all(|(b, f)| b.len() <= 980 && !f),
        "{:?}",
        data.iter().map(|(b, _)| b.len()).collect::<Vec<_>>()
    );
    let got: Vec<usize> = p
        .b_events
        .iter()
        .filter_map(|e| match e {
            Event::Message { message, .. } if message.complete => Some(message.data.len()),
            _ => None,
        })
        .collect();
    assert_eq!(got, vec![3000, 3000], "both messages arrive whole");
}

#[test]
fn a_wrong_tag_or_a_higher_mtu_changes_nothing() {
    let mut p = Pair::up(cfg(1480), cfg(1480));
    p.a.send(p.id, 0, 51, false, vec![7; 100]).unwrap();
    let mut pkt = p.a_packet().unwrap();
    pkt[4] ^= 0xff; // not the peer's tag
    p.icmp(&icmp_v4(3, 4, 1000, &pkt, 28));
    assert_eq!(p.a.stats().icmp_bad_tag, 1);
    assert_eq!(p.a.status(p.id).unwrap().packet_size, 1480);
    pkt[4] ^= 0xff;
    // RFC 8201 / RFC 1191: an ICMP never raises the path MTU.
    p.icmp(&icmp_v4(3, 4, 9000, &pkt, 28));
    assert_eq!(p.a.stats().icmp_ignored, 1);
    // Below the floor: 576 for IPv4.
    p.icmp(&icmp_v4(3, 4, 200, &pkt, 28));
    assert_eq!(p.a.status(p.id).unwrap().packet_size, 556);
    // Another association's ports: no association (ICMP5).
    let mut other = pkt.clone();
    other[0] ^= 1;
    p.icmp(&icmp_v4(3, 4, 1000, &other, 28));
    assert_eq!(p.a.stats().icmp_ignored, 2);
    assert!(!p.a_events.iter().any(|e| matches!(
        e,
        Event::AssocChange {
            change: AssocChange::CommLost,
            ..
        }
    )));
}

#[test]
fn protocol_unreachable_for_our_init_in_cookie_wait_is_an_abort() {
    let mut p = Pair::new(cfg(1480), cfg(1480));
    let init = p.a_packet().unwrap();
    assert_eq!(&init[4..8], &[0; 4], "INIT goes with tag 0");
    // Only 8 bytes quoted: the Initiate Tag cannot be checked (ICMP6).
    p.icmp(&icmp_v4(3, 2, 0, &init, 8));
    assert_eq!(p.a.stats().icmp_bad_tag, 1);
    // Another Initiate Tag: not our INIT.
    let mut forged = init.clone();
    forged[16] ^= 0xff;
    p.icmp(&icmp_v4(3, 2, 0, &forged, 64));
    assert_eq!(p.a.stats().icmp_bad_tag, 2);
    // Port Unreachable over raw IP is ignored (ICMP3).
    p.icmp(&icmp_v4(3, 3, 0, &init, 64));
    assert_eq!(p.a.stats().icmp_ignored, 1);
    assert!(p.a_events.is_empty(), "{:?}", p.a_events);
    // Protocol Unreachable quoting our INIT, in COOKIE-WAIT: ABORT (ICMP8).
    p.icmp(&icmp_v4(3, 2, 0, &init, 64));
    assert!(
        p.a_events.iter().any(|e| matches!(
            e,
            Event::AssocChange {
                change: AssocChange::CantStartAssoc,
                reason: Some(Reason::PeerAbort(_)),
                ..
            }
        )),
        "{:?}",
        p.a_events
    );
    assert_eq!(p.a.association_count(), 0);
    assert!(p.a_packet().is_none(), "no ABORT goes out");
}

#[test]
fn protocol_unreachable_with_the_peers_tag_ends_an_established_association_only_when_configured() {
    let ended = |events: &[Event]| {
        events.iter().any(|e| {
            matches!(
                e,
                Event::AssocChange {
                    change: AssocChange::CommLost,
                    reason: Some(Reason::PeerAbort(_)),
                    ..
                }
            )
        })
    };
    // The default (Linux's state table): counted and ignored once up, and
    // the association carries on.
    let mut p = Pair::up(cfg(1480), cfg(1480));
    p.a.send(p.id, 0, 51, false, vec![7; 100]).unwrap();
    let pkt = p.a_packet().unwrap();
    let ignored = p.a.stats().icmp_ignored;
    p.icmp(&icmp_v4(3, 2, 0, &pkt, 8));
    assert!(!ended(&p.a_events), "{:?}", p.a_events);
    assert_eq!(p.a.stats().icmp_ignored, ignored + 1);
    p.a.send(p.id, 0, 51, false, vec![8; 100]).unwrap();
    p.run(50);
    assert!(!ended(&p.a_events), "{:?}", p.a_events);
    // With icmp_unreachable_aborts (FreeBSD's sctp_notify): an ABORT.
    let aborts = Config {
        icmp_unreachable_aborts: true,
        ..cfg(1480)
    };
    let mut p = Pair::up(aborts, cfg(1480));
    p.a.send(p.id, 0, 51, false, vec![7; 100]).unwrap();
    let pkt = p.a_packet().unwrap();
    p.icmp(&icmp_v4(3, 2, 0, &pkt, 8));
    assert!(ended(&p.a_events), "{:?}", p.a_events);
}

#[test]
fn port_unreachable_over_udp_in_cookie_wait_is_an_abort() {
    let mut p = Pair::new(cfg(1480), cfg(1480));
    let init = p.a_packet().unwrap();
    let e = IcmpError {
        kind: IcmpKind::PortUnreachable,
        local: ip(A),
        remote: SocketAddr::new(ip(B), 9899),
        udp: true,
        quoted_len: 0,
        sctp: &init,
    };
    p.a.handle_icmp(p.now, &e);
    p.drain();
    assert!(
        p.a_events.iter().any(|e| matches!(
            e,
            Event::AssocChange {
                change: AssocChange::CantStartAssoc,
                ..
            }
        )),
        "{:?}",
        p.a_events
    );
}

#[test]
fn host_unreachable_marks_the_destination_unreachable() {
    let mut p = Pair::up(cfg(1480), cfg(1480));
    p.a.send(p.id, 0, 51, false, vec![7; 100]).unwrap();
    let pkt = p.a_packet().unwrap();
    p.icmp(&icmp_v4(3, 1, 0, &pkt, 8));
    assert!(
        p.a_events.iter().any(|e| matches!(
            e,
            Event::PeerAddrChange {
                available: false,
                ..
            }
        )),
        "{:?}",
        p.a_events
    );
    // Echo reply and the like are not errors.
    assert!(IcmpError::from_icmpv4(&icmp_v4(0, 0, 0, &pkt, 8)).is_err());
}

#[test]
fn a_partly_delivered_message_is_reported_aborted_when_the_association_ends() {
    let small = Config {
        max_packet: 600,
        ..Config::default()
    };
    let pd = Config {
        partial_delivery_point: Some(500),
        ..Config::default()
    };
    let mut p = Pair::up(small, pd);
    p.a.send(p.id, 3, 51, false, vec![7; 3000]).unwrap();
    // Two of the six DATA packets arrive; the rest is lost.
    for _ in 0..2 {
        let pkt = p.a_packet().unwrap();
        p.b.handle_packet(p.now, (ip(A), 0).into(), ip(B), &pkt);
    }
    while p.a_packet().is_some() {}
    p.drain();
    let pieces: Vec<_> = p
        .b_events
        .iter()
        .filter_map(|e| match e {
            Event::Message { message, .. } => Some((message.stream, message.complete)),
            _ => None,
        })
        .collect();
    assert!(
        !pieces.is_empty() && pieces.iter().all(|&(s, c)| s == 3 && !c),
        "{pieces:?}"
    );
    assert!(!p
        .b_events
        .iter()
        .any(|e| matches!(e, Event::PartialDeliveryAborted { .. })));
    p.a.abort(p.id, None);
    let abort = p.a_packet().unwrap();
    p.b.handle_packet(p.now, (ip(A), 0).into(), ip(B), &abort);
    p.drain();
    let aborted: Vec<_> = p
        .b_events
        .iter()
        .filter(|e| matches!(e, Event::PartialDeliveryAborted { .. }))
        .collect();
    assert_eq!(aborted.len(), 1, "{:?}", p.b_events);
    assert!(matches!(
        aborted[0],
        Event::PartialDeliveryAborted {
            stream: 3,
            ssn: 0,
            unordered: false,
            ..
        }
    ));
}

#[test]
fn a_whole_message_is_never_reported_aborted() {
    let pd = Config {
        partial_delivery_point: Some(500),
        ..Config::default()
    };
    let mut p = Pair::up(cfg(600), pd);
    p.a.send(p.id, 0, 51, false, vec![7; 3000]).unwrap();
    p.run(20);
    p.a.abort(p.id, None);
    p.run(2);
    assert!(p
        .b_events
        .iter()
        .any(|e| matches!(e, Event::Message { message, .. } if message.complete)));
    assert!(!p
        .b_events
        .iter()
        .any(|e| matches!(e, Event::PartialDeliveryAborted { .. })));
}
