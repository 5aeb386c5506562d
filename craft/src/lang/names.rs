//! Names of the language derived from the codec registry: one constructor
//! name per chunk, parameter and cause type (`ident_key` of the registry
//! name, e.g. `init_ack`, `ipv4_address`, `user_initiated_abort`), made
//! unique inside its family by appending the type number when the registry
//! repeats a name (`reserved_for_ietf_defined_chunk_extensions_3f`).

use std::sync::OnceLock;

use sctp_codec::registry::{self, DialectTag, Family, TypeInfo};
use sctp_codec::wire::FieldInfo;

/// One constructor name of the language.
#[derive(Debug, Clone)]
pub struct Named {
    /// The name used in scripts.
    pub key: String,
    /// The registry row it builds.
    pub info: &'static TypeInfo,
}

/// Every constructor name, in registry order.
pub fn table() -> &'static [Named] {
    static T: OnceLock<Vec<Named>> = OnceLock::new();
    T.get_or_init(|| {
        let all: Vec<&'static TypeInfo> = registry::all().collect();
        all.iter()
            .map(|info| {
                let base = info.key();
                let dup = all
                    .iter()
                    .filter(|o| o.family == info.family && o.key() == base)
                    .count()
                    > 1;
                let key = if dup {
                    match info.family {
                        Family::Chunk => format!("{base}_{:02x}", info.value),
                        _ => format!("{base}_{:04x}", info.value),
                    }
                } else {
                    base
                };
                Named { key, info }
            })
            .collect()
    })
}

/// The family prefix accepted before any name (`chunk_padding`, `param_padding`).
pub fn family_prefix(f: Family) -> &'static str {
    match f {
        Family::Chunk => "chunk_",
        Family::Param => "param_",
        Family::Cause => "cause_",
    }
}

/// A family's name for messages.
pub fn family_name(f: Family) -> &'static str {
    match f {
        Family::Chunk => "chunk",
        Family::Param => "parameter",
        Family::Cause => "cause",
    }
}

/// Finds the type named `name`, preferring `want` when the name exists in
/// several families (`padding` is the S-SCTP PADDING chunk and the Padding
/// parameter); then chunk, parameter, cause.
pub fn lookup(name: &str, want: Option<Family>) -> Option<&'static Named> {
    let t = table();
    for f in [Family::Chunk, Family::Param, Family::Cause] {
        if let Some(rest) = name.strip_prefix(family_prefix(f)) {
            if let Some(n) = t.iter().find(|n| n.info.family == f && n.key == rest) {
                return Some(n);
            }
        }
    }
    let mut order = vec![];
    if let Some(w) = want {
        order.push(w);
    }
    for f in [Family::Chunk, Family::Param, Family::Cause] {
        if !order.contains(&f) {
            order.push(f);
        }
    }
    order
        .into_iter()
        .find_map(|f| t.iter().find(|n| n.info.family == f && n.key == name))
}

/// The key of a registry row.
pub fn key_of(info: &TypeInfo) -> &'static str {
    table()
        .iter()
        .find(|n| {
            std::ptr::eq(n.info, info)
                || (n.info.family == info.family
                    && n.info.dialect == info.dialect
                    && n.info.value == info.value)
        })
        .map(|n| n.key.as_str())
        .unwrap_or("?")
}

/// The registry row of a type number in a family, preferring `dialect`.
pub fn by_number(family: Family, value: u16, ssctp: bool) -> Option<&'static TypeInfo> {
    let d = if ssctp {
        DialectTag::Ssctp
    } else {
        DialectTag::Standard
    };
    registry::lookup(family, d, value).or_else(|| {
        if ssctp {
            registry::lookup(family, DialectTag::Standard, value)
        } else {
            None
        }
    })
}

/// Names a type's value accepts besides its fields: the overrides of every
/// TLV and, for chunks, the named flag bits.
pub const OVERRIDES: &[&str] = &["length", "padding", "flags", "value", "extra"];

/// Short names of fields as the summary line prints them (`SACK(cum_ack=5,
/// gaps=0)`, `DATA(tsn=1,sid=0,ssn=0,ppid=0)`, `INIT(tag=..,os=10,is=10)`):
/// (constructor key, short name, field). What a user reads can be written
/// back, in a constructor, a path or an `expect` pattern.
pub const SUMMARY_ALIASES: &[(&str, &str, &str)] = &[
    ("data", "sid", "stream_identifier"),
    ("data", "ssn", "stream_sequence_number"),
    ("data", "ppid", "payload_protocol_identifier"),
    ("i_data", "sid", "stream_identifier"),
    ("i_data", "mid", "message_identifier"),
    ("i_data", "ppid", "ppid_or_fsn"),
    ("i_data", "fsn", "ppid_or_fsn"),
    ("init", "tag", "initiate_tag"),
    ("init", "os", "number_of_outbound_streams"),
    ("init", "is", "number_of_inbound_streams"),
    ("init", "tsn", "initial_tsn"),
    ("init_ack", "tag", "initiate_tag"),
    ("init_ack", "os", "number_of_outbound_streams"),
    ("init_ack", "is", "number_of_inbound_streams"),
    ("init_ack", "tsn", "initial_tsn"),
    ("sack", "cum_ack", "cumulative_tsn_ack"),
    ("sack", "gaps", "number_of_gap_ack_blocks"),
    ("sack", "dups", "number_of_duplicate_tsns"),
    ("nr_sack", "cum_ack", "cumulative_tsn_ack"),
    ("nr_sack", "gaps", "number_of_gap_ack_blocks"),
    ("nr_sack", "nr_gaps", "number_of_nr_gap_ack_blocks"),
    ("nr_sack", "dups", "number_of_duplicate_tsns"),
    ("shutdown", "cum_ack", "cumulative_tsn_ack"),
    ("forward_tsn", "new_cum_tsn", "new_cumulative_tsn"),
    ("i_forward_tsn", "new_cum_tsn", "new_cumulative_tsn"),
    ("asconf", "seq", "sequence_number"),
    ("asconf_ack", "seq", "sequence_number"),
    ("auth", "key", "shared_key_identifier"),
    ("auth", "hmac_id", "hmac_identifier"),
];

/// The summary-line short names of `info`'s fields: (short name, field).
pub fn summary_aliases(info: &TypeInfo) -> impl Iterator<Item = (&'static str, &'static str)> {
    let key = key_of(info);
    SUMMARY_ALIASES
        .iter()
        .filter(move |(k, _, _)| *k == key)
        .map(|(_, a, f)| (*a, *f))
}

/// What a name given inside a constructor refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// A field of the value (index into `info.fields`).
    Field(usize),
    /// A named flag bit (index into `info.flags`).
    Flag(usize),
    /// One of [`OVERRIDES`], or `type`/`code` of a generic TLV.
    Override(&'static str),
}

/// Resolves `name` (exact, else an unambiguous prefix) among a type's fields,
/// flags and overrides.
pub fn resolve_slot(info: Option<&TypeInfo>, generic: bool, name: &str) -> Result<Slot, String> {
    let mut cands: Vec<(String, Slot)> = Vec::new();
    if let Some(info) = info {
        for (k, f) in info.fields.iter().enumerate() {
            cands.push((f.name.to_string(), Slot::Field(k)));
        }
        for (k, f) in info.flags.iter().enumerate() {
            cands.push((f.name.to_string(), Slot::Flag(k)));
        }
    }
    for o in OVERRIDES {
        cands.push((o.to_string(), Slot::Override(o)));
    }
    if generic {
        cands.push(("type".into(), Slot::Override("type")));
        cands.push(("code".into(), Slot::Override("type")));
    }
    if let Some((_, s)) = cands.iter().find(|(n, _)| n == name) {
        return Ok(*s);
    }
    if let Some(info) = info {
        if let Some((_, field)) = summary_aliases(info).find(|(a, _)| *a == name) {
            if let Some(k) = info.fields.iter().position(|f| f.name == field) {
                return Ok(Slot::Field(k));
            }
        }
    }
    let hits: Vec<&(String, Slot)> = cands.iter().filter(|(n, _)| n.starts_with(name)).collect();
    match hits.len() {
        1 => Ok(hits[0].1),
        0 => Err(format!(
            "no field {name:?}{}; known: {}",
            info.map(|i| format!(" in {}", key_of(i)))
                .unwrap_or_default(),
            cands
                .iter()
                .map(|c| c.0.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => Err(format!(
            "{name:?} is ambiguous: {}",
            hits.iter()
                .map(|c| c.0.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Resolves a record field name (exact or unambiguous prefix).
pub fn resolve_record_field(fields: &[FieldInfo], name: &str) -> Result<usize, String> {
    if let Some(k) = fields.iter().position(|f| f.name == name) {
        return Ok(k);
    }
    let hits: Vec<usize> = (0..fields.len())
        .filter(|&k| fields[k].name.starts_with(name))
        .collect();
    match hits.len() {
        1 => Ok(hits[0]),
        _ => Err(format!(
            "no single record field {name:?}; known: {}",
            fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Names of the common header fields, with their short aliases.
pub const HEADER_FIELDS: &[(&str, &str)] = &[
    ("source_port", "sport"),
    ("destination_port", "dport"),
    ("verification_tag", "vtag"),
    ("checksum", "checksum"),
    ("checksum_algorithm", "checksum_algorithm"),
    ("trailing", "trailing"),
];

/// Resolves a common-header field name (full, alias or unambiguous prefix).
pub fn resolve_header(name: &str) -> Result<&'static str, String> {
    for (full, alias) in HEADER_FIELDS {
        if name == *full || name == *alias || (name == "tag" && *full == "verification_tag") {
            return Ok(full);
        }
    }
    let hits: Vec<&str> = HEADER_FIELDS
        .iter()
        .map(|(f, _)| *f)
        .filter(|f| f.starts_with(name))
        .collect();
    match hits.len() {
        1 => Ok(hits[0]),
        0 => Err(format!(
            "no header field {name:?}; known: source_port (sport), destination_port (dport), verification_tag (vtag), checksum, checksum_algorithm, trailing"
        )),
        _ => Err(format!("{name:?} is ambiguous: {}", hits.join(", "))),
    }
}

/// Edit distance between two names (Levenshtein, with a swap of two
/// neighbouring letters counting as one edit).
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, v) in d[0].iter_mut().enumerate() {
        *v = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// The candidate closest to `word` when it is close enough to be what was
/// meant (one edit for words of up to 3 letters, two beyond); ties go to
/// the earlier candidate.
pub fn nearest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let limit = if word.chars().count() <= 3 { 1 } else { 2 };
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = distance(word, c);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// "; did you mean NAME?" for the constructor closest to `word`, or "".
pub fn did_you_mean_constructor(word: &str) -> String {
    let keys = table().iter().map(|n| n.key.as_str());
    let extra = ["sctp", "raw", "chunk", "param", "cause", "rec"];
    match nearest(word, extra.into_iter().chain(keys)) {
        Some(k) => format!("; did you mean {k}?"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_unique_per_family_and_cover_registry() {
        let t = table();
        assert_eq!(t.len(), registry::all().count());
        for a in t {
            for b in t {
                if !std::ptr::eq(a, b) && a.info.family == b.info.family {
                    assert_ne!(a.key, b.key);
                }
            }
        }
        assert_eq!(lookup("init_ack", None).unwrap().info.value, 2);
        assert_eq!(
            lookup("padding", Some(Family::Param)).unwrap().info.value,
            0x8005
        );
        assert_eq!(lookup("padding", None).unwrap().info.family, Family::Chunk);
        assert_eq!(lookup("param_padding", None).unwrap().info.value, 0x8005);
    }

    #[test]
    fn slots_by_prefix() {
        let init = lookup("init", None).unwrap().info;
        assert_eq!(
            resolve_slot(Some(init), false, "initiate").unwrap(),
            Slot::Field(0)
        );
        assert_eq!(
            resolve_slot(Some(init), false, "length").unwrap(),
            Slot::Override("length")
        );
        assert!(resolve_slot(Some(init), false, "number_of").is_err());
        let data = lookup("data", None).unwrap().info;
        assert_eq!(
            resolve_slot(Some(data), false, "e_bit").unwrap(),
            Slot::Flag(3)
        );
    }

    #[test]
    fn summary_names_are_fields() {
        for (key, alias, field) in SUMMARY_ALIASES {
            let n = lookup(key, Some(Family::Chunk)).unwrap();
            let Ok(Slot::Field(k)) = resolve_slot(Some(n.info), false, alias) else {
                panic!("{key}({alias}=) is no field");
            };
            assert_eq!(n.info.fields[k].name, *field, "{key}({alias}=)");
        }
    }
}
