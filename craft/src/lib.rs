//! `sctp-craft` as a library: the dissector output, the crafting language,
//! the REPL, the wire (UDP encapsulation and raw IP) and the association
//! follower. The binary in `main.rs` is a thin command line over these.

pub mod analysis_out;
pub mod assoc;
pub mod assoc_cmd;
pub mod capfile;
pub mod dissect;
pub mod export;
pub mod files;
pub mod filter;
pub mod graph;
pub mod lang;
pub mod output;
pub mod wire;
