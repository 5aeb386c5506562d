//! Chunk Type numbers (RFC 9260 3.2 and the extensions), read at compile time
//! from the registry rows of [`super::CHUNK_TYPES`] by name, so a constant
//! cannot disagree with the table the decoder types chunks with.

use super::ChunkBody;
use crate::registry::DialectTag;

/// The number registered under `name` in `dialect` (a build error if none).
const fn by_name(dialect: DialectTag, name: &str) -> u8 {
    let t = ChunkBody::<'static>::TABLE;
    let mut k = 0;
    while k < t.len() {
        if t[k].dialect as u8 == dialect as u8 && crate::wire::same_name(t[k].name, name) {
            return t[k].value as u8;
        }
        k += 1;
    }
    panic!("no chunk type of that name in the registry")
}

const fn std(name: &str) -> u8 {
    by_name(DialectTag::Standard, name)
}

/// DATA (RFC 9260 3.3.1).
pub const DATA: u8 = std("DATA");
/// INIT (RFC 9260 3.3.2).
pub const INIT: u8 = std("INIT");
/// INIT ACK (RFC 9260 3.3.3).
pub const INIT_ACK: u8 = std("INIT-ACK");
/// SACK (RFC 9260 3.3.4).
pub const SACK: u8 = std("SACK");
/// HEARTBEAT (RFC 9260 3.3.5).
pub const HEARTBEAT: u8 = std("HEARTBEAT");
/// HEARTBEAT ACK (RFC 9260 3.3.6).
pub const HEARTBEAT_ACK: u8 = std("HEARTBEAT-ACK");
/// ABORT (RFC 9260 3.3.7).
pub const ABORT: u8 = std("ABORT");
/// SHUTDOWN (RFC 9260 3.3.8).
pub const SHUTDOWN: u8 = std("SHUTDOWN");
/// SHUTDOWN ACK (RFC 9260 3.3.9).
pub const SHUTDOWN_ACK: u8 = std("SHUTDOWN-ACK");
/// ERROR (RFC 9260 3.3.10).
pub const ERROR: u8 = std("ERROR");
/// COOKIE ECHO (RFC 9260 3.3.11).
pub const COOKIE_ECHO: u8 = std("COOKIE-ECHO");
/// COOKIE ACK (RFC 9260 3.3.12).
pub const COOKIE_ACK: u8 = std("COOKIE-ACK");
/// ECNE (RFC 9260 3.2, RFC 4960 Appendix A).
pub const ECNE: u8 = std("ECNE");
/// CWR (RFC 9260 3.2, RFC 4960 Appendix A).
pub const CWR: u8 = std("CWR");
/// SHUTDOWN COMPLETE (RFC 9260 3.3.13).
pub const SHUTDOWN_COMPLETE: u8 = std("SHUTDOWN-COMPLETE");
/// AUTH (RFC 4895 5.1).
pub const AUTH: u8 = std("AUTH");
/// NR-SACK (draft-tuexen-tsvwg-sctp-multipath); S-SCTP reads 0x10 as EncData.
pub const NR_SACK: u8 = std("NR-SACK");
/// I-DATA (RFC 8260 2.1).
pub const I_DATA: u8 = std("I-DATA");
/// DTLS (draft-ietf-tsvwg-sctp-dtls-chunk).
pub const DTLS: u8 = std("DTLS");
/// ASCONF ACK (RFC 5061 4.1.2).
pub const ASCONF_ACK: u8 = std("ASCONF-ACK");
/// PKTDROP (draft-stewart-sctp-pktdrprep).
pub const PKTDROP: u8 = std("PKTDROP");
/// RE-CONFIG (RFC 6525 3.1).
pub const RE_CONFIG: u8 = std("RE-CONFIG");
/// PAD (RFC 4820 3).
pub const PAD: u8 = std("PAD");
/// FORWARD TSN (RFC 3758 3.2).
pub const FORWARD_TSN: u8 = std("FORWARD-TSN");
/// ASCONF (RFC 5061 4.1.1).
pub const ASCONF: u8 = std("ASCONF");
/// I-FORWARD-TSN (RFC 8260 2.3.1).
pub const I_FORWARD_TSN: u8 = std("I-FORWARD-TSN");

/// S-SCTP chunk types (draft-hohendorf-secure-sctp-15 5.1), which reuse
/// 0x10 to 0x12 and take 0xD0 to 0xD9.
pub mod ssctp {
    use super::by_name;
    use crate::registry::DialectTag;

    const fn s(name: &str) -> u8 {
        by_name(DialectTag::Ssctp, name)
    }

    /// EncData (draft-hohendorf-secure-sctp-15 5.1.11).
    pub const ENC_DATA: u8 = s("EncData");
    /// S-SCTP AUTH (draft-hohendorf-secure-sctp-15 5.1.13).
    pub const AUTH: u8 = s("AUTH (S-SCTP)");
    /// PADDING (draft-hohendorf-secure-sctp-15 5.1.12).
    pub const PADDING: u8 = s("PADDING");
    /// SSOpReq (draft-hohendorf-secure-sctp-15 5.1.1), the first handshake type.
    pub const SS_OP_REQ: u8 = s("SSOpReq");
    /// SSCert (draft-hohendorf-secure-sctp-15 5.1.2).
    pub const SS_CERT: u8 = s("SSCert");
    /// SSOpReq_Ack (draft-hohendorf-secure-sctp-15 5.1.3).
    pub const SS_OP_REQ_ACK: u8 = s("SSOpReq_Ack");
    /// SSSerKey (draft-hohendorf-secure-sctp-15 5.1.4).
    pub const SS_SER_KEY: u8 = s("SSSerKey");
    /// SSCliKey (draft-hohendorf-secure-sctp-15 5.1.5).
    pub const SS_CLI_KEY: u8 = s("SSCliKey");
    /// SSOpCom (draft-hohendorf-secure-sctp-15 5.1.6).
    pub const SS_OP_COM: u8 = s("SSOpCom");
    /// SSClose (draft-hohendorf-secure-sctp-15 5.1.7).
    pub const SS_CLOSE: u8 = s("SSClose");
    /// SSClose_Ack (draft-hohendorf-secure-sctp-15 5.1.8).
    pub const SS_CLOSE_ACK: u8 = s("SSClose_Ack");
    /// SecLevCHD (draft-hohendorf-secure-sctp-15 5.1.9).
    pub const SEC_LEV_CHD: u8 = s("SecLevCHD");
    /// SecLevCHD_Ack (draft-hohendorf-secure-sctp-15 5.1.10), the last handshake type.
    pub const SEC_LEV_CHD_ACK: u8 = s("SecLevCHD_Ack");
}
