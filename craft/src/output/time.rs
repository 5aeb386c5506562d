//! Frame timestamps as tshark prints them (`-t a|ad|adoy|d|dd|e|r|u|ud|udoy`):
//! absolute (local time or UTC, with or without the date), seconds since the
//! epoch, since the first frame, since the previous frame, since the previous
//! frame printed; to the capture's precision (6 digits for microsecond
//! files, 9 for nanosecond ones, as tshark's automatic precision).

use std::io::Read;

/// The formats of `-t`, named as tshark names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TimeFormat {
    /// Absolute local time of day.
    #[value(name = "a")]
    Absolute,
    /// Absolute local date (YYYY-MM-DD) and time.
    #[value(name = "ad")]
    AbsoluteDate,
    /// Absolute local date as year/day of year, and time.
    #[value(name = "adoy")]
    AbsoluteDoy,
    /// Seconds since the previous frame of the capture.
    #[value(name = "d")]
    Delta,
    /// Seconds since the previous frame printed.
    #[value(name = "dd")]
    DeltaDisplayed,
    /// Seconds since the epoch (1970-01-01 00:00:00 UTC).
    #[value(name = "e")]
    Epoch,
    /// Seconds since the first frame of the capture.
    #[value(name = "r")]
    Relative,
    /// Absolute UTC time of day.
    #[value(name = "u")]
    Utc,
    /// Absolute UTC date and time.
    #[value(name = "ud")]
    UtcDate,
    /// Absolute UTC date as year/day of year, and time.
    #[value(name = "udoy")]
    UtcDoy,
}

/// When a frame was captured, and the frames it is measured from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrameTime {
    /// Nanoseconds since the epoch.
    pub epoch_ns: i128,
    /// The capture's first frame, in nanoseconds since the epoch.
    pub first_ns: i128,
    /// The previous frame of the capture (this one's for the first).
    pub prev_ns: i128,
}

impl FrameTime {
    /// Nanoseconds since the first frame.
    pub fn relative_ns(&self) -> i128 {
        self.epoch_ns - self.first_ns
    }
    /// Nanoseconds since the previous frame.
    pub fn delta_ns(&self) -> i128 {
        self.epoch_ns - self.prev_ns
    }
}

/// Appends `ns` nanoseconds as seconds with `digits` decimals (truncated),
/// signed: `0.250000`, `-1.000001`, `1700000000.250000`.
pub fn seconds(out: &mut String, ns: i128, digits: u8) {
    if ns < 0 {
        out.push('-');
    }
    let ns = ns.unsigned_abs();
    out.push_str(&(ns / 1_000_000_000).to_string());
    fraction(out, (ns % 1_000_000_000) as u32, digits);
}

/// Appends `.` and the first `digits` of nanoseconds `nsec`.
fn fraction(out: &mut String, nsec: u32, digits: u8) {
    let digits = digits.min(9);
    if digits == 0 {
        return;
    }
    let v = nsec / 10u32.pow(9 - u32::from(digits));
    out.push('.');
    out.push_str(&format!("{v:0w$}", w = usize::from(digits)));
}

/// Calendar fields of a time.
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    yday: u32,
    hour: u32,
    min: u32,
    sec: u32,
}

/// Days since 1970-01-01 to (year, month, day) (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// The UTC calendar fields of `secs` since the epoch.
fn utc(secs: i64) -> Civil {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400) as u32;
    let (year, month, day) = civil_from_days(days);
    const BEFORE: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let yday = BEFORE[(month - 1) as usize] + day + u32::from(month > 2 && is_leap(year));
    Civil {
        year,
        month,
        day,
        yday,
        hour: rem / 3600,
        min: rem / 60 % 60,
        sec: rem % 60,
    }
}

/// The local calendar fields of `secs` since the epoch (the `TZ` rules, as
/// tshark uses them); UTC when the C library cannot say.
fn local(secs: i64) -> Civil {
    let t = secs as libc::time_t;
    // SAFETY: localtime_r writes only into `tm`, which is ours and zeroed.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe { !libc::localtime_r(&t, &mut tm).is_null() };
    if !ok {
        return utc(secs);
    }
    Civil {
        year: i64::from(tm.tm_year) + 1900,
        month: (tm.tm_mon + 1) as u32,
        day: tm.tm_mday as u32,
        yday: (tm.tm_yday + 1) as u32,
        hour: tm.tm_hour as u32,
        min: tm.tm_min as u32,
        sec: tm.tm_sec as u32,
    }
}

/// Which calendar parts an absolute format shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Date {
    None,
    Ymd,
    Doy,
}

fn absolute(out: &mut String, ns: i128, digits: u8, c: Civil, date: Date) {
    match date {
        Date::None => {}
        Date::Ymd => out.push_str(&format!("{:04}-{:02}-{:02} ", c.year, c.month, c.day)),
        Date::Doy => out.push_str(&format!("{:04}/{:03} ", c.year, c.yday)),
    }
    out.push_str(&format!("{:02}:{:02}:{:02}", c.hour, c.min, c.sec));
    fraction(out, ns.rem_euclid(1_000_000_000) as u32, digits);
}

fn secs_of(ns: i128) -> i64 {
    ns.div_euclid(1_000_000_000) as i64
}

/// Appends the time of `t` in format `f` (for `dd`, `prev_displayed_ns` is
/// the previous frame printed, `None` for the first).
pub fn write(
    out: &mut String,
    f: TimeFormat,
    t: &FrameTime,
    prev_displayed_ns: Option<i128>,
    digits: u8,
) {
    let ns = t.epoch_ns;
    match f {
        TimeFormat::Delta => seconds(out, t.delta_ns(), digits),
        TimeFormat::DeltaDisplayed => seconds(out, ns - prev_displayed_ns.unwrap_or(ns), digits),
        TimeFormat::Epoch => seconds(out, ns, digits),
        TimeFormat::Relative => seconds(out, t.relative_ns(), digits),
        TimeFormat::Absolute => absolute(out, ns, digits, local(secs_of(ns)), Date::None),
        TimeFormat::AbsoluteDate => absolute(out, ns, digits, local(secs_of(ns)), Date::Ymd),
        TimeFormat::AbsoluteDoy => absolute(out, ns, digits, local(secs_of(ns)), Date::Doy),
        TimeFormat::Utc => absolute(out, ns, digits, utc(secs_of(ns)), Date::None),
        TimeFormat::UtcDate => absolute(out, ns, digits, utc(secs_of(ns)), Date::Ymd),
        TimeFormat::UtcDoy => absolute(out, ns, digits, utc(secs_of(ns)), Date::Doy),
    }
}

/// `2023-11-14T22:13:20.250000000Z`: the UTC time in RFC 3339 form.
pub fn rfc3339(out: &mut String, ns: i128) {
    let c = utc(secs_of(ns));
    out.push_str(&format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.min, c.sec
    ));
    fraction(out, ns.rem_euclid(1_000_000_000) as u32, 9);
    out.push('Z');
}

/// The `-V` line: `time: 2023-11-14 22:13:20.250000 UTC, epoch ..., relative ..., delta ...`.
pub fn tree_line(out: &mut String, t: &FrameTime, digits: u8) {
    out.push_str("    time: ");
    write(out, TimeFormat::UtcDate, t, None, digits);
    out.push_str(" UTC, epoch ");
    seconds(out, t.epoch_ns, digits);
    out.push_str(", relative ");
    seconds(out, t.relative_ns(), digits);
    out.push_str(", delta ");
    seconds(out, t.delta_ns(), digits);
    out.push('\n');
}

/// Marks where the summary line's `dd` time goes: the frame's time is only
/// known to be "displayed" once the display filter kept it, and the frames
/// are formatted in parallel; the thread that writes them in order puts the
/// time in ([`fill_delta_displayed`]).
pub const DD_MARK: char = '\u{1}';

/// Appends the placeholder of a `dd` time.
pub fn delta_displayed_mark(out: &mut String, t: &FrameTime) {
    out.push(DD_MARK);
    out.push_str(&t.epoch_ns.to_string());
    out.push(DD_MARK);
}

/// Replaces every `dd` placeholder of `text` (in frame order) with the
/// seconds since the previous one, `prev` carrying over between calls.
pub fn fill_delta_displayed(text: &str, prev: &mut Option<i128>, digits: u8) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(a) = rest.find(DD_MARK) {
        out.push_str(&rest[..a]);
        let after = &rest[a + 1..];
        let Some(b) = after.find(DD_MARK) else {
            out.push_str(&rest[a..]);
            return out;
        };
        let ns: i128 = after[..b].parse().unwrap_or(0);
        seconds(&mut out, ns - prev.unwrap_or(ns), digits);
        *prev = Some(ns);
        rest = &after[b + 1..];
    }
    out.push_str(rest);
    out
}

/// How many decimals the capture's timestamps have, as its header says:
/// 9 for nanosecond pcap and for pcapng whose first interface has
/// if_tsresol 9 (10^-9 s), the interface's decimal resolution otherwise,
/// 6 by default. `head` is the start of the file, gzip-compressed or not.
pub fn digits_of(head: &[u8]) -> u8 {
    if head.starts_with(&[0x1f, 0x8b]) {
        let mut d = flate2::read::GzDecoder::new(head);
        let mut plain = Vec::new();
        let mut buf = [0u8; 8192];
        while plain.len() < (64 << 10) {
            match d.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => plain.extend_from_slice(&buf[..n]),
            }
        }
        return digits_of(&plain);
    }
    match head.get(..4) {
        Some([0xa1, 0xb2, 0x3c, 0x4d]) | Some([0x4d, 0x3c, 0xb2, 0xa1]) => 9,
        Some([0x0a, 0x0d, 0x0d, 0x0a]) => pcapng_digits(head).unwrap_or(6),
        _ => 6,
    }
}

/// The decimals of the first interface of a pcapng file (its if_tsresol).
fn pcapng_digits(b: &[u8]) -> Option<u8> {
    let big = match b.get(8..12)? {
        [0x1a, 0x2b, 0x3c, 0x4d] => true,
        [0x4d, 0x3c, 0x2b, 0x1a] => false,
        _ => return None,
    };
    let u32_at = |k: usize| -> Option<u32> {
        let w: [u8; 4] = b.get(k..k + 4)?.try_into().ok()?;
        Some(if big {
            u32::from_be_bytes(w)
        } else {
            u32::from_le_bytes(w)
        })
    };
    let u16_at = |k: usize| -> Option<u16> {
        let w: [u8; 2] = b.get(k..k + 2)?.try_into().ok()?;
        Some(if big {
            u16::from_be_bytes(w)
        } else {
            u16::from_le_bytes(w)
        })
    };
    let mut at = 0usize;
    while at + 12 <= b.len() {
        let (ty, len) = (u32_at(at)?, u32_at(at + 4)? as usize);
        if len < 12 || len % 4 != 0 {
            return None;
        }
        if ty == 1 {
            // Interface Description Block: options after 8 bytes of body.
            let end = at + len - 4;
            let mut o = at + 16;
            while o + 4 <= end {
                let (code, olen) = (u16_at(o)?, usize::from(u16_at(o + 2)?));
                if code == 0 {
                    break;
                }
                if code == 9 && olen >= 1 {
                    let r = *b.get(o + 4)?;
                    // 2^-n seconds: as many decimals as it takes, at most 9.
                    return Some(if r & 0x80 == 0 { r.min(9) } else { 9 });
                }
                o += 4 + olen.div_ceil(4) * 4;
            }
            return Some(6);
        }
        at += len;
    }
    None
}

/// The decimals of the capture at `path` (6 when it cannot be read ahead:
/// not a regular file).
pub fn digits_of_file(path: &std::path::Path) -> u8 {
    // Not opened unless regular: opening a FIFO would wait for its writer.
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return 6;
    }
    let Ok(f) = std::fs::File::open(path) else {
        return 6;
    };
    let mut head = Vec::new();
    let _ = f.take(64 << 10).read_to_end(&mut head);
    digits_of(&head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_and_seconds() {
        let c = utc(1_700_000_000);
        assert_eq!(
            (c.year, c.month, c.day, c.yday, c.hour, c.min, c.sec),
            (2023, 11, 14, 318, 22, 13, 20)
        );
        let c = utc(951_782_400); // 2000-02-29
        assert_eq!((c.year, c.month, c.day, c.yday), (2000, 2, 29, 60));
        let c = utc(-1);
        assert_eq!((c.year, c.month, c.day, c.hour), (1969, 12, 31, 23));
        let mut s = String::new();
        seconds(&mut s, -1_000_001_000, 6);
        assert_eq!(s, "-1.000001");
        s.clear();
        seconds(&mut s, 250_000_000, 9);
        assert_eq!(s, "0.250000000");
        let mut prev = None;
        let t = format!("a{DD_MARK}1000{DD_MARK}b{DD_MARK}3500{DD_MARK}c");
        assert_eq!(
            fill_delta_displayed(&t, &mut prev, 6),
            "a0.000000b0.000002c"
        );
        assert_eq!(prev, Some(3500));
    }
}
