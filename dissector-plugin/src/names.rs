//! The naming table: which registry field has a twin in Wireshark's built-in
//! SCTP dissector, and under which name (`sctp.X` becomes `sctpkit.X`), so a
//! user's display filters carry over by changing the prefix. This is a table
//! of names only; the list of types and fields comes from the codec registry.

use sctp_codec::registry::Family;

/// How the built-in shows an integer twin (a filter's output depends on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TwinBase {
    /// Decimal.
    Dec,
    /// Hexadecimal.
    Hex,
}

/// One twin: the registry row (family, type number), the field path (`tsn`,
/// `gap_ack_blocks.start`, `flag:e_bit`, a list name for its items) and the
/// built-in's name without `sctp.`.
pub type Twin = (Family, u16, &'static str, &'static str, TwinBase);

use Family::{Cause as K, Chunk as C, Param as P};
use TwinBase::{Dec as D, Hex as H};

/// Every twin of a standard registry field (S-SCTP rows have none).
#[rustfmt::skip]
pub static TWINS: &[Twin] = &[
    // DATA
    (C, 0x00, "tsn", "data_tsn", D),
    (C, 0x00, "stream_identifier", "data_sid", H),
    (C, 0x00, "stream_sequence_number", "data_ssn", D),
    (C, 0x00, "payload_protocol_identifier", "data_payload_proto_id", D),
    (C, 0x00, "flag:e_bit", "data_e_bit", D),
    (C, 0x00, "flag:b_bit", "data_b_bit", D),
    (C, 0x00, "flag:u_bit", "data_u_bit", D),
    (C, 0x00, "flag:i_bit", "data_i_bit", D),
    // I-DATA: the PPID/FSN word is the PPID with B set, else the FSN.
    (C, 0x40, "tsn", "data_tsn", D),
    (C, 0x40, "stream_identifier", "data_sid", H),
    (C, 0x40, "reserved", "data_reserved", D),
    (C, 0x40, "message_identifier", "data_mid", D),
    (C, 0x40, "ppid_or_fsn", "data_payload_proto_id", D),
    (C, 0x40, "ppid_or_fsn#fsn", "data_fsn", D),
    (C, 0x40, "flag:e_bit", "data_e_bit", D),
    (C, 0x40, "flag:b_bit", "data_b_bit", D),
    (C, 0x40, "flag:u_bit", "data_u_bit", D),
    (C, 0x40, "flag:i_bit", "data_i_bit", D),
    // INIT, INIT-ACK
    (C, 0x01, "initiate_tag", "init_initiate_tag", H),
    (C, 0x01, "a_rwnd", "init_credit", D),
    (C, 0x01, "number_of_outbound_streams", "init_nr_out_streams", D),
    (C, 0x01, "number_of_inbound_streams", "init_nr_in_streams", D),
    (C, 0x01, "initial_tsn", "init_initial_tsn", D),
    (C, 0x02, "initiate_tag", "initack_initiate_tag", H),
    (C, 0x02, "a_rwnd", "initack_credit", D),
    (C, 0x02, "number_of_outbound_streams", "initack_nr_out_streams", D),
    (C, 0x02, "number_of_inbound_streams", "initack_nr_in_streams", D),
    (C, 0x02, "initial_tsn", "initack_initial_tsn", D),
    // SACK
    (C, 0x03, "cumulative_tsn_ack", "sack_cumulative_tsn_ack", D),
    (C, 0x03, "a_rwnd", "sack_a_rwnd", D),
    (C, 0x03, "number_of_gap_ack_blocks", "sack_number_of_gap_blocks", D),
    (C, 0x03, "number_of_duplicate_tsns", "sack_number_of_duplicated_tsns", D),
    (C, 0x03, "gap_ack_blocks.start", "sack_gap_block_start", D),
    (C, 0x03, "gap_ack_blocks.end", "sack_gap_block_end", D),
    (C, 0x03, "duplicate_tsns", "sack_duplicate_tsn", D),
    // NR-SACK
    (C, 0x10, "cumulative_tsn_ack", "nr_sack_cumulative_tsn_ack", D),
    (C, 0x10, "a_rwnd", "nr_sack_a_rwnd", D),
    (C, 0x10, "number_of_gap_ack_blocks", "nr_sack_number_of_gap_blocks", D),
    (C, 0x10, "number_of_nr_gap_ack_blocks", "nr_sack_number_of_nr_gap_blocks", D),
    (C, 0x10, "number_of_duplicate_tsns", "nr_sack_number_of_duplicated_tsns", D),
    (C, 0x10, "reserved", "nr_sack_reserved", H),
    (C, 0x10, "gap_ack_blocks.start", "nr_sack_gap_block_start", D),
    (C, 0x10, "gap_ack_blocks.end", "nr_sack_gap_block_end", D),
    (C, 0x10, "nr_gap_ack_blocks.start", "nr_sack_nr_gap_block_start", D),
    (C, 0x10, "nr_gap_ack_blocks.end", "nr_sack_nr_gap_block_end", D),
    (C, 0x10, "duplicate_tsns", "nr_sack_duplicate_tsn", D),
    // SHUTDOWN, ECNE, CWR, flags
    (C, 0x07, "cumulative_tsn_ack", "shutdown_cumulative_tsn_ack", D),
    (C, 0x0C, "lowest_tsn", "ecne_lowest_tsn", D),
    (C, 0x0D, "lowest_tsn", "cwr_lowest_tsn", D),
    (C, 0x0E, "flag:t_bit", "shutdown_complete_t_bit", D),
    (C, 0x06, "flag:t_bit", "abort_t_bit", D),
    // COOKIE-ECHO, AUTH, PAD
    (C, 0x0A, "cookie", "cookie", D),
    (C, 0x0F, "shared_key_identifier", "shared_key_id", D),
    (C, 0x0F, "hmac_identifier", "hmac_id", D),
    (C, 0x0F, "hmac", "hmac", D),
    (C, 0x84, "padding_data", "padding_data", D),
    // FORWARD-TSN, I-FORWARD-TSN
    (C, 0xC0, "new_cumulative_tsn", "forward_tsn_tsn", D),
    (C, 0xC0, "streams.stream_identifier", "forward_tsn_sid", D),
    (C, 0xC0, "streams.stream_sequence_number", "forward_tsn_ssn", D),
    (C, 0xC2, "new_cumulative_tsn", "i_forward_tsn_tsn", D),
    (C, 0xC2, "streams.stream_identifier", "i_forward_tsn_sid", D),
    (C, 0xC2, "streams.flags", "i_forward_tsn_flags", H),
    (C, 0xC2, "streams.message_identifier", "forward_tsn_mid", D),
    // ASCONF, ASCONF-ACK
    (C, 0xC1, "sequence_number", "asconf_seq_nr_number", H),
    (C, 0x80, "sequence_number", "asconf_ack_seq_nr_number", H),
    // PKTDROP
    (C, 0x81, "flag:m_bit", "pckdrop_m_bit", D),
    (C, 0x81, "flag:b_bit", "pckdrop_b_bit", D),
    (C, 0x81, "flag:t_bit", "pckdrop_t_bit", D),
    (C, 0x81, "bandwidth", "pktdrop_bandwidth", D),
    (C, 0x81, "queue_size", "pktdrop_queuesize", D),
    (C, 0x81, "truncated_length", "pktdrop_truncated_length", D),
    (C, 0x81, "reserved", "pktdrop_reserved", D),
    // Parameters
    (P, 0x0001, "heartbeat_information", "parameter_heartbeat_information", D),
    (P, 0x0005, "ipv4_address", "parameter_ipv4_address", D),
    (P, 0x0006, "ipv6_address", "parameter_ipv6_address", D),
    (P, 0x0007, "state_cookie", "parameter_state_cookie", D),
    (P, 0x0009, "suggested_cookie_life_span_increment", "parameter_cookie_preservative_incr", D),
    (P, 0x000C, "address_types", "parameter_supported_address_type", D),
    (P, 0x000D, "reconfiguration_request_sequence_number", "parameter_reconfig_request_sequence_number", D),
    (P, 0x000D, "reconfiguration_response_sequence_number", "parameter_reconfig_response_sequence_number", D),
    (P, 0x000D, "senders_last_assigned_tsn", "parameter_senders_last_assigned_tsn", D),
    (P, 0x000D, "stream_numbers", "parameter_reconfig_sid", D),
    (P, 0x000E, "reconfiguration_request_sequence_number", "parameter_reconfig_request_sequence_number", D),
    (P, 0x000E, "stream_numbers", "parameter_reconfig_sid", D),
    (P, 0x000F, "reconfiguration_request_sequence_number", "parameter_reconfig_request_sequence_number", D),
    (P, 0x0010, "reconfiguration_response_sequence_number", "parameter_reconfig_response_sequence_number", D),
    (P, 0x0010, "result", "parameter_reconfig_response_result", D),
    (P, 0x0010, "senders_next_tsn", "parameter_senders_next_tsn", D),
    (P, 0x0010, "receivers_next_tsn", "parameter_receivers_next_tsn", D),
    (P, 0x0011, "reconfiguration_request_sequence_number", "parameter_reconfig_request_sequence_number", D),
    (P, 0x0011, "number_of_new_streams", "parameter_add_outgoing_streams_number", D),
    (P, 0x0011, "reserved", "parameter_add_outgoing_streams_reserved", D),
    (P, 0x0012, "reconfiguration_request_sequence_number", "parameter_reconfig_request_sequence_number", D),
    (P, 0x0012, "number_of_new_streams", "parameter_add_incoming_streams_number", D),
    (P, 0x0012, "reserved", "parameter_add_incoming_streams_reserved", D),
    (P, 0x8002, "random_number", "random_number", D),
    (P, 0x8003, "chunk_types", "chunk_type_to_auth", D),
    (P, 0x8004, "hmac_identifiers", "hmac_id", D),
    (P, 0x8008, "chunk_types", "supported_chunk_type", D),
    (P, 0xC001, "asconf_request_correlation_id", "correlation_id", H),
    (P, 0xC002, "asconf_request_correlation_id", "correlation_id", H),
    (P, 0xC003, "asconf_request_correlation_id", "correlation_id", H),
    (P, 0xC004, "asconf_request_correlation_id", "correlation_id", H),
    (P, 0xC005, "asconf_request_correlation_id", "correlation_id", H),
    (P, 0xC006, "adaptation_code_point", "adaptation_layer_indication", H),
    // Causes
    (K, 0x0001, "stream_identifier", "cause_stream_identifier", D),
    (K, 0x0001, "reserved", "cause_reserved", D),
    (K, 0x0002, "number_of_missing_params", "cause_nr_of_missing_parameters", D),
    (K, 0x0002, "missing_param_types", "cause_missing_parameter_type", H),
    (K, 0x0003, "measure_of_staleness", "cause_measure_of_staleness", D),
    (K, 0x0009, "tsn", "cause_tsn", D),
    (K, 0x0105, "hmac_identifier", "hmac_id", D),
    (K, 0x000C, "upper_layer_abort_reason", "cause_information", D),
    (K, 0x000D, "additional_information", "cause_information", D),
    (K, 0x0066, "cause_information", "cause_information", D),
    (K, 0x0067, "cause_information", "cause_information", D),
    (K, 0x00B0, "cause_information", "cause_information", D),
    (K, 0x00B1, "cause_information", "cause_information", D),
    (K, 0x00B2, "cause_information", "cause_information", D),
];

/// Second, hidden names of a field: the built-in shows relative TSNs in
/// `data_tsn` / `sack_cumulative_tsn_ack` by default and the wire value in
/// the `_raw` fields; sctpkit shows the wire value in both.
#[rustfmt::skip]
pub static ALSO: &[Twin] = &[
    (C, 0x00, "tsn", "data_tsn_raw", D),
    (C, 0x40, "tsn", "data_tsn_raw", D),
    (C, 0x03, "cumulative_tsn_ack", "sack_cumulative_tsn_ack_raw", D),
    (C, 0x01, "initiate_tag", "initiate_tag", H),
    (C, 0x02, "initiate_tag", "initiate_tag", H),
];

/// The hidden second names of a standard field.
pub fn also(family: Family, value: u16, path: &str) -> impl Iterator<Item = &'static Twin> + '_ {
    ALSO.iter()
        .filter(move |t| t.0 == family && t.1 == value && t.2 == path)
}

/// The built-in's name and base for a standard field, if it has a twin.
pub fn twin(family: Family, value: u16, path: &str) -> Option<(&'static str, TwinBase)> {
    TWINS
        .iter()
        .find(|t| t.0 == family && t.1 == value && t.2 == path)
        .map(|t| (t.3, t.4))
}

/// Extra paths of a row that are not registry fields (alternative readings
/// of one wire field, such as I-DATA's PPID/FSN word).
pub fn extra_paths(family: Family, value: u16) -> impl Iterator<Item = &'static Twin> {
    TWINS
        .iter()
        .filter(move |t| t.0 == family && t.1 == value && t.2.contains('#'))
}

/// The built-in's names of the chunk types it knows (its `chunk_type_values`,
/// the same in Wireshark 4.0 to 4.6), as it writes them in the Info column.
#[rustfmt::skip]
static BUILTIN_CHUNK_NAMES: &[(u8, &str)] = &[
    (0, "DATA"), (1, "INIT"), (2, "INIT_ACK"), (3, "SACK"), (4, "HEARTBEAT"),
    (5, "HEARTBEAT_ACK"), (6, "ABORT"), (7, "SHUTDOWN"), (8, "SHUTDOWN_ACK"), (9, "ERROR"),
    (10, "COOKIE_ECHO"), (11, "COOKIE_ACK"), (12, "ECNE"), (13, "CWR"),
    (14, "SHUTDOWN_COMPLETE"), (15, "AUTH"), (16, "NR_SACK"), (64, "I_DATA"),
    (128, "ASCONF_ACK"), (129, "PKTDROP"), (130, "RE_CONFIG"), (132, "PAD"),
    (192, "FORWARD_TSN"), (193, "ASCONF"), (194, "I_FORWARD_TSN"), (255, "IETF_EXTENSION"),
];

/// The name of a chunk type in the Info column: the built-in's for the
/// standard numbering ("RESERVED" for a type it does not know, as it
/// writes), `ssctp_name` for a chunk read in the S-SCTP numbering.
pub fn info_chunk_name(ty: u8, ssctp_name: Option<&'static str>) -> &'static str {
    if let Some(n) = ssctp_name {
        return n;
    }
    BUILTIN_CHUNK_NAMES
        .iter()
        .find(|(t, _)| *t == ty)
        .map_or("RESERVED", |(_, n)| n)
}
