//! One packetdrill script per extension (tests/scripts/extensions/, written
//! from the RFCs in packetdrill's SCTP dialect) run against the endpoint:
//! each passes, and a copy with one expectation changed to what the RFC
//! forbids fails at that line, so the scripts check what they claim.

use std::path::PathBuf;

use sctp_replay::runner::{run_text, Outcome, RunOptions};

fn script(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scripts/extensions")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn outcome(text: &str) -> Outcome {
    let r = run_text(text, &RunOptions::default()).expect("the script parses");
    for w in &r.warnings {
        println!("warning: {w}");
    }
    r.outcome
}

fn passes(name: &str) {
    let o = outcome(&script(name));
    assert_eq!(o, Outcome::Pass, "{name}: {o:?}");
}

/// `name` with `from` replaced by `to` (once; it must be there) fails at the
/// line of the change with a message holding `needle`.
fn mutant_fails(name: &str, from: &str, to: &str, needle: &str) {
    let text = script(name);
    let at = text
        .find(from)
        .unwrap_or_else(|| panic!("{name}: {from:?} not in the script"));
    let line = text[..at].matches('\n').count() + 1;
    let mutant = text.replacen(from, to, 1);
    match outcome(&mutant) {
        Outcome::Fail { line: l, message } => {
            assert_eq!(l, line, "{name}: failed at another line: {message}");
            assert!(message.contains(needle), "{name}: {message}");
        }
        other => panic!("{name} with {to:?} should fail at line {line}, got {other:?}"),
    }
}

#[test]
fn auth_data_is_authenticated_and_unauthenticated_sacks_are_dropped() {
    passes("auth.pkt");
    // Our DATA goes behind an AUTH chunk: a line without it fails.
    mutant_fails(
        "auth.pkt",
        "+0.0 > sctp: CHUNK[type=AUTH, flgs=0, len=28, val=[0x00, 0x00, 0x00, 0x01]]; DATA[flgs=BE, len=116, tsn=1",
        "+0.0 > sctp: DATA[flgs=BE, len=116, tsn=1",
        "chunk type: expected DATA, got AUTH",
    );
    // The unauthenticated SACK is dropped: nothing comes at once.
    mutant_fails(
        "auth.pkt",
        "+0.1 > sctp: CHUNK[type=AUTH",
        "+0.0 > sctp: CHUNK[type=AUTH",
        "timing error",
    );
}

#[test]
fn reconfig_outgoing_reset_and_add_streams() {
    passes("reconfig.pkt");
    mutant_fails(
        "reconfig.pkt",
        "last_tsn=2, sids=[0]",
        "last_tsn=1, sids=[0]",
        "last_tsn: expected 1, got 2",
    );
    // After the reset the stream starts again at SSN 0, not 2.
    mutant_fails(
        "reconfig.pkt",
        "tsn=3, sid=0, ssn=0",
        "tsn=3, sid=0, ssn=2",
        "ssn: expected 2, got 0",
    );
}

#[test]
fn pr_sctp_abandons_with_forward_tsn() {
    passes("pr-sctp.pkt");
    // With a retransmission limit of 0 the DATA is not sent again.
    mutant_fails(
        "pr-sctp.pkt",
        "+0.1 > sctp: FORWARD_TSN[cum_tsn=1, ids=[{0,0}]]",
        "+0.1 > sctp: DATA[flgs=BE, len=1016, tsn=1, sid=0, ssn=0, ppid=0]",
        "chunk type: expected DATA, got FORWARD_TSN",
    );
    mutant_fails(
        "pr-sctp.pkt",
        "ids=[{0,0}]]",
        "ids=[{0,1}]]",
        "ids entry 1: expected 1, got 0",
    );
}

#[test]
fn i_data_numbers_messages_per_stream_and_reassembles_interleaved_fragments() {
    passes("idata.pkt");
    mutant_fails(
        "idata.pkt",
        "tsn=3, sid=0, mid=1, ppid=5",
        "tsn=3, sid=0, mid=2, ppid=5",
        "mid: expected 2, got 1",
    );
}

#[test]
fn nr_sack_reports_non_renegable_gaps() {
    passes("nr-sack.pkt");
    mutant_fails(
        "nr-sack.pkt",
        "gaps=[], nr_gaps=[2:2], dups=[]]\n+0.0 < sctp: DATA",
        "gaps=[2:2], nr_gaps=[], dups=[]]\n+0.0 < sctp: DATA",
        "gaps: expected [(2, 2)], got []",
    );
}

#[test]
fn ecn_echo_is_answered_with_cwr() {
    passes("ecn.pkt");
    mutant_fails(
        "ecn.pkt",
        "> sctp: CWR[flgs=0, tsn=1]",
        "> sctp: CWR[flgs=0, tsn=2]",
        "tsn: expected 2, got 1",
    );
}

#[test]
fn asconf_adds_and_deletes_addresses() {
    passes("asconf.pkt");
    mutant_fails(
        "asconf.pkt",
        "ASCONF[flgs=0, serial=2",
        "ASCONF[flgs=0, serial=3",
        "serial: expected 3, got 2",
    );
    mutant_fails(
        "asconf.pkt",
        "DELETE_IP_ADDRESS[corr_id=..., IPV4_ADDRESS[addr=192.168.0.2]]",
        "DELETE_IP_ADDRESS[corr_id=..., IPV4_ADDRESS[addr=192.168.0.3]]",
        "expected address 192.168.0.3",
    );
    // The peer's new address is unconfirmed until its HEARTBEAT ACK
    // (SCTP_GET_PEER_ADDR_INFO's spinfo_state, as FreeBSD reports it).
    mutant_fails(
        "asconf.pkt",
        "spinfo_state=SCTP_UNCONFIRMED",
        "spinfo_state=SCTP_ACTIVE",
        "spinfo_state=SCTP_UNCONFIRMED",
    );
}
