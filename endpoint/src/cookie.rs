//! The State Cookie (RFC 9260 5.1.3): everything needed to build the
//! association from a COOKIE ECHO, so that no state is kept before one
//! arrives; signed with HMAC-SHA-256 under a secret of the endpoint, with a
//! creation time and lifetime (RFC 9260 5.1.5 checks).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Length of the MAC at the end of every cookie.
const MAC_LEN: usize = 32;
/// Cookie format version.
const VERSION: u8 = 2;
/// Marks the optional Adaptation Layer Indication after the fixed fields.
const ADAPTATION_FIELD: u8 = 1;
/// Most peer addresses a cookie carries.
pub const MAX_ADDRS: usize = 16;

/// The fields of a State Cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieFields {
    /// Milliseconds since the endpoint's epoch when the cookie was made.
    pub created_ms: u64,
    /// Lifetime in milliseconds (Valid.Cookie.Life, or more if the peer
    /// asked with a Cookie Preservative, RFC 9260 5.1.3).
    pub lifetime_ms: u32,
    /// Our Initiate Tag (the peer's packets carry it).
    pub local_tag: u32,
    /// The peer's Initiate Tag.
    pub peer_tag: u32,
    /// Our Initial TSN.
    pub local_tsn: u32,
    /// The peer's Initial TSN.
    pub peer_tsn: u32,
    /// The peer's a_rwnd.
    pub peer_rwnd: u32,
    /// Outbound streams (min of ours and the peer's MIS).
    pub outbound_streams: u16,
    /// Inbound streams (min of the peer's OS and our MIS).
    pub inbound_streams: u16,
    /// Our SCTP port.
    pub local_port: u16,
    /// The peer's SCTP port.
    pub peer_port: u16,
    /// Tie-Tags (RFC 9260 5.2.2): the local and peer tags of an association
    /// that existed when the INIT arrived, else zero.
    pub local_tie_tag: u32,
    /// The peer tie-tag.
    pub peer_tie_tag: u32,
    /// Peer addresses: the INIT's source first, then its address parameters;
    /// the port is the UDP encapsulation port (0 for raw IP).
    pub peer_addrs: Vec<SocketAddr>,
    /// Our address the INIT came to.
    pub local_addr: IpAddr,
    /// Extensions both sides support (bit 0: PR-SCTP).
    pub features: u32,
    /// SCTP-AUTH key vectors, ours and the peer's (RFC 4895 6.1), when both
    /// offered AUTH: the association key is derived from them.
    pub auth: Option<crate::association::auth::AuthNegotiated>,
    /// The peer's Adaptation Layer Indication (RFC 5061 4.2.7), to report
    /// once the association is up; written only when present.
    pub adaptation: Option<u32>,
}

/// Why a COOKIE ECHO's cookie is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieError {
    /// Too short or badly formed.
    Malformed,
    /// The MAC does not match (forged or altered).
    BadMac,
}

type HmacSha256 = Hmac<Sha256>;

/// Writes the cookie for `f`, signed with `secret`.
pub fn seal(f: &CookieFields, secret: &[u8; 32], out: &mut Vec<u8>) {
    let start = out.len();
    out.push(VERSION);
    out.extend_from_slice(&f.created_ms.to_be_bytes());
    for v in [
        f.lifetime_ms,
        f.local_tag,
        f.peer_tag,
        f.local_tsn,
        f.peer_tsn,
        f.peer_rwnd,
        f.local_tie_tag,
        f.peer_tie_tag,
        f.features,
    ] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    for v in [
        f.outbound_streams,
        f.inbound_streams,
        f.local_port,
        f.peer_port,
    ] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    put_ip(out, f.local_addr);
    let n = f.peer_addrs.len().min(MAX_ADDRS);
    out.push(n as u8);
    for a in &f.peer_addrs[..n] {
        put_ip(out, a.ip());
        out.extend_from_slice(&a.port().to_be_bytes());
    }
    match &f.auth {
        None => out.push(0),
        Some(a) => {
            out.push(1);
            for v in [&a.local_vector, &a.peer_vector] {
                let n = v.len().min(u16::MAX as usize);
                out.extend_from_slice(&(n as u16).to_be_bytes());
                out.extend_from_slice(&v[..n]);
            }
        }
    }
    if let Some(a) = f.adaptation {
        out.push(ADAPTATION_FIELD);
        out.extend_from_slice(&a.to_be_bytes());
    }
    let mut mac = HmacSha256::new_from_slice(secret).expect("any key length");
    mac.update(&out[start..]);
    out.extend_from_slice(&mac.finalize().into_bytes());
}

/// Checks the MAC and reads a cookie (RFC 9260 5.1.5 steps 1-2); the
/// lifetime is checked apart ([`CookieFields::staleness_us`]) because a
/// Stale Cookie error is addressed with the tags inside.
pub fn open(cookie: &[u8], secret: &[u8; 32]) -> Result<CookieFields, CookieError> {
    if cookie.len() < MAC_LEN + 1 {
        return Err(CookieError::Malformed);
    }
    let (body, tag) = cookie.split_at(cookie.len() - MAC_LEN);
    let mut mac = HmacSha256::new_from_slice(secret).expect("any key length");
    mac.update(body);
    mac.verify_slice(tag).map_err(|_| CookieError::BadMac)?;
    let mut r = Reader(body);
    if r.u8()? != VERSION {
        return Err(CookieError::Malformed);
    }
    let created_ms = r.u64()?;
    let lifetime_ms = r.u32()?;
    let f = CookieFields {
        created_ms,
        lifetime_ms,
        local_tag: r.u32()?,
        peer_tag: r.u32()?,
        local_tsn: r.u32()?,
        peer_tsn: r.u32()?,
        peer_rwnd: r.u32()?,
        local_tie_tag: r.u32()?,
        peer_tie_tag: r.u32()?,
        features: r.u32()?,
        outbound_streams: r.u16()?,
        inbound_streams: r.u16()?,
        local_port: r.u16()?,
        peer_port: r.u16()?,
        local_addr: r.ip()?,
        peer_addrs: {
            let n = r.u8()? as usize;
            let mut v = Vec::with_capacity(n);
            for _ in 0..n {
                let ip = r.ip()?;
                v.push(SocketAddr::new(ip, r.u16()?));
            }
            v
        },
        auth: match r.u8()? {
            0 => None,
            _ => {
                let n = r.u16()? as usize;
                let local_vector = r.take(n)?.to_vec();
                let n = r.u16()? as usize;
                let peer_vector = r.take(n)?.to_vec();
                Some(crate::association::auth::AuthNegotiated {
                    local_vector,
                    peer_vector,
                })
            }
        },
        adaptation: None,
    };
    let mut f = f;
    // Optional trailing fields.
    if !r.0.is_empty() {
        if r.u8()? != ADAPTATION_FIELD {
            return Err(CookieError::Malformed);
        }
        f.adaptation = Some(r.u32()?);
    }
    Ok(f)
}

impl CookieFields {
    /// How far past its lifetime the cookie is at `now_ms`, in microseconds
    /// (RFC 9260 5.1.5 step 3, 3.3.10.3), or `None` while it is valid.
    pub fn staleness_us(&self, now_ms: u64) -> Option<u64> {
        let expires = self.created_ms + self.lifetime_ms as u64;
        (now_ms > expires).then(|| (now_ms - expires) * 1000)
    }
}

fn put_ip(out: &mut Vec<u8>, ip: IpAddr) {
    match ip {
        IpAddr::V4(a) => {
            out.push(4);
            out.extend_from_slice(&a.octets());
        }
        IpAddr::V6(a) => {
            out.push(6);
            out.extend_from_slice(&a.octets());
        }
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], CookieError> {
        if self.0.len() < n {
            return Err(CookieError::Malformed);
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, CookieError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, CookieError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, CookieError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, CookieError> {
        Ok(((self.u32()? as u64) << 32) | self.u32()? as u64)
    }
    fn ip(&mut self) -> Result<IpAddr, CookieError> {
        match self.u8()? {
            4 => {
                let b = self.take(4)?;
                Ok(IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3])))
            }
            6 => {
                let b: [u8; 16] = self
                    .take(16)?
                    .try_into()
                    .map_err(|_| CookieError::Malformed)?;
                Ok(IpAddr::V6(Ipv6Addr::from(b)))
            }
            _ => Err(CookieError::Malformed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> CookieFields {
        CookieFields {
            created_ms: 1000,
            lifetime_ms: 60_000,
            local_tag: 1,
            peer_tag: 2,
            local_tsn: 3,
            peer_tsn: 4,
            peer_rwnd: 5,
            outbound_streams: 6,
            inbound_streams: 7,
            local_port: 8,
            peer_port: 9,
            local_tie_tag: 10,
            peer_tie_tag: 11,
            peer_addrs: vec![
                "127.0.0.1:9899".parse().unwrap(),
                "[::1]:0".parse().unwrap(),
            ],
            local_addr: "10.0.0.1".parse().unwrap(),
            features: 1,
            auth: Some(crate::association::auth::AuthNegotiated {
                local_vector: vec![0x80, 2, 0, 6, 1, 2],
                peer_vector: vec![0x80, 4, 0, 6, 0, 1],
            }),
            adaptation: None,
        }
    }

    /// The peer's Adaptation Layer Indication rides in the cookie (RFC
    /// 5061 4.2.7) and costs nothing when absent.
    #[test]
    fn adaptation_indication_round_trips() {
        let secret = [7u8; 32];
        let (mut plain, mut with) = (Vec::new(), Vec::new());
        seal(&fields(), &secret, &mut plain);
        let f = CookieFields {
            adaptation: Some(0x0102_0304),
            ..fields()
        };
        seal(&f, &secret, &mut with);
        assert_eq!(with.len(), plain.len() + 5);
        assert_eq!(open(&with, &secret), Ok(f));
        assert_eq!(open(&plain, &secret).map(|f| f.adaptation), Ok(None));
    }

    #[test]
    fn round_trip_and_every_altered_byte_is_refused() {
        let secret = [7u8; 32];
        let mut c = Vec::new();
        seal(&fields(), &secret, &mut c);
        assert_eq!(open(&c, &secret), Ok(fields()));
        for i in 0..c.len() {
            let mut bad = c.clone();
            bad[i] ^= 0x40;
            assert_eq!(open(&bad, &secret), Err(CookieError::BadMac), "byte {i}");
        }
        assert_eq!(open(&c[..c.len() - 1], &secret), Err(CookieError::BadMac));
        assert_eq!(open(&c[..10], &secret), Err(CookieError::Malformed));
        assert_eq!(open(&c, &[8u8; 32]), Err(CookieError::BadMac));
    }

    #[test]
    fn stale_after_lifetime() {
        let secret = [1u8; 32];
        let mut c = Vec::new();
        seal(&fields(), &secret, &mut c);
        let f = open(&c, &secret).unwrap();
        assert_eq!(f.staleness_us(61_000), None);
        assert_eq!(f.staleness_us(61_005), Some(5000));
    }
}
