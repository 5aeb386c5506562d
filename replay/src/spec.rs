//! Typed chunks, parameters and causes of a packet line, with packetdrill's
//! meaning (`sctp_packet.c`, `run_packet.c`): a field given as `...` is not
//! checked; a length left out is computed from what the script gives, and
//! not checked when a part of the value is `...`.
//!
//! A spec is encoded to bytes for an injected (`<`) packet, and compared field
//! by field with a chunk the endpoint sent for an expected (`>`) one; the
//! chunk that came is shown back in the same notation.

use std::fmt::Write as _;
use std::net::IpAddr;

use sctp_codec::chunk::ty;
use sctp_codec::view::ChunkView;

use crate::ast::{Field, Item, Value};
use crate::lexer::{Pos, SyntaxError};

/// A field value: `...` (anything) or a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum F<T> {
    /// `...`: not checked, zero when sent.
    Any,
    /// This value.
    Is(T),
}

impl<T: Copy + Default> F<T> {
    /// The value, or the default for `...`.
    pub fn or_zero(self) -> T {
        match self {
            F::Any => T::default(),
            F::Is(v) => v,
        }
    }
}

/// A parameter or an error cause (a TLV) as the script gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct TlvSpec {
    /// Type or cause code (`None`: `type=...`).
    pub ty: Option<u16>,
    /// The Length to check (`None`: not checked).
    pub check_len: Option<u16>,
    /// The value to compare (`None`: not checked).
    pub check_value: Option<Vec<u8>>,
    /// The whole TLV as sent, without padding.
    pub bytes: Vec<u8>,
}

/// A chunk as the script gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum ChunkSpec {
    /// `CHUNK[type=, flgs=, len=, val=]`.
    Generic {
        /// Chunk Type.
        ty: F<u8>,
        /// Flags.
        flags: F<u8>,
        /// Length.
        len: F<u16>,
        /// Value (`None`: `val=...`).
        val: Option<Vec<u8>>,
    },
    /// `DATA[flgs=, len=, tsn=, sid=, ssn=, ppid=]`.
    Data {
        /// Flags (I, U, B, E).
        flags: F<u8>,
        /// Length (the payload is zeros).
        len: F<u16>,
        /// TSN.
        tsn: F<u32>,
        /// Stream.
        sid: F<u16>,
        /// Stream sequence number.
        ssn: F<u16>,
        /// PPID.
        ppid: F<u32>,
    },
    /// `INIT[...]` or `INIT_ACK[...]`.
    Init {
        /// INIT ACK.
        ack: bool,
        /// Flags.
        flags: F<u8>,
        /// Initiate Tag.
        tag: F<u32>,
        /// a_rwnd.
        a_rwnd: F<u32>,
        /// Outbound streams.
        os: F<u16>,
        /// Inbound streams.
        is: F<u16>,
        /// Initial TSN.
        tsn: F<u32>,
        /// Parameters (`None`: `...`).
        params: Option<Vec<TlvSpec>>,
    },
    /// `SACK[flgs=, cum_tsn=, a_rwnd=, gaps=, dups=]`.
    Sack {
        /// Flags.
        flags: F<u8>,
        /// Cumulative TSN Ack.
        cum_tsn: F<u32>,
        /// a_rwnd.
        a_rwnd: F<u32>,
        /// Gap blocks (`None`: `...`).
        gaps: Option<Vec<(u16, u16)>>,
        /// Duplicate TSNs (`None`: `...`).
        dups: Option<Vec<u32>>,
    },
    /// `HEARTBEAT[flgs=, HEARTBEAT_INFORMATION[...]]` or HEARTBEAT_ACK.
    Heartbeat {
        /// HEARTBEAT ACK.
        ack: bool,
        /// Flags.
        flags: F<u8>,
        /// The Heartbeat Info parameter.
        info: TlvSpec,
    },
    /// `ABORT[flgs=, causes...]` or `ERROR[flgs=, causes...]`.
    Causes {
        /// Chunk Type (ABORT or ERROR).
        ty: u8,
        /// Flags.
        flags: F<u8>,
        /// Causes (`None`: `...`).
        causes: Option<Vec<TlvSpec>>,
    },
    /// `SHUTDOWN[flgs=, cum_tsn=]`.
    Shutdown {
        /// Flags.
        flags: F<u8>,
        /// Cumulative TSN Ack.
        cum_tsn: F<u32>,
    },
    /// A chunk of only a header: SHUTDOWN_ACK, COOKIE_ACK, SHUTDOWN_COMPLETE.
    Empty {
        /// Chunk Type.
        ty: u8,
        /// Flags.
        flags: F<u8>,
    },
    /// `COOKIE_ECHO[flgs=, len=, val=]`.
    CookieEcho {
        /// Flags.
        flags: F<u8>,
        /// Length.
        len: F<u16>,
        /// The cookie (`None`: `val=...`, the one the endpoint sent).
        val: Option<Vec<u8>>,
    },
    /// `ECNE[flgs=, tsn=]` or `CWR[flgs=, tsn=]`.
    Lowest {
        /// Chunk Type.
        ty: u8,
        /// Flags.
        flags: F<u8>,
        /// Lowest TSN.
        tsn: F<u32>,
    },
    /// An extension chunk (I_DATA, FORWARD_TSN, I_FORWARD_TSN, NR_SACK,
    /// PAD, RECONFIG): see [`crate::ext`].
    Ext(crate::ext::ExtChunk),
}

/// A chunk spec with where it is in the script and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// The typed spec.
    pub spec: ChunkSpec,
    /// Where it starts.
    pub pos: Pos,
    /// The script's notation (normalised spacing).
    pub text: String,
}

fn err<T>(pos: Pos, m: impl Into<String>) -> Result<T, SyntaxError> {
    Err(SyntaxError {
        pos,
        message: m.into(),
    })
}

/// Renders an item back in script notation.
pub fn item_text(it: &Item) -> String {
    let mut s = String::new();
    write_item(&mut s, it);
    s
}

fn write_item(s: &mut String, it: &Item) {
    s.push_str(&it.name);
    s.push('[');
    for (k, f) in it.fields.iter().enumerate() {
        if k > 0 {
            s.push_str(", ");
        }
        match f {
            Field::Key(key, v, _) => {
                s.push_str(key);
                s.push('=');
                write_value(s, v);
            }
            Field::Item(i) => write_item(s, i),
            Field::Ellipsis(_) => s.push_str("..."),
        }
    }
    s.push(']');
}

fn write_value(s: &mut String, v: &Value) {
    match v {
        Value::Ellipsis => s.push_str("..."),
        Value::Int(n) => {
            let _ = write!(s, "{n}");
        }
        Value::Word(w) => s.push_str(w),
        Value::Str(t) => {
            let _ = write!(s, "\"{t}\"");
        }
        Value::Addr(a) => {
            let _ = write!(s, "{a}");
        }
        Value::Pair(a, b) => {
            let _ = write!(s, "{a}:{b}");
        }
        Value::List(l) => {
            s.push('[');
            for (k, (v, _)) in l.iter().enumerate() {
                if k > 0 {
                    s.push_str(", ");
                }
                write_value(s, v);
            }
            s.push(']');
        }
        Value::Item(i) => write_item(s, i),
        Value::Tuple(l) => {
            s.push('{');
            for (k, (v, _)) in l.iter().enumerate() {
                if k > 0 {
                    s.push_str(", ");
                }
                write_value(s, v);
            }
            s.push('}');
        }
    }
}

/// The keyed and nested fields of an item, checked off as they are used.
pub(crate) struct Fields<'a> {
    item: &'a Item,
    used: Vec<bool>,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(item: &'a Item) -> Self {
        Fields {
            item,
            used: vec![false; item.fields.len()],
        }
    }

    /// Whether an unused `key=` is there.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.item
            .fields
            .iter()
            .enumerate()
            .any(|(k, f)| matches!(f, Field::Key(name, _, _) if name == key && !self.used[k]))
    }

    pub(crate) fn get(&mut self, key: &str) -> Option<(&'a Value, Pos)> {
        for (k, f) in self.item.fields.iter().enumerate() {
            if let Field::Key(name, v, p) = f {
                if name == key && !self.used[k] {
                    self.used[k] = true;
                    return Some((v, *p));
                }
            }
        }
        None
    }

    pub(crate) fn need(&mut self, key: &str) -> Result<(&'a Value, Pos), SyntaxError> {
        match self.get(key) {
            Some(x) => Ok(x),
            None => err(self.item.pos, format!("{} needs {key}=", self.item.name)),
        }
    }

    /// The nested items and `...` not yet used, in order: `(items, ellipsis)`.
    pub(crate) fn rest(&mut self) -> (Vec<&'a Item>, bool) {
        let mut items = Vec::new();
        let mut ellipsis = false;
        for (k, f) in self.item.fields.iter().enumerate() {
            match f {
                Field::Item(i) if !self.used[k] => {
                    self.used[k] = true;
                    items.push(i);
                }
                Field::Ellipsis(_) if !self.used[k] => {
                    self.used[k] = true;
                    ellipsis = true;
                }
                _ => {}
            }
        }
        (items, ellipsis)
    }

    pub(crate) fn done(&self) -> Result<(), SyntaxError> {
        for (k, f) in self.item.fields.iter().enumerate() {
            if !self.used[k] {
                let (pos, what) = match f {
                    Field::Key(key, _, p) => (*p, format!("field {key}=")),
                    Field::Item(i) => (i.pos, i.name.clone()),
                    Field::Ellipsis(p) => (*p, "...".into()),
                };
                return err(pos, format!("unexpected {what} in {}", self.item.name));
            }
        }
        Ok(())
    }
}

fn num(v: &Value, pos: Pos, max: u64, what: &str) -> Result<F<u64>, SyntaxError> {
    match v {
        Value::Ellipsis => Ok(F::Any),
        Value::Int(n) if *n >= 0 && (*n as u64) <= max => Ok(F::Is(*n as u64)),
        Value::Int(_) => err(pos, format!("{what} value out of range")),
        _ => err(pos, format!("{what} must be a number or ...")),
    }
}

fn f8(v: (&Value, Pos), what: &str) -> Result<F<u8>, SyntaxError> {
    Ok(match num(v.0, v.1, 0xff, what)? {
        F::Any => F::Any,
        F::Is(n) => F::Is(n as u8),
    })
}
fn f16(v: (&Value, Pos), what: &str) -> Result<F<u16>, SyntaxError> {
    Ok(match num(v.0, v.1, 0xffff, what)? {
        F::Any => F::Any,
        F::Is(n) => F::Is(n as u16),
    })
}
fn f32_(v: (&Value, Pos), what: &str) -> Result<F<u32>, SyntaxError> {
    Ok(match num(v.0, v.1, 0xffff_ffff, what)? {
        F::Any => F::Any,
        F::Is(n) => F::Is(n as u32),
    })
}

/// Flags given as a number or as letters (`BE`, `T`) from `letters`.
fn flags(v: (&Value, Pos), letters: &[(char, u8)]) -> Result<F<u8>, SyntaxError> {
    if let Value::Word(w) = v.0 {
        if letters.is_empty() {
            return err(v.1, "flags value must be a number or ...");
        }
        let mut f = 0u8;
        for c in w.chars() {
            let Some((_, bit)) = letters.iter().find(|(l, _)| *l == c) else {
                let names: String = letters.iter().map(|(l, _)| *l).collect();
                return err(v.1, format!("Only expecting {names} as flags"));
            };
            if f & bit != 0 {
                return err(v.1, format!("{c}-bit specified multiple times"));
            }
            f |= bit;
        }
        return Ok(F::Is(f));
    }
    f8(v, "flags")
}

const DATA_FLAGS: &[(char, u8)] = &[('I', 8), ('U', 4), ('B', 2), ('E', 1)];
const T_FLAG: &[(char, u8)] = &[('T', 1)];

fn bytes_list(v: (&Value, Pos)) -> Result<Option<Vec<u8>>, SyntaxError> {
    match v.0 {
        Value::Ellipsis => Ok(None),
        Value::List(l) if l.len() == 1 && l[0].0 == Value::Ellipsis => Ok(None),
        Value::List(l) => {
            let mut out = Vec::new();
            for (x, p) in l {
                match x {
                    Value::Int(n) if (0..=255).contains(n) => out.push(*n as u8),
                    _ => return err(*p, "byte value out of range"),
                }
            }
            Ok(Some(out))
        }
        _ => err(v.1, "expected [bytes] or ..."),
    }
}

fn tlv_bytes(ty: u16, len: u16, value: &[u8]) -> Vec<u8> {
    let mut b = Vec::with_capacity(4 + value.len());
    b.extend_from_slice(&ty.to_be_bytes());
    b.extend_from_slice(&len.to_be_bytes());
    b.extend_from_slice(value);
    b
}

fn pad4(n: usize) -> usize {
    (4 - n % 4) % 4
}

/// TLVs back to back, each padded but the last (RFC 9260 3.2).
fn concat_tlvs(list: &[TlvSpec]) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, t) in list.iter().enumerate() {
        out.extend_from_slice(&t.bytes);
        if k + 1 < list.len() {
            out.resize(out.len() + pad4(t.bytes.len()), 0);
        }
    }
    out
}

fn exact(ty: u16, value: Vec<u8>) -> TlvSpec {
    let len = (4 + value.len()) as u16;
    TlvSpec {
        ty: Some(ty),
        check_len: Some(len),
        check_value: Some(value.clone()),
        bytes: tlv_bytes(ty, len, &value),
    }
}

fn unchecked(ty: u16, value: Vec<u8>, check_len: bool) -> TlvSpec {
    let len = (4 + value.len()) as u16;
    TlvSpec {
        ty: Some(ty),
        check_len: check_len.then_some(len),
        check_value: None,
        bytes: tlv_bytes(ty, len, &value),
    }
}

/// A generic TLV: `type=`, `len=`, `val=` (PARAMETER, CAUSE, HEARTBEAT_INFORMATION).
fn generic_tlv(
    ty: F<u16>,
    len: F<u16>,
    val: Option<Vec<u8>>,
    pos: Pos,
) -> Result<TlvSpec, SyntaxError> {
    if let (F::Is(l), Some(v)) = (len, &val) {
        if (l as usize) < 4 + v.len() {
            return err(pos, "length value out of range");
        }
    }
    if let F::Is(l) = len {
        if l < 4 {
            return err(pos, "length value out of range");
        }
    }
    if len == F::Any && val.is_some() {
        return err(pos, "length must be specified when the value is");
    }
    let length = match len {
        F::Is(l) => l,
        F::Any => 4,
    };
    let mut value = val.clone().unwrap_or_default();
    if val.is_none() {
        value.resize(length as usize - 4, 0);
    }
    let mut check_value = val;
    if let Some(v) = &mut check_value {
        // A value shorter than the Length is compared as given, zero-filled.
        v.resize(length as usize - 4, 0);
        value = v.clone();
    }
    let t = ty.or_zero();
    Ok(TlvSpec {
        ty: match ty {
            F::Any => None,
            F::Is(t) => Some(t),
        },
        check_len: match len {
            F::Any => None,
            F::Is(l) => Some(l),
        },
        check_value,
        bytes: tlv_bytes(t, length, &value),
    })
}

/// A parameter (`sctp_parameter_spec`).
pub fn param(it: &Item) -> Result<TlvSpec, SyntaxError> {
    let mut f = Fields::new(it);
    let t = match it.name.as_str() {
        "PARAMETER" => {
            let ty = f16(f.need("type")?, "type")?;
            let len = f16(f.need("len")?, "length")?;
            let val = bytes_list(f.need("val")?)?;
            generic_tlv(ty, len, val, it.pos)?
        }
        "HEARTBEAT_INFORMATION" => {
            let (_, ell) = f.rest();
            if ell && it.fields.len() == 1 {
                unchecked(1, Vec::new(), false)
            } else {
                let len = f16(f.need("len")?, "length")?;
                let val = bytes_list(f.need("val")?)?;
                generic_tlv(F::Is(1), len, val, it.pos)?
            }
        }
        "IPV4_ADDRESS" | "IPV6_ADDRESS" => {
            let v6 = it.name == "IPV6_ADDRESS";
            let (v, p) = f.need("addr")?;
            match v {
                Value::Ellipsis => unchecked(
                    if v6 { 6 } else { 5 },
                    vec![0; if v6 { 16 } else { 4 }],
                    true,
                ),
                Value::Addr(IpAddr::V4(a)) if !v6 => exact(5, a.octets().to_vec()),
                Value::Addr(IpAddr::V6(a)) if v6 => exact(6, a.octets().to_vec()),
                _ => return err(p, format!("bad address for {}", it.name)),
            }
        }
        "STATE_COOKIE" => {
            let (_, ell) = f.rest();
            if ell && it.fields.len() == 1 {
                let mut t = unchecked(7, Vec::new(), false);
                t.check_len = None;
                t
            } else {
                let len = f16(f.need("len")?, "length")?;
                let (v, p) = f.need("val")?;
                if *v != Value::Ellipsis {
                    return err(p, "STATE_COOKIE val must be ...");
                }
                match len {
                    F::Any => unchecked(7, Vec::new(), false),
                    F::Is(l) if l >= 4 => unchecked(7, vec![0; l as usize - 4], true),
                    F::Is(_) => return err(it.pos, "STATE_COOKIE length out of range"),
                }
            }
        }
        "UNRECOGNIZED_PARAMETER" => {
            let (v, p) = f.need("params")?;
            tlv_list(8, v, p, param)?
        }
        "COOKIE_PRESERVATIVE" => {
            match num(f.need("incr")?.0, it.pos, u32::MAX as u64, "increment")? {
                F::Any => unchecked(9, vec![0; 4], true),
                F::Is(n) => exact(9, (n as u32).to_be_bytes().to_vec()),
            }
        }
        "HOSTNAME_ADDRESS" => {
            let (v, p) = f.need("addr")?;
            match v {
                Value::Ellipsis => {
                    let mut t = unchecked(11, vec![0], false);
                    t.check_len = None;
                    t
                }
                Value::Str(s) => {
                    let mut b = s.as_bytes().to_vec();
                    b.push(0);
                    exact(11, b)
                }
                _ => return err(p, "HOSTNAME_ADDRESS addr must be a string or ..."),
            }
        }
        "SUPPORTED_ADDRESS_TYPES" => {
            let (v, p) = f.need("types")?;
            match v {
                Value::Ellipsis => {
                    let mut t = unchecked(12, Vec::new(), false);
                    t.check_len = None;
                    t
                }
                Value::List(l) => {
                    let mut b = Vec::new();
                    for (x, p) in l {
                        let n: u16 = match x {
                            Value::Word(w) if w == "IPv4" => 5,
                            Value::Word(w) if w == "IPv6" => 6,
                            Value::Word(w) if w == "HOSTNAME" => 11,
                            Value::Int(n) if (0..=0xffff).contains(n) => *n as u16,
                            _ => return err(*p, "unknown address type"),
                        };
                        b.extend_from_slice(&n.to_be_bytes());
                    }
                    exact(12, b)
                }
                _ => return err(p, "types must be a list or ..."),
            }
        }
        // The Padding Parameter (RFC 4820 3): its length, zero bytes.
        "PAD" => {
            let (_, ell) = f.rest();
            let len = if ell && it.fields.len() == 1 {
                F::Any
            } else {
                let len = f16(f.need("len")?, "length")?;
                let (v, p) = f.need("val")?;
                if *v != Value::Ellipsis {
                    return err(p, "PAD val must be ...");
                }
                len
            };
            match len {
                F::Any => {
                    let mut t = unchecked(0x8005, Vec::new(), false);
                    t.check_len = None;
                    t
                }
                F::Is(l) if l >= 4 => unchecked(0x8005, vec![0; l as usize - 4], true),
                F::Is(_) => return err(it.pos, "PAD length out of range"),
            }
        }
        "ECN_CAPABLE" => exact(0x8000, Vec::new()),
        "FORWARD_TSN_SUPPORTED" => exact(0xc000, Vec::new()),
        "ZERO_CHECKSUM_ACCEPTABLE" => {
            let (v, p) = f.need("edmid")?;
            match v {
                Value::Int(n) => exact(0x8001, (*n as u32).to_be_bytes().to_vec()),
                Value::Word(w) if w == "SCTP_OVER_DTLS" => {
                    exact(0x8001, 1u32.to_be_bytes().to_vec())
                }
                Value::Ellipsis => unchecked(0x8001, vec![0; 4], true),
                _ => return err(p, "bad edmid"),
            }
        }
        "ADAPTATION_INDICATION" => match num(
            f.need("adaptation_code_point")?.0,
            it.pos,
            u32::MAX as u64,
            "code point",
        )? {
            F::Any => unchecked(0xc006, vec![0; 4], true),
            F::Is(n) => exact(0xc006, (n as u32).to_be_bytes().to_vec()),
        },
        "SUPPORTED_EXTENSIONS" => {
            let (v, p) = f.need("types")?;
            match v {
                Value::Ellipsis => {
                    let mut t = unchecked(0x8008, Vec::new(), false);
                    t.check_len = None;
                    t
                }
                Value::List(l) => {
                    let mut b = Vec::new();
                    for (x, p) in l {
                        b.push(match x {
                            Value::Int(n) if (0..=255).contains(n) => *n as u8,
                            Value::Word(w) => match chunk_type_by_name(w) {
                                Some(t) => t,
                                None => return err(*p, format!("unknown chunk type {w}")),
                            },
                            _ => return err(*p, "bad chunk type"),
                        });
                    }
                    exact(0x8008, b)
                }
                _ => return err(p, "types must be a list or ..."),
            }
        }
        other => return err(it.pos, format!("unknown parameter {other}")),
    };
    f.done()?;
    Ok(t)
}

/// A TLV whose value is a list of TLVs (`params=[...]`).
fn tlv_list(
    code: u16,
    v: &Value,
    pos: Pos,
    each: fn(&Item) -> Result<TlvSpec, SyntaxError>,
) -> Result<TlvSpec, SyntaxError> {
    match v {
        Value::Ellipsis => {
            let mut t = unchecked(code, Vec::new(), false);
            t.check_len = None;
            Ok(t)
        }
        Value::List(l) => {
            let mut inner = Vec::new();
            for (x, p) in l {
                match x {
                    Value::Item(i) => inner.push(each(i)?),
                    _ => return err(*p, "expected a parameter"),
                }
            }
            // Nested TLVs are copied with their padding (packetdrill).
            let mut value = Vec::new();
            let mut len_ok = true;
            let mut val_ok = true;
            for t in &inner {
                value.extend_from_slice(&t.bytes);
                value.resize(value.len() + pad4(t.bytes.len()), 0);
                len_ok &= t.check_len.is_some();
                val_ok &= t.check_value.is_some() && t.ty.is_some();
            }
            if let Some(last) = inner.last() {
                value.truncate(value.len() - pad4(last.bytes.len()));
            }
            let mut t = exact(code, value);
            if !len_ok {
                t.check_len = None;
            }
            if !val_ok {
                t.check_value = None;
            }
            Ok(t)
        }
        _ => err(pos, "expected a list or ..."),
    }
}

/// An error cause (`sctp_cause_spec`).
pub fn cause(it: &Item) -> Result<TlvSpec, SyntaxError> {
    let mut f = Fields::new(it);
    let t = match it.name.as_str() {
        "CAUSE" => {
            let ty = f16(f.need("code")?, "code")?;
            let len = f16(f.need("len")?, "length")?;
            let val = bytes_list(f.need("info")?)?;
            generic_tlv(ty, len, val, it.pos)?
        }
        "INVALID_STREAM_IDENTIFIER" => match f16(f.need("sid")?, "sid")? {
            F::Any => unchecked(1, vec![0; 4], true),
            F::Is(s) => {
                let mut v = s.to_be_bytes().to_vec();
                v.extend_from_slice(&[0, 0]);
                exact(1, v)
            }
        },
        "MISSING_MANDATORY_PARAMETER" => {
            let (v, p) = f.need("types")?;
            match v {
                Value::Ellipsis => {
                    let mut t = unchecked(2, vec![0; 4], false);
                    t.check_len = None;
                    t
                }
                Value::List(l) => {
                    let mut b = (l.len() as u32).to_be_bytes().to_vec();
                    for (x, p) in l {
                        match x {
                            Value::Int(n) if (0..=0xffff).contains(n) => {
                                b.extend_from_slice(&(*n as u16).to_be_bytes())
                            }
                            _ => return err(*p, "Integer value out of range"),
                        }
                    }
                    exact(2, b)
                }
                _ => return err(p, "types must be a list or ..."),
            }
        }
        "STALE_COOKIE_ERROR" => match f32_(f.need("staleness")?, "staleness")? {
            F::Any => unchecked(3, vec![0; 4], true),
            F::Is(s) => exact(3, s.to_be_bytes().to_vec()),
        },
        "OUT_OF_RESOURCE" => exact(4, Vec::new()),
        "UNRESOLVABLE_ADDRESS" => {
            let (v, p) = f.need("param")?;
            match v {
                Value::Ellipsis => {
                    let mut t = unchecked(5, Vec::new(), false);
                    t.check_len = None;
                    t
                }
                Value::Item(i) => {
                    let inner = param(i)?;
                    let mut value = inner.bytes.clone();
                    value.resize(value.len() + pad4(value.len()), 0);
                    let len = (4 + inner.bytes.len()) as u16;
                    TlvSpec {
                        ty: Some(5),
                        check_len: inner.check_len.map(|_| len),
                        check_value: (inner.check_value.is_some() && inner.ty.is_some())
                            .then(|| value.clone()),
                        bytes: tlv_bytes(5, len, &value[..inner.bytes.len()]),
                    }
                }
                _ => return err(p, "param must be a parameter or ..."),
            }
        }
        "UNRECOGNIZED_CHUNK_TYPE" => {
            let (v, p) = f.need("chk")?;
            match v {
                Value::Ellipsis => {
                    let mut t = unchecked(6, Vec::new(), false);
                    t.check_len = None;
                    t
                }
                Value::Item(i) => {
                    let c = chunk(i)?;
                    let (bytes, check_len, check_val) = c.spec.encode_checked();
                    // The chunk is copied with its padding (packetdrill).
                    let mut value = bytes.clone();
                    value.resize(value.len() + pad4(value.len()), 0);
                    let mut t = exact(6, value);
                    if !check_len {
                        t.check_len = None;
                    }
                    if !check_val {
                        t.check_value = None;
                    }
                    t
                }
                _ => return err(p, "chk must be a chunk or ..."),
            }
        }
        "INVALID_MANDATORY_PARAMETER" => exact(7, Vec::new()),
        "UNRECOGNIZED_PARAMETERS" => {
            let (v, p) = f.need("params")?;
            tlv_list(8, v, p, param)?
        }
        "NO_USER_DATA" => match f32_(f.need("tsn")?, "tsn")? {
            F::Any => unchecked(9, vec![0; 4], true),
            F::Is(s) => exact(9, s.to_be_bytes().to_vec()),
        },
        "COOKIE_RECEIVED_WHILE_SHUTDOWN" => exact(10, Vec::new()),
        "RESTART_WITH_NEW_ADDRESSES" => {
            let (v, p) = f.need("params")?;
            tlv_list(11, v, p, param)?
        }
        "USER_INITIATED_ABORT" | "PROTOCOL_VIOLATION" => {
            let code = if it.name == "USER_INITIATED_ABORT" {
                12
            } else {
                13
            };
            let (v, p) = f.need("info")?;
            match v {
                Value::Ellipsis => {
                    let mut t = unchecked(code, Vec::new(), false);
                    t.check_len = None;
                    t
                }
                Value::Str(s) => exact(code, s.as_bytes().to_vec()),
                _ => return err(p, "info must be a string or ..."),
            }
        }
        other => return err(it.pos, format!("unknown cause {other}")),
    };
    f.done()?;
    Ok(t)
}

/// The chunk type a packetdrill name stands for.
pub fn chunk_type_by_name(w: &str) -> Option<u8> {
    Some(match w {
        "DATA" => ty::DATA,
        "INIT" => ty::INIT,
        "INIT_ACK" => ty::INIT_ACK,
        "SACK" => ty::SACK,
        "NR_SACK" => ty::NR_SACK,
        "HEARTBEAT" => ty::HEARTBEAT,
        "HEARTBEAT_ACK" => ty::HEARTBEAT_ACK,
        "ABORT" => ty::ABORT,
        "SHUTDOWN" => ty::SHUTDOWN,
        "SHUTDOWN_ACK" => ty::SHUTDOWN_ACK,
        "ERROR" => ty::ERROR,
        "COOKIE_ECHO" => ty::COOKIE_ECHO,
        "COOKIE_ACK" => ty::COOKIE_ACK,
        "ECNE" => ty::ECNE,
        "CWR" => ty::CWR,
        "SHUTDOWN_COMPLETE" => ty::SHUTDOWN_COMPLETE,
        "I_DATA" => ty::I_DATA,
        "PAD" => ty::PAD,
        "RECONFIG" => ty::RE_CONFIG,
        "FORWARD_TSN" => ty::FORWARD_TSN,
        "I_FORWARD_TSN" => ty::I_FORWARD_TSN,
        "AUTH" => ty::AUTH,
        "ASCONF" => ty::ASCONF,
        "ASCONF_ACK" => ty::ASCONF_ACK,
        _ => return None,
    })
}

/// The packetdrill name of a chunk type (`None` for types it has no name for).
pub fn chunk_type_name(t: u8) -> Option<&'static str> {
    Some(match t {
        ty::DATA => "DATA",
        ty::INIT => "INIT",
        ty::INIT_ACK => "INIT_ACK",
        ty::SACK => "SACK",
        ty::NR_SACK => "NR_SACK",
        ty::HEARTBEAT => "HEARTBEAT",
        ty::HEARTBEAT_ACK => "HEARTBEAT_ACK",
        ty::ABORT => "ABORT",
        ty::SHUTDOWN => "SHUTDOWN",
        ty::SHUTDOWN_ACK => "SHUTDOWN_ACK",
        ty::ERROR => "ERROR",
        ty::COOKIE_ECHO => "COOKIE_ECHO",
        ty::COOKIE_ACK => "COOKIE_ACK",
        ty::ECNE => "ECNE",
        ty::CWR => "CWR",
        ty::SHUTDOWN_COMPLETE => "SHUTDOWN_COMPLETE",
        ty::I_DATA => "I_DATA",
        ty::PAD => "PAD",
        ty::RE_CONFIG => "RECONFIG",
        ty::FORWARD_TSN => "FORWARD_TSN",
        ty::I_FORWARD_TSN => "I_FORWARD_TSN",
        ty::AUTH => "AUTH",
        ty::ASCONF => "ASCONF",
        ty::ASCONF_ACK => "ASCONF_ACK",
        _ => return None,
    })
}

/// A chunk (`sctp_chunk_spec`).
pub fn chunk(it: &Item) -> Result<Chunk, SyntaxError> {
    let mut f = Fields::new(it);
    let spec = match it.name.as_str() {
        "CHUNK" => {
            let (v, p) = f.need("type")?;
            let t = match v {
                Value::Ellipsis => F::Any,
                Value::Int(n) if (0..=255).contains(n) => F::Is(*n as u8),
                Value::Word(w) => match chunk_type_by_name(w) {
                    Some(t) => F::Is(t),
                    None => return err(p, format!("unknown chunk type {w}")),
                },
                _ => return err(p, "type value out of range"),
            };
            let flags = f8(f.need("flgs")?, "flags")?;
            let len = f16(f.need("len")?, "length")?;
            let val = bytes_list(f.need("val")?)?;
            if let (F::Is(l), Some(v)) = (len, &val) {
                if (l as usize) < 4 + v.len() {
                    return err(it.pos, "length value out of range");
                }
            }
            if let F::Is(l) = len {
                if l < 4 {
                    return err(it.pos, "length value out of range");
                }
            }
            ChunkSpec::Generic {
                ty: t,
                flags,
                len,
                val,
            }
        }
        "DATA" => {
            let flags = flags(f.need("flgs")?, DATA_FLAGS)?;
            let len = f16(f.need("len")?, "length")?;
            if let F::Is(l) = len {
                if l < 16 {
                    return err(it.pos, "length value out of range");
                }
            }
            ChunkSpec::Data {
                flags,
                len,
                tsn: f32_(f.need("tsn")?, "tsn")?,
                sid: f16(f.need("sid")?, "sid")?,
                ssn: f16(f.need("ssn")?, "ssn")?,
                ppid: f32_(f.need("ppid")?, "ppid")?,
            }
        }
        "INIT" | "INIT_ACK" => {
            let flags = f8(f.need("flgs")?, "flags")?;
            let tag = f32_(f.need("tag")?, "tag")?;
            let a_rwnd = f32_(f.need("a_rwnd")?, "a_rwnd")?;
            let os = f16(f.need("os")?, "os")?;
            let is = f16(f.need("is")?, "is")?;
            let tsn = f32_(f.need("tsn")?, "tsn")?;
            let (items, ell) = f.rest();
            let params = if ell {
                if !items.is_empty() {
                    return err(it.pos, "... stands for all the parameters");
                }
                None
            } else {
                Some(
                    items
                        .into_iter()
                        .map(param)
                        .collect::<Result<Vec<_>, _>>()?,
                )
            };
            ChunkSpec::Init {
                ack: it.name == "INIT_ACK",
                flags,
                tag,
                a_rwnd,
                os,
                is,
                tsn,
                params,
            }
        }
        "SACK" => {
            let flags = f8(f.need("flgs")?, "flags")?;
            let cum_tsn = f32_(f.need("cum_tsn")?, "cum_tsn")?;
            let a_rwnd = f32_(f.need("a_rwnd")?, "a_rwnd")?;
            let (g, gp) = f.need("gaps")?;
            let gaps = match g {
                Value::Ellipsis => None,
                Value::List(l) if l.len() == 1 && l[0].0 == Value::Ellipsis => None,
                Value::List(l) => {
                    let mut v = Vec::new();
                    for (x, p) in l {
                        match x {
                            Value::Pair(a, b)
                                if (0..=0xffff).contains(a) && (0..=0xffff).contains(b) =>
                            {
                                v.push((*a as u16, *b as u16))
                            }
                            _ => return err(*p, "expected a gap block start:end"),
                        }
                    }
                    Some(v)
                }
                _ => return err(gp, "gaps must be a list or ..."),
            };
            let (d, dp) = f.need("dups")?;
            let dups = match d {
                Value::Ellipsis => None,
                Value::List(l) if l.len() == 1 && l[0].0 == Value::Ellipsis => None,
                Value::List(l) => {
                    let mut v = Vec::new();
                    for (x, p) in l {
                        match x {
                            Value::Int(n) if (0..=u32::MAX as i64).contains(n) => v.push(*n as u32),
                            _ => return err(*p, "expected a TSN"),
                        }
                    }
                    Some(v)
                }
                _ => return err(dp, "dups must be a list or ..."),
            };
            ChunkSpec::Sack {
                flags,
                cum_tsn,
                a_rwnd,
                gaps,
                dups,
            }
        }
        "HEARTBEAT" | "HEARTBEAT_ACK" => {
            let flags = f8(f.need("flgs")?, "flags")?;
            let (items, ell) = f.rest();
            if items.len() != 1 || ell || items[0].name != "HEARTBEAT_INFORMATION" {
                return err(
                    it.pos,
                    format!("{} needs one HEARTBEAT_INFORMATION[...]", it.name),
                );
            }
            ChunkSpec::Heartbeat {
                ack: it.name == "HEARTBEAT_ACK",
                flags,
                info: param(items[0])?,
            }
        }
        "ABORT" | "ERROR" => {
            let is_abort = it.name == "ABORT";
            let flags = flags(f.need("flgs")?, if is_abort { T_FLAG } else { &[] })?;
            let (items, ell) = f.rest();
            let causes = if ell {
                if !items.is_empty() {
                    return err(it.pos, "... stands for all the causes");
                }
                None
            } else {
                Some(
                    items
                        .into_iter()
                        .map(cause)
                        .collect::<Result<Vec<_>, _>>()?,
                )
            };
            ChunkSpec::Causes {
                ty: if is_abort { ty::ABORT } else { ty::ERROR },
                flags,
                causes,
            }
        }
        "SHUTDOWN" => ChunkSpec::Shutdown {
            flags: f8(f.need("flgs")?, "flags")?,
            cum_tsn: f32_(f.need("cum_tsn")?, "cum_tsn")?,
        },
        "SHUTDOWN_ACK" | "COOKIE_ACK" => ChunkSpec::Empty {
            ty: if it.name == "SHUTDOWN_ACK" {
                ty::SHUTDOWN_ACK
            } else {
                ty::COOKIE_ACK
            },
            flags: f8(f.need("flgs")?, "flags")?,
        },
        "SHUTDOWN_COMPLETE" => ChunkSpec::Empty {
            ty: ty::SHUTDOWN_COMPLETE,
            flags: flags(f.need("flgs")?, T_FLAG)?,
        },
        "COOKIE_ECHO" => {
            let flags = f8(f.need("flgs")?, "flags")?;
            let len = f16(f.need("len")?, "length")?;
            let val = bytes_list(f.need("val")?)?;
            if let (F::Is(l), Some(v)) = (len, &val) {
                if l as usize != 4 + v.len() {
                    return err(it.pos, "length does not match the value");
                }
            }
            ChunkSpec::CookieEcho { flags, len, val }
        }
        "ECNE" | "CWR" => ChunkSpec::Lowest {
            ty: if it.name == "ECNE" { ty::ECNE } else { ty::CWR },
            flags: f8(f.need("flgs")?, "flags")?,
            tsn: f32_(f.need("tsn")?, "tsn")?,
        },
        other => match crate::ext::chunk(it) {
            Some(c) => {
                return Ok(Chunk {
                    spec: ChunkSpec::Ext(c?),
                    pos: it.pos,
                    text: item_text(it),
                })
            }
            None => return err(it.pos, format!("unsupported chunk {other}")),
        },
    };
    f.done()?;
    Ok(Chunk {
        spec,
        pos: it.pos,
        text: item_text(it),
    })
}

impl ChunkSpec {
    /// The chunk type (`None` for `CHUNK[type=...]`).
    pub fn ty(&self) -> Option<u8> {
        Some(match self {
            ChunkSpec::Generic { ty, .. } => match ty {
                F::Any => return None,
                F::Is(t) => *t,
            },
            ChunkSpec::Data { .. } => ty::DATA,
            ChunkSpec::Init { ack, .. } => {
                if *ack {
                    ty::INIT_ACK
                } else {
                    ty::INIT
                }
            }
            ChunkSpec::Sack { .. } => ty::SACK,
            ChunkSpec::Heartbeat { ack, .. } => {
                if *ack {
                    ty::HEARTBEAT_ACK
                } else {
                    ty::HEARTBEAT
                }
            }
            ChunkSpec::Causes { ty, .. }
            | ChunkSpec::Empty { ty, .. }
            | ChunkSpec::Lowest { ty, .. } => *ty,
            ChunkSpec::Shutdown { .. } => ty::SHUTDOWN,
            ChunkSpec::CookieEcho { .. } => ty::COOKIE_ECHO,
            ChunkSpec::Ext(e) => e.ty,
        })
    }

    /// The flags field.
    pub fn flags(&self) -> F<u8> {
        match self {
            ChunkSpec::Generic { flags, .. }
            | ChunkSpec::Data { flags, .. }
            | ChunkSpec::Init { flags, .. }
            | ChunkSpec::Sack { flags, .. }
            | ChunkSpec::Heartbeat { flags, .. }
            | ChunkSpec::Causes { flags, .. }
            | ChunkSpec::Shutdown { flags, .. }
            | ChunkSpec::Empty { flags, .. }
            | ChunkSpec::CookieEcho { flags, .. }
            | ChunkSpec::Lowest { flags, .. } => *flags,
            ChunkSpec::Ext(e) => e.flags,
        }
    }

    /// Whether the value is `...` (COOKIE_ECHO and HEARTBEAT_ACK then carry
    /// what the endpoint last sent).
    pub fn value_unchecked(&self) -> bool {
        match self {
            ChunkSpec::CookieEcho { val, .. } => val.is_none(),
            ChunkSpec::Heartbeat { info, .. } => info.check_value.is_none(),
            _ => false,
        }
    }

    /// The chunk's bytes as injected (no padding; the Length as the script
    /// says), whether its Length is checked, and whether its value is.
    pub fn encode_checked(&self) -> (Vec<u8>, bool, bool) {
        if let ChunkSpec::Ext(e) = self {
            return e.encode(0);
        }
        let t = self.ty().unwrap_or(0);
        let fl = self.flags().or_zero();
        let mut value = Vec::new();
        let mut len_checked = true;
        let mut val_checked = true;
        let mut explicit_len = None;
        match self {
            ChunkSpec::Generic { len, val, .. } => {
                match val {
                    Some(v) => value.extend_from_slice(v),
                    None => val_checked = false,
                }
                match len {
                    F::Is(l) => {
                        explicit_len = Some(*l);
                        if value.len() < *l as usize - 4 && val.is_none() {
                            value.resize(*l as usize - 4, 0);
                        }
                    }
                    F::Any => len_checked = false,
                }
            }
            ChunkSpec::Data {
                len,
                tsn,
                sid,
                ssn,
                ppid,
                ..
            } => {
                value.extend_from_slice(&tsn.or_zero().to_be_bytes());
                value.extend_from_slice(&sid.or_zero().to_be_bytes());
                value.extend_from_slice(&ssn.or_zero().to_be_bytes());
                value.extend_from_slice(&ppid.or_zero().to_be_bytes());
                match len {
                    F::Is(l) => value.resize(*l as usize - 4, 0),
                    F::Any => {
                        len_checked = false;
                        val_checked = false;
                    }
                }
            }
            ChunkSpec::Init {
                tag,
                a_rwnd,
                os,
                is,
                tsn,
                params,
                ..
            } => {
                value.extend_from_slice(&tag.or_zero().to_be_bytes());
                value.extend_from_slice(&a_rwnd.or_zero().to_be_bytes());
                value.extend_from_slice(&os.or_zero().to_be_bytes());
                value.extend_from_slice(&is.or_zero().to_be_bytes());
                value.extend_from_slice(&tsn.or_zero().to_be_bytes());
                match params {
                    Some(p) => {
                        value.extend_from_slice(&concat_tlvs(p));
                        len_checked = p.iter().all(|t| t.check_len.is_some());
                    }
                    None => len_checked = false,
                }
            }
            ChunkSpec::Sack {
                cum_tsn,
                a_rwnd,
                gaps,
                dups,
                ..
            } => {
                let g = gaps.clone().unwrap_or_default();
                let d = dups.clone().unwrap_or_default();
                value.extend_from_slice(&cum_tsn.or_zero().to_be_bytes());
                value.extend_from_slice(&a_rwnd.or_zero().to_be_bytes());
                value.extend_from_slice(&(g.len() as u16).to_be_bytes());
                value.extend_from_slice(&(d.len() as u16).to_be_bytes());
                for (a, b) in g {
                    value.extend_from_slice(&a.to_be_bytes());
                    value.extend_from_slice(&b.to_be_bytes());
                }
                for t in d {
                    value.extend_from_slice(&t.to_be_bytes());
                }
                len_checked = gaps.is_some() && dups.is_some();
            }
            ChunkSpec::Heartbeat { info, .. } => {
                value.extend_from_slice(&info.bytes);
                len_checked = info.check_len.is_some();
                val_checked = info.check_value.is_some();
            }
            ChunkSpec::Causes { causes, .. } => match causes {
                Some(c) => {
                    value.extend_from_slice(&concat_tlvs(c));
                    len_checked = c.iter().all(|t| t.check_len.is_some());
                    val_checked = c.iter().all(|t| t.check_value.is_some() && t.ty.is_some());
                }
                None => {
                    len_checked = false;
                    val_checked = false;
                }
            },
            ChunkSpec::Shutdown { cum_tsn, .. } => {
                value.extend_from_slice(&cum_tsn.or_zero().to_be_bytes())
            }
            ChunkSpec::Empty { .. } => {}
            ChunkSpec::CookieEcho { len, val, .. } => {
                match val {
                    Some(v) => value.extend_from_slice(v),
                    None => {
                        val_checked = false;
                        if let F::Is(l) = len {
                            value.resize((*l as usize).saturating_sub(4), 0);
                        }
                    }
                }
                if *len == F::Any {
                    len_checked = false;
                }
            }
            ChunkSpec::Lowest { tsn, .. } => value.extend_from_slice(&tsn.or_zero().to_be_bytes()),
            ChunkSpec::Ext(_) => unreachable!("encoded above"),
        }
        let length = explicit_len.unwrap_or((4 + value.len()) as u16);
        let mut b = Vec::with_capacity(4 + value.len());
        b.push(t);
        b.push(fl);
        b.extend_from_slice(&length.to_be_bytes());
        b.extend_from_slice(&value);
        (b, len_checked, val_checked)
    }
}

/// Live-to-script mapping of an outbound chunk's numbers (packetdrill's
/// `map_outbound_live_sctp_packet`).
#[derive(Debug, Clone, Copy, Default)]
pub struct OutMap {
    /// Script minus live local initial TSN.
    pub local_diff: u32,
    /// Script minus live remote initial TSN.
    pub remote_diff: u32,
    /// Our live Initiate Tag and the script's name for it.
    pub local_tag: (u32, u32),
}

impl OutMap {
    pub(crate) fn local(&self, tsn: u32) -> u32 {
        tsn.wrapping_add(self.local_diff)
    }
    pub(crate) fn remote(&self, tsn: u32) -> u32 {
        tsn.wrapping_add(self.remote_diff)
    }
    fn tag(&self, t: u32) -> u32 {
        if t == self.local_tag.0 {
            self.local_tag.1
        } else {
            t
        }
    }
}

fn be16(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .map_or(0, |s| u16::from_be_bytes([s[0], s[1]]))
}
fn be32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn check<T: PartialEq + std::fmt::Display + Copy>(
    name: &str,
    want: F<T>,
    got: T,
) -> Result<(), String> {
    match want {
        F::Is(w) if w != got => Err(format!("{name}: expected {w}, got {got}")),
        _ => Ok(()),
    }
}

/// TLVs in `b` (type, length, value without padding); stops at a Length
/// that cannot be followed.
pub fn tlvs(b: &[u8]) -> Vec<(u16, u16, &[u8])> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 4 <= b.len() {
        let t = be16(b, at);
        let l = be16(b, at + 2) as usize;
        if l < 4 || at + l > b.len() {
            break;
        }
        out.push((t, l as u16, &b[at + 4..at + l]));
        at += l + pad4(l);
    }
    out
}

fn verify_tlvs(what: &str, want: &[TlvSpec], b: &[u8]) -> Result<(), String> {
    let got = tlvs(b);
    for (k, (w, (t, l, v))) in want.iter().zip(got.iter()).enumerate() {
        if let Some(wt) = w.ty {
            if wt != *t {
                return Err(format!(
                    "{what} {}: expected type {wt:#06x}, got {t:#06x}",
                    k + 1
                ));
            }
        }
        if let Some(wl) = w.check_len {
            if wl != *l {
                return Err(format!(
                    "{what} {} (type {t:#06x}): expected length {wl}, got {l}",
                    k + 1
                ));
            }
        }
        if let Some(wv) = &w.check_value {
            let n = v.len().min(wv.len());
            if wv[..n] != v[..n] || wv.len() < v.len() {
                return Err(format!(
                    "{what} {} (type {t:#06x}): value not as expected",
                    k + 1
                ));
            }
        }
    }
    if want.len() != got.len() {
        return Err(format!(
            "expected {} {what}s, got {}",
            want.len(),
            got.len()
        ));
    }
    Ok(())
}

/// Compares a chunk the endpoint sent with the script's spec; the error
/// names the first field that differs.
pub fn verify(spec: &ChunkSpec, c: &ChunkView<'_>, m: &OutMap) -> Result<(), String> {
    let (bytes, len_checked, _) = spec.encode_checked();
    if let Some(t) = spec.ty() {
        if t != c.ty() {
            return Err(format!(
                "chunk type: expected {}, got {}",
                chunk_type_name(t).map_or_else(|| t.to_string(), str::to_string),
                chunk_type_name(c.ty()).map_or_else(|| c.ty().to_string(), str::to_string)
            ));
        }
    }
    check("flgs", spec.flags(), c.flags())?;
    if len_checked {
        check("len", F::Is(be16(&bytes, 2)), c.length())?;
    }
    let v = c.value();
    match spec {
        ChunkSpec::Generic { val, .. } => {
            if let Some(want) = val {
                let n = want.len().min(v.len());
                if want[..n] != v[..n] || want.len() > v.len() {
                    return Err("val: not as expected".into());
                }
            }
        }
        ChunkSpec::Data {
            tsn,
            sid,
            ssn,
            ppid,
            ..
        } => {
            check("tsn", *tsn, m.local(be32(v, 0)))?;
            check("sid", *sid, be16(v, 4))?;
            check("ssn", *ssn, be16(v, 6))?;
            check("ppid", *ppid, be32(v, 8))?;
        }
        ChunkSpec::Init {
            tag,
            a_rwnd,
            os,
            is,
            tsn,
            params,
            ..
        } => {
            if v.len() < 16 {
                return Err("chunk too short".into());
            }
            check("tag", *tag, m.tag(be32(v, 0)))?;
            check("a_rwnd", *a_rwnd, be32(v, 4))?;
            check("os", *os, be16(v, 8))?;
            check("is", *is, be16(v, 10))?;
            check("tsn", *tsn, m.local(be32(v, 12)))?;
            if let Some(p) = params {
                verify_tlvs("parameter", p, &v[16..])?;
            }
        }
        ChunkSpec::Sack {
            cum_tsn,
            a_rwnd,
            gaps,
            dups,
            ..
        } => {
            let Some(s) = c.sack() else {
                return Err("SACK too short".into());
            };
            check("cum_tsn", *cum_tsn, m.remote(s.cum_tsn_ack()))?;
            check("a_rwnd", *a_rwnd, s.a_rwnd())?;
            if let Some(g) = gaps {
                let got: Vec<(u16, u16)> = s.gap_blocks().collect();
                if *g != got {
                    return Err(format!(
                        "gaps: expected {}, got {}",
                        gaps_text(g),
                        gaps_text(&got)
                    ));
                }
            }
            if let Some(d) = dups {
                let got: Vec<u32> = s.dup_tsns().map(|t| m.remote(t)).collect();
                if *d != got {
                    return Err(format!("dups: expected {d:?}, got {got:?}"));
                }
            }
        }
        ChunkSpec::Heartbeat { info, .. } => {
            verify_tlvs("parameter", std::slice::from_ref(info), v)?
        }
        ChunkSpec::Causes { causes, .. } => {
            if let Some(cs) = causes {
                verify_tlvs("cause", cs, v)?;
            }
        }
        ChunkSpec::Shutdown { cum_tsn, .. } => check("cum_tsn", *cum_tsn, m.remote(be32(v, 0)))?,
        ChunkSpec::Empty { .. } => {}
        ChunkSpec::CookieEcho { val, .. } => {
            if let Some(want) = val {
                if want[..] != v[..] {
                    return Err("val: not as expected".into());
                }
            }
        }
        // ECNE names the receiver's TSN (the peer's, in one we send); CWR
        // echoes it back, so the one we send names ours (RFC 9260 A).
        ChunkSpec::Lowest { ty: t, tsn, .. } if *t == ty::CWR => {
            check("tsn", *tsn, m.local(be32(v, 0)))?
        }
        ChunkSpec::Lowest { tsn, .. } => check("tsn", *tsn, m.remote(be32(v, 0)))?,
        ChunkSpec::Ext(e) => e.verify(v, m)?,
    }
    Ok(())
}

fn gaps_text(g: &[(u16, u16)]) -> String {
    let parts: Vec<String> = g.iter().map(|(a, b)| format!("{a}:{b}")).collect();
    format!("[{}]", parts.join(", "))
}

fn bytes_text(b: &[u8]) -> String {
    if b.len() > 16 {
        return "...".into();
    }
    let parts: Vec<String> = b.iter().map(|x| format!("{x:#04x}")).collect();
    format!("[{}]", parts.join(", "))
}

fn data_flags_text(f: u8) -> String {
    let mut s = String::new();
    for (c, bit) in DATA_FLAGS {
        if f & bit != 0 {
            s.push(*c);
        }
    }
    if s.is_empty() || f & 0xf0 != 0 {
        format!("{f:#04x}")
    } else {
        s
    }
}

/// A parameter in script notation.
pub fn param_text(t: u16, v: &[u8]) -> String {
    match t {
        1 => format!("HEARTBEAT_INFORMATION[len={}, val=...]", v.len() + 4),
        5 if v.len() == 4 => format!(
            "IPV4_ADDRESS[addr={}]",
            std::net::Ipv4Addr::new(v[0], v[1], v[2], v[3])
        ),
        6 if v.len() == 16 => {
            let mut o = [0u8; 16];
            o.copy_from_slice(v);
            format!("IPV6_ADDRESS[addr={}]", std::net::Ipv6Addr::from(o))
        }
        7 => format!("STATE_COOKIE[len={}, val=...]", v.len() + 4),
        8 => format!(
            "UNRECOGNIZED_PARAMETER[params=[{}]]",
            tlvs(v)
                .iter()
                .map(|(t, _, v)| param_text(*t, v))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        9 if v.len() == 4 => format!("COOKIE_PRESERVATIVE[incr={}]", be32(v, 0)),
        11 => format!(
            "HOSTNAME_ADDRESS[addr=\"{}\"]",
            String::from_utf8_lossy(v).trim_end_matches('\0')
        ),
        12 => {
            let names: Vec<String> = v
                .chunks_exact(2)
                .map(|p| match u16::from_be_bytes([p[0], p[1]]) {
                    5 => "IPv4".into(),
                    6 => "IPv6".into(),
                    11 => "HOSTNAME".into(),
                    n => n.to_string(),
                })
                .collect();
            format!("SUPPORTED_ADDRESS_TYPES[types=[{}]]", names.join(", "))
        }
        0x8000 if v.is_empty() => "ECN_CAPABLE[]".into(),
        0xc000 if v.is_empty() => "FORWARD_TSN_SUPPORTED[]".into(),
        0xc006 if v.len() == 4 => format!(
            "ADAPTATION_INDICATION[adaptation_code_point={}]",
            be32(v, 0)
        ),
        0x8008 => {
            let names: Vec<String> = v
                .iter()
                .map(|t| chunk_type_name(*t).map_or_else(|| t.to_string(), str::to_string))
                .collect();
            format!("SUPPORTED_EXTENSIONS[types=[{}]]", names.join(", "))
        }
        _ => format!(
            "PARAMETER[type={t:#06x}, len={}, val={}]",
            v.len() + 4,
            bytes_text(v)
        ),
    }
}

/// An error cause in script notation.
pub fn cause_text(t: u16, v: &[u8]) -> String {
    match t {
        1 if v.len() >= 2 => format!("INVALID_STREAM_IDENTIFIER[sid={}]", be16(v, 0)),
        2 => {
            let types: Vec<String> = v
                .get(4..)
                .unwrap_or(&[])
                .chunks_exact(2)
                .map(|p| u16::from_be_bytes([p[0], p[1]]).to_string())
                .collect();
            format!("MISSING_MANDATORY_PARAMETER[types=[{}]]", types.join(", "))
        }
        3 if v.len() == 4 => format!("STALE_COOKIE_ERROR[staleness={}]", be32(v, 0)),
        4 => "OUT_OF_RESOURCE[]".into(),
        5 => match tlvs(v).first() {
            Some((pt, _, pv)) => format!("UNRESOLVABLE_ADDRESS[param={}]", param_text(*pt, pv)),
            None => format!("UNRESOLVABLE_ADDRESS[param={}]", bytes_text(v)),
        },
        6 if v.len() >= 4 => {
            let l = (be16(v, 2) as usize).clamp(4, v.len());
            format!(
                "UNRECOGNIZED_CHUNK_TYPE[chk=CHUNK[type={:#04x}, flgs={:#04x}, len={}, val={}]]",
                v[0],
                v[1],
                be16(v, 2),
                bytes_text(&v[4..l])
            )
        }
        7 => "INVALID_MANDATORY_PARAMETER[]".into(),
        8 => format!(
            "UNRECOGNIZED_PARAMETERS[params=[{}]]",
            tlvs(v)
                .iter()
                .map(|(t, _, v)| param_text(*t, v))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        9 if v.len() == 4 => format!("NO_USER_DATA[tsn={}]", be32(v, 0)),
        10 => "COOKIE_RECEIVED_WHILE_SHUTDOWN[]".into(),
        12 => format!(
            "USER_INITIATED_ABORT[info=\"{}\"]",
            String::from_utf8_lossy(v)
        ),
        13 => format!(
            "PROTOCOL_VIOLATION[info=\"{}\"]",
            String::from_utf8_lossy(v)
        ),
        _ => format!(
            "CAUSE[code={t:#06x}, len={}, info={}]",
            v.len() + 4,
            bytes_text(v)
        ),
    }
}

/// A chunk the endpoint sent, in script notation, its numbers mapped to the
/// script's (so it reads like the line it is compared with).
pub fn chunk_text(c: &ChunkView<'_>, m: &OutMap) -> String {
    let v = c.value();
    let f = c.flags();
    let short = || {
        format!(
            "CHUNK[type={:#04x}, flgs={f:#04x}, len={}, val={}]",
            c.ty(),
            c.length(),
            bytes_text(v)
        )
    };
    if let Some(t) = crate::ext::text(c, m) {
        return t;
    }
    match c.ty() {
        ty::DATA if v.len() >= 12 => format!(
            "DATA[flgs={}, len={}, tsn={}, sid={}, ssn={}, ppid={}]",
            data_flags_text(f),
            c.length(),
            m.local(be32(v, 0)),
            be16(v, 4),
            be16(v, 6),
            be32(v, 8)
        ),
        ty::INIT | ty::INIT_ACK if v.len() >= 16 => {
            let mut s = format!(
                "{}[flgs={f}, tag={}, a_rwnd={}, os={}, is={}, tsn={}",
                if c.ty() == ty::INIT {
                    "INIT"
                } else {
                    "INIT_ACK"
                },
                m.tag(be32(v, 0)),
                be32(v, 4),
                be16(v, 8),
                be16(v, 10),
                m.local(be32(v, 12))
            );
            for (t, _, pv) in tlvs(&v[16..]) {
                s.push_str(", ");
                s.push_str(&param_text(t, pv));
            }
            s.push(']');
            s
        }
        ty::SACK => match c.sack() {
            Some(sk) => format!(
                "SACK[flgs={f}, cum_tsn={}, a_rwnd={}, gaps={}, dups={:?}]",
                m.remote(sk.cum_tsn_ack()),
                sk.a_rwnd(),
                gaps_text(&sk.gap_blocks().collect::<Vec<_>>()),
                sk.dup_tsns().map(|t| m.remote(t)).collect::<Vec<_>>()
            ),
            None => short(),
        },
        ty::HEARTBEAT | ty::HEARTBEAT_ACK => format!(
            "{}[flgs={f}, {}]",
            if c.ty() == ty::HEARTBEAT {
                "HEARTBEAT"
            } else {
                "HEARTBEAT_ACK"
            },
            tlvs(v)
                .iter()
                .map(|(t, _, pv)| param_text(*t, pv))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ty::ABORT | ty::ERROR => {
            let mut s = format!(
                "{}[flgs={}",
                if c.ty() == ty::ABORT {
                    "ABORT"
                } else {
                    "ERROR"
                },
                if c.ty() == ty::ABORT && f == 1 {
                    "T".to_string()
                } else {
                    f.to_string()
                }
            );
            for (t, _, cv) in tlvs(v) {
                s.push_str(", ");
                s.push_str(&cause_text(t, cv));
            }
            s.push(']');
            s
        }
        ty::SHUTDOWN if v.len() >= 4 => {
            format!("SHUTDOWN[flgs={f}, cum_tsn={}]", m.remote(be32(v, 0)))
        }
        ty::SHUTDOWN_ACK => format!("SHUTDOWN_ACK[flgs={f}]"),
        ty::COOKIE_ACK => format!("COOKIE_ACK[flgs={f}]"),
        ty::SHUTDOWN_COMPLETE => format!(
            "SHUTDOWN_COMPLETE[flgs={}]",
            if f == 1 {
                "T".to_string()
            } else {
                f.to_string()
            }
        ),
        ty::COOKIE_ECHO => format!("COOKIE_ECHO[flgs={f}, len={}, val=...]", c.length()),
        ty::ECNE | ty::CWR if v.len() >= 4 => format!(
            "{}[flgs={f}, tsn={}]",
            if c.ty() == ty::ECNE { "ECNE" } else { "CWR" },
            if c.ty() == ty::ECNE {
                m.remote(be32(v, 0))
            } else {
                m.local(be32(v, 0))
            }
        ),
        _ => short(),
    }
}
