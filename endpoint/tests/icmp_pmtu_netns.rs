//! Path MTU discovery live (RFC 9260 7.3, RFC 1191): our endpoint in one
//! network namespace sends through a router namespace whose link to the
//! peer's namespace has a 1000-byte MTU, over UDP encapsulation (RFC 6951)
//! and over raw IP. Linux's UDP and raw sockets send with DF
//! (`IP_PMTUDISC_WANT`), so the router drops our 1500-byte packets and
//! answers with ICMP Fragmentation Needed, MTU 1000; the driver reads it
//! from its socket's error queue (`IP_RECVERR`), the endpoint lowers the
//! path MTU to 972 over UDP (1000 less the IPv4 and UDP headers) or 980
//! over raw IP, resends the DATA that was too big and cuts the rest to the
//! new size, and the peer gets the message whole. The DATA resent whole
//! (marked `Transmit::fragment`) leaves as IP fragments our kernel made
//! (`FragCreates`) and the peer's reassembled (`ReasmOKs`). Needs root (network
//! namespaces, raw sockets); skipped, loudly, otherwise. CI runs as root.

mod netlab;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::Command;
use std::time::{Duration, Instant};

use netlab::{in_netns, ip, Lab};
use sctp_endpoint::driver::raw::RawDriver;
use sctp_endpoint::driver::udp::UdpDriver;
use sctp_endpoint::{AssocChange, Config, ConnectOptions, Endpoint, Event, IcmpKind};

const OURS: Ipv4Addr = Ipv4Addr::new(10, 71, 1, 1);
const PEER: Ipv4Addr = Ipv4Addr::new(10, 71, 2, 1);

/// Both drivers, as the test drives them.
trait Driver: Send {
    fn ep(&mut self) -> &mut Endpoint;
    fn step_for(&mut self, wait: Duration);
    fn icmp_errors(&self) -> u64;
    fn fragmentable_sent(&self) -> u64;
}

impl Driver for UdpDriver {
    fn ep(&mut self) -> &mut Endpoint {
        &mut self.ep
    }
    fn step_for(&mut self, wait: Duration) {
        self.step(wait).unwrap();
    }
    fn icmp_errors(&self) -> u64 {
        self.icmp_errors
    }
    fn fragmentable_sent(&self) -> u64 {
        self.fragmentable_sent
    }
}

impl Driver for RawDriver {
    fn ep(&mut self) -> &mut Endpoint {
        &mut self.ep
    }
    fn step_for(&mut self, wait: Duration) {
        self.step(wait).unwrap();
    }
    fn icmp_errors(&self) -> u64 {
        self.icmp_errors
    }
    fn fragmentable_sent(&self) -> u64 {
        self.fragmentable_sent
    }
}

/// A counter of the `Ip:` lines of `/proc/net/snmp` in namespace `ns`
/// (RFC 4293's ipSystemStats names: FragCreates, ReasmOKs...).
fn ip_stat(ns: &str, name: &str) -> u64 {
    let name = name.to_string();
    in_netns(ns, move || {
        // The thread's own namespace (`/proc/net` is the process's).
        let snmp = std::fs::read_to_string("/proc/thread-self/net/snmp").expect("snmp");
        let mut ip = snmp.lines().filter(|l| l.starts_with("Ip:"));
        let (names, values) = (ip.next().expect("Ip names"), ip.next().expect("Ip values"));
        let at = names
            .split_whitespace()
            .position(|n| n == name)
            .unwrap_or_else(|| panic!("no {name} in {names}"));
        values.split_whitespace().nth(at).unwrap().parse().unwrap()
    })
}

fn root() -> bool {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout)
        .unwrap_or_default();
    let root = uid.trim_ascii() == b"0";
    if !root {
        eprintln!("SKIPPED: the path MTU tests need root (ip netns, raw sockets)");
    }
    root
}

#[test]
fn frag_needed_from_a_router_lowers_the_path_mtu_over_udp() {
    if root() {
        run(true);
    }
}

#[test]
fn frag_needed_from_a_router_lowers_the_path_mtu_over_raw_ip() {
    if root() {
        run(false);
    }
}

fn run(udp: bool) {
    let mut lab = Lab::new(if udp { "pmu" } else { "pmr" });
    let ns_o = lab.netns("o");
    let ns_r = lab.netns("r");
    let ns_p = lab.netns("p");
    lab.link(
        Some(&ns_o),
        &["10.71.1.1/24"],
        Some(&ns_r),
        &["10.71.1.2/24"],
    );
    let narrow = lab.link(
        Some(&ns_r),
        &["10.71.2.2/24"],
        Some(&ns_p),
        &["10.71.2.1/24"],
    );
    for (ns, ifn) in [(&narrow.a_ns, &narrow.a), (&narrow.b_ns, &narrow.b)] {
        ip(ns.as_deref(), &["link", "set", "dev", ifn, "mtu", "1000"]).expect("mtu");
    }
    ip(
        Some(&ns_o),
        &["route", "add", "default", "via", "10.71.1.2"],
    )
    .expect("route");
    ip(
        Some(&ns_p),
        &["route", "add", "default", "via", "10.71.2.2"],
    )
    .expect("route");
    // /proc/sys/net is the writing thread's namespace's.
    in_netns(&ns_r, || {
        std::fs::write("/proc/sys/net/ipv4/ip_forward", "1")
    })
    .expect("ip_forward in the router namespace");

    // A 1500-byte IP MTU less the IPv4 (and UDP) headers.
    let overhead = if udp { 28 } else { 20 };
    let cfg = Config {
        max_packet: 1500 - overhead,
        ..Config::default()
    };
    let c = cfg.clone();
    let mut ours: Box<dyn Driver> = in_netns(&ns_o, move || {
        let ep = Endpoint::new(c, Instant::now(), [5; 32]);
        if udp {
            let mut d = UdpDriver::bind(ep, SocketAddr::new(IpAddr::V4(OURS), 9899)).expect("bind");
            d.enable_icmp().expect("IP_RECVERR");
            Box::new(d) as Box<dyn Driver>
        } else {
            let mut d = RawDriver::bind(ep, IpAddr::V4(OURS)).expect("raw socket");
            d.enable_icmp().expect("IP_RECVERR");
            Box::new(d)
        }
    });
    let mut peer: Box<dyn Driver> = in_netns(&ns_p, move || {
        let mut ep = Endpoint::new(cfg, Instant::now(), [6; 32]);
        ep.listen(5000);
        if udp {
            Box::new(UdpDriver::bind(ep, SocketAddr::new(IpAddr::V4(PEER), 9899)).expect("bind"))
                as Box<dyn Driver>
        } else {
            Box::new(RawDriver::bind(ep, IpAddr::V4(PEER)).expect("raw socket"))
        }
    });
    let port = if udp { 9899 } else { 0 };
    let id = ours
        .ep()
        .connect(
            Instant::now(),
            ConnectOptions::new(
                IpAddr::V4(OURS),
                5001,
                SocketAddr::new(IpAddr::V4(PEER), port),
                5000,
            ),
        )
        .unwrap();
    let (mut ours_events, mut got) = (Vec::new(), None);
    let mut sent = false;
    // Generous for a loaded machine; a lost packet costs an RTO (1 s).
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline && got.is_none() {
        ours.step_for(Duration::from_millis(5));
        peer.step_for(Duration::from_millis(5));
        while let Some(e) = ours.ep().poll_event() {
            if matches!(
                e,
                Event::AssocChange {
                    change: AssocChange::CommUp,
                    ..
                }
            ) {
                ours.ep().send(id, 0, 51, false, vec![0x5a; 4000]).unwrap();
                sent = true;
            }
            ours_events.push(e);
        }
        while let Some(e) = peer.ep().poll_event() {
            if let Event::Message { message, .. } = e {
                if message.complete {
                    got = Some(message.data);
                }
            }
        }
    }
    assert!(sent, "no association; events {ours_events:?}");
    assert!(
        ours.icmp_errors() >= 1,
        "no ICMP error read; events {ours_events:?}"
    );
    assert!(
        ours_events.iter().any(|e| matches!(
            e,
            Event::IcmpReceived { kind: IcmpKind::FragNeeded { mtu: 1000 }, path_mtu, .. }
                if *path_mtu == 1000 - overhead
        )),
        "{ours_events:?}"
    );
    let status = ours.ep().status(id).unwrap();
    assert_eq!(status.packet_size, 1000 - overhead);
    let path = &status.paths[0];
    assert_eq!(
        (path.remote.ip(), path.mtu),
        (IpAddr::V4(PEER), 1000 - overhead)
    );
    assert_eq!(
        got.as_deref(),
        Some(&[0x5a; 4000][..]),
        "the message arrives whole"
    );
    // The DATA sent whole again above the new MTU (Transmit::fragment) left
    // as IP fragments made by our kernel, which the peer's reassembled.
    assert!(ours.fragmentable_sent() >= 1, "no packet marked fragment");
    let (made, whole) = (ip_stat(&ns_o, "FragCreates"), ip_stat(&ns_p, "ReasmOKs"));
    assert!(
        made >= 2 && whole >= 1,
        "fragments made {made}, reassembled {whole}"
    );
}
