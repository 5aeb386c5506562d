//! The calls of the extensions in packetdrill's dialect (RFC 6458 9, as
//! FreeBSD names them), mapped onto the endpoint's API (the socket options
//! are in `sockopt.rs`):
//!
//! | call | endpoint |
//! |---|---|
//! | `sctp_bindx(fd, [{..., sin_addr=inet_addr("...")}], n, SCTP_BINDX_ADD_ADDR / SCTP_BINDX_REM_ADDR)` | `Endpoint::add_address` / `remove_address` (ASCONF) |
//! | `sctp_sendv(..., {pr_policy=SCTP_PR_SCTP_TTL / SCTP_PR_SCTP_RTX, pr_value=}, 8, SCTP_SENDV_PRINFO, 0)` | `Endpoint::send_with` with `PrPolicy::Ttl` / `Rtx` |

use std::net::IpAddr;
use std::time::Duration;

use sctp_endpoint::PrPolicy;

use super::{field, int, words, Ret, Runner};
use crate::ast::{Expr, SyscallLine};
use crate::spec::{ChunkSpec, F};

pub(super) fn num(fields: &[(String, Expr)], name: &str) -> Option<i64> {
    field(fields, name).and_then(|e| match e {
        Expr::Int(n) | Expr::Htonl(n) | Expr::Htons(n) => Some(*n),
        Expr::List(l) => l.first().and_then(int),
        _ => None,
    })
}

/// The address in a `{sa_family=AF_INET, sin_port=..., sin_addr=inet_addr("...")}`.
pub(super) fn sockaddr_ip(e: &Expr) -> Option<IpAddr> {
    match e {
        Expr::Addr(a) => Some(*a),
        Expr::Struct(f) => f.iter().find_map(|(k, v)| match (k.as_str(), v) {
            ("sin_addr" | "sin6_addr", Expr::Addr(a)) => Some(*a),
            ("sin_addr" | "sin6_addr", Expr::Str(s)) => s.parse().ok(),
            (_, Expr::Struct(_)) => sockaddr_ip(v),
            _ => None,
        }),
        _ => None,
    }
}

/// The SCTP-AUTH key vector (RFC 4895 6.1) of an INIT or INIT ACK value
/// (after the chunk header): its RANDOM, CHUNKS and HMAC-ALGO parameters.
pub(super) fn key_vector_of(value: &[u8]) -> Vec<u8> {
    let mut found: [Option<&[u8]>; 3] = [None; 3];
    let mut at = 16;
    while at + 4 <= value.len() {
        let t = u16::from_be_bytes([value[at], value[at + 1]]);
        let l = u16::from_be_bytes([value[at + 2], value[at + 3]]) as usize;
        if l < 4 || at + l > value.len() {
            break;
        }
        if (0x8002..=0x8004).contains(&t) {
            found[(t - 0x8002) as usize] = Some(&value[at..at + l]);
        }
        at += (l + 3) & !3;
    }
    let mut v = Vec::new();
    if let (Some(r), c, Some(h)) = (found[0], found[1], found[2]) {
        sctp_codec::auth::key_vector(&mut v, r, c, h);
    }
    v
}

/// An injected `CHUNK[type=AUTH, flgs=..., len=28 or 40, val=...]`: the
/// runner writes shared key 0 and the HMAC identifier its Length implies
/// (SHA-1 or SHA-256, RFC 4895 4.1) into `b` and computes the HMAC once the
/// packet is built (a runner extension: packetdrill sends zeros, and a
/// script cannot give the HMAC itself). Returns whether to sign.
pub(super) fn auth_to_sign(spec: &ChunkSpec, b: &mut [u8]) -> bool {
    let ChunkSpec::Generic {
        ty: F::Is(t),
        len: F::Is(l),
        val: None,
        ..
    } = spec
    else {
        return false;
    };
    let id: u16 = match l {
        28 => 1,
        40 => 3,
        _ => return false,
    };
    if *t != sctp_codec::chunk::ty::AUTH || b.len() < 8 {
        return false;
    }
    b[4..6].copy_from_slice(&0u16.to_be_bytes());
    b[6..8].copy_from_slice(&id.to_be_bytes());
    true
}

impl Runner {
    /// Computes the HMAC of the AUTH chunk at `at` in an injected packet
    /// with the association shared key (RFC 4895 6.1, 6.2), then the CRC.
    pub(super) fn sign_auth(&self, pkt: &mut [u8], at: usize, zero: bool) -> Result<(), String> {
        let (ours, peers) = &self.auth_vectors;
        if ours.is_empty() || peers.is_empty() {
            return Err("AUTH[val=...] to sign, but no AUTH parameters were exchanged".into());
        }
        let shared = self
            .cfg
            .auth_keys
            .iter()
            .find(|(k, _)| *k == 0)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let key = sctp_codec::auth::association_key(&shared, ours, peers);
        sctp_codec::auth::sign(&mut pkt[at..], &key)
            .map_err(|e| format!("cannot sign the AUTH chunk: {e:?}"))?;
        if !zero {
            pkt[8..12].fill(0);
            let c = sctp_codec::checksum::compute(pkt, sctp_codec::ChecksumAlgorithm::Crc32c);
            pkt[8..12].copy_from_slice(&c.to_be_bytes());
        }
        Ok(())
    }

    /// `sctp_bindx(fd, [sockaddr, ...], n, SCTP_BINDX_ADD_ADDR | SCTP_BINDX_REM_ADDR)`:
    /// before an association, more local addresses; on one, ASCONF
    /// (RFC 5061 4.2.1 / 4.2.2).
    pub(super) fn bindx(&mut self, fd: i32, s: &SyscallLine) -> Result<Ret, String> {
        // `[...]`: packetdrill binds the local address and port, as bind()
        // (`syscall_sctp_bindx`).
        if matches!(s.args.get(1), Some(Expr::List(l)) if matches!(l.as_slice(), [Expr::Ellipsis]))
        {
            self.socks.get_mut(&fd).expect("checked").port = super::PORT;
            return Ok(Ret::Ok(0));
        }
        let addrs: Vec<IpAddr> = match s.args.get(1) {
            Some(Expr::List(l)) => l.iter().filter_map(sockaddr_ip).collect(),
            Some(e) => sockaddr_ip(e).into_iter().collect(),
            None => Vec::new(),
        };
        if addrs.is_empty() {
            return Err("sctp_bindx: no address given".into());
        }
        let mut fl = Vec::new();
        if let Some(e) = s.args.get(3) {
            words(e, &mut fl);
        }
        let add = fl.iter().any(|f| f == "SCTP_BINDX_ADD_ADDR");
        let rem = fl.iter().any(|f| f == "SCTP_BINDX_REM_ADDR");
        if add == rem {
            return Err(
                "sctp_bindx: flags must be SCTP_BINDX_ADD_ADDR or SCTP_BINDX_REM_ADDR".into(),
            );
        }
        let Some(id) = self.assoc_of(fd) else {
            if add {
                let mut all = vec![IpAddr::V4(super::LOCAL_IP)];
                all.extend(addrs);
                self.ep().set_local_addresses(all);
                return Ok(Ret::Ok(0));
            }
            return Ok(Ret::Err("EINVAL"));
        };
        let now = self.at(self.now);
        for ip in addrs {
            let r = if add {
                self.ep().add_address(now, id, ip)
            } else {
                self.ep().remove_address(now, id, ip)
            };
            if let Err(e) = r {
                self.warnings
                    .push(format!("sctp_bindx: the endpoint refused: {e}"));
                self.pump();
                return Ok(Ret::Err("EINVAL"));
            }
        }
        self.pump();
        Ok(Ret::Ok(0))
    }
}

/// `sctp_sendv`'s partial reliability: `{pr_policy=SCTP_PR_SCTP_TTL, pr_value=MS}`
/// or `SCTP_PR_SCTP_RTX` (RFC 6458 5.3.7, RFC 7496 4); anything else is reliable.
pub(super) fn prinfo(e: Option<&Expr>) -> PrPolicy {
    let Some(Expr::Struct(f)) = e else {
        return PrPolicy::Reliable;
    };
    let value = num(f, "pr_value").unwrap_or(0).max(0);
    let mut w = Vec::new();
    if let Some(p) = field(f, "pr_policy") {
        words(p, &mut w);
    }
    match w.first().map(String::as_str) {
        Some("SCTP_PR_SCTP_TTL") => PrPolicy::Ttl(Duration::from_millis(value as u64)),
        Some("SCTP_PR_SCTP_RTX") => PrPolicy::Rtx(value as u32),
        _ => PrPolicy::Reliable,
    }
}
