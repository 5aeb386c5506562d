//! `sctp-replay list` against tshark on every shared capture
//! (../shared/captures): per association and direction, packets and chunks
//! of each type equal what tshark's SCTP dissector gives with its
//! association index on (`-o sctp.association_index:TRUE`, field
//! `sctp.assoc_index`, which `list` numbers its associations by); summed per
//! address and port pair they equal `-z sctp,stat` and `-z conv,sctp`; the
//! ending is the last ABORT or SHUTDOWN COMPLETE tshark shows in the
//! association. As in craft's stats test, frames tshark finds malformed
//! (and those with a PKTDROP chunk, whose quoted packet it also indexes, or
//! an ICMP error) are removed first. Bad input gives exit status 2.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/captures");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().to_string();
            [".pcap", ".cap", ".pcapng", ".pcapng.gz"]
                .iter()
                .any(|x| n.ends_with(x))
        })
        .collect();
    v.sort();
    v
}

fn tshark(args: &[&str], file: &Path) -> String {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .args(["-d", "udp.port==9899,sctp"])
        .args(args)
        .output()
        .expect("tshark is needed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// (assoc id, src, src port, dst, dst port)
type PathKey = (u64, String, u16, String, u16);
/// packets, then chunks by type
type Counts = (u64, BTreeMap<u8, u64>);

fn last_value(cell: &str) -> String {
    cell.split(',')
        .rfind(|s| !s.is_empty())
        .unwrap_or("")
        .to_string()
}

/// Per association path, and the ending of each association, from tshark.
fn tshark_assocs(file: &Path) -> (BTreeMap<PathKey, Counts>, BTreeMap<u64, String>) {
    let out = tshark(
        &[
            "-o",
            "sctp.association_index:TRUE",
            "-T",
            "fields",
            "-E",
            "separator=/t",
            "-e",
            "ip.src",
            "-e",
            "ipv6.src",
            "-e",
            "ip.dst",
            "-e",
            "ipv6.dst",
            "-e",
            "sctp.srcport",
            "-e",
            "sctp.dstport",
            "-e",
            "sctp.assoc_index",
            "-e",
            "sctp.chunk_type",
        ],
        file,
    );
    let (mut paths, mut ends) = (BTreeMap::new(), BTreeMap::new());
    for l in out.lines() {
        let c: Vec<&str> = l.split('\t').collect();
        if c.len() < 8 || c[7].is_empty() {
            continue;
        }
        let src = if c[1].is_empty() {
            last_value(c[0])
        } else {
            last_value(c[1])
        };
        let dst = if c[3].is_empty() {
            last_value(c[2])
        } else {
            last_value(c[3])
        };
        let id: u64 = c[6].split(',').next().unwrap().parse().unwrap();
        let key = (id, src, c[4].parse().unwrap(), dst, c[5].parse().unwrap());
        let e: &mut Counts = paths.entry(key).or_default();
        e.0 += 1;
        for t in c[7].split(',') {
            let t: u8 = t.parse().unwrap();
            *e.1.entry(t).or_default() += 1;
            match t {
                6 => {
                    ends.insert(id, "abort".to_string());
                }
                14 => {
                    ends.insert(id, "shutdown".to_string());
                }
                _ => {}
            }
        }
    }
    (paths, ends)
}

fn chunk_type(name: &str) -> u8 {
    (0..=255u8)
        .find(|t| sctp_replay::list::chunk_name(*t) == name)
        .unwrap_or_else(|| panic!("chunk name {name}"))
}

fn our_assocs(file: &Path) -> (BTreeMap<PathKey, Counts>, BTreeMap<u64, String>, usize) {
    let out = Command::new(env!("CARGO_BIN_EXE_sctp-replay"))
        .args(["list", "--json"])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (mut paths, mut ends, mut n) = (BTreeMap::new(), BTreeMap::new(), 0);
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(l).expect("one JSON object per line");
        n += 1;
        let id = v["id"].as_u64().unwrap();
        for k in ["addrs", "port", "vtag"] {
            assert!(
                v["client"].get(k).is_some() && v["server"].get(k).is_some(),
                "{l}"
            );
        }
        let cport = v["client"]["port"].as_u64().unwrap() as u16;
        let sport = v["server"]["port"].as_u64().unwrap() as u16;
        for (dir, from, to) in [
            ("client_to_server", cport, sport),
            ("server_to_client", sport, cport),
        ] {
            let mut sum: Counts = (0, BTreeMap::new());
            for p in v["paths"][dir].as_array().unwrap() {
                let mut chunks = BTreeMap::new();
                for (name, n) in p["chunks"].as_object().unwrap() {
                    let (t, n) = (chunk_type(name), n.as_u64().unwrap());
                    chunks.insert(t, n);
                    *sum.1.entry(t).or_default() += n;
                }
                let packets = p["packets"].as_u64().unwrap();
                sum.0 += packets;
                let key = (
                    id,
                    p["src"].as_str().unwrap().to_string(),
                    from,
                    p["dst"].as_str().unwrap().to_string(),
                    to,
                );
                // Both directions share a key when the ends share address and port.
                let e: &mut Counts = paths.entry(key).or_default();
                e.0 += packets;
                for (t, n) in chunks {
                    *e.1.entry(t).or_default() += n;
                }
            }
            // The direction's totals are its paths' sums.
            assert_eq!(v["packets"][dir].as_u64().unwrap(), sum.0, "{l}");
            let totals: BTreeMap<u8, u64> = v["chunks"][dir]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, n)| (chunk_type(k), n.as_u64().unwrap()))
                .collect();
            assert_eq!(totals, sum.1, "{l}");
        }
        let ended = v["ended"].as_str().unwrap().to_string();
        if ended != "capture end" {
            ends.insert(id, ended);
        }
    }
    (paths, ends, n)
}

/// `-z sctp,stat`: (src, sport, dst, dport) -> its ten chunk columns.
const COLUMNS: [u8; 10] = [0x00, 0x03, 0x04, 0x05, 0x01, 0x02, 0x0A, 0x0B, 0x06, 0x09];
type Table = BTreeMap<(String, u16, String, u16), [u64; 10]>;

fn sctp_stat(file: &Path) -> Table {
    let mut t = Table::new();
    for l in tshark(&["-q", "-z", "sctp,stat"], file).lines() {
        let cells: Vec<&str> = l.split('|').map(str::trim).collect();
        if cells.len() != 16 {
            continue;
        }
        let (Ok(sp), Ok(dp)) = (cells[2].parse(), cells[4].parse()) else {
            continue;
        };
        let mut n = [0u64; 10];
        for (k, c) in cells[5..15].iter().enumerate() {
            n[k] = c.parse().unwrap_or(0);
        }
        t.insert((cells[1].to_string(), sp, cells[3].to_string(), dp), n);
    }
    t
}

/// `-z conv,sctp`: unordered {a:port, b:port} -> total frames.
fn conv(file: &Path) -> BTreeMap<(String, String), u64> {
    let mut t = BTreeMap::new();
    for l in tshark(&["-q", "-z", "conv,sctp"], file).lines() {
        let w: Vec<&str> = l.split_whitespace().collect();
        if w.len() < 12 || w[1] != "<->" {
            continue;
        }
        let (a, b) = (w[0].to_string(), w[2].to_string());
        let key = if a <= b { (a, b) } else { (b, a) };
        *t.entry(key).or_default() += w[9].parse::<u64>().unwrap();
    }
    t
}

#[test]
fn list_counts_what_tshark_counts() {
    let dir = std::env::temp_dir().join(format!("sctp-replay-list-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (mut files, mut assocs, mut paths_checked) = (0, 0, 0);
    for f in corpus() {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let clean = dir.join(format!("{name}.pcapng"));
        let w = Command::new("tshark")
            .arg("-r")
            .arg(&f)
            .args(["-d", "udp.port==9899,sctp"])
            .args([
                "-Y",
                "!_ws.malformed && !_ws.short && !_ws.unreassembled && !(sctp.chunk_type == 129) && !icmp && !icmpv6",
            ])
            .args(["-F", "pcapng", "-w"])
            .arg(&clean)
            .output()
            .unwrap();
        assert!(w.status.success(), "{}", String::from_utf8_lossy(&w.stderr));
        let (want, want_ends) = tshark_assocs(&clean);
        let (ours, our_ends, n) = our_assocs(&clean);
        assert_eq!(
            ours, want,
            "{name}: list (left) vs tshark sctp.assoc_index (right)"
        );
        assert_eq!(
            our_ends, want_ends,
            "{name}: endings, list (left) vs tshark (right)"
        );
        // Summed per address/port pair: tshark's two statistics.
        let mut table = Table::new();
        let mut pairs: BTreeMap<(String, String), u64> = BTreeMap::new();
        for ((_, s, sp, d, dp), (packets, chunks)) in &ours {
            let row = table.entry((s.clone(), *sp, d.clone(), *dp)).or_default();
            for (k, t) in COLUMNS.iter().enumerate() {
                row[k] += chunks.get(t).copied().unwrap_or(0);
            }
            let (a, b) = (format!("{s}:{sp}"), format!("{d}:{dp}"));
            let key = if a <= b { (a, b) } else { (b, a) };
            *pairs.entry(key).or_default() += packets;
        }
        if name != "suricata-verify-sctp-max-chunks.pcap" {
            // (tshark's tap record holds 2,048 chunks of a packet at most)
            assert_eq!(
                table,
                sctp_stat(&clean),
                "{name}: summed (left) vs -z sctp,stat"
            );
        }
        let want_conv = conv(&clean);
        // IPv4 rows only: tshark writes an IPv6 address and its port without brackets.
        let v4 =
            |k: &(String, String)| k.0.matches(':').count() == 1 && k.1.matches(':').count() == 1;
        let ours_v4: BTreeMap<_, _> = pairs.into_iter().filter(|(k, _)| v4(k)).collect();
        let want_v4: BTreeMap<_, _> = want_conv.into_iter().filter(|(k, _)| v4(k)).collect();
        assert_eq!(ours_v4, want_v4, "{name}: summed (left) vs -z conv,sctp");
        files += 1;
        assocs += n;
        paths_checked += ours.len();
    }
    std::fs::remove_dir_all(&dir).ok();
    eprintln!("list: {files} captures, {assocs} associations, {paths_checked} paths as tshark counts them");
    assert!(
        files >= 39 && assocs >= 60,
        "{files} captures, {assocs} associations"
    );
}

fn list_fails(path: &Path, needle: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_sctp-replay"))
        .arg("list")
        .arg(path)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}: {err}", path.display());
    assert!(
        err.contains(needle),
        "{}: {err:?} lacks {needle:?}",
        path.display()
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_input_exits_2_with_the_cause() {
    let dir = std::env::temp_dir().join(format!("sctp-replay-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/captures/wireshark-wiki-sctp-test-handshake-data.cap");
    let whole = std::fs::read(&src).unwrap();
    // Cut inside the third record: frames 1 and 2 are whole.
    let mut at = 24;
    for _ in 0..2 {
        let caplen = u32::from_le_bytes(whole[at + 8..at + 12].try_into().unwrap()) as usize;
        at += 16 + caplen;
    }
    let truncated = dir.join("truncated.pcap");
    std::fs::write(&truncated, &whole[..at + 20]).unwrap();
    list_fails(&truncated, "frame 3");
    // A record whose length runs far past the limit.
    let mut corrupt_rec = whole.clone();
    corrupt_rec[at + 8..at + 12].copy_from_slice(&0x7fff_fff0u32.to_le_bytes());
    let corrupt = dir.join("corrupt-record.pcap");
    std::fs::write(&corrupt, &corrupt_rec).unwrap();
    list_fails(&corrupt, "frame 3");
    let garbage = dir.join("garbage.pcap");
    std::fs::write(&garbage, b"this is not a capture at all").unwrap();
    list_fails(&garbage, "not a pcap, pcapng or gzip file");
    let empty = dir.join("empty.pcap");
    std::fs::write(&empty, b"").unwrap();
    list_fails(&empty, "empty");
    list_fails(&dir, "is a directory");
    list_fails(&dir.join("missing.pcap"), "missing.pcap");
    std::fs::remove_dir_all(&dir).ok();
}
