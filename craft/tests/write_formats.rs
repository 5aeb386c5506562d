//! `dissect -w`: pcap for one link type, pcapng when the input mixes several
//! (or with `-F pcapng`), and never a partial file after an error. What was
//! written is read back by tshark, not by our own reader.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{listing, stderr};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
}

fn scratch(name: &str) -> PathBuf {
    common::scratch("wf", name)
}

/// `sctp-craft dissect -q EXTRA -w OUT INPUT`.
fn write(extra: &[&str], out: &Path, input: &Path) -> Output {
    bin()
        .args(["dissect", "-q"])
        .args(extra)
        .arg("-w")
        .arg(out)
        .arg(input)
        .output()
        .unwrap()
}

/// A capture with two link types: the Ethernet frames of one corpus file
/// then the Linux-cooked frames of another, joined by Wireshark's mergecap.
fn mixed_capture(dir: &Path) -> PathBuf {
    let out = dir.join("mixed.pcapng");
    let o = Command::new("mergecap")
        .arg("-a")
        .arg("-w")
        .arg(&out)
        .arg(common::corpus_dir().join("pcapr-m3ua-map-multi-assoc.pcap"))
        .arg(common::corpus_dir().join("tcpdump-forces1.pcap"))
        .output()
        .expect("mergecap (wireshark-common) is needed");
    assert!(o.status.success(), "{}", stderr(&o));
    out
}

/// What tshark sees of the SCTP frames of `file` (all frames with `filter`
/// None): link type, time, lengths, addresses and SCTP header.
fn tshark_rows(file: &Path, filter: Option<&str>) -> Vec<String> {
    let mut c = Command::new("tshark");
    c.arg("-r").arg(file).args(["-T", "fields"]);
    if let Some(f) = filter {
        c.args(["-Y", f]);
    }
    for f in [
        "frame.encap_type",
        "frame.time_epoch",
        "frame.len",
        "frame.cap_len",
        "ip.src",
        "ipv6.src",
        "sctp.srcport",
        "sctp.verification_tag",
        "sctp.checksum",
    ] {
        c.args(["-e", f]);
    }
    let o = c.output().expect("tshark is needed");
    assert!(
        o.status.success(),
        "tshark -r {}: {}",
        file.display(),
        stderr(&o)
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(String::from)
        .collect()
}

/// Equal row lists, reported by count and first difference (not dumped).
#[track_caller]
fn same_rows(got: &[String], want: &[String]) {
    assert_eq!(
        got.len(),
        want.len(),
        "frames written vs tshark's SCTP frames"
    );
    if let Some(i) = (0..got.len()).find(|&i| got[i] != want[i]) {
        panic!("row {i}: written {:?}, want {:?}", got[i], want[i]);
    }
}

fn magic(file: &Path) -> [u8; 4] {
    let b = std::fs::read(file).unwrap();
    [b[0], b[1], b[2], b[3]]
}

const PCAPNG: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];
const PCAP_LE: [u8; 4] = [0xd4, 0xc3, 0xb2, 0xa1];

#[test]
fn w_writes_pcapng_when_the_input_mixes_link_types() {
    let dir = scratch("mixed");
    let input = mixed_capture(&dir);
    let want = tshark_rows(&input, Some("sctp"));
    let encaps: std::collections::BTreeSet<&str> =
        want.iter().map(|r| r.split('\t').next().unwrap()).collect();
    assert_eq!(
        encaps.len(),
        2,
        "the input mixes two link types: {encaps:?}"
    );
    let out = dir.join("out.pcap");
    let o = write(&[], &out, &input);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("pcapng"), "says why: {}", stderr(&o));
    assert_eq!(magic(&out), PCAPNG);
    same_rows(&tshark_rows(&out, None), &want);
    assert_eq!(listing(&dir), ["mixed.pcapng", "out.pcap"]);

    // One link type on two interfaces, microseconds then nanoseconds: a
    // nanosecond pcap, every time exact.
    let usns = dir.join("usns.pcapng");
    let o = Command::new("mergecap")
        .arg("-a")
        .arg("-w")
        .arg(&usns)
        .arg(common::corpus_dir().join("pcapr-s1ap-volte-iphone6-sll.pcap"))
        .arg(common::corpus_dir().join("netperfmeter-multi-sll.pcapng.gz"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let o = write(&[], &out, &usns);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(magic(&out), [0x4d, 0x3c, 0xb2, 0xa1], "nanosecond pcap");
    same_rows(&tshark_rows(&out, None), &tshark_rows(&usns, Some("sctp")));
    std::fs::remove_file(&usns).unwrap();

    // -F pcapng asks for it on a single link type too.
    let single = common::corpus_dir().join("pcapr-m3ua-map-single.pcap");
    let o = write(&["-F", "pcapng"], &out, &single);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(magic(&out), PCAPNG);
    same_rows(
        &tshark_rows(&out, None),
        &tshark_rows(&single, Some("sctp")),
    );
    // One link type and no -F (or -F pcap): pcap, as before.
    for f in [&[][..], &["-F", "pcap"][..]] {
        let o = write(f, &out, &single);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(magic(&out), PCAP_LE);
        same_rows(
            &tshark_rows(&out, None),
            &tshark_rows(&single, Some("sctp")),
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn w_never_leaves_a_partial_file_after_an_error() {
    let dir = scratch("partial");
    let input = mixed_capture(&dir);
    let out = dir.join("out.pcap");
    // -F pcap on two link types: an error, and no file at all.
    let o = write(&["-F", "pcap"], &out, &input);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("-F pcapng"), "{}", stderr(&o));
    assert_eq!(
        listing(&dir),
        ["mixed.pcapng"],
        "no partial or temporary file"
    );
    // The same over an existing file: it keeps what it held.
    let held = b"what the user had".to_vec();
    std::fs::write(&out, &held).unwrap();
    let o = write(&["-F", "pcap"], &out, &input);
    assert!(!o.status.success());
    assert_eq!(std::fs::read(&out).unwrap(), held);
    assert_eq!(listing(&dir), ["mixed.pcapng", "out.pcap"]);
    // An input broken part-way: the output is not replaced by a part of it.
    let cut = dir.join("cut.pcap");
    let mut b =
        std::fs::read(common::corpus_dir().join("pcapr-m3ua-map-multi-assoc.pcap")).unwrap();
    b.truncate(b.len() - 7);
    std::fs::write(&cut, &b).unwrap();
    let o = write(&[], &out, &cut);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("not written"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&out).unwrap(), held);
    assert_eq!(listing(&dir), ["cut.pcap", "mixed.pcapng", "out.pcap"]);
    // A symlink as the output stays a symlink; its target gets the capture.
    let target = dir.join("target.pcap");
    std::fs::write(&target, &held).unwrap();
    let link = dir.join("link.pcap");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let single = common::corpus_dir().join("pcapr-m3ua-map-single.pcap");
    let o = write(&[], &link, &single);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    same_rows(
        &tshark_rows(&target, None),
        &tshark_rows(&single, Some("sctp")),
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn w_keeps_writing_when_stdout_goes_away() {
    // `dissect -w OUT IN | head -1`: the file is whole even though the
    // printing stopped.
    let dir = scratch("pipe");
    // 16,300 packets: far more text than a pipe buffer holds.
    let input = common::corpus_dir().join("netperfmeter-multi-sll.pcapng.gz");
    let out = dir.join("out.pcap");
    let sh = format!(
        "{} dissect --threads 1 -w {} {} | head -1 >/dev/null; exit ${{PIPESTATUS[0]}}",
        env!("CARGO_BIN_EXE_sctp-craft"),
        out.display(),
        input.display()
    );
    let o = Command::new("bash").args(["-c", &sh]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    same_rows(&tshark_rows(&out, None), &tshark_rows(&input, Some("sctp")));
    std::fs::remove_dir_all(&dir).ok();
}

/// `-w -` (and `-w /dev/stdout`, a FIFO, a character device) writes the
/// capture as a stream: pcapng unless `-F pcap`, since what was written
/// cannot be rewritten; with `-w -` the text needs `-q`.
#[test]
fn w_to_a_pipe_streams_the_capture() {
    let dir = scratch("pipe-out");
    let input = mixed_capture(&dir);
    let want = tshark_rows(&input, Some("sctp"));
    for target in ["-", "/dev/stdout"] {
        let out = dir.join("piped.bin");
        let sh = format!(
            "set -o pipefail; {} dissect -q -w {target} {} | cat > {}",
            env!("CARGO_BIN_EXE_sctp-craft"),
            input.display(),
            out.display()
        );
        let o = Command::new("bash").args(["-c", &sh]).output().unwrap();
        assert!(o.status.success(), "-w {target}: {}", stderr(&o));
        assert_eq!(magic(&out), PCAPNG, "-w {target}");
        same_rows(&tshark_rows(&out, None), &want);
        std::fs::remove_file(&out).unwrap();
    }
    let o = bin()
        .args(["dissect", "-w", "-"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(stderr(&o).contains("-q"), "{}", stderr(&o));
    assert_eq!(listing(&dir), ["mixed.pcapng"]);
    std::fs::remove_dir_all(&dir).ok();
}
