//! usrsctp as a live peer of the endpoint's interop tests: builds
//! `capture-tools/usrsctp_peer.c` with `cc` once per test binary (into the target dir),
//! runs it in either role (optionally inside a network namespace), feeds it
//! commands on stdin, reads its line log, and kills it on drop. Also the
//! checks of what it received, and a message body both sides can verify.
#![allow(dead_code)]

/// The same throw-away namespace as craft's live tests use: one file for both.
#[path = "../../../craft/tests/peer/netns.rs"]
pub mod netns;

/// Compiling the peer: the same code as craft's live tests.
#[path = "../../../craft/tests/peer/cc_usrsctp.rs"]
mod cc_usrsctp;

/// Our side over UDP encapsulation, the recording relay and the capture
/// checks of the usrsctp interop tests.
pub mod udp;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Compiles the peer (once per test binary) and returns its path. Panics
/// (the test fails) when usrsctp or a C compiler is missing.
pub fn binary() -> PathBuf {
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BIN.get_or_init(build) {
        Ok(p) => p.clone(),
        Err(e) => panic!("cannot build the usrsctp peer: {e} (run scripts/install-deps.sh)"),
    }
}

fn build() -> Result<PathBuf, String> {
    // The one usrsctp peer of the project (also used by sctp-replay's tests
    // and scripts/record-captures.sh).
    cc_usrsctp::compile(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../capture-tools/usrsctp_peer.c"),
        &PathBuf::from(env!("CARGO_TARGET_TMPDIR")),
        "endpoint_usrsctp_peer",
        "cc",
        "-O2",
    )
}

/// What the peer is: `server ENCAPS ADDR PORT` or `client ENCAPS ADDR PORT
/// REMOTE_ADDR REMOTE_ENCAPS REMOTE_PORT`, plus options (`hb=MS`, `rtomin=MS`).
pub struct PeerOpts<'a> {
    /// Program and arguments to run it under (e.g. `ip netns exec NS`).
    pub prefix: &'a [&'a str],
    /// The role's arguments.
    pub args: Vec<String>,
}

/// A running usrsctp peer.
pub struct Peer {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Peer {
    /// Starts the peer and waits for its first line ("listening" or
    /// "connecting").
    pub fn start(o: &PeerOpts<'_>) -> Peer {
        let bin = binary();
        let mut cmd = match o.prefix.split_first() {
            Some((p, rest)) => {
                let mut c = Command::new(p);
                c.args(rest).arg(&bin);
                c
            }
            None => Command::new(&bin),
        };
        let mut child = cmd
            .args(&o.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
        let out = child.stdout.take().expect("piped stdout");
        let stdin = child.stdin.take();
        let (tx, rx) = channel();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen2 = seen.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                seen2.lock().unwrap().push(line.clone());
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut p = Peer {
            child,
            stdin,
            lines: rx,
            seen,
        };
        if p.wait_for("listening|connecting", Duration::from_secs(5))
            .is_none()
        {
            panic!("usrsctp peer did not start; it printed: {:?}", p.log());
        }
        p
    }

    /// Sends one command line.
    pub fn cmd(&mut self, line: &str) {
        let w = self.stdin.as_mut().expect("stdin open");
        writeln!(w, "{line}").expect("write to the peer");
        w.flush().expect("flush to the peer");
    }

    /// Waits up to `timeout` for a line containing `what` (or one of its
    /// `|`-separated alternatives); returns it.
    pub fn wait_for(&mut self, what: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) if what.split('|').any(|w| l.contains(w)) => return Some(l),
                Ok(_) => continue,
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
                    return None
                }
            }
        }
    }

    /// Every line the peer printed so far.
    pub fn log(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    /// Whether some line so far contains `what`.
    pub fn saw(&self, what: &str) -> bool {
        self.seen.lock().unwrap().iter().any(|l| l.contains(what))
    }

    /// The number of `data` lines so far.
    pub fn data_count(&self) -> usize {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.starts_with("data "))
            .count()
    }

    /// The messages it received, parsed from its `data` lines.
    pub fn received(&self) -> Vec<Received> {
        self.log()
            .iter()
            .filter(|l| l.starts_with("data "))
            .map(|l| Received::parse(l))
            .collect()
    }

    /// The last lines of its log, for a failure message.
    pub fn tail(&self) -> String {
        let l = self.log();
        l[l.len().saturating_sub(15)..].join("\n")
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One message as the peer (or we) received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub len: usize,
    pub sid: u16,
    pub ppid: u32,
    pub unordered: bool,
    pub idx: u32,
    /// The body matched `body(sid, idx, len)`.
    pub ok: bool,
}

impl Received {
    fn parse(line: &str) -> Received {
        let kv: HashMap<&str, &str> = line
            .split_whitespace()
            .filter_map(|w| w.split_once('='))
            .collect();
        let n = |k: &str| -> u64 {
            kv.get(k)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("no {k} in peer line {line:?}"))
        };
        Received {
            len: n("len") as usize,
            sid: n("sid") as u16,
            ppid: n("ppid") as u32,
            unordered: n("u") == 1,
            idx: n("idx") as u32,
            ok: n("ok") == 1,
        }
    }

    /// From a message our endpoint delivered.
    pub fn of(m: &sctp_endpoint::Message) -> Received {
        let d = &m.data;
        let (sid, idx) = if d.len() >= 6 {
            (
                u16::from_be_bytes([d[0], d[1]]),
                u32::from_be_bytes([d[2], d[3], d[4], d[5]]),
            )
        } else {
            (u16::MAX, u32::MAX)
        };
        Received {
            len: d.len(),
            sid: m.stream,
            ppid: m.ppid,
            unordered: m.unordered,
            idx,
            ok: sid == m.stream && *d == body(sid, idx, d.len()),
        }
    }
}

/// Message `idx` on stream `sid`: stream (2 bytes), index (4), then byte k
/// = k ^ idx (as the peer's `fill`).
pub fn body(sid: u16, idx: u32, len: usize) -> Vec<u8> {
    let mut v: Vec<u8> = (0..len).map(|k| (k as u32 ^ idx) as u8).collect();
    let head = [&sid.to_be_bytes()[..], &idx.to_be_bytes()[..]].concat();
    let n = head.len().min(len);
    v[..n].copy_from_slice(&head[..n]);
    v
}

/// Checks that `got` is exactly messages 0..count, message i on stream
/// i % streams with PPID 1000 + stream, `len(i)` bytes, intact, with the
/// unordered flag as sent, each once, and ordered ones in order per stream.
pub fn check_delivery(
    who: &str,
    got: &[Received],
    count: u32,
    streams: u16,
    len: impl Fn(u32) -> usize,
    unordered: bool,
) {
    assert_eq!(
        got.len(),
        count as usize,
        "{who}: {} messages arrived, {count} were sent",
        got.len()
    );
    let mut seen = vec![false; count as usize];
    let mut last: HashMap<u16, u32> = HashMap::new();
    for r in got {
        assert!(r.idx < count, "{who}: unknown message {r:?}");
        assert!(!seen[r.idx as usize], "{who}: message {} twice", r.idx);
        seen[r.idx as usize] = true;
        let sid = (r.idx % streams as u32) as u16;
        assert_eq!(r.sid, sid, "{who}: message {} on the wrong stream", r.idx);
        assert_eq!(r.ppid, 1000 + sid as u32, "{who}: message {} PPID", r.idx);
        assert_eq!(r.len, len(r.idx), "{who}: message {} length", r.idx);
        assert!(r.ok, "{who}: message {} bytes differ", r.idx);
        assert_eq!(r.unordered, unordered, "{who}: message {} U flag", r.idx);
        if !unordered {
            if let Some(p) = last.insert(sid, r.idx) {
                assert!(
                    p < r.idx,
                    "{who}: stream {sid}: message {} after {p}",
                    r.idx
                );
            }
        }
    }
}
