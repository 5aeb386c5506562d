//! The filter's tokens, each with its byte offset.

use super::FilterError;

/// A relation between a field and a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `==`, `eq`.
    Eq,
    /// `!=`, `ne`: no occurrence equals (Wireshark 3.6+).
    Ne,
    /// `<`, `lt`.
    Lt,
    /// `<=`, `le`.
    Le,
    /// `>`, `gt`.
    Gt,
    /// `>=`, `ge`.
    Ge,
}

/// One token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    /// A name, a number, an address, bytes: anything unquoted.
    Word(String),
    /// A quoted string, escapes resolved.
    Str(Vec<u8>),
    /// A comparison.
    Op(Op),
    /// `contains`.
    Contains,
    /// `in`.
    In,
    /// `&&`, `and`.
    And,
    /// `||`, `or`.
    Or,
    /// `!`, `not`.
    Not,
    /// `(`.
    Open,
    /// `)`.
    Close,
    /// `{`.
    SetOpen,
    /// `}`.
    SetClose,
    /// `,`.
    Comma,
}

fn word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b':' | b'.' | b'-' | b'/')
}

/// A quoted string starting at `b[0] == '"'`: its bytes and its length in
/// the text.
fn string(b: &[u8], at: usize) -> Result<(Vec<u8>, usize), FilterError> {
    let mut out = Vec::new();
    let mut i = 1;
    let err = |offset, message: &str| FilterError {
        offset,
        message: message.to_string(),
    };
    loop {
        match b.get(i) {
            None => return Err(err(at, "this string has no closing '\"'")),
            Some(b'"') => return Ok((out, i + 1)),
            Some(b'\\') => {
                let (v, n) = match b.get(i + 1) {
                    Some(b'n') => (b'\n', 2),
                    Some(b't') => (b'\t', 2),
                    Some(b'r') => (b'\r', 2),
                    Some(b'0') => (0, 2),
                    Some(b'\\') => (b'\\', 2),
                    Some(b'"') => (b'"', 2),
                    Some(b'x') => {
                        let h = b
                            .get(i + 2..i + 4)
                            .and_then(|h| std::str::from_utf8(h).ok())
                            .and_then(|h| u8::from_str_radix(h, 16).ok())
                            .ok_or_else(|| err(at + i, "\\x needs two hex digits"))?;
                        (h, 4)
                    }
                    _ => {
                        return Err(err(
                            at + i,
                            "unknown escape (\\n \\t \\r \\0 \\\\ \\\" \\xNN)",
                        ))
                    }
                };
                out.push(v);
                i += n;
            }
            Some(&c) => {
                out.push(c);
                i += 1;
            }
        }
    }
}

/// Splits the filter into tokens with their offsets.
pub fn lex(s: &str) -> Result<Vec<(usize, Tok)>, FilterError> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let two = b.get(i..i + 2).unwrap_or(&[]);
        let (tok, len) = match (c, two) {
            (b' ' | b'\t' | b'\n' | b'\r', _) => {
                i += 1;
                continue;
            }
            (_, b"==") => (Tok::Op(Op::Eq), 2),
            (_, b"!=") => (Tok::Op(Op::Ne), 2),
            (_, b"<=") => (Tok::Op(Op::Le), 2),
            (_, b">=") => (Tok::Op(Op::Ge), 2),
            (_, b"&&") => (Tok::And, 2),
            (_, b"||") => (Tok::Or, 2),
            (b'<', _) => (Tok::Op(Op::Lt), 1),
            (b'>', _) => (Tok::Op(Op::Gt), 1),
            (b'!', _) => (Tok::Not, 1),
            (b'(', _) => (Tok::Open, 1),
            (b')', _) => (Tok::Close, 1),
            (b'{', _) => (Tok::SetOpen, 1),
            (b'}', _) => (Tok::SetClose, 1),
            (b',', _) => (Tok::Comma, 1),
            (b'"', _) => {
                let (v, n) = string(&b[i..], i)?;
                (Tok::Str(v), n)
            }
            (c, _) if word_byte(c) && c != b'-' && c != b'/' => {
                let n = b[i..].iter().take_while(|c| word_byte(**c)).count();
                let w = &s[i..i + n];
                let tok = match w.to_ascii_lowercase().as_str() {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    "eq" => Tok::Op(Op::Eq),
                    "ne" => Tok::Op(Op::Ne),
                    "lt" => Tok::Op(Op::Lt),
                    "le" => Tok::Op(Op::Le),
                    "gt" => Tok::Op(Op::Gt),
                    "ge" => Tok::Op(Op::Ge),
                    "contains" => Tok::Contains,
                    "in" => Tok::In,
                    _ => Tok::Word(w.to_string()),
                };
                (tok, n)
            }
            _ => {
                let ch = s[i..].chars().next().unwrap_or('?');
                let hint = match ch {
                    '=' => " (compare with ==)",
                    '&' => " (and is && or and)",
                    '|' => " (or is || or or)",
                    '~' => " (matches is not supported; contains is)",
                    _ => "",
                };
                return Err(FilterError {
                    offset: i,
                    message: format!("unexpected {ch:?}{hint}"),
                });
            }
        };
        out.push((i, tok));
        i += len;
    }
    Ok(out)
}
