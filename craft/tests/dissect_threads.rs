//! `sctp-craft dissect` reads on one thread, formats batches on several and
//! writes them in frame order. On a capture of many batches (every SCTP packet
//! of the shared corpus, framed again in raw IP, three times over), the output
//! is the same whatever the thread count, every packet appears once in frame
//! order, and each line carries the verification tag of the packet written
//! there (known from the bytes we wrote, not from the dissector).

mod common;

use std::path::PathBuf;
use std::process::Command;

use sctp_codec::capture::{CaptureReader, PcapWriter};
use sctp_codec::link::build::{frame, Framing, LinkKind};
use sctp_codec::link::{extract_sctp, Defragmenter, LinkConfig};

/// Writes the test capture; returns the verification tag of every packet.
fn build(path: &std::path::Path) -> Vec<u32> {
    let mut w = PcapWriter::create(path, LinkKind::Raw.link_type()).expect("create capture");
    let mut vtags = Vec::new();
    for round in 0..3u32 {
        for file in common::corpus_files() {
            let mut r = CaptureReader::open(&file).expect("open corpus file");
            let (cfg, mut d) = (LinkConfig::default(), Defragmenter::default());
            while let Some(Ok(f)) = r.next_frame() {
                let Ok(Some(seg)) = extract_sctp(f.link_type, f.data, &cfg, &mut d) else {
                    continue;
                };
                if seg.sctp.len() < 12 {
                    continue;
                }
                let framing = Framing {
                    src: seg.src,
                    dst: seg.dst,
                    udp: None,
                    link: LinkKind::Raw,
                    ip_id: vtags.len() as u16,
                };
                // Too long for one unfragmented datagram: left out.
                let Ok(bytes) = frame(&seg.sctp, &framing) else {
                    continue;
                };
                w.write_packet(
                    1_700_000_000 + round,
                    vtags.len() as u32 % 1_000_000,
                    &bytes,
                )
                .expect("write packet");
                vtags.push(u32::from_be_bytes([
                    seg.sctp[4],
                    seg.sctp[5],
                    seg.sctp[6],
                    seg.sctp[7],
                ]));
            }
        }
    }
    w.flush().expect("flush capture");
    vtags
}

fn dissect(args: &[&str]) -> String {
    run(args, None)
}

/// Runs `dissect ARGS`, with the capture at `stdin` on standard input if
/// given; its standard output.
fn run(args: &[&str], stdin: Option<&std::path::Path>) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sctp-craft"));
    cmd.arg("dissect").args(args);
    if let Some(p) = stdin {
        cmd.stdin(std::fs::File::open(p).expect("open capture"));
    }
    let out = cmd.output().expect("run sctp-craft");
    assert!(
        out.status.success(),
        "dissect {args:?} (standard input: {stdin:?}): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// A fresh directory `sctpkit-NAME-PID` holding the test capture
/// `many.pcap`: the directory, the capture and its packets' tags.
fn many(name: &str) -> (PathBuf, PathBuf, Vec<u32>) {
    let dir = std::env::temp_dir().join(format!("sctpkit-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("many.pcap");
    let vtags = build(&path);
    (dir, path, vtags)
}

/// One JSON object per line of `out`.
fn json_lines(out: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

#[test]
fn output_is_in_frame_order_and_independent_of_threads() {
    let (dir, path, vtags) = many("threads");
    let p = path.to_str().expect("UTF-8 path");
    // Several batches of at most 2,048 packets each.
    assert!(vtags.len() > 10_000, "only {} packets", vtags.len());

    let one = dissect(&["--threads", "1", p]);
    for threads in ["2", "5"] {
        assert!(
            one == dissect(&["--threads", threads, p]),
            "summary output differs with {threads} threads"
        );
    }
    let json = dissect(&["--json", "--threads", "1", p]);
    assert!(json == dissect(&["--json", "--threads", "4", p]));

    let lines = json_lines(&json);
    assert_eq!(lines.len(), vtags.len(), "one JSON object per packet");
    for (k, (v, tag)) in lines.iter().zip(&vtags).enumerate() {
        assert_eq!(v["frame"], (k + 1) as u64, "frame order at {k}");
        assert_eq!(v["vtag"], *tag as u64, "frame {}: vtag", k + 1);
    }
    assert_eq!(one.lines().count(), vtags.len());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_analysis_is_the_same_whichever_thread_runs_it() {
    // A capture is read and followed on one thread and analysed on
    // another: a classic pcap file in blocks read where they lie, pcapng
    // and standard input frame by frame copied into blocks. Every way gives
    // the same analysis, in frame order, over many batches; a capture cut
    // short gives what comes before the damage, then the error.
    let (dir, path, vtags) = many("an-threads");
    let p = path.to_str().expect("UTF-8 path");

    let file = dissect(&["--analysis", "--json", p]);
    assert!(file == run(&["--analysis", "--json", "-"], Some(&path)));
    assert!(file == dissect(&["--analysis", "--json", "--threads", "1", p]));
    let lines = json_lines(&file);
    assert_eq!(lines.len(), vtags.len(), "one JSON object per packet");
    // The second and third rounds repeat the first one's packets: their
    // DATA chunks are retransmissions of the first round's.
    let retransmitted = |v: &serde_json::Value| v["analysis"]["retransmission"] == true;
    let third = &lines[2 * vtags.len() / 3..];
    let marked = third.iter().filter(|v| retransmitted(v)).count();
    let with_data = third
        .iter()
        .filter(|v| v.to_string().contains("\"DATA\""))
        .count();
    assert!(
        marked > 1000 && marked >= with_data / 2,
        "{marked} of {with_data}"
    );
    let first = lines[..vtags.len() / 3]
        .iter()
        .filter(|v| retransmitted(v))
        .count();
    assert!(
        first * 2 < marked,
        "{first} marked in the first round, {marked} in the third"
    );

    // The same capture as pcapng, whole and cut short inside a block.
    let ng = dir.join("many.pcapng");
    let n = ng.to_str().expect("UTF-8 path");
    dissect(&["-q", "-F", "pcapng", "-w", n, p]);
    assert!(file == dissect(&["--analysis", "--json", n]));
    let mut bytes = std::fs::read(&ng).expect("pcapng written");
    bytes.truncate(bytes.len() * 2 / 3 + 5);
    let cut = dir.join("cut.pcapng");
    std::fs::write(&cut, &bytes).expect("write cut capture");
    let out = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .args(["dissect", "--analysis", "--json"])
        .arg(&cut)
        .output()
        .expect("run sctp-craft");
    let (text, err) = (
        String::from_utf8(out.stdout).expect("UTF-8 output"),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cut.pcapng"), "{err}");
    let printed = text.lines().count();
    assert!(
        printed > vtags.len() / 2,
        "{printed} lines before the damage"
    );
    assert!(
        file.lines().take(printed).eq(text.lines()),
        "the lines before the damage differ"
    );

    // -q with a filter on the analysis, and -c: the same frames written.
    let written = |stdin: bool, extra: &[&str]| {
        let out = dir.join("out.pcap");
        std::fs::remove_file(&out).ok();
        let o = out.to_str().expect("UTF-8 path");
        let mut args = vec!["--analysis", "-q", "-Y", "analysis.retransmission", "-w", o];
        args.extend_from_slice(extra);
        if stdin {
            args.push("-");
            run(&args, Some(&path));
        } else {
            args.push(p);
            dissect(&args);
        }
        std::fs::read(&out).expect("written capture")
    };
    let all = written(false, &[]);
    assert!(all.len() > 100_000, "{} bytes written", all.len());
    assert!(all == written(true, &[]));
    assert!(written(false, &["-c", "30000"]) == written(true, &["-c", "30000"]));
    std::fs::remove_dir_all(&dir).ok();
}
