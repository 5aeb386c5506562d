//! `sctp-craft assoc --json` against tshark and against how the project's
//! captures were made:
//!
//! - on every shared and project capture, the chunk counts of every
//!   direction and path, summed per source and destination address and
//!   port, equal tshark's `-z sctp,stat`; each direction's retransmissions
//!   equal the `sctp.retransmission` marks tshark (TSN analysis on) puts on
//!   that direction's frames; each direction's RTT minimum, mean and maximum
//!   equal those of the `sctp.sack_rtt` values tshark gives for its TSNs
//!   (TSNs sent again later left out, as ours), where tshark acknowledges
//!   the same TSNs (docs/analysis-vs-wireshark.md says where it does not);
//! - on the usrsctp captures, messages, streams, fragmentation and endings
//!   are those captures/README.md describes.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_sctp-craft")
}

fn project(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../captures")
        .join(name)
}

const USRSCTP_PORTS: [u16; 3] = [9899, 39899, 39900];

/// `sctp-craft assoc --json` of `file`: one value per association.
fn assoc(file: &Path, ports: &[u16]) -> Vec<Value> {
    let mut c = Command::new(bin());
    c.args(["assoc", "--json"]);
    for p in ports {
        c.args(["--udp-port", &p.to_string()]);
    }
    let out = c.arg(file).output().unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON line")["association"].clone())
        .collect()
}

fn tshark(file: &Path, ports: &[u16], args: &[&str]) -> String {
    let mut c = Command::new("tshark");
    c.arg("-r").arg(file);
    for p in ports {
        c.args(["-d", &format!("udp.port=={p},sctp")]);
    }
    let out = c.args(args).output().expect("tshark is needed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A copy of `file` without the frames tshark cannot dissect whole.
fn clean(file: &Path, ports: &[u16], dir: &Path) -> PathBuf {
    let out = dir.join(format!("{}.pcapng", common::name(file)));
    tshark(
        file,
        ports,
        &[
            "-Y",
            "!_ws.malformed && !_ws.short && !_ws.unreassembled",
            "-F",
            "pcapng",
            "-w",
            out.to_str().unwrap(),
        ],
    );
    out
}

type Dir = (String, u16, String, u16);
/// Chunk type of each of tshark's `-z sctp,stat` columns, in its order.
const COLUMNS: [u8; 10] = [0x00, 0x03, 0x04, 0x05, 0x01, 0x02, 0x0A, 0x0B, 0x06, 0x09];

fn stat_tshark(file: &Path, ports: &[u16]) -> BTreeMap<Dir, [u64; 10]> {
    let mut t = BTreeMap::new();
    for l in tshark(file, ports, &["-q", "-z", "sctp,stat"]).lines() {
        let c: Vec<&str> = l.split('|').map(str::trim).collect();
        if c.len() != 16 {
            continue;
        }
        let (Ok(sp), Ok(dp)) = (c[2].parse(), c[4].parse()) else {
            continue;
        };
        let mut n = [0u64; 10];
        for (k, x) in c[5..15].iter().enumerate() {
            n[k] = x.parse().unwrap_or(0);
        }
        t.insert((c[1].to_string(), sp, c[3].to_string(), dp), n);
    }
    if t.values().flatten().any(|&n| n == 2048) {
        // tshark's tap record holds at most 2,048 chunks a packet.
        let all: Vec<u8> = tshark(file, ports, &["-T", "fields", "-e", "sctp.chunk_type"])
            .split([',', '\n'])
            .filter_map(|x| x.trim().parse().ok())
            .collect();
        for n in t.values_mut() {
            for (k, ty) in COLUMNS.iter().enumerate() {
                n[k] = all.iter().filter(|x| *x == ty).count() as u64;
            }
        }
    }
    t
}

fn stat_ours(assocs: &[Value]) -> BTreeMap<Dir, [u64; 10]> {
    let mut t = BTreeMap::new();
    for a in assocs {
        for d in a["directions"].as_array().unwrap() {
            let (sp, dp) = (
                d["src_port"].as_u64().unwrap(),
                d["dst_port"].as_u64().unwrap(),
            );
            for p in d["paths"].as_array().unwrap() {
                let k = (
                    p["src"].as_str().unwrap().to_string(),
                    sp as u16,
                    p["dst"].as_str().unwrap().to_string(),
                    dp as u16,
                );
                let row = t.entry(k).or_insert([0u64; 10]);
                for (i, ty) in COLUMNS.iter().enumerate() {
                    row[i] += p["chunks"][ty.to_string()].as_u64().unwrap_or(0);
                }
            }
        }
    }
    t
}

/// An RTT sample of tshark: TSN, RTT in ns, frame of the SACK.
type Sample = (u32, i64, u64);

/// One frame of tshark's TSN analysis.
#[derive(Debug, Default)]
struct TFrame {
    frame: u64,
    src: String,
    dst: String,
    sport: u16,
    dport: u16,
    vtag: u32,
    /// (TSN, retransmission delay in ns) of each retransmitted DATA chunk.
    retrans: Vec<(u32, i64)>,
    /// (TSN, RTT ns) of each first acknowledgement.
    acks: Vec<(u32, i64)>,
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

fn list(s: &str) -> Vec<&str> {
    s.split(',').filter(|x| !x.is_empty()).collect()
}

fn tsn_analysis(file: &Path, ports: &[u16]) -> Vec<TFrame> {
    let text = common::tshark::tsn_analysis_fields(
        file,
        ports,
        "sctp",
        &[
            "frame.number",
            "ip.src",
            "ipv6.src",
            "ip.dst",
            "ipv6.dst",
            "sctp.srcport",
            "sctp.dstport",
            "sctp.verification_tag",
            "sctp.retransmission_time",
            "sctp.ack",
            "sctp.sack_rtt",
        ],
    );
    let mut v = Vec::new();
    for l in text.lines() {
        let c: Vec<&str> = l.split('\t').collect();
        let frame: u64 = c[0].parse().unwrap_or(0);
        let c = &c[1..];
        if c.len() < 10 {
            continue;
        }
        let first = |a: &str, b: &str| {
            list(a)
                .last()
                .or(list(b).last())
                .map(|x| x.to_string())
                .unwrap_or_default()
        };
        let Some(vtag) = list(c[6])
            .first()
            .and_then(|x| u32::from_str_radix(x.trim_start_matches("0x"), 16).ok())
        else {
            continue;
        };
        let mut f = TFrame {
            frame,
            src: first(c[0], c[1]),
            dst: first(c[2], c[3]),
            sport: list(c[4]).first().and_then(|x| x.parse().ok()).unwrap_or(0),
            dport: list(c[5]).first().and_then(|x| x.parse().ok()).unwrap_or(0),
            vtag,
            ..TFrame::default()
        };
        // The retransmission delays come in chunk order; their TSNs are not
        // in this output, and only whether a TSN was sent again matters.
        f.retrans = list(c[7]).iter().map(|d| (0, ns(d))).collect();
        let acks = list(c[8]);
        let rtts = list(c[9]);
        f.acks = acks
            .iter()
            .zip(&rtts)
            .filter_map(|(a, r)| Some((a.parse().ok()?, ns(r))))
            .collect();
        v.push(f);
    }
    v
}

/// (association index, direction index) of a tshark frame, by ports, tag
/// and path.
fn locate(assocs: &[Value], f: &TFrame) -> Option<(usize, usize)> {
    for (i, a) in assocs.iter().enumerate() {
        for (k, d) in a["directions"].as_array().unwrap().iter().enumerate() {
            let same = d["src_port"].as_u64() == Some(u64::from(f.sport))
                && d["dst_port"].as_u64() == Some(u64::from(f.dport))
                && d["vtag"].as_u64() == Some(u64::from(f.vtag))
                && d["paths"].as_array().unwrap().iter().any(|p| {
                    p["src"].as_str() == Some(f.src.as_str())
                        && p["dst"].as_str() == Some(f.dst.as_str())
                });
            if same {
                return Some((i, k));
            }
        }
    }
    None
}

/// The per-TSN RTT samples of the per-packet analysis (TSNs sent again at
/// another time left out): (association id, direction index) -> TSN -> ns.
fn library_rtts(file: &Path, ports: &[u16]) -> HashMap<(usize, usize), BTreeMap<u32, i64>> {
    use sctp_codec::analysis::capture::{analyze_file, ReadOptions};
    use sctp_codec::analysis::{Config, Note};
    let mut m: HashMap<(usize, usize), BTreeMap<u32, i64>> = HashMap::new();
    let opts = ReadOptions {
        link: sctp_codec::link::LinkConfig {
            udp_ports: ports.to_vec(),
        },
        ..ReadOptions::default()
    };
    let _ = analyze_file(file, &opts, Config::default(), |_, _, r| {
        let Some(at) = r.assoc else { return };
        for n in &r.notes {
            if let Note::Sack(s) = &n.note {
                for x in s.acked.iter().filter(|x| !x.retransmitted) {
                    m.entry((at.id, at.dir.flip().index()))
                        .or_default()
                        .insert(x.tsn, x.rtt_ns);
                }
            }
        }
    });
    m
}

#[test]
fn tables_equal_tsharks_counts_retransmissions_and_rtts() {
    let dir = std::env::temp_dir().join(format!("sctpkit-assoc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files: Vec<(PathBuf, Vec<u16>)> = common::corpus_files()
        .into_iter()
        .map(|f| (f, vec![9899]))
        .collect();
    for n in [
        "handshake.pcap",
        "usrsctp-echo.pcapng",
        "usrsctp-bulk-fragmented.pcapng",
        "usrsctp-many-streams.pcapng",
        "usrsctp-unordered.pcapng",
        "usrsctp-shutdown-server.pcapng",
        "usrsctp-abort.pcapng",
        "usrsctp-init-collision.pcapng",
        "usrsctp-auth.pcapng",
        "usrsctp-lossy.pcapng",
    ] {
        files.push((project(n), USRSCTP_PORTS.to_vec()));
    }
    let (mut rows, mut retrans_dirs, mut rtt_equal, mut rtt_differ_tsns) = (0, 0, 0, 0);
    for (file, ports) in &files {
        let name = common::name(file);
        let file = clean(file, ports, &dir);
        let assocs = assoc(&file, ports);
        let (theirs, ours) = (stat_tshark(&file, ports), stat_ours(&assocs));
        assert_eq!(
            ours, theirs,
            "{name}: per-direction chunk counts vs -z sctp,stat"
        );
        rows += theirs.len();
        // Retransmissions and RTT samples per direction, as tshark gives them.
        let mut retrans: HashMap<(usize, usize), u64> = HashMap::new();
        // (association, direction, TSN) -> frame of its first delayed resend.
        let mut resent: HashMap<(usize, usize, u32), u64> = HashMap::new();
        // (association, DATA direction) -> (TSN, RTT, frame of the SACK).
        let mut samples: HashMap<(usize, usize), Vec<Sample>> = HashMap::new();
        let frames = tsn_analysis(&file, ports);
        let lib = library_rtts(&file, ports);
        for f in &frames {
            if f.vtag == 0 {
                continue;
            }
            let Some((a, d)) = locate(&assocs, f) else {
                panic!("{name}: no association for {f:?}");
            };
            *retrans.entry((a, d)).or_default() += f.retrans.len() as u64;
            samples
                .entry((a, 1 - d))
                .or_default()
                .extend(f.acks.iter().map(|&(t, r)| (t, r, f.frame)));
        }
        // TSNs tshark saw sent again after a delay (Karn's rule leaves them out).
        let later = tshark(
            &file,
            ports,
            &[
                "-2",
                "-n",
                "-o",
                "sctp.tsn_analysis:TRUE",
                "-o",
                "sctp.relative_tsns:FALSE",
                "-Y",
                "sctp.retransmission_time > 0",
                "-T",
                "pdml",
                "-J",
                "ip ipv6 udp sctp",
            ],
        );
        let mut rest = &later[..];
        while let Some(s) = rest.find("<packet>") {
            let Some(e) = rest[s..].find("</packet>") else {
                break;
            };
            let xml = &rest[s..s + e + 9];
            rest = &rest[s + e..];
            let Some(p) = common::tshark::parse_packet(xml).unwrap() else {
                continue;
            };
            let f = TFrame {
                src: p.src.map(|x| x.to_string()).unwrap_or_default(),
                dst: p.dst.map(|x| x.to_string()).unwrap_or_default(),
                sport: p.src_port.unwrap_or(0),
                dport: p.dst_port.unwrap_or(0),
                vtag: p.vtag.unwrap_or(0),
                ..TFrame::default()
            };
            let Some((a, d)) = locate(&assocs, &f) else {
                continue;
            };
            for ch in &p.chunks {
                let delayed = ch
                    .all("sctp.retransmission_time")
                    .next()
                    .is_some_and(|t| ns(&t.show) > 0);
                if let (true, Some(tsn)) = (delayed, ch.tsn) {
                    let e = resent.entry((a, d, tsn)).or_insert(p.frame);
                    *e = (*e).min(p.frame);
                }
            }
        }
        for (a, v) in assocs.iter().enumerate() {
            for (d, dir) in v["directions"].as_array().unwrap().iter().enumerate() {
                let want = retrans.get(&(a, d)).copied().unwrap_or(0);
                assert_eq!(
                    dir["retransmissions"].as_u64().unwrap(),
                    want,
                    "{name}: association {} {}: retransmissions",
                    a + 1,
                    dir["dir"]
                );
                if want > 0 {
                    retrans_dirs += 1;
                }
                // tshark's RTT per TSN, those acknowledged after a resend left out.
                let t: BTreeMap<u32, i64> = samples
                    .get(&(a, d))
                    .into_iter()
                    .flatten()
                    // Karn: an acknowledgement after a resend is no sample.
                    .filter(|(tsn, _, at)| resent.get(&(a, d, *tsn)).is_none_or(|r| r > at))
                    .map(|&(tsn, rtt, _)| (tsn, rtt))
                    .collect();
                let o = lib.get(&(a + 1, d)).cloned().unwrap_or_default();
                let rtt = &dir["rtt"];
                let n = rtt["samples"].as_u64().unwrap_or(0) as usize;
                let sec = |k: &str| (rtt[k].as_f64().unwrap_or(0.0) * 1e9).round() as i64;
                // The table sums what the per-packet analysis measured.
                assert_eq!(n, o.len(), "{name} assoc {}: samples", a + 1);
                if let (Some(min), Some(max)) = (o.values().min(), o.values().max()) {
                    let avg = o.values().map(|&x| x as f64).sum::<f64>() / n as f64;
                    assert_eq!((sec("min"), sec("max")), (*min, *max), "{name}");
                    assert!((sec("avg") as f64 - avg).abs() <= 1.0, "{name}: avg");
                }
                if t.is_empty() {
                    continue;
                }
                if t == o {
                    rtt_equal += 1;
                } else {
                    let differ: Vec<u32> = t
                        .keys()
                        .chain(o.keys())
                        .filter(|k| t.get(k) != o.get(k))
                        .copied()
                        .collect::<HashSet<u32>>()
                        .into_iter()
                        .collect();
                    eprintln!(
                        "{name} assoc {} {}: RTT differs on TSNs {differ:?}",
                        a + 1,
                        dir["dir"]
                    );
                    rtt_differ_tsns += differ.len();
                }
            }
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    eprintln!(
        "assoc vs tshark: {} captures, {rows} -z sctp,stat rows equal, {retrans_dirs} directions with retransmissions counted alike, per-TSN RTTs (and so min/avg/max) equal on {rtt_equal} directions, {rtt_differ_tsns} TSNs differ",
        files.len()
    );
    assert!(
        rows >= 150 && retrans_dirs >= 5 && rtt_equal >= 20,
        "too little compared"
    );
}

/// The association of a project capture.
fn only(name: &str) -> Value {
    let v = assoc(&project(name), &USRSCTP_PORTS);
    assert_eq!(v.len(), 1, "{name}: one association");
    v[0].clone()
}

fn dir(a: &Value, port: u64) -> &Value {
    a["directions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["src_port"].as_u64() == Some(port))
        .unwrap()
}

#[test]
fn usrsctp_captures_show_what_they_were_made_of() {
    // Client port 5001, server port 5000 (captures/README.md).
    let a = only("usrsctp-echo.pcapng");
    for p in [5001, 5000] {
        let d = dir(&a, p);
        assert_eq!(d["messages"], 10, "10 messages of 100 bytes each way");
        assert_eq!(
            (d["message_min"].as_u64(), d["message_max"].as_u64()),
            (Some(100), Some(100))
        );
    }
    assert_eq!(a["ending"]["kind"], "shutdown");
    assert_eq!(
        dir(&a, 5001)["dir"],
        a["ending"]["by"],
        "the client shuts down"
    );
    assert!(a["ending"]["shutdown_complete_frame"].is_u64());

    let a = only("usrsctp-bulk-fragmented.pcapng");
    let c = dir(&a, 5001);
    assert_eq!(
        (c["messages"].as_u64(), c["fragmented_messages"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(
        (c["message_min"].as_u64(), c["message_max"].as_u64()),
        (Some(65536), Some(65536))
    );
    assert_eq!(c["data_chunks"], 92, "46 DATA chunks a message");

    let a = only("usrsctp-many-streams.pcapng");
    let streams = |port: u64| {
        let d = dir(&a, port)["dir"].clone();
        a["streams"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["dir"] == d)
            .count()
    };
    assert_eq!((streams(5001), streams(5000)), (32, 16));
    assert_eq!(dir(&a, 5001)["messages"], 64);
    assert_eq!(dir(&a, 5000)["messages"], 32);
    let n = &a["negotiated"];
    assert_eq!(
        (n["streams_forward"].as_u64(), n["streams_reverse"].as_u64()),
        (Some(64), Some(64))
    );

    let a = only("usrsctp-shutdown-server.pcapng");
    assert_eq!(a["ending"]["kind"], "shutdown");
    assert_eq!(
        dir(&a, 5000)["dir"],
        a["ending"]["by"],
        "the server shuts down"
    );

    let a = only("usrsctp-abort.pcapng");
    assert_eq!(a["ending"]["kind"], "abort");
    assert_eq!(dir(&a, 5001)["dir"], a["ending"]["by"], "the client aborts");
    assert_eq!(
        a["ending"]["causes"],
        serde_json::json!([12]),
        "User-Initiated Abort"
    );

    let a = only("usrsctp-init-collision.pcapng");
    assert_eq!(a["ending"]["kind"], "shutdown");
    assert_eq!(
        dir(&a, 5000)["dir"],
        a["ending"]["by"],
        "a SHUTDOWN from 5000"
    );
    assert!(a["init"][0].is_object() && a["init"][1].is_object());
}
