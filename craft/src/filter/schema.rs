//! What every filter name is and what type its values have: the chunk,
//! parameter and cause names, their fields and flags come from the codec's
//! registry (through the crafting language's constructor names); the common
//! header, the frame and the generic TLV header fields are listed here, as
//! the registry does not describe them.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use sctp_codec::analysis::fields::{FieldKind as AnalysisKind, FIELDS};
use sctp_codec::analysis::AuthVerdict;
use sctp_codec::auth::HmacAlgorithm;
use sctp_codec::registry::Family;
use sctp_codec::wire::{FieldInfo, FieldKind};
use sctp_codec::ChecksumStatus;

use crate::lang::names;

/// The type of a filter name: which values and operators it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// An unsigned integer this many bits wide.
    Uint(u8),
    /// A chunk type, parameter type or cause code: a number or a name.
    Code(Family),
    /// An IPv4 or IPv6 address.
    Addr,
    /// Opaque bytes.
    Bytes,
    /// Text bytes.
    Text,
    /// A time, in seconds with up to nanoseconds.
    Time,
    /// A checksum status.
    Status,
    /// A list of unsigned integers this many bits wide: compares its elements.
    UintList(u8),
    /// A list of records (gap ack blocks): compares how many there are.
    Records,
    /// A list of chunks, parameters or causes: compares how many there are,
    /// or the addresses (main fields) of the TLVs in it.
    TlvList(Family),
    /// A whole packet inside a chunk (PKTDROP): only present or not.
    Packet,
    /// One chunk, parameter or cause: present, or (parameters and causes
    /// with one) its main field.
    Tlv(Family),
    /// Any chunk, parameter or cause (`chunk`, `param`, `cause`).
    Any(Family),
    /// A mark of the association analysis: present or not, no value
    /// (`analysis.retransmission`, as tshark's `sctp.retransmission`).
    Flag,
    /// An AUTH verdict of the association analysis.
    Auth,
}

/// A family's name in messages.
pub fn family_word(f: Family) -> &'static str {
    match f {
        Family::Chunk => "chunk",
        Family::Param => "parameter",
        Family::Cause => "cause",
    }
}

fn plural(f: Family) -> &'static str {
    match f {
        Family::Chunk => "chunks",
        Family::Param => "parameters",
        Family::Cause => "causes",
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bits = |b: u8| {
            if b == 1 {
                "1 bit".to_string()
            } else {
                format!("{b} bits")
            }
        };
        match self {
            Ty::Uint(b) => write!(f, "an unsigned integer ({})", bits(*b)),
            Ty::Code(fam) => write!(
                f,
                "an unsigned integer ({}) or a {} name",
                bits(if *fam == Family::Chunk { 8 } else { 16 }),
                family_word(*fam)
            ),
            Ty::Addr => f.write_str("an IP address"),
            Ty::Bytes => f.write_str("bytes"),
            Ty::Text => f.write_str("text"),
            Ty::Time => f.write_str("a time in seconds"),
            Ty::Status => write!(f, "a checksum status ({})", status_names().join(", ")),
            Ty::UintList(b) => write!(f, "a list of unsigned integers ({})", bits(*b)),
            Ty::Records => f.write_str("a list of records"),
            Ty::TlvList(fam) => write!(f, "a list of {}", plural(*fam)),
            Ty::Packet => f.write_str("a packet"),
            Ty::Tlv(fam) => write!(f, "a {}", family_word(*fam)),
            Ty::Any(fam) => write!(f, "any {}", family_word(*fam)),
            Ty::Flag => f.write_str("a flag (present or not)"),
            Ty::Auth => write!(f, "an AUTH verdict ({})", auth_names().join(", ")),
        }
    }
}

/// The checksum statuses, as the JSON output names them.
pub fn status_names() -> [&'static str; 4] {
    [
        ChecksumStatus::Good,
        ChecksumStatus::Bad,
        ChecksumStatus::Zero,
        ChecksumStatus::Unverifiable,
    ]
    .map(|s| s.as_str())
}

/// The AUTH verdicts, as the JSON output names them (docs/auth-keys.md).
pub fn auth_names() -> [&'static str; 6] {
    [
        AuthVerdict::Verified {
            key_id: 0,
            hmac: HmacAlgorithm::Sha1,
        },
        AuthVerdict::BadHmac { key_id: 0 },
        AuthVerdict::NoKey { key_id: 0 },
        AuthVerdict::NoHandshake,
        AuthVerdict::UnsupportedHmac(0),
        AuthVerdict::Truncated,
    ]
    .map(|v| v.name())
}

/// The type of a registry field kind.
pub fn ty_of(kind: FieldKind) -> Ty {
    match kind {
        FieldKind::U8 => Ty::Uint(8),
        FieldKind::U16 | FieldKind::OptU16 => Ty::Uint(16),
        FieldKind::U32 | FieldKind::OptU32 => Ty::Uint(32),
        FieldKind::Ipv4 | FieldKind::Ipv6 => Ty::Addr,
        FieldKind::Bytes => Ty::Bytes,
        FieldKind::Text => Ty::Text,
        FieldKind::U8List => Ty::UintList(8),
        FieldKind::U16List => Ty::UintList(16),
        FieldKind::U32List => Ty::UintList(32),
        FieldKind::Records(_) => Ty::Records,
        FieldKind::Params => Ty::TlvList(Family::Param),
        FieldKind::Causes => Ty::TlvList(Family::Cause),
        FieldKind::Chunks => Ty::TlvList(Family::Chunk),
        FieldKind::Packet => Ty::Packet,
    }
}

/// One name inside a chunk, parameter or cause: a field, a record's field
/// (`gap_ack_blocks.start`), a flag, or its Length / Flags.
#[derive(Debug, Clone)]
pub struct Member {
    /// The name after the TLV's key (`tsn`, `gap_ack_blocks.start`).
    pub name: String,
    /// Its type.
    pub ty: Ty,
    /// One line from the defining document.
    pub doc: &'static str,
}

/// A chunk, parameter or cause as filters see it.
#[derive(Debug, Clone)]
pub struct Tlv {
    /// Its key (`init_ack`).
    pub key: &'static str,
    /// Chunk, parameter or cause (the first registered, for keys that exist
    /// in two families: `padding`).
    pub family: Family,
    /// The registry name (`INIT-ACK`).
    pub name: &'static str,
    /// Fields, record fields, flags, `length` (and `flags` for chunks).
    pub members: Vec<Member>,
    /// The field a parameter or cause compares when used as a value.
    pub main: Option<&'static str>,
}

impl Tlv {
    /// The member called exactly `name`.
    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.name == name)
    }
}

/// A name outside every TLV: the header, the frame, the generic TLV fields.
#[derive(Debug, Clone, Copy)]
pub struct TopField {
    /// The name.
    pub name: &'static str,
    /// Its type.
    pub ty: Ty,
    /// What it is.
    pub doc: &'static str,
}

/// The fields outside every TLV but the analysis'. The header's names are
/// the codec's (`source_port` ...; the crafting language's aliases `sport`
/// ... apply).
const TOP: &[TopField] = &[
    TopField {
        name: "sctp",
        ty: Ty::Packet,
        doc: "an SCTP packet: every packet dissect prints (as tshark's sctp)",
    },
    TopField {
        name: "frame",
        ty: Ty::Uint(32),
        doc: "the frame number in the capture (as tshark's frame.number)",
    },
    TopField {
        name: "frame.time_relative",
        ty: Ty::Time,
        doc: "seconds since the capture's first frame",
    },
    TopField {
        name: "frame.time_epoch",
        ty: Ty::Time,
        doc: "seconds since 1970-01-01 UTC",
    },
    TopField {
        name: "frame.time_delta",
        ty: Ty::Time,
        doc: "seconds since the capture's previous frame",
    },
    TopField {
        name: "src",
        ty: Ty::Addr,
        doc: "the IP source address of the SCTP packet",
    },
    TopField {
        name: "dst",
        ty: Ty::Addr,
        doc: "the IP destination address of the SCTP packet",
    },
    TopField {
        name: "source_port",
        ty: Ty::Uint(16),
        doc: "Source Port Number",
    },
    TopField {
        name: "destination_port",
        ty: Ty::Uint(16),
        doc: "Destination Port Number",
    },
    TopField {
        name: "verification_tag",
        ty: Ty::Uint(32),
        doc: "Verification Tag",
    },
    TopField {
        name: "checksum",
        ty: Ty::Uint(32),
        doc: "Checksum, as on the wire",
    },
    TopField {
        name: "checksum.status",
        ty: Ty::Status,
        doc: "whether the checksum verifies (--checksum chooses the algorithm)",
    },
    TopField {
        name: "chunk",
        ty: Ty::Any(Family::Chunk),
        doc: "any chunk",
    },
    TopField {
        name: "chunk.type",
        ty: Ty::Code(Family::Chunk),
        doc: "Chunk Type of any chunk",
    },
    TopField {
        name: "chunk.flags",
        ty: Ty::Uint(8),
        doc: "Chunk Flags of any chunk",
    },
    TopField {
        name: "chunk.length",
        ty: Ty::Uint(16),
        doc: "Chunk Length of any chunk",
    },
    TopField {
        name: "param",
        ty: Ty::Any(Family::Param),
        doc: "any parameter",
    },
    TopField {
        name: "param.type",
        ty: Ty::Code(Family::Param),
        doc: "Parameter Type of any parameter",
    },
    TopField {
        name: "param.length",
        ty: Ty::Uint(16),
        doc: "Parameter Length of any parameter",
    },
    TopField {
        name: "cause",
        ty: Ty::Any(Family::Cause),
        doc: "any error cause",
    },
    TopField {
        name: "cause.code",
        ty: Ty::Code(Family::Cause),
        doc: "Cause Code of any cause",
    },
    TopField {
        name: "cause.length",
        ty: Ty::Uint(16),
        doc: "Cause Length of any cause",
    },
];

/// The type of an analysis value of the codec's table.
fn analysis_ty(k: AnalysisKind) -> Ty {
    match k {
        AnalysisKind::Flag => Ty::Flag,
        AnalysisKind::Uint | AnalysisKind::Frame => Ty::Uint(32),
        AnalysisKind::Time => Ty::Time,
        AnalysisKind::Auth => Ty::Auth,
        AnalysisKind::ChunkType => Ty::Code(Family::Chunk),
    }
}

/// Every name outside the TLVs: the header, the frame and the generic TLV
/// fields, then the association analysis' from the codec's one table
/// (`sctp_codec::analysis::fields`, RFC 9260 6.2.1, 6.3; RFC 4895), but for
/// the values only a later packet gives (`later`: a one-pass read cannot).
pub fn top_fields() -> &'static [TopField] {
    static ALL: OnceLock<Vec<TopField>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v = TOP.to_vec();
        v.extend(FIELDS.iter().filter(|d| !d.later).map(|d| TopField {
            name: d.name,
            ty: analysis_ty(d.kind),
            doc: d.doc,
        }));
        v
    })
}

/// Every filter name's type, built once.
pub struct Schema {
    /// Chunks, parameters and causes by key, in registry order of first use.
    pub tlvs: BTreeMap<&'static str, Tlv>,
    /// Keys in registry order (for listings).
    pub order: Vec<&'static str>,
    /// The key of each registered (family, type number, name).
    keys: FxHashMap<(u8, u16, &'static str), &'static str>,
    /// The key of each registered (family, name), for types whose number
    /// depends on the context (S-SCTP).
    keys_by_name: FxHashMap<(u8, &'static str), &'static str>,
}

fn fam_id(f: Family) -> u8 {
    match f {
        Family::Chunk => 0,
        Family::Param => 1,
        Family::Cause => 2,
    }
}

/// The field a parameter or cause compares when used as a value: its only
/// field (reserved ones aside), else its only address field.
fn main_field(fields: &'static [FieldInfo]) -> Option<&'static str> {
    let real: Vec<&FieldInfo> = fields
        .iter()
        .filter(|f| !f.name.starts_with("reserved"))
        .collect();
    if let [one] = real.as_slice() {
        return Some(one.name);
    }
    let addr: Vec<&&FieldInfo> = real
        .iter()
        .filter(|f| {
            matches!(f.kind, FieldKind::Ipv4 | FieldKind::Ipv6) || f.name.contains("address")
        })
        .collect();
    match addr.as_slice() {
        [one] => Some(one.name),
        _ => None,
    }
}

impl Schema {
    /// The schema, built from the registry on first use.
    pub fn get() -> &'static Schema {
        static S: OnceLock<Schema> = OnceLock::new();
        S.get_or_init(Schema::build)
    }

    fn build() -> Schema {
        let mut s = Schema {
            tlvs: BTreeMap::new(),
            order: Vec::new(),
            keys: FxHashMap::default(),
            keys_by_name: FxHashMap::default(),
        };
        for n in names::table() {
            let info = n.info;
            let key: &'static str = n.key.as_str();
            s.keys
                .entry((fam_id(info.family), info.value, info.name))
                .or_insert(key);
            s.keys_by_name
                .entry((fam_id(info.family), info.name))
                .or_insert(key);
            let tlv = s.tlvs.entry(key).or_insert_with(|| Tlv {
                key,
                family: info.family,
                name: info.name,
                members: Vec::new(),
                main: None,
            });
            if !s.order.contains(&key) {
                s.order.push(key);
            }
            let mut add = |name: String, ty: Ty, doc: &'static str| {
                if tlv.member(&name).is_none() {
                    tlv.members.push(Member { name, ty, doc });
                }
            };
            for f in info.fields {
                add(f.name.to_string(), ty_of(f.kind), f.doc);
                if let FieldKind::Records(inner) = f.kind {
                    for r in inner {
                        add(format!("{}.{}", f.name, r.name), ty_of(r.kind), r.doc);
                    }
                }
            }
            for fl in info.flags {
                add(
                    fl.name.to_string(),
                    Ty::Uint(fl.mask.count_ones() as u8),
                    "a flag",
                );
            }
            let (len_doc, flags) = match info.family {
                Family::Chunk => ("Chunk Length", true),
                Family::Param => ("Parameter Length", false),
                Family::Cause => ("Cause Length", false),
            };
            add("length".into(), Ty::Uint(16), len_doc);
            if flags {
                add("flags".into(), Ty::Uint(8), "Chunk Flags");
            }
            if info.family != Family::Chunk && tlv.main.is_none() {
                tlv.main = main_field(info.fields);
            }
        }
        s
    }

    /// The key of a chunk, parameter or cause the codec reports.
    pub fn key_of(&self, family: Family, value: u16, name: &'static str) -> Option<&'static str> {
        let f = fam_id(family);
        self.keys
            .get(&(f, value, name))
            .or_else(|| self.keys_by_name.get(&(f, name)))
            .copied()
    }

    /// Whether `key` names chunks only (no parameter or cause has it).
    pub fn chunk_only(&self, key: &str) -> bool {
        let mut chunk = false;
        for ((fam, _, _), k) in &self.keys {
            if *k == key {
                if *fam != fam_id(Family::Chunk) {
                    return false;
                }
                chunk = true;
            }
        }
        for ((fam, _), k) in &self.keys_by_name {
            if *k == key && *fam != fam_id(Family::Chunk) {
                return false;
            }
        }
        chunk
    }

    /// The TLV called `key`.
    pub fn tlv(&self, key: &str) -> Option<&Tlv> {
        self.tlvs.get(key)
    }

    /// The name outside every TLV called exactly `name`.
    pub fn top(&self, name: &str) -> Option<&'static TopField> {
        top_fields().iter().find(|t| t.name == name)
    }

    /// The type of a canonical path (`data.tsn`, `src`, `sack.gap_ack_blocks.start`).
    pub fn ty(&self, path: &str) -> Option<Ty> {
        if let Some(t) = self.top(path) {
            return Some(t.ty);
        }
        let (key, rest) = path.split_once('.').unwrap_or((path, ""));
        let tlv = self.tlv(key)?;
        if rest.is_empty() {
            return Some(Ty::Tlv(tlv.family));
        }
        tlv.member(rest).map(|m| m.ty)
    }

    /// The main field of `key`, as a member name.
    pub fn main(&self, key: &str) -> Option<&'static str> {
        self.tlv(key).and_then(|t| t.main)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_names_types_and_main_fields() {
        let s = Schema::get();
        assert_eq!(s.ty("data.tsn"), Some(Ty::Uint(32)));
        assert_eq!(s.ty("data.e_bit"), Some(Ty::Uint(1)));
        assert_eq!(s.ty("sack.gap_ack_blocks"), Some(Ty::Records));
        assert_eq!(s.ty("sack.gap_ack_blocks.start"), Some(Ty::Uint(16)));
        assert_eq!(s.ty("sack.duplicate_tsns"), Some(Ty::UintList(32)));
        assert_eq!(s.ty("init.params"), Some(Ty::TlvList(Family::Param)));
        assert_eq!(s.ty("init_ack"), Some(Ty::Tlv(Family::Chunk)));
        assert_eq!(s.ty("src"), Some(Ty::Addr));
        assert_eq!(s.main("ipv4_address"), Some("ipv4_address"));
        assert_eq!(s.main("add_ip_address"), Some("address"));
        assert_eq!(
            s.main("invalid_stream_identifier"),
            Some("stream_identifier")
        );
        assert_eq!(s.main("heartbeat_info"), Some("heartbeat_information"));
        assert_eq!(s.main("data"), None, "chunks have no main field");
        assert_eq!(s.main("ecn_capable"), None);
        assert_eq!(s.main("vtags"), None);
        assert_eq!(s.ty("data.length"), Some(Ty::Uint(16)));
        assert_eq!(s.ty("data.flags"), Some(Ty::Uint(8)));
    }

    /// A key shared by two families (`padding`) has one type per member.
    #[test]
    fn shared_keys_agree_on_member_types() {
        for n in names::table() {
            let t = Schema::get().tlv(&n.key).unwrap();
            for f in n.info.fields {
                assert_eq!(
                    t.member(f.name).unwrap().ty,
                    ty_of(f.kind),
                    "{}.{}",
                    n.key,
                    f.name
                );
            }
        }
    }
}
