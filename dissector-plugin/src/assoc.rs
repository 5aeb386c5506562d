//! Association index and direction of each packet, as the built-in SCTP
//! dissector computes them with its preference "Enable Association indexing"
//! (`sctp.association_index`): Wireshark's SCTP analysis (Telephony → SCTP →
//! Analyse this Association, Show All Associations, the chunk statistics and
//! graphs) groups the "sctp" tap records by their association index and counts
//! data chunks and bytes per endpoint by their direction. Without an index
//! every packet of a capture falls into one association and the Statistics
//! tab shows 0 data chunks, which is what the built-in shows with its
//! preference off (its default). sctpkit always indexes: the packet's
//! `sctpkit.assoc_index` (and, hidden, the built-in's `sctp.assoc_index`, which
//! the dialog's "Filter Association" button filters on) and the tap record
//! carry it.
//!
//! The rules are Wireshark 4.0's (`sctp_assoc_vtag_cmp` and `find_assoc_index`
//! in its packet-sctp.c), whatever version sctpkit is built for, so the
//! indices are the ones Wireshark 4.0's built-in shows with its preference on
//! (the oracle compares them on every shared capture with 4.0). Wireshark 4.4
//! and 4.6 index differently (probed with hand-made captures: there the
//! addresses matter, and an association seen twice in one direction is no
//! longer joined by a first packet the other way); their sources were not at
//! hand, so sctpkit does not imitate them: each chunk of a packet is matched, in order, against the
//! associations seen so far, newest first, by ports and verification tags
//! (the tag is the packet's, or the peer's when an ABORT or SHUTDOWN COMPLETE
//! has its T bit set; an INIT adds its Initiate Tag); a match may learn the
//! other direction's tag; no match makes a new association. The last chunk's
//! answer is the packet's. Addresses play no part (a multihomed association
//! is one). Every rule needs the ports to match one way or the other, so the
//! associations are looked up by their pair of ports, which keeps the cost
//! per packet independent of the number of associations in the capture.
//!
//! The first pass decides; re-dissection (the GUI, a second pass) reuses what
//! the first pass decided for the frame.

use std::collections::HashMap;

use sctp_codec::{PacketView, Rules};

/// The packet's association: its index, and the direction (1: from the
/// endpoint that started it, 2: towards it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AssocId {
    /// Association index (0, 1, ... in order of appearance).
    pub index: u16,
    /// 1 or 2.
    pub direction: u16,
}

/// What a chunk says about its association (`assoc_info_t` of the built-in).
#[derive(Debug, Clone, Copy)]
struct Key {
    sport: u16,
    dport: u16,
    tag1: u32,
    tag2: u32,
    initiate: u32,
}

/// One association seen so far.
#[derive(Debug, Clone, Copy)]
struct Assoc {
    index: u16,
    key: Key,
}

/// How a chunk's key relates to an association.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Forward,
    Backward,
    ForwardAddForwardVtag,
    BackwardAddForwardVtag,
    BackwardAddBackwardVtag,
    NotFound,
}

/// Chunk types whose T bit means the tag is the peer's (RFC 9260 3.3.7, 3.3.13).
const ABORT: u8 = 0x06;
const SHUTDOWN_COMPLETE: u8 = 0x0E;
const INIT: u8 = 0x01;

/// The built-in's comparison of a chunk's key `a` with association `b`, rule
/// for rule and in the same order (the first rule that holds decides).
fn compare(a: &Key, b: &Key) -> Cmp {
    let fwd = a.sport == b.sport && a.dport == b.dport;
    let bwd = a.sport == b.dport && a.dport == b.sport;
    if fwd && b.tag2 != 0 && a.initiate == b.tag2 && a.initiate == b.initiate {
        return Cmp::Forward;
    }
    if fwd && a.tag1 == b.tag1 && a.initiate == b.initiate {
        return Cmp::Forward;
    }
    if fwd && a.tag1 == b.tag1 && a.tag1 == 0 && a.initiate != 0 && a.initiate != b.initiate {
        // Two INITs of different associations.
        return Cmp::NotFound;
    }
    if fwd && a.tag1 == b.tag1 && (a.tag1 != 0 || b.tag2 != 0) {
        return Cmp::Forward;
    }
    if fwd && a.tag2 == b.tag2 && a.tag1 == 0 && b.tag1 != 0 {
        return Cmp::Forward; // ABORT with the peer's tag
    }
    if bwd && a.tag1 == b.tag2 && a.tag1 != 0 {
        return Cmp::Backward;
    }
    if bwd && a.tag2 == b.tag1 && a.tag2 != 0 {
        return Cmp::Backward;
    }
    if bwd && a.tag1 == b.initiate && a.tag2 == 0 {
        return Cmp::BackwardAddBackwardVtag;
    }
    if bwd && a.tag2 == b.tag1 && a.tag1 == 0 && b.tag2 != 0 {
        return Cmp::Backward; // ABORT with the peer's tag
    }
    if fwd && a.tag1 != 0 && b.tag1 == 0 && b.tag2 != 0 {
        return Cmp::ForwardAddForwardVtag;
    }
    if bwd && a.tag1 == b.tag2 && b.tag1 == 0 {
        return Cmp::BackwardAddForwardVtag;
    }
    if bwd && a.tag1 != 0 && b.tag1 != 0 && b.tag2 == 0 {
        return Cmp::BackwardAddBackwardVtag;
    }
    Cmp::NotFound
}

/// The associations of one capture.
#[derive(Debug, Default)]
pub struct Assocs {
    all: Vec<Assoc>,
    /// Per pair of ports (lower first): indices into `all`, oldest first.
    by_ports: HashMap<(u16, u16), Vec<usize>>,
    /// What the first pass decided, indexed by frame number (direction 0:
    /// not decided; 4 bytes a frame, frame numbers are dense).
    frames: Vec<AssocId>,
    /// The answer of the last packet that had chunks: the built-in keeps it
    /// in a static record that a packet without chunks does not overwrite.
    last: AssocId,
    /// Associations made (the built-in's counter; the index is its low 16 bits).
    made: u32,
}

impl Assocs {
    /// The association of the packet in `frame` (its SCTP bytes `bytes`);
    /// `visited`: dissected before, so the first pass's answer is returned.
    pub fn packet(
        &mut self,
        frame: u32,
        visited: bool,
        bytes: &[u8],
        reported_len: usize,
    ) -> AssocId {
        let k = frame as usize;
        if visited {
            if let Some(a) = self.frames.get(k).filter(|a| a.direction != 0) {
                return *a;
            }
        }
        let id = self.first_pass(bytes, reported_len);
        if self.frames.len() <= k {
            self.frames.resize(k + 1, AssocId::default());
        }
        self.frames[k] = id;
        id
    }

    fn first_pass(&mut self, bytes: &[u8], reported_len: usize) -> AssocId {
        // Framing only, as the tap record (the same chunks as the built-in).
        let Ok(view) = PacketView::parse(bytes, Rules::STANDARD) else {
            return self.last;
        };
        let h = view.header();
        // For an INIT the built-in reads the Initiate Tag from bytes 4..8 of
        // the packet's first chunk, whatever that chunk is; where the first
        // chunk (padded, within the packet) or the capture ends before, that
        // read throws and the built-in indexes no further chunk.
        let initiate_tag = view.chunks().next().and_then(|c| {
            let padded = (c.length() as usize).next_multiple_of(4);
            let room = padded.min(reported_len.saturating_sub(c.offset()));
            (room >= 8)
                .then(|| bytes.get(c.offset() + 4..c.offset() + 8))
                .flatten()
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        });
        for c in view.chunks() {
            let reflected = matches!(c.ty(), ABORT | SHUTDOWN_COMPLETE) && c.flags() & 1 != 0;
            let (tag1, tag2) = if reflected {
                (0, h.verification_tag)
            } else {
                (h.verification_tag, 0)
            };
            let initiate = if c.ty() == INIT {
                match initiate_tag {
                    Some(t) => t,
                    None => break, // the built-in stops there (an exception)
                }
            } else {
                0
            };
            let key = Key {
                sport: h.source_port,
                dport: h.destination_port,
                tag1,
                tag2,
                initiate,
            };
            self.last = self.find(key);
        }
        self.last
    }

    /// `find_assoc_index` of the built-in, first pass.
    fn find(&mut self, key: Key) -> AssocId {
        let pair = (key.sport.min(key.dport), key.sport.max(key.dport));
        let found = self.by_ports.get(&pair).and_then(|list| {
            list.iter()
                .rev()
                .map(|&i| (i, compare(&key, &self.all[i].key)))
                .find(|(_, c)| *c != Cmp::NotFound)
        });
        if let Some((i, cmp)) = found {
            let a = &mut self.all[i];
            let direction = match cmp {
                Cmp::ForwardAddForwardVtag => {
                    a.key.tag1 = key.tag1;
                    1
                }
                Cmp::BackwardAddForwardVtag => {
                    a.key.tag1 = key.tag1;
                    2
                }
                Cmp::BackwardAddBackwardVtag => {
                    a.key.tag2 = key.tag1;
                    2
                }
                Cmp::Forward => 1,
                Cmp::Backward | Cmp::NotFound => 2,
            };
            return AssocId {
                index: a.index,
                direction,
            };
        }
        let index = self.made as u16;
        self.made = self.made.wrapping_add(1);
        self.all.push(Assoc { index, key });
        self.by_ports
            .entry(pair)
            .or_default()
            .push(self.all.len() - 1);
        AssocId {
            index,
            direction: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(sport: u16, dport: u16, vtag: u32, chunk: &[u8]) -> Vec<u8> {
        let mut p = Vec::new();
        p.extend_from_slice(&sport.to_be_bytes());
        p.extend_from_slice(&dport.to_be_bytes());
        p.extend_from_slice(&vtag.to_be_bytes());
        p.extend_from_slice(&[0; 4]);
        p.extend_from_slice(chunk);
        p
    }

    fn init(ty: u8, initiate: u32) -> Vec<u8> {
        let mut c = vec![ty, 0, 0, 20];
        c.extend_from_slice(&initiate.to_be_bytes());
        c.extend_from_slice(&[0, 1, 0, 0, 0, 10, 0, 10, 0, 0, 0, 1]);
        c
    }

    const SACK: &[u8] = &[3, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0xfa, 0, 0, 0, 0, 0];

    /// (index, direction) of each packet, in order.
    struct Run(Assocs, u32);
    impl Run {
        fn new() -> Self {
            Run(Assocs::default(), 0)
        }
        fn pk(&mut self, p: Vec<u8>) -> (u16, u16) {
            self.1 += 1;
            let x = self.0.packet(self.1, false, &p, p.len());
            (x.index, x.direction)
        }
    }

    #[test]
    fn a_handshake_then_traffic_is_one_association_in_two_directions() {
        let mut r = Run::new();
        assert_eq!(r.pk(packet(5000, 5001, 0, &init(1, 0xA))), (0, 1));
        assert_eq!(r.pk(packet(5001, 5000, 0xA, &init(2, 0xB))), (0, 2));
        assert_eq!(r.pk(packet(5000, 5001, 0xB, SACK)), (0, 1));
        assert_eq!(r.pk(packet(5001, 5000, 0xA, SACK)), (0, 2));
        // Another association on other ports, then the first one again.
        assert_eq!(r.pk(packet(6000, 6001, 0, &init(1, 0xC))), (1, 1));
        assert_eq!(r.pk(packet(5000, 5001, 0xB, SACK)), (0, 1));
        // An ABORT with the T bit carries the sender's own tag (0xB, the
        // tag of packets towards 5001): still from 5001, direction 2.
        let abort = [6, 1, 0, 4];
        assert_eq!(r.pk(packet(5001, 5000, 0xB, &abort)), (0, 2));
        // Re-dissection gives the first pass's answer.
        assert_eq!(r.0.packet(3, true, &[], 0).direction, 1);
        // A packet without chunks keeps the previous answer.
        assert_eq!(r.pk(packet(6000, 6001, 0, &[])), (0, 2));
    }

    /// Traffic seen without its handshake: the first packet of the other
    /// direction joins the newest association of the reversed ports that
    /// has no tag for that direction yet (Wireshark 4.0's last rule).
    #[test]
    fn traffic_without_a_handshake() {
        let mut r = Run::new();
        assert_eq!(r.pk(packet(1, 2, 0x11, SACK)), (0, 1));
        assert_eq!(r.pk(packet(1, 2, 0x11, SACK)), (0, 1));
        assert_eq!(r.pk(packet(2, 1, 0x22, SACK)), (0, 2));
        assert_eq!(r.pk(packet(1, 2, 0x11, SACK)), (0, 1));
        // A second association on the same ports, then its other direction.
        assert_eq!(r.pk(packet(1, 2, 0x33, SACK)), (1, 1));
        assert_eq!(r.pk(packet(2, 1, 0x44, SACK)), (1, 2));
        assert_eq!(r.pk(packet(2, 1, 0x22, SACK)), (0, 2));
    }
}
