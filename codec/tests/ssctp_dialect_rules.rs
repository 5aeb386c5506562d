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
