//! `sctp-replay live` against a fresh usrsctp peer over UDP encapsulation
//! (RFC 6951) on 127.0.0.1: each side of the recorded captures in
//! `captures/` is played and every expected chunk must match; an edited
//! capture must diverge (exit status 1, the right field named); a missing
//! association, a corrupt file and an unreachable peer give exit status 2.
//!
//! The live peer is `capture-tools/usrsctp_peer.c` (the tool that recorded
//! the captures), built with `cc` once per test binary and run with the same
//! options and commands as `scripts/record-captures.sh` gave it. Every test
//! has its own UDP ports (a base from the process id + 10 n), so they run in parallel.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::*;

/// The usrsctp options and commands each capture was recorded with:
/// (server options, server commands, client options, client commands).
fn recipe(name: &str) -> (&'static str, &'static str, &'static str, &'static str) {
    match name {
        "echo" => (
            "echo=1",
            "end;quit",
            "",
            "send 10 1 100 0;wait 10;shutdown;end;quit",
        ),
        "bulk-fragmented" => (
            "",
            "wait 2;end;quit",
            "",
            "send 2 1 65536 0;shutdown;end;quit",
        ),
        "many-streams" => (
            "streams=64",
            "send 32 16 300 0;wait 64;end;quit",
            "streams=64",
            "send 64 32 200 0;wait 32;shutdown;end;quit",
        ),
        "unordered" => (
            "echo=1",
            "end;quit",
            "",
            "send 20 2 500 1;wait 20;shutdown;end;quit",
        ),
        "shutdown-server" => (
            "",
            "wait 5;shutdown;end;quit",
            "",
            "send 5 1 100 0;end;quit",
        ),
        "abort" => (
            "",
            "wait 5;end;quit",
            "",
            "send 5 1 100 0;sleep 300;abort;sleep 200;quit",
        ),
        _ => panic!("no recipe for {name}"),
    }
}

/// A usrsctp server on `addr`, UDP port `theirs`, SCTP port 5000 (options
/// `extra`, commands `cmds`), given 300 ms to listen.
fn usrsctp_server(theirs: u16, addr: &str, extra: Vec<String>, cmds: &str) -> Peer {
    let mut a = s(&["server", &theirs.to_string(), addr, "5000"]);
    a.extend(extra);
    let p = peer(&a, cmds);
    std::thread::sleep(Duration::from_millis(300));
    p
}

/// 300 ms for sctp-replay (playing the server on UDP port `ours`) to
/// listen, then a usrsctp client from 127.0.0.1, UDP port `theirs`, SCTP
/// port 5001, to it (options `extra`, commands `cmds`).
fn usrsctp_client(theirs: u16, ours: u16, extra: Vec<String>, cmds: &str) -> Peer {
    std::thread::sleep(Duration::from_millis(300));
    let mut a = s(&[
        "client",
        &theirs.to_string(),
        "127.0.0.1",
        "5001",
        "127.0.0.1",
        &ours.to_string(),
        "5000",
    ]);
    a.extend(extra);
    peer(&a, cmds)
}

/// with `name`'s recipe; returns the run's output and its JSON report.
fn play(name: &str, file: &Path, side: &str, n: u16) -> (Output, serde_json::Value, PathBuf) {
    let (sopts, scmds, copts, ccmds) = recipe(name);
    let (ours, theirs) = (base() + 10 * n, base() + 10 * n + 1);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let json = dir.join(format!("live-{name}-{side}-{n}.json"));
    let record = dir.join(format!("live-{name}-{side}-{n}.pcap"));
    let plot = dir.join(format!("live-{name}-{side}-{n}.svg"));
    let _ = std::fs::remove_file(&json);
    let mut args = s(&[
        file.to_str().expect("utf-8 path"),
        "--play",
        side,
        "--peer",
        &format!("udp:127.0.0.1:{theirs}"),
        "--port",
        &ours.to_string(),
        "--timing",
        "fast",
        "--json",
        json.to_str().expect("utf-8"),
        "--record",
        record.to_str().expect("utf-8"),
        "--plot",
        plot.to_str().expect("utf-8"),
    ]);
    let out = if side == "client" {
        let _p = usrsctp_server(theirs, "127.0.0.1", opts(sopts), scmds);
        replay(&args).output().expect("run sctp-replay")
    } else {
        args.extend(s(&["--wait", "5000"]));
        let child = replay(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run sctp-replay");
        let _p = usrsctp_client(theirs, ours, opts(copts), ccmds);
        child.wait_with_output().expect("sctp-replay output")
    };
    let report = std::fs::read_to_string(&json)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null);
    (out, report, record)
}

/// Plays both sides of a recorded capture: every expected chunk matches.
fn both_sides(name: &str, n: u16) {
    let file = root().join(format!("captures/usrsctp-{name}.pcapng"));
    for (k, side) in ["client", "server"].into_iter().enumerate() {
        let (out, report, record) = play(name, &file, side, n + k as u16);
        let t = text(&out);
        assert_eq!(out.status.code(), Some(0), "{name} as {side}:\n{t}");
        assert!(t.contains(": MATCHED"), "{name} as {side}:\n{t}");
        // The JSON report is whole and agrees.
        assert_eq!(
            report["summary"]["all_matched"], true,
            "{name} {side}: {report}"
        );
        let svg = std::fs::read_to_string(
            PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("live-{name}-{side}-{}.svg", n + k as u16)),
        )
        .expect("plot");
        assert!(svg.contains("): MATCHED</text>"), "{name} {side}");
        let exp = report["expected"].as_array().expect("expected chunks");
        assert!(exp.len() >= 5, "{name} {side}: {report}");
        assert!(exp.iter().all(|e| e["verdict"] == "matched"));
        // The recorded exchange has every packet in and out.
        let pcap = std::fs::read(&record).expect("record file");
        let packets =
            report["packets_out"].as_u64().unwrap() + report["packets_in"].as_u64().unwrap();
        let mut at = 24;
        let mut count = 0;
        while at + 16 <= pcap.len() {
            let len = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap()) as usize;
            at += 16 + len;
            count += 1;
        }
        assert_eq!(count, packets, "{name} {side}: record file");
    }
}

#[test]
fn echo_both_sides_match() {
    both_sides("echo", 0);
}

#[test]
fn unordered_both_sides_match() {
    both_sides("unordered", 2);
}

#[test]
fn shutdown_server_both_sides_match() {
    both_sides("shutdown-server", 4);
}

#[test]
fn abort_both_sides_match() {
    both_sides("abort", 6);
}

#[test]
fn bulk_fragmented_both_sides_match() {
    both_sides("bulk-fragmented", 8);
}

#[test]
fn many_streams_both_sides_match() {
    both_sides("many-streams", 10);
}

/// The echo capture's SCTP packets: (time in us, from the server, bytes).
fn echo_packets() -> Vec<(i64, bool, Vec<u8>)> {
    sctp_replay::to_script::read_packets(
        &root().join("captures/usrsctp-echo.pcapng"),
        &[39899, 39900],
    )
    .expect("echo capture")
    .into_iter()
    .map(|p| (p.t_us, p.src.1 == 5000, p.bytes))
    .collect()
}

/// The echo capture with the server's DATA PPIDs changed to 1999.
fn edited_echo(path: &Path) {
    let mut pkts = echo_packets();
    for (_, from_server, b) in pkts.iter_mut().filter(|p| p.1) {
        let _ = from_server;
        let mut at = 12;
        while at + 4 <= b.len() {
            let len = u16::from_be_bytes([b[at + 2], b[at + 3]]) as usize;
            if b[at] == 0 && len >= 16 {
                b[at + 12..at + 16].copy_from_slice(&1999u32.to_be_bytes());
            }
            at += len.max(4).div_ceil(4) * 4;
        }
        crc(b);
    }
    write_capture(path, &pkts);
}

/// The echo capture with an unknown chunk (type 0x45: action bits 01, skip
/// and report) bundled after the client's first DATA; with `answered`, the
/// server's ERROR (Unrecognized Chunk Type) follows it in the capture.
fn echo_with_unknown_chunk(path: &Path, answered: bool) {
    let mut pkts = echo_packets();
    let k = pkts
        .iter()
        .position(|(_, s, b)| !s && b.len() > 12 && b[12] == 0)
        .expect("a client DATA packet");
    let unknown = [0x45u8, 0, 0, 8, 1, 2, 3, 4];
    pkts[k].2.extend_from_slice(&unknown);
    crc(&mut pkts[k].2);
    if answered {
        let client = &pkts[k].2;
        let mut e = vec![0x13, 0x88, 0x13, 0x89];
        // The client's tag: the server sends with it.
        let tag = pkts
            .iter()
            .find(|p| p.1)
            .map(|p| p.2[4..8].to_vec())
            .unwrap();
        let _ = client;
        e.extend_from_slice(&tag);
        e.extend_from_slice(&[0; 4]);
        e.extend_from_slice(&[9, 0, 0, 16, 0, 6, 0, 12]);
        e.extend_from_slice(&unknown);
        crc(&mut e);
        let t = pkts[k].0 + 1;
        pkts.insert(k + 1, (t, true, e));
    }
    write_capture(path, &pkts);
}

#[test]
fn unknown_chunk_is_injected_and_the_error_is_a_divergence() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join("echo-unknown-chunk.pcap");
    echo_with_unknown_chunk(&path, false);
    let (out, report, _) = play("echo", &path, "client", 22);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("injected: frame"), "{t}");
    assert!(t.contains("0x45[flgs=0x0, len=8]"), "{t}");
    assert!(t.contains("extra     live #"), "{t}");
    assert!(t.contains("ERROR[flgs=0x0, causes=[6]]"), "{t}");
    let extras = report["extras"].as_array().expect("extras");
    assert!(
        extras
            .iter()
            .any(|x| x["tolerated"] == false && x["live"].as_str().unwrap().starts_with("ERROR")),
        "{report}"
    );
    // Every captured chunk still matched: the divergence is the ERROR.
    assert!(report["expected"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["verdict"] == "matched"));

    // The capture that shows the ERROR: everything matches.
    let path = dir.join("echo-unknown-chunk-answered.pcap");
    echo_with_unknown_chunk(&path, true);
    let (out, report, _) = play("echo", &path, "client", 24);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(report["expected"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["chunk"] == "ERROR" && e["verdict"] == "matched"));
}

#[test]
fn edited_ppid_diverges_with_status_1() {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("echo-ppid-1999.pcap");
    edited_echo(&path);
    let (out, report, _) = play("echo", &path, "client", 20);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("DIVERGED"), "{t}");
    assert!(t.contains("ppid: captured 1999, live 1000"), "{t}");
    // The plot marks the ten differing DATA chunks (orange, the fields).
    let svg = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("live-echo-client-20.svg"),
    )
    .expect("plot");
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("\u{2260}</text>").count(), 10, "{svg}");
    assert_eq!(
        svg.matches(">ppid: captured 1999, live 1000</text>")
            .count(),
        10
    );
    assert!(svg.contains("DIVERGED"));
    let exp = report["expected"].as_array().expect("report");
    let data: Vec<_> = exp.iter().filter(|e| e["chunk"] == "DATA").collect();
    assert_eq!(data.len(), 10, "{report}");
    for e in data {
        assert_eq!(e["verdict"], "differed", "{e}");
        assert_eq!(
            e["differences"],
            serde_json::json!([{"field": "ppid", "captured": "1999", "live": "1000"}])
        );
    }
    // Everything else still matched.
    assert!(exp
        .iter()
        .filter(|e| e["chunk"] != "DATA")
        .all(|e| e["verdict"] == "matched"));
}

fn error_run(args: &[&str]) -> (Option<i32>, String) {
    let o = replay(&s(args)).output().expect("run");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

#[test]
fn missing_association_is_status_2() {
    let f = root().join("captures/usrsctp-echo.pcapng");
    let (code, err) = error_run(&[
        f.to_str().unwrap(),
        "--assoc",
        "2",
        "--play",
        "client",
        "--peer",
        &format!("udp:127.0.0.1:{}", base() + 191),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("no association 2 (the capture has 1)"),
        "{err}"
    );
}

#[test]
fn corrupt_file_is_status_2() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let junk = dir.join("live-junk.pcap");
    std::fs::write(&junk, b"this is not a capture at all, only some text").unwrap();
    let (code, err) = error_run(&[
        junk.to_str().unwrap(),
        "--play",
        "client",
        "--peer",
        &format!("udp:127.0.0.1:{}", base() + 192),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("not a pcap or pcapng file"), "{err}");
    // Truncated in the middle of a block.
    let whole = std::fs::read(root().join("captures/usrsctp-echo.pcapng")).unwrap();
    let cut = dir.join("live-cut.pcapng");
    std::fs::write(&cut, &whole[..whole.len() / 2 + 7]).unwrap();
    let (code, err) = error_run(&[
        cut.to_str().unwrap(),
        "--play",
        "client",
        "--peer",
        &format!("udp:127.0.0.1:{}", base() + 192),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cut short"), "{err}");
}

#[test]
fn unreachable_peer_is_status_2() {
    let f = root().join("captures/usrsctp-echo.pcapng");
    // Nothing listens on this UDP port: ICMP port unreachable.
    let (code, err) = error_run(&[
        f.to_str().unwrap(),
        "--play",
        "client",
        "--peer",
        &format!("udp:127.0.0.1:{}", base() + 193),
        "--port",
        &(base() + 194).to_string(),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(&format!("unreachable peer udp:127.0.0.1:{}", base() + 193)),
        "{err}"
    );
}

#[test]
fn silent_peer_is_missing_with_status_1() {
    // The server does not echo: the captured echoes are missing.
    let f = root().join("captures/usrsctp-echo.pcapng");
    let (ours, theirs) = (base() + 260, base() + 261);
    let _p = usrsctp_server(theirs, "127.0.0.1", Vec::new(), "end;quit");
    let o = replay(&s(&[
        f.to_str().unwrap(),
        "--play",
        "client",
        "--peer",
        &format!("udp:127.0.0.1:{theirs}"),
        "--port",
        &ours.to_string(),
        "--timing",
        "fast",
        "--wait",
        "500",
    ]))
    .output()
    .expect("run");
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    let missing: Vec<_> = t.lines().filter(|l| l.contains("MISSING")).collect();
    assert_eq!(missing.len(), 10, "{t}");
    assert!(missing
        .iter()
        .all(|l| l.contains("DATA[") && l.contains("not sent within 500 ms")));
    assert!(t.contains("10 missing"), "{t}");
}

#[test]
fn peer_abort_is_a_divergence_with_what_was_still_expected() {
    // We play the echo server; the live client aborts after its messages
    // instead of waiting for the echoes and shutting down.
    let f = root().join("captures/usrsctp-echo.pcapng");
    let (ours, theirs) = (base() + 270, base() + 271);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let json = dir.join("live-peer-abort.json");
    let record = dir.join("live-peer-abort.pcap");
    let child = replay(&s(&[
        f.to_str().unwrap(),
        "--play",
        "server",
        "--peer",
        &format!("udp:127.0.0.1:{theirs}"),
        "--port",
        &ours.to_string(),
        "--timing",
        "fast",
        "--json",
        json.to_str().unwrap(),
        "--record",
        record.to_str().unwrap(),
    ]))
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("run");
    let _p = usrsctp_client(
        theirs,
        ours,
        Vec::new(),
        "send 10 1 100 0;sleep 100;abort;sleep 200;quit",
    );
    let o = child.wait_with_output().expect("output");
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(
        t.lines()
            .any(|l| l.contains("extra") && l.contains("ABORT[") && !l.contains("tolerated")),
        "{t}"
    );
    assert!(t.contains("MISSING"), "{t}");
    assert!(
        t.contains("the association ended first (ABORT from the peer"),
        "{t}"
    );
    // The SHUTDOWN and SHUTDOWN COMPLETE it should have sent are missing.
    for c in ["SHUTDOWN[", "SHUTDOWN_COMPLETE["] {
        assert!(
            t.lines().any(|l| l.contains("MISSING") && l.contains(c)),
            "{c}:\n{t}"
        );
    }
    // The JSON report and the record are whole.
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(r["summary"]["all_matched"], false);
    assert!(std::fs::metadata(&record).unwrap().len() > 24);
}

#[test]
fn ctrl_c_stops_with_the_report_so_far() {
    // Playing the server; nobody connects. SIGINT after 700 ms.
    let f = root().join("captures/usrsctp-echo.pcapng");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let json = dir.join("live-ctrl-c.json");
    let _ = std::fs::remove_file(&json);
    let child = replay(&s(&[
        f.to_str().unwrap(),
        "--play",
        "server",
        "--peer",
        &format!("udp:127.0.0.1:{}", base() + 281),
        "--port",
        &(base() + 280).to_string(),
        "--wait",
        "30000",
        "--json",
        json.to_str().unwrap(),
    ]))
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("run");
    std::thread::sleep(Duration::from_millis(700));
    let started = std::time::Instant::now();
    let k = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(k.success());
    let o = child.wait_with_output().expect("output");
    assert!(started.elapsed() < Duration::from_secs(5));
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("interrupted (Ctrl-C)"), "{t}");
    assert!(t.contains("interrupted while waiting"), "{t}");
    assert!(t.contains("not reached"), "{t}");
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(r["expected"][0]["verdict"], "missing");
    // Due at once (before our first action): missing; after it: not reached.
    let exp = r["expected"].as_array().unwrap();
    assert_eq!(exp.last().unwrap()["verdict"], "not_reached", "{r}");
}

/// Plays both sides of the echo, shutdown-server and abort captures over
/// raw IP against a usrsctp peer in namespace `ns` (at `there`, we at
/// `here`; `peer` is the `--peer` value): each run must exit 0, and
/// `check` looks at its output and record.
fn raw_both_sides(
    ns: &Netns,
    (here, there, peer): (&str, &str, &str),
    tag: &str,
    check: impl Fn(&str, &Path),
) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let peer_bin = peer_binary();
    let spawn_peer = |a: Vec<String>, cmds: &str| {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &ns.name, peer_bin.to_str().unwrap()])
            .args(a)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        spawn_with_commands(c, cmds)
    };
    for name in ["echo", "shutdown-server", "abort"] {
        let (sopts, scmds, copts, ccmds) = recipe(name);
        let file = root().join(format!("captures/usrsctp-{name}.pcapng"));
        for side in ["client", "server"] {
            let record = dir.join(format!("live-{tag}-{name}-{side}.pcap"));
            let args = s(&[
                file.to_str().unwrap(),
                "--play",
                side,
                "--peer",
                peer,
                "--timing",
                "fast",
                "--wait",
                "5000",
                "--record",
                record.to_str().unwrap(),
            ]);
            let out = if side == "client" {
                let mut a = s(&["server", "0", there, "5000"]);
                a.extend(opts(sopts));
                let _p = spawn_peer(a, scmds);
                std::thread::sleep(Duration::from_millis(400));
                replay(&args).output().expect("run")
            } else {
                let child = replay(&args)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("run");
                std::thread::sleep(Duration::from_millis(300));
                let mut a = s(&["client", "0", there, "5001", here, "0", "5000"]);
                a.extend(opts(copts));
                let _p = spawn_peer(a, ccmds);
                child.wait_with_output().expect("output")
            };
            let t = text(&out);
            assert_eq!(out.status.code(), Some(0), "{tag} {name} as {side}:\n{t}");
            assert!(t.contains(&format!("against raw:{there}")), "{t}");
            assert!(t.contains(": MATCHED"), "{t}");
            check(&t, &record);
        }
    }
}

#[test]
fn raw_ipv4_into_a_namespace_both_sides_match() {
    // A subnet of this run's own (10.78.N.0/24, N from the process id).
    let n = (std::process::id() % 250) as u8 + 1;
    let ns = Netns::create(n);
    let (here, there) = (format!("10.78.{n}.1"), format!("10.78.{n}.2"));
    let peer = format!("raw:{there}");
    raw_both_sides(&ns, (&here, &there, &peer), "raw", |_, record| {
        // The record is raw IPv4 carrying protocol 132.
        let pcap = std::fs::read(record).unwrap();
        assert!(pcap.len() > 24 + 16 + 20 && pcap[24 + 16 + 9] == 132);
    });
}

#[test]
fn raw_ipv6_into_a_namespace_both_sides_match() {
    let n = (std::process::id() % 250) as u8 + 1;
    let n = n.wrapping_add(97).max(1);
    let ns = Netns::create(n);
    let (here, there) = ns.add_ipv6(n);
    let peer = format!("raw:[{there}]");
    raw_both_sides(&ns, (&here, &there, &peer), "raw6", |_, record| {
        // tshark reads IPv6 packets of protocol 132 in the record, between
        // the two addresses, every CRC32c good.
        let rows = tshark(
            record,
            &[],
            "sctp",
            &["ipv6.src", "ipv6.dst", "ipv6.nxt", "sctp.checksum.status"],
        );
        assert!(rows.len() >= 5, "{rows:?}");
        for r in &rows {
            assert!(
                (r[0] == here && r[1] == there) || (r[0] == there && r[1] == here),
                "{r:?}"
            );
            assert_eq!(r[2], "132", "{r:?}");
        }
    });
}

#[test]
fn ecne_is_injected_with_its_tsn_translated() {
    // The echo capture with an ECNE from the client after the server's
    // first DATA, naming that DATA's TSN: injected with the TSN moved onto
    // the live server's TSN space.
    let mut pkts = echo_packets();
    let k = pkts
        .iter()
        .position(|(_, s, b)| *s && b.len() > 28 && b[12] == 0)
        .expect("a server DATA packet");
    let tsn = pkts[k].2[16..20].to_vec();
    let client = pkts.iter().find(|p| !p.1 && p.2[12] != 1).unwrap().2[..8].to_vec();
    let mut e = client.clone();
    e.extend_from_slice(&[0; 4]);
    e.extend_from_slice(&[12, 0, 0, 8]);
    e.extend_from_slice(&tsn);
    crc(&mut e);
    let t = pkts[k].0 + 1;
    pkts.insert(k + 1, (t, false, e));
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("echo-ecne.pcap");
    write_capture(&path, &pkts);
    let (out, report, _) = play("echo", &path, "client", 28);
    let t = text(&out);
    let inj = report["injected"].as_array().expect("injected");
    assert_eq!(inj.len(), 1, "{t}");
    assert!(
        inj[0].as_str().unwrap().contains("ECNE[")
            && inj[0].as_str().unwrap().contains("1 fields translated"),
        "{t}"
    );
    // The injected TSN is the live TSN of the DATA the captured one named.
    let cap_tsn = u32::from_be_bytes(tsn[..].try_into().unwrap());
    let data = report["expected"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["captured"]
                .as_str()
                .unwrap()
                .contains(&format!("tsn={cap_tsn},"))
        })
        .expect("the named DATA");
    let live = data["live"].as_str().expect("matched live");
    let live_tsn = live
        .split("tsn=")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap();
    assert!(
        inj[0]
            .as_str()
            .unwrap()
            .contains(&format!("ECNE[flgs=0x0, tsn={live_tsn}, len=8]")),
        "{t}"
    );
}

#[test]
fn sack_with_gap_and_duplicate_is_injected_with_live_tsns() {
    // The echo capture with a SACK from the client after the server's third
    // DATA: cumulative TSN ack the first DATA, a gap block for the third
    // (the second "lost"), the first reported as a duplicate. Injected
    // beside the endpoint's own SACKs, its TSN fields moved onto the live
    // server's TSNs of the same messages; tshark reads the injected SACK in
    // the record with those TSNs.
    let mut pkts = echo_packets();
    let server_data: Vec<usize> = pkts
        .iter()
        .enumerate()
        .filter(|(_, (_, s, b))| *s && b.len() > 28 && b[12] == 0)
        .map(|(k, _)| k)
        .collect();
    let tsn = |k: usize| u32::from_be_bytes(pkts[k].2[16..20].try_into().unwrap());
    let (t1, t3) = (tsn(server_data[0]), tsn(server_data[2]));
    let client_hdr = pkts.iter().find(|p| !p.1 && p.2[12] != 1).unwrap().2[..8].to_vec();
    let mut sack = client_hdr.clone();
    sack.extend_from_slice(&[0; 4]);
    sack.extend_from_slice(&[3, 0, 0, 24]);
    sack.extend_from_slice(&t1.to_be_bytes());
    sack.extend_from_slice(&100_000u32.to_be_bytes());
    sack.extend_from_slice(&[0, 1, 0, 1]);
    let off = (t3 - t1) as u16;
    sack.extend_from_slice(&off.to_be_bytes());
    sack.extend_from_slice(&off.to_be_bytes());
    sack.extend_from_slice(&t1.to_be_bytes());
    crc(&mut sack);
    let at = server_data[2];
    let t = pkts[at].0 + 1;
    pkts.insert(at + 1, (t, false, sack));
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("echo-sack-gap-dup.pcap");
    write_capture(&path, &pkts);
    let (out, report, record) = play("echo", &path, "client", 30);
    let t = text(&out);
    let inj = report["injected"].as_array().expect("injected");
    assert_eq!(inj.len(), 1, "{t}");
    let inj = inj[0].as_str().unwrap();
    assert!(
        inj.contains("SACK[") && inj.contains("3 fields translated"),
        "{t}"
    );
    // The live TSNs of the first and third server DATA, as tshark reads
    // them in the record (the frames the report matched them to).
    let exp = report["expected"].as_array().unwrap();
    let live_frame = |cap_tsn: u32| {
        exp.iter()
            .find(|e| {
                e["chunk"] == "DATA"
                    && e["captured"]
                        .as_str()
                        .unwrap()
                        .contains(&format!("tsn={cap_tsn},"))
            })
            .and_then(|e| e["live_frame"].as_u64())
            .expect("matched live")
    };
    let ports = [base() + 300, base() + 301];
    let rec = |filter: &str, fields: &[&str]| -> String {
        tshark(&record, &ports, filter, fields)
            .iter()
            .map(|r| r.join("\t"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let live_tsn = |frame: u64| -> u32 {
        rec(&format!("frame.number == {frame}"), &["sctp.data_tsn_raw"])
            .split(',')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let (l1, l3) = (live_tsn(live_frame(t1)), live_tsn(live_frame(t3)));
    // The injected SACK: the one whose a_rwnd is the captured 100000.
    let sack = rec(
        "sctp.sack_a_rwnd == 100000",
        &[
            "sctp.sack_cumulative_tsn_ack_raw",
            "sctp.sack_gap_block_start",
            "sctp.sack_gap_block_end",
            "sctp.sack_duplicate_tsn",
        ],
    );
    assert_eq!(sack, format!("{l1}\t{}\t{}\t{l1}", l3 - l1, l3 - l1), "{t}");
}

#[test]
fn asconf_is_injected_with_its_serial_translated_and_usrsctp_drops_it() {
    // The echo capture with an ASCONF from the client after its first DATA:
    // serial = the client's initial TSN + 5, its address parameter, and a
    // Set Primary Address request. Injected with the serial moved onto our
    // live initial TSN (tshark reads both in the record); sent without AUTH,
    // which usrsctp requires for ASCONF (RFC 5061 4.1.1): it drops it
    // silently, so everything else still matches.
    let mut pkts = echo_packets();
    let init = pkts
        .iter()
        .find(|p| !p.1 && p.2[12] == 1)
        .unwrap()
        .2
        .clone();
    let client_itsn = u32::from_be_bytes(init[28..32].try_into().unwrap());
    let k = pkts
        .iter()
        .position(|(_, s, b)| !s && b.len() > 12 && b[12] == 0)
        .expect("a client DATA packet");
    let client_hdr = pkts[k].2[..8].to_vec();
    let mut a = client_hdr;
    a.extend_from_slice(&[0; 4]);
    a.extend_from_slice(&[0xC1, 0, 0, 32]);
    a.extend_from_slice(&(client_itsn + 5).to_be_bytes());
    a.extend_from_slice(&[0, 5, 0, 8, 127, 0, 0, 1]);
    a.extend_from_slice(&[0xC0, 0x04, 0, 16, 0, 0, 0, 1]);
    a.extend_from_slice(&[0, 5, 0, 8, 127, 0, 0, 1]);
    crc(&mut a);
    let t = pkts[k].0 + 1;
    pkts.insert(k + 1, (t, false, a));
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("echo-asconf.pcap");
    write_capture(&path, &pkts);
    let (out, report, record) = play("echo", &path, "client", 32);
    let t = text(&out);
    let inj = report["injected"].as_array().expect("injected");
    assert_eq!(inj.len(), 1, "{t}");
    assert!(inj[0].as_str().unwrap().contains("ASCONF["), "{t}");
    assert!(t.contains("without an AUTH chunk"), "{t}");
    let ports = [base() + 320, base() + 321];
    let row = |filter: &str, field: &str| -> u32 {
        let v = tshark(&record, &ports, filter, &[field])[0][0].clone();
        let v = v.split(',').next().unwrap();
        v.strip_prefix("0x").map_or_else(
            || v.parse().unwrap(),
            |h| u32::from_str_radix(h, 16).unwrap(),
        )
    };
    let live_itsn = row("sctp.chunk_type == 1", "sctp.init_initial_tsn");
    let serial = row("sctp.chunk_type == 193", "sctp.asconf_seq_nr_number");
    assert_eq!(serial, live_itsn.wrapping_add(5), "{t}");
    assert_eq!(
        out.status.code(),
        Some(0),
        "usrsctp dropped it silently:\n{t}"
    );
}

#[test]
fn udp_over_ipv6_on_loopback_matches() {
    // The echo capture's client against a usrsctp echo server on ::1: every
    // expected chunk matches; the record is IPv6/UDP with good UDP
    // checksums (mandatory over IPv6), as tshark checks them.
    let f = root().join("captures/usrsctp-echo.pcapng");
    let (ours, theirs) = (base() + 340, base() + 341);
    let _p = usrsctp_server(theirs, "::1", s(&["echo=1"]), "end;quit");
    let record = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("live-udp6.pcap");
    let o = replay(&s(&[
        f.to_str().unwrap(),
        "--play",
        "client",
        "--peer",
        &format!("udp:[::1]:{theirs}"),
        "--port",
        &ours.to_string(),
        "--timing",
        "fast",
        "--udp-port",
        "39899",
        "--udp-port",
        "39900",
        "--record",
        record.to_str().unwrap(),
    ]))
    .output()
    .expect("run");
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    let o = Command::new("tshark")
        .arg("-r")
        .arg(&record)
        .args(["-o", "udp.check_checksum:TRUE", "-d"])
        .arg(format!("udp.port=={theirs},sctp"))
        .args(["-T", "fields", "-e", "ipv6.src", "-e", "ipv6.dst", "-e"])
        .arg("udp.checksum.status")
        .output()
        .expect("tshark");
    let rows = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(rows.lines().count() >= 20, "{rows}");
    // Status 1: good.
    assert!(rows.lines().all(|l| l == "::1\t::1\t1"), "{rows}");
}
