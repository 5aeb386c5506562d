//! Display filters for `sctp-craft dissect -Y`: which packets to print,
//! named after the codec registry (the same names as the REPL's
//! constructors and fields, and as the JSON output):
//!
//! - `data`, `init_ack`, `stale_cookie`: the packet has such a chunk,
//!   parameter or cause (anywhere, nested ones included);
//! - `data.tsn > 5`, `sack.gap_ack_blocks.start == 2`, `data.e_bit == 1`:
//!   a field or flag of that type, by its registry name;
//! - `chunk.type`, `chunk.flags`, `chunk.length`, `param.type`,
//!   `param.length`, `cause.code`, `cause.length`: of any chunk, parameter
//!   or cause;
//! - `src_port`, `dst_port`, `vtag`, `checksum`, `src`, `dst` (IP addresses);
//! - `==`, `!=`, `<`, `<=`, `>`, `>=`, `&&` (`and`), `||` (`or`), `!`
//!   (`not`), parentheses; numbers in decimal or `0x` hex, IPv4/IPv6 addresses.
//!
//! A comparison holds when any occurrence of the field satisfies it; `!=` is
//! `!(a == b)`, as in Wireshark since 3.6.

use std::collections::HashSet;
use std::fmt;
use std::net::IpAddr;

use sctp_codec::registry;
use sctp_codec::visit::{Node, Span, Value, Visitor};
use sctp_codec::wire::{FieldInfo, FieldKind};
use sctp_codec::Packet;

/// A filter that did not parse: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// Byte offset in the filter text.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.offset + 1, self.message)
    }
}

impl std::error::Error for FilterError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Lit {
    Int(u64),
    Ip(IpAddr),
}

#[derive(Debug, Clone)]
enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// A field is present (with a comparison: one occurrence satisfies it).
    Test(String, Option<(Op, Lit)>),
}

/// A parsed display filter.
#[derive(Debug, Clone)]
pub struct Filter {
    root: Expr,
    /// Every field name the filter uses (what a packet's walk must collect).
    paths: Vec<String>,
}

/// One value a packet offers to filters.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fact {
    Uint(u64),
    Ip(IpAddr),
    Present,
}

/// Everything a filter can ask of one packet: `(path, value)` pairs.
#[derive(Debug, Default)]
pub struct Facts {
    items: Vec<(String, Fact)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Op(Op),
    And,
    Or,
    Not,
    Open,
    Close,
}

/// Splits the filter into tokens with their offsets.
fn lex(s: &str) -> Result<Vec<(usize, Tok)>, FilterError> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |offset, message: &str| FilterError {
        offset,
        message: message.to_string(),
    };
    while i < b.len() {
        let c = b[i];
        let two = b.get(i..i + 2).unwrap_or(&[]);
        let (tok, len) = match (c, two) {
            (b' ' | b'\t', _) => {
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
            (c, _) if c.is_ascii_alphanumeric() || c == b'_' || c == b':' || c == b'.' => {
                let n = b[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b':' | b'.'))
                    .count();
                let w = &s[i..i + n];
                let tok = match w {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    "eq" => Tok::Op(Op::Eq),
                    "ne" => Tok::Op(Op::Ne),
                    "lt" => Tok::Op(Op::Lt),
                    "le" => Tok::Op(Op::Le),
                    "gt" => Tok::Op(Op::Gt),
                    "ge" => Tok::Op(Op::Ge),
                    _ => Tok::Word(w.to_string()),
                };
                (tok, n)
            }
            _ => return Err(err(i, &format!("unexpected {:?}", c as char))),
        };
        out.push((i, tok));
        i += len;
    }
    Ok(out)
}

/// Every name a filter may use, from the registry.
fn known_paths() -> &'static HashSet<String> {
    static PATHS: std::sync::OnceLock<HashSet<String>> = std::sync::OnceLock::new();
    PATHS.get_or_init(|| {
        let mut p: HashSet<String> = [
            "src_port",
            "dst_port",
            "vtag",
            "checksum",
            "src",
            "dst",
            "chunk",
            "chunk.type",
            "chunk.flags",
            "chunk.length",
            "param",
            "param.type",
            "param.length",
            "cause",
            "cause.code",
            "cause.length",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        fn fields(p: &mut HashSet<String>, prefix: &str, fs: &[FieldInfo]) {
            for f in fs {
                let path = format!("{prefix}.{}", f.name);
                if let FieldKind::Records(inner) = f.kind {
                    fields(p, &path, inner);
                }
                p.insert(path);
            }
        }
        for t in registry::all() {
            let key = t.key();
            for fl in t.flags {
                p.insert(format!("{key}.{}", fl.name));
            }
            fields(&mut p, &key, t.fields);
            p.insert(key);
        }
        p
    })
}

/// Edit distance between two names (for "did you mean").
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The known name closest to `w`, if one is reasonably close.
fn suggestion(w: &str) -> Option<&'static str> {
    known_paths()
        .iter()
        .map(|p| (distance(w, p), p))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, p)| p.as_str())
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.1)
    }
    fn at(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |t| t.0)
    }
    fn err(&self, message: impl Into<String>) -> FilterError {
        FilterError {
            offset: self.at(),
            message: message.into(),
        }
    }
    fn or(&mut self) -> Result<Expr, FilterError> {
        let mut e = self.and()?;
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }
    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut e = self.unary()?;
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            e = Expr::And(Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }
    fn unary(&mut self) -> Result<Expr, FilterError> {
        match self.peek() {
            Some(Tok::Not) => {
                self.pos += 1;
                Ok(Expr::Not(Box::new(self.unary()?)))
            }
            Some(Tok::Open) => {
                self.pos += 1;
                let e = self.or()?;
                if self.peek() != Some(&Tok::Close) {
                    return Err(self.err("expected ')'"));
                }
                self.pos += 1;
                Ok(e)
            }
            Some(Tok::Word(w)) => {
                let (at, w) = (self.at(), w.clone());
                if !known_paths().contains(&w) {
                    let hint =
                        suggestion(&w).map_or(String::new(), |s| format!("; did you mean {s}?"));
                    return Err(FilterError {
                        offset: at,
                        message: format!("unknown field {w:?}{hint}"),
                    });
                }
                self.pos += 1;
                let Some(Tok::Op(op)) = self.peek().cloned() else {
                    return Ok(Expr::Test(w, None));
                };
                self.pos += 1;
                let lit = match self.peek() {
                    Some(Tok::Word(v)) => literal(v).ok_or_else(|| {
                        self.err(format!("expected a number or an IP address, not {v:?}"))
                    })?,
                    _ => return Err(self.err("expected a value")),
                };
                self.pos += 1;
                Ok(Expr::Test(w, Some((op, lit))))
            }
            _ => Err(self.err("expected a field name, '!' or '('")),
        }
    }
}

/// A number (decimal or `0x` hex) or an IP address.
fn literal(v: &str) -> Option<Lit> {
    let n = match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => v.parse::<u64>().ok(),
    };
    n.map(Lit::Int)
        .or_else(|| v.parse::<IpAddr>().ok().map(Lit::Ip))
}

impl Filter {
    /// Parses a filter; unknown names are refused with the closest known one.
    pub fn parse(s: &str) -> Result<Filter, FilterError> {
        let toks = lex(s)?;
        if toks.is_empty() {
            return Err(FilterError {
                offset: 0,
                message: "empty filter".into(),
            });
        }
        let mut p = Parser {
            toks,
            pos: 0,
            end: s.len(),
        };
        let root = p.or()?;
        if p.pos < p.toks.len() {
            return Err(p.err("expected '&&', '||' or the end"));
        }
        let mut paths = Vec::new();
        collect_paths(&root, &mut paths);
        paths.sort();
        paths.dedup();
        Ok(Filter { root, paths })
    }

    /// Whether a packet with these facts passes.
    pub fn matches(&self, facts: &Facts) -> bool {
        eval(&self.root, facts)
    }
}

fn collect_paths(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Or(a, b) | Expr::And(a, b) => {
            collect_paths(a, out);
            collect_paths(b, out);
        }
        Expr::Not(a) => collect_paths(a, out),
        Expr::Test(p, _) => out.push(p.clone()),
    }
}

fn eval(e: &Expr, facts: &Facts) -> bool {
    match e {
        Expr::Or(a, b) => eval(a, facts) || eval(b, facts),
        Expr::And(a, b) => eval(a, facts) && eval(b, facts),
        Expr::Not(a) => !eval(a, facts),
        Expr::Test(path, None) => facts.items.iter().any(|(p, _)| p == path),
        // `a != b` is `!(a == b)`: no occurrence equals b.
        Expr::Test(path, Some((Op::Ne, lit))) => !any(facts, path, Op::Eq, lit),
        Expr::Test(path, Some((op, lit))) => any(facts, path, *op, lit),
    }
}

/// Whether some occurrence of `path` satisfies `op lit`.
fn any(facts: &Facts, path: &str, op: Op, lit: &Lit) -> bool {
    facts
        .items
        .iter()
        .filter(|(p, _)| p == path)
        .any(|(_, f)| compare(f, op, lit))
}

fn compare(f: &Fact, op: Op, lit: &Lit) -> bool {
    let ord = match (f, lit) {
        (Fact::Uint(a), Lit::Int(b)) => a.cmp(b),
        (Fact::Ip(a), Lit::Ip(b)) => a.cmp(b),
        _ => return false,
    };
    match op {
        Op::Eq => ord.is_eq(),
        Op::Ne => ord.is_ne(),
        Op::Lt => ord.is_lt(),
        Op::Le => ord.is_le(),
        Op::Gt => ord.is_gt(),
        Op::Ge => ord.is_ge(),
    }
}

/// What an open group adds to the paths of the fields inside it.
enum Group {
    /// A chunk, parameter or cause: paths start again at its key.
    Tlv(&'static str),
    /// A named list inside a TLV (`gap_ack_blocks`).
    List(&'static str),
    /// Adds nothing (the packet's chunk list, a record, a nested packet).
    Skip,
}

/// The registry key (`init_ack`) of a registered name (`INIT-ACK`), from a
/// table built once: the walk asks for one per chunk, parameter and cause.
fn key_of(name: &'static str) -> &'static str {
    static KEYS: std::sync::OnceLock<std::collections::HashMap<&'static str, String>> =
        std::sync::OnceLock::new();
    KEYS.get_or_init(|| registry::all().map(|t| (t.name, t.key())).collect())
        .get(name)
        .map_or("unknown", String::as_str)
}

/// Whether `want` is the dotted join of `parts`.
fn is_path(want: &str, parts: &[&str]) -> bool {
    let mut rest = want;
    for (k, p) in parts.iter().enumerate() {
        if k > 0 {
            match rest.strip_prefix('.') {
                Some(r) => rest = r,
                None => return false,
            }
        }
        match rest.strip_prefix(p) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    rest.is_empty()
}

/// Collects the facts of a packet that a filter asks about, from the
/// codec's visitor walk (nothing is allocated for the others).
struct Collector<'w> {
    facts: Facts,
    stack: Vec<Group>,
    wanted: &'w [String],
    /// Scratch for the parts of the current path.
    parts: Vec<&'static str>,
}

impl Collector<'_> {
    /// Fills `parts` with `key.list...` of the innermost TLV (empty outside
    /// every TLV).
    fn prefix(&mut self) {
        self.parts.clear();
        for g in self.stack.iter().rev() {
            match g {
                Group::Tlv(key) => {
                    self.parts.push(key);
                    self.parts.reverse();
                    return;
                }
                Group::List(l) => self.parts.push(l),
                Group::Skip => {}
            }
        }
        self.parts.clear();
    }
    /// Records `parts` (+ `last`) = `f` if the filter asks about that path.
    fn push(&mut self, last: Option<&'static str>, f: Fact) {
        if let Some(l) = last {
            self.parts.push(l);
        }
        if let Some(w) = self.wanted.iter().find(|w| is_path(w, &self.parts)) {
            self.facts.items.push((w.clone(), f));
        }
    }
    fn push_path(&mut self, path: &[&'static str], f: Fact) {
        self.parts.clear();
        self.parts.extend_from_slice(path);
        self.push(None, f);
    }
    /// A chunk, parameter or cause opens: `kind`, `kind.<ty_name>`,
    /// `kind.length` and its key are facts.
    fn tlv(
        &mut self,
        kind: &'static str,
        name: &'static str,
        ty: u64,
        ty_name: &'static str,
        length: u16,
    ) {
        let key = key_of(name);
        self.push_path(&[kind], Fact::Present);
        self.push_path(&[kind, ty_name], Fact::Uint(ty));
        self.push_path(&[kind, "length"], Fact::Uint(length.into()));
        self.push_path(&[key], Fact::Present);
        self.stack.push(Group::Tlv(key));
    }
}

impl Visitor for Collector<'_> {
    fn field(&mut self, name: &'static str, _span: Span, value: Value<'_>) {
        let f = match value {
            Value::Uint { v, .. } => Fact::Uint(v),
            Value::Ipv4(a) => Fact::Ip(a.into()),
            Value::Ipv6(a) => Fact::Ip(a.into()),
            Value::Bytes(_) | Value::Text(_) => Fact::Present,
        };
        self.prefix();
        if self.parts.is_empty() {
            let header = match name {
                "source_port" => "src_port",
                "destination_port" => "dst_port",
                "verification_tag" => "vtag",
                n => n,
            };
            self.push(Some(header), f);
        } else {
            self.push(Some(name), f);
        }
    }
    fn flag(&mut self, name: &'static str, _span: Span, _mask: u8, value: u8) {
        self.prefix();
        if !self.parts.is_empty() {
            self.push(Some(name), Fact::Uint(value.into()));
        }
    }
    fn open(&mut self, name: &'static str, _span: Span, node: Node) {
        match node {
            Node::Chunk {
                ty,
                name: n,
                flags,
                length,
            } => {
                self.push_path(&["chunk", "flags"], Fact::Uint(flags.into()));
                self.tlv("chunk", n, ty.into(), "type", length);
            }
            Node::Param {
                ty,
                name: n,
                length,
            } => self.tlv("param", n, ty.into(), "type", length),
            Node::Cause {
                code,
                name: n,
                length,
            } => self.tlv("cause", n, code.into(), "code", length),
            Node::List => {
                self.prefix();
                let g = if self.parts.is_empty() {
                    Group::Skip
                } else {
                    Group::List(name)
                };
                self.stack.push(g);
            }
            Node::Record | Node::Packet => self.stack.push(Group::Skip),
        }
    }
    fn close(&mut self) {
        self.stack.pop();
    }
}

impl Facts {
    /// The facts of `packet`, carried between `src` and `dst`, that
    /// `filter` asks about.
    pub fn of(packet: &Packet<'_>, src: IpAddr, dst: IpAddr, filter: &Filter) -> Facts {
        let mut c = Collector {
            facts: Facts::default(),
            stack: Vec::new(),
            wanted: &filter.paths,
            parts: Vec::new(),
        };
        c.push_path(&["src"], Fact::Ip(src));
        c.push_path(&["dst"], Fact::Ip(dst));
        packet.describe(&mut c);
        c.facts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Any text either parses or fails with an offset inside it; never a panic.
    #[test]
    fn garbage_never_panics_and_errors_point_inside_the_text() {
        let pieces = [
            "data",
            "data.tsn",
            "==",
            "!=",
            "<",
            ">=",
            "&&",
            "||",
            "!",
            "(",
            ")",
            "0x",
            "0xffffffffffffffffff",
            "18446744073709551616",
            "1.2.3.4",
            "::1",
            "and",
            "not",
            "~",
            "é",
            "\"",
            " ",
            ".",
            "..",
            "chunk.type",
            "sack.gap_ack_blocks.start",
            "-1",
        ];
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            let mut text = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            for k in 0..(seed % 7) {
                let p = pieces[((seed >> (8 * k)) as usize) % pieces.len()];
                text.push_str(p);
                if seed >> (k + 40) & 1 == 1 {
                    text.push(' ');
                }
            }
            if let Err(e) = Filter::parse(&text) {
                assert!(e.offset <= text.len(), "{text:?}: {e}");
            }
        }
    }

    #[test]
    fn any_occurrence_and_not_equal() {
        let facts = Facts {
            items: vec![
                ("data".into(), Fact::Present),
                ("data.tsn".into(), Fact::Uint(5)),
                ("data.tsn".into(), Fact::Uint(9)),
                ("src".into(), Fact::Ip("10.0.0.1".parse().unwrap())),
            ],
        };
        let m = |f: &str| Filter::parse(f).unwrap().matches(&facts);
        assert!(m("data.tsn == 9") && m("data.tsn < 6") && m("data"));
        assert!(!m("data.tsn != 9"), "!= is !(==), as in Wireshark 3.6+");
        assert!(m("src == 10.0.0.1") && !m("src == 10.0.0.2") && !m("sack"));
        assert!(m("!(sack || data.tsn > 9) && (data.tsn >= 9)"));
    }
}
