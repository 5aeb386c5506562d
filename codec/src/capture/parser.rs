//! The pure-Rust backend: pcap-parser's streaming readers over any `Read`
//! (files, stdin, gzip streams), for everything libpcap cannot read: gzip
//! input, pcapng with interfaces of different link types, streams.
//!
//! Formats: classic pcap (draft-ietf-opsawg-pcap) and pcapng
//! (draft-ietf-opsawg-pcapng: SHB, IDB with if_tsresol/if_tsoffset, EPB, SPB
//! and the obsolete Packet Block), gzip per RFC 1952 (multi-member).

use std::io::{BufReader, Cursor, Read};

use flate2::read::MultiGzDecoder;
use pcap_parser::pcapng::Block;
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{LegacyPcapReader, OptionCode, PcapBlockOwned, PcapError, PcapNGReader};

use super::error::{CaptureError, CaptureErrorKind};
use super::fill::{read_head, ErrorSlot, FillReader};
use super::format::{sniff, Format, PcapMagic, PCAPNG_BOM, PCAPNG_SHB};
use super::{normalize_ts, Meta, Step, MAX_RECORD_LEN};

/// Initial size of the streaming buffer; it grows (up to [`MAX_RECORD_LEN`])
/// only for records that do not fit.
const INITIAL_BUFFER: usize = 1 << 20;
/// pcapng block types that carry packets or interfaces.
const INTERFACE_DESCRIPTION_BLOCK: u32 = 1;
/// Block type of the obsolete pcapng Packet Block.
const PACKET_BLOCK: u32 = 2;
const SIMPLE_PACKET_BLOCK: u32 = 3;
const ENHANCED_PACKET_BLOCK: u32 = 6;

/// One pcapng interface (from its Interface Description Block).
#[derive(Debug, Clone)]
struct Iface {
    link_type: u32,
    snaplen: u32,
    tsresol: u8,
    tsoffset: i64,
}

/// Format state needed to interpret records.
#[derive(Debug)]
enum Layout {
    Legacy {
        magic: PcapMagic,
        link_type: u32,
    },
    Ng {
        big_endian: bool,
        ifaces: Vec<Iface>,
    },
}

/// A packet found in a block: metadata plus where its bytes are.
struct Found {
    ts_sec: i64,
    ts_nsec: u32,
    link_type: u32,
    orig_len: u32,
    /// Address of the first data byte (located again in the buffer later).
    addr: usize,
    len: usize,
}

enum Handled {
    Skip,
    Packet(Found),
    Bad(String),
}

/// What pcap-parser's error means for the loop.
enum Failure {
    Eof,
    NeedMore,
    Truncated,
    Read,
    Other(String),
}

/// pcap-parser backend state.
pub(crate) struct ParserBackend {
    reader: Box<dyn PcapReaderIterator + Send>,
    layout: Layout,
    capacity: usize,
    pending_consume: usize,
    frames_seen: u64,
    /// File offset of the first stream byte after the file header, minus
    /// the header length: non-zero when resuming mid-file.
    offset_base: u64,
    io_error: ErrorSlot,
}

impl ParserBackend {
    /// Sniffs `input` (gzip or not) and sets up the matching reader.
    pub(crate) fn from_read(input: Box<dyn Read + Send>) -> Result<Self, CaptureError> {
        Self::resume(input, 0, 0)
    }

    /// Like [`from_read`](Self::from_read) for a stream made of a classic
    /// pcap file header followed by the file's bytes from record offset
    /// `header_len + offset_base` on, `frames_before` frames having been read
    /// already: numbers and offsets continue from there.
    pub(crate) fn resume(
        input: Box<dyn Read + Send>,
        offset_base: u64,
        frames_before: u64,
    ) -> Result<Self, CaptureError> {
        let mut input = input;
        let head = read_head(&mut input, 4).map_err(|e| CaptureError::io(1, 0, e))?;
        let (format, head, input) = match sniff(&head) {
            Some(Format::Gzip) => {
                let gz: Box<dyn Read + Send> = Box::new(MultiGzDecoder::new(BufReader::new(
                    Cursor::new(head).chain(input),
                )));
                let mut gz = gz;
                let inner = read_head(&mut gz, 4).map_err(|e| CaptureError::io(1, 0, e))?;
                match sniff(&inner) {
                    Some(f @ (Format::Pcap(_) | Format::PcapNg)) => (f, inner, gz),
                    _ => return Err(unknown(inner)),
                }
            }
            Some(f) => (f, head, input),
            None => return Err(unknown(head)),
        };
        let slot = ErrorSlot::default();
        let stream = FillReader::new(Cursor::new(head).chain(input), slot.clone());
        let opened = match format {
            Format::Pcap(magic) => LegacyPcapReader::new(INITIAL_BUFFER, stream).map(|r| {
                (
                    Box::new(r) as Box<dyn PcapReaderIterator + Send>,
                    Layout::Legacy {
                        magic,
                        link_type: 0,
                    },
                )
            }),
            _ => PcapNGReader::new(INITIAL_BUFFER, stream).map(|r| {
                (
                    Box::new(r) as Box<dyn PcapReaderIterator + Send>,
                    Layout::Ng {
                        big_endian: false,
                        ifaces: Vec::new(),
                    },
                )
            }),
        };
        let (reader, layout) = opened.map_err(|e| {
            let failure = classify(&e);
            failure_error(failure, &slot, frames_before + 1, offset_base)
        })?;
        Ok(ParserBackend {
            reader,
            layout,
            capacity: INITIAL_BUFFER,
            pending_consume: 0,
            frames_seen: frames_before,
            offset_base,
            io_error: slot,
        })
    }

    /// Reads on to frame `number` (frames before it, already returned by
    /// another backend, are skipped).
    pub(crate) fn advance(&mut self, number: u64) -> Step {
        if self.pending_consume > 0 {
            self.reader.consume(self.pending_consume);
            self.pending_consume = 0;
        }
        let mut stalls = 0;
        loop {
            let offset = self.offset_base + self.reader.consumed() as u64;
            let frame_no = self.frames_seen + 1;
            let outcome = match self.reader.next() {
                Ok((len, block)) => Ok((len, self.layout.handle(block))),
                Err(e) => Err(classify(&e)),
            };
            if matches!(outcome, Err(Failure::NeedMore | Failure::Other(_))) {
                // A block libpcap skips unread, framed soundly but with
                // contents pcap-parser rejects: skipped, as libpcap does.
                if let Some(len) = self.layout.opaque_block(self.reader.data()) {
                    self.reader.consume(len);
                    continue;
                }
            }
            match outcome {
                Ok((len, Handled::Skip)) => self.reader.consume(len),
                Ok((_, Handled::Bad(what))) => {
                    return Step::Failed(CaptureError::corrupt(frame_no, offset, what))
                }
                Ok((len, Handled::Packet(p))) => {
                    self.frames_seen = frame_no;
                    if frame_no < number {
                        self.reader.consume(len);
                        continue;
                    }
                    let base = self.reader.data().as_ptr() as usize;
                    let Some(start) = p.addr.checked_sub(base) else {
                        return Step::Failed(CaptureError::corrupt(
                            frame_no,
                            offset,
                            "packet data outside the read buffer",
                        ));
                    };
                    if start.saturating_add(p.len) > self.reader.data().len() {
                        return Step::Failed(CaptureError::corrupt(
                            frame_no,
                            offset,
                            "packet data outside the read buffer",
                        ));
                    }
                    self.pending_consume = len;
                    return Step::Ready(Meta {
                        ts_sec: p.ts_sec,
                        ts_nsec: p.ts_nsec,
                        link_type: p.link_type,
                        orig_len: p.orig_len,
                        offset,
                        data: start..start + p.len,
                    });
                }
                Err(Failure::NeedMore) => {
                    if let Err(e) = self.need_more(frame_no, offset, &mut stalls) {
                        return Step::Failed(e);
                    }
                }
                // pcap-parser reports Eof only once the input is exhausted
                // and the buffer empty.
                Err(Failure::Eof) => return Step::Eof,
                Err(f) => return Step::Failed(failure_error(f, &self.io_error, frame_no, offset)),
            }
        }
    }

    /// The bytes of the frame last returned by [`advance`](Self::advance).
    pub(crate) fn data(&self, meta: &Meta) -> Option<&[u8]> {
        self.reader.data().get(meta.data.clone())
    }

    /// The parser needs more input: checks the declared record length
    /// against the limits and what is already buffered, grows the buffer if
    /// the record cannot fit, and refills it.
    fn need_more(
        &mut self,
        frame_no: u64,
        offset: u64,
        stalls: &mut u32,
    ) -> Result<(), CaptureError> {
        let available = self.reader.data().len();
        if let Some(declared) = self.layout.declared_len(self.reader.data()) {
            if declared > MAX_RECORD_LEN as u64 {
                return Err(CaptureError::new(
                    frame_no,
                    offset,
                    CaptureErrorKind::RecordTooLarge(declared),
                ));
            }
            if available as u64 >= declared {
                return Err(CaptureError::corrupt(
                    frame_no,
                    offset,
                    "record contents do not fit its declared length",
                ));
            }
            let declared = declared as usize; // <= MAX_RECORD_LEN
            if declared >= self.capacity {
                let new = declared
                    .next_power_of_two()
                    .min(MAX_RECORD_LEN)
                    .max(declared);
                self.reader.grow(new);
                self.capacity = new;
            }
        }
        if self.reader.refill().is_err() {
            return Err(failure_error(
                Failure::Read,
                &self.io_error,
                frame_no,
                offset,
            ));
        }
        if self.reader.data().len() <= available && !self.reader.reader_exhausted() {
            *stalls += 1;
            if *stalls > 2 {
                return Err(CaptureError::corrupt(
                    frame_no,
                    offset,
                    "reader made no progress",
                ));
            }
        }
        Ok(())
    }
}

impl Layout {
    /// Length of the record or block at the start of `data`, from its
    /// header, if enough of the header is there.
    fn declared_len(&self, data: &[u8]) -> Option<u64> {
        let word = |at: usize, be: bool| -> Option<u32> {
            let b: [u8; 4] = data.get(at..at + 4)?.try_into().ok()?;
            Some(if be {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            })
        };
        match self {
            Layout::Legacy { magic, .. } => {
                let caplen = word(8, magic.big_endian)?;
                Some(magic.record_header_len as u64 + u64::from(caplen))
            }
            Layout::Ng { big_endian, .. } => {
                let be = if word(0, false)? == PCAPNG_SHB {
                    word(8, false)? != PCAPNG_BOM
                } else {
                    *big_endian
                };
                word(4, be).map(u64::from)
            }
        }
    }

    /// The length of the pcapng block at the start of `data` if it is one
    /// that carries no packets and no format state (anything but SHB, IDB,
    /// EPB, SPB and the obsolete Packet Block: a Name Resolution, Interface
    /// Statistics, Decryption Secrets or unknown block), wholly buffered,
    /// and framed soundly: its length a multiple of 4, at least 12, and
    /// repeated in its trailer (draft-ietf-opsawg-pcapng section 3.1).
    fn opaque_block(&self, data: &[u8]) -> Option<usize> {
        let Layout::Ng { big_endian, .. } = self else {
            return None;
        };
        let word = |at: usize| -> Option<u32> {
            let b: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
            Some(if *big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            })
        };
        let kind = word(0)?;
        if kind == PCAPNG_SHB
            || [
                INTERFACE_DESCRIPTION_BLOCK,
                PACKET_BLOCK,
                SIMPLE_PACKET_BLOCK,
                ENHANCED_PACKET_BLOCK,
            ]
            .contains(&kind)
        {
            return None;
        }
        let len = word(4)? as usize;
        (len >= 12 && len.is_multiple_of(4) && word(len - 4)? as usize == len).then_some(len)
    }

    /// Interprets one block: updates the format state or finds a packet.
    fn handle(&mut self, block: PcapBlockOwned<'_>) -> Handled {
        match (self, block) {
            (Layout::Legacy { link_type, .. }, PcapBlockOwned::LegacyHeader(h)) => {
                *link_type = (h.network.0 as u32) & 0xFFFF;
                Handled::Skip
            }
            (Layout::Legacy { magic, link_type }, PcapBlockOwned::Legacy(b)) => {
                let frac = if magic.nanosecond {
                    u64::from(b.ts_usec)
                } else {
                    u64::from(b.ts_usec) * 1000
                };
                let (ts_sec, ts_nsec) = normalize_ts(i64::from(b.ts_sec), frac);
                Handled::Packet(Found {
                    ts_sec,
                    ts_nsec,
                    link_type: *link_type,
                    orig_len: b.origlen,
                    addr: b.data.as_ptr() as usize,
                    len: b.data.len(),
                })
            }
            (Layout::Ng { big_endian, ifaces }, PcapBlockOwned::NG(block)) => {
                handle_ng(big_endian, ifaces, block)
            }
            _ => Handled::Bad("pcap record in a pcapng file or vice versa".into()),
        }
    }
}

fn handle_ng(big_endian: &mut bool, ifaces: &mut Vec<Iface>, block: Block<'_>) -> Handled {
    match block {
        Block::SectionHeader(shb) => {
            *big_endian = shb.big_endian();
            ifaces.clear();
            Handled::Skip
        }
        Block::InterfaceDescription(idb) => {
            let tsoffset = idb
                .options
                .iter()
                .find(|o| o.code == OptionCode::IfTsoffset)
                .and_then(|o| o.value().get(..8))
                .and_then(|v| <[u8; 8]>::try_from(v).ok())
                .map_or(0, |v| {
                    if *big_endian {
                        i64::from_be_bytes(v)
                    } else {
                        i64::from_le_bytes(v)
                    }
                });
            ifaces.push(Iface {
                link_type: (idb.linktype.0 as u32) & 0xFFFF,
                snaplen: idb.snaplen,
                tsresol: idb.if_tsresol,
                tsoffset,
            });
            Handled::Skip
        }
        Block::EnhancedPacket(epb) => {
            let Some(iface) = ifaces.get(epb.if_id as usize) else {
                return Handled::Bad(format!("packet on undeclared interface {}", epb.if_id));
            };
            let caplen = (epb.caplen as usize).min(epb.data.len());
            let data = epb.data.get(..caplen).unwrap_or_default();
            packet(iface, epb.ts_high, epb.ts_low, epb.origlen, data)
        }
        Block::SimplePacket(spb) => {
            let Some(iface) = ifaces.first() else {
                return Handled::Bad("simple packet block before any interface".into());
            };
            let snap = if iface.snaplen == 0 {
                usize::MAX
            } else {
                iface.snaplen as usize
            };
            let caplen = (spb.origlen as usize).min(spb.data.len()).min(snap);
            let data = spb.data.get(..caplen).unwrap_or_default();
            let mut found = match packet(iface, 0, 0, spb.origlen, data) {
                Handled::Packet(f) => f,
                other => return other,
            };
            // SPBs carry no timestamp.
            found.ts_sec = 0;
            found.ts_nsec = 0;
            Handled::Packet(found)
        }
        Block::Unknown(ub)
            if ub.block_type == PACKET_BLOCK || ub.block_type == PACKET_BLOCK.swap_bytes() =>
        {
            obsolete_packet_block(*big_endian, ifaces, ub.data)
        }
        _ => Handled::Skip,
    }
}

/// The obsolete Packet Block (type 2): interface id (u16), drops count
/// (u16), timestamp (2 x u32), captured and original lengths, data.
fn obsolete_packet_block(big_endian: bool, ifaces: &[Iface], body: &[u8]) -> Handled {
    let u16_at = |at: usize| -> Option<u16> {
        let b: [u8; 2] = body.get(at..at + 2)?.try_into().ok()?;
        Some(if big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = body.get(at..at + 4)?.try_into().ok()?;
        Some(if big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let fields = (|| Some((u16_at(0)?, u32_at(4)?, u32_at(8)?, u32_at(12)?, u32_at(16)?)))();
    let Some((if_id, ts_high, ts_low, caplen, origlen)) = fields else {
        return Handled::Bad("packet block too short".into());
    };
    let Some(iface) = ifaces.get(usize::from(if_id)) else {
        return Handled::Bad(format!("packet on undeclared interface {if_id}"));
    };
    let Some(data) = body
        .get(20..)
        .and_then(|d| d.get(..(caplen as usize).min(d.len())))
    else {
        return Handled::Bad("packet block too short".into());
    };
    packet(iface, ts_high, ts_low, origlen, data)
}

/// A pcapng packet with its timestamp decoded per the interface's
/// if_tsresol (10^-n or 2^-n seconds) and if_tsoffset (seconds).
fn packet(iface: &Iface, ts_high: u32, ts_low: u32, origlen: u32, data: &[u8]) -> Handled {
    let Some(units) = units_per_second(iface.tsresol) else {
        return Handled::Bad(format!("invalid if_tsresol {:#04x}", iface.tsresol));
    };
    let ts = (u64::from(ts_high) << 32) | u64::from(ts_low);
    let secs = i64::try_from(ts / units)
        .unwrap_or(i64::MAX)
        .saturating_add(iface.tsoffset);
    let frac = u128::from(ts % units) * 1_000_000_000 / u128::from(units);
    let (ts_sec, ts_nsec) = normalize_ts(secs, u64::try_from(frac).unwrap_or(0));
    Handled::Packet(Found {
        ts_sec,
        ts_nsec,
        link_type: iface.link_type,
        orig_len: origlen,
        addr: data.as_ptr() as usize,
        len: data.len(),
    })
}

/// if_tsresol: bit 7 clear, 10^-n seconds; set, 2^-n seconds (n = low 7
/// bits). Not pcap-parser's `build_ts_resolution`, which rejects every
/// power-of-two resolution (it compares the byte with the flag still set).
fn units_per_second(tsresol: u8) -> Option<u64> {
    let n = u32::from(tsresol & 0x7F);
    if tsresol & 0x80 == 0 {
        10u64.checked_pow(n)
    } else {
        1u64.checked_shl(n)
    }
}

fn classify<I>(e: &PcapError<I>) -> Failure {
    match e {
        PcapError::Eof => Failure::Eof,
        PcapError::Incomplete(_) | PcapError::BufferTooSmall => Failure::NeedMore,
        PcapError::UnexpectedEof => Failure::Truncated,
        PcapError::ReadError => Failure::Read,
        PcapError::HeaderNotRecognized => Failure::Other("file header not recognized".into()),
        PcapError::NomError(_, kind) | PcapError::OwnedNomError(_, kind) => {
            Failure::Other(format!("malformed record or block ({kind:?})"))
        }
    }
}

fn failure_error(f: Failure, slot: &ErrorSlot, frame: u64, offset: u64) -> CaptureError {
    match f {
        Failure::Eof | Failure::Truncated | Failure::NeedMore => {
            CaptureError::new(frame, offset, CaptureErrorKind::Truncated)
        }
        Failure::Read => {
            let e = slot
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take()
                .unwrap_or_else(|| std::io::Error::other("read error"));
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                // A gzip stream cut short: the capture inside is truncated.
                return CaptureError::new(frame, offset, CaptureErrorKind::Truncated);
            }
            CaptureError::io(frame, offset, e)
        }
        Failure::Other(what) => CaptureError::corrupt(frame, offset, what),
    }
}

fn unknown(head: Vec<u8>) -> CaptureError {
    CaptureError::new(1, 0, CaptureErrorKind::UnknownFormat(head))
}
