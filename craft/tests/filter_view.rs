//! A display filter on the frame and the chunks' headers is answered from
//! the packet read in place (`Facts::of_view`, the fast path of `dissect -Y`)
//! exactly as from the packet typed and walked (`Facts::of`), on every SCTP
//! packet of every shared capture; a filter that looks inside a chunk never
//! takes the fast path.

mod common;

use sctp_codec::capture::CaptureReader;
use sctp_codec::checksum::{self, VerifyMode};
use sctp_codec::link::{extract_sctp, Defragmenter, LinkConfig};
use sctp_codec::{DecodeOptions, Decoder, Dialect, Packet};
use sctp_craft::filter::{Facts, Filter, Frame};

#[test]
fn header_filters_from_the_view_equal_the_typed_walk() {
    let header_only = [
        "data",
        "sack",
        "init || abort",
        "!data",
        "chunk",
        "chunk.type == 3",
        "chunk.length > 60",
        "chunk.flags == 3",
        "data.flags == 3",
        "sack.length == 16",
        "init_ack.length > 100 || shutdown_complete.flags == 1",
        "src == 10.0.0.0/8 && data",
        "frame > 3 && heartbeat",
        "checksum.status == bad",
    ];
    let inside = [
        "data.tsn > 5",
        "sack.cum_ack > 1",
        "ipv4_address == 10.0.0.1",
    ];
    let filters: Vec<Filter> = header_only
        .iter()
        .map(|f| Filter::parse(f).unwrap_or_else(|e| panic!("{f}: {e}")))
        .collect();
    let inner: Vec<Filter> = inside.iter().map(|f| Filter::parse(f).unwrap()).collect();
    let (mut packets, mut fast, mut chosen) = (0usize, 0usize, 0usize);
    for file in common::corpus_files() {
        for dialect in [Dialect::Standard, Dialect::Auto] {
            let mut r = CaptureReader::open(&file).expect("open capture");
            let (cfg, mut defrag) = (LinkConfig::default(), Defragmenter::default());
            let mut dec = Decoder::new(dialect);
            while let Some(Ok(f)) = r.next_frame() {
                let Ok(Some(seg)) = extract_sctp(f.link_type, f.data, &cfg, &mut defrag) else {
                    continue;
                };
                let Ok(view) = dec.view(&seg.sctp, Some(seg.assoc_key())) else {
                    continue;
                };
                let opts = DecodeOptions {
                    rules: view.rules(),
                    strict: false,
                };
                let Ok(packet) = Packet::decode(&seg.sctp, &opts) else {
                    continue;
                };
                packets += 1;
                let frame = Frame {
                    number: f.number,
                    src: seg.src,
                    dst: seg.dst,
                    epoch_ns: 0,
                    relative_ns: 0,
                    delta_ns: 0,
                    checksum: checksum::verify(&seg.sctp, VerifyMode::Any).status,
                };
                for (text, filter) in header_only.iter().zip(&filters) {
                    let Some(quick) = Facts::of_view(&view, &frame, filter) else {
                        continue;
                    };
                    fast += 1;
                    let typed = Facts::of(&packet, &frame, filter);
                    assert_eq!(
                        filter.matches(&quick),
                        filter.matches(&typed),
                        "{text:?} on {} frame {} ({dialect:?})",
                        common::name(&file),
                        f.number
                    );
                    chosen += usize::from(filter.matches(&quick));
                }
                for (text, filter) in inside.iter().zip(&inner) {
                    assert!(
                        Facts::of_view(&view, &frame, filter).is_none(),
                        "{text:?} looks inside chunks: no fast path"
                    );
                }
            }
        }
    }
    eprintln!(
        "filter: {fast} of {} (packet, filter) pairs answered in place, {chosen} chosen, all as typed",
        packets * header_only.len()
    );
    assert!(
        packets > 1000 && fast * 10 > packets * header_only.len() * 9 && chosen > 1000,
        "{fast} of {} pairs, {chosen} chosen",
        packets * header_only.len()
    );
}
