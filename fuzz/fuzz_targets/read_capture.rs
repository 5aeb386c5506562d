//! Fuzz target: any bytes as a capture file (pcap, pcapng, gzip of either)
//! through `CaptureReader::from_reader` (pcap-parser) and, for plain pcap,
//! `PcapBlocks` too. Nothing may panic; frames are numbered from 1 without
//! gaps; an error is the last thing read and names the next frame; both
//! readers give the same frames of a classic pcap file up to where either
//! stops.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use sctp_codec::capture::{CaptureReader, PcapBlocks};

fuzz_target!(|data: &[u8]| {
    let mut frames = Vec::new();
    if let Ok(mut r) = CaptureReader::from_reader(std::io::Cursor::new(data.to_vec())) {
        while let Some(next) = r.next_frame() {
            match next {
                Ok(f) => {
                    assert_eq!(f.number, frames.len() as u64 + 1);
                    frames.push((f.ts_sec, f.ts_nsec, f.link_type, f.data.to_vec()));
                }
                Err(e) => {
                    assert_eq!(e.frame, frames.len() as u64 + 1, "{e}");
                    assert!(r.next_frame().is_none());
                    break;
                }
            }
        }
    }
    // PcapBlocks reads a file: only classic pcap magic goes there.
    if data.len() < 24 || ![0xa1b2c3d4u32, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1]
        .contains(&u32::from_le_bytes([data[0], data[1], data[2], data[3]]))
    {
        return;
    }
    let path = std::env::temp_dir().join(format!("read_capture-{}.pcap", std::process::id()));
    if std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(data))
        .is_err()
    {
        return;
    }
    if let Some(mut blocks) = PcapBlocks::open(&path, 1 << 12) {
        let (mut arena, mut recs, mut n) = (Vec::new(), Vec::new(), 0usize);
        while let Ok(true) = blocks.fill(&mut arena, &mut recs) {
            for r in &recs {
                let bytes = &arena[r.data.clone()];
                if let Some((s, ns, lt, d)) = frames.get(n) {
                    assert_eq!((r.ts_sec, r.ts_nsec, r.link_type, bytes), (*s, *ns, *lt, &d[..]));
                }
                n += 1;
            }
            recs.clear();
        }
    }
    let _ = std::fs::remove_file(&path);
});
