//! HEARTBEAT round trips (RFC 9260 8.3): each HEARTBEAT ACK matched to the
//! HEARTBEAT whose Heartbeat Information it echoes, giving the RTT of the
//! destination address the HEARTBEAT probed.
//!
//! A sender puts what it likes in the Heartbeat Information (RFC 9260
//! 3.3.5) and the receiver returns it unchanged (RFC 9260 3.3.6), so the
//! whole chunk value is the key. Memory: at most [`MAX_PENDING`]
//! unanswered HEARTBEATs per direction, each keeping at most
//! [`MAX_INFO`] bytes of its information (a longer one is compared by
//! length and prefix).

use std::net::IpAddr;

/// Unanswered HEARTBEATs remembered per direction; past it the oldest go.
pub const MAX_PENDING: usize = 16;

/// Bytes of Heartbeat Information kept for matching.
pub const MAX_INFO: usize = 256;

/// A HEARTBEAT ACK matched to its HEARTBEAT (RFC 9260 8.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeartbeatNote {
    /// Frame of the HEARTBEAT this ACK answers.
    pub request_frame: u64,
    /// From the HEARTBEAT to this ACK, nanoseconds.
    pub rtt_ns: i64,
    /// The destination address the HEARTBEAT probed (RFC 9260 8.3: one
    /// per destination transport address).
    pub addr: IpAddr,
    /// The same information was sent more than once before this answer:
    /// the RTT is measured from the latest copy.
    pub resent: bool,
}

#[derive(Debug, Clone)]
struct Pending {
    /// Full length of the information and its first bytes.
    len: usize,
    info: Box<[u8]>,
    frame: u64,
    ns: i128,
    addr: IpAddr,
    path: u16,
    resent: bool,
}

impl Pending {
    fn matches(&self, info: &[u8]) -> bool {
        self.len == info.len() && info[..info.len().min(MAX_INFO)] == self.info[..]
    }
}

/// The unanswered HEARTBEATs one direction sent.
#[derive(Debug, Clone, Default)]
pub(crate) struct Heartbeats {
    pending: Vec<Pending>,
}

/// A matched HEARTBEAT: the note and the path of the sender it was sent on.
pub(crate) struct Matched {
    pub note: HeartbeatNote,
    pub path: u16,
}

impl Heartbeats {
    /// A HEARTBEAT with chunk value `info` sent to `addr` on `path`.
    pub fn sent(&mut self, info: &[u8], frame: u64, ns: i128, addr: IpAddr, path: u16) {
        let mut resent = false;
        if let Some(i) = self.pending.iter().position(|p| p.matches(info)) {
            resent = true;
            self.pending.remove(i);
        }
        if self.pending.len() >= MAX_PENDING {
            self.pending.remove(0);
        }
        self.pending.push(Pending {
            len: info.len(),
            info: info[..info.len().min(MAX_INFO)].into(),
            frame,
            ns,
            addr,
            path,
            resent,
        });
    }

    /// A HEARTBEAT ACK of the peer with chunk value `info`: the HEARTBEAT it
    /// answers, now forgotten.
    pub fn answered(&mut self, info: &[u8], ns: i128) -> Option<Matched> {
        let i = self.pending.iter().position(|p| p.matches(info))?;
        let p = self.pending.remove(i);
        let rtt = (ns - p.ns).clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
        Some(Matched {
            note: HeartbeatNote {
                request_frame: p.frame,
                rtt_ns: rtt,
                addr: p.addr,
                resent: p.resent,
            },
            path: p.path,
        })
    }

    /// HEARTBEATs held.
    pub fn held(&self) -> usize {
        self.pending.len()
    }

    /// Forgets every pending HEARTBEAT.
    pub fn release(&mut self) {
        self.pending = Vec::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn matched_by_information() {
        let mut h = Heartbeats::default();
        h.sent(b"aaaa", 1, 1_000, ip("10.0.0.2"), 0);
        h.sent(b"bbbb", 2, 2_000, ip("10.0.0.3"), 1);
        assert!(h.answered(b"cccc", 3_000).is_none());
        let m = h.answered(b"bbbb", 5_000).unwrap();
        assert_eq!(m.note.request_frame, 2);
        assert_eq!(m.note.rtt_ns, 3_000);
        assert_eq!(m.note.addr, ip("10.0.0.3"));
        assert_eq!(m.path, 1);
        assert!(h.answered(b"bbbb", 6_000).is_none(), "answered once");
        assert_eq!(h.held(), 1);
    }

    #[test]
    fn resent_and_bounded() {
        let mut h = Heartbeats::default();
        h.sent(b"x", 1, 0, ip("::1"), 0);
        h.sent(b"x", 2, 10, ip("::1"), 0);
        let m = h.answered(b"x", 25).unwrap();
        assert_eq!(
            (m.note.request_frame, m.note.rtt_ns, m.note.resent),
            (2, 15, true)
        );
        for k in 0..100u32 {
            h.sent(&k.to_be_bytes(), u64::from(k), 0, ip("::1"), 0);
        }
        assert_eq!(h.held(), MAX_PENDING);
        assert!(h.answered(&0u32.to_be_bytes(), 1).is_none(), "oldest gone");
        assert!(h.answered(&99u32.to_be_bytes(), 1).is_some());
    }

    #[test]
    fn long_information_compared_by_length_and_prefix() {
        let mut h = Heartbeats::default();
        let long = vec![7u8; MAX_INFO + 10];
        h.sent(&long, 1, 0, ip("::1"), 0);
        assert!(h.answered(&long[..MAX_INFO + 9], 1).is_none());
        assert!(h.answered(&long, 1).is_some());
    }
}
