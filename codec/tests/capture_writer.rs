//! `PcapWriter`: files it writes are read back identically by libpcap (our
//! reader) and by tshark, which finds the SCTP in them.

mod link_support;

use std::io::ErrorKind;

use link_support::{read_all, scratch_dir, tshark_frames, tshark_sctp};
use sctp_codec::capture::{Backend, CaptureReader, PcapWriter, LINKTYPE_ETHERNET, LINKTYPE_RAW};
use sctp_codec::link::{extract_sctp, Defragmenter, LinkConfig};

/// IPv4 + SCTP COOKIE-ACK (ports 5000 -> 5001).
fn ipv4_sctp() -> Vec<u8> {
    let mut p = vec![
        0x45, 0, 0, 36, 0, 1, 0, 0, 64, 132, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2,
    ];
    p.extend([0x13, 0x88, 0x13, 0x89, 0, 0, 0, 1, 0, 0, 0, 0, 11, 0, 0, 4]);
    p
}

#[test]
fn written_files_read_back_through_libpcap_and_tshark() {
    let dir = scratch_dir("writer");
    for (link_type, frame) in [
        (LINKTYPE_RAW, ipv4_sctp()),
        (LINKTYPE_ETHERNET, {
            let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
            f.extend(ipv4_sctp());
            f
        }),
    ] {
        let path = dir.join(format!("out-{link_type}.pcap"));
        let mut w = PcapWriter::create(&path, link_type).expect("create");
        for i in 0..5u32 {
            w.write_packet(1_700_000_000 + i, i * 200_000, &frame)
                .expect("write");
        }
        w.flush().expect("flush");
        drop(w);

        let reader = CaptureReader::open(&path).expect("open");
        assert_eq!(reader.backend(), Backend::Libpcap);
        let (frames, err) = read_all(reader);
        assert!(err.is_none());
        assert_eq!(frames.len(), 5);
        for (i, f) in frames.iter().enumerate() {
            assert_eq!(f.link_type, link_type);
            assert_eq!(f.data, frame);
            assert_eq!(
                (f.ts_sec, f.ts_nsec),
                (1_700_000_000 + i as i64, i as u32 * 200_000_000)
            );
            let seg = extract_sctp(
                f.link_type,
                &f.data,
                &LinkConfig::default(),
                &mut Defragmenter::new(),
            )
            .expect("link")
            .expect("sctp");
            assert_eq!(&*seg.sctp, &ipv4_sctp()[20..]);
        }
        let theirs = tshark_sctp(&path, &[]);
        assert_eq!(
            theirs.keys().copied().collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5]
        );
        assert!(theirs
            .values()
            .all(|r| (r.sport, r.dport) == (Some(5000), Some(5001))));
        let times: Vec<String> = tshark_frames(&path)
            .into_iter()
            .map(|(_, t, _, _)| t)
            .collect();
        assert_eq!(times[1], "1700000001.200000000");
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn invalid_records_are_refused() {
    let mut w = PcapWriter::new(Vec::new(), LINKTYPE_RAW).expect("header");
    assert_eq!(
        w.write_packet(0, 1_000_000, &[0x45]).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        w.write_packet(0, 0, &vec![0; 262_145]).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    w.write_packet(7, 999_999, &[1, 2, 3]).expect("write");
    let bytes = w.into_inner().expect("inner");
    assert_eq!(bytes.len(), 24 + 16 + 3);
    assert_eq!(&bytes[..4], &[0xD4, 0xC3, 0xB2, 0xA1]);
    assert_eq!(&bytes[20..24], &101u32.to_le_bytes());
}

#[test]
fn readers_can_move_between_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<CaptureReader>();
    let path = link_support::shared("tcpdump-forces1.pcap");
    let reader = CaptureReader::open(&path).expect("open");
    let n = std::thread::spawn(move || read_all(reader).0.len())
        .join()
        .expect("thread");
    assert_eq!(n, 20);
}
