//! Property tests: random typed packets (every chunk, parameter and cause
//! type, nested) encode and decode back to the same value, in both dialects;
//! and random bytes never make the decoder panic.

use proptest::prelude::*;
use sctp_codec::gen::Gen;
use sctp_codec::packet::{DecodeOptions, Packet};
use sctp_codec::{Decoder, Dialect, Rules};

fn roundtrip(seed: u64, ssctp: bool) {
    let mut g = Gen::new(seed);
    g.ssctp = ssctp;
    let p = Packet::generate(&mut g, 0);
    let bytes = p.encode();
    let rules = if ssctp { Rules::SSCTP } else { Rules::STANDARD };
    let back = Packet::decode(
        &bytes,
        &DecodeOptions {
            rules,
            strict: true,
        },
    )
    .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{p:#?}"));
    assert_eq!(back, p, "seed {seed}");
    assert_eq!(back.encode(), bytes);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn typed_values_round_trip_standard(seed in any::<u64>()) {
        roundtrip(seed, false);
    }

    #[test]
    fn typed_values_round_trip_ssctp(seed in any::<u64>()) {
        roundtrip(seed, true);
    }

    #[test]
    fn random_bytes_never_panic_and_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        for d in [Dialect::Standard, Dialect::SecureSctp, Dialect::Auto] {
            let mut dec = Decoder::new(d);
            if let Ok(p) = dec.decode(&bytes, None) {
                prop_assert_eq!(p.encode(), bytes.clone());
                let _ = sctp_codec::lint::lint(&p, None);
            } else {
                prop_assert!(bytes.len() < 12);
            }
        }
    }
}
