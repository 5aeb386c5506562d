//! The script's syntax tree (packetdrill's `parser.y`, SCTP dialect): option
//! lines, then events, each a time and an action: an SCTP packet (`<`
//! injected, `>` expected), a system call, or a shell command.
//!
//! Chunks, parameters and causes are parsed generically here as
//! `NAME[field, ...]` items; [`crate::spec`] gives them their types.

use std::net::IpAddr;

use crate::lexer::{tokenize, Pos, SyntaxError, Tok, Token};

/// When an event happens (packetdrill `event_time`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Time {
    /// `1.5`: seconds from the script's start, in microseconds.
    Absolute(i64),
    /// `+0.1`: after the previous event, in microseconds.
    Relative(i64),
    /// `*`: any time (outbound packets only).
    Any,
    /// `1.0~2.0`.
    AbsoluteRange(i64, i64),
    /// `+1.0~+2.0`.
    RelativeRange(i64, i64),
}

/// A value in a chunk/parameter/cause field (`key=value`).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `...`.
    Ellipsis,
    /// A number (decimal or hex).
    Int(i64),
    /// A bare word (`BE`, `T`, `INIT_ACK`, `IPv4`).
    Word(String),
    /// A quoted string.
    Str(String),
    /// An IP address.
    Addr(IpAddr),
    /// `a:b` (a gap block).
    Pair(i64, i64),
    /// `[v, ...]`.
    List(Vec<(Value, Pos)>),
    /// A nested `NAME[...]`.
    Item(Item),
    /// `{a, b, c}` (a FORWARD_TSN or I_FORWARD_TSN stream entry).
    Tuple(Vec<(Value, Pos)>),
}

/// One field of an item.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// `key=value`.
    Key(String, Value, Pos),
    /// A nested item (a parameter or cause in a list).
    Item(Item),
    /// `...` in place of the rest of a list.
    Ellipsis(Pos),
}

/// `NAME[field, ...]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The name (`INIT`, `PARAMETER`, `PROTOCOL_VIOLATION`...).
    pub name: String,
    /// Where the name is.
    pub pos: Pos,
    /// The fields in order.
    pub fields: Vec<Field>,
}

/// The chunks of a packet line.
#[derive(Debug, Clone, PartialEq)]
pub enum Chunks {
    /// `CHUNK[...]; CHUNK[...]`.
    Items(Vec<Item>),
    /// `[0x01, 0x02, ...]`: raw bytes after the common header.
    Bytes(Vec<u8>),
}

/// An SCTP packet line.
#[derive(Debug, Clone, PartialEq)]
pub struct PacketLine {
    /// `<`: injected into the endpoint; `>`: expected from it.
    pub inbound: bool,
    /// Explicit `src > dst` addresses.
    pub addrs: Option<(IpAddr, IpAddr)>,
    /// `sctp(tag=N)`.
    pub tag: Option<u32>,
    /// `sctp(bad_crc32c)`.
    pub bad_crc32c: bool,
    /// `sctp(zero_checksum)`.
    pub zero_checksum: bool,
    /// The chunks.
    pub chunks: Chunks,
}

/// An inbound ICMP error line (nplab packetdrill's `icmp_packet_spec`):
/// `< icmp TYPE [CODE] [mtu N] [id N] [[sctp(TAG)]]`; the older form with
/// the echoed packet first (`< [sctp(TAG)] icmp TYPE ...`, FreeBSD's
/// sctp_icmp_* scripts, dropped by nplab's parser.y) is read too.
#[derive(Debug, Clone, PartialEq)]
pub struct IcmpLine {
    /// ICMP type name (`unreachable`, `packet_too_big`, `type_N`...).
    pub icmp_type: String,
    /// ICMP code name (`frag_needed`, `protocol_unreachable`, `code_N`...).
    pub code: Option<String>,
    /// `mtu N`.
    pub mtu: Option<u32>,
    /// The echoed SCTP packet's Verification Tag (`[sctp(TAG)]`); `None`
    /// when no packet was written (the peer's tag is quoted, as
    /// packetdrill always writes it).
    pub tag: Option<u32>,
    /// Written in the older form (echoed packet first).
    pub old_form: bool,
}

/// An argument or result of a system call (packetdrill `expression`).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `...`.
    Ellipsis,
    /// A number.
    Int(i64),
    /// `htonl(N)`: the number as it goes on the wire.
    Htonl(i64),
    /// `htons(N)`.
    Htons(i64),
    /// A symbol (`SOCK_STREAM`, `O_NONBLOCK`, `ECONNREFUSED`).
    Word(String),
    /// A string.
    Str(String),
    /// `a | b`.
    Or(Box<Expr>, Box<Expr>),
    /// `[a, b]`.
    List(Vec<Expr>),
    /// `{name=value, ...}`.
    Struct(Vec<(String, Expr)>),
    /// `NULL`.
    Null,
    /// An address literal.
    Addr(IpAddr),
}

/// A system call line.
#[derive(Debug, Clone, PartialEq)]
pub struct SyscallLine {
    /// `...T` before the name: a blocking call that returns at T.
    pub end: Option<i64>,
    /// The function.
    pub name: String,
    /// The arguments.
    pub args: Vec<Expr>,
    /// The expected result.
    pub result: Expr,
    /// The expected errno name, if given.
    pub errno: Option<String>,
    /// The note in parentheses, if any.
    pub note: Option<String>,
}

/// What an event does.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// A packet.
    Packet(PacketLine),
    /// An inbound ICMP error about one of the endpoint's packets.
    Icmp(IcmpLine),
    /// A system call.
    Syscall(SyscallLine),
    /// A shell command in backquotes (not run here).
    Command(String),
}

/// One event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Where it starts.
    pub pos: Pos,
    /// When.
    pub time: Time,
    /// What.
    pub action: Action,
}

/// A parsed script.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    /// `--name=value` lines.
    pub options: Vec<(String, String, Pos)>,
    /// The events in order.
    pub events: Vec<Event>,
}

struct Parser {
    toks: Vec<Token>,
    i: usize,
    end: Pos,
}

type R<T> = Result<T, SyntaxError>;

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|t| &t.tok)
    }
    fn peek_at(&self, k: usize) -> Option<&Tok> {
        self.toks.get(self.i + k).map(|t| &t.tok)
    }
    fn pos(&self) -> Pos {
        self.toks.get(self.i).map_or(self.end, |t| t.pos)
    }
    fn next(&mut self) -> Option<Token> {
        let t = self.toks.get(self.i).cloned();
        self.i += 1;
        t
    }
    fn err<T>(&self, message: impl Into<String>) -> R<T> {
        Err(SyntaxError {
            pos: self.pos(),
            message: message.into(),
        })
    }
    fn found(&self) -> String {
        match self.peek() {
            Some(t) => format!("'{t}'"),
            None => "end of script".into(),
        }
    }
    fn is_punct(&self, c: char) -> bool {
        self.peek() == Some(&Tok::Punct(c))
    }
    fn eat_punct(&mut self, c: char) -> bool {
        if self.is_punct(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn expect_punct(&mut self, c: char) -> R<()> {
        if self.eat_punct(c) {
            Ok(())
        } else {
            self.err(format!("expected '{c}', found {}", self.found()))
        }
    }
    fn word(&mut self) -> R<String> {
        match self.peek() {
            Some(Tok::Word(w)) => {
                let w = w.clone();
                self.i += 1;
                Ok(w)
            }
            _ => self.err(format!("expected a name, found {}", self.found())),
        }
    }

    fn script(&mut self) -> R<Script> {
        let mut options = Vec::new();
        while let Some(Tok::Opt(name)) = self.peek() {
            let name = name.clone();
            let pos = self.pos();
            self.i += 1;
            self.expect_punct('=')?;
            let value = match self.next() {
                Some(t) => match t.tok {
                    Tok::Word(w) => w,
                    Tok::Str(s) => s,
                    other => other.to_string(),
                },
                None => return self.err("expected an option value"),
            };
            options.push((name, value, pos));
        }
        let mut events = Vec::new();
        while self.peek().is_some() {
            events.push(self.event()?);
        }
        Ok(Script { options, events })
    }

    fn seconds(&mut self) -> R<i64> {
        match self.peek() {
            Some(Tok::Int(i)) if *i >= 0 => {
                let v = *i * 1_000_000;
                self.i += 1;
                Ok(v)
            }
            Some(Tok::Float(f)) if *f >= 0.0 => {
                let v = (*f * 1.0e6).round() as i64;
                self.i += 1;
                Ok(v)
            }
            Some(Tok::Int(_) | Tok::Float(_)) => self.err("negative time"),
            _ => self.err(format!("expected a time, found {}", self.found())),
        }
    }

    fn time(&mut self) -> R<Time> {
        if self.eat_punct('*') {
            return Ok(Time::Any);
        }
        if self.eat_punct('+') {
            let a = self.seconds()?;
            if self.eat_punct('~') {
                self.expect_punct('+')?;
                let b = self.seconds()?;
                return Ok(Time::RelativeRange(a, b));
            }
            return Ok(Time::Relative(a));
        }
        let a = self.seconds()?;
        if self.eat_punct('~') {
            let b = self.seconds()?;
            return Ok(Time::AbsoluteRange(a, b));
        }
        Ok(Time::Absolute(a))
    }

    fn event(&mut self) -> R<Event> {
        let pos = self.pos();
        let time = self.time()?;
        let action = match self.peek() {
            Some(Tok::Punct('<'))
                if matches!(self.peek_at(1), Some(Tok::Punct('[')))
                    || matches!(self.peek_at(1), Some(Tok::Word(w)) if w == "icmp") =>
            {
                Action::Icmp(self.icmp()?)
            }
            Some(Tok::Punct('<' | '>')) => Action::Packet(self.packet()?),
            Some(Tok::BackQuoted(s)) => {
                let s = s.clone();
                self.i += 1;
                Action::Command(s)
            }
            Some(Tok::Word(_) | Tok::Ellipsis) => Action::Syscall(self.syscall()?),
            _ => {
                return self.err(format!(
                    "expected a packet, system call or command, found {}",
                    self.found()
                ))
            }
        };
        match (&time, &action) {
            (Time::Any | Time::AbsoluteRange(..) | Time::RelativeRange(..), Action::Packet(p))
                if !p.inbound => {}
            (Time::Any, _) => {
                return Err(SyntaxError {
                    pos,
                    message: "event time <star> can only be used with outbound packets".into(),
                })
            }
            (Time::AbsoluteRange(..) | Time::RelativeRange(..), _) => {
                return Err(SyntaxError {
                    pos,
                    message: "event time range can only be used with outbound packets".into(),
                })
            }
            _ => {}
        }
        if let Time::AbsoluteRange(a, b) | Time::RelativeRange(a, b) = time {
            if b < a {
                return Err(SyntaxError {
                    pos,
                    message: "time range is backwards".into(),
                });
            }
        }
        Ok(Event { pos, time, action })
    }

    fn packet(&mut self) -> R<PacketLine> {
        let inbound = self.is_punct('<');
        self.i += 1;
        let mut addrs = None;
        if let Some(Tok::Addr(src)) = self.peek() {
            let src = *src;
            self.i += 1;
            self.expect_punct('>')?;
            match self.next().map(|t| t.tok) {
                Some(Tok::Addr(dst)) => addrs = Some((src, dst)),
                _ => {
                    self.i -= 1;
                    return self.err("expected a destination address");
                }
            }
        }
        match self.peek() {
            Some(Tok::Word(w)) if w == "sctp" => self.i += 1,
            _ => return self.err(format!("expected 'sctp', found {}", self.found())),
        }
        let (mut tag, mut bad_crc32c, mut zero_checksum) = (None, false, false);
        if self.eat_punct('(') {
            loop {
                let w = self.word()?;
                match w.as_str() {
                    "bad_crc32c" => bad_crc32c = true,
                    "zero_checksum" => zero_checksum = true,
                    "tag" => {
                        self.expect_punct('=')?;
                        match self.peek() {
                            Some(Tok::Int(n)) if (0..=u32::MAX as i64).contains(n) => {
                                tag = Some(*n as u32)
                            }
                            Some(Tok::Hex(n)) if *n <= u32::MAX as u64 => tag = Some(*n as u32),
                            _ => return self.err("tag value out of range"),
                        }
                        self.i += 1;
                    }
                    _ => {
                        self.i -= 1;
                        return self.err(format!("unknown SCTP header option '{w}'"));
                    }
                }
                if !self.eat_punct(',') {
                    break;
                }
            }
            self.expect_punct(')')?;
        }
        if self.is_punct('/') {
            return self.err("UDP encapsulation is not supported");
        }
        self.expect_punct(':')?;
        let chunks = if self.is_punct('[') {
            let start = self.pos();
            let list = self.list()?;
            let mut bytes = Vec::new();
            for (v, p) in list {
                match v {
                    Value::Int(b) if (0..=255).contains(&b) => bytes.push(b as u8),
                    _ => {
                        return Err(SyntaxError {
                            pos: p,
                            message: "byte value out of range".into(),
                        })
                    }
                }
            }
            let _ = start;
            Chunks::Bytes(bytes)
        } else {
            let mut items = Vec::new();
            if matches!(self.peek(), Some(Tok::Word(w)) if self.peek_at(1) == Some(&Tok::Punct('[')) && w.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
            {
                items.push(self.item()?);
                while self.eat_punct(';') {
                    items.push(self.item()?);
                }
            }
            Chunks::Items(items)
        };
        Ok(PacketLine {
            inbound,
            addrs,
            tag,
            bad_crc32c,
            zero_checksum,
            chunks,
        })
    }

    /// `[sctp(TAG)]`: the echoed packet of an ICMP line.
    fn icmp_echoed(&mut self) -> R<u32> {
        self.expect_punct('[')?;
        match self.peek() {
            Some(Tok::Word(w)) if w == "sctp" => self.i += 1,
            _ => {
                return self.err(format!(
                    "expected 'sctp' in the echoed packet, found {}",
                    self.found()
                ))
            }
        }
        self.expect_punct('(')?;
        let tag = match self.peek() {
            Some(Tok::Int(n)) if (0..=u32::MAX as i64).contains(n) => *n as u32,
            Some(Tok::Hex(n)) if *n <= u32::MAX as u64 => *n as u32,
            _ => return self.err("verification tag out of range"),
        };
        self.i += 1;
        self.expect_punct(')')?;
        if !self.is_punct(']') {
            return self.err("UDP encapsulation of the echoed packet is not supported");
        }
        self.expect_punct(']')?;
        Ok(tag)
    }

    /// `< [[sctp(TAG)]] icmp TYPE [CODE] [mtu N] [id N] [[sctp(TAG)]]`
    /// (nplab's `icmp_packet_spec`, plus the older echoed-first form).
    fn icmp(&mut self) -> R<IcmpLine> {
        self.expect_punct('<')?;
        let mut tag = None;
        let old_form = self.is_punct('[');
        if old_form {
            tag = Some(self.icmp_echoed()?);
        }
        match self.peek() {
            Some(Tok::Word(w)) if w == "icmp" => self.i += 1,
            _ => return self.err(format!("expected 'icmp', found {}", self.found())),
        }
        let icmp_type = self.word()?;
        let mut code = None;
        if let Some(Tok::Word(w)) = self.peek() {
            if w != "mtu" && w != "id" {
                code = Some(w.clone());
                self.i += 1;
            }
        }
        let mut mtu = None;
        if matches!(self.peek(), Some(Tok::Word(w)) if w == "mtu") {
            self.i += 1;
            match self.peek() {
                Some(Tok::Int(n)) if (0..=u32::MAX as i64).contains(n) => mtu = Some(*n as u32),
                _ => return self.err("expected an MTU"),
            }
            self.i += 1;
        }
        if matches!(self.peek(), Some(Tok::Word(w)) if w == "id") {
            self.i += 1;
            match self.peek() {
                Some(Tok::Int(_)) => self.i += 1,
                _ => return self.err("expected an echo id"),
            }
        }
        if self.is_punct('[') {
            if old_form {
                return self.err("the echoed packet is written twice");
            }
            tag = Some(self.icmp_echoed()?);
        }
        Ok(IcmpLine {
            icmp_type,
            code,
            mtu,
            tag,
            old_form,
        })
    }

    /// `NAME[fields]`.
    fn item(&mut self) -> R<Item> {
        let pos = self.pos();
        let name = self.word()?;
        self.expect_punct('[')?;
        let mut fields = Vec::new();
        if !self.is_punct(']') {
            loop {
                fields.push(self.field()?);
                if !self.eat_punct(',') {
                    break;
                }
            }
        }
        self.expect_punct(']')?;
        Ok(Item { name, pos, fields })
    }

    fn field(&mut self) -> R<Field> {
        let pos = self.pos();
        match (self.peek(), self.peek_at(1)) {
            (Some(Tok::Ellipsis), _) => {
                self.i += 1;
                Ok(Field::Ellipsis(pos))
            }
            (Some(Tok::Word(w)), Some(Tok::Punct('='))) => {
                let key = w.clone();
                self.i += 2;
                let v = self.value()?;
                Ok(Field::Key(key, v, pos))
            }
            (Some(Tok::Word(_)), Some(Tok::Punct('['))) => Ok(Field::Item(self.item()?)),
            _ => self.err(format!(
                "expected 'name=value' or NAME[...], found {}",
                self.found()
            )),
        }
    }

    fn list(&mut self) -> R<Vec<(Value, Pos)>> {
        self.expect_punct('[')?;
        let mut out = Vec::new();
        if !self.is_punct(']') {
            loop {
                let p = self.pos();
                out.push((self.value()?, p));
                if !self.eat_punct(',') {
                    break;
                }
            }
        }
        self.expect_punct(']')?;
        Ok(out)
    }

    fn value(&mut self) -> R<Value> {
        match self.peek().cloned() {
            Some(Tok::Ellipsis) => {
                self.i += 1;
                Ok(Value::Ellipsis)
            }
            Some(Tok::Int(n)) => {
                self.i += 1;
                if self.is_punct(':') {
                    self.i += 1;
                    match self.peek() {
                        Some(Tok::Int(m)) => {
                            let m = *m;
                            self.i += 1;
                            return Ok(Value::Pair(n, m));
                        }
                        _ => return self.err("expected the end of a gap block"),
                    }
                }
                Ok(Value::Int(n))
            }
            Some(Tok::Hex(n)) => {
                self.i += 1;
                Ok(Value::Int(n as i64))
            }
            Some(Tok::Str(s)) => {
                self.i += 1;
                Ok(Value::Str(s))
            }
            Some(Tok::Addr(a)) => {
                self.i += 1;
                Ok(Value::Addr(a))
            }
            Some(Tok::Word(w)) => {
                if self.peek_at(1) == Some(&Tok::Punct('[')) {
                    return Ok(Value::Item(self.item()?));
                }
                self.i += 1;
                Ok(Value::Word(w))
            }
            Some(Tok::Punct('[')) => Ok(Value::List(self.list()?)),
            Some(Tok::Punct('{')) => {
                self.i += 1;
                let mut v = Vec::new();
                while !self.is_punct('}') {
                    let pos = self.pos();
                    v.push((self.value()?, pos));
                    if !self.is_punct('}') {
                        self.expect_punct(',')?;
                    }
                }
                self.i += 1;
                Ok(Value::Tuple(v))
            }
            _ => self.err(format!("expected a value, found {}", self.found())),
        }
    }

    fn syscall(&mut self) -> R<SyscallLine> {
        let mut end = None;
        if self.peek() == Some(&Tok::Ellipsis) {
            self.i += 1;
            end = Some(self.seconds()?);
        }
        let name = self.word()?;
        self.expect_punct('(')?;
        let mut args = Vec::new();
        if !self.is_punct(')') {
            loop {
                args.push(self.expr()?);
                if !self.eat_punct(',') {
                    break;
                }
            }
        }
        self.expect_punct(')')?;
        self.expect_punct('=')?;
        let result = self.expr()?;
        let mut errno = None;
        let mut note = None;
        if let (Some(Tok::Word(w)), Some(Tok::Punct('('))) = (self.peek(), self.peek_at(1)) {
            errno = Some(w.clone());
            self.i += 1;
        } else if let Some(Tok::Word(w)) = self.peek() {
            // An errno without a note.
            if w.starts_with('E')
                && w.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            {
                errno = Some(w.clone());
                self.i += 1;
            }
        }
        if self.is_punct('(') {
            let start = self.pos();
            self.i += 1;
            let mut words = Vec::new();
            loop {
                match self.next() {
                    Some(Token {
                        tok: Tok::Punct(')'),
                        ..
                    }) => break,
                    Some(t) => words.push(t.tok.to_string()),
                    None => {
                        return Err(SyntaxError {
                            pos: start,
                            message: "unterminated note".into(),
                        })
                    }
                }
            }
            note = Some(words.join(" "));
        }
        Ok(SyscallLine {
            end,
            name,
            args,
            result,
            errno,
            note,
        })
    }

    fn expr(&mut self) -> R<Expr> {
        let mut e = self.primary()?;
        while self.eat_punct('|') {
            let rhs = self.primary()?;
            e = Expr::Or(Box::new(e), Box::new(rhs));
        }
        Ok(e)
    }

    fn primary(&mut self) -> R<Expr> {
        match self.peek().cloned() {
            Some(Tok::Ellipsis) => {
                self.i += 1;
                Ok(Expr::Ellipsis)
            }
            Some(Tok::Int(n)) => {
                self.i += 1;
                Ok(Expr::Int(n))
            }
            Some(Tok::Hex(n)) => {
                self.i += 1;
                Ok(Expr::Int(n as i64))
            }
            Some(Tok::Str(s)) => {
                self.i += 1;
                if self.peek() == Some(&Tok::Ellipsis) {
                    self.i += 1;
                }
                Ok(Expr::Str(s))
            }
            Some(Tok::Addr(a)) => {
                self.i += 1;
                Ok(Expr::Addr(a))
            }
            Some(Tok::Word(w))
                if (w == "htonl" || w == "htons") && self.peek_at(1) == Some(&Tok::Punct('(')) =>
            {
                self.i += 2;
                let n = match self.next().map(|t| t.tok) {
                    Some(Tok::Int(n)) => n,
                    Some(Tok::Hex(n)) => n as i64,
                    _ => {
                        self.i -= 1;
                        return self.err("expected a number");
                    }
                };
                self.expect_punct(')')?;
                Ok(if w == "htonl" {
                    Expr::Htonl(n)
                } else {
                    Expr::Htons(n)
                })
            }
            Some(Tok::Word(w)) if w == "inet_addr" && self.peek_at(1) == Some(&Tok::Punct('(')) => {
                self.i += 2;
                let a = match self.next().map(|t| t.tok) {
                    Some(Tok::Str(t)) => t.parse().ok(),
                    Some(Tok::Addr(a)) => Some(a),
                    _ => None,
                };
                let Some(a) = a else {
                    self.i -= 1;
                    return self.err("expected an address in inet_addr(\"...\")");
                };
                self.expect_punct(')')?;
                Ok(Expr::Addr(a))
            }
            Some(Tok::Word(w)) if w == "NULL" => {
                self.i += 1;
                Ok(Expr::Null)
            }
            Some(Tok::Word(w)) => {
                self.i += 1;
                Ok(Expr::Word(w))
            }
            Some(Tok::Punct('[')) => {
                self.i += 1;
                let mut v = Vec::new();
                if !self.is_punct(']') {
                    loop {
                        v.push(self.expr()?);
                        if !self.eat_punct(',') {
                            break;
                        }
                    }
                }
                self.expect_punct(']')?;
                Ok(Expr::List(v))
            }
            Some(Tok::Punct('{')) => {
                self.i += 1;
                let mut v = Vec::new();
                let named = matches!(
                    (self.peek(), self.peek_at(1)),
                    (Some(Tok::Word(_)), Some(Tok::Punct('=' | '(')))
                );
                if !named && !self.is_punct('}') {
                    // packetdrill's positional `iovec`: `{base, len}`.
                    let base = self.expr()?;
                    self.expect_punct(',')?;
                    let len = self.expr()?;
                    self.expect_punct('}')?;
                    return Ok(Expr::Struct(vec![
                        ("iov_base".into(), base),
                        ("iov_len".into(), len),
                    ]));
                }
                if !self.is_punct('}') {
                    loop {
                        let name = self.word()?;
                        if self.eat_punct('(') {
                            // `msg_iov(1)=[...]`: a msghdr member and its
                            // length, kept as `msg_iov` and `msg_iovlen`
                            // (packetdrill's `struct msghdr_expr`).
                            let n = self.expr()?;
                            self.expect_punct(')')?;
                            self.expect_punct('=')?;
                            let value = self.expr()?;
                            v.push((format!("{name}len"), n));
                            v.push((name, value));
                        } else {
                            self.expect_punct('=')?;
                            v.push((name, self.expr()?));
                        }
                        if !self.eat_punct(',') {
                            break;
                        }
                    }
                }
                self.expect_punct('}')?;
                Ok(Expr::Struct(v))
            }
            _ => self.err(format!("expected an expression, found {}", self.found())),
        }
    }
}

/// Parses a script; `defines` are the names `#ifdef` tests.
pub fn parse(text: &str, defines: &[String]) -> Result<Script, SyntaxError> {
    let toks = tokenize(text, defines)?;
    let lines = text.lines().count().max(1);
    let mut p = Parser {
        toks,
        i: 0,
        end: Pos {
            line: lines,
            col: text.lines().last().map_or(1, |l| l.chars().count() + 1),
        },
    };
    p.script()
}
