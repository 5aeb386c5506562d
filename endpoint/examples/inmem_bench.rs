//! In-memory throughput of three sans-IO SCTP stacks, each talking to
//! itself: our endpoint, `dcsctp` and `sctp-proto`. No sockets, no loss,
//! zero delay, one thread: every packet one side writes is handed to the
//! other at once, on a virtual clock (the interop tests' harness,
//! `tests/common`). One side sends messages of one size round-robin over
//! 4 streams until the data per cell has been delivered, refilling its send
//! buffer as it drains; the other counts what it delivered.
//!
//! Prints one table, a header line then one line per (stack, size):
//! `pair size messages bytes seconds mbit_s cpu_s_per_gb`, where `mbit_s` is
//! user bytes delivered per wall-clock second and `cpu_s_per_gb` the
//! thread's CPU time per 10^9 user bytes.
//!
//! ```text
//! cargo run --release -p sctp-endpoint --example inmem_bench -- \
//!     [--mb 256] [--sizes 1200,8192,65536] [--stacks ours,dcsctp,sctp-proto]
//! ```

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::dcsctp_peer::{self, Dcsctp};
use common::ours::Ours;
use common::sctp_proto_peer::{self, SctpProto};
use common::{Pair, Peer, SendFail, OUR_IP, PEER_IP};

struct Args {
    mb: u64,
    sizes: Vec<usize>,
    stacks: Vec<String>,
}

fn usage(e: &str) -> ! {
    eprintln!("inmem_bench: {e}");
    eprintln!("usage: inmem_bench [--mb N] [--sizes A,B,...] [--stacks ours,dcsctp,sctp-proto]");
    std::process::exit(2)
}

fn args() -> Args {
    let mut a = Args {
        mb: 256,
        sizes: vec![1200, 8192, 65536],
        stacks: vec!["ours".into(), "dcsctp".into(), "sctp-proto".into()],
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it
            .next()
            .unwrap_or_else(|| usage(&format!("{k} needs a value")));
        match k.as_str() {
            "--mb" => a.mb = v.parse().unwrap_or_else(|_| usage("--mb wants a number")),
            "--sizes" => {
                a.sizes = v
                    .split(',')
                    .map(|s| s.parse().unwrap_or_else(|_| usage("--sizes wants numbers")))
                    .collect()
            }
            "--stacks" => {
                a.stacks = v.split(',').map(str::to_string).collect();
                for s in &a.stacks {
                    if !["ours", "dcsctp", "sctp-proto"].contains(&s.as_str()) {
                        usage(&format!("unknown stack {s}"));
                    }
                }
            }
            _ => usage(&format!("unknown argument {k}")),
        }
    }
    a
}

/// CPU time of this thread (Linux), or `None`.
fn cpu_time() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

fn make_pair(stack: &str, start: Instant) -> Pair {
    let (a, b): (Box<dyn Peer>, Box<dyn Peer>) = match stack {
        "ours" => {
            let cfg = common::our_config;
            (
                Box::new(Ours::new(cfg(), start, 1, OUR_IP, PEER_IP)),
                Box::new(Ours::new(cfg(), start, 2, PEER_IP, OUR_IP)),
            )
        }
        "dcsctp" => (
            Box::new(Dcsctp::new("a", dcsctp_peer::options(), start)),
            Box::new(Dcsctp::new("b", dcsctp_peer::options(), start)),
        ),
        _ => (
            Box::new(SctpProto::new(sctp_proto_peer::transport())),
            Box::new(SctpProto::new(sctp_proto_peer::transport())),
        ),
    };
    let mut p = Pair::new(a, b, start, Duration::ZERO);
    p.tracing = false;
    p.a.set_keep(false);
    p.b.set_keep(false);
    p
}

struct Row {
    messages: u64,
    bytes: u64,
    wall: Duration,
    cpu: Option<Duration>,
}

fn run(stack: &str, size: usize, total: u64) -> Result<Row, String> {
    let mut p = make_pair(stack, Instant::now());
    p.handshake();
    let count = total.div_ceil(size as u64).max(1);
    // sctp-proto carries only the WebRTC PPIDs; 53 is "binary".
    let ppid = 53;
    let payload = vec![0xa5u8; size];
    let mut sent = 0u64;
    let mut err = None;
    let (cpu0, t0) = (cpu_time(), Instant::now());
    let ok = p.run_until(Duration::from_secs(24 * 3600), |p| {
        let now = p.now;
        while sent < count && err.is_none() {
            match p.a.send(now, (sent % 4) as u16, ppid, &payload) {
                Ok(()) => sent += 1,
                Err(SendFail::Full) => break,
                Err(SendFail::Other(e)) => err = Some(e),
            }
        }
        err.is_some() || p.b.delivered().0 >= count
    });
    let wall = t0.elapsed();
    let cpu = cpu_time().zip(cpu0).map(|(b, a)| b - a);
    if let Some(e) = err {
        return Err(format!("send failed: {e}"));
    }
    let (messages, bytes) = p.b.delivered();
    if !ok || messages != count {
        return Err(format!("{messages} of {count} messages delivered"));
    }
    Ok(Row {
        messages,
        bytes,
        wall,
        cpu,
    })
}

fn main() {
    let a = args();
    let total = a.mb << 20;
    println!(
        "{:<24} {:>6} {:>9} {:>11} {:>8} {:>9} {:>12}",
        "pair", "size", "messages", "bytes", "seconds", "mbit_s", "cpu_s_per_gb"
    );
    let mut failed = false;
    for stack in &a.stacks {
        for &size in &a.sizes {
            let name = format!("{stack}->{stack}");
            match run(stack, size, total) {
                Ok(r) => {
                    let secs = r.wall.as_secs_f64();
                    let mbit = r.bytes as f64 * 8.0 / secs / 1e6;
                    let cpu = r.cpu.unwrap_or(r.wall).as_secs_f64() / (r.bytes as f64 / 1e9);
                    println!(
                        "{name:<24} {size:>6} {:>9} {:>11} {secs:>8.3} {mbit:>9.0} {cpu:>12.3}",
                        r.messages, r.bytes
                    );
                }
                Err(e) => {
                    failed = true;
                    println!("{name:<24} {size:>6} failed: {e}");
                }
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}
