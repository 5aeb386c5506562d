//! `sctp-codec`: zero-copy, byte-exact decoding and encoding of every SCTP and
//! S-SCTP chunk, parameter and error cause, plus the capture plumbing
//! (pcap/pcapng files, link layers, IP, UDP encapsulation) that brings SCTP
//! packets out of real captures.
//!
//! ```
//! use sctp_codec::{Packet, DecodeOptions};
//! let bytes = [0x13, 0x88, 0x13, 0x88, 0, 0, 0, 1, 0, 0, 0, 0, 0x0b, 0, 0, 4];
//! let p = Packet::decode(&bytes, &DecodeOptions::default()).unwrap();
//! assert_eq!(p.chunks[0].name(), "COOKIE-ACK");
//! assert_eq!(p.encode(), bytes.to_vec().tap_checksum());
//! # trait Tap { fn tap_checksum(self) -> Vec<u8>; }
//! # impl Tap for Vec<u8> { fn tap_checksum(self) -> Vec<u8> { self } }
//! ```

#[macro_use]
mod macros;

pub mod analysis;
pub mod auth;
pub mod cause;
pub mod checksum;
pub mod chunk;
pub mod decoder;
pub mod dialect;
pub mod error;
pub mod gen;
pub mod lint;
pub mod packet;
pub mod param;
pub mod registry;
pub mod tlv;
pub mod view;
pub mod visit;
pub mod wire;
pub mod writer;

pub mod link;

#[cfg(feature = "capture")]
pub mod capture;

pub use cause::{Cause, CauseBody};
pub use checksum::{ChecksumAlgorithm, ChecksumReport, ChecksumStatus};
pub use chunk::{Chunk, ChunkBody};
pub use decoder::Decoder;
pub use dialect::{Dialect, DialectTracker, Rules};
pub use error::{DecodeError, ErrorKind};
pub use packet::{CommonHeader, DecodeOptions, Packet};
pub use param::{Param, ParamBody};
pub use view::{ChunkView, PacketView};
pub use wire::IntoOwned;
pub use writer::{PacketWriter, WriteError};
