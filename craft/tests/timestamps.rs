//! Timestamps and PPID names (issue 15, item 16): `dissect -t FORMAT` puts
//! the time on the summary line as tshark's `-t` does (same formats, same
//! precision: the capture's), `-V` and JSON always carry it, and DATA
//! chunks name their Payload Protocol Identifier from the IANA registry.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
}

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(p)
}

fn ours(file: &Path, args: &[&str], tz: &str) -> String {
    let o = bin()
        .env("TZ", tz)
        .arg("dissect")
        .args(args)
        .arg(file)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// tshark's time column by frame number (one token, or date and time).
fn tshark_times(file: &Path, fmt: &str, tz: &str, filter: Option<&str>) -> BTreeMap<u64, String> {
    let mut c = Command::new("tshark");
    c.env("TZ", tz).arg("-r").arg(file).args(["-t", fmt]);
    if let Some(f) = filter {
        c.args(["-Y", f]);
    }
    let o = c.output().expect("tshark is needed");
    let date = matches!(fmt, "ad" | "adoy" | "ud" | "udoy");
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let n = w.next()?.parse().ok()?;
            let t = w.next()?.to_string();
            let t = if date {
                format!("{t} {}", w.next()?)
            } else {
                t
            };
            Some((n, t))
        })
        .collect()
}

/// Our time column by frame number.
fn our_times(out: &str, fmt: &str) -> BTreeMap<u64, String> {
    let date = matches!(fmt, "ad" | "adoy" | "ud" | "udoy");
    out.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let n = w.next()?.parse().ok()?;
            let t = w.next()?.to_string();
            let t = if date {
                format!("{t} {}", w.next()?)
            } else {
                t
            };
            Some((n, t))
        })
        .collect()
}

const FORMATS: [&str; 10] = ["a", "ad", "adoy", "d", "dd", "e", "r", "u", "ud", "udoy"];

#[test]
fn every_time_format_prints_what_tshark_prints() {
    // Microsecond pcap, nanosecond pcapng, gzip-compressed pcapng with
    // non-SCTP frames between (d is the delta to the previous frame of the
    // capture, r counts from its first frame).
    let files = [
        repo("captures/handshake.pcap"),
        repo("captures/usrsctp-echo.pcapng"),
        common::corpus_dir().join("netperfmeter-multi-sll.pcapng.gz"),
        common::corpus_dir().join("pcapr-m3ua-map-multi-assoc.pcap"),
    ];
    let mut compared = 0;
    for f in &files {
        let udp: &[&str] = if f.ends_with("usrsctp-echo.pcapng") {
            &["--udp-port", "39899"]
        } else {
            &[]
        };
        for tz in ["UTC", "Europe/Berlin", "America/New_York"] {
            for fmt in FORMATS {
                let mut args = vec!["-t", fmt];
                args.extend(udp);
                let mine = our_times(&ours(f, &args, tz), fmt);
                let mut theirs = tshark_times(f, fmt, tz, None);
                if fmt == "dd" {
                    // Delta displayed: tshark displays every frame here, we
                    // the SCTP ones; compare with tshark showing those.
                    let filter = if udp.is_empty() { "sctp" } else { "udp" };
                    theirs = tshark_times(f, fmt, tz, Some(filter));
                }
                assert!(!mine.is_empty());
                for (n, t) in &mine {
                    assert_eq!(
                        Some(t),
                        theirs.get(n),
                        "{} -t {fmt} TZ={tz} frame {n}",
                        f.display()
                    );
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 1000, "{compared}");
}

#[test]
fn delta_displayed_follows_the_display_filter() {
    let f = repo("captures/handshake.pcap");
    let mine = our_times(&ours(&f, &["-t", "dd", "-Y", "data"], "UTC"), "dd");
    let theirs = tshark_times(&f, "dd", "UTC", Some("sctp.chunk_type == 0"));
    assert_eq!(mine, theirs);
    assert_eq!(mine.len(), 5);
}

#[test]
fn the_tree_and_json_carry_the_time() {
    let f = repo("captures/handshake.pcap");
    let tree = ours(&f, &["-V", "-c", "2"], "UTC");
    assert!(
        tree.contains(
            "    time: 2023-11-14 22:13:20.250000 UTC, epoch 1700000000.250000, \
             relative 0.250000, delta 0.250000\n"
        ),
        "{tree}"
    );
    let json = ours(&f, &["--json", "-c", "2"], "UTC");
    let second: serde_json::Value = serde_json::from_str(json.lines().nth(1).unwrap()).unwrap();
    // As tshark's JSON writes frame.time_epoch and friends.
    let o = Command::new("tshark")
        .args(["-r"])
        .arg(&f)
        .args([
            "-c",
            "2",
            "-T",
            "fields",
            "-e",
            "frame.time_epoch",
            "-e",
            "frame.time_relative",
            "-e",
            "frame.time_delta",
        ])
        .output()
        .unwrap();
    let t = String::from_utf8_lossy(&o.stdout);
    let row: Vec<&str> = t.lines().nth(1).unwrap().split('\t').collect();
    assert_eq!(second["time_epoch"], row[0]);
    assert_eq!(second["time_relative"], row[1]);
    assert_eq!(second["time_delta"], row[2]);
    assert_eq!(second["time"], "2023-11-14T22:13:20.250000000Z");
}

#[test]
fn ppid_names_come_from_the_iana_registry() {
    // The registry's names are the ones tshark gives the same numbers.
    let o = Command::new("tshark")
        .args(["-G", "values"])
        .output()
        .unwrap();
    let values = String::from_utf8_lossy(&o.stdout);
    let mut checked = 0;
    for l in values.lines() {
        let c: Vec<&str> = l.split('\t').collect();
        if c.len() == 4 && c[0] == "V" && c[1] == "sctp.data_payload_proto_id" {
            let v: u32 = c[2].parse().unwrap();
            if matches!(v, 0 | 26) {
                continue; // "not specified", "Unassigned"
            }
            let ours = sctp_codec::registry::ppid(v).unwrap_or_else(|| panic!("PPID {v}"));
            assert_eq!(ours.description, c[3], "PPID {v}");
            checked += 1;
        }
    }
    assert!(checked >= 70, "{checked}");
    for (v, short) in [
        (60, "NGAP"),
        (46, "Diameter"),
        (3, "M3UA"),
        (18, "S1AP"),
        (50, "WebRTC-DCEP"),
        (51, "WebRTC-String"),
        (53, "WebRTC-Binary"),
        (56, "WebRTC-String-Empty"),
        (57, "WebRTC-Binary-Empty"),
    ] {
        assert_eq!(sctp_codec::registry::ppid(v).unwrap().name, short);
    }
    assert!(sctp_codec::registry::ppid(0).is_none());
    assert!(sctp_codec::registry::ppid(26).is_none());
    assert!(sctp_codec::registry::ppid(1_000_000).is_none());
}

#[test]
fn summary_and_tree_name_the_ppid() {
    for (file, ppid, short, long) in [
        ("5greplay-ngap-ue-authentication.pcapng", 60, "NGAP", "NGAP"),
        ("arkime-diameter-synthetic.pcap", 46, "Diameter", "DIAMETER"),
        ("pcapr-m3ua-map-single.pcap", 3, "M3UA", "M3UA"),
        (
            "pcapr-s1ap-volte-iphone6-sll.pcap",
            18,
            "S1AP",
            "S1 Application Protocol (S1AP)",
        ),
        (
            "aiortc-sctp-test-vectors.pcap",
            51,
            "WebRTC-String",
            "WebRTC String",
        ),
    ] {
        let f = common::corpus_dir().join(file);
        let out = ours(&f, &[], "UTC");
        let want = format!("ppid={ppid}({short}),");
        assert!(out.contains(&want), "{file}: no {want}\n{out}");
        let tree = ours(&f, &["-V"], "UTC");
        let want = format!("payload_protocol_identifier: {ppid} (0x{ppid:08x}) = {long}  @");
        assert!(tree.contains(&want), "{file}: no {want}");
    }
    // A number the registry does not name stays a number.
    let f = common::corpus_dir().join("usrsctp-fuzz-connect-seeds.pcap");
    let out = ours(&f, &[], "UTC");
    assert!(out.contains("ppid=168296606,len=427"), "{out}");
}
