//! `sctp-craft dissect --analysis -Y 'analysis.*'` (issue 18 item 3): the
//! frames the analysis fields select are the frames tshark's TSN analysis
//! selects with the matching field (`tshark -2 -o sctp.tsn_analysis:TRUE -o
//! sctp.relative_tsns:FALSE -Y ...`): `analysis.retransmission` and
//! `sctp.retransmission`, `analysis.rtt > X` and `sctp.sack_rtt > X`,
//! `analysis.acked_before` and `sctp.retransmitted_after_ack`, on
//! captures/usrsctp-lossy.pcapng (real losses: fast and timer
//! retransmissions, retransmissions of acknowledged TSNs, RTTs above 200 ms)
//! and two shared captures. `analysis.auth` selects every AUTH chunk of
//! captures/usrsctp-auth.pcapng as verified with its key and as bad with a
//! wrong one; analysis fields need --analysis and are typed.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const LOSSY_PORTS: &[u16] = &[39899, 39900];

fn project(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../captures")
        .join(name)
}

fn run(file: &Path, ports: &[u16], extra: &[&str], filter: &str) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sctp-craft"));
    c.arg("dissect").args(extra);
    for p in ports {
        c.args(["--udp-port", &p.to_string()]);
    }
    c.args(["-Y", filter]).arg(file).output().unwrap()
}

/// The frames `dissect --analysis -Y filter` prints.
fn ours(file: &Path, ports: &[u16], extra: &[&str], filter: &str) -> BTreeSet<u64> {
    let mut args = vec!["--analysis"];
    args.extend_from_slice(extra);
    let out = run(file, ports, &args, filter);
    assert!(
        out.status.success(),
        "{filter}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            l.split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{filter}: not a summary line: {l}"))
        })
        .collect()
}

/// tshark reading `file` with its TSN analysis on (two passes, absolute
/// TSNs), SCTP over UDP on `ports`, showing the frames `filter` selects.
fn tshark_analysis(file: &Path, ports: &[u16], filter: &str) -> Command {
    let mut c = Command::new("tshark");
    c.arg("-r").arg(file).args([
        "-2",
        "-n",
        "-o",
        "sctp.tsn_analysis:TRUE",
        "-o",
        "sctp.relative_tsns:FALSE",
    ]);
    for p in ports {
        c.args(["-d", &format!("udp.port=={p},sctp")]);
    }
    c.args(["-Y", filter]);
    c
}

/// The frames tshark's TSN analysis selects with `filter`.
fn tshark(file: &Path, ports: &[u16], filter: &str) -> BTreeSet<u64> {
    let out = tshark_analysis(file, ports, filter)
        .args(["-T", "fields", "-e", "frame.number"])
        .output()
        .expect("tshark is needed");
    assert!(
        out.status.success(),
        "tshark -Y {filter}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect()
}

/// (our filter, tshark's filter) pairs that select the same frames.
const PAIRS: &[(&str, &str)] = &[
    ("analysis.retransmission", "sctp.retransmission"),
    ("analysis.acked_before", "sctp.retransmitted_after_ack"),
    ("analysis.rtt > 0.2", "sctp.sack_rtt > 0.2"),
    ("analysis.rtt > 0.001", "sctp.sack_rtt > 0.001"),
    ("analysis.acked.tsn", "sctp.ack"),
];

#[test]
fn lossy_capture_selects_tsharks_frames() {
    let file = project("usrsctp-lossy.pcapng");
    let mut sizes = Vec::new();
    for (ours_f, theirs) in PAIRS {
        let (a, b) = (
            ours(&file, LOSSY_PORTS, &[], ours_f),
            tshark(&file, LOSSY_PORTS, theirs),
        );
        assert_eq!(a, b, "{ours_f} against tshark's {theirs}");
        sizes.push(a.len());
    }
    // What captures/README.md says of it: 6 retransmissions (two fast
    // ones, then one TSN sent four times by the timer after its ack), and
    // the timer's RTTs above RTO.Min (200 ms).
    assert_eq!(
        ours(&file, LOSSY_PORTS, &[], "analysis.retransmission"),
        BTreeSet::from([33, 34, 52, 54, 56, 81])
    );
    assert_eq!(sizes[1], 4, "four retransmissions of acknowledged TSNs");
    assert!(sizes[2] >= 3, "RTTs above 0.2 s: {sizes:?}");
    // Combined with the packet's fields, and negated.
    let retrans = ours(&file, LOSSY_PORTS, &[], "analysis.retransmission");
    let data = ours(&file, LOSSY_PORTS, &[], "data");
    let first = ours(&file, LOSSY_PORTS, &[], "data && !analysis.retransmission");
    assert_eq!(
        first,
        data.difference(&retrans).copied().collect::<BTreeSet<_>>()
    );
    assert_eq!(
        ours(
            &file,
            LOSSY_PORTS,
            &[],
            "analysis.retransmission.after > 0.2 && analysis.retransmission.first_frame == 44"
        ),
        BTreeSet::from([52, 54, 56])
    );
}

/// The frames tshark's TSN analysis selects with `filter`, as identities
/// (Verification Tag, checksum, captured length) of `file`'s frames.
fn tshark_ids(file: &Path, ports: &[u16], filter: &str) -> Vec<String> {
    fields(&mut tshark_analysis(file, ports, filter), filter)
}

/// (Verification Tag, checksum, captured length) of each frame `c` reads.
fn fields(c: &mut Command, what: &str) -> Vec<String> {
    let out = c
        .args(["-T", "fields", "-e", "sctp.verification_tag"])
        .args(["-e", "sctp.checksum", "-e", "frame.cap_len"])
        .output()
        .expect("tshark is needed");
    assert!(out.status.success(), "{what}: {}", common::stderr(&out));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// `-q -Y 'analysis.*' -w OUT` (where the analysis is a stage of its own,
/// beside the frame-order pass) writes the frames tshark's TSN analysis
/// selects, as the printing run (where it runs in that pass) does.
#[test]
fn quiet_write_keeps_tsharks_frames() {
    let file = project("usrsctp-lossy.pcapng");
    let dir = common::scratch("analysis-q", "lossy");
    for (i, (ours_f, theirs)) in PAIRS.iter().enumerate() {
        let want = tshark_ids(&file, LOSSY_PORTS, theirs);
        assert!(!want.is_empty(), "{theirs} selects nothing");
        for quiet in [true, false] {
            let out = dir.join(format!("{i}-{quiet}.pcap"));
            let o = out.to_str().unwrap();
            let mut args = vec!["--analysis", "-w", o];
            if quiet {
                args.push("-q");
            }
            let r = run(&file, LOSSY_PORTS, &args, ours_f);
            assert!(r.status.success(), "{ours_f}: {}", common::stderr(&r));
            let mut c = Command::new("tshark");
            c.arg("-r").arg(&out);
            for p in LOSSY_PORTS {
                c.args(["-d", &format!("udp.port=={p},sctp")]);
            }
            assert_eq!(
                fields(&mut c, o),
                want,
                "-w of {ours_f} (-q: {quiet}) against tshark's {theirs}"
            );
        }
    }
    std::fs::remove_dir_all(dir).ok();
}

/// Shared captures: forces3 has RTTs on both sides of 0.2 s and no
/// retransmission; pcapr-m3ua-map-multi-assoc has 8 DATA chunks captured
/// twice at the same instant (retransmission marks for both tools, docs/
/// analysis-vs-wireshark.md) and one SACK tshark links to no DATA.
#[test]
fn shared_captures_select_tsharks_frames() {
    let dir = common::corpus_dir();
    let forces = dir.join("tcpdump-forces3.pcap");
    for (ours_f, theirs) in PAIRS {
        assert_eq!(
            ours(&forces, &[], &[], ours_f),
            tshark(&forces, &[], theirs),
            "forces3: {ours_f} against tshark's {theirs}"
        );
    }
    assert!(ours(&forces, &[], &[], "analysis.rtt > 0.2").len() >= 10);

    let multi = dir.join("pcapr-m3ua-map-multi-assoc.pcap");
    let r = ours(&multi, &[], &[], "analysis.retransmission");
    assert_eq!(r, tshark(&multi, &[], "sctp.retransmission"));
    assert_eq!(r.len(), 8);
    // Case B of docs/analysis-vs-wireshark.md: 10.130.1.2:6010 talks to two
    // peers, tshark pairs the SACK of frame 22 (association 4, 10.129.1.33
    // -> 10.130.1.2) with another association's direction and gives it no
    // sctp.ack or sctp.sack_rtt; we acknowledge TSNs of frames 6 (RTT
    // 2.116 s) and 21 with it. Every other frame is the same.
    let a = ours(&multi, &[], &[], "analysis.rtt > 0.1");
    let b = tshark(&multi, &[], "sctp.sack_rtt > 0.1");
    assert_eq!(
        a.difference(&b).copied().collect::<Vec<_>>(),
        vec![22],
        "ours {a:?}, tshark {b:?}"
    );
    assert!(b.is_subset(&a));
    assert_eq!(
        ours(
            &multi,
            &[],
            &[],
            "analysis.rtt > 2 && analysis.acked.frame == 6"
        ),
        BTreeSet::from([22])
    );
    // The same reason for the SACK of frame 14 (association 3, 10.129.1.2
    // -> 10.130.1.2:6010, whose port also talks to 10.129.1.7): it
    // acknowledges frame 12 after 1 ms for us, nothing for tshark.
    let all_acks = ours(&multi, &[], &[], "analysis.acked.tsn");
    let t_acks = tshark(&multi, &[], "sctp.ack");
    assert!(t_acks.is_subset(&all_acks));
    assert_eq!(
        all_acks.difference(&t_acks).copied().collect::<Vec<_>>(),
        vec![14, 22]
    );
}

#[test]
fn auth_verdicts_select_every_auth_chunk() {
    let file = project("usrsctp-auth.pcapng");
    let dir = std::env::temp_dir().join(format!("analysis_filter_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.keys");
    let bad = dir.join("bad.keys");
    std::fs::write(
        &good,
        "PAIR 127.0.0.1:5000 127.0.0.1:5001 1 sctpkit-auth-key\n",
    )
    .unwrap();
    std::fs::write(&bad, "ANY 1 wrong-key\n").unwrap();
    let (g, b) = (good.to_str().unwrap(), bad.to_str().unwrap());
    let with_auth = tshark(&file, LOSSY_PORTS, "sctp.chunk_type == 15");
    assert_eq!(with_auth.len(), 30, "captures/README.md: 30 AUTH chunks");
    assert_eq!(
        ours(
            &file,
            LOSSY_PORTS,
            &["--keys", g],
            "analysis.auth == verified"
        ),
        with_auth
    );
    assert!(ours(
        &file,
        LOSSY_PORTS,
        &["--keys", g],
        "analysis.auth != verified"
    )
    .is_disjoint(&with_auth));
    assert_eq!(
        ours(
            &file,
            LOSSY_PORTS,
            &["--keys", b],
            "analysis.auth == bad-hmac"
        ),
        with_auth
    );
    assert_eq!(
        ours(
            &file,
            LOSSY_PORTS,
            &["--keys", b],
            "analysis.auth == BAD_HMAC"
        ),
        with_auth,
        "any case, _ for -"
    );
    // Without a key file, key 1 is unknown.
    assert_eq!(
        ours(&file, LOSSY_PORTS, &[], "analysis.auth in {no-key}"),
        with_auth
    );
    assert!(ours(
        &file,
        LOSSY_PORTS,
        &["--keys", g],
        "analysis.unauthenticated"
    )
    .is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn analysis_fields_need_analysis_and_are_typed() {
    let file = project("usrsctp-lossy.pcapng");
    let err = |extra: &[&str], f: &str| {
        let out = run(&file, LOSSY_PORTS, extra, f);
        assert!(!out.status.success(), "{f} was accepted");
        String::from_utf8(out.stderr).unwrap()
    };
    assert_eq!(
        err(&[], "data && analysis.rtt > 0.2"),
        "sctp-craft: display filter \"data && analysis.rtt > 0.2\": analysis.rtt is a field of the association analysis: add --analysis\n"
    );
    assert!(err(&[], "analysis")
        .contains("analysis is a field of the association analysis: add --analysis"));
    let a = &["--analysis"][..];
    assert!(err(a, "analysis.rtt > 10.0.0.1")
        .contains("analysis.rtt is a time in seconds: \"10.0.0.1\" is not a number of seconds"));
    assert!(err(a, "analysis.retransmission == 1").contains(
        "analysis.retransmission is a flag (present or not): test it alone (analysis.retransmission, !analysis.retransmission)"
    ));
    assert!(err(a, "analysis.auth == good").contains(
        "analysis.auth is an AUTH verdict (verified, bad-hmac, no-key, no-handshake, unsupported-hmac, truncated): \"good\" is not one of"
    ));
    assert!(err(a, "analysis.auth > verified").contains("compare it with == or !="));
    assert!(err(a, "analysis.acked.tsn == 1.5").contains("is an unsigned integer (32 bits)"));
    // Prefixes resolve as other names do.
    assert_eq!(
        ours(&file, LOSSY_PORTS, &[], "analysis.retrans"),
        ours(&file, LOSSY_PORTS, &[], "analysis.retransmission")
    );
    // --filter-help lists them.
    let help = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .args(["dissect", "--filter-help"])
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    for name in [
        "analysis.retransmission",
        "analysis.rtt",
        "analysis.acked",
        "analysis.auth",
    ] {
        assert!(help.contains(name), "{name} not in --filter-help");
    }
}
