//! `craft/examples/every-chunk.sctp` builds one valid packet per chunk type of
//! the registry; checked by tshark's own SCTP dissector (CRC32c and chunk
//! types), by `sctp-craft dissect --json` (typed, no lint), and for coverage
//! of every chunk, parameter and cause of `sctp_codec::registry::all()`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use sctp_codec::registry::{self, Family};

mod common;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_sctp-craft")
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/every-chunk.sctp")
}

/// Runs the example in a fresh directory; returns the directory and the capture.
fn build_capture() -> (tempdir::Dir, PathBuf) {
    let dir = tempdir::Dir::new("every-chunk");
    let out = Command::new(bin())
        .arg("run")
        .arg(example())
        .current_dir(dir.path())
        .output()
        .expect("run sctp-craft");
    assert!(
        out.status.success(),
        "every-chunk.sctp failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pcap = dir.path().join("every-chunk.pcap");
    assert!(
        pcap.exists(),
        "every-chunk.pcap was not written in the current directory"
    );
    (dir, pcap)
}

mod tempdir {
    use std::path::{Path, PathBuf};

    /// A directory removed on drop.
    pub struct Dir(PathBuf);
    impl Dir {
        pub fn new(tag: &str) -> Dir {
            let p = std::env::temp_dir().join(format!(
                "sctp-craft-{tag}-{}-{:?}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos()
            ));
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
        pub fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Every (family, name) appearing anywhere in a dissect --json object.
fn collect(v: &serde_json::Value, out: &mut BTreeSet<(char, String)>, bad: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(serde_json::Value::String(name)) = m.get("name") {
                let fam = if m.contains_key("code") {
                    'c'
                } else if m.contains_key("flags") {
                    'k'
                } else {
                    'p'
                };
                if name == "Unknown" {
                    bad.push(format!("Unknown {fam}: {v}"));
                }
                out.insert((fam, name.clone()));
            }
            for (k, x) in m {
                if k.to_ascii_lowercase().contains("malformed") {
                    bad.push(format!("malformed: {v}"));
                }
                collect(x, out, bad);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect(x, out, bad)),
        _ => {}
    }
}

#[test]
fn every_chunk_is_typed_lint_free_and_covers_the_registry() {
    let (_dir, pcap) = build_capture();
    let out = Command::new(bin())
        .args(["dissect", "--json"])
        .arg(&pcap)
        .output()
        .expect("dissect");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut seen = BTreeSet::new();
    let mut bad = Vec::new();
    let mut frames = 0;
    for line in text.lines() {
        let o: serde_json::Value = serde_json::from_str(line).unwrap();
        frames += 1;
        assert_eq!(
            o["checksum"]["status"], "good",
            "frame {}: {line}",
            o["frame"]
        );
        assert_eq!(
            o["lints"],
            serde_json::json!([]),
            "frame {} has lints: {line}",
            o["frame"]
        );
        assert!(
            o.get("error").is_none() && o.get("trailing").is_none(),
            "{line}"
        );
        collect(&o["chunks"], &mut seen, &mut bad);
    }
    assert!(bad.is_empty(), "{bad:#?}");
    let mut missing = Vec::new();
    for t in registry::all() {
        let fam = match t.family {
            Family::Chunk => 'k',
            Family::Param => 'p',
            Family::Cause => 'c',
        };
        if !seen.contains(&(fam, t.name.to_string())) {
            missing.push(format!("{:?} {} (0x{:x})", t.family, t.name, t.value));
        }
    }
    assert!(missing.is_empty(), "not in every-chunk.pcap: {missing:#?}");
    // One packet per chunk type at least.
    let chunk_types = registry::all()
        .filter(|t| t.family == Family::Chunk)
        .count();
    assert!(
        frames >= chunk_types - 2,
        "{frames} frames for {chunk_types} chunk types"
    );
}

/// Chunk types tshark 4.0 does not know as what we built (S-SCTP numbers,
/// which Wireshark reads as reserved, and EncData 0x10 bundled with S-SCTP AUTH
/// 0x11, read as a malformed NR-SACK; DTLS 0x41 is newer than 4.0).
const TSHARK_UNKNOWN: &[u8] = &[
    0x11, 0x12, 0x41, 0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9,
];

#[test]
fn tshark_reads_every_chunk_with_good_crc32c() {
    assert!(
        Command::new("tshark").arg("-v").output().is_ok(),
        "tshark is needed (scripts/install-deps.sh installs it)"
    );
    let (_dir, pcap) = build_capture();
    let ours = Command::new(bin())
        .args(["dissect", "--json"])
        .arg(&pcap)
        .output()
        .unwrap();
    let ours: Vec<serde_json::Value> = String::from_utf8(ours.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let rows = common::tshark::fields(
        &pcap,
        &[
            "frame.number",
            "sctp.checksum.status",
            "sctp.chunk_type",
            "_ws.col.Info",
        ],
    );
    assert_eq!(
        rows.len(),
        ours.len(),
        "tshark saw {} frames, we wrote {}",
        rows.len(),
        ours.len()
    );
    let mut compared = 0;
    for (f, o) in rows.iter().zip(&ours) {
        let line = f.join("\t");
        // The outer packet's checksum (a PKTDROP's inner packet comes second).
        assert_eq!(
            f[1].split(',').next(),
            Some("1"),
            "tshark: bad CRC32c in frame {line}"
        );
        let theirs: Vec<u8> = f[2].split(',').map(|x| x.parse().unwrap()).collect();
        let mine: Vec<u8> = o["chunks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["type"].as_u64().unwrap() as u8)
            .collect();
        // tshark also lists chunks nested in causes and PKTDROP: ours come first.
        if mine.iter().any(|t| TSHARK_UNKNOWN.contains(t)) {
            // Wireshark 4.0 misreads these numbers (0x10 as NR-SACK): only the first type must match.
            assert_eq!(theirs.first(), mine.first(), "frame {}", f[0]);
        } else {
            // tshark also lists chunks nested in causes and PKTDROP: ours come first.
            assert!(
                theirs.starts_with(&mine),
                "frame {}: tshark {theirs:?}, ours {mine:?}",
                f[0]
            );
            assert!(
                !f[3].contains("Malformed"),
                "tshark: malformed frame {line}"
            );
            compared += 1;
        }
    }
    assert!(
        compared >= 30,
        "only {compared} frames fully checked by tshark"
    );
}
