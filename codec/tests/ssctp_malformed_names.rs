//! Issue 20 item 2: a malformed chunk keeps the name of the type the dialect chose
//! (`../shared/spec/secure-sctp.md` section 11). Hand-written bytes, CRC32c from
//! `figures::crc32c`.

mod figures;

use figures::packet;
use sctp_codec::chunk::ChunkBody;
use sctp_codec::{DecodeOptions, Packet, Rules};

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

// --- Item 2: a malformed chunk keeps the name of the type the dialect chose ---------

/// EncData (spec 3.11) whose Random number length R runs past the chunk, and one of
/// Length 6 (no room for R): under the S-SCTP rules both are malformed EncData, never
/// NR-SACK, and the error speaks of EncData's field.
#[test]
fn malformed_encdata_keeps_the_name_encdata() {
    for chunk in [
        // Length 12: key reference 7, R = 16 but only 4 bytes follow.
        "10 00 000c 0007 0010 a0a1a2a3",
        // Length 6: key reference only, padded to 8.
        "10 00 0006 0007 0000",
    ] {
        let b = packet(5000, 5001, 0x0c0c0c0c, chunk);
        let p = lenient(&b, Rules::SSCTP);
        let c = &p.chunks[0];
        assert!(matches!(c.body, ChunkBody::Malformed(..)), "{chunk}: {c:?}");
        assert_eq!(c.name(), "EncData", "{chunk}");
        assert_eq!(c.info().map(|i| i.value), Some(0x10));
        // The walk names it so too (what -V, JSON and the plugin show).
        let mut names = Names::default();
        p.describe(&mut names);
        assert_eq!(names.0, ["EncData"], "{chunk}");
        // Standard SCTP reads the same bytes as a malformed NR-SACK.
        let p = lenient(&b, Rules::STANDARD);
        assert_eq!(p.chunks[0].name(), "NR-SACK", "{chunk}");
    }
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
