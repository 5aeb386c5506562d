//! `sctp-craft assoc FILE [--json]`: the association tables of a capture
//! (issue 18): for each association (RFC 9260 1.3), the handshake and what it
//! negotiated (RFC 9260 5.1), how it ended (RFC 9260 9), SCTP-AUTH outcomes
//! (RFC 4895), and per direction and per stream: packets, chunks by type,
//! bytes, messages, retransmissions, RTT minimum/mean/maximum, windows.
//! Built on `sctp_codec::analysis`; one pass, memory bounded by the data in
//! flight.

mod json;
mod text;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use sctp_codec::analysis::capture::{analyze_file, ReadOptions};
use sctp_codec::analysis::{AssocSummary, Config, KeyLog};
use sctp_codec::link::LinkConfig;
use sctp_codec::registry::{lookup, DialectTag, Family};
use sctp_codec::Dialect;

/// Command line of `sctp-craft assoc`.
#[derive(clap::Args, Debug, Clone)]
pub struct AssocArgs {
    /// The capture (pcap, pcapng, gzip-compressed).
    pub file: PathBuf,
    /// One JSON object per association, one a line.
    #[arg(long)]
    pub json: bool,
    /// Only association N (1-based, in order of first packet).
    #[arg(long, value_name = "N")]
    pub assoc: Option<usize>,
    /// SCTP-AUTH key file (docs/auth-keys.md): AUTH chunks are verified with
    /// its keys (key identifier 0 defaults to the empty key, RFC 4895 6.1).
    #[arg(long, value_name = "FILE")]
    pub keys: Option<PathBuf>,
    /// UDP port(s) carrying SCTP (RFC 6951); repeat for several.
    #[arg(long = "udp-port", default_values_t = [9899u16])]
    pub udp_ports: Vec<u16>,
    /// Which numbering to decode with: standard, ssctp or auto.
    #[arg(long, default_value = "auto")]
    pub dialect: Dialect,
}

/// The analysis configuration `a` asks for (its key file read).
pub fn config(keys: Option<&PathBuf>) -> Result<Config> {
    let mut cfg = Config::default();
    if let Some(k) = keys {
        let text = std::fs::read_to_string(k).with_context(|| format!("{}", k.display()))?;
        cfg.keys = KeyLog::parse(&text).with_context(|| format!("{}", k.display()))?;
    }
    Ok(cfg)
}

/// Reads and analyses the capture; a capture broken part-way gives what was
/// read and the error text.
pub fn summaries(
    file: &std::path::Path,
    udp_ports: &[u16],
    dialect: Dialect,
    cfg: Config,
) -> Result<(Vec<AssocSummary>, Option<String>)> {
    crate::files::capture_precheck(file).map_err(anyhow::Error::msg)?;
    let opts = ReadOptions {
        link: LinkConfig {
            udp_ports: udp_ports.to_vec(),
        },
        dialect,
    };
    match analyze_file(file, &opts, cfg, |_, _, _| {}) {
        Ok(s) => Ok((s, None)),
        Err((s, e)) if e.frame > 1 => {
            Ok((s, Some(crate::files::describe_read_error(Some(file), &e))))
        }
        Err((_, e)) => Err(anyhow::Error::msg(crate::files::describe_read_error(
            Some(file),
            &e,
        ))),
    }
}

/// The file name of `p`, for titles.
pub fn file_name(p: &std::path::Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Name of chunk type `t` in the registry, or "type N".
pub fn chunk_name(t: u8) -> String {
    lookup(Family::Chunk, DialectTag::Standard, u16::from(t))
        .map_or_else(|| format!("type {t}"), |i| i.name.to_string())
}

/// Runs `sctp-craft assoc`.
pub fn run(a: &AssocArgs) -> Result<ExitCode> {
    let cfg = config(a.keys.as_ref())?;
    let (sums, broken) = summaries(&a.file, &a.udp_ports, a.dialect, cfg)?;
    if let Some(n) = a.assoc {
        if n == 0 || n > sums.len() {
            anyhow::bail!(
                "{}: no association {n} (the capture has {})",
                a.file.display(),
                sums.len()
            );
        }
    }
    let chosen = sums.iter().filter(|s| a.assoc.is_none_or(|n| n == s.id));
    let mut out = String::new();
    for s in chosen {
        if a.json {
            json::association(&mut out, s);
            out.push('\n');
        } else {
            text::association(&mut out, s);
            out.push('\n');
        }
    }
    if !a.json && sums.is_empty() {
        out.push_str("no SCTP association\n");
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(out.as_bytes())
        .and_then(|_| stdout.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e.into());
        }
    }
    if let Some(b) = broken {
        eprintln!("sctp-craft: {b}");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
