//! `sctp-replay live` of INIT collisions (RFC 9260 5.2.1, 5.2.4 case D):
//! both sides connect at once and their INITs cross. As when the capture was
//! recorded, a UDP relay between the two live sides (`usrsctp_peer relay`)
//! holds each side's first datagram until the other side's has come, so the
//! INITs always cross.
//!
//! - `captures/usrsctp-init-collision.pcapng`, each side against usrsctp in
//!   the other role (the recording's commands): every expected chunk
//!   matches, and tshark sees the two INITs cross in the live exchange.
//! - Wireshark's SCTP-INIT-Collision.cap (association 9, after eight
//!   refused INITs), both sides played by our endpoint against each other.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

/// The relay of capture-tools/usrsctp_peer.c: what arrives on `a` goes to
/// `to_b` from `b`, what arrives on `b` goes to `to_a` from `a`.
fn relay(a: u16, b: u16, to_a: u16, to_b: u16) -> Peer {
    let p = Peer(
        Command::new(peer_binary())
            .args(["relay", &a.to_string(), &b.to_string()])
            .args([to_a.to_string(), to_b.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("relay"),
    );
    std::thread::sleep(Duration::from_millis(200));
    p
}

/// The chunk types of each frame of a record, as tshark reads them.
fn record_chunks(record: &Path, ports: &[u16]) -> Vec<(u16, Vec<u8>)> {
    tshark(record, ports, "sctp", &["udp.srcport", "sctp.chunk_type"])
        .iter()
        .map(|r| {
            (
                r[0].parse().unwrap(),
                r[1].split(',').map(|t| t.parse().unwrap()).collect(),
            )
        })
        .collect()
}

#[test]
fn usrsctp_init_collision_each_side_against_usrsctp() {
    let file = root().join("captures/usrsctp-init-collision.pcapng");
    let udp = ["--udp-port", "39899", "--udp-port", "39900"];
    for (k, side) in ["client", "server"].into_iter().enumerate() {
        // Our UDP port, the peer's, and the relay's two.
        let b = base() + 40 * k as u16;
        let (ours, theirs, ra, rb) = (b, b + 1, b + 2, b + 3);
        // We send to ra, the peer to rb; the relay delivers ours from rb to
        // the peer and the peer's from ra to us.
        let _relay = relay(ra, rb, ours, theirs);
        let out = tmp(&format!("collision-peer-{side}.txt"));
        // As scripts/record-captures.sh made it: the side on SCTP port 5000
        // waits for 3 messages and shuts down; the one on 5001 sends 3.
        let (peer_args, cmds) = if side == "client" {
            // We are 5000 (its INIT came first); the peer is 5001.
            (
                s(&["client", &theirs.to_string(), "127.0.0.1", "5001"]),
                "send 3 1 200 0;end;quit",
            )
        } else {
            (
                s(&["client", &theirs.to_string(), "127.0.0.1", "5000"]),
                "wait 3;shutdown;end;quit",
            )
        };
        let mut peer_args = peer_args;
        peer_args.extend(s(&[
            "127.0.0.1",
            &rb.to_string(),
            if side == "client" { "5000" } else { "5001" },
        ]));
        let run = Run {
            json: tmp(&format!("collision-{side}.json")),
            record: tmp(&format!("collision-{side}.pcap")),
            ports: (ours, ra),
        };
        let _ = std::fs::remove_file(&run.json);
        let child = live(&run.args(&file, side, &udp))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sctp-replay");
        let _peer = peer_logged(&peer_args, cmds, &out);
        let o = child.wait_with_output().expect("sctp-replay");
        let t = text(&o);
        assert_eq!(o.status.code(), Some(0), "collision as {side}:\n{t}");
        let r = json(&run.json);
        assert_eq!(r["summary"]["all_matched"], true, "{r}");
        let exp = r["expected"].as_array().unwrap();
        for c in ["INIT", "INIT_ACK", "COOKIE_ECHO", "COOKIE_ACK"] {
            assert!(
                exp.iter()
                    .any(|e| e["chunk"] == c && e["verdict"] == "matched"),
                "{side}: {c}: {r}"
            );
        }
        // The INITs crossed: tshark reads an INIT each way before any INIT
        // ACK in the live exchange, then an INIT ACK each way.
        let rec = record_chunks(&run.record, &[ours, ra]);
        let first: Vec<_> = rec.iter().take(4).collect();
        let init_from: Vec<u16> = first
            .iter()
            .filter(|(_, c)| c == &vec![1u8])
            .map(|(p, _)| *p)
            .collect();
        assert_eq!(init_from.len(), 2, "{side}: {rec:?}");
        assert_ne!(init_from[0], init_from[1], "{side}: {rec:?}");
        let ack_from: Vec<u16> = first
            .iter()
            .filter(|(_, c)| c == &vec![2u8])
            .map(|(p, _)| *p)
            .collect();
        assert_eq!(ack_from.len(), 2, "{side}: {rec:?}");
        assert_ne!(ack_from[0], ack_from[1], "{side}: {rec:?}");
        assert!(rec[..2].iter().all(|(_, c)| c == &vec![1u8]), "{rec:?}");
        // What reached usrsctp when we play the 5001 side: its 3 messages.
        if side == "server" {
            std::thread::sleep(Duration::from_millis(200));
            let got = std::fs::read_to_string(&out).unwrap();
            let data: Vec<_> = got.lines().filter(|l| l.starts_with("data ")).collect();
            let captured = tshark(
                &file,
                &[39899, 39900],
                "sctp.srcport == 5001 && sctp.chunk_type == 0",
                &["sctp.data_sid", "sctp.data_payload_proto_id"],
            );
            assert_eq!(data.len(), captured.len(), "{got}");
            for (l, c) in data.iter().zip(&captured) {
                assert!(l.contains(" len=200 "), "{l}");
                assert!(l.contains(&format!(" ppid={} ", c[1])), "{l} {c:?}");
            }
        }
    }
}

#[test]
fn wireshark_init_collision_against_our_own_endpoint() {
    // Association 9 of SCTP-INIT-Collision.cap: INITs cross (frames 17,
    // 18), INIT ACKs, COOKIE ECHOs and COOKIE ACKs cross, one message each
    // way, then the two SHUTDOWNs cross too (frames 29, 30).
    let file = root().join("../shared/captures/wireshark-wiki-sctp-init-collision.cap");
    let b = base() + 100;
    let (s_port, c_port, ra, rb) = (b, b + 1, b + 2, b + 3);
    let _relay = relay(ra, rb, s_port, c_port);
    let srv = Run {
        json: tmp("collision-ws-server.json"),
        record: tmp("collision-ws-server.pcap"),
        ports: (c_port, rb),
    };
    let cli = Run {
        json: tmp("collision-ws-client.json"),
        record: tmp("collision-ws-client.pcap"),
        ports: (s_port, ra),
    };
    let args = ["--assoc", "9", "--wait", "3000"];
    let child = live(&srv.args(&file, "server", &args))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sctp-replay");
    let c = live(&cli.args(&file, "client", &args))
        .output()
        .expect("sctp-replay");
    let o = child.wait_with_output().expect("sctp-replay");
    for (run, out, side) in [(&srv, &o, "server"), (&cli, &c, "client")] {
        let r = json(&run.json);
        let what = format!("collision {side}");
        check_verdicts(
            &what,
            &r,
            &file,
            &[],
            &run.record,
            &[run.ports.0, run.ports.1],
        );
        // The INIT collision and the data exchange are reproduced.
        for e in r["expected"].as_array().unwrap() {
            let chunk = e["chunk"].as_str().unwrap();
            if chunk.starts_with("SHUTDOWN") {
                // The SHUTDOWN collision is not: each side's SHUTDOWN waits
                // for what the capture shows before it, so one side's comes
                // first and the other answers with SHUTDOWN ACK. Whatever
                // did not happen is reported missing, and why.
                if e["verdict"] != "matched" {
                    assert_eq!(e["verdict"], "missing", "{what}: {e}");
                    assert!(
                        e["why"]
                            .as_str()
                            .unwrap()
                            .starts_with("the association ended first"),
                        "{what}: {e}"
                    );
                }
            } else {
                assert_eq!(e["verdict"], "matched", "{what}: {e}\n{}", text(out));
            }
        }
        let rec = record_chunks(&run.record, &[run.ports.0, run.ports.1]);
        assert!(rec[..2].iter().all(|(_, c)| c == &vec![1u8]), "{rec:?}");
        assert_eq!(r["messages_sent"], 1);
    }
}
