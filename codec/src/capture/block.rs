//! Classic pcap files (draft-ietf-opsawg-pcap) read in large blocks: one
//! `read` system call per block into a buffer the caller owns and may hand
//! to another thread, and the records found in place in it, without a copy
//! per frame. The fast path of [`CaptureReader`](super::CaptureReader) for
//! the commonest input (a plain, regular pcap file); it reads records as
//! the pure-Rust backend does, and reports the same errors at the same
//! frame numbers and byte offsets.

use std::fs::File;
use std::io::Read;
use std::ops::Range;
use std::path::Path;

use super::error::{CaptureError, CaptureErrorKind};
use super::format::{sniff, Format};
use super::{normalize_ts, MAX_RECORD_LEN, PCAP_HEADER_LEN};

/// Length of a classic pcap record header.
const RECORD_HEADER_LEN: usize = 16;

/// One record found in a block: its frame's metadata and where its bytes
/// are in the block (draft-ietf-opsawg-pcap, section 5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRecord {
    /// 1-based frame number in the file.
    pub number: u64,
    /// Timestamp, seconds since the Unix epoch.
    pub ts_sec: i64,
    /// Timestamp, nanoseconds within the second.
    pub ts_nsec: u32,
    /// LINKTYPE_ value of the file.
    pub link_type: u32,
    /// Length of the packet on the wire.
    pub orig_len: u32,
    /// Byte offset of the record in the file.
    pub offset: u64,
    /// The captured bytes, in the block.
    pub data: Range<usize>,
}

/// A plain classic pcap file read block by block (draft-ietf-opsawg-pcap).
#[derive(Debug)]
pub struct PcapBlocks {
    file: File,
    big_endian: bool,
    nanosecond: bool,
    link_type: u32,
    /// Bytes of a record cut by the end of the last block, for the next.
    carry: Vec<u8>,
    /// File offset of `carry`'s first byte.
    pos: u64,
    frames: u64,
    eof: bool,
    block: usize,
}

impl PcapBlocks {
    /// Opens `path` when it is a regular, uncompressed classic pcap file
    /// with 16-byte record headers, whose records libpcap would hand over
    /// unchanged (not USB or NFLOG, whose headers it byte-swaps); `None`
    /// otherwise, for [`CaptureReader`](super::CaptureReader) to read it.
    /// `block` is the number of bytes read per call (at least 64 KiB).
    pub fn open(path: &Path, block: usize) -> Option<PcapBlocks> {
        let mut file = File::open(path).ok()?;
        if !file.metadata().ok()?.is_file() {
            return None;
        }
        let mut hdr = [0u8; PCAP_HEADER_LEN as usize];
        file.read_exact(&mut hdr).ok()?;
        let Some(Format::Pcap(magic)) = sniff(&hdr) else {
            return None;
        };
        if magic.record_header_len != RECORD_HEADER_LEN {
            return None;
        }
        let mut lt = [0u8; 4];
        lt.copy_from_slice(&hdr[20..24]);
        let link_type = if magic.big_endian {
            u32::from_be_bytes(lt)
        } else {
            u32::from_le_bytes(lt)
        } & 0xFFFF;
        // LINKTYPE_USB_LINUX, _USB_LINUX_MMAPPED, _NFLOG: libpcap rewrites them.
        if matches!(link_type, 189 | 220 | 239) {
            return None;
        }
        Some(PcapBlocks {
            file,
            big_endian: magic.big_endian,
            nanosecond: magic.nanosecond,
            link_type,
            carry: Vec::new(),
            pos: PCAP_HEADER_LEN,
            frames: 0,
            eof: false,
            block: block.max(64 << 10),
        })
    }

    /// The file's LINKTYPE_ value.
    pub fn link_type(&self) -> u32 {
        self.link_type
    }

    /// Fills `buf` with the next block and `recs` with the whole records
    /// in it, in order; false at the clean end of the file. `buf` is only
    /// ever lengthened: what it held is overwritten, and its bytes past the
    /// last record are scratch (kept at full length, a recycled buffer is
    /// not zeroed again for every block). A record cut by the block's end
    /// goes to the next block; a record larger than the block makes it
    /// larger. An error (the file ends in the middle of a record, a record
    /// larger than [`MAX_RECORD_LEN`](super::MAX_RECORD_LEN), a failed read)
    /// comes on the call after the records before it, naming the frame and
    /// offset.
    pub fn fill(
        &mut self,
        buf: &mut Vec<u8>,
        recs: &mut Vec<BlockRecord>,
    ) -> Result<bool, CaptureError> {
        recs.clear();
        let base = self.pos;
        let mut want = self.block.max(self.carry.len());
        if buf.len() < want {
            buf.resize(want, 0);
        }
        let mut valid = self.carry.len();
        buf[..valid].copy_from_slice(&self.carry);
        self.carry.clear();
        loop {
            if !self.eof && valid < want {
                if buf.len() < want {
                    buf.resize(want, 0);
                }
                while valid < want {
                    match self.file.read(&mut buf[valid..want]) {
                        Ok(0) => {
                            self.eof = true;
                            break;
                        }
                        Ok(n) => valid += n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(CaptureError::io(self.frames + 1, base, e)),
                    }
                }
            }
            let (at, need) = self.records(&buf[..valid], base, recs)?;
            if !recs.is_empty() {
                self.carry.extend_from_slice(&buf[at..valid]);
                self.pos = base + at as u64;
                return Ok(true);
            }
            if self.eof {
                if valid == 0 {
                    return Ok(false);
                }
                return Err(CaptureError::new(
                    self.frames + 1,
                    base,
                    CaptureErrorKind::Truncated,
                ));
            }
            // Not one whole record yet: read at least as far as its end.
            want = need.max(valid + self.block);
        }
    }

    /// Finds the whole records in `buf` (at file offset `base`); returns
    /// where the first incomplete one starts and the buffer length that
    /// would hold it.
    fn records(
        &mut self,
        buf: &[u8],
        base: u64,
        recs: &mut Vec<BlockRecord>,
    ) -> Result<(usize, usize), CaptureError> {
        let mut at = 0usize;
        let word = |b: &[u8], k: usize| -> u32 {
            let mut w = [0u8; 4];
            w.copy_from_slice(&b[k..k + 4]);
            if self.big_endian {
                u32::from_be_bytes(w)
            } else {
                u32::from_le_bytes(w)
            }
        };
        while let Some(h) = buf.get(at..at + RECORD_HEADER_LEN) {
            let caplen = word(h, 8);
            let total = RECORD_HEADER_LEN as u64 + u64::from(caplen);
            let number = self.frames + 1;
            if total > MAX_RECORD_LEN as u64 {
                // Said once the records before it are out.
                if recs.is_empty() {
                    return Err(CaptureError::new(
                        number,
                        base + at as u64,
                        CaptureErrorKind::RecordTooLarge(total),
                    ));
                }
                return Ok((at, at));
            }
            let end = at + total as usize;
            if end > buf.len() {
                return Ok((at, end));
            }
            let (ts_sec, frac) = (word(h, 0), word(h, 4));
            let frac = if self.nanosecond {
                u64::from(frac)
            } else {
                u64::from(frac) * 1000
            };
            let (ts_sec, ts_nsec) = normalize_ts(i64::from(ts_sec), frac);
            recs.push(BlockRecord {
                number,
                ts_sec,
                ts_nsec,
                link_type: self.link_type,
                orig_len: word(h, 12),
                offset: base + at as u64,
                data: at + RECORD_HEADER_LEN..end,
            });
            self.frames = number;
            at = end;
        }
        Ok((at, at + RECORD_HEADER_LEN))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::CaptureReader;
    use std::io::Write;

    fn pcap(records: &[(u32, u32, &[u8])], be: bool) -> Vec<u8> {
        let w = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let h = |v: u16| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let mut f = Vec::new();
        f.extend_from_slice(&w(0xA1B2_C3D4));
        f.extend_from_slice(&h(2));
        f.extend_from_slice(&h(4));
        f.extend_from_slice(&[0; 8]);
        f.extend_from_slice(&w(65535));
        f.extend_from_slice(&w(1));
        for (s, us, d) in records {
            f.extend_from_slice(&w(*s));
            f.extend_from_slice(&w(*us));
            f.extend_from_slice(&w(d.len() as u32));
            f.extend_from_slice(&w(d.len() as u32 + 4));
            f.extend_from_slice(d);
        }
        f
    }

    /// Every frame and the final error, as pcap-parser's reader gives them
    /// and as the block reader does (with a tiny block to cut records).
    fn both(bytes: &[u8]) -> (Vec<String>, Vec<String>) {
        let dir = std::env::temp_dir().join(format!("pcapblocks-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}.pcap", bytes.len()));
        std::fs::File::create(&path)
            .unwrap()
            .write_all(bytes)
            .unwrap();
        let mut want = Vec::new();
        let mut r = CaptureReader::open_with(&path, crate::capture::Backend::PcapParser).unwrap();
        while let Some(f) = r.next_frame() {
            want.push(match f {
                Ok(f) => format!(
                    "{} {}.{} {} {} {} {:?}",
                    f.number, f.ts_sec, f.ts_nsec, f.link_type, f.orig_len, f.file_offset, f.data
                ),
                Err(e) => e.to_string(),
            });
        }
        let mut got = Vec::new();
        let mut b = PcapBlocks::open(&path, 1).unwrap();
        b.block = 40;
        let (mut buf, mut recs) = (Vec::new(), Vec::new());
        loop {
            match b.fill(&mut buf, &mut recs) {
                Ok(true) => {
                    for r in &recs {
                        got.push(format!(
                            "{} {}.{} {} {} {} {:?}",
                            r.number,
                            r.ts_sec,
                            r.ts_nsec,
                            r.link_type,
                            r.orig_len,
                            r.offset,
                            &buf[r.data.clone()]
                        ));
                    }
                }
                Ok(false) => break,
                Err(e) => {
                    got.push(e.to_string());
                    break;
                }
            }
        }
        let _ = std::fs::remove_file(&path);
        (want, got)
    }

    /// Frames (and the final error) of `path` as `CaptureReader` gives them
    /// with `backend`.
    fn reader_frames(path: &Path, backend: crate::capture::Backend) -> Vec<String> {
        let mut out = Vec::new();
        let mut r = CaptureReader::open_with(path, backend).unwrap();
        while let Some(f) = r.next_frame() {
            out.push(match f {
                Ok(f) => format!(
                    "{} {}.{} {} {} {} {:?}",
                    f.number, f.ts_sec, f.ts_nsec, f.link_type, f.orig_len, f.file_offset, f.data
                ),
                Err(e) => e.to_string(),
            });
        }
        out
    }

    /// Frames (and the final error) of `path` read in blocks of `block` bytes.
    fn block_frames(path: &Path, block: usize) -> Option<Vec<String>> {
        let mut b = PcapBlocks::open(path, block)?;
        b.block = block;
        let (mut buf, mut recs) = (Vec::new(), Vec::new());
        let mut out = Vec::new();
        loop {
            match b.fill(&mut buf, &mut recs) {
                Ok(true) => out.extend(recs.iter().map(|r| {
                    format!(
                        "{} {}.{} {} {} {} {:?}",
                        r.number,
                        r.ts_sec,
                        r.ts_nsec,
                        r.link_type,
                        r.orig_len,
                        r.offset,
                        &buf[r.data.clone()]
                    )
                })),
                Ok(false) => return Some(out),
                Err(e) => {
                    out.push(e.to_string());
                    return Some(out);
                }
            }
        }
    }

    /// Every plain pcap file of the shared corpus, whole and cut short at a
    /// few places, gives the same frames and errors read in blocks (of
    /// several sizes, so that records straddle them) as through libpcap and
    /// through pcap-parser.
    #[test]
    fn agrees_with_libpcap_and_pcap_parser_on_the_shared_captures() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/captures");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            panic!("{} must exist beside the repo", dir.display());
        };
        let tmp = std::env::temp_dir().join(format!("pcapblocks-corpus-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        let mut checked = 0;
        for e in entries {
            let path = e.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            if PcapBlocks::open(&path, 1).is_none() {
                continue;
            }
            for cut in [bytes.len(), bytes.len() * 2 / 3, bytes.len() / 3 + 7] {
                let p = tmp.join("cut.pcap");
                std::fs::write(&p, &bytes[..cut]).unwrap();
                let libpcap = reader_frames(&p, crate::capture::Backend::Libpcap);
                let parser = reader_frames(&p, crate::capture::Backend::PcapParser);
                assert_eq!(libpcap, parser, "{} cut at {cut}", path.display());
                for block in [100, 4096, 1 << 20] {
                    let got = block_frames(&p, block).unwrap();
                    assert_eq!(
                        got,
                        parser,
                        "{} cut at {cut}, blocks of {block}",
                        path.display()
                    );
                }
            }
            checked += 1;
        }
        let _ = std::fs::remove_dir_all(&tmp);
        assert!(
            checked >= 10,
            "only {checked} plain pcap files in {}",
            dir.display()
        );
    }

    #[test]
    fn agrees_with_pcap_parser() {
        let big = vec![7u8; 300];
        let recs: Vec<(u32, u32, &[u8])> = vec![
            (1, 999_999, &[1, 2, 3]),
            (2, 5, &[]),
            (4_000_000_000, 1_500_000, &big),
            (3, 0, &[9; 33]),
        ];
        for be in [false, true] {
            let file = pcap(&recs, be);
            let (want, got) = both(&file);
            assert_eq!(want.len(), 4);
            assert_eq!(want, got);
            // Cut inside a record header, inside its data, and a record
            // declaring more than the limit.
            for cut in [file.len() - 10, file.len() - 40, 24 + 3] {
                let (want, got) = both(&file[..cut]);
                assert!(want.last().unwrap().contains("truncated"), "{want:?}");
                assert_eq!(want, got);
            }
            let mut huge = file.clone();
            let caplen_at = 24 + 16 + 3 + 8;
            let v = if be {
                0x7000_0000u32.to_be_bytes()
            } else {
                0x7000_0000u32.to_le_bytes()
            };
            huge[caplen_at..caplen_at + 4].copy_from_slice(&v);
            let (want, got) = both(&huge);
            assert!(want.last().unwrap().contains("exceeds"), "{want:?}");
            assert_eq!(want, got);
        }
    }
}
