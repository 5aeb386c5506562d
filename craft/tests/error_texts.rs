//! Issue 15 item 19: error texts say what is wrong with the file (empty, a
//! directory, cut inside its header, cut inside a statistics block after
//! the last frame) rather than blaming a frame that does not exist; and the
//! language suggests the command or constructor a typo meant.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

fn scratch(name: &str) -> PathBuf {
    common::scratch("et", name)
}

/// (exit code, stderr) of `sctp-craft dissect [reader] FILE`.
fn dissect(file: &Path, reader: &str) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .args(["dissect", "--reader", reader])
        .arg(file)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// stderr of `sctp-craft -c 'load FILE'`.
fn load(file: &Path) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .args(["-c", &format!("load {}", file.display())])
        .output()
        .unwrap();
    assert!(!o.status.success());
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn prefix_of(corpus: &str, n: usize, to: &Path) {
    let b = std::fs::read(common::corpus_dir().join(corpus)).unwrap();
    std::fs::write(to, &b[..n]).unwrap();
}

#[test]
fn capture_errors_say_what_is_wrong_with_the_file() {
    let dir = scratch("files");
    let empty = dir.join("empty.pcap");
    std::fs::write(&empty, b"").unwrap();
    let sub = dir.join("a-directory.pcap");
    std::fs::create_dir_all(&sub).unwrap();
    let cut_pcap = dir.join("cut-header.pcap");
    prefix_of("pcapr-m3ua-map-single.pcap", 10, &cut_pcap);
    let cut_ng = dir.join("cut-header.pcapng");
    prefix_of("5greplay-ngap-ue-authentication.pcapng", 10, &cut_ng);
    let cases: [(&Path, &str); 4] = [
        (&empty, "is empty"),
        (&sub, "is a directory"),
        (
            &cut_pcap,
            "cut inside its pcap file header (10 of 24 bytes)",
        ),
        (&cut_ng, "cut inside its pcapng section header block"),
    ];
    for (file, want) in cases {
        for reader in ["libpcap", "native"] {
            let (code, err) = dissect(file, reader);
            assert_eq!(code, Some(2), "{reader} {}: {err}", file.display());
            assert!(err.contains(want), "{reader}: want {want:?}: {err}");
            assert!(!err.contains("frame 1"), "{reader} blames a frame: {err}");
            assert!(!err.contains("middle of a record"), "{reader}: {err}");
        }
        let err = load(file);
        assert!(err.contains(want), "load: want {want:?}: {err}");
        assert!(!err.contains("frame 1"), "load blames a frame: {err}");
    }
    // Cut inside the Interface Statistics Block after the last (13th)
    // frame: every frame is printed, the error names the block.
    let isb = dir.join("cut-isb.pcapng");
    prefix_of("5greplay-ngap-ue-authentication.pcapng", 2850, &isb);
    for reader in ["libpcap", "native"] {
        let o = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
            .args(["dissect", "--reader", reader])
            .arg(&isb)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 13);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(
            err.contains("cut inside an Interface Statistics Block at byte 2796"),
            "{reader}: {err}"
        );
        assert!(err.contains("after the last frame (13)"), "{reader}: {err}");
        assert!(!err.contains("frame 14"), "{reader}: {err}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn typos_suggest_the_command_or_constructor_meant() {
    for (stmt, want) in [
        ("shwo p", "did you mean show?"),
        ("dat(tsn=1)", "did you mean data?"),
        ("p = dat(tsn=1)", "did you mean data?"),
        ("sctp() / sackk()", "did you mean sack?"),
        ("hexraw sctp() / init_akc()", "did you mean init_ack?"),
        ("conect", "did you mean connect?"),
        // Close to nothing: said unknown, not echoed back as a word.
        ("garbge", "unknown command or variable \"garbge\""),
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
            .args(["-c", stmt])
            .output()
            .unwrap();
        assert!(!o.status.success(), "{stmt} accepted");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(want), "{stmt}: want {want:?}: {err}");
    }
    // Words that are values, and variables, still print.
    let o = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .args(["-c", "true; none; x = 7; x"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "true\nnone\n7\n");
}

/// `dissect --analysis --keys FILE` with a key file that is missing or not
/// a key file: the command says so and exits 2 at once, before creating the
/// `-w` file; printing, with `-q`, with `-w`. It used to hang for ever (the
/// formatting threads waited for batches the failed analysis never sent).
#[test]
fn a_bad_key_file_is_said_at_once_not_hung_on() {
    let capture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures/usrsctp-auth.pcapng");
    let dir = scratch("bad-keys");
    let not_keys = dir.join("not-keys.txt");
    std::fs::write(&not_keys, "garbage\n").unwrap();
    let missing = dir.join("missing.keys");
    let out = dir.join("kept.pcap");
    let cases: [(&Path, &str); 2] = [
        (&missing, "No such file"),
        (&not_keys, "lines start with ASSOC, PAIR, ANY or SSCTP"),
    ];
    for (keys, why) in cases {
        for extra in [&[][..], &["-q"][..], &["-q", "-w"][..]] {
            let _ = std::fs::remove_file(&out);
            let mut c = Command::new(env!("CARGO_BIN_EXE_sctp-craft"));
            c.args(["dissect", "--analysis", "--keys"])
                .arg(keys)
                .args(extra);
            if extra.contains(&"-w") {
                c.arg(&out);
            }
            let mut child = c
                .arg(&capture)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let start = std::time::Instant::now();
            let status = loop {
                if let Some(s) = child.try_wait().unwrap() {
                    break s;
                }
                if start.elapsed() > std::time::Duration::from_secs(30) {
                    let _ = child.kill();
                    panic!(
                        "{extra:?} with {}: still running after 30 s",
                        keys.display()
                    );
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            };
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            assert_eq!(status.code(), Some(2), "{extra:?}: {err}");
            assert!(
                err.contains(&keys.display().to_string()) && err.contains(why),
                "{extra:?}: {err}"
            );
            assert!(!out.exists(), "{extra:?}: the -w file was created");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A capture whose SCTP travels over UDP on ports nobody named shows no
/// SCTP; `dissect` and `assoc` then name the ports (the datagrams holding an
/// SCTP packet with a right CRC32c), and those ports, or `--udp-port 0`,
/// show what tshark shows with `-d udp.port==N,sctp`.
#[test]
fn sctp_on_unnamed_udp_ports_is_pointed_out() {
    let capture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures/usrsctp-echo.pcapng");
    let craft = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
            .args(args)
            .arg(&capture)
            .output()
            .unwrap()
    };
    let want = "37 UDP datagrams between ports 39899 and 39900 hold SCTP packets (RFC 6951) with a right CRC32c: add --udp-port 39899 --udp-port 39900";
    let o = craft(&["dissect"]);
    assert!(o.status.success() && o.stdout.is_empty());
    assert!(common::stderr(&o).contains(want), "{}", common::stderr(&o));
    let o = craft(&["assoc"]);
    assert!(common::stderr(&o).contains(want), "{}", common::stderr(&o));
    let out = scratch("udp-hint-export");
    let o = craft(&[
        "export",
        "--format",
        "parquet",
        "--force",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(common::stderr(&o).contains(want), "{}", common::stderr(&o));
    let _ = std::fs::remove_dir_all(&out);
    let tshark = Command::new("tshark")
        .arg("-r")
        .arg(&capture)
        .args([
            "-d",
            "udp.port==39899,sctp",
            "-d",
            "udp.port==39900,sctp",
            "-Y",
            "sctp",
        ])
        .output()
        .unwrap();
    let frames = String::from_utf8_lossy(&tshark.stdout).lines().count();
    assert_eq!(frames, 37);
    for args in [
        &["dissect", "--udp-port", "39899", "--udp-port", "39900"][..],
        &["dissect", "--udp-port", "0"],
    ] {
        let o = craft(args);
        assert_eq!(
            String::from_utf8_lossy(&o.stdout).lines().count(),
            frames,
            "{args:?}"
        );
        assert!(
            !common::stderr(&o).contains("hold SCTP packets"),
            "{args:?}"
        );
    }
}
