//! Declarative macros that turn one field list into a struct, its decoder,
//! encoder, visitor walk, generator and registry entry (one table of truth).

/// Defines a typed body (chunk value, parameter value, cause value or record)
/// as a sequence of [`crate::wire::Field`]s, in wire order.
macro_rules! wire_struct {
    (
        $(#[$m:meta])*
        pub struct $name:ident<'a> { $( $(#[doc = $d:literal])* pub $f:ident : $t:ty ),* $(,)? }
    ) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name<'a> { $( $(#[doc = $d])* pub $f: $t, )* }
        wire_struct!(@impl [$name<'a>] [$name<'static>] $name { $( [$($d)*] $f : $t ),* });
    };
    (
        $(#[$m:meta])*
        pub struct $name:ident { $( $(#[doc = $d:literal])* pub $f:ident : $t:ty ),* $(,)? }
    ) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name { $( $(#[doc = $d])* pub $f: $t, )* }
        wire_struct!(@impl [$name] [$name] $name { $( [$($d)*] $f : $t ),* });
    };
    (@impl [$($ty:tt)*] [$($sty:tt)*] $name:ident { $( [$($d:literal)*] $f:ident : $t:ty ),* }) => {
        #[allow(clippy::needless_update, clippy::ptr_arg, unused_variables, unused_mut, unused_assignments)]
        impl<'a> $($ty)* {
            /// The fields in wire order, as the registry publishes them.
            pub const FIELDS: &'static [$crate::wire::FieldInfo] = &[
                $( $crate::wire::FieldInfo {
                    name: stringify!($f),
                    kind: <$t as $crate::wire::Field<'a>>::KIND,
                    doc: concat!("", $($d),*),
                } ),*
            ];
            /// Reads every field in order from `i`; returns the unread rest.
            pub fn decode_fields(
                i: &'a [u8],
                cx: &$crate::wire::Ctx<'a>,
            ) -> Result<(&'a [u8], Self), $crate::error::DecodeError> {
                $( let (i, $f) = <$t as $crate::wire::Field<'a>>::decode(i, cx)?; )*
                Ok((i, $name { $($f),* }))
            }
            /// After [`Self::decode_fields`] failed: the value as far as it
            /// decodes when only its last field is damaged (every fixed field,
            /// and the TLVs of a final list before the damage), with the
            /// undecoded rest and the error where it stops; `None` otherwise.
            pub fn decode_fields_partial(
                i: &'a [u8],
                cx: &$crate::wire::Ctx<'a>,
            ) -> Option<(&'a [u8], Self, $crate::error::DecodeError)> {
                let last = Self::FIELDS.len();
                let mut k = 0usize;
                let mut stop = None;
                $(
                    k += 1;
                    let (i, $f) = match <$t as $crate::wire::Field<'a>>::decode(i, cx) {
                        Ok(x) => x,
                        Err(e) if k == last => {
                            let (rest, v, e) = <$t as $crate::wire::Field<'a>>::decode_prefix(i, cx, e)?;
                            stop = Some(e);
                            (rest, v)
                        }
                        Err(_) => return None,
                    };
                )*
                Some((i, $name { $($f),* }, stop?))
            }
            /// Appends every field in order.
            pub fn encode_fields(&self, out: &mut Vec<u8>) {
                $( $crate::wire::Field::encode(&self.$f, out); )*
            }
            /// Bytes written by [`Self::encode_fields`].
            pub fn fields_len(&self) -> usize {
                0 $( + $crate::wire::Field::wire_len(&self.$f) )*
            }
            /// Reports every field; the first starts at absolute offset `at`.
            pub fn describe_fields(&self, at: usize, v: &mut dyn $crate::visit::Visitor) {
                let mut at = at;
                $(
                    $crate::wire::Field::describe(&self.$f, stringify!($f), at, v);
                    at += $crate::wire::Field::wire_len(&self.$f);
                )*
            }
            /// A random value for property tests.
            pub fn generate_fields(g: &mut $crate::gen::Gen, depth: u8) -> Self {
                $name { $( $f: <$t as $crate::wire::Field<'a>>::generate(g, depth), )* }
            }
        }
        impl<'a> $crate::wire::IntoOwned for $($ty)* {
            type Owned = $($sty)*;
            #[allow(unused_variables)]
            fn into_owned(self) -> $($sty)* {
                $name { $( $f: $crate::wire::IntoOwned::into_owned(self.$f), )* }
            }
        }
    };
}

/// Defines a fixed-size record (an element of a list that runs to the end of
/// a value) from 16- and 32-bit fields.
macro_rules! wire_record {
    (
        $(#[$m:meta])*
        pub struct $name:ident { $( $(#[doc = $d:literal])* pub $f:ident : $t:ty ),* $(,)? }
    ) => {
        wire_struct! { $(#[$m])* #[derive(Default)] pub struct $name { $( $(#[doc = $d])* pub $f : $t ),* } }
        impl $crate::wire::Record for $name {
            const SIZE: usize = 0 $( + std::mem::size_of::<$t>() )*;
            const LIST_KIND: $crate::wire::FieldKind = $crate::wire::FieldKind::Records($name::FIELDS);
            fn read(b: &[u8]) -> Self {
                let cx = $crate::wire::Ctx::new(b, $crate::dialect::Rules::STANDARD);
                match Self::decode_fields(b, &cx) {
                    Ok((_, v)) => v,
                    Err(_) => Self::default(),
                }
            }
            fn write(&self, out: &mut Vec<u8>) {
                self.encode_fields(out)
            }
            fn describe_item(&self, name: &'static str, at: usize, v: &mut dyn $crate::visit::Visitor) {
                v.open(name, $crate::visit::Span::new(at, Self::SIZE), $crate::visit::Node::Record);
                self.describe_fields(at, v);
                v.close();
            }
            fn generate_item(g: &mut $crate::gen::Gen) -> Self {
                Self::generate_fields(g, 0)
            }
        }
    };
}

/// Defines a family's body enum (one variant per registered type, plus
/// `Unknown` and `Malformed`), its registry table and its decoder dispatch,
/// all from one list of rows.
macro_rules! tlv_family {
    (
        family $family:ident, enum $enum_name:ident, table $table:ident;
        $(
            $(#[doc = $vdoc:literal])*
            $var:ident ( $t:ty ) = $dial:ident $val:literal, $name:literal, $refr:literal,
                [ $( $fl:ident = $fm:literal ),* ];
        )*
    ) => {
        /// The typed value of one TLV of this family; `Unknown` keeps a type the
        /// dialect in force does not define, `Malformed` a value that did not
        /// decode as its type (with the error), both byte-exact.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum $enum_name<'a> {
            $( $(#[doc = $vdoc])* $var($t), )*
            /// A type that is not registered in the dialect in force: raw value.
            Unknown(std::borrow::Cow<'a, [u8]>),
            /// A registered type whose value did not decode: raw value and why.
            Malformed(std::borrow::Cow<'a, [u8]>, $crate::error::DecodeError),
        }

        /// Every type of this family that the codec knows, in registry order.
        pub static $table: &[$crate::registry::TypeInfo] = $enum_name::<'static>::TABLE;

        #[allow(clippy::match_single_binding)]
        impl<'a> $enum_name<'a> {
            const TABLE: &'static [$crate::registry::TypeInfo] = &[
                $( $crate::registry::TypeInfo {
                    family: $crate::registry::Family::$family,
                    dialect: $crate::registry::DialectTag::$dial,
                    value: $val,
                    name: $name,
                    variant: stringify!($var),
                    reference: $refr,
                    flags: &[ $( $crate::registry::FlagInfo { name: stringify!($fl), mask: $fm } ),* ],
                    fields: <$t>::FIELDS,
                }, )*
            ];
            /// Decodes the value of a registered type; `None` if `(tag, ty)` is not registered.
            pub(crate) fn decode_known(
                tag: $crate::registry::DialectTag,
                ty: u16,
                value: &'a [u8],
                cx: &$crate::wire::Ctx<'a>,
            ) -> Option<Result<(&'a [u8], Self), $crate::error::DecodeError>> {
                match (tag, ty) {
                    $( ($crate::registry::DialectTag::$dial, $val) =>
                        Some(<$t>::decode_fields(value, cx).map(|(r, b)| (r, $enum_name::$var(b)))), )*
                    _ => None,
                }
            }
            /// A random value of the registered type `info` (from this family's table).
            pub fn generate_known(info: &$crate::registry::TypeInfo, g: &mut $crate::gen::Gen, depth: u8) -> Self {
                match (info.dialect, info.value) {
                    $( ($crate::registry::DialectTag::$dial, $val) => $enum_name::$var(<$t>::generate_fields(g, depth)), )*
                    _ => $enum_name::Unknown(std::borrow::Cow::Owned(Vec::new())),
                }
            }
            /// The registry entry of this value's type (`None` for Unknown/Malformed).
            pub fn info(&self) -> Option<&'static $crate::registry::TypeInfo> {
                let mut k = 0usize;
                $(
                    if let $enum_name::$var(_) = self { return $table.get(k); }
                    k += 1;
                )*
                let _ = k;
                None
            }
            /// Appends the value's bytes.
            pub fn encode_value(&self, out: &mut Vec<u8>) {
                match self {
                    $( $enum_name::$var(b) => b.encode_fields(out), )*
                    $enum_name::Unknown(v) | $enum_name::Malformed(v, _) => $crate::wire::put_slice(out, v),
                }
            }
            /// Bytes written by [`Self::encode_value`].
            pub fn value_len(&self) -> usize {
                match self {
                    $( $enum_name::$var(b) => b.fields_len(), )*
                    $enum_name::Unknown(v) | $enum_name::Malformed(v, _) => v.len(),
                }
            }
            /// Reports the value's fields, the first at absolute offset `at`.
            pub fn describe_value(&self, at: usize, v: &mut dyn $crate::visit::Visitor) {
                match self {
                    $( $enum_name::$var(b) => b.describe_fields(at, v), )*
                    $enum_name::Unknown(b) => {
                        v.field("value", $crate::visit::Span::new(at, b.len()), $crate::visit::Value::Bytes(b))
                    }
                    $enum_name::Malformed(b, e) => {
                        v.malformed($crate::visit::Span::new(at, b.len()), e);
                        v.field("value", $crate::visit::Span::new(at, b.len()), $crate::visit::Value::Bytes(b))
                    }
                }
            }
        }

        impl<'a> $crate::wire::IntoOwned for $enum_name<'a> {
            type Owned = $enum_name<'static>;
            fn into_owned(self) -> $enum_name<'static> {
                match self {
                    $( $enum_name::$var(b) => $enum_name::$var($crate::wire::IntoOwned::into_owned(b)), )*
                    $enum_name::Unknown(v) => $enum_name::Unknown($crate::wire::IntoOwned::into_owned(v)),
                    $enum_name::Malformed(v, e) => $enum_name::Malformed($crate::wire::IntoOwned::into_owned(v), e),
                }
            }
        }
    };
}

/// Defines the wrapper of a family with a 16-bit type and no flags
/// (parameters, RFC 9260 3.2.1; error causes, RFC 9260 3.3.10): raw type,
/// typed body, Length override, extra bytes inside Length, padding seen.
macro_rules! tlv16_wrapper {
    (
        $(#[$m:meta])*
        $wrapper:ident, $body:ident, $table:ident, $what:literal, $node:ident, $tyname:ident, $resolve:path, $listkind:ident
    ) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $wrapper<'a> {
            /// The type number as on the wire.
            pub $tyname: u16,
            /// The typed value.
            pub body: $body<'a>,
            /// A Length to write instead of the computed one (`None`: computed).
            pub length: Option<u16>,
            /// Bytes inside Length after the typed fields (a length/content mismatch).
            pub extra: std::borrow::Cow<'a, [u8]>,
            /// Padding bytes as seen (`None`: the normal zero padding).
            pub padding: Option<std::borrow::Cow<'a, [u8]>>,
        }

        impl<'a> $wrapper<'a> {
            /// A well-formed TLV of type `ty` holding `body`.
            pub fn new($tyname: u16, body: $body<'a>) -> Self {
                $wrapper { $tyname, body, length: None, extra: std::borrow::Cow::Borrowed(&[]), padding: None }
            }
            /// The Length this TLV has on the wire.
            pub fn wire_length(&self) -> u16 {
                self.length.unwrap_or($crate::wire::len16(crate::tlv::Tlv::tlv_len(self)))
            }
            /// The registry entry of the type: the typed body's, or for a
            /// malformed value the registered type it failed to decode as.
            pub fn info(&self) -> Option<&'static $crate::registry::TypeInfo> {
                match &self.body {
                    $body::Malformed(..) => {
                        let ty = self.$tyname;
                        $table
                            .iter()
                            .find(|t| t.value == ty && t.dialect == $crate::registry::DialectTag::Standard)
                            .or_else(|| $table.iter().find(|t| t.value == ty))
                    }
                    b => b.info(),
                }
            }
            /// The registered name, or "Unknown".
            pub fn name(&self) -> &'static str {
                self.info().map(|i| i.name).unwrap_or("Unknown")
            }
        }

        impl<'a> $crate::tlv::Tlv<'a> for $wrapper<'a> {
            const WHAT: &'static str = $what;
            const LIST_KIND: $crate::wire::FieldKind = $crate::wire::FieldKind::$listkind;
            fn decode_tlv(whole: &'a [u8], cx: &$crate::wire::Ctx<'a>) -> Result<Self, $crate::error::DecodeError> {
                let ty = u16::from_be_bytes([whole[0], whole[1]]);
                let value = &whole[4..];
                let tag = $resolve(ty, value, cx);
                let (body, extra) = match tag.and_then(|(tag, as_ty)| $body::decode_known(tag, as_ty, value, cx)) {
                    Some(Ok((rest, body))) => (body, rest),
                    Some(Err(e)) if cx.strict => return Err(e),
                    Some(Err(e)) => ($body::Malformed(std::borrow::Cow::Borrowed(value), e), &value[value.len()..]),
                    None => ($body::Unknown(std::borrow::Cow::Borrowed(value)), &value[value.len()..]),
                };
                Ok($wrapper { $tyname: ty, body, length: None, extra: std::borrow::Cow::Borrowed(extra), padding: None })
            }
            fn encode_tlv(&self, out: &mut Vec<u8>) {
                $crate::wire::put_u16(out, self.$tyname);
                $crate::wire::put_u16(out, self.wire_length());
                self.body.encode_value(out);
                $crate::wire::put_slice(out, &self.extra);
            }
            fn tlv_len(&self) -> usize {
                4 + self.body.value_len() + self.extra.len()
            }
            fn padding(&self) -> Option<&[u8]> {
                self.padding.as_deref()
            }
            fn set_padding(&mut self, p: Option<std::borrow::Cow<'a, [u8]>>) {
                self.padding = p;
            }
            fn describe_tlv(&self, at: usize, v: &mut dyn $crate::visit::Visitor) {
                use $crate::visit::{Node, Span, Value};
                let len = $crate::tlv::Tlv::tlv_len(self);
                v.open($what, Span::new(at, len), Node::$node { $tyname: self.$tyname, name: self.name(), length: self.wire_length() });
                self.body.describe_value(at + 4, v);
                let mut end = at + 4 + self.body.value_len();
                if !self.extra.is_empty() {
                    v.field("extra", Span::new(end, self.extra.len()), Value::Bytes(&self.extra));
                    end += self.extra.len();
                }
                if let Some(p) = &self.padding {
                    if !p.is_empty() {
                        v.field("padding", Span::new(end, p.len()), Value::Bytes(p));
                    }
                }
                v.close();
            }
            fn generate_tlv(g: &mut $crate::gen::Gen, depth: u8) -> Self {
                let info = g.pick_type($table);
                $wrapper::new(info.value, $body::generate_known(info, g, depth))
            }
        }

        impl<'a> $crate::wire::IntoOwned for $wrapper<'a> {
            type Owned = $wrapper<'static>;
            fn into_owned(self) -> $wrapper<'static> {
                $wrapper {
                    $tyname: self.$tyname,
                    body: $crate::wire::IntoOwned::into_owned(self.body),
                    length: self.length,
                    extra: $crate::wire::IntoOwned::into_owned(self.extra),
                    padding: self.padding.map($crate::wire::IntoOwned::into_owned),
                }
            }
        }

        /// A list of this family's TLVs to the end of the value; a bad Length
        /// inside is an error of the enclosing structure.
        impl<'a> $crate::wire::Field<'a> for Vec<$wrapper<'a>> {
            const KIND: $crate::wire::FieldKind = $crate::wire::FieldKind::$listkind;
            fn decode(i: &'a [u8], cx: &$crate::wire::Ctx<'a>) -> Result<(&'a [u8], Self), $crate::error::DecodeError> {
                $crate::tlv::decode_list(i, cx, false)
            }
            fn decode_prefix(
                i: &'a [u8],
                cx: &$crate::wire::Ctx<'a>,
                _error: $crate::error::DecodeError,
            ) -> Option<(&'a [u8], Self, $crate::error::DecodeError)> {
                let (rest, v, e) = $crate::tlv::decode_list_partial(i, cx, false);
                Some((rest, v, e?))
            }
            fn encode(&self, out: &mut Vec<u8>) {
                $crate::tlv::encode_list(self, out, false)
            }
            fn wire_len(&self) -> usize {
                $crate::tlv::list_len(self, false)
            }
            fn describe(&self, name: &'static str, at: usize, v: &mut dyn $crate::visit::Visitor) {
                v.open(name, $crate::visit::Span::new(at, self.wire_len()), $crate::visit::Node::List);
                $crate::tlv::describe_list(self, at, false, v);
                v.close();
            }
            fn generate(g: &mut $crate::gen::Gen, depth: u8) -> Self {
                $crate::tlv::generate_list(g, depth, 3)
            }
        }
    };
}
