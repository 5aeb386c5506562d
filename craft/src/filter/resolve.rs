//! From the name a user typed to what the packet walk collects: chunk names
//! in any case and with `-` or `_` (`SACK`, `shutdown-complete`), aliases
//! (the summary line's `sack.cum_ack`), and unambiguous prefixes as the
//! crafting language accepts them (`data.stream_id`).

use sctp_codec::registry::ident_key;

use super::aliases::{self, To};
use super::schema::{Schema, Ty};

/// How a collected path is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    /// Its values (for a list of TLVs: the main fields of its elements).
    Value,
    /// The length of a bytes or text field.
    Len,
    /// How many elements a list has.
    Count,
}

/// A resolved name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The canonical name (`data.stream_sequence_number`).
    pub name: String,
    /// Its type.
    pub ty: Ty,
    /// What to collect (two paths for `port` and `addr`).
    pub paths: Vec<(String, View)>,
}

impl Resolved {
    fn plain(name: String, ty: Ty) -> Resolved {
        Resolved {
            paths: vec![(name.clone(), View::Value)],
            name,
            ty,
        }
    }
}

/// Why a name did not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// Nothing by that name.
    Unknown,
    /// A prefix of several names (canonical names, sorted).
    Ambiguous(Vec<String>),
}

/// Whether each dotted part of `typed` is a prefix of the same part of `name`.
fn is_prefix(typed: &str, name: &str) -> bool {
    let (t, n): (Vec<&str>, Vec<&str>) = (typed.split('.').collect(), name.split('.').collect());
    t.len() == n.len() && t.iter().zip(&n).all(|(a, b)| b.starts_with(a))
}

/// Resolves a name the user typed.
pub fn resolve(typed: &str) -> Result<Resolved, Unresolved> {
    let s = Schema::get();
    let lower = typed.to_ascii_lowercase();
    if let Some(r) = top_exact(&lower) {
        return Ok(r);
    }
    let (first, rest) = match lower.split_once('.') {
        Some((f, r)) => (f, Some(r)),
        None => (lower.as_str(), None),
    };
    let key = ident_key(first);
    if let Some(tlv) = s.tlv(&key) {
        return match rest {
            None => Ok(Resolved::plain(key, Ty::Tlv(tlv.family))),
            Some(rest) => member(tlv.key, rest),
        };
    }
    // Prefixes of the names outside every chunk (`frame.time_rel`).
    let mut hits: Vec<Resolved> = Vec::new();
    for name in top_names() {
        if is_prefix(&lower, name) {
            if let Some(r) = top_exact(name) {
                if !hits.iter().any(|h| h.paths == r.paths) {
                    hits.push(r);
                }
            }
        }
    }
    pick(hits)
}

fn pick(mut hits: Vec<Resolved>) -> Result<Resolved, Unresolved> {
    match hits.len() {
        0 => Err(Unresolved::Unknown),
        1 => Ok(hits.remove(0)),
        _ => {
            let mut names: Vec<String> = hits.into_iter().map(|h| h.name).collect();
            names.sort();
            Err(Unresolved::Ambiguous(names))
        }
    }
}

/// Every name outside the chunks: fields and aliases.
pub fn top_names() -> impl Iterator<Item = &'static str> {
    super::schema::top_fields().iter().map(|t| t.name).chain(
        aliases::all()
            .filter(|a| a.scope.is_empty())
            .map(|a| a.name),
    )
}

/// A name outside every chunk, exactly.
fn top_exact(name: &str) -> Option<Resolved> {
    let s = Schema::get();
    if let Some(t) = s.top(name) {
        return Some(Resolved::plain(t.name.to_string(), t.ty));
    }
    let al = aliases::find(None, name)?;
    match al.to {
        To::Name(n) => top_exact(n),
        To::Either(x, y) => {
            let (x, y) = (top_exact(x)?, top_exact(y)?);
            Some(Resolved {
                name: al.name.to_string(),
                ty: x.ty,
                paths: x.paths.into_iter().chain(y.paths).collect(),
            })
        }
        To::Len(_) | To::Count(_) => None,
    }
}

/// Every name inside chunk `key`: its members and its aliases.
pub fn member_names(key: &str) -> Vec<&'static str> {
    let s = Schema::get();
    let mut v: Vec<&'static str> = Vec::new();
    if let Some(t) = s.tlv(key) {
        v.extend(t.members.iter().map(|m| m.name.as_str()));
    }
    v.extend(
        aliases::all()
            .filter(|a| a.scope.contains(&key))
            .map(|a| a.name),
    );
    v
}

/// `rest` inside chunk `key`: exact member, alias, else unambiguous prefix.
fn member(key: &'static str, rest: &str) -> Result<Resolved, Unresolved> {
    if let Some(r) = member_exact(key, rest) {
        return Ok(r);
    }
    let s = Schema::get();
    let tlv = s.tlv(key).ok_or(Unresolved::Unknown)?;
    let mut hits: Vec<Resolved> = Vec::new();
    let names = tlv.members.iter().map(|m| m.name.as_str()).chain(
        aliases::all()
            .filter(|a| a.scope.contains(&key))
            .map(|a| a.name),
    );
    for n in names {
        if is_prefix(rest, n) {
            if let Some(r) = member_exact(key, n) {
                if !hits.iter().any(|h| h.paths == r.paths) {
                    hits.push(r);
                }
            }
        }
    }
    pick(hits)
}

/// `name` inside chunk `key`, exactly (a member or an alias).
fn member_exact(key: &str, name: &str) -> Option<Resolved> {
    let s = Schema::get();
    let tlv = s.tlv(key)?;
    if let Some(m) = tlv.member(name) {
        return Some(Resolved::plain(format!("{key}.{}", m.name), m.ty));
    }
    let al = aliases::find(Some(key), name)?;
    let (target, view, ty) = match al.to {
        To::Name(n) => return member_exact(key, n),
        To::Len(n) => (n, View::Len, Ty::Uint(16)),
        To::Count(n) => (n, View::Count, Ty::Uint(16)),
        To::Either(..) => return None,
    };
    let path = format!("{key}.{target}");
    Some(Resolved {
        name: format!("{key}.{}", al.name),
        ty,
        paths: vec![(path, view)],
    })
}

/// The main field of chunk/parameter/cause `key`, resolved.
pub fn main_of(key: &str) -> Option<Resolved> {
    let m = Schema::get().main(key)?;
    member_exact(key, m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(t: &str) -> String {
        resolve(t)
            .map(|r| r.name)
            .unwrap_or_else(|e| format!("{e:?}"))
    }

    #[test]
    fn case_dashes_aliases_and_prefixes() {
        assert_eq!(name("SACK"), "sack");
        assert_eq!(name("shutdown-complete"), "shutdown_complete");
        assert_eq!(name("INIT-ACK.os"), "init_ack.number_of_outbound_streams");
        assert_eq!(name("data.ssn"), "data.stream_sequence_number");
        assert_eq!(name("data.stream_id"), "data.stream_identifier");
        assert_eq!(name("sack.gap_ack_blocks.st"), "sack.gap_ack_blocks.start");
        assert_eq!(
            name("sack.cum"),
            "sack.cumulative_tsn_ack",
            "the alias and the field agree"
        );
        assert_eq!(name("sport"), "source_port");
        assert_eq!(name("src_port"), "source_port");
        assert_eq!(name("frame.time_rel"), "frame.time_relative");
        assert_eq!(
            name("data.stream"),
            "Ambiguous([\"data.stream_identifier\", \"data.stream_sequence_number\"])"
        );
        assert_eq!(name("nosuch"), "Unknown");
        let port = resolve("port").unwrap();
        assert_eq!(port.paths.len(), 2);
        let gaps = resolve("sack.gaps").unwrap();
        assert_eq!(
            gaps.paths,
            vec![("sack.gap_ack_blocks".to_string(), View::Count)]
        );
        assert_eq!(
            main_of("add_ip_address").unwrap().name,
            "add_ip_address.address"
        );
        assert!(main_of("data").is_none());
    }
}
