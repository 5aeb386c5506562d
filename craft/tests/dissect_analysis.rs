//! `sctp-craft dissect --analysis`: the per-packet analysis in JSON
//! (`"analysis": {...}`), the summary line and `-V`, against tshark's TSN
//! analysis (`-2 -o sctp.tsn_analysis:TRUE -o sctp.relative_tsns:FALSE`) on
//! captures without the cases where the two differ on purpose
//! (docs/analysis-vs-wireshark.md): per frame, the retransmitted TSNs with
//! the frame of their first transmission and the TSNs each SACK acknowledges
//! first, with their DATA frame and RTT, are tshark's; the summary line and
//! the tree say as many retransmissions and acknowledgements as the JSON.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// (TSN, first frame) of each retransmission; (TSN, DATA frame, RTT ns) of
/// each first acknowledgement.
type Marks = (Vec<(u64, u64)>, Vec<(u64, u64, i64)>);

fn files() -> Vec<(PathBuf, Vec<u16>)> {
    let shared = common::corpus_dir();
    let mut v: Vec<(PathBuf, Vec<u16>)> = [
        "tcpdump-forces2.pcap",
        "tcpdump-forces3.pcap",
        "pcapr-s1ap-volte-iphone6-sll.pcap",
        "usrsctp-fuzz-fragment-seeds.pcap",
        "5greplay-ngap-ue-authentication.pcapng",
    ]
    .iter()
    .map(|n| (shared.join(n), vec![9899]))
    .collect();
    for n in [
        "usrsctp-bulk-fragmented.pcapng",
        "usrsctp-many-streams.pcapng",
        "usrsctp-lossy.pcapng",
    ] {
        v.push((
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../captures")
                .join(n),
            vec![39899, 39900],
        ));
    }
    v
}

fn ns(s: &str) -> i64 {
    let (i, f) = s.split_once('.').unwrap_or((s, "0"));
    let mut f = f.to_string();
    f.truncate(9);
    while f.len() < 9 {
        f.push('0');
    }
    i.parse::<i64>().unwrap() * 1_000_000_000 + f.parse::<i64>().unwrap()
}

fn dissect(file: &Path, ports: &[u16], extra: &[&str]) -> String {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sctp-craft"));
    c.args(["dissect", "--analysis"]).args(extra);
    for p in ports {
        c.args(["--udp-port", &p.to_string()]);
    }
    let out = c.arg(file).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn ours(file: &Path, ports: &[u16]) -> BTreeMap<u64, Marks> {
    let mut m: BTreeMap<u64, Marks> = BTreeMap::new();
    for l in dissect(file, ports, &["--json"]).lines() {
        let v: Value = serde_json::from_str(l).expect("JSON line");
        let Some(frame) = v["frame"].as_u64() else {
            continue;
        };
        let e = m.entry(frame).or_default();
        for c in v["analysis"]["chunks"].as_array().into_iter().flatten() {
            if let Some(r) = c["data"]["retransmission"].as_object() {
                e.0.push((
                    c["data"]["tsn"].as_u64().unwrap(),
                    r["first_frame"].as_u64().unwrap_or(0),
                ));
            }
            for a in c["sack"]["acked"].as_array().into_iter().flatten() {
                e.1.push((
                    a["tsn"].as_u64().unwrap(),
                    a["frame"].as_u64().unwrap(),
                    ns(&format!("{:.9}", a["rtt"].as_f64().unwrap())),
                ));
            }
        }
        e.1.sort_unstable();
    }
    m.retain(|_, x| !x.0.is_empty() || !x.1.is_empty());
    m
}

fn tshark(file: &Path, ports: &[u16]) -> BTreeMap<u64, Marks> {
    let mut c = Command::new("tshark");
    c.arg("-r").arg(file).args([
        "-2",
        "-n",
        "-o",
        "sctp.tsn_analysis:TRUE",
        "-o",
        "sctp.relative_tsns:FALSE",
    ]);
    for p in ports {
        c.args(["-d", &format!("udp.port=={p},sctp")]);
    }
    let out = c
        .args(["-Y", "sctp", "-T", "pdml", "-J", "ip ipv6 udp sctp"])
        .output()
        .expect("tshark is needed");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut m: BTreeMap<u64, Marks> = BTreeMap::new();
    let mut rest = &text[..];
    while let Some(s) = rest.find("<packet>") {
        let Some(e) = rest[s..].find("</packet>") else {
            break;
        };
        let xml = &rest[s..s + e + 9];
        rest = &rest[s + e..];
        let Some(p) = common::tshark::parse_packet(xml).unwrap() else {
            continue;
        };
        let e = m.entry(p.frame).or_default();
        for ch in &p.chunks {
            if let (Some(tsn), Some(first)) = (ch.tsn, ch.all("sctp.retransmission").next()) {
                e.0.push((u64::from(tsn), first.show.parse().unwrap()));
            }
            let mut cur: Option<(u64, u64, i64)> = None;
            for f in &ch.fields {
                match f.name.as_str() {
                    "sctp.ack" => {
                        e.1.extend(cur.take());
                        cur = Some((f.show.parse().unwrap(), 0, 0));
                    }
                    "sctp.ack_frame" => cur.as_mut().unwrap().1 = f.show.parse().unwrap(),
                    "sctp.sack_rtt" => cur.as_mut().unwrap().2 = ns(&f.show),
                    _ => {}
                }
            }
            e.1.extend(cur);
        }
        e.1.sort_unstable();
    }
    m.retain(|_, x| !x.0.is_empty() || !x.1.is_empty());
    m
}

#[test]
fn json_analysis_equals_tsharks_and_text_says_the_same() {
    let (mut frames, mut marks, mut acks) = (0, 0, 0);
    for (file, ports) in files() {
        let name = common::name(&file);
        let (o, t) = (ours(&file, &ports), tshark(&file, &ports));
        assert_eq!(
            o, t,
            "{name}: per-frame retransmissions and acks (ours, tshark)"
        );
        frames += t.len();
        marks += t.values().map(|x| x.0.len()).sum::<usize>();
        acks += t.values().map(|x| x.1.len()).sum::<usize>();
        // The summary line and the tree say the same.
        let summary = dissect(&file, &ports, &[]);
        let retrans_lines = summary.matches(" retransmitted").count();
        assert_eq!(
            retrans_lines,
            o.values().map(|x| x.0.len()).sum::<usize>(),
            "{name}: summary"
        );
        let tree = dissect(&file, &ports, &["-V"]);
        assert_eq!(
            tree.matches("        acknowledges TSN ").count(),
            o.values().map(|x| x.1.len()).sum::<usize>(),
            "{name}: -V"
        );
    }
    eprintln!("dissect --analysis vs tshark: {frames} frames with marks, {marks} retransmissions, {acks} acks equal");
    assert!(marks >= 20 && acks >= 250, "{marks} {acks}");
}
