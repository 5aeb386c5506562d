//! `sctp-craft dissect --stats` counts per direction what tshark's
//! `-z sctp,stat` counts (its ten chunk columns), on every shared capture.
//! Frames where the built-in raised an exception are removed first (it never
//! counts those); where tshark's tap record is full (2,048 chunks in one
//! packet) its dissection's own chunk count is the reference.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Chunk type of each of tshark's columns, in its order.
const COLUMNS: [u8; 10] = [0x00, 0x03, 0x04, 0x05, 0x01, 0x02, 0x0A, 0x0B, 0x06, 0x09];

type Table = BTreeMap<(String, u16, String, u16), [u64; 10]>;

fn tshark_table(file: &Path) -> Table {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .args(["-d", "udp.port==9899,sctp", "-q", "-z", "sctp,stat"])
        .output()
        .expect("tshark is needed");
    let mut t = Table::new();
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let cells: Vec<&str> = l.split('|').map(str::trim).collect();
        // | src | portA | dst | portB | ten counts |
        if cells.len() != 16 {
            continue;
        }
        let (Ok(sp), Ok(dp)) = (cells[2].parse(), cells[4].parse()) else {
            continue;
        };
        let mut n = [0u64; 10];
        for (k, c) in cells[5..15].iter().enumerate() {
            n[k] = c.parse().unwrap_or(0);
        }
        t.insert((cells[1].to_string(), sp, cells[3].to_string(), dp), n);
    }
    t
}

fn our_table(file: &Path) -> Table {
    let out = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .args(["dissect", "-q", "--stats", "--json"])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut t = Table::new();
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(l).expect("JSON line");
        let s = &v["stats"];
        let mut n = [0u64; 10];
        for (k, ty) in COLUMNS.iter().enumerate() {
            n[k] = s["chunks"][ty.to_string()].as_u64().unwrap_or(0);
        }
        let key = (
            s["src"].as_str().unwrap().to_string(),
            s["src_port"].as_u64().unwrap() as u16,
            s["dst"].as_str().unwrap().to_string(),
            s["dst_port"].as_u64().unwrap() as u16,
        );
        t.insert(key, n);
    }
    t
}

/// Every chunk type tshark's dissection shows in `file`.
fn chunk_types(file: &Path) -> Vec<u8> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .args(["-T", "fields", "-e", "sctp.chunk_type"])
        .output()
        .expect("tshark is needed");
    String::from_utf8_lossy(&out.stdout)
        .split([',', '\n'])
        .filter_map(|t| t.trim().parse().ok())
        .collect()
}

#[test]
fn stats_count_what_tshark_counts() {
    let dir = std::env::temp_dir().join(format!("sctpkit-stats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (mut files, mut rows) = (0, 0);
    for f in common::corpus_files() {
        let name = common::name(&f);
        let clean = dir.join(format!("{name}.pcapng"));
        let w = Command::new("tshark")
            .arg("-r")
            .arg(&f)
            .args(["-d", "udp.port==9899,sctp"])
            .args(["-Y", "!_ws.malformed && !_ws.short && !_ws.unreassembled"])
            .args(["-F", "pcapng", "-w"])
            .arg(&clean)
            .output()
            .unwrap();
        assert!(w.status.success(), "{}", String::from_utf8_lossy(&w.stderr));
        let (mut want, ours) = (tshark_table(&clean), our_table(&clean));
        if name == "suricata-verify-sctp-max-chunks.pcap" {
            // tshark's tap record holds at most 2,048 chunks per packet
            // (MAXIMUM_NUMBER_OF_TVBS); its dissection shows all of them.
            let all = chunk_types(&clean);
            for n in want.values_mut() {
                for (k, ty) in COLUMNS.iter().enumerate() {
                    n[k] = all.iter().filter(|t| *t == ty).count() as u64;
                }
            }
        }
        assert_eq!(
            ours, want,
            "{name}: --stats (left) vs tshark -z sctp,stat (right)"
        );
        files += 1;
        rows += want.len();
    }
    std::fs::remove_dir_all(&dir).ok();
    eprintln!("stats: {files} captures, {rows} directions counted alike");
    assert!(
        files >= 39 && rows >= 100,
        "{files} captures, {rows} directions"
    );
}
