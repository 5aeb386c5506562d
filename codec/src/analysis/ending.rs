//! How an association ended (RFC 9260 9): a graceful shutdown (9.2), an
//! ABORT (9.1), a restart (5.2.4) or not at all in the capture.

use super::report::Dir;

/// How an association ended, as far as the capture shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Ending {
    /// Nothing in the capture ended it.
    #[default]
    Open,
    /// Only INIT chunks, never answered (RFC 9260 5.1).
    InitUnanswered,
    /// Graceful shutdown (RFC 9260 9.2), started by `by`.
    Shutdown {
        /// Who sent the first SHUTDOWN.
        by: Dir,
        /// Frame of the first SHUTDOWN.
        shutdown: u64,
        /// Frame of the first SHUTDOWN ACK.
        ack: Option<u64>,
        /// Frame of the first SHUTDOWN COMPLETE.
        complete: Option<u64>,
    },
    /// ABORT (RFC 9260 9.1) sent by `by`.
    Abort {
        /// Who sent it.
        by: Dir,
        /// Frame.
        frame: u64,
        /// Cause Codes (RFC 9260 3.3.10).
        causes: Vec<u16>,
        /// T bit: the Verification Tag was reflected (RFC 9260 3.3.7).
        reflected: bool,
    },
    /// A new handshake took over this association's ports and a tag (RFC
    /// 9260 5.2.4), in this frame.
    Restarted {
        /// Frame of the INIT ACK that restarted it.
        frame: u64,
    },
}

impl Ending {
    /// A SHUTDOWN from `by` in `frame` (RFC 9260 9.2).
    pub(crate) fn shutdown(&mut self, by: Dir, frame: u64) {
        if !matches!(self, Ending::Shutdown { .. } | Ending::Abort { .. }) {
            *self = Ending::Shutdown {
                by,
                shutdown: frame,
                ack: None,
                complete: None,
            };
        }
    }

    /// A SHUTDOWN ACK in `frame` (RFC 9260 9.2); one without a SHUTDOWN
    /// seen starts the shutdown from the other side.
    pub(crate) fn shutdown_ack(&mut self, by: Dir, frame: u64) {
        if !matches!(self, Ending::Shutdown { .. } | Ending::Abort { .. }) {
            self.shutdown(by.flip(), frame);
        }
        if let Ending::Shutdown { ack, .. } = self {
            ack.get_or_insert(frame);
        }
    }

    /// A SHUTDOWN COMPLETE in `frame` (RFC 9260 9.2).
    pub(crate) fn shutdown_complete(&mut self, by: Dir, frame: u64) {
        if !matches!(self, Ending::Shutdown { .. } | Ending::Abort { .. }) {
            self.shutdown(by, frame);
        }
        if let Ending::Shutdown { complete, .. } = self {
            complete.get_or_insert(frame);
        }
    }

    /// An ABORT (RFC 9260 9.1): it ends the association whatever came before.
    pub(crate) fn abort(&mut self, by: Dir, frame: u64, causes: Vec<u16>, reflected: bool) {
        if !matches!(self, Ending::Abort { .. }) {
            *self = Ending::Abort {
                by,
                frame,
                causes,
                reflected,
            };
        }
    }

    /// Whether nothing is expected any more (SHUTDOWN COMPLETE, ABORT,
    /// restart).
    pub fn is_closed(&self) -> bool {
        matches!(
            self,
            Ending::Shutdown {
                complete: Some(_),
                ..
            } | Ending::Abort { .. }
                | Ending::Restarted { .. }
        )
    }

    /// A one-line description.
    pub fn describe(&self) -> String {
        match self {
            Ending::Open => "open at the end of the capture".into(),
            Ending::InitUnanswered => "INIT never answered".into(),
            Ending::Shutdown {
                by,
                shutdown,
                ack,
                complete,
            } => {
                let mut s = format!("shutdown by the {} side (frame {shutdown}", by.name());
                if let Some(a) = ack {
                    s.push_str(&format!(", SHUTDOWN ACK {a}"));
                }
                match complete {
                    Some(c) => s.push_str(&format!(", SHUTDOWN COMPLETE {c})")),
                    None => s.push_str(", not completed)"),
                }
                s
            }
            Ending::Abort {
                by,
                frame,
                causes,
                reflected,
            } => {
                let mut s = format!("ABORT by the {} side (frame {frame}", by.name());
                if !causes.is_empty() {
                    let c: Vec<String> = causes.iter().map(|c| c.to_string()).collect();
                    s.push_str(&format!(", causes {}", c.join(",")));
                }
                if *reflected {
                    s.push_str(", T bit");
                }
                s.push(')');
                s
            }
            Ending::Restarted { frame } => format!("restarted (frame {frame})"),
        }
    }

    /// A short name: "open", "init-unanswered", "shutdown", "abort", "restarted".
    pub fn name(&self) -> &'static str {
        match self {
            Ending::Open => "open",
            Ending::InitUnanswered => "init-unanswered",
            Ending::Shutdown { .. } => "shutdown",
            Ending::Abort { .. } => "abort",
            Ending::Restarted { .. } => "restarted",
        }
    }
}
