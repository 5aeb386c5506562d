//! Turns the codec's visitor walk of a decoded packet into Wireshark tree
//! operations: one subtree per chunk, parameter and cause, every field with
//! its exact bytes, flags as bit fields, padding, and expert info on
//! malformed values.

use sctp_codec::error::{DecodeError, ErrorKind};
use sctp_codec::registry::Family;
use sctp_codec::visit::{Node, Span, Value, Visitor};

use crate::ffi::{Enc, OpList};
use crate::fields::{Catalog, Fixed};
use crate::plugin::{Ett, Registered};

/// One open group of the walk.
#[derive(Debug)]
enum Group {
    /// A chunk, parameter or cause subtree.
    Tlv {
        family: Family,
        row: Option<usize>,
        span: Span,
        ty: u16,
        flags: u8,
        /// Flag items waiting for the first value event (dropped when the
        /// value is malformed, as the built-in shows no flags then).
        pending_flags: PendingFlags,
        /// The Length item still has to be added (after the flags).
        length_pending: bool,
        saw_padding: bool,
    },
    /// A list; TLV lists add no tree item, field lists name their items.
    List { name: &'static str, span: Span },
    /// One record of a list.
    Record { list: &'static str },
    /// A packet nested in a PKTDROP chunk.
    Packet,
}

/// The flag items of one TLV, kept inline (no allocation per chunk; a
/// chunk has at most 8 flag bits, more spill to the heap).
#[derive(Debug, Default)]
struct PendingFlags {
    n: usize,
    inline: [(i32, usize); 8],
    more: Vec<(i32, usize)>,
}

impl PendingFlags {
    fn push(&mut self, f: (i32, usize)) {
        if self.n < self.inline.len() {
            self.inline[self.n] = f;
            self.n += 1;
        } else {
            if self.more.is_empty() {
                self.more.extend_from_slice(&self.inline);
            }
            self.more.push(f);
        }
    }
    fn is_empty(&self) -> bool {
        self.n == 0
    }
    fn as_slice(&self) -> &[(i32, usize)] {
        if self.more.is_empty() {
            &self.inline[..self.n]
        } else {
            &self.more
        }
    }
}

/// A payload to hand to the upper layers after a chunk.
#[derive(Debug, Clone)]
pub struct HandoffSpec {
    /// Offset of the payload in the packet.
    pub offset: u32,
    /// Captured bytes of it.
    pub caplen: u32,
    /// Its length on the wire.
    pub replen: u32,
    /// A reassembled message instead of the packet's bytes.
    pub data: Option<std::sync::Arc<Vec<u8>>>,
    /// Its PPID.
    pub ppi: u32,
}

/// What follows a top-level chunk in the tree: its fragment / retransmission
/// items, its text in the Info column, and its payload's hand-off.
#[derive(Default)]
pub struct Hook {
    /// Items added after the chunk's subtree (only payload chunks have any:
    /// an OpList is not free, and a packet may have 16,000 chunks).
    pub extra: Option<OpList>,
    /// The chunk's part of the Info column ("SACK (Ack=1, Arwnd=64000) ").
    pub info: String,
    /// The hand-off, if the payload goes to an upper layer now.
    pub handoff: Option<HandoffSpec>,
}

/// The Info column as the built-in writes it: each chunk's text, and the
/// column's fence after each chunk, so that an upper layer clears or sets
/// only what follows (its chunk's "DATA (TSN=n) "). Texts of chunks without
/// a hand-off between them go in one append (the fences between them would
/// change nothing); past the column's size (`COLUMN_MAX`) they are dropped,
/// as Wireshark would drop them.
#[derive(Default)]
pub struct InfoColumn {
    pending: String,
}

impl InfoColumn {
    /// The ops at the end of a top-level chunk: its extra items, and its
    /// Info text; with a hand-off, the texts so far, a fence, its own text,
    /// the hand-off and a fence. True if the payload was handed off.
    pub fn chunk(&mut self, ops: &mut OpList, hook: Hook) -> bool {
        if let Some(extra) = hook.extra {
            ops.extend(extra);
        }
        let Some(x) = hook.handoff else {
            if self.pending.len() < crate::ffi::COLUMN_MAX {
                self.pending.push_str(&hook.info);
            }
            return false;
        };
        self.flush(ops);
        if !hook.info.is_empty() {
            ops.col_info(hook.info);
        }
        ops.handoff(x.offset, x.caplen, x.replen, x.data, x.ppi);
        ops.col_fence();
        true
    }

    /// The texts not appended yet, and a fence after them.
    pub fn flush(&mut self, ops: &mut OpList) {
        if !self.pending.is_empty() {
            ops.col_info(std::mem::take(&mut self.pending));
            ops.col_fence();
        }
    }
}

/// The visitor that writes tree operations.
pub struct TreeBuilder<'r> {
    reg: &'r Registered,
    /// The operations, in order.
    pub ops: OpList,
    stack: Vec<Group>,
    /// Top-level chunks closed so far.
    chunks_done: usize,
    /// Per top-level chunk: what follows it.
    hooks: Vec<Option<Hook>>,
    n_chunks: usize,
    /// Whether the checksum is verified (and against what).
    pub checksum: Option<u32>,
    /// The packet's association index, shown after the verification tag.
    pub assoc: Option<u16>,
    /// The Info column's texts.
    info: InfoColumn,
}

impl<'r> TreeBuilder<'r> {
    /// A builder; `checksum` is the computed value when verifying; `hooks`
    /// say what follows each of the packet's `n_chunks` top-level chunks.
    pub fn new(
        reg: &'r Registered,
        checksum: Option<u32>,
        hooks: Vec<Option<Hook>>,
        n_chunks: usize,
    ) -> Self {
        TreeBuilder {
            reg,
            ops: OpList::default(),
            stack: Vec::new(),
            chunks_done: 0,
            hooks,
            n_chunks,
            checksum,
            assoc: None,
            info: InfoColumn::default(),
        }
    }

    fn cat(&self) -> &Catalog {
        &self.reg.catalog
    }

    fn hf(&self, idx: usize) -> i32 {
        self.reg.ids[idx]
    }

    fn fixed(&self, f: Fixed) -> i32 {
        self.hf(self.cat().fixed(f))
    }

    /// Ends the walk: the Info column texts not appended yet.
    pub fn finish(&mut self) {
        self.info.flush(&mut self.ops);
    }

    fn in_packet(&self) -> bool {
        self.stack.iter().any(|g| matches!(g, Group::Packet))
    }

    /// Finishes the header of the innermost TLV (its flags subtree, unless
    /// the value is `malformed`, then its Length) before anything else is
    /// added to it.
    fn settle_with(&mut self, malformed: bool) {
        let mut flags = PendingFlags::default();
        let mut length: Option<(Family, Span)> = None;
        if let Some(Group::Tlv {
            pending_flags,
            length_pending,
            family,
            span,
            ..
        }) = self.stack.last_mut()
        {
            if *length_pending {
                flags = std::mem::take(pending_flags);
                *length_pending = false;
                length = Some((*family, *span));
            }
        }
        if !flags.is_empty() && !malformed {
            let ett = self.reg.ett(Ett::Flags);
            self.ops.open(ett);
            for &(hf, at) in flags.as_slice() {
                self.ops.item(hf, at, 1, Enc::Big);
            }
            self.ops.close();
        }
        if let Some((family, span)) = length {
            let f = match family {
                Family::Chunk => Fixed::ChunkLength,
                Family::Param => Fixed::ParamLength,
                Family::Cause => Fixed::CauseLength,
            };
            let hf = self.fixed(f);
            self.ops.item(hf, span.at + 2, 2, Enc::Big);
        }
    }

    fn settle(&mut self) {
        self.settle_with(false)
    }

    /// The innermost TLV group: (family, row, type, flags).
    fn owner(&self) -> Option<(Family, Option<usize>, u16, u8)> {
        self.stack.iter().rev().find_map(|g| match g {
            Group::Tlv {
                family,
                row,
                ty,
                flags,
                ..
            } => Some((*family, *row, *ty, *flags)),
            _ => None,
        })
    }

    /// The path of a field inside its TLV: `name`, `list.name` inside a
    /// record, the list name for an item of a plain list.
    fn path(&self, name: &'static str) -> (Option<&'static str>, &'static str) {
        match self.stack.last() {
            Some(Group::Record { list }) => (Some(list), name),
            Some(Group::List { name: list, .. }) => (None, list),
            _ => (None, name),
        }
    }

    fn header_field(&mut self, name: &'static str, span: Span) {
        let inner = self.in_packet();
        let f = match (name, inner) {
            ("source_port", false) => Fixed::SrcPort,
            ("destination_port", false) => Fixed::DstPort,
            ("verification_tag", false) => Fixed::Vtag,
            ("source_port", true) => Fixed::InnerSrcPort,
            ("destination_port", true) => Fixed::InnerDstPort,
            ("verification_tag", true) => Fixed::InnerVtag,
            ("checksum", true) => Fixed::InnerChecksum,
            ("checksum", false) => {
                let ei = self.reg.experts.bad_checksum;
                let hf = self.fixed(Fixed::Checksum);
                let hs = self.fixed(Fixed::ChecksumStatus);
                self.ops.checksum(
                    hf,
                    hs,
                    ei,
                    span.at,
                    self.checksum.unwrap_or(0),
                    self.checksum.is_some(),
                );
                return;
            }
            ("trailing", _) => Fixed::Trailing,
            _ => return,
        };
        let hf = self.fixed(f);
        let enc = if f == Fixed::Trailing {
            Enc::Na
        } else {
            Enc::Big
        };
        self.ops.item(hf, span.at, span.len, enc);
        if let (Fixed::Vtag, Some(a)) = (f, self.assoc) {
            // Generated, as the built-in's (which it puts there too); also
            // under `sctp.assoc_index`, what the SCTP analysis dialog's
            // "Filter Association" button filters on.
            self.ops
                .uint_twinned(self.fixed(Fixed::AssocIndex), 0, 0, u32::from(a));
            self.ops.generated();
        }
        if matches!(f, Fixed::SrcPort | Fixed::DstPort) {
            let p = self.fixed(Fixed::Port);
            self.ops.item(p, span.at, span.len, Enc::Big);
            self.ops.hidden();
        }
    }

    fn open_tlv(&mut self, family: Family, ty: u16, name: &'static str, flags: u8, span: Span) {
        let row = self.cat().owner(family, ty, name);
        let ett = self.reg.ett(match family {
            Family::Chunk => Ett::Chunk,
            Family::Param => Ett::Param,
            Family::Cause => Ett::Cause,
        });
        let ett_bits = self.reg.ett(Ett::TypeBits);
        let label = match (row, family) {
            (Some(r), _) => self.cat().labels[r],
            (None, Family::Chunk) => c"Unknown chunk",
            (None, Family::Param) => c"Unknown parameter",
            (None, Family::Cause) => c"Unknown cause",
        };
        self.ops.text_tree_static(ett, span.at, span.len, label);
        // An S-SCTP row shares its number with a standard name: say which.
        let ssctp = row.is_some_and(|r| self.cat().rows[r].ssctp);
        match family {
            Family::Chunk => {
                let (t, b1, b2, fl) = (
                    self.fixed(Fixed::ChunkType),
                    self.fixed(Fixed::ChunkBit1),
                    self.fixed(Fixed::ChunkBit2),
                    self.fixed(Fixed::ChunkFlags),
                );
                self.ops.item(t, span.at, 1, Enc::Big);
                if ssctp {
                    self.ops
                        .set_text(format!("Chunk type: {name} ({ty}, S-SCTP)"));
                }
                self.ops.open(ett_bits);
                self.ops.item(b1, span.at, 1, Enc::Big);
                self.ops.item(b2, span.at, 1, Enc::Big);
                self.ops.close();
                self.ops.item(fl, span.at + 1, 1, Enc::Big);
            }
            Family::Param => {
                let (t, b1, b2) = (
                    self.fixed(Fixed::ParamType),
                    self.fixed(Fixed::ParamBit1),
                    self.fixed(Fixed::ParamBit2),
                );
                self.ops.item(t, span.at, 2, Enc::Big);
                if ssctp {
                    self.ops
                        .set_text(format!("Parameter type: {name} (0x{ty:04x}, S-SCTP)"));
                }
                self.ops.open(ett_bits);
                self.ops.item(b1, span.at, 2, Enc::Big);
                self.ops.item(b2, span.at, 2, Enc::Big);
                self.ops.close();
            }
            Family::Cause => {
                let t = self.fixed(Fixed::CauseCode);
                self.ops.item(t, span.at, 2, Enc::Big);
                if ssctp {
                    self.ops
                        .set_text(format!("Cause code: {name} (0x{ty:04x}, S-SCTP)"));
                }
            }
        }
        self.stack.push(Group::Tlv {
            family,
            row,
            span,
            ty,
            flags,
            pending_flags: PendingFlags::default(),
            length_pending: true,
            saw_padding: false,
        });
    }

    fn close_tlv(&mut self, family: Family, span: Span, saw_padding: bool) {
        // Normal zero padding is not reported by the codec: show it where
        // the bytes are there (inside the enclosing list).
        if !saw_padding && span.len & 3 != 0 {
            let pad = 4 - (span.len & 3);
            let end = self.stack.iter().rev().find_map(|g| match g {
                Group::List { span, .. } => Some(span.at + span.len),
                _ => None,
            });
            if end.is_some_and(|e| span.at + span.len + pad <= e) {
                let hf = self.fixed(match family {
                    Family::Chunk => Fixed::ChunkPadding,
                    Family::Param => Fixed::ParamPadding,
                    Family::Cause => Fixed::CausePadding,
                });
                self.ops.item(hf, span.at + span.len, pad, Enc::Na);
            }
        }
        self.ops.close();
    }

    fn value_field(&mut self, family: Family, span: Span) {
        if span.len == 0 {
            return;
        }
        let hf = self.fixed(match family {
            Family::Chunk => Fixed::ChunkValue,
            Family::Param => Fixed::ParamValue,
            Family::Cause => Fixed::CauseInformation,
        });
        self.ops.item(hf, span.at, span.len, Enc::Na);
    }
}

impl Visitor for TreeBuilder<'_> {
    fn field(&mut self, name: &'static str, span: Span, value: Value<'_>) {
        self.settle();
        let Some((family, row, ty, flags)) = self.owner() else {
            self.header_field(name, span);
            return;
        };
        // Inside a nested packet but outside its chunks: its common header.
        if matches!(self.stack.last(), Some(Group::Packet))
            || (matches!(self.stack.last(), Some(Group::List { .. }))
                && matches!(self.stack.iter().rev().nth(1), Some(Group::Packet)))
        {
            self.header_field(name, span);
            return;
        }
        match name {
            "padding" if matches!(self.stack.last(), Some(Group::Tlv { .. })) => {
                if let Some(Group::Tlv { saw_padding, .. }) = self.stack.last_mut() {
                    *saw_padding = true;
                }
                let hf = self.fixed(match family {
                    Family::Chunk => Fixed::ChunkPadding,
                    Family::Param => Fixed::ParamPadding,
                    Family::Cause => Fixed::CausePadding,
                });
                self.ops.item(hf, span.at, span.len, Enc::Na);
                return;
            }
            "extra" if matches!(self.stack.last(), Some(Group::Tlv { .. })) => {
                let hf = self.fixed(Fixed::Extra);
                self.ops.item(hf, span.at, span.len, Enc::Na);
                return;
            }
            "value" if row.is_none() || matches!(self.stack.last(), Some(Group::Tlv { .. })) => {
                let rowf = row.and_then(|r| self.cat().rows[r].get("value"));
                match rowf {
                    Some(i) if span.len > 0 => {
                        let hf = self.hf(i);
                        self.ops.item(hf, span.at, span.len, Enc::Na);
                    }
                    Some(_) => {}
                    None => self.value_field(family, span),
                }
                return;
            }
            _ => {}
        }
        let Some(row) = row else {
            self.value_field(family, span);
            return;
        };
        let mut path = self.path(name);
        // I-DATA's PPID/FSN word: the FSN unless B is set.
        if family == Family::Chunk
            && ty == 0x40
            && path == (None, "ppid_or_fsn")
            && flags & 0x02 == 0
        {
            path = (None, "ppid_or_fsn#fsn");
        }
        let Some(i) = self.cat().rows[row].find(path.0, path.1) else {
            return;
        };
        if span.len == 0 && matches!(value, Value::Bytes(_) | Value::Text(_)) {
            return; // an empty variable-length field adds no item (as the built-in)
        }
        let hf = self.hf(i);
        let enc = match value {
            Value::Uint { .. } | Value::Ipv4(_) => Enc::Big,
            Value::Ipv6(_) | Value::Bytes(_) => Enc::Na,
            Value::Text(_) => Enc::Ascii,
        };
        self.ops.item(hf, span.at, span.len, enc);
        let rf = &self.reg.catalog.rows[row];
        if !rf.also.is_empty() {
            for j in rf.also_of(path.0, path.1) {
                self.ops.item(self.reg.ids[j], span.at, span.len, enc);
                self.ops.hidden();
            }
        }
    }

    fn flag(&mut self, name: &'static str, span: Span, _mask: u8, _value: u8) {
        let Some((_, Some(row), _, _)) = self.owner() else {
            return;
        };
        let Some(i) = self.cat().rows[row].flag(name) else {
            return;
        };
        let hf = self.hf(i);
        if let Some(Group::Tlv { pending_flags, .. }) = self.stack.last_mut() {
            pending_flags.push((hf, span.at));
        }
    }

    fn open(&mut self, name: &'static str, span: Span, node: Node) {
        self.settle();
        match node {
            Node::Chunk {
                ty,
                name: cname,
                flags,
                ..
            } => self.open_tlv(Family::Chunk, ty as u16, cname, flags, span),
            Node::Param {
                ty, name: pname, ..
            } => self.open_tlv(Family::Param, ty, pname, 0, span),
            Node::Cause {
                code, name: cname, ..
            } => self.open_tlv(Family::Cause, code, cname, 0, span),
            Node::List => self.stack.push(Group::List { name, span }),
            Node::Record => {
                let list = match self.stack.last() {
                    Some(Group::List { name, .. }) => *name,
                    _ => name,
                };
                let ett = self.reg.ett(Ett::Record);
                self.ops.text_tree(
                    ett,
                    span.at,
                    span.len,
                    sctp_codec::wire::singular(list).replace('_', " "),
                );
                self.stack.push(Group::Record { list });
            }
            Node::Packet => {
                let hf = match self.owner().and_then(|(_, r, _, _)| r) {
                    Some(r) => self.cat().rows[r].get(name).map(|i| self.hf(i)),
                    None => None,
                };
                let ett = self.reg.ett(Ett::Packet);
                match hf {
                    Some(hf) => {
                        self.ops.item(hf, span.at, span.len, Enc::Na);
                        self.ops.open(ett);
                    }
                    None => self
                        .ops
                        .text_tree(ett, span.at, span.len, "Dropped packet".into()),
                }
                self.stack.push(Group::Packet);
            }
        }
    }

    fn close(&mut self) {
        self.settle();
        match self.stack.pop() {
            Some(Group::Tlv {
                family,
                span,
                saw_padding,
                ..
            }) => {
                self.close_tlv(family, span, saw_padding);
                let top = self
                    .stack
                    .iter()
                    .all(|g| !matches!(g, Group::Tlv { .. } | Group::Packet));
                if top && family == Family::Chunk {
                    let k = self.chunks_done;
                    self.chunks_done += 1;
                    if let Some(h) = self.hooks.get_mut(k).and_then(Option::take) {
                        if self.info.chunk(&mut self.ops, h) && k + 1 < self.n_chunks {
                            self.ops.new_proto();
                        }
                    }
                }
            }
            Some(Group::Record { .. }) | Some(Group::Packet) => self.ops.close(),
            _ => {}
        }
    }

    fn malformed(&mut self, span: Span, error: &DecodeError) {
        self.settle_with(true);
        let ei = self.reg.experts.malformed;
        self.ops
            .expert(ei, span.at, span.len, format!("Malformed value: {error}"));
        if let ErrorKind::BadLength { .. } = error.kind {
            let ei = self.reg.experts.bad_length;
            self.ops
                .expert(ei, error.offset + 2, 2, format!("Bad length: {error}"));
        }
    }
}
