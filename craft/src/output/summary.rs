//! One-line summaries of chunks, like tshark's Info column but with the key
//! fields of each chunk.

use sctp_codec::cause::Cause;
use sctp_codec::chunk::{flags, ty, Chunk, ChunkBody};
use sctp_codec::param::Param;
use sctp_codec::registry;
use sctp_codec::tlv::Tlv;
use sctp_codec::visit::{Node, Span, Value, Visitor};
use sctp_codec::wire::FieldKind;
use sctp_codec::{ChunkView, DecodeError};

use std::net::IpAddr;

use super::fast::{dec, dec_padded, hex2, hex8, ip, Out};

/// Slots of [`HEADS`].
const HEAD_SLOTS: usize = 64;

thread_local! {
    /// The text after the frame number of recent IPv4 summary lines, by
    /// addresses, ports and verification tag (direct-mapped by hash).
    #[allow(clippy::type_complexity)]
    static HEADS: std::cell::RefCell<Vec<Option<(HeadKey, String)>>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Source and destination address and port, and verification tag.
type HeadKey = (std::net::Ipv4Addr, std::net::Ipv4Addr, u16, u16, u32);

/// Appends the start of a packet's summary line:
/// `frame [time] src → dst sport → dport vtag=0x........ `.
pub fn header(
    out: &mut impl Out,
    frame: u64,
    time: Option<&str>,
    src: (&IpAddr, u16),
    dst: (&IpAddr, u16),
    vtag: u32,
) {
    // The common case, IPv4 without a time column: the text after the frame
    // number is the same for every packet of an association in one
    // direction, kept in a small per-thread table; a new one is built on
    // the stack.
    if let (None, IpAddr::V4(s), IpAddr::V4(d)) = (time, src.0, dst.0) {
        let key = (*s, *d, src.1, dst.1, vtag);
        let done = HEADS.with(|heads| {
            let Ok(mut heads) = heads.try_borrow_mut() else {
                return false;
            };
            if heads.is_empty() {
                heads.resize_with(HEAD_SLOTS, || None);
            }
            let mut h = rustc_hash::FxHasher::default();
            std::hash::Hash::hash(&key, &mut h);
            let slot = std::hash::Hasher::finish(&h) as usize % HEAD_SLOTS;
            let Some(entry) = heads.get_mut(slot) else {
                return false;
            };
            if !matches!(entry, Some((k, _)) if *k == key) {
                let mut l = super::fast::Line::default();
                l.bytes(b" ");
                l.ipv4(*s);
                l.bytes(" → ".as_bytes());
                l.ipv4(*d);
                l.bytes(b" ");
                l.dec(src.1.into());
                l.bytes(" → ".as_bytes());
                l.dec(dst.1.into());
                l.bytes(b" vtag=");
                l.hex8(vtag);
                l.bytes(b" ");
                // The slot's string is reused.
                let mut text = match entry.take() {
                    Some((_, mut t)) => {
                        t.clear();
                        t
                    }
                    None => String::with_capacity(80),
                };
                if !l.flush(&mut text) {
                    return false;
                }
                *entry = Some((key, text));
            }
            let Some((_, text)) = entry else {
                return false;
            };
            dec_padded(out, frame, 6);
            out.push_str(text);
            true
        });
        if done {
            return;
        }
    }
    dec_padded(out, frame, 6);
    out.push(' ');
    if let Some(t) = time {
        out.push_str(t);
        out.push(' ');
    }
    ip(out, src.0);
    out.push_str(" → ");
    ip(out, dst.0);
    out.push(' ');
    dec(out, src.1.into());
    out.push_str(" → ");
    dec(out, dst.1.into());
    out.push_str(" vtag=");
    hex8(out, vtag);
    out.push(' ');
}

/// Appends `(a, b, c)`: the names of a list of TLVs.
fn names(out: &mut impl Out, list: impl Iterator<Item = &'static str>) {
    out.push('(');
    for (k, n) in list.enumerate() {
        if k > 0 {
            out.push_str(", ");
        }
        out.push_str(n);
    }
    out.push(')');
}

/// Appends `k1=v1,k2=v2,...` for numeric key fields.
fn fields(out: &mut impl Out, kv: &[(&str, u64)]) {
    for (k, (name, v)) in kv.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push_str(name);
        out.push('=');
        dec(out, *v);
    }
}

/// Appends the I/U/B/E letters set in a DATA or I-DATA flags octet.
fn flags_iube(out: &mut impl Out, f: u8) {
    let iube = [
        (flags::DATA_I, 'I'),
        (flags::DATA_U, 'U'),
        (flags::DATA_B, 'B'),
        (flags::DATA_E, 'E'),
    ];
    if iube.iter().any(|(bit, _)| f & bit != 0) {
        out.push(',');
    }
    for (bit, ch) in iube {
        if f & bit != 0 {
            out.push(ch);
        }
    }
}

/// The registry's name of a PPID below 256 (nearly every PPID seen),
/// looked up once: a binary search per DATA chunk showed in the profile.
fn small_ppid_name(ppid: u64) -> Option<&'static str> {
    static SMALL: std::sync::OnceLock<[Option<&'static str>; 256]> = std::sync::OnceLock::new();
    let names =
        SMALL.get_or_init(|| std::array::from_fn(|k| registry::ppid(k as u32).map(|p| p.name)));
    names.get(usize::try_from(ppid).ok()?).copied().flatten()
}

/// `(NAME)` after a Payload Protocol Identifier the IANA registry names.
fn ppid_name(out: &mut impl Out, ppid: u64) {
    if ppid < 256 {
        if let Some(name) = small_ppid_name(ppid) {
            out.push('(');
            out.push_str(name);
            out.push(')');
        }
        return;
    }
    if let Some(p) = u32::try_from(ppid).ok().and_then(registry::ppid) {
        out.push('(');
        out.push_str(p.name);
        out.push(')');
    }
}

/// `(tsn=..,sid=..,ssn=..,ppid=..(NAME),len=..,IUBE)` of a DATA chunk.
fn data(out: &mut impl Out, [tsn, sid, ssn, ppid, len]: [u64; 5], flags: u8) {
    // Built on the stack and appended at once (the common case).
    let mut l = super::fast::Line::default();
    l.bytes(b"(tsn=");
    l.dec(tsn);
    l.bytes(b",sid=");
    l.dec(sid);
    l.bytes(b",ssn=");
    l.dec(ssn);
    l.bytes(b",ppid=");
    l.dec(ppid);
    let mut name = String::new();
    if ppid >= 256 {
        ppid_name(&mut name, ppid);
        l.bytes(name.as_bytes());
    } else if let Some(n) = small_ppid_name(ppid) {
        l.bytes(b"(");
        l.bytes(n.as_bytes());
        l.bytes(b")");
    }
    l.bytes(b",len=");
    l.dec(len);
    let iube = [
        (flags::DATA_I, b'I'),
        (flags::DATA_U, b'U'),
        (flags::DATA_B, b'B'),
        (flags::DATA_E, b'E'),
    ];
    if iube.iter().any(|(bit, _)| flags & bit != 0) {
        l.bytes(b",");
    }
    for (bit, ch) in iube {
        if flags & bit != 0 {
            l.bytes(&[ch]);
        }
    }
    l.bytes(b")");
    if l.flush(out) {
        return;
    }
    out.push('(');
    fields(
        out,
        &[("tsn", tsn), ("sid", sid), ("ssn", ssn), ("ppid", ppid)],
    );
    ppid_name(out, ppid);
    out.push_str(",len=");
    dec(out, len);
    flags_iube(out, flags);
    out.push(')');
}

/// `[T](cause, cause)` of an ABORT or ERROR chunk.
fn causes(
    out: &mut impl Out,
    chunk_ty: u8,
    chunk_flags: u8,
    list: impl Iterator<Item = &'static str>,
) {
    // T bit (RFC 9260 3.3.7): the sender used the receiver's own tag.
    if chunk_ty == ty::ABORT && chunk_flags & flags::T_BIT != 0 {
        out.push_str("[T]");
    }
    names(out, list)
}

/// Whether the causes of an ABORT or ERROR read in place are all well
/// formed: each registered one holds its fixed fields (the only way a cause
/// value fails to decode), and nothing but padding follows the last one.
fn causes_well_formed(c: &ChunkView<'_>) -> bool {
    if !c.is_well_framed() {
        return false;
    }
    let end = c.offset() + c.bytes().len();
    let (mut pos, mut last_len) = (c.offset() + 4, 0usize);
    for t in c.tlvs() {
        if t.info()
            .is_some_and(|i| t.value().len() < usize::from(i.layout().fixed))
        {
            return false;
        }
        last_len = usize::from(t.length());
        pos = t.offset() + last_len;
    }
    let rest = end.saturating_sub(pos);
    rest - rest.min((4 - last_len % 4) % 4) == 0
}

/// The summary of a chunk read in place, for the kinds whose summary needs
/// no typed value (DATA, SACK, ABORT, ERROR: the bulk of most captures); exactly
/// what [`chunk`] prints for the same chunk typed (a test holds the two
/// equal on every chunk of the shared captures). False, with nothing
/// appended, for everything else, and for ABORT or ERROR with anything
/// malformed inside: type it and call [`chunk`].
pub fn chunk_view(out: &mut impl Out, c: &ChunkView<'_>) -> bool {
    let v = c.value();
    let Some(info) = c.info() else {
        return false;
    };
    match (c.ty(), info.variant) {
        (ty::DATA, "Data") if v.len() >= 12 => {
            out.push_str(info.name);
            let u16_at = |k: usize| u64::from(u16::from_be_bytes([v[k], v[k + 1]]));
            let u32_at =
                |k: usize| u64::from(u32::from_be_bytes([v[k], v[k + 1], v[k + 2], v[k + 3]]));
            data(
                out,
                [
                    u32_at(0),
                    u16_at(4),
                    u16_at(6),
                    u32_at(8),
                    (v.len() - 12) as u64,
                ],
                c.flags(),
            );
            true
        }
        // Counts that fill the value exactly: the typed SACK holds them as
        // written and nothing is malformed.
        (ty::SACK, "Sack")
            if v.len() >= 12 && {
                let n = |k: usize| usize::from(u16::from_be_bytes([v[k], v[k + 1]]));
                v.len() == 12 + 4 * (n(8) + n(10))
            } =>
        {
            out.push_str(info.name);
            let u16_at = |k: usize| u64::from(u16::from_be_bytes([v[k], v[k + 1]]));
            let u32_at =
                |k: usize| u64::from(u32::from_be_bytes([v[k], v[k + 1], v[k + 2], v[k + 3]]));
            group(
                out,
                &[
                    ("cum_ack", u32_at(0)),
                    ("a_rwnd", u32_at(4)),
                    ("gaps", u16_at(8)),
                    ("dups", u16_at(10)),
                ],
            );
            true
        }
        (ty::ABORT | ty::ERROR, "Abort" | "Error") if causes_well_formed(c) => {
            out.push_str(info.name);
            causes(out, c.ty(), c.flags(), c.tlvs().map(|t| t.name()));
            true
        }
        _ => false,
    }
}

/// Appends `[malformed: WHY]`.
pub fn malformed(out: &mut impl Out, why: &str) {
    out.push_str("[malformed: ");
    out.push_str(why);
    out.push(']');
}

/// Finds the first value a walk reports as malformed.
struct FirstMalformed(Option<DecodeError>);

impl Visitor for FirstMalformed {
    fn field(&mut self, _: &'static str, _: Span, _: Value<'_>) {}
    fn open(&mut self, _: &'static str, _: Span, _: Node) {}
    fn close(&mut self) {}
    fn malformed(&mut self, _: Span, error: &DecodeError) {
        if self.0.is_none() {
            self.0 = Some(error.clone());
        }
    }
}

/// Why a chunk is malformed, if it is: its value does not decode as its
/// type, or a parameter or cause inside it does not (the first such), or
/// its parameter or cause list ends in a piece of one.
pub fn malformed_in(c: &Chunk<'_>) -> Option<String> {
    let list = || c.info().and_then(|i| i.layout().list);
    if let (false, false, Some(kind)) = (
        c.extra.is_empty(),
        matches!(c.body, ChunkBody::Malformed(..)),
        (!c.extra.is_empty()).then(list).flatten(),
    ) {
        let what = match kind {
            FieldKind::Causes => "cause",
            _ => "parameter",
        };
        return Some(format!(
            "{} bytes after the last {what} are not a whole {what}",
            c.extra.len()
        ));
    }
    match &c.body {
        ChunkBody::Malformed(_, e) => Some(e.to_string()),
        // Values with nothing nested: typed means well formed.
        ChunkBody::Data(_)
        | ChunkBody::IData(_)
        | ChunkBody::Sack(_)
        | ChunkBody::NrSack(_)
        | ChunkBody::Shutdown(_)
        | ChunkBody::ShutdownAck(_)
        | ChunkBody::CookieAck(_)
        | ChunkBody::ShutdownComplete(_)
        | ChunkBody::CookieEcho(_)
        | ChunkBody::Ecne(_)
        | ChunkBody::Cwr(_)
        | ChunkBody::Auth(_)
        | ChunkBody::ForwardTsn(_)
        | ChunkBody::IForwardTsn(_)
        | ChunkBody::Pad(_)
        | ChunkBody::Unknown(_) => None,
        _ => {
            let mut f = FirstMalformed(None);
            c.describe_tlv(0, &mut f);
            f.0.map(|e| e.to_string())
        }
    }
}

/// Appends the summary of one chunk: its name and key fields (of the part
/// that decoded, for a malformed value), then `[malformed: ...]` when it or
/// something inside it is malformed.
pub fn chunk(out: &mut impl Out, c: &Chunk<'_>) {
    out.push_str(c.name());
    if c.info().is_none() {
        out.push_str("(type=");
        hex2(out, c.ty);
        out.push_str(",len=");
        dec(out, c.wire_length().into());
        out.push(')');
        return;
    }
    let body = match (&c.body, &c.partial) {
        (ChunkBody::Malformed(..), Some(p)) => &p.body,
        (b, _) => b,
    };
    fields_of(out, c, body);
    if let Some(why) = malformed_in(c) {
        malformed(out, &why);
    }
}

/// Appends the key fields of `body`, the value of chunk `c`.
fn fields_of(out: &mut impl Out, c: &Chunk<'_>, body: &ChunkBody<'_>) {
    match body {
        ChunkBody::Data(d) => data(
            out,
            [
                d.tsn.into(),
                d.stream_identifier.into(),
                d.stream_sequence_number.into(),
                d.payload_protocol_identifier.into(),
                d.user_data.len() as u64,
            ],
            c.flags,
        ),
        ChunkBody::IData(d) => {
            let fsn = if c.flags & flags::I_DATA_B != 0 {
                "ppid"
            } else {
                "fsn"
            };
            out.push('(');
            fields(
                out,
                &[
                    ("tsn", d.tsn.into()),
                    ("sid", d.stream_identifier.into()),
                    ("mid", d.message_identifier.into()),
                    (fsn, d.ppid_or_fsn.into()),
                ],
            );
            if fsn == "ppid" {
                ppid_name(out, d.ppid_or_fsn.into());
            }
            out.push_str(",len=");
            dec(out, d.user_data.len() as u64);
            flags_iube(out, c.flags);
            out.push(')');
        }
        ChunkBody::Init(i) | ChunkBody::InitAck(i) => {
            out.push_str("(tag=");
            hex8(out, i.initiate_tag);
            out.push(',');
            fields(
                out,
                &[
                    ("a_rwnd", i.a_rwnd.into()),
                    ("os", i.number_of_outbound_streams.into()),
                    ("is", i.number_of_inbound_streams.into()),
                    ("tsn", i.initial_tsn.into()),
                    ("params", i.params.len() as u64),
                ],
            );
            out.push(')');
        }
        // The counts as written (a partial decode keeps the ones that
        // overrun the value; crafting can set any).
        ChunkBody::Sack(s) => {
            let count = |n: Option<u16>, len: usize| n.map_or(len as u64, u64::from);
            group(
                out,
                &[
                    ("cum_ack", s.cumulative_tsn_ack.into()),
                    ("a_rwnd", s.a_rwnd.into()),
                    (
                        "gaps",
                        count(s.number_of_gap_ack_blocks, s.gap_ack_blocks.len()),
                    ),
                    (
                        "dups",
                        count(s.number_of_duplicate_tsns, s.duplicate_tsns.len()),
                    ),
                ],
            );
        }
        ChunkBody::NrSack(s) => {
            let count = |n: Option<u16>, len: usize| n.map_or(len as u64, u64::from);
            group(
                out,
                &[
                    ("cum_ack", s.cumulative_tsn_ack.into()),
                    ("a_rwnd", s.a_rwnd.into()),
                    (
                        "gaps",
                        count(s.number_of_gap_ack_blocks, s.gap_ack_blocks.len()),
                    ),
                    (
                        "nr_gaps",
                        count(s.number_of_nr_gap_ack_blocks, s.nr_gap_ack_blocks.len()),
                    ),
                    (
                        "dups",
                        count(s.number_of_duplicate_tsns, s.duplicate_tsns.len()),
                    ),
                ],
            );
        }
        ChunkBody::Shutdown(s) => one(out, "cum_ack", s.cumulative_tsn_ack.into()),
        ChunkBody::Ecne(e) | ChunkBody::Cwr(e) => one(out, "lowest_tsn", e.lowest_tsn.into()),
        ChunkBody::ForwardTsn(f) => two(
            out,
            "new_cum_tsn",
            f.new_cumulative_tsn,
            "streams",
            f.streams.len(),
        ),
        ChunkBody::IForwardTsn(f) => two(
            out,
            "new_cum_tsn",
            f.new_cumulative_tsn,
            "streams",
            f.streams.len(),
        ),
        ChunkBody::Asconf(a) | ChunkBody::AsconfAck(a) => {
            two(out, "seq", a.sequence_number, "params", a.params.len())
        }
        ChunkBody::Auth(a) => {
            group(
                out,
                &[
                    ("key", a.shared_key_identifier.into()),
                    ("hmac_id", a.hmac_identifier.into()),
                ],
            );
        }
        ChunkBody::CookieEcho(k) => one(out, "cookie_len", k.cookie.len() as u64),
        ChunkBody::Abort(a) | ChunkBody::Error(a) => {
            causes(out, c.ty, c.flags, a.causes.iter().map(Cause::name))
        }
        ChunkBody::ShutdownComplete(_) if c.flags & flags::T_BIT != 0 => out.push_str("[T]"),
        ChunkBody::ReConfig(r) => names(out, r.params.iter().map(Param::name)),
        ChunkBody::EncData(e) => {
            group(
                out,
                &[
                    ("key_ref", e.master_secret_key_reference.into()),
                    ("iv_len", e.random_number.len() as u64),
                    ("data_len", e.encrypted_data.len() as u64),
                ],
            );
        }
        ChunkBody::SsClose(s) => {
            let tsn = s.tsn.map(u64::from).or(s.tsn_16.map(u64::from));
            one(out, "tsn", tsn.unwrap_or(0))
        }
        _ => {}
    }
}

/// `(k1=v1,k2=v2,...)`.
fn group(out: &mut impl Out, kv: &[(&str, u64)]) {
    // Built on the stack and appended at once (the common case).
    let mut l = super::fast::Line::default();
    l.bytes(b"(");
    for (k, (name, v)) in kv.iter().enumerate() {
        if k > 0 {
            l.bytes(b",");
        }
        l.bytes(name.as_bytes());
        l.bytes(b"=");
        l.dec(*v);
    }
    l.bytes(b")");
    if l.flush(out) {
        return;
    }
    out.push('(');
    fields(out, kv);
    out.push(')');
}

/// `(name=v)`.
fn one(out: &mut impl Out, name: &str, v: u64) {
    group(out, &[(name, v)]);
}

/// `(a=x,b=y)`.
fn two(out: &mut impl Out, a: &str, x: u32, b: &str, y: usize) {
    group(out, &[(a, x.into()), (b, y as u64)]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    /// The line start is what `core::fmt` writes, whether its text is new,
    /// remembered, or evicted by another flow in the same slot (many more
    /// flows than slots, each seen twice, in two rounds).
    #[test]
    fn header_agrees_with_core_fmt() {
        for round in 0..2u32 {
            for k in 0..500u32 {
                let s = Ipv4Addr::from(0x0a00_0000 + k * 7919);
                let d = Ipv4Addr::from(0xc0a8_0000 ^ (k * 31));
                let (sp, dp) = ((k * 13) as u16, (65535 - k) as u16);
                let vtag = k.wrapping_mul(0x9e37_79b9) ^ round;
                for frame in [u64::from(k), 1_234_567 + u64::from(k)] {
                    let (sa, da) = (IpAddr::V4(s), IpAddr::V4(d));
                    let mut out = String::from("x");
                    header(&mut out, frame, None, (&sa, sp), (&da, dp), vtag);
                    let want = format!("x{frame:>6} {s} → {d} {sp} → {dp} vtag=0x{vtag:08x} ");
                    assert_eq!(out, want);
                }
            }
        }
    }
}
