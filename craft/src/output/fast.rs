//! Number and address formatting for the hot output paths (one summary line
//! per packet, millions of lines): straight digit pushes instead of
//! `core::fmt`, which dominated `sctp-craft dissect`'s profile.

use std::fmt::Write as _;
use std::net::IpAddr;

/// Two decimal digits of every number below 100, for [`dec`].
const PAIRS: &str = "\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Appends `v` in decimal.
pub fn dec(out: &mut String, v: u64) {
    if v < 10 {
        out.push(char::from(b'0' + v as u8));
        return;
    }
    // Filled from the end, two digits at a time, then appended at once.
    let pairs = PAIRS.as_bytes();
    let mut buf = [0u8; 20];
    let mut k = buf.len();
    let mut v = v;
    while v >= 100 {
        let d = (v % 100) as usize * 2;
        v /= 100;
        k -= 2;
        buf[k..k + 2].copy_from_slice(&pairs[d..d + 2]);
    }
    if v >= 10 {
        let d = v as usize * 2;
        k -= 2;
        buf[k..k + 2].copy_from_slice(&pairs[d..d + 2]);
    } else {
        k -= 1;
        buf[k] = b'0' + v as u8;
    }
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(&buf[k..]).unwrap_or_default());
}

/// Appends `v` in decimal, right-aligned in `width` columns.
pub fn dec_padded(out: &mut String, v: u64, width: usize) {
    const SPACES: &str = "                                ";
    let digits = v.checked_ilog10().unwrap_or(0) as usize + 1;
    let mut pad = width.saturating_sub(digits);
    while pad > 0 {
        let n = pad.min(SPACES.len());
        out.push_str(&SPACES[..n]);
        pad -= n;
    }
    dec(out, v);
}

/// Appends `v` as `0x` and eight lower-case hex digits.
pub fn hex8(out: &mut String, v: u32) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut buf = *b"0x00000000";
    for k in 0..8 {
        buf[9 - k] = DIGITS[((v >> (4 * k)) & 0xf) as usize];
    }
    // Only ASCII was written.
    out.push_str(std::str::from_utf8(&buf).unwrap_or_default());
}

/// Appends `v` as `0x` and two lower-case hex digits.
pub fn hex2(out: &mut String, v: u8) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.push_str("0x");
    out.push(char::from(DIGITS[(v >> 4) as usize]));
    out.push(char::from(DIGITS[(v & 0xf) as usize]));
}

/// Appends an address as `Display` writes it (dotted quad; RFC 5952 text for IPv6).
pub fn ip(out: &mut String, a: &IpAddr) {
    match a {
        IpAddr::V4(v4) => {
            // At most "255.255.255.255", built whole and appended at once.
            let mut buf = [0u8; 15];
            let mut n = 0;
            for (k, o) in v4.octets().into_iter().enumerate() {
                if k > 0 {
                    buf[n] = b'.';
                    n += 1;
                }
                if o >= 100 {
                    buf[n] = b'0' + o / 100;
                    n += 1;
                }
                if o >= 10 {
                    buf[n] = b'0' + o / 10 % 10;
                    n += 1;
                }
                buf[n] = b'0' + o % 10;
                n += 1;
            }
            // Only ASCII digits and dots were written.
            out.push_str(std::str::from_utf8(&buf[..n]).unwrap_or_default());
        }
        IpAddr::V6(v6) => {
            let _ = write!(out, "{v6}");
        }
    }
}

/// A fast, non-cryptographic hasher (the Firefox/rustc "Fx" hash) for the
/// per-packet maps keyed by addresses and ports: SipHash showed in the
/// profile, and nothing here is keyed by an adversary's choice that could
/// cost more than a slower lookup.
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(w));
        }
    }
    fn write_u8(&mut self, v: u8) {
        self.add(v.into());
    }
    fn write_u16(&mut self, v: u16) {
        self.add(v.into());
    }
    fn write_u32(&mut self, v: u32) {
        self.add(v.into());
    }
    fn write_u64(&mut self, v: u64) {
        self.add(v);
    }
    fn write_usize(&mut self, v: usize) {
        self.add(v as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl FxHasher {
    fn add(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// A `HashMap` with [`FxHasher`].
pub type FxHashMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<FxHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_core_fmt() {
        let some = (0u64..100_000)
            .chain((0..64).map(|k| 1u64 << k))
            .chain((1..20).map(|k| 10u64.pow(k) - 1));
        for v in some.chain([0u64, 7, 10, 99, 100, 65535, 4_294_967_295, u64::MAX]) {
            let mut s = String::new();
            dec(&mut s, v);
            assert_eq!(s, v.to_string());
            s.clear();
            dec_padded(&mut s, v, 6);
            assert_eq!(s, format!("{v:>6}"));
        }
        for v in [0u32, 0xdead_beef, 1, u32::MAX] {
            let mut s = String::new();
            hex8(&mut s, v);
            assert_eq!(s, format!("0x{v:08x}"));
        }
        for a in [
            "0.0.0.0",
            "10.1.255.3",
            "255.255.255.255",
            "1.20.100.9",
            "99.100.199.200",
            "::1",
            "2001:db8::7",
        ] {
            let a: IpAddr = a.parse().unwrap();
            let mut s = String::new();
            ip(&mut s, &a);
            assert_eq!(s, a.to_string());
        }
    }
}
