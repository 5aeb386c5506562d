//! The tshark side of the oracle: run Wireshark's built-in SCTP dissector over a capture
//! and reduce its PDML output to what the oracle compares.
//!
//! PDML keeps the tree structure, so "top-level chunk" has an exact meaning here: a
//! `<field>` that is a direct child of a top-level `<proto name="sctp">` and has a direct
//! child `sctp.chunk_type`. Chunks that tshark shows nested inside a PKTDROP chunk (which
//! holds a whole embedded SCTP packet) or inside an "Unrecognized Chunk Type" error cause
//! use the same field names but sit deeper in the tree, so they are never picked up.

use std::io::{BufRead, BufReader};
use std::net::IpAddr;
use std::path::Path;
use std::process::{Command, Stdio};

/// Checksum status as tshark reports it (`sctp.checksum.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CkStatus {
    Bad,
    Good,
    Unverified,
}

impl CkStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CkStatus::Bad => "bad",
            CkStatus::Good => "good",
            CkStatus::Unverified => "unverified",
        }
    }
}

/// One top-level chunk as tshark shows it.
#[derive(Debug, Clone, Default)]
pub struct TChunk {
    pub ty: u8,
    pub flags: Option<u8>,
    pub length: Option<u16>,
    /// DATA / I-DATA TSN (absolute).
    pub tsn: Option<u32>,
    /// SACK / NR-SACK / SHUTDOWN cumulative TSN ack (absolute).
    pub cum_tsn_ack: Option<u32>,
    /// tshark's one-line label, e.g. "SACK chunk (Cumulative TSN: ...)".
    pub label: String,
    /// Where the chunk starts in the frame (PDML `pos`).
    pub pos: Option<usize>,
    /// Every `sctp.*` field tshark shows inside the chunk, in document order: the
    /// chunk's own fields, its parameters and causes and what they nest, but not the
    /// fields of a chunk nested in it (Unrecognized Chunk Type cause) or of the packet
    /// a PKTDROP chunk carries.
    pub fields: Vec<TField>,
}

/// One field of a chunk as tshark shows it.
#[derive(Debug, Clone, Default)]
pub struct TField {
    pub name: String,
    /// The `show` attribute (display form).
    pub show: String,
    /// The `value` attribute: the field's bytes in hex (empty for generated fields).
    pub value: String,
}

impl TField {
    /// The field as an unsigned integer: from its bytes when it has them, else `show`.
    pub fn uint(&self) -> Option<u64> {
        let v = &self.value;
        if !v.is_empty() && v.len() <= 16 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
            return u64::from_str_radix(v, 16).ok();
        }
        match self.show.strip_prefix("0x") {
            Some(h) => u64::from_str_radix(h, 16).ok(),
            None => self.show.parse().ok(),
        }
    }
}

impl TChunk {
    /// The fields named `name` (in document order).
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a TField> + 'a {
        self.fields.iter().filter(move |f| f.name == name)
    }
}

/// One frame with a top-level SCTP layer, as tshark shows it.
#[derive(Debug, Clone, Default)]
pub struct TPacket {
    pub frame: u64,
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    pub src_port: Option<u16>,
    pub dst_port: Option<u16>,
    pub vtag: Option<u32>,
    pub checksum: Option<u32>,
    pub checksum_status: Option<CkStatus>,
    pub chunks: Vec<TChunk>,
    /// Size of the SCTP packet in bytes (common header + chunks), from the enclosing
    /// IPv4/IPv6/UDP length (PDML's own `size` of the sctp node is not reliable).
    pub sctp_size: usize,
    /// tshark flagged the frame as malformed (an exception stopped dissection).
    pub malformed: bool,
    /// The malformed marker's label, e.g. "[Malformed Packet: SCTP]".
    pub malformed_label: String,
    /// Number of top-level SCTP layers in the frame (normally 1; 0 when tshark's SCTP
    /// dissector gave up before showing even the common header).
    pub sctp_layers: usize,
    /// Where the SCTP common header starts in the frame (PDML `pos`).
    pub sctp_pos: Option<usize>,
    /// Bytes of the frame actually captured.
    pub caplen: Option<usize>,
}

impl TPacket {
    /// Sum of the chunk lengths rounded up to 4, as long as every chunk has a length.
    pub fn padded_chunk_bytes(&self) -> Option<usize> {
        self.chunks
            .iter()
            .map(|c| c.length.map(|l| (l as usize + 3) & !3))
            .sum()
    }

    /// True if tshark's chunk list covers the whole SCTP packet: the padded chunk
    /// lengths reach the end of the packet (a chunk may claim more bytes than the
    /// packet holds, and fewer than 4 bytes left cannot hold a chunk header: tshark
    /// shows nothing for them).
    /// Is chunk `i` cut short: does its Length run past the end of the SCTP packet (or
    /// of the bytes captured)? Unknown positions count as not cut short.
    pub fn chunk_cut_short(&self, i: usize) -> bool {
        let Some(c) = self.chunks.get(i) else {
            return false;
        };
        let (Some(pos), Some(len), Some(start)) = (c.pos, c.length, self.sctp_pos) else {
            return false;
        };
        let end = pos + len as usize;
        (self.sctp_size > 0 && end > start + self.sctp_size)
            || self.caplen.is_some_and(|cl| end > cl)
    }

    pub fn chunks_cover_packet(&self) -> bool {
        let Some(total) = self.padded_chunk_bytes() else {
            return false;
        };
        total + 3 >= self.sctp_size.saturating_sub(12)
    }
}

/// The preference string for tshark's checksum algorithm.
pub const CRC32C: &str = "CRC-32C";
pub const ADLER32: &str = "Adler 32";

/// Is tshark installed? Returns its version line.
pub fn tshark_version() -> Result<String, String> {
    match Command::new("tshark").arg("--version").output() {
        Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_string()),
        Ok(o) => Err(format!(
            "`tshark --version` failed ({}): {}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        )),
        Err(e) => Err(format!("cannot run `tshark`: {e}")),
    }
}

/// tshark's `-T fields` rows for a capture, CRC32c verification on: one row
/// per frame, one string per field (multiple occurrences comma-separated).
pub fn fields(file: &Path, names: &[&str]) -> Vec<Vec<String>> {
    let mut c = Command::new("tshark");
    c.arg("-r").arg(file);
    c.args(["-o", "sctp.checksum:CRC-32C", "-T", "fields"]);
    run_fields(c, file, names)
        .lines()
        .map(|l| l.split('\t').map(String::from).collect())
        .collect()
}

/// Runs `c` (tshark reading `file`) with `-e` for each of `names`: its
/// standard output; tshark's error text on failure.
fn run_fields(mut c: Command, file: &Path, names: &[&str]) -> String {
    for n in names {
        c.args(["-e", n]);
    }
    let out = c
        .output()
        .expect("tshark is needed (scripts/install-deps.sh installs it)");
    assert!(
        out.status.success(),
        "tshark -r {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// tshark's `-T fields` text with TSN analysis on: two passes,
/// `sctp.tsn_analysis:TRUE` and absolute TSNs (relative ones break SACK
/// analysis in Wireshark 4.0-4.6), SCTP decoded on the UDP ports `ports`,
/// `-Y filter` unless empty, every occurrence of a field joined by ','.
pub fn tsn_analysis_fields(file: &Path, ports: &[u16], filter: &str, names: &[&str]) -> String {
    let mut c = Command::new("tshark");
    c.arg("-r").arg(file).args(["-2", "-n"]);
    for p in ports {
        c.args(["-d", &format!("udp.port=={p},sctp")]);
    }
    c.args([
        "-o",
        "sctp.tsn_analysis:TRUE",
        "-o",
        "sctp.relative_tsns:FALSE",
    ]);
    if !filter.is_empty() {
        c.args(["-Y", filter]);
    }
    c.args(["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"]);
    run_fields(c, file, names)
}

/// The tshark command line used for a capture.
pub fn tshark_args(file: &Path, checksum: &str) -> Vec<String> {
    vec![
        "-r".into(),
        file.display().to_string(),
        "-n".into(),
        "-d".into(),
        "udp.port==9899,sctp".into(),
        "-o".into(),
        format!("sctp.checksum:{checksum}"),
        "-Y".into(),
        "sctp || _ws.malformed".into(),
        "-T".into(),
        "pdml".into(),
        // Keep only these top-level protocols (with their subtrees); the payload
        // protocols (M3UA, S1AP, ...) are cut to an empty node, which keeps the
        // output small. The `_ws.malformed` node stays visible.
        "-J".into(),
        "ip ipv6 udp sctp".into(),
    ]
}

/// Run tshark over `file` and return every frame that has a top-level SCTP layer.
pub fn dissect(file: &Path, checksum: &str) -> Result<Vec<TPacket>, String> {
    let mut child = Command::new("tshark")
        .args(tshark_args(file, checksum))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run tshark: {e}"))?;
    let stdout = child.stdout.take().expect("piped stdout");
    // Drain stderr on a thread so tshark never blocks on a full pipe.
    let mut stderr = child.stderr.take().expect("piped stderr");
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    let mut packets = Vec::new();
    let mut buf = String::new();
    let mut in_packet = false;
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("reading tshark output: {e}"))?;
        let t = line.trim();
        if t == "<packet>" {
            in_packet = true;
            buf.clear();
        }
        if in_packet {
            buf.push_str(&line);
            buf.push('\n');
        }
        if t == "</packet>" {
            in_packet = false;
            if let Some(p) = parse_packet(&buf)? {
                packets.push(p);
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for tshark: {e}"))?;
    let err = err_thread.join().unwrap_or_default();
    if !status.success() {
        return Err(format!(
            "tshark {:?} failed ({status}): {}",
            tshark_args(file, checksum).join(" "),
            err.trim()
        ));
    }
    Ok(packets)
}

fn attr<'a>(n: roxmltree::Node<'a, '_>, name: &str) -> Option<&'a str> {
    n.attribute(name)
}

/// A field's value as an unsigned integer: from the raw `value` hex when it is there
/// (exact bytes, unaffected by display preferences), else from `show`.
fn field_uint(n: roxmltree::Node) -> Option<u64> {
    if let Some(v) = attr(n, "value") {
        if !v.is_empty() && v.len() <= 16 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
            return u64::from_str_radix(v, 16).ok();
        }
    }
    let s = attr(n, "show")?;
    if let Some(h) = s.strip_prefix("0x") {
        u64::from_str_radix(h, 16).ok()
    } else {
        s.parse().ok()
    }
}

fn children_named<'a, 'i>(
    n: roxmltree::Node<'a, 'i>,
    name: &'a str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> + 'a {
    n.children()
        .filter(move |c| c.is_element() && c.attribute("name") == Some(name))
}

fn child_uint(n: roxmltree::Node, name: &str) -> Option<u64> {
    children_named(n, name).next().and_then(field_uint)
}

/// Parse one `<packet>...</packet>` element. Returns `None` when the frame has no
/// top-level SCTP layer (e.g. the SCTP header is only quoted inside an ICMP error).
pub fn parse_packet(xml: &str) -> Result<Option<TPacket>, String> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| format!("bad PDML: {e}"))?;
    let root = doc.root_element();
    let mut p = TPacket::default();
    let mut last_src = None;
    let mut last_dst = None;
    let mut seen_sctp = false;
    let mut outer_end: Option<usize> = None;
    for proto in root.children().filter(|n| n.is_element()) {
        let name = attr(proto, "name").unwrap_or("");
        match name {
            "geninfo" => {
                p.frame = child_uint(proto, "num").ok_or("PDML packet without frame number")?;
                p.caplen = child_uint(proto, "caplen").map(|v| v as usize);
            }
            "ip" | "ipv6" if !seen_sctp => {
                let (s, d) = if name == "ip" {
                    ("ip.src", "ip.dst")
                } else {
                    ("ipv6.src", "ipv6.dst")
                };
                last_src = children_named(proto, s)
                    .next()
                    .and_then(|f| attr(f, "show"))
                    .and_then(|v| v.parse().ok());
                last_dst = children_named(proto, d)
                    .next()
                    .and_then(|f| attr(f, "show"))
                    .and_then(|v| v.parse().ok());
                // Where the IP payload ends: IPv4 total length, IPv6 40 + payload length.
                let pos = attr(proto, "pos").and_then(|s| s.parse::<usize>().ok());
                let len = if name == "ip" {
                    child_uint(proto, "ip.len")
                } else {
                    child_uint(proto, "ipv6.plen").map(|l| l + 40)
                };
                outer_end = pos.zip(len).map(|(p, l)| p + l as usize);
            }
            "udp" if !seen_sctp => {
                let pos = attr(proto, "pos").and_then(|s| s.parse::<usize>().ok());
                if let (Some(pos), Some(len)) = (pos, child_uint(proto, "udp.length")) {
                    outer_end = Some(pos + len as usize);
                }
            }
            "sctp" => {
                // When a payload protocol (M3UA, S1AP, "data", ...) adds its own tree
                // after a DATA chunk, PDML continues the SCTP tree in a new top-level
                // `sctp` node holding just the following chunks (no common header).
                // Those continuations belong to the same packet; a second node WITH a
                // common header would be a second SCTP packet in the frame.
                let has_header = children_named(proto, "sctp.srcport").next().is_some();
                if !seen_sctp || has_header {
                    p.sctp_layers += 1;
                }
                if !seen_sctp {
                    seen_sctp = true;
                    p.src = last_src;
                    p.dst = last_dst;
                    let pos = attr(proto, "pos").and_then(|s| s.parse::<usize>().ok());
                    if let (Some(pos), Some(end)) = (pos, outer_end) {
                        p.sctp_size = end.saturating_sub(pos);
                    }
                    p.sctp_pos = pos;
                    parse_sctp(proto, &mut p);
                } else if !has_header && p.sctp_layers == 1 {
                    parse_chunks(proto, &mut p);
                }
            }
            "_ws.malformed" => {
                p.malformed = true;
                p.malformed_label = attr(proto, "showname").unwrap_or("").to_string();
            }
            _ => {}
        }
    }
    if !seen_sctp && p.malformed && p.malformed_label.contains("SCTP") {
        // The SCTP dissector threw before it could add its tree: fewer than 12 bytes, so
        // not even a common header. Reported with `sctp_layers == 0`.
        p.src = last_src;
        p.dst = last_dst;
        return Ok(Some(p));
    }
    Ok(if seen_sctp { Some(p) } else { None })
}

fn parse_sctp(proto: roxmltree::Node, p: &mut TPacket) {
    p.src_port = child_uint(proto, "sctp.srcport").map(|v| v as u16);
    p.dst_port = child_uint(proto, "sctp.dstport").map(|v| v as u16);
    p.vtag = child_uint(proto, "sctp.verification_tag").map(|v| v as u32);
    p.checksum = child_uint(proto, "sctp.checksum").map(|v| v as u32);
    p.checksum_status = children_named(proto, "sctp.checksum.status")
        .next()
        .and_then(|f| match attr(f, "show") {
            Some("0") => Some(CkStatus::Bad),
            Some("1") => Some(CkStatus::Good),
            Some("2") => Some(CkStatus::Unverified),
            _ => None,
        });
    parse_chunks(proto, p);
}

fn parse_chunks(proto: roxmltree::Node, p: &mut TPacket) {
    for f in proto.children().filter(|n| n.is_element()) {
        let Some(ty) = child_uint(f, "sctp.chunk_type") else {
            continue;
        };
        let tsn = child_uint(f, "sctp.data_tsn_raw").or_else(|| child_uint(f, "sctp.data_tsn"));
        let cum = child_uint(f, "sctp.sack_cumulative_tsn_ack_raw")
            .or_else(|| child_uint(f, "sctp.sack_cumulative_tsn_ack"))
            .or_else(|| child_uint(f, "sctp.nr_sack_cumulative_tsn_ack"))
            .or_else(|| child_uint(f, "sctp.shutdown_cumulative_tsn_ack"));
        p.chunks.push(TChunk {
            ty: ty as u8,
            flags: child_uint(f, "sctp.chunk_flags").map(|v| v as u8),
            length: child_uint(f, "sctp.chunk_length").map(|v| v as u16),
            tsn: tsn.map(|v| v as u32),
            cum_tsn_ack: cum.map(|v| v as u32),
            label: attr(f, "show").unwrap_or("").to_string(),
            pos: attr(f, "pos").and_then(|s| s.parse().ok()),
            fields: {
                let mut v = Vec::new();
                chunk_fields(f, &mut v);
                v
            },
        });
    }
}

/// The `sctp.*` fields below `n`, in document order, without nested chunks (a node
/// with its own `sctp.chunk_type`) and nested protocols (PKTDROP's packet).
fn chunk_fields(n: roxmltree::Node, out: &mut Vec<TField>) {
    for c in n.children().filter(|c| c.is_element()) {
        if c.tag_name().name() == "proto" || children_named(c, "sctp.chunk_type").next().is_some() {
            continue;
        }
        if let Some(name) = attr(c, "name").filter(|n| n.starts_with("sctp.")) {
            out.push(TField {
                name: name.to_string(),
                show: attr(c, "show").unwrap_or("").to_string(),
                value: attr(c, "value").unwrap_or("").to_ascii_lowercase(),
            });
        }
        chunk_fields(c, out);
    }
}
