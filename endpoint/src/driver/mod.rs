//! Drivers: what moves the sans-IO endpoint's packets, outside its core.
//! [`memlink`] is an in-memory network on a virtual clock with loss,
//! reordering, duplication and delay; [`udp`] is UDP encapsulation
//! (RFC 6951) over a real socket.

pub mod memlink;
pub mod udp;
