//! The capture the README's first command dissects: it is reproducible from
//! the codec, tshark's own SCTP dissector reads it with good CRC32c and the
//! chunk types we report, and `sctp-craft dissect` prints one line per packet.

use std::path::Path;
use std::process::Command;

mod common;

const CAP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../captures/handshake.pcap");

#[test]
fn bundled_capture_is_reproducible() {
    let out = std::env::temp_dir().join(format!("handshake-{}.pcap", std::process::id()));
    let st = Command::new(env!("CARGO"))
        .args([
            "run",
            "-q",
            "-p",
            "sctp-codec",
            "--example",
            "make_handshake",
            "--",
        ])
        .arg(&out)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .status()
        .expect("cargo run");
    assert!(st.success());
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(CAP).unwrap(),
        "captures/handshake.pcap is stale"
    );
    let _ = std::fs::remove_file(out);
}

#[test]
fn tshark_agrees_on_the_bundled_capture() {
    let theirs: Vec<(String, String)> = common::tshark::fields(
        Path::new(CAP),
        &["frame.number", "sctp.checksum.status", "sctp.chunk_type"],
    )
    .into_iter()
    .map(|f| (f[1].clone(), f[2].clone()))
    .collect();
    assert_eq!(theirs.len(), 15);
    let ours = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .args(["dissect", "--json", CAP])
        .output()
        .unwrap();
    assert!(ours.status.success());
    let ours: Vec<serde_json::Value> = String::from_utf8_lossy(&ours.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(ours.len(), 15);
    for (o, (status, types)) in ours.iter().zip(&theirs) {
        assert_eq!(status, "1", "tshark: checksum good");
        assert_eq!(o["checksum"]["status"], "good");
        let ty: Vec<String> = o["chunks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["type"].to_string())
            .collect();
        assert_eq!(&ty.join(","), types);
        assert!(
            o["lints"].as_array().unwrap().is_empty(),
            "no lints on a well-formed capture: {o}"
        );
    }
}
