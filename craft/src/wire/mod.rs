//! Sending and receiving whole SCTP packets (common header onwards): over UDP
//! encapsulation (RFC 6951) with std's UDP sockets, or over raw IPv4/IPv6
//! (protocol 132, RFC 9260 1.4) with `socket2`.
//!
//! INTERFACE CONTRACT (used by `lang`/the REPL; keep these signatures):
//! `Path`, `Link::open`, `Link::send`, `Link::recv`, `Link::local_ip`,
//! `Link::remote_ip`, `Received`.

mod raw;
mod recent;
mod udp;

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context as _;

use recent::Recent;

/// IP protocol number of SCTP (RFC 9260 1.4, IANA protocol numbers).
pub const IPPROTO_SCTP: i32 = 132;

/// The UDP port IANA assigned to SCTP over UDP encapsulation (RFC 6951 5.1).
pub const SCTP_UDP_PORT: u16 = 9899;

/// Set when the user presses Ctrl-C (the REPL's SIGINT handler sets it):
/// every wait on a [`Link`] ([`Link::recv`], and so the handshake, `recv`,
/// `sr`, `expect`) stops within [`INTERRUPT_POLL`] with an [`Interrupted`]
/// error. Whoever starts a command clears it.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// How often a wait looks at [`INTERRUPTED`].
pub const INTERRUPT_POLL: Duration = Duration::from_millis(100);

/// True when Ctrl-C was pressed (the flag stays set).
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// The error of a wait that Ctrl-C stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted (Ctrl-C)")
    }
}

impl std::error::Error for Interrupted {}

/// True when `e` (or what caused it) is an [`Interrupted`] wait.
pub fn is_interrupted(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.is::<Interrupted>())
}

/// Where packets go and come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Path {
    /// UDP encapsulation (RFC 6951): SCTP packets as UDP payloads between two UDP sockets.
    Udp {
        /// Local UDP address to bind (port 0 = any free port).
        local: SocketAddr,
        /// The peer's UDP encapsulation address (usually port 9899).
        remote: SocketAddr,
    },
    /// Raw IP, protocol 132, IPv4 or IPv6 (needs CAP_NET_RAW).
    RawIp {
        /// Local address to send from (`None`: chosen by the kernel).
        local: Option<IpAddr>,
        /// The peer's address.
        remote: IpAddr,
    },
}

impl std::fmt::Display for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Path::Udp { local, remote } => write!(f, "udp {local} -> {remote}"),
            Path::RawIp {
                local: Some(l),
                remote,
            } => write!(f, "ip {l} -> {remote}"),
            Path::RawIp {
                local: None,
                remote,
            } => write!(f, "ip {remote}"),
        }
    }
}

/// One packet received from the peer.
#[derive(Debug, Clone)]
pub struct Received {
    /// The SCTP packet, common header onwards.
    pub sctp: Vec<u8>,
    /// Who sent it (IP address; UDP port too for encapsulation, 0 for raw IP).
    pub from: SocketAddr,
    /// When it arrived.
    pub at: SystemTime,
}

/// The socket behind a link.
enum Transport {
    Udp(udp::UdpTransport),
    Raw(raw::RawTransport),
}

/// An open path to one peer.
pub struct Link {
    path: Path,
    transport: Transport,
    /// The local address the kernel chose (after connect).
    local: SocketAddr,
    /// Packets we sent lately: on loopback a raw socket also sees them.
    recent: Recent,
}

impl Link {
    /// Opens the sockets for `path`. For raw IP this also keeps a raw
    /// protocol-132 socket open so the host does not answer the peer with ICMP.
    ///
    /// Errors: a bad address (unspecified peer, mixed IPv4/IPv6), no
    /// permission for raw sockets (root or CAP_NET_RAW needed), no route.
    pub fn open(path: &Path) -> anyhow::Result<Link> {
        let (transport, local) = match path {
            Path::Udp { local, remote } => {
                let t = udp::UdpTransport::open(*local, *remote)
                    .with_context(|| format!("opening UDP encapsulation path {path}"))?;
                let l = t.local_addr()?;
                (Transport::Udp(t), l)
            }
            Path::RawIp { local, remote } => {
                let t = raw::RawTransport::open(*local, *remote)
                    .with_context(|| format!("opening raw IP path {path}"))?;
                let l = t.local_addr()?;
                (Transport::Raw(t), l)
            }
        };
        Ok(Link {
            path: path.clone(),
            transport,
            local,
            recent: Recent::default(),
        })
    }
    /// The path this link was opened on.
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// The local socket address in use (UDP: the bound port; raw IP: port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }
    /// Sends one SCTP packet (bytes as given: checksum and lengths untouched).
    pub fn send(&mut self, sctp: &[u8]) -> anyhow::Result<()> {
        let r = match &self.transport {
            Transport::Udp(t) => t.send(sctp),
            Transport::Raw(t) => t.send(sctp),
        };
        r.with_context(|| format!("sending {} bytes on {}", sctp.len(), self.path))?;
        if matches!(self.transport, Transport::Raw(_)) {
            self.recent.push(sctp);
        }
        Ok(())
    }
    /// Waits up to `timeout` for the next SCTP packet from the peer; `Ok(None)` on timeout.
    ///
    /// Only packets from the peer's address (and UDP port) are returned;
    /// copies of our own packets (seen on loopback) and anything shorter
    /// than the SCTP common header (RFC 9260 3.1, 12 bytes) are skipped.
    ///
    /// Waits in slices of [`INTERRUPT_POLL`]: Ctrl-C ([`INTERRUPTED`]) ends
    /// the wait with an [`Interrupted`] error.
    pub fn recv(&mut self, timeout: Duration) -> anyhow::Result<Option<Received>> {
        let deadline = deadline_after(timeout);
        loop {
            if interrupted() {
                return Err(anyhow::Error::new(Interrupted));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            let slice = left.min(INTERRUPT_POLL);
            let got = match &self.transport {
                Transport::Udp(t) => t.recv(slice),
                Transport::Raw(t) => t.recv(slice),
            }
            .with_context(|| format!("receiving on {}", self.path))?;
            let Some((sctp, from)) = got else {
                continue;
            };
            if sctp.len() < 12 || self.recent.take(&sctp) {
                continue;
            }
            return Ok(Some(Received {
                sctp,
                from,
                at: SystemTime::now(),
            }));
        }
    }
    /// The local IP address packets are sent from (for captures).
    pub fn local_ip(&self) -> IpAddr {
        match &self.path {
            Path::Udp { .. } => self.local.ip(),
            Path::RawIp { local: Some(l), .. } => *l,
            Path::RawIp { local: None, .. } => self.local.ip(),
        }
    }
    /// The peer's IP address.
    pub fn remote_ip(&self) -> IpAddr {
        match &self.path {
            Path::Udp { remote, .. } => remote.ip(),
            Path::RawIp { remote, .. } => *remote,
        }
    }
}

/// `now + timeout`, saturating far in the future (never panics on huge timeouts).
pub fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .or_else(|| now.checked_add(Duration::from_secs(365 * 86_400)))
        .unwrap_or(now)
}

/// A read timeout a socket accepts (never zero, which would mean "block").
fn read_timeout(left: Duration) -> Duration {
    left.max(Duration::from_millis(1))
}

/// True when an I/O error only means "nothing arrived in time".
fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock
            | std::io::ErrorKind::TimedOut
            | std::io::ErrorKind::Interrupted
    )
}

/// Checks that `remote` can be a peer and `local` goes with it.
fn check_addresses(local: Option<IpAddr>, remote: IpAddr) -> anyhow::Result<()> {
    if remote.is_unspecified() {
        anyhow::bail!("bad peer address {remote}: unspecified");
    }
    if remote.is_multicast() {
        anyhow::bail!("bad peer address {remote}: SCTP is unicast only (RFC 9260 1.1)");
    }
    if let Some(l) = local {
        if l.is_ipv4() != remote.is_ipv4() {
            anyhow::bail!(
                "bad address pair: local {l} and peer {remote} are not the same IP version"
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(p: Path) -> String {
        match Link::open(&p) {
            Ok(_) => panic!("{p} opened"),
            Err(e) => format!("{e:#}"),
        }
    }

    #[test]
    fn bad_addresses_are_refused_with_a_reason() {
        let e = err(Path::Udp {
            local: "127.0.0.1:0".parse().unwrap(),
            remote: "0.0.0.0:9899".parse().unwrap(),
        });
        assert!(e.contains("unspecified"), "{e}");
        let e = err(Path::Udp {
            local: "[::1]:0".parse().unwrap(),
            remote: "127.0.0.1:9899".parse().unwrap(),
        });
        assert!(e.contains("not the same IP version"), "{e}");
        let e = err(Path::Udp {
            local: "127.0.0.1:0".parse().unwrap(),
            remote: "127.0.0.1:0".parse().unwrap(),
        });
        assert!(e.contains("UDP port 0"), "{e}");
        let e = err(Path::RawIp {
            local: Some("::1".parse().unwrap()),
            remote: "127.0.0.1".parse().unwrap(),
        });
        assert!(e.contains("not the same IP version"), "{e}");
        let e = err(Path::RawIp {
            local: None,
            remote: "224.0.0.1".parse().unwrap(),
        });
        assert!(e.contains("unicast"), "{e}");
    }

    #[test]
    fn udp_link_times_out_with_none() {
        let peer = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let path = Path::Udp {
            local: "127.0.0.1:0".parse().unwrap(),
            remote: peer.local_addr().unwrap(),
        };
        let mut l = Link::open(&path).unwrap();
        assert_eq!(l.local_addr().ip(), l.local_ip());
        let t = Instant::now();
        assert!(l.recv(Duration::from_millis(50)).unwrap().is_none());
        assert!(t.elapsed() >= Duration::from_millis(50));
        // A datagram from the peer comes through whole; a runt is skipped.
        l.send(b"0123456789ab").unwrap();
        let mut buf = [0u8; 64];
        let (n, from) = peer.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"0123456789ab");
        peer.send_to(b"short", from).unwrap();
        peer.send_to(b"twelve bytes", from).unwrap();
        let r = l.recv(Duration::from_secs(1)).unwrap().expect("a packet");
        assert_eq!(r.sctp, b"twelve bytes");
        assert_eq!(r.from, peer.local_addr().unwrap());
        // A huge timeout neither panics nor waits once a packet is there.
        peer.send_to(b"another pkt.", from).unwrap();
        let r = l.recv(Duration::MAX).unwrap().expect("a packet");
        assert_eq!(r.sctp, b"another pkt.");
    }
}
