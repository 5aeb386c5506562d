//! `sctp-endpoint`: serve SCTP associations or connect and measure, over UDP
//! encapsulation (RFC 6951) or raw IP (protocol 132, root only), with the
//! sans-IO endpoint of this crate.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use sctp_endpoint::driver::raw::RawDriver;
use sctp_endpoint::driver::udp::UdpDriver;
use sctp_endpoint::send::{Abandoned, PrPolicy, SendOptions};
use sctp_endpoint::{
    AssocChange, AssocId, Config, ConnectOptions, Endpoint, Event, Reason, SendError,
};

#[derive(Parser)]
#[command(
    version,
    about = "A sans-IO SCTP endpoint (RFC 9260) over UDP encapsulation (RFC 6951) or raw IP"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Accept associations and echo or discard what arrives, until Ctrl-C.
    Serve {
        /// Local UDP port for SCTP over UDP (9899 is the IANA port).
        #[arg(
            long,
            value_name = "LOCAL_UDP_PORT",
            required_unless_present = "raw",
            conflicts_with = "raw"
        )]
        udp: Option<u16>,
        /// Raw IP (protocol 132) on this local address instead of UDP
        /// (needs root or CAP_NET_RAW).
        #[arg(long, value_name = "LOCAL_ADDR")]
        raw: Option<IpAddr>,
        /// Local address to bind (UDP).
        #[arg(long, default_value = "0.0.0.0", conflicts_with = "raw")]
        bind: IpAddr,
        /// SCTP port to accept associations on (1-65535: RFC 9260 3.1 forbids 0).
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
        port: u16,
        /// What to do with each message.
        #[arg(long, value_enum, default_value = "discard")]
        mode: Mode,
        /// Stop after this many associations have ended (default: run until Ctrl-C).
        #[arg(long)]
        associations: Option<u64>,
        /// The path MTU: SCTP packets are this minus the IP (and UDP) headers.
        #[arg(long, default_value_t = 1500)]
        mtu: usize,
        #[command(flatten)]
        ext: Extensions,
    },
    /// Associate, send COUNT messages of SIZE bytes, shut down, print throughput.
    Connect {
        /// The peer's UDP encapsulation address.
        #[arg(
            long,
            value_name = "HOST:UDP_PORT",
            required_unless_present = "raw",
            conflicts_with = "raw"
        )]
        udp: Option<String>,
        /// The peer's address, over raw IP (protocol 132) instead of UDP
        /// (needs root or CAP_NET_RAW).
        #[arg(long, value_name = "HOST")]
        raw: Option<String>,
        /// Local UDP port (default: any).
        #[arg(long, default_value_t = 0, conflicts_with = "raw")]
        local_udp: u16,
        /// The peer's SCTP port (1-65535: RFC 9260 3.1 forbids 0).
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
        port: u16,
        /// Our SCTP port (default: one derived from the process id).
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
        local_port: Option<u16>,
        /// Messages to send.
        #[arg(long, default_value_t = 1000)]
        count: u64,
        /// Bytes per message.
        #[arg(long, default_value_t = 1200)]
        size: usize,
        /// Streams to send on, round-robin.
        #[arg(long, default_value_t = 1)]
        streams: u16,
        /// Send unordered (U bit).
        #[arg(long)]
        unordered: bool,
        /// Partial reliability of every message (RFC 3758, RFC 7496):
        /// ttl:MS (abandoned MS milliseconds after it was sent), rtx:N (at
        /// most N retransmissions), prio:P (abandoned for a message of a
        /// lower P when the send buffer is full). Needs the peer to support
        /// PR-SCTP; the closing line counts the abandoned messages.
        #[arg(long, value_name = "POLICY", value_parser = parse_pr_policy, conflicts_with = "echo")]
        pr_policy: Option<PrPolicy>,
        /// Wait for every message to come back and check bytes, stream and order.
        #[arg(long)]
        echo: bool,
        /// Print the result as one JSON object.
        #[arg(long)]
        json: bool,
        /// Give up on the handshake after this many seconds.
        #[arg(long, default_value_t = 10.0)]
        timeout: f64,
        /// The path MTU: SCTP packets are this minus the IP (and UDP) headers.
        #[arg(long, default_value_t = 1500)]
        mtu: usize,
        #[command(flatten)]
        ext: Extensions,
    },
}

/// The extensions offered in INIT / INIT ACK (each on or off per endpoint).
#[derive(Args, Clone, Debug)]
struct Extensions {
    /// Offer SCTP-AUTH (RFC 4895); implied by the other --auth options.
    #[arg(long)]
    auth: bool,
    /// Chunk types the peer must authenticate, by name or number
    /// (e.g. data,sack or 0,3).
    #[arg(long, value_name = "TYPES", value_delimiter = ',')]
    auth_chunks: Vec<String>,
    /// A shared key ID:TEXT (or ID:0xHEX); the first one given is the active key.
    #[arg(long, value_name = "ID:KEY")]
    auth_key: Vec<String>,
    /// HMAC algorithms in order of preference: sha256, sha1.
    #[arg(long, value_name = "ALGOS", value_delimiter = ',')]
    auth_hmac: Vec<String>,
    /// Refuse peers that do not offer SCTP-AUTH.
    #[arg(long)]
    auth_required: bool,
    /// Offer I-DATA and user-message interleaving (RFC 8260).
    #[arg(long)]
    idata: bool,
    /// Offer ECN (RFC 9260 Appendix A): the drivers set ECT(0) and read CE marks.
    #[arg(long)]
    ecn: bool,
    /// Do not offer partial reliability (RFC 3758; offered by default).
    #[arg(long)]
    no_pr: bool,
    /// Offer zero checksums (RFC 9653) with this error detection method
    /// (1: SCTP over DTLS); only where a lower layer protects the packets.
    #[arg(long, value_name = "EDMID")]
    zero_checksum: Option<u32>,
    /// Offer stream reconfiguration (RFC 6525 RE-CONFIG): the peer may
    /// reset streams and add streams.
    #[arg(long)]
    reconfig: bool,
    /// Offer NR-SACK (non-renegable acknowledgements, as FreeBSD).
    #[arg(long)]
    nr_sack: bool,
    /// Offer ASCONF (RFC 5061: the peer may add and delete addresses);
    /// implies --auth, which ASCONF needs.
    #[arg(long)]
    asconf: bool,
    /// Set the I bit (RFC 7053) on the last chunk before the send queue runs dry.
    #[arg(long)]
    sack_immediately: bool,
    /// Offer PKTDROP (draft-stewart-sctp-pktdrprep): report packets dropped
    /// for a bad checksum or a full buffer, resend what the peer reports.
    #[arg(long)]
    pktdrop: bool,
    /// NAT support (draft-ietf-tsvwg-natsupp): Disable Restart, no address
    /// parameters in INIT, act on a middlebox's collision and Missing State
    /// reports (the latter with ASCONF: add --asconf).
    #[arg(long)]
    nat: bool,
    /// S-SCTP (draft-hohendorf-secure-sctp-15): offer secure sessions and
    /// run ours at this level (1 authentication, 2 DATA encrypted, 3 every
    /// chunk encrypted; 0 offers S-SCTP but starts no session).
    #[arg(long, value_name = "LEVEL", value_parser = clap::value_parser!(u8).range(0..=3))]
    secure: Option<u8>,
    /// S-SCTP requirement: default, use (fall back to clear), require or
    /// unique (refuse a peer without S-SCTP).
    #[arg(long, value_name = "POLICY", default_value = "use")]
    secure_policy: String,
    /// S-SCTP cipher suites to offer and accept, in preference order:
    /// numbers or names of the draft's table (5.1.1), `default` (the DH and
    /// RSA suites with AES), `all-insecure` (DES, 3DES, NULL) or `all`.
    /// The insecure suites are used only when listed here.
    #[arg(long, value_name = "LIST")]
    secure_suites: Option<String>,
    /// Our certificate chain (PEM; Ed25519, ECDSA P-256 or RSA) for S-SCTP.
    #[arg(long, value_name = "FILE")]
    cert: Option<std::path::PathBuf>,
    /// Our private key (PKCS#8 PEM or DER: Ed25519, ECDSA P-256 or RSA) for
    /// S-SCTP; an RSA key also serves the RSA key-exchange suites.
    #[arg(long, value_name = "FILE")]
    key: Option<std::path::PathBuf>,
    /// Trusted root certificates (PEM) for the peer's S-SCTP certificate.
    #[arg(long, value_name = "FILE")]
    trust: Option<std::path::PathBuf>,
    /// Stream scheduler (RFC 8260 3).
    #[arg(long, value_enum, default_value = "round-robin")]
    scheduler: SchedulerArg,
    /// Append each generation of S-SCTP session keys to this key log
    /// (`SSCTP` lines, docs/auth-keys.md), for `sctp-craft dissect
    /// --analysis --auth-keys FILE` and the Wireshark plugin. Needs --secure.
    #[arg(long, value_name = "FILE")]
    ssctp_keylog: Option<std::path::PathBuf>,
}

/// `--scheduler` values.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum SchedulerArg {
    /// First come, first served.
    Fcfs,
    /// One message per stream in turn.
    RoundRobin,
    /// Lowest stream priority value first.
    Priority,
}

impl Extensions {
    /// Appends an `Event::SecureKeys` to the --ssctp-keylog file as an
    /// `SSCTP` line (docs/auth-keys.md): tags, reference, suite, keys.
    fn log_keys(&self, e: &Event) -> Result<()> {
        use std::io::Write as _;
        let (
            Some(path),
            Event::SecureKeys {
                reference,
                suite,
                enc,
                mac,
                tags,
                ..
            },
        ) = (&self.ssctp_keylog, e)
        else {
            return Ok(());
        };
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let line = format!(
            "SSCTP {:#010x} {:#010x} {reference} {suite} 0x{} 0x{}\n",
            tags.0,
            tags.1,
            hex(enc),
            hex(mac)
        );
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(line.as_bytes()))
            .with_context(|| format!("--ssctp-keylog {}", path.display()))
    }

    /// Sets these on `cfg`.
    fn apply(&self, cfg: &mut Config) -> Result<()> {
        use sctp_codec::auth::HmacAlgorithm;
        cfg.interleaving = self.idata;
        cfg.ecn = self.ecn;
        cfg.pr_sctp = !self.no_pr;
        cfg.zero_checksum_edmid = self.zero_checksum;
        cfg.reconfig = self.reconfig;
        cfg.nr_sack = self.nr_sack;
        cfg.asconf = self.asconf;
        cfg.sack_immediately = self.sack_immediately;
        cfg.pktdrop = self.pktdrop;
        cfg.nat_support = self.nat;
        cfg.scheduler = match self.scheduler {
            SchedulerArg::Fcfs => sctp_endpoint::Scheduler::Fcfs,
            SchedulerArg::RoundRobin => sctp_endpoint::Scheduler::RoundRobin,
            SchedulerArg::Priority => sctp_endpoint::Scheduler::Priority,
        };
        if let Some(level) = self.secure {
            use sctp_endpoint::secure::{Credentials, Requirement, SecureConfig};
            let read = |p: &std::path::PathBuf| {
                std::fs::read(p).map_err(|e| anyhow!("{}: {e}", p.display()))
            };
            let mut creds = Credentials {
                // The driver owns the clock: certificates are checked now.
                time: std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .ok()
                    .map(|d| d.as_secs()),
                ..Default::default()
            };
            if let Some(p) = &self.cert {
                creds.chain =
                    Credentials::pem_certs(&read(p)?).map_err(|e| anyhow!("--cert: {e}"))?;
            }
            if let Some(p) = &self.key {
                creds.key =
                    Some(Credentials::pkcs8_key(&read(p)?).map_err(|e| anyhow!("--key: {e}"))?);
            }
            if let Some(p) = &self.trust {
                creds.trust =
                    Credentials::pem_certs(&read(p)?).map_err(|e| anyhow!("--trust: {e}"))?;
            }
            if creds.chain.is_empty() != creds.key.is_none() {
                bail!("--cert and --key go together");
            }
            let requirement = Requirement::parse(&self.secure_policy).ok_or_else(|| {
                anyhow!(
                    "--secure-policy: {:?} is not default, use, require or unique",
                    self.secure_policy
                )
            })?;
            let suites = match &self.secure_suites {
                Some(l) => sctp_endpoint::secure::suite::parse_list(l)
                    .map_err(|e| anyhow!("--secure-suites: {e}"))?,
                None => Vec::new(),
            };
            cfg.secure = Some(SecureConfig {
                level,
                requirement,
                suites,
                require_peer_cert: !creds.trust.is_empty(),
                credentials: creds,
                export_keys: self.ssctp_keylog.is_some(),
                ..Default::default()
            });
        } else if self.ssctp_keylog.is_some() {
            bail!("--ssctp-keylog needs --secure LEVEL");
        } else if self.secure_suites.is_some() {
            bail!("--secure-suites needs --secure LEVEL");
        }
        if self.asconf {
            cfg.auth = true;
        }
        cfg.auth = self.auth
            || self.auth_required
            || !self.auth_chunks.is_empty()
            || !self.auth_key.is_empty()
            || !self.auth_hmac.is_empty();
        cfg.auth_required = self.auth_required;
        for t in &self.auth_chunks {
            let t = t.trim();
            let ty = match t.parse::<u8>() {
                Ok(n) => n,
                Err(_) => {
                    use sctp_codec::registry::{self, DialectTag, Family};
                    let want = registry::ident_key(t);
                    registry::all()
                        .find(|i| {
                            i.family == Family::Chunk
                                && i.dialect == DialectTag::Standard
                                && i.key() == want
                        })
                        .map(|i| i.value as u8)
                        .ok_or_else(|| anyhow!("--auth-chunks: no chunk type is called {t:?}"))?
                }
            };
            cfg.auth_chunks.push(ty);
        }
        if !self.auth_hmac.is_empty() {
            cfg.auth_hmacs.clear();
            for h in &self.auth_hmac {
                cfg.auth_hmacs
                    .push(match h.trim().to_ascii_lowercase().as_str() {
                        "sha1" | "sha-1" | "1" => HmacAlgorithm::Sha1,
                        "sha256" | "sha-256" | "3" => HmacAlgorithm::Sha256,
                        other => bail!("--auth-hmac: {other:?} is not sha1 or sha256"),
                    });
            }
        }
        for (i, k) in self.auth_key.iter().enumerate() {
            let (id, key) = k
                .split_once(':')
                .ok_or_else(|| anyhow!("--auth-key {k:?}: expected ID:KEY"))?;
            let id: u16 = id
                .parse()
                .map_err(|_| anyhow!("--auth-key {k:?}: the key id must be 0..65535"))?;
            let bytes = match key.strip_prefix("0x") {
                Some(h) => hex::decode(h).map_err(|e| anyhow!("--auth-key {k:?}: {e}"))?,
                None => key.as_bytes().to_vec(),
            };
            cfg.auth_keys.retain(|(i, _)| *i != id);
            cfg.auth_keys.push((id, bytes));
            if i == 0 {
                cfg.auth_active_key = id;
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Mode {
    Echo,
    Discard,
}

fn main() {
    let cli = Cli::parse();
    let r = match cli.cmd {
        Cmd::Serve {
            udp,
            raw,
            bind,
            port,
            mode,
            associations,
            mtu,
            ext,
        } => serve(
            match raw {
                Some(addr) => Transport::Raw(addr),
                None => Transport::Udp(SocketAddr::new(bind, udp.unwrap_or(9899))),
            },
            port,
            mode,
            associations,
            mtu,
            &ext,
        ),
        Cmd::Connect {
            udp,
            raw,
            local_udp,
            port,
            local_port,
            count,
            size,
            streams,
            unordered,
            pr_policy,
            echo,
            json,
            timeout,
            mtu,
            ext,
        } => connect(ConnectArgs {
            udp,
            raw,
            local_udp,
            port,
            local_port,
            count,
            size,
            streams,
            unordered,
            pr_policy: pr_policy.unwrap_or_default(),
            echo,
            json,
            timeout,
            mtu,
            ext,
        })
        .map(|ok| {
            if !ok {
                std::process::exit(1)
            }
        }),
    };
    if let Err(e) = r {
        eprintln!("sctp-endpoint: {e:#}");
        std::process::exit(2);
    }
}

/// Seed for tags, TSNs and the cookie secret: from the OS (the endpoint
/// itself never draws randomness on its own).
fn seed() -> [u8; 32] {
    let mut s = [0u8; 32];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        use std::io::Read;
        let _ = f.read_exact(&mut s);
    }
    let t = Instant::now().elapsed().as_nanos() ^ std::process::id() as u128;
    for (i, b) in t.to_le_bytes().iter().enumerate() {
        s[i] ^= b;
    }
    s
}

fn interrupted() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    let _ = ctrlc::set_handler(move || f.store(true, Ordering::SeqCst));
    flag
}

/// Where packets go: UDP encapsulation from a local UDP address, or raw IP
/// on a local IP address.
enum Transport {
    Udp(SocketAddr),
    Raw(IpAddr),
}

/// The two drivers, as the commands use them.
trait Net {
    fn ep(&mut self) -> &mut Endpoint;
    fn step(&mut self, max_wait: Duration) -> std::io::Result<()>;
    fn flush(&mut self);
    fn local_ip(&self) -> IpAddr;
    fn send_errors(&self) -> u64;
    /// ICMP port unreachable reports for what we sent (UDP only): nothing
    /// listens on the peer's UDP port.
    fn icmp_refused(&self) -> u64;
    /// "UDP 1.2.3.4:9899" or "raw IP 1.2.3.4".
    fn describe(&self) -> String;
}

impl Net for UdpDriver {
    fn ep(&mut self) -> &mut Endpoint {
        &mut self.ep
    }
    fn step(&mut self, max_wait: Duration) -> std::io::Result<()> {
        UdpDriver::step(self, max_wait)
    }
    fn flush(&mut self) {
        UdpDriver::flush(self)
    }
    fn local_ip(&self) -> IpAddr {
        UdpDriver::local_ip(self)
    }
    fn send_errors(&self) -> u64 {
        self.send_errors
    }
    fn icmp_refused(&self) -> u64 {
        self.icmp_refused
    }
    fn describe(&self) -> String {
        match self.local_addr() {
            Ok(a) => format!("UDP {a}"),
            Err(_) => "UDP".into(),
        }
    }
}

impl Net for RawDriver {
    fn ep(&mut self) -> &mut Endpoint {
        &mut self.ep
    }
    fn step(&mut self, max_wait: Duration) -> std::io::Result<()> {
        RawDriver::step(self, max_wait)
    }
    fn flush(&mut self) {
        RawDriver::flush(self)
    }
    fn local_ip(&self) -> IpAddr {
        RawDriver::local_ip(self)
    }
    fn send_errors(&self) -> u64 {
        self.send_errors
    }
    fn icmp_refused(&self) -> u64 {
        0
    }
    fn describe(&self) -> String {
        format!("raw IP {}", self.local_ip())
    }
}

/// How an association ended, in words: the change, the reason and, for an
/// ABORT without cause after ICMP port unreachable reports, that nothing
/// listens on the peer's UDP port (RFC 6951 5.5 makes it an ABORT).
fn ending(change: AssocChange, reason: Option<&Reason>, d: &dyn Net) -> String {
    match reason {
        Some(Reason::PeerAbort(c)) if c.is_empty() && d.icmp_refused() > 0 => format!(
            "{change}; the peer's UDP port answered ICMP port unreachable (nothing listens there, and RFC 6951 5.5 makes that an ABORT)"
        ),
        Some(Reason::Shutdown) if change == AssocChange::ShutdownComplete => change.to_string(),
        Some(r) => format!("{change}; {r}"),
        None => change.to_string(),
    }
}

/// Opens the driver for `t` around `ep`.
fn open(ep: Endpoint, t: &Transport) -> Result<Box<dyn Net>> {
    // ICMP errors about our packets (RFC 9260 Appendix C, 7.3) are read
    // where the kernel offers them; without, the timers still work.
    Ok(match t {
        Transport::Udp(a) => {
            let mut d = UdpDriver::bind(ep, *a).with_context(|| format!("cannot bind UDP {a}"))?;
            let _ = d.enable_icmp();
            Box::new(d)
        }
        Transport::Raw(ip) => {
            let mut d = RawDriver::bind(ep, *ip)
                .with_context(|| format!("cannot open raw IP (protocol 132) on {ip}"))?;
            let _ = d.enable_icmp();
            Box::new(d)
        }
    })
}

/// The largest SCTP packet for a path MTU of `mtu` over transport `t`
/// (RFC 9260 7.3; RFC 6951 5.6: the UDP header comes off too).
fn packet_size(t: &Transport, v6: bool, mtu: usize) -> Result<usize> {
    let ip = if v6 { 40 } else { 20 };
    let udp = if matches!(t, Transport::Udp(_)) { 8 } else { 0 };
    match mtu.checked_sub(ip + udp) {
        Some(n) if n >= 512 => Ok(n),
        _ => bail!("--mtu {mtu} leaves less than 512 bytes for an SCTP packet"),
    }
}

fn serve(
    t: Transport,
    port: u16,
    mode: Mode,
    stop_after: Option<u64>,
    mtu: usize,
    ext: &Extensions,
) -> Result<()> {
    let v6 = match &t {
        Transport::Udp(a) => a.is_ipv6(),
        Transport::Raw(ip) => ip.is_ipv6(),
    };
    let mut cfg = Config {
        max_packet: packet_size(&t, v6, mtu)?,
        ..Config::default()
    };
    ext.apply(&mut cfg)?;
    let mut ep = Endpoint::new(cfg, Instant::now(), seed());
    ep.listen(port);
    let mut d = open(ep, &t)?;
    let stop = interrupted();
    eprintln!(
        "sctp-endpoint: serving SCTP port {port} over {} ({}), Ctrl-C to stop",
        d.describe(),
        if mode == Mode::Echo {
            "echo"
        } else {
            "discard"
        }
    );
    let mut counts: HashMap<AssocId, (u64, u64)> = HashMap::new();
    let mut ended = 0u64;
    // Messages waiting for send-buffer room (echo mode).
    let mut backlog: HashMap<AssocId, std::collections::VecDeque<sctp_endpoint::Message>> =
        HashMap::new();
    while !stop.load(Ordering::SeqCst) {
        d.step(Duration::from_millis(100))?;
        while let Some(e) = d.ep().poll_event() {
            match e {
                Event::AssocChange {
                    id,
                    change: AssocChange::CommUp | AssocChange::Restart,
                    streams,
                    ..
                } => {
                    let peer = d.ep().status(id).map(|s| s.peer_addrs[0]);
                    println!(
                        "assoc {} up: peer {} streams {}/{}",
                        id.0,
                        peer.map_or("?".into(), |p| p.to_string()),
                        streams.0,
                        streams.1
                    );
                    counts.insert(id, (0, 0));
                }
                Event::AssocChange {
                    id, change, reason, ..
                } => {
                    let (m, b) = counts.remove(&id).unwrap_or_default();
                    backlog.remove(&id);
                    println!(
                        "assoc {} ended ({}): {m} messages, {b} bytes",
                        id.0,
                        ending(change, reason.as_ref(), d.as_ref())
                    );
                    ended += 1;
                }
                e @ Event::SecureKeys { .. } => ext.log_keys(&e)?,
                e @ (Event::SecureSessionUp { .. }
                | Event::SecureLevelChanged { .. }
                | Event::SecureRekeyed { .. }
                | Event::SecureClosed { .. }
                | Event::SecureFailure { .. }
                | Event::IcmpReceived { .. }
                | Event::PartialDeliveryAborted { .. }) => println!("{e:?}"),
                Event::Message { id, message } => {
                    let c = counts.entry(id).or_default();
                    // A message handed over in pieces (partial delivery)
                    // counts once, with its last piece.
                    c.0 += u64::from(message.complete);
                    c.1 += message.data.len() as u64;
                    if mode == Mode::Echo {
                        backlog.entry(id).or_default().push_back(message);
                    }
                }
                _ => {}
            }
        }
        for (id, q) in backlog.iter_mut() {
            while let Some(m) = q.front() {
                match d
                    .ep()
                    .send(*id, m.stream, m.ppid, m.unordered, m.data.clone())
                {
                    Ok(()) => {
                        q.pop_front();
                    }
                    Err(SendError::WouldBlock) => break,
                    Err(_) => {
                        q.clear();
                    }
                }
            }
        }
        if stop_after.is_some_and(|n| ended >= n) {
            break;
        }
    }
    // Let pending SHUTDOWN COMPLETEs and ABORTs out.
    d.flush();
    Ok(())
}

struct ConnectArgs {
    udp: Option<String>,
    raw: Option<String>,
    local_udp: u16,
    port: u16,
    local_port: Option<u16>,
    count: u64,
    size: usize,
    streams: u16,
    unordered: bool,
    pr_policy: PrPolicy,
    echo: bool,
    json: bool,
    timeout: f64,
    mtu: usize,
    ext: Extensions,
}

/// `--pr-policy ttl:MS|rtx:N|prio:P` (RFC 7496 4.1-4.3).
fn parse_pr_policy(s: &str) -> Result<PrPolicy, String> {
    let (kind, value) = s
        .split_once(':')
        .ok_or_else(|| format!("{s:?}: expected ttl:MS, rtx:N or prio:P"))?;
    let n: u64 = value
        .parse()
        .map_err(|_| format!("{s:?}: {value:?} is not a number"))?;
    match kind {
        "ttl" => Ok(PrPolicy::Ttl(Duration::from_millis(n))),
        "rtx" => u32::try_from(n)
            .map(PrPolicy::Rtx)
            .map_err(|_| format!("{s:?}: at most {} retransmissions", u32::MAX)),
        "prio" => u16::try_from(n)
            .map(PrPolicy::Priority)
            .map_err(|_| format!("{s:?}: priorities go up to {}", u16::MAX)),
        _ => Err(format!("{s:?}: expected ttl:MS, rtx:N or prio:P")),
    }
}

/// Message `i` on `stream`: its index and a pattern, so that any change shows.
fn message(i: u64, stream: u16, size: usize) -> Vec<u8> {
    let mut v = vec![0u8; size.max(1)];
    let head = [i.to_be_bytes().as_slice(), &stream.to_be_bytes()].concat();
    for (k, b) in v.iter_mut().enumerate() {
        *b = if k < head.len() {
            head[k]
        } else {
            (k as u64).wrapping_mul(31).wrapping_add(i) as u8
        };
    }
    v
}

fn connect(a: ConnectArgs) -> Result<bool> {
    if a.streams == 0 {
        bail!("--streams must be at least 1");
    }
    if a.size == 0 {
        bail!("--size must be at least 1 (SCTP has no empty messages, RFC 9260 6.2)");
    }
    let remote: SocketAddr = match (&a.udp, &a.raw) {
        (Some(udp), _) => udp
            .to_socket_addrs()
            .with_context(|| format!("cannot resolve {udp:?} (expected HOST:UDP_PORT)"))?
            .next()
            .ok_or_else(|| anyhow!("{udp:?} resolves to no address"))?,
        (None, Some(host)) => (host.as_str(), 0)
            .to_socket_addrs()
            .or_else(|_| {
                // A bare IPv6 address has colons of its own.
                host.parse::<IpAddr>()
                    .map(|ip| vec![SocketAddr::new(ip, 0)].into_iter())
            })
            .with_context(|| format!("cannot resolve {host:?} (expected HOST)"))?
            .next()
            .ok_or_else(|| anyhow!("{host:?} resolves to no address"))?,
        (None, None) => bail!("give --udp HOST:UDP_PORT or --raw HOST"),
    };
    let transport = if a.raw.is_some() {
        Transport::Raw(route_source(remote.ip())?)
    } else if remote.is_ipv4() {
        Transport::Udp(SocketAddr::new("0.0.0.0".parse()?, a.local_udp))
    } else {
        Transport::Udp(SocketAddr::new("::".parse()?, a.local_udp))
    };
    let mut cfg = Config {
        outbound_streams: a.streams.max(1),
        max_message_size: a.size.max(1 << 20),
        max_packet: packet_size(&transport, remote.is_ipv6(), a.mtu)?,
        ..Config::default()
    };
    a.ext.apply(&mut cfg)?;
    let ep = Endpoint::new(cfg, Instant::now(), seed());
    let mut d = open(ep, &transport)?;
    let local_port = a
        .local_port
        .unwrap_or(1024 + (std::process::id() % 60000) as u16);
    let stop = interrupted();
    let start = Instant::now();
    let local_ip = d.local_ip();
    let id = d
        .ep()
        .connect(
            start,
            ConnectOptions {
                streams: Some(a.streams),
                ..ConnectOptions::new(local_ip, local_port, remote, a.port)
            },
        )
        .map_err(|e| anyhow!("connect: {e}"))?;
    // Handshake.
    let deadline = start + Duration::from_secs_f64(a.timeout);
    loop {
        if stop.load(Ordering::SeqCst) {
            bail!("interrupted during the handshake");
        }
        if Instant::now() > deadline {
            bail!(
                "no association with {remote} (SCTP port {}) after {:.1} s: the peer did not answer INIT{}",
                a.port,
                a.timeout,
                if d.icmp_refused() > 0 {
                    " (its UDP port answers ICMP port unreachable)"
                } else if d.send_errors() > 0 {
                    " (sending failed: no route?)"
                } else {
                    ""
                }
            );
        }
        d.step(Duration::from_millis(50))?;
        let mut up = None;
        while let Some(e) = d.ep().poll_event() {
            match e {
                Event::AssocChange {
                    change: AssocChange::CommUp,
                    streams,
                    ..
                } => up = Some(streams),
                Event::AssocChange { change, reason, .. } => {
                    bail!(
                        "association with {remote} {}",
                        ending(change, reason.as_ref(), d.as_ref())
                    )
                }
                _ => {}
            }
        }
        if let Some(s) = up {
            if s.0 < a.streams {
                eprintln!(
                    "sctp-endpoint: the peer accepts {} streams of the {} asked for",
                    s.0, a.streams
                );
            }
            break;
        }
    }
    let streams = d.ep().status(id).map_or(1, |s| s.streams.0.max(1));
    let t0 = Instant::now();
    let progress = std::io::stderr().is_terminal() && !a.json;
    let mut sent = 0u64;
    let mut echoed = 0u64;
    let mut echo_bad = 0u64;
    let mut next_echo: HashMap<u16, u64> = HashMap::new();
    let mut failure: Option<String> = None;
    let mut last_draw = Instant::now();
    let mut last_counts = (0, None, Abandoned::default());
    loop {
        if stop.load(Ordering::SeqCst) {
            failure = Some("interrupted".into());
            break;
        }
        while sent < a.count {
            let s = (sent % streams as u64) as u16;
            let opts = SendOptions {
                unordered: a.unordered,
                pr: a.pr_policy,
            };
            let now = Instant::now();
            match d
                .ep()
                .send_with(now, id, s, 0, opts, message(sent, s, a.size))
            {
                Ok(()) => sent += 1,
                Err(SendError::WouldBlock) => break,
                Err(e) => {
                    failure = Some(format!("send: {e}"));
                    break;
                }
            }
        }
        if failure.is_some() {
            break;
        }
        // The counters as they stand before this step: an association that
        // fails in it is gone afterwards, and its figures with it.
        if let Some(s) = d.ep().status(id) {
            last_counts = (s.retransmissions, s.auth, s.abandoned);
        }
        d.step(Duration::from_millis(20))?;
        while let Some(e) = d.ep().poll_event() {
            match e {
                Event::Message { message: m, .. } => {
                    let i = u64::from_be_bytes(
                        m.data[..8.min(m.data.len())]
                            .try_into()
                            .unwrap_or([0xff; 8]),
                    );
                    let ok = m.data == message(i, m.stream, a.size)
                        && (i % streams as u64) as u16 == m.stream;
                    let in_order = if a.unordered {
                        true
                    } else {
                        let n = next_echo.entry(m.stream).or_insert(m.stream as u64);
                        let good = *n == i;
                        *n = i + streams as u64;
                        good
                    };
                    if !(ok && in_order) {
                        echo_bad += 1;
                    }
                    echoed += 1;
                }
                Event::AssocChange { change, reason, .. } => {
                    failure = Some(format!(
                        "association ended early: {}",
                        ending(change, reason.as_ref(), d.as_ref())
                    ));
                }
                e @ Event::SecureKeys { .. } => a.ext.log_keys(&e)?,
                e @ (Event::SecureSessionUp { .. }
                | Event::SecureLevelChanged { .. }
                | Event::SecureRekeyed { .. }
                | Event::SecureClosed { .. }
                | Event::SecureFailure { .. }) => eprintln!("sctp-endpoint: {e:?}"),
                _ => {}
            }
        }
        if failure.is_some() {
            break;
        }
        if progress && last_draw.elapsed() > Duration::from_millis(200) {
            last_draw = Instant::now();
            let done = if a.echo { echoed } else { sent };
            let width = 30;
            let fill = (done * width / a.count.max(1)) as usize;
            eprint!(
                "\r[{}{}] {done}/{} messages",
                "#".repeat(fill),
                " ".repeat(width as usize - fill),
                a.count
            );
            let _ = std::io::stderr().flush();
        }
        // Everything sent was acknowledged (the SenderDry event may come in
        // an earlier step than the last echo: ask the status).
        let acked = sent == a.count
            && d.ep()
                .status(id)
                .is_some_and(|s| s.outstanding == 0 && s.queued == 0);
        if acked && (!a.echo || echoed >= a.count) {
            break;
        }
    }
    let seconds = t0.elapsed().as_secs_f64();
    let (retransmissions, auth, abandoned) = d
        .ep()
        .status(id)
        .map_or(last_counts, |s| (s.retransmissions, s.auth, s.abandoned));
    let abandoned_total = abandoned.ttl + abandoned.rtx + abandoned.priority;
    let pr = a.pr_policy != PrPolicy::Reliable;
    // Graceful shutdown.
    let now = Instant::now();
    d.ep().shutdown(now, id);
    let sd_deadline = Instant::now() + Duration::from_secs(10);
    let mut closed = false;
    while !closed && Instant::now() < sd_deadline {
        d.step(Duration::from_millis(20))?;
        while let Some(e) = d.ep().poll_event() {
            if let Event::AssocChange { change, reason, .. } = e {
                closed = true;
                if change != AssocChange::ShutdownComplete && failure.is_none() {
                    failure = Some(format!(
                        "shutdown ended otherwise: {}",
                        ending(change, reason.as_ref(), d.as_ref())
                    ));
                }
                let _ = reason.as_ref().map(|r: &Reason| r);
            }
        }
    }
    if !closed && failure.is_none() {
        failure = Some("shutdown did not complete within 10 s".into());
    }
    if progress {
        eprintln!();
    }
    let bytes = sent * a.size as u64;
    let mbit_s = bytes as f64 * 8.0 / seconds.max(1e-9) / 1e6;
    if a.echo && echo_bad > 0 && failure.is_none() {
        failure = Some(format!(
            "{echo_bad} echoed messages differ or arrived out of order"
        ));
    }
    let ok = failure.is_none();
    if a.json {
        println!(
            "{{\"messages\":{sent},\"bytes\":{bytes},\"seconds\":{seconds:.6},\"mbit_s\":{mbit_s:.3},\"retransmissions\":{retransmissions},\"echoed\":{echoed},\"ok\":{ok}{}{}{}}}",
            if pr {
                format!(
                    ",\"abandoned\":{{\"ttl\":{},\"rtx\":{},\"priority\":{}}}",
                    abandoned.ttl, abandoned.rtx, abandoned.priority
                )
            } else {
                String::new()
            },
            auth.map(|s| format!(
                ",\"auth\":{{\"sent\":{},\"verified\":{},\"bad_hmac\":{},\"unauthenticated\":{}}}",
                s.sent, s.verified, s.bad_hmac, s.unauthenticated
            ))
            .unwrap_or_default(),
            failure
                .as_ref()
                .map(|f| format!(",\"error\":{:?}", f))
                .unwrap_or_default()
        );
    } else {
        println!(
            "{} {sent} messages, {bytes} bytes in {seconds:.3} s: {mbit_s:.1} Mbit/s, {retransmissions} retransmissions{}{}{}{}",
            if ok { "ok" } else { "FAILED" },
            if pr {
                format!(", {abandoned_total} abandoned")
            } else {
                String::new()
            },
            if a.echo { format!(", {echoed} echoed") } else { String::new() },
            auth.map(|s| format!(
                ", AUTH: {} sent, {} verified, {} bad",
                s.sent, s.verified, s.bad_hmac + s.unknown_key + s.unsupported_hmac + s.unauthenticated
            ))
            .unwrap_or_default(),
            failure.map(|f| format!(": {f}")).unwrap_or_default()
        );
    }
    Ok(ok)
}

/// The local address the kernel would send from to reach `remote` (a UDP
/// socket "connected" there sends nothing), for raw IP, where the endpoint
/// must name its own address.
fn route_source(remote: IpAddr) -> Result<IpAddr> {
    let any: IpAddr = if remote.is_ipv4() {
        "0.0.0.0".parse()?
    } else {
        "::".parse()?
    };
    let s = std::net::UdpSocket::bind(SocketAddr::new(any, 0))?;
    s.connect(SocketAddr::new(remote, 9))
        .with_context(|| format!("no route to {remote}"))?;
    Ok(s.local_addr()?.ip())
}
