//! What the analysis keeps of each association for its tables (RFC 9260
//! 1.3): per direction and per path, packets and chunks by type, user data,
//! retransmissions, acknowledgements, RTT, receiver window; per stream
//! (RFC 9260 1.3 "stream"), chunks, bytes and messages; the handshake and
//! how the association ended. All counters: constant size per association.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::auth::AuthCounts;
use super::ending::Ending;
use super::handshake::{negotiate, InitInfo, Negotiated};
use super::report::Dir;
use super::rtt::RttStats;

/// One path of a direction: a source and destination address pair (RFC
/// 9260 6.4, multi-homing).
#[derive(Debug, Clone, PartialEq)]
pub struct PathStats {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// SCTP packets sent on it.
    pub packets: u64,
    /// Chunks by type.
    pub chunks: Box<[u64; 256]>,
    /// RTT of DATA first sent on it (RFC 9260 6.3.1; retransmitted TSNs
    /// left out, Karn's algorithm).
    pub rtt: RttStats,
    /// HEARTBEATs sent on it, probing its destination (RFC 9260 8.3).
    pub heartbeats: u64,
    /// Of those, answered by a HEARTBEAT ACK echoing their information.
    pub heartbeats_answered: u64,
    /// RTT of the answered HEARTBEATs (RFC 9260 8.3): the round trip to
    /// this path's destination address.
    pub hb_rtt: RttStats,
}

impl PathStats {
    pub(crate) fn new(src: IpAddr, dst: IpAddr) -> Self {
        PathStats {
            src,
            dst,
            packets: 0,
            chunks: Box::new([0; 256]),
            rtt: RttStats::default(),
            heartbeats: 0,
            heartbeats_answered: 0,
            hb_rtt: RttStats::default(),
        }
    }
}

/// Size statistics of the user messages of one direction (RFC 9260 6.9).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MessageStats {
    /// Messages whose every fragment was captured.
    pub count: u64,
    /// Of those, messages of more than one fragment.
    pub fragmented: u64,
    /// Their user data bytes.
    pub bytes: u64,
    /// Smallest message, bytes.
    pub min: u64,
    /// Largest message, bytes.
    pub max: u64,
}

impl MessageStats {
    pub(crate) fn add(&mut self, bytes: u64, fragments: u32) {
        if self.count == 0 {
            self.min = bytes;
            self.max = bytes;
        } else {
            self.min = self.min.min(bytes);
            self.max = self.max.max(bytes);
        }
        self.count += 1;
        self.bytes += bytes;
        if fragments > 1 {
            self.fragmented += 1;
        }
    }
}

/// Receiver window statistics of the SACKs one direction sent (RFC 9260
/// 3.3.4 a_rwnd).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RwndStats {
    /// SACKs seen.
    pub samples: u64,
    /// Smallest a_rwnd.
    pub min: u32,
    /// Largest a_rwnd.
    pub max: u32,
    /// The last one.
    pub last: u32,
    /// SACKs advertising a zero window.
    pub zero: u64,
}

impl RwndStats {
    pub(crate) fn add(&mut self, w: u32) {
        if self.samples == 0 {
            self.min = w;
            self.max = w;
        } else {
            self.min = self.min.min(w);
            self.max = self.max.max(w);
        }
        self.samples += 1;
        self.last = w;
        if w == 0 {
            self.zero += 1;
        }
    }
}

/// Everything counted for one direction of an association.
#[derive(Debug, Clone, PartialEq)]
pub struct DirStats {
    /// Source port (RFC 9260 3.1).
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Verification Tag its packets carry (RFC 9260 3.1), once known.
    pub vtag: Option<u32>,
    /// SCTP packets.
    pub packets: u64,
    /// SCTP bytes (common header and chunks).
    pub bytes: u64,
    /// Chunks by type.
    pub chunks: Box<[u64; 256]>,
    /// DATA and I-DATA chunks.
    pub data_chunks: u64,
    /// Their user data bytes, retransmissions included.
    pub user_bytes: u64,
    /// DATA and I-DATA chunks whose TSN was seen before (RFC 9260 6.3.3).
    pub retransmissions: u64,
    /// User data bytes of those.
    pub retransmitted_bytes: u64,
    /// Retransmissions of TSNs the peer had already acknowledged.
    pub acked_before: u64,
    /// TSN gaps: DATA ahead of the highest TSN by more than one.
    pub gaps: u64,
    /// TSNs skipped over by those gaps.
    pub gap_tsns: u64,
    /// DATA outside the plausible TSN window.
    pub out_of_window: u64,
    /// Messages (RFC 9260 6.9).
    pub messages: MessageStats,
    /// TSNs of this direction acknowledged (by the peer).
    pub acked_tsns: u64,
    /// RTT of this direction's DATA, all paths (RFC 9260 6.3.1, Karn).
    pub rtt: RttStats,
    /// Largest user data outstanding at once, bytes.
    pub max_in_flight: u64,
    /// SACKs and NR-SACKs this direction sent.
    pub sacks: u64,
    /// SACKs behind an earlier Cumulative TSN Ack.
    pub stale_sacks: u64,
    /// Duplicate TSNs this direction reported in its SACKs.
    pub dup_tsns_reported: u64,
    /// Gap-acknowledged TSNs this direction's SACKs later revoked.
    pub revoked: u64,
    /// Receiver window this direction advertised in its SACKs.
    pub rwnd: RwndStats,
    /// Paths (source, destination address), in order of first use.
    pub paths: Vec<PathStats>,
    /// Outstanding TSN records dropped at the memory cap.
    pub evicted_tsns: u64,
    /// Fragments dropped at the reassembly cap.
    pub dropped_fragments: u64,
}

impl DirStats {
    pub(crate) fn new(src_port: u16, dst_port: u16) -> Self {
        DirStats {
            src_port,
            dst_port,
            vtag: None,
            packets: 0,
            bytes: 0,
            chunks: Box::new([0; 256]),
            data_chunks: 0,
            user_bytes: 0,
            retransmissions: 0,
            retransmitted_bytes: 0,
            acked_before: 0,
            gaps: 0,
            gap_tsns: 0,
            out_of_window: 0,
            messages: MessageStats::default(),
            acked_tsns: 0,
            rtt: RttStats::default(),
            max_in_flight: 0,
            sacks: 0,
            stale_sacks: 0,
            dup_tsns_reported: 0,
            revoked: 0,
            rwnd: RwndStats::default(),
            paths: Vec::new(),
            evicted_tsns: 0,
            dropped_fragments: 0,
        }
    }

    /// Index of path (src, dst), added if new; past `max` paths the last
    /// one takes the rest.
    pub(crate) fn path(&mut self, src: IpAddr, dst: IpAddr, max: usize) -> u16 {
        if let Some(i) = self.paths.iter().position(|p| p.src == src && p.dst == dst) {
            return i as u16;
        }
        if self.paths.len() >= max.clamp(1, usize::from(u16::MAX)) {
            return (self.paths.len() - 1) as u16;
        }
        self.paths.push(PathStats::new(src, dst));
        (self.paths.len() - 1) as u16
    }
}

/// One stream of one direction (RFC 9260 1.3).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamStats {
    /// DATA and I-DATA chunks, retransmissions included.
    pub data_chunks: u64,
    /// Their user data bytes.
    pub user_bytes: u64,
    /// Retransmitted chunks.
    pub retransmissions: u64,
    /// Complete messages.
    pub messages: u64,
    /// Of those, fragmented.
    pub fragmented: u64,
}

impl StreamStats {
    /// Adds the counts of `o` (RFC 9260 6.5: the same stream, counted in
    /// two parts).
    pub fn add(&mut self, o: &StreamStats) {
        self.data_chunks += o.data_chunks;
        self.user_bytes += o.user_bytes;
        self.retransmissions += o.retransmissions;
        self.messages += o.messages;
        self.fragmented += o.fragmented;
    }
}

/// The tables of one association.
#[derive(Debug, Clone, PartialEq)]
pub struct AssocSummary {
    /// 1-based, in order of first packet.
    pub id: usize,
    /// Frame of the first packet.
    pub first_frame: u64,
    /// Frame of the last packet.
    pub last_frame: u64,
    /// Time of the first packet, nanoseconds since the epoch.
    pub first_ns: i128,
    /// Time of the last packet.
    pub last_ns: i128,
    /// Addresses seen for each side (forward sender first).
    pub addresses: [Vec<IpAddr>; 2],
    /// The last INIT or INIT ACK each direction's sender sent.
    pub init: [Option<InitInfo>; 2],
    /// How it ended.
    pub ending: Ending,
    /// Per direction (forward, reverse).
    pub dirs: [DirStats; 2],
    /// Per direction, per stream identifier.
    pub streams: [BTreeMap<u16, StreamStats>; 2],
    /// SCTP-AUTH outcomes (RFC 4895).
    pub auth: AuthCounts,
}

impl AssocSummary {
    /// What both sides agreed on, when an INIT (or INIT ACK) of each side
    /// was captured (RFC 9260 5.1).
    pub fn negotiated(&self) -> Option<Negotiated> {
        match &self.init {
            [Some(a), Some(z)] => Some(negotiate(a, z)),
            _ => None,
        }
    }

    /// Statistics of direction `d`.
    pub fn dir(&self, d: Dir) -> &DirStats {
        &self.dirs[d.index()]
    }

    /// Packets in both directions.
    pub fn packets(&self) -> u64 {
        self.dirs[0].packets + self.dirs[1].packets
    }

    /// Duration from the first to the last packet, seconds.
    pub fn duration(&self) -> f64 {
        (self.last_ns - self.first_ns) as f64 / 1e9
    }
}
