//! Tokens of packetdrill's script language (its `lexer.l`), with the line and
//! column each starts at. `//` and `/* */` comments are skipped; `#ifdef NAME`
//! ... `#endif` keeps its text only when `NAME` is defined (packetdrill
//! defines the name of the OS it runs on: `Linux`, `FreeBSD`, ...).

use std::net::IpAddr;

/// Where something is in a script: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// Line, from 1.
    pub line: usize,
    /// Column (in characters), from 1.
    pub col: usize,
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// A syntax error with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where.
    pub pos: Pos,
    /// What.
    pub message: String,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.pos, self.message)
    }
}

impl std::error::Error for SyntaxError {}

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// `[-]?[0-9]+`.
    Int(i64),
    /// `0x...`.
    Hex(u64),
    /// `[-]?[0-9]*.[0-9]+`: the value and its text.
    Float(f64),
    /// A word: `[a-zA-Z0-9_]+` (also `IPv4`, `SOCK_STREAM`, ...).
    Word(String),
    /// `"..."`, unquoted.
    Str(String),
    /// `` `...` ``: a shell command.
    BackQuoted(String),
    /// `--name` of an option line.
    Opt(String),
    /// An IPv4 or IPv6 address literal.
    Addr(IpAddr),
    /// `...`.
    Ellipsis,
    /// Any other single character.
    Punct(char),
}

impl std::fmt::Display for Tok {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tok::Int(i) => write!(f, "{i}"),
            Tok::Hex(h) => write!(f, "{h:#x}"),
            Tok::Float(x) => write!(f, "{x}"),
            Tok::Word(w) => f.write_str(w),
            Tok::Str(s) => write!(f, "\"{s}\""),
            Tok::BackQuoted(s) => write!(f, "`{s}`"),
            Tok::Opt(o) => write!(f, "--{o}"),
            Tok::Addr(a) => write!(f, "{a}"),
            Tok::Ellipsis => f.write_str("..."),
            Tok::Punct(c) => write!(f, "{c}"),
        }
    }
}

/// A token and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// The token.
    pub tok: Tok,
    /// Its position.
    pub pos: Pos,
}

struct Lexer<'a> {
    chars: Vec<char>,
    i: usize,
    line: usize,
    col: usize,
    defines: &'a [String],
}

impl Lexer<'_> {
    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.get(self.i).copied()?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            col: self.col,
        }
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars().enumerate().all(|(k, c)| self.peek(k) == Some(c))
    }

    fn err(&self, pos: Pos, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            pos,
            message: message.into(),
        }
    }

    /// The address literal starting here, if any (longest run of address
    /// characters that parses as one).
    fn address(&self) -> Option<(IpAddr, usize)> {
        let mut n = 0;
        while let Some(c) = self.peek(n) {
            if c.is_ascii_hexdigit() || c == ':' || c == '.' {
                n += 1;
            } else {
                break;
            }
        }
        // A word character right after means this is not an address.
        if matches!(self.peek(n), Some(c) if c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        let text: String = self.chars[self.i..self.i + n].iter().collect();
        let text = text.trim_end_matches(['.', ':']);
        if text.matches('.').count() == 3 && !text.contains(':') {
            if let Ok(a) = text.parse::<std::net::Ipv4Addr>() {
                return Some((IpAddr::V4(a), text.chars().count()));
            }
        }
        if text.contains("::") || text.matches(':').count() >= 7 {
            if let Ok(a) = text.parse::<std::net::Ipv6Addr>() {
                return Some((IpAddr::V6(a), text.chars().count()));
            }
        }
        None
    }

    fn skip_space_and_comments(&mut self, ifdef: &mut Option<Pos>) -> Result<(), SyntaxError> {
        loop {
            match self.peek(0) {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                Some('/') if self.peek(1) == Some('/') => {
                    while !matches!(self.peek(0), None | Some('\n')) {
                        self.bump();
                    }
                }
                Some('/') if self.peek(1) == Some('*') => {
                    let start = self.pos();
                    self.bump();
                    self.bump();
                    loop {
                        if self.starts_with("*/") {
                            self.bump();
                            self.bump();
                            break;
                        }
                        if self.bump().is_none() {
                            return Err(self.err(start, "unterminated /* comment"));
                        }
                    }
                }
                Some('#') if self.starts_with("#ifdef") => {
                    let start = self.pos();
                    if let Some(p) = ifdef {
                        return Err(
                            self.err(start, format!("#ifdef already seen in line {}", p.line))
                        );
                    }
                    for _ in 0.."#ifdef".len() {
                        self.bump();
                    }
                    while matches!(self.peek(0), Some(c) if c.is_whitespace()) {
                        self.bump();
                    }
                    let mut name = String::new();
                    while let Some(c) = self.peek(0) {
                        if c.is_ascii_alphanumeric() || c == '_' {
                            name.push(c);
                            self.bump();
                        } else {
                            break;
                        }
                    }
                    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
                        return Err(self.err(start, "#ifdef must be followed by name"));
                    }
                    *ifdef = Some(start);
                    if !self.defines.contains(&name) {
                        // Skip to the matching #endif.
                        loop {
                            if self.starts_with("#endif") {
                                break;
                            }
                            if self.bump().is_none() {
                                return Err(self.err(
                                    start,
                                    format!("unterminated #ifdef in line {}", start.line),
                                ));
                            }
                        }
                    }
                }
                Some('#') if self.starts_with("#endif") => {
                    let start = self.pos();
                    if ifdef.is_none() {
                        return Err(self.err(start, "missing #ifdef for #endif"));
                    }
                    *ifdef = None;
                    for _ in 0.."#endif".len() {
                        self.bump();
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn number(&mut self, pos: Pos) -> Result<Tok, SyntaxError> {
        let mut text = String::new();
        if self.peek(0) == Some('-') {
            text.push('-');
            self.bump();
        }
        if self.peek(0) == Some('0') && matches!(self.peek(1), Some('x' | 'X')) {
            self.bump();
            self.bump();
            let mut hex = String::new();
            while let Some(c) = self.peek(0) {
                if c.is_ascii_hexdigit() {
                    hex.push(c);
                    self.bump();
                } else {
                    break;
                }
            }
            return u64::from_str_radix(&hex, 16)
                .map(Tok::Hex)
                .map_err(|_| self.err(pos, format!("bad hex number 0x{hex}")));
        }
        while let Some(c) = self.peek(0) {
            if c.is_ascii_digit() {
                text.push(c);
                self.bump();
            } else {
                break;
            }
        }
        if self.peek(0) == Some('.') && matches!(self.peek(1), Some(c) if c.is_ascii_digit()) {
            text.push('.');
            self.bump();
            while let Some(c) = self.peek(0) {
                if c.is_ascii_digit() {
                    text.push(c);
                    self.bump();
                } else {
                    break;
                }
            }
            return text
                .parse::<f64>()
                .map(Tok::Float)
                .map_err(|_| self.err(pos, format!("bad number {text}")));
        }
        text.parse::<i64>()
            .map(Tok::Int)
            .map_err(|_| self.err(pos, format!("bad number {text}")))
    }

    fn quoted(&mut self, pos: Pos, q: char) -> Result<String, SyntaxError> {
        self.bump();
        let mut s = String::new();
        loop {
            match self.bump() {
                None => return Err(self.err(pos, format!("unterminated {q}"))),
                Some('\\') => {
                    if let Some(c) = self.bump() {
                        s.push(match c {
                            'n' => '\n',
                            't' => '\t',
                            c => c,
                        });
                    }
                }
                Some(c) if c == q => return Ok(s),
                Some(c) => s.push(c),
            }
        }
    }
}

/// Splits `text` into tokens; `defines` are the names `#ifdef` tests.
pub fn tokenize(text: &str, defines: &[String]) -> Result<Vec<Token>, SyntaxError> {
    let mut lx = Lexer {
        chars: text.chars().collect(),
        i: 0,
        line: 1,
        col: 1,
        defines,
    };
    let mut out = Vec::new();
    let mut ifdef: Option<Pos> = None;
    loop {
        lx.skip_space_and_comments(&mut ifdef)?;
        let pos = lx.pos();
        let Some(c) = lx.peek(0) else { break };
        let tok = if lx.starts_with("...") {
            lx.bump();
            lx.bump();
            lx.bump();
            Tok::Ellipsis
        } else if lx.starts_with("--") && matches!(lx.peek(2), Some(c) if c.is_ascii_alphanumeric())
        {
            lx.bump();
            lx.bump();
            let mut name = String::new();
            while let Some(c) = lx.peek(0) {
                if c.is_ascii_alphanumeric() || c == '_' {
                    name.push(c);
                    lx.bump();
                } else {
                    break;
                }
            }
            Tok::Opt(name)
        } else if let Some((addr, n)) = lx.address() {
            for _ in 0..n {
                lx.bump();
            }
            Tok::Addr(addr)
        } else if c.is_ascii_digit()
            || (c == '.' && matches!(lx.peek(1), Some(d) if d.is_ascii_digit()))
            || (c == '-' && matches!(lx.peek(1), Some(d) if d.is_ascii_digit() || d == '.'))
        {
            // A word like 0x02 or 123abc? Numbers followed by letters are words
            // in packetdrill only for names such as `gen-1`; keep numbers.
            lx.number(pos)?
        } else if c.is_ascii_alphabetic() || c == '_' {
            let mut w = String::new();
            while let Some(c) = lx.peek(0) {
                if c.is_ascii_alphanumeric() || c == '_' {
                    w.push(c);
                    lx.bump();
                } else {
                    break;
                }
            }
            Tok::Word(w)
        } else if c == '"' {
            Tok::Str(lx.quoted(pos, '"')?)
        } else if c == '`' {
            Tok::BackQuoted(lx.quoted(pos, '`')?)
        } else {
            lx.bump();
            Tok::Punct(c)
        };
        out.push(Token { tok, pos });
    }
    if let Some(p) = ifdef {
        return Err(SyntaxError {
            pos: p,
            message: format!("unterminated #ifdef in line {}", p.line),
        });
    }
    Ok(out)
}
