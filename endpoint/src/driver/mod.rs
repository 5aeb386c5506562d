//! Drivers: what moves the sans-IO endpoint's packets, outside its core.
//! [`memlink`] is an in-memory network on a virtual clock with loss,
//! reordering, duplication and delay; [`udp`] is UDP encapsulation
//! (RFC 6951) over a real socket; [`raw`] is raw IPv4/IPv6 with IP protocol
//! 132 (needs root or CAP_NET_RAW).

pub mod memlink;
pub mod raw;
pub mod udp;
