//! Paths into values (`p.chunks[0].params[1].ipv4_address`): reading them in
//! expressions and setting them with `edit`/`set`.

use sctp_codec::registry::Family;

use super::error::LangError;
use super::names::{self, Slot};
use super::parser::{slot_name_of, Seg, Want};
use super::value::{Item, ItemKind, PacketSpec, Val};

fn seg_at(s: &Seg) -> usize {
    match s {
        Seg::Name(_, a) | Seg::Index(_, a) => *a,
    }
}

/// The position that index `i` names in a list of `len` (negative counts
/// from the end, as in Python: -1 is the last).
fn slot(i: i64, len: usize) -> Option<usize> {
    let k = if i < 0 {
        len.checked_sub(usize::try_from(i.unsigned_abs()).ok()?)?
    } else {
        usize::try_from(i).ok()?
    };
    (k < len).then_some(k)
}

/// The canonical name of `name` inside `item` (field, flag or override).
fn item_name(item: &Item, name: &str) -> Result<String, String> {
    match item.kind {
        ItemKind::Record | ItemKind::Raw(_) => Ok(name.to_string()),
        ItemKind::Generic => names::resolve_slot(None, true, name).map(|s| slot_name_of(None, s)),
        ItemKind::Typed => {
            names::resolve_slot(item.info, false, name).map(|s| slot_name_of(item.info, s))
        }
    }
}

/// Reads the value at `segs` under `v`.
pub fn get(v: &Val, segs: &[Seg]) -> Result<Val, LangError> {
    let Some((first, rest)) = segs.split_first() else {
        return Ok(v.clone());
    };
    let at = seg_at(first);
    let err = |m: String| LangError::at(at, m);
    match (v, first) {
        (Val::Packet(p), Seg::Name(n, _)) if n == "chunks" => get(
            &Val::List(
                p.chunks
                    .iter()
                    .map(|c| Val::Item(Box::new(c.clone())))
                    .collect(),
            ),
            rest,
        ),
        (Val::Packet(p), Seg::Index(i, _)) => {
            match slot(*i, p.chunks.len()).map(|k| &p.chunks[k]) {
                Some(c) => get(&Val::Item(Box::new(c.clone())), rest),
                None => Err(err(format!("the packet has {} chunk(s)", p.chunks.len()))),
            }
        }
        (Val::Packet(p), Seg::Name(n, _)) => {
            let full = names::resolve_header(n).map_err(err)?;
            match p.get(full) {
                Some(x) => get(x, rest),
                None => Err(err(format!("{full} is not set (it takes its default)"))),
            }
        }
        (Val::Item(it), Seg::Name(n, _)) => {
            let full = item_name(it, n).map_err(err)?;
            match it.get(&full) {
                Some(x) => get(x, rest),
                None => Err(err(format!("{full} is not set (it takes its default)"))),
            }
        }
        (Val::List(l), Seg::Index(i, _)) => match slot(*i, l.len()).map(|k| &l[k]) {
            Some(x) => get(x, rest),
            None => Err(err(format!("the list has {} element(s)", l.len()))),
        },
        (v, _) => Err(err(format!("a {} has no such member", v.kind()))),
    }
}

/// Sets the value at `segs` under `root` to `val`.
pub fn set(root: &mut Val, segs: &[Seg], val: Val) -> Result<(), LangError> {
    let Some((first, rest)) = segs.split_first() else {
        *root = val;
        return Ok(());
    };
    match root {
        Val::Packet(p) => set_packet(p, first, rest, val),
        Val::Item(it) => set_item(it, first, rest, val),
        Val::List(l) => match first {
            Seg::Index(i, a) => {
                let n = l.len();
                let x = slot(*i, n)
                    .map(|k| &mut l[k])
                    .ok_or_else(|| LangError::at(*a, format!("the list has {n} element(s)")))?;
                set(x, rest, val)
            }
            Seg::Name(_, a) => Err(LangError::at(*a, "a list is indexed with [n]")),
        },
        other => Err(LangError::at(
            seg_at(first),
            format!("a {} has no members", other.kind()),
        )),
    }
}

fn set_packet(p: &mut PacketSpec, first: &Seg, rest: &[Seg], val: Val) -> Result<(), LangError> {
    match first {
        Seg::Name(n, a) if n == "chunks" => match rest.split_first() {
            None => match val {
                Val::List(l) => {
                    let mut chunks = Vec::new();
                    for x in l {
                        match x {
                            Val::Item(i) if i.family == Family::Chunk => chunks.push(*i),
                            o => {
                                return Err(LangError::at(
                                    *a,
                                    format!("chunks holds chunks, not a {}", o.kind()),
                                ))
                            }
                        }
                    }
                    p.chunks = chunks;
                    Ok(())
                }
                o => Err(LangError::at(
                    *a,
                    format!("chunks takes a list, not a {}", o.kind()),
                )),
            },
            Some((idx, rest)) => set_packet(p, idx, rest, val),
        },
        Seg::Index(i, a) => {
            let n = p.chunks.len();
            let c = slot(*i, n)
                .map(|k| &mut p.chunks[k])
                .ok_or_else(|| LangError::at(*a, format!("the packet has {n} chunk(s)")))?;
            match rest.split_first() {
                None => match val {
                    Val::Item(it) if it.family == Family::Chunk => {
                        *c = *it;
                        Ok(())
                    }
                    o => Err(LangError::at(
                        *a,
                        format!("a chunk is needed here, not a {}", o.kind()),
                    )),
                },
                Some((f, r)) => set_item(c, f, r, val),
            }
        }
        Seg::Name(n, a) => {
            let full = names::resolve_header(n).map_err(|m| LangError::at(*a, m))?;
            if rest.is_empty() {
                p.set(full, val, Some(*a));
                Ok(())
            } else {
                Err(LangError::at(*a, format!("{full} has no members")))
            }
        }
    }
}

fn set_item(it: &mut Item, first: &Seg, rest: &[Seg], val: Val) -> Result<(), LangError> {
    let Seg::Name(n, a) = first else {
        return Err(LangError::at(
            seg_at(first),
            "name a field of the chunk: .field",
        ));
    };
    let full = item_name(it, n).map_err(|m| LangError::at(*a, m))?;
    if rest.is_empty() {
        it.set(&full, val, Some(*a));
        return Ok(());
    }
    let Some(arg) = it.args.iter_mut().rev().find(|x| x.name == full) else {
        return Err(LangError::at(
            *a,
            format!("{full} is not set, so it has no members; set it whole"),
        ));
    };
    set(&mut arg.val, rest, val)
}

/// What a value assigned at `segs` should be (so `padding()` in a params
/// list is the parameter and not the S-SCTP chunk).
pub fn want_at(root: &Val, segs: &[Seg]) -> Want {
    let mut cur_item: Option<Item> = match root {
        Val::Item(i) => Some((**i).clone()),
        _ => None,
    };
    let mut want = Want::Any;
    let mut cur = root.clone();
    for s in segs {
        if let (Seg::Name(n, _), Some(it)) = (s, &cur_item) {
            if let (ItemKind::Typed, Some(info)) = (&it.kind, it.info) {
                if let Ok(Slot::Field(k)) = names::resolve_slot(Some(info), false, n) {
                    want = Want::of_kind(info.fields[k].kind);
                }
            }
        }
        if matches!(s, Seg::Name(n, _) if n == "chunks")
            || matches!((&cur, s), (Val::Packet(_), Seg::Index(..)))
        {
            want = Want::Family(Family::Chunk);
        }
        cur = match get(&cur, std::slice::from_ref(s)) {
            Ok(v) => v,
            Err(_) => break,
        };
        cur_item = match &cur {
            Val::Item(i) => Some((**i).clone()),
            _ => None,
        };
    }
    want
}
