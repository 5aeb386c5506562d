//! The plugin's `sctpkit.analysis.*` fields against `sctp-craft dissect
//! --analysis --json` (issue 18: "the plugin's analysis fields equal
//! `sctp-craft dissect --analysis --json` on every shared capture"): per
//! frame, every analysis value the plugin shows on tshark's second pass
//! (`-2`, so that the values known only after later frames are there) is
//! compared with the value the JSON gives, on every shared capture and on
//! every capture of this repository, with the AUTH and S-SCTP keys of
//! docs/auth-keys.md where a capture has them.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{env, tshark_ok};
use sctp_codec::analysis::fields::{FieldKind, FIELDS};
use serde_json::Value;

/// The UDP ports of the usrsctp captures (captures/README.md).
const USRSCTP_PORTS: [u16; 2] = [39899, 39900];

/// The key of captures/usrsctp-auth.pcapng (captures/README.md, docs/auth-keys.md).
const AUTH_KEY_LINE: &str = "PAIR 127.0.0.1:5000 127.0.0.1:5001 1 sctpkit-auth-key";

/// Per frame: field name (without `sctpkit.`) -> its values, sorted.
type Values = BTreeMap<u64, BTreeMap<String, Vec<String>>>;

/// A file copied where the tshark user can read it.
fn shared_copy(src: &Path, name: &str) -> PathBuf {
    let dst = env().scratch.join(format!("avc-{name}"));
    if !dst.exists() {
        let tmp = env()
            .scratch
            .join(format!("avc-{name}.{}", std::process::id()));
        std::fs::copy(src, &tmp).unwrap();
        common::share(&tmp);
        let _ = std::fs::rename(&tmp, &dst);
    }
    dst
}

/// One capture to compare: the file, and the key file if it has one.
struct Case {
    path: PathBuf,
    keys: Option<PathBuf>,
}

fn corpus() -> Vec<Case> {
    let mut v: Vec<Case> = common::captures()
        .into_iter()
        .map(|path| Case { path, keys: None })
        .collect();
    let dir = common::repo_root().join("captures");
    let mut local: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.ends_with(".pcapng") || n.ends_with(".pcap")
        })
        .collect();
    local.sort();
    for p in local {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let keys = match name.as_str() {
            "usrsctp-auth.pcapng" => {
                let k = env().scratch.join("avc-auth.keys");
                std::fs::write(&k, format!("{AUTH_KEY_LINE}\n")).unwrap();
                common::share(&k);
                Some(k)
            }
            "ssctp-keylog.pcapng" => {
                Some(shared_copy(&dir.join("ssctp-keylog.keys"), "ssctp.keys"))
            }
            _ => None,
        };
        v.push(Case {
            path: shared_copy(&p, &name),
            keys,
        });
    }
    v
}

/// `sctp-craft`: built in the same profile beside this test (`cargo test
/// --workspace` builds it), else the repository's release build (the other
/// Wireshark versions' roots of scripts/wireshark-versions.sh build only
/// this package and mount the repository at its own path).
fn craft() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let beside = exe.parent().unwrap().parent().unwrap().join("sctp-craft");
    let repo = common::repo_root().join("target/release/sctp-craft");
    [beside.clone(), repo]
        .into_iter()
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!(
                "{} is not built: run `cargo build --release -p sctp-craft` (scripts/test.sh does)",
                beside.display()
            )
        })
}

fn push(m: &mut BTreeMap<String, Vec<String>>, name: &str, v: impl ToString) {
    m.entry(name.to_string()).or_default().push(v.to_string());
}

fn secs(v: &Value) -> String {
    // The JSON prints seconds with 9 decimals, as tshark's relative times.
    format!("{:.9}", v.as_f64().expect("seconds"))
}

/// A message being reassembled: association, direction, stream, U bit,
/// SSN (DATA) or MID (I-DATA), I-DATA.
type MsgKey = (u64, String, u64, bool, u64, bool);

/// What the JSON says, as the plugin's fields would show it.
fn from_craft(case: &Case) -> (Values, usize) {
    let mut cmd = Command::new(craft());
    cmd.args(["dissect", "--analysis", "--json"]);
    for p in USRSCTP_PORTS {
        cmd.args(["--udp-port", &p.to_string()]);
    }
    cmd.args(["--udp-port", "9899"]);
    if let Some(k) = &case.keys {
        cmd.arg("--keys").arg(k);
    }
    cmd.arg(&case.path);
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "sctp-craft dissect {}: {}",
        case.path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut vals = Values::new();
    // (DATA frame, SACK frame, RTT) of each TSN a SACK acknowledges first:
    // the DATA chunk's acked_by (on its first transmission, whose frame the
    // SACK names).
    let mut acked_by: Vec<(u64, u64, String)> = Vec::new();
    // (fragment frame, frame completing its message).
    let mut reassembled_in: Vec<(u64, u64)> = Vec::new();
    // Fragments awaiting their message: key -> frames.
    let mut fragments: BTreeMap<MsgKey, Vec<u64>> = BTreeMap::new();
    let mut packets = 0;
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let o: Value = serde_json::from_str(line).unwrap();
        let frame = o["frame"].as_u64().unwrap();
        let a = &o["analysis"];
        if a.is_null() {
            continue;
        }
        packets += 1;
        let m = vals.entry(frame).or_default();
        push(m, "analysis", "");
        push(m, "analysis.association", &a["association"]);
        if a["retransmission"].as_bool() == Some(true) {
            push(m, "analysis.retransmission", "");
        }
        for n in a["chunks"].as_array().unwrap() {
            let ci = n["chunk"].as_u64().unwrap() as usize;
            if let Some(d) = n.get("data") {
                if let Some(r) = d["retransmission"].as_object() {
                    if let Some(f) = r["first_frame"].as_u64() {
                        push(m, "analysis.retransmission.first_frame", f);
                    }
                    if !r["after"].is_null() {
                        push(m, "analysis.retransmission.after", secs(&r["after"]));
                    }
                }
                if let Some(f) = d["acked_before"].as_u64() {
                    push(m, "analysis.acked_before", f);
                }
                push(m, "analysis.gap", &d["gap"]);
                if d["out_of_window"].as_bool() == Some(true) {
                    push(m, "analysis.out_of_window", "");
                }
                if let Some(msg) = d["message"].as_object() {
                    push(m, "analysis.message", "");
                    push(m, "analysis.message.fragments", &msg["fragments"]);
                    push(
                        m,
                        "analysis.message.bytes",
                        msg["bytes"].as_u64().unwrap().min(u32::MAX.into()),
                    );
                    push(m, "analysis.message.first_frame", &msg["first_frame"]);
                }
                push(
                    m,
                    "analysis.in_flight",
                    d["in_flight"].as_u64().unwrap().min(u32::MAX.into()),
                );
                // The fragment's message: the chunk's stream, U bit and SSN
                // (DATA) or MID (I-DATA), as the decoder shows them.
                let c = &o["chunks"][ci];
                let idata = c["type"].as_u64() == Some(64);
                let flags = c["flags"].as_u64().unwrap_or(0);
                let stream = c["stream_identifier"]
                    .as_u64()
                    .or_else(|| c["sid"].as_u64())
                    .unwrap_or(u64::MAX);
                let seq = if idata {
                    c["message_identifier"]
                        .as_u64()
                        .or_else(|| c["mid"].as_u64())
                } else {
                    c["stream_sequence_number"]
                        .as_u64()
                        .or_else(|| c["ssn"].as_u64())
                }
                .unwrap_or(u64::MAX);
                let key = (
                    a["association"].as_u64().unwrap(),
                    a["direction"].as_str().unwrap().to_string(),
                    stream,
                    flags & 4 != 0,
                    seq,
                    idata,
                );
                let whole = flags & 3 == 3;
                if d["retransmission"].is_null() && !whole {
                    if d["message"].is_null() {
                        fragments.entry(key).or_default().push(frame);
                    } else {
                        for f in fragments.remove(&key).unwrap_or_default() {
                            reassembled_in.push((f, frame));
                        }
                    }
                }
            }
            if let Some(k) = n.get("sack") {
                let acked = k["acked"].as_array().unwrap();
                push(m, "analysis.acked", acked.len());
                for x in acked {
                    push(m, "analysis.acked.tsn", &x["tsn"]);
                    push(m, "analysis.acked.frame", &x["frame"]);
                    push(m, "analysis.rtt", secs(&x["rtt"]));
                    acked_by.push((x["frame"].as_u64().unwrap(), frame, secs(&x["rtt"])));
                }
                if let Some(w) = k["a_rwnd"].as_u64() {
                    push(m, "analysis.a_rwnd", w);
                }
                push(m, "analysis.dup_tsns", &k["dup_tsns"]);
                if k["stale"].as_bool() == Some(true) {
                    push(m, "analysis.stale", "");
                }
                push(
                    m,
                    "analysis.revoked",
                    k["revoked"].as_array().unwrap().len(),
                );
                push(
                    m,
                    "analysis.in_flight",
                    k["in_flight"].as_u64().unwrap().min(u32::MAX.into()),
                );
            }
            if let Some(v) = n.get("auth") {
                push(m, "analysis.auth", v.as_str().unwrap());
            }
            if let Some(v) = n.get("ssctp_auth") {
                push(m, "analysis.ssctp_auth", v.as_str().unwrap());
            }
            if let Some(v) = n.get("encdata") {
                push(m, "analysis.encdata", v.as_str().unwrap());
                if let Some(d) = n["decrypted"].as_array() {
                    push(m, "analysis.decrypted", d.len());
                }
            }
            if let Some(v) = n.get("unauthenticated") {
                push(m, "analysis.unauthenticated", v);
            }
            if let Some(h) = n.get("hb_rtt") {
                push(m, "analysis.hb_rtt", secs(&h["rtt"]));
                push(m, "analysis.hb_rtt.request_frame", &h["request_frame"]);
            }
        }
    }
    // The values known after later frames, on the frames they name.
    for (f, by, rtt) in acked_by {
        let m = vals.entry(f).or_default();
        push(m, "analysis.acked_by", by);
        push(m, "analysis.acked_by.rtt", rtt);
    }
    for (f, by) in reassembled_in {
        push(vals.entry(f).or_default(), "analysis.reassembled_in", by);
    }
    for m in vals.values_mut() {
        for v in m.values_mut() {
            v.sort();
        }
    }
    (vals, packets)
}

/// What the plugin shows on the second pass.
fn from_plugin(case: &Case) -> Values {
    let mut args: Vec<String> = vec!["-2".into(), "-r".into(), case.path.display().to_string()];
    for p in USRSCTP_PORTS {
        args.extend(["-d".into(), format!("udp.port=={p},sctpkit")]);
    }
    if let Some(k) = &case.keys {
        args.extend(["-o".into(), format!("sctpkit.auth_keys:{}", k.display())]);
    }
    args.extend(["-Y".into(), "sctpkit.analysis".into()]);
    args.extend([
        "-T".into(),
        "fields".into(),
        "-E".into(),
        "occurrence=a".into(),
    ]);
    args.extend(["-E".into(), "aggregator=|".into()]);
    args.extend(["-e".into(), "frame.number".into()]);
    for d in FIELDS {
        args.extend(["-e".into(), format!("sctpkit.{}", d.name)]);
    }
    let mut vals = Values::new();
    for line in tshark_ok(&args).lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), FIELDS.len() + 1, "{line}");
        let frame: u64 = cols[0].parse().unwrap();
        let m = vals.entry(frame).or_default();
        for (d, c) in FIELDS.iter().zip(&cols[1..]) {
            if c.is_empty() && d.kind != FieldKind::Flag {
                continue;
            }
            for v in c.split('|') {
                let v = match d.kind {
                    // A flag shows its presence only.
                    FieldKind::Flag => {
                        if c.is_empty() {
                            continue;
                        }
                        String::new()
                    }
                    FieldKind::Time => {
                        let s: f64 = v.trim_end_matches(" seconds").parse().unwrap();
                        format!("{s:.9}")
                    }
                    _ => v.to_string(),
                };
                push(m, d.name, v);
            }
        }
        for v in m.values_mut() {
            v.sort();
        }
    }
    vals
}

#[test]
fn plugin_analysis_fields_equal_sctp_craft_json_on_every_capture() {
    let (mut frames, mut values, mut files) = (0usize, 0usize, 0usize);
    let mut per_field: BTreeMap<String, usize> = BTreeMap::new();
    let mut diffs = Vec::new();
    for case in corpus() {
        let (want, packets) = from_craft(&case);
        let got = from_plugin(&case);
        let name = case.path.file_name().unwrap().to_string_lossy().to_string();
        let all: std::collections::BTreeSet<u64> = want.keys().chain(got.keys()).copied().collect();
        for f in all {
            let empty = BTreeMap::new();
            let (w, g) = (
                want.get(&f).unwrap_or(&empty),
                got.get(&f).unwrap_or(&empty),
            );
            if w != g {
                let names: std::collections::BTreeSet<&String> = w.keys().chain(g.keys()).collect();
                for n in names {
                    if w.get(n) != g.get(n) {
                        diffs.push(format!(
                            "{name} frame {f} {n}: craft {:?}, plugin {:?}",
                            w.get(n),
                            g.get(n)
                        ));
                    }
                }
            }
            for (n, v) in w {
                values += v.len();
                *per_field.entry(n.clone()).or_default() += v.len();
            }
        }
        frames += packets;
        files += 1;
    }
    eprintln!(
        "{files} captures, {frames} analysed frames, {values} analysis values compared, {} differences",
        diffs.len()
    );
    for (n, c) in &per_field {
        eprintln!("  {n}: {c}");
    }
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs
            .iter()
            .take(60)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Every kind of value was compared somewhere (the corpus has
    // retransmissions, SACKs, messages, AUTH and S-SCTP verdicts, heartbeats).
    for n in [
        "analysis.retransmission.first_frame",
        "analysis.acked_before",
        "analysis.acked_by",
        "analysis.reassembled_in",
        "analysis.rtt",
        "analysis.hb_rtt",
        "analysis.auth",
        "analysis.ssctp_auth",
        "analysis.encdata",
        "analysis.decrypted",
        "analysis.a_rwnd",
        "analysis.in_flight",
    ] {
        assert!(
            per_field.get(n).copied().unwrap_or(0) > 0,
            "no {n} compared"
        );
    }
}
