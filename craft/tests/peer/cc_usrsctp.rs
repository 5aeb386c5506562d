//! Compiling a usrsctp C program for the live tests: one file for craft's,
//! the endpoint's and sctp-replay's (included with `#[path]`), each with its
//! own program, compiler and output name.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Compiles `src` with `cc` (`gcc`, `cc`) at `opt` (`-O1`, `-O2`) against
/// usrsctp (pkg-config) into `dir/name`: built under a private name, then
/// renamed, since test binaries may race.
pub fn compile(src: &Path, dir: &Path, name: &str, cc: &str, opt: &str) -> Result<PathBuf, String> {
    let out = dir.join(name);
    let tmp = dir.join(format!("{name}.{}", std::process::id()));
    let flags = Command::new("pkg-config")
        .args(["--cflags", "--libs", "usrsctp"])
        .output()
        .map_err(|e| format!("pkg-config: {e} (run scripts/install-deps.sh)"))?;
    if !flags.status.success() {
        return Err("pkg-config does not know usrsctp: install libusrsctp-dev".into());
    }
    let flags = String::from_utf8_lossy(&flags.stdout).to_string();
    let o = Command::new(cc)
        .args([opt, "-Wall", "-o"])
        .arg(&tmp)
        .arg(src)
        .args(flags.split_whitespace())
        .arg("-lpthread")
        .output()
        .map_err(|e| format!("{cc}: {e}"))?;
    if !o.status.success() {
        return Err(format!(
            "{cc} failed on {}:\n{}",
            src.display(),
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    std::fs::rename(&tmp, &out).map_err(|e| format!("rename: {e}"))?;
    Ok(out)
}
