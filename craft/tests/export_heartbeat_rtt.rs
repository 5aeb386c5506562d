//! HEARTBEAT RTT per path (RFC 9260 8.3) against tshark: on every shared
//! capture with HEARTBEAT ACKs, tshark's frame times and Heartbeat
//! Information bytes pair each HEARTBEAT ACK with the unanswered HEARTBEAT
//! (same information, opposite addresses and ports) it echoes; the pairs
//! and their RTTs (to the nanosecond) must be those `sctp-craft dissect
//! --analysis --json` gives (`analysis.hb_rtt`), their count, minimum and
//! maximum per path those of `sctp-craft assoc --json` (`paths[].hb_rtt`).

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_sctp-craft")
}

/// Epoch seconds with up to 9 decimals as nanoseconds, exactly.
fn ns(s: &str) -> i128 {
    let (sec, frac) = s.split_once('.').unwrap_or((s, ""));
    let mut f = frac.to_string();
    f.truncate(9);
    while f.len() < 9 {
        f.push('0');
    }
    sec.parse::<i128>().unwrap() * 1_000_000_000 + f.parse::<i128>().unwrap()
}

/// A JSON number of seconds (9 decimals) as nanoseconds.
fn secs_ns(v: &Value) -> i128 {
    (v.as_f64().unwrap() * 1e9).round() as i128
}

/// (ACK frame) -> (HEARTBEAT frame, RTT ns, HEARTBEAT source, destination),
/// from tshark's fields alone.
fn tshark_pairs(file: &Path) -> BTreeMap<u64, (u64, i128, String, String)> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .args([
            "-d",
            "udp.port==9899,sctp",
            "-Y",
            "sctp.chunk_type == 4 || sctp.chunk_type == 5",
        ])
        .args(["-T", "fields", "-E", "separator=\t"])
        .args(["-e", "frame.number", "-e", "frame.time_epoch"])
        .args([
            "-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst",
        ])
        .args([
            "-e",
            "sctp.srcport",
            "-e",
            "sctp.dstport",
            "-e",
            "sctp.chunk_type",
        ])
        .args([
            "-e",
            "sctp.parameter_heartbeat_information",
            "-e",
            "frame.protocols",
        ])
        .output()
        .expect("tshark is needed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // (sender addr, port, receiver addr, port, info) -> (frame, time)
    type Key = (String, String, String, String, String);
    let mut pending: HashMap<Key, (u64, i128)> = HashMap::new();
    let mut pairs = BTreeMap::new();
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let c: Vec<&str> = l.split('\t').collect();
        if c.len() < 11 || c[10].contains("icmp") {
            continue;
        }
        let (src, dst) = if c[2].is_empty() {
            (c[4], c[5])
        } else {
            (c[2], c[3])
        };
        let (frame, t): (u64, i128) = (c[0].parse().unwrap(), ns(c[1]));
        let types: Vec<&str> = c[8].split(',').filter(|x| *x == "4" || *x == "5").collect();
        let infos: Vec<&str> = c[9].split(',').collect();
        if types.len() != infos.len() {
            continue;
        }
        for (ty, info) in types.iter().zip(infos) {
            let (sp, dp) = (c[6].to_string(), c[7].to_string());
            if *ty == "4" {
                let k = (src.into(), sp, dst.into(), dp, info.to_string());
                pending.insert(k, (frame, t));
            } else {
                let k = (dst.into(), dp, src.into(), sp, info.to_string());
                if let Some((f0, t0)) = pending.remove(&k) {
                    pairs.insert(frame, (f0, t - t0, k.0.clone(), k.2.clone()));
                }
            }
        }
    }
    pairs
}

/// The same from `dissect --analysis --json`.
fn our_pairs(file: &Path) -> BTreeMap<u64, (u64, i128)> {
    let out = Command::new(bin())
        .args(["dissect", "--analysis", "--json"])
        .arg(file)
        .output()
        .unwrap();
    let mut m = BTreeMap::new();
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        let Some(chunks) = v["analysis"]["chunks"].as_array() else {
            continue;
        };
        for c in chunks {
            if let Some(h) = c.get("hb_rtt") {
                m.insert(
                    v["frame"].as_u64().unwrap(),
                    (h["request_frame"].as_u64().unwrap(), secs_ns(&h["rtt"])),
                );
            }
        }
    }
    m
}

#[test]
fn heartbeat_rtts_equal_tshark_pairs() {
    let (mut files, mut total) = (0, 0);
    for file in common::corpus_files() {
        let name = common::name(&file);
        let theirs = tshark_pairs(&file);
        let ours = our_pairs(&file);
        let plain: BTreeMap<u64, (u64, i128)> =
            theirs.iter().map(|(k, v)| (*k, (v.0, v.1))).collect();
        assert_eq!(
            ours, plain,
            "{name}: HEARTBEAT ACK -> (HEARTBEAT frame, RTT ns)"
        );
        if theirs.is_empty() {
            continue;
        }
        files += 1;
        total += theirs.len();
        // Per path (HEARTBEAT source -> destination): count, min, max.
        let mut want: BTreeMap<(String, String), (u64, i128, i128)> = BTreeMap::new();
        for (_, rtt, s, d) in theirs.values() {
            let e = want
                .entry((s.clone(), d.clone()))
                .or_insert((0, i128::MAX, i128::MIN));
            e.0 += 1;
            e.1 = e.1.min(*rtt);
            e.2 = e.2.max(*rtt);
        }
        let out = Command::new(bin())
            .args(["assoc", "--json"])
            .arg(&file)
            .output()
            .unwrap();
        let mut got: BTreeMap<(String, String), (u64, i128, i128)> = BTreeMap::new();
        for l in String::from_utf8_lossy(&out.stdout).lines() {
            let v: Value = serde_json::from_str(l).unwrap();
            for d in v["association"]["directions"].as_array().unwrap() {
                for p in d["paths"].as_array().unwrap() {
                    let h = &p["hb_rtt"];
                    if h.is_null() {
                        continue;
                    }
                    let e = got
                        .entry((
                            p["src"].as_str().unwrap().into(),
                            p["dst"].as_str().unwrap().into(),
                        ))
                        .or_insert((0, i128::MAX, i128::MIN));
                    e.0 += h["samples"].as_u64().unwrap();
                    e.1 = e.1.min(secs_ns(&h["min"]));
                    e.2 = e.2.max(secs_ns(&h["max"]));
                }
            }
        }
        assert_eq!(
            got, want,
            "{name}: assoc --json paths[].hb_rtt (samples, min, max)"
        );
    }
    assert!(files >= 5, "captures with HEARTBEAT ACKs: {files}");
    eprintln!("HEARTBEAT RTT: {total} HEARTBEAT/ACK pairs on {files} captures equal tshark's, per path in assoc --json too");
}
