//! Arbitrary packets into an established association: the endpoint must
//! never panic, whatever the chunks say, and must keep its timers sane.
//! The input is a sequence of packets (2-byte length, then that many bytes
//! of chunks); each gets the association's ports and verification tag and
//! a correct CRC32c, so it reaches the association instead of being dropped
//! at the door. Every few packets the virtual clock moves on and timers run.
//! The first byte picks the extensions both sides offer: none; ECN,
//! RE-CONFIG, zero checksum, AUTH, ASCONF, PKTDROP and NAT support; I-DATA
//! with RE-CONFIG and PKTDROP; AUTH that requires DATA, SACK and RE-CONFIG
//! to be authenticated.
#![no_main]

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use sctp_codec::checksum::crc32c_field;
use sctp_endpoint::driver::memlink::{Impairment, Network};
use sctp_endpoint::{AssocChange, Config, ConnectOptions, Endpoint, Event};

fn config(pick: u8) -> Config {
    let base = Config::default();
    match pick % 4 {
        0 => base,
        1 => Config {
            ecn: true,
            reconfig: true,
            zero_checksum_edmid: Some(1),
            auth: true,
            pktdrop: true,
            nat_support: true,
            asconf: true,
            ..base
        },
        2 => Config {
            interleaving: true,
            reconfig: true,
            pktdrop: true,
            ..base
        },
        _ => Config {
            auth: true,
            auth_chunks: vec![0, 3, 0x82],
            reconfig: true,
            ..base
        },
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, data)) = data.split_first() else {
        return;
    };
    let now = Instant::now();
    let a_ip: IpAddr = "10.0.0.1".parse().unwrap();
    let b_ip: IpAddr = "10.0.0.2".parse().unwrap();
    let mut n = Network::new(now, Impairment::default(), 1);
    n.add(Endpoint::new(config(pick), now, [1; 32]), vec![a_ip]);
    let mut b = Endpoint::new(config(pick), now, [2; 32]);
    b.listen(5000);
    n.add(b, vec![b_ip]);
    let id = n
        .ep(0)
        .connect(now, ConnectOptions::new(a_ip, 5001, (b_ip, 0).into(), 5000))
        .unwrap();
    let up = n.run_until(Duration::from_secs(5), |n| {
        n.events[1].iter().any(|e| {
            matches!(
                e,
                Event::AssocChange {
                    change: AssocChange::CommUp,
                    ..
                }
            )
        })
    });
    assert!(up);
    let _ = n.ep(0).send(id, 0, 1, false, vec![1u8; 3000]);
    n.run_until(Duration::from_millis(1), |_| false);
    // The server side's tag as A uses it: read it from A's status.
    let tags = n.ep(0).status(id).unwrap().tags;
    let (to_b_vtag, _) = (tags.1, tags.0);
    let mut rest = data;
    let mut buf = Vec::new();
    let mut t = n.now;
    let mut k = 0u32;
    while rest.len() >= 2 {
        let len = u16::from_be_bytes([rest[0], rest[1]]) as usize % 1500;
        rest = &rest[2..];
        let body = &rest[..len.min(rest.len())];
        rest = &rest[body.len()..];
        let mut p = Vec::with_capacity(12 + body.len());
        p.extend_from_slice(&5001u16.to_be_bytes());
        p.extend_from_slice(&5000u16.to_be_bytes());
        p.extend_from_slice(&to_b_vtag.to_be_bytes());
        p.extend_from_slice(&[0; 4]);
        p.extend_from_slice(body);
        let c = crc32c_field(&p);
        p[8..12].copy_from_slice(&c.to_be_bytes());
        let ep = n.ep(1);
        ep.handle_packet(t, SocketAddr::new(a_ip, 0), b_ip, &p);
        while ep.poll_transmit(t, &mut buf).is_some() {}
        while ep.poll_event().is_some() {}
        k += 1;
        if k % 4 == 0 {
            t += Duration::from_millis(250);
            if let Some(d) = ep.poll_timeout() {
                assert!(d >= now, "a timer in the past of the start");
                if d <= t {
                    ep.handle_timeout(t);
                }
            }
        }
    }
});
