//! `CaptureReader` never panics on corrupt files: random byte changes and
//! cuts of real pcap (both byte orders), pcapng and gzip files, read through
//! libpcap (`open`) and pcap-parser (`from_reader`). Errors are terminal and
//! come after the frames read before them.

mod link_support;

use proptest::prelude::*;
use sctp_codec::capture::CaptureReader;

fn sources() -> Vec<Vec<u8>> {
    [
        "pcap4j-sctp-shutdown.pcap",
        "tcpdump-m3ua-isup.pcap",
        "5greplay-ngap-ue-authentication.pcapng",
        "suricata-verify-sctp-keywords-m3ua.pcap",
    ]
    .iter()
    .map(|n| std::fs::read(link_support::shared(n)).expect("read"))
    .chain(std::iter::once({
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&std::fs::read(link_support::shared("tcpdump-forces1.pcap")).expect("read"))
            .expect("gzip");
        gz.finish().expect("gzip")
    }))
    .collect()
}

fn drain(mut reader: CaptureReader) -> (u64, bool) {
    let mut last = 0;
    while let Some(next) = reader.next_frame() {
        match next {
            Ok(f) => {
                assert_eq!(f.number, last + 1);
                last = f.number;
            }
            Err(e) => {
                assert_eq!(e.frame, last + 1, "{e}");
                assert!(reader.next_frame().is_none());
                return (last, true);
            }
        }
    }
    (last, false)
}

proptest! {
    // 1,000 cases in the suite; PROPTEST_CASES=N runs more by hand.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(1000)
    ))]

    #[test]
    fn corrupt_captures_never_panic(
        which in 0usize..5,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut bytes = sources().swap_remove(which);
        for (at, b) in flips {
            let k = at.index(bytes.len());
            bytes[k] = b;
        }
        if let Some(c) = cut {
            bytes.truncate(c.index(bytes.len() + 1));
        }
        let dir = link_support::scratch_dir("fuzz");
        let path = dir.join("corrupt.cap");
        std::fs::write(&path, &bytes).expect("write");
        let via_path = CaptureReader::open(&path).map(drain);
        let via_stream = CaptureReader::from_reader(std::io::Cursor::new(bytes)).map(drain);
        // libpcap hands over to pcap-parser on any error or disagreement,
        // so both ways give the same frames and the same verdict.
        match (&via_path, &via_stream) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(a), Err(b)) => prop_assert_eq!((a.frame, a.offset), (b.frame, b.offset)),
            (a, b) => prop_assert!(false, "open: {:?} vs from_reader: {:?}", a, b),
        }
        std::fs::remove_dir_all(dir).ok();
    }
}

/// A case the proptest drew once: byte 284 of the NGAP pcapng set to 0x0a
/// turns its first Enhanced Packet Block into a Decryption Secrets Block
/// whose body does not parse (its secrets length exceeds the block). The
/// block is framed soundly (its length repeated in its trailer), so both
/// readers skip it, as libpcap does, and read the other 12 frames with the
/// original's bytes and offsets. (Wireshark 4.0 stops there, at 0 frames,
/// calling the file cut short.)
#[test]
fn malformed_decryption_secrets_block_is_skipped_by_both_readers() {
    let original = std::fs::read(link_support::shared(
        "5greplay-ngap-ue-authentication.pcapng",
    ))
    .expect("read");
    let frames = |reader: CaptureReader| -> Vec<(u64, Vec<u8>)> {
        let mut reader = reader;
        let mut out = Vec::new();
        while let Some(next) = reader.next_frame() {
            let f = next.unwrap_or_else(|e| panic!("{e}"));
            out.push((f.file_offset, f.data.to_vec()));
        }
        out
    };
    let want: Vec<_> =
        frames(CaptureReader::from_reader(std::io::Cursor::new(original.clone())).expect("open"))
            .into_iter()
            .skip(1)
            .collect();
    assert_eq!(want.len(), 12);
    assert_eq!(
        u32::from_le_bytes(original[284..288].try_into().unwrap()),
        6
    );

    let mut bytes = original;
    bytes[284] = 0x0a;
    let dir = link_support::scratch_dir("dsb");
    let path = dir.join("dsb.pcapng");
    std::fs::write(&path, &bytes).expect("write");
    let via_path = frames(CaptureReader::open(&path).expect("open"));
    let via_stream = frames(CaptureReader::from_reader(std::io::Cursor::new(bytes)).expect("open"));
    assert_eq!(via_path, want, "libpcap");
    assert_eq!(via_stream, want, "pcap-parser");
    std::fs::remove_dir_all(dir).ok();
}
