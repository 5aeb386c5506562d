//! The field catalog: every field the plugin registers, derived from the
//! codec registry (one field per registry field, flag and list item), plus
//! the few framework fields (common header, TLV headers, padding,
//! reassembly). Twins of built-in fields take the built-in's name
//! ([`crate::names`]); the others are named `sctpkit.<type key>.<field>`.

use std::collections::HashMap;
use std::ffi::{CStr, CString};

use sctp_codec::registry::{self, DialectTag, Family, TypeInfo};
use sctp_codec::wire::{FieldInfo, FieldKind};

use crate::ffi::{Base, FieldReg, FieldType, Names};
use crate::names::{self, TwinBase};

/// The filter prefix of every field.
pub const PREFIX: &str = "sctpkit";

/// Framework fields that do not come from a registry row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fixed {
    /// Source port.
    SrcPort,
    /// Destination port.
    DstPort,
    /// Either port (hidden, like `sctp.port`).
    Port,
    /// Verification tag.
    Vtag,
    /// Checksum.
    Checksum,
    /// Checksum status.
    ChecksumStatus,
    /// Chunk type.
    ChunkType,
    /// Chunk flags.
    ChunkFlags,
    /// Chunk type bit 1 (0x80).
    ChunkBit1,
    /// Chunk type bit 2 (0x40).
    ChunkBit2,
    /// Chunk length.
    ChunkLength,
    /// Chunk padding.
    ChunkPadding,
    /// Value of an unknown or malformed chunk.
    ChunkValue,
    /// Parameter type.
    ParamType,
    /// Parameter type bit 1 (0x8000).
    ParamBit1,
    /// Parameter type bit 2 (0x4000).
    ParamBit2,
    /// Parameter length.
    ParamLength,
    /// Parameter padding.
    ParamPadding,
    /// Value of an unknown or malformed parameter.
    ParamValue,
    /// Cause code.
    CauseCode,
    /// Cause length.
    CauseLength,
    /// Cause padding.
    CausePadding,
    /// Value of an unknown or malformed cause.
    CauseInformation,
    /// Bytes inside a Length that are not part of the value.
    Extra,
    /// Bytes after the last chunk.
    Trailing,
    /// Source port of a packet inside PKTDROP.
    InnerSrcPort,
    /// Destination port of a packet inside PKTDROP.
    InnerDstPort,
    /// Verification tag of a packet inside PKTDROP.
    InnerVtag,
    /// Checksum of a packet inside PKTDROP.
    InnerChecksum,
    /// A fragment of a reassembled message (frame number).
    Fragment,
    /// The message fragments (header).
    Fragments,
    /// The frame a fragment was reassembled in.
    ReassembledIn,
    /// Length of a reassembled message.
    ReassembledLength,
    /// The association index (see [`crate::assoc`]).
    AssocIndex,
}

/// What a registry row's fields map to: `(path, field index)` pairs.
#[derive(Debug, Default, Clone)]
pub struct RowFields {
    /// Field paths (`tsn`, `gap_ack_blocks.start`, `duplicate_tsns` for list
    /// items, `flag:e_bit`, `ppid_or_fsn#fsn`) to catalog indices.
    pub paths: Vec<(String, usize)>,
    /// Hidden second names of some paths (the built-in's `_raw` twins).
    pub also: Vec<(String, usize)>,
    /// The row is S-SCTP (its number may mean something else in SCTP).
    pub ssctp: bool,
}

impl RowFields {
    /// The catalog index for `path`.
    pub fn get(&self, path: &str) -> Option<usize> {
        self.paths.iter().find(|(p, _)| p == path).map(|(_, i)| *i)
    }

    /// The catalog index for `list.name` (`list` given) or `name`, without
    /// building the path string.
    pub fn find(&self, list: Option<&str>, name: &str) -> Option<usize> {
        self.paths
            .iter()
            .find(|(p, _)| path_is(p, list, name))
            .map(|(_, i)| *i)
    }

    /// The catalog index of flag `name`.
    pub fn flag(&self, name: &str) -> Option<usize> {
        self.paths
            .iter()
            .find(|(p, _)| p.strip_prefix("flag:") == Some(name))
            .map(|(_, i)| *i)
    }

    /// Hidden second names of `list.name` / `name`.
    pub fn also_of<'s>(
        &'s self,
        list: Option<&'s str>,
        name: &'s str,
    ) -> impl Iterator<Item = usize> + 's {
        self.also
            .iter()
            .filter(move |(p, _)| path_is(p, list, name))
            .map(|(_, i)| *i)
    }
}

/// Whether `p` is `list.name` (or `name` without a list).
fn path_is(p: &str, list: Option<&str>, name: &str) -> bool {
    match list {
        None => p == name,
        Some(l) => {
            p.len() == l.len() + 1 + name.len()
                && p.starts_with(l)
                && p.as_bytes()[l.len()] == b'.'
                && p.ends_with(name)
        }
    }
}

/// Every field to register, and how to find them while dissecting.
#[derive(Debug, Default)]
pub struct Catalog {
    /// The registrations, in order.
    pub regs: Vec<FieldReg>,
    by_abbrev: HashMap<String, usize>,
    /// Catalog index per [`Fixed`] (indexed by `Fixed as usize`; a plain
    /// array: looked up several times per chunk while dissecting).
    fixed: Vec<usize>,
    /// Per registry row (same order as [`registry::all`]).
    pub rows: Vec<RowFields>,
    /// Per registry row: the subtree label ("DATA chunk").
    pub labels: Vec<&'static CStr>,
    owners: HashMap<(u8, u16, &'static str), usize, FastHash>,
    by_name: HashMap<(u8, &'static str), Vec<usize>, FastHash>,
}

/// A fast, non-keyed hasher (FxHash) for the per-chunk lookups by type and
/// name: SipHash over the name showed up in profiles of many-chunk packets.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(w));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64)
    }
    fn write_u16(&mut self, i: u16) {
        self.add(i as u64)
    }
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64)
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i)
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64)
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl FxHasher {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// `BuildHasher` of [`FxHasher`].
pub type FastHash = std::hash::BuildHasherDefault<FxHasher>;

fn fam_code(f: Family) -> u8 {
    match f {
        Family::Chunk => 0,
        Family::Param => 1,
        Family::Cause => 2,
    }
}

/// Value names for a family's type numbers, from the registry.
pub fn type_names(family: Family) -> Vec<(u32, String)> {
    let mut out: Vec<(u32, String)> = Vec::new();
    for t in registry::all().filter(|t| t.family == family) {
        if out.iter().any(|(v, _)| *v == t.value as u32) {
            continue; // the standard meaning wins for a shared number
        }
        out.push((t.value as u32, t.name.to_string()));
    }
    out
}

/// A registry row's identifier in field names, unique within its family
/// and dialect (`data`, `init_ack`, `reserved_for_..._3f`).
fn row_key(t: &TypeInfo) -> String {
    let k = t.key();
    let dup = registry::all()
        .filter(|o| o.family == t.family && o.dialect == t.dialect && o.key() == k)
        .count()
        > 1;
    if dup {
        format!("{k}_{:02x}", t.value)
    } else {
        k
    }
}

/// The name stem of a row's non-twin fields.
fn row_stem(t: &TypeInfo) -> String {
    let fam = match t.family {
        Family::Chunk => "",
        Family::Param => "param.",
        Family::Cause => "cause.",
    };
    let dial = match t.dialect {
        DialectTag::Standard => "",
        _ => "ssctp.",
    };
    format!("{PREFIX}.{dial}{fam}{}", row_key(t))
}

/// A label that lives as long as the plugin (tree items point at it).
pub fn static_cstr(s: &str) -> &'static CStr {
    let c = CString::new(s.replace('\0', " ")).unwrap_or_default();
    Box::leak(c.into_boxed_c_str())
}

/// A field's display name: the start of its doc line from the defining
/// document ("Transmission Sequence Number"), else its name.
fn display_name(doc: &str, path: &str) -> String {
    let d = doc.trim();
    let cut = [". ", " (", ": ", "; ", ", "]
        .iter()
        .filter_map(|p| d.find(p))
        .min()
        .unwrap_or(d.len());
    let d = d[..cut].trim_end_matches('.').trim();
    if d.is_empty() || d.len() > 48 {
        capitalize(&humanize(path))
    } else {
        capitalize(d)
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn humanize(s: &str) -> String {
    s.replace(['_', '.'], " ").replace("#", " as ")
}

impl Catalog {
    /// Builds the catalog from the codec registry.
    pub fn build() -> Catalog {
        let mut c = Catalog::default();
        c.add_fixed();
        let rows: Vec<&'static TypeInfo> = registry::all().collect();
        for (k, t) in rows.iter().enumerate() {
            let rf = c.add_row(t);
            c.rows.push(rf);
            let what = match t.family {
                Family::Chunk => "chunk",
                Family::Param => "parameter",
                Family::Cause => "cause",
            };
            let label = match t.provisional() {
                Some(_) => format!("{} {what} (PROVISIONAL type)", t.name),
                None => format!("{} {what}", t.name),
            };
            c.labels.push(static_cstr(&label));
            c.owners
                .entry((fam_code(t.family), t.value, t.name))
                .or_insert(k);
            c.by_name
                .entry((fam_code(t.family), t.name))
                .or_default()
                .push(k);
        }
        c
    }

    fn add(&mut self, reg: FieldReg) -> usize {
        if let Some(&i) = self.by_abbrev.get(&reg.abbrev) {
            return i;
        }
        self.regs.push(reg);
        let i = self.regs.len() - 1;
        self.by_abbrev.insert(self.regs[i].abbrev.clone(), i);
        i
    }

    fn add_fixed(&mut self) {
        use FieldType as T;
        use Fixed as F;
        let chunk_names = Names::Table(type_names(Family::Chunk));
        let param_names = Names::Table(type_names(Family::Param));
        let cause_names = Names::Table(type_names(Family::Cause));
        let list: Vec<(F, &str, &str, FieldType, Base, u64, Names)> = vec![
            (
                F::SrcPort,
                "srcport",
                "Source port",
                T::U16,
                Base::Dec,
                0,
                Names::None,
            ),
            (
                F::DstPort,
                "dstport",
                "Destination port",
                T::U16,
                Base::Dec,
                0,
                Names::None,
            ),
            (F::Port, "port", "Port", T::U16, Base::Dec, 0, Names::None),
            (
                F::Vtag,
                "verification_tag",
                "Verification tag",
                T::U32,
                Base::Hex,
                0,
                Names::None,
            ),
            (
                F::Checksum,
                "checksum",
                "Checksum",
                T::U32,
                Base::Hex,
                0,
                Names::None,
            ),
            (
                F::ChecksumStatus,
                "checksum.status",
                "Checksum Status",
                T::U8,
                Base::None,
                0,
                Names::ChecksumStatus,
            ),
            (
                F::ChunkType,
                "chunk_type",
                "Chunk type",
                T::U8,
                Base::Dec,
                0,
                chunk_names,
            ),
            (
                F::ChunkFlags,
                "chunk_flags",
                "Chunk flags",
                T::U8,
                Base::Hex,
                0,
                Names::None,
            ),
            (
                F::ChunkBit1,
                "chunk_bit_1",
                "Bit (skip unknown chunk)",
                T::Bool(8),
                Base::None,
                0x80,
                Names::None,
            ),
            (
                F::ChunkBit2,
                "chunk_bit_2",
                "Bit (report unknown chunk)",
                T::Bool(8),
                Base::None,
                0x40,
                Names::None,
            ),
            (
                F::ChunkLength,
                "chunk_length",
                "Chunk length",
                T::U16,
                Base::Dec,
                0,
                Names::None,
            ),
            (
                F::ChunkPadding,
                "chunk_padding",
                "Chunk padding",
                T::Bytes,
                Base::None,
                0,
                Names::None,
            ),
            (
                F::ChunkValue,
                "chunk_value",
                "Chunk value",
                T::Bytes,
                Base::None,
                0,
                Names::None,
            ),
            (
                F::ParamType,
                "parameter_type",
                "Parameter type",
                T::U16,
                Base::Hex,
                0,
                param_names,
            ),
            (
                F::ParamBit1,
                "parameter_bit_1",
                "Bit (skip unknown parameter)",
                T::Bool(16),
                Base::None,
                0x8000,
                Names::None,
            ),
            (
                F::ParamBit2,
                "parameter_bit_2",
                "Bit (report unknown parameter)",
                T::Bool(16),
                Base::None,
                0x4000,
                Names::None,
            ),
            (
                F::ParamLength,
                "parameter_length",
                "Parameter length",
                T::U16,
                Base::Dec,
                0,
                Names::None,
            ),
            (
                F::ParamPadding,
                "parameter_padding",
                "Parameter padding",
                T::Bytes,
                Base::None,
                0,
                Names::None,
            ),
            (
                F::ParamValue,
                "parameter_value",
                "Parameter value",
                T::Bytes,
                Base::None,
                0,
                Names::None,
            ),
            (
                F::CauseCode,
                "cause_code",
                "Cause code",
                T::U16,
                Base::Hex,
                0,
                cause_names,
            ),
            (
                F::CauseLength,
                "cause_length",
                "Cause length",
                T::U16,
                Base::Dec,
                0,
                Names::None,
            ),
            (
                F::CausePadding,
                "cause_padding",
                "Cause padding",
                T::Bytes,
                Base::None,
                0,
                Names::None,
            ),
            (
                F::CauseInformation,
                "cause_information",
                "Cause information",
                T::Bytes,
                Base::None,
                0,
                Names::None,
            ),
            (
                F::Extra,
                "extra",
                "Bytes inside Length after the value",
                T::Bytes,
                Base::None,
                0,
                Names::None,
            ),
            (
                F::Trailing,
                "trailing",
                "Bytes after the last chunk",
                T::Bytes,
                Base::None,
                0,
                Names::None,
            ),
            (
                F::InnerSrcPort,
                "pktdrop.srcport",
                "Dropped packet source port",
                T::U16,
                Base::Dec,
                0,
                Names::None,
            ),
            (
                F::InnerDstPort,
                "pktdrop.dstport",
                "Dropped packet destination port",
                T::U16,
                Base::Dec,
                0,
                Names::None,
            ),
            (
                F::InnerVtag,
                "pktdrop.verification_tag",
                "Dropped packet verification tag",
                T::U32,
                Base::Hex,
                0,
                Names::None,
            ),
            (
                F::InnerChecksum,
                "pktdrop.checksum",
                "Dropped packet checksum",
                T::U32,
                Base::Hex,
                0,
                Names::None,
            ),
            (
                F::Fragment,
                "fragment",
                "Fragment",
                T::FrameNum,
                Base::None,
                0,
                Names::None,
            ),
            (
                F::Fragments,
                "fragments",
                "Reassembled message fragments",
                T::None,
                Base::None,
                0,
                Names::None,
            ),
            (
                F::ReassembledIn,
                "reassembled_in",
                "Reassembled message in frame",
                T::FrameNum,
                Base::None,
                0,
                Names::None,
            ),
            (
                F::ReassembledLength,
                "reassembled_length",
                "Reassembled message length",
                T::U32,
                Base::Dec,
                0,
                Names::None,
            ),
            (
                F::AssocIndex,
                "assoc_index",
                "Association index",
                T::U16,
                Base::Dec,
                0,
                Names::None,
            ),
        ];
        for (f, abbrev, name, ty, base, mask, names) in list {
            let i = self.add(FieldReg {
                abbrev: format!("{PREFIX}.{abbrev}"),
                name: name.to_string(),
                ty,
                base,
                mask,
                blurb: String::new(),
                names,
            });
            let k = f as usize;
            if self.fixed.len() <= k {
                self.fixed.resize(k + 1, usize::MAX);
            }
            self.fixed[k] = i;
        }
    }

    fn add_row(&mut self, t: &'static TypeInfo) -> RowFields {
        let mut rf = RowFields {
            ssctp: t.dialect != DialectTag::Standard,
            ..RowFields::default()
        };
        let stem = row_stem(t);
        let std = t.dialect == DialectTag::Standard;
        let twin = |path: &str| {
            if std {
                names::twin(t.family, t.value, path)
            } else {
                None
            }
        };
        for fl in t.flags {
            let path = format!("flag:{}", fl.name);
            let (abbrev, ty) = match twin(&path) {
                Some((n, _)) => (format!("{PREFIX}.{n}"), flag_type(fl.mask)),
                None => (format!("{stem}.{}", fl.name), flag_type(fl.mask)),
            };
            let base = if matches!(ty, FieldType::U8) {
                Base::Dec
            } else {
                Base::None
            };
            let names = match t.value_names(&path) {
                Some(v) => Names::Table(meaning_table(&v)),
                None => Names::None,
            };
            let i = self.add(FieldReg {
                abbrev,
                name: format!("{} {}", t.name, humanize(fl.name).replace(" bit", "-bit")),
                ty,
                base,
                mask: fl.mask as u64,
                blurb: provisional_blurb(t, ""),
                names,
            });
            rf.paths.push((path, i));
        }
        for f in t.fields {
            self.add_field(t, &stem, f, "", &twin, &mut rf);
        }
        if std {
            for x in names::extra_paths(t.family, t.value) {
                let i = self.add(FieldReg {
                    abbrev: format!("{PREFIX}.{}", x.3),
                    name: format!("{} {}", t.name, humanize(x.2)),
                    ty: FieldType::U32,
                    base: tb(x.4),
                    mask: 0,
                    blurb: String::new(),
                    names: Names::None,
                });
                rf.paths.push((x.2.to_string(), i));
            }
        }
        rf
    }

    fn add_field(
        &mut self,
        t: &'static TypeInfo,
        stem: &str,
        f: &FieldInfo,
        parent: &str,
        twin: &dyn Fn(&str) -> Option<(&'static str, TwinBase)>,
        rf: &mut RowFields,
    ) {
        let path = if parent.is_empty() {
            f.name.to_string()
        } else {
            format!("{parent}.{}", f.name)
        };
        let (ty, base) = match f.kind {
            FieldKind::U8 | FieldKind::U8List => (FieldType::U8, Base::Dec),
            FieldKind::U16 | FieldKind::OptU16 | FieldKind::U16List => (FieldType::U16, Base::Dec),
            FieldKind::U32 | FieldKind::OptU32 | FieldKind::U32List => (FieldType::U32, Base::Dec),
            FieldKind::Ipv4 => (FieldType::Ipv4, Base::None),
            FieldKind::Ipv6 => (FieldType::Ipv6, Base::None),
            FieldKind::Bytes | FieldKind::Packet => (FieldType::Bytes, Base::None),
            FieldKind::Text => (FieldType::Text, Base::None),
            FieldKind::Records(inner) => {
                for g in inner {
                    self.add_field(t, stem, g, &path, twin, rf);
                }
                return;
            }
            FieldKind::Params | FieldKind::Causes | FieldKind::Chunks => return,
        };
        let (abbrev, base, display) = match twin(&path) {
            Some((n, b)) => (
                format!("{PREFIX}.{n}"),
                if ty.is_int() { tb(b) } else { base },
                display_name(f.doc, &path),
            ),
            None => (format!("{stem}.{path}"), base, display_name(f.doc, &path)),
        };
        let names = match (f.kind, f.name, t.value_names(&path)) {
            (FieldKind::U8List, "chunk_types", _) => Names::Table(type_names(Family::Chunk)),
            (_, _, Some(v)) if ty.is_int() => Names::Table(meaning_table(&v)),
            _ => Names::None,
        };
        let i = self.add(FieldReg {
            abbrev,
            name: display,
            ty,
            base,
            mask: 0,
            blurb: provisional_blurb(t, f.doc),
            names,
        });
        if t.dialect == DialectTag::Standard {
            for a in names::also(t.family, t.value, &path) {
                let j = self.add(FieldReg {
                    abbrev: format!("{PREFIX}.{}", a.3),
                    name: humanize(a.3),
                    ty,
                    base: tb(a.4),
                    mask: 0,
                    blurb: f.doc.to_string(),
                    names: Names::None,
                });
                rf.also.push((path.clone(), j));
            }
        }
        rf.paths.push((path, i));
    }

    /// The catalog index of a framework field.
    pub fn fixed(&self, f: Fixed) -> usize {
        self.fixed[f as usize]
    }

    /// The registry row a chunk/parameter/cause node belongs to: by type
    /// number and name, or by name alone for a row identified by context
    /// (S-SCTP parameters whose type number the draft lost).
    pub fn owner(&self, family: Family, value: u16, name: &'static str) -> Option<usize> {
        let f = fam_code(family);
        if let Some(&i) = self.owners.get(&(f, value, name)) {
            return Some(i);
        }
        match self.by_name.get(&(f, name)) {
            Some(v) if v.len() == 1 => Some(v[0]),
            _ => None,
        }
    }

    /// The catalog index of a field by filter name.
    pub fn by_abbrev(&self, abbrev: &str) -> Option<usize> {
        self.by_abbrev.get(abbrev).copied()
    }
}

/// A field's description: its doc line, and for a type whose number the
/// draft lost the codec's PROVISIONAL note (secure-sctp.md 1), so that no
/// one takes the guessed number for the draft's.
fn provisional_blurb(t: &TypeInfo, doc: &str) -> String {
    match t.provisional() {
        Some(p) if doc.is_empty() => format!("{}: {p}", t.name),
        Some(p) => format!("{doc} ({}: {p})", t.name),
        None => doc.to_string(),
    }
}

/// A value-string table from the codec's meanings of a field.
fn meaning_table(v: &sctp_codec::visit::meaning::ValueNames) -> Vec<(u32, String)> {
    v.all()
        .into_iter()
        .map(|(k, m)| (u32::from(k), m.to_string()))
        .collect()
}

fn tb(b: TwinBase) -> Base {
    match b {
        TwinBase::Dec => Base::Dec,
        TwinBase::Hex => Base::Hex,
    }
}

fn flag_type(mask: u8) -> FieldType {
    if mask.count_ones() == 1 {
        FieldType::Bool(8)
    } else {
        FieldType::U8
    }
}

impl FieldType {
    fn is_int(&self) -> bool {
        matches!(self, FieldType::U8 | FieldType::U16 | FieldType::U32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registry_row_and_twin_is_registered_once() {
        let c = Catalog::build();
        assert_eq!(c.rows.len(), registry::all().count());
        // Every twin in the naming table is reachable from a registry row.
        for t in names::TWINS {
            let abbrev = format!("{PREFIX}.{}", t.3);
            assert!(
                c.by_abbrev(&abbrev).is_some(),
                "twin {abbrev} not registered"
            );
        }
        // Abbrevs are unique and every field of every row has a registration.
        let mut seen = std::collections::HashSet::new();
        for r in &c.regs {
            assert!(seen.insert(r.abbrev.clone()), "duplicate {}", r.abbrev);
            assert!(r.abbrev.starts_with("sctpkit."));
        }
        let data = registry::all().position(|t| t.name == "DATA").unwrap();
        let i = c.rows[data].get("tsn").unwrap();
        assert_eq!(c.regs[i].abbrev, "sctpkit.data_tsn");
        let ss = registry::all()
            .position(|t| t.name == "SSOpReq_Ack")
            .unwrap();
        let i = c.rows[ss].get("cipher_suite").unwrap();
        assert_eq!(c.regs[i].abbrev, "sctpkit.ssctp.ssopreq_ack.cipher_suite");
    }

    #[test]
    fn shared_twins_agree_on_type() {
        // A twin used by several rows (data_tsn for DATA and I-DATA) is one field.
        let c = Catalog::build();
        let a = registry::all().position(|t| t.name == "DATA").unwrap();
        let b = registry::all().position(|t| t.name == "I-DATA").unwrap();
        assert_eq!(c.rows[a].get("tsn"), c.rows[b].get("tsn"));
    }
}
