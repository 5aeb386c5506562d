//! Garbage in the REPL: every nasty line gives an error (or works), never a
//! panic or a stack overflow, and the session keeps its variables. Runs the
//! library's `Session` the way the REPL does (one `run_script` per line), on
//! a test thread (a smaller stack than the binary's main thread).

use std::panic::{catch_unwind, AssertUnwindSafe};

use sctp_craft::lang::Session;

/// A session holding `keep` (a DATA packet) and `_`.
fn session() -> Session {
    let mut s = Session::new();
    s.interactive = true;
    s.run_script("keep = sctp(vtag=7) / data(tsn=42, user_data=\"hi\")")
        .expect("setup");
    s
}

/// Runs `line`; fails the test on a panic; returns whether it was an error.
fn feed(s: &mut Session, line: &str) -> bool {
    let r = catch_unwind(AssertUnwindSafe(|| s.run_script(line)));
    match r {
        Ok(r) => r.is_err(),
        Err(_) => panic!("panic on input {line:?}"),
    }
}

fn assert_kept(s: &mut Session, after: &str) {
    let v = s.vars.get("keep").map(|v| v.render());
    assert!(
        v.as_deref().is_some_and(|t| t.contains("tsn=42")),
        "variable lost after {after:?}: {v:?}"
    );
}

const NASTY: &[&str] = &[
    "\"unterminated",
    "x\"abc",
    "x\"zz\"",
    "data(tsn=99999999999999999999999999)",
    "data(tsn=0x1ffffffff)",
    "data(tsn=-1)",
    "data(tsn=1, tsn=2)",
    "data(tsn=\"abc\")",
    "data(user_data=5)",
    "data(foo=1)",
    "foo(1)",
    "init(params=[data()])",
    "init(params=[1, 2])",
    "sctp() / ipv4_address(1.2.3.4)",
    "data(tsn=1) / / data()",
    ")",
    "]",
    "= 5",
    "@#$%",
    "\\",
    "\"\\xZZ\"",
    "chunk(type=0x1ff)",
    "ipv4_address(999.1.1.1)",
    "ipv6_address(2001:db8:::1)",
    "edit chunks[5].tsn = 3",
    "edit keep.chunks[9].tsn = 3",
    "edit keep.chunks[0].zzz = 1",
    "edit keep.chunks[0].user_data = [1, [2]]",
    "keep.chunks[0x7fffffffffffffff].tsn = 1",
    "keep.nothing = 1",
    "edit",
    "edit = 3",
    "load /nonexistent/file.pcap",
    "load /",
    "load /dev/null",
    "import abc",
    "import 0",
    "import zz",
    "import 00",
    "import 1388",
    "import 13881388000000000000000000030002",
    "import link=ether 000000",
    "save /nonexistent/dir/x.pcap",
    "save x.pcap link=foo",
    "save x.pcap format=zip",
    "save x.pcap udp=70000",
    "assoc sport=70000",
    "assoc dport=-1",
    "data \"x\" stream=70000",
    "peer udp nowhere",
    "peer ip 999.0.0.1",
    "peer carrier-pigeon 1.2.3.4",
    "send",
    "recv",
    "connect",
    "sleep -1",
    "sleep 99999999999999999999",
    "del nothing",
    "del",
    "hex nothing",
    "show 1",
    "repr \"abc\"",
    "dialect klingon",
    "help nothing_like_this",
    "help (",
    "rec(a=1)",
    "raw()",
    "raw(1, 2)",
    "sctp(1)",
    "sctp(bogus=1)",
    "cause(code=0x1ffff)",
    "param(type=0x1ffff)",
    "init(params=[param(type=0x1ffff)])",
    "sack(gap_ack_blocks=[[1], [2, 3, 4]])",
    "sack(gap_ack_blocks=[rec(nope=1)])",
    "keep = ",
    "keep / keep / keep",
    "_ = 5",
    "; ; ;",
];

#[test]
fn nasty_lines_error_without_panic_and_keep_variables() {
    let mut s = session();
    for line in NASTY {
        feed(&mut s, line);
        assert_kept(&mut s, line);
    }
    // Restore `_` and check a few that must be errors, not silent successes.
    for line in [
        "data(tsn=1, tsn=2)",
        "assoc sport=70000",
        "save x.pcap udp=70000",
        "data \"x\" stream=70000",
        "import 0",
    ] {
        assert!(feed(&mut s, line), "{line:?} should be an error");
        assert_kept(&mut s, line);
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let mut s = session();
    for n in [100, 1000, 20000] {
        for line in [
            "(".repeat(n),
            "[".repeat(n) + &"]".repeat(n),
            format!(
                "init(params=[{}{}{}])",
                "unrecognized_parameter(unrecognized_parameter=[".repeat(n),
                "ecn_capable()",
                "])".repeat(n)
            ),
            "init(params=[".repeat(n) + &"])".repeat(n),
        ] {
            assert!(feed(&mut s, &line), "nesting {n} accepted");
            assert_kept(&mut s, "deep nesting");
        }
    }
    // Reasonable nesting still works.
    assert!(!feed(
        &mut s,
        "init(params=[unrecognized_parameter(unrecognized_parameter=[unrecognized_parameter(unrecognized_parameter=[ecn_capable()])])])"
    ));
}

/// Random token soup (a deterministic generator, no extra crates).
#[test]
fn random_token_soup_never_panics() {
    const TOKENS: &[&str] = &[
        "data",
        "init",
        "sctp",
        "(",
        ")",
        "[",
        "]",
        ",",
        "=",
        "/",
        ".",
        "tsn",
        "params",
        "ipv4_address",
        "1",
        "0x",
        "0xffffffffffffffffff",
        "\"",
        "x\"",
        "ab",
        "\"s\"",
        "keep",
        "_",
        "chunks",
        "[0]",
        "edit",
        "show",
        "hex",
        "repr",
        "length",
        "-",
        " ",
        ";",
        "raw",
        "chunk",
        "type",
        "cause",
        "causes",
        "10.0.0.1",
        "::1",
        "none",
        "rec",
        "#",
        "\\",
        "e_bit",
        "padding",
        "value",
        "extra",
        "flags",
        "import",
        "00",
        "help",
        "vars",
        "set",
        "sack",
        "gap_ack_blocks",
        "[[1,2]]",
        "x\"00\"",
        "user_data",
        "checksum",
        "bad",
        "trailing",
    ];
    let mut state = 0x5eed_u64;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut s = session();
    for _ in 0..3000 {
        let n = 1 + next() % 14;
        let line: String = (0..n)
            .map(|_| TOKENS[(next() % TOKENS.len() as u64) as usize])
            .collect();
        // Never assign to `keep` itself: that is allowed.
        if line.contains("keep") && line.contains('=') {
            continue;
        }
        feed(&mut s, &line);
        assert_kept(&mut s, &line);
    }
}

/// Variables nest values without any bracket in sight: the depth is checked
/// on values too, and the deepest value allowed still builds and shows.
#[test]
fn variables_cannot_nest_without_bound() {
    let mut s = session();
    assert!(!feed(&mut s, "v = ecn_capable()"));
    let mut refused = false;
    for _ in 0..500 {
        // Keep in p the deepest packet that is accepted.
        if feed(
            &mut s,
            "w = unrecognized_parameter(unrecognized_parameter=[v]); p = init(params=[w]); v = w",
        ) {
            refused = true;
            break;
        }
    }
    assert!(refused, "500 levels of nesting accepted");
    assert_kept(&mut s, "deep variable");
    assert!(!feed(&mut s, "show p; hex p; repr p; vars"));
    // Edits cannot nest a packet into itself without bound either.
    let mut refused = false;
    for _ in 0..500 {
        if feed(
            &mut s,
            "p.chunks[0].params = [unrecognized_parameter(unrecognized_parameter=p.chunks[0].params)]",
        ) {
            refused = true;
            break;
        }
    }
    assert!(refused);
    assert!(!feed(&mut s, "hexraw p"));
}
