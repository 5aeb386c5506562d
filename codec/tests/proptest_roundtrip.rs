//! Property tests: random typed packets (every chunk, parameter and cause
//! type, nested) encode and decode back to the same value, in both dialects;
//! random bytes never make the decoder panic; and framed random input (a
//! registered type with a Length that fits and a random body, for chunks,
//! parameters and causes) reaches every typed decoder, never makes one panic and
//! re-encodes to the same bytes.

use proptest::prelude::*;
use sctp_codec::cause::CauseBody;
use sctp_codec::chunk::{Chunk, ChunkBody};
use sctp_codec::dialect::KeyExchange;
use sctp_codec::gen::Gen;
use sctp_codec::packet::{DecodeOptions, Packet};
use sctp_codec::param::{Param, ParamBody};
use sctp_codec::registry::{self, DialectTag, Family, TypeInfo};
use sctp_codec::tlv::Nested;
use sctp_codec::{Decoder, Dialect, Rules};
use std::collections::HashMap;

fn roundtrip(seed: u64, ssctp: bool) {
    let mut g = Gen::new(seed);
    g.ssctp = ssctp;
    let p = Packet::generate(&mut g, 0);
    let bytes = p.encode();
    let rules = if ssctp { Rules::SSCTP } else { Rules::STANDARD };
    let back = Packet::decode(
        &bytes,
        &DecodeOptions {
            rules,
            strict: true,
        },
    )
    .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{p:#?}"));
    assert_eq!(back, p, "seed {seed}");
    assert_eq!(back.encode(), bytes);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn typed_values_round_trip_standard(seed in any::<u64>()) {
        roundtrip(seed, false);
    }

    #[test]
    fn typed_values_round_trip_ssctp(seed in any::<u64>()) {
        roundtrip(seed, true);
    }

    #[test]
    fn random_bytes_never_panic_and_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        for d in [Dialect::Standard, Dialect::SecureSctp, Dialect::Auto] {
            let mut dec = Decoder::new(d);
            if let Ok(p) = dec.decode(&bytes, None) {
                prop_assert_eq!(p.encode(), bytes.clone());
                let _ = sctp_codec::lint::lint(&p, None);
            } else {
                prop_assert!(bytes.len() < 12);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Framed random input: registered types, right Lengths, random bodies
// ---------------------------------------------------------------------------------------

/// A small deterministic generator (splitmix64), so a failing seed can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// `n` random bytes; with a zero bias (the counts and lengths inside a body are
    /// then often 0 or small, so bodies that hold together come up often).
    fn bytes(&mut self, n: usize, zero_percent: u64) -> Vec<u8> {
        (0..n)
            .map(|_| {
                if self.below(100) < zero_percent {
                    0
                } else if self.below(8) == 0 {
                    self.below(5) as u8
                } else {
                    self.next() as u8
                }
            })
            .collect()
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
}

fn rows(family: Family) -> Vec<&'static TypeInfo> {
    registry::all().filter(|t| t.family == family).collect()
}

/// A random body for `t`: its fixed fields' size plus 0, a multiple of 4 or any
/// number of bytes.
fn body(r: &mut Rng, t: &TypeInfo, zero: u64) -> Vec<u8> {
    let fixed = t.layout().fixed as usize;
    let extra = match r.below(4) {
        0 | 1 => 0,
        2 => 4 * r.below(6) as usize,
        _ => r.below(40) as usize,
    };
    r.bytes(fixed + extra, zero)
}

/// Type (8 or 16 bits), a Length that covers the body, the body, zero padding.
fn tlv(head: &[u8], body: &[u8], length_at: usize) -> Vec<u8> {
    let mut v = head.to_vec();
    let len = (v.len() + 2 + body.len()) as u16;
    v.splice(length_at..length_at, len.to_be_bytes());
    v.extend_from_slice(body);
    while v.len() & 3 != 0 {
        v.push(0);
    }
    v
}

fn chunk_tlv(ty: u8, flags: u8, body: &[u8]) -> Vec<u8> {
    tlv(&[ty, flags], body, 2)
}

fn param_tlv(ty: u16, body: &[u8]) -> Vec<u8> {
    tlv(&ty.to_be_bytes(), body, 2)
}

/// One packet: a framed chunk of a random registered type, a random registered
/// parameter in a chunk that carries it (INIT; SSOpReq, SSCert, SSSerKey or SSCliKey
/// for the S-SCTP parameters typed by context) and a random registered cause in an
/// ERROR chunk. Returns the packet and the three types.
fn framed(seed: u64) -> (Vec<u8>, [&'static TypeInfo; 3]) {
    let mut r = Rng(seed);
    let zero = *r.pick(&[0, 50, 80]);
    let mut p = r.bytes(12, 0);
    let c = *r.pick(&rows(Family::Chunk));
    let flags = r.next() as u8;
    let b = body(&mut r, c, zero);
    p.extend(chunk_tlv(c.value as u8, flags, &b));

    let prm = *r.pick(&rows(Family::Param));
    let pb = param_tlv(prm.value, &body(&mut r, prm, zero));
    let carrier = match (prm.dialect, prm.value) {
        (DialectTag::SsctpContext, 0x1F) => chunk_tlv(0xD0, 0, &[r.bytes(4, zero), pb].concat()),
        (DialectTag::SsctpContext, 0x20) => {
            // An inline DER certificate of length 0 and its padding, then the TLV.
            chunk_tlv(0xD1, 0, &[vec![0x30, 0, 0, 0], pb].concat())
        }
        (DialectTag::SsctpContext, 0x21 | 0x22) => chunk_tlv(0xD3, 0, &pb),
        (DialectTag::SsctpContext, _) => chunk_tlv(0xD4, r.next() as u8, &pb),
        (DialectTag::Ssctp, _) => chunk_tlv(0xD0, 0, &[r.bytes(4, zero), pb].concat()),
        _ => chunk_tlv(1, 0, &[r.bytes(16, zero), pb].concat()),
    };
    p.extend(carrier);

    let cause = *r.pick(&rows(Family::Cause));
    let cb = param_tlv(cause.value, &body(&mut r, cause, zero));
    p.extend(chunk_tlv(9, 0, &cb));
    (p, [c, prm, cause])
}

/// Rule sets the framed input is decoded with.
fn rule_sets() -> [Rules; 4] {
    [
        Rules::STANDARD,
        Rules::SSCTP,
        Rules {
            key_exchange: Some(KeyExchange::Dh),
            ..Rules::SSCTP
        },
        Rules {
            key_exchange: Some(KeyExchange::Rsa),
            ..Rules::SSCTP
        },
    ]
}

fn chunk_typed(c: &Chunk<'_>) -> bool {
    !matches!(c.body, ChunkBody::Unknown(_) | ChunkBody::Malformed(..))
}

fn param_typed(p: &Param<'_>) -> bool {
    !matches!(p.body, ParamBody::Unknown(_) | ParamBody::Malformed(..))
}

/// Every (family, value, dialect) typed in `p`, at the top of each carrier chunk.
fn typed_in(p: &Packet<'_>, out: &mut Vec<(Family, u16, DialectTag)>) {
    let mut params = |ps: &[Param<'_>]| {
        for x in ps.iter().filter(|x| param_typed(x)) {
            if let Some(i) = x.info() {
                out.push((Family::Param, i.value, i.dialect));
            }
        }
    };
    let mut causes = Vec::new();
    for c in p.chunks.iter() {
        match &c.body {
            ChunkBody::Init(i) | ChunkBody::InitAck(i) => params(&i.params),
            ChunkBody::SsOpReq(o) => params(&o.params),
            ChunkBody::SsSerKey(k) | ChunkBody::SsCliKey(k) => params(&k.params),
            ChunkBody::SsCert(s) => {
                if let Nested::Parsed(v) = &s.certificate_parameters {
                    params(v)
                }
            }
            ChunkBody::Error(e) => causes.extend(e.causes.iter()),
            _ => {}
        }
    }
    for c in p.chunks.iter().filter(|c| chunk_typed(c)) {
        if let Some(i) = c.info() {
            out.push((Family::Chunk, i.value, i.dialect));
        }
    }
    for x in causes {
        if !matches!(x.body, CauseBody::Unknown(_) | CauseBody::Malformed(..)) {
            if let Some(i) = x.info() {
                out.push((Family::Cause, i.value, i.dialect));
            }
        }
    }
}

/// Decodes the framed packet of `seed` with every rule set: no panic, the same bytes
/// back, lints computed. Returns what was typed.
fn check_framed(seed: u64) -> Vec<(Family, u16, DialectTag)> {
    let (bytes, _) = framed(seed);
    let mut typed = Vec::new();
    for rules in rule_sets() {
        let p = Packet::decode(
            &bytes,
            &DecodeOptions {
                rules,
                strict: false,
            },
        )
        .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert_eq!(p.encode(), bytes, "seed {seed} ({rules:?})");
        let _ = sctp_codec::lint::lint(&p, None);
        typed_in(&p, &mut typed);
    }
    for d in [Dialect::Standard, Dialect::SecureSctp, Dialect::Auto] {
        let p = Decoder::new(d)
            .decode(&bytes, None)
            .expect("12 bytes at least");
        assert_eq!(p.encode(), bytes, "seed {seed} ({d:?})");
    }
    typed
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn framed_random_bodies_never_panic_and_round_trip(seed in any::<u64>()) {
        check_framed(seed);
    }
}

/// 3,000 framed packets (fixed seeds) reach the typed decoder of every registered
/// chunk, parameter and cause: each one decodes random input to typed fields at least
/// once (so a decoder that panics, or one that rejects what it should accept, fails
/// here or in the property test above).
#[test]
fn framed_input_reaches_every_typed_decoder() {
    let mut typed: HashMap<(Family, u16, DialectTag), usize> = HashMap::new();
    let mut packets = 0;
    for seed in 0..3000u64 {
        for t in check_framed(seed) {
            *typed.entry(t).or_default() += 1;
        }
        packets += 1;
    }
    let missing: Vec<String> = registry::all()
        .filter(|t| !typed.contains_key(&(t.family, t.value, t.dialect)))
        .map(|t| format!("{:?} {:#06x} {}", t.family, t.value, t.name))
        .collect();
    let per_family = |f: Family| -> usize {
        typed
            .iter()
            .filter(|((ff, _, _), _)| *ff == f)
            .map(|(_, n)| n)
            .sum()
    };
    eprintln!(
        "framed input: {packets} packets x {} rule sets; typed decodes: {} chunks, {} \
         parameters, {} causes; {} of {} registered types reached",
        rule_sets().len(),
        per_family(Family::Chunk),
        per_family(Family::Param),
        per_family(Family::Cause),
        typed.len(),
        registry::all().count()
    );
    assert!(missing.is_empty(), "never typed: {}", missing.join(", "));
}
