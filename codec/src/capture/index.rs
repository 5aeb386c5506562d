//! A lightweight walk over the record headers of a capture file, run in step
//! with libpcap to learn what libpcap does not tell: each record's byte
//! offset and its LINKTYPE (libpcap maps it to a DLT and keeps one per file).
//! Any disagreement with libpcap makes the reader switch to pcap-parser.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use super::format::{Format, PcapMagic, PCAPNG_BOM, PCAPNG_SHB};

/// pcapng block types walked by the index.
const IDB: u32 = 1;
const PB: u32 = 2;
const SPB: u32 = 3;
const EPB: u32 = 6;

/// One packet record as the file lays it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Record {
    pub offset: u64,
    pub caplen: u32,
    pub orig_len: u32,
    pub link_type: u32,
}

#[derive(Debug)]
enum Kind {
    Pcap {
        magic: PcapMagic,
        link_type: u32,
    },
    PcapNg {
        big_endian: bool,
        ifaces: Vec<(u32, u32)>,
    },
}

/// The record walk itself.
#[derive(Debug)]
pub(crate) struct RecordIndex {
    input: BufReader<File>,
    len: u64,
    pos: u64,
    kind: Kind,
}

impl RecordIndex {
    /// Opens `path` and reads its file header (classic pcap) or prepares to
    /// walk its blocks (pcapng).
    pub(crate) fn open(path: &Path, format: Format) -> io::Result<Self> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        let mut input = BufReader::with_capacity(64 << 10, file);
        let (kind, pos) = match format {
            Format::Pcap(magic) => {
                let mut hdr = [0u8; 24];
                input.read_exact(&mut hdr)?;
                let lt = word(&hdr, 20, magic.big_endian).unwrap_or(0) & 0xFFFF;
                (
                    Kind::Pcap {
                        magic,
                        link_type: lt,
                    },
                    24,
                )
            }
            Format::PcapNg => (
                Kind::PcapNg {
                    big_endian: false,
                    ifaces: Vec::new(),
                },
                0,
            ),
            Format::Gzip => return Err(io::Error::other("gzip is not indexed")),
        };
        Ok(RecordIndex {
            input,
            len,
            pos,
            kind,
        })
    }

    /// The next packet record; `Ok(None)` at a clean end of file, `Err` when
    /// the file is not laid out as expected (truncated, corrupt, ...).
    pub(crate) fn next_record(&mut self) -> io::Result<Option<Record>> {
        loop {
            if self.pos == self.len {
                return Ok(None);
            }
            match &mut self.kind {
                Kind::Pcap { magic, link_type } => {
                    let (magic, link_type) = (*magic, *link_type);
                    let mut hdr = [0u8; 24];
                    let hdr = hdr.get_mut(..magic.record_header_len).unwrap_or_default();
                    self.input.read_exact(hdr)?;
                    let offset = self.pos;
                    self.pos += magic.record_header_len as u64;
                    let caplen = word(hdr, 8, magic.big_endian).unwrap_or(0);
                    let orig_len = word(hdr, 12, magic.big_endian).unwrap_or(0);
                    self.skip_to(offset + magic.record_header_len as u64 + u64::from(caplen))?;
                    return Ok(Some(Record {
                        offset,
                        caplen,
                        orig_len,
                        link_type,
                    }));
                }
                Kind::PcapNg { .. } => {
                    if let Some(r) = self.next_block()? {
                        return Ok(Some(r));
                    }
                }
            }
        }
    }

    /// Walks one pcapng block; returns the packet it holds, if any.
    fn next_block(&mut self) -> io::Result<Option<Record>> {
        let Kind::PcapNg { big_endian, ifaces } = &mut self.kind else {
            return Ok(None);
        };
        let offset = self.pos;
        let mut hdr = [0u8; 28];
        self.input
            .read_exact(hdr.get_mut(..12).unwrap_or_default())?;
        let block_type = word(&hdr, 0, false).unwrap_or(0);
        if block_type == PCAPNG_SHB {
            *big_endian = word(&hdr, 8, false) != Some(PCAPNG_BOM);
            ifaces.clear();
        }
        let be = *big_endian;
        let block_type = word(&hdr, 0, be).unwrap_or(0);
        let block_len = word(&hdr, 4, be).unwrap_or(0);
        if block_len < 12 || block_len & 3 != 0 || offset + u64::from(block_len) > self.len {
            return Err(io::Error::other("bad pcapng block length"));
        }
        let body_needed = match block_type {
            IDB => 8,
            EPB | PB => 20,
            SPB => 4,
            _ => 0,
        };
        // 8 bytes of type/length plus the fixed part of the body.
        let have = 12usize;
        let want = 8 + body_needed;
        if want > have {
            if want + 4 > block_len as usize {
                return Err(io::Error::other("pcapng block too short"));
            }
            let fixed = hdr
                .get_mut(have..want)
                .ok_or_else(|| io::Error::other("pcapng block header too long"))?;
            self.input.read_exact(fixed)?;
        }
        self.pos = offset + want.max(have) as u64;
        let end = offset + u64::from(block_len);
        let rec = match block_type {
            IDB => {
                let lt = half(&hdr, 8, be).map_or(0, u32::from);
                let snap = word(&hdr, 12, be).unwrap_or(0);
                ifaces.push((lt, snap));
                None
            }
            EPB | PB => {
                let if_id = if block_type == EPB {
                    word(&hdr, 8, be).unwrap_or(u32::MAX)
                } else {
                    half(&hdr, 8, be).map_or(u32::MAX, u32::from)
                };
                let &(link_type, _) = ifaces
                    .get(if_id as usize)
                    .ok_or_else(|| io::Error::other("packet on undeclared interface"))?;
                Some(Record {
                    offset,
                    caplen: word(&hdr, 20, be).unwrap_or(0),
                    orig_len: word(&hdr, 24, be).unwrap_or(0),
                    link_type,
                })
            }
            SPB => {
                let &(link_type, snap) = ifaces
                    .first()
                    .ok_or_else(|| io::Error::other("packet on undeclared interface"))?;
                let orig_len = word(&hdr, 8, be).unwrap_or(0);
                let room = block_len.saturating_sub(16);
                let snap = if snap == 0 { u32::MAX } else { snap };
                Some(Record {
                    offset,
                    caplen: orig_len.min(room).min(snap),
                    orig_len,
                    link_type,
                })
            }
            _ => None,
        };
        self.skip_to(end)?;
        Ok(rec)
    }

    /// Byte offset of the next record or block to walk.
    pub(crate) fn position(&self) -> u64 {
        self.pos
    }

    /// Moves the read position forward to `target` (never past the end).
    fn skip_to(&mut self, target: u64) -> io::Result<()> {
        if target > self.len || target < self.pos {
            return Err(io::Error::other("record runs past the end of the file"));
        }
        let delta = i64::try_from(target - self.pos).map_err(io::Error::other)?;
        self.input.seek_relative(delta)?;
        self.pos = target;
        Ok(())
    }
}

fn word(b: &[u8], at: usize, be: bool) -> Option<u32> {
    let a: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(if be {
        u32::from_be_bytes(a)
    } else {
        u32::from_le_bytes(a)
    })
}

fn half(b: &[u8], at: usize, be: bool) -> Option<u16> {
    let a: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
    Some(if be {
        u16::from_be_bytes(a)
    } else {
        u16::from_le_bytes(a)
    })
}
