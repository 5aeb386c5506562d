//! Helpers shared by the `sctp-replay live` tests: ports from the process
//! id, the usrsctp peer of `capture-tools/`, running `sctp-replay`, writing
//! edited captures, tshark, and a network namespace behind a veth pair.
#![allow(dead_code)]

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use sctp_replay::list::chunk_name;

/// Compiling the peer: the same code as craft's and the endpoint's live tests.
#[path = "../../../craft/tests/peer/cc_usrsctp.rs"]
mod cc_usrsctp;

/// First UDP port of this run: derived from the process id, so that two
/// runs of these tests at once (engineers sharing a machine) do not meet.
pub fn base() -> u16 {
    20000 + (std::process::id() % 130) as u16 * 300
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Builds the capture tool's usrsctp peer once.
pub fn peer_binary() -> PathBuf {
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BIN.get_or_init(|| {
        cc_usrsctp::compile(
            &root().join("capture-tools/usrsctp_peer.c"),
            &PathBuf::from(env!("CARGO_TARGET_TMPDIR")),
            "replay_usrsctp_peer",
            "cc",
            "-O2",
        )
    })
    .clone()
    .unwrap_or_else(|e| panic!("cannot build the usrsctp peer: {e}"))
}

/// A usrsctp peer; killed on drop.
pub struct Peer(pub Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `c` (a usrsctp peer, perhaps behind `ip netns exec`) with
/// `;`-separated commands on its stdin.
pub fn spawn_with_commands(mut c: Command, cmds: &str) -> Peer {
    let mut c = c
        .stdin(Stdio::piped())
        .spawn()
        .expect("run the usrsctp peer");
    let mut stdin = c.stdin.take().expect("stdin");
    stdin
        .write_all(format!("{}\n", cmds.replace(';', "\n")).as_bytes())
        .expect("peer commands");
    drop(stdin);
    Peer(c)
}

/// Starts a peer with `args` and `;`-separated commands on stdin.
pub fn peer(args: &[String], cmds: &str) -> Peer {
    let mut c = Command::new(peer_binary());
    c.args(args).stdout(Stdio::null()).stderr(Stdio::null());
    spawn_with_commands(c, cmds)
}

/// As [`peer`], its output written to `out`.
pub fn peer_logged(args: &[String], cmds: &str, out: &Path) -> Peer {
    let mut c = Command::new(peer_binary());
    c.args(args)
        .stdout(std::fs::File::create(out).expect("the peer's log"))
        .stderr(Stdio::null());
    spawn_with_commands(c, cmds)
}

pub fn replay(args: &[String]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sctp-replay"));
    c.arg("live").args(args);
    c
}

pub fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

pub fn opts(o: &str) -> Vec<String> {
    o.split_whitespace().map(String::from).collect()
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Sets an SCTP packet's CRC32c.
pub fn crc(b: &mut [u8]) {
    b[8..12].fill(0);
    let c = crc32c::crc32c(b);
    b[8..12].copy_from_slice(&c.to_le_bytes());
}

/// Writes packets as a raw IPv4/UDP capture (the server on UDP port 39899,
/// the client on 39900).
pub fn write_capture(path: &Path, pkts: &[(i64, bool, Vec<u8>)]) {
    use sctp_codec::capture::{PcapWriter, LINKTYPE_RAW};
    let mut w = PcapWriter::create(path, LINKTYPE_RAW).expect("edited capture");
    for (t, from_server, b) in pkts {
        let (sport, dport) = if *from_server {
            (39899u16, 39900u16)
        } else {
            (39900, 39899)
        };
        let total = 28 + b.len();
        let mut ip = vec![
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            0,
            0,
            0x40,
            0,
            64,
            17,
            0,
            0,
        ];
        ip.extend_from_slice(&[127, 0, 0, 1, 127, 0, 0, 1]);
        ip.extend_from_slice(&sport.to_be_bytes());
        ip.extend_from_slice(&dport.to_be_bytes());
        ip.extend_from_slice(&((8 + b.len()) as u16).to_be_bytes());
        ip.extend_from_slice(&[0, 0]);
        ip.extend_from_slice(b);
        let t = *t as u64;
        w.write_packet((t / 1_000_000) as u32, (t % 1_000_000) as u32, &ip)
            .expect("write");
    }
    w.flush().expect("flush");
}

/// A network namespace joined to this one by a veth pair: 10.78.N.1 here,
/// 10.78.N.2 there. Removed on drop.
pub struct Netns {
    pub name: String,
    pub host_if: String,
    pub peer_if: String,
}

impl Netns {
    pub fn create(n: u8) -> Netns {
        let pid = std::process::id();
        let ns = Netns {
            name: format!("sctpkit-live-{pid}-{n}"),
            host_if: format!("lvh{}x{n}", pid % 100_000),
            peer_if: format!("lvp{}x{n}", pid % 100_000),
        };
        let peer_if = ns.peer_if.clone();
        let (here, there) = (format!("10.78.{n}.1/24"), format!("10.78.{n}.2/24"));
        for args in [
            vec!["netns", "add", &ns.name],
            vec![
                "link",
                "add",
                &ns.host_if,
                "type",
                "veth",
                "peer",
                "name",
                &peer_if,
            ],
            vec!["link", "set", &peer_if, "netns", &ns.name],
            vec!["addr", "add", &here, "dev", &ns.host_if],
            vec!["link", "set", &ns.host_if, "up"],
            vec!["-n", &ns.name, "addr", "add", &there, "dev", &peer_if],
            vec!["-n", &ns.name, "link", "set", &peer_if, "up"],
            vec!["-n", &ns.name, "link", "set", "lo", "up"],
        ] {
            let o = Command::new("ip").args(&args).output().expect("ip");
            assert!(
                o.status.success(),
                "ip {}: {} (these tests need root)",
                args.join(" "),
                String::from_utf8_lossy(&o.stderr)
            );
        }
        ns
    }
}

impl Netns {
    /// Adds IPv6 addresses fd78:N::1 here and fd78:N::2 there (no duplicate
    /// address detection, so they are usable at once).
    pub fn add_ipv6(&self, n: u8) -> (String, String) {
        let (here, there) = (format!("fd78:{n}::1"), format!("fd78:{n}::2"));
        for args in [
            vec![
                "addr",
                "add",
                &format!("{here}/64"),
                "dev",
                &self.host_if,
                "nodad",
            ],
            vec![
                "-n",
                &self.name,
                "addr",
                "add",
                &format!("{there}/64"),
                "dev",
                &self.peer_if,
                "nodad",
            ],
        ] {
            let o = Command::new("ip").args(&args).output().expect("ip");
            assert!(
                o.status.success(),
                "ip {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&o.stderr)
            );
        }
        (here, there)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
        let _ = Command::new("ip")
            .args(["link", "del", &self.host_if])
            .output();
    }
}

/// Runs `sctp-replay live` with `args`.
pub fn live(args: &[String]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sctp-replay"));
    c.arg("live").args(args);
    c
}

/// tshark's values of `fields` (one row per frame that has them, values of
/// one field joined by ',') in `file`, with SCTP decoded on the UDP ports
/// given (RFC 6951).
pub fn tshark(file: &Path, udp_ports: &[u16], filter: &str, fields: &[&str]) -> Vec<Vec<String>> {
    let mut c = Command::new("tshark");
    c.arg("-r").arg(file).args([
        "-o",
        "sctp.checksum:none",
        "-o",
        "sctp.reassembly:FALSE",
        "-o",
        "sctp.ulp_dissection:FALSE",
    ]);
    for p in udp_ports {
        c.args(["-d", &format!("udp.port=={p},sctp")]);
    }
    c.args([
        "-Y",
        filter,
        "-T",
        "fields",
        "-E",
        "separator=\t",
        "-E",
        "aggregator=,",
    ]);
    for f in fields {
        c.args(["-e", f]);
    }
    let o = c.output().expect("tshark (apt-get install tshark)");
    assert!(
        o.status.success(),
        "tshark {}: {}",
        file.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| l.split('\t').map(String::from).collect())
        .collect()
}

/// Reads a JSON report.
pub fn json(path: &Path) -> serde_json::Value {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null)
}

/// The fields `sctp-replay live` compares of an INIT or INIT ACK, as tshark
/// reads them from that chunk in frame `frame` of `file`: a_rwnd, os, is,
/// the parameter types (sorted) and the Supported Extensions list (names,
/// sorted by type).
pub fn init_fields(file: &Path, ports: &[u16], chunk: u8, frame: u64) -> Vec<(String, String)> {
    let p = if chunk == 1 { "init" } else { "initack" };
    let rows = tshark(
        file,
        ports,
        &format!("frame.number == {frame} && sctp.chunk_type == {chunk}"),
        &[
            &format!("sctp.{p}_credit"),
            &format!("sctp.{p}_nr_out_streams"),
            &format!("sctp.{p}_nr_in_streams"),
            "sctp.parameter_type",
            "sctp.supported_chunk_type",
        ],
    );
    let r = rows
        .first()
        .unwrap_or_else(|| panic!("{}: no {p} in frame {frame}", file.display()));
    let num = |v: &str| -> Vec<u32> {
        let mut n: Vec<u32> = v
            .split(',')
            .filter(|x| !x.is_empty())
            .map(|x| {
                x.strip_prefix("0x").map_or_else(
                    || x.parse().unwrap(),
                    |h| u32::from_str_radix(h, 16).unwrap(),
                )
            })
            .collect();
        n.sort_unstable();
        n
    };
    let ext = num(&r[4]);
    vec![
        ("a_rwnd".into(), r[0].clone()),
        ("os".into(), r[1].clone()),
        ("is".into(), r[2].clone()),
        ("parameters".into(), format!("{:?}", num(&r[3]))),
        (
            "supported extensions".into(),
            if ext.is_empty() {
                "none".into()
            } else {
                format!(
                    "[{}]",
                    ext.iter()
                        .map(|t| chunk_name(*t as u8))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        ),
    ]
}

/// The fields in which two tshark readings differ: (field, captured, live).
pub fn field_differences(
    captured: &[(String, String)],
    live: &[(String, String)],
) -> BTreeSet<(String, String, String)> {
    captured
        .iter()
        .zip(live)
        .filter(|(c, l)| c.1 != l.1)
        .map(|(c, l)| (c.0.clone(), c.1.clone(), l.1.clone()))
        .collect()
}

/// A report entry's differences.
pub fn differences(e: &serde_json::Value) -> BTreeSet<(String, String, String)> {
    e["differences"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|x| {
                    (
                        x["field"].as_str().unwrap().to_string(),
                        x["captured"].as_str().unwrap().to_string(),
                        x["live"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A DATA chunk as tshark reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct DataChunk {
    pub tsn: u32,
    pub sid: u16,
    pub ssn: u16,
    pub ppid: u32,
    /// U, B and E as bits 2, 1, 0.
    pub flags: u8,
    pub len: usize,
    /// The user data (None when tshark's values could not be aligned).
    pub payload: Option<Vec<u8>>,
}

/// Every DATA chunk of `file` by frame, as tshark reads them.
pub fn data_chunks(file: &Path, ports: &[u16]) -> HashMap<u64, Vec<DataChunk>> {
    let rows = tshark(
        file,
        ports,
        "sctp.chunk_type == 0",
        &[
            "frame.number",
            "sctp.chunk_type",
            "sctp.chunk_length",
            "sctp.data_tsn_raw",
            "sctp.data_sid",
            "sctp.data_ssn",
            "sctp.data_payload_proto_id",
            "sctp.data_u_bit",
            "sctp.data_b_bit",
            "sctp.data_e_bit",
            "data.data",
        ],
    );
    let mut out = HashMap::new();
    for r in rows {
        let col = |k: usize| -> Vec<String> {
            r[k].split(',')
                .filter(|x| !x.is_empty())
                .map(String::from)
                .collect()
        };
        let lens: Vec<usize> = col(1)
            .iter()
            .zip(col(2))
            .filter(|(t, _)| *t == "0")
            .map(|(_, l)| l.parse::<usize>().unwrap() - 16)
            .collect();
        let (tsn, sid, ssn, ppid) = (col(3), col(4), col(5), col(6));
        let (u, b, e, data) = (col(7), col(8), col(9), col(10));
        let bit = |v: &str| u8::from(v == "1" || v == "True");
        let num = |v: &str| -> u32 {
            v.strip_prefix("0x").map_or_else(
                || v.parse().unwrap(),
                |h| u32::from_str_radix(h, 16).unwrap(),
            )
        };
        let aligned = data.len() == lens.len();
        let chunks = (0..lens.len())
            .map(|k| DataChunk {
                tsn: num(&tsn[k]),
                sid: num(&sid[k]) as u16,
                ssn: num(&ssn[k]) as u16,
                ppid: num(&ppid[k]),
                flags: bit(&u[k]) << 2 | bit(&b[k]) << 1 | bit(&e[k]),
                len: lens[k],
                payload: aligned.then(|| {
                    (0..data[k].len() / 2)
                        .map(|i| u8::from_str_radix(&data[k][2 * i..2 * i + 2], 16).unwrap())
                        .collect()
                }),
            })
            .collect();
        out.insert(r[0].parse().unwrap(), chunks);
    }
    out
}

/// The differences `sctp-replay live` must name between a captured DATA
/// (its SSN counted from `base`, its stream's first captured SSN) and the
/// live one paired with it, computed from tshark's readings. Chunks of the
/// same message (stream, U bit, SSN counted from the first) are compared
/// as messages: PPID, the bytes both hold, and the message's length; how
/// each stack cut it into fragments is not compared, so for fragmented
/// messages this returns None (not checked here). Chunks of different
/// messages are compared field by field.
pub fn data_differences(
    c: &DataChunk,
    base: u16,
    l: &DataChunk,
) -> Option<BTreeSet<(String, String, String)>> {
    let mut d = BTreeSet::new();
    let mut f = |n: &str, a: String, b: String| {
        if a != b {
            d.insert((n.to_string(), a, b));
        }
    };
    let rel = c.ssn.wrapping_sub(base);
    let same_message =
        c.sid == l.sid && c.flags & 4 == l.flags & 4 && (c.flags & 4 != 0 || rel == l.ssn);
    if same_message {
        if c.flags & 3 != 3 || l.flags & 3 != 3 {
            return None;
        }
        f("ppid", c.ppid.to_string(), l.ppid.to_string());
        if let (Some(a), Some(b)) = (&c.payload, &l.payload) {
            if let Some(at) = a.iter().zip(b).position(|(x, y)| x != y) {
                f(
                    "payload",
                    format!("byte {at} = {:#04x}", a[at]),
                    format!("byte {at} = {:#04x}", b[at]),
                );
            }
        }
        f("message length", c.len.to_string(), l.len.to_string());
        return Some(d);
    }
    f(
        "flags",
        format!("{:#x}", c.flags),
        format!("{:#x}", l.flags),
    );
    f("stream", c.sid.to_string(), l.sid.to_string());
    if rel != l.ssn {
        f(
            "ssn",
            if base == 0 {
                c.ssn.to_string()
            } else {
                format!("{rel} ({} - first captured {base})", c.ssn)
            },
            l.ssn.to_string(),
        );
    }
    f("ppid", c.ppid.to_string(), l.ppid.to_string());
    f("length", c.len.to_string(), l.len.to_string());
    if let (Some(a), Some(b)) = (&c.payload, &l.payload) {
        if a.len() == b.len() && a != b {
            let at = a.iter().zip(b).position(|(x, y)| x != y).unwrap();
            f(
                "payload",
                format!("byte {at} = {:#04x}", a[at]),
                format!("byte {at} = {:#04x}", b[at]),
            );
        }
    }
    Some(d)
}

/// The TSN in a chunk summary (`...tsn=N,...`).
pub fn summary_tsn(s: &str) -> u32 {
    s.split("tsn=")
        .nth(1)
        .and_then(|t| t.split([',', ']']).next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no tsn in {s}"))
}

/// Checks every verdict of a report on DATA, INIT and INIT ACK against
/// tshark's reading of the capture and of the recorded live exchange: a
/// chunk matched exactly when tshark sees no difference in the fields
/// compared, and a difference is named exactly when tshark sees it, with
/// tshark's values. Returns how many verdicts were checked.
pub fn check_verdicts(
    what: &str,
    report: &serde_json::Value,
    capture: &Path,
    cap_ports: &[u16],
    record: &Path,
    rec_ports: &[u16],
) -> usize {
    let cap = data_chunks(capture, cap_ports);
    let live = data_chunks(record, rec_ports);
    let exp = report["expected"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: no report: {report}"));
    let mut base: HashMap<u16, u16> = HashMap::new();
    let mut checked = 0;
    for e in exp {
        let frame = e["frame"].as_u64().unwrap();
        let chunk = e["chunk"].as_str().unwrap();
        if chunk == "DATA" {
            let c = cap[&frame]
                .iter()
                .find(|c| c.tsn == summary_tsn(e["captured"].as_str().unwrap()))
                .unwrap_or_else(|| panic!("{what}: tshark has no {e}"))
                .clone();
            // The first captured SSN on each stream of the other side's ordered DATA.
            let b = if c.flags & 4 == 0 {
                *base.entry(c.sid).or_insert(c.ssn)
            } else {
                0
            };
            if let Some(lf) = e["live_frame"].as_u64() {
                let l = live[&lf]
                    .iter()
                    .find(|l| l.tsn == summary_tsn(e["live"].as_str().unwrap()))
                    .unwrap_or_else(|| panic!("{what}: tshark has no live {e}"));
                let Some(want) = data_differences(&c, b, l) else {
                    continue;
                };
                assert_eq!(differences(e), want, "{what}: {e}");
                assert_eq!(
                    e["verdict"],
                    if want.is_empty() {
                        "matched"
                    } else {
                        "differed"
                    },
                    "{what}: {e}"
                );
                checked += 1;
            }
        } else if chunk == "INIT" || chunk == "INIT_ACK" {
            if let Some(lf) = e["live_frame"].as_u64() {
                let t = if chunk == "INIT" { 1 } else { 2 };
                let want = field_differences(
                    &init_fields(capture, cap_ports, t, frame),
                    &init_fields(record, rec_ports, t, lf),
                );
                assert_eq!(differences(e), want, "{what}: {e}");
                checked += 1;
            }
        }
    }
    checked
}

pub fn tmp(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// One `sctp-replay live` run's files.
pub struct Run {
    pub json: PathBuf,
    pub record: PathBuf,
    /// Our UDP port and the peer's.
    pub ports: (u16, u16),
}

impl Run {
    pub fn new(tag: &str, ours: u16, theirs: u16) -> Run {
        let r = Run {
            json: tmp(&format!("live-{tag}.json")),
            record: tmp(&format!("live-{tag}.pcap")),
            ports: (ours, theirs),
        };
        let _ = std::fs::remove_file(&r.json);
        let _ = std::fs::remove_file(&r.record);
        r
    }

    pub fn args(&self, file: &Path, side: &str, extra: &[&str]) -> Vec<String> {
        let mut a = s(&[
            file.to_str().expect("utf-8"),
            "--play",
            side,
            "--peer",
            &format!("udp:127.0.0.1:{}", self.ports.1),
            "--port",
            &self.ports.0.to_string(),
            "--timing",
            "fast",
            "--json",
            self.json.to_str().expect("utf-8"),
            "--record",
            self.record.to_str().expect("utf-8"),
        ]);
        a.extend(s(extra));
        a
    }
}

/// Plays both sides of `file` against each other (our endpoint in
/// both roles) with `extra` options: returns (server run,
/// client run) and their exit statuses.
pub fn against_each_other(
    name: &str,
    file: &Path,
    n: u16,
    extra: &[&str],
) -> ((Run, Option<i32>), (Run, Option<i32>)) {
    let (ps, pc) = (base() + 10 * n, base() + 10 * n + 1);
    let srv = Run::new(&format!("{name}-server"), ps, pc);
    let cli = Run::new(&format!("{name}-client"), pc, ps);
    let mut sargs = srv.args(file, "server", extra);
    sargs.extend(s(&["--wait", "5000"]));
    let child = live(&sargs)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sctp-replay");
    std::thread::sleep(Duration::from_millis(300));
    let c = live(&cli.args(file, "client", extra))
        .output()
        .expect("sctp-replay");
    let o = child.wait_with_output().expect("server run");
    assert!(
        c.status.code().is_some() && o.status.code().is_some(),
        "{name}: {}{}",
        text(&c),
        text(&o)
    );
    ((srv, o.status.code()), (cli, c.status.code()))
}

/// tshark capturing `lo` for two UDP ports until stopped with SIGINT.
pub struct Capture(Child);

impl Capture {
    pub fn start(file: &Path, ports: (u16, u16)) -> Capture {
        let _ = std::fs::remove_file(file);
        let mut c = Command::new("tshark")
            .args(["-q", "-i", "lo", "-f"])
            .arg(format!("udp port {} or udp port {}", ports.0, ports.1))
            .arg("-w")
            .arg(file)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("tshark");
        let mut err = c.stderr.take().unwrap();
        let (mut seen, mut b, t0) = (Vec::new(), [0u8; 256], Instant::now());
        while !String::from_utf8_lossy(&seen).contains("Capturing on")
            && t0.elapsed() < Duration::from_secs(20)
        {
            match std::io::Read::read(&mut err, &mut b) {
                Ok(0) | Err(_) => break,
                Ok(k) => seen.extend_from_slice(&b[..k]),
            }
        }
        std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
        std::thread::sleep(Duration::from_millis(500));
        Capture(c)
    }

    pub fn stop(mut self) {
        std::thread::sleep(Duration::from_millis(300));
        let _ = Command::new("kill")
            .args(["-INT", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

/// `sctp-endpoint serve` on a UDP port; killed on drop.
pub struct Serve(pub Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The workspace's `sctp-endpoint`, built beside this test's binary.
pub fn endpoint_binary() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_BIN_EXE_sctp-replay")).with_file_name("sctp-endpoint");
    if !p.exists() {
        let o = Command::new(env!("CARGO"))
            .current_dir(root())
            .args(["build", "--release", "-q", "-p", "sctp-endpoint"])
            .output()
            .expect("cargo build -p sctp-endpoint");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    p
}

/// `sctp-endpoint serve --udp PORT --bind 127.0.0.1 --port 5000 --mode MODE`
/// with `extra` options, its output in `log`; waits 300 ms for it.
pub fn start_serve(port: u16, mode: &str, extra: &[&str], log: &Path) -> Serve {
    let s = Serve(
        Command::new(endpoint_binary())
            .args(["serve", "--udp", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--port", "5000", "--mode", mode])
            .args(extra)
            .stdout(std::fs::File::create(log).expect("the log"))
            .stderr(Stdio::null())
            .spawn()
            .expect("sctp-endpoint serve"),
    );
    std::thread::sleep(Duration::from_millis(300));
    s
}
