//! `sctp-replay live` of stream reconfiguration (RFC 6525 RE-CONFIG): an
//! association between two usrsctp peers is recorded here with tshark on
//! `lo` (the client resets its outgoing streams, adds two, then asks the
//! server to reset its own), then each side is played against usrsctp in
//! the other role. The played side's requests go through the endpoint's
//! API (`reset_streams`, `add_streams`, `reset_incoming_streams`), its
//! answers are the endpoint's; the peer's RE-CONFIG chunks are compared by
//! their requests and results. What usrsctp says it did (its stream_reset
//! and stream_change notifications) must be what the report says it sent.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use common::*;

const CLIENT_CMDS: &str = "send 4 2 100 0;wait 4;reset out;sleep 300;send 4 2 100 0;wait 8;addstreams 2 0;sleep 300;reset in;sleep 300;shutdown;end;quit";

/// The recorded capture (made once per test binary) and its UDP ports.
fn recorded() -> (PathBuf, [u16; 2]) {
    static REC: OnceLock<(PathBuf, [u16; 2])> = OnceLock::new();
    REC.get_or_init(|| {
        let (s, c) = (base() + 200, base() + 201);
        let file = tmp("reconfig-usrsctp.pcapng");
        let cap = Capture::start(&file, (s, c));
        {
            let _srv = peer_logged(
                &s_(&[
                    "server",
                    &s.to_string(),
                    "127.0.0.1",
                    "5000",
                    "reconfig=1",
                    "echo=1",
                ]),
                "end;quit",
                &tmp("reconfig-rec-server.txt"),
            );
            std::thread::sleep(Duration::from_millis(300));
            let mut cli = peer_logged(
                &s_(&[
                    "client",
                    &c.to_string(),
                    "127.0.0.1",
                    "5001",
                    "127.0.0.1",
                    &s.to_string(),
                    "5000",
                    "reconfig=1",
                ]),
                CLIENT_CMDS,
                &tmp("reconfig-rec-client.txt"),
            );
            let _ = cli.0.wait();
        }
        cap.stop();
        (file, [s, c])
    })
    .clone()
}

fn s_(v: &[&str]) -> Vec<String> {
    s(v)
}

/// The RE-CONFIG parameter types of each RE-CONFIG chunk sent from UDP port
/// `from`, as tshark reads them.
fn reconfig_types(file: &Path, ports: &[u16], from: u16) -> Vec<String> {
    tshark(
        file,
        ports,
        &format!("udp.srcport == {from} && sctp.chunk_type == 130"),
        &["sctp.parameter_type"],
    )
    .into_iter()
    .map(|r| r[0].clone())
    .collect()
}

/// usrsctp's stream_reset notifications that say it reset its outgoing
/// streams: their stream lists ("all" or "0,2,3").
fn peer_outgoing_resets(out: &Path) -> Vec<String> {
    std::fs::read_to_string(out)
        .unwrap()
        .lines()
        .filter(|l| l.contains("stream_reset") && l.contains("outgoing=1"))
        .map(|l| l.rsplit("streams=").next().unwrap().to_string())
        .collect()
}

/// The live peer's outgoing resets according to the report, in order:
/// every live RE-CONFIG chunk with an outgoing-reset word (expected or
/// extra), by live frame.
fn report_outgoing_resets(r: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<(u64, String)> = Vec::new();
    for e in r["expected"].as_array().unwrap() {
        if let (Some(f), Some(l)) = (e["live_frame"].as_u64(), e["live"].as_str()) {
            v.push((f, l.to_string()));
        }
    }
    for x in r["extras"].as_array().unwrap() {
        v.push((
            x["live_frame"].as_u64().unwrap(),
            x["live"].as_str().unwrap().to_string(),
        ));
    }
    v.sort();
    v.dedup();
    v.into_iter()
        .filter_map(|(_, l)| {
            l.split("outgoing-reset(")
                .nth(1)
                .map(|x| x.split(')').next().unwrap().to_string())
        })
        .collect()
}

#[test]
fn the_recorded_capture_holds_the_requests() {
    let (file, [s, c]) = recorded();
    // Client: Outgoing SSN Reset (13), Add Outgoing Streams (17), Incoming
    // SSN Reset (14), then its answer to the server's request (16).
    let client = reconfig_types(&file, &[s, c], c);
    assert_eq!(
        client,
        ["0x000d", "0x0011", "0x000e", "0x0010"],
        "{client:?}"
    );
    let server = reconfig_types(&file, &[s, c], s);
    assert!(server.iter().any(|t| t.contains("0x000d")), "{server:?}");
}

#[test]
fn client_side_requests_reach_usrsctp_through_the_endpoint() {
    let (file, ports) = recorded();
    let (ours, theirs) = (base() + 210, base() + 211);
    let out = tmp("reconfig-peer-server.txt");
    let _srv = peer_logged(
        &s_(&[
            "server",
            &theirs.to_string(),
            "127.0.0.1",
            "5000",
            "reconfig=1",
            "echo=1",
        ]),
        "end;quit",
        &out,
    );
    std::thread::sleep(Duration::from_millis(300));
    let run = Run::new("reconfig-client", ours, theirs);
    let udp: Vec<String> = ports
        .iter()
        .flat_map(|p| ["--udp-port".to_string(), p.to_string()])
        .collect();
    let mut args: Vec<&str> = udp.iter().map(String::as_str).collect();
    // As captured: the server's answers depend on the pace (with --timing
    // fast usrsctp still holds echo data and resets that stream apart).
    args.extend(["--timing", "asis"]);
    // (run.args says --timing fast first; the last one given wins.)
    let o = live(&run.args(&file, "client", &args))
        .output()
        .expect("sctp-replay");
    let r = json(&run.json);
    std::thread::sleep(Duration::from_millis(300));
    let said = std::fs::read_to_string(&out).unwrap();
    // Our requests, as tshark reads them in the record: the captured
    // client's, in order (the endpoint's answer to the server's request
    // included).
    let sent = reconfig_types(&run.record, &[ours, theirs], ours);
    assert_eq!(
        sent,
        reconfig_types(&file, &ports, ports[1]),
        "{}",
        text(&o)
    );
    // usrsctp performed them: our outgoing reset, our two added streams,
    // and it reset its own outgoing streams when we asked.
    assert!(
        said.contains("stream_reset incoming=1 outgoing=0 denied=0"),
        "{said}"
    );
    assert!(
        said.contains("stream_change in=18 out=16 denied=0"),
        "{said}"
    );
    // The report's account of usrsctp's outgoing resets is usrsctp's own.
    assert_eq!(
        report_outgoing_resets(&r),
        peer_outgoing_resets(&out),
        "{r}"
    );
    // Every answer usrsctp sent matched the captured one.
    for e in r["expected"].as_array().unwrap() {
        if e["chunk"] == "RE_CONFIG" && e["captured"].as_str().unwrap().contains("response") {
            assert_eq!(e["verdict"], "matched", "{e}");
        }
    }
    if peer_outgoing_resets(&out) == ["all"] {
        assert_eq!(r["summary"]["all_matched"], true, "{}", text(&o));
    }
}

#[test]
fn server_side_answers_usrsctp_requests() {
    let (file, ports) = recorded();
    let (ours, theirs) = (base() + 220, base() + 221);
    let out = tmp("reconfig-peer-client.txt");
    let run = Run::new("reconfig-server", ours, theirs);
    let udp: Vec<String> = ports
        .iter()
        .flat_map(|p| ["--udp-port".to_string(), p.to_string()])
        .collect();
    let mut args: Vec<&str> = udp.iter().map(String::as_str).collect();
    args.extend(["--timing", "asis", "--wait", "5000"]);
    let child = live(&run.args(&file, "server", &args))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sctp-replay");
    std::thread::sleep(Duration::from_millis(300));
    let mut cli = peer_logged(
        &s_(&[
            "client",
            &theirs.to_string(),
            "127.0.0.1",
            "5001",
            "127.0.0.1",
            &ours.to_string(),
            "5000",
            "reconfig=1",
        ]),
        CLIENT_CMDS,
        &out,
    );
    let o = child.wait_with_output().expect("sctp-replay");
    let _ = cli.0.wait();
    let r = json(&run.json);
    let said = std::fs::read_to_string(&out).unwrap();
    // The endpoint performed every request: usrsctp saw no denial, its
    // added streams and our reset of our outgoing streams when it asked.
    assert!(!said.contains("denied=1"), "{said}");
    assert!(
        said.contains("stream_change in=16 out=18 denied=0"),
        "{said}"
    );
    assert!(
        said.contains("stream_reset incoming=1 outgoing=0 denied=0"),
        "{said}"
    );
    // Our answers, as tshark reads them: responses with result 1
    // (Success - Performed), and an Outgoing SSN Reset Request answering
    // the Incoming one, as the captured server did.
    let results: Vec<String> = tshark(
        &run.record,
        &[ours, theirs],
        &format!("udp.srcport == {ours} && sctp.chunk_type == 130"),
        &[
            "sctp.parameter_type",
            "sctp.parameter_reconfig_response_result",
        ],
    )
    .into_iter()
    .map(|r| r.join(" "))
    .collect();
    assert!(
        results.iter().any(|l| l.contains("0x000d")),
        "{results:?}\n{}",
        text(&o)
    );
    let codes: Vec<&str> = results
        .iter()
        .filter_map(|l| l.split(' ').nth(1))
        .flat_map(|c| c.split(','))
        .filter(|c| !c.is_empty())
        .collect();
    assert!(
        !codes.is_empty() && codes.iter().all(|c| *c == "1"),
        "{results:?}"
    );
    // The report's account of usrsctp's outgoing resets is usrsctp's own,
    // and its other requests matched the captured ones.
    assert_eq!(
        report_outgoing_resets(&r),
        peer_outgoing_resets(&out),
        "{r}"
    );
    for e in r["expected"].as_array().unwrap() {
        let c = e["captured"].as_str().unwrap();
        if e["chunk"] == "RE_CONFIG" && !c.contains("outgoing-reset") {
            assert_eq!(e["verdict"], "matched", "{e}");
        }
    }
}
