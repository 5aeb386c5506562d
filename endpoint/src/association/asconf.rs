//! Dynamic address reconfiguration (ASCONF, RFC 5061): serial numbers of
//! both sides, our one outstanding ASCONF and the operations queued behind
//! it, and the reading and writing of ASCONF and ASCONF-ACK values. What an
//! operation does to the paths is applied by the association
//! (`addresses.rs`).

use std::collections::VecDeque;
use std::net::IpAddr;

use crate::wire::{put_address, put_tlv, put_tlv_with};

/// ASCONF parameter types (RFC 5061 4.2).
pub mod param {
    /// Add IP Address (RFC 5061 4.2.1).
    pub const ADD_IP_ADDRESS: u16 = 0xC001;
    /// Delete IP Address (RFC 5061 4.2.2).
    pub const DELETE_IP_ADDRESS: u16 = 0xC002;
    /// Error Cause Indication (RFC 5061 4.2.3).
    pub const ERROR_CAUSE_INDICATION: u16 = 0xC003;
    /// Set Primary Address (RFC 5061 4.2.4).
    pub const SET_PRIMARY_ADDRESS: u16 = 0xC004;
    /// Success Indication (RFC 5061 4.2.5).
    pub const SUCCESS_INDICATION: u16 = 0xC005;
}

/// ASCONF error causes (RFC 5061 5.3).
pub mod cause {
    /// Request to Delete Last Remaining IP Address.
    pub const DELETE_LAST_REMAINING: u16 = 0x00A0;
    /// Operation Refused Due to Resource Shortage.
    pub const RESOURCE_SHORTAGE: u16 = 0x00A1;
    /// Request to Delete Source IP Address.
    pub const DELETE_SOURCE: u16 = 0x00A2;
    /// Association Aborted Due to Illegal ASCONF-ACK.
    pub const ILLEGAL_ASCONF_ACK: u16 = 0x00A3;
    /// Request Refused - No Authorization.
    pub const NO_AUTHORIZATION: u16 = 0x00A4;
    /// Unresolvable Address (RFC 9260 3.3.10.5), for an address that is
    /// not part of the association.
    pub const UNRESOLVABLE_ADDRESS: u16 = 0x0005;
}

/// One address operation (RFC 5061 4.2.1, 4.2.2, 4.2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressOp {
    /// Add an address of the sender.
    Add(IpAddr),
    /// Delete an address of the sender.
    Delete(IpAddr),
    /// Ask the receiver to make this address of the sender its primary.
    SetPrimary(IpAddr),
}

impl AddressOp {
    fn param_type(self) -> u16 {
        match self {
            AddressOp::Add(_) => param::ADD_IP_ADDRESS,
            AddressOp::Delete(_) => param::DELETE_IP_ADDRESS,
            AddressOp::SetPrimary(_) => param::SET_PRIMARY_ADDRESS,
        }
    }

    /// The address it is about.
    pub fn addr(self) -> IpAddr {
        match self {
            AddressOp::Add(a) | AddressOp::Delete(a) | AddressOp::SetPrimary(a) => a,
        }
    }
}

/// Our ASCONF on the wire.
#[derive(Debug, Clone)]
pub struct SentAsconf {
    /// Its serial number.
    pub serial: u32,
    /// Its operations with their correlation IDs.
    pub ops: Vec<(u32, AddressOp)>,
    /// The whole chunk value, resent as it is.
    pub value: Vec<u8>,
}

/// One request of a peer's ASCONF (RFC 5061 5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerOp {
    /// Its correlation ID.
    pub correlation: u32,
    /// The operation; `None` address for the wildcard (0.0.0.0 / ::), which
    /// means the packet's source address (RFC 5061 4.2.1).
    pub op: AddressOp,
    /// Whether the address was the wildcard.
    pub wildcard: bool,
}

/// A peer's ASCONF: its serial number and operations, or why it cannot be
/// read.
pub fn parse_asconf(value: &[u8]) -> Option<(u32, Vec<PeerOp>)> {
    let serial = u32::from_be_bytes(value.get(..4)?.try_into().ok()?);
    let mut ops = Vec::new();
    // The Address Parameter after the serial number (a lookup address).
    let mut rest = skip_tlv(value.get(4..)?)?;
    while rest.len() >= 4 {
        let t = u16::from_be_bytes([rest[0], rest[1]]);
        let len = u16::from_be_bytes([rest[2], rest[3]]) as usize;
        if len < 8 || len > rest.len() {
            return None;
        }
        let v = &rest[4..len];
        let correlation = u32::from_be_bytes(v[..4].try_into().ok()?);
        let at = &v[4..];
        if at.len() >= 4 {
            let at_ty = u16::from_be_bytes([at[0], at[1]]);
            let at_len = (u16::from_be_bytes([at[2], at[3]]) as usize).min(at.len());
            if let Some(ip) = crate::rules::param_address(at_ty, &at[4.min(at_len)..at_len]) {
                let op = match t {
                    param::ADD_IP_ADDRESS => Some(AddressOp::Add(ip)),
                    param::DELETE_IP_ADDRESS => Some(AddressOp::Delete(ip)),
                    param::SET_PRIMARY_ADDRESS => Some(AddressOp::SetPrimary(ip)),
                    _ => None,
                };
                if let Some(op) = op {
                    ops.push(PeerOp {
                        correlation,
                        op,
                        wildcard: ip.is_unspecified(),
                    });
                }
            }
        }
        rest = &rest[((len + 3) & !3).min(rest.len())..];
    }
    Some((serial, ops))
}

fn skip_tlv(b: &[u8]) -> Option<&[u8]> {
    let len = u16::from_be_bytes(b.get(2..4)?.try_into().ok()?) as usize;
    if len < 4 {
        return None;
    }
    b.get(((len + 3) & !3).min(b.len())..)
}

/// Per correlation ID, the error causes of an ASCONF-ACK (empty: success).
pub type AckResults = Vec<(u32, Vec<u16>)>;

/// The responses of an ASCONF-ACK (RFC 5061 4.1.2): its serial number and,
/// per correlation ID, the error causes (empty for success).
pub fn parse_asconf_ack(value: &[u8]) -> Option<(u32, AckResults)> {
    let serial = u32::from_be_bytes(value.get(..4)?.try_into().ok()?);
    let mut out = Vec::new();
    let mut rest = &value[4..];
    while rest.len() >= 8 {
        let t = u16::from_be_bytes([rest[0], rest[1]]);
        let len = (u16::from_be_bytes([rest[2], rest[3]]) as usize).min(rest.len());
        if len < 8 {
            return None;
        }
        let correlation = u32::from_be_bytes(rest[4..8].try_into().ok()?);
        let mut causes = Vec::new();
        if t == param::ERROR_CAUSE_INDICATION {
            let mut c = &rest[8..len];
            while c.len() >= 4 {
                causes.push(u16::from_be_bytes([c[0], c[1]]));
                let cl = u16::from_be_bytes([c[2], c[3]]) as usize;
                if cl < 4 {
                    break;
                }
                c = &c[((cl + 3) & !3).min(c.len())..];
            }
        }
        out.push((correlation, causes));
        rest = &rest[((len + 3) & !3).min(rest.len())..];
    }
    Some((serial, out))
}

/// ASCONF state of one association.
#[derive(Debug)]
pub struct Asconf {
    /// Our next serial number (our initial TSN to start, RFC 5061 5.1).
    next_serial: u32,
    /// The serial number expected from the peer (its initial TSN).
    peer_serial: u32,
    /// The last ASCONF-ACK value we sent (a repeated ASCONF gets it again).
    last_ack: Option<Vec<u8>>,
    /// Our ASCONF waiting for its ASCONF-ACK.
    pub outstanding: Option<SentAsconf>,
    /// Operations waiting for the outstanding ASCONF.
    pub queued: VecDeque<AddressOp>,
    next_correlation: u32,
}

/// How a peer ASCONF's serial number stands (RFC 5061 5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SerialCheck {
    /// The expected one: process it.
    New,
    /// The previous one: send the same ASCONF-ACK again.
    Repeat,
    /// Anything else: discard silently.
    Discard,
}

impl Asconf {
    /// State for an association with these initial TSNs.
    pub fn new(local_tsn: u32, peer_tsn: u32) -> Self {
        Asconf {
            next_serial: local_tsn,
            peer_serial: peer_tsn,
            last_ack: None,
            outstanding: None,
            queued: VecDeque::new(),
            next_correlation: 1,
        }
    }

    /// Where a peer ASCONF's serial number stands.
    pub fn check(&self, serial: u32) -> SerialCheck {
        if serial == self.peer_serial {
            SerialCheck::New
        } else if serial == self.peer_serial.wrapping_sub(1) && self.last_ack.is_some() {
            SerialCheck::Repeat
        } else {
            SerialCheck::Discard
        }
    }

    /// The ASCONF-ACK value for the peer's ASCONF `serial` with these
    /// results (per correlation ID: `None` success, else an error cause
    /// with the request parameter it refers to); moves on to the next
    /// serial number.
    pub fn acknowledge(&mut self, serial: u32, results: &[(u32, Option<u16>)]) -> Vec<u8> {
        let mut v = Vec::with_capacity(4 + 12 * results.len());
        v.extend_from_slice(&serial.to_be_bytes());
        for (corr, r) in results {
            match r {
                None => put_tlv(&mut v, param::SUCCESS_INDICATION, &corr.to_be_bytes()),
                Some(c) => put_tlv_with(&mut v, param::ERROR_CAUSE_INDICATION, |o| {
                    o.extend_from_slice(&corr.to_be_bytes());
                    put_tlv(o, *c, &[]);
                }),
            }
        }
        self.peer_serial = serial.wrapping_add(1);
        self.last_ack = Some(v.clone());
        v
    }

    /// The last ASCONF-ACK value sent.
    pub fn last_ack(&self) -> Option<&[u8]> {
        self.last_ack.as_deref()
    }

    /// Starts an ASCONF of request parameters built by the caller (each
    /// with its correlation ID) if none is outstanding; no operation is
    /// recorded (the NAT state update of draft-ietf-tsvwg-natsupp 5.3.2).
    pub fn start_raw(&mut self, lookup: IpAddr, params: &[u8]) -> Option<&SentAsconf> {
        if self.outstanding.is_some() {
            return None;
        }
        let serial = self.next_serial;
        self.next_serial = serial.wrapping_add(1);
        let mut value = Vec::with_capacity(16 + params.len());
        value.extend_from_slice(&serial.to_be_bytes());
        put_address(&mut value, lookup);
        value.extend_from_slice(params);
        self.outstanding = Some(SentAsconf {
            serial,
            ops: Vec::new(),
            value,
        });
        self.outstanding.as_ref()
    }

    /// Builds the next ASCONF from what is queued if none is outstanding;
    /// `lookup` is one of our addresses the peer knows (RFC 5061 4.1.1).
    pub fn start_next(&mut self, lookup: IpAddr) -> Option<&SentAsconf> {
        if self.outstanding.is_some() || self.queued.is_empty() {
            return None;
        }
        let serial = self.next_serial;
        self.next_serial = serial.wrapping_add(1);
        let mut value = Vec::with_capacity(64);
        value.extend_from_slice(&serial.to_be_bytes());
        put_address(&mut value, lookup);
        let mut ops = Vec::new();
        while let Some(op) = self.queued.pop_front() {
            let corr = self.next_correlation;
            self.next_correlation = self.next_correlation.wrapping_add(1);
            put_tlv_with(&mut value, op.param_type(), |o| {
                o.extend_from_slice(&corr.to_be_bytes());
                put_address(o, op.addr());
            });
            ops.push((corr, op));
        }
        self.outstanding = Some(SentAsconf { serial, ops, value });
        self.outstanding.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_asconf_we_build_reads_back_with_its_operations() {
        let mut a = Asconf::new(100, 0);
        a.queued.push_back(AddressOp::Add(ip("10.3.0.1")));
        a.queued.push_back(AddressOp::SetPrimary(ip("10.3.0.1")));
        a.queued.push_back(AddressOp::Delete(ip("10.1.0.1")));
        let sent = a.start_next(ip("10.2.0.1")).unwrap().clone();
        assert_eq!(sent.serial, 100);
        // Serial, then the lookup address parameter (type 5).
        assert_eq!(&sent.value[..8], &[0, 0, 0, 100, 0, 5, 0, 8]);
        let (serial, ops) = parse_asconf(&sent.value).unwrap();
        assert_eq!(serial, 100);
        let got: Vec<(u32, AddressOp)> = ops.iter().map(|o| (o.correlation, o.op)).collect();
        assert_eq!(got, sent.ops);
        assert!(a.start_next(ip("10.2.0.1")).is_none(), "one outstanding");
    }

    #[test]
    fn acks_carry_success_and_error_causes_and_serials_move_on() {
        let mut b = Asconf::new(0, 100);
        assert_eq!(b.check(100), SerialCheck::New);
        assert_eq!(b.check(99), SerialCheck::Discard);
        let ack = b.acknowledge(100, &[(1, None), (2, Some(cause::DELETE_LAST_REMAINING))]);
        assert_eq!(b.check(101), SerialCheck::New);
        assert_eq!(b.check(100), SerialCheck::Repeat);
        assert_eq!(b.last_ack(), Some(&ack[..]));
        let (serial, results) = parse_asconf_ack(&ack).unwrap();
        assert_eq!(serial, 100);
        assert_eq!(results, vec![(1, vec![]), (2, vec![0x00A0])]);
    }

    #[test]
    fn truncated_asconf_values_are_refused_not_panicking() {
        assert!(parse_asconf(&[0, 0]).is_none());
        assert!(parse_asconf(&[0, 0, 0, 1, 0, 5, 0, 2]).is_none());
        let (_, ops) = parse_asconf(&[0, 0, 0, 1, 0, 5, 0, 8, 10, 0, 0, 1]).unwrap();
        assert!(ops.is_empty());
        assert!(parse_asconf(&[0, 0, 0, 1, 0, 5, 0, 8, 10, 0, 0, 1, 0xC0, 1, 0, 6]).is_none());
        assert!(parse_asconf_ack(&[0, 0, 0, 1, 0xC0, 5, 0, 2, 0, 0, 0, 0]).is_none());
    }
}
