//! The facts of one packet that a filter asks about, from the codec's
//! visitor walk (nothing is allocated for the others).

use sctp_codec::registry::Family;
use sctp_codec::visit::{Node, Span, Value, Visitor};

use super::resolve::View;
use super::schema::Schema;
use super::value::Fact;

/// What an open group adds to the paths of the fields inside it.
enum Group {
    /// A chunk, parameter or cause: paths start again at its key.
    Tlv(&'static str),
    /// A named list inside a TLV, and how many elements it has had so far.
    List(&'static str, u64),
    /// A record of a list (its fields add their names).
    Record,
    /// Adds nothing (the packet's chunk list, a nested packet).
    Skip,
}

/// Whether `want` is the dotted join of `parts`.
pub fn is_path(want: &str, parts: &[&str]) -> bool {
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

/// Collects `(index into wanted, fact)` pairs.
pub struct Collector<'w> {
    pub facts: Vec<(usize, Fact)>,
    stack: Vec<Group>,
    wanted: &'w [(String, View)],
    /// Whether a list of TLVs is compared by its elements' main fields
    /// (only then are they followed up the tree).
    follow_main: bool,
    /// Scratch for the parts of the current path.
    parts: Vec<&'static str>,
}

impl<'w> Collector<'w> {
    pub fn new(wanted: &'w [(String, View)], follow_main: bool) -> Self {
        Collector {
            facts: Vec::new(),
            stack: Vec::new(),
            wanted,
            follow_main,
            parts: Vec::new(),
        }
    }

    /// The wanted index of `parts` read through `view`.
    fn wants(&self, view: View) -> Option<usize> {
        self.wanted
            .iter()
            .position(|(w, v)| *v == view && is_path(w, &self.parts))
    }

    /// Records `parts` = `f` if the filter asks about it.
    fn push_parts(&mut self, view: View, f: impl FnOnce() -> Fact) {
        if let Some(i) = self.wants(view) {
            self.facts.push((i, f()));
        }
    }

    /// Records `path` = `f` if the filter asks about it.
    pub fn push(&mut self, path: &[&'static str], f: impl FnOnce() -> Fact) {
        self.parts.clear();
        self.parts.extend_from_slice(path);
        self.push_parts(View::Value, f);
    }

    /// Fills `parts` with `key.list...` of the innermost TLV; returns the
    /// TLV's index in the stack (`None`, parts empty, outside every TLV).
    fn prefix(&mut self) -> Option<usize> {
        self.parts.clear();
        for (k, g) in self.stack.iter().enumerate().rev() {
            match g {
                Group::Tlv(key) => {
                    self.parts.push(key);
                    self.parts.reverse();
                    return Some(k);
                }
                Group::List(l, _) => self.parts.push(l),
                Group::Record | Group::Skip => {}
            }
        }
        self.parts.clear();
        None
    }

    /// One more element in the list on top of the stack, if one is.
    fn count(&mut self) {
        if let Some(Group::List(_, n)) = self.stack.last_mut() {
            *n += 1;
        }
    }

    /// A chunk, parameter or cause opens.
    fn tlv(&mut self, fam: Family, ty: u16, name: &'static str, length: u16, flags: Option<u8>) {
        let (kind, ty_name) = match fam {
            Family::Chunk => ("chunk", "type"),
            Family::Param => ("param", "type"),
            Family::Cause => ("cause", "code"),
        };
        self.count();
        let key = Schema::get().key_of(fam, ty, name).unwrap_or("?");
        self.push(&[kind], || Fact::Present);
        self.push(&[kind, ty_name], || Fact::Uint(ty.into()));
        self.push(&[kind, "length"], || Fact::Uint(length.into()));
        self.push(&[key], || Fact::Present);
        self.push(&[key, "length"], || Fact::Uint(length.into()));
        if let Some(fl) = flags {
            self.push(&[kind, "flags"], || Fact::Uint(fl.into()));
            self.push(&[key, "flags"], || Fact::Uint(fl.into()));
        }
        self.stack.push(Group::Tlv(key));
    }

    /// The main field of the TLV at `tlv` (in the stack) has value `f`: it
    /// is also a value of the list that holds the TLV, and so on up while
    /// that list is itself its TLV's main field.
    fn follow(&mut self, mut tlv: usize, f: &Fact) {
        let s = Schema::get();
        while tlv >= 2 {
            let (Group::List(list, _), Group::Tlv(outer)) =
                (&self.stack[tlv - 1], &self.stack[tlv - 2])
            else {
                return;
            };
            let (list, outer) = (*list, *outer);
            self.parts.clear();
            self.parts.extend_from_slice(&[outer, list]);
            self.push_parts(View::Value, || f.clone());
            if s.main(outer) != Some(list) {
                return;
            }
            tlv -= 2;
        }
    }
}

impl Visitor for Collector<'_> {
    fn field(&mut self, name: &'static str, _span: Span, value: Value<'_>) {
        let item = matches!(self.stack.last(), Some(Group::List(..)));
        let tlv = self.prefix();
        if item {
            // An element of a list of scalars: a value of the list.
            self.count();
        } else {
            self.parts.push(name);
        }
        let fact = || match value {
            Value::Uint { v, .. } => Fact::Uint(v),
            Value::Ipv4(a) => Fact::Ip(a.into()),
            Value::Ipv6(a) => Fact::Ip(a.into()),
            Value::Bytes(b) | Value::Text(b) => Fact::Bytes(b.to_vec()),
        };
        if let Value::Bytes(b) | Value::Text(b) = value {
            self.push_parts(View::Len, || Fact::Uint(b.len() as u64));
        }
        let top_tlv = match (tlv, self.stack.last()) {
            (Some(t), Some(Group::Tlv(key)))
                if self.follow_main && Schema::get().main(key) == Some(name) =>
            {
                Some(t)
            }
            _ => None,
        };
        match top_tlv {
            Some(t) => {
                let f = fact();
                if let Some(i) = self.wants(View::Value) {
                    self.facts.push((i, f.clone()));
                }
                self.follow(t, &f);
            }
            None => self.push_parts(View::Value, fact),
        }
    }
    fn flag(&mut self, name: &'static str, _span: Span, _mask: u8, value: u8) {
        if self.prefix().is_some() {
            self.parts.push(name);
            self.push_parts(View::Value, || Fact::Uint(value.into()));
        }
    }
    fn open(&mut self, name: &'static str, _span: Span, node: Node) {
        match node {
            Node::Chunk {
                ty,
                name: n,
                flags,
                length,
            } => self.tlv(Family::Chunk, ty.into(), n, length, Some(flags)),
            Node::Param {
                ty,
                name: n,
                length,
            } => self.tlv(Family::Param, ty, n, length, None),
            Node::Cause {
                code,
                name: n,
                length,
            } => self.tlv(Family::Cause, code, n, length, None),
            Node::List => {
                let g = match self.prefix() {
                    Some(_) => Group::List(name, 0),
                    None => Group::Skip,
                };
                self.stack.push(g);
            }
            Node::Record => {
                self.count();
                self.stack.push(Group::Record);
            }
            Node::Packet => {
                if self.prefix().is_some() {
                    self.parts.push(name);
                    self.push_parts(View::Value, || Fact::Present);
                }
                self.stack.push(Group::Skip);
            }
        }
    }
    fn close(&mut self) {
        if let Some(Group::List(_, n)) = self.stack.last() {
            let n = *n;
            self.prefix();
            self.push_parts(View::Count, || Fact::Uint(n));
        }
        self.stack.pop();
    }
}
