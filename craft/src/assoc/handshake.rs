//! Driving an association over a [`Link`]: the four-way handshake (RFC 9260
//! 5.1) and the graceful shutdown (RFC 9260 9.2), with retransmission.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use sctp_codec::chunk::ChunkBody;
use sctp_codec::{DecodeOptions, Packet};

use super::{ty, Assoc, AssocState, Direction, Exchanged};
use crate::wire::Link;

/// How many times INIT, COOKIE ECHO and SHUTDOWN are sent before giving up
/// (RFC 9260 5.1 retransmits on T1-init/T1-cookie expiry).
pub const HANDSHAKE_ATTEMPTS: u32 = 3;

/// Streams we offer in INIT (outbound and inbound).
pub const LOCAL_STREAMS: u16 = 10;

/// What a step of an exchange waits for.
enum Wait {
    /// The peer's chunk of this type.
    Chunk(u8),
}

impl Assoc {
    /// The four-way handshake: INIT, INIT ACK, COOKIE ECHO, COOKIE ACK,
    /// each step waiting up to `timeout`. Returns every packet exchanged.
    ///
    /// INIT and COOKIE ECHO are retransmitted [`HANDSHAKE_ATTEMPTS`] times
    /// within `timeout`. Errors if the peer ABORTs or never answers; use
    /// [`Assoc::connect_logged`] to keep the packets of a failed attempt.
    pub fn connect(
        &mut self,
        link: &mut Link,
        timeout: Duration,
    ) -> anyhow::Result<Vec<Exchanged>> {
        let mut log = Vec::new();
        self.connect_logged(link, timeout, &mut log)?;
        Ok(log)
    }

    /// [`Assoc::connect`], appending each packet to `log` as it goes.
    pub fn connect_logged(
        &mut self,
        link: &mut Link,
        timeout: Duration,
        log: &mut Vec<Exchanged>,
    ) -> anyhow::Result<()> {
        let init = self.init_packet();
        self.step(link, &init, Wait::Chunk(ty::INIT_ACK), timeout, log)
            .context("INIT got no INIT ACK")?;
        if self.cookie.is_none() {
            anyhow::bail!("the peer's INIT ACK carries no State Cookie (RFC 9260 3.3.3)");
        }
        let echo = self.cookie_echo_packet();
        self.step(link, &echo, Wait::Chunk(ty::COOKIE_ACK), timeout, log)
            .context("COOKIE ECHO got no COOKIE ACK")?;
        Ok(())
    }

    /// Graceful shutdown (RFC 9260 9.2): SHUTDOWN, the peer's SHUTDOWN ACK,
    /// SHUTDOWN COMPLETE. Returns every packet exchanged.
    pub fn close(&mut self, link: &mut Link, timeout: Duration) -> anyhow::Result<Vec<Exchanged>> {
        let mut log = Vec::new();
        let sd = self.shutdown_packet();
        self.step(link, &sd, Wait::Chunk(ty::SHUTDOWN_ACK), timeout, &mut log)
            .context("SHUTDOWN got no SHUTDOWN ACK")?;
        let done = self.shutdown_complete_packet();
        send_logged(self, link, &done, &mut log)?;
        Ok(log)
    }

    /// Sends `p` and waits for the answer, retransmitting within `timeout`.
    fn step(
        &mut self,
        link: &mut Link,
        p: &Packet<'static>,
        wait: Wait,
        timeout: Duration,
        log: &mut Vec<Exchanged>,
    ) -> anyhow::Result<()> {
        let Wait::Chunk(want) = wait;
        let per_try = timeout / HANDSHAKE_ATTEMPTS;
        for _ in 0..HANDSHAKE_ATTEMPTS {
            send_logged(self, link, p, log)?;
            let deadline = crate::wire::deadline_after(per_try);
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                let Some(r) = link.recv(left)? else { break };
                log.push(Exchanged {
                    dir: Direction::Received,
                    sctp: r.sctp.clone(),
                });
                let Ok(q) = Packet::decode(&r.sctp, &DecodeOptions::default()) else {
                    continue;
                };
                if !self.tag_ok(&q) {
                    continue;
                }
                self.on_received(&q);
                if let Some(a) = q.chunks.iter().find(|c| c.ty == ty::ABORT) {
                    anyhow::bail!("the peer answered with ABORT{}", abort_causes(a));
                }
                if q.chunks.iter().any(|c| c.ty == want) {
                    return Ok(());
                }
            }
        }
        anyhow::bail!(
            "no answer from {} after {} tries in {:?} (state {})",
            link.remote_ip(),
            HANDSHAKE_ATTEMPTS,
            timeout,
            self.state()
        )
    }

    /// True once the handshake completed and no ABORT/SHUTDOWN followed.
    pub fn is_established(&self) -> bool {
        self.state() == AssocState::Established
    }
}

/// Encodes, sends, logs and follows one packet of ours.
fn send_logged(
    a: &mut Assoc,
    link: &mut Link,
    p: &Packet<'static>,
    log: &mut Vec<Exchanged>,
) -> anyhow::Result<()> {
    let bytes = p.encode();
    link.send(&bytes)?;
    a.on_sent(p);
    log.push(Exchanged {
        dir: Direction::Sent,
        sctp: bytes,
    });
    Ok(())
}

/// The causes of an ABORT, for the error message.
fn abort_causes(c: &sctp_codec::Chunk<'_>) -> String {
    match &c.body {
        ChunkBody::Abort(a) if !a.causes.is_empty() => {
            let names: Vec<&str> = a.causes.iter().map(|x| x.name()).collect();
            format!(" ({})", names.join(", "))
        }
        _ => String::new(),
    }
}
