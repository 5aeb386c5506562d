//! What the analysis says of one packet: which association and direction it
//! belongs to, and a note for each chunk it has something to say about
//! (DATA and I-DATA of RFC 9260 3.3.1 / RFC 8260 2.1, SACK and NR-SACK of
//! RFC 9260 3.3.4, AUTH of RFC 4895 4.1, chunks sent without a required AUTH).

use smallvec::SmallVec;

use super::auth::AuthVerdict;
use super::heartbeat::HeartbeatNote;

/// The notes of one packet, in chunk order: up to two held inline, so that
/// the usual packet (a DATA, a SACK, or both bundled, RFC 9260 6.10) costs
/// no allocation; a slice by `Deref`.
pub type Notes = SmallVec<[ChunkNote; 2]>;

/// The TSNs a SACK acknowledged for the first time (RFC 9260 6.2.1): up to
/// two inline (a receiver acknowledges at least every second packet, RFC
/// 9260 6.2), more on the heap; a slice by `Deref`.
pub type AckedList = SmallVec<[Acked; 2]>;

/// TSNs a SACK revoked (RFC 9260 6.2): a few inline; a slice by `Deref`.
pub type RevokedList = SmallVec<[u32; 2]>;

/// Direction inside an association: `Forward` is from the endpoint that sent
/// the INIT (RFC 9260 5.1), or, when the handshake was not captured, from the
/// sender of the first packet seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dir {
    /// From the initiator (RFC 9260 5.1, endpoint "A").
    Forward,
    /// Towards the initiator (RFC 9260 5.1, endpoint "Z").
    Reverse,
}

impl Dir {
    /// 0 for `Forward`, 1 for `Reverse`.
    pub fn index(self) -> usize {
        match self {
            Dir::Forward => 0,
            Dir::Reverse => 1,
        }
    }

    /// The other direction.
    pub fn flip(self) -> Dir {
        match self {
            Dir::Forward => Dir::Reverse,
            Dir::Reverse => Dir::Forward,
        }
    }

    /// The direction of index `i` (0 forward, anything else reverse).
    pub fn of_index(i: usize) -> Dir {
        if i == 0 {
            Dir::Forward
        } else {
            Dir::Reverse
        }
    }

    /// "forward" or "reverse".
    pub fn name(self) -> &'static str {
        match self {
            Dir::Forward => "forward",
            Dir::Reverse => "reverse",
        }
    }
}

/// An association (RFC 9260 1.3) and a direction in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AssocRef {
    /// 1-based, in order of the association's first packet.
    pub id: usize,
    /// Direction of this packet.
    pub dir: Dir,
}

/// The per-packet analysis.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PacketReport {
    /// The association and direction; `None` for packets the analysis does
    /// not follow (quoted by an ICMP error, or without a common header).
    pub assoc: Option<AssocRef>,
    /// Notes about chunks, in chunk order.
    pub notes: Notes,
    /// A zero Verification Tag on a packet without INIT: a receiver discards
    /// it (RFC 9260 8.5), so its chunks are counted but not analysed.
    pub discarded: bool,
}

impl PacketReport {
    /// Whether any DATA or I-DATA chunk of the packet is a retransmission.
    pub fn has_retransmission(&self) -> bool {
        self.as_ref().has_retransmission()
    }

    /// The report borrowed, as [`ReportRef`].
    pub fn as_ref(&self) -> ReportRef<'_> {
        ReportRef {
            assoc: self.assoc,
            notes: &self.notes,
            discarded: self.discarded,
        }
    }
}

/// What [`Analyzer::packet_append`](super::Analyzer::packet_append) says of
/// a packet besides its notes (the fields of [`PacketReport`] but `notes`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PacketHead {
    /// The association and direction; `None` for packets the analysis does
    /// not follow.
    pub assoc: Option<AssocRef>,
    /// A zero Verification Tag on a packet without INIT (RFC 9260 8.5).
    pub discarded: bool,
}

/// A packet's report whose notes are kept elsewhere (in a [`PacketReport`],
/// or in a list shared by many packets): what printing and filtering read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReportRef<'a> {
    /// The association and direction, as [`PacketReport::assoc`].
    pub assoc: Option<AssocRef>,
    /// Notes about chunks, in chunk order.
    pub notes: &'a [ChunkNote],
    /// As [`PacketReport::discarded`].
    pub discarded: bool,
}

impl<'a> ReportRef<'a> {
    /// The report of `head` whose notes are `notes`.
    pub fn new(head: PacketHead, notes: &'a [ChunkNote]) -> Self {
        ReportRef {
            assoc: head.assoc,
            notes,
            discarded: head.discarded,
        }
    }

    /// Whether any DATA or I-DATA chunk of the packet is a retransmission.
    pub fn has_retransmission(&self) -> bool {
        self.notes
            .iter()
            .any(|n| matches!(&n.note, Note::Data(d) if d.retransmission.is_some()))
    }
}

/// Where the analysis pushes a packet's notes: a report's own [`Notes`], a
/// list shared by many packets, or [`PackedNotes`](super::PackedNotes).
pub trait NoteSink {
    /// Appends `n`.
    fn push(&mut self, n: ChunkNote);
}

impl NoteSink for Notes {
    #[inline]
    fn push(&mut self, n: ChunkNote) {
        SmallVec::push(self, n);
    }
}

impl NoteSink for Vec<ChunkNote> {
    #[inline]
    fn push(&mut self, n: ChunkNote) {
        Vec::push(self, n);
    }
}

/// A note about the chunk at position `chunk` (0-based) of the packet.
#[derive(Debug, Clone, PartialEq)]
pub struct ChunkNote {
    /// Position of the chunk in the packet, from 0.
    pub chunk: usize,
    /// What the analysis says.
    pub note: Note,
}

/// What the analysis says of one chunk.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// A DATA (RFC 9260 3.3.1) or I-DATA (RFC 8260 2.1) chunk.
    Data(DataNote),
    /// A SACK (RFC 9260 3.3.4) or NR-SACK chunk, or the Cumulative TSN Ack
    /// of a SHUTDOWN (RFC 9260 3.3.8).
    Sack(SackNote),
    /// An AUTH chunk (RFC 4895 4.1) checked against the known keys.
    Auth(AuthVerdict),
    /// A chunk of a type the receiver listed in its CHUNKS parameter (RFC
    /// 4895 3.2) that no AUTH chunk before it in the packet covers (RFC 4895
    /// 6.2: the receiver silently discards it).
    Unauthenticated {
        /// The chunk type.
        ty: u8,
    },
    /// An S-SCTP AUTH chunk (draft-hohendorf-secure-sctp-15 5.1.13)
    /// checked with the session keys of a key log.
    SsctpAuth(super::SsctpVerdict),
    /// An EncData chunk (draft-hohendorf-secure-sctp-15 5.1.11) decrypted
    /// with the session keys of a key log, or why not.
    EncData(super::Decryption),
    /// A HEARTBEAT ACK (RFC 9260 3.3.6) matched to the HEARTBEAT whose
    /// information it echoes: the RTT of the probed address (RFC 9260 8.3).
    HeartbeatAck(HeartbeatNote),
}

/// A TSN seen before in the same direction (RFC 9260 6.3.3, 7.2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retransmission {
    /// Frame of the first transmission, when still remembered (records of
    /// acknowledged TSNs are kept for a bounded window only).
    pub first_frame: Option<u64>,
    /// Time since the first transmission, nanoseconds.
    pub after_ns: Option<i64>,
    /// How many times this TSN has been seen again, this one included.
    pub count: u32,
}

/// A message whose last missing fragment this chunk brought (RFC 9260 6.9
/// for DATA, RFC 8260 2.1 for I-DATA): reassembled at the capture point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message {
    /// Fragments (DATA or I-DATA chunks) it was carried in.
    pub fragments: u32,
    /// User data bytes.
    pub bytes: u64,
    /// Frame of its first fragment in the capture.
    pub first_frame: u64,
}

/// The analysis of one DATA or I-DATA chunk.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DataNote {
    /// Transmission Sequence Number (RFC 9260 3.3.1).
    pub tsn: u32,
    /// Stream Identifier (RFC 9260 3.3.1).
    pub stream: u16,
    /// User data bytes.
    pub bytes: u32,
    /// Seen before in this direction: a retransmission (RFC 9260 6.3.3).
    pub retransmission: Option<Retransmission>,
    /// A retransmission of a TSN the peer had already acknowledged, in this
    /// frame: a duplicate TSN for the receiver (RFC 9260 6.2), sent after a
    /// spurious timeout, or after the acknowledgement was reneged (a Gap Ack
    /// Block later revoked, RFC 9260 6.2).
    pub acked_before: Option<u64>,
    /// TSNs skipped: this TSN is ahead of the highest seen by this many plus
    /// one (lost before the capture point, or reordered).
    pub gap: u32,
    /// Outside the plausible window: before the Initial TSN of the handshake
    /// or more than the configured window ahead of the highest TSN seen.
    pub out_of_window: bool,
    /// The message this chunk completed, if any.
    pub message: Option<Message>,
    /// User data bytes outstanding in this direction after this chunk.
    pub in_flight: u64,
}

/// One TSN acknowledged for the first time (RFC 9260 6.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acked {
    /// The TSN.
    pub tsn: u32,
    /// Frame of its first transmission.
    pub frame: u64,
    /// From its first transmission to this acknowledgement, nanoseconds.
    pub rtt_ns: i64,
    /// Sent more than once: the RTT is ambiguous (Karn's algorithm, RFC 9260
    /// 6.3.1 C5) and left out of the RTT statistics. A copy captured at the
    /// same instant as the first (one packet seen on two interfaces) does
    /// not count.
    pub retransmitted: bool,
}

/// The analysis of a SACK or NR-SACK (RFC 9260 3.3.4) or a SHUTDOWN's
/// Cumulative TSN Ack (RFC 9260 3.3.8).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SackNote {
    /// Cumulative TSN Ack.
    pub cum_tsn_ack: u32,
    /// Advertised Receiver Window Credit (none for SHUTDOWN).
    pub a_rwnd: Option<u32>,
    /// The Cumulative TSN Ack is behind one seen before: a SACK overtaken
    /// by a newer one (RFC 9260 6.2.1, "D").
    pub stale: bool,
    /// TSNs acknowledged here for the first time, in TSN order.
    pub acked: AckedList,
    /// TSNs an earlier SACK reported in a Gap Ack Block that this one, above
    /// its Cumulative TSN Ack, no longer reports (reneged, RFC 9260 6.2).
    pub revoked: RevokedList,
    /// Duplicate TSNs the receiver reports.
    pub dup_tsns: u16,
    /// User data bytes still outstanding towards the sender of this chunk
    /// after it.
    pub in_flight: u64,
}

impl SackNote {
    /// The SACK's RTT: the longest of the TSNs it acknowledged first,
    /// leaving out those sent more than once (Karn's rule, RFC 6298 5;
    /// RFC 9260 6.3.1 C5); `None` when only such TSNs are left.
    pub fn max_rtt_ns(&self) -> Option<i64> {
        self.acked
            .iter()
            .filter(|a| !a.retransmitted)
            .map(|a| a.rtt_ns)
            .max()
    }
}
