//! The capture the README's first command dissects, checked against tshark's
//! own SCTP dissector: tshark reads in it the association that
//! `captures/README.md` describes, value by value (the table below is written by
//! hand from that description and the constants of `make_handshake.rs`, not
//! from any output of ours), and `sctp-craft dissect --json` reads the same values
//! as tshark. That the file is still what the example writes is a staleness check
//! only (`bundled_capture_is_reproducible`): it compares the codec with itself.

use std::path::Path;
use std::process::Command;

mod common;

const CAP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../captures/handshake.pcap");

/// Staleness only (the codec against itself): the file is what the example writes.
/// What the file holds is checked against tshark by the tests below.
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

/// The columns compared, one tshark field each (all occurrences, comma-separated).
const COLUMNS: &[&str] = &[
    "sctp.checksum.status",
    "sctp.verification_tag",
    "sctp.chunk_type",
    "sctp.chunk_flags",
    "sctp.chunk_length",
    "sctp.data_tsn_raw",
    "sctp.data_sid",
    "sctp.data_ssn",
    "sctp.data_payload_proto_id",
    "sctp.sack_cumulative_tsn_ack_raw",
    "sctp.sack_a_rwnd",
    "sctp.sack_gap_block_start",
    "sctp.sack_gap_block_end",
    "sctp.sack_duplicate_tsn",
    "sctp.initiate_tag",
    "sctp.parameter_type",
    "sctp.shutdown_cumulative_tsn_ack",
];

/// The association of `captures/README.md`, written by hand (tags 0x1a2b3c4d and
/// 0x5e6f7081, initial TSNs 1000 and 5000, a_rwnd 131072, PPID 51), one row per frame
/// in the order of `COLUMNS` ("" where the frame has no such field).
const EXPECTED: &[&[&str]] = &[
    // INIT: ECN, Forward-TSN, Supported Extensions, RANDOM, HMAC-ALGO, CHUNKS, IPv4,
    // Supported Address Types.
    &[
        "1",
        "0x00000000",
        "1",
        "0x00",
        "102",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "0x1a2b3c4d",
        "0x0005,0x8000,0xc000,0x8008,0x8002,0x8004,0x8003,0x000c",
        "",
    ],
    // INIT ACK with the State Cookie.
    &[
        "1",
        "0x1a2b3c4d",
        "2",
        "0x00",
        "148",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "0x5e6f7081",
        "0x0005,0x8000,0xc000,0x8008,0x8002,0x8004,0x8003,0x0007",
        "",
    ],
    // COOKIE ECHO (48-byte cookie) bundled with DATA "hello" (B and E).
    &[
        "1",
        "0x5e6f7081",
        "10,0",
        "0x00,0x03",
        "52,21",
        "1000",
        "0x0000",
        "0",
        "51",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    // COOKIE ACK bundled with SACK.
    &[
        "1",
        "0x1a2b3c4d",
        "11,3",
        "0x00,0x00",
        "4,16",
        "",
        "",
        "",
        "",
        "1000",
        "131072",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    // The first two fragments of a message on stream 1 (B, then middle).
    &[
        "1",
        "0x5e6f7081",
        "0,0",
        "0x02,0x00",
        "32,33",
        "1001,1002",
        "0x0001,0x0001",
        "0,0",
        "51,51",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    // TSN 1004 on stream 2 while 1003 is missing.
    &[
        "1",
        "0x5e6f7081",
        "0",
        "0x03",
        "27",
        "1004",
        "0x0002",
        "0",
        "51",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    // SACK: cumulative 1002, one gap block 2-2 (TSN 1004).
    &[
        "1",
        "0x1a2b3c4d",
        "3",
        "0x00",
        "20",
        "",
        "",
        "",
        "",
        "1002",
        "131072",
        "2",
        "2",
        "",
        "",
        "",
        "",
    ],
    // The last fragment (E), TSN 1003.
    &[
        "1",
        "0x5e6f7081",
        "0",
        "0x01",
        "29",
        "1003",
        "0x0001",
        "0",
        "51",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    // SACK 1004 with duplicate TSN 1002, bundled with DATA "world" from the other side.
    &[
        "1",
        "0x1a2b3c4d",
        "3,0",
        "0x00,0x03",
        "20,21",
        "5000",
        "0x0000",
        "0",
        "51",
        "1004",
        "131072",
        "",
        "",
        "1002",
        "",
        "",
        "",
    ],
    &[
        "1",
        "0x5e6f7081",
        "3",
        "0x00",
        "16",
        "",
        "",
        "",
        "",
        "5000",
        "131072",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    // HEARTBEAT and HEARTBEAT ACK (Heartbeat Info parameter).
    &[
        "1",
        "0x5e6f7081",
        "4",
        "0x00",
        "35",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "0x0001",
        "",
    ],
    &[
        "1",
        "0x1a2b3c4d",
        "5",
        "0x00",
        "35",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "0x0001",
        "",
    ],
    &[
        "1",
        "0x5e6f7081",
        "7",
        "0x00",
        "8",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "5000",
    ],
    &[
        "1",
        "0x1a2b3c4d",
        "8",
        "0x00",
        "4",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    &[
        "1",
        "0x5e6f7081",
        "14",
        "0x00",
        "4",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
];

/// tshark reads in the bundled capture the association the README describes, value by
/// value, and reassembles the fragmented message.
#[test]
fn tshark_reads_the_documented_association() {
    let theirs = common::tshark::fields(Path::new(CAP), COLUMNS);
    assert_eq!(theirs.len(), EXPECTED.len(), "frames");
    for (k, (row, want)) in theirs.iter().zip(EXPECTED).enumerate() {
        for ((col, got), want) in COLUMNS.iter().zip(row).zip(want.iter()) {
            assert_eq!(got, want, "frame {}: {col}", k + 1);
        }
    }
    // The three fragments (frames 5 and 8) make one message, reassembled by tshark.
    let msg = common::tshark::fields(Path::new(CAP), &["data.data"]);
    let text: Vec<String> = msg
        .iter()
        .map(|r| String::from_utf8(hex::decode(&r[0]).unwrap()).unwrap())
        .collect();
    assert_eq!(text[2], "hello");
    assert_eq!(text[5], "after a gap");
    assert_eq!(
        text[7], "first fragment, middle fragment, last fragment",
        "reassembled in frame 8"
    );
    assert_eq!(text[8], "world");
}

/// `sctp-craft dissect --json` reads the same values as tshark, column by column.
#[test]
fn our_reading_matches_tshark_value_by_value() {
    let theirs = common::tshark::fields(Path::new(CAP), COLUMNS);
    let ours = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .args(["dissect", "--json", CAP])
        .output()
        .unwrap();
    assert!(ours.status.success());
    let ours: Vec<serde_json::Value> = String::from_utf8_lossy(&ours.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(ours.len(), theirs.len());
    for (k, (o, t)) in ours.iter().zip(&theirs).enumerate() {
        let chunks = o["chunks"].as_array().unwrap();
        let of = |ty: Option<u64>, key: &str, fmt: &dyn Fn(u64) -> String| -> String {
            chunks
                .iter()
                .filter(|c| match ty {
                    None => true,
                    Some(t) => c["type"].as_u64() == Some(t),
                })
                .filter_map(|c| c[key].as_u64())
                .map(fmt)
                .collect::<Vec<_>>()
                .join(",")
        };
        let dec = |v: u64| v.to_string();
        let list = |key: &str, sub: Option<&str>| -> String {
            chunks
                .iter()
                .filter_map(|c| c[key].as_array())
                .flatten()
                .filter_map(|x| match sub {
                    Some(s) => x[s].as_u64(),
                    None => x.as_u64(),
                })
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        let params = chunks
            .iter()
            .filter_map(|c| c["params"].as_array())
            .flatten()
            .filter_map(|p| p["type"].as_u64())
            .map(|v| format!("{v:#06x}"))
            .collect::<Vec<_>>()
            .join(",");
        let status = match o["checksum"]["status"].as_str() {
            Some("good") => "1",
            _ => "0",
        };
        let row = [
            status.to_string(),
            format!("{:#010x}", o["vtag"].as_u64().unwrap()),
            of(None, "type", &dec),
            of(None, "flags", &|v| format!("{v:#04x}")),
            of(None, "length", &dec),
            of(Some(0), "tsn", &dec),
            of(Some(0), "stream_identifier", &|v| format!("{v:#06x}")),
            of(Some(0), "stream_sequence_number", &dec),
            of(Some(0), "payload_protocol_identifier", &dec),
            of(Some(3), "cumulative_tsn_ack", &dec),
            of(Some(3), "a_rwnd", &dec),
            list("gap_ack_blocks", Some("start")),
            list("gap_ack_blocks", Some("end")),
            list("duplicate_tsns", None),
            of(None, "initiate_tag", &|v| format!("{v:#010x}")),
            params,
            of(Some(7), "cumulative_tsn_ack", &dec),
        ];
        for ((col, ours), theirs) in COLUMNS.iter().zip(&row).zip(t) {
            assert_eq!(ours, theirs, "frame {}: {col}", k + 1);
        }
    }
}
