//! The display-filter language of `sctp-craft dissect -Y` as a tshark user
//! meets it (issue 15, items 8 to 11): values of the wrong type are errors
//! naming the field's type; the names of the summary line, chunk names in any
//! case and unambiguous prefixes are accepted; parameters and causes compare
//! their main field; checksum status, frame number, time, `contains`, CIDR
//! networks, byte strings and `in {...}` sets exist. Where a filter selects
//! frames, tshark's built-in dissector selects the same frames with its own
//! equivalent filter (frames it could not dissect whole are left out).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn frames(out: &[u8]) -> BTreeSet<u64> {
    String::from_utf8_lossy(out)
        .lines()
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect()
}

/// tshark's frame numbers for `filter`, with `prefs` (`-o` values).
fn tshark(file: &Path, filter: &str, prefs: &[&str]) -> BTreeSet<u64> {
    let mut c = Command::new("tshark");
    c.arg("-r").arg(file).args([
        "-d",
        "udp.port==9899,sctp",
        "-o",
        "sctp.relative_tsns:FALSE",
    ]);
    for p in prefs {
        c.args(["-o", p]);
    }
    let out = c
        .args(["-Y", filter, "-T", "fields", "-e", "frame.number"])
        .output()
        .expect("tshark is needed (scripts/install-deps.sh)");
    assert!(
        out.status.success(),
        "tshark -Y {filter}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    frames(&out.stdout)
}

/// Our frame numbers for `filter`, or the error text.
fn ours(file: &Path, filter: &str, args: &[&str]) -> Result<BTreeSet<u64>, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .arg("dissect")
        .args(args)
        .args(["-Y", filter])
        .arg(file)
        .output()
        .unwrap();
    if out.status.success() {
        Ok(frames(&out.stdout))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn capture(name: &str) -> PathBuf {
    common::corpus_dir().join(name)
}

/// One comparison: our filter, tshark's, the captures it runs on.
struct Pair {
    ours: &'static str,
    theirs: &'static str,
    files: &'static [&'static str],
}

/// Every pair selects the same frames as tshark on each of its captures,
/// and each pair selects something somewhere (else it proves nothing).
fn agree(pairs: &[Pair], our_args: &[&str], prefs: &[&str]) {
    let mut broken: BTreeMap<&str, BTreeSet<u64>> = BTreeMap::new();
    for p in pairs {
        let mut selected = 0;
        for f in p.files {
            let file = capture(f);
            let broken = broken.entry(f).or_insert_with(|| {
                tshark(
                    &file,
                    "_ws.malformed || _ws.short || _ws.unreassembled",
                    prefs,
                )
            });
            let mine = ours(&file, p.ours, our_args)
                .unwrap_or_else(|e| panic!("-Y {:?} refused: {e}", p.ours));
            let mine: BTreeSet<u64> = mine.difference(broken).copied().collect();
            let want: BTreeSet<u64> = tshark(&file, p.theirs, prefs)
                .difference(broken)
                .copied()
                .collect();
            assert_eq!(
                mine, want,
                "{f}: -Y '{}' vs tshark -Y '{}'",
                p.ours, p.theirs
            );
            selected += want.len();
        }
        assert!(
            selected > 0,
            "-Y {:?} selects nothing on {:?}",
            p.ours,
            p.files
        );
    }
}

/// The error `sctp-craft dissect -Y filter` fails with (it must fail,
/// before printing anything).
fn refused(filter: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .args(["dissect", "-Y", filter])
        .arg(capture("wireshark-wiki-sctp-test-handshake-data.cap"))
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "-Y {filter:?} was accepted:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        out.stdout.is_empty(),
        "-Y {filter:?} printed before failing"
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Item 8: a value that is not of the field's type is refused, naming the
/// field, its type and the value (tshark: `"192.168.0.1" is not a valid
/// number`, `sctp.data_tsn (type=Unsigned integer (4 bytes)) cannot
/// participate in contains comparison`).
#[test]
fn type_mismatches_are_errors_naming_the_field_type() {
    for (filter, want) in [
        (
            "data.tsn == 192.168.0.1",
            &[
                "column 13",
                "data.tsn",
                "unsigned integer (32 bits)",
                "\"192.168.0.1\"",
            ][..],
        ),
        (
            "vtag == 10.0.0.1",
            &["vtag", "unsigned integer (32 bits)", "\"10.0.0.1\""],
        ),
        ("src == 5", &["column 8", "src", "IP address", "\"5\""]),
        ("data == 5", &["data", "chunk", "data.tsn"]),
        (
            "data.tsn contains 5",
            &["data.tsn", "unsigned integer", "contains"],
        ),
        ("data.user_data == 5", &["data.user_data", "bytes", "\"5\""]),
        (
            "data.tsn == \"x\"",
            &["data.tsn", "unsigned integer (32 bits)"],
        ),
        (
            "src_port == 70000",
            &["src_port", "unsigned integer (16 bits)", "65535"],
        ),
        (
            "data.e_bit == 2",
            &["data.e_bit", "unsigned integer (1 bit)", "1"],
        ),
        (
            "checksum.status == fine",
            &["checksum.status", "good", "bad"],
        ),
        (
            "frame.time_relative > soon",
            &["frame.time_relative", "seconds"],
        ),
        ("chunk == 1", &["chunk", "chunk.type"]),
        ("src < 10.0.0.0/8", &["src", "network", "=="]),
    ] {
        let err = refused(filter);
        for w in want {
            assert!(err.contains(w), "-Y {filter:?}: no {w:?} in: {err}");
        }
    }
}

/// Item 9: the summary line's names (`DATA(tsn=..,sid=..,ssn=..,ppid=..)`,
/// `SACK(cum_ack=..,gaps=..,dups=..)`, `INIT(tag=..,os=..,is=..)`), chunk
/// names as the summary prints them, and unambiguous prefixes select what
/// tshark's fields select.
#[test]
fn summary_names_chunk_names_and_prefixes_select_what_tshark_selects() {
    const ALL: &[&str] = &[
        "wireshark-wiki-sctp-test-handshake-data.cap",
        "wireshark-wiki-sctp-www-http.cap",
        "pcapr-m3ua-map-multi-assoc.pcap",
        "tcpdump-forces3.pcap",
        "usrsctp-fuzz-connect-seeds.pcap",
        "pkts-sctp001-iperf3.pcap",
        "wireshark-wiki-sctp-init-collision.cap",
        "aiortc-sctp-test-vectors.pcap",
        "usrsctp-fuzz-fragment-seeds.pcap",
    ];
    agree(
        &[
            Pair {
                ours: "sack.cum_ack > 5 && sack.a_rwnd < 100000",
                theirs: "sctp.sack_cumulative_tsn_ack_raw > 5 && sctp.sack_a_rwnd < 100000",
                files: ALL,
            },
            Pair {
                ours: "data.ppid == 3",
                theirs: "sctp.data_payload_proto_id == 3",
                files: ALL,
            },
            Pair {
                ours: "sack.gaps > 0",
                theirs: "sctp.sack_number_of_gap_blocks > 0",
                files: ALL,
            },
            Pair {
                ours: "sack.dups >= 1",
                theirs: "sctp.sack_number_of_duplicated_tsns >= 1",
                files: ALL,
            },
            Pair {
                ours: "init.tag > 0x80000000 || INIT-ACK.os == 10",
                theirs: "sctp.init_initiate_tag > 0x80000000 || sctp.initack_nr_out_streams == 10",
                files: ALL,
            },
            Pair {
                ours: "data.ssn == 0 && data.sid == 1",
                theirs: "sctp.data_ssn == 0 && sctp.data_sid == 1",
                files: ALL,
            },
            Pair {
                ours: "SACK",
                theirs: "sctp.chunk_type == 3",
                files: ALL,
            },
            Pair {
                ours: "shutdown-complete || Heartbeat_Ack",
                theirs: "sctp.chunk_type == 14 || sctp.chunk_type == 5",
                files: ALL,
            },
            Pair {
                ours: "data.stream_id == 1 || init.initiate < 100000",
                theirs: "sctp.data_sid == 1 || sctp.init_initiate_tag < 100000",
                files: ALL,
            },
            Pair {
                ours: "sport == 2905 || port == 7",
                theirs: "sctp.srcport == 2905 || sctp.port == 7",
                files: ALL,
            },
        ],
        &[],
        &[],
    );
}

/// Item 9: a name we do not know is answered with the field it most likely
/// means: by the meaning of its words (initials, word prefixes, tshark's
/// spelling of the same field) before spelling distance; an ambiguous prefix
/// lists its candidates.
#[test]
fn suggestions_rank_meaning_before_spelling() {
    for (filter, want) in [
        ("sack.cum_tsn > 5", "did you mean sack.cumulative_tsn_ack"),
        (
            "data.seq_num == 1",
            "did you mean data.stream_sequence_number",
        ),
        ("sctp.data_tsn == 1", "did you mean data.tsn"),
        ("ip.src == 10.0.0.1", "did you mean src"),
        ("sctp.chunk_type == 0", "did you mean chunk.type"),
        ("frme == 5", "did you mean frame"),
        ("data.tns > 4", "did you mean data.tsn"),
        (
            "data.stream == 1",
            "ambiguous: data.stream_identifier, data.stream_sequence_number",
        ),
    ] {
        let err = refused(filter);
        assert!(err.contains(want), "-Y {filter:?}: {err}");
        assert!(!err.contains("param?"), "-Y {filter:?}: {err}");
    }
    // What the summary line calls ssn is a name, not a typo of tsn.
    let f = capture("wireshark-wiki-sctp-test-handshake-data.cap");
    assert!(ours(&f, "data.ssn == 0", &[]).is_ok_and(|s| !s.is_empty()));
    assert!(ours(&f, "frame == 5", &[]).is_ok_and(|s| s == BTreeSet::from([5])));
}

/// Item 10: a parameter or cause used as a value compares its main field
/// (an address parameter its address; ADD IP ADDRESS its address parameter);
/// lists hold when they have elements and compare their elements (scalar
/// lists) or their count (lists of parameters and records).
#[test]
fn parameters_and_lists_compare_their_main_field() {
    const ADDR: &[&str] = &[
        "erlang-pkt-sctp-init.pcap",
        "erlang-pkt-sctp-init-ack.pcap",
        "pkts-sctp001-iperf3.pcap",
        "suricata-verify-sctp-keywords-m3ua.pcap",
        "wireshark-wiki-sctp-www-http.cap",
        "usrsctp-fuzz-connect-seeds.pcap",
    ];
    const FUZZ: &[&str] = &[
        "usrsctp-fuzz-connect-seeds.pcap",
        "usrsctp-fuzz-crashers-clusterfuzz.pcap",
    ];
    const ALL: &[&str] = &[
        "wireshark-wiki-sctp-test-handshake-data.cap",
        "wireshark-wiki-sctp-www-http.cap",
        "tcpdump-forces3.pcap",
        "usrsctp-fuzz-connect-seeds.pcap",
        "usrsctp-fuzz-fragment-seeds.pcap",
        "pkts-sctp001-iperf3.pcap",
        "erlang-pkt-sctp-sack.pcap",
        "aiortc-sctp-test-vectors.pcap",
    ];
    agree(
        &[
            Pair {
                ours: "ipv4_address == 192.168.1.102 || ipv4_address == 155.230.24.156 || ipv4_address == 88.82.6.182",
                theirs: "sctp.parameter_ipv4_address == 192.168.1.102 || sctp.parameter_ipv4_address == 155.230.24.156 || sctp.parameter_ipv4_address == 88.82.6.182",
                files: ADDR,
            },
            Pair {
                ours: "ipv6_address == fe80::a1d4:26c9:8ed0:30ba",
                theirs: "sctp.parameter_ipv6_address == fe80::a1d4:26c9:8ed0:30ba",
                files: ADDR,
            },
            Pair {
                ours: "init.params",
                theirs: "sctp.chunk_type == 1 && sctp.parameter_type",
                files: ALL,
            },
            Pair {
                ours: "asconf.params",
                theirs: "sctp.chunk_type == 193 && sctp.parameter_type",
                files: FUZZ,
            },
            Pair {
                ours: "add_ip_address.address == 127.1.1.1",
                theirs: "sctp.parameter_type == 0xc001 && sctp.parameter_ipv4_address == 127.1.1.1",
                files: FUZZ,
            },
            Pair {
                ours: "delete_ip_address == 127.1.1.1",
                theirs: "sctp.parameter_type == 0xc002 && sctp.parameter_ipv4_address == 127.1.1.1",
                files: FUZZ,
            },
            Pair {
                ours: "asconf.params == 127.1.1.1",
                theirs: "sctp.chunk_type == 193 && sctp.parameter_ipv4_address == 127.1.1.1",
                files: FUZZ,
            },
            Pair {
                ours: "sack.duplicate_tsns",
                theirs: "sctp.sack_duplicate_tsn",
                files: ALL,
            },
            Pair {
                ours: "sack.gap_ack_blocks && !(sack.gap_ack_blocks == 1)",
                theirs: "sctp.sack_number_of_gap_blocks > 1",
                files: ALL,
            },
            Pair {
                ours: "supported_address_types.address_types == 6 || supported_address_types.address_types == 5 && init.os < 1000",
                theirs: "sctp.parameter_supported_address_type == 6 || sctp.parameter_supported_address_type == 5 && sctp.init_nr_out_streams < 1000",
                files: ALL,
            },
        ],
        &[],
        &[],
    );
    // The values of a list of scalars are its elements.
    let dup = tshark(
        &capture("usrsctp-fuzz-connect-seeds.pcap"),
        "sctp.sack_duplicate_tsn",
        &[],
    );
    let f = capture("usrsctp-fuzz-connect-seeds.pcap");
    if let Some(first) = dup.iter().next() {
        let out = Command::new("tshark")
            .arg("-r")
            .arg(&f)
            .args(["-Y", &format!("frame.number == {first}")])
            .args(["-T", "fields", "-e", "sctp.sack_duplicate_tsn"])
            .output()
            .unwrap();
        let v = String::from_utf8_lossy(&out.stdout);
        let tsn = v.trim().split(',').next().unwrap().to_string();
        let mine = ours(&f, &format!("sack.duplicate_tsns == {tsn}"), &[]).unwrap();
        assert!(
            mine.contains(first),
            "sack.duplicate_tsns == {tsn}: {mine:?}"
        );
    }
}

/// Item 11: checksum status, frame number, time, CIDR networks, `in` sets.
#[test]
fn checksum_frame_time_networks_and_sets_select_what_tshark_selects() {
    const ALL: &[&str] = &[
        "wireshark-wiki-sctp-www-http.cap",
        "wireshark-wiki-sctp-megaco.cap",
        "pkts-sctp001-iperf3.pcap",
        "tcpdump-m3ua-isup.pcap",
        "tcpdump-forces1.pcap",
        "usrsctp-fuzz-connect-seeds.pcap",
        "erlang-pkt-sctp-sack.pcap",
        "erlang-pkt-sctp-init.pcap",
        "pcapr-m3ua-map-multi-assoc.pcap",
        "arkime-m3ua-m2ua-synthetic.pcap",
    ];
    agree(
        &[
            Pair {
                ours: "checksum.status != good",
                theirs: "sctp.checksum.status == 0",
                files: ALL,
            },
            Pair {
                ours: "checksum.status == good && data",
                theirs: "sctp.checksum.status == 1 && sctp.chunk_type == 0",
                files: ALL,
            },
        ],
        &["--checksum", "crc32c"],
        &["sctp.checksum:CRC-32C"],
    );
    agree(
        &[
            Pair {
                ours: "frame == 5 || (frame >= 10 && frame.number <= 12)",
                theirs: "frame.number == 5 || (frame.number >= 10 && frame.number <= 12)",
                files: ALL,
            },
            Pair {
                ours: "frame.time_relative > 7.25",
                theirs: "frame.time_relative > 7.25",
                files: ALL,
            },
            Pair {
                ours: "frame.time_epoch >= 1137034850.5",
                theirs: "frame.time_epoch >= 1137034850.5",
                files: ALL,
            },
            Pair {
                ours: "frame.time_delta > 0.5 || frame.time_delta < 0.0001",
                theirs: "frame.time_delta > 0.5 || frame.time_delta < 0.0001",
                files: ALL,
            },
            Pair {
                ours: "src == 192.168.0.0/16 || dst == 10.0.0.0/8",
                theirs: "ip.src == 192.168.0.0/16 || ip.dst == 10.0.0.0/8",
                files: ALL,
            },
            Pair {
                ours: "addr == 155.230.24.0/24 && !(src == 155.230.24.155)",
                theirs: "ip.addr == 155.230.24.0/24 && !(ip.src == 155.230.24.155)",
                files: ALL,
            },
            Pair {
                ours: "data.tsn in {1560164255, 1560164256, 10..20}",
                theirs: "sctp.data_tsn_raw in {1560164255, 1560164256, 10..20}",
                files: &[
                    "wireshark-wiki-sctp-test-handshake-data.cap",
                    "tcpdump-forces1.pcap",
                ],
            },
            Pair {
                ours: "src_port in {2905 7} || chunk.type in {sack, 4}",
                theirs: "sctp.srcport in {2905, 7} || sctp.chunk_type in {3, 4}",
                files: ALL,
            },
        ],
        &[],
        &[],
    );
}

/// Item 11: `contains` and byte strings, against tshark's view of the same
/// user data (upper-layer dissection off, so that it is `data.data`), on the
/// captures where every DATA chunk's user data is whole in `data.data`.
#[test]
fn contains_and_byte_strings_select_what_tshark_selects() {
    let prefs = ["sctp.ulp_dissection:FALSE", "sctp.reassembly:FALSE"];
    let files: Vec<&str> = [
        "wireshark-wiki-sctp-test-handshake-data.cap",
        "pcapr-m3ua-map-multi-assoc.pcap",
        "tcpdump-m3ua-isup.pcap",
        "suricata-verify-sctp-keywords-m3ua.pcap",
        "tcpdump-forces3.pcap",
        "arkime-diameter-synthetic.pcap",
    ]
    .into_iter()
    .filter(|f| tshark(&capture(f), "sctp.chunk_type == 0 && !data", &prefs).is_empty())
    .collect();
    assert!(files.len() >= 4, "{files:?}");
    let files: &'static [&'static str] = Box::leak(files.into_boxed_slice());
    agree(
        &[
            Pair {
                ours: "data.user_data contains 01:00:01:01",
                theirs: "data.data contains 01:00:01:01",
                files,
            },
            Pair {
                ours: "data.user_data contains 02-10",
                theirs: "data.data contains 02:10",
                files,
            },
            Pair {
                ours: "data.user_data contains \"\\x01\\x00\\x03\"",
                theirs: "data.data contains 01:00:03",
                files,
            },
        ],
        &[],
        &prefs,
    );
}

/// The chunks of a summary line: `(NAME, [(key, value)])` for the `key=N`
/// items inside each chunk's parentheses.
fn summary_items(line: &str) -> Vec<(String, Vec<(String, u64)>)> {
    let Some((_, chunks)) = line.split_once(" vtag=0x") else {
        return Vec::new();
    };
    let chunks = &chunks[9..];
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    let b = chunks.as_bytes();
    for i in 0..=b.len() {
        match b.get(i) {
            Some(b'(' | b'[') => depth += 1,
            Some(b')' | b']') => depth -= 1,
            Some(b',') if depth == 0 => {}
            Some(_) => continue,
            None => {}
        }
        if b.get(i).is_some_and(|c| *c != b',') || depth != 0 {
            continue;
        }
        let item = chunks[start..i].trim();
        start = i + 1;
        let name: String = item
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        let kv = item
            .split_once('(')
            .map(|(_, r)| r.trim_end_matches(')'))
            .unwrap_or("")
            .split(',')
            .filter_map(|p| {
                let (k, v) = p.split_once('=')?;
                // `ppid=51(WebRTC-String)`: the number, not its name.
                let v = v.split('(').next()?;
                let v = match v.strip_prefix("0x") {
                    Some(h) => u64::from_str_radix(h, 16).ok()?,
                    None => v.parse().ok()?,
                };
                Some((k.to_string(), v))
            })
            .collect();
        out.push((name, kv));
    }
    out
}

/// Item 9, kept in step with the summary line: every `key=value` the
/// summary prints for a chunk, written as the filter `NAME.key == value`
/// with NAME as printed (`INIT-ACK.os == 10`), selects the frame it was
/// printed for. (A consistency check between our two outputs; the tshark
/// comparisons above check what the names mean.)
#[test]
fn every_summary_name_selects_its_own_frame() {
    let mut seen = BTreeSet::new();
    for f in [
        "usrsctp-fuzz-connect-seeds.pcap",
        "usrsctp-fuzz-fragment-seeds.pcap",
        "aiortc-sctp-test-vectors.pcap",
        "wireshark-wiki-sctp-test-handshake-data.cap",
        "wireshark-wiki-sctp-init-collision.cap",
    ] {
        let file = capture(f);
        let out = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
            .arg("dissect")
            .arg(&file)
            .output()
            .unwrap();
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            if line.contains("malformed") || line.contains('[') {
                continue;
            }
            let frame: u64 = line.split_whitespace().next().unwrap().parse().unwrap();
            for (name, kv) in summary_items(line) {
                for (k, v) in kv {
                    if !seen.insert((name.clone(), k.clone())) {
                        continue;
                    }
                    let filter = format!("{name}.{k} == {v}");
                    let got = ours(&file, &filter, &[])
                        .unwrap_or_else(|e| panic!("{f} frame {frame}: -Y {filter:?}: {e}"));
                    assert!(
                        got.contains(&frame),
                        "{f}: -Y {filter:?} left out frame {frame}"
                    );
                }
            }
        }
    }
    assert!(
        seen.len() >= 30,
        "only {} summary names seen: {seen:?}",
        seen.len()
    );
}
