//! Refusing an output file that is the capture being read: `-w IN IN`,
//! `to-script IN -o IN`, `graph IN -o IN` would truncate the input before
//! (or while) reading it. Files are compared by device and inode, so a
//! symlink or a hard link to the input counts as the input.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Device and inode of `path` (following symlinks), if it exists.
fn identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Device and inode of what standard input reads, when it is a file.
fn stdin_identity() -> Option<(u64, u64)> {
    let m = std::fs::metadata("/proc/self/fd/0").ok()?;
    m.is_file().then(|| (m.dev(), m.ino()))
}

/// Fails when `out` is the same file as `input` ("-": standard input): the
/// same path, a symlink or a hard link to it. An `out` that does not exist
/// yet is never the input.
pub fn refuse_same_file(out: &Path, input: &Path) -> Result<(), String> {
    let Some(o) = identity(out) else {
        return Ok(());
    };
    let i = if input.as_os_str() == "-" {
        stdin_identity()
    } else {
        identity(input)
    };
    if i == Some(o) {
        let what = if input.as_os_str() == "-" {
            "the file on standard input".to_string()
        } else {
            input.display().to_string()
        };
        return Err(format!(
            "{} is the input ({what}): writing it would destroy the capture being read; choose another output file",
            out.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_input_by_any_name_is_refused() {
        let dir = std::env::temp_dir().join(format!("sctpkit-guard-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let input = dir.join("in.pcap");
        std::fs::write(&input, b"capture").unwrap();
        std::os::unix::fs::symlink(&input, dir.join("sym.pcap")).unwrap();
        std::fs::hard_link(&input, dir.join("hard.pcap")).unwrap();
        std::fs::write(dir.join("other.pcap"), b"other").unwrap();
        for same in ["in.pcap", "sym.pcap", "hard.pcap", "./in.pcap"] {
            let e = refuse_same_file(&dir.join(same), &input).unwrap_err();
            assert!(
                e.contains("would destroy the capture being read"),
                "{same}: {e}"
            );
        }
        for other in ["other.pcap", "new.pcap"] {
            assert!(
                refuse_same_file(&dir.join(other), &input).is_ok(),
                "{other}"
            );
        }
        assert_eq!(std::fs::read(&input).unwrap(), b"capture");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
