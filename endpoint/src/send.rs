//! What the application says about a message it sends (RFC 6458 5.3.4
//! `sctp_sndinfo` and 5.3.7 `sctp_prinfo`): ordering and partial reliability
//! (PR-SCTP, RFC 3758 with the policies of RFC 7496).

use std::time::Duration;

/// The partial-reliability policy of one message (RFC 7496 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PrPolicy {
    /// Fully reliable: retransmitted until acknowledged (RFC 9260).
    #[default]
    Reliable,
    /// Timed reliability (RFC 3758 3.5 A, RFC 7496 4.1): abandoned once
    /// this long has passed since `send`, sent or not.
    Ttl(Duration),
    /// Limited retransmissions (RFC 7496 4.2): abandoned once sent this
    /// many times more than once (0: sent once, never retransmitted).
    Rtx(u32),
    /// Priority (RFC 7496 4.3): when the send buffer is full, queued
    /// messages with a larger value (lower priority) are abandoned to make
    /// room for this one.
    Priority(u16),
}

/// Options of one `send` (RFC 6458 `sctp_sendv` with `SCTP_SENDV_SPA`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SendOptions {
    /// Deliver as soon as it arrives, outside the stream's order (U bit).
    pub unordered: bool,
    /// Partial reliability; anything but `Reliable` needs the peer to have
    /// announced Forward-TSN-Supported (RFC 3758 3.1), else the message is
    /// sent reliably.
    pub pr: PrPolicy,
}

/// Messages abandoned under each policy (RFC 7496 5's per-policy counters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Abandoned {
    /// Under `PrPolicy::Ttl`.
    pub ttl: u64,
    /// Under `PrPolicy::Rtx`.
    pub rtx: u64,
    /// Under `PrPolicy::Priority`.
    pub priority: u64,
}

impl Abandoned {
    /// Counts one abandoned message under `p`.
    pub fn count(&mut self, p: PrPolicy) {
        match p {
            PrPolicy::Reliable => {}
            PrPolicy::Ttl(_) => self.ttl += 1,
            PrPolicy::Rtx(_) => self.rtx += 1,
            PrPolicy::Priority(_) => self.priority += 1,
        }
    }
}
