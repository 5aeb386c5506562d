//! The summary of a chunk read in place (`summary::chunk_view`, the fast
//! path of `dissect`) is exactly the summary of the same chunk typed
//! (`summary::chunk`), for every chunk of every shared capture, in every
//! dialect; and the fast path is taken for most of them.

mod common;

use sctp_codec::capture::CaptureReader;
use sctp_codec::link::{extract_sctp, Defragmenter, LinkConfig};
use sctp_codec::{Decoder, Dialect};
use sctp_craft::output::summary;

#[test]
fn summary_from_the_view_equals_the_typed_summary() {
    let (mut chunks, mut fast) = (0usize, 0usize);
    for file in common::corpus_files() {
        for dialect in [Dialect::Standard, Dialect::SecureSctp, Dialect::Auto] {
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
                for c in view.chunks() {
                    chunks += 1;
                    let mut quick = String::new();
                    if summary::chunk_view(&mut quick, &c) {
                        fast += 1;
                        let mut typed = String::new();
                        summary::chunk(&mut typed, &c.decode());
                        assert_eq!(
                            quick,
                            typed,
                            "{} frame {} ({dialect:?})",
                            common::name(&file),
                            f.number
                        );
                    } else {
                        assert!(quick.is_empty(), "nothing appended when not handled");
                    }
                }
            }
        }
    }
    eprintln!(
        "summary: {fast} of {chunks} chunks summarised in place, all equal to the typed summary"
    );
    assert!(chunks > 100_000 && fast * 2 > chunks, "{fast} of {chunks}");
}
