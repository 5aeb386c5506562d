//! Values of the language: numbers, bytes, addresses, lists, and the packet
//! descriptions (`PacketSpec` made of `Item`s) that the builder turns into bytes.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use sctp_codec::registry::{Family, TypeInfo};

use super::names;

/// A value.
#[derive(Debug, Clone)]
pub enum Val {
    /// An integer (`hex_digits` when written in hex, so `0xdead` can also be 2 bytes).
    Int {
        /// The value.
        v: u64,
        /// Hex digits written, if any.
        hex_digits: Option<usize>,
    },
    /// Bytes from a string or hex literal (`text` when written as a string).
    Bytes {
        /// The bytes.
        b: Vec<u8>,
        /// Written as a "string".
        text: bool,
    },
    /// An IPv4 address.
    Ip4(Ipv4Addr),
    /// An IPv6 address.
    Ip6(Ipv6Addr),
    /// A list `[a, b, ...]`.
    List(Vec<Val>),
    /// A chunk, parameter, cause, record or raw splice.
    Item(Box<Item>),
    /// A whole packet.
    Packet(Box<PacketSpec>),
    /// A bare word used as a value (`bad`, `zero`, `adler32`, `none`).
    Word(String),
}

impl Val {
    /// A plain integer.
    pub fn int(v: u64) -> Val {
        Val::Int {
            v,
            hex_digits: None,
        }
    }
    /// Opaque bytes.
    pub fn bytes(b: Vec<u8>) -> Val {
        Val::Bytes { b, text: false }
    }
    /// What kind of value this is, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Val::Int { .. } => "integer",
            Val::Bytes { text: true, .. } => "string",
            Val::Bytes { .. } => "bytes",
            Val::Ip4(_) => "IPv4 address",
            Val::Ip6(_) => "IPv6 address",
            Val::List(_) => "list",
            Val::Item(_) => "chunk/parameter/cause",
            Val::Packet(_) => "packet",
            Val::Word(_) => "word",
        }
    }
    /// How deeply the value nests (lists, items, packets), counted up to
    /// `cap + 1` at most (so that measuring never recurses deeper than that).
    pub fn depth(&self, cap: usize) -> usize {
        if cap == 0 {
            return 1;
        }
        let args = |a: &[Arg]| a.iter().map(|x| x.val.depth(cap - 1)).max().unwrap_or(0);
        1 + match self {
            Val::List(l) => l.iter().map(|x| x.depth(cap - 1)).max().unwrap_or(0),
            Val::Item(i) => args(&i.args),
            Val::Packet(p) => p
                .chunks
                .iter()
                .map(|c| 1 + args(&c.args))
                .max()
                .unwrap_or(0)
                .max(args(&p.header)),
            _ => 0,
        }
    }
    /// The value as source text that evaluates back to it.
    pub fn render(&self) -> String {
        let mut s = String::new();
        render_val(&mut s, self);
        s
    }
}

/// What an [`Item`] is.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemKind {
    /// A registered type (`info` is set).
    Typed,
    /// `chunk(type=..)`, `param(type=..)`, `cause(code=..)`: any number, raw value.
    Generic,
    /// `raw(bytes)`: bytes spliced as they are.
    Raw(Vec<u8>),
    /// `rec(..)`: one record of a list (gap ack block, stream entry).
    Record,
}

/// One argument given to a constructor: the resolved name, the value, and
/// where it was written (byte offset in the script).
#[derive(Debug, Clone)]
pub struct Arg {
    /// Field, flag or override name, as resolved.
    pub name: String,
    /// The value.
    pub val: Val,
    /// Byte offset of the argument in the script, if from a script.
    pub at: Option<usize>,
}

/// A chunk, parameter, cause, record or raw splice, as the user described it:
/// the type and the arguments given; everything else is defaulted when built.
#[derive(Debug, Clone)]
pub struct Item {
    /// Chunk, parameter or cause (records: the family of the list holding them).
    pub family: Family,
    /// The registry row (typed items).
    pub info: Option<&'static TypeInfo>,
    /// Typed, generic, raw or record.
    pub kind: ItemKind,
    /// The arguments given, in order (a later one replaces an earlier one).
    pub args: Vec<Arg>,
    /// Seed of this item's random defaults (tags, TSNs), fixed at creation so
    /// that `show`, `hex` and `save` see the same packet.
    pub seed: u64,
}

impl Item {
    /// The argument named `name`, if given.
    pub fn get(&self, name: &str) -> Option<&Val> {
        self.args
            .iter()
            .rev()
            .find(|a| a.name == name)
            .map(|a| &a.val)
    }
    /// Sets (or replaces) an argument.
    pub fn set(&mut self, name: &str, val: Val, at: Option<usize>) {
        self.args.retain(|a| a.name != name);
        self.args.push(Arg {
            name: name.to_string(),
            val,
            at,
        });
    }
    /// The constructor name of this item.
    pub fn ctor(&self) -> String {
        match (&self.kind, self.info) {
            (ItemKind::Typed, Some(i)) => names::key_of(i).to_string(),
            (ItemKind::Raw(_), _) => "raw".into(),
            (ItemKind::Record, _) => "rec".into(),
            _ => match self.family {
                Family::Chunk => "chunk".into(),
                Family::Param => "param".into(),
                Family::Cause => "cause".into(),
            },
        }
    }
    /// The item as source text.
    pub fn render(&self) -> String {
        let mut s = String::new();
        render_item(&mut s, self);
        s
    }
}

/// A packet as described: common header arguments and items.
#[derive(Debug, Clone, Default)]
pub struct PacketSpec {
    /// Common header arguments (`source_port`, ..., `checksum`, `trailing`).
    pub header: Vec<Arg>,
    /// The chunks (typed, generic or raw).
    pub chunks: Vec<Item>,
    /// Decode S-SCTP numbers as S-SCTP when showing this packet (`None`: guess
    /// from its items).
    pub ssctp: Option<bool>,
    /// The IP source and destination the packet was loaded with (`load`, or
    /// `import` of an IP or Ethernet frame): what `save` writes unless told
    /// otherwise.
    pub addrs: Option<(std::net::IpAddr, std::net::IpAddr)>,
    /// The association whose values (ports, tags, TSNs, a_rwnd, cookie)
    /// fill the fields left out, fixed when the packet was stored in a
    /// variable: what the user inspected then is what is shown, saved and
    /// sent later, whatever `assoc` does meanwhile. `None`: not stored yet
    /// (an expression being evaluated), the session's current association.
    pub fixed: Option<Fixed>,
}

/// The defaults a stored packet was built with (see [`PacketSpec::fixed`]).
#[derive(Debug, Clone)]
pub struct Fixed {
    /// The association followed when the packet was stored (`None`: there
    /// was none, the fields take the language's typical values).
    pub assoc: Option<std::sync::Arc<crate::assoc::Assoc>>,
}

impl PacketSpec {
    /// The header argument `name`, if given.
    pub fn get(&self, name: &str) -> Option<&Val> {
        self.header
            .iter()
            .rev()
            .find(|a| a.name == name)
            .map(|a| &a.val)
    }
    /// Sets (or replaces) a header argument.
    pub fn set(&mut self, name: &str, val: Val, at: Option<usize>) {
        self.header.retain(|a| a.name != name);
        self.header.push(Arg {
            name: name.to_string(),
            val,
            at,
        });
    }
    /// Whether this packet holds S-SCTP items (decode it with S-SCTP rules).
    pub fn is_ssctp(&self) -> bool {
        self.ssctp
            .unwrap_or_else(|| self.chunks.iter().any(item_is_ssctp))
    }
    /// The packet as source text.
    pub fn render(&self) -> String {
        let mut s = String::from("sctp(");
        render_args(&mut s, &self.header);
        s.push(')');
        for c in &self.chunks {
            s.push_str(" / ");
            render_item(&mut s, c);
        }
        s
    }
}

fn item_is_ssctp(i: &Item) -> bool {
    if i.info
        .map(|x| x.dialect == sctp_codec::registry::DialectTag::Ssctp)
        == Some(true)
    {
        return true;
    }
    i.args.iter().any(|a| val_is_ssctp(&a.val))
}

fn val_is_ssctp(v: &Val) -> bool {
    match v {
        Val::Item(i) => item_is_ssctp(i),
        Val::List(l) => l.iter().any(val_is_ssctp),
        _ => false,
    }
}

fn render_args(s: &mut String, args: &[Arg]) {
    for (k, a) in args.iter().enumerate() {
        if k > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{}=", a.name);
        render_val(s, &a.val);
    }
}

fn render_item(s: &mut String, i: &Item) {
    if let ItemKind::Raw(b) = &i.kind {
        let _ = write!(s, "raw(x\"{}\")", hex::encode(b));
        return;
    }
    s.push_str(&i.ctor());
    s.push('(');
    render_args(s, &i.args);
    s.push(')');
}

fn render_val(s: &mut String, v: &Val) {
    match v {
        Val::Int {
            v,
            hex_digits: Some(n),
        } => {
            let _ = write!(s, "0x{v:0n$x}", n = *n);
        }
        Val::Int { v, .. } => {
            let _ = write!(s, "{v}");
        }
        Val::Bytes { b, text } => {
            if *text || (!b.is_empty() && b.iter().all(|c| c.is_ascii_graphic() || *c == b' ')) {
                s.push('"');
                for &c in b {
                    match c {
                        b'"' => s.push_str("\\\""),
                        b'\\' => s.push_str("\\\\"),
                        b'\n' => s.push_str("\\n"),
                        0 => s.push_str("\\0"),
                        c if c.is_ascii_graphic() || c == b' ' => s.push(c as char),
                        c => {
                            let _ = write!(s, "\\x{c:02x}");
                        }
                    }
                }
                s.push('"');
            } else {
                let _ = write!(s, "x\"{}\"", hex::encode(b));
            }
        }
        Val::Ip4(a) => {
            let _ = write!(s, "{a}");
        }
        Val::Ip6(a) => {
            let _ = write!(s, "{a}");
        }
        Val::List(l) => {
            s.push('[');
            for (k, x) in l.iter().enumerate() {
                if k > 0 {
                    s.push_str(", ");
                }
                render_val(s, x);
            }
            s.push(']');
        }
        Val::Item(i) => render_item(s, i),
        Val::Packet(p) => s.push_str(&p.render()),
        Val::Word(w) => s.push_str(w),
    }
}
