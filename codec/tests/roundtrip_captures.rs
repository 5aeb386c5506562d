//! Byte-exact round trip of every SCTP packet of every shared capture, in
//! every dialect: encode(decode(bytes)) == bytes.

mod common;
use common as common_captures;

use sctp_codec::{Decoder, Dialect, IntoOwned};

#[test]
fn every_packet_of_every_capture_round_trips() {
    let mut total = 0usize;
    let mut files = 0usize;
    for path in common_captures::capture_files() {
        files += 1;
        for dialect in [Dialect::Standard, Dialect::SecureSctp, Dialect::Auto] {
            let mut dec = Decoder::new(dialect);
            common_captures::for_each_sctp(&path, |frame, bytes| {
                let Ok(p) = dec.decode(bytes, None) else {
                    assert!(
                        bytes.len() < 12,
                        "{}: frame {frame}: decode failed",
                        path.display()
                    );
                    return;
                };
                assert_eq!(
                    p.encode(),
                    bytes,
                    "{} frame {frame} ({dialect:?}) does not round-trip",
                    path.display()
                );
                // An owned copy encodes the same.
                assert_eq!(p.clone().into_owned().encode(), bytes);
                if dialect == Dialect::Standard {
                    total += 1;
                }
            });
        }
    }
    eprintln!("round trip: {total} packets from {files} captures, 3 dialects each");
    assert!(files >= 30, "expected the shared captures, found {files}");
    assert!(
        total > 4000,
        "expected thousands of SCTP packets, found {total}"
    );
}
