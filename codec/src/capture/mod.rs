//! Capture files: pcap, pcapng and gzip-compressed captures, streamed frame by frame.
//!
//! [`CaptureReader`] reads classic pcap (draft-ietf-opsawg-pcap: both byte
//! orders, microsecond and nanosecond magic) and pcapng
//! (draft-ietf-opsawg-pcapng: several sections and interfaces, each packet
//! with its interface's link type and if_tsresol/if_tsoffset), plain or
//! gzip-compressed (RFC 1952, recognised by its magic, not its name).
//!
//! Plain files go through libpcap (the `pcap` crate) where it can read them;
//! gzip input, streams, and pcapng files whose interfaces have different
//! link types go through pcap-parser, a pure-Rust streaming reader. Memory
//! stays bounded whatever the file size: one record at a time is held.
//!
//! [`PcapBlocks`] reads a plain classic pcap file in large blocks instead,
//! leaving each record's bytes where they were read (no copy per frame).
//!
//! [`CaptureReader::open_live`] captures from a network interface instead.
//!
//! [`PcapWriter`] writes classic pcap files.

use std::fs::File;
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::Path;

mod block;
mod error;
mod fill;
mod format;
mod guard;
mod hint;
mod index;
mod libpcap;
mod live;
mod parser;
mod writer;

pub use block::{BlockRecord, PcapBlocks};
pub use error::{CaptureError, CaptureErrorKind};
pub use guard::refuse_same_file;
pub use hint::{udp_sctp_hint, udp_sctp_hint_line};
pub use writer::{PcapWriter, LINKTYPE_ETHERNET, LINKTYPE_RAW, PCAP_WRITER_SNAPLEN};

use fill::read_head;
use format::sniff;
use libpcap::LibpcapBackend;
use live::LiveBackend;
use parser::ParserBackend;

/// Length of the classic pcap file header.
const PCAP_HEADER_LEN: u64 = 24;

/// Largest record or block accepted (64 MiB); larger ones are reported as
/// [`CaptureErrorKind::RecordTooLarge`] rather than buffered.
pub const MAX_RECORD_LEN: usize = 64 << 20;

/// One captured frame (a pcap record or a pcapng EPB/SPB/Packet Block),
/// borrowed from the reader until the next call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// 1-based frame number in the file (as Wireshark numbers frames).
    pub number: u64,
    /// Timestamp, seconds since the Unix epoch.
    pub ts_sec: i64,
    /// Timestamp, nanoseconds within the second.
    pub ts_nsec: u32,
    /// LINKTYPE_ value of the frame's interface
    /// (<https://www.tcpdump.org/linktypes.html>).
    pub link_type: u32,
    /// Captured bytes.
    pub data: &'a [u8],
    /// Length of the packet on the wire (may exceed `data.len()`).
    pub orig_len: u32,
    /// Byte offset of the record (pcapng: of the block) in the file, after
    /// decompression for gzip input.
    pub file_offset: u64,
}

/// Which library is reading the capture: libpcap or pcap-parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// libpcap, through the `pcap` crate.
    Libpcap,
    /// pcap-parser, in pure Rust.
    PcapParser,
    /// libpcap capturing live from an interface.
    Live,
}

/// A frame's metadata and where its bytes are in the backend's buffer.
#[derive(Debug, Clone)]
pub(crate) struct Meta {
    pub ts_sec: i64,
    pub ts_nsec: u32,
    pub link_type: u32,
    pub orig_len: u32,
    pub offset: u64,
    pub data: Range<usize>,
}

/// What a backend's `advance` produced.
pub(crate) enum Step {
    Ready(Meta),
    Eof,
    Failed(CaptureError),
    /// libpcap failed or disagreed with the record index: read the file
    /// again with pcap-parser.
    Fallback,
}

enum Reader {
    Libpcap(Box<LibpcapBackend>),
    Parser(Box<ParserBackend>),
    Live(Box<LiveBackend>),
}

/// Streams the frames of a pcap (draft-ietf-opsawg-pcap) or pcapng
/// (draft-ietf-opsawg-pcapng) file or stream, possibly gzip-compressed
/// (RFC 1952). A lending iterator: each [`Frame`] borrows the reader.
pub struct CaptureReader {
    reader: Reader,
    /// The file, for re-reading it with pcap-parser if libpcap gives up.
    path: Option<std::path::PathBuf>,
    returned: u64,
    finished: bool,
}

impl std::fmt::Debug for CaptureReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureReader")
            .field("backend", &self.backend())
            .field("path", &self.path)
            .field("returned", &self.returned)
            .field("finished", &self.finished)
            .finish()
    }
}

impl CaptureReader {
    /// Opens a capture file (pcap, pcapng, or either gzip-compressed).
    /// Regular files go to libpcap when it can read them; named pipes and
    /// other special files are streamed through pcap-parser.
    pub fn open(path: &Path) -> Result<CaptureReader, CaptureError> {
        Self::open_with(path, Backend::Libpcap)
    }

    /// Opens a capture file with the preferred reader: `Libpcap` as
    /// [`CaptureReader::open`] does, or `PcapParser` for every file (faster
    /// on large plain files: libpcap's stdio reads them 4 KiB per system call).
    pub fn open_with(path: &Path, prefer: Backend) -> Result<CaptureReader, CaptureError> {
        let mut file = File::open(path).map_err(|e| CaptureError::io(1, 0, e))?;
        let regular = file.metadata().is_ok_and(|m| m.is_file());
        let head = read_head(&mut file, 4).map_err(|e| CaptureError::io(1, 0, e))?;
        let format = sniff(&head).ok_or_else(|| {
            CaptureError::new(1, 0, CaptureErrorKind::UnknownFormat(head.clone()))
        })?;
        let libpcap = if regular && prefer == Backend::Libpcap {
            LibpcapBackend::open(path, format)
        } else {
            None
        };
        let reader = match libpcap {
            Some(lp) => Reader::Libpcap(Box::new(lp)),
            // The sniffed bytes go back in front: pipes cannot seek.
            None => Reader::Parser(Box::new(ParserBackend::from_read(Box::new(
                Cursor::new(head).chain(file),
            ))?)),
        };
        Ok(CaptureReader {
            reader,
            path: Some(path.to_path_buf()),
            returned: 0,
            finished: false,
        })
    }

    /// Captures live from network interface `device` (`lo`, `eth0`, `any`)
    /// with an optional BPF capture `filter` (`"sctp or udp port 9899"`);
    /// frames are numbered from 1 as they arrive and
    /// [`next_frame`](Self::next_frame) waits for the next one. Needs the
    /// rights to capture (root or CAP_NET_RAW).
    pub fn open_live(device: &str, filter: Option<&str>) -> Result<CaptureReader, CaptureError> {
        Ok(CaptureReader {
            reader: Reader::Live(Box::new(LiveBackend::open(device, filter)?)),
            path: None,
            returned: 0,
            finished: false,
        })
    }

    /// Reads a capture from a stream (e.g. stdin), gzip-compressed or not,
    /// with pcap-parser.
    pub fn from_reader<R: Read + Send + 'static>(input: R) -> Result<CaptureReader, CaptureError> {
        let parser = ParserBackend::from_read(Box::new(input))?;
        Ok(CaptureReader {
            reader: Reader::Parser(Box::new(parser)),
            path: None,
            returned: 0,
            finished: false,
        })
    }

    /// The library currently reading (libpcap may hand over to pcap-parser
    /// mid-file, e.g. at a pcapng interface with another link type).
    pub fn backend(&self) -> Backend {
        match self.reader {
            Reader::Libpcap(_) => Backend::Libpcap,
            Reader::Parser(_) => Backend::PcapParser,
            Reader::Live(_) => Backend::Live,
        }
    }

    /// The next frame; `None` after the last one or after an error. An error
    /// comes after every complete frame before it and names the frame number
    /// and byte offset where reading broke.
    pub fn next_frame(&mut self) -> Option<Result<Frame<'_>, CaptureError>> {
        if self.finished {
            return None;
        }
        let number = self.returned + 1;
        let meta = loop {
            let step = match &mut self.reader {
                Reader::Libpcap(lp) => lp.advance(),
                Reader::Parser(p) => p.advance(number),
                Reader::Live(l) => l.advance(number),
            };
            match step {
                Step::Ready(meta) => break meta,
                Step::Eof => {
                    self.finished = true;
                    return None;
                }
                Step::Failed(e) => {
                    self.finished = true;
                    return Some(Err(e));
                }
                Step::Fallback => {
                    if let Err(e) = self.fall_back() {
                        self.finished = true;
                        return Some(Err(e));
                    }
                }
            }
        };
        self.returned = number;
        let data = match &self.reader {
            Reader::Libpcap(lp) => lp.data(&meta),
            Reader::Parser(p) => p.data(&meta),
            Reader::Live(l) => l.data(&meta),
        };
        let Some(data) = data else {
            self.finished = true;
            return Some(Err(CaptureError::corrupt(
                number,
                meta.offset,
                "frame data lost",
            )));
        };
        Some(Ok(Frame {
            number,
            ts_sec: meta.ts_sec,
            ts_nsec: meta.ts_nsec,
            link_type: meta.link_type,
            data,
            orig_len: meta.orig_len,
            file_offset: meta.offset,
        }))
    }

    /// Replaces libpcap by pcap-parser on the same file; the frames already
    /// returned are skipped by the new reader.
    fn fall_back(&mut self) -> Result<(), CaptureError> {
        let number = self.returned + 1;
        let Some(path) = &self.path else {
            return Err(CaptureError::corrupt(
                number,
                0,
                "libpcap failed on a stream",
            ));
        };
        let resume = match &self.reader {
            Reader::Libpcap(lp) => lp.resume_offset(),
            Reader::Parser(_) | Reader::Live(_) => {
                return Err(CaptureError::corrupt(
                    number,
                    0,
                    "pcap-parser asked for a fallback",
                ))
            }
        };
        let mut file = File::open(path).map_err(|e| CaptureError::io(number, 0, e))?;
        let parser = match resume {
            // Classic pcap: file header, then straight to the next record.
            Some(at) if at >= PCAP_HEADER_LEN => {
                let mut header = vec![0u8; PCAP_HEADER_LEN as usize];
                file.read_exact(&mut header)
                    .and_then(|()| file.seek(SeekFrom::Start(at)))
                    .map_err(|e| CaptureError::io(number, at, e))?;
                let input = Cursor::new(header).chain(file);
                ParserBackend::resume(Box::new(input), at - PCAP_HEADER_LEN, self.returned)?
            }
            // pcapng: from the start, skipping the frames already returned.
            _ => ParserBackend::from_read(Box::new(file))?,
        };
        self.reader = Reader::Parser(Box::new(parser));
        Ok(())
    }
}

/// Splits a fractional part given in nanoseconds (possibly a second or more,
/// from corrupt microsecond fields) into seconds and nanoseconds.
pub(crate) fn normalize_ts(secs: i64, nanos: u64) -> (i64, u32) {
    let carry = i64::try_from(nanos / 1_000_000_000).unwrap_or(i64::MAX);
    let nsec = u32::try_from(nanos % 1_000_000_000).unwrap_or(0);
    (secs.saturating_add(carry), nsec)
}
