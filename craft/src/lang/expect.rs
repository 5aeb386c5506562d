//! `expect PATTERN`: what a received packet must hold (packetdrill's `>`
//! line in spirit). A pattern is written in the language itself: a chunk
//! name (`sack`), a chunk with the fields that matter (`init_ack(os=10)`,
//! `data(tsn=5, e_bit=1)`), or a packet with header fields and chunks
//! (`sctp(vtag=0x1234) / sack()`). Only what the pattern gives is compared;
//! every field left out matches anything.
//!
//! A field is compared by building the received chunk twice, once as it
//! came and once with the pattern's value put in that field: the same bytes
//! mean the same value, whatever way it was written (`0x10` or `16`,
//! `"ab"` or `x"6162"`, a named flag bit or `flags=`), and derived fields
//! (counts, lengths, the checksum) compare as what they are on the wire.

use sctp_codec::registry::Family;

use super::build::{self, BuildCx};
use super::names;
use super::value::{Arg, Item, ItemKind, PacketSpec, Val};

/// What `expect` waits for.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// Common-header fields that must have these values.
    pub header: Vec<Arg>,
    /// Chunks that must come, in this order (others may be between them).
    pub chunks: Vec<Item>,
    /// The pattern as written back in the language, for messages.
    pub text: String,
}

impl Pattern {
    /// The pattern a value of the language describes: a chunk name, a chunk,
    /// or a packet.
    pub fn from_val(v: Val) -> Result<Pattern, String> {
        let text = match &v {
            Val::Word(w) => w.clone(),
            o => o.render(),
        };
        let (header, chunks) = match v {
            Val::Word(w) => match names::lookup(&w, Some(Family::Chunk)) {
                Some(n) if n.info.family == Family::Chunk => (
                    Vec::new(),
                    vec![Item {
                        family: Family::Chunk,
                        info: Some(n.info),
                        kind: ItemKind::Typed,
                        args: Vec::new(),
                        seed: 0,
                    }],
                ),
                _ => {
                    return Err(format!(
                        "{w:?} is not a chunk name{}",
                        names::did_you_mean_constructor(&w)
                    ))
                }
            },
            Val::Item(i) if i.family == Family::Chunk && i.kind != ItemKind::Record => {
                (Vec::new(), vec![*i])
            }
            Val::Packet(p) => (p.header, p.chunks),
            o => {
                return Err(format!(
                    "expect takes a chunk (sack, init_ack(...)) or a packet (sctp(...) / ...), not {} {}",
                    o.kind(),
                    o.render()
                ))
            }
        };
        Ok(Pattern {
            header,
            chunks,
            text,
        })
    }

    /// `Ok` when `got` (a received packet, described field by field) holds
    /// what the pattern asks for; else why not, naming the fields that differ.
    pub fn check(&self, got: &PacketSpec) -> Result<(), String> {
        let mut why = Vec::new();
        for a in &self.header {
            if !same_header(got, a) {
                why.push(format!(
                    "{} is {}, not {}",
                    a.name,
                    got.get(&a.name)
                        .map(Val::render)
                        .unwrap_or_else(|| "the computed one".into()),
                    a.val.render()
                ));
            }
        }
        if !why.is_empty() {
            return Err(why.join(", "));
        }
        let mut next = 0;
        for pc in &self.chunks {
            let mut first_miss: Option<String> = None;
            let mut found = false;
            while next < got.chunks.len() {
                let gc = &got.chunks[next];
                next += 1;
                if !same_type(pc, gc) {
                    continue;
                }
                match differences(pc, gc) {
                    d if d.is_empty() => {
                        found = true;
                        break;
                    }
                    d => {
                        first_miss.get_or_insert_with(|| {
                            format!("{}: {}", chunk_label(gc), d.join(", "))
                        });
                    }
                }
            }
            if !found {
                return Err(first_miss.unwrap_or_else(|| format!("no {} chunk", chunk_label(pc))));
            }
        }
        Ok(())
    }
}

/// The chunk's name as the summary line prints it (`SACK`, `INIT-ACK`).
fn chunk_label(i: &Item) -> String {
    match (&i.kind, i.info) {
        (ItemKind::Typed, Some(info)) => info.name.to_string(),
        _ => match build::item_type(i) {
            Some(t) => format!("chunk type {t}"),
            None => i.ctor(),
        },
    }
}

fn same_type(pat: &Item, got: &Item) -> bool {
    match (&pat.kind, pat.info) {
        (ItemKind::Typed, Some(p)) => match (&got.kind, got.info) {
            (ItemKind::Typed, Some(g)) => p.family == g.family && p.value == g.value,
            _ => build::item_type(got) == Some(p.value),
        },
        _ => build::item_type(pat).is_some() && build::item_type(pat) == build::item_type(got),
    }
}

fn item_bytes(i: &Item) -> Option<Vec<u8>> {
    build::build_item(i, &BuildCx::default(), false, true, false).ok()
}

/// The pattern's fields that `got` does not have, as "NAME is X, not Y".
fn differences(pat: &Item, got: &Item) -> Vec<String> {
    let mut out = Vec::new();
    if let ItemKind::Raw(want) = &pat.kind {
        if item_bytes(got).as_ref() != Some(want) {
            out.push("its bytes differ".to_string());
        }
        return out;
    }
    let given: Vec<&Arg> = pat
        .args
        .iter()
        .filter(|a| !(pat.kind == ItemKind::Generic && a.name == "type"))
        .collect();
    if given.is_empty() {
        return out;
    }
    if matches!(got.kind, ItemKind::Raw(_)) {
        out.push("it could not be read field by field".to_string());
        return out;
    }
    let as_came = item_bytes(got);
    for a in given {
        let mut probe = got.clone();
        probe.set(&a.name, a.val.clone(), None);
        let with = item_bytes(&probe);
        if with.is_none() || with != as_came {
            out.push(format!(
                "{} is {}, not {}",
                a.name,
                field_text(got, &a.name, as_came.as_deref()),
                a.val.render()
            ));
        }
    }
    out
}

/// The value of field or flag `name` of a received item, for messages.
fn field_text(got: &Item, name: &str, bytes: Option<&[u8]>) -> String {
    if let Some(v) = got.get(name) {
        return v.render();
    }
    if let (Some(info), Some(b)) = (got.info, bytes) {
        if let Some(fl) = info.flags.iter().find(|f| f.name == name) {
            let v = (b.get(1).copied().unwrap_or(0) & fl.mask) >> fl.mask.trailing_zeros();
            return v.to_string();
        }
    }
    match (name, bytes) {
        ("length", Some(b)) if b.len() >= 4 => u16::from_be_bytes([b[2], b[3]]).to_string(),
        ("flags", Some(b)) if b.len() >= 2 => format!("0x{:02x}", b[1]),
        _ => "something else".into(),
    }
}

fn packet_bytes(p: &PacketSpec) -> Option<Vec<u8>> {
    build::build_packet(p, &BuildCx::default()).ok()
}

fn same_header(got: &PacketSpec, a: &Arg) -> bool {
    let mut probe = got.clone();
    probe.set(&a.name, a.val.clone(), None);
    let with = packet_bytes(&probe);
    with.is_some() && with == packet_bytes(got)
}
