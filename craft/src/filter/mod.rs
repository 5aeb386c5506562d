//! Display filters for `sctp-craft dissect -Y`: which packets to print,
//! named after the codec registry (the same names as the REPL's
//! constructors and fields, and as the JSON output):
//!
//! - `data`, `INIT-ACK`, `stale_cookie`: the packet has such a chunk,
//!   parameter or cause (anywhere, nested ones included; any case, `-` or `_`);
//! - `data.tsn > 5`, `sack.gap_ack_blocks.start == 2`, `data.e_bit == 1`:
//!   a field or flag of that type, by its registry name or an unambiguous
//!   prefix (`data.stream_id`), or by the summary line's name (`data.ssn`,
//!   `sack.cum_ack`, `sack.gaps`, `init.tag`; see [`aliases`]);
//! - `ipv4_address == 10.0.0.1`, `add_ip_address == 10.0.0.1`: a parameter
//!   or cause compared as a value compares its main field;
//! - lists: `init.params` holds when the list has elements; `init.params == 2`
//!   counts them, `init.params == 10.0.0.1` compares the addresses in it;
//!   `sack.duplicate_tsns == 7` compares each element;
//! - `chunk.type`, `chunk.flags`, `chunk.length`, `param.type`,
//!   `param.length`, `cause.code`, `cause.length`: of any chunk, parameter
//!   or cause (`chunk.type == sack` names the type);
//! - the header (`source_port`/`sport`/`src_port`, `destination_port`,
//!   `verification_tag`/`vtag`, `checksum`, `port` for either port),
//!   `checksum.status` (`good`, `bad`, `zero`, `unverifiable`), `src`, `dst`,
//!   `addr` (either address), `frame` (its number), `frame.time_relative`,
//!   `frame.time_epoch`, `frame.time_delta` (seconds);
//! - with `--analysis`, the association analysis as the JSON's `"analysis"`
//!   object names it: `analysis.retransmission` (a flag, as tshark's
//!   `sctp.retransmission`), `analysis.rtt > 0.2` (seconds, each TSN a SACK
//!   acknowledges first), `analysis.acked` (how many), `analysis.auth ==
//!   bad-hmac` ([`schema::top_fields`] lists them all, the
//!   analysis' from the codec's table `sctp_codec::analysis::fields`);
//! - `==`, `!=`, `<`, `<=`, `>`, `>=` (`eq` ...), `contains`, `in {1, 2, 5..9}`,
//!   `not in`, `&&` (`and`), `||` (`or`), `!` (`not`), parentheses; numbers
//!   in decimal or `0x` hex, IPv4/IPv6 addresses and networks
//!   (`10.0.0.0/8`), bytes (`01:02:ff`) and strings (`"ab\x01"`).
//!
//! A value is read by the type of the field it is compared with and refused
//! when it is not of that type, naming the type (as Wireshark's filter
//! compiler does). A comparison holds when any occurrence of the field
//! satisfies it; `!=` is `!(a == b)`, as in Wireshark since 3.6.

pub mod aliases;
mod collect;
pub mod help;
mod lex;
mod parse;
pub mod resolve;
pub mod schema;
mod suggest;
pub mod value;

use std::fmt;
use std::net::IpAddr;

use sctp_codec::analysis::{Note, ReportRef};
use sctp_codec::registry::{Family, TypeInfo};
use sctp_codec::{ChecksumStatus, Packet, PacketView};

use collect::Collector;
use lex::Op;
use parse::{Cmp, Expr, Parser};
use resolve::View;
use value::{compare, contains, equals, Fact};

/// A filter that did not parse: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// Byte offset in the filter text.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.offset + 1, self.message)
    }
}

impl std::error::Error for FilterError {}

/// A parsed display filter.
#[derive(Debug, Clone)]
pub struct Filter {
    root: Expr,
    /// Every (path, view) the filter uses: what a packet's walk collects.
    wanted: Vec<(String, View)>,
    /// Whether a list of TLVs is compared by its elements' main fields.
    follow_main: bool,
    /// Whether every name it uses is of the frame, of a chunk's header
    /// (`data`, `sack.flags`, `chunk.type`, `src`) or of the association
    /// analysis (`analysis.*`, added from the packet's report by
    /// [`Facts::add_analysis`]): then a packet read in place answers it,
    /// without typing its chunks ([`Facts::of_view`]).
    view_only: bool,
    /// For a `view_only` filter: what each wanted path is, read from the
    /// frame or a chunk's header (`None` for a repeated path: facts go to
    /// its first index, as the walk's collector puts them).
    view_wants: Vec<Option<HeaderFact>>,
    /// The analysis names it uses (`analysis.*`), each with the index of
    /// its first use in `wanted` (where a walk's collector puts a fact).
    analysis_wanted: Vec<(usize, String)>,
}

/// Whether `path` names a field of the association analysis (`analysis`,
/// `analysis.*`).
fn is_analysis(path: &str) -> bool {
    path.strip_prefix("analysis")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// A fact of the frame or of a chunk's header, for [`Facts::of_view`].
#[derive(Debug, Clone)]
enum HeaderFact {
    Sctp,
    Frame,
    TimeRelative,
    TimeEpoch,
    TimeDelta,
    Src,
    Dst,
    Checksum,
    Chunk,
    ChunkType,
    ChunkLength,
    ChunkFlags,
    Key(String),
    KeyLength(String),
    KeyFlags(String),
}

/// What a filter may ask of a frame besides its SCTP packet.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    /// The frame number in the capture.
    pub number: u64,
    /// IP source address.
    pub src: IpAddr,
    /// IP destination address.
    pub dst: IpAddr,
    /// Nanoseconds since the epoch.
    pub epoch_ns: i128,
    /// Nanoseconds since the capture's first frame.
    pub relative_ns: i128,
    /// Nanoseconds since the capture's previous frame.
    pub delta_ns: i128,
    /// Whether the checksum verified.
    pub checksum: ChecksumStatus,
}

/// Everything a filter asks of one packet. Kept and refilled packet after
/// packet ([`Facts::of_view_into`]), it allocates nothing once warm.
#[derive(Debug, Default)]
pub struct Facts {
    items: Vec<(usize, Fact)>,
    /// The last chunk kinds met, by type and registry row, with their
    /// schema key when their walk opens no chunk inside (`None` when it
    /// may, [`Facts::of_view_into`]): a packet's chunks are mostly of a
    /// few kinds, and the schema's table is a hash of the name.
    keys: Vec<(u8, &'static TypeInfo, Option<&'static str>)>,
}

impl Filter {
    /// Parses a filter; unknown names are refused with the closest known
    /// one, values of the wrong type with the field's type.
    pub fn parse(s: &str) -> Result<Filter, FilterError> {
        let toks = lex::lex(s)?;
        if toks.is_empty() {
            return Err(FilterError {
                offset: 0,
                message: "empty filter".into(),
            });
        }
        let mut p = Parser {
            toks,
            pos: 0,
            end: s.len(),
            wanted: Vec::new(),
        };
        let root = p.or()?;
        if p.pos < p.toks.len() {
            return Err(FilterError {
                offset: p.toks[p.pos].0,
                message: "expected '&&', '||' or the end".into(),
            });
        }
        let follow_main = p.wanted.iter().any(|(path, v)| {
            *v == View::Value
                && matches!(schema::Schema::get().ty(path), Some(schema::Ty::TlvList(_)))
        });
        let view_only = !follow_main
            && p.wanted.iter().all(|(path, v)| {
                const FRAME: [&str; 12] = [
                    "sctp",
                    "frame",
                    "frame.time_relative",
                    "frame.time_epoch",
                    "frame.time_delta",
                    "src",
                    "dst",
                    "checksum.status",
                    "chunk",
                    "chunk.type",
                    "chunk.length",
                    "chunk.flags",
                ];
                let key = path
                    .strip_suffix(".length")
                    .or_else(|| path.strip_suffix(".flags"))
                    .unwrap_or(path);
                *v == View::Value
                    && (FRAME.contains(&path.as_str())
                        || schema::Schema::get().chunk_only(key)
                        || is_analysis(path))
            });
        let view_wants = if view_only {
            p.wanted
                .iter()
                .enumerate()
                .map(|(k, (path, _))| {
                    // (An analysis fact comes from the report, not the view.)
                    if is_analysis(path) || p.wanted[..k].iter().any(|(q, _)| q == path) {
                        return None;
                    }
                    Some(match path.as_str() {
                        "sctp" => HeaderFact::Sctp,
                        "frame" => HeaderFact::Frame,
                        "frame.time_relative" => HeaderFact::TimeRelative,
                        "frame.time_epoch" => HeaderFact::TimeEpoch,
                        "frame.time_delta" => HeaderFact::TimeDelta,
                        "src" => HeaderFact::Src,
                        "dst" => HeaderFact::Dst,
                        "checksum.status" => HeaderFact::Checksum,
                        "chunk" => HeaderFact::Chunk,
                        "chunk.type" => HeaderFact::ChunkType,
                        "chunk.length" => HeaderFact::ChunkLength,
                        "chunk.flags" => HeaderFact::ChunkFlags,
                        _ => match (path.strip_suffix(".length"), path.strip_suffix(".flags")) {
                            (Some(key), _) if schema::Schema::get().chunk_only(key) => {
                                HeaderFact::KeyLength(key.to_string())
                            }
                            (_, Some(key)) if schema::Schema::get().chunk_only(key) => {
                                HeaderFact::KeyFlags(key.to_string())
                            }
                            _ => HeaderFact::Key(path.clone()),
                        },
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut analysis_wanted: Vec<(usize, String)> = Vec::new();
        for (k, (path, v)) in p.wanted.iter().enumerate() {
            if *v == View::Value
                && is_analysis(path)
                && !analysis_wanted.iter().any(|(_, w)| w == path)
            {
                analysis_wanted.push((k, path.clone()));
            }
        }
        Ok(Filter {
            root,
            analysis_wanted,
            wanted: p.wanted,
            follow_main,
            view_only,
            view_wants,
        })
    }

    /// The first `analysis.*` name the filter uses, if any: those need
    /// `dissect --analysis`.
    pub fn analysis_name(&self) -> Option<&str> {
        self.wanted
            .iter()
            .map(|(p, _)| p.as_str())
            .find(|p| is_analysis(p))
    }

    /// Whether the filter asks for `checksum.status`: when it does not,
    /// a packet's checksum need not be verified to choose it.
    pub fn uses_checksum_status(&self) -> bool {
        self.wanted.iter().any(|(p, _)| p == "checksum.status")
    }

    /// Whether a packet with these facts passes.
    pub fn matches(&self, facts: &Facts) -> bool {
        eval(&self.root, facts)
    }
}

impl Facts {
    /// The facts of `packet`, carried in `frame`, that `filter` asks about.
    pub fn of(packet: &Packet<'_>, frame: &Frame, filter: &Filter) -> Facts {
        let mut c = Collector::new(&filter.wanted, filter.follow_main);
        Self::frame_facts(&mut c, frame);
        packet.describe(&mut c);
        Facts {
            items: c.facts,
            keys: Vec::new(),
        }
    }

    /// The facts of the frame around the packet.
    fn frame_facts(c: &mut Collector<'_>, frame: &Frame) {
        c.push(&["sctp"], || Fact::Present);
        c.push(&["frame"], || Fact::Uint(frame.number));
        c.push(&["frame", "time_relative"], || {
            Fact::Time(frame.relative_ns)
        });
        c.push(&["frame", "time_epoch"], || Fact::Time(frame.epoch_ns));
        c.push(&["frame", "time_delta"], || Fact::Time(frame.delta_ns));
        c.push(&["src"], || Fact::Ip(frame.src));
        c.push(&["dst"], || Fact::Ip(frame.dst));
        c.push(&["checksum", "status"], || {
            Fact::Word(frame.checksum.as_str())
        });
    }

    /// The facts of a packet read in place, for a filter that asks only of
    /// the frame and the chunks' headers: the same as [`Facts::of`] on the
    /// packet typed. `None` when the filter asks more, or when the packet
    /// is not cleanly framed (bytes after the last chunk, a Length past the
    /// end, an unregistered chunk type, a chunk that may hold chunks):
    /// then type it and call `of`.
    pub fn of_view(view: &PacketView<'_>, frame: &Frame, filter: &Filter) -> Option<Facts> {
        let mut facts = Facts::default();
        facts.of_view_into(view, frame, filter).then_some(facts)
    }

    /// [`Facts::of_view`] into `self`, whose facts it replaces (and whose
    /// buffers it reuses): false, and `self` emptied, when that is `None`.
    pub fn of_view_into(&mut self, view: &PacketView<'_>, frame: &Frame, filter: &Filter) -> bool {
        self.items.clear();
        if !filter.view_only
            || view.error().is_some()
            || view.cut_short().is_some()
            || !view.trailing().is_empty()
        {
            return false;
        }
        let items = &mut self.items;
        let mut per_chunk = false;
        for (i, w) in filter.view_wants.iter().enumerate() {
            let fact = match w {
                Some(HeaderFact::Sctp) => Fact::Present,
                Some(HeaderFact::Frame) => Fact::Uint(frame.number),
                Some(HeaderFact::TimeRelative) => Fact::Time(frame.relative_ns),
                Some(HeaderFact::TimeEpoch) => Fact::Time(frame.epoch_ns),
                Some(HeaderFact::TimeDelta) => Fact::Time(frame.delta_ns),
                Some(HeaderFact::Src) => Fact::Ip(frame.src),
                Some(HeaderFact::Dst) => Fact::Ip(frame.dst),
                Some(HeaderFact::Checksum) => Fact::Word(frame.checksum.as_str()),
                Some(_) => {
                    per_chunk = true;
                    continue;
                }
                None => continue,
            };
            items.push((i, fact));
        }
        // Chunk kinds whose walk opens no chunk inside (PKTDROP carries a
        // packet, ERROR and ABORT may quote a chunk): only these.
        const FLAT: [&str; 17] = [
            "Data",
            "IData",
            "Sack",
            "NrSack",
            "Init",
            "InitAck",
            "Heartbeat",
            "HeartbeatAck",
            "Shutdown",
            "ShutdownAck",
            "ShutdownComplete",
            "CookieEcho",
            "CookieAck",
            "Ecne",
            "Cwr",
            "ForwardTsn",
            "IForwardTsn",
        ];
        for ch in view.chunks() {
            let ty = ch.ty();
            let key = ch.info().and_then(|info| {
                let known = self
                    .keys
                    .iter()
                    .find(|(t, i, _)| *t == ty && std::ptr::eq(*i, info));
                if let Some(&(_, _, key)) = known {
                    return key;
                }
                let key = FLAT.contains(&info.variant).then(|| {
                    schema::Schema::get()
                        .key_of(Family::Chunk, ty.into(), info.name)
                        .unwrap_or("?")
                });
                if self.keys.len() >= 8 {
                    self.keys.remove(0);
                }
                self.keys.push((ty, info, key));
                key
            });
            let Some(key) = key else {
                items.clear();
                return false;
            };
            if !per_chunk {
                continue;
            }
            let (flags, length) = (ch.flags(), ch.length());
            for (i, w) in filter.view_wants.iter().enumerate() {
                let fact = match w {
                    Some(HeaderFact::Chunk) => Fact::Present,
                    Some(HeaderFact::ChunkType) => Fact::Uint(ty.into()),
                    Some(HeaderFact::ChunkLength) => Fact::Uint(length.into()),
                    Some(HeaderFact::ChunkFlags) => Fact::Uint(flags.into()),
                    Some(HeaderFact::Key(k)) if k == key => Fact::Present,
                    Some(HeaderFact::KeyLength(k)) if k == key => Fact::Uint(length.into()),
                    Some(HeaderFact::KeyFlags(k)) if k == key => Fact::Uint(flags.into()),
                    _ => continue,
                };
                items.push((i, fact));
            }
        }
        true
    }

    /// Adds what the association analysis says of the packet (`analysis.*`,
    /// named as in the JSON's `"analysis"` object).
    pub fn add_analysis(&mut self, r: &ReportRef<'_>, filter: &Filter) {
        let Some(at) = r.assoc else { return };
        // Matched whole against the filter's analysis names: no collector
        // (and its allocations) per packet.
        let (items, want) = (&mut self.items, filter.analysis_wanted.as_slice());
        put(items, want, "analysis", || Fact::Present);
        put(items, want, "analysis.association", || {
            Fact::Uint(at.id as u64)
        });
        if r.has_retransmission() {
            put(items, want, "analysis.retransmission", || Fact::Present);
        }
        for n in r.notes {
            match &n.note {
                Note::Data(d) => {
                    if let Some(x) = d.retransmission {
                        if let Some(f) = x.first_frame {
                            put(items, want, "analysis.retransmission.first_frame", || {
                                Fact::Uint(f)
                            });
                        }
                        if let Some(ns) = x.after_ns {
                            put(items, want, "analysis.retransmission.after", || {
                                Fact::Time(ns.into())
                            });
                        }
                    }
                    if let Some(f) = d.acked_before {
                        put(items, want, "analysis.acked_before", || Fact::Uint(f));
                    }
                    put(items, want, "analysis.gap", || Fact::Uint(d.gap.into()));
                    if d.out_of_window {
                        put(items, want, "analysis.out_of_window", || Fact::Present);
                    }
                    if let Some(m) = d.message {
                        put(items, want, "analysis.message", || Fact::Present);
                        put(items, want, "analysis.message.fragments", || {
                            Fact::Uint(m.fragments.into())
                        });
                        put(items, want, "analysis.message.bytes", || {
                            Fact::Uint(m.bytes)
                        });
                        put(items, want, "analysis.message.first_frame", || {
                            Fact::Uint(m.first_frame)
                        });
                    }
                    put(items, want, "analysis.in_flight", || {
                        Fact::Uint(d.in_flight)
                    });
                }
                Note::Sack(k) => {
                    put(items, want, "analysis.acked", || {
                        Fact::Uint(k.acked.len() as u64)
                    });
                    for a in &k.acked {
                        put(items, want, "analysis.acked.tsn", || {
                            Fact::Uint(a.tsn.into())
                        });
                        put(items, want, "analysis.acked.frame", || Fact::Uint(a.frame));
                        put(items, want, "analysis.rtt", || Fact::Time(a.rtt_ns.into()));
                    }
                    if let Some(w) = k.a_rwnd {
                        put(items, want, "analysis.a_rwnd", || Fact::Uint(w.into()));
                    }
                    put(items, want, "analysis.in_flight", || {
                        Fact::Uint(k.in_flight)
                    });
                    put(items, want, "analysis.dup_tsns", || {
                        Fact::Uint(k.dup_tsns as u64)
                    });
                    if k.stale {
                        put(items, want, "analysis.stale", || Fact::Present);
                    }
                    put(items, want, "analysis.revoked", || {
                        Fact::Uint(k.revoked.len() as u64)
                    });
                }
                Note::Auth(v) => put(items, want, "analysis.auth", || Fact::Word(v.name())),
                Note::SsctpAuth(v) => {
                    put(items, want, "analysis.ssctp_auth", || Fact::Word(v.name()))
                }
                Note::EncData(d) => {
                    put(items, want, "analysis.encdata", || Fact::Word(d.name()));
                    if let sctp_codec::analysis::Decryption::Plain { chunks, .. } = d {
                        let n = inner_chunks(chunks);
                        put(items, want, "analysis.decrypted", || Fact::Uint(n));
                    }
                }
                Note::Unauthenticated { ty } => {
                    put(items, want, "analysis.unauthenticated", || {
                        Fact::Uint(u64::from(*ty))
                    })
                }
                Note::HeartbeatAck(h) => {
                    put(items, want, "analysis.hb_rtt", || {
                        Fact::Time(h.rtt_ns.into())
                    });
                    put(items, want, "analysis.hb_rtt.request_frame", || {
                        Fact::Uint(h.request_frame)
                    });
                }
            }
        }
    }
}

/// Records the fact `f` of the analysis field `path` if the filter asks
/// about it (`wanted`: its analysis names with their wanted index).
fn put(
    items: &mut Vec<(usize, Fact)>,
    wanted: &[(usize, String)],
    path: &str,
    f: impl FnOnce() -> Fact,
) {
    if let Some(&(i, _)) = wanted.iter().find(|(_, w)| *w == path) {
        items.push((i, f()));
    }
}

fn eval(e: &Expr, facts: &Facts) -> bool {
    match e {
        Expr::Or(a, b) => eval(a, facts) || eval(b, facts),
        Expr::And(a, b) => eval(a, facts) && eval(b, facts),
        Expr::Not(a) => !eval(a, facts),
        Expr::Test(ids, cmp) => {
            let mut values = facts
                .items
                .iter()
                .filter(|(i, _)| ids.contains(i))
                .map(|(_, f)| f);
            match cmp {
                None => values.next().is_some(),
                // `a != b` is `!(a == b)`: no occurrence equals b.
                Some(Cmp::Rel(Op::Ne, v)) => !values.any(|f| equals(f, v)),
                Some(Cmp::Rel(Op::Eq, v)) => values.any(|f| equals(f, v)),
                Some(Cmp::Rel(op, v)) => values.any(|f| {
                    compare(f, v).is_some_and(|o| match op {
                        Op::Lt => o.is_lt(),
                        Op::Le => o.is_le(),
                        Op::Gt => o.is_gt(),
                        Op::Ge => o.is_ge(),
                        Op::Eq | Op::Ne => o.is_eq(),
                    })
                }),
                Some(Cmp::Contains(b)) => values.any(|f| contains(f, b)),
                Some(Cmp::In(set)) => values.any(|f| {
                    set.iter().any(|(lo, hi)| match hi {
                        None => equals(f, lo),
                        Some(hi) => {
                            compare(f, lo).is_some_and(|o| o.is_ge())
                                && compare(f, hi).is_some_and(|o| o.is_le())
                        }
                    })
                }),
            }
        }
    }
}

/// How many chunks a decrypted EncData holds (RFC 9260 3.2 Lengths).
fn inner_chunks(b: &[u8]) -> u64 {
    let (mut at, mut n) = (0usize, 0u64);
    while at + 4 <= b.len() {
        let len = usize::from(u16::from_be_bytes([b[at + 2], b[at + 3]]));
        if len < 4 {
            break;
        }
        n += 1;
        at += (len + 3) & !3;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Any text either parses or fails with an offset inside it; never a panic.
    #[test]
    fn garbage_never_panics_and_errors_point_inside_the_text() {
        let pieces = [
            "data",
            "data.tsn",
            "==",
            "!=",
            "<",
            ">=",
            "&&",
            "||",
            "!",
            "(",
            ")",
            "{",
            "}",
            ",",
            "..",
            "1..",
            "in",
            "contains",
            "\"a\\x4",
            "\"x\"",
            "0x",
            "0xffffffffffffffffff",
            "18446744073709551616",
            "1.2.3.4",
            "10.0.0.0/99",
            "::1",
            "01:02",
            "and",
            "not",
            "~",
            "é",
            "\"",
            " ",
            ".",
            "..",
            "chunk.type",
            "sack.gap_ack_blocks.start",
            "init.params",
            "ipv4_address",
            "frame.time_relative",
            "-1",
            "SACK",
        ];
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            let mut text = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            for k in 0..(seed % 7) {
                let p = pieces[((seed >> (8 * k)) as usize) % pieces.len()];
                text.push_str(p);
                if seed >> (k + 40) & 1 == 1 {
                    text.push(' ');
                }
            }
            if let Err(e) = Filter::parse(&text) {
                assert!(e.offset <= text.len(), "{text:?}: {e}");
            }
        }
    }

    fn facts(f: &Filter, items: &[(&str, Fact)]) -> Facts {
        Facts {
            keys: Vec::new(),
            items: items
                .iter()
                .filter_map(|(p, v)| {
                    let i = f.wanted.iter().position(|(w, _)| w == p)?;
                    Some((i, v.clone()))
                })
                .collect(),
        }
    }

    #[test]
    fn any_occurrence_and_not_equal() {
        let items = [
            ("data", Fact::Present),
            ("data.tsn", Fact::Uint(5)),
            ("data.tsn", Fact::Uint(9)),
            ("src", Fact::Ip("10.0.0.1".parse().unwrap())),
        ];
        let m = |f: &str| {
            let f = Filter::parse(f).unwrap();
            f.matches(&facts(&f, &items))
        };
        assert!(m("data.tsn == 9") && m("data.tsn < 6") && m("data"));
        assert!(!m("data.tsn != 9"), "!= is !(==), as in Wireshark 3.6+");
        assert!(m("src == 10.0.0.1") && !m("src == 10.0.0.2") && !m("sack"));
        assert!(m("!(sack || data.tsn > 9) && (data.tsn >= 9)"));
        assert!(m("data.tsn in {1, 9}") && m("data.tsn in {6..9}") && !m("data.tsn in {6..8}"));
        assert!(m("data.tsn not in {1, 2}") && !m("data.tsn not in {5}"));
        assert!(m("src == 10.0.0.0/8") && !m("src == 11.0.0.0/8"));
    }

    /// Item 8 of issue 15: a value of another type is an error naming the
    /// field's type, pointing at the value.
    #[test]
    fn type_mismatch_names_the_type() {
        let e = |f: &str| Filter::parse(f).unwrap_err().to_string();
        assert_eq!(
            e("data.tsn == 192.168.0.1"),
            "column 13: data.tsn is an unsigned integer (32 bits): \"192.168.0.1\" is not a number"
        );
        assert_eq!(
            e("src == 5"),
            "column 8: src is an IP address: \"5\" is not an IPv4 or IPv6 address or network (10.0.0.0/8)"
        );
        assert!(e("data == 5").starts_with("column 1: data is a chunk with no single value"));
        assert!(e("vtag == 10.0.0.1")
            .contains("vtag (verification_tag) is an unsigned integer (32 bits)"));
    }
}
