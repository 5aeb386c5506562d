//! UDP encapsulation (RFC 6951): the UDP payload is the SCTP packet, common
//! header onwards; the peer listens on UDP port 9899 (RFC 6951 5.1) or another.

use std::io::ErrorKind;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use anyhow::Context as _;

/// A connected UDP socket to the peer's encapsulation port.
pub(super) struct UdpTransport {
    sock: UdpSocket,
    remote: SocketAddr,
}

impl UdpTransport {
    /// Binds `local` and connects to `remote` (so only the peer's datagrams arrive).
    pub(super) fn open(local: SocketAddr, remote: SocketAddr) -> anyhow::Result<Self> {
        super::check_addresses(Some(local.ip()), remote.ip())?;
        if remote.port() == 0 {
            anyhow::bail!("bad peer address {remote}: UDP port 0");
        }
        let sock = UdpSocket::bind(local).with_context(|| format!("binding UDP {local}"))?;
        sock.connect(remote)
            .with_context(|| format!("no route to UDP peer {remote}"))?;
        Ok(UdpTransport { sock, remote })
    }
    /// The bound local address.
    pub(super) fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.sock.local_addr()?)
    }
    /// Sends one SCTP packet as one datagram.
    pub(super) fn send(&self, sctp: &[u8]) -> anyhow::Result<()> {
        match self.sock.send(sctp) {
            Ok(_) => Ok(()),
            Err(e) => Err(refused(e, self.remote)),
        }
    }
    /// The next datagram from the peer, `None` when `left` runs out.
    pub(super) fn recv(&self, left: Duration) -> anyhow::Result<Option<(Vec<u8>, SocketAddr)>> {
        self.sock
            .set_read_timeout(Some(super::read_timeout(left)))?;
        let mut buf = vec![0u8; 65536];
        match self.sock.recv(&mut buf) {
            Ok(n) => {
                buf.truncate(n);
                Ok(Some((buf, self.remote)))
            }
            Err(e) if super::is_timeout(&e) => Ok(None),
            Err(e) => Err(refused(e, self.remote)),
        }
    }
}

/// Names the usual cause of ECONNREFUSED on a connected UDP socket.
fn refused(e: std::io::Error, remote: SocketAddr) -> anyhow::Error {
    if e.kind() == ErrorKind::ConnectionRefused {
        anyhow::anyhow!(
            "UDP peer {remote} refused the packet (ICMP port unreachable: nothing listens on that UDP port)"
        )
    } else {
        anyhow::Error::new(e).context(format!("UDP peer {remote}"))
    }
}
