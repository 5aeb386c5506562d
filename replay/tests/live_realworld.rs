//! `sctp-replay live` of real-world associations from ../shared/captures
//! (the handshake with echo data, S1AP, ForCES, HTTP, Diameter, M3UA),
//! played over UDP encapsulation on 127.0.0.1 against usrsctp and against
//! our own endpoint (a second `sctp-replay live` playing the capture's
//! other side).
//!
//! Every verdict on DATA, INIT and INIT ACK is checked against tshark's
//! reading of the capture and of the recorded live exchange
//! (`check_verdicts`), what reached the live usrsctp peer is checked
//! against what the capture's played side sent (the peer prints each
//! message it receives), and the divergences each capture must show are
//! derived from tshark: the report must be right about what the capture's
//! peer did that the live one did not.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

/// A message as (stream, PPID, length).
type Msg = (u16, u32, usize);

fn shared(name: &str) -> PathBuf {
    root().join("../shared/captures").join(name)
}

/// The messages one side of a capture sent (`filter` selects its frames),
/// as tshark reads them: (stream, PPID, length), retransmissions once,
/// fragments joined.
fn sent_messages(file: &Path, filter: &str) -> Vec<(u16, u32, usize)> {
    let data = data_chunks(file, &[]);
    let frames: BTreeSet<u64> = tshark(
        file,
        &[],
        &format!("({filter}) && sctp.chunk_type == 0"),
        &["frame.number"],
    )
    .iter()
    .map(|r| r[0].parse().unwrap())
    .collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let mut partial: Option<(u16, u32, usize)> = None;
    for f in frames {
        for c in &data[&f] {
            if !seen.insert(c.tsn) {
                continue;
            }
            if c.flags & 2 != 0 {
                partial = Some((c.sid, c.ppid, 0));
            }
            if let Some(p) = partial.as_mut() {
                p.2 += c.len;
            }
            if c.flags & 1 != 0 {
                if let Some(p) = partial.take() {
                    out.push(p);
                }
            }
        }
    }
    out
}

/// DATA chunks (unique TSNs) in the frames of `file` that `filter` selects.
fn data_count(file: &Path, ports: &[u16], filter: &str) -> usize {
    tshark(
        file,
        ports,
        &format!("({filter}) && sctp.chunk_type == 0"),
        &["sctp.data_tsn_raw"],
    )
    .iter()
    .flat_map(|r| r[0].split(',').map(String::from).collect::<Vec<_>>())
    .collect::<BTreeSet<_>>()
    .len()
}

/// Checks what the report says about DATA against tshark: each verdict
/// (check_verdicts), and that the other side's captured DATA got a live
/// chunk as far as the live peer sent DATA, the rest missing, and the live
/// DATA beyond the captured ones extra.
fn check_data_accounting(what: &str, r: &serde_json::Value, live_data: usize) {
    let exp = r["expected"].as_array().unwrap();
    let data: Vec<_> = exp.iter().filter(|e| e["chunk"] == "DATA").collect();
    let paired = data.iter().filter(|e| !e["live_frame"].is_null()).count();
    assert_eq!(paired, data.len().min(live_data), "{what}: {r}");
    assert_eq!(
        data.iter().filter(|e| e["verdict"] == "missing").count(),
        data.len() - paired,
        "{what}"
    );
    let extra_data = r["extras"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["live"].as_str().unwrap().starts_with("DATA[") && x["tolerated"] == false)
        .count();
    assert_eq!(extra_data, live_data - paired, "{what}: {r}");
}

/// A usrsctp server (capture-tools/usrsctp_peer.c) on UDP port `udp` and
/// SCTP port `port`, its output in a file; killed on drop.
struct Server {
    peer: Peer,
    out: PathBuf,
}

fn usrsctp_server(udp: u16, port: u16, opts: &[&str], tag: &str) -> Server {
    let out = tmp(&format!("realworld-peer-{tag}.txt"));
    let mut c = Command::new(peer_binary())
        .args(["server", &udp.to_string(), "127.0.0.1", &port.to_string()])
        .args(opts)
        .stdin(Stdio::piped())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("usrsctp peer");
    use std::io::Write;
    let mut i = c.stdin.take().unwrap();
    i.write_all(b"end\nquit\n").unwrap();
    drop(i);
    std::thread::sleep(Duration::from_millis(300));
    Server { peer: Peer(c), out }
}

impl Server {
    /// (stream, PPID, length) of each message the peer received.
    fn received(&self) -> Vec<(u16, u32, usize)> {
        std::fs::read_to_string(&self.out)
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("data "))
            .map(|l| {
                let f = |k: &str| -> u64 {
                    l.split_whitespace()
                        .find_map(|w| w.strip_prefix(k))
                        .unwrap()
                        .parse()
                        .unwrap()
                };
                (f("sid=") as u16, f("ppid=") as u32, f("len=") as usize)
            })
            .collect()
    }
}

/// Plays the client side of association 1 of `file` against a usrsctp
/// server; returns the report, the run's exit status, the record and
/// its ports, and what the peer received.
fn client_vs_usrsctp(
    tag: &str,
    file: &Path,
    sctp_port: u16,
    opts: &[&str],
    n: u16,
) -> (serde_json::Value, Option<i32>, Run, Vec<Msg>) {
    let (ours, theirs) = (base() + 10 * n, base() + 10 * n + 1);
    let srv = usrsctp_server(theirs, sctp_port, opts, tag);
    let run = Run::new(&format!("realworld-{tag}"), ours, theirs);
    let plot = tmp(&format!("realworld-{tag}.svg"));
    let o = live(&run.args(
        file,
        "client",
        &["--wait", "2000", "--plot", plot.to_str().unwrap()],
    ))
    .output()
    .expect("sctp-replay");
    let r = json(&run.json);
    assert!(
        !r.is_null(),
        "{tag}: no report: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Give the peer a moment to print the last message.
    std::thread::sleep(Duration::from_millis(200));
    let got = srv.received();
    drop(srv.peer);
    (r, o.status.code(), run, got)
}

#[test]
fn handshake_with_echo_data_against_usrsctp_echo_matches_but_the_init_ack() {
    // Wireshark's sctp-test.cap: a client sends 60 messages to the echo
    // port (7) and the server echoes each one. A usrsctp echo server does
    // the same: every DATA and SACK matches; its INIT ACK differs from the
    // captured stack's where tshark says they differ.
    let file = shared("wireshark-wiki-sctp-test-handshake-data.cap");
    let (r, code, run, got) = client_vs_usrsctp("handshake-data", &file, 7, &["echo=1"], 0);
    let what = "handshake-data vs usrsctp";
    let rec_ports = [run.ports.0, run.ports.1];
    assert!(check_verdicts(what, &r, &file, &[], &run.record, &rec_ports) >= 61);
    let exp = r["expected"].as_array().unwrap();
    for e in exp.iter().filter(|e| e["chunk"] != "INIT_ACK") {
        assert_eq!(e["verdict"], "matched", "{what}: {e}");
    }
    let init_ack = exp.iter().find(|e| e["chunk"] == "INIT_ACK").unwrap();
    assert_eq!(init_ack["verdict"], "differed");
    assert_eq!(code, Some(1));
    // What reached usrsctp: the capture's client messages, in order.
    let sent = sent_messages(&file, "ip.src == 192.168.170.8");
    assert_eq!(sent.len(), 60);
    assert_eq!(got, sent, "{what}");
    check_data_accounting(
        what,
        &r,
        data_count(
            &run.record,
            &rec_ports,
            &format!("udp.srcport == {}", run.ports.1),
        ),
    );
}

#[test]
fn s1ap_without_handshake_against_usrsctp_echo() {
    // An S1AP association captured mid-way (no INIT): a fresh association
    // is set up with usrsctp, then the eNodeB's 32 messages are sent. The
    // echo server answers each; the captured MME answered 15 messages of
    // its own: each captured MME message is compared with the echo paired
    // with it (tshark's values), the remaining echoes are extra.
    let file = shared("pcapr-s1ap-volte-iphone6-sll.pcap");
    let (r, code, run, got) = client_vs_usrsctp("s1ap", &file, 36412, &["echo=1"], 2);
    let what = "s1ap vs usrsctp";
    let rec_ports = [run.ports.0, run.ports.1];
    assert_eq!(code, Some(1));
    assert!(
        r["notes"].as_array().unwrap().iter().any(|n| n
            .as_str()
            .unwrap()
            .contains("has no handshake in the capture")),
        "{r}"
    );
    // The live handshake is tolerated, not a divergence.
    for x in r["extras"].as_array().unwrap() {
        let l = x["live"].as_str().unwrap();
        if l.starts_with("INIT_ACK") || l.starts_with("COOKIE_ACK") {
            assert_eq!(x["tolerated"], true, "{x}");
        }
    }
    assert!(check_verdicts(what, &r, &file, &[], &run.record, &rec_ports) >= 15);
    let sent = sent_messages(&file, "sctp.srcport == 38341");
    assert_eq!(sent.len(), 32);
    assert_eq!(got, sent, "{what}");
    let live_data = data_count(
        &run.record,
        &rec_ports,
        &format!("udp.srcport == {}", run.ports.1),
    );
    assert_eq!(live_data, 32, "usrsctp echoes every message");
    check_data_accounting(what, &r, live_data);
}

#[test]
fn forces_against_a_silent_usrsctp_server() {
    // ForCES (tcpdump's forces2.pcap, association 1): the client's three
    // messages reach usrsctp; usrsctp has no ForCES application, so the
    // captured server's four messages are missing, and so is its
    // HEARTBEAT (usrsctp's heartbeat interval is 30 s); the client's
    // captured HEARTBEAT is injected and usrsctp's HEARTBEAT ACK matches.
    let file = shared("tcpdump-forces2.pcap");
    let (r, code, run, got) = client_vs_usrsctp("forces", &file, 6704, &[], 4);
    let what = "forces vs usrsctp";
    assert_eq!(code, Some(1));
    let rec_ports = [run.ports.0, run.ports.1];
    check_verdicts(what, &r, &file, &[], &run.record, &rec_ports);
    let sent = sent_messages(&file, "sctp.srcport == 33985");
    assert_eq!(got, sent, "{what}");
    let exp = r["expected"].as_array().unwrap();
    let missing: Vec<&str> = exp
        .iter()
        .filter(|e| e["verdict"] == "missing")
        .map(|e| e["chunk"].as_str().unwrap())
        .collect();
    let server_data = data_count(&file, &[], "sctp.srcport == 6704 && sctp.dstport == 33985");
    assert_eq!(
        missing.iter().filter(|c| **c == "DATA").count(),
        server_data,
        "{what}: {r}"
    );
    assert_eq!(
        missing.iter().filter(|c| **c != "DATA").collect::<Vec<_>>(),
        [&"HEARTBEAT"]
    );
    assert_eq!(r["injected"].as_array().unwrap().len(), 1);
    assert!(exp
        .iter()
        .any(|e| e["chunk"] == "HEARTBEAT_ACK" && e["verdict"] == "matched"));
    check_data_accounting(what, &r, 0);
}

#[test]
fn m3ua_against_usrsctp_echo_and_the_packet_the_capture_lacks() {
    // suricata's M3UA capture: the server acknowledges a client TSN that the
    // capture does not hold (a packet it missed). The report names it; the
    // echo server's answers are compared with the captured server's.
    let file = shared("suricata-verify-sctp-keywords-m3ua.pcap");
    let (r, code, run, got) = client_vs_usrsctp("m3ua", &file, 6303, &["echo=1"], 6);
    let what = "m3ua vs usrsctp";
    assert_eq!(code, Some(1));
    let rec_ports = [run.ports.0, run.ports.1];
    check_verdicts(what, &r, &file, &[], &run.record, &rec_ports);
    let client = "sctp.srcport == 2906 && sctp.dstport == 6303";
    let sent = sent_messages(&file, client);
    assert_eq!(got, sent, "{what}");
    // The TSNs the server acknowledged that the client's captured DATA lack.
    let client_tsns: BTreeSet<u32> = tshark(
        &file,
        &[],
        &format!("({client}) && sctp.chunk_type == 0"),
        &["sctp.data_tsn_raw"],
    )
    .iter()
    .flat_map(|r| {
        r[0].split(',')
            .map(|t| t.parse().unwrap())
            .collect::<Vec<u32>>()
    })
    .collect();
    let acked: BTreeSet<u32> = tshark(
        &file,
        &[],
        "sctp.srcport == 6303 && sctp.dstport == 2906 && sctp.chunk_type == 3",
        &["sctp.sack_cumulative_tsn_ack_raw"],
    )
    .iter()
    .flat_map(|r| {
        r[0].split(',')
            .map(|t| t.parse().unwrap())
            .collect::<Vec<u32>>()
    })
    .collect();
    let lacking: Vec<u32> = acked
        .iter()
        .filter(|t| {
            !client_tsns.contains(t)
                && **t > *client_tsns.first().unwrap()
                && **t < *client_tsns.last().unwrap()
        })
        .copied()
        .collect();
    assert_eq!(lacking.len(), 1, "{acked:?} {client_tsns:?}");
    assert!(
        r["notes"].as_array().unwrap().iter().any(|n| {
            let n = n.as_str().unwrap();
            n.contains("lacks 1 DATA of the played side")
                && n.contains(&format!("TSN {}", lacking[0]))
        }),
        "{r}"
    );
    let live_data = data_count(
        &run.record,
        &rec_ports,
        &format!("udp.srcport == {}", run.ports.1),
    );
    check_data_accounting(what, &r, live_data);
}

/// Plays both sides of association 1 of a shared capture against each
/// other: every verdict checked against tshark, and each side sent the
/// messages its captured side sent. Returns the two reports.
fn against_ourselves(
    name: &str,
    file: &Path,
    n: u16,
    client: &str,
    server: &str,
    extra: &[&str],
) -> (serde_json::Value, serde_json::Value) {
    let ((srv, scode), (cli, ccode)) =
        against_each_other(&format!("realworld-{name}"), file, n, extra);
    let (sr, cr) = (json(&srv.json), json(&cli.json));
    for (r, run, code, side) in [(&sr, &srv, scode, server), (&cr, &cli, ccode, client)] {
        let what = format!("{name} ({side} played) against ourselves");
        check_verdicts(
            &what,
            r,
            file,
            &[],
            &run.record,
            &[run.ports.0, run.ports.1],
        );
        let want = if r["summary"]["all_matched"] == true {
            0
        } else {
            1
        };
        assert_eq!(code, Some(want), "{what}");
        assert_eq!(
            r["messages_sent"].as_u64().unwrap() as usize,
            sent_messages(file, side).len(),
            "{what}"
        );
    }
    (sr, cr)
}

/// The verdicts of a report that are not "matched": (chunk, verdict).
fn not_matched(r: &serde_json::Value) -> Vec<(String, String)> {
    r["expected"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["verdict"] != "matched")
        .map(|e| {
            (
                e["chunk"].as_str().unwrap().to_string(),
                e["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn shared_captures_against_our_own_endpoint() {
    // Both sides of each association played by our endpoint against each
    // other. The handshake with echo data, S1AP (mid-association) and
    // ForCES (with a HEARTBEAT each way) match whole.
    for (k, (name, file, client, server)) in [
        (
            "handshake-data",
            "wireshark-wiki-sctp-test-handshake-data.cap",
            "ip.src == 192.168.170.8",
            "ip.src == 192.168.170.56",
        ),
        (
            "s1ap",
            "pcapr-s1ap-volte-iphone6-sll.pcap",
            "sctp.srcport == 38341",
            "sctp.srcport == 36412 && sctp.dstport == 38341",
        ),
        (
            "forces",
            "tcpdump-forces2.pcap",
            "sctp.srcport == 33985",
            "sctp.srcport == 6704 && sctp.dstport == 33985",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let (sr, cr) = against_ourselves(name, &shared(file), 10 + k as u16, client, server, &[]);
        assert_eq!(not_matched(&sr), [], "{name} server: {sr}");
        assert_eq!(not_matched(&cr), [], "{name} client: {cr}");
        assert_eq!(sr["summary"]["all_matched"], true, "{name}");
        assert_eq!(cr["summary"]["all_matched"], true, "{name}");
    }
    // M3UA captured mid-association on two taps (every packet twice), the
    // client's first SSN 2: the copies are not expected (a live peer
    // retransmits only what it lost), SSNs count from the first captured,
    // and everything matches.
    let file = shared("pcapr-m3ua-map-multi-assoc.pcap");
    let client = "ip.src == 10.129.1.2 && sctp.srcport == 2905 && ip.dst == 10.130.1.2";
    let server = "ip.src == 10.130.1.2 && sctp.srcport == 6010 && ip.dst == 10.129.1.2";
    let (sr, cr) = against_ourselves("m3ua-multi", &file, 13, client, server, &["--assoc", "3"]);
    for (r, other) in [(&sr, client), (&cr, server)] {
        assert_eq!(not_matched(r), [], "m3ua-multi: {r}");
        assert_eq!(r["summary"]["all_matched"], true);
        // One "not expected" per DATA chunk tshark sees again with a TSN
        // already seen from the other side.
        let tsns: Vec<String> = tshark(
            &file,
            &[],
            &format!("({other}) && sctp.chunk_type == 0"),
            &["sctp.data_tsn_raw"],
        )
        .into_iter()
        .flat_map(|r| r[0].split(',').map(String::from).collect::<Vec<_>>())
        .collect();
        let unique = tsns.iter().collect::<BTreeSet<_>>().len();
        assert!(tsns.len() > unique);
        assert_eq!(
            r["not_expected"].as_array().unwrap().len(),
            tsns.len() - unique,
            "{r}"
        );
    }
    let ssn_counted = sr["expected"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["chunk"] == "DATA")
        .count();
    assert_eq!(ssn_counted, 3);

    // HTTP and Diameter: everything matches but the INIT and INIT ACK, whose
    // parameters differ where tshark reads them differently (checked in
    // against_ourselves): the captured stacks listed their addresses and an
    // Adaptation Layer Indication, which ours does not send.
    for (k, (name, file, client, server)) in [
        (
            "www-http",
            "wireshark-wiki-sctp-www-http.cap",
            "sctp.srcport == 32836",
            "sctp.srcport == 80 && sctp.dstport == 32836",
        ),
        (
            "diameter",
            "arkime-diameter-synthetic.pcap",
            "sctp.srcport == 47000",
            "sctp.srcport == 3868 && sctp.dstport == 47000",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let (sr, cr) = against_ourselves(name, &shared(file), 14 + k as u16, client, server, &[]);
        assert_eq!(
            not_matched(&sr),
            [("INIT".into(), "differed".into())],
            "{name}: {sr}"
        );
        assert_eq!(
            not_matched(&cr),
            [("INIT_ACK".into(), "differed".into())],
            "{name}: {cr}"
        );
    }
}

/// The colour of each pixel of column `x` of a PNG, as ImageMagick reads it
/// (`#RRGGBB`, index = y).
fn png_column(png: &Path, x: u32) -> Vec<String> {
    let o = Command::new("convert")
        .arg(png)
        .args(["-crop", &format!("1x100000+{x}+0"), "txt:-"])
        .output()
        .expect("convert (apt-get install imagemagick)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().nth(2).unwrap_or("").to_string())
        .collect()
}

/// An SVG attribute's value in an element's text.
fn attr<'a>(el: &'a str, name: &str) -> &'a str {
    el.split(&format!(" {name}=\""))
        .nth(1)
        .and_then(|v| v.split('"').next())
        .unwrap_or_else(|| panic!("no {name} in {el}"))
}

#[test]
fn the_plot_renders_in_headless_chromium() {
    // The M3UA run against a usrsctp echo server (matched, differed,
    // missing and tolerated rows), its --plot opened in headless Chromium
    // (Debian's chromium, scripts/install-deps.sh) and screenshot: the
    // page is the SVG's size, and every verdict mark of the diagram is drawn
    // in its verdict's colour at its place, in the report's order.
    let file = shared("suricata-verify-sctp-keywords-m3ua.pcap");
    let (r, _, _, _) = client_vs_usrsctp("m3ua-plot", &file, 6303, &["echo=1"], 8);
    let svg_path = tmp("realworld-m3ua-plot.svg");
    let svg = std::fs::read_to_string(&svg_path).expect("plot");
    let root_el = svg.split('>').next().unwrap();
    let (w, h): (u32, u32) = (
        attr(root_el, "width").parse().unwrap(),
        attr(root_el, "height").parse().unwrap(),
    );
    let png = tmp("realworld-m3ua-plot.png");
    let _ = std::fs::remove_file(&png);
    let o = Command::new("chromium")
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            &format!("--window-size={w},{h}"),
            &format!("--screenshot={}", png.display()),
        ])
        .arg(format!("file://{}", svg_path.display()))
        .output()
        .expect("chromium (apt-get install chromium)");
    assert!(
        o.status.success() && png.exists(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // PNG header: width and height.
    let b = std::fs::read(&png).unwrap();
    assert_eq!(&b[1..4], b"PNG");
    let dim = |k: usize| u32::from_be_bytes(b[k..k + 4].try_into().unwrap());
    assert_eq!((dim(16), dim(20)), (w, h));
    // The verdict marks: one circle per row, in the report's order
    // (extras among the expected chunks where they came).
    let circles: Vec<(u32, u32, String)> = svg
        .split("<circle")
        .skip(1)
        .map(|c| {
            (
                attr(c, "cx").parse::<f64>().unwrap() as u32,
                attr(c, "cy").parse::<f64>().unwrap() as u32,
                attr(c, "fill").to_uppercase(),
            )
        })
        .collect();
    let colour = |v: &str| match v {
        "matched" => "#2E7D32",
        "differed" => "#EF6C00",
        "missing" => "#D32F2F",
        _ => "#9E9E9E",
    };
    let mut want: Vec<&str> = Vec::new();
    let extras = r["extras"].as_array().unwrap();
    let extra_rows = |k: u64, want: &mut Vec<&str>| {
        for x in extras.iter().filter(|x| x["after_expected"] == k) {
            want.push(if x["tolerated"] == true {
                "#9E9E9E"
            } else {
                "#D32F2F"
            });
        }
    };
    extra_rows(0, &mut want);
    for (i, e) in r["expected"].as_array().unwrap().iter().enumerate() {
        want.push(colour(e["verdict"].as_str().unwrap()));
        extra_rows(i as u64 + 1, &mut want);
    }
    let svg_colours: Vec<&str> = circles.iter().map(|c| c.2.as_str()).collect();
    assert_eq!(svg_colours, want, "{r}");
    for v in ["#2E7D32", "#EF6C00", "#D32F2F", "#9E9E9E"] {
        assert!(want.contains(&v), "the run shows every verdict: {want:?}");
    }
    // Chromium drew each mark in its colour: beside the glyph in the
    // circle's middle (radius 9).
    let col = png_column(&png, circles[0].0 + 7);
    for (_, cy, fill) in &circles {
        assert_eq!(&col[*cy as usize], fill, "mark at y={cy}");
    }
    // And the capture's arrows are drawn (blue, #1565C0, antialiased): one
    // run of bluish pixels per captured chunk, crossing column 300.
    let bluish = |c: &String| {
        let v = |k: usize| u8::from_str_radix(&c[k..k + 2], 16).unwrap_or(0) as i32;
        c.len() == 7 && v(5) > v(1) + 60
    };
    let col = png_column(&png, 300);
    let runs = col
        .windows(2)
        .filter(|p| bluish(&p[1]) && !bluish(&p[0]))
        .count();
    assert_eq!(runs, r["expected"].as_array().unwrap().len());
}
