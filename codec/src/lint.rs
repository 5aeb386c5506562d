//! Lints: things a well-behaved sender does not do, reported with the byte
//! offset, separately from decoding (a packet with lints still decodes).

use crate::checksum::{ChecksumReport, ChecksumStatus};
use crate::chunk::ty;
use crate::dialect::Rules;
use crate::error::DecodeError;
use crate::packet::Packet;
use crate::visit::{Node, Span, Value, Visitor};

mod clean;
mod ssctp;

pub use clean::{chunks_lint_free, lint_free};

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lint {
    /// Byte offset from the start of the packet.
    pub offset: usize,
    /// Number of bytes concerned.
    pub len: usize,
    /// A stable short code (`bad-checksum`, `nonzero-padding`, ...).
    pub code: &'static str,
    /// A sentence for people.
    pub message: String,
}

/// Parameter types RFC 9260 and its extensions allow in a chunk type; `None`
/// for chunks whose parameters are not restricted here.
fn allowed_params(chunk: u8) -> Option<&'static [u16]> {
    const INIT: &[u16] = &[
        0x0005, 0x0006, 0x0009, 0x000B, 0x000C, 0x8000, 0x8001, 0x8002, 0x8003, 0x8004, 0x8005,
        0x8006, 0x8008, 0xC000, 0xC006, 0xC007,
    ];
    const INIT_ACK: &[u16] = &[
        0x0005, 0x0006, 0x0007, 0x0008, 0x000B, 0x8000, 0x8001, 0x8002, 0x8003, 0x8004, 0x8006,
        0x8008, 0xC000, 0xC006, 0xC007,
    ];
    const HEARTBEAT: &[u16] = &[0x0001];
    const ASCONF: &[u16] = &[
        0x0005, 0x0006, 0xC001, 0xC002, 0xC004, 0xC006, 0xC007, 0xC008,
    ];
    const ASCONF_ACK: &[u16] = &[0xC003, 0xC005];
    const RECONFIG: &[u16] = &[0x000D, 0x000E, 0x000F, 0x0010, 0x0011, 0x0012];
    match chunk {
        ty::INIT => Some(INIT),
        ty::INIT_ACK => Some(INIT_ACK),
        ty::HEARTBEAT | ty::HEARTBEAT_ACK => Some(HEARTBEAT),
        ty::ASCONF => Some(ASCONF),
        ty::ASCONF_ACK => Some(ASCONF_ACK),
        ty::RE_CONFIG => Some(RECONFIG),
        _ => None,
    }
}

struct LintVisitor {
    out: Vec<Lint>,
    stack: Vec<Node>,
}

impl LintVisitor {
    fn push(&mut self, span: Span, code: &'static str, message: String) {
        self.out.push(Lint {
            offset: span.at,
            len: span.len,
            code,
            message,
        });
    }
}

impl Visitor for LintVisitor {
    fn field(&mut self, name: &'static str, span: Span, value: Value<'_>) {
        match (name, value) {
            ("padding", Value::Bytes(b)) if b.iter().any(|&x| x != 0) => self.push(
                span,
                "nonzero-padding",
                format!("padding bytes {} are not zero", hex(b)),
            ),
            ("extra", Value::Bytes(b)) => self.push(
                span,
                "length-mismatch",
                format!("{} bytes inside Length are not part of the value", b.len()),
            ),
            _ => {}
        }
    }
    fn open(&mut self, _name: &'static str, span: Span, node: Node) {
        if let Node::Param { ty, name, .. } = node {
            let parent = self.stack.iter().rev().find(|n| !matches!(n, Node::List));
            if let Some(Node::Chunk {
                ty: cty,
                name: cname,
                ..
            }) = parent
            {
                if let Some(allowed) = allowed_params(*cty) {
                    let known = crate::registry::lookup(
                        crate::registry::Family::Param,
                        crate::registry::DialectTag::Standard,
                        ty,
                    )
                    .is_some();
                    if known && !allowed.contains(&ty) {
                        let cname = *cname;
                        self.push(
                            span,
                            "param-not-allowed",
                            format!("{name} (0x{ty:04x}) is not allowed in {cname}"),
                        );
                    }
                }
            }
        }
        self.stack.push(node);
    }
    fn close(&mut self) {
        self.stack.pop();
    }
    fn malformed(&mut self, span: Span, error: &DecodeError) {
        self.push(span, "malformed", error.to_string());
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Sends every event of a walk to the lint visitor and to a second visitor.
struct Tee<'v> {
    lints: &'v mut LintVisitor,
    also: &'v mut dyn Visitor,
}

impl Visitor for Tee<'_> {
    fn field(&mut self, name: &'static str, span: Span, value: Value<'_>) {
        self.lints.field(name, span, value);
        self.also.field(name, span, value);
    }
    fn flag(&mut self, name: &'static str, span: Span, mask: u8, value: u8) {
        self.also.flag(name, span, mask, value);
    }
    fn open(&mut self, name: &'static str, span: Span, node: Node) {
        self.lints.open(name, span, node);
        self.also.open(name, span, node);
    }
    fn close(&mut self) {
        self.lints.close();
        self.also.close();
    }
    fn malformed(&mut self, span: Span, error: &DecodeError) {
        self.lints.malformed(span, error);
        self.also.malformed(span, error);
    }
    fn meaning(&mut self, name: &'static str, span: Span, text: &'static str) {
        self.also.meaning(name, span, text);
    }
}

/// A visitor that ignores everything.
struct Ignore;

impl Visitor for Ignore {
    fn field(&mut self, _: &'static str, _: Span, _: Value<'_>) {}
    fn open(&mut self, _: &'static str, _: Span, _: Node) {}
    fn close(&mut self) {}
}

/// Runs every lint on a decoded packet; `checksum` is the verification of its bytes.
pub fn lint(p: &Packet<'_>, checksum: Option<&ChecksumReport>) -> Vec<Lint> {
    lint_with(p, checksum, &mut Ignore)
}

/// Like [`lint`], for a packet decoded with `rules` (what its association
/// showed: the dialect conflict of secure-sctp.md 11 rule 2 is a lint).
pub fn lint_rules(p: &Packet<'_>, checksum: Option<&ChecksumReport>, rules: &Rules) -> Vec<Lint> {
    lint_with_rules(p, checksum, rules, &mut Ignore)
}

/// Like [`lint_with`], for a packet decoded with `rules` (see [`lint_rules`]).
pub fn lint_with_rules(
    p: &Packet<'_>,
    checksum: Option<&ChecksumReport>,
    rules: &Rules,
    also: &mut dyn Visitor,
) -> Vec<Lint> {
    lint_impl(p, checksum, Some(rules), also)
}

/// Like [`lint`], and in the same walk reports the chunks to `also` exactly as
/// `tlv::describe_list(&p.chunks, 12, true, also)` does: one walk for a
/// printer that shows the lints too.
pub fn lint_with(
    p: &Packet<'_>,
    checksum: Option<&ChecksumReport>,
    also: &mut dyn Visitor,
) -> Vec<Lint> {
    lint_impl(p, checksum, None, also)
}

/// The lint of a wrong checksum (RFC 9260 6.8), the one lint that depends
/// on the checksum's verification and not on the packet's chunks.
pub fn checksum_lint(c: &ChecksumReport) -> Option<Lint> {
    checksum_lint_code(c).map(|code| Lint {
        offset: 8,
        len: 4,
        code,
        message: format!(
            "checksum 0x{:08x} is wrong ({} 0x{:08x})",
            c.value,
            c.algorithm.as_str(),
            c.computed
        ),
    })
}

/// The code of [`checksum_lint`], without its message.
pub fn checksum_lint_code(c: &ChecksumReport) -> Option<&'static str> {
    (c.status == ChecksumStatus::Bad).then_some("bad-checksum")
}

fn lint_impl(
    p: &Packet<'_>,
    checksum: Option<&ChecksumReport>,
    rules: Option<&Rules>,
    also: &mut dyn Visitor,
) -> Vec<Lint> {
    let mut v = LintVisitor {
        out: Vec::new(),
        stack: Vec::new(),
    };
    v.out.extend(checksum.and_then(checksum_lint));
    if let Some(e) = &p.error {
        v.push(Span::new(e.offset, 0), "malformed", e.to_string());
    }
    let mut at = 12;
    let n = p.chunks.len();
    for c in &p.chunks {
        let span = Span::new(at, c.tlv_len_pub());
        if n > 1
            && matches!(
                c.ty,
                ty::INIT | ty::INIT_ACK | ty::SHUTDOWN_COMPLETE | ty::DTLS
            )
        {
            v.push(
                span,
                "must-be-alone",
                format!("{} must not be bundled with other chunks", c.name()),
            );
        }
        if c.ty == ty::INIT {
            if let crate::chunk::ChunkBody::Init(i) = &c.body {
                if i.initiate_tag == 0 {
                    v.push(
                        Span::new(at + 4, 4),
                        "init-tag-zero",
                        "INIT with Initiate Tag 0".into(),
                    );
                }
            }
            if p.header.verification_tag != 0 {
                v.push(
                    Span::new(4, 4),
                    "init-vtag-nonzero",
                    "packet with INIT has a non-zero Verification Tag".into(),
                );
            }
        }
        if let Some(l) = c.length {
            if l as usize != c.tlv_len_pub() {
                v.push(
                    Span::new(at + 2, 2),
                    "length-mismatch",
                    format!(
                        "Chunk Length {l} but the chunk has {} bytes",
                        c.tlv_len_pub()
                    ),
                );
            }
        }
        at += c.tlv_len_pub()
            + c.padding
                .as_ref()
                .map_or(crate::wire::pad4(c.tlv_len_pub()), |p| p.len());
    }
    ssctp::lints(p, &mut v);
    if rules.is_some_and(|r| r.conflict) {
        ssctp::conflict(p, &mut v);
    }
    crate::tlv::describe_list(
        &p.chunks,
        12,
        true,
        &mut Tee {
            lints: &mut v,
            also: &mut crate::visit::meaning::Annotate::new(also),
        },
    );
    v.out.sort_by_key(|l| l.offset);
    v.out
}
