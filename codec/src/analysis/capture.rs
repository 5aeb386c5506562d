//! The analysis of a whole capture file: each frame's SCTP packet found
//! through its link, IP and UDP layers (RFC 9260 over IP, RFC 6951 over
//! UDP), typed with its association's dialect, and fed to an [`Analyzer`]
//! in capture order. Streams: one frame at a time is held.

use std::path::Path;

use crate::capture::{CaptureError, CaptureReader, Frame};
use crate::link::{extract_sctp, Defragmenter, Encapsulation, LinkConfig, SctpSegment};
use crate::{Decoder, Dialect};

use super::{Analyzer, AssocSummary, Config, PacketMeta, PacketReport};
use crate::view::PacketView;

/// How to read the capture.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Link layer options: the UDP ports carrying SCTP (RFC 6951).
    pub link: LinkConfig,
    /// Dialect of the chunk numbers.
    pub dialect: Dialect,
}

/// Where and when the SCTP packet `seg` of capture frame `frame` was
/// seen: its frame number, time, IP addresses, and whether an ICMP error
/// quotes it (RFC 792, RFC 4443).
pub fn packet_meta(frame: &Frame<'_>, seg: &SctpSegment<'_>) -> PacketMeta {
    PacketMeta {
        frame: frame.number,
        time_ns: i128::from(frame.ts_sec) * 1_000_000_000 + i128::from(frame.ts_nsec),
        src: seg.src,
        dst: seg.dst,
        quoted: matches!(seg.encap, Encapsulation::IcmpError { .. }),
    }
}

/// Analyses every SCTP packet of the capture at `path` (pcap, pcapng,
/// gzip), calling `each` with the packet, its view and its report; returns
/// the tables of every association. A capture broken part-way gives what
/// was read before the damage and the error.
pub fn analyze_file(
    path: &Path,
    opts: &ReadOptions,
    cfg: Config,
    mut each: impl FnMut(&PacketMeta, &PacketView<'_>, &PacketReport),
) -> Result<Vec<AssocSummary>, (Vec<AssocSummary>, CaptureError)> {
    let mut reader = match CaptureReader::open(path) {
        Ok(r) => r,
        Err(e) => return Err((Vec::new(), e)),
    };
    let mut analyzer = Analyzer::new(cfg);
    let mut defrag = Defragmenter::default();
    let mut decoder = Decoder::new(opts.dialect);
    while let Some(frame) = reader.next_frame() {
        let frame = match frame {
            Ok(f) => f,
            Err(e) => return Err((analyzer.finish(), e)),
        };
        let Ok(Some(seg)) = extract_sctp(frame.link_type, frame.data, &opts.link, &mut defrag)
        else {
            continue;
        };
        let Ok(view) = decoder.view(&seg.sctp, Some(seg.assoc_key())) else {
            continue;
        };
        let meta = packet_meta(&frame, &seg);
        let report = analyzer.packet(&meta, &view);
        each(&meta, &view, &report);
    }
    Ok(analyzer.finish())
}
