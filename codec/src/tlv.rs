//! Framing shared by chunks, parameters and error causes: every one of them is
//! a Type/Length/Value with the Length counting the 4-byte header and the
//! value but not the zero padding to a multiple of 4 (RFC 9260 3.2, 3.2.1,
//! 3.3.10). Lists of them are read and written here, keeping the padding
//! bytes actually seen so that re-encoding is byte-exact.

use std::borrow::Cow;

use crate::error::{DecodeError, ErrorKind};
use crate::gen::Gen;
use crate::visit::Visitor;
use crate::wire::{pad4, put_slice, Ctx};

/// One TLV of a family (chunk, parameter or cause).
pub trait Tlv<'a>: Sized {
    /// What the family is called in errors ("chunk", "parameter", "cause").
    const WHAT: &'static str;
    /// The registry kind of a list of this family.
    const LIST_KIND: crate::wire::FieldKind;
    /// Decodes one TLV from exactly its `Length` bytes (header included).
    fn decode_tlv(whole: &'a [u8], cx: &Ctx<'a>) -> Result<Self, DecodeError>;
    /// Appends the header and value, without trailing padding.
    fn encode_tlv(&self, out: &mut Vec<u8>);
    /// The Length that [`Tlv::encode_tlv`] writes bytes for (header + value).
    fn tlv_len(&self) -> usize;
    /// The padding bytes kept from decoding (`None`: the normal padding).
    fn padding(&self) -> Option<&[u8]>;
    /// Stores the padding seen after this TLV.
    fn set_padding(&mut self, p: Option<Cow<'a, [u8]>>);
    /// Reports the TLV (starting at `at`) to a visitor.
    fn describe_tlv(&self, at: usize, v: &mut dyn Visitor);
    /// A random well-formed TLV of this family.
    fn generate_tlv(g: &mut Gen, depth: u8) -> Self;
}

/// Reads TLVs until fewer than 4 bytes remain; returns those bytes as the rest.
///
/// `last_padded` says whether the last TLV of the list is normally followed by
/// its padding inside the parent (true for the chunks of a packet; false for
/// parameters and causes, whose last padding belongs to the enclosing chunk).
pub fn decode_list<'a, T: Tlv<'a>>(
    i: &'a [u8],
    cx: &Ctx<'a>,
    last_padded: bool,
) -> Result<(&'a [u8], Vec<T>), DecodeError> {
    let (rest, v, err) = decode_list_partial(i, cx, last_padded);
    match err {
        Some(e) => Err(e),
        None => Ok((rest, v)),
    }
}

/// Like [`decode_list`], but keeps the TLVs decoded before an error: returns
/// them, the undecoded rest (starting at the bad TLV) and the error.
pub fn decode_list_partial<'a, T: Tlv<'a>>(
    mut i: &'a [u8],
    cx: &Ctx<'a>,
    last_padded: bool,
) -> (&'a [u8], Vec<T>, Option<DecodeError>) {
    let mut v = Vec::new();
    while i.len() >= 4 {
        let (frame, rest) = match split_frame(i) {
            Ok(x) => x,
            Err(len) => {
                let e = DecodeError::new(
                    cx.offset(i),
                    ErrorKind::BadLength {
                        what: T::WHAT,
                        length: len,
                        available: i.len(),
                    },
                );
                return (i, v, Some(e));
            }
        };
        let t = cx.deeper(i).and_then(|cx| T::decode_tlv(frame.whole, &cx));
        let mut t = match t {
            Ok(t) => t,
            Err(e) => return (i, v, Some(e)),
        };
        t.set_padding(if frame.normal_padding(rest, last_padded) {
            None
        } else {
            Some(Cow::Borrowed(frame.padding))
        });
        v.push(t);
        i = rest;
    }
    (i, v, None)
}

/// One TLV as framed in a list: the bytes its Length covers (header
/// included) and the padding bytes present after them (RFC 9260 3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// Type, Length and value: exactly Length bytes.
    pub whole: &'a [u8],
    /// The padding after the value (up to 3 bytes; fewer if the list ends).
    pub padding: &'a [u8],
}

impl Frame<'_> {
    /// The Length field.
    #[inline]
    pub fn length(&self) -> u16 {
        u16::from_be_bytes([self.whole[2], self.whole[3]])
    }
    /// Whether the padding is what an encoder writes by default, given the
    /// `rest` of the list after it (see [`decode_list`] for `last_padded`).
    pub fn normal_padding(&self, rest: &[u8], last_padded: bool) -> bool {
        // The list ends where fewer than 4 bytes remain; that is where the
        // encoder treats the TLV as the last one.
        if rest.len() < 4 && !last_padded {
            self.padding.is_empty()
        } else {
            self.padding.len() == pad4(self.whole.len()) && self.padding.iter().all(|&b| b == 0)
        }
    }
}

/// Splits the first TLV off `i` (which holds at least 4 bytes): the frame and
/// the rest of the list, or the Length when it is below 4 or runs past the end.
/// The one framing rule of every TLV list, for decoders and views alike.
#[inline]
pub fn split_frame(i: &[u8]) -> Result<(Frame<'_>, &[u8]), usize> {
    let len = u16::from_be_bytes([i[2], i[3]]) as usize;
    if len < 4 || len > i.len() {
        return Err(len);
    }
    let (whole, rest) = i.split_at(len);
    let (padding, rest) = rest.split_at(pad4(len).min(rest.len()));
    Ok((Frame { whole, padding }, rest))
}

/// Writes a list of TLVs with their padding (see [`decode_list`]).
pub fn encode_list<'a, T: Tlv<'a>>(list: &[T], out: &mut Vec<u8>, last_padded: bool) {
    let n = list.len();
    for (k, t) in list.iter().enumerate() {
        t.encode_tlv(out);
        match t.padding() {
            Some(p) => put_slice(out, p),
            None if k + 1 < n || last_padded => {
                out.resize(out.len() + pad4(t.tlv_len()), 0);
            }
            None => {}
        }
    }
}

/// The bytes [`encode_list`] writes.
pub fn list_len<'a, T: Tlv<'a>>(list: &[T], last_padded: bool) -> usize {
    let n = list.len();
    list.iter()
        .enumerate()
        .map(|(k, t)| {
            t.tlv_len()
                + match t.padding() {
                    Some(p) => p.len(),
                    None if k + 1 < n || last_padded => pad4(t.tlv_len()),
                    None => 0,
                }
        })
        .sum()
}

/// Reports each TLV of a list, the first starting at `at`.
pub fn describe_list<'a, T: Tlv<'a>>(
    list: &[T],
    at: usize,
    last_padded: bool,
    v: &mut dyn Visitor,
) {
    let n = list.len();
    let mut at = at;
    for (k, t) in list.iter().enumerate() {
        t.describe_tlv(at, v);
        at += t.tlv_len()
            + match t.padding() {
                Some(p) => p.len(),
                None if k + 1 < n || last_padded => pad4(t.tlv_len()),
                None => 0,
            };
    }
}

/// A random list of up to `max` TLVs.
pub fn generate_list<'a, T: Tlv<'a>>(g: &mut Gen, depth: u8, max: u64) -> Vec<T> {
    if depth >= 3 {
        return Vec::new();
    }
    (0..g.below(max + 1))
        .map(|_| T::generate_tlv(g, depth + 1))
        .collect()
}

/// A list of TLVs wrapped inside another structure (an Unrecognized Parameter,
/// the chunk inside an Unrecognized Chunk Type cause, an address inside an
/// ASCONF parameter): decoded when it is well formed, else kept raw, so that a
/// truncated copy still round-trips.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Nested<'a, T> {
    /// The wrapped TLVs, decoded.
    Parsed(Vec<T>),
    /// The wrapped bytes, which are not a well-formed list.
    Raw(Cow<'a, [u8]>),
}

impl<'a, T: Tlv<'a>> crate::wire::Field<'a> for Nested<'a, T> {
    const KIND: crate::wire::FieldKind = T::LIST_KIND;
    fn decode(i: &'a [u8], cx: &Ctx<'a>) -> Result<(&'a [u8], Self), DecodeError> {
        let strict = Ctx {
            strict: true,
            ..*cx
        };
        let end = &i[i.len()..];
        match decode_list::<T>(i, &strict, false) {
            Ok((rest, v)) if rest.is_empty() && list_len(&v, false) == i.len() => {
                Ok((end, Nested::Parsed(v)))
            }
            _ => Ok((end, Nested::Raw(Cow::Borrowed(i)))),
        }
    }
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Nested::Parsed(v) => encode_list(v, out, false),
            Nested::Raw(b) => put_slice(out, b),
        }
    }
    fn wire_len(&self) -> usize {
        match self {
            Nested::Parsed(v) => list_len(v, false),
            Nested::Raw(b) => b.len(),
        }
    }
    fn describe(&self, name: &'static str, at: usize, v: &mut dyn Visitor) {
        match self {
            Nested::Parsed(list) => {
                v.open(
                    name,
                    crate::visit::Span::new(at, self.wire_len()),
                    crate::visit::Node::List,
                );
                describe_list(list, at, false, v);
                v.close();
            }
            Nested::Raw(b) => v.field(
                name,
                crate::visit::Span::new(at, b.len()),
                crate::visit::Value::Bytes(b),
            ),
        }
    }
    fn generate(g: &mut Gen, depth: u8) -> Self {
        let mut v: Vec<T> = generate_list(g, depth, 2);
        if v.is_empty() && depth < 3 {
            v.push(T::generate_tlv(g, depth + 1));
        }
        Nested::Parsed(v)
    }
}

impl<'a, T: crate::wire::IntoOwned> crate::wire::IntoOwned for Nested<'a, T> {
    type Owned = Nested<'static, T::Owned>;
    fn into_owned(self) -> Self::Owned {
        match self {
            Nested::Parsed(v) => Nested::Parsed(
                v.into_iter()
                    .map(crate::wire::IntoOwned::into_owned)
                    .collect(),
            ),
            Nested::Raw(b) => Nested::Raw(crate::wire::IntoOwned::into_owned(b)),
        }
    }
}
