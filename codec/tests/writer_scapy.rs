//! Packets written by `PacketWriter` are byte for byte what scapy 2.5
//! (`/usr/bin/python3`, `scapy.layers.sctp`) builds from the same fields,
//! CRC32c included: an independent encoder for DATA and SACK (RFC 9260
//! 3.3.1, 3.3.4). Fails when python3-scapy is missing
//! (scripts/install-deps.sh installs it).

use std::process::Command;

use sctp_codec::chunk::flags::{DATA_B, DATA_E, DATA_I, DATA_U};
use sctp_codec::{ChecksumAlgorithm, CommonHeader, PacketWriter};

const HEADER: CommonHeader = CommonHeader {
    source_port: 5000,
    destination_port: 5001,
    verification_tag: 0x0102_0304,
};

/// scapy's bytes for each expression, in hex.
fn scapy(exprs: &[&str]) -> Vec<String> {
    let mut py = String::from(
        "from scapy.layers.sctp import *\nH = lambda: SCTP(sport=5000, dport=5001, tag=0x01020304)\n",
    );
    for e in exprs {
        py.push_str(&format!("print(bytes({e}).hex())\n"));
    }
    let out = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(&py)
        .output()
        .expect("/usr/bin/python3 is needed (scripts/install-deps.sh)");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("No module named 'scapy'"),
        "python3-scapy is needed (scripts/install-deps.sh installs it)"
    );
    assert!(out.status.success(), "scapy failed: {err}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn data_and_sack_packets_equal_scapy() {
    let mut buf = Vec::new();
    let mut ours = Vec::new();

    let mut w = PacketWriter::new(&mut buf, HEADER, 1500);
    w.push_data(DATA_B | DATA_E, 7, 1, 2, 46, b"hello").unwrap();
    ours.push(hex(w.finish(ChecksumAlgorithm::Crc32c)));

    let mut w = PacketWriter::new(&mut buf, HEADER, 1500);
    w.push_sack(0, 100, 5000, [(2, 3), (5, 7), (9, 9), (12, 20)], [99, 98])
        .unwrap();
    ours.push(hex(w.finish(ChecksumAlgorithm::Crc32c)));

    let mut w = PacketWriter::new(&mut buf, HEADER, 1500);
    w.push_sack(0, 1, 2, [], []).unwrap();
    w.push_data(DATA_I | DATA_U | DATA_E, 3, 0, 0, 0, b"xyz")
        .unwrap();
    w.push_data(0, 4, 9, 0, 51, &[0xAB; 128]).unwrap();
    ours.push(hex(w.finish(ChecksumAlgorithm::Crc32c)));

    let theirs = scapy(&[
        r#"H()/SCTPChunkData(beginning=1, ending=1, tsn=7, stream_id=1, stream_seq=2, proto_id=46, data=b"hello")"#,
        r#"H()/SCTPChunkSACK(cumul_tsn_ack=100, a_rwnd=5000, gap_ack_list=["2:3", "5:7", "9:9", "12:20"], dup_tsn_list=[99, 98])"#,
        r#"H()/SCTPChunkSACK(cumul_tsn_ack=1, a_rwnd=2)/SCTPChunkData(delay_sack=1, unordered=1, beginning=0, ending=1, tsn=3, data=b"xyz")/SCTPChunkData(beginning=0, ending=0, tsn=4, stream_id=9, proto_id=51, data=b"\xab"*128)"#,
    ]);
    assert_eq!(ours, theirs);
}
