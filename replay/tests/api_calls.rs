//! The sockets-API calls with ancillary data and the notifications
//! (tests/scripts/api/, our own scripts after the FreeBSD behaviour of
//! RFC 6458): each right script passes, and its mutant fails at the line
//! whose expectation is wrong, with FreeBSD's value in the message.

use std::path::PathBuf;

use sctp_replay::runner::RunOptions;
use sctp_replay::suite::{run_file, text_line, Status};

fn run(name: &str) -> Status {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scripts/api")
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

/// The line of the adaptation notification's read in the mutant.
const ADAPTATION_LINE: usize = 25;

/// COMM_UP with sac_info, SCTP_ADAPTATION_INDICATION, SCTP_RCVINFO + SCTP_NXTINFO, sctp_recvv's info,
/// SCTP_REMOTE_ERROR with the chunk, SHUTDOWN_EVENT, SHUTDOWN_COMP.
#[test]
fn notifications_and_receive_info_in_order() {
    assert_eq!(run("pass-notifications.pkt"), Status::Pass);
    fails_at(
        "fail-notifications.pkt",
        65,
        "bad sac_state: expected: 2 actual: 4",
    );
    fails_at(
        "fail-adaptation-notification.pkt",
        ADAPTATION_LINE,
        "bad sai_adaptation_ind: expected: 8 actual: 7",
    );
}

/// sendmsg with SCTP_SNDINFO / SCTP_SNDRCV, sctp_send, sctp_sendx; the
/// sender-dry notification after the last SACK and at once when
/// subscribing on an idle association.
#[test]
fn sends_with_ancillary_data() {
    fails_at(
        "fail-sender-dry.pkt",
        48,
        "bad msg_flags: expected: 0 actual: 8200",
    );
    assert_eq!(run("pass-sendmsg.pkt"), Status::Pass);
    fails_at("fail-sendmsg.pkt", 29, "sid=2, ssn=0, ppid=6");
}
