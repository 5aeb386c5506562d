//! Raw IP (RFC 9260 1.4): SCTP packets straight on IPv4 or IPv6 with IP
//! protocol number 132, through raw sockets (root or CAP_NET_RAW).
//!
//! Linux has no kernel SCTP here; while such a socket is open the kernel
//! passes every incoming protocol-132 packet to it instead of answering with
//! ICMP protocol unreachable, so the driver keeps its sockets open for its
//! lifetime. IPv4 raw sockets deliver packets with their IP header, which is
//! parsed (source, destination, header length, ECN field) and stripped; IPv6
//! raw sockets deliver the payload alone, the source coming from `recvmsg`
//! and the traffic class and destination from its `IPV6_TCLASS` and
//! `IPV6_PKTINFO` control messages (RFC 3542 3, 6.2, 6.5). The kernel writes
//! the IP header of what we send; the SCTP checksum is the endpoint's.
//! `from` handed to the endpoint is `SocketAddr::new(source, 0)`: there is
//! no UDP port over raw IP.
//!
//! Multihoming: one socket per local address, each bound to its address, so
//! the kernel delivers to each only the packets for its address and a packet
//! leaves from the address of the path the endpoint chose
//! ([`crate::Transmit::local`]). The driver waits on all of them at once
//! with `poll`.
//!
//! ECN (RFC 9260 Appendix A, RFC 3168): a packet the endpoint marks
//! [`crate::Transmit::ecn_capable`] leaves with ECT(0) (`IP_TOS` /
//! `IPV6_TCLASS` on its socket, set only when it changes); the ECN field of
//! each received packet is read and Congestion Experienced handed to
//! [`Endpoint::handle_packet_ecn`].
//!
//! Path MTU (RFC 9260 7.3): as the [driver module](super) says; packets
//! marked [`crate::Transmit::fragment`] are counted in `fragmentable_sent`.
//!
//! The sockets are made with `socket2` and used through `std`'s datagram
//! socket type (`UdpSocket::from(socket2::Socket)`): its `send_to`,
//! `recv_from` are the plain `sendto`/`recvfrom` calls a raw socket takes;
//! IPv6 receives go through `nix`'s safe `recvmsg` for the control
//! messages. No `unsafe`.

use std::io::{self, IoSliceMut};
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::os::fd::{AsFd, AsRawFd};
use std::time::{Duration, Instant};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::socket::{recvmsg, setsockopt, sockopt, MsgFlags, SockaddrStorage};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::udp::{
    cmsg_buffer, errq_cmsg_buffer, read_cmsgs, read_icmp_errors, set_ecn, std_addr, EcnCounters,
    CE, ECT0, NOT_ECT,
};
use crate::Endpoint;

/// IP protocol number of SCTP.
pub const IPPROTO_SCTP: i32 = 132;

/// Packets read from one socket per step at most, before the others and
/// the timers get their turn.
const BATCH: usize = 256;

/// One raw socket bound to one of our addresses.
struct RawSocket {
    sock: UdpSocket,
    local: IpAddr,
    /// The ECN field the socket currently sends with.
    ecn_out: u8,
}

/// An endpoint on raw protocol-132 sockets, one per local address.
pub struct RawDriver {
    /// The sans-IO endpoint.
    pub ep: Endpoint,
    socks: Vec<RawSocket>,
    buf: Vec<u8>,
    rx: Vec<u8>,
    cmsg: Vec<u8>,
    /// Packets that could not be sent (the socket refused them, or no
    /// socket has the source address asked for).
    pub send_errors: u64,
    /// Received packets that were not SCTP for us (not protocol 132, cut
    /// short, or for another address).
    pub ignored: u64,
    /// What was sent with ECT(0) and the ECN field of what arrived.
    pub ecn: EcnCounters,
    /// ICMP errors read from the sockets' error queues and handed to the
    /// endpoint (after [`RawDriver::enable_icmp`]).
    pub icmp_errors: u64,
    /// Packets sent that the endpoint marked [`crate::Transmit::fragment`]
    /// (larger than the path MTU an ICMP error reported), left to the IP
    /// layer to fragment: see the module's documentation.
    pub fragmentable_sent: u64,
    icmp: bool,
    errq_cmsg: Vec<u8>,
}

fn open(local: IpAddr) -> io::Result<UdpSocket> {
    let domain = if local.is_ipv4() {
        Domain::IPV4
    } else {
        Domain::IPV6
    };
    let sock = Socket::new(domain, Type::RAW, Some(Protocol::from(IPPROTO_SCTP))).map_err(|e| {
        if e.kind() == io::ErrorKind::PermissionDenied {
            io::Error::new(
                e.kind(),
                format!("raw IP sockets need root or CAP_NET_RAW ({e})"),
            )
        } else {
            e
        }
    })?;
    sock.bind(&SockAddr::from(SocketAddr::new(local, 0)))
        .map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot bind raw socket to {local} (is it an address of this host?): {e}"),
            )
        })?;
    // Room for bursts: the endpoint reads in steps.
    let _ = sock.set_recv_buffer_size(4 << 20);
    let _ = sock.set_send_buffer_size(4 << 20);
    if local.is_ipv6() {
        // The traffic class (ECN) and destination of each packet; IPv4
        // packets come with their header.
        let _ = sock.set_recv_tclass_v6(true);
        let _ = setsockopt(&sock, sockopt::Ipv6RecvPacketInfo, &true);
    }
    sock.set_nonblocking(true)?;
    Ok(UdpSocket::from(sock))
}

impl RawDriver {
    /// Opens a raw protocol-132 socket bound to `local` (an address of this
    /// host, or the unspecified address for all of them) and drives `ep`
    /// through it.
    pub fn bind(ep: Endpoint, local: IpAddr) -> io::Result<Self> {
        Self::bind_addrs(ep, &[local])
    }

    /// Opens one raw socket per address in `locals` (a multihomed endpoint;
    /// IPv4 and IPv6 may be mixed) and drives `ep` through them. The first
    /// is [`RawDriver::local_ip`]. Tell the endpoint about the others too
    /// (`ConnectOptions::extra_local`, `Endpoint::set_local_addresses`).
    pub fn bind_addrs(ep: Endpoint, locals: &[IpAddr]) -> io::Result<Self> {
        if locals.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "no local address for the raw driver",
            ));
        }
        let mut socks = Vec::with_capacity(locals.len());
        for &local in locals {
            if socks.iter().any(|s: &RawSocket| s.local == local) {
                continue;
            }
            socks.push(RawSocket {
                sock: open(local)?,
                local,
                ecn_out: NOT_ECT,
            });
        }
        Ok(RawDriver {
            ep,
            socks,
            buf: Vec::with_capacity(65536),
            rx: vec![0; 65536],
            cmsg: cmsg_buffer(),
            send_errors: 0,
            ignored: 0,
            ecn: EcnCounters::default(),
            icmp_errors: 0,
            fragmentable_sent: 0,
            icmp: false,
            errq_cmsg: Vec::new(),
        })
    }

    /// Reads the ICMP errors about our packets (`IP_RECVERR` /
    /// `IPV6_RECVERR` on the raw sockets: the kernel hands a raw socket of
    /// protocol 132 the ICMP errors quoting protocol-132 packets, with the
    /// quoted bytes after the IP header) and hands them to
    /// [`Endpoint::handle_icmp`] (RFC 9260 Appendix C, 7.3). Linux only.
    pub fn enable_icmp(&mut self) -> io::Result<()> {
        for s in &self.socks {
            if s.local.is_ipv4() {
                setsockopt(&s.sock, sockopt::Ipv4RecvErr, &true).map_err(io::Error::from)?;
            } else {
                setsockopt(&s.sock, sockopt::Ipv6RecvErr, &true).map_err(io::Error::from)?;
            }
        }
        self.icmp = true;
        self.errq_cmsg = errq_cmsg_buffer();
        Ok(())
    }

    fn read_error_queue(&mut self, k: usize) {
        if !self.icmp {
            return;
        }
        let s = &self.socks[k];
        self.icmp_errors += read_icmp_errors(
            s.sock.as_raw_fd(),
            s.local,
            false,
            &mut self.rx,
            &mut self.errq_cmsg,
            &mut self.ep,
        );
    }

    /// Our (first) IP address as the endpoint sees it.
    pub fn local_ip(&self) -> IpAddr {
        self.socks[0].local
    }

    /// Every local address the driver has a socket on.
    pub fn local_ips(&self) -> Vec<IpAddr> {
        self.socks.iter().map(|s| s.local).collect()
    }

    /// The socket to send from `local` to an address of `v4`'s family: the
    /// one bound to `local`, else an unspecified one, else any of the family.
    fn socket_for(&self, local: IpAddr, v4: bool) -> Option<usize> {
        let fam = |s: &&RawSocket| s.local.is_ipv4() == v4;
        let pos = |f: &dyn Fn(&RawSocket) -> bool| self.socks.iter().position(f);
        pos(&|s| s.local == local)
            .or_else(|| pos(&|s| fam(&s) && s.local.is_unspecified()))
            .or_else(|| pos(&|s| fam(&s)))
    }

    /// Sends everything the endpoint has to send now.
    pub fn flush(&mut self) {
        let now = Instant::now();
        while let Some(t) = self.ep.poll_transmit(now, &mut self.buf) {
            let Some(k) = self.socket_for(t.local, t.remote.is_ipv4()) else {
                self.send_errors += 1;
                continue;
            };
            let s = &mut self.socks[k];
            let want = if t.ecn_capable { ECT0 } else { NOT_ECT };
            if want != s.ecn_out && set_ecn(&s.sock, s.local.is_ipv6(), want).is_ok() {
                s.ecn_out = want;
            }
            // Port 0: raw IPv6 sockets refuse any port but 0 or the protocol.
            let to = SocketAddr::new(t.remote.ip(), 0);
            if s.sock.send_to(&self.buf, to).is_err() {
                // Unreachable, or a full buffer: SCTP retransmits.
                self.send_errors += 1;
                if self.icmp {
                    self.read_error_queue(k);
                }
            } else {
                self.fragmentable_sent += u64::from(t.fragment);
                if s.ecn_out == ECT0 {
                    self.ecn.ect0_sent += 1;
                } else {
                    self.ecn.not_ect_sent += 1;
                }
            }
        }
    }

    /// Waits up to `wait` until one of the sockets has a packet; returns
    /// which ones do (a bit per socket, the first 64).
    fn wait(&self, wait: Duration) -> io::Result<u64> {
        let mut fds: Vec<PollFd<'_>> = self
            .socks
            .iter()
            .map(|s| PollFd::new(s.sock.as_fd(), PollFlags::POLLIN))
            .collect();
        // Milliseconds, rounded up so a timer is never polled for early.
        let ms = wait.as_micros().div_ceil(1000).min(60_000) as u16;
        match poll(&mut fds, PollTimeout::from(ms)) {
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => return Ok(0),
            Err(e) => return Err(e.into()),
        }
        let mut ready = 0u64;
        for (k, f) in fds.iter().enumerate().take(64) {
            if f.revents().is_some_and(|r| !r.is_empty()) {
                ready |= 1 << k;
            }
        }
        Ok(ready)
    }

    /// Sends what is due, then waits at most `max_wait` (and no later than
    /// the endpoint's next timer) for packets, handles them and the timers.
    pub fn step(&mut self, max_wait: Duration) -> io::Result<()> {
        self.flush();
        let now = Instant::now();
        let mut wait = max_wait;
        if let Some(t) = self.ep.poll_timeout() {
            wait = wait.min(t.saturating_duration_since(now));
        }
        let ready = self.wait(wait)?;
        let mut result = Ok(());
        for k in 0..self.socks.len() {
            if k < 64 && ready & (1 << k) == 0 {
                continue;
            }
            self.read_error_queue(k);
            for _ in 0..BATCH {
                match self.recv(k) {
                    Ok(()) => {}
                    Err(e)
                        if matches!(
                            e.kind(),
                            io::ErrorKind::WouldBlock
                                | io::ErrorKind::TimedOut
                                | io::ErrorKind::Interrupted
                                | io::ErrorKind::ConnectionRefused
                                | io::ErrorKind::ConnectionReset
                        ) =>
                    {
                        self.read_error_queue(k);
                        break;
                    }
                    // With IP_RECVERR an ICMP error (EMSGSIZE,
                    // EHOSTUNREACH...) is reported once by a read and
                    // queued in detail.
                    Err(_) if self.icmp => {
                        self.read_error_queue(k);
                        break;
                    }
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
        }
        result?;
        let now = Instant::now();
        if self.ep.poll_timeout().is_some_and(|t| t <= now) {
            self.ep.handle_timeout(now);
        }
        self.flush();
        Ok(())
    }

    /// Reads one packet from socket `k` and hands it to the endpoint.
    fn recv(&mut self, k: usize) -> io::Result<()> {
        let local = self.socks[k].local;
        if local.is_ipv4() {
            let (n, _) = self.socks[k].sock.recv_from(&mut self.rx)?;
            let Some((payload, src, dst)) = strip_ipv4(&self.rx[..n]) else {
                self.ignored += 1;
                return Ok(());
            };
            // The payload starts after the header (IHL) and was cut to the
            // total length; the ECN field is the low bits of the TOS byte.
            let ihl = (self.rx[0] & 0x0f) as usize * 4;
            let range = ihl..ihl + payload.len();
            let ecn = self.rx[1] & 3;
            self.deliver(local, src, dst, Some(ecn), range);
        } else {
            let fd = self.socks[k].sock.as_raw_fd();
            let mut iov = [IoSliceMut::new(&mut self.rx)];
            let m = recvmsg::<SockaddrStorage>(
                fd,
                &mut iov,
                Some(&mut self.cmsg[..]),
                MsgFlags::empty(),
            )
            .map_err(io::Error::from)?;
            let (ecn, dst) = read_cmsgs(&m);
            let n = m.bytes;
            let src = m.address.as_ref().and_then(std_addr).map(|a| a.ip());
            let Some(src) = src else {
                self.ignored += 1;
                return Ok(());
            };
            self.deliver(local, src, dst.unwrap_or(local), ecn, 0..n);
        }
        Ok(())
    }

    /// Hands one received packet (`range` of `rx`) to the endpoint.
    fn deliver(
        &mut self,
        local: IpAddr,
        src: IpAddr,
        dst: IpAddr,
        ecn: Option<u8>,
        range: std::ops::Range<usize>,
    ) {
        if !local.is_unspecified() && dst != local {
            self.ignored += 1;
            return;
        }
        self.ecn.saw(ecn);
        let now = Instant::now();
        self.ep.handle_packet_ecn(
            now,
            SocketAddr::new(src, 0),
            dst,
            ecn == Some(CE),
            &self.rx[range],
        );
    }
}

/// The SCTP payload of an IPv4 packet carrying protocol 132, with its source
/// and destination (header length from IHL and the total length, RFC 791
/// 3.1), or `None` for anything else.
pub fn strip_ipv4(b: &[u8]) -> Option<(&[u8], IpAddr, IpAddr)> {
    if b.len() < 20 || b[0] >> 4 != 4 {
        return None;
    }
    let ihl = (b[0] & 0x0f) as usize * 4;
    let total = u16::from_be_bytes([b[2], b[3]]) as usize;
    if ihl < 20 || b.len() < ihl || b[9] != IPPROTO_SCTP as u8 {
        return None;
    }
    let src = IpAddr::from([b[12], b[13], b[14], b[15]]);
    let dst = IpAddr::from([b[16], b[17], b[18], b[19]]);
    // Linux hands raw sockets the total length as on the wire; trust it
    // only when it fits (trailing link padding is cut off).
    let end = if total >= ihl && total <= b.len() {
        total
    } else {
        b.len()
    };
    Some((&b[ihl..end], src, dst))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ipv4(ihl: u8, proto: u8, payload: &[u8]) -> Vec<u8> {
        let hl = ihl as usize * 4;
        let mut v = vec![0u8; hl];
        v[0] = 0x40 | ihl;
        v[2..4].copy_from_slice(&((hl + payload.len()) as u16).to_be_bytes());
        v[8] = 64;
        v[9] = proto;
        v[12..16].copy_from_slice(&[10, 0, 0, 2]);
        v[16..20].copy_from_slice(&[10, 0, 0, 1]);
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn strips_the_header_by_ihl() {
        let v = ipv4(5, 132, b"sctp");
        let (p, s, d) = strip_ipv4(&v).unwrap();
        assert_eq!(p, b"sctp");
        assert_eq!(s, IpAddr::from([10, 0, 0, 2]));
        assert_eq!(d, IpAddr::from([10, 0, 0, 1]));
        let v = ipv4(7, 132, b"with options");
        let (p, ..) = strip_ipv4(&v).unwrap();
        assert_eq!(p, b"with options");
    }

    #[test]
    fn refuses_other_protocols_and_garbage() {
        assert!(strip_ipv4(&ipv4(5, 17, b"udp")).is_none());
        assert!(strip_ipv4(&[0x45, 0, 0]).is_none());
        let mut v = ipv4(5, 132, b"x");
        v[0] = 0x44;
        assert!(strip_ipv4(&v).is_none());
        let mut v = ipv4(5, 132, b"x");
        v[0] = 0x65;
        assert!(strip_ipv4(&v).is_none());
    }

    #[test]
    fn total_length_cuts_padding() {
        let mut v = ipv4(5, 132, b"abcd");
        v.extend_from_slice(&[0, 0]);
        assert_eq!(strip_ipv4(&v).unwrap().0, b"abcd");
    }
}
