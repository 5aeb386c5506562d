//! Re-creating a capture's losses against the live peer.
//!
//! A capture holds what each side sent, not what arrived; the losses show
//! in the retransmissions. For each DATA fragment a side sent more than
//! once, the other side's first SACK that covers it splits the
//! transmissions: those before the last one ahead of that SACK were lost
//! (the receiver never acknowledged them), and those after it were sent
//! because the acknowledgements were lost (RFC 9260 6.3.3: T3-rtx
//! resends what it has no SACK for). The live run then loses the same
//! things at the driver, by fragment (message and byte offset, so that
//! TSNs and bundling may differ):
//!
//! - the sender's first `lost` transmissions of the fragment are dropped
//!   (our datagram is not sent; the peer's is not handed to the endpoint);
//! - the receiver's SACK-only datagrams that cover the fragment are dropped
//!   until the sender has sent it, or a TSN between its last delivered
//!   cumulative ack and the fragment's, as many times as in the capture.
//!
//! A packet captured twice within 2 ms (two taps) is counted once.
//! Dropped datagrams stay in `--record` (as in the capture, they were sent)
//! and are counted in the report's notes.

use std::collections::HashMap;

use sctp_codec::chunk::ty;
use sctp_codec::{PacketView, Rules};

use super::{be32, Fragments, MsgKey};
use crate::to_script::Pkt;

/// A fragment: its message and first byte.
type Frag = (MsgKey, usize);

/// What one sender lost in the capture.
#[derive(Debug, Default, Clone)]
pub(super) struct SideLoss {
    /// Fragment to the number of its first transmissions lost.
    pub drop_data: HashMap<Frag, u32>,
    /// Fragment to the transmissions the receiver's SACKs are withheld
    /// until (the captured count of transmissions).
    pub hold_acks: HashMap<Frag, u32>,
}

impl SideLoss {
    /// Nothing lost on this side.
    pub fn is_empty(&self) -> bool {
        self.drop_data.is_empty() && self.hold_acks.is_empty()
    }
}

/// The losses of both directions.
#[derive(Debug, Default)]
pub(super) struct LossPlan {
    /// Of the played side's DATA (we send it).
    pub own: SideLoss,
    /// Of the other side's DATA (the live peer sends it).
    pub other: SideLoss,
}

/// Whether SACK value `v` acknowledges `tsn` (cumulatively or in a gap
/// block, RFC 9260 3.3.4).
fn sack_covers(v: &[u8], tsn: u32) -> bool {
    if v.len() < 12 {
        return false;
    }
    let cum = be32(v, 0);
    if tsn.wrapping_sub(cum) as i32 <= 0 {
        return true;
    }
    let n = u16::from_be_bytes([v[8], v[9]]) as usize;
    (0..n).any(|k| {
        let at = 12 + 4 * k;
        if at + 4 > v.len() {
            return false;
        }
        let s = cum.wrapping_add(u16::from_be_bytes([v[at], v[at + 1]]) as u32);
        let e = cum.wrapping_add(u16::from_be_bytes([v[at + 2], v[at + 3]]) as u32);
        tsn.wrapping_sub(s) as i32 >= 0 && e.wrapping_sub(tsn) as i32 >= 0
    })
}

/// The SACK chunks' values of a packet, if it holds nothing but SACKs.
fn sack_only(b: &[u8]) -> Option<Vec<&[u8]>> {
    let v = PacketView::parse(b, Rules::STANDARD).ok()?;
    let mut out = Vec::new();
    for c in v.chunks() {
        if c.ty() != ty::SACK {
            return None;
        }
        out.push(c.value());
    }
    (!out.is_empty()).then_some(out)
}

/// Reads the losses of one sender (`from`) out of the captured packets.
fn side(packets: &[Pkt], from: (std::net::IpAddr, u16)) -> SideLoss {
    let mut frags = Fragments::default();
    // TSN to the times (packet index) it was sent.
    let mut sent: HashMap<u32, Vec<usize>> = HashMap::new();
    // TSN to the index of the receiver's first SACK covering it, and the
    // TSNs not acknowledged yet (the only ones a SACK is checked against).
    let mut acked: HashMap<u32, usize> = HashMap::new();
    let mut unacked: std::collections::BTreeSet<u32> = Default::default();
    // The last packet of each sender: a capture on two taps holds every
    // packet twice, within a few microseconds; such a copy is not a
    // retransmission (one has new bundling or comes an RTO later).
    let mut last: HashMap<(std::net::IpAddr, u16), (i64, &[u8])> = HashMap::new();
    for (i, p) in packets.iter().enumerate() {
        if let Some(&(t, b)) = last.get(&p.src) {
            if p.t_us.saturating_sub(t) < 2_000 && b == &p.bytes[..] {
                continue;
            }
        }
        last.insert(p.src, (p.t_us, &p.bytes));
        let Ok(v) = PacketView::parse(&p.bytes, Rules::STANDARD) else {
            continue;
        };
        let mine = p.src.1 == from.1 && p.src.0 == from.0;
        for c in v.chunks() {
            if mine && (c.ty() == ty::DATA || c.ty() == ty::I_DATA) && c.value().len() >= 4 {
                frags.add_chunk(c.ty(), c.flags(), c.value());
                let t = be32(c.value(), 0);
                sent.entry(t).or_default().push(i);
                if !acked.contains_key(&t) {
                    unacked.insert(t);
                }
            } else if !mine && c.ty() == ty::SACK {
                unacked.retain(|&t| {
                    let covered = sack_covers(c.value(), t);
                    if covered {
                        acked.insert(t, i);
                    }
                    !covered
                });
            }
        }
    }
    let mut out = SideLoss::default();
    for (tsn, times) in &sent {
        if times.len() < 2 {
            continue;
        }
        let Some(&(key, start, _)) = frags.by_tsn.get(tsn) else {
            continue;
        };
        let before = match acked.get(tsn) {
            Some(&a) => times.iter().filter(|&&t| t < a).count() as u32,
            None => times.len() as u32,
        };
        let lost = before.saturating_sub(1);
        if lost > 0 {
            out.drop_data.insert((key, start), lost);
        }
        if (times.len() as u32) > before {
            out.hold_acks.insert((key, start), times.len() as u32);
        }
    }
    out
}

impl LossPlan {
    /// The plan for playing `played` against the live `other`.
    pub fn new(
        packets: &[Pkt],
        played: (std::net::IpAddr, u16),
        other: (std::net::IpAddr, u16),
    ) -> Self {
        LossPlan {
            own: side(packets, played),
            other: side(packets, other),
        }
    }

    /// Nothing to re-create.
    pub fn is_empty(&self) -> bool {
        self.own.is_empty() && self.other.is_empty()
    }

    /// A sentence for the report.
    pub fn describe(&self) -> String {
        format!(
            "losses re-created from the capture: the first transmissions of {} of our DATA fragments and {} of the peer's are dropped, and acknowledgements are withheld for {} of ours and {} of the peer's",
            self.own.drop_data.len(),
            self.other.drop_data.len(),
            self.own.hold_acks.len(),
            self.other.hold_acks.len()
        )
    }
}

/// The live run's side of the plan: transmissions counted by fragment.
#[derive(Debug, Default)]
pub(super) struct LossState {
    pub plan: LossPlan,
    /// Our live DATA fragments and the peer's (first transmissions keyed
    /// as in the capture).
    own_frags: Fragments,
    peer_frags: Fragments,
    own_tx: HashMap<u32, u32>,
    peer_tx: HashMap<u32, u32>,
    /// Datagrams dropped: ours, the peer's.
    pub dropped: (u64, u64),
    /// The highest cumulative TSN ack delivered: of the peer's SACKs to
    /// our endpoint (for our DATA), of ours to the peer (for its DATA).
    own_cum: Option<u32>,
    peer_cum: Option<u32>,
}

fn data_tsns(b: &[u8], frags: &mut Fragments, tx: &mut HashMap<u32, u32>) -> Vec<u32> {
    let Ok(v) = PacketView::parse(b, Rules::STANDARD) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for c in v.chunks() {
        if (c.ty() == ty::DATA || c.ty() == ty::I_DATA) && c.value().len() >= 4 {
            frags.add_chunk(c.ty(), c.flags(), c.value());
            let t = be32(c.value(), 0);
            *tx.entry(t).or_default() += 1;
            out.push(t);
        }
    }
    out
}

/// Whether a packet of the receiver, all SACKs, is to be withheld: it
/// covers a fragment whose sender has not yet made as many transmission
/// rounds as the capture shows (`n`), counted over the TSNs from the
/// sender's last delivered cumulative ack (`cum`) up to the fragment's.
///
/// A SACK covering the fragment also covers those before it, and T3-rtx
/// resends the lowest outstanding TSNs first (RFC 9260 6.3.3): when one
/// SACK covers several TSNs, the sender may never resend the fragment
/// itself while the SACKs stay withheld (CI at 35b91cb: the capture's
/// lone tail TSN, resent in a race with its SACK, was the fourth of four
/// the live server acknowledged at once; the replayer resent the first
/// two at each T3-rtx and the association never shut down). So a round
/// counts when any TSN in that range went `n` times.
fn hold(
    b: &[u8],
    holds: &HashMap<Frag, u32>,
    sender_frags: &Fragments,
    sender_tx: &HashMap<u32, u32>,
    cum: Option<u32>,
) -> bool {
    if holds.is_empty() {
        return false;
    }
    let Some(sacks) = sack_only(b) else {
        return false;
    };
    holds.iter().any(|(&(key, start), &n)| {
        let Some(tsn) = sender_frags
            .by_msg
            .get(&key)
            .and_then(|l| l.iter().find(|(s, _, _)| *s == start).map(|x| x.2))
        else {
            return false;
        };
        sacks.iter().any(|v| sack_covers(v, tsn)) && rounds(sender_tx, cum, tsn) < n
    })
}

/// The most transmissions of any TSN after `cum` up to `tsn` (of `tsn`
/// alone without a cumulative ack, or when the range is implausibly long);
/// unbounded once `cum` covers `tsn` (the sender knows it arrived: nothing
/// left to withhold).
fn rounds(tx: &HashMap<u32, u32>, cum: Option<u32>, tsn: u32) -> u32 {
    let count = |t: u32| tx.get(&t).copied().unwrap_or(0);
    let Some(c) = cum else {
        return count(tsn);
    };
    match tsn.wrapping_sub(c) {
        d if d as i32 <= 0 => u32::MAX,
        d if d <= 1 << 16 => (1..=d).map(|k| count(c.wrapping_add(k))).max().unwrap_or(0),
        _ => count(tsn),
    }
}

/// Raises `cum` to the highest cumulative TSN ack of the SACKs in `b`.
fn note_cum(b: &[u8], cum: &mut Option<u32>) {
    let Ok(v) = PacketView::parse(b, Rules::STANDARD) else {
        return;
    };
    for c in v.chunks() {
        if c.ty() == ty::SACK && c.value().len() >= 4 {
            let a = be32(c.value(), 0);
            if cum.is_none_or(|x| (a.wrapping_sub(x) as i32) > 0) {
                *cum = Some(a);
            }
        }
    }
}

impl LossState {
    /// Whether our datagram `b` is to be lost.
    pub fn drop_outgoing(&mut self, b: &[u8]) -> bool {
        let tsns = data_tsns(b, &mut self.own_frags, &mut self.own_tx);
        let lost = tsns.iter().any(|t| {
            self.own_frags.by_tsn.get(t).is_some_and(|&(k, s, _)| {
                self.plan
                    .own
                    .drop_data
                    .get(&(k, s))
                    .is_some_and(|&n| self.own_tx[t] <= n)
            })
        }) || hold(
            b,
            &self.plan.other.hold_acks,
            &self.peer_frags,
            &self.peer_tx,
            self.peer_cum,
        );
        if lost {
            self.dropped.0 += 1;
        } else {
            note_cum(b, &mut self.peer_cum);
        }
        lost
    }

    /// Whether the peer's datagram `b` is to be lost.
    pub fn drop_incoming(&mut self, b: &[u8]) -> bool {
        let tsns = data_tsns(b, &mut self.peer_frags, &mut self.peer_tx);
        let lost = tsns.iter().any(|t| {
            self.peer_frags.by_tsn.get(t).is_some_and(|&(k, s, _)| {
                self.plan
                    .other
                    .drop_data
                    .get(&(k, s))
                    .is_some_and(|&n| self.peer_tx[t] <= n)
            })
        }) || hold(
            b,
            &self.plan.own.hold_acks,
            &self.own_frags,
            &self.own_tx,
            self.own_cum,
        );
        if lost {
            self.dropped.1 += 1;
        } else {
            note_cum(b, &mut self.own_cum);
        }
        lost
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// usrsctp-lossy.pcapng (captures/README.md): the client's 8th and 9th
    /// datagrams (two DATA chunks) lost, then the server's SACKs, so that
    /// the client resent acknowledged TSNs.
    #[test]
    fn the_lossy_capture_plans_its_losses() {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../captures/usrsctp-lossy.pcapng");
        let pkts = crate::to_script::read_packets(&file, &[39901, 39902]).expect("capture");
        let a = &crate::to_script::associations(pkts)[0];
        let client = LossPlan::new(&a.packets, a.client, a.server);
        assert_eq!(client.own.drop_data.len(), 2, "{client:?}");
        assert!(client.own.drop_data.values().all(|&n| n == 1));
        assert!(!client.own.hold_acks.is_empty(), "{client:?}");
        assert!(client.other.is_empty(), "{client:?}");
        // Played from the other side, the same losses are the peer's.
        let server = LossPlan::new(&a.packets, a.server, a.client);
        assert_eq!(server.other.drop_data, client.own.drop_data);
        assert_eq!(server.other.hold_acks, client.own.hold_acks);
        assert!(server.own.is_empty());
    }

    /// CI at 35b91cb: the live server acknowledged four TSNs at once, the
    /// fourth the fragment to be resent; T3-rtx resent the first two.
    #[test]
    fn a_round_counts_when_any_tsn_before_the_fragment_went_again() {
        let tx: HashMap<u32, u32> = [(660, 2), (661, 2), (662, 1), (663, 1)].into();
        assert_eq!(rounds(&tx, Some(659), 663), 2);
        assert_eq!(rounds(&tx, Some(661), 663), 1);
        assert_eq!(rounds(&tx, None, 663), 1);
        // Once the sender has the fragment acknowledged, nothing is held.
        assert_eq!(rounds(&tx, Some(663), 663), u32::MAX);
        assert_eq!(rounds(&tx, Some(700), 663), u32::MAX);
        // Across the TSN wrap.
        let tx: HashMap<u32, u32> = [(u32::MAX, 3), (0, 1)].into();
        assert_eq!(rounds(&tx, Some(u32::MAX - 1), 0), 3);
    }

    #[test]
    fn sack_coverage_by_cum_ack_and_gap_blocks() {
        // cum 10, one gap block 2..3 (TSNs 12-13).
        let v = [0, 0, 0, 10, 0, 0, 1, 0, 0, 1, 0, 0, 0, 2, 0, 3];
        assert!(sack_covers(&v, 9));
        assert!(sack_covers(&v, 10));
        assert!(!sack_covers(&v, 11));
        assert!(sack_covers(&v, 12));
        assert!(sack_covers(&v, 13));
        assert!(!sack_covers(&v, 14));
    }
}
