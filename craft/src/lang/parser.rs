//! The parser: splits a script into statements and evaluates expressions
//! (constructor calls, layering with `/`, lists, literals, variables) into
//! [`Val`]s, resolving every name against the registry as it goes.

use sctp_codec::registry::Family;
use sctp_codec::wire::{FieldInfo, FieldKind};

use super::error::LangError;
use super::lexer::{Tok, Token};
use super::names::{self, Slot};
use super::value::{Arg, Item, ItemKind, PacketSpec, Val};

/// One statement of a script: its text and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stmt<'s> {
    /// The statement's source (no terminator).
    pub text: &'s str,
    /// Byte offset of `text` in the script.
    pub at: usize,
}

/// Splits a script at `;` and newlines that are outside quotes, brackets and
/// parentheses (so a constructor call may span lines); drops `#` comments.
pub fn split(src: &str) -> Vec<Stmt<'_>> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<u8> = None;
    let mut start = 0;
    let mut comment = false;
    let mut i = 0;
    fn push<'s>(src: &'s str, s: usize, e: usize, out: &mut Vec<Stmt<'s>>) {
        let text = &src[s..e];
        let trimmed = text.trim_start();
        let lead = text.len() - trimmed.len();
        let t = trimmed.trim_end();
        let t = strip_comment(t);
        if !t.trim().is_empty() {
            out.push(Stmt {
                text: t.trim_end(),
                at: s + lead,
            });
        }
    }
    while i < b.len() {
        let c = b[i];
        if comment {
            if c == b'\n' {
                comment = false;
                if depth <= 0 {
                    push(src, start, i, &mut out);
                    start = i + 1;
                }
            }
            i += 1;
            continue;
        }
        if let Some(q) = quote {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            b'"' | b'\'' => quote = Some(c),
            b'#' => comment = true,
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth -= 1,
            b'\n' if depth <= 0 && continues(&src[start..i]) => {}
            b'\n' if depth <= 0 && hex_continues(&src[start..i], &src[i + 1..]) => {}
            b';' | b'\n' if depth <= 0 => {
                push(src, start, i, &mut out);
                start = i + 1;
                depth = 0;
            }
            _ => {}
        }
        i += 1;
    }
    push(src, start, b.len().max(start), &mut out);
    out
}

/// The innermost bracket (`(`, `[`) or quote that `src` leaves open, with
/// its byte offset, by the rules of [`split`] (quotes with `\` escapes, `#`
/// comments to the end of the line).
pub fn unclosed(src: &str) -> Option<(usize, char)> {
    let b = src.as_bytes();
    let mut open: Vec<(usize, u8)> = Vec::new();
    let mut quote: Option<(usize, u8)> = None;
    let mut comment = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if comment {
            comment = c != b'\n';
        } else if let Some((_, q)) = quote {
            if c == b'\\' {
                i += 1;
            } else if c == q {
                quote = None;
            }
        } else {
            match c {
                b'"' | b'\'' => quote = Some((i, c)),
                b'#' => comment = true,
                b'(' | b'[' => open.push((i, c)),
                b')' | b']' => {
                    open.pop();
                }
                _ => {}
            }
        }
        i += 1;
    }
    quote.or(open.pop()).map(|(at, c)| (at, c as char))
}

/// True when the statements typed so far go on on the next line: a bracket
/// or quote is open, or the last line ends in `/`, `,` or `=` (what
/// [`split`] joins in a script; the REPL shows a continuation prompt).
pub fn incomplete(src: &str) -> bool {
    unclosed(src).is_some() || continues(src)
}

/// A line ending in `/`, `,` or `=` goes on on the next line.
fn continues(stmt: &str) -> bool {
    let t = strip_comment(stmt.rsplit('\n').next().unwrap_or("")).trim_end();
    t.ends_with('/') || t.ends_with(',') || t.ends_with('=')
}

/// `import` followed by `xxd -p` output: the hex goes on over the next lines
/// as long as they hold nothing but hex digits.
fn hex_continues(stmt: &str, next: &str) -> bool {
    let first = stmt.split_whitespace().next().unwrap_or("");
    if first != "import" {
        return false;
    }
    let line = next.split('\n').next().unwrap_or("").trim();
    !line.is_empty() && line.bytes().all(|c| c.is_ascii_hexdigit())
}

/// Cuts a `#` comment that is outside quotes.
fn strip_comment(t: &str) -> &str {
    let b = t.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(_) if c == b'\\' => {
                i += 2;
                continue;
            }
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'"' || c == b'\'' => quote = Some(c),
            None if c == b'#' => return &t[..i],
            None => {}
        }
        i += 1;
    }
    t
}

/// What an expression is expected to be (decides between same-named types).
#[derive(Debug, Clone, Copy)]
pub enum Want {
    /// Anything (chunks preferred for names).
    Any,
    /// An item of this family, or a list of them.
    Family(Family),
    /// Records of these fields, or a list of them.
    Record(&'static [FieldInfo]),
}

impl Want {
    /// What a value of a field of `kind` is expected to be.
    pub fn of_kind(kind: FieldKind) -> Want {
        match kind {
            FieldKind::Params => Want::Family(Family::Param),
            FieldKind::Causes => Want::Family(Family::Cause),
            FieldKind::Chunks | FieldKind::Packet => Want::Family(Family::Chunk),
            FieldKind::Records(f) => Want::Record(f),
            _ => Want::Any,
        }
    }
    fn family(self) -> Option<Family> {
        match self {
            Want::Family(f) => Some(f),
            _ => None,
        }
    }
}

/// One step of a path (`p.chunks[0].initiate_tag`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// `.name`
    Name(String, usize),
    /// `[index]`; negative counts from the end (`[-1]` is the last).
    Index(i64, usize),
}

/// Evaluates tokens into values.
pub struct Parser<'t> {
    toks: &'t [Token],
    pos: usize,
    end: usize,
    vars: &'t dyn Fn(&str) -> Option<Val>,
    seed: &'t mut u64,
    depth: usize,
}

/// How deeply expressions may nest (calls, lists, parentheses): far more than
/// any packet needs, far less than what overflows the stack.
pub const MAX_DEPTH: usize = 64;

/// Fails when `v` nests deeper than [`MAX_DEPTH`].
pub fn check_depth(v: &Val, at: usize) -> Result<(), LangError> {
    if v.depth(MAX_DEPTH) > MAX_DEPTH {
        return Err(LangError::at(
            at,
            format!("value nested too deeply (more than {MAX_DEPTH} levels)"),
        ));
    }
    Ok(())
}

/// A fresh pseudo-random number (splitmix64), advancing `state`.
pub fn next_random(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl<'t> Parser<'t> {
    /// A parser over `toks`; `end` is the offset reported for "unexpected end";
    /// `vars` looks variables up; `seed` feeds the items' random defaults.
    pub fn new(
        toks: &'t [Token],
        end: usize,
        vars: &'t dyn Fn(&str) -> Option<Val>,
        seed: &'t mut u64,
    ) -> Self {
        Parser {
            toks,
            pos: 0,
            end,
            vars,
            seed,
            depth: 0,
        }
    }

    /// The next token, if any.
    pub fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }
    /// The token after the next one.
    pub fn peek2(&self) -> Option<&Tok> {
        self.toks.get(self.pos + 1).map(|t| &t.tok)
    }
    /// Offset of the next token (or of the end).
    pub fn at(&self) -> usize {
        self.toks.get(self.pos).map(|t| t.at).unwrap_or(self.end)
    }
    /// True when every token has been used.
    pub fn done(&self) -> bool {
        self.pos >= self.toks.len()
    }
    fn bump(&mut self) -> Option<Token> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, c: char) -> Result<(), LangError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(LangError::at(
                self.at(),
                format!("expected '{c}'{}", self.found()),
            ))
        }
    }
    fn found(&self) -> String {
        match self.peek() {
            None => ", found the end of the statement".into(),
            Some(t) => format!(", found {}", describe(t)),
        }
    }
    /// Fails unless every token was used.
    pub fn finish(&self) -> Result<(), LangError> {
        if self.done() {
            Ok(())
        } else {
            Err(LangError::at(
                self.at(),
                format!(
                    "unexpected {}",
                    describe(self.peek().unwrap_or(&Tok::Punct(' ')))
                ),
            ))
        }
    }
    /// Reads a name.
    pub fn ident(&mut self) -> Result<(String, usize), LangError> {
        let at = self.at();
        match self.bump().map(|t| t.tok) {
            Some(Tok::Ident(s)) => Ok((s, at)),
            other => {
                self.pos -= 1;
                Err(LangError::at(
                    at,
                    format!(
                        "expected a name{}",
                        other
                            .map(|t| format!(", found {}", describe(&t)))
                            .unwrap_or_else(|| ", found the end".into())
                    ),
                ))
            }
        }
    }
    /// True when the next tokens are `name =` (a keyword argument).
    pub fn at_keyword(&self) -> bool {
        matches!(self.peek(), Some(Tok::Ident(_))) && self.peek2() == Some(&Tok::Punct('='))
    }
    /// Reads `name = expr` pairs to the end.
    pub fn keywords(&mut self) -> Result<Vec<(String, Val, usize)>, LangError> {
        let mut out = Vec::new();
        while !self.done() {
            let (k, at) = self.ident()?;
            self.expect('=')?;
            let v = self.expr(Want::Any)?;
            out.push((k, v, at));
            self.eat(',');
        }
        Ok(out)
    }
    /// Consumes the `=` of an assignment.
    pub fn finish_until_eq(&mut self) -> Result<(), LangError> {
        self.expect('=')
    }
    /// True when the statement starts with `path =`.
    pub fn is_path_assign(&self) -> bool {
        let t = &self.toks[self.pos.min(self.toks.len())..];
        if !matches!(t.first().map(|x| &x.tok), Some(Tok::Ident(_))) {
            return false;
        }
        let mut i = 1;
        loop {
            match t.get(i).map(|x| &x.tok) {
                Some(Tok::Punct('=')) => return true,
                Some(Tok::Punct('.'))
                    if matches!(t.get(i + 1).map(|x| &x.tok), Some(Tok::Ident(_))) =>
                {
                    i += 2
                }
                Some(Tok::Punct('[')) => {
                    // `[n]` or `[-n]`
                    let minus = usize::from(t.get(i + 1).map(|x| &x.tok) == Some(&Tok::Punct('-')));
                    let k = i + 1 + minus;
                    if !matches!(t.get(k).map(|x| &x.tok), Some(Tok::Int { .. }))
                        || t.get(k + 1).map(|x| &x.tok) != Some(&Tok::Punct(']'))
                    {
                        return false;
                    }
                    i = k + 2;
                }
                _ => return false,
            }
        }
    }
    /// Reads a path: `name(.name|[n])*`.
    pub fn path(&mut self) -> Result<(String, usize, Vec<Seg>), LangError> {
        let (root, at) = self.ident()?;
        let mut segs = Vec::new();
        loop {
            if self.eat('.') {
                let (n, a) = self.ident()?;
                segs.push(Seg::Name(n, a));
            } else if self.eat('[') {
                let a = self.at();
                let n = self.index()?;
                self.expect(']')?;
                segs.push(Seg::Index(n, a));
            } else {
                break;
            }
        }
        Ok((root, at, segs))
    }
    /// A list index: a number, or `-` and a number counting from the end.
    fn index(&mut self) -> Result<i64, LangError> {
        let at = self.at();
        let negative = self.eat('-');
        let n = i64::try_from(self.int()?).map_err(|_| LangError::at(at, "index out of range"))?;
        Ok(if negative { -n } else { n })
    }
    fn int(&mut self) -> Result<u64, LangError> {
        let at = self.at();
        match self.bump().map(|t| t.tok) {
            Some(Tok::Int { v, .. }) => Ok(v),
            _ => Err(LangError::at(at, "expected a number")),
        }
    }

    /// An expression: primaries joined by `/` (layering chunks onto a packet).
    pub fn expr(&mut self, want: Want) -> Result<Val, LangError> {
        if self.depth >= MAX_DEPTH {
            return Err(LangError::at(
                self.at(),
                format!("expression nested too deeply (more than {MAX_DEPTH} levels)"),
            ));
        }
        let at = self.at();
        self.depth += 1;
        let v = self.expr_inner(want);
        self.depth -= 1;
        let v = v?;
        // Variables nest too: `v = unrecognized_parameter(unrecognized_parameter=[v])`.
        check_depth(&v, at)?;
        Ok(v)
    }

    fn expr_inner(&mut self, want: Want) -> Result<Val, LangError> {
        let mut v = self.primary(want)?;
        while self.peek() == Some(&Tok::Punct('/')) {
            self.pos += 1;
            let at = self.at();
            let r = self.primary(Want::Family(Family::Chunk))?;
            v = layer(v, r)
                .map(Val::from)
                .map_err(|m| LangError::at(at, m))?;
        }
        Ok(v)
    }

    fn primary(&mut self, want: Want) -> Result<Val, LangError> {
        let at = self.at();
        let Some(t) = self.bump() else {
            return Err(LangError::at(
                at,
                "expected a value, found the end of the statement",
            ));
        };
        match t.tok {
            Tok::Int { v, hex_digits } => Ok(Val::Int { v, hex_digits }),
            Tok::Str(b) => Ok(Val::Bytes { b, text: true }),
            Tok::Hex(b) => Ok(Val::bytes(b)),
            Tok::Ip4(a) => Ok(Val::Ip4(a)),
            Tok::Ip6(a) => Ok(Val::Ip6(a)),
            Tok::Punct('[') => {
                let mut l = Vec::new();
                loop {
                    if self.eat(']') {
                        break;
                    }
                    l.push(self.expr(want)?);
                    if !self.eat(',') {
                        self.expect(']')?;
                        break;
                    }
                }
                Ok(Val::List(l))
            }
            Tok::Punct('(') => {
                let v = self.expr(want)?;
                self.expect(')')?;
                Ok(v)
            }
            Tok::Ident(name) => {
                if self.peek() == Some(&Tok::Punct('(')) {
                    self.pos += 1;
                    return self.call(&name, at, want);
                }
                if let Some(v) = (self.vars)(&name) {
                    let mut segs = Vec::new();
                    loop {
                        if self.peek() == Some(&Tok::Punct('.'))
                            && matches!(self.peek2(), Some(Tok::Ident(_)))
                        {
                            self.pos += 1;
                            let (n, a) = self.ident()?;
                            segs.push(Seg::Name(n, a));
                        } else if self.peek() == Some(&Tok::Punct('[')) {
                            self.pos += 1;
                            let a = self.at();
                            let n = self.index()?;
                            self.expect(']')?;
                            segs.push(Seg::Index(n, a));
                        } else {
                            break;
                        }
                    }
                    return super::path::get(&v, &segs);
                }
                Ok(Val::Word(name))
            }
            other => Err(LangError::at(
                at,
                format!("expected a value, found {}", describe(&other)),
            )),
        }
    }

    fn new_item(
        &mut self,
        family: Family,
        info: Option<&'static sctp_codec::registry::TypeInfo>,
        kind: ItemKind,
    ) -> Item {
        Item {
            family,
            info,
            kind,
            args: Vec::new(),
            seed: next_random(self.seed),
        }
    }

    fn call(&mut self, name: &str, at: usize, want: Want) -> Result<Val, LangError> {
        match name {
            "sctp" => {
                let mut p = PacketSpec::default();
                for (k, v, a) in self.call_args()? {
                    let k =
                        k.ok_or_else(|| LangError::at(a, "sctp() takes name=value arguments"))?;
                    let full = names::resolve_header(&k).map_err(|m| LangError::at(a, m))?;
                    p.set(full, v, Some(a));
                }
                return Ok(Val::Packet(Box::new(p)));
            }
            "raw" => {
                let args = self.call_args()?;
                let [(None, v, a)] = args.as_slice() else {
                    return Err(LangError::at(
                        at,
                        "raw() takes one value: raw(x\"0b000004\")",
                    ));
                };
                let b = super::build::to_bytes(v).map_err(|m| LangError::at(*a, m))?;
                let fam = want.family().unwrap_or(Family::Chunk);
                return Ok(Val::Item(Box::new(self.new_item(
                    fam,
                    None,
                    ItemKind::Raw(b),
                ))));
            }
            "rec" => {
                let mut it = self.new_item(
                    want.family().unwrap_or(Family::Chunk),
                    None,
                    ItemKind::Record,
                );
                let fields = match want {
                    Want::Record(f) => Some(f),
                    _ => None,
                };
                for (k, v, a) in self.call_args()? {
                    let k =
                        k.ok_or_else(|| LangError::at(a, "rec() takes name=value arguments"))?;
                    let k = match fields {
                        Some(f) => f[names::resolve_record_field(f, &k)
                            .map_err(|m| LangError::at(a, m))?]
                        .name
                        .to_string(),
                        None => k,
                    };
                    it.set(&k, v, Some(a));
                }
                return Ok(Val::Item(Box::new(it)));
            }
            _ => {}
        }
        let generic = match name {
            "chunk" => Some(Family::Chunk),
            "param" | "parameter" => Some(Family::Param),
            "cause" => Some(Family::Cause),
            _ => None,
        };
        let (family, info, kind) = match generic {
            Some(f) => (f, None, ItemKind::Generic),
            None => match names::lookup(name, want.family()) {
                Some(n) => (n.info.family, Some(n.info), ItemKind::Typed),
                None => {
                    return Err(LangError::at(
                        at,
                        format!(
                            "unknown chunk, parameter or cause {name:?}{} (try `help`)",
                            names::did_you_mean_constructor(name)
                        ),
                    ))
                }
            },
        };
        let mut it = self.new_item(family, info, kind);
        if self.eat(')') {
            return Ok(Val::Item(Box::new(it)));
        }
        let mut positional = 0usize;
        loop {
            let a = self.at();
            let slot_name: String;
            let v;
            if self.at_keyword() {
                let (k, _) = self.ident()?;
                self.pos += 1;
                let slot = names::resolve_slot(info, generic.is_some(), &k)
                    .map_err(|m| LangError::at(a, m))?;
                let w = match (slot, info) {
                    (Slot::Field(i), Some(inf)) => Want::of_kind(inf.fields[i].kind),
                    _ => Want::Any,
                };
                v = self.expr(w)?;
                slot_name = slot_name_of(info, slot);
            } else {
                let Some(inf) = info else {
                    return Err(LangError::at(a, "give name=value arguments here"));
                };
                let Some(f) = inf.fields.get(positional) else {
                    return Err(LangError::at(
                        a,
                        format!("{name} has only {} field(s)", inf.fields.len()),
                    ));
                };
                positional += 1;
                v = self.expr(Want::of_kind(f.kind))?;
                slot_name = f.name.to_string();
            }
            if it.args.iter().any(|x| x.name == slot_name) {
                return Err(LangError::at(a, format!("{name}: {slot_name} given twice")));
            }
            it.args.push(Arg {
                name: slot_name,
                val: v,
                at: Some(a),
            });
            if self.eat(')') {
                break;
            }
            self.expect(',')?;
            if self.eat(')') {
                break;
            }
        }
        Ok(Val::Item(Box::new(it)))
    }

    /// Arguments of a call (after `(`), each optionally named.
    fn call_args(&mut self) -> Result<Vec<(Option<String>, Val, usize)>, LangError> {
        let mut out = Vec::new();
        if self.eat(')') {
            return Ok(out);
        }
        loop {
            let a = self.at();
            if self.at_keyword() {
                let (k, _) = self.ident()?;
                self.pos += 1;
                out.push((Some(k), self.expr(Want::Any)?, a));
            } else {
                out.push((None, self.expr(Want::Any)?, a));
            }
            if self.eat(')') {
                break;
            }
            self.expect(',')?;
            if self.eat(')') {
                break;
            }
        }
        Ok(out)
    }
}

/// The canonical name stored for a resolved slot.
pub fn slot_name_of(info: Option<&sctp_codec::registry::TypeInfo>, slot: Slot) -> String {
    match (slot, info) {
        (Slot::Field(i), Some(inf)) => inf.fields[i].name.to_string(),
        (Slot::Flag(i), Some(inf)) => inf.flags[i].name.to_string(),
        (Slot::Override(o), _) => o.to_string(),
        _ => String::new(),
    }
}

/// `a / b`: stacks chunks onto a packet.
pub fn layer(a: Val, b: Val) -> Result<PacketSpec, String>
where
{
    let mut p = match a {
        Val::Packet(p) => *p,
        Val::Item(i) => {
            check_chunk(&i)?;
            PacketSpec {
                chunks: vec![*i],
                ..Default::default()
            }
        }
        other => return Err(format!("cannot layer a {} under a chunk", other.kind())),
    };
    match b {
        Val::Item(i) => {
            check_chunk(&i)?;
            p.chunks.push(*i);
        }
        Val::Packet(q) => {
            for h in q.header {
                p.set(&h.name.clone(), h.val, h.at);
            }
            p.chunks.extend(q.chunks);
        }
        other => return Err(format!("cannot layer a {} onto a packet", other.kind())),
    }
    Ok(p)
}

impl From<PacketSpec> for Val {
    fn from(p: PacketSpec) -> Val {
        Val::Packet(Box::new(p))
    }
}

fn check_chunk(i: &Item) -> Result<(), String> {
    if i.family != Family::Chunk || i.kind == ItemKind::Record {
        return Err(format!(
            "{}() is a {}, not a chunk: put it inside a chunk (params=[...] or causes=[...])",
            i.ctor(),
            names::family_name(i.family)
        ));
    }
    Ok(())
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => format!("name {s:?}"),
        Tok::Int { v, .. } => format!("number {v}"),
        Tok::Str(_) => "a string".into(),
        Tok::Hex(_) => "hex bytes".into(),
        Tok::Ip4(a) => format!("address {a}"),
        Tok::Ip6(a) => format!("address {a}"),
        Tok::Punct(c) => format!("'{c}'"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_respects_quotes_parens_comments() {
        let s = split("a = init(\n x=1); show # c\n\"a;b\"\n# only comment\nhex");
        let t: Vec<&str> = s.iter().map(|s| s.text).collect();
        assert_eq!(t, vec!["a = init(\n x=1)", "show", "\"a;b\"", "hex"]);
        assert_eq!(s[1].at, 17);
    }
}
