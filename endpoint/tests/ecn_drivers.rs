//! ECN (RFC 9260 Appendix A, RFC 3168) through the real drivers, against
//! usrsctp with ECN on (`ecn=1`), through a relay in the test that reads
//! the ECN field of every packet it passes and sets Congestion Experienced
//! on some: what a congested router does.
//!
//! - UDP encapsulation on 127.0.0.1: the ECN bits are in the outer IP
//!   header (RFC 6951 5.5), so the relay reads them with `IP_RECVTOS` and
//!   forwards each datagram with `IP_TOS` set to what it read, or to CE.
//! - Raw IPv4: our endpoint in one network namespace, usrsctp in another,
//!   each joined to ours by a veth pair; the relay holds a raw protocol-132
//!   socket on each link, reads the IP header's ECN field and sends the
//!   SCTP packet on with `IP_TOS` (SCTP's checksum covers no IP header, so
//!   the packet needs no change). A tshark capture of our link is the
//!   independent check of what was on the wire (`ip.dsfield.ecn`).
//! - The same over UDP on ::1 and over raw IPv6 (`IPV6_TCLASS`,
//!   `IPV6_RECVTCLASS`, `ipv6.tclass.ecn`).
//!
//! Checked: ECN is negotiated; every DATA packet we send carries ECT(0),
//! the INIT does not; CE marks on usrsctp's DATA reach our endpoint (the
//! driver counts every one), which answers with ECNEs naming the lowest TSN
//! of a marked packet; CE marks on our DATA make usrsctp send ECNE over raw
//! IP, which we answer with CWR; with ECN off on our side nothing is ECT.
//! Every message arrives once. The raw test needs root.
//!
//! What usrsctp 0.9.5.0 (Debian's) cannot do, printed rather than checked:
//! it takes only FreeBSD's 12-byte ECNE (with a packet count) and drops the
//! 8-byte ECNE of RFC 9260 Appendix A, ending the processing of the packet
//! there, so it never answers ours with CWR (fixed upstream after 0.9.5.0,
//! usrsctp issue 594; checked when a later usrsctp is installed); over UDP
//! it neither sets ECT on the outer header nor reads its ECN field, so the
//! relay marks its Not-ECT datagrams as the outer header of a tunnel would
//! be, and our marked packets draw no ECNE from it; the same over raw IPv6.

#[allow(dead_code)]
#[path = "../../craft/tests/peer/capture.rs"]
mod capture;
mod driven;
mod netlab;
mod peer;

use std::io::IoSliceMut;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use driven::Drive;
use netlab::{in_netns, Lab};
use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags, SockaddrStorage};
use peer::{check_delivery, Peer, PeerOpts};
use sctp_endpoint::driver::raw::{strip_ipv4, RawDriver};
use sctp_endpoint::driver::udp::{EcnCounters, UdpDriver, CE, ECT0, NOT_ECT};
use sctp_endpoint::{AssocChange, AssocId, Config, ConnectOptions, Endpoint, SendError};
use socket2::{Domain, Protocol, SockAddr, SockRef, Socket, Type};

const SERVER_PORT: u16 = 5000;
const CLIENT_PORT: u16 = 5001;
const LOOPBACK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
/// UDP ports of these tests: test `n` uses BASE + 10 n .. + 3.
const BASE: u16 = 42700;

const DATA: u8 = 0;
const INIT: u8 = 1;
const ECNE: u8 = 12;
const CWR: u8 = 13;

/// The two drivers, as the test uses them: stepped (at most 2 ms), and
/// their ECN counters.
trait Driver: Drive {
    fn ecn(&self) -> EcnCounters;
}

impl Driver for UdpDriver {
    fn ecn(&self) -> EcnCounters {
        self.ecn
    }
}

impl Driver for RawDriver {
    fn ecn(&self) -> EcnCounters {
        self.ecn
    }
}

impl Drive for Box<dyn Driver + Send> {
    fn ep(&mut self) -> &mut Endpoint {
        (**self).ep()
    }
    fn step(&mut self, wait: Duration) {
        (**self).step(wait)
    }
}

type Ours = driven::Ours<Box<dyn Driver + Send>>;

impl Ours {
    fn drained(&mut self, id: AssocId) -> bool {
        self.d
            .ep()
            .status(id)
            .is_some_and(|s| s.queued == 0 && s.outstanding == 0)
    }
}

fn len(i: u32) -> usize {
    6 + (i as usize * 97) % 1400
}

/// What the relay saw, per direction: index 0 from our endpoint, 1 from
/// usrsctp.
#[derive(Default, Debug, Clone)]
struct Seen {
    /// ECN field of packets carrying DATA, by codepoint, as they reached
    /// the relay.
    data_ecn: [[u64; 4]; 2],
    /// The same for packets without DATA.
    control_ecn: [[u64; 4]; 2],
    /// ECN field of the INIT.
    init_ecn: [Option<u8>; 2],
    /// Chunks by type.
    chunks: [Vec<u64>; 2],
    /// Packets the relay forwarded marked CE.
    marked: [u64; 2],
    /// The lowest and highest TSN of each DATA packet marked CE.
    marked_tsns: [Vec<(u32, u32)>; 2],
    /// The Lowest TSN field of each ECNE (sent by the side that received
    /// the marks: index 0 holds our ECNEs, about marks on usrsctp's DATA).
    ecne_tsns: [Vec<u32>; 2],
    /// ECNE chunk lengths seen (RFC 9260 Appendix A: 8; FreeBSD's with a
    /// packet count: 12).
    ecne_lengths: [Vec<u16>; 2],
}

impl Seen {
    fn new() -> Seen {
        Seen {
            chunks: [vec![0; 256], vec![0; 256]],
            ..Seen::default()
        }
    }

    fn data_packets(&self, dir: usize) -> u64 {
        self.data_ecn[dir].iter().sum()
    }
}

/// The chunks of an SCTP packet: type, and the chunk's bytes.
fn chunks(p: &[u8]) -> Vec<(u8, &[u8])> {
    let mut v = Vec::new();
    let mut o = 12;
    while o + 4 <= p.len() {
        let len = u16::from_be_bytes([p[o + 2], p[o + 3]]) as usize;
        if len < 4 || o + len > p.len() {
            break;
        }
        v.push((p[o], &p[o..o + len]));
        o += (len + 3) & !3;
    }
    v
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[4], b[5], b[6], b[7]])
}

/// The marking and bookkeeping both relays share.
struct Marker {
    seen: Mutex<Seen>,
    /// Mark every Nth DATA packet of each direction CE (0: none).
    every: [AtomicU32; 2],
    data_count: [AtomicU32; 2],
    stop: AtomicBool,
}

impl Marker {
    fn new() -> Arc<Marker> {
        Arc::new(Marker {
            seen: Mutex::new(Seen::new()),
            every: [AtomicU32::new(0), AtomicU32::new(0)],
            data_count: [AtomicU32::new(0), AtomicU32::new(0)],
            stop: AtomicBool::new(false),
        })
    }

    /// Records packet `sctp` going from side `dir` with ECN field `ecn`;
    /// returns the ECN field to forward it with.
    fn pass(&self, dir: usize, sctp: &[u8], ecn: u8) -> u8 {
        let cs = chunks(sctp);
        let has_data = cs.iter().any(|c| c.0 == DATA);
        let mut s = self.seen.lock().unwrap();
        for (t, c) in &cs {
            s.chunks[dir][*t as usize] += 1;
            if *t == ECNE && c.len() >= 8 {
                s.ecne_tsns[dir].push(be32(c));
                s.ecne_lengths[dir].push(c.len() as u16);
            }
        }
        if cs.first().map(|c| c.0) == Some(INIT) {
            s.init_ecn[dir] = Some(ecn);
        }
        if has_data {
            s.data_ecn[dir][ecn as usize & 3] += 1;
        } else {
            s.control_ecn[dir][ecn as usize & 3] += 1;
        }
        let every = self.every[dir].load(Ordering::Relaxed);
        if has_data && every > 0 {
            let k = self.data_count[dir].fetch_add(1, Ordering::Relaxed) + 1;
            // A router marks only ECN-capable packets (RFC 3168 5), but
            // over UDP usrsctp leaves the outer header Not-ECT: the relay
            // marks what it is told to, as the outer header of a tunnel.
            if k.is_multiple_of(every) {
                s.marked[dir] += 1;
                let tsns = cs
                    .iter()
                    .filter(|c| c.0 == DATA && c.1.len() >= 8)
                    .map(|c| be32(c.1));
                let serial = |a: &u32, b: &u32| (a.wrapping_sub(*b) as i32).cmp(&0);
                let lo = tsns.clone().min_by(serial);
                let hi = tsns.max_by(serial);
                s.marked_tsns[dir].extend(lo.zip(hi));
                return CE;
            }
        }
        ecn
    }

    fn mark(&self, dir: usize, every: u32) {
        self.every[dir].store(every, Ordering::Relaxed);
    }

    fn seen(&self) -> Seen {
        self.seen.lock().unwrap().clone()
    }
}

/// Sets the ECN field `sock` sends with, when it changes.
fn set_tos(sock: &UdpSocket, current: &mut u8, want: u8) {
    if *current != want {
        let s = SockRef::from(sock);
        if sock.local_addr().is_ok_and(|a| a.is_ipv6()) {
            s.set_tclass_v6(want as u32).expect("IPV6_TCLASS");
        } else {
            s.set_tos(want as u32).expect("IP_TOS");
        }
        *current = want;
    }
}

/// A relay thread; stops and joins on drop.
struct Relay {
    marker: Arc<Marker>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.marker.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One UDP datagram with its ECN field (`IP_RECVTOS` / `IPV6_RECVTCLASS`).
fn recv_tos(s: &UdpSocket, buf: &mut [u8], cmsg: &mut [u8]) -> Option<(usize, SocketAddr, u8)> {
    let mut iov = [IoSliceMut::new(buf)];
    let m =
        recvmsg::<SockaddrStorage>(s.as_raw_fd(), &mut iov, Some(cmsg), MsgFlags::empty()).ok()?;
    let mut tos = None;
    for c in m.cmsgs().ok()? {
        match c {
            ControlMessageOwned::Ipv4Tos(t) => tos = Some(t),
            ControlMessageOwned::Ipv6TClass(t) => tos = Some(t as u8),
            _ => {}
        }
    }
    let from = m.address?;
    let from = match from.as_sockaddr_in() {
        Some(v4) => SocketAddr::V4((*v4).into()),
        None => SocketAddr::V6((*from.as_sockaddr_in6()?).into()),
    };
    Some((
        m.bytes,
        from,
        tos.expect("IP_TOS / IPV6_TCLASS control message") & 3,
    ))
}

impl Relay {
    /// UDP on the loopback address of `target`'s family: what reaches port
    /// `front` (from our endpoint) goes on to `target` (usrsctp) from
    /// another port; what comes back goes to whoever last wrote to `front`.
    fn udp(front: u16, target: SocketAddr) -> Relay {
        let marker = Marker::new();
        let front = UdpSocket::bind((target.ip(), front)).expect("relay front");
        let back = UdpSocket::bind((target.ip(), 0)).expect("relay back");
        for s in [&front, &back] {
            s.set_nonblocking(true).unwrap();
            if target.is_ipv6() {
                SockRef::from(s)
                    .set_recv_tclass_v6(true)
                    .expect("IPV6_RECVTCLASS");
            } else {
                SockRef::from(s).set_recv_tos(true).expect("IP_RECVTOS");
            }
        }
        let m = marker.clone();
        let thread = std::thread::spawn(move || {
            let mut buf = vec![0u8; 65536];
            let mut cmsg = nix::cmsg_space!(nix::libc::c_int);
            let mut client: Option<SocketAddr> = None;
            let mut tos = [NOT_ECT; 2];
            while !m.stop.load(Ordering::Relaxed) {
                let mut idle = true;
                while let Some((n, from, ecn)) = recv_tos(&front, &mut buf, &mut cmsg) {
                    idle = false;
                    client = Some(from);
                    let out = m.pass(0, &buf[..n], ecn);
                    set_tos(&back, &mut tos[0], out);
                    let _ = back.send_to(&buf[..n], target);
                }
                while let Some((n, _, ecn)) = recv_tos(&back, &mut buf, &mut cmsg) {
                    idle = false;
                    let out = m.pass(1, &buf[..n], ecn);
                    if let Some(c) = client {
                        set_tos(&front, &mut tos[1], out);
                        let _ = front.send_to(&buf[..n], c);
                    }
                }
                if idle {
                    std::thread::sleep(Duration::from_micros(200));
                }
            }
        });
        Relay {
            marker,
            thread: Some(thread),
        }
    }

    /// Raw IPv4 in our namespace: packets to `front` (from `ours`) go on to
    /// `theirs` from `back`, packets to `back` go on to `ours` from `front`.
    fn raw(front: IpAddr, back: IpAddr, ours: IpAddr, theirs: IpAddr) -> Relay {
        let marker = Marker::new();
        let v6 = front.is_ipv6();
        let open = |a: IpAddr| {
            let d = if v6 { Domain::IPV6 } else { Domain::IPV4 };
            let s =
                Socket::new(d, Type::RAW, Some(Protocol::from(132))).expect("raw socket (root)");
            s.bind(&SockAddr::from(SocketAddr::new(a, 0)))
                .expect("bind relay");
            s.set_nonblocking(true).unwrap();
            if v6 {
                s.set_recv_tclass_v6(true).expect("IPV6_RECVTCLASS");
            }
            UdpSocket::from(s)
        };
        let socks = [open(front), open(back)];
        let m = marker.clone();
        let thread = std::thread::spawn(move || {
            let mut buf = vec![0u8; 65536];
            let mut cmsg = nix::cmsg_space!(nix::libc::c_int);
            let mut tos = [NOT_ECT; 2];
            let to = [theirs, ours];
            while !m.stop.load(Ordering::Relaxed) {
                let mut idle = true;
                for dir in 0..2 {
                    loop {
                        // IPv4 raw sockets deliver the IP header (its ECN
                        // field in the TOS byte); IPv6 ones the payload,
                        // with the Traffic Class in a control message.
                        let (range, src, ecn) = if v6 {
                            let Some((n, from, ecn)) = recv_tos(&socks[dir], &mut buf, &mut cmsg)
                            else {
                                break;
                            };
                            (0..n, from.ip(), ecn)
                        } else {
                            let Ok((n, _)) = socks[dir].recv_from(&mut buf) else {
                                break;
                            };
                            let Some((sctp, src, _)) = strip_ipv4(&buf[..n]) else {
                                continue;
                            };
                            let ihl = (buf[0] & 0x0f) as usize * 4;
                            (ihl..ihl + sctp.len(), src, buf[1] & 3)
                        };
                        idle = false;
                        if src != [ours, theirs][dir] {
                            continue;
                        }
                        let sctp = &buf[range];
                        let out = m.pass(dir, sctp, ecn);
                        let o = &socks[1 - dir];
                        set_tos(o, &mut tos[1 - dir], out);
                        let _ = o.send_to(sctp, SocketAddr::new(to[dir], 0));
                    }
                }
                if idle {
                    std::thread::sleep(Duration::from_micros(200));
                }
            }
        });
        Relay {
            marker,
            thread: Some(thread),
        }
    }
}

/// Messages 0..count, message i on stream i % 10 with PPID 1000 + stream.
struct Sender {
    next: u32,
    count: u32,
}

impl Sender {
    fn feed(&mut self, o: &mut Ours, id: AssocId) -> bool {
        while self.next < self.count {
            let sid = (self.next % 10) as u16;
            let body = peer::body(sid, self.next, len(self.next));
            match o.d.ep().send(id, sid, 1000 + sid as u32, false, body) {
                Ok(()) => self.next += 1,
                Err(SendError::WouldBlock) => break,
                Err(e) => panic!("send {}: {e}", self.next),
            }
        }
        self.next == self.count
    }
}

/// What one run measured.
struct Figures {
    seen_after_their_data: Seen,
    seen: Seen,
    ours: EcnCounters,
    negotiated: bool,
}

/// Associates (we connect, to `remote`), then usrsctp sends 2,000
/// messages with every 10th of its DATA packets marked CE on the way to us,
/// then we send 2,000 with every 10th of ours marked on the way to usrsctp.
fn exchange(
    mut ours: Ours,
    remote: SocketAddr,
    relay: &Relay,
    peer: &mut Peer,
    local: IpAddr,
) -> Figures {
    let id = ours
        .d
        .ep()
        .connect(
            Instant::now(),
            ConnectOptions::new(local, CLIENT_PORT, remote, SERVER_PORT),
        )
        .expect("connect");
    assert!(
        ours.run_until(Duration::from_secs(10), |o| o.up().is_some()
            || o.ended().is_some()),
        "no association; peer:\n{}",
        peer.tail()
    );
    assert_eq!(ours.up(), Some(id), "{:?}", ours.events);
    assert!(
        ours.run_until(Duration::from_secs(5), |_| peer.saw("state=COMM_UP")),
        "{}",
        peer.tail()
    );
    let negotiated = ours.d.ep().association_config(id).unwrap().ecn;

    // usrsctp's data, every 10th DATA packet marked CE towards us.
    relay.marker.mark(1, 10);
    peer.cmd("send 2000 10 1000 0");
    let ok = ours.run_until(Duration::from_secs(60), |o| o.received().len() >= 2000);
    assert!(
        ok,
        "we got {}/2000; peer:\n{}",
        ours.received().len(),
        peer.tail()
    );
    // The last ECNE's CWR.
    ours.run_until(Duration::from_millis(500), |_| false);
    relay.marker.mark(1, 0);
    let seen_after_their_data = relay.marker.seen();

    // Ours, every 10th DATA packet marked CE towards usrsctp.
    relay.marker.mark(0, 10);
    let mut tx = Sender {
        next: 0,
        count: 2000,
    };
    let ok = ours.run_until(Duration::from_secs(60), |o| {
        tx.feed(o, id) && peer.data_count() >= 2000 && o.drained(id)
    });
    assert!(
        ok,
        "the peer got {}/2000; peer:\n{}",
        peer.data_count(),
        peer.tail()
    );
    ours.run_until(Duration::from_millis(500), |_| false);
    relay.marker.mark(0, 0);
    check_delivery("usrsctp", &peer.received(), 2000, 10, len, false);
    check_delivery("ours", &ours.received(), 2000, 10, |_| 1000, false);
    assert!(ours.ended().is_none(), "{:?}", ours.ended());
    assert_eq!(ours.d.ep().stats().bad_checksum, 0);

    ours.d.ep().shutdown(Instant::now(), id);
    assert!(
        ours.run_until(Duration::from_secs(10), |o| o.ended().is_some()),
        "{}",
        peer.tail()
    );
    assert_eq!(ours.ended(), Some(AssocChange::ShutdownComplete));
    Figures {
        seen_after_their_data,
        seen: relay.marker.seen(),
        ours: ours.d.ecn(),
        negotiated,
    }
}

fn names(c: &[u64; 4]) -> String {
    format!(
        "Not-ECT {}, ECT(1) {}, ECT(0) {}, CE {}",
        c[0], c[1], c[2], c[3]
    )
}

/// Whether the usrsctp the peer is built with takes the ECNE of RFC 9260
/// Appendix A (8 bytes). Up to 0.9.5.0 (Debian's) it takes only FreeBSD's
/// 12-byte form with a packet count, and an 8-byte ECNE ends the processing
/// of its packet without a CWR (fixed upstream after 0.9.5.0, commit
/// de7d903c, "Fix length check for ECNE chunks", usrsctp issue 594).
fn usrsctp_takes_rfc_ecne() -> bool {
    let v = Command::new("pkg-config")
        .args(["--modversion", "usrsctp"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let n: Vec<u32> = v.split('.').filter_map(|x| x.parse().ok()).collect();
    n > vec![0, 9, 5, 0]
}

/// Every value of `got` is the lowest TSN of a marked packet (RFC 9260
/// Appendix A), or with `any_of_packet` any TSN of one (FreeBSD names the
/// highest).
fn all_marked(got: &[u32], marked: &[(u32, u32)], any_of_packet: bool) -> bool {
    got.iter().all(|&t| {
        marked.iter().any(|&(lo, hi)| {
            t == lo || (any_of_packet && t.wrapping_sub(lo) <= hi.wrapping_sub(lo))
        })
    })
}

/// The checks both transports share; returns whether usrsctp answered our
/// CE marks with ECNE.
fn check(what: &str, f: &Figures) -> bool {
    let (s1, s) = (&f.seen_after_their_data, &f.seen);
    let mut lengths = s.ecne_lengths.clone();
    for l in &mut lengths {
        l.sort();
        l.dedup();
    }
    eprintln!(
        "{what}: our DATA packets: {}; our other packets: {}; usrsctp's DATA packets: {}; \
         its other packets: {}; INIT {:?}; CE marks on usrsctp's DATA {} (our driver saw {} \
         CE; all it received: {}), our ECNEs {} and usrsctp's CWRs {}; CE marks on our DATA \
         {}, usrsctp's ECNEs {}, our CWRs {}; ECNE lengths (ours, usrsctp's) {lengths:?}; we \
         sent {} packets ECT(0), {} Not-ECT",
        names(&s.data_ecn[0]),
        names(&s.control_ecn[0]),
        names(&s.data_ecn[1]),
        names(&s.control_ecn[1]),
        s.init_ecn,
        s1.marked[1],
        f.ours.ce_received(),
        names(&f.ours.received),
        s1.chunks[0][ECNE as usize],
        s1.chunks[1][CWR as usize],
        s.marked[0],
        s.chunks[1][ECNE as usize],
        s.chunks[0][CWR as usize],
        f.ours.ect0_sent,
        f.ours.not_ect_sent,
    );
    assert!(f.negotiated, "ECN negotiated with usrsctp");
    assert_eq!(s.init_ecn[0], Some(NOT_ECT), "our INIT is not ECN-capable");
    assert!(s.data_packets(0) > 500, "{s:?}");
    assert_eq!(
        s.data_ecn[0][ECT0 as usize],
        s.data_packets(0),
        "every DATA packet of ours carries ECT(0): {}",
        names(&s.data_ecn[0])
    );
    assert!(s1.marked[1] >= 10, "marks towards us: {}", s1.marked[1]);
    assert!(
        f.ours.ce_received() >= 1 && f.ours.ce_received() <= s.marked[1],
        "our driver saw {} CE of {} marked",
        f.ours.ce_received(),
        s.marked[1]
    );
    assert!(
        s1.chunks[0][ECNE as usize] >= 1,
        "we answered CE with ECNE: {:?}",
        s1.chunks[0][ECNE as usize]
    );
    assert!(
        all_marked(&s.ecne_tsns[0], &s.marked_tsns[1], false),
        "each of our ECNEs names the lowest TSN of a marked packet: {:?} vs {:?}",
        s.ecne_tsns[0],
        s.marked_tsns[1]
    );
    assert_eq!(lengths[0], vec![8], "RFC 9260 Appendix A ECNE");
    if usrsctp_takes_rfc_ecne() {
        assert!(
            s1.chunks[1][CWR as usize] >= 1,
            "usrsctp answered our ECNE with CWR"
        );
    } else {
        eprintln!(
            "{what}: this usrsctp (0.9.5.0 or older) drops 8-byte ECNEs: no CWR expected \
             (usrsctp issue 594)"
        );
    }
    let their_ecne = s.chunks[1][ECNE as usize] > 0;
    if their_ecne {
        assert!(
            all_marked(&s.ecne_tsns[1], &s.marked_tsns[0], true),
            "usrsctp's ECNEs name TSNs of marked packets"
        );
        assert!(
            s.chunks[0][CWR as usize] >= 1,
            "we answered usrsctp's ECNE with CWR"
        );
    }
    their_ecne
}

fn start_peer(prefix: &[&str], encaps: u16, addr: IpAddr) -> Peer {
    Peer::start(&PeerOpts {
        prefix,
        args: vec![
            "server".into(),
            encaps.to_string(),
            addr.to_string(),
            SERVER_PORT.to_string(),
            "ecn=1".into(),
        ],
    })
}

fn ecn_config(ecn: bool) -> Config {
    Config {
        ecn,
        outbound_streams: 16,
        ..Config::default()
    }
}

#[test]
fn udp_ect_on_our_packets_ce_answered_with_ecne() {
    let (udp, peer_udp, relay_port) = (BASE, BASE + 1, BASE + 2);
    let mut peer = start_peer(&[], peer_udp, LOOPBACK);
    let relay = Relay::udp(relay_port, SocketAddr::new(LOOPBACK, peer_udp));
    let ep = Endpoint::new(ecn_config(true), Instant::now(), [7; 32]);
    let ours = Ours::new(
        Box::new(UdpDriver::bind(ep, SocketAddr::new(LOOPBACK, udp)).expect("bind")),
        Duration::from_millis(2),
    );
    let f = exchange(
        ours,
        SocketAddr::new(LOOPBACK, relay_port),
        &relay,
        &mut peer,
        LOOPBACK,
    );
    let their_ecne = check("UDP", &f);
    // usrsctp passes no ECN field up from its UDP socket (it hands 0 to its
    // input processing): it never sees the marks on our packets' outer
    // header, so it sends no ECNE; nor does it set ECT on what it sends.
    eprintln!("UDP: usrsctp answered CE on our packets: {their_ecne}");
}

/// The same over IPv6 (::1): our driver sets and reads the Traffic Class.
#[test]
fn udp_ipv6_ect_on_our_packets_ce_answered_with_ecne() {
    let lo6: IpAddr = "::1".parse().unwrap();
    let (udp, peer_udp, relay_port) = (BASE + 20, BASE + 21, BASE + 22);
    let mut peer = start_peer(&[], peer_udp, lo6);
    let relay = Relay::udp(relay_port, SocketAddr::new(lo6, peer_udp));
    let ep = Endpoint::new(ecn_config(true), Instant::now(), [10; 32]);
    let ours = Ours::new(
        Box::new(UdpDriver::bind(ep, SocketAddr::new(lo6, udp)).expect("bind ::1")),
        Duration::from_millis(2),
    );
    let f = exchange(
        ours,
        SocketAddr::new(lo6, relay_port),
        &relay,
        &mut peer,
        lo6,
    );
    check("UDP over IPv6", &f);
}

#[test]
fn udp_without_ecn_nothing_is_ect() {
    let (udp, peer_udp, relay_port) = (BASE + 10, BASE + 11, BASE + 12);
    let peer = start_peer(&[], peer_udp, LOOPBACK);
    let relay = Relay::udp(relay_port, SocketAddr::new(LOOPBACK, peer_udp));
    let ep = Endpoint::new(ecn_config(false), Instant::now(), [8; 32]);
    let mut ours = Ours::new(
        Box::new(UdpDriver::bind(ep, SocketAddr::new(LOOPBACK, udp)).expect("bind")),
        Duration::from_millis(2),
    );
    let id = ours
        .d
        .ep()
        .connect(
            Instant::now(),
            ConnectOptions::new(
                LOOPBACK,
                CLIENT_PORT,
                SocketAddr::new(LOOPBACK, relay_port),
                SERVER_PORT,
            ),
        )
        .unwrap();
    assert!(ours.run_until(Duration::from_secs(10), |o| o.up().is_some()));
    assert!(!ours.d.ep().association_config(id).unwrap().ecn);
    let mut tx = Sender {
        next: 0,
        count: 300,
    };
    assert!(ours.run_until(Duration::from_secs(30), |o| tx.feed(o, id)
        && peer.data_count() >= 300
        && o.drained(id)));
    let s = relay.marker.seen();
    assert_eq!(
        s.data_ecn[0][NOT_ECT as usize],
        s.data_packets(0),
        "{}",
        names(&s.data_ecn[0])
    );
    assert_eq!(ours.d.ecn().ect0_sent, 0);
    check_delivery("usrsctp", &peer.received(), 300, 10, len, false);
}

/// tshark's count of the captured packets matching display filter `f`.
fn tshark_count(file: &std::path::Path, f: &str) -> usize {
    let o = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .args(["-Y", f, "-T", "fields", "-e", "frame.number"])
        .output()
        .expect("tshark -r");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).lines().count()
}

/// Raw IP between two namespaces through the relay in ours: `n` numbers
/// the test, `v6` picks IPv6 (fd00:126:n::/64 and fd00:127:n::/64) over
/// IPv4 (10.126.n/24 and 10.127.n/24).
fn raw_through_relay(n: u8, v6: bool) {
    let mut lab = Lab::new(&format!("e{n}"));
    let (ns_o, ns_p) = (lab.netns("o"), lab.netns("p"));
    let ip = |s: String| -> IpAddr { s.parse().unwrap() };
    let addr = |net: u8, host: u8| {
        if v6 {
            ip(format!("fd00:{net}:{n}::{host}"))
        } else {
            ip(format!("10.{net}.{n}.{host}"))
        }
    };
    let len = if v6 { 64 } else { 24 };
    let (ours_ip, front) = (addr(126, 2), addr(126, 1));
    let (theirs, back) = (addr(127, 2), addr(127, 1));
    let our_link = lab.link(
        Some(&ns_o),
        &[&format!("{ours_ip}/{len}")],
        None,
        &[&format!("{front}/{len}")],
    );
    lab.link(
        Some(&ns_p),
        &[&format!("{theirs}/{len}")],
        None,
        &[&format!("{back}/{len}")],
    );
    let (what, filter, ipf, ecnf) = if v6 {
        ("raw IPv6", "ip6 proto 132", "ipv6", "ipv6.tclass.ecn")
    } else {
        ("raw IPv4", "ip proto 132", "ip", "ip.dsfield.ecn")
    };
    let mut cap = capture::Capture::start(&our_link.b, filter, None, &format!("ecn-{ipf}"))
        .expect("tshark on our link");
    let relay = Relay::raw(front, back, ours_ip, theirs);
    let prefix = ["ip", "netns", "exec", ns_p.as_str()];
    let mut peer = start_peer(&prefix, 0, theirs);
    let ours = in_netns(&ns_o, || {
        let ep = Endpoint::new(ecn_config(true), Instant::now(), [n; 32]);
        Ours::new(
            Box::new(RawDriver::bind(ep, ours_ip).expect("raw socket")),
            Duration::from_millis(2),
        )
    });
    let f = exchange(ours, SocketAddr::new(front, 0), &relay, &mut peer, ours_ip);
    let their_ecne = check(what, &f);
    if v6 {
        // usrsctp 0.9.5.0's raw IPv6 input hands no Traffic Class to its
        // SCTP processing, and it sends Not-ECT there.
        eprintln!("{what}: usrsctp answered CE on our packets: {their_ecne}");
    } else {
        assert!(
            their_ecne,
            "over raw IPv4 usrsctp reads the ECN field: it answers CE on our DATA with ECNE"
        );
    }
    drop(relay);
    cap.stop();

    // The wire, as tshark reads it.
    let file = &cap.file;
    let from_us = format!("{ipf}.src == {ours_ip}");
    let to_us = format!("{ipf}.dst == {ours_ip}");
    let our_data = tshark_count(file, &format!("{from_us} && sctp.chunk_type == 0"));
    let our_data_ect0 = tshark_count(
        file,
        &format!("{from_us} && sctp.chunk_type == 0 && {ecnf} == 2"),
    );
    let ce_to_us = tshark_count(file, &format!("{to_us} && {ecnf} == 3"));
    let init_not_ect = tshark_count(
        file,
        &format!("{from_us} && sctp.chunk_type == 1 && {ecnf} == 0"),
    );
    let their_data_ect0 = tshark_count(
        file,
        &format!("{to_us} && sctp.chunk_type == 0 && {ecnf} == 2"),
    );
    let our_ecne = tshark_count(file, &format!("{from_us} && sctp.chunk_type == 12"));
    let their_cwr = tshark_count(file, &format!("{to_us} && sctp.chunk_type == 13"));
    eprintln!(
        "{what} on the wire (tshark): our DATA packets {our_data}, ECT(0) {our_data_ect0}; \
         our INIT Not-ECT {init_not_ect}; usrsctp's DATA packets ECT(0) {their_data_ect0}; CE \
         towards us {ce_to_us}; our ECNE packets {our_ecne}; usrsctp's CWR packets {their_cwr}"
    );
    assert!(our_data > 500, "{our_data}");
    assert_eq!(our_data_ect0, our_data, "{ecnf} == 2 on all our DATA");
    assert_eq!(init_not_ect, 1, "our INIT Not-ECT");
    assert_eq!(ce_to_us as u64, f.seen.marked[1], "the relay's CE marks");
    assert_eq!(
        our_ecne as u64, f.seen.chunks[0][ECNE as usize],
        "tshark and the relay count our ECNEs alike"
    );
    if usrsctp_takes_rfc_ecne() {
        assert!(their_cwr >= 1, "usrsctp's CWR on the wire");
    }
    drop(peer);
    drop(lab);
}

#[test]
fn raw_ipv4_ect_on_the_wire_ce_both_ways() {
    raw_through_relay(1, false);
}

#[test]
fn raw_ipv6_ect_on_the_wire_ce_both_ways() {
    raw_through_relay(2, true);
}
