//! Helpers shared by the `sctp-replay live` tests: ports from the process
//! id, the usrsctp peer of `capture-tools/`, running `sctp-replay`, writing
//! edited captures, tshark, and a network namespace behind a veth pair.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;

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
        let src = root().join("capture-tools/usrsctp_peer.c");
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let out = dir.join("replay_usrsctp_peer");
        let tmp = dir.join(format!("replay_usrsctp_peer.{}", std::process::id()));
        let flags = Command::new("pkg-config")
            .args(["--cflags", "--libs", "usrsctp"])
            .output()
            .map_err(|e| format!("pkg-config: {e}"))?;
        if !flags.status.success() {
            return Err("pkg-config does not know usrsctp: install libusrsctp-dev".into());
        }
        let flags = String::from_utf8_lossy(&flags.stdout).to_string();
        let o = Command::new("cc")
            .args(["-O2", "-Wall", "-o"])
            .arg(&tmp)
            .arg(&src)
            .args(flags.split_whitespace())
            .arg("-lpthread")
            .output()
            .map_err(|e| format!("cc: {e}"))?;
        if !o.status.success() {
            return Err(String::from_utf8_lossy(&o.stderr).to_string());
        }
        std::fs::rename(&tmp, &out).map_err(|e| e.to_string())?;
        Ok(out)
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

/// Starts a peer with `args` and `;`-separated commands on stdin.
pub fn peer(args: &[String], cmds: &str) -> Peer {
    let mut c = Command::new(peer_binary())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run the usrsctp peer");
    let mut stdin = c.stdin.take().expect("stdin");
    stdin
        .write_all(cmds.replace(';', "\n").as_bytes())
        .expect("peer commands");
    stdin.write_all(b"\n").expect("peer commands");
    drop(stdin);
    Peer(c)
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
}

impl Netns {
    pub fn create(n: u8) -> Netns {
        let pid = std::process::id();
        let ns = Netns {
            name: format!("sctpkit-live-{pid}-{n}"),
            host_if: format!("lvh{}x{n}", pid % 100_000),
        };
        let peer_if = format!("lvp{}x{n}", pid % 100_000);
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
    c.arg("-r").arg(file).args(["-o", "sctp.checksum:none"]);
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
