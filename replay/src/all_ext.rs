//! `sctp-replay script --all-extensions`: the script's expectations, judged
//! with every extension of the endpoint switched on. What an extension adds
//! to a packet although the peer the script plays never negotiates it is
//! left out of the comparison, and nothing else: the parameters that
//! announce an extension in INIT and INIT ACK (RFC 3758 3.1, RFC 4895 3,
//! RFC 5061 4.2.7, RFC 9260 Appendix A, RFC 9653 3, draft-ietf-tsvwg-natsupp
//! 4) where the script does not list them, and the DATA / I-DATA I bit of
//! SACK-IMMEDIATELY (RFC 7053 4.1, which needs no negotiation) where the
//! script's flags do not have it. Everything else is compared as written.

use crate::spec::{ChunkSpec, F};

/// Parameter types that only announce an extension: ECN Capable (0x8000),
/// Zero Checksum Acceptable (0x8001), RANDOM (0x8002), CHUNKS (0x8003),
/// HMAC-ALGO (0x8004), Supported Extensions (0x8008), Forward-TSN-Supported
/// (0xc000), Adaptation Layer Indication (0xc006), Disable Restart (0xc007).
const ANNOUNCING: [u16; 9] = [
    0x8000, 0x8001, 0x8002, 0x8003, 0x8004, 0x8008, 0xc000, 0xc006, 0xc007,
];

/// The I bit of DATA and I-DATA (RFC 7053 4.1).
const I_BIT: u8 = 0x08;

fn be16(b: &[u8], at: usize) -> usize {
    u16::from_be_bytes([b[at], b[at + 1]]) as usize
}

fn pad4(n: usize) -> usize {
    (4 - n % 4) % 4
}

/// `packet` (common header and chunks) as the comparison sees it: for each
/// chunk with a spec in `want` (same order), the announcing parameters the
/// spec does not name are taken out of INIT / INIT ACK (their Length
/// adjusted) and an I bit the spec does not expect is cleared. The checksum
/// is not recomputed: the comparison does not read it.
pub fn masked(packet: &[u8], want: &[&ChunkSpec]) -> Vec<u8> {
    let mut out = packet[..packet.len().min(12)].to_vec();
    let mut at = 12;
    let mut k = 0;
    while at + 4 <= packet.len() {
        let len = be16(packet, at + 2);
        if len < 4 || at + len > packet.len() {
            out.extend_from_slice(&packet[at..]);
            return out;
        }
        let end = (at + len + pad4(len)).min(packet.len());
        let chunk = &packet[at..end];
        let spec = want.get(k).copied();
        match (chunk[0], spec) {
            (0 | 64, Some(s)) if matches!(s.flags(), F::Is(f) if f & I_BIT == 0) => {
                let mut c = chunk.to_vec();
                c[1] &= !I_BIT;
                out.extend_from_slice(&c);
            }
            (
                1 | 2,
                Some(ChunkSpec::Init {
                    params: Some(p), ..
                }),
            ) if len >= 20 => {
                let named: Vec<u16> = p.iter().filter_map(|t| t.ty).collect();
                let start = out.len();
                out.extend_from_slice(&chunk[..20]);
                let mut pat = at + 20;
                while pat + 4 <= at + len {
                    let t = be16(packet, pat) as u16;
                    let l = be16(packet, pat + 2);
                    if l < 4 || pat + l > at + len {
                        out.extend_from_slice(&packet[pat..at + len]);
                        break;
                    }
                    let next = (pat + l + pad4(l)).min(at + len);
                    if !ANNOUNCING.contains(&t) || named.contains(&t) {
                        out.extend_from_slice(&packet[pat..next]);
                    }
                    pat = next;
                }
                let new_len = (out.len() - start) as u16;
                out[start + 2..start + 4].copy_from_slice(&new_len.to_be_bytes());
                out.resize(out.len() + pad4(new_len as usize), 0);
            }
            _ => out.extend_from_slice(chunk),
        }
        at = end;
        k += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(t: u16, v: &[u8]) -> Vec<u8> {
        let mut b = t.to_be_bytes().to_vec();
        b.extend_from_slice(&((4 + v.len()) as u16).to_be_bytes());
        b.extend_from_slice(v);
        b.resize(b.len() + pad4(b.len()), 0);
        b
    }

    fn init_ack(params: &[Vec<u8>]) -> Vec<u8> {
        let mut c = vec![2, 0, 0, 0];
        c.extend_from_slice(&[0, 0, 0, 1, 0, 1, 0, 0, 0, 10, 0, 10, 0, 0, 0, 1]);
        for p in params {
            c.extend_from_slice(p);
        }
        let l = c.len() as u16;
        c[2..4].copy_from_slice(&l.to_be_bytes());
        let mut pkt = vec![0u8; 12];
        pkt.extend_from_slice(&c);
        pkt
    }

    fn spec_with(types: &[u16]) -> ChunkSpec {
        ChunkSpec::Init {
            ack: true,
            flags: F::Any,
            tag: F::Any,
            a_rwnd: F::Any,
            os: F::Any,
            is: F::Any,
            tsn: F::Any,
            params: Some(
                types
                    .iter()
                    .map(|t| crate::spec::TlvSpec {
                        ty: Some(*t),
                        check_len: None,
                        check_value: None,
                        bytes: Vec::new(),
                    })
                    .collect(),
            ),
        }
    }

    #[test]
    fn announcing_parameters_the_script_does_not_name_are_left_out() {
        let unrecognized = tlv(8, &[0xc0, 0xcc, 0, 8, 1, 1, 1, 1]);
        let cookie = tlv(7, &[9; 10]);
        let sent = init_ack(&[
            tlv(0x8001, &[0, 0, 0, 1]),
            tlv(0xc007, &[]),
            tlv(0x8008, &[0x40]),
            unrecognized.clone(),
            cookie.clone(),
        ]);
        let s = spec_with(&[8, 7]);
        assert_eq!(masked(&sent, &[&s]), init_ack(&[unrecognized, cookie]));
        // A parameter the script names stays, in its place.
        let s = spec_with(&[0x8008, 8, 7]);
        let m = masked(&sent, &[&s]);
        assert_eq!(&m[32..36], &[0x80, 0x08, 0, 5]);
        // Anything else is never touched: an unknown parameter stays.
        let odd = init_ack(&[tlv(0x4444, &[1, 2, 3, 4])]);
        assert_eq!(masked(&odd, &[&spec_with(&[])]), odd);
    }
}
