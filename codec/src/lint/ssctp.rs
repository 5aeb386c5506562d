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
    let n = p.chunks.len();
    let has_auth = p
        .chunks
        .iter()
        .any(|c| matches!(c.body, ChunkBody::SsAuth(_)));
    let mut encdata = 0;
    for (k, (at, c)) in placed(p).enumerate() {
        let span = Span::new(at, c.tlv_len_pub());
        match &c.body {
            ChunkBody::EncData(_) => {
                encdata += 1;
                if encdata == 2 {
                    v.push(
                        span,
                        "two-encdata",
                        "more than one EncData in the packet: the draft allows at most one \
                         (5.1.11; secure-sctp.md Q30, I26)"
                            .into(),
                    );
                }
                if encdata == 1 && !has_auth {
                    v.push(
                        span,
                        "encdata-without-auth",
                        "EncData in a packet without an S-SCTP AUTH: only security levels 2 \
                         and 3 encrypt, and both require AUTH in a packet that carries \
                         EncData (draft 7 and 9.3 c; secure-sctp.md 4)"
                            .into(),
                    );
                }
            }
            ChunkBody::SsAuth(_) if k + 1 < n => v.push(
                span,
                "auth-not-last",
                format!(
                    "S-SCTP AUTH is chunk {} of {n}: it must be the last chunk of the packet \
                     (draft 5.1.13, 8; secure-sctp.md 3.13)",
                    k + 1
                ),
            ),
            ChunkBody::SsClose(s) if s.tsn_16.is_some() => v.push(
                Span::new(at + 2, 2),
                "ssclose-16-bit-tsn",
                "SSClose of Length 6: the 16-bit TSN of the draft's text, not the 32-bit TSN \
                 of its figure (Length 8; secure-sctp.md 3.7, I2, Q2)"
                    .into(),
            ),
            _ => {}
        }
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

/// Secure-sctp.md 11 rule 2 / Q25: the association negotiated NR-SACK and
/// shows S-SCTP too. Said once per packet, on its first chunk of type 0x10
/// or 0xD0..0xD9 (the chunks whose reading the conflict concerns).
pub(super) fn conflict(p: &Packet<'_>, v: &mut LintVisitor) {
    use crate::chunk::ty;
    let first = placed(p).find(|(_, c)| {
        c.ty == ty::NR_SACK || (ty::ssctp::SS_OP_REQ..=ty::ssctp::SEC_LEV_CHD_ACK).contains(&c.ty)
    });
    if let Some((at, c)) = first {
        v.push(
            Span::new(at, c.tlv_len_pub()),
            "dialect-conflict",
            "dialect conflict: INIT and INIT-ACK negotiated NR-SACK (0x10) and the \
             association also shows S-SCTP chunks; 0x10 is read as NR-SACK, not EncData \
             (secure-sctp.md 11 rule 2, Q25)"
                .into(),
        );
    }
}
