//! The extension chunks in packetdrill's notation (nplab packetdrill
//! `parser.y`): `I_DATA` (RFC 8260 2.1), `FORWARD_TSN` (RFC 3758 3.2),
//! `I_FORWARD_TSN` (RFC 8260 2.3), `NR_SACK` (draft-tuexen-tsvwg-sctp-
//! multipath 4.2), `PAD` (RFC 4820 3) and `RECONFIG` (RFC 6525 3.1) with
//! its request and response parameters (RFC 6525 4). packetdrill has no
//! notation for AUTH (RFC 4895 4.1) or ASCONF (RFC 5061 4.1): scripts write
//! them as `CHUNK[type=AUTH, flgs=..., len=..., val=...]`.
//!
//! Each chunk is a list of fixed fields followed by a tail (payload, gap
//! blocks, stream entries or parameters); a field that holds a TSN says
//! whose, so that it is mapped as the base chunks' TSNs are: the sender's
//! (our TSNs in a chunk we send) or the receiver's. RE-CONFIG request and
//! response sequence numbers start at the initial TSN (RFC 6525 3.1) and
//! are mapped the same way, as packetdrill's `run_packet.c` does.

use std::net::IpAddr;

use sctp_codec::chunk::ty;
use sctp_codec::view::ChunkView;

use crate::ast::{Item, Value};
use crate::lexer::{Pos, SyntaxError};
use crate::spec::{Fields, OutMap, F};

/// Whose TSN a field holds (RFC 9260 3.3: TSNs are the DATA sender's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Not a TSN.
    No,
    /// A TSN of the chunk's sender.
    Sender,
    /// A TSN of the chunk's receiver (an acknowledgement).
    Receiver,
}

/// One fixed field.
#[derive(Debug, Clone, PartialEq)]
pub struct Fld {
    /// Its name in the notation.
    pub name: &'static str,
    /// Bytes on the wire (1, 2 or 4).
    pub width: usize,
    /// The value (`...`: anything).
    pub v: F<u32>,
    /// Whose TSN it is.
    pub side: Side,
}

/// What follows the fixed fields.
#[derive(Debug, Clone, PartialEq)]
pub enum Tail {
    /// Nothing.
    None,
    /// Zero bytes up to the chunk's Length (user data, padding): not compared.
    Zeros,
    /// NR-SACK's Gap Ack Blocks, NR Gap Ack Blocks and Duplicate TSNs
    /// (`None`: `...`).
    Blocks {
        /// Gap Ack Blocks.
        gaps: Option<Vec<(u16, u16)>>,
        /// NR Gap Ack Blocks.
        nr_gaps: Option<Vec<(u16, u16)>>,
        /// Duplicate TSNs.
        dups: Option<Vec<u32>>,
    },
    /// FORWARD-TSN / I-FORWARD-TSN stream entries of these field widths.
    Ids {
        /// The entries (`None`: `...`).
        ids: Option<Vec<Vec<F<u32>>>>,
        /// The width of each field of an entry.
        widths: &'static [usize],
    },
    /// RE-CONFIG parameters (`None`: `...`).
    Params(Option<Vec<ReconfigParam>>),
}

/// A RE-CONFIG request or response parameter (RFC 6525 4), or an ASCONF
/// parameter (RFC 5061 4.2).
#[derive(Debug, Clone, PartialEq)]
pub struct ReconfigParam {
    /// Parameter Type.
    pub ty: u16,
    /// Fixed fields.
    pub fields: Vec<Fld>,
    /// The stream list of an SSN reset request (`None`: not given, not checked).
    pub sids: Option<Vec<u16>>,
    /// An address: the parameter's own value (IPV4_ADDRESS, IPV6_ADDRESS)
    /// or a nested address parameter after the fields (ADD_IP_ADDRESS...);
    /// `None` inside: `addr=...`.
    pub addr: Option<Option<IpAddr>>,
    /// The rest of the value is not checked (ERROR_CAUSE_INDICATION's causes).
    pub rest_unchecked: bool,
}

/// An extension chunk as the script gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtChunk {
    /// Chunk Type.
    pub ty: u8,
    /// Chunk Flags.
    pub flags: F<u8>,
    /// Chunk Length, when the notation gives it (I_DATA, PAD).
    pub len: Option<F<u16>>,
    /// Fixed fields after the chunk header.
    pub fields: Vec<Fld>,
    /// The rest.
    pub tail: Tail,
}

fn err<T>(pos: Pos, m: impl Into<String>) -> Result<T, SyntaxError> {
    Err(SyntaxError {
        pos,
        message: m.into(),
    })
}

fn num(v: (&Value, Pos), max: u64, what: &str) -> Result<F<u32>, SyntaxError> {
    match v.0 {
        Value::Ellipsis => Ok(F::Any),
        Value::Int(n) if *n >= 0 && (*n as u64) <= max => Ok(F::Is(*n as u32)),
        Value::Int(_) => err(v.1, format!("{what} value out of range")),
        _ => err(v.1, format!("{what} must be a number or ...")),
    }
}

fn fld(
    f: &mut Fields<'_>,
    name: &'static str,
    width: usize,
    side: Side,
) -> Result<Fld, SyntaxError> {
    let max = if width == 4 {
        u32::MAX as u64
    } else {
        (1u64 << (8 * width)) - 1
    };
    Ok(Fld {
        name,
        width,
        v: num(f.need(name)?, max, name)?,
        side,
    })
}

/// I-DATA flags: the DATA letters (RFC 8260 2.1 keeps them).
const DATA_FLAGS: &[(char, u8)] = &[('I', 8), ('U', 4), ('B', 2), ('E', 1)];

fn flags(v: (&Value, Pos), letters: &[(char, u8)]) -> Result<F<u8>, SyntaxError> {
    match v.0 {
        Value::Word(w) if !letters.is_empty() => {
            let mut fl = 0u8;
            for c in w.chars() {
                match letters.iter().find(|(l, _)| *l == c) {
                    Some((_, b)) => fl |= b,
                    None => return err(v.1, format!("unknown flag {c}")),
                }
            }
            Ok(F::Is(fl))
        }
        _ => Ok(match num(v, 0xff, "flags")? {
            F::Any => F::Any,
            F::Is(n) => F::Is(n as u8),
        }),
    }
}

fn blocks(v: (&Value, Pos), what: &str) -> Result<Option<Vec<(u16, u16)>>, SyntaxError> {
    match v.0 {
        Value::Ellipsis => Ok(None),
        Value::List(l) if l.len() == 1 && l[0].0 == Value::Ellipsis => Ok(None),
        Value::List(l) => l
            .iter()
            .map(|(x, p)| match x {
                Value::Pair(a, b) if (0..=0xffff).contains(a) && (0..=0xffff).contains(b) => {
                    Ok((*a as u16, *b as u16))
                }
                _ => err(*p, format!("{what}: expected a gap block start:end")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        _ => err(v.1, format!("{what} must be a list or ...")),
    }
}

fn u32_list(v: (&Value, Pos), what: &str, max: i64) -> Result<Option<Vec<u32>>, SyntaxError> {
    match v.0 {
        Value::Ellipsis => Ok(None),
        Value::List(l) if l.len() == 1 && l[0].0 == Value::Ellipsis => Ok(None),
        Value::List(l) => l
            .iter()
            .map(|(x, p)| match x {
                Value::Int(n) if (0..=max).contains(n) => Ok(*n as u32),
                _ => err(*p, format!("{what}: value out of range")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        _ => err(v.1, format!("{what} must be a list or ...")),
    }
}

/// The extension chunk named by `it`, or `None` when it is not one.
pub fn chunk(it: &Item) -> Option<Result<ExtChunk, SyntaxError>> {
    let t = match it.name.as_str() {
        "I_DATA" => ty::I_DATA,
        "FORWARD_TSN" => ty::FORWARD_TSN,
        "I_FORWARD_TSN" => ty::I_FORWARD_TSN,
        "NR_SACK" => ty::NR_SACK,
        "PAD" => ty::PAD,
        "RECONFIG" => ty::RE_CONFIG,
        "ASCONF" => ty::ASCONF,
        "ASCONF_ACK" => ty::ASCONF_ACK,
        _ => return None,
    };
    Some(parse(it, t))
}

fn parse(it: &Item, t: u8) -> Result<ExtChunk, SyntaxError> {
    let mut f = Fields::new(it);
    let mut c = ExtChunk {
        ty: t,
        flags: F::Is(0),
        len: None,
        fields: Vec::new(),
        tail: Tail::None,
    };
    match t {
        ty::I_DATA => {
            c.flags = flags(f.need("flgs")?, DATA_FLAGS)?;
            let len = num(f.need("len")?, 0xffff, "length")?;
            if let F::Is(l) = len {
                if l < 20 {
                    return err(it.pos, "length value out of range");
                }
            }
            c.len = Some(match len {
                F::Any => F::Any,
                F::Is(l) => F::Is(l as u16),
            });
            c.fields.push(fld(&mut f, "tsn", 4, Side::Sender)?);
            c.fields.push(fld(&mut f, "sid", 2, Side::No)?);
            c.fields.push(Fld {
                name: "reserved",
                width: 2,
                v: F::Any,
                side: Side::No,
            });
            c.fields.push(fld(&mut f, "mid", 4, Side::No)?);
            // The last word is the PPID in a first fragment, the FSN in the
            // others (RFC 8260 2.1); the notation names the one it means.
            c.fields.push(if f.has("fsn") {
                fld(&mut f, "fsn", 4, Side::No)?
            } else {
                fld(&mut f, "ppid", 4, Side::No)?
            });
            c.tail = Tail::Zeros;
        }
        ty::PAD => {
            c.flags = flags(f.need("flgs")?, &[])?;
            let len = num(f.need("len")?, 0xffff, "length")?;
            c.len = Some(match len {
                F::Any => F::Any,
                F::Is(l) if l >= 4 => F::Is(l as u16),
                F::Is(_) => return err(it.pos, "length value out of range"),
            });
            match f.need("val")? {
                (Value::Ellipsis, _) => {}
                (_, p) => return err(p, "PAD takes val=..."),
            }
            c.tail = Tail::Zeros;
        }
        ty::FORWARD_TSN | ty::I_FORWARD_TSN => {
            // packetdrill gives neither flags nor length for these.
            c.fields.push(fld(&mut f, "cum_tsn", 4, Side::Sender)?);
            let widths: &'static [usize] = if t == ty::FORWARD_TSN {
                &[2, 2]
            } else {
                &[2, 2, 4]
            };
            let (v, p) = f.need("ids")?;
            let ids = match v {
                Value::Ellipsis => None,
                Value::List(l) if l.len() == 1 && l[0].0 == Value::Ellipsis => None,
                Value::List(l) => {
                    let mut out = Vec::new();
                    for (x, xp) in l {
                        let Value::Tuple(parts) = x else {
                            return err(*xp, "expected {sid, ...} entries");
                        };
                        if parts.len() != widths.len() {
                            return err(*xp, format!("an entry has {} numbers", widths.len()));
                        }
                        let mut e = Vec::new();
                        for ((pv, pp), w) in parts.iter().zip(widths) {
                            let max = if *w == 4 { u32::MAX as u64 } else { 0xffff };
                            e.push(num((pv, *pp), max, "ids")?);
                        }
                        out.push(e);
                    }
                    Some(out)
                }
                _ => return err(p, "ids must be a list or ..."),
            };
            c.tail = Tail::Ids { ids, widths };
        }
        ty::NR_SACK => {
            c.flags = flags(f.need("flgs")?, &[])?;
            c.fields.push(fld(&mut f, "cum_tsn", 4, Side::Receiver)?);
            c.fields.push(fld(&mut f, "a_rwnd", 4, Side::No)?);
            let gaps = blocks(f.need("gaps")?, "gaps")?;
            let nr_gaps = blocks(f.need("nr_gaps")?, "nr_gaps")?;
            let dups = u32_list(f.need("dups")?, "dups", u32::MAX as i64)?;
            c.tail = Tail::Blocks {
                gaps,
                nr_gaps,
                dups,
            };
        }
        _ => {
            // RECONFIG[flgs=, PARAM[...], ...] or RECONFIG[flgs=, ...];
            // ASCONF[flgs=, serial=, ...] and ASCONF_ACK likewise (RFC 5061
            // 5.2.1: the serial number starts at the initial TSN; an
            // ASCONF-ACK echoes ours).
            c.flags = flags(f.need("flgs")?, &[])?;
            if t == ty::ASCONF || t == ty::ASCONF_ACK {
                let side = if t == ty::ASCONF {
                    Side::Sender
                } else {
                    Side::Receiver
                };
                c.fields.push(fld(&mut f, "serial", 4, side)?);
            }
            let (items, ell) = f.rest();
            c.tail = Tail::Params(if ell && items.is_empty() {
                None
            } else if ell {
                return err(it.pos, "... stands for all the parameters");
            } else {
                Some(
                    items
                        .into_iter()
                        .map(reconfig_param)
                        .collect::<Result<Vec<_>, _>>()?,
                )
            });
        }
    }
    f.done()?;
    Ok(c)
}

fn addr_value(v: (&Value, Pos)) -> Result<Option<IpAddr>, SyntaxError> {
    match v.0 {
        Value::Ellipsis => Ok(None),
        Value::Addr(a) => Ok(Some(*a)),
        Value::Str(s) => s.parse().map(Some).or_else(|_| err(v.1, "not an address")),
        _ => err(v.1, "addr must be an address or ..."),
    }
}

fn corr(f: &mut Fields<'_>) -> Result<Vec<Fld>, SyntaxError> {
    Ok(vec![fld(f, "corr_id", 4, Side::No)?])
}

fn reconfig_param(it: &Item) -> Result<ReconfigParam, SyntaxError> {
    let mut f = Fields::new(it);
    let mut sids = None;
    let mut addr = None;
    let mut rest_unchecked = false;
    let (t, fields) = match it.name.as_str() {
        "IPV4_ADDRESS" | "IPV6_ADDRESS" => {
            addr = Some(addr_value(f.need("addr")?)?);
            (if it.name == "IPV4_ADDRESS" { 5 } else { 6 }, Vec::new())
        }
        "ADD_IP_ADDRESS" | "DELETE_IP_ADDRESS" | "SET_PRIMARY_ADDRESS" => {
            let v = corr(&mut f)?;
            let (items, ell) = f.rest();
            match (items.as_slice(), ell) {
                ([a], false) if a.name == "IPV4_ADDRESS" || a.name == "IPV6_ADDRESS" => {
                    addr = reconfig_param(a)?.addr;
                }
                _ => {
                    return err(
                        it.pos,
                        format!("{} needs one IPV4_ADDRESS[addr=...]", it.name),
                    )
                }
            }
            let t = match it.name.as_str() {
                "ADD_IP_ADDRESS" => 0xc001,
                "DELETE_IP_ADDRESS" => 0xc002,
                _ => 0xc004,
            };
            (t, v)
        }
        "SUCCESS_INDICATION" => (0xc005, corr(&mut f)?),
        "ERROR_CAUSE_INDICATION" => {
            let v = corr(&mut f)?;
            let (_, ell) = f.rest();
            if !ell {
                return err(it.pos, "ERROR_CAUSE_INDICATION[corr_id=, ...]");
            }
            rest_unchecked = true;
            (0xc003, v)
        }
        "OUTGOING_SSN_RESET" => {
            let v = vec![
                fld(&mut f, "req_sn", 4, Side::Sender)?,
                fld(&mut f, "resp_sn", 4, Side::Receiver)?,
                fld(&mut f, "last_tsn", 4, Side::Sender)?,
            ];
            (13, v)
        }
        "INCOMING_SSN_RESET" => (14, vec![fld(&mut f, "req_sn", 4, Side::Sender)?]),
        "SSN_TSN_RESET" => (15, vec![fld(&mut f, "req_sn", 4, Side::Sender)?]),
        "RECONFIG_RESPONSE" => {
            let mut v = vec![
                fld(&mut f, "resp_sn", 4, Side::Receiver)?,
                fld(&mut f, "result", 4, Side::No)?,
            ];
            if f.has("sender_next_tsn") {
                v.push(fld(&mut f, "sender_next_tsn", 4, Side::Sender)?);
                v.push(fld(&mut f, "receiver_next_tsn", 4, Side::Receiver)?);
            }
            (16, v)
        }
        "ADD_OUTGOING_STREAMS" | "ADD_INCOMING_STREAMS" => {
            let v = vec![
                fld(&mut f, "req_sn", 4, Side::Sender)?,
                fld(&mut f, "number_of_new_streams", 2, Side::No)?,
                Fld {
                    name: "reserved",
                    width: 2,
                    v: F::Any,
                    side: Side::No,
                },
            ];
            (
                if it.name == "ADD_OUTGOING_STREAMS" {
                    17
                } else {
                    18
                },
                v,
            )
        }
        other => return err(it.pos, format!("unknown RECONFIG parameter {other}")),
    };
    if t == 13 || t == 14 {
        if let Some(v) = f.get("sids") {
            sids = u32_list(v, "sids", 0xffff)?.map(|l| l.into_iter().map(|x| x as u16).collect());
        }
    }
    f.done()?;
    Ok(ReconfigParam {
        ty: t,
        fields,
        sids,
        addr,
        rest_unchecked,
    })
}

fn put(b: &mut Vec<u8>, width: usize, v: u32) {
    match width {
        1 => b.push(v as u8),
        2 => b.extend_from_slice(&(v as u16).to_be_bytes()),
        _ => b.extend_from_slice(&v.to_be_bytes()),
    }
}

fn get(b: &[u8], at: usize, width: usize) -> Option<u32> {
    let s = b.get(at..at + width)?;
    Some(s.iter().fold(0u32, |a, x| (a << 8) | *x as u32))
}

fn put_fields(b: &mut Vec<u8>, fields: &[Fld], receiver_diff: u32) {
    for x in fields {
        let mut v = x.v.or_zero();
        if x.side == Side::Receiver {
            v = v.wrapping_add(receiver_diff);
        }
        put(b, x.width, v);
    }
}

impl ExtChunk {
    /// The chunk as sent in an injected packet; `receiver_diff` maps the
    /// script's names of our TSNs (acknowledged by the peer) to the live
    /// ones. Returns the bytes, whether the Length is checked, and whether
    /// the value is.
    pub fn encode(&self, receiver_diff: u32) -> (Vec<u8>, bool, bool) {
        let mut v = Vec::new();
        let mut len_checked = true;
        put_fields(&mut v, &self.fields, receiver_diff);
        match &self.tail {
            Tail::None => {}
            Tail::Zeros => match self.len {
                Some(F::Is(l)) => v.resize((l as usize).saturating_sub(4).max(v.len()), 0),
                _ => len_checked = false,
            },
            Tail::Blocks {
                gaps,
                nr_gaps,
                dups,
            } => {
                let (g, n, d) = (
                    gaps.clone().unwrap_or_default(),
                    nr_gaps.clone().unwrap_or_default(),
                    dups.clone().unwrap_or_default(),
                );
                put(&mut v, 2, g.len() as u32);
                put(&mut v, 2, n.len() as u32);
                put(&mut v, 2, d.len() as u32);
                put(&mut v, 2, 0);
                for (a, z) in g.iter().chain(n.iter()) {
                    put(&mut v, 2, *a as u32);
                    put(&mut v, 2, *z as u32);
                }
                for t in d {
                    put(&mut v, 4, t.wrapping_add(receiver_diff));
                }
                len_checked = gaps.is_some() && nr_gaps.is_some() && dups.is_some();
            }
            Tail::Ids { ids, widths } => match ids {
                Some(l) => {
                    for e in l {
                        for (x, w) in e.iter().zip(widths.iter()) {
                            put(&mut v, *w, x.or_zero());
                        }
                    }
                }
                None => len_checked = false,
            },
            Tail::Params(ps) => match ps {
                Some(ps) => {
                    for (k, p) in ps.iter().enumerate() {
                        let mut pv = Vec::new();
                        put_fields(&mut pv, &p.fields, receiver_diff);
                        for s in p.sids.iter().flatten() {
                            put(&mut pv, 2, *s as u32);
                        }
                        if let Some(a) = &p.addr {
                            let bytes = match a {
                                Some(IpAddr::V4(x)) => x.octets().to_vec(),
                                Some(IpAddr::V6(x)) => x.octets().to_vec(),
                                None => {
                                    len_checked = false;
                                    vec![0; 4]
                                }
                            };
                            if p.ty == 5 || p.ty == 6 {
                                pv.extend_from_slice(&bytes);
                            } else {
                                put(&mut pv, 2, if bytes.len() == 4 { 5 } else { 6 });
                                put(&mut pv, 2, 4 + bytes.len() as u32);
                                pv.extend_from_slice(&bytes);
                            }
                        }
                        if p.rest_unchecked {
                            len_checked = false;
                        }
                        put(&mut v, 2, p.ty as u32);
                        put(&mut v, 2, 4 + pv.len() as u32);
                        v.extend_from_slice(&pv);
                        if k + 1 < ps.len() {
                            v.resize(v.len() + (4 - v.len() % 4) % 4, 0);
                        }
                        if p.sids.is_none() && (p.ty == 13 || p.ty == 14) {
                            len_checked = false;
                        }
                    }
                }
                None => len_checked = false,
            },
        }
        let length = match self.len {
            Some(F::Is(l)) => l,
            _ => 4 + v.len() as u16,
        };
        let mut b = vec![self.ty, self.flags.or_zero()];
        b.extend_from_slice(&length.to_be_bytes());
        b.extend_from_slice(&v);
        (b, len_checked, false)
    }

    /// Compares a chunk the endpoint sent (value `v`) with the script's.
    pub fn verify(&self, v: &[u8], m: &OutMap) -> Result<(), String> {
        let mut at = verify_fields(&self.fields, v, 0, m, "")?;
        match &self.tail {
            Tail::None | Tail::Zeros => {}
            Tail::Blocks {
                gaps,
                nr_gaps,
                dups,
            } => {
                let count = |k: usize| get(v, at + 2 * k, 2).unwrap_or(0) as usize;
                let (ng, nn, nd) = (count(0), count(1), count(2));
                at += 8;
                let block = |k: usize| {
                    (
                        get(v, at + 4 * k, 2).unwrap_or(0) as u16,
                        get(v, at + 4 * k + 2, 2).unwrap_or(0) as u16,
                    )
                };
                let got_g: Vec<_> = (0..ng).map(block).collect();
                let got_n: Vec<_> = (ng..ng + nn).map(block).collect();
                let d_at = at + 4 * (ng + nn);
                let got_d: Vec<u32> = (0..nd)
                    .map(|k| m.remote(get(v, d_at + 4 * k, 4).unwrap_or(0)))
                    .collect();
                if v.len() < d_at + 4 * nd {
                    return Err("NR_SACK shorter than its counts".into());
                }
                if let Some(g) = gaps {
                    if *g != got_g {
                        return Err(format!("gaps: expected {g:?}, got {got_g:?}"));
                    }
                }
                if let Some(g) = nr_gaps {
                    if *g != got_n {
                        return Err(format!("nr_gaps: expected {g:?}, got {got_n:?}"));
                    }
                }
                if let Some(d) = dups {
                    if *d != got_d {
                        return Err(format!("dups: expected {d:?}, got {got_d:?}"));
                    }
                }
            }
            Tail::Ids { ids, widths } => {
                if let Some(l) = ids {
                    let size: usize = widths.iter().sum();
                    let n = (v.len() - at.min(v.len())) / size;
                    if n != l.len() {
                        return Err(format!("ids: expected {} entries, got {n}", l.len()));
                    }
                    for (k, e) in l.iter().enumerate() {
                        let mut o = at + k * size;
                        for (x, w) in e.iter().zip(widths.iter()) {
                            let got = get(v, o, *w).unwrap_or(0);
                            if let F::Is(want) = x {
                                if *want != got {
                                    return Err(format!(
                                        "ids entry {}: expected {want}, got {got}",
                                        k + 1
                                    ));
                                }
                            }
                            o += w;
                        }
                    }
                }
            }
            Tail::Params(ps) => {
                if let Some(ps) = ps {
                    let mut k = 0;
                    while at + 4 <= v.len() {
                        let t = get(v, at, 2).unwrap_or(0) as u16;
                        let l = get(v, at + 2, 2).unwrap_or(0) as usize;
                        if l < 4 || at + l > v.len() {
                            return Err(format!("parameter {}: bad length {l}", k + 1));
                        }
                        let pv = &v[at + 4..at + l];
                        let Some(want) = ps.get(k) else {
                            return Err(format!(
                                "expected {} parameters, got more ({})",
                                ps.len(),
                                param_text(t, pv, m)
                            ));
                        };
                        if want.ty != t {
                            return Err(format!(
                                "parameter {}: expected {}, got {}",
                                k + 1,
                                param_name(want.ty),
                                param_text(t, pv, m)
                            ));
                        }
                        let end = verify_fields(&want.fields, pv, 0, m, param_name(t))?;
                        if let Some(Some(a)) = &want.addr {
                            let at_addr = if t == 5 || t == 6 { end } else { end + 4 };
                            let got = pv.get(at_addr..).unwrap_or(&[]);
                            let ok = match a {
                                IpAddr::V4(x) => got == x.octets(),
                                IpAddr::V6(x) => got == x.octets(),
                            };
                            if !ok {
                                return Err(format!(
                                    "{}: expected address {a}, got {}",
                                    param_name(t),
                                    param_text(t, pv, m)
                                ));
                            }
                        }
                        if let Some(s) = &want.sids {
                            let got: Vec<u16> = pv[end.min(pv.len())..]
                                .chunks_exact(2)
                                .map(|x| u16::from_be_bytes([x[0], x[1]]))
                                .collect();
                            if *s != got {
                                return Err(format!(
                                    "{} sids: expected {s:?}, got {got:?}",
                                    param_name(t)
                                ));
                            }
                        }
                        at += l + (4 - l % 4) % 4;
                        k += 1;
                    }
                    if k != ps.len() {
                        return Err(format!("expected {} parameters, got {k}", ps.len()));
                    }
                }
            }
        }
        Ok(())
    }
}

fn verify_fields(
    fields: &[Fld],
    v: &[u8],
    mut at: usize,
    m: &OutMap,
    what: &str,
) -> Result<usize, String> {
    for x in fields {
        let Some(raw) = get(v, at, x.width) else {
            return Err(format!("too short for {}", x.name));
        };
        let got = match x.side {
            Side::No => raw,
            Side::Sender => m.local(raw),
            Side::Receiver => m.remote(raw),
        };
        if let F::Is(want) = x.v {
            if want != got {
                let sep = if what.is_empty() { "" } else { " " };
                return Err(format!("{what}{sep}{}: expected {want}, got {got}", x.name));
            }
        }
        at += x.width;
    }
    Ok(at)
}

fn param_name(t: u16) -> &'static str {
    match t {
        13 => "OUTGOING_SSN_RESET",
        14 => "INCOMING_SSN_RESET",
        15 => "SSN_TSN_RESET",
        16 => "RECONFIG_RESPONSE",
        17 => "ADD_OUTGOING_STREAMS",
        18 => "ADD_INCOMING_STREAMS",
        5 => "IPV4_ADDRESS",
        6 => "IPV6_ADDRESS",
        0xc001 => "ADD_IP_ADDRESS",
        0xc002 => "DELETE_IP_ADDRESS",
        0xc003 => "ERROR_CAUSE_INDICATION",
        0xc004 => "SET_PRIMARY_ADDRESS",
        0xc005 => "SUCCESS_INDICATION",
        _ => "PARAMETER",
    }
}

fn param_text(t: u16, v: &[u8], m: &OutMap) -> String {
    let w = |at: usize| get(v, at, 4).unwrap_or(0);
    let sids = |from: usize| {
        v.get(from..)
            .unwrap_or(&[])
            .chunks_exact(2)
            .map(|x| u16::from_be_bytes([x[0], x[1]]).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match t {
        13 => format!(
            "OUTGOING_SSN_RESET[req_sn={}, resp_sn={}, last_tsn={}, sids=[{}]]",
            m.local(w(0)),
            m.remote(w(4)),
            m.local(w(8)),
            sids(12)
        ),
        14 => format!(
            "INCOMING_SSN_RESET[req_sn={}, sids=[{}]]",
            m.local(w(0)),
            sids(4)
        ),
        15 => format!("SSN_TSN_RESET[req_sn={}]", m.local(w(0))),
        16 if v.len() >= 16 => format!(
            "RECONFIG_RESPONSE[resp_sn={}, result={}, sender_next_tsn={}, receiver_next_tsn={}]",
            m.remote(w(0)),
            w(4),
            m.local(w(8)),
            m.remote(w(12))
        ),
        16 => format!(
            "RECONFIG_RESPONSE[resp_sn={}, result={}]",
            m.remote(w(0)),
            w(4)
        ),
        17 | 18 => format!(
            "{}[req_sn={}, number_of_new_streams={}]",
            param_name(t),
            m.local(w(0)),
            get(v, 4, 2).unwrap_or(0)
        ),
        5 | 6 => format!("{}[addr={}]", param_name(t), addr_text(v)),
        0xc001 | 0xc002 | 0xc004 => format!(
            "{}[corr_id={}, {}[addr={}]]",
            param_name(t),
            w(0),
            if v.len() == 12 {
                "IPV4_ADDRESS"
            } else {
                "IPV6_ADDRESS"
            },
            addr_text(v.get(8..).unwrap_or(&[]))
        ),
        0xc003 => format!("ERROR_CAUSE_INDICATION[corr_id={}, ...]", w(0)),
        0xc005 => format!("SUCCESS_INDICATION[corr_id={}]", w(0)),
        _ => format!("PARAMETER[type={t:#06x}, len={}, val=...]", 4 + v.len()),
    }
}

/// `, PARAM[...]` for each parameter of `v` from `at` on.
fn params_text(v: &[u8], mut at: usize, m: &OutMap) -> String {
    let mut s = String::new();
    while at + 4 <= v.len() {
        let t = get(v, at, 2).unwrap_or(0) as u16;
        let l = get(v, at + 2, 2).unwrap_or(0) as usize;
        if l < 4 || at + l > v.len() {
            break;
        }
        s.push_str(", ");
        s.push_str(&param_text(t, &v[at + 4..at + l], m));
        at += l + (4 - l % 4) % 4;
    }
    s
}

fn addr_text(b: &[u8]) -> String {
    match b.len() {
        4 => std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string(),
        16 => {
            let a: [u8; 16] = b.try_into().expect("16 bytes");
            std::net::Ipv6Addr::from(a).to_string()
        }
        _ => format!("{b:02x?}"),
    }
}

fn data_flags(f: u8) -> String {
    let mut s = String::new();
    for (c, b) in DATA_FLAGS {
        if f & b != 0 {
            s.push(*c);
        }
    }
    if s.is_empty() {
        "0".into()
    } else {
        s
    }
}

/// A chunk the endpoint sent, in the notation above (`None`: not one of
/// these, or too short to read).
pub fn text(c: &ChunkView<'_>, m: &OutMap) -> Option<String> {
    let v = c.value();
    let f = c.flags();
    let w = |at: usize| get(v, at, 4);
    Some(match c.ty() {
        ty::I_DATA => {
            let (tsn, mid, last) = (w(0)?, w(8)?, w(12)?);
            format!(
                "I_DATA[flgs={}, len={}, tsn={}, sid={}, mid={mid}, {}={last}]",
                data_flags(f),
                c.length(),
                m.local(tsn),
                get(v, 4, 2)?,
                if f & 2 != 0 { "ppid" } else { "fsn" }
            )
        }
        ty::FORWARD_TSN | ty::I_FORWARD_TSN => {
            let size = if c.ty() == ty::FORWARD_TSN { 4 } else { 8 };
            let ids: Vec<String> = v
                .get(4..)?
                .chunks_exact(size)
                .map(|e| {
                    if size == 4 {
                        format!(
                            "{{{}, {}}}",
                            get(e, 0, 2).unwrap_or(0),
                            get(e, 2, 2).unwrap_or(0)
                        )
                    } else {
                        format!(
                            "{{{}, {}, {}}}",
                            get(e, 0, 2).unwrap_or(0),
                            get(e, 2, 2).unwrap_or(0),
                            get(e, 4, 4).unwrap_or(0)
                        )
                    }
                })
                .collect();
            format!(
                "{}[cum_tsn={}, ids=[{}]]",
                if c.ty() == ty::FORWARD_TSN {
                    "FORWARD_TSN"
                } else {
                    "I_FORWARD_TSN"
                },
                m.local(w(0)?),
                ids.join(", ")
            )
        }
        ty::NR_SACK => {
            let n = c.nr_sack()?;
            format!(
                "NR_SACK[flgs={f}, cum_tsn={}, a_rwnd={}, gaps={:?}, nr_gaps={:?}, dups={:?}]",
                m.remote(n.cum_tsn_ack()),
                n.a_rwnd(),
                n.gap_blocks().collect::<Vec<_>>(),
                n.nr_gap_blocks().collect::<Vec<_>>(),
                n.dup_tsns().map(|t| m.remote(t)).collect::<Vec<_>>()
            )
        }
        ty::PAD => format!("PAD[flgs={f}, len={}, val=...]", c.length()),
        ty::RE_CONFIG => format!("RECONFIG[flgs={f}{}]", params_text(v, 0, m)),
        ty::ASCONF | ty::ASCONF_ACK => {
            let serial = w(0)?;
            let (name, serial) = if c.ty() == ty::ASCONF {
                ("ASCONF", m.local(serial))
            } else {
                ("ASCONF_ACK", m.remote(serial))
            };
            format!("{name}[flgs={f}, serial={serial}{}]", params_text(v, 4, m))
        }
        ty::AUTH => format!(
            "CHUNK[type={}, flgs={f:#04x}, len={}, val=...]",
            crate::spec::chunk_type_name(c.ty())?,
            c.length()
        ),
        _ => return None,
    })
}
