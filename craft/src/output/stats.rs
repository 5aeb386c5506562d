//! `sctp-craft dissect --stats`: per direction of every association (source
//! and destination address and port), how many SCTP packets, chunks of each
//! type and bytes of user data; the columns of tshark's `-z sctp,stat` and
//! more. Counted over the packets that are printed (those `-Y` keeps).

use rustc_hash::FxHashMap;
use std::fmt::Write as _;
use std::net::IpAddr;

use sctp_codec::chunk::ty;
use sctp_codec::PacketView;

use super::json;

/// One direction: source and destination address and port.
type Dir = (IpAddr, u16, IpAddr, u16);

/// What one direction carried.
#[derive(Debug, Clone)]
struct Counts {
    first_frame: u64,
    packets: u64,
    chunks: [u64; 256],
    user_data: u64,
}

/// The named columns: tshark's `-z sctp,stat` ones (chunk type, label).
const COLUMNS: [(u8, &str); 10] = [
    (ty::DATA, "DATA"),
    (ty::SACK, "SACK"),
    (ty::HEARTBEAT, "HBEAT"),
    (ty::HEARTBEAT_ACK, "HBEATACK"),
    (ty::INIT, "INIT"),
    (ty::INIT_ACK, "INITACK"),
    (ty::COOKIE_ECHO, "COOKIE"),
    (ty::COOKIE_ACK, "COOKIEACK"),
    (ty::ABORT, "ABORT"),
    (ty::ERROR, "ERROR"),
];

/// Counts per direction, mergeable (each formatting thread keeps its own).
#[derive(Debug, Default)]
pub struct Stats {
    dirs: FxHashMap<Dir, Counts>,
}

impl Stats {
    /// Counts one packet of frame `frame` sent from `src` to `dst`.
    pub fn add(&mut self, frame: u64, src: IpAddr, dst: IpAddr, view: &PacketView<'_>) {
        let h = view.header();
        let c = self
            .dirs
            .entry((src, h.source_port, dst, h.destination_port))
            .or_insert_with(|| Counts {
                first_frame: frame,
                packets: 0,
                chunks: [0; 256],
                user_data: 0,
            });
        c.first_frame = c.first_frame.min(frame);
        c.packets += 1;
        for ch in view.chunks() {
            c.chunks[ch.ty() as usize] += 1;
            // DATA (RFC 9260 3.3.1) and I-DATA (RFC 8260 2.1) headers.
            let header = match ch.ty() {
                ty::DATA => 16,
                ty::I_DATA => 20,
                _ => continue,
            };
            c.user_data += u64::from(ch.length()).saturating_sub(header);
        }
    }

    /// Adds the counts of `other`.
    pub fn merge(&mut self, other: Stats) {
        for (k, o) in other.dirs {
            match self.dirs.get_mut(&k) {
                Some(c) => {
                    c.first_frame = c.first_frame.min(o.first_frame);
                    c.packets += o.packets;
                    c.user_data += o.user_data;
                    for (a, b) in c.chunks.iter_mut().zip(o.chunks) {
                        *a += b;
                    }
                }
                None => {
                    self.dirs.insert(k, o);
                }
            }
        }
    }

    /// The directions in the order they first appear.
    fn rows(&self) -> Vec<(&Dir, &Counts)> {
        let mut v: Vec<_> = self.dirs.iter().collect();
        v.sort_by_key(|(d, c)| (c.first_frame, **d));
        v
    }

    /// Appends the table (text).
    pub fn write_text(&self, out: &mut String) {
        let rows = self.rows();
        let ends: Vec<(String, String)> = rows
            .iter()
            .map(|((src, sp, dst, dp), _)| (endpoint(src, *sp), endpoint(dst, *dp)))
            .collect();
        let w = ends
            .iter()
            .map(|(a, b)| a.len().max(b.len()))
            .max()
            .unwrap_or(0)
            .max("destination".len());
        let _ = write!(
            out,
            "\n{:<w$} {:<w$} {:>8}",
            "source", "destination", "packets"
        );
        for (_, name) in COLUMNS {
            let _ = write!(out, " {name:>9}");
        }
        let _ = writeln!(out, " {:>9} {:>12}", "other", "user bytes");
        for ((_, c), (src, dst)) in rows.iter().zip(&ends) {
            let _ = write!(out, "{src:<w$} {dst:<w$} {:>8}", c.packets);
            for (ty, _) in COLUMNS {
                let _ = write!(out, " {:>9}", c.chunks[ty as usize]);
            }
            let _ = writeln!(out, " {:>9} {:>12}", other(c), c.user_data);
        }
    }

    /// Appends one JSON object per direction, one per line.
    pub fn write_json(&self, out: &mut String) {
        for ((src, sp, dst, dp), c) in self.rows() {
            let _ = write!(
                out,
                "{{\"stats\":{{\"src\":\"{src}\",\"src_port\":{sp},\"dst\":\"{dst}\",\"dst_port\":{dp},\"packets\":{},\"chunks\":{{",
                c.packets
            );
            let mut first = true;
            for (ty, n) in c.chunks.iter().enumerate().filter(|(_, n)| **n > 0) {
                if !first {
                    out.push(',');
                }
                first = false;
                json::push_str(out, &ty.to_string());
                let _ = write!(out, ":{n}");
            }
            let _ = writeln!(out, "}},\"user_data_bytes\":{}}}}}", c.user_data);
        }
    }
}

/// `address:port`, IPv6 in brackets.
fn endpoint(a: &IpAddr, port: u16) -> String {
    match a {
        IpAddr::V4(_) => format!("{a}:{port}"),
        IpAddr::V6(_) => format!("[{a}]:{port}"),
    }
}

/// Chunks of the types without a column.
fn other(c: &Counts) -> u64 {
    let named: u64 = COLUMNS.iter().map(|(t, _)| c.chunks[*t as usize]).sum();
    c.chunks.iter().sum::<u64>() - named
}
