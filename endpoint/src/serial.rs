//! Serial number arithmetic (RFC 1982, as RFC 9260 1.6 requires for TSNs,
//! SSNs and MIDs), and unwrapping to 64 bits where ordering matters.

/// A TSN (RFC 9260 3.3.1), compared in serial-number order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Tsn(pub u32);

impl Tsn {
    /// The TSN `n` after this one.
    #[inline]
    pub fn plus(self, n: u32) -> Tsn {
        Tsn(self.0.wrapping_add(n))
    }
    /// The TSN before this one.
    #[inline]
    pub fn prev(self) -> Tsn {
        Tsn(self.0.wrapping_sub(1))
    }
    /// The TSN after this one.
    #[inline]
    pub fn next(self) -> Tsn {
        Tsn(self.0.wrapping_add(1))
    }
    /// `self < other` in serial arithmetic (RFC 1982 3.2, SERIAL_BITS = 32).
    #[inline]
    pub fn lt(self, other: Tsn) -> bool {
        lt32(self.0, other.0)
    }
    /// `self <= other` in serial arithmetic.
    #[inline]
    pub fn le(self, other: Tsn) -> bool {
        self == other || self.lt(other)
    }
    /// `self > other` in serial arithmetic.
    #[inline]
    pub fn gt(self, other: Tsn) -> bool {
        other.lt(self)
    }
    /// `self >= other` in serial arithmetic.
    #[inline]
    pub fn ge(self, other: Tsn) -> bool {
        other.le(self)
    }
    /// How far `self` is after `base` (wrapping).
    #[inline]
    pub fn distance_from(self, base: Tsn) -> u32 {
        self.0.wrapping_sub(base.0)
    }
}

/// `a < b` for 32-bit serial numbers (RFC 1982 3.2).
#[inline]
pub fn lt32(a: u32, b: u32) -> bool {
    a != b && b.wrapping_sub(a) < 1 << 31
}

/// `a < b` for 16-bit serial numbers (SSNs, RFC 9260 6.5).
#[inline]
pub fn lt16(a: u16, b: u16) -> bool {
    a != b && b.wrapping_sub(a) < 1 << 15
}

/// Turns 32-bit serial numbers into monotonic 64-bit ones, relative to the
/// last value seen (as dcsctp's `UnwrappedSequenceNumber`).
#[derive(Debug, Clone, Copy)]
pub struct Unwrapper {
    last: u64,
}

impl Unwrapper {
    /// Starts at `first`, which unwraps to `2^32 + first` so that values a
    /// little before it stay positive.
    pub fn new(first: u32) -> Self {
        Unwrapper {
            last: (1u64 << 32) + first as u64,
        }
    }
    /// The 64-bit value of `v`, the closest to the last one unwrapped; the
    /// reference moves forward when `v` is after it.
    pub fn unwrap(&mut self, v: u32) -> u64 {
        let u = self.peek(v);
        if u > self.last {
            self.last = u;
        }
        u
    }
    /// As [`Unwrapper::unwrap`], without moving the reference.
    pub fn peek(&self, v: u32) -> u64 {
        let last32 = self.last as u32;
        let delta = v.wrapping_sub(last32) as i32 as i64;
        (self.last as i64 + delta) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_order_wraps() {
        assert!(Tsn(0xffff_ffff).lt(Tsn(0)));
        assert!(Tsn(0).gt(Tsn(0xffff_fff0)));
        assert!(!Tsn(5).lt(Tsn(5)));
        assert!(Tsn(5).le(Tsn(5)));
        assert!(Tsn(1).lt(Tsn(0x7fff_ffff)));
        assert!(!Tsn(1).lt(Tsn(0x8000_0001)));
        assert!(lt16(0xfffe, 2));
        assert!(!lt16(2, 0xfffe));
        assert_eq!(Tsn(3).distance_from(Tsn(0xffff_fffe)), 5);
    }

    #[test]
    fn unwrapper_crosses_wrap() {
        let mut u = Unwrapper::new(0xffff_fffe);
        let a = u.unwrap(0xffff_fffe);
        let b = u.unwrap(0xffff_ffff);
        let c = u.unwrap(0);
        let d = u.unwrap(1);
        assert_eq!([b - a, c - a, d - a], [1, 2, 3]);
        // An older value stays older and does not move the reference.
        assert_eq!(u.unwrap(0xffff_fffd), a - 1);
        assert_eq!(u.unwrap(2), d + 1);
    }
}
