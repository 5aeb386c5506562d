//! Stream reconfiguration (RE-CONFIG, RFC 6525) between two of our
//! endpoints on the in-memory link: outgoing and incoming stream resets,
//! added streams both ways, a request answered Bad Sequence Number and then
//! performed when sent again, an SSN/TSN reset answered Denied, and the
//! refusal when RE-CONFIG was not negotiated. Each checks the chunks on the
//! wire (parameter types, sequence numbers, results), the events on both
//! sides and that messages still arrive in order with the new numbering.

mod common;

use std::time::{Duration, Instant};

use common::ours::Ours;
use common::{Dir, Pair, Tamper, OUR_IP, PEER_IP};
use sctp_codec::chunk::ty;
use sctp_codec::{checksum, PacketView, Rules};
use sctp_endpoint::{Config, Event, ReconfigError, ReconfigResult};

fn cfg(reconfig: bool) -> Config {
    Config {
        reconfig,
        ..Config::default()
    }
}

fn pair(a: Config, b: Config) -> Pair {
    let start = Instant::now();
    let mut p = Pair::new(
        Box::new(Ours::new(a, start, 1, OUR_IP, PEER_IP)),
        Box::new(Ours::new(b, start, 2, PEER_IP, OUR_IP)),
        start,
        Duration::from_millis(2),
    );
    p.handshake();
    p
}

fn ours(p: &mut Pair, a: bool) -> &mut Ours {
    let peer = if a { &mut p.a } else { &mut p.b };
    peer.as_any().downcast_mut::<Ours>().expect("our endpoint")
}

/// (direction, RE-CONFIG parameter type, first u32, second u32) of every
/// RE-CONFIG parameter on the wire.
fn reconfig_params(p: &Pair) -> Vec<(Dir, u16, u32, u32)> {
    let mut out = Vec::new();
    for (d, pk) in &p.trace {
        let v = PacketView::parse(pk, Rules::STANDARD).unwrap();
        for c in v.chunks().filter(|c| c.ty() == ty::RE_CONFIG) {
            for t in c.tlvs() {
                let val = t.value();
                let u = |i: usize| {
                    val.get(i..i + 4)
                        .map_or(0, |b| u32::from_be_bytes(b.try_into().unwrap()))
                };
                out.push((*d, t.ty(), u(0), u(4)));
            }
        }
    }
    out
}

/// (stream, SSN) of every DATA chunk going `dir`.
fn data_ssns(p: &Pair, dir: Dir) -> Vec<(u16, u16)> {
    let mut out = Vec::new();
    for (d, pk) in p.trace.iter().filter(|(d, _)| *d == dir) {
        let _ = d;
        let v = PacketView::parse(pk, Rules::STANDARD).unwrap();
        for c in v.chunks() {
            if let Some(d) = c.data() {
                out.push((d.stream(), d.ssn()));
            }
        }
    }
    out
}

fn events(p: &mut Pair, a: bool) -> Vec<Event> {
    ours(p, a).events.clone()
}

fn send(p: &mut Pair, a: bool, stream: u16, n: u32, tag: u8) {
    let id = ours(p, a).id.unwrap();
    for i in 0..n {
        ours(p, a)
            .ep
            .send(id, stream, 7, false, vec![tag, i as u8])
            .unwrap();
    }
}

/// Runs until `b` (or `a`) delivered `count` messages in all.
fn deliver(p: &mut Pair, to_b: bool, count: usize) {
    let ok = p.run_until(Duration::from_secs(30), |p| {
        let peer = if to_b { &mut p.b } else { &mut p.a };
        peer.inbox().len() >= count
    });
    assert!(ok, "{}", p.report());
}

#[test]
fn an_outgoing_reset_restarts_the_ssns_and_both_sides_hear_of_it() {
    let mut p = pair(cfg(true), cfg(true));
    assert!(ours(&mut p, true).status().unwrap().reconfig);
    send(&mut p, true, 1, 10, 1);
    deliver(&mut p, true, 10);
    let (now, id) = (p.now, ours(&mut p, true).id.unwrap());
    ours(&mut p, true).ep.reset_streams(now, id, &[1]).unwrap();
    // Sent right after the request: held back until the peer answered.
    send(&mut p, true, 1, 5, 2);
    deliver(&mut p, true, 15);
    let got: Vec<Vec<u8>> = p.b.inbox().iter().map(|m| m.data.clone()).collect();
    let want: Vec<Vec<u8>> = (0..10)
        .map(|i| vec![1, i])
        .chain((0..5).map(|i| vec![2, i]))
        .collect();
    assert_eq!(got, want, "every message, in order");
    let ssns: Vec<u16> = data_ssns(&p, Dir::AtoB).iter().map(|x| x.1).collect();
    assert_eq!(ssns, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4]);
    // On the wire: an Outgoing SSN Reset Request (13) whose sequence number
    // is A's initial TSN, answered by a Response (16) with that number and
    // Success - Performed (1).
    let params = reconfig_params(&p);
    let req = params.iter().find(|x| x.1 == 13).expect("request");
    assert_eq!(req.0, Dir::AtoB);
    let resp = params.iter().find(|x| x.1 == 16).expect("response");
    assert_eq!((resp.0, resp.2, resp.3), (Dir::BtoA, req.2, 1));
    let reset = |outgoing| Event::StreamReset {
        id: sctp_endpoint::AssocId(0),
        outgoing,
        streams: vec![1],
        result: ReconfigResult::Performed,
    };
    let strip = |e: &Event| match e {
        Event::StreamReset {
            outgoing,
            streams,
            result,
            ..
        } => Some(Event::StreamReset {
            id: sctp_endpoint::AssocId(0),
            outgoing: *outgoing,
            streams: streams.clone(),
            result: *result,
        }),
        _ => None,
    };
    let ea: Vec<Event> = events(&mut p, true).iter().filter_map(strip).collect();
    let eb: Vec<Event> = events(&mut p, false).iter().filter_map(strip).collect();
    assert_eq!(ea, vec![reset(true)]);
    assert_eq!(eb, vec![reset(false)]);
}

#[test]
fn an_incoming_reset_request_is_answered_by_the_peers_outgoing_reset() {
    let mut p = pair(cfg(true), cfg(true));
    send(&mut p, true, 2, 4, 1);
    deliver(&mut p, true, 4);
    // B asks A to reset A's stream 2 (B's incoming).
    let (now, id) = (p.now, ours(&mut p, false).id.unwrap());
    ours(&mut p, false)
        .ep
        .reset_incoming_streams(now, id, &[2])
        .unwrap();
    p.run_until(Duration::from_secs(2), |_| false);
    send(&mut p, true, 2, 3, 2);
    deliver(&mut p, true, 7);
    let ssns: Vec<u16> = data_ssns(&p, Dir::AtoB).iter().map(|x| x.1).collect();
    assert_eq!(ssns, [0, 1, 2, 3, 0, 1, 2]);
    let params = reconfig_params(&p);
    // B: Incoming SSN Reset Request (14); A: Outgoing SSN Reset Request (13)
    // whose Response Sequence Number is B's request's; B: Performed.
    let inreq = params.iter().find(|x| x.1 == 14).expect("incoming request");
    assert_eq!(inreq.0, Dir::BtoA);
    let outreq = params.iter().find(|x| x.1 == 13).expect("outgoing request");
    assert_eq!((outreq.0, outreq.3), (Dir::AtoB, inreq.2));
    let resp = params.iter().find(|x| x.1 == 16).expect("response");
    assert_eq!((resp.0, resp.2, resp.3), (Dir::BtoA, outreq.2, 1));
    assert!(events(&mut p, true).iter().any(|e| matches!(
        e,
        Event::StreamReset {
            outgoing: true,
            result: ReconfigResult::Performed,
            ..
        }
    )));
}

#[test]
fn streams_are_added_both_ways() {
    let mut p = pair(cfg(true), cfg(true));
    let (now, id) = (p.now, ours(&mut p, true).id.unwrap());
    let before = ours(&mut p, true).status().unwrap().streams;
    ours(&mut p, true).ep.add_streams(now, id, 5, 3).unwrap();
    p.run_until(Duration::from_secs(3), |_| false);
    let a = ours(&mut p, true).status().unwrap().streams;
    let b = ours(&mut p, false).status().unwrap().streams;
    assert_eq!(a, (before.0 + 5, before.1 + 3), "A (out, in)");
    assert_eq!(b, (a.1, a.0), "B mirrors A");
    // The new streams carry data both ways.
    send(&mut p, true, a.0 - 1, 2, 1);
    deliver(&mut p, true, 2);
    send(&mut p, false, b.0 - 1, 2, 2);
    deliver(&mut p, false, 2);
    let params = reconfig_params(&p);
    let types: Vec<u16> = params.iter().map(|x| x.1).collect();
    // A: Add Outgoing (17) and Add Incoming (18); B: two responses, then
    // its own Add Outgoing (17) which A answers.
    assert!(
        types.iter().filter(|t| **t == 17).count() == 2,
        "{params:?}"
    );
    assert!(types.contains(&18), "{params:?}");
    assert!(
        params.iter().filter(|x| x.1 == 16).all(|x| x.3 == 1),
        "{params:?}"
    );
    assert!(events(&mut p, true).iter().any(|e| matches!(
        e,
        Event::StreamChange {
            result: ReconfigResult::Performed,
            ..
        }
    )));
}

#[test]
fn a_bad_sequence_number_is_answered_and_the_request_sent_again() {
    let mut p = pair(cfg(true), cfg(true));
    let mut altered = false;
    p.set_tamper(move |dir, pk| {
        let is_request =
            dir == Dir::AtoB && pk.len() > 24 && pk[12] == ty::RE_CONFIG && pk[17] == 13;
        if is_request && !altered {
            altered = true;
            // Request sequence number + 100.
            let seq = u32::from_be_bytes(pk[20..24].try_into().unwrap()).wrapping_add(100);
            pk[20..24].copy_from_slice(&seq.to_be_bytes());
            pk[8..12].fill(0);
            let c = checksum::crc32c_field(pk);
            pk[8..12].copy_from_slice(&c.to_be_bytes());
        }
        Tamper::Pass
    });
    let (now, id) = (p.now, ours(&mut p, true).id.unwrap());
    ours(&mut p, true).ep.reset_streams(now, id, &[]).unwrap();
    let done = p.run_until(Duration::from_secs(10), |p| {
        ours(p, true)
            .events
            .iter()
            .any(|e| matches!(e, Event::StreamReset { .. }))
    });
    assert!(done, "{}", p.report());
    let params = reconfig_params(&p);
    let results: Vec<u32> = params.iter().filter(|x| x.1 == 16).map(|x| x.3).collect();
    assert_eq!(
        results,
        [5, 1],
        "Bad Sequence Number, then Performed: {params:?}"
    );
    let requests = params.iter().filter(|x| x.1 == 13).count();
    assert_eq!(requests, 2);
}

#[test]
fn an_ssn_tsn_reset_request_is_denied() {
    let mut p = pair(cfg(true), cfg(true));
    // Turn A's next request into an SSN/TSN Reset Request (15): same
    // sequence number, no other field.
    p.set_tamper(move |dir, pk| {
        if dir == Dir::AtoB && pk.len() >= 24 && pk[12] == ty::RE_CONFIG && pk[17] == 14 {
            pk[17] = 15;
            pk[8..12].fill(0);
            let c = checksum::crc32c_field(pk);
            pk[8..12].copy_from_slice(&c.to_be_bytes());
        }
        Tamper::Pass
    });
    let (now, id) = (p.now, ours(&mut p, true).id.unwrap());
    ours(&mut p, true)
        .ep
        .reset_incoming_streams(now, id, &[])
        .unwrap();
    p.run_until(Duration::from_secs(2), |_| false);
    let params = reconfig_params(&p);
    let resp = params.iter().find(|x| x.1 == 16).expect("a response");
    assert_eq!(resp.3, 2, "Denied: {params:?}");
    assert!(events(&mut p, true).iter().any(|e| matches!(
        e,
        Event::StreamReset {
            outgoing: false,
            result: ReconfigResult::Denied,
            ..
        }
    )));
}

#[test]
fn without_re_config_on_both_sides_requests_are_refused() {
    let mut p = pair(cfg(true), cfg(false));
    let (now, id) = (p.now, ours(&mut p, true).id.unwrap());
    assert!(!ours(&mut p, true).status().unwrap().reconfig);
    assert_eq!(
        ours(&mut p, true).ep.reset_streams(now, id, &[0]),
        Err(ReconfigError::NotNegotiated)
    );
    let mut p = pair(cfg(true), cfg(true));
    let (now, id) = (p.now, ours(&mut p, true).id.unwrap());
    assert_eq!(
        ours(&mut p, true).ep.reset_streams(now, id, &[999]),
        Err(ReconfigError::InvalidStream)
    );
}
