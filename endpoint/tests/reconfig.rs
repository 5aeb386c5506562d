//! Stream reconfiguration (RE-CONFIG, RFC 6525) between two of our
//! endpoints on the in-memory link: outgoing and incoming stream resets,
//! added streams both ways, a request answered Bad Sequence Number and then
//! performed when sent again, SSN/TSN resets (performed, refused while
//! data is in flight, In progress while the peer's is), a deferred
//! outgoing reset (In progress, then performed), and the refusal when
//! RE-CONFIG was not negotiated. Each checks the chunks on the
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

/// (direction, TSN, stream, SSN) of every DATA chunk on the wire.
fn data_chunks(p: &Pair) -> Vec<(Dir, u32, u16, u16)> {
    let mut out = Vec::new();
    for (d, pk) in &p.trace {
        let v = PacketView::parse(pk, Rules::STANDARD).unwrap();
        for c in v.chunks() {
            if let Some(x) = c.data() {
                out.push((*d, x.tsn(), x.stream(), x.ssn()));
            }
        }
    }
    out
}

/// The Response parameters (type 16) on the wire: (direction, its whole
/// value as u32 words).
fn responses(p: &Pair) -> Vec<(Dir, Vec<u32>)> {
    let mut out = Vec::new();
    for (d, pk) in &p.trace {
        let v = PacketView::parse(pk, Rules::STANDARD).unwrap();
        for c in v.chunks().filter(|c| c.ty() == ty::RE_CONFIG) {
            for t in c.tlvs().filter(|t| t.ty() == 16) {
                let words = t
                    .value()
                    .chunks_exact(4)
                    .map(|w| u32::from_be_bytes(w.try_into().unwrap()))
                    .collect();
                out.push((*d, words));
            }
        }
    }
    out
}

fn assoc_resets(p: &mut Pair, a: bool) -> Vec<(u32, u32, ReconfigResult)> {
    events(p, a)
        .iter()
        .filter_map(|e| match e {
            Event::AssocReset {
                local_tsn,
                remote_tsn,
                result,
                ..
            } => Some((*local_tsn, *remote_tsn, *result)),
            _ => None,
        })
        .collect()
}

/// RFC 6525 5.1.4 / 5.2.4: A asks for an SSN/TSN reset with nothing in
/// flight; B performs it and answers Performed with its next TSN (the
/// highest it sent + 1, G2) and A's (the smallest it has not acknowledged
/// plus 2^31, G1); both sides then send DATA from those TSNs with every
/// SSN back at 0, and every message still arrives, in order.
#[test]
fn an_ssn_tsn_reset_is_performed_and_both_directions_restart() {
    let mut p = pair(cfg(true), cfg(true));
    send(&mut p, true, 1, 6, 1);
    send(&mut p, false, 2, 4, 1);
    deliver(&mut p, true, 6);
    deliver(&mut p, false, 4);
    // Let the last SACKs arrive: nothing in flight on either side.
    p.run_until(Duration::from_millis(500), |_| false);
    let before = data_chunks(&p);
    let last_a = before.iter().rev().find(|x| x.0 == Dir::AtoB).unwrap().1;
    let last_b = before.iter().rev().find(|x| x.0 == Dir::BtoA).unwrap().1;
    let (now, id) = (p.now, ours(&mut p, true).id.unwrap());
    ours(&mut p, true).ep.reset_association(now, id).unwrap();
    let done = p.run_until(Duration::from_secs(10), |p| {
        !assoc_resets(p, true).is_empty() && !assoc_resets(p, false).is_empty()
    });
    assert!(done, "{}", p.report());
    // On the wire: the request (15, A's sequence number = its initial
    // TSN, the first request) and a 20-byte Response with both TSNs.
    let params = reconfig_params(&p);
    let req = params
        .iter()
        .find(|x| x.1 == 15)
        .expect("an SSN/TSN request");
    assert_eq!(req.0, Dir::AtoB);
    let resp = responses(&p);
    assert_eq!(resp.len(), 1, "{resp:?}");
    let (dir, words) = &resp[0];
    assert_eq!(*dir, Dir::BtoA);
    assert_eq!(words.len(), 4, "Response with both next TSNs: {words:?}");
    assert_eq!((words[0], words[1]), (req.2, 1), "Performed");
    let (senders_next, receivers_next) = (words[2], words[3]);
    assert_eq!(
        senders_next,
        last_b.wrapping_add(1),
        "G2: B's highest TSN + 1"
    );
    assert_eq!(
        receivers_next,
        last_a.wrapping_add(1).wrapping_add(1 << 31),
        "G1: A's first unacknowledged TSN + 2^31"
    );
    // Both sides report the same pair of TSNs.
    let ra = assoc_resets(&mut p, true);
    let rb = assoc_resets(&mut p, false);
    assert_eq!(
        ra,
        vec![(receivers_next, senders_next, ReconfigResult::Performed)]
    );
    assert_eq!(
        rb,
        vec![(senders_next, receivers_next, ReconfigResult::Performed)]
    );
    // After it: new TSNs, SSNs from 0, both ways, on the same streams.
    let n = data_chunks(&p).len();
    send(&mut p, true, 1, 3, 2);
    send(&mut p, false, 2, 3, 2);
    deliver(&mut p, true, 9);
    deliver(&mut p, false, 7);
    let after: Vec<_> = data_chunks(&p)[n..].to_vec();
    let a_after: Vec<(u32, u16)> = after
        .iter()
        .filter(|x| x.0 == Dir::AtoB)
        .map(|x| (x.1, x.3))
        .collect();
    let b_after: Vec<(u32, u16)> = after
        .iter()
        .filter(|x| x.0 == Dir::BtoA)
        .map(|x| (x.1, x.3))
        .collect();
    let from = |t: u32| {
        (0..3u16)
            .map(move |i| (t.wrapping_add(i as u32), i))
            .collect::<Vec<_>>()
    };
    assert_eq!(a_after, from(receivers_next));
    assert_eq!(b_after, from(senders_next));
    let got: Vec<Vec<u8>> = p.b.inbox().iter().map(|m| m.data.clone()).collect();
    let want: Vec<Vec<u8>> = (0..6)
        .map(|i| vec![1, i])
        .chain((0..3).map(|i| vec![2, i]))
        .collect();
    assert_eq!(got, want);
    let got: Vec<Vec<u8>> = p.a.inbox().iter().map(|m| m.data.clone()).collect();
    let want: Vec<Vec<u8>> = (0..4)
        .map(|i| vec![1, i])
        .chain((0..3).map(|i| vec![2, i]))
        .collect();
    assert_eq!(got, want);
    // SACKs acknowledge the new TSNs: nothing left in flight.
    p.run_until(Duration::from_millis(500), |_| false);
    assert_eq!(ours(&mut p, true).status().unwrap().outstanding, 0);
    assert_eq!(ours(&mut p, false).status().unwrap().outstanding, 0);
}

/// The request needs nothing queued or in flight on our side.
#[test]
fn an_ssn_tsn_reset_is_refused_while_our_data_is_in_flight() {
    let mut p = pair(cfg(true), cfg(true));
    send(&mut p, true, 1, 3, 1);
    let (now, id) = (p.now, ours(&mut p, true).id.unwrap());
    assert_eq!(
        ours(&mut p, true).ep.reset_association(now, id),
        Err(ReconfigError::Busy)
    );
    deliver(&mut p, true, 3);
    p.run_until(Duration::from_millis(500), |_| false);
    let now = p.now;
    ours(&mut p, true).ep.reset_association(now, id).unwrap();
}

/// B has DATA in flight (A does not see it the first time) when A's
/// SSN/TSN Reset Request arrives: B answers In progress rather than count
/// its data as acknowledged (RFC 6525 5.2.4 G3 would lose it); A asks
/// again on its timer, by then B's data is in and acknowledged, and the
/// reset is performed. Every message of B arrives.
#[test]
fn an_ssn_tsn_reset_waits_while_the_peer_has_data_in_flight() {
    let mut p = pair(cfg(true), cfg(true));
    let mut dropped = 0;
    p.set_tamper(move |dir, pk| {
        let data = PacketView::parse(pk, Rules::STANDARD)
            .map(|v| v.chunks().any(|c| c.ty() == ty::DATA))
            .unwrap_or(false);
        if dir == Dir::BtoA && data && dropped < 3 {
            dropped += 1;
            return Tamper::Drop;
        }
        Tamper::Pass
    });
    send(&mut p, false, 2, 3, 1);
    p.run_until(Duration::from_millis(20), |_| false);
    assert!(ours(&mut p, false).status().unwrap().outstanding > 0);
    let (now, id) = (p.now, ours(&mut p, true).id.unwrap());
    ours(&mut p, true).ep.reset_association(now, id).unwrap();
    let done = p.run_until(Duration::from_secs(30), |p| {
        !assoc_resets(p, true).is_empty()
    });
    assert!(done, "{}", p.report());
    let results: Vec<u32> = responses(&p).iter().map(|r| r.1[1]).collect();
    assert_eq!(results.first(), Some(&6), "In progress first: {results:?}");
    assert_eq!(results.last(), Some(&1), "then Performed: {results:?}");
    assert_eq!(assoc_resets(&mut p, true)[0].2, ReconfigResult::Performed);
    let got: Vec<Vec<u8>> = p.a.inbox().iter().map(|m| m.data.clone()).collect();
    assert_eq!(got, (0..3).map(|i| vec![1, i]).collect::<Vec<_>>());
}

/// Whether B has received no DATA yet (A's first DATA was lost).
fn dropped_probe(p: &mut Pair) -> bool {
    p.b.inbox().is_empty() && ours(p, true).status().unwrap().outstanding > 0
}

/// RFC 6525 5.2.2 deferred reset: A's first DATA on stream 1 is lost and
/// A resets the stream at once, so its Outgoing SSN Reset Request's
/// Sender's Last Assigned TSN is above B's cumulative TSN: B answers In
/// progress (6) and resets nothing yet; A sends the request again on its
/// timer, once the DATA came B performs it (1). Messages sent after the
/// request start at SSN 0 and arrive after the others, in order.
#[test]
fn a_deferred_reset_is_answered_in_progress_then_performed() {
    let mut p = pair(cfg(true), cfg(true));
    let mut dropped = false;
    p.set_tamper(move |dir, pk| {
        let data = PacketView::parse(pk, Rules::STANDARD)
            .map(|v| v.chunks().any(|c| c.ty() == ty::DATA))
            .unwrap_or(false);
        if dir == Dir::AtoB && data && !dropped {
            dropped = true;
            return Tamper::Drop;
        }
        Tamper::Pass
    });
    send(&mut p, true, 1, 3, 1);
    // The DATA leaves (and is lost) before the request.
    p.run_until(Duration::from_millis(1), |_| false);
    assert!(dropped_probe(&mut p));
    let (now, id) = (p.now, ours(&mut p, true).id.unwrap());
    ours(&mut p, true).ep.reset_streams(now, id, &[1]).unwrap();
    send(&mut p, true, 1, 2, 2);
    let done = p.run_until(Duration::from_secs(30), |p| {
        ours(p, true)
            .events
            .iter()
            .any(|e| matches!(e, Event::StreamReset { .. }))
            && p.b.inbox().len() == 5
    });
    assert!(done, "{}", p.report());
    // In progress until the lost DATA came (the request may be sent again
    // before the DATA is), then Performed once.
    let results: Vec<u32> = responses(&p).iter().map(|r| r.1[1]).collect();
    assert_eq!(results.first(), Some(&6), "In progress first: {results:?}");
    assert_eq!(results.last(), Some(&1), "then Performed: {results:?}");
    assert!(
        results[..results.len() - 1].iter().all(|r| *r == 6),
        "{results:?}"
    );
    let requests: Vec<_> = reconfig_params(&p)
        .into_iter()
        .filter(|x| x.1 == 13)
        .collect();
    assert_eq!(requests.len(), results.len(), "sent again: {requests:?}");
    assert!(
        requests.iter().all(|r| r.2 == requests[0].2),
        "with the same number"
    );
    let got: Vec<Vec<u8>> = p.b.inbox().iter().map(|m| m.data.clone()).collect();
    let want: Vec<Vec<u8>> = (0..3)
        .map(|i| vec![1, i])
        .chain((0..2).map(|i| vec![2, i]))
        .collect();
    assert_eq!(got, want);
    let ssns: Vec<u16> = data_ssns(&p, Dir::AtoB).iter().map(|x| x.1).collect();
    assert_eq!(&ssns[ssns.len() - 2..], [0, 1], "{ssns:?}");
    assert!(events(&mut p, false).iter().any(|e| matches!(
        e,
        Event::StreamReset {
            outgoing: false,
            result: ReconfigResult::Performed,
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
