//! `sctp-replay list FILE [--json]`: the SCTP associations of a capture.
//!
//! Associations are told apart as Wireshark's SCTP dissector does with its
//! "association index" preference (`sctp.association_index`): by the two
//! ports and the verification tags, learning the tags from INIT (its
//! Initiate Tag) and from the first packets each way, every chunk looked up
//! in turn and the packet counted in the association of its last chunk. An
//! association's `id` is Wireshark's `sctp.assoc_index`. Addresses are not
//! part of the key: a multihomed end's addresses are those it sends from
//! and those its INIT or INIT ACK lists.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::Path;

use sctp_codec::capture::CaptureReader;
use sctp_codec::chunk::ty;
use sctp_codec::link::{extract_sctp, Defragmenter, Encapsulation, LinkConfig};
use sctp_codec::{PacketView, Rules};

/// Name of a chunk type in the listing (RFC 9260 and its extensions'
/// names), `0xNN` for the others.
pub fn chunk_name(t: u8) -> String {
    let s = match t {
        ty::DATA => "DATA",
        ty::INIT => "INIT",
        ty::INIT_ACK => "INIT_ACK",
        ty::SACK => "SACK",
        ty::HEARTBEAT => "HEARTBEAT",
        ty::HEARTBEAT_ACK => "HEARTBEAT_ACK",
        ty::ABORT => "ABORT",
        ty::SHUTDOWN => "SHUTDOWN",
        ty::SHUTDOWN_ACK => "SHUTDOWN_ACK",
        ty::ERROR => "ERROR",
        ty::COOKIE_ECHO => "COOKIE_ECHO",
        ty::COOKIE_ACK => "COOKIE_ACK",
        ty::ECNE => "ECNE",
        ty::CWR => "CWR",
        ty::SHUTDOWN_COMPLETE => "SHUTDOWN_COMPLETE",
        ty::AUTH => "AUTH",
        ty::NR_SACK => "NR_SACK",
        ty::I_DATA => "I_DATA",
        ty::ASCONF_ACK => "ASCONF_ACK",
        ty::PKTDROP => "PKTDROP",
        ty::RE_CONFIG => "RE_CONFIG",
        ty::PAD => "PAD",
        ty::FORWARD_TSN => "FORWARD_TSN",
        ty::ASCONF => "ASCONF",
        ty::I_FORWARD_TSN => "I_FORWARD_TSN",
        _ => return format!("0x{t:02x}"),
    };
    s.to_string()
}

/// Wireshark's `assoc_info_t`: ports, the two tags and an INIT's Initiate Tag.
#[derive(Debug, Clone, Copy, Default)]
struct Key {
    sport: u16,
    dport: u16,
    vtag1: u32,
    vtag2: u32,
    initiate: u32,
}

/// How a chunk's key relates to a known association (Wireshark's
/// `sctp_assoc_vtag_cmp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    Forward,
    Backward,
    ForwardAddForwardVtag,
    BackwardAddForwardVtag,
    BackwardAddBackwardVtag,
    None,
}

fn compare(a: &Key, b: &Key) -> Match {
    let same = a.sport == b.sport && a.dport == b.dport;
    let crossed = a.sport == b.dport && a.dport == b.sport;
    if same && b.vtag2 != 0 && a.initiate == b.vtag2 && a.initiate == b.initiate {
        return Match::Forward;
    }
    if same && a.vtag1 == b.vtag1 && a.initiate == b.initiate {
        return Match::Forward;
    }
    if same && a.vtag1 == b.vtag1 && a.vtag1 == 0 && a.initiate != 0 && a.initiate != b.initiate {
        return Match::None;
    }
    if same && a.vtag1 == b.vtag1 && (a.vtag1 != 0 || b.vtag2 != 0) {
        return Match::Forward;
    }
    if same && a.vtag2 == b.vtag2 && a.vtag1 == 0 && b.vtag1 != 0 {
        return Match::Forward;
    }
    if crossed && a.vtag1 == b.vtag2 && a.vtag1 != 0 {
        return Match::Backward;
    }
    if crossed && a.vtag2 == b.vtag1 && a.vtag2 != 0 {
        return Match::Backward;
    }
    if crossed && a.vtag1 == b.initiate && a.vtag2 == 0 {
        return Match::BackwardAddBackwardVtag;
    }
    if crossed && a.vtag2 == b.vtag1 && a.vtag1 == 0 && b.vtag2 != 0 {
        return Match::Backward;
    }
    if same && a.vtag1 != 0 && b.vtag1 == 0 && b.vtag2 != 0 {
        return Match::ForwardAddForwardVtag;
    }
    if crossed && a.vtag1 == b.vtag2 && b.vtag1 == 0 {
        return Match::BackwardAddForwardVtag;
    }
    if crossed && a.vtag1 != 0 && b.vtag1 != 0 && b.vtag2 == 0 {
        return Match::BackwardAddBackwardVtag;
    }
    Match::None
}

/// Wireshark's list of associations (`find_assoc_index`, first pass).
#[derive(Debug, Default)]
struct Index {
    /// In creation order; searched newest first, as Wireshark prepends.
    keys: Vec<Key>,
}

impl Index {
    /// The association of a chunk and whether it goes the way of the
    /// association's first chunk (`true`) or back.
    fn find(&mut self, k: &Key) -> (usize, bool) {
        for (i, b) in self.keys.iter_mut().enumerate().rev() {
            let m = compare(k, b);
            match m {
                Match::None => continue,
                Match::ForwardAddForwardVtag | Match::BackwardAddForwardVtag => b.vtag1 = k.vtag1,
                Match::BackwardAddBackwardVtag => b.vtag2 = k.vtag1,
                Match::Forward | Match::Backward => {}
            }
            return (
                i,
                matches!(m, Match::Forward | Match::ForwardAddForwardVtag),
            );
        }
        self.keys.push(*k);
        (self.keys.len() - 1, true)
    }
}

/// What one direction of an association carried between two addresses.
#[derive(Debug, Clone, Default)]
pub struct AddrPath {
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    pub packets: u64,
    pub chunks: BTreeMap<u8, u64>,
}

/// One end of an association and what it sent.
#[derive(Debug, Clone, Default)]
pub struct End {
    /// Its addresses: those it sent from, then those its INIT / INIT ACK listed.
    pub addrs: Vec<IpAddr>,
    pub port: u16,
    /// The tag it expects in packets sent to it (its Initiate Tag), if seen.
    pub vtag: Option<u32>,
    /// A tag seen in packets to it, used when its INIT / INIT ACK is not captured.
    seen_vtag: Option<u32>,
    /// Packets it sent.
    pub packets: u64,
    /// Chunks it sent, by type.
    pub chunks: BTreeMap<u8, u64>,
    /// User data bytes it sent (DATA and I-DATA payloads).
    pub user_bytes: u64,
    /// By source and destination address.
    pub paths: Vec<AddrPath>,
}

impl End {
    fn add_addr(&mut self, a: IpAddr) {
        if !self.addrs.contains(&a) {
            self.addrs.push(a);
        }
    }
    fn vtag(&self) -> Option<u32> {
        self.vtag.or(self.seen_vtag)
    }
}

/// How an association ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// SHUTDOWN COMPLETE, sent by the given end (0: A, 1: B), in a frame.
    Shutdown { by: usize, frame: u64 },
    /// ABORT.
    Abort { by: usize, frame: u64 },
    /// Neither was captured.
    CaptureEnd,
}

/// One association. `ends[0]` is the end that sent its first packet
/// (Wireshark's direction 1), `ends[1]` the other.
#[derive(Debug, Clone)]
pub struct Assoc {
    pub id: usize,
    pub ends: [End; 2],
    /// The end whose INIT came first, if an INIT was captured.
    pub initiator: Option<usize>,
    pub first_frame: u64,
    pub last_frame: u64,
    pub first_ts: f64,
    pub last_ts: f64,
    /// The last ABORT or SHUTDOWN COMPLETE.
    pub ending: Ending,
    /// A SHUTDOWN was seen (the ending may still be an ABORT or the capture's end).
    pub shutdown_started: bool,
}

impl Assoc {
    /// The client (initiator, or the first sender when no INIT was captured)
    /// and the server, as end indexes.
    pub fn roles(&self) -> (usize, usize) {
        let c = self.initiator.unwrap_or(0);
        (c, 1 - c)
    }
}

/// Every association of a capture, and what was not in one.
#[derive(Debug, Default)]
pub struct Listing {
    pub assocs: Vec<Assoc>,
    pub frames: u64,
    pub sctp_packets: u64,
    /// SCTP packets without a whole chunk, or shorter than the common
    /// header, or quoted by an ICMP error: in no association (as in Wireshark).
    pub unassigned: u64,
}

/// Reading the capture failed: the message names the file and the frame or cause.
#[derive(Debug)]
pub struct ListError(pub String);

impl std::fmt::Display for ListError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Refuses what is not a readable capture file before the reader sees it:
/// a missing path, a directory, an empty file.
pub fn precheck(path: &Path) -> Result<(), ListError> {
    let d = path.display();
    let meta = std::fs::metadata(path).map_err(|e| ListError(format!("{d}: {e}")))?;
    if meta.is_dir() {
        return Err(ListError(format!("{d} is a directory, not a capture file")));
    }
    if meta.is_file() && meta.len() == 0 {
        return Err(ListError(format!("{d} is empty (0 bytes): not a capture")));
    }
    Ok(())
}

/// Opens a capture, with the checks of [`precheck`].
pub fn open(path: &Path) -> Result<CaptureReader, ListError> {
    precheck(path)?;
    CaptureReader::open(path).map_err(|e| ListError(format!("{}: {e}", path.display())))
}

fn be32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// Reads the whole capture and finds its associations.
pub fn list(path: &Path) -> Result<Listing, ListError> {
    list_with_udp_ports(path, &[])
}

/// As [`list`], also reading SCTP over UDP on `udp_ports` (RFC 6951),
/// besides the default 9899.
pub fn list_with_udp_ports(path: &Path, udp_ports: &[u16]) -> Result<Listing, ListError> {
    let mut reader = open(path)?;
    let cfg = LinkConfig::with_extra_udp_ports(udp_ports);
    let mut defrag = Defragmenter::default();
    let mut index = Index::default();
    let mut out = Listing::default();
    let mut assocs: Vec<Option<Assoc>> = Vec::new();
    while let Some(frame) = reader.next_frame() {
        let frame = frame.map_err(|e| ListError(format!("{}: {e}", path.display())))?;
        out.frames += 1;
        let Ok(Some(seg)) = extract_sctp(frame.link_type, frame.data, &cfg, &mut defrag) else {
            continue;
        };
        out.sctp_packets += 1;
        if matches!(seg.encap, Encapsulation::IcmpError { .. }) {
            out.unassigned += 1;
            continue;
        }
        let Ok(view) = PacketView::parse(&seg.sctp, Rules::STANDARD) else {
            out.unassigned += 1;
            continue;
        };
        let h = view.header();
        let first_chunk_tag = view.chunks().next().map_or(0, |c| be32(c.bytes(), 4));
        let mut found = None;
        for c in view.chunks() {
            let reflected =
                matches!(c.ty(), ty::ABORT | ty::SHUTDOWN_COMPLETE) && c.flags() & 1 != 0;
            let (vtag1, vtag2) = if reflected {
                (0, h.verification_tag)
            } else {
                (h.verification_tag, 0)
            };
            let k = Key {
                sport: h.source_port,
                dport: h.destination_port,
                vtag1,
                vtag2,
                initiate: if c.ty() == ty::INIT {
                    first_chunk_tag
                } else {
                    0
                },
            };
            found = Some(index.find(&k));
        }
        let Some((id, forward)) = found else {
            out.unassigned += 1;
            continue;
        };
        if assocs.len() <= id {
            assocs.resize(id + 1, None);
        }
        let ts = frame.ts_sec as f64 + f64::from(frame.ts_nsec) / 1e9;
        let a = assocs[id].get_or_insert_with(|| {
            let mut ends: [End; 2] = Default::default();
            // The first packet goes "forward" by definition; should the
            // last chunk's lookup say backward, its sender is end 1.
            let (s, d) = if forward { (0, 1) } else { (1, 0) };
            ends[s].port = h.source_port;
            ends[d].port = h.destination_port;
            Assoc {
                id,
                ends,
                initiator: None,
                first_frame: frame.number,
                last_frame: frame.number,
                first_ts: ts,
                last_ts: ts,
                ending: Ending::CaptureEnd,
                shutdown_started: false,
            }
        });
        let (from, to) = if forward { (0, 1) } else { (1, 0) };
        a.last_frame = frame.number;
        a.last_ts = ts;
        a.ends[from].add_addr(seg.src);
        a.ends[to].add_addr(seg.dst);
        let e = &mut a.ends[from];
        e.packets += 1;
        let pi = match e
            .paths
            .iter()
            .position(|p| p.src == Some(seg.src) && p.dst == Some(seg.dst))
        {
            Some(i) => i,
            None => {
                e.paths.push(AddrPath {
                    src: Some(seg.src),
                    dst: Some(seg.dst),
                    ..AddrPath::default()
                });
                e.paths.len() - 1
            }
        };
        e.paths[pi].packets += 1;
        let mut listed = Vec::new();
        let mut own_tag = None;
        let mut peer_tag_seen = None;
        for c in view.chunks() {
            let t = c.ty();
            *a.ends[from].chunks.entry(t).or_default() += 1;
            *a.ends[from].paths[pi].chunks.entry(t).or_default() += 1;
            let header = match t {
                ty::DATA => 16,
                ty::I_DATA => 20,
                _ => 0,
            };
            if header > 0 {
                a.ends[from].user_bytes += u64::from(c.length()).saturating_sub(header);
            }
            match t {
                ty::INIT | ty::INIT_ACK => {
                    if let Some(init) = c.init() {
                        own_tag = Some(init.initiate_tag());
                        for p in init.params() {
                            let v = p.value();
                            let addr = match (p.ty(), v.len()) {
                                (5, n) if n >= 4 => Some(IpAddr::from([v[0], v[1], v[2], v[3]])),
                                (6, n) if n >= 16 => {
                                    let mut b = [0u8; 16];
                                    b.copy_from_slice(&v[..16]);
                                    Some(IpAddr::from(b))
                                }
                                _ => None,
                            };
                            listed.extend(addr);
                        }
                    }
                    if t == ty::INIT && a.initiator.is_none() {
                        a.initiator = Some(from);
                    }
                }
                ty::ABORT => {
                    a.ending = Ending::Abort {
                        by: from,
                        frame: frame.number,
                    }
                }
                ty::SHUTDOWN_COMPLETE => {
                    a.ending = Ending::Shutdown {
                        by: from,
                        frame: frame.number,
                    }
                }
                ty::SHUTDOWN | ty::SHUTDOWN_ACK => a.shutdown_started = true,
                _ => {}
            }
            let reflected = matches!(t, ty::ABORT | ty::SHUTDOWN_COMPLETE) && c.flags() & 1 != 0;
            if h.verification_tag != 0 && t != ty::INIT {
                if reflected {
                    own_tag.get_or_insert(h.verification_tag);
                } else {
                    peer_tag_seen = Some(h.verification_tag);
                }
            }
        }
        for addr in listed {
            a.ends[from].add_addr(addr);
        }
        if let Some(t) = own_tag {
            // An INIT / INIT ACK says it for certain; a reflected tag only
            // stands in until one is seen.
            let certain = view
                .chunks()
                .any(|c| matches!(c.ty(), ty::INIT | ty::INIT_ACK));
            if certain {
                a.ends[from].vtag = Some(t);
            } else {
                a.ends[from].seen_vtag.get_or_insert(t);
            }
        }
        if let Some(t) = peer_tag_seen {
            a.ends[to].seen_vtag.get_or_insert(t);
        }
    }
    out.assocs = assocs.into_iter().flatten().collect();
    Ok(out)
}

fn endpoint(a: Option<&IpAddr>, port: u16) -> String {
    match a {
        Some(IpAddr::V6(v)) => format!("[{v}]:{port}"),
        Some(a) => format!("{a}:{port}"),
        None => format!("?:{port}"),
    }
}

fn tag(t: Option<u32>) -> String {
    t.map_or("unknown".into(), |t| format!("0x{t:08x}"))
}

fn ending_text(a: &Assoc) -> String {
    let (c, _) = a.roles();
    let who = |by: usize| if by == c { "client" } else { "server" };
    match a.ending {
        Ending::Shutdown { by, frame } => {
            format!(
                "shutdown (SHUTDOWN COMPLETE from the {} in frame {frame})",
                who(by)
            )
        }
        Ending::Abort { by, frame } => {
            format!("abort (ABORT from the {} in frame {frame})", who(by))
        }
        Ending::CaptureEnd if a.shutdown_started => {
            "capture end (shutdown begun, not completed)".into()
        }
        Ending::CaptureEnd => "capture end".into(),
    }
}

fn chunk_list(chunks: &BTreeMap<u8, u64>) -> String {
    if chunks.is_empty() {
        return "no chunks".into();
    }
    let mut s = String::new();
    for (t, n) in chunks {
        if !s.is_empty() {
            s.push_str(", ");
        }
        let _ = write!(s, "{} {n}", chunk_name(*t));
    }
    s
}

/// The listing as text.
pub fn text(l: &Listing, file: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{file}: {} association{} in {} SCTP packets ({} frames)",
        l.assocs.len(),
        if l.assocs.len() == 1 { "" } else { "s" },
        l.sctp_packets,
        l.frames
    );
    for a in &l.assocs {
        let (c, sv) = a.roles();
        let (ce, se) = (&a.ends[c], &a.ends[sv]);
        let _ = writeln!(
            s,
            "\n#{} {} <-> {}  frames {}-{}, {:.6} s",
            a.id,
            endpoint(ce.addrs.first(), ce.port),
            endpoint(se.addrs.first(), se.port),
            a.first_frame,
            a.last_frame,
            a.last_ts - a.first_ts
        );
        let init = match a.initiator {
            Some(_) => "the client sent the INIT",
            None => "no INIT captured: the client is the first sender",
        };
        let _ = writeln!(s, "    initiated: {init}");
        for (name, e) in [("client", ce), ("server", se)] {
            let addrs: Vec<String> = e.addrs.iter().map(|a| a.to_string()).collect();
            let _ = writeln!(
                s,
                "    {name}: port {}, vtag {}, addresses {}",
                e.port,
                tag(e.vtag()),
                if addrs.is_empty() {
                    "unknown".into()
                } else {
                    addrs.join(" ")
                }
            );
        }
        for (name, e) in [("client -> server", ce), ("server -> client", se)] {
            let _ = writeln!(
                s,
                "    {name}: {} packets, {} user bytes; {}",
                e.packets,
                e.user_bytes,
                chunk_list(&e.chunks)
            );
        }
        let _ = writeln!(s, "    ended: {}", ending_text(a));
    }
    if l.unassigned > 0 {
        let _ = writeln!(
            s,
            "\n{} SCTP packets in no association (no whole chunk, no common header, or quoted by ICMP)",
            l.unassigned
        );
    }
    s
}

fn chunks_json(chunks: &BTreeMap<u8, u64>) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for (t, n) in chunks {
        m.insert(chunk_name(*t), (*n).into());
    }
    m.into()
}

fn end_json(e: &End) -> serde_json::Value {
    serde_json::json!({
        "addrs": e.addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
        "port": e.port,
        "vtag": e.vtag(),
    })
}

fn paths_json(e: &End) -> serde_json::Value {
    e.paths
        .iter()
        .map(|p| {
            serde_json::json!({
                "src": p.src.map(|a| a.to_string()),
                "dst": p.dst.map(|a| a.to_string()),
                "packets": p.packets,
                "chunks": chunks_json(&p.chunks),
            })
        })
        .collect::<Vec<_>>()
        .into()
}

/// One JSON object per association (one per line).
pub fn json(l: &Listing) -> String {
    let mut s = String::new();
    for a in &l.assocs {
        let (c, sv) = a.roles();
        let (ce, se) = (&a.ends[c], &a.ends[sv]);
        let (ended, by, frame) = match a.ending {
            Ending::Shutdown { by, frame } => ("shutdown", Some(by), Some(frame)),
            Ending::Abort { by, frame } => ("abort", Some(by), Some(frame)),
            Ending::CaptureEnd => ("capture end", None, None),
        };
        let who = by.map(|b| if b == c { "client" } else { "server" });
        let v = serde_json::json!({
            "id": a.id,
            "client": end_json(ce),
            "server": end_json(se),
            "initiator": if a.initiator.is_some() { "client" } else { "unknown" },
            "first_frame": a.first_frame,
            "last_frame": a.last_frame,
            "duration_s": a.last_ts - a.first_ts,
            "packets": {"client_to_server": ce.packets, "server_to_client": se.packets},
            "chunks": {"client_to_server": chunks_json(&ce.chunks), "server_to_client": chunks_json(&se.chunks)},
            "user_bytes": {"client_to_server": ce.user_bytes, "server_to_client": se.user_bytes},
            "paths": {"client_to_server": paths_json(ce), "server_to_client": paths_json(se)},
            "ended": ended,
            "ended_by": who,
            "ended_frame": frame,
            "shutdown_started": a.shutdown_started,
        });
        let _ = writeln!(s, "{v}");
    }
    s
}
