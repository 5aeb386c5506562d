//! The names and types of what the association analysis says of a packet,
//! one table for every front end: `sctp-craft dissect -Y analysis.*` takes
//! its filter names from it, the Wireshark plugin registers its
//! `sctpkit.analysis.*` fields from it. Each name is the path of the value
//! in [`super::PacketReport`] (RFC 9260 6.2.1, 6.3, 6.9; RFC 4895 6.3).

/// The type of an analysis value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A mark: present or not, no value (as tshark's `sctp.retransmission`).
    Flag,
    /// An unsigned integer (32 bits).
    Uint,
    /// A frame number of the capture.
    Frame,
    /// A duration, in seconds with up to nanoseconds.
    Time,
    /// An AUTH verdict ([`super::AuthVerdict::name`]).
    Auth,
    /// A chunk type number (RFC 9260 3.2).
    ChunkType,
}

/// One analysis value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDef {
    /// Its name (`analysis.retransmission.first_frame`).
    pub name: &'static str,
    /// Its type.
    pub kind: FieldKind,
    /// A short title ("First transmission in frame").
    pub title: &'static str,
    /// What it is, in one line.
    pub doc: &'static str,
    /// Known only once a later packet was read (the SACK that acknowledges
    /// a DATA chunk, the frame that completes a message): a front end that
    /// reads the capture once, in order, cannot give it.
    pub later: bool,
}

const fn f(
    name: &'static str,
    kind: FieldKind,
    title: &'static str,
    doc: &'static str,
) -> FieldDef {
    FieldDef {
        name,
        kind,
        title,
        doc,
        later: false,
    }
}

const fn later(
    name: &'static str,
    kind: FieldKind,
    title: &'static str,
    doc: &'static str,
) -> FieldDef {
    FieldDef {
        name,
        kind,
        title,
        doc,
        later: true,
    }
}

use FieldKind as K;

/// Every analysis value, parents before their children.
pub const FIELDS: &[FieldDef] = &[
    f(
        "analysis",
        K::Flag,
        "Association analysis",
        "the packet belongs to an analysed association (needs --analysis, as every analysis.* name)",
    ),
    f(
        "analysis.association",
        K::Uint,
        "Association",
        "the association's number (as sctp-craft assoc numbers them)",
    ),
    f(
        "analysis.retransmission",
        K::Flag,
        "Retransmission",
        "a DATA or I-DATA chunk of the packet is a retransmission (tshark's sctp.retransmission)",
    ),
    f(
        "analysis.retransmission.first_frame",
        K::Frame,
        "First transmission in frame",
        "the frame of a retransmitted TSN's first transmission",
    ),
    f(
        "analysis.retransmission.after",
        K::Time,
        "Retransmitted after",
        "seconds since a retransmitted TSN's first transmission",
    ),
    f(
        "analysis.acked_before",
        K::Frame,
        "Sent again after its acknowledgement in frame",
        "the frame that acknowledged a TSN sent again (tshark's sctp.retransmitted_after_ack)",
    ),
    f(
        "analysis.gap",
        K::Uint,
        "TSNs missing before",
        "how many TSNs are missing before a DATA chunk's",
    ),
    f(
        "analysis.out_of_window",
        K::Flag,
        "TSN out of window",
        "a DATA chunk's TSN is out of the window",
    ),
    later(
        "analysis.acked_by",
        K::Frame,
        "Acknowledged in frame",
        "the frame of the SACK that first acknowledges a DATA chunk's TSN (tshark's sctp.acked)",
    ),
    later(
        "analysis.acked_by.rtt",
        K::Time,
        "Acknowledged after",
        "seconds from a DATA chunk to the SACK that first acknowledges it",
    ),
    f(
        "analysis.message",
        K::Flag,
        "Message completed",
        "a DATA or I-DATA chunk completes a user message (its last missing fragment, or a whole message)",
    ),
    f(
        "analysis.message.fragments",
        K::Uint,
        "Message fragments",
        "how many fragments the message a DATA chunk completes came in",
    ),
    f(
        "analysis.message.bytes",
        K::Uint,
        "Message bytes",
        "user data bytes of the message a DATA chunk completes",
    ),
    f(
        "analysis.message.first_frame",
        K::Frame,
        "Message's first fragment in frame",
        "the frame of the first fragment of the message a DATA chunk completes",
    ),
    later(
        "analysis.reassembled_in",
        K::Frame,
        "Message reassembled in frame",
        "the frame whose DATA chunk completes the message a fragment belongs to",
    ),
    f(
        "analysis.in_flight",
        K::Uint,
        "Bytes in flight",
        "user data bytes outstanding in the chunk's direction (DATA) or towards the SACK's sender (SACK)",
    ),
    f(
        "analysis.acked",
        K::Uint,
        "TSNs acknowledged",
        "how many TSNs a SACK acknowledges first (0 for a SACK that acknowledges none)",
    ),
    f(
        "analysis.acked.tsn",
        K::Uint,
        "Acknowledged TSN",
        "a TSN a SACK acknowledges first (tshark's sctp.ack)",
    ),
    f(
        "analysis.acked.frame",
        K::Frame,
        "Acknowledged TSN sent in frame",
        "the DATA frame of a TSN a SACK acknowledges first (tshark's sctp.ack_frame)",
    ),
    f(
        "analysis.rtt",
        K::Time,
        "RTT",
        "seconds from a DATA chunk to the SACK that acknowledges it first (acked.rtt in JSON; tshark's sctp.sack_rtt)",
    ),
    f(
        "analysis.a_rwnd",
        K::Uint,
        "Advertised receiver window",
        "a SACK's Advertised Receiver Window Credit",
    ),
    f(
        "analysis.dup_tsns",
        K::Uint,
        "Duplicate TSNs reported",
        "how many duplicate TSNs a SACK reports",
    ),
    f(
        "analysis.stale",
        K::Flag,
        "Stale SACK",
        "a SACK older than one already seen",
    ),
    f(
        "analysis.revoked",
        K::Uint,
        "Gap acks revoked",
        "how many gap acks a SACK revokes",
    ),
    f(
        "analysis.auth",
        K::Auth,
        "AUTH verdict",
        "an AUTH chunk's verdict (--keys; docs/auth-keys.md)",
    ),
    f(
        "analysis.ssctp_auth",
        K::Auth,
        "S-SCTP AUTH verdict",
        "an S-SCTP AUTH chunk's verdict with the SSCTP keys of the key file (verified, bad-hmac, unknown-reference, no-key; docs/auth-keys.md)",
    ),
    f(
        "analysis.encdata",
        K::Auth,
        "EncData decryption",
        "what became of an EncData chunk with the SSCTP keys of the key file (decrypted, no-key, failed)",
    ),
    f(
        "analysis.decrypted",
        K::Uint,
        "Decrypted chunks",
        "how many chunks an EncData chunk decrypted to (PADDING included)",
    ),
    f(
        "analysis.unauthenticated",
        K::ChunkType,
        "Unauthenticated chunk",
        "the type of a chunk sent without the AUTH its receiver requires",
    ),
    f(
        "analysis.hb_rtt",
        K::Time,
        "HEARTBEAT round trip",
        "seconds from a HEARTBEAT to the HEARTBEAT ACK echoing its information (RFC 9260 8.3)",
    ),
    f(
        "analysis.hb_rtt.request_frame",
        K::Frame,
        "HEARTBEAT in frame",
        "the frame of the HEARTBEAT a HEARTBEAT ACK answers",
    ),
];

/// The entry called `name`.
pub fn field(name: &str) -> Option<&'static FieldDef> {
    FIELDS.iter().find(|d| d.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_parents_come_first() {
        for (i, d) in FIELDS.iter().enumerate() {
            assert!(
                FIELDS[..i].iter().all(|e| e.name != d.name),
                "{} twice",
                d.name
            );
            if let Some((parent, _)) = d.name.rsplit_once('.') {
                assert!(
                    FIELDS[..i].iter().any(|e| e.name == parent),
                    "{} before its parent",
                    d.name
                );
            }
        }
    }
}
