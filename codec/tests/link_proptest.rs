//! `extract_sctp` never panics: random bytes for every link type, and random
//! mutations of real frames (which reach deep into the IP/UDP/ICMP parsers).

mod link_support;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use sctp_codec::capture::CaptureReader;
use sctp_codec::link::{extract_sctp, linktype, Defragmenter, LinkConfig};

/// Frames of the shared corpus and of the synthetic captures, with link types.
fn real_frames() -> Vec<(u32, Vec<u8>)> {
    let mut files = vec![
        link_support::shared("pcap4j-sctp-shutdown.pcap"),
        link_support::shared("pcapr-s1ap-volte-iphone6-sll.pcap"),
        link_support::shared("aiortc-sctp-test-vectors.pcap"),
    ];
    for name in [
        "eth.pcap",
        "sll2.pcap",
        "null.pcap",
        "loop.pcap",
        "raw6.pcap",
    ] {
        files.push(link_support::synthetic_dir().join(name));
    }
    let mut frames = Vec::new();
    for f in files {
        let mut r = CaptureReader::open(&f).expect("open");
        while let Some(fr) = r.next_frame() {
            let fr = fr.expect("frame");
            frames.push((fr.link_type, fr.data.to_vec()));
        }
    }
    frames
}

fn check(lt: u32, data: &[u8], cfg: &LinkConfig, defrag: &mut Defragmenter) {
    match extract_sctp(lt, data, cfg, defrag) {
        Ok(Some(seg)) => {
            assert!(seg.ip_version == 4 || seg.ip_version == 6);
            if let Some(off) = seg.offset_in_frame {
                assert!(off + seg.sctp.len() <= data.len());
                assert_eq!(&data[off..off + seg.sctp.len()], &*seg.sctp);
            }
        }
        Ok(None) => {}
        Err(e) => assert!(!e.what.is_empty()),
    }
    assert!(defrag.pending_bytes() <= sctp_codec::link::DEFAULT_MAX_BYTES);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(
        lt_index in 0..linktype::SUPPORTED.len() + 1,
        data in proptest::collection::vec(any::<u8>(), 0..200),
        port in any::<u16>(),
    ) {
        let lt = linktype::SUPPORTED.get(lt_index).copied().unwrap_or(4242);
        let cfg = LinkConfig { udp_ports: vec![9899, port] };
        let mut defrag = Defragmenter::with_limits(4, 4096);
        check(lt, &data, &cfg, &mut defrag);
    }

    #[test]
    fn ip_shaped_random_bytes_never_panic(
        version in prop_oneof![Just(0x45u8), Just(0x46u8), Just(0x4Fu8), Just(0x60u8)],
        proto in prop_oneof![Just(132u8), Just(17), Just(1), Just(58), Just(0), Just(44), Just(60), Just(51)],
        data in proptest::collection::vec(any::<u8>(), 0..120),
    ) {
        let mut p = vec![version];
        p.extend(&data);
        // Put the protocol where IPv4 or IPv6 keep it.
        let at = if version == 0x60 { 6 } else { 9 };
        if p.len() > at { p[at] = proto; }
        let mut defrag = Defragmenter::with_limits(4, 8192);
        for lt in [linktype::RAW, linktype::IPV4, linktype::IPV6] {
            check(lt, &p, &LinkConfig::default(), &mut defrag);
        }
    }
}

#[test]
fn mutated_real_frames_never_panic() {
    let frames = real_frames();
    assert!(frames.len() > 200);
    let cfg = LinkConfig::default();
    let mut defrag = Defragmenter::with_limits(16, 1 << 20);
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = (
        0..frames.len(),
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        proptest::option::of(any::<prop::sample::Index>()),
    );
    for _ in 0..20_000 {
        let (i, flips, cut) = strategy.new_tree(&mut runner).expect("value").current();
        let (lt, frame) = &frames[i];
        let mut data = frame.clone();
        if data.is_empty() {
            continue;
        }
        for (at, byte) in flips {
            let k = at.index(data.len());
            data[k] = byte;
        }
        if let Some(cut) = cut {
            data.truncate(cut.index(data.len() + 1));
        }
        check(*lt, &data, &cfg, &mut defrag);
    }
}
