//! `dcsctp` (the Rust port of WebRTC's dcsctp: one socket, one association,
//! packets come out as `SendPacket` events) as a [`Peer`].

use std::time::{Duration, Instant};

use dcsctp::api::{
    DcSctpSocket, Message, Options, PpId, SendError, SendOptions, SocketEvent, SocketState,
    SocketTime, StreamId,
};

use super::{Msg, Peer, SendFail};

/// A dcsctp socket; its clock is the virtual time since `epoch`.
pub struct Dcsctp {
    /// The socket.
    pub socket: Box<dyn DcSctpSocket>,
    epoch: Instant,
    outbox: Vec<Vec<u8>>,
    up: bool,
    closed: bool,
    keep: bool,
    inbox: Vec<Msg>,
    delivered: (u64, u64),
    log: Vec<String>,
}

/// The options the tests use: dcsctp's defaults, with RTO.Initial 1 s and
/// RTO.Min 1 s as RFC 9260 16 suggests (its own are 500 ms and 400 ms).
pub fn options() -> Options {
    Options {
        rto_initial: Duration::from_secs(1),
        rto_min: Duration::from_secs(1),
        ..Options::default()
    }
}

impl Dcsctp {
    /// A socket with `opts` whose clock starts at `epoch`.
    pub fn new(name: &str, opts: Options, epoch: Instant) -> Dcsctp {
        Dcsctp {
            socket: dcsctp::new_socket(name, &opts),
            epoch,
            outbox: Vec::new(),
            up: false,
            closed: false,
            keep: true,
            inbox: Vec::new(),
            delivered: (0, 0),
            log: Vec::new(),
        }
    }

    fn time(&self, now: Instant) -> SocketTime {
        SocketTime::zero() + now.saturating_duration_since(self.epoch)
    }

    fn drain(&mut self) {
        while let Some(e) = self.socket.poll_event() {
            match e {
                SocketEvent::SendPacket(p) => self.outbox.push(p),
                SocketEvent::OnConnected() => {
                    self.up = true;
                    self.log.push("OnConnected".into());
                }
                SocketEvent::OnClosed() => {
                    self.closed = true;
                    self.log.push("OnClosed".into());
                }
                SocketEvent::OnAborted(k, why) => {
                    self.closed = true;
                    self.log.push(format!("OnAborted({k:?}, {why})"));
                }
                SocketEvent::OnBufferedAmountLow(_)
                | SocketEvent::OnTotalBufferedAmountLow()
                | SocketEvent::OnLifecycleEnd(_)
                | SocketEvent::OnLifecycleMessageFullySent(_)
                | SocketEvent::OnLifecycleMessageDelivered(_) => {}
                e => self.log.push(format!("{e:?}")),
            }
        }
    }

    /// A metric snapshot: whether it uses zero checksum, the negotiated
    /// streams (in, out) and how many packets it retransmitted.
    pub fn metrics(&self) -> Option<(bool, (u16, u16), usize)> {
        self.socket.get_metrics().map(|m| {
            (
                m.uses_zero_checksum,
                (
                    m.negotiated_maximum_incoming_streams,
                    m.negotiated_maximum_outgoing_streams,
                ),
                m.rtx_packets_count,
            )
        })
    }
}

impl Peer for Dcsctp {
    fn name(&self) -> String {
        "dcsctp".into()
    }

    fn connect(&mut self, now: Instant) {
        self.socket.advance_time(self.time(now));
        self.socket.connect();
        self.drain();
    }

    fn handle_packet(&mut self, now: Instant, packet: &[u8]) {
        self.socket.advance_time(self.time(now));
        self.socket.handle_input(packet);
        self.drain();
    }

    fn transmit(&mut self, _now: Instant, out: &mut Vec<Vec<u8>>) {
        self.drain();
        out.append(&mut self.outbox);
    }

    fn poll_timeout(&mut self) -> Option<Instant> {
        let t = self.socket.poll_timeout();
        if t == SocketTime::infinite_future() {
            return None;
        }
        Some(self.epoch + (t - SocketTime::zero()))
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.socket.advance_time(self.time(now));
        self.drain();
    }

    fn poll(&mut self, _now: Instant) {
        self.drain();
        while let Some(m) = self.socket.get_next_message() {
            self.delivered.0 += 1;
            self.delivered.1 += m.payload.len() as u64;
            if self.keep {
                self.inbox.push(Msg {
                    stream: m.stream_id.0,
                    ppid: m.ppid.0,
                    data: m.payload,
                });
            }
        }
        if self.socket.state() == SocketState::Closed && self.up && !self.closed {
            self.closed = true;
            self.log.push("state Closed".into());
        }
    }

    fn is_up(&self) -> bool {
        self.up
    }

    fn is_closed(&self) -> bool {
        self.closed
    }

    fn send(&mut self, now: Instant, stream: u16, ppid: u32, data: &[u8]) -> Result<(), SendFail> {
        self.socket.advance_time(self.time(now));
        let m = Message::new(StreamId(stream), PpId(ppid), data.to_vec());
        let r = self.socket.send(m, &SendOptions::default());
        self.drain();
        match r {
            Ok(()) => Ok(()),
            Err(SendError::ResourceExhaustion) => Err(SendFail::Full),
            Err(e) => Err(SendFail::Other(e.to_string())),
        }
    }

    fn shutdown(&mut self, now: Instant) {
        self.socket.advance_time(self.time(now));
        self.socket.shutdown();
        self.drain();
    }

    fn inbox(&mut self) -> &mut Vec<Msg> {
        &mut self.inbox
    }

    fn delivered(&self) -> (u64, u64) {
        self.delivered
    }

    fn set_keep(&mut self, keep: bool) {
        self.keep = keep;
    }

    fn log(&self) -> &[String] {
        &self.log
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}
