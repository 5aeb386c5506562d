//! The zero checksum of RFC 9653, judged per association: a packet may carry
//! a checksum of zero only in an association whose two ends both announced
//! Zero Checksum Acceptable (RFC 9653 4) in their INIT and INIT ACK, and
//! never when it carries an INIT (RFC 9653 5.2: an INIT always has its
//! CRC32c). Anywhere else zero is a wrong checksum like any other.

use rustc_hash::FxHashMap;

use sctp_codec::chunk::ty;
use sctp_codec::dialect::AssocKey;
use sctp_codec::lint::Lint;
use sctp_codec::{ChecksumReport, ChecksumStatus, PacketView};

/// Parameter Type of Zero Checksum Acceptable (RFC 9653 4).
const ZERO_CHECKSUM_ACCEPTABLE: u16 = 0x8001;

/// What the handshake of one association announced.
#[derive(Debug, Clone, Copy, Default)]
struct Announced {
    init: bool,
    init_ack: bool,
}

/// Whether a zero checksum is acceptable on a packet, and why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZeroVerdict {
    /// Both ends announced Zero Checksum Acceptable and the packet has no INIT.
    Acceptable,
    /// The association's ends did not both announce it (or were not seen).
    NotNegotiated,
    /// The packet carries an INIT, which always has its CRC32c.
    HasInit,
}

/// Follows the INIT and INIT ACK of every association of a capture, in
/// order, for [`ZeroVerdict`].
#[derive(Debug, Default)]
pub struct ZeroChecksumFollower {
    assocs: FxHashMap<AssocKey, Announced>,
    /// Associations where both ends announced it: while there is none, no
    /// packet needs a lookup.
    negotiated: usize,
}

fn announces(c: &sctp_codec::ChunkView<'_>) -> bool {
    c.tlvs().any(|t| t.ty() == ZERO_CHECKSUM_ACCEPTABLE)
}

impl ZeroChecksumFollower {
    /// Learns from an INIT or INIT ACK `c` of association `key` (out of
    /// line: the loop over every packet's chunks stays small); true for an
    /// INIT.
    #[inline(never)]
    fn learn(&mut self, key: AssocKey, c: &sctp_codec::ChunkView<'_>) -> bool {
        let both = |a: &Announced| a.init && a.init_ack;
        if c.ty() == ty::INIT {
            let new = Announced {
                init: announces(c),
                init_ack: false,
            };
            if self.assocs.insert(key, new).is_some_and(|a| both(&a)) {
                self.negotiated -= 1;
            }
            return true;
        }
        let a = self.assocs.entry(key).or_default();
        let before = both(a);
        a.init_ack = announces(c);
        match (before, both(a)) {
            (false, true) => self.negotiated += 1,
            (true, false) => self.negotiated -= 1,
            _ => {}
        }
        false
    }

    /// Learns from packet `v` of association `key` and says what a zero
    /// checksum on it would be. An INIT starts the handshake afresh.
    pub fn observe(&mut self, key: AssocKey, v: &PacketView<'_>) -> ZeroVerdict {
        let mut has_init = false;
        for c in v.chunks() {
            if matches!(c.ty(), ty::INIT | ty::INIT_ACK) {
                has_init |= self.learn(key, &c);
            }
        }
        if has_init {
            return ZeroVerdict::HasInit;
        }
        if self.negotiated == 0 {
            return ZeroVerdict::NotNegotiated;
        }
        match self.assocs.get(&key) {
            Some(a) if a.init && a.init_ack => ZeroVerdict::Acceptable,
            _ => ZeroVerdict::NotNegotiated,
        }
    }
}

/// The checksum verdict of a packet given what its association negotiated:
/// a zero that is not acceptable becomes `Bad`, with a lint saying why.
pub fn judge(mut r: ChecksumReport, verdict: ZeroVerdict) -> (ChecksumReport, Option<Lint>) {
    if r.status != ChecksumStatus::Zero || verdict == ZeroVerdict::Acceptable {
        return (r, None);
    }
    r.status = ChecksumStatus::Bad;
    let message = match verdict {
        ZeroVerdict::HasInit => {
            "a zero checksum on a packet with an INIT, which always carries its CRC32c (RFC 9653 5.2)"
                .to_string()
        }
        _ => "a zero checksum, but Zero Checksum Acceptable (RFC 9653) was not announced by both \
              ends of this association in INIT and INIT ACK"
            .to_string(),
    };
    let lint = Lint {
        offset: 8,
        len: 4,
        code: "zero-checksum",
        message,
    };
    (r, Some(lint))
}
