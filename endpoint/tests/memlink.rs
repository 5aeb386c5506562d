//! Two endpoints over the in-memory link on a virtual clock: handshake, data
//! both ways on many streams, ordered and unordered, fragmented messages,
//! shutdown from either side, abort; and the same under loss, reordering
//! and duplication.

#![allow(clippy::too_many_arguments, clippy::manual_is_multiple_of)]

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use sctp_endpoint::driver::memlink::{Impairment, Network};
use sctp_endpoint::{AssocChange, AssocId, Config, ConnectOptions, Endpoint, Event};

const A: usize = 0;
const B: usize = 1;

mod memnet;
use memnet::{connect_pair, ip, two_nodes, up_id};

fn net(imp: Impairment, seed: u64) -> Network {
    net_with(imp, seed, Config::default())
}

/// Two endpoints on an impaired link, both with `base` (RTOs shortened).
fn net_with(imp: Impairment, seed: u64, base: Config) -> Network {
    let now = Instant::now();
    let cfg = Config {
        rto_min: Duration::from_millis(100),
        rto_initial: Duration::from_millis(300),
        ..base
    };
    two_nodes(
        now,
        imp,
        seed,
        (cfg.clone(), seed as u8),
        (cfg, seed as u8 ^ 0x55),
    )
}

fn up(n: &Network, node: usize) -> Option<AssocId> {
    up_id(n, node)
}

fn connect(n: &mut Network) -> (AssocId, AssocId) {
    connect_pair(n)
}

/// Messages received at `node`: (stream, ppid, unordered, data).
fn messages(n: &Network, node: usize) -> Vec<(u16, u32, bool, Vec<u8>)> {
    n.events[node]
        .iter()
        .filter_map(|e| match e {
            Event::Message { message: m, .. } => {
                Some((m.stream, m.ppid, m.unordered, m.data.clone()))
            }
            _ => None,
        })
        .collect()
}

/// A message body that says which it is: stream, index, then filler.
fn body(stream: u16, i: u32, len: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(len.max(6));
    v.extend_from_slice(&stream.to_be_bytes());
    v.extend_from_slice(&i.to_be_bytes());
    while v.len() < len {
        v.push((v.len() as u32 ^ i) as u8);
    }
    v
}

/// Sends `count` messages from `from` round-robin over `streams`, feeding
/// the send buffer as it drains.
fn send_all(
    n: &mut Network,
    from: usize,
    id: AssocId,
    count: u32,
    streams: u16,
    len: impl Fn(u32) -> usize,
    unordered: impl Fn(u32) -> bool,
    to: usize,
) {
    let mut next = 0u32;
    let want = messages(n, to).len() + count as usize;
    // Count Message events incrementally (the event list only grows).
    let (mut scanned, mut have) = (0, 0);
    let ok = n.run_until(Duration::from_secs(600), |n| {
        while next < count {
            let s = (next % streams as u32) as u16;
            match n.ep(from).send(
                id,
                s,
                1000 + s as u32,
                unordered(next),
                body(s, next, len(next)),
            ) {
                Ok(()) => next += 1,
                Err(sctp_endpoint::SendError::WouldBlock) => break,
                Err(e) => panic!("send {next}: {e}"),
            }
        }
        let ev = &n.events[to];
        have += ev[scanned..]
            .iter()
            .filter(|e| matches!(e, Event::Message { .. }))
            .count();
        scanned = ev.len();
        have >= want
    });
    assert!(
        ok,
        "only {} of {want} messages arrived",
        messages(n, to).len()
    );
}

/// Every message exactly once; ordered ones in order per stream.
fn check_delivery(got: &[(u16, u32, bool, Vec<u8>)], count: u32, len: impl Fn(u32) -> usize) {
    let mut seen = HashMap::new();
    let mut last_per_stream: HashMap<u16, u32> = HashMap::new();
    for (stream, ppid, unordered, data) in got {
        let s = u16::from_be_bytes([data[0], data[1]]);
        let i = u32::from_be_bytes([data[2], data[3], data[4], data[5]]);
        assert_eq!(*stream, s, "message {i} on the wrong stream");
        assert_eq!(*ppid, 1000 + s as u32, "message {i} with the wrong PPID");
        assert_eq!(data, &body(s, i, len(i)), "message {i} altered");
        assert!(seen.insert(i, ()).is_none(), "message {i} delivered twice");
        if !unordered {
            if let Some(prev) = last_per_stream.insert(s, i) {
                assert!(prev < i, "stream {s}: {i} after {prev}");
            }
        }
    }
    assert_eq!(seen.len(), count as usize, "messages missing");
}

#[test]
fn handshake_data_both_ways_and_shutdown() {
    let mut n = net(Impairment::default(), 1);
    let (a, b) = connect(&mut n);
    let st = n.ep(A).status(a).unwrap();
    assert_eq!(st.streams, (10, 10));
    send_all(&mut n, A, a, 1000, 10, |_| 100, |_| false, B);
    check_delivery(&messages(&n, B), 1000, |_| 100);
    send_all(&mut n, B, b, 1000, 10, |_| 300, |_| false, A);
    check_delivery(&messages(&n, A), 1000, |_| 300);
    // Graceful shutdown from A.
    let now = n.now;
    n.ep(A).shutdown(now, a);
    let done = |n: &Network, node: usize| {
        n.events[node].iter().any(|e| {
            matches!(
                e,
                Event::AssocChange {
                    change: AssocChange::ShutdownComplete,
                    ..
                }
            )
        })
    };
    assert!(n.run_until(Duration::from_secs(10), |n| done(n, A) && done(n, B)));
    assert!(
        n.run_until(Duration::from_secs(1), |n| n.ep(A).association_count() == 0
            && n.ep(B).association_count() == 0)
    );
    assert!(n.events[B]
        .iter()
        .any(|e| matches!(e, Event::ShutdownEvent { .. })));
}

#[test]
fn unordered_and_fragmented_messages() {
    let mut n = net(Impairment::default(), 2);
    let (a, _) = connect(&mut n);
    let len = |i: u32| if i % 3 == 0 { 65536 } else { 10 + i as usize };
    send_all(&mut n, A, a, 300, 10, len, |i| i % 2 == 0, B);
    let got = messages(&n, B);
    check_delivery(&got, 300, len);
    assert_eq!(got.iter().filter(|m| m.2).count(), 150);
}

#[test]
fn shutdown_from_the_server_side_and_abort() {
    let mut n = net(Impairment::default(), 3);
    let (a, b) = connect(&mut n);
    send_all(&mut n, A, a, 10, 2, |_| 50, |_| false, B);
    let now = n.now;
    n.ep(B).shutdown(now, b);
    assert!(
        n.run_until(Duration::from_secs(10), |n| n.ep(A).association_count()
            == 0
            && n.ep(B).association_count() == 0)
    );
    // A new association, aborted by A with a reason.
    let (a2, _) = {
        let now = n.now;
        let a2 = n
            .ep(A)
            .connect(
                now,
                ConnectOptions::new(ip("10.0.0.1"), 5002, (ip("10.0.0.2"), 0).into(), 5000),
            )
            .unwrap();
        let ok = n.run_until(Duration::from_secs(10), |n| {
            n.events[B]
                .iter()
                .filter(|e| {
                    matches!(
                        e,
                        Event::AssocChange {
                            change: AssocChange::CommUp,
                            ..
                        }
                    )
                })
                .count()
                == 2
        });
        assert!(ok);
        (a2, ())
    };
    n.ep(A).abort(a2, Some(b"bye"));
    assert!(
        n.run_until(Duration::from_secs(10), |n| n.ep(B).association_count()
            == 0)
    );
    assert!(n.events[B].iter().any(|e| matches!(
        e,
        Event::AssocChange { change: AssocChange::CommLost, reason: Some(sctp_endpoint::Reason::PeerAbort(c)), .. } if c == &[12]
    )));
}

#[test]
fn survives_loss_reordering_and_duplication() {
    lossy_exchange(Config::default(), 4);
}

/// The loss test with each extension on, on both sides (issue 17): every
/// message still arrives exactly once and in order.
#[test]
fn survives_loss_with_each_extension_on() {
    use sctp_codec::auth::HmacAlgorithm;
    let sets: [(&str, Config); 8] = [
        (
            "NR-SACK",
            Config {
                nr_sack: true,
                ..Config::default()
            },
        ),
        (
            "RE-CONFIG",
            Config {
                reconfig: true,
                ..Config::default()
            },
        ),
        (
            "zero checksum",
            Config {
                zero_checksum_edmid: Some(1),
                ..Config::default()
            },
        ),
        (
            "I-DATA",
            Config {
                interleaving: true,
                ..Config::default()
            },
        ),
        (
            "ECN",
            Config {
                ecn: true,
                ..Config::default()
            },
        ),
        (
            "AUTH (DATA, SACK)",
            Config {
                auth: true,
                auth_chunks: vec![0, 3],
                auth_hmacs: vec![HmacAlgorithm::Sha256],
                ..Config::default()
            },
        ),
        (
            "PKTDROP",
            Config {
                pktdrop: true,
                ..Config::default()
            },
        ),
        (
            "NAT support",
            Config {
                nat_support: true,
                ..Config::default()
            },
        ),
    ];
    for (i, (name, cfg)) in sets.into_iter().enumerate() {
        eprintln!("{name}:");
        let st = lossy_exchange(cfg, 10 + i as u64);
        // The extension was really in use.
        let used = match i {
            0 => st.nr_sack,
            1 => st.reconfig,
            2 => st.zero_checksum,
            3 => st.i_data,
            4 => true, // ECN: its own test checks CE, ECNE and CWR
            5 => st.auth.is_some_and(|a| a.verified > 100 && a.bad_hmac == 0),
            // (Corruption, which PKTDROP reports, is in tests/pktdrop.rs.)
            6 => st.pktdrop.is_some(),
            _ => st.nat,
        };
        assert!(used, "{name} not in use: {st:?}");
    }
}

fn lossy_exchange(cfg: Config, seed: u64) -> sctp_endpoint::Status {
    let imp = Impairment {
        loss: 0.10,
        duplicate: 0.05,
        reorder: 0.10,
        ..Impairment::default()
    };
    let mut n = net_with(imp, seed, cfg);
    let (a, b) = connect(&mut n);
    let len = |i: u32| 50 + (i as usize * 37) % 3000;
    send_all(&mut n, A, a, 10_000, 8, len, |i| i % 5 == 0, B);
    check_delivery(&messages(&n, B), 10_000, len);
    send_all(&mut n, B, b, 2_000, 8, len, |_| false, A);
    check_delivery(&messages(&n, A), 2_000, len);
    let st = n.ep(A).status(a).unwrap();
    eprintln!(
        "10% loss: {} packets, {} lost, {} duplicated, {} reordered; {} retransmissions; virtual time {:?}",
        n.stats.sent, n.stats.lost, n.stats.duplicated, n.stats.reordered, st.retransmissions,
        n.now.duration_since(Instant::now().min(n.now))
    );
    assert!(st.retransmissions > 0);
    assert_eq!(st.state, sctp_endpoint::State::Established);
    st
}

#[test]
fn many_associations_share_one_server() {
    let now = Instant::now();
    let mut n = Network::new(now, Impairment::default(), 5);
    let mut server = Endpoint::new(Config::default(), now, [5; 32]);
    server.listen(5000);
    n.add(server, vec![ip("10.0.0.2")]);
    let mut ids = Vec::new();
    for c in 0..20u8 {
        let addr = IpAddr::from([10, 0, 1, c + 1]);
        let node = n.add(
            Endpoint::new(Config::default(), now, [c + 100; 32]),
            vec![addr],
        );
        let id = n
            .ep(node)
            .connect(
                now,
                ConnectOptions::new(addr, 5001, (ip("10.0.0.2"), 0).into(), 5000),
            )
            .unwrap();
        for i in 0..200u32 {
            let mut body = vec![c];
            body.extend_from_slice(&i.to_be_bytes());
            n.ep(node)
                .send(id, (i % 10) as u16, 9, false, body)
                .unwrap();
        }
        ids.push((node, id));
    }
    assert!(n.run_until(Duration::from_secs(60), |n| messages(n, 0).len() == 4000));
    assert_eq!(n.ep(0).association_count(), 20);
    let mut per_client = [0u32; 20];
    for (_, _, _, data) in messages(&n, 0) {
        per_client[data[0] as usize] += 1;
    }
    assert_eq!(per_client, [200; 20]);
}

#[test]
fn per_association_settings_apply() {
    // Connect to an address nobody owns with 2 INIT retransmissions and a
    // 100 ms initial RTO: given up after 100 + 200 + 400 ms (RFC 9260 5.1,
    // 6.3.3), not the endpoint's defaults (8 retransmissions from 1 s).
    let mut n = net(Impairment::default(), 6);
    let now = n.now;
    let mut o = ConnectOptions::new(ip("10.0.0.1"), 5009, (ip("10.9.9.9"), 0).into(), 5000);
    o.config = Some(Config {
        rto_initial: Duration::from_millis(100),
        rto_min: Duration::from_millis(100),
        max_init_retrans: 2,
        ..Config::default()
    });
    n.ep(A).connect(now, o).unwrap();
    let failed = |n: &mut Network| {
        n.events[A].iter().any(|e| {
            matches!(
                e,
                Event::AssocChange {
                    change: AssocChange::CantStartAssoc,
                    ..
                }
            )
        })
    };
    assert!(n.run_until(Duration::from_secs(5), failed));
    let took = n.now - now;
    assert!(
        took >= Duration::from_millis(700) && took < Duration::from_millis(800),
        "gave up after {took:?}"
    );
    // configure(): an established association told to give up after one
    // retransmission with a 100 ms RTO loses its peer within a second of
    // the link being cut.
    let (a, _) = connect(&mut n);
    assert!(n.ep(A).configure(a, |c| {
        c.assoc_max_retrans = 1;
        c.path_max_retrans = 1;
        c.rto_min = Duration::from_millis(100);
        c.rto_max = Duration::from_millis(100);
    }));
    assert_eq!(n.ep(A).association_config(a).unwrap().assoc_max_retrans, 1);
    n.cut(ip("10.0.0.1"), ip("10.0.0.2"));
    n.ep(A).send(a, 0, 1, false, b"lost".to_vec()).unwrap();
    let t0 = n.now;
    let lost = |n: &mut Network| {
        n.events[A].iter().any(|e| {
            matches!(
                e,
                Event::AssocChange {
                    change: AssocChange::CommLost,
                    ..
                }
            )
        })
    };
    assert!(n.run_until(Duration::from_secs(5), lost));
    assert!(n.now - t0 < Duration::from_secs(1), "took {:?}", n.now - t0);
}

#[test]
fn a_message_larger_than_the_receive_window_arrives_in_pieces() {
    // RFC 6458 8.1.21: B's window is 256 KiB; A sends 3 MiB then a small
    // message on the same stream. Without partial delivery B's window
    // would fill with fragments of an incomplete message and stall.
    let now = Instant::now();
    let mut n = Network::new(now, Impairment::default(), 7);
    let big = Config {
        max_message_size: 4 << 20,
        send_buffer: 8 << 20,
        ..Config::default()
    };
    n.add(Endpoint::new(big, now, [7; 32]), vec![ip("10.0.0.1")]);
    let mut b = Endpoint::new(
        Config {
            receive_window: 256 << 10,
            ..Config::default()
        },
        now,
        [8; 32],
    );
    b.listen(5000);
    n.add(b, vec![ip("10.0.0.2")]);
    let (a, _) = connect(&mut n);
    let body: Vec<u8> = (0..3u32 << 20).map(|i| (i % 251) as u8).collect();
    n.ep(A).send(a, 2, 7, false, body.clone()).unwrap();
    n.ep(A).send(a, 2, 7, false, b"after".to_vec()).unwrap();
    let pieces = |n: &Network| -> Vec<(Vec<u8>, bool)> {
        n.events[B]
            .iter()
            .filter_map(|e| match e {
                Event::Message { message, .. } => Some((message.data.clone(), message.complete)),
                _ => None,
            })
            .collect()
    };
    assert!(n.run_until(Duration::from_secs(60), |n| pieces(n)
        .last()
        .is_some_and(|p| p.0 == b"after")));
    let got = pieces(&n);
    assert!(got.len() > 2, "delivered in pieces: {}", got.len());
    let (last, rest) = got.split_last().unwrap();
    assert_eq!(last, &(b"after".to_vec(), true));
    assert!(
        rest.last().unwrap().1,
        "the big message's last piece is complete"
    );
    assert!(rest[..rest.len() - 1].iter().all(|p| !p.1));
    let joined: Vec<u8> = rest.iter().flat_map(|p| p.0.iter().copied()).collect();
    assert!(joined == body, "pieces join to the message");
}

/// SACK-IMMEDIATELY (RFC 7053): with `Config::sack_immediately` the last
/// chunk of a burst carries the I bit and the receiver acknowledges it at
/// once; without it a lone packet waits for the delayed-SACK timer.
#[test]
fn the_i_bit_gets_an_immediate_sack() {
    let time_to_ack = |on: bool| {
        let cfg = Config {
            sack_immediately: on,
            ..Config::default()
        };
        let mut n = net_with(Impairment::default(), 21, cfg);
        let (a, _) = connect(&mut n);
        // A first message (the receiver may acknowledge the very first at
        // once), then the one measured.
        n.ep(A).send(a, 0, 1, false, b"first".to_vec()).unwrap();
        n.run_until(Duration::from_secs(1), |_| false);
        let t0 = n.now;
        n.ep(A)
            .send(a, 0, 1, false, b"one packet".to_vec())
            .unwrap();
        assert!(n.run_until(Duration::from_secs(5), |n| n
            .ep(A)
            .status(a)
            .is_some_and(|s| s.outstanding == 0 && s.queued == 0)));
        n.now - t0
    };
    let with = time_to_ack(true);
    let without = time_to_ack(false);
    // One-way delay is 5 ms: a round trip and no more with the I bit.
    assert!(with < Duration::from_millis(50), "with the I bit: {with:?}");
    // Without it the delayed-SACK timer runs (here at least 100 ms).
    assert!(
        without >= Duration::from_millis(100),
        "without: {without:?}"
    );
}

/// `Status::peer_cum_tsn` follows the peer's DATA as it arrives (RFC 9260
/// 6.2): 0 before any, then the TSN of the last of three messages, of
/// which the middle one is fragmented, i.e. its initial TSN + 3.
#[test]
fn status_reports_the_peer_cumulative_tsn() {
    let mut n = net(Impairment::default(), 41);
    let (a, b) = connect(&mut n);
    let first = n.ep(B).status(b).unwrap().peer_cum_tsn;
    let sizes = [100usize, 3000, 100];
    send_all(&mut n, A, a, 3, 1, |i| sizes[i as usize], |_| false, B);
    let tsns: Vec<u32> = n.events[B]
        .iter()
        .filter_map(|e| match e {
            Event::Message { message: m, .. } => Some(m.tsn),
            _ => None,
        })
        .collect();
    assert_eq!(tsns.len(), 3);
    assert_eq!(
        first,
        tsns[0].wrapping_sub(1),
        "before any DATA: initial TSN - 1"
    );
    let last = tsns[2];
    assert_eq!(tsns[2].wrapping_sub(tsns[1]), 3, "3000 bytes take 3 chunks");
    assert_eq!(n.ep(B).status(b).unwrap().peer_cum_tsn, last);
}

/// Data sent before the association is up rides with the COOKIE ECHO (RFC
/// 9260 5.1 D, as FreeBSD does): the listener has the message when the
/// COOKIE ECHO arrives, half a round trip before the COOKIE ACK brings the
/// connecting side up; a second message that would not fit that packet
/// follows after the COOKIE ACK.
#[test]
fn data_queued_before_the_association_is_up_rides_with_the_cookie_echo() {
    let mut n = net(
        Impairment {
            delay: Duration::from_millis(50),
            ..Impairment::default()
        },
        7,
    );
    let now = n.now;
    let a = n
        .ep(A)
        .connect(
            now,
            ConnectOptions::new(ip("10.0.0.1"), 5001, (ip("10.0.0.2"), 0).into(), 5000),
        )
        .unwrap();
    n.ep(A).send(a, 0, 1, false, vec![1; 1000]).unwrap();
    n.ep(A).send(a, 0, 2, false, vec![2; 1000]).unwrap();
    assert!(n.run_until(Duration::from_secs(10), |n| !messages(n, B).is_empty()));
    assert!(up(&n, B).is_some());
    assert!(up(&n, A).is_none(), "A came up before B had the data");
    assert_eq!(messages(&n, B).len(), 1, "only one 1000-byte message fits");
    assert!(n.run_until(Duration::from_secs(10), |n| messages(n, B).len() == 2));
    assert!(up(&n, A).is_some());
    let got = messages(&n, B);
    assert_eq!((got[0].1, got[1].1), (1, 2));
}
