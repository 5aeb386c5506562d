//! What to tell a user whose capture showed no SCTP: whether its UDP
//! datagrams hold SCTP packets on ports nobody named (RFC 6951), read with
//! [`crate::link::UdpSctpFinder`].

use std::path::Path;

use super::CaptureReader;
use crate::link::UdpSctpFinder;

/// Frames read at most for the hint: enough for any capture whose SCTP is
/// on other ports, bounded for a huge capture without SCTP.
const HINT_FRAMES: u64 = 1_000_000;

/// The `--udp-port` hint for the capture file `path` (see
/// [`UdpSctpFinder::hint`]); `None` when none of its first frames hold SCTP
/// over UDP, or it is not a file that can be read again (standard input).
pub fn udp_sctp_hint(path: &Path) -> Option<String> {
    if path.as_os_str() == "-" || !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let mut reader = CaptureReader::open(path).ok()?;
    let mut finder = UdpSctpFinder::default();
    while let Some(Ok(frame)) = reader.next_frame() {
        finder.frame(frame.link_type, frame.data);
        if frame.number >= HINT_FRAMES {
            break;
        }
    }
    finder.hint()
}

/// [`udp_sctp_hint`] as a line to add to a message that says the capture
/// has no SCTP (`"\nhint: ..."`), or nothing.
pub fn udp_sctp_hint_line(path: &Path) -> String {
    udp_sctp_hint(path)
        .map(|h| format!("\nhint: {h}"))
        .unwrap_or_default()
}
