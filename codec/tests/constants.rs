//! Every chunk-type and flag constant of `sctp_codec::chunk::{ty, flags}`
//! equals the registry's number for that name (they are read from the
//! registry at compile time; this checks the names they were read under).

use sctp_codec::chunk::{flags, ty, CHUNK_TYPES};
use sctp_codec::registry::DialectTag;

fn number(dialect: DialectTag, name: &str) -> u8 {
    let rows: Vec<_> = CHUNK_TYPES
        .iter()
        .filter(|t| t.dialect == dialect && t.name == name)
        .collect();
    assert_eq!(rows.len(), 1, "{name}: one registry row");
    rows[0].value as u8
}

fn mask(chunk: &str, flag: &str) -> u8 {
    let row = CHUNK_TYPES
        .iter()
        .find(|t| t.dialect == DialectTag::Standard && t.name == chunk)
        .unwrap_or_else(|| panic!("{chunk}: no registry row"));
    row.flags
        .iter()
        .find(|f| f.name == flag)
        .unwrap_or_else(|| panic!("{chunk}: no flag {flag}"))
        .mask
}

#[test]
fn chunk_type_constants_equal_the_registry() {
    use DialectTag::{Ssctp, Standard};
    let table = [
        (ty::DATA, Standard, "DATA", 0x00),
        (ty::INIT, Standard, "INIT", 0x01),
        (ty::INIT_ACK, Standard, "INIT-ACK", 0x02),
        (ty::SACK, Standard, "SACK", 0x03),
        (ty::HEARTBEAT, Standard, "HEARTBEAT", 0x04),
        (ty::HEARTBEAT_ACK, Standard, "HEARTBEAT-ACK", 0x05),
        (ty::ABORT, Standard, "ABORT", 0x06),
        (ty::SHUTDOWN, Standard, "SHUTDOWN", 0x07),
        (ty::SHUTDOWN_ACK, Standard, "SHUTDOWN-ACK", 0x08),
        (ty::ERROR, Standard, "ERROR", 0x09),
        (ty::COOKIE_ECHO, Standard, "COOKIE-ECHO", 0x0A),
        (ty::COOKIE_ACK, Standard, "COOKIE-ACK", 0x0B),
        (ty::ECNE, Standard, "ECNE", 0x0C),
        (ty::CWR, Standard, "CWR", 0x0D),
        (ty::SHUTDOWN_COMPLETE, Standard, "SHUTDOWN-COMPLETE", 0x0E),
        (ty::AUTH, Standard, "AUTH", 0x0F),
        (ty::NR_SACK, Standard, "NR-SACK", 0x10),
        (ty::I_DATA, Standard, "I-DATA", 0x40),
        (ty::DTLS, Standard, "DTLS", 0x41),
        (ty::ASCONF_ACK, Standard, "ASCONF-ACK", 0x80),
        (ty::PKTDROP, Standard, "PKTDROP", 0x81),
        (ty::RE_CONFIG, Standard, "RE-CONFIG", 0x82),
        (ty::PAD, Standard, "PAD", 0x84),
        (ty::FORWARD_TSN, Standard, "FORWARD-TSN", 0xC0),
        (ty::ASCONF, Standard, "ASCONF", 0xC1),
        (ty::I_FORWARD_TSN, Standard, "I-FORWARD-TSN", 0xC2),
        (ty::ssctp::ENC_DATA, Ssctp, "EncData", 0x10),
        (ty::ssctp::AUTH, Ssctp, "AUTH (S-SCTP)", 0x11),
        (ty::ssctp::PADDING, Ssctp, "PADDING", 0x12),
        (ty::ssctp::SS_OP_REQ, Ssctp, "SSOpReq", 0xD0),
        (ty::ssctp::SS_CERT, Ssctp, "SSCert", 0xD1),
        (ty::ssctp::SS_OP_REQ_ACK, Ssctp, "SSOpReq_Ack", 0xD2),
        (ty::ssctp::SS_SER_KEY, Ssctp, "SSSerKey", 0xD3),
        (ty::ssctp::SS_CLI_KEY, Ssctp, "SSCliKey", 0xD4),
        (ty::ssctp::SS_OP_COM, Ssctp, "SSOpCom", 0xD5),
        (ty::ssctp::SS_CLOSE, Ssctp, "SSClose", 0xD6),
        (ty::ssctp::SS_CLOSE_ACK, Ssctp, "SSClose_Ack", 0xD7),
        (ty::ssctp::SEC_LEV_CHD, Ssctp, "SecLevCHD", 0xD8),
        (ty::ssctp::SEC_LEV_CHD_ACK, Ssctp, "SecLevCHD_Ack", 0xD9),
    ];
    for (c, dialect, name, iana) in table {
        assert_eq!(c, number(dialect, name), "{name}");
        assert_eq!(c, iana, "{name}: the number the defining document gives");
    }
    // Every named registry row has its constant (the reserved rows excepted).
    let named = CHUNK_TYPES
        .iter()
        .filter(|t| !t.name.starts_with("Reserved"))
        .count();
    assert_eq!(named, table.len());
}

#[test]
fn flag_constants_equal_the_registry() {
    let table = [
        (flags::DATA_E, "DATA", "e_bit", 0x01),
        (flags::DATA_B, "DATA", "b_bit", 0x02),
        (flags::DATA_U, "DATA", "u_bit", 0x04),
        (flags::DATA_I, "DATA", "i_bit", 0x08),
        (flags::I_DATA_E, "I-DATA", "e_bit", 0x01),
        (flags::I_DATA_B, "I-DATA", "b_bit", 0x02),
        (flags::I_DATA_U, "I-DATA", "u_bit", 0x04),
        (flags::I_DATA_I, "I-DATA", "i_bit", 0x08),
        (flags::T_BIT, "ABORT", "t_bit", 0x01),
        (flags::T_BIT, "SHUTDOWN-COMPLETE", "t_bit", 0x01),
        (flags::T_BIT, "ERROR", "t_bit", 0x01),
        (flags::M_BIT, "ABORT", "m_bit", 0x02),
        (flags::M_BIT, "ERROR", "m_bit", 0x02),
        (flags::DTLS_R, "DTLS", "r_bit", 0x01),
        (flags::PKTDROP_M, "PKTDROP", "m_bit", 0x01),
        (flags::PKTDROP_B, "PKTDROP", "b_bit", 0x02),
        (flags::PKTDROP_T, "PKTDROP", "t_bit", 0x04),
    ];
    for (c, chunk, flag, rfc) in table {
        assert_eq!(c, mask(chunk, flag), "{chunk} {flag}");
        assert_eq!(
            c, rfc,
            "{chunk} {flag}: the bit the defining document gives"
        );
    }
}
