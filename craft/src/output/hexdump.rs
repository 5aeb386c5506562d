//! An `xxd`-style hex dump: offset, 16 bytes in pairs, ASCII.

use std::fmt::Write as _;

/// Appends an `xxd`-style dump of `b` to `out`, each line indented by `indent`.
pub fn hexdump(out: &mut String, b: &[u8], indent: &str) {
    for (k, line) in b.chunks(16).enumerate() {
        let _ = write!(out, "{indent}{:08x}:", k * 16);
        for i in 0..16 {
            if i % 2 == 0 {
                out.push(' ');
            }
            match line.get(i) {
                Some(x) => {
                    let _ = write!(out, "{x:02x}");
                }
                None => out.push_str("  "),
            }
        }
        out.push_str("  ");
        for &x in line {
            out.push(if x.is_ascii_graphic() || x == b' ' {
                x as char
            } else {
                '.'
            });
        }
        out.push('\n');
    }
}
