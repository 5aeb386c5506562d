//! Raw IP (RFC 9260 1.4): SCTP packets straight on IPv4 or IPv6 with IP
//! protocol number 132, through a raw socket (root or CAP_NET_RAW).
//!
//! Linux has no kernel SCTP here; while this socket is open the kernel
//! passes every incoming protocol-132 packet to it instead of answering with
//! ICMP protocol unreachable, so the driver keeps it open for its lifetime.
//! IPv4 raw sockets deliver packets with their IP header, which is parsed
//! (source, destination, header length) and stripped; IPv6 raw sockets
//! deliver the payload alone, the source coming from `recvfrom` (RFC 3542 3).
//! The socket is bound to the local address, so only packets for that
//! address arrive. The kernel writes the IP header of what we send; the SCTP
//! checksum is the endpoint's. `from` handed to the endpoint is
//! `SocketAddr::new(source, 0)`: there is no UDP port over raw IP.
//!
//! The socket is made with `socket2` and used through `std`'s datagram
//! socket type (`UdpSocket::from(socket2::Socket)`): its `send_to`,
//! `recv_from` and timeouts are the plain `sendto`/`recvfrom`/`SO_RCVTIMEO`
//! calls a raw socket takes, and they need no `unsafe` (socket2's own
//! `recv_from` fills `MaybeUninit` buffers).

use std::io;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::Endpoint;

/// IP protocol number of SCTP.
pub const IPPROTO_SCTP: i32 = 132;

/// An endpoint on one raw protocol-132 socket.
pub struct RawDriver {
    /// The sans-IO endpoint.
    pub ep: Endpoint,
    socket: UdpSocket,
    local_ip: IpAddr,
    buf: Vec<u8>,
    rx: Vec<u8>,
    /// Packets that could not be sent (the socket refused them).
    pub send_errors: u64,
    /// Received packets that were not SCTP for us (not protocol 132, cut
    /// short, or for another address).
    pub ignored: u64,
}

impl RawDriver {
    /// Opens a raw protocol-132 socket bound to `local` (an address of this
    /// host, or the unspecified address for all of them) and drives `ep`
    /// through it.
    pub fn bind(ep: Endpoint, local: IpAddr) -> io::Result<Self> {
        let domain = if local.is_ipv4() {
            Domain::IPV4
        } else {
            Domain::IPV6
        };
        let sock =
            Socket::new(domain, Type::RAW, Some(Protocol::from(IPPROTO_SCTP))).map_err(|e| {
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
                    format!(
                        "cannot bind raw socket to {local} (is it an address of this host?): {e}"
                    ),
                )
            })?;
        // Room for bursts: the endpoint reads in steps.
        let _ = sock.set_recv_buffer_size(4 << 20);
        let _ = sock.set_send_buffer_size(4 << 20);
        Ok(RawDriver {
            ep,
            socket: UdpSocket::from(sock),
            local_ip: local,
            buf: Vec::with_capacity(65536),
            rx: vec![0; 65536],
            send_errors: 0,
            ignored: 0,
        })
    }

    /// Our IP address as the endpoint sees it.
    pub fn local_ip(&self) -> IpAddr {
        self.local_ip
    }

    /// Sends everything the endpoint has to send now.
    pub fn flush(&mut self) {
        let now = Instant::now();
        while let Some(t) = self.ep.poll_transmit(now, &mut self.buf) {
            // Port 0: raw IPv6 sockets refuse any port but 0 or the protocol.
            let to = SocketAddr::new(t.remote.ip(), 0);
            if self.socket.send_to(&self.buf, to).is_err() {
                // Unreachable, or a full buffer: SCTP retransmits.
                self.send_errors += 1;
            }
        }
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
        // A zero timeout means "block forever" to set_read_timeout.
        let wait = wait.max(Duration::from_micros(50));
        self.socket.set_read_timeout(Some(wait))?;
        let mut first = true;
        let mut result = Ok(());
        for _ in 0..256 {
            match self.socket.recv_from(&mut self.rx) {
                Ok((n, from)) => {
                    self.deliver(n, from.ip());
                    if first {
                        // Drain what else is queued without blocking.
                        self.socket.set_nonblocking(true)?;
                        first = false;
                    }
                }
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
                    break
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        if !first {
            self.socket.set_nonblocking(false)?;
        }
        result?;
        let now = Instant::now();
        if self.ep.poll_timeout().is_some_and(|t| t <= now) {
            self.ep.handle_timeout(now);
        }
        self.flush();
        Ok(())
    }

    /// Hands one received packet (`n` bytes in `rx`) to the endpoint.
    fn deliver(&mut self, n: usize, src: IpAddr) {
        let now = Instant::now();
        let (sctp, src, dst) = if self.local_ip.is_ipv4() {
            match strip_ipv4(&self.rx[..n]) {
                Some(p) => p,
                None => {
                    self.ignored += 1;
                    return;
                }
            }
        } else {
            (&self.rx[..n], src, self.local_ip)
        };
        if !self.local_ip.is_unspecified() && dst != self.local_ip {
            self.ignored += 1;
            return;
        }
        self.ep
            .handle_packet(now, SocketAddr::new(src, 0), dst, sctp);
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
