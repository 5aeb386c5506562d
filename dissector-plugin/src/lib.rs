//! `sctpkit`: a native Wireshark 4.0 dissector plugin for SCTP and S-SCTP,
//! built on `sctp-codec`. Filter prefix `sctpkit`; field names mirror the
//! built-in `sctp` dissector where it has the same wire field.
//!
//! All FFI and every `unsafe` block live in [`ffi`]; the rest is safe Rust
//! over the codec's types.

pub mod analysis;
pub mod assoc;
pub mod dissect;
pub mod ffi;
pub mod fields;
pub mod names;
pub mod plugin;
pub mod reassembly;
pub mod stats;
pub mod tap;
pub mod tree;
