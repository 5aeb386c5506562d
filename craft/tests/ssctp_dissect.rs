//! `sctp-craft dissect` on S-SCTP packets written by hand from
//! `../shared/spec/secure-sctp.md` (issue 20): the lints of the draft's rules and of
//! the dialect conflict in the text output (`--lint`, `-V`) and in JSON, and the
//! meanings of the numbers. The SCTP packets are hand-written hex with a CRC32c
//! written from its definition (`codec/tests/figures`); only the IPv4 framing and the
//! pcap file come from the codec.

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../../codec/tests/figures/mod.rs"]
mod figures;

use figures::packet;

/// INIT and INIT-ACK listing 0x10 (NR-SACK) in Supported Extensions (RFC 5061 4.2.7).
const INIT_NRSACK: &str = "01 00 0019 00000001 00010000 000a 000a 00000001 8008 0005 10 000000";
const INIT_ACK_NRSACK: &str = "02 00 0019 00000002 00010000 000a 000a 00000064 8008 0005 10 000000";
const NR_SACK: &str = "10 00 0014 00000001 00010000 0000 0000 0000 0000";

/// Writes `packets` (SCTP bytes, each from A to B or back) as raw IPv4 in a pcap.
fn pcap(name: &str, packets: &[(bool, Vec<u8>)]) -> PathBuf {
    use sctp_codec::capture::{PcapWriter, LINKTYPE_RAW};
    use sctp_codec::link::build::{frame, Framing, LinkKind};
    let dir = std::env::temp_dir().join(format!("sctpkit-ssctp-dissect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    // Tests share a capture by name and run at once: each writes its own
    // file and renames it into place, so a reader never sees one half
    // written (a run failed with "file truncated in the middle of a record").
    static SEQ: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let part = dir.join(format!("{name}.{n}.part"));
    let mut w = PcapWriter::create(&part, LINKTYPE_RAW).unwrap();
    let a = std::net::Ipv4Addr::new(192, 0, 2, 10);
    let b = std::net::Ipv4Addr::new(192, 0, 2, 20);
    for (k, (forward, sctp)) in packets.iter().enumerate() {
        let (src, dst) = if *forward { (a, b) } else { (b, a) };
        let f = Framing {
            src: src.into(),
            dst: dst.into(),
            udp: None,
            link: LinkKind::Raw,
            ip_id: k as u16 + 1,
        };
        w.write_packet(1_700_000_000 + k as u32, 0, &frame(sctp, &f).unwrap())
            .unwrap();
    }
    w.flush().unwrap();
    drop(w);
    std::fs::rename(&part, &path).unwrap();
    path
}

fn dissect(path: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .arg("dissect")
        .args(args)
        .arg(path)
        .output()
        .expect("run sctp-craft");
    assert!(
        out.status.success(),
        "dissect {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The JSON objects of `dissect --json`, one per packet.
fn json(path: &Path, args: &[&str]) -> Vec<serde_json::Value> {
    let mut a = vec!["--json"];
    a.extend_from_slice(args);
    dissect(path, &a)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The lint codes of each packet in JSON.
fn json_lints(v: &[serde_json::Value]) -> Vec<Vec<String>> {
    v.iter()
        .map(|o| {
            o["lints"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["code"].as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

/// Issue 20 item 5 (rule 2 / Q25): NR-SACK negotiated in INIT/INIT-ACK, then an
/// SSOpReq: 0x10 stays NR-SACK and the conflict is a lint in `--lint`, `-V` and JSON.
#[test]
fn dialect_conflict_is_a_lint_in_text_and_json() {
    let p = pcap(
        "conflict.pcap",
        &[
            (true, packet(5000, 5001, 0, INIT_NRSACK)),
            (false, packet(5001, 5000, 1, INIT_ACK_NRSACK)),
            (true, packet(5000, 5001, 2, figures::SSOPREQ)),
            (false, packet(5001, 5000, 1, NR_SACK)),
        ],
    );
    let v = json(&p, &[]);
    assert_eq!(v[3]["chunks"][0]["name"], "NR-SACK");
    let lints = json_lints(&v);
    assert_eq!(
        lints,
        [
            vec![],
            vec![],
            vec!["dialect-conflict".to_string()],
            vec!["dialect-conflict".to_string()]
        ],
        "{v:?}"
    );
    for args in [&["--lint"][..], &["-V"][..]] {
        let text = dissect(&p, args);
        let n = text
            .lines()
            .filter(|l| l.contains("lint @12 dialect-conflict"))
            .count();
        assert_eq!(n, 2, "{args:?}:\n{text}");
    }
}

/// Issue 20 item 6: the draft's packet rules as lints, in `--lint` and JSON.
#[test]
fn the_drafts_rules_are_lints_in_text_and_json() {
    let enc = figures::ENCDATA;
    let auth = figures::AUTH;
    let data = "00 03 0014 00000001 0001 0000 00000000 68656c6c";
    let p = pcap(
        "rules.pcap",
        &[
            (true, packet(5000, 5001, 2, &format!("{enc} {auth}"))),
            (true, packet(5000, 5001, 2, &format!("{enc} {enc} {auth}"))),
            (true, packet(5000, 5001, 2, &format!("{auth} {data}"))),
            (true, packet(5000, 5001, 2, enc)),
            (true, packet(5000, 5001, 2, "d6 01 0006 0102 0000")),
        ],
    );
    let v = json(&p, &["--dialect", "ssctp"]);
    assert_eq!(
        json_lints(&v),
        [
            vec![],
            vec!["two-encdata".to_string()],
            vec!["auth-not-last".to_string()],
            vec!["encdata-without-auth".to_string()],
            vec!["ssclose-16-bit-tsn".to_string()],
        ],
        "{v:?}"
    );
    let text = dissect(&p, &["--lint", "--dialect", "ssctp"]);
    for want in [
        "lint @52 two-encdata",
        "lint @12 auth-not-last",
        "lint @12 encdata-without-auth",
        "lint @14 ssclose-16-bit-tsn",
    ] {
        assert!(text.contains(want), "{want}:\n{text}");
    }
}

/// The S-SCTP figures in one capture, read with `--dialect ssctp`: SSOpReq (suites 12,
/// 6, 2 and 25, which the draft does not define), SSOpReq_Ack (suite 12), SSCliKey
/// (SL 2), SecLevCHD (SL 3), the five causes (0x0020 with error code 2), SSCert,
/// SSSerKey (DH), PADDING.
fn meanings_capture() -> PathBuf {
    let ssopreq = "d0 01 001c 0100 0400 001e 000c 000c 0006 0002 0019 001f 0008 0000 0001";
    pcap(
        "meanings.pcap",
        &[
            (true, packet(5000, 5001, 2, ssopreq)),
            (false, packet(5001, 5000, 1, figures::SSOPREQ_ACK)),
            (true, packet(5000, 5001, 2, figures::SSCLIKEY_DH)),
            (true, packet(5000, 5001, 2, "d8 03 0004")),
            (false, packet(5001, 5000, 1, figures::ERROR_CAUSES)),
            (false, packet(5001, 5000, 1, figures::SSCERT)),
            (false, packet(5001, 5000, 1, figures::SSSERKEY_DH)),
            (true, packet(5000, 5001, 2, figures::PADDING)),
        ],
    )
}

/// Issue 20 item 7: what the numbers mean, in JSON (`NAME_meaning` beside a field,
/// `LIST_meanings` beside a list) and in `-V` (`= meaning` on the field's line):
/// cipher-suite names (draft 5.1.1), security levels (section 7), the error codes of
/// cause 0x0020 (6.1).
#[test]
fn meanings_of_suites_levels_and_error_codes() {
    let p = meanings_capture();
    let v = json(&p, &["--dialect", "ssctp"]);
    let cs = &v[0]["chunks"][0]["params"][0];
    assert_eq!(cs["cipher_suites"], serde_json::json!([12, 6, 2, 25]));
    assert_eq!(
        cs["cipher_suites_meanings"],
        serde_json::json!([
            "DH_with_AES-128_CBC_SHA-1",
            "RSA_with_AES-128_CBC_SHA-1",
            "RSA_with_DES_CBC_SHA-1"
        ]),
        "{cs}"
    );
    let ack = &v[1]["chunks"][0];
    assert_eq!(
        ack["cipher_suite_meaning"], "DH_with_AES-128_CBC_SHA-1",
        "{ack}"
    );
    assert_eq!(v[2]["chunks"][0]["sl_meaning"], "selective encryption");
    assert!(v[3]["chunks"][0]["sl_meaning"]
        .as_str()
        .unwrap()
        .starts_with("full"));
    let cause = &v[4]["chunks"][0]["causes"][0];
    assert_eq!(
        cause["error_code_meaning"], "Secure Session Open Complete failure",
        "{cause}"
    );
    // Numbers without a meaning get none; standard chunks none at all.
    assert!(ack.get("version_meaning").is_none());
    let text = dissect(&p, &["-V", "--dialect", "ssctp"]);
    for want in [
        "cipher_suite: 12 (0x000c) = DH_with_AES-128_CBC_SHA-1  @",
        "cipher_suite: 25 (0x0019)  @",
        "flag sl (mask 0x03): 2 = selective encryption",
        "flag sl (mask 0x03): 3 = full",
        "error_code: 2 (0x0002) = Secure Session Open Complete failure  @",
    ] {
        assert!(text.contains(want), "{want}:\n{text}");
    }
}

/// Issue 20 item 8: the types whose number the draft's text lost (0xD0, 0xD1, 0xD3,
/// 0x12 and the parameters typed by context) are marked PROVISIONAL in `-V` (and in
/// JSON as `type_meaning`); the types the draft gives are not.
#[test]
fn provisional_types_are_marked() {
    let p = meanings_capture();
    let text = dissect(&p, &["-V", "--dialect", "ssctp"]);
    let header = |prefix: &str| -> Vec<&str> {
        text.lines()
            .filter(|l| l.trim_start().starts_with(prefix))
            .collect()
    };
    for name in [
        "Chunk SSOpReq ",
        "Chunk SSCert ",
        "Chunk SSSerKey ",
        "Chunk PADDING ",
    ] {
        let lines = header(name);
        assert!(!lines.is_empty(), "{name}:\n{text}");
        assert!(
            lines.iter().all(|l| l.contains("[PROVISIONAL type")),
            "{lines:?}"
        );
    }
    for name in [
        "Parameter Compression Method ",
        "Parameter Certificate ",
        "Parameter Diffie-Hellman (server) ",
    ] {
        let lines = header(name);
        assert!(!lines.is_empty(), "{name}:\n{text}");
        assert!(lines.iter().all(|l| l.contains("PROVISIONAL")), "{lines:?}");
    }
    for name in [
        "Chunk SSOpReq_Ack ",
        "Chunk SSCliKey ",
        "Chunk SecLevCHD ",
        "Chunk ERROR ",
        "Parameter Cipher Suite ",
        "Cause Secure Session failure ",
    ] {
        let lines = header(name);
        assert!(!lines.is_empty(), "{name}:\n{text}");
        assert!(
            lines.iter().all(|l| !l.contains("PROVISIONAL")),
            "{lines:?}"
        );
    }
    let v = json(&p, &["--dialect", "ssctp"]);
    assert!(v[0]["chunks"][0]["type_meaning"]
        .as_str()
        .unwrap()
        .starts_with("PROVISIONAL"));
    assert!(v[1]["chunks"][0].get("type_meaning").is_none());
}

/// Issue 20 item 8, the REPL: `help NAME` of a type whose number the draft's text
/// lost says PROVISIONAL (with the reason); the others do not.
#[test]
fn repl_help_marks_provisional_types() {
    let help = |name: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
            .args(["-c", &format!("help {name}")])
            .output()
            .expect("run sctp-craft");
        assert!(out.status.success(), "help {name}");
        String::from_utf8(out.stdout).unwrap()
    };
    for name in [
        "ssopreq",
        "sscert",
        "ssserkey",
        "padding",
        "compression_method",
        "certificate",
        "diffie_hellman_server",
        "rsa_server",
        "diffie_hellman_client",
        "rsa_client",
    ] {
        let h = help(name);
        assert!(h.contains("PROVISIONAL type"), "help {name}:\n{h}");
    }
    // The general help lists them.
    let all = help("");
    let line = all
        .lines()
        .skip_while(|l| !l.starts_with("PROVISIONAL type numbers"))
        .nth(1)
        .unwrap_or_else(|| panic!("no PROVISIONAL list in help:\n{all}"));
    let listed: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        listed,
        [
            "padding",
            "ssopreq",
            "sscert",
            "ssserkey",
            "compression_method",
            "certificate",
            "diffie_hellman_server",
            "rsa_server",
            "diffie_hellman_client",
            "rsa_client"
        ]
    );
    for name in [
        "ssopreq_ack",
        "ssclikey",
        "encdata",
        "auth_s_sctp",
        "cipher_suite",
        "data",
    ] {
        let h = help(name);
        assert!(!h.contains("PROVISIONAL"), "help {name}:\n{h}");
    }
}

/// Issue 20 item 2: under `--dialect ssctp` a malformed EncData (R past the chunk;
/// Length 6) is shown as EncData, on the summary line, in -V and in JSON.
#[test]
fn malformed_encdata_is_named_encdata() {
    let p = pcap(
        "malformed-encdata.pcap",
        &[
            (true, packet(5000, 5001, 2, "10 00 000c 0007 0010 a0a1a2a3")),
            (true, packet(5000, 5001, 2, "10 00 0006 0007 0000")),
        ],
    );
    let v = json(&p, &["--dialect", "ssctp"]);
    for o in &v {
        assert_eq!(o["chunks"][0]["name"], "EncData", "{o}");
    }
    let text = dissect(&p, &["-V", "--dialect", "ssctp"]);
    assert!(!text.contains("NR-SACK"), "{text}");
    assert_eq!(text.matches("Chunk EncData (type 16").count(), 2, "{text}");
    let summary = dissect(&p, &["--dialect", "ssctp"]);
    assert_eq!(summary.matches("EncData").count(), 2, "{summary}");
}
