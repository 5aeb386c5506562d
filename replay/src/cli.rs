//! The `list` and `raw` subcommands' command lines. Exit status 2 on bad
//! input (a file that is not a capture, a directory, a bad option) with a
//! message naming the frame or the cause.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::list;
use crate::raw::{self, RawOptions, Target, Timing};

const LIST_USAGE: &str = "usage: sctp-replay list FILE [--json] [--udp-port P]...";
const RAW_USAGE: &str =
    "usage: sctp-replay raw FILE --to udp:HOST:PORT|raw:HOST|iface:NAME [--rewrite-addr OLD=NEW]...
                       [--rewrite-port OLD=NEW]... [--timing asis|Nx|top] [--loop N] [--no-progress]
                       [--batch N] [--dst-mac MAC] [--udp-port P]...";

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("sctp-replay: {msg}");
    ExitCode::from(2)
}

/// `sctp-replay list FILE [--json] [--udp-port P]...` (UDP encapsulation
/// ports besides 9899, RFC 6951).
pub fn list_main(args: impl Iterator<Item = String>) -> ExitCode {
    let (mut json, mut file) = (false, None);
    let mut udp_ports: Vec<u16> = Vec::new();
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--json" => json = true,
            "--udp-port" => match args.next().map(|v| v.parse::<u16>()) {
                Some(Ok(p)) => udp_ports.push(p),
                _ => return fail(format!("--udp-port needs a port number\n{LIST_USAGE}")),
            },
            "-h" | "--help" => {
                println!("{LIST_USAGE}");
                return ExitCode::SUCCESS;
            }
            _ if a.starts_with('-') && a != "-" => {
                return fail(format!("unknown option {a}\n{LIST_USAGE}"))
            }
            _ if file.is_none() => file = Some(PathBuf::from(a)),
            _ => return fail(format!("one capture file only\n{LIST_USAGE}")),
        }
    }
    let Some(file) = file else {
        return fail(LIST_USAGE);
    };
    match list::list_with_udp_ports(&file, &udp_ports) {
        Ok(l) => {
            if json {
                print!("{}", list::json(&l));
            } else {
                print!("{}", list::text(&l, &file.display().to_string()));
            }
            if l.sctp_packets == 0 {
                if let Some(h) = sctp_codec::capture::udp_sctp_hint(&file) {
                    eprintln!("sctp-replay: hint: {h}");
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

fn pair<T: std::str::FromStr>(opt: &str, v: &str) -> Result<(T, T), String> {
    let (a, b) = v
        .split_once('=')
        .ok_or_else(|| format!("{opt} {v}: expected OLD=NEW"))?;
    let p = |x: &str| {
        x.trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<T>()
            .map_err(|_| format!("{opt} {v}: cannot read {x:?}"))
    };
    Ok((p(a)?, p(b)?))
}

fn raw_options(args: impl Iterator<Item = String>) -> Result<(PathBuf, RawOptions), String> {
    let mut args = args;
    let (mut file, mut target) = (None, None);
    let mut opts = RawOptions {
        target: Target::Raw(IpAddr::from([0, 0, 0, 0])),
        rewrite_addr: Vec::new(),
        rewrite_port: Vec::new(),
        timing: Timing::AsIs,
        loops: 1,
        progress: raw::stderr_is_terminal(),
        batch: raw::BATCH,
        dst_mac: None,
        udp_ports: Vec::new(),
    };
    while let Some(a) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| format!("{name} needs a value\n{RAW_USAGE}"))
        };
        match a.as_str() {
            "--to" => target = Some(value("--to")?.parse::<Target>()?),
            "--rewrite-addr" => {
                let v = value("--rewrite-addr")?;
                let (o, n): (IpAddr, IpAddr) = pair("--rewrite-addr", &v)?;
                if o.is_ipv4() != n.is_ipv4() {
                    return Err(format!(
                        "--rewrite-addr {v}: both addresses must be IPv4 or both IPv6"
                    ));
                }
                opts.rewrite_addr.push((o, n));
            }
            "--rewrite-port" => {
                let v = value("--rewrite-port")?;
                opts.rewrite_port.push(pair("--rewrite-port", &v)?);
            }
            "--timing" => opts.timing = value("--timing")?.parse()?,
            "--loop" => {
                let v = value("--loop")?;
                opts.loops = v
                    .parse()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| format!("--loop {v}: expected a count of at least 1"))?;
            }
            "--batch" => {
                let v = value("--batch")?;
                opts.batch = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=raw::BATCH).contains(n))
                    .ok_or_else(|| {
                        format!("--batch {v}: expected 1 to {} packets per call", raw::BATCH)
                    })?;
            }
            "--dst-mac" => {
                let v = value("--dst-mac")?;
                let b: Vec<u8> = v
                    .split(':')
                    .map(|x| u8::from_str_radix(x, 16))
                    .collect::<Result<_, _>>()
                    .map_err(|_| {
                        format!("--dst-mac {v}: expected six hex bytes like 02:00:00:00:00:01")
                    })?;
                opts.dst_mac = Some(b.try_into().map_err(|_| {
                    format!("--dst-mac {v}: expected six hex bytes like 02:00:00:00:00:01")
                })?);
            }
            "--udp-port" => {
                let v = value("--udp-port")?;
                opts.udp_ports.push(
                    v.parse()
                        .map_err(|_| format!("--udp-port {v}: expected a port number"))?,
                );
            }
            "--no-progress" => opts.progress = false,
            "--progress" => opts.progress = true,
            _ if a.starts_with('-') => return Err(format!("unknown option {a}\n{RAW_USAGE}")),
            _ if file.is_none() => file = Some(PathBuf::from(a)),
            _ => return Err(format!("one capture file only\n{RAW_USAGE}")),
        }
    }
    let file = file.ok_or_else(|| format!("no capture file\n{RAW_USAGE}"))?;
    opts.target = target.ok_or_else(|| format!("--to is needed\n{RAW_USAGE}"))?;
    Ok((file, opts))
}

/// `sctp-replay raw FILE --to ...`.
pub fn raw_main(args: impl Iterator<Item = String>) -> ExitCode {
    let args: Vec<String> = args.collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{RAW_USAGE}");
        return ExitCode::SUCCESS;
    }
    let (file, opts) = match raw_options(args.into_iter()) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let loaded = match raw::load(&file, &opts) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    if loaded.spans.is_empty() {
        return fail(format!(
            "{}: no SCTP packets to send in {} frames (SCTP over UDP on a port other \
             than 9899? name it with --udp-port P)",
            file.display(),
            loaded.frames
        ));
    }
    match raw::send(&loaded, &opts) {
        Ok(s) => {
            println!("{}", s.line());
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}
