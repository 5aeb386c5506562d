//! Writing files without losing what the user had: an output that is the
//! input (by device and inode, so symlinks and hard links count) is refused
//! before anything is opened for writing, and a whole new file is written
//! beside its destination and renamed into place only once it is complete.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

pub use sctp_codec::capture::refuse_same_file;

/// Fails when `path` exists and is a directory (or not a regular file).
pub fn refuse_non_file(path: &Path) -> Result<(), String> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(format!("{} is a directory", path.display())),
        Ok(m) if !m.is_file() => Err(format!(
            "{} exists and is not a regular file; choose another output file",
            path.display()
        )),
        _ => Ok(()),
    }
}

/// A new file written beside its destination, renamed over it by
/// [`Replacement::commit`]; dropped without commit, it is removed and the
/// destination is as it was.
#[derive(Debug)]
pub struct Replacement {
    file: Option<File>,
    tmp: PathBuf,
    dest: PathBuf,
    committed: bool,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl Replacement {
    /// Creates the temporary file in the destination's directory (the
    /// symlink's target's, when `dest` is a symlink, so that the link stays a
    /// link), with the existing file's permissions.
    pub fn create(dest: &Path) -> Result<Replacement, String> {
        refuse_non_file(dest)?;
        let existing = std::fs::metadata(dest).ok();
        let dest = match &existing {
            Some(_) => std::fs::canonicalize(dest).unwrap_or_else(|_| dest.to_path_buf()),
            None => dest.to_path_buf(),
        };
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let mut last = None;
        for _ in 0..100 {
            let tmp = dir.join(format!(
                ".{name}.sctp-craft-{}-{}.tmp",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            ));
            match OpenOptions::new().write(true).create_new(true).open(&tmp) {
                Ok(f) => {
                    if let Some(m) = &existing {
                        let _ = f.set_permissions(m.permissions());
                    }
                    return Ok(Replacement {
                        file: Some(f),
                        tmp,
                        dest,
                        committed: false,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(format!("{}: {e}", dest.display())),
            }
        }
        Err(format!(
            "{}: no temporary file beside it: {}",
            dest.display(),
            last.map(|e| e.to_string()).unwrap_or_default()
        ))
    }

    /// The file to write (once; later calls give an error).
    pub fn take_file(&mut self) -> io::Result<File> {
        self.file
            .take()
            .ok_or_else(|| io::Error::other("the output file was already taken"))
    }

    /// Where the file is written until it is committed.
    pub fn temp_path(&self) -> &Path {
        &self.tmp
    }

    /// The destination (the symlink's target when it was one).
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Syncs the written file (`file` is what [`Replacement::take_file`] gave,
    /// after its writer was flushed) and renames it over the destination.
    pub fn commit(mut self, file: Option<&File>) -> Result<(), String> {
        if let Some(f) = file.or(self.file.as_ref()) {
            f.sync_all()
                .map_err(|e| format!("{}: {e}", self.dest.display()))?;
        }
        std::fs::rename(&self.tmp, &self.dest)
            .map_err(|e| format!("{}: {e}", self.dest.display()))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Replacement {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// What is wrong with a capture file that cannot be read from its start:
/// a directory, an empty file, a file cut inside its pcap file header or
/// its first pcapng section header block. `Ok` when none of these (the
/// reader says the rest); gzip files are left to the reader.
pub fn capture_precheck(path: &Path) -> Result<(), String> {
    let disp = path.display();
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    if meta.is_dir() {
        return Err(format!("{disp} is a directory, not a capture file"));
    }
    let len = meta.len();
    if meta.is_file() && len == 0 {
        return Err(format!("{disp} is empty (0 bytes): not a capture"));
    }
    if !meta.is_file() {
        return Ok(());
    }
    let mut head = [0u8; 12];
    let n = match File::open(path).and_then(|f| read_up_to(&f, &mut head)) {
        Ok(n) => n,
        Err(_) => return Ok(()),
    };
    let pcap_magic = [
        [0xd4, 0xc3, 0xb2, 0xa1],
        [0x4d, 0x3c, 0xb2, 0xa1],
        [0xa1, 0xb2, 0xc3, 0xd4],
        [0xa1, 0xb2, 0x3c, 0x4d],
    ];
    if n >= 4 && pcap_magic.iter().any(|m| head[..4] == *m) && len < 24 {
        return Err(format!(
            "{disp} is cut inside its pcap file header ({len} of 24 bytes)"
        ));
    }
    if n >= 4 && head[..4] == [0x0a, 0x0d, 0x0d, 0x0a] {
        let block_len = (n >= 12).then(|| {
            let l = [head[4], head[5], head[6], head[7]];
            match head[8..12] {
                [0x1a, 0x2b, 0x3c, 0x4d] => u64::from(u32::from_be_bytes(l)),
                _ => u64::from(u32::from_le_bytes(l)),
            }
        });
        match block_len {
            None => {
                return Err(format!(
                    "{disp} is cut inside its pcapng section header block ({len} bytes; it needs at least 28)"
                ))
            }
            Some(b) if len < b => {
                return Err(format!(
                    "{disp} is cut inside its pcapng section header block ({len} of {b} bytes)"
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

fn read_up_to(f: &File, buf: &mut [u8]) -> io::Result<usize> {
    use std::os::unix::fs::FileExt;
    let mut n = 0;
    while n < buf.len() {
        match f.read_at(&mut buf[n..], n as u64)? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// The text of an error met while reading a capture: the reader's, except
/// when a pcapng file is cut inside a block that holds no frame (statistics,
/// interfaces, names): then that block is named, and the frame the reader
/// blamed (one past the last) is not.
pub fn describe_read_error(path: Option<&Path>, e: &sctp_codec::capture::CaptureError) -> String {
    use sctp_codec::capture::CaptureErrorKind;
    let plain = e.to_string();
    let (Some(path), CaptureErrorKind::Truncated) = (path, &e.kind) else {
        return plain;
    };
    let Ok(f) = File::open(path) else {
        return plain;
    };
    let mut magic = [0u8; 4];
    if read_up_to(&f, &mut magic).ok() != Some(4) || magic != [0x0a, 0x0d, 0x0d, 0x0a] {
        return plain;
    }
    let mut hdr = [0u8; 4];
    {
        use std::os::unix::fs::FileExt;
        if f.read_exact_at(&mut hdr, e.offset).is_err() {
            return plain;
        }
    }
    // Block types are written in the section's byte order; the known ones
    // read the same either way round only for the SHB, so try both.
    let le = u32::from_le_bytes(hdr);
    let be = u32::from_be_bytes(hdr);
    let name = |t: u32| match t {
        1 => Some("an Interface Description Block"),
        4 => Some("a Name Resolution Block"),
        5 => Some("an Interface Statistics Block"),
        0x0A0D_0D0A => Some("a Section Header Block"),
        0x0000_000A => Some("a Decryption Secrets Block"),
        0x0000_0BAD | 0x4000_0BAD => Some("a Custom Block"),
        _ => None,
    };
    match name(le).or_else(|| name(be)) {
        Some(block) => format!(
            "cut inside {block} at byte {}, after the last frame ({}): every frame before it was read",
            e.offset,
            e.frame.saturating_sub(1)
        ),
        None => plain,
    }
}
