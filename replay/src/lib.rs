//! `sctp-replay`: runs packetdrill scripts in their SCTP dialect against
//! [`sctp_endpoint::Endpoint`] in memory, on a virtual clock. No network and
//! no wall clock: the run starts at one `Instant::now()` and adds the
//! script's times to it.
//!
//! - [`lexer`] and [`ast`]: packetdrill's script language (its `lexer.l` and
//!   `parser.y`), with `#ifdef`, option lines, packets, system calls.
//! - [`spec`]: chunks, parameters and causes with packetdrill's meaning of
//!   `...` and of computed lengths; encoding, checking and printing.
//! - [`ext`]: the extension chunks' notation (I_DATA, FORWARD_TSN,
//!   I_FORWARD_TSN, NR_SACK, PAD, RECONFIG).
//! - [`runner`]: the run itself (timing tolerance, tag/TSN mapping, socket
//!   calls onto the endpoint's API).
//! - [`suite`]: files, `.exfail` expectations and the summary.
//! - [`list`]: the associations of a capture (`sctp-replay list`).
//! - [`live`]: playing one side of a captured association against a live
//!   peer (`sctp-replay live`).
//! - [`raw`]: re-sending a capture's packets as they are (`sctp-replay raw`).
//! - [`cli`]: the command lines of `list` and `raw`.
//!
//! ```
//! use sctp_replay::runner::{run_text, Outcome, RunOptions};
//! let script = "0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n\
//!               +0 bind(3, ..., ...) = 0\n\
//!               +0 listen(3, 1) = 0\n\
//!               +0 < sctp: INIT[flgs=0, tag=1, a_rwnd=1500, os=1, is=1, tsn=1]\n\
//!               +0 > sctp: INIT_ACK[flgs=0, tag=2, a_rwnd=..., os=..., is=..., tsn=1, ...]\n";
//! let report = run_text(script, &RunOptions::default()).unwrap();
//! assert_eq!(report.outcome, Outcome::Pass);
//! ```
#![forbid(unsafe_code)]

pub mod all_ext;
pub mod ast;
pub mod cli;
pub mod ext;
pub mod lexer;
pub mod list;
pub mod live;
pub mod raw;
pub mod runner;
pub mod spec;
pub mod suite;
pub mod to_script;
