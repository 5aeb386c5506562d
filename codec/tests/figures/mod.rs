//! The draft's S-SCTP figures, shared by the codec's tests (`ssctp_figures.rs`, which
//! decodes them) and craft's (`ssctp_draft_figures.rs`, which builds them with the
//! REPL): every S-SCTP chunk, parameter and cause written out byte by byte BY HAND from
//! the layouts of `../shared/spec/secure-sctp.md` (draft-hohendorf-secure-sctp-15; the
//! section of the spec file is given with each figure), never produced by the codec.
//! Each `pub fn` named after a figure decodes it with the S-SCTP rules and checks that
//! every field has the value the figure was written with and that the packet
//! re-encodes to the same bytes. The values are chosen so that no two fields of a
//! chunk are equal (swapping two fields in the codec fails a test). Also here: a
//! CRC32c written from its definition (RFC 9260 Appendix A, reflected polynomial
//! 0x82F63B78), independent of the codec's, to make whole packets.

#![allow(dead_code)]

use sctp_codec::cause::CauseBody;
use sctp_codec::chunk::{Chunk, ChunkBody};
use sctp_codec::dialect::KeyExchange;
use sctp_codec::param::ParamBody;
use sctp_codec::tlv::Nested;
use sctp_codec::{DecodeOptions, Packet, Rules};

/// Common header of every figure's packet: ports 5000 -> 5001, vtag 0x0c0c0c0c,
/// checksum 0 (not checked by the decode).
pub const HEADER: &str = "1388 1389 0c0c0c0c 00000000";

pub fn unhex(s: &str) -> Vec<u8> {
    let s: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(s.len().is_multiple_of(2), "odd number of hex digits");
    let digit = |c: u8| (c as char).to_digit(16).expect("hex digit") as u8;
    s.chunks(2)
        .map(|d| digit(d[0]) << 4 | digit(d[1]))
        .collect()
}

/// CRC32c (Castagnoli, reflected polynomial 0x82F63B78) of `b`, bit by bit from its
/// definition: independent of the codec's table-driven one.
pub fn crc32c(b: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &x in b {
        crc ^= x as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A whole SCTP packet from hex: the common header of ports `sport` -> `dport` and
/// tag `vtag`, then `chunks_hex`; the checksum field holds the CRC32c of the packet
/// with the field zero, least significant byte first (RFC 9260 Appendix A).
pub fn packet(sport: u16, dport: u16, vtag: u32, chunks_hex: &str) -> Vec<u8> {
    let mut b = unhex(&format!(
        "{sport:04x} {dport:04x} {vtag:08x} 00000000 {chunks_hex}"
    ));
    let c = crc32c(&b);
    b[8..12].copy_from_slice(&c.to_le_bytes());
    b
}

/// Decodes `chunk_hex` (one chunk, hand-written) in a packet with S-SCTP rules and the
/// given key exchange; the chunk must come back whole and well formed.
pub fn decode(chunk_hex: &str, kx: Option<KeyExchange>) -> Chunk<'static> {
    let bytes = unhex(&format!("{HEADER} {chunk_hex}"));
    let rules = Rules {
        key_exchange: kx,
        ..Rules::SSCTP
    };
    let leaked: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    let p = Packet::decode(
        leaked,
        &DecodeOptions {
            rules,
            strict: true,
        },
    )
    .unwrap_or_else(|e| panic!("{chunk_hex}: {e}"));
    assert_eq!(p.chunks.len(), 1, "{chunk_hex}: {p:?}");
    assert!(p.trailing.is_empty(), "{chunk_hex}: trailing bytes");
    assert_eq!(p.encode(), leaked, "{chunk_hex}: re-encoding");
    p.chunks.into_iter().next().unwrap()
}

pub fn parsed<'n, T: std::fmt::Debug>(n: &'n Nested<'_, T>) -> &'n [T] {
    match n {
        Nested::Parsed(v) => v,
        Nested::Raw(b) => panic!("not parsed: {b:02x?}"),
    }
}

// --- Chunks ------------------------------------------------------------------------

/// spec 3.1 SSOpReq (0xD0): Type, Reserved|C, Length; Version (high octet major, low
/// minor: 1.0 = 0x0100); Key material length (bits); then the Cipher suite parameter
/// (3.14: Type 30, Length 4 + 2N, N suites, 2 zero bytes when N is odd) and the
/// Compression method parameter (3.15: the same shape).
pub const SSOPREQ: &str = "d0 01 001c  0100 0400 \
                       001e 000a 000c 0006 0002 0000 \
                       001f 0008 0000 0001";

pub fn ssopreq_figure() {
    let c = decode(SSOPREQ, None);
    assert_eq!((c.ty, c.flags, c.wire_length()), (0xD0, 0x01, 28));
    assert_eq!(c.flag("cf"), Some(1));
    let ChunkBody::SsOpReq(r) = &c.body else {
        panic!("{c:?}")
    };
    assert_eq!(r.version, 0x0100, "Version at offset 4");
    assert_eq!(
        r.key_material_length, 1024,
        "Key material length at offset 6"
    );
    assert_eq!(r.params.len(), 2);
    assert_eq!((r.params[0].ty, r.params[0].wire_length()), (30, 10));
    let ParamBody::CipherSuite(cs) = &r.params[0].body else {
        panic!("{:?}", r.params[0])
    };
    assert_eq!(cs.cipher_suites, [12, 6, 2]);
    let ParamBody::CompressionMethod(cm) = &r.params[1].body else {
        panic!("{:?}", r.params[1])
    };
    assert_eq!((r.params[1].ty, r.params[1].wire_length()), (0x1F, 8));
    assert_eq!(cm.compression_methods, [0, 1]);
    // The cipher-suite type printed as "Type=30" may be 0x30 (spec 1, note 3); the
    // compression parameter's type was lost: any other TLV of SSOpReq is it.
    let c = decode(
        "d0 00 0016 0100 0200 0030 0006 0005 0000 0077 0006 0003 0000",
        None,
    );
    let ChunkBody::SsOpReq(r) = &c.body else {
        panic!("{c:?}")
    };
    assert_eq!((r.version, r.key_material_length), (0x0100, 512));
    assert!(matches!(&r.params[0].body, ParamBody::CipherSuite(cs) if cs.cipher_suites == [5]));
    assert_eq!(r.params[1].ty, 0x77, "the raw type is kept");
    assert!(
        matches!(&r.params[1].body, ParamBody::CompressionMethod(cm) if cm.compression_methods == [3])
    );
}

/// spec 3.2 SSCert (0xD1): an inline DER certificate, zero padding to 4, then
/// Certificate parameters (3.16: Type, Length, DER certificate, padding).
pub const SSCERT: &str = "d1 00 0015  3003020101 000000  0020 0009 3003020102 000000";

pub fn sscert_figure() {
    let c = decode(SSCERT, None);
    assert_eq!((c.ty, c.flags, c.wire_length()), (0xD1, 0, 21));
    let ChunkBody::SsCert(s) = &c.body else {
        panic!("{c:?}")
    };
    assert_eq!(&s.certificate[..], unhex("3003020101"));
    assert_eq!(&s.certificate_padding[..], [0, 0, 0]);
    let ps = parsed(&s.certificate_parameters);
    assert_eq!(ps.len(), 1);
    assert_eq!((ps[0].ty, ps[0].wire_length()), (0x20, 9));
    let ParamBody::Certificate(cert) = &ps[0].body else {
        panic!("{:?}", ps[0])
    };
    assert_eq!(&cert.certificate[..], unhex("3003020102"));
}

/// spec 3.3 SSOpReq_Ack (0xD2): Reserved|C, Length 12; Version, Cipher suite;
/// Compression method, Reserved. (The spec's own example is
/// `D2 01 00 0C 01 00 00 0C 00 00 00 00`; here compression 1 tells it from Reserved.)
pub const SSOPREQ_ACK: &str = "d2 01 000c 0100 000c 0001 0000";

pub fn ssopreq_ack_figure() {
    let c = decode(SSOPREQ_ACK, None);
    assert_eq!((c.ty, c.flags, c.wire_length()), (0xD2, 1, 12));
    assert_eq!(c.flag("cf"), Some(1));
    let ChunkBody::SsOpReqAck(a) = &c.body else {
        panic!("{c:?}")
    };
    assert_eq!(a.version, 0x0100);
    assert_eq!(a.cipher_suite, 12);
    assert_eq!(a.compression_method, Some(1));
    assert_eq!(a.reserved, Some(0));
    // The spec's own example, and the 8-byte form of the text (I1): compression absent.
    let c = decode("D2 01 00 0C 01 00 00 0C 00 00 00 00", None);
    assert!(matches!(&c.body, ChunkBody::SsOpReqAck(a)
        if (a.version, a.cipher_suite, a.compression_method) == (0x0100, 12, Some(0))));
    let c = decode("d2 00 0008 0101 0006", None);
    let ChunkBody::SsOpReqAck(a) = &c.body else {
        panic!("{c:?}")
    };
    assert_eq!((a.version, a.cipher_suite), (0x0101, 6));
    assert_eq!((a.compression_method, a.reserved), (None, None));
}

/// spec 3.4 SSSerKey (0xD3) with the server DH parameter of 3.17: LP, LG, LY,
/// Reserved, then P, G, Y and the signature back to back.
pub const SSSERKEY_DH: &str = "d3 00 0018  0021 0014 0002 0001 0002 0000  0017 05 000a 010203";
/// SSSerKey with the server RSA parameter (3.19: content lost, kept whole).
pub const SSSERKEY_RSA: &str = "d3 00 0010  0022 000c 0102030405060708";

pub fn ssserkey_figures() {
    let c = decode(SSSERKEY_DH, Some(KeyExchange::Dh));
    assert_eq!((c.ty, c.flags, c.wire_length()), (0xD3, 0, 24));
    let ChunkBody::SsSerKey(k) = &c.body else {
        panic!("{c:?}")
    };
    assert_eq!(k.params.len(), 1);
    assert_eq!((k.params[0].ty, k.params[0].wire_length()), (0x21, 20));
    let ParamBody::DhServer(d) = &k.params[0].body else {
        panic!("{:?}", k.params[0])
    };
    assert_eq!(&d.dh_prime_number[..], [0x00, 0x17], "P: LP = 2 bytes");
    assert_eq!(&d.dh_primitive_root[..], [0x05], "G: LG = 1 byte");
    assert_eq!(&d.dh_public_value[..], [0x00, 0x0a], "Y: LY = 2 bytes");
    assert_eq!(&d.signature[..], [1, 2, 3], "the rest");
    assert_eq!(d.reserved, 0);
    let c = decode(SSSERKEY_RSA, Some(KeyExchange::Rsa));
    let ChunkBody::SsSerKey(k) = &c.body else {
        panic!("{c:?}")
    };
    let ParamBody::RsaServer(r) = &k.params[0].body else {
        panic!("{:?}", k.params[0])
    };
    assert_eq!(
        &r.random_number_and_signature[..],
        unhex("0102030405060708")
    );
    // No suite known: the server DH shape is recognised by its three lengths fitting
    // (spec 11); LP = 0x00ff does not fit in 13 bytes, so this one is RSA.
    let c = decode(
        "d3 00 0015 0031 0011 00ff 0001 0001 0000 0102030405 000000",
        None,
    );
    assert!(
        matches!(&c.body, ChunkBody::SsSerKey(k) if matches!(&k.params[0].body, ParamBody::RsaServer(_))),
        "{c:?}"
    );
    let c = decode(SSSERKEY_DH, None);
    assert!(
        matches!(&c.body, ChunkBody::SsSerKey(k) if matches!(&k.params[0].body, ParamBody::DhServer(_))),
        "{c:?}"
    );
    // Typed by the suite, not by the (lost) type number.
    let c = decode(
        "d3 00 0018  0031 0014 0002 0001 0002 0000  0017 05 000a 010203",
        Some(KeyExchange::Dh),
    );
    assert!(
        matches!(&c.body, ChunkBody::SsSerKey(k) if matches!(&k.params[0].body, ParamBody::DhServer(_)))
    );
}

/// spec 3.5 SSCliKey (0xD4): Reserved|SL, Length; one parameter, DH (3.18: Y and the
/// signature) or RSA (3.20: encrypted random number and signature).
pub const SSCLIKEY_DH: &str = "d4 02 000c 0023 0008 0b0c0d0e";
pub const SSCLIKEY_RSA: &str = "d4 01 000c 0024 0008 08070605";

pub fn ssclikey_figures() {
    let c = decode(SSCLIKEY_DH, Some(KeyExchange::Dh));
    assert_eq!((c.ty, c.flags, c.wire_length()), (0xD4, 2, 12));
    assert_eq!(c.flag("sl"), Some(2));
    let ChunkBody::SsCliKey(k) = &c.body else {
        panic!("{c:?}")
    };
    let ParamBody::DhClient(d) = &k.params[0].body else {
        panic!("{:?}", k.params[0])
    };
    assert_eq!(&d.dh_value_and_signature[..], unhex("0b0c0d0e"));
    let c = decode(SSCLIKEY_RSA, Some(KeyExchange::Rsa));
    assert_eq!(c.flag("sl"), Some(1));
    let ChunkBody::SsCliKey(k) = &c.body else {
        panic!("{c:?}")
    };
    let ParamBody::RsaClient(r) = &k.params[0].body else {
        panic!("{:?}", k.params[0])
    };
    assert_eq!(
        &r.encrypted_random_number_and_signature[..],
        unhex("08070605")
    );
}

/// spec 3.6 SSOpCom (0xD5): the verification data (an HMAC, 20 bytes for SHA-1).
pub const SSOPCOM: &str = "d5 00 0018 000102030405060708090a0b0c0d0e0f10111213";

pub fn ssopcom_figure() {
    let c = decode(SSOPCOM, None);
    assert_eq!((c.ty, c.flags, c.wire_length()), (0xD5, 0, 24));
    let ChunkBody::SsOpCom(o) = &c.body else {
        panic!("{c:?}")
    };
    assert_eq!(
        &o.verification_data[..],
        unhex("000102030405060708090a0b0c0d0e0f10111213")
    );
}

/// spec 3.7 SSClose (0xD6): Reserved|O, Length = 8; TSN (32 bits, the figure).
pub const SSCLOSE: &str = "d6 01 0008 01020304";

pub fn ssclose_figure() {
    let c = decode(SSCLOSE, None);
    assert_eq!((c.ty, c.flags, c.wire_length()), (0xD6, 1, 8));
    assert_eq!(c.flag("of"), Some(1));
    let ChunkBody::SsClose(s) = &c.body else {
        panic!("{c:?}")
    };
    assert_eq!(s.tsn, Some(0x0102_0304));
}

/// spec 3.8 to 3.10: SSClose_Ack `D7 00 00 04`, SecLevCHD with SL 3 `D8 03 00 04` (the
/// spec's example), SecLevCHD_Ack `D9 00 00 04`.
pub fn header_only_figures() {
    let c = decode("D7 00 00 04", None);
    assert!(matches!(c.body, ChunkBody::SsCloseAck(_)), "{c:?}");
    let c = decode("D8 03 00 04", None);
    assert!(matches!(c.body, ChunkBody::SecLevChd(_)), "{c:?}");
    assert_eq!(c.flag("sl"), Some(3));
    let c = decode("D8 01 00 04", None);
    assert_eq!(c.flag("sl"), Some(1));
    let c = decode("D9 00 00 04", None);
    assert!(matches!(c.body, ChunkBody::SecLevChdAck(_)), "{c:?}");
}

/// spec 3.11 EncData (0x10): Master secret key reference, Random number length R;
/// Random number (R bytes, the CBC IV); Encrypted data (Length - 8 - R).
pub const ENCDATA: &str = "10 00 0028 0007 0010 \
                       a0a1a2a3a4a5a6a7a8a9aaabacadaeaf \
                       b0b1b2b3b4b5b6b7b8b9babbbcbdbebf";

pub fn encdata_figure() {
    let c = decode(ENCDATA, None);
    assert_eq!((c.ty, c.flags, c.wire_length()), (0x10, 0, 40));
    let ChunkBody::EncData(e) = &c.body else {
        panic!("{c:?}")
    };
    assert_eq!(e.master_secret_key_reference, 7);
    assert_eq!(
        &e.random_number[..],
        unhex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf")
    );
    assert_eq!(
        &e.encrypted_data[..],
        unhex("b0b1b2b3b4b5b6b7b8b9babbbcbdbebf")
    );
    // An 8-byte IV (DES): R = 8.
    let c = decode(
        "10 00 0020 0001 0008 0001020304050607 1011121314151617 18191a1b1c1d1e1f",
        None,
    );
    let ChunkBody::EncData(e) = &c.body else {
        panic!("{c:?}")
    };
    assert_eq!(
        (e.master_secret_key_reference, e.random_number.len()),
        (1, 8)
    );
    assert_eq!(e.encrypted_data.len(), 16);
}

/// spec 3.12 PADDING (0x12, PROVISIONAL): the header and zero bytes.
pub const PADDING: &str = "12 00 000c 0000000000000000";

pub fn padding_figure() {
    let c = decode(PADDING, None);
    assert_eq!((c.ty, c.flags, c.wire_length()), (0x12, 0, 12));
    let ChunkBody::SsPadding(p) = &c.body else {
        panic!("{c:?}")
    };
    assert_eq!(&p.padding_data[..], [0; 8]);
}

/// spec 3.13 AUTH (0x11): Master secret key reference, Reserved = 0; HMAC (Length - 8).
pub const AUTH: &str = "11 00 001c 0009 0000 c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3";

pub fn auth_figure() {
    let c = decode(AUTH, None);
    assert_eq!((c.ty, c.flags, c.wire_length()), (0x11, 0, 28));
    let ChunkBody::SsAuth(a) = &c.body else {
        panic!("{c:?}")
    };
    assert_eq!(a.master_secret_key_reference, 9);
    assert_eq!(a.reserved, 0);
    assert_eq!(
        &a.hmac[..],
        unhex("c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3")
    );
}

// --- Causes --------------------------------------------------------------------------

/// spec 6: the five S-SCTP causes in one ERROR chunk (0x09). 0x0020: Cause Length 6,
/// error code (2 = SSOpCom failure) at offset 4, 2 padding bytes; 0x0021: body lost,
/// kept raw (4 bytes of information here); 0x0022, 0x0023, 0x0024: Cause Length 4.
pub const ERROR_CAUSES: &str = "09 00 0020 \
                            0020 0006 0002 0000 \
                            0021 0008 deadbeef \
                            0022 0004 \
                            0023 0004 \
                            0024 0004";

pub fn cause_figures() {
    let c = decode(ERROR_CAUSES, None);
    assert_eq!((c.ty, c.wire_length()), (0x09, 32));
    let ChunkBody::Error(e) = &c.body else {
        panic!("{c:?}")
    };
    let codes: Vec<(u16, u16)> = e.causes.iter().map(|x| (x.code, x.wire_length())).collect();
    assert_eq!(
        codes,
        [(0x20, 6), (0x21, 8), (0x22, 4), (0x23, 4), (0x24, 4)]
    );
    let CauseBody::SecureSessionFailure(f) = &e.causes[0].body else {
        panic!("{:?}", e.causes[0])
    };
    assert_eq!(f.error_code, Some(2));
    assert!(f.additional_information.is_empty());
    let CauseBody::SecureSessionCertificateFailure(o) = &e.causes[1].body else {
        panic!("{:?}", e.causes[1])
    };
    assert_eq!(&o.cause_information[..], unhex("deadbeef"));
    assert!(matches!(
        e.causes[2].body,
        CauseBody::SecureSessionDecryptionFailure(_)
    ));
    assert!(matches!(
        e.causes[3].body,
        CauseBody::SecureSessionAuthenticationFailure(_)
    ));
    assert!(matches!(
        e.causes[4].body,
        CauseBody::SecureSessionDecompressionFailure(_)
    ));
    // Error codes 0 and 1 (timer expired, signature failure).
    for code in [0u16, 1] {
        let c = decode(&format!("09 00 000c 0020 0006 {code:04x} 0000"), None);
        let ChunkBody::Error(e) = &c.body else {
            panic!("{c:?}")
        };
        assert!(
            matches!(&e.causes[0].body, CauseBody::SecureSessionFailure(f) if f.error_code == Some(code))
        );
    }
}
