//! Karn's rule (RFC 6298 5; RFC 9260 6.3.1 C5) in the association analysis,
//! on a capture scapy builds here: a TSN sent twice gives no RTT sample,
//! since its SACK cannot tell which transmission it answers.
//!
//! No shared capture has a SACK whose longest first-acknowledged RTT is a
//! retransmitted TSN's, so without this test the rule could go unnoticed
//! (removing it passed `analysis_tshark` and `dissect_analysis`). Wireshark
//! gives every first-acknowledged TSN its `sctp.sack_rtt`, retransmitted or
//! not; the test takes those values and tshark's retransmission marks, and
//! expects, for each SACK, the longest RTT of the TSNs never retransmitted:
//!
//! - in `dissect --analysis`'s summary line (`RTT x s`, none when every TSN
//!   the SACK acknowledges went twice);
//! - as the SACK row's `rtt` in the Parquet export (read by DuckDB);
//! - in `assoc --json`'s RTT count, minimum and maximum of the direction.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const PYTHON: &str = "/usr/bin/python3";
const CRAFT: &str = env!("CARGO_BIN_EXE_sctp-craft");

/// Handshake, then: TSNs 100 and 101, 100 again, one SACK for both (the
/// longest RTT is 100's, which went twice); 102 twice and its SACK (no
/// sample left); 103 once and its SACK.
const BUILD: &str = r#"
import sys
from scapy.all import IP, wrpcap
from scapy.layers.sctp import (SCTP, SCTPChunkInit, SCTPChunkInitAck, SCTPChunkCookieEcho,
    SCTPChunkCookieAck, SCTPChunkData, SCTPChunkSACK, SCTPChunkParamStateCookie)
A, B = "192.0.2.1", "192.0.2.2"
def a(tag, c): return IP(src=A, dst=B)/SCTP(sport=2905, dport=2905, tag=tag)/c
def b(tag, c): return IP(src=B, dst=A)/SCTP(sport=2905, dport=2905, tag=tag)/c
def data(tsn, ssn): return a(0x2222, SCTPChunkData(beginning=1, ending=1, tsn=tsn, stream_id=0, stream_seq=ssn, proto_id=3, data=b"m3ua" * 25))
def sack(cum): return b(0x1111, SCTPChunkSACK(cumul_tsn_ack=cum, a_rwnd=65535))
cookie = SCTPChunkParamStateCookie(cookie=b"\x5a" * 16)
plan = [
    (0.000, a(0, SCTPChunkInit(init_tag=0x1111, a_rwnd=65535, n_out_streams=1, n_in_streams=1, init_tsn=100))),
    (0.001, b(0x1111, SCTPChunkInitAck(init_tag=0x2222, a_rwnd=65535, n_out_streams=1, n_in_streams=1, init_tsn=500, params=[cookie]))),
    (0.002, a(0x2222, SCTPChunkCookieEcho(cookie=b"\x5a" * 16))),
    (0.003, b(0x1111, SCTPChunkCookieAck())),
    (0.100, data(100, 0)),
    (0.110, data(101, 1)),
    (0.400, data(100, 0)),
    (0.420, sack(101)),
    (1.000, data(102, 2)),
    (1.300, data(102, 2)),
    (1.305, sack(102)),
    (2.000, data(103, 3)),
    (2.050, sack(103)),
]
pkts = []
for t, p in plan:
    p.time = 1796400000 + t
    pkts.append(p)
wrpcap(sys.argv[1], pkts)
"#;

fn scratch() -> PathBuf {
    let d = std::env::temp_dir().join(format!("sctpkit-karn-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(c: &mut Command) -> String {
    let o = c.output().unwrap_or_else(|e| panic!("{c:?}: {e}"));
    assert!(
        o.status.success(),
        "{c:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("utf-8")
}

/// What tshark says: per SACK frame, (TSN, RTT) of each TSN it acknowledges
/// first; and the TSNs of DATA chunks it marks as retransmissions.
struct Tshark {
    sacks: BTreeMap<u64, Vec<(u32, f64)>>,
    retransmitted: BTreeSet<u32>,
}

fn tshark(file: &Path) -> Tshark {
    let out = common::tshark::tsn_analysis_fields(
        file,
        &[],
        "",
        &[
            "frame.number",
            "sctp.data_tsn_raw",
            "sctp.retransmission",
            "sctp.ack",
            "sctp.sack_rtt",
        ],
    );
    let mut t = Tshark {
        sacks: BTreeMap::new(),
        retransmitted: BTreeSet::new(),
    };
    for line in out.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let frame: u64 = f[0].parse().expect("frame number");
        if !f[2].is_empty() {
            t.retransmitted.insert(f[1].parse().expect("TSN"));
        }
        if !f[3].is_empty() {
            let tsns = f[3].split(',').map(|x| x.parse::<u32>().expect("TSN"));
            let rtts = f[4].split(',').map(|x| x.parse::<f64>().expect("RTT"));
            t.sacks.insert(frame, tsns.zip(rtts).collect());
        }
    }
    t
}

/// The three SACKs, each with the RTT Karn's rule leaves.
fn expected(t: &Tshark) -> BTreeMap<u64, Option<f64>> {
    t.sacks
        .iter()
        .map(|(&frame, acked)| {
            let rtt = acked
                .iter()
                .filter(|(tsn, _)| !t.retransmitted.contains(tsn))
                .map(|&(_, r)| r)
                .reduce(f64::max);
            (frame, rtt)
        })
        .collect()
}

#[test]
fn a_retransmitted_tsn_gives_no_rtt_sample() {
    let dir = scratch();
    let file = dir.join("karn.pcap");
    run(Command::new(PYTHON).args(["-c", BUILD]).arg(&file));

    let t = tshark(&file);
    // The capture is what it means to be: tshark marks TSNs 100 and 102 as
    // retransmitted and links all four TSNs to their SACKs.
    assert_eq!(
        t.retransmitted,
        BTreeSet::from([100, 102]),
        "tshark's retransmission marks"
    );
    assert_eq!(
        t.sacks.values().flatten().map(|a| a.0).collect::<Vec<_>>(),
        [100, 101, 102, 103]
    );
    let want = expected(&t);
    assert_eq!(want.len(), 3);
    // The SACK of 100 and 101: 100's RTT (from its first transmission) is
    // the longer; without Karn's rule it would be reported.
    let (&both, &rtt_both) = want.iter().next().unwrap();
    let longest = t.sacks[&both].iter().map(|a| a.1).fold(0.0, f64::max);
    assert!(
        rtt_both.is_some_and(|r| r < longest - 0.005),
        "{rtt_both:?} against {longest}"
    );

    // dissect --analysis: the summary line of each SACK.
    let lines = run(Command::new(CRAFT)
        .args(["dissect", "--analysis"])
        .arg(&file));
    for (&frame, &rtt) in &want {
        let line = lines
            .lines()
            .find(|l| l.split_whitespace().next() == Some(&frame.to_string()))
            .unwrap_or_else(|| panic!("frame {frame} in\n{lines}"));
        match rtt {
            Some(r) => assert!(
                line.contains(&format!(", RTT {r:.6} s]")),
                "frame {frame}: want RTT {r:.6}\n{line}"
            ),
            None => assert!(!line.contains("RTT"), "frame {frame}: no RTT\n{line}"),
        }
    }

    // The Parquet export: the SACK rows' rtt.
    let out = dir.join("export");
    run(Command::new(CRAFT)
        .args(["export", "-q", "-o"])
        .arg(&out)
        .arg(&file));
    let rows = run(Command::new(PYTHON).args([
        "-c",
        "import duckdb, sys, json; print(json.dumps(duckdb.sql(f\"SELECT frame, rtt FROM read_parquet('{sys.argv[1]}/chunks/**/*.parquet', hive_partitioning = true) WHERE chunk_type = 3 ORDER BY frame\").fetchall()))",
    ]).arg(&out));
    let rows: Vec<(u64, Option<f64>)> = serde_json::from_str(&rows).expect("DuckDB rows");
    assert_eq!(rows.len(), want.len(), "{rows:?}");
    for ((frame, rtt), (&wf, &wr)) in rows.iter().zip(&want) {
        assert_eq!(*frame, wf);
        match (rtt, wr) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 1e-6, "frame {frame}: {a} != {b}"),
            (None, None) => {}
            _ => panic!("frame {frame}: export rtt {rtt:?}, want {wr:?}"),
        }
    }

    // assoc --json: the forward direction's RTT samples are the TSNs sent
    // once (101 and 103).
    let assoc = run(Command::new(CRAFT).args(["assoc", "--json"]).arg(&file));
    let a: serde_json::Value =
        serde_json::from_str(assoc.lines().next().expect("one association")).expect("JSON");
    let fwd = &a["association"]["directions"][0];
    assert_eq!(fwd["dir"], "forward", "{fwd}");
    let samples: Vec<f64> = t
        .sacks
        .values()
        .flatten()
        .filter(|(tsn, _)| !t.retransmitted.contains(tsn))
        .map(|a| a.1)
        .collect();
    assert_eq!(fwd["rtt"]["samples"], samples.len(), "{fwd}");
    let min = samples.iter().copied().fold(f64::MAX, f64::min);
    let max = samples.iter().copied().fold(0.0, f64::max);
    assert!(
        (fwd["rtt"]["min"].as_f64().unwrap() - min).abs() < 1e-6,
        "{fwd}"
    );
    assert!(
        (fwd["rtt"]["max"].as_f64().unwrap() - max).abs() < 1e-6,
        "{fwd}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
