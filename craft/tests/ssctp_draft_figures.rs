//! S-SCTP values checked against the draft, not against ourselves: the REPL's
//! language (`sctp-craft -c 'hexraw ...'`), given the values of each of the draft's
//! figures, writes exactly the bytes written out BY HAND from the layouts of
//! `../shared/spec/secure-sctp.md` in `codec/tests/figures/mod.rs` (shared with the
//! codec's `ssctp_figures.rs`, which decodes the same figures field by field).
//!
//! The four parameters whose type numbers the draft lost are typed by context (spec
//! section 11); the REPL writes them with its crafting numbers (compression 0x001F,
//! certificate 0x0020, DH server 0x0021, RSA server 0x0022, DH client 0x0023, RSA
//! client 0x0024), so the figures use those.

use std::process::Command;

#[path = "../../codec/tests/figures/mod.rs"]
mod figures;

use figures::*;

/// The figures' common header in the language.
const SCTP: &str = "sctp(sport=5000, dport=5001, vtag=0x0c0c0c0c)";

/// What the REPL writes for `stmt` (a chunk expression), without the common header.
fn build(stmt: &str) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .args(["-c", &format!("hexraw {SCTP} / {stmt}")])
        .output()
        .expect("run sctp-craft");
    assert!(
        out.status.success(),
        "{stmt}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let b = hex::decode(stdout.lines().last().unwrap_or("").trim()).expect("hexraw output");
    assert_eq!(b[..8], unhex(HEADER)[..8], "{stmt}: common header");
    b[12..].to_vec()
}

/// The REPL writes the figure for `stmt`.
fn builds_to(stmt: &str, chunk_hex: &str) {
    assert_eq!(
        hex::encode(build(stmt)),
        hex::encode(unhex(chunk_hex)),
        "the REPL's {stmt} is not the draft's figure"
    );
}

#[test]
fn ssopreq_figure() {
    builds_to(
        "ssopreq(cf=1, version=0x0100, key_material_length=1024, \
         params=[cipher_suite([12, 6, 2]), compression_method([0, 1])])",
        SSOPREQ,
    );
}

#[test]
fn sscert_figure() {
    builds_to(
        "sscert(certificate=x\"3003020101\", certificate_parameters=[certificate(x\"3003020102\")])",
        SSCERT,
    );
}

#[test]
fn ssopreq_ack_figure() {
    builds_to(
        "ssopreq_ack(cf=1, version=0x0100, cipher_suite=12, compression_method=1, reserved=0)",
        SSOPREQ_ACK,
    );
}

#[test]
fn ssserkey_figures() {
    builds_to(
        "ssserkey(params=[diffie_hellman_server(dh_prime_number=x\"0017\", \
         dh_primitive_root=x\"05\", dh_public_value=x\"000a\", signature=x\"010203\")])",
        SSSERKEY_DH,
    );
    builds_to(
        "ssserkey(params=[rsa_server(x\"0102030405060708\")])",
        SSSERKEY_RSA,
    );
}

#[test]
fn ssclikey_figures() {
    builds_to(
        "ssclikey(sl=2, params=[diffie_hellman_client(x\"0b0c0d0e\")])",
        SSCLIKEY_DH,
    );
    builds_to(
        "ssclikey(sl=1, params=[rsa_client(x\"08070605\")])",
        SSCLIKEY_RSA,
    );
}

#[test]
fn ssopcom_figure() {
    builds_to(
        "ssopcom(verification_data=x\"000102030405060708090a0b0c0d0e0f10111213\")",
        SSOPCOM,
    );
}

#[test]
fn ssclose_figure() {
    builds_to("ssclose(of=1, tsn=0x01020304)", SSCLOSE);
}

#[test]
fn header_only_figures() {
    builds_to("ssclose_ack()", "D7 00 00 04");
    builds_to("seclevchd(sl=3)", "D8 03 00 04");
    builds_to("seclevchd_ack()", "D9 00 00 04");
}

#[test]
fn encdata_figure() {
    builds_to(
        "encdata(master_secret_key_reference=7, random_number=x\"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\", \
         encrypted_data=x\"b0b1b2b3b4b5b6b7b8b9babbbcbdbebf\")",
        ENCDATA,
    );
}

#[test]
fn padding_figure() {
    builds_to("padding(padding_data=x\"0000000000000000\")", PADDING);
}

#[test]
fn auth_figure() {
    builds_to(
        "auth_s_sctp(master_secret_key_reference=9, hmac=x\"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3\")",
        AUTH,
    );
}

#[test]
fn cause_figures() {
    builds_to(
        "error(causes=[secure_session_failure(error_code=2), \
         secure_session_certificate_failure(cause_information=x\"deadbeef\"), \
         secure_session_decryption_failure(), secure_session_authentication_failure(), \
         secure_session_decompression_failure()])",
        ERROR_CAUSES,
    );
}
