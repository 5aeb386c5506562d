//! `sctp-craft graph FILE --assoc N --kind tsn|rwnd|rtt -o OUT.svg`: one
//! association's DATA over time as pictures (issue 18 item 4), from
//! `sctp_codec::analysis`:
//!
//! - `tsn`: each DATA or I-DATA chunk's TSN (RFC 9260 3.3.1) against time,
//!   retransmissions marked, and the peer's Cumulative TSN Ack (RFC 9260
//!   3.3.4) as a staircase, like Wireshark's SCTP TSN graph and tcptrace;
//! - `rwnd`: the receiver's advertised window (a_rwnd, RFC 9260 3.3.4) and
//!   the sender's bytes in flight (RFC 9260 6.1);
//! - `rtt`: each TSN's round-trip time from its first transmission to the
//!   SACK that first acknowledged it (RFC 9260 6.3.1); TSNs sent twice are
//!   drawn apart (Karn's rule leaves them out of the statistics).

mod svg;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use sctp_codec::analysis::capture::{analyze_file, ReadOptions};
use sctp_codec::analysis::{Dir, Note};
use sctp_codec::link::LinkConfig;
use sctp_codec::Dialect;

use svg::{Chart, Series, Style};

/// Which picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// TSN of each DATA chunk and the cumulative acknowledgement over time.
    Tsn,
    /// Receiver window and bytes in flight over time.
    Rwnd,
    /// Round-trip time of each acknowledged TSN over time.
    Rtt,
}

/// Which direction's DATA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DirArg {
    /// From the initiator (the INIT's sender, or the first packet's).
    Forward,
    /// Towards the initiator.
    Reverse,
}

/// Command line of `sctp-craft graph`.
#[derive(clap::Args, Debug, Clone)]
pub struct GraphArgs {
    /// The capture (pcap, pcapng, gzip-compressed).
    pub file: PathBuf,
    /// The association (1-based, as `sctp-craft assoc` numbers them).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub assoc: usize,
    /// The picture: tsn, rwnd or rtt.
    #[arg(long, value_enum, default_value = "tsn")]
    pub kind: Kind,
    /// The direction whose DATA is drawn (default: the one with more DATA).
    #[arg(long, value_enum)]
    pub dir: Option<DirArg>,
    /// Where to write the SVG.
    #[arg(short = 'o', long, value_name = "OUT.svg")]
    pub output: PathBuf,
    /// UDP port(s) carrying SCTP (RFC 6951); repeat for several; 0: every UDP
    /// port (a datagram that is no SCTP shows as a bad one).
    #[arg(long = "udp-port", default_values_t = [9899u16])]
    pub udp_ports: Vec<u16>,
    /// Which numbering to decode with: standard, ssctp or auto.
    #[arg(long, default_value = "auto")]
    pub dialect: Dialect,
}

/// What one direction's DATA gave over time (seconds from the
/// association's first packet).
#[derive(Debug, Default)]
struct Trace {
    first_tsn: Option<u32>,
    data: Vec<(f64, f64)>,
    retrans: Vec<(f64, f64)>,
    /// Copies captured at the very instant of the first (one packet seen on
    /// two interfaces): retransmission marks, not second sends.
    copies: Vec<(f64, f64)>,
    cum_ack: Vec<(f64, f64)>,
    rwnd: Vec<(f64, f64)>,
    in_flight: Vec<(f64, f64)>,
    rtt: Vec<(f64, f64)>,
    rtt_ambiguous: Vec<(f64, f64)>,
}

impl Trace {
    /// `tsn` relative to the first TSN of the direction (serial, RFC 9260 1.6).
    fn rel(&mut self, tsn: u32) -> f64 {
        let first = *self.first_tsn.get_or_insert(tsn);
        f64::from(tsn.wrapping_sub(first) as i32)
    }
}

/// Runs `sctp-craft graph`.
pub fn run(a: &GraphArgs) -> Result<ExitCode> {
    crate::files::capture_precheck(&a.file).map_err(anyhow::Error::msg)?;
    crate::files::refuse_same_file(&a.output, &a.file).map_err(anyhow::Error::msg)?;
    let opts = ReadOptions {
        link: LinkConfig {
            udp_ports: a.udp_ports.clone(),
        },
        dialect: a.dialect,
    };
    let mut traces = [Trace::default(), Trace::default()];
    let mut t0: Option<i128> = None;
    let sums = match analyze_file(&a.file, &opts, Default::default(), |m, _, r| {
        let Some(at) = r.assoc.filter(|x| x.id == a.assoc) else {
            return;
        };
        let t = (m.time_ns - *t0.get_or_insert(m.time_ns)) as f64 / 1e9;
        for n in &r.notes {
            match &n.note {
                Note::Data(d) => {
                    let tr = &mut traces[at.dir.index()];
                    let y = tr.rel(d.tsn);
                    match d.retransmission {
                        Some(r) if r.after_ns == Some(0) => tr.copies.push((t, y)),
                        Some(_) => tr.retrans.push((t, y)),
                        None => tr.data.push((t, y)),
                    }
                    tr.in_flight.push((t, d.in_flight as f64));
                }
                Note::Sack(s) => {
                    let tr = &mut traces[at.dir.flip().index()];
                    let y = tr.rel(s.cum_tsn_ack.wrapping_add(1)) - 1.0;
                    tr.cum_ack.push((t, y));
                    tr.in_flight.push((t, s.in_flight as f64));
                    if let Some(w) = s.a_rwnd {
                        tr.rwnd.push((t, f64::from(w)));
                    }
                    for x in &s.acked {
                        let ms = x.rtt_ns as f64 / 1e6;
                        match x.retransmitted {
                            true => tr.rtt_ambiguous.push((t, ms)),
                            false => tr.rtt.push((t, ms)),
                        }
                    }
                }
                _ => {}
            }
        }
    }) {
        Ok(s) => s,
        Err((_, e)) => anyhow::bail!(crate::files::describe_read_error(Some(&a.file), &e)),
    };
    let Some(sum) = sums.get(a.assoc.wrapping_sub(1)) else {
        anyhow::bail!(
            "{}: no association {} (the capture has {}){}",
            a.file.display(),
            a.assoc,
            sums.len(),
            if sums.is_empty() {
                sctp_codec::capture::udp_sctp_hint_line(&a.file)
            } else {
                String::new()
            }
        );
    };
    let dir = match a.dir {
        Some(DirArg::Forward) => Dir::Forward,
        Some(DirArg::Reverse) => Dir::Reverse,
        None if sum.dirs[1].data_chunks > sum.dirs[0].data_chunks => Dir::Reverse,
        None => Dir::Forward,
    };
    let d = &sum.dirs[dir.index()];
    let (src, dst) = (
        &sum.addresses[dir.index()],
        &sum.addresses[dir.flip().index()],
    );
    let name = |l: &[std::net::IpAddr], p: u16| match l.first() {
        Some(x) => format!("{x}:{p}"),
        None => format!("?:{p}"),
    };
    let subtitle = format!(
        "{}: association {}, {} direction, {} -> {}",
        crate::assoc_cmd::file_name(&a.file),
        sum.id,
        dir.name(),
        name(src, d.src_port),
        name(dst, d.dst_port)
    );
    let tr = std::mem::take(&mut traces[dir.index()]);
    let chart = match a.kind {
        Kind::Tsn => Chart {
            title: "TSN over time".into(),
            subtitle,
            x_label: "time since the association's first packet (s)".into(),
            y_label: format!(
                "TSN - {} (first TSN seen)",
                tr.first_tsn.map_or("?".into(), |f| f.to_string())
            ),
            series: vec![
                Series {
                    name: "copy captured at the same instant".into(),
                    color: "#c7c7c7",
                    style: Style::Dots,
                    points: tr.copies,
                },
                Series {
                    name: "DATA".into(),
                    color: "#1f77b4",
                    style: Style::Dots,
                    points: tr.data,
                },
                Series {
                    name: "cumulative TSN ack (SACK)".into(),
                    color: "#2ca02c",
                    style: Style::Steps,
                    points: tr.cum_ack,
                },
                Series {
                    name: "retransmitted DATA".into(),
                    color: "#d62728",
                    style: Style::Crosses,
                    points: tr.retrans,
                },
            ],
        },
        Kind::Rwnd => Chart {
            title: "Receiver window and bytes in flight".into(),
            subtitle,
            x_label: "time since the association's first packet (s)".into(),
            y_label: "bytes".into(),
            series: vec![
                Series {
                    name: "a_rwnd advertised by the receiver".into(),
                    color: "#2ca02c",
                    style: Style::Steps,
                    points: tr.rwnd,
                },
                Series {
                    name: "user data bytes in flight".into(),
                    color: "#1f77b4",
                    style: Style::Steps,
                    points: tr.in_flight,
                },
            ],
        },
        Kind::Rtt => Chart {
            title: "Round-trip time of each acknowledged TSN".into(),
            subtitle,
            x_label: "time of the acknowledgement (s)".into(),
            y_label: "RTT (ms)".into(),
            series: vec![
                Series {
                    name: "RTT".into(),
                    color: "#1f77b4",
                    style: Style::Dots,
                    points: tr.rtt,
                },
                Series {
                    name: "sent more than once (Karn: not a sample)".into(),
                    color: "#7f7f7f",
                    style: Style::Crosses,
                    points: tr.rtt_ambiguous,
                },
            ],
        },
    };
    std::fs::write(&a.output, chart.render()).with_context(|| format!("{}", a.output.display()))?;
    if chart.is_empty() {
        eprintln!(
            "sctp-craft: graph: association {} has nothing to draw in this direction for --kind {}; {} has its axes only",
            a.assoc,
            clap::ValueEnum::to_possible_value(&a.kind).map_or_else(String::new, |v| v.get_name().to_string()),
            a.output.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
