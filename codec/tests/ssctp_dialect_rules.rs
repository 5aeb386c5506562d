//! What `../shared/spec/secure-sctp.md` asks of the S-SCTP dialect beyond the figures
//! (issue 20): names of malformed chunks and parameters, the `auto` rules of section
//! 11, the draft's rules as lints, and what the numbers mean. Every packet is written
//! by hand (hex) with a CRC32c computed by `figures::crc32c`, not by the codec.

mod figures;

use figures::packet;
use sctp_codec::chunk::ChunkBody;
use sctp_codec::dialect::KeyExchange;
use sctp_codec::lint;
use sctp_codec::param::ParamBody;
use sctp_codec::{DecodeOptions, Packet, Rules};

/// Lenient decode of hand-written `bytes` with `rules`.
fn lenient(bytes: &[u8], rules: Rules) -> Packet<'_> {
    Packet::decode(
        bytes,
        &DecodeOptions {
            rules,
            strict: false,
        },
    )
    .expect("common header")
}

/// The chunk/parameter/cause names of a walk, in order.
#[derive(Default)]
struct Names(Vec<&'static str>);

impl sctp_codec::visit::Visitor for Names {
    fn field(
        &mut self,
        _: &'static str,
        _: sctp_codec::visit::Span,
        _: sctp_codec::visit::Value<'_>,
    ) {
    }
    fn open(&mut self, _: &'static str, _: sctp_codec::visit::Span, node: sctp_codec::visit::Node) {
        use sctp_codec::visit::Node;
        match node {
            Node::Chunk { name, .. } | Node::Param { name, .. } | Node::Cause { name, .. } => {
                self.0.push(name)
            }
            _ => {}
        }
    }
    fn close(&mut self) {}
}

// --- Item 3: a DH server parameter whose lengths disagree with its Length ------------

/// SSSerKey (spec 3.4) holding the server DH parameter (3.17) with LP = 0x0100: P, G
/// and Y cannot fit in the 9 bytes after the fixed fields. Written with the REPL's
/// crafting type for that parameter (0x0021) and no cipher suite known, or with any
/// type once the suite (DH) is known: the parameter keeps the name
/// "Diffie-Hellman (server)" (never "RSA (server)") and a lint says why.
#[test]
fn dh_server_with_wrong_lengths_keeps_its_name_and_gets_a_lint() {
    let cases: [(&str, Option<KeyExchange>); 3] = [
        ("0021", None),
        ("0021", Some(KeyExchange::Dh)),
        ("0031", Some(KeyExchange::Dh)),
    ];
    for (ty, kx) in cases {
        let chunk =
            format!("d3 00 0019 {ty} 0015 0100 0001 0002 0000 0017 05 000a 010203 ab 000000");
        let b = packet(5000, 5001, 0x0c0c0c0c, &chunk);
        let rules = Rules {
            key_exchange: kx,
            ..Rules::SSCTP
        };
        let p = lenient(&b, rules);
        let ChunkBody::SsSerKey(k) = &p.chunks[0].body else {
            panic!("{chunk}: {:?}", p.chunks[0])
        };
        let prm = &k.params[0];
        // The lengths as written, P taking the 9 bytes there are.
        let ParamBody::DhServer(d) = &prm.body else {
            panic!("{ty} {kx:?}: {prm:?}")
        };
        assert_eq!(
            (
                d.length_of_dh_prime,
                d.length_of_dh_primitive_root,
                d.length_of_dh_value
            ),
            (Some(0x100), Some(1), Some(2))
        );
        assert_eq!(d.dh_prime_number.len(), 9);
        assert_eq!(p.encode(), b, "byte-exact");
        assert_eq!(prm.name(), "Diffie-Hellman (server)", "{ty} {kx:?}");
        // Strict decoding refuses it.
        assert!(Packet::decode(
            &b,
            &DecodeOptions {
                rules,
                strict: true
            }
        )
        .is_err());
        let mut names = Names::default();
        p.describe(&mut names);
        assert_eq!(
            names.0,
            ["SSSerKey", "Diffie-Hellman (server)"],
            "{ty} {kx:?}"
        );
        let lints = lint::lint(&p, None);
        let l = lints
            .iter()
            .find(|l| l.offset == 20 && l.code == "dh-lengths")
            .unwrap_or_else(|| panic!("{ty} {kx:?}: no lint on the parameter's value: {lints:?}"));
        assert!(l.message.contains("DH"), "{l:?}");
    }
    // With the REPL's RSA crafting type (0x0022) and no suite known the same value is
    // an RSA parameter (content lost, kept raw): nothing to lint.
    let b = packet(
        5000,
        5001,
        0x0c0c0c0c,
        "d3 00 0019 0022 0015 0100 0001 0002 0000 0017 05 000a 010203 ab 000000",
    );
    let p = lenient(&b, Rules::SSCTP);
    let ChunkBody::SsSerKey(k) = &p.chunks[0].body else {
        panic!("{:?}", p.chunks[0])
    };
    assert!(matches!(k.params[0].body, ParamBody::RsaServer(_)));
    assert!(lint::lint(&p, None).is_empty());
    // A well-formed DH parameter gets no lint.
    let b = packet(5000, 5001, 0x0c0c0c0c, figures::SSSERKEY_DH);
    let p = lenient(&b, Rules::SSCTP);
    assert!(
        matches!(&p.chunks[0].body, ChunkBody::SsSerKey(k) if matches!(k.params[0].body, ParamBody::DhServer(_)))
    );
    assert!(
        lint::lint(&p, None).is_empty(),
        "{:?}",
        lint::lint(&p, None)
    );
}

// --- Item 4: auto, rule 5 of section 11 -------------------------------------------

/// EncData that passes the EncData test (R = 16, 16 bytes of ciphertext).
const ENC_OK: &str = "10 00 0028 0007 0010 a0a1a2a3a4a5a6a7a8a9aaabacadaeaf \
                      b0b1b2b3b4b5b6b7b8b9babbbcbdbebf";
/// S-SCTP AUTH of Length 28 (HMAC-SHA-1): the strong signal when last.
const AUTH28: &str = "11 00 001c 0009 0000 c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3";
/// EncData that fails the EncData test (R = 12): S-SCTP only from the association.
const ENC_R12: &str =
    "10 00 0024 0007 000c a0a1a2a3a4a5a6a7a8a9aaab b0b1b2b3b4b5b6b7b8b9babbbcbdbebf";

fn key() -> sctp_codec::dialect::AssocKey {
    use std::net::{IpAddr, Ipv4Addr};
    let a = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10));
    let b = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 20));
    sctp_codec::dialect::assoc_key((a, 5000), (b, 5001))
}

/// The chunk names of each packet decoded in order by a fresh `auto` decoder of one
/// association, through `Decoder::decode` and through `Decoder::view` (what `dissect`
/// uses), which must agree.
fn auto_names(packets: &[Vec<u8>]) -> Vec<Vec<&'static str>> {
    use sctp_codec::{Decoder, Dialect};
    let mut d = Decoder::new(Dialect::Auto);
    let mut v = Decoder::new(Dialect::Auto);
    packets
        .iter()
        .map(|b| {
            let p = d.decode(b, Some(key())).unwrap();
            let names: Vec<&'static str> = p.chunks.iter().map(|c| c.name()).collect();
            let view = v.view(b, Some(key())).unwrap();
            let vnames: Vec<&'static str> = view.chunks().map(|c| c.name()).collect();
            assert_eq!(names, vnames, "decode and view disagree");
            names
        })
        .collect()
}

/// Rule 5: with no handshake seen, an EncData that passes the EncData test in a packet
/// that ends with an S-SCTP AUTH of Length 24 or 28 is EncData "and the association
/// becomes S-SCTP (sticky)": the AUTH of that packet and every later packet of the
/// association decode as S-SCTP (0x10 as EncData without the test, 0x11, the causes).
#[test]
fn encdata_with_auth_last_switches_the_association_to_ssctp() {
    let pk = |chunks: &str| packet(5000, 5001, 0x0c0c0c0c, chunks);
    let names = auto_names(&[
        pk(&format!("{ENC_OK} {AUTH28}")),
        pk(ENC_R12),
        pk(AUTH28),
        pk("09 00 0008 0023 0004"),
        pk("12 00 0008 00000000"),
    ]);
    assert_eq!(
        names,
        [
            vec!["EncData", "AUTH (S-SCTP)"],
            vec!["EncData"],
            vec!["AUTH (S-SCTP)"],
            vec!["ERROR"],
            vec!["PADDING"],
        ]
    );
    // The cause is S-SCTP's too.
    let mut d = sctp_codec::Decoder::new(sctp_codec::Dialect::Auto);
    let b1 = pk(&format!("{ENC_OK} {AUTH28}"));
    d.decode(&b1, Some(key())).unwrap();
    let b2 = pk("09 00 0008 0023 0004");
    let p = d.decode(&b2, Some(key())).unwrap();
    let ChunkBody::Error(e) = &p.chunks[0].body else {
        panic!("{:?}", p.chunks[0])
    };
    assert_eq!(e.causes[0].name(), "Secure Session Authentication failure");
    assert!(d.is_ssctp(&key()));
    // Without the strong signal the EncData is EncData for itself only: the
    // association does not switch (rule 5, "exactly one test passes").
    let names = auto_names(&[pk(ENC_OK), pk(ENC_R12), pk(AUTH28)]);
    assert_eq!(names, [vec!["EncData"], vec!["Unknown"], vec!["Unknown"]]);
    // An AUTH of another Length is no strong signal either.
    let auth20 = "11 00 0014 0009 0000 c0c1c2c3c4c5c6c7c8c9cacb";
    let names = auto_names(&[pk(&format!("{ENC_OK} {auth20}")), pk(ENC_R12)]);
    assert_eq!(names, [vec!["EncData", "Unknown"], vec!["Unknown"]]);
}

// --- Item 6: the draft's rules as lints --------------------------------------------

/// The (code, offset) of every lint of a hand-written S-SCTP packet.
fn ssctp_lints(chunks: &str) -> Vec<(&'static str, usize)> {
    let b = packet(5000, 5001, 0x0c0c0c0c, chunks);
    let p = lenient(&b, Rules::SSCTP);
    lint::lint(&p, None)
        .into_iter()
        .map(|l| (l.code, l.offset))
        .collect()
}

/// Q30 / I26: at most one EncData per packet (5.1.11); 8 and 9.3 c: AUTH goes last;
/// section 7 (spec 4): a packet with EncData must carry AUTH (EncData exists only at
/// levels 2 and 3, which both require it); spec 3.7 / Q2: SSClose of Length 6 (the
/// text's 16-bit TSN, I2) decodes with a warning.
#[test]
fn the_drafts_packet_rules_are_lints() {
    // A well-formed packet: one EncData, AUTH last. No lint.
    assert_eq!(ssctp_lints(&format!("{ENC_OK} {AUTH28}")), []);
    // Two EncData (the second at 12 + 40 = 52).
    assert_eq!(
        ssctp_lints(&format!("{ENC_OK} {ENC_OK} {AUTH28}")),
        [("two-encdata", 52)]
    );
    // AUTH first, DATA after it.
    let data = "00 03 0014 00000001 0001 0000 00000000 68656c6c";
    assert_eq!(
        ssctp_lints(&format!("{AUTH28} {data}")),
        [("auth-not-last", 12)]
    );
    // EncData and no AUTH.
    assert_eq!(ssctp_lints(ENC_OK), [("encdata-without-auth", 12)]);
    assert_eq!(
        ssctp_lints(&format!("{ENC_OK} {data}")),
        [("encdata-without-auth", 12)]
    );
    // SSClose with Length 6 and a 16-bit TSN; Length 8 is the figure.
    assert_eq!(
        ssctp_lints("d6 01 0006 0102 0000"),
        [("ssclose-16-bit-tsn", 14)]
    );
    assert_eq!(ssctp_lints(figures::SSCLOSE), []);
    // Standard SCTP knows none of these chunks: no S-SCTP lint.
    let b = packet(5000, 5001, 1, &format!("{ENC_OK} {ENC_OK}"));
    assert!(lint::lint(&lenient(&b, Rules::STANDARD), None)
        .iter()
        .all(|l| !matches!(l.code, "two-encdata" | "encdata-without-auth")));
}

// --- Item 5: NR-SACK negotiated, then S-SCTP: the dialect conflict ------------------

/// INIT and INIT-ACK listing 0x10 (NR-SACK) in Supported Extensions (0x8008, RFC 5061
/// 4.2.7; Length 5, 3 bytes of padding), an SSOpReq (figure 3.1) and an NR-SACK.
pub const CONFLICT_INIT: &str =
    "01 00 0019 00000001 00010000 000a 000a 00000001 8008 0005 10 000000";
pub const CONFLICT_INIT_ACK: &str =
    "02 00 0019 00000002 00010000 000a 000a 00000064 8008 0005 10 000000";
pub const NR_SACK: &str = "10 00 0014 00000001 00010000 0000 0000 0000 0000";

/// Rule 2 / Q25: NR-SACK negotiated, then S-SCTP evidence: 0x10 stays NR-SACK, the
/// handshake chunks are S-SCTP, and the packets that carry either say so in a
/// "dialect-conflict" lint.
#[test]
fn negotiated_nr_sack_then_ssopreq_is_a_dialect_conflict() {
    let mut d = sctp_codec::Decoder::new(sctp_codec::Dialect::Auto);
    let packets = [
        packet(5000, 5001, 0, CONFLICT_INIT),
        packet(5001, 5000, 1, CONFLICT_INIT_ACK),
        packet(5000, 5001, 2, figures::SSOPREQ),
        packet(5001, 5000, 1, NR_SACK),
        packet(5000, 5001, 2, "0b 00 0004"),
    ];
    let mut got = Vec::new();
    for b in &packets {
        let (p, rules) = d.decode_with_rules(b, Some(key())).unwrap();
        let names: Vec<&str> = p.chunks.iter().map(|c| c.name()).collect();
        let conflict: Vec<(usize, String)> = lint::lint_rules(&p, None, &rules)
            .into_iter()
            .filter(|l| l.code == "dialect-conflict")
            .map(|l| (l.offset, l.message))
            .collect();
        got.push((names, conflict.iter().map(|c| c.0).collect::<Vec<_>>()));
        for (_, m) in conflict {
            assert!(m.contains("NR-SACK") && m.contains("S-SCTP"), "{m}");
        }
    }
    assert_eq!(
        got,
        [
            (vec!["INIT"], vec![]),
            (vec!["INIT-ACK"], vec![]),
            (vec!["SSOpReq"], vec![12]),
            (vec!["NR-SACK"], vec![12]),
            (vec!["COOKIE-ACK"], vec![]),
        ]
    );
    // Without the negotiation there is no conflict: 0x10 follows S-SCTP.
    let mut d = sctp_codec::Decoder::new(sctp_codec::Dialect::Auto);
    for b in [
        packet(5000, 5001, 2, figures::SSOPREQ),
        packet(5001, 5000, 1, ENC_OK),
    ] {
        let (p, rules) = d.decode_with_rules(&b, Some(key())).unwrap();
        assert!(!rules.conflict);
        assert!(lint::lint_rules(&p, None, &rules)
            .iter()
            .all(|l| l.code != "dialect-conflict"));
    }
}

// --- Items 7 and 8: the registry's meanings and PROVISIONAL marks ------------------

/// The rows of `../shared/spec/registry.tsv`: (kind, dialect, value, name, notes).
fn tsv_rows() -> Vec<(String, String, u16, String, String)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/spec/registry.tsv"
    );
    let text = std::fs::read_to_string(path).expect("../shared/spec/registry.tsv");
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (
                f[0].to_string(),
                f[1].to_string(),
                u16::from_str_radix(f[2].trim_start_matches("0x"), 16).unwrap(),
                f[3].to_string(),
                f.get(5).unwrap_or(&"").to_string(),
            )
        })
        .collect()
}

/// The codec's cipher suites are the 24 `cipher` rows of registry.tsv: value, name,
/// key exchange, encryption and hash (the notes read "key exchange X, encryption Y,
/// HMAC hash Z"); the walk names them, and the levels and error codes.
#[test]
fn cipher_suites_are_the_registry_rows() {
    use sctp_codec::visit::meaning::CIPHER_SUITES;
    let rows: Vec<_> = tsv_rows().into_iter().filter(|r| r.0 == "cipher").collect();
    assert_eq!(rows.len(), 24);
    assert_eq!(CIPHER_SUITES.len(), 24);
    for (r, c) in rows.iter().zip(CIPHER_SUITES) {
        assert_eq!((r.2, r.3.as_str()), (c.id, c.name));
        let kx = match c.key_exchange {
            KeyExchange::Dh => "DH",
            KeyExchange::Rsa => "RSA",
        };
        let want = format!(
            "key exchange {kx}, encryption {}, HMAC hash {}",
            c.encryption, c.hash
        );
        assert!(r.4.contains(&want), "{}: {} vs {want}", r.3, r.4);
        assert_eq!(KeyExchange::of_suite(c.id), Some(c.key_exchange));
    }
    assert_eq!(KeyExchange::of_suite(0), None);
    assert_eq!(KeyExchange::of_suite(25), None);
}

/// The chunk types marked PROVISIONAL are the S-SCTP rows whose registry.tsv notes say
/// the type is provisional or lost (0xD0, 0xD1, 0xD3, 0x12), plus the parameters
/// typed by context (no row: their type is lost, spec 1).
#[test]
fn provisional_marks_follow_the_registry() {
    use sctp_codec::registry::{self, DialectTag, Family};
    for r in tsv_rows()
        .iter()
        .filter(|r| r.1 == "ssctp" && r.0 == "chunk")
    {
        let t = registry::lookup(Family::Chunk, DialectTag::Ssctp, r.2).unwrap();
        let lost = r.4.starts_with("PROVISIONAL type") || r.4.contains("type value lost");
        assert_eq!(
            t.provisional().is_some(),
            lost,
            "{} {:#x}: {}",
            r.3,
            r.2,
            r.4
        );
    }
    let marked: Vec<u16> = registry::all()
        .filter(|t| t.provisional().is_some())
        .map(|t| t.value)
        .collect();
    assert_eq!(
        marked,
        [0x12, 0xD0, 0xD1, 0xD3, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x24]
    );
}
