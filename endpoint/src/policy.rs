//! Where the application decides who may associate, at the points where the
//! Linux LSM places its SCTP hooks (see `shared/spec/policy-hooks.md`):
//! association request, bind/connect, and association established.

use std::net::{IpAddr, SocketAddr};

/// What the policy sees of an INIT (or INIT ACK for the initiator) before any
/// state is kept.
#[derive(Debug, Clone)]
pub struct AssocRequest<'a> {
    /// Our SCTP port the INIT is for.
    pub local_port: u16,
    /// The INIT's source.
    pub source: SocketAddr,
    /// Its SCTP source port.
    pub peer_port: u16,
    /// The addresses it lists (IPv4/IPv6 Address parameters).
    pub addresses: &'a [IpAddr],
}

/// What the policy sees of an association that was just established.
#[derive(Debug, Clone)]
pub struct Established<'a> {
    /// Peer addresses.
    pub peer_addrs: &'a [SocketAddr],
    /// Our SCTP port and the peer's.
    pub ports: (u16, u16),
    /// Our tag and the peer's.
    pub tags: (u32, u32),
    /// Negotiated outbound and inbound streams.
    pub streams: (u16, u16),
}

/// A refusal: answer with ABORT or say nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Drop silently (no state, nothing sent).
    Drop,
    /// Send ABORT (RFC 9260 8.4 rules for the tag).
    Abort,
}

/// The application's security policy; every method allows by default.
pub trait Policy {
    /// An INIT arrived (LSM `sctp_assoc_request`). Refusing keeps no state
    /// and issues no cookie.
    fn assoc_request(&mut self, req: &AssocRequest<'_>) -> Result<(), Refusal> {
        let _ = req;
        Ok(())
    }
    /// The application binds or connects to `addr` (LSM `sctp_bind_connect`).
    fn bind_connect(&mut self, addr: SocketAddr) -> Result<(), Refusal> {
        let _ = addr;
        Ok(())
    }
    /// The association is up (LSM `sctp_sk_clone` / established): refusing
    /// aborts it.
    fn established(&mut self, a: &Established<'_>) -> Result<(), Refusal> {
        let _ = a;
        Ok(())
    }
}

/// The policy that allows everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct AllowAll;

impl Policy for AllowAll {}
