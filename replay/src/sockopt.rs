//! Socket options in packetdrill's dialect (RFC 6458 8, as FreeBSD's
//! `sctp_setopt`/`sctp_getopt` in `sys/netinet/sctp_usrreq.c` implement
//! them): values, defaults, validation and errno, mapped onto the
//! endpoint's `Config` before the association exists and its API after.
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

use std::time::Duration;

use sctp_codec::auth::HmacAlgorithm;
use sctp_endpoint::State;

use super::ext_opts::{num, sockaddr_ip};
use super::{errno_same, field, int, syscall_text, words, Ret, Runner};
use crate::ast::{Expr, SyscallLine};

/// The notifications a socket subscribed to with `SCTP_EVENT` /
/// `SCTP_EVENTS` (RFC 6458 6.2.1, 6.2.2); all off on a new socket, as on
/// FreeBSD. The runner delivers a notification only when its flag is on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Subscriptions {
    /// `SCTP_ASSOC_CHANGE` (RFC 6458 6.1.1).
    pub(super) assoc_change: bool,
    /// `SCTP_PEER_ADDR_CHANGE` (6.1.2).
    pub(super) peer_addr_change: bool,
    /// `SCTP_REMOTE_ERROR` (6.1.3).
    pub(super) remote_error: bool,
    /// `SCTP_SEND_FAILED` (the deprecated 6.1.4 form).
    pub(super) send_failed: bool,
    /// `SCTP_SHUTDOWN_EVENT` (6.1.5).
    pub(super) shutdown: bool,
    /// `SCTP_ADAPTATION_INDICATION` (6.1.6).
    pub(super) adaptation: bool,
    /// `SCTP_PARTIAL_DELIVERY_EVENT` (6.1.7).
    pub(super) partial_delivery: bool,
    /// `SCTP_AUTHENTICATION_EVENT` (6.1.8).
    pub(super) authentication: bool,
    /// `SCTP_SENDER_DRY_EVENT` (6.1.9).
    pub(super) sender_dry: bool,
    /// `SCTP_NOTIFICATIONS_STOPPED_EVENT` (6.1.10).
    pub(super) notifications_stopped: bool,
    /// `SCTP_SEND_FAILED_EVENT` (6.1.11).
    pub(super) send_failed_event: bool,
    /// `SCTP_STREAM_RESET_EVENT` (RFC 6525 6.1.1).
    pub(super) stream_reset: bool,
    /// `SCTP_ASSOC_RESET_EVENT` (RFC 6525 6.1.2).
    pub(super) assoc_reset: bool,
    /// `SCTP_STREAM_CHANGE_EVENT` (RFC 6525 6.1.3).
    pub(super) stream_change: bool,
    /// `sctp_data_io_event` of `SCTP_EVENTS`: a `SCTP_SNDRCV` cmsg with
    /// each message (RFC 6458 5.3.2).
    pub(super) data_io: bool,
}

impl Subscriptions {
    /// The flag of a notification type by its `se_type` name.
    pub(super) fn by_name(&mut self, name: &str) -> Option<&mut bool> {
        Some(match name {
            "SCTP_ASSOC_CHANGE" => &mut self.assoc_change,
            "SCTP_PEER_ADDR_CHANGE" => &mut self.peer_addr_change,
            "SCTP_REMOTE_ERROR" => &mut self.remote_error,
            "SCTP_SEND_FAILED" => &mut self.send_failed,
            "SCTP_SHUTDOWN_EVENT" => &mut self.shutdown,
            "SCTP_ADAPTATION_INDICATION" => &mut self.adaptation,
            "SCTP_PARTIAL_DELIVERY_EVENT" => &mut self.partial_delivery,
            "SCTP_AUTHENTICATION_EVENT" => &mut self.authentication,
            "SCTP_SENDER_DRY_EVENT" => &mut self.sender_dry,
            "SCTP_NOTIFICATIONS_STOPPED_EVENT" => &mut self.notifications_stopped,
            "SCTP_SEND_FAILED_EVENT" => &mut self.send_failed_event,
            "SCTP_STREAM_RESET_EVENT" => &mut self.stream_reset,
            "SCTP_ASSOC_RESET_EVENT" => &mut self.assoc_reset,
            "SCTP_STREAM_CHANGE_EVENT" => &mut self.stream_change,
            _ => return None,
        })
    }
}

/// Per-socket state of the options that are not `Config` fields (RFC 6458
/// 8.1); FreeBSD's defaults.
#[derive(Debug, Clone, Default)]
pub(super) struct SockOpts {
    /// `SCTP_EVENT` / `SCTP_EVENTS`.
    pub(super) events: Subscriptions,
}

impl Runner {
    /// `setsockopt(fd, level, opt, value, len)` (RFC 6458 8.1).
    pub(super) fn setsockopt(&mut self, s: &SyscallLine) -> Result<Ret, String> {
        let fd = self.fd_arg(s, 0)?;
        let opt = match s.args.get(2) {
            Some(Expr::Word(w)) => w.clone(),
            _ => return Err("setsockopt: the option must be a name".into()),
        };
        let fields: Vec<(String, Expr)> = match s.args.get(3) {
            Some(Expr::Struct(f)) => f.clone(),
            _ => Vec::new(),
        };
        if let Some(r) = self.setsockopt_ext(fd, &opt, s, &fields) {
            return r;
        }
        let get = |n: &str| field(&fields, n).and_then(int).filter(|v| *v > 0);
        match opt.as_str() {
            "SCTP_RTOINFO" => {
                let (i, mx, mn) = (get("srto_initial"), get("srto_max"), get("srto_min"));
                self.set_cfg("SCTP_RTOINFO", |c| {
                    if let Some(i) = i {
                        c.rto_initial = Duration::from_millis(i as u64);
                    }
                    if let Some(m) = mx {
                        c.rto_max = Duration::from_millis(m as u64);
                    }
                    if let Some(m) = mn {
                        c.rto_min = Duration::from_millis(m as u64);
                    }
                });
            }
            "SCTP_INITMSG" => {
                let (os, is, att, timeo) = (
                    get("sinit_num_ostreams"),
                    get("sinit_max_instreams"),
                    get("sinit_max_attempts"),
                    get("sinit_max_init_timeo"),
                );
                if let Some(os) = os {
                    self.ostreams = Some(os as u16);
                }
                self.set_cfg("SCTP_INITMSG", |c| {
                    if let Some(os) = os {
                        c.outbound_streams = os as u16;
                    }
                    if let Some(is) = is {
                        c.max_inbound_streams = is as u16;
                    }
                    if let Some(a) = att {
                        c.max_init_retrans = a as u32;
                    }
                });
                if timeo.is_some() {
                    self.warnings.push(
                        "SCTP_INITMSG sinit_max_init_timeo not applied (Config has no maximum RTO for INIT)".into(),
                    );
                }
            }
            "SCTP_PEER_ADDR_PARAMS" => {
                let mut flags = Vec::new();
                if let Some(f) = field(&fields, "spp_flags") {
                    words(f, &mut flags);
                }
                let hb = get("spp_hbinterval");
                let rxt = get("spp_pathmaxrxt");
                let disable = flags.iter().any(|f| f == "SPP_HB_DISABLE");
                let per_assoc = self.assoc_of(fd).is_some();
                if per_assoc && self.ep.is_some() && (disable || hb.is_some()) {
                    self.warnings.push(
                        "SCTP_PEER_ADDR_PARAMS on an association: heartbeats cannot be changed per association (needs Endpoint::set_heartbeat)"
                            .into(),
                    );
                }
                if !per_assoc || self.ep.is_none() {
                    self.set_cfg("SCTP_PEER_ADDR_PARAMS", |c| {
                        if disable {
                            c.hb_interval = Duration::from_secs(1 << 30);
                        } else if let Some(h) = hb {
                            c.hb_interval = Duration::from_millis(h as u64);
                        }
                        if let Some(r) = rxt {
                            c.path_max_retrans = r as u32;
                        }
                    });
                }
            }
            "SCTP_ASSOCINFO" => {
                let rxt = get("sasoc_asocmaxrxt");
                self.set_cfg("SCTP_ASSOCINFO", |c| {
                    if let Some(r) = rxt {
                        c.assoc_max_retrans = r as u32;
                    }
                });
            }
            "SCTP_DELAYED_SACK" | "SCTP_DELAYED_ACK_TIME" => {
                let (d, f) = (get("sack_delay").or(get("assoc_value")), get("sack_freq"));
                self.set_cfg("SCTP_DELAYED_SACK", |c| {
                    if let Some(d) = d {
                        c.sack_delay = Duration::from_millis(d as u64);
                    }
                    if let Some(f) = f {
                        c.sack_every = f as u32;
                    }
                });
            }
            "SO_RCVBUF" => {
                if let Some(n) = s.args.get(3).and_then(|e| match e {
                    Expr::List(l) => l.first().and_then(int),
                    e => int(e),
                }) {
                    self.set_cfg("SO_RCVBUF", |c| c.receive_window = n as u32);
                }
            }
            "SCTP_EVENT" => {
                // sctp_setopt SCTP_EVENT: an unknown se_type is EINVAL.
                let mut ty = Vec::new();
                if let Some(t) = field(&fields, "se_type") {
                    words(t, &mut ty);
                }
                let on = field(&fields, "se_on").and_then(int).unwrap_or(0) != 0;
                match ty.first().and_then(|t| self.opts.events.by_name(t)) {
                    Some(flag) => *flag = on,
                    None => return Ok(Ret::Err("EINVAL")),
                }
            }
            "SCTP_EVENTS" => {
                let e = &mut self.opts.events;
                for (k, v) in &fields {
                    let on = int(v).unwrap_or(0) != 0;
                    let flag = match k.as_str() {
                        "sctp_data_io_event" => &mut e.data_io,
                        "sctp_association_event" => &mut e.assoc_change,
                        "sctp_address_event" => &mut e.peer_addr_change,
                        "sctp_send_failure_event" => &mut e.send_failed,
                        "sctp_peer_error_event" => &mut e.remote_error,
                        "sctp_shutdown_event" => &mut e.shutdown,
                        "sctp_partial_delivery_event" => &mut e.partial_delivery,
                        "sctp_adaptation_layer_event" => &mut e.adaptation,
                        "sctp_authentication_event" => &mut e.authentication,
                        "sctp_sender_dry_event" => &mut e.sender_dry,
                        "sctp_stream_reset_event" => &mut e.stream_reset,
                        other => return Err(format!("SCTP_EVENTS: unknown field {other}")),
                    };
                    *flag = on;
                }
            }
            "SCTP_NODELAY" | "SO_LINGER" | "SO_REUSEADDR" => {
                self.warnings
                    .push(format!("setsockopt {opt} accepted but not applied"));
            }
            other => return Err(format!("setsockopt: unsupported option {other}")),
        }
        Ok(Ret::Ok(0))
    }

    /// `getsockopt(fd, level, opt, value, len)` (RFC 6458 8.2).
    pub(super) fn getsockopt(&mut self, s: &SyscallLine) -> Result<Ret, String> {
        let fd = self.fd_arg(s, 0)?;
        let opt = match s.args.get(2) {
            Some(Expr::Word(w)) => w.clone(),
            _ => return Err("getsockopt: the option must be a name".into()),
        };
        let fail = |what: String| Err(format!("expected {} got {what}", syscall_text(s)));
        match opt.as_str() {
            "SO_ERROR" => {
                let err = match self.assoc_of(fd) {
                    Some(id) => self.assocs.get_mut(&id).and_then(|a| a.so_error.take()),
                    None => None,
                };
                let want = match s.args.get(3) {
                    Some(Expr::List(l)) if l.len() == 1 => l[0].clone(),
                    Some(e) => e.clone(),
                    None => Expr::Ellipsis,
                };
                let ok = match (&want, err) {
                    (Expr::Ellipsis, _) => true,
                    (Expr::Int(0), None) => true,
                    (Expr::Word(w), Some(e)) => errno_same(w, e),
                    _ => false,
                };
                if !ok {
                    return fail(format!("SO_ERROR [{}]", err.unwrap_or("0")));
                }
            }
            "SCTP_STATUS" => {
                let Some(id) = self.assoc_of(fd) else {
                    return Ok(Ret::Err("ENOTCONN"));
                };
                let Some(st) = self.ep.as_ref().and_then(|e| e.status(id)) else {
                    return Ok(Ret::Err("EINVAL"));
                };
                let state = match st.state {
                    State::CookieWait => "SCTP_COOKIE_WAIT",
                    State::CookieEchoed => "SCTP_COOKIE_ECHOED",
                    State::Established => "SCTP_ESTABLISHED",
                    State::ShutdownPending => "SCTP_SHUTDOWN_PENDING",
                    State::ShutdownSent => "SCTP_SHUTDOWN_SENT",
                    State::ShutdownReceived => "SCTP_SHUTDOWN_RECEIVED",
                    State::ShutdownAckSent => "SCTP_SHUTDOWN_ACK_SENT",
                    State::Closed => "SCTP_CLOSED",
                };
                let Some(Expr::Struct(fields)) = s.args.get(3) else {
                    return Ok(Ret::Ok(0));
                };
                for (k, v) in fields {
                    if *v == Expr::Ellipsis {
                        continue;
                    }
                    let got: i64 = match k.as_str() {
                        "sstat_state" => {
                            if *v != Expr::Word(state.into()) {
                                return fail(format!("sstat_state={state}"));
                            }
                            continue;
                        }
                        "sstat_rwnd" => st.peer_rwnd as i64,
                        "sstat_unackdata" => st.outstanding as i64,
                        "sstat_penddata" => self.assocs.get(&id).map_or(0, |a| a.rx.len()) as i64,
                        "sstat_instrms" => st.streams.1 as i64,
                        "sstat_outstrms" => st.streams.0 as i64,
                        "sstat_fragmentation_point" => (self.cfg.max_packet - 12 - 16) as i64,
                        other => {
                            return Err(format!(
                                "getsockopt SCTP_STATUS: unsupported field {other}"
                            ))
                        }
                    };
                    if int(v) != Some(got) {
                        return fail(format!("{k}={got}"));
                    }
                }
            }
            "SCTP_RTOINFO" => {
                if let Some(Expr::Struct(fields)) = s.args.get(3) {
                    for (k, v) in fields {
                        let got = match k.as_str() {
                            "srto_initial" => self.cfg.rto_initial.as_millis() as i64,
                            "srto_max" => self.cfg.rto_max.as_millis() as i64,
                            "srto_min" => self.cfg.rto_min.as_millis() as i64,
                            _ => continue,
                        };
                        if int(v).is_some_and(|w| w != got) {
                            return fail(format!("{k}={got}"));
                        }
                    }
                }
            }
            "SCTP_INITMSG" => {
                if let Some(Expr::Struct(fields)) = s.args.get(3) {
                    for (k, v) in fields {
                        let got = match k.as_str() {
                            "sinit_num_ostreams" => self.cfg.outbound_streams as i64,
                            "sinit_max_instreams" => self.cfg.max_inbound_streams as i64,
                            "sinit_max_attempts" => self.cfg.max_init_retrans as i64,
                            _ => continue,
                        };
                        if int(v).is_some_and(|w| w != got) {
                            return fail(format!("{k}={got}"));
                        }
                    }
                }
            }
            other => return Err(format!("getsockopt: unsupported option {other}")),
        }
        let expected = int(&s.result).unwrap_or(0);
        if expected != 0 {
            return fail("0".into());
        }
        Ok(Ret::Ok(0))
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
