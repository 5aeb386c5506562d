//! `sctp-craft dissect -Y`: on every shared capture, each filter selects the
//! same frames as the equivalent filter of tshark's built-in SCTP dissector.
//! Frames where the built-in raised an exception (malformed, short,
//! unreassembled: it stops dissecting there) are left out on both sides.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// (ours, tshark's).
const PAIRS: &[(&str, &str)] = &[
    ("data", "sctp.chunk_type == 0"),
    // The built-in shares its DATA fields with I-DATA; the registry names them apart.
    (
        "(data.tsn > 100000 && data.e_bit == 1) || (i_data.tsn > 100000 && i_data.e_bit == 1)",
        "sctp.data_tsn_raw > 100000 && sctp.data_e_bit == 1",
    ),
    (
        "init.a_rwnd >= 65536 || init_ack",
        "sctp.init_credit >= 65536 || sctp.chunk_type == 2",
    ),
    (
        "sack.a_rwnd < 100000 && sack.cumulative_tsn_ack > 5",
        "sctp.sack_a_rwnd < 100000 && sctp.sack_cumulative_tsn_ack_raw > 5",
    ),
    (
        "vtag == 0 || chunk.type == 14",
        "sctp.verification_tag == 0 || sctp.chunk_type == 14",
    ),
    ("ipv4_address", "sctp.parameter_type == 5"),
    (
        "cause.code == 1 or cause.code == 0xd",
        "sctp.cause_code == 1 || sctp.cause_code == 13",
    ),
    (
        "!data && !(sack)",
        "sctp && !(sctp.chunk_type == 0) && !(sctp.chunk_type == 3)",
    ),
    ("src_port == 2905 || dst_port == 2905", "sctp.port == 2905"),
    (
        "heartbeat || heartbeat_ack",
        "sctp.chunk_type == 4 || sctp.chunk_type == 5",
    ),
];

fn frames(out: &[u8]) -> BTreeSet<u64> {
    String::from_utf8_lossy(out)
        .lines()
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect()
}

fn tshark(file: &Path, filter: &str) -> BTreeSet<u64> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .args([
            "-d",
            "udp.port==9899,sctp",
            "-o",
            "sctp.relative_tsns:FALSE",
        ])
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

/// Compares every pair on one capture; returns (pairs, frames selected).
fn compare_file(file: &Path) -> (usize, usize) {
    let broken = tshark(file, "_ws.malformed || _ws.short || _ws.unreassembled");
    let (mut compared, mut selected) = (0, 0);
    for (ours, theirs) in PAIRS {
        let out = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
            .args(["dissect", "-Y", ours])
            .arg(file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "-Y {ours}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mine: BTreeSet<u64> = frames(&out.stdout).difference(&broken).copied().collect();
        let want: BTreeSet<u64> = tshark(file, theirs).difference(&broken).copied().collect();
        assert_eq!(
            mine,
            want,
            "{}: -Y '{ours}' vs tshark -Y '{theirs}'",
            common::name(file)
        );
        compared += 1;
        selected += want.len();
    }
    (compared, selected)
}

#[test]
fn filters_select_the_same_frames_as_tshark() {
    let files = common::corpus_files();
    // Two at a time: each comparison is two single-threaded processes.
    let (a, b) = files.split_at(files.len() / 2);
    let run = |fs: &[std::path::PathBuf]| {
        fs.iter()
            .map(|f| compare_file(f))
            .fold((0, 0), |x, y| (x.0 + y.0, x.1 + y.1))
    };
    let ((c1, s1), (c2, s2)) = std::thread::scope(|sc| {
        let h = sc.spawn(|| run(a));
        let other = run(b);
        (h.join().expect("comparison thread"), other)
    });
    let (compared, selected) = (c1 + c2, s1 + s2);
    eprintln!(
        "display filters: {compared} (capture, filter) pairs, {selected} frames selected alike"
    );
    assert!(
        compared >= 300 && selected > 5_000,
        "{compared} pairs, {selected} frames"
    );
}

#[test]
fn bad_filters_say_where_and_why() {
    for (filter, want) in [
        (
            "data.tns > 4",
            "column 1: unknown field \"data.tns\"; did you mean data.tsn?",
        ),
        ("data &&", "column 8: expected a field name"),
        ("data.tsn > x1", "\"x1\" is not a number"),
        ("(data", "expected ')'"),
        ("data data", "column 6: expected '&&', '||' or the end"),
        ("data.tsn ~ 4", "column 10: unexpected '~'"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
            .args(["dissect", "-Y", filter])
            .arg(common::corpus_files().first().unwrap())
            .output()
            .unwrap();
        assert!(!out.status.success(), "{filter} was accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{filter}: {err}");
        assert!(out.stdout.is_empty(), "{filter}: printed before failing");
    }
}

/// Fields that identify a frame's bytes and time, as tshark reads them.
fn identity(file: &Path, filter: &str) -> Vec<String> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .args([
            "-o",
            "sctp.relative_tsns:FALSE",
            "-Y",
            filter,
            "-T",
            "fields",
        ])
        .args([
            "-e",
            "frame.time_epoch",
            "-e",
            "frame.len",
            "-e",
            "sctp.verification_tag",
        ])
        .args(["-e", "sctp.data_tsn_raw", "-e", "sctp.checksum"])
        .output()
        .expect("tshark is needed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(String::from)
        .collect()
}

/// `-w` writes the frames that were printed, link layer and time as read:
/// tshark sees in the written file exactly the frames its own equivalent
/// filter selects in the original.
#[test]
fn write_keeps_exactly_the_printed_frames() {
    let original = common::corpus_dir().join("pcapr-m3ua-map-multi-assoc.pcap");
    let out = std::env::temp_dir().join(format!("sctpkit-w-{}.pcap", std::process::id()));
    let printed = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .args([
            "dissect",
            "-Y",
            "data.payload_protocol_identifier == 3",
            "-w",
        ])
        .arg(&out)
        .arg(&original)
        .output()
        .unwrap();
    assert!(
        printed.status.success(),
        "{}",
        String::from_utf8_lossy(&printed.stderr)
    );
    let lines = String::from_utf8_lossy(&printed.stdout).lines().count();
    let written = identity(&out, "frame");
    let want = identity(&original, "sctp.data_payload_proto_id == 3");
    assert!(lines > 10, "only {lines} packets printed");
    assert_eq!(written.len(), lines, "one frame written per line printed");
    assert_eq!(written, want);

    // Nothing kept: still a capture tshark reads, with no packets.
    let none = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .args(["dissect", "-Y", "chunk.type == 250", "-w"])
        .arg(&out)
        .arg(&original)
        .output()
        .unwrap();
    assert!(none.status.success() && none.stdout.is_empty());
    assert!(identity(&out, "frame").is_empty());
    let tshark_ok = Command::new("tshark").arg("-r").arg(&out).output().unwrap();
    assert!(
        tshark_ok.status.success(),
        "{}",
        String::from_utf8_lossy(&tshark_ok.stderr)
    );
    std::fs::remove_file(&out).ok();

    // A file that cannot be created fails before anything is printed.
    let bad = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .args(["dissect", "-w", "/nonexistent-dir/x.pcap"])
        .arg(&original)
        .output()
        .unwrap();
    assert!(!bad.status.success() && bad.stdout.is_empty());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("/nonexistent-dir/x.pcap"));
}

/// Issue 15 item 12: a frame whose link layers are broken prints a `link
/// error` line under `-V`/`--lint`, but only when no display filter is
/// given: `-Y` selects SCTP packets, and such a frame is not one. And
/// `-c 0` is refused (as tshark does) instead of printing one packet.
#[test]
fn link_errors_follow_the_display_filter_and_c_0_is_refused() {
    let mut b =
        std::fs::read(common::corpus_dir().join("arkime-m3ua-m2ua-synthetic.pcap")).unwrap();
    // Frame 1 (Ethernet): its IPv4 header gets IHL 4.
    assert_eq!(b[24 + 16 + 14], 0x45);
    b[24 + 16 + 14] = 0x44;
    let f = std::env::temp_dir().join(format!("sctpkit-linkerr-{}.pcap", std::process::id()));
    std::fs::write(&f, &b).unwrap();
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
            .arg("dissect")
            .args(args)
            .arg(&f)
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (_, out, _) = run(&["--lint"]);
    assert!(out.starts_with("     1 link error: "), "{out}");
    for opt in ["--lint", "-V"] {
        let (code, out, err) = run(&[opt, "-Y", "cookie_ack"]);
        assert_eq!(code, Some(0), "{err}");
        assert!(
            !out.contains("link error"),
            "{opt} -Y printed a link error:\n{out}"
        );
        assert!(out.contains("COOKIE-ACK"), "{out}");
    }
    // With --json, the link error is a JSON line too.
    let (code, out, err) = run(&["--json", "--lint"]);
    assert_eq!(code, Some(0), "{err}");
    for l in out.lines() {
        let v: serde_json::Value =
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
        if v["frame"] == 1 {
            assert!(v["link_error"].as_str().unwrap().contains("IHL"), "{l}");
        }
    }
    let (code, out, err) = run(&["-c", "0"]);
    assert_ne!(code, Some(0), "-c 0 accepted: {out}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("-c"), "{err}");
    std::fs::remove_file(&f).ok();
}
