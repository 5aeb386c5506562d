//! Independent oracle: Wireshark's built-in SCTP dissector (tshark) against
//! `sctp-craft dissect --json`, frame by frame, over every capture in `../shared/captures`.
//!
//! Compared per frame: whether the frame carries SCTP, IP addresses, ports, verification
//! tag, checksum status, and per TOP-LEVEL chunk: type, flags, length, the DATA/I-DATA
//! TSN and the SACK cumulative TSN ack (also NR-SACK and SHUTDOWN when we report one).
//!
//! Knobs (environment):
//! * `ORACLE_FILES=a,b` only captures whose name contains `a` or `b`;
//! * `ORACLE_DUMP=1` print tshark's view of every frame (tshark-side sanity test);
//! * `ORACLE_SCTP_CRAFT=path` compare another `sctp-craft` binary.
//!
//! tshark must be installed: without it these tests FAIL (CI installs it).

mod common;

use common::ours::{OChunk, OPacket};
use common::tshark::{self, CkStatus, TChunk, TPacket};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

fn require_tshark() -> String {
    match tshark::tshark_version() {
        Ok(v) => v,
        Err(e) => panic!(
            "tshark is required by the oracle tests and was not found ({e}). \
             Install it (Debian: apt-get install tshark; scripts/install-deps.sh does it)."
        ),
    }
}

/// Run `f` over the corpus on a few threads, keeping the corpus order.
fn par_map<T: Send>(files: &[PathBuf], f: impl Fn(&Path) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 4);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<T>>> =
        files.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= files.len() {
                    break;
                }
                let r = f(&files[i]);
                *results[i].lock().unwrap() = Some(r);
            });
        }
    });
    results
        .into_iter()
        .map(|m| m.into_inner().unwrap().expect("every file processed"))
        .collect()
}

fn fmt_chunks(c: &[TChunk]) -> String {
    c.iter()
        .map(|c| {
            let mut s = format!(
                "{}/{}",
                c.ty,
                c.length.map_or("?".into(), |l| l.to_string())
            );
            if let Some(t) = c.tsn {
                s += &format!(" tsn={t}");
            }
            if let Some(t) = c.cum_tsn_ack {
                s += &format!(" cum={t}");
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------------------
// tshark side alone
// ---------------------------------------------------------------------------------------

#[test]
fn tshark_is_installed() {
    let v = require_tshark();
    eprintln!("{v}");
}

/// The PDML reduction keeps only top-level chunks: the chunks of the packet embedded in a
/// PKTDROP chunk and the chunk quoted by an Unrecognized Chunk Type cause are not
/// counted. (Runs without tshark: the PDML is a trimmed copy of tshark 4.0 output.)
#[test]
fn pdml_reduction_keeps_top_level_chunks_only() {
    let xml = r#"<packet>
  <proto name="geninfo" pos="0" showname="General information" size="140">
    <field name="num" pos="0" show="61" showname="Number" value="3d" size="140"/>
  </proto>
  <proto name="ip" showname="Internet Protocol Version 4" size="20" pos="0">
    <field name="ip.src" showname="Source Address: 10.0.0.2" size="4" pos="12" show="10.0.0.2" value="0a000002"/>
    <field name="ip.dst" showname="Destination Address: 10.0.0.1" size="4" pos="16" show="10.0.0.1" value="0a000001"/>
  </proto>
  <proto name="sctp" showname="Stream Control Transmission Protocol" size="120" pos="20">
    <field name="sctp.srcport" showname="Source port: 5001" size="2" pos="20" show="5001" value="1389"/>
    <field name="sctp.dstport" showname="Destination port: 5000" size="2" pos="22" show="5000" value="1388"/>
    <field name="sctp.verification_tag" showname="Verification tag: 0x54c27c46" size="4" pos="24" show="0x54c27c46" value="54c27c46"/>
    <field name="sctp.checksum" showname="Checksum" size="4" pos="28" show="0x11223344" value="11223344"/>
    <field name="sctp.checksum.status" showname="Checksum Status: Good" size="0" pos="28" show="1"/>
    <field name="" show="PKTDROP chunk" size="108" pos="32" value="8100006a">
      <field name="sctp.chunk_type" showname="Chunk type: PKTDROP (129)" size="1" pos="32" show="129" value="81"/>
      <field name="sctp.chunk_flags" showname="Chunk flags: 0x00" size="1" pos="33" show="0x00" value="00"/>
      <field name="sctp.chunk_length" showname="Chunk length: 106" size="2" pos="34" show="106" value="006a"/>
      <proto name="sctp" showname="Stream Control Transmission Protocol" size="90" pos="48">
        <field name="sctp.checksum.status" showname="Checksum Status: Bad" size="0" pos="56" show="0"/>
        <field name="" show="ASCONF_ACK chunk, bogus chunk length 8 &lt; 8)" size="4" pos="60" value="80000004">
          <field name="sctp.chunk_type" showname="Chunk type: ASCONF_ACK (128)" size="1" pos="60" show="128" value="80"/>
          <field name="sctp.chunk_length" showname="Chunk length: 4" size="2" pos="62" show="4" value="0004"/>
        </field>
      </proto>
    </field>
    <field name="" show="ERROR chunk" size="16" pos="140" value="">
      <field name="sctp.chunk_type" showname="Chunk type: ERROR (9)" size="1" pos="140" show="9" value="09"/>
      <field name="sctp.chunk_flags" showname="Chunk flags: 0x00" size="1" pos="141" show="0x00" value="00"/>
      <field name="sctp.chunk_length" showname="Chunk length: 16" size="2" pos="142" show="16" value="0010"/>
      <field name="" show="Unrecognized chunk type cause">
        <field name="sctp.cause_code" show="6" value="0006"/>
        <field name="" show="SACK chunk">
          <field name="sctp.chunk_type" show="3" value="03"/>
          <field name="sctp.chunk_length" show="8" value="0008"/>
          <field name="sctp.sack_cumulative_tsn_ack_raw" show="7" value="00000007"/>
        </field>
      </field>
    </field>
  </proto>
  <proto name="_ws.malformed" showname="[Malformed Packet: SCTP]" size="0" pos="0"/>
</packet>"#;
    let p = tshark::parse_packet(xml).unwrap().expect("has SCTP");
    assert_eq!(p.frame, 61);
    assert_eq!(p.src, Some("10.0.0.2".parse().unwrap()));
    assert_eq!(p.dst_port, Some(5000));
    assert_eq!(p.vtag, Some(0x54c2_7c46));
    assert_eq!(p.checksum_status, Some(CkStatus::Good));
    assert_eq!(p.chunks.len(), 2, "{:?}", p.chunks);
    assert_eq!((p.chunks[0].ty, p.chunks[0].length), (129, Some(106)));
    assert_eq!((p.chunks[1].ty, p.chunks[1].length), (9, Some(16)));
    assert_eq!(p.chunks[1].cum_tsn_ack, None);
    assert!(p.malformed);
    assert_eq!(p.sctp_layers, 1);
}

/// The names of the types Wireshark 4.0 does not know are found anywhere inside one of
/// our chunks (parameters, causes, parameters nested in causes).
#[test]
fn ws4_unknown_types_are_found_in_our_json() {
    let init: serde_json::Value = serde_json::json!({"type": 1, "name": "INIT", "params": [
        {"type": 5, "name": "IPv4 Address"},
        {"type": 32769, "name": "Zero Checksum Acceptable"}]});
    let mut u = Vec::new();
    ws4_unknown_inside(&init, &mut u);
    assert_eq!(u, ["Zero Checksum Acceptable parameter (RFC 9653)"]);
    let abort = serde_json::json!({"type": 6, "causes": [
        {"code": 8, "params": [{"type": 0xC007}]}, {"code": 14}]});
    let mut u = Vec::new();
    ws4_unknown_inside(&abort, &mut u);
    u.sort_unstable();
    assert_eq!(
        u,
        [
            "Disable Restart parameter (NAT support)",
            "error cause 14 (Restart with New Encapsulation Port)"
        ]
    );
    let data = serde_json::json!({"type": 0, "user_data": "0001", "stream_id": 14});
    let mut u = Vec::new();
    ws4_unknown_inside(&data, &mut u);
    assert!(u.is_empty());
}

/// Run tshark over the whole corpus and check that its view is what the oracle needs:
/// every SCTP frame has a verification tag, a checksum status and chunks, and where
/// tshark did not stop on an exception its top-level chunks account for the whole
/// packet (so no chunk was missed or taken from a nested tree). Also pins a few facts
/// read from the captures by hand. `ORACLE_DUMP=1` prints every frame.
#[test]
fn tshark_view_of_corpus_is_sane() {
    require_tshark();
    let files = common::corpus_files();
    assert!(
        !files.is_empty(),
        "no captures in {}",
        common::corpus_dir().display()
    );
    let dump = std::env::var_os("ORACLE_DUMP").is_some();
    let views = par_map(&files, |f| tshark::dissect(f, tshark::CRC32C));
    let mut problems = Vec::new();
    let mut frames = 0usize;
    let mut by_file: HashMap<String, Vec<TPacket>> = HashMap::new();
    for (f, v) in files.iter().zip(views) {
        let name = common::name(f);
        let v = v.unwrap_or_else(|e| panic!("{name}: {e}"));
        for p in &v {
            frames += 1;
            if dump {
                println!(
                    "{name} #{} {:?}:{:?} -> {:?}:{:?} vtag={:?} ck={:?}{}{} [{}]",
                    p.frame,
                    p.src,
                    p.src_port,
                    p.dst,
                    p.dst_port,
                    p.vtag.map(|t| format!("{t:#010x}")),
                    p.checksum_status.map(CkStatus::as_str),
                    if p.malformed { " MALFORMED" } else { "" },
                    if p.chunks_cover_packet() {
                        ""
                    } else {
                        " INCOMPLETE"
                    },
                    fmt_chunks(&p.chunks)
                );
            }
            let short = p.sctp_size < 12;
            if p.vtag.is_none() && !short {
                problems.push(format!("{name} #{}: no verification tag", p.frame));
            }
            if p.checksum_status.is_none() && !short {
                problems.push(format!("{name} #{}: no checksum status", p.frame));
            }
            if p.sctp_layers > 1 {
                problems.push(format!(
                    "{name} #{}: {} SCTP layers",
                    p.frame, p.sctp_layers
                ));
            }
            if !p.malformed && !p.chunks_cover_packet() {
                problems.push(format!(
                    "{name} #{}: not malformed, but the chunks [{}] do not cover the {} bytes \
                     of the SCTP packet",
                    p.frame,
                    fmt_chunks(&p.chunks),
                    p.sctp_size
                ));
            }
        }
        by_file.insert(name, v);
    }
    // Facts read by hand from the captures.
    let get = |file: &str, frame: u64| -> Option<&TPacket> {
        by_file.get(file)?.iter().find(|p| p.frame == frame)
    };
    if let Some(p) = get("erlang-pkt-sctp-sack.pcap", 1) {
        assert_eq!(p.vtag, Some(0xc595_8b9f));
        assert_eq!(p.checksum_status, Some(CkStatus::Bad));
        assert_eq!(p.chunks.len(), 1);
        assert_eq!((p.chunks[0].ty, p.chunks[0].length), (3, Some(16)));
        assert_eq!(p.chunks[0].cum_tsn_ack, Some(19_012_793));
    }
    if let Some(p) = get("usrsctp-fuzz-connect-seeds.pcap", 61) {
        // One PKTDROP chunk; the chunks of the embedded packet are not top-level, and its
        // bad checksum is not the outer packet's.
        assert_eq!(p.checksum_status, Some(CkStatus::Good));
        assert_eq!(p.chunks.len(), 1, "{}", fmt_chunks(&p.chunks));
        assert_eq!((p.chunks[0].ty, p.chunks[0].length), (129, Some(106)));
    }
    if let Some(p) = get("usrsctp-fuzz-connect-seeds.pcap", 3) {
        assert_eq!(p.chunks.len(), 1);
        assert_eq!(p.chunks[0].ty, 0);
        assert_eq!(p.chunks[0].tsn, Some(2_036_643_777));
    }
    if let Some(v) = by_file.get("netperfmeter-multi-sll.pcapng.gz") {
        assert_eq!(v.len(), 3730, "netperfmeter SCTP frames");
    }
    let _ = writeln!(
        std::io::stderr(),
        "tshark view: {} files, {frames} SCTP frames, {} problems",
        files.len(),
        problems.len()
    );
    assert!(
        problems.is_empty(),
        "tshark view problems:\n{}",
        problems.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// The oracle: tshark against sctp-craft
// ---------------------------------------------------------------------------------------

/// What a finding means for the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// A real disagreement: the test fails.
    Disagreement,
    /// tshark is known to be wrong here (a type Wireshark 4.0 does not know).
    KnownTsharkGap,
    /// tshark stopped on an exception and showed nothing to compare with.
    Unverified,
}

#[derive(Debug, Clone)]
struct Finding {
    file: String,
    frame: u64,
    kind: Kind,
    /// Short key used in the summary ("vtag", "chunk length", ...).
    reason: String,
    detail: String,
}

#[derive(Default)]
struct FileResult {
    frames: usize,
    chunks: usize,
    findings: Vec<Finding>,
    /// Agreements worth a word in the summary.
    notes: BTreeMap<&'static str, usize>,
}

/// Parameter types Wireshark 4.0 does not know (RFC 9653 Zero Checksum Acceptable,
/// RFC 4820 Padding, natsupp Disable Restart and VTags, S-SCTP cipher suite).
const WS4_UNKNOWN_PARAMS: &[(u64, &str)] = &[
    (0x8001, "Zero Checksum Acceptable parameter (RFC 9653)"),
    (0x8005, "Padding parameter (RFC 4820)"),
    (0xC007, "Disable Restart parameter (NAT support)"),
    (0xC008, "VTags parameter (NAT support)"),
    (0x001E, "S-SCTP Cipher Suite parameter"),
    (0x0030, "S-SCTP Cipher Suite parameter"),
];

/// Error causes Wireshark 4.0 does not know.
const WS4_UNKNOWN_CAUSES: &[(u64, &str)] = &[
    (14, "error cause 14 (Restart with New Encapsulation Port)"),
    (0x00B0, "VTag and Port Number Collision cause (NAT support)"),
    (0x00B1, "Missing State cause (NAT support)"),
    (0x00B2, "Port Number Collision cause (NAT support)"),
    (0x0020, "S-SCTP error cause"),
    (0x0021, "S-SCTP error cause"),
    (0x0022, "S-SCTP error cause"),
    (0x0023, "S-SCTP error cause"),
    (0x0024, "S-SCTP error cause"),
];

/// Is our chunk an S-SCTP chunk (unknown to Wireshark 4.0)? 0x10 is NR-SACK in the
/// standard dialect, so it counts only when we decoded it as EncData.
fn is_ssctp_chunk(c: &OChunk) -> bool {
    let Some(ty) = c.ty else { return false };
    let n = c.name.to_ascii_lowercase();
    match ty {
        0x10 => n.contains("enc"),
        0x11 => !n.is_empty() && !n.contains("unknown"),
        0x12 => !n.is_empty() && !n.contains("unknown"),
        0xD0..=0xD9 => !n.is_empty() && !n.contains("unknown"),
        _ => false,
    }
}

/// Types inside our chunk (parameters, causes, nested) that Wireshark 4.0 does not know.
fn ws4_unknown_inside(v: &serde_json::Value, out: &mut Vec<&'static str>) {
    use serde_json::Value;
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let kl = k.to_ascii_lowercase();
                if let Value::Array(items) = x {
                    let table = if kl.contains("param") {
                        Some(WS4_UNKNOWN_PARAMS)
                    } else if kl.contains("cause") {
                        Some(WS4_UNKNOWN_CAUSES)
                    } else {
                        None
                    };
                    if let Some(table) = table {
                        for it in items {
                            let t = it
                                .get("type")
                                .or_else(|| it.get("code"))
                                .and_then(Value::as_u64);
                            if let Some((_, name)) = table.iter().find(|(n, _)| Some(*n) == t) {
                                if !out.contains(name) {
                                    out.push(name);
                                }
                            }
                        }
                    }
                }
                ws4_unknown_inside(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| ws4_unknown_inside(x, out)),
        _ => {}
    }
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "(none)".to_string(), |x| x.to_string())
}

struct Ctx<'a> {
    file: &'a str,
    frame: u64,
    out: &'a mut Vec<Finding>,
    notes: &'a mut BTreeMap<&'static str, usize>,
}

impl Ctx<'_> {
    fn push(&mut self, kind: Kind, reason: impl Into<String>, detail: impl Into<String>) {
        self.out.push(Finding {
            file: self.file.to_string(),
            frame: self.frame,
            kind,
            reason: reason.into(),
            detail: detail.into(),
        });
    }
    /// Record a disagreement unless `ours == ts`; `label` names the field in the detail,
    /// `reason` is the summary key.
    fn field<T: PartialEq + std::fmt::Display>(
        &mut self,
        reason: &str,
        label: &str,
        ours: Option<T>,
        ts: Option<T>,
    ) {
        if ours != ts {
            let d = format!("{label}: ours={} tshark={}", opt(ours), opt(ts));
            self.push(Kind::Disagreement, reason, d);
        }
    }
}

/// Compare one frame.
fn compare_frame(
    cx: &mut Ctx,
    o: &OPacket,
    t: &TPacket,
    adler: &mut dyn FnMut() -> Option<CkStatus>,
) -> usize {
    cx.field("src address", "src address", o.src, t.src);
    cx.field("dst address", "dst address", o.dst, t.dst);
    cx.field("src port", "src port", o.src_port, t.src_port);
    cx.field("dst port", "dst port", o.dst_port, t.dst_port);
    cx.field(
        "vtag",
        "vtag",
        o.vtag.map(|v| format!("{v:#010x}")),
        t.vtag.map(|v| format!("{v:#010x}")),
    );

    // Checksum status.
    let ts = t.checksum_status.map(CkStatus::as_str);
    let ours = o.checksum_status.as_deref();
    let algo = o.checksum_algorithm.as_deref().unwrap_or("");
    match (ours, ts) {
        (a, b) if a == b => {}
        (Some("zero"), Some("bad")) if o.checksum_value == Some(0) && t.checksum == Some(0) => {
            cx.push(
                Kind::KnownTsharkGap,
                "checksum field 0 (RFC 9653 zero checksum): Wireshark 4.0 only knows bad",
                "checksum: ours=zero tshark=bad",
            );
        }
        (Some(s), Some("bad")) if algo.to_ascii_lowercase().contains("adler") => {
            // We say the packet uses Adler-32 (RFC 2960): ask tshark in Adler-32 mode.
            let a = adler().map(CkStatus::as_str);
            if a == Some(s) {
                *cx.notes
                    .entry("checksum agreed with tshark in Adler-32 mode")
                    .or_default() += 1;
            } else {
                cx.push(
                    Kind::Disagreement,
                    "checksum status",
                    format!("checksum (adler32): ours={s} tshark(Adler 32)={}", opt(a)),
                );
            }
        }
        (a, b) => {
            cx.push(
                Kind::Disagreement,
                "checksum status",
                format!("checksum ({algo}): ours={} tshark={}", opt(a), opt(b)),
            );
        }
    }

    // Chunks.
    let stopped = t.malformed && !t.chunks_cover_packet();
    let n = o.chunks.len().min(t.chunks.len());
    for i in 0..n {
        let (oc, tc) = (&o.chunks[i], &t.chunks[i]);
        let ssctp = is_ssctp_chunk(oc);
        let last_shown = i + 1 == t.chunks.len();
        let mut unknown = Vec::new();
        ws4_unknown_inside(&oc.raw, &mut unknown);
        let at = |f: &str| format!("chunk {i} ({}) {f}", oc.name);
        cx.field("chunk type", &at("type"), oc.ty, Some(tc.ty));
        for (what, ov, tv) in [
            ("flags", oc.flags.map(u32::from), tc.flags.map(u32::from)),
            ("length", oc.length.map(u32::from), tc.length.map(u32::from)),
            ("tsn", oc.tsn, tc.tsn),
            ("cumulative_tsn_ack", oc.cum_tsn_ack, tc.cum_tsn_ack),
        ] {
            if ov == tv {
                continue;
            }
            let detail = format!("{}: ours={} tshark={}", at(what), opt(ov), opt(tv));
            let payload_field = matches!(what, "tsn" | "cumulative_tsn_ack");
            if payload_field && ssctp {
                cx.push(
                    Kind::KnownTsharkGap,
                    format!("S-SCTP chunk 0x{:02x} unknown to Wireshark 4.0", tc.ty),
                    detail,
                );
            } else if payload_field && tv.is_none() && t.malformed && last_shown {
                // tshark threw inside this chunk before showing the field.
                let reason = match unknown.first() {
                    Some(u) => format!("Wireshark 4.0 does not know the {u}"),
                    None => "tshark stopped on an exception inside the chunk".into(),
                };
                let kind = if unknown.is_empty() {
                    Kind::Unverified
                } else {
                    Kind::KnownTsharkGap
                };
                cx.push(kind, reason, detail);
            } else if payload_field && ov.is_none() && oc.raw.get("value").is_some() {
                // The chunk's Length runs past the packet and what is present
                // cannot hold the field whole: we keep the value raw, tshark
                // shows the first fields of a partial value.
                cx.push(
                    Kind::Unverified,
                    "truncated chunk: partial value kept raw by sctp-craft".to_string(),
                    detail,
                );
            } else if payload_field
                && (ov.is_none() || tv.is_none())
                && !(what == "tsn" && matches!(tc.ty, 0 | 64))
                && !(what == "cumulative_tsn_ack" && tc.ty == 3)
            {
                // NR-SACK / SHUTDOWN cumulative TSN, FORWARD-TSN etc.: compared only
                // when both sides report it.
            } else {
                let reason = if what == "cumulative_tsn_ack" {
                    "sack cumulative tsn ack"
                } else {
                    what
                };
                cx.push(Kind::Disagreement, format!("chunk {reason}"), detail);
            }
        }
    }
    if o.chunks.len() > t.chunks.len() {
        let extra: Vec<String> = o.chunks[n..]
            .iter()
            .map(|c| format!("{}/{}", opt(c.ty), opt(c.length)))
            .collect();
        let detail = format!(
            "chunks: ours has {} chunks, tshark shows {} [{}]; ours also has [{}]",
            o.chunks.len(),
            t.chunks.len(),
            fmt_chunks(&t.chunks),
            extra.join(", ")
        );
        if stopped {
            let mut unknown = Vec::new();
            if let Some(c) = t.chunks.len().checked_sub(1).and_then(|i| o.chunks.get(i)) {
                ws4_unknown_inside(&c.raw, &mut unknown);
                if is_ssctp_chunk(c) {
                    unknown.push("S-SCTP chunk type");
                }
            }
            match unknown.first() {
                Some(u) => cx.push(
                    Kind::KnownTsharkGap,
                    format!("Wireshark 4.0 does not know the {u}"),
                    detail,
                ),
                None => cx.push(
                    Kind::Unverified,
                    "tshark stopped on an exception (later chunks not shown)",
                    detail,
                ),
            }
        } else {
            cx.push(Kind::Disagreement, "chunk count", detail);
        }
    } else if o.chunks.len() < t.chunks.len() {
        let lints: Vec<&str> = o
            .raw
            .get("lints")
            .and_then(|l| l.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.get("message")?.as_str())
                    .collect()
            })
            .unwrap_or_default();
        let trailing = o
            .raw
            .get("trailing")
            .and_then(|t| t.as_str())
            .map_or(0, |t| t.len() / 2);
        let detail = format!(
            "chunks: ours has {} chunks [{}], tshark shows {} [{}]; ours: {trailing} trailing bytes, lints: [{}]",
            o.chunks.len(),
            o.chunks
                .iter()
                .map(|c| format!("{}/{}", opt(c.ty), opt(c.length)))
                .collect::<Vec<_>>()
                .join(", "),
            t.chunks.len(),
            fmt_chunks(&t.chunks),
            lints.join("; ")
        );
        cx.push(Kind::Disagreement, "chunk count", detail);
    }
    n
}

fn compare_file(bin: &str, file: &Path) -> FileResult {
    let name = common::name(file);
    let mut r = FileResult::default();
    let fail = |r: &mut FileResult, reason: &str, detail: String| {
        r.findings.push(Finding {
            file: name.clone(),
            frame: 0,
            kind: Kind::Disagreement,
            reason: reason.into(),
            detail,
        })
    };
    let ts = match tshark::dissect(file, tshark::CRC32C) {
        Ok(v) => v,
        Err(e) => {
            fail(&mut r, "tshark failed", e);
            return r;
        }
    };
    let ours = match common::ours::dissect(bin, file) {
        Ok(v) => v,
        Err(e) => {
            fail(&mut r, "sctp-craft failed", e);
            return r;
        }
    };
    let mut adler_view: Option<HashMap<u64, Option<CkStatus>>> = None;
    let mut by_frame: BTreeMap<u64, &OPacket> = BTreeMap::new();
    for o in &ours {
        if by_frame.insert(o.frame, o).is_some() {
            fail(
                &mut r,
                "duplicate frame in sctp-craft output",
                format!("frame {} appears twice", o.frame),
            );
        }
    }
    let ts_frames: BTreeMap<u64, &TPacket> = ts.iter().map(|t| (t.frame, t)).collect();
    for (&f, t) in &ts_frames {
        let mut cx = Ctx {
            file: &name,
            frame: f,
            out: &mut r.findings,
            notes: &mut r.notes,
        };
        let headerless = t.sctp_layers == 0;
        match by_frame.get(&f) {
            None if headerless => {
                // Fewer than 12 bytes of SCTP: neither side shows a packet.
            }
            None => cx.push(
                Kind::Disagreement,
                "frame only in tshark",
                format!(
                    "tshark shows SCTP (vtag {}, chunks [{}]), sctp-craft shows nothing",
                    opt(t.vtag.map(|v| format!("{v:#010x}"))),
                    fmt_chunks(&t.chunks)
                ),
            ),
            Some(o) if headerless => {
                r.frames += 1;
                if o.vtag.is_some() || !o.chunks.is_empty() {
                    cx.push(
                        Kind::Disagreement,
                        "truncated SCTP packet",
                        format!(
                            "tshark: shorter than a common header ({}); ours: vtag {} and {} chunks",
                            t.malformed_label,
                            opt(o.vtag),
                            o.chunks.len()
                        ),
                    );
                }
            }
            Some(o) => {
                r.frames += 1;
                let mut adler = || {
                    let view = adler_view.get_or_insert_with(|| {
                        tshark::dissect(file, tshark::ADLER32)
                            .map(|v| v.iter().map(|t| (t.frame, t.checksum_status)).collect())
                            .unwrap_or_default()
                    });
                    view.get(&f).copied().flatten()
                };
                r.chunks += compare_frame(&mut cx, o, t, &mut adler);
            }
        }
    }
    for (&f, o) in &by_frame {
        if !ts_frames.contains_key(&f) {
            r.findings.push(Finding {
                file: name.clone(),
                frame: f,
                kind: Kind::Disagreement,
                reason: "frame only in sctp-craft".into(),
                detail: format!(
                    "sctp-craft shows SCTP (vtag {}, {} chunks), tshark shows none",
                    opt(o.vtag.map(|v| format!("{v:#010x}"))),
                    o.chunks.len()
                ),
            });
        }
    }
    r
}

#[test]
fn oracle_sctp_craft_dissect_json_matches_tshark() {
    let version = require_tshark();
    // "TShark (Wireshark) 4.0.17 (Git ...)" -> "tshark 4.0.17"
    let version = version
        .split_whitespace()
        .nth(2)
        .map_or(version.clone(), |v| format!("tshark {v}"));
    // ORACLE_SCTP_CRAFT=path tests another build of the binary.
    let own = std::env::var("ORACLE_SCTP_CRAFT").ok();
    let bin = own.as_deref().unwrap_or(env!("CARGO_BIN_EXE_sctp-craft"));
    let files = common::corpus_files();
    assert!(
        !files.is_empty(),
        "no captures in {}",
        common::corpus_dir().display()
    );
    let results = par_map(&files, |f| compare_file(bin, f));

    let mut frames = 0;
    let mut chunks = 0;
    let mut all = Vec::new();
    let mut notes: BTreeMap<&str, usize> = BTreeMap::new();
    for r in results {
        frames += r.frames;
        chunks += r.chunks;
        all.extend(r.findings);
        for (k, v) in r.notes {
            *notes.entry(k).or_default() += v;
        }
    }
    let mut counts: BTreeMap<(Kind, String), usize> = BTreeMap::new();
    for f in &all {
        *counts.entry((f.kind, f.reason.clone())).or_default() += 1;
    }
    let section = |k: Kind| -> String {
        let v: Vec<String> = counts
            .iter()
            .filter(|((kk, _), _)| *kk == k)
            .map(|((_, r), n)| format!("{r}: {n}"))
            .collect();
        let total: usize = counts
            .iter()
            .filter(|((kk, _), _)| *kk == k)
            .map(|(_, n)| n)
            .sum();
        if v.is_empty() {
            "0".into()
        } else {
            format!("{total} ({})", v.join("; "))
        }
    };
    let mut shown = 0;
    for kind in [Kind::KnownTsharkGap, Kind::Unverified, Kind::Disagreement] {
        for f in all.iter().filter(|f| f.kind == kind) {
            if shown < 400 {
                let tag = match kind {
                    Kind::Disagreement => "DISAGREE",
                    Kind::KnownTsharkGap => "tshark-gap",
                    Kind::Unverified => "unverified",
                };
                println!(
                    "{tag}: {} frame {}: [{}] {}",
                    f.file, f.frame, f.reason, f.detail
                );
            }
            shown += 1;
        }
    }
    if shown > 400 {
        println!("... {} more findings not shown", shown - 400);
    }
    let disagreements = all.iter().filter(|f| f.kind == Kind::Disagreement).count();
    let summary = format!(
        "tshark oracle ({version}): {} files, {frames} frames and {chunks} chunks compared; \
         disagreements: {}; known Wireshark 4.0 gaps: {}; unverified (tshark stopped): {}{}",
        files.len(),
        section(Kind::Disagreement),
        section(Kind::KnownTsharkGap),
        section(Kind::Unverified),
        notes
            .iter()
            .map(|(k, v)| format!("; {k}: {v}"))
            .collect::<String>(),
    );
    // Written to the process's stderr directly (not `eprintln!`), so the summary shows
    // even when the test passes and libtest captures the test's output.
    let _ = writeln!(std::io::stderr(), "{summary}");
    assert_eq!(disagreements, 0, "{summary}");
}
