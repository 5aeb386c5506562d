//! PKTDROP (draft-stewart-sctp-pktdrprep, as FreeBSD and usrsctp implement
//! it: `sctp_send_packet_dropped`, `sctp_handle_packet_dropped`).
//!
//! The receiver reports a packet of the association it dropped (bad
//! checksum: B bit; receive buffer full: no B bit) in a PKTDROP chunk that
//! carries the packet, cut to fit one of our packets (T bit and the
//! original length then), with its receive buffer size ("bandwidth") and
//! what is queued in it. The sender marks the reported DATA chunks for an
//! immediate retransmission (after checking their first payload bytes, so a
//! corrupted TSN cannot make it resend the wrong chunk), resends the
//! reported control chunks, and takes the buffer figures as the peer's
//! window.
//!
//! The chunk layout is usrsctp's and Wireshark's: Bandwidth (32 bits),
//! Queue Size (32), Truncated Length (16), Reserved (16), then the packet.

use std::time::{Duration, Instant};

use sctp_codec::chunk::{flags, ty};

use super::{transmit, Association, State};
use crate::serial::Tsn;

/// The fixed part of the chunk value: bandwidth, queue size, truncated
/// length, reserved (usrsctp `struct sctp_pktdrop_chunk`).
pub const FIXED: usize = 12;
/// Payload bytes of a reported DATA chunk compared with ours before it is
/// resent (usrsctp `SCTP_NUM_DB_TO_VERIFY`).
pub const VERIFY: usize = 31;
/// Reports allowed per [`WINDOW`] (rate limit).
pub const BURST: u32 = 8;
/// The rate limit's window.
pub const WINDOW: Duration = Duration::from_millis(100);
/// PKTDROPs for a lost INIT or COOKIE ECHO acted on before the timer is
/// left to it (usrsctp `SCTP_RETRY_DROPPED_THRESH`).
const SPECIAL_RETRIES: u32 = 4;

/// PKTDROP counters of one association.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PktDropStats {
    /// PKTDROP chunks we sent (packets reported).
    pub sent: u64,
    /// Reports not sent because of the rate limit.
    pub rate_limited: u64,
    /// PKTDROP chunks received.
    pub received: u64,
    /// DATA chunks marked for retransmission by a report.
    pub data_resent: u64,
    /// Control chunks sent again because of a report.
    pub control_resent: u64,
    /// Reported DATA chunks whose payload did not match ours (not resent).
    pub mismatched: u64,
}

/// PKTDROP state of one association.
#[derive(Debug, Default)]
pub struct PktDrop {
    /// Counters.
    pub stats: PktDropStats,
    /// DATA of the packet being handled was dropped for a full receive
    /// buffer: the packet is reported once it is handled.
    pub window_drop: bool,
    window_start: Option<Instant>,
    in_window: u32,
    special: u32,
}

impl PktDrop {
    /// Whether a report may go out at `now` (at most [`BURST`] per
    /// [`WINDOW`]); counts it when it may.
    pub fn allow(&mut self, now: Instant) -> bool {
        match self.window_start {
            Some(s) if now.saturating_duration_since(s) < WINDOW => {}
            _ => {
                self.window_start = Some(now);
                self.in_window = 0;
            }
        }
        if self.in_window >= BURST {
            self.stats.rate_limited += 1;
            return false;
        }
        self.in_window += 1;
        true
    }
}

/// Whether a dropped packet may be reported: never one holding ABORT,
/// PKTDROP or INIT ACK (usrsctp's rule), nor one too short for a header.
pub fn reportable(packet: &[u8]) -> bool {
    if packet.len() < 16 {
        return false;
    }
    let mut at = 12;
    while at + 4 <= packet.len() {
        let t = packet[at];
        let len = u16::from_be_bytes([packet[at + 2], packet[at + 3]]) as usize;
        if len < 4 {
            break;
        }
        if matches!(t, ty::ABORT | ty::PKTDROP | ty::INIT_ACK) {
            return false;
        }
        at += (len + 3) & !3;
    }
    true
}

/// Builds a whole PKTDROP chunk reporting `packet` into `out`: B bit for a
/// bad checksum, the packet cut to `room` bytes of chunk (T bit and the
/// original length then), `bandwidth` our receive buffer, `queued` what is
/// in it (usrsctp reports `queued = bandwidth` when its window is 0).
pub fn build(
    out: &mut Vec<u8>,
    packet: &[u8],
    bad_checksum: bool,
    bandwidth: u32,
    queued: u32,
    room: usize,
) {
    let max_data = room.saturating_sub(4 + FIXED) & !3;
    let (data, truncated) = if packet.len() > max_data {
        (&packet[..max_data], true)
    } else {
        (packet, false)
    };
    let mut fl = 0;
    if bad_checksum {
        fl |= flags::PKTDROP_B;
    }
    if truncated {
        fl |= flags::PKTDROP_T;
    }
    let trunc_len = if truncated {
        packet.len().min(u16::MAX as usize) as u16
    } else {
        0
    };
    let mut v = Vec::with_capacity(FIXED + data.len());
    v.extend_from_slice(&bandwidth.to_be_bytes());
    v.extend_from_slice(&queued.to_be_bytes());
    v.extend_from_slice(&trunc_len.to_be_bytes());
    v.extend_from_slice(&[0, 0]);
    v.extend_from_slice(data);
    transmit::chunk_bytes(out, ty::PKTDROP, fl, &v);
}

/// One chunk of a reported packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reported<'a> {
    /// DATA or I-DATA: its TSN and its first [`VERIFY`] payload bytes.
    Data { tsn: u32, head: &'a [u8] },
    /// DATA too short to check: skipped.
    ShortData,
    /// Any other chunk: its type and whole bytes (header included) when
    /// the report holds all of them.
    Control { ty: u8, whole: Option<&'a [u8]> },
}

/// The fields of a received PKTDROP chunk value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report<'a> {
    /// Chunk flags (M, B, T).
    pub flags: u8,
    /// Receive buffer of the reporter.
    pub bandwidth: u32,
    /// Bytes queued in it.
    pub queued: u32,
    /// The chunks of the reported packet, in order, up to the first one
    /// that cannot be followed.
    pub chunks: Vec<Reported<'a>>,
}

/// Reads a PKTDROP chunk value (the bytes after the chunk header) as
/// usrsctp does; `idata` says whether I-DATA is in use (DATA then is
/// bogus, and the reverse). `None` when it is too short or lies about its
/// truncation.
pub fn parse(fl: u8, value: &[u8], idata: bool) -> Option<Report<'_>> {
    if value.len() < FIXED {
        return None;
    }
    let bandwidth = u32::from_be_bytes(value[0..4].try_into().ok()?);
    let queued = u32::from_be_bytes(value[4..8].try_into().ok()?);
    let trunc_len = u16::from_be_bytes([value[8], value[9]]) as usize;
    let packet = &value[FIXED..];
    if fl & flags::PKTDROP_T != 0 && trunc_len <= packet.len() {
        // "The peer plays games with us."
        return None;
    }
    let mut chunks = Vec::new();
    if packet.len() >= 12 {
        let mut at = 12;
        while at + 4 <= packet.len() {
            let t = packet[at];
            let len = u16::from_be_bytes([packet[at + 2], packet[at + 3]]) as usize;
            if len < 4 {
                break;
            }
            let header = match t {
                ty::DATA if !idata => Some(16),
                ty::I_DATA if idata => Some(20),
                ty::DATA | ty::I_DATA => break,
                _ => None,
            };
            match header {
                Some(h) => {
                    if len <= h {
                        break;
                    }
                    if len < h + VERIFY {
                        chunks.push(Reported::ShortData);
                    } else if at + h + VERIFY > packet.len() {
                        break;
                    } else {
                        let tsn = u32::from_be_bytes(packet[at + 4..at + 8].try_into().ok()?);
                        chunks.push(Reported::Data {
                            tsn,
                            head: &packet[at + h..at + h + VERIFY],
                        });
                    }
                }
                None => chunks.push(Reported::Control {
                    ty: t,
                    whole: packet.get(at..at + len),
                }),
            }
            at += (len + 3) & !3;
        }
    }
    Some(Report {
        flags: fl,
        bandwidth,
        queued,
        chunks,
    })
}

impl Association {
    /// Whether PKTDROP is in use: negotiated, or negotiated by the INIT ACK
    /// we are completing.
    pub(crate) fn pktdrop_on(&self) -> bool {
        self.pktdrop.is_some() || self.pending.as_ref().is_some_and(|n| n.pktdrop)
    }

    /// Reports a packet of this association we dropped (bad checksum, or
    /// DATA beyond a full receive buffer), rate-limited.
    pub(crate) fn report_dropped(&mut self, now: Instant, packet: &[u8], bad_checksum: bool) {
        if !reportable(packet) {
            return;
        }
        let room = self
            .cfg
            .max_packet
            .saturating_sub(12 + self.auth.as_ref().map_or(0, |a| a.chunk_len()));
        let bandwidth = self.cfg.receive_window;
        let window = self.a_rwnd();
        let queued = if window == 0 {
            bandwidth
        } else {
            bandwidth.saturating_sub(window)
        };
        let Some(p) = self.pktdrop.as_mut() else {
            return;
        };
        if !p.allow(now) {
            return;
        }
        p.stats.sent += 1;
        let mut c = Vec::with_capacity(room.min(packet.len() + 16));
        build(&mut c, packet, bad_checksum, bandwidth, queued, room);
        self.control.push_back(c);
    }

    /// A PKTDROP from the peer (usrsctp `sctp_handle_packet_dropped`),
    /// received on `path`.
    pub(crate) fn on_pktdrop(&mut self, now: Instant, path: usize, fl: u8, value: &[u8]) {
        let Some(r) = parse(fl, value, self.idata) else {
            return;
        };
        if let Some(p) = self.pktdrop.as_mut() {
            p.stats.received += 1;
        }
        let middlebox = r.flags & flags::PKTDROP_M != 0;
        let bad_crc = r.flags & flags::PKTDROP_B != 0;
        for c in &r.chunks {
            match *c {
                Reported::ShortData => {}
                Reported::Data { tsn, head } => {
                    // Only a corrupted packet is resent at once; a window
                    // drop waits for the window (and SACKs) to open.
                    if !(bad_crc || middlebox) || self.peer_rwnd == 0 {
                        continue;
                    }
                    match self.rtx.mark_reported(Tsn(tsn), head, &mut self.flight) {
                        Some(true) => {
                            if let Some(p) = self.pktdrop.as_mut() {
                                p.stats.data_resent += 1;
                            }
                        }
                        Some(false) => {}
                        None => {
                            // Payload not matching: stop here (usrsctp).
                            if let Some(p) = self.pktdrop.as_mut() {
                                p.stats.mismatched += 1;
                            }
                            break;
                        }
                    }
                }
                Reported::Control { ty: t, whole } => {
                    if self.resend_reported(now, path, t, whole) {
                        if let Some(p) = self.pktdrop.as_mut() {
                            p.stats.control_resent += 1;
                        }
                    }
                }
            }
        }
        // From the peer: its buffer figures are its window (usrsctp).
        if !middlebox && r.bandwidth != 0 && r.queued != 0 {
            let a_rwnd = r.bandwidth.saturating_sub(r.queued);
            let flight = self.rtx.unacked_bytes() as u32;
            self.peer_rwnd = a_rwnd.saturating_sub(flight);
        }
    }

    /// Sends again a control chunk the peer reported dropped; whether it
    /// did.
    fn resend_reported(&mut self, now: Instant, path: usize, t: u8, whole: Option<&[u8]>) -> bool {
        match t {
            ty::INIT if self.state == State::CookieWait => {
                let p = self.pktdrop.get_or_insert_with(Default::default);
                p.special += 1;
                if p.special >= SPECIAL_RETRIES {
                    return false;
                }
                self.send_handshake = true;
                self.t1 = Some(now + self.paths[0].rto);
                true
            }
            ty::COOKIE_ECHO if self.state == State::CookieEchoed => {
                let p = self.pktdrop.get_or_insert_with(Default::default);
                p.special += 1;
                if p.special >= SPECIAL_RETRIES {
                    return false;
                }
                self.send_handshake = true;
                self.t1 = Some(now + self.paths[0].rto);
                true
            }
            ty::SACK | ty::NR_SACK => match self.rx.as_mut() {
                Some(rx) => {
                    rx.force_sack();
                    true
                }
                None => false,
            },
            ty::HEARTBEAT => {
                // Only while the association is far from its error limit
                // (usrsctp: error count + 3 < limit).
                if self.errors + 3 >= self.cfg.assoc_max_retrans {
                    return false;
                }
                match whole {
                    Some(c) => {
                        self.directed.push_back((path, c.to_vec()));
                        true
                    }
                    None => false,
                }
            }
            ty::SHUTDOWN if self.state == State::ShutdownSent => {
                self.send_shutdown = true;
                true
            }
            ty::SHUTDOWN_ACK if self.state == State::ShutdownAckSent => {
                self.send_shutdown_ack = true;
                true
            }
            ty::COOKIE_ACK if self.state == State::Established => {
                let mut c = Vec::with_capacity(4);
                transmit::chunk_bytes(&mut c, ty::COOKIE_ACK, 0, &[]);
                self.control.push_back(c);
                true
            }
            ty::FORWARD_TSN | ty::I_FORWARD_TSN if self.pr => {
                self.send_fwd_tsn = true;
                true
            }
            // The outstanding ASCONF goes again at once.
            ty::ASCONF if self.asconf_timer.is_some() => {
                self.asconf_timer = Some(now);
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(chunks: &[(u8, &[u8])]) -> Vec<u8> {
        let mut p = vec![0x13, 0x88, 0x13, 0x89, 1, 2, 3, 4, 0, 0, 0, 0];
        for (t, v) in chunks {
            transmit::chunk_bytes(&mut p, *t, 0, v);
            p.resize((p.len() + 3) & !3, 0);
        }
        p
    }

    fn data(tsn: u32, payload: &[u8]) -> Vec<u8> {
        let mut v = tsn.to_be_bytes().to_vec();
        v.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]);
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn a_report_reads_back_with_its_data_and_control_chunks() {
        let payload: Vec<u8> = (0..100).collect();
        let p = packet(&[(ty::SACK, &[0; 12]), (ty::DATA, &data(77, &payload))]);
        let mut c = Vec::new();
        build(&mut c, &p, true, 65536, 1000, 1200);
        assert_eq!(c[0], ty::PKTDROP);
        assert_eq!(c[1], flags::PKTDROP_B);
        let len = u16::from_be_bytes([c[2], c[3]]) as usize;
        assert_eq!(len, 4 + FIXED + p.len());
        let r = parse(c[1], &c[4..len], false).unwrap();
        assert_eq!((r.bandwidth, r.queued), (65536, 1000));
        assert_eq!(r.chunks.len(), 2);
        assert!(
            matches!(r.chunks[0], Reported::Control { ty: ty::SACK, whole: Some(w) } if w.len() == 16)
        );
        assert_eq!(
            r.chunks[1],
            Reported::Data {
                tsn: 77,
                head: &payload[..VERIFY]
            }
        );
    }

    #[test]
    fn a_long_packet_is_cut_and_flagged_truncated() {
        let payload = vec![7u8; 3000];
        let p = packet(&[(ty::DATA, &data(5, &payload))]);
        let mut c = Vec::new();
        build(&mut c, &p, false, 1, 1, 500);
        assert!(c.len() <= 500);
        assert_eq!(c[1], flags::PKTDROP_T);
        assert_eq!(u16::from_be_bytes([c[12], c[13]]) as usize, p.len());
        let r = parse(c[1], &c[4..], false).unwrap();
        // The DATA chunk's header and first bytes are there.
        assert!(matches!(r.chunks[0], Reported::Data { tsn: 5, .. }));
        // A T bit with a length no longer than what is there is refused.
        let mut lie = c.clone();
        lie[12..14].copy_from_slice(&10u16.to_be_bytes());
        assert!(parse(lie[1], &lie[4..], false).is_none());
    }

    #[test]
    fn aborts_pktdrops_and_init_acks_are_never_reported() {
        assert!(!reportable(&packet(&[(ty::ABORT, &[])])));
        assert!(!reportable(&packet(&[
            (ty::SACK, &[0; 12]),
            (ty::PKTDROP, &[0; 12])
        ])));
        assert!(!reportable(&packet(&[(ty::INIT_ACK, &[0; 16])])));
        assert!(reportable(&packet(&[(ty::DATA, &data(1, b"x"))])));
        assert!(!reportable(&[0; 12]));
    }

    #[test]
    fn data_of_the_wrong_kind_or_too_short_stops_or_is_skipped() {
        let p = packet(&[
            (ty::DATA, &data(9, b"short")),
            (ty::HEARTBEAT, &[0, 1, 0, 8, 1, 2, 3, 4]),
        ]);
        let mut c = Vec::new();
        build(&mut c, &p, true, 0, 0, 1200);
        let r = parse(c[1], &c[4..], false).unwrap();
        assert_eq!(r.chunks[0], Reported::ShortData);
        assert!(matches!(
            r.chunks[1],
            Reported::Control {
                ty: ty::HEARTBEAT,
                ..
            }
        ));
        // With I-DATA in use a DATA chunk is bogus: nothing after it counts.
        let r = parse(c[1], &c[4..], true).unwrap();
        assert!(r.chunks.is_empty());
    }

    #[test]
    fn the_rate_limit_allows_a_burst_per_window() {
        let t0 = Instant::now();
        let mut p = PktDrop::default();
        let allowed = (0..20).filter(|_| p.allow(t0)).count();
        assert_eq!(allowed, BURST as usize);
        assert_eq!(p.stats.rate_limited, 20 - BURST as u64);
        assert!(p.allow(t0 + WINDOW));
    }
}
