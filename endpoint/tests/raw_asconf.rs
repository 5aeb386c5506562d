//! ASCONF (RFC 5061) with usrsctp across two veth pairs, over raw IPv4:
//! our endpoint's `RawDriver` in one network namespace with 10.128.N.1 on
//! link 1 and 10.129.N.1 on link 2, usrsctp in another with 10.128.N.2 and
//! 10.129.N.2 (`bindx=`), SCTP-AUTH on both sides (ASCONF requires it).
//! The association starts with our first address only; then:
//!
//! 1. we add our second address (Add IP Address): usrsctp acknowledges it,
//!    reports it and sends HEARTBEATs to it over link 2;
//! 2. we ask usrsctp to make it its primary (Set Primary Address), and
//!    usrsctp's DATA then comes to it;
//! 3. we delete our first address (Delete IP Address, sent from the second
//!    one: a Delete of the source address is refused by RFC 5061 5.2), and
//!    usrsctp sends nothing more to it while messages keep flowing;
//! 4. usrsctp deletes its first address (`usrsctp_bindx` remove): we follow
//!    (AddressConfigured, the path is retired) and send only to its second;
//! 5. usrsctp adds a third address (10.128.N.3, on link 1) and asks us to
//!    make it our primary: we follow (the path is probed and confirmed, our
//!    primary moves to it, our DATA goes over link 1 again).
//!
//! Both roles (we connect / usrsctp connects). Needs root; the namespaces
//! go with the test, also when it fails.

#[allow(dead_code)]
#[path = "../../craft/tests/peer/capture.rs"]
mod capture;
mod driven;
mod netlab;
mod peer;

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use netlab::{in_netns, tx_packets, Lab};
use peer::{Peer, PeerOpts};
use sctp_endpoint::driver::raw::RawDriver;
use sctp_endpoint::{AddressOp, AssocId, Config, ConnectOptions, Endpoint, Event, SendError};

const SERVER_PORT: u16 = 5000;
const CLIENT_PORT: u16 = 5001;

/// Our endpoint on raw sockets (steps of at most 2 ms).
type Ours = driven::Ours<RawDriver>;

impl Ours {
    /// AddressConfigured events: (addr, local, op, error).
    fn configured(&self) -> Vec<(IpAddr, bool, AddressOp, Option<u16>)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::AddressConfigured {
                    addr,
                    local,
                    op,
                    error,
                    ..
                } => Some((*addr, *local, *op, *error)),
                _ => None,
            })
            .collect()
    }
}

/// Sends `mine` messages of `size` bytes from us and asks usrsctp for
/// `theirs`; runs until all arrived.
fn exchange(
    ours: &mut Ours,
    id: AssocId,
    peer: &mut Peer,
    (mine, theirs, size): (u32, u32, usize),
    what: &str,
) {
    let (mine0, theirs0) = (ours.message_count(), peer.data_count());
    if theirs > 0 {
        peer.cmd(&format!("send {theirs} 1 {size} 0"));
    }
    let mut next = 0;
    let ok = ours.run_until(Duration::from_secs(20), |o| {
        while next < mine {
            match o.d.ep.send(id, 0, 1000, false, peer::body(0, next, size)) {
                Ok(()) => next += 1,
                Err(SendError::WouldBlock) => break,
                Err(e) => panic!("send: {e}"),
            }
        }
        o.message_count() >= mine0 + theirs as usize && peer.data_count() >= theirs0 + mine as usize
    });
    assert!(
        ok,
        "{what}: we got {}, usrsctp {}; {:?}\n{}",
        ours.message_count() - mine0,
        peer.data_count() - theirs0,
        ours.d.ep.status(id),
        peer.tail()
    );
}

#[test]
fn we_connect_asconf_both_ways_across_two_veth_pairs() {
    asconf(true, 1)
}

#[test]
fn they_connect_asconf_both_ways_across_two_veth_pairs() {
    asconf(false, 2)
}

fn asconf(we_connect: bool, n: u8) {
    let mut lab = Lab::new(&format!("a{n}"));
    let (ns_o, ns_p) = (lab.netns("o"), lab.netns("p"));
    let ip = |s: String| -> IpAddr { s.parse().unwrap() };
    let (o1, p1) = (ip(format!("10.128.{n}.1")), ip(format!("10.128.{n}.2")));
    let (o2, p2) = (ip(format!("10.129.{n}.1")), ip(format!("10.129.{n}.2")));
    // A third address of usrsctp's on link 1, bound only in step 5.
    let p3 = ip(format!("10.128.{n}.3"));
    let link1 = lab.link(
        Some(&ns_o),
        &[&format!("{o1}/24")],
        Some(&ns_p),
        &[&format!("{p1}/24"), &format!("{p3}/24")],
    );
    let link2 = lab.link(
        Some(&ns_o),
        &[&format!("{o2}/24")],
        Some(&ns_p),
        &[&format!("{p2}/24")],
    );
    let cfg = Config {
        outbound_streams: 16,
        rto_min: Duration::from_millis(100),
        rto_initial: Duration::from_millis(300),
        rto_max: Duration::from_secs(1),
        hb_interval: Duration::from_millis(500),
        auth: true,
        asconf: true,
        ..Config::default()
    };
    let mut ours = in_netns(&ns_o, || {
        let mut ep = Endpoint::new(cfg.clone(), Instant::now(), [n; 32]);
        if !we_connect {
            // Our association starts with o1 only.
            ep.listen(SERVER_PORT);
            ep.set_local_addresses(vec![o1]);
        }
        Ours::new(
            RawDriver::bind_addrs(ep, &[o1, o2]).expect("raw sockets in the namespace"),
            Duration::from_millis(2),
        )
    });
    let _cap = std::env::var_os("SCTPKIT_CAPTURE").map(|_| {
        capture::Capture::start("any", "ip proto 132", Some(&ns_o), &format!("asconf-{n}"))
            .expect("tshark")
    });
    let prefix = ["ip", "netns", "exec", ns_p.as_str()];
    let mut args: Vec<String> = if we_connect {
        vec![
            "server".into(),
            "0".into(),
            p1.to_string(),
            SERVER_PORT.to_string(),
        ]
    } else {
        vec![
            "client".into(),
            "0".into(),
            p1.to_string(),
            CLIENT_PORT.to_string(),
            o1.to_string(),
            "0".into(),
            SERVER_PORT.to_string(),
        ]
    };
    args.extend([
        format!("bindx={p2}"),
        "auth=".into(),
        "hb=200".into(),
        "rtomin=100".into(),
    ]);
    let mut peer = Peer::start(&PeerOpts {
        prefix: &prefix,
        args,
    });
    // Our association starts with o1 only.
    if we_connect {
        let o = ConnectOptions::new(o1, CLIENT_PORT, SocketAddr::new(p1, 0), SERVER_PORT);
        ours.d.ep.connect(Instant::now(), o).expect("connect");
    }
    assert!(
        ours.run_until(Duration::from_secs(10), |o| o.up().is_some()
            || o.ended().is_some()),
        "no association; peer:\n{}",
        peer.tail()
    );
    let id = ours.up().unwrap_or_else(|| panic!("{:?}", ours.events));
    assert!(ours.run_until(Duration::from_secs(5), |_| peer.saw("state=COMM_UP")));
    let st = ours.d.ep.status(id).unwrap();
    assert!(st.asconf, "ASCONF negotiated (with AUTH): {st:?}");
    assert_eq!(st.local_addrs, vec![o1]);
    exchange(&mut ours, id, &mut peer, (20, 20, 200), "at first");

    // 1. We add o2.
    let p_link2 = tx_packets(Some(&ns_p), &link2.b);
    ours.d.ep.add_address(Instant::now(), id, o2).unwrap();
    let ok = ours.run_until(Duration::from_secs(10), |o| {
        o.configured()
            .contains(&(o2, true, AddressOp::Add(o2), None))
            && peer.saw(&format!("addr={o2}"))
    });
    assert!(ok, "{:?}\n{}", ours.configured(), peer.tail());
    assert!(ours.d.ep.status(id).unwrap().local_addrs.contains(&o2));
    // usrsctp probes it over link 2 (its HEARTBEATs to o2).
    let ok = ours.run_until(Duration::from_secs(10), |_| {
        tx_packets(Some(&ns_p), &link2.b) > p_link2 + 2
    });
    assert!(ok, "usrsctp sent nothing to {o2}:\n{}", peer.tail());

    // 2. usrsctp's primary becomes o2; its DATA comes over link 2.
    ours.d.ep.set_peer_primary(Instant::now(), id, o2).unwrap();
    let ok = ours.run_until(Duration::from_secs(10), |o| {
        o.configured()
            .contains(&(o2, true, AddressOp::SetPrimary(o2), None))
    });
    assert!(ok, "{:?}\n{}", ours.configured(), peer.tail());
    let before = (
        tx_packets(Some(&ns_p), &link1.b),
        tx_packets(Some(&ns_p), &link2.b),
    );
    // Only usrsctp sends: its DATA goes to its primary.
    exchange(
        &mut ours,
        id,
        &mut peer,
        (0, 100, 1000),
        "usrsctp's primary o2",
    );
    let after = (
        tx_packets(Some(&ns_p), &link1.b),
        tx_packets(Some(&ns_p), &link2.b),
    );
    assert!(
        after.1 - before.1 >= 80 && after.0 - before.0 <= 10,
        "usrsctp's packets on (link 1, link 2): {before:?} -> {after:?}"
    );

    // 3. We delete o1, from o2 (our primary moves to p2, whose source is o2).
    assert!(ours.d.ep.set_primary(id, p2));
    ours.d.ep.remove_address(Instant::now(), id, o1).unwrap();
    let ok = ours.run_until(Duration::from_secs(10), |o| {
        o.configured()
            .iter()
            .any(|c| c.0 == o1 && c.2 == AddressOp::Delete(o1))
    });
    assert!(ok, "{:?}\n{}", ours.configured(), peer.tail());
    assert_eq!(
        ours.configured().last(),
        Some(&(o1, true, AddressOp::Delete(o1), None)),
        "{}",
        peer.tail()
    );
    assert_eq!(ours.d.ep.status(id).unwrap().local_addrs, vec![o2]);
    ours.run_until(Duration::from_millis(500), |_| false);
    let before = tx_packets(Some(&ns_p), &link1.b);
    exchange(&mut ours, id, &mut peer, (100, 100, 1000), "o1 deleted");
    let after = tx_packets(Some(&ns_p), &link1.b);
    assert!(
        after - before <= 2,
        "usrsctp still sends over link 1 to the deleted {o1}: {before} -> {after}"
    );

    // 4. usrsctp deletes p1: we follow and send only to p2.
    peer.cmd(&format!("bindx rem {p1}"));
    let ok = ours.run_until(Duration::from_secs(10), |o| {
        o.configured()
            .contains(&(p1, false, AddressOp::Delete(p1), None))
            && peer.saw("bindx_called")
    });
    assert!(
        ok,
        "{:?}\n{:?}",
        ours.configured(),
        peer.log()
            .iter()
            .filter(|l| !l.starts_with("data "))
            .collect::<Vec<_>>()
    );
    ours.run_until(Duration::from_millis(300), |_| false);
    let before = tx_packets(Some(&ns_o), &link1.a);
    exchange(&mut ours, id, &mut peer, (100, 100, 1000), "p1 deleted");
    let after = tx_packets(Some(&ns_o), &link1.a);
    assert!(
        after - before <= 2,
        "we still send over link 1 to the deleted {p1}: {before} -> {after}"
    );
    assert_eq!(ours.d.ep.status(id).unwrap().primary.ip(), p2);

    // 5. usrsctp adds p3 (p1 cannot come back to a server: its listening
    // socket holds it, EADDRINUSE) and asks us to make it our primary.
    peer.cmd(&format!("bindx add {p3}"));
    let ok = ours.run_until(Duration::from_secs(10), |o| {
        o.configured()
            .iter()
            .filter(|c| *c == &(p3, false, AddressOp::Add(p3), None))
            .count()
            == 1
    });
    assert!(ok, "{:?}\n{}", ours.configured(), peer.tail());
    peer.cmd(&format!("peerprimary {p3}"));
    let ok = ours.run_until(Duration::from_secs(10), |o| {
        o.configured()
            .contains(&(p3, false, AddressOp::SetPrimary(p3), None))
            && o.available(p3)
    });
    assert!(ok, "{:?}\n{}", ours.configured(), peer.tail());
    assert_eq!(ours.d.ep.status(id).unwrap().primary.ip(), p3);
    let before = tx_packets(Some(&ns_o), &link1.a);
    exchange(&mut ours, id, &mut peer, (100, 0, 1000), "p3 primary");
    let after = tx_packets(Some(&ns_o), &link1.a);
    assert!(
        after - before >= 80,
        "our data to the new primary {p3} over link 1: {before} -> {after}"
    );
    assert!(ours.ended().is_none(), "{:?}", ours.ended());
    let auth = ours.d.ep.status(id).unwrap().auth.expect("AUTH in use");
    assert_eq!(auth.unauthenticated, 0, "{auth:?}");
    assert_eq!(auth.bad_hmac, 0, "{auth:?}");
}
