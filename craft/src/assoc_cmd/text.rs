//! The text tables of `sctp-craft assoc`: a header per association (RFC
//! 9260 1.3) with its handshake (5.1), negotiation and ending (9), then a
//! two-column table (forward, reverse direction) and a table per stream.
//! Every line, row and column comes from the codec's
//! `sctp_codec::analysis::text`, which the Wireshark plugin's `-z sctpkit,assoc`
//! prints too.

use sctp_codec::analysis::{text, AssocSummary};
use sctp_codec::registry::DialectTag;

/// Writes the tables of association `s`, chunk types named in `dialect`.
pub fn association(out: &mut String, s: &AssocSummary, dialect: DialectTag) {
    text::association(out, s, dialect);
}
