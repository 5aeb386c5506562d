//! Writing classic pcap files (draft-ietf-opsawg-pcap): little-endian,
//! microsecond timestamps, one link type, for saving crafted packets.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Largest packet written: libpcap's MAXIMUM_SNAPLEN, also used as the
/// file's snapshot length.
pub const PCAP_WRITER_SNAPLEN: u32 = 262_144;

/// LINKTYPE_ETHERNET: frames start with an Ethernet II header.
pub const LINKTYPE_ETHERNET: u32 = 1;
/// LINKTYPE_RAW: packets start with an IPv4 or IPv6 header.
pub const LINKTYPE_RAW: u32 = 101;

/// Writes a classic pcap file (magic 0xA1B2C3D4 little-endian, version 2.4,
/// microsecond timestamps) with one link type, e.g. [`LINKTYPE_RAW`] or
/// [`LINKTYPE_ETHERNET`].
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    out: W,
}

impl PcapWriter<BufWriter<File>> {
    /// Creates (or truncates) `path` and writes the file header.
    pub fn create(path: &Path, link_type: u32) -> io::Result<Self> {
        PcapWriter::new(BufWriter::new(File::create(path)?), link_type)
    }
}

impl<W: Write> PcapWriter<W> {
    /// Writes the 24-byte file header to `out`.
    pub fn new(mut out: W, link_type: u32) -> io::Result<Self> {
        let mut hdr = Vec::with_capacity(24);
        hdr.extend_from_slice(&0xA1B2_C3D4u32.to_le_bytes());
        hdr.extend_from_slice(&2u16.to_le_bytes());
        hdr.extend_from_slice(&4u16.to_le_bytes());
        hdr.extend_from_slice(&0i32.to_le_bytes()); // thiszone
        hdr.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
        hdr.extend_from_slice(&PCAP_WRITER_SNAPLEN.to_le_bytes());
        hdr.extend_from_slice(&link_type.to_le_bytes());
        out.write_all(&hdr)?;
        Ok(PcapWriter { out })
    }

    /// Appends one packet record (captured length = original length).
    /// Fails with `InvalidInput` when `ts_usec` is not below 1 000 000 or the
    /// packet is longer than [`PCAP_WRITER_SNAPLEN`].
    pub fn write_packet(&mut self, ts_sec: u32, ts_usec: u32, data: &[u8]) -> io::Result<()> {
        if ts_usec >= 1_000_000 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "ts_usec must be below 1000000",
            ));
        }
        let len = u32::try_from(data.len())
            .ok()
            .filter(|&l| l <= PCAP_WRITER_SNAPLEN)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "packet longer than the snapshot length",
                )
            })?;
        let mut rec = [0u8; 16];
        for (dst, field) in rec.chunks_exact_mut(4).zip([ts_sec, ts_usec, len, len]) {
            dst.copy_from_slice(&field.to_le_bytes());
        }
        self.out.write_all(&rec)?;
        self.out.write_all(data)
    }

    /// Flushes buffered records.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
