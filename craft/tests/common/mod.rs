//! Helpers shared by the oracle tests.
#![allow(dead_code)]

pub mod ours;
pub mod tshark;

use std::path::PathBuf;

/// The shared capture corpus (`../shared` beside the repository).
pub fn corpus_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/captures"
    ))
}

/// Every capture in the shared corpus, sorted by name: `*.pcap`, `*.cap`, `*.pcapng`,
/// `*.pcapng.gz`. `ORACLE_FILES=substr1,substr2` keeps only names containing one of
/// the substrings (for debugging one file).
pub fn corpus_files() -> Vec<PathBuf> {
    let dir = corpus_dir();
    let rd = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read capture corpus {}: {e}", dir.display()));
    let filter: Vec<String> = std::env::var("ORACLE_FILES")
        .ok()
        .map(|s| {
            s.split(',')
                .filter(|x| !x.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            [".pcap", ".cap", ".pcapng", ".pcapng.gz"]
                .iter()
                .any(|ext| n.ends_with(ext))
        })
        .filter(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            filter.is_empty() || filter.iter().any(|f| n.contains(f.as_str()))
        })
        .collect();
    files.sort();
    files
}

/// Short display name of a capture.
pub fn name(p: &std::path::Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A fresh directory `sctpkit-{tag}-{name}-PID` under the system's temp dir.
pub fn scratch(tag: &str, name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sctpkit-{tag}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A finished command's standard error, as text.
pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The names of the files in `dir`, sorted (to see that no temporary file
/// was left behind).
pub fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}
