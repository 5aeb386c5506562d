//! PKTDROP (draft-stewart-sctp-pktdrprep) between two endpoints over the
//! in-memory link, whose impairment flips a byte of some packets: the
//! receiver reports each corrupted packet of the association, and the
//! sender resends the reported DATA at once instead of after T3-rtx. The
//! clock is virtual: the times compared are the link's, not the machine's.
//!
//! Then against usrsctp (its sysctl `sctp_pktdrop_enable`) over UDP
//! encapsulation on 127.0.0.1 through a relay that flips the last byte of
//! some DATA packets: usrsctp's PKTDROPs reach us and make us resend, ours
//! reach usrsctp, which keeps the association and delivers everything, and
//! tshark reads the PKTDROP chunks of the relay's capture.

mod peer;

use std::time::{Duration, Instant};

use sctp_endpoint::driver::memlink::{Impairment, Network};
use sctp_endpoint::{AssocChange, AssocId, Config, ConnectOptions, Endpoint, Event};

const A: usize = 0;
const B: usize = 1;

mod memnet;
use memnet::{connect_pair, ip, two_nodes};

fn net(pktdrop_a: bool, pktdrop_b: bool, seed: u64) -> Network {
    let now = Instant::now();
    let cfg = |p| Config {
        pktdrop: p,
        // T3-rtx cannot fire before a second: whatever repairs sooner is
        // the PKTDROP.
        rto_min: Duration::from_secs(1),
        rto_initial: Duration::from_secs(1),
        ..Config::default()
    };
    two_nodes(
        now,
        Impairment::default(),
        seed,
        (cfg(pktdrop_a), seed as u8),
        (cfg(pktdrop_b), seed as u8 ^ 0x55),
    )
}

fn connect(n: &mut Network) -> (AssocId, AssocId) {
    connect_pair(n)
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

// ---- against usrsctp over UDP encapsulation ----

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use peer::udp::{associate, chunk_types, test_config, write_pcap, Role, Seen, LOOPBACK};

/// First UDP port of these tests (ours, usrsctp's, the relay's).
const BASE: u16 = 43610;

/// A UDP relay in front of usrsctp that flips the last byte of every
/// `every`-th DATA packet going `forward` (towards usrsctp) or back, and
/// records every packet as it passed (corrupted ones as sent).
struct CorruptingRelay {
    seen: Arc<Mutex<Seen>>,
    corrupted: Arc<Mutex<u32>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl CorruptingRelay {
    fn start(port: u16, target: SocketAddr, forward_bad: bool, every: u32) -> Self {
        let front = UdpSocket::bind((LOOPBACK, port)).expect("relay front");
        let back = UdpSocket::bind((LOOPBACK, 0)).expect("relay back");
        front.set_nonblocking(true).unwrap();
        back.set_nonblocking(true).unwrap();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let corrupted = Arc::new(Mutex::new(0u32));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen2, corrupted2, stop2) = (seen.clone(), corrupted.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut buf = vec![0u8; 65536];
            let mut client: Option<SocketAddr> = None;
            let mut data_packets = 0u32;
            let mut pass = |fwd: bool, p: &mut [u8]| {
                let types = chunk_types(p);
                if fwd == forward_bad && types.contains(&0) {
                    data_packets += 1;
                    if data_packets.is_multiple_of(every) {
                        let last = p.len() - 1;
                        p[last] ^= 0xFF;
                        *corrupted2.lock().unwrap() += 1;
                    }
                }
                let mut s = seen2.lock().unwrap();
                if fwd {
                    s.forward.extend(&types);
                } else {
                    s.backward.extend(&types);
                }
                s.packets.push((fwd, types));
                s.raw.push((fwd, p.to_vec()));
            };
            while !stop2.load(Ordering::Relaxed) {
                let mut idle = true;
                while let Ok((n, from)) = front.recv_from(&mut buf) {
                    idle = false;
                    client = Some(from);
                    pass(true, &mut buf[..n]);
                    let _ = back.send_to(&buf[..n], target);
                }
                while let Ok((n, _)) = back.recv_from(&mut buf) {
                    idle = false;
                    pass(false, &mut buf[..n]);
                    if let Some(c) = client {
                        let _ = front.send_to(&buf[..n], c);
                    }
                }
                if idle {
                    std::thread::sleep(Duration::from_micros(300));
                }
            }
        });
        CorruptingRelay {
            seen,
            corrupted,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for CorruptingRelay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// tshark's reading of the PKTDROP chunks in the relay's capture: per
/// chunk (B bit, bandwidth, queue size, truncated length, embedded
/// packet's verification tag). (Wireshark spells the B bit's field
/// `pckdrop`.)
fn tshark_pktdrops(seen: &Seen, name: &str) -> Vec<Vec<String>> {
    let path = std::env::temp_dir().join(format!("sctpkit-{name}-{}.pcap", std::process::id()));
    write_pcap(seen, &path);
    let out = std::process::Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .args([
            "-o",
            "sctp.checksum:CRC-32C",
            "-Y",
            "sctp.chunk_type == 129",
        ])
        .args(["-T", "fields", "-E", "separator=;", "-E", "occurrence=f"])
        .args(["-e", "sctp.pckdrop_b_bit", "-e", "sctp.pktdrop_bandwidth"])
        .args([
            "-e",
            "sctp.pktdrop_queuesize",
            "-e",
            "sctp.pktdrop_truncated_length",
        ])
        .args(["-e", "_ws.malformed"])
        .output()
        .expect("tshark (scripts/install-deps.sh)");
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split(';').map(str::to_string).collect())
        .collect()
}

/// A boolean field as tshark prints it.
fn is_set(v: &str) -> bool {
    matches!(v, "1" | "True")
}

/// We send 60 messages of 1000 bytes to usrsctp; the relay corrupts every
/// 7th of our DATA packets. usrsctp reports them; we resend the reported
/// TSNs.
#[test]
fn usrsctp_reports_our_corrupted_data_and_we_resend_it() {
    let (udp, peer_udp, relay_port) = (BASE, BASE + 1, BASE + 2);
    let target = SocketAddr::new(LOOPBACK, peer_udp);
    let relay = CorruptingRelay::start(relay_port, target, true, 7);
    let cfg = Config {
        pktdrop: true,
        ..test_config()
    };
    let (mut ours, id, peer) = associate(
        Role::WeConnect,
        cfg,
        udp,
        peer_udp,
        &["pktdrop=1"],
        Some(relay_port),
    );
    let count = 60u32;
    for i in 0..count {
        ours.d
            .ep
            .send(
                id,
                (i % 10) as u16,
                1000,
                false,
                peer::body((i % 10) as u16, i, 1000),
            )
            .unwrap();
    }
    let ok = ours.run_until(Duration::from_secs(30), |o| {
        peer.data_count() >= count as usize && o.drained(id)
    });
    let st = ours.d.ep.status(id).unwrap();
    assert!(
        ok,
        "{} of {count} delivered; {st:?}\n{}",
        peer.data_count(),
        peer.tail()
    );
    let p = st.pktdrop.expect("PKTDROP negotiated with usrsctp");
    let corrupted = *relay.corrupted.lock().unwrap();
    eprintln!(
        "usrsctp -> us: {corrupted} corrupted, {p:?}, {} retransmissions",
        st.retransmissions
    );
    assert!(corrupted >= 3);
    assert!(p.received >= 1, "no PKTDROP from usrsctp: {p:?}");
    assert!(p.data_resent >= 1, "no DATA resent for a PKTDROP: {p:?}");
    assert_eq!(p.mismatched, 0);
    let seen = relay.seen.lock().unwrap();
    let rows = tshark_pktdrops(&seen, "pktdrop-usrsctp");
    assert!(!rows.is_empty());
    for r in &rows {
        assert!(is_set(&r[0]), "usrsctp's PKTDROP without the B bit: {r:?}");
        assert!(r[4].is_empty(), "malformed: {r:?}");
    }
    assert!(ours.ended().is_none());
}

/// usrsctp sends 60 messages to us; the relay corrupts every 7th of its
/// DATA packets. We report each with PKTDROP; usrsctp takes them (tshark
/// reads them with our figures) and everything arrives.
#[test]
fn we_report_usrsctps_corrupted_data_and_usrsctp_takes_it() {
    let (udp, peer_udp, relay_port) = (BASE + 3, BASE + 4, BASE + 5);
    let target = SocketAddr::new(LOOPBACK, peer_udp);
    let relay = CorruptingRelay::start(relay_port, target, false, 7);
    let cfg = Config {
        pktdrop: true,
        ..test_config()
    };
    let window = cfg.receive_window;
    let (mut ours, id, mut peer) = associate(
        Role::WeConnect,
        cfg,
        udp,
        peer_udp,
        &["pktdrop=1"],
        Some(relay_port),
    );
    let count = 60usize;
    peer.cmd(&format!("send {count} 10 1000 0"));
    let ok = ours.run_until(Duration::from_secs(30), |o| o.message_count() >= count);
    let st = ours.d.ep.status(id).unwrap();
    assert!(
        ok,
        "{} of {count} delivered; {st:?}\n{}",
        ours.message_count(),
        peer.tail()
    );
    let p = st.pktdrop.expect("PKTDROP negotiated with usrsctp");
    let corrupted = *relay.corrupted.lock().unwrap();
    let bad = ours.d.ep.stats().bad_checksum;
    eprintln!("us -> usrsctp: {corrupted} corrupted, {bad} bad checksums, {p:?}");
    assert!(corrupted >= 3);
    assert!(bad >= corrupted as u64);
    assert!(p.sent >= 1, "{p:?}");
    ours.run_until(Duration::from_millis(300), |_| false);
    assert!(ours.ended().is_none(), "{:?}", ours.ended());
    assert!(!peer.saw("COMM_LOST"), "{}", peer.tail());
    let seen = relay.seen.lock().unwrap();
    // usrsctp never answered a PKTDROP with an ERROR (unrecognized chunk).
    assert!(!seen.backward.contains(&9), "usrsctp sent ERROR");
    let rows = tshark_pktdrops(&seen, "pktdrop-ours");
    assert_eq!(rows.len() as u64, p.sent, "{rows:?}");
    for r in &rows {
        assert!(is_set(&r[0]), "B bit: {r:?}");
        assert_eq!(r[1], window.to_string(), "bandwidth: {r:?}");
        assert!(r[4].is_empty(), "malformed: {r:?}");
    }
}

// ---- a full receive buffer ----

/// Two endpoints on a zero-delay wire whose receiver's application reads
/// nothing until told: its buffer fills, the sender's zero-window probe is
/// dropped and reported (no B bit: usrsctp reports such drops too), and the
/// report does not make the sender resend; once the application reads,
/// everything arrives.
#[test]
fn a_probe_dropped_for_a_full_buffer_is_reported_without_a_resend() {
    let now0 = Instant::now();
    let cfg = |window| Config {
        pktdrop: true,
        receive_window: window,
        rto_min: Duration::from_millis(200),
        rto_initial: Duration::from_millis(300),
        ..Config::default()
    };
    let (a_ip, b_ip) = (ip("10.0.0.1"), ip("10.0.0.2"));
    let mut eps = [
        Endpoint::new(cfg(1 << 20), now0, [1; 32]),
        Endpoint::new(cfg(8000), now0, [2; 32]),
    ];
    eps[1].listen(5000);
    let a = eps[0]
        .connect(
            now0,
            ConnectOptions::new(a_ip, 5001, (b_ip, 0).into(), 5000),
        )
        .unwrap();
    let mut now = now0;
    let mut got: Vec<Vec<u8>> = Vec::new();
    let mut b_id = None;
    // Runs the wire until `limit`; B's events are read only when `read`.
    let run = |eps: &mut [Endpoint; 2],
               now: &mut Instant,
               got: &mut Vec<Vec<u8>>,
               b_id: &mut Option<AssocId>,
               limit: Duration,
               read: bool| {
        let end = *now + limit;
        let mut buf = Vec::new();
        loop {
            let mut moved = false;
            for i in 0..2 {
                while let Some(t) = eps[i].poll_transmit(*now, &mut buf) {
                    let (from, to) = if i == 0 { (a_ip, 1) } else { (b_ip, 0) };
                    let bytes = buf.clone();
                    eps[to].handle_packet(*now, SocketAddr::new(from, 0), t.remote.ip(), &bytes);
                    moved = true;
                }
            }
            while let Some(_e) = eps[0].poll_event() {}
            if read || b_id.is_none() {
                while let Some(e) = eps[1].poll_event() {
                    match e {
                        Event::AssocChange {
                            id,
                            change: AssocChange::CommUp,
                            ..
                        } => *b_id = Some(id),
                        Event::Message { message, .. } => got.push(message.data),
                        _ => {}
                    }
                }
            }
            if moved {
                continue;
            }
            match eps.iter().filter_map(|e| e.poll_timeout()).min() {
                Some(t) if t <= end => {
                    *now = (*now).max(t);
                    for e in eps.iter_mut() {
                        if e.poll_timeout().is_some_and(|t| t <= *now) {
                            e.handle_timeout(*now);
                        }
                    }
                }
                _ => {
                    *now = end;
                    return;
                }
            }
        }
    };
    run(
        &mut eps,
        &mut now,
        &mut got,
        &mut b_id,
        Duration::from_secs(2),
        false,
    );
    let b = b_id.expect("association up");
    for i in 0..20u32 {
        let mut m = i.to_be_bytes().to_vec();
        m.resize(1000, 7);
        eps[0].send(a, 0, 1, false, m).unwrap();
    }
    // The application does not read: the window closes, probes are dropped.
    run(
        &mut eps,
        &mut now,
        &mut got,
        &mut b_id,
        Duration::from_secs(5),
        false,
    );
    let pb = eps[1].status(b).unwrap().pktdrop.unwrap();
    let sa = eps[0].status(a).unwrap();
    let pa = sa.pktdrop.unwrap();
    println!(
        "full buffer: receiver {pb:?}; sender {pa:?}, peer window {}",
        sa.peer_rwnd
    );
    assert!(pb.sent >= 1, "no report of the dropped probe: {pb:?}");
    assert!(pa.received >= 1, "{pa:?}");
    assert_eq!(pa.data_resent, 0, "a window drop made the sender resend");
    assert_eq!(eps[1].stats().bad_checksum, 0);
    // The application reads: everything arrives, in order.
    run(
        &mut eps,
        &mut now,
        &mut got,
        &mut b_id,
        Duration::from_secs(30),
        true,
    );
    assert_eq!(got.len(), 20);
    for (i, m) in got.iter().enumerate() {
        assert_eq!(&m[..4], &(i as u32).to_be_bytes());
    }
}

/// The loss test's impairments plus corruption (2 % of packets each way):
/// with PKTDROP on both sides, 3,000 messages of varied sizes on 4 streams
/// arrive exactly once and in order, and reports flow both ways.
#[test]
fn loss_duplication_reordering_and_corruption_with_pktdrop() {
    let mut n = net(true, true, 21);
    let (a, b) = connect(&mut n);
    let bad = Impairment {
        loss: 0.10,
        duplicate: 0.05,
        reorder: 0.10,
        corrupt: 0.02,
        ..Impairment::default()
    };
    n.impair(ip("10.0.0.1"), ip("10.0.0.2"), bad);
    n.impair(ip("10.0.0.2"), ip("10.0.0.1"), bad);
    let count = 3000u32;
    for i in 0..count {
        let mut m = i.to_be_bytes().to_vec();
        m.resize(50 + (i as usize * 37) % 2000, i as u8);
        n.ep(A).send(a, (i % 4) as u16, 1, false, m).unwrap();
    }
    assert!(
        n.run_until(Duration::from_secs(600), |n| received(n, B).len()
            >= count as usize)
    );
    n.run_until(Duration::from_secs(2), |_| false);
    let got = received(&n, B);
    assert_eq!(got.len(), count as usize, "duplicates delivered");
    let mut next = [0u32; 4];
    for m in &got {
        let i = u32::from_be_bytes(m[..4].try_into().unwrap());
        let s = (i % 4) as usize;
        assert_eq!(i, next[s] * 4 + s as u32, "order on stream {s}");
        next[s] += 1;
        assert_eq!(m.len(), 50 + (i as usize * 37) % 2000);
    }
    let pa = n.ep(A).status(a).unwrap().pktdrop.unwrap();
    let pb = n.ep(B).status(b).unwrap().pktdrop.unwrap();
    println!(
        "{} packets corrupted; sender {pa:?}; receiver {pb:?}",
        n.stats.corrupted
    );
    assert!(pb.sent > 0 && pa.received > 0 && pa.data_resent > 0);
}
