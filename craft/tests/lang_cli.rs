//! The language in batch form (`-c`, `run FILE`, `run -`): errors with line
//! and column, overrides that reach the wire, edit, import/save/load round trips.

use std::io::Write;
use std::process::{Command, Stdio};

use sctp_codec::{DecodeOptions, Packet};

mod common;

fn craft(args: &[&str]) -> (bool, String, String, Option<i32>) {
    let out = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

/// Runs `sctp-craft run -` with `script` on standard input.
fn run_stdin(script: &[u8]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .args(["run", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(script).unwrap();
    child.wait_with_output().unwrap()
}

fn hexraw(stmts: &str) -> Vec<u8> {
    let (ok, out, err, _) = craft(&["-c", stmts]);
    assert!(ok, "{err}");
    hex::decode(out.lines().last().unwrap()).unwrap()
}

#[test]
fn script_errors_name_line_and_column_and_exit_nonzero() {
    let dir = std::env::temp_dir().join(format!("lang-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("bad.sctp");
    std::fs::write(
        &f,
        "p = sctp() / data(tsn=1)\nshow p\nq = init(bogus=1)\nshow q\n",
    )
    .unwrap();
    let (ok, out, err, code) = craft(&["run", f.to_str().unwrap()]);
    assert!(!ok);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("line 3, column 10: no field \"bogus\" in init"),
        "{err}"
    );
    assert!(err.contains("          ^"), "caret under the field: {err}");
    assert!(
        out.contains("DATA(tsn=1"),
        "statements before the error ran: {out}"
    );
    let (ok, _, err, _) = craft(&["-c", "show; sctp(sport=70000)"]);
    assert!(!ok);
    assert!(err.contains("line 1, column 1: no current packet"), "{err}");
    let (_, _, err, _) = craft(&["-c", "hexraw sctp(sport=70000) / cookie_ack()"]);
    assert!(
        err.contains("column 13: source_port: 70000 does not fit in 16 bits"),
        "{err}"
    );
    // stdin script
    let out = run_stdin(b"hexraw sctp(vtag=1) / cookie_ack()\nnope(\n");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("line 2, column 5: this ( is never closed")
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn overrides_reach_the_wire() {
    let b = hexraw("hexraw sctp(sport=1, dport=2, vtag=3, checksum=0xdeadbeef) / cookie_ack(length=3, flags=0x80) / raw(x\"ff000005aa\")");
    assert_eq!(
        hex::encode(&b),
        "0001000200000003deadbeef0b800003ff000005aa"
    );
    // checksum=bad is the computed CRC32c inverted; the codec sees it as bad.
    let good = hexraw("hexraw sctp() / shutdown_ack()");
    let bad = hexraw("hexraw sctp(checksum=bad) / shutdown_ack()");
    assert_eq!(good[..8], bad[..8]);
    assert_eq!(
        u32::from_be_bytes(bad[8..12].try_into().unwrap()),
        !u32::from_be_bytes(good[8..12].try_into().unwrap())
    );
    // Wrong padding and a wrong parameter length inside INIT.
    let b = hexraw("hexraw init(initiate_tag=1, initial_tsn=1, params=[ipv4_address(1.2.3.4, length=9), host_name_address(\"ab\", padding=x\"ffff\")])");
    let p = Packet::decode(&b, &DecodeOptions::default()).unwrap();
    assert_eq!(p.chunks[0].name(), "INIT");
    assert_eq!(
        &b[32..36],
        &[0, 5, 0, 9],
        "the forced length is on the wire"
    );
    assert_eq!(&b[40..48], &[0, 0x0b, 0, 6, b'a', b'b', 0xff, 0xff]);
    // Unknown numbers and the DATA defaults (flags B|E).
    let b = hexraw("hexraw chunk(type=0xfe, flags=1, value=0xdead) / data(tsn=5, user_data=\"x\")");
    assert_eq!(&b[12..20], &[0xfe, 1, 0, 6, 0xde, 0xad, 0, 0]);
    assert_eq!(&b[20..22], &[0, 3]);
}

#[test]
fn edit_import_save_load_round_trip() {
    let dir = std::env::temp_dir().join(format!("lang-rt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pcap = dir.join("rt.pcapng");
    let script = format!(
        "p = sctp(vtag=9) / data(tsn=1, user_data=\"hi\") / sack(gap_ack_blocks=[[1, 2]])\n\
         edit p.chunks[0].tsn = 77\n\
         p.chunks[1].a_rwnd = 0x1000\n\
         save {f} p mode=new link=ether\n\
         load {f} 1 as=q\n\
         hexraw p\nhexraw q\n",
        f = pcap.display()
    );
    let (ok, out, err, _) = craft(&["-c", &script]);
    assert!(ok, "{err}");
    let l: Vec<&str> = out.lines().collect();
    let (a, b) = (l[l.len() - 2], l[l.len() - 1]);
    assert_eq!(a, b, "loaded packet rebuilds to the saved bytes");
    let bytes = hex::decode(a).unwrap();
    let p = Packet::decode(&bytes, &DecodeOptions::default()).unwrap();
    match &p.chunks[0].body {
        sctp_codec::ChunkBody::Data(d) => assert_eq!(d.tsn, 77),
        o => panic!("{o:?}"),
    }
    match &p.chunks[1].body {
        sctp_codec::ChunkBody::Sack(s) => {
            assert_eq!(s.a_rwnd, 0x1000);
            assert_eq!(s.gap_ack_blocks.len(), 1);
        }
        o => panic!("{o:?}"),
    }
    // import of a Wireshark hex stream with Ethernet and IPv4 headers.
    let frame = format!(
        "0200000000020200000000010800 4500{:04x}000040004084 0000 c0000201c0000202{}",
        20 + bytes.len(),
        hex::encode(&bytes)
    )
    .replace(' ', "");
    let (ok, out, err, _) = craft(&["-c", &format!("import {frame}; hexraw")]);
    assert!(ok, "{err}");
    assert_eq!(out.lines().last().unwrap(), a);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn help_lists_every_registry_name() {
    let (ok, out, _, _) = craft(&["-c", "help"]);
    assert!(ok);
    for n in sctp_craft::lang::names::table() {
        assert!(out.contains(&n.key), "help lacks {}", n.key);
    }
    let (ok, out, _, _) = craft(&["-c", "help init"]);
    assert!(ok);
    assert!(
        out.contains("RFC 9260 3.3.2") && out.contains("a_rwnd") && out.contains("106496"),
        "{out}"
    );
}

#[test]
fn help_takes_the_registry_spelling_and_chunks_named_like_commands() {
    // DATA, INIT-ACK: as the RFC and Wireshark write them.
    for (topic, want) in [
        ("DATA", "chunk DATA (0x00)"),
        ("INIT-ACK", "chunk INIT-ACK (0x02)"),
        ("init-ack", "chunk INIT-ACK (0x02)"),
        ("Heartbeat_Info", "parameter Heartbeat Info"),
    ] {
        let (ok, out, err, _) = craft(&["-c", &format!("help {topic}")]);
        assert!(ok, "help {topic}: {err}");
        assert!(out.contains(want), "help {topic}:\n{out}");
    }
    // data, abort, shutdown, sack are commands and chunks: both helps.
    for (topic, chunk) in [
        ("data", "chunk DATA"),
        ("abort", "chunk ABORT"),
        ("shutdown", "chunk SHUTDOWN"),
        ("sack", "chunk SACK"),
    ] {
        let (ok, out, _, _) = craft(&["-c", &format!("help {topic}")]);
        assert!(ok);
        assert!(
            out.starts_with(topic) && out.contains(chunk),
            "help {topic}:\n{out}"
        );
    }
}

#[test]
fn import_takes_multi_line_xxd_p_output() {
    let bytes = hexraw(
        "sctp(sport=32836, dport=80) / init(initiate_tag=0x3bb99c46, initial_tsn=7, \
         params=[ipv4_address(155.230.24.155), ipv4_address(155.230.24.156), ecn_capable()]); hexraw",
    );
    assert!(bytes.len() > 30, "spans several xxd -p lines");
    // `xxd -p` writes 30 bytes (60 digits) per line.
    let xxd: String = hex::encode(&bytes)
        .as_bytes()
        .chunks(60)
        .map(|c| format!("{}\n", std::str::from_utf8(c).unwrap()))
        .collect();
    let script = format!("import {xxd}hexraw\n");
    let out = run_stdin(script.as_bytes());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.lines().last().unwrap(),
        hex::encode(&bytes),
        "{stdout}"
    );
}

#[test]
fn summary_says_why_chunks_stop() {
    let (ok, out, err, _) = craft(&["-c", "data(user_data=\"x\", length=3)"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("[malformed: offset 12: bad chunk length 3"),
        "{out}"
    );
}

#[test]
fn word_command_numbers_are_range_checked() {
    for (cmd, want) in [
        ("assoc sport=70000", "sport=70000 does not fit in 16 bits"),
        ("assoc dport=65536", "dport=65536 does not fit in 16 bits"),
        (
            "data() ; save x.pcap udp=99999",
            "udp=99999 does not fit in 16 bits",
        ),
    ] {
        let (ok, _, err, _) = craft(&["-c", cmd]);
        assert!(!ok, "{cmd}");
        assert!(err.contains(want), "{cmd}: {err}");
    }
    let (ok, _, err, _) = craft(&["-c", "data(t=1, tsn=2)"]);
    assert!(!ok);
    assert!(err.contains("column 11: data: tsn given twice"), "{err}");
    // `abort (...)` with a space is still the ABORT chunk, not the command.
    let (ok, out, err, _) = craft(&["-c", "abort (t_bit=1); sack (cumulative_tsn_ack=5)"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("ABORT") && out.contains("SACK(cum_ack=5"),
        "{out}"
    );
}

#[test]
fn a_loaded_packet_is_saved_with_its_own_addresses() {
    // Frame 5 of the shared M3UA capture: 10.1.1.1 -> 10.2.2.2, DATA TSN 1000.
    let src = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/captures/arkime-m3ua-m2ua-synthetic.pcap"
    );
    let dir = std::env::temp_dir().join(format!("lang-cli-addrs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("edited.pcap");
    let _ = std::fs::remove_file(&out);
    let script = format!(
        "load {src} 5; edit _.chunks[0].tsn = 7; save {} ; load {src} 4; save {}",
        out.display(),
        out.display()
    );
    let (ok, _, err, _) = craft(&["-c", &script]);
    assert!(ok, "{err}");
    // tshark, not our reader, says what was written.
    let rows: Vec<String> = common::tshark::fields(
        &out,
        &[
            "ip.src",
            "ip.dst",
            "sctp.chunk_type",
            "sctp.data_tsn_raw",
            "sctp.checksum.status",
        ],
    )
    .iter()
    .map(|r| r.join("\t"))
    .collect();
    assert_eq!(
        rows,
        ["10.1.1.1\t10.2.2.2\t0\t7\t1", "10.2.2.2\t10.1.1.1\t11\t\t1"]
    );
}

#[test]
fn repr_is_replayable_even_with_random_defaults() {
    // INIT's tag and TSN are random defaults: repr must write them out.
    let (ok, out, err, _) = craft(&[
        "-c",
        "p = sctp(sport=1) / init(params=[ipv4_address(10.0.0.1)]) / data(user_data=\"hi\"); repr p; hexraw p",
    ]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    let (text, bytes) = (lines[lines.len() - 2], lines[lines.len() - 1]);
    assert!(text.contains("initiate_tag="), "{text}");
    let again = hexraw(&format!("hexraw {text}"));
    assert_eq!(hex::encode(again), bytes);
}

/// `[-1]` is the last element, as in Python; the bytes on the wire prove
/// which chunk was changed (decoded by the codec, not by the REPL).
#[test]
fn negative_indexes_count_from_the_end() {
    let wire = hexraw(
        "p = sctp()/data(tsn=1)/data(tsn=2)/data(tsn=3); \
         p.chunks[-1].tsn = 30; p[-3].tsn = 10; x = p.chunks[-2].tsn; \
         p.chunks[-2].stream_identifier = x; hexraw p",
    );
    let p = Packet::decode(&wire, &DecodeOptions::default()).unwrap();
    let tsns: Vec<(u32, u16)> = p
        .chunks
        .iter()
        .map(|c| match &c.body {
            sctp_codec::ChunkBody::Data(d) => (d.tsn, d.stream_identifier),
            b => panic!("not DATA: {b:?}"),
        })
        .collect();
    assert_eq!(tsns, [(10, 0), (2, 2), (30, 0)]);
    for bad in ["p.chunks[-4].tsn = 1", "p[-4].tsn = 1", "x = p.chunks[-4]"] {
        let (ok, _, err, code) = craft(&["-c", &format!("p = sctp()/data()/data()/data(); {bad}")]);
        assert!(!ok && code == Some(1), "{bad}: {err}");
        assert!(
            err.contains("3 chunk(s)") || err.contains("3 element(s)"),
            "{bad}: {err}"
        );
    }
}

/// Issue 15 item 4: a bare `assoc` shows the association and keeps it;
/// replacing one needs `assoc new`.
#[test]
fn bare_assoc_shows_the_association_and_replacing_it_needs_new() {
    let is_hex = |l: &&str| l.len() > 40 && l.chars().all(|c| c.is_ascii_hexdigit());
    let (ok, out, err, _) = craft(&[
        "-c",
        "assoc sport=5001 dport=5000; hexraw sctp() / data(user_data=\"x\"); \
         assoc; hexraw sctp() / data(user_data=\"x\")",
    ]);
    assert!(ok, "{err}");
    let hex: Vec<&str> = out.lines().filter(is_hex).collect();
    assert_eq!(hex.len(), 2, "{out}");
    assert_eq!(
        hex[0], hex[1],
        "a bare assoc changed the association:\n{out}"
    );
    assert!(hex[0].starts_with("13891388"), "ports 5001 -> 5000: {out}");
    let shown = out
        .lines()
        .skip_while(|l| !is_hex(l))
        .skip(1)
        .take_while(|l| !is_hex(l))
        .collect::<Vec<_>>()
        .join("\n");
    for needle in [
        "5001",
        "5000",
        "CLOSED",
        "local tag 0x",
        "peer tag",
        "next TSN",
    ] {
        assert!(
            shown.contains(needle),
            "bare assoc lacks {needle:?}:\n{shown}"
        );
    }
    // Ports given while one exists: refused, it stays.
    let (ok, _, err, _) = craft(&["-c", "assoc sport=5001 dport=5000; assoc sport=6000"]);
    assert!(!ok, "a second assoc replaced the first silently");
    assert!(err.contains("assoc new"), "{err}");
    // `assoc new` replaces it, and says what it replaced.
    let (ok, out, err, _) = craft(&[
        "-c",
        "assoc sport=5001 dport=5000; assoc new sport=6000 dport=5000; \
         hexraw sctp() / data(user_data=\"x\")",
    ]);
    assert!(ok, "{err}");
    assert!(
        out.lines()
            .filter(is_hex)
            .any(|l| l.starts_with("17701388")),
        "{out}"
    );
    assert!(out.contains("replac"), "{out}");
    // A word assoc does not know is an error, not ignored.
    let (ok, _, err, _) = craft(&["-c", "assoc sport=5001 dport=5000; assoc nwe"]);
    assert!(!ok);
    assert!(err.contains("nwe"), "{err}");
}

/// Issue 15 item 7, in batch: an unclosed bracket or quote is reported where
/// it opens (it used to take in the next lines and fail on one of them with
/// "expected ','"); the statements before it ran, as for any error.
#[test]
fn an_unclosed_bracket_is_reported_where_it_opens() {
    let (ok, out, err, code) = craft(&[
        "-c",
        "echo first\np2 = sctp() / data(tsn=1, user_data=\"abc\"\nshow p2\necho last",
    ]);
    assert!(!ok);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("line 2, column 19: this ( is never closed"),
        "{err}"
    );
    assert_eq!(out, "first\n", "the statements before it ran, none after");
    let (ok, _, err, _) = craft(&["-c", "echo \"open\necho b"]);
    assert!(!ok);
    assert!(
        err.contains("line 1, column 6: this \" is never closed"),
        "{err}"
    );
    // Brackets in comments and strings open nothing.
    let (ok, out, err, _) = craft(&["-c", "echo a # (\nhexraw data(user_data=\"(\")"]);
    assert!(ok, "{err}");
    assert!(out.starts_with("a\n"), "{out}");
}
