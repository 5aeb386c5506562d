//! Shared helper for the integration tests: every SCTP packet of every
//! capture in `../shared/captures`.
#![allow(dead_code)]

use std::path::PathBuf;

use sctp_codec::capture::CaptureReader;
use sctp_codec::link::{extract_sctp, Defragmenter, LinkConfig};

/// The shared capture folder.
pub fn shared_captures() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/captures"
    ))
}

/// Every capture file there, sorted.
pub fn capture_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(shared_captures())
        .expect("../shared/captures must exist beside the repo")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().to_string();
            n.ends_with(".pcap")
                || n.ends_with(".cap")
                || n.ends_with(".pcapng")
                || n.ends_with(".gz")
        })
        .collect();
    v.sort();
    v
}

/// Calls `f(frame_number, sctp_bytes)` for every SCTP packet of `path`.
pub fn for_each_sctp(path: &std::path::Path, mut f: impl FnMut(u64, &[u8])) {
    let mut r = CaptureReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let cfg = LinkConfig::default();
    let mut d = Defragmenter::default();
    while let Some(fr) = r.next_frame() {
        let fr = match fr {
            Ok(fr) => fr,
            Err(_) => break,
        };
        if let Ok(Some(seg)) = extract_sctp(fr.link_type, fr.data, &cfg, &mut d) {
            f(fr.number, &seg.sctp);
        }
    }
}
