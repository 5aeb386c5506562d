//! Our endpoint behind a real-socket driver (raw IP or UDP), driven in real
//! time by the live tests (raw_netns.rs, raw_multihoming.rs, raw_asconf.rs,
//! ecn_drivers.rs), with every event it reported and when.
#![allow(dead_code)]

use std::net::IpAddr;
use std::time::{Duration, Instant};

use sctp_endpoint::driver::raw::RawDriver;
use sctp_endpoint::driver::udp::UdpDriver;
use sctp_endpoint::{AssocChange, AssocId, Endpoint, Event, Reason};

use crate::peer::Received;

/// A driver the tests step: its endpoint, and one step waiting at most `wait`.
pub trait Drive {
    fn ep(&mut self) -> &mut Endpoint;
    fn step(&mut self, wait: Duration);
}

impl Drive for RawDriver {
    fn ep(&mut self) -> &mut Endpoint {
        &mut self.ep
    }
    fn step(&mut self, wait: Duration) {
        RawDriver::step(self, wait).expect("raw step");
    }
}

impl Drive for UdpDriver {
    fn ep(&mut self) -> &mut Endpoint {
        &mut self.ep
    }
    fn step(&mut self, wait: Duration) {
        UdpDriver::step(self, wait).expect("udp step");
    }
}

/// Our endpoint's driver and the events it reported (`times[i]`: when
/// `events[i]` was read).
pub struct Ours<D> {
    pub d: D,
    pub events: Vec<Event>,
    pub times: Vec<Instant>,
    /// How long one step may wait for a packet.
    pub wait: Duration,
}

impl<D: Drive> Ours<D> {
    pub fn new(d: D, wait: Duration) -> Self {
        Ours {
            d,
            events: Vec::new(),
            times: Vec::new(),
            wait,
        }
    }

    /// One driver step, then the events it brought.
    pub fn step(&mut self) {
        self.d.step(self.wait);
        while let Some(e) = self.d.ep().poll_event() {
            self.events.push(e);
            self.times.push(Instant::now());
        }
    }

    /// Steps until `done` holds (true) or `timeout` passes (false); `done`
    /// may also feed the endpoint (send more).
    pub fn run_until(
        &mut self,
        timeout: Duration,
        mut done: impl FnMut(&mut Self) -> bool,
    ) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if done(self) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            self.step();
        }
    }
}

impl<D> Ours<D> {
    /// The association reported up, if any.
    pub fn up(&self) -> Option<AssocId> {
        self.events.iter().find_map(|e| match e {
            Event::AssocChange {
                id,
                change: AssocChange::CommUp,
                ..
            } => Some(*id),
            _ => None,
        })
    }

    /// The first association end (any AssocChange but CommUp).
    pub fn ended(&self) -> Option<AssocChange> {
        self.events.iter().find_map(|e| match e {
            Event::AssocChange { change, .. } if *change != AssocChange::CommUp => Some(*change),
            _ => None,
        })
    }

    /// The reason of the first association end that has one.
    pub fn end_reason(&self) -> Option<Reason> {
        self.events.iter().find_map(|e| match e {
            Event::AssocChange { change, reason, .. } if *change != AssocChange::CommUp => {
                reason.clone()
            }
            _ => None,
        })
    }

    /// The messages delivered, in order.
    pub fn received(&self) -> Vec<Received> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Message { message, .. } => Some(Received::of(message)),
                _ => None,
            })
            .collect()
    }

    /// How many messages were delivered.
    pub fn message_count(&self) -> usize {
        self.events
            .iter()
            .filter(|e| matches!(e, Event::Message { .. }))
            .count()
    }

    /// Whether a PeerAddrChange reported `addr` available.
    pub fn available(&self, addr: IpAddr) -> bool {
        self.events.iter().any(|e| {
            matches!(e, Event::PeerAddrChange { addr: a, available: true, .. } if a.ip() == addr)
        })
    }

    /// Every PeerAddrChange: (address, available), in order.
    pub fn addr_changes(&self) -> Vec<(IpAddr, bool)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::PeerAddrChange {
                    addr, available, ..
                } => Some((addr.ip(), *available)),
                _ => None,
            })
            .collect()
    }

    /// When the last PeerAddrChange for `addr` with `available` came, if
    /// one did after `since`.
    pub fn addr_change(&self, addr: IpAddr, available: bool, since: Instant) -> Option<Instant> {
        self.events
            .iter()
            .zip(&self.times)
            .rev()
            .find_map(|(e, t)| match e {
                Event::PeerAddrChange {
                    addr: a,
                    available: v,
                    ..
                } if a.ip() == addr && *v == available && *t >= since => Some(*t),
                _ => None,
            })
    }
}
