//! Captures for the language: wrapping SCTP packets in IPv4/IPv6 (and UDP
//! encapsulation, and Ethernet) to append them to pcap or pcapng files, and
//! finding the SCTP packet in a hex stream or a capture frame.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use sctp_codec::capture::{PcapWriter, LINKTYPE_ETHERNET, LINKTYPE_RAW};
pub use sctp_codec::link::build::{Framing, LinkKind};
use sctp_codec::link::{extract_sctp, Defragmenter, LinkConfig};

use crate::files::Replacement;

/// File formats `save` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Classic libpcap.
    Pcap,
    /// pcapng.
    Pcapng,
}

/// The frame holding `sctp` as `f` says (the codec's frame builder).
pub fn frame(sctp: &[u8], f: &Framing) -> Result<Vec<u8>, String> {
    sctp_codec::link::build::frame(sctp, f).map_err(|e| e.to_string())
}

fn now() -> (u64, u32) {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_secs(), d.subsec_nanos())
}

/// What `save` found at its path before writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Existing {
    /// No file, or an empty one.
    Nothing,
    /// A classic pcap file: byte order, timestamp resolution, link type.
    Pcap {
        big_endian: bool,
        nanos: bool,
        link_type: u32,
    },
    /// A pcapng file.
    Pcapng,
}

/// Reads what is at `path`: nothing, a pcap or a pcapng file whose last
/// record or block is whole; anything else is an error that says why
/// nothing will be written into it.
fn inspect(path: &Path) -> Result<Existing, String> {
    let disp = path.display();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Existing::Nothing),
        Err(e) => return Err(format!("{disp}: {e}")),
    };
    if meta.is_dir() {
        return Err(format!("{disp} is a directory"));
    }
    if !meta.is_file() {
        return Err(format!("{disp} is not a regular file"));
    }
    let len = meta.len();
    if len == 0 {
        return Ok(Existing::Nothing);
    }
    let f = File::open(path).map_err(|e| format!("{disp}: {e}"))?;
    let mut head = [0u8; 24];
    let n = f
        .read_at(&mut head, 0)
        .map_err(|e| format!("{disp}: {e}"))?;
    let not_capture = |why: &str| {
        format!(
            "{disp} exists and is not a pcap or pcapng capture ({why}): save writes nothing into it; choose another file name"
        )
    };
    let cut = |at: u64| {
        format!(
            "{disp} is cut inside its last record (at byte {at} of {len}): packets appended after it could not be read; save to another file"
        )
    };
    if n >= 2 && head[..2] == [0x1f, 0x8b] {
        return Err(not_capture("it is gzip-compressed"));
    }
    if n >= 4 && head[..4] == [0x0a, 0x0d, 0x0d, 0x0a] {
        walk_pcapng(&f, len).map_err(cut)?;
        return Ok(Existing::Pcapng);
    }
    let magic = &head[..n.min(4)];
    let (big_endian, nanos) = match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] => (false, false),
        [0x4d, 0x3c, 0xb2, 0xa1] => (false, true),
        [0xa1, 0xb2, 0xc3, 0xd4] => (true, false),
        [0xa1, 0xb2, 0x3c, 0x4d] => (true, true),
        _ => {
            let start: Vec<String> = head[..n.min(8)]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            return Err(not_capture(&format!("it starts with {}", start.join(" "))));
        }
    };
    if n < 24 {
        return Err(not_capture("it is cut inside the pcap file header"));
    }
    let u32_at = |b: &[u8]| {
        let a = [b[0], b[1], b[2], b[3]];
        if big_endian {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }
    };
    let link_type = u32_at(&head[20..24]) & 0x0fff_ffff;
    // Every record must be whole, else what is appended is lost behind it.
    let mut at = 24u64;
    let mut rec = [0u8; 16];
    while at < len {
        if len - at < 16 {
            return Err(cut(at));
        }
        f.read_exact_at(&mut rec, at)
            .map_err(|e| format!("{disp}: {e}"))?;
        let next = at + 16 + u64::from(u32_at(&rec[8..12]));
        if next > len {
            return Err(cut(at));
        }
        at = next;
    }
    Ok(Existing::Pcap {
        big_endian,
        nanos,
        link_type,
    })
}

/// Walks a pcapng file's blocks; the offset of a block that does not end
/// where its length says (or is cut) is the error.
fn walk_pcapng(f: &File, len: u64) -> Result<(), u64> {
    let mut at = 0u64;
    let mut big_endian = false;
    let mut hdr = [0u8; 12];
    while at < len {
        if len - at < 12 || f.read_exact_at(&mut hdr, at).is_err() {
            return Err(at);
        }
        if hdr[..4] == [0x0a, 0x0d, 0x0d, 0x0a] {
            big_endian = match hdr[8..12] {
                [0x1a, 0x2b, 0x3c, 0x4d] => true,
                [0x4d, 0x3c, 0x2b, 0x1a] => false,
                _ => return Err(at),
            };
        }
        let l = [hdr[4], hdr[5], hdr[6], hdr[7]];
        let l = u64::from(if big_endian {
            u32::from_be_bytes(l)
        } else {
            u32::from_le_bytes(l)
        });
        if l < 12 || l % 4 != 0 || at + l > len {
            return Err(at);
        }
        at += l;
    }
    Ok(())
}

fn ng_block(out: &mut Vec<u8>, ty: u32, body: &[u8]) {
    let len = 12 + body.len() + sctp_codec::wire::pad4(body.len());
    out.extend_from_slice(&ty.to_le_bytes());
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out.extend_from_slice(body);
    out.resize(out.len() + sctp_codec::wire::pad4(body.len()), 0);
    out.extend_from_slice(&(len as u32).to_le_bytes());
}

/// What `save` did to its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// There was no file (or an empty one): a new one.
    Created,
    /// Appended to a pcap file, in its byte order and resolution.
    Appended,
    /// Appended to a pcapng file as a new section (its own header and interface).
    NewSection,
    /// `mode=new`: the capture that was there was replaced.
    Replaced,
}

impl Saved {
    /// Words for the REPL's confirmation.
    pub fn describe(self) -> &'static str {
        match self {
            Saved::Created => "new file",
            Saved::Appended => "appended",
            Saved::NewSection => "appended as a new pcapng section",
            Saved::Replaced => "replaced what the file held",
        }
    }
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Pcap => "pcap",
        Format::Pcapng => "pcapng",
    }
}

/// Saves `frames` to `path`. An existing capture is appended to in its own
/// format (a pcap file of another link type, a format given with `format=`
/// that is not the file's, a capture cut inside a record are refused), or
/// replaced when `fresh` (`mode=new`). A file that is not a capture is never
/// written into. New files are written beside `path` and renamed into place,
/// so a failure leaves nothing half-written; a failed append is cut back to
/// the file's old length.
///
/// `format`: the asked format (`explicit`: given with `format=`, else guessed
/// from the name and used only for a new file).
pub fn save(
    path: &Path,
    frames: &[Vec<u8>],
    link: LinkKind,
    (format, explicit): (Format, bool),
    fresh: bool,
) -> Result<(Format, Saved), String> {
    let disp = path.display();
    let existing = inspect(path)?;
    let whole_new = |saved: Saved| -> Result<(Format, Saved), String> {
        let bytes = match format {
            Format::Pcap => pcap_bytes(frames, link)?,
            Format::Pcapng => ng_bytes(frames, link),
        };
        let mut r = Replacement::create(path)?;
        let mut f = r.take_file().map_err(|e| format!("{disp}: {e}"))?;
        f.write_all(&bytes).map_err(|e| format!("{disp}: {e}"))?;
        r.commit(Some(&f))?;
        Ok((format, saved))
    };
    match (existing, fresh) {
        (Existing::Nothing, _) => whole_new(Saved::Created),
        (_, true) => whole_new(Saved::Replaced),
        (
            Existing::Pcap {
                big_endian,
                nanos,
                link_type,
            },
            false,
        ) => {
            if explicit && format != Format::Pcap {
                return Err(mismatch(path, Format::Pcap, format));
            }
            if link_type != link.link_type() {
                let want = match link_type {
                    1 => " (add link=ether to match)",
                    101 => " (add link=raw to match)",
                    _ => "",
                };
                return Err(format!(
                    "{disp} is a pcap file of link type {link_type}, these packets would be link type {}{want}; a pcap file holds one link type: save them to another file",
                    link.link_type()
                ));
            }
            let mut out = Vec::new();
            for f in frames {
                let (s, ns) = now();
                let frac = if nanos { ns } else { ns / 1000 };
                let l = u32::try_from(f.len()).map_err(|_| format!("{disp}: packet too long"))?;
                for v in [s as u32, frac, l, l] {
                    out.extend_from_slice(&if big_endian {
                        v.to_be_bytes()
                    } else {
                        v.to_le_bytes()
                    });
                }
                out.extend_from_slice(f);
            }
            append_bytes(path, &out)?;
            Ok((Format::Pcap, Saved::Appended))
        }
        (Existing::Pcapng, false) => {
            if explicit && format != Format::Pcapng {
                return Err(mismatch(path, Format::Pcapng, format));
            }
            append_bytes(path, &ng_bytes(frames, link))?;
            Ok((Format::Pcapng, Saved::NewSection))
        }
    }
}

fn mismatch(path: &Path, is: Format, asked: Format) -> String {
    format!(
        "{} is a {} file; format={} does not match: leave out format= to append in the file's own format, or add mode=new to replace its contents",
        path.display(),
        format_name(is),
        format_name(asked)
    )
}

/// Appends `bytes` to `path`; on an error the file is cut back to its old
/// length, so that it holds what it held.
fn append_bytes(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let disp = path.display();
    let mut f = OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| format!("{disp}: {e}"))?;
    let old = f.metadata().map_err(|e| format!("{disp}: {e}"))?.len();
    if let Err(e) = f.write_all(bytes).and_then(|()| f.sync_data()) {
        let undo = f.set_len(old);
        return Err(match undo {
            Ok(()) => format!("{disp}: {e} (the file is as it was)"),
            Err(u) => format!("{disp}: {e}; cutting it back to {old} bytes failed too: {u}"),
        });
    }
    Ok(())
}

/// A whole pcap file (little-endian, microseconds) holding `frames`.
fn pcap_bytes(frames: &[Vec<u8>], link: LinkKind) -> Result<Vec<u8>, String> {
    let mut w = PcapWriter::new(Vec::new(), link.link_type()).map_err(|e| e.to_string())?;
    for f in frames {
        let (s, ns) = now();
        w.write_packet(s as u32, ns / 1000, f)
            .map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

/// One pcapng section (SHB, IDB, EPBs, microsecond timestamps) holding `frames`.
fn ng_bytes(frames: &[Vec<u8>], link: LinkKind) -> Vec<u8> {
    let mut out = Vec::new();
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes());
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    ng_block(&mut out, 0x0A0D_0D0A, &shb);
    let mut idb = Vec::new();
    idb.extend_from_slice(&(link.link_type() as u16).to_le_bytes());
    idb.extend_from_slice(&0u16.to_le_bytes());
    idb.extend_from_slice(&262_144u32.to_le_bytes());
    ng_block(&mut out, 1, &idb);
    for f in frames {
        let (s, ns) = now();
        let ts = s * 1_000_000 + u64::from(ns / 1000);
        let mut epb = Vec::new();
        epb.extend_from_slice(&0u32.to_le_bytes());
        epb.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(ts as u32).to_le_bytes());
        epb.extend_from_slice(&(f.len() as u32).to_le_bytes());
        epb.extend_from_slice(&(f.len() as u32).to_le_bytes());
        epb.extend_from_slice(f);
        epb.resize(epb.len() + sctp_codec::wire::pad4(f.len()), 0);
        ng_block(&mut out, 6, &epb);
    }
    out
}

/// How to read an imported hex stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportAs {
    /// Guess: Ethernet, then raw IP, then a bare SCTP packet.
    Auto,
    /// A bare SCTP packet (common header first).
    Sctp,
    /// Raw IPv4/IPv6.
    Ip,
    /// Ethernet II.
    Ether,
}

/// Finds the SCTP packet in `b` (a frame or bare SCTP, as `how` says).
pub fn find_sctp(b: &[u8], how: ImportAs) -> Result<Vec<u8>, String> {
    let cfg = LinkConfig::default();
    let try_link = |lt: u32| -> Option<Vec<u8>> {
        let mut d = Defragmenter::default();
        match extract_sctp(lt, b, &cfg, &mut d) {
            Ok(Some(seg)) => Some(seg.sctp.to_vec()),
            _ => None,
        }
    };
    match how {
        ImportAs::Sctp => Ok(b.to_vec()),
        ImportAs::Ip => {
            try_link(LINKTYPE_RAW).ok_or_else(|| "no SCTP in this IP packet".to_string())
        }
        ImportAs::Ether => {
            try_link(LINKTYPE_ETHERNET).ok_or_else(|| "no SCTP in this Ethernet frame".to_string())
        }
        ImportAs::Auto => {
            let ether_like = b.len() > 14
                && matches!(u16::from_be_bytes([b[12], b[13]]), 0x0800 | 0x86dd | 0x8100);
            if ether_like {
                if let Some(s) = try_link(LINKTYPE_ETHERNET) {
                    return Ok(s);
                }
            }
            let ip_like = !b.is_empty() && (b[0] >> 4 == 4 && b[0] & 0x0f >= 5 || b[0] >> 4 == 6);
            if ip_like {
                if let Some(s) = try_link(LINKTYPE_RAW) {
                    return Ok(s);
                }
            }
            Ok(b.to_vec())
        }
    }
}
