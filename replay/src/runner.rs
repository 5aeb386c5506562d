//! Runs a parsed script against [`sctp_endpoint::Endpoint`] in memory, on a
//! virtual clock, with packetdrill's semantics (`run.c`, `run_packet.c`,
//! `run_system_call.c`):
//!
//! - times: `+d` counts from when the previous event finished, `t` from the
//!   start, `*` is any time (outbound packets); an event is on time within
//!   `max(tolerance_usecs, tolerance_percent x time since the previous
//!   event)` (defaults 4000 us and 5 % as on FreeBSD, 12.5 % with `Linux`
//!   defined);
//! - `<` packets are built from the script and injected; `>` lines take the
//!   next packet the endpoint sent (in order, as packetdrill's sniffer does),
//!   waiting on the virtual clock while the endpoint's timers run, and check
//!   every field the script gives;
//! - tags and TSNs the script writes are its own names for the live ones:
//!   our Initiate Tag and initial TSN are learned from the first INIT (or
//!   INIT ACK) we send and mapped to the script's; the peer's are taken as
//!   the script writes them. The verification tag of an injected packet is
//!   our tag (the peer's for ABORT/SHUTDOWN COMPLETE with the T bit, 0 with
//!   INIT), or `sctp(tag=N)` mapped the same way.
//! - socket calls map onto the endpoint's API (see `syscall`).

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use sctp_codec::chunk::ty;
use sctp_codec::{ChecksumAlgorithm, CommonHeader, PacketView, PacketWriter, Rules};
use sctp_endpoint::{
    AssocChange, AssocId, Config, ConnectOptions, Endpoint, Event, PrPolicy, Reason, SendError,
    SendOptions, State,
};

use crate::ast::{Action, Chunks, Expr, PacketLine, Script, SyscallLine, Time};
use crate::lexer::{Pos, SyntaxError};
use crate::spec::{self, Chunk, ChunkSpec, OutMap};

#[path = "runner_ext.rs"]
mod ext_opts;
#[path = "notify.rs"]
mod notify;
#[path = "sockio.rs"]
mod sockio;
#[path = "sockopt.rs"]
mod sockopt;

/// packetdrill's local address (`DEFAULT_V4_LIVE_LOCAL_IP_STRING`).
pub const LOCAL_IP: Ipv4Addr = Ipv4Addr::new(192, 168, 0, 1);
/// packetdrill's remote address (`DEFAULT_V4_LIVE_REMOTE_IP_STRING`).
pub const REMOTE_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
/// The peer's second address: `sctp_connectx(fd, ..., ...)` associates to
/// [`REMOTE_IP`] and this one (packetdrill has a single remote address; the
/// ETSI test purpose of sctp-as-i-1-15 needs two, RFC 9260 6.4). Packets
/// to it are checked only by `>` lines that name their addresses
/// (`> 192.168.0.1 > 192.0.2.2 sctp: ...`).
pub const REMOTE_IP2: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
/// packetdrill's bind and connect port (`live_bind_port`, `live_connect_port`).
pub const PORT: u16 = 8080;
/// The remote port of a passively opened association (packetdrill takes an
/// ephemeral port from the OS; we take the first of the dynamic range).
pub const EPHEMERAL_PORT: u16 = 49152;
/// How far the clock runs looking for a `*` packet or a blocked call.
const HORIZON_US: i64 = 600_000_000;
/// The MTU of packetdrill's tun device, minus the IPv4 header.
const MAX_PACKET: usize = 1500 - 20;

/// How to run scripts.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Names `#ifdef` tests (default `FreeBSD`, as nplab's packetdrill runs
    /// these scripts).
    pub defines: Vec<String>,
    /// Every extension the endpoint has switched on (`--all-extensions`):
    /// what a script sees must not change when the peer it plays does not
    /// negotiate them (issue 17: the ETSI scripts still pass).
    pub all_extensions: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            defines: vec!["FreeBSD".into()],
            all_extensions: false,
        }
    }
}

/// `cfg` with every extension of the endpoint on and offered: AUTH (RFC
/// 4895, ASCONF and ASCONF-ACK authenticated as RFC 5061 4.1 requires),
/// PR-SCTP (RFC 3758), ASCONF (RFC 5061), RE-CONFIG (RFC 6525), I-DATA
/// interleaving (RFC 8260), NR-SACK, ECN (RFC 9260 Appendix A), zero
/// checksum (RFC 9653, EDMID 1), SACK-IMMEDIATELY (RFC 7053), PKTDROP and
/// NAT support (draft-ietf-tsvwg-natsupp).
pub fn with_all_extensions(cfg: Config) -> Config {
    Config {
        auth: true,
        auth_chunks: vec![0xc1, 0x80],
        pr_sctp: true,
        asconf: true,
        reconfig: true,
        interleaving: true,
        nr_sack: true,
        ecn: true,
        zero_checksum_edmid: Some(1),
        sack_immediately: true,
        pktdrop: true,
        nat_support: true,
        ..cfg
    }
}

/// How a script ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every event happened as the script says.
    Pass,
    /// The script failed at `line`.
    Fail {
        /// The line of the event that failed.
        line: usize,
        /// What was expected and what happened.
        message: String,
    },
}

/// The result of one script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Pass or fail.
    pub outcome: Outcome,
    /// Things the runner could not map onto the endpoint (missing APIs).
    pub warnings: Vec<String>,
}

/// Parses and runs a script.
pub fn run_text(text: &str, opts: &RunOptions) -> Result<Report, SyntaxError> {
    let script = crate::ast::parse(text, &opts.defines)?;
    let mut prepared = prepare(&script)?;
    for chunks in prepared.iter_mut().flatten() {
        for c in chunks.iter_mut() {
            if let Some(t) = source_span(text, c.pos) {
                c.text = t;
            }
        }
    }
    Ok(Runner::new(opts, &script)?.run(&script, &prepared))
}

/// The text of the `NAME[...]` item starting at `pos`, whitespace squeezed.
fn source_span(text: &str, pos: Pos) -> Option<String> {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(pos.line - 1)
        .map(str::len)
        .sum();
    let rest = &text[line_start..];
    let start = rest.char_indices().nth(pos.col - 1)?.0;
    let mut depth = 0usize;
    let mut out = String::new();
    let mut in_comment = false;
    let mut prev_space = false;
    let mut chars = rest[start..].chars().peekable();
    while let Some(c) = chars.next() {
        if in_comment {
            if c == '\n' {
                in_comment = false;
            }
            continue;
        }
        if c == '/' && chars.peek() == Some(&'/') {
            in_comment = true;
            continue;
        }
        if c.is_whitespace() {
            if !prev_space && !out.ends_with('[') {
                out.push(' ');
            }
            prev_space = true;
            continue;
        }
        if c == ']' && out.ends_with(' ') {
            out.pop();
        }
        prev_space = false;
        out.push(c);
        match c {
            '[' => depth += 1,
            ']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(out);
                }
            }
            _ => {}
        }
    }
    None
}

/// The typed chunks of every packet line, checked before the run starts.
fn prepare(script: &Script) -> Result<Vec<Option<Vec<Chunk>>>, SyntaxError> {
    script
        .events
        .iter()
        .map(|e| match &e.action {
            Action::Packet(PacketLine {
                chunks: Chunks::Items(items),
                ..
            }) => items
                .iter()
                .map(spec::chunk)
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            _ => Ok(None),
        })
        .collect()
}

/// packetdrill's view of the socket under test (`enum socket_state_t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sut {
    None,
    Listening,
    PassiveReceived,
    PassiveInitAckSent,
    PassiveCookieEchoReceived,
    ActiveConnecting,
    ActiveInitSent,
    ActiveInitAckReceived,
}

/// Script and live values of the tags and initial TSNs.
#[derive(Debug, Clone, Copy, Default)]
struct Map {
    script_local_tag: u32,
    script_local_tsn: u32,
    live_local_tag: u32,
    live_local_tsn: u32,
    live_local_known: bool,
    remote_tag: u32,
    remote_tsn: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum SockKind {
    Fresh,
    Listening(VecDeque<AssocId>),
    Assoc(AssocId),
}

#[derive(Debug)]
struct Sock {
    kind: SockKind,
    nonblocking: bool,
    port: u16,
}

#[derive(Debug, Default)]
struct AssocInfo {
    fd: Option<i32>,
    up: bool,
    /// Messages and notifications to read, in order.
    rx: VecDeque<sockio::Rx>,
    /// FreeBSD's association identifier (`sctp_assoc_id`).
    sctp_id: Option<u32>,
    /// Outbound and inbound streams since COMM_UP.
    streams: (u16, u16),
    offset: usize,
    peer_shutdown: bool,
    ended: Option<Option<Reason>>,
    graceful: bool,
    so_error: Option<&'static str>,
    read_error_reported: bool,
    active: bool,
}

struct Runner {
    /// Every extension on (`RunOptions::all_extensions`).
    all_extensions: bool,
    start: Instant,
    now: i64,
    cfg: Config,
    ostreams: Option<u16>,
    ep: Option<Endpoint>,
    socks: HashMap<i32, Sock>,
    assocs: HashMap<AssocId, AssocInfo>,
    /// Sent packets: when, bytes, (our address, the peer's address).
    out: VecDeque<(i64, Vec<u8>, (IpAddr, IpAddr))>,
    sut: Sut,
    map: Map,
    active: bool,
    cookie: Option<Vec<u8>>,
    hb_ack: Option<Vec<u8>>,
    /// SCTP-AUTH key vectors (RFC 4895 6.1): ours from the INIT or INIT
    /// ACK we sent, the peer's from the one the script injected.
    auth_vectors: (Vec<u8>, Vec<u8>),
    tolerance_usecs: i64,
    tolerance_percent: f64,
    linux: bool,
    warnings: Vec<String>,
    buf: Vec<u8>,
    /// Socket options that are not `Config` fields (`sockopt.rs`).
    opts: sockopt::SockOpts,
    /// The next FreeBSD association identifier (`sockio.rs`).
    next_sctp_id: u32,
}

type Step = Result<(), String>;

fn errno_same(a: &str, b: &str) -> bool {
    let n = |s: &str| {
        if s == "EWOULDBLOCK" {
            "EAGAIN".to_string()
        } else {
            s.to_string()
        }
    };
    n(a) == n(b)
}

/// A system call line in script notation.
pub fn syscall_text(s: &SyscallLine) -> String {
    let args: Vec<String> = s.args.iter().map(expr_text).collect();
    let mut t = format!("{}({}) = {}", s.name, args.join(", "), expr_text(&s.result));
    if let Some(e) = &s.errno {
        t.push(' ');
        t.push_str(e);
    }
    t
}

/// An expression in script notation.
pub fn expr_text(e: &Expr) -> String {
    match e {
        Expr::Ellipsis => "...".into(),
        Expr::Int(n) => n.to_string(),
        Expr::Htonl(n) => format!("htonl({n})"),
        Expr::Htons(n) => format!("htons({n})"),
        Expr::Word(w) => w.clone(),
        Expr::Str(s) => format!("\"{s}\""),
        Expr::Or(a, b) => format!("{}|{}", expr_text(a), expr_text(b)),
        Expr::List(l) => format!(
            "[{}]",
            l.iter().map(expr_text).collect::<Vec<_>>().join(", ")
        ),
        Expr::Struct(f) => format!(
            "{{{}}}",
            f.iter()
                .map(|(k, v)| format!("{k}={}", expr_text(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Expr::Null => "NULL".into(),
        Expr::Addr(a) => a.to_string(),
    }
}

fn words(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Word(w) => out.push(w.clone()),
        Expr::Or(a, b) => {
            words(a, out);
            words(b, out);
        }
        _ => {}
    }
}

fn int(e: &Expr) -> Option<i64> {
    match e {
        Expr::Int(n) => Some(*n),
        _ => None,
    }
}

fn field<'a>(fields: &'a [(String, Expr)], name: &str) -> Option<&'a Expr> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// The result of a socket call: a value, or -1 with an errno name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ret {
    Ok(i64),
    Err(&'static str),
}

impl Ret {
    fn text(&self) -> String {
        match self {
            Ret::Ok(n) => n.to_string(),
            Ret::Err(e) => format!("-1 {e}"),
        }
    }
}

impl Runner {
    fn new(opts: &RunOptions, script: &Script) -> Result<Self, SyntaxError> {
        let linux = opts.defines.iter().any(|d| d == "Linux");
        // FreeBSD's `sctp_notify` ends an association on a Protocol
        // Unreachable in any state (the scripts are FreeBSD's).
        let mut cfg = Config {
            max_packet: MAX_PACKET,
            icmp_unreachable_aborts: true,
            ..Config::default()
        };
        if opts.all_extensions {
            cfg = with_all_extensions(cfg);
        }
        let mut r = Runner {
            all_extensions: opts.all_extensions,
            start: Instant::now(),
            now: 0,
            cfg,
            ostreams: None,
            ep: None,
            socks: HashMap::new(),
            assocs: HashMap::new(),
            out: VecDeque::new(),
            sut: Sut::None,
            map: Map::default(),
            active: false,
            cookie: None,
            hb_ack: None,
            auth_vectors: (Vec::new(), Vec::new()),
            tolerance_usecs: 4000,
            tolerance_percent: if linux { 12.5 } else { 5.0 },
            linux,
            warnings: Vec::new(),
            buf: Vec::with_capacity(2048),
            opts: sockopt::SockOpts::default(),
            next_sctp_id: 3,
        };
        for (name, value, pos) in &script.options {
            let bad = |what: &str| SyntaxError {
                pos: *pos,
                message: format!("bad --{name}: {what}"),
            };
            match name.as_str() {
                "tolerance_usecs" => {
                    r.tolerance_usecs = value.parse().map_err(|_| bad(value))?;
                    if r.tolerance_usecs <= 0 {
                        return Err(bad(value));
                    }
                }
                "tolerance_percent" => {
                    r.tolerance_percent = value.parse().map_err(|_| bad(value))?;
                    if !(0.0..=100.0).contains(&r.tolerance_percent) {
                        return Err(bad(value));
                    }
                }
                "ip_version" if value == "ipv4" => {}
                "mtu" => {
                    let mtu: usize = value.parse().map_err(|_| bad(value))?;
                    r.cfg.max_packet = mtu.saturating_sub(20);
                }
                _ => r.warnings.push(format!("option --{name}={value} ignored")),
            }
        }
        Ok(r)
    }

    fn at(&self, us: i64) -> Instant {
        self.start + Duration::from_micros(us.max(0) as u64)
    }

    fn us(&self, t: Instant) -> i64 {
        t.saturating_duration_since(self.start).as_micros() as i64
    }

    fn ep(&mut self) -> &mut Endpoint {
        if self.ep.is_none() {
            let now = self.at(self.now);
            self.ep = Some(Endpoint::new(self.cfg.clone(), now, [0x5c; 32]));
        }
        self.ep.as_mut().expect("created")
    }

    /// Changes a setting; once the endpoint exists, its Config is fixed.
    /// A backquoted shell command: not run, but the FreeBSD sysctls that
    /// switch SCTP extensions off or on (`sysctl -i net.inet.sctp.pr_enable=0`)
    /// set the endpoint's matching option, so a script sees the features it
    /// asked for.
    fn command(&mut self, c: &str) {
        let Some(rest) = c
            .split_whitespace()
            .find(|w| w.starts_with("net.inet.sctp."))
        else {
            return;
        };
        let Some((name, value)) = rest["net.inet.sctp.".len()..].split_once('=') else {
            return;
        };
        self.sysctl(name, value);
    }

    fn set_cfg(&mut self, what: &str, f: impl FnOnce(&mut Config)) {
        f(&mut self.cfg);
        if self.ep.is_some() {
            self.warnings.push(format!(
                "{what} set after the endpoint was created: not applied (needs a per-association setter)"
            ));
        }
    }

    /// Takes the endpoint's packets and events.
    fn pump(&mut self) {
        let now = self.at(self.now);
        let Some(ep) = self.ep.as_mut() else { return };
        while let Some(t) = ep.poll_transmit(now, &mut self.buf) {
            self.out
                .push_back((self.now, self.buf.clone(), (t.local, t.remote.ip())));
        }
        let mut events = Vec::new();
        while let Some(e) = ep.poll_event() {
            events.push(e);
        }
        for e in events {
            self.on_event(e);
        }
    }

    fn on_event(&mut self, e: Event) {
        self.notify_event(&e);
        let linux = self.linux;
        match e {
            Event::AssocChange {
                id, change, reason, ..
            } => {
                let info = self.assocs.entry(id).or_default();
                match change {
                    AssocChange::CommUp => {
                        let fresh = !info.up && info.fd.is_none() && !info.active;
                        info.up = true;
                        if fresh {
                            if let Some(s) = self
                                .socks
                                .values_mut()
                                .find(|s| matches!(s.kind, SockKind::Listening(_)))
                            {
                                if let SockKind::Listening(q) = &mut s.kind {
                                    q.push_back(id);
                                }
                            }
                        }
                    }
                    AssocChange::Restart => {}
                    AssocChange::ShutdownComplete => {
                        info.ended = Some(reason);
                        info.graceful = true;
                    }
                    AssocChange::CantStartAssoc => {
                        info.so_error = Some(match reason {
                            Some(Reason::Timeout) => "ETIMEDOUT",
                            _ => "ECONNREFUSED",
                        });
                        info.ended = Some(reason);
                    }
                    AssocChange::CommLost => {
                        info.so_error = Some(match &reason {
                            Some(Reason::PeerAbort(_)) => "ECONNRESET",
                            Some(Reason::Timeout) if linux => "ETIMEDOUT",
                            _ => "ECONNABORTED",
                        });
                        info.ended = Some(reason);
                    }
                }
            }
            Event::Message { id, message } => self
                .assocs
                .entry(id)
                .or_default()
                .rx
                .push_back(sockio::Rx::Data(message)),
            Event::ShutdownEvent { id } => self.assocs.entry(id).or_default().peer_shutdown = true,
            _ => {}
        }
    }

    /// Runs the endpoint's timers up to `t`.
    fn advance_to(&mut self, t: i64) -> Step {
        let mut guard = 0u32;
        while let Some(d) = self.ep.as_ref().and_then(|ep| ep.poll_timeout()) {
            let d = self.us(d).max(self.now);
            if d > t {
                break;
            }
            guard += 1;
            if guard > 1_000_000 {
                return Err(
                    "the endpoint's timers do not advance (a deadline that never passes)".into(),
                );
            }
            self.now = d;
            let now = self.at(d);
            self.ep.as_mut().expect("checked").handle_timeout(now);
            self.pump();
        }
        self.now = self.now.max(t);
        Ok(())
    }

    /// The next timer deadline, if any.
    fn next_deadline(&self) -> Option<i64> {
        self.ep
            .as_ref()?
            .poll_timeout()
            .map(|d| self.us(d).max(self.now))
    }

    fn run(mut self, script: &Script, prepared: &[Option<Vec<Chunk>>]) -> Report {
        let mut last: Option<i64> = None;
        for (k, ev) in script.events.iter().enumerate() {
            if k == 0 {
                let t0 = match ev.time {
                    Time::Absolute(t) | Time::Relative(t) => t,
                    Time::AbsoluteRange(t, _) | Time::RelativeRange(t, _) => t,
                    Time::Any => 0,
                };
                if t0 != 0 {
                    return self.fail(ev.pos, "first event should be at time 0".into());
                }
            }
            let (exp, exp_end) = match ev.time {
                Time::Absolute(t) => (t, t),
                Time::Relative(d) => (self.now + d, self.now + d),
                Time::Any => (self.now, i64::MAX),
                Time::AbsoluteRange(a, b) => (a, b),
                Time::RelativeRange(a, b) => (self.now + a, self.now + b),
            };
            if let (Some(l), Time::Absolute(_), Some(prev)) = (last, ev.time, k.checked_sub(1)) {
                if matches!(script.events[prev].time, Time::Absolute(_)) && exp < l {
                    return self.fail(
                        ev.pos,
                        format!("time goes backward in script from {l} usec to {exp} usec"),
                    );
                }
            }
            let mut tol = self.tolerance_usecs;
            if let Some(l) = last {
                let dynamic = (self.tolerance_percent / 100.0 * (exp - l) as f64) as i64;
                tol = tol.max(dynamic);
            }
            let r = match &ev.action {
                Action::Packet(p) if !p.inbound => {
                    self.expect_packet(p, prepared[k].as_deref(), ev.time, exp, exp_end, tol)
                }
                action => {
                    let r = self.wait_for(exp, tol);
                    r.and_then(|()| match action {
                        Action::Packet(p) => self.inject(p, prepared[k].as_deref()),
                        Action::Icmp(i) => self.inject_icmp(i),
                        Action::Syscall(s) => self.syscall(s, exp, tol),
                        Action::Command(c) => {
                            self.command(c);
                            Ok(())
                        }
                    })
                }
            };
            if let Err(m) = r {
                return self.fail(ev.pos, m);
            }
            last = Some(exp);
        }
        Report {
            outcome: Outcome::Pass,
            warnings: self.warnings,
        }
    }

    fn fail(self, pos: Pos, message: String) -> Report {
        Report {
            outcome: Outcome::Fail {
                line: pos.line,
                message,
            },
            warnings: self.warnings,
        }
    }

    /// Waits for an inbound packet's or a call's time (packetdrill's
    /// `wait_for_event` and `check_event_time`).
    fn wait_for(&mut self, exp: i64, tol: i64) -> Step {
        if self.now > exp + tol {
            return Err(format!(
                "timing error: expected event at {:.6} sec but happened at {:.6} sec",
                exp as f64 / 1e6,
                self.now as f64 / 1e6
            ));
        }
        self.advance_to(exp)
    }

    // ----- packets -----

    fn out_map(&self) -> OutMap {
        OutMap {
            local_diff: self
                .map
                .script_local_tsn
                .wrapping_sub(self.map.live_local_tsn),
            remote_diff: 0,
            local_tag: (self.map.live_local_tag, self.map.script_local_tag),
        }
    }

    fn expect_packet(
        &mut self,
        p: &PacketLine,
        chunks: Option<&[Chunk]>,
        time: Time,
        exp: i64,
        exp_end: i64,
        tol: i64,
    ) -> Step {
        let expected_text = match (&p.chunks, chunks) {
            (_, Some(c)) => c
                .iter()
                .map(|c| c.text.clone())
                .collect::<Vec<_>>()
                .join("; "),
            (Chunks::Bytes(b), None) => format!("{b:02x?}"),
            (Chunks::Items(_), None) => String::new(),
        };
        let chunks = chunks.unwrap_or(&[]);
        // Script side of the mapping, before the packet is looked at
        // (handle_connect_for_script_packet, do_outbound_script_packet).
        if let Some(ChunkSpec::Init {
            ack: false,
            tag,
            tsn,
            ..
        }) = chunks.first().map(|c| &c.spec)
        {
            if self.sut == Sut::ActiveConnecting {
                self.map.script_local_tag = tag.or_zero();
                self.map.script_local_tsn = tsn.or_zero();
                self.sut = Sut::ActiveInitSent;
            }
        }
        if matches!(
            self.sut,
            Sut::PassiveReceived | Sut::PassiveInitAckSent | Sut::PassiveCookieEchoReceived
        ) {
            if let Some(ChunkSpec::Init {
                ack: true,
                tag,
                tsn,
                ..
            }) = chunks.first().map(|c| &c.spec)
            {
                self.map.script_local_tag = tag.or_zero();
                self.map.script_local_tsn = tsn.or_zero();
            }
        }
        let deadline = if time == Time::Any {
            exp + HORIZON_US
        } else {
            exp_end.saturating_add(tol)
        };
        let search_end = deadline.saturating_add(if time == Time::Any { 0 } else { 10_000_000 });
        let (sent, bytes, (from, to)) = loop {
            if let Some(x) = self.out.pop_front() {
                break x;
            }
            match self.next_deadline() {
                Some(d) if d <= search_end => self.advance_to(d)?,
                _ => {
                    return Err(format!(
                        "expected {expected_text} got nothing (no packet by {:.6} sec)",
                        deadline.min(search_end) as f64 / 1e6
                    ))
                }
            }
        };
        self.now = self.now.max(sent);
        let Ok(view) = PacketView::parse(&bytes, Rules::STANDARD) else {
            return Err(format!(
                "expected {expected_text} got an undecodable packet {bytes:02x?}"
            ));
        };
        // Live side of the mapping (find_connect_for_live_packet and the
        // chunk loop of do_outbound_script_packet).
        let first = view.chunks().next();
        if self.sut == Sut::ActiveInitSent && !self.map.live_local_known {
            if let Some(init) = first
                .as_ref()
                .and_then(|c| c.init())
                .filter(|i| !i.is_ack())
            {
                self.map.live_local_tag = init.initiate_tag();
                self.map.live_local_tsn = init.initial_tsn();
                self.map.live_local_known = true;
            }
        }
        for c in view.chunks() {
            if c.ty() == ty::INIT_ACK
                && matches!(
                    self.sut,
                    Sut::PassiveReceived | Sut::PassiveInitAckSent | Sut::PassiveCookieEchoReceived
                )
            {
                if let Some(init) = c.init() {
                    for t in init.params() {
                        if t.ty() == 7 {
                            let mut chunk = vec![ty::COOKIE_ECHO, 0];
                            chunk.extend_from_slice(&((4 + t.value().len()) as u16).to_be_bytes());
                            chunk.extend_from_slice(t.value());
                            self.cookie = Some(chunk);
                            break;
                        }
                    }
                    self.map.live_local_tag = init.initiate_tag();
                    self.map.live_local_tsn = init.initial_tsn();
                    self.map.live_local_known = true;
                    self.sut = Sut::PassiveInitAckSent;
                }
            }
            if c.ty() == ty::INIT || c.ty() == ty::INIT_ACK {
                self.auth_vectors.0 = ext_opts::key_vector_of(c.value());
            }
            if c.ty() == ty::HEARTBEAT {
                let mut chunk = vec![ty::HEARTBEAT_ACK, 0];
                chunk.extend_from_slice(&c.length().to_be_bytes());
                chunk.extend_from_slice(c.value());
                self.hb_ack = Some(chunk);
            }
        }
        // --all-extensions: what the extensions add unasked is not compared
        // (all_ext.rs); the mapping above saw the packet as sent.
        let masked_bytes;
        let view = if self.all_extensions {
            let want: Vec<&ChunkSpec> = chunks.iter().map(|c| &c.spec).collect();
            masked_bytes = crate::all_ext::masked(&bytes, &want);
            PacketView::parse(&masked_bytes, Rules::STANDARD).unwrap_or(view)
        } else {
            view
        };
        let m = self.out_map();
        let got_text = view
            .chunks()
            .map(|c| spec::chunk_text(&c, &m))
            .collect::<Vec<_>>()
            .join("; ");
        let mismatch = |why: String| format!("expected {expected_text} got {got_text} ({why})");
        // packetdrill sniffs one remote address: a line without addresses
        // expects the packet from LOCAL_IP to REMOTE_IP.
        let (want_from, want_to) = p
            .addrs
            .unwrap_or((IpAddr::V4(LOCAL_IP), IpAddr::V4(REMOTE_IP)));
        if (from, to) != (want_from, want_to) {
            return Err(mismatch(format!(
                "addresses: expected {want_from} > {want_to}, sent {from} > {to}"
            )));
        }
        if let Some(tag) = p.tag {
            if view.header().verification_tag != tag {
                return Err(mismatch(format!(
                    "verification tag: expected {tag}, got {}",
                    view.header().verification_tag
                )));
            }
        }
        if p.zero_checksum && view.checksum_field() != 0 {
            return Err(mismatch("checksum: expected zero".into()));
        }
        match &p.chunks {
            Chunks::Bytes(b) => {
                if bytes.get(12..) != Some(&b[..]) {
                    return Err(mismatch("bytes differ".into()));
                }
            }
            Chunks::Items(_) => {
                let actual: Vec<_> = view.chunks().collect();
                for (k, (want, got)) in chunks.iter().zip(actual.iter()).enumerate() {
                    if let Err(why) = spec::verify(&want.spec, got, &m) {
                        return Err(mismatch(if chunks.len() > 1 {
                            format!("chunk {}: {why}", k + 1)
                        } else {
                            why
                        }));
                    }
                }
                if chunks.len() != actual.len() {
                    return Err(mismatch(format!(
                        "{} chunks expected, {} sent",
                        chunks.len(),
                        actual.len()
                    )));
                }
            }
        }
        if time != Time::Any && (sent < exp - tol || sent > exp_end + tol) {
            return Err(if exp == exp_end {
                format!(
                    "timing error: expected {expected_text} at {:.6} sec but it came at {:.6} sec",
                    exp as f64 / 1e6,
                    sent as f64 / 1e6
                )
            } else {
                format!(
                    "timing error: expected {expected_text} in {:.6}~{:.6} sec but it came at {:.6} sec",
                    exp as f64 / 1e6,
                    exp_end as f64 / 1e6,
                    sent as f64 / 1e6
                )
            });
        }
        Ok(())
    }

    /// An ICMP error from a router between us and the peer, quoting the
    /// IPv4 header and the first 8 bytes of one of the endpoint's packets
    /// (packetdrill's `new_icmp_packet`, `ICMP_ECHO_BYTES`): its ports and
    /// the tag the script wrote, else the peer's (as packetdrill's
    /// `map_inbound_icmp_sctp_packet` always writes).
    fn inject_icmp(&mut self, i: &crate::ast::IcmpLine) -> Step {
        let (icmp_type, code) = icmp_numbers(&i.icmp_type, i.code.as_deref())?;
        let mtu = i.mtu.unwrap_or(0);
        if mtu > 0 && (icmp_type, code) != (3, 4) {
            return Err("ICMPv4 MTU is only valid for unreachable-frag_needed".into());
        }
        if i.old_form {
            self.warnings.push(
                "ICMP line in the old form (echoed packet first), read as `icmp ... [sctp(TAG)]`"
                    .into(),
            );
        }
        let vtag = i.tag.unwrap_or(self.map.remote_tag);
        let peer_port = if self.active { PORT } else { EPHEMERAL_PORT };
        let mut m = vec![icmp_type, code, 0, 0, 0, 0];
        m.extend_from_slice(&(mtu.min(0xffff) as u16).to_be_bytes());
        // The quoted IPv4 header: ours to the peer, SCTP; total length
        // as packetdrill writes it (header and 8 bytes).
        m.extend_from_slice(&[0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 132, 0, 0]);
        m.extend_from_slice(&LOCAL_IP.octets());
        m.extend_from_slice(&REMOTE_IP.octets());
        m.extend_from_slice(&PORT.to_be_bytes());
        m.extend_from_slice(&peer_port.to_be_bytes());
        m.extend_from_slice(&vtag.to_be_bytes());
        let e = sctp_endpoint::IcmpError::from_icmpv4(&m).map_err(|e| format!("ICMP: {e}"))?;
        let now = self.at(self.now);
        self.ep().handle_icmp(now, &e);
        self.pump();
        Ok(())
    }

    fn inject(&mut self, p: &PacketLine, chunks: Option<&[Chunk]>) -> Step {
        let chunks = chunks.unwrap_or(&[]);
        // handle_listen_for_script_packet: an INIT for a listening socket
        // makes a new association whose peer values are the script's.
        let first_init: Option<(u32, u32)> = match (&p.chunks, chunks.first().map(|c| &c.spec)) {
            (Chunks::Bytes(b), _) if b.len() >= 20 && b[0] == ty::INIT => Some((
                u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
                u32::from_be_bytes([b[16], b[17], b[18], b[19]]),
            )),
            (
                _,
                Some(ChunkSpec::Init {
                    ack: false,
                    tag,
                    tsn,
                    ..
                }),
            ) => Some((tag.or_zero(), tsn.or_zero())),
            (_, Some(s @ ChunkSpec::Generic { .. })) if s.ty() == Some(ty::INIT) => {
                let (b, _, _) = s.encode_checked();
                (b.len() >= 20).then(|| {
                    (
                        u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
                        u32::from_be_bytes([b[16], b[17], b[18], b[19]]),
                    )
                })
            }
            _ => None,
        };
        if self.sut == Sut::Listening {
            if let Some((tag, tsn)) = first_init {
                self.map.remote_tag = tag;
                self.map.remote_tsn = tsn;
                self.sut = Sut::PassiveReceived;
            }
        }
        // do_inbound_script_packet.
        let mut body: Vec<(Vec<u8>, bool)> = Vec::new();
        // The AUTH chunk whose HMAC the runner computes (its index).
        let mut sign_index = None;
        for c in chunks {
            let (mut b, _, _) = c.spec.encode_checked();
            if (b[0] == ty::INIT || b[0] == ty::INIT_ACK) && b.len() > 20 {
                self.auth_vectors.1 = ext_opts::key_vector_of(&b[4..]);
            }
            if ext_opts::auth_to_sign(&c.spec, &mut b) {
                sign_index = Some(body.len());
            }
            match &c.spec {
                // Our TSNs the peer acknowledges (NR-SACK, RE-CONFIG
                // responses): the script's names mapped to the live ones.
                ChunkSpec::Ext(e) => {
                    let diff = self
                        .map
                        .live_local_tsn
                        .wrapping_sub(self.map.script_local_tsn);
                    b = e.encode(diff).0;
                }
                ChunkSpec::Init {
                    ack: true,
                    tag,
                    tsn,
                    ..
                } if self.sut == Sut::ActiveInitSent => {
                    self.map.remote_tag = tag.or_zero();
                    self.map.remote_tsn = tsn.or_zero();
                    self.sut = Sut::ActiveInitAckReceived;
                }
                ChunkSpec::CookieEcho { val: None, .. } => {
                    match &self.cookie {
                        Some(ck) => b = ck.clone(),
                        None => {
                            return Err(
                                "COOKIE_ECHO[val=...] but no INIT_ACK with a cookie was seen"
                                    .into(),
                            );
                        }
                    }
                    let tag_ok = match p.tag {
                        None => true,
                        Some(t) => t == self.map.script_local_tag && self.map.script_local_tag != 0,
                    };
                    if !p.bad_crc32c && tag_ok {
                        self.sut = Sut::PassiveCookieEchoReceived;
                    }
                }
                ChunkSpec::CookieEcho { .. } => {
                    let tag_ok = match p.tag {
                        None => true,
                        Some(t) => t == self.map.script_local_tag && self.map.script_local_tag != 0,
                    };
                    if !p.bad_crc32c && tag_ok {
                        self.sut = Sut::PassiveCookieEchoReceived;
                    }
                }
                ChunkSpec::Heartbeat { ack: true, .. } if c.spec.value_unchecked() => match &self
                    .hb_ack
                {
                    Some(h) => b = h.clone(),
                    None => return Err("HEARTBEAT_ACK[val=...] but no HEARTBEAT was seen".into()),
                },
                _ => {}
            }
            body.push((b, true));
        }
        // map_inbound_sctp_packet: TSNs and tags, then the verification tag.
        let local_diff = self
            .map
            .live_local_tsn
            .wrapping_sub(self.map.script_local_tsn);
        let mut reflect = false;
        let mut has_init = false;
        let raw = matches!(p.chunks, Chunks::Bytes(_));
        if !raw {
            for (b, _) in body.iter_mut() {
                map_inbound_chunk(b, local_diff, &mut reflect, &mut has_init);
            }
        }
        let vtag = match p.tag {
            Some(0) => 0,
            Some(v) => {
                let t = if reflect {
                    self.map
                        .remote_tag
                        .wrapping_add(v.wrapping_sub(self.map.remote_tag))
                } else {
                    self.map
                        .live_local_tag
                        .wrapping_add(v.wrapping_sub(self.map.script_local_tag))
                };
                if t == 0 {
                    1
                } else {
                    t
                }
            }
            None if has_init => 0,
            None if reflect => self.map.remote_tag,
            None => self.map.live_local_tag,
        };
        let sign_at = sign_index.map(|k| {
            12 + body[..k]
                .iter()
                .map(|(b, _)| (b.len() + 3) & !3)
                .sum::<usize>()
        });
        let (src, dst) = match p.addrs {
            Some((s, d)) => (s, d),
            None => (IpAddr::V4(REMOTE_IP), IpAddr::V4(LOCAL_IP)),
        };
        let sport = if self.active { PORT } else { EPHEMERAL_PORT };
        let header = CommonHeader {
            source_port: sport,
            destination_port: PORT,
            verification_tag: vtag,
        };
        let mut pkt = Vec::with_capacity(1500);
        match &p.chunks {
            Chunks::Bytes(b) => {
                pkt.extend_from_slice(&sport.to_be_bytes());
                pkt.extend_from_slice(&PORT.to_be_bytes());
                pkt.extend_from_slice(&vtag.to_be_bytes());
                pkt.extend_from_slice(&[0; 4]);
                pkt.extend_from_slice(b);
                let c = sctp_codec::checksum::compute(&pkt, ChecksumAlgorithm::Crc32c);
                pkt[8..12].copy_from_slice(&c.to_be_bytes());
            }
            Chunks::Items(_) => {
                let consistent = body
                    .iter()
                    .all(|(b, _)| u16::from_be_bytes([b[2], b[3]]) as usize == b.len());
                if consistent {
                    let mut w = PacketWriter::new(&mut pkt, header, 65535);
                    for (b, _) in &body {
                        w.push_raw(b[0], b[1], &b[4..])
                            .map_err(|e| format!("cannot build the packet: {e}"))?;
                    }
                    w.finish(if p.zero_checksum {
                        ChecksumAlgorithm::Zero
                    } else {
                        ChecksumAlgorithm::Crc32c
                    });
                } else {
                    // A Length that disagrees with the bytes, on purpose.
                    pkt.extend_from_slice(&sport.to_be_bytes());
                    pkt.extend_from_slice(&PORT.to_be_bytes());
                    pkt.extend_from_slice(&vtag.to_be_bytes());
                    pkt.extend_from_slice(&[0; 4]);
                    for (b, _) in &body {
                        pkt.extend_from_slice(b);
                        pkt.resize(pkt.len() + (4 - b.len() % 4) % 4, 0);
                    }
                    if !p.zero_checksum {
                        let c = sctp_codec::checksum::compute(&pkt, ChecksumAlgorithm::Crc32c);
                        pkt[8..12].copy_from_slice(&c.to_be_bytes());
                    }
                }
            }
        }
        if let Some(at) = sign_at {
            self.sign_auth(&mut pkt, at, p.zero_checksum)?;
        }
        if p.bad_crc32c {
            let c = u32::from_be_bytes([pkt[8], pkt[9], pkt[10], pkt[11]]) ^ 0xffff_ffff;
            pkt[8..12].copy_from_slice(&c.to_be_bytes());
        }
        let now = self.at(self.now);
        self.ep()
            .handle_packet(now, SocketAddr::new(src, 0), dst, &pkt);
        self.pump();
        Ok(())
    }

    // ----- system calls -----

    fn fd_arg(&self, s: &SyscallLine, k: usize) -> Result<i32, String> {
        match s.args.get(k).and_then(int) {
            Some(fd) if self.socks.contains_key(&(fd as i32)) => Ok(fd as i32),
            Some(fd) => Err(format!("{}: no such socket {fd}", s.name)),
            None => Err(format!(
                "{}: argument {} must be a file descriptor",
                s.name,
                k + 1
            )),
        }
    }

    fn assoc_of(&self, fd: i32) -> Option<AssocId> {
        match self.socks.get(&fd)?.kind {
            SockKind::Assoc(id) => Some(id),
            _ => None,
        }
    }

    fn alive(&self, id: AssocId) -> bool {
        self.ep.as_ref().and_then(|e| e.status(id)).is_some()
    }

    /// Runs the clock until `ready` holds, for a call on a blocking socket.
    fn block_until(
        &mut self,
        limit: i64,
        what: &str,
        mut ready: impl FnMut(&Runner) -> bool,
    ) -> Step {
        while !ready(self) {
            match self.next_deadline() {
                Some(d) if d <= limit => self.advance_to(d)?,
                _ => return Err(format!("{what} blocks and nothing would wake it")),
            }
        }
        Ok(())
    }

    fn syscall(&mut self, s: &SyscallLine, exp: i64, tol: i64) -> Step {
        let limit = match s.end {
            Some(e) => e + tol,
            None => self.now + HORIZON_US,
        };
        if matches!(s.name.as_str(), "recvmsg" | "sctp_recvv") {
            return self.recv_call(s, limit);
        }
        if matches!(s.name.as_str(), "read" | "recv" | "sctp_recvmsg") {
            let fd = self.fd_arg(s, 0)?;
            let len = s
                .args
                .get(2)
                .and_then(int)
                .ok_or("read: the length must be a number")?;
            return self.read(s, fd, len, limit);
        }
        let ret = self.call(s, limit)?;
        if let Some(end) = s.end {
            if (self.now - end).abs() > tol && self.now > exp {
                return Err(format!(
                    "timing error: expected system call return at {:.6} sec but happened at {:.6} sec",
                    end as f64 / 1e6,
                    self.now as f64 / 1e6
                ));
            }
        }
        let expected = match &s.result {
            Expr::Int(n) => *n,
            Expr::Ellipsis => return Ok(()),
            other => {
                return Err(format!(
                    "{}: unsupported result {}",
                    s.name,
                    expr_text(other)
                ))
            }
        };
        let ok = match &ret {
            Ret::Ok(n) => *n == expected && s.errno.is_none(),
            Ret::Err(e) => {
                expected == -1 && s.errno.as_deref().is_none_or(|want| errno_same(want, e))
            }
        };
        if !ok {
            return Err(format!("expected {} got {}", syscall_text(s), ret.text()));
        }
        Ok(())
    }

    fn call(&mut self, s: &SyscallLine, limit: i64) -> Result<Ret, String> {
        let want_fd = int(&s.result).filter(|n| *n >= 0).map(|n| n as i32);
        let r = match s.name.as_str() {
            "socket" => {
                let mut w = Vec::new();
                for a in &s.args {
                    words(a, &mut w);
                }
                if w.iter().any(|x| x == "SOCK_SEQPACKET") {
                    return Err("one-to-many (SOCK_SEQPACKET) sockets are not supported".into());
                }
                let fd = want_fd.unwrap_or_else(|| {
                    (3..)
                        .find(|f| !self.socks.contains_key(f))
                        .expect("free fd")
                });
                self.socks.insert(
                    fd,
                    Sock {
                        kind: SockKind::Fresh,
                        nonblocking: false,
                        port: PORT,
                    },
                );
                Ret::Ok(fd as i64)
            }
            "bind" => {
                let fd = self.fd_arg(s, 0)?;
                self.socks.get_mut(&fd).expect("checked").port = PORT;
                Ret::Ok(0)
            }
            "listen" => {
                let fd = self.fd_arg(s, 0)?;
                let port = self.socks[&fd].port;
                self.ep().listen(port);
                self.socks.get_mut(&fd).expect("checked").kind =
                    SockKind::Listening(VecDeque::new());
                self.sut = Sut::Listening;
                Ret::Ok(0)
            }
            "accept" => {
                let fd = self.fd_arg(s, 0)?;
                if !matches!(self.socks[&fd].kind, SockKind::Listening(_)) {
                    return Ok(Ret::Err("EINVAL"));
                }
                let has = |r: &Runner| matches!(&r.socks[&fd].kind, SockKind::Listening(q) if !q.is_empty());
                if !has(self) {
                    if self.socks[&fd].nonblocking {
                        return Ok(Ret::Err("EAGAIN"));
                    }
                    self.block_until(limit, "accept", has)?;
                }
                let SockKind::Listening(q) = &mut self.socks.get_mut(&fd).expect("checked").kind
                else {
                    unreachable!()
                };
                let id = q.pop_front().expect("ready");
                let nfd = want_fd.unwrap_or_else(|| {
                    (3..)
                        .find(|f| !self.socks.contains_key(f))
                        .expect("free fd")
                });
                self.socks.insert(
                    nfd,
                    Sock {
                        kind: SockKind::Assoc(id),
                        nonblocking: false,
                        port: PORT,
                    },
                );
                self.assocs.entry(id).or_default().fd = Some(nfd);
                Ret::Ok(nfd as i64)
            }
            "connect" | "sctp_connectx" => {
                let fd = self.fd_arg(s, 0)?;
                if let SockKind::Assoc(_) = self.socks[&fd].kind {
                    return Ok(Ret::Err("EISCONN"));
                }
                let two =
                    s.name == "sctp_connectx" && matches!(s.args.get(1), Some(Expr::Ellipsis));
                let id = self.start_assoc(fd, two)?;
                if s.name == "sctp_connectx" && s.args.len() == 4 {
                    // RFC 6458 9.9 with the association id out: FreeBSD's
                    // libc does setsockopt(SCTP_CONNECT_X), which returns 0
                    // at once on a non-blocking socket too.
                    let aid = self.sctp_assoc_id(id);
                    if let Some(Expr::List(l)) = s.args.get(3) {
                        if let Some(w) = l.first() {
                            notify::check("sctp_connectx id", &notify::Val::Int(aid as i64), w)?;
                        }
                    }
                    if self.socks[&fd].nonblocking {
                        return Ok(Ret::Ok(0));
                    }
                }
                if self.socks[&fd].nonblocking {
                    Ret::Err("EINPROGRESS")
                } else {
                    let done =
                        |r: &Runner| r.assocs.get(&id).is_some_and(|a| a.up || a.ended.is_some());
                    self.block_until(limit, "connect", done)?;
                    match self.assocs.get_mut(&id).and_then(|a| a.so_error.take()) {
                        Some(e) => Ret::Err(e),
                        None => Ret::Ok(0),
                    }
                }
            }
            "fcntl" => {
                let fd = self.fd_arg(s, 0)?;
                let mut w = Vec::new();
                if let Some(a) = s.args.get(1) {
                    words(a, &mut w);
                }
                match w.first().map(String::as_str) {
                    Some("F_GETFL") => {
                        let nb = if self.socks[&fd].nonblocking {
                            if self.linux {
                                0o4000
                            } else {
                                0x4
                            }
                        } else {
                            0
                        };
                        Ret::Ok(0x2 | nb)
                    }
                    Some("F_SETFL") => {
                        let mut f = Vec::new();
                        if let Some(a) = s.args.get(2) {
                            words(a, &mut f);
                        }
                        self.socks.get_mut(&fd).expect("checked").nonblocking =
                            f.iter().any(|x| x == "O_NONBLOCK");
                        Ret::Ok(0)
                    }
                    _ => {
                        return Err(format!(
                            "fcntl: unsupported command {:?}",
                            s.args.get(1).map(expr_text)
                        ))
                    }
                }
            }
            "setsockopt" => {
                let r = self.setsockopt(s)?;
                if let (Ret::Ok(0), Some(Expr::Word(opt)), Some(Expr::Struct(f))) =
                    (&r, s.args.get(2), s.args.get(3))
                {
                    // Switched on by SCTP_EVENT or SCTP_EVENTS (sockio.rs).
                    let on = |k: &str| field(f, k).and_then(int).unwrap_or(0) != 0;
                    let ty = match opt.as_str() {
                        "SCTP_EVENT" if on("se_on") => match field(f, "se_type") {
                            Some(Expr::Word(ty)) => Some(ty.as_str()),
                            _ => None,
                        },
                        "SCTP_EVENTS" if on("sctp_sender_dry_event") => {
                            Some("SCTP_SENDER_DRY_EVENT")
                        }
                        _ => None,
                    };
                    if let Some(ty) = ty {
                        let fd = self.fd_arg(s, 0)?;
                        self.subscribed(fd, ty);
                    }
                }
                r
            }
            "getsockopt" => return self.getsockopt(s),
            "sendmsg" | "sctp_send" | "sctp_sendx" => self.send_call(s, limit)?,
            // FreeBSD's sctp_can_peel_off: not on a one-to-one socket.
            "sctp_peeloff" => {
                self.fd_arg(s, 0)?;
                Ret::Err("EOPNOTSUPP")
            }
            "sctp_getpaddrs" | "sctp_getladdrs" | "sctp_freepaddrs" | "sctp_freeladdrs" => {
                self.addrs_call(s)?
            }
            "write" | "send" | "sctp_sendmsg" => {
                let fd = self.fd_arg(s, 0)?;
                let len = s
                    .args
                    .get(2)
                    .and_then(int)
                    .ok_or("write: the length must be a number")?;
                let (def_ppid, def_stream, def_opts) = self.default_send();
                let (ppid, stream, unordered) = if s.name == "sctp_sendmsg" {
                    let ppid = match s.args.get(5) {
                        Some(Expr::Htonl(n)) => *n as u32,
                        Some(Expr::Int(n)) => (*n as u32).swap_bytes(),
                        _ => 0,
                    };
                    let mut fl = Vec::new();
                    if let Some(a) = s.args.get(6) {
                        words(a, &mut fl);
                    }
                    let stream = s.args.get(7).and_then(int).unwrap_or(0) as u16;
                    (ppid, stream, fl.iter().any(|x| x == "SCTP_UNORDERED"))
                } else {
                    (def_ppid, def_stream, def_opts.unordered)
                };
                let pr = if s.name == "sctp_sendmsg" {
                    // sctp_sendmsg(..., ppid, flags, stream, timetolive, context):
                    // a lifetime with no policy is timed reliability
                    // (FreeBSD's sctp_set_prsctp_policy, RFC 6458 9.7).
                    match s.args.get(8).and_then(int) {
                        Some(ms) if ms > 0 => PrPolicy::Ttl(Duration::from_millis(ms as u64)),
                        _ => PrPolicy::Reliable,
                    }
                } else {
                    def_opts.pr
                };
                self.write(fd, len, stream, ppid, SendOptions { unordered, pr }, limit)?
            }
            "sctp_sendv" => {
                // sctp_sendv(fd, iov, iovcnt, addrs, addrcnt, info, infolen,
                // infotype, flags) (RFC 6458 9.12).
                let fd = self.fd_arg(s, 0)?;
                let len: i64 = match s.args.get(1) {
                    Some(Expr::List(l)) => l
                        .iter()
                        .map(|e| match e {
                            Expr::Struct(f) => field(f, "iov_len").and_then(int).unwrap_or(0),
                            _ => 0,
                        })
                        .sum(),
                    _ => return Err("sctp_sendv: the iov must be a list".into()),
                };
                let mut kind = Vec::new();
                if let Some(a) = s.args.get(7) {
                    words(a, &mut kind);
                }
                let info = s.args.get(5);
                let (snd, pr) = match kind.first().map(String::as_str) {
                    Some("SCTP_SENDV_SNDINFO") => (info, None),
                    Some("SCTP_SENDV_PRINFO") => (None, info),
                    Some("SCTP_SENDV_SPA") => match info {
                        Some(Expr::Struct(f)) => {
                            (field(f, "sendv_sndinfo"), field(f, "sendv_prinfo"))
                        }
                        _ => (None, None),
                    },
                    _ => (None, None),
                };
                let (mut stream, mut ppid, mut unordered) = (0, 0, false);
                if let Some(Expr::Struct(f)) = snd {
                    stream = field(f, "snd_sid").and_then(int).unwrap_or(0) as u16;
                    ppid = match field(f, "snd_ppid") {
                        Some(Expr::Htonl(n)) => *n as u32,
                        Some(Expr::Int(n)) => (*n as u32).swap_bytes(),
                        _ => 0,
                    };
                    let mut fl = Vec::new();
                    if let Some(v) = field(f, "snd_flags") {
                        words(v, &mut fl);
                    }
                    unordered = fl.iter().any(|x| x == "SCTP_UNORDERED");
                }
                let pr = ext_opts::prinfo(pr);
                self.write(fd, len, stream, ppid, SendOptions { unordered, pr }, limit)?
            }
            "sctp_bindx" => {
                let fd = self.fd_arg(s, 0)?;
                self.bindx(fd, s)?
            }
            "shutdown" => {
                let fd = self.fd_arg(s, 0)?;
                let mut w = Vec::new();
                if let Some(a) = s.args.get(1) {
                    words(a, &mut w);
                }
                match self.assoc_of(fd) {
                    Some(id) if self.alive(id) => {
                        if w.iter().any(|x| x == "SHUT_WR" || x == "SHUT_RDWR") {
                            let now = self.at(self.now);
                            self.ep().shutdown(now, id);
                            self.pump();
                        }
                        Ret::Ok(0)
                    }
                    _ => Ret::Err("ENOTCONN"),
                }
            }
            "close" => {
                let fd = self.fd_arg(s, 0)?;
                let sock = self.socks.remove(&fd).expect("checked");
                match sock.kind {
                    SockKind::Assoc(id) if self.alive(id) => {
                        let unread = self.assocs.get(&id).is_some_and(|a| !a.rx.is_empty());
                        let state = self
                            .ep
                            .as_ref()
                            .and_then(|e| e.status(id))
                            .map(|st| st.state);
                        let now = self.at(self.now);
                        match state {
                            Some(State::CookieWait | State::CookieEchoed) => {
                                self.ep().abort(id, None)
                            }
                            Some(_) if unread || self.linger_aborts() => self.ep().abort(id, None),
                            Some(_) => self.ep().shutdown(now, id),
                            None => {}
                        }
                        self.pump();
                    }
                    SockKind::Listening(_) => {
                        self.warnings.push(
                            "close() of a listening socket: the endpoint has no way to stop listening (needs Endpoint::unlisten)"
                                .into(),
                        );
                    }
                    _ => {}
                }
                if let SockKind::Assoc(id) = sock.kind {
                    if let Some(a) = self.assocs.get_mut(&id) {
                        a.fd = None;
                    }
                }
                Ret::Ok(0)
            }
            other => return Err(format!("unsupported system call {other}")),
        };
        Ok(r)
    }

    /// Starts an association from socket `fd` to the peer (and its second
    /// address with `two`): connect(), sctp_connectx(), or a send on an
    /// unconnected socket (implicit setup, RFC 6458 3.1.5).
    fn start_assoc(&mut self, fd: i32, two: bool) -> Result<AssocId, String> {
        let port = self.socks[&fd].port;
        let now = self.at(self.now);
        let mut o = ConnectOptions::new(
            IpAddr::V4(LOCAL_IP),
            port,
            SocketAddr::new(IpAddr::V4(REMOTE_IP), 0),
            PORT,
        );
        o.streams = self.ostreams;
        if two {
            o.extra_remotes
                .push(SocketAddr::new(IpAddr::V4(REMOTE_IP2), 0));
        }
        let id = match self.ep().connect(now, o) {
            Ok(id) => id,
            Err(e) => return Err(format!("connect: the endpoint refused: {e}")),
        };
        self.active = true;
        let info = self.assocs.entry(id).or_default();
        info.fd = Some(fd);
        info.active = true;
        self.socks.get_mut(&fd).expect("checked").kind = SockKind::Assoc(id);
        self.sut = Sut::ActiveConnecting;
        self.pump();
        Ok(id)
    }

    fn write(
        &mut self,
        fd: i32,
        len: i64,
        stream: u16,
        ppid: u32,
        opts: SendOptions,
        limit: i64,
    ) -> Result<Ret, String> {
        let Some(id) = self.assoc_of(fd) else {
            return Ok(Ret::Err("ENOTCONN"));
        };
        if !self.alive(id) {
            let a = self.assocs.get(&id);
            return Ok(Ret::Err(match a.and_then(|a| a.ended.clone()) {
                Some(Some(Reason::PeerAbort(_))) | Some(Some(Reason::LocalAbort)) => "ECONNRESET",
                _ => "EPIPE",
            }));
        }
        let data = vec![0u8; len.max(0) as usize];
        loop {
            let now = self.at(self.now);
            let r = self
                .ep()
                .send_with(now, id, stream, ppid, opts, data.clone());
            self.pump();
            return Ok(match r {
                Ok(()) => Ret::Ok(len),
                Err(SendError::WouldBlock) => {
                    if self.socks[&fd].nonblocking {
                        Ret::Err("EAGAIN")
                    } else {
                        match self.next_deadline() {
                            Some(d) if d <= limit => {
                                self.advance_to(d)?;
                                continue;
                            }
                            _ => return Err("write blocks and nothing would wake it".into()),
                        }
                    }
                }
                Err(SendError::Shutdown) => Ret::Err(if self.linux {
                    "ESHUTDOWN"
                } else {
                    "ECONNRESET"
                }),
                Err(SendError::NoAssociation) => Ret::Err("ENOTCONN"),
                Err(SendError::InvalidStream) => Ret::Err("EINVAL"),
                Err(SendError::TooLarge) => Ret::Err("EMSGSIZE"),
                Err(SendError::Empty) => Ret::Ok(0),
            });
        }
    }

    fn read(&mut self, s: &SyscallLine, fd: i32, len: i64, limit: i64) -> Step {
        let ready = |r: &Runner| match r.assoc_of(fd) {
            Some(id) => r
                .assocs
                .get(&id)
                .is_some_and(|a| !a.rx.is_empty() || a.peer_shutdown || a.ended.is_some()),
            None => true,
        };
        if !ready(self) && !self.socks[&fd].nonblocking {
            self.block_until(limit, "read", ready)?;
        }
        let nonblocking = self.socks[&fd].nonblocking;
        let ret;
        let mut msg_info = None;
        match self.assoc_of(fd) {
            None => ret = Ret::Err("ENOTCONN"),
            Some(id) => {
                let a = self.assocs.entry(id).or_default();
                if let Some(rx) = a.rx.front() {
                    let n = (rx.len() - a.offset).min(len.max(0) as usize);
                    if let sockio::Rx::Data(m) = rx {
                        msg_info = Some((m.stream, m.ssn, m.ppid, m.tsn, m.unordered));
                    }
                    a.offset += n;
                    let eor = a.offset >= rx.len();
                    if eor {
                        a.rx.pop_front();
                        a.offset = 0;
                    }
                    ret = Ret::Ok(n as i64);
                    if s.name == "sctp_recvmsg" {
                        if let Some(Expr::List(flags)) = s.args.get(6) {
                            let mut want = Vec::new();
                            for f in flags {
                                words(f, &mut want);
                            }
                            let has_eor = want.iter().any(|w| w == "MSG_EOR");
                            if has_eor != eor {
                                return Err(format!(
                                    "expected {} got msg_flags {}",
                                    syscall_text(s),
                                    if eor { "[MSG_EOR]" } else { "[]" }
                                ));
                            }
                        }
                    }
                } else if matches!(a.ended, Some(Some(Reason::PeerAbort(_))))
                    && !a.read_error_reported
                {
                    a.read_error_reported = true;
                    a.so_error = None;
                    ret = Ret::Err("ECONNRESET");
                } else if a.peer_shutdown || a.ended.is_some() {
                    ret = Ret::Ok(0);
                } else if nonblocking {
                    ret = Ret::Err("EAGAIN");
                } else {
                    return Err("read blocks and nothing would wake it".into());
                }
            }
        }
        if let (Some((stream, ssn, ppid, tsn, unordered)), Some(Expr::Struct(fields))) =
            (msg_info, s.args.get(5).filter(|_| s.name == "sctp_recvmsg"))
        {
            for (k, v) in fields {
                let got: i64 = match k.as_str() {
                    "sinfo_stream" => stream as i64,
                    "sinfo_ssn" => ssn as i64,
                    "sinfo_ppid" => ppid as i64,
                    "sinfo_tsn" => tsn as i64,
                    "sinfo_flags" => {
                        let mut w = Vec::new();
                        words(v, &mut w);
                        if w.is_empty() {
                            if int(v).is_some_and(|n| n != if unordered { 1024 } else { 0 }) {
                                return Err(format!(
                                    "expected {} got sinfo_flags {}",
                                    syscall_text(s),
                                    unordered
                                ));
                            }
                        } else if w.iter().any(|x| x == "SCTP_UNORDERED") != unordered {
                            return Err(format!(
                                "expected {} got sinfo_flags unordered={unordered}",
                                syscall_text(s)
                            ));
                        }
                        continue;
                    }
                    _ => continue,
                };
                let want = match v {
                    Expr::Htonl(n) | Expr::Htons(n) | Expr::Int(n) => *n,
                    _ => continue,
                };
                if want != got {
                    return Err(format!("expected {} got {k}={got}", syscall_text(s)));
                }
            }
        }
        let expected = int(&s.result).ok_or("read: the result must be a number")?;
        let ok = match &ret {
            Ret::Ok(n) => *n == expected && s.errno.is_none(),
            Ret::Err(e) => expected == -1 && s.errno.as_deref().is_none_or(|w| errno_same(w, e)),
        };
        if !ok {
            return Err(format!("expected {} got {}", syscall_text(s), ret.text()));
        }
        Ok(())
    }
}

/// packetdrill's `map_inbound_sctp_packet` for one chunk: the TSNs the
/// peer acknowledges are ours (script to live); the peer's own TSNs and tags
/// are taken as written.
fn map_inbound_chunk(b: &mut [u8], local_diff: u32, reflect: &mut bool, has_init: &mut bool) {
    let len = u16::from_be_bytes([b[2], b[3]]) as usize;
    let add = |b: &mut [u8], at: usize, d: u32| {
        if b.len() >= at + 4 {
            let v = u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]).wrapping_add(d);
            b[at..at + 4].copy_from_slice(&v.to_be_bytes());
        }
    };
    match b[0] {
        ty::INIT if len >= 20 => *has_init = true,
        ty::SACK if len >= 16 => {
            add(b, 4, local_diff);
            let ng = u16::from_be_bytes([b[12], b[13]]) as usize;
            let nd = u16::from_be_bytes([b[14], b[15]]) as usize;
            if len == 16 + 4 * (ng + nd) {
                for k in 0..nd {
                    add(b, 16 + 4 * ng + 4 * k, local_diff);
                }
            }
        }
        ty::ABORT | ty::SHUTDOWN_COMPLETE if len >= 4 && b[1] & 1 != 0 => *reflect = true,
        ty::SHUTDOWN if len >= 8 => add(b, 4, local_diff),
        // The peer's ECNE names our TSN; its CWR its own (RFC 9260 A).
        ty::ECNE if len >= 8 => add(b, 4, local_diff),
        _ => {}
    }
}

/// An ICMPv4 type and code by packetdrill's names (`icmp_packet.c`:
/// `icmpv4_types`, `icmpv4_unreachable_codes`; `type_N`, `code_N`).
fn icmp_numbers(ty: &str, code: Option<&str>) -> Result<(u8, u8), String> {
    let num = |s: &str, prefix: &str| s.strip_prefix(prefix).and_then(|n| n.parse::<u8>().ok());
    let t = match ty {
        "echo_reply" => 0,
        "unreachable" => 3,
        "source_quench" => 4,
        "redirect" => 5,
        "echo_request" => 8,
        "time_exceeded" => 11,
        "parameter_problem" => 12,
        _ => num(ty, "type_").ok_or_else(|| format!("bad ICMP type {ty}"))?,
    };
    let Some(code) = code else { return Ok((t, 0)) };
    const UNREACHABLE: [&str; 16] = [
        "net_unreachable",
        "host_unreachable",
        "protocol_unreachable",
        "port_unreachable",
        "frag_needed",
        "source_route_failed",
        "net_unknown",
        "host_unknown",
        "source_host_isolated",
        "net_prohibited",
        "host_prohibited",
        "net_unreachable_for_tos",
        "host_unreachable_for_tos",
        "packet_filtered",
        "precedence_violation",
        "precedence_cutoff",
    ];
    let c = match (t, code) {
        (3, c) if UNREACHABLE.contains(&c) => UNREACHABLE.iter().position(|n| *n == c).unwrap_or(0),
        (11, "ttl_exceeded_in_transit") => 0,
        (11, "frag_reass_exceeded") => 1,
        _ => num(code, "code_").ok_or_else(|| format!("bad ICMP code {code}"))? as usize,
    };
    Ok((t, c as u8))
}

#[cfg(test)]
mod all_extensions_tests {
    use super::*;

    #[test]
    fn every_extension_is_switched_on() {
        let c = with_all_extensions(Config::default());
        assert!(c.auth && c.pr_sctp && c.asconf && c.reconfig && c.interleaving);
        assert!(c.nr_sack && c.ecn && c.sack_immediately && c.pktdrop && c.nat_support);
        assert_eq!(c.zero_checksum_edmid, Some(1));
        // ASCONF and ASCONF-ACK authenticated (RFC 5061 4.1).
        assert!(c.auth_chunks.contains(&0xc1) && c.auth_chunks.contains(&0x80));
    }
}
