//! What `dissect` shows of a damaged packet (issue 15, items 13 and 14): a
//! partial decode keeps every fixed field and every TLV before the damage
//! and says where it stops, in the summary, `-V` and JSON, as tshark shows
//! them; a chunk whose Length runs past the packet, and every other
//! malformed chunk, is marked on the summary line without `--lint`.
//!
//! The damaged inputs are real captures of the shared corpus with one field
//! edited (checksum recomputed), written to temporary files.

use std::path::{Path, PathBuf};
use std::process::Command;

use sctp_codec::capture::CaptureReader;

mod common;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    common::scratch("dmg", name)
}

/// Where the SCTP packet starts in a frame (Ethernet or raw IPv4).
fn sctp_offset(link_type: u32, data: &[u8]) -> usize {
    let ip = match link_type {
        1 => 14,
        101 | 228 => 0,
        other => panic!("link type {other} not handled here"),
    };
    assert_eq!(data[ip] >> 4, 4, "IPv4 expected");
    assert_eq!(data[ip + 9], 132, "SCTP expected");
    ip + 4 * usize::from(data[ip] & 0x0f)
}

/// Writes frame `number` of corpus capture `corpus` to `out` (classic pcap)
/// after `edit` changed its SCTP packet, whose CRC32c is then recomputed.
fn edited(corpus: &str, number: u64, out: &Path, edit: impl Fn(&mut [u8])) -> PathBuf {
    let mut r = CaptureReader::open(&common::corpus_dir().join(corpus)).unwrap();
    let mut rec = None;
    while let Some(f) = r.next_frame() {
        let f = f.unwrap();
        if f.number == number {
            rec = Some((f.link_type, f.ts_sec, f.ts_nsec, f.data.to_vec()));
            break;
        }
    }
    let (link_type, sec, nsec, mut data) = rec.expect("no such frame");
    let at = sctp_offset(link_type, &data);
    edit(&mut data[at..]);
    let crc = sctp_codec::checksum::crc32c_field(&data[at..]);
    data[at + 8..at + 12].copy_from_slice(&crc.to_be_bytes());
    let mut w = sctp_codec::capture::PcapWriter::create(out, link_type).unwrap();
    w.write_packet(sec as u32, nsec / 1000, &data).unwrap();
    w.flush().unwrap();
    out.to_path_buf()
}

fn dissect(args: &[&str], file: &Path) -> String {
    let o = bin().arg("dissect").args(args).arg(file).output().unwrap();
    assert!(
        o.status.success(),
        "dissect {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// tshark's values of `names` for the only frame of `file`.
fn tshark_fields(file: &Path, names: &[&str]) -> Vec<String> {
    let mut c = Command::new("tshark");
    c.arg("-r").arg(file);
    c.args(["-o", "sctp.relative_tsns:FALSE", "-T", "fields"]);
    for n in names {
        c.args(["-e", n]);
    }
    let o = c.output().expect("tshark is needed");
    let s = String::from_utf8_lossy(&o.stdout);
    let line = s.lines().next().expect("tshark printed no frame");
    line.split('\t').map(String::from).collect()
}

fn json_chunk(file: &Path) -> serde_json::Value {
    let out = dissect(&["--json"], file);
    let v: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    v["chunks"][0].clone()
}

#[test]
fn an_init_ack_cut_short_keeps_its_fields_and_the_parameters_before_the_damage() {
    let dir = scratch("initack");
    // The State Cookie's Length (10) made 990: it runs past the chunk.
    let f = edited(
        "erlang-pkt-sctp-init-ack.pcap",
        1,
        &dir.join("initack-cut.pcap"),
        |s| {
            assert_eq!(&s[56..60], &[0, 7, 0, 10]);
            s[58..60].copy_from_slice(&990u16.to_be_bytes());
        },
    );
    let t = tshark_fields(
        &f,
        &[
            "sctp.initack_initiate_tag",
            "sctp.initack_credit",
            "sctp.initack_nr_out_streams",
            "sctp.initack_nr_in_streams",
            "sctp.initack_initial_tsn",
            "sctp.parameter_type",
            "_ws.malformed",
        ],
    );
    assert_eq!(t[..5], ["0x14a4814f", "65536", "10", "5", "1885860370"]);
    assert!(!t[6].is_empty(), "tshark does not call it malformed: {t:?}");
    let tshark_params: Vec<u64> = t[5]
        .split(',')
        .map(|p| u64::from_str_radix(p.trim_start_matches("0x"), 16).unwrap())
        .collect();
    // tshark also shows the damaged parameter's header (the 4th).
    assert_eq!(tshark_params, [5, 5, 5, 7]);

    let summary = dissect(&[], &f);
    assert!(
        summary.contains(
            "INIT-ACK(tag=0x14a4814f,a_rwnd=65536,os=10,is=5,tsn=1885860370,params=3)\
             [malformed: offset 56: bad param length 990 (20 bytes available)]"
        ),
        "{summary}"
    );

    let tree = dissect(&["-V"], &f);
    for want in [
        "initiate_tag: 346325327 (0x14a4814f)  @16",
        "a_rwnd: 65536 (0x00010000)  @20",
        "number_of_outbound_streams: 10 (0x000a)  @24",
        "number_of_inbound_streams: 5 (0x0005)  @26",
        "initial_tsn: 1885860370 (0x7067f212)  @28",
        "Parameter IPv4 Address (type 0x0005), length 8  @48",
        "ipv4_address: 192.168.2.2  @52",
        "!! malformed (20 bytes @56): offset 56: bad param length 990",
        "value: [20] 000703de15eb83c372c0000080000004c0000004  @56",
    ] {
        assert!(tree.contains(want), "-V lacks {want:?}:\n{tree}");
    }

    let c = json_chunk(&f);
    let tag = u64::from_str_radix(t[0].trim_start_matches("0x"), 16).unwrap();
    assert_eq!(c["name"], "INIT-ACK");
    assert_eq!(c["initiate_tag"], tag);
    assert_eq!(c["a_rwnd"].to_string(), t[1]);
    assert_eq!(c["number_of_outbound_streams"].to_string(), t[2]);
    assert_eq!(c["number_of_inbound_streams"].to_string(), t[3]);
    assert_eq!(c["initial_tsn"].to_string(), t[4]);
    let ours: Vec<u64> = c["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["type"].as_u64().unwrap())
        .collect();
    assert_eq!(ours, tshark_params[..3]);
    assert_eq!(c["malformed"]["offset"], 56, "{c}");
    assert_eq!(c["malformed"]["length"], 20, "{c}");
    assert!(
        c["malformed"]["error"]
            .as_str()
            .unwrap()
            .contains("bad param length 990"),
        "{c}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_sack_with_an_impossible_gap_count_keeps_its_cumulative_ack_and_window() {
    let dir = scratch("sack");
    // 300 gap ack blocks announced, none present.
    let f = edited(
        "erlang-pkt-sctp-sack.pcap",
        1,
        &dir.join("sack.pcap"),
        |s| {
            assert_eq!(&s[12..16], &[3, 0, 0, 16]);
            s[24..26].copy_from_slice(&300u16.to_be_bytes());
        },
    );
    let t = tshark_fields(
        &f,
        &[
            "sctp.sack_cumulative_tsn_ack_raw",
            "sctp.sack_a_rwnd",
            "sctp.sack_number_of_gap_blocks",
            "_ws.malformed",
        ],
    );
    assert_eq!(t[..3], ["19012793", "65530", "300"]);
    assert!(!t[3].is_empty(), "tshark does not call it malformed: {t:?}");
    let summary = dissect(&[], &f);
    assert!(
        summary.contains(
            "SACK(cum_ack=19012793,a_rwnd=65530,gaps=300,dups=0)[malformed: offset 16: \
             gap ack block count 300 disagrees with the bytes present]"
        ),
        "{summary}"
    );
    let tree = dissect(&["-V"], &f);
    for want in [
        "cumulative_tsn_ack: 19012793 (0x01221cb9)  @16",
        "a_rwnd: 65530 (0x0000fffa)  @20",
        "number_of_gap_ack_blocks: 300 (0x012c)  @24",
        "!! malformed (0 bytes @28)",
    ] {
        assert!(tree.contains(want), "-V lacks {want:?}:\n{tree}");
    }
    let c = json_chunk(&f);
    assert_eq!(c["cumulative_tsn_ack"].to_string(), t[0]);
    assert_eq!(c["a_rwnd"].to_string(), t[1]);
    assert_eq!(c["number_of_gap_ack_blocks"].to_string(), t[2]);
    assert_eq!(c["malformed"]["offset"], 28, "{c}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_chunk_length_past_the_end_of_the_packet_is_marked_without_lint() {
    // The issue's frame: DATA whose Length says 48,233 in a 475-byte frame.
    let f = common::corpus_dir().join("usrsctp-fuzz-connect-seeds.pcap");
    // The summary alone (the view's path) and with -V (the typed packet's).
    for args in [&[][..], &["-V"][..]] {
        let out = dissect(args, &f);
        let line = out
            .lines()
            .find(|l| l.contains("tsn=3262493696"))
            .expect("frame 31");
        assert!(
            line.ends_with(
                "DATA(tsn=3262493696,sid=512,ssn=0,ppid=168296606,len=427,E)\
                 [malformed: offset 12: bad chunk length 48233 (443 bytes available)]"
            ),
            "{args:?}: {line}"
        );
    }
    // The same made from a well-formed 466-byte DATA frame.
    let dir = scratch("overrun");
    let f = edited(
        "wireshark-wiki-sctp-www-http.cap",
        5,
        &dir.join("overrun.pcap"),
        |s| {
            assert_eq!(s[12], 0, "DATA");
            s[14..16].copy_from_slice(&48233u16.to_be_bytes());
        },
    );
    let t = tshark_fields(&f, &["sctp.chunk_length", "_ws.expert.message"]);
    assert_eq!(t[0], "48233");
    assert!(
        t[1].contains("Chunk length (48233) is longer than remaining data (420)"),
        "{t:?}"
    );
    let out = dissect(&[], &f);
    let line = out.lines().next().unwrap();
    assert!(
        line.contains("DATA(tsn=")
            && line
                .ends_with("[malformed: offset 12: bad chunk length 48233 (420 bytes available)]"),
        "{line}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Frames tshark reports as "[Malformed Packet: SCTP]", by capture.
fn tshark_sctp_malformed(file: &Path) -> Vec<u64> {
    let o = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .args([
            "-o",
            "sctp.checksum:CRC-32C",
            "-Y",
            "_ws.malformed",
            "-T",
            "pdml",
        ])
        .output()
        .expect("tshark is needed");
    let pdml = String::from_utf8_lossy(&o.stdout);
    let mut frames = Vec::new();
    for p in pdml.split("<packet>").skip(1) {
        // PKTDROP: the built-in dissects the dropped packet inside it as an
        // SCTP packet and throws when it is shorter than a common header
        // (fuzz input: 1 byte); the PKTDROP chunk itself is well formed.
        if !p.contains("showname=\"[Malformed Packet: SCTP]\"")
            || p.contains("name=\"sctp.chunk_type\" showname=\"Chunk type: PKTDROP")
        {
            continue;
        }
        let n = p
            .split("name=\"frame.number\"")
            .nth(1)
            .and_then(|s| s.split("show=\"").nth(1))
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .expect("frame number");
        frames.push(n);
    }
    frames
}

#[test]
fn every_frame_tshark_calls_malformed_sctp_is_marked_on_the_summary_line() {
    let mut checked = 0;
    let mut missed = Vec::new();
    for file in common::corpus_files() {
        let bad = tshark_sctp_malformed(&file);
        if bad.is_empty() {
            continue;
        }
        let out = dissect(&[], &file);
        for n in bad {
            checked += 1;
            let line = out
                .lines()
                .find(|l| l.split_whitespace().next() == Some(&n.to_string()))
                .unwrap_or("");
            if !line.contains("malformed") && !line.contains("SCTP error") {
                missed.push(format!("{} frame {n}: {line}", common::name(&file)));
            }
        }
    }
    assert!(checked >= 40, "only {checked} frames");
    assert!(missed.is_empty(), "not marked:\n{}", missed.join("\n"));
}
