//! `sctp-replay raw`: every datagram a UDP socket of the test receives is
//! the capture's SCTP packet, ports rewritten and a valid CRC32c (checked
//! with the crc32c crate, not the codec); `--timing asis` keeps the
//! capture's gaps; `raw:` into a network namespace the test creates
//! (root only), where tshark captures what arrives.

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sctp_codec::capture::CaptureReader;
use sctp_codec::link::{extract_sctp, Defragmenter, Encapsulation, LinkConfig};

fn shared(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/captures")
        .join(name)
}

/// The capture's SCTP packets as they are.
fn sctp_packets(file: &Path) -> Vec<Vec<u8>> {
    let mut r = CaptureReader::open(file).unwrap();
    let (cfg, mut d) = (LinkConfig::default(), Defragmenter::default());
    let mut v = Vec::new();
    while let Some(f) = r.next_frame() {
        let f = f.unwrap();
        if let Ok(Some(s)) = extract_sctp(f.link_type, f.data, &cfg, &mut d) {
            if !matches!(s.encap, Encapsulation::IcmpError { .. })
                && !s.truncated
                && s.sctp.len() >= 12
            {
                v.push(s.sctp.to_vec());
            }
        }
    }
    v
}

fn crc_ok(p: &[u8]) -> bool {
    let mut z = p.to_vec();
    z[8..12].fill(0);
    // Stored least significant byte first (RFC 9260 Appendix A).
    crc32c::crc32c(&z).to_le_bytes() == p[8..12]
}

fn sink() -> (UdpSocket, u16) {
    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).unwrap();
    s.set_recv_buffer_size(8 << 20).unwrap();
    s.bind(
        &"127.0.0.1:0"
            .parse::<std::net::SocketAddr>()
            .unwrap()
            .into(),
    )
    .unwrap();
    let u: UdpSocket = s.into();
    // Long enough for the replaying process to start on a loaded machine;
    // `receive` stops as soon as it has what it waits for.
    u.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let port = u.local_addr().unwrap().port();
    (u, port)
}

fn receive(u: &UdpSocket, n: usize) -> Vec<(Instant, Vec<u8>)> {
    let mut got = Vec::new();
    let mut buf = vec![0u8; 70000];
    while got.len() < n {
        match u.recv(&mut buf) {
            Ok(k) => got.push((Instant::now(), buf[..k].to_vec())),
            Err(_) => break,
        }
    }
    got
}

fn replay(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sctp-replay"))
        .arg("raw")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn udp_datagrams_are_the_capture_packets_with_rewritten_ports() {
    let file = shared("wireshark-wiki-sctp-www-http.cap");
    let want = sctp_packets(&file);
    assert!(want.len() > 50);
    let (u, port) = sink();
    let ports = ["--rewrite-port", "80=8080", "--rewrite-port", "1026=2026"];
    let rx = std::thread::scope(|sc| {
        let h = sc.spawn(|| receive(&u, want.len() * 2));
        let to = format!("udp:127.0.0.1:{port}");
        let mut args = vec![
            file.to_str().unwrap(),
            "--to",
            &to,
            "--timing",
            "top",
            "--loop",
            "2",
        ];
        args.extend(ports);
        let out = replay(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = String::from_utf8_lossy(&out.stdout);
        assert!(
            line.contains(&format!("{} packets", want.len() * 2))
                && line.contains("pps")
                && line.contains("Mbit/s"),
            "{line}"
        );
        h.join().unwrap()
    });
    assert_eq!(rx.len(), want.len() * 2, "datagrams received");
    let mut rewritten = 0;
    for (k, (_, got)) in rx.iter().enumerate() {
        let orig = &want[k % want.len()];
        let mut exp = orig.clone();
        for at in [0, 2] {
            let p = u16::from_be_bytes([exp[at], exp[at + 1]]);
            let n = match p {
                80 => 8080u16,
                1026 => 2026,
                p => p,
            };
            if n != p {
                rewritten += 1;
            }
            exp[at..at + 2].copy_from_slice(&n.to_be_bytes());
        }
        assert!(crc_ok(got), "datagram {k}: bad CRC32c");
        assert_eq!(got[..8], exp[..8], "datagram {k}: header");
        assert_eq!(got[12..], exp[12..], "datagram {k}: chunks");
    }
    assert!(rewritten >= want.len(), "ports were rewritten");
}

/// A LINKTYPE_RAW pcap of HEARTBEAT packets at the given times (ms).
fn timed_capture(path: &Path, times_ms: &[u64]) {
    let mut f = Vec::new();
    f.extend_from_slice(&0xa1b2c3d4u32.to_le_bytes());
    f.extend_from_slice(&2u16.to_le_bytes());
    f.extend_from_slice(&4u16.to_le_bytes());
    f.extend_from_slice(&[0; 8]);
    f.extend_from_slice(&65535u32.to_le_bytes());
    f.extend_from_slice(&101u32.to_le_bytes());
    for (i, t) in times_ms.iter().enumerate() {
        let mut sctp = vec![0x13, 0x88, 0x13, 0x89, 0, 0, 0, 1, 0, 0, 0, 0];
        sctp.extend_from_slice(&[4, 0, 0, 12, 0, 1, 0, 8, 0, 0, 0, i as u8]);
        let total = 20 + sctp.len();
        let mut ip = vec![
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            0,
            i as u8,
            0,
            0,
            64,
            132,
            0,
            0,
            10,
            0,
            0,
            1,
            10,
            0,
            0,
            2,
        ];
        ip.extend_from_slice(&sctp);
        let us = t * 1000;
        f.extend_from_slice(&(1_700_000_000 + (us / 1_000_000) as u32).to_le_bytes());
        f.extend_from_slice(&((us % 1_000_000) as u32).to_le_bytes());
        f.extend_from_slice(&(ip.len() as u32).to_le_bytes());
        f.extend_from_slice(&(ip.len() as u32).to_le_bytes());
        f.extend_from_slice(&ip);
    }
    std::fs::write(path, f).unwrap();
}

/// A LINKTYPE_RAW pcap of the given SCTP packets, 1 us apart.
fn raw_capture(path: &Path, packets: &[Vec<u8>]) {
    let mut f = Vec::new();
    f.extend_from_slice(&0xa1b2c3d4u32.to_le_bytes());
    f.extend_from_slice(&2u16.to_le_bytes());
    f.extend_from_slice(&4u16.to_le_bytes());
    f.extend_from_slice(&[0; 8]);
    f.extend_from_slice(&65535u32.to_le_bytes());
    f.extend_from_slice(&101u32.to_le_bytes());
    for (i, sctp) in packets.iter().enumerate() {
        let total = 20 + sctp.len();
        let mut ip = vec![
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            0,
            0,
            0,
            0,
            64,
            132,
            0,
            0,
        ];
        ip.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
        ip.extend_from_slice(sctp);
        f.extend_from_slice(&1_700_000_000u32.to_le_bytes());
        f.extend_from_slice(&(i as u32).to_le_bytes());
        f.extend_from_slice(&(ip.len() as u32).to_le_bytes());
        f.extend_from_slice(&(ip.len() as u32).to_le_bytes());
        f.extend_from_slice(&ip);
    }
    std::fs::write(path, f).unwrap();
}

#[test]
fn top_speed_runs_of_one_size_arrive_whole_and_in_order() {
    // At top speed over UDP, runs of equal-sized packets go to the kernel
    // as one UDP GSO send each, cut back into the same datagrams: runs of
    // 1 to 150 packets of one size (longer than one send carries), a
    // shorter packet ending a run, sizes from 28 to 1,452 bytes. Every
    // packet says its number: each must arrive once, whole, in order.
    let mut sizes = Vec::new();
    for (run, size) in [
        (150usize, 1452usize),
        (1, 28),
        (3, 100),
        (1, 60),
        (64, 556),
        (65, 556),
        (1, 200),
        (2, 200),
        (7, 32),
        (1, 1452),
        // Single packets between runs share a sendmmsg call with them (one
        // UDP_SEGMENT for the call): 40 alone, runs of 300, a 900 after.
        (3, 300),
        (2, 40),
        (3, 300),
        (2, 40),
        (1, 900),
        (2, 300),
        // A single longer than the call's segment size goes in the next call.
        (3, 300),
        (2, 40),
        (1, 500),
        (2, 600),
    ] {
        sizes.extend(std::iter::repeat_n(size, run));
    }
    let packets: Vec<Vec<u8>> = sizes
        .iter()
        .enumerate()
        .map(|(i, &size)| {
            // HEARTBEAT with a Heartbeat Info parameter filling the size.
            let info = size - 12 - 8;
            let mut p = vec![0x13, 0x88, 0x13, 0x89, 0, 0, 0, 1, 0, 0, 0, 0];
            p.extend_from_slice(&[4, 0]);
            p.extend_from_slice(&((8 + info) as u16).to_be_bytes());
            p.extend_from_slice(&[0, 1]);
            p.extend_from_slice(&((4 + info) as u16).to_be_bytes());
            let mut v = vec![(i % 251) as u8; info];
            v[..4].copy_from_slice(&(i as u32).to_be_bytes());
            p.extend_from_slice(&v);
            assert_eq!(p.len(), size);
            p
        })
        .collect();
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("raw-runs.pcap");
    raw_capture(&path, &packets);
    let (u, port) = sink();
    let rx = std::thread::scope(|sc| {
        let h = sc.spawn(|| receive(&u, packets.len()));
        let to = format!("udp:127.0.0.1:{port}");
        let out = replay(&[path.to_str().unwrap(), "--to", &to, "--timing", "top"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The runs went out as GSO sends: far fewer calls than packets.
        let line = String::from_utf8_lossy(&out.stdout).to_string();
        let calls: usize = line
            .split(" in ")
            .nth(2)
            .and_then(|t| t.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{line}"));
        assert!(line.contains("(runs of one size as UDP GSO)"), "{line}");
        assert!(calls < 20, "{line}");
        h.join().unwrap()
    });
    assert_eq!(rx.len(), packets.len(), "datagrams received");
    for (k, ((_, got), want)) in rx.iter().zip(&packets).enumerate() {
        assert_eq!(got.len(), want.len(), "datagram {k}: length");
        assert!(crc_ok(got), "datagram {k}: bad CRC32c");
        assert_eq!(got[12..], want[12..], "datagram {k}");
    }
}

#[test]
fn asis_timing_keeps_the_gaps() {
    let dir = std::env::temp_dir().join(format!("sctp-replay-raw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("timed.pcap");
    let times = [0u64, 40, 80, 250, 260, 500];
    timed_capture(&file, &times);
    for (timing, factor) in [("asis", 1.0), ("2x", 0.5)] {
        let (u, port) = sink();
        let rx = std::thread::scope(|sc| {
            let h = sc.spawn(|| receive(&u, times.len()));
            let to = format!("udp:127.0.0.1:{port}");
            let out = replay(&[file.to_str().unwrap(), "--to", &to, "--timing", timing]);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            h.join().unwrap()
        });
        assert_eq!(rx.len(), times.len());
        for (k, (at, got)) in rx.iter().enumerate() {
            assert!(crc_ok(got));
            let gap = at.duration_since(rx[0].0).as_secs_f64() * 1000.0;
            let want = times[k] as f64 * factor;
            // 30 ms: scheduling on a loaded 2-core machine; the gaps checked
            // span 500 ms, so a replay at top speed still fails.
            assert!(
                (gap - want).abs() < 30.0,
                "{timing}: packet {k} at {gap:.1} ms, capture says {want} ms"
            );
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

fn ip(args: &[&str]) {
    let o = Command::new("ip").args(args).output().unwrap();
    assert!(
        o.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
}

struct Ns(String, String);
impl Drop for Ns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).output();
        let _ = Command::new("ip").args(["link", "del", &self.1]).output();
    }
}

/// Whether the tests run as root (`id -u` says 0).
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

#[test]
fn raw_ip_into_a_namespace() {
    if !is_root() {
        eprintln!("raw_ip_into_a_namespace: skipped (needs root)");
        return;
    }
    let pid = std::process::id();
    let (name, host, peer) = (
        format!("sctpreplay-{pid}"),
        format!("srh{}", pid % 100000),
        format!("srp{}", pid % 100000),
    );
    ip(&["netns", "add", &name]);
    let _ns = Ns(name.clone(), host.clone());
    ip(&["link", "add", &host, "type", "veth", "peer", "name", &peer]);
    ip(&["link", "set", &peer, "netns", &name]);
    ip(&["addr", "add", "10.213.0.1/24", "dev", &host]);
    ip(&["link", "set", &host, "up"]);
    ip(&["-n", &name, "addr", "add", "10.213.0.2/24", "dev", &peer]);
    ip(&["-n", &name, "link", "set", &peer, "up"]);
    let dir = std::env::temp_dir().join(format!("sctp-replay-ns-{pid}"));
    std::fs::create_dir_all(&dir).unwrap();
    let pcap = dir.join("got.pcap");
    // tshark in the namespace, on the far end, once it captures; and the
    // neighbour is resolved first.
    let mut ts = tshark_on(Some(&name), &peer, "ip proto 132", &pcap);
    let _ = Command::new("ping")
        .args(["-c", "1", "-W", "1", "10.213.0.2"])
        .output();
    let file = shared("wireshark-wiki-sctp-test-handshake-data.cap");
    let want = sctp_packets(&file);
    let out = replay(&[
        file.to_str().unwrap(),
        "--to",
        "raw:10.213.0.2",
        "--timing",
        "top",
        "--rewrite-port",
        "7=7007",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::thread::sleep(Duration::from_millis(700));
    let _ = Command::new("kill")
        .args(["-INT", &ts.id().to_string()])
        .status();
    let _ = ts.wait();
    let fields = Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args([
            "-o",
            "sctp.checksum:crc-32c",
            "-T",
            "fields",
            "-e",
            "ip.src",
            "-e",
            "ip.dst",
            "-e",
            "sctp.srcport",
            "-e",
            "sctp.dstport",
            "-e",
            "sctp.checksum.status",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&fields.stdout);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), want.len(), "packets captured in the namespace");
    for (k, r) in rows.iter().enumerate() {
        let c: Vec<&str> = r.split('\t').collect();
        assert_eq!(c[0], "10.213.0.1", "{r}");
        assert_eq!(c[1], "10.213.0.2", "{r}");
        let orig = |at: usize| u16::from_be_bytes([want[k][at], want[k][at + 1]]);
        let exp = |p: u16| if p == 7 { 7007 } else { p };
        assert_eq!(c[2].parse::<u16>().unwrap(), exp(orig(0)), "{r}");
        assert_eq!(c[3].parse::<u16>().unwrap(), exp(orig(2)), "{r}");
        assert_eq!(c[4], "1", "packet {k}: CRC32c not good: {r}");
    }
    // And byte for byte past the ports and checksum.
    let mut r = CaptureReader::open(&pcap).unwrap();
    let (cfg, mut d) = (LinkConfig::default(), Defragmenter::default());
    let mut k = 0;
    while let Some(f) = r.next_frame() {
        let f = f.unwrap();
        if let Ok(Some(s)) = extract_sctp(f.link_type, f.data, &cfg, &mut d) {
            assert!(crc_ok(&s.sctp));
            assert_eq!(s.sctp[4..8], want[k][4..8]);
            assert_eq!(s.sctp[12..], want[k][12..]);
            k += 1;
        }
    }
    assert_eq!(k, want.len());
    std::fs::remove_dir_all(&dir).ok();
}

/// A veth pair in this namespace; removed on drop.
struct Veth(String);
impl Drop for Veth {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["link", "del", &self.0]).output();
    }
}

/// The frames of `file` that carry an SCTP packet, and its link type.
fn sctp_frames(file: &Path) -> (u32, Vec<Vec<u8>>) {
    let mut r = CaptureReader::open(file).unwrap();
    let (cfg, mut d) = (LinkConfig::default(), Defragmenter::default());
    let (mut link, mut v) = (0, Vec::new());
    while let Some(f) = r.next_frame() {
        let f = f.unwrap();
        link = f.link_type;
        if let Ok(Some(s)) = extract_sctp(f.link_type, f.data, &cfg, &mut d) {
            if !matches!(s.encap, Encapsulation::IcmpError { .. }) && !s.truncated {
                v.push(f.data.to_vec());
            }
        }
    }
    (link, v)
}

/// RFC 1071 over an IPv4 header: 0 when its checksum is right.
fn ipv4_sum(h: &[u8]) -> u16 {
    let mut acc: u32 = h
        .chunks(2)
        .map(|c| u32::from(c[0]) << 8 | u32::from(c[1]))
        .sum();
    while acc >> 16 != 0 {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

/// Starts tshark (inside network namespace `netns` when given) on `iface`
/// writing the frames that match capture filter `filter` to `out`; returns
/// once it says "Capturing on" (at most 20 s) and a moment more (it needs
/// one to capture).
fn tshark_on(netns: Option<&str>, iface: &str, filter: &str, out: &Path) -> std::process::Child {
    let mut c = match netns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns, "tshark"]);
            c
        }
        None => Command::new("tshark"),
    };
    let mut ts = c
        .args(["-q", "-i", iface, "-f", filter, "-w"])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    let mut err = ts.stderr.take().unwrap();
    let mut seen = Vec::new();
    let mut b = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("Capturing on")
        && t0.elapsed() < Duration::from_secs(20)
    {
        use std::io::Read;
        match err.read(&mut b) {
            Ok(0) | Err(_) => break,
            Ok(k) => seen.extend_from_slice(&b[..k]),
        }
    }
    std::thread::sleep(Duration::from_millis(1000));
    ts
}

/// `raw --to iface:`, onto one end of a veth pair, captured on the other
/// end: every SCTP frame of an Ethernet capture arrives as captured but
/// for the rewritten IPv4 addresses and SCTP ports and the checksums
/// (the IPv4 header checksum and the CRC32c right again); the frames of a
/// Linux cooked capture arrive behind an Ethernet header from the
/// interface's MAC address to `--dst-mac`, the IP packet as captured.
#[test]
fn frames_onto_an_interface() {
    if !is_root() {
        eprintln!("frames_onto_an_interface: SKIPPED (needs root for the veth pair and AF_PACKET)");
        return;
    }
    let pid = std::process::id();
    let (a, b) = (
        format!("sra{}", pid % 100000),
        format!("srb{}", pid % 100000),
    );
    ip(&["link", "add", &a, "type", "veth", "peer", "name", &b]);
    let _veth = Veth(a.clone());
    ip(&["link", "set", &a, "up"]);
    ip(&["link", "set", &b, "up"]);
    let mac_text = std::fs::read_to_string(format!("/sys/class/net/{a}/address")).unwrap();
    let mac: Vec<u8> = mac_text
        .trim()
        .split(':')
        .map(|x| u8::from_str_radix(x, 16).unwrap())
        .collect();
    let dir = std::env::temp_dir().join(format!("sctp-replay-iface-{pid}"));
    std::fs::create_dir_all(&dir).unwrap();
    let pcap = dir.join("got.pcap");
    let mut ts = tshark_on(None, &b, "sctp", &pcap);

    let eth_file = shared("wireshark-wiki-sctp-test-handshake-data.cap");
    let sll_file = shared("pcapr-s1ap-volte-iphone6-sll.pcap");
    let (eth_link, eth) = sctp_frames(&eth_file);
    let (sll_link, sll) = sctp_frames(&sll_file);
    assert_eq!((eth_link, sll_link), (1, 113));
    assert!(
        eth.len() > 50 && sll.len() > 50,
        "{} {}",
        eth.len(),
        sll.len()
    );
    let to = format!("iface:{a}");
    for args in [
        vec![
            eth_file.to_str().unwrap(),
            "--to",
            &to,
            "--timing",
            "top",
            "--rewrite-port",
            "7=7007",
            "--rewrite-addr",
            "192.168.170.8=10.1.2.3",
        ],
        vec![
            sll_file.to_str().unwrap(),
            "--to",
            &to,
            "--timing",
            "top",
            "--dst-mac",
            "02:00:00:00:00:09",
        ],
    ] {
        let out = replay(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    std::thread::sleep(Duration::from_millis(700));
    let _ = Command::new("kill")
        .args(["-INT", &ts.id().to_string()])
        .status();
    let _ = ts.wait();

    // What should arrive: the Ethernet frames with the rewrites, then the
    // cooked ones' IP packets (after their 16-byte header) behind an
    // Ethernet header.
    let mut want: Vec<Vec<u8>> = Vec::new();
    for f in &eth {
        let mut f = f.clone();
        let ip = 14;
        for at in [ip + 12, ip + 16] {
            if f[at..at + 4] == [192, 168, 170, 8] {
                f[at..at + 4].copy_from_slice(&[10, 1, 2, 3]);
            }
        }
        let sctp = ip + usize::from(f[ip] & 15) * 4;
        for at in [sctp, sctp + 2] {
            if f[at..at + 2] == [0, 7] {
                f[at..at + 2].copy_from_slice(&7007u16.to_be_bytes());
            }
        }
        want.push(f);
    }
    for f in &sll {
        let mut e = vec![2, 0, 0, 0, 0, 9];
        e.extend_from_slice(&mac);
        e.extend_from_slice(&f[14..16]);
        e.extend_from_slice(&f[16..]);
        want.push(e);
    }
    let mut r = CaptureReader::open(&pcap).unwrap();
    let mut got = Vec::new();
    while let Some(f) = r.next_frame() {
        got.push(f.unwrap().data.to_vec());
    }
    assert_eq!(got.len(), want.len(), "frames captured on the other end");
    for (k, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g.len(), w.len(), "frame {k}");
        let ip = 14;
        assert_eq!(g[ip] >> 4, 4, "frame {k}");
        let hl = usize::from(g[ip] & 15) * 4;
        assert_eq!(
            ipv4_sum(&g[ip..ip + hl]),
            0,
            "frame {k}: IPv4 header checksum"
        );
        let sctp_len = usize::from(u16::from_be_bytes([g[ip + 2], g[ip + 3]])) - hl;
        let sctp = ip + hl;
        assert!(
            crc_ok(&g[sctp..sctp + sctp_len]),
            "frame {k}: CRC32c not good"
        );
        // Byte for byte but the two checksums.
        let blank = |f: &[u8]| {
            let mut f = f.to_vec();
            f[ip + 10..ip + 12].fill(0);
            f[sctp + 8..sctp + 12].fill(0);
            f
        };
        assert_eq!(blank(g), blank(w), "frame {k}");
    }
    // tshark agrees on the checksums.
    let st = Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args([
            "-o",
            "sctp.checksum:crc-32c",
            "-o",
            "ip.check_checksum:TRUE",
            "-T",
            "fields",
            "-e",
            "sctp.checksum.status",
            "-e",
            "ip.checksum.status",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&st.stdout);
    assert_eq!(text.lines().count(), want.len());
    assert!(text.lines().all(|l| l == "1\t1"), "{text}");
    // Frames over the interface's MTU are left out and counted.
    ip(&["link", "set", &a, "mtu", "1000"]);
    let long = eth.iter().filter(|f| f.len() > 1014).count();
    assert!(long > 0 && long < eth.len());
    let out = replay(&[eth_file.to_str().unwrap(), "--to", &to, "--timing", "top"]);
    let line = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{line}");
    assert!(
        line.starts_with(&format!("{} packets,", eth.len() - long))
            && line.contains(&format!(
                "({long} frames longer than the interface's MTU left out)"
            )),
        "{line}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A capture of SCTP over UDP on ports other than 9899 (our usrsctp
/// recordings use 39899/39900): without `--udp-port` nothing is sent and the
/// error says why; with them every SCTP packet goes out, the same bytes as
/// tshark's `sctp` layer of the capture (decoded with `udp.port` set).
#[test]
fn udp_encapsulated_capture_on_other_ports() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures/usrsctp-echo.pcapng");
    let (u, port) = sink();
    let to = format!("udp:127.0.0.1:{port}");
    let out = replay(&[file.to_str().unwrap(), "--to", &to, "--timing", "top"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no SCTP packets") && err.contains("--udp-port"),
        "{err}"
    );

    // What tshark sees as SCTP in the capture, as hex.
    let ts = Command::new("tshark")
        .args(["-r", file.to_str().unwrap()])
        .args(["-d", "udp.port==39899,sctp", "-d", "udp.port==39900,sctp"])
        .args(["-Y", "sctp", "-T", "fields", "-e", "udp.payload"])
        .output()
        .expect("tshark (scripts/install-deps.sh)");
    let want: Vec<String> = String::from_utf8_lossy(&ts.stdout)
        .lines()
        .map(|l| l.replace(':', ""))
        .filter(|l| !l.is_empty())
        .collect();
    assert!(want.len() > 20, "tshark found {} SCTP packets", want.len());
    let rx = std::thread::scope(|sc| {
        let h = sc.spawn(|| receive(&u, want.len()));
        let out = replay(&[
            file.to_str().unwrap(),
            "--to",
            &to,
            "--timing",
            "top",
            "--udp-port",
            "39899",
            "--udp-port",
            "39900",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        h.join().unwrap()
    });
    let got: Vec<String> = rx
        .iter()
        .map(|(_, d)| d.iter().map(|b| format!("{b:02x}")).collect())
        .collect();
    assert_eq!(got, want);
}
