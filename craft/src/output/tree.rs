//! The full tree (`-V`): every chunk, parameter, cause and field, indented,
//! with the byte offset of each field.

use std::fmt::Write as _;

use sctp_codec::visit::{Node, Span, Value, Visitor};
use sctp_codec::ChecksumReport;

/// A visitor that prints an indented tree.
pub struct TreeWriter<'o> {
    out: &'o mut String,
    depth: usize,
    /// The B bit of the chunk being written (I-DATA's PPID or FSN).
    b_bit: u8,
}

impl<'o> TreeWriter<'o> {
    /// A writer appending to `out`, starting at indentation `depth`.
    pub fn new(out: &'o mut String, depth: usize) -> Self {
        TreeWriter {
            out,
            depth,
            b_bit: 0,
        }
    }
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("    ");
        }
    }
}

/// Appends the checksum verdict line that heads a packet's tree.
pub fn checksum_line(out: &mut String, r: &ChecksumReport) {
    let _ = writeln!(
        out,
        "    checksum: 0x{:08x} {} ({} 0x{:08x})",
        r.value,
        r.status.as_str(),
        r.algorithm.as_str(),
        r.computed
    );
}

/// Formats a leaf value for people.
pub fn fmt_value(value: Value<'_>) -> String {
    match value {
        Value::Uint { v, bits } => match bits {
            32 => format!("{v} (0x{v:08x})"),
            16 => format!("{v} (0x{v:04x})"),
            _ => format!("{v} (0x{v:02x})"),
        },
        Value::Bytes(b) if b.len() <= 32 => format!("[{}] {}", b.len(), hex::encode(b)),
        Value::Bytes(b) => format!("[{}] {}...", b.len(), hex::encode(&b[..32])),
        Value::Text(b) => format!("{:?}", String::from_utf8_lossy(b)),
        Value::Ipv4(a) => a.to_string(),
        Value::Ipv6(a) => a.to_string(),
    }
}

impl Visitor for TreeWriter<'_> {
    fn field(&mut self, name: &'static str, span: Span, value: Value<'_>) {
        self.indent();
        // A Payload Protocol Identifier gets its IANA name: DATA's, and
        // I-DATA's first fragment's (B bit set).
        let ppid = match (name, value) {
            ("payload_protocol_identifier", Value::Uint { v, .. }) => Some(v),
            ("ppid_or_fsn", Value::Uint { v, .. }) if self.b_bit == 1 => Some(v),
            _ => None,
        };
        let named = ppid
            .and_then(|v| u32::try_from(v).ok())
            .and_then(sctp_codec::registry::ppid);
        match named {
            Some(p) => {
                let _ = writeln!(
                    self.out,
                    "{name}: {} = {}  @{}",
                    fmt_value(value),
                    p.description,
                    span.at
                );
            }
            None => {
                let _ = writeln!(self.out, "{name}: {}  @{}", fmt_value(value), span.at);
            }
        }
    }
    fn flag(&mut self, name: &'static str, _span: Span, mask: u8, value: u8) {
        if name == "b_bit" {
            self.b_bit = value;
        }
        self.indent();
        let _ = writeln!(self.out, "flag {name} (mask 0x{mask:02x}): {value}");
    }
    fn open(&mut self, name: &'static str, span: Span, node: Node) {
        self.indent();
        match node {
            Node::List => {
                let _ = writeln!(self.out, "{name}:");
            }
            Node::Record => {
                let _ = writeln!(self.out, "{name}  @{}", span.at);
            }
            Node::Packet => {
                let _ = writeln!(self.out, "{name}: SCTP packet  @{}", span.at);
            }
            Node::Chunk {
                ty,
                name,
                flags,
                length,
            } => {
                self.b_bit = 0;
                let _ = writeln!(self.out, "Chunk {name} (type {ty}, 0x{ty:02x}), flags 0x{flags:02x}, length {length}  @{}", span.at);
            }
            Node::Param { ty, name, length } => {
                let _ = writeln!(
                    self.out,
                    "Parameter {name} (type 0x{ty:04x}), length {length}  @{}",
                    span.at
                );
            }
            Node::Cause { code, name, length } => {
                let _ = writeln!(
                    self.out,
                    "Cause {name} (code 0x{code:04x}), length {length}  @{}",
                    span.at
                );
            }
        }
        self.depth += 1;
    }
    fn close(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
    /// Appends what a number means to the line just written, before its
    /// `  @offset`: `= meaning` after a field or flag, `[note]` on the
    /// header line for a note on the type number.
    fn meaning(&mut self, name: &'static str, _span: Span, text: &'static str) {
        let start = self.out[..self.out.len().saturating_sub(1)]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let at = match self.out[start..].rfind("  @") {
            Some(i) => start + i,
            None => self.out.len() - usize::from(self.out.ends_with('\n')),
        };
        let note = if name == "type" {
            format!(" [{text}]")
        } else {
            format!(" = {text}")
        };
        self.out.insert_str(at, &note);
    }
    fn malformed(&mut self, span: Span, error: &sctp_codec::DecodeError) {
        self.indent();
        let _ = writeln!(
            self.out,
            "!! malformed ({} bytes @{}): {error}",
            span.len, span.at
        );
    }
}
