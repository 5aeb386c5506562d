//! `sctp-replay script [--json] [-D NAME]... FILE.pkt...`: runs packetdrill
//! scripts against the endpoint in memory; exit status 0 only when none
//! failed.
//!
//! `sctp-replay list FILE [--json]`: the associations of a capture.
//!
//! `sctp-replay raw FILE --to udp:HOST:PORT|raw:HOST|iface:NAME ...`: re-sends a
//! capture's SCTP packets as they are.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use sctp_replay::runner::RunOptions;
use sctp_replay::suite::{json, run_file, text_line, Status};

const USAGE: &str =
    "usage: sctp-replay script [--json] [--os freebsd|linux] [--all-extensions] [-D NAME]... FILE.pkt...";
const ALL_USAGE: &str =
    "usage: sctp-replay script [--json] [--os freebsd|linux] [--all-extensions] [-D NAME]... FILE.pkt...
       sctp-replay list FILE [--json] [--udp-port P]...
       sctp-replay live FILE [--assoc N] --play client|server --peer udp:HOST:PORT|raw:HOST [--port P]
                       [--timing asis|fast|Nx] [--wait MS] [--no-loss] [--rto-min MS] [--udp-port P]...
                       [--json FILE] [--record FILE] [--plot FILE.svg]
       sctp-replay to-script FILE [--assoc N] --play client|server [--udp-port P]... [-o OUT.pkt]
       sctp-replay raw FILE --to udp:HOST:PORT|raw:HOST|iface:NAME [--rewrite-addr OLD=NEW]...
                       [--rewrite-port OLD=NEW]... [--timing asis|Nx|top] [--loop N] [--no-progress]
                       [--batch N] [--dst-mac MAC] [--udp-port P]...
Each subcommand's --help prints its own usage.";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("script") => script(args),
        Some("list") => sctp_replay::cli::list_main(args),
        Some("raw") => sctp_replay::cli::raw_main(args),
        Some("to-script") => sctp_replay::to_script::main(args),
        Some("live") => sctp_replay::live::main(args),
        Some("-h" | "--help") => {
            println!("{ALL_USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{ALL_USAGE}");
            ExitCode::from(2)
        }
    }
}

fn script(args: impl Iterator<Item = String>) -> ExitCode {
    let mut json_out = false;
    let mut opts = RunOptions::default();
    let mut files = Vec::new();
    let mut args = args.peekable();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--json" => json_out = true,
            "--all-extensions" => opts.all_extensions = true,
            "-D" | "--define" => match args.next() {
                Some(d) => opts.defines.push(d),
                None => {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "--os" => match args.next().as_deref() {
                Some("freebsd") => opts.defines = vec!["FreeBSD".into()],
                Some("linux") => opts.defines = vec!["Linux".into()],
                _ => {
                    eprintln!("--os takes freebsd or linux");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ if a.starts_with("--define=") => {
                opts.defines.push(a["--define=".len()..].to_string())
            }
            _ if a.starts_with('-') => {
                eprintln!("unknown option {a}\n{USAGE}");
                return ExitCode::from(2);
            }
            _ => files.push(PathBuf::from(a)),
        }
    }
    if files.is_empty() {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let (mut passed, mut failed, mut xfail, mut xpass) = (0, 0, 0, 0);
    for f in &files {
        let r = run_file(f, &opts);
        match r.status {
            Status::Pass => passed += 1,
            Status::XFail { .. } => xfail += 1,
            Status::XPass => xpass += 1,
            _ => failed += 1,
        }
        let line = if json_out {
            json(&r).to_string()
        } else {
            text_line(&r)
        };
        if !say(&line) {
            // The reader went away (`| head`): stop quietly, as grep does.
            return ExitCode::FAILURE;
        }
    }
    let summary = if json_out {
        serde_json::json!({"summary": true, "passed": passed, "failed": failed, "xfail": xfail, "xpass": xpass, "total": files.len()})
            .to_string()
    } else {
        let mut tail = String::new();
        if xfail + xpass > 0 {
            tail = format!(" ({xfail} expected failures, {xpass} unexpected passes)");
        }
        format!("{passed} passed, {failed} failed{tail}")
    };
    if !say(&summary) {
        return ExitCode::FAILURE;
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Prints one line on standard output; false when it is closed (a pipe
/// whose reader has gone), instead of the panic `println!` would raise.
fn say(line: &str) -> bool {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").and_then(|_| out.flush()).is_ok()
}
