//! Errors of [`CaptureReader`](super::CaptureReader) and
//! [`PcapWriter`](super::PcapWriter).

use std::fmt;
use std::io;

/// Reading a capture failed at a given frame and byte offset.
#[derive(Debug)]
pub struct CaptureError {
    /// 1-based number of the frame that could not be read: one more than the
    /// number of frames returned before the error.
    pub frame: u64,
    /// Byte offset, in the (decompressed) file, of the record or block that
    /// could not be read (0 for the file header).
    pub offset: u64,
    /// What went wrong.
    pub kind: CaptureErrorKind,
}

/// The ways reading a capture can fail.
#[derive(Debug)]
#[non_exhaustive]
pub enum CaptureErrorKind {
    /// Opening or reading the input (or decompressing it) failed.
    Io(io::Error),
    /// The input is neither pcap, pcapng nor gzip; holds its first bytes.
    UnknownFormat(Vec<u8>),
    /// The input ends in the middle of a record or block.
    Truncated,
    /// A record or block contradicts the format's rules.
    Corrupt(String),
    /// A record or block declares more bytes than
    /// [`MAX_RECORD_LEN`](super::MAX_RECORD_LEN).
    RecordTooLarge(u64),
    /// Opening or reading a live interface failed (libpcap's message).
    Live(String),
}

impl CaptureError {
    pub(crate) fn new(frame: u64, offset: u64, kind: CaptureErrorKind) -> Self {
        CaptureError {
            frame,
            offset,
            kind,
        }
    }

    pub(crate) fn corrupt(frame: u64, offset: u64, what: impl Into<String>) -> Self {
        Self::new(frame, offset, CaptureErrorKind::Corrupt(what.into()))
    }

    pub(crate) fn io(frame: u64, offset: u64, e: io::Error) -> Self {
        Self::new(frame, offset, CaptureErrorKind::Io(e))
    }
}

impl fmt::Display for CaptureErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaptureErrorKind::Io(e) => write!(f, "I/O error: {e}"),
            CaptureErrorKind::UnknownFormat(head) => {
                write!(f, "not a pcap, pcapng or gzip file (starts with")?;
                for b in head {
                    write!(f, " {b:02x}")?;
                }
                write!(f, ")")
            }
            CaptureErrorKind::Truncated => write!(f, "file truncated in the middle of a record"),
            CaptureErrorKind::Corrupt(what) => write!(f, "corrupt capture: {what}"),
            CaptureErrorKind::Live(what) => write!(f, "live capture: {what}"),
            CaptureErrorKind::RecordTooLarge(n) => {
                write!(
                    f,
                    "record of {n} bytes exceeds the {} byte limit",
                    super::MAX_RECORD_LEN
                )
            }
        }
    }
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let CaptureErrorKind::Live(_) = self.kind {
            // No file offsets on an interface; a frame number only once some came.
            return match self.frame {
                0 | 1 => write!(f, "{}", self.kind),
                n => write!(f, "after frame {}: {}", n - 1, self.kind),
            };
        }
        write!(
            f,
            "frame {} at byte offset {}: {}",
            self.frame, self.offset, self.kind
        )
    }
}

impl std::error::Error for CaptureError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            CaptureErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}
