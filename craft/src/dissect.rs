//! `sctp-craft dissect`: every SCTP packet of a capture as a summary line, a
//! full tree (`-V`) or JSON (`--json`), optionally with a hex dump (`-x`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::IpAddr;
use std::ops::Range;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

use anyhow::Result;
use clap::Args;
use sctp_codec::analysis::{Analyzer, ChunkNote, PackedNotes, PacketHead, PacketMeta, ReportRef};
use sctp_codec::capture::{
    Backend, BlockRecord, CaptureError, CaptureReader, Frame as CaptureFrame, PcapBlocks,
};
use sctp_codec::checksum::{self, VerifyMode};
use sctp_codec::link::{extract_sctp, Defragmenter, Encapsulation, LinkConfig};
use sctp_codec::view::Framing;
use sctp_codec::{lint, DecodeError, DecodeOptions, Decoder, Dialect, Packet, PacketView, Rules};

use crate::capfile::{CaptureFile, OutFormat, Record};
use crate::filter::{Facts, Filter, Frame};
use crate::output::fast::Out;
use crate::output::stats::Stats;
use crate::output::time::{self, FrameTime, TimeFormat};
use crate::output::tree::{checksum_line, TreeWriter};
use crate::output::zero_checksum::{self, ZeroChecksumFollower, ZeroVerdict};
use crate::output::{hexdump::hexdump, json, summary};

/// Options of `sctp-craft dissect`.
#[derive(Args, Debug)]
pub struct DissectArgs {
    /// The capture (pcap, pcapng, gzip-compressed either); "-" reads stdin.
    #[arg(
        required_unless_present_any = ["interface", "filter_help"],
        conflicts_with = "interface"
    )]
    pub file: Option<PathBuf>,
    /// Capture live from this network interface instead (`lo`, `eth0`,
    /// `any`); needs root or CAP_NET_RAW. Each packet is printed as it arrives.
    #[arg(short = 'i', long)]
    pub interface: Option<String>,
    /// Capture filter for `-i`, in libpcap's syntax (`"sctp or udp port 9899"`).
    #[arg(short = 'f', long, requires = "interface")]
    pub filter: Option<String>,
    /// Stop after this many SCTP packets (at least 1).
    #[arg(short = 'c', long, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Also write the frames of the SCTP packets printed (those `-Y` keeps)
    /// to this file, link layer and timestamps as read: pcap, or pcapng when
    /// the capture mixes link types. Written beside it and renamed into place
    /// at the end: after an error nothing is written. It may not be the input.
    /// `-` (with -q), a FIFO or a device get a stream, pcapng unless -F pcap.
    #[arg(short = 'w', long)]
    pub write: Option<PathBuf>,
    /// Format of the `-w` file: pcap (one link type; an error if the capture
    /// has several) or pcapng. Default: pcap, pcapng if the link types mix.
    #[arg(short = 'F', long = "write-format", requires = "write", value_enum)]
    pub write_format: Option<OutFormat>,
    /// After the packets, per direction of every association: packets,
    /// chunks of each type and user data bytes (of the packets printed).
    #[arg(long)]
    pub stats: bool,
    /// Print no packets (with `--stats` or `-w`).
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Display filter: print only the packets it matches, by the registry's
    /// names or the summary line's (`data.tsn > 5 && !sack`, `SACK`,
    /// `sack.cum_ack > 5`, `ipv4_address == 10.0.0.1`, `src == 10.0.0.0/8`,
    /// `checksum.status == bad`, `data.user_data contains 01:02`,
    /// `data.sid in {1, 3..5}`); a value of the wrong type is an error
    /// naming the field's type. --filter-help lists every name.
    #[arg(short = 'Y', long = "display-filter")]
    pub display_filter: Option<String>,
    /// Print the display-filter language and every field name with its type.
    #[arg(long)]
    pub filter_help: bool,
    /// Print the full tree of every packet.
    #[arg(short = 'V', long)]
    pub verbose: bool,
    /// Print one JSON object per line per SCTP packet.
    #[arg(long)]
    pub json: bool,
    /// Add a hex dump of the SCTP bytes under each packet.
    #[arg(short = 'x', long)]
    pub hex: bool,
    /// Put the time on each summary line, as tshark's -t: a (local time of
    /// day), ad (with the date), adoy (date as year/day of year), d (since the
    /// previous frame), dd (since the previous frame printed), e (since the
    /// epoch), r (since the first frame), u, ud, udoy (UTC). Digits as the
    /// capture's precision. -V and JSON always carry the time.
    #[arg(short = 't', long = "time-format", value_enum)]
    pub time_format: Option<TimeFormat>,
    /// Which numbering to decode with: standard, ssctp or auto.
    #[arg(long, default_value = "auto")]
    pub dialect: Dialect,
    /// UDP port(s) carrying SCTP (RFC 6951); repeat for several; 0: every UDP
    /// port (a datagram that is no SCTP shows as a bad one).
    #[arg(long = "udp-port", default_values_t = [9899u16])]
    pub udp_ports: Vec<u16>,
    /// Checksum algorithm to verify: any (CRC32c, then Adler-32), crc32c or adler32.
    #[arg(long, default_value = "any")]
    pub checksum: String,
    /// Also print lints (in the summary and tree views; always in JSON).
    #[arg(long)]
    pub lint: bool,
    /// Add the association analysis (retransmissions, acknowledgements and
    /// RTTs, gaps, messages, AUTH verdicts) to the summary, -V and JSON.
    #[arg(long)]
    pub analysis: bool,
    /// SCTP-AUTH key file for --analysis (docs/auth-keys.md).
    #[arg(long, value_name = "FILE", requires = "analysis")]
    pub keys: Option<PathBuf>,
    /// Capture reader for pcapng files (and the rare pcap files not read in
    /// blocks): libpcap, or the pure-Rust reader ("native"). Gzip input and
    /// streams always take the pure-Rust reader; plain pcap files are read
    /// in 1 MiB blocks by sctp-craft itself.
    #[arg(long, default_value = "libpcap", value_parser = ["libpcap", "native"])]
    pub reader: String,
    /// Threads that decode and format packets (0: one per core). The file is
    /// read, and the output written in frame order, by two more.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

fn verify_mode(s: &str) -> Result<VerifyMode> {
    match s {
        "any" => Ok(VerifyMode::Any),
        "crc32c" => Ok(VerifyMode::Crc32c),
        "adler32" => Ok(VerifyMode::Adler32),
        _ => anyhow::bail!("unknown checksum mode {s:?} (any, crc32c, adler32)"),
    }
}

/// The name of a packet's encapsulation; [`ICMP`] for a packet quoted by
/// an ICMP error.
fn encap_name(e: &Encapsulation) -> &'static str {
    match e {
        Encapsulation::None => "ip",
        Encapsulation::Udp { .. } => "udp",
        Encapsulation::IcmpError { .. } => ICMP,
    }
}

/// [`encap_name`] of a packet quoted by an ICMP error.
const ICMP: &str = "icmp";

/// What the reading thread learnt of one frame, in frame order; the bytes
/// are in the batch's arena.
struct Item {
    frame: u64,
    /// When it was captured, and the previous frame's time, in ns since
    /// the epoch (the first frame's is the batch's `first_ns`).
    epoch_ns: i128,
    prev_ns: i128,
    what: ItemKind,
    /// The whole frame in the arena, kept for `-w`.
    raw: Option<RawFrame>,
}

/// A frame as read, for `-w`: where its bytes are, its number, link type,
/// time and length on the wire.
#[derive(Debug, Clone)]
struct RawFrame {
    bytes: Range<usize>,
    number: u64,
    link_type: u32,
    ts_sec: i64,
    ts_nsec: u32,
    orig_len: u32,
}

/// The frames of one batch that `-w` writes, in order, with their bytes,
/// and the batch's `--stats` counts.
#[derive(Default)]
struct Kept {
    /// The frames, their bytes in `bytes`.
    frames: Vec<RawFrame>,
    /// The batch's arena itself, when it holds the pcap records as read
    /// (handed over, not copied: the next batch gets this one's back), else
    /// each frame built here as a pcap record.
    bytes: Vec<u8>,
    /// Where in `bytes` the frames are as pcap records of the `-w` file:
    /// runs of whole consecutive records (16-byte header, microseconds,
    /// little-endian, as [`CaptureFile`] writes them, then the frame).
    runs: Vec<Range<usize>>,
    /// The link type of every frame, when they share one, every timestamp
    /// is whole microseconds and `runs` holds them all: then the runs can be
    /// written as they are.
    uniform: Option<u32>,
    stats: Stats,
}

/// A frame's pcap record header as [`CaptureFile`] writes it in a
/// microsecond file (little-endian; the original length at least the
/// captured one).
fn usec_record_header(raw: &RawFrame, len: usize) -> [u8; 16] {
    let len = u32::try_from(len).unwrap_or(u32::MAX);
    let head = [
        u32::try_from(raw.ts_sec).unwrap_or(0),
        raw.ts_nsec / 1000,
        len,
        raw.orig_len.max(len),
    ];
    let mut h = [0u8; 16];
    for (d, v) in h.chunks_exact_mut(4).zip(head) {
        d.copy_from_slice(&v.to_le_bytes());
    }
    h
}

impl Kept {
    /// Notes frame `raw`'s link type and time for `uniform`.
    fn note(&mut self, raw: &RawFrame) {
        let usec = raw.ts_nsec.is_multiple_of(1000);
        match self.frames.first() {
            None if usec => self.uniform = Some(raw.link_type),
            _ if usec && self.uniform == Some(raw.link_type) => {}
            _ => self.uniform = None,
        }
    }

    /// Adds `at` to the runs (joined to the last when it follows it).
    fn run(&mut self, at: Range<usize>) {
        match self.runs.last_mut() {
            Some(r) if r.end == at.start => r.end = at.end,
            _ => self.runs.push(at),
        }
    }

    /// Appends frame `raw` whose bytes are `data`, as a pcap record.
    fn push(&mut self, raw: &RawFrame, data: &[u8]) {
        self.note(raw);
        let start = self.bytes.len();
        self.bytes
            .extend_from_slice(&usec_record_header(raw, data.len()));
        let at = self.bytes.len();
        self.bytes.extend_from_slice(data);
        self.run(start..self.bytes.len());
        self.frames.push(RawFrame {
            bytes: at..self.bytes.len(),
            ..raw.clone()
        });
    }

    /// Notes frame `raw`, whose record as read is in `arena` (which will
    /// be `bytes`): when its header is the one the file would get, the
    /// record is written from there as it is.
    fn push_in_place(&mut self, raw: &RawFrame, arena: &[u8]) {
        self.note(raw);
        let head = raw.bytes.start.checked_sub(16).and_then(|h| {
            let want = usec_record_header(raw, raw.bytes.len());
            (arena.get(h..raw.bytes.start) == Some(&want[..])).then_some(h)
        });
        match head {
            Some(h) => self.run(h..raw.bytes.end),
            // Written frame by frame instead.
            None => self.uniform = None,
        }
        self.frames.push(raw.clone());
    }

    fn clear(&mut self) {
        self.frames.clear();
        self.runs.clear();
        self.uniform = None;
    }
}

/// Where an SCTP packet's bytes are: in the batch's arena (inside the frame
/// as read) or, reassembled from IP fragments, in its `extra` bytes.
#[derive(Debug, Clone)]
struct Loc {
    extra: bool,
    range: Range<usize>,
}

impl Loc {
    fn get<'b>(&self, arena: &'b [u8], extra: &'b [u8]) -> &'b [u8] {
        let from = if self.extra { extra } else { arena };
        from.get(self.range.clone()).unwrap_or_default()
    }
}

enum ItemKind {
    /// An SCTP packet, with the rules its association's dialect gives it
    /// (or why it could not be read at all).
    Sctp {
        bytes: Loc,
        src: IpAddr,
        dst: IpAddr,
        encap: &'static str,
        truncated: bool,
        /// (The error boxed: it is rare, and keeps every item small.)
        rules: Result<Rules, Box<DecodeError>>,
        /// What a zero checksum would be on it (RFC 9653, per association).
        zero: ZeroVerdict,
        /// The chunks the frame-order pass found: the formatting thread
        /// rebuilds the view from them instead of scanning again.
        framing: Option<Framing>,
        /// The association analysis (`--analysis`), its notes in the
        /// batch's `notes`.
        analysis: Option<u32>,
    },
    /// A frame whose link, IP or UDP layers are broken.
    LinkError(String),
}

/// The analysis of a batch's packets (`--analysis`): each packet's report
/// but the notes, and the notes of all, packed. A packet's report costs
/// only the notes it has, and those little more than their values: on 2 M
/// small packets, keeping a 272-byte [`PacketReport`] per packet cost the
/// thread that analyses them 40 ms of its 0.3 s.
///
/// [`PacketReport`]: sctp_codec::analysis::PacketReport
#[derive(Default)]
struct BatchAnalysis {
    /// Each report's head and where its notes are in `notes`.
    heads: Vec<(PacketHead, u32, u32)>,
    notes: PackedNotes,
}

impl BatchAnalysis {
    fn clear(&mut self) {
        self.heads.clear();
        self.notes.clear();
    }

    /// Analyses the next packet with `an`; its report's place.
    fn analyse(&mut self, an: &mut Analyzer, meta: &PacketMeta, v: &PacketView<'_>) -> Option<u32> {
        let start = u32::try_from(self.notes.len()).ok()?;
        let head = an.packet_append(meta, v, &mut self.notes);
        let end = u32::try_from(self.notes.len()).ok()?;
        let at = u32::try_from(self.heads.len()).ok()?;
        self.heads.push((head, start, end));
        Some(at)
    }

    /// The head of report `k`, its notes appended to `notes`.
    fn unpack(&self, k: u32, notes: &mut Vec<ChunkNote>) -> Option<PacketHead> {
        let &(head, start, end) = self.heads.get(k as usize)?;
        self.notes.unpack(start as usize, end as usize, notes);
        Some(head)
    }
}

/// Consecutive frames handed to a formatting thread.
struct Batch {
    seq: u64,
    /// The frames' bytes: a block of the file as read, or frames copied in.
    arena: Vec<u8>,
    /// Whether `arena` is a block of a classic pcap file: each frame's
    /// record header just before it.
    records: bool,
    /// SCTP packets reassembled from fragments.
    extra: Vec<u8>,
    items: Vec<Item>,
    /// The analysis of the items' packets (`--analysis`).
    analysis: BatchAnalysis,
    /// The capture's first frame, in ns since the epoch.
    first_ns: i128,
}

impl Batch {
    /// The frames' bytes, the reassembled packets, the items and their
    /// analysis notes, borrowed apart.
    fn parts(&mut self) -> (&[u8], &mut Vec<u8>, &mut Vec<Item>, &mut BatchAnalysis) {
        (
            &self.arena,
            &mut self.extra,
            &mut self.items,
            &mut self.analysis,
        )
    }
}

impl Item {
    /// When the frame was captured, and the frames it is measured from.
    fn time(&self, first_ns: i128) -> FrameTime {
        FrameTime {
            epoch_ns: self.epoch_ns,
            first_ns,
            prev_ns: self.prev_ns,
        }
    }
}

/// Buffers handed back for reuse, so that a long capture does not cost a
/// fresh allocation (and its page faults) per batch.
struct Pool<T>(Mutex<Vec<T>>);

impl<T> Pool<T> {
    fn take(&self) -> Option<T> {
        self.0.lock().ok()?.pop()
    }
    fn put(&self, t: T) {
        if let Ok(mut v) = self.0.lock() {
            v.push(t);
        }
    }
}

/// Bytes of SCTP packets per batch: large enough to amortise the hand-offs,
/// small enough to keep memory flat.
const BATCH_BYTES: usize = 1 << 19;
const BATCH_ITEMS: usize = 2048;
/// Bytes read from a plain pcap file per system call, and per batch.
const BLOCK_BYTES: usize = 1 << 20;

/// Runs the command; exit code 1 when the capture is broken part-way.
///
/// One thread reads the capture and follows the associations (the dialect
/// `auto` needs the packets in order); `--threads` threads check checksums,
/// decode and format batches of packets; one writes their text in frame order.
/// Memory stays bounded: a few batches are in flight at a time.
pub fn run(a: &DissectArgs) -> Result<ExitCode> {
    if a.filter_help {
        print!("{}", crate::filter::help::text());
        return Ok(ExitCode::SUCCESS);
    }
    let mode = verify_mode(&a.checksum)?;
    let filter = match &a.display_filter {
        Some(f) => {
            let filter =
                Filter::parse(f).map_err(|e| anyhow::anyhow!("display filter {f:?}: {e}"))?;
            if let (Some(name), false) = (filter.analysis_name(), a.analysis) {
                anyhow::bail!("display filter {f:?}: {name} is a field of the association analysis: add --analysis");
            }
            Some(filter)
        }
        None => None,
    };
    // The analysis and its key file, read before any file is created or
    // thread started: a key file that cannot be read or parsed is said at
    // once (and used to leave the formatting threads waiting for work that
    // never came, the command hanging). The reports alone: no association
    // table is printed here.
    let analyzer = match a.analysis {
        true => Some(Analyzer::new(crate::assoc_cmd::config(a.keys.as_ref())?).reports_only()),
        false => None,
    };
    // `-w IN IN` (or a link to IN) would truncate the capture before reading it.
    if let (Some(out), Some(input)) = (&a.write, &a.file) {
        if out.as_os_str() != "-" {
            crate::files::refuse_same_file(out, input).map_err(anyhow::Error::msg)?;
        }
    }
    if a.write.as_deref().is_some_and(|w| w.as_os_str() == "-") && (!a.quiet || a.stats) {
        anyhow::bail!(
            "-w - writes the capture to standard output: add -q (and leave out --stats) so that no text goes there too"
        );
    }
    // Started now (beside the destination), so that a path that cannot be
    // written fails before anything is read.
    let capture_out = match &a.write {
        Some(p) => {
            let c = CaptureFile::create(p, a.write_format).map_err(anyhow::Error::msg)?;
            let c = Arc::new(Mutex::new(Some(c)));
            on_ctrl_c(&c, a.interface.is_some());
            Some(c)
        }
        None => None,
    };
    let digits = match &a.file {
        Some(f) if f.as_os_str() != "-" => time::digits_of_file(f),
        _ => 6,
    };
    // Checksums are judged for the lines printed and for a filter that
    // asks for their status: `-q -Y data` needs none.
    let judge_checksums = !a.quiet || filter.as_ref().is_some_and(Filter::uses_checksum_status);
    let how = How {
        mode,
        filter: filter.as_ref(),
        digits,
        judge_checksums,
    };
    let source = match (&a.file, &a.interface) {
        (Some(f), _) => f.display().to_string(),
        (None, Some(i)) => format!("interface {i}"),
        (None, None) => anyhow::bail!("a capture file or -i INTERFACE is needed"),
    };
    // An empty file, a directory, a header cut short: said as such, not as
    // a frame the reader could not read.
    if let Some(f) = a.file.as_deref().filter(|f| f.as_os_str() != "-") {
        crate::files::capture_precheck(f).map_err(anyhow::Error::msg)?;
    }
    let opened = match (&a.file, &a.interface) {
        (Some(f), _) if f.as_os_str() == "-" => CaptureReader::from_reader(io::stdin()),
        (Some(f), _) => {
            let prefer = match a.reader.as_str() {
                "native" => Backend::PcapParser,
                _ => Backend::Libpcap,
            };
            CaptureReader::open_with(f, prefer)
        }
        (None, Some(i)) => CaptureReader::open_live(i, a.filter.as_deref()).inspect(|_| {
            eprintln!("sctp-craft: capturing on {i}");
        }),
        (None, None) => unreachable!("checked above"),
    };
    let reader = opened.map_err(|e| anyhow::anyhow!("{source}: {e}"))?;
    // A plain pcap file is read in large blocks, its frames left in place.
    let mut frames = match a.file.as_deref().filter(|f| f.as_os_str() != "-") {
        Some(f) => match PcapBlocks::open(f, BLOCK_BYTES) {
            Some(b) => Source::Blocks(b),
            None => Source::Frames(reader),
        },
        None => Source::Frames(reader),
    };
    let workers = match a.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .clamp(1, 64);
    let stop = AtomicBool::new(false);
    let seen = AtomicU64::new(0);
    let (work_tx, work_rx) = sync_channel::<Batch>(2 * workers);
    let work_rx = Mutex::new(work_rx);
    let (out_tx, out_rx) = sync_channel::<(u64, Vec<u8>, Kept)>(2 * workers);
    let (batches, texts) = (Pool(Mutex::new(Vec::new())), Pool(Mutex::new(Vec::new())));
    let kepts = Pool(Mutex::new(Vec::new()));
    let (read_result, write_result) = std::thread::scope(|sc| {
        let thread = |name: &str| std::thread::Builder::new().name(format!("dissect-{name}"));
        for _ in 0..workers {
            let (rx, tx, pools) = (&work_rx, out_tx.clone(), (&batches, &texts, &kepts));
            thread("format").spawn_scoped(sc, move || format_batches(a, &how, rx, tx, pools))?;
        }
        drop(out_tx);
        let writer = thread("write").spawn_scoped(sc, || {
            write_in_order(
                out_rx,
                &stop,
                (&texts, &kepts),
                capture_out.as_deref(),
                a.stats.then_some(a.json),
                (a.time_format == Some(TimeFormat::DeltaDisplayed)).then_some(digits),
            )
        })?;
        // The association analysis (`--analysis`): on a capture file or
        // standard input a thread reads and follows the frames and this one
        // analyses them (see `read_frames`); live, this thread follows and
        // analyses while the formatting threads keep the cores busy, but
        // under `-q` they have little to do and the analysis is a stage of
        // its own between this thread and them. On 2 M small packets and 2
        // cores, `-q --stats` takes 0.34 s split as on a file against 0.38 s
        // with the analysis a stage after this thread.
        let read = match analyzer {
            Some(an) if a.quiet && a.interface.is_some() => {
                let (an_tx, an_rx) = sync_channel::<Batch>(2 * workers);
                thread("analysis").spawn_scoped(sc, move || analyse_batches(an, an_rx, work_tx))?;
                read_frames(a, &how, &mut frames, an_tx, &stop, (&batches, &seen), None)
            }
            an => read_frames(a, &how, &mut frames, work_tx, &stop, (&batches, &seen), an),
        };
        Ok::<_, io::Error>((read, writer.join()))
    })?;
    // Taken out now: a Ctrl-C from here on no longer sees it.
    let capture = capture_out.and_then(|c| c.lock().ok().and_then(|mut g| g.take()));
    let stream = capture.as_ref().is_some_and(|c| c.is_stream());
    let not_written = |why: &str| match &a.write {
        Some(_) if stream => " (the capture stream stops here)".to_string(),
        Some(p) => format!(" ({} not written: {why})", p.display()),
        None => String::new(),
    };
    let (text, file) = match write_result {
        Ok(x) => x,
        Err(_) => anyhow::bail!("the output thread failed{}", not_written("an error")),
    };
    if let (Err(e), Some(p)) = (file, &a.write) {
        anyhow::bail!("{}: {e}{}", p.display(), not_written("nothing was changed"));
    }
    // `sctp-craft dissect big.pcap | head`: the reader went away (the `-w`
    // file was still written whole).
    let stdout_gone = matches!(&text, Err(e) if e.kind() == io::ErrorKind::BrokenPipe);
    if let (Err(e), false) = (&text, stdout_gone) {
        anyhow::bail!("writing output: {e}{}", not_written("an error"));
    }
    // No SCTP at all: perhaps it travels over UDP on ports nobody named.
    if let (0, Some(f)) = (seen.load(Ordering::Relaxed), &a.file) {
        if let Some(h) = sctp_codec::capture::udp_sctp_hint(f) {
            eprintln!("sctp-craft: {source}: no SCTP packet; {h}");
        }
    }
    if let Err(e) = read_result {
        eprintln!(
            "sctp-craft: {source}: {e}{}",
            not_written("the input is broken; nothing was changed")
        );
        return Ok(ExitCode::from(1));
    }
    if let (Some(c), Some(p)) = (capture, &a.write) {
        let (_, why) = c.finish().map_err(anyhow::Error::msg)?;
        if let Some(why) = why {
            eprintln!("sctp-craft: {}: {why}", p.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C while `-w` is being written: a live capture (`live`) is ended
/// there and its file completed; reading a file, the file is dropped (the
/// destination keeps what it held) rather than left half-written.
fn on_ctrl_c(c: &Arc<Mutex<Option<CaptureFile>>>, live: bool) {
    let c = Arc::clone(c);
    let _ = ctrlc::set_handler(move || {
        // Waits for the frame being written to be whole.
        let taken = c.lock().ok().and_then(|mut g| g.take());
        if let Some(f) = taken {
            if live {
                if let Err(e) = f.finish() {
                    eprintln!("sctp-craft: {e}");
                    std::process::exit(1);
                }
            } else {
                drop(f);
                eprintln!("sctp-craft: interrupted; the -w file was not written");
            }
        }
        std::process::exit(130);
    });
}

/// Where the frames come from: a plain pcap file read in large blocks
/// (the frames stay where they were read), or any capture frame by frame
/// (each copied into the batch).
enum Source {
    Blocks(PcapBlocks),
    Frames(CaptureReader),
}

/// What follows the capture in frame order: IP reassembly, each
/// association's dialect and zero-checksum negotiation, the clock, and the
/// association analysis (`--analysis`, on the view parsed here) unless it
/// is a stage of its own.
struct Follower<'a> {
    cfg: LinkConfig,
    defrag: Defragmenter,
    decoder: Decoder,
    zero_follower: ZeroChecksumFollower,
    /// The capture's first frame and the previous one, in ns since the epoch.
    clock: Option<(i128, i128)>,
    sctp_packets: u64,
    keep_raw: bool,
    link_errors: bool,
    /// Checksums are judged ([`How::judge_checksums`]): the zero-checksum
    /// negotiation must be followed.
    judge_checksums: bool,
    /// The association analysis (`--analysis`) when it runs here, fed the
    /// view parsed here; `None` when it is a stage of its own.
    analyzer: Option<Analyzer>,
    /// Where the count of SCTP packets goes when the pass ends, however it
    /// ends (for the `--udp-port` hint of a capture without SCTP).
    seen: &'a AtomicU64,
}

impl Drop for Follower<'_> {
    fn drop(&mut self) {
        self.seen.store(self.sctp_packets, Ordering::Relaxed);
    }
}

/// A frame's metadata, whichever reader found it.
struct FrameIn {
    number: u64,
    ts_sec: i64,
    ts_nsec: u32,
    link_type: u32,
    orig_len: u32,
}

impl From<&BlockRecord> for FrameIn {
    fn from(r: &BlockRecord) -> Self {
        FrameIn {
            number: r.number,
            ts_sec: r.ts_sec,
            ts_nsec: r.ts_nsec,
            link_type: r.link_type,
            orig_len: r.orig_len,
        }
    }
}

impl From<&CaptureFrame<'_>> for FrameIn {
    fn from(f: &CaptureFrame<'_>) -> Self {
        FrameIn {
            number: f.number,
            ts_sec: f.ts_sec,
            ts_nsec: f.ts_nsec,
            link_type: f.link_type,
            orig_len: f.orig_len,
        }
    }
}

impl Follower<'_> {
    /// The item of one frame whose bytes are `arena[at]`, or `None` when it
    /// is not shown at all; reassembled packets go to `extra`.
    fn frame(
        &mut self,
        f: &FrameIn,
        arena: &[u8],
        at: Range<usize>,
        extra: &mut Vec<u8>,
        notes: &mut BatchAnalysis,
    ) -> Option<Item> {
        let data = arena.get(at.clone())?;
        let epoch = i128::from(f.ts_sec) * 1_000_000_000 + i128::from(f.ts_nsec);
        let (first, prev) = self.clock.unwrap_or((epoch, epoch));
        self.clock = Some((first, epoch));
        let what = match extract_sctp(f.link_type, data, &self.cfg, &mut self.defrag) {
            Ok(Some(seg)) => {
                self.sctp_packets += 1;
                let bytes = match (&seg.sctp, seg.offset_in_frame) {
                    (std::borrow::Cow::Borrowed(b), Some(off)) => {
                        let start = at.start + off;
                        Loc {
                            extra: false,
                            range: start..start + b.len(),
                        }
                    }
                    _ => {
                        let start = extra.len();
                        extra.extend_from_slice(&seg.sctp);
                        Loc {
                            extra: true,
                            range: start..extra.len(),
                        }
                    }
                };
                let key = seg.assoc_key();
                let view = self.decoder.view(&seg.sctp, Some(key));
                let zero = match &view {
                    Ok(v) if self.judge_checksums => self.zero_follower.observe(key, v),
                    _ => ZeroVerdict::NotNegotiated,
                };
                // The analysis reads the same view, in frame order.
                let mut analysis = None;
                if let (Some(an), Ok(v)) = (self.analyzer.as_mut(), &view) {
                    let meta = PacketMeta {
                        frame: f.number,
                        time_ns: epoch,
                        src: seg.src,
                        dst: seg.dst,
                        quoted: matches!(seg.encap, Encapsulation::IcmpError { .. }),
                    };
                    analysis = notes.analyse(an, &meta, v);
                }
                let framing = view.as_ref().ok().and_then(PacketView::framing);
                let rules = view.map(|v| v.rules()).map_err(Box::new);
                ItemKind::Sctp {
                    bytes,
                    src: seg.src,
                    dst: seg.dst,
                    encap: encap_name(&seg.encap),
                    truncated: seg.truncated,
                    rules,
                    zero,
                    framing,
                    analysis,
                }
            }
            Ok(None) => return None,
            // A display filter selects SCTP packets: a frame whose link
            // layers are broken is not one.
            Err(e) if self.link_errors => ItemKind::LinkError(e.to_string()),
            Err(_) => return None,
        };
        let raw = match (&what, self.keep_raw) {
            (ItemKind::Sctp { .. }, true) => Some(RawFrame {
                bytes: at,
                number: f.number,
                link_type: f.link_type,
                ts_sec: f.ts_sec,
                ts_nsec: f.ts_nsec,
                orig_len: f.orig_len,
            }),
            _ => None,
        };
        Some(Item {
            frame: f.number,
            epoch_ns: epoch,
            prev_ns: prev,
            what,
            raw,
        })
    }
}

/// Where the reading thread takes its blocks of frames: a classic pcap file
/// read in large blocks, its frames left where they lie, or any other
/// capture (pcapng, compressed, standard input) read frame by frame and its
/// frames copied into the block.
enum Filler<'s> {
    Blocks(&'s mut PcapBlocks),
    Frames {
        reader: &'s mut CaptureReader,
        /// A read error met after the frames of the last block: the next
        /// block is that error.
        pending: Option<CaptureError>,
        /// Frames per block at most.
        frames: usize,
    },
}

impl Filler<'_> {
    /// Fills `arena` with the next frames and `recs` with where they are;
    /// false at the end of the capture. An error comes after the frames
    /// before it.
    fn fill(
        &mut self,
        arena: &mut Vec<u8>,
        recs: &mut Vec<BlockRecord>,
    ) -> Result<bool, CaptureError> {
        let (reader, pending, frames) = match self {
            Filler::Blocks(b) => return b.fill(arena, recs),
            Filler::Frames {
                reader,
                pending,
                frames,
            } => (reader, pending, *frames),
        };
        arena.clear();
        recs.clear();
        if let Some(e) = pending.take() {
            return Err(e);
        }
        while arena.len() < BATCH_BYTES && recs.len() < frames {
            match reader.next_frame() {
                None => break,
                Some(Ok(f)) => {
                    let at = arena.len();
                    arena.extend_from_slice(f.data);
                    recs.push(BlockRecord {
                        number: f.number,
                        ts_sec: f.ts_sec,
                        ts_nsec: f.ts_nsec,
                        link_type: f.link_type,
                        orig_len: f.orig_len,
                        offset: f.file_offset,
                        data: at..arena.len(),
                    });
                }
                Some(Err(e)) if recs.is_empty() => return Err(e),
                Some(Err(e)) => {
                    *pending = Some(e);
                    break;
                }
            }
        }
        Ok(!recs.is_empty())
    }

    /// Whether the blocks are of a classic pcap file, each frame's record
    /// header just before it (what `-w` can write as it lies).
    fn records(&self) -> bool {
        matches!(self, Filler::Blocks(_))
    }
}

/// A block of a capture as the reading thread hands it on: its
/// frames' records still to follow (`recs`), or already followed into the
/// batch's items (`None`), and whether the frame count (`-c`) ended there.
struct Block {
    batch: Batch,
    recs: Option<Vec<BlockRecord>>,
    finished: bool,
}

/// Follows the frames `recs` of `batch`'s arena in order into its items;
/// true when the frame count (`-c`) is reached (the frames after it left).
fn follow_records(
    follow: &mut Follower<'_>,
    batch: &mut Batch,
    recs: &[BlockRecord],
    done: &impl Fn(u64) -> bool,
) -> bool {
    let mut finished = false;
    for r in recs {
        let f = FrameIn::from(r);
        let (arena, extra, items, notes) = batch.parts();
        if let Some(item) = follow.frame(&f, arena, r.data.clone(), extra, notes) {
            items.push(item);
        }
        if done(follow.sctp_packets) {
            finished = true;
            break;
        }
    }
    batch.first_ns = follow.clock.map_or(0, |c| c.0);
    finished
}

/// Reads the capture in order, extracts the SCTP packets, finds the rules
/// of each (following `auto` per association) and sends them in batches.
/// Returns the capture's error if it is broken part-way.
fn read_frames(
    a: &DissectArgs,
    how: &How<'_>,
    source: &mut Source,
    tx: SyncSender<Batch>,
    stop: &AtomicBool,
    (pool, seen): (&Pool<Batch>, &AtomicU64),
    analyzer: Option<Analyzer>,
) -> Result<(), String> {
    let mut follow = Follower {
        seen,
        cfg: LinkConfig {
            udp_ports: a.udp_ports.clone(),
        },
        defrag: Defragmenter::default(),
        decoder: Decoder::new(a.dialect),
        zero_follower: ZeroChecksumFollower::default(),
        clock: None,
        sctp_packets: 0,
        keep_raw: a.write.is_some(),
        link_errors: (a.verbose || a.lint) && a.display_filter.is_none(),
        judge_checksums: how.judge_checksums,
        analyzer,
    };
    let mut seq = 0u64;
    let new_batch = |seq| match pool.take() {
        Some(b) => Batch { seq, ..b },
        None => Batch {
            seq,
            arena: Vec::with_capacity(BATCH_BYTES + 2048),
            records: false,
            extra: Vec::new(),
            items: Vec::with_capacity(BATCH_ITEMS),
            analysis: BatchAnalysis::default(),
            first_ns: 0,
        },
    };
    let path = a.file.as_deref().filter(|f| f.as_os_str() != "-");
    let done = |n: u64| a.count.is_some_and(|c| n >= c);
    // Frames captured live go out one by one as they come; a file's frames
    // in blocks.
    let mut filler = match source {
        Source::Frames(reader) if a.interface.is_some() => {
            return follow_live(&mut follow, reader, &new_batch, &tx, stop, &done);
        }
        // From a pipe (a capture still being made, perhaps), as many frames
        // as a batch held SCTP packets when this thread read them: no
        // longer a wait than before; from a file, blocks as large as a pcap
        // file's (on 2 M small packets in pcapng, 2,048 frames a block cost
        // 5 % more time than 8,192).
        Source::Frames(reader) => Filler::Frames {
            reader,
            pending: None,
            frames: if path.is_some() {
                4 * BATCH_ITEMS
            } else {
                BATCH_ITEMS
            },
        },
        Source::Blocks(blocks) => Filler::Blocks(blocks),
    };
    // A thread of its own reads the capture in blocks (and pays the read
    // system calls and, but for a classic pcap file, the copy of each
    // frame); a read error goes down the same channel, after the blocks
    // before it. The frames are followed in order by this thread, or, when
    // the association analysis runs here, by the reading thread itself
    // (each block's bytes still in its cache) while this one analyses: the
    // frame-order work split over two threads. On 2 M small packets and 2
    // cores, `--analysis` takes 0.52 s so against 0.54 s with both halves
    // here.
    let mut analyzer = follow.analyzer.take();
    let (mut here, mut ahead) = match analyzer {
        Some(_) => (None, Some(follow)),
        None => (Some(follow), None),
    };
    let (btx, brx) = sync_channel::<Result<Block, String>>(4);
    let recs_pool: Pool<Vec<BlockRecord>> = Pool(Mutex::new(Vec::new()));
    std::thread::scope(|sc| {
        let recs_pool = &recs_pool;
        let read = move || loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let mut batch = new_batch(0);
            batch.records = filler.records();
            let mut recs = recs_pool
                .take()
                .unwrap_or_else(|| Vec::with_capacity(BATCH_ITEMS * 4));
            let block = match filler.fill(&mut batch.arena, &mut recs) {
                Ok(false) => return,
                Err(e) => Err(crate::files::describe_read_error(path, &e)),
                Ok(true) => Ok(match ahead.as_mut() {
                    Some(f) => {
                        let finished = follow_records(f, &mut batch, &recs, &done);
                        recs_pool.put(recs);
                        Block {
                            batch,
                            recs: None,
                            finished,
                        }
                    }
                    None => Block {
                        batch,
                        recs: Some(recs),
                        finished: false,
                    },
                }),
            };
            let last = block.as_ref().map_or(true, |b| b.finished);
            if btx.send(block).is_err() || last {
                return;
            }
        };
        std::thread::Builder::new()
            .name("dissect-read".into())
            .spawn_scoped(sc, read)
            .map_err(|e| format!("starting the reading thread: {e}"))?;
        // Dropped on return, which ends a reader blocked on it.
        let brx = brx;
        for block in brx.iter() {
            let Block {
                mut batch,
                recs,
                mut finished,
            } = block?;
            if let (Some(f), Some(recs)) = (here.as_mut(), recs) {
                finished = follow_records(f, &mut batch, &recs, &done);
                recs_pool.put(recs);
            }
            if let Some(an) = analyzer.as_mut() {
                let (arena, extra, items, notes) = batch.parts();
                notes.clear();
                for item in items.iter_mut() {
                    analyse_item(an, item, (arena, extra), notes);
                }
            }
            if batch.items.is_empty() {
                batch.extra.clear();
                batch.analysis.clear();
                pool.put(batch);
            } else {
                batch.seq = seq;
                if stop.load(Ordering::Relaxed) || tx.send(batch).is_err() {
                    return Ok(());
                }
                seq += 1;
            }
            if finished {
                return Ok(());
            }
        }
        Ok(())
    })
}

/// Follows the frames of a live capture (`-i`) on this thread, each SCTP
/// packet sent on to the formatting threads as it comes.
fn follow_live(
    follow: &mut Follower<'_>,
    reader: &mut CaptureReader,
    fresh: &dyn Fn(u64) -> Batch,
    tx: &SyncSender<Batch>,
    stop: &AtomicBool,
    done: &dyn Fn(u64) -> bool,
) -> Result<(), String> {
    let new_batch = |seq| {
        let mut b = fresh(seq);
        b.arena.clear();
        b.analysis.clear();
        b.records = false;
        b
    };
    let mut seq = 0;
    let mut batch = new_batch(seq);
    let mut result = Ok(());
    while let Some(frame) = reader.next_frame() {
        let frame = match frame {
            Ok(f) => f,
            Err(e) => {
                result = Err(crate::files::describe_read_error(None, &e));
                break;
            }
        };
        let f = FrameIn::from(&frame);
        let at = batch.arena.len();
        batch.arena.extend_from_slice(frame.data);
        let range = at..batch.arena.len();
        let (arena, extra, items, notes) = batch.parts();
        match follow.frame(&f, arena, range, extra, notes) {
            Some(item) => items.push(item),
            None => {
                batch.arena.truncate(at);
                continue;
            }
        }
        // Every packet goes out at once, not when a batch is full.
        seq += 1;
        let mut full = std::mem::replace(&mut batch, new_batch(seq));
        full.first_ns = follow.clock.map_or(0, |c| c.0);
        if stop.load(Ordering::Relaxed) || tx.send(full).is_err() {
            return result;
        }
        if done(follow.sctp_packets) {
            break;
        }
    }
    result
}

/// The association analysis stage (`--analysis`): analyses the packets of
/// each batch, in frame order, into the batch's `notes`, on the view the
/// frame-order pass framed, and hands the batch on to the formatting
/// threads. Ends when the reader is done or the formatting threads are gone.
fn analyse_batches(mut analyzer: Analyzer, rx: Receiver<Batch>, tx: SyncSender<Batch>) {
    for mut batch in rx {
        let (arena, extra, items, notes) = batch.parts();
        notes.clear();
        for item in items.iter_mut() {
            analyse_item(&mut analyzer, item, (arena, extra), notes);
        }
        if tx.send(batch).is_err() {
            return;
        }
    }
}

/// Analyses the packet of `item` (`--analysis`), the next in frame order,
/// its notes appended to `notes`, on the view rebuilt from the
/// framing the frame-order pass found; the item keeps the report's place
/// (as [`Follower::frame`] does when the analysis runs there).
fn analyse_item(
    analyzer: &mut Analyzer,
    item: &mut Item,
    (arena, extra): (&[u8], &[u8]),
    notes: &mut BatchAnalysis,
) {
    let ItemKind::Sctp {
        bytes,
        src,
        dst,
        encap,
        rules: Ok(rules),
        framing,
        analysis,
        ..
    } = &mut item.what
    else {
        return;
    };
    let Ok(view) = view_of(bytes.get(arena, extra), *rules, *framing) else {
        return;
    };
    let meta = PacketMeta {
        frame: item.frame,
        time_ns: item.epoch_ns,
        src: *src,
        dst: *dst,
        quoted: *encap == ICMP,
    };
    *analysis = notes.analyse(analyzer, &meta, &view);
}

/// Formats the batches it receives until the reader is done.
fn format_batches(
    a: &DissectArgs,
    how: &How<'_>,
    rx: &Mutex<Receiver<Batch>>,
    tx: SyncSender<(u64, Vec<u8>, Kept)>,
    (batches, texts, kepts): (&Pool<Batch>, &Pool<Vec<u8>>, &Pool<Kept>),
) {
    let mut scratch = Scratch::default();
    loop {
        let batch = match rx.lock() {
            Ok(rx) => match rx.recv() {
                Ok(b) => b,
                Err(_) => return,
            },
            Err(_) => return,
        };
        let mut s = texts
            .take()
            .unwrap_or_else(|| Vec::with_capacity(BLOCK_BYTES + 4096));
        let mut kept = kepts.take().unwrap_or_default();
        if !batch.records {
            kept.bytes.clear();
        }
        for item in &batch.items {
            let before = s.len();
            let stats = a.stats.then_some(&mut kept.stats);
            let printed = format_item(
                a,
                how,
                item,
                (&batch.arena, &batch.extra, &batch.analysis, batch.first_ns),
                (&mut s, &mut scratch),
                stats,
            );
            if a.quiet {
                s.truncate(before);
            }
            if let (true, Some(raw)) = (printed, &item.raw) {
                if batch.records {
                    kept.push_in_place(raw, &batch.arena);
                } else {
                    kept.push(raw, &batch.arena[raw.bytes.clone()]);
                }
            }
        }
        let seq = batch.seq;
        let mut batch = batch;
        // The kept records are written from the arena itself: the batch
        // takes the kept's previous bytes in its place.
        if batch.records && !kept.frames.is_empty() {
            std::mem::swap(&mut kept.bytes, &mut batch.arena);
        }
        // The arena keeps its length: a block read into it overwrites it
        // (and a batch of frames copied in clears it first).
        batch.extra.clear();
        batch.items.clear();
        // The notes are cleared by the thread that wrote them, when it
        // takes the batch again: a SACK's list of TSNs on the heap is freed
        // by the thread that allocated it (freed here, on 2 M small
        // packets, that cost 12 ms).
        batches.put(batch);
        if tx.send((seq, s, kept)).is_err() {
            return;
        }
    }
}

/// Writes the formatted batches to stdout in frame order, and their kept
/// frames to the `-w` file; then the `--stats` table (`stats_format`: JSON
/// when true, text when false, none when `None`). Returns how stdout and the
/// file fared: when stdout goes away the file is still written to the end.
fn write_in_order(
    rx: Receiver<(u64, Vec<u8>, Kept)>,
    stop: &AtomicBool,
    (texts, kepts): (&Pool<Vec<u8>>, &Pool<Kept>),
    capture: Option<&Mutex<Option<CaptureFile>>>,
    stats_format: Option<bool>,
    delta_displayed: Option<u8>,
) -> (io::Result<()>, io::Result<()>) {
    let mut prev_displayed = None;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut next = 0u64;
    let mut waiting = BTreeMap::new();
    let (mut text_result, mut file_result) = (Ok(()), Ok(()));
    let mut stats = Stats::default();
    for (seq, text, kept) in rx {
        waiting.insert(seq, (text, kept));
        while let Some((text, mut kept)) = waiting.remove(&next) {
            next += 1;
            stats.merge(std::mem::take(&mut kept.stats));
            if text_result.is_ok() {
                text_result = match delta_displayed {
                    Some(digits) => {
                        let text = String::from_utf8_lossy(&text);
                        let t = time::fill_delta_displayed(&text, &mut prev_displayed, digits);
                        out.write_all(t.as_bytes())
                    }
                    None => out.write_all(&text),
                };
            }
            if let (Ok(()), Some(c)) = (&file_result, capture) {
                file_result = write_frames(c, &kept);
            }
            let text_stops = match &text_result {
                Ok(()) => false,
                Err(e) => capture.is_none() || e.kind() != io::ErrorKind::BrokenPipe,
            };
            if file_result.is_err() || text_stops {
                stop.store(true, Ordering::Relaxed);
            }
            let mut text = text;
            text.clear();
            texts.put(text);
            kept.clear();
            kepts.put(kept);
        }
    }
    if stats_format.is_some() && text_result.is_ok() {
        let mut t = String::new();
        match stats_format {
            Some(true) => stats.write_json(&mut t),
            _ => stats.write_text(&mut t),
        }
        text_result = out.write_all(t.as_bytes());
    }
    (text_result.and_then(|()| out.flush()), file_result)
}

/// Appends kept frames to the `-w` file (gone after a Ctrl-C: then nothing).
fn write_frames(c: &Mutex<Option<CaptureFile>>, kept: &Kept) -> io::Result<()> {
    let mut guard = c
        .lock()
        .map_err(|_| io::Error::other("the -w file is unusable"))?;
    let Some(file) = guard.as_mut() else {
        return Ok(());
    };
    // Records already in the file's own form: written as they are.
    if let Some(link_type) = kept.uniform {
        if file.writes_pcap_usec(link_type) {
            let runs: Vec<&[u8]> = kept.runs.iter().map(|r| &kept.bytes[r.clone()]).collect();
            return file.write_pcap_records(&runs, kept.frames.len() as u64);
        }
    }
    for f in &kept.frames {
        file.write(&Record {
            number: f.number,
            link_type: f.link_type,
            ts_sec: f.ts_sec,
            ts_nsec: f.ts_nsec,
            orig_len: f.orig_len,
            data: &kept.bytes[f.bytes.clone()],
        })?;
    }
    Ok(())
}

/// How each packet is checked and chosen, besides the options.
#[derive(Clone, Copy)]
struct How<'f> {
    mode: VerifyMode,
    filter: Option<&'f Filter>,
    /// Decimals of the capture's timestamps.
    digits: u8,
    /// Whether checksums are verified and judged (the zero-checksum
    /// negotiation followed): for the lines printed, or for a filter that
    /// asks for `checksum.status`.
    judge_checksums: bool,
}

/// Formats one frame as the options ask, and counts it in `stats` (given
/// for `--stats`); false when it is not printed (the display filter left it
/// out).
fn format_item(
    a: &DissectArgs,
    how: &How<'_>,
    item: &Item,
    (arena, extra, analysis, first_ns): (&[u8], &[u8], &BatchAnalysis, i128),
    (out, scratch): (&mut Vec<u8>, &mut Scratch),
    stats: Option<&mut Stats>,
) -> bool {
    // The item's analysis notes, unpacked where this thread reuses them
    // (not for `-q` without a filter, which prints and chooses nothing).
    scratch.notes.clear();
    let head = match &item.what {
        ItemKind::Sctp {
            analysis: Some(k), ..
        } if !(a.quiet && how.filter.is_none()) => analysis.unpack(*k, &mut scratch.notes),
        _ => None,
    };
    let s = &mut scratch.text;
    let batch = (
        arena,
        extra,
        head.map(|h| ReportRef::new(h, &scratch.notes)),
        first_ns,
    );
    let printed = format_item_into(a, how, item, batch, (out, s, &mut scratch.facts), stats);
    if !s.is_empty() {
        out.extend_from_slice(s.as_bytes());
        s.clear();
    }
    printed
}

/// What a formatting thread reuses from packet to packet.
#[derive(Default)]
struct Scratch {
    /// Text that follows the summary line (trees, lints, hex dumps).
    text: String,
    /// The display filter's facts of a packet read in place.
    facts: Facts,
    /// The analysis notes of the packet (`--analysis`), unpacked.
    notes: Vec<ChunkNote>,
}

/// [`format_item`]: the summary line goes straight into the batch's bytes
/// `out`; everything else is written to `s`, which follows it. `report` is
/// the item's analysis.
fn format_item_into(
    a: &DissectArgs,
    how: &How<'_>,
    item: &Item,
    (arena, extra, report, first_ns): (&[u8], &[u8], Option<ReportRef<'_>>, i128),
    (out, s, facts): (&mut Vec<u8>, &mut String, &mut Facts),
    stats: Option<&mut Stats>,
) -> bool {
    let frame = item.frame;
    let time = item.time(first_ns);
    let (bytes, src, dst, encap, truncated, rules, zero, framing, analysis) = match &item.what {
        ItemKind::LinkError(e) => {
            if a.json {
                let _ = write!(s, "{{\"frame\":{frame},\"link_error\":");
                json::push_str(s, e);
                s.push_str("}\n");
            } else {
                let _ = writeln!(s, "{frame:>6} link error: {e}");
            }
            return true;
        }
        ItemKind::Sctp {
            bytes,
            src,
            dst,
            encap,
            truncated,
            rules,
            zero,
            framing,
            analysis: _,
        } => (
            bytes.get(arena, extra),
            src,
            dst,
            *encap,
            *truncated,
            rules,
            *zero,
            *framing,
            report,
        ),
    };
    let rules = match rules {
        Ok(r) => *r,
        // Nothing to filter on: the packet has no common header.
        Err(_) if how.filter.is_some() => return false,
        Err(e) => {
            if a.json {
                let _ = write!(
                    s,
                    "{{\"frame\":{frame},\"src\":\"{src}\",\"dst\":\"{dst}\",\"error\":"
                );
                json::push_str(s, &e.to_string());
                s.push_str("}\n");
            } else {
                let _ = writeln!(s, "{frame:>6} {src} → {dst} SCTP error: {e}");
            }
            return true;
        }
    };
    // `-q` without a display filter: nothing to print and nothing to
    // choose; only `--stats` counts, from the packet read in place.
    if a.quiet && how.filter.is_none() {
        let Ok(view) = view_of(bytes, rules, framing) else {
            return false;
        };
        if let Some(st) = stats {
            st.add(frame, *src, *dst, &view);
        }
        return true;
    }
    // A zero checksum is acceptable only where the association negotiated
    // it. (Not verified for `-q` with a filter that does not ask.)
    let judge = || zero_checksum::judge(checksum::verify(bytes, how.mode), zero);
    let judged = how.judge_checksums.then(judge);
    // The header is checked: the reader parsed a view of these bytes.
    let Ok(view) = view_of(bytes, rules, framing) else {
        return false;
    };
    let h = view.header();
    // The summary line needs each chunk typed, not the packet: the view
    // types them one at a time. A filter on the frame and the chunks'
    // headers is answered from the view too.
    let decode = || {
        Packet::decode(
            bytes,
            &DecodeOptions {
                rules,
                strict: false,
            },
        )
        .ok()
    };
    let mut whole = None;
    if let Some(f) = how.filter {
        let fr = Frame {
            number: frame,
            src: *src,
            dst: *dst,
            epoch_ns: time.epoch_ns,
            relative_ns: time.relative_ns(),
            delta_ns: time.delta_ns(),
            // (Never read when not judged: the filter does not ask.)
            checksum: judged
                .as_ref()
                .map_or(checksum::ChecksumStatus::Unverifiable, |j| j.0.status),
        };
        let mut typed;
        let facts = if facts.of_view_into(&view, &fr, f) {
            Some(facts)
        } else {
            whole = decode();
            typed = whole.as_ref().map(|p| Facts::of(p, &fr, f));
            typed.as_mut()
        };
        if let Some(facts) = facts {
            if let Some(r) = analysis {
                facts.add_analysis(&r, f);
            }
            if !f.matches(facts) {
                return false;
            }
        }
    }
    // `--lint` alone, on a packet whose chunks the view proves free of lints
    // (`lint::chunks_lint_free`: bulk DATA and SACK): only the checksum's
    // lints are left, found without the typed decode.
    let lints_from_view =
        a.lint && !a.json && !a.verbose && whole.is_none() && lint::chunks_lint_free(&view);
    if whole.is_none() && (a.json || a.verbose || a.lint) && !lints_from_view {
        whole = decode();
    }
    // Chosen, but nothing to print (`-q` with `-w` or `--stats`).
    if a.quiet {
        if let Some(st) = stats {
            st.add(frame, *src, *dst, &view);
        }
        return true;
    }
    let (report, zero_lint) = judged.unwrap_or_else(judge);
    let with_zero_lint = |mut v: Vec<lint::Lint>| {
        v.extend(zero_lint.clone());
        v.sort_by_key(|l| l.offset);
        v
    };
    if a.json {
        let Some(packet) = &whole else { return false };
        json::packet_head(
            s,
            &json::PacketHead {
                frame,
                src,
                dst,
                header: &h,
                encapsulation: encap,
                truncated,
                checksum: &report,
                time: &time,
            },
        );
        let lints = {
            let mut w = json::JsonWriter::new(s, true, false);
            with_zero_lint(lint::lint_with_rules(packet, Some(&report), &rules, &mut w))
        };
        s.push(']');
        if !packet.trailing.is_empty() {
            s.push_str(",\"trailing\":");
            json::push_hex(s, &packet.trailing);
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
            json::push_str(s, &l.message);
            s.push('}');
        }
        s.push(']');
        if let Some(r) = analysis {
            crate::analysis_out::json(s, &r);
        }
        s.push_str("}\n");
    } else {
        let mut when = String::new();
        match a.time_format {
            Some(TimeFormat::DeltaDisplayed) => time::delta_displayed_mark(&mut when, &time),
            Some(f) => time::write(&mut when, f, &time, None, how.digits),
            None => {}
        }
        summary::header(
            out,
            frame,
            Some(when.as_str()).filter(|w| !w.is_empty()),
            (src, h.source_port),
            (dst, h.destination_port),
            h.verification_tag,
        );
        chunk_summaries(out, &view, whole.as_ref());
        if !matches!(report.status, checksum::ChecksumStatus::Good) {
            out.extend_from_slice(b" [checksum ");
            out.extend_from_slice(report.status.as_str().as_bytes());
            out.extend_from_slice(b"]");
        }
        match encap {
            "udp" => out.extend_from_slice(b" [udp]"),
            "icmp" => out.extend_from_slice(b" [in icmp]"),
            _ => {}
        }
        if let Some(r) = analysis {
            // Into the line's bytes: no UTF-8 check, no copy.
            crate::analysis_out::summary(out, &r);
        }
        out.push(b'\n');
        if let Some(packet) = &whole {
            if a.verbose {
                time::tree_line(s, &time, how.digits);
                checksum_line(s, &report);
                let mut w = TreeWriter::new(s, 1);
                packet.describe(&mut w);
                if let Some(r) = analysis {
                    crate::analysis_out::tree(s, &r);
                }
            }
            if a.lint || a.verbose {
                for l in with_zero_lint(lint::lint_rules(packet, Some(&report), &rules)) {
                    let _ = writeln!(s, "    lint @{} {}: {}", l.offset, l.code, l.message);
                }
            }
        } else if lints_from_view {
            for l in with_zero_lint(lint::checksum_lint(&report).into_iter().collect()) {
                let _ = writeln!(s, "    lint @{} {}: {}", l.offset, l.code, l.message);
            }
        }
    }
    if a.hex {
        hexdump(s, bytes, "    ");
    }
    if let Some(st) = stats {
        st.add(frame, *src, *dst, &view);
    }
    true
}

/// The view the frame-order pass parsed of `bytes`, rebuilt from the
/// chunks it found (parsed again when it found none to keep).
fn view_of(
    bytes: &[u8],
    rules: Rules,
    framing: Option<Framing>,
) -> Result<PacketView<'_>, DecodeError> {
    match framing {
        Some(f) => PacketView::with_framing(bytes, rules, f),
        None => PacketView::parse(bytes, rules),
    }
}

/// Appends the summaries of a packet's chunks, comma-separated: from the
/// typed packet when there is one, else read in place through the view
/// (typed one at a time where the summary needs it). Every malformed chunk
/// is marked `[malformed: ...]`: a value that does not decode (or holds one
/// that does not), a Length that runs past the packet, and bytes after the
/// last chunk that are not one.
fn chunk_summaries<O: Out>(s: &mut O, view: &PacketView<'_>, whole: Option<&Packet<'_>>) {
    let mut first = true;
    let mut next = |s: &mut O| {
        if !std::mem::take(&mut first) {
            s.push_str(", ");
        }
    };
    let (trailing, error) = match whole {
        Some(p) => {
            // A chunk whose Length runs past the end is the last one, and
            // nothing trails it.
            let cut = p.error.as_ref().filter(|_| p.trailing.is_empty());
            for (k, c) in p.chunks.iter().enumerate() {
                next(s);
                summary::chunk(s, c);
                if let (Some(e), true) = (cut, k + 1 == p.chunks.len()) {
                    summary::malformed(s, &e.to_string());
                }
            }
            (&p.trailing[..], p.error.as_ref())
        }
        None => {
            for c in view.chunks() {
                next(s);
                if !summary::chunk_view(s, &c) {
                    summary::chunk(s, &c.decode());
                }
            }
            // The chunk cut short only behind an error: the usual packet
            // asks for no `Option<Chunk>` (a call and a copy of it).
            match view.error() {
                Some(e) => match view.cut_short() {
                    Some(c) => {
                        next(s);
                        summary::chunk(s, &c);
                        summary::malformed(s, &e.to_string());
                        (&[][..], None)
                    }
                    None => (view.trailing(), Some(e)),
                },
                None => (view.trailing(), None),
            }
        }
    };
    if !trailing.is_empty() {
        next(s);
        match error {
            Some(e) => summary::malformed(s, &e.to_string()),
            None => summary::malformed(
                s,
                &format!(
                    "{} bytes after the last chunk are not a chunk",
                    trailing.len()
                ),
            ),
        }
    }
}
