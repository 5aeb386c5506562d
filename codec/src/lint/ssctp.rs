//! Lints for the rules of draft-hohendorf-secure-sctp-15 that a decoder can
//! check on one packet (`../shared/spec/secure-sctp.md`).

use crate::chunk::ChunkBody;
use crate::packet::Packet;
use crate::param::ParamBody;
use crate::visit::Span;
use crate::wire::pad4;

use super::LintVisitor;

/// Where each top-level chunk starts, with the chunk.
fn placed<'p, 'a>(p: &'p Packet<'a>) -> impl Iterator<Item = (usize, &'p crate::chunk::Chunk<'a>)> {
    let mut at = 12;
    p.chunks.iter().map(move |c| {
        let here = at;
        let len = c.tlv_len_pub();
        at += len + c.padding.as_ref().map_or(pad4(len), |p| p.len());
        (here, c)
    })
}

/// Adds the S-SCTP lints of packet `p`.
pub(super) fn lints(p: &Packet<'_>, v: &mut LintVisitor) {
    for (at, c) in placed(p) {
        if let ChunkBody::SsSerKey(k) = &c.body {
            // secure-sctp.md 3.17: LP, LG and LY give the sizes of P, G and Y.
            let mut pat = at + 4;
            for prm in &k.params {
                if let ParamBody::DhServer(d) = &prm.body {
                    if let Some((written, present)) = d.lengths_mismatch() {
                        v.push(
                            Span::new(pat + 4, 6),
                            "dh-lengths",
                            format!(
                                "Diffie-Hellman (server): LP + LG + LY = {written} bytes of DH \
                                 prime, root and value, but {present} follow the fixed fields \
                                 (secure-sctp.md 3.17)"
                            ),
                        );
                    }
                }
                let len = crate::tlv::Tlv::tlv_len(prm);
                pat += len + prm.padding.as_ref().map_or(pad4(len), |p| p.len());
            }
        }
    }
}
