//! What the numbers of a walk mean: [`Annotate`] wraps a [`Visitor`] and,
//! after each field or flag whose registry row says what its values mean
//! ([`crate::registry::TypeInfo::value_names`]: S-SCTP cipher suites,
//! security levels, the 0x0020 cause's error codes), tells it with
//! [`Visitor::meaning`]; after opening a chunk or parameter whose type
//! number is PROVISIONAL ([`crate::registry::TypeInfo::provisional`]) it says
//! so with the name "type". The metadata is the registry's; the printers
//! (tree, JSON) only show the text.
//!
//! The S-SCTP tables are here (the registry's rows are in the `tlv_family!`
//! invocations): the 24 cipher suites of `registry.tsv`, the security
//! levels, the 0x0020 error codes, and which type numbers are PROVISIONAL.

use crate::error::DecodeError;
use crate::registry::{DialectTag, Family, TypeInfo};
use crate::visit::{Node, Span, Value, Visitor};

/// One open group of the walk.
#[derive(Clone, Copy)]
enum Group {
    /// A chunk, parameter or cause, with its S-SCTP row if it has one.
    Tlv(Option<&'static TypeInfo>),
    /// A list of values (its items are named after it).
    List(&'static str),
    /// Anything else.
    Other,
}

/// A visitor that forwards everything to `inner` and adds the meanings.
pub struct Annotate<'v> {
    inner: &'v mut dyn Visitor,
    stack: Vec<Group>,
}

impl<'v> Annotate<'v> {
    /// Wraps `inner`.
    pub fn new(inner: &'v mut dyn Visitor) -> Self {
        Annotate {
            inner,
            stack: Vec::new(),
        }
    }

    /// The row of the innermost group and the field path for `name` in it:
    /// the field itself in a TLV, the list's name for a list's item.
    fn owner(&self, name: &'static str) -> Option<(&'static TypeInfo, &'static str)> {
        match self.stack.as_slice() {
            [.., Group::Tlv(Some(t))] => Some((t, name)),
            [.., Group::Tlv(Some(t)), Group::List(l)] => Some((t, l)),
            _ => None,
        }
    }
}

/// The S-SCTP row of a node, looked up only for numbers S-SCTP uses.
fn row_of(node: &Node) -> Option<(&'static TypeInfo, usize)> {
    match *node {
        Node::Chunk {
            ty: 0x10..=0x12 | 0xD0..=0xD9,
            name,
            ..
        } => ssctp_row(Family::Chunk, name).map(|t| (t, 1)),
        Node::Param { name, .. } => ssctp_row(Family::Param, name).map(|t| (t, 2)),
        Node::Cause { code, name, .. } if (0x20..=0x24).contains(&code) => {
            ssctp_row(Family::Cause, name).map(|t| (t, 2))
        }
        _ => None,
    }
}

impl Visitor for Annotate<'_> {
    fn field(&mut self, name: &'static str, span: Span, value: Value<'_>) {
        self.inner.field(name, span, value);
        if let (Value::Uint { v, .. }, Some((t, path))) = (value, self.owner(name)) {
            if let Some(m) = t.value_names(path).and_then(|n| n.get(v)) {
                self.inner.meaning(name, span, m);
            }
        }
    }
    fn flag(&mut self, name: &'static str, span: Span, mask: u8, value: u8) {
        self.inner.flag(name, span, mask, value);
        if let [.., Group::Tlv(Some(t))] = self.stack.as_slice() {
            let names = match name {
                "sl" => t.value_names("flag:sl"),
                _ => None,
            };
            if let Some(m) = names.and_then(|n| n.get(value.into())) {
                self.inner.meaning(name, span, m);
            }
        }
    }
    fn open(&mut self, name: &'static str, span: Span, node: Node) {
        self.inner.open(name, span, node);
        let g = match node {
            Node::Chunk { .. } | Node::Param { .. } | Node::Cause { .. } => {
                let row = row_of(&node);
                if let Some((t, width)) = row {
                    if let Some(p) = t.provisional() {
                        self.inner.meaning("type", Span::new(span.at, width), p);
                    }
                }
                Group::Tlv(row.map(|(t, _)| t))
            }
            Node::List => Group::List(name),
            _ => Group::Other,
        };
        self.stack.push(g);
    }
    fn close(&mut self) {
        self.stack.pop();
        self.inner.close();
    }
    fn malformed(&mut self, span: Span, error: &DecodeError) {
        self.inner.malformed(span, error);
    }
    fn meaning(&mut self, name: &'static str, span: Span, text: &'static str) {
        self.inner.meaning(name, span, text);
    }
}

/// One S-SCTP cipher suite (draft-hohendorf-secure-sctp-15 5.1.1; the 24
/// `cipher` rows of `registry.tsv`, secure-sctp.md 5.1).
#[derive(Debug, Clone, Copy)]
pub struct CipherSuite {
    /// The 16-bit value.
    pub id: u16,
    /// Its name in the draft.
    pub name: &'static str,
    /// Key exchange.
    pub key_exchange: crate::dialect::KeyExchange,
    /// Encryption algorithm.
    pub encryption: &'static str,
    /// Hash of the HMAC (AUTH, SSOpCom).
    pub hash: &'static str,
}

macro_rules! suites {
    ($($id:literal $kx:ident $enc:literal $hash:literal $name:literal;)*) => {
        /// The cipher suites of the draft, in value order.
        pub static CIPHER_SUITES: &[CipherSuite] = &[
            $(CipherSuite {
                id: $id,
                name: $name,
                key_exchange: crate::dialect::KeyExchange::$kx,
                encryption: $enc,
                hash: $hash,
            },)*
        ];
    };
}

suites! {
    1 Rsa "DES_CBC" "MD5" "RSA_with_DES_CBC_MD5";
    2 Rsa "DES_CBC" "SHA-1" "RSA_with_DES_CBC_SHA-1";
    3 Rsa "3DES_CBC" "MD5" "RSA_with_3DES_CBC_MD5";
    4 Rsa "3DES_CBC" "SHA-1" "RSA_with_3DES_CBC_SHA-1";
    5 Rsa "AES-128" "MD5" "RSA_with_AES-128_CBC_MD5";
    6 Rsa "AES-128" "SHA-1" "RSA_with_AES-128_CBC_SHA-1";
    7 Dh "DES_CBC" "MD5" "DH_with_DES_CBC_MD5";
    8 Dh "DES_CBC" "SHA-1" "DH_with_DES_CBC_SHA-1";
    9 Dh "3DES_CBC" "MD5" "DH_with_3DES_CBC_MD5";
    10 Dh "3DES_CBC" "SHA-1" "DH_with_3DES_CBC_SHA-1";
    11 Dh "AES-128" "MD5" "DH_with_AES-128_CBC_MD5";
    12 Dh "AES-128" "SHA-1" "DH_with_AES-128_CBC_SHA-1";
    13 Rsa "NULL" "MD5" "RSA_with_NULL_MD5";
    14 Rsa "NULL" "SHA-1" "RSA_with_NULL_SHA-1";
    15 Dh "NULL" "MD5" "DH_with_NULL_MD5";
    16 Dh "NULL" "SHA-1" "DH_with_NULL_SHA-1";
    17 Rsa "AES-192" "MD5" "RSA_with_AES-192_CBC_MD5";
    18 Rsa "AES-192" "SHA-1" "RSA_with_AES-192_CBC_SHA-1";
    19 Rsa "AES-256" "MD5" "RSA_with_AES-256_CBC_MD5";
    20 Rsa "AES-256" "SHA-1" "RSA_with_AES-256_CBC_SHA-1";
    21 Dh "AES-192" "MD5" "DH_with_AES-192_CBC_MD5";
    22 Dh "AES-192" "SHA-1" "DH_with_AES-192_CBC_SHA-1";
    23 Dh "AES-256" "MD5" "DH_with_AES-256_CBC_MD5";
    24 Dh "AES-256" "SHA-1" "DH_with_AES-256_CBC_SHA-1";
}

/// sctpkit's private S-SCTP cipher suites (not in the draft, whose 5.1.1
/// table ends at 24 and allows more; docs/ssctp-endpoint.md "Private AES-GCM
/// suites", `crate::auth::ssctp_gcm`): AES-GCM encrypts EncData and its tag,
/// in AUTH, authenticates the packet. Named here so dissectors show them.
pub static PRIVATE_CIPHER_SUITES: &[CipherSuite] = &[
    CipherSuite {
        id: crate::auth::ssctp_gcm::AES_128_GCM,
        name: "DH_with_AES-128_GCM (sctpkit private)",
        key_exchange: crate::dialect::KeyExchange::Dh,
        encryption: "AES-128-GCM",
        hash: "GCM tag (SSOpCom: SHA-1)",
    },
    CipherSuite {
        id: crate::auth::ssctp_gcm::AES_256_GCM,
        name: "DH_with_AES-256_GCM (sctpkit private)",
        key_exchange: crate::dialect::KeyExchange::Dh,
        encryption: "AES-256-GCM",
        hash: "GCM tag (SSOpCom: SHA-1)",
    },
];

/// Every cipher suite we can name: the draft's, then sctpkit's private ones.
pub fn cipher_suites() -> impl Iterator<Item = &'static CipherSuite> {
    CIPHER_SUITES.iter().chain(PRIVATE_CIPHER_SUITES)
}

/// The security levels of S-SCTP (draft section 7; secure-sctp.md 4): the SL
/// flag of SSCliKey and SecLevCHD.
pub static SECURITY_LEVELS: &[(u16, &str)] = &[
    (0, "null (no encryption, no AUTH)"),
    (1, "authentication only"),
    (2, "selective encryption"),
    (3, "full (every chunk encrypted, packet authenticated)"),
];

/// The error codes of the Secure Session failure cause 0x0020 (draft 6.1).
pub static SECURE_SESSION_FAILURE_CODES: &[(u16, &str)] = &[
    (0, "Timer expired"),
    (1, "Signature failure"),
    (2, "Secure Session Open Complete failure"),
];

/// What the numbers of one field of one registry row mean.
#[derive(Debug, Clone, Copy)]
pub enum ValueNames {
    /// S-SCTP cipher suites ([`CIPHER_SUITES`], [`PRIVATE_CIPHER_SUITES`]).
    CipherSuites,
    /// A `(value, meaning)` table.
    Table(&'static [(u16, &'static str)]),
}

impl ValueNames {
    /// The meaning of `v`, if it has one.
    pub fn get(&self, v: u64) -> Option<&'static str> {
        match self {
            ValueNames::CipherSuites => cipher_suites()
                .find(|c| u64::from(c.id) == v)
                .map(|c| c.name),
            ValueNames::Table(t) => t.iter().find(|(k, _)| u64::from(*k) == v).map(|(_, m)| *m),
        }
    }
    /// Every `(value, meaning)` pair.
    pub fn all(&self) -> Vec<(u16, &'static str)> {
        match self {
            ValueNames::CipherSuites => cipher_suites().map(|c| (c.id, c.name)).collect(),
            ValueNames::Table(t) => t.to_vec(),
        }
    }
}

impl TypeInfo {
    /// What the numbers of field `path` of this type mean: a field name, a
    /// list's name for its items (`cipher_suites`), `flag:NAME` for a flag.
    pub fn value_names(&self, path: &str) -> Option<ValueNames> {
        use Family::{Cause, Chunk, Param};
        if self.dialect == DialectTag::Standard {
            return None;
        }
        match (self.family, self.value, path) {
            (Chunk, 0xD2, "cipher_suite") | (Param, 0x001E, "cipher_suites") => {
                Some(ValueNames::CipherSuites)
            }
            (Chunk, 0xD4 | 0xD8, "flag:sl") => Some(ValueNames::Table(SECURITY_LEVELS)),
            (Cause, 0x0020, "error_code") => Some(ValueNames::Table(SECURE_SESSION_FAILURE_CODES)),
            _ => None,
        }
    }

    /// Why this type's number is PROVISIONAL, for the types whose number the
    /// draft's text lost (`registry.tsv`, secure-sctp.md 1): SSOpReq 0xD0,
    /// SSCert 0xD1, SSSerKey 0xD3, PADDING 0x12 and the parameters typed by
    /// context (0x1F to 0x24). `None`: the number is the defining document's.
    pub fn provisional(&self) -> Option<&'static str> {
        match (self.family, self.dialect, self.value) {
            (Family::Chunk, DialectTag::Ssctp, 0xD0 | 0xD1 | 0xD3) => Some(
                "PROVISIONAL type: lost from the draft's text; 0xD0 + n - 1 for section 5.1.n, \
                 as in every surviving figure (secure-sctp.md 1, note 1)",
            ),
            (Family::Chunk, DialectTag::Ssctp, 0x12) => Some(
                "PROVISIONAL type: PADDING's section is lost; 0x12 follows EncData 0x10 and \
                 AUTH 0x11 (secure-sctp.md 1, note 2)",
            ),
            (Family::Param, DialectTag::SsctpContext, _) => Some(
                "PROVISIONAL type: lost from the draft; read by the chunk that carries it \
                 whatever its number, which is only the one written when crafting \
                 (secure-sctp.md 1 and 11)",
            ),
            _ => None,
        }
    }
}

/// The S-SCTP row of `family` named `name` (a walk's node names it so).
pub fn ssctp_row(family: Family, name: &str) -> Option<&'static TypeInfo> {
    let table = match family {
        Family::Chunk => crate::chunk::CHUNK_TYPES,
        Family::Param => crate::param::PARAM_TYPES,
        Family::Cause => crate::cause::CAUSE_TYPES,
    };
    table
        .iter()
        .find(|t| t.dialect != DialectTag::Standard && t.name == name)
}
