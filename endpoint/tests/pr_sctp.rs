//! Partial reliability (RFC 3758, RFC 7496) over the in-memory link: with
//! loss, messages sent with a retransmission limit or a lifetime may be
//! abandoned, the peer is told with FORWARD TSN, later messages on the same
//! ordered stream still arrive, every reliable message arrives, nothing
//! arrives twice; with the feature off on one side, everything is reliable.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use sctp_codec::{PacketView, Rules};
use sctp_endpoint::driver::memlink::{Impairment, Network};
use sctp_endpoint::{AssocChange, AssocId, Config, Event, PrPolicy, SendOptions};

mod memnet;
use memnet::{connect, is_up, two_nodes};

fn setup(imp: Impairment, seed: u64, server_pr: bool) -> (Network, AssocId) {
    let now = Instant::now();
    let cfg = Config {
        rto_min: Duration::from_millis(100),
        rto_initial: Duration::from_millis(200),
        ..Config::default()
    };
    let server = Config {
        pr_sctp: server_pr,
        ..cfg.clone()
    };
    let mut n = two_nodes(now, imp, seed, (cfg, seed as u8), (server, !seed as u8));
    let a = connect(&mut n, now);
    // The handshake itself is not impaired differently; retry until up.
    assert!(n.run_until(Duration::from_secs(30), |n| is_up(n, 1)));
    (n, a)
}

/// Sends 3,000 messages on 4 ordered streams: every third reliable, the
/// others with Rtx(0) or a 50 ms lifetime. Returns what B received (index,
/// stream) once all reliable ones are in and the sender is idle.
fn run(n: &mut Network, a: AssocId) -> Vec<(u32, u16)> {
    let policy = |i: u32| match i % 3 {
        0 => PrPolicy::Reliable,
        1 => PrPolicy::Rtx(0),
        _ => PrPolicy::Ttl(Duration::from_millis(50)),
    };
    let mut next = 0u32;
    let total = 3000u32;
    let got = |n: &Network| -> Vec<(u32, u16)> {
        n.events[1]
            .iter()
            .filter_map(|e| match e {
                Event::Message { message, .. } => Some((
                    u32::from_be_bytes(message.data[..4].try_into().unwrap()),
                    message.stream,
                )),
                _ => None,
            })
            .collect()
    };
    let ok = n.run_until(Duration::from_secs(600), |n| {
        let now = n.now;
        while next < total {
            let mut body = next.to_be_bytes().to_vec();
            body.resize(500, 0);
            let opts = SendOptions {
                unordered: false,
                pr: policy(next),
            };
            match n.ep(0).send_with(now, a, (next % 4) as u16, 0, opts, body) {
                Ok(()) => next += 1,
                Err(sctp_endpoint::SendError::WouldBlock) => break,
                Err(e) => panic!("{e}"),
            }
        }
        let st = n.ep(0).status(a).unwrap();
        next == total && st.outstanding == 0 && st.queued == 0
    });
    assert!(ok, "the sender never became idle: {:?}", n.ep(0).status(a));
    // Let the last SACKs and deliveries settle.
    n.run_until(Duration::from_secs(2), |_| false);
    got(n)
}

fn check(got: &[(u32, u16)]) {
    let mut seen = HashSet::new();
    let mut last = [None::<u32>; 4];
    for &(i, s) in got {
        assert!(seen.insert(i), "message {i} delivered twice");
        assert_eq!(s as u32, i % 4);
        if let Some(p) = last[s as usize] {
            assert!(p < i, "stream {s}: {i} after {p}");
        }
        last[s as usize] = Some(i);
    }
    for i in (0..3000).step_by(3) {
        assert!(seen.contains(&i), "reliable message {i} missing");
    }
}

#[test]
fn abandoned_messages_are_skipped_and_the_rest_arrives() {
    let imp = Impairment {
        loss: 0.15,
        ..Impairment::default()
    };
    let (mut n, a) = setup(imp, 21, true);
    let got = run(&mut n, a);
    check(&got);
    let st = n.ep(0).status(a).unwrap();
    assert!(st.pr_sctp, "PR-SCTP negotiated");
    eprintln!(
        "15% loss: {} of 3000 delivered; abandoned ttl={} rtx={}; {} retransmissions",
        got.len(),
        st.abandoned.ttl,
        st.abandoned.rtx,
        st.retransmissions
    );
    assert!(
        st.abandoned.rtx > 0,
        "some Rtx(0) message was lost and abandoned"
    );
    assert!(got.len() < 3000, "abandoned messages do not arrive");
    assert_eq!(st.state, sctp_endpoint::State::Established);
}

#[test]
fn without_the_peers_support_everything_is_reliable() {
    let imp = Impairment {
        loss: 0.15,
        ..Impairment::default()
    };
    let (mut n, a) = setup(imp, 22, false);
    let got = run(&mut n, a);
    check(&got);
    let st = n.ep(0).status(a).unwrap();
    assert!(!st.pr_sctp);
    assert_eq!(
        got.len(),
        3000,
        "all delivered when PR-SCTP is not negotiated"
    );
    assert_eq!(st.abandoned, Default::default());
}

/// The chunks of a packet: (type, DATA TSN or 0, DATA stream or 0).
fn chunks(p: &[u8]) -> Vec<(u8, u32, u16)> {
    let v = PacketView::parse(p, Rules::STANDARD).expect("our endpoint's packets parse");
    v.chunks()
        .map(|c| match c.data() {
            Some(d) => (c.ty(), d.tsn(), d.stream()),
            None => (c.ty(), 0, 0),
        })
        .collect()
}

/// A timed message whose every copy is lost, and the first FORWARD TSN
/// lost with it, while everything sent after it is gap-acknowledged: the
/// sender must still get the FORWARD TSN through (RFC 3758 3.5 C3/C4: on
/// later SACKs short of the point, and on T3-rtx, which keeps running
/// while an abandoned chunk is unacknowledged, RFC 9260 6.3.2 R3).
/// Before the fix T3-rtx stopped once nothing was counted in flight and
/// the sender waited forever (seen against usrsctp, one run in twelve).
#[test]
fn a_lost_forward_tsn_is_sent_again_when_everything_else_is_gap_acked() {
    let (mut n, a) = setup(Impairment::default(), 5, true);
    // Both sides up (the COOKIE ACK may still be on the link).
    assert!(
        n.run_until(Duration::from_secs(5), |n| n.events[0].iter().any(
            |e| matches!(
                e,
                Event::AssocChange {
                    change: AssocChange::CommUp,
                    ..
                }
            )
        ))
    );
    n.events[1].clear();
    let mut now = n.now;
    let timed = SendOptions {
        unordered: false,
        pr: PrPolicy::Ttl(Duration::from_millis(300)),
    };
    n.ep(0)
        .send_with(now, a, 0, 0, timed, vec![1; 1400])
        .unwrap();
    for i in 0..10u8 {
        n.ep(0)
            .send_with(now, a, 1, 0, SendOptions::default(), vec![i; 400])
            .unwrap();
    }
    let mut buf = Vec::new();
    let mut timed_tsn = None;
    let mut fwd_dropped = 0;
    let mut fwd_delivered = 0;
    let mut more_sent = false;
    let end = now + Duration::from_secs(30);
    while now < end {
        loop {
            let mut moved = false;
            for i in 0..2 {
                while let Some(t) = n.nodes[i].0.poll_transmit(now, &mut buf) {
                    moved = true;
                    let cs = chunks(&buf);
                    if i == 0 {
                        // The timed message is the only one on stream 0:
                        // every packet carrying its TSN is lost.
                        if timed_tsn.is_none() {
                            timed_tsn = cs.iter().find(|c| c.0 == 0 && c.2 == 0).map(|c| c.1);
                        }
                        if cs.iter().any(|c| c.0 == 0 && Some(c.1) == timed_tsn) {
                            continue;
                        }
                        if cs.iter().any(|c| c.0 == 0xC0) {
                            if fwd_dropped == 0 {
                                fwd_dropped += 1;
                                continue;
                            }
                            fwd_delivered += 1;
                        }
                    }
                    let from = std::net::SocketAddr::new(t.local, 0);
                    let to = t.remote.ip();
                    let j = 1 - i;
                    n.nodes[j].0.handle_packet(now, from, to, &buf);
                }
            }
            if !moved {
                break;
            }
        }
        // More data after the lost FORWARD TSN: its SACKs gap-ack it and
        // stop short of the abandoned TSN (what usrsctp's SACKs did).
        if fwd_dropped == 1 && !more_sent {
            more_sent = true;
            for i in 10..13u8 {
                n.ep(0)
                    .send_with(now, a, 1, 0, SendOptions::default(), vec![i; 400])
                    .unwrap();
            }
            continue;
        }
        let st = n.ep(0).status(a).unwrap();
        if st.outstanding == 0 && st.queued == 0 && fwd_dropped == 1 {
            break;
        }
        let next = [n.ep(0).poll_timeout(), n.ep(1).poll_timeout()]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(end)
            .max(now + Duration::from_millis(1));
        now = next.min(end);
        n.ep(0).handle_timeout(now);
        n.ep(1).handle_timeout(now);
    }
    let st = n.ep(0).status(a).unwrap();
    eprintln!(
        "timed tsn {timed_tsn:?}, fwd dropped {fwd_dropped} delivered {fwd_delivered}, {:?}, {:?}",
        now - n.now,
        n.ep(0).status(a)
    );
    assert_eq!(fwd_dropped, 1, "the first FORWARD TSN was sent and lost");
    assert!(
        fwd_delivered >= 1 && st.outstanding == 0,
        "the sender never got a FORWARD TSN through after the first was lost: {st:?}"
    );
    assert_eq!(st.abandoned.ttl, 1);
    let mut got = Vec::new();
    while let Some(e) = n.ep(1).poll_event() {
        if let Event::Message { message, .. } = e {
            got.push(message.data[0]);
        }
    }
    assert_eq!(
        got,
        (0..13).collect::<Vec<u8>>(),
        "the reliable messages, in order"
    );
}

/// Fragmented messages (8,000 bytes, 6 DATA chunks each) on one ordered
/// stream with a 20 ms lifetime, sent faster than the link (1 ms one way)
/// carries them, no loss: most are abandoned, some in the middle of their
/// fragments, and FORWARD TSNs skip them. Every message the sender did not
/// abandon is delivered, whole, in order, and nothing else is delivered.
#[test]
fn short_lifetimes_on_fragmented_messages_deliver_every_message_not_abandoned() {
    let imp = Impairment {
        delay: Duration::from_millis(1),
        ..Impairment::default()
    };
    let (mut n, a) = setup(imp, 11, true);
    let total = 3000u32;
    let mut next = 0u32;
    let body = |i: u32| {
        let mut v = vec![(i % 251) as u8; 8000];
        v[..4].copy_from_slice(&i.to_be_bytes());
        v
    };
    let ok = n.run_until(Duration::from_secs(60), |n| {
        while next < total {
            let now = n.now;
            let o = SendOptions {
                unordered: false,
                pr: PrPolicy::Ttl(Duration::from_millis(20)),
            };
            match n.ep(0).send_with(now, a, 0, 7, o, body(next)) {
                Ok(()) => next += 1,
                Err(sctp_endpoint::SendError::WouldBlock) => break,
                Err(e) => panic!("send: {e}"),
            }
        }
        next == total
            && n.ep(0)
                .status(a)
                .is_some_and(|s| s.queued == 0 && s.outstanding == 0)
    });
    assert!(
        ok,
        "the sender never went idle: sent {next}, {:?}",
        n.ep(0).status(a)
    );
    // Let the last SACKs and FORWARD TSNs settle.
    n.run_until(Duration::from_secs(2), |_| false);
    let st = n.ep(0).status(a).unwrap();
    let abandoned = st.abandoned.ttl;
    // Messages, and the pieces of messages handed over early (the receiver
    // holds more than its partial delivery point while ordered messages
    // wait behind an abandoned one: RFC 6458 8.1.21). Pieces of one message
    // share its SSN; a piece followed by another SSN was cut short by the
    // message's abandonment (FORWARD TSN).
    let mut whole: Vec<u32> = Vec::new();
    let mut cut_short = 0u64;
    let mut piece: Option<(u16, u32, usize)> = None;
    for e in &n.events[1] {
        let Event::Message { message: m, .. } = e else {
            continue;
        };
        let (i, len) = match piece.take() {
            Some((ssn, i, l)) if ssn == m.ssn => (i, l + m.data.len()),
            other => {
                cut_short += u64::from(other.is_some());
                (
                    u32::from_be_bytes(m.data[..4].try_into().unwrap()),
                    m.data.len(),
                )
            }
        };
        if !m.complete {
            piece = Some((m.ssn, i, len));
            continue;
        }
        assert_eq!(len, 8000, "message {i} delivered with {len} bytes");
        whole.push(i);
    }
    cut_short += u64::from(piece.is_some());
    assert!(abandoned > 0 && abandoned < total as u64, "{abandoned}");
    assert!(
        cut_short <= abandoned,
        "{cut_short} cut short, {abandoned} abandoned"
    );
    for w in whole.windows(2) {
        assert!(w[0] < w[1], "out of order or twice: {w:?}");
    }
    let got = whole;
    // A message the sender counted abandoned may still have arrived whole
    // (its lifetime ran out before the SACK came back); one it did not
    // abandon must have.
    assert!(
        got.len() as u64 >= total as u64 - abandoned,
        "delivered {}, sent {total}, abandoned {abandoned}",
        got.len()
    );
}
