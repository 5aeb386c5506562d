//! Number and address formatting for the hot output paths (one summary line
//! per packet, millions of lines): straight digit pushes instead of
//! `core::fmt`, which dominated `sctp-craft dissect`'s profile.

use std::fmt::Write as _;
use std::net::IpAddr;

/// Appends `v` in decimal.
pub fn dec(out: &mut String, v: u64) {
    if v < 10 {
        out.push(char::from(b'0' + v as u8));
        return;
    }
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut v = v;
    while v > 0 {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    for &b in &buf[i..] {
        out.push(char::from(b));
    }
}

/// Appends `v` in decimal, right-aligned in `width` columns.
pub fn dec_padded(out: &mut String, v: u64, width: usize) {
    let digits = v.checked_ilog10().unwrap_or(0) as usize + 1;
    for _ in digits..width {
        out.push(' ');
    }
    dec(out, v);
}

/// Appends `v` as `0x` and eight lower-case hex digits.
pub fn hex8(out: &mut String, v: u32) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.push_str("0x");
    for k in (0..8).rev() {
        out.push(char::from(DIGITS[((v >> (4 * k)) & 0xf) as usize]));
    }
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
            for (k, o) in v4.octets().into_iter().enumerate() {
                if k > 0 {
                    out.push('.');
                }
                dec(out, o.into());
            }
        }
        IpAddr::V6(v6) => {
            let _ = write!(out, "{v6}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_core_fmt() {
        for v in [0u64, 7, 10, 99, 100, 65535, 4_294_967_295, u64::MAX] {
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
