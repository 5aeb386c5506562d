//! The registry: one table of every chunk type, parameter type and error
//! cause the codec types, with names, defining documents, flags and fields.
//! The REPL's help and completion, the Wireshark plugin's field registrations
//! and the README tables are all derived from it.
//!
//! The rows themselves live next to the types (`chunk/`, `param/`, `cause/`)
//! inside one `tlv_family!` invocation each, so a type cannot be added without
//! its registry entry.

use crate::wire::{FieldInfo, FieldKind};

/// Which family a type number belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// Chunk Type (8 bits, RFC 9260 3.2).
    Chunk,
    /// Parameter Type (16 bits, RFC 9260 3.2.1).
    Param,
    /// Cause Code (16 bits, RFC 9260 3.3.10).
    Cause,
}

/// Which numbering a registry row belongs to (`registry.tsv`'s dialect column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DialectTag {
    /// IANA and de-facto standard SCTP.
    Standard,
    /// Secure SCTP (draft-hohendorf-secure-sctp-15).
    Ssctp,
    /// S-SCTP parameters whose type value the draft lost: identified by the
    /// chunk that carries them (secure-sctp.md section 11), their raw type kept.
    /// The row's `value` is only the placeholder type written when crafting.
    SsctpContext,
}

/// A named bit field inside the Chunk Flags octet.
#[derive(Debug, Clone, Copy)]
pub struct FlagInfo {
    /// The flag's name (snake_case of the RFC letter, e.g. `e_bit`, `sl`).
    pub name: &'static str,
    /// Its mask in the flags octet (several bits for multi-bit fields).
    pub mask: u8,
}

impl FlagInfo {
    /// The flag's value in a flags octet (shifted down for multi-bit fields).
    pub fn get(&self, flags: u8) -> u8 {
        (flags & self.mask) >> self.mask.trailing_zeros()
    }
}

/// One registered type.
#[derive(Debug, Clone, Copy)]
pub struct TypeInfo {
    /// Chunk, parameter or cause.
    pub family: Family,
    /// Standard SCTP or S-SCTP numbering.
    pub dialect: DialectTag,
    /// The type number.
    pub value: u16,
    /// The name used by the defining document (and by the IANA registry).
    pub name: &'static str,
    /// The Rust variant that holds it.
    pub variant: &'static str,
    /// Defining document and section.
    pub reference: &'static str,
    /// Named flag bits (chunks only).
    pub flags: &'static [FlagInfo],
    /// Fields of the value in wire order.
    pub fields: &'static [FieldInfo],
}

impl TypeInfo {
    /// The action bits: the top two bits of a chunk type (RFC 9260 3.2) or of a
    /// parameter type (RFC 9260 3.2.1); meaningless for causes.
    pub fn action_bits(&self) -> u8 {
        match self.family {
            Family::Chunk => (self.value as u8) >> 6,
            Family::Param => (self.value >> 14) as u8,
            Family::Cause => 0,
        }
    }
    /// The shape of the value (see [`Layout`]).
    pub const fn layout(&self) -> Layout {
        Layout::of(self.fields)
    }
    /// A name usable as an identifier in the REPL and in filters:
    /// lower case, runs of other characters turned into `_`
    /// (`INIT-ACK` → `init_ack`, `Heartbeat Info` → `heartbeat_info`).
    pub fn key(&self) -> String {
        ident_key(self.name)
    }
}

/// The shape of a type's value as its registered fields give it: the fixed
/// fields every well-formed value starts with, and whether a TLV list runs
/// from there to the end of the value (INIT's parameters, ERROR's causes).
/// A zero-copy view checks values against it without typing them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Bytes of the leading fixed-size fields (the shortest well-formed value,
    /// as far as the fixed fields go).
    pub fixed: u16,
    /// The TLV list (`Params`, `Causes` or `Chunks`) that follows the fixed
    /// fields and runs to the end of the value, if that is the whole rest.
    pub list: Option<FieldKind>,
}

impl Layout {
    /// The layout of a value with these fields.
    pub const fn of(fields: &[FieldInfo]) -> Layout {
        let mut fixed = 0u16;
        let mut k = 0;
        while k < fields.len() {
            let size = match fields[k].kind {
                FieldKind::U8 => 1,
                FieldKind::U16 => 2,
                FieldKind::U32 | FieldKind::Ipv4 => 4,
                FieldKind::Ipv6 => 16,
                kind => {
                    let list = match kind {
                        FieldKind::Params | FieldKind::Causes | FieldKind::Chunks
                            if k + 1 == fields.len() =>
                        {
                            Some(kind)
                        }
                        _ => None,
                    };
                    return Layout { fixed, list };
                }
            };
            fixed += size;
            k += 1;
        }
        Layout { fixed, list: None }
    }
}

/// Lower-cases `name` and turns each run of non-alphanumerics into one `_`.
pub fn ident_key(name: &str) -> String {
    let mut s = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('_') {
            s.push('_');
        }
    }
    s.trim_matches('_').to_string()
}

/// All registered types of every family.
pub fn all() -> impl Iterator<Item = &'static TypeInfo> {
    crate::chunk::CHUNK_TYPES
        .iter()
        .chain(crate::param::PARAM_TYPES.iter())
        .chain(crate::cause::CAUSE_TYPES.iter())
}

/// The registered type `value` of `family` in `dialect`, if any.
pub fn lookup(family: Family, dialect: DialectTag, value: u16) -> Option<&'static TypeInfo> {
    let table = match family {
        Family::Chunk => crate::chunk::CHUNK_TYPES,
        Family::Param => crate::param::PARAM_TYPES,
        Family::Cause => crate::cause::CAUSE_TYPES,
    };
    table
        .iter()
        .find(|t| t.dialect == dialect && t.value == value)
}

/// What RFC 9260 3.2 says a receiver that does not know chunk type `ty` does.
pub fn chunk_action(ty: u8) -> &'static str {
    match ty >> 6 {
        0 => "stop processing, discard silently",
        1 => "stop processing, discard, report in an ERROR (Unrecognized Chunk Type)",
        2 => "skip, continue processing",
        _ => "skip, continue, report in an ERROR (Unrecognized Chunk Type)",
    }
}

/// What RFC 9260 3.2.1 says a receiver that does not know parameter type `ty` does.
pub fn param_action(ty: u16) -> &'static str {
    match ty >> 14 {
        0 => "stop processing, discard silently",
        1 => "stop processing, discard, report in Unrecognized Parameter",
        2 => "skip, continue processing",
        _ => "skip, continue, report in Unrecognized Parameter",
    }
}

/// One Payload Protocol Identifier (RFC 9260 3.3.1: the PPID of DATA, and of
/// I-DATA's first fragment, RFC 8260 2.1) of the IANA registry "SCTP Payload
/// Protocol Identifiers".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PpidInfo {
    /// The 32-bit value.
    pub value: u32,
    /// A short name for one-line summaries (no spaces).
    pub name: &'static str,
    /// The protocol as Wireshark names it (IANA's where Wireshark 4.0 has none).
    pub description: &'static str,
}

macro_rules! ppids {
    ($(($v:literal, $n:literal, $d:literal),)*) => {
        /// The registered PPIDs, in value order (0 is "not specified", 26
        /// unassigned: neither is listed).
        pub static PPIDS: &[PpidInfo] = &[$(PpidInfo { value: $v, name: $n, description: $d },)*];
    };
}

ppids! {
    (1, "IUA", "IUA"),
    (2, "M2UA", "M2UA"),
    (3, "M3UA", "M3UA"),
    (4, "SUA", "SUA"),
    (5, "M2PA", "M2PA"),
    (6, "V5UA", "V5UA"),
    (7, "H.248", "H.248/MEGACO"),
    (8, "BICC", "BICC/Q.2150.3"),
    (9, "TALI", "TALI"),
    (10, "DUA", "DUA"),
    (11, "ASAP", "ASAP"),
    (12, "ENRP", "ENRP"),
    (13, "H.323", "H.323"),
    (14, "Q.IPC", "Q.IPC/Q.2150.3"),
    (15, "SIMCO", "SIMCO"),
    (16, "DDP-Segment", "DDP Segment Chunk"),
    (17, "DDP-Stream", "DDP Stream Session Control"),
    (18, "S1AP", "S1 Application Protocol (S1AP)"),
    (19, "RUA", "RUA"),
    (20, "HNBAP", "HNBAP"),
    (21, "ForCES-HP", "ForCES-HP"),
    (22, "ForCES-MP", "ForCES-MP"),
    (23, "ForCES-LP", "ForCES-LP"),
    (24, "SBc-AP", "SBc-AP"),
    (25, "NBAP", "NBAP"),
    (27, "X2AP", "X2AP"),
    (28, "IRCP", "IRCP"),
    (29, "LCS-AP", "LCS-AP"),
    (30, "MPICH2", "MPICH2"),
    (31, "SABP", "SABP"),
    (32, "FGP", "Fractal Generator Protocol"),
    (33, "PPP", "Ping Pong Protocol"),
    (34, "CALCAPP", "CalcApp Protocol"),
    (35, "SSP", "Scripting Service Protocol"),
    (36, "NPMP-Control", "NetPerfMeter Control"),
    (37, "NPMP-Data", "NetPerfMeter Data"),
    (38, "Echo", "Echo"),
    (39, "Discard", "Discard"),
    (40, "Daytime", "Daytime"),
    (41, "Chargen", "Character Generator"),
    (42, "RNA", "3GPP RNA"),
    (43, "M2AP", "3GPP M2AP"),
    (44, "M3AP", "3GPP M3AP"),
    (45, "SSH", "SSH"),
    (46, "Diameter", "DIAMETER"),
    (47, "Diameter-DTLS", "DIAMETER over DTLS"),
    (48, "R14P", "R14P"),
    (49, "GDT", "Generic Data Transfer Protocol (GDT)"),
    (50, "WebRTC-DCEP", "WebRTC Control"),
    (51, "WebRTC-String", "WebRTC String"),
    (52, "WebRTC-Binary-Partial", "WebRTC Binary Partial (Deprecated)"),
    (53, "WebRTC-Binary", "WebRTC Binary"),
    (54, "WebRTC-String-Partial", "WebRTC String Partial (Deprecated)"),
    (55, "PUA", "3GPP PUA"),
    (56, "WebRTC-String-Empty", "WebRTC String Empty"),
    (57, "WebRTC-Binary-Empty", "WebRTC Binary Empty"),
    (58, "XwAP", "XwAP"),
    (59, "Xw-CP", "Xw - Control Plane"),
    (60, "NGAP", "NGAP"),
    (61, "XnAP", "XnAP"),
    (62, "F1AP", "F1 AP"),
    (63, "HTTP", "HTTP SCTP"),
    (64, "E1AP", "E1AP"),
    (65, "ELE2", "ELE2 Lawful Interception"),
    (66, "NGAP-DTLS", "NGAP over DTLS"),
    (67, "XnAP-DTLS", "XnAP over DTLS"),
    (68, "F1AP-DTLS", "F1AP over DTLS"),
    (69, "E1AP-DTLS", "E1AP over DTLS"),
    (70, "E2-CP", "E2-CP"),
    (71, "E2-UP", "E2-UP"),
    (72, "E2-DU", "E2-DU"),
    (73, "W1AP", "W1AP"),
}

/// The registered Payload Protocol Identifier `value`, if any.
pub fn ppid(value: u32) -> Option<&'static PpidInfo> {
    PPIDS
        .binary_search_by_key(&value, |p| p.value)
        .ok()
        .map(|k| &PPIDS[k])
}
