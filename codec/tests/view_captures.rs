//! The zero-copy view agrees with the typed decoder on every SCTP packet of
//! every shared capture, in every dialect: the same chunks at the same
//! offsets with the same Lengths, each chunk typed alone equal to the same
//! chunk typed with its packet, the same parameters and causes, and the
//! same place where the chunks stop.
//!
//! A consistency test, not an independent one: `ChunkView::decode` calls the same
//! decoding functions as the decoder, so it shows that the view and the decoder
//! agree, not that either reads the right values (the tshark oracle and the draft
//! figures do that).

mod common;

use sctp_codec::{ChunkBody, Decoder, Dialect, Packet, PacketView};

/// Checks `v` against `p`, decoded from the same bytes with the same rules.
fn agree(what: &str, v: &PacketView<'_>, p: &Packet<'_>) -> usize {
    let views: Vec<_> = v.chunks().collect();
    // The typed decoder also shows a last chunk whose Length runs past the end.
    let cut_short = usize::from(p.chunks.len() > views.len());
    assert_eq!(
        views.len() + cut_short,
        p.chunks.len(),
        "{what}: chunk count"
    );
    assert_eq!(
        v.error().map(|e| e.offset),
        p.error.as_ref().map(|e| e.offset),
        "{what}: where the chunks stop"
    );
    if cut_short == 0 {
        assert_eq!(v.trailing(), &p.trailing[..], "{what}: trailing bytes");
        assert!(v.cut_short().is_none(), "{what}: no chunk is cut short");
    } else {
        assert_eq!(
            v.cut_short().as_ref(),
            p.chunks.last(),
            "{what}: the chunk cut short"
        );
    }
    let mut at = 12;
    let mut malformed = 0;
    for (k, (cv, c)) in views.iter().zip(&p.chunks).enumerate() {
        assert_eq!(cv.offset(), at, "{what}: chunk {k} offset");
        at += cv.bytes().len() + cv.padding().len();
        assert_eq!((cv.ty(), cv.flags()), (c.ty, c.flags), "{what}: chunk {k}");
        assert_eq!(cv.length(), c.wire_length(), "{what}: chunk {k} Length");
        assert_eq!(&cv.decode(), c, "{what}: chunk {k} typed alone");
        if !matches!(c.body, ChunkBody::Malformed(..)) {
            assert_eq!(cv.name(), c.name(), "{what}: chunk {k} name");
        }
        if !cv.is_well_framed() {
            malformed += 1;
            assert!(
                matches!(c.body, ChunkBody::Malformed(..)),
                "{what}: chunk {k}: the view finds it malformed, the decoder does not"
            );
        }
        // Parameters and causes: the same types, Lengths and names.
        let typed: Vec<(u16, u16, &str)> = match &c.body {
            ChunkBody::Init(i) | ChunkBody::InitAck(i) => i
                .params
                .iter()
                .map(|x| (x.ty, x.wire_length(), x.name()))
                .collect(),
            ChunkBody::Error(e) | ChunkBody::Abort(e) => e
                .causes
                .iter()
                .map(|x| (x.code, x.wire_length(), x.name()))
                .collect(),
            ChunkBody::Asconf(a) | ChunkBody::AsconfAck(a) => a
                .params
                .iter()
                .map(|x| (x.ty, x.wire_length(), x.name()))
                .collect(),
            _ => continue,
        };
        let seen: Vec<(u16, u16, &str)> =
            cv.tlvs().map(|t| (t.ty(), t.length(), t.name())).collect();
        assert_eq!(seen, typed, "{what}: chunk {k} parameters/causes");
    }
    assert_eq!(v.malformed_count(), malformed, "{what}: malformed count");
    assert_eq!(v.chunk_count(), views.len());
    views.len()
}

#[test]
fn the_view_agrees_with_the_decoder_on_every_capture() {
    let mut packets = 0usize;
    let mut chunks = 0usize;
    for path in common::capture_files() {
        for dialect in [Dialect::Standard, Dialect::SecureSctp, Dialect::Auto] {
            let (mut dv, mut dp) = (Decoder::new(dialect), Decoder::new(dialect));
            common::for_each_sctp(&path, |frame, bytes| {
                let what = format!("{} frame {frame} ({dialect:?})", path.display());
                match (dv.view(bytes, None), dp.decode(bytes, None)) {
                    (Ok(v), Ok(p)) => {
                        chunks += agree(&what, &v, &p);
                        packets += 1;
                    }
                    (Err(a), Err(b)) => assert_eq!(a, b, "{what}"),
                    (a, b) => panic!("{what}: view {:?}, decode {:?}", a.err(), b.err()),
                }
            });
        }
    }
    eprintln!("view vs decode: {packets} packets, {chunks} chunks, 3 dialects");
    assert!(
        packets > 12_000,
        "expected the shared corpus, saw {packets}"
    );
}

#[test]
fn a_short_packet_is_an_error_with_offset_zero() {
    let e = PacketView::parse(&[0; 11], sctp_codec::Rules::STANDARD).unwrap_err();
    assert_eq!(e.offset, 0);
    assert!(e.to_string().contains("common header"), "{e}");
}
