//! `sctp-craft dissect`: every SCTP packet of a capture as a summary line, a
//! full tree (`-V`) or JSON (`--json`), optionally with a hex dump (`-x`).

use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use sctp_codec::capture::{Backend, CaptureReader};
use sctp_codec::checksum::{self, VerifyMode};
use sctp_codec::link::{extract_sctp, Defragmenter, Encapsulation, LinkConfig};
use sctp_codec::{lint, Decoder, Dialect};

use crate::output::tree::{checksum_line, TreeWriter};
use crate::output::{hexdump::hexdump, json, summary};

/// Options of `sctp-craft dissect`.
#[derive(Args, Debug)]
pub struct DissectArgs {
    /// The capture (pcap, pcapng, gzip-compressed either); "-" reads stdin.
    pub file: PathBuf,
    /// Print the full tree of every packet.
    #[arg(short = 'V', long)]
    pub verbose: bool,
    /// Print one JSON object per line per SCTP packet.
    #[arg(long)]
    pub json: bool,
    /// Add a hex dump of the SCTP bytes under each packet.
    #[arg(short = 'x', long)]
    pub hex: bool,
    /// Which numbering to decode with: standard, ssctp or auto.
    #[arg(long, default_value = "auto")]
    pub dialect: Dialect,
    /// UDP port(s) carrying SCTP (RFC 6951); repeat for several.
    #[arg(long = "udp-port", default_values_t = [9899u16])]
    pub udp_ports: Vec<u16>,
    /// Checksum algorithm to verify: any (CRC32c, then Adler-32), crc32c or adler32.
    #[arg(long, default_value = "any")]
    pub checksum: String,
    /// Also print lints (in the summary and tree views; always in JSON).
    #[arg(long)]
    pub lint: bool,
    /// Capture reader: libpcap, or the pure-Rust reader ("native"), which is
    /// faster on large plain files (libpcap reads them 4 KiB per system call).
    #[arg(long, default_value = "libpcap", value_parser = ["libpcap", "native"])]
    pub reader: String,
}

fn verify_mode(s: &str) -> Result<VerifyMode> {
    match s {
        "any" => Ok(VerifyMode::Any),
        "crc32c" => Ok(VerifyMode::Crc32c),
        "adler32" => Ok(VerifyMode::Adler32),
        _ => anyhow::bail!("unknown checksum mode {s:?} (any, crc32c, adler32)"),
    }
}

fn encap_name(e: &Encapsulation) -> &'static str {
    match e {
        Encapsulation::None => "ip",
        Encapsulation::Udp { .. } => "udp",
        Encapsulation::IcmpError { .. } => "icmp",
    }
}

/// Runs the command; exit code 1 when the capture is broken part-way.
pub fn run(a: &DissectArgs) -> Result<ExitCode> {
    let mode = verify_mode(&a.checksum)?;
    let mut reader = if a.file.as_os_str() == "-" {
        CaptureReader::from_reader(io::stdin())
    } else {
        let prefer = match a.reader.as_str() {
            "native" => Backend::PcapParser,
            _ => Backend::Libpcap,
        };
        CaptureReader::open_with(&a.file, prefer)
    }
    .map_err(|e| anyhow::anyhow!("{}: {e}", a.file.display()))?;
    let cfg = LinkConfig {
        udp_ports: a.udp_ports.clone(),
    };
    let mut defrag = Defragmenter::default();
    let mut decoder = Decoder::new(a.dialect);
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut s = String::with_capacity(4096);
    let mut status = ExitCode::SUCCESS;
    while let Some(frame) = reader.next_frame() {
        let frame = match frame {
            Ok(f) => f,
            Err(e) => {
                out.flush().ok();
                eprintln!("sctp-craft: {}: {e}", a.file.display());
                status = ExitCode::from(1);
                break;
            }
        };
        let seg = match extract_sctp(frame.link_type, frame.data, &cfg, &mut defrag) {
            Ok(Some(seg)) => seg,
            Ok(None) => continue,
            Err(e) => {
                if a.verbose || a.lint {
                    let _ = writeln!(s, "{:>6} link error: {e}", frame.number);
                }
                continue;
            }
        };
        let bytes: &[u8] = &seg.sctp;
        let key = seg.assoc_key();
        let report = checksum::verify(bytes, mode);
        let packet = match decoder.decode(bytes, Some(key)) {
            Ok(p) => p,
            Err(e) => {
                if a.json {
                    let _ = write!(
                        s,
                        "{{\"frame\":{},\"src\":\"{}\",\"dst\":\"{}\",\"error\":",
                        frame.number, seg.src, seg.dst
                    );
                    json::push_str(&mut s, &e.to_string());
                    s.push_str("}\n");
                } else {
                    let _ = writeln!(
                        s,
                        "{:>6} {} → {} SCTP error: {e}",
                        frame.number, seg.src, seg.dst
                    );
                }
                out.write_all(s.as_bytes())?;
                s.clear();
                continue;
            }
        };
        let h = packet.header;
        if a.json {
            json::packet_head(
                &mut s,
                &json::PacketHead {
                    frame: frame.number,
                    src: &seg.src,
                    dst: &seg.dst,
                    header: &h,
                    encapsulation: encap_name(&seg.encap),
                    truncated: seg.truncated,
                    checksum: &report,
                },
            );
            let lints = {
                let mut w = json::JsonWriter::new(&mut s, true, false);
                lint::lint_with(&packet, Some(&report), &mut w)
            };
            s.push(']');
            if !packet.trailing.is_empty() {
                s.push_str(",\"trailing\":");
                json::push_hex(&mut s, &packet.trailing);
            }
            s.push_str(",\"lints\":[");
            for (k, l) in lints.iter().enumerate() {
                if k > 0 {
                    s.push(',');
                }
                let _ = write!(
                    s,
                    "{{\"offset\":{},\"code\":\"{}\",\"message\":",
                    l.offset, l.code
                );
                json::push_str(&mut s, &l.message);
                s.push('}');
            }
            s.push_str("]}\n");
        } else {
            summary::header(
                &mut s,
                frame.number,
                (&seg.src, h.source_port),
                (&seg.dst, h.destination_port),
                h.verification_tag,
            );
            for (k, c) in packet.chunks.iter().enumerate() {
                if k > 0 {
                    s.push_str(", ");
                }
                summary::chunk(&mut s, c);
            }
            if !matches!(report.status, checksum::ChecksumStatus::Good) {
                let _ = write!(s, " [checksum {}]", report.status.as_str());
            }
            if matches!(seg.encap, Encapsulation::Udp { .. }) {
                s.push_str(" [udp]");
            }
            if matches!(seg.encap, Encapsulation::IcmpError { .. }) {
                s.push_str(" [in icmp]");
            }
            s.push('\n');
            if a.verbose {
                checksum_line(&mut s, &report);
                let mut w = TreeWriter::new(&mut s, 1);
                packet.describe(&mut w);
            }
            if a.lint || a.verbose {
                for l in lint::lint(&packet, Some(&report)) {
                    let _ = writeln!(s, "    lint @{} {}: {}", l.offset, l.code, l.message);
                }
            }
        }
        if a.hex {
            hexdump(&mut s, bytes, "    ");
        }
        out.write_all(s.as_bytes()).context("writing output")?;
        s.clear();
    }
    out.flush().ok();
    Ok(status)
}
