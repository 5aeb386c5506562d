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
