//! What each endpoint offered in its INIT (RFC 9260 3.3.2) or INIT ACK (RFC
//! 9260 3.3.3) and what the two agreed on: streams (RFC 9260 5.1.1),
//! addresses (RFC 9260 5.1.2), extensions (RFC 5061 4.2.7 Supported
//! Extensions, RFC 3758 Forward-TSN, ECN, RFC 4895 AUTH parameters, RFC 9653
//! Zero Checksum).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::chunk::ty;
use crate::view::InitView;

/// IPv4 Address parameter (RFC 9260 3.3.2.1).
pub const PARAM_IPV4: u16 = 5;
/// IPv6 Address parameter (RFC 9260 3.3.2.1).
pub const PARAM_IPV6: u16 = 6;
/// Host Name Address parameter (RFC 9260 3.3.2.1, deprecated).
pub const PARAM_HOST_NAME: u16 = 11;
/// ECN Capable parameter (RFC 9260 Appendix A).
pub const PARAM_ECN: u16 = 0x8000;
/// Zero Checksum Acceptable parameter (RFC 9653 3).
pub const PARAM_ZERO_CHECKSUM: u16 = 0x8001;
/// Supported Extensions parameter (RFC 5061 4.2.7).
pub const PARAM_SUPPORTED_EXTENSIONS: u16 = 0x8008;
/// Forward-TSN-Supported parameter (RFC 3758 3.1).
pub const PARAM_FORWARD_TSN: u16 = 0xC000;
/// Adaptation Layer Indication parameter (RFC 5061 4.2.6).
pub const PARAM_ADAPTATION: u16 = 0xC006;

/// The RANDOM, CHUNKS and HMAC-ALGO parameters one side sent (RFC 4895 3),
/// each whole (type, length and value, no padding), as the key vector of RFC
/// 4895 6.1 needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthParams {
    /// RANDOM (RFC 4895 3.1).
    pub random: Vec<u8>,
    /// CHUNKS (RFC 4895 3.2), when sent.
    pub chunks: Option<Vec<u8>>,
    /// HMAC-ALGO (RFC 4895 3.3).
    pub hmac_algo: Vec<u8>,
}

impl AuthParams {
    /// The chunk types this side wants authenticated when sent to it (RFC
    /// 4895 3.2).
    pub fn chunk_types(&self) -> &[u8] {
        self.chunks
            .as_deref()
            .and_then(|c| c.get(4..))
            .unwrap_or(&[])
    }

    /// The HMAC identifiers, in order of preference (RFC 4895 3.3).
    pub fn hmac_ids(&self) -> Vec<u16> {
        self.hmac_algo
            .get(4..)
            .unwrap_or(&[])
            .chunks_exact(2)
            .map(|p| u16::from_be_bytes([p[0], p[1]]))
            .collect()
    }

    /// This side's key vector (RFC 4895 6.1).
    pub fn key_vector(&self) -> Vec<u8> {
        let mut v = Vec::new();
        crate::auth::key_vector(
            &mut v,
            &self.random,
            self.chunks.as_deref(),
            &self.hmac_algo,
        );
        v
    }
}

/// One INIT or INIT ACK as the analysis keeps it (RFC 9260 3.3.2, 3.3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitInfo {
    /// Frame it was seen in.
    pub frame: u64,
    /// INIT ACK rather than INIT.
    pub is_ack: bool,
    /// Initiate Tag.
    pub initiate_tag: u32,
    /// Advertised Receiver Window Credit.
    pub a_rwnd: u32,
    /// Number of Outbound Streams.
    pub outbound_streams: u16,
    /// Number of Inbound Streams.
    pub inbound_streams: u16,
    /// Initial TSN.
    pub initial_tsn: u32,
    /// IPv4 and IPv6 Address parameters (RFC 9260 5.1.2).
    pub addresses: Vec<IpAddr>,
    /// A Host Name Address parameter was present.
    pub host_name: bool,
    /// Chunk types of the Supported Extensions parameter (RFC 5061 4.2.7).
    pub extensions: Vec<u8>,
    /// Forward-TSN-Supported present (RFC 3758 3.1).
    pub forward_tsn: bool,
    /// ECN Capable present (RFC 9260 Appendix A).
    pub ecn: bool,
    /// Zero Checksum Acceptable present (RFC 9653 3).
    pub zero_checksum: bool,
    /// RANDOM, CHUNKS, HMAC-ALGO (RFC 4895 3), when RANDOM and HMAC-ALGO
    /// are both present.
    pub auth: Option<AuthParams>,
    /// Adaptation Code Point (RFC 5061 4.2.6).
    pub adaptation: Option<u32>,
    /// Every parameter type, in order.
    pub params: Vec<u16>,
}

/// A parameter whole, from its type and value (padding dropped).
fn whole(ty: u16, value: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(4 + value.len());
    v.extend_from_slice(&ty.to_be_bytes());
    v.extend_from_slice(&((4 + value.len()).min(0xffff) as u16).to_be_bytes());
    v.extend_from_slice(value);
    v
}

impl InitInfo {
    /// Reads an INIT or INIT ACK seen in `frame` (RFC 9260 3.3.2, 3.3.3).
    pub fn read(init: &InitView<'_>, frame: u64) -> Self {
        let mut i = InitInfo {
            frame,
            is_ack: init.is_ack(),
            initiate_tag: init.initiate_tag(),
            a_rwnd: init.a_rwnd(),
            outbound_streams: init.outbound_streams(),
            inbound_streams: init.inbound_streams(),
            initial_tsn: init.initial_tsn(),
            addresses: Vec::new(),
            host_name: false,
            extensions: Vec::new(),
            forward_tsn: false,
            ecn: false,
            zero_checksum: false,
            auth: None,
            adaptation: None,
            params: Vec::new(),
        };
        let (mut random, mut chunks, mut hmac) = (None, None, None);
        for p in init.params() {
            let v = p.value();
            i.params.push(p.ty());
            match p.ty() {
                PARAM_IPV4 => {
                    if let Ok(a) = <[u8; 4]>::try_from(v) {
                        i.addresses.push(IpAddr::V4(Ipv4Addr::from(a)));
                    }
                }
                PARAM_IPV6 => {
                    if let Ok(a) = <[u8; 16]>::try_from(v) {
                        i.addresses.push(IpAddr::V6(Ipv6Addr::from(a)));
                    }
                }
                PARAM_HOST_NAME => i.host_name = true,
                PARAM_SUPPORTED_EXTENSIONS => i.extensions = v.to_vec(),
                PARAM_FORWARD_TSN => i.forward_tsn = true,
                PARAM_ECN => i.ecn = true,
                PARAM_ZERO_CHECKSUM => i.zero_checksum = true,
                PARAM_ADAPTATION => {
                    if let Ok(a) = <[u8; 4]>::try_from(v) {
                        i.adaptation = Some(u32::from_be_bytes(a));
                    }
                }
                crate::auth::RANDOM => random = Some(whole(p.ty(), v)),
                crate::auth::CHUNKS => chunks = Some(whole(p.ty(), v)),
                crate::auth::HMAC_ALGO => hmac = Some(whole(p.ty(), v)),
                _ => {}
            }
        }
        if let (Some(random), Some(hmac_algo)) = (random, hmac) {
            i.auth = Some(AuthParams {
                random,
                chunks,
                hmac_algo,
            });
        }
        i
    }

    /// Whether this side lists chunk type `t` in Supported Extensions.
    pub fn supports(&self, t: u8) -> bool {
        self.extensions.contains(&t)
    }
}

/// What both sides offered: the extension is in use (RFC 5061 4.2.7 and
/// each extension's own negotiation rule).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Negotiated {
    /// Streams from the initiator: min(its OS, the responder's MIS) (RFC 9260 5.1.1).
    pub streams_forward: u16,
    /// Streams towards the initiator.
    pub streams_reverse: u16,
    /// Names of the extensions both sides offered.
    pub extensions: Vec<&'static str>,
}

/// The agreement of an INIT (from the initiator) and an INIT ACK (RFC 9260 5.1).
pub fn negotiate(a: &InitInfo, z: &InitInfo) -> Negotiated {
    let mut ext = Vec::new();
    let both = |t: u8| a.supports(t) && z.supports(t);
    if (a.forward_tsn || a.supports(ty::FORWARD_TSN))
        && (z.forward_tsn || z.supports(ty::FORWARD_TSN))
    {
        ext.push("PR-SCTP");
    }
    if both(ty::I_DATA) {
        ext.push("I-DATA");
    }
    if both(ty::RE_CONFIG) {
        ext.push("RE-CONFIG");
    }
    if both(ty::ASCONF) && both(ty::ASCONF_ACK) {
        ext.push("ASCONF");
    }
    if both(ty::NR_SACK) {
        ext.push("NR-SACK");
    }
    if both(ty::PKTDROP) {
        ext.push("PKTDROP");
    }
    if a.ecn && z.ecn {
        ext.push("ECN");
    }
    if a.auth.is_some() && z.auth.is_some() {
        ext.push("AUTH");
    }
    if a.zero_checksum && z.zero_checksum {
        ext.push("Zero Checksum");
    }
    Negotiated {
        streams_forward: a.outbound_streams.min(z.inbound_streams),
        streams_reverse: z.outbound_streams.min(a.inbound_streams),
        extensions: ext,
    }
}
