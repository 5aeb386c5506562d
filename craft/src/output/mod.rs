//! How `sctp-craft` prints packets: summary lines, trees, JSON, hex dumps.

pub mod fast;
pub mod hexdump;
pub mod json;
pub mod stats;
pub mod summary;
pub mod time;
pub mod tree;
pub mod zero_checksum;
