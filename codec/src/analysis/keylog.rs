//! SCTP-AUTH key files: the endpoint pair shared keys (RFC 4895 6.1) of the
//! associations in a capture, one per line, in the spirit of the TLS key log
//! Wireshark reads. The format is documented in `docs/auth-keys.md`:
//!
//! ```text
//! # comment
//! ASSOC 0x1a2b3c4d 0x5e6f7a8b 1 0x00112233445566778899   the association with these two tags
//! PAIR 10.0.0.1:2905 10.0.0.2:2905 0 "shared secret"      these two endpoints (port optional)
//! ANY 2 secret                                            any association
//! ```
//!
//! Fields are separated by blanks; `ASSOC` and `PAIR` match in either order
//! of their two operands. A key is `0x` and hex digits, a double-quoted text
//! (`""` is the empty key; `\"` and `\\` escape), or a bare word. The most
//! specific line wins: `ASSOC`, then `PAIR`, then `ANY`; among equals, the
//! first. Without a line for Shared Key Identifier 0 the empty key is used
//! (RFC 4895 6.1: the default endpoint pair shared key is empty).

use std::fmt;
use std::net::IpAddr;

/// What a key line applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// The association whose two Verification Tags (RFC 9260 3.1) are these.
    Assoc(u32, u32),
    /// The association between these endpoints (address, optional port).
    Pair((IpAddr, Option<u16>), (IpAddr, Option<u16>)),
    /// Any association.
    Any,
}

/// One line of a key file: an endpoint pair shared key (RFC 4895 6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyEntry {
    /// Which associations it applies to.
    pub selector: Selector,
    /// Shared Key Identifier (RFC 4895 4.1).
    pub key_id: u16,
    /// The endpoint pair shared key.
    pub key: Vec<u8>,
    /// Line number in the file (1-based), for messages.
    pub line: usize,
}

/// A malformed key file line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFileError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub what: String,
}

impl fmt::Display for KeyFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.what)
    }
}

impl std::error::Error for KeyFileError {}

/// The endpoints and tags of an association, for matching key lines.
#[derive(Debug, Clone, Default)]
pub struct AssocIdentity {
    /// The two Verification Tags (RFC 9260 3.1), when known.
    pub tags: Option<(u32, u32)>,
    /// Addresses seen for each side (RFC 9260 5.1.2), with its port.
    pub sides: [(Vec<IpAddr>, u16); 2],
}

/// One `SSCTP` line: a generation of S-SCTP session keys
/// (draft-hohendorf-secure-sctp-15 9.5) of one association.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsctpKey {
    /// The association's two Verification Tags (RFC 9260 3.1), either order.
    pub tags: (u32, u32),
    /// Master secret key reference number (draft 5.1.11, 5.1.13).
    pub reference: u16,
    /// Cipher suite number (draft 5.1.1, or sctpkit's private AES-GCM suites
    /// 0xFE01 and 0xFE02, `crate::auth::ssctp_gcm`).
    pub suite: u16,
    /// Encryption key (AES-CBC; AES-GCM under the private suites).
    pub enc: Vec<u8>,
    /// HMAC key.
    pub mac: Vec<u8>,
    /// Line number in the file (1-based).
    pub line: usize,
}

/// The keys of a key file (RFC 4895 6.1; S-SCTP session keys).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyLog {
    /// The lines, in file order.
    pub entries: Vec<KeyEntry>,
    /// The `SSCTP` lines, in file order.
    pub ssctp: Vec<SsctpKey>,
    /// Do not fall back on the empty key for Shared Key Identifier 0.
    pub no_default_key: bool,
}

fn err(line: usize, what: impl Into<String>) -> KeyFileError {
    KeyFileError {
        line,
        what: what.into(),
    }
}

/// Splits a line into fields: blanks separate, double quotes group.
fn fields(s: &str, line: usize) -> Result<Vec<(String, bool)>, KeyFileError> {
    let mut out = Vec::new();
    let mut it = s.chars().peekable();
    loop {
        while it.peek().is_some_and(|c| c.is_whitespace()) {
            it.next();
        }
        match it.peek() {
            None | Some('#') => return Ok(out),
            Some('"') => {
                it.next();
                let mut f = String::new();
                loop {
                    match it.next() {
                        None => return Err(err(line, "unterminated quoted key")),
                        Some('"') => break,
                        Some('\\') => match it.next() {
                            Some(c @ ('"' | '\\')) => f.push(c),
                            _ => {
                                return Err(err(line, "only \\\" and \\\\ escape in a quoted key"))
                            }
                        },
                        Some(c) => f.push(c),
                    }
                }
                out.push((f, true));
            }
            Some(_) => {
                let mut f = String::new();
                while let Some(&c) = it.peek() {
                    if c.is_whitespace() {
                        break;
                    }
                    f.push(c);
                    it.next();
                }
                out.push((f, false));
            }
        }
    }
}

fn number(s: &str) -> Option<u64> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

fn key_bytes((s, quoted): &(String, bool), line: usize) -> Result<Vec<u8>, KeyFileError> {
    if *quoted {
        return Ok(s.as_bytes().to_vec());
    }
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => {
            if h.len() % 2 != 0 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(err(
                    line,
                    format!("key {s}: an even number of hex digits after 0x"),
                ));
            }
            Ok((0..h.len())
                .step_by(2)
                .filter_map(|i| u8::from_str_radix(&h[i..i + 2], 16).ok())
                .collect())
        }
        None => Ok(s.as_bytes().to_vec()),
    }
}

fn endpoint(s: &str, line: usize) -> Result<(IpAddr, Option<u16>), KeyFileError> {
    if let Ok(a) = s.parse::<IpAddr>() {
        return Ok((a, None));
    }
    if let Ok(sa) = s.parse::<std::net::SocketAddr>() {
        return Ok((sa.ip(), Some(sa.port())));
    }
    Err(err(
        line,
        format!("endpoint {s}: an address, address:port or [v6]:port"),
    ))
}

impl KeyLog {
    /// Parses a key file's text.
    pub fn parse(text: &str) -> Result<KeyLog, KeyFileError> {
        let mut log = KeyLog::default();
        for (n, l) in text.lines().enumerate() {
            let line = n + 1;
            let f = fields(l, line)?;
            if f.is_empty() {
                continue;
            }
            let kind = f[0].0.to_ascii_uppercase();
            let tag = |i: usize| {
                number(&f[i].0)
                    .and_then(|v| u32::try_from(v).ok())
                    .ok_or_else(|| err(line, format!("tag {}: a 32-bit number", f[i].0)))
            };
            let hex = |i: usize| match key_bytes(&f[i], line)? {
                k if !f[i].1 && f[i].0.starts_with("0x") && !k.is_empty() => Ok(k),
                _ => Err(err(line, format!("key {}: 0x and hex digits", f[i].0))),
            };
            if kind == "SSCTP" {
                if f.len() != 7 {
                    return Err(err(
                        line,
                        "SSCTP: TAG TAG REFERENCE SUITE 0xENCKEY 0xMACKEY (see docs/auth-keys.md)",
                    ));
                }
                let small = |i: usize, what: &str| {
                    number(&f[i].0)
                        .and_then(|v| u16::try_from(v).ok())
                        .ok_or_else(|| err(line, format!("{what} {}: 0 to 65535", f[i].0)))
                };
                log.ssctp.push(SsctpKey {
                    tags: (tag(1)?, tag(2)?),
                    reference: small(3, "reference")?,
                    suite: small(4, "suite")?,
                    enc: hex(5)?,
                    mac: hex(6)?,
                    line,
                });
                continue;
            }
            let (selector, rest) = match kind.as_str() {
                "ASSOC" if f.len() == 5 => (Selector::Assoc(tag(1)?, tag(2)?), &f[3..]),
                "PAIR" if f.len() == 5 => (
                    Selector::Pair(endpoint(&f[1].0, line)?, endpoint(&f[2].0, line)?),
                    &f[3..],
                ),
                "ANY" if f.len() == 3 => (Selector::Any, &f[1..]),
                "ASSOC" | "PAIR" | "ANY" => {
                    return Err(err(
                        line,
                        format!("{kind}: wrong number of fields (see docs/auth-keys.md)"),
                    ))
                }
                _ => {
                    return Err(err(
                        line,
                        format!("{}: lines start with ASSOC, PAIR, ANY or SSCTP", f[0].0),
                    ))
                }
            };
            let key_id = number(&rest[0].0)
                .and_then(|v| u16::try_from(v).ok())
                .ok_or_else(|| err(line, format!("key id {}: 0 to 65535", rest[0].0)))?;
            let key = key_bytes(&rest[1], line)?;
            log.entries.push(KeyEntry {
                selector,
                key_id,
                key,
                line,
            });
        }
        Ok(log)
    }

    /// The endpoint pair shared key of identifier `key_id` for the
    /// association `who` (RFC 4895 6.1), most specific line first; the empty
    /// key for identifier 0 when no line gives one.
    pub fn key_for(&self, who: &AssocIdentity, key_id: u16) -> Option<&[u8]> {
        let matches_side = |(a, p): &(IpAddr, Option<u16>), side: &(Vec<IpAddr>, u16)| {
            side.0.contains(a) && p.is_none_or(|p| p == side.1)
        };
        let rank = |s: &Selector| -> Option<u8> {
            match s {
                Selector::Assoc(x, y) => {
                    let (a, b) = who.tags?;
                    ((*x, *y) == (a, b) || (*x, *y) == (b, a)).then_some(0)
                }
                Selector::Pair(x, y) => {
                    let [s0, s1] = &who.sides;
                    ((matches_side(x, s0) && matches_side(y, s1))
                        || (matches_side(x, s1) && matches_side(y, s0)))
                    .then_some(1)
                }
                Selector::Any => Some(2),
            }
        };
        let best = self
            .entries
            .iter()
            .filter(|e| e.key_id == key_id)
            .filter_map(|e| rank(&e.selector).map(|r| (r, e)))
            .min_by_key(|(r, e)| (*r, e.line));
        match best {
            Some((_, e)) => Some(&e.key),
            None if key_id == 0 && !self.no_default_key => Some(&[]),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_and_the_most_specific_wins() {
        let log = KeyLog::parse(
            "# keys\n\nANY 1 fallback\nPAIR 10.0.0.2 10.0.0.1:2905 1 0x0102\nASSOC 0xa 11 1 \"se cret\\\"\"  # trailing\nANY 3 \"\"\n",
        )
        .unwrap();
        assert_eq!(log.entries.len(), 4);
        let mut who = AssocIdentity {
            tags: Some((11, 10)),
            sides: [
                (vec!["10.0.0.1".parse().unwrap()], 2905),
                (vec!["10.0.0.2".parse().unwrap()], 5000),
            ],
        };
        assert_eq!(who_key(&log, &who, 1), Some(b"se cret\"".to_vec()));
        who.tags = Some((1, 2));
        assert_eq!(who_key(&log, &who, 1), Some(vec![1, 2]));
        who.sides[0].1 = 2906;
        assert_eq!(who_key(&log, &who, 1), Some(b"fallback".to_vec()));
        assert_eq!(who_key(&log, &who, 3), Some(vec![]));
        assert_eq!(who_key(&log, &who, 0), Some(vec![]), "RFC 4895 default key");
        assert_eq!(who_key(&log, &who, 2), None);
    }

    #[test]
    fn ssctp_lines_parse() {
        let log = KeyLog::parse("SSCTP 0x0000000a 11 2 24 0x0102 0xa0b1  # keys\n").unwrap();
        assert!(log.entries.is_empty());
        let k = &log.ssctp[0];
        assert_eq!((k.tags, k.reference, k.suite), ((10, 11), 2, 24));
        assert_eq!(
            (k.enc.as_slice(), k.mac.as_slice()),
            (&[1u8, 2][..], &[0xa0u8, 0xb1][..])
        );
    }

    fn who_key(log: &KeyLog, who: &AssocIdentity, id: u16) -> Option<Vec<u8>> {
        log.key_for(who, id).map(<[u8]>::to_vec)
    }

    #[test]
    fn bad_lines_say_where() {
        for (text, line) in [
            ("ANY 1\n", 1),
            ("\nASSOC 1 2 3\n", 2),
            ("ANY 70000 k\n", 1),
            ("PAIR host 10.0.0.1 0 k\n", 1),
            ("ANY 0 0x123\n", 1),
            ("KEY 0 k\n", 1),
            ("ANY 0 \"open\n", 1),
            ("SSCTP 1 2 0 12 0x00\n", 1),
            ("SSCTP 1 2 0 12 0x0 0x11\n", 1),
            ("SSCTP 1 2 70000 12 0x00 0x11\n", 1),
            ("SSCTP 1 2 0 12 key 0x11\n", 1),
        ] {
            assert_eq!(KeyLog::parse(text).unwrap_err().line, line, "{text:?}");
        }
    }
}
