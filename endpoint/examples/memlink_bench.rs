//! In-memory throughput of our endpoint to itself through the library's
//! `memlink` driver: no sockets, no impairment, zero delay, one thread, a
//! virtual clock. One endpoint sends messages of one size round-robin over
//! 4 streams, refilling its send buffer as it drains, until `--mb` MiB have
//! been delivered to the other.
//!
//! Prints a header line, then per size:
//! `size messages bytes seconds mbit_s cpu_s_per_gb`, where `mbit_s` is
//! user bytes delivered per wall-clock second and `cpu_s_per_gb` the
//! thread's CPU time (from /proc/thread-self/schedstat) per 10^9 user bytes.
//! `--ext plain,auth,ssctp3` runs each size with each variant (SCTP-AUTH
//! on DATA and SACK with HMAC-SHA-256, RFC 4895; an S-SCTP secure session
//! at level 1-3 with the test certificates and suite 24, AES-256-CBC with
//! HMAC-SHA-1; `ssctp1gcm` to `ssctp3gcm` with sctpkit's private
//! AES-256-GCM suite 0xFE02) and adds an `ext` column first.
//!
//! ```text
//! cargo run --release -p sctp-endpoint --example memlink_bench -- [--mb 256] [--sizes 1200,8192,65536] [--ext plain,auth,ssctp3,ssctp3gcm]
//! ```

use std::net::IpAddr;
use std::time::{Duration, Instant};

use sctp_endpoint::driver::memlink::{Impairment, Network};
use sctp_endpoint::secure::{Credentials, Requirement, SecureConfig};
use sctp_endpoint::{AssocChange, Config, ConnectOptions, Endpoint, Event, SendError};

/// CPU time of this thread so far (Linux), or `None`.
fn cpu_time() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

fn usage(e: &str) -> ! {
    eprintln!("memlink_bench: {e}");
    eprintln!(
        "usage: memlink_bench [--mb N] [--sizes A,B,...] [--ext plain,auth,ssctp1,ssctp2,ssctp3,ssctp1gcm,ssctp3gcm]"
    );
    std::process::exit(2)
}

/// What both endpoints run besides plain SCTP.
#[derive(Clone, Copy, PartialEq)]
enum Ext {
    Plain,
    /// SCTP-AUTH (RFC 4895), DATA and SACK authenticated with HMAC-SHA-256.
    Auth,
    /// An S-SCTP secure session at this level (1-3), both directions, with
    /// the draft's suite 24 (AES-256-CBC, HMAC-SHA-1).
    Secure(u8),
    /// The same with sctpkit's private AES-256-GCM suite (0xFE02).
    SecureGcm(u8),
}

impl Ext {
    fn parse(s: &str) -> Option<Ext> {
        match s {
            "plain" => Some(Ext::Plain),
            "auth" => Some(Ext::Auth),
            _ => {
                let l = s.strip_prefix("ssctp")?;
                let (l, gcm) = match l.strip_suffix("gcm") {
                    Some(l) => (l, true),
                    None => (l, false),
                };
                match (l.parse().ok()?, gcm) {
                    (l @ 1..=3, false) => Some(Ext::Secure(l)),
                    (l @ 1..=3, true) => Some(Ext::SecureGcm(l)),
                    _ => None,
                }
            }
        }
    }

    fn name(self) -> String {
        match self {
            Ext::Plain => "plain".into(),
            Ext::Auth => "auth".into(),
            Ext::Secure(l) => format!("ssctp{l}"),
            Ext::SecureGcm(l) => format!("ssctp{l}gcm"),
        }
    }

    /// The configuration of endpoint `who` ("client" or "server": the test
    /// certificates of endpoint/tests/data/ssctp).
    fn config(self, mut cfg: Config, who: &str) -> Config {
        match self {
            Ext::Plain => {}
            Ext::Auth => {
                cfg.auth = true;
                cfg.auth_chunks = vec![0x00, 0x03];
                cfg.auth_hmacs = vec![sctp_codec::auth::HmacAlgorithm::Sha256];
                cfg.auth_keys = vec![(1, b"bench-key".to_vec())];
                cfg.auth_active_key = 1;
            }
            Ext::Secure(level) | Ext::SecureGcm(level) => {
                let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ssctp");
                let read = |f: &str| {
                    std::fs::read(dir.join(f)).unwrap_or_else(|e| usage(&format!("{f}: {e}")))
                };
                let credentials = Credentials {
                    chain: Credentials::pem_certs(&read(&format!("{who}.pem"))).unwrap(),
                    key: Some(Credentials::pkcs8_key(&read(&format!("{who}.key"))).unwrap()),
                    trust: Credentials::pem_certs(&read("ca.pem")).unwrap(),
                    pinned: Vec::new(),
                    // Inside the test certificates' validity (2030-01-01).
                    time: Some(1_893_456_000),
                };
                let suites = match self {
                    Ext::SecureGcm(_) => vec![sctp_endpoint::secure::suite::GCM_256],
                    _ => vec![24],
                };
                cfg.secure = Some(SecureConfig {
                    level,
                    requirement: Requirement::Require,
                    credentials,
                    suites,
                    ..Default::default()
                });
            }
        }
        cfg
    }
}

fn one(size: usize, total: u64, ext: Ext) -> (u64, u64, f64, Option<f64>) {
    let a_ip: IpAddr = "10.0.0.1".parse().unwrap();
    let b_ip: IpAddr = "10.0.0.2".parse().unwrap();
    let now = Instant::now();
    let imp = Impairment {
        delay: Duration::ZERO,
        reorder_delay: Duration::ZERO,
        ..Impairment::default()
    };
    let mut n = Network::new(now, imp, 1);
    let cfg = Config {
        max_message_size: size.max(1 << 20),
        ..Config::default()
    };
    n.add(
        Endpoint::new(ext.config(cfg.clone(), "client"), now, [1; 32]),
        vec![a_ip],
    );
    let mut b = Endpoint::new(ext.config(cfg, "server"), now, [2; 32]);
    b.listen(5000);
    n.add(b, vec![b_ip]);
    let id = n
        .ep(0)
        .connect(now, ConnectOptions::new(a_ip, 5001, (b_ip, 0).into(), 5000))
        .expect("connect");
    let up = n.run_until(Duration::from_secs(10), |n| {
        n.events[0].iter().any(|e| {
            matches!(
                e,
                Event::AssocChange {
                    change: AssocChange::CommUp,
                    ..
                }
            )
        })
    });
    assert!(up, "no association");
    if let Ext::Secure(_) | Ext::SecureGcm(_) = ext {
        let secured = n.run_until(Duration::from_secs(10), |n| {
            n.events[0]
                .iter()
                .any(|e| matches!(e, Event::SecureSessionUp { .. }))
        });
        assert!(secured, "no secure session");
    }
    let payload: std::sync::Arc<[u8]> = vec![0x5a; size].into();
    let (mut sent, mut got_bytes, mut got_msgs) = (0u64, 0u64, 0u64);
    let mut stream = 0u16;
    let t0 = Instant::now();
    let c0 = cpu_time();
    let done = n.run_until(Duration::from_secs(3600), |n| {
        while sent < total {
            match n.ep(0).send(id, stream, 0, false, payload.clone()) {
                Ok(()) => {
                    sent += size as u64;
                    stream = (stream + 1) % 4;
                }
                Err(SendError::WouldBlock) => break,
                Err(e) => panic!("send: {e}"),
            }
        }
        for e in n.events[1].drain(..) {
            if let Event::Message { message, .. } = e {
                got_bytes += message.data.len() as u64;
                got_msgs += 1;
            }
        }
        n.events[0].clear();
        got_bytes >= total
    });
    let secs = t0.elapsed().as_secs_f64();
    let cpu = c0.zip(cpu_time()).map(|(a, b)| (b - a).as_secs_f64());
    assert!(done, "only {got_bytes} of {total} bytes delivered");
    (got_msgs, got_bytes, secs, cpu)
}

fn main() {
    let mut mb = 256u64;
    let mut sizes = vec![1200usize, 8192, 65536];
    let mut exts = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it
            .next()
            .unwrap_or_else(|| usage(&format!("{k} needs a value")));
        match k.as_str() {
            "--mb" => mb = v.parse().unwrap_or_else(|_| usage("--mb wants a number")),
            "--sizes" => {
                sizes = v
                    .split(',')
                    .map(|s| s.parse().unwrap_or_else(|_| usage("--sizes wants numbers")))
                    .collect()
            }
            "--ext" => {
                exts = v
                    .split(',')
                    .map(|s| {
                        Ext::parse(s).unwrap_or_else(|| {
                            usage("--ext wants plain, auth, ssctp1-3 or ssctp1gcm-ssctp3gcm")
                        })
                    })
                    .collect()
            }
            _ => usage(&format!("unknown option {k}")),
        }
    }
    // Without --ext: plain only, and no ext column (scripts read it so).
    let labelled = !exts.is_empty();
    if !labelled {
        exts.push(Ext::Plain);
    }
    let ext_col = if labelled { "ext " } else { "" };
    println!("{ext_col}size messages bytes seconds mbit_s cpu_s_per_gb");
    for size in sizes {
        for &ext in &exts {
            let total = (mb << 20) / size as u64 * size as u64;
            let (msgs, bytes, secs, cpu) = one(size, total.max(size as u64), ext);
            let mbit = bytes as f64 * 8.0 / secs / 1e6;
            let per_gb = cpu.map_or("-".to_string(), |c| {
                format!("{:.3}", c / (bytes as f64 / 1e9))
            });
            let label = if labelled {
                format!("{} ", ext.name())
            } else {
                String::new()
            };
            println!("{label}{size} {msgs} {bytes} {secs:.3} {mbit:.1} {per_gb}");
        }
    }
}
