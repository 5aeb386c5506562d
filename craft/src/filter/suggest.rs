//! "Did you mean": the name a user most likely meant, ranked by meaning
//! before spelling. tshark's spelling of the same field first
//! (`sctp.data_tsn` is `data.tsn`), then names whose words the typed words
//! abbreviate (`seq_num`: stream_sequence_number; `ssn`: the initials of
//! stream_sequence_number), in the name or in the registry's description,
//! and only then the closest spelling.

use sctp_codec::registry::ident_key;

use super::resolve::{member_names, resolve, top_names};
use super::schema::{top_fields, Schema};

/// Edit distance between two names (a swap of neighbours counts as one).
fn distance(a: &str, b: &str) -> usize {
    crate::lang::names::distance(a, b)
}

fn words(s: &str) -> impl Iterator<Item = &str> + Clone {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// Whether `w` starts with `p`, ignoring ASCII case.
fn starts(w: &str, p: &str) -> bool {
    w.len() >= p.len() && w.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
}

/// Whether every typed word is a prefix of a later word of `of`, in order.
fn abbreviates<'a>(typed: &[String], mut of: impl Iterator<Item = &'a str>) -> bool {
    for t in typed {
        if !of.by_ref().any(|w| starts(w, t)) {
            return false;
        }
    }
    !typed.is_empty()
}

/// Whether `compact` (the typed name without separators) is the initials
/// of `of`'s words.
fn initials<'a>(compact: &str, of: impl Iterator<Item = &'a str>) -> bool {
    let c = compact.as_bytes();
    let mut n = 0;
    for w in of {
        if n >= c.len() || !w.as_bytes()[0].eq_ignore_ascii_case(&c[n]) {
            return false;
        }
        n += 1;
    }
    n == c.len() && n >= 2
}

/// The typed name, split once.
struct Typed {
    text: String,
    words: Vec<String>,
    compact: String,
    limit: usize,
}

impl Typed {
    fn new(text: &str) -> Typed {
        let words: Vec<String> = words(text).map(str::to_ascii_lowercase).collect();
        let limit = match text.chars().count() {
            0..=3 => 1,
            4..=6 => 2,
            _ => 3,
        };
        Typed {
            text: text.to_string(),
            compact: words.concat(),
            words,
            limit,
        }
    }
}

/// How well `cand` (described by `doc`) matches `typed`: lower is better;
/// `None` when it is no match at all.
fn score(t: &Typed, cand: &str, doc: &str) -> Option<(u8, usize, usize)> {
    // The name's own words count before its description's.
    let rank = if initials(&t.compact, words(cand)) {
        0
    } else if abbreviates(&t.words, words(cand)) {
        1
    } else if initials(&t.compact, words(doc)) {
        2
    } else if abbreviates(&t.words, words(doc)) {
        3
    } else if t.text.len().abs_diff(cand.len()) <= t.limit && distance(&t.text, cand) <= t.limit {
        4
    } else if t
        .words
        .iter()
        .any(|w| w.len() >= 3 && words(cand).any(|c| starts(c, w)))
    {
        5
    } else {
        return None;
    };
    Some((rank, distance(&t.text, cand), cand.len()))
}

type Score = (u8, usize, usize);

fn best<'c>(
    typed: &str,
    cands: impl Iterator<Item = (String, &'c str, &'c str)>,
) -> Option<(Score, String)> {
    let t = Typed::new(typed);
    cands
        .filter_map(|(shown, cand, doc)| score(&t, cand, doc).map(|s| (s, shown)))
        .min()
}

/// tshark's way of writing a name, read as ours: `sctp.data_tsn`,
/// `ip.src`, `sctp.chunk_type`, `sctp.parameter_ipv4_address`.
fn rewrites(lower: &str) -> Vec<String> {
    let mut bases = vec![lower.to_string()];
    for p in ["sctp.", "ip.", "ipv6.", "frame."] {
        if let Some(r) = lower.strip_prefix(p) {
            bases.push(r.to_string());
            if p == "frame." {
                bases.push(format!("frame.{r}"));
            }
        }
    }
    let mut out = Vec::new();
    for b in bases {
        for s in [b.clone(), b.replacen('_', ".", 1)] {
            for strip in ["parameter_", "cause_", ""] {
                if let Some(r) = s.strip_prefix(strip) {
                    out.push(r.to_string());
                }
            }
        }
    }
    out.dedup();
    out
}

/// Every `key` and `key.member` with its description, built once.
fn full_names() -> &'static [(String, &'static str)] {
    static F: std::sync::OnceLock<Vec<(String, &'static str)>> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let s = Schema::get();
        s.order
            .iter()
            .flat_map(|k| {
                let tlv = &s.tlvs[k];
                std::iter::once((k.to_string(), tlv.name)).chain(
                    tlv.members
                        .iter()
                        .map(move |m| (format!("{k}.{}", m.name), m.doc)),
                )
            })
            .collect()
    })
}

/// The name `typed` most likely meant, if any is close in meaning or spelling.
pub fn suggest(typed: &str) -> Option<String> {
    let lower = typed.to_ascii_lowercase();
    let rw = rewrites(&lower);
    for r in &rw {
        if r != &lower {
            if let Ok(res) = resolve(r) {
                return Some(res.name);
            }
        }
    }
    let s = Schema::get();
    // Inside a chunk the user named: its members and aliases.
    for r in &rw {
        if let Some((first, rest)) = r.split_once('.') {
            let key = ident_key(first);
            if let Some(tlv) = s.tlv(&key) {
                let cands = member_names(&key).into_iter().map(|m| {
                    let doc = tlv.member(m).map_or("", |x| x.doc);
                    (format!("{key}.{m}"), m, doc)
                });
                // Nothing close inside the chunk named: no guess elsewhere.
                return best(rest, cands).map(|(_, b)| b);
            }
        }
    }
    let docs = |n: &str| {
        top_fields()
            .iter()
            .find(|t| t.name == n)
            .map_or("", |t| t.doc)
    };
    // Under a group of names outside the chunks (`frame.`, `checksum.`):
    // only those, or nothing.
    if let Some((first, _)) = lower.split_once('.') {
        let group = format!("{first}.");
        if top_names().any(|n| n.starts_with(&group)) {
            let cands = top_names()
                .filter(|n| n.starts_with(&group))
                .map(|n| (n.to_string(), n, docs(n)));
            return best(&lower, cands)
                .filter(|(sc, _)| sc.0 <= 4)
                .map(|(_, shown)| shown);
        }
    }
    // Anything: names outside the chunks, chunk names, chunk.member names;
    // a word shared with a name is too weak a hint here.
    let full = full_names();
    rw.iter()
        .filter_map(|r| {
            let cands = top_names()
                .map(|n| (n.to_string(), n, docs(n)))
                .chain(full.iter().map(|(n, d)| (n.clone(), n.as_str(), *d)));
            best(r, cands).filter(|(sc, _)| sc.0 <= 4)
        })
        .min()
        .map(|(_, shown)| shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meaning_before_spelling() {
        let s = |t: &str| suggest(t).unwrap_or_default();
        assert_eq!(s("sack.cum_tsn"), "sack.cumulative_tsn_ack");
        assert_eq!(s("data.seq_num"), "data.stream_sequence_number");
        assert_eq!(s("data.tns"), "data.tsn");
        assert_eq!(s("sctp.data_tsn"), "data.tsn");
        assert_eq!(s("sctp.chunk_type"), "chunk.type");
        assert_eq!(s("sctp.parameter_ipv4_address"), "ipv4_address");
        assert_eq!(
            s("sctp.data_payload_proto_id"),
            "data.payload_protocol_identifier"
        );
        assert_eq!(s("ip.src"), "src");
        assert_eq!(s("frme"), "frame");
        assert_eq!(s("xyzzy"), "");
        assert_eq!(s("frame.len"), "", "not cwr.length");
        assert_eq!(s("data.foo"), "", "not data.tsn");
        assert_eq!(s("frame.time_rela"), "frame.time_relative");
    }
}
