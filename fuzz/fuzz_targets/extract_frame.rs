//! Fuzz target: the link/IP/UDP/ICMP layers on any frame of any supported
//! link type (first byte picks the link type), then the packet decoder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sctp_codec::link::{extract_sctp, Defragmenter, LinkConfig};
use sctp_codec::{Decoder, Dialect};

const LINK_TYPES: [u32; 10] = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, frame)) = data.split_first() else { return };
    let lt = LINK_TYPES[sel as usize % LINK_TYPES.len()];
    let mut d = Defragmenter::default();
    let cfg = LinkConfig::default();
    if let Ok(Some(seg)) = extract_sctp(lt, frame, &cfg, &mut d) {
        let mut dec = Decoder::new(Dialect::Auto);
        if let Ok(p) = dec.decode(&seg.sctp, None) {
            assert_eq!(p.encode(), &seg.sctp[..]);
        }
    }
});
