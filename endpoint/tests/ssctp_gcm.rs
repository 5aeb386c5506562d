//! sctpkit's private AES-GCM S-SCTP suites (docs/ssctp-endpoint.md "Private
//! AES-GCM suites"; not in draft-hohendorf-secure-sctp-15, whose 5.1.1
//! table ends at 24) between two sctpkit endpoints on a virtual clock:
//! 10 000 messages at each level, level change, rekey and close, the same
//! under loss, a changed byte anywhere in a protected packet detected with
//! cause 0x0023, and the fallback to a draft suite when one side does not
//! offer GCM, no allocation per packet at level 3, and key logs of GCM
//! sessions in `sctp-craft dissect --keys` and the plugin. Certificates:
//! endpoint/tests/data/ssctp.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use sctp_endpoint::driver::memlink::{Impairment, Network};
use sctp_endpoint::secure::suite::{GCM_128, GCM_256, WITH_GCM};
use sctp_endpoint::secure::{Credentials, Requirement, SecureConfig};
use sctp_endpoint::{AssocId, Config, ConnectOptions, Endpoint, Event};

mod ssctp_pump;
use ssctp_pump::keylog::{dissect, flip_third_encdata, keylog_lines as keylog, protected, seen};
use ssctp_pump::net::{
    assoc_up, clear_after_close, close_secure, connect, connect_secure, count, data, exchange,
    exchange_in_encdata, ip, level_one_rekey_close, secure_up, two_nodes, A, B, TIME,
};
use ssctp_pump::Pump;

use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

/// Counts allocations for the no-allocation test; the tests of this file
/// run one at a time (`serial`) so the count is that test's alone.
#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn creds(who: &str) -> Credentials {
    Credentials {
        chain: Credentials::pem_certs(&data(&format!("{who}.pem"))).unwrap(),
        key: Some(Credentials::pkcs8_key(&data(&format!("{who}.key"))).unwrap()),
        trust: Credentials::pem_certs(&data("ca.pem")).unwrap(),
        pinned: Vec::new(),
        time: Some(TIME),
    }
}

/// A configuration at `level` offering `suites` (empty: the default list,
/// without GCM).
fn secure(level: u8, who: &str, suites: &[u16]) -> Option<SecureConfig> {
    Some(SecureConfig {
        level,
        requirement: Requirement::Require,
        credentials: creds(who),
        suites: suites.to_vec(),
        ..Default::default()
    })
}

fn base(secure: Option<SecureConfig>) -> Config {
    Config {
        rto_min: Duration::from_millis(100),
        rto_initial: Duration::from_millis(300),
        secure,
        ..Config::default()
    }
}

fn net(a: Option<SecureConfig>, b: Option<SecureConfig>, imp: Impairment, seed: u64) -> Network {
    two_nodes(base(a), base(b), imp, seed, seed as u8, seed as u8 ^ 0x55)
}

fn up_pair(a: Option<SecureConfig>, b: Option<SecureConfig>) -> (Network, AssocId, AssocId) {
    let mut n = net(a, b, Impairment::default(), 7);
    let (a, b) = connect_secure(&mut n);
    (n, a, b)
}

fn no_failures(n: &Network) {
    for node in [A, B] {
        let f: Vec<_> = n.events[node]
            .iter()
            .filter(|e| matches!(e, Event::SecureFailure { .. }))
            .collect();
        assert!(f.is_empty(), "node {node}: {f:?}");
    }
}

#[test]
fn gcm_session_at_each_level_carries_ten_thousand_messages() {
    let _serial = serial();
    for (level, suite) in [(1u8, GCM_256), (2, GCM_128), (3, GCM_256), (3, GCM_128)] {
        let (mut n, a, b) = up_pair(
            secure(level, "client", &[suite, 24]),
            secure(level, "server", WITH_GCM),
        );
        let sa = n.ep(A).status(a).unwrap().secure.unwrap();
        assert_eq!(sa.suite, Some(suite), "the client's first suite");
        assert_eq!(sa.levels, (level, level));
        exchange(&mut n, a, 0, 10_000);
        let sa = n.ep(A).status(a).unwrap().secure.unwrap().stats;
        let sb = n.ep(B).status(b).unwrap().secure.unwrap().stats;
        assert!(sa.packets_protected > 100, "level {level}: {sa:?}");
        assert!(sb.packets_verified > 100, "level {level}: {sb:?}");
        assert_eq!(
            sb.auth_failures + sb.decrypt_failures + sb.unauthenticated,
            0
        );
        if level >= 2 {
            assert!(sb.encdata_in > 100, "level {level}: {sb:?}");
        } else {
            assert_eq!(sb.encdata_in, 0, "level 1 only authenticates");
        }
        no_failures(&n);
    }
}

#[test]
fn gcm_level_change_rekey_and_close() {
    let _serial = serial();
    let (mut n, a, b) = up_pair(secure(1, "client", WITH_GCM), secure(1, "server", WITH_GCM));
    assert_eq!(
        n.ep(B).status(b).unwrap().secure.unwrap().suite,
        Some(GCM_256)
    );
    exchange(&mut n, a, 0, 200);
    assert!(n.ep(A).set_security_level(a, 3));
    assert!(n.run_until(Duration::from_secs(10), |n| {
        n.ep(A).status(a).unwrap().secure.unwrap().levels.0 == 3
    }));
    exchange_in_encdata(&mut n, a, b, 200, 500);
    for (who, id, reference) in [(B, b, 1u16), (A, a, 2)] {
        assert!(n.ep(who).rekey(id));
        assert!(n.run_until(Duration::from_secs(10), |n| {
            [A, B].iter().all(|&x| {
                count(
                    n,
                    x,
                    |e| matches!(e, Event::SecureRekeyed { reference: r, .. } if *r == reference),
                ) == 1
            })
        }));
        exchange(&mut n, a, 700 + 500 * reference as usize, 500);
        assert_eq!(
            n.ep(B).status(b).unwrap().secure.unwrap().key_reference,
            Some(reference)
        );
    }
    close_secure(&mut n, a, Duration::from_secs(10));
    clear_after_close(&mut n, a, b, 2000, 300);
    no_failures(&n);
}

#[test]
fn gcm_session_under_loss() {
    let _serial = serial();
    for seed in 1u64..6 {
        let imp = Impairment {
            loss: 0.05,
            duplicate: 0.02,
            reorder: 0.05,
            ..Impairment::default()
        };
        let mut n = net(
            secure(3, "client", WITH_GCM),
            secure(2, "server", WITH_GCM),
            imp,
            seed,
        );
        let a = connect(&mut n);
        assert!(
            n.run_until(Duration::from_secs(60), |n| secure_up(n, A)
                && secure_up(n, B)),
            "seed {seed}: no session"
        );
        let b = assoc_up(&n, B).unwrap();
        assert_eq!(
            n.ep(A).status(a).unwrap().secure.unwrap().suite,
            Some(GCM_256)
        );
        exchange(&mut n, a, 0, 1000);
        level_one_rekey_close(&mut n, a, b);
        no_failures(&n);
    }
}

#[test]
fn fallback_to_a_draft_suite_when_one_side_lacks_gcm() {
    let _serial = serial();
    // Client offers GCM first, server only the draft suites; and the reverse.
    for (ca, cb) in [(WITH_GCM, &[][..]), (&[][..], WITH_GCM)] {
        let (mut n, a, b) = up_pair(secure(3, "client", ca), secure(3, "server", cb));
        assert_eq!(n.ep(A).status(a).unwrap().secure.unwrap().suite, Some(24));
        assert_eq!(n.ep(B).status(b).unwrap().secure.unwrap().suite, Some(24));
        exchange(&mut n, a, 0, 300);
        no_failures(&n);
    }
}

/// Where in a packet from A the tamper flips a byte.
#[derive(Clone, Copy, Debug)]
enum Spot {
    /// A ciphertext byte of an EncData holding DATA (level 3).
    Ciphertext,
    /// The EncData's reference field (additional data, level 3).
    EncDataHeader,
    /// A user data byte of a clear DATA chunk (level 1).
    ClearData,
    /// The flags byte of the AUTH chunk (level 1).
    AuthFlags,
    /// A byte of the GCM tag in AUTH (level 1).
    Tag,
}

fn tamper_at(pkt: &[u8], spot: Spot) -> Option<usize> {
    let mut at = 12;
    let mut found = None;
    let mut has_data = false;
    while at + 4 <= pkt.len() {
        let len = u16::from_be_bytes([pkt[at + 2], pkt[at + 3]]) as usize;
        if len < 4 {
            return None;
        }
        match (pkt[at], spot) {
            (0x10, Spot::Ciphertext) if len > 100 => found = Some(at + 40),
            (0x10, Spot::EncDataHeader) if len > 100 => found = Some(at + 5),
            (0x00, Spot::ClearData) if len > 20 => found = Some(at + 18),
            (0x00, _) => has_data = true,
            (0x11, Spot::AuthFlags) if has_data => found = Some(at + 1),
            (0x11, Spot::Tag) if has_data => found = Some(at + len - 1),
            _ => {}
        }
        at += (len + 3) & !3;
    }
    found
}

#[test]
fn a_changed_byte_anywhere_is_an_authentication_failure() {
    let _serial = serial();
    for spot in [
        Spot::Ciphertext,
        Spot::EncDataHeader,
        Spot::ClearData,
        Spot::AuthFlags,
        Spot::Tag,
    ] {
        let level = match spot {
            Spot::Ciphertext | Spot::EncDataHeader => 3,
            _ => 1,
        };
        let mut p = Pump::new(
            base(secure(level, "client", WITH_GCM)),
            base(secure(level, "server", WITH_GCM)),
        );
        let a = p.connect();
        assert!(p.run(Duration::from_secs(10), Pump::both_secure));
        let mut armed = true;
        // Flip one byte of the next packet with our message and fix the
        // CRC32c, as an attacker would: only the GCM tag can tell.
        p.tamper = Some(Box::new(move |pkt: &mut Vec<u8>| {
            if !armed {
                return false;
            }
            let Some(i) = tamper_at(pkt, spot) else {
                return false;
            };
            pkt[i] ^= 0x01;
            let c = sctp_codec::checksum::crc32c_field(pkt);
            pkt[8..12].copy_from_slice(&c.to_be_bytes());
            armed = false;
            true
        }));
        p.eps[A].send(a, 0, 51, false, vec![0x42; 200]).unwrap();
        assert!(p.run(Duration::from_secs(10), |p| p
            .has(B, |e| matches!(e, Event::Message { .. }))));
        assert_eq!(p.tampered, 1, "{spot:?}");
        // The GCM layout: AUTH (0x11) last with nonce and tag (Length 36).
        assert!(p
            .frames
            .iter()
            .any(|(_, _, _, f)| f.len() > 48 && f[f.len() - 36..f.len() - 32] == [0x11, 0, 0, 36]));
        let b = p.eps[B].associations().next().unwrap();
        let s = p.eps[B].status(b).unwrap().secure.unwrap();
        assert_eq!(s.stats.auth_failures, 1, "{spot:?}: {:?}", s.stats);
        assert_eq!(s.stats.decrypt_failures, 0, "{spot:?}");
        assert!(p.has(B, |e| matches!(
            e,
            Event::SecureFailure {
                cause: 0x0023,
                remote: false,
                ..
            }
        )));
        // The message arrived once, unchanged (retransmitted).
        let msgs: Vec<_> = p.events[B]
            .iter()
            .filter_map(|e| match e {
                Event::Message { message, .. } => Some(message.data.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(msgs, vec![vec![0x42; 200]], "{spot:?}");
        assert_eq!(s.state, sctp_endpoint::secure::HsState::Established);
    }
}

// ---- Key log decryption of GCM sessions (issue 18's `--keys`, plugin) ----

fn keylog_config(level: u8, who: &str) -> Config {
    let mut s = secure(level, who, WITH_GCM).unwrap();
    s.lifetime = None;
    s.export_keys = true;
    base(Some(s))
}

/// Open at `level` with GCM (B checked on GCM_256 once up), 5 messages
/// from A, 3 from B, a rekey, 4 more from A, SHUTDOWN; returns the pump and
/// the messages sent.
fn record(level: u8, tamper: Option<ssctp_pump::Tamper>) -> (Pump, Vec<Vec<u8>>) {
    ssctp_pump::keylog::record(
        keylog_config(level, "client"),
        keylog_config(level, "server"),
        tamper,
        &format!("gcm level {level}"),
        "",
        |p, b| {
            assert_eq!(
                p.eps[B].status(b).unwrap().secure.unwrap().suite,
                Some(GCM_256)
            )
        },
    )
}

/// The Length of the packet's EncData chunk (0 without one).
fn enc_len(p: &[u8]) -> usize {
    let mut at = 12;
    while at + 4 <= p.len() {
        let len = u16::from_be_bytes([p[at + 2], p[at + 3]]) as usize;
        if p[at] == 0x10 {
            return len;
        }
        if len < 4 {
            break;
        }
        at += (len + 3) & !3;
    }
    0
}

fn tempdir(name: &str) -> PathBuf {
    ssctp_pump::keylog::tempdir("ssctp-gcm", name)
}

/// tshark with the sctpkit plugin and the key log: per frame,
/// `sctpkit.analysis.ssctp_auth` and `sctpkit.analysis.encdata`. `None`
/// (SKIPPED, loudly) without tshark or the built plugin.
fn tshark_verdicts(
    cap: &std::path::Path,
    keys: &std::path::Path,
) -> Option<Vec<(u64, String, String)>> {
    ssctp_pump::keylog::tshark_verdicts("GCM plugin check", cap, keys)
}

#[test]
fn key_log_verifies_and_decrypts_gcm_sessions_in_sctp_craft_and_the_plugin() {
    let _serial = serial();
    let dir = tempdir("levels");
    for level in [1u8, 3] {
        let (p, sent) = record(level, None);
        let text = keylog(&p);
        assert_eq!(text.lines().count(), 4, "two generations, both sides");
        assert!(text.lines().all(|l| l.contains(" 65026 ")), "{text}");
        let (cap, keys) = (
            dir.join(format!("l{level}.pcapng")),
            dir.join(format!("l{level}.keys")),
        );
        std::fs::write(&cap, p.pcapng()).unwrap();
        std::fs::write(&keys, &text).unwrap();
        let (auth, enc) = protected(&p);
        let json = dissect(&cap, &keys);
        // SSOpReq and SSOpReq_Ack name the private suite.
        let text: String = json.iter().map(|f| f.to_string()).collect();
        assert!(
            text.contains("DH_with_AES-256_GCM (sctpkit private)"),
            "suite name"
        );
        let got = seen(&json);
        let frames: Vec<u64> = got.auth.iter().map(|a| a.0).collect();
        assert_eq!(frames, auth, "level {level}: one verdict per AUTH");
        assert!(
            got.auth.iter().all(|a| a.1 == "verified"),
            "level {level}: {:?}",
            got.auth
        );
        let enc_frames: Vec<u64> = got.encdata.iter().map(|e| e.0).collect();
        assert_eq!(enc_frames, enc, "level {level}");
        assert!(
            got.encdata.iter().all(|e| e.1 == "decrypted"),
            "{:?}",
            got.encdata
        );
        if level == 3 {
            let want: BTreeSet<Vec<u8>> = sent.iter().cloned().collect();
            let have: BTreeSet<Vec<u8>> = got.payloads.iter().cloned().collect();
            assert_eq!(have, want, "the decrypted DATA carry what was sent");
        } else {
            assert!(got.payloads.is_empty(), "level 1: DATA in clear");
        }
        if let Some(ws) = tshark_verdicts(&cap, &keys) {
            assert_eq!(ws.len(), p.frames.len());
            for (frame, a, e) in ws {
                let ours = got.auth.iter().find(|x| x.0 == frame).map(|x| x.1.as_str());
                assert_eq!(ours.unwrap_or(""), a, "plugin, frame {frame}");
                let ours = got
                    .encdata
                    .iter()
                    .find(|x| x.0 == frame)
                    .map(|x| x.1.as_str());
                assert_eq!(ours.unwrap_or(""), e, "plugin, frame {frame}");
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn key_log_flags_only_the_frame_with_a_flipped_byte() {
    let _serial = serial();
    let dir = tempdir("tamper");
    // One ciphertext byte of the third EncData from A (CRC32c left wrong:
    // the receiver drops it and A retransmits).
    let (p, sent) = record(3, Some(flip_third_encdata()));
    assert_eq!(p.tampered, 1);
    let flipped = p
        .frames
        .iter()
        .enumerate()
        .filter(|(_, f)| f.1 == ip("10.0.0.1") && enc_len(&f.3) > 40)
        .nth(2)
        .map(|(i, _)| i as u64 + 1)
        .unwrap();
    let (cap, keys) = (dir.join("t.pcapng"), dir.join("t.keys"));
    std::fs::write(&cap, p.pcapng()).unwrap();
    std::fs::write(&keys, keylog(&p)).unwrap();
    let got = seen(&dissect(&cap, &keys));
    let bad: Vec<(u64, &str)> = got
        .auth
        .iter()
        .filter(|a| a.1 != "verified")
        .map(|a| (a.0, a.1.as_str()))
        .collect();
    assert_eq!(bad, vec![(flipped, "bad-hmac")]);
    let failed: Vec<&(u64, String)> = got.encdata.iter().filter(|e| e.1 != "decrypted").collect();
    assert_eq!(failed, vec![&(flipped, "failed".to_string())]);
    let want: BTreeSet<Vec<u8>> = sent.iter().cloned().collect();
    let have: BTreeSet<Vec<u8>> = got.payloads.iter().cloned().collect();
    assert_eq!(have, want, "every message decrypts from its good copy");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Moves every packet both ways with one reused buffer until neither side
/// has anything to send, then runs due timers; returns packets moved.
fn pump_by_hand(
    eps: &mut [Endpoint; 2],
    now: Instant,
    buf: &mut Vec<u8>,
    delivered: &mut usize,
) -> usize {
    let ips: [IpAddr; 2] = [ip("10.0.0.1"), ip("10.0.0.2")];
    let mut packets = 0;
    loop {
        let mut moved = false;
        for from in [A, B] {
            let to = 1 - from;
            while let Some(t) = eps[from].poll_transmit(now, buf) {
                eps[to].handle_packet(now, std::net::SocketAddr::new(t.local, 0), ips[to], buf);
                packets += 1;
                moved = true;
            }
        }
        while let Some(e) = eps[B].poll_event() {
            if let Event::Message { message, .. } = e {
                *delivered += 1;
                drop(message);
            }
        }
        while eps[A].poll_event().is_some() {}
        if !moved {
            break;
        }
    }
    for ep in eps.iter_mut() {
        if ep.poll_timeout().is_some_and(|t| t <= now) {
            ep.handle_timeout(now);
        }
    }
    packets
}

#[test]
fn gcm_level_3_allocates_nothing_per_packet() {
    let _serial = serial();
    let start = Instant::now();
    let mut eps = [
        Endpoint::new(base(secure(3, "client", WITH_GCM)), start, [1; 32]),
        Endpoint::new(base(secure(3, "server", WITH_GCM)), start, [2; 32]),
    ];
    eps[B].listen(5000);
    let id = eps[A]
        .connect(
            start,
            ConnectOptions::new(ip("10.0.0.1"), 5001, (ip("10.0.0.2"), 0).into(), 5000),
        )
        .unwrap();
    let mut buf = Vec::with_capacity(2048);
    let (mut delivered, mut now) = (0, start);
    for _ in 0..50 {
        pump_by_hand(&mut eps, now, &mut buf, &mut delivered);
        now += Duration::from_millis(10);
    }
    let s = eps[A].status(id).unwrap().secure.unwrap();
    assert_eq!((s.suite, s.levels), (Some(GCM_256), (3, 3)), "session up");
    let msgs: Vec<std::sync::Arc<[u8]>> = (0..64u8)
        .map(|i| std::sync::Arc::from(vec![i; 1000]))
        .collect();
    let mut round = |eps: &mut [Endpoint; 2], now: Instant, count: usize| {
        let (mut packets, mut d) = (0, 0);
        for k in 0..count {
            eps[A]
                .send(id, (k % 4) as u16, 51, false, msgs[k % msgs.len()].clone())
                .unwrap();
            if k % 16 == 15 {
                packets += pump_by_hand(eps, now, &mut buf, &mut d);
            }
        }
        packets += pump_by_hand(eps, now, &mut buf, &mut d);
        (packets, d)
    };
    for _ in 0..5 {
        round(&mut eps, now, 4000);
        now += Duration::from_millis(1);
    }
    let region = Region::new(GLOBAL);
    let (packets, d) = round(&mut eps, now, 4000);
    let stats = region.change();
    assert_eq!(d, 4000, "every message delivered");
    eprintln!(
        "{packets} packets, {d} messages: {} allocations, {} reallocations",
        stats.allocations, stats.reallocations
    );
    let sb = eps[B].stats().secure;
    assert!(sb.encdata_in > 1000, "{sb:?}");
    assert!(packets > 4000, "{packets} packets");
    // One allocation per delivered message (its buffer), none per packet.
    assert!(
        stats.allocations + stats.reallocations <= d + 16,
        "{} allocations and {} reallocations for {packets} packets and {d} messages",
        stats.allocations,
        stats.reallocations
    );
}
