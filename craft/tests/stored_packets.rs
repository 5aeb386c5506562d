//! Issue 15 item 5: a packet stored in a variable is the packet the user
//! inspected. Starting (or replacing) an association afterwards changes
//! neither its bytes as shown (`hexraw`) nor what `send` and `save` write;
//! a packet built while an association is followed keeps that
//! association's values (tag, TSN) when a new one replaces it.

use std::net::UdpSocket;
use std::process::Command;
use std::time::Duration;

fn craft(script: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .args(["-c", script])
        .output()
        .expect("run sctp-craft");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "script: {script}\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The lines of `out` that are a whole packet in hex (`hexraw`).
fn hex_lines(out: &str) -> Vec<String> {
    out.lines()
        .filter(|l| l.len() >= 24 && l.bytes().all(|c| c.is_ascii_hexdigit()))
        .map(String::from)
        .collect()
}

#[test]
fn stored_init_keeps_its_bytes_when_an_association_starts() {
    let out = craft(
        "p = sctp(sport=1, dport=2) / init(initiate_tag=1, initial_tsn=1); hexraw p; \
         assoc sport=5001 dport=5000; hexraw p; show p",
    );
    let h = hex_lines(&out);
    assert_eq!(h.len(), 2, "{out}");
    assert_eq!(h[0], h[1], "p changed when the association started:\n{out}");
    // The a_rwnd it was shown with (no association: the typical 106496).
    assert!(out.contains("a_rwnd: 106496"), "{out}");
}

#[test]
fn stored_data_keeps_its_tsn_and_tag_when_the_association_is_replaced() {
    let out = craft(
        "assoc sport=5001 dport=5000; d = data(user_data=\"x\"); hexraw d; \
         assoc new sport=5001 dport=5000; hexraw d; \
         e = data(user_data=\"x\"); hexraw e",
    );
    let h = hex_lines(&out);
    assert_eq!(h.len(), 3, "{out}");
    assert_eq!(h[0], h[1], "d changed with the second assoc:\n{out}");
    // A packet built after the new association takes the new one's TSN.
    let tsn = |s: &str| s[32..40].to_string();
    assert_ne!(tsn(&h[0]), tsn(&h[2]), "{out}");
}

#[test]
fn a_stored_packet_is_sent_and_saved_as_it_was_shown() {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let port = sock.local_addr().unwrap().port();
    let dir = std::env::temp_dir().join(format!("stored-packets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pcap = dir.join("p.pcap");
    let _ = std::fs::remove_file(&pcap);
    let out = craft(&format!(
        "peer udp 127.0.0.1:{port}; \
         p = sctp(sport=1, dport=2) / init(initiate_tag=1, initial_tsn=1); hexraw p; \
         assoc sport=5001 dport=5000; send p; save {} p",
        pcap.display()
    ));
    let shown = hex::decode(&hex_lines(&out)[0]).unwrap();
    let mut buf = [0u8; 2048];
    let (n, _) = sock.recv_from(&mut buf).expect("the packet was sent");
    assert_eq!(
        &buf[..n],
        &shown[..],
        "sent bytes differ from hexraw:\n{out}"
    );
    let file = std::fs::read(&pcap).unwrap();
    assert!(
        file.ends_with(&shown),
        "saved packet differs from hexraw:\n{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A packet stored before the association is said to be so when it is
/// sent into the association (its tag and TSN were fixed without it).
#[test]
fn sending_a_packet_built_before_the_association_says_so() {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = sock.local_addr().unwrap().port();
    let out = craft(&format!(
        "peer udp 127.0.0.1:{port}; d = data(user_data=\"early\"); \
         assoc sport=5001 dport=5000; send d"
    ));
    assert!(
        out.contains("built before the association"),
        "no note that d was built without the association:\n{out}"
    );
}
