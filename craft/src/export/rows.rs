//! One capture file into three Parquet tables: a row per chunk (RFC 9260 3.2)
//! with its fields and what the association analysis says of it, a row per
//! TSN first acknowledged (RFC 9260 6.2.1, with its RTT, 6.3.1) and a row
//! per association (RFC 9260 1.3) with its tables.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};

use sctp_codec::analysis::{Analyzer, AssocSummary, DirStats, Note, PacketMeta, PacketReport};
use sctp_codec::capture::CaptureReader;
use sctp_codec::checksum::{self, VerifyMode};
use sctp_codec::link::{extract_sctp, Defragmenter, Encapsulation, LinkConfig};
use sctp_codec::{lint, DecodeOptions, Decoder, Dialect, Packet, PacketView, Rules};

use super::table::{opt, req, Column, Deferred, Kind, Table, V};
use crate::output::zero_checksum::{self, ZeroChecksumFollower, ZeroVerdict};

/// Columns of the `chunks` table, one row per chunk.
pub static CHUNK_COLUMNS: [Column; 43] = [
    req("file", Kind::Str).no_stats(),
    req("frame", Kind::I64).distinct(),
    req("time", Kind::Time).distinct(),
    req("time_ns", Kind::I64).distinct(),
    req("chunk_index", Kind::I32),
    req("src", Kind::Str).no_stats(),
    req("dst", Kind::Str).no_stats(),
    req("src_port", Kind::I32),
    req("dst_port", Kind::I32),
    req("vtag", Kind::I64),
    req("encapsulation", Kind::Str).no_stats(),
    opt("assoc", Kind::I32),
    opt("direction", Kind::Str).no_stats(),
    req("chunk_type", Kind::I32),
    req("chunk_name", Kind::Str).no_stats(),
    req("flags", Kind::I32),
    req("length", Kind::I32),
    opt("tsn", Kind::I64).distinct(),
    opt("stream", Kind::I32),
    opt("ssn", Kind::I32),
    opt("mid", Kind::I64).distinct(),
    opt("ppid", Kind::I64),
    opt("user_bytes", Kind::I32),
    opt("cum_tsn_ack", Kind::I64).distinct(),
    opt("a_rwnd", Kind::I64),
    req("checksum", Kind::Str).no_stats(),
    opt("lints", Kind::Str).no_stats(),
    opt("retransmission", Kind::Bool),
    opt("first_frame", Kind::I64).distinct(),
    opt("retransmitted_after", Kind::F64).distinct(),
    opt("acked_before", Kind::I64).distinct(),
    opt("gap", Kind::I32),
    opt("out_of_window", Kind::Bool),
    opt("message_bytes", Kind::I64),
    opt("in_flight", Kind::I64),
    opt("acked", Kind::I32),
    opt("rtt", Kind::F64).distinct(),
    opt("revoked", Kind::I32),
    opt("dup_tsns", Kind::I32),
    opt("stale", Kind::Bool),
    opt("hb_rtt", Kind::F64).distinct(),
    opt("hb_request_frame", Kind::I64).distinct(),
    opt("auth", Kind::Str).no_stats(),
];

/// Columns of the `acks` table, one row per TSN first acknowledged.
pub static ACK_COLUMNS: [Column; 9] = [
    req("file", Kind::Str).no_stats(),
    req("frame", Kind::I64).distinct(),
    req("time", Kind::Time).distinct(),
    req("assoc", Kind::I32),
    req("direction", Kind::Str).no_stats(),
    req("tsn", Kind::I64),
    req("data_frame", Kind::I64).distinct(),
    req("rtt", Kind::F64).distinct(),
    req("retransmitted", Kind::Bool),
];

/// Per-direction figures of the `associations` table, each as `NAME_fwd`
/// and `NAME_rev`: integers, then doubles (seconds; null without samples).
const DIR_INTS: [&str; 14] = [
    "packets",
    "bytes",
    "chunks",
    "data_chunks",
    "user_bytes",
    "messages",
    "retransmissions",
    "retransmitted_bytes",
    "gaps",
    "acked_tsns",
    "sacks",
    "rtt_samples",
    "hb_sent",
    "hb_answered",
];
const DIR_TIMES: [&str; 6] = [
    "rtt_min",
    "rtt_avg",
    "rtt_max",
    "hb_rtt_min",
    "hb_rtt_avg",
    "hb_rtt_max",
];

/// Columns of the `associations` table, one row per association.
pub fn assoc_columns() -> Vec<Column> {
    let mut v = vec![
        req("file", Kind::Str),
        req("assoc", Kind::I32),
        req("first_frame", Kind::I64),
        req("last_frame", Kind::I64),
        req("first_time", Kind::Time),
        req("duration", Kind::F64),
        req("addresses_a", Kind::Str),
        req("port_a", Kind::I32),
        req("addresses_z", Kind::Str),
        req("port_z", Kind::I32),
        opt("vtag_a", Kind::I64),
        opt("vtag_z", Kind::I64),
        req("ending", Kind::Str),
        req("ending_text", Kind::Str),
        req("auth_verified", Kind::I64),
        req("auth_bad", Kind::I64),
    ];
    for (names, kind, optional) in [
        (&DIR_INTS[..], Kind::I64, false),
        (&DIR_TIMES[..], Kind::F64, true),
    ] {
        for n in names {
            for d in ["fwd", "rev"] {
                let name: &'static str = Box::leak(format!("{n}_{d}").into_boxed_str());
                v.push(if optional {
                    opt(name, kind)
                } else {
                    req(name, kind)
                });
            }
        }
    }
    v
}

/// What one file gave.
#[derive(Debug, Default, Clone)]
pub struct FileOutcome {
    /// SCTP packets read.
    pub packets: u64,
    /// Rows of each table: chunks, acks, associations.
    pub chunks: u64,
    /// Rows of the acks table.
    pub acks: u64,
    /// Rows of the associations table.
    pub assocs: u64,
    /// Why the file could not be read (whole or in part).
    pub error: Option<String>,
    /// Whether tables were written (the capture opened).
    pub written: bool,
}

/// Where a file's tables go: `OUT/TABLE/source=PART/part-0.parquet`.
pub struct Dest<'a> {
    /// The output directory.
    pub out: &'a Path,
    /// The partition value (a file name made safe).
    pub part: &'a str,
}

impl Dest<'_> {
    fn table(&self, table: &str) -> Result<std::path::PathBuf, String> {
        let dir = self.out.join(table).join(format!("source={}", self.part));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(dir.join("part-0.parquet"))
    }
}

/// How to read captures.
#[derive(Debug, Clone)]
pub struct ReadConfig {
    /// UDP ports carrying SCTP (RFC 6951).
    pub link: LinkConfig,
    /// Chunk numbering.
    pub dialect: Dialect,
    /// Check lints (costs a full decode per packet).
    pub lints: bool,
}

fn secs(ns: i64) -> f64 {
    ns as f64 / 1e9
}

fn dir_name(d: sctp_codec::analysis::Dir) -> &'static str {
    d.name()
}

struct Tables {
    chunks: Table,
    acks: Table,
    /// Addresses met in this file, as strings.
    addrs: HashMap<IpAddr, &'static str>,
}

/// Addresses as strings, made once for the whole run: a column value that
/// lives for ever is shared by every row without reference counting. At
/// most [`MAX_INTERNED`] addresses are kept; the others are made per packet.
static INTERNED: LazyLock<Mutex<HashMap<IpAddr, &'static str>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Addresses kept as strings for the whole run (a few MB at most).
const MAX_INTERNED: usize = 1 << 16;

fn intern(a: IpAddr) -> Option<&'static str> {
    let mut m = INTERNED.lock().ok()?;
    if let Some(s) = m.get(&a) {
        return Some(s);
    }
    if m.len() >= MAX_INTERNED {
        return None;
    }
    let s: &'static str = Box::leak(a.to_string().into_boxed_str());
    m.insert(a, s);
    Some(s)
}

/// An address column value.
enum Addr {
    Static(&'static str),
    Made(String),
}

impl Addr {
    fn value(&self) -> V {
        match self {
            Addr::Static(s) => V::S(s),
            Addr::Made(s) => V::O(s.clone()),
        }
    }
}

impl Tables {
    /// `a` as a string: from this thread's cache, else the run's.
    fn addr(&mut self, a: IpAddr) -> Addr {
        if let Some(s) = self.addrs.get(&a) {
            return Addr::Static(s);
        }
        match intern(a) {
            Some(s) => {
                self.addrs.insert(a, s);
                Addr::Static(s)
            }
            None => Addr::Made(a.to_string()),
        }
    }
}

/// Exports `path`; rows counted in `progress` as they are written.
pub fn export_file(
    path: &Path,
    dest: &Dest<'_>,
    cfg: &ReadConfig,
    analysis: sctp_codec::analysis::Config,
    progress: &AtomicU64,
) -> FileOutcome {
    let mut out = FileOutcome::default();
    if let Err(e) = crate::files::capture_precheck(path) {
        out.error = Some(e);
        return out;
    }
    let mut reader = match CaptureReader::open(path) {
        Ok(r) => r,
        Err(e) => {
            out.error = Some(format!(
                "{}: {}",
                path.display(),
                crate::files::describe_read_error(Some(path), &e)
            ));
            return out;
        }
    };
    // The file name lives as long as the run (one string per input file):
    // every row shares it.
    let file: &'static str = Box::leak(path.display().to_string().into_boxed_str());
    let make = || -> Result<Tables, String> {
        Ok(Tables {
            chunks: Table::create_deferred(
                &dest.table("chunks")?,
                "chunk",
                &CHUNK_COLUMNS,
                cfg.lints.then(|| {
                    (
                        LINTS_COLUMN,
                        Box::new(LintJobs::default()) as Box<dyn Deferred>,
                    )
                }),
            )?,
            acks: Table::create(&dest.table("acks")?, "ack", &ACK_COLUMNS)?,
            addrs: HashMap::new(),
        })
    };
    let mut t = match make() {
        Ok(t) => t,
        Err(e) => {
            out.error = Some(e);
            return out;
        }
    };
    let mut analyzer = Analyzer::new(analysis);
    let mut defrag = Defragmenter::default();
    let mut decoder = Decoder::new(cfg.dialect);
    let mut zero = ZeroChecksumFollower::default();
    let mut failed: Option<String> = None;
    let mut reported = 0u64;
    while let Some(frame) = reader.next_frame() {
        let frame = match frame {
            Ok(f) => f,
            Err(e) => {
                failed = Some(format!(
                    "{}: {} (rows of the frames before it exported)",
                    path.display(),
                    crate::files::describe_read_error(Some(path), &e)
                ));
                break;
            }
        };
        let Ok(Some(seg)) = extract_sctp(frame.link_type, frame.data, &cfg.link, &mut defrag)
        else {
            continue;
        };
        let Ok(view) = decoder.view(&seg.sctp, Some(seg.assoc_key())) else {
            continue;
        };
        out.packets += 1;
        let meta = PacketMeta {
            frame: frame.number,
            time_ns: i128::from(frame.ts_sec) * 1_000_000_000 + i128::from(frame.ts_nsec),
            src: seg.src,
            dst: seg.dst,
            quoted: matches!(seg.encap, Encapsulation::IcmpError { .. }),
        };
        let verdict = zero.observe(seg.assoc_key(), &view);
        let report = analyzer.packet(&meta, &view);
        let encap = match seg.encap {
            Encapsulation::None => "ip",
            Encapsulation::Udp { .. } => "udp",
            Encapsulation::IcmpError { .. } => "icmp",
        };
        let r = packet_rows(&mut t, file, &meta, &view, &report, verdict, encap, cfg);
        if let Err(e) = r {
            failed = Some(e);
            break;
        }
        let rows = t.chunks.rows();
        if rows - reported >= 4096 {
            progress.fetch_add(rows - reported, Ordering::Relaxed);
            reported = rows;
        }
    }
    progress.fetch_add(t.chunks.rows() - reported, Ordering::Relaxed);
    let sums = analyzer.finish();
    let write_assocs = || -> Result<u64, String> {
        let mut a = Table::create(
            &dest.table("associations")?,
            "association",
            &assoc_columns(),
        )?;
        for s in &sums {
            assoc_row(&mut a, file, s)?;
        }
        a.finish()
    };
    let finished = (|| -> Result<(u64, u64, u64), String> {
        let chunks = t.chunks.finish()?;
        let acks = t.acks.finish()?;
        Ok((chunks, acks, write_assocs()?))
    })();
    match finished {
        Ok((c, a, s)) => {
            out.chunks = c;
            out.acks = a;
            out.assocs = s;
            out.written = true;
        }
        Err(e) => failed = failed.or(Some(e)),
    }
    out.error = failed;
    out
}

/// Lint codes by chunk: those inside a chunk's bytes go to it, those of
/// the common header to the first chunk, those after the last to the last.
fn lints_by_chunk(view: &PacketView<'_>, verdict: ZeroVerdict) -> Vec<String> {
    let bytes = view.bytes();
    let rules = view.rules();
    let (report, zero_lint) =
        zero_checksum::judge(checksum::verify(bytes, VerifyMode::Any), verdict);
    // Bulk DATA and SACK packets are proven clean from the view, without
    // the typed decode and the lints' walk (codec/tests/lint_free.rs).
    if zero_lint.is_none() && lint::lint_free(view, &report) {
        return vec![String::new(); view.chunk_count()];
    }
    let Ok(packet) = Packet::decode(
        bytes,
        &DecodeOptions {
            rules,
            strict: false,
        },
    ) else {
        return Vec::new();
    };
    let mut lints = lint::lint_rules(&packet, Some(&report), &rules);
    lints.extend(zero_lint);
    let mut starts: Vec<usize> = view.chunks().map(|c| c.offset()).collect();
    if view.cut_short().is_some() {
        starts.push(bytes.len() - view.trailing().len());
    }
    let mut out = vec![String::new(); starts.len()];
    if out.is_empty() {
        return out;
    }
    for l in lints {
        let k = starts.iter().rposition(|&s| s <= l.offset).unwrap_or(0);
        if !out[k].is_empty() {
            out[k].push(',');
        }
        out[k].push_str(l.code);
    }
    out
}

/// The `lints` column (filled on the writer thread with --lints).
const LINTS_COLUMN: usize = 26;

/// Moves past the `lints` column of a chunk row: null without lints, left
/// to the writer thread with them ([`LintJobs`]).
fn lints_cell(ch: &mut Table, cfg: &ReadConfig) {
    if cfg.lints {
        ch.seek(LINTS_COLUMN + 1);
    } else {
        ch.seek(LINTS_COLUMN);
        ch.push(V::Null);
    }
}

/// The packets of a row group whose lints (a full decode of each packet)
/// the writer thread finds while the next group fills: their bytes one
/// after another, and per packet where they end, its decoding rules, its
/// zero-checksum verdict and how many chunk rows it has.
#[derive(Default)]
struct LintJobs {
    bytes: Vec<u8>,
    packets: Vec<(usize, Rules, ZeroVerdict, usize)>,
}

impl LintJobs {
    fn push(&mut self, view: &PacketView<'_>, verdict: ZeroVerdict, rows: usize) {
        self.bytes.extend_from_slice(view.bytes());
        self.packets
            .push((self.bytes.len(), view.rules(), verdict, rows));
    }
}

impl Deferred for LintJobs {
    fn fill(&mut self, out: &mut dyn FnMut(Option<String>)) {
        let mut start = 0;
        for &(end, rules, verdict, rows) in &self.packets {
            let bytes = &self.bytes[start..end];
            start = end;
            let mut lints = match PacketView::parse(bytes, rules) {
                Ok(v) => lints_by_chunk(&v, verdict),
                Err(_) => Vec::new(),
            };
            lints.resize(rows, String::new());
            for l in lints.into_iter().take(rows) {
                out((!l.is_empty()).then_some(l));
            }
        }
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.packets.clear();
    }

    fn empty(&self) -> Box<dyn Deferred> {
        Box::new(LintJobs::default())
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

#[allow(clippy::too_many_arguments)]
fn packet_rows(
    t: &mut Tables,
    file: &'static str,
    meta: &PacketMeta,
    view: &PacketView<'_>,
    report: &PacketReport,
    verdict: ZeroVerdict,
    encap: &'static str,
    cfg: &ReadConfig,
) -> Result<(), String> {
    let h = view.header();
    let status = zero_checksum::judge(checksum::verify(view.bytes(), VerifyMode::Any), verdict)
        .0
        .status;
    let src = t.addr(meta.src);
    let dst = t.addr(meta.dst);
    let time = meta
        .time_ns
        .clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
    let (assoc, dir) = match report.assoc {
        Some(a) => (Some(a.id as i64), Some(dir_name(a.dir))),
        None => (None, None),
    };
    // The columns of each chunk's row that are not the packet's: its
    // position (column 4), then type to a_rwnd (13-24), then lints to auth
    // (26-42). The packet's own columns (0-3, 5-12, 25) are stored once per
    // packet for all its rows, after the loop.
    let head = |ch: &mut Table, n: usize, ty: u8, name: &'static str, flags: u8, length: u16| {
        ch.seek(4);
        ch.push(V::I(n as i64));
        ch.seek(13);
        ch.push(V::I(ty.into()));
        ch.push(V::S(name));
        ch.push(V::I(flags.into()));
        ch.push(V::I(length.into()));
    };
    let mut notes = report.notes.iter().peekable();
    let mut count = 0;
    for (n, c) in view.chunks().enumerate() {
        count = n + 1;
        let ch = &mut t.chunks;
        head(ch, n, c.ty(), c.name(), c.flags(), c.length());
        // DATA (RFC 9260 3.3.1), I-DATA (RFC 8260 2.1) fields.
        if let Some(d) = c.data() {
            ch.push(V::I(d.tsn().into()));
            ch.push(V::I(d.stream().into()));
            ch.push(V::I(d.ssn().into()));
            ch.push(V::Null);
            ch.push(V::I(d.ppid().into()));
            ch.push(V::I(d.payload().len() as i64));
        } else if let Some(d) = c.idata() {
            ch.push(V::I(d.tsn().into()));
            ch.push(V::I(d.stream().into()));
            ch.push(V::Null);
            ch.push(V::I(d.mid().into()));
            // The PPID only in the first fragment (RFC 8260 2.1).
            ch.push(if d.beginning() {
                V::I(d.ppid_or_fsn().into())
            } else {
                V::Null
            });
            ch.push(V::I(d.payload().len() as i64));
        } else {
            for _ in 0..6 {
                ch.push(V::Null);
            }
        }
        // SACK, NR-SACK (RFC 9260 3.3.4), SHUTDOWN (3.3.8).
        if let Some(s) = c.sack() {
            ch.push(V::I(s.cum_tsn_ack().into()));
            ch.push(V::I(s.a_rwnd().into()));
        } else if let Some(s) = c.nr_sack() {
            ch.push(V::I(s.cum_tsn_ack().into()));
            ch.push(V::I(s.a_rwnd().into()));
        } else {
            ch.push(c.shutdown_cum_tsn_ack().into());
            ch.push(V::Null);
        }
        lints_cell(ch, cfg);
        let mut note_here = None;
        let mut auth = None;
        while let Some(x) = notes.next_if(|x| x.chunk == n) {
            match &x.note {
                Note::Auth(v) => auth = Some(v.name()),
                Note::SsctpAuth(v) => auth = Some(v.name()),
                Note::Unauthenticated { .. } => auth = Some("unauthenticated"),
                other => note_here = Some(other),
            }
        }
        match note_here {
            Some(Note::Data(d)) => {
                let x = d.retransmission;
                ch.push(V::B(x.is_some()));
                ch.push(x.and_then(|x| x.first_frame).map(|f| f as i64).into());
                ch.push(
                    x.and_then(|x| x.after_ns)
                        .map_or(V::Null, |ns| V::F(secs(ns))),
                );
                ch.push(d.acked_before.map(|f| f as i64).into());
                ch.push(V::I(d.gap.into()));
                ch.push(V::B(d.out_of_window));
                ch.push(d.message.map(|m| m.bytes as i64).into());
                ch.push(V::I(d.in_flight as i64));
            }
            _ => {
                for _ in 0..7 {
                    ch.push(V::Null);
                }
                match note_here {
                    Some(Note::Sack(k)) => ch.push(V::I(k.in_flight as i64)),
                    _ => ch.push(V::Null),
                }
            }
        }
        match note_here {
            Some(Note::Sack(k)) => {
                ch.push(V::I(k.acked.len() as i64));
                let rtt = k.max_rtt_ns();
                ch.push(rtt.map_or(V::Null, |ns| V::F(secs(ns))));
                ch.push(V::I(k.revoked.len() as i64));
                ch.push(V::I(k.dup_tsns.into()));
                ch.push(V::B(k.stale));
                for a in &k.acked {
                    let ak = &mut t.acks;
                    ak.push(V::S(file));
                    ak.push(V::I(meta.frame as i64));
                    ak.push(V::I(time.div_euclid(1000)));
                    ak.push(assoc.into());
                    ak.push(dir.map_or(V::Null, V::S));
                    ak.push(V::I(a.tsn.into()));
                    ak.push(V::I(a.frame as i64));
                    ak.push(V::F(secs(a.rtt_ns)));
                    ak.push(V::B(a.retransmitted));
                    ak.end_row()?;
                }
            }
            _ => {
                for _ in 0..5 {
                    t.chunks.push(V::Null);
                }
            }
        }
        let ch = &mut t.chunks;
        match note_here {
            Some(Note::HeartbeatAck(hb)) => {
                ch.push(V::F(secs(hb.rtt_ns)));
                ch.push(V::I(hb.request_frame as i64));
            }
            _ => {
                ch.push(V::Null);
                ch.push(V::Null);
            }
        }
        ch.push(auth.map_or(V::Null, V::S));
    }
    // The chunk whose Length runs past the packet (as dissect shows it):
    // its header only, its lints saying what is wrong.
    if let Some(c) = view.cut_short() {
        let tail = view.trailing();
        let length = tail
            .get(2..4)
            .map_or(0, |l| u16::from_be_bytes([l[0], l[1]]));
        let ch = &mut t.chunks;
        head(ch, count, c.ty, c.name(), c.flags, length);
        for _ in 0..8 {
            ch.push(V::Null);
        }
        lints_cell(ch, cfg);
        for _ in 0..16 {
            ch.push(V::Null);
        }
        count += 1;
    }
    if count == 0 {
        return Ok(());
    }
    let ch = &mut t.chunks;
    if let Some(jobs) = ch.side::<LintJobs>() {
        jobs.push(view, verdict, count);
    }
    ch.push_n(0, V::S(file), count);
    ch.push_n(1, V::I(meta.frame as i64), count);
    ch.push_n(2, V::I(time.div_euclid(1000)), count);
    ch.push_n(3, V::I(time), count);
    ch.push_n(5, src.value(), count);
    ch.push_n(6, dst.value(), count);
    ch.push_n(7, V::I(h.source_port.into()), count);
    ch.push_n(8, V::I(h.destination_port.into()), count);
    ch.push_n(9, V::I(h.verification_tag.into()), count);
    ch.push_n(10, V::S(encap), count);
    ch.push_n(11, assoc.into(), count);
    ch.push_n(12, dir.map_or(V::Null, V::S), count);
    ch.push_n(25, V::S(status.as_str()), count);
    ch.end_rows(count)
}

fn addresses(a: &[IpAddr]) -> String {
    a.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn assoc_row(t: &mut Table, file: &'static str, s: &AssocSummary) -> Result<(), String> {
    t.push(V::S(file));
    t.push(V::I(s.id as i64));
    t.push(V::I(s.first_frame as i64));
    t.push(V::I(s.last_frame as i64));
    t.push(V::I(
        s.first_ns.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
    ));
    t.push(V::F(s.duration()));
    t.push(V::O(addresses(&s.addresses[0])));
    t.push(V::I(s.dirs[0].src_port.into()));
    t.push(V::O(addresses(&s.addresses[1])));
    t.push(V::I(s.dirs[1].src_port.into()));
    t.push(s.dirs[0].vtag.into());
    t.push(s.dirs[1].vtag.into());
    t.push(V::S(s.ending.name()));
    t.push(V::O(s.ending.describe()));
    t.push(V::I(s.auth.verified as i64));
    t.push(V::I(s.auth.bad as i64));
    let ints = |d: &DirStats| -> [u64; 14] {
        let hb_sent = d.paths.iter().map(|p| p.heartbeats).sum();
        let hb_answered = d.paths.iter().map(|p| p.heartbeats_answered).sum();
        [
            d.packets,
            d.bytes,
            d.chunks.iter().sum(),
            d.data_chunks,
            d.user_bytes,
            d.messages.count,
            d.retransmissions,
            d.retransmitted_bytes,
            d.gaps,
            d.acked_tsns,
            d.sacks,
            d.rtt.samples,
            hb_sent,
            hb_answered,
        ]
    };
    let times = |d: &DirStats| -> [Option<f64>; 6] {
        let mut hb = sctp_codec::analysis::RttStats::default();
        for p in &d.paths {
            let r = &p.hb_rtt;
            if r.samples > 0 {
                if hb.samples == 0 {
                    hb = *r;
                } else {
                    hb.samples += r.samples;
                    hb.sum_ns += r.sum_ns;
                    hb.min_ns = hb.min_ns.min(r.min_ns);
                    hb.max_ns = hb.max_ns.max(r.max_ns);
                }
            }
        }
        let (a, b) = (d.rtt.seconds(), hb.seconds());
        [
            a.map(|x| x.0),
            a.map(|x| x.1),
            a.map(|x| x.2),
            b.map(|x| x.0),
            b.map(|x| x.1),
            b.map(|x| x.2),
        ]
    };
    let (i0, i1) = (ints(&s.dirs[0]), ints(&s.dirs[1]));
    for k in 0..i0.len() {
        t.push(V::I(i0[k] as i64));
        t.push(V::I(i1[k] as i64));
    }
    let (f0, f1) = (times(&s.dirs[0]), times(&s.dirs[1]));
    for k in 0..f0.len() {
        t.push(f0[k].map_or(V::Null, V::F));
        t.push(f1[k].map_or(V::Null, V::F));
    }
    t.end_row()
}
