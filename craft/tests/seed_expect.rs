//! Issue 15 item 18: reproducible crafting. `--seed N` (and `seed N` in a
//! session) makes every random default repeatable; `expect PATTERN` waits
//! for a received packet holding what the pattern asks for and fails the
//! batch run, naming what came instead, when none comes, so a session
//! saved as a script is a regression test. The `expect` tests run against
//! the usrsctp peer over UDP encapsulation on loopback.

mod peer;

use std::process::{Command, Output};

use peer::Peer;

fn craft(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .args(args)
        .output()
        .expect("run sctp-craft")
}

fn stdout_of(args: &[&str]) -> String {
    let o = craft(args);
    assert!(
        o.status.success(),
        "{args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Statements whose bytes depend on random defaults: INIT and INIT ACK
/// tags and TSNs, a State Cookie, Heartbeat Info, a Random parameter, a
/// COOKIE ECHO's cookie, and the association's tag and initial TSN.
const RANDOM_BITS: &str = "hexraw init(); hexraw init_ack(); \
    hexraw sctp() / heartbeat(); hexraw sctp() / cookie_echo(); \
    hexraw init(params=[random()]); \
    assoc sport=5001 dport=5000; hexraw init(); hexraw data(user_data=\"x\")";

#[test]
fn the_same_seed_gives_the_same_bytes_another_seed_other_bytes() {
    let a = stdout_of(&["--seed", "42", "-c", RANDOM_BITS]);
    let b = stdout_of(&["--seed", "42", "-c", RANDOM_BITS]);
    let c = stdout_of(&["--seed", "43", "-c", RANDOM_BITS]);
    assert_eq!(a, b, "two runs with --seed 42 differ");
    let (la, lc): (Vec<&str>, Vec<&str>) = (a.lines().collect(), c.lines().collect());
    assert_eq!(la.len(), lc.len());
    // Every line holds a random value: each differs under another seed.
    for (x, y) in la.iter().zip(&lc) {
        assert_ne!(x, y, "the same under --seed 42 and --seed 43");
    }
    // Without a seed, runs differ (the defaults are random).
    let r1 = stdout_of(&["-c", RANDOM_BITS]);
    let r2 = stdout_of(&["-c", RANDOM_BITS]);
    assert_ne!(r1, r2);
}

#[test]
fn seed_in_a_session_is_the_command_line_seed() {
    let cli = stdout_of(&["--seed", "7", "-c", RANDOM_BITS]);
    let stmt = stdout_of(&["-c", &format!("seed 7; {RANDOM_BITS}")]);
    assert_eq!(cli, stmt);
    // Set part-way through a session: what follows repeats.
    let later = stdout_of(&["-c", &format!("hexraw init(); seed 7; {RANDOM_BITS}")]);
    let later: Vec<&str> = later.lines().skip(1).collect();
    assert_eq!(later, cli.lines().collect::<Vec<_>>());
    let shown = stdout_of(&["-c", "seed 7; seed"]);
    assert!(shown.contains("seed 7"), "{shown}");
    // A bad seed is a clear error.
    let o = craft(&["-c", "seed x"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a number"));
}

/// The initial TSN the association of `assoc sport=5001 dport=5000` gets
/// under `--seed seed`, read from what `assoc` prints.
fn initial_tsn(seed: &str) -> u32 {
    let out = stdout_of(&["--seed", seed, "-c", "assoc sport=5001 dport=5000"]);
    let at = out.find("next TSN ").expect("assoc prints the next TSN") + 9;
    out[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// A live session against a fresh usrsctp peer (`{encaps}` is its port).
fn live(seed: &str, script: &str) -> (Output, Peer) {
    let (peer, encaps) = Peer::start_udp_loopback(false);
    let script = format!(
        "peer udp 127.0.0.1:{encaps}; assoc sport=5001 dport=5000; connect timeout=3000; {script}"
    );
    (craft(&["--seed", seed, "-c", &script]), peer)
}

#[test]
fn expect_passes_on_the_packet_that_comes() {
    // Under a seed the TSNs are known before the run: the script can say
    // which TSN the peer's SACK must acknowledge.
    let tsn = initial_tsn("5");
    let (o, _peer) = live(
        "5",
        &format!(
            "data \"hello\"; expect sack(cum_ack={tsn}, gaps=0) timeout=2000; \
             send sctp() / heartbeat(params=[heartbeat_info(heartbeat_information=\"ping-1234\")]); \
             expect sctp(sport=5000, dport=5001) / heartbeat_ack(params=[heartbeat_info(heartbeat_information=\"ping-1234\")]) timeout=2000; \
             abort"
        ),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        out.contains(&format!(
            "expect sack(cumulative_tsn_ack={tsn}, number_of_gap_ack_blocks=0): ok"
        )),
        "{out}"
    );
    assert!(out.contains("HEARTBEAT-ACK"), "{out}");
    assert!(out.contains("heartbeat_ack(params=["), "{out}");
    assert!(
        out.lines().filter(|l| l.ends_with(": ok")).count() == 2,
        "{out}"
    );
}

#[test]
fn expect_fails_the_run_and_names_what_came_instead() {
    let tsn = initial_tsn("6");
    // The SACK comes, but for another TSN than the script says.
    let (o, _peer) = live(
        "6",
        &format!(
            "data \"hello\"; expect sack(cum_ack={}) timeout=1500; echo not-reached",
            tsn.wrapping_add(5)
        ),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        err.contains(&format!(
            "expect sack(cumulative_tsn_ack={}): no matching packet within 1500 ms; came instead: ",
            tsn.wrapping_add(5)
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("SACK(cum_ack={tsn}"))
            && err.contains(&format!(
                "SACK: cumulative_tsn_ack is {tsn}, not {}",
                tsn.wrapping_add(5)
            )),
        "the message names the SACK that came and the field that differs:\n{err}"
    );
    assert!(!out.contains("not-reached"), "the run went on:\n{out}");

    // Another chunk than the one expected.
    let (o, _peer) = live("6", "data \"hello\"; expect abort timeout=1500");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("expect abort: no matching packet within 1500 ms; came instead: ")
            && err.contains("SACK(cum_ack=")
            && err.contains("(no ABORT chunk)"),
        "{err}"
    );

    // Nothing at all.
    let (o, _peer) = live("6", "expect init_ack timeout=500");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("expect init_ack: no matching packet within 500 ms; nothing came"),
        "{err}"
    );
}

/// A session saved as a script file is a regression test: `run FILE`
/// exits 0 while the peer behaves, 1 (with the line of the failed expect)
/// when it does not.
#[test]
fn a_saved_script_with_expect_is_a_regression_test() {
    let (_peer, encaps) = Peer::start_udp_loopback(false);
    let dir = std::env::temp_dir().join(format!("seed-expect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.sctp");
    let script = format!(
        "# handshake, one message, its SACK\n\
         peer udp 127.0.0.1:{encaps}\n\
         assoc sport=5002 dport=5000\n\
         connect timeout=3000\n\
         data \"hello\"\n\
         expect sack timeout=2000\n\
         shutdown\n\
         expect shutdown_ack timeout=2000\n"
    );
    std::fs::write(&good, &script).unwrap();
    let o = craft(&["--seed", "1", "run", good.to_str().unwrap()]);
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let bad = dir.join("bad.sctp");
    std::fs::write(
        &bad,
        script
            .replace("5002", "5003")
            .replace("expect shutdown_ack", "expect abort"),
    )
    .unwrap();
    let o = craft(&["--seed", "1", "run", bad.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("bad.sctp: line 8, column 1: expect abort: no matching packet")
            && err.contains("SHUTDOWN-ACK"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Bad patterns are clear errors before anything is waited for.
#[test]
fn bad_expect_patterns_are_clear_errors() {
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = sock.local_addr().unwrap().port();
    for (pat, msg) in [
        (
            "expect sak",
            "\"sak\" is not a chunk name; did you mean sack?",
        ),
        ("expect 5", "expect takes a chunk"),
        ("expect sack(bogus=1)", "no field \"bogus\" in sack"),
        ("expect ipv4_address(10.0.0.1)", "expect takes a chunk"),
        ("expect sack wait=5", "expect takes no wait="),
        ("expect", "usage: expect PATTERN"),
    ] {
        let o = craft(&["-c", &format!("peer udp 127.0.0.1:{port}; {pat}")]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{pat}: {err}");
        assert!(err.contains(msg), "{pat}: {err}");
    }
    let o = craft(&["-c", "expect sack"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("no peer"));
}
