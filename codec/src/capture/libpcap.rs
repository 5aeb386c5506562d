//! The libpcap backend (through the `pcap` crate): plain pcap files and
//! pcapng files whose interfaces share one link type. A [`RecordIndex`]
//! walks the same file in step to supply byte offsets and LINKTYPE values;
//! on any libpcap error or disagreement the reader falls back to
//! pcap-parser, which either goes on or reports precisely what is wrong.

use std::path::Path;

use pcap::{Capture, Offline, Precision};

use super::format::Format;
use super::index::RecordIndex;
use super::{normalize_ts, Meta, Step};

/// libpcap backend state.
pub(crate) struct LibpcapBackend {
    capture: Capture<Offline>,
    index: RecordIndex,
    /// The current frame's bytes (libpcap's buffer is only valid until the
    /// next call, which the fallback logic may need to make).
    buf: Vec<u8>,
    classic: bool,
    /// Classic pcap: where the record after the last one returned starts.
    next_record: u64,
}

impl LibpcapBackend {
    /// Opens `path` with libpcap; `None` when libpcap (or the index) cannot.
    pub(crate) fn open(path: &Path, format: Format) -> Option<Self> {
        let classic = match format {
            Format::Pcap(_) => true,
            Format::PcapNg => false,
            Format::Gzip => return None,
        };
        // libpcap takes a C string path: non-UTF-8 paths go to pcap-parser.
        path.to_str()?;
        let capture = Capture::from_file_with_precision(path, Precision::Nano).ok()?;
        let index = RecordIndex::open(path, format).ok()?;
        Some(LibpcapBackend {
            capture,
            index,
            buf: Vec::new(),
            classic,
            next_record: 24,
        })
    }

    /// The next frame, or [`Step::Fallback`] when libpcap fails or disagrees
    /// with the index.
    pub(crate) fn advance(&mut self) -> Step {
        let header = match self.capture.next_packet() {
            Ok(p) => {
                self.buf.clear();
                self.buf.extend_from_slice(p.data);
                *p.header
            }
            Err(pcap::Error::NoMorePackets) => {
                return match self.index.next_record() {
                    Ok(None) => Step::Eof,
                    _ => Step::Fallback,
                };
            }
            Err(_) => return Step::Fallback,
        };
        let Ok(Some(rec)) = self.index.next_record() else {
            return Step::Fallback;
        };
        if rec.caplen != header.caplen
            || rec.orig_len != header.len
            || rec.caplen as usize != self.buf.len()
        {
            return Step::Fallback;
        }
        // Classic pcap seconds are unsigned 32-bit; libpcap 1.10 reads them signed.
        let secs = if self.classic {
            i64::from(header.ts.tv_sec as u32)
        } else {
            #[allow(clippy::useless_conversion)] // time_t is i32 on some targets
            i64::from(header.ts.tv_sec)
        };
        self.next_record = self.index.position();
        let nsec = u64::try_from(header.ts.tv_usec).unwrap_or(0);
        let (ts_sec, ts_nsec) = normalize_ts(secs, nsec);
        Step::Ready(Meta {
            ts_sec,
            ts_nsec,
            link_type: rec.link_type,
            orig_len: header.len,
            offset: rec.offset,
            data: 0..self.buf.len(),
        })
    }

    /// For classic pcap, the file offset where a pcap-parser taking over
    /// can resume (the record after the last one returned); `None` for
    /// pcapng, whose section and interface blocks must be read again.
    pub(crate) fn resume_offset(&self) -> Option<u64> {
        self.classic.then_some(self.next_record)
    }

    /// The bytes of the frame last returned by [`advance`](Self::advance).
    pub(crate) fn data(&self, meta: &Meta) -> Option<&[u8]> {
        self.buf.get(meta.data.clone())
    }
}
