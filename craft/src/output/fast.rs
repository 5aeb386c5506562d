//! Number and address formatting for the hot output paths (one summary line
//! per packet, millions of lines): straight digit pushes instead of
//! `core::fmt`, which dominated `sctp-craft dissect`'s profile.

use std::net::IpAddr;

/// Text output the summary writers append to: a `String`, or the bytes of
/// a batch of lines (a `Vec<u8>`, where appending a line built on the
/// stack needs no UTF-8 check: everything appended is text).
pub trait Out {
    /// Appends text.
    fn push_str(&mut self, s: &str);
    /// Appends one character.
    fn push(&mut self, c: char);
    /// Appends ASCII bytes (callers pass nothing else).
    fn push_ascii(&mut self, b: &[u8]);
    /// Appends a [`Line`]'s bytes (whole UTF-8 characters).
    fn push_line(&mut self, b: &[u8]) -> bool;
}

impl Out for String {
    fn push_str(&mut self, s: &str) {
        String::push_str(self, s);
    }
    fn push(&mut self, c: char) {
        String::push(self, c);
    }
    fn push_ascii(&mut self, b: &[u8]) {
        // Byte by byte: `from_utf8` on a few bytes cost more.
        self.reserve(b.len());
        for &c in b {
            String::push(self, char::from(c));
        }
    }
    fn push_line(&mut self, b: &[u8]) -> bool {
        match std::str::from_utf8(b) {
            Ok(t) => {
                String::push_str(self, t);
                true
            }
            Err(_) => false,
        }
    }
}

impl Out for Vec<u8> {
    fn push_str(&mut self, s: &str) {
        self.extend_from_slice(s.as_bytes());
    }
    fn push(&mut self, c: char) {
        match u8::try_from(c) {
            Ok(b) if b.is_ascii() => Vec::push(self, b),
            _ => self.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    fn push_ascii(&mut self, b: &[u8]) {
        self.extend_from_slice(b);
    }
    fn push_line(&mut self, b: &[u8]) -> bool {
        self.extend_from_slice(b);
        true
    }
}

/// Appends `v` in decimal.
pub fn dec(out: &mut impl Out, v: u64) {
    dec_padded(out, v, 0);
}

/// Appends `v` in decimal, right-aligned in `width` columns: the digits and
/// padding are written on the stack, then appended at once (a table of
/// digit groups behind a `OnceLock` cost a check and a `memcpy` call per
/// group; the frame number of every summary line comes through here).
pub fn dec_padded(out: &mut impl Out, v: u64, width: usize) {
    // u64::MAX has 20 digits.
    const W: usize = 24;
    let mut buf = [b' '; W];
    let mut at = W;
    let mut v = v;
    loop {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for _ in W..width {
        out.push(' ');
    }
    let from = W.saturating_sub(width).min(at);
    out.push_ascii(&buf[from..]);
}

/// Two lower-case hex digits of every octet ("00" to "ff"), for [`hex8`].
const HEX_PAIRS: &str = "\
000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\
202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\
404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f\
606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f\
808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f\
a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\
c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf\
e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

/// Appends `v` as `0x` and eight lower-case hex digits.
pub fn hex8(out: &mut impl Out, v: u32) {
    out.push_str("0x");
    for b in v.to_be_bytes() {
        let k = usize::from(b) * 2;
        out.push_str(HEX_PAIRS.get(k..k + 2).unwrap_or_default());
    }
}

/// Appends `v` as `0x` and two lower-case hex digits.
pub fn hex2(out: &mut impl Out, v: u8) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.push_str("0x");
    out.push(char::from(DIGITS[(v >> 4) as usize]));
    out.push(char::from(DIGITS[(v & 0xf) as usize]));
}

/// Every octet in decimal followed by a dot, left-aligned in four bytes,
/// with the length of the digits and dot, for [`Line::ipv4`].
const OCTETS: [([u8; 4], u8); 256] = {
    let mut t = [([0u8; 4], 0u8); 256];
    let mut k = 0;
    while k < 256 {
        let (h, d, u) = ((k / 100) as u8, (k / 10 % 10) as u8, (k % 10) as u8);
        t[k] = if k >= 100 {
            ([b'0' + h, b'0' + d, b'0' + u, b'.'], 4)
        } else if k >= 10 {
            ([b'0' + d, b'0' + u, b'.', 0], 3)
        } else {
            ([b'0' + u, b'.', 0, 0], 2)
        };
        k += 1;
    }
    t
};

/// A short run of ASCII text (and whole UTF-8 characters) built on the
/// stack and appended to a `String` at once: one copy and one check for a
/// whole summary-line head instead of one per field.
pub struct Line {
    buf: [u8; 160],
    n: usize,
    /// Something did not fit: `flush` appends nothing and says so.
    overflow: bool,
}

impl Default for Line {
    fn default() -> Self {
        Line {
            buf: [0; 160],
            n: 0,
            overflow: false,
        }
    }
}

impl Line {
    /// Appends bytes (whole UTF-8 characters).
    pub fn bytes(&mut self, b: &[u8]) {
        match self.buf.get_mut(self.n..self.n + b.len()) {
            Some(to) => {
                to.copy_from_slice(b);
                self.n += b.len();
            }
            None => self.overflow = true,
        }
    }

    /// Appends `v` in decimal, right-aligned in `width` columns; written
    /// digit by digit in place (a copy of a run of unknown length is a
    /// `memcpy` call, which cost more than the digits).
    pub fn dec_padded(&mut self, v: u64, width: usize) {
        let digits = v.checked_ilog10().unwrap_or(0) as usize + 1;
        let len = digits.max(width);
        let Some(to) = self.buf.get_mut(self.n..self.n + len) else {
            self.overflow = true;
            return;
        };
        let (pad, digs) = to.split_at_mut(len - digits);
        pad.fill(b' ');
        let mut v = v;
        for d in digs.iter_mut().rev() {
            *d = b'0' + (v % 10) as u8;
            v /= 10;
        }
        self.n += len;
    }

    /// Appends `v` in decimal.
    pub fn dec(&mut self, v: u64) {
        self.dec_padded(v, 0);
    }

    /// Appends a dotted quad: each octet is four fixed bytes from
    /// [`OCTETS`] (its digits and a dot), of which its length is kept.
    pub fn ipv4(&mut self, a: std::net::Ipv4Addr) {
        let Some(to) = self.buf.get_mut(self.n..self.n + 16) else {
            self.overflow = true;
            return;
        };
        let mut at = 0;
        for o in a.octets() {
            let (text, len) = OCTETS[usize::from(o)];
            to[at..at + 4].copy_from_slice(&text);
            at += usize::from(len);
        }
        // The last octet's dot is not part of the address.
        self.n += at - 1;
    }

    /// Appends `0x` and eight lower-case hex digits.
    pub fn hex8(&mut self, v: u32) {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut b = *b"0x00000000";
        for k in 0..8 {
            b[9 - k] = DIGITS[((v >> (4 * k)) & 0xf) as usize];
        }
        self.bytes(&b);
    }

    /// Appends the text to `out`; false (and nothing appended) when it did
    /// not fit.
    pub fn flush(&self, out: &mut impl Out) -> bool {
        !self.overflow && out.push_line(&self.buf[..self.n])
    }
}

/// Appends an address as `Display` writes it (dotted quad; RFC 5952 text for IPv6).
pub fn ip(out: &mut impl Out, a: &IpAddr) {
    match a {
        IpAddr::V4(v4) => {
            let mut l = Line::default();
            l.ipv4(*v4);
            l.flush(out);
        }
        IpAddr::V6(v6) => {
            out.push_str(&v6.to_string());
        }
    }
}

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

    /// `Line`'s digits and dotted quads are what `core::fmt` writes.
    #[test]
    fn line_agrees_with_core_fmt() {
        let some = (0u64..100_000)
            .step_by(7)
            .chain((0..64).map(|k| 1u64 << k))
            .chain((1..20).flat_map(|k| [10u64.pow(k) - 1, 10u64.pow(k)]));
        for v in some.chain([0u64, 5, 10, 99, 100, 65535, u64::MAX]) {
            for width in [0, 6, 25] {
                let mut l = Line::default();
                l.bytes(b"<");
                l.dec_padded(v, width);
                l.bytes(b">");
                let mut s = String::new();
                assert!(l.flush(&mut s));
                assert_eq!(s, format!("<{v:>width$}>"));
            }
        }
        for k in 0..=255u8 {
            for a in [[k, 0, 255, k], [9, k, 10, 99], [100, 200, k, 1]] {
                let a = std::net::Ipv4Addr::from(a);
                let mut l = Line::default();
                l.ipv4(a);
                l.bytes(b" ");
                l.ipv4(a);
                let mut s = String::new();
                assert!(l.flush(&mut s));
                assert_eq!(s, format!("{a} {a}"));
            }
        }
        // An address that does not fit is an overflow, not a panic.
        let mut l = Line::default();
        for _ in 0..12 {
            l.ipv4(std::net::Ipv4Addr::new(255, 255, 255, 255));
        }
        assert!(!l.flush(&mut String::new()));
    }
}
