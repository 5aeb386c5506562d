//! The socket options and calls of the extensions in packetdrill's dialect
//! (RFC 6458 8.1 and 8.3, as FreeBSD names them), mapped onto the
//! endpoint's `Config` (before the association exists) and its API (after):
//!
//! | option / call | endpoint |
//! |---|---|
//! | `SCTP_PR_SUPPORTED {assoc_value=}` | `Config::pr_sctp` (RFC 3758) |
//! | `SCTP_INTERLEAVING_SUPPORTED {assoc_value=}` | `Config::interleaving` (RFC 8260) |
//! | `SCTP_FRAGMENT_INTERLEAVE [2]` | accepted (RFC 8260 needs level 2; the endpoint interleaves when I-DATA is negotiated) |
//! | `SCTP_RECONFIG_SUPPORTED {assoc_value=}`, `SCTP_ENABLE_STREAM_RESET {assoc_value=...}` | `Config::reconfig` (RFC 6525) |
//! | `SCTP_RESET_STREAMS {srs_flags=, srs_stream_list=}` | `Endpoint::reset_streams` / `reset_incoming_streams` |
//! | `SCTP_ADD_STREAMS {sas_instrms=, sas_outstrms=}` | `Endpoint::add_streams` |
//! | `SCTP_NRSACK_SUPPORTED {assoc_value=}` | `Config::nr_sack` |
//! | `SCTP_ECN_SUPPORTED {assoc_value=}` | `Config::ecn` (RFC 9260 Appendix A) |
//! | `SCTP_ASCONF_SUPPORTED {assoc_value=}` | `Config::asconf` (RFC 5061) |
//! | `SCTP_AUTH_CHUNK {sauth_chunk=}` | `Config::auth` on, the type added to `Config::auth_chunks` (RFC 4895) |
//! | `SCTP_AUTH_KEY {sca_keynumber=, sca_key=[...]}` | `Config::auth_keys` |
//! | `SCTP_HMAC_IDENT {shmac_idents=[...]}` | `Config::auth_hmacs` |
//! | `SCTP_AUTH_ACTIVE_KEY {scact_keynumber=}` | `Config::auth_active_key` (per association once it exists) |
//! | `SCTP_PRIMARY_ADDR {ssp_addr={..., sin_addr=inet_addr("...")}}` | `Endpoint::set_primary` |
//! | `SCTP_SET_PEER_PRIMARY_ADDR {sspp_addr={...}}` | `Endpoint::set_peer_primary` (ASCONF Set Primary) |
//! | `sctp_bindx(fd, [{..., sin_addr=inet_addr("...")}], n, SCTP_BINDX_ADD_ADDR / SCTP_BINDX_REM_ADDR)` | `Endpoint::add_address` / `remove_address` (ASCONF) |
//! | `sctp_sendv(..., {pr_policy=SCTP_PR_SCTP_TTL / SCTP_PR_SCTP_RTX, pr_value=}, 8, SCTP_SENDV_PRINFO, 0)` | `Endpoint::send_with` with `PrPolicy::Ttl` / `Rtx` |

use std::net::IpAddr;
use std::time::Duration;

use sctp_codec::auth::HmacAlgorithm;
use sctp_endpoint::PrPolicy;

use super::{field, int, words, Ret, Runner};
use crate::ast::{Expr, SyscallLine};
use crate::spec::{ChunkSpec, F};

fn num(fields: &[(String, Expr)], name: &str) -> Option<i64> {
    field(fields, name).and_then(|e| match e {
        Expr::Int(n) | Expr::Htonl(n) | Expr::Htons(n) => Some(*n),
        Expr::List(l) => l.first().and_then(int),
        _ => None,
    })
}

/// `assoc_value=N` (or the bare `[N]` of a level option): on or off.
fn on(fields: &[(String, Expr)], arg: Option<&Expr>) -> Result<bool, String> {
    if let Some(n) = num(fields, "assoc_value") {
        return Ok(n != 0);
    }
    if let Some(Expr::List(l)) = arg {
        if let Some(n) = l.first().and_then(int) {
            return Ok(n != 0);
        }
    }
    Err("expected {assoc_value=N}".into())
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

    /// `setsockopt` of an extension option; `None` when `opt` is not one.
    pub(super) fn setsockopt_ext(
        &mut self,
        fd: i32,
        opt: &str,
        s: &SyscallLine,
        fields: &[(String, Expr)],
    ) -> Option<Result<Ret, String>> {
        let arg = s.args.get(3);
        let flag = |r: &mut Runner, name: &str, set: fn(&mut sctp_endpoint::Config, bool)| {
            let v = on(fields, arg)?;
            r.set_cfg(name, |c| set(c, v));
            Ok(Ret::Ok(0))
        };
        Some(match opt {
            "SCTP_PR_SUPPORTED" => flag(self, opt, |c, v| c.pr_sctp = v),
            "SCTP_INTERLEAVING_SUPPORTED" => flag(self, opt, |c, v| c.interleaving = v),
            "SCTP_RECONFIG_SUPPORTED" => flag(self, opt, |c, v| c.reconfig = v),
            "SCTP_NRSACK_SUPPORTED" => flag(self, opt, |c, v| c.nr_sack = v),
            "SCTP_ECN_SUPPORTED" => flag(self, opt, |c, v| c.ecn = v),
            "SCTP_ASCONF_SUPPORTED" => flag(self, opt, |c, v| c.asconf = v),
            "SCTP_FRAGMENT_INTERLEAVE" => match arg {
                Some(Expr::List(l)) if l.first().and_then(int).is_some() => Ok(Ret::Ok(0)),
                _ => Err("SCTP_FRAGMENT_INTERLEAVE takes [level]".into()),
            },
            "SCTP_ENABLE_STREAM_RESET" => {
                // Any of SCTP_ENABLE_RESET_STREAM_REQ, _RESET_ASSOC_REQ,
                // _CHANGE_ASSOC_REQ: the endpoint has one switch.
                let mut w = Vec::new();
                if let Some(v) = field(fields, "assoc_value") {
                    words(v, &mut w);
                }
                let v = !w.is_empty() || num(fields, "assoc_value").is_some_and(|n| n != 0);
                self.set_cfg(opt, |c| c.reconfig = v);
                Ok(Ret::Ok(0))
            }
            "SCTP_AUTH_CHUNK" => match num(fields, "sauth_chunk") {
                Some(t) if (0..=255).contains(&t) => {
                    self.set_cfg(opt, |c| {
                        c.auth = true;
                        if !c.auth_chunks.contains(&(t as u8)) {
                            c.auth_chunks.push(t as u8);
                        }
                    });
                    Ok(Ret::Ok(0))
                }
                _ => Err("SCTP_AUTH_CHUNK needs {sauth_chunk=TYPE}".into()),
            },
            "SCTP_AUTH_KEY" => {
                let id = num(fields, "sca_keynumber").unwrap_or(0) as u16;
                let key: Vec<u8> = match field(fields, "sca_key") {
                    Some(Expr::List(l)) => l.iter().filter_map(int).map(|b| b as u8).collect(),
                    _ => return Some(Err("SCTP_AUTH_KEY needs sca_key=[bytes]".into())),
                };
                self.set_cfg(opt, |c| {
                    c.auth_keys.retain(|(k, _)| *k != id);
                    c.auth_keys.push((id, key));
                });
                Ok(Ret::Ok(0))
            }
            "SCTP_HMAC_IDENT" => {
                let mut algs = Vec::new();
                if let Some(Expr::List(l)) = field(fields, "shmac_idents") {
                    for e in l {
                        let id = match e {
                            Expr::Word(w) if w == "SCTP_AUTH_HMAC_ID_SHA1" => 1,
                            Expr::Word(w) if w == "SCTP_AUTH_HMAC_ID_SHA256" => 3,
                            Expr::Int(n) => *n as u16,
                            _ => 0,
                        };
                        match HmacAlgorithm::from_id(id) {
                            Some(a) => algs.push(a),
                            None => return Some(Ok(Ret::Err("EINVAL"))),
                        }
                    }
                }
                self.set_cfg(opt, |c| c.auth_hmacs = algs);
                Ok(Ret::Ok(0))
            }
            "SCTP_AUTH_ACTIVE_KEY" => {
                let k = num(fields, "scact_keynumber").unwrap_or(0) as u16;
                match self.assoc_of(fd) {
                    Some(id) if self.ep.is_some() => {
                        self.ep().configure(id, |c| c.auth_active_key = k);
                    }
                    _ => self.set_cfg(opt, |c| c.auth_active_key = k),
                }
                Ok(Ret::Ok(0))
            }
            "SCTP_RESET_STREAMS" | "SCTP_ADD_STREAMS" => {
                let Some(id) = self.assoc_of(fd) else {
                    return Some(Ok(Ret::Err("ENOTCONN")));
                };
                let now = self.at(self.now);
                let r = if opt == "SCTP_ADD_STREAMS" {
                    let o = num(fields, "sas_outstrms").unwrap_or(0) as u16;
                    let i = num(fields, "sas_instrms").unwrap_or(0) as u16;
                    self.ep().add_streams(now, id, o, i)
                } else {
                    let mut fl = Vec::new();
                    if let Some(v) = field(fields, "srs_flags") {
                        words(v, &mut fl);
                    }
                    let list: Vec<u16> = match field(fields, "srs_stream_list") {
                        Some(Expr::List(l)) => l.iter().filter_map(int).map(|x| x as u16).collect(),
                        _ => Vec::new(),
                    };
                    let out = fl.iter().any(|f| f == "SCTP_STREAM_RESET_OUTGOING");
                    let inc = fl.iter().any(|f| f == "SCTP_STREAM_RESET_INCOMING");
                    let mut r = Ok(());
                    if out {
                        r = self.ep().reset_streams(now, id, &list);
                    }
                    if inc && r.is_ok() {
                        r = self.ep().reset_incoming_streams(now, id, &list);
                    }
                    r
                };
                self.pump();
                Ok(match r {
                    Ok(()) => Ret::Ok(0),
                    Err(e) => {
                        self.warnings
                            .push(format!("{opt}: the endpoint refused: {e}"));
                        Ret::Err("EINVAL")
                    }
                })
            }
            "SCTP_PRIMARY_ADDR" | "SCTP_SET_PEER_PRIMARY_ADDR" => {
                let Some(id) = self.assoc_of(fd) else {
                    return Some(Ok(Ret::Err("ENOTCONN")));
                };
                let key = if opt == "SCTP_PRIMARY_ADDR" {
                    "ssp_addr"
                } else {
                    "sspp_addr"
                };
                let Some(ip) = field(fields, key).and_then(sockaddr_ip) else {
                    return Some(Err(format!(
                        "{opt} needs {key}={{..., sin_addr=inet_addr(\"...\")}}"
                    )));
                };
                let now = self.at(self.now);
                let ok = if opt == "SCTP_PRIMARY_ADDR" {
                    self.ep().set_primary(id, ip)
                } else {
                    self.ep().set_peer_primary(now, id, ip).is_ok()
                };
                self.pump();
                Ok(if ok { Ret::Ok(0) } else { Ret::Err("EINVAL") })
            }
            _ => return None,
        })
    }

    /// `sctp_bindx(fd, [sockaddr, ...], n, SCTP_BINDX_ADD_ADDR | SCTP_BINDX_REM_ADDR)`:
    /// before an association, more local addresses; on one, ASCONF
    /// (RFC 5061 4.2.1 / 4.2.2).
    pub(super) fn bindx(&mut self, fd: i32, s: &SyscallLine) -> Result<Ret, String> {
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
