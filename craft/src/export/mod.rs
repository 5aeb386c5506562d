//! `sctp-craft export FILES_OR_DIRS... -o OUT_DIR --format parquet` (issue
//! 18 item 6): captures as a Parquet dataset for DuckDB, DataFusion or
//! Spark. Three tables, each partitioned Hive-style by source file:
//!
//! - `OUT/chunks/source=NAME/part-0.parquet`: one row per chunk (RFC 9260
//!   3.2) with its fields, checksum status, lints and what the association
//!   analysis (`sctp_codec::analysis`) says of it (retransmission, RTT,
//!   HEARTBEAT RTT, AUTH verdict);
//! - `OUT/acks/source=NAME/part-0.parquet`: one row per TSN first
//!   acknowledged (RFC 9260 6.2.1) with its RTT (RFC 9260 6.3.1);
//! - `OUT/associations/source=NAME/part-0.parquet`: one row per association
//!   (RFC 9260 1.3), the figures of `sctp-craft assoc`.
//!
//! Files are exported in parallel, one per thread; each streams its rows
//! into row groups of 64 Ki rows, so memory does not grow with a capture's
//! length. Directories are walked for pcap, pcapng and gzip files. A file
//! that cannot be read is reported and the others are exported; the exit
//! status is then 1.

mod rows;
mod table;

use std::collections::HashSet;
use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use sctp_codec::link::LinkConfig;
use sctp_codec::Dialect;

pub use rows::{assoc_columns, FileOutcome, ACK_COLUMNS, CHUNK_COLUMNS};

/// Output formats of `sctp-craft export`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Apache Parquet, Hive-partitioned by source file.
    Parquet,
}

/// Command line of `sctp-craft export`.
#[derive(clap::Args, Debug, Clone)]
pub struct ExportArgs {
    /// Capture files (pcap, pcapng, gzip) and directories (walked
    /// recursively for *.pcap, *.pcapng, *.cap, *.pcap.gz, *.pcapng.gz).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// The output directory (created; must be empty or absent unless
    /// --force).
    #[arg(short = 'o', long = "output", value_name = "OUT_DIR")]
    pub output: PathBuf,
    /// The output format.
    #[arg(long, value_enum, default_value = "parquet")]
    pub format: Format,
    /// Write into a non-empty OUT_DIR: its chunks/, acks/ and associations/
    /// tables are removed first.
    #[arg(long)]
    pub force: bool,
    /// Files exported at once (default: the number of CPUs).
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,
    /// Skip the lints (a full decode of each packet): faster.
    #[arg(long)]
    pub no_lints: bool,
    /// SCTP-AUTH key file (docs/auth-keys.md) for the AUTH verdicts.
    #[arg(long, value_name = "FILE")]
    pub keys: Option<PathBuf>,
    /// UDP port(s) carrying SCTP (RFC 6951); repeat for several; 0: every UDP
    /// port (a datagram that is no SCTP shows as a bad one).
    #[arg(long = "udp-port", default_values_t = [9899u16])]
    pub udp_ports: Vec<u16>,
    /// Which numbering to decode with: standard, ssctp or auto.
    #[arg(long, default_value = "auto")]
    pub dialect: Dialect,
    /// No progress bar, even on a terminal.
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

const TABLES: [&str; 3] = ["chunks", "acks", "associations"];

fn is_capture_name(p: &Path) -> bool {
    let n = p
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let n = n.strip_suffix(".gz").unwrap_or(&n);
    [".pcap", ".pcapng", ".cap"].iter().any(|e| n.ends_with(e))
}

/// The capture files of `inputs`: files as given, directories walked
/// recursively (sorted, symbolic links to directories not followed), each
/// file once: one named again (the same path twice, a directory and a file
/// in it, a link to a file already listed) would export its rows twice.
/// Also returns how many were left out as named before.
pub fn collect_inputs(inputs: &[PathBuf]) -> Result<(Vec<PathBuf>, usize)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("{}", dir.display()))?
            .filter_map(|e| e.ok())
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                walk(&p, out)?;
            } else if is_capture_name(&p) && !ft.is_dir() {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for i in inputs {
        let meta = std::fs::metadata(i).with_context(|| format!("{}", i.display()))?;
        if meta.is_dir() {
            walk(i, &mut out)?;
        } else {
            out.push(i.clone());
        }
    }
    let before = out.len();
    let mut seen = HashSet::new();
    out.retain(|f| seen.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())));
    let repeated = before - out.len();
    Ok((out, repeated))
}

/// Partition values for `files`: each file name with characters other than
/// letters, digits, `.`, `_`, `+` and `-` made `_`, and `~2`, `~3`... added
/// to names met before.
pub fn partition_names(files: &[PathBuf]) -> Vec<String> {
    let mut seen = HashSet::new();
    files
        .iter()
        .map(|f| {
            let base: String = f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "capture".into())
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "._+-".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let mut name = base.clone();
            let mut k = 1;
            while !seen.insert(name.clone()) {
                k += 1;
                name = format!("{base}~{k}");
            }
            name
        })
        .collect()
}

fn prepare_output(out: &Path, force: bool) -> Result<()> {
    match std::fs::read_dir(out) {
        Ok(mut d) => {
            if d.next().is_some() {
                if !force {
                    bail!(
                        "{} is not empty: choose another directory or add --force (which removes its {} tables)",
                        out.display(),
                        TABLES.join(", ")
                    );
                }
                for t in TABLES {
                    let p = out.join(t);
                    if p.exists() {
                        std::fs::remove_dir_all(&p).with_context(|| format!("{}", p.display()))?;
                    }
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(out).with_context(|| format!("{}", out.display()))?;
        }
        Err(e) => return Err(e).with_context(|| format!("{}", out.display())),
    }
    Ok(())
}

fn bar(done: usize, total: usize, rows: u64, started: Instant) -> String {
    let width = 30;
    let filled = (done * width).checked_div(total).unwrap_or(width);
    let secs = started.elapsed().as_secs_f64().max(1e-3);
    format!(
        "\r[{}{}] {done}/{total} files, {rows} chunk rows, {:.0} rows/s ",
        "=".repeat(filled),
        " ".repeat(width - filled),
        rows as f64 / secs
    )
}

/// Runs `sctp-craft export`.
pub fn run(a: &ExportArgs) -> Result<ExitCode> {
    let analysis = crate::assoc_cmd::config(a.keys.as_ref())?;
    let (files, repeated) = collect_inputs(&a.inputs)?;
    if repeated > 0 {
        eprintln!(
            "sctp-craft: export: {repeated} file(s) named more than once in the inputs: each is exported once"
        );
    }
    if files.is_empty() {
        bail!("no capture file (*.pcap, *.pcapng, *.cap, *.gz) in the inputs");
    }
    prepare_output(&a.output, a.force)?;
    let parts = partition_names(&files);
    let cfg = rows::ReadConfig {
        link: LinkConfig {
            udp_ports: a.udp_ports.clone(),
        },
        dialect: a.dialect,
        lints: !a.no_lints,
    };
    let jobs = a
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, files.len());
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let rows = AtomicU64::new(0);
    let results: Mutex<Vec<Option<FileOutcome>>> = Mutex::new(vec![None; files.len()]);
    let started = Instant::now();
    let show = !a.quiet && std::io::stderr().is_terminal();
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(f) = files.get(i) else { break };
                let dest = rows::Dest {
                    out: &a.output,
                    part: &parts[i],
                };
                let r = rows::export_file(f, &dest, &cfg, analysis.clone(), &rows);
                if let Ok(mut v) = results.lock() {
                    v[i] = Some(r);
                }
                done.fetch_add(1, Ordering::Relaxed);
            });
        }
        if show {
            while done.load(Ordering::Relaxed) < files.len() {
                let line = bar(
                    done.load(Ordering::Relaxed),
                    files.len(),
                    rows.load(Ordering::Relaxed),
                    started,
                );
                let _ = std::io::stderr().write_all(line.as_bytes());
                std::thread::sleep(Duration::from_millis(100));
            }
            let line = bar(
                files.len(),
                files.len(),
                rows.load(Ordering::Relaxed),
                started,
            );
            let _ = writeln!(std::io::stderr(), "{line}");
        }
    });
    let results = results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect::<Vec<_>>();
    let elapsed = started.elapsed().as_secs_f64();
    let mut failed = 0;
    let (mut chunks, mut acks, mut assocs, mut packets, mut written) = (0, 0, 0, 0, 0);
    for r in &results {
        chunks += r.chunks;
        acks += r.acks;
        assocs += r.assocs;
        packets += r.packets;
        written += usize::from(r.written);
        if let Some(e) = &r.error {
            failed += 1;
            eprintln!("sctp-craft: export: {e}");
        }
    }
    eprintln!(
        "sctp-craft: exported {written} of {} files ({packets} SCTP packets): {chunks} chunk rows, {acks} ack rows, {assocs} association rows in {elapsed:.2} s ({:.0} chunk rows/s) to {}",
        files.len(),
        chunks as f64 / elapsed.max(1e-9),
        a.output.display()
    );
    // Nothing was SCTP: perhaps it travels over UDP on ports nobody named
    // (the first files that say so; each is read again).
    if packets == 0 {
        for f in files.iter().take(3) {
            if let Some(h) = sctp_codec::capture::udp_sctp_hint(f) {
                eprintln!("sctp-craft: export: {}: {h}", f.display());
            }
        }
    }
    if failed > 0 {
        eprintln!("sctp-craft: export: {failed} file(s) could not be read in full (above)");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_names_are_safe_and_unique() {
        let files = [
            PathBuf::from("a/x y=1.pcap"),
            PathBuf::from("b/x y=1.pcap"),
            PathBuf::from("c/ok-1.pcapng.gz"),
        ];
        assert_eq!(
            partition_names(&files),
            ["x_y_1.pcap", "x_y_1.pcap~2", "ok-1.pcapng.gz"]
        );
    }

    #[test]
    fn a_file_named_twice_is_collected_once() {
        let dir = std::env::temp_dir().join(format!("sctpkit-collect-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        for f in ["a.pcap", "sub/b.pcapng", "notes.txt"] {
            std::fs::write(dir.join(f), b"x").unwrap();
        }
        std::os::unix::fs::symlink(dir.join("a.pcap"), dir.join("sub/link.pcap")).unwrap();
        // The directory, a file in it again, the file through `sub/..`,
        // and (inside the walk) a link to it.
        let inputs = [dir.clone(), dir.join("a.pcap"), dir.join("sub/../a.pcap")];
        let (files, repeated) = collect_inputs(&inputs).unwrap();
        assert_eq!(files, [dir.join("a.pcap"), dir.join("sub/b.pcapng")]);
        assert_eq!(repeated, 3);
        let (files, repeated) = collect_inputs(&[dir.join("sub")]).unwrap();
        assert_eq!(files, [dir.join("sub/b.pcapng"), dir.join("sub/link.pcap")]);
        assert_eq!(repeated, 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn capture_names() {
        assert!(is_capture_name(Path::new("x/y.PCAPNG.gz")));
        assert!(is_capture_name(Path::new("y.cap")));
        assert!(!is_capture_name(Path::new("y.txt")));
        assert!(!is_capture_name(Path::new("y.gz")));
    }
}
