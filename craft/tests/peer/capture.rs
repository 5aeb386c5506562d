//! A tshark capture around a live exchange, and its dissection by tshark,
//! the independent oracle for what went on the wire.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::channel;
use std::time::Duration;

/// A running tshark writing to a pcapng file.
pub struct Capture {
    child: Option<Child>,
    /// The capture file.
    pub file: PathBuf,
}

impl Capture {
    /// Starts tshark on `iface` with capture filter `filter` (in namespace
    /// `netns` if given) and waits until it captures.
    pub fn start(
        iface: &str,
        filter: &str,
        netns: Option<&str>,
        name: &str,
    ) -> Result<Capture, String> {
        let file = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("{name}-{}.pcapng", std::process::id()));
        let _ = std::fs::remove_file(&file);
        let mut cmd = match netns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns, "tshark"]);
                c
            }
            None => Command::new("tshark"),
        };
        let mut child = cmd
            .args(["-q", "-i", iface, "-f", filter, "-w"])
            .arg(&file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting tshark: {e}"))?;
        let err = child.stderr.take().expect("piped stderr");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut cap = Capture {
            child: Some(child),
            file,
        };
        loop {
            match rx.recv_timeout(Duration::from_secs(10)) {
                Ok(l) if l.contains("Capture started") => break,
                Ok(_) => continue,
                Err(_) => {
                    cap.stop();
                    return Err("tshark did not start capturing within 10 s".into());
                }
            }
        }
        Ok(cap)
    }
    /// Stops tshark (SIGINT, so the file is complete).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            // Let the last packets reach the capture buffer.
            std::thread::sleep(Duration::from_millis(300));
            let _ = Command::new("kill")
                .args(["-INT", &c.id().to_string()])
                .status();
            for _ in 0..50 {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
    /// tshark's reading of the capture, one row per SCTP packet: the chunk
    /// type names (comma separated) and the checksum status, with `extra`
    /// tshark options (e.g. `-d udp.port==N,sctp`).
    pub fn dissect(&self, extra: &[&str]) -> Result<Vec<(String, String)>, String> {
        let o = Command::new("tshark")
            .arg("-r")
            .arg(&self.file)
            .args(["-o", "sctp.checksum:CRC-32C"])
            .args(extra)
            .args(["-Y", "sctp", "-T", "fields", "-E", "separator=;"])
            .args(["-e", "sctp.chunk_type", "-e", "sctp.checksum.status"])
            .output()
            .map_err(|e| format!("tshark -r: {e}"))?;
        if !o.status.success() {
            return Err(format!(
                "tshark -r failed: {}",
                String::from_utf8_lossy(&o.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| {
                let mut it = l.split(';');
                let types = it.next().unwrap_or("").to_string();
                let status = it.next().unwrap_or("").to_string();
                (types, status)
            })
            .collect())
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.stop();
    }
}
