//! Fuzz target: decode any bytes as an SCTP packet in every dialect, lenient
//! and strict; a lenient decode must re-encode byte for byte, and lints and the
//! visitor walk must not panic; the zero-copy view must agree with the decoder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sctp_codec::packet::{DecodeOptions, Packet};
use sctp_codec::visit::{Node, Span, Value, Visitor};
use sctp_codec::dialect::KeyExchange;
use sctp_codec::{Decoder, Dialect, Rules};

struct Count(usize);
impl Visitor for Count {
    fn field(&mut self, _: &'static str, s: Span, _: Value<'_>) {
        self.0 += s.len;
    }
    fn open(&mut self, _: &'static str, _: Span, _: Node) {}
    fn close(&mut self) {}
}

fuzz_target!(|data: &[u8]| {
    for d in [Dialect::Standard, Dialect::SecureSctp, Dialect::Auto] {
        let mut dec = Decoder::new(d);
        if let Ok(p) = dec.decode(data, None) {
            assert_eq!(p.encode(), data);
            let _ = sctp_codec::lint::lint(&p, None);
            p.describe(&mut Count(0));
        }
    }
    // S-SCTP key chunks read their parameter by the negotiated key exchange.
    for kx in [None, Some(KeyExchange::Dh), Some(KeyExchange::Rsa)] {
        let rules = Rules { key_exchange: kx, ..Rules::SSCTP };
        if let Ok(p) = Packet::decode(data, &DecodeOptions { rules, strict: false }) {
            assert_eq!(p.encode(), data);
            p.describe(&mut Count(0));
        }
    }
    for rules in [Rules::STANDARD, Rules::SSCTP] {
        let _ = Packet::decode(data, &DecodeOptions { rules, strict: true });
    }
    let _ = sctp_codec::chunk::ssctp_auth_hmac_input(data);
    // The zero-copy view frames the chunks as the decoder does, and each
    // chunk typed alone equals the same chunk typed with its packet.
    for rules in [Rules::STANDARD, Rules::SSCTP] {
        let v = sctp_codec::PacketView::parse(data, rules);
        let p = Packet::decode(data, &DecodeOptions { rules, strict: false });
        match (v, p) {
            (Ok(v), Ok(p)) => {
                let mut n = 0;
                for (cv, c) in v.chunks().zip(&p.chunks) {
                    assert_eq!(&cv.decode(), c);
                    assert!(cv.is_well_framed() || matches!(c.body, sctp_codec::ChunkBody::Malformed(..)));
                    n += cv.tlvs().map(|t| t.name().len()).count();
                    n += 1;
                }
                assert!(n >= v.chunk_count());
                // The chunk cut short is the decoder's last one.
                if let Some(c) = v.cut_short() {
                    assert_eq!(Some(&c), p.chunks.last());
                    assert_eq!(p.chunks.len(), v.chunk_count() + 1);
                } else {
                    assert_eq!(p.chunks.len(), v.chunk_count());
                }
                assert_eq!(v.error().map(|e| e.offset), p.error.map(|e| e.offset));
            }
            (Err(a), Err(b)) => assert_eq!(a, b),
            _ => panic!("view and decode disagree on failing"),
        }
    }
});
