//! PKTDROP (draft-stewart-sctp-pktdrprep) between two endpoints over the
//! in-memory link, whose impairment flips a byte of some packets: the
//! receiver reports each corrupted packet of the association, and the
//! sender resends the reported DATA at once instead of after T3-rtx. The
//! clock is virtual: the times compared are the link's, not the machine's.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use sctp_endpoint::driver::memlink::{Impairment, Network};
use sctp_endpoint::{AssocChange, AssocId, Config, ConnectOptions, Endpoint, Event};

const A: usize = 0;
const B: usize = 1;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn net(pktdrop_a: bool, pktdrop_b: bool, seed: u64) -> Network {
    let now = Instant::now();
    let mut n = Network::new(now, Impairment::default(), seed);
    let cfg = |p| Config {
        pktdrop: p,
        // T3-rtx cannot fire before a second: whatever repairs sooner is
        // the PKTDROP.
        rto_min: Duration::from_secs(1),
        rto_initial: Duration::from_secs(1),
        ..Config::default()
    };
    n.add(
        Endpoint::new(cfg(pktdrop_a), now, [seed as u8; 32]),
        vec![ip("10.0.0.1")],
    );
    let mut b = Endpoint::new(cfg(pktdrop_b), now, [seed as u8 ^ 0x55; 32]);
    b.listen(5000);
    n.add(b, vec![ip("10.0.0.2")]);
    n
}

fn up(n: &Network, node: usize) -> Option<AssocId> {
    n.events[node].iter().find_map(|e| match e {
        Event::AssocChange {
            id,
            change: AssocChange::CommUp,
            ..
        } => Some(*id),
        _ => None,
    })
}

fn connect(n: &mut Network) -> (AssocId, AssocId) {
    let now = n.now;
    n.ep(A)
        .connect(
            now,
            ConnectOptions::new(ip("10.0.0.1"), 5001, (ip("10.0.0.2"), 0).into(), 5000),
        )
        .unwrap();
    assert!(n.run_until(Duration::from_secs(30), |n| up(n, A).is_some()
        && up(n, B).is_some()));
    (up(n, A).unwrap(), up(n, B).unwrap())
}

fn received(n: &Network, node: usize) -> Vec<Vec<u8>> {
    n.events[node]
        .iter()
        .filter_map(|e| match e {
            Event::Message { message, .. } => Some(message.data.clone()),
            _ => None,
        })
        .collect()
}

/// One message whose only DATA packet is corrupted on the way: how long
/// (virtual time) until the receiver has it, and the two statuses.
fn one_corrupted_message(pktdrop: bool) -> (Duration, Network, AssocId, AssocId) {
    let mut n = net(pktdrop, pktdrop, 7);
    let (a, b) = connect(&mut n);
    // Quiet link; then every packet from A to B is corrupted until one is.
    n.run_until(Duration::from_millis(500), |_| false);
    n.impair(
        ip("10.0.0.1"),
        ip("10.0.0.2"),
        Impairment {
            corrupt: 1.0,
            ..Impairment::default()
        },
    );
    let start = n.now;
    let msg: Vec<u8> = (0..300u32).map(|i| (i * 7) as u8).collect();
    n.ep(A).send(a, 0, 51, false, msg.clone()).unwrap();
    assert!(n.run_until(Duration::from_secs(1), |n| n.stats.corrupted == 1));
    n.impair(ip("10.0.0.1"), ip("10.0.0.2"), Impairment::default());
    assert!(n.run_until(Duration::from_secs(10), |n| !received(n, B).is_empty()));
    assert_eq!(received(&n, B), vec![msg]);
    (n.now - start, n, a, b)
}

#[test]
fn a_corrupted_data_packet_is_reported_and_resent_before_t3() {
    let (with, mut n, a, b) = one_corrupted_message(true);
    let sa = n.ep(A).status(a).unwrap();
    let sb = n.ep(B).status(b).unwrap();
    let (pa, pb) = (sa.pktdrop.unwrap(), sb.pktdrop.unwrap());
    println!("with PKTDROP: delivered after {with:?}; sender {pa:?}; receiver {pb:?}");
    assert!(n.ep(B).stats().bad_checksum >= 1);
    assert_eq!(pb.sent, 1, "the receiver reports the corrupted packet once");
    assert_eq!(pa.received, 1);
    assert_eq!(
        pa.data_resent, 1,
        "the reported DATA is marked for resending"
    );
    assert_eq!(sa.retransmissions, 1);
    // Three one-way delays of 5 ms (corrupted DATA, PKTDROP, DATA again),
    // far below the 1 s RTO.
    assert!(with < Duration::from_millis(100), "took {with:?}");

    // The same without PKTDROP: only T3-rtx repairs it.
    let (without, mut n, a, _) = one_corrupted_message(false);
    assert!(n.ep(A).status(a).unwrap().pktdrop.is_none());
    println!("without PKTDROP: delivered after {without:?}");
    assert!(without >= Duration::from_secs(1), "took {without:?}");
}

#[test]
fn pktdrop_is_used_only_when_both_offer_it() {
    for (x, y) in [(true, false), (false, true)] {
        let mut n = net(x, y, 3);
        let (a, b) = connect(&mut n);
        assert!(n.ep(A).status(a).unwrap().pktdrop.is_none());
        assert!(n.ep(B).status(b).unwrap().pktdrop.is_none());
    }
    let mut n = net(true, true, 3);
    let (a, b) = connect(&mut n);
    assert!(n.ep(A).status(a).unwrap().pktdrop.is_some());
    assert!(n.ep(B).status(b).unwrap().pktdrop.is_some());
}

/// Many messages both ways over links that corrupt a share of packets:
/// everything arrives, in order, and the figures of both runs are printed.
#[test]
fn a_corrupting_link_delivers_everything_and_sooner_with_pktdrop() {
    let mut times = Vec::new();
    for pktdrop in [true, false] {
        let mut n = net(pktdrop, pktdrop, 11);
        let (a, b) = connect(&mut n);
        let bad = Impairment {
            corrupt: 0.03,
            ..Impairment::default()
        };
        n.impair(ip("10.0.0.1"), ip("10.0.0.2"), bad);
        n.impair(ip("10.0.0.2"), ip("10.0.0.1"), bad);
        let count = 300u32;
        let start = n.now;
        // All queued before the run (the send buffer holds them): the link
        // moves its clock only after what endpoints sent is on the wire.
        for i in 0..count {
            let mut m = i.to_be_bytes().to_vec();
            m.resize(800, i as u8);
            n.ep(A).send(a, 0, 1, false, m).unwrap();
        }
        let ok = n.run_until(Duration::from_secs(600), |n| {
            received(n, B).len() == count as usize
        });
        assert!(ok, "not everything arrived (pktdrop {pktdrop})");
        let got = received(&n, B);
        for (i, m) in got.iter().enumerate() {
            assert_eq!(&m[..4], &(i as u32).to_be_bytes(), "order");
        }
        let took = n.now - start;
        let sa = n.ep(A).status(a).unwrap();
        let sb = n.ep(B).status(b).unwrap();
        println!(
            "pktdrop {pktdrop}: {count} messages in {took:?} (virtual), {} packets corrupted, \
             {} retransmissions, sender {:?}, receiver {:?}",
            n.stats.corrupted, sa.retransmissions, sa.pktdrop, sb.pktdrop
        );
        if pktdrop {
            let (pa, pb) = (sa.pktdrop.unwrap(), sb.pktdrop.unwrap());
            assert!(pb.sent > 0 && pa.received > 0 && pa.data_resent > 0);
        }
        times.push(took);
    }
    assert!(times[0] < times[1], "PKTDROP did not help: {times:?}");
}
