//! `sctp-craft`: build, edit, dissect, save, send and receive SCTP and S-SCTP packets.
//!
//! With no arguments on a terminal it starts the REPL; `run FILE` / `run -`
//! and `-c 'cmd; cmd'` run the same language in batch; `dissect` prints captures.

mod repl;

use sctp_craft::dissect;
use sctp_craft::lang::{Flow, Session};

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Command line of `sctp-craft`.
#[derive(Parser)]
#[command(
    name = "sctp-craft",
    version,
    about = "Build, dissect and send SCTP and S-SCTP packets",
    long_about = "Build, dissect and send SCTP and S-SCTP packets.\n\nWithout arguments on a terminal: the REPL. `sctp-craft -c help` lists the language."
)]
struct Cli {
    /// Run these statements (separated by ';' or newlines) and exit.
    #[arg(short = 'c', value_name = "STATEMENTS")]
    statements: Option<String>,
    /// Seed every random default (tags, TSNs, cookies, random parameters,
    /// the association's tag and initial TSN): the same seed and script give
    /// the same bytes (the REPL's `seed N` does the same).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Dissect every SCTP packet of a capture (pcap, pcapng, .gz; "-" for stdin).
    Dissect(Box<dissect::DissectArgs>),
    /// The association and per-stream tables of a capture (--json: one object a line).
    Assoc(sctp_craft::assoc_cmd::AssocArgs),
    /// One association as an SVG picture: TSNs, receiver window or RTT over time.
    Graph(sctp_craft::graph::GraphArgs),
    /// Captures (files, directories) as a Parquet dataset for DuckDB, DataFusion or Spark.
    Export(sctp_craft::export::ExportArgs),
    /// Run a script of the crafting language ("-" reads stdin).
    Run {
        /// The script.
        file: PathBuf,
    },
    /// Start the REPL (the default on a terminal).
    Repl,
}

/// Runs a script; errors print as `FILE: line L, column C: ...` with a caret.
fn run_script(name: &str, src: &str, seed: Option<u64>) -> ExitCode {
    let mut s = Session::new();
    s.color = false;
    if let Some(n) = seed {
        s.set_seed(n);
    }
    match s.run_script(src) {
        Ok(Flow::Continue) | Ok(Flow::Quit) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sctp-craft: {name}: {}", e.render(src));
            ExitCode::from(1)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(stmts) = cli.statements {
        return run_script("-c", &stmts, cli.seed);
    }
    match cli.command {
        Some(Command::Dissect(a)) => match dissect::run(&a) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("sctp-craft: {e:#}");
                ExitCode::from(2)
            }
        },
        Some(Command::Assoc(a)) => match sctp_craft::assoc_cmd::run(&a) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("sctp-craft: {e:#}");
                ExitCode::from(2)
            }
        },
        Some(Command::Graph(a)) => match sctp_craft::graph::run(&a) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("sctp-craft: {e:#}");
                ExitCode::from(2)
            }
        },
        Some(Command::Export(a)) => match sctp_craft::export::run(&a) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("sctp-craft: {e:#}");
                ExitCode::from(2)
            }
        },
        Some(Command::Run { file }) => {
            let (name, src) = if file.as_os_str() == "-" {
                let mut s = String::new();
                if let Err(e) = std::io::stdin().read_to_string(&mut s) {
                    eprintln!("sctp-craft: stdin: {e}");
                    return ExitCode::from(2);
                }
                ("-".to_string(), s)
            } else {
                match std::fs::read_to_string(&file) {
                    Ok(s) => (file.display().to_string(), s),
                    Err(e) => {
                        eprintln!("sctp-craft: {}: {e}", file.display());
                        return ExitCode::from(2);
                    }
                }
            };
            run_script(&name, &src, cli.seed)
        }
        Some(Command::Repl) => repl::run(cli.seed),
        None => {
            if std::io::stdin().is_terminal() {
                repl::run(cli.seed)
            } else {
                let mut s = String::new();
                if let Err(e) = std::io::stdin().read_to_string(&mut s) {
                    eprintln!("sctp-craft: stdin: {e}");
                    return ExitCode::from(2);
                }
                run_script("-", &s, cli.seed)
            }
        }
    }
}
