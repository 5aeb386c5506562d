//! Live capture from a network interface through libpcap (the `pcap` crate):
//! immediate mode, so each frame is handed over as soon as it is seen.

use pcap::{Active, Capture};

use super::error::{CaptureError, CaptureErrorKind};
use super::{normalize_ts, Meta, Step};

/// How long libpcap waits before returning with nothing (then it is asked again).
const POLL_MS: i32 = 200;

/// Live-capture backend state.
pub(crate) struct LiveBackend {
    capture: Capture<Active>,
    link_type: u32,
    buf: Vec<u8>,
}

impl LiveBackend {
    /// Opens `device` (not promiscuous), with a BPF capture `filter` if given.
    pub(crate) fn open(device: &str, filter: Option<&str>) -> Result<Self, CaptureError> {
        let live = |what: &str, e: pcap::Error| {
            CaptureError::new(1, 0, CaptureErrorKind::Live(format!("{what}: {e}")))
        };
        let mut capture = Capture::from_device(device)
            .and_then(|c| {
                c.promisc(false)
                    .snaplen(65535)
                    .immediate_mode(true)
                    .timeout(POLL_MS)
                    .open()
            })
            .map_err(|e| live(device, e))?;
        if let Some(f) = filter {
            capture
                .filter(f, true)
                .map_err(|e| live(&format!("capture filter {f:?}"), e))?;
        }
        let link_type = capture.get_datalink().0 as u32;
        Ok(LiveBackend {
            capture,
            link_type,
            buf: Vec::new(),
        })
    }

    /// The next frame, waiting for it.
    pub(crate) fn advance(&mut self, number: u64) -> Step {
        loop {
            match self.capture.next_packet() {
                Ok(p) => {
                    self.buf.clear();
                    self.buf.extend_from_slice(p.data);
                    let h = *p.header;
                    #[allow(clippy::useless_conversion)] // time_t is i32 on some targets
                    let secs = i64::from(h.ts.tv_sec);
                    let usec = u64::try_from(h.ts.tv_usec).unwrap_or(0);
                    let (ts_sec, ts_nsec) = normalize_ts(secs, usec * 1000);
                    return Step::Ready(Meta {
                        ts_sec,
                        ts_nsec,
                        link_type: self.link_type,
                        orig_len: h.len,
                        offset: 0,
                        data: 0..self.buf.len(),
                    });
                }
                Err(pcap::Error::TimeoutExpired) => continue,
                Err(e) => {
                    return Step::Failed(CaptureError::new(
                        number,
                        0,
                        CaptureErrorKind::Live(e.to_string()),
                    ))
                }
            }
        }
    }

    /// The bytes of the frame last returned by [`advance`](Self::advance).
    pub(crate) fn data(&self, meta: &Meta) -> Option<&[u8]> {
        self.buf.get(meta.data.clone())
    }
}
