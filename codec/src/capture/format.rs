//! Recognising a capture stream by its first bytes: gzip (RFC 1952), classic
//! pcap in either byte order and timestamp resolution
//! (draft-ietf-opsawg-pcap), and pcapng (draft-ietf-opsawg-pcapng).

/// gzip member magic (RFC 1952 §2.3.1).
const GZIP_MAGIC: [u8; 2] = [0x1F, 0x8B];
/// pcapng Section Header Block type.
pub(crate) const PCAPNG_SHB: u32 = 0x0A0D_0D0A;
/// pcapng byte-order magic, as read in the section's own byte order.
pub(crate) const PCAPNG_BOM: u32 = 0x1A2B_3C4D;

/// A capture format recognised from its magic number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// gzip-compressed data (of any capture format).
    Gzip,
    /// Classic pcap.
    Pcap(PcapMagic),
    /// pcapng.
    PcapNg,
}

/// What a classic pcap magic number says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PcapMagic {
    /// Fields are big-endian.
    pub big_endian: bool,
    /// Timestamps are in nanoseconds (magic 0xA1B23C4D).
    pub nanosecond: bool,
    /// Record header length: 16, or 24 for Alexey Kuznetzov's modified
    /// format (magic 0xA1B2CD34).
    pub record_header_len: usize,
}

/// Recognises the format from the first (up to 4) bytes.
pub(crate) fn sniff(head: &[u8]) -> Option<Format> {
    if head.starts_with(&GZIP_MAGIC) {
        return Some(Format::Gzip);
    }
    let magic: [u8; 4] = head.get(..4)?.try_into().ok()?;
    if u32::from_le_bytes(magic) == PCAPNG_SHB {
        return Some(Format::PcapNg);
    }
    let (value, big_endian) = match u32::from_le_bytes(magic) {
        m @ (0xA1B2_C3D4 | 0xA1B2_3C4D | 0xA1B2_CD34) => (m, false),
        _ => (u32::from_be_bytes(magic), true),
    };
    let (nanosecond, record_header_len) = match value {
        0xA1B2_C3D4 => (false, 16),
        0xA1B2_3C4D => (true, 16),
        0xA1B2_CD34 => (false, 24),
        _ => return None,
    };
    Some(Format::Pcap(PcapMagic {
        big_endian,
        nanosecond,
        record_header_len,
    }))
}
