//! Decode errors: values, never panics, always with the byte offset where
//! decoding stopped (offsets count from the first byte of the SCTP common
//! header, RFC 9260 3.1).

use std::fmt;

/// Why decoding stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// Fewer bytes were present than the structure needs.
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Bytes needed.
        need: usize,
        /// Bytes available.
        have: usize,
    },
    /// A Length field is below the minimum for its TLV (4), or runs past the end
    /// of its parent.
    BadLength {
        /// What carried the length.
        what: &'static str,
        /// The Length value read.
        length: usize,
        /// Bytes available for it in the parent.
        available: usize,
    },
    /// A count field (gap blocks, duplicate TSNs, ...) disagrees with the bytes present.
    BadCount {
        /// Which count.
        what: &'static str,
        /// The count read.
        count: usize,
    },
    /// TLVs nested deeper than the codec follows (a guard against hostile input).
    TooDeep,
    /// The value does not have the shape its type requires.
    Invalid {
        /// What was wrong.
        what: &'static str,
    },
}

/// A decoding failure at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte offset from the start of the buffer given to the decoder.
    pub offset: usize,
    /// What went wrong.
    pub kind: ErrorKind,
}

impl DecodeError {
    /// Builds an error at `offset`.
    pub fn new(offset: usize, kind: ErrorKind) -> Self {
        DecodeError { offset, kind }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Truncated { what, need, have } => write!(
                f,
                "offset {}: truncated {what}: need {need} bytes, {have} present",
                self.offset
            ),
            ErrorKind::BadLength {
                what,
                length,
                available,
            } => write!(
                f,
                "offset {}: bad {what} length {length} ({available} bytes available)",
                self.offset
            ),
            ErrorKind::BadCount { what, count } => write!(
                f,
                "offset {}: {what} count {count} disagrees with the bytes present",
                self.offset
            ),
            ErrorKind::TooDeep => write!(f, "offset {}: nesting too deep", self.offset),
            ErrorKind::Invalid { what } => write!(f, "offset {}: invalid {what}", self.offset),
        }
    }
}

impl std::error::Error for DecodeError {}
