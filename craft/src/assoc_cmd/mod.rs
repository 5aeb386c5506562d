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
use sctp_codec::analysis::{AssocSummary, Config, KeyLog, PacketMeta, PacketReport};
use sctp_codec::link::LinkConfig;
use sctp_codec::registry::DialectTag;
use sctp_codec::{Dialect, PacketView};

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
    /// UDP port(s) carrying SCTP (RFC 6951); repeat for several; 0: every UDP
    /// port (a datagram that is no SCTP shows as a bad one).
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
    summaries_and_dialects(file, udp_ports, dialect, cfg).map(|(s, _, b)| (s, b))
}

/// As [`summaries`], with the numbering each association's chunks were
/// decoded with (by association number, from 1): S-SCTP
/// (draft-hohendorf-secure-sctp-15) when the decoder typed any of its
/// chunks as an S-SCTP chunk (`--dialect ssctp`, or `auto` once it has
/// recognised the association as S-SCTP, codec/src/dialect.rs), standard
/// otherwise.
pub fn summaries_and_dialects(
    file: &std::path::Path,
    udp_ports: &[u16],
    dialect: Dialect,
    cfg: Config,
) -> Result<(Vec<AssocSummary>, Vec<DialectTag>, Option<String>)> {
    crate::files::capture_precheck(file).map_err(anyhow::Error::msg)?;
    let opts = ReadOptions {
        link: LinkConfig {
            udp_ports: udp_ports.to_vec(),
        },
        dialect,
    };
    let mut tags: Vec<DialectTag> = Vec::new();
    let each = |_: &PacketMeta, v: &PacketView<'_>, r: &PacketReport| {
        let Some(at) = r.assoc else { return };
        if tags.len() < at.id {
            tags.resize(at.id, DialectTag::Standard);
        }
        if tags[at.id - 1] == DialectTag::Standard
            && v.chunks()
                .any(|c| c.info().is_some_and(|i| i.dialect != DialectTag::Standard))
        {
            tags[at.id - 1] = DialectTag::Ssctp;
        }
    };
    let done = |s: Vec<AssocSummary>, mut tags: Vec<DialectTag>| {
        tags.resize(tags.len().max(s.len()), DialectTag::Standard);
        (s, tags)
    };
    match analyze_file(file, &opts, cfg, each) {
        Ok(s) => {
            let (s, t) = done(s, tags);
            Ok((s, t, None))
        }
        Err((s, e)) if e.frame > 1 => {
            let (s, t) = done(s, tags);
            Ok((
                s,
                t,
                Some(crate::files::describe_read_error(Some(file), &e)),
            ))
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
    chunk_name_in(t, DialectTag::Standard)
}

/// Name of chunk type `t` in the numbering `dialect` (RFC 9260 3.2; S-SCTP
/// renumbers 0x10-0x12 and adds 0xD0-0xD9, draft-hohendorf-secure-sctp-15
/// 5.1), the standard name of a type S-SCTP leaves as it is, or "type N".
pub fn chunk_name_in(t: u8, dialect: DialectTag) -> String {
    sctp_codec::analysis::text::chunk_name(t, dialect)
}

/// Runs `sctp-craft assoc`.
pub fn run(a: &AssocArgs) -> Result<ExitCode> {
    let cfg = config(a.keys.as_ref())?;
    let (sums, dialects, broken) = summaries_and_dialects(&a.file, &a.udp_ports, a.dialect, cfg)?;
    if let Some(n) = a.assoc {
        if n == 0 || n > sums.len() {
            anyhow::bail!(
                "{}: no association {n} (the capture has {}){}",
                a.file.display(),
                sums.len(),
                if sums.is_empty() {
                    sctp_codec::capture::udp_sctp_hint_line(&a.file)
                } else {
                    String::new()
                }
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
            text::association(&mut out, s, dialects[s.id - 1]);
            out.push('\n');
        }
    }
    if !a.json && sums.is_empty() {
        out.push_str("no SCTP association\n");
        if let Some(h) = sctp_codec::capture::udp_sctp_hint(&a.file) {
            eprintln!("sctp-craft: hint: {h}");
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, dialect: Dialect) -> String {
        let f = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../captures")
            .join(name);
        let (sums, tags, broken) =
            summaries_and_dialects(&f, &[9899], dialect, Config::default()).unwrap();
        assert!(broken.is_none());
        let mut out = String::new();
        for s in &sums {
            text::association(&mut out, s, tags[s.id - 1]);
        }
        out
    }

    /// The forward + reverse count of the row `label`.
    fn count(t: &str, label: &str) -> Option<u64> {
        let l = t.lines().find(|l| l.trim_start().starts_with(label))?;
        let v: Vec<u64> = l[2 + label.len()..]
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        Some(v.iter().sum())
    }

    #[test]
    fn ssctp_captures_name_chunks_in_the_dialect_the_decoder_detects() {
        // captures/README.md: 11 S-SCTP AUTH chunks and 11 EncData in
        // ssctp-keylog; ssctp-session has 0x10 and 0x11 both ways.
        let t = table("ssctp-keylog.pcapng", Dialect::Auto);
        assert_eq!(count(&t, "EncData chunks"), Some(11), "{t}");
        assert_eq!(count(&t, "AUTH (S-SCTP) chunks"), Some(11), "{t}");
        for name in ["ssctp-session.pcapng", "ssctp-keylog.pcapng"] {
            let t = table(name, Dialect::Auto);
            let std = table(name, Dialect::Standard);
            assert!(!t.contains("NR-SACK") && !t.contains("type 17"), "{t}");
            assert!(t.contains("supported extensions SSOpReq"), "{t}");
            assert!(t.contains("SSOpCom chunks"), "{t}");
            // The same chunks, named in the S-SCTP numbering (draft 5.1.11,
            // 5.1.13); forced to the standard numbering they are not.
            assert_eq!(
                count(&t, "EncData chunks"),
                count(&std, "NR-SACK chunks"),
                "{t}\n{std}"
            );
            assert_eq!(
                count(&t, "AUTH (S-SCTP) chunks"),
                count(&std, "type 17 chunks"),
                "{t}\n{std}"
            );
            assert!(count(&t, "EncData chunks").unwrap() > 0);
        }
        // A standard association keeps the standard names (usrsctp-auth:
        // AUTH, type 15).
        let f = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../captures/usrsctp-auth.pcapng");
        let (sums, tags, _) =
            summaries_and_dialects(&f, &[39899, 39900], Dialect::Auto, Config::default()).unwrap();
        assert_eq!(tags, vec![DialectTag::Standard; sums.len()]);
        let mut out = String::new();
        text::association(&mut out, &sums[0], tags[0]);
        assert_eq!(count(&out, "AUTH chunks"), Some(30), "{out}");
    }
}
