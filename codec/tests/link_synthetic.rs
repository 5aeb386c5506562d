//! `extract_sctp` on captures built with scapy (`link_support/gen_synthetic.py`):
//! every frame must yield exactly the SCTP bytes scapy put in it (or none),
//! with the right addresses, encapsulation and truncation flag; reassembled
//! datagrams must equal the SCTP packet before fragmentation.

mod link_support;

use std::collections::BTreeMap;

use link_support::{manifest, ours, synthetic_dir, OurRow};
use sctp_codec::link::{Encapsulation, LinkConfig};

fn by_file() -> BTreeMap<String, Vec<link_support::Expected>> {
    let mut map: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for e in manifest() {
        map.entry(e.file.clone()).or_default().push(e);
    }
    map
}

#[test]
fn every_synthetic_frame_yields_the_sctp_scapy_built() {
    let mut checked = 0;
    let mut reassembled = 0;
    for (file, expected) in by_file() {
        let got = ours(&synthetic_dir().join(&file), &LinkConfig::default());
        assert!(got.link_errors.is_empty(), "{file}: {:?}", got.link_errors);
        assert_eq!(got.frames, expected.len() as u64, "{file}: frame count");
        for e in &expected {
            let row = got.sctp.get(&e.frame);
            let Some(want) = &e.sctp else {
                assert!(
                    row.is_none(),
                    "{file} #{}: unexpected SCTP {row:?}",
                    e.frame
                );
                continue;
            };
            let row: &OurRow = row.unwrap_or_else(|| panic!("{file} #{}: no SCTP found", e.frame));
            assert_eq!(&row.sctp, want, "{file} #{}: SCTP bytes", e.frame);
            assert_eq!(Some(row.src), e.src, "{file} #{}: src", e.frame);
            assert_eq!(Some(row.dst), e.dst, "{file} #{}: dst", e.frame);
            assert_eq!(
                Some(row.ip_version),
                e.ip_version,
                "{file} #{}: version",
                e.frame
            );
            assert_eq!(
                Some(&row.encap),
                e.encap.as_ref(),
                "{file} #{}: encapsulation",
                e.frame
            );
            assert_eq!(row.truncated, e.truncated, "{file} #{}: truncated", e.frame);
            // Borrowed from the frame unless reassembled.
            assert_eq!(
                row.owned,
                row.offset_in_frame.is_none(),
                "{file} #{}",
                e.frame
            );
            if row.owned {
                reassembled += 1;
            }
            checked += 1;
        }
    }
    // eth.pcap: 4 IPv4 datagrams (in order, reversed, 2 interleaved), one
    // IPv6 datagram with extension headers around the Fragment header, one
    // UDP-encapsulated.
    assert_eq!(reassembled, 6);
    assert_eq!(checked, 39, "frames with SCTP checked");
}

#[test]
fn fragments_in_every_order_reassemble_to_the_original() {
    let got = ours(&synthetic_dir().join("eth.pcap"), &LinkConfig::default());
    let owned: Vec<(u64, &OurRow)> = got
        .sctp
        .iter()
        .filter(|(_, r)| r.owned)
        .map(|(n, r)| (*n, r))
        .collect();
    // Frame numbers of the completing fragments (see gen_synthetic.py).
    let frames: Vec<u64> = owned.iter().map(|(n, _)| *n).collect();
    assert_eq!(frames, vec![24, 28, 31, 32, 35, 37]);
    let sizes: Vec<usize> = owned.iter().map(|(_, r)| r.sctp.len()).collect();
    // Common header (12) + DATA chunk header (16) + user data (padded to 4).
    assert_eq!(sizes, vec![3028, 2528, 1828, 1728, 3028, 1928]);
    let (_, v6) = owned[4];
    assert_eq!(v6.ip_version, 6);
    assert_eq!(v6.encap, Encapsulation::None);
    let (_, udp) = owned[5];
    assert_eq!(
        udp.encap,
        Encapsulation::Udp {
            src_port: 9899,
            dst_port: 9899
        }
    );
}

#[test]
fn snaplen_cut_frames_yield_prefixes_flagged_truncated() {
    let full = ours(&synthetic_dir().join("eth.pcap"), &LinkConfig::default());
    let cut = ours(
        &synthetic_dir().join("eth-snap.pcap"),
        &LinkConfig::default(),
    );
    assert!(cut.link_errors.is_empty(), "{:?}", cut.link_errors);
    let mut prefixes = 0;
    for (n, c) in &cut.sctp {
        match full.sctp.get(n) {
            Some(f) if !f.owned => {
                assert!(f.sctp.starts_with(&c.sctp), "#{n}: not a prefix");
                assert_eq!(
                    c.truncated,
                    f.truncated || c.sctp.len() < f.sctp.len(),
                    "#{n}"
                );
                prefixes += 1;
            }
            _ => {
                // A first fragment cut by the snap length: the captured start
                // of the datagram that the full capture reassembles later.
                assert!(c.truncated && !c.owned, "#{n}");
                assert!(c.sctp.len() < 90, "#{n}");
            }
        }
    }
    assert!(prefixes >= 12, "{prefixes}");
    // No cut frame completes a datagram: the last fragments lost bytes.
    assert!(cut.sctp.values().all(|r| !r.owned));
}

#[test]
fn udp_encapsulation_on_a_configured_port() {
    let file = synthetic_dir().join("udp-custom.pcap");
    assert!(ours(&file, &LinkConfig::default()).sctp.is_empty());
    let got = ours(
        &file,
        &LinkConfig {
            udp_ports: vec![5001],
        },
    );
    let encaps: Vec<&Encapsulation> = got.sctp.values().map(|r| &r.encap).collect();
    assert_eq!(
        encaps,
        vec![
            &Encapsulation::Udp {
                src_port: 40001,
                dst_port: 5001
            },
            &Encapsulation::Udp {
                src_port: 5001,
                dst_port: 40002
            },
        ]
    );
    for r in got.sctp.values() {
        assert_eq!(r.ports(), Some((5000, 5001)));
        assert!(!r.truncated);
    }
}
