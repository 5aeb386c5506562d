//! `sctp-replay live` against our own endpoint as the live peer, over UDP
//! encapsulation on 127.0.0.1:
//!
//! - both sides of each capture of `captures/` played against each other
//!   by two `sctp-replay live` runs (our endpoint in both roles);
//! - the client side of the echo, unordered and bulk captures against
//!   `sctp-endpoint serve --mode echo|discard`.
//!
//! What the reports say is checked against tshark's reading of the capture
//! and of the recorded live exchange (`--record`): every difference the
//! report names is a field in which the two truly differ, and every field
//! in which they differ is named.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use sctp_replay::list::chunk_name;

const UDP: [u16; 2] = [39899, 39900];

/// An INIT or INIT ACK as tshark reads it (field, value).
type Fields = Vec<(String, String)>;

/// User messages a side of the capture sent, as tshark counts them: DATA
/// chunks with the E bit from UDP port `from`, retransmissions once.
fn messages(file: &Path, from: u16) -> usize {
    tshark(
        file,
        &UDP,
        &format!("udp.srcport == {from} && sctp.data_e_bit == 1"),
        &["sctp.data_tsn", "sctp.data_e_bit"],
    )
    .iter()
    .flat_map(|r| {
        let e: Vec<_> = r[1].split(',').collect();
        r[0].split(',')
            .zip(e)
            .filter(|(_, e)| *e == "1" || *e == "True")
            .map(|(t, _)| t.to_string())
            .collect::<Vec<_>>()
    })
    .collect::<BTreeSet<_>>()
    .len()
}

/// User bytes a side of the capture sent, as tshark reads the chunk
/// lengths (DATA Length minus its 16 bytes of header), retransmissions once.
fn user_bytes(file: &Path, from: u16) -> usize {
    let mut seen = BTreeSet::new();
    let mut n = 0;
    for r in tshark(
        file,
        &UDP,
        &format!("udp.srcport == {from} && sctp.chunk_type == 0"),
        &["sctp.chunk_type", "sctp.chunk_length", "sctp.data_tsn"],
    ) {
        let mut tsns = r[2].split(',');
        for (t, l) in r[0].split(',').zip(r[1].split(',')) {
            if t == "0" {
                let tsn = tsns.next().unwrap().to_string();
                if seen.insert(tsn) {
                    n += l.parse::<usize>().unwrap() - 16;
                }
            }
        }
    }
    n
}

/// Checks a report whose INIT or INIT ACK is expected to differ only where
/// tshark sees the capture and the live exchange differ, every other
/// expected chunk matched and no extra chunk that is not tolerated.
fn check_report(
    what: &str,
    report: &serde_json::Value,
    file: &Path,
    record: &Path,
    record_ports: &[u16],
    init_chunk: u8,
) -> (Fields, Fields) {
    let exp = report["expected"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: no report: {report}"));
    let name = chunk_name(init_chunk);
    let init = exp
        .iter()
        .find(|e| e["chunk"] == name.as_str())
        .unwrap_or_else(|| panic!("{what}: no {name} expected: {report}"));
    let captured = init_fields(file, &UDP, init_chunk, init["frame"].as_u64().unwrap());
    let live = init_fields(
        record,
        record_ports,
        init_chunk,
        init["live_frame"].as_u64().expect("a live INIT / INIT ACK"),
    );
    let want = field_differences(&captured, &live);
    assert_eq!(differences(init), want, "{what}: {name}: {report}");
    // DATA verdicts against tshark too.
    check_verdicts(what, report, file, &UDP, record, record_ports);
    if want.is_empty() {
        assert_eq!(init["verdict"], "matched", "{what}");
    } else {
        assert_eq!(init["verdict"], "differed", "{what}");
    }
    for e in exp.iter().filter(|e| e["chunk"] != name.as_str()) {
        assert_eq!(e["verdict"], "matched", "{what}: {e}");
    }
    assert!(
        report["extras"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["tolerated"] == true),
        "{what}: {report}"
    );
    assert_eq!(report["summary"]["all_matched"], want.is_empty(), "{what}");
    (captured, live)
}

#[test]
fn both_sides_of_each_capture_against_each_other() {
    for (n, name) in [
        "echo",
        "unordered",
        "shutdown-server",
        "abort",
        "bulk-fragmented",
        "many-streams",
    ]
    .into_iter()
    .enumerate()
    {
        let file = root().join(format!("captures/usrsctp-{name}.pcapng"));
        let ((srv, scode), (cli, ccode)) = against_each_other(
            name,
            &file,
            n as u16,
            &["--udp-port", "39899", "--udp-port", "39900"],
        );
        let (sr, cr) = (json(&srv.json), json(&cli.json));
        // The server run expects the client's INIT: the live one is the
        // client run's, sent from its port.
        let init = check_report(
            &format!("{name} server"),
            &sr,
            &file,
            &srv.record,
            &[srv.ports.0, srv.ports.1],
            1,
        );
        let init_ack = check_report(
            &format!("{name} client"),
            &cr,
            &file,
            &cli.record,
            &[cli.ports.0, cli.ports.1],
            2,
        );
        // Each played side offered what its captured side offered: the same
        // parameters, and every extension the endpoint speaks: all of
        // usrsctp's list but ASCONF and ASCONF ACK (RFC 5061, not spoken);
        // FORWARD TSN is listed, as FreeBSD lists it with PR-SCTP on.
        for (chunk, (c, l)) in [(1, init), (2, init_ack)] {
            assert_eq!(c[3], l[3], "{name}: parameters of {}", chunk_name(chunk));
            let list = |v: &str| -> BTreeSet<String> {
                v.trim_matches(['[', ']'])
                    .split(", ")
                    .map(String::from)
                    .collect()
            };
            let missing: Vec<_> = list(&c[4].1).difference(&list(&l[4].1)).cloned().collect();
            assert_eq!(missing, ["ASCONF", "ASCONF_ACK"], "{name}: {c:?} {l:?}");
        }
        for (r, code) in [(&sr, scode), (&cr, ccode)] {
            let want = if r["summary"]["all_matched"] == true {
                0
            } else {
                1
            };
            assert_eq!(code, Some(want), "{name}: {r}");
        }
        // Each side sent the messages its captured side sent.
        assert_eq!(
            sr["messages_sent"].as_u64().unwrap() as usize,
            messages(&file, 39899),
            "{name}"
        );
        assert_eq!(
            cr["messages_sent"].as_u64().unwrap() as usize,
            messages(&file, 39900),
            "{name}"
        );
    }
}

#[test]
fn client_side_against_sctp_endpoint_serve() {
    for (n, (name, mode)) in [
        ("echo", "echo"),
        ("unordered", "echo"),
        ("bulk-fragmented", "discard"),
    ]
    .into_iter()
    .enumerate()
    {
        let file = root().join(format!("captures/usrsctp-{name}.pcapng"));
        let (ours, theirs) = (base() + 100 + 10 * n as u16, base() + 101 + 10 * n as u16);
        let log = tmp(&format!("own-serve-{name}.txt"));
        let mut serve = start_serve(theirs, mode, &["--associations", "1"], &log);
        let run = Run::new(&format!("serve-{name}"), ours, theirs);
        let o = live(&run.args(
            &file,
            "client",
            &["--udp-port", "39899", "--udp-port", "39900"],
        ))
        .output()
        .expect("sctp-replay");
        let r = json(&run.json);
        check_report(
            &format!("{name} against serve"),
            &r,
            &file,
            &run.record,
            &[ours, theirs],
            2,
        );
        let want = if r["summary"]["all_matched"] == true {
            0
        } else {
            1
        };
        assert_eq!(o.status.code(), Some(want), "{}", text(&o));
        // What reached the peer: serve counts the messages and bytes of the
        // association; tshark counts the capture's client messages and bytes.
        let _ = serve.0.wait();
        let said = std::fs::read_to_string(&log).unwrap();
        let bytes = user_bytes(&file, 39900);
        let msgs = messages(&file, 39900);
        assert!(
            said.contains(&format!("{msgs} messages, {bytes} bytes")),
            "{name}: serve said {said:?}; the capture's client sent {msgs} messages, {bytes} bytes"
        );
    }
}
