//! Fuzz target: decode any bytes as an SCTP packet in every dialect, lenient
//! and strict; a lenient decode must re-encode byte for byte, and lints and the
//! visitor walk must not panic; the zero-copy view and its typed readers must
//! agree with the decoder; PacketWriter::push_chunk writes the chunks back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sctp_codec::packet::{DecodeOptions, Packet};
use sctp_codec::visit::{Node, Span, Value, Visitor};
use sctp_codec::dialect::KeyExchange;
use sctp_codec::{Decoder, Dialect, Rules};

/// Every typed reader of `cv` (never panics, never reads past the value);
/// a SACK whose counts fit reads the decoder's lists.
fn readers(cv: &sctp_codec::ChunkView<'_>, c: &sctp_codec::Chunk<'_>) -> usize {
    let mut n = 0usize;
    if let Some(d) = cv.data() {
        n += d.payload().len() + d.tsn() as usize % 2;
    }
    if let Some(d) = cv.idata() {
        n += d.payload().len() + d.mid() as usize % 2;
    }
    if let Some(s) = cv.sack() {
        let gaps: Vec<(u16, u16)> = s.gap_blocks().collect();
        let dups: Vec<u32> = s.dup_tsns().collect();
        assert_eq!(gaps.len(), s.gap_blocks().len());
        if let sctp_codec::ChunkBody::Sack(t) = &c.body {
            assert!(s.counts_fit());
            let tg: Vec<(u16, u16)> = t.gap_ack_blocks.iter().map(|g| (g.start, g.end)).collect();
            assert_eq!(gaps, tg);
            assert_eq!(dups, t.duplicate_tsns);
        }
        n += gaps.len() + dups.len();
    }
    if let Some(s) = cv.nr_sack() {
        n += s.gap_blocks().count() + s.nr_gap_blocks().count() + s.dup_tsns().count();
    }
    if let Some(f) = cv.forward_tsn() {
        n += f.streams().count();
    }
    if let Some(f) = cv.i_forward_tsn() {
        n += f.streams().count();
    }
    if let Some(i) = cv.init() {
        n += i.params().count() + i.outbound_streams() as usize % 2;
    }
    n += cv.shutdown_cum_tsn_ack().is_some() as usize;
    n += cv.cookie_echo().map_or(0, <[u8]>::len);
    n += cv.lowest_tsn().is_some() as usize;
    n
}

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
                    n += readers(&cv, c);
                }
                assert!(n >= v.chunk_count());
                // The writer writes every decoded chunk back as it was.
                let mut buf = Vec::new();
                let mut w = sctp_codec::PacketWriter::new(&mut buf, p.header, usize::MAX);
                for c in &p.chunks {
                    w.push_chunk(c).expect("a decoded chunk fits");
                }
                let end = w.len();
                assert_eq!(&w.as_bytes()[12..], &data[12..end]);
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
