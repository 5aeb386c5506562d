//! Notifications and ancillary data of the SCTP sockets API (RFC 6458 5.3,
//! 6.1) as FreeBSD lays them out (`sys/netinet/sctp_uio.h`, built by
//! `sctp_notify_*` in `sctputil.c`), and the checks of what a script
//! expects: a notification in `iov_base` of `recvmsg` / `sctp_recvv`, a
//! `cmsghdr` in `msg_control`, an info struct of `sctp_recvv`.
//!
//! A value the script writes is compared with ours field by field, as
//! packetdrill's `run_system_call.c` does: `...` matches anything, names
//! are FreeBSD's constants ([`symbol`]), `htonl(n)` a PPID as on the wire.

use std::net::{IpAddr, SocketAddr};

use crate::ast::Expr;

/// FreeBSD's value of an SCTP API constant a script may compare (RFC 6458;
/// `sctp_uio.h`, `sys/socket.h`).
pub(super) fn symbol(name: &str) -> Option<i64> {
    Some(match name {
        // Notification types (RFC 6458 6.1).
        "SCTP_ASSOC_CHANGE" => 0x0001,
        "SCTP_PEER_ADDR_CHANGE" => 0x0002,
        "SCTP_REMOTE_ERROR" => 0x0003,
        "SCTP_SEND_FAILED" => 0x0004,
        "SCTP_SHUTDOWN_EVENT" => 0x0005,
        "SCTP_ADAPTATION_INDICATION" => 0x0006,
        "SCTP_PARTIAL_DELIVERY_EVENT" => 0x0007,
        "SCTP_AUTHENTICATION_EVENT" => 0x0008,
        "SCTP_STREAM_RESET_EVENT" => 0x0009,
        "SCTP_SENDER_DRY_EVENT" => 0x000a,
        "SCTP_NOTIFICATIONS_STOPPED_EVENT" => 0x000b,
        "SCTP_ASSOC_RESET_EVENT" => 0x000c,
        "SCTP_STREAM_CHANGE_EVENT" => 0x000d,
        "SCTP_SEND_FAILED_EVENT" => 0x000e,
        // sac_state (6.1.1) and sac_info.
        "SCTP_COMM_UP" => 1,
        "SCTP_COMM_LOST" => 2,
        "SCTP_RESTART" => 3,
        "SCTP_SHUTDOWN_COMP" => 4,
        "SCTP_CANT_STR_ASSOC" => 5,
        "SCTP_ASSOC_SUPPORTS_PR" => 1,
        "SCTP_ASSOC_SUPPORTS_AUTH" => 2,
        "SCTP_ASSOC_SUPPORTS_ASCONF" => 3,
        "SCTP_ASSOC_SUPPORTS_MULTIBUF" => 4,
        "SCTP_ASSOC_SUPPORTS_RE_CONFIG" => 5,
        "SCTP_ASSOC_SUPPORTS_INTERLEAVING" => 6,
        // spc_state (6.1.2).
        "SCTP_ADDR_AVAILABLE" => 1,
        "SCTP_ADDR_UNREACHABLE" => 2,
        "SCTP_ADDR_REMOVED" => 3,
        "SCTP_ADDR_ADDED" => 4,
        "SCTP_ADDR_MADE_PRIM" => 5,
        "SCTP_ADDR_CONFIRMED" => 6,
        // ssf_flags / ssfe_flags (6.1.4, 6.1.11), pdapi_indication,
        // auth_indication.
        "SCTP_DATA_UNSENT" => 1,
        "SCTP_DATA_SENT" => 2,
        "SCTP_PARTIAL_DELIVERY_ABORTED" => 1,
        "SCTP_AUTH_NEW_KEY" => 1,
        "SCTP_AUTH_NO_AUTH" => 2,
        "SCTP_AUTH_FREE_KEY" => 3,
        // RFC 6525 6.1 event flags.
        "SCTP_STREAM_RESET_INCOMING" | "SCTP_STREAM_RESET_INCOMING_SSN" => 0x0001,
        "SCTP_STREAM_RESET_OUTGOING" | "SCTP_STREAM_RESET_OUTGOING_SSN" => 0x0002,
        "SCTP_STREAM_RESET_DENIED" | "SCTP_ASSOC_RESET_DENIED" | "SCTP_STREAM_CHANGE_DENIED" => {
            0x0004
        }
        "SCTP_STREAM_RESET_FAILED" | "SCTP_ASSOC_RESET_FAILED" | "SCTP_STREAM_CHANGE_FAILED" => {
            0x0008
        }
        // sinfo_flags, snd_flags, rcv_flags, nxt_flags (5.3).
        "SCTP_NOTIFICATION" => 0x0010,
        "SCTP_COMPLETE" => 0x0020,
        "SCTP_EOF" => 0x0100,
        "SCTP_ABORT" => 0x0200,
        "SCTP_UNORDERED" => 0x0400,
        "SCTP_ADDR_OVER" => 0x0800,
        "SCTP_SENDALL" => 0x1000,
        "SCTP_EOR" => 0x2000,
        "SCTP_SACK_IMMEDIATELY" => 0x4000,
        // PR-SCTP policies (RFC 7496 4).
        "SCTP_PR_SCTP_NONE" => 0,
        "SCTP_PR_SCTP_TTL" => 1,
        "SCTP_PR_SCTP_PRIO" | "SCTP_PR_SCTP_BUF" => 2,
        "SCTP_PR_SCTP_RTX" => 3,
        // cmsg types (5.3).
        "SCTP_INIT" => 0x0001,
        "SCTP_SNDRCV" => 0x0002,
        "SCTP_EXTRCV" => 0x0003,
        "SCTP_SNDINFO" => 0x0004,
        "SCTP_RCVINFO" => 0x0005,
        "SCTP_NXTINFO" => 0x0006,
        "SCTP_PRINFO" => 0x0007,
        "SCTP_AUTHINFO" => 0x0008,
        "SCTP_DSTADDRV4" => 0x0009,
        "SCTP_DSTADDRV6" => 0x000a,
        // sctp_recvv / sctp_sendv (9.12, 9.13).
        "SCTP_RECVV_NOINFO" | "SCTP_SENDV_NOINFO" => 0,
        "SCTP_RECVV_RCVINFO" | "SCTP_SENDV_SNDINFO" => 1,
        "SCTP_RECVV_NXTINFO" | "SCTP_SENDV_PRINFO" => 2,
        "SCTP_RECVV_RN" | "SCTP_SENDV_AUTHINFO" => 3,
        "SCTP_SENDV_SPA" => 4,
        "SCTP_SEND_SNDINFO_VALID" => 1,
        "SCTP_SEND_PRINFO_VALID" => 2,
        "SCTP_SEND_AUTHINFO_VALID" => 4,
        // FreeBSD's msg_flags and levels.
        // serinfo_next_flags of FreeBSD's sctp_extrcvinfo.
        "SCTP_NEXT_MSG_AVAIL" => 0x0001,
        "SCTP_NEXT_MSG_ISCOMPLETE" => 0x0002,
        "SCTP_NEXT_MSG_IS_UNORDERED" => 0x0004,
        "SCTP_NEXT_MSG_IS_NOTIFICATION" => 0x0008,
        "MSG_EOR" => 0x8,
        "MSG_TRUNC" => 0x10,
        "MSG_CTRUNC" => 0x20,
        "MSG_NOTIFICATION" => 0x2000,
        "IPPROTO_SCTP" => 132,
        _ => return None,
    })
}

/// A value of ours, to compare with what the script writes.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Val {
    /// A number (a PPID as on the wire).
    Int(i64),
    /// Bytes (`sac_info`, `sre_data`).
    Bytes(Vec<u8>),
    /// A list of numbers (`strreset_stream_list`).
    List(Vec<i64>),
    /// A nested struct (`ssfe_info`).
    Struct(Vec<(&'static str, Val)>),
    /// A socket address (`spc_aaddr`).
    Addr(SocketAddr),
}

/// The number a script's expression stands for, if it is one.
fn number(e: &Expr) -> Result<Option<i64>, String> {
    Ok(match e {
        Expr::Ellipsis => None,
        Expr::Int(n) | Expr::Htonl(n) | Expr::Htons(n) => Some(*n),
        Expr::Word(w) => Some(symbol(w).ok_or_else(|| format!("unknown symbol {w}"))?),
        Expr::Or(a, b) => match (number(a)?, number(b)?) {
            (Some(a), Some(b)) => Some(a | b),
            _ => None,
        },
        other => {
            return Err(format!(
                "expected a number, found {}",
                super::expr_text(other)
            ))
        }
    })
}

/// Compares our `got` with the script's `want` for the field `name`.
pub(super) fn check(name: &str, got: &Val, want: &Expr) -> Result<(), String> {
    if matches!(want, Expr::Ellipsis) {
        return Ok(());
    }
    match got {
        Val::Int(g) => match number(want)? {
            Some(w) if w != *g => Err(format!("bad {name}: expected: {w} actual: {g}")),
            _ => Ok(()),
        },
        Val::Bytes(b) => {
            let Expr::List(l) = want else {
                return Err(format!("{name}: expected a list of bytes"));
            };
            let mut w = Vec::new();
            for e in l {
                match number(e)? {
                    Some(n) => w.push(n),
                    None => return Ok(()),
                }
            }
            let g: Vec<i64> = b.iter().map(|x| *x as i64).collect();
            if w != g {
                return Err(format!("bad {name}: expected: {w:?} actual: {g:?}"));
            }
            Ok(())
        }
        Val::List(g) => {
            let Expr::List(l) = want else {
                return Err(format!("{name}: expected a list"));
            };
            let mut w = Vec::new();
            for e in l {
                match number(e)? {
                    Some(n) => w.push(n),
                    None => return Ok(()),
                }
            }
            if &w != g {
                return Err(format!("bad {name}: expected: {w:?} actual: {g:?}"));
            }
            Ok(())
        }
        Val::Struct(fields) => check_struct(name, fields, want),
        Val::Addr(a) => {
            let Expr::Struct(f) = want else {
                return Err(format!("{name}: expected a sockaddr"));
            };
            for (k, v) in f {
                match (k.as_str(), v) {
                    (_, Expr::Ellipsis) => {}
                    ("sin_addr" | "sin6_addr", Expr::Addr(ip)) if *ip != a.ip() => {
                        return Err(format!("bad {name}: expected: {ip} actual: {}", a.ip()))
                    }
                    ("sin_port" | "sin6_port", Expr::Htons(p)) if *p != a.port() as i64 => {
                        return Err(format!(
                            "bad {name}: expected port {p} actual: {}",
                            a.port()
                        ))
                    }
                    ("sa_family", Expr::Word(fam)) => {
                        let ours = match a.ip() {
                            IpAddr::V4(_) => "AF_INET",
                            IpAddr::V6(_) => "AF_INET6",
                        };
                        if fam != ours {
                            return Err(format!("bad {name}: expected: {fam} actual: {ours}"));
                        }
                    }
                    _ => {}
                }
            }
            Ok(())
        }
    }
}

/// Compares a struct of ours with the script's `{name=value, ...}`.
pub(super) fn check_struct(
    what: &str,
    fields: &[(&'static str, Val)],
    want: &Expr,
) -> Result<(), String> {
    let Expr::Struct(w) = want else {
        if matches!(want, Expr::Ellipsis) {
            return Ok(());
        }
        return Err(format!(
            "{what}: expected a struct, found {}",
            super::expr_text(want)
        ));
    };
    for (k, v) in w {
        let Some((_, got)) = fields.iter().find(|(n, _)| n == k) else {
            return Err(format!("{what}: no field {k} in {what}"));
        };
        check(k, got, v)?;
    }
    Ok(())
}

/// A notification as FreeBSD queues it on the socket (RFC 6458 6.1).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Notification {
    /// Its length in bytes (what `recvmsg` returns; FreeBSD's struct sizes).
    pub(super) len: usize,
    /// Its fields by the script's names.
    pub(super) fields: Vec<(&'static str, Val)>,
}

impl Notification {
    fn new(names: [&'static str; 3], ty: &str, flags: i64, len: usize) -> Notification {
        Notification {
            len,
            fields: vec![
                (names[0], Val::Int(symbol(ty).expect("known type"))),
                (names[1], Val::Int(flags)),
                (names[2], Val::Int(len as i64)),
            ],
        }
    }

    fn with(mut self, name: &'static str, v: Val) -> Notification {
        self.fields.push((name, v));
        self
    }

    /// `SCTP_ASSOC_CHANGE` (6.1.1): 20 bytes and `sac_info`, the features
    /// on COMM_UP / RESTART, the ABORT chunk on COMM_LOST / CANT_STR_ASSOC
    /// (`sctp_notify_assoc_change`).
    pub(super) fn assoc_change(
        state: &str,
        error: u16,
        streams: (u16, u16),
        id: u32,
        info: Vec<u8>,
    ) -> Notification {
        let streams = if state == "SCTP_CANT_STR_ASSOC" {
            (0, 0)
        } else {
            streams
        };
        Notification::new(
            ["sac_type", "sac_flags", "sac_length"],
            "SCTP_ASSOC_CHANGE",
            0,
            20 + info.len(),
        )
        .with("sac_state", Val::Int(symbol(state).expect("state")))
        .with("sac_error", Val::Int(error as i64))
        .with("sac_outbound_streams", Val::Int(streams.0 as i64))
        .with("sac_inbound_streams", Val::Int(streams.1 as i64))
        .with("sac_assoc_id", Val::Int(id as i64))
        .with("sac_info", Val::Bytes(info))
    }

    /// `SCTP_PEER_ADDR_CHANGE` (6.1.2): 152 bytes (a `sockaddr_storage`).
    pub(super) fn peer_addr_change(addr: SocketAddr, state: &str, id: u32) -> Notification {
        Notification::new(
            ["spc_type", "spc_flags", "spc_length"],
            "SCTP_PEER_ADDR_CHANGE",
            0,
            152,
        )
        .with("spc_aaddr", Val::Addr(addr))
        .with("spc_state", Val::Int(symbol(state).expect("state")))
        .with("spc_error", Val::Int(0))
        .with("spc_assoc_id", Val::Int(id as i64))
    }

    /// `SCTP_REMOTE_ERROR` (6.1.3): FreeBSD's 20-byte struct (`sre_data[4]`
    /// counted) and the ERROR chunk; `sre_error` the first cause code
    /// (`sctp_notify_remote_error`).
    pub(super) fn remote_error(error: u16, id: u32, chunk: Vec<u8>) -> Notification {
        Notification::new(
            ["sre_type", "sre_flags", "sre_length"],
            "SCTP_REMOTE_ERROR",
            0,
            20 + chunk.len(),
        )
        .with("sre_error", Val::Int(error as i64))
        .with("sre_assoc_id", Val::Int(id as i64))
        .with("sre_data", Val::Bytes(chunk))
    }

    /// `SCTP_SEND_FAILED_EVENT` (6.1.11): FreeBSD's 32-byte struct and the
    /// data; `snd_flags` the chunk's flags when it was sent
    /// (`sctp_notify_send_failed`).
    pub(super) fn send_failed_event(f: &sctp_endpoint::FailedData, id: u32) -> Notification {
        Notification::new(
            ["ssfe_type", "ssfe_flags", "ssfe_length"],
            "SCTP_SEND_FAILED_EVENT",
            if f.sent { 2 } else { 1 },
            32 + f.data.len(),
        )
        .with("ssfe_error", Val::Int(0))
        .with(
            "ssfe_info",
            Val::Struct(vec![
                ("snd_sid", Val::Int(f.stream as i64)),
                ("snd_flags", Val::Int(f.flags as i64)),
                ("snd_ppid", Val::Int(f.ppid as i64)),
                ("snd_context", Val::Int(0)),
                ("snd_assoc_id", Val::Int(id as i64)),
            ]),
        )
        .with("ssfe_assoc_id", Val::Int(id as i64))
        .with("ssfe_data", Val::Bytes(f.data.clone()))
    }

    /// The deprecated `SCTP_SEND_FAILED` (6.1.4): 144 bytes (a padded
    /// `sctp_sndrcvinfo`) and the data.
    pub(super) fn send_failed(f: &sctp_endpoint::FailedData, id: u32) -> Notification {
        Notification::new(
            ["ssf_type", "ssf_flags", "ssf_length"],
            "SCTP_SEND_FAILED",
            if f.sent { 2 } else { 1 },
            144 + f.data.len(),
        )
        .with("ssf_error", Val::Int(0))
        .with(
            "ssf_info",
            Val::Struct(vec![
                ("sinfo_stream", Val::Int(f.stream as i64)),
                ("sinfo_ssn", Val::Int(0)),
                ("sinfo_flags", Val::Int(f.flags as i64)),
                ("sinfo_ppid", Val::Int(f.ppid as i64)),
                ("sinfo_context", Val::Int(0)),
                ("sinfo_timetolive", Val::Int(0)),
                ("sinfo_tsn", Val::Int(0)),
                ("sinfo_cumtsn", Val::Int(0)),
                ("sinfo_assoc_id", Val::Int(id as i64)),
            ]),
        )
        .with("ssf_assoc_id", Val::Int(id as i64))
        .with("ssf_data", Val::Bytes(f.data.clone()))
    }

    /// `SCTP_ADAPTATION_INDICATION` (6.1.6): 16 bytes.
    pub(super) fn adaptation(indication: u32, id: u32) -> Notification {
        Notification::new(
            ["sai_type", "sai_flags", "sai_length"],
            "SCTP_ADAPTATION_INDICATION",
            0,
            16,
        )
        .with("sai_adaptation_ind", Val::Int(indication as i64))
        .with("sai_assoc_id", Val::Int(id as i64))
    }

    /// `SCTP_SHUTDOWN_EVENT` (6.1.5): 12 bytes.
    pub(super) fn shutdown(id: u32) -> Notification {
        Notification::new(
            ["sse_type", "sse_flags", "sse_length"],
            "SCTP_SHUTDOWN_EVENT",
            0,
            12,
        )
        .with("sse_assoc_id", Val::Int(id as i64))
    }

    /// `SCTP_PARTIAL_DELIVERY_EVENT` (6.1.7) with
    /// `SCTP_PARTIAL_DELIVERY_ABORTED`: 24 bytes, the stream and sequence
    /// number of the message (FreeBSD's `struct sctp_pdapi_event`, built by
    /// `sctp_notify_partial_delivery_indication`).
    pub(super) fn pdapi_aborted(stream: u16, seq: u16, id: u32) -> Notification {
        Notification::new(
            ["pdapi_type", "pdapi_flags", "pdapi_length"],
            "SCTP_PARTIAL_DELIVERY_EVENT",
            0,
            24,
        )
        .with(
            "pdapi_indication",
            Val::Int(symbol("SCTP_PARTIAL_DELIVERY_ABORTED").expect("known")),
        )
        .with("pdapi_stream", Val::Int(stream as i64))
        .with("pdapi_seq", Val::Int(seq as i64))
        .with("pdapi_assoc_id", Val::Int(id as i64))
    }

    /// `SCTP_AUTHENTICATION_EVENT` (6.1.8) with `SCTP_AUTH_NO_AUTH`: the peer
    /// does not support SCTP-AUTH (FreeBSD tells at COMM_UP); 20 bytes.
    pub(super) fn no_auth(id: u32) -> Notification {
        Notification::new(
            ["auth_type", "auth_flags", "auth_length"],
            "SCTP_AUTHENTICATION_EVENT",
            0,
            20,
        )
        .with("auth_keynumber", Val::Int(0))
        .with("auth_indication", Val::Int(2))
        .with("auth_assoc_id", Val::Int(id as i64))
    }

    /// `SCTP_SENDER_DRY_EVENT` (6.1.9): 12 bytes.
    pub(super) fn sender_dry(id: u32) -> Notification {
        Notification::new(
            ["sender_dry_type", "sender_dry_flags", "sender_dry_length"],
            "SCTP_SENDER_DRY_EVENT",
            0,
            12,
        )
        .with("sender_dry_assoc_id", Val::Int(id as i64))
    }

    /// `SCTP_STREAM_RESET_EVENT` (RFC 6525 6.1.1): 12 bytes and 2 a stream.
    pub(super) fn stream_reset(flags: i64, id: u32, streams: &[u16]) -> Notification {
        Notification::new(
            ["strreset_type", "strreset_flags", "strreset_length"],
            "SCTP_STREAM_RESET_EVENT",
            flags,
            12 + 2 * streams.len(),
        )
        .with("strreset_assoc_id", Val::Int(id as i64))
        .with(
            "strreset_stream_list",
            Val::List(streams.iter().map(|s| *s as i64).collect()),
        )
    }

    /// `SCTP_ASSOC_RESET_EVENT` (RFC 6525 6.1.2): 20 bytes.
    pub(super) fn assoc_reset(
        flags: i64,
        id: u32,
        local_tsn: u32,
        remote_tsn: u32,
    ) -> Notification {
        Notification::new(
            ["assocreset_type", "assocreset_flags", "assocreset_length"],
            "SCTP_ASSOC_RESET_EVENT",
            flags,
            20,
        )
        .with("assocreset_assoc_id", Val::Int(id as i64))
        .with("assocreset_local_tsn", Val::Int(local_tsn as i64))
        .with("assocreset_remote_tsn", Val::Int(remote_tsn as i64))
    }

    /// `SCTP_STREAM_CHANGE_EVENT` (RFC 6525 6.1.3): 16 bytes.
    pub(super) fn stream_change(flags: i64, id: u32, streams: (u16, u16)) -> Notification {
        Notification::new(
            ["strchange_type", "strchange_flags", "strchange_length"],
            "SCTP_STREAM_CHANGE_EVENT",
            flags,
            16,
        )
        .with("strchange_assoc_id", Val::Int(id as i64))
        .with("strchange_instrms", Val::Int(streams.1 as i64))
        .with("strchange_outstrms", Val::Int(streams.0 as i64))
    }

    /// Checks the script's `iov_base={...}` against this notification.
    pub(super) fn check(&self, want: &Expr) -> Result<(), String> {
        check_struct("notification", &self.fields, want)
    }
}

/// What a read of a message can carry as ancillary data (RFC 6458 5.3).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct RcvMeta {
    /// Stream, SSN, PPID (wire value), TSN, cumulative TSN, unordered.
    pub(super) sid: u16,
    pub(super) ssn: u16,
    pub(super) ppid: u32,
    pub(super) tsn: u32,
    pub(super) cumtsn: u32,
    pub(super) unordered: bool,
    pub(super) assoc_id: u32,
}

impl RcvMeta {
    /// `struct sctp_rcvinfo` (5.3.5).
    pub(super) fn rcvinfo(&self) -> Vec<(&'static str, Val)> {
        vec![
            ("rcv_sid", Val::Int(self.sid as i64)),
            ("rcv_ssn", Val::Int(self.ssn as i64)),
            ("rcv_flags", Val::Int(self.flags())),
            ("rcv_ppid", Val::Int(self.ppid as i64)),
            ("rcv_tsn", Val::Int(self.tsn as i64)),
            ("rcv_cumtsn", Val::Int(self.cumtsn as i64)),
            ("rcv_context", Val::Int(0)),
            ("rcv_assoc_id", Val::Int(self.assoc_id as i64)),
        ]
    }

    /// `struct sctp_sndrcvinfo` (5.3.2); with `ext`, FreeBSD's
    /// `sctp_extrcvinfo` and `next` the next message's (length, flags,
    /// stream, ppid) if one is queued.
    pub(super) fn sndrcvinfo(
        &self,
        ext: bool,
        next: Option<(usize, i64, u16, u32)>,
    ) -> Vec<(&'static str, Val)> {
        let mut v = vec![
            ("sinfo_stream", Val::Int(self.sid as i64)),
            ("sinfo_ssn", Val::Int(self.ssn as i64)),
            ("sinfo_flags", Val::Int(self.flags())),
            ("sinfo_ppid", Val::Int(self.ppid as i64)),
            ("sinfo_context", Val::Int(0)),
            ("sinfo_timetolive", Val::Int(0)),
            ("sinfo_pr_value", Val::Int(0)),
            ("sinfo_tsn", Val::Int(self.tsn as i64)),
            ("sinfo_cumtsn", Val::Int(self.cumtsn as i64)),
            ("sinfo_assoc_id", Val::Int(self.assoc_id as i64)),
        ];
        if ext {
            let (len, nxt_flags, sid, ppid) = next.unwrap_or_default();
            // The SCTP_NXTINFO flags in FreeBSD's serinfo_next_flags bits.
            let mut flags = 0;
            if next.is_some() {
                flags |= 0x0001;
                if nxt_flags & 0x0020 != 0 {
                    flags |= 0x0002;
                }
                if nxt_flags & 0x0400 != 0 {
                    flags |= 0x0004;
                }
                if nxt_flags & 0x0010 != 0 {
                    flags |= 0x0008;
                }
            }
            v.push(("serinfo_next_flags", Val::Int(flags)));
            v.push(("serinfo_next_stream", Val::Int(sid as i64)));
            v.push((
                "serinfo_next_aid",
                Val::Int(if next.is_some() {
                    self.assoc_id as i64
                } else {
                    0
                }),
            ));
            v.push(("serinfo_next_length", Val::Int(len as i64)));
            v.push(("serinfo_next_ppid", Val::Int(ppid as i64)));
        }
        v
    }

    fn flags(&self) -> i64 {
        if self.unordered {
            0x0400
        } else {
            0
        }
    }
}

/// `struct sctp_nxtinfo` (5.3.6) of the message after the one read: its
/// length, flags (`SCTP_UNORDERED`, `SCTP_COMPLETE`, `SCTP_NOTIFICATION`),
/// stream and PPID.
pub(super) fn nxtinfo(
    len: usize,
    flags: i64,
    sid: u16,
    ppid: u32,
    assoc_id: u32,
) -> Vec<(&'static str, Val)> {
    vec![
        ("nxt_sid", Val::Int(sid as i64)),
        ("nxt_flags", Val::Int(flags)),
        ("nxt_ppid", Val::Int(ppid as i64)),
        ("nxt_length", Val::Int(len as i64)),
        ("nxt_assoc_id", Val::Int(assoc_id as i64)),
    ]
}

/// One control message of a read: FreeBSD's `cmsg_len` (a 12-byte header
/// and the struct), type and fields.
#[derive(Debug, Clone)]
pub(super) struct Cmsg {
    pub(super) len: usize,
    pub(super) ty: &'static str,
    pub(super) data: Vec<(&'static str, Val)>,
}

/// Checks the script's `msg_control` list against ours.
pub(super) fn check_cmsgs(got: &[Cmsg], want: &Expr) -> Result<(), String> {
    let Expr::List(w) = want else {
        return Ok(());
    };
    if w.len() != got.len() {
        let ours: Vec<&str> = got.iter().map(|c| c.ty).collect();
        return Err(format!(
            "bad msg_control: expected {} control messages, got {} {ours:?}",
            w.len(),
            got.len()
        ));
    }
    for (c, e) in got.iter().zip(w) {
        let Expr::Struct(f) = e else {
            continue;
        };
        for (k, v) in f {
            match k.as_str() {
                "cmsg_len" => check("cmsg_len", &Val::Int(c.len as i64), v)?,
                "cmsg_level" => check("cmsg_level", &Val::Int(132), v)?,
                "cmsg_type" => check("cmsg_type", &Val::Int(symbol(c.ty).expect("cmsg type")), v)?,
                "cmsg_data" => check_struct(c.ty, &c.data, v)?,
                other => return Err(format!("unknown cmsghdr field {other}")),
            }
        }
    }
    Ok(())
}
