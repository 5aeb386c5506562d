//! Which association a packet belongs to, and in which direction (RFC 9260
//! 1.3, 5.1, 8.5). A direction is known by its ports and Verification Tag
//! (RFC 9260 8.5), so multi-homed paths fall into their association; the
//! INIT ACK (RFC 9260 5.1) gives both directions' tags at once; an ABORT or
//! SHUTDOWN COMPLETE with the T bit carries the sender's own tag (RFC 9260
//! 8.5.1); INITs crossing (RFC 9260 5.2.4 case D) make one association;
//! without a captured handshake, the two directions pair by addresses and
//! ports, the first packet seen giving the forward direction.

use std::net::IpAddr;

use rustc_hash::FxHashMap as HashMap;

use super::report::Dir;

/// An endpoint: address and port.
pub(crate) type End = (IpAddr, u16);

/// What [`Table::locate`] needs of a packet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PacketKey {
    pub src: End,
    pub dst: End,
    pub vtag: u32,
    /// The Initiate Tag of an INIT chunk in the packet (RFC 9260 3.3.2).
    pub init_tag: Option<u32>,
    /// The Initiate Tag of an INIT ACK chunk in the packet (RFC 9260 3.3.3).
    pub init_ack_tag: Option<u32>,
    /// An ABORT or SHUTDOWN COMPLETE with the T bit (RFC 9260 8.5.1).
    pub reflected: bool,
    /// An ABORT (it answers an INIT as an INIT ACK would, RFC 9260 8.4).
    pub abort: bool,
}

/// What [`Table::locate`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Located {
    /// Index into the analyzer's associations.
    pub index: usize,
    pub dir: Dir,
    /// A new association was made for this packet.
    pub created: bool,
    /// An association whose half this packet's handshake took over
    /// (RFC 9260 5.2.4, restart).
    pub restarted: Option<usize>,
}

/// What the table remembers of each association.
#[derive(Debug, Clone)]
struct Ident {
    /// The forward direction's sender.
    initiator: End,
    /// Initiate Tags of the INITs each side sent.
    init_tags: [Option<u32>; 2],
    /// An INIT ACK or ABORT answered the INIT.
    answered: bool,
}

/// A half's key (source port, destination port, Verification Tag) as one
/// word.
fn half((sp, dp, vtag): (u16, u16, u32)) -> u64 {
    u64::from(sp) << 48 | u64::from(dp) << 32 | u64::from(vtag)
}

/// The unordered pair of two endpoints.
fn pair(a: End, b: End) -> (End, End) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

/// The association table.
#[derive(Debug, Default)]
pub(crate) struct Table {
    idents: Vec<Ident>,
    /// (source port, destination port, Verification Tag) -> association, direction.
    /// (source port, destination port, Verification Tag) packed by [`half`]
    /// into one word: one multiply to hash, one compare to match.
    halves: HashMap<u64, (usize, Dir)>,
    /// A direction seen without its reverse: (src, dst) -> association, direction.
    waiting: HashMap<(End, End), (usize, Dir)>,
    /// The association whose INIT between these endpoints awaits an answer.
    pending: HashMap<(End, End), usize>,
    /// The newest association between these endpoints (packets with a zero
    /// Verification Tag, which identifies nothing, go there).
    latest: HashMap<(End, End), usize>,
    /// The halves of the last two packets found in `halves` (the usual
    /// capture goes back and forth on one association): looked at before
    /// the map, emptied whenever a half is bound.
    recent: [Option<(u64, (usize, Dir))>; 2],
}

impl Table {
    /// Number of associations.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.idents.len()
    }

    fn create(&mut self, initiator: End, other: End) -> usize {
        self.idents.push(Ident {
            initiator,
            init_tags: [None; 2],
            answered: false,
        });
        let i = self.idents.len() - 1;
        self.latest.insert(pair(initiator, other), i);
        i
    }

    /// Binds a half; returns the association it took the half from, if any.
    fn bind(&mut self, key: (u16, u16, u32), to: (usize, Dir)) -> Option<usize> {
        self.recent = [None; 2];
        match self.halves.insert(half(key), to) {
            Some((old, _)) if old != to.0 => Some(old),
            _ => None,
        }
    }

    /// The association and direction of a packet of a known half
    /// (source port, destination port, Verification Tag; RFC 9260 8.5),
    /// `None` if the half is not known: for a packet with a non-zero tag,
    /// without INIT, INIT ACK or the T bit, what [`Table::locate`] finds,
    /// with no key built. One of the last two found is looked at first.
    #[inline]
    pub fn known_half(&mut self, sp: u16, dp: u16, vtag: u32) -> Option<Located> {
        let h = half((sp, dp, vtag));
        let hit = match self.recent {
            [Some((k, to)), _] if k == h => to,
            [_, Some((k, to))] if k == h => to,
            _ => {
                let to = *self.halves.get(&h)?;
                self.recent = [Some((h, to)), self.recent[0]];
                to
            }
        };
        Some(Located {
            index: hit.0,
            dir: hit.1,
            created: false,
            restarted: None,
        })
    }

    /// The association and direction of packet `k`.
    pub fn locate(&mut self, k: &PacketKey) -> Located {
        // The common case first: a packet of a known half (RFC 9260 8.5).
        if k.init_tag.is_none() && k.init_ack_tag.is_none() && k.vtag != 0 && !k.reflected {
            if let Some(l) = self.known_half(k.src.1, k.dst.1, k.vtag) {
                return l;
            }
        }
        self.locate_other(k)
    }

    /// [`Table::locate`] of a packet not of a known half, or with an INIT,
    /// INIT ACK or T bit.
    #[inline(never)]
    fn locate_other(&mut self, k: &PacketKey) -> Located {
        let (sp, dp) = (k.src.1, k.dst.1);
        let ends = pair(k.src, k.dst);
        let found = |index, dir| Located {
            index,
            dir,
            created: false,
            restarted: None,
        };
        // An INIT: a new association, unless it repeats or crosses one that
        // is still unanswered.
        if let Some(tag) = k.init_tag {
            if let Some(&i) = self.pending.get(&ends) {
                let id = &mut self.idents[i];
                if !id.answered {
                    let dir = if k.src == id.initiator {
                        Dir::Forward
                    } else {
                        Dir::Reverse
                    };
                    let t = &mut id.init_tags[dir.index()];
                    if t.is_none_or(|t| t == tag) {
                        *t = Some(tag);
                        return found(i, dir);
                    }
                }
            }
            let i = self.create(k.src, k.dst);
            self.idents[i].init_tags[0] = Some(tag);
            self.pending.insert(ends, i);
            return Located {
                index: i,
                dir: Dir::Forward,
                created: true,
                restarted: None,
            };
        }
        // A zero tag outside an INIT identifies nothing (a receiver discards
        // the packet, RFC 9260 8.5): the newest association of the endpoints.
        if k.vtag == 0 {
            if let Some(&i) = self.latest.get(&ends) {
                let dir = if k.src == self.idents[i].initiator {
                    Dir::Forward
                } else {
                    Dir::Reverse
                };
                return found(i, dir);
            }
            let i = self.create(k.src, k.dst);
            self.idents[i].answered = true;
            return Located {
                index: i,
                dir: Dir::Forward,
                created: true,
                restarted: None,
            };
        }
        if k.reflected {
            if let Some(&(i, d)) = self.halves.get(&half((dp, sp, k.vtag))) {
                return found(i, d.flip());
            }
        }
        if let Some(&(i, d)) = self.halves.get(&half((sp, dp, k.vtag))) {
            if let Some(t) = k.init_ack_tag {
                // A retransmitted or crossing INIT ACK: the other half too.
                let restarted = self.bind((dp, sp, t), (i, d.flip()));
                return Located {
                    restarted,
                    ..found(i, d)
                };
            }
            return found(i, d);
        }
        // An answer to a pending INIT carries that INIT's tag.
        if let Some(&i) = self.pending.get(&ends) {
            let id = &mut self.idents[i];
            let to = if k.dst == id.initiator {
                Dir::Forward
            } else {
                Dir::Reverse
            };
            if id.init_tags[to.index()] == Some(k.vtag) && !k.reflected {
                let dir = to.flip();
                if k.init_ack_tag.is_some() || k.abort {
                    id.answered = true;
                }
                let mut restarted = self.bind((sp, dp, k.vtag), (i, dir));
                if let Some(t) = k.init_ack_tag {
                    restarted = restarted.or(self.bind((dp, sp, t), (i, dir.flip())));
                }
                return Located {
                    restarted,
                    ..found(i, dir)
                };
            }
        }
        // An INIT ACK whose INIT was not captured.
        if let Some(t) = k.init_ack_tag {
            if let Some(&(i, d)) = self.halves.get(&half((dp, sp, t))) {
                self.bind((sp, dp, k.vtag), (i, d.flip()));
                return found(i, d.flip());
            }
            let i = self.create(k.dst, k.src);
            self.idents[i].answered = true;
            self.bind((sp, dp, k.vtag), (i, Dir::Reverse));
            self.bind((dp, sp, t), (i, Dir::Forward));
            return Located {
                index: i,
                dir: Dir::Reverse,
                created: true,
                restarted: None,
            };
        }
        // The reverse of a direction seen alone.
        if let Some((i, d)) = self.waiting.remove(&(k.dst, k.src)) {
            self.bind((sp, dp, k.vtag), (i, d.flip()));
            return found(i, d.flip());
        }
        let i = self.create(k.src, k.dst);
        self.idents[i].answered = true;
        self.bind((sp, dp, k.vtag), (i, Dir::Forward));
        self.waiting.insert((k.src, k.dst), (i, Dir::Forward));
        Located {
            index: i,
            dir: Dir::Forward,
            created: true,
            restarted: None,
        }
    }

    /// Whether association `i` never got an answer to its INIT.
    pub fn unanswered(&self, i: usize) -> bool {
        self.idents.get(i).is_some_and(|id| !id.answered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn end(a: &str, p: u16) -> End {
        (a.parse().unwrap(), p)
    }

    fn key(src: End, dst: End, vtag: u32) -> PacketKey {
        PacketKey {
            src,
            dst,
            vtag,
            init_tag: None,
            init_ack_tag: None,
            reflected: false,
            abort: false,
        }
    }

    #[test]
    fn handshake_then_data_both_ways() {
        let (a, z) = (end("10.0.0.1", 1000), end("10.0.0.2", 2000));
        let mut t = Table::default();
        let init = PacketKey {
            init_tag: Some(0xa),
            ..key(a, z, 0)
        };
        assert_eq!(t.locate(&init).dir, Dir::Forward);
        let ack = PacketKey {
            init_ack_tag: Some(0xb),
            ..key(z, a, 0xa)
        };
        let l = t.locate(&ack);
        assert_eq!((l.index, l.dir, l.created), (0, Dir::Reverse, false));
        // A multi-homed path of the initiator still maps by tag.
        let l = t.locate(&key(end("10.9.9.9", 1000), z, 0xb));
        assert_eq!((l.index, l.dir), (0, Dir::Forward));
        // T bit: the initiator's own tag.
        let abort = PacketKey {
            reflected: true,
            ..key(a, z, 0xa)
        };
        assert_eq!(t.locate(&abort).dir, Dir::Forward);
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn a_restart_rebinds_a_half_found_just_before() {
        let (a, z) = (end("10.0.0.1", 1000), end("10.0.0.2", 2000));
        let mut t = Table::default();
        t.locate(&PacketKey {
            init_tag: Some(0xa),
            ..key(a, z, 0)
        });
        t.locate(&PacketKey {
            init_ack_tag: Some(0xb),
            ..key(z, a, 0xa)
        });
        // Both halves found (and remembered as the last two).
        assert_eq!(t.locate(&key(a, z, 0xb)).index, 0);
        assert_eq!(t.locate(&key(z, a, 0xa)).index, 0);
        // A new INIT, answered by an INIT ACK with Z's tag again (RFC 9260
        // 5.2.4): the half a -> z with tag 0xb is the new association's.
        let l = t.locate(&PacketKey {
            init_tag: Some(0xc),
            ..key(a, z, 0)
        });
        assert_eq!((l.index, l.created), (1, true));
        let l = t.locate(&PacketKey {
            init_ack_tag: Some(0xb),
            ..key(z, a, 0xc)
        });
        assert_eq!((l.index, l.restarted), (1, Some(0)));
        assert_eq!(t.locate(&key(a, z, 0xb)).index, 1);
        assert_eq!(t.locate(&key(z, a, 0xc)).index, 1);
    }

    #[test]
    fn crossing_inits_make_one_association() {
        let (a, z) = (end("10.0.0.1", 5), end("10.0.0.2", 5));
        let mut t = Table::default();
        t.locate(&PacketKey {
            init_tag: Some(1),
            ..key(a, z, 0)
        });
        let l = t.locate(&PacketKey {
            init_tag: Some(2),
            ..key(z, a, 0)
        });
        assert_eq!((l.index, l.dir), (0, Dir::Reverse));
        let l = t.locate(&PacketKey {
            init_ack_tag: Some(2),
            ..key(a, z, 2)
        });
        assert_eq!((l.index, l.dir), (0, Dir::Forward));
        let l = t.locate(&PacketKey {
            init_ack_tag: Some(1),
            ..key(z, a, 1)
        });
        assert_eq!((l.index, l.dir), (0, Dir::Reverse));
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn without_handshake_directions_pair_by_address() {
        let (a, z) = (end("10.0.0.1", 5), end("10.0.0.2", 6));
        let mut t = Table::default();
        assert!(t.locate(&key(a, z, 7)).created);
        let l = t.locate(&key(z, a, 8));
        assert_eq!((l.index, l.dir, l.created), (0, Dir::Reverse, false));
        // Another tag between the same endpoints: another association.
        assert_eq!(t.locate(&key(a, z, 9)).index, 1);
    }
}
