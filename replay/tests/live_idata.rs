//! `sctp-replay live` of an association that uses I-DATA (RFC 8260): the
//! capture is recorded here with tshark on `lo` between two `sctp-endpoint`s
//! that offer I-DATA (6 messages of 3,000 bytes on 3 streams, echoed, their
//! fragments interleaved). usrsctp 0.9.5's API has no switch for I-DATA, so
//! the live peers are our endpoint: `sctp-endpoint serve --idata` and a
//! second `sctp-replay live` playing the other side. Messages are compared
//! as messages (bytes, PPID, length) however each stack cuts them.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::*;

fn serve(port: u16, idata: bool, tag: &str) -> Serve {
    let log = tmp(&format!("idata-serve-{tag}.txt"));
    let extra: &[&str] = if idata {
        &["--associations", "1", "--idata"]
    } else {
        &["--associations", "1"]
    };
    start_serve(port, "echo", extra, &log)
}

/// The recorded capture and the server's UDP port.
fn recorded() -> (PathBuf, u16) {
    static REC: OnceLock<(PathBuf, u16)> = OnceLock::new();
    REC.get_or_init(|| {
        let port = base() + 100;
        let file = tmp("idata-endpoint.pcapng");
        let cap = Capture::start(&file, (port, port));
        {
            let _s = serve(port, true, "record");
            let o = Command::new(endpoint_binary())
                .args(["connect", "--udp", &format!("127.0.0.1:{port}")])
                .args(["--port", "5000", "--count", "6", "--size", "3000"])
                .args(["--streams", "3", "--echo", "--idata"])
                .output()
                .expect("sctp-endpoint connect");
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }
        cap.stop();
        (file, port)
    })
    .clone()
}

/// (chunk type, stream, MID, TSN) of each I-DATA / DATA chunk tshark reads
/// in `file` from UDP port `from` (0: any).
fn idata_chunks(file: &Path, ports: &[u16], from: u16) -> Vec<(u8, u16, u32)> {
    let filter = if from == 0 {
        "sctp.chunk_type == 64 || sctp.chunk_type == 0".to_string()
    } else {
        format!("udp.srcport == {from} && (sctp.chunk_type == 64 || sctp.chunk_type == 0)")
    };
    let mut out = Vec::new();
    for r in tshark(
        file,
        ports,
        &filter,
        &["sctp.chunk_type", "sctp.data_sid", "sctp.data_mid"],
    ) {
        let sids: Vec<&str> = r[1].split(',').collect();
        let mids: Vec<&str> = r[2].split(',').filter(|m| !m.is_empty()).collect();
        let mut k = 0;
        for t in r[0].split(',') {
            let t: u8 = t.parse().unwrap();
            if t == 64 || t == 0 {
                let sid = u16::from_str_radix(sids[k].trim_start_matches("0x"), 16).unwrap();
                let mid = mids.get(k).and_then(|m| m.parse().ok()).unwrap_or(0);
                out.push((t, sid, mid));
                k += 1;
            }
        }
    }
    out
}

fn udp_args(port: u16) -> Vec<String> {
    vec!["--udp-port".into(), port.to_string()]
}

#[test]
fn the_capture_interleaves_i_data() {
    let (file, port) = recorded();
    let c = idata_chunks(&file, &[port], 0);
    assert!(c.len() >= 36, "{c:?}");
    assert!(c.iter().all(|x| x.0 == 64), "only I-DATA: {c:?}");
    // Interleaved: the server's fragments of one message are not
    // consecutive (another message's come between them).
    let srv = idata_chunks(&file, &[port], port);
    let interleaved = srv.iter().enumerate().any(|(i, a)| {
        let last = srv.iter().rposition(|b| (b.1, b.2) == (a.1, a.2)).unwrap();
        srv[i..last].iter().any(|b| (b.1, b.2) != (a.1, a.2))
    });
    let c = srv;
    assert!(interleaved, "{c:?}");
}

#[test]
fn client_side_against_sctp_endpoint_serve_with_i_data() {
    let (file, port) = recorded();
    let theirs = base() + 110;
    let srv = serve(theirs, true, "client");
    let run = Run::new("idata-client", base() + 111, theirs);
    let o = live(
        &run.args(
            &file,
            "client",
            &udp_args(port)
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        ),
    )
    .output()
    .expect("sctp-replay");
    let r = json(&run.json);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(r["summary"]["all_matched"], true);
    let exp = r["expected"].as_array().unwrap();
    assert_eq!(
        exp.iter().filter(|e| e["chunk"] == "I_DATA").count(),
        idata_chunks(&file, &[port], port).len()
    );
    // We sent I-DATA (negotiated as captured), and serve got everything.
    let ours = idata_chunks(&run.record, &[run.ports.0, theirs], run.ports.0);
    assert!(
        !ours.is_empty() && ours.iter().all(|x| x.0 == 64),
        "{ours:?}"
    );
    drop(srv);
    let said = std::fs::read_to_string(tmp("idata-serve-client.txt")).unwrap();
    assert!(said.contains("6 messages, 18000 bytes"), "{said}");
}

#[test]
fn both_sides_with_i_data_against_each_other() {
    let (file, port) = recorded();
    let udp = udp_args(port);
    let udp: Vec<&str> = udp.iter().map(String::as_str).collect();
    let ((srv, scode), (cli, ccode)) = against_each_other("idata", &file, 13, &udp);
    for (run, code) in [(&srv, scode), (&cli, ccode)] {
        let r = json(&run.json);
        assert_eq!(code, Some(0), "{r}");
        assert_eq!(r["messages_sent"], 6);
        let live = idata_chunks(&run.record, &[run.ports.0, run.ports.1], 0);
        assert!(live.iter().all(|x| x.0 == 64), "{live:?}");
    }
}

#[test]
fn a_peer_without_i_data_diverges() {
    // serve without --idata: the association runs on DATA; the report says
    // the INIT ACK lacks I-DATA in its Supported Extensions, every captured
    // I-DATA is missing and each live DATA is extra.
    let (file, port) = recorded();
    let theirs = base() + 120;
    let _srv = serve(theirs, false, "plain");
    let run = Run::new("idata-plain", base() + 121, theirs);
    let mut args = udp_args(port);
    args.extend(["--wait".to_string(), "500".to_string()]);
    let o = live(&run.args(
        &file,
        "client",
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    ))
    .output()
    .expect("sctp-replay");
    let r = json(&run.json);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let exp = r["expected"].as_array().unwrap();
    let init_ack = exp.iter().find(|e| e["chunk"] == "INIT_ACK").unwrap();
    let ext = init_ack["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["field"] == "supported extensions")
        .unwrap_or_else(|| panic!("{init_ack}"));
    assert!(ext["captured"].as_str().unwrap().contains("I_DATA"));
    assert!(!ext["live"].as_str().unwrap().contains("I_DATA"));
    assert!(exp
        .iter()
        .filter(|e| e["chunk"] == "I_DATA")
        .all(|e| e["verdict"] == "missing"));
    let live_data = idata_chunks(&run.record, &[run.ports.0, theirs], theirs);
    assert!(live_data.iter().all(|x| x.0 == 0), "{live_data:?}");
    let extra_data = r["extras"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["live"].as_str().unwrap().starts_with("DATA[") && x["tolerated"] == false)
        .count();
    assert_eq!(extra_data, live_data.len(), "{r}");
}
