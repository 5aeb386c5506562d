//! Packet assembly for an association (RFC 9260 6.1, 6.10 bundling): the
//! handshake chunks, control chunks, SACK, SHUTDOWN family, retransmissions
//! and new DATA under the congestion and receiver windows, one packet at a
//! time into the caller's buffer.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use sctp_codec::chunk::ty;
use sctp_codec::{ChecksumAlgorithm, CommonHeader, PacketWriter};

use super::auth::ChunkSet;
use super::{Association, State};
use crate::config::Config;
use crate::wire::{param, put_tlv};

/// DATA chunk header: type, flags, length, TSN, stream, SSN, PPID.
const DATA_HEADER: usize = 16;
/// I-DATA chunk header: type, flags, length, TSN, stream, reserved, MID,
/// PPID or FSN (RFC 8260 2.1).
const I_DATA_HEADER: usize = 20;

/// Appends a whole chunk (header and value, no padding: the writer pads).
pub(crate) fn chunk_bytes(out: &mut Vec<u8>, ty: u8, flags: u8, value: &[u8]) {
    let value = &value[..crate::wire::unpadded_len(value, list_start(ty))];
    let len = (4 + value.len()).min(u16::MAX as usize) as u16;
    out.push(ty);
    out.push(flags);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(value);
}

/// Where the TLV list starts in the value of a chunk we write, if it has one.
pub(crate) fn list_start(t: u8) -> Option<usize> {
    match t {
        ty::ABORT | ty::ERROR | ty::HEARTBEAT | ty::HEARTBEAT_ACK => Some(0),
        ty::INIT | ty::INIT_ACK => Some(16),
        // RE-CONFIG parameters (RFC 6525 3.1); ASCONF / ASCONF-ACK after
        // the serial number (RFC 5061 5.2.1, 5.2.2).
        ty::RE_CONFIG => Some(0),
        ty::ASCONF | ty::ASCONF_ACK => Some(4),
        _ => None,
    }
}

/// The value of our INIT (RFC 9260 3.3.2) up to and including Supported
/// Extensions, in FreeBSD's order (`sctp_send_initiate`): Adaptation Layer
/// Indication, ECN Capable, Forward-TSN Supported, Zero Checksum
/// Acceptable, NAT Support / Disable Restart, Supported Extensions. The
/// caller appends the AUTH parameters and then [`append_init_params`]
/// (RFC 9260 leaves the order free).
pub(crate) fn init_value(cfg: &Config, tag: u32, tsn: u32, streams: u16) -> Vec<u8> {
    let mut v = Vec::with_capacity(32);
    v.extend_from_slice(&tag.to_be_bytes());
    v.extend_from_slice(&cfg.receive_window.to_be_bytes());
    v.extend_from_slice(&streams.to_be_bytes());
    v.extend_from_slice(&cfg.max_inbound_streams.to_be_bytes());
    v.extend_from_slice(&tsn.to_be_bytes());
    put_feature_params(&mut v, cfg);
    v
}

/// The feature parameters of an INIT or INIT ACK in FreeBSD's order
/// (`sctp_send_initiate`, `sctp_send_initiate_ack`): Adaptation Layer
/// Indication (RFC 5061 4.2.7), ECN Capable (RFC 9260 appendix A),
/// Forward-TSN Supported (RFC 3758 3.1), Zero Checksum Acceptable (RFC 9653
/// 4), Disable Restart (draft-ietf-tsvwg-natsupp 5.1), Supported Extensions
/// (RFC 5061 4.2.7).
pub(crate) fn put_feature_params(v: &mut Vec<u8>, cfg: &Config) {
    put_adaptation(v, cfg);
    if cfg.ecn {
        put_tlv(v, param::ECN_CAPABLE, &[]);
    }
    if cfg.pr_sctp {
        put_tlv(v, param::FORWARD_TSN_SUPPORTED, &[]);
    }
    put_zero_checksum(v, cfg);
    if cfg.nat_support {
        // draft-ietf-tsvwg-natsupp 5.1, 5.2.1.
        put_tlv(v, param::DISABLE_RESTART, &[]);
    }
    put_supported_extensions(v, cfg);
}

/// Our Adaptation Layer Indication, when configured (RFC 5061 4.2.7).
pub(crate) fn put_adaptation(v: &mut Vec<u8>, cfg: &Config) {
    if let Some(a) = cfg.adaptation_indication {
        put_tlv(v, param::ADAPTATION_LAYER_INDICATION, &a.to_be_bytes());
    }
}

/// Zero Checksum Acceptable with our method, when configured (RFC 9653 4).
pub(crate) fn put_zero_checksum(v: &mut Vec<u8>, cfg: &Config) {
    if let Some(m) = cfg.zero_checksum_edmid {
        put_tlv(v, param::ZERO_CHECKSUM_ACCEPTABLE, &m.to_be_bytes());
    }
}

/// The Supported Extensions parameter (RFC 5061 4.2.7) listing what FreeBSD
/// lists, in its order: FORWARD-TSN (RFC 3758 3.1) and, with interleaving,
/// I-FORWARD-TSN (RFC 8260 2.3) when partial reliability is on; AUTH (RFC
/// 4895); ASCONF, ASCONF-ACK (RFC 5061); RE-CONFIG (RFC 6525); I-DATA (RFC
/// 8260 2.2); NR-SACK; PKTDROP.
pub(crate) fn put_supported_extensions(v: &mut Vec<u8>, cfg: &Config) {
    let mut list = Vec::with_capacity(8);
    if cfg.pr_sctp {
        if cfg.list_forward_tsn {
            list.push(ty::FORWARD_TSN);
        }
        if cfg.interleaving {
            list.push(ty::I_FORWARD_TSN);
        }
    }
    if cfg.auth {
        list.push(ty::AUTH);
    }
    if cfg.asconf {
        list.push(ty::ASCONF);
        list.push(ty::ASCONF_ACK);
    }
    if cfg.reconfig {
        list.push(ty::RE_CONFIG);
    }
    if cfg.interleaving {
        list.push(ty::I_DATA);
    }
    if cfg.nr_sack {
        list.push(ty::NR_SACK);
    }
    if cfg.pktdrop {
        list.push(ty::PKTDROP);
    }
    if cfg.secure.is_some() {
        // S-SCTP offered: SSOpReq's type stands for the whole family (ours).
        list.push(0xD0);
    }
    if !list.is_empty() {
        put_tlv(v, param::SUPPORTED_EXTENSIONS, &list);
    }
}

/// The last parameters of our INIT, in FreeBSD's order: Supported Address
/// Types (RFC 9260 3.3.2.1.5), then our addresses when we have more than
/// one (3.3.2.1.1-2); behind a NAT neither (draft-ietf-tsvwg-natsupp 5.1).
pub(crate) fn append_init_params(v: &mut Vec<u8>, cfg: &Config, local: &[IpAddr]) {
    if cfg.nat_support {
        return;
    }
    if local.iter().any(|ip| ip.is_ipv6()) {
        put_tlv(v, param::SUPPORTED_ADDRESS_TYPES, &[0, 5, 0, 6]);
    } else {
        put_tlv(v, param::SUPPORTED_ADDRESS_TYPES, &[0, 5]);
    }
    if local.len() > 1 {
        for ip in local {
            crate::wire::put_address(v, *ip);
        }
    }
}

/// Where the parameters [`append_init_params`] wrote (and a Cookie
/// Preservative) start in our INIT's value: the end of the feature and AUTH
/// parameters.
pub(crate) fn feature_params_end(init: &[u8]) -> usize {
    let mut at = 16.min(init.len());
    while at + 4 <= init.len() {
        let t = u16::from_be_bytes([init[at], init[at + 1]]);
        let len = u16::from_be_bytes([init[at + 2], init[at + 3]]) as usize;
        if matches!(
            t,
            param::COOKIE_PRESERVATIVE
                | param::SUPPORTED_ADDRESS_TYPES
                | param::IPV4_ADDRESS
                | param::IPV6_ADDRESS
        ) || len < 4
        {
            break;
        }
        at = (at + len.div_ceil(4) * 4).min(init.len());
    }
    at
}

/// Writes a pre-built whole chunk (see [`chunk_bytes`]).
fn push_whole(w: &mut PacketWriter<'_>, c: &[u8]) -> bool {
    w.push_raw(c[0], c[1], &c[4..]).is_ok()
}

impl Association {
    /// Starts the packet with an AUTH chunk (HMAC zeroed) when a chunk of
    /// one of `types` may go in it and the peer wants that type
    /// authenticated (RFC 4895 6.2); returns where the AUTH chunk starts.
    fn begin_auth(&mut self, w: &mut PacketWriter<'_>, types: &ChunkSet) -> Option<usize> {
        let a = self.auth.as_ref()?;
        if !a.needed_for(types) {
            return None;
        }
        let at = w.len();
        let (v, n) = a.chunk_value();
        w.push_raw(ty::AUTH, 0, &v[..n]).ok()?;
        Some(at)
    }

    /// Signs the AUTH chunk at `auth_at`, if any, over everything after it,
    /// and writes the checksum (RFC 4895 6.2, RFC 9260 6.8).
    fn seal(&mut self, mut w: PacketWriter<'_>, auth_at: Option<usize>) {
        if let (Some(at), Some(a)) = (auth_at, self.auth.as_mut()) {
            a.sign(&mut w.as_bytes_mut()[at..]);
        }
        w.finish(if self.zero_checksum {
            ChecksumAlgorithm::Zero
        } else {
            ChecksumAlgorithm::Crc32c
        });
    }

    /// The chunk types a packet written now may hold (for the AUTH
    /// decision; more than are written is harmless).
    fn candidate_types(&self, sack_due: bool, data: bool) -> ChunkSet {
        let mut t = ChunkSet::default();
        for c in &self.control {
            t.insert(c[0]);
        }
        if self.send_shutdown_ack {
            t.insert(ty::SHUTDOWN_ACK);
        }
        if sack_due {
            t.insert(if self.nr_sack { ty::NR_SACK } else { ty::SACK });
            t.insert(ty::ECNE);
        }
        if self.send_shutdown {
            t.insert(ty::SHUTDOWN);
        }
        if self.cwr_out.is_some() {
            t.insert(ty::CWR);
        }
        if self.send_fwd_tsn {
            t.insert(ty::FORWARD_TSN);
            t.insert(ty::I_FORWARD_TSN);
        }
        if data {
            t.insert(if self.idata { ty::I_DATA } else { ty::DATA });
        }
        t
    }

    fn header(&self, vtag: u32) -> CommonHeader {
        CommonHeader {
            source_port: self.local_port,
            destination_port: self.peer_port,
            verification_tag: vtag,
        }
    }

    /// The path data goes to: the primary while it is active, else the
    /// first active confirmed one, else a potentially-failed one with the
    /// fewest errors (RFC 9260 6.4, 6.4.1; RFC 7829 5.1).
    fn data_path(&self) -> usize {
        use super::path::PathState;
        if self.paths[self.primary].state == PathState::Active {
            return self.primary;
        }
        if let Some(i) = self
            .paths
            .iter()
            .position(|p| p.state == PathState::Active && p.confirmed)
        {
            return i;
        }
        self.paths
            .iter()
            .enumerate()
            .filter(|(_, p)| p.confirmed && p.state == PathState::PotentiallyFailed)
            .min_by_key(|(_, p)| p.errors)
            .map_or(self.primary, |(i, _)| i)
    }

    /// Writes the next packet into `buf`, returning where it goes, or `None`
    /// when there is nothing to send now (before the S-SCTP protection that
    /// `write_packet` in `crate::secure` adds).
    pub(crate) fn write_packet_plain(
        &mut self,
        now: Instant,
        buf: &mut Vec<u8>,
    ) -> Option<(IpAddr, SocketAddr)> {
        let mut limit = self.packet_size() - self.secure_overhead();
        // A chunk sent before an ICMP error lowered the path MTU goes
        // again whole, alone, above the new size (RFC 9260 7.3; the
        // driver lets IP fragment it).
        if let Some(len) = self.rtx.next_marked_len() {
            let data_header = if self.idata {
                I_DATA_HEADER
            } else {
                DATA_HEADER
            };
            let auth = self.auth.as_ref().map_or(0, |a| a.chunk_len());
            let need = 12 + auth + data_header + ((len + 3) & !3);
            if need > limit {
                limit = need;
                self.oversize = true;
            }
        }
        let dest = (
            self.paths[self.primary].local,
            self.paths[self.primary].remote,
        );
        if let Some(abort) = self.abort_out.take() {
            let rule = crate::rules::TagRule::of(abort[0], abort[1]);
            let vtag = rule.tag_to_send(self.local_tag, self.peer_tag);
            let mut w = PacketWriter::new(buf, self.header(vtag), limit);
            let mut types = ChunkSet::default();
            types.insert(ty::ABORT);
            let auth_at = self.begin_auth(&mut w, &types);
            push_whole(&mut w, &abort);
            self.seal(w, auth_at);
            return Some(dest);
        }
        if self.state == State::Closed {
            if self.send_shutdown_complete {
                self.send_shutdown_complete = false;
                let mut w = PacketWriter::new(buf, self.header(self.peer_tag), limit);
                w.push_raw(ty::SHUTDOWN_COMPLETE, 0, &[]).ok()?;
                w.finish(ChecksumAlgorithm::Crc32c);
                return Some(dest);
            }
            return None;
        }
        if self.send_handshake {
            match self.state {
                State::CookieWait => {
                    self.send_handshake = false;
                    let mut w = PacketWriter::new(buf, self.header(0), limit);
                    let v = &self.init_value;
                    w.push_raw(ty::INIT, 0, &v[..crate::wire::unpadded_len(v, Some(16))])
                        .ok()?;
                    w.finish(ChecksumAlgorithm::Crc32c);
                    let p = &self.paths[self.handshake_path(self.t1_count)];
                    return Some((p.local, p.remote));
                }
                State::CookieEchoed => {
                    self.send_handshake = false;
                    let mut w = PacketWriter::new(buf, self.header(self.peer_tag), limit);
                    // An AUTH chunk goes before COOKIE ECHO when the peer
                    // wants either it or the ERROR authenticated (RFC 4895
                    // 6.2; RFC 9260 6.10).
                    let mut types = ChunkSet::default();
                    types.insert(ty::COOKIE_ECHO);
                    if !self.init_ack_unrecognized.is_empty() {
                        types.insert(ty::ERROR);
                    }
                    // DATA queued before the association is up rides with
                    // the COOKIE ECHO (RFC 9260 5.1 D allows it; FreeBSD
                    // does), within the path MTU, cwnd and the peer's
                    // a_rwnd, when the packet goes where data goes. A
                    // resent COOKIE ECHO carries what T3-rtx marked and
                    // what is still new, as FreeBSD's T1-cookie marks only
                    // the COOKIE ECHO and leaves the DATA to T3-rtx.
                    let bundle = self.data_path() == self.primary
                        && (!self.tx.is_empty() || self.rtx.has_marked())
                        && !self.secure_holds_data();
                    if bundle {
                        types.insert(if self.idata { ty::I_DATA } else { ty::DATA });
                    }
                    let auth_at = self.begin_auth(&mut w, &types);
                    let base = w.chunk_count();
                    w.push_raw(ty::COOKIE_ECHO, 0, &self.cookie).ok()?;
                    if !self.init_ack_unrecognized.is_empty() {
                        let v = &self.init_ack_unrecognized;
                        let _ =
                            w.push_raw(ty::ERROR, 0, &v[..crate::wire::unpadded_len(v, Some(0))]);
                    }
                    if bundle {
                        self.write_data(now, &mut w, self.primary, base);
                    }
                    self.seal(w, auth_at);
                    return Some(dest);
                }
                _ => self.send_handshake = false,
            }
        }
        if matches!(self.state, State::CookieWait | State::CookieEchoed) {
            return None;
        }
        let vtag = self.peer_tag;
        let header = self.header(vtag);
        // Chunks for one destination (HEARTBEAT, HEARTBEAT ACK): a packet
        // of their own to that path (RFC 9260 8.3).
        if let Some(&(p, _)) = self.directed.front() {
            let mut w = PacketWriter::new(buf, header, limit);
            let mut types = ChunkSet::default();
            for (_, c) in self.directed.iter().filter(|(q, _)| *q == p) {
                types.insert(c[0]);
            }
            let auth_at = self.begin_auth(&mut w, &types);
            let base = w.chunk_count();
            while let Some((q, c)) = self.directed.front() {
                if *q != p || !push_whole(&mut w, c) {
                    break;
                }
                self.directed.pop_front();
            }
            if w.chunk_count() == base {
                self.directed.pop_front(); // cannot fit any packet: drop
                return None;
            }
            self.seal(w, auth_at);
            let p = &self.paths[p.min(self.paths.len() - 1)];
            return Some((p.local, p.remote));
        }
        let data_path = self.data_path();
        let receiving = matches!(
            self.state,
            State::Established | State::ShutdownPending | State::ShutdownSent
        );
        // A delayed SACK rides along with DATA we send anyway (RFC 9260
        // 6.2: SHOULD bundle; usrsctp does).
        let have_data = !self.tx.is_empty()
            && self.flight[data_path] < self.paths[data_path].cwnd
            && !matches!(self.state, State::ShutdownSent | State::ShutdownAckSent);
        let sack_due = receiving
            && self
                .rx
                .as_ref()
                .is_some_and(|rx| rx.sack_due(now) || (have_data && rx.deadline().is_some()));
        // A SACK goes where the DATA came from (RFC 9260 6.4); DATA rides
        // along only when that is also where DATA goes.
        // ... unless that destination is unreachable: then where data goes
        // (as FreeBSD picks an alternate).
        let rx_path = self.rx_path.min(self.paths.len() - 1);
        let dest_path = if sack_due && self.paths[rx_path].state != super::path::PathState::Inactive
        {
            rx_path
        } else {
            data_path
        };
        let dest = (self.paths[dest_path].local, self.paths[dest_path].remote);
        self.reconfig_flush();
        let mut w = PacketWriter::new(buf, header, limit);
        let may_send_data = dest_path == data_path
            && matches!(
                self.state,
                State::Established | State::ShutdownPending | State::ShutdownReceived
            )
            && (!self.tx.is_empty() || self.rtx.has_marked());
        let auth_at = if self.auth.is_some() {
            let types = self.candidate_types(sack_due, may_send_data);
            self.begin_auth(&mut w, &types)
        } else {
            None
        };
        let base = w.chunk_count();
        // Control chunks first (RFC 9260 6.10).
        while let Some(c) = self.control.front() {
            if !push_whole(&mut w, c) {
                if w.chunk_count() == base {
                    self.control.pop_front(); // cannot fit any packet: drop
                    continue;
                }
                break;
            }
            self.control.pop_front();
        }
        if self.send_shutdown_ack && w.push_raw(ty::SHUTDOWN_ACK, 0, &[]).is_ok() {
            self.send_shutdown_ack = false;
        }
        let a_rwnd = self.a_rwnd();
        let mut ecne = None;
        if let Some(rx) = self.rx.as_mut() {
            if sack_due {
                let dups = rx.dup_tsns();
                let written = if self.nr_sack {
                    // We never renege: every gap is non-renegable.
                    w.push_nr_sack(
                        0,
                        rx.cum_tsn().0,
                        a_rwnd,
                        std::iter::empty(),
                        rx.gap_blocks(),
                        dups.iter().copied(),
                    )
                } else {
                    w.push_sack(
                        0,
                        rx.cum_tsn().0,
                        a_rwnd,
                        rx.gap_blocks(),
                        dups.iter().copied(),
                    )
                };
                if written.is_ok() {
                    rx.sack_sent();
                    // The ECNE rides with every SACK until the sender's CWR
                    // covers it (RFC 9260 Appendix A); it goes last, after
                    // any DATA (usrsctp 0.9.5 stops reading a packet at an
                    // 8-byte ECNE).
                    ecne = self.ecne_tsn.filter(|_| self.ecn);
                }
            }
        }
        if self.send_shutdown {
            let cum = self.rx.as_ref().map_or(0, |r| r.cum_tsn().0);
            if w.push_raw(ty::SHUTDOWN, 0, &cum.to_be_bytes()).is_ok() {
                self.send_shutdown = false;
                if let Some(rx) = self.rx.as_mut() {
                    rx.sack_sent();
                }
            }
        }
        // CWR once per ECNE (RFC 9260 Appendix A).
        if let Some(c) = self.cwr_out.filter(|_| self.ecn) {
            if w.push_raw(ty::CWR, 0, &c.0.to_be_bytes()).is_ok() {
                self.cwr_out = None;
            }
        }
        if self.send_fwd_tsn && self.pr {
            // FORWARD TSN (RFC 3758 3.2): the new cumulative TSN and the
            // last skipped SSN of each ordered stream.
            if let Some((adv, skipped)) = self.rtx.forward_skips() {
                let mut v = Vec::with_capacity(4 + 8 * skipped.len());
                v.extend_from_slice(&adv.0.to_be_bytes());
                let chunk_type = if self.idata {
                    // I-FORWARD-TSN (RFC 8260 2.3.1): stream, U bit, MID.
                    for s in &skipped {
                        v.extend_from_slice(&s.stream.to_be_bytes());
                        v.extend_from_slice(&u16::from(s.unordered).to_be_bytes());
                        v.extend_from_slice(&s.mid.to_be_bytes());
                    }
                    ty::I_FORWARD_TSN
                } else {
                    for s in skipped.iter().filter(|s| !s.unordered) {
                        v.extend_from_slice(&s.stream.to_be_bytes());
                        v.extend_from_slice(&s.ssn.to_be_bytes());
                    }
                    ty::FORWARD_TSN
                };
                if w.push_raw(chunk_type, 0, &v).is_ok() {
                    self.send_fwd_tsn = false;
                    self.fwd_tsn_sent = Some(adv);
                    // C4: the T3-rtx timer runs so a lost FORWARD TSN is sent again.
                    if self.t3[data_path].is_none() {
                        self.t3[data_path] = Some(now + self.paths[data_path].rto);
                    }
                }
            } else {
                self.send_fwd_tsn = false;
            }
        }
        if dest_path == data_path
            && matches!(
                self.state,
                State::Established | State::ShutdownPending | State::ShutdownReceived
            )
            && !self.secure_holds_data()
        {
            self.write_data(now, &mut w, data_path, base);
        }
        if let Some(e) = ecne {
            let _ = w.push_raw(ty::ECNE, 0, &e.0.to_be_bytes());
        }
        if w.chunk_count() == base {
            return None;
        }
        self.seal(w, auth_at);
        Some(dest)
    }

    /// Writes the next chunk marked for retransmission (fast-retransmit ones
    /// only with `fast_only`); false when there is none or it does not fit.
    fn resend_one(
        &mut self,
        now: Instant,
        w: &mut PacketWriter<'_>,
        p: usize,
        fast_only: bool,
    ) -> bool {
        let Some(c) = self.rtx.next_marked(fast_only) else {
            return false;
        };
        let tsn = c.tsn;
        let payload = &c.data[c.range.clone()];
        let r = if self.idata {
            // I-DATA (RFC 8260 2.1): the PPID rides in the first fragment,
            // the FSN in the others.
            let ppid_or_fsn = if c.flags & 0x02 != 0 { c.ppid } else { c.fsn };
            w.push_idata(c.flags, c.tsn.0, c.stream, c.mid, ppid_or_fsn, payload)
        } else {
            w.push_data(c.flags, c.tsn.0, c.stream, c.ssn, c.ppid, payload)
        };
        if r.is_err() {
            return false;
        }
        self.rtx.resent(tsn, now, p, &mut self.flight);
        true
    }

    /// Retransmissions first, then new DATA, within cwnd and the peer's
    /// window (RFC 9260 6.1 A-D, 7.2.4).
    /// `base` chunks (an AUTH chunk) were written before any of this.
    fn write_data(&mut self, now: Instant, w: &mut PacketWriter<'_>, p: usize, base: usize) {
        let mut wrote_data = false;
        if self.pr {
            // Nothing abandoned is sent again (RFC 3758 3.5).
            self.pr_check(now, false);
        }
        // Fast retransmit: one packet's worth, whatever cwnd says (7.2.4 3);
        // then T3-rtx retransmissions, within cwnd.
        while self.resend_one(now, w, p, true) {
            wrote_data = true;
        }
        while self.flight[p] < self.paths[p].cwnd && self.resend_one(now, w, p, false) {
            wrote_data = true;
        }
        // New data, unless retransmissions still wait (RFC 9260 6.1 C).
        if !self.rtx.has_marked() {
            loop {
                if self.tx.is_empty() || self.flight[p] >= self.paths[p].cwnd {
                    break;
                }
                let room = w.remaining();
                let header = if self.idata {
                    I_DATA_HEADER
                } else {
                    DATA_HEADER
                };
                if room < header + 4 {
                    break;
                }
                let max_payload = (room - header) & !3;
                // A message that fits a packet of its own is not cut to fill
                // this one (RFC 9260 6.9: fragment only what exceeds the MTU).
                // A packet of its own would start with the same AUTH chunk.
                let auth_len = match self.auth.as_ref() {
                    Some(a) if base > 0 => a.chunk_len(),
                    _ => 0,
                };
                let whole = (w.limit() - 12 - header - auth_len) & !3;
                if let Some(left) = self.tx.next_remaining() {
                    if left > max_payload && left <= whole && w.chunk_count() > base {
                        break;
                    }
                }
                // RFC 9260 6.1 A: within rwnd, except one probe when nothing
                // is in flight.
                let in_flight = self.rtx.unacked_bytes();
                if self.peer_rwnd == 0 && in_flight > 0 {
                    break;
                }
                let Some(piece) = self.tx.next_piece(max_payload) else {
                    break;
                };
                let tsn = self.rtx.next_tsn().0;
                // RFC 7053 4.2: the last chunk before the queue runs dry
                // asks for an immediate SACK.
                let mut piece = piece;
                if self.cfg.sack_immediately && self.tx.is_empty() {
                    piece.flags |= sctp_codec::chunk::flags::DATA_I;
                }
                let payload = &piece.data[piece.range.clone()];
                let written = if self.idata {
                    let ppid_or_fsn = if piece.fsn == 0 {
                        piece.ppid
                    } else {
                        piece.fsn
                    };
                    w.push_idata(
                        piece.flags,
                        tsn,
                        piece.stream,
                        piece.mid,
                        ppid_or_fsn,
                        payload,
                    )
                } else {
                    w.push_data(
                        piece.flags,
                        tsn,
                        piece.stream,
                        piece.ssn,
                        piece.ppid,
                        payload,
                    )
                };
                if written.is_err() {
                    // Sized to fit, so this cannot happen; keep the TSN order intact.
                    debug_assert!(false, "a piece cut to the room left did not fit");
                    break;
                }
                let len = piece.range.len();
                self.rtx.push_piece(piece, now, p);
                self.flight[p] += len;
                self.peer_rwnd = self.peer_rwnd.saturating_sub(len as u32);
                wrote_data = true;
            }
        }
        if wrote_data && self.t3[p].is_none() {
            // T3-rtx rule R1 (RFC 9260 6.3.2).
            self.t3[p] = Some(now + self.paths[p].rto);
        }
        if wrote_data {
            // Data is sent: the path is not idle, the heartbeat can wait.
            let hb = self.cfg.hb_interval;
            let rto = self.paths[p].rto;
            if self.paths[p].heartbeat_out.is_none() {
                self.paths[p].heartbeat_at = Some(now + rto + hb);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parameter types of an INIT value, read as the peer reads them.
    fn types(v: &[u8]) -> Vec<u16> {
        let mut out = Vec::new();
        let mut at = 16;
        while at + 4 <= v.len() {
            out.push(u16::from_be_bytes([v[at], v[at + 1]]));
            let len = u16::from_be_bytes([v[at + 2], v[at + 3]]) as usize;
            at += len.div_ceil(4) * 4;
        }
        out
    }

    /// The INIT in `sctp_send_initiate`'s order: Adaptation, ECN, PR-SCTP,
    /// Supported Extensions (0xc0 first), AUTH's RANDOM / HMAC-ALGO /
    /// CHUNKS, Cookie Preservative, Supported Address Types, addresses; a
    /// Cookie Preservative after a Stale Cookie error goes before Supported
    /// Address Types and keeps everything else.
    #[test]
    fn init_parameters_in_freebsd_order() {
        let cfg = Config {
            ecn: true,
            pr_sctp: true,
            auth: true,
            reconfig: true,
            adaptation_indication: Some(7),
            ..Config::default()
        };
        let local: [IpAddr; 2] = ["192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap()];
        let mut v = init_value(&cfg, 1, 2, 3);
        crate::association::auth::put_local_params(&mut v, &cfg, &[9; 32]);
        append_init_params(&mut v, &cfg, &local);
        let want = [
            param::ADAPTATION_LAYER_INDICATION,
            param::ECN_CAPABLE,
            param::FORWARD_TSN_SUPPORTED,
            param::SUPPORTED_EXTENSIONS,
            0x8002, // RANDOM
            0x8004, // HMAC-ALGO
            0x8003, // CHUNKS
            param::SUPPORTED_ADDRESS_TYPES,
            param::IPV4_ADDRESS,
            param::IPV4_ADDRESS,
        ];
        assert_eq!(types(&v), want);
        // Adaptation (8), ECN (4), Forward-TSN Supported (4), then the list.
        assert_eq!(&v[32..36], &[0x80, 0x08, 0, 7]);
        assert_eq!(&v[36..39], &[ty::FORWARD_TSN, ty::AUTH, ty::RE_CONFIG]);

        let end = feature_params_end(&v);
        v.truncate(end);
        put_tlv(&mut v, param::COOKIE_PRESERVATIVE, &2000u32.to_be_bytes());
        append_init_params(&mut v, &cfg, &local);
        let mut again = want.to_vec();
        again.insert(7, param::COOKIE_PRESERVATIVE);
        assert_eq!(types(&v), again);
    }
}
