//! Arbitrary packets into an established association: the endpoint must
//! never panic, whatever the chunks say, and must keep its timers sane.
//! The input is a sequence of packets (2-byte length, then that many bytes
//! of chunks); each gets the association's ports and verification tag and
//! a correct CRC32c, so it reaches the association instead of being dropped
//! at the door. Every few packets the virtual clock moves on and timers run.
//! The first byte picks the extensions both sides offer: none; ECN,
//! RE-CONFIG, zero checksum, AUTH, ASCONF, PKTDROP and NAT support; I-DATA
//! with RE-CONFIG and PKTDROP; AUTH that requires DATA, SACK and RE-CONFIG
//! to be authenticated; or an S-SCTP secure session at level 1, 2 or 3
//! (suites 11, 22 and 24: AES-128/192/256-CBC with HMAC-MD5 or SHA-1),
//! opened in memory before the packets come. With a session, the two top
//! bits of each packet's length say how the harness wraps the chunks, with
//! the session keys A exported: 0 as they are, 1 with a valid S-SCTP AUTH
//! chunk last, 2 and 3 inside an EncData (valid AES-CBC, PADDING to the
//! block) then AUTH, so arbitrary chunks reach the session and the
//! association behind the record layer too.
#![no_main]

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use sctp_codec::checksum::crc32c_field;
use sctp_endpoint::driver::memlink::{Impairment, Network};
use sctp_endpoint::secure::{Requirement, SecureConfig};
use sctp_endpoint::{AssocChange, Config, ConnectOptions, Endpoint, Event};

use aes::cipher::{block_padding::NoPadding, BlockEncryptMut, KeyIvInit};
use hmac::Mac;

fn config(pick: u8) -> Config {
    let base = Config::default();
    match pick % 7 {
        k @ 4..=6 => {
            let level = k - 3;
            Config {
                secure: Some(SecureConfig {
                    level,
                    requirement: Requirement::Require,
                    suites: vec![[11, 22, 24][level as usize - 1]],
                    require_peer_cert: false,
                    export_keys: true,
                    ..Default::default()
                }),
                ..base
            }
        }
        0 => base,
        1 => Config {
            ecn: true,
            reconfig: true,
            zero_checksum_edmid: Some(1),
            auth: true,
            pktdrop: true,
            nat_support: true,
            asconf: true,
            ..base
        },
        2 => Config {
            interleaving: true,
            reconfig: true,
            pktdrop: true,
            ..base
        },
        _ => Config {
            auth: true,
            auth_chunks: vec![0, 3, 0x82],
            reconfig: true,
            ..base
        },
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, data)) = data.split_first() else {
        return;
    };
    let now = Instant::now();
    let a_ip: IpAddr = "10.0.0.1".parse().unwrap();
    let b_ip: IpAddr = "10.0.0.2".parse().unwrap();
    let mut n = Network::new(now, Impairment::default(), 1);
    n.add(Endpoint::new(config(pick), now, [1; 32]), vec![a_ip]);
    let mut b = Endpoint::new(config(pick), now, [2; 32]);
    b.listen(5000);
    n.add(b, vec![b_ip]);
    let id = n
        .ep(0)
        .connect(now, ConnectOptions::new(a_ip, 5001, (b_ip, 0).into(), 5000))
        .unwrap();
    let up = n.run_until(Duration::from_secs(5), |n| {
        n.events[1].iter().any(|e| {
            matches!(
                e,
                Event::AssocChange {
                    change: AssocChange::CommUp,
                    ..
                }
            )
        })
    });
    assert!(up);
    let secure = config(pick).secure.is_some();
    if secure {
        let both = n.run_until(Duration::from_secs(10), |n| {
            n.events.iter().all(|ev| {
                ev.iter()
                    .any(|e| matches!(e, Event::SecureSessionUp { .. }))
            })
        });
        assert!(both, "no secure session");
    }
    let keys = n.events[0].iter().rev().find_map(|e| match e {
        Event::SecureKeys {
            reference,
            suite,
            enc,
            mac,
            ..
        } => Some(SessionKeys {
            reference: *reference,
            suite: *suite,
            enc: enc.clone(),
            mac: mac.clone(),
        }),
        _ => None,
    });
    assert_eq!(keys.is_some(), secure);
    let _ = n.ep(0).send(id, 0, 1, false, vec![1u8; 3000]);
    n.run_until(Duration::from_millis(1), |_| false);
    // The server side's tag as A uses it: read it from A's status.
    let tags = n.ep(0).status(id).unwrap().tags;
    let (to_b_vtag, _) = (tags.1, tags.0);
    let mut rest = data;
    let mut buf = Vec::new();
    let mut t = n.now;
    let mut k = 0u32;
    while rest.len() >= 2 {
        let raw = u16::from_be_bytes([rest[0], rest[1]]);
        let mode = raw >> 14;
        let len = raw as usize % 1500;
        rest = &rest[2..];
        let body = &rest[..len.min(rest.len())];
        rest = &rest[body.len()..];
        let mut p = Vec::with_capacity(12 + body.len());
        p.extend_from_slice(&5001u16.to_be_bytes());
        p.extend_from_slice(&5000u16.to_be_bytes());
        p.extend_from_slice(&to_b_vtag.to_be_bytes());
        p.extend_from_slice(&[0; 4]);
        match (&keys, mode) {
            (Some(k), 1) => {
                p.extend_from_slice(body);
                k.seal(&mut p);
            }
            (Some(k), 2 | 3) => {
                k.encrypt(&mut p, body, rest.len() as u8 ^ mode as u8);
                k.seal(&mut p);
            }
            _ => p.extend_from_slice(body),
        }
        let c = crc32c_field(&p);
        p[8..12].copy_from_slice(&c.to_be_bytes());
        let ep = n.ep(1);
        ep.handle_packet(t, SocketAddr::new(a_ip, 0), b_ip, &p);
        while ep.poll_transmit(t, &mut buf).is_some() {}
        while ep.poll_event().is_some() {}
        k += 1;
        if k % 4 == 0 {
            t += Duration::from_millis(250);
            if let Some(d) = ep.poll_timeout() {
                assert!(d >= now, "a timer in the past of the start");
                if d <= t {
                    ep.handle_timeout(t);
                }
            }
        }
    }
});

/// The session keys A exported (Event::SecureKeys), to wrap fuzzed chunks
/// as a peer would (secure-sctp.md 3.11, 3.13).
struct SessionKeys {
    reference: u16,
    suite: u16,
    enc: Vec<u8>,
    mac: Vec<u8>,
}

impl SessionKeys {
    /// Appends an EncData chunk holding `body` (four-byte aligned, then a
    /// PADDING chunk to the AES block) encrypted with AES-CBC.
    fn encrypt(&self, p: &mut Vec<u8>, body: &[u8], iv_seed: u8) {
        let mut plain = body.to_vec();
        plain.resize(plain.len().div_ceil(4) * 4, 0);
        let rem = plain.len() % 16;
        if rem != 0 {
            let mut pad = 16 - rem;
            if pad < 4 {
                pad += 16;
            }
            plain.extend_from_slice(&[0x12, 0]);
            plain.extend_from_slice(&(pad as u16).to_be_bytes());
            plain.resize(plain.len() + pad - 4, 0);
        }
        let iv = [iv_seed; 16];
        let n = plain.len();
        macro_rules! go {
            ($c:ty) => {
                cbc::Encryptor::<$c>::new_from_slices(&self.enc, &iv)
                    .expect("key and IV sizes")
                    .encrypt_padded_mut::<NoPadding>(&mut plain, n)
                    .expect("whole blocks")
            };
        }
        match self.enc.len() {
            16 => go!(aes::Aes128),
            24 => go!(aes::Aes192),
            _ => go!(aes::Aes256),
        };
        let len = (8 + 16 + plain.len()) as u16;
        p.extend_from_slice(&[0x10, 0]);
        p.extend_from_slice(&len.to_be_bytes());
        p.extend_from_slice(&self.reference.to_be_bytes());
        p.extend_from_slice(&16u16.to_be_bytes());
        p.extend_from_slice(&iv);
        p.extend_from_slice(&plain);
    }

    /// Appends the S-SCTP AUTH chunk: HMAC over the packet with checksum 0
    /// and the HMAC field zero (Q19).
    fn seal(&self, p: &mut Vec<u8>) {
        // Whole chunks: pad what came before to four bytes.
        p.resize(p.len().div_ceil(4) * 4, 0);
        let md5 = self.suite % 10 == 1;
        let n = if md5 { 16 } else { 20 };
        let at = p.len();
        p.extend_from_slice(&[0x11, 0]);
        p.extend_from_slice(&((8 + n) as u16).to_be_bytes());
        p.extend_from_slice(&self.reference.to_be_bytes());
        p.extend_from_slice(&[0, 0]);
        p.resize(at + 8 + n, 0);
        p[8..12].fill(0);
        let tag = if md5 {
            let mut m = hmac::Hmac::<md5::Md5>::new_from_slice(&self.mac).unwrap();
            m.update(p);
            m.finalize().into_bytes().to_vec()
        } else {
            let mut m = hmac::Hmac::<sha1::Sha1>::new_from_slice(&self.mac).unwrap();
            m.update(p);
            m.finalize().into_bytes().to_vec()
        };
        p[at + 8..].copy_from_slice(&tag);
    }
}
