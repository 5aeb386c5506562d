//! A `Read` adapter for the streaming pcap-parser readers, which read once
//! per refill and treat a short read as "no more data for now" and an error
//! as an opaque `ReadError`.

use std::io::{self, Read};
use std::sync::{Arc, Mutex, PoisonError};

/// Where [`FillReader`] keeps the I/O error it could not report itself.
pub(crate) type ErrorSlot = Arc<Mutex<Option<io::Error>>>;

/// Reads until the caller's buffer is full or the input ends, so one `read`
/// call returns everything available. An error met after some bytes were
/// read is held back until the next call; every error is also recorded in
/// the shared slot so that the caller can report it (pcap-parser drops it).
pub(crate) struct FillReader<R> {
    inner: R,
    held: Option<io::Error>,
    slot: ErrorSlot,
}

impl<R: Read> FillReader<R> {
    pub(crate) fn new(inner: R, slot: ErrorSlot) -> Self {
        FillReader {
            inner,
            held: None,
            slot,
        }
    }

    fn fail(&self, e: io::Error) -> io::Error {
        let copy = io::Error::new(e.kind(), e.to_string());
        *self.slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(e);
        copy
    }
}

impl<R: Read> Read for FillReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(e) = self.held.take() {
            return Err(self.fail(e));
        }
        let mut filled = 0;
        while filled < buf.len() {
            let Some(space) = buf.get_mut(filled..) else {
                break;
            };
            let room = space.len();
            match self.inner.read(space) {
                Ok(0) => break,
                Ok(n) => filled += n.min(room),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if filled == 0 => return Err(self.fail(e)),
                Err(e) => {
                    self.held = Some(e);
                    break;
                }
            }
        }
        Ok(filled)
    }
}

/// Reads up to `n` bytes (fewer only at end of input) to sniff a format.
pub(crate) fn read_head<R: Read>(r: &mut R, n: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    r.by_ref().take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}
