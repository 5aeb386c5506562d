//! `extract_sctp` on hand-made edge cases: malformed headers give a
//! `LinkError` at the offending offset, odd but legal packets decode.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr};

use sctp_codec::link::{
    extract_sctp, linktype, Defragmenter, Encapsulation, LinkConfig, LinkError, SctpSegment,
};

const SCTP: [u8; 16] = [
    0x13, 0x88, 0x13, 0x89, 0, 0, 0, 1, 0, 0, 0, 0, 11, 0, 0, 4, // common header + COOKIE-ACK
];

/// An IPv4 header (no options) for a payload of `len` bytes.
fn ipv4(proto: u8, len: usize, frag_word: u16, id: u16) -> Vec<u8> {
    let total = (20 + len) as u16;
    let mut h = vec![0x45, 0];
    h.extend(total.to_be_bytes());
    h.extend(id.to_be_bytes());
    h.extend(frag_word.to_be_bytes());
    h.extend([64, proto, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2]);
    h
}

fn ethernet(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1];
    f.extend(ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

fn extract(lt: u32, frame: &[u8]) -> Result<Option<SctpSegment<'_>>, LinkError> {
    extract_sctp(lt, frame, &LinkConfig::default(), &mut Defragmenter::new())
}

fn err(lt: u32, frame: &[u8]) -> LinkError {
    match extract(lt, frame) {
        Err(e) => {
            assert!(e.offset <= frame.len().max(1) + 65_535, "{e}");
            e
        }
        Ok(s) => panic!("expected an error, got {s:?}"),
    }
}

#[test]
fn unsupported_link_type_and_short_link_headers() {
    assert_eq!(err(9999, &[0; 64]).what, "unsupported link type");
    assert!(!linktype::is_supported(9999));
    for lt in linktype::SUPPORTED {
        assert!(linktype::is_supported(lt));
        // An empty frame is never an IP packet, nor a panic.
        assert!(extract(lt, &[]).is_err(), "link type {lt}");
    }
    assert_eq!(err(linktype::ETHERNET, &[0; 13]).offset, 0);
    assert_eq!(err(linktype::LINUX_SLL, &[0; 15]).offset, 0);
    assert_eq!(err(linktype::LINUX_SLL2, &[0; 19]).offset, 0);
    // VLAN tag cut in the middle.
    let e = err(linktype::ETHERNET, &ethernet(0x8100, &[0, 1]));
    assert_eq!((e.offset, e.what), (14, "VLAN tag truncated"));
}

#[test]
fn non_ip_frames_are_not_sctp() {
    assert_eq!(
        extract(linktype::ETHERNET, &ethernet(0x0806, &[0; 28])).unwrap(),
        None
    );
    // 802.3 length field instead of an EtherType.
    assert_eq!(
        extract(linktype::ETHERNET, &ethernet(0x0040, &[0; 64])).unwrap(),
        None
    );
    // BSD loopback with an unknown address family.
    assert_eq!(extract(linktype::NULL, &[7, 0, 0, 0, 0x45]).unwrap(), None);
    // IPv4 carrying TCP.
    let mut p = ipv4(6, 20, 0, 1);
    p.extend([0; 20]);
    assert_eq!(extract(linktype::RAW, &p).unwrap(), None);
}

#[test]
fn malformed_ip_headers() {
    let mut p = ipv4(132, 16, 0, 1);
    p.extend(SCTP);
    let mut bad = p.clone();
    bad[0] = 0x44; // IHL 4
    assert_eq!(
        err(linktype::RAW, &bad),
        LinkError {
            offset: 0,
            what: "IPv4 header: IHL below 5"
        }
    );
    let mut bad = p.clone();
    bad[2..4].copy_from_slice(&19u16.to_be_bytes());
    assert_eq!(err(linktype::RAW, &bad).offset, 2);
    let mut bad = p.clone();
    bad[0] = 0x55;
    assert_eq!(
        err(linktype::RAW, &bad).what,
        "raw IP: version is neither 4 nor 6"
    );
    // EtherType IPv4 carrying an IPv6 header.
    let mut bad = p.clone();
    bad[0] = 0x60;
    assert_eq!(err(linktype::ETHERNET, &ethernet(0x0800, &bad)).offset, 14);
    // IHL 15 with 20 bytes captured.
    let mut bad = p[..20].to_vec();
    bad[0] = 0x4F;
    assert_eq!(err(linktype::IPV4, &bad).what, "IPv4 header truncated");
    // IPv6 header cut short.
    assert_eq!(
        err(linktype::IPV6, &[0x60; 39]).what,
        "IPv6 header truncated"
    );
}

#[test]
fn ipv6_extension_header_overrunning_the_payload() {
    let mut p = vec![0x60, 0, 0, 0, 0, 16, 0 /* hop-by-hop */, 64];
    p.extend([0x20, 0x01, 0x0d, 0xb8].iter().chain([0u8; 12].iter()));
    p.extend([0x20, 0x01, 0x0d, 0xb8].iter().chain([1u8; 12].iter()));
    // Hop-by-hop header claiming 3 * 8 + 8 = 32 bytes in a 16-byte payload.
    p.extend([132, 3, 0, 0, 0, 0, 0, 0]);
    p.extend([0; 8]);
    let e = err(linktype::IPV6, &p);
    assert_eq!(
        (e.offset, e.what),
        (40, "IPv6 extension header overruns the payload length")
    );
    // ESP ends the walk: not SCTP.
    p[6] = 50;
    assert_eq!(extract(linktype::IPV6, &p).unwrap(), None);
}

#[test]
fn udp_length_below_header_size() {
    let mut udp = vec![0x26, 0xAB, 0x26, 0xAB, 0, 3, 0, 0];
    udp.extend(SCTP);
    let mut p = ipv4(17, udp.len(), 0, 1);
    p.extend(&udp);
    assert_eq!(
        err(linktype::RAW, &p),
        LinkError {
            offset: 24,
            what: "UDP length below 8"
        }
    );
}

#[test]
fn padding_after_the_ip_packet_is_not_sctp() {
    let mut p = ipv4(132, SCTP.len(), 0, 1);
    p.extend(SCTP);
    p.extend([0xEE; 12]); // Ethernet padding / trailer
    let frame = ethernet(0x0800, &p);
    let seg = extract(linktype::ETHERNET, &frame).unwrap().unwrap();
    assert_eq!(&*seg.sctp, &SCTP);
    assert_eq!(seg.offset_in_frame, Some(34));
    assert!(!seg.truncated);
    assert!(matches!(seg.sctp, Cow::Borrowed(_)));
    assert_eq!(seg.src, IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)));
}

#[test]
fn zero_total_length_means_as_captured() {
    // Segmentation-offload captures record Total Length 0.
    let mut p = ipv4(132, SCTP.len(), 0, 1);
    p[2..4].copy_from_slice(&[0, 0]);
    p.extend(SCTP);
    let seg = extract(linktype::RAW, &p).unwrap().unwrap();
    assert_eq!(&*seg.sctp, &SCTP);
}

#[test]
fn short_and_empty_sctp_payloads_are_handed_to_the_codec() {
    let p = ipv4(132, 0, 0, 1);
    assert!(extract(linktype::RAW, &p).unwrap().unwrap().sctp.is_empty());
    let mut p = ipv4(132, 4, 0, 1);
    p.extend([1, 2, 3, 4]);
    assert_eq!(
        &*extract(linktype::RAW, &p).unwrap().unwrap().sctp,
        &[1, 2, 3, 4]
    );
    // Captured less than Total Length says.
    let mut p = ipv4(132, 100, 0, 1);
    p.extend(SCTP);
    let seg = extract(linktype::RAW, &p).unwrap().unwrap();
    assert!(seg.truncated);
    assert_eq!(&*seg.sctp, &SCTP);
}

#[test]
fn oversized_fragment_is_rejected() {
    // Offset 8189 * 8 = 65512, plus 100 bytes > 65535 ("ping of death").
    let mut p = ipv4(132, 100, 8189, 7);
    p.extend([0; 100]);
    let e = err(linktype::RAW, &p);
    assert_eq!((e.offset, e.what), (6, "fragment ends beyond 65535 bytes"));
}

#[test]
fn defragmenter_memory_stays_bounded_under_a_fragment_flood() {
    let mut defrag = Defragmenter::with_limits(64, 256 << 10);
    let cfg = LinkConfig::default();
    for id in 0..5000u16 {
        // First fragments (MF set) of 5000 datagrams that never complete.
        let mut p = ipv4(132, 1480, 0x2000, id);
        p.extend([0xAB; 1480]);
        assert_eq!(
            extract_sctp(linktype::RAW, &p, &cfg, &mut defrag).unwrap(),
            None
        );
        assert!(defrag.pending_datagrams() <= 64);
        assert!(defrag.pending_bytes() <= 256 << 10);
    }
    assert!(defrag.evicted() >= 5000 - 64);
    // The newest datagram is still there and completes.
    let mut last = ipv4(132, 20, 185, 4999); // offset 185 * 8 = 1480
    last.extend([0xCD; 20]);
    let seg = extract_sctp(linktype::RAW, &last, &cfg, &mut defrag)
        .unwrap()
        .unwrap();
    assert_eq!(seg.sctp.len(), 1500);
    assert!(matches!(seg.sctp, Cow::Owned(_)));
    assert_eq!(seg.offset_in_frame, None);
}

/// ICMPv4 Destination Unreachable quoting `quoted`, with RFC 4884 length
/// `words` (32-bit words of quoted datagram, 0 = none).
fn icmp_error(words: u8, quoted: &[u8]) -> Vec<u8> {
    let mut icmp = vec![3, 1, 0, 0, 0, words, 0, 0];
    icmp.extend_from_slice(quoted);
    let mut p = ipv4(1, icmp.len(), 0, 9);
    p.extend(icmp);
    p
}

#[test]
fn icmp_quotes() {
    let mut inner = ipv4(132, SCTP.len(), 0, 1);
    inner.extend(SCTP);
    let p = icmp_error(0, &inner);
    let seg = extract(linktype::RAW, &p).unwrap().unwrap();
    assert_eq!(&*seg.sctp, &SCTP);
    assert_eq!(
        seg.encap,
        Encapsulation::IcmpError {
            icmp_type: 3,
            code: 1,
            inner: Box::new(Encapsulation::None)
        }
    );
    assert!(seg.truncated);

    // RFC 4884: the quote is 7 words (28 bytes), an extension follows.
    let mut with_ext = inner.clone();
    with_ext.truncate(28);
    with_ext.extend([0x20, 0, 0, 0, 0, 8, 1, 1, 0, 0, 0, 0]);
    let p = icmp_error(7, &with_ext);
    let seg = extract(linktype::RAW, &p).unwrap().unwrap();
    assert_eq!(&*seg.sctp, &SCTP[..8]);

    // A quoted non-first fragment carries no SCTP header.
    let mut frag = ipv4(132, SCTP.len(), 10, 1);
    frag.extend(SCTP);
    assert_eq!(extract(linktype::RAW, &icmp_error(0, &frag)).unwrap(), None);

    // A quote too short for the inner IP header is malformed...
    assert!(extract(linktype::RAW, &icmp_error(0, &inner[..12])).is_err());
    // ...unless the capture cut it.
    let mut cut = icmp_error(0, &inner);
    cut.truncate(20 + 8 + 12);
    assert_eq!(extract(linktype::RAW, &cut).unwrap(), None);
}

#[test]
fn bsd_loopback_in_both_byte_orders() {
    let mut p = ipv4(132, SCTP.len(), 0, 1);
    p.extend(SCTP);
    for af in [[2, 0, 0, 0], [0, 0, 0, 2]] {
        let mut f = af.to_vec();
        f.extend(&p);
        assert_eq!(&*extract(linktype::NULL, &f).unwrap().unwrap().sctp, &SCTP);
    }
    let mut f = vec![0, 0, 0, 2];
    f.extend(&p);
    assert_eq!(&*extract(linktype::LOOP, &f).unwrap().unwrap().sctp, &SCTP);
    // LINKTYPE_LOOP is always network order: 02 00 00 00 is not AF_INET.
    let mut f = vec![2, 0, 0, 0];
    f.extend(&p);
    assert_eq!(extract(linktype::LOOP, &f).unwrap(), None);
}
