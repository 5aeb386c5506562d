//! The follower against packets built independently with scapy 2.5
//! (`SCTP()/SCTPChunkInitAck(...)` and friends; the Python is next to each
//! constant), and our builders against scapy's bytes for the same packets.

use sctp_codec::{DecodeOptions, Packet};

use super::*;

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s).expect("hex")
}

/// Our side: ports 5001 -> 5000, our tag 0x11223344, first TSN 500.
fn ours() -> Assoc {
    let mut a = Assoc::new(5001, 5000);
    a.local_tag = 0x1122_3344;
    a.next_tsn = 500;
    a
}

fn feed(a: &mut Assoc, h: &str) {
    let b = hex(h);
    let p = Packet::decode(&b, &DecodeOptions::default()).expect("decode");
    a.on_received(&p);
}

/// SCTP(sport=5000,dport=5001,tag=0x11223344)/SCTPChunkInitAck(init_tag=0xaabbccdd,
/// a_rwnd=131072,n_out_streams=10,n_in_streams=2048,init_tsn=1000,
/// params=[SCTPChunkParamStateCookie(cookie=b"COOKIE-0123456789")])
const INIT_ACK: &str = "13881389112233446c5284650200002caabbccdd00020000000a0800000003e800070015434f4f4b49452d30313233343536373839000000";
/// ...tag=0x11223344)/SCTPChunkCookieAck()
const COOKIE_ACK: &str = "138813891122334412f57b750b000004";
/// ...tag=0x11223344)/SCTPChunkData(tsn=1000,stream_seq=0,data=b"hi",beginning=1,ending=1)
const DATA_1000: &str = "13881389112233448bd2de1200030012000003e8000000000000000068690000";
/// ...tag=0x11223344)/SCTPChunkData(tsn=1002,stream_seq=2,data=b"yo",beginning=1,ending=1)
const DATA_1002: &str = "1388138911223344b2957b7b00030012000003ea0000000200000000796f0000";
/// ...tag=0x11223344)/SCTPChunkSACK(cumul_tsn_ack=77,a_rwnd=4000)
const SACK_77: &str = "1388138911223344a5fbe7ae030000100000004d00000fa000000000";
/// ...tag=0xaabbccdd)/SCTPChunkAbort(TCB=1): T bit, the peer's own tag reflected.
const ABORT_T: &str = "13881389aabbccdd9cb1f24806010004";
/// ...tag=0x99999999)/SCTPChunkAbort(): a tag that is nobody's.
const ABORT_BAD_TAG: &str = "13881389999999993442f95206000004";
/// ...tag=0x11223344)/SCTPChunkShutdown(cumul_tsn_ack=77)
const SHUTDOWN_77: &str = "13881389112233445503cb12070000080000004d";
/// SCTP(sport=5000,dport=5001,tag=0)/SCTPChunkInit(init_tag=0x01020304,a_rwnd=5000,
/// n_out_streams=3,n_in_streams=4,init_tsn=0xfffffffe)
const INIT_FROM_PEER: &str = "138813890000000013306f4f01000014010203040000138800030004fffffffe";

/// A follower that went through INIT / INIT ACK / COOKIE ECHO / COOKIE ACK.
fn established() -> Assoc {
    let mut a = ours();
    a.on_sent(&a.init_packet());
    assert_eq!(a.state(), AssocState::CookieWait);
    feed(&mut a, INIT_ACK);
    a.on_sent(&a.cookie_echo_packet());
    assert_eq!(a.state(), AssocState::CookieEchoed);
    feed(&mut a, COOKIE_ACK);
    a
}

#[test]
fn handshake_learns_tag_tsn_cookie_and_streams() {
    let mut a = ours();
    a.on_sent(&a.init_packet());
    feed(&mut a, INIT_ACK);
    assert_eq!(a.peer_tag, 0xaabb_ccdd);
    assert_eq!(a.peer_cum_tsn, Some(999));
    assert_eq!(a.cookie.as_deref(), Some(&b"COOKIE-0123456789"[..]));
    assert_eq!(a.peer_streams, Some((10, 2048)));
    assert_eq!(a.peer_a_rwnd, Some(131_072));
    assert_eq!(
        a.chunk_default(ty::COOKIE_ECHO, "cookie"),
        Some(FieldDefault::Bytes(b"COOKIE-0123456789".to_vec()))
    );
    a.on_sent(&a.cookie_echo_packet());
    feed(&mut a, COOKIE_ACK);
    assert_eq!(a.state(), AssocState::Established);
}

#[test]
fn data_from_peer_moves_cum_and_gaps() {
    let mut a = established();
    feed(&mut a, DATA_1000);
    assert_eq!(a.peer_cum_tsn, Some(1000));
    feed(&mut a, DATA_1002);
    assert_eq!(a.peer_cum_tsn, Some(1000));
    // Our SACK must equal scapy's SCTPChunkSACK(cumul_tsn_ack=1000,a_rwnd=65536,
    // n_gap_ack=1,gap_ack_list=["2:2"]) in tag 0xaabbccdd, CRC32c included.
    assert_eq!(
        a.sack_packet().encode(),
        hex("13891388aabbccdd616c854003000014000003e8000100000001000000020002")
    );
    assert_eq!(
        a.chunk_default(ty::SACK, "cumulative_tsn_ack"),
        Some(FieldDefault::Int(1000))
    );
    // A duplicate is reported once, then forgotten after our SACK goes out.
    feed(&mut a, DATA_1000);
    assert_eq!(a.peer_tsns().duplicates, vec![1000]);
    a.on_sent(&a.sack_packet());
    assert!(a.peer_tsns().duplicates.is_empty());
}

#[test]
fn sack_and_shutdown_from_peer() {
    let mut a = established();
    feed(&mut a, SACK_77);
    assert_eq!(a.acked_by_peer, Some(77));
    assert_eq!(a.peer_a_rwnd, Some(4000));
    feed(&mut a, SHUTDOWN_77);
    assert_eq!(a.state(), AssocState::ShuttingDown);
}

#[test]
fn abort_with_t_bit_closes_and_bad_tag_is_ignored() {
    let mut a = established();
    feed(&mut a, ABORT_BAD_TAG);
    assert_eq!(
        a.state(),
        AssocState::Established,
        "RFC 9260 8.5: silently discarded"
    );
    feed(&mut a, ABORT_T);
    assert_eq!(a.state(), AssocState::Closed);
}

#[test]
fn init_from_peer_starts_the_peer_side() {
    let mut a = ours();
    feed(&mut a, INIT_FROM_PEER);
    assert_eq!(a.peer_tag, 0x0102_0304);
    assert_eq!(a.peer_cum_tsn, Some(0xffff_fffd));
    assert_eq!(
        a.chunk_default(ty::INIT_ACK, "number_of_inbound_streams"),
        Some(FieldDefault::Int(3))
    );
}

#[test]
fn builders_match_scapy_bytes() {
    let mut a = ours();
    // SCTP(sport=5001,dport=5000,tag=0)/SCTPChunkInit(init_tag=0x11223344,
    // a_rwnd=65536,n_out_streams=10,n_in_streams=10,init_tsn=500)
    assert_eq!(
        a.init_packet().encode(),
        hex("1389138800000000e0c15fa8010000141122334400010000000a000a000001f4")
    );
    // Before the peer's tag is known an ABORT reflects ours with T
    // (RFC 9260 8.5.1 B): SCTPChunkAbort(TCB=1) in tag 0x11223344.
    assert_eq!(
        a.abort_packet().encode(),
        hex("1389138811223344a55a45d706010004")
    );
    a.on_sent(&a.init_packet());
    feed(&mut a, INIT_ACK);
    // SCTPChunkCookieEcho(cookie=b"COOKIE-0123456789") in tag 0xaabbccdd.
    assert_eq!(
        a.cookie_echo_packet().encode(),
        hex("13891388aabbccdd3ca6525d0a000015434f4f4b49452d30313233343536373839000000")
    );
    // SCTPChunkData(tsn=500,stream_id=1,stream_seq=0,proto_id=46,data=b"hello",B,E)
    assert_eq!(
        a.data_packet(b"hello", 1, 46).encode(),
        hex("13891388aabbccdd668edae000030015000001f4000100000000002e68656c6c6f000000")
    );
    // SCTPChunkAbort() in tag 0xaabbccdd.
    assert_eq!(
        a.abort_packet().encode(),
        hex("13891388aabbccdd86e6efba06000004")
    );
    feed(&mut a, DATA_1000);
    // SCTPChunkShutdown(cumul_tsn_ack=1000) in tag 0xaabbccdd.
    assert_eq!(
        a.shutdown_packet().encode(),
        hex("13891388aabbccddaa75f4d607000008000003e8")
    );
}

#[test]
fn sent_data_advances_tsn_and_ssn_per_stream() {
    let mut a = established();
    let d = a.data_packet(b"a", 1, 0);
    a.on_sent(&d);
    a.on_sent(&a.data_packet(b"b", 1, 0));
    a.on_sent(&a.data_packet(b"c", 2, 0));
    assert_eq!(a.next_tsn, 503);
    assert_eq!(a.next_ssn(1), 2);
    assert_eq!(a.next_ssn(2), 1);
    assert_eq!(a.next_ssn(0), 0);
    assert_eq!(
        a.chunk_default(ty::DATA, "tsn"),
        Some(FieldDefault::Int(503))
    );
    assert_eq!(
        a.chunk_default(ty::FORWARD_TSN, "new_cumulative_tsn"),
        Some(FieldDefault::Int(502))
    );
    // I-DATA: MID per stream, B/E message.
    a.on_sent(&a.idata_packet(b"i", 1, 0));
    assert_eq!(a.next_mid(1, false), 1);
    assert_eq!(
        a.chunk_default(ty::I_DATA, "message_identifier"),
        Some(FieldDefault::Int(0))
    );
}

#[test]
fn header_defaults_follow_rfc9260_8_5_1() {
    let mut a = ours();
    assert_eq!(a.header_default("source_port", &[ty::DATA]), Some(5001));
    assert_eq!(
        a.header_default("destination_port", &[ty::DATA]),
        Some(5000)
    );
    assert_eq!(a.header_default("verification_tag", &[ty::INIT]), Some(0));
    // Peer tag unknown: ABORT / SHUTDOWN COMPLETE reflect ours (T bit).
    assert_eq!(
        a.header_default("verification_tag", &[ty::ABORT]),
        Some(0x1122_3344)
    );
    assert_eq!(
        a.chunk_default(ty::ABORT, "t_bit"),
        Some(FieldDefault::Int(1))
    );
    a.on_sent(&a.init_packet());
    feed(&mut a, INIT_ACK);
    for t in [ty::ABORT, ty::SHUTDOWN_COMPLETE, ty::DATA, ty::COOKIE_ECHO] {
        assert_eq!(
            a.header_default("verification_tag", &[t]),
            Some(0xaabb_ccdd)
        );
    }
    assert_eq!(a.header_default("checksum", &[ty::DATA]), None);
    // A T bit set by hand wins.
    let mut p = a.abort_packet();
    p.chunks[0].flags = 1;
    assert_eq!(a.verification_tag(&p.chunks), 0x1122_3344);
}

#[test]
fn chunk_defaults_of_init() {
    let a = ours();
    let d = |f| a.chunk_default(ty::INIT, f);
    assert_eq!(d("initiate_tag"), Some(FieldDefault::Int(0x1122_3344)));
    assert_eq!(d("initial_tsn"), Some(FieldDefault::Int(500)));
    assert_eq!(d("a_rwnd"), Some(FieldDefault::Int(LOCAL_A_RWND as u64)));
    assert_eq!(d("number_of_outbound_streams"), Some(FieldDefault::Int(10)));
    assert_eq!(d("params"), None);
}

#[test]
fn fresh_associations_get_random_nonzero_tags() {
    let a = Assoc::new(1, 2);
    let b = Assoc::new(1, 2);
    assert_ne!(a.local_tag, 0);
    assert_ne!((a.local_tag, a.next_tsn), (b.local_tag, b.next_tsn));
}
