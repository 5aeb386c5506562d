//! A plugin built for one Wireshark version and copied into another version's
//! plugin folder is refused by that Wireshark with its own message, and
//! Wireshark carries on without it (exit 0, no signal, the built-in SCTP
//! dissector still dissects).
//!
//! The other versions run through `scripts/wireshark.sh VERSION tshark ...`
//! (`SCTPKIT_PLUGIN_SO` puts a given build in that version's personal plugin
//! folder) in the Debian roots of `scripts/wireshark-versions.sh` (4.4: trixie,
//! 4.6: sid), so the tests need root and those roots. Without them they skip
//! with a loud message, unless `SCTPKIT_REQUIRE_VERSIONS=1` (set by
//! `scripts/test.sh` when it runs the other versions, as in CI): then a
//! missing root or build fails the test. They run from the host's 4.0 build
//! and skip inside a root (`scripts/wireshark-versions.sh test` runs the
//! plugin's tests there too).

mod common;

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const OTHERS: [&str; 2] = ["4.4", "4.6"];

fn roots() -> PathBuf {
    std::env::var_os("SCTPKIT_ROOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/sctpkit/roots"))
}

fn root_ready(v: &str) -> bool {
    roots().join(v).join(".sctpkit-root-complete").exists()
}

fn required() -> bool {
    std::env::var("SCTPKIT_REQUIRE_VERSIONS").is_ok_and(|v| v == "1")
}

fn skip(why: &str) {
    assert!(
        !required(),
        "SCTPKIT_REQUIRE_VERSIONS=1 but {why} (make the roots with \
         `scripts/wireshark-versions.sh root 4.4 4.6`, as root)"
    );
    // Straight to stderr: cargo test does not hide it as it hides eprintln! of a
    // passing test.
    let _ = writeln!(
        std::io::stderr(),
        "\n#####################################################################\n\
         ## SKIPPED: cross-version loading test not run: {why}.\n\
         ## Run as root after `scripts/wireshark-versions.sh root 4.4 4.6`\n\
         ## (scripts/test.sh does both when run as root).\n\
         #####################################################################\n"
    );
}

/// Whether the tests can run here; prints why not (or fails when required).
fn can_run() -> bool {
    if Path::new("/.sctpkit-root-complete").exists() {
        eprintln!("versions: inside a Wireshark root; this test runs from the host");
        return false;
    }
    if env!("SCTPKIT_WS_VERSION") != "4.0" {
        eprintln!(
            "versions: built for Wireshark {}, not the host's 4.0; this test runs from the host build",
            env!("SCTPKIT_WS_VERSION")
        );
        return false;
    }
    let uid = Command::new("id").arg("-u").output().unwrap();
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        skip("not root (the roots are entered with chroot)");
        return false;
    }
    let missing: Vec<&str> = OTHERS.iter().copied().filter(|v| !root_ready(v)).collect();
    if !missing.is_empty() {
        skip(&format!(
            "no Wireshark root for {} in {}",
            missing.join(", "),
            roots().display()
        ));
        return false;
    }
    true
}

/// The build of version `v`: the host's for 4.0, the root's for the others.
fn build_of(v: &str) -> PathBuf {
    if v == "4.0" {
        common::plugin_so()
    } else {
        roots().join(v).join("build/target/release/libsctpkit.so")
    }
}

/// The `libwireshark.so.N` a build links to.
fn soname(so: &Path) -> String {
    let bytes = std::fs::read(so).unwrap();
    let pat = b"libwireshark.so.";
    let i = bytes
        .windows(pat.len())
        .position(|w| w == pat)
        .unwrap_or_else(|| panic!("{} names no libwireshark.so.N", so.display()));
    let digits: Vec<u8> = bytes[i + pat.len()..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .copied()
        .collect();
    format!("libwireshark.so.{}", String::from_utf8(digits).unwrap())
}

/// `scripts/wireshark.sh VERSION tshark ARGS` with `so` as the plugin.
fn tshark_of(v: &str, so: &Path, ld_path: Option<&Path>, args: &[&str]) -> Output {
    let mut c = Command::new(common::repo_root().join("scripts/wireshark.sh"));
    c.arg(v)
        .arg("tshark")
        .args(args)
        .env("SCTPKIT_PLUGIN_SO", so);
    if let Some(d) = ld_path {
        c.env("SCTPKIT_LD_LIBRARY_PATH", d);
    }
    c.output().expect("scripts/wireshark.sh could not be run")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Asserts that Wireshark `dst` refused the plugin with `message` on stderr and
/// went on: exit 0 without a signal, sctpkit not among the plugins and
/// protocols, the built-in SCTP dissector still at work on a capture.
/// Returns the refusal line.
fn assert_refused(
    src: &str,
    dst: &str,
    so: &Path,
    ld_path: Option<&Path>,
    message: &str,
) -> String {
    let what = format!("the {src} build in {dst}'s plugin folder");
    let o = tshark_of(dst, so, ld_path, &["-G", "plugins"]);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(
        o.status.signal(),
        None,
        "{what}: tshark {dst} died of a signal: {:?}\n{err}",
        o.status
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{what}: tshark -G plugins failed\n{err}"
    );
    assert!(
        !out.lines().any(|l| l.starts_with("libsctpkit")),
        "{what}: listed as loaded:\n{out}"
    );
    assert!(
        out.lines().count() > 3,
        "{what}: Wireshark's own plugins are missing from -G plugins:\n{out}"
    );
    let line = err
        .lines()
        .find(|l| l.contains(message))
        .unwrap_or_else(|| panic!("{what}: stderr lacks {message:?}:\n{err}"))
        .to_string();
    assert!(line.contains("libsctpkit.so"), "{what}: {line}");

    let protos = tshark_of(dst, so, ld_path, &["-G", "protocols"]);
    assert_eq!(protos.status.code(), Some(0), "{what}: -G protocols");
    assert!(
        !text(&protos.stdout)
            .lines()
            .any(|l| l.split('\t').nth(2) == Some("sctpkit")),
        "{what}: sctpkit registered"
    );

    // A capture still opens and the built-in SCTP (and M3UA) dissect it.
    let cap = common::captures_dir().join("pcapr-m3ua-map-single.pcap");
    let cap = cap.to_string_lossy().into_owned();
    let r = tshark_of(
        dst,
        so,
        ld_path,
        &["-r", &cap, "-T", "fields", "-e", "frame.protocols"],
    );
    let (rout, rerr) = (text(&r.stdout), text(&r.stderr));
    assert_eq!(r.status.signal(), None, "{what}: tshark -r died: {rerr}");
    assert_eq!(r.status.code(), Some(0), "{what}: tshark -r failed: {rerr}");
    assert!(
        rout.contains(":sctp:m3ua") && !rout.contains("sctpkit"),
        "{what}: not dissected by the built-in: {rout}"
    );
    assert!(rerr.contains(message), "{what}: -r run, stderr: {rerr}");
    eprintln!("versions: {what}: exit 0, refused: {line}");
    line
}

/// Every build in every other version's folder: the loader's refusal as
/// Wireshark reports it ("Couldn't load plugin ...: libwireshark.so.N: cannot
/// open shared object file"; each minor version has its own soname).
#[test]
fn each_build_is_refused_by_each_other_version() {
    if !can_run() {
        return;
    }
    let mut pairs = 0;
    for src in ["4.0", "4.4", "4.6"] {
        let so = build_of(src);
        if !so.exists() {
            assert!(
                !required(),
                "no build for {src}: {} (scripts/wireshark-versions.sh plugin {src})",
                so.display()
            );
            skip(&format!("no build for {src} ({})", so.display()));
            continue;
        }
        let needed = soname(&so);
        for dst in ["4.0", "4.4", "4.6"] {
            if src == dst {
                continue;
            }
            let line = assert_refused(src, dst, &so, None, "Couldn't load plugin 'libsctpkit.so'");
            assert!(
                line.contains(&needed),
                "the {src} build in {dst}: the refusal does not name {needed}: {line}"
            );
            pairs += 1;
        }
    }
    eprintln!("versions: {pairs} cross-version pairs refused");
    assert!(pairs >= 2);
}

/// The 4.0 build in 4.4's and 4.6's folders with 4.0's libwireshark.so.16 (and
/// the libraries it needs that those systems lack) loadable, as when both
/// library packages are installed: the .so loads and Wireshark's own version
/// check refuses it ("The plugin 'libsctpkit.so' was compiled for Wireshark
/// version 4.0") before calling anything in it.
#[test]
fn with_4_0_libraries_loadable_the_version_check_refuses_the_4_0_build() {
    if !can_run() {
        return;
    }
    let so = build_of("4.0");
    let lib40 = Path::new("/usr/lib/x86_64-linux-gnu/libwireshark.so.16");
    assert!(
        lib40.exists(),
        "{} is missing (the host's Wireshark 4.0 library)",
        lib40.display()
    );
    let ldd = Command::new("ldd").arg(lib40).output().unwrap();
    let deps: Vec<(String, PathBuf)> = text(&ldd.stdout)
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let name = w.next()?.to_string();
            (w.next()? == "=>").then_some(())?;
            Some((name, PathBuf::from(w.next()?)))
        })
        .collect();
    assert!(deps.len() > 10, "ldd {}: {deps:?}", lib40.display());
    for dst in OTHERS {
        let sys = roots().join(dst);
        let dir =
            std::env::temp_dir().join(format!("sctpkit-ws40-libs-{}-{dst}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut copied = vec![lib40.file_name().unwrap().to_string_lossy().into_owned()];
        std::fs::copy(lib40, dir.join(&copied[0])).unwrap();
        // Only what the root lacks: its own libraries (glib, ...) stay its own.
        for (name, path) in &deps {
            let present = [
                "usr/lib/x86_64-linux-gnu",
                "lib/x86_64-linux-gnu",
                "usr/lib",
            ]
            .iter()
            .any(|d| sys.join(d).join(name).exists());
            if !present {
                std::fs::copy(path, dir.join(name)).unwrap();
                copied.push(name.clone());
            }
        }
        let _ = Command::new("chmod")
            .args(["-R", "a+rX"])
            .arg(&dir)
            .status();
        eprintln!(
            "versions: 4.0 libraries given to {dst}: {}",
            copied.join(" ")
        );
        let line = assert_refused(
            "4.0",
            dst,
            &so,
            Some(&dir),
            "The plugin 'libsctpkit.so' was compiled for Wireshark version 4.0",
        );
        assert!(!line.contains("Couldn't load"), "{line}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
