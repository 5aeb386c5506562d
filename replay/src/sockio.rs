//! The message calls with ancillary data (RFC 6458): `recvmsg` and
//! `sctp_recvv` (9.13) deliver data and, per the `SCTP_EVENT`
//! subscriptions, notifications in the order they happened, with
//! `SCTP_RCVINFO` / `SCTP_NXTINFO` / `SCTP_SNDRCV` / `SCTP_EXTRCV` as the
//! socket options ask; `sendmsg` (with `SCTP_SNDINFO`, `SCTP_SNDRCV`,
//! `SCTP_PRINFO`, `SCTP_AUTHINFO`, `SCTP_DSTADDRV4/6` cmsgs), `sctp_send`
//! (9.8) and `sctp_sendx` (9.9) send. The endpoint's events become the
//! notifications FreeBSD queues (`notify.rs`).

use sctp_endpoint::SendOptions;
use sctp_endpoint::{AssocChange, AssocId, Event, Message, PrPolicy, Reason, ReconfigResult};

use super::notify::{self, Cmsg, Notification, RcvMeta, Val};
use super::{expr_text, field, int, syscall_text, words, Ret, Runner, Step};
use crate::ast::{Expr, SyscallLine};

/// What a socket has to read: a message or a notification.
#[derive(Debug, Clone)]
pub(super) enum Rx {
    /// User data (RFC 6458 5.3.5 says what goes with it).
    Data(Message),
    /// A notification (`MSG_NOTIFICATION`, 6.1).
    Note(Notification),
}

impl Rx {
    /// The bytes a read returns.
    pub(super) fn len(&self) -> usize {
        match self {
            Rx::Data(m) => m.data.len(),
            Rx::Note(n) => n.len,
        }
    }
}

/// FreeBSD's `MSG_EOR` and `MSG_NOTIFICATION`.
const MSG_EOR: i64 = 0x8;
const MSG_NOTIFICATION: i64 = 0x2000;

fn flag_bits(result: ReconfigResult) -> i64 {
    match result {
        ReconfigResult::Performed | ReconfigResult::NothingToDo | ReconfigResult::InProgress => 0,
        ReconfigResult::Denied => 0x0004,
        _ => 0x0008,
    }
}

impl Runner {
    /// FreeBSD's association identifier of `id` (`sctp_get_associd`): the
    /// socket's counter starts above `SCTP_ALL_ASSOC` (2), so a socket's
    /// first association is 3.
    pub(super) fn sctp_assoc_id(&mut self, id: AssocId) -> u32 {
        if let Some(n) = self.assocs.get(&id).and_then(|a| a.sctp_id) {
            return n;
        }
        self.next_sctp_id = self.next_sctp_id.max(3);
        let n = self.next_sctp_id;
        self.next_sctp_id += 1;
        self.assocs.entry(id).or_default().sctp_id = Some(n);
        n
    }

    fn queue_note(&mut self, id: AssocId, n: Notification) {
        self.assocs.entry(id).or_default().rx.push_back(Rx::Note(n));
    }

    /// The notifications FreeBSD queues for an endpoint event, when the
    /// socket subscribed to them (RFC 6458 6.1; `sctp_ulp_notify`).
    pub(super) fn notify_event(&mut self, e: &Event) {
        let ev = self.opts.events;
        // FreeBSD reports the association's stream counts in every
        // SCTP_ASSOC_CHANGE but CANT_STR_ASSOC; the endpoint gives them
        // with COMM_UP and RESTART.
        let mut e = e.clone();
        if let Event::AssocChange {
            id,
            change,
            streams,
            ..
        } = &mut e
        {
            let a = self.assocs.entry(*id).or_default();
            match change {
                AssocChange::CommUp | AssocChange::Restart => a.streams = *streams,
                _ => *streams = a.streams,
            }
        }
        let e = &e;
        match e {
            Event::AssocChange {
                id,
                change,
                streams,
                reason,
            } if ev.assoc_change || (ev.authentication && *change == AssocChange::CommUp) => {
                let aid = self.sctp_assoc_id(*id);
                let st = self.ep.as_ref().and_then(|ep| ep.status(*id));
                let (state, info) = match change {
                    AssocChange::CommUp | AssocChange::Restart => {
                        let mut f = Vec::new();
                        if let Some(st) = &st {
                            if st.pr_sctp {
                                f.push(1);
                            }
                            if st.auth.is_some() {
                                f.push(2);
                            }
                            if st.asconf {
                                f.push(3);
                            }
                            if st.i_data {
                                f.push(6);
                            }
                            f.push(4);
                            if st.reconfig {
                                f.push(5);
                            }
                        }
                        let s = if *change == AssocChange::CommUp {
                            "SCTP_COMM_UP"
                        } else {
                            "SCTP_RESTART"
                        };
                        (s, f)
                    }
                    AssocChange::ShutdownComplete => ("SCTP_SHUTDOWN_COMP", Vec::new()),
                    AssocChange::CommLost => ("SCTP_COMM_LOST", Vec::new()),
                    AssocChange::CantStartAssoc => ("SCTP_CANT_STR_ASSOC", Vec::new()),
                };
                let error = match reason {
                    Some(Reason::PeerAbort(causes)) => causes.first().copied().unwrap_or(0),
                    _ => 0,
                };
                if ev.assoc_change {
                    self.queue_note(
                        *id,
                        Notification::assoc_change(state, error, *streams, aid, info),
                    );
                }
                if ev.authentication
                    && *change == AssocChange::CommUp
                    && st.is_some_and(|s| s.auth.is_none())
                {
                    self.queue_note(*id, Notification::no_auth(aid));
                }
            }
            Event::PeerAddrChange {
                id,
                addr,
                available,
            } if ev.peer_addr_change => {
                let aid = self.sctp_assoc_id(*id);
                let state = if *available {
                    "SCTP_ADDR_AVAILABLE"
                } else {
                    "SCTP_ADDR_UNREACHABLE"
                };
                let addr = std::net::SocketAddr::new(addr.ip(), super::PORT);
                self.queue_note(*id, Notification::peer_addr_change(addr, state, aid));
            }
            Event::RemoteError { id, causes, chunk } if ev.remote_error => {
                let aid = self.sctp_assoc_id(*id);
                let error = causes.first().copied().unwrap_or(0);
                self.queue_note(*id, Notification::remote_error(error, aid, chunk.clone()));
            }
            Event::SendFailed { id, failed, .. } if ev.send_failed || ev.send_failed_event => {
                let aid = self.sctp_assoc_id(*id);
                for f in failed {
                    if ev.send_failed_event {
                        self.queue_note(*id, Notification::send_failed_event(f, aid));
                    } else {
                        self.queue_note(*id, Notification::send_failed(f, aid));
                    }
                }
            }
            Event::Adaptation { id, indication } if ev.adaptation => {
                let aid = self.sctp_assoc_id(*id);
                self.queue_note(*id, Notification::adaptation(*indication, aid));
            }
            Event::ShutdownEvent { id } if ev.shutdown => {
                let aid = self.sctp_assoc_id(*id);
                self.queue_note(*id, Notification::shutdown(aid));
            }
            Event::PartialDeliveryAborted {
                id, stream, ssn, ..
            } if ev.partial_delivery => {
                let aid = self.sctp_assoc_id(*id);
                self.queue_note(*id, Notification::pdapi_aborted(*stream, *ssn, aid));
            }
            Event::SenderDry { id } if ev.sender_dry => {
                let aid = self.sctp_assoc_id(*id);
                self.queue_note(*id, Notification::sender_dry(aid));
            }
            Event::StreamReset {
                id,
                outgoing,
                streams,
                result,
            } if ev.stream_reset => {
                let aid = self.sctp_assoc_id(*id);
                let flags = if *outgoing { 0x0002 } else { 0x0001 } | flag_bits(*result);
                self.queue_note(*id, Notification::stream_reset(flags, aid, streams));
            }
            Event::StreamChange {
                id,
                streams,
                result,
            } if ev.stream_change => {
                let aid = self.sctp_assoc_id(*id);
                self.queue_note(
                    *id,
                    Notification::stream_change(flag_bits(*result), aid, *streams),
                );
            }
            Event::AssocReset {
                id,
                local_tsn,
                remote_tsn,
                result,
            } if ev.assoc_reset => {
                let aid = self.sctp_assoc_id(*id);
                // Our TSNs in the script's numbering (the peer's are as
                // written). FreeBSD reports `mapping_array_base_tsn + 1`
                // as the remote TSN, one above the peer's next TSN
                // (`sctp_notify_stream_reset_tsn`).
                let remote_tsn = remote_tsn.wrapping_add(1);
                let local_tsn = local_tsn
                    .wrapping_add(self.map.script_local_tsn)
                    .wrapping_sub(self.map.live_local_tsn);
                self.queue_note(
                    *id,
                    Notification::assoc_reset(flag_bits(*result), aid, local_tsn, remote_tsn),
                );
            }
            _ => {}
        }
    }

    /// A subscription was just switched on: FreeBSD tells an idle sender
    /// at once that it is dry (`sctp_setopt` `SCTP_EVENT` and, on a
    /// one-to-one socket, `SCTP_EVENTS`; RFC 6458 6.1.9).
    pub(super) fn subscribed(&mut self, fd: i32, name: &str) {
        if name != "SCTP_SENDER_DRY_EVENT" {
            return;
        }
        let Some(id) = self.assoc_of(fd) else { return };
        // Whatever the association's state: FreeBSD looks at its queues
        // only.
        let idle = self
            .ep
            .as_ref()
            .and_then(|ep| ep.status(id))
            .is_some_and(|st| st.queued == 0 && st.outstanding == 0);
        if idle {
            let aid = self.sctp_assoc_id(id);
            self.queue_note(id, Notification::sender_dry(aid));
        }
    }

    /// `recvmsg(fd, msghdr, flags)` and `sctp_recvv(fd, iov, iovcnt, from,
    /// fromlen, info, infolen, infotype, flags)` (RFC 6458 9.13).
    pub(super) fn recv_call(&mut self, s: &SyscallLine, limit: i64) -> Step {
        let fd = self.fd_arg(s, 0)?;
        let recvv = s.name == "sctp_recvv";
        let iov = if recvv {
            s.args.get(1)
        } else {
            match s.args.get(1) {
                Some(Expr::Struct(f)) => field(f, "msg_iov"),
                _ => return Err("recvmsg: the second argument must be a msghdr".into()),
            }
        };
        let iovs: Vec<&Vec<(String, Expr)>> = match iov {
            Some(Expr::List(l)) => l
                .iter()
                .filter_map(|e| match e {
                    Expr::Struct(f) => Some(f),
                    _ => None,
                })
                .collect(),
            _ => return Err(format!("{}: the iov must be a list", s.name)),
        };
        let cap: usize = iovs
            .iter()
            .map(|f| field(f, "iov_len").and_then(int).unwrap_or(0).max(0) as usize)
            .sum();
        let ready = |r: &Runner| match r.assoc_of(fd) {
            Some(id) => r
                .assocs
                .get(&id)
                .is_some_and(|a| !a.rx.is_empty() || a.peer_shutdown || a.ended.is_some()),
            None => true,
        };
        if !ready(self) && !self.socks[&fd].nonblocking {
            self.block_until(limit, s.name.as_str(), ready)?;
        }
        let Some(id) = self.assoc_of(fd) else {
            return self.recv_result(s, Ret::Err("ENOTCONN"));
        };
        let aid = self.sctp_assoc_id(id);
        // SCTP_RECVRCVINFO, SCTP_RECVNXTINFO, SCTP_USE_EXT_RCVINFO
        // (sockopt.rs).
        let ev = self.opts.events;
        let (rcvinfo, nxtinfo, ext_rcvinfo) = (
            self.opts.recvrcvinfo,
            self.opts.recvnxtinfo,
            self.opts.ext_rcvinfo,
        );
        let cumtsn = self
            .ep
            .as_ref()
            .and_then(|ep| ep.status(id))
            .map_or(0, |st| st.peer_cum_tsn);
        let a = self.assocs.entry(id).or_default();
        let Some(front) = a.rx.front().cloned() else {
            let ret =
                if matches!(a.ended, Some(Some(Reason::PeerAbort(_)))) && !a.read_error_reported {
                    a.read_error_reported = true;
                    a.so_error = None;
                    Ret::Err("ECONNRESET")
                } else if a.peer_shutdown || a.ended.is_some() {
                    Ret::Ok(0)
                } else if self.socks[&fd].nonblocking {
                    Ret::Err("EAGAIN")
                } else {
                    return Err(format!("{} blocks and nothing would wake it", s.name));
                };
            return self.recv_result(s, ret);
        };
        // Take the bytes.
        let avail = front.len() - a.offset;
        let n = avail.min(cap);
        a.offset += n;
        let whole = a.offset >= front.len();
        let mut flags = 0;
        let mut cmsgs = Vec::new();
        let mut info: Option<(i64, Vec<(&'static str, Val)>)> = None;
        if whole {
            a.rx.pop_front();
            a.offset = 0;
        }
        let next = a.rx.front().map(|r| match r {
            Rx::Data(m) => (
                m.data.len(),
                if m.unordered { 0x0400 } else { 0 } | if m.complete { 0x0020 } else { 0 },
                m.stream,
                m.ppid,
            ),
            Rx::Note(n) => (n.len, 0x0010 | 0x0020, 0, 0),
        });
        match &front {
            Rx::Note(note) => {
                flags |= MSG_NOTIFICATION;
                if whole {
                    flags |= MSG_EOR;
                }
                if let Some(want) = iovs.first().and_then(|f| field(f, "iov_base")) {
                    note.check(want)?;
                }
            }
            Rx::Data(m) => {
                if whole && m.complete {
                    flags |= MSG_EOR;
                }
                let meta = RcvMeta {
                    sid: m.stream,
                    ssn: m.ssn,
                    ppid: m.ppid,
                    tsn: m.tsn,
                    cumtsn,
                    unordered: m.unordered,
                    assoc_id: aid,
                };
                let nxt = next.map(|(len, fl, sid, ppid)| notify::nxtinfo(len, fl, sid, ppid, aid));
                if rcvinfo {
                    cmsgs.push(Cmsg {
                        len: 12 + 28,
                        ty: "SCTP_RCVINFO",
                        data: meta.rcvinfo(),
                    });
                }
                if nxtinfo {
                    if let Some(nx) = &nxt {
                        cmsgs.push(Cmsg {
                            len: 12 + 16,
                            ty: "SCTP_NXTINFO",
                            data: nx.clone(),
                        });
                    }
                }
                if ev.data_io {
                    if ext_rcvinfo {
                        cmsgs.push(Cmsg {
                            len: 12 + 128,
                            ty: "SCTP_EXTRCV",
                            data: meta.sndrcvinfo(true, next),
                        });
                    } else {
                        // FreeBSD's sctp_sndrcvinfo is padded to 128 bytes
                        // (`__reserve_pad`), as its sctp_extrcvinfo.
                        cmsgs.push(Cmsg {
                            len: 12 + 128,
                            ty: "SCTP_SNDRCV",
                            data: meta.sndrcvinfo(false, None),
                        });
                    }
                }
                // sctp_recvv's info (9.13): both when both are asked for
                // and a next message is known, else what is available.
                info = match (rcvinfo, nxtinfo, nxt) {
                    (true, true, Some(nx)) => Some((
                        3,
                        vec![
                            ("recvv_rcvinfo", Val::Struct(meta.rcvinfo())),
                            ("recvv_nxtinfo", Val::Struct(nx)),
                        ],
                    )),
                    (true, _, _) => Some((1, meta.rcvinfo())),
                    (false, true, Some(nx)) => Some((2, nx)),
                    _ => None,
                };
            }
        }
        if recvv {
            // libc's sctp_recvv: no info without a buffer; both only when
            // they fit (`*infolen` >= 44), else the receive info (28),
            // else the next info (16).
            let room = match s.args.get(6) {
                Some(Expr::List(l)) => l.first().and_then(int).unwrap_or(0),
                Some(e) => int(e).unwrap_or(0),
                None => 0,
            };
            let no_buffer = matches!(s.args.get(5), Some(Expr::Null) | None);
            info = match info {
                _ if no_buffer => None,
                Some((3, _)) if room >= 44 => info,
                Some((3, f)) if room >= 28 => match &f[0].1 {
                    Val::Struct(r) => Some((1, r.clone())),
                    _ => None,
                },
                Some((1, _)) if room >= 28 => info,
                Some((2, _)) if room >= 16 => info,
                _ => None,
            };
            // info, infolen, infotype, flags.
            if let Some(want) = s.args.get(5) {
                match (&info, want) {
                    (_, Expr::Null | Expr::Ellipsis) => {}
                    (Some((_, fields)), w) => notify::check_struct("info", fields, w)?,
                    (None, w) => {
                        return Err(format!(
                            "expected {} got no info (infotype SCTP_RECVV_NOINFO), not {}",
                            syscall_text(s),
                            expr_text(w)
                        ))
                    }
                }
            }
            let (ty, len) = match &info {
                Some((1, _)) => (1, 28),
                Some((2, _)) => (2, 16),
                Some((t, _)) => (*t, 44),
                None => (0, 0),
            };
            if let Some(Expr::List(l)) = s.args.get(6) {
                if let Some(w) = l.first() {
                    notify::check("infolen", &Val::Int(len), w)?;
                }
            }
            if let Some(Expr::List(l)) = s.args.get(7) {
                if let Some(w) = l.first() {
                    notify::check("infotype", &Val::Int(ty), w)?;
                }
            }
            if let Some(Expr::List(l)) = s.args.get(8) {
                if let Some(w) = l.first() {
                    notify::check("msg_flags", &Val::Int(flags), w)?;
                }
            }
        } else if let Some(Expr::Struct(f)) = s.args.get(1) {
            if let Some(w) = field(f, "msg_control") {
                notify::check_cmsgs(&cmsgs, w)?;
            }
            if let Some(w) = field(f, "msg_flags") {
                notify::check("msg_flags", &Val::Int(flags), w)?;
            }
        }
        self.recv_result(s, Ret::Ok(n as i64))
    }

    fn recv_result(&self, s: &SyscallLine, ret: Ret) -> Step {
        let Some(expected) = int(&s.result) else {
            if matches!(s.result, Expr::Ellipsis) {
                return Ok(());
            }
            return Err(format!("{}: the result must be a number", s.name));
        };
        let ok = match &ret {
            Ret::Ok(n) => *n == expected && s.errno.is_none(),
            Ret::Err(e) => {
                expected == -1 && s.errno.as_deref().is_none_or(|w| super::errno_same(w, e))
            }
        };
        if !ok {
            return Err(format!("expected {} got {}", syscall_text(s), ret.text()));
        }
        Ok(())
    }

    /// `sctp_getpaddrs(fd, id, addrs)` / `sctp_getladdrs(fd, id, addrs)`
    /// (RFC 6458 9.3, 9.5): the number of the peer's / our addresses of
    /// the association, each checked against the script's list; and their
    /// `sctp_freepaddrs` / `sctp_freeladdrs` (0).
    pub(super) fn addrs_call(&mut self, s: &SyscallLine) -> Result<Ret, String> {
        if matches!(s.name.as_str(), "sctp_freepaddrs" | "sctp_freeladdrs") {
            return Ok(Ret::Ok(0));
        }
        let fd = self.fd_arg(s, 0)?;
        let Some(id) = self.assoc_of(fd) else {
            return Ok(Ret::Err("ENOTCONN"));
        };
        let Some(st) = self.ep.as_ref().and_then(|ep| ep.status(id)) else {
            return Ok(Ret::Err("ENOTCONN"));
        };
        let peer_port = if self.active {
            super::PORT
        } else {
            super::EPHEMERAL_PORT
        };
        let port = self.socks[&fd].port;
        let addrs: Vec<std::net::SocketAddr> = if s.name == "sctp_getpaddrs" {
            st.peer_addrs
                .iter()
                .map(|a| std::net::SocketAddr::new(a.ip(), peer_port))
                .collect()
        } else {
            st.local_addrs
                .iter()
                .map(|ip| std::net::SocketAddr::new(*ip, port))
                .collect()
        };
        if let Some(Expr::List(w)) = s.args.get(2) {
            if !matches!(w.as_slice(), [Expr::Ellipsis]) {
                if w.len() != addrs.len() {
                    return Err(format!(
                        "expected {} got {} addresses {addrs:?}",
                        syscall_text(s),
                        addrs.len()
                    ));
                }
                for (a, e) in addrs.iter().zip(w) {
                    notify::check("address", &Val::Addr(*a), e)?;
                }
            }
        }
        Ok(Ret::Ok(addrs.len() as i64))
    }

    /// A send on a socket that is neither connected nor listening sets the
    /// association up (RFC 6458 3.1.5, FreeBSD's `sctp_lower_sosend`), with
    /// the `SCTP_INIT` cmsg's values (5.3.1): `sinit_max_attempts` and
    /// `sinit_num_ostreams` when it asks for more streams than the default
    /// (FreeBSD only ever grows `pre_open_streams`).
    fn implicit_setup(&mut self, fd: i32, init: Option<&Expr>) -> Result<(), String> {
        if let Some(Expr::Struct(f)) = init {
            let get = |n: &str| field(f, n).and_then(int).filter(|v| *v > 0);
            if let Some(a) = get("sinit_max_attempts") {
                self.set_cfg("SCTP_INIT sinit_max_attempts", |c| {
                    c.max_init_retrans = a as u32
                });
            }
            if let Some(n) = get("sinit_num_ostreams") {
                if n as u16 > self.cfg.outbound_streams {
                    self.ostreams = Some(n as u16);
                }
            }
            if let Some(n) = get("sinit_max_instreams") {
                self.set_cfg("SCTP_INIT sinit_max_instreams", |c| {
                    c.max_inbound_streams = n as u16
                });
            }
        }
        self.start_assoc(fd, false)?;
        Ok(())
    }

    /// `sendmsg(fd, msghdr, flags)`, `sctp_send(fd, msg, len, sinfo,
    /// flags)` (RFC 6458 9.8) and `sctp_sendx(fd, msg, len, addrs, addrcnt,
    /// sinfo, flags)` (9.9).
    pub(super) fn send_call(&mut self, s: &SyscallLine, limit: i64) -> Result<Ret, String> {
        let fd = self.fd_arg(s, 0)?;
        let (len, snd, sndrcv, pr) = match s.name.as_str() {
            "sendmsg" => {
                let Some(Expr::Struct(f)) = s.args.get(1) else {
                    return Err("sendmsg: the second argument must be a msghdr".into());
                };
                let len: i64 = match field(f, "msg_iov") {
                    Some(Expr::List(l)) => l
                        .iter()
                        .map(|e| match e {
                            Expr::Struct(f) => field(f, "iov_len").and_then(int).unwrap_or(0),
                            _ => 0,
                        })
                        .sum(),
                    _ => return Err("sendmsg: msg_iov must be a list".into()),
                };
                let (mut snd, mut sndrcv, mut pr) = (None::<&Expr>, None::<&Expr>, None);
                let mut init = None::<&Expr>;
                if let Some(Expr::List(c)) = field(f, "msg_control") {
                    for m in c {
                        let Expr::Struct(cf) = m else { continue };
                        let mut ty = Vec::new();
                        if let Some(t) = field(cf, "cmsg_type") {
                            words(t, &mut ty);
                        }
                        let data = field(cf, "cmsg_data");
                        match ty.first().map(String::as_str) {
                            // sctp_find_cmsg: the last of them wins.
                            Some("SCTP_SNDINFO") => {
                                snd = data;
                                sndrcv = None;
                            }
                            Some("SCTP_SNDRCV") => {
                                sndrcv = data;
                                snd = None;
                            }
                            Some("SCTP_PRINFO") => pr = data,
                            Some("SCTP_AUTHINFO" | "SCTP_DSTADDRV4" | "SCTP_DSTADDRV6") => {}
                            // Used only when the send sets the association
                            // up (below); ignored on a connected socket.
                            Some("SCTP_INIT") => init = data,
                            other => {
                                return Err(format!("sendmsg: unsupported cmsg type {other:?}"))
                            }
                        }
                    }
                }
                if self.assoc_of(fd).is_none()
                    && matches!(self.socks[&fd].kind, super::SockKind::Fresh)
                {
                    self.implicit_setup(fd, init)?;
                }
                (len, snd, sndrcv, pr)
            }
            "sctp_send" | "sctp_sendx" => {
                let len = s
                    .args
                    .get(2)
                    .and_then(int)
                    .ok_or_else(|| format!("{}: the length must be a number", s.name))?;
                let k = if s.name == "sctp_send" { 3 } else { 5 };
                (len, None, s.args.get(k), None)
            }
            _ => unreachable!("send_call"),
        };
        let ppid_of = |e: Option<&Expr>| match e {
            Some(Expr::Htonl(n)) => *n as u32,
            Some(Expr::Int(n)) => (*n as u32).swap_bytes(),
            _ => 0,
        };
        let unordered_of = |e: Option<&Expr>| {
            let mut fl = Vec::new();
            if let Some(v) = e {
                words(v, &mut fl);
            }
            fl.iter().any(|x| x == "SCTP_UNORDERED")
                || e.and_then(int).is_some_and(|n| n & 0x0400 != 0)
        };
        let (mut stream, mut ppid, mut unordered) = (0u16, 0u32, false);
        if let Some(Expr::Struct(f)) = snd {
            stream = field(f, "snd_sid").and_then(int).unwrap_or(0) as u16;
            ppid = ppid_of(field(f, "snd_ppid"));
            unordered = unordered_of(field(f, "snd_flags"));
        } else if let Some(Expr::Struct(f)) = sndrcv {
            stream = field(f, "sinfo_stream").and_then(int).unwrap_or(0) as u16;
            ppid = ppid_of(field(f, "sinfo_ppid"));
            unordered = unordered_of(field(f, "sinfo_flags"));
        }
        let pr = if pr.is_some() {
            super::ext_opts::prinfo(pr)
        } else {
            PrPolicy::Reliable
        };
        self.write(fd, len, stream, ppid, SendOptions { unordered, pr }, limit)
    }
}
