//! Random Initiate Tags and initial TSNs (RFC 9260 5.1.3 asks for good
//! randomness, RFC 4086): xorshift64* seeded from std's per-process random
//! hasher keys and the clock, with no extra crate.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

/// A small pseudo-random generator (xorshift64*).
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator seeded from std's random hasher keys and the clock.
    pub(crate) fn from_entropy() -> Rng {
        let mut h = RandomState::new().build_hasher();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        h.write_u64(nanos);
        h.write_u32(std::process::id());
        Rng(h.finish() | 1)
    }
    /// A generator that gives the same numbers for the same `seed`
    /// (`--seed`, the REPL's `seed N`): repeatable runs.
    pub(crate) fn from_seed(seed: u64) -> Rng {
        // splitmix64 of the seed: nearby seeds give unrelated streams, and
        // xorshift's state must not be 0.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }
    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A random non-zero 32-bit value (an Initiate Tag must not be 0, RFC 9260 3.3.2).
    pub(crate) fn nonzero_u32(&mut self) -> u32 {
        loop {
            let v = (self.next_u64() >> 32) as u32;
            if v != 0 {
                return v;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_generators_differ_and_never_give_zero() {
        let mut a = Rng::from_entropy();
        let mut b = Rng::from_entropy();
        let va: Vec<u32> = (0..8).map(|_| a.nonzero_u32()).collect();
        let vb: Vec<u32> = (0..8).map(|_| b.nonzero_u32()).collect();
        assert_ne!(va, vb);
        assert!(va.iter().chain(&vb).all(|v| *v != 0));
    }

    #[test]
    fn a_seed_gives_the_same_numbers_and_another_seed_others() {
        let take = |s: u64| -> Vec<u32> {
            let mut r = Rng::from_seed(s);
            (0..4).map(|_| r.nonzero_u32()).collect()
        };
        assert_eq!(take(7), take(7));
        assert_ne!(take(7), take(8));
        assert_ne!(take(0), take(1));
    }
}
