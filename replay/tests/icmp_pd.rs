//! ICMP lines and partial delivery aborted (tests/scripts/pass-icmp.pkt,
//! pass-partial-delivery-aborted.pkt and their fail-* mutants): the right
//! scripts pass, each mutant fails at the line whose expectation is wrong;
//! both ICMP line forms read the same.

use std::path::PathBuf;

use sctp_replay::ast::{parse, Action};
use sctp_replay::runner::RunOptions;
use sctp_replay::suite::{run_file, text_line, Status};

fn run(name: &str) -> Status {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scripts")
        .join(name);
    let r = run_file(&p, &RunOptions::default());
    println!("{}", text_line(&r));
    r.status
}

fn fails_at(name: &str, want_line: usize, needle: &str) {
    match run(name) {
        Status::Fail { line, message } => {
            assert_eq!(line, want_line, "{name}: {message}");
            assert!(message.contains(needle), "{name}: {message}");
        }
        other => panic!("{name} should fail at line {want_line}, got {other:?}"),
    }
}

/// A Fragmentation Needed with another tag changes nothing, with the
/// peer's tag it cuts the next message to 1000-byte packets; Protocol
/// Unreachable ends the association (RFC 9260 Appendix C).
#[test]
fn icmp_lowers_the_path_mtu_and_protocol_unreachable_aborts() {
    assert_eq!(run("pass-icmp.pkt"), Status::Pass);
    fails_at("fail-icmp.pkt", 21, "len: expected 1468, got 968");
}

/// SCTP_PARTIAL_DELIVERY_EVENT / SCTP_PARTIAL_DELIVERY_ABORTED (RFC 6458
/// 6.1.7) after 800 of a message's bytes were read and the peer aborted.
#[test]
fn partial_delivery_aborted_is_notified() {
    assert_eq!(run("pass-partial-delivery-aborted.pkt"), Status::Pass);
    fails_at(
        "fail-partial-delivery-aborted.pkt",
        20,
        "bad pdapi_stream: expected: 0 actual: 1",
    );
}

fn icmp_of(text: &str) -> sctp_replay::ast::IcmpLine {
    let s = parse(text, &[]).expect("parses");
    match &s.events[0].action {
        Action::Icmp(i) => i.clone(),
        other => panic!("not an ICMP line: {other:?}"),
    }
}

/// nplab's current form and the older echoed-first one of FreeBSD's
/// sctp_icmp_* scripts; malformed lines are syntax errors.
#[test]
fn both_icmp_line_forms_read_the_same() {
    let new = icmp_of("0 < icmp unreachable frag_needed mtu 1500 [sctp(2)]\n");
    let old = icmp_of("0 < [sctp(2)] icmp unreachable frag_needed mtu 1500\n");
    assert_eq!(
        (new.tag, new.mtu, new.code.as_deref()),
        (Some(2), Some(1500), Some("frag_needed"))
    );
    assert_eq!(
        (old.tag, old.mtu, &old.icmp_type),
        (Some(2), Some(1500), &new.icmp_type)
    );
    assert!(old.old_form && !new.old_form);
    let bare = icmp_of("0 < icmp unreachable protocol_unreachable\n");
    assert_eq!((bare.tag, bare.mtu), (None, None));
    assert!(parse(
        "0 < [sctp(2)] icmp unreachable port_unreachable [sctp(2)]\n",
        &[]
    )
    .is_err());
    assert!(parse("0 < icmp unreachable frag_needed mtu\n", &[]).is_err());
    assert!(parse("0 < [tcp(2)] icmp unreachable\n", &[]).is_err());
}
