//! The one table of other names filters accept: the summary line's
//! abbreviations (`DATA(tsn=..,sid=..,ssn=..,ppid=..,len=..)`,
//! `SACK(cum_ack=..,gaps=..,dups=..)`), the crafting language's header
//! aliases (`sport`, `dport`, `vtag`: from its own table), and names a
//! tshark user types (`port`, `addr`, `frame.number`).

use crate::lang::names::HEADER_FIELDS;

/// What an alias stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum To {
    /// Another name (inside the same chunk for scoped aliases).
    Name(&'static str),
    /// The length in bytes of a bytes field.
    Len(&'static str),
    /// How many elements a list has.
    Count(&'static str),
    /// Either of two names (one occurrence of either satisfies a test).
    Either(&'static str, &'static str),
}

/// One alias: `name` inside the chunks `scope` (outside every chunk when
/// empty) stands for `to`.
#[derive(Debug, Clone, Copy)]
pub struct Alias {
    /// The chunk keys it applies to; empty: a name outside every chunk.
    pub scope: &'static [&'static str],
    /// The alias.
    pub name: &'static str,
    /// What it stands for.
    pub to: To,
}

const fn a(scope: &'static [&'static str], name: &'static str, to: To) -> Alias {
    Alias { scope, name, to }
}

const DATA: &[&str] = &["data"];
const I_DATA: &[&str] = &["i_data"];
const INITS: &[&str] = &["init", "init_ack"];
const SACKS: &[&str] = &["sack", "nr_sack"];
const FWD: &[&str] = &["forward_tsn", "i_forward_tsn"];
const ASCONFS: &[&str] = &["asconf", "asconf_ack"];

/// The aliases, besides the header aliases of the crafting language.
pub const ALIASES: &[Alias] = &[
    // The summary line (output/summary.rs prints these names).
    a(DATA, "sid", To::Name("stream_identifier")),
    a(DATA, "ssn", To::Name("stream_sequence_number")),
    a(DATA, "ppid", To::Name("payload_protocol_identifier")),
    a(DATA, "len", To::Len("user_data")),
    a(I_DATA, "sid", To::Name("stream_identifier")),
    a(I_DATA, "mid", To::Name("message_identifier")),
    a(I_DATA, "ppid", To::Name("ppid_or_fsn")),
    a(I_DATA, "fsn", To::Name("ppid_or_fsn")),
    a(I_DATA, "len", To::Len("user_data")),
    a(INITS, "tag", To::Name("initiate_tag")),
    a(INITS, "os", To::Name("number_of_outbound_streams")),
    a(INITS, "is", To::Name("number_of_inbound_streams")),
    a(INITS, "tsn", To::Name("initial_tsn")),
    a(SACKS, "cum_ack", To::Name("cumulative_tsn_ack")),
    a(SACKS, "gaps", To::Count("gap_ack_blocks")),
    a(SACKS, "dups", To::Count("duplicate_tsns")),
    a(&["nr_sack"], "nr_gaps", To::Count("nr_gap_ack_blocks")),
    a(&["shutdown"], "cum_ack", To::Name("cumulative_tsn_ack")),
    a(FWD, "new_cum_tsn", To::Name("new_cumulative_tsn")),
    a(ASCONFS, "seq", To::Name("sequence_number")),
    a(&["auth"], "key", To::Name("shared_key_identifier")),
    a(&["auth"], "hmac_id", To::Name("hmac_identifier")),
    a(&["cookie_echo"], "cookie_len", To::Len("cookie")),
    a(
        &["encdata"],
        "key_ref",
        To::Name("master_secret_key_reference"),
    ),
    a(&["encdata"], "iv_len", To::Len("random_number")),
    a(&["encdata"], "data_len", To::Len("encrypted_data")),
    // The header as the summary line and the JSON output name it.
    a(&[], "src_port", To::Name("source_port")),
    a(&[], "dst_port", To::Name("destination_port")),
    // tshark's names.
    a(&[], "srcport", To::Name("source_port")),
    a(&[], "dstport", To::Name("destination_port")),
    a(&[], "port", To::Either("source_port", "destination_port")),
    a(&[], "addr", To::Either("src", "dst")),
    a(&[], "frame.number", To::Name("frame")),
    a(&[], "time", To::Name("frame.time_relative")),
];

/// Every alias: the table above and the crafting language's header aliases.
pub fn all() -> impl Iterator<Item = Alias> {
    let header = HEADER_FIELDS
        .iter()
        .filter(|(full, alias)| full != alias)
        .map(|&(full, alias)| a(&[], alias, To::Name(full)));
    ALIASES.iter().copied().chain(header)
}

/// The alias `name` inside chunk `key` (`None`: outside every chunk).
pub fn find(key: Option<&str>, name: &str) -> Option<Alias> {
    all().find(|al| {
        al.name == name
            && match key {
                None => al.scope.is_empty(),
                Some(k) => al.scope.contains(&k),
            }
    })
}

#[cfg(test)]
mod tests {
    use super::super::schema::{Schema, Ty};
    use super::*;

    /// Every alias names something that exists, of the kind it needs (a
    /// renamed registry field fails here, not silently in a filter).
    #[test]
    fn every_alias_target_exists() {
        let s = Schema::get();
        for al in all() {
            let check = |name: &str| {
                let path = match al.scope.first() {
                    Some(k) => format!("{k}.{name}"),
                    None => name.to_string(),
                };
                for k in al.scope {
                    assert!(s.ty(&format!("{k}.{name}")).is_some(), "{k}.{}", al.name);
                }
                s.ty(&path)
                    .unwrap_or_else(|| panic!("alias {} -> {path}: no such name", al.name))
            };
            match al.to {
                To::Name(n) => {
                    check(n);
                }
                To::Len(n) => assert!(matches!(check(n), Ty::Bytes | Ty::Text), "{}", al.name),
                To::Count(n) => assert!(
                    matches!(check(n), Ty::Records | Ty::UintList(_) | Ty::TlvList(_)),
                    "{}",
                    al.name
                ),
                To::Either(x, y) => {
                    assert_eq!(check(x), check(y), "{}", al.name);
                }
            }
        }
    }
}
