//! Shared helpers of the plugin's tshark tests: find the built plugin, set up
//! a personal plugin folder in a private HOME, and run tshark as a user that
//! Wireshark lets load personal plugins (as root: `nobody` through setpriv).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The test environment: a HOME with the plugin installed in it.
pub struct Env {
    /// The private HOME.
    pub home: PathBuf,
    /// A scratch folder readable by the tshark user.
    pub scratch: PathBuf,
    /// Whether tshark runs through setpriv (we are root).
    pub as_nobody: bool,
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The shared capture corpus (`../shared/captures` from the repository root).
pub fn captures_dir() -> PathBuf {
    repo_root().join("../shared/captures")
}

/// Every capture of the shared corpus, sorted.
pub fn captures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(captures_dir())
        .expect("the shared capture corpus (../shared/captures) is missing")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().to_string();
            [".pcap", ".cap", ".pcapng", ".pcapng.gz"]
                .iter()
                .any(|s| n.ends_with(s))
        })
        .collect();
    v.sort();
    v
}

/// The newest modification time of the files below `dir`.
fn newest(dir: &Path) -> std::time::SystemTime {
    let mut t = std::time::SystemTime::UNIX_EPOCH;
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            let m = if p.is_dir() {
                newest(&p)
            } else {
                e.metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::SystemTime::UNIX_EPOCH)
            };
            t = t.max(m);
        }
    }
    t
}

/// The plugin, built by `cargo build -p dissector-plugin` in the same profile
/// as this test binary (`cargo test` does not build a cdylib-only crate;
/// `scripts/test.sh` builds it first). A plugin older than its sources is refused.
pub fn plugin_so() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let so = profile_dir.join("libsctpkit.so");
    let profile = profile_dir
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    let flag = if profile == "release" {
        " --release"
    } else {
        ""
    };
    assert!(
        so.exists(),
        "{} is not built: run `cargo build{flag} -p dissector-plugin` (scripts/test.sh does)",
        so.display()
    );
    let built = std::fs::metadata(&so).and_then(|m| m.modified()).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sources = [
        root.join("src"),
        root.join("csrc"),
        root.join("../codec/src"),
    ]
    .iter()
    .map(|d| newest(d))
    .max()
    .unwrap();
    assert!(
        built >= sources,
        "{} is older than its sources: run `cargo build{flag} -p dissector-plugin`",
        so.display()
    );
    so
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn chmod_all(p: &Path) {
    let _ = Command::new("chmod").args(["-R", "a+rwX"]).arg(p).status();
}

/// The environment, set up once per test binary.
pub fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let base = std::env::temp_dir().join(format!("sctpkit-tests-{}", std::process::id()));
        let home = base.join("home");
        let epan = home.join(format!(
            ".local/lib/wireshark/plugins/{}/epan",
            env!("SCTPKIT_WS_VERSION")
        ));
        std::fs::create_dir_all(&epan).unwrap();
        std::fs::copy(plugin_so(), epan.join("libsctpkit.so")).unwrap();
        let scratch = base.join("scratch");
        std::fs::create_dir_all(&scratch).unwrap();
        chmod_all(&base);
        let _ = Command::new("chmod")
            .args(["a+rx"])
            .arg(std::env::temp_dir())
            .status();
        Env {
            home,
            scratch,
            as_nobody: is_root(),
        }
    })
}

/// Runs tshark with the plugin loadable (personal plugin folder in HOME).
pub fn tshark<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let e = env();
    let mut c = if e.as_nobody {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "env"]);
        c
    } else {
        Command::new("env")
    };
    c.arg(format!("HOME={}", e.home.display()));
    c.arg("tshark");
    c.args(args);
    c.current_dir(&e.scratch);
    c.output()
        .expect("tshark could not be run (is it installed?)")
}

/// tshark's stdout, asserting success.
pub fn tshark_ok<I, S>(args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let o = tshark(args);
    assert!(
        o.status.success(),
        "tshark failed: {:?}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Makes a file readable by the tshark user (in the scratch folder).
pub fn share(p: &Path) {
    chmod_all(p);
}

/// Options that make the built-in and sctpkit comparable: absolute TSNs,
/// association indices and CRC32c verification in both.
pub const COMMON_OPTS: &[&str] = &[
    "-o",
    "sctp.relative_tsns:FALSE",
    // The built-in's association indices (sctpkit always computes them: the
    // oracle compares sctpkit.assoc_index with them).
    "-o",
    "sctp.association_index:TRUE",
    "-o",
    "sctp.checksum:CRC-32C",
    "-o",
    "sctpkit.checksum:crc32c",
];
