//! The usrsctp live peer for the live tests: builds `usrsctp_peer.c` with gcc
//! once per test binary, runs it (optionally inside a network namespace),
//! reads its line log, and kills it on drop. Also: tshark captures and
//! throw-away network namespaces.
#![allow(dead_code)]

pub mod capture;
/// Compiling a usrsctp C program (shared with the endpoint's and sctp-replay's tests).
pub mod cc_usrsctp;
pub mod netns;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long the peer may take to print its "listening" line.
const START_TIMEOUT: Duration = Duration::from_secs(5);

/// Compiles the peer (once per test binary) and returns its path.
pub fn binary() -> Result<PathBuf, String> {
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BIN.get_or_init(build).clone()
}

fn build() -> Result<PathBuf, String> {
    cc_usrsctp::compile(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peer/usrsctp_peer.c"),
        &PathBuf::from(env!("CARGO_TARGET_TMPDIR")),
        "usrsctp_peer",
        "gcc",
        "-O1",
    )
}

/// Returns a UDP port that was free a moment ago on 127.0.0.1.
pub fn free_udp_port() -> u16 {
    let s = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    s.local_addr().expect("local_addr").port()
}

/// A running usrsctp peer.
pub struct Peer {
    child: Child,
    lines: Receiver<String>,
    /// Every line it printed so far.
    seen: Arc<Mutex<Vec<String>>>,
}

/// How to start the peer.
pub struct PeerOpts<'a> {
    /// Program and arguments to run it under (e.g. `ip netns exec NS`).
    pub prefix: &'a [&'a str],
    /// Local UDP encapsulation port, 0 for raw IP.
    pub encaps: u16,
    /// Address to bind.
    pub addr: &'a str,
    /// SCTP port to listen on.
    pub port: u16,
    /// Echo each message back.
    pub echo: bool,
}

impl Peer {
    /// Starts the peer on 127.0.0.1, SCTP port 5000, over UDP encapsulation
    /// on a free port; returns it and that port.
    pub fn start_udp_loopback(echo: bool) -> (Peer, u16) {
        let encaps = free_udp_port();
        let peer = Peer::start(&PeerOpts {
            prefix: &[],
            encaps,
            addr: "127.0.0.1",
            port: 5000,
            echo,
        })
        .expect("usrsctp peer");
        (peer, encaps)
    }

    /// Starts the peer and waits for its "listening" line.
    pub fn start(o: &PeerOpts<'_>) -> Result<Peer, String> {
        let bin = binary()?;
        let mut cmd = match o.prefix.split_first() {
            Some((p, rest)) => {
                let mut c = Command::new(p);
                c.args(rest).arg(&bin);
                c
            }
            None => Command::new(&bin),
        };
        cmd.arg(o.encaps.to_string())
            .arg(o.addr)
            .arg(o.port.to_string());
        if o.echo {
            cmd.arg("echo");
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", bin.display()))?;
        let out = child.stdout.take().expect("piped stdout");
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
            lines: rx,
            seen,
        };
        match p.wait_for("listening", START_TIMEOUT) {
            Some(_) => Ok(p),
            None => Err(format!("peer did not start; it printed: {:?}", p.log())),
        }
    }
    /// Waits up to `timeout` for a line containing `what`; returns it.
    /// Lines before it are consumed (still in [`Peer::log`]).
    pub fn wait_for(&mut self, what: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) if l.contains(what) => return Some(l),
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
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// True when running as root (raw sockets and namespaces need it).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
