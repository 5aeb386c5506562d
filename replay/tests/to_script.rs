//! `sctp-replay to-script` on the usrsctp captures of `captures/`: each
//! side's script, run against the endpoint in the capture's other role,
//! passes (but one, whose difference is the congestion window); a capture
//! edited so that the endpoint's side did something else gives a script that
//! fails at the line of that packet.

use std::path::{Path, PathBuf};

use sctp_replay::runner::{run_text, Outcome, RunOptions};
use sctp_replay::to_script::{associations, generate, read_packets, script, Play};

fn capture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../captures")
        .join(format!("usrsctp-{name}.pcapng"))
}

fn run(name: &str, play: Play) -> (String, Outcome) {
    let s = generate(&capture(name), 1, play, &[]).expect("script");
    let r = run_text(&s, &RunOptions::default()).expect("the script parses");
    (s, r.outcome)
}

fn passes(name: &str, play: Play) {
    let (s, o) = run(name, play);
    assert_eq!(o, Outcome::Pass, "{name} {play:?}:\n{s}");
}

#[test]
fn echo() {
    passes("echo", Play::Client);
    passes("echo", Play::Server);
}

#[test]
fn bulk_fragmented() {
    passes("bulk-fragmented", Play::Client);
    passes("bulk-fragmented", Play::Server);
}

#[test]
fn unordered() {
    passes("unordered", Play::Client);
    passes("unordered", Play::Server);
}

#[test]
fn shutdown_server() {
    passes("shutdown-server", Play::Client);
    passes("shutdown-server", Play::Server);
}

#[test]
fn abort() {
    passes("abort", Play::Client);
    passes("abort", Play::Server);
}

#[test]
fn init_collision() {
    passes("init-collision", Play::Client);
    passes("init-collision", Play::Server);
}

#[test]
fn many_streams() {
    passes("many-streams", Play::Client);
    // The endpoint as the client, sending 64 small messages: its congestion
    // window fills before usrsctp's did, and the messages it holds go out
    // bundled when the next SACK comes; the script expects them one a packet.
    let (s, o) = run("many-streams", Play::Server);
    match o {
        Outcome::Fail { message, .. } => assert!(message.contains("DATA"), "{message}\n{s}"),
        Outcome::Pass => panic!("many-streams --play server passes now: make it a passes() case"),
    }
}

/// The server's first echoed message given another PPID in the capture: the
/// endpoint (playing the server) sends the PPID the script wrote for it, so
/// the script fails at that packet's line, on the PPID.
#[test]
fn edited_capture_fails_at_its_line() {
    let mut pkts = read_packets(&capture("echo"), &[]).expect("capture");
    let (server_port, mut frame) = (5000u16, None);
    for p in pkts.iter_mut() {
        let b = &mut p.bytes;
        // The first packet from the server whose first chunk is DATA.
        if p.src.1 == server_port && b.len() >= 28 && b[12] == 0 {
            b[24..28].copy_from_slice(&4242u32.to_be_bytes());
            frame = Some(p.frame);
            break;
        }
    }
    let frame = frame.expect("a DATA from the server");
    let a = associations(pkts).remove(0);
    let s = script(&a, Play::Client, "edited", 1);
    // The endpoint is told to send the PPID of the edited capture: the write
    // of that message carries htonl(4242), so make the endpoint's message the
    // original one again by writing the script's call with the real PPID.
    let s = s.replacen("htonl(4242)", "htonl(1000)", 1);
    let line = s
        .lines()
        .position(|l| l.starts_with("* >") && l.ends_with(&format!("// frame {frame}")))
        .expect("the frame's line")
        + 1;
    let r = run_text(&s, &RunOptions::default()).expect("parses");
    match r.outcome {
        Outcome::Fail { line: l, message } => {
            assert_eq!(l, line, "{message}\n{s}");
            assert!(
                message.contains("ppid: expected 4242, got 1000"),
                "{message}"
            );
        }
        Outcome::Pass => panic!("the edited capture's script passed:\n{s}"),
    }
}

/// Without `--udp-port`, every UDP port is searched, and only datagrams that
/// hold an SCTP packet with a right CRC32c are taken: on a VoLTE capture with
/// 106 UDP datagrams that are not SCTP, the packets read are exactly the
/// frames tshark shows as SCTP.
#[test]
fn the_search_of_every_udp_port_takes_only_sctp() {
    let file = Path::new("../../shared/captures/pcapr-s1ap-volte-iphone6-sll.pcap");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let ours: Vec<u64> = read_packets(&file, &[])
        .expect("capture")
        .iter()
        .map(|p| p.frame)
        .collect();
    let out = std::process::Command::new("tshark")
        .arg("-r")
        .arg(&file)
        .args(["-Y", "sctp", "-T", "fields", "-e", "frame.number"])
        .output()
        .expect("tshark");
    let tshark: Vec<u64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    assert_eq!(tshark.len(), 57);
    assert_eq!(ours, tshark);
}
