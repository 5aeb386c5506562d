//! The lexer: turns one statement of the language into tokens with their byte
//! offsets (for `line L, column C` errors).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::error::LangError;

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A name: command, variable, constructor, field.
    Ident(String),
    /// An integer; `hex_digits` is set when it was written in hex (`0x00ff`),
    /// so that it can also stand for that many nibbles of bytes.
    Int {
        /// The value.
        v: u64,
        /// Number of hex digits written, if written in hex.
        hex_digits: Option<usize>,
    },
    /// A quoted string (`"..."` with `\n`, `\t`, `\0`, `\\`, `\"`, `\xNN` escapes).
    Str(Vec<u8>),
    /// A hex byte string `x"dead beef"`.
    Hex(Vec<u8>),
    /// An IPv4 address.
    Ip4(Ipv4Addr),
    /// An IPv6 address.
    Ip6(Ipv6Addr),
    /// Punctuation: `( ) [ ] , = / . - +`.
    Punct(char),
}

/// A token and where it starts (byte offset in the statement's source).
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// The token.
    pub tok: Tok,
    /// Byte offset of its first character.
    pub at: usize,
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':' || c == '.'
}

/// Parses an integer literal: decimal, `0x` hex, `0b` binary, `0o` octal, `_` separators.
pub fn parse_int(w: &str) -> Option<(u64, Option<usize>)> {
    let w = w.replace('_', "");
    let lower = w.to_ascii_lowercase();
    if let Some(h) = lower.strip_prefix("0x") {
        if h.is_empty() || h.len() > 16 {
            return None;
        }
        return u64::from_str_radix(h, 16).ok().map(|v| (v, Some(h.len())));
    }
    if let Some(b) = lower.strip_prefix("0b") {
        return u64::from_str_radix(b, 2).ok().map(|v| (v, None));
    }
    if let Some(o) = lower.strip_prefix("0o") {
        return u64::from_str_radix(o, 8).ok().map(|v| (v, None));
    }
    if lower.chars().all(|c| c.is_ascii_digit()) && !lower.is_empty() {
        return lower.parse().ok().map(|v| (v, None));
    }
    None
}

/// Decodes hex digits, ignoring spaces, `:` and `-` separators and a `0x` prefix.
pub fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    let s = s.trim();
    let s = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    let clean: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':' && *c != '-')
        .collect();
    hex::decode(&clean).map_err(|e| format!("bad hex {clean:?}: {e}"))
}

/// Splits `src` (one statement, starting at byte `base` of the script) into tokens.
pub fn lex(src: &str, base: usize) -> Result<Vec<Token>, LangError> {
    let mut out = Vec::new();
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = src[i..].chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        if c == '#' {
            break;
        }
        let at = base + i;
        if (c == 'x' || c == 'h') && b.get(i + 1) == Some(&b'"') {
            let (s, n) = quoted(src, i + 1, base)?;
            let bytes =
                parse_hex(&String::from_utf8_lossy(&s)).map_err(|m| LangError::at(at, m))?;
            out.push(Token {
                tok: Tok::Hex(bytes),
                at,
            });
            i += 1 + n;
            continue;
        }
        if c == '"' || c == '\'' {
            let (s, n) = quoted(src, i, base)?;
            out.push(Token {
                tok: Tok::Str(s),
                at,
            });
            i += n;
            continue;
        }
        if "()[],=/-+".contains(c) {
            out.push(Token {
                tok: Tok::Punct(c),
                at,
            });
            i += 1;
            continue;
        }
        if is_word(c) {
            let start = i;
            while i < b.len() && is_word(b[i] as char) {
                i += 1;
            }
            let w = &src[start..i];
            word(w, at, &mut out)?;
            continue;
        }
        return Err(LangError::at(at, format!("unexpected character {c:?}")));
    }
    Ok(out)
}

/// Classifies a run of word characters: address, integer, or names joined by `.`.
fn word(w: &str, at: usize, out: &mut Vec<Token>) -> Result<(), LangError> {
    if w.contains(':') {
        return match w.parse::<Ipv6Addr>() {
            Ok(a) => {
                out.push(Token {
                    tok: Tok::Ip6(a),
                    at,
                });
                Ok(())
            }
            Err(_) => Err(LangError::at(at, format!("{w:?} is not an IPv6 address"))),
        };
    }
    if w.matches('.').count() == 3 && w.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return match w.parse::<Ipv4Addr>() {
            Ok(a) => {
                out.push(Token {
                    tok: Tok::Ip4(a),
                    at,
                });
                Ok(())
            }
            Err(_) => Err(LangError::at(at, format!("{w:?} is not an IPv4 address"))),
        };
    }
    let mut off = 0;
    for (k, part) in w.split('.').enumerate() {
        if k > 0 {
            out.push(Token {
                tok: Tok::Punct('.'),
                at: at + off - 1,
            });
        }
        if !part.is_empty() {
            let pat = at + off;
            if part.as_bytes()[0].is_ascii_digit() {
                match parse_int(part) {
                    Some((v, hex_digits)) => out.push(Token {
                        tok: Tok::Int { v, hex_digits },
                        at: pat,
                    }),
                    None => return Err(LangError::at(pat, format!("bad number {part:?}"))),
                }
            } else {
                out.push(Token {
                    tok: Tok::Ident(part.to_string()),
                    at: pat,
                });
            }
        }
        off += part.len() + 1;
    }
    Ok(())
}

/// Reads a quoted string starting at `src[i]` (the quote); returns the bytes
/// and the number of source bytes consumed.
fn quoted(src: &str, i: usize, base: usize) -> Result<(Vec<u8>, usize), LangError> {
    let b = src.as_bytes();
    let q = b[i];
    let mut out = Vec::new();
    let mut j = i + 1;
    while j < b.len() {
        let c = b[j];
        if c == q {
            return Ok((out, j + 1 - i));
        }
        if c == b'\\' {
            let e = *b
                .get(j + 1)
                .ok_or_else(|| LangError::at(base + j, "unfinished escape"))?;
            j += 2;
            match e {
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'r' => out.push(b'\r'),
                b'0' => out.push(0),
                b'\\' => out.push(b'\\'),
                b'"' => out.push(b'"'),
                b'\'' => out.push(b'\''),
                b'x' => {
                    let h = src
                        .get(j..j + 2)
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                        .ok_or_else(|| LangError::at(base + j - 2, "\\x needs two hex digits"))?;
                    out.push(h);
                    j += 2;
                }
                _ => {
                    return Err(LangError::at(
                        base + j - 2,
                        format!("unknown escape \\{}", e as char),
                    ))
                }
            }
            continue;
        }
        out.push(c);
        j += 1;
    }
    Err(LangError::at(base + i, "string not closed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_addresses() {
        let t = lex("p.chunks[0] = 10.0.0.1 ::1 0x00ff x\"de ad\" \"a\\x41\"", 0).unwrap();
        let toks: Vec<Tok> = t.into_iter().map(|t| t.tok).collect();
        assert_eq!(toks[0], Tok::Ident("p".into()));
        assert_eq!(toks[1], Tok::Punct('.'));
        assert_eq!(toks[2], Tok::Ident("chunks".into()));
        assert_eq!(toks[7], Tok::Ip4("10.0.0.1".parse().unwrap()));
        assert_eq!(toks[8], Tok::Ip6("::1".parse().unwrap()));
        assert_eq!(
            toks[9],
            Tok::Int {
                v: 255,
                hex_digits: Some(4)
            }
        );
        assert_eq!(toks[10], Tok::Hex(vec![0xde, 0xad]));
        assert_eq!(toks[11], Tok::Str(b"aA".to_vec()));
    }

    #[test]
    fn errors_have_offsets() {
        let e = lex("abc \"open", 10).unwrap_err();
        assert_eq!(e.at, Some(14));
    }
}
