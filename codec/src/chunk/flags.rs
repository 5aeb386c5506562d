//! Chunk Flags bits (RFC 9260 3.2 and the extensions), read at compile time
//! from the registry rows of [`super::CHUNK_TYPES`] by chunk and flag name.

use super::ChunkBody;
use crate::registry::DialectTag;
use crate::wire::same_name;

/// The mask of flag `flag` of the standard chunk type `chunk` (a build error if none).
const fn mask(chunk: &str, flag: &str) -> u8 {
    let t = ChunkBody::<'static>::TABLE;
    let mut k = 0;
    while k < t.len() {
        if t[k].dialect as u8 == DialectTag::Standard as u8 && same_name(t[k].name, chunk) {
            let f = t[k].flags;
            let mut j = 0;
            while j < f.len() {
                if same_name(f[j].name, flag) {
                    return f[j].mask;
                }
                j += 1;
            }
        }
        k += 1;
    }
    panic!("no such chunk flag in the registry")
}

/// DATA E bit: the last fragment of a message (RFC 9260 3.3.1).
pub const DATA_E: u8 = mask("DATA", "e_bit");
/// DATA B bit: the first fragment of a message (RFC 9260 3.3.1).
pub const DATA_B: u8 = mask("DATA", "b_bit");
/// DATA U bit: unordered (RFC 9260 3.3.1).
pub const DATA_U: u8 = mask("DATA", "u_bit");
/// DATA I bit: SACK immediately (RFC 9260 3.3.1, RFC 7053).
pub const DATA_I: u8 = mask("DATA", "i_bit");
/// I-DATA E bit (RFC 8260 2.1).
pub const I_DATA_E: u8 = mask("I-DATA", "e_bit");
/// I-DATA B bit (RFC 8260 2.1).
pub const I_DATA_B: u8 = mask("I-DATA", "b_bit");
/// I-DATA U bit (RFC 8260 2.1).
pub const I_DATA_U: u8 = mask("I-DATA", "u_bit");
/// I-DATA I bit (RFC 8260 2.1).
pub const I_DATA_I: u8 = mask("I-DATA", "i_bit");
/// T bit of ABORT and SHUTDOWN COMPLETE: the Verification Tag is reflected
/// (RFC 9260 3.3.7, 3.3.13); the same bit of ERROR (draft-ietf-tsvwg-natsupp).
pub const T_BIT: u8 = mask("ABORT", "t_bit");
/// M bit of ABORT and ERROR (draft-ietf-tsvwg-natsupp).
pub const M_BIT: u8 = mask("ABORT", "m_bit");
/// DTLS R bit (draft-ietf-tsvwg-sctp-dtls-chunk).
pub const DTLS_R: u8 = mask("DTLS", "r_bit");
/// PKTDROP M bit (draft-stewart-sctp-pktdrprep).
pub const PKTDROP_M: u8 = mask("PKTDROP", "m_bit");
/// PKTDROP B bit (draft-stewart-sctp-pktdrprep).
pub const PKTDROP_B: u8 = mask("PKTDROP", "b_bit");
/// PKTDROP T bit (draft-stewart-sctp-pktdrprep).
pub const PKTDROP_T: u8 = mask("PKTDROP", "t_bit");

const _: () = {
    // The T bit means the same in every chunk that has it (RFC 9260 3.3.7, 3.3.13).
    assert!(mask("SHUTDOWN-COMPLETE", "t_bit") == T_BIT);
    assert!(mask("ERROR", "t_bit") == T_BIT);
    assert!(mask("ERROR", "m_bit") == M_BIT);
};
