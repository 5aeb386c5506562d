//! Captures for the language: wrapping SCTP packets in IPv4/IPv6 (and UDP
//! encapsulation, and Ethernet) to append them to pcap or pcapng files, and
//! finding the SCTP packet in a hex stream or a capture frame.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use sctp_codec::capture::{PcapWriter, LINKTYPE_ETHERNET, LINKTYPE_RAW};
pub use sctp_codec::link::build::{Framing, LinkKind};
use sctp_codec::link::{extract_sctp, Defragmenter, LinkConfig};

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
    (d.as_secs(), d.subsec_micros())
}

/// What an existing file is.
fn sniff(path: &Path) -> Option<(Format, Option<u32>)> {
    let mut f = std::fs::File::open(path).ok()?;
    let mut h = [0u8; 24];
    let n = f.read(&mut h).ok()?;
    if n == 0 {
        return None;
    }
    if n >= 4 && h[..4] == [0x0a, 0x0d, 0x0d, 0x0a] {
        return Some((Format::Pcapng, None));
    }
    if n >= 24 {
        let le = matches!(h[..4], [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1]);
        let be = matches!(h[..4], [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d]);
        let lt = [h[20], h[21], h[22], h[23]];
        if le {
            return Some((Format::Pcap, Some(u32::from_le_bytes(lt) & 0x0fff_ffff)));
        }
        if be {
            return Some((Format::Pcap, Some(u32::from_be_bytes(lt) & 0x0fff_ffff)));
        }
    }
    Some((Format::Pcap, Some(u32::MAX)))
}

fn ng_block(out: &mut Vec<u8>, ty: u32, body: &[u8]) {
    let len = 12 + body.len() + sctp_codec::wire::pad4(body.len());
    out.extend_from_slice(&ty.to_le_bytes());
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out.extend_from_slice(body);
    out.resize(out.len() + sctp_codec::wire::pad4(body.len()), 0);
    out.extend_from_slice(&(len as u32).to_le_bytes());
}

/// Appends `frames` to `path` (created if missing or empty; `fresh`: truncated
/// first). The format is the existing file's, else `format`. Returns the
/// format written.
pub fn append(
    path: &Path,
    frames: &[Vec<u8>],
    link: LinkKind,
    format: Format,
    fresh: bool,
) -> Result<Format, String> {
    let existing = if fresh { None } else { sniff(path) };
    let disp = path.display();
    match existing {
        None => match format {
            Format::Pcap => {
                let mut w = PcapWriter::create(path, link.link_type())
                    .map_err(|e| format!("{disp}: {e}"))?;
                for f in frames {
                    let (s, us) = now();
                    w.write_packet(s as u32, us, f)
                        .map_err(|e| format!("{disp}: {e}"))?;
                }
                w.flush().map_err(|e| format!("{disp}: {e}"))?;
                Ok(Format::Pcap)
            }
            Format::Pcapng => {
                write_ng(path, frames, link, false)?;
                Ok(Format::Pcapng)
            }
        },
        Some((Format::Pcap, lt)) => {
            if lt != Some(link.link_type()) {
                return Err(format!(
                    "{disp} is a pcap file of link type {}, not {} (use link=ether or link=raw to match, or mode=new)",
                    lt.map(|l| l.to_string()).unwrap_or("?".into()),
                    link.link_type()
                ));
            }
            let mut out = Vec::new();
            for f in frames {
                let (s, us) = now();
                out.extend_from_slice(&(s as u32).to_le_bytes());
                out.extend_from_slice(&us.to_le_bytes());
                out.extend_from_slice(&(f.len() as u32).to_le_bytes());
                out.extend_from_slice(&(f.len() as u32).to_le_bytes());
                out.extend_from_slice(f);
            }
            // Record headers are in the file's byte order: only little-endian files are appended to.
            let mut h = [0u8; 4];
            std::fs::File::open(path)
                .and_then(|mut f| f.read_exact(&mut h))
                .map_err(|e| format!("{disp}: {e}"))?;
            if h == [0xa1, 0xb2, 0xc3, 0xd4] || h == [0xa1, 0xb2, 0x3c, 0x4d] {
                return Err(format!(
                    "{disp}: appending to a big-endian pcap is not supported"
                ));
            }
            let mut f = OpenOptions::new()
                .append(true)
                .open(path)
                .map_err(|e| format!("{disp}: {e}"))?;
            f.write_all(&out).map_err(|e| format!("{disp}: {e}"))?;
            Ok(Format::Pcap)
        }
        Some((Format::Pcapng, _)) => {
            write_ng(path, frames, link, true)?;
            Ok(Format::Pcapng)
        }
    }
}

/// Writes one pcapng section (SHB, IDB, EPBs), appended or as a new file.
fn write_ng(path: &Path, frames: &[Vec<u8>], link: LinkKind, append: bool) -> Result<(), String> {
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
        let (s, us) = now();
        let ts = s * 1_000_000 + us as u64;
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
    let disp = path.display();
    let mut file = OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(path)
        .map_err(|e| format!("{disp}: {e}"))?;
    file.write_all(&out).map_err(|e| format!("{disp}: {e}"))
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
