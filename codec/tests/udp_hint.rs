//! `UdpSctpFinder` against tshark: every UDP port pair it says carries SCTP
//! (a datagram holding an SCTP packet with a right CRC32c) is one where
//! tshark, told to decode those ports as SCTP with CRC32c checking, finds
//! exactly as many packets whose checksum is good, on every shared capture
//! and every capture of `captures/`; on this project's captures it finds
//! the ports `captures/README.md` documents. None of the shared captures'
//! other UDP traffic (DNS, GTP, RTP...) is taken for SCTP.

mod link_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use link_support::{run, shared_captures};
use sctp_codec::capture::CaptureReader;
use sctp_codec::link::UdpSctpFinder;

fn finder(file: &Path) -> UdpSctpFinder {
    let mut f = UdpSctpFinder::default();
    let mut reader =
        CaptureReader::open(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    while let Some(Ok(frame)) = reader.next_frame() {
        f.frame(frame.link_type, frame.data);
    }
    f
}

/// Frames tshark decodes as SCTP with a good CRC32c over UDP when `ports`
/// are decoded as SCTP.
fn tshark_good(file: &Path, ports: &[u16]) -> u64 {
    let mut c = Command::new("tshark");
    c.arg("-r").arg(file).args(["-o", "sctp.checksum:crc-32c"]);
    for p in ports {
        c.args(["-d", &format!("udp.port=={p},sctp")]);
    }
    c.args([
        "-Y",
        "udp && sctp.checksum.status == 1",
        "-T",
        "fields",
        "-e",
        "frame.number",
    ]);
    run(&mut c).lines().filter(|l| !l.trim().is_empty()).count() as u64
}

#[test]
fn ports_found_carry_sctp_as_tshark_decodes_it() {
    let ours: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
            .collect();
    let (mut with, mut found_total) = (0, 0);
    for file in shared_captures().into_iter().chain(ours.iter().cloned()) {
        let f = finder(&file);
        let found = f.found();
        if found.is_empty() {
            assert!(f.hint().is_none());
            continue;
        }
        with += 1;
        let total: u64 = found.iter().map(|(_, n)| n).sum();
        found_total += total;
        assert_eq!(
            tshark_good(&file, &f.ports()),
            total,
            "{}: {found:?}",
            file.display()
        );
        let hint = f.hint().unwrap();
        for p in f.ports() {
            assert!(hint.contains(&format!("--udp-port {p}")), "{hint}");
        }
    }
    // The project's usrsctp captures: the server on UDP 39899, the client on
    // 39900 (captures/README.md), the lossy one through its relay's ports.
    let echo =
        finder(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures/usrsctp-echo.pcapng"));
    assert_eq!(echo.ports(), [39899, 39900]);
    assert_eq!(echo.found()[0].1, 37);
    let lossy =
        finder(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures/usrsctp-lossy.pcapng"));
    assert_eq!(lossy.found().iter().map(|(_, n)| n).sum::<u64>(), 85);
    assert!(with >= 9, "only {with} captures with SCTP over UDP");
    eprintln!("{with} captures, {found_total} datagrams of SCTP over UDP found");
}
