//! Proving a packet lint-free from its zero-copy view (RFC 9260 3.2, 3.3.1,
//! 3.3.4; RFC 8260 2.1), without the typed decode and the walk of
//! [`super::lint_rules`]: for bulk traffic, packets of DATA, I-DATA and
//! SACK chunks and of chunks with an empty value (ABORT, ERROR, COOKIE ACK,
//! SHUTDOWN ACK), whose every lint has a cheap test here. Anything else
//! (another chunk type, a conflict of dialects, bytes after the chunks)
//! answers `false`: "not proven", and the full lints run.

use crate::checksum::{ChecksumReport, ChecksumStatus};
use crate::chunk::ty;
use crate::registry::DialectTag;
use crate::view::{ChunkView, PacketView};

/// Whether [`super::lint_rules`] is sure to find nothing in the packet `v`
/// (decoded with `v.rules()`), whose checksum verification is `checksum`.
/// `false` means only that this test cannot tell.
pub fn lint_free(v: &PacketView<'_>, checksum: &ChecksumReport) -> bool {
    checksum.status != ChecksumStatus::Bad && chunks_lint_free(v)
}

/// Whether [`super::lint_rules`] is sure to find nothing in the packet `v`
/// but a wrong checksum ([`super::checksum_lint`]), whatever the checksum:
/// the test of [`lint_free`] on the chunks alone, for packets whose
/// checksum is zero or wrong (a capture taken before the NIC filled it in).
pub fn chunks_lint_free(v: &PacketView<'_>) -> bool {
    !v.rules().conflict
        && v.error().is_none()
        && v.trailing().is_empty()
        && v.malformed_count() == 0
        && v.chunk_count() > 0
        && v.chunks().all(|c| chunk_is_clean(&c))
}

/// A DATA, I-DATA or SACK chunk of the standard dialect with user data
/// and no bytes inside its Length beyond its fields, or an empty ABORT,
/// ERROR, COOKIE ACK or SHUTDOWN ACK; with zero padding to the next
/// multiple of 4 (RFC 9260 3.2).
fn chunk_is_clean(c: &ChunkView<'_>) -> bool {
    if c.info().is_none_or(|i| i.dialect != DialectTag::Standard) {
        return false;
    }
    let value = c.value().len();
    let fits = match c.ty() {
        // TSN, stream, SSN, PPID, then at least one byte (RFC 9260 3.3.1).
        ty::DATA => value > 12,
        // TSN, stream, reserved, MID, PPID/FSN, then user data (RFC 8260 2.1).
        ty::I_DATA => value > 16,
        // Exactly the gap blocks and duplicate TSNs it counts (3.3.4): more
        // would be "extra" bytes, a length-mismatch lint.
        ty::SACK => c.sack().is_some_and(|s| {
            value == 12 + 4 * (usize::from(s.gap_count()) + usize::from(s.dup_count()))
        }),
        // Chunks with nothing after the header: no causes to check (RFC
        // 9260 3.3.7, 3.3.10, 3.3.12, 3.3.9). SHUTDOWN COMPLETE is left out:
        // bundled, it is a must-be-alone lint.
        ty::ABORT | ty::ERROR | ty::COOKIE_ACK | ty::SHUTDOWN_ACK => value == 0,
        _ => false,
    };
    let pad = c.padding();
    fits && pad.len() == (4 - c.bytes().len() % 4) % 4 && pad.iter().all(|&b| b == 0)
}
