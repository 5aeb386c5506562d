//! `sctp-replay live` re-creates a capture's losses: the client side of
//! `captures/usrsctp-lossy.pcapng` (its 8th and 9th datagrams, two DATA
//! chunks, were lost, then the server's SACKs from 1.4 to 2.2 s) played
//! against `sctp-endpoint serve` and against a usrsctp server. With the
//! losses re-created, the recorded live exchange (`--record`, read back
//! with the codec) shows what the capture shows: our DATA retransmitted,
//! the live server's SACKs with gap blocks and with duplicate TSNs; with
//! `--no-loss`, none of it. Every expected chunk but the INIT ACK (whose
//! settings differ by stack) matches either way.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use sctp_codec::chunk::ty;
use sctp_codec::{PacketView, Rules};
use sctp_replay::to_script::read_packets;

/// What the recorded live exchange holds: (our DATA retransmissions, the
/// peer's SACKs with gap blocks, the peer's SACKs with duplicate TSNs).
fn losses_seen(record: &Path) -> (usize, usize, usize) {
    let pkts = read_packets(record, &[]).expect("the record reads");
    let mut seen = std::collections::HashSet::new();
    let (mut rtx, mut gaps, mut dups) = (0, 0, 0);
    for p in &pkts {
        let v = PacketView::parse(&p.bytes, Rules::STANDARD).expect("an SCTP packet");
        let from_us = v.header().source_port == 5001;
        for c in v.chunks() {
            if from_us && c.ty() == ty::DATA && !seen.insert(c.data().expect("DATA").tsn()) {
                rtx += 1;
            }
            if !from_us && c.ty() == ty::SACK {
                let s = c.sack().expect("SACK");
                gaps += usize::from(s.gap_count() > 0);
                dups += usize::from(s.dup_count() > 0);
            }
        }
    }
    (rtx, gaps, dups)
}

/// Runs the client side against the server on `theirs`; returns the
/// losses seen and the report.
fn play(tag: &str, ours: u16, theirs: u16, extra: &[&str]) -> ((usize, usize, usize), String) {
    let file = root().join("captures/usrsctp-lossy.pcapng");
    let run = Run::new(tag, ours, theirs);
    let mut args = run.args(
        &file,
        "client",
        &[
            "--udp-port",
            "39901",
            "--udp-port",
            "39902",
            "--rto-min",
            "200",
        ],
    );
    args.extend(s(&["--wait", "4000"]));
    args.extend(s(extra));
    let o = live(&args).output().expect("sctp-replay");
    let t = text(&o);
    let r = json(&run.json);
    // Only the INIT ACK may differ (the stacks' windows, streams and
    // extensions); nothing is missing, the association ends by shutdown.
    for e in r["expected"]
        .as_array()
        .unwrap_or_else(|| panic!("{tag}: {t}"))
    {
        if e["chunk"] != "INIT_ACK" {
            assert_eq!(e["verdict"], "matched", "{tag}: {e}\n{t}");
        }
    }
    assert!(t.contains("ShutdownComplete"), "{tag}: {t}");
    (losses_seen(&run.record), t)
}

/// A live server, stopped when dropped.
type Server = Box<dyn std::any::Any>;

fn check(tag: &str, ours: u16, theirs: u16, start: &dyn Fn() -> Server) {
    let rtx = {
        let _server = start();
        std::thread::sleep(Duration::from_millis(300));
        let ((rtx, gaps, dups), t) = play(&format!("{tag}-loss"), ours, theirs, &[]);
        println!("{tag}: {rtx} retransmissions, {gaps} SACKs with gaps, {dups} with duplicates");
        assert!(
            t.contains("losses re-created: 2 of our datagrams"),
            "{tag}: {t}"
        );
        // The capture: the two lost DATA chunks retransmitted, then a TSN
        // already acknowledged retransmitted while the SACKs were lost.
        assert!(rtx >= 3, "{tag}: {rtx} retransmissions\n{t}");
        assert!(gaps >= 1, "{tag}: no SACK with gap blocks\n{t}");
        assert!(dups >= 1, "{tag}: no SACK reporting a duplicate TSN\n{t}");
        rtx
    };
    let _server = start();
    std::thread::sleep(Duration::from_millis(300));
    let ((rtx0, gaps0, _), t) = play(&format!("{tag}-noloss"), ours + 2, theirs, &["--no-loss"]);
    println!("{tag} --no-loss: {rtx0} retransmissions, {gaps0} SACKs with gaps");
    // Without losses nothing arrives out of order; a retransmission may
    // still race a delayed SACK (RTO.Min 300 ms against 200 ms of delay
    // on a loaded machine), but fewer than with the losses.
    assert_eq!(gaps0, 0, "{tag} --no-loss\n{t}");
    assert!(
        rtx0 < rtx,
        "{tag}: {rtx0} retransmissions without losses, {rtx} with\n{t}"
    );
    assert!(!t.contains("losses re-created:"), "{tag}: {t}");
}

#[test]
fn lossy_capture_against_sctp_endpoint_serve() {
    let (ours, theirs) = (base() + 200, base() + 201);
    check("lossy-serve", ours, theirs, &|| {
        Box::new(start_serve(theirs, "discard", &[], &tmp("lossy-serve.txt")))
    });
}

#[test]
fn lossy_capture_against_usrsctp() {
    let (ours, theirs) = (base() + 210, base() + 211);
    check("lossy-usrsctp", ours, theirs, &|| {
        let p = peer(
            &s(&[
                "server",
                &theirs.to_string(),
                "127.0.0.1",
                "5000",
                "rtomin=200",
            ]),
            "wait 40;end;quit",
        );
        Box::new(p)
    });
}
