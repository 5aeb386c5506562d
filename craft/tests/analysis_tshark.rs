//! The association analysis (`sctp_codec::analysis`) against Wireshark's
//! built-in SCTP dissector with TSN analysis on, frame by frame, on every
//! shared capture and on the project's usrsctp captures:
//!
//! - retransmission marks (`sctp.retransmission`, the frame of the first
//!   transmission) on every DATA and I-DATA chunk;
//! - retransmissions of already acknowledged TSNs (`sctp.retransmitted_after_ack`);
//! - the TSNs each SACK acknowledges first, with the DATA frame and the RTT
//!   (`sctp.ack`, `sctp.ack_frame`, `sctp.sack_rtt`);
//! - per-direction chunk counts of every association against `-z sctp,stat`.
//!
//! tshark runs two-pass (`-2`) with `sctp.tsn_analysis:TRUE` and
//! `sctp.relative_tsns:FALSE`: with relative TSNs on (its default), Wireshark
//! 4.0 to 4.6 subtract the first TSN twice in SACK analysis and never link a
//! SACK to its DATA. The cases where our analysis differs on purpose are
//! counted and listed (docs/analysis-vs-wireshark.md explains each); any other
//! difference fails the test.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::tshark::{parse_packet, TPacket};
use sctp_codec::analysis::capture::{analyze_file, ReadOptions};
use sctp_codec::analysis::{AssocSummary, Config, Note};
use sctp_codec::link::LinkConfig;

/// A capture and the UDP ports carrying SCTP in it (RFC 6951).
struct Capture {
    path: PathBuf,
    udp_ports: Vec<u16>,
}

fn captures() -> Vec<Capture> {
    let mut v: Vec<Capture> = common::corpus_files()
        .into_iter()
        .map(|path| Capture {
            path,
            udp_ports: vec![9899],
        })
        .collect();
    let own = Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures");
    let filter = std::env::var("ORACLE_FILES").unwrap_or_default();
    let mut names: Vec<PathBuf> = std::fs::read_dir(&own)
        .expect("captures/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pcapng" || x == "pcap"))
        .filter(|p| {
            filter.is_empty()
                || filter
                    .split(',')
                    .any(|f| !f.is_empty() && common::name(p).contains(f))
        })
        .collect();
    names.sort();
    for path in names {
        v.push(Capture {
            path,
            udp_ports: vec![9899, 39899, 39900],
        });
    }
    v
}

/// What one DATA or I-DATA chunk carries: TSN, frame of the first
/// transmission when a retransmission, frame of an earlier acknowledgement,
/// time since the first transmission (ns).
type Mark = (u32, Option<u64>, Option<u64>, Option<i64>);
/// One first acknowledgement: TSN, frame of the DATA, RTT in nanoseconds.
type AckRow = (u32, u64, i64);

/// What acknowledged a TSN in our analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AckKind {
    /// A SACK's Cumulative TSN Ack.
    Cum,
    /// A SACK's Gap Ack Block (or NR Gap Ack Block).
    Gap,
    /// A SHUTDOWN's Cumulative TSN Ack (RFC 9260 9.2).
    Shutdown,
}

#[derive(Debug, Default, Clone, PartialEq)]
struct Frame {
    marks: Vec<Mark>,
    acks: Vec<AckRow>,
    /// Ours only: what acknowledged each of `acks`.
    kinds: Vec<(AckRow, AckKind)>,
}

/// "0.000079790" (seconds) in nanoseconds, exactly.
fn seconds_ns(s: &str) -> Option<i64> {
    let s = s.split_whitespace().next()?;
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (i, f) = s.split_once('.').unwrap_or((s, "0"));
    let mut frac = f.to_string();
    frac.truncate(9);
    while frac.len() < 9 {
        frac.push('0');
    }
    let ns = i.parse::<i64>().ok()? * 1_000_000_000 + frac.parse::<i64>().ok()?;
    Some(if neg { -ns } else { ns })
}

/// The addressing of one frame, for the model of tshark's direction pairing.
#[derive(Debug, Clone)]
struct Addressing {
    src: String,
    dst: String,
    sport: u16,
    dport: u16,
    vtag: u32,
}

/// tshark's view of a capture: the frames, and each frame's addressing.
fn tshark_frames(file: &Path, c: &Capture) -> (BTreeMap<u64, Frame>, BTreeMap<u64, Addressing>) {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(file).args([
        "-2",
        "-n",
        "-o",
        "sctp.tsn_analysis:TRUE",
        "-o",
        "sctp.relative_tsns:FALSE",
    ]);
    for p in &c.udp_ports {
        cmd.args(["-d", &format!("udp.port=={p},sctp")]);
    }
    cmd.args(["-Y", "sctp", "-T", "pdml", "-J", "ip ipv6 udp sctp"]);
    let out = cmd.output().expect("tshark is needed");
    assert!(
        out.status.success(),
        "tshark {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let (mut frames, mut addressing) = (BTreeMap::new(), BTreeMap::new());
    let mut rest = &text[..];
    while let Some(start) = rest.find("<packet>") {
        let Some(end) = rest[start..].find("</packet>") else {
            break;
        };
        let xml = &rest[start..start + end + "</packet>".len()];
        rest = &rest[start + end..];
        let Some(p) = parse_packet(xml).expect("PDML") else {
            continue;
        };
        frames.insert(p.frame, tshark_frame(&p));
        if let (Some(src), Some(dst), Some(sport), Some(dport), Some(vtag)) =
            (p.src, p.dst, p.src_port, p.dst_port, p.vtag)
        {
            addressing.insert(
                p.frame,
                Addressing {
                    src: src.to_string(),
                    dst: dst.to_string(),
                    sport,
                    dport,
                    vtag,
                },
            );
        }
    }
    (frames, addressing)
}

/// A model of how Wireshark pairs the two directions of an association for
/// its TSN analysis (`get_half_assoc` in epan/dissectors/packet-sctp.c,
/// unchanged from 1.x to 4.6): a direction is (source port, destination
/// port, tag); an unpaired direction waits under (its source port, its
/// destination port, its source address) and the first direction that
/// arrives with the mirrored ports towards that address becomes its peer,
/// whatever the other address. Returns each frame's direction and, at that
/// frame, the direction tshark takes for its peer.
fn tshark_pairing(addressing: &BTreeMap<u64, Addressing>) -> BTreeMap<u64, (usize, Option<usize>)> {
    let mut halves: HashMap<(u16, u16, u32), usize> = HashMap::new();
    let mut peers: Vec<Option<usize>> = Vec::new();
    let mut waiting: HashMap<(u16, u16, String), Option<usize>> = HashMap::new();
    let mut out = BTreeMap::new();
    for (&frame, a) in addressing {
        if a.vtag == 0 {
            continue; // no analysis for a zero tag
        }
        let h = match halves.get(&(a.sport, a.dport, a.vtag)) {
            Some(&h) => h,
            None => {
                peers.push(None);
                halves.insert((a.sport, a.dport, a.vtag), peers.len() - 1);
                peers.len() - 1
            }
        };
        if peers[h].is_none() {
            match waiting.get_mut(&(a.dport, a.sport, a.dst.clone())) {
                Some(slot) => match *slot {
                    None => *slot = Some(h),
                    Some(o) => {
                        peers[h] = Some(o);
                        peers[o] = Some(h);
                        *slot = None;
                    }
                },
                None => {
                    waiting.insert((a.sport, a.dport, a.src.clone()), Some(h));
                }
            }
        }
        out.insert(frame, (h, peers[h]));
    }
    out
}

fn tshark_frame(p: &TPacket) -> Frame {
    let mut f = Frame::default();
    for ch in &p.chunks {
        if ch.ty == 0 || ch.ty == 64 {
            let Some(tsn) = ch.tsn else { continue };
            let num = |name: &str| {
                ch.all(name)
                    .next()
                    .and_then(|x| x.show.split_whitespace().next()?.parse().ok())
            };
            f.marks.push((
                tsn,
                num("sctp.retransmission"),
                num("sctp.retransmitted_after_ack"),
                ch.all("sctp.retransmission_time")
                    .next()
                    .and_then(|x| seconds_ns(&x.show)),
            ));
        }
        let mut cur: Option<AckRow> = None;
        for fl in &ch.fields {
            match fl.name.as_str() {
                "sctp.ack" => {
                    f.acks.extend(cur.take());
                    cur = fl.show.parse().ok().map(|t| (t, 0, 0));
                }
                "sctp.ack_frame" => {
                    if let (Some(c), Ok(n)) = (cur.as_mut(), fl.show.parse()) {
                        c.1 = n;
                    }
                }
                "sctp.sack_rtt" => {
                    if let (Some(c), Some(ns)) = (cur.as_mut(), seconds_ns(&fl.show)) {
                        c.2 = ns;
                    }
                }
                _ => {}
            }
        }
        f.acks.extend(cur);
    }
    f.acks.sort_unstable();
    f
}

fn our_frames(c: &Capture) -> (BTreeMap<u64, Frame>, Vec<AssocSummary>) {
    let mut frames = BTreeMap::new();
    let opts = ReadOptions {
        link: LinkConfig {
            udp_ports: c.udp_ports.clone(),
        },
        ..ReadOptions::default()
    };
    let sums = analyze_file(&c.path, &opts, Config::default(), |meta, _, r| {
        if r.assoc.is_none() {
            return;
        }
        let f: &mut Frame = frames.entry(meta.frame).or_default();
        for n in &r.notes {
            match &n.note {
                Note::Data(d) => f.marks.push((
                    d.tsn,
                    d.retransmission.and_then(|r| r.first_frame),
                    d.acked_before,
                    d.retransmission.and_then(|r| r.after_ns),
                )),
                Note::Sack(s) => {
                    for a in &s.acked {
                        let row = (a.tsn, a.frame, a.rtt_ns);
                        let kind = if s.a_rwnd.is_none() {
                            AckKind::Shutdown
                        } else if a.tsn.wrapping_sub(s.cum_tsn_ack) as i32 > 0 {
                            AckKind::Gap
                        } else {
                            AckKind::Cum
                        };
                        f.acks.push(row);
                        f.kinds.push((row, kind));
                    }
                }
                _ => {}
            }
        }
        f.acks.sort_unstable();
    })
    .unwrap_or_else(|(s, _)| s);
    (frames, sums)
}

/// tshark's `-z sctp,stat` rows: (src, sport, dst, dport) -> ten counts.
type StatTable = BTreeMap<(String, u16, String, u16), [u64; 10]>;
/// Chunk type of each of tshark's columns, in its order.
const COLUMNS: [u8; 10] = [0x00, 0x03, 0x04, 0x05, 0x01, 0x02, 0x0A, 0x0B, 0x06, 0x09];

fn tshark_stat(file: &Path, c: &Capture) -> StatTable {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(file);
    for p in &c.udp_ports {
        cmd.args(["-d", &format!("udp.port=={p},sctp")]);
    }
    let out = cmd
        .args(["-q", "-z", "sctp,stat"])
        .output()
        .expect("tshark");
    let mut t = StatTable::new();
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let cells: Vec<&str> = l.split('|').map(str::trim).collect();
        if cells.len() != 16 {
            continue;
        }
        let (Ok(sp), Ok(dp)) = (cells[2].parse(), cells[4].parse()) else {
            continue;
        };
        let mut n = [0u64; 10];
        for (k, x) in cells[5..15].iter().enumerate() {
            n[k] = x.parse().unwrap_or(0);
        }
        t.insert((cells[1].to_string(), sp, cells[3].to_string(), dp), n);
    }
    t
}

fn our_stat(sums: &[AssocSummary]) -> StatTable {
    let mut t = StatTable::new();
    for s in sums {
        for d in &s.dirs {
            for p in &d.paths {
                let k = (p.src.to_string(), d.src_port, p.dst.to_string(), d.dst_port);
                let row = t.entry(k).or_insert([0; 10]);
                for (i, ty) in COLUMNS.iter().enumerate() {
                    row[i] += p.chunks[*ty as usize];
                }
            }
        }
    }
    t
}

#[derive(Debug, Default)]
struct Tally {
    frames: usize,
    data_chunks: usize,
    retrans_marks: usize,
    after_ack_marks: usize,
    acks: usize,
    stat_rows: usize,
    /// Differences explained, by reason.
    explained: BTreeMap<&'static str, usize>,
    mismatches: Vec<String>,
}

/// Reasons our analysis differs from tshark's on purpose
/// (docs/analysis-vs-wireshark.md).
const SHUTDOWN_ACK: &str =
    "A: a SHUTDOWN's Cumulative TSN Ack acknowledges (RFC 9260 9.2); tshark ignores it";
const MISPAIRED: &str =
    "B: tshark paired the SACK's direction with another association's (ports and one address)";
const GAP_SKIPPED: &str = "C: tshark skips a SACK's Gap Ack Blocks when its Cumulative TSN Ack acknowledged something new";

/// Writes `c` without the frames tshark cannot dissect whole (an exception
/// stops its dissection, and its TSN analysis, part-way); both analyses read
/// that copy.
fn clean_copy(c: &Capture, dir: &Path) -> PathBuf {
    let clean = dir.join(format!("{}.pcapng", common::name(&c.path)));
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(&c.path);
    for p in &c.udp_ports {
        cmd.args(["-d", &format!("udp.port=={p},sctp")]);
    }
    let w = cmd
        .args(["-Y", "!_ws.malformed && !_ws.short && !_ws.unreassembled"])
        .args(["-F", "pcapng", "-w"])
        .arg(&clean)
        .output()
        .expect("tshark");
    assert!(w.status.success(), "{}", String::from_utf8_lossy(&w.stderr));
    clean
}

/// tshark's chunk counts of every chunk of a packet (its `-z sctp,stat`
/// record holds at most 2,048 chunks, MAXIMUM_NUMBER_OF_TVBS).
fn chunk_types(file: &Path, c: &Capture) -> Vec<u8> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(file);
    for p in &c.udp_ports {
        cmd.args(["-d", &format!("udp.port=={p},sctp")]);
    }
    let out = cmd
        .args(["-T", "fields", "-e", "sctp.chunk_type"])
        .output()
        .expect("tshark");
    String::from_utf8_lossy(&out.stdout)
        .split([',', '\n'])
        .filter_map(|t| t.trim().parse().ok())
        .collect()
}

fn compare(c: &Capture, dir: &Path, t: &mut Tally) {
    let name = common::name(&c.path);
    let file = clean_copy(c, dir);
    let (theirs, addressing) = tshark_frames(&file, c);
    let pairing = tshark_pairing(&addressing);
    let (ours, sums) = our_frames(&Capture {
        path: file.clone(),
        udp_ports: c.udp_ports.clone(),
    });
    // Our first acknowledgement of each (TSN, DATA frame): frame and kind.
    let mut our_first: HashMap<(u32, u64), (u64, AckKind)> = HashMap::new();
    for (&f, of) in &ours {
        for &(row, kind) in &of.kinds {
            our_first.insert((row.0, row.1), (f, kind));
        }
    }
    // Why an ack of (tsn, data frame) in frame `f` is ours only.
    let explain_ours = |f: u64, row: &AckRow, kind: AckKind| -> Option<&'static str> {
        if kind == AckKind::Shutdown {
            return Some(SHUTDOWN_ACK);
        }
        let (sack_half, peer) = pairing.get(&f).copied()?;
        let _ = sack_half;
        let data_half = pairing.get(&row.1).map(|x| x.0);
        if peer.is_none() || peer != data_half {
            return Some(MISPAIRED);
        }
        if kind == AckKind::Gap && theirs.get(&f).is_some_and(|x| !x.acks.is_empty()) {
            return Some(GAP_SKIPPED);
        }
        None
    };
    for (frame, tf) in &theirs {
        t.frames += 1;
        let of = ours.get(frame).cloned().unwrap_or_default();
        t.data_chunks += tf.marks.len();
        t.retrans_marks += tf.marks.iter().filter(|m| m.1.is_some()).count();
        t.after_ack_marks += tf.marks.iter().filter(|m| m.2.is_some()).count();
        t.acks += tf.acks.len();
        let marked = |m: &Vec<Mark>| -> Vec<Mark> {
            m.iter()
                .filter(|x| x.1.is_some() || x.2.is_some())
                .copied()
                .collect()
        };
        if marked(&of.marks) != marked(&tf.marks) {
            t.mismatches.push(format!(
                "{name} frame {frame}: DATA marks ours {:?} tshark {:?}",
                of.marks, tf.marks
            ));
        }
        for &(row, kind) in &of.kinds {
            if tf.acks.contains(&row) {
                continue;
            }
            match explain_ours(*frame, &row, kind) {
                Some(why) => *t.explained.entry(why).or_default() += 1,
                None => t.mismatches.push(format!(
                    "{name} frame {frame}: ours only: ack {row:?} ({kind:?}); tshark {:?}",
                    tf.acks
                )),
            }
        }
        for row in &tf.acks {
            if of.acks.contains(row) {
                continue;
            }
            // tshark acknowledges later what we acknowledged earlier, for
            // one of the reasons above.
            let why = our_first
                .get(&(row.0, row.1))
                .filter(|(f, _)| f < frame)
                .and_then(|&(f, kind)| {
                    let r = ours[&f]
                        .kinds
                        .iter()
                        .find(|(r, _)| (r.0, r.1) == (row.0, row.1))?;
                    explain_ours(f, &r.0, kind)
                });
            match why {
                Some(why) => *t.explained.entry(why).or_default() += 1,
                None => t.mismatches.push(format!(
                    "{name} frame {frame}: tshark only: ack {row:?}; ours {:?}",
                    of.acks
                )),
            }
        }
    }
    for (frame, of) in &ours {
        if !theirs.contains_key(frame) && (!of.marks.is_empty() || !of.acks.is_empty()) {
            t.mismatches
                .push(format!("{name} frame {frame}: ours only {of:?}"));
        }
    }
    let (mut ts, os) = (tshark_stat(&file, c), our_stat(&sums));
    if ts.values().flatten().any(|&n| n == 2048) {
        let all = chunk_types(&file, c);
        for n in ts.values_mut() {
            for (k, ty) in COLUMNS.iter().enumerate() {
                n[k] = all.iter().filter(|x| *x == ty).count() as u64;
            }
        }
    }
    if ts != os {
        t.mismatches
            .push(format!("{name}: -z sctp,stat {ts:?} vs ours {os:?}"));
    }
    t.stat_rows += ts.len();
    let indexes = assoc_indexes(&file, c);
    eprintln!(
        "{name}: {} associations, tshark's association index {indexes}",
        sums.len()
    );
}

/// How many associations Wireshark's association index (`sctp.assoc_index`,
/// off by default) tells apart.
fn assoc_indexes(file: &Path, c: &Capture) -> usize {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(file);
    for p in &c.udp_ports {
        cmd.args(["-d", &format!("udp.port=={p},sctp")]);
    }
    let out = cmd
        .args([
            "-o",
            "sctp.association_index:TRUE",
            "-T",
            "fields",
            "-e",
            "sctp.assoc_index",
        ])
        .output()
        .expect("tshark");
    let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .split([',', '\n'])
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty() && x != "65535")
        .collect();
    v.sort();
    v.dedup();
    v.len()
}

#[test]
fn retransmissions_acks_and_rtts_equal_tsharks() {
    common::tshark::tshark_version().expect("tshark is needed");
    let dir = std::env::temp_dir().join(format!("sctpkit-analysis-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut t = Tally::default();
    let list = captures();
    for c in &list {
        compare(c, &dir, &mut t);
    }
    std::fs::remove_dir_all(&dir).ok();
    eprintln!(
        "analysis vs tshark: {} captures, {} frames, {} DATA chunks, {} retransmission marks (with frame and delay), {} after-ack marks, {} first acks (with DATA frame and RTT), {} -z sctp,stat rows compared; {} mismatches",
        list.len(),
        t.frames,
        t.data_chunks,
        t.retrans_marks,
        t.after_ack_marks,
        t.acks,
        t.stat_rows,
        t.mismatches.len()
    );
    for (why, n) in &t.explained {
        eprintln!("  explained, {n}: {why}");
    }
    for m in &t.mismatches {
        eprintln!("  {m}");
    }
    assert!(t.mismatches.is_empty(), "{} mismatches", t.mismatches.len());
    assert!(list.len() >= 47 && t.retrans_marks > 1000 && t.acks > 2000);
}
