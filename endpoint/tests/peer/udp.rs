//! The UDP side of the usrsctp interop tests (RFC 6951 encapsulation on
//! 127.0.0.1): our endpoint behind a `UdpDriver`, a message feeder, the
//! association set-up in either role, a relay that records (and may drop)
//! what passes, and the checks of its capture with tshark and sctp-craft.
#![allow(dead_code)]

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{body, check_delivery, Peer, PeerOpts, Received};
use sctp_endpoint::driver::udp::UdpDriver;
use sctp_endpoint::{AssocChange, AssocId, Config, ConnectOptions, Endpoint, Event, Reason};

pub const LOOPBACK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
/// SCTP ports: the server's and the client's.
pub const SERVER_PORT: u16 = 5000;
pub const CLIENT_PORT: u16 = 5001;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Our endpoint connects to a usrsctp server.
    WeConnect,
    /// A usrsctp client connects to our endpoint.
    TheyConnect,
}

/// Our side: the endpoint behind a `UdpDriver`, and every event it gave.
pub struct Ours {
    pub d: UdpDriver,
    pub events: Vec<Event>,
}

impl Ours {
    pub fn new(cfg: Config, udp_port: u16, seed: u8) -> Ours {
        let ep = Endpoint::new(cfg, Instant::now(), [seed; 32]);
        let d = UdpDriver::bind(ep, SocketAddr::new(LOOPBACK, udp_port))
            .unwrap_or_else(|e| panic!("bind 127.0.0.1:{udp_port}: {e}"));
        Ours {
            d,
            events: Vec::new(),
        }
    }

    /// Drives the endpoint until `done` holds or `timeout` passes; `done` may
    /// also feed the endpoint (send more).
    pub fn run_until(
        &mut self,
        timeout: Duration,
        mut done: impl FnMut(&mut Ours) -> bool,
    ) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if done(self) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            self.d.step(Duration::from_millis(5)).expect("udp step");
            while let Some(e) = self.d.ep.poll_event() {
                self.events.push(e);
            }
        }
    }

    pub fn up(&self) -> Option<AssocId> {
        self.events.iter().find_map(|e| match e {
            Event::AssocChange {
                id,
                change: AssocChange::CommUp,
                ..
            } => Some(*id),
            _ => None,
        })
    }

    /// The first association end (any AssocChange but CommUp).
    pub fn ended(&self) -> Option<(AssocChange, Option<Reason>)> {
        self.events.iter().find_map(|e| match e {
            Event::AssocChange { change, reason, .. } if *change != AssocChange::CommUp => {
                Some((*change, reason.clone()))
            }
            _ => None,
        })
    }

    pub fn received(&self) -> Vec<Received> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Message { message, .. } => Some(Received::of(message)),
                _ => None,
            })
            .collect()
    }

    pub fn message_count(&self) -> usize {
        self.events
            .iter()
            .filter(|e| matches!(e, Event::Message { .. }))
            .count()
    }

    /// Nothing queued or in flight.
    pub fn drained(&self, id: AssocId) -> bool {
        self.d
            .ep
            .status(id)
            .is_some_and(|s| s.queued == 0 && s.outstanding == 0)
    }
}

/// Feeds messages `next..count` to the endpoint while it takes them.
pub struct Sender {
    pub next: u32,
    count: u32,
    streams: u16,
    len: fn(u32) -> usize,
    unordered: bool,
}

impl Sender {
    pub fn new(count: u32, streams: u16, len: fn(u32) -> usize, unordered: bool) -> Sender {
        Sender {
            next: 0,
            count,
            streams,
            len,
            unordered,
        }
    }

    /// Queues what fits; true once everything is queued.
    pub fn feed(&mut self, o: &mut Ours, id: AssocId) -> bool {
        while self.next < self.count {
            let sid = (self.next % self.streams as u32) as u16;
            let data = body(sid, self.next, (self.len)(self.next));
            match o
                .d
                .ep
                .send(id, sid, 1000 + sid as u32, self.unordered, data)
            {
                Ok(()) => self.next += 1,
                Err(sctp_endpoint::SendError::WouldBlock) => break,
                Err(e) => panic!("send {}: {e}", self.next),
            }
        }
        self.next == self.count
    }
}

pub fn test_config() -> Config {
    Config {
        outbound_streams: 16,
        ..Config::default()
    }
}

/// Starts the peer in its role and sets the association up. `udp` is our
/// UDP port, `peer_udp` the peer's; `relay` (if any) is the UDP port that
/// both sides should use to reach the other (see [`Relay`]).
pub fn associate(
    role: Role,
    cfg: Config,
    udp: u16,
    peer_udp: u16,
    peer_opts: &[&str],
    relay: Option<u16>,
) -> (Ours, AssocId, Peer) {
    let mut ours = Ours::new(cfg, udp, (udp % 251) as u8);
    let mut args: Vec<String> = match role {
        Role::WeConnect => vec![
            "server".into(),
            peer_udp.to_string(),
            "127.0.0.1".into(),
            SERVER_PORT.to_string(),
        ],
        Role::TheyConnect => vec![
            "client".into(),
            peer_udp.to_string(),
            "127.0.0.1".into(),
            CLIENT_PORT.to_string(),
            "127.0.0.1".into(),
            relay.unwrap_or(udp).to_string(),
            SERVER_PORT.to_string(),
        ],
    };
    args.extend(peer_opts.iter().map(|s| s.to_string()));
    let peer = Peer::start(&PeerOpts { prefix: &[], args });
    let id = match role {
        Role::WeConnect => {
            let remote = SocketAddr::new(LOOPBACK, relay.unwrap_or(peer_udp));
            let id = ours
                .d
                .ep
                .connect(
                    Instant::now(),
                    ConnectOptions::new(LOOPBACK, CLIENT_PORT, remote, SERVER_PORT),
                )
                .expect("connect");
            assert!(
                ours.run_until(Duration::from_secs(10), |o| o.up().is_some()
                    || o.ended().is_some()),
                "no association within 10 s; peer log:\n{}",
                peer.tail()
            );
            assert_eq!(ours.up(), Some(id), "events: {:?}", ours.events);
            id
        }
        Role::TheyConnect => {
            ours.d.ep.listen(SERVER_PORT);
            assert!(
                ours.run_until(Duration::from_secs(10), |o| o.up().is_some()
                    || o.ended().is_some()),
                "no association within 10 s; peer log:\n{}",
                peer.tail()
            );
            ours.up()
                .unwrap_or_else(|| panic!("events: {:?}", ours.events))
        }
    };
    // The peer's side is up too.
    assert!(
        ours.run_until(Duration::from_secs(5), |_| peer.saw("state=COMM_UP")),
        "peer never saw COMM_UP:\n{}",
        peer.tail()
    );
    let s = ours.d.ep.status(id).expect("status");
    assert_eq!(s.streams.0, 16, "outbound streams negotiated: {s:?}");
    (ours, id, peer)
}

/// `count` messages each way on 10 streams over an association that is up.
#[allow(clippy::too_many_arguments)]
pub fn exchange(
    role: Role,
    ours: &mut Ours,
    id: AssocId,
    peer: &mut Peer,
    count: u32,
    len: fn(u32) -> usize,
    peer_len: usize,
    unordered: bool,
) {
    peer.cmd(&format!("send {count} 10 {peer_len} {}", unordered as u8));
    let mut tx = Sender::new(count, 10, len, unordered);
    let ok = ours.run_until(Duration::from_secs(60), |o| {
        tx.feed(o, id)
            && o.message_count() >= count as usize
            && peer.data_count() >= count as usize
            && o.drained(id)
    });
    assert!(
        ok,
        "not all delivered: we got {}/{count}, the peer {}/{count}; peer:\n{}\nstatus {:?}",
        ours.message_count(),
        peer.data_count(),
        peer.tail(),
        ours.d.ep.status(id)
    );
    assert!(peer.saw(&format!("sent n={count}")), "{}", peer.tail());
    // Let late duplicates show up before counting.
    ours.run_until(Duration::from_millis(300), |_| false);
    check_delivery("usrsctp", &peer.received(), count, 10, len, unordered);
    check_delivery("ours", &ours.received(), count, 10, |_| peer_len, unordered);
    assert!(ours.ended().is_none(), "{:?}", ours.ended());
    let st = ours.d.ep.stats();
    eprintln!("{role:?}: {st:?} {:?}", ours.d.ep.status(id));
    assert_eq!(st.bad_checksum, 0);
    assert_eq!(st.dropped + st.ootb, 0, "{st:?}");
}

/// Chunk types seen by the relay, per direction.
#[derive(Default, Debug)]
pub struct Seen {
    /// From the side that sent first (the client) towards the target.
    pub forward: Vec<u8>,
    /// Back.
    pub backward: Vec<u8>,
    /// Every packet's chunk types, with whether it went forward.
    pub packets: Vec<(bool, Vec<u8>)>,
    /// Every packet as it passed, with whether it went forward.
    pub raw: Vec<(bool, Vec<u8>)>,
    /// Packets the relay dropped, with whether they went forward.
    pub dropped: Vec<(bool, Vec<u8>)>,
}

/// Writes what the relay passed as a pcap file (IPv4 and UDP headers made
/// up around each SCTP packet, UDP port 9899 both ways so that tshark and
/// sctp-craft decode SCTP over UDP, RFC 6951).
pub fn write_pcap(seen: &Seen, path: &std::path::Path) {
    // pcap header: magic, version 2.4, zone, sigfigs, snaplen, LINKTYPE_RAW.
    let mut f = Vec::new();
    f.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    f.extend_from_slice(&2u16.to_le_bytes());
    f.extend_from_slice(&4u16.to_le_bytes());
    for v in [0u32, 0, 65535, 101] {
        f.extend_from_slice(&v.to_le_bytes());
    }
    for (i, (fwd, p)) in seen.raw.iter().enumerate() {
        let len = 20 + 8 + p.len();
        let mut ip = vec![
            0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 2,
        ];
        if !fwd {
            ip[12..20].copy_from_slice(&[127, 0, 0, 2, 127, 0, 0, 1]);
        }
        ip[2..4].copy_from_slice(&(len as u16).to_be_bytes());
        let mut sum: u32 = ip
            .chunks(2)
            .map(|w| u16::from_be_bytes([w[0], w[1]]) as u32)
            .sum();
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        ip[10..12].copy_from_slice(&(!(sum as u16)).to_be_bytes());
        let mut rec = ip;
        rec.extend_from_slice(&9899u16.to_be_bytes());
        rec.extend_from_slice(&9899u16.to_be_bytes());
        rec.extend_from_slice(&((8 + p.len()) as u16).to_be_bytes());
        rec.extend_from_slice(&[0, 0]);
        rec.extend_from_slice(p);
        for v in [i as u32, 0, rec.len() as u32, rec.len() as u32] {
            f.extend_from_slice(&v.to_le_bytes());
        }
        f.extend_from_slice(&rec);
    }
    std::fs::write(path, &f).expect("write pcap");
}

/// Writes the relay's packets to a pcap and  (IPv4 and UDP headers made
/// up around each SCTP packet, UDP port 9899 both ways so that tshark
/// decodes SCTP over UDP), and returns tshark's chunk types per packet,
/// failing on any frame tshark calls malformed.
pub fn tshark_chunk_types(seen: &Seen, name: &str) -> Vec<Vec<u8>> {
    let path = std::env::temp_dir().join(format!("sctpkit-{name}-{}.pcap", std::process::id()));
    write_pcap(seen, &path);
    let out = std::process::Command::new("tshark")
        .args(["-r"])
        .arg(&path)
        .args([
            "-T",
            "fields",
            "-e",
            "sctp.chunk_type",
            "-e",
            "_ws.malformed",
        ])
        .args([
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=,",
            "-E",
            "separator=;",
        ])
        .output()
        .expect("tshark (scripts/install-deps.sh)");
    let _ = std::fs::remove_file(&path);
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<u8>> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let (types, malformed) = l.split_once(';').unwrap_or((l, ""));
            assert!(
                malformed.is_empty(),
                "{name}: tshark calls frame {} malformed",
                i + 1
            );
            types
                .split(',')
                .filter(|t| !t.is_empty())
                .map(|t| t.parse().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(
        rows.len(),
        seen.raw.len(),
        "{name}: tshark read every packet"
    );
    rows
}

/// A UDP relay on 127.0.0.1: what reaches `front` goes on to `target` from
/// `back`; what comes back to `back` goes to whoever last wrote to `front`.
/// It records the chunk types of every SCTP packet it passes.
pub struct Relay {
    pub port: u16,
    pub seen: Arc<Mutex<Seen>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

pub fn chunk_types(p: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    let mut o = 12;
    while o + 4 <= p.len() {
        let len = u16::from_be_bytes([p[o + 2], p[o + 3]]) as usize;
        v.push(p[o]);
        if len < 4 {
            break;
        }
        o += (len + 3) & !3;
    }
    v
}

/// Decides per packet whether the relay drops it: (forward, SCTP bytes) ->
/// drop.
pub type DropFn = Box<dyn FnMut(bool, &[u8]) -> bool + Send>;

impl Relay {
    pub fn start(port: u16, target: SocketAddr) -> Relay {
        Self::start_with(port, target, Box::new(|_, _| false))
    }

    /// A relay that drops the packets `drop` picks (they are counted in
    /// `Seen::dropped`, not recorded).
    pub fn start_with(port: u16, target: SocketAddr, mut drop_it: DropFn) -> Relay {
        let front = UdpSocket::bind((LOOPBACK, port)).expect("relay front");
        let back = UdpSocket::bind((LOOPBACK, 0)).expect("relay back");
        front.set_nonblocking(true).unwrap();
        back.set_nonblocking(true).unwrap();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen2, stop2) = (seen.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut buf = vec![0u8; 65536];
            let mut client: Option<SocketAddr> = None;
            while !stop2.load(Ordering::Relaxed) {
                let mut idle = true;
                while let Ok((n, from)) = front.recv_from(&mut buf) {
                    idle = false;
                    client = Some(from);
                    if drop_it(true, &buf[..n]) {
                        seen2
                            .lock()
                            .unwrap()
                            .dropped
                            .push((true, buf[..n].to_vec()));
                        continue;
                    }
                    let types = chunk_types(&buf[..n]);
                    let mut s = seen2.lock().unwrap();
                    s.forward.extend(&types);
                    s.packets.push((true, types));
                    s.raw.push((true, buf[..n].to_vec()));
                    drop(s);
                    let _ = back.send_to(&buf[..n], target);
                }
                while let Ok((n, _)) = back.recv_from(&mut buf) {
                    idle = false;
                    if drop_it(false, &buf[..n]) {
                        seen2
                            .lock()
                            .unwrap()
                            .dropped
                            .push((false, buf[..n].to_vec()));
                        continue;
                    }
                    let types = chunk_types(&buf[..n]);
                    let mut s = seen2.lock().unwrap();
                    s.backward.extend(&types);
                    s.packets.push((false, types));
                    s.raw.push((false, buf[..n].to_vec()));
                    drop(s);
                    if let Some(c) = client {
                        let _ = front.send_to(&buf[..n], c);
                    }
                }
                if idle {
                    std::thread::sleep(Duration::from_micros(500));
                }
            }
        });
        Relay {
            port,
            seen,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// sctp-craft's reading of the relay's capture: one JSON object per SCTP
/// packet (`sctp-craft dissect --json`), each with its chunks; fails when
/// it reads a different number of packets or reports a lint that says a
/// packet is malformed.
pub fn craft_dissect(seen: &Seen, name: &str) -> Vec<serde_json::Value> {
    let path =
        std::env::temp_dir().join(format!("sctpkit-craft-{name}-{}.pcap", std::process::id()));
    write_pcap(seen, &path);
    let bin =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release/sctp-craft");
    let out = std::process::Command::new(&bin)
        .args(["dissect", "--json"])
        .arg(&path)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (cargo build --release -p sctp-craft)",
                bin.display()
            )
        });
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{name}: sctp-craft dissect: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("sctp-craft JSON line"))
        .collect();
    assert_eq!(
        rows.len(),
        seen.raw.len(),
        "{name}: sctp-craft read every packet"
    );
    for r in &rows {
        assert_eq!(r["checksum"]["status"], "good", "{name}: {r}");
        assert_eq!(r["truncated"], false, "{name}: {r}");
    }
    rows
}

/// The chunk type numbers of each packet as sctp-craft read them.
pub fn craft_chunk_types(rows: &[serde_json::Value]) -> Vec<Vec<u8>> {
    rows.iter()
        .map(|r| {
            r["chunks"]
                .as_array()
                .expect("chunks")
                .iter()
                .map(|c| c["type"].as_u64().expect("type") as u8)
                .collect()
        })
        .collect()
}
