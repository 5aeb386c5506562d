//! JSON output: one object per SCTP packet, written straight from the codec's
//! visitor walk (no intermediate tree).

use std::fmt::Write as _;

use sctp_codec::visit::{Node, Span, Value, Visitor};

/// Appends a JSON string literal.
pub fn push_str(out: &mut String, s: &str) {
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
    const H: &[u8; 16] = b"0123456789abcdef";
    out.reserve(b.len() * 2 + 2);
    out.push('"');
    for &x in b {
        out.push(H[(x >> 4) as usize] as char);
        out.push(H[(x & 15) as usize] as char);
    }
    out.push('"');
}

/// A visitor that writes JSON into a string.
pub struct JsonWriter<'o> {
    out: &'o mut String,
    /// For each open group: is it an array, and has it had an element yet.
    stack: Vec<(bool, bool)>,
}

impl<'o> JsonWriter<'o> {
    /// A writer appending to `out`, positioned inside an object (`in_array`
    /// false) or an array (true) that the caller opened.
    pub fn new(out: &'o mut String, in_array: bool, has_items: bool) -> Self {
        JsonWriter {
            out,
            stack: vec![(in_array, has_items)],
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
            push_str(self.out, name);
            self.out.push(':');
        }
    }

    fn value(&mut self, value: Value<'_>) {
        match value {
            Value::Uint { v, .. } => {
                let _ = write!(self.out, "{v}");
            }
            Value::Bytes(b) => push_hex(self.out, b),
            Value::Text(b) => push_str(self.out, &String::from_utf8_lossy(b)),
            Value::Ipv4(a) => push_str(self.out, &a.to_string()),
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
        let _ = write!(self.out, "{value}");
    }
    fn open(&mut self, name: &'static str, _span: Span, node: Node) {
        self.sep(name);
        match node {
            Node::List => {
                self.out.push('[');
                self.stack.push((true, false));
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
                let _ = write!(self.out, "{{\"type\":{ty},\"name\":");
                push_str(self.out, name);
                let _ = write!(self.out, ",\"flags\":{flags},\"length\":{length}");
                self.stack.push((false, true));
            }
            Node::Param { ty, name, length } => {
                let _ = write!(self.out, "{{\"type\":{ty},\"name\":");
                push_str(self.out, name);
                let _ = write!(self.out, ",\"length\":{length}");
                self.stack.push((false, true));
            }
            Node::Cause { code, name, length } => {
                let _ = write!(self.out, "{{\"code\":{code},\"name\":");
                push_str(self.out, name);
                let _ = write!(self.out, ",\"length\":{length}");
                self.stack.push((false, true));
            }
        }
    }
    fn close(&mut self) {
        if let Some((is_array, _)) = self.stack.pop() {
            self.out.push(if is_array { ']' } else { '}' });
        }
    }
}
