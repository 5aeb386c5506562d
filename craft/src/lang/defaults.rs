//! The values a field takes when it is left out: first the followed
//! association's (tags, TSNs, cookie), then the "typical" value a tester
//! expects (listed here and shown by `help NAME`), else zero / empty.
//! Counts and lengths that describe another field are derived from it.

use sctp_codec::chunk::flags;
use sctp_codec::registry::{Family, TypeInfo};

use super::names;
use super::parser::next_random;
use super::value::{Item, ItemKind, PacketSpec, Val};

/// A typical value: (constructor key, field, value as source text, note).
/// Random values are derived from the item's seed when `RANDOM` is given.
pub const TYPICAL: &[(&str, &str, &str)] = &[
    ("data", "tsn", "1"),
    ("data", "user_data", "\"\""),
    ("i_data", "tsn", "1"),
    ("init", "initiate_tag", "random"),
    ("init", "a_rwnd", "106496"),
    ("init", "number_of_outbound_streams", "10"),
    ("init", "number_of_inbound_streams", "10"),
    ("init", "initial_tsn", "random"),
    ("init_ack", "initiate_tag", "random"),
    ("init_ack", "a_rwnd", "106496"),
    ("init_ack", "number_of_outbound_streams", "10"),
    ("init_ack", "number_of_inbound_streams", "10"),
    ("init_ack", "initial_tsn", "random"),
    ("init_ack", "params", "[state_cookie()]"),
    ("sack", "a_rwnd", "106496"),
    ("nr_sack", "a_rwnd", "106496"),
    ("heartbeat", "params", "[heartbeat_info()]"),
    ("heartbeat_ack", "params", "[heartbeat_info()]"),
    ("cookie_echo", "cookie", "random16"),
    ("auth", "hmac_identifier", "1"),
    ("auth", "hmac", "zero20"),
    ("asconf", "sequence_number", "1"),
    ("asconf_ack", "sequence_number", "1"),
    ("pktdrop", "bandwidth", "0"),
    ("pktdrop", "queue_size", "0"),
    ("pktdrop", "dropped_packet", "sctp() / cookie_ack()"),
    ("heartbeat_info", "heartbeat_information", "random8"),
    ("state_cookie", "state_cookie", "random16"),
    ("supported_address_types", "address_types", "[5]"),
    (
        "cookie_preservative",
        "suggested_cookie_life_span_increment",
        "10000",
    ),
    ("host_name_address", "host_name", "\"localhost\\0\""),
    ("random", "random_number", "random32"),
    ("requested_hmac_algorithm", "hmac_identifiers", "[1]"),
    ("chunk_list", "chunk_types", "[0, 3]"),
    (
        "zero_checksum_acceptable",
        "error_detection_method_identifier",
        "1",
    ),
    (
        "supported_extensions",
        "chunk_types",
        "[0x82, 0xc0, 0xc1, 0x80]",
    ),
    ("dtls_key_management", "key_management_identifiers", "[0]"),
    ("cipher_suite", "cipher_suites", "[6]"),
    ("encdata", "random_number", "random16"),
    ("encdata", "encrypted_data", "random16"),
    ("auth_s_sctp", "hmac", "zero20"),
    ("ssopreq", "version", "0x0100"),
    ("ssopreq_ack", "version", "0x0100"),
    ("ssopreq_ack", "cipher_suite", "6"),
    ("ssopreq_ack", "compression_method", "0"),
    ("ssopreq_ack", "reserved", "0"),
    ("ssopcom", "verification_data", "zero20"),
    ("ssclose", "tsn", "0"),
    ("secure_session_failure", "error_code", "0"),
    ("compression_method", "compression_methods", "[0]"),
];

/// The default flags of a chunk: B and E for DATA and I-DATA, else 0.
pub fn default_flags(info: &TypeInfo) -> u8 {
    match (info.family, names::key_of(info)) {
        (Family::Chunk, "data") => flags::DATA_B | flags::DATA_E,
        (Family::Chunk, "i_data") => flags::I_DATA_B | flags::I_DATA_E,
        _ => 0,
    }
}

/// The typical value of field `field` of `info`, if it has one.
pub fn typical(info: &TypeInfo, field: &str, item_seed: u64) -> Option<Val> {
    let key = names::key_of(info);
    let (_, _, src) = TYPICAL.iter().find(|(k, f, _)| *k == key && *f == field)?;
    let mut s = item_seed ^ fxhash(field);
    let r = next_random(&mut s);
    Some(match *src {
        "random" => Val::Int {
            v: (r as u32).max(1) as u64,
            hex_digits: Some(8),
        },
        "random8" => Val::bytes(r.to_be_bytes().to_vec()),
        "random16" => Val::bytes(rand_bytes(&mut s, 16)),
        "random32" => Val::bytes(rand_bytes(&mut s, 32)),
        "zero20" => Val::bytes(vec![0; 20]),
        src => eval_const(src, item_seed)?,
    })
}

fn rand_bytes(s: &mut u64, n: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(n);
    while v.len() < n {
        v.extend_from_slice(&next_random(s).to_be_bytes());
    }
    v.truncate(n);
    v
}

fn fxhash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// Evaluates a typical value written in the language.
fn eval_const(src: &str, seed: u64) -> Option<Val> {
    let toks = super::lexer::lex(src, 0).ok()?;
    let vars = |_: &str| None;
    let mut seed = seed;
    let mut p = super::parser::Parser::new(&toks, src.len(), &vars, &mut seed);
    p.expr(super::parser::Want::Any).ok()
}

/// The value of a field derived from another one when left out: counts of
/// lists (SACK, NR-SACK, Missing Mandatory Parameter), the EncData IV length,
/// the S-SCTP server DH parameter's three lengths, the SSCert certificate padding.
pub fn derived(field: &str, item: &Item) -> Option<Derived> {
    Some(match field {
        "number_of_gap_ack_blocks" => Derived::CountOf("gap_ack_blocks"),
        "number_of_nr_gap_ack_blocks" => Derived::CountOf("nr_gap_ack_blocks"),
        "number_of_duplicate_tsns" => Derived::CountOf("duplicate_tsns"),
        "number_of_missing_params" => Derived::CountOf("missing_param_types"),
        "random_number_length" if item.kind == ItemKind::Typed => Derived::LenOf("random_number"),
        "length_of_dh_prime" if item.kind == ItemKind::Typed => Derived::LenOf("dh_prime_number"),
        "length_of_dh_primitive_root" if item.kind == ItemKind::Typed => {
            Derived::LenOf("dh_primitive_root")
        }
        "length_of_dh_value" if item.kind == ItemKind::Typed => Derived::LenOf("dh_public_value"),
        "certificate_padding" => Derived::PadOf("certificate"),
        _ => return None,
    })
}

/// How a derived field is computed.
#[derive(Debug, Clone, Copy)]
pub enum Derived {
    /// Number of elements of the named list field.
    CountOf(&'static str),
    /// Byte length of the named bytes field.
    LenOf(&'static str),
    /// Zero bytes bringing the named bytes field to a multiple of 4.
    PadOf(&'static str),
}

/// Default common-header values without an association.
pub fn header_typical(field: &str) -> u64 {
    match field {
        "source_port" | "destination_port" => 5000,
        _ => 0,
    }
}

/// Lists the typical values of `info` for `help`.
pub fn typical_list(info: &TypeInfo) -> Vec<(&'static str, &'static str)> {
    let key = names::key_of(info);
    TYPICAL
        .iter()
        .filter(|(k, _, _)| *k == key)
        .map(|(_, f, v)| (*f, *v))
        .collect()
}

/// An empty packet (for `sctp()`).
pub fn empty_packet() -> PacketSpec {
    PacketSpec::default()
}
