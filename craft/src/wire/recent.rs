//! The packets a link sent lately, so that a raw socket on loopback, which
//! also receives our own packets, does not return them as the peer's.

use std::collections::VecDeque;

/// How many sent packets are remembered.
const KEEP: usize = 32;

/// A short memory of sent packets.
#[derive(Debug, Default)]
pub(super) struct Recent {
    sent: VecDeque<Vec<u8>>,
}

impl Recent {
    /// Remembers a sent packet.
    pub(super) fn push(&mut self, p: &[u8]) {
        if self.sent.len() == KEEP {
            self.sent.pop_front();
        }
        self.sent.push_back(p.to_vec());
    }
    /// True (and forgets it) when `p` is one of our own sent packets.
    pub(super) fn take(&mut self, p: &[u8]) -> bool {
        match self.sent.iter().position(|s| s == p) {
            Some(i) => {
                self.sent.remove(i);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_packet_is_taken_once() {
        let mut r = Recent::default();
        r.push(b"abc");
        assert!(!r.take(b"abd"));
        assert!(r.take(b"abc"));
        assert!(!r.take(b"abc"));
    }

    #[test]
    fn memory_is_bounded() {
        let mut r = Recent::default();
        for i in 0..(KEEP as u32 + 5) {
            r.push(&i.to_be_bytes());
        }
        assert!(!r.take(&0u32.to_be_bytes()));
        assert!(r.take(&(KEEP as u32 + 4).to_be_bytes()));
    }
}
