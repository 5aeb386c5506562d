//! The parser: tokens to a tree of tests, every name resolved and every
//! value read by the type of the field it is compared with.

use super::lex::{Op, Tok};
use super::resolve::{main_of, member_names, resolve, Resolved, Unresolved, View};
use super::schema::{Schema, Ty};
use super::suggest::suggest;
use super::value::{read, Lit, Val};
use super::FilterError;

/// What a test asks of a field's occurrences.
#[derive(Debug, Clone)]
pub enum Cmp {
    /// `op value` (for `!=`: no occurrence equals it).
    Rel(Op, Val),
    /// `contains bytes`.
    Contains(Vec<u8>),
    /// `in {a, b, lo..hi}`.
    In(Vec<(Val, Option<Val>)>),
}

/// A filter's tree.
#[derive(Debug, Clone)]
pub enum Expr {
    /// Either.
    Or(Box<Expr>, Box<Expr>),
    /// Both.
    And(Box<Expr>, Box<Expr>),
    /// Not.
    Not(Box<Expr>),
    /// One field: present (no comparison), or one of its occurrences
    /// satisfies the comparison; `ids` index the filter's wanted paths.
    Test(Vec<usize>, Option<Cmp>),
}

/// Where to find the help on names.
const LISTS: &str = "sctp-craft dissect --filter-help lists every name";

pub struct Parser {
    pub toks: Vec<(usize, Tok)>,
    pub pos: usize,
    pub end: usize,
    /// The (path, view) pairs the filter collects.
    pub wanted: Vec<(String, View)>,
}

fn err(offset: usize, message: impl Into<String>) -> FilterError {
    FilterError {
        offset,
        message: message.into(),
    }
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.1)
    }
    fn at(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |t| t.0)
    }
    fn here(&self, message: impl Into<String>) -> FilterError {
        err(self.at(), message)
    }
    pub fn or(&mut self) -> Result<Expr, FilterError> {
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
                    return Err(self.here("expected ')'"));
                }
                self.pos += 1;
                Ok(e)
            }
            Some(Tok::Word(w)) => {
                let (at, w) = (self.at(), w.clone());
                self.pos += 1;
                self.test(at, &w)
            }
            _ => Err(self.here("expected a field name, '!' or '('")),
        }
    }

    /// The index of a wanted (path, view).
    fn want(&mut self, path: &str, view: View) -> usize {
        match self
            .wanted
            .iter()
            .position(|(p, v)| p == path && *v == view)
        {
            Some(i) => i,
            None => {
                self.wanted.push((path.to_string(), view));
                self.wanted.len() - 1
            }
        }
    }
    fn ids(&mut self, r: &Resolved, view: Option<View>) -> Vec<usize> {
        r.paths
            .iter()
            .map(|(p, v)| self.want(p, view.unwrap_or(*v)))
            .collect()
    }

    /// A field, then maybe a comparison.
    fn test(&mut self, at: usize, typed: &str) -> Result<Expr, FilterError> {
        let r = resolve(typed).map_err(|e| unresolved(at, typed, e))?;
        let cmp_at = self.at();
        let negate_in = matches!(self.peek(), Some(Tok::Not))
            && matches!(self.toks.get(self.pos + 1), Some((_, Tok::In)));
        let has_cmp =
            negate_in || matches!(self.peek(), Some(Tok::Op(_) | Tok::Contains | Tok::In));
        if !has_cmp {
            return Ok(self.presence(&r));
        }
        // A value of its own: a parameter's or cause's main field.
        let r = self.valued(at, typed, r)?;
        let who = if r.name == typed.to_ascii_lowercase() || r.name.ends_with(&format!(".{typed}"))
        {
            typed.to_string()
        } else {
            format!("{typed} ({})", r.name)
        };
        if negate_in {
            self.pos += 1;
        }
        let tok = self.peek().cloned();
        self.pos += 1;
        let e = match tok {
            Some(Tok::Op(op)) => {
                let (vat, lit) = self.literal()?;
                let v = self.read(&who, r.ty, vat, as_lit(&lit))?;
                if let (Val::Net(a, len), true) = (&v, !matches!(op, Op::Eq | Op::Ne)) {
                    let full = if a.is_ipv4() { 32 } else { 128 };
                    if *len < full {
                        return Err(err(
                            vat,
                            format!("{who} is {}: a network ({a}/{len}) can only be compared with == or !=", r.ty),
                        ));
                    }
                }
                if matches!(r.ty, Ty::Status | Ty::Auth) && !matches!(op, Op::Eq | Op::Ne) {
                    return Err(err(
                        cmp_at,
                        format!("{who} is {}: compare it with == or !=", r.ty),
                    ));
                }
                let view = view_for(r.ty, &v);
                let ids = self.ids(&r, view);
                Expr::Test(ids, Some(Cmp::Rel(op, v)))
            }
            Some(Tok::Contains) => {
                if !matches!(r.ty, Ty::Bytes | Ty::Text) {
                    return Err(err(
                        cmp_at,
                        format!("{who} is {}: contains applies to bytes and text", r.ty),
                    ));
                }
                let (vat, lit) = self.literal()?;
                let Val::Bytes(b) = self.read(&who, r.ty, vat, as_lit(&lit))? else {
                    return Err(err(vat, "expected bytes"));
                };
                let ids = self.ids(&r, None);
                Expr::Test(ids, Some(Cmp::Contains(b)))
            }
            _ => {
                let set = self.set(&who, r.ty)?;
                let view = set.first().and_then(|(v, _)| view_for(r.ty, v));
                if set.iter().any(|(v, _)| view_for(r.ty, v) != view) {
                    return Err(err(
                        cmp_at,
                        format!("{who} is {}: a set mixes numbers and addresses", r.ty),
                    ));
                }
                let ids = self.ids(&r, view);
                Expr::Test(ids, Some(Cmp::In(set)))
            }
        };
        Ok(if negate_in { Expr::Not(Box::new(e)) } else { e })
    }

    /// A field alone: present (a list: not empty).
    fn presence(&mut self, r: &Resolved) -> Expr {
        if matches!(r.ty, Ty::Records | Ty::UintList(_) | Ty::TlvList(_)) {
            let ids = self.ids(r, Some(View::Count));
            Expr::Test(ids, Some(Cmp::Rel(Op::Gt, Val::Uint(0))))
        } else {
            Expr::Test(self.ids(r, None), None)
        }
    }

    /// What a compared name compares: itself, or a TLV's main field.
    fn valued(&self, at: usize, typed: &str, r: Resolved) -> Result<Resolved, FilterError> {
        match r.ty {
            Ty::Tlv(fam) => main_of(&r.name).ok_or_else(|| {
                let fields: Vec<String> = member_names(&r.name)
                    .into_iter()
                    .filter(|m| Schema::get().tlv(&r.name).is_some_and(|t| t.member(m).is_some()))
                    .filter(|m| !matches!(*m, "length" | "flags"))
                    .take(4)
                    .map(|m| format!("{}.{m}", r.name))
                    .collect();
                let fields = if fields.is_empty() {
                    format!("{}.length", r.name)
                } else {
                    fields.join(", ")
                };
                err(
                    at,
                    format!(
                        "{typed} is a {} with no single value to compare: test it alone ({typed}) or compare one of its fields ({fields})",
                        super::schema::family_word(fam)
                    ),
                )
            }),
            Ty::Any(_) => Err(err(
                at,
                format!(
                    "{typed} stands for any {} and has no value: compare {}",
                    r.name,
                    super::schema::top_fields()
                        .iter()
                        .filter(|t| t.name.starts_with(&format!("{}.", r.name)))
                        .map(|t| t.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
            Ty::Packet => Err(err(at, format!("{typed} is a packet: test it alone ({typed})"))),
            Ty::Flag => Err(err(
                at,
                format!("{typed} is {}: test it alone ({typed}, !{typed})", r.ty),
            )),
            _ => Ok(r),
        }
    }

    /// The value after an operator: its offset and token (a word or a string).
    fn literal(&mut self) -> Result<(usize, Tok), FilterError> {
        let at = self.at();
        match self.peek() {
            Some(t @ (Tok::Word(_) | Tok::Str(_))) => {
                let t = t.clone();
                self.pos += 1;
                Ok((at, t))
            }
            _ => Err(self.here("expected a value")),
        }
    }

    fn read(&self, who: &str, ty: Ty, at: usize, lit: Lit<'_>) -> Result<Val, FilterError> {
        read(ty, lit).map_err(|why| err(at, format!("{who} is {ty}: {why}")))
    }

    /// `{a, b, lo..hi}` (commas optional), after `in`.
    fn set(&mut self, who: &str, ty: Ty) -> Result<Vec<(Val, Option<Val>)>, FilterError> {
        if self.peek() != Some(&Tok::SetOpen) {
            return Err(self.here("expected '{' after in"));
        }
        self.pos += 1;
        let ordered = !matches!(ty, Ty::Status | Ty::Auth | Ty::Addr);
        let mut out: Vec<(Val, Option<Val>)> = Vec::new();
        // A range whose upper bound is still to come (`1..` then `3`).
        let mut open_range = false;
        loop {
            let at = self.at();
            let tok = self.peek().cloned();
            self.pos += 1;
            let range_hi = |p: &mut Self, out: &mut Vec<(Val, Option<Val>)>, at, lit| {
                if !ordered {
                    return Err(err(at, format!("{who} is {ty}: it has no ranges")));
                }
                let v = p.read(who, ty, at, lit)?;
                match out.last_mut() {
                    Some((_, hi @ None)) => {
                        *hi = Some(v);
                        Ok(())
                    }
                    _ => Err(err(at, "a range needs a lower bound (lo..hi)")),
                }
            };
            match tok {
                Some(Tok::SetClose) if !open_range => break,
                Some(Tok::Comma) if !open_range && !out.is_empty() => {}
                Some(Tok::Str(s)) if !open_range => {
                    out.push((self.read(who, ty, at, Lit::Str(&s))?, None));
                }
                Some(Tok::Word(w)) if open_range => {
                    range_hi(self, &mut out, at, Lit::Word(&w))?;
                    open_range = false;
                }
                Some(Tok::Word(w)) => {
                    if w == ".." {
                        open_range = true;
                    } else if let Some(hi) = w.strip_prefix("..") {
                        range_hi(self, &mut out, at + 2, Lit::Word(hi))?;
                    } else if let Some((lo, hi)) = w.split_once("..") {
                        out.push((self.read(who, ty, at, Lit::Word(lo))?, None));
                        if hi.is_empty() {
                            open_range = true;
                        } else {
                            range_hi(self, &mut out, at + lo.len() + 2, Lit::Word(hi))?;
                        }
                    } else {
                        out.push((self.read(who, ty, at, Lit::Word(&w))?, None));
                    }
                }
                None => return Err(err(at, "expected '}'")),
                Some(_) => return Err(err(at, "expected a value, ',' or '}'")),
            }
        }
        if out.is_empty() {
            return Err(self.here("an empty set matches nothing"));
        }
        if out
            .iter()
            .any(|(lo, hi)| hi.as_ref().is_some_and(|h| below(h, lo)))
        {
            return Err(self.here("a range's upper bound is below its lower bound"));
        }
        Ok(out)
    }
}

/// Which view a literal reads a list through: a number is how many
/// elements a list of records or TLVs has; an address is one of a TLV
/// list's main fields.
fn view_for(ty: Ty, v: &Val) -> Option<View> {
    match (ty, v) {
        (Ty::Records, _) | (Ty::TlvList(_), Val::Uint(_)) => Some(View::Count),
        _ => None,
    }
}

/// The error for a name that did not resolve.
fn unresolved(at: usize, typed: &str, e: Unresolved) -> FilterError {
    match e {
        Unresolved::Ambiguous(names) => {
            err(at, format!("{typed:?} is ambiguous: {}", names.join(", ")))
        }
        Unresolved::Unknown => {
            if let Some(s) = suggest(typed) {
                return err(at, format!("unknown field {typed:?}; did you mean {s}?"));
            }
            let first = typed.split('.').next().unwrap_or("").to_ascii_lowercase();
            let key = sctp_codec::registry::ident_key(&first);
            let mut names: Vec<String> = member_names(&key)
                .into_iter()
                .map(|m| format!("{key}.{m}"))
                .collect();
            if names.is_empty() {
                let group = format!("{first}.");
                names = super::resolve::top_names()
                    .filter(|n| n.starts_with(&group))
                    .map(String::from)
                    .collect();
            }
            if typed.contains('.') && !names.is_empty() {
                err(
                    at,
                    format!(
                        "unknown field {typed:?}; known: {} ({LISTS})",
                        names.join(", ")
                    ),
                )
            } else {
                err(at, format!("unknown field {typed:?} ({LISTS})"))
            }
        }
    }
}

/// A word or string token as a literal.
fn as_lit(t: &Tok) -> Lit<'_> {
    match t {
        Tok::Str(s) => Lit::Str(s),
        Tok::Word(w) => Lit::Word(w),
        _ => Lit::Word(""),
    }
}

/// Whether `a < b` for two values of one orderable type.
fn below(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Uint(a), Val::Uint(b)) => a < b,
        (Val::Time(a), Val::Time(b)) => a < b,
        (Val::Bytes(a), Val::Bytes(b)) => a < b,
        _ => false,
    }
}
