//! A zero checksum (issue 15, item 15) is acceptable only in an association
//! whose two ends both announced Zero Checksum Acceptable (RFC 9653 4) in
//! their INIT and INIT ACK, and never on a packet carrying an INIT (RFC 9653
//! 5.2); anywhere else it is a bad checksum, with a lint saying why, in every
//! `--checksum` mode. tshark 4.0 knows no RFC 9653: it calls every zero bad,
//! and agrees with us where nothing was negotiated.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::Command;

use sctp_codec::capture::{PcapWriter, LINKTYPE_RAW};
use sctp_codec::chunk::{ty, Chunk, ChunkBody, DataChunk, InitChunk, SackChunk};
use sctp_codec::link::build::{frame, Framing, LinkKind};
use sctp_codec::param::{Param, ParamBody, ZeroChecksumAcceptable};
use sctp_codec::{CommonHeader, Packet};

mod common;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
}

const A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

fn zca() -> Param<'static> {
    Param::new(
        0x8001,
        ParamBody::ZeroChecksumAcceptable(ZeroChecksumAcceptable {
            error_detection_method_identifier: 1,
        }),
    )
}

fn init(ack: bool, tag: u32, with_zca: bool) -> Chunk<'static> {
    let i = InitChunk {
        initiate_tag: tag,
        a_rwnd: 65536,
        number_of_outbound_streams: 1,
        number_of_inbound_streams: 1,
        initial_tsn: 1,
        params: if with_zca { vec![zca()] } else { vec![] },
    };
    if ack {
        Chunk::new(ty::INIT_ACK, 0, ChunkBody::InitAck(i))
    } else {
        Chunk::new(ty::INIT, 0, ChunkBody::Init(i))
    }
}

fn data(tsn: u32) -> Chunk<'static> {
    Chunk::new(
        ty::DATA,
        3,
        ChunkBody::Data(DataChunk {
            tsn,
            stream_identifier: 0,
            stream_sequence_number: 0,
            payload_protocol_identifier: 0,
            user_data: Cow::Borrowed(b"zero"),
        }),
    )
}

fn sack(cum: u32) -> Chunk<'static> {
    Chunk::new(
        ty::SACK,
        0,
        ChunkBody::Sack(SackChunk {
            cumulative_tsn_ack: cum,
            a_rwnd: 65536,
            ..Default::default()
        }),
    )
}

/// One packet: from A (port `pa`) to B (`pb`) when `from_a`, else back.
struct P {
    from_a: bool,
    ports: (u16, u16),
    vtag: u32,
    chunk: Chunk<'static>,
    zero: bool,
}

/// The capture: three associations, frame by frame.
///  1-2  ports 5000/5001: INIT and INIT ACK both announce ZCA (CRC32c).
///  3    DATA A->B with a zero checksum: acceptable.
///  4    SACK B->A with a zero checksum: acceptable.
///  5    INIT A->B (a restart) with a zero checksum: bad (RFC 9653 5.2).
///  6-7  ports 6000/6001: only the INIT announces ZCA.
///  8    DATA A->B with a zero checksum: bad.
///  9    ports 7000/7001, no handshake seen: DATA with a zero checksum: bad.
fn packets() -> Vec<P> {
    let p = |from_a, ports, vtag, chunk, zero| P {
        from_a,
        ports,
        vtag,
        chunk,
        zero,
    };
    vec![
        p(true, (5000, 5001), 0, init(false, 0x1111, true), false),
        p(false, (5000, 5001), 0x1111, init(true, 0x2222, true), false),
        p(true, (5000, 5001), 0x2222, data(1), true),
        p(false, (5000, 5001), 0x1111, sack(1), true),
        p(true, (5000, 5001), 0, init(false, 0x3333, true), true),
        p(true, (6000, 6001), 0, init(false, 0x4444, true), false),
        p(
            false,
            (6000, 6001),
            0x4444,
            init(true, 0x5555, false),
            false,
        ),
        p(true, (6000, 6001), 0x5555, data(1), true),
        p(true, (7000, 7001), 0x6666, data(9), true),
    ]
}

fn capture(dir: &Path) -> PathBuf {
    let path = dir.join("zero.pcap");
    let mut w = PcapWriter::create(&path, LINKTYPE_RAW).unwrap();
    for (k, p) in packets().into_iter().enumerate() {
        let (sport, dport, src, dst) = if p.from_a {
            (p.ports.0, p.ports.1, A, B)
        } else {
            (p.ports.1, p.ports.0, B, A)
        };
        let mut pk = Packet::new(
            CommonHeader {
                source_port: sport,
                destination_port: dport,
                verification_tag: p.vtag,
            },
            vec![p.chunk],
        );
        if p.zero {
            pk.checksum = Some(0);
        }
        let f = frame(
            &pk.encode(),
            &Framing {
                src: IpAddr::V4(src),
                dst: IpAddr::V4(dst),
                udp: None,
                link: LinkKind::Raw,
                ip_id: k as u16,
            },
        )
        .unwrap();
        w.write_packet(1_700_000_000 + k as u32, 0, &f).unwrap();
    }
    w.flush().unwrap();
    path
}

fn scratch(name: &str) -> PathBuf {
    common::scratch("zck", name)
}

fn dissect(args: &[&str], file: &Path) -> String {
    let o = bin().arg("dissect").args(args).arg(file).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// The checksum status of each frame in `--json`, and its lint codes.
fn statuses(file: &Path, mode: &str) -> Vec<(String, Vec<String>)> {
    dissect(&["--json", "--checksum", mode], file)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let codes = v["lints"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["code"].as_str().unwrap().to_string())
                .collect();
            (v["checksum"]["status"].as_str().unwrap().to_string(), codes)
        })
        .collect()
}

#[test]
fn a_zero_checksum_is_bad_unless_both_ends_announced_zero_checksum_acceptable() {
    let dir = scratch("assoc");
    let f = capture(&dir);
    let want = [
        "good", "good", "zero", "zero", "bad", "good", "good", "bad", "bad",
    ];
    for mode in ["any", "crc32c"] {
        let got = statuses(&f, mode);
        let s: Vec<&str> = got.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(s, want, "--checksum {mode}");
        for (k, (status, codes)) in got.iter().enumerate() {
            let bad = status == "bad";
            assert_eq!(
                codes.iter().any(|c| c == "bad-checksum"),
                bad,
                "frame {}: {codes:?}",
                k + 1
            );
            assert_eq!(
                codes.iter().any(|c| c == "zero-checksum"),
                bad,
                "frame {}: {codes:?}",
                k + 1
            );
        }
    }
    // The summary line and the lint say so without JSON.
    let out = dissect(&["--lint"], &f);
    let lines: Vec<&str> = out.lines().collect();
    let frame = |n: &str| -> Vec<&str> {
        let at = lines
            .iter()
            .position(|l| l.split_whitespace().next() == Some(n))
            .unwrap();
        let mut v = vec![lines[at]];
        v.extend(
            lines[at + 1..]
                .iter()
                .take_while(|l| l.starts_with("    lint")),
        );
        v
    };
    assert!(
        frame("3")[0].ends_with("[checksum zero]"),
        "{:?}",
        frame("3")
    );
    assert_eq!(frame("3").len(), 1, "no lint: {:?}", frame("3"));
    let f8 = frame("8");
    assert!(f8[0].ends_with("[checksum bad]"), "{f8:?}");
    assert!(
        f8.iter().any(|l| l.contains(
            "zero-checksum: a zero checksum, but Zero Checksum Acceptable (RFC 9653) was not \
             announced by both ends of this association"
        )),
        "{f8:?}"
    );
    let f5 = frame("5");
    assert!(
        f5.iter()
            .any(|l| l.contains("zero-checksum: a zero checksum on a packet with an INIT")),
        "{f5:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn where_nothing_was_negotiated_a_zero_checksum_is_bad_as_tshark_says() {
    // A real capture whose packets all have a zero checksum (no handshake).
    let f = common::corpus_dir().join("erlang-pkt-sctp-sack.pcap");
    let o = Command::new("tshark")
        .arg("-r")
        .arg(&f)
        .args([
            "-o",
            "sctp.checksum:CRC-32C",
            "-T",
            "fields",
            "-e",
            "sctp.checksum",
            "-e",
            "sctp.checksum.status",
        ])
        .output()
        .expect("tshark is needed");
    let t = String::from_utf8_lossy(&o.stdout);
    // tshark's status 0 is Bad.
    assert_eq!(t.trim_end(), "0x00000000\t0");
    let got = statuses(&f, "crc32c");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "bad");
    let out = dissect(&[], &f);
    assert!(out.trim_end().ends_with("[checksum bad]"), "{out}");
}
