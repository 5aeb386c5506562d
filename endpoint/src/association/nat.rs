//! NAT support for an SCTP end host (draft-ietf-tsvwg-natsupp-23, as
//! usrsctp implements it: `sctp_handle_nat_colliding_state`,
//! `sctp_handle_nat_missing_state`, `sctp_asconf_send_nat_state_update`).
//!
//! - Section 5.1: with `Config::nat_support` our INIT and INIT ACK carry the
//!   Disable Restart parameter and our INIT no address parameters; when both
//!   sent it, there are no restarts (5.2.1): an INIT or COOKIE ECHO from
//!   the address and ports of such an association with neither of its tags
//!   makes a new association, and the endpoint tells the two apart by tag.
//! - Section 5.1.2: an ABORT with the M bit (a middlebox wrote it) and the
//!   VTag and Port Number Collision cause in COOKIE-WAIT or COOKIE-ECHOED
//!   makes us start again with a new Initiate Tag instead of giving up.
//! - Section 5.3.2: an ERROR with the M and T bits and the Missing State
//!   cause (the NAT lost its binding) is answered with an ASCONF holding the
//!   VTags parameter, Add IP and Delete IP of the wildcard address, and
//!   Disable Restart when in use, from which the NAT rebuilds its state
//!   (needs ASCONF, hence AUTH, with the peer). A VTag collision reported
//!   for that ASCONF aborts the association; for another ASCONF it is
//!   given up.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Instant;

use sctp_codec::chunk::{flags, ty};
use sctp_codec::view::ChunkView;

use super::asconf::param as aparam;
use super::{transmit, Association, State};
use crate::events::Reason;
use crate::wire::{cause, param, put_address, put_tlv, put_tlv_with};

/// Correlation IDs of the parameters of a NAT state update (ours count up
/// from 1 elsewhere; these stay clear of them).
const CORRELATION_BASE: u32 = 0x4E41_5400;

/// What the NAT support did on one association.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct NatStats {
    /// Middlebox collision reports that made us pick a new tag.
    pub new_tags: u32,
    /// Middlebox Missing State reports received.
    pub missing_state: u32,
    /// ASCONF NAT state updates sent.
    pub updates_sent: u32,
    /// Restarts refused because Disable Restart is in use (the cookie made
    /// a new association instead: another host behind the same NAT).
    pub restarts_refused: u32,
}

/// NAT support state of one association.
#[derive(Debug, Default)]
pub struct Nat {
    /// Both sent Disable Restart (5.2.1).
    pub restart_disabled: bool,
    /// The endpoint routes packets to it by tag as well.
    pub tag_routed: bool,
    /// A collision asked for a new Initiate Tag: the endpoint, which owns
    /// the random numbers, gives one with [`Association::nat_new_tag`].
    pub retag: bool,
    /// The serial number of our outstanding NAT state update ASCONF.
    pub update_serial: Option<u32>,
    /// Counters.
    pub stats: NatStats,
}

/// The VTags parameter (0xC008): a correlation ID, our tag, the peer's.
pub fn vtags_param(out: &mut Vec<u8>, correlation: u32, internal: u32, remote: u32) {
    let mut v = [0u8; 12];
    v[..4].copy_from_slice(&correlation.to_be_bytes());
    v[4..8].copy_from_slice(&internal.to_be_bytes());
    v[8..].copy_from_slice(&remote.to_be_bytes());
    put_tlv(out, param::VTAGS, &v);
}

/// The request parameters of a NAT state update (5.3.2, as usrsctp sends
/// them): VTags, Add IP and Delete IP of the wildcard address of `family`,
/// and Disable Restart when `disable_restart`.
pub fn update_params(
    internal: u32,
    remote: u32,
    v6: bool,
    disable_restart: bool,
) -> (Vec<u8>, IpAddr) {
    let wildcard = if v6 {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    };
    let mut v = Vec::with_capacity(64);
    vtags_param(&mut v, CORRELATION_BASE, internal, remote);
    for (i, t) in [aparam::ADD_IP_ADDRESS, aparam::DELETE_IP_ADDRESS]
        .into_iter()
        .enumerate()
    {
        put_tlv_with(&mut v, t, |o| {
            o.extend_from_slice(&(CORRELATION_BASE + 1 + i as u32).to_be_bytes());
            put_address(o, wildcard);
        });
    }
    if disable_restart {
        put_tlv(&mut v, param::DISABLE_RESTART, &[]);
    }
    (v, wildcard)
}

/// The first error cause code of an ABORT or ERROR chunk value.
fn first_cause(value: &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes(value.get(..2)?.try_into().ok()?))
}

impl Association {
    /// A packet whose first chunk is a middlebox's ERROR with the T bit
    /// carries our peer's tag, reflected (5.3.1); accepted with NAT support.
    pub(crate) fn nat_reflected_tag_ok(&self, vtag: u32, first: &ChunkView<'_>) -> bool {
        let mt = flags::M_BIT | flags::T_BIT;
        self.cfg.nat_support
            && first.ty() == ty::ERROR
            && first.flags() & mt == mt
            && self.peer_tag != 0
            && vtag == self.peer_tag
    }

    /// An ABORT: true when NAT support handled it and the association
    /// lives on (a middlebox's VTag collision during setup, 5.1.2).
    pub(crate) fn nat_abort(&mut self, now: Instant, c: &ChunkView<'_>) -> bool {
        if !self.cfg.nat_support || c.flags() & flags::M_BIT == 0 {
            return false;
        }
        if first_cause(c.value()) != Some(cause::VTAG_AND_PORT_COLLISION) {
            return false;
        }
        if !matches!(self.state, State::CookieWait | State::CookieEchoed) {
            return false;
        }
        // Back to COOKIE-WAIT; the INIT goes again once the endpoint gave
        // a new tag (usrsctp treats COOKIE-ECHOED like an expired cookie).
        self.state = State::CookieWait;
        self.pending = None;
        self.peer_tag = 0;
        self.cookie.clear();
        self.send_handshake = false;
        self.nat.retag = true;
        self.t1 = Some(now + self.paths[0].rto);
        true
    }

    /// Takes the new Initiate Tag asked for by [`Association::nat_abort`]
    /// and sends INIT again with it.
    pub(crate) fn nat_new_tag(&mut self, tag: u32) {
        if !self.nat.retag || self.state != State::CookieWait || self.init_value.len() < 4 {
            return;
        }
        self.nat.retag = false;
        self.nat.stats.new_tags += 1;
        self.local_tag = tag;
        self.init_value[..4].copy_from_slice(&tag.to_be_bytes());
        self.send_handshake = true;
    }

    /// A middlebox's ERROR (M bit): Missing State makes us send a NAT state
    /// update; a VTag collision answering our update aborts, answering
    /// another ASCONF gives that ASCONF up (5.3.2).
    pub(crate) fn nat_error(&mut self, now: Instant, c: &ChunkView<'_>) {
        if !self.cfg.nat_support || c.flags() & flags::M_BIT == 0 {
            return;
        }
        match first_cause(c.value()) {
            Some(cause::MISSING_STATE) => {
                self.nat.stats.missing_state += 1;
                self.nat_send_update(now);
            }
            Some(cause::VTAG_AND_PORT_COLLISION) => {
                let Some(a) = self.asconf.as_mut() else {
                    return;
                };
                let Some(out) = a.outstanding.take() else {
                    return;
                };
                self.asconf_timer = None;
                if self.nat.update_serial.take() == Some(out.serial) {
                    let mut v = Vec::new();
                    put_tlv(&mut v, cause::VTAG_AND_PORT_COLLISION, &[]);
                    self.queue_abort(&v, Reason::LocalAbort);
                }
            }
            _ => {}
        }
    }

    /// Sends the ASCONF that lets a NAT rebuild its binding (5.3.2), unless
    /// one is outstanding or ASCONF is not in use.
    fn nat_send_update(&mut self, now: Instant) {
        let v6 = self.paths[self.primary].remote.is_ipv6();
        let (params, lookup) =
            update_params(self.local_tag, self.peer_tag, v6, self.nat.restart_disabled);
        let Some(a) = self.asconf.as_mut() else {
            return;
        };
        let Some(sent) = a.start_raw(lookup, &params) else {
            return;
        };
        let serial = sent.serial;
        let mut c = Vec::with_capacity(4 + sent.value.len());
        transmit::chunk_bytes(&mut c, ty::ASCONF, 0, &sent.value);
        self.control.push_back(c);
        self.asconf_timer = Some(now + self.paths[self.primary].rto);
        self.nat.update_serial = Some(serial);
        self.nat.stats.updates_sent += 1;
    }

    /// Whether a cookie that would restart this association (RFC 9260
    /// 5.2.4) must make a new one instead because both sides sent Disable
    /// Restart (5.2.1); counts it.
    pub(crate) fn nat_refuses_restart(&mut self) -> bool {
        if self.nat.restart_disabled {
            self.nat.stats.restarts_refused += 1;
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_update_holds_vtags_add_and_delete_of_the_wildcard() {
        let (v, lookup) = update_params(0x1234, 0x5678, false, true);
        assert_eq!(lookup, IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        // VTags: type, length 16, correlation, internal, remote.
        assert_eq!(&v[..4], &[0xC0, 0x08, 0, 16]);
        assert_eq!(&v[8..12], &0x1234u32.to_be_bytes());
        assert_eq!(&v[12..16], &0x5678u32.to_be_bytes());
        // Add IP with the wildcard IPv4 address.
        assert_eq!(&v[16..20], &[0xC0, 0x01, 0, 16]);
        assert_eq!(&v[24..32], &[0, 5, 0, 8, 0, 0, 0, 0]);
        assert_eq!(&v[32..36], &[0xC0, 0x02, 0, 16]);
        // Disable Restart last.
        assert_eq!(&v[48..], &[0xC0, 0x07, 0, 4]);
        let (v6, l6) = update_params(1, 2, true, false);
        assert!(l6.is_ipv6());
        assert_eq!(v6.len(), 16 + 2 * 28);
    }

    #[test]
    fn the_first_cause_is_read_or_none() {
        assert_eq!(first_cause(&[0, 0xB1, 0, 4]), Some(cause::MISSING_STATE));
        assert_eq!(first_cause(&[0]), None);
    }
}
