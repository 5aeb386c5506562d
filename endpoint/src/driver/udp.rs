//! UDP encapsulation (RFC 6951): SCTP packets as UDP payloads. The local
//! UDP port is the socket's; the peer's encapsulation port is learned from
//! the datagrams it sends (RFC 6951 5.4), which the endpoint keeps per path
//! as the port of the transport address.
//!
//! ECN (RFC 9260 Appendix A, RFC 3168; RFC 6951 5.5 leaves the bits to the
//! outer IP header): a packet the endpoint marks [`crate::Transmit::ecn_capable`]
//! leaves with ECT(0) in the IP header (`IP_TOS`, or `IPV6_TCLASS` on an
//! IPv6 socket, set only when it changes), and the ECN field of every
//! received datagram is read from its `IP_TOS` / `IPV6_TCLASS` control
//! message (`IP_RECVTOS` / `IPV6_RECVTCLASS`, through `nix`'s safe
//! `recvmsg`), so Congestion Experienced reaches
//! [`Endpoint::handle_packet_ecn`].
//!
//! Path MTU (RFC 9260 7.3): as the [driver module](super) says; packets
//! marked [`crate::Transmit::fragment`] are counted in `fragmentable_sent`.

use std::io::{self, IoSliceMut};
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags, SockaddrLike, SockaddrStorage};
use socket2::SockRef;

use crate::Endpoint;

/// The IANA port for SCTP over UDP (RFC 6951 5.1).
pub const SCTP_TUNNELING_PORT: u16 = 9899;

/// The ECN field (RFC 3168 5): Not-ECT.
pub const NOT_ECT: u8 = 0b00;
/// ECT(1).
pub const ECT1: u8 = 0b01;
/// ECT(0), what an ECN-capable SCTP packet carries.
pub const ECT0: u8 = 0b10;
/// Congestion Experienced.
pub const CE: u8 = 0b11;

/// ECN counters of a driver: what it marked and what it saw.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct EcnCounters {
    /// Packets sent with ECT(0).
    pub ect0_sent: u64,
    /// Packets sent Not-ECT.
    pub not_ect_sent: u64,
    /// Received packets by their ECN field: `[Not-ECT, ECT(1), ECT(0), CE]`.
    pub received: [u64; 4],
    /// Received packets whose ECN field was not told (no control message).
    pub unknown: u64,
}

impl EcnCounters {
    /// Received packets marked Congestion Experienced.
    pub fn ce_received(&self) -> u64 {
        self.received[CE as usize]
    }

    pub(crate) fn saw(&mut self, ecn: Option<u8>) {
        match ecn {
            Some(e) => self.received[(e & 3) as usize] += 1,
            None => self.unknown += 1,
        }
    }
}

/// Room for one `IP_TOS` (an int on some paths) or `IPV6_TCLASS` control
/// message and an `IPV6_PKTINFO`, with headers and alignment.
pub(crate) fn cmsg_buffer() -> Vec<u8> {
    nix::cmsg_space!(libc_int, libc_int, nix::libc::in6_pktinfo)
}

#[allow(non_camel_case_types)]
type libc_int = nix::libc::c_int;

/// The ECN field and destination address told by a datagram's control
/// messages.
pub(crate) fn read_cmsgs<S>(
    m: &nix::sys::socket::RecvMsg<'_, '_, S>,
) -> (Option<u8>, Option<IpAddr>) {
    let (mut ecn, mut dst) = (None, None);
    if let Ok(it) = m.cmsgs() {
        for c in it {
            match c {
                ControlMessageOwned::Ipv4Tos(t) => ecn = Some(t & 3),
                ControlMessageOwned::Ipv6TClass(t) => ecn = Some((t & 3) as u8),
                ControlMessageOwned::Ipv6PacketInfo(p) => {
                    dst = Some(IpAddr::from(p.ipi6_addr.s6_addr));
                }
                ControlMessageOwned::Ipv4PacketInfo(p) => {
                    dst = Some(IpAddr::from(p.ipi_addr.s_addr.to_ne_bytes()));
                }
                _ => {}
            }
        }
    }
    (ecn, dst)
}

/// A socket address from what `recvmsg` filled in.
pub(crate) fn std_addr(a: &SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = a.as_sockaddr_in() {
        return Some(SocketAddr::V4((*v4).into()));
    }
    a.as_sockaddr_in6().map(|v6| SocketAddr::V6((*v6).into()))
}

/// Room for one `IP_RECVERR` / `IPV6_RECVERR` control message.
pub(crate) fn errq_cmsg_buffer() -> Vec<u8> {
    nix::cmsg_space!(nix::libc::sock_extended_err, nix::libc::sockaddr_in6)
}

/// Reads socket `fd`'s error queue (`MSG_ERRQUEUE`, filled with
/// `IP_RECVERR` / `IPV6_RECVERR`) and hands each ICMP error (and the
/// kernel's own EMSGSIZE, a path MTU it learned) with the packet it quotes
/// to [`Endpoint::handle_icmp`]; returns how many. `udp`: SCTP over UDP
/// (the quoted bytes are the UDP payload), else raw IP (the bytes after
/// the quoted IP header).
pub(crate) fn read_icmp_errors(
    fd: std::os::fd::RawFd,
    local: IpAddr,
    udp: bool,
    buf: &mut [u8],
    cmsg: &mut [u8],
    ep: &mut Endpoint,
) -> u64 {
    use crate::icmp::{IcmpError, IcmpKind};
    const ORIGIN_LOCAL: u8 = 1;
    const ORIGIN_ICMP: u8 = 2;
    const ORIGIN_ICMP6: u8 = 3;
    let mut count = 0;
    for _ in 0..64 {
        let mut iov = [IoSliceMut::new(buf)];
        let Ok(m) = recvmsg::<SockaddrStorage>(
            fd,
            &mut iov,
            Some(&mut cmsg[..]),
            MsgFlags::MSG_ERRQUEUE | MsgFlags::MSG_DONTWAIT,
        ) else {
            break;
        };
        let (n, to) = (m.bytes, m.address.as_ref().and_then(std_addr));
        let mut kind = None;
        if let Ok(it) = m.cmsgs() {
            for c in it {
                let e = match c {
                    ControlMessageOwned::Ipv4RecvErr(e, _) => e,
                    ControlMessageOwned::Ipv6RecvErr(e, _) => e,
                    _ => continue,
                };
                kind = match e.ee_origin {
                    ORIGIN_ICMP => Some(IcmpKind::from_v4(e.ee_type, e.ee_code, e.ee_info)),
                    ORIGIN_ICMP6 => Some(IcmpKind::from_v6(e.ee_type, e.ee_code, e.ee_info)),
                    ORIGIN_LOCAL if e.ee_errno == nix::libc::EMSGSIZE as u32 => {
                        Some(IcmpKind::FragNeeded { mtu: e.ee_info })
                    }
                    _ => None,
                };
            }
        }
        let (Some(kind), Some(to)) = (kind, to) else {
            continue;
        };
        let e = IcmpError {
            kind,
            local,
            remote: if udp { to } else { SocketAddr::new(to.ip(), 0) },
            udp,
            quoted_len: 0,
            sctp: &buf[..n],
        };
        count += 1;
        ep.handle_icmp(Instant::now(), &e);
    }
    count
}

/// Sets the ECN field of what `sock` sends from now on (keeping a zero
/// DSCP): `IP_TOS`, and `IPV6_TCLASS` too on an IPv6 socket (which may
/// also carry IPv4-mapped traffic). Errors are left to the caller.
pub(crate) fn set_ecn(sock: &UdpSocket, v6: bool, ecn: u8) -> io::Result<()> {
    let s = SockRef::from(sock);
    if v6 {
        s.set_tclass_v6(ecn as u32)?;
        let _ = s.set_tos(ecn as u32);
        Ok(())
    } else {
        s.set_tos(ecn as u32)
    }
}

/// An endpoint bound to one UDP socket.
pub struct UdpDriver {
    /// The sans-IO endpoint.
    pub ep: Endpoint,
    socket: UdpSocket,
    local_ip: IpAddr,
    v6: bool,
    buf: Vec<u8>,
    rx: Vec<u8>,
    cmsg: Vec<u8>,
    /// The ECN field the socket currently sends with.
    ecn_out: u8,
    /// Datagrams that could not be sent (the socket refused them).
    pub send_errors: u64,
    /// ICMP port-unreachable reports for datagrams we sent (Linux returns
    /// them as ECONNREFUSED on a later call): nobody listens on that port.
    pub icmp_refused: u64,
    /// What was sent with ECT(0) and the ECN field of what arrived.
    pub ecn: EcnCounters,
    /// ICMP errors read from the socket's error queue and handed to the
    /// endpoint (after [`UdpDriver::enable_icmp`]).
    pub icmp_errors: u64,
    /// Packets sent that the endpoint marked [`crate::Transmit::fragment`]
    /// (larger than the path MTU an ICMP error reported), left to the IP
    /// layer to fragment: see the module's documentation.
    pub fragmentable_sent: u64,
    icmp: bool,
    errq: Vec<u8>,
    errq_cmsg: Vec<u8>,
}

impl UdpDriver {
    /// Binds `local` (use port 0 for any) and drives `ep` through it.
    pub fn bind(ep: Endpoint, local: SocketAddr) -> io::Result<Self> {
        let socket = UdpSocket::bind(local)?;
        let v6 = local.is_ipv6();
        {
            // Ask for each datagram's ECN field. Without it CE marks go
            // unseen (counted as unknown), which costs only the signal.
            let s = SockRef::from(&socket);
            if v6 {
                let _ = s.set_recv_tclass_v6(true);
            }
            let _ = s.set_recv_tos(true);
        }
        Ok(UdpDriver {
            ep,
            local_ip: local.ip(),
            v6,
            socket,
            buf: Vec::with_capacity(65536),
            rx: vec![0; 65536],
            cmsg: cmsg_buffer(),
            ecn_out: NOT_ECT,
            send_errors: 0,
            icmp_refused: 0,
            ecn: EcnCounters::default(),
            icmp_errors: 0,
            fragmentable_sent: 0,
            icmp: false,
            errq: Vec::new(),
            errq_cmsg: Vec::new(),
        })
    }

    /// Reads the ICMP errors about our datagrams (`IP_RECVERR` /
    /// `IPV6_RECVERR`: the kernel queues each with the datagram it quotes)
    /// and hands them to [`Endpoint::handle_icmp`] (RFC 9260 Appendix C;
    /// a Port Unreachable is SCTP's Protocol Unreachable over UDP, RFC 6951
    /// 5.5; a Fragmentation Needed / Packet Too Big, or the kernel's own
    /// EMSGSIZE, lowers the path MTU). Linux only.
    pub fn enable_icmp(&mut self) -> io::Result<()> {
        use nix::sys::socket::{setsockopt, sockopt};
        if self.v6 {
            setsockopt(&self.socket, sockopt::Ipv6RecvErr, &true).map_err(io::Error::from)?;
            // IPv4-mapped traffic on an IPv6 socket reports as IPv4.
            let _ = setsockopt(&self.socket, sockopt::Ipv4RecvErr, &true);
        } else {
            setsockopt(&self.socket, sockopt::Ipv4RecvErr, &true).map_err(io::Error::from)?;
        }
        self.icmp = true;
        self.errq = vec![0; 65536];
        self.errq_cmsg = errq_cmsg_buffer();
        Ok(())
    }

    /// Hands every queued ICMP error to the endpoint.
    fn read_error_queue(&mut self) {
        if !self.icmp {
            return;
        }
        self.icmp_errors += read_icmp_errors(
            self.socket.as_raw_fd(),
            self.local_ip,
            true,
            &mut self.errq,
            &mut self.errq_cmsg,
            &mut self.ep,
        );
    }

    /// The bound UDP address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Our IP address as the endpoint sees it.
    pub fn local_ip(&self) -> IpAddr {
        self.local_ip
    }

    /// Sends everything the endpoint has to send now.
    pub fn flush(&mut self) {
        let now = Instant::now();
        while let Some(t) = self.ep.poll_transmit(now, &mut self.buf) {
            let mut to = t.remote;
            if to.port() == 0 {
                to.set_port(SCTP_TUNNELING_PORT);
            }
            let want = if t.ecn_capable { ECT0 } else { NOT_ECT };
            if want != self.ecn_out && set_ecn(&self.socket, self.v6, want).is_ok() {
                self.ecn_out = want;
            }
            match self.socket.send_to(&self.buf, to) {
                Ok(_) => {
                    self.fragmentable_sent += u64::from(t.fragment);
                    if self.ecn_out == ECT0 {
                        self.ecn.ect0_sent += 1;
                    } else {
                        self.ecn.not_ect_sent += 1;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                    self.icmp_refused += 1;
                    self.read_error_queue();
                }
                // A full buffer or an unreachable network: SCTP
                // retransmits; count it and go on.
                Err(_) => {
                    self.send_errors += 1;
                    self.read_error_queue();
                }
            }
        }
    }

    /// One datagram: its length, sender and ECN field.
    fn recv(&mut self) -> io::Result<(usize, SocketAddr, Option<u8>)> {
        let fd = self.socket.as_raw_fd();
        let mut iov = [IoSliceMut::new(&mut self.rx)];
        let m =
            recvmsg::<SockaddrStorage>(fd, &mut iov, Some(&mut self.cmsg[..]), MsgFlags::empty())
                .map_err(io::Error::from)?;
        let (ecn, _) = read_cmsgs(&m);
        let from = m
            .address
            .as_ref()
            .filter(|a| a.family().is_some())
            .and_then(std_addr)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no source address"))?;
        Ok((m.bytes, from, ecn))
    }

    /// Sends what is due, then waits at most `max_wait` (and no later than
    /// the endpoint's next timer) for datagrams, handles them and the timers.
    pub fn step(&mut self, max_wait: Duration) -> io::Result<()> {
        self.flush();
        let now = Instant::now();
        let mut wait = max_wait;
        if let Some(t) = self.ep.poll_timeout() {
            wait = wait.min(t.saturating_duration_since(now));
        }
        // A zero timeout means "block forever" to set_read_timeout.
        let wait = wait.max(Duration::from_micros(50));
        self.socket.set_read_timeout(Some(wait))?;
        let mut first = true;
        for _ in 0..256 {
            let r = self.recv();
            match r {
                Ok((n, from, ecn)) => {
                    let now = Instant::now();
                    self.ecn.saw(ecn);
                    self.ep.handle_packet_ecn(
                        now,
                        from,
                        self.local_ip,
                        ecn == Some(CE),
                        &self.rx[..n],
                    );
                    if first {
                        // Drain what else is queued without blocking.
                        self.socket.set_nonblocking(true)?;
                        first = false;
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset
                    ) =>
                {
                    // The error was consumed: keep waiting.
                    self.icmp_refused += 1;
                    self.read_error_queue();
                    continue;
                }
                Err(e) if e.kind() == io::ErrorKind::InvalidData => continue,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) =>
                {
                    break
                }
                // With IP_RECVERR, an ICMP error (EMSGSIZE, EHOSTUNREACH...)
                // is reported once by a read and queued in detail.
                Err(_) if self.icmp => {
                    self.read_error_queue();
                    continue;
                }
                Err(e) => {
                    if !first {
                        self.socket.set_nonblocking(false)?;
                    }
                    return Err(e);
                }
            }
        }
        if !first {
            self.socket.set_nonblocking(false)?;
        }
        let now = Instant::now();
        if self.ep.poll_timeout().is_some_and(|t| t <= now) {
            self.ep.handle_timeout(now);
        }
        self.flush();
        Ok(())
    }
}
