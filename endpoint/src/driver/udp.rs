//! UDP encapsulation (RFC 6951): SCTP packets as UDP payloads. The local
//! UDP port is the socket's; the peer's encapsulation port is learned from
//! the datagrams it sends (RFC 6951 5.4), which the endpoint keeps per path
//! as the port of the transport address.

use std::io;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use crate::Endpoint;

/// The IANA port for SCTP over UDP (RFC 6951 5.1).
pub const SCTP_TUNNELING_PORT: u16 = 9899;

/// An endpoint bound to one UDP socket.
pub struct UdpDriver {
    /// The sans-IO endpoint.
    pub ep: Endpoint,
    socket: UdpSocket,
    local_ip: IpAddr,
    buf: Vec<u8>,
    rx: Vec<u8>,
    /// Datagrams that could not be sent (the socket refused them).
    pub send_errors: u64,
    /// ICMP port-unreachable reports for datagrams we sent (Linux returns
    /// them as ECONNREFUSED on a later call): nobody listens on that port.
    pub icmp_refused: u64,
}

impl UdpDriver {
    /// Binds `local` (use port 0 for any) and drives `ep` through it.
    pub fn bind(ep: Endpoint, local: SocketAddr) -> io::Result<Self> {
        let socket = UdpSocket::bind(local)?;
        Ok(UdpDriver {
            ep,
            local_ip: local.ip(),
            socket,
            buf: Vec::with_capacity(65536),
            rx: vec![0; 65536],
            send_errors: 0,
            icmp_refused: 0,
        })
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
            match self.socket.send_to(&self.buf, to) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => self.icmp_refused += 1,
                // A full buffer or an unreachable network: SCTP
                // retransmits; count it and go on.
                Err(_) => self.send_errors += 1,
            }
        }
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
            let r = self.socket.recv_from(&mut self.rx);
            match r {
                Ok((n, from)) => {
                    let now = Instant::now();
                    self.ep
                        .handle_packet(now, from, self.local_ip, &self.rx[..n]);
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
                    continue;
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    break
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
