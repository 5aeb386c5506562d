//! The builder: serializes a [`PacketSpec`] to bytes field by field, following
//! the registry's field layout (`FieldKind`) of each type, filling every field
//! left out with its default and honouring every override (length, padding,
//! flags, raw value, checksum). The bytes are then decoded by the codec, so
//! what `show`, `hex`, `save` and `send` see is exactly what goes on the wire.

use sctp_codec::checksum::{self, ChecksumAlgorithm};
use sctp_codec::registry::{Family, TypeInfo};
use sctp_codec::wire::{pad4, FieldInfo, FieldKind};
use sctp_codec::{DecodeOptions, Packet, Rules};

use crate::assoc::{Assoc, FieldDefault};

use super::defaults::{self, Derived};
use super::error::LangError;
use super::value::{Item, ItemKind, PacketSpec, Val};

/// What the builder may take defaults from.
#[derive(Clone, Copy, Default)]
pub struct BuildCx<'a> {
    /// The followed association, if any.
    pub assoc: Option<&'a Assoc>,
}

type R<T> = Result<T, LangError>;

fn err_at(at: Option<usize>, m: impl Into<String>) -> LangError {
    LangError { at, msg: m.into() }
}

/// Converts a value to bytes: strings, hex literals, hex integers (as many
/// bytes as digits written), lists of bytes.
pub fn to_bytes(v: &Val) -> Result<Vec<u8>, String> {
    match v {
        Val::Bytes { b, .. } => Ok(b.clone()),
        Val::Int {
            v,
            hex_digits: Some(n),
        } => {
            let n = n.div_ceil(2);
            Ok(v.to_be_bytes()[8 - n..].to_vec())
        }
        Val::List(l) => l
            .iter()
            .map(|x| match x {
                Val::Int { v, .. } if *v <= 0xff => Ok(*v as u8),
                o => Err(format!(
                    "a byte list holds numbers 0-255, not {}",
                    o.render()
                )),
            })
            .collect(),
        Val::Ip4(a) => Ok(a.octets().to_vec()),
        Val::Ip6(a) => Ok(a.octets().to_vec()),
        Val::Word(w) if w == "none" || w == "empty" => Ok(Vec::new()),
        o => Err(format!(
            "expected bytes (\"text\", x\"hex\" or 0xHEX), got {} {}",
            o.kind(),
            o.render()
        )),
    }
}

/// Converts a value to an integer of `bits` bits.
pub fn to_uint(v: &Val, bits: u32) -> Result<u64, String> {
    let x = match v {
        Val::Int { v, .. } => *v,
        Val::Ip4(a) if bits == 32 => u32::from(*a) as u64,
        Val::Word(w) if w == "true" => 1,
        Val::Word(w) if w == "false" => 0,
        Val::Bytes { b, text: false } if b.len() * 8 <= bits as usize => {
            b.iter().fold(0u64, |a, &x| (a << 8) | x as u64)
        }
        o => {
            return Err(format!(
                "expected a number, got {} {}",
                o.kind(),
                o.render()
            ))
        }
    };
    if bits < 64 && x >> bits != 0 {
        return Err(format!("{x} does not fit in {bits} bits"));
    }
    Ok(x)
}

fn list_of(v: &Val) -> Vec<Val> {
    match v {
        Val::List(l) => l.clone(),
        o => vec![o.clone()],
    }
}

/// Serializes one field of `kind` with value `v`.
fn put_field(out: &mut Vec<u8>, kind: FieldKind, v: &Val, cx: &BuildCx<'_>) -> Result<(), String> {
    match kind {
        FieldKind::U8 => out.push(to_uint(v, 8)? as u8),
        FieldKind::U16 => out.extend_from_slice(&(to_uint(v, 16)? as u16).to_be_bytes()),
        FieldKind::U32 => out.extend_from_slice(&(to_uint(v, 32)? as u32).to_be_bytes()),
        FieldKind::OptU16 | FieldKind::OptU32 => {
            if !matches!(v, Val::Word(w) if w == "none") {
                let k = if kind == FieldKind::OptU16 {
                    FieldKind::U16
                } else {
                    FieldKind::U32
                };
                put_field(out, k, v, cx)?;
            }
        }
        FieldKind::Ipv4 => match v {
            Val::Ip4(a) => out.extend_from_slice(&a.octets()),
            o => out.extend_from_slice(&(to_uint(o, 32)? as u32).to_be_bytes()),
        },
        FieldKind::Ipv6 => match v {
            Val::Ip6(a) => out.extend_from_slice(&a.octets()),
            Val::Ip4(a) => out.extend_from_slice(&a.to_ipv6_mapped().octets()),
            o => return Err(format!("expected an IPv6 address, got {}", o.render())),
        },
        FieldKind::Bytes | FieldKind::Text => out.extend_from_slice(&to_bytes(v)?),
        FieldKind::U8List => {
            for x in list_of(v) {
                out.push(to_uint(&x, 8)? as u8);
            }
        }
        FieldKind::U16List => {
            for x in list_of(v) {
                out.extend_from_slice(&(to_uint(&x, 16)? as u16).to_be_bytes());
            }
        }
        FieldKind::U32List => {
            for x in list_of(v) {
                out.extend_from_slice(&(to_uint(&x, 32)? as u32).to_be_bytes());
            }
        }
        FieldKind::Records(fields) => {
            let recs = match v {
                Val::List(l) if l.iter().all(|x| matches!(x, Val::Int { .. })) && !l.is_empty() => {
                    vec![v.clone()]
                }
                o => list_of(o),
            };
            for r in recs {
                put_record(out, fields, &r, cx)?;
            }
        }
        FieldKind::Params | FieldKind::Causes | FieldKind::Chunks => {
            let fam = match kind {
                FieldKind::Params => Family::Param,
                FieldKind::Causes => Family::Cause,
                _ => Family::Chunk,
            };
            let items = list_of(v);
            let n = items.len();
            for (k, it) in items.iter().enumerate() {
                match it {
                    Val::Item(i) => {
                        if i.family != fam && !matches!(i.kind, ItemKind::Raw(_)) {
                            return Err(format!(
                                "{}() is a {}, but this list holds {}s",
                                i.ctor(),
                                super::names::family_name(i.family),
                                super::names::family_name(fam)
                            ));
                        }
                        out.extend_from_slice(
                            &build_item(i, cx, k + 1 == n, false, false).map_err(|e| e.msg)?,
                        );
                    }
                    Val::Bytes { b, .. } => out.extend_from_slice(b),
                    o => {
                        return Err(format!(
                            "expected {}s, got {} {}",
                            super::names::family_name(fam),
                            o.kind(),
                            o.render()
                        ))
                    }
                }
            }
        }
        FieldKind::Packet => match v {
            Val::Packet(p) => {
                out.extend_from_slice(&build_packet(p, &BuildCx::default()).map_err(|e| e.msg)?)
            }
            o => out.extend_from_slice(&to_bytes(o)?),
        },
    }
    Ok(())
}

fn put_record(
    out: &mut Vec<u8>,
    fields: &[FieldInfo],
    r: &Val,
    cx: &BuildCx<'_>,
) -> Result<(), String> {
    match r {
        Val::List(vals) => {
            if vals.len() != fields.len() {
                return Err(format!(
                    "a record has {} values: {}",
                    fields.len(),
                    fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
                ));
            }
            for (f, v) in fields.iter().zip(vals) {
                put_field(out, f.kind, v, cx)?;
            }
        }
        Val::Item(i) if i.kind == ItemKind::Record => {
            for a in &i.args {
                super::names::resolve_record_field(fields, &a.name)?;
            }
            for f in fields {
                let v = i
                    .args
                    .iter()
                    .rev()
                    .find(|a| {
                        a.name == f.name || (f.name.starts_with(&a.name) && !a.name.is_empty())
                    })
                    .map(|a| a.val.clone())
                    .unwrap_or(Val::int(0));
                put_field(out, f.kind, &v, cx)?;
            }
        }
        o => {
            return Err(format!(
                "expected a record ([a, b] or rec(name=..)), got {}",
                o.render()
            ))
        }
    }
    Ok(())
}

/// The value of field `f` of a typed item: given, from the association,
/// derived from another field, typical, or zero/empty.
fn field_value(
    item: &Item,
    info: &TypeInfo,
    f: &FieldInfo,
    cx: &BuildCx<'_>,
    top_chunk: bool,
) -> R<Val> {
    if let Some(v) = item.get(f.name) {
        return Ok(v.clone());
    }
    if top_chunk {
        if let Some(a) = cx.assoc {
            match a.chunk_default(info.value as u8, f.name) {
                Some(FieldDefault::Int(v)) => return Ok(Val::int(v)),
                Some(FieldDefault::Bytes(b)) => return Ok(Val::bytes(b)),
                None => {}
            }
        }
    }
    if let Some(d) = defaults::derived(f.name, item) {
        let src = |name: &str| -> R<(Val, FieldKind)> {
            let g = info
                .fields
                .iter()
                .find(|x| x.name == name)
                .ok_or_else(|| LangError::msg(format!("no field {name}")))?;
            Ok((field_value(item, info, g, cx, top_chunk)?, g.kind))
        };
        return Ok(match d {
            Derived::CountOf(l) => {
                let (v, k) = src(l)?;
                Val::int(list_count(&v, k) as u64)
            }
            Derived::LenOf(b) => {
                Val::int(to_bytes(&src(b)?.0).map_err(LangError::msg)?.len() as u64)
            }
            Derived::PadOf(b) => Val::bytes(vec![
                0;
                pad4(
                    to_bytes(&src(b)?.0).map_err(LangError::msg)?.len()
                )
            ]),
        });
    }
    if let Some(v) = defaults::typical(info, f.name, item.seed) {
        return Ok(v);
    }
    Ok(match f.kind {
        FieldKind::U8 | FieldKind::U16 | FieldKind::U32 | FieldKind::Ipv4 => Val::int(0),
        FieldKind::OptU16 | FieldKind::OptU32 => Val::Word("none".into()),
        FieldKind::Ipv6 => Val::Ip6(std::net::Ipv6Addr::UNSPECIFIED),
        FieldKind::Packet => Val::bytes(Vec::new()),
        _ => Val::List(Vec::new()),
    })
}

fn list_count(v: &Val, kind: FieldKind) -> usize {
    match v {
        Val::List(l)
            if matches!(kind, FieldKind::Records(_))
                && !l.is_empty()
                && l.iter().all(|x| matches!(x, Val::Int { .. })) =>
        {
            1
        }
        Val::List(l) => l.len(),
        _ => 1,
    }
}

/// The chunk type (or parameter type / cause code) of an item, if it has one.
pub fn item_type(item: &Item) -> Option<u16> {
    match &item.kind {
        ItemKind::Typed => item.info.map(|i| i.value),
        ItemKind::Generic => item
            .get("type")
            .and_then(|v| to_uint(v, 16).ok())
            .map(|v| v as u16),
        ItemKind::Raw(b) => b.first().map(|&x| x as u16),
        ItemKind::Record => None,
    }
}

/// Serializes one chunk, parameter or cause: header, value, extra, padding.
/// `last` and `pad_last`: the last TLV of a nested list leaves its padding to
/// the enclosing chunk (RFC 9260 3.2).
pub fn build_item(
    item: &Item,
    cx: &BuildCx<'_>,
    last: bool,
    pad_last: bool,
    top_chunk: bool,
) -> R<Vec<u8>> {
    let at_of = |name: &str| {
        item.args
            .iter()
            .rev()
            .find(|a| a.name == name)
            .and_then(|a| a.at)
    };
    let bad = |name: &str, m: String| err_at(at_of(name), format!("{}: {name}: {m}", item.ctor()));
    let info = item.info;
    match &item.kind {
        ItemKind::Raw(b) => return Ok(b.clone()),
        ItemKind::Record => {
            return Err(err_at(
                None,
                "rec() is a record of a list, not a chunk, parameter or cause",
            ))
        }
        _ => {}
    }
    let ty = match (&item.kind, info) {
        (ItemKind::Typed, Some(i)) => i.value as u64,
        _ => match item.get("type") {
            Some(v) => to_uint(v, if item.family == Family::Chunk { 8 } else { 16 })
                .map_err(|m| bad("type", m))?,
            None => return Err(err_at(None, format!("{}() needs type=", item.ctor()))),
        },
    };
    let value = match item.get("value") {
        Some(v) => to_bytes(v).map_err(|m| bad("value", m))?,
        None => {
            let mut out = Vec::new();
            if let Some(info) = info {
                for f in info.fields {
                    let v = field_value(item, info, f, cx, top_chunk)?;
                    put_field(&mut out, f.kind, &v, cx).map_err(|m| bad(f.name, m))?;
                }
            }
            out
        }
    };
    let extra = match item.get("extra") {
        Some(v) => to_bytes(v).map_err(|m| bad("extra", m))?,
        None => Vec::new(),
    };
    let computed = 4 + value.len() + extra.len();
    let length = match item.get("length") {
        Some(v) => to_uint(v, 16).map_err(|m| bad("length", m))?,
        None => computed as u64,
    };
    let mut out = Vec::with_capacity(computed + 3);
    if item.family == Family::Chunk {
        let mut flags = match item.get("flags") {
            Some(v) => to_uint(v, 8).map_err(|m| bad("flags", m))? as u8,
            None => info.map(defaults::default_flags).unwrap_or(0),
        };
        if let Some(info) = info {
            for fl in info.flags {
                if let Some(v) = item.get(fl.name) {
                    let width = (fl.mask >> fl.mask.trailing_zeros()).count_ones();
                    let x = to_uint(v, width).map_err(|m| bad(fl.name, m))? as u8;
                    flags = (flags & !fl.mask) | ((x << fl.mask.trailing_zeros()) & fl.mask);
                }
            }
        }
        out.push(ty as u8);
        out.push(flags);
    } else {
        out.extend_from_slice(&(ty as u16).to_be_bytes());
    }
    out.extend_from_slice(&(length as u16).to_be_bytes());
    out.extend_from_slice(&value);
    out.extend_from_slice(&extra);
    match item.get("padding") {
        Some(v) => out.extend_from_slice(&to_bytes(v).map_err(|m| bad("padding", m))?),
        None if !last || pad_last => out.resize(out.len() + pad4(computed), 0),
        None => {}
    }
    Ok(out)
}

/// The checksum algorithm named by a value.
fn algorithm(v: &Val) -> Result<ChecksumAlgorithm, String> {
    let Val::Word(w) = v else {
        return Err(format!(
            "expected crc32c, adler32 or zero, got {}",
            v.render()
        ));
    };
    match w.as_str() {
        "crc32c" | "crc32" | "crc" => Ok(ChecksumAlgorithm::Crc32c),
        "adler32" | "adler" => Ok(ChecksumAlgorithm::Adler32),
        "zero" | "none" => Ok(ChecksumAlgorithm::Zero),
        w => Err(format!(
            "unknown checksum algorithm {w:?} (crc32c, adler32, zero)"
        )),
    }
}

/// Serializes a whole packet.
pub fn build_packet(p: &PacketSpec, cx: &BuildCx<'_>) -> R<Vec<u8>> {
    let types: Vec<u8> = p
        .chunks
        .iter()
        .filter_map(item_type)
        .map(|t| t as u8)
        .collect();
    let hdr = |name: &str| -> R<u64> {
        if let Some(a) = p.header.iter().rev().find(|a| a.name == name) {
            let bits = if name == "verification_tag" { 32 } else { 16 };
            return to_uint(&a.val, bits).map_err(|m| err_at(a.at, format!("{name}: {m}")));
        }
        if let Some(a) = cx.assoc {
            if let Some(v) = a.header_default(name, &types) {
                return Ok(v as u64);
            }
        }
        Ok(defaults::header_typical(name))
    };
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&(hdr("source_port")? as u16).to_be_bytes());
    out.extend_from_slice(&(hdr("destination_port")? as u16).to_be_bytes());
    out.extend_from_slice(&(hdr("verification_tag")? as u32).to_be_bytes());
    out.extend_from_slice(&[0; 4]);
    for c in &p.chunks {
        if c.family != Family::Chunk && !matches!(c.kind, ItemKind::Raw(_)) {
            return Err(err_at(None, format!("{}() is not a chunk", c.ctor())));
        }
        out.extend_from_slice(&build_item(c, cx, false, true, true)?);
    }
    if let Some(t) = p.get("trailing") {
        out.extend_from_slice(&to_bytes(t).map_err(|m| LangError::msg(format!("trailing: {m}")))?);
    }
    let at = |name: &str| {
        p.header
            .iter()
            .rev()
            .find(|a| a.name == name)
            .and_then(|a| a.at)
    };
    let alg = match p.get("checksum_algorithm") {
        Some(v) => algorithm(v).map_err(|m| err_at(at("checksum_algorithm"), m))?,
        None => ChecksumAlgorithm::Crc32c,
    };
    let computed = checksum::compute(&out, alg);
    let c = match p.get("checksum") {
        None => computed,
        Some(Val::Word(w)) => match w.as_str() {
            "bad" | "wrong" => !computed,
            "zero" => 0,
            "good" | "crc32c" | "auto" => checksum::compute(&out, ChecksumAlgorithm::Crc32c),
            "adler32" => checksum::compute(&out, ChecksumAlgorithm::Adler32),
            w => {
                return Err(err_at(
                    at("checksum"),
                    format!("checksum: unknown {w:?} (a number, bad, zero, crc32c, adler32)"),
                ))
            }
        },
        Some(v) => {
            to_uint(v, 32).map_err(|m| err_at(at("checksum"), format!("checksum: {m}")))? as u32
        }
    };
    out[8..12].copy_from_slice(&c.to_be_bytes());
    Ok(out)
}

/// The decoding rules to show a packet with.
pub fn rules_for(ssctp: bool) -> Rules {
    if ssctp {
        Rules::SSCTP
    } else {
        Rules::STANDARD
    }
}

/// Decodes built (or loaded) bytes with the codec, leniently.
pub fn decode(bytes: &[u8], ssctp: bool) -> Result<Packet<'_>, LangError> {
    Packet::decode(
        bytes,
        &DecodeOptions {
            rules: rules_for(ssctp),
            strict: false,
        },
    )
    .map_err(|e| LangError::msg(format!("the codec cannot decode the result: {e}")))
}
