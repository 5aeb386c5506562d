//! Drivers: what moves the sans-IO endpoint's packets, outside its core.
//! [`memlink`] is an in-memory network on a virtual clock with loss,
//! reordering, duplication and delay; [`udp`] is UDP encapsulation
//! (RFC 6951) over a real socket; [`raw`] is raw IPv4/IPv6 with IP protocol
//! 132 (needs root or CAP_NET_RAW).
//!
//! Path MTU (RFC 9260 7.3), both socket drivers: the sockets keep Linux's
//! default path-MTU mode (`IP_PMTUDISC_WANT`; IPv6 without
//! `IPV6_DONTFRAG`). A packet that fits the path MTU the kernel knows leaves
//! with DF set, so a router on a narrower link answers with ICMP
//! Fragmentation Needed (read after `enable_icmp`). A packet above it, as a
//! DATA chunk sent before the MTU went down and marked
//! [`crate::Transmit::fragment`] (it cannot be cut again), is fragmented by
//! the kernel to the MTU it learned from the same ICMP error
//! (endpoint/tests/icmp_pmtu_netns.rs sees the fragments made and
//! reassembled).

pub mod memlink;
pub mod raw;
pub mod udp;
