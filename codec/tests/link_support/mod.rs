//! Shared helpers of the `link_*` and `capture_*` integration tests: the
//! shared capture corpus, tshark as the reference dissector, the scapy-built
//! synthetic captures, and scratch files.
#![allow(dead_code)] // each test crate uses a different subset

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use sctp_codec::capture::CaptureReader;
use sctp_codec::link::{extract_sctp, Defragmenter, Encapsulation, LinkConfig};

/// The shared corpus (never copied into the repository).
pub const CAPTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/captures");

/// Every capture file of the shared corpus, sorted by name.
pub fn shared_captures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(CAPTURES)
        .unwrap_or_else(|e| panic!("cannot list {CAPTURES}: {e}"))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            [".pcap", ".cap", ".pcapng", ".gz"]
                .iter()
                .any(|ext| name.ends_with(ext))
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 39,
        "expected the 39 shared captures, found {}",
        files.len()
    );
    files
}

/// A file of the shared corpus.
pub fn shared(name: &str) -> PathBuf {
    Path::new(CAPTURES).join(name)
}

/// A fresh scratch directory under Cargo's target/tmp.
pub fn scratch_dir(tag: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "sctpkit-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Runs a command that must succeed; returns its stdout.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e} (is it installed?)"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// What tshark shows for one frame that matches the `sctp` display filter.
#[derive(Debug, Clone, Default)]
pub struct TsharkRow {
    /// First occurrence of sctp.srcport / sctp.dstport (an SCTP packet
    /// embedded in a PKTDROP chunk adds later ones).
    pub sport: Option<u16>,
    pub dport: Option<u16>,
    /// Last occurrence of ip.src/ip.dst/ipv6.src/ipv6.dst: the innermost
    /// header, i.e. the quoted datagram for ICMP errors.
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
}

/// Frames tshark shows with SCTP (`-Y sctp`), with ports and addresses.
/// `extra` goes before `-r` (e.g. `-d udp.port==5001,sctp`).
pub fn tshark_sctp(file: &Path, extra: &[&str]) -> BTreeMap<u64, TsharkRow> {
    let out = run(Command::new("tshark")
        .args(extra)
        .arg("-r")
        .arg(file)
        .args([
            "-Y",
            "sctp",
            "-T",
            "fields",
            "-E",
            "separator=/t",
            "-E",
            "occurrence=a",
        ])
        .args([
            "-e",
            "frame.number",
            "-e",
            "sctp.srcport",
            "-e",
            "sctp.dstport",
        ])
        .args([
            "-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst",
        ]));
    let mut rows = BTreeMap::new();
    for line in out.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let first = |i: usize| {
            f.get(i)
                .and_then(|s| s.split(',').next())
                .filter(|s| !s.is_empty())
        };
        let last = |i: usize| {
            f.get(i)
                .and_then(|s| s.split(',').next_back())
                .filter(|s| !s.is_empty())
        };
        let number: u64 = first(0).and_then(|s| s.parse().ok()).expect("frame number");
        let (src, dst) = match (last(5), last(6)) {
            (Some(s), Some(d)) => (s, d),
            _ => (last(3).unwrap_or(""), last(4).unwrap_or("")),
        };
        rows.insert(
            number,
            TsharkRow {
                sport: first(1).and_then(|s| s.parse().ok()),
                dport: first(2).and_then(|s| s.parse().ok()),
                src: src.parse().ok(),
                dst: dst.parse().ok(),
            },
        );
    }
    rows
}

/// `frame.protocols` of one frame, as tshark reports it.
pub fn tshark_protocols(file: &Path, frame: u64) -> String {
    run(Command::new("tshark").arg("-r").arg(file).args([
        "-Y",
        &format!("frame.number=={frame}"),
        "-T",
        "fields",
        "-e",
        "frame.protocols",
    ]))
    .trim()
    .to_string()
}

/// What our reader and extractor find in one frame.
#[derive(Debug, Clone)]
pub struct OurRow {
    pub sctp: Vec<u8>,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub ip_version: u8,
    pub encap: Encapsulation,
    pub truncated: bool,
    pub owned: bool,
    pub offset_in_frame: Option<usize>,
}

impl OurRow {
    pub fn ports(&self) -> Option<(u16, u16)> {
        let p = self.sctp.get(..4)?;
        Some((
            u16::from_be_bytes([p[0], p[1]]),
            u16::from_be_bytes([p[2], p[3]]),
        ))
    }
}

/// Result of reading one file with `CaptureReader` + `extract_sctp`.
#[derive(Debug, Default)]
pub struct Ours {
    pub frames: u64,
    pub sctp: BTreeMap<u64, OurRow>,
    /// Frames whose link/IP headers `extract_sctp` rejected.
    pub link_errors: BTreeMap<u64, String>,
}

/// Reads `file` and extracts SCTP from every frame.
pub fn ours(file: &Path, cfg: &LinkConfig) -> Ours {
    let mut reader =
        CaptureReader::open(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let mut defrag = Defragmenter::new();
    let mut out = Ours::default();
    while let Some(frame) = reader.next_frame() {
        let frame = frame.unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        out.frames = frame.number;
        match extract_sctp(frame.link_type, frame.data, cfg, &mut defrag) {
            Ok(Some(seg)) => {
                let owned = matches!(seg.sctp, std::borrow::Cow::Owned(_));
                out.sctp.insert(
                    frame.number,
                    OurRow {
                        sctp: seg.sctp.into_owned(),
                        src: seg.src,
                        dst: seg.dst,
                        ip_version: seg.ip_version,
                        encap: seg.encap,
                        truncated: seg.truncated,
                        owned,
                        offset_in_frame: seg.offset_in_frame,
                    },
                );
            }
            Ok(None) => {}
            Err(e) => {
                out.link_errors.insert(frame.number, e.to_string());
            }
        }
    }
    out
}

/// Directory holding the scapy-built synthetic captures and their
/// `manifest.tsv` (built once per test process by
/// `link_support/gen_synthetic.py` with the system Python and scapy).
pub fn synthetic_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = scratch_dir("synthetic");
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/link_support/gen_synthetic.py"
        );
        run(Command::new("/usr/bin/python3").arg(script).arg(&dir));
        dir
    })
}

/// One line of the synthetic manifest: what a frame must yield.
#[derive(Debug, Clone)]
pub struct Expected {
    pub file: String,
    pub frame: u64,
    /// `None` when no SCTP is expected (default `LinkConfig`).
    pub sctp: Option<Vec<u8>>,
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    pub ip_version: Option<u8>,
    pub encap: Option<Encapsulation>,
    pub truncated: bool,
}

/// Parses the manifest written by the generator.
pub fn manifest() -> Vec<Expected> {
    let text = std::fs::read_to_string(synthetic_dir().join("manifest.tsv")).expect("manifest");
    text.lines()
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), 8, "manifest line {line}");
            let some = |s: &str| (s != "-").then(|| s.to_string());
            Expected {
                file: f[0].to_string(),
                frame: f[1].parse().expect("frame"),
                sctp: some(f[2]).map(|h| hex::decode(h).expect("hex")),
                src: some(f[3]).map(|s| s.parse().expect("src")),
                dst: some(f[4]).map(|s| s.parse().expect("dst")),
                ip_version: some(f[5]).map(|s| s.parse().expect("version")),
                encap: some(f[6]).map(|s| parse_encap(&s)),
                truncated: f[7] == "1",
            }
        })
        .collect()
}

/// Parses the manifest's encapsulation notation: `none`, `udp:S:D`,
/// `icmp:T:C:<inner>`.
pub fn parse_encap(s: &str) -> Encapsulation {
    let parts: Vec<&str> = s.splitn(4, ':').collect();
    match parts.as_slice() {
        ["none"] => Encapsulation::None,
        ["udp", sp, dp] => Encapsulation::Udp {
            src_port: sp.parse().expect("port"),
            dst_port: dp.parse().expect("port"),
        },
        ["icmp", t, c, inner] => Encapsulation::IcmpError {
            icmp_type: t.parse().expect("type"),
            code: c.parse().expect("code"),
            inner: Box::new(parse_encap(inner)),
        },
        _ => panic!("bad encapsulation {s}"),
    }
}

/// A frame copied out of a `CaptureReader`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedFrame {
    pub number: u64,
    pub ts_sec: i64,
    pub ts_nsec: u32,
    pub link_type: u32,
    pub data: Vec<u8>,
    pub orig_len: u32,
    pub file_offset: u64,
}

/// Reads every frame; the error, if reading stopped on one, comes last.
pub fn read_all(
    reader: CaptureReader,
) -> (Vec<OwnedFrame>, Option<sctp_codec::capture::CaptureError>) {
    let (frames, err, _) = read_all_then_backend(reader);
    (frames, err)
}

/// [`read_all`], plus the backend reading at the end (libpcap hands over to
/// pcap-parser when it fails or disagrees with the record index).
pub fn read_all_then_backend(
    mut reader: CaptureReader,
) -> (
    Vec<OwnedFrame>,
    Option<sctp_codec::capture::CaptureError>,
    sctp_codec::capture::Backend,
) {
    let mut frames = Vec::new();
    while let Some(next) = reader.next_frame() {
        match next {
            Ok(f) => frames.push(OwnedFrame {
                number: f.number,
                ts_sec: f.ts_sec,
                ts_nsec: f.ts_nsec,
                link_type: f.link_type,
                data: f.data.to_vec(),
                orig_len: f.orig_len,
                file_offset: f.file_offset,
            }),
            Err(e) => {
                assert!(reader.next_frame().is_none(), "frames after an error");
                return (frames, Some(e), reader.backend());
            }
        }
    }
    (frames, None, reader.backend())
}

/// Per frame, what tshark says: number, epoch time with 9 decimals,
/// captured length, length on the wire.
pub fn tshark_frames(file: &Path) -> Vec<(u64, String, u32, u32)> {
    let out = run(Command::new("tshark").arg("-r").arg(file).args([
        "-T",
        "fields",
        "-E",
        "separator=/t",
        "-e",
        "frame.number",
        "-e",
        "frame.time_epoch",
        "-e",
        "frame.cap_len",
        "-e",
        "frame.len",
    ]));
    out.lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (
                f[0].parse().expect("number"),
                f[1].to_string(),
                f[2].parse().expect("cap_len"),
                f[3].parse().expect("len"),
            )
        })
        .collect()
}
