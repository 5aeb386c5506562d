//! A live ICMP error on loopback (RFC 9260 Appendix C ICMP8, RFC 6951
//! 5.5): our INIT over UDP goes to a port nobody listens on, Linux answers
//! with ICMP Port Unreachable, the UDP driver reads it from the socket's
//! error queue (`IP_RECVERR`) and the endpoint ends the association in
//! COOKIE-WAIT like an ABORT, instead of retransmitting INIT for minutes.
//! No root needed.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use sctp_endpoint::driver::udp::UdpDriver;
use sctp_endpoint::{AssocChange, Config, ConnectOptions, Endpoint, Event, IcmpKind, Reason};

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

#[test]
fn port_unreachable_from_the_kernel_ends_cookie_wait() {
    // A UDP port that was free a moment ago and is closed now.
    let closed = {
        let s = UdpSocket::bind((LOOPBACK, 0)).unwrap();
        s.local_addr().unwrap().port()
    };
    let ep = Endpoint::new(Config::default(), Instant::now(), [3; 32]);
    let mut d = UdpDriver::bind(ep, SocketAddr::new(LOOPBACK, 0)).unwrap();
    d.enable_icmp().expect("IP_RECVERR");
    let id =
        d.ep.connect(
            Instant::now(),
            ConnectOptions::new(LOOPBACK, 5001, SocketAddr::new(LOOPBACK, closed), 5000),
        )
        .unwrap();
    let mut events = Vec::new();
    // INIT is retransmitted after 1 s, 2 s, 4 s...: giving up on timers
    // alone would take minutes. A generous bound for a loaded machine.
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline && d.ep.association_count() > 0 {
        d.step(Duration::from_millis(100)).unwrap();
        while let Some(e) = d.ep.poll_event() {
            events.push(e);
        }
    }
    assert!(d.icmp_errors >= 1, "no ICMP error read; events {events:?}");
    assert!(
        events.iter().any(|e| matches!(
            e,
            Event::IcmpReceived { id: i, kind: IcmpKind::PortUnreachable, .. } if *i == id
        )),
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| matches!(
            e,
            Event::AssocChange {
                change: AssocChange::CantStartAssoc,
                reason: Some(Reason::PeerAbort(_)),
                ..
            }
        )),
        "{events:?}"
    );
    assert_eq!(d.ep.stats().icmp_handled, 1);
}
