//! What ASCONF (RFC 5061) does to an association's addresses: the
//! application's operations (add or delete one of our addresses, ask the
//! peer to make one our primary), the peer's ASCONF applied to the paths and
//! answered with an ASCONF-ACK to where it came from, our ASCONF-ACKs
//! applied to our addresses, the T-4 RTO retransmission timer, and the
//! events.

use std::net::SocketAddr;
use std::time::Instant;

use sctp_codec::chunk::ty;
use sctp_codec::view::ChunkView;

use super::asconf::{cause, AddressOp, SerialCheck};
use super::path::PathState;
use super::{transmit, Association, State};
use crate::events::Event;

/// Why an address operation was not started (RFC 6458 `sctp_bindx` errors
/// in spirit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsconfError {
    /// No such association.
    NoAssociation,
    /// ASCONF (with the AUTH it needs) was not negotiated (RFC 5061 4.1).
    NotNegotiated,
    /// The association is not established.
    NotEstablished,
    /// Not one of the association's addresses.
    UnknownAddress,
    /// The association's last address cannot be deleted.
    LastAddress,
}

impl std::fmt::Display for AsconfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AsconfError::NoAssociation => "no such association",
            AsconfError::NotNegotiated => "ASCONF (with AUTH) was not negotiated",
            AsconfError::NotEstablished => "the association is not established",
            AsconfError::UnknownAddress => "not an address of the association",
            AsconfError::LastAddress => "the association's last address",
        })
    }
}

impl std::error::Error for AsconfError {}

impl Association {
    /// Queues an address operation of the application (RFC 5061 5.1).
    pub(crate) fn asconf_request(
        &mut self,
        now: Instant,
        op: AddressOp,
    ) -> Result<(), AsconfError> {
        if self.asconf.is_none() {
            return Err(AsconfError::NotNegotiated);
        }
        if self.state != State::Established {
            return Err(AsconfError::NotEstablished);
        }
        match op {
            AddressOp::Add(_) => {}
            AddressOp::Delete(ip) => {
                if !self.local_addrs.contains(&ip) {
                    return Err(AsconfError::UnknownAddress);
                }
                if self.local_addrs.len() < 2 {
                    return Err(AsconfError::LastAddress);
                }
            }
            AddressOp::SetPrimary(ip) => {
                if !self.local_addrs.contains(&ip) {
                    return Err(AsconfError::UnknownAddress);
                }
            }
        }
        if let Some(a) = self.asconf.as_mut() {
            a.queued.push_back(op);
        }
        self.asconf_pump(now);
        Ok(())
    }

    /// Sends the queued operations in one ASCONF when none is outstanding.
    pub(crate) fn asconf_pump(&mut self, now: Instant) {
        let lookup = self.paths[self.primary].local;
        let lookup = if lookup.is_unspecified() {
            self.local_addr
        } else {
            lookup
        };
        let Some(a) = self.asconf.as_mut() else {
            return;
        };
        if let Some(sent) = a.start_next(lookup) {
            let mut c = Vec::with_capacity(4 + sent.value.len());
            transmit::chunk_bytes(&mut c, ty::ASCONF, 0, &sent.value);
            self.control.push_back(c);
            self.asconf_timer = Some(now + self.paths[self.primary].rto);
        }
    }

    /// T-4 RTO expired: the ASCONF goes again (RFC 5061 5.1 C4-C5), as an
    /// error of the association and of its path.
    pub(crate) fn on_asconf_timeout(&mut self, now: Instant) {
        let cfg = self.cfg.clone();
        let value = match self.asconf.as_ref().and_then(|a| a.outstanding.as_ref()) {
            Some(sent) => sent.value.clone(),
            None => {
                self.asconf_timer = None;
                return;
            }
        };
        let mut c = Vec::with_capacity(4 + value.len());
        transmit::chunk_bytes(&mut c, ty::ASCONF, 0, &value);
        self.control.push_back(c);
        let p = &mut self.paths[self.primary];
        p.back_off(&cfg);
        self.asconf_timer = Some(now + p.rto);
        self.errors += 1;
        if self.errors > cfg.assoc_max_retrans {
            self.queue_abort(&[], crate::events::Reason::Timeout);
        }
    }

    /// A peer's ASCONF (RFC 5061 5.2): each operation applied in order, the
    /// ASCONF-ACK sent back to the packet's source.
    pub(crate) fn on_asconf(&mut self, now: Instant, from: SocketAddr, c: &ChunkView<'_>) {
        let Some((serial, ops)) = super::asconf::parse_asconf(c.value()) else {
            return;
        };
        let src_path = self
            .paths
            .iter()
            .position(|p| p.remote.ip() == from.ip())
            .unwrap_or(self.primary);
        let check = match self.asconf.as_ref() {
            Some(a) => a.check(serial),
            None => return,
        };
        let ack = match check {
            SerialCheck::Discard => return,
            SerialCheck::Repeat => self
                .asconf
                .as_ref()
                .and_then(|a| a.last_ack())
                .map(<[u8]>::to_vec),
            SerialCheck::New => {
                let mut results = Vec::with_capacity(ops.len());
                for o in &ops {
                    let op = match o.op {
                        AddressOp::Add(_) if o.wildcard => AddressOp::Add(from.ip()),
                        AddressOp::Delete(_) if o.wildcard => AddressOp::Delete(from.ip()),
                        op => op,
                    };
                    results.push((o.correlation, self.apply_peer_op(now, from, op)));
                }
                self.asconf
                    .as_mut()
                    .map(|a| a.acknowledge(serial, &results))
            }
        };
        if let Some(v) = ack {
            let mut c = Vec::with_capacity(4 + v.len());
            transmit::chunk_bytes(&mut c, ty::ASCONF_ACK, 0, &v);
            self.directed.push_back((src_path, c));
        }
    }

    /// One operation of a peer's ASCONF; the error cause when refused.
    fn apply_peer_op(&mut self, now: Instant, from: SocketAddr, op: AddressOp) -> Option<u16> {
        let id = self.id;
        let live = |p: &super::path::Path| !p.removed;
        match op {
            AddressOp::Add(ip) => {
                if !self.local_addrs.iter().any(|l| l.is_ipv4() == ip.is_ipv4()) {
                    return Some(cause::UNRESOLVABLE_ADDRESS);
                }
                let port = self.paths[self.primary].remote.port();
                let i = self.add_path(SocketAddr::new(ip, port), false);
                let p = &mut self.paths[i];
                if p.removed {
                    p.removed = false;
                    p.state = PathState::Active;
                    p.errors = 0;
                    p.confirmed = false;
                }
                // Probed at once (RFC 9260 5.4 via RFC 5061 5.2).
                p.heartbeat_at = Some(now);
                self.events.push_back(Event::AddressConfigured {
                    id,
                    addr: ip,
                    local: false,
                    op,
                    error: None,
                });
                None
            }
            AddressOp::Delete(ip) => {
                let Some(i) = self.live_path(ip) else {
                    return Some(cause::UNRESOLVABLE_ADDRESS);
                };
                if self.paths.iter().filter(|p| live(p)).count() < 2 {
                    return Some(cause::DELETE_LAST_REMAINING);
                }
                if ip == from.ip() {
                    return Some(cause::DELETE_SOURCE);
                }
                self.remove_path(i);
                self.events.push_back(Event::AddressConfigured {
                    id,
                    addr: ip,
                    local: false,
                    op,
                    error: None,
                });
                None
            }
            AddressOp::SetPrimary(ip) => {
                let Some(i) = self.live_path(ip) else {
                    return Some(cause::UNRESOLVABLE_ADDRESS);
                };
                self.primary = i;
                self.events.push_back(Event::AddressConfigured {
                    id,
                    addr: ip,
                    local: false,
                    op,
                    error: None,
                });
                None
            }
        }
    }

    /// The path to `ip` that the peer has not deleted.
    fn live_path(&self, ip: std::net::IpAddr) -> Option<usize> {
        self.paths
            .iter()
            .position(|p| p.remote.ip() == ip && !p.removed)
    }

    /// Makes the live destination `remote` the primary (RFC 6458 8.1.8).
    pub(crate) fn set_primary(&mut self, remote: std::net::IpAddr) -> bool {
        match self.live_path(remote) {
            Some(i) => {
                self.primary = i;
                true
            }
            None => false,
        }
    }

    /// Stops using path `i` (deleted by the peer): what was in flight on
    /// it goes again elsewhere; the primary moves if it was this one.
    fn remove_path(&mut self, i: usize) {
        let p = &mut self.paths[i];
        p.removed = true;
        p.state = PathState::Inactive;
        p.confirmed = false;
        p.heartbeat_at = None;
        p.heartbeat_out = None;
        self.rtx.on_t3_expiry(i, &mut self.flight);
        self.t3[i] = None;
        if self.primary == i {
            let next = self
                .paths
                .iter()
                .position(|p| !p.removed && p.confirmed && p.state == PathState::Active)
                .or_else(|| self.paths.iter().position(|p| !p.removed));
            if let Some(n) = next {
                self.primary = n;
            }
        }
    }

    /// Our ASCONF's ASCONF-ACK (RFC 5061 5.3): each operation takes effect
    /// or failed with the cause given; none listed means success.
    pub(crate) fn on_asconf_ack(&mut self, now: Instant, c: &ChunkView<'_>) {
        let id = self.id;
        let Some((serial, results)) = super::asconf::parse_asconf_ack(c.value()) else {
            return;
        };
        let Some(sent) = self
            .asconf
            .as_mut()
            .and_then(|a| a.outstanding.take_if(|s| s.serial == serial))
        else {
            return;
        };
        self.asconf_timer = None;
        for (corr, op) in sent.ops {
            let error = results
                .iter()
                .find(|(c, _)| *c == corr)
                .and_then(|(_, causes)| causes.first().copied());
            if error.is_none() {
                match op {
                    AddressOp::Add(ip) => {
                        if !self.local_addrs.contains(&ip) {
                            self.local_addrs.push(ip);
                        }
                        // Paths to the new address's subnet now leave from
                        // it (the source a destination's route would pick).
                        for k in 0..self.paths.len() {
                            let remote = self.paths[k].remote.ip();
                            self.paths[k].local = self.best_local(remote);
                        }
                    }
                    AddressOp::Delete(ip) => {
                        self.local_addrs.retain(|l| *l != ip);
                        for k in 0..self.paths.len() {
                            if self.paths[k].local == ip {
                                let remote = self.paths[k].remote.ip();
                                self.paths[k].local = self.best_local(remote);
                            }
                        }
                        if self.local_addr == ip {
                            if let Some(l) = self.local_addrs.first() {
                                self.local_addr = *l;
                            }
                        }
                    }
                    AddressOp::SetPrimary(_) => {}
                }
            }
            self.events.push_back(Event::AddressConfigured {
                id,
                addr: op.addr(),
                local: true,
                op,
                error,
            });
        }
        self.asconf_pump(now);
    }
}
