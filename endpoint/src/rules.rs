//! The protocol rules an SCTP endpoint and a packet follower both need, as
//! small pure functions and types, so there is one implementation of each:
//! the endpoint ([`crate::Endpoint`]) runs associations with them and
//! `sctp-craft`'s REPL follows associations with them.
//!
//! - Verification Tags (RFC 9260 8.5, 8.5.1): [`TagRule`].
//! - What an INIT or INIT ACK teaches (RFC 9260 3.3.2, 3.3.3, 5.1.2):
//!   [`InitInfo`], read with the codec's [`InitView`], and the parameter
//!   rules under it ([`param_address`], [`known_init_param`],
//!   [`UnknownParam`], RFC 9260 3.2.1).
//! - Sequence numbers of outgoing messages per stream (SSN, RFC 9260 6.5;
//!   I-DATA's MID, RFC 8260 2.1): [`Sequencer`].
//! - The peer's TSNs (cumulative ack, gap blocks, duplicates; RFC 9260 6.2):
//!   [`DataTracker`], with the serial-number arithmetic of RFC 1982
//!   ([`Tsn`], [`lt32`], [`lt16`]).

use std::net::IpAddr;

use sctp_codec::chunk::{flags, ty};
use sctp_codec::view::InitView;

use crate::wire::param;

pub use crate::association::data_tracker::{DataTracker, Observed};
pub use crate::serial::{lt16, lt32, Tsn, Unwrapper};

/// Which tag a packet's Verification Tag must be (RFC 9260 8.5, 8.5.1),
/// decided by its first chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagRule {
    /// 0: the packet carries INIT (8.5.1 A).
    Zero,
    /// The sender's own tag, reflected: ABORT or SHUTDOWN COMPLETE with the
    /// T bit, sent by an endpoint without the receiver's tag (8.5.1 B, C).
    Sender,
    /// The receiver's tag (8.5): every other packet, COOKIE ECHO included
    /// (8.5.1 D: the Initiate Tag of the INIT ACK; its receiver checks the
    /// tag against the cookie, 5.1.5).
    Receiver,
}

impl TagRule {
    /// The rule for a packet whose first chunk has type `first_ty` and flags
    /// `first_flags`.
    #[inline]
    pub fn of(first_ty: u8, first_flags: u8) -> TagRule {
        match first_ty {
            ty::INIT => TagRule::Zero,
            ty::ABORT | ty::SHUTDOWN_COMPLETE if first_flags & flags::T_BIT != 0 => TagRule::Sender,
            _ => TagRule::Receiver,
        }
    }

    /// The rule for a packet of `chunks` (type, flags): INIT anywhere makes
    /// it [`TagRule::Zero`] (8.5.1 A; INIT is bundled with nothing, 6.10),
    /// else the first chunk decides. A packet without chunks carries the
    /// receiver's tag.
    pub fn of_packet(chunks: impl IntoIterator<Item = (u8, u8)>) -> TagRule {
        let mut first = None;
        for (t, f) in chunks {
            if t == ty::INIT {
                return TagRule::Zero;
            }
            first.get_or_insert((t, f));
        }
        first.map_or(TagRule::Receiver, |(t, f)| TagRule::of(t, f))
    }

    /// The tag a packet under this rule carries from an endpoint whose own
    /// tag is `own` to a peer whose tag is `peer`.
    #[inline]
    pub fn tag_to_send(self, own: u32, peer: u32) -> u32 {
        match self {
            TagRule::Zero => 0,
            TagRule::Sender => own,
            TagRule::Receiver => peer,
        }
    }

    /// Whether a received packet with tag `vtag` is acceptable to an
    /// endpoint whose own tag is `local` and whose peer's tag is `peer` (0
    /// while unknown, which no reflected tag matches). A packet that fails
    /// is silently discarded (8.5, 8.5.1 B, C).
    #[inline]
    pub fn accepts(self, vtag: u32, local: u32, peer: u32) -> bool {
        match self {
            TagRule::Zero => vtag == 0,
            TagRule::Sender => peer != 0 && vtag == peer,
            TagRule::Receiver => vtag == local,
        }
    }
}

/// The flags of an ABORT or SHUTDOWN COMPLETE from an endpoint whose peer's
/// tag is `peer` (0 while unknown): the T bit, to carry its own tag, when it
/// does not have the peer's (RFC 9260 8.5.1 B, C).
#[inline]
pub fn reflect_flags(peer: u32) -> u8 {
    if peer == 0 {
        flags::T_BIT
    } else {
        0
    }
}

/// The address of an IPv4 or IPv6 Address parameter (RFC 9260 3.3.2.1.1,
/// 3.3.2.1.2) of type `t` with value `v`; `None` for other types or a value
/// too short.
pub fn param_address(t: u16, v: &[u8]) -> Option<IpAddr> {
    match t {
        param::IPV4_ADDRESS => <[u8; 4]>::try_from(v.get(..4)?).ok().map(IpAddr::from),
        param::IPV6_ADDRESS => <[u8; 16]>::try_from(v.get(..16)?).ok().map(IpAddr::from),
        _ => None,
    }
}

/// Whether the endpoint knows parameter type `t` in an INIT (`ack` false) or
/// an INIT ACK (`ack` true); an unknown one is handled by its action bits
/// ([`UnknownParam`]). The extension parameters 0x8001..=0x8008 and
/// 0xC001..=0xC008 are passed over until their extensions come.
pub fn known_init_param(t: u16, ack: bool) -> bool {
    match t {
        param::IPV4_ADDRESS
        | param::IPV6_ADDRESS
        | param::COOKIE_PRESERVATIVE
        | param::HOST_NAME_ADDRESS
        | param::SUPPORTED_ADDRESS_TYPES
        | param::ECN_CAPABLE
        | param::FORWARD_TSN_SUPPORTED
        | param::SUPPORTED_EXTENSIONS
        | 0x8001..=0x8008
        | 0xC001..=0xC008 => true,
        param::STATE_COOKIE | param::UNRECOGNIZED_PARAMETER => ack,
        _ => false,
    }
}

/// What the two upper bits of an unrecognized parameter's type ask (RFC
/// 9260 3.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownParam {
    /// Report it in an Unrecognized Parameter(s) (x1).
    pub report: bool,
    /// Go on with the next parameter (1x); else stop processing here.
    pub skip: bool,
}

impl UnknownParam {
    /// The action bits of parameter type `t`.
    #[inline]
    pub fn of(t: u16) -> UnknownParam {
        UnknownParam {
            report: t & 0x4000 != 0,
            skip: t & 0x8000 != 0,
        }
    }
}

/// What an INIT or INIT ACK teaches its receiver about the sender (RFC 9260
/// 3.3.2, 3.3.3, 5.1.2): its tag, first TSN, window, streams, addresses and,
/// in an INIT ACK, the State Cookie. Parameters are read in order under the
/// action bits of 3.2.1: an unknown one whose bits say stop ends the reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitInfo<'a> {
    /// An INIT ACK rather than an INIT.
    pub is_ack: bool,
    /// Initiate Tag: the tag the receiver puts in its packets to the sender.
    pub initiate_tag: u32,
    /// Advertised Receiver Window Credit.
    pub a_rwnd: u32,
    /// Number of Outbound Streams (what the sender may send on).
    pub outbound_streams: u16,
    /// Number of Inbound Streams (most the sender accepts).
    pub inbound_streams: u16,
    /// Initial TSN: the sender's first DATA TSN (the receiver's cumulative
    /// ack point starts one below, RFC 9260 6.1).
    pub initial_tsn: u32,
    /// IPv4 and IPv6 Address parameters, in order.
    pub addresses: Vec<IpAddr>,
    /// The State Cookie (INIT ACK only).
    pub cookie: Option<&'a [u8]>,
    /// Cookie Preservative: the lifespan increment asked for, in ms.
    pub cookie_preservative_ms: Option<u32>,
    /// A Host Name Address parameter's value (RFC 9260 5.1.2: not resolved).
    pub host_name: Option<&'a [u8]>,
    /// Unknown parameter types to report (action bits x1).
    pub unrecognized: Vec<u16>,
}

impl<'a> InitInfo<'a> {
    /// Reads an INIT or INIT ACK.
    pub fn read(init: &InitView<'a>) -> InitInfo<'a> {
        let is_ack = init.is_ack();
        let mut info = InitInfo {
            is_ack,
            initiate_tag: init.initiate_tag(),
            a_rwnd: init.a_rwnd(),
            outbound_streams: init.outbound_streams(),
            inbound_streams: init.inbound_streams(),
            initial_tsn: init.initial_tsn(),
            addresses: Vec::new(),
            cookie: None,
            cookie_preservative_ms: None,
            host_name: None,
            unrecognized: Vec::new(),
        };
        for p in init.params() {
            match p.ty() {
                param::IPV4_ADDRESS | param::IPV6_ADDRESS => {
                    info.addresses.extend(param_address(p.ty(), p.value()))
                }
                param::STATE_COOKIE if is_ack => info.cookie = Some(p.value()),
                param::COOKIE_PRESERVATIVE => {
                    info.cookie_preservative_ms = crate::wire::u32_at(p.value(), 0)
                }
                param::HOST_NAME_ADDRESS => info.host_name = Some(p.value()),
                t if known_init_param(t, is_ack) => {}
                t => {
                    let a = UnknownParam::of(t);
                    if a.report {
                        info.unrecognized.push(t);
                    }
                    if !a.skip {
                        break;
                    }
                }
            }
        }
        info
    }

    /// The sender's streams as (outbound, inbound).
    pub fn streams(&self) -> (u16, u16) {
        (self.outbound_streams, self.inbound_streams)
    }
}

/// A sequence number assigned per stream to outgoing messages: the Stream
/// Sequence Number of ordered DATA (`u16`, RFC 9260 6.5) or I-DATA's Message
/// Identifier (`u32`, RFC 8260 2.1). Each stream starts at 0; a message takes
/// one number, shared by all its fragments; numbers wrap.
#[derive(Debug, Clone, Default)]
pub struct Sequencer<N> {
    next: Vec<N>,
}

/// A sequence number type of [`Sequencer`].
pub trait SeqNum: Copy + Default {
    /// The number after `self`, wrapping.
    fn succ(self) -> Self;
}

impl SeqNum for u16 {
    #[inline]
    fn succ(self) -> Self {
        self.wrapping_add(1)
    }
}

impl SeqNum for u32 {
    #[inline]
    fn succ(self) -> Self {
        self.wrapping_add(1)
    }
}

impl<N: SeqNum> Sequencer<N> {
    /// Numbers for `streams` streams, all at 0 (more grow on use).
    pub fn new(streams: u16) -> Self {
        Sequencer {
            next: vec![N::default(); streams as usize],
        }
    }

    /// Keeps the first `streams` streams (RFC 9260 5.1.1: the outbound
    /// streams the peer accepted).
    pub fn set_streams(&mut self, streams: u16) {
        self.next.resize(streams as usize, N::default());
    }

    /// The number the next message on `stream` gets.
    #[inline]
    pub fn peek(&self, stream: u16) -> N {
        self.next.get(stream as usize).copied().unwrap_or_default()
    }

    /// Numbers a new message on `stream`.
    #[inline]
    pub fn assign(&mut self, stream: u16) -> N {
        let n = self.peek(stream);
        self.set(stream, n.succ());
        n
    }

    /// A fragment numbered `n` went out on `stream`: after a message's last
    /// fragment (`last`, the E bit) the next message takes the number after
    /// `n`. Follows numbers chosen elsewhere (by hand, in a REPL).
    pub fn sent(&mut self, stream: u16, n: N, last: bool) {
        if last {
            self.set(stream, n.succ());
        }
    }

    /// Starts `stream` again at 0 (RFC 6525 stream reset).
    pub fn reset(&mut self, stream: u16) {
        self.set(stream, N::default());
    }

    fn set(&mut self, stream: u16, n: N) {
        let s = stream as usize;
        if s >= self.next.len() {
            self.next.resize(s + 1, N::default());
        }
        self.next[s] = n;
    }
}

/// Stream Sequence Numbers of DATA (RFC 9260 6.5): unordered messages
/// (U bit) take none and carry 0.
pub type SsnSequencer = Sequencer<u16>;

impl Sequencer<u16> {
    /// The SSN of a new message on `stream`: 0 if `unordered`, else the
    /// stream's next one.
    #[inline]
    pub fn assign_ssn(&mut self, stream: u16, unordered: bool) -> u16 {
        if unordered {
            0
        } else {
            self.assign(stream)
        }
    }

    /// A DATA chunk with `flags` went out on `stream` with `ssn`: the last
    /// fragment (E) of an ordered message (U clear) moves the stream on.
    pub fn data_sent(&mut self, stream: u16, ssn: u16, chunk_flags: u8) {
        let ordered = chunk_flags & flags::DATA_U == 0;
        self.sent(stream, ssn, ordered && chunk_flags & flags::DATA_E != 0);
    }
}

/// I-DATA Message Identifiers (RFC 8260 2.1): ordered and unordered
/// messages of a stream are numbered apart.
#[derive(Debug, Clone, Default)]
pub struct MidSequencer {
    ordered: Sequencer<u32>,
    unordered: Sequencer<u32>,
}

impl MidSequencer {
    /// Starts `stream`'s MIDs again at 0, ordered and unordered (RFC 6525
    /// stream reset, RFC 8260 2.3).
    pub fn reset(&mut self, stream: u16) {
        self.ordered.reset(stream);
        self.unordered.reset(stream);
    }

    /// The MID the next message on `stream` gets.
    pub fn peek(&self, stream: u16, unordered: bool) -> u32 {
        self.side(unordered).peek(stream)
    }

    /// Numbers a new message on `stream` (ordered and unordered apart).
    pub fn assign(&mut self, stream: u16, unordered: bool) -> u32 {
        if unordered {
            self.unordered.assign(stream)
        } else {
            self.ordered.assign(stream)
        }
    }

    /// An I-DATA chunk with `flags` and `mid` went out on `stream`: its last
    /// fragment (E) moves the stream on, ordered and unordered apart (U).
    pub fn idata_sent(&mut self, stream: u16, mid: u32, chunk_flags: u8) {
        let last = chunk_flags & flags::I_DATA_E != 0;
        if chunk_flags & flags::I_DATA_U != 0 {
            self.unordered.sent(stream, mid, last)
        } else {
            self.ordered.sent(stream, mid, last)
        }
    }

    fn side(&self, unordered: bool) -> &Sequencer<u32> {
        if unordered {
            &self.unordered
        } else {
            &self.ordered
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_rules_of_8_5_1() {
        let (own, peer) = (0x1111, 0x2222);
        assert_eq!(TagRule::of(ty::INIT, 0), TagRule::Zero);
        assert_eq!(TagRule::of(ty::ABORT, flags::T_BIT), TagRule::Sender);
        assert_eq!(
            TagRule::of(ty::SHUTDOWN_COMPLETE, flags::T_BIT),
            TagRule::Sender
        );
        assert_eq!(TagRule::of(ty::ABORT, 0), TagRule::Receiver);
        assert_eq!(TagRule::of(ty::DATA, flags::T_BIT), TagRule::Receiver);
        assert_eq!(TagRule::of(ty::COOKIE_ECHO, 0), TagRule::Receiver);
        assert_eq!(
            TagRule::of_packet([(ty::DATA, 0), (ty::INIT, 0)]),
            TagRule::Zero
        );
        assert_eq!(TagRule::of_packet([]), TagRule::Receiver);
        // What one side sends, the other accepts.
        for rule in [TagRule::Zero, TagRule::Sender, TagRule::Receiver] {
            let vtag = rule.tag_to_send(own, peer);
            assert!(rule.accepts(vtag, peer, own), "{rule:?}");
        }
        assert!(!TagRule::Receiver.accepts(0x9999, peer, own));
        // A reflected tag needs the peer's tag known.
        assert!(!TagRule::Sender.accepts(0, peer, 0));
        assert!(!TagRule::Zero.accepts(peer, peer, own));
    }

    #[test]
    fn unknown_parameter_action_bits() {
        let a = |t| {
            let u = UnknownParam::of(t);
            (u.skip, u.report)
        };
        assert_eq!(a(0x0123), (false, false));
        assert_eq!(a(0x4123), (false, true));
        assert_eq!(a(0x8123), (true, false));
        assert_eq!(a(0xC123), (true, true));
        assert!(known_init_param(param::STATE_COOKIE, true));
        assert!(!known_init_param(param::STATE_COOKIE, false));
        assert!(known_init_param(0x8003, false));
    }

    #[test]
    fn addresses_of_parameters() {
        assert_eq!(
            param_address(param::IPV4_ADDRESS, &[10, 0, 0, 1]),
            Some(IpAddr::from([10, 0, 0, 1]))
        );
        assert_eq!(param_address(param::IPV6_ADDRESS, &[0; 15]), None);
        assert_eq!(param_address(param::STATE_COOKIE, &[0; 4]), None);
    }

    #[test]
    fn init_ack_is_read_under_the_action_bits() {
        use crate::wire::put_tlv;
        let mut v = Vec::new();
        for x in [0x1122_3344u32, 5000] {
            v.extend_from_slice(&x.to_be_bytes());
        }
        v.extend_from_slice(&[0, 3, 0, 4]);
        v.extend_from_slice(&77u32.to_be_bytes());
        put_tlv(&mut v, param::IPV4_ADDRESS, &[10, 0, 0, 2]);
        put_tlv(&mut v, 0xC0FF, &[1]);
        put_tlv(&mut v, param::STATE_COOKIE, b"cookie");
        put_tlv(&mut v, 0x00FF, &[]);
        put_tlv(&mut v, param::IPV4_ADDRESS, &[10, 0, 0, 3]);
        let mut b = vec![0u8; 12];
        b.extend_from_slice(&[ty::INIT_ACK, 0]);
        b.extend_from_slice(&((4 + v.len()) as u16).to_be_bytes());
        b.extend_from_slice(&v);
        let view = sctp_codec::PacketView::parse(&b, sctp_codec::Rules::STANDARD).unwrap();
        let init = view.chunks().next().unwrap().init().unwrap();
        let i = InitInfo::read(&init);
        assert!(i.is_ack);
        assert_eq!(
            (i.initiate_tag, i.a_rwnd, i.initial_tsn),
            (0x1122_3344, 5000, 77)
        );
        assert_eq!(i.streams(), (3, 4));
        assert_eq!(i.cookie, Some(&b"cookie"[..]));
        // 0x00FF stops the reading: the second address is not taken.
        assert_eq!(i.addresses, [IpAddr::from([10, 0, 0, 2])]);
        assert_eq!(i.unrecognized, [0xC0FF]);
    }

    #[test]
    fn stream_numbers() {
        let mut s = SsnSequencer::new(2);
        assert_eq!(s.assign_ssn(1, false), 0);
        assert_eq!(s.assign_ssn(1, false), 1);
        assert_eq!(s.assign_ssn(1, true), 0);
        assert_eq!(s.peek(1), 2);
        // Followed from sent chunks: a first fragment does not move it, the
        // last does; unordered ones never; streams beyond grow.
        s.data_sent(7, 40, flags::DATA_B);
        assert_eq!(s.peek(7), 0);
        s.data_sent(7, 40, flags::DATA_E);
        assert_eq!(s.peek(7), 41);
        s.data_sent(7, 90, flags::DATA_U | flags::DATA_E);
        assert_eq!(s.peek(7), 41);
        s.data_sent(0, u16::MAX, flags::DATA_B | flags::DATA_E);
        assert_eq!(s.peek(0), 0);
        s.set_streams(1);
        assert_eq!(s.peek(1), 0);
        let mut m = MidSequencer::default();
        m.idata_sent(3, 5, flags::I_DATA_B | flags::I_DATA_E);
        m.idata_sent(3, 9, flags::I_DATA_U | flags::I_DATA_E);
        assert_eq!((m.peek(3, false), m.peek(3, true)), (6, 10));
    }
}
