//! `CaptureReader` against real files: every shared capture frame by frame
//! against tshark (timestamps to the nanosecond, lengths), libpcap against
//! pcap-parser, byte offsets against the file itself, and the formats the
//! corpus lacks (nanosecond and modified pcap, multi-interface pcapng with
//! if_tsresol/if_tsoffset, big-endian pcapng, gzip pcap) built with editcap,
//! mergecap or by hand.

mod link_support;

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use link_support::{
    read_all, read_all_then_backend, run, scratch_dir, shared, shared_captures, tshark_frames,
    OwnedFrame,
};
use sctp_codec::capture::{Backend, CaptureErrorKind, CaptureReader};
use sctp_codec::link::{extract_sctp, Defragmenter, LinkConfig};

fn open(path: &Path) -> CaptureReader {
    CaptureReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read_path(path: &Path) -> Vec<OwnedFrame> {
    let (frames, err) = read_all(open(path));
    assert!(err.is_none(), "{}: {err:?}", path.display());
    frames
}

fn read_stream(path: &Path) -> Vec<OwnedFrame> {
    let reader = CaptureReader::from_reader(File::open(path).expect("open")).expect("from_reader");
    assert_eq!(reader.backend(), Backend::PcapParser);
    let (frames, err) = read_all(reader);
    assert!(err.is_none(), "{}: {err:?}", path.display());
    frames
}

/// Our frames against tshark's: count, epoch time (9 decimals), lengths.
fn assert_matches_tshark(path: &Path, frames: &[OwnedFrame]) {
    let theirs = tshark_frames(path);
    assert_eq!(
        frames.len(),
        theirs.len(),
        "{}: frame count",
        path.display()
    );
    for (f, (n, time, cap_len, len)) in frames.iter().zip(&theirs) {
        assert_eq!(f.number, *n);
        // Simple Packet Blocks have no timestamp: tshark prints none, we give 0.
        let time = if time.is_empty() {
            "0.000000000"
        } else {
            time.as_str()
        };
        let ours = format!("{}.{:09}", f.ts_sec, f.ts_nsec);
        assert_eq!(ours, time, "{} #{n}: timestamp", path.display());
        assert_eq!(
            f.data.len() as u32,
            *cap_len,
            "{} #{n}: captured length",
            path.display()
        );
        assert_eq!(f.orig_len, *len, "{} #{n}: original length", path.display());
    }
}

#[test]
fn every_shared_capture_matches_tshark_frame_by_frame() {
    let mut total = 0;
    for path in shared_captures() {
        let frames = read_path(&path);
        assert_matches_tshark(&path, &frames);
        for (i, f) in frames.iter().enumerate() {
            assert_eq!(f.number, i as u64 + 1);
        }
        total += frames.len();
    }
    assert_eq!(
        total, 17_342,
        "frames in the corpus (16300 in the NetPerfMeter capture)"
    );
}

#[test]
fn libpcap_and_pcap_parser_agree_on_every_frame() {
    for path in shared_captures() {
        let reader = open(&path);
        let gz = path.extension().is_some_and(|e| e == "gz");
        assert_eq!(
            reader.backend(),
            if gz {
                Backend::PcapParser
            } else {
                Backend::Libpcap
            },
            "{}",
            path.display()
        );
        let (via_path, err, backend) = read_all_then_backend(reader);
        assert!(err.is_none());
        // No silent hand-over: libpcap and the record index agreed throughout.
        if !gz {
            assert_eq!(backend, Backend::Libpcap, "{}", path.display());
        }
        let via_stream = read_stream(&path);
        assert_eq!(via_path, via_stream, "{}", path.display());
    }
}

#[test]
fn file_offsets_point_at_the_records() {
    for path in shared_captures() {
        if path.extension().is_some_and(|e| e == "gz") {
            continue;
        }
        let bytes = std::fs::read(&path).expect("read");
        let pcapng = bytes.starts_with(&[0x0A, 0x0D, 0x0D, 0x0A]);
        for f in read_path(&path) {
            let at = f.file_offset as usize;
            // pcap: 16-byte record header; pcapng EPB: 28 bytes before the data.
            let data_at = if pcapng { at + 28 } else { at + 16 };
            assert_eq!(
                &bytes[data_at..data_at + f.data.len()],
                &f.data[..],
                "{} #{}",
                path.display(),
                f.number
            );
            if pcapng {
                assert_eq!(&bytes[at..at + 4], &6u32.to_le_bytes(), "EPB type");
            }
        }
    }
}

#[test]
fn gzip_pcapng_streams_through_pcap_parser() {
    let path = shared("netperfmeter-multi-sll.pcapng.gz");
    let reader = open(&path);
    assert_eq!(reader.backend(), Backend::PcapParser);
    let (frames, err) = read_all(reader);
    assert!(err.is_none());
    assert_eq!(frames.len(), 16_300);
    assert!(frames.iter().all(|f| f.link_type == 113));
    // if_tsresol 9: nanosecond timestamps (checked against tshark above).
    assert_eq!(
        (frames[0].ts_sec, frames[0].ts_nsec),
        (1_756_391_135, 333_044_748)
    );
    // Decompressed offsets grow monotonically from the first EPB.
    assert!(frames
        .windows(2)
        .all(|w| w[0].file_offset < w[1].file_offset));
    // tshark decompresses it too; per-frame agreement is checked in
    // every_shared_capture_matches_tshark_frame_by_frame.
}

#[test]
fn big_endian_pcap_through_libpcap() {
    for name in ["tcpdump-m3ua-isup.pcap", "wireshark-wiki-sctp-megaco.cap"] {
        let path = shared(name);
        let head = std::fs::read(&path).expect("read");
        assert_eq!(
            &head[..4],
            &[0xA1, 0xB2, 0xC3, 0xD4],
            "{name} is big-endian"
        );
        let reader = open(&path);
        assert_eq!(reader.backend(), Backend::Libpcap);
        let (frames, _) = read_all(reader);
        assert!(frames.iter().all(|f| f.link_type == 1));
        assert_matches_tshark(&path, &frames);
        assert_eq!(frames, read_stream(&path));
    }
}

/// Converts a shared capture with editcap into `format` (`-F`).
fn editcap(src: &Path, format: &str, dir: &Path) -> PathBuf {
    let out = dir.join(format!("{format}.pcap"));
    run(Command::new("editcap")
        .args(["-F", format])
        .arg(src)
        .arg(&out));
    out
}

#[test]
fn nanosecond_and_modified_pcap_from_editcap() {
    let dir = scratch_dir("editcap");
    let src = shared("wireshark-wiki-sctp-www-http.cap");
    let original = read_path(&src);
    for (format, magic) in [
        ("nsecpcap", [0x4D, 0x3C, 0xB2, 0xA1]),
        ("modpcap", [0x34, 0xCD, 0xB2, 0xA1]),
    ] {
        let path = editcap(&src, format, &dir);
        assert_eq!(std::fs::read(&path).expect("read")[..4], magic);
        let reader = open(&path);
        assert_eq!(reader.backend(), Backend::Libpcap, "{format}");
        let (frames, err) = read_all(reader);
        assert!(err.is_none(), "{format}: {err:?}");
        assert_matches_tshark(&path, &frames);
        assert_eq!(frames.len(), original.len());
        for (a, b) in frames.iter().zip(&original) {
            assert_eq!(
                (a.ts_sec, a.ts_nsec, &a.data, a.link_type),
                (b.ts_sec, b.ts_nsec, &b.data, b.link_type)
            );
        }
        assert_eq!(read_stream(&path), frames, "{format}: pcap-parser");
    }
    std::fs::remove_dir_all(dir).ok();
}

/// A classic pcap with the nanosecond magic, written byte by byte.
fn nanosecond_pcap(big_endian: bool, records: &[(u32, u32, &[u8])]) -> Vec<u8> {
    let w32 = |v: u32| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let w16 = |v: u16| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let mut out = Vec::new();
    out.extend(w32(0xA1B2_3C4D));
    out.extend(w16(2));
    out.extend(w16(4));
    out.extend(w32(0));
    out.extend(w32(0));
    out.extend(w32(65535));
    out.extend(w32(101));
    for (sec, nsec, data) in records {
        out.extend(w32(*sec));
        out.extend(w32(*nsec));
        out.extend(w32(data.len() as u32));
        out.extend(w32(data.len() as u32 + 100));
        out.extend_from_slice(data);
    }
    out
}

#[test]
fn nanosecond_pcap_built_by_hand_both_byte_orders() {
    let dir = scratch_dir("nsec");
    let packet = ipv4_sctp();
    let records: [(u32, u32, &[u8]); 3] = [
        (1_700_000_000, 123_456_789, &packet),
        (1_700_000_001, 999_999_999, &packet),
        (4_000_000_000, 1, &packet), // after 2038: seconds are unsigned
    ];
    for be in [false, true] {
        let path = dir.join(format!("ns-{be}.pcap"));
        std::fs::write(&path, nanosecond_pcap(be, &records)).expect("write");
        let frames = read_path(&path);
        let stream = read_stream(&path);
        assert_eq!(frames, stream);
        let ts: Vec<(i64, u32)> = frames.iter().map(|f| (f.ts_sec, f.ts_nsec)).collect();
        assert_eq!(
            ts,
            vec![
                (1_700_000_000, 123_456_789),
                (1_700_000_001, 999_999_999),
                (4_000_000_000, 1)
            ]
        );
        assert!(frames
            .iter()
            .all(|f| f.orig_len as usize == packet.len() + 100 && f.link_type == 101));
        assert_eq!(frames[2].file_offset, 24 + 2 * (16 + packet.len() as u64));
    }
    std::fs::remove_dir_all(dir).ok();
}

/// IPv4 + SCTP COOKIE-ACK.
fn ipv4_sctp() -> Vec<u8> {
    let mut p = vec![
        0x45, 0, 0, 36, 0, 1, 0, 0, 64, 132, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2,
    ];
    p.extend([0x13, 0x88, 0x13, 0x89, 0, 0, 0, 1, 0, 0, 0, 0, 11, 0, 0, 4]);
    p
}

/// IPv6 + the same SCTP packet.
fn ipv6_sctp() -> Vec<u8> {
    let mut p = vec![0x60, 0, 0, 0, 0, 16, 132, 64];
    p.extend(
        [0x20, 0x01, 0x0d, 0xb8]
            .into_iter()
            .chain([0; 11])
            .chain([1]),
    );
    p.extend(
        [0x20, 0x01, 0x0d, 0xb8]
            .into_iter()
            .chain([0; 11])
            .chain([2]),
    );
    p.extend([0x13, 0x88, 0x13, 0x89, 0, 0, 0, 1, 0, 0, 0, 0, 11, 0, 0, 4]);
    p
}

/// Minimal pcapng writer (draft-ietf-opsawg-pcapng) in either byte order.
struct Ng {
    be: bool,
    out: Vec<u8>,
}

impl Ng {
    fn new(be: bool) -> Self {
        let mut ng = Ng {
            be,
            out: Vec::new(),
        };
        ng.section();
        ng
    }
    fn u16(&self, v: u16) -> [u8; 2] {
        if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }
    fn u32(&self, v: u32) -> [u8; 4] {
        if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }
    fn block(&mut self, kind: u32, mut body: Vec<u8>) {
        while body.len() & 3 != 0 {
            body.push(0);
        }
        let len = body.len() as u32 + 12;
        let (k, l) = (self.u32(kind), self.u32(len));
        self.out.extend(k);
        self.out.extend(l);
        self.out.extend(body);
        self.out.extend(l);
    }
    fn section(&mut self) {
        let mut b = self.u32(0x1A2B_3C4D).to_vec();
        b.extend(self.u16(1));
        b.extend(self.u16(0));
        b.extend([0xFF; 8]);
        self.block(0x0A0D_0D0A, b);
    }
    fn interface(&mut self, link_type: u16, tsresol: Option<u8>, tsoffset: Option<i64>) {
        let mut b = self.u16(link_type).to_vec();
        b.extend(self.u16(0));
        b.extend(self.u32(65535));
        if let Some(r) = tsresol {
            b.extend(self.u16(9));
            b.extend(self.u16(1));
            b.extend([r, 0, 0, 0]);
        }
        if let Some(o) = tsoffset {
            b.extend(self.u16(14));
            b.extend(self.u16(8));
            b.extend(if self.be {
                o.to_be_bytes()
            } else {
                o.to_le_bytes()
            });
        }
        b.extend([0; 4]); // opt_endofopt
        self.block(1, b);
    }
    fn packet(&mut self, if_id: u32, ts: u64, data: &[u8]) {
        let mut b = self.u32(if_id).to_vec();
        b.extend(self.u32((ts >> 32) as u32));
        b.extend(self.u32(ts as u32));
        b.extend(self.u32(data.len() as u32));
        b.extend(self.u32(data.len() as u32));
        b.extend_from_slice(data);
        self.block(6, b);
    }
    fn simple(&mut self, data: &[u8]) {
        let mut b = self.u32(data.len() as u32).to_vec();
        b.extend_from_slice(data);
        self.block(3, b);
    }
    fn stats(&mut self) {
        let mut b = self.u32(0).to_vec();
        b.extend([0; 8]);
        self.block(5, b);
    }
}

fn ethernet(payload: &[u8]) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
    f.extend_from_slice(payload);
    f
}

#[test]
fn pcapng_interfaces_with_their_own_link_types_and_tsresol() {
    let dir = scratch_dir("ng");
    for be in [false, true] {
        let mut ng = Ng::new(be);
        ng.interface(101, Some(3), None); // milliseconds
        ng.interface(1, Some(0x80 | 20), None); // 2^-20 s
        ng.interface(229, None, Some(1000)); // default microseconds, +1000 s
        ng.packet(0, 1_700_000_000_123, &ipv4_sctp());
        ng.packet(
            1,
            (1_700_000_001u64 << 20) + (1 << 19),
            &ethernet(&ipv4_sctp()),
        );
        ng.stats();
        ng.packet(2, 1_234_567, &ipv6_sctp());
        ng.simple(&ipv4_sctp());
        // A second section starts over with one interface.
        ng.section();
        ng.interface(276, Some(9), None);
        let mut sll2 = vec![
            0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0,
        ];
        sll2.extend(ipv4_sctp());
        ng.packet(0, 1_700_000_002_000_000_007, &sll2);
        let path = dir.join(format!("multi-{be}.pcapng"));
        std::fs::write(&path, &ng.out).expect("write");

        let mut reader = open(&path);
        let mut got = Vec::new();
        let mut defrag = Defragmenter::new();
        while let Some(f) = reader.next_frame() {
            let f = f.expect("frame");
            let seg = extract_sctp(f.link_type, f.data, &LinkConfig::default(), &mut defrag)
                .expect("link")
                .expect("sctp");
            assert_eq!(seg.sctp.len(), 16);
            got.push((f.number, f.link_type, f.ts_sec, f.ts_nsec));
        }
        // libpcap refuses interfaces of different link types: pcap-parser took over.
        assert_eq!(reader.backend(), Backend::PcapParser);
        assert_eq!(
            got,
            vec![
                (1, 101, 1_700_000_000, 123_000_000),
                (2, 1, 1_700_000_001, 500_000_000),
                (3, 229, 1001, 234_567_000),
                (4, 101, 0, 0),
                (5, 276, 1_700_000_002, 7),
            ],
            "big-endian: {be}"
        );
        let frames = read_path(&path);
        assert_eq!(frames, read_stream(&path));
        if !be {
            // tshark agrees (its reading of if_tsoffset in big-endian
            // sections is not relied on).
            assert_matches_tshark(&path, &frames);
        }
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn single_link_type_pcapng_through_libpcap() {
    let dir = scratch_dir("ng1");
    // LINKTYPE_RAW (101): libpcap 1.10 maps the first IDB's link type to
    // DLT_RAW (12) and then finds the second IDB's 101 "different" and
    // fails; the reader hands over to pcap-parser with no visible effect.
    for (link_type, frame, backend) in [
        (1u16, ethernet(&ipv4_sctp()), Backend::Libpcap),
        (101, ipv4_sctp(), Backend::PcapParser),
    ] {
        let mut ng = Ng::new(false);
        ng.interface(link_type, Some(9), None);
        ng.interface(link_type, Some(6), Some(-3600)); // other resolution, offset
        for i in 0..10u64 {
            let ts = if i % 2 == 0 {
                1_700_000_000_000_000_000 + i * 1_000_000_123
            } else {
                1_700_000_000_000_000 + i * 1_000_123
            };
            ng.packet((i % 2) as u32, ts, &frame);
        }
        let path = dir.join(format!("one-{link_type}.pcapng"));
        std::fs::write(&path, &ng.out).expect("write");
        let reader = open(&path);
        assert_eq!(reader.backend(), Backend::Libpcap);
        let (frames, err, end_backend) = read_all_then_backend(reader);
        assert!(err.is_none());
        assert_eq!(end_backend, backend, "link type {link_type}");
        assert_eq!(frames.len(), 10);
        assert!(frames.iter().all(|f| f.link_type == u32::from(link_type)));
        assert_eq!(
            (frames[1].ts_sec, frames[1].ts_nsec),
            (1_700_000_001 - 3600, 123_000)
        );
        assert_matches_tshark(&path, &frames);
        assert_eq!(frames, read_stream(&path), "libpcap and pcap-parser agree");
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn merged_multi_link_pcapng_switches_to_pcap_parser() {
    let dir = scratch_dir("mergecap");
    let merged = dir.join("merged.pcapng");
    run(Command::new("mergecap")
        .args(["-F", "pcapng", "-w"])
        .arg(&merged)
        .arg(shared("tcpdump-forces1.pcap"))
        .arg(shared("aiortc-sctp-test-vectors.pcap"))
        .arg(shared("wireshark-wiki-sctp-megaco.cap")));
    let mut reader = open(&merged);
    assert_eq!(reader.backend(), Backend::Libpcap);
    let mut link_types = std::collections::BTreeSet::new();
    let mut n = 0;
    while let Some(f) = reader.next_frame() {
        link_types.insert(f.expect("frame").link_type);
        n += 1;
    }
    assert_eq!(reader.backend(), Backend::PcapParser);
    assert_eq!(n, 20 + 17 + 4);
    assert_eq!(
        link_types.into_iter().collect::<Vec<_>>(),
        vec![1, 101, 113]
    );
    let frames = read_path(&merged);
    assert_matches_tshark(&merged, &frames);
    std::fs::remove_dir_all(dir).ok();
}

/// Writes the first `len` bytes of `src` to a scratch file.
fn cut(src: &[u8], len: usize, dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, &src[..len]).expect("write");
    path
}

#[test]
fn truncated_files_return_complete_frames_then_the_breaking_frame() {
    let dir = scratch_dir("cut");
    for (name, broken) in [
        ("wireshark-wiki-sctp-www-http.cap", 50u64), // pcap (libpcap, then pcap-parser)
        ("tcpdump-m3ua-isup.pcap", 4),               // big-endian pcap
        ("5greplay-ngap-ue-authentication.pcapng", 7), // pcapng
    ] {
        let src = shared(name);
        let bytes = std::fs::read(&src).expect("read");
        let full = read_path(&src);
        let at = full[broken as usize - 1].file_offset as usize;
        for (what, len) in [
            ("in the record header", at + 5),
            ("in the packet data", at + 30),
        ] {
            let path = cut(&bytes, len, &dir, &format!("{broken}-{name}"));
            for (via, reader) in [
                ("path", open(&path)),
                (
                    "stream",
                    CaptureReader::from_reader(File::open(&path).expect("open")).expect("reader"),
                ),
            ] {
                let (frames, err) = read_all(reader);
                let err = err.unwrap_or_else(|| panic!("{name} cut {what} ({via}): no error"));
                assert_eq!(frames.len() as u64, broken - 1, "{name} cut {what} ({via})");
                assert_eq!(&frames[..], &full[..broken as usize - 1]);
                assert_eq!(
                    (err.frame, err.offset),
                    (broken, at as u64),
                    "{name} cut {what} ({via}): {err}"
                );
                assert!(matches!(err.kind, CaptureErrorKind::Truncated), "{err}");
                assert!(err
                    .to_string()
                    .contains(&format!("frame {broken} at byte offset {at}")));
            }
        }
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn truncated_gzip_returns_complete_frames_then_an_error() {
    let dir = scratch_dir("cutgz");
    let src = shared("wireshark-wiki-sctp-www-http.cap");
    let full = read_path(&src);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&std::fs::read(&src).expect("read"))
        .expect("gzip");
    let gz = gz.finish().expect("gzip");
    let path = cut(&gz, gz.len() * 6 / 10, &dir, "cut.cap.gz");
    let (frames, err) = read_all(open(&path));
    let err = err.expect("an error");
    assert!(!frames.is_empty() && frames.len() < full.len());
    assert_eq!(&frames[..], &full[..frames.len()]);
    assert_eq!(err.frame, frames.len() as u64 + 1);
    assert_eq!(err.offset, full[frames.len()].file_offset, "{err}");
    assert!(matches!(err.kind, CaptureErrorKind::Truncated), "{err}");

    // The whole gzip file reads like the original.
    let whole = dir.join("whole.cap.gz");
    std::fs::write(&whole, &gz).expect("write");
    assert_eq!(read_path(&whole), full);
    std::fs::remove_dir_all(dir).ok();
}

/// Hands out one byte per `read` call, like a slow pipe.
struct Trickle<R>(R);

impl<R: Read> Read for Trickle<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match buf.first_mut() {
            Some(b) => {
                let mut one = [0u8];
                let n = self.0.read(&mut one)?;
                *b = one[0];
                Ok(n)
            }
            None => Ok(0),
        }
    }
}

#[test]
fn streams_read_one_byte_at_a_time() {
    for name in [
        "netperfmeter-multi-sll.pcapng.gz",
        "tcpdump-m3ua-isup.pcap",
        "5greplay-ngap-ue-authentication.pcapng",
    ] {
        let path = shared(name);
        let reader = CaptureReader::from_reader(Trickle(std::io::BufReader::new(
            File::open(&path).expect("open"),
        )))
        .expect("reader");
        let (frames, err) = read_all(reader);
        assert!(err.is_none(), "{name}: {err:?}");
        assert_eq!(frames, read_path(&path), "{name}");
    }
}

#[test]
fn not_a_capture() {
    let dir = scratch_dir("junk");
    for (name, bytes) in [
        ("empty", &b""[..]),
        ("text", &b"hello world, not a capture"[..]),
        ("short", &[0xD4, 0xC3][..]),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write");
        let err = CaptureReader::open(&path).expect_err(name);
        assert_eq!((err.frame, err.offset), (1, 0));
        assert!(
            matches!(err.kind, CaptureErrorKind::UnknownFormat(_)),
            "{name}: {err}"
        );
        assert!(CaptureReader::from_reader(bytes).is_err());
    }
    // A pcap file header alone is a capture without frames.
    let path = dir.join("header-only.pcap");
    std::fs::write(
        &path,
        &std::fs::read(shared("erlang-pkt-sctp-abort.pcap")).expect("read")[..24],
    )
    .expect("write");
    assert!(read_path(&path).is_empty());
    assert!(read_stream(&path).is_empty());
    assert!(CaptureReader::open(&dir.join("missing.pcap")).is_err());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn named_pipes_are_streamed() {
    let dir = scratch_dir("fifo");
    for name in ["tcpdump-forces2.pcap", "netperfmeter-multi-sll.pcapng.gz"] {
        let fifo = dir.join("pipe");
        std::fs::remove_file(&fifo).ok();
        run(Command::new("mkfifo").arg(&fifo));
        let src = shared(name);
        let writer = {
            let (src, fifo) = (src.clone(), fifo.clone());
            std::thread::spawn(move || {
                let bytes = std::fs::read(src).expect("read");
                File::create(fifo)
                    .expect("open fifo")
                    .write_all(&bytes)
                    .expect("write fifo");
            })
        };
        let reader = open(&fifo);
        assert_eq!(reader.backend(), Backend::PcapParser);
        let (frames, err) = read_all(reader);
        writer.join().expect("writer");
        assert!(err.is_none(), "{name}: {err:?}");
        assert_eq!(frames, read_path(&src), "{name}");
    }
    std::fs::remove_dir_all(dir).ok();
}

/// A little-endian microsecond pcap with the given raw records.
fn pcap_with(records: &[(u32, u32, &[u8])]) -> Vec<u8> {
    let mut out = 0xA1B2_C3D4u32.to_le_bytes().to_vec();
    out.extend(2u16.to_le_bytes());
    out.extend(4u16.to_le_bytes());
    out.extend([0; 8]);
    out.extend(262_144u32.to_le_bytes());
    out.extend(101u32.to_le_bytes());
    for (caplen, orig_len, data) in records {
        out.extend([0; 8]);
        out.extend(caplen.to_le_bytes());
        out.extend(orig_len.to_le_bytes());
        out.extend_from_slice(data);
    }
    out
}

#[test]
fn records_larger_than_the_buffer_and_than_libpcap_allows() {
    let dir = scratch_dir("large");
    let big: Vec<u8> = (0..3u32 << 20).map(|i| i as u8).collect();
    let small = ipv4_sctp();
    let path = dir.join("big-record.pcap");
    std::fs::write(
        &path,
        pcap_with(&[
            (small.len() as u32, small.len() as u32, &small),
            (big.len() as u32, big.len() as u32, &big),
            (small.len() as u32, small.len() as u32, &small),
        ]),
    )
    .expect("write");
    // libpcap refuses a 3 MiB record; pcap-parser grows its buffer for it.
    let (frames, err, backend) = read_all_then_backend(open(&path));
    assert!(err.is_none(), "{err:?}");
    assert_eq!(backend, Backend::PcapParser);
    assert_eq!(frames.len(), 3);
    assert_eq!(frames[1].data, big);
    assert_eq!(
        frames[2].file_offset,
        24 + 16 + small.len() as u64 + 16 + big.len() as u64
    );
    assert_eq!(frames, read_stream(&path));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn corrupt_records_are_reported_with_frame_and_offset() {
    let dir = scratch_dir("corrupt");
    let small = ipv4_sctp();
    let second = 24 + 16 + small.len() as u64;

    // A record header announcing 4 GiB.
    let path = dir.join("huge.pcap");
    std::fs::write(
        &path,
        pcap_with(&[
            (small.len() as u32, small.len() as u32, &small),
            (0xFFFF_FF00, 10, &small),
        ]),
    )
    .expect("write");
    let (frames, err) = read_all(open(&path));
    let err = err.expect("error");
    assert_eq!(frames.len(), 1);
    assert_eq!((err.frame, err.offset), (2, second));
    assert!(
        matches!(err.kind, CaptureErrorKind::RecordTooLarge(n) if n == 16 + 0xFFFF_FF00),
        "{err}"
    );

    // pcapng: a packet on an interface that was never described, then an
    // EPB whose captured length overruns its block.
    let mut ng = Ng::new(false);
    ng.interface(101, None, None);
    ng.packet(0, 0, &small);
    let undeclared_at = ng.out.len() as u64;
    ng.packet(3, 0, &small);
    let path = dir.join("undeclared.pcapng");
    std::fs::write(&path, &ng.out).expect("write");
    let (frames, err) = read_all(open(&path));
    let err = err.expect("error");
    assert_eq!(frames.len(), 1);
    assert_eq!((err.frame, err.offset), (2, undeclared_at), "{err}");
    assert!(
        matches!(&err.kind, CaptureErrorKind::Corrupt(w) if w.contains("undeclared interface 3")),
        "{err}"
    );

    let mut ng = Ng::new(false);
    ng.interface(101, None, None);
    let overrun_at = ng.out.len();
    ng.packet(0, 0, &small);
    ng.out[overrun_at + 20..overrun_at + 24].copy_from_slice(&500u32.to_le_bytes()); // caplen
    let path = dir.join("overrun.pcapng");
    std::fs::write(&path, &ng.out).expect("write");
    for reader in [
        open(&path),
        CaptureReader::from_reader(File::open(&path).expect("open")).expect("reader"),
    ] {
        let (frames, err) = read_all(reader);
        let err = err.expect("error");
        assert!(frames.is_empty());
        assert_eq!((err.frame, err.offset), (1, overrun_at as u64), "{err}");
        assert!(matches!(err.kind, CaptureErrorKind::Corrupt(_)), "{err}");
    }
    std::fs::remove_dir_all(dir).ok();
}
