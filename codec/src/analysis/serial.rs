//! TSNs as serial numbers (RFC 9260 1.6, RFC 1982): 32-bit values that wrap,
//! unwrapped here into a 64-bit line so that ordering, distances and map keys
//! work across the wrap.

/// Where unwrapped values start: far enough from zero that a TSN a little
/// before the first one seen still unwraps to a positive number.
const ORIGIN: u64 = 1 << 40;

/// Unwraps 32-bit TSNs (RFC 9260 1.6 serial number arithmetic) of one
/// direction onto a 64-bit line, relative to the last value it accepted as
/// a reference: a TSN is placed at the nearest point (within 2^31) of the
/// reference, so a stream of TSNs that never jumps by 2^31 or more keeps its
/// order across any number of wraps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unwrapper {
    reference: u64,
}

impl Unwrapper {
    /// Starts at `tsn` (RFC 9260 1.6).
    pub fn new(tsn: u32) -> Self {
        Unwrapper {
            reference: ORIGIN + u64::from(tsn),
        }
    }

    /// `tsn` on the 64-bit line, nearest the reference (RFC 1982 3.2).
    pub fn unwrap(&self, tsn: u32) -> u64 {
        let r = self.reference;
        let delta = tsn.wrapping_sub(r as u32) as i32;
        r.wrapping_add_signed(i64::from(delta))
    }

    /// Moves the reference forward to `at` (an unwrapped value); never back.
    pub fn advance(&mut self, at: u64) {
        self.reference = self.reference.max(at);
    }

    /// The 32-bit TSN of an unwrapped value.
    pub fn wrap(at: u64) -> u32 {
        at as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_survives_the_wrap() {
        let mut u = Unwrapper::new(0xffff_fffe);
        let a = u.unwrap(0xffff_fffe);
        let b = u.unwrap(0xffff_ffff);
        let c = u.unwrap(0);
        let d = u.unwrap(1);
        assert!(a < b && b < c && c < d);
        assert_eq!(d - a, 3);
        u.advance(d);
        assert_eq!(u.unwrap(0xffff_fffd), a - 1);
        assert_eq!(Unwrapper::wrap(c), 0);
        // Far forward of the reference (just under 2^31) stays forward.
        assert!(u.unwrap(1u32.wrapping_add(0x7fff_ffff)) > d);
    }
}
