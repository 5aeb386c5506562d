//! An in-memory network of endpoints on a virtual clock: every packet an
//! endpoint sends is delivered (or lost, duplicated, delayed, reordered) to
//! the endpoint that owns the destination address. Deterministic for a seed,
//! so a failing run replays exactly.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use crate::{Endpoint, Event};

/// How one direction of the link misbehaves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Impairment {
    /// Probability that a packet is lost.
    pub loss: f64,
    /// Probability that a packet is delivered twice.
    pub duplicate: f64,
    /// Probability that a packet is held back by `reorder_delay` extra.
    pub reorder: f64,
    /// One-way delay.
    pub delay: Duration,
    /// Extra delay of reordered packets.
    pub reorder_delay: Duration,
    /// Probability that an ECN-capable packet arrives marked Congestion
    /// Experienced (a router's AQM, RFC 3168).
    pub ce: f64,
    /// Probability that one byte after the common header is flipped (the
    /// CRC32c then fails, as on a link that corrupts bits).
    pub corrupt: f64,
}

impl Default for Impairment {
    fn default() -> Self {
        Impairment {
            loss: 0.0,
            duplicate: 0.0,
            reorder: 0.0,
            delay: Duration::from_millis(5),
            reorder_delay: Duration::from_millis(7),
            ce: 0.0,
            corrupt: 0.0,
        }
    }
}

/// A packet on the wire.
#[derive(Debug)]
struct InFlight {
    from: SocketAddr,
    to: IpAddr,
    ce: bool,
    bytes: Vec<u8>,
}

/// Counters of the link.
#[derive(Debug, Default, Clone, Copy)]
pub struct LinkStats {
    /// Packets sent into the link.
    pub sent: u64,
    /// Packets lost.
    pub lost: u64,
    /// Extra copies delivered.
    pub duplicated: u64,
    /// Packets delayed out of order.
    pub reordered: u64,
    /// Packets delivered.
    pub delivered: u64,
    /// Packets marked Congestion Experienced.
    pub ce_marked: u64,
    /// Bytes delivered.
    pub bytes: u64,
    /// Packets with a byte flipped.
    pub corrupted: u64,
}

/// Endpoints joined by an impaired in-memory link on a virtual clock.
pub struct Network {
    /// The endpoints, with the addresses each owns.
    pub nodes: Vec<(Endpoint, Vec<IpAddr>)>,
    /// Events each endpoint produced, in order.
    pub events: Vec<Vec<Event>>,
    /// The virtual time.
    pub now: Instant,
    default: Impairment,
    paths: HashMap<(IpAddr, IpAddr), Impairment>,
    queue: BinaryHeap<Reverse<(Instant, u64)>>,
    packets: HashMap<u64, InFlight>,
    seq: u64,
    rng: u64,
    buf: Vec<u8>,
    /// Counters.
    pub stats: LinkStats,
    /// Packets dropped by a filter: (from, to) pairs cut.
    cut: Vec<(IpAddr, IpAddr)>,
}

impl Network {
    /// An empty network starting at `now`, every direction impaired as
    /// `default`, its randomness from `seed`.
    pub fn new(now: Instant, default: Impairment, seed: u64) -> Self {
        Network {
            nodes: Vec::new(),
            events: Vec::new(),
            now,
            default,
            paths: HashMap::new(),
            queue: BinaryHeap::new(),
            packets: HashMap::new(),
            seq: 0,
            rng: seed | 1,
            buf: Vec::with_capacity(2048),
            stats: LinkStats::default(),
            cut: Vec::new(),
        }
    }

    /// Adds an endpoint owning `addrs`; returns its index.
    pub fn add(&mut self, ep: Endpoint, addrs: Vec<IpAddr>) -> usize {
        self.nodes.push((ep, addrs));
        self.events.push(Vec::new());
        self.nodes.len() - 1
    }

    /// Impairs packets from `from` to `to` as `imp` (instead of the default).
    pub fn impair(&mut self, from: IpAddr, to: IpAddr, imp: Impairment) {
        self.paths.insert((from, to), imp);
    }

    /// Drops every packet between `a` and `b`, both ways (a cut cable).
    pub fn cut(&mut self, a: IpAddr, b: IpAddr) {
        self.cut.push((a, b));
        self.cut.push((b, a));
    }

    /// The endpoint at `i`.
    pub fn ep(&mut self, i: usize) -> &mut Endpoint {
        &mut self.nodes[i].0
    }

    fn random(&mut self) -> f64 {
        // xorshift64*: small, deterministic, good enough for a link model.
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn enqueue(&mut self, at: Instant, p: InFlight) {
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq)));
        self.packets.insert(self.seq, p);
    }

    /// Takes every packet each endpoint wants to send now and puts it on
    /// the link.
    fn flush(&mut self) -> bool {
        let mut any = false;
        for i in 0..self.nodes.len() {
            while let Some(t) = self.nodes[i].0.poll_transmit(self.now, &mut self.buf) {
                any = true;
                self.stats.sent += 1;
                let from = SocketAddr::new(t.local, 0);
                let to = t.remote.ip();
                if self.cut.contains(&(t.local, to)) {
                    self.stats.lost += 1;
                    continue;
                }
                let imp = self
                    .paths
                    .get(&(t.local, to))
                    .copied()
                    .unwrap_or(self.default);
                if self.random() < imp.loss {
                    self.stats.lost += 1;
                    continue;
                }
                let mut at = self.now + imp.delay;
                if self.random() < imp.reorder {
                    self.stats.reordered += 1;
                    at += imp.reorder_delay;
                }
                let mut bytes = self.buf.clone();
                // Drawn only when corruption is asked for, so runs without
                // it keep their random sequence.
                if imp.corrupt > 0.0 && bytes.len() > 12 && self.random() < imp.corrupt {
                    let last = bytes.len() - 1;
                    let at = 12 + (self.random() * (bytes.len() - 12) as f64) as usize;
                    bytes[at.min(last)] ^= 0x5A;
                    self.stats.corrupted += 1;
                }
                let ce = t.ecn_capable && self.random() < imp.ce;
                if ce {
                    self.stats.ce_marked += 1;
                }
                if self.random() < imp.duplicate {
                    self.stats.duplicated += 1;
                    self.enqueue(
                        at + Duration::from_micros(10),
                        InFlight {
                            from,
                            to,
                            ce,
                            bytes: bytes.clone(),
                        },
                    );
                }
                self.enqueue(
                    at,
                    InFlight {
                        from,
                        to,
                        ce,
                        bytes,
                    },
                );
            }
        }
        any
    }

    fn drain_events(&mut self) {
        for i in 0..self.nodes.len() {
            while let Some(e) = self.nodes[i].0.poll_event() {
                self.events[i].push(e);
            }
        }
    }

    /// Runs until `done` holds or the virtual clock passes `limit` from
    /// now; returns whether `done` held. Events pile up in `events`.
    pub fn run_until(
        &mut self,
        limit: Duration,
        mut done: impl FnMut(&mut Network) -> bool,
    ) -> bool {
        let end = self.now + limit;
        loop {
            self.flush();
            self.drain_events();
            if done(self) {
                return true;
            }
            // Deliver what is due now.
            let mut delivered = false;
            while let Some(Reverse((at, seq))) = self.queue.peek().copied() {
                if at > self.now {
                    break;
                }
                self.queue.pop();
                let p = self.packets.remove(&seq).expect("queued");
                if let Some(i) = self.nodes.iter().position(|(_, a)| a.contains(&p.to)) {
                    self.stats.delivered += 1;
                    self.stats.bytes += p.bytes.len() as u64;
                    self.nodes[i]
                        .0
                        .handle_packet_ecn(self.now, p.from, p.to, p.ce, &p.bytes);
                }
                delivered = true;
            }
            if delivered {
                continue;
            }
            // Nothing due: move the clock to the next delivery or timer.
            let next_packet = self.queue.peek().map(|Reverse((at, _))| *at);
            let next_timer = self
                .nodes
                .iter()
                .filter_map(|(e, _)| e.poll_timeout())
                .min();
            let next = match (next_packet, next_timer) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => match a.or(b) {
                    Some(t) => t,
                    None => return false,
                },
            };
            if next > end {
                self.now = end;
                return done(self);
            }
            if next > self.now {
                self.now = next;
            }
            for (e, _) in &mut self.nodes {
                if e.poll_timeout().is_some_and(|t| t <= self.now) {
                    e.handle_timeout(self.now);
                }
            }
        }
    }
}
