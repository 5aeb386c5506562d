//! Live: the same exchange as `live_udp`, written in the crafting language
//! and run by the binary (`sctp-craft -c '...'`): the output must show the
//! handshake, DATA, the SACK for it and the ABORT, one summary line per
//! packet prefixed `>` (sent) or `<` (received), and the usrsctp peer must
//! log the message and the abort.

mod peer;

use std::process::Command;
use std::time::Duration;

use peer::netns::Netns;
use peer::{is_root, Peer, PeerOpts};

const STEP: Duration = Duration::from_secs(3);

/// Chunk names that may appear in the summaries of this exchange.
const NAMES: &[&str] = &[
    "INIT",
    "INIT-ACK",
    "COOKIE-ECHO",
    "COOKIE-ACK",
    "DATA",
    "SACK",
    "ABORT",
    "HEARTBEAT",
    "HEARTBEAT-ACK",
    "SHUTDOWN",
    "SHUTDOWN-ACK",
    "SHUTDOWN-COMPLETE",
    "ERROR",
];

/// The direction and chunk names of each `>`/`<` line.
fn packets(stdout: &str) -> Vec<(char, Vec<String>, String)> {
    stdout
        .lines()
        .filter_map(|l| {
            let t = l.trim_start();
            let dir = t.chars().next().filter(|c| *c == '>' || *c == '<')?;
            let names = t
                .split([' ', ','])
                .filter_map(|w| w.split(['(', '[']).next())
                .filter(|w| NAMES.contains(w))
                .map(String::from)
                .collect();
            Some((dir, names, t.to_string()))
        })
        .collect()
}

/// The number after `key=` in `line`.
fn field(line: &str, key: &str) -> Option<u64> {
    let at = line.find(key)? + key.len();
    let digits: String = line[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

#[test]
fn cli_connect_data_recv_abort_over_udp() {
    let (mut peer, encaps) = Peer::start_udp_loopback(false);
    let script = format!(
        "peer udp 127.0.0.1:{encaps}; assoc sport=5001 dport=5000; connect; \
         data \"hello\"; recv timeout=2000; abort"
    );
    run_and_check(&script, &mut peer);
}

/// Runs `script`, checks the printed exchange and the peer's log.
fn run_and_check(script: &str, peer: &mut Peer) {
    let out = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .args(["-c", script])
        .output()
        .expect("run sctp-craft");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "`sctp-craft -c '{script}'` failed ({}).\n\
         The live commands of the language (peer, assoc, connect, data, recv, abort;\n\
         craft/src/lang, wired to sctp_craft::wire and sctp_craft::assoc) may be missing.\n\
         stdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    let pk = packets(&stdout);
    let seq: Vec<(char, &str)> = pk
        .iter()
        .flat_map(|(d, names, _)| names.iter().map(move |n| (*d, n.as_str())))
        .collect();
    let want = [
        ('>', "INIT"),
        ('<', "INIT-ACK"),
        ('>', "COOKIE-ECHO"),
        ('<', "COOKIE-ACK"),
        ('>', "DATA"),
        ('<', "SACK"),
        ('>', "ABORT"),
    ];
    assert_eq!(seq, want, "packets printed:\n{stdout}");
    let data = &pk
        .iter()
        .find(|p| p.1.contains(&"DATA".to_string()))
        .unwrap()
        .2;
    let sack = &pk
        .iter()
        .find(|p| p.1.contains(&"SACK".to_string()))
        .unwrap()
        .2;
    let tsn = field(data, "tsn=").expect("DATA line shows tsn=");
    assert_eq!(
        field(sack, "cum_ack="),
        Some(tsn),
        "SACK acknowledges the DATA:\n{stdout}"
    );

    let got = peer
        .wait_for("data ", STEP)
        .expect("peer logged the message");
    assert!(
        got.contains("text=hello") && got.contains(&format!("tsn={tsn}")),
        "{got}"
    );
    let lost = peer.wait_for("assoc_change state=COMM_LOST", STEP);
    assert!(lost.is_some(), "peer saw no ABORT: {:?}", peer.log());
}

#[test]
fn cli_connect_data_recv_abort_over_raw_ipv4() {
    if !is_root() {
        eprintln!("cli_connect_data_recv_abort_over_raw_ipv4: SKIPPED: needs root");
        return;
    }
    let ns = Netns::create("c", &["10.231.79.1/24"], &["10.231.79.2/24"]).expect("netns");
    let prefix = ["ip", "netns", "exec", ns.name.as_str()];
    let mut peer = Peer::start(&PeerOpts {
        prefix: &prefix,
        encaps: 0,
        addr: "10.231.79.2",
        port: 5000,
        echo: false,
    })
    .expect("usrsctp peer in the namespace");
    let script = "peer ip 10.231.79.2 local=10.231.79.1; assoc sport=5001 dport=5000; \
                  connect timeout=3000; data \"hello\"; recv timeout=2000; abort";
    run_and_check(script, &mut peer);
}

#[test]
fn summary_lines_are_parsed() {
    // The parser of this test, on the `dissect` summary style.
    let s = "> 127.0.0.1 → 127.0.0.1 5001 → 5000 vtag=0x00000000 INIT(tag=0x1,a_rwnd=1,os=1,is=1,tsn=7,params=0)\n\
             < 127.0.0.1 → 127.0.0.1 5000 → 5001 vtag=0x1 COOKIE-ACK, SACK(cum_ack=7,a_rwnd=1,gaps=0,dups=0)\n\
             note: not a packet";
    let p = packets(s);
    assert_eq!(p.len(), 2);
    assert_eq!(p[0].0, '>');
    assert_eq!(p[0].1, ["INIT"]);
    assert_eq!(p[1].1, ["COOKIE-ACK", "SACK"]);
    assert_eq!(field(&p[1].2, "cum_ack="), Some(7));
}

/// The association's numbers reach hand-crafted chunks: after `connect` and
/// `data "hello"`, a `data(...)` with no tag or TSN goes out with the peer's
/// tag and the next TSN (the peer delivers it), and a broken DATA (forced
/// length 3) carries them too: the peer answers it with an ABORT (Protocol
/// Violation) under our tag, which it only does when the tag was its own.
#[test]
fn cli_hand_crafted_chunks_take_the_association_defaults() {
    let (mut peer, encaps) = Peer::start_udp_loopback(false);
    let script = format!(
        "peer udp 127.0.0.1:{encaps}; assoc sport=5001 dport=5000; connect timeout=3000; \
         data \"hello\"; recv timeout=2000; \
         send data(user_data=\"world\"); recv timeout=2000; \
         b = data(user_data=\"x\", length=3); hexraw b; send b; recv timeout=2000"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .args(["-c", &script])
        .output()
        .expect("run sctp-craft");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    let pk = packets(&stdout);
    let init_ack = &pk.iter().find(|p| p.1 == ["INIT-ACK"]).expect("INIT-ACK").2;
    let init = &pk.iter().find(|p| p.1 == ["INIT"]).expect("INIT").2;
    let hex_after = |l: &str, key: &str| -> u32 {
        let at = l.find(key).unwrap() + key.len();
        u32::from_str_radix(&l[at..at + 8], 16).unwrap()
    };
    let peer_tag = hex_after(init_ack, "(tag=0x");
    let our_tag = hex_after(init, "(tag=0x");
    let datas: Vec<&String> = pk
        .iter()
        .filter(|p| p.0 == '>' && p.1 == ["DATA"])
        .map(|p| &p.2)
        .collect();
    assert_eq!(datas.len(), 2, "{stdout}");
    let tsn0 = field(datas[0], "tsn=").unwrap();
    assert_eq!(field(datas[1], "tsn=").unwrap(), tsn0 + 1, "{stdout}");
    assert!(
        datas[1].contains(&format!("vtag=0x{peer_tag:08x}")),
        "{stdout}"
    );
    assert!(
        datas[1].contains("ssn=1"),
        "second message on stream 0: {stdout}"
    );
    // The broken chunk's bytes: peer's tag, chunk length 3, the next TSN.
    let raw = stdout
        .lines()
        .find(|l| l.len() == 64 && l.bytes().all(|c| c.is_ascii_hexdigit()))
        .expect("hexraw line");
    let b = hex::decode(raw).unwrap();
    assert_eq!(u32::from_be_bytes(b[4..8].try_into().unwrap()), peer_tag);
    assert_eq!(&b[12..16], &[0, 0x03, 0, 3], "DATA, flags B|E, length 3");
    assert_eq!(
        u32::from_be_bytes(b[16..20].try_into().unwrap()) as u64,
        tsn0 + 2
    );
    let abort = pk
        .iter()
        .find(|p| p.0 == '<' && p.1 == ["ABORT"])
        .unwrap_or_else(|| panic!("peer did not abort on the broken chunk:\n{stdout}"));
    assert!(
        abort.2.contains(&format!("vtag=0x{our_tag:08x}"))
            && abort.2.contains("Protocol Violation"),
        "{}",
        abort.2
    );
    let got = peer
        .wait_for("data len=5 sid=0 ssn=1", STEP)
        .expect("world delivered");
    assert!(
        got.contains("text=world") && got.contains(&format!("tsn={}", tsn0 + 1)),
        "{got}"
    );
    assert!(peer
        .wait_for("assoc_change state=COMM_LOST", STEP)
        .is_some());
}

/// Issue 15 item 4: after a live handshake, a bare `assoc` shows the
/// association (ESTABLISHED, its tags) and keeps it: the next `data` goes
/// out with the peer's tag and the peer delivers it.
#[test]
fn cli_bare_assoc_shows_and_keeps_the_established_association() {
    let (mut peer, encaps) = Peer::start_udp_loopback(false);
    let script = format!(
        "peer udp 127.0.0.1:{encaps}; assoc sport=5001 dport=5000; connect timeout=3000; \
         assoc; data \"kept\"; recv timeout=2000; abort"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .args(["-c", &script])
        .output()
        .expect("run sctp-craft");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    let pk = packets(&stdout);
    let init_ack = &pk.iter().find(|p| p.1 == ["INIT-ACK"]).expect("INIT-ACK").2;
    let at = init_ack.find("(tag=0x").unwrap() + 7;
    let peer_tag = &init_ack[at..at + 8];
    assert!(
        stdout.contains("ESTABLISHED"),
        "bare assoc shows the state:\n{stdout}"
    );
    assert!(
        stdout.contains(&format!("peer tag 0x{peer_tag}")),
        "bare assoc shows the peer's tag:\n{stdout}"
    );
    let data = &pk
        .iter()
        .find(|p| p.0 == '>' && p.1 == ["DATA"])
        .expect("DATA sent")
        .2;
    assert!(data.contains(&format!("vtag=0x{peer_tag}")), "{stdout}");
    let got = peer
        .wait_for("data ", STEP)
        .expect("the peer delivered the DATA");
    assert!(got.contains("text=kept"), "{got}");
}

/// Runs `script` against a fresh usrsctp peer over UDP (`{encaps}` in the
/// script is the peer's port); fails on a non-zero exit.
fn run_live(script: &str) -> (String, Peer) {
    let (peer, encaps) = Peer::start_udp_loopback(false);
    let script = script.replace("{encaps}", &encaps.to_string());
    let out = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .args(["-c", &script])
        .output()
        .expect("run sctp-craft");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    (stdout, peer)
}

/// Issue 15 item 6: `_` follows every command that sends a packet, so a bare
/// `send` after `connect` and `data` does not send a stale packet (here an
/// imported ABORT, which would kill the association).
#[test]
fn cli_bare_send_after_data_sends_that_data_not_a_stale_packet() {
    // An ABORT (ports 5001 -> 5000) imported first.
    let (stdout, mut peer) = run_live(
        "import 13891388000000000000000006000004; \
         peer udp 127.0.0.1:{encaps}; assoc sport=5001 dport=5000; connect timeout=3000; \
         data \"first\"; recv timeout=2000; \
         echo CURRENT; hexraw; send; recv timeout=2000",
    );
    // `_` after `data "first"` is that DATA (what went out), not the ABORT.
    let lines: Vec<&str> = stdout.lines().collect();
    let cur = lines.iter().position(|l| *l == "CURRENT").expect("CURRENT");
    let b = hex::decode(lines[cur + 1]).expect("hexraw of _");
    assert_eq!(
        b[12], 0,
        "_ is the DATA just sent, not the imported ABORT:\n{stdout}"
    );
    let resent = packets(&lines[cur + 2..].join("\n"));
    assert_eq!(resent[0].0, '>', "{stdout}");
    assert_eq!(resent[0].1, ["DATA"], "bare send sent:\n{stdout}");
    assert!(
        peer.wait_for("assoc_change state=COMM_LOST", Duration::from_millis(500))
            .is_none(),
        "the peer lost the association: {:?}",
        peer.log()
    );
}

/// Issue 15 item 6: `sr` prints as replies only packets received after its
/// send; the SACK for an earlier DATA, queued while the script slept, is
/// not one of them.
#[test]
fn cli_sr_replies_are_only_packets_received_after_its_send() {
    let (stdout, _peer) = run_live(
        "peer udp 127.0.0.1:{encaps}; assoc sport=5001 dport=5000; connect timeout=3000; \
         data \"second\"; sleep 600; \
         echo SR; sr data(user_data=\"third\") timeout=1500",
    );
    let lines: Vec<&str> = stdout.lines().collect();
    let sr = lines.iter().position(|l| *l == "SR").expect("SR");
    let after = packets(&lines[sr + 1..].join("\n"));
    let sent = after
        .iter()
        .position(|p| p.0 == '>' && p.1 == ["DATA"])
        .expect("sr sent its DATA");
    let tsn = field(&after[sent].2, "tsn=").unwrap();
    let replies: Vec<_> = after[sent + 1..].iter().filter(|p| p.0 == '<').collect();
    assert!(!replies.is_empty(), "no reply to sr:\n{stdout}");
    for r in replies {
        assert_eq!(
            field(&r.2, "cum_ack="),
            Some(tsn),
            "not a reply to sr: {}\n{stdout}",
            r.2
        );
    }
}
