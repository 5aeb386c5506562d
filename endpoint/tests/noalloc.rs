//! The data path allocates per delivered message at most (the message's own
//! buffer, handed to the application), never per packet: sending DATA,
//! writing and reading SACKs, the retransmission queue and the timers reuse
//! what they have once warm. Two endpoints joined by hand with two reused
//! buffers (the in-memory link copies packets, so it is not used here).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

use sctp_endpoint::{AssocChange, AssocId, Config, ConnectOptions, Endpoint, Event};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

const A: &str = "10.0.0.1";
const B: &str = "10.0.0.2";

/// Moves every packet both ways until neither has anything to send, then
/// runs due timers; returns packets moved and messages delivered to B.
fn pump(
    a: &mut Endpoint,
    b: &mut Endpoint,
    now: Instant,
    buf: &mut Vec<u8>,
    delivered: &mut usize,
) -> usize {
    let (a_ip, b_ip): (IpAddr, IpAddr) = (A.parse().unwrap(), B.parse().unwrap());
    let mut packets = 0;
    loop {
        let mut moved = false;
        while let Some(t) = a.poll_transmit(now, buf) {
            b.handle_packet(now, SocketAddr::new(t.local, 0), b_ip, buf);
            packets += 1;
            moved = true;
        }
        while let Some(t) = b.poll_transmit(now, buf) {
            a.handle_packet(now, SocketAddr::new(t.local, 0), a_ip, buf);
            packets += 1;
            moved = true;
        }
        while let Some(e) = b.poll_event() {
            if let Event::Message { message, .. } = e {
                *delivered += 1;
                drop(message);
            }
        }
        while a.poll_event().is_some() {}
        if !moved {
            break;
        }
    }
    for ep in [&mut *a, &mut *b] {
        if ep.poll_timeout().is_some_and(|t| t <= now) {
            ep.handle_timeout(now);
        }
    }
    packets
}

#[test]
fn steady_state_data_path_allocates_only_delivered_messages() {
    let start = Instant::now();
    let (a_ip, b_ip): (IpAddr, IpAddr) = (A.parse().unwrap(), B.parse().unwrap());
    let mut a = Endpoint::new(Config::default(), start, [1; 32]);
    let mut b = Endpoint::new(Config::default(), start, [2; 32]);
    b.listen(5000);
    let id: AssocId = a
        .connect(
            start,
            ConnectOptions::new(a_ip, 5001, (b_ip, 0).into(), 5000),
        )
        .unwrap();
    let mut buf = Vec::with_capacity(2048);
    let mut delivered = 0;
    let mut now = start;
    for _ in 0..10 {
        pump(&mut a, &mut b, now, &mut buf, &mut delivered);
        now += Duration::from_millis(1);
    }
    assert!(a
        .status(id)
        .is_some_and(|s| s.state == sctp_endpoint::State::Established));
    let _ = AssocChange::CommUp;
    // The application's messages, made up front (sending clones the Arc).
    let msgs: Vec<Arc<[u8]>> = (0..64u8).map(|i| Arc::from(vec![i; 1000])).collect();
    let mut round = |a: &mut Endpoint, b: &mut Endpoint, now: Instant, count: usize| {
        let mut packets = 0;
        let mut d = 0;
        for k in 0..count {
            a.send(id, (k % 4) as u16, 51, false, msgs[k % msgs.len()].clone())
                .unwrap();
            if k % 16 == 15 {
                packets += pump(a, b, now, &mut buf, &mut d);
            }
        }
        packets += pump(a, b, now, &mut buf, &mut d);
        (packets, d)
    };
    // Warm up: queues, maps and buffers grow to their working size.
    for _ in 0..5 {
        round(&mut a, &mut b, now, 4000);
        now += Duration::from_millis(1);
    }
    let region = Region::new(GLOBAL);
    let (packets, d) = round(&mut a, &mut b, now, 4000);
    let stats = region.change();
    assert_eq!(d, 4000, "every message delivered");
    eprintln!(
        "{packets} packets, {d} messages delivered: {} allocations, {} reallocations",
        stats.allocations, stats.reallocations
    );
    assert!(packets > 4000, "{packets} packets");
    // One allocation per delivered message (its buffer), nothing per packet.
    assert!(
        stats.allocations + stats.reallocations <= d + 16,
        "{} allocations and {} reallocations for {packets} packets and {d} messages",
        stats.allocations,
        stats.reallocations
    );
}
