//! Hand-written scripts (tests/scripts/): the right ones pass, and each
//! wrong expectation fails at its own line, so the runner cannot pass
//! everything vacuously.

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

#[test]
fn right_scripts_pass() {
    assert_eq!(run("pass-passive.pkt"), Status::Pass);
    assert_eq!(run("pass-active.pkt"), Status::Pass);
}

/// `sctp_connectx` to two peer addresses: the INIT retransmissions
/// alternate between them (RFC 9260 6.4), and a `>` line naming the wrong
/// address fails at that line.
#[test]
fn connectx_multihomed_init_retransmissions_alternate() {
    assert_eq!(run("pass-connectx-multihomed.pkt"), Status::Pass);
    fails_at(
        "fail-connectx-same-address.pkt",
        11,
        "addresses: expected 192.168.0.1 > 192.0.2.1, sent 192.168.0.1 > 192.0.2.2",
    );
}

/// A DATA older than the cumulative TSN ack comes again: the next SACK,
/// sent at once, lists it as a duplicate (RFC 9260 6.2); a script that
/// expects no duplicate fails at that SACK.
#[test]
fn duplicate_below_the_cumulative_ack_is_reported() {
    assert_eq!(run("pass-duplicate-below-cum.pkt"), Status::Pass);
    fails_at("fail-duplicate-below-cum.pkt", 19, "dups=[1]");
}

#[test]
fn wrong_chunk_field_fails_at_its_line() {
    fails_at("fail-field.pkt", 6, "os: expected 7, got 1");
    fails_at("fail-flags.pkt", 14, "flgs: expected 1, got 0");
}

#[test]
fn wrong_mapped_tsn_fails_at_its_line() {
    fails_at("fail-mapping.pkt", 16, "tsn: expected 1, got 0");
}

#[test]
fn wrong_syscall_result_fails_at_its_line() {
    fails_at(
        "fail-syscall.pkt",
        12,
        "expected read(4, ..., 200) = 99 got 100",
    );
}

#[test]
fn wrong_timing_fails_at_its_line() {
    fails_at("fail-timing.pkt", 17, "timing error");
}

#[test]
fn missing_packet_fails_at_its_line() {
    fails_at("fail-nothing.pkt", 7, "got nothing");
}

/// Socket options as FreeBSD answers them (RFC 6458 8): defaults,
/// EINVAL/ENOPROTOOPT, values read back, and an option set on the
/// association taking effect; a wrong errno, a wrong value and an ignored
/// option each fail at their line.
#[test]
fn socket_options_follow_freebsd() {
    assert_eq!(run("pass-sockopt.pkt"), Status::Pass);
    fails_at("fail-sockopt-errno.pkt", 5, "got -1 EINVAL");
    fails_at("fail-sockopt-value.pkt", 12, "sstat_rwnd=1500");
    fails_at("fail-sockopt-applied.pkt", 17, "came at 0.100000 sec");
    fails_at("fail-sockopt-sndinfo.pkt", 13, "ppid: expected 0, got 7");
}

/// FreeBSD's `net.inet.sctp.*_enable` sysctls set the endpoint's features:
/// ECN Capable appears in the INIT only when switched on.
#[test]
fn sysctls_switch_features() {
    assert_eq!(run("pass-sysctl.pkt"), Status::Pass);
    fails_at("fail-sysctl.pkt", 8, "len: expected 30, got 26");
}

/// Our INIT and INIT ACK list their parameters in FreeBSD's order
/// (`sctp_send_initiate`, `sctp_send_initiate_ack`), Supported Extensions
/// with FORWARD-TSN when PR-SCTP is on; the order before, or the list
/// without 0xc0, fails.
#[test]
fn init_and_init_ack_parameters_in_freebsd_order() {
    assert_eq!(run("pass-init-order.pkt"), Status::Pass);
    fails_at(
        "fail-init-order.pkt",
        10,
        "expected type 0xc000, got 0x8000",
    );
    assert_eq!(run("pass-init-ack-extensions.pkt"), Status::Pass);
    fails_at(
        "fail-init-ack-extensions.pkt",
        10,
        "expected length 5, got 6",
    );
}

/// Data written before the association is up goes with the COOKIE ECHO
/// (RFC 9260 5.1 D, as FreeBSD); expecting the COOKIE ECHO alone fails.
#[test]
fn data_rides_with_the_cookie_echo() {
    assert_eq!(run("pass-cookie-echo-data.pkt"), Status::Pass);
    fails_at("fail-cookie-echo-data.pkt", 10, "1 chunks expected, 2 sent");
}

/// SCTP_ADAPTATION_LAYER puts an Adaptation Layer Indication with its code
/// point in the INIT (RFC 5061 4.2.7); a wrong code point fails.
#[test]
fn adaptation_layer_goes_in_the_init() {
    assert_eq!(run("pass-adaptation.pkt"), Status::Pass);
    fails_at("fail-adaptation.pkt", 8, "type 0xc006");
}

/// SO_LINGER with a zero timeout makes close() abort (RFC 6458 8.1.4);
/// expecting the graceful SHUTDOWN fails.
#[test]
fn zero_linger_close_aborts() {
    assert_eq!(run("pass-linger.pkt"), Status::Pass);
    fails_at("fail-linger.pkt", 14, "expected SHUTDOWN");
}

/// sctp_sendmsg's lifetime without a policy is timed reliability: the
/// abandoned DATA is skipped with FORWARD TSN (RFC 3758 3.5); without a
/// lifetime it is retransmitted, and expecting FORWARD TSN fails.
#[test]
fn sendmsg_lifetime_is_timed_reliability() {
    assert_eq!(run("pass-sendmsg-ttl.pkt"), Status::Pass);
    fails_at("fail-sendmsg-ttl.pkt", 13, "expected FORWARD_TSN");
}

// ICMP lines and partial delivery aborted (pass-icmp.pkt,
// pass-partial-delivery-aborted.pkt and their fail-* mutants); both ICMP
// line forms read the same.

/// A Fragmentation Needed with another tag changes nothing, with the
/// peer's tag it cuts the next message to 1000-byte packets, and the path
/// MTU getsockopt reports (SCTP_GET_PEER_ADDR_INFO, SCTP_PEER_ADDR_PARAMS)
/// goes down with it; Protocol Unreachable ends the association (RFC 9260
/// Appendix C).
#[test]
fn icmp_lowers_the_path_mtu_and_protocol_unreachable_aborts() {
    assert_eq!(run("pass-icmp.pkt"), Status::Pass);
    fails_at("fail-icmp.pkt", 21, "len: expected 1468, got 968");
    fails_at("fail-icmp-mtu.pkt", 29, "spinfo_mtu=968");
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
