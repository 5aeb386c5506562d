//! The field layer: how one wire field is read (nom), written (cookie-factory),
//! measured, described to a [`Visitor`] and generated for property tests.
//!
//! Every typed chunk, parameter and cause is a sequence of [`Field`]s; the
//! `wire_struct!` macro derives decode/encode/describe from that sequence, and
//! the same sequence is what the [`crate::registry`] publishes.

use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};

use cookie_factory::{bytes as cf, combinator::slice as cf_slice, gen_simple};
use nom::number::complete as nb;

use crate::dialect::Rules;
use crate::error::{DecodeError, ErrorKind};
use crate::gen::Gen;
use crate::visit::{Span, Value, Visitor};

/// Decoding context: the outermost buffer (for absolute offsets), the dialect
/// rules in force and the nesting depth.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    /// The buffer offsets are counted from.
    pub origin: &'a [u8],
    /// Which numbers mean what (RFC 9260 vs S-SCTP).
    pub rules: Rules,
    /// How many TLV levels deep we are.
    pub depth: u8,
    /// Strict: a value that does not decode as its type is an error. Lenient
    /// (the default): it is kept as `Malformed` with the error and decoding goes on.
    pub strict: bool,
    /// The chunk whose parameters are being read, where S-SCTP types
    /// parameters by context rather than by number.
    pub carrier: Carrier,
}

/// An S-SCTP chunk whose parameters are typed by their position, not their
/// type number (secure-sctp.md section 11: the draft lost those numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Carrier {
    /// Any other chunk: parameters are typed by number.
    #[default]
    Other,
    /// SSOpReq: type 30 (or 0x30) is the cipher list, any other the compression list.
    SsOpReq,
    /// SSCert: the TLVs after the inline certificate are Certificate parameters.
    SsCert,
    /// SSSerKey: a server DH or RSA parameter, by the suite's key exchange.
    SsSerKey,
    /// SSCliKey: a client DH or RSA parameter, by the suite's key exchange.
    SsCliKey,
}

impl Carrier {
    /// The carrier for S-SCTP chunk type `ty`.
    pub fn of_ssctp_chunk(ty: u8) -> Carrier {
        use crate::chunk::ty::ssctp;
        match ty {
            ssctp::SS_OP_REQ => Carrier::SsOpReq,
            ssctp::SS_CERT => Carrier::SsCert,
            ssctp::SS_SER_KEY => Carrier::SsSerKey,
            ssctp::SS_CLI_KEY => Carrier::SsCliKey,
            _ => Carrier::Other,
        }
    }
}

/// Deepest TLV nesting followed before [`ErrorKind::TooDeep`].
pub const MAX_DEPTH: u8 = 8;

impl<'a> Ctx<'a> {
    /// A context whose offsets count from `origin`.
    pub fn new(origin: &'a [u8], rules: Rules) -> Self {
        Ctx {
            origin,
            rules,
            depth: 0,
            strict: false,
            carrier: Carrier::Other,
        }
    }
    /// The absolute offset of `s`, a sub-slice of the origin.
    pub fn offset(&self, s: &[u8]) -> usize {
        (s.as_ptr() as usize).wrapping_sub(self.origin.as_ptr() as usize)
    }
    /// The same context one level deeper, or an error past [`MAX_DEPTH`].
    pub fn deeper(&self, at: &[u8]) -> Result<Ctx<'a>, DecodeError> {
        if self.depth >= MAX_DEPTH {
            return Err(DecodeError::new(self.offset(at), ErrorKind::TooDeep));
        }
        Ok(Ctx {
            depth: self.depth + 1,
            ..*self
        })
    }
    /// A truncation error at `at`.
    pub fn truncated(&self, at: &[u8], what: &'static str, need: usize) -> DecodeError {
        DecodeError::new(
            self.offset(at),
            ErrorKind::Truncated {
                what,
                need,
                have: at.len(),
            },
        )
    }
}

/// What kind of value a field holds; published in the registry for help texts,
/// completion and Wireshark field registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// 8-bit unsigned integer.
    U8,
    /// 16-bit unsigned integer.
    U16,
    /// 32-bit unsigned integer.
    U32,
    /// 16-bit integer present only when the value is long enough.
    OptU16,
    /// 32-bit integer present only when the value is long enough.
    OptU32,
    /// IPv4 address.
    Ipv4,
    /// IPv6 address.
    Ipv6,
    /// Opaque bytes to the end of the value.
    Bytes,
    /// Text (for example a host name) to the end of the value.
    Text,
    /// A list of 8-bit values to the end of the value.
    U8List,
    /// A list of 16-bit values to the end of the value.
    U16List,
    /// A list of 32-bit values to the end of the value.
    U32List,
    /// A list of fixed-size records, described by the given fields.
    Records(&'static [FieldInfo]),
    /// A list of parameters (RFC 9260 3.2.1 TLVs).
    Params,
    /// A list of error causes (RFC 9260 3.3.10).
    Causes,
    /// A list of whole chunks (RFC 9260 3.2).
    Chunks,
    /// A whole SCTP packet, possibly truncated (PKTDROP).
    Packet,
}

/// One field of a chunk, parameter, cause or record, as the registry lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldInfo {
    /// The field's name, snake_case, as the defining document names it.
    pub name: &'static str,
    /// What it holds.
    pub kind: FieldKind,
    /// One line from the defining document.
    pub doc: &'static str,
}

/// One wire field.
pub trait Field<'a>: Sized {
    /// What kind of field this is (for the registry).
    const KIND: FieldKind;
    /// Reads the field from the front of `i`, returning the rest.
    fn decode(i: &'a [u8], cx: &Ctx<'a>) -> Result<(&'a [u8], Self), DecodeError>;
    /// Appends the field's bytes.
    fn encode(&self, out: &mut Vec<u8>);
    /// How many bytes [`Field::encode`] writes.
    fn wire_len(&self) -> usize;
    /// Reports the field, which starts at absolute offset `at`.
    fn describe(&self, name: &'static str, at: usize, v: &mut dyn Visitor);
    /// A random value for property tests, `depth` levels deep.
    fn generate(g: &mut Gen, depth: u8) -> Self;
    /// After [`Field::decode`] failed on `i` with `error`: the part that
    /// did decode (a TLV list's entries before the damage), the undecoded
    /// rest and the error where decoding stopped; `None` when nothing can be
    /// kept (the default). Lenient decoding keeps it beside the raw value.
    fn decode_prefix(
        i: &'a [u8],
        cx: &Ctx<'a>,
        error: DecodeError,
    ) -> Option<(&'a [u8], Self, DecodeError)> {
        let _ = (i, cx, error);
        None
    }
}

/// Converts a borrowed value into one that owns its bytes.
pub trait IntoOwned {
    /// The owning type (`'static`).
    type Owned: 'static;
    /// Copies any borrowed bytes.
    fn into_owned(self) -> Self::Owned;
}

macro_rules! owned_is_self {
    ($($t:ty),*) => { $(impl IntoOwned for $t { type Owned = $t; fn into_owned(self) -> $t { self } })* };
}
owned_is_self!(u8, u16, u32, Ipv4Addr, Ipv6Addr, Option<u16>, Option<u32>);

impl<T: IntoOwned> IntoOwned for Vec<T> {
    type Owned = Vec<T::Owned>;
    fn into_owned(self) -> Self::Owned {
        self.into_iter().map(IntoOwned::into_owned).collect()
    }
}

impl IntoOwned for Cow<'_, [u8]> {
    type Owned = Cow<'static, [u8]>;
    fn into_owned(self) -> Cow<'static, [u8]> {
        Cow::Owned(Cow::into_owned(self))
    }
}

/// Writes with cookie-factory into a growable buffer (infallible for `Vec`).
pub(crate) fn put<F>(out: &mut Vec<u8>, f: F)
where
    F: cookie_factory::SerializeFn<Vec<u8>>,
{
    let buf = std::mem::take(out);
    *out = gen_simple(f, buf).unwrap_or_default();
}

pub(crate) fn put_u8(out: &mut Vec<u8>, v: u8) {
    put(out, cf::be_u8(v));
}
pub(crate) fn put_u16(out: &mut Vec<u8>, v: u16) {
    put(out, cf::be_u16(v));
}
pub(crate) fn put_u32(out: &mut Vec<u8>, v: u32) {
    put(out, cf::be_u32(v));
}
pub(crate) fn put_slice(out: &mut Vec<u8>, s: &[u8]) {
    put(out, cf_slice(s));
}

type NomErr<'a> = nom::error::Error<&'a [u8]>;

macro_rules! uint_field {
    ($t:ty, $kind:ident, $parser:ident, $put:ident, $bits:expr, $n:expr) => {
        impl<'a> Field<'a> for $t {
            const KIND: FieldKind = FieldKind::$kind;
            fn decode(i: &'a [u8], cx: &Ctx<'a>) -> Result<(&'a [u8], Self), DecodeError> {
                nb::$parser::<&'a [u8], NomErr<'a>>(i)
                    .map_err(|_| cx.truncated(i, stringify!($t), $n))
            }
            fn encode(&self, out: &mut Vec<u8>) {
                $put(out, *self)
            }
            fn wire_len(&self) -> usize {
                $n
            }
            fn describe(&self, name: &'static str, at: usize, v: &mut dyn Visitor) {
                v.field(
                    name,
                    Span::new(at, $n),
                    Value::Uint {
                        v: *self as u64,
                        bits: $bits,
                    },
                );
            }
            fn generate(g: &mut Gen, _depth: u8) -> Self {
                g.u64() as $t
            }
        }
    };
}
uint_field!(u8, U8, be_u8, put_u8, 8, 1);
uint_field!(u16, U16, be_u16, put_u16, 16, 2);
uint_field!(u32, U32, be_u32, put_u32, 32, 4);

/// An integer that is present only when the value still has room for it
/// (RE-CONFIG Response's optional TSNs, SSOpReq_Ack's compression method).
macro_rules! opt_field {
    ($t:ty, $kind:ident, $n:expr, $bits:expr) => {
        impl<'a> Field<'a> for Option<$t> {
            const KIND: FieldKind = FieldKind::$kind;
            fn decode(i: &'a [u8], cx: &Ctx<'a>) -> Result<(&'a [u8], Self), DecodeError> {
                if i.len() < $n {
                    return Ok((i, None));
                }
                let (r, v) = <$t as Field>::decode(i, cx)?;
                Ok((r, Some(v)))
            }
            fn encode(&self, out: &mut Vec<u8>) {
                if let Some(v) = self {
                    v.encode(out)
                }
            }
            fn wire_len(&self) -> usize {
                if self.is_some() {
                    $n
                } else {
                    0
                }
            }
            fn describe(&self, name: &'static str, at: usize, v: &mut dyn Visitor) {
                if let Some(x) = self {
                    v.field(
                        name,
                        Span::new(at, $n),
                        Value::Uint {
                            v: *x as u64,
                            bits: $bits,
                        },
                    );
                }
            }
            /// Always present: optional fields come last and in order, so an
            /// absent one followed by a present one would not be a wire value.
            fn generate(g: &mut Gen, _depth: u8) -> Self {
                Some(g.u64() as $t)
            }
        }
    };
}
opt_field!(u16, OptU16, 2, 16);
opt_field!(u32, OptU32, 4, 32);

impl<'a> Field<'a> for Ipv4Addr {
    const KIND: FieldKind = FieldKind::Ipv4;
    fn decode(i: &'a [u8], cx: &Ctx<'a>) -> Result<(&'a [u8], Self), DecodeError> {
        let (r, v) = u32::decode(i, cx)?;
        Ok((r, Ipv4Addr::from(v)))
    }
    fn encode(&self, out: &mut Vec<u8>) {
        put_slice(out, &self.octets())
    }
    fn wire_len(&self) -> usize {
        4
    }
    fn describe(&self, name: &'static str, at: usize, v: &mut dyn Visitor) {
        v.field(name, Span::new(at, 4), Value::Ipv4(*self));
    }
    fn generate(g: &mut Gen, _depth: u8) -> Self {
        Ipv4Addr::from(g.u64() as u32)
    }
}

impl<'a> Field<'a> for Ipv6Addr {
    const KIND: FieldKind = FieldKind::Ipv6;
    fn decode(i: &'a [u8], cx: &Ctx<'a>) -> Result<(&'a [u8], Self), DecodeError> {
        match i.split_first_chunk::<16>() {
            Some((a, r)) => Ok((r, Ipv6Addr::from(*a))),
            None => Err(cx.truncated(i, "IPv6 address", 16)),
        }
    }
    fn encode(&self, out: &mut Vec<u8>) {
        put_slice(out, &self.octets())
    }
    fn wire_len(&self) -> usize {
        16
    }
    fn describe(&self, name: &'static str, at: usize, v: &mut dyn Visitor) {
        v.field(name, Span::new(at, 16), Value::Ipv6(*self));
    }
    fn generate(g: &mut Gen, _depth: u8) -> Self {
        Ipv6Addr::from(((g.u64() as u128) << 64) | g.u64() as u128)
    }
}

/// Opaque bytes to the end of the value (user data, cookies, HMACs, ...).
impl<'a> Field<'a> for Cow<'a, [u8]> {
    const KIND: FieldKind = FieldKind::Bytes;
    fn decode(i: &'a [u8], _cx: &Ctx<'a>) -> Result<(&'a [u8], Self), DecodeError> {
        Ok((&i[i.len()..], Cow::Borrowed(i)))
    }
    fn encode(&self, out: &mut Vec<u8>) {
        put_slice(out, self)
    }
    fn wire_len(&self) -> usize {
        self.len()
    }
    fn describe(&self, name: &'static str, at: usize, v: &mut dyn Visitor) {
        v.field(name, Span::new(at, self.len()), Value::Bytes(self));
    }
    fn generate(g: &mut Gen, _depth: u8) -> Self {
        Cow::Owned(g.bytes(64))
    }
}

/// Text to the end of the value (the Host Name Address, RFC 9260 3.3.2.1.4);
/// kept as raw bytes so that a missing or extra NUL survives the round trip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<'a>(pub Cow<'a, [u8]>);

impl<'a> Field<'a> for Text<'a> {
    const KIND: FieldKind = FieldKind::Text;
    fn decode(i: &'a [u8], _cx: &Ctx<'a>) -> Result<(&'a [u8], Self), DecodeError> {
        Ok((&i[i.len()..], Text(Cow::Borrowed(i))))
    }
    fn encode(&self, out: &mut Vec<u8>) {
        put_slice(out, &self.0)
    }
    fn wire_len(&self) -> usize {
        self.0.len()
    }
    fn describe(&self, name: &'static str, at: usize, v: &mut dyn Visitor) {
        v.field(name, Span::new(at, self.0.len()), Value::Text(&self.0));
    }
    fn generate(g: &mut Gen, _depth: u8) -> Self {
        let mut s: Vec<u8> = (0..g.below(20) + 1)
            .map(|_| b'a' + g.below(26) as u8)
            .collect();
        s.push(0);
        Text(Cow::Owned(s))
    }
}

impl IntoOwned for Text<'_> {
    type Owned = Text<'static>;
    fn into_owned(self) -> Text<'static> {
        Text(IntoOwned::into_owned(self.0))
    }
}

/// A fixed-size element of a list that runs to the end of the value
/// (gap ack blocks, FORWARD-TSN stream entries, 16-bit ids, ...).
pub trait Record: Sized + Clone {
    /// Bytes per element.
    const SIZE: usize;
    /// The list's kind in the registry.
    const LIST_KIND: FieldKind;
    /// Reads one element from exactly `SIZE` bytes.
    fn read(b: &[u8]) -> Self;
    /// Appends one element.
    fn write(&self, out: &mut Vec<u8>);
    /// Reports one element starting at `at`.
    fn describe_item(&self, name: &'static str, at: usize, v: &mut dyn Visitor);
    /// A random element.
    fn generate_item(g: &mut Gen) -> Self;
}

macro_rules! uint_record {
    ($t:ty, $n:expr, $kind:ident, $bits:expr, $put:ident) => {
        impl Record for $t {
            const SIZE: usize = $n;
            const LIST_KIND: FieldKind = FieldKind::$kind;
            fn read(b: &[u8]) -> Self {
                let mut a = [0u8; $n];
                a.copy_from_slice(&b[..$n]);
                <$t>::from_be_bytes(a)
            }
            fn write(&self, out: &mut Vec<u8>) {
                $put(out, *self)
            }
            fn describe_item(&self, name: &'static str, at: usize, v: &mut dyn Visitor) {
                v.field(
                    name,
                    Span::new(at, $n),
                    Value::Uint {
                        v: *self as u64,
                        bits: $bits,
                    },
                );
            }
            fn generate_item(g: &mut Gen) -> Self {
                g.u64() as $t
            }
        }
    };
}
uint_record!(u8, 1, U8List, 8, put_u8);
uint_record!(u16, 2, U16List, 16, put_u16);
uint_record!(u32, 4, U32List, 32, put_u32);

/// A list of records to the end of the value; bytes that do not fill a whole
/// record are left for the enclosing structure's `extra`.
impl<'a, T: Record> Field<'a> for Vec<T> {
    const KIND: FieldKind = T::LIST_KIND;
    fn decode(i: &'a [u8], _cx: &Ctx<'a>) -> Result<(&'a [u8], Self), DecodeError> {
        let n = i.len() / T::SIZE;
        let v = i.chunks_exact(T::SIZE).map(T::read).collect();
        Ok((&i[n * T::SIZE..], v))
    }
    fn encode(&self, out: &mut Vec<u8>) {
        for r in self {
            r.write(out)
        }
    }
    fn wire_len(&self) -> usize {
        self.len() * T::SIZE
    }
    fn describe(&self, name: &'static str, at: usize, v: &mut dyn Visitor) {
        v.open(
            name,
            Span::new(at, self.wire_len()),
            crate::visit::Node::List,
        );
        for (k, r) in self.iter().enumerate() {
            r.describe_item(singular(name), at + k * T::SIZE, v);
        }
        v.close();
    }
    fn generate(g: &mut Gen, _depth: u8) -> Self {
        (0..g.below(6)).map(|_| T::generate_item(g)).collect()
    }
}

/// The item name for a list field: `stream_numbers` → `stream_number`.
pub fn singular(name: &'static str) -> &'static str {
    name.strip_suffix('s').unwrap_or(name)
}

/// Bytes of zero padding that bring `len` up to a multiple of 4 (RFC 9260 3.2).
pub fn pad4(len: usize) -> usize {
    (4 - len % 4) % 4
}

/// A computed Length or count for a 16-bit field (RFC 9260 3.2): `n`, or
/// 65,535 when `n` does not fit, so that an oversized value is never written
/// with a small wrapped Length that would frame its own bytes as further
/// chunks or parameters. [`crate::Packet::try_encode`] and
/// [`crate::PacketWriter`] refuse such values instead.
#[inline]
pub fn len16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// Bytes of a fixed-size field of kind `kind`, `None` for a variable one.
pub const fn fixed_size(kind: FieldKind) -> Option<usize> {
    match kind {
        FieldKind::U8 => Some(1),
        FieldKind::U16 => Some(2),
        FieldKind::U32 | FieldKind::Ipv4 => Some(4),
        FieldKind::Ipv6 => Some(16),
        _ => None,
    }
}

pub(crate) const fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut k = 0;
    while k < a.len() {
        if a[k] != b[k] {
            return false;
        }
        k += 1;
    }
    true
}

/// The byte offset, inside the value, of the fixed-size field `name` of a
/// field list (the `FIELDS` table a typed body publishes, RFC 9260 3.2), and
/// checks that it has `size` bytes. Meant for constants, so that a field list
/// and the offsets read or written from it cannot disagree: evaluated at
/// compile time, a missing name, a wrong size or a variable-size field before
/// it is a build error.
pub const fn field_offset(fields: &[FieldInfo], name: &str, size: usize) -> usize {
    let mut at = 0;
    let mut k = 0;
    while k < fields.len() {
        let Some(n) = fixed_size(fields[k].kind) else {
            panic!("field list: a variable-size field comes before the one asked for");
        };
        if same_name(fields[k].name, name) {
            assert!(n == size, "field list: the field has another size");
            return at;
        }
        at += n;
        k += 1;
    }
    panic!("field list: no field of that name")
}

/// Bytes of the fixed-size fields a field list starts with (the same as
/// [`crate::registry::Layout::fixed`]), for constants.
pub const fn fixed_len(fields: &[FieldInfo]) -> usize {
    let mut at = 0;
    let mut k = 0;
    while k < fields.len() {
        match fixed_size(fields[k].kind) {
            Some(n) => at += n,
            None => return at,
        }
        k += 1;
    }
    at
}

/// The index of field `name` in a field list, for constants (a build error
/// when absent).
pub const fn field_index(fields: &[FieldInfo], name: &str) -> usize {
    let mut k = 0;
    while k < fields.len() {
        if same_name(fields[k].name, name) {
            return k;
        }
        k += 1;
    }
    panic!("field list: no field of that name")
}
