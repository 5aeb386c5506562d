//! The hand-driven link of the S-SCTP tests (ssctp.rs, ssctp_keylog.rs):
//! two endpoints, every packet handed over at once (1 ms of virtual time
//! apart), recorded for a pcapng capture, and optionally tampered with on
//! its way from A (endpoint 0) to B; and tshark with the sctpkit plugin
//! for their captures.

#![allow(dead_code)]

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sctp_endpoint::{AssocId, Config, ConnectOptions, Endpoint, Event};

/// The key-log tests' helpers: a recorded session, its key log, and what
/// sctp-craft and the plugin read from them.
pub mod keylog;
/// The S-SCTP tests' helpers on the in-memory link.
pub mod net;

/// Changes a packet in flight; true when it did.
pub type Tamper = Box<dyn FnMut(&mut Vec<u8>) -> bool>;

/// Two endpoints, packets handed over at once (1 ms apart) and recorded.
pub struct Pump {
    pub eps: [Endpoint; 2],
    pub addrs: [IpAddr; 2],
    pub now: Instant,
    pub start: Instant,
    pub frames: Vec<(Duration, IpAddr, IpAddr, Vec<u8>)>,
    pub events: [Vec<Event>; 2],
    /// Changes a packet from A before delivery (returns true if it did).
    pub tamper: Option<Tamper>,
    pub tampered: usize,
}

impl Pump {
    pub fn new(a: Config, b: Config) -> Self {
        let now = Instant::now();
        let mut eb = Endpoint::new(b, now, [4; 32]);
        eb.listen(5000);
        Pump {
            eps: [Endpoint::new(a, now, [3; 32]), eb],
            addrs: ["10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap()],
            now,
            start: now,
            frames: Vec::new(),
            events: [Vec::new(), Vec::new()],
            tamper: None,
            tampered: 0,
        }
    }

    /// Runs until `done` or `limit` of virtual time.
    pub fn run(&mut self, limit: Duration, mut done: impl FnMut(&Pump) -> bool) -> bool {
        let end = self.now + limit;
        let mut buf = Vec::new();
        loop {
            let mut moved = false;
            for i in 0..2 {
                while let Some(t) = self.eps[i].poll_transmit(self.now, &mut buf) {
                    moved = true;
                    let mut p = buf.clone();
                    if i == 0 {
                        if let Some(f) = self.tamper.as_mut() {
                            if f(&mut p) {
                                self.tampered += 1;
                            }
                        }
                    }
                    self.frames
                        .push((self.now - self.start, t.local, t.remote.ip(), p.clone()));
                    let from = SocketAddr::new(self.addrs[i], 0);
                    self.eps[1 - i].handle_packet(self.now, from, self.addrs[1 - i], &p);
                }
                while let Some(e) = self.eps[i].poll_event() {
                    self.events[i].push(e);
                }
            }
            if done(self) {
                return true;
            }
            if !moved {
                let next = self.eps.iter().filter_map(|e| e.poll_timeout()).min();
                match next {
                    Some(t) if t <= end => {
                        self.now = self.now.max(t);
                        for e in &mut self.eps {
                            if e.poll_timeout().is_some_and(|x| x <= self.now) {
                                e.handle_timeout(self.now);
                            }
                        }
                    }
                    _ => return done(self),
                }
            } else {
                self.now += Duration::from_millis(1);
            }
        }
    }

    pub fn has(&self, node: usize, f: impl Fn(&Event) -> bool) -> bool {
        self.events[node].iter().any(f)
    }

    /// A (endpoint 0) connects from port 5001 to B's port 5000.
    pub fn connect(&mut self) -> AssocId {
        let now = self.now;
        self.eps[0]
            .connect(
                now,
                ConnectOptions::new(self.addrs[0], 5001, (self.addrs[1], 0).into(), 5000),
            )
            .unwrap()
    }

    /// Whether both endpoints reported their secure session up.
    pub fn both_secure(&self) -> bool {
        let up = |n: usize| self.has(n, |e| matches!(e, Event::SecureSessionUp { .. }));
        up(0) && up(1)
    }

    /// The frames as pcapng, IPv4 (LINKTYPE_IPV4 228) with protocol 132.
    pub fn pcapng(&self) -> Vec<u8> {
        fn block(out: &mut Vec<u8>, ty: u32, body: &[u8]) {
            let len = 12 + body.len().div_ceil(4) * 4;
            out.extend_from_slice(&ty.to_le_bytes());
            out.extend_from_slice(&(len as u32).to_le_bytes());
            out.extend_from_slice(body);
            out.resize(out.len() + (4 - body.len() % 4) % 4, 0);
            out.extend_from_slice(&(len as u32).to_le_bytes());
        }
        let mut out = Vec::new();
        let mut shb = Vec::new();
        shb.extend_from_slice(&0x1A2B3C4Du32.to_le_bytes());
        shb.extend_from_slice(&1u16.to_le_bytes());
        shb.extend_from_slice(&0u16.to_le_bytes());
        shb.extend_from_slice(&(-1i64).to_le_bytes());
        block(&mut out, 0x0A0D0D0A, &shb);
        let mut idb = Vec::new();
        idb.extend_from_slice(&228u16.to_le_bytes());
        idb.extend_from_slice(&0u16.to_le_bytes());
        idb.extend_from_slice(&65535u32.to_le_bytes());
        block(&mut out, 1, &idb);
        // 2026-12-01 00:00 UTC, then the virtual time.
        let epoch = 1_796_083_200u64 * 1_000_000;
        for (t, src, dst, sctp) in &self.frames {
            let (IpAddr::V4(s), IpAddr::V4(d)) = (src, dst) else {
                continue;
            };
            let mut ipv4 = vec![0x45, 0];
            ipv4.extend_from_slice(&((20 + sctp.len()) as u16).to_be_bytes());
            ipv4.extend_from_slice(&[0, 0, 0x40, 0, 64, 132, 0, 0]);
            ipv4.extend_from_slice(&s.octets());
            ipv4.extend_from_slice(&d.octets());
            let mut sum: u32 = ipv4
                .chunks(2)
                .map(|w| u16::from_be_bytes([w[0], w[1]]) as u32)
                .sum();
            while sum > 0xffff {
                sum = (sum & 0xffff) + (sum >> 16);
            }
            ipv4[10..12].copy_from_slice(&(!(sum as u16)).to_be_bytes());
            ipv4.extend_from_slice(sctp);
            let ts = epoch + t.as_micros() as u64;
            let mut epb = Vec::new();
            epb.extend_from_slice(&0u32.to_le_bytes());
            epb.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
            epb.extend_from_slice(&(ts as u32).to_le_bytes());
            epb.extend_from_slice(&(ipv4.len() as u32).to_le_bytes());
            epb.extend_from_slice(&(ipv4.len() as u32).to_le_bytes());
            epb.extend_from_slice(&ipv4);
            epb.resize(epb.len().div_ceil(4) * 4, 0);
            block(&mut out, 6, &epb);
        }
        out
    }
}

/// The top-level chunk types of an SCTP packet.
pub fn chunk_types(p: &[u8]) -> Vec<u8> {
    let mut t = Vec::new();
    let mut at = 12;
    while at + 4 <= p.len() {
        let len = u16::from_be_bytes([p[at + 2], p[at + 3]]) as usize;
        if len < 4 {
            break;
        }
        t.push(p[at]);
        at += (len + 3) & !3;
    }
    t
}

/// tshark with the sctpkit Wireshark plugin (target/release/libsctpkit.so,
/// built by scripts/test.sh) on a copy of `cap` (`capture.pcapng`, and
/// `keys` as `capture.keys`) in a fresh directory, which is returned with
/// the command `tshark -n -r capture.pcapng` to add to and run there.
/// Wireshark loads personal plugins only for a user other than root: as
/// root it runs as nobody (setpriv). `None`, with a loud SKIPPED naming
/// `what`, without tshark or the built plugin.
pub fn plugin_tshark(what: &str, cap: &Path, keys: Option<&Path>) -> Option<(PathBuf, Command)> {
    let so = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release/libsctpkit.so");
    let version = Command::new("tshark").arg("--version").output();
    let (true, Ok(version)) = (so.exists(), version) else {
        eprintln!("SKIPPED {what}: no tshark or no {}", so.display());
        return None;
    };
    let v = String::from_utf8_lossy(&version.stdout);
    let Some(v) = v
        .split_whitespace()
        .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .and_then(|w| {
            let mut it = w.split('.');
            Some(format!("{}.{}", it.next()?, it.next()?))
        })
    else {
        eprintln!("SKIPPED {what}: no version in tshark --version");
        return None;
    };
    static RUN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let k = RUN.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let base = std::env::temp_dir().join(format!("sctpkit-ssctp-ws-{}-{k}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let epan = base.join(format!("home/.local/lib/wireshark/plugins/{v}/epan"));
    std::fs::create_dir_all(&epan).unwrap();
    std::fs::copy(&so, epan.join("libsctpkit.so")).unwrap();
    std::fs::copy(cap, base.join("capture.pcapng")).unwrap();
    if let Some(keys) = keys {
        std::fs::copy(keys, base.join("capture.keys")).unwrap();
    }
    let _ = Command::new("chmod")
        .args(["-R", "a+rwX"])
        .arg(&base)
        .status();
    let _ = Command::new("chmod")
        .arg("a+rx")
        .arg(std::env::temp_dir())
        .status();
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let mut c = if root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "env"]);
        c
    } else {
        Command::new("env")
    };
    c.arg(format!("HOME={}", base.join("home").display()));
    c.args(["tshark", "-n", "-r", "capture.pcapng"]);
    c.current_dir(&base);
    Some((base, c))
}
