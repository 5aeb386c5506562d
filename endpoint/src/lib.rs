//! `sctp-endpoint`: a sans-IO SCTP endpoint (RFC 9260) on `sctp-codec`.
//!
//! The caller passes packets and time in and takes packets, timer deadlines
//! and events out, in the style of quinn-proto and dcsctp: no sockets,
//! threads, clocks or global randomness inside, so every run can be replayed
//! on a virtual clock. Drivers that own sockets live in [`driver`].
//!
//! ```
//! use std::time::{Duration, Instant};
//! use sctp_endpoint::{Config, ConnectOptions, Endpoint, Event};
//! let now = Instant::now();
//! let (a_ip, b_ip): (std::net::IpAddr, std::net::IpAddr) =
//!     ("127.0.0.1".parse().unwrap(), "127.0.0.2".parse().unwrap());
//! let mut a = Endpoint::new(Config::default(), now, [1; 32]);
//! let mut b = Endpoint::new(Config::default(), now, [2; 32]);
//! b.listen(5000);
//! let id = a.connect(now, ConnectOptions::new(a_ip, 5001, (b_ip, 0).into(), 5000)).unwrap();
//! a.send(id, 0, 51, false, b"hello".to_vec()).unwrap();
//! let mut buf = Vec::new();
//! let mut got = None;
//! for _ in 0..10 {
//!     while let Some(t) = a.poll_transmit(now, &mut buf) {
//!         b.handle_packet(now, (a_ip, 0).into(), t.local, &buf);
//!     }
//!     while let Some(t) = b.poll_transmit(now, &mut buf) {
//!         a.handle_packet(now, (b_ip, 0).into(), t.local, &buf);
//!     }
//!     while let Some(e) = b.poll_event() {
//!         if let Event::Message { message, .. } = e { got = Some(message.data) }
//!     }
//! }
//! assert_eq!(got.as_deref(), Some(&b"hello"[..]));
//! ```
#![forbid(unsafe_code)]

pub mod association;
pub mod config;
pub mod cookie;
pub mod driver;
pub mod events;
pub mod icmp;
pub mod policy;
pub mod rules;
pub mod secure;
pub mod send;
pub mod serial;
pub mod wire;

mod endpoint;

pub use association::addresses::AsconfError;
pub use association::asconf::AddressOp;
pub use association::path::{PathState, PathStatus};
pub use association::reassembly::Message;
pub use association::reconfig::ReconfigResult;
pub use association::stream_reset::ReconfigError;
pub use association::tx_queue::Scheduler;
pub use association::{State, Status};
pub use config::Config;
pub use endpoint::{ConnectOptions, Endpoint, Stats, Transmit};
pub use events::{AssocChange, Event, FailedData, Reason};
pub use icmp::{IcmpError, IcmpKind};
pub use policy::{AllowAll, Policy, Refusal};
pub use send::{Abandoned, PrPolicy, SendOptions};

/// An association's handle within its [`Endpoint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AssocId(pub u32);

/// Why a message was not queued (RFC 6458 `sctp_sendv` errors in spirit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendError {
    /// No such association.
    NoAssociation,
    /// The association is shutting down or closed.
    Shutdown,
    /// Empty messages cannot be sent (RFC 9260 6.2 No User Data).
    Empty,
    /// Larger than `Config::max_message_size`.
    TooLarge,
    /// The stream is not one of the negotiated outbound streams.
    InvalidStream,
    /// The send buffer is full; try again after some is acknowledged.
    WouldBlock,
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SendError::NoAssociation => "no such association",
            SendError::Shutdown => "the association is shutting down or closed",
            SendError::Empty => "empty message",
            SendError::TooLarge => "message larger than the configured maximum",
            SendError::InvalidStream => "stream not negotiated",
            SendError::WouldBlock => "send buffer full",
        })
    }
}

impl std::error::Error for SendError {}

/// Why `connect` failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectError {
    /// An association with that peer and these ports exists.
    Exists,
    /// The policy refused the destination.
    Refused,
    /// Zero outbound streams asked for.
    NoStreams,
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ConnectError::Exists => "an association with that peer and ports exists",
            ConnectError::Refused => "refused by the policy",
            ConnectError::NoStreams => "at least one outbound stream is needed",
        })
    }
}

impl std::error::Error for ConnectError {}
