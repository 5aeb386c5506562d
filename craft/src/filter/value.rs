//! Values: what a literal means for a field of a given type (as Wireshark's
//! filter compiler, a literal is read by the type of the field it is
//! compared with, and refused when it is not of that type), and how a
//! packet's values compare with it.

use std::cmp::Ordering;
use std::net::IpAddr;

use sctp_codec::registry::{ident_key, Family};

use super::schema::{auth_names, status_names, Ty};
use crate::lang::names;

/// A literal as written.
#[derive(Debug, Clone, Copy)]
pub enum Lit<'a> {
    /// An unquoted word: a number, an address, a network, bytes, a name.
    Word(&'a str),
    /// A quoted string, escapes resolved.
    Str(&'a [u8]),
}

/// A literal read as the field's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    /// A number.
    Uint(u64),
    /// An address and its prefix length (the whole address: 32 or 128).
    Net(IpAddr, u8),
    /// Bytes (or text).
    Bytes(Vec<u8>),
    /// Nanoseconds.
    Time(i128),
    /// A checksum status or an AUTH verdict.
    Word(&'static str),
}

/// One value a packet offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    /// A number.
    Uint(u64),
    /// An address.
    Ip(IpAddr),
    /// Bytes or text.
    Bytes(Vec<u8>),
    /// Nanoseconds.
    Time(i128),
    /// A checksum status.
    Word(&'static str),
    /// Present, with no value to compare (a chunk, a parameter).
    Present,
}

fn shown(l: Lit<'_>) -> String {
    match l {
        Lit::Word(w) => format!("{w:?}"),
        Lit::Str(s) => format!("the string {:?}", String::from_utf8_lossy(s)),
    }
}

/// A number in decimal, `0x` hex, `0o` octal or `0b` binary.
pub fn number(w: &str) -> Option<u64> {
    let (digits, radix) = match w.get(..2).map(str::to_ascii_lowercase).as_deref() {
        Some("0x") => (&w[2..], 16),
        Some("0o") => (&w[2..], 8),
        Some("0b") => (&w[2..], 2),
        _ => (w, 10),
    };
    if digits.is_empty() || digits.starts_with('+') {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

fn uint(bits: u8, l: Lit<'_>) -> Result<Val, String> {
    let Lit::Word(w) = l else {
        return Err(format!("{} is not a number", shown(l)));
    };
    let n = number(w).ok_or_else(|| format!("{} is not a number", shown(l)))?;
    let max = if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    if n > max {
        return Err(format!(
            "{n} is more than {max}, the largest value it holds"
        ));
    }
    Ok(Val::Uint(n))
}

/// An address, or a network `ADDR/LEN`.
fn net(l: Lit<'_>) -> Result<Val, String> {
    let bad = || {
        format!(
            "{} is not an IPv4 or IPv6 address or network (10.0.0.0/8)",
            shown(l)
        )
    };
    let Lit::Word(w) = l else { return Err(bad()) };
    let (a, len) = match w.split_once('/') {
        Some((a, n)) => (a, Some(n)),
        None => (w, None),
    };
    let a: IpAddr = a.parse().map_err(|_| bad())?;
    let full = if a.is_ipv4() { 32 } else { 128 };
    let len = match len {
        None => full,
        Some(n) => match n.parse::<u8>() {
            Ok(n) if n <= full => n,
            _ => return Err(format!("{} has a prefix length beyond {full}", shown(l))),
        },
    };
    Ok(Val::Net(a, len))
}

/// Bytes written `01:02:ff`, `01-02-ff`, `01.02.ff`, `0102ff` or as a string.
fn bytes(l: Lit<'_>) -> Result<Val, String> {
    let w = match l {
        Lit::Str(s) => return Ok(Val::Bytes(s.to_vec())),
        Lit::Word(w) => w,
    };
    let bad = || format!("{} is not bytes (01:02:ff) or a \"string\"", shown(l));
    let hex = |p: &str| {
        (p.len() == 2)
            .then(|| u8::from_str_radix(p, 16).ok())
            .flatten()
    };
    let parts: Vec<&str> = w.split([':', '-', '.']).collect();
    let out: Option<Vec<u8>> = if parts.len() > 1 {
        parts.iter().map(|p| hex(p)).collect()
    } else if w.len() % 2 == 0 && !w.is_empty() {
        (0..w.len()).step_by(2).map(|k| hex(&w[k..k + 2])).collect()
    } else {
        None
    };
    out.map(Val::Bytes).ok_or_else(bad)
}

/// Seconds with up to nine decimals.
fn time(l: Lit<'_>) -> Result<Val, String> {
    let bad = || format!("{} is not a number of seconds (1.5)", shown(l));
    let Lit::Word(w) = l else { return Err(bad()) };
    let (s, frac) = w.split_once('.').unwrap_or((w, ""));
    let all_digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    if s.is_empty() || !all_digits(s) || !all_digits(frac) || frac.len() > 9 || s.len() > 20 {
        return Err(bad());
    }
    let secs: i128 = s.parse().map_err(|_| bad())?;
    let mut ns: i128 = 0;
    for k in 0..9 {
        ns = ns * 10 + frac.as_bytes().get(k).map_or(0, |b| i128::from(b - b'0'));
    }
    Ok(Val::Time(secs * 1_000_000_000 + ns))
}

/// A chunk type, parameter type or cause code: a number or a name.
fn code(fam: Family, l: Lit<'_>) -> Result<Val, String> {
    let bits = if fam == Family::Chunk { 8 } else { 16 };
    if let Lit::Word(w) = l {
        if number(w).is_none() {
            let key = ident_key(w);
            return names::table()
                .iter()
                .find(|n| n.info.family == fam && n.key == key)
                .map(|n| Val::Uint(n.info.value.into()))
                .ok_or_else(|| format!("{} is not a number or a known name", shown(l)));
        }
    }
    uint(bits, l)
}

/// One of `names` (any case).
fn word(names: &[&'static str], l: Lit<'_>) -> Result<Val, String> {
    let w = match l {
        Lit::Word(w) => w.to_ascii_lowercase(),
        Lit::Str(s) => String::from_utf8_lossy(s).to_ascii_lowercase(),
    }
    .replace('_', "-");
    names
        .iter()
        .find(|s| **s == w)
        .map(|s| Val::Word(s))
        .ok_or_else(|| format!("{} is not one of {}", shown(l), names.join(", ")))
}

/// Reads `l` as a value of type `ty`; the error says why it is not one
/// (the caller names the field and its type).
pub fn read(ty: Ty, l: Lit<'_>) -> Result<Val, String> {
    match ty {
        Ty::Uint(b) | Ty::UintList(b) => uint(b, l),
        Ty::Code(f) => code(f, l),
        Ty::Addr => net(l),
        Ty::Bytes | Ty::Text => bytes(l),
        Ty::Time => time(l),
        Ty::Status => word(&status_names(), l),
        Ty::Auth => word(&auth_names(), l),
        Ty::Records => uint(16, l),
        Ty::TlvList(_) => uint(16, l).or_else(|_| net(l)).map_err(|_| {
            format!(
                "{} is neither a number (how many) nor an address (one of them)",
                shown(l)
            )
        }),
        Ty::Packet | Ty::Tlv(_) | Ty::Any(_) | Ty::Flag => Err("it has no value to compare".into()),
    }
}

/// How a packet's value orders against a literal; `None`: not comparable
/// (another type, another address family, a network).
pub fn compare(f: &Fact, v: &Val) -> Option<Ordering> {
    match (f, v) {
        (Fact::Uint(a), Val::Uint(b)) => Some(a.cmp(b)),
        (Fact::Ip(a), Val::Net(b, len)) => {
            let full = if b.is_ipv4() { 32 } else { 128 };
            (a.is_ipv4() == b.is_ipv4() && *len == full).then(|| a.cmp(b))
        }
        (Fact::Bytes(a), Val::Bytes(b)) => Some(a.as_slice().cmp(b.as_slice())),
        (Fact::Time(a), Val::Time(b)) => Some(a.cmp(b)),
        (Fact::Word(a), Val::Word(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// Whether a packet's value equals the literal (for a network: lies in it).
pub fn equals(f: &Fact, v: &Val) -> bool {
    match (f, v) {
        (Fact::Ip(a), Val::Net(b, len)) => in_net(*a, *b, *len),
        _ => compare(f, v) == Some(Ordering::Equal),
    }
}

fn in_net(a: IpAddr, net: IpAddr, len: u8) -> bool {
    let mask = |bits: u32, len: u8| -> u128 {
        if len == 0 {
            0
        } else {
            (!0u128 << (bits - u32::from(len))) & if bits == 128 { !0 } else { (1u128 << bits) - 1 }
        }
    };
    match (a, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let m = mask(32, len);
            u128::from(u32::from(a)) & m == u128::from(u32::from(n)) & m
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let m = mask(128, len);
            u128::from(a) & m == u128::from(n) & m
        }
        _ => false,
    }
}

/// Whether a packet's bytes contain `needle`.
pub fn contains(f: &Fact, needle: &[u8]) -> bool {
    match f {
        Fact::Bytes(h) => needle.is_empty() || h.windows(needle.len()).any(|w| w == needle),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_by_type() {
        let w = Lit::Word;
        assert_eq!(read(Ty::Uint(32), w("0x10")), Ok(Val::Uint(16)));
        assert!(read(Ty::Uint(32), w("192.168.0.1"))
            .unwrap_err()
            .contains("not a number"));
        assert!(read(Ty::Uint(16), w("70000"))
            .unwrap_err()
            .contains("65535"));
        assert!(read(Ty::Uint(1), w("2")).is_err());
        assert_eq!(read(Ty::Code(Family::Chunk), w("SACK")), Ok(Val::Uint(3)));
        assert_eq!(
            read(Ty::Code(Family::Chunk), w("init-ack")),
            Ok(Val::Uint(2))
        );
        assert!(read(Ty::Addr, w("5")).is_err());
        assert!(read(Ty::Addr, w("10.0.0.0/33")).is_err());
        assert_eq!(
            read(Ty::Bytes, w("01:02-03")),
            Ok(Val::Bytes(vec![1, 2, 3]))
        );
        assert_eq!(read(Ty::Bytes, w("0a0b")), Ok(Val::Bytes(vec![10, 11])));
        assert!(read(Ty::Bytes, w("5")).is_err());
        assert_eq!(read(Ty::Time, w("1.5")), Ok(Val::Time(1_500_000_000)));
        assert_eq!(read(Ty::Time, w("2")), Ok(Val::Time(2_000_000_000)));
        assert!(read(Ty::Time, w("1.0000000001")).is_err());
        assert_eq!(read(Ty::Status, w("BAD")), Ok(Val::Word("bad")));
        assert!(read(Ty::Tlv(Family::Chunk), w("5")).is_err());
    }

    #[test]
    fn networks_and_contains() {
        let ip = |s: &str| Fact::Ip(s.parse().unwrap());
        let n = |s: &str| read(Ty::Addr, Lit::Word(s)).unwrap();
        assert!(equals(&ip("10.1.2.3"), &n("10.0.0.0/8")));
        assert!(!equals(&ip("11.1.2.3"), &n("10.0.0.0/8")));
        assert!(equals(&ip("11.1.2.3"), &n("0.0.0.0/0")));
        assert!(equals(&ip("fe80::1"), &n("fe80::/10")));
        assert!(!equals(&ip("fe80::1"), &n("10.0.0.0/8")));
        assert!(equals(&ip("10.0.0.1"), &n("10.0.0.1")));
        assert!(contains(&Fact::Bytes(vec![0, 1, 2, 3]), &[1, 2]));
        assert!(!contains(&Fact::Bytes(vec![0, 1, 2, 3]), &[2, 1]));
    }
}
