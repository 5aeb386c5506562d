//! The common path of `extract_sctp` (an unfragmented frame) must not
//! allocate: counted with a global allocator wrapper, per thread.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use sctp_codec::capture::CaptureReader;
use sctp_codec::link::{extract_sctp, Defragmenter, LinkConfig};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: defers to the system allocator; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(|c| c.get())
}

#[test]
fn unfragmented_frames_are_extracted_without_allocating() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/captures/netperfmeter-multi-sll.pcapng.gz"
    );
    let mut reader = CaptureReader::open(file.as_ref()).expect("open");
    let mut frames = Vec::new();
    while let Some(f) = reader.next_frame() {
        let f = f.expect("frame");
        frames.push((f.link_type, f.data.to_vec()));
    }
    let cfg = LinkConfig::default();
    let mut defrag = Defragmenter::new();
    let before = allocations();
    let mut sctp = 0usize;
    let mut bytes = 0usize;
    for (lt, data) in &frames {
        if let Ok(Some(seg)) = extract_sctp(*lt, data, &cfg, &mut defrag) {
            sctp += 1;
            bytes += seg.sctp.len();
        }
    }
    let after = allocations();
    assert_eq!(sctp, 3730);
    assert!(bytes > 0);
    assert_eq!(
        after - before,
        0,
        "extract_sctp allocated on unfragmented frames"
    );
}
