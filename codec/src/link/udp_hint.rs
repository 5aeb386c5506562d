//! Finding SCTP over UDP (RFC 6951) on ports nobody configured: a capture
//! whose SCTP travels on UDP ports other than 9899 shows no SCTP at all
//! until they are named (`--udp-port`, tshark's `-d udp.port==N,sctp`).
//! [`UdpSctpFinder`] tries every UDP datagram as an SCTP packet and keeps
//! those whose CRC32c (RFC 9260 6.8, Appendix A) is right: a random payload
//! passes with odds of 2^-32, so the ports it reports carry SCTP.

use super::{extract_sctp, Defragmenter, Encapsulation, LinkConfig};
use crate::checksum::{verify, ChecksumStatus, VerifyMode};

/// The wildcard of [`LinkConfig::udp_ports`]: listed, every UDP port is
/// taken as carrying SCTP (UDP port 0 is reserved, RFC 768).
pub const ANY_UDP_PORT: u16 = 0;

/// Counts, per pair of UDP ports, the datagrams that hold an SCTP packet
/// with a right CRC32c; fed frame by frame.
#[derive(Debug)]
pub struct UdpSctpFinder {
    cfg: LinkConfig,
    defrag: Defragmenter,
    /// (lower port, higher port) and how many datagrams.
    pairs: Vec<((u16, u16), u64)>,
}

impl Default for UdpSctpFinder {
    fn default() -> Self {
        UdpSctpFinder {
            cfg: LinkConfig {
                udp_ports: vec![ANY_UDP_PORT],
            },
            defrag: Defragmenter::default(),
            pairs: Vec::new(),
        }
    }
}

impl UdpSctpFinder {
    /// Looks at one captured frame of link type `link_type`.
    pub fn frame(&mut self, link_type: u32, data: &[u8]) {
        let Ok(Some(seg)) = extract_sctp(link_type, data, &self.cfg, &mut self.defrag) else {
            return;
        };
        let Encapsulation::Udp { src_port, dst_port } = seg.encap else {
            return;
        };
        if seg.truncated {
            return;
        }
        // A zero checksum (RFC 9653) proves nothing here.
        let c = verify(&seg.sctp, VerifyMode::Crc32c);
        if c.value == 0 || c.status != ChecksumStatus::Good {
            return;
        }
        let key = (src_port.min(dst_port), src_port.max(dst_port));
        match self.pairs.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => self.pairs.push((key, 1)),
        }
    }

    /// The port pairs found and their datagrams, most datagrams first.
    pub fn found(&self) -> Vec<((u16, u16), u64)> {
        let mut v = self.pairs.clone();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }

    /// The ports to name, each once, in the order of [`Self::found`].
    pub fn ports(&self) -> Vec<u16> {
        let mut ports = Vec::new();
        for ((a, b), _) in self.found() {
            for p in [a, b] {
                if !ports.contains(&p) {
                    ports.push(p);
                }
            }
        }
        ports
    }

    /// What to tell a user who saw no SCTP: the datagrams found and the
    /// `--udp-port` options that show them; `None` when none were found.
    pub fn hint(&self) -> Option<String> {
        let found = self.found();
        let total: u64 = found.iter().map(|(_, n)| n).sum();
        if total == 0 {
            return None;
        }
        let pairs: Vec<String> = found
            .iter()
            .map(|((a, b), _)| {
                if a == b {
                    format!("port {a}")
                } else {
                    format!("ports {a} and {b}")
                }
            })
            .collect();
        let opts: Vec<String> = self
            .ports()
            .iter()
            .map(|p| format!("--udp-port {p}"))
            .collect();
        Some(format!(
            "{total} UDP datagram{} between {} hold SCTP packets (RFC 6951) with a right CRC32c: add {}",
            if total == 1 { "" } else { "s" },
            pairs.join(", "),
            opts.join(" ")
        ))
    }
}
