//! From a decoded packet back to a description (`PacketSpec`) that the
//! builder turns into the very same bytes, so that a loaded or imported
//! packet can be edited field by field. Walks the codec's visitor; a chunk
//! whose rebuilt bytes would differ is kept with overrides, else raw.

use sctp_codec::registry::Family;
use sctp_codec::visit::{Node, Span, Value, Visitor};
use sctp_codec::Packet;

use super::build::{self, BuildCx};
use super::defaults;
use super::names;
use super::value::{Arg, Item, ItemKind, PacketSpec, Val};

enum Frame {
    Packet(PacketSpec),
    Item(Item, u16),
    List(&'static str, Vec<Val>),
    Record(Vec<Val>),
}

struct Walker {
    stack: Vec<Frame>,
    seed: u64,
}

fn leaf(value: Value<'_>) -> Val {
    match value {
        Value::Uint { v, .. } => Val::int(v),
        Value::Bytes(b) => Val::bytes(b.to_vec()),
        Value::Text(b) => Val::Bytes {
            b: b.to_vec(),
            text: true,
        },
        Value::Ipv4(a) => Val::Ip4(a),
        Value::Ipv6(a) => Val::Ip6(a),
    }
}

fn arg(name: &str, val: Val) -> Arg {
    Arg {
        name: name.to_string(),
        val,
        at: None,
    }
}

impl Walker {
    fn new_item(&mut self, family: Family, ty: u16, name: &str, ssctp: bool) -> Item {
        self.seed = self.seed.wrapping_add(1);
        let info = sctp_codec::registry::all()
            .find(|t| t.family == family && t.value == ty && t.name == name);
        let info = info.or_else(|| {
            if name == "Unknown" {
                None
            } else {
                names::by_number(family, ty, ssctp)
            }
        });
        let mut it = Item {
            family,
            info,
            kind: if info.is_some() {
                ItemKind::Typed
            } else {
                ItemKind::Generic
            },
            args: Vec::new(),
            seed: self.seed,
        };
        if info.is_none() {
            it.args.push(arg(
                "type",
                Val::Int {
                    v: ty as u64,
                    hex_digits: Some(if family == Family::Chunk { 2 } else { 4 }),
                },
            ));
        }
        it
    }
    fn push_val(&mut self, name: &'static str, v: Val) {
        match self.stack.last_mut() {
            Some(Frame::Packet(p)) => match name {
                "checksum" => p.header.push(arg(
                    "checksum",
                    Val::Int {
                        v: to_u64(&v),
                        hex_digits: Some(8),
                    },
                )),
                "trailing" => p.header.push(arg("trailing", v)),
                n => p.header.push(arg(n, v)),
            },
            Some(Frame::Item(it, _)) => it.args.push(arg(name, v)),
            Some(Frame::List(_, l)) => l.push(v),
            Some(Frame::Record(r)) => r.push(v),
            None => {}
        }
    }
}

fn to_u64(v: &Val) -> u64 {
    match v {
        Val::Int { v, .. } => *v,
        _ => 0,
    }
}

impl Visitor for Walker {
    fn field(&mut self, name: &'static str, _span: Span, value: Value<'_>) {
        self.push_val(name, leaf(value));
    }
    fn open(&mut self, name: &'static str, _span: Span, node: Node) {
        let ssctp = false;
        match node {
            Node::List => self.stack.push(Frame::List(name, Vec::new())),
            Node::Record => self.stack.push(Frame::Record(Vec::new())),
            Node::Packet => self.stack.push(Frame::Packet(PacketSpec::default())),
            Node::Chunk {
                ty,
                name,
                flags,
                length,
            } => {
                let mut it = self.new_item(Family::Chunk, ty as u16, name, ssctp);
                let def = it.info.map(defaults::default_flags).unwrap_or(0);
                if flags != def {
                    it.args.push(arg(
                        "flags",
                        Val::Int {
                            v: flags as u64,
                            hex_digits: Some(2),
                        },
                    ));
                }
                self.stack.push(Frame::Item(it, length));
            }
            Node::Param { ty, name, length } => {
                let it = self.new_item(Family::Param, ty, name, ssctp);
                self.stack.push(Frame::Item(it, length));
            }
            Node::Cause { code, name, length } => {
                let it = self.new_item(Family::Cause, code, name, ssctp);
                self.stack.push(Frame::Item(it, length));
            }
        }
    }
    fn close(&mut self) {
        let Some(top) = self.stack.pop() else { return };
        match top {
            Frame::List(name, l) => {
                if let Some(Frame::Packet(p)) = self.stack.last_mut() {
                    if name == "chunks" {
                        p.chunks = l
                            .into_iter()
                            .filter_map(|v| match v {
                                Val::Item(i) => Some(*i),
                                _ => None,
                            })
                            .collect();
                        return;
                    }
                }
                self.push_val(name, Val::List(l));
            }
            Frame::Record(r) => self.push_val("", Val::List(r)),
            Frame::Item(mut it, length) => {
                let fam = it.family;
                // A malformed or unknown value is given raw: its single field is `value`.
                if it.kind == ItemKind::Typed
                    && it.args.iter().any(|a| a.name == "value")
                    && !it
                        .info
                        .map(|i| i.fields.iter().any(|f| f.name == "value"))
                        .unwrap_or(false)
                {
                    it.args.retain(|a| {
                        a.name == "value"
                            || a.name == "flags"
                            || a.name == "extra"
                            || a.name == "padding"
                    });
                }
                let _ = fam;
                it.args.push(arg("__length", Val::int(length as u64)));
                self.push_val("", Val::Item(Box::new(it)));
            }
            Frame::Packet(p) => self.push_val("dropped_packet", Val::Packet(Box::new(p))),
        }
    }
    fn malformed(&mut self, _span: Span, _error: &sctp_codec::DecodeError) {
        if let Some(Frame::Item(it, _)) = self.stack.last_mut() {
            it.args.push(arg("__malformed", Val::int(1)));
        }
    }
}

/// Makes the described items rebuild to their wire bytes: drops the derived
/// fields and the wire Length when they are what the builder computes,
/// keeps them otherwise.
fn settle(it: &mut Item) {
    for a in it.args.iter_mut() {
        settle_val(&mut a.val);
    }
    let length = it
        .args
        .iter()
        .find(|a| a.name == "__length")
        .map(|a| to_u64(&a.val));
    let malformed = it.args.iter().any(|a| a.name == "__malformed");
    it.args.retain(|a| !a.name.starts_with("__"));
    if malformed {
        it.args.retain(|a| a.name == "value" || a.name == "flags");
    }
    // Drop derived counts when they equal what the builder derives.
    let derived: Vec<String> = it
        .args
        .iter()
        .filter(|a| defaults::derived(&a.name, it).is_some())
        .map(|a| a.name.clone())
        .collect();
    for d in derived {
        let mut without = it.clone();
        without.args.retain(|a| a.name != d);
        let a = build::build_item(it, &BuildCx::default(), true, false, false);
        let b = build::build_item(&without, &BuildCx::default(), true, false, false);
        if a.is_ok() && a == b {
            *it = without;
        }
    }
    if let Some(len) = length {
        let computed = build::build_item(it, &BuildCx::default(), true, false, false)
            .map(|b| u16::from_be_bytes([b[2], b[3]]) as u64);
        if computed.ok() != Some(len) {
            it.args.push(arg("length", Val::int(len)));
        }
    }
}

fn settle_val(v: &mut Val) {
    match v {
        Val::Item(i) => settle(i),
        Val::List(l) => l.iter_mut().for_each(settle_val),
        Val::Packet(p) => p.chunks.iter_mut().for_each(settle),
        _ => {}
    }
}

/// Describes a decoded packet so that building the description gives `bytes`
/// again (`bytes` is what `p` was decoded from).
pub fn decompile(p: &Packet<'_>, bytes: &[u8], ssctp: bool) -> PacketSpec {
    let mut w = Walker {
        stack: vec![Frame::Packet(PacketSpec::default())],
        seed: 0x5eed,
    };
    p.describe(&mut w);
    let mut spec = match w.stack.pop() {
        Some(Frame::Packet(s)) => s,
        _ => PacketSpec::default(),
    };
    spec.ssctp = Some(ssctp);
    let cx = BuildCx::default();
    // Chunks one by one: overrides where needed, raw where even they do not reproduce.
    let mut off = 12;
    for (k, c) in spec.chunks.iter_mut().enumerate() {
        settle(c);
        let want = p.chunks.get(k).map(|c| c.to_bytes()).unwrap_or_default();
        let got = build::build_item(c, &cx, false, true, true).ok();
        if got.as_deref() != Some(&want[..]) {
            let wire = bytes.get(off..off + want.len()).unwrap_or(&want).to_vec();
            c.kind = ItemKind::Raw(wire);
            c.args.clear();
        }
        off += want.len();
    }
    // The checksum only when it is not the computed one.
    let computed = {
        let mut s = spec.clone();
        s.header.retain(|a| a.name != "checksum");
        build::build_packet(&s, &cx).ok()
    };
    if computed.as_deref() == Some(bytes) {
        spec.header.retain(|a| a.name != "checksum");
    }
    if let Some(a) = spec
        .header
        .iter_mut()
        .find(|a| a.name == "verification_tag")
    {
        a.val = Val::Int {
            v: to_u64(&a.val),
            hex_digits: Some(8),
        };
    }
    spec
}
