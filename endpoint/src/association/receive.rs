//! Chunk handling for an existing association: the verification-tag rules
//! (RFC 9260 8.5), DATA (6.2), SACK (6.2.1, 7.2), HEARTBEAT (8.3),
//! SHUTDOWN (9.2), ABORT (9.1), ERROR, INIT ACK and COOKIE ACK (5.1), and
//! chunk types we do not know (3.2 action bits).

use std::net::SocketAddr;
use std::time::Instant;

use sctp_codec::chunk::{flags, ty};
use sctp_codec::view::ChunkView;
use sctp_codec::PacketView;

use super::reassembly::Fragment;
use super::{transmit, Association, Negotiated, State};
use crate::events::{AssocChange, Event, Reason};
use crate::rules::{self, TagRule, UnknownParam};
use crate::wire::{cause, param, put_tlv, u32_at};

impl Association {
    /// Whether a packet with verification tag `vtag` whose first chunk is
    /// `first` belongs to this association (RFC 9260 8.5 and 8.5.1).
    pub(crate) fn tag_ok(&self, vtag: u32, first: &ChunkView<'_>) -> bool {
        TagRule::of(first.ty(), first.flags()).accepts(vtag, self.local_tag, self.peer_tag)
            || self.nat_reflected_tag_ok(vtag, first)
    }

    /// Handles the chunks of `view` from the `skip`-th on (the endpoint took
    /// the ones before: INIT, COOKIE ECHO).
    pub(crate) fn handle_chunks(
        &mut self,
        now: Instant,
        from: SocketAddr,
        view: &PacketView<'_>,
        skip: usize,
    ) {
        // S-SCTP: AUTH checked, EncData decrypted (draft-hohendorf-secure-sctp-15 7).
        if self.secure_receive(now, from, view, skip) {
            return;
        }
        let path = self.path_of(from);
        let mut had_data = false;
        // The lowest TSN of DATA in a packet marked CE (RFC 9260 App. A).
        let mut ce_tsn: Option<crate::serial::Tsn> = None;
        let mut immediate = false;
        // A valid AUTH chunk came before this point (RFC 4895 6.3).
        let mut authenticated = false;
        for c in view.chunks().skip(skip) {
            if self.state == State::Closed {
                return;
            }
            if let Some(a) = self.auth.as_mut() {
                if c.ty() == ty::AUTH {
                    match a.check(&view.bytes()[c.offset()..]) {
                        Ok(()) => {
                            authenticated = true;
                            continue;
                        }
                        // RFC 4895 6.3: the AUTH chunk and every chunk
                        // after it are discarded, silently unless the HMAC
                        // Identifier is one we did not offer.
                        Err(super::auth::Rejected::Silently) => break,
                        Err(super::auth::Rejected::UnsupportedHmac(id)) => {
                            let mut v = Vec::new();
                            put_tlv(
                                &mut v,
                                cause::UNSUPPORTED_HMAC_IDENTIFIER,
                                &id.to_be_bytes(),
                            );
                            let mut chunk = Vec::new();
                            transmit::chunk_bytes(&mut chunk, ty::ERROR, 0, &v);
                            self.control.push_back(chunk);
                            break;
                        }
                    }
                }
                if !authenticated && a.local_chunks.contains(c.ty()) {
                    // RFC 4895 6.3: a chunk we asked to be authenticated
                    // that comes without AUTH is discarded.
                    a.count_unauthenticated();
                    continue;
                }
            }
            match c.ty() {
                ty::DATA | ty::I_DATA => {
                    had_data = true;
                    if self.rx_ce && self.ecn {
                        let t = c
                            .data()
                            .map(|d| d.tsn())
                            .or_else(|| c.idata().map(|d| d.tsn()))
                            .map(crate::serial::Tsn);
                        if let Some(t) = t {
                            if ce_tsn.is_none_or(|x| t.lt(x)) {
                                ce_tsn = Some(t);
                            }
                        }
                    }
                    self.rx_path = path;
                    immediate |= c.flags() & flags::DATA_I != 0;
                    // (I-DATA's I bit is the same bit: RFC 8260 2.1.)
                    if !self.on_data(&c) {
                        return;
                    }
                }
                ty::SACK => self.on_sack(now, &c),
                ty::NR_SACK if self.nr_sack => self.on_nr_sack(now, &c),
                ty::HEARTBEAT => {
                    // Back to where it came from (RFC 9260 8.3).
                    let mut chunk = Vec::with_capacity(c.bytes().len());
                    transmit::chunk_bytes(&mut chunk, ty::HEARTBEAT_ACK, 0, c.value());
                    self.directed.push_back((path, chunk));
                }
                ty::HEARTBEAT_ACK => self.on_heartbeat_ack(now, &c),
                ty::ABORT => {
                    if self.nat_abort(now, &c) {
                        return;
                    }
                    let causes = c.tlvs().map(|t| t.ty()).collect();
                    self.close(AssocChange::CommLost, Some(Reason::PeerAbort(causes)));
                    return;
                }
                ty::SHUTDOWN => self.on_shutdown(now, &c),
                ty::SHUTDOWN_ACK => self.on_shutdown_ack(),
                ty::SHUTDOWN_COMPLETE => {
                    if self.state == State::ShutdownAckSent {
                        self.close(AssocChange::ShutdownComplete, Some(Reason::Shutdown));
                    }
                    return;
                }
                ty::ERROR => self.on_error(now, &c),
                ty::COOKIE_ACK => {
                    if self.state == State::CookieEchoed {
                        if let Some(n) = self.pending.take() {
                            self.establish(&n);
                            self.start_heartbeats(now);
                        }
                    }
                }
                ty::INIT_ACK => {
                    if !self.on_init_ack(now, from, &c) {
                        return;
                    }
                }
                ty::ECNE => self.on_ecne(&c),
                ty::PKTDROP if self.pktdrop_on() => {
                    self.on_pktdrop(now, path, c.flags(), c.value())
                }
                ty::RE_CONFIG if self.reconfig.is_some() => self.on_reconfig(now, &c),
                ty::ASCONF if self.asconf.is_some() => self.on_asconf(now, from, &c),
                ty::ASCONF_ACK if self.asconf.is_some() => self.on_asconf_ack(now, &c),
                ty::CWR => {
                    // The sender cut its window: stop repeating the ECNE
                    // once the CWR covers its TSN (RFC 9260 Appendix A).
                    if let (Some(t), Some(e)) = (c.lowest_tsn(), self.ecne_tsn) {
                        if crate::serial::Tsn(t).ge(e) {
                            self.ecne_tsn = None;
                        }
                    }
                }
                ty::FORWARD_TSN | ty::I_FORWARD_TSN if self.cfg.pr_sctp => {
                    self.on_forward_tsn(now, &c)
                }
                ty::INIT | ty::COOKIE_ECHO => {} // handled by the endpoint
                0xD0..=0xD9 if self.secure.is_some() => self.on_secure_chunk(&c),
                _ => {
                    if !self.on_unknown(&c) {
                        return;
                    }
                }
            }
        }
        if self
            .pktdrop
            .as_mut()
            .is_some_and(|p| std::mem::take(&mut p.window_drop))
        {
            // usrsctp reports DATA it dropped for a full buffer (no B bit).
            self.report_dropped(now, view.bytes(), false);
        }
        if had_data {
            if let Some(t) = ce_tsn {
                // Congestion Experienced: tell the sender, at once and until
                // it answers with CWR.
                if self.ecne_tsn.is_none_or(|e| t.gt(e)) {
                    self.ecne_tsn = Some(t);
                }
                immediate = true;
            }
            if let Some(rx) = self.rx.as_mut() {
                rx.packet_with_data(now, immediate);
            }
            if self.state == State::ShutdownSent {
                // RFC 9260 9.2: answer each packet with DATA with SHUTDOWN.
                self.send_shutdown = true;
                self.t2 = Some(now + self.paths[self.primary].rto);
            }
        }
    }

    /// The path a packet from `from` arrived on (the primary if unknown).
    fn path_of(&self, from: SocketAddr) -> usize {
        self.paths
            .iter()
            .position(|p| p.remote.ip() == from.ip())
            .unwrap_or(self.primary)
    }

    /// DATA (RFC 9260 6.2) or I-DATA (RFC 8260 2.1). Returns false when
    /// the association was aborted.
    fn on_data(&mut self, c: &ChunkView<'_>) -> bool {
        if !matches!(
            self.state,
            State::Established | State::ShutdownPending | State::ShutdownSent
        ) {
            return true;
        }
        // RFC 8260 2.2: with I-DATA negotiated DATA is a protocol violation,
        // and I-DATA without it.
        let idata = c.ty() == ty::I_DATA;
        if idata != self.idata {
            self.protocol_violation(if idata {
                b"I-DATA chunk without I-DATA negotiated"
            } else {
                b"DATA chunk with I-DATA negotiated"
            });
            return false;
        }
        let fields = match (c.data(), c.idata()) {
            (Some(d), _) => Some((d.tsn(), d.stream(), d.payload())),
            (_, Some(d)) => Some((d.tsn(), d.stream(), d.payload())),
            _ => None,
        };
        let Some((tsn, stream, payload)) = fields else {
            self.protocol_violation(b"DATA chunk too short");
            return false;
        };
        if payload.is_empty() {
            // RFC 9260 6.2: ABORT with No User Data.
            let mut v = Vec::new();
            put_tlv(&mut v, cause::NO_USER_DATA, &tsn.to_be_bytes());
            self.queue_abort(&v, Reason::LocalAbort);
            return false;
        }
        if !self.accept_tsn(crate::serial::Tsn(tsn), stream) {
            return true;
        }
        let id = self.id;
        let events = &mut self.events;
        let unread = &mut self.unread;
        let deliver = |m: super::reassembly::Message| {
            *unread += m.data.len();
            events.push_back(Event::Message { id, message: m });
        };
        if let (Some(d), Some(r)) = (c.data(), self.reasm.as_mut()) {
            r.insert(
                Fragment {
                    tsn,
                    stream,
                    ssn: d.ssn(),
                    ppid: d.ppid(),
                    unordered: d.unordered(),
                    beginning: d.beginning(),
                    ending: d.ending(),
                    payload,
                },
                deliver,
            );
        } else if let (Some(d), Some(r)) = (c.idata(), self.ireasm.as_mut()) {
            r.insert(
                super::interleaved::IFragment {
                    tsn,
                    stream,
                    mid: d.mid(),
                    ppid_or_fsn: d.ppid_or_fsn(),
                    unordered: d.unordered(),
                    beginning: d.beginning(),
                    ending: d.ending(),
                    payload,
                },
                deliver,
            );
        }
        true
    }

    /// What DATA and I-DATA share (RFC 9260 6.2, 6.5): the TSN is in the
    /// window, there is room, it is new, and the stream exists. A TSN on a
    /// stream that does not exist is acknowledged and reported with an ERROR.
    fn accept_tsn(&mut self, tsn: crate::serial::Tsn, stream: u16) -> bool {
        let a_rwnd = self.a_rwnd();
        let streams = match (&self.reasm, &self.ireasm) {
            (_, Some(r)) if self.idata => r.streams(),
            (Some(r), _) => r.streams(),
            _ => return false,
        };
        let Some(rx) = self.rx.as_mut() else {
            return false;
        };
        // Far ahead of any window we could have advertised: drop. A TSN at
        // or behind the cumulative point (serially) is a duplicate, listed
        // in the next SACK, which goes at once (RFC 9260 6.2; FreeBSD's
        // `sctp_process_a_data_chunk` alike); until 12/2026 only the
        // cumulative TSN itself was, anything older was dropped unreported.
        if tsn.gt(rx.cum_tsn()) && tsn.distance_from(rx.cum_tsn()) > (1 << 24) {
            return false;
        }
        // RFC 9260 6.2: with no room left, drop TSNs beyond what we have
        // (the peer retransmits them once the window opens).
        if a_rwnd == 0 && tsn.gt(rx.cum_tsn()) && !rx.is_received(tsn) {
            rx.force_sack();
            if let Some(p) = self.pktdrop.as_mut() {
                p.window_drop = true;
            }
            return false;
        }
        if rx.observe(tsn) == super::data_tracker::Observed::Duplicate {
            return false;
        }
        if stream >= streams {
            // RFC 9260 6.5: acknowledge, report, discard.
            let mut v = Vec::new();
            let mut val = [0u8; 4];
            val[..2].copy_from_slice(&stream.to_be_bytes());
            put_tlv(&mut v, cause::INVALID_STREAM_IDENTIFIER, &val);
            let mut chunk = Vec::new();
            transmit::chunk_bytes(&mut chunk, ty::ERROR, 0, &v);
            self.control.push_back(chunk);
            rx.force_sack();
            return false;
        }
        true
    }

    /// SACK (RFC 9260 6.2.1, 7.2.1-7.2.4).
    fn on_sack(&mut self, now: Instant, c: &ChunkView<'_>) {
        if !matches!(
            self.state,
            State::Established
                | State::ShutdownPending
                | State::ShutdownReceived
                | State::ShutdownSent
        ) {
            return;
        }
        let Some(s) = c.sack() else {
            return;
        };
        let cum = crate::serial::Tsn(s.cum_tsn_ack());
        self.ack_up_to(
            now,
            cum,
            s.gap_blocks().filter(|(a, b)| a <= b && *a > 0),
            Some(s.a_rwnd()),
        );
    }

    /// NR-SACK: its Gap and NR Gap Ack Blocks both acknowledge (we keep
    /// NR-acked chunks until the cumulative ack passes them, which costs
    /// memory, never correctness).
    fn on_nr_sack(&mut self, now: Instant, c: &ChunkView<'_>) {
        if !matches!(
            self.state,
            State::Established
                | State::ShutdownPending
                | State::ShutdownReceived
                | State::ShutdownSent
        ) {
            return;
        }
        let Some(s) = c.nr_sack() else {
            return;
        };
        let mut gaps = std::mem::take(&mut self.gap_scratch);
        gaps.clear();
        gaps.extend(
            s.gap_blocks()
                .chain(s.nr_gap_blocks())
                .filter(|(a, b)| a <= b && *a > 0),
        );
        gaps.sort_unstable();
        let cum = crate::serial::Tsn(s.cum_tsn_ack());
        self.ack_up_to(now, cum, gaps.iter().copied(), Some(s.a_rwnd()));
        self.gap_scratch = gaps;
    }

    /// The common part of SACK and SHUTDOWN: cumulative ack, gaps, window.
    fn ack_up_to(
        &mut self,
        now: Instant,
        cum: crate::serial::Tsn,
        gaps: impl Iterator<Item = (u16, u16)>,
        a_rwnd: Option<u32>,
    ) {
        // Whether each path used its whole cwnd before this SACK (RFC 9260
        // 7.2.1); a fixed array: no allocation per SACK.
        let mut full = [false; 8];
        for (i, f) in full.iter_mut().enumerate().take(self.paths.len()) {
            *f = self.flight[i] + self.paths[i].mtu >= self.paths[i].cwnd;
        }
        let r = self.rtx.on_sack(cum, gaps, &mut self.flight);
        if r.stale {
            return;
        }
        let cfg = self.cfg.clone();
        if let Some((sent, p)) = r.rtt_from {
            if let Some(path) = self.paths.get_mut(p) {
                path.rtt_sample(now.saturating_duration_since(sent), &cfg);
            }
        }
        let in_recovery = self.rtx.in_recovery();
        for (i, path) in self.paths.iter_mut().enumerate() {
            let acked = r.acked_on.get(i).copied().unwrap_or(0);
            if acked == 0 {
                continue;
            }
            let was_full = full.get(i).copied().unwrap_or(true);
            path.on_acked(acked, r.cum_advanced, was_full, in_recovery);
            if path.state != super::path::PathState::Active {
                self.events.push_back(Event::PeerAddrChange {
                    id: self.id,
                    addr: path.remote,
                    available: true,
                });
            }
            path.on_reachable();
        }
        if r.newly_acked > 0 {
            self.errors = 0;
        }
        // A SACK that stops short of the last FORWARD TSN's point: the
        // peer did not get it, send it again (RFC 3758 3.5 C3).
        // Sent on every such SACK, as usrsctp does: the SACKs keep coming
        // while the peer gap-acks what follows the abandoned TSNs, and
        // a FORWARD TSN bundled with lost DATA is lost with it.
        let behind = self.fwd_tsn_sent.is_some_and(|s| self.rtx.cum_ack().lt(s));
        self.pr_check(now, behind);
        if r.fast_marked > 0 && self.rtx.enter_recovery() {
            self.paths[self.primary].on_fast_loss();
        }
        if let Some(w) = a_rwnd {
            self.peer_rwnd = w.saturating_sub(self.rtx.unacked_bytes() as u32);
        }
        // T3-rtx rules R2 and R3 (RFC 9260 6.3.2): stopped only when all
        // that was sent on the path is acknowledged (chunks marked for
        // retransmission or abandoned are not), else restarted when the
        // cumulative ack moved, or started if nothing runs it.
        for i in 0..self.paths.len() {
            if !self.rtx.unacked_on(i) {
                self.t3[i] = None;
            } else if r.cum_advanced || self.t3[i].is_none() {
                self.t3[i] = Some(now + self.paths[i].rto);
            }
        }
        if self.rtx.is_empty() && self.tx.is_empty() && !self.dry_notified {
            self.dry_notified = true;
            self.events.push_back(Event::SenderDry { id: self.id });
        }
        self.maybe_finish_shutdown(now);
    }

    fn on_heartbeat_ack(&mut self, now: Instant, c: &ChunkView<'_>) {
        // Our Heartbeat Info: path index (4 bytes), nonce (8 bytes).
        let v = c.value();
        if v.len() < 16 || u16::from_be_bytes([v[0], v[1]]) != param::HEARTBEAT_INFO {
            return;
        }
        let Some(i) = u32_at(v, 4) else { return };
        let nonce = ((u32_at(v, 8).unwrap_or(0) as u64) << 32) | u32_at(v, 12).unwrap_or(0) as u64;
        let cfg = self.cfg.clone();
        let Some(p) = self.paths.get_mut(i as usize) else {
            return;
        };
        if let Some((n, sent)) = p.heartbeat_out {
            if n == nonce {
                p.heartbeat_out = None;
                p.rtt_sample(now.saturating_duration_since(sent), &cfg);
                let newly_confirmed = !p.confirmed;
                p.confirmed = true;
                if p.state != super::path::PathState::Active || newly_confirmed {
                    self.events.push_back(Event::PeerAddrChange {
                        id: self.id,
                        addr: p.remote,
                        available: true,
                    });
                }
                p.on_reachable();
                self.errors = 0;
            }
        }
    }

    /// FORWARD TSN (RFC 3758 3.6): move the cumulative TSN past what the
    /// peer abandoned, drop its fragments, release the streams it names,
    /// and acknowledge at once.
    fn on_forward_tsn(&mut self, now: Instant, c: &ChunkView<'_>) {
        if !matches!(
            self.state,
            State::Established | State::ShutdownPending | State::ShutdownSent
        ) {
            return;
        }
        // FORWARD TSN goes with DATA, I-FORWARD-TSN with I-DATA (RFC 8260 2.3).
        let new_cum = match (c.forward_tsn(), c.i_forward_tsn()) {
            (Some(f), _) if !self.idata => f.new_cum_tsn(),
            (_, Some(f)) if self.idata => f.new_cum_tsn(),
            _ => return,
        };
        let Some(rx) = self.rx.as_mut() else {
            return;
        };
        let new_cum = crate::serial::Tsn(new_cum);
        if new_cum.le(rx.cum_tsn()) {
            // Old or duplicate: just say where we are (RFC 3758 3.6).
            rx.force_sack();
            return;
        }
        rx.forward_to(new_cum);
        rx.force_sack();
        let id = self.id;
        let events = &mut self.events;
        let unread = &mut self.unread;
        let deliver = |m: super::reassembly::Message| {
            *unread += m.data.len();
            events.push_back(Event::Message { id, message: m });
        };
        if let (Some(f), Some(r)) = (c.forward_tsn(), self.reasm.as_mut()) {
            r.forward(new_cum.0, f.streams(), deliver);
            self.report_pd_aborted(false);
        } else if let (Some(f), Some(r)) = (c.i_forward_tsn(), self.ireasm.as_mut()) {
            r.forward(
                f.streams().map(|(s, flags, mid)| (s, flags & 1 != 0, mid)),
                deliver,
            );
        }
        let _ = now;
    }

    /// ECNE (RFC 9260 Appendix A): cut the window once per window of data,
    /// as for a loss, and answer with CWR carrying the highest TSN sent.
    fn on_ecne(&mut self, c: &ChunkView<'_>) {
        if !self.ecn {
            return;
        }
        let Some(lowest) = c.lowest_tsn().map(crate::serial::Tsn) else {
            return;
        };
        let highest_sent = self.rtx.next_tsn().prev();
        if self.cwr_tsn.is_none_or(|r| lowest.gt(r)) {
            let p = self.primary;
            self.paths[p].on_fast_loss();
            self.cwr_tsn = Some(highest_sent);
        }
        self.cwr_out = Some(self.cwr_tsn.unwrap_or(highest_sent));
    }

    /// SHUTDOWN (RFC 9260 9.2).
    fn on_shutdown(&mut self, now: Instant, c: &ChunkView<'_>) {
        let Some(cum) = c.shutdown_cum_tsn_ack() else {
            return;
        };
        match self.state {
            State::Established | State::ShutdownPending => {
                self.state = State::ShutdownReceived;
                self.events.push_back(Event::ShutdownEvent { id: self.id });
            }
            State::ShutdownSent => {
                // Both sides shut down at once: answer with SHUTDOWN ACK.
                self.state = State::ShutdownAckSent;
                self.send_shutdown_ack = true;
                self.send_shutdown = false;
                self.t2 = Some(now + self.paths[self.primary].rto);
            }
            State::ShutdownReceived | State::ShutdownAckSent => {}
            _ => return,
        }
        self.ack_up_to(now, crate::serial::Tsn(cum), std::iter::empty(), None);
        self.maybe_finish_shutdown(now);
    }

    fn on_shutdown_ack(&mut self) {
        match self.state {
            State::ShutdownSent | State::ShutdownAckSent => {
                self.send_shutdown_complete = true;
                self.close(AssocChange::ShutdownComplete, Some(Reason::Shutdown));
            }
            _ => {}
        }
    }

    /// ERROR (RFC 9260 3.3.10): tell the application; a Stale Cookie in
    /// COOKIE-ECHOED starts again with a Cookie Preservative (5.2.6).
    fn on_error(&mut self, now: Instant, c: &ChunkView<'_>) {
        self.secure_error(c);
        self.nat_error(now, c);
        let causes: Vec<u16> = c.tlvs().map(|t| t.ty()).collect();
        if self.state == State::CookieEchoed && causes.contains(&cause::STALE_COOKIE) {
            let staleness_us = c
                .tlvs()
                .find(|t| t.ty() == cause::STALE_COOKIE)
                .and_then(|t| u32_at(t.value(), 0))
                .unwrap_or(0);
            self.t1_count += 1;
            if self.t1_count > self.cfg.max_init_retrans {
                self.close(AssocChange::CantStartAssoc, Some(Reason::Timeout));
                return;
            }
            // The same INIT with a Cookie Preservative (RFC 9260 5.2.6),
            // where FreeBSD's `sctp_send_initiate` puts it: after the
            // feature and AUTH parameters, before Supported Address Types.
            let ms = (staleness_us / 1000).saturating_mul(2).max(1000);
            let keep = transmit::feature_params_end(&self.init_value);
            self.init_value.truncate(keep);
            put_tlv(
                &mut self.init_value,
                param::COOKIE_PRESERVATIVE,
                &ms.to_be_bytes(),
            );
            transmit::append_init_params(&mut self.init_value, &self.cfg, &self.local_addrs);
            self.state = State::CookieWait;
            self.peer_tag = 0;
            self.send_handshake = true;
            self.t1 = Some(now + self.paths[self.primary].rto);
            return;
        }
        self.events.push_back(Event::RemoteError {
            id: self.id,
            causes,
            chunk: c.bytes().to_vec(),
        });
    }

    /// INIT ACK in COOKIE-WAIT (RFC 9260 5.1 C); elsewhere discarded (5.2.3).
    /// Returns false when the association was aborted.
    fn on_init_ack(&mut self, now: Instant, from: SocketAddr, c: &ChunkView<'_>) -> bool {
        if self.state != State::CookieWait {
            return true;
        }
        let Some(init) = c.init() else {
            // Too short to hold its fixed fields: discarded; T1-init sends
            // INIT again (as FreeBSD does).
            return true;
        };
        if init.initiate_tag() == 0 || init.outbound_streams() == 0 || init.inbound_streams() == 0 {
            // RFC 9260 5.1.2 / 3.3.3: Invalid Mandatory Parameter.
            self.peer_tag = init.initiate_tag();
            let mut v = Vec::new();
            put_tlv(&mut v, cause::INVALID_MANDATORY_PARAMETER, &[]);
            self.queue_abort(&v, Reason::LocalAbort);
            return false;
        }
        let mut cookie = None;
        let mut pr = false;
        let mut idata = false;
        let mut ifwd = false;
        let mut ecn = false;
        let mut zero_checksum = false;
        let mut reconfig = false;
        let mut nr_sack = false;
        let mut ssctp = false;
        let mut asconf = false;
        let mut pktdrop = false;
        let mut nat = false;
        let mut adaptation = None;
        let mut peer_auth = super::auth::PeerParams::default();
        self.init_ack_unrecognized.clear();
        for p in init.params() {
            if self.cfg.auth && peer_auth.offer(p.ty(), p.value()) {
                continue;
            }
            match p.ty() {
                param::STATE_COOKIE => cookie = Some(p.value()),
                param::FORWARD_TSN_SUPPORTED => pr = true,
                param::ECN_CAPABLE => ecn = true,
                param::ZERO_CHECKSUM_ACCEPTABLE => {
                    zero_checksum = self.cfg.zero_checksum_edmid.is_some()
                        && u32_at(p.value(), 0) == self.cfg.zero_checksum_edmid;
                }
                param::SUPPORTED_EXTENSIONS => {
                    idata = p.value().contains(&ty::I_DATA);
                    reconfig = p.value().contains(&ty::RE_CONFIG);
                    nr_sack = p.value().contains(&ty::NR_SACK);
                    ssctp = self.cfg.secure.is_some() && p.value().contains(&0xD0);
                    asconf = p.value().contains(&ty::ASCONF) && p.value().contains(&ty::ASCONF_ACK);
                    ifwd = p.value().contains(&ty::I_FORWARD_TSN);
                    pktdrop = p.value().contains(&ty::PKTDROP);
                }
                param::DISABLE_RESTART if self.cfg.nat_support => nat = true,
                param::ADAPTATION_LAYER_INDICATION => adaptation = u32_at(p.value(), 0),
                param::HOST_NAME_ADDRESS => {
                    // RFC 9260 5.1.2: we do not resolve host names: ABORT
                    // with Unresolvable Address holding the parameter.
                    self.peer_tag = init.initiate_tag();
                    let mut v = Vec::new();
                    crate::wire::put_tlv_with(&mut v, cause::UNRESOLVABLE_ADDRESS, |o| {
                        put_tlv(o, p.ty(), p.value())
                    });
                    self.queue_abort(&v, Reason::LocalAbort);
                    return false;
                }
                param::IPV4_ADDRESS | param::IPV6_ADDRESS => {
                    // More destinations (RFC 9260 5.1.2), unconfirmed until a
                    // HEARTBEAT comes back from them (5.4); only families we
                    // have an address of.
                    if let Some(ip) = rules::param_address(p.ty(), p.value()) {
                        let port = self.paths[self.primary].remote.port();
                        if self.local_addrs.iter().any(|l| l.is_ipv4() == ip.is_ipv4()) {
                            self.add_path(SocketAddr::new(ip, port), false);
                        }
                    }
                }
                t if rules::known_init_param(t, true) => {}
                t => {
                    // RFC 9260 3.2.1 action bits: report with 01 and 11.
                    let action = UnknownParam::of(t);
                    if action.report {
                        let mut v = Vec::new();
                        put_tlv(&mut v, t, p.value());
                        put_tlv(
                            &mut self.init_ack_unrecognized,
                            cause::UNRECOGNIZED_PARAMETERS,
                            &v,
                        );
                    }
                    if !action.skip {
                        break;
                    }
                }
            }
        }
        let Some(cookie) = cookie else {
            // RFC 9260 5.1.2 / 3.3.10.2: Missing Mandatory Parameter.
            self.peer_tag = init.initiate_tag();
            let mut v = Vec::new();
            let mut val = Vec::new();
            val.extend_from_slice(&1u32.to_be_bytes());
            val.extend_from_slice(&param::STATE_COOKIE.to_be_bytes());
            put_tlv(&mut v, cause::MISSING_MANDATORY_PARAMETER, &val);
            self.queue_abort(&v, Reason::LocalAbort);
            return false;
        };
        self.cookie.clear();
        self.cookie.extend_from_slice(cookie);
        // The INIT ACK's source is an address of the peer too (it may not
        // be the one our INIT went to, nor listed): a confirmed path.
        if !self.paths.iter().any(|p| p.remote.ip() == from.ip()) {
            self.add_path(from, true);
        }
        self.peer_tag = init.initiate_tag();
        let auth = peer_auth
            .vector()
            .map(|peer_vector| super::auth::AuthNegotiated {
                local_vector: self.auth_local_vector.clone(),
                peer_vector,
            });
        if auth.is_none() && self.cfg.auth && self.cfg.auth_required {
            self.protocol_violation(b"the peer does not offer SCTP-AUTH, which we require");
            return false;
        }
        if !self.secure_accepts_peer(ssctp) {
            // Our S-SCTP requirement refuses a peer without it (policy-hooks.md).
            self.peer_tag = init.initiate_tag();
            self.queue_abort(&Self::secure_refusal_causes(), Reason::LocalAbort);
            return false;
        }
        let outbound = self.streams_requested.min(init.inbound_streams());
        let inbound = init.outbound_streams().min(self.cfg.max_inbound_streams);
        self.pending = Some(Negotiated {
            local_tag: self.local_tag,
            peer_tag: init.initiate_tag(),
            local_tsn: self.local_tsn,
            peer_tsn: init.initial_tsn(),
            peer_rwnd: init.a_rwnd(),
            outbound,
            inbound,
            pr,
            idata,
            ifwd,
            ecn,
            auth,
            zero_checksum,
            reconfig,
            nr_sack,
            ssctp,
            asconf,
            pktdrop,
            nat,
            adaptation,
        });
        if let Some(n) = self.pending.clone() {
            self.set_auth(&n);
        }
        // RFC 9653 5.2: from COOKIE ECHO on, zero checksums both ways.
        self.zero_checksum = zero_checksum;
        self.tx.set_streams(outbound);
        self.peer_rwnd = init.a_rwnd();
        // RFC 9260 5.1 C: stop T1-init, send COOKIE ECHO, start T1-cookie.
        self.state = State::CookieEchoed;
        self.t1_count = 0;
        self.send_handshake = true;
        self.t1 = Some(now + self.paths[self.primary].rto);
        true
    }

    /// A chunk type we do not know (RFC 9260 3.2): the action bits decide.
    /// Returns false when the rest of the packet must be skipped.
    fn on_unknown(&mut self, c: &ChunkView<'_>) -> bool {
        let bits = c.ty() >> 6;
        if bits & 1 == 1 {
            let mut v = Vec::new();
            // The chunk as received, padding included (FreeBSD and Linux do
            // so; RFC 9260 3.3.10.6 does not say).
            let mut whole = Vec::with_capacity(c.bytes().len() + 3);
            whole.extend_from_slice(c.bytes());
            whole.extend_from_slice(c.padding());
            put_tlv(&mut v, cause::UNRECOGNIZED_CHUNK_TYPE, &whole);
            let mut chunk = Vec::new();
            transmit::chunk_bytes(&mut chunk, ty::ERROR, 0, &v);
            self.control.push_back(chunk);
        }
        bits & 2 == 2
    }

    fn protocol_violation(&mut self, what: &[u8]) {
        let mut v = Vec::new();
        put_tlv(&mut v, cause::PROTOCOL_VIOLATION, what);
        self.queue_abort(&v, Reason::LocalAbort);
    }
}
