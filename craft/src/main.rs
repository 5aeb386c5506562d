//! `sctp-craft`: build, edit, dissect, save, send and receive SCTP and S-SCTP packets.

use sctp_craft::dissect;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Command line of `sctp-craft`.
#[derive(Parser)]
#[command(
    name = "sctp-craft",
    version,
    about = "Build, dissect and send SCTP and S-SCTP packets"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Dissect every SCTP packet of a capture (pcap, pcapng, .gz; "-" for stdin).
    Dissect(dissect::DissectArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let r = match cli.command {
        Command::Dissect(a) => dissect::run(&a),
    };
    match r {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sctp-craft: {e:#}");
            ExitCode::from(2)
        }
    }
}
