//! JSON output: one object per SCTP packet, written straight from the codec's
//! visitor walk (no intermediate tree).

use std::fmt::Write as _;

use sctp_codec::visit::{Node, Span, Value, Visitor};

use std::net::IpAddr;

use sctp_codec::{ChecksumReport, CommonHeader};

use super::fast::{dec, ip};
use super::time::{self, FrameTime};

/// Appends a JSON string literal.
pub fn push_str(out: &mut String, s: &str) {
    // Names and most text need no escaping: copy them in one go.
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(s);
        out.push('"');
        return;
    }
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends bytes as a lower-case hex string literal.
pub fn push_hex(out: &mut String, b: &[u8]) {
    out.reserve(b.len() * 2 + 2);
    out.push('"');
    let mut buf = [0u8; 512];
    for block in b.chunks(256) {
        let text = &mut buf[..2 * block.len()];
        if hex::encode_to_slice(block, text).is_ok() {
            // Hex digits are ASCII: the conversion cannot fail.
            out.push_str(std::str::from_utf8(text).unwrap_or_default());
        }
    }
    out.push('"');
}

/// Appends a key known to need no escaping (a codec field or flag name:
/// lower-case letters, digits and `_`).
fn push_ident(out: &mut String, s: &str) {
    out.push('"');
    out.push_str(s);
    out.push('"');
}

/// What the start of a packet's JSON object says about it.
pub struct PacketHead<'a> {
    /// 1-based frame number in the capture.
    pub frame: u64,
    /// Source address.
    pub src: &'a IpAddr,
    /// Destination address.
    pub dst: &'a IpAddr,
    /// The SCTP common header.
    pub header: &'a CommonHeader,
    /// How SCTP was carried (`ip`, `udp`, `icmp`).
    pub encapsulation: &'a str,
    /// The frame was cut short by the capture's snap length.
    pub truncated: bool,
    /// The checksum verdict.
    pub checksum: &'a ChecksumReport,
    /// When the frame was captured.
    pub time: &'a FrameTime,
}

/// Appends `{"frame":..,"src":..,...,"checksum":{..},"chunks":[` for one packet.
pub fn packet_head(out: &mut String, p: &PacketHead<'_>) {
    let h = p.header;
    out.push_str("{\"frame\":");
    dec(out, p.frame);
    // As tshark's JSON: frame.time (here RFC 3339, UTC), frame.time_epoch,
    // frame.time_relative and frame.time_delta, in nanoseconds.
    out.push_str(",\"time\":\"");
    time::rfc3339(out, p.time.epoch_ns);
    for (key, ns) in [
        ("\",\"time_epoch\":\"", p.time.epoch_ns),
        ("\",\"time_relative\":\"", p.time.relative_ns()),
        ("\",\"time_delta\":\"", p.time.delta_ns()),
    ] {
        out.push_str(key);
        time::seconds(out, ns, 9);
    }
    out.push('"');
    for (key, addr) in [(",\"src\":\"", p.src), (",\"dst\":\"", p.dst)] {
        out.push_str(key);
        ip(out, addr);
        out.push('"');
    }
    for (key, v) in [
        (",\"src_port\":", u64::from(h.source_port)),
        (",\"dst_port\":", h.destination_port.into()),
        (",\"vtag\":", h.verification_tag.into()),
    ] {
        out.push_str(key);
        dec(out, v);
    }
    out.push_str(",\"encapsulation\":");
    push_str(out, p.encapsulation);
    out.push_str(if p.truncated {
        ",\"truncated\":true"
    } else {
        ",\"truncated\":false"
    });
    out.push_str(",\"checksum\":{\"value\":");
    dec(out, p.checksum.value.into());
    out.push_str(",\"computed\":");
    dec(out, p.checksum.computed.into());
    out.push_str(",\"status\":");
    push_str(out, p.checksum.status.as_str());
    out.push_str(",\"algorithm\":");
    push_str(out, p.checksum.algorithm.as_str());
    out.push_str("},\"chunks\":[");
}

/// A visitor that writes JSON into a string.
pub struct JsonWriter<'o> {
    out: &'o mut String,
    /// For each open group: is it an array, and has it had an element yet.
    stack: Vec<(bool, bool)>,
    /// For each list opened by the walk: its name and the meanings of its
    /// items so far (written after it as `"NAME_meanings":[...]`).
    lists: Vec<(&'static str, Vec<&'static str>)>,
}

impl<'o> JsonWriter<'o> {
    /// A writer appending to `out`, positioned inside an object (`in_array`
    /// false) or an array (true) that the caller opened.
    pub fn new(out: &'o mut String, in_array: bool, has_items: bool) -> Self {
        JsonWriter {
            out,
            stack: vec![(in_array, has_items)],
            lists: Vec::new(),
        }
    }

    fn sep(&mut self, name: &str) {
        let (is_array, has) = self.stack.last().copied().unwrap_or((false, false));
        if has {
            self.out.push(',');
        }
        if let Some(top) = self.stack.last_mut() {
            top.1 = true;
        }
        if !is_array {
            push_ident(self.out, name);
            self.out.push(':');
        }
    }

    fn value(&mut self, value: Value<'_>) {
        match value {
            Value::Uint { v, .. } => dec(self.out, v),
            Value::Bytes(b) => push_hex(self.out, b),
            Value::Text(b) => push_str(self.out, &String::from_utf8_lossy(b)),
            Value::Ipv4(a) => {
                self.out.push('"');
                ip(self.out, &a.into());
                self.out.push('"');
            }
            Value::Ipv6(a) => push_str(self.out, &a.to_string()),
        }
    }
}

impl Visitor for JsonWriter<'_> {
    fn field(&mut self, name: &'static str, _span: Span, value: Value<'_>) {
        self.sep(name);
        self.value(value);
    }
    fn flag(&mut self, name: &'static str, _span: Span, _mask: u8, value: u8) {
        self.sep(name);
        dec(self.out, value.into());
    }
    fn open(&mut self, name: &'static str, _span: Span, node: Node) {
        self.sep(name);
        match node {
            Node::List => {
                self.out.push('[');
                self.stack.push((true, false));
                self.lists.push((name, Vec::new()));
            }
            Node::Record | Node::Packet => {
                self.out.push('{');
                self.stack.push((false, false));
            }
            Node::Chunk {
                ty,
                name,
                flags,
                length,
            } => {
                self.out.push_str("{\"type\":");
                dec(self.out, ty.into());
                self.out.push_str(",\"name\":");
                push_str(self.out, name);
                self.out.push_str(",\"flags\":");
                dec(self.out, flags.into());
                self.out.push_str(",\"length\":");
                dec(self.out, length.into());
                self.stack.push((false, true));
            }
            Node::Param { ty, name, length } => {
                self.out.push_str("{\"type\":");
                dec(self.out, ty.into());
                self.out.push_str(",\"name\":");
                push_str(self.out, name);
                self.out.push_str(",\"length\":");
                dec(self.out, length.into());
                self.stack.push((false, true));
            }
            Node::Cause { code, name, length } => {
                self.out.push_str("{\"code\":");
                dec(self.out, code.into());
                self.out.push_str(",\"name\":");
                push_str(self.out, name);
                self.out.push_str(",\"length\":");
                dec(self.out, length.into());
                self.stack.push((false, true));
            }
        }
    }
    fn close(&mut self) {
        if let Some((is_array, _)) = self.stack.pop() {
            self.out.push(if is_array { ']' } else { '}' });
            // The meanings of a list's items follow it: "cipher_suites_meanings".
            if let Some((name, m)) = is_array.then(|| self.lists.pop()).flatten() {
                if !m.is_empty() && self.stack.last().is_some_and(|(a, _)| !a) {
                    self.out.push_str(",\"");
                    self.out.push_str(name);
                    self.out.push_str("_meanings\":[");
                    for (k, t) in m.iter().enumerate() {
                        if k > 0 {
                            self.out.push(',');
                        }
                        push_str(self.out, t);
                    }
                    self.out.push(']');
                }
            }
        }
    }
    /// `"NAME_meaning":"..."` after the field (`type_meaning` for a note on
    /// the type number); inside a list, kept for the list's `_meanings`.
    fn meaning(&mut self, name: &'static str, _span: Span, text: &'static str) {
        match self.stack.last() {
            Some((false, _)) => {
                self.out.push_str(",\"");
                self.out.push_str(name);
                self.out.push_str("_meaning\":");
                push_str(self.out, text);
            }
            _ => {
                if let Some((_, m)) = self.lists.last_mut() {
                    m.push(text);
                }
            }
        }
    }
    /// `"malformed":{"offset":..,"length":..,"error":".."}` in the object of
    /// the chunk, parameter or cause whose value stops decoding there (what
    /// decoded before it is in the same object).
    fn malformed(&mut self, span: Span, error: &sctp_codec::DecodeError) {
        self.sep("malformed");
        self.out.push_str("{\"offset\":");
        dec(self.out, span.at as u64);
        self.out.push_str(",\"length\":");
        dec(self.out, span.len as u64);
        self.out.push_str(",\"error\":");
        push_str(self.out, &error.to_string());
        self.out.push('}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_strings() {
        let mut s = String::new();
        let bytes: Vec<u8> = (0..=255).collect();
        push_hex(&mut s, &bytes);
        assert_eq!(s, format!("\"{}\"", hex::encode(&bytes)));
        s.clear();
        push_str(&mut s, "a\"b\\c\n\u{1}");
        assert_eq!(s, r#""a\"b\\c\n\u0001""#);
    }
}
