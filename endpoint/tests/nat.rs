//! NAT support (draft-ietf-tsvwg-natsupp) between our endpoints through a
//! small SCTP-aware NAT function written here as the draft's section 5
//! describes the middlebox: internal hosts 10.0.0.x behind the external
//! address 192.0.2.1, a binding table keyed by (internal tag, internal
//! port, remote tag, remote port), ABORT with the M bit and VTag and Port
//! Number Collision for an INIT it refuses, ERROR with the M and T bits and
//! Missing State for a packet it has no binding for, and a binding rebuilt
//! from an ASCONF's VTags parameter. Ports are kept (the draft's
//! SCTP-specific NAT translates addresses only), so checksums stay valid;
//! the packets the NAT writes carry their own CRC32c.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use sctp_codec::chunk::ty;
use sctp_codec::{checksum, PacketView, Rules};
use sctp_endpoint::{AssocChange, AssocId, Config, ConnectOptions, Endpoint, Event};

const SERVER: &str = "203.0.113.1";
const EXTERNAL: &str = "192.0.2.1";
const DISABLE_RESTART: u16 = 0xC007;
const VTAGS: u16 = 0xC008;
const VTAG_AND_PORT_COLLISION: u16 = 0x00B0;
const MISSING_STATE: u16 = 0x00B1;
const M_BIT: u8 = 0x02;
const T_BIT: u8 = 0x01;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn cfg(nat: bool) -> Config {
    Config {
        rto_min: Duration::from_millis(200),
        rto_initial: Duration::from_millis(300),
        rto_max: Duration::from_secs(2),
        auth: true,
        asconf: true,
        nat_support: nat,
        ..Config::default()
    }
}

/// One binding: (internal tag, internal port, remote tag, remote port) and
/// the internal address.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Binding {
    int_tag: u32,
    int_port: u16,
    rem_tag: u32,
    rem_port: u16,
    int_addr: IpAddr,
}

#[derive(Default)]
struct Nat {
    table: Vec<Binding>,
    /// Refuse the next INIT with a collision ABORT.
    collide_next_init: bool,
    /// What it did, for the asserts.
    collisions_sent: u32,
    missing_sent: u32,
    /// VTags parameters seen in ASCONF: (internal tag, remote tag), and
    /// whether Disable Restart came with them.
    vtags_seen: Vec<(u32, u32, bool)>,
    /// INITs forwarded: their Initiate Tags and whether they carried
    /// Disable Restart and any address parameter.
    inits: Vec<(u32, bool, bool)>,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

/// The TLVs of a list: (type, value).
fn tlvs(mut b: &[u8]) -> Vec<(u16, &[u8])> {
    let mut v = Vec::new();
    while b.len() >= 4 {
        let len = u16_at(b, 2) as usize;
        if len < 4 || len > b.len() {
            break;
        }
        v.push((u16_at(b, 0), &b[4..len]));
        b = &b[((len + 3) & !3).min(b.len())..];
    }
    v
}

/// A packet of one chunk with a valid CRC32c.
fn packet(src: u16, dst: u16, vtag: u32, chunk_ty: u8, flags: u8, value: &[u8]) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(&src.to_be_bytes());
    p.extend_from_slice(&dst.to_be_bytes());
    p.extend_from_slice(&vtag.to_be_bytes());
    p.extend_from_slice(&[0; 4]);
    p.push(chunk_ty);
    p.push(flags);
    p.extend_from_slice(&((4 + value.len()) as u16).to_be_bytes());
    p.extend_from_slice(value);
    p.resize((p.len() + 3) & !3, 0);
    let c = checksum::crc32c_field(&p);
    p[8..12].copy_from_slice(&c.to_be_bytes());
    p
}

/// An error cause holding `body` (cut to fit).
fn cause(code: u16, body: &[u8]) -> Vec<u8> {
    let body = &body[..body.len().min(1000)];
    let mut v = Vec::new();
    v.extend_from_slice(&code.to_be_bytes());
    v.extend_from_slice(&((4 + body.len()) as u16).to_be_bytes());
    v.extend_from_slice(body);
    v.resize((v.len() + 3) & !3, 0);
    v
}

enum Verdict {
    /// Forward to this address.
    Forward(IpAddr),
    /// Drop and send this packet back to the sender.
    Reply(Vec<u8>),
    Drop,
}

impl Nat {
    /// A packet from an internal host to the outside (draft 5.1-5.3).
    fn outbound(&mut self, from: IpAddr, bytes: &[u8]) -> Verdict {
        let view = PacketView::parse(bytes, Rules::STANDARD).expect("our endpoints' packets parse");
        let h = view.header();
        let (sp, dp, vtag) = (h.source_port, h.destination_port, h.verification_tag);
        let first = view.chunks().next().expect("a chunk");
        if first.ty() == ty::INIT {
            let init = first.init().expect("INIT");
            let tag = init.initiate_tag();
            let params: Vec<u16> = init.params().map(|p| p.ty()).collect();
            self.inits.push((
                tag,
                params.contains(&DISABLE_RESTART),
                params.iter().any(|t| matches!(t, 5 | 6 | 0x000C)),
            ));
            if self.collide_next_init {
                // 5.1.2: ABORT with the M bit, the INIT in the cause,
                // ports swapped, the Initiate Tag as tag.
                self.collide_next_init = false;
                self.collisions_sent += 1;
                let v = cause(VTAG_AND_PORT_COLLISION, first.bytes());
                return Verdict::Reply(packet(dp, sp, tag, ty::ABORT, M_BIT, &v));
            }
            self.table.retain(|b| {
                !(b.int_port == sp && b.rem_port == dp && b.int_addr == from && b.rem_tag == 0)
            });
            self.table.push(Binding {
                int_tag: tag,
                int_port: sp,
                rem_tag: 0,
                rem_port: dp,
                int_addr: from,
            });
            return Verdict::Forward(ip(SERVER));
        }
        if self.table.iter().any(|b| {
            b.int_port == sp && b.rem_port == dp && b.rem_tag == vtag && b.int_addr == from
        }) {
            return Verdict::Forward(ip(SERVER));
        }
        // No binding. An ASCONF with VTags rebuilds it (5.3.1).
        for c in view.chunks() {
            if c.ty() == ty::ASCONF {
                let v = c.value();
                // Serial, then the address parameter, then the requests.
                let list = tlvs(&v[4..]);
                if let Some((_, vt)) = list.iter().find(|(t, _)| *t == VTAGS) {
                    let (int_tag, rem_tag) = (u32_at(vt, 4), u32_at(vt, 8));
                    let dr = list.iter().any(|(t, _)| *t == DISABLE_RESTART);
                    self.vtags_seen.push((int_tag, rem_tag, dr));
                    self.table.push(Binding {
                        int_tag,
                        int_port: sp,
                        rem_tag,
                        rem_port: dp,
                        int_addr: from,
                    });
                    return Verdict::Forward(ip(SERVER));
                }
            }
            if matches!(c.ty(), ty::ABORT | ty::SHUTDOWN_COMPLETE | ty::INIT_ACK) {
                return Verdict::Drop;
            }
        }
        // 5.3.1: ERROR with the M and T bits, Missing State holding the
        // packet (an IPv4 header first), the tag reflected.
        self.missing_sent += 1;
        let mut orig = vec![0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 132, 0, 0];
        if let (IpAddr::V4(s), IpAddr::V4(d)) = (from, ip(SERVER)) {
            orig.extend_from_slice(&s.octets());
            orig.extend_from_slice(&d.octets());
        }
        let total = (orig.len() + bytes.len()) as u16;
        orig[2..4].copy_from_slice(&total.to_be_bytes());
        orig.extend_from_slice(bytes);
        let v = cause(MISSING_STATE, &orig);
        Verdict::Reply(packet(dp, sp, vtag, ty::ERROR, M_BIT | T_BIT, &v))
    }

    /// A packet from the outside to the external address.
    fn inbound(&mut self, bytes: &[u8]) -> Verdict {
        let Ok(view) = PacketView::parse(bytes, Rules::STANDARD) else {
            return Verdict::Drop;
        };
        let h = view.header();
        let (sp, dp, vtag) = (h.source_port, h.destination_port, h.verification_tag);
        let first = view.chunks().next();
        let Some(b) = self
            .table
            .iter_mut()
            .find(|b| b.int_port == dp && b.rem_port == sp && b.int_tag == vtag)
        else {
            return Verdict::Drop;
        };
        if let Some(init_ack) = first
            .filter(|c| c.ty() == ty::INIT_ACK)
            .and_then(|c| c.init())
        {
            b.rem_tag = init_ack.initiate_tag();
        }
        Verdict::Forward(b.int_addr)
    }
}

/// Endpoints, the NAT, and a zero-delay wire on a virtual clock.
struct Net {
    now: Instant,
    eps: Vec<(Endpoint, IpAddr)>,
    events: Vec<Vec<Event>>,
    nat: Nat,
    wire: VecDeque<(IpAddr, IpAddr, Vec<u8>)>,
}

impl Net {
    fn new(server_nat: bool, clients: &[(&str, bool)]) -> Net {
        let now = Instant::now();
        let mut eps = Vec::new();
        let mut s = Endpoint::new(cfg(server_nat), now, [9; 32]);
        s.listen(5000);
        eps.push((s, ip(SERVER)));
        for (i, (addr, nat)) in clients.iter().enumerate() {
            eps.push((Endpoint::new(cfg(*nat), now, [i as u8 + 1; 32]), ip(addr)));
        }
        let n = eps.len();
        Net {
            now,
            eps,
            events: vec![Vec::new(); n],
            nat: Nat::default(),
            wire: VecDeque::new(),
        }
    }

    fn connect(&mut self, i: usize) -> AssocId {
        let local = self.eps[i].1;
        let now = self.now;
        self.eps[i]
            .0
            .connect(
                now,
                ConnectOptions::new(local, 5001, (ip(SERVER), 0).into(), 5000),
            )
            .unwrap()
    }

    fn node_of(&self, addr: IpAddr) -> Option<usize> {
        self.eps.iter().position(|(_, a)| *a == addr)
    }

    fn run(&mut self, limit: Duration, mut done: impl FnMut(&mut Net) -> bool) -> bool {
        let end = self.now + limit;
        let mut buf = Vec::new();
        loop {
            for i in 0..self.eps.len() {
                while let Some(t) = self.eps[i].0.poll_transmit(self.now, &mut buf) {
                    self.wire
                        .push_back((self.eps[i].1, t.remote.ip(), buf.clone()));
                }
                while let Some(e) = self.eps[i].0.poll_event() {
                    self.events[i].push(e);
                }
            }
            if done(self) {
                return true;
            }
            if let Some((from, _, bytes)) = self.wire.pop_front() {
                let ext = ip(EXTERNAL);
                let (from, to, bytes) = if from != ip(SERVER) {
                    match self.nat.outbound(from, &bytes) {
                        Verdict::Forward(t) => (ext, t, bytes),
                        Verdict::Reply(p) => (ip(SERVER), from, p),
                        Verdict::Drop => continue,
                    }
                } else {
                    match self.nat.inbound(&bytes) {
                        Verdict::Forward(t) => (ext, t, bytes),
                        _ => continue,
                    }
                };
                let from = if to == ip(SERVER) { ext } else { from };
                if let Some(k) = self.node_of(to) {
                    let now = self.now;
                    self.eps[k]
                        .0
                        .handle_packet(now, SocketAddr::new(from, 0), to, &bytes);
                }
                continue;
            }
            let next = self.eps.iter().filter_map(|(e, _)| e.poll_timeout()).min();
            match next {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    let now = self.now;
                    for (e, _) in &mut self.eps {
                        if e.poll_timeout().is_some_and(|t| t <= now) {
                            e.handle_timeout(now);
                        }
                    }
                }
                _ => {
                    self.now = end;
                    return done(self);
                }
            }
        }
    }

    fn up(&self, i: usize) -> Vec<AssocId> {
        self.events[i]
            .iter()
            .filter_map(|e| match e {
                Event::AssocChange {
                    id,
                    change: AssocChange::CommUp,
                    ..
                } => Some(*id),
                _ => None,
            })
            .collect()
    }

    fn changes(&self, i: usize) -> Vec<AssocChange> {
        self.events[i]
            .iter()
            .filter_map(|e| match e {
                Event::AssocChange { change, .. } => Some(*change),
                _ => None,
            })
            .collect()
    }

    fn messages(&self, i: usize) -> Vec<Vec<u8>> {
        self.events[i]
            .iter()
            .filter_map(|e| match e {
                Event::Message { message, .. } => Some(message.data.clone()),
                _ => None,
            })
            .collect()
    }
}

#[test]
fn init_carries_disable_restart_and_no_addresses_and_both_sides_agree() {
    let mut n = Net::new(true, &[("10.0.0.1", true)]);
    let a = n.connect(1);
    assert!(n.run(Duration::from_secs(5), |n| !n.up(0).is_empty()
        && !n.up(1).is_empty()));
    assert_eq!(n.nat.inits.len(), 1);
    let (_, dr, addrs) = n.nat.inits[0];
    assert!(dr, "INIT without Disable Restart");
    assert!(!addrs, "INIT with address parameters behind a NAT");
    assert!(n.eps[1].0.status(a).unwrap().nat);
    let b = n.up(0)[0];
    assert!(n.eps[0].0.status(b).unwrap().nat);
    // Without NAT support on the server, no Disable Restart comes back.
    let mut n = Net::new(false, &[("10.0.0.1", true)]);
    let a = n.connect(1);
    assert!(n.run(Duration::from_secs(5), |n| !n.up(1).is_empty()));
    assert!(!n.eps[1].0.status(a).unwrap().nat);
}

#[test]
fn a_collision_abort_from_the_nat_makes_a_new_tag_and_the_setup_goes_on() {
    let mut n = Net::new(true, &[("10.0.0.1", true)]);
    n.nat.collide_next_init = true;
    let a = n.connect(1);
    assert!(n.run(Duration::from_secs(10), |n| !n.up(0).is_empty()
        && !n.up(1).is_empty()));
    assert_eq!(n.nat.collisions_sent, 1);
    assert_eq!(n.nat.inits.len(), 2);
    assert_ne!(n.nat.inits[0].0, n.nat.inits[1].0, "the INIT kept its tag");
    let s = n.eps[1].0.status(a).unwrap();
    assert_eq!(s.tags.0, n.nat.inits[1].0);
    assert_eq!(s.nat_stats.new_tags, 1);

    // Without NAT support the same ABORT ends the attempt.
    let mut n = Net::new(true, &[("10.0.0.1", false)]);
    n.nat.collide_next_init = true;
    n.connect(1);
    n.run(Duration::from_secs(10), |n| !n.changes(1).is_empty());
    assert!(n.up(1).is_empty());
    assert_eq!(n.nat.inits.len(), 1);
    assert!(
        !n.changes(1).is_empty() && !n.changes(1).contains(&AssocChange::CommUp),
        "{:?}",
        n.changes(1)
    );
}

#[test]
fn missing_state_is_repaired_with_an_asconf_carrying_vtags() {
    let mut n = Net::new(true, &[("10.0.0.1", true)]);
    let a = n.connect(1);
    assert!(n.run(Duration::from_secs(5), |n| !n.up(0).is_empty()
        && !n.up(1).is_empty()));
    let b = n.up(0)[0];
    n.eps[1].0.send(a, 0, 1, false, b"before".to_vec()).unwrap();
    assert!(n.run(Duration::from_secs(5), |n| n.messages(0).len() == 1));
    let tags = n.eps[1].0.status(a).unwrap().tags;
    // The NAT restarts and forgets every binding.
    n.nat.table.clear();
    n.eps[1].0.send(a, 0, 1, false, b"after".to_vec()).unwrap();
    assert!(n.run(Duration::from_secs(20), |n| n.messages(0).len() == 2));
    assert_eq!(n.messages(0), vec![b"before".to_vec(), b"after".to_vec()]);
    assert!(n.nat.missing_sent >= 1);
    // The ASCONF held our tag and the peer's, and Disable Restart.
    assert_eq!(n.nat.vtags_seen, vec![(tags.0, tags.1, true)]);
    let s = n.eps[1].0.status(a).unwrap();
    assert!(s.nat_stats.missing_state >= 1);
    assert_eq!(s.nat_stats.updates_sent, 1);
    assert_eq!(s.state, sctp_endpoint::State::Established);
    // The server answered the ASCONF and still runs the association.
    n.eps[0].0.send(b, 0, 1, false, b"back".to_vec()).unwrap();
    assert!(n.run(Duration::from_secs(5), |n| n.messages(1).len() == 1));
    assert!(!n.changes(0).contains(&AssocChange::Restart));
}

#[test]
fn without_nat_support_missing_state_is_only_reported() {
    let mut n = Net::new(true, &[("10.0.0.1", false)]);
    let a = n.connect(1);
    assert!(n.run(Duration::from_secs(5), |n| !n.up(1).is_empty()));
    n.nat.table.clear();
    n.eps[1].0.send(a, 0, 1, false, b"lost".to_vec()).unwrap();
    n.run(Duration::from_secs(3), |_| false);
    assert!(n.nat.missing_sent >= 1);
    assert!(
        n.nat.vtags_seen.is_empty(),
        "an ASCONF went out without NAT support"
    );
    assert!(n.messages(0).is_empty());
}

/// Two hosts behind the NAT pick the same port: to the server both come
/// from the NAT's address and port 5001. With Disable Restart the second
/// setup is a second association, told apart from the first by tag, and
/// both carry data at once; without it the server takes the second setup
/// for a restart of the first.
#[test]
fn disable_restart_keeps_two_hosts_on_the_same_port_apart() {
    for nat in [true, false] {
        let mut n = Net::new(nat, &[("10.0.0.1", nat), ("10.0.0.2", nat)]);
        let a1 = n.connect(1);
        assert!(n.run(Duration::from_secs(5), |n| !n.up(0).is_empty()
            && !n.up(1).is_empty()));
        let a2 = n.connect(2);
        let second_up = n.run(Duration::from_secs(5), |n| !n.up(2).is_empty());
        let restarted = n.changes(0).contains(&AssocChange::Restart);
        if !nat {
            assert!(restarted, "{:?}", n.changes(0));
            continue;
        }
        assert!(second_up, "the second host's association did not come up");
        assert!(!restarted, "the server restarted the association");
        let server_side = n.up(0);
        assert_eq!(server_side.len(), 2, "{:?}", n.changes(0));
        assert_eq!(n.eps[0].0.association_count(), 2);
        let s0 = n.eps[0].0.status(server_side[0]).unwrap();
        assert_eq!(s0.nat_stats.restarts_refused, 1);
        // Both hosts and the server talk at once, each to the right one.
        n.eps[1]
            .0
            .send(a1, 0, 1, false, b"from host 1".to_vec())
            .unwrap();
        n.eps[2]
            .0
            .send(a2, 0, 1, false, b"from host 2".to_vec())
            .unwrap();
        n.eps[0]
            .0
            .send(server_side[0], 0, 1, false, b"to host 1".to_vec())
            .unwrap();
        n.eps[0]
            .0
            .send(server_side[1], 0, 1, false, b"to host 2".to_vec())
            .unwrap();
        assert!(n.run(Duration::from_secs(5), |n| n.messages(0).len() == 2
            && n.messages(1).len() == 1
            && n.messages(2).len() == 1));
        let mut at_server = n.messages(0);
        at_server.sort();
        assert_eq!(
            at_server,
            vec![b"from host 1".to_vec(), b"from host 2".to_vec()]
        );
        assert_eq!(n.messages(1), vec![b"to host 1".to_vec()]);
        assert_eq!(n.messages(2), vec![b"to host 2".to_vec()]);
        assert_eq!(n.nat.missing_sent, 0);
    }
}
