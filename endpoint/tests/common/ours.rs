//! Our endpoint as a [`Peer`]: fixed addresses, port 5000 on both sides.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use sctp_endpoint::{AssocChange, AssocId, Config, ConnectOptions, Endpoint, Event, SendError};

use super::{ip, Msg, Peer, SendFail, PORT};

/// Our endpoint, at `local`, talking to `remote`.
pub struct Ours {
    /// The endpoint.
    pub ep: Endpoint,
    local: IpAddr,
    remote: IpAddr,
    /// The association, once connected or accepted.
    pub id: Option<AssocId>,
    up: bool,
    closed: bool,
    keep: bool,
    inbox: Vec<Msg>,
    delivered: (u64, u64),
    log: Vec<String>,
    buf: Vec<u8>,
    /// Every event other than messages, as it came.
    pub events: Vec<Event>,
}

impl Ours {
    /// An endpoint with `cfg` at `local` (listening on [`PORT`]) whose peer
    /// is `remote`.
    pub fn new(cfg: Config, now: Instant, seed: u8, local: [u8; 4], remote: [u8; 4]) -> Ours {
        let mut ep = Endpoint::new(cfg, now, [seed; 32]);
        ep.listen(PORT);
        Ours {
            ep,
            local: ip(local),
            remote: ip(remote),
            id: None,
            up: false,
            closed: false,
            keep: true,
            inbox: Vec::new(),
            delivered: (0, 0),
            log: Vec::new(),
            buf: Vec::with_capacity(2048),
            events: Vec::new(),
        }
    }

    /// The association's status.
    pub fn status(&self) -> Option<sctp_endpoint::Status> {
        self.ep.status(self.id?)
    }
}

impl Peer for Ours {
    fn name(&self) -> String {
        "sctp-endpoint".into()
    }

    fn connect(&mut self, now: Instant) {
        let o = ConnectOptions::new(self.local, PORT, SocketAddr::new(self.remote, 0), PORT);
        self.id = Some(self.ep.connect(now, o).expect("connect"));
    }

    fn handle_packet(&mut self, now: Instant, packet: &[u8]) {
        self.ep
            .handle_packet(now, SocketAddr::new(self.remote, 0), self.local, packet);
    }

    fn transmit(&mut self, now: Instant, out: &mut Vec<Vec<u8>>) {
        while self.ep.poll_transmit(now, &mut self.buf).is_some() {
            out.push(self.buf.clone());
        }
    }

    fn poll_timeout(&mut self) -> Option<Instant> {
        self.ep.poll_timeout()
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.ep.handle_timeout(now);
    }

    fn poll(&mut self, _now: Instant) {
        while let Some(e) = self.ep.poll_event() {
            match e {
                Event::Message { message: m, .. } => {
                    self.delivered.0 += 1;
                    self.delivered.1 += m.data.len() as u64;
                    if self.keep {
                        self.inbox.push(Msg {
                            stream: m.stream,
                            ppid: m.ppid,
                            data: m.data,
                        });
                    }
                }
                e => {
                    if let Event::AssocChange { id, change, .. } = &e {
                        match change {
                            AssocChange::CommUp | AssocChange::Restart => {
                                self.up = true;
                                self.id = Some(*id);
                            }
                            _ => self.closed = true,
                        }
                    }
                    if !matches!(e, Event::SenderDry { .. }) {
                        self.log.push(format!("{e:?}"));
                    }
                    self.events.push(e);
                }
            }
        }
    }

    fn is_up(&self) -> bool {
        self.up
    }

    fn is_closed(&self) -> bool {
        self.closed
    }

    fn send(&mut self, _now: Instant, stream: u16, ppid: u32, data: &[u8]) -> Result<(), SendFail> {
        let id = self.id.ok_or(SendFail::Other("not connected".into()))?;
        match self.ep.send(id, stream, ppid, false, data) {
            Ok(()) => Ok(()),
            Err(SendError::WouldBlock) => Err(SendFail::Full),
            Err(e) => Err(SendFail::Other(e.to_string())),
        }
    }

    fn shutdown(&mut self, now: Instant) {
        if let Some(id) = self.id {
            self.ep.shutdown(now, id);
        }
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
