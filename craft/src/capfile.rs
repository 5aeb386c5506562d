//! The `dissect -w` output: a capture file written beside its destination
//! and renamed into place only by [`CaptureFile::finish`], so that an error
//! leaves no partial file (and whatever the destination held, intact).
//!
//! It starts as classic pcap (microseconds, one link type) unless pcapng is
//! asked for. When a frame needs more than the file can hold (a second link
//! type, or nanoseconds in a microsecond file) what was written is rewritten
//! into a file that can: pcap with nanoseconds, or pcapng (one interface per
//! link type, nanosecond timestamps). With the format forced to pcap, a
//! second link type is an error instead.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, IoSlice, Read, Write};
use std::path::Path;

use crate::files::Replacement;

/// The formats `-F` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutFormat {
    /// Classic pcap.
    Pcap,
    /// pcapng.
    Pcapng,
}

/// What the file holds so far.
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// Nothing written yet (the header waits for the first frame's link type).
    Empty,
    /// Classic pcap of one link type, microsecond or nanosecond timestamps.
    Pcap { link_type: u32, nanos: bool },
    /// pcapng: interface `i` has link type `ifaces[i]`.
    Pcapng { ifaces: Vec<u32> },
}

/// LINKTYPE_RAW, for a file that received no frame.
const LINKTYPE_RAW: u32 = 101;
/// The snapshot length written in headers (libpcap's MAXIMUM_SNAPLEN).
const SNAPLEN: u32 = 262_144;

/// Where the capture goes.
#[derive(Debug)]
enum Sink {
    /// A file written beside its destination, renamed over it at the end.
    Beside(Replacement),
    /// Standard output (`-`), a FIFO or a device: written as it comes, in a
    /// format chosen up front (nothing can be rewritten).
    Stream(String),
}

/// A capture being written; dropped without [`CaptureFile::finish`], it
/// leaves nothing behind (a stream keeps what was sent).
#[derive(Debug)]
pub struct CaptureFile {
    sink: Sink,
    out: BufWriter<File>,
    forced: Option<OutFormat>,
    state: State,
    frames: u64,
    /// Why the format changed, for the user (the first reason).
    upgraded: Option<String>,
    /// Early writeback of a file written beside its destination.
    early: EarlySync,
}

/// Bytes handed to the kernel between two early syncs.
const EARLY_SYNC_BYTES: u64 = 16 << 20;

/// The file's data synced to disk in the background as it is written
/// (`fdatasync` in a thread of its own, every [`EARLY_SYNC_BYTES`], never
/// waited for: skipped while the last one runs), so that the sync before
/// the rename ([`Replacement::commit`](crate::files::Replacement::commit))
/// finds little left to write: the disk works while the capture is read,
/// not after. Its first error is the file's ([`EarlySync::stop`]): the
/// kernel reports a failed writeback once per open file, and this one
/// shares the writer's.
#[derive(Debug, Default)]
struct EarlySync {
    /// Bytes given to the file since the last early sync was asked for.
    since: u64,
    /// Asks the syncing thread for one more sync; `None` until the first.
    tx: Option<std::sync::mpsc::SyncSender<()>>,
    thread: Option<std::thread::JoinHandle<io::Result<()>>>,
    /// Set when no thread could be had: then nothing more is tried.
    off: bool,
}

impl EarlySync {
    /// Counts `n` more bytes written to `file`, and asks for a sync of it
    /// when enough have gone since the last.
    fn wrote(&mut self, n: usize, file: &File) {
        if self.off {
            return;
        }
        self.since += n as u64;
        if self.since < EARLY_SYNC_BYTES {
            return;
        }
        self.since = 0;
        if self.tx.is_none() {
            let Ok(f) = file.try_clone() else {
                self.off = true;
                return;
            };
            let (tx, rx) = std::sync::mpsc::sync_channel::<()>(1);
            let spawned = std::thread::Builder::new()
                .name("capture-sync".into())
                .spawn(move || {
                    for () in rx {
                        f.sync_data()?;
                    }
                    Ok(())
                });
            match spawned {
                Ok(t) => (self.tx, self.thread) = (Some(tx), Some(t)),
                Err(_) => {
                    self.off = true;
                    return;
                }
            }
        }
        if let Some(tx) = &self.tx {
            // Full: a sync is already waiting, which will take these too.
            let _ = tx.try_send(());
        }
    }

    /// Ends the syncing thread, after the sync it is in; the error of one
    /// that failed.
    fn stop(&mut self) -> io::Result<()> {
        self.tx = None;
        self.since = 0;
        match self.thread.take().map(|t| t.join()) {
            None | Some(Ok(Ok(()))) => Ok(()),
            Some(Ok(Err(e))) => Err(e),
            Some(Err(_)) => Err(io::Error::other("the thread syncing the file failed")),
        }
    }
}

impl Drop for EarlySync {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// One frame to write.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// 1-based number in the input, for messages.
    pub number: u64,
    pub link_type: u32,
    pub ts_sec: i64,
    pub ts_nsec: u32,
    pub orig_len: u32,
    pub data: &'a [u8],
}

impl CaptureFile {
    /// Starts a capture for `dest` (a regular file is not touched until
    /// `finish`). `-`, a FIFO or a device is a stream: pcapng unless
    /// `forced` says pcap.
    pub fn create(dest: &Path, forced: Option<OutFormat>) -> Result<CaptureFile, String> {
        let stream = dest.as_os_str() == "-"
            || std::fs::metadata(dest).is_ok_and(|m| !m.is_file() && !m.is_dir());
        let (sink, f, forced) = if stream {
            let (name, path) = if dest.as_os_str() == "-" {
                ("standard output".to_string(), Path::new("/dev/stdout"))
            } else {
                (dest.display().to_string(), dest)
            };
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| format!("{name}: {e}"))?;
            let forced = Some(forced.unwrap_or(OutFormat::Pcapng));
            (Sink::Stream(name), f, forced)
        } else {
            let mut repl = Replacement::create(dest)?;
            let f = repl
                .take_file()
                .map_err(|e| format!("{}: {e}", dest.display()))?;
            (Sink::Beside(repl), f, forced)
        };
        Ok(CaptureFile {
            sink,
            out: BufWriter::with_capacity(1 << 16, f),
            forced,
            state: State::Empty,
            frames: 0,
            upgraded: None,
            early: EarlySync::default(),
        })
    }

    /// Notes `n` more bytes written (for the early sync of a file written
    /// beside its destination).
    fn wrote(&mut self, n: usize) {
        if matches!(self.sink, Sink::Beside(_)) {
            self.early.wrote(n, self.out.get_ref());
        }
    }

    /// True when the capture goes to standard output, a FIFO or a device.
    pub fn is_stream(&self) -> bool {
        matches!(self.sink, Sink::Stream(_))
    }

    /// Appends one frame, changing the file's format first if it cannot hold it.
    pub fn write(&mut self, r: &Record<'_>) -> io::Result<()> {
        let needs_nanos = !r.ts_nsec.is_multiple_of(1000);
        match &self.state {
            State::Empty => {
                if self.forced == Some(OutFormat::Pcapng) {
                    self.out.write_all(&shb())?;
                    self.state = State::Pcapng { ifaces: Vec::new() };
                } else {
                    self.out.write_all(&pcap_header(r.link_type, needs_nanos))?;
                    self.state = State::Pcap {
                        link_type: r.link_type,
                        nanos: needs_nanos,
                    };
                }
            }
            State::Pcap { link_type, nanos } => {
                let (link_type, nanos) = (*link_type, *nanos);
                if link_type != r.link_type {
                    if self.forced == Some(OutFormat::Pcap) {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!(
                                "a pcap file holds one link type, and this capture mixes {link_type} and {} (frame {}); use -F pcapng, or leave -F out",
                                r.link_type, r.number
                            ),
                        ));
                    }
                    self.upgraded.get_or_insert_with(|| {
                        format!(
                            "written as pcapng: the capture mixes link types {link_type} and {} (frame {}), which a pcap file cannot hold",
                            r.link_type, r.number
                        )
                    });
                    self.rewrite(false)?;
                } else if needs_nanos && !nanos && matches!(self.sink, Sink::Beside(_)) {
                    // (A stream keeps microseconds: it cannot be rewritten.)
                    self.rewrite(true)?;
                }
            }
            State::Pcapng { .. } => {}
        }
        let len = u32::try_from(r.data.len())
            .map_err(|_| io::Error::other(format!("frame {} is too long", r.number)))?;
        let orig = r.orig_len.max(len);
        let written = match &mut self.state {
            State::Pcap { nanos, .. } => {
                let secs = u32::try_from(r.ts_sec).unwrap_or(0);
                let frac = if *nanos { r.ts_nsec } else { r.ts_nsec / 1000 };
                let mut h = [0u8; 16];
                for (d, v) in h.chunks_exact_mut(4).zip([secs, frac, len, orig]) {
                    d.copy_from_slice(&v.to_le_bytes());
                }
                self.out.write_all(&h)?;
                self.out.write_all(r.data)?;
                h.len() + r.data.len()
            }
            State::Pcapng { ifaces } => {
                let iface = match ifaces.iter().position(|&l| l == r.link_type) {
                    Some(i) => i,
                    None => {
                        ifaces.push(r.link_type);
                        self.out.write_all(&idb(r.link_type))?;
                        ifaces.len() - 1
                    }
                };
                let ns =
                    u64::try_from(r.ts_sec).unwrap_or(0) * 1_000_000_000 + u64::from(r.ts_nsec);
                let block = epb(iface as u32, ns, orig, r.data);
                self.out.write_all(&block)?;
                block.len()
            }
            State::Empty => return Err(io::Error::other("no file header written")),
        };
        self.frames += 1;
        self.wrote(written);
        Ok(())
    }

    /// Rewrites the pcap written so far into a new file beside the
    /// destination: pcap with nanoseconds (`nanos`), else pcapng.
    /// Whether the file is a pcap file of `link_type` with microsecond
    /// timestamps: then frames of that link type, with whole-microsecond
    /// timestamps, can be given to [`CaptureFile::write_pcap_records`].
    pub fn writes_pcap_usec(&self, link_type: u32) -> bool {
        self.state
            == State::Pcap {
                link_type,
                nanos: false,
            }
    }

    /// Appends `frames` frames already encoded as pcap records of this
    /// file ([`CaptureFile::writes_pcap_usec`]), in runs of whole records:
    /// each a 16-byte header (seconds, microseconds, captured and original
    /// length, little-endian; the original length at least the captured
    /// one) then its bytes. The same bytes as [`CaptureFile::write`] of
    /// each, gathered by `writev` (no copy in between).
    pub fn write_pcap_records(&mut self, runs: &[&[u8]], frames: u64) -> io::Result<()> {
        let mut slices: Vec<IoSlice<'_>> = runs.iter().map(|r| IoSlice::new(r)).collect();
        let mut left = &mut slices[..];
        while !left.is_empty() {
            match self.out.write_vectored(left) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => IoSlice::advance_slices(&mut left, n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.frames += frames;
        self.wrote(runs.iter().map(|r| r.len()).sum());
        Ok(())
    }

    fn rewrite(&mut self, nanos: bool) -> io::Result<()> {
        let State::Pcap {
            link_type,
            nanos: was_nanos,
        } = self.state
        else {
            return Ok(());
        };
        let Sink::Beside(repl) = &self.sink else {
            return Err(io::Error::other("a stream cannot be rewritten"));
        };
        self.out.flush()?;
        // The file it syncs goes: the next one gets a thread of its own.
        self.early.stop()?;
        let mut next = Replacement::create(repl.dest()).map_err(io::Error::other)?;
        let mut out = BufWriter::with_capacity(1 << 16, next.take_file()?);
        let mut input = BufReader::new(File::open(repl.temp_path())?);
        let mut skip = [0u8; 24];
        input.read_exact(&mut skip)?;
        if nanos {
            out.write_all(&pcap_header(link_type, true))?;
        } else {
            out.write_all(&shb())?;
            out.write_all(&idb(link_type))?;
        }
        let mut h = [0u8; 16];
        let mut data = Vec::new();
        for _ in 0..self.frames {
            input.read_exact(&mut h)?;
            let v = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
            let (secs, frac, len, orig) = (v(0), v(4), v(8), v(12));
            data.resize(len as usize, 0);
            input.read_exact(&mut data)?;
            let ns = if was_nanos { frac } else { frac * 1000 };
            if nanos {
                for (d, x) in h.chunks_exact_mut(4).zip([secs, ns, len, orig]) {
                    d.copy_from_slice(&x.to_le_bytes());
                }
                out.write_all(&h)?;
                out.write_all(&data)?;
            } else {
                let t = u64::from(secs) * 1_000_000_000 + u64::from(ns);
                out.write_all(&epb(0, t, orig, &data))?;
            }
        }
        self.out = out;
        // The old temporary file goes when its Replacement is dropped.
        self.sink = Sink::Beside(next);
        self.state = if nanos {
            State::Pcap {
                link_type,
                nanos: true,
            }
        } else {
            State::Pcapng {
                ifaces: vec![link_type],
            }
        };
        Ok(())
    }

    /// Completes the file and renames it over the destination. Returns the
    /// format written and, when it is not the one first chosen, why.
    pub fn finish(mut self) -> Result<(OutFormat, Option<String>), String> {
        let name = match &self.sink {
            Sink::Beside(r) => r.dest().display().to_string(),
            Sink::Stream(n) => n.clone(),
        };
        if self.state == State::Empty {
            // No frame: still a valid, empty capture.
            let head = match self.forced {
                Some(OutFormat::Pcapng) => {
                    let mut v = shb();
                    v.extend_from_slice(&idb(LINKTYPE_RAW));
                    v
                }
                _ => pcap_header(LINKTYPE_RAW, false),
            };
            self.out
                .write_all(&head)
                .map_err(|e| format!("{name}: {e}"))?;
        }
        let format = match self.state {
            State::Pcapng { .. } => OutFormat::Pcapng,
            State::Pcap { .. } => OutFormat::Pcap,
            State::Empty => self.forced.unwrap_or(OutFormat::Pcap),
        };
        self.early.stop().map_err(|e| format!("{name}: {e}"))?;
        let file = self
            .out
            .into_inner()
            .map_err(|e| format!("{name}: {}", e.error()))?;
        if let Sink::Beside(r) = self.sink {
            r.commit(Some(&file))?;
        }
        Ok((format, self.upgraded))
    }
}

/// A classic pcap header, little-endian, microseconds or nanoseconds.
fn pcap_header(link_type: u32, nanos: bool) -> Vec<u8> {
    let magic: u32 = if nanos { 0xA1B2_3C4D } else { 0xA1B2_C3D4 };
    let mut h = Vec::with_capacity(24);
    h.extend_from_slice(&magic.to_le_bytes());
    h.extend_from_slice(&2u16.to_le_bytes());
    h.extend_from_slice(&4u16.to_le_bytes());
    h.extend_from_slice(&0u32.to_le_bytes());
    h.extend_from_slice(&0u32.to_le_bytes());
    h.extend_from_slice(&SNAPLEN.to_le_bytes());
    h.extend_from_slice(&link_type.to_le_bytes());
    h
}

/// A pcapng block: type, length, body padded to 4 bytes, length.
fn block(ty: u32, body: &[u8]) -> Vec<u8> {
    let pad = (4 - body.len() % 4) % 4;
    let len = (12 + body.len() + pad) as u32;
    let mut b = Vec::with_capacity(len as usize);
    b.extend_from_slice(&ty.to_le_bytes());
    b.extend_from_slice(&len.to_le_bytes());
    b.extend_from_slice(body);
    b.resize(b.len() + pad, 0);
    b.extend_from_slice(&len.to_le_bytes());
    b
}

/// Section Header Block, little-endian, version 1.0, section length unknown.
fn shb() -> Vec<u8> {
    let mut body = Vec::with_capacity(16);
    body.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes());
    body.extend_from_slice(&1u16.to_le_bytes());
    body.extend_from_slice(&0u16.to_le_bytes());
    body.extend_from_slice(&(-1i64).to_le_bytes());
    block(0x0A0D_0D0A, &body)
}

/// Interface Description Block with nanosecond timestamps (if_tsresol 9).
fn idb(link_type: u32) -> Vec<u8> {
    let mut body = Vec::with_capacity(20);
    // LinkType is 16 bits in an IDB; the upper bits of a pcap link type
    // field (FCS length) do not apply here.
    body.extend_from_slice(&((link_type & 0xffff) as u16).to_le_bytes());
    body.extend_from_slice(&0u16.to_le_bytes());
    body.extend_from_slice(&SNAPLEN.to_le_bytes());
    // if_tsresol (9) = 10^-9, then opt_endofopt.
    body.extend_from_slice(&9u16.to_le_bytes());
    body.extend_from_slice(&1u16.to_le_bytes());
    body.extend_from_slice(&[9, 0, 0, 0]);
    body.extend_from_slice(&[0, 0, 0, 0]);
    block(1, &body)
}

/// Enhanced Packet Block.
fn epb(iface: u32, ts: u64, orig_len: u32, data: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(20 + data.len() + 3);
    body.extend_from_slice(&iface.to_le_bytes());
    body.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
    body.extend_from_slice(&(ts as u32).to_le_bytes());
    body.extend_from_slice(&(data.len() as u32).to_le_bytes());
    body.extend_from_slice(&orig_len.to_le_bytes());
    body.extend_from_slice(data);
    block(6, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file past several early syncs, records given whole and gathered,
    /// then one at a time: the same bytes as written, the syncing thread
    /// gone once it is committed, and nothing left beside it.
    #[test]
    fn early_syncs_leave_the_bytes_as_written() {
        let dir = std::env::temp_dir().join(format!("capfile-early-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let dest = dir.join("out.pcap");
        let mut c = CaptureFile::create(&dest, None).unwrap();
        let data = vec![0x5au8; 1000];
        let first = Record {
            number: 1,
            link_type: 1,
            ts_sec: 7,
            ts_nsec: 3000,
            orig_len: 1000,
            data: &data,
        };
        c.write(&first).unwrap();
        let mut want = pcap_header(1, false);
        let mut record = Vec::new();
        for v in [7u32, 3, 1000, 1000] {
            record.extend_from_slice(&v.to_le_bytes());
        }
        record.extend_from_slice(&data);
        want.extend_from_slice(&record);
        // 40 MiB in runs of 64 records, then 1,000 records one by one.
        let run = record.repeat(64);
        for _ in 0..(40 << 20) / run.len() {
            c.write_pcap_records(&[&run[..512], &run[512..]], 64)
                .unwrap();
            want.extend_from_slice(&run);
        }
        assert!(c.early.thread.is_some(), "no early sync after 40 MiB");
        for k in 0..1000 {
            c.write(&Record {
                number: k + 2,
                ..first
            })
            .unwrap();
            want.extend_from_slice(&record);
        }
        c.finish().unwrap();
        assert!(std::fs::read(&dest).unwrap() == want);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
