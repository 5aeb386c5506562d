//! S-SCTP values checked against the draft at the codec level: every figure of
//! `figures/mod.rs` (hand-written from `../shared/spec/secure-sctp.md`, never produced
//! by the codec) decodes with the S-SCTP rules to the values it was written with and
//! re-encodes to the same bytes. The same figures are built with the REPL in
//! `craft/tests/ssctp_draft_figures.rs`; this copy runs with the codec's own tests
//! (and in `scripts/mutants.sh`).

mod figures;

use figures::{decode, parsed, unhex, AUTH, ENCDATA, HEADER, SSCERT, SSSERKEY_DH};
use sctp_codec::chunk::ChunkBody;
use sctp_codec::dialect::KeyExchange;
use sctp_codec::param::ParamBody;
use sctp_codec::{DecodeOptions, Packet, Rules};

#[test]
fn ssopreq_figure() {
    figures::ssopreq_figure();
}

#[test]
fn sscert_figure() {
    figures::sscert_figure();
}

#[test]
fn ssopreq_ack_figure() {
    figures::ssopreq_ack_figure();
}

#[test]
fn ssserkey_figures() {
    figures::ssserkey_figures();
}

#[test]
fn ssclikey_figures() {
    figures::ssclikey_figures();
}

#[test]
fn ssopcom_figure() {
    figures::ssopcom_figure();
}

#[test]
fn ssclose_figure() {
    figures::ssclose_figure();
}

#[test]
fn header_only_figures() {
    figures::header_only_figures();
}

#[test]
fn encdata_figure() {
    figures::encdata_figure();
}

#[test]
fn padding_figure() {
    figures::padding_figure();
}

#[test]
fn auth_figure() {
    figures::auth_figure();
}

#[test]
fn cause_figures() {
    figures::cause_figures();
}

// --- Where each field sits, the inline certificate's DER length, the AUTH input -----

/// Every leaf field's (name, offset in the packet, length).
#[derive(Default)]
struct Spans(Vec<(&'static str, usize, usize)>);

impl sctp_codec::visit::Visitor for Spans {
    fn field(
        &mut self,
        name: &'static str,
        span: sctp_codec::visit::Span,
        _: sctp_codec::visit::Value<'_>,
    ) {
        self.0.push((name, span.at, span.len));
    }
    fn open(&mut self, _: &'static str, _: sctp_codec::visit::Span, _: sctp_codec::visit::Node) {}
    fn close(&mut self) {}
}

/// The spans of the named fields, in the figure's packet (12-byte common header first).
fn spans(chunk_hex: &str, kx: Option<KeyExchange>, names: &[&str]) -> Vec<(usize, usize)> {
    let bytes: &'static [u8] =
        Box::leak(unhex(&format!("{HEADER} {chunk_hex}")).into_boxed_slice());
    let p = Packet::decode(
        bytes,
        &DecodeOptions {
            rules: Rules {
                key_exchange: kx,
                ..Rules::SSCTP
            },
            strict: true,
        },
    )
    .unwrap();
    let mut v = Spans::default();
    p.describe(&mut v);
    names
        .iter()
        .map(|n| {
            v.0.iter()
                .find(|(f, _, _)| f == n)
                .map(|(_, a, l)| (*a, *l))
                .unwrap_or_else(|| panic!("no field {n}: {:?}", v.0))
        })
        .collect()
}

/// The offsets of the figures (spec 3.11, 3.2, 3.17), the chunk starting at 12.
#[test]
fn fields_sit_where_the_figures_put_them() {
    assert_eq!(
        spans(
            ENCDATA,
            None,
            &[
                "master_secret_key_reference",
                "random_number_length",
                "random_number",
                "encrypted_data"
            ]
        ),
        [(16, 2), (18, 2), (20, 16), (36, 16)]
    );
    assert_eq!(
        spans(SSCERT, None, &["certificate", "certificate_padding"]),
        [(16, 5), (21, 3)]
    );
    // The Certificate parameter starts at 24; its certificate at 28.
    let mut v = Spans::default();
    let b = unhex(&format!("{HEADER} {SSCERT}"));
    Packet::decode(
        &b,
        &DecodeOptions {
            rules: Rules::SSCTP,
            strict: true,
        },
    )
    .unwrap()
    .describe(&mut v);
    let certs: Vec<(usize, usize)> =
        v.0.iter()
            .filter(|(f, _, _)| *f == "certificate")
            .map(|(_, a, l)| (*a, *l))
            .collect();
    assert_eq!(certs, [(16, 5), (28, 5)]);
    assert_eq!(
        spans(
            SSSERKEY_DH,
            Some(KeyExchange::Dh),
            &[
                "length_of_dh_prime",
                "length_of_dh_primitive_root",
                "length_of_dh_value",
                "reserved",
                "dh_prime_number",
                "dh_primitive_root",
                "dh_public_value",
                "signature"
            ]
        ),
        [
            (20, 2),
            (22, 2),
            (24, 2),
            (26, 2),
            (28, 2),
            (30, 1),
            (31, 2),
            (33, 3)
        ]
    );
}

/// spec 3.2 / Q13: the inline certificate ends where its DER length says, in the short
/// form (`30 05`) and the long forms (`30 81 LL`, `30 82 LL LL`); the zero padding to 4
/// and a Certificate parameter follow.
#[test]
fn sscert_reads_der_lengths_in_every_form() {
    for (head, body_len) in [("3081 80", 0x80usize), ("3082 0100", 0x100)] {
        let hl = unhex(head).len();
        let cert_len = hl + body_len;
        let pad = (4 - cert_len % 4) % 4;
        let value_len = cert_len + pad + 8;
        let hex = format!(
            "d1 00 {:04x} {head} {} {} 0020 0008 30020500",
            4 + value_len,
            "ab".repeat(body_len),
            "00".repeat(pad)
        );
        let c = decode(&hex, None);
        let ChunkBody::SsCert(s) = &c.body else {
            panic!("{c:?}")
        };
        assert_eq!(s.certificate.len(), cert_len, "{head}");
        assert_eq!(s.certificate_padding.len(), pad, "{head}");
        let ps = parsed(&s.certificate_parameters);
        assert_eq!(ps.len(), 1, "{head}");
        assert!(
            matches!(&ps[0].body, ParamBody::Certificate(x) if x.certificate[..] == [0x30, 2, 5, 0])
        );
    }
    // Not DER (no 0x30 first): the whole value is the certificate.
    let c = decode("d1 00 000c 0102030405060708", None);
    let ChunkBody::SsCert(s) = &c.body else {
        panic!("{c:?}")
    };
    assert_eq!(&s.certificate[..], unhex("0102030405060708"));
    assert!(parsed(&s.certificate_parameters).is_empty());
    // 0x80 is the indefinite-length form, which DER forbids: not a DER length, so the
    // whole value is the certificate (not 2 + 128 bytes, padding and a parameter).
    let hex = format!(
        "d1 00 0090 3080 {} 0000 0020 0008 30020500",
        "ab".repeat(128)
    );
    let c = decode(&hex, None);
    let ChunkBody::SsCert(s) = &c.body else {
        panic!("{c:?}")
    };
    assert_eq!(s.certificate.len(), 140);
    assert!(parsed(&s.certificate_parameters).is_empty());
    // A long form cut short ("30 81" with no length byte): raw, no crash.
    let c = decode("d1 00 0006 3081 0000", None);
    let ChunkBody::SsCert(s) = &c.body else {
        panic!("{c:?}")
    };
    assert_eq!(&s.certificate[..], [0x30, 0x81]);
    // A DER length that runs past the value: the whole value, raw.
    let c = decode("d1 00 000c 3082 0100 05060708", None);
    let ChunkBody::SsCert(s) = &c.body else {
        panic!("{c:?}")
    };
    assert_eq!(s.certificate.len(), 8);
}

/// spec 3.13 / Q19: the HMAC of the S-SCTP AUTH chunk covers the whole packet with the
/// Checksum field zero and AUTH's HMAC field zero-filled; AUTH must be last.
#[test]
fn auth_hmac_input_zeroes_checksum_and_hmac() {
    use sctp_codec::chunk::ssctp_auth_hmac_input;
    let data = "00 03 0015 000003e8 0000 0000 00000033 68656c6c6f 000000";
    let packet = unhex(&format!("1388 1389 0c0c0c0c deadbeef {data} {AUTH}"));
    let want = unhex(&format!(
        "1388 1389 0c0c0c0c 00000000 {data} 11 00 001c 0009 0000 {}",
        "00".repeat(20)
    ));
    assert_eq!(ssctp_auth_hmac_input(&packet).unwrap(), want);
    // AUTH alone.
    let packet = unhex(&format!("1388 1389 0c0c0c0c deadbeef {AUTH}"));
    let want = unhex(&format!(
        "1388 1389 0c0c0c0c 00000000 11 00 001c 0009 0000 {}",
        "00".repeat(20)
    ));
    assert_eq!(ssctp_auth_hmac_input(&packet).unwrap(), want);
    // AUTH not last, or no AUTH: an error.
    let not_last = unhex(&format!("1388 1389 0c0c0c0c deadbeef {AUTH} {data}"));
    assert!(ssctp_auth_hmac_input(&not_last).is_err());
    assert!(ssctp_auth_hmac_input(&unhex("1388 1389 0c0c0c0c deadbeef")).is_err());
    let short = ssctp_auth_hmac_input(&unhex("1388 1389 0c0c0c0c deadbe")).unwrap_err();
    assert!(short.to_string().contains("common header"), "{short}");
}
