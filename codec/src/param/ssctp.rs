//! The S-SCTP parameters whose type numbers the draft lost (secure-sctp.md
//! 3.15 to 3.20): they are typed by the chunk that carries them (section 11),
//! never by number, and keep their raw type.

use std::borrow::Cow;

use crate::error::{DecodeError, ErrorKind};
use crate::gen::Gen;
use crate::visit::Visitor;
use crate::wire::{Ctx, Field, FieldInfo, FieldKind, IntoOwned};

wire_struct! {
    /// Compression method parameter (draft-hohendorf-secure-sctp-15 5.1.1;
    /// secure-sctp.md 3.15, PROVISIONAL shape of the cipher-suite list): the
    /// TLV of SSOpReq that is not the cipher list.
    pub struct CompressionMethodParam {
        /// Compression methods in preference order (0 = NULL, PROVISIONAL).
        pub compression_methods: Vec<u16>,
    }
}
wire_struct! {
    /// Certificate parameter (5.1.2; secure-sctp.md 3.16): one more
    /// certificate after the inline one of SSCert.
    pub struct CertificateParam<'a> {
        /// An X.509v3 certificate (DER, PROVISIONAL).
        pub certificate: Cow<'a, [u8]>,
    }
}
wire_struct! {
    /// Client Diffie-Hellman parameter of SSCliKey (5.1.5; secure-sctp.md
    /// 3.18): the public value Y and the signature, with no length between them.
    pub struct DhClientParam<'a> {
        /// DH public value Y followed by the signature (absent without a client
        /// certificate); |Y| is the server's prime length (PROVISIONAL split).
        pub dh_value_and_signature: Cow<'a, [u8]>,
    }
}
wire_struct! {
    /// Server RSA parameter of SSSerKey (5.1.4; secure-sctp.md 3.19, content lost).
    pub struct RsaServerParam<'a> {
        /// The server's random number and a signature (layout lost: raw).
        pub random_number_and_signature: Cow<'a, [u8]>,
    }
}
wire_struct! {
    /// Client RSA parameter of SSCliKey (5.1.5; secure-sctp.md 3.20).
    pub struct RsaClientParam<'a> {
        /// The client's random number encrypted with the server's public key
        /// (the master secret in a rekey), then the signature.
        pub encrypted_random_number_and_signature: Cow<'a, [u8]>,
    }
}

/// Server Diffie-Hellman parameter of SSSerKey (5.1.4; secure-sctp.md 3.17):
/// three lengths, a reserved field, then P, G, Y and the signature back to back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhServerParam<'a> {
    /// Length of DH prime number to write instead of `dh_prime_number`'s (crafting).
    pub length_of_dh_prime: Option<u16>,
    /// Length of DH primitive root to write instead of the real one.
    pub length_of_dh_primitive_root: Option<u16>,
    /// Length of DH value to write instead of the real one.
    pub length_of_dh_value: Option<u16>,
    /// Reserved (16 bits, PROVISIONAL).
    pub reserved: u16,
    /// DH prime number P.
    pub dh_prime_number: Cow<'a, [u8]>,
    /// DH primitive root G (the draft's "Q").
    pub dh_primitive_root: Cow<'a, [u8]>,
    /// DH public value Y.
    pub dh_public_value: Cow<'a, [u8]>,
    /// Signature over the chunk header and the parameter before it (may be empty).
    pub signature: Cow<'a, [u8]>,
}

impl<'a> DhServerParam<'a> {
    /// The fields in wire order.
    pub const FIELDS: &'static [FieldInfo] = &[
        FieldInfo {
            name: "length_of_dh_prime",
            kind: FieldKind::U16,
            doc: "Length of DH prime number (LP, bytes).",
        },
        FieldInfo {
            name: "length_of_dh_primitive_root",
            kind: FieldKind::U16,
            doc: "Length of DH primitive root (LG, bytes).",
        },
        FieldInfo {
            name: "length_of_dh_value",
            kind: FieldKind::U16,
            doc: "Length of DH public value (LY, bytes).",
        },
        FieldInfo {
            name: "reserved",
            kind: FieldKind::U16,
            doc: "Reserved.",
        },
        FieldInfo {
            name: "dh_prime_number",
            kind: FieldKind::Bytes,
            doc: "DH prime number P (LP bytes).",
        },
        FieldInfo {
            name: "dh_primitive_root",
            kind: FieldKind::Bytes,
            doc: "DH primitive root G (LG bytes).",
        },
        FieldInfo {
            name: "dh_public_value",
            kind: FieldKind::Bytes,
            doc: "DH public value Y (LY bytes).",
        },
        FieldInfo {
            name: "signature",
            kind: FieldKind::Bytes,
            doc: "Signature (the rest).",
        },
    ];

    /// Whether `value` has the server DH shape: its three lengths fit.
    pub fn fits(value: &[u8]) -> bool {
        value.len() >= 8 && {
            let l = |k: usize| u16::from_be_bytes([value[k], value[k + 1]]) as usize;
            8 + l(0) + l(2) + l(4) <= value.len()
        }
    }

    /// Reads the value.
    pub fn decode_fields(i: &'a [u8], cx: &Ctx<'a>) -> Result<(&'a [u8], Self), DecodeError> {
        let start = i;
        let (i, lp) = u16::decode(i, cx)?;
        let (i, lg) = u16::decode(i, cx)?;
        let (i, ly) = u16::decode(i, cx)?;
        let (i, reserved) = u16::decode(i, cx)?;
        let need = lp as usize + lg as usize + ly as usize;
        let fits = need <= i.len();
        if !fits && cx.strict {
            return Err(DecodeError::new(
                cx.offset(start),
                ErrorKind::BadLength {
                    what: "DH prime, root and value",
                    length: need,
                    available: i.len(),
                },
            ));
        }
        // Lengths that run past the parameter (lenient): it stays a DH
        // parameter, P, G and Y take what is there, the lengths are kept as
        // written (byte-exact) and `lengths_mismatch` reports them (a lint).
        let take = |i: &'a [u8], n: u16| i.split_at((n as usize).min(i.len()));
        let (p, i) = take(i, lp);
        let (g, i) = take(i, lg);
        let (y, sig) = take(i, ly);
        let written = |n: u16| (!fits).then_some(n);
        Ok((
            &sig[sig.len()..],
            DhServerParam {
                length_of_dh_prime: written(lp),
                length_of_dh_primitive_root: written(lg),
                length_of_dh_value: written(ly),
                reserved,
                dh_prime_number: Cow::Borrowed(p),
                dh_primitive_root: Cow::Borrowed(g),
                dh_public_value: Cow::Borrowed(y),
                signature: Cow::Borrowed(sig),
            },
        ))
    }
    /// When the three lengths as written describe more bytes of P, G and Y
    /// than the parameter holds: `(LP + LG + LY, bytes present for them)`.
    pub fn lengths_mismatch(&self) -> Option<(usize, usize)> {
        let written: usize = self.lengths().iter().map(|&l| l as usize).sum();
        let present =
            self.dh_prime_number.len() + self.dh_primitive_root.len() + self.dh_public_value.len();
        let sig = self.signature.len();
        (written > present + sig).then_some((written, present + sig))
    }
    fn lengths(&self) -> [u16; 3] {
        [
            self.length_of_dh_prime
                .unwrap_or(crate::wire::len16(self.dh_prime_number.len())),
            self.length_of_dh_primitive_root
                .unwrap_or(crate::wire::len16(self.dh_primitive_root.len())),
            self.length_of_dh_value
                .unwrap_or(crate::wire::len16(self.dh_public_value.len())),
        ]
    }
    fn blobs(&self) -> [(&'static str, &Cow<'a, [u8]>); 4] {
        [
            ("dh_prime_number", &self.dh_prime_number),
            ("dh_primitive_root", &self.dh_primitive_root),
            ("dh_public_value", &self.dh_public_value),
            ("signature", &self.signature),
        ]
    }
    /// Appends the value.
    pub fn encode_fields(&self, out: &mut Vec<u8>) {
        for l in self.lengths() {
            l.encode(out);
        }
        self.reserved.encode(out);
        for (_, b) in self.blobs() {
            b.encode(out);
        }
    }
    /// Bytes of the value.
    pub fn fields_len(&self) -> usize {
        8 + self.blobs().iter().map(|(_, b)| b.len()).sum::<usize>()
    }
    /// Reports the fields, the first at absolute offset `at`.
    pub fn describe_fields(&self, at: usize, v: &mut dyn Visitor) {
        let names = [
            "length_of_dh_prime",
            "length_of_dh_primitive_root",
            "length_of_dh_value",
        ];
        let mut at = at;
        for (name, l) in names.into_iter().zip(self.lengths()) {
            l.describe(name, at, v);
            at += 2;
        }
        self.reserved.describe("reserved", at, v);
        at += 2;
        for (name, b) in self.blobs() {
            b.describe(name, at, v);
            at += b.len();
        }
    }
    /// A random well-formed value.
    pub fn generate_fields(g: &mut Gen, _depth: u8) -> Self {
        let mut blob = |max| Cow::Owned(g.bytes(max));
        DhServerParam {
            length_of_dh_prime: None,
            length_of_dh_primitive_root: None,
            length_of_dh_value: None,
            reserved: 0,
            dh_prime_number: blob(32),
            dh_primitive_root: blob(4),
            dh_public_value: blob(32),
            signature: blob(24),
        }
    }
}

impl IntoOwned for DhServerParam<'_> {
    type Owned = DhServerParam<'static>;
    fn into_owned(self) -> DhServerParam<'static> {
        DhServerParam {
            length_of_dh_prime: self.length_of_dh_prime,
            length_of_dh_primitive_root: self.length_of_dh_primitive_root,
            length_of_dh_value: self.length_of_dh_value,
            reserved: self.reserved,
            dh_prime_number: IntoOwned::into_owned(self.dh_prime_number),
            dh_primitive_root: IntoOwned::into_owned(self.dh_primitive_root),
            dh_public_value: IntoOwned::into_owned(self.dh_public_value),
            signature: IntoOwned::into_owned(self.signature),
        }
    }
}
