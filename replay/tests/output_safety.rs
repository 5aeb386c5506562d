//! No output of `sctp-replay` overwrites the capture it reads: `to-script
//! -o` and `live --record`, `--json`, `--plot` onto the input (by its path,
//! a symlink or a hard link) are refused before anything is written or
//! sent, and the capture keeps its bytes. `to-script -o` to it used to
//! replace the capture with the script.

use std::path::{Path, PathBuf};
use std::process::Command;

fn scratch() -> PathBuf {
    let d = std::env::temp_dir().join(format!("sctpkit-replay-out-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn outputs_never_overwrite_the_capture_being_replayed() {
    let dir = scratch();
    let input = dir.join("echo.pcapng");
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures/usrsctp-echo.pcapng");
    std::fs::copy(&corpus, &input).unwrap();
    let original = std::fs::read(&input).unwrap();
    std::os::unix::fs::symlink(&input, dir.join("link.pcapng")).unwrap();
    std::fs::hard_link(&input, dir.join("hard.pcapng")).unwrap();
    let ports = ["--udp-port", "39899", "--udp-port", "39900"];
    for same in ["echo.pcapng", "link.pcapng", "hard.pcapng"] {
        let out = dir.join(same);
        let mut runs: Vec<Vec<String>> = vec![vec!["to-script".into(), "-o".into()]];
        for opt in ["--record", "--json", "--plot"] {
            runs.push(vec![
                "live".into(),
                "--peer".into(),
                // Never reached: the check comes first.
                "udp:127.0.0.1:9".into(),
                opt.into(),
            ]);
        }
        for args in runs {
            let o = Command::new(env!("CARGO_BIN_EXE_sctp-replay"))
                .args(&args)
                .arg(&out)
                .arg(&input)
                .args(["--play", "client"])
                .args(ports)
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{args:?} {same}: {err}");
            assert!(err.contains("is the input"), "{args:?} {same}: {err}");
            assert_eq!(std::fs::read(&input).unwrap(), original, "{args:?} {same}");
        }
    }
    // Another file is written.
    let o = Command::new(env!("CARGO_BIN_EXE_sctp-replay"))
        .args(["to-script", "-o"])
        .arg(dir.join("echo.pkt"))
        .arg(&input)
        .args(["--play", "client"])
        .args(ports)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(std::fs::read_to_string(dir.join("echo.pkt"))
        .unwrap()
        .contains("< sctp: INIT["));
    std::fs::remove_dir_all(&dir).unwrap();
}
