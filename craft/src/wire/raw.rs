//! Raw IP with protocol 132 (RFC 9260 1.4) through `socket2`. The socket is
//! connected to the peer, so the kernel passes on only the peer's packets,
//! and while it is open Linux does not answer the peer's SCTP packets with
//! ICMP protocol unreachable (there is no kernel SCTP to take them).

use std::io::{ErrorKind, Read as _};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use anyhow::Context as _;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

/// A raw protocol-132 socket connected to one peer.
pub(super) struct RawTransport {
    sock: Socket,
    remote: IpAddr,
}

impl RawTransport {
    /// Opens, binds (if `local`) and connects the raw socket.
    pub(super) fn open(local: Option<IpAddr>, remote: IpAddr) -> anyhow::Result<Self> {
        super::check_addresses(local, remote)?;
        let domain = if remote.is_ipv4() {
            Domain::IPV4
        } else {
            Domain::IPV6
        };
        let sock = Socket::new(domain, Type::RAW, Some(Protocol::from(super::IPPROTO_SCTP)))
            .map_err(|e| {
                if e.kind() == ErrorKind::PermissionDenied {
                    anyhow::anyhow!("raw sockets need root or CAP_NET_RAW ({e})")
                } else {
                    anyhow::Error::new(e).context("opening a raw IP protocol 132 socket")
                }
            })?;
        if let Some(l) = local {
            sock.bind(&SockAddr::from(SocketAddr::new(l, 0)))
                .with_context(|| format!("binding local address {l} (is it on an interface?)"))?;
        }
        sock.connect(&SockAddr::from(SocketAddr::new(remote, 0)))
            .with_context(|| format!("no route to peer {remote}"))?;
        Ok(RawTransport { sock, remote })
    }
    /// The local address the kernel chose for the peer.
    pub(super) fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        self.sock
            .local_addr()?
            .as_socket()
            .context("raw socket has no IP local address")
    }
    /// Sends one SCTP packet; the kernel adds the IP header.
    pub(super) fn send(&self, sctp: &[u8]) -> anyhow::Result<()> {
        self.sock.send(sctp).map_err(|e| self.error(e))?;
        Ok(())
    }
    /// The SCTP part of the next packet from the peer, `None` when `left`
    /// runs out or the packet was not SCTP from the peer.
    pub(super) fn recv(&self, left: Duration) -> anyhow::Result<Option<(Vec<u8>, SocketAddr)>> {
        self.sock
            .set_read_timeout(Some(super::read_timeout(left)))?;
        let mut buf = vec![0u8; 65536];
        let n = match (&self.sock).read(&mut buf) {
            Ok(n) => n,
            Err(e) if super::is_timeout(&e) => return Ok(None),
            Err(e) => return Err(self.error(e)),
        };
        buf.truncate(n);
        let from = SocketAddr::new(self.remote, 0);
        if self.remote.is_ipv6() {
            // Raw IPv6 sockets deliver the payload only (RFC 3542 3).
            return Ok(Some((buf, from)));
        }
        Ok(strip_ipv4(&buf, self.remote).map(|s| (s.to_vec(), from)))
    }
    /// Names the usual causes of errors on a connected raw socket.
    fn error(&self, e: std::io::Error) -> anyhow::Error {
        let remote = self.remote;
        // Linux reports ICMP errors on a connected raw socket as errno
        // values: protocol unreachable as ENOPROTOOPT (92), host and network
        // unreachable as EHOSTUNREACH (113) and ENETUNREACH (101).
        match e.raw_os_error() {
            Some(92) => {
                return anyhow::anyhow!(
                    "peer {remote} refused SCTP (ICMP protocol unreachable: no SCTP stack there)"
                )
            }
            Some(113) | Some(101) => {
                return anyhow::anyhow!("peer {remote} is unreachable (ICMP unreachable): {e}")
            }
            _ => {}
        }
        match e.kind() {
            ErrorKind::ConnectionRefused => anyhow::anyhow!(
                "peer {remote} refused SCTP (ICMP protocol unreachable: no SCTP stack there)"
            ),
            ErrorKind::PermissionDenied => {
                anyhow::anyhow!("sending to {remote} was refused locally (a firewall rule?): {e}")
            }
            _ => anyhow::Error::new(e).context(format!("raw IP peer {remote}")),
        }
    }
}

/// The payload of an IPv4 packet from `remote` carrying protocol 132 (the
/// header length from IHL, RFC 791 3.1), or `None` for anything else.
fn strip_ipv4(b: &[u8], remote: IpAddr) -> Option<&[u8]> {
    if b.len() < 20 || b[0] >> 4 != 4 {
        return None;
    }
    let ihl = (b[0] & 0x0f) as usize * 4;
    let total = u16::from_be_bytes([b[2], b[3]]) as usize;
    if ihl < 20 || b.len() < ihl || b[9] != super::IPPROTO_SCTP as u8 {
        return None;
    }
    let src = IpAddr::from([b[12], b[13], b[14], b[15]]);
    if src != remote {
        return None;
    }
    let end = if total >= ihl && total <= b.len() {
        total
    } else {
        b.len()
    };
    Some(&b[ihl..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ipv4(ihl: u8, proto: u8, src: [u8; 4], payload: &[u8]) -> Vec<u8> {
        let hl = ihl as usize * 4;
        let mut v = vec![0u8; hl];
        v[0] = 0x40 | ihl;
        v[2..4].copy_from_slice(&((hl + payload.len()) as u16).to_be_bytes());
        v[8] = 64;
        v[9] = proto;
        v[12..16].copy_from_slice(&src);
        v[16..20].copy_from_slice(&[10, 0, 0, 1]);
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn strips_header_by_ihl() {
        let peer = IpAddr::from([10, 0, 0, 2]);
        let p = ipv4(5, 132, [10, 0, 0, 2], b"sctp-packet!");
        assert_eq!(strip_ipv4(&p, peer), Some(&b"sctp-packet!"[..]));
        let p = ipv4(6, 132, [10, 0, 0, 2], b"with options");
        assert_eq!(strip_ipv4(&p, peer), Some(&b"with options"[..]));
    }

    #[test]
    fn rejects_other_protocols_sources_and_garbage() {
        let peer = IpAddr::from([10, 0, 0, 2]);
        assert_eq!(strip_ipv4(&ipv4(5, 17, [10, 0, 0, 2], b"x"), peer), None);
        assert_eq!(strip_ipv4(&ipv4(5, 132, [10, 0, 0, 3], b"x"), peer), None);
        assert_eq!(strip_ipv4(&[0x45, 0, 0], peer), None);
        let mut short_ihl = ipv4(5, 132, [10, 0, 0, 2], b"x");
        short_ihl[0] = 0x44;
        assert_eq!(strip_ipv4(&short_ihl, peer), None);
    }

    #[test]
    fn total_length_trims_ethernet_padding() {
        let peer = IpAddr::from([10, 0, 0, 2]);
        let mut p = ipv4(5, 132, [10, 0, 0, 2], b"abcd");
        p.extend_from_slice(&[0, 0]);
        assert_eq!(strip_ipv4(&p, peer), Some(&b"abcd"[..]));
    }
}
