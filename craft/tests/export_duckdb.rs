//! `sctp-craft export ... --format parquet` read by DuckDB (the `duckdb`
//! Python package, installed by scripts/install-deps.sh) and checked against
//! other sources, never against the export itself:
//!
//! - every shared capture, plus a directory holding a copy of one (in a
//!   subdirectory), a capture cut inside a record, a file that is no capture
//!   and a text file: the two damaged files are reported with their cause,
//!   the cut one keeps the rows of its whole frames, the others are all
//!   exported, the text file is not read, and the exit status is 1;
//! - DuckDB's retransmission ratio per association (retransmitted DATA over
//!   analysed DATA, from the chunk rows) equals `sctp-craft assoc --json`'s
//!   retransmissions over DATA chunks, and its RTT count/min/avg/max per
//!   direction (from the ack rows) equals `assoc --json`'s `rtt`;
//! - DuckDB's chunk counts per file and type equal tshark's `sctp.chunk_type`
//!   counts over the frames tshark dissects whole (no `_ws.malformed`,
//!   `_ws.short`), and on every frame equal `sctp-craft dissect --json`'s.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_sctp-craft")
}

const PYTHON: &str = "/usr/bin/python3";

/// The DuckDB queries, their rows as JSON (`OUT` is the export directory).
const QUERIES: &str = r#"
import duckdb, json, sys
out = sys.argv[1]
c = duckdb.connect()
def q(sql):
    return c.sql(sql.replace("OUT", out)).fetchall()
chunks = "read_parquet('OUT/chunks/**/*.parquet', hive_partitioning = true)"
acks = "read_parquet('OUT/acks/**/*.parquet', hive_partitioning = true)"
assocs = "read_parquet('OUT/associations/**/*.parquet', hive_partitioning = true)"
res = {}
res["ratio"] = q(f"""
  SELECT source, assoc,
         count(*) FILTER (WHERE retransmission) AS retransmissions,
         count(retransmission) AS data_chunks,
         count(*) FILTER (WHERE retransmission) / count(retransmission) AS ratio
  FROM {chunks}
  WHERE assoc IS NOT NULL AND retransmission IS NOT NULL
  GROUP BY source, assoc ORDER BY source, assoc""")
res["types"] = q(f"""
  SELECT source, frame, chunk_type, count(*) FROM {chunks}
  GROUP BY source, frame, chunk_type""")
res["rtt"] = q(f"""
  SELECT source, assoc, direction, count(*), min(rtt), avg(rtt), max(rtt)
  FROM {acks} WHERE NOT retransmitted
  GROUP BY source, assoc, direction""")
res["assocs"] = q(f"SELECT source, count(*) FROM {assocs} GROUP BY source")
res["lints"] = q(f"""
  SELECT source, frame, string_agg(lints, ',') FROM {chunks}
  WHERE lints IS NOT NULL GROUP BY source, frame""")
print(json.dumps(res))
"#;

fn duckdb(out: &Path) -> Value {
    let probe = Command::new(PYTHON)
        .args(["-c", "import duckdb"])
        .output()
        .expect("/usr/bin/python3 is needed");
    assert!(
        probe.status.success(),
        "the duckdb Python package is needed (scripts/install-deps.sh installs it): {}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let r = Command::new(PYTHON)
        .args(["-c", QUERIES])
        .arg(out)
        .output()
        .unwrap();
    assert!(
        r.status.success(),
        "duckdb: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    serde_json::from_slice(&r.stdout).expect("JSON from the DuckDB script")
}

fn tshark_fields(file: &Path, args: &[&str]) -> String {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .args(["-d", "udp.port==9899,sctp"])
        .args(args)
        .output()
        .expect("tshark is needed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// tshark's chunk types per frame, and the frames it does not dissect whole.
fn tshark_types(file: &Path) -> (BTreeMap<u64, Vec<u8>>, HashSet<u64>) {
    let mut per_frame = BTreeMap::new();
    for l in tshark_fields(
        file,
        &[
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "sctp.chunk_type",
        ],
    )
    .lines()
    {
        let (f, types) = l.split_once('\t').unwrap_or((l, ""));
        let types: Vec<u8> = types
            .split(',')
            .filter_map(|x| x.trim().parse().ok())
            .collect();
        if !types.is_empty() {
            per_frame.insert(f.trim().parse().unwrap(), types);
        }
    }
    let broken = tshark_fields(
        file,
        &[
            "-Y",
            "_ws.malformed || _ws.short || _ws.unreassembled",
            "-T",
            "fields",
            "-e",
            "frame.number",
        ],
    )
    .lines()
    .filter_map(|l| l.trim().parse().ok())
    .collect();
    (per_frame, broken)
}

/// `dissect --json`'s chunk types per frame.
fn dissect_types(file: &Path) -> (BTreeMap<u64, BTreeMap<u8, u64>>, Lints) {
    let out = Command::new(bin())
        .args(["dissect", "--json"])
        .arg(file)
        .output()
        .unwrap();
    let mut m: BTreeMap<u64, BTreeMap<u8, u64>> = BTreeMap::new();
    let mut lints = Lints::new();
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        let Some(chunks) = v["chunks"].as_array().filter(|c| !c.is_empty()) else {
            continue;
        };
        let frame = v["frame"].as_u64().unwrap();
        let e = m.entry(frame).or_default();
        for c in chunks {
            *e.entry(c["type"].as_u64().unwrap() as u8).or_default() += 1;
        }
        let mut codes: Vec<String> = v["lints"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| l["code"].as_str().unwrap().to_string())
            .collect();
        if !codes.is_empty() {
            codes.sort();
            lints.insert(frame, codes);
        }
    }
    (m, lints)
}

/// Lint codes per frame, sorted.
type Lints = BTreeMap<u64, Vec<String>>;

/// `assoc --json`, one value per association.
fn assoc(file: &Path) -> Vec<Value> {
    let out = Command::new(bin())
        .args(["assoc", "--json"])
        .arg(file)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["association"].clone())
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + b.abs())
}

#[test]
fn duckdb_over_the_export_agrees_with_assoc_tshark_and_dissect() {
    let tmp = std::env::temp_dir().join(format!("sctpkit-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let extra = tmp.join("extra");
    std::fs::create_dir_all(extra.join("sub")).unwrap();
    let corpus = common::corpus_dir();
    let shared = common::corpus_files();
    let forces = corpus.join("tcpdump-forces3.pcap");
    std::fs::copy(&forces, extra.join("sub/tcpdump-forces3.pcap")).unwrap();
    let bytes = std::fs::read(&forces).unwrap();
    // Cut inside the record of frame 38.
    std::fs::write(extra.join("cut.pcap"), &bytes[..5000]).unwrap();
    std::fs::write(
        extra.join("garbage.pcap"),
        "this is not a capture\n".repeat(100),
    )
    .unwrap();
    std::fs::write(extra.join("notes.txt"), "not a capture name\n").unwrap();
    let out = tmp.join("out");
    let r = Command::new(bin())
        .args(["export", "--format", "parquet", "-j", "2", "-o"])
        .arg(&out)
        .arg(&corpus)
        .arg(&extra)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{err}");
    assert!(
        err.contains("garbage.pcap: frame 1 at byte offset 0: not a pcap, pcapng or gzip file"),
        "{err}"
    );
    assert!(
        err.contains("cut.pcap: frame 38 at byte offset 4938: file truncated in the middle of a record (rows of the frames before it exported)"),
        "{err}"
    );
    // Every capture of the corpus directory was exported (ORACLE_FILES only
    // narrows the comparisons below).
    let n = std::fs::read_dir(&corpus)
        .unwrap()
        .filter(|e| {
            let n = e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .into_owned();
            [".pcap", ".cap", ".pcapng", ".pcapng.gz"]
                .iter()
                .any(|x| n.ends_with(x))
        })
        .count();
    assert!(
        err.contains(&format!("exported {} of {} files", n + 2, n + 3)),
        "{err}"
    );
    assert!(!err.contains("notes.txt"), "{err}");
    let parts: HashSet<String> = std::fs::read_dir(out.join("chunks"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for f in &shared {
        assert!(
            parts.contains(&format!("source={}", common::name(f))),
            "{}",
            f.display()
        );
    }
    assert!(parts.contains("source=tcpdump-forces3.pcap~2"));
    assert!(parts.contains("source=cut.pcap"));
    assert!(!parts.contains("source=garbage.pcap"));
    assert!(!parts.contains("source=notes.txt"));

    let db = duckdb(&out);
    // Chunk counts per source and frame.
    let mut types: BTreeMap<String, BTreeMap<u64, BTreeMap<u8, u64>>> = BTreeMap::new();
    for row in db["types"].as_array().unwrap() {
        let r = row.as_array().unwrap();
        *types
            .entry(r[0].as_str().unwrap().to_string())
            .or_default()
            .entry(r[1].as_u64().unwrap())
            .or_default()
            .entry(r[2].as_u64().unwrap() as u8)
            .or_default() += r[3].as_u64().unwrap();
    }
    assert_eq!(
        types.get("tcpdump-forces3.pcap"),
        types.get("tcpdump-forces3.pcap~2"),
        "the copy in a subdirectory"
    );
    let cut = types.get("cut.pcap").map_or(0, |m| m.len());
    assert!(
        cut > 0 && cut < types["tcpdump-forces3.pcap"].len(),
        "cut.pcap: {cut} frames"
    );
    // Lint codes per source and frame (the export proves bulk packets
    // lint-free from the view and runs the full lints on the rest).
    let mut lints: BTreeMap<String, Lints> = BTreeMap::new();
    for row in db["lints"].as_array().unwrap() {
        let r = row.as_array().unwrap();
        let mut codes: Vec<String> = r[2]
            .as_str()
            .unwrap()
            .split(',')
            .map(String::from)
            .collect();
        codes.sort();
        lints
            .entry(r[0].as_str().unwrap().to_string())
            .or_default()
            .insert(r[1].as_u64().unwrap(), codes);
    }
    let mut frames_with_lints = 0;
    let empty = BTreeMap::new();
    let (mut frames_vs_tshark, mut chunks_vs_tshark, mut frames_skipped) = (0, 0, 0);
    for f in &shared {
        let name = common::name(f);
        let ours = types.get(&name).unwrap_or(&empty);
        // Every frame as dissect --json shows it, its lints too.
        let (want_types, want_lints) = dissect_types(f);
        assert_eq!(
            ours, &want_types,
            "{name}: chunk types per frame vs dissect --json"
        );
        assert_eq!(
            lints.get(&name).unwrap_or(&Lints::new()),
            &want_lints,
            "{name}: lint codes per frame vs dissect --json"
        );
        frames_with_lints += want_lints.len();
        // Per type over the frames tshark dissects whole.
        let (theirs, broken) = tshark_types(f);
        let mut want: BTreeMap<u8, u64> = BTreeMap::new();
        let mut got: BTreeMap<u8, u64> = BTreeMap::new();
        for (frame, t) in &theirs {
            if broken.contains(frame) {
                frames_skipped += 1;
                continue;
            }
            frames_vs_tshark += 1;
            for ty in t {
                *want.entry(*ty).or_default() += 1;
            }
            for (ty, k) in ours.get(frame).unwrap_or(&BTreeMap::new()) {
                *got.entry(*ty).or_default() += k;
            }
        }
        chunks_vs_tshark += want.values().sum::<u64>();
        assert_eq!(
            got, want,
            "{name}: chunks per type vs tshark sctp.chunk_type"
        );
    }

    // Retransmission ratio and RTTs per association vs assoc --json.
    let mut ratio: BTreeMap<(String, u64), (u64, u64, f64)> = BTreeMap::new();
    for row in db["ratio"].as_array().unwrap() {
        let r = row.as_array().unwrap();
        ratio.insert(
            (r[0].as_str().unwrap().into(), r[1].as_u64().unwrap()),
            (
                r[2].as_u64().unwrap(),
                r[3].as_u64().unwrap(),
                r[4].as_f64().unwrap(),
            ),
        );
    }
    // (source, association, DATA direction) -> (samples, min, avg, max)
    type Rtts = BTreeMap<(String, u64, String), (u64, f64, f64, f64)>;
    let mut rtt: Rtts = BTreeMap::new();
    for row in db["rtt"].as_array().unwrap() {
        let r = row.as_array().unwrap();
        // An ack row's direction is the SACK's; its RTT is the other's DATA.
        let dir = match r[2].as_str().unwrap() {
            "forward" => "reverse",
            _ => "forward",
        };
        rtt.insert(
            (
                r[0].as_str().unwrap().into(),
                r[1].as_u64().unwrap(),
                dir.into(),
            ),
            (
                r[3].as_u64().unwrap(),
                r[4].as_f64().unwrap(),
                r[5].as_f64().unwrap(),
                r[6].as_f64().unwrap(),
            ),
        );
    }
    let assoc_rows: BTreeMap<String, u64> = db["assocs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r[0].as_str().unwrap().into(), r[1].as_u64().unwrap()))
        .collect();
    let (mut assocs_checked, mut with_retrans, mut rtt_dirs) = (0, 0, 0);
    let mut files: Vec<PathBuf> = shared.clone();
    files.push(extra.join("sub/tcpdump-forces3.pcap"));
    for f in &files {
        let name = if f.starts_with(&extra) {
            "tcpdump-forces3.pcap~2".to_string()
        } else {
            common::name(f)
        };
        let a = assoc(f);
        assert_eq!(
            assoc_rows.get(&name).copied().unwrap_or(0),
            a.len() as u64,
            "{name}: association rows"
        );
        for s in &a {
            let id = s["id"].as_u64().unwrap();
            let dirs = s["directions"].as_array().unwrap();
            let sum = |k: &str| dirs.iter().map(|d| d[k].as_u64().unwrap()).sum::<u64>();
            let (re, data) = (sum("retransmissions"), sum("data_chunks"));
            let key = (name.clone(), id);
            match ratio.get(&key) {
                Some(&(r, d, q)) => {
                    assert_eq!((r, d), (re, data), "{name} association {id}");
                    assert!(close(q, re as f64 / data as f64), "{name} {id}: {q}");
                }
                None => assert_eq!(data, 0, "{name} association {id}: DATA but no row"),
            }
            assocs_checked += 1;
            with_retrans += usize::from(re > 0);
            for d in dirs {
                let dir = d["dir"].as_str().unwrap().to_string();
                let got = rtt.get(&(name.clone(), id, dir.clone()));
                let want = &d["rtt"];
                if want.is_null() {
                    assert!(got.is_none(), "{name} {id} {dir}: RTT rows without samples");
                    continue;
                }
                let &(n, min, avg, max) =
                    got.unwrap_or_else(|| panic!("{name} {id} {dir}: no RTT"));
                assert_eq!(n, want["samples"].as_u64().unwrap(), "{name} {id} {dir}");
                for (x, k) in [(min, "min"), (avg, "avg"), (max, "max")] {
                    assert!(
                        close(x, want[k].as_f64().unwrap()),
                        "{name} {id} {dir} RTT {k}: {x} vs {}",
                        want[k]
                    );
                }
                rtt_dirs += 1;
            }
        }
    }
    assert!(
        std::env::var_os("ORACLE_FILES").is_some() || assocs_checked >= 100 && with_retrans >= 8 && rtt_dirs >= 40,
        "{assocs_checked} associations, {with_retrans} with retransmissions, {rtt_dirs} directions with RTTs"
    );
    assert!(
        std::env::var_os("ORACLE_FILES").is_some() || frames_with_lints >= 50,
        "{frames_with_lints} frames with lints"
    );
    let _ = std::fs::remove_dir_all(&tmp);
    eprintln!(
        "export: {n} shared captures and 3 extra files; DuckDB chunk counts equal tshark's on {frames_vs_tshark} frames ({chunks_vs_tshark} chunks; {frames_skipped} frames tshark does not dissect whole left out) and dissect --json's on every frame, as do the lint codes of {frames_with_lints} frames with lints; retransmission ratio of {assocs_checked} associations ({with_retrans} with retransmissions) and RTT count/min/avg/max of {rtt_dirs} directions equal assoc --json"
    );
}
