//! A small harness shared by the interop tests (and the in-memory benchmark
//! example): two sans-IO SCTP stacks joined by an in-memory link on a
//! virtual clock. Each stack is wrapped in a [`Peer`]; [`Pair`] moves the
//! packets between them (zero or fixed one-way delay, optional tampering),
//! advances the clock to the next timer, and each peer collects the
//! messages it delivered.
//!
//! Over WebRTC, `sctp-proto` and `dcsctp` run without IP addresses (SCTP
//! over DTLS): the link only shuttles bytes. Our endpoint wants addresses,
//! so it is given fixed ones ([`OUR_IP`], [`PEER_IP`], port 0).

#![allow(dead_code)]

pub mod dcsctp_peer;
pub mod ours;
pub mod sctp_proto_peer;

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use sctp_codec::{checksum, PacketView, Rules};

/// Our endpoint's address on the link.
pub const OUR_IP: [u8; 4] = [10, 0, 0, 1];
/// The other stack's address (only our endpoint sees it).
pub const PEER_IP: [u8; 4] = [10, 0, 0, 2];
/// The SCTP port on both sides (the WebRTC convention).
pub const PORT: u16 = 5000;

/// An address as our endpoint wants it.
pub fn ip(a: [u8; 4]) -> IpAddr {
    IpAddr::from(a)
}

/// One delivered user message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    /// Stream identifier.
    pub stream: u16,
    /// Payload protocol identifier.
    pub ppid: u32,
    /// The user data.
    pub data: Vec<u8>,
}

/// Why a send was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendFail {
    /// The send buffer is full: try again later.
    Full,
    /// Anything else, with the stack's words.
    Other(String),
}

/// One SCTP stack on one side of the link.
pub trait Peer {
    /// Which stack, for messages.
    fn name(&self) -> String;
    /// Starts the association (the client role). A peer that is not told
    /// to connect waits for an INIT (the server role).
    fn connect(&mut self, now: Instant);
    /// A packet from the link.
    fn handle_packet(&mut self, now: Instant, packet: &[u8]);
    /// Appends every packet the stack wants to send now.
    fn transmit(&mut self, now: Instant, out: &mut Vec<Vec<u8>>);
    /// The next timer deadline.
    fn poll_timeout(&mut self) -> Option<Instant>;
    /// Runs the timers due at `now`.
    fn handle_timeout(&mut self, now: Instant);
    /// Drains the stack's events: delivered messages go to the inbox (or are
    /// only counted, see [`Peer::set_keep`]), the rest to [`Peer::log`].
    fn poll(&mut self, now: Instant);
    /// Whether the association is established (seen its "up" event).
    fn is_up(&self) -> bool;
    /// Whether the association has ended (any way).
    fn is_closed(&self) -> bool;
    /// Queues a message.
    fn send(&mut self, now: Instant, stream: u16, ppid: u32, data: &[u8]) -> Result<(), SendFail>;
    /// Starts a graceful shutdown (or what the stack offers).
    fn shutdown(&mut self, now: Instant);
    /// Messages delivered so far (kept ones).
    fn inbox(&mut self) -> &mut Vec<Msg>;
    /// (messages, bytes) delivered so far, kept or not.
    fn delivered(&self) -> (u64, u64);
    /// Whether delivered messages are kept in the inbox (default) or only counted.
    fn set_keep(&mut self, keep: bool);
    /// Everything else the stack reported, in order, as text.
    fn log(&self) -> &[String];
    /// The concrete peer, to reach stack-specific state.
    fn as_any(&mut self) -> &mut dyn std::any::Any;
}

/// Direction of a packet on the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dir {
    /// From `a` to `b`.
    AtoB,
    /// From `b` to `a`.
    BtoA,
}

/// What a tamper hook does with a packet.
pub enum Tamper {
    /// Deliver it (possibly modified).
    Pass,
    /// Drop it.
    Drop,
}

type TamperFn = Box<dyn FnMut(Dir, &mut Vec<u8>) -> Tamper>;

/// Two peers over an in-memory link on a virtual clock.
pub struct Pair {
    /// The peer on side A.
    pub a: Box<dyn Peer>,
    /// The peer on side B.
    pub b: Box<dyn Peer>,
    /// The virtual time.
    pub now: Instant,
    /// When the pair was made.
    pub start: Instant,
    /// One-way delay.
    pub delay: Duration,
    wire: VecDeque<(Instant, Dir, Vec<u8>)>,
    out: Vec<Vec<u8>>,
    /// Every packet sent, in order, while `tracing` holds.
    pub trace: Vec<(Dir, Vec<u8>)>,
    /// Whether packets are recorded in `trace`.
    pub tracing: bool,
    tamper: Option<TamperFn>,
    /// Packets and bytes carried each way.
    pub packets: HashMap<Dir, (u64, u64)>,
}

impl Pair {
    /// `a` and `b` joined with a one-way `delay`, starting at `start`.
    pub fn new(a: Box<dyn Peer>, b: Box<dyn Peer>, start: Instant, delay: Duration) -> Pair {
        Pair {
            a,
            b,
            now: start,
            start,
            delay,
            wire: VecDeque::new(),
            out: Vec::new(),
            trace: Vec::new(),
            tracing: true,
            tamper: None,
            packets: HashMap::new(),
        }
    }

    /// Runs every packet through `f` before it goes on the wire.
    pub fn set_tamper(&mut self, f: impl FnMut(Dir, &mut Vec<u8>) -> Tamper + 'static) {
        self.tamper = Some(Box::new(f));
    }

    /// Removes the tamper hook.
    pub fn clear_tamper(&mut self) {
        self.tamper = None;
    }

    /// The peer that receives packets going `dir`.
    pub fn peer(&mut self, dir: Dir) -> &mut dyn Peer {
        match dir {
            Dir::AtoB => &mut *self.b,
            Dir::BtoA => &mut *self.a,
        }
    }

    /// The peer that sends packets going `dir`.
    pub fn sender(&mut self, dir: Dir) -> &mut dyn Peer {
        match dir {
            Dir::AtoB => &mut *self.a,
            Dir::BtoA => &mut *self.b,
        }
    }

    /// Virtual time since the start.
    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    fn flush(&mut self) -> bool {
        let mut any = false;
        for dir in [Dir::AtoB, Dir::BtoA] {
            let now = self.now;
            let from = match dir {
                Dir::AtoB => &mut self.a,
                Dir::BtoA => &mut self.b,
            };
            from.transmit(now, &mut self.out);
            for mut p in self.out.drain(..) {
                any = true;
                if let Some(t) = self.tamper.as_mut() {
                    if let Tamper::Drop = t(dir, &mut p) {
                        continue;
                    }
                }
                let c = self.packets.entry(dir).or_default();
                c.0 += 1;
                c.1 += p.len() as u64;
                if self.tracing {
                    self.trace.push((dir, p.clone()));
                }
                self.wire.push_back((now + self.delay, dir, p));
            }
        }
        any
    }

    /// Runs until `done` holds (checked after each round of events) or the
    /// virtual clock passes `limit` from now; returns whether `done` held.
    pub fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&mut Pair) -> bool) -> bool {
        let end = self.now + limit;
        loop {
            let now = self.now;
            self.a.poll(now);
            self.b.poll(now);
            if done(self) {
                return true;
            }
            let sent = self.flush();
            let mut delivered = false;
            while self.wire.front().is_some_and(|(at, _, _)| *at <= self.now) {
                let (_, dir, p) = self.wire.pop_front().expect("peeked");
                let now = self.now;
                self.peer(dir).handle_packet(now, &p);
                delivered = true;
            }
            if sent || delivered {
                continue;
            }
            let next = [
                self.wire.front().map(|(at, _, _)| *at),
                self.a.poll_timeout(),
                self.b.poll_timeout(),
            ]
            .into_iter()
            .flatten()
            .min();
            let Some(next) = next else {
                return done(self);
            };
            if next > end {
                self.now = end;
                self.a.poll(end);
                self.b.poll(end);
                return done(self);
            }
            if next > self.now {
                self.now = next;
            }
            let now = self.now;
            if self.a.poll_timeout().is_some_and(|t| t <= now) {
                self.a.handle_timeout(now);
            }
            if self.b.poll_timeout().is_some_and(|t| t <= now) {
                self.b.handle_timeout(now);
            }
        }
    }

    /// `a` connects to `b`; runs until both are up. Panics with both logs
    /// when the handshake does not finish in 30 virtual seconds.
    pub fn handshake(&mut self) {
        let now = self.now;
        self.a.connect(now);
        let ok = self.run_until(Duration::from_secs(30), |p| p.a.is_up() && p.b.is_up());
        assert!(ok, "handshake did not finish\n{}", self.report());
    }

    /// Sends `count` messages from `from` round-robin over `streams` (sizes
    /// from `len`, PPIDs from `ppid`), refilling as the send buffer drains,
    /// and runs until the other side has delivered them all.
    pub fn send_all(
        &mut self,
        from: Dir,
        count: u32,
        streams: u16,
        len: impl Fn(u32) -> usize,
        ppid: impl Fn(u16) -> u32,
    ) {
        let want = self.peer(from).delivered().0 + count as u64;
        let mut next = 0u32;
        let mut err = None;
        let ok = self.run_until(Duration::from_secs(600), |p| {
            let now = p.now;
            let sender = p.sender(from);
            while next < count && err.is_none() {
                let s = (next % streams as u32) as u16;
                match sender.send(now, s, ppid(s), &body(s, next, len(next))) {
                    Ok(()) => next += 1,
                    Err(SendFail::Full) => break,
                    Err(SendFail::Other(e)) => err = Some(format!("send {next}: {e}")),
                }
            }
            err.is_some() || p.peer(from).delivered().0 >= want
        });
        if let Some(e) = err {
            panic!("{e}\n{}", self.report());
        }
        assert!(
            ok,
            "only {} of {want} messages arrived ({next} queued)\n{}",
            self.peer(from).delivered().0,
            self.report()
        );
    }

    /// Shuts down from `from`'s side; runs until both sides are closed.
    /// Returns whether they were within 30 virtual seconds.
    pub fn shutdown(&mut self, from: Dir) -> bool {
        let now = self.now;
        match from {
            Dir::AtoB => self.a.shutdown(now),
            Dir::BtoA => self.b.shutdown(now),
        }
        self.run_until(Duration::from_secs(30), |p| {
            p.a.is_closed() && p.b.is_closed()
        })
    }

    /// The chunk names of every packet in the trace, one line each.
    pub fn chunk_trace(&self) -> Vec<String> {
        self.trace
            .iter()
            .map(|(dir, p)| {
                let arrow = match dir {
                    Dir::AtoB => "a->b",
                    Dir::BtoA => "b->a",
                };
                format!("{arrow} {}", describe(p))
            })
            .collect()
    }

    /// Both peers' logs and the last packets, for a failure message.
    pub fn report(&self) -> String {
        let t = self.chunk_trace();
        let tail = &t[t.len().saturating_sub(40)..];
        format!(
            "at {:?}\n{} (a) log: {:?}\n{} (b) log: {:?}\nlast packets ({} in all):\n{}",
            self.elapsed(),
            self.a.name(),
            self.a.log(),
            self.b.name(),
            self.b.log(),
            t.len(),
            tail.join("\n")
        )
    }
}

/// The other direction.
pub fn flip(d: Dir) -> Dir {
    match d {
        Dir::AtoB => Dir::BtoA,
        Dir::BtoA => Dir::AtoB,
    }
}

/// One packet as text: tag, checksum state and its chunks by name.
pub fn describe(p: &[u8]) -> String {
    match PacketView::parse(p, Rules::STANDARD) {
        Ok(v) => {
            let names: Vec<String> = v
                .chunks()
                .map(|c| {
                    let mut s = c.name().to_string();
                    if c.ty() == 0 {
                        if let Some(d) = c.value().get(..4) {
                            let tsn = u32::from_be_bytes(d.try_into().unwrap());
                            s = format!("DATA(tsn {tsn}, {} bytes)", c.value().len() - 12);
                        }
                    }
                    if c.flags() != 0 && c.ty() != 0 {
                        s = format!("{s}[flags {:#x}]", c.flags());
                    }
                    s
                })
                .collect();
            format!(
                "vtag {:#010x} {} {}",
                v.header().verification_tag,
                checksum_state(p),
                names.join(", ")
            )
        }
        Err(e) => format!("unparsable ({e:?}), {} bytes", p.len()),
    }
}

/// Whether a packet carries a good CRC32c, a zero checksum or a bad one.
pub fn checksum_state(p: &[u8]) -> &'static str {
    if p.len() < 12 {
        return "short";
    }
    let field = u32::from_be_bytes([p[8], p[9], p[10], p[11]]);
    if checksum::crc32c_field(p) == field {
        "crc-ok"
    } else if field == 0 {
        "zero-checksum"
    } else {
        "crc-BAD"
    }
}

/// The first chunk of type `ty` in the trace going `dir`: its value bytes.
pub fn first_chunk(pair: &Pair, dir: Dir, ty: u8) -> Option<Vec<u8>> {
    pair.trace
        .iter()
        .filter(|(d, _)| *d == dir)
        .find_map(|(_, p)| {
            let v = PacketView::parse(p, Rules::STANDARD).ok()?;
            let c = v.chunks().find(|c| c.ty() == ty)?;
            Some(c.value().to_vec())
        })
}

/// The parameters of the INIT or INIT ACK in the trace going `dir`:
/// (type, name, value).
pub fn init_params(pair: &Pair, dir: Dir, ty: u8) -> Vec<(u16, String, Vec<u8>)> {
    for (d, p) in &pair.trace {
        if *d != dir {
            continue;
        }
        let Ok(v) = PacketView::parse(p, Rules::STANDARD) else {
            continue;
        };
        for c in v.chunks() {
            if c.ty() != ty {
                continue;
            }
            if let Some(init) = c.init() {
                return init
                    .params()
                    .map(|t| (t.ty(), t.name().to_string(), t.value().to_vec()))
                    .collect();
            }
        }
    }
    Vec::new()
}

/// The fixed fields of the first INIT/INIT ACK going `dir`:
/// (initiate tag, a_rwnd, outbound streams, inbound streams, initial TSN).
pub fn init_fixed(pair: &Pair, dir: Dir, ty: u8) -> Option<(u32, u32, u16, u16, u32)> {
    let v = first_chunk(pair, dir, ty)?;
    let u32_at = |i: usize| u32::from_be_bytes(v[i..i + 4].try_into().unwrap());
    let u16_at = |i: usize| u16::from_be_bytes(v[i..i + 2].try_into().unwrap());
    Some((u32_at(0), u32_at(4), u16_at(8), u16_at(10), u32_at(12)))
}

/// How many packets going `dir` had each checksum state.
pub fn checksum_counts(pair: &Pair, dir: Dir) -> HashMap<&'static str, usize> {
    let mut m = HashMap::new();
    for (d, p) in &pair.trace {
        if *d == dir {
            *m.entry(checksum_state(p)).or_default() += 1;
        }
    }
    m
}

/// A message body that says which it is: stream, index, then filler.
pub fn body(stream: u16, i: u32, len: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(len.max(6));
    v.extend_from_slice(&stream.to_be_bytes());
    v.extend_from_slice(&i.to_be_bytes());
    while v.len() < len {
        v.push((v.len() as u32 ^ i) as u8);
    }
    v
}

/// Every one of `count` messages exactly once, on the stream and with the
/// PPID and bytes it was sent with, in order per stream.
pub fn check_delivery(
    got: &[Msg],
    count: u32,
    len: impl Fn(u32) -> usize,
    ppid: impl Fn(u16) -> u32,
) {
    let mut seen = HashMap::new();
    let mut last_per_stream: HashMap<u16, u32> = HashMap::new();
    for m in got {
        assert!(m.data.len() >= 6, "short message {m:?}");
        let s = u16::from_be_bytes([m.data[0], m.data[1]]);
        let i = u32::from_be_bytes([m.data[2], m.data[3], m.data[4], m.data[5]]);
        assert_eq!(m.stream, s, "message {i} on the wrong stream");
        assert_eq!(m.ppid, ppid(s), "message {i} with the wrong PPID");
        assert!(m.data == body(s, i, len(i)), "message {i} altered");
        assert!(seen.insert(i, ()).is_none(), "message {i} delivered twice");
        if let Some(prev) = last_per_stream.insert(s, i) {
            assert!(prev < i, "stream {s}: {i} after {prev}");
        }
    }
    assert_eq!(seen.len(), count as usize, "messages missing");
}

/// Which side our endpoint takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// We connect; the other stack accepts.
    OursClient,
    /// The other stack connects; we accept.
    OursServer,
}

/// The test configuration of our endpoint: RFC 9260 16 defaults.
pub fn our_config() -> sctp_endpoint::Config {
    sctp_endpoint::Config::default()
}

/// A pair with the client on side A: ours and `other` placed by `role`.
/// Returns the pair and the direction from ours to the other stack.
pub fn pair(role: Role, other: Box<dyn Peer>, start: Instant) -> (Pair, Dir) {
    pair_with(role, other, start, our_config())
}

/// As [`pair`], our endpoint with `cfg`.
pub fn pair_with(
    role: Role,
    other: Box<dyn Peer>,
    start: Instant,
    cfg: sctp_endpoint::Config,
) -> (Pair, Dir) {
    let ours = Box::new(ours::Ours::new(cfg, start, 7, OUR_IP, PEER_IP));
    match role {
        Role::OursClient => (
            Pair::new(ours, other, start, Duration::from_millis(1)),
            Dir::AtoB,
        ),
        Role::OursServer => (
            Pair::new(other, ours, start, Duration::from_millis(1)),
            Dir::BtoA,
        ),
    }
}

/// Message sizes of the exchange: 1 to about 3,000 bytes, some that
/// fragment at a 1,200-byte MTU.
pub fn mixed_len(i: u32) -> usize {
    6 + (i as usize * 37) % 3000
}

/// `count` messages each way over `streams` streams, ours first, then the
/// other stack; checks every message.
pub fn exchange(
    p: &mut Pair,
    ours: Dir,
    count: u32,
    streams: u16,
    ppid: impl Fn(u16) -> u32 + Copy,
) {
    p.send_all(ours, count, streams, mixed_len, ppid);
    let got = std::mem::take(p.peer(ours).inbox());
    check_delivery(&got, count, mixed_len, ppid);
    p.send_all(flip(ours), count, streams, mixed_len, ppid);
    let got = std::mem::take(p.peer(flip(ours)).inbox());
    check_delivery(&got, count, mixed_len, ppid);
}

/// Asserts every packet each way carried a good CRC32c.
pub fn assert_all_crc32c(p: &Pair) {
    for dir in [Dir::AtoB, Dir::BtoA] {
        let c = checksum_counts(p, dir);
        assert!(
            c.keys().all(|k| *k == "crc-ok"),
            "{dir:?}: checksums {c:?}\n{}",
            p.report()
        );
    }
}

/// Prints the INIT and INIT ACK parameters seen (for the report).
pub fn print_inits(p: &Pair) {
    for (dir, ty, what) in [(Dir::AtoB, 1u8, "INIT"), (Dir::BtoA, 2u8, "INIT ACK")] {
        let who = match dir {
            Dir::AtoB => p.a.name(),
            Dir::BtoA => p.b.name(),
        };
        let params: Vec<String> = init_params(p, dir, ty)
            .iter()
            .map(|(t, n, v)| format!("{t:#06x} {n} {v:02x?}"))
            .collect();
        eprintln!(
            "{who} {what}: (tag, a_rwnd, OS, MIS, TSN) {:?}; params {params:#?}",
            init_fixed(p, dir, ty)
        );
    }
}

/// The packets of the trace other than those with only DATA and SACK.
pub fn control_trace(p: &Pair) -> Vec<String> {
    p.chunk_trace()
        .into_iter()
        .filter(|l| {
            l.split(", ")
                .map(|c| c.rsplit(' ').next().unwrap_or(""))
                .any(|_| !(l.contains("DATA") || l.contains("SACK")) || l.contains("SHUTDOWN"))
        })
        .collect()
}

/// Our endpoint in the pair (sending in direction `ours`).
pub fn our_peer(p: &mut Pair, ours: Dir) -> &mut ours::Ours {
    p.sender(ours)
        .as_any()
        .downcast_mut::<ours::Ours>()
        .expect("our endpoint")
}

/// The other stack in the pair, as its concrete type.
pub fn their_peer<T: 'static>(p: &mut Pair, ours: Dir) -> &mut T {
    p.peer(ours)
        .as_any()
        .downcast_mut::<T>()
        .expect("their stack")
}

/// How many chunks of type `ty` went `dir` (in the trace).
pub fn count_chunks(p: &Pair, dir: Dir, ty: u8) -> usize {
    p.trace
        .iter()
        .filter(|(d, _)| *d == dir)
        .filter_map(|(_, b)| PacketView::parse(b, Rules::STANDARD).ok())
        .map(|v| v.chunks().filter(|c| c.ty() == ty).count())
        .sum()
}

/// A tamper hook that flips one payload byte (leaving the checksum as it
/// was) in the packets with DATA whose index each way is in `which`.
pub fn corrupt_data_packets(which: &'static [usize]) -> impl FnMut(Dir, &mut Vec<u8>) -> Tamper {
    let mut seen: HashMap<Dir, usize> = HashMap::new();
    move |dir, p| {
        let has_data = PacketView::parse(p, Rules::STANDARD)
            .map(|v| v.chunks().any(|c| c.ty() == 0))
            .unwrap_or(false);
        if has_data {
            let n = seen.entry(dir).or_default();
            if which.contains(n) {
                let last = p.len() - 1;
                p[last] ^= 0x5a;
            }
            *n += 1;
        }
        Tamper::Pass
    }
}

/// Data, then a corrupted packet each way: it must be discarded (RFC 9260
/// 6.8) and what it carried retransmitted, every message exactly once.
pub fn corrupted_packets_are_dropped(p: &mut Pair, ours: Dir, ppid: impl Fn(u16) -> u32 + Copy) {
    p.set_tamper(corrupt_data_packets(&[5, 6, 40]));
    exchange(p, ours, 200, 4, ppid);
    p.clear_tamper();
    let bad = [Dir::AtoB, Dir::BtoA].map(|d| checksum_counts(p, d).get("crc-BAD").copied());
    assert_eq!(bad, [Some(3), Some(3)], "three corrupted packets each way");
    let st = our_peer(p, ours).ep.stats();
    assert_eq!(
        st.bad_checksum, 3,
        "our endpoint dropped the corrupted packets"
    );
}

/// 64 KiB messages (55 fragments at a 1,200-byte MTU) each way.
pub fn large_messages(p: &mut Pair, ours: Dir, count: u32, ppid: impl Fn(u16) -> u32 + Copy) {
    let len = |_| 65536;
    for dir in [ours, flip(ours)] {
        p.send_all(dir, count, 4, len, ppid);
        let got = std::mem::take(p.peer(dir).inbox());
        check_delivery(&got, count, len, ppid);
    }
}

/// Idle for `secs` virtual seconds: heartbeats each way (RFC 9260 8.3).
/// Returns how many HEARTBEATs (ours, theirs) went out and their ACKs came
/// back; the association must stay up and carry data after.
pub fn idle_heartbeats(
    p: &mut Pair,
    ours: Dir,
    secs: u64,
    ppid: impl Fn(u16) -> u32 + Copy,
) -> (usize, usize) {
    let before = (count_chunks(p, ours, 4), count_chunks(p, flip(ours), 4));
    p.run_until(Duration::from_secs(secs), |p| {
        p.a.is_closed() || p.b.is_closed()
    });
    assert!(!p.a.is_closed() && !p.b.is_closed(), "{}", p.report());
    let hb = (
        count_chunks(p, ours, 4) - before.0,
        count_chunks(p, flip(ours), 4) - before.1,
    );
    // Every HEARTBEAT answered by a HEARTBEAT ACK (one may be in flight).
    for d in [ours, flip(ours)] {
        let (hbs, acks) = (count_chunks(p, d, 4), count_chunks(p, flip(d), 5));
        assert!(
            acks + 1 >= hbs && acks <= hbs,
            "{d:?}: {hbs} HEARTBEAT, {acks} ACK"
        );
    }
    exchange(p, ours, 10, 2, ppid);
    hb
}
