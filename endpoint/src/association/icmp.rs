//! An ICMP error the endpoint routed to this association (RFC 9260
//! Appendix C ICMP6-ICMP9, 7.3): the tag check, path MTU, unreachable
//! destinations and Protocol Unreachable as an ABORT (in COOKIE-WAIT, or
//! always with `Config::icmp_unreachable_aborts`).

use sctp_codec::chunk::ty;

use super::{path::PathState, Association, State};
use crate::events::{AssocChange, Event, Reason};
use crate::icmp::{mtu_floor, plateau_below, IcmpError, IcmpKind};

/// What an ICMP error did to an association.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IcmpOutcome {
    /// Dropped: a wrong tag, or too little quoted to check it (ICMP6).
    BadTag,
    /// Ignored by rule (ICMP1-ICMP4, ICMP8 with an INIT outside
    /// COOKIE-WAIT, a Packet Too Big that lowers nothing).
    Ignored,
    /// Acted on.
    Handled,
}

impl Association {
    /// RFC 9260 Appendix C ICMP6: the quoted tag must be the peer's (the
    /// one our packets carry); a zero tag only for our INIT, checked by
    /// its Initiate Tag, which is ours (as FreeBSD's `sctp_ctlinput` and
    /// Linux's `sctp_err_lookup` check it), when enough was quoted.
    /// Returns whether the quote is an INIT.
    fn icmp_tag(&self, sctp: &[u8]) -> Result<bool, ()> {
        let vtag = u32::from_be_bytes([sctp[4], sctp[5], sctp[6], sctp[7]]);
        if vtag != 0 {
            return if vtag == self.peer_tag {
                Ok(false)
            } else {
                Err(())
            };
        }
        // Common header (12), chunk header (4), Initiate Tag (4).
        if sctp.len() >= 20
            && sctp[12] == ty::INIT
            && u32::from_be_bytes([sctp[16], sctp[17], sctp[18], sctp[19]]) == self.local_tag
        {
            Ok(true)
        } else {
            Err(())
        }
    }

    /// Handles an ICMP error quoting one of our packets to `e.remote`.
    pub(crate) fn handle_icmp(&mut self, e: &IcmpError<'_>) -> IcmpOutcome {
        if self.state == State::Closed {
            return IcmpOutcome::Ignored;
        }
        let Ok(init) = self.icmp_tag(e.sctp) else {
            return IcmpOutcome::BadTag;
        };
        let Some(i) = self
            .paths
            .iter()
            .position(|p| p.remote.ip() == e.remote.ip())
        else {
            return IcmpOutcome::Ignored;
        };
        match e.kind {
            IcmpKind::FragNeeded { mtu } => {
                if !self.lower_path_mtu(i, e, mtu as usize) {
                    return IcmpOutcome::Ignored;
                }
            }
            // ICMP8; Port Unreachable is SCTP's Protocol Unreachable only
            // over UDP (RFC 6951 5.5), else ignored (ICMP3).
            IcmpKind::ProtocolUnreachable | IcmpKind::PortUnreachable => {
                if e.kind == IcmpKind::PortUnreachable && !e.udp {
                    return IcmpOutcome::Ignored;
                }
                if init && self.state != State::CookieWait {
                    return IcmpOutcome::Ignored;
                }
                if !init && !self.cfg.icmp_unreachable_aborts {
                    return IcmpOutcome::Ignored;
                }
                self.icmp_event(i, e.kind);
                // "Treat this message as an abort": as an ABORT received
                // (no ABORT goes out; the peer has no SCTP to read it).
                self.close(AssocChange::CommLost, Some(Reason::PeerAbort(Vec::new())));
                return IcmpOutcome::Handled;
            }
            // ICMP9: the destination is unreachable (as FreeBSD's
            // `sctp_notify` marks it), until a heartbeat or an
            // acknowledgement on it says otherwise.
            IcmpKind::Unreachable { .. } => {
                let p = &mut self.paths[i];
                if p.state != PathState::Inactive {
                    p.state = PathState::Inactive;
                    p.errors = p.errors.max(self.cfg.path_max_retrans + 1);
                    let addr = p.remote;
                    self.events.push_back(Event::PeerAddrChange {
                        id: self.id,
                        addr,
                        available: false,
                    });
                }
            }
            IcmpKind::Other { .. } => return IcmpOutcome::Ignored,
        }
        self.icmp_event(i, e.kind);
        IcmpOutcome::Handled
    }

    fn icmp_event(&mut self, i: usize, kind: IcmpKind) {
        self.events.push_back(Event::IcmpReceived {
            id: self.id,
            addr: self.paths[i].remote,
            kind,
            path_mtu: self.paths[i].mtu,
        });
    }

    /// Fragmentation Needed / Packet Too Big (RFC 9260 7.3, RFC 1191,
    /// RFC 8201): the path's packet size goes down to what the next-hop
    /// MTU leaves for SCTP (never below the floor of
    /// [`crate::icmp::mtu_floor`], never up), and DATA chunks in flight
    /// that no longer fit are marked for retransmission at once, without
    /// counting it as a loss (no cwnd cut), as FreeBSD's
    /// `sctp_pathmtu_adjustment` does. They cannot be cut again (their
    /// TSNs are taken), so they go alone in a packet above the new size
    /// ([`crate::Transmit::fragment`] tells the driver the IP layer may
    /// fragment it, as FreeBSD's `CHUNK_FLAGS_FRAGMENT_OK`). Returns false
    /// when nothing changed.
    fn lower_path_mtu(&mut self, i: usize, e: &IcmpError<'_>, mtu: usize) -> bool {
        let v6 = e.remote.is_ipv6();
        let mtu = if mtu == 0 {
            plateau_below(e.quoted_len)
        } else {
            mtu
        };
        let ip = mtu.max(mtu_floor(v6));
        let overhead = if v6 { 40 } else { 20 } + if e.udp { 8 } else { 0 };
        let size = ip - overhead;
        let before = self.packet_size();
        let p = &mut self.paths[i];
        if size >= p.mtu {
            return false;
        }
        p.mtu = size;
        p.icmp_mtu = Some(size);
        let after = self.packet_size();
        if after < before {
            let data_header = if self.idata { 20 } else { 16 };
            let room = after - 12 - data_header - self.auth.as_ref().map_or(0, |a| a.chunk_len());
            self.rtx.mark_larger_than(room, &mut self.flight);
        }
        true
    }

    /// The association's packet size: its smallest path MTU (as an SCTP
    /// packet), what messages are cut to (RFC 9260 6.9, 7.3).
    pub(crate) fn packet_size(&self) -> usize {
        self.paths
            .iter()
            .filter(|p| !p.removed)
            .map(|p| p.mtu)
            .min()
            .unwrap_or(self.cfg.max_packet)
            .min(self.cfg.max_packet)
    }
}
