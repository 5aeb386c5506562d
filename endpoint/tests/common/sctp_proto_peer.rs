//! `sctp-proto` (webrtc-rs, quinn-proto style: an `Endpoint` routes
//! datagrams to `Association`s by verification tag) as a [`Peer`].
//!
//! Its PPID is an enum of the WebRTC values (50 DCEP, 51 string, 53
//! binary, 56/57 empty): any other PPID is read as `Unknown` and cannot be
//! sent, so the tests with it use 51 and 53.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use sctp_proto::{
    Association, AssociationHandle, ClientConfig, DatagramEvent, Endpoint, EndpointConfig, Event,
    Payload, PayloadProtocolIdentifier, ServerConfig, StreamEvent, TransportConfig,
};

use super::{Msg, Peer, SendFail, PORT};

/// Bytes queued in sctp-proto before `send` says the buffer is full (it
/// has no send-buffer limit of its own).
pub const SEND_BUFFER: usize = 4 << 20;

/// An sctp-proto endpoint with at most one association.
pub struct SctpProto {
    ep: Endpoint,
    transport: Arc<TransportConfig>,
    /// The association, once connected or accepted.
    pub assoc: Option<(AssociationHandle, Association)>,
    /// Where the peer is (sctp-proto wants an address; any fixed one does).
    remote: SocketAddr,
    up: bool,
    closed: bool,
    keep: bool,
    inbox: Vec<Msg>,
    delivered: (u64, u64),
    log: Vec<String>,
    streams: BTreeSet<u16>,
    readable: BTreeSet<u16>,
    /// PPIDs that came in as `Unknown`.
    pub unknown_ppids: u64,
}

/// The transport settings the tests use: RTO.Initial 1 s like RFC 9260 16
/// (sctp-proto's own default is 3 s), messages up to 256 KiB.
pub fn transport() -> TransportConfig {
    TransportConfig::default()
        .with_rto_initial_ms(1000)
        .with_max_send_message_size(256 << 10)
        .with_max_receive_message_size(256 << 10)
}

impl SctpProto {
    /// An endpoint that accepts an association (the server role) and can
    /// also connect (the client role).
    pub fn new(t: TransportConfig) -> SctpProto {
        let t = Arc::new(t);
        let mut server = ServerConfig::new();
        server.transport = t.clone();
        SctpProto {
            ep: Endpoint::new(Arc::new(EndpointConfig::new()), Some(Arc::new(server))),
            transport: t,
            assoc: None,
            remote: SocketAddr::from(([10, 0, 0, 1], PORT)),
            up: false,
            closed: false,
            keep: true,
            inbox: Vec::new(),
            delivered: (0, 0),
            log: Vec::new(),
            streams: BTreeSet::new(),
            readable: BTreeSet::new(),
            unknown_ppids: 0,
        }
    }

    fn pump(&mut self) {
        let Some((h, a)) = self.assoc.as_mut() else {
            return;
        };
        while let Some(e) = a.poll_endpoint_event() {
            if let Some(e) = self.ep.handle_event(*h, e) {
                a.handle_event(e);
            }
        }
    }

    fn buffered(&mut self) -> usize {
        let Some((_, a)) = self.assoc.as_mut() else {
            return 0;
        };
        self.streams
            .iter()
            .map(|s| a.stream(*s).and_then(|s| s.buffered_amount()).unwrap_or(0))
            .sum()
    }
}

/// sctp-proto's PPID as the number on the wire (`Unknown` has none).
pub fn ppid_number(p: PayloadProtocolIdentifier) -> Option<u32> {
    match p {
        PayloadProtocolIdentifier::Unknown => None,
        p => Some(p as u32),
    }
}

impl Peer for SctpProto {
    fn name(&self) -> String {
        "sctp-proto".into()
    }

    fn connect(&mut self, _now: Instant) {
        let mut cfg = ClientConfig::new();
        cfg.transport = self.transport.clone();
        let (h, a) = self
            .ep
            .connect(cfg, self.remote)
            .expect("sctp-proto connect");
        self.assoc = Some((h, a));
    }

    fn handle_packet(&mut self, now: Instant, packet: &[u8]) {
        let data = Bytes::copy_from_slice(packet);
        match self.ep.handle(now, self.remote, None, None, data) {
            Some((h, DatagramEvent::NewAssociation(a))) => {
                if self.assoc.is_some() {
                    self.log
                        .push("second association refused by the harness".into());
                } else {
                    self.log.push(format!("new association {h:?}"));
                    self.assoc = Some((h, a));
                }
            }
            Some((h, DatagramEvent::AssociationEvent(e))) => match self.assoc.as_mut() {
                Some((h0, a)) if *h0 == h => a.handle_event(e),
                _ => self
                    .log
                    .push(format!("event for unknown association {h:?}")),
            },
            None => self
                .log
                .push("packet dropped by the endpoint (no route)".into()),
        }
        self.pump();
    }

    fn transmit(&mut self, now: Instant, out: &mut Vec<Vec<u8>>) {
        self.pump();
        loop {
            let t = match self.assoc.as_mut() {
                Some((_, a)) => a.poll_transmit(now),
                None => None,
            };
            let Some(t) = t.or_else(|| self.ep.poll_transmit()) else {
                break;
            };
            if let Payload::RawEncode(ps) = t.payload {
                out.extend(ps.into_iter().map(|b| b.to_vec()));
            }
            self.pump();
        }
    }

    fn poll_timeout(&mut self) -> Option<Instant> {
        self.assoc.as_ref().and_then(|(_, a)| a.poll_timeout())
    }

    fn handle_timeout(&mut self, now: Instant) {
        if let Some((_, a)) = self.assoc.as_mut() {
            a.handle_timeout(now);
        }
        self.pump();
    }

    fn poll(&mut self, _now: Instant) {
        let Some((_, a)) = self.assoc.as_mut() else {
            return;
        };
        while let Some(e) = a.poll() {
            match e {
                Event::Connected => {
                    self.up = true;
                    self.log.push("Connected".into());
                }
                Event::Stream(StreamEvent::Readable { id }) => {
                    self.readable.insert(id);
                }
                Event::Stream(StreamEvent::Opened { id }) => {
                    self.streams.insert(id);
                    self.readable.insert(id);
                }
                Event::Stream(
                    StreamEvent::BufferedAmountLow { .. }
                    | StreamEvent::BufferedAmountHigh { .. }
                    | StreamEvent::Writable { .. },
                ) => {}
                Event::DataChannelStatsFinal(_) | Event::DatagramReceived => {}
                Event::AssociationLost { reason } => {
                    self.closed = true;
                    self.log.push(format!("AssociationLost: {reason}"));
                }
                Event::HandshakeFailed { reason } => {
                    self.closed = true;
                    self.log.push(format!("HandshakeFailed: {reason}"));
                }
                e => self.log.push(format!("{e:?}")),
            }
        }
        while a.accept_stream().is_some() {}
        for id in std::mem::take(&mut self.readable) {
            let Ok(mut s) = a.stream(id) else {
                continue;
            };
            while let Ok(Some(chunks)) = s.read_sctp() {
                let n = chunks.len();
                self.delivered.0 += 1;
                self.delivered.1 += n as u64;
                let ppid = ppid_number(chunks.ppi).unwrap_or_else(|| {
                    self.unknown_ppids += 1;
                    0
                });
                if self.keep {
                    let mut data = vec![0; n];
                    chunks.read(&mut data).expect("whole message");
                    self.inbox.push(Msg {
                        stream: id,
                        ppid,
                        data,
                    });
                }
            }
        }
        if self.up && a.is_closed() && !self.closed {
            self.closed = true;
            self.log.push("closed".into());
        }
    }

    fn is_up(&self) -> bool {
        self.up
    }

    fn is_closed(&self) -> bool {
        self.closed
    }

    fn send(&mut self, _now: Instant, stream: u16, ppid: u32, data: &[u8]) -> Result<(), SendFail> {
        let ppi = PayloadProtocolIdentifier::from(ppid);
        if ppid_number(ppi) != Some(ppid) {
            return Err(SendFail::Other(format!(
                "sctp-proto cannot send PPID {ppid}"
            )));
        }
        if self.buffered() >= SEND_BUFFER {
            return Err(SendFail::Full);
        }
        let (_, a) = self
            .assoc
            .as_mut()
            .ok_or(SendFail::Other("not connected".into()))?;
        let mut s = match a.stream(stream) {
            Ok(s) => s,
            Err(_) => {
                self.streams.insert(stream);
                a.open_stream(stream, ppi)
                    .map_err(|e| SendFail::Other(e.to_string()))?
            }
        };
        s.write_sctp(&Bytes::copy_from_slice(data), ppi)
            .map(|_| ())
            .map_err(|e| SendFail::Other(e.to_string()))
    }

    fn shutdown(&mut self, _now: Instant) {
        if let Some((_, a)) = self.assoc.as_mut() {
            if let Err(e) = a.shutdown() {
                self.log.push(format!("shutdown: {e}"));
            }
        }
        self.pump();
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
