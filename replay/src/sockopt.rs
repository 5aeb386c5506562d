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

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use sctp_codec::auth::HmacAlgorithm;
use sctp_endpoint::{Config, PathState, State};

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

/// The default send parameters of a socket (`struct sctp_sndrcvinfo`
/// `def_send` in FreeBSD), which `SCTP_DEFAULT_SEND_PARAM`,
/// `SCTP_DEFAULT_SNDINFO` and `SCTP_DEFAULT_PRINFO` read and write
/// (RFC 6458 8.1.11, 8.1.31, 8.1.32): the PR-SCTP policy is the low four
/// bits of `flags` and its value is `timetolive`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct DefSend {
    /// `sinfo_stream` / `snd_sid`.
    pub(super) stream: u16,
    /// `sinfo_ssn` (stored, as FreeBSD does).
    pub(super) ssn: u16,
    /// `sinfo_flags` / `snd_flags` (`SCTP_UNORDERED` 0x400 ...; policy in 0xf).
    pub(super) flags: u16,
    /// `sinfo_ppid` / `snd_ppid`, as the script writes it (`htonl(N)` is N).
    pub(super) ppid: u32,
    /// `sinfo_context` / `snd_context`.
    pub(super) context: u32,
    /// `sinfo_timetolive` / `pr_value`.
    pub(super) timetolive: u32,
    /// `sinfo_tsn` (stored).
    pub(super) tsn: u32,
    /// `sinfo_cumtsn` (stored).
    pub(super) cumtsn: u32,
}

/// Per-socket state of the options that are not `Config` fields (RFC 6458
/// 8.1), with FreeBSD's defaults (`sctp_inpcb_alloc`).
#[derive(Debug, Clone, Default)]
pub(super) struct SockOpts {
    /// `SCTP_EVENT` / `SCTP_EVENTS`.
    pub(super) events: Subscriptions,
    /// `SCTP_NODELAY` (RFC 6458 8.1.5; FreeBSD: off).
    pub(super) nodelay: bool,
    /// `SCTP_EXPLICIT_EOR` (8.1.26).
    pub(super) explicit_eor: bool,
    /// `SCTP_DISABLE_FRAGMENTS` (8.1.15).
    pub(super) disable_fragments: bool,
    /// `SCTP_I_WANT_MAPPED_V4_ADDR` (8.1.18).
    pub(super) mapped_v4: bool,
    /// `SCTP_USE_EXT_RCVINFO` (FreeBSD's extended `sctp_extrcvinfo`).
    pub(super) ext_rcvinfo: bool,
    /// `SCTP_REUSE_PORT` (8.1.27).
    pub(super) reuse_port: bool,
    /// `SCTP_RECVRCVINFO` (8.1.29): an `SCTP_RCVINFO` cmsg with each message.
    pub(super) recvrcvinfo: bool,
    /// `SCTP_RECVNXTINFO` (8.1.30): an `SCTP_NXTINFO` cmsg.
    pub(super) recvnxtinfo: bool,
    /// `SCTP_FRAGMENT_INTERLEAVE` level (8.1.20); FreeBSD starts at 1.
    pub(super) frag_interleave: Option<u32>,
    /// `SCTP_PARTIAL_DELIVERY_POINT` (8.1.21); FreeBSD's default is half
    /// the receive buffer.
    pub(super) pd_point: Option<u32>,
    /// `SCTP_ADAPTATION_LAYER` (8.1.10).
    pub(super) adaptation: u32,
    /// `SCTP_CONTEXT` (8.1.25).
    pub(super) context: u32,
    /// `SCTP_MAXSEG` (8.1.16) when set (0: the path's own).
    pub(super) maxseg: Option<u32>,
    /// `SO_LINGER`: on, seconds.
    pub(super) linger: Option<(bool, u32)>,
    /// `SCTP_DEFAULT_SEND_PARAM` / `_SNDINFO` / `_PRINFO`.
    pub(super) def_send: DefSend,
    /// `SCTP_PEER_ADDR_PARAMS`: heartbeats off (`SPP_HB_DISABLE`), the
    /// interval written (ms), `SPP_DSCP` given.
    pub(super) hb_disabled: bool,
    /// The `spp_hbinterval` last written.
    pub(super) hb_ms: Option<u32>,
    /// `SPP_DSCP` was given (FreeBSD marks the DSCP as set).
    pub(super) dscp: Option<u8>,
    /// `SCTP_ENABLE_STREAM_RESET` (RFC 6525 6.3.1) value.
    pub(super) strreset: u32,
    /// `SCTP_AUTH_DEACTIVATE_KEY`: deactivated key numbers.
    pub(super) deactivated: Vec<u16>,
    /// `SCTP_AUTO_ASCONF` when set (default on).
    pub(super) auto_asconf: Option<bool>,
    /// `SCTP_INITMSG` `sinit_max_init_timeo` when set (ms).
    pub(super) init_timeo: Option<u32>,
}

/// The chunk types in the CHUNKS parameter of a key vector (RFC 4895 3.2),
/// the peer's list of chunks it wants authenticated.
fn peer_auth_chunks(vector: &[u8]) -> Vec<u8> {
    let mut at = 0;
    while at + 4 <= vector.len() {
        let t = u16::from_be_bytes([vector[at], vector[at + 1]]);
        let l = u16::from_be_bytes([vector[at + 2], vector[at + 3]]) as usize;
        if l < 4 || at + l > vector.len() {
            break;
        }
        if t == 0x8003 {
            return vector[at + 4..at + l].to_vec();
        }
        at += (l + 3) & !3;
    }
    Vec::new()
}

// FreeBSD's values of the names the options use (netinet/sctp.h,
// netinet/sctp_uio.h, sys/socket.h).
const SYMBOLS: &[(&str, i64)] = &[
    ("AF_INET", 2),
    ("AF_INET6", 28),
    ("SCTP_CLOSED", 0),
    ("SCTP_COOKIE_WAIT", 0x2),
    ("SCTP_COOKIE_ECHOED", 0x4),
    ("SCTP_ESTABLISHED", 0x8),
    ("SCTP_SHUTDOWN_SENT", 0x10),
    ("SCTP_SHUTDOWN_RECEIVED", 0x20),
    ("SCTP_SHUTDOWN_ACK_SENT", 0x40),
    ("SCTP_SHUTDOWN_PENDING", 0x80),
    ("SCTP_ACTIVE", 0x1),
    ("SCTP_INACTIVE", 0x2),
    ("SCTP_UNCONFIRMED", 0x200),
    ("SPP_HB_ENABLE", 0x1),
    ("SPP_HB_DISABLE", 0x2),
    ("SPP_HB_DEMAND", 0x4),
    ("SPP_PMTUD_ENABLE", 0x8),
    ("SPP_PMTUD_DISABLE", 0x10),
    ("SPP_HB_TIME_IS_ZERO", 0x80),
    ("SPP_IPV6_FLOWLABEL", 0x100),
    ("SPP_DSCP", 0x200),
    ("SCTP_AUTH_HMAC_ID_SHA1", 1),
    ("SCTP_AUTH_HMAC_ID_SHA256", 3),
    ("SCTP_PR_SCTP_NONE", 0),
    ("SCTP_PR_SCTP_TTL", 1),
    ("SCTP_PR_SCTP_BUF", 2),
    ("SCTP_PR_SCTP_RTX", 3),
    ("SCTP_EOF", 0x100),
    ("SCTP_ABORT", 0x200),
    ("SCTP_UNORDERED", 0x400),
    ("SCTP_ADDR_OVER", 0x800),
    ("SCTP_SENDALL", 0x1000),
    ("SCTP_EOR", 0x2000),
    ("SCTP_SACK_IMMEDIATELY", 0x4000),
    ("SCTP_ENABLE_RESET_STREAM_REQ", 1),
    ("SCTP_ENABLE_RESET_ASSOC_REQ", 2),
    ("SCTP_ENABLE_CHANGE_ASSOC_REQ", 4),
    ("SCTP_FUTURE_ASSOC", 0),
    ("SCTP_CURRENT_ASSOC", 1),
    ("SCTP_ALL_ASSOC", 2),
];

/// The number an expression stands for (`N`, `htonl(N)`, a FreeBSD name,
/// `A|B`, a one-element `[N]`).
pub(super) fn value(e: &Expr) -> Option<i64> {
    match e {
        Expr::Int(n) | Expr::Htonl(n) | Expr::Htons(n) => Some(*n),
        Expr::Word(w) => SYMBOLS.iter().find(|(k, _)| k == w).map(|(_, v)| *v),
        Expr::Or(a, b) => Some(value(a)? | value(b)?),
        Expr::List(l) if l.len() == 1 => value(&l[0]),
        _ => None,
    }
}

/// Whether what the kernel wrote (`got`) is what the script expects:
/// `...` matches anything, and a field the kernel does not write keeps
/// the script's own value (packetdrill passes the expected struct in).
fn matches(want: &Expr, got: &Expr) -> bool {
    match (want, got) {
        (Expr::Ellipsis, _) => true,
        (Expr::Struct(w), Expr::Struct(g)) => w.iter().all(|(k, v)| {
            g.iter()
                .find(|(gk, _)| gk == k)
                .is_none_or(|(_, gv)| matches(v, gv))
        }),
        (Expr::List(w), Expr::List(g)) => {
            w.len() == g.len() && w.iter().zip(g).all(|(a, b)| matches(a, b))
        }
        (Expr::Addr(a), Expr::Addr(b)) => a == b,
        (Expr::Str(s), Expr::Addr(b)) => s.parse::<IpAddr>().ok() == Some(*b),
        (w, g) => value(w).is_some() && value(w) == value(g),
    }
}

fn st(fields: Vec<(&str, Expr)>) -> Expr {
    Expr::Struct(
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn n(v: impl Into<i64>) -> Expr {
    Expr::Int(v.into())
}

fn sockaddr(a: SocketAddr) -> Expr {
    st(vec![
        (
            "sa_family",
            Expr::Word(if a.is_ipv4() { "AF_INET" } else { "AF_INET6" }.into()),
        ),
        (
            if a.is_ipv4() { "sin_port" } else { "sin6_port" },
            Expr::Htons(a.port() as i64),
        ),
        (
            if a.is_ipv4() { "sin_addr" } else { "sin6_addr" },
            Expr::Addr(a.ip()),
        ),
    ])
}

fn ms(d: Duration) -> Expr {
    n(d.as_millis() as i64)
}

/// A numeric field: absent or `...` is 0, as packetdrill passes it.
fn fnum(fields: &[(String, Expr)], name: &str) -> i64 {
    field(fields, name).and_then(value).unwrap_or(0)
}

/// The `[N]` (or `N`) of an integer option.
fn int_arg(arg: Option<&Expr>) -> Option<i64> {
    arg.and_then(value)
}

const GET_ONLY: &[&str] = &[
    "SCTP_STATUS",
    "SCTP_GET_PEER_ADDR_INFO",
    "SCTP_GET_ASSOC_NUMBER",
    "SCTP_GET_ASSOC_ID_LIST",
    "SCTP_LOCAL_AUTH_CHUNKS",
    "SCTP_PEER_AUTH_CHUNKS",
    "SCTP_RECVRCVINFO_GET_ONLY",
];

const SET_ONLY: &[&str] = &[
    "SCTP_AUTH_CHUNK",
    "SCTP_AUTH_KEY",
    "SCTP_AUTH_DELETE_KEY",
    "SCTP_AUTH_DEACTIVATE_KEY",
    "SCTP_RESET_STREAMS",
    "SCTP_ADD_STREAMS",
    "SCTP_RESET_ASSOC",
    "SCTP_SET_PEER_PRIMARY_ADDR",
];

/// FreeBSD's `sizeof` of an option's value (amd64): a shorter `optlen`
/// is EINVAL (`SCTP_CHECK_AND_CAST`).
fn opt_size(opt: &str) -> Option<i64> {
    Some(match opt {
        "SCTP_NODELAY"
        | "SCTP_EXPLICIT_EOR"
        | "SCTP_DISABLE_FRAGMENTS"
        | "SCTP_USE_EXT_RCVINFO"
        | "SCTP_RECVRCVINFO"
        | "SCTP_RECVNXTINFO"
        | "SCTP_AUTOCLOSE"
        | "SCTP_AUTO_ASCONF"
        | "SCTP_I_WANT_MAPPED_V4_ADDR"
        | "SCTP_REUSE_PORT"
        | "SCTP_FRAGMENT_INTERLEAVE"
        | "SCTP_PARTIAL_DELIVERY_POINT"
        | "SCTP_ADAPTATION_LAYER" => 4,
        "SCTP_INITMSG"
        | "SCTP_EVENT"
        | "SCTP_CONTEXT"
        | "SCTP_MAXSEG"
        | "SCTP_MAX_BURST"
        | "SCTP_ENABLE_STREAM_RESET"
        | "SO_LINGER"
        | "SCTP_PR_SUPPORTED"
        | "SCTP_ECN_SUPPORTED"
        | "SCTP_AUTH_SUPPORTED"
        | "SCTP_ASCONF_SUPPORTED"
        | "SCTP_RECONFIG_SUPPORTED"
        | "SCTP_NRSACK_SUPPORTED"
        | "SCTP_INTERLEAVING_SUPPORTED" => 8,
        "SCTP_DELAYED_SACK" | "SCTP_DEFAULT_PRINFO" => 12,
        "SCTP_RTOINFO" | "SCTP_DEFAULT_SNDINFO" => 16,
        "SCTP_ASSOCINFO" => 20,
        "SCTP_PRIMARY_ADDR" | "SCTP_SET_PEER_PRIMARY_ADDR" => 136,
        "SCTP_PEER_ADDR_PARAMS" | "SCTP_GET_PEER_ADDR_INFO" => 152,
        "SCTP_STATUS" => 176,
        "SCTP_EVENTS" => 11,
        "SCTP_DEFAULT_SEND_PARAM" => 128,
        _ => return None,
    })
}

impl Runner {
    /// The settings of `fd`'s association, or the socket's before it has one.
    fn cfg_of(&self, fd: i32) -> Config {
        self.assoc_of(fd)
            .and_then(|id| self.ep.as_ref()?.association_config(id).cloned())
            .unwrap_or_else(|| self.cfg.clone())
    }

    /// Changes `fd`'s association (FreeBSD's `stcb`) or, before it has one,
    /// the socket's settings for the associations to come (`inp`).
    fn apply(&mut self, fd: i32, what: &str, f: impl FnOnce(&mut Config)) {
        if let Some(id) = self.assoc_of(fd) {
            if let Some(ep) = self.ep.as_mut() {
                if ep.configure(id, f) {
                    return;
                }
                self.warnings
                    .push(format!("{what}: association gone, not applied"));
                return;
            }
        }
        self.set_cfg(what, f);
    }

    /// FreeBSD's association identifier: a socket numbers its
    /// associations from 3 (`sctp_associd_counter` starts after
    /// `SCTP_ALL_ASSOC`).
    fn freebsd_assoc_id(&self, id: sctp_endpoint::AssocId) -> i64 {
        let mut ids: Vec<_> = self.assocs.keys().copied().collect();
        ids.sort();
        3 + ids.iter().position(|x| *x == id).unwrap_or(0) as i64
    }

    /// A peer address with the association's remote port (the endpoint
    /// keeps paths by address).
    fn peer_sockaddr(&self, id: sctp_endpoint::AssocId, a: SocketAddr) -> Expr {
        let port = match a.port() {
            0 if self.assocs.get(&id).is_some_and(|i| i.active) => super::PORT,
            0 => super::EPHEMERAL_PORT,
            p => p,
        };
        sockaddr(SocketAddr::new(a.ip(), port))
    }

    /// The path MTU FreeBSD reports (`net->mtu`: the IP MTU less the IPv4
    /// and SCTP common headers) for an SCTP packet size of `packet`.
    fn path_mtu(packet: usize) -> i64 {
        packet as i64 - 12
    }

    /// `struct sctp_paddrinfo` of `addr` (RFC 6458 8.2.2), as FreeBSD's
    /// `sctp_getopt` fills it from the destination (`struct sctp_nets`):
    /// unconfirmed, else active while reachable (potentially failed
    /// included), else inactive; its cwnd, SRTT, RTO and path MTU.
    fn paddrinfo(&self, id: sctp_endpoint::AssocId, addr: Option<IpAddr>) -> Option<Expr> {
        let st_ = self.ep.as_ref()?.status(id)?;
        let ip = addr.unwrap_or(st_.primary.ip());
        let p = st_.paths.iter().find(|p| p.remote.ip() == ip)?;
        let state = match (p.confirmed, p.state) {
            (false, _) => "SCTP_UNCONFIRMED",
            (true, PathState::Inactive) => "SCTP_INACTIVE",
            (true, PathState::Active | PathState::PotentiallyFailed) => "SCTP_ACTIVE",
        };
        let mut f = vec![
            ("spinfo_assoc_id", n(self.freebsd_assoc_id(id))),
            ("spinfo_address", self.peer_sockaddr(id, p.remote)),
            ("spinfo_state", Expr::Word(state.into())),
            ("spinfo_mtu", n(Self::path_mtu(p.mtu))),
            ("spinfo_cwnd", n(p.cwnd as i64)),
            ("spinfo_rto", ms(p.rto)),
        ];
        if let Some(s) = p.srtt {
            f.push(("spinfo_srtt", ms(s)));
        }
        Some(st(f))
    }

    /// The stream, PPID (as the script writes it) and options a plain
    /// `write`/`send` uses: the socket's default send parameters
    /// (`SCTP_DEFAULT_SNDINFO` / `_PRINFO` / `_SEND_PARAM`, RFC 6458 8.1.31,
    /// 8.1.32), as FreeBSD's `sctp_lower_sosend` takes `def_send`.
    pub(super) fn default_send(&self) -> (u32, u16, sctp_endpoint::SendOptions) {
        let d = self.opts.def_send;
        let v = d.timetolive;
        let pr = match d.flags & 0xf {
            1 => sctp_endpoint::PrPolicy::Ttl(Duration::from_millis(v as u64)),
            2 => sctp_endpoint::PrPolicy::Priority(v.min(u16::MAX as u32) as u16),
            3 => sctp_endpoint::PrPolicy::Rtx(v),
            // A lifetime with no policy means timed reliability
            // (sctp_set_prsctp_policy).
            _ if v > 0 => sctp_endpoint::PrPolicy::Ttl(Duration::from_millis(v as u64)),
            _ => sctp_endpoint::PrPolicy::Reliable,
        };
        let opts = sctp_endpoint::SendOptions {
            unordered: d.flags & 0x400 != 0,
            pr,
        };
        (d.ppid, d.stream, opts)
    }

    /// `SO_LINGER` on with a zero timeout: `close()` aborts the
    /// association (RFC 6458 8.1.4; FreeBSD's `sctp_close`).
    pub(super) fn linger_aborts(&self) -> bool {
        self.opts.linger == Some((true, 0))
    }

    /// A FreeBSD `net.inet.sctp.NAME=VALUE` sysctl a script sets (in
    /// backquotes): the defaults of the sockets to come, mapped onto the
    /// endpoint's `Config`; others are noted as not applied.
    pub(super) fn sysctl(&mut self, name: &str, value: &str) {
        let v = value.trim();
        let on = v != "0";
        let what = format!("sysctl net.inet.sctp.{name}");
        let turns_off = match name {
            "auth_disable" => on,
            "pr_enable" | "ecn_enable" | "asconf_enable" | "auth_enable" | "reconfig_enable"
            | "nrsack_enable" | "nrsack_on_off" | "pktdrop_enable" => !on,
            _ => false,
        };
        if self.all_extensions && turns_off {
            // `--all-extensions`: the extensions stay on whatever the script
            // asks of the stack (the ETSI scripts switch FreeBSD's off).
            self.warnings
                .push(format!("{what}={v} ignored: --all-extensions"));
            return;
        }
        match name {
            "pr_enable" => self.set_cfg(&what, |c| c.pr_sctp = on),
            "ecn_enable" => self.set_cfg(&what, |c| c.ecn = on),
            "asconf_enable" => self.set_cfg(&what, |c| c.asconf = on),
            "auth_enable" => self.set_cfg(&what, |c| c.auth = on),
            // FreeBSD 9 and 10 spelled it the other way round.
            "auth_disable" => self.set_cfg(&what, |c| c.auth = !on),
            "reconfig_enable" => self.set_cfg(&what, |c| c.reconfig = on),
            "nrsack_enable" | "nrsack_on_off" => self.set_cfg(&what, |c| c.nr_sack = on),
            "pktdrop_enable" => self.set_cfg(&what, |c| c.pktdrop = on),
            "heartbeat_interval" => match v.parse::<u64>() {
                Ok(ms) => self.set_cfg(&what, |c| c.hb_interval = Duration::from_millis(ms)),
                Err(_) => self.warnings.push(format!("{what}={v}: not a number")),
            },
            _ => self.warnings.push(format!("{what}={v} not applied")),
        }
    }

    /// `setsockopt(fd, level, opt, value, len)` (RFC 6458 8.1), as
    /// FreeBSD's `sctp_setopt`.
    pub(super) fn setsockopt(&mut self, s: &SyscallLine) -> Result<Ret, String> {
        let fd = self.fd_arg(s, 0)?;
        let opt = match s.args.get(2) {
            Some(Expr::Word(w)) => w.clone(),
            _ => return Err("setsockopt: the option must be a name".into()),
        };
        let arg = s.args.get(3);
        let fields: Vec<(String, Expr)> = match arg {
            Some(Expr::Struct(f)) => f.clone(),
            _ => Vec::new(),
        };
        if GET_ONLY.contains(&opt.as_str()) {
            // sctp_setopt's default case.
            return Ok(Ret::Err("ENOPROTOOPT"));
        }
        if let (Some(len), Some(size)) = (s.args.get(4).and_then(int), opt_size(&opt)) {
            if len < size {
                return Ok(Ret::Err("EINVAL"));
            }
        }
        if let Some(r) = self.setsockopt_ext(fd, &opt, s, &fields) {
            return r;
        }
        let get = |n: &str| field(&fields, n).and_then(int).filter(|v| *v > 0);
        let flag = int_arg(arg).map(|v| v != 0);
        let peer_ips: Vec<IpAddr> = self
            .assoc_of(fd)
            .and_then(|id| self.ep.as_ref()?.status(id))
            .map(|st| st.peer_addrs.iter().map(|a| a.ip()).collect())
            .unwrap_or_default();
        let o = &mut self.opts;
        match opt.as_str() {
            "SCTP_NODELAY"
            | "SCTP_EXPLICIT_EOR"
            | "SCTP_DISABLE_FRAGMENTS"
            | "SCTP_USE_EXT_RCVINFO"
            | "SCTP_RECVRCVINFO"
            | "SCTP_RECVNXTINFO" => {
                let Some(v) = flag else {
                    return Ok(Ret::Err("EINVAL"));
                };
                *match opt.as_str() {
                    "SCTP_NODELAY" => &mut o.nodelay,
                    "SCTP_EXPLICIT_EOR" => &mut o.explicit_eor,
                    "SCTP_DISABLE_FRAGMENTS" => &mut o.disable_fragments,
                    "SCTP_USE_EXT_RCVINFO" => &mut o.ext_rcvinfo,
                    "SCTP_RECVRCVINFO" => &mut o.recvrcvinfo,
                    _ => &mut o.recvnxtinfo,
                } = v;
                if opt == "SCTP_NODELAY" {
                    // Nagle-like bundling delay: the endpoint sends at once.
                    self.warnings
                        .push("SCTP_NODELAY recorded (the endpoint never delays sends)".into());
                }
            }
            "SCTP_I_WANT_MAPPED_V4_ADDR" => {
                // Only on an IPv6 socket (SCTP_PCB_FLAGS_BOUND_V6).
                return Ok(Ret::Err("EINVAL"));
            }
            "SCTP_AUTO_ASCONF" => {
                // FreeBSD: only on a socket bound to all addresses, which a
                // socket is until it binds one; recorded (FreeBSD: "we
                // don't really support this flag" either).
                o.auto_asconf = flag;
            }
            "SCTP_AUTOCLOSE" => {
                // One-to-one sockets (SCTP_PCB_FLAGS_TCPTYPE): EINVAL.
                return Ok(Ret::Err("EINVAL"));
            }
            "SCTP_REUSE_PORT" => {
                // Only before bind/connect (SCTP_PCB_FLAGS_UNBOUND).
                let bound = self
                    .socks
                    .get(&fd)
                    .is_some_and(|s| s.kind != super::SockKind::Fresh);
                if bound {
                    return Ok(Ret::Err("EINVAL"));
                }
                self.opts.reuse_port = flag.unwrap_or(false);
            }
            "SCTP_FRAGMENT_INTERLEAVE" => match int_arg(arg) {
                Some(l @ 0..=2) => o.frag_interleave = Some(l as u32),
                _ => return Ok(Ret::Err("EINVAL")),
            },
            "SCTP_PARTIAL_DELIVERY_POINT" => {
                let v = int_arg(arg).unwrap_or(0);
                if v < 0 || v > self.cfg.receive_window as i64 {
                    return Ok(Ret::Err("EINVAL"));
                }
                self.opts.pd_point = Some(v as u32);
                self.apply(fd, "SCTP_PARTIAL_DELIVERY_POINT", |c| {
                    c.partial_delivery_point = Some(v as usize)
                });
            }
            "SCTP_ADAPTATION_LAYER" => {
                // Socket-wide; the INIT / INIT ACK then carry it (FreeBSD's
                // adaptation_layer_indicator_provided).
                let v = fnum(&fields, "ssb_adaptation_ind") as u32;
                o.adaptation = v;
                self.set_cfg("SCTP_ADAPTATION_LAYER", |c| {
                    c.adaptation_indication = Some(v)
                });
            }
            "SCTP_CONTEXT" => o.context = fnum(&fields, "assoc_value") as u32,
            "SCTP_MAXSEG" => {
                let v = fnum(&fields, "assoc_value");
                o.maxseg = (v > 0).then_some(v as u32);
                self.warnings
                    .push("SCTP_MAXSEG recorded (the endpoint fragments at the path MTU)".into());
            }
            "SCTP_MAX_BURST" => {
                let v = fnum(&fields, "assoc_value");
                // 0 switches the limit off in FreeBSD.
                let v = if v <= 0 { usize::MAX } else { v as usize };
                self.apply(fd, "SCTP_MAX_BURST", |c| c.max_burst = v);
            }
            "SCTP_DEFAULT_SEND_PARAM" => {
                o.def_send = DefSend {
                    stream: fnum(&fields, "sinfo_stream") as u16,
                    ssn: fnum(&fields, "sinfo_ssn") as u16,
                    flags: fnum(&fields, "sinfo_flags") as u16,
                    ppid: fnum(&fields, "sinfo_ppid") as u32,
                    context: fnum(&fields, "sinfo_context") as u32,
                    timetolive: fnum(&fields, "sinfo_timetolive") as u32,
                    tsn: fnum(&fields, "sinfo_tsn") as u32,
                    cumtsn: fnum(&fields, "sinfo_cumtsn") as u32,
                };
            }
            "SCTP_DEFAULT_SNDINFO" => {
                let flags = fnum(&fields, "snd_flags") as u16;
                // sctp_setopt: only these flags may be defaults.
                if flags & !(0x100 | 0x200 | 0x400 | 0x800 | 0x1000 | 0x2000 | 0x4000) != 0 {
                    return Ok(Ret::Err("EINVAL"));
                }
                let d = &mut o.def_send;
                d.stream = fnum(&fields, "snd_sid") as u16;
                d.flags = (d.flags & 0x000f) | flags;
                d.ppid = fnum(&fields, "snd_ppid") as u32;
                d.context = fnum(&fields, "snd_context") as u32;
            }
            "SCTP_DEFAULT_PRINFO" => {
                let p = fnum(&fields, "pr_policy");
                if !(0..=3).contains(&p) {
                    return Ok(Ret::Err("EINVAL"));
                }
                let d = &mut o.def_send;
                d.flags = (d.flags & 0xfff0) | p as u16;
                d.timetolive = fnum(&fields, "pr_value") as u32;
            }
            "SO_LINGER" => {
                o.linger = Some((fnum(&fields, "onoff") != 0, fnum(&fields, "linger") as u32));
            }
            "SCTP_RTOINFO" => {
                let c = self.cfg_of(fd);
                let pick = |name: &str, cur: Duration| {
                    get(name).map_or(cur, |v| Duration::from_millis(v as u64))
                };
                let i = pick("srto_initial", c.rto_initial);
                let mx = pick("srto_max", c.rto_max);
                let mn = pick("srto_min", c.rto_min);
                // sctp_setopt: new_min <= new_init <= new_max, else EINVAL.
                if !(mn <= i && i <= mx) {
                    return Ok(Ret::Err("EINVAL"));
                }
                self.apply(fd, "SCTP_RTOINFO", |c| {
                    c.rto_initial = i;
                    c.rto_max = mx;
                    c.rto_min = mn;
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
                // Socket-wide (inp) in FreeBSD, for associations to come.
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
                if let Some(t) = timeo {
                    self.opts.init_timeo = Some(t as u32);
                    self.warnings.push(
                        "SCTP_INITMSG sinit_max_init_timeo recorded, not applied (Config has no maximum RTO for INIT)".into(),
                    );
                }
            }
            "SCTP_PEER_ADDR_PARAMS" => {
                let flags = field(&fields, "spp_flags").and_then(value).unwrap_or(0);
                let hb = get("spp_hbinterval");
                let rxt = get("spp_pathmaxrxt");
                let (enable, disable) = (flags & 0x1 != 0, flags & 0x2 != 0);
                if enable && disable {
                    return Ok(Ret::Err("EINVAL"));
                }
                if let Some(ip) = field(&fields, "spp_address").and_then(sockaddr_ip) {
                    // A wildcard address means all paths; another must be a peer's.
                    let known = peer_ips.contains(&ip);
                    if !ip.is_unspecified() && !known {
                        return Ok(Ret::Err("EINVAL"));
                    }
                }
                if disable {
                    o.hb_disabled = true;
                } else if enable {
                    o.hb_disabled = false;
                }
                if let Some(h) = hb {
                    o.hb_ms = Some(h as u32);
                }
                if flags & 0x200 != 0 {
                    o.dscp = Some(fnum(&fields, "spp_dscp") as u8);
                }
                let off = o.hb_disabled;
                let interval = o.hb_ms;
                self.apply(fd, "SCTP_PEER_ADDR_PARAMS", |c| {
                    if off {
                        c.hb_interval = Duration::from_secs(1 << 30);
                    } else if let Some(h) = interval {
                        c.hb_interval = Duration::from_millis(h as u64);
                    }
                    if let Some(r) = rxt {
                        c.path_max_retrans = r as u32;
                    }
                });
            }
            "SCTP_ASSOCINFO" => {
                let rxt = get("sasoc_asocmaxrxt");
                // Cookie life clamped to 1 s .. 1 h (SCTP_MIN/MAX_COOKIE_LIFE).
                let life = get("sasoc_cookie_life").map(|v| v.clamp(1000, 3_600_000));
                self.apply(fd, "SCTP_ASSOCINFO", |c| {
                    if let Some(r) = rxt {
                        c.assoc_max_retrans = r as u32;
                    }
                    if let Some(l) = life {
                        c.valid_cookie_life = Duration::from_millis(l as u64);
                    }
                });
            }
            "SCTP_DELAYED_SACK" | "SCTP_DELAYED_ACK_TIME" => {
                let (d, f) = (get("sack_delay").or(get("assoc_value")), get("sack_freq"));
                // SCTP_MAX_SACK_DELAY is 500 ms (RFC 9260 6.2).
                if d.is_some_and(|d| d > 500) {
                    return Ok(Ret::Err("EINVAL"));
                }
                self.apply(fd, "SCTP_DELAYED_SACK", |c| {
                    if let Some(d) = d {
                        c.sack_delay = Duration::from_millis(d as u64);
                    }
                    if let Some(f) = f {
                        c.sack_every = f as u32;
                    }
                });
            }
            "SO_RCVBUF" => {
                if let Some(n) = int_arg(arg) {
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
                match ty.first().and_then(|t| o.events.by_name(t)) {
                    Some(flag) => *flag = on,
                    None => return Ok(Ret::Err("EINVAL")),
                }
            }
            "SCTP_EVENTS" => {
                let e = &mut o.events;
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
            "SO_REUSEADDR" => {
                self.warnings
                    .push(format!("setsockopt {opt} accepted but not applied"));
            }
            other => return Err(format!("setsockopt: unsupported option {other}")),
        }
        Ok(Ret::Ok(0))
    }

    /// `getsockopt(fd, level, opt, value, [len])` (RFC 6458 8.2), as
    /// FreeBSD's `sctp_getopt`: the value the kernel writes is compared
    /// with the script's.
    pub(super) fn getsockopt(&mut self, s: &SyscallLine) -> Result<Ret, String> {
        let fd = self.fd_arg(s, 0)?;
        let opt = match s.args.get(2) {
            Some(Expr::Word(w)) => w.clone(),
            _ => return Err("getsockopt: the option must be a name".into()),
        };
        let arg = s.args.get(3);
        let fail = |what: String| Err(format!("expected {} got {what}", syscall_text(s)));
        if opt == "SO_ERROR" {
            let err = match self.assoc_of(fd) {
                Some(id) => self.assocs.get_mut(&id).and_then(|a| a.so_error.take()),
                None => None,
            };
            let want = match arg {
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
            return Ok(Ret::Ok(0));
        }
        // sctp_getopt's SCTP_CHECK_AND_CAST: a buffer shorter than the
        // struct is EINVAL.
        if let (Some(len), Some(size)) = (s.args.get(4).and_then(value), opt_size(&opt)) {
            if len < size {
                return Ok(Ret::Err("EINVAL"));
            }
        }
        let got = match self.sockopt_value(fd, &opt, arg)? {
            Ok(v) => v,
            Err(e) => return Ok(Ret::Err(e)),
        };
        if int(&s.result) == Some(0) {
            if let Some(want) = arg {
                if !matches(want, &got) {
                    return fail(format!("{opt} {}", super::expr_text(&got)));
                }
            }
        }
        Ok(Ret::Ok(0))
    }

    /// What `sctp_getopt` writes for `opt` on `fd`, or its errno.
    fn sockopt_value(
        &mut self,
        fd: i32,
        opt: &str,
        arg: Option<&Expr>,
    ) -> Result<Result<Expr, &'static str>, String> {
        if SET_ONLY.contains(&opt) {
            return Ok(Err("ENOPROTOOPT"));
        }
        let fields: Vec<(String, Expr)> = match arg {
            Some(Expr::Struct(f)) => f.clone(),
            _ => Vec::new(),
        };
        let cfg = self.cfg_of(fd);
        let assoc = self.assoc_of(fd);
        let o = &self.opts;
        let one = |v: i64| Expr::List(vec![n(v)]);
        let b = |v: bool| one(v as i64);
        Ok(Ok(match opt {
            "SCTP_NODELAY" => b(o.nodelay),
            "SCTP_EXPLICIT_EOR" => b(o.explicit_eor),
            "SCTP_DISABLE_FRAGMENTS" => b(o.disable_fragments),
            "SCTP_I_WANT_MAPPED_V4_ADDR" => b(o.mapped_v4),
            "SCTP_USE_EXT_RCVINFO" => b(o.ext_rcvinfo),
            "SCTP_REUSE_PORT" => b(o.reuse_port),
            "SCTP_RECVRCVINFO" => b(o.recvrcvinfo),
            "SCTP_RECVNXTINFO" => b(o.recvnxtinfo),
            // The sctp_auto_asconf sysctl's default is 1.
            "SCTP_AUTO_ASCONF" => b(o.auto_asconf.unwrap_or(true)),
            "SCTP_AUTOCLOSE" => one(0),
            "SCTP_FRAGMENT_INTERLEAVE" => one(o.frag_interleave.unwrap_or(1) as i64),
            "SCTP_PARTIAL_DELIVERY_POINT" => {
                one(o.pd_point.unwrap_or(cfg.receive_window / 2) as i64)
            }
            "SCTP_ADAPTATION_LAYER" => st(vec![("ssb_adaptation_ind", n(o.adaptation))]),
            "SCTP_CONTEXT" => st(vec![("assoc_value", n(o.context))]),
            "SCTP_MAX_BURST" => st(vec![(
                "assoc_value",
                n(if cfg.max_burst == usize::MAX {
                    0
                } else {
                    cfg.max_burst as i64
                }),
            )]),
            "SCTP_MAXSEG" => st(vec![(
                "assoc_value",
                n(o.maxseg
                    .map_or(cfg.max_packet as i64 - 12 - 16, |v| v as i64)),
            )]),
            "SCTP_DELAYED_SACK" => st(vec![
                ("sack_delay", ms(cfg.sack_delay)),
                ("sack_freq", n(cfg.sack_every)),
            ]),
            "SCTP_RTOINFO" => st(vec![
                ("srto_initial", ms(cfg.rto_initial)),
                ("srto_max", ms(cfg.rto_max)),
                ("srto_min", ms(cfg.rto_min)),
            ]),
            // Socket-wide (inp->sctp_ep), not the association's.
            "SCTP_INITMSG" => st(vec![
                ("sinit_num_ostreams", n(self.cfg.outbound_streams)),
                ("sinit_max_instreams", n(self.cfg.max_inbound_streams)),
                ("sinit_max_attempts", n(self.cfg.max_init_retrans)),
                (
                    "sinit_max_init_timeo",
                    n(o.init_timeo
                        .map_or(cfg.rto_max.as_millis() as i64, i64::from)),
                ),
            ]),
            "SCTP_ASSOCINFO" => {
                let st_ = assoc.and_then(|id| self.ep.as_ref()?.status(id));
                st(vec![
                    ("sasoc_asocmaxrxt", n(cfg.assoc_max_retrans)),
                    (
                        "sasoc_number_peer_destinations",
                        n(st_.as_ref().map_or(0, |s| s.peer_addrs.len() as i64)),
                    ),
                    (
                        "sasoc_peer_rwnd",
                        n(st_.as_ref().map_or(0, |s| s.peer_rwnd as i64)),
                    ),
                    ("sasoc_local_rwnd", n(cfg.receive_window)),
                    ("sasoc_cookie_life", ms(cfg.valid_cookie_life)),
                ])
            }
            "SCTP_DEFAULT_SEND_PARAM" => {
                let d = o.def_send;
                st(vec![
                    ("sinfo_stream", n(d.stream)),
                    ("sinfo_ssn", n(d.ssn)),
                    ("sinfo_flags", n(d.flags)),
                    ("sinfo_ppid", n(d.ppid)),
                    ("sinfo_context", n(d.context)),
                    ("sinfo_timetolive", n(d.timetolive)),
                    ("sinfo_tsn", n(d.tsn)),
                    ("sinfo_cumtsn", n(d.cumtsn)),
                ])
            }
            "SCTP_DEFAULT_SNDINFO" => {
                let d = o.def_send;
                st(vec![
                    ("snd_sid", n(d.stream)),
                    ("snd_flags", n(d.flags & 0xfff0)),
                    ("snd_ppid", n(d.ppid)),
                    ("snd_context", n(d.context)),
                ])
            }
            "SCTP_DEFAULT_PRINFO" => {
                let d = o.def_send;
                st(vec![
                    ("pr_policy", n(d.flags & 0x000f)),
                    ("pr_value", n(d.timetolive)),
                ])
            }
            "SO_LINGER" => {
                let (on, secs) = o.linger.unwrap_or((false, 0));
                // FreeBSD returns the option bit (SO_LINGER 0x80).
                st(vec![
                    ("onoff", n(if on { 0x80 } else { 0 })),
                    ("linger", n(secs)),
                ])
            }
            "SCTP_EVENT" => {
                let mut ty = Vec::new();
                if let Some(t) = field(&fields, "se_type") {
                    words(t, &mut ty);
                }
                let mut e = o.events;
                match ty.first().and_then(|t| e.by_name(t)) {
                    Some(on) => st(vec![("se_on", n(*on as i64))]),
                    None => return Ok(Err("EINVAL")),
                }
            }
            "SCTP_EVENTS" => {
                let e = &o.events;
                st(vec![
                    ("sctp_data_io_event", n(e.data_io)),
                    ("sctp_association_event", n(e.assoc_change)),
                    ("sctp_address_event", n(e.peer_addr_change)),
                    ("sctp_send_failure_event", n(e.send_failed)),
                    ("sctp_peer_error_event", n(e.remote_error)),
                    ("sctp_shutdown_event", n(e.shutdown)),
                    ("sctp_partial_delivery_event", n(e.partial_delivery)),
                    ("sctp_adaptation_layer_event", n(e.adaptation)),
                    ("sctp_authentication_event", n(e.authentication)),
                    ("sctp_sender_dry_event", n(e.sender_dry)),
                    ("sctp_stream_reset_event", n(e.stream_reset)),
                ])
            }
            "SCTP_HMAC_IDENT" => {
                let ids: Vec<Expr> = cfg.auth_hmacs.iter().map(|a| n(a.id())).collect();
                st(vec![
                    ("shmac_number_of_idents", n(ids.len() as i64)),
                    ("shmac_idents", Expr::List(ids)),
                ])
            }
            "SCTP_AUTH_ACTIVE_KEY" => st(vec![("scact_keynumber", n(cfg.auth_active_key))]),
            "SCTP_LOCAL_AUTH_CHUNKS" | "SCTP_PEER_AUTH_CHUNKS" => {
                let mut chunks: Vec<u8> = if opt == "SCTP_LOCAL_AUTH_CHUNKS" {
                    if cfg.auth {
                        cfg.auth_chunks.clone()
                    } else {
                        Vec::new()
                    }
                } else {
                    peer_auth_chunks(&self.auth_vectors.1)
                };
                chunks.sort_unstable();
                chunks.dedup();
                let mut f = vec![
                    ("gauth_number_of_chunks", n(chunks.len() as i64)),
                    (
                        "gauth_chunks",
                        Expr::List(chunks.iter().map(|c| n(*c)).collect()),
                    ),
                ];
                if let Some(id) = assoc {
                    f.push(("gauth_assoc_id", n(self.freebsd_assoc_id(id))));
                }
                st(f)
            }
            "SCTP_ENABLE_STREAM_RESET" => st(vec![("assoc_value", n(o.strreset))]),
            "SCTP_PR_SUPPORTED" => st(vec![("assoc_value", n(cfg.pr_sctp))]),
            "SCTP_ECN_SUPPORTED" => st(vec![("assoc_value", n(cfg.ecn))]),
            "SCTP_AUTH_SUPPORTED" => st(vec![("assoc_value", n(cfg.auth))]),
            "SCTP_ASCONF_SUPPORTED" => st(vec![("assoc_value", n(cfg.asconf))]),
            "SCTP_RECONFIG_SUPPORTED" => st(vec![("assoc_value", n(cfg.reconfig))]),
            "SCTP_NRSACK_SUPPORTED" => st(vec![("assoc_value", n(cfg.nr_sack))]),
            "SCTP_INTERLEAVING_SUPPORTED" => st(vec![("assoc_value", n(cfg.interleaving))]),
            "SCTP_GET_ASSOC_NUMBER" | "SCTP_GET_ASSOC_ID_LIST" => {
                // One-to-many sockets only (SCTP_PCB_FLAGS_TCPTYPE: EINVAL).
                return Ok(Err("EINVAL"));
            }
            "SCTP_PEER_ADDR_PARAMS" => {
                let mut flags = if o.hb_disabled { 0x2 } else { 0x1 } | 0x8;
                if o.dscp.is_some() {
                    flags |= 0x200;
                }
                // On an association: the address's path MTU, or the
                // association's smallest (FreeBSD: `net->mtu`, else
                // `asoc.smallest_mtu`); on the socket, none.
                let pathmtu = match assoc {
                    Some(id) => {
                        let st_ = self.ep.as_ref().and_then(|e| e.status(id));
                        match field(&fields, "spp_address").and_then(sockaddr_ip) {
                            Some(ip) => {
                                let path = st_
                                    .as_ref()
                                    .and_then(|s| s.paths.iter().find(|p| p.remote.ip() == ip));
                                let Some(path) = path else {
                                    return Ok(Err("ENOENT"));
                                };
                                Some(path.mtu)
                            }
                            None => Some(st_.map_or(cfg.max_packet, |s| s.packet_size)),
                        }
                    }
                    None => None,
                };
                let mut f = vec![
                    (
                        "spp_hbinterval",
                        n(o.hb_ms
                            .map_or(cfg.hb_interval.as_millis() as i64, i64::from)),
                    ),
                    ("spp_pathmaxrxt", n(cfg.path_max_retrans)),
                ];
                if let Some(packet) = pathmtu {
                    f.push(("spp_pathmtu", n(Self::path_mtu(packet))));
                }
                f.extend([
                    ("spp_flags", n(flags)),
                    ("spp_ipv6_flowlabel", n(0)),
                    ("spp_dscp", n(o.dscp.unwrap_or(0) as i64 & 0xfc)),
                ]);
                st(f)
            }
            "SCTP_GET_PEER_ADDR_INFO" => {
                let Some(id) = assoc else {
                    return Ok(Err("ENOENT"));
                };
                let ip = field(&fields, "spinfo_address").and_then(sockaddr_ip);
                match self.paddrinfo(id, ip) {
                    Some(v) => v,
                    None => return Ok(Err("ENOENT")),
                }
            }
            "SCTP_PRIMARY_ADDR" => {
                let Some(id) = assoc else {
                    return Ok(Err("EINVAL"));
                };
                let Some(st_) = self.ep.as_ref().and_then(|e| e.status(id)) else {
                    return Ok(Err("EINVAL"));
                };
                st(vec![("ssp_addr", self.peer_sockaddr(id, st_.primary))])
            }
            "SCTP_STATUS" => {
                let Some(id) = assoc else {
                    return Ok(Err("EINVAL"));
                };
                let Some(st_) = self.ep.as_ref().and_then(|e| e.status(id)) else {
                    return Ok(Err("EINVAL"));
                };
                let state = match st_.state {
                    State::CookieWait => "SCTP_COOKIE_WAIT",
                    State::CookieEchoed => "SCTP_COOKIE_ECHOED",
                    State::Established => "SCTP_ESTABLISHED",
                    State::ShutdownPending => "SCTP_SHUTDOWN_PENDING",
                    State::ShutdownSent => "SCTP_SHUTDOWN_SENT",
                    State::ShutdownReceived => "SCTP_SHUTDOWN_RECEIVED",
                    State::ShutdownAckSent => "SCTP_SHUTDOWN_ACK_SENT",
                    State::Closed => "SCTP_CLOSED",
                };
                let mut f = vec![
                    ("sstat_assoc_id", n(self.freebsd_assoc_id(id))),
                    ("sstat_state", Expr::Word(state.into())),
                    ("sstat_rwnd", n(st_.peer_rwnd)),
                    ("sstat_unackdata", n(st_.outstanding as i64)),
                    (
                        "sstat_penddata",
                        n(self.assocs.get(&id).map_or(0, |a| a.rx.len()) as i64),
                    ),
                    ("sstat_instrms", n(st_.streams.1)),
                    ("sstat_outstrms", n(st_.streams.0)),
                    // The smallest path MTU (an ICMP error may have
                    // lowered it) less the common and DATA headers.
                    (
                        "sstat_fragmentation_point",
                        n(st_.packet_size.min(cfg.max_packet) as i64 - 12 - 16),
                    ),
                ];
                if let Some(p) = self.paddrinfo(id, None) {
                    f.push(("sstat_primary", p));
                }
                st(f)
            }
            other => return Err(format!("getsockopt: unsupported option {other}")),
        }))
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
            "SCTP_ENABLE_STREAM_RESET" => {
                // SCTP_ENABLE_RESET_STREAM_REQ | _RESET_ASSOC_REQ |
                // _CHANGE_ASSOC_REQ; other bits are EINVAL
                // (SCTP_ENABLE_VALUE_MASK). The endpoint has one switch.
                let v = field(fields, "assoc_value").and_then(value).unwrap_or(0);
                if v & !7 != 0 || v < 0 {
                    return Some(Ok(Ret::Err("EINVAL")));
                }
                self.opts.strreset = v as u32;
                self.apply(fd, opt, |c| c.reconfig = v != 0);
                Ok(Ret::Ok(0))
            }
            "SCTP_AUTH_CHUNK" => match num(fields, "sauth_chunk") {
                // INIT, INIT ACK, SHUTDOWN COMPLETE and AUTH are never
                // authenticated (RFC 4895 3.2; sctp_auth_add_chunk: EINVAL).
                Some(1 | 2 | 14 | 15) => Ok(Ret::Err("EINVAL")),
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
            "SCTP_AUTH_DELETE_KEY" | "SCTP_AUTH_DEACTIVATE_KEY" => {
                // sctp_delete_sharedkey / sctp_deact_sharedkey: the active
                // key and a key that does not exist are EINVAL.
                let k = num(fields, "scact_keynumber").unwrap_or(0) as u16;
                let c = self.cfg_of(fd);
                if k == c.auth_active_key || !c.auth_keys.iter().any(|(id, _)| *id == k) {
                    return Some(Ok(Ret::Err("EINVAL")));
                }
                if opt == "SCTP_AUTH_DELETE_KEY" {
                    self.apply(fd, opt, |c| c.auth_keys.retain(|(id, _)| *id != k));
                    self.opts.deactivated.retain(|id| *id != k);
                } else if !self.opts.deactivated.contains(&k) {
                    self.opts.deactivated.push(k);
                    self.warnings.push(format!(
                        "{opt} {k}: recorded (the endpoint has no per-key deactivation; the key stays usable for received AUTH chunks, as RFC 6458 8.3.4 asks)"
                    ));
                }
                Ok(Ret::Ok(0))
            }
            "SCTP_AUTH_ACTIVE_KEY" => {
                let k = num(fields, "scact_keynumber").unwrap_or(0) as u16;
                // sctp_auth_setactivekey: the key must exist.
                if !self.cfg_of(fd).auth_keys.iter().any(|(id, _)| *id == k) {
                    return Some(Ok(Ret::Err("EINVAL")));
                }
                match self.assoc_of(fd) {
                    Some(id) if self.ep.is_some() => {
                        self.ep().configure(id, |c| c.auth_active_key = k);
                    }
                    _ => self.set_cfg(opt, |c| c.auth_active_key = k),
                }
                Ok(Ret::Ok(0))
            }
            "SCTP_RESET_ASSOC" => {
                // RFC 6525 4.3 SSN/TSN Reset Request.
                let Some(id) = self.assoc_of(fd) else {
                    return Some(Ok(Ret::Err("ENOENT")));
                };
                let now = self.at(self.now);
                let r = self.ep().reset_association(now, id);
                self.pump();
                Ok(match r {
                    Ok(()) => Ret::Ok(0),
                    Err(e) => Ret::Err(reconfig_errno(&e)),
                })
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
                        Ret::Err(reconfig_errno(&e))
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

/// FreeBSD's errno for a refused stream reconfiguration (`sctp_setopt`
/// `SCTP_RESET_STREAMS` / `SCTP_RESET_ASSOC` / `SCTP_ADD_STREAMS`).
fn reconfig_errno(e: &sctp_endpoint::ReconfigError) -> &'static str {
    use sctp_endpoint::ReconfigError as R;
    match e {
        R::NoAssociation => "ENOENT",
        R::NotNegotiated => "EOPNOTSUPP",
        R::Busy => "EBUSY",
        _ => "EINVAL",
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
