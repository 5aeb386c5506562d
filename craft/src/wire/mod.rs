//! Sending and receiving whole SCTP packets (common header onwards): over UDP
//! encapsulation (RFC 6951) with std's UDP sockets, or over raw IPv4/IPv6
//! (protocol 132) with `socket2`.
//!
//! INTERFACE CONTRACT (used by `lang`/the REPL; keep these signatures):
//! `Path`, `Link::open`, `Link::send`, `Link::recv`, `Link::local_ip`,
//! `Link::remote_ip`, `Received`.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, SystemTime};

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

/// One packet received from the peer.
#[derive(Debug, Clone)]
pub struct Received {
    /// The SCTP packet, common header onwards.
    pub sctp: Vec<u8>,
    /// Who sent it (IP address; UDP port too for encapsulation).
    pub from: SocketAddr,
    /// When it arrived.
    pub at: SystemTime,
}

/// An open path to one peer.
pub struct Link {
    path: Path,
}

impl Link {
    /// Opens the sockets for `path`. For raw IP this also keeps a raw
    /// protocol-132 socket open so the host does not answer the peer with ICMP.
    pub fn open(path: &Path) -> anyhow::Result<Link> {
        anyhow::bail!("wire: opening {path:?} is not implemented yet")
    }
    /// The path this link was opened on.
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// Sends one SCTP packet (bytes as given: checksum and lengths untouched).
    pub fn send(&mut self, sctp: &[u8]) -> anyhow::Result<()> {
        let _ = sctp;
        anyhow::bail!("wire: send is not implemented yet")
    }
    /// Waits up to `timeout` for the next SCTP packet from the peer; `Ok(None)` on timeout.
    pub fn recv(&mut self, timeout: Duration) -> anyhow::Result<Option<Received>> {
        let _ = timeout;
        anyhow::bail!("wire: recv is not implemented yet")
    }
    /// The local IP address packets are sent from (for captures).
    pub fn local_ip(&self) -> IpAddr {
        match &self.path {
            Path::Udp { local, .. } => local.ip(),
            Path::RawIp { local, remote } => local.unwrap_or(*remote),
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
