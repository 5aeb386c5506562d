//! One capture file into three Parquet tables: a row per chunk (RFC 9260 3.2)
//! with its fields and what the association analysis says of it, a row per
//! TSN first acknowledged (RFC 9260 6.2.1, with its RTT, 6.3.1) and a row
//! per association (RFC 9260 1.3) with its tables.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};

use rustc_hash::FxHashMap;
use sctp_codec::analysis::{Analyzer, AssocSummary, DirStats, Note, PacketMeta, PacketReport};
use sctp_codec::capture::{BlockRecord, CaptureReader, PcapBlocks};
use sctp_codec::checksum::{self, VerifyMode};
use sctp_codec::link::{extract_sctp, Defragmenter, Encapsulation, LinkConfig};
use sctp_codec::{lint, DecodeOptions, Decoder, Dialect, Packet, PacketView, Rules};

use super::table::{opt, req, Column, Columns, Kind, Stage, Table, V};
use crate::output::zero_checksum::{self, ZeroChecksumFollower, ZeroVerdict};

/// Columns of the `chunks` table, one row per chunk.
pub static CHUNK_COLUMNS: [Column; 43] = [
    req("file", Kind::Str).no_stats(),
    req("frame", Kind::I64),
    req("time", Kind::Time),
    req("time_ns", Kind::I64),
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
    opt("tsn", Kind::I64),
    opt("stream", Kind::I32),
    opt("ssn", Kind::I32),
    opt("mid", Kind::I64),
    opt("ppid", Kind::I64),
    opt("user_bytes", Kind::I32),
    opt("cum_tsn_ack", Kind::I64),
    opt("a_rwnd", Kind::I64),
    req("checksum", Kind::Str).no_stats(),
    opt("lints", Kind::Str).no_stats(),
    opt("retransmission", Kind::Bool),
    opt("first_frame", Kind::I64),
    opt("retransmitted_after", Kind::F64).distinct(),
    opt("acked_before", Kind::I64),
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
    opt("hb_request_frame", Kind::I64),
    opt("auth", Kind::Str).no_stats(),
];

/// Columns of the `acks` table, one row per TSN first acknowledged.
pub static ACK_COLUMNS: [Column; 9] = [
    req("file", Kind::Str).no_stats(),
    req("frame", Kind::I64),
    req("time", Kind::Time),
    req("assoc", Kind::I32),
    req("direction", Kind::Str).no_stats(),
    req("tsn", Kind::I64),
    req("data_frame", Kind::I64),
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
    /// Addresses met in this file, as strings (looked up twice per packet:
    /// SipHash showed in the profile).
    addrs: FxHashMap<IpAddr, &'static str>,
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
    fn text(&self) -> Cow<'static, str> {
        match self {
            Addr::Static(s) => Cow::Borrowed(s),
            Addr::Made(s) => Cow::Owned(s.clone()),
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

/// Bytes read at a time from a plain pcap file.
const BLOCK_BYTES: usize = 1 << 20;

/// Where a file's frames come from: a plain pcap file read in large blocks
/// (with the buffer and the records found in it), or any capture frame by
/// frame.
enum Frames {
    Blocks(PcapBlocks, Vec<u8>, Vec<BlockRecord>),
    Reader(CaptureReader),
}

/// What follows one file's frames in order: IP reassembly, each
/// association's dialect and zero-checksum negotiation, the analysis, and
/// the tables the rows go to.
struct FileRows<'a> {
    t: Tables,
    analyzer: Analyzer,
    defrag: Defragmenter,
    decoder: Decoder,
    zero: ZeroChecksumFollower,
    cfg: &'a ReadConfig,
    /// SCTP packets met.
    packets: u64,
}

impl FileRows<'_> {
    /// The rows of frame `number`, `data` of link type `link_type`, if it
    /// carries SCTP.
    fn frame(
        &mut self,
        number: u64,
        ts_sec: i64,
        ts_nsec: u32,
        link_type: u32,
        data: &[u8],
    ) -> Result<(), String> {
        let Ok(Some(seg)) = extract_sctp(link_type, data, &self.cfg.link, &mut self.defrag) else {
            return Ok(());
        };
        let key = seg.assoc_key();
        let Ok(view) = self.decoder.view(&seg.sctp, Some(key)) else {
            return Ok(());
        };
        self.packets += 1;
        let meta = PacketMeta {
            frame: number,
            time_ns: i128::from(ts_sec) * 1_000_000_000 + i128::from(ts_nsec),
            src: seg.src,
            dst: seg.dst,
            quoted: matches!(seg.encap, Encapsulation::IcmpError { .. }),
        };
        let verdict = self.zero.observe(key, &view);
        let report = self.analyzer.packet(&meta, &view);
        let encap = match seg.encap {
            Encapsulation::None => "ip",
            Encapsulation::Udp { .. } => "udp",
            Encapsulation::IcmpError { .. } => "icmp",
        };
        packet_rows(&mut self.t, &meta, &view, &report, verdict, encap)
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
    // A plain pcap file is read in large blocks, its frames left in place;
    // any other capture frame by frame.
    let mut frames = match PcapBlocks::open(path, BLOCK_BYTES) {
        Some(b) => Frames::Blocks(b, Vec::new(), Vec::new()),
        None => match CaptureReader::open(path) {
            Ok(r) => Frames::Reader(r),
            Err(e) => {
                out.error = Some(format!(
                    "{}: {}",
                    path.display(),
                    crate::files::describe_read_error(Some(path), &e)
                ));
                return out;
            }
        },
    };
    // The file name lives as long as the run (one string per input file):
    // every row shares it.
    let file: &'static str = Box::leak(path.display().to_string().into_boxed_str());
    let make = || -> Result<Tables, String> {
        Ok(Tables {
            chunks: Table::create_staged(
                &dest.table("chunks")?,
                "chunk",
                &CHUNK_COLUMNS,
                Box::new(ChunkStage::new(file, cfg.lints)),
            )?,
            acks: Table::create_staged(
                &dest.table("acks")?,
                "ack",
                &ACK_COLUMNS,
                Box::new(AckStage::new(file)),
            )?,
            addrs: FxHashMap::default(),
        })
    };
    let t = match make() {
        Ok(t) => t,
        Err(e) => {
            out.error = Some(e);
            return out;
        }
    };
    let mut f = FileRows {
        t,
        analyzer: Analyzer::new(analysis),
        defrag: Defragmenter::default(),
        decoder: Decoder::new(cfg.dialect),
        zero: ZeroChecksumFollower::default(),
        cfg,
        packets: 0,
    };
    let mut failed: Option<String> = None;
    let mut reported = 0u64;
    let read_error = |e: &sctp_codec::capture::CaptureError| {
        format!(
            "{}: {} (rows of the frames before it exported)",
            path.display(),
            crate::files::describe_read_error(Some(path), e)
        )
    };
    loop {
        let r = match &mut frames {
            Frames::Blocks(blocks, buf, recs) => match blocks.fill(buf, recs) {
                Ok(true) => recs.iter().try_for_each(|r| {
                    f.frame(
                        r.number,
                        r.ts_sec,
                        r.ts_nsec,
                        r.link_type,
                        &buf[r.data.clone()],
                    )
                }),
                Ok(false) => break,
                Err(e) => Err(read_error(&e)),
            },
            Frames::Reader(reader) => match reader.next_frame() {
                Some(Ok(r)) => f.frame(r.number, r.ts_sec, r.ts_nsec, r.link_type, r.data),
                None => break,
                Some(Err(e)) => Err(read_error(&e)),
            },
        };
        if let Err(e) = r {
            failed = Some(e);
            break;
        }
        let rows = f.t.chunks.rows();
        if rows - reported >= 4096 {
            progress.fetch_add(rows - reported, Ordering::Relaxed);
            reported = rows;
        }
    }
    out.packets = f.packets;
    let (t, analyzer) = (f.t, f.analyzer);
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

/// Rows turned into columns at a time by a stage: a block small enough to
/// stay in the cache while each of its columns is written.
const BLOCK: usize = 1024;

/// The packets of a row group whose lints need a full decode (those the
/// view could not prove clean, [`lint::chunks_lint_free`]), found on the
/// stage thread: their bytes one after another, and per packet where they
/// end, its decoding rules and its zero-checksum verdict.
#[derive(Default)]
struct LintJobs {
    bytes: Vec<u8>,
    packets: Vec<(usize, Rules, ZeroVerdict)>,
}

impl LintJobs {
    /// Adds a packet; returns its index.
    fn push(&mut self, view: &PacketView<'_>, verdict: ZeroVerdict) -> u32 {
        self.bytes.extend_from_slice(view.bytes());
        self.packets.push((self.bytes.len(), view.rules(), verdict));
        self.packets.len() as u32 - 1
    }

    /// Each packet's lint codes by chunk.
    fn codes(&self) -> Vec<Vec<String>> {
        let mut start = 0;
        self.packets
            .iter()
            .map(|&(end, rules, verdict)| {
                let bytes = &self.bytes[start..end];
                start = end;
                match PacketView::parse(bytes, rules) {
                    Ok(v) => lints_by_chunk(&v, verdict),
                    Err(_) => Vec::new(),
                }
            })
            .collect()
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.packets.clear();
    }
}

/// Two lint codes as the `lints` column lists them: the pair a zero
/// checksum gives (a wrong checksum, and not negotiated) made once.
fn joined(a: &'static str, b: &'static str) -> Cow<'static, str> {
    const BAD_ZERO: &str = "bad-checksum,zero-checksum";
    if BAD_ZERO.strip_prefix(a).and_then(|r| r.strip_prefix(',')) == Some(b) {
        Cow::Borrowed(BAD_ZERO)
    } else {
        Cow::Owned(format!("{a},{b}"))
    }
}

/// A packet's lints, for the `lints` column.
enum PacketLints {
    /// None (or not asked for).
    None,
    /// Only the checksum's, on the first chunk's row: the chunks were
    /// proven clean from the view ([`lint::chunks_lint_free`]).
    Checksum(Cow<'static, str>),
    /// Found on the stage thread: the packet's index in [`LintJobs`].
    Decode(u32),
}

/// The columns a packet gives each of its chunk rows.
struct PacketCols {
    frame: u64,
    time_ns: i64,
    src: Addr,
    dst: Addr,
    src_port: u16,
    dst_port: u16,
    vtag: u32,
    encap: &'static str,
    assoc: Option<u32>,
    dir: Option<&'static str>,
    checksum: &'static str,
    lints: PacketLints,
}

/// What the analysis says of a DATA or I-DATA chunk (RFC 9260 6.3.3,
/// 6.2.1): the chunk row's columns `retransmission` to `in_flight`.
struct DataCols {
    retransmission: bool,
    first_frame: Option<u64>,
    after_ns: Option<i64>,
    acked_before: Option<u64>,
    gap: u32,
    out_of_window: bool,
    message_bytes: Option<u64>,
    in_flight: u64,
}

/// What the analysis says of a SACK or NR-SACK (RFC 9260 6.2.1, 6.3.1):
/// columns `in_flight` and `acked` to `stale`.
struct SackCols {
    in_flight: u64,
    acked: u32,
    rtt_ns: Option<i64>,
    revoked: u32,
    dup_tsns: u16,
    stale: bool,
}

/// The analysis columns of a chunk row.
enum RowNote {
    None,
    Data(DataCols),
    Sack(SackCols),
    /// A HEARTBEAT ACK's RTT and its request's frame (RFC 9260 8.3).
    Heartbeat {
        rtt_ns: i64,
        request_frame: u64,
    },
}

/// A chunk row, as the reading thread keeps it: one store per row. Its
/// packet's columns are in [`ChunkStage::packets`].
struct ChunkRow {
    packet: u32,
    index: u32,
    ty: u8,
    flags: u8,
    length: u16,
    name: &'static str,
    tsn: Option<u32>,
    stream: Option<u16>,
    ssn: Option<u16>,
    mid: Option<u32>,
    ppid: Option<u32>,
    user_bytes: Option<u32>,
    cum_tsn_ack: Option<u32>,
    a_rwnd: Option<u32>,
    note: RowNote,
    auth: Option<&'static str>,
}

impl ChunkRow {
    fn data(&self) -> Option<&DataCols> {
        match &self.note {
            RowNote::Data(d) => Some(d),
            _ => None,
        }
    }

    fn sack(&self) -> Option<&SackCols> {
        match &self.note {
            RowNote::Sack(s) => Some(s),
            _ => None,
        }
    }

    /// A row with the chunk header's columns and the others null.
    fn head(packet: u32, index: usize, ty: u8, name: &'static str, flags: u8, length: u16) -> Self {
        ChunkRow {
            packet,
            index: index as u32,
            ty,
            flags,
            length,
            name,
            tsn: None,
            stream: None,
            ssn: None,
            mid: None,
            ppid: None,
            user_bytes: None,
            cum_tsn_ack: None,
            a_rwnd: None,
            note: RowNote::None,
            auth: None,
        }
    }
}

/// The `chunks` table's rows of a row group, turned into its
/// [`CHUNK_COLUMNS`] on the stage thread, with the lints when asked for.
struct ChunkStage {
    file: &'static str,
    packets: Vec<PacketCols>,
    rows: Vec<ChunkRow>,
    lints: Option<LintJobs>,
}

impl ChunkStage {
    fn new(file: &'static str, lints: bool) -> Self {
        ChunkStage {
            file,
            packets: Vec::new(),
            rows: Vec::new(),
            lints: lints.then(LintJobs::default),
        }
    }
}

fn stat(s: &'static str) -> Option<Cow<'static, str>> {
    Some(Cow::Borrowed(s))
}

fn int<T: Into<i64>>(x: Option<T>) -> Option<i64> {
    x.map(Into::into)
}

impl Stage for ChunkStage {
    fn columns(&mut self, out: &mut Columns<'_>) {
        let mut decoded = self.lints.as_ref().map(LintJobs::codes).unwrap_or_default();
        let pk = &self.packets;
        let file = self.file;
        for b in self.rows.chunks(BLOCK) {
            let p = |r: &ChunkRow| &pk[r.packet as usize];
            let data = ChunkRow::data;
            let sack = ChunkRow::sack;
            out.opt_strs(b.iter().map(|_| stat(file)));
            out.ints(b.iter().map(|r| p(r).frame as i64));
            out.ints(b.iter().map(|r| p(r).time_ns.div_euclid(1000)));
            out.ints(b.iter().map(|r| p(r).time_ns));
            out.ints(b.iter().map(|r| i64::from(r.index)));
            out.opt_strs(b.iter().map(|r| Some(p(r).src.text())));
            out.opt_strs(b.iter().map(|r| Some(p(r).dst.text())));
            out.ints(b.iter().map(|r| i64::from(p(r).src_port)));
            out.ints(b.iter().map(|r| i64::from(p(r).dst_port)));
            out.ints(b.iter().map(|r| i64::from(p(r).vtag)));
            out.opt_strs(b.iter().map(|r| stat(p(r).encap)));
            out.opt_ints(b.iter().map(|r| int(p(r).assoc)));
            out.opt_strs(b.iter().map(|r| p(r).dir.and_then(stat)));
            out.ints(b.iter().map(|r| i64::from(r.ty)));
            out.opt_strs(b.iter().map(|r| stat(r.name)));
            out.ints(b.iter().map(|r| i64::from(r.flags)));
            out.ints(b.iter().map(|r| i64::from(r.length)));
            out.opt_ints(b.iter().map(|r| int(r.tsn)));
            out.opt_ints(b.iter().map(|r| int(r.stream)));
            out.opt_ints(b.iter().map(|r| int(r.ssn)));
            out.opt_ints(b.iter().map(|r| int(r.mid)));
            out.opt_ints(b.iter().map(|r| int(r.ppid)));
            out.opt_ints(b.iter().map(|r| int(r.user_bytes)));
            out.opt_ints(b.iter().map(|r| int(r.cum_tsn_ack)));
            out.opt_ints(b.iter().map(|r| int(r.a_rwnd)));
            out.opt_strs(b.iter().map(|r| stat(p(r).checksum)));
            out.opt_strs(b.iter().map(|r| {
                match &p(r).lints {
                    PacketLints::None => None,
                    PacketLints::Checksum(s) => (r.index == 0).then(|| s.clone()),
                    PacketLints::Decode(j) => decoded
                        .get_mut(*j as usize)
                        .and_then(|l| l.get_mut(r.index as usize))
                        .map(std::mem::take)
                        .filter(|l| !l.is_empty())
                        .map(Cow::Owned),
                }
            }));
            out.opt_bools(b.iter().map(|r| data(r).map(|d| d.retransmission)));
            out.opt_ints(
                b.iter()
                    .map(|r| data(r).and_then(|d| d.first_frame).map(|f| f as i64)),
            );
            out.opt_floats(b.iter().map(|r| data(r).and_then(|d| d.after_ns).map(secs)));
            out.opt_ints(
                b.iter()
                    .map(|r| data(r).and_then(|d| d.acked_before).map(|f| f as i64)),
            );
            out.opt_ints(b.iter().map(|r| data(r).map(|d| i64::from(d.gap))));
            out.opt_bools(b.iter().map(|r| data(r).map(|d| d.out_of_window)));
            out.opt_ints(
                b.iter()
                    .map(|r| data(r).and_then(|d| d.message_bytes).map(|m| m as i64)),
            );
            out.opt_ints(b.iter().map(|r| match &r.note {
                RowNote::Data(d) => Some(d.in_flight as i64),
                RowNote::Sack(s) => Some(s.in_flight as i64),
                _ => None,
            }));
            out.opt_ints(b.iter().map(|r| sack(r).map(|s| i64::from(s.acked))));
            out.opt_floats(b.iter().map(|r| sack(r).and_then(|s| s.rtt_ns).map(secs)));
            out.opt_ints(b.iter().map(|r| sack(r).map(|s| i64::from(s.revoked))));
            out.opt_ints(b.iter().map(|r| sack(r).map(|s| i64::from(s.dup_tsns))));
            out.opt_bools(b.iter().map(|r| sack(r).map(|s| s.stale)));
            out.opt_floats(b.iter().map(|r| match r.note {
                RowNote::Heartbeat { rtt_ns, .. } => Some(secs(rtt_ns)),
                _ => None,
            }));
            out.opt_ints(b.iter().map(|r| match r.note {
                RowNote::Heartbeat { request_frame, .. } => Some(request_frame as i64),
                _ => None,
            }));
            out.opt_strs(b.iter().map(|r| r.auth.and_then(stat)));
            out.end_block();
        }
    }

    fn clear(&mut self) {
        self.packets.clear();
        self.rows.clear();
        if let Some(l) = self.lints.as_mut() {
            l.clear();
        }
    }

    fn empty(&self) -> Box<dyn Stage> {
        Box::new(ChunkStage::new(self.file, self.lints.is_some()))
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

/// An `acks` table row: a TSN first acknowledged by a SACK (RFC 9260
/// 6.2.1) with its RTT (6.3.1).
struct AckRow {
    frame: u64,
    time_ns: i64,
    assoc: Option<u32>,
    dir: Option<&'static str>,
    tsn: u32,
    data_frame: u64,
    rtt_ns: i64,
    retransmitted: bool,
}

/// The `acks` table's rows of a row group, turned into its
/// [`ACK_COLUMNS`] on the stage thread.
struct AckStage {
    file: &'static str,
    rows: Vec<AckRow>,
}

impl AckStage {
    fn new(file: &'static str) -> Self {
        AckStage {
            file,
            rows: Vec::new(),
        }
    }
}

impl Stage for AckStage {
    fn columns(&mut self, out: &mut Columns<'_>) {
        let file = self.file;
        for b in self.rows.chunks(BLOCK) {
            out.opt_strs(b.iter().map(|_| stat(file)));
            out.ints(b.iter().map(|r| r.frame as i64));
            out.ints(b.iter().map(|r| r.time_ns.div_euclid(1000)));
            out.opt_ints(b.iter().map(|r| int(r.assoc)));
            out.opt_strs(b.iter().map(|r| r.dir.and_then(stat)));
            out.ints(b.iter().map(|r| i64::from(r.tsn)));
            out.ints(b.iter().map(|r| r.data_frame as i64));
            out.opt_floats(b.iter().map(|r| Some(secs(r.rtt_ns))));
            out.opt_bools(b.iter().map(|r| Some(r.retransmitted)));
            out.end_block();
        }
    }

    fn clear(&mut self) {
        self.rows.clear();
    }

    fn empty(&self) -> Box<dyn Stage> {
        Box::new(AckStage::new(self.file))
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

/// The rows of one packet: a chunk row per chunk (and one for a chunk cut
/// short), an ack row per TSN its SACKs first acknowledge.
fn packet_rows(
    t: &mut Tables,
    meta: &PacketMeta,
    view: &PacketView<'_>,
    report: &PacketReport,
    verdict: ZeroVerdict,
    encap: &'static str,
) -> Result<(), String> {
    let h = view.header();
    let (sum, zero_lint) =
        zero_checksum::judge(checksum::verify(view.bytes(), VerifyMode::Any), verdict);
    let checksum = sum.status.as_str();
    let time_ns = meta
        .time_ns
        .clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
    let (assoc, dir) = match report.assoc {
        Some(a) => (Some(a.id as u32), Some(dir_name(a.dir))),
        None => (None, None),
    };
    let src = t.addr(meta.src);
    let dst = t.addr(meta.dst);
    let (Some(stage), Some(ak)) = (t.chunks.stage::<ChunkStage>(), t.acks.stage::<AckStage>())
    else {
        return Err("the chunks and acks tables are not staged".into());
    };
    let packet = stage.packets.len() as u32;
    let first_row = stage.rows.len();
    let mut acks = 0;
    let mut notes = report.notes.iter().peekable();
    for (n, c) in view.chunks().enumerate() {
        let mut row = ChunkRow::head(packet, n, c.ty(), c.name(), c.flags(), c.length());
        // DATA (RFC 9260 3.3.1), I-DATA (RFC 8260 2.1) fields.
        if let Some(d) = c.data() {
            row.tsn = Some(d.tsn());
            row.stream = Some(d.stream());
            row.ssn = Some(d.ssn());
            row.ppid = Some(d.ppid());
            row.user_bytes = Some(d.payload().len() as u32);
        } else if let Some(d) = c.idata() {
            row.tsn = Some(d.tsn());
            row.stream = Some(d.stream());
            row.mid = Some(d.mid());
            // The PPID only in the first fragment (RFC 8260 2.1).
            row.ppid = d.beginning().then(|| d.ppid_or_fsn());
            row.user_bytes = Some(d.payload().len() as u32);
        }
        // SACK, NR-SACK (RFC 9260 3.3.4), SHUTDOWN (3.3.8).
        if let Some(s) = c.sack() {
            row.cum_tsn_ack = Some(s.cum_tsn_ack());
            row.a_rwnd = Some(s.a_rwnd());
        } else if let Some(s) = c.nr_sack() {
            row.cum_tsn_ack = Some(s.cum_tsn_ack());
            row.a_rwnd = Some(s.a_rwnd());
        } else {
            row.cum_tsn_ack = c.shutdown_cum_tsn_ack();
        }
        while let Some(x) = notes.next_if(|x| x.chunk == n) {
            match &x.note {
                Note::Auth(v) => row.auth = Some(v.name()),
                Note::SsctpAuth(v) => row.auth = Some(v.name()),
                Note::Unauthenticated { .. } => row.auth = Some("unauthenticated"),
                Note::Data(d) => {
                    let x = d.retransmission;
                    row.note = RowNote::Data(DataCols {
                        retransmission: x.is_some(),
                        first_frame: x.and_then(|x| x.first_frame),
                        after_ns: x.and_then(|x| x.after_ns),
                        acked_before: d.acked_before,
                        gap: d.gap,
                        out_of_window: d.out_of_window,
                        message_bytes: d.message.map(|m| m.bytes),
                        in_flight: d.in_flight,
                    });
                }
                Note::Sack(k) => {
                    row.note = RowNote::Sack(SackCols {
                        in_flight: k.in_flight,
                        acked: k.acked.len() as u32,
                        rtt_ns: k.max_rtt_ns(),
                        revoked: k.revoked.len() as u32,
                        dup_tsns: k.dup_tsns,
                        stale: k.stale,
                    });
                    ak.rows.extend(k.acked.iter().map(|a| AckRow {
                        frame: meta.frame,
                        time_ns,
                        assoc,
                        dir,
                        tsn: a.tsn,
                        data_frame: a.frame,
                        rtt_ns: a.rtt_ns,
                        retransmitted: a.retransmitted,
                    }));
                    acks += k.acked.len();
                }
                Note::HeartbeatAck(hb) => {
                    row.note = RowNote::Heartbeat {
                        rtt_ns: hb.rtt_ns,
                        request_frame: hb.request_frame,
                    };
                }
                _ => row.note = RowNote::None,
            }
        }
        stage.rows.push(row);
    }
    // The chunk whose Length runs past the packet (as dissect shows it):
    // its header only, its lints saying what is wrong.
    if let Some(c) = view.cut_short() {
        let tail = view.trailing();
        let length = tail
            .get(2..4)
            .map_or(0, |l| u16::from_be_bytes([l[0], l[1]]));
        let n = stage.rows.len() - first_row;
        stage
            .rows
            .push(ChunkRow::head(packet, n, c.ty, c.name(), c.flags, length));
    }
    let count = stage.rows.len() - first_row;
    if count == 0 {
        return Ok(());
    }
    // With lints asked for, bulk DATA and SACK packets are proven clean
    // from the view, but for the checksum's lints (on the first chunk, as
    // the common header's); the others are decoded on the stage thread.
    let lints = match stage.lints.as_mut() {
        Some(_) if lint::chunks_lint_free(view) => {
            match (lint::checksum_lint_code(&sum), zero_lint.map(|l| l.code)) {
                (None, None) => PacketLints::None,
                (Some(a), None) | (None, Some(a)) => PacketLints::Checksum(Cow::Borrowed(a)),
                (Some(a), Some(b)) => PacketLints::Checksum(joined(a, b)),
            }
        }
        Some(jobs) => PacketLints::Decode(jobs.push(view, verdict)),
        None => PacketLints::None,
    };
    stage.packets.push(PacketCols {
        frame: meta.frame,
        time_ns,
        src,
        dst,
        src_port: h.source_port,
        dst_port: h.destination_port,
        vtag: h.verification_tag,
        encap,
        assoc,
        dir,
        checksum,
        lints,
    });
    t.chunks.end_rows(count)?;
    if acks > 0 {
        t.acks.end_rows(acks)?;
    }
    Ok(())
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
