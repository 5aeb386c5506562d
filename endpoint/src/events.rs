//! What the application polls from the endpoint: received messages and the
//! notifications of RFC 6458 6.1 (association change, peer address change,
//! send failed, shutdown, sender dry, remote error).

use std::net::SocketAddr;

use crate::association::reassembly::Message;
use crate::AssocId;

/// Association state changes (RFC 6458 6.1.1 `sctp_assoc_change`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssocChange {
    /// The association is up (`SCTP_COMM_UP`).
    CommUp,
    /// The association was lost: retransmissions exhausted or an ABORT sent
    /// because of a protocol error (`SCTP_COMM_LOST`).
    CommLost,
    /// The peer restarted (`SCTP_RESTART`, RFC 9260 5.2.4 case A).
    Restart,
    /// Graceful shutdown finished (`SCTP_SHUTDOWN_COMP`).
    ShutdownComplete,
    /// The association could not be set up (`SCTP_CANT_STR_ASSOC`).
    CantStartAssoc,
}

/// Why an association ended or failed, for the events that carry one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The peer sent ABORT, with these cause codes.
    PeerAbort(Vec<u16>),
    /// We aborted (application request or protocol violation).
    LocalAbort,
    /// Association.Max.Retrans or Max.Init.Retransmits exceeded.
    Timeout,
    /// Graceful shutdown.
    Shutdown,
}

impl std::fmt::Display for AssocChange {
    /// What happened, in words, then the RFC 6458 6.1.1 name (no `: `, so
    /// that the text fits in a line's parentheses).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AssocChange::CommUp => "up, SCTP_COMM_UP",
            AssocChange::CommLost => "lost, SCTP_COMM_LOST",
            AssocChange::Restart => "restarted by the peer, SCTP_RESTART",
            AssocChange::ShutdownComplete => "shut down, SCTP_SHUTDOWN_COMP",
            AssocChange::CantStartAssoc => "could not be set up, SCTP_CANT_STR_ASSOC",
        })
    }
}

impl std::fmt::Display for Reason {
    /// Why, in words; an ABORT's error causes by their RFC 9260 3.3.10
    /// names (from the codec's table) and numbers.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use sctp_codec::registry::{lookup, DialectTag, Family};
        match self {
            Reason::PeerAbort(causes) if causes.is_empty() => f.write_str(
                "the peer aborted without a cause (an ABORT, or an ICMP protocol or port unreachable taken as one, RFC 9260 Appendix C, RFC 6951 5.5)",
            ),
            Reason::PeerAbort(causes) => {
                f.write_str("the peer sent ABORT with ")?;
                for (k, c) in causes.iter().enumerate() {
                    if k > 0 {
                        f.write_str(", ")?;
                    }
                    match lookup(Family::Cause, DialectTag::Standard, *c) {
                        Some(i) => write!(f, "{} ({c})", i.name)?,
                        None => write!(f, "cause {c}")?,
                    }
                }
                Ok(())
            }
            Reason::LocalAbort => f.write_str("we aborted (a protocol violation, or the application asked)"),
            Reason::Timeout => f.write_str(
                "no answer, retransmissions exhausted (Max.Init.Retransmits or Association.Max.Retrans, RFC 9260 5.1, 8.1)",
            ),
            Reason::Shutdown => f.write_str("graceful shutdown"),
        }
    }
}

/// User data an association dropped when it ended (RFC 6458 6.1.11
/// `sctp_send_failed_event`: `SCTP_DATA_SENT` or `SCTP_DATA_UNSENT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedData {
    /// A DATA chunk that was sent (else a message, or its rest, never sent).
    pub sent: bool,
    /// Stream Identifier.
    pub stream: u16,
    /// Payload Protocol Identifier.
    pub ppid: u32,
    /// The chunk's flags (U, B, E bits) when sent; the U bit otherwise.
    pub flags: u8,
    /// The user data.
    pub data: Vec<u8>,
}

/// One event for the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The association changed state.
    AssocChange {
        /// Which association.
        id: AssocId,
        /// What happened.
        change: AssocChange,
        /// Negotiated outbound and inbound streams (CommUp, Restart).
        streams: (u16, u16),
        /// Why, when it ended.
        reason: Option<Reason>,
    },
    /// A destination changed reachability (RFC 6458 6.1.2).
    PeerAddrChange {
        /// Which association.
        id: AssocId,
        /// The destination.
        addr: SocketAddr,
        /// Reachable now.
        available: bool,
    },
    /// A whole user message arrived (RFC 6458 5.3.2 `sctp_rcvinfo`).
    Message {
        /// Which association.
        id: AssocId,
        /// The message.
        message: Message,
    },
    /// Messages that were never delivered because the association ended
    /// (RFC 6458 6.1.11 `sctp_send_failed_event`; counted, not returned).
    SendFailed {
        /// Which association.
        id: AssocId,
        /// How many messages or chunks were dropped.
        count: usize,
        /// What was dropped: the DATA chunks sent and not acknowledged,
        /// then the messages (or their unsent rest) never sent.
        failed: Vec<FailedData>,
    },
    /// The peer sent SHUTDOWN (RFC 6458 6.1.5): it sends no more data.
    ShutdownEvent {
        /// Which association.
        id: AssocId,
    },
    /// Everything sent was acknowledged (RFC 6458 6.1.9 `SCTP_SENDER_DRY_EVENT`).
    SenderDry {
        /// Which association.
        id: AssocId,
    },
    /// A stream reset finished (RFC 6458 6.1.10 `SCTP_STREAM_RESET_EVENT`,
    /// RFC 6525 6.1.1): our outgoing streams or the peer's (our incoming).
    StreamReset {
        /// Which association.
        id: AssocId,
        /// Our outgoing streams (else our incoming ones).
        outgoing: bool,
        /// The streams (empty: all).
        streams: Vec<u16>,
        /// How it ended (Performed, Denied, ...).
        result: crate::association::reconfig::ReconfigResult,
    },
    /// The peer's INIT or INIT ACK carried an Adaptation Layer Indication
    /// (RFC 5061 4.2.7, RFC 6458 6.1.6 `SCTP_ADAPTATION_INDICATION`); after
    /// the association's CommUp.
    Adaptation {
        /// Which association.
        id: AssocId,
        /// The peer's adaptation code point.
        indication: u32,
    },
    /// Streams were added (RFC 6525 6.1.3 `SCTP_STREAM_CHANGE_EVENT`).
    StreamChange {
        /// Which association.
        id: AssocId,
        /// Outbound and inbound streams now.
        streams: (u16, u16),
        /// How the request ended.
        result: crate::association::reconfig::ReconfigResult,
    },
    /// The SSNs of every stream and the TSNs of both directions were reset
    /// (RFC 6525 5.1.4 / 5.2.4, RFC 6525 6.1.2 `SCTP_ASSOC_RESET_EVENT`),
    /// at our request or the peer's.
    AssocReset {
        /// Which association.
        id: AssocId,
        /// The next TSN we send.
        local_tsn: u32,
        /// The next TSN we expect from the peer.
        remote_tsn: u32,
        /// How the request ended (Performed, Denied, ...).
        result: crate::association::reconfig::ReconfigResult,
    },
    /// An address was added, deleted or made primary by ASCONF (RFC 5061;
    /// RFC 6458 6.1.2 `SCTP_ADDR_ADDED`, `SCTP_ADDR_REMOVED`,
    /// `SCTP_ADDR_MADE_PRIM`): the peer's (`local` false, done) or ours
    /// (`local` true, as the peer's ASCONF-ACK answered).
    AddressConfigured {
        /// Which association.
        id: AssocId,
        /// The address.
        addr: std::net::IpAddr,
        /// Ours, else the peer's.
        local: bool,
        /// What was done.
        op: crate::association::asconf::AddressOp,
        /// The error cause when refused (RFC 5061 5.3).
        error: Option<u16>,
    },
    /// The S-SCTP secure session is up (draft-hohendorf-secure-sctp-15
    /// 10 SECSESSUP): the suite and the levels (ours, the peer's).
    SecureSessionUp {
        /// Which association.
        id: AssocId,
        /// Cipher suite number (5.1.1).
        suite: u16,
        /// Our security level and the peer's (7).
        levels: (u8, u8),
    },
    /// Our or the peer's security level changed (SecLevCHD, 9.7).
    SecureLevelChanged {
        /// Which association.
        id: AssocId,
        /// Our security level and the peer's now.
        levels: (u8, u8),
    },
    /// New session keys are in use (9.6 SECSESSREKEY).
    SecureRekeyed {
        /// Which association.
        id: AssocId,
        /// The new master secret key reference.
        reference: u16,
    },
    /// One generation of session keys, reported only with
    /// `SecureConfig::export_keys` (9.5; for key logs, docs/auth-keys.md).
    SecureKeys {
        /// Which association.
        id: AssocId,
        /// Master secret key reference number (the one AUTH and EncData carry).
        reference: u16,
        /// Cipher suite number (5.1.1).
        suite: u16,
        /// Encryption key (AES-CBC).
        enc: Vec<u8>,
        /// HMAC key.
        mac: Vec<u8>,
        /// The association's Verification Tags: ours, the peer's (RFC 9260 3.1).
        tags: (u32, u32),
    },
    /// The secure session ended (SSClose, 9.4 SECSESSDOWN).
    SecureClosed {
        /// Which association.
        id: AssocId,
    },
    /// An S-SCTP failure (6): the cause (0x0020-0x0024) and the error code of
    /// 0x0020, detected here (`remote` false, an ERROR went out) or reported
    /// by the peer.
    SecureFailure {
        /// Which association.
        id: AssocId,
        /// Cause code.
        cause: u16,
        /// Error code of cause 0x0020.
        code: Option<u16>,
        /// The peer reported it.
        remote: bool,
    },
    /// An ICMP or ICMPv6 error about one of our packets passed the checks
    /// of RFC 9260 Appendix C and was acted on: a lower path MTU (7.3), an
    /// unreachable destination (ICMP9), or a Protocol Unreachable that
    /// ended the association like an ABORT (ICMP8; its `AssocChange`
    /// follows).
    IcmpReceived {
        /// Which association.
        id: AssocId,
        /// The destination the quoted packet went to.
        addr: SocketAddr,
        /// What the ICMP message said.
        kind: crate::icmp::IcmpKind,
        /// That path's MTU as an SCTP packet size, after it.
        path_mtu: usize,
    },
    /// A message handed over in pieces (partial delivery) will never be
    /// completed: its association ended or restarted, a FORWARD TSN /
    /// I-FORWARD-TSN skipped it, or its stream was reset (RFC 6458 6.1.7
    /// `SCTP_PARTIAL_DELIVERY_EVENT` with `SCTP_PARTIAL_DELIVERY_ABORTED`).
    PartialDeliveryAborted {
        /// Which association.
        id: AssocId,
        /// Its stream.
        stream: u16,
        /// Its Stream Sequence Number (I-DATA: the low 16 bits of its MID).
        ssn: u16,
        /// Sent unordered.
        unordered: bool,
    },
    /// The peer sent an ERROR chunk (RFC 6458 6.1.3 `sctp_remote_error`).
    RemoteError {
        /// Which association.
        id: AssocId,
        /// Its cause codes.
        causes: Vec<u16>,
        /// The chunk as received, header included (RFC 6458 6.1.3 `sre_data`).
        chunk: Vec<u8>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endings_read_as_words_with_cause_names_from_the_registry() {
        // Names as ../shared/spec/registry.tsv gives them (RFC 9260 3.3.10).
        assert_eq!(
            Reason::PeerAbort(vec![12, 13]).to_string(),
            "the peer sent ABORT with User-Initiated Abort (12), Protocol Violation (13)"
        );
        assert_eq!(
            Reason::PeerAbort(vec![0xbeef]).to_string(),
            "the peer sent ABORT with cause 48879"
        );
        assert!(Reason::PeerAbort(Vec::new()).to_string().contains("ICMP"));
        assert_eq!(
            AssocChange::CantStartAssoc.to_string(),
            "could not be set up, SCTP_CANT_STR_ASSOC"
        );
        // No ": " inside: the texts sit in a line that `: ` splits.
        for t in [
            Reason::PeerAbort(vec![1]).to_string(),
            Reason::LocalAbort.to_string(),
            Reason::Timeout.to_string(),
            AssocChange::Restart.to_string(),
        ] {
            assert!(!t.contains(": "), "{t}");
        }
    }
}
