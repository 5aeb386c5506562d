//! Parser tests: every script of the ETSI suite parses (with either OS
//! defined), the parts of the grammar the suite uses come out as expected,
//! and syntax errors point at their line and column.

use std::path::PathBuf;

use sctp_replay::ast::{parse, Action, Chunks, Expr, Time};
use sctp_replay::spec::{self, ChunkSpec, F};

fn suite_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/etsi-sctp")
}

fn scripts() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(dirs) = std::fs::read_dir(suite_dir()) else {
        return out;
    };
    for d in dirs.flatten() {
        if let Ok(files) = std::fs::read_dir(d.path()) {
            for f in files.flatten() {
                if f.path().extension().is_some_and(|e| e == "pkt") {
                    out.push(f.path());
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_suite_script_parses_and_types() {
    let files = scripts();
    assert!(
        files.len() >= 77,
        "the ETSI scripts are missing from {}",
        suite_dir().display()
    );
    for os in ["FreeBSD", "Linux"] {
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap();
            let s =
                parse(&text, &[os.to_string()]).unwrap_or_else(|e| panic!("{}:{e}", f.display()));
            assert!(!s.events.is_empty(), "{}", f.display());
            for ev in &s.events {
                if let Action::Packet(p) = &ev.action {
                    if let Chunks::Items(items) = &p.chunks {
                        for it in items {
                            spec::chunk(it).unwrap_or_else(|e| panic!("{}:{e}", f.display()));
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn times_packets_and_calls() {
    let s = parse(
        "--tolerance_usecs=10000\n\
         0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n\
         +0.1 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n\
         * > sctp: INIT[flgs=0, tag=1, a_rwnd=..., os=..., is=..., tsn=0, ...]\n\
         +0.0 < sctp(tag=3): ABORT[flgs=T]\n\
         +1.0~+2.0 > sctp: DATA[flgs=BE, len=116, tsn=1, sid=0, ssn=0, ppid=0]\n\
         +0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n\
         +0 setsockopt(3, IPPROTO_SCTP, SCTP_RTOINFO, {srto_initial=100,\n   srto_max=800, srto_min=100}, 16) = 0\n\
         +0 < sctp(bad_crc32c): SACK[flgs=0, cum_tsn=1, a_rwnd=1500, gaps=[2:3, 5:5], dups=[7]]\n\
         +0 < sctp(tag=0): [0x01, 0x00, 0x00, 0x60]\n",
        &[],
    )
    .unwrap();
    assert_eq!(s.options[0].0, "tolerance_usecs");
    assert_eq!(s.options[0].1, "10000");
    assert_eq!(s.events.len(), 9);
    assert_eq!(s.events[0].time, Time::Absolute(0));
    assert_eq!(s.events[1].time, Time::Relative(100_000));
    assert_eq!(s.events[2].time, Time::Any);
    assert_eq!(s.events[4].time, Time::RelativeRange(1_000_000, 2_000_000));
    let Action::Syscall(c) = &s.events[1].action else {
        panic!()
    };
    assert_eq!(
        (c.name.as_str(), c.result.clone(), c.errno.as_deref()),
        ("connect", Expr::Int(-1), Some("EINPROGRESS"))
    );
    assert_eq!(c.note.as_deref(), Some("Operation now in progress"));
    let Action::Packet(p) = &s.events[3].action else {
        panic!()
    };
    assert!(p.inbound && p.tag == Some(3));
    let Action::Packet(p) = &s.events[7].action else {
        panic!()
    };
    assert!(p.bad_crc32c);
    let Chunks::Items(items) = &p.chunks else {
        panic!()
    };
    let c = spec::chunk(&items[0]).unwrap();
    assert_eq!(
        c.spec,
        ChunkSpec::Sack {
            flags: F::Is(0),
            cum_tsn: F::Is(1),
            a_rwnd: F::Is(1500),
            gaps: Some(vec![(2, 3), (5, 5)]),
            dups: Some(vec![7]),
        }
    );
    let Action::Packet(p) = &s.events[8].action else {
        panic!()
    };
    assert_eq!(p.chunks, Chunks::Bytes(vec![1, 0, 0, 0x60]));
    let Action::Packet(p) = &s.events[4].action else {
        panic!()
    };
    let Chunks::Items(items) = &p.chunks else {
        panic!()
    };
    let ChunkSpec::Data { flags, len, .. } = spec::chunk(&items[0]).unwrap().spec else {
        panic!()
    };
    assert_eq!((flags, len), (F::Is(3), F::Is(116)));
}

#[test]
fn ifdef_keeps_only_the_defined_branch() {
    let text = "0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n#ifdef Linux\n+0 close(3) = 0\n#endif\n#ifdef FreeBSD\n+0 close(3) = -1\n#endif\n";
    let linux = parse(text, &["Linux".into()]).unwrap();
    let bsd = parse(text, &["FreeBSD".into()]).unwrap();
    let result = |s: &sctp_replay::ast::Script| match &s.events[1].action {
        Action::Syscall(c) => c.result.clone(),
        _ => panic!(),
    };
    assert_eq!(result(&linux), Expr::Int(0));
    assert_eq!(result(&bsd), Expr::Int(-1));
    assert_eq!(parse(text, &[]).unwrap().events.len(), 1);
}

#[test]
fn encoding_follows_packetdrill() {
    let s = parse(
        "0 < sctp: INIT[flgs=0, tag=1, a_rwnd=1500, os=1, is=1, tsn=1, PARAMETER[type=0xc0cc, len=5, val=[0x01]], IPV4_ADDRESS[addr=1.1.1.1]]\n\
         +0 < sctp: ERROR[flgs=0, MISSING_MANDATORY_PARAMETER[types=[7]]]\n\
         +0 > sctp: ERROR[flgs=0, UNRECOGNIZED_CHUNK_TYPE[chk=CHUNK[type=0xEF, flgs=0, len=5, val=[0x01]]]]\n\
         +0 > sctp: HEARTBEAT_ACK[flgs=0, HEARTBEAT_INFORMATION[len=10, val=...]]\n",
        &[],
    )
    .unwrap();
    let chunk = |k: usize| match &s.events[k].action {
        Action::Packet(p) => match &p.chunks {
            Chunks::Items(i) => spec::chunk(&i[0]).unwrap().spec,
            _ => panic!(),
        },
        _ => panic!(),
    };
    // Parameters are padded between, not at the end (RFC 9260 3.2).
    let (b, len_checked, val_checked) = chunk(0).encode_checked();
    assert_eq!(u16::from_be_bytes([b[2], b[3]]), 20 + 8 + 8);
    assert_eq!(&b[20..28], &[0xc0, 0xcc, 0, 5, 1, 0, 0, 0]);
    assert!(len_checked && val_checked);
    // Cause length 10, chunk length 14.
    let (b, _, _) = chunk(1).encode_checked();
    assert_eq!(b.len(), 14);
    assert_eq!(u16::from_be_bytes([b[6], b[7]]), 10);
    // The unrecognized chunk is copied with its padding: cause length 12.
    let (b, _, _) = chunk(2).encode_checked();
    assert_eq!(u16::from_be_bytes([b[6], b[7]]), 12);
    // A `...` value: the length is checked, the value not.
    let (b, len_checked, val_checked) = chunk(3).encode_checked();
    assert_eq!(u16::from_be_bytes([b[2], b[3]]), 14);
    assert!(len_checked && !val_checked);
}

fn error_at(text: &str) -> (usize, usize, String) {
    let e = parse(text, &[]).expect_err("should not parse");
    (e.pos.line, e.pos.col, e.message)
}

#[test]
fn syntax_errors_point_at_line_and_column() {
    // A missing '=' after the call.
    let (l, c, _) = error_at("0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n+0 close(3) 0\n");
    assert_eq!((l, c), (2, 13));
    // An unknown header option.
    let (l, c, m) =
        error_at("0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n\n+0 < sctp(bogus): INIT[]\n");
    assert_eq!((l, c), (3, 11));
    assert!(m.contains("bogus"), "{m}");
    // `*` only for outbound packets.
    let (l, c, _) = error_at("0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n* close(3) = 0\n");
    assert_eq!((l, c), (2, 1));
    // An unterminated #ifdef points at the #ifdef.
    let (l, c, _) =
        error_at("0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n  #ifdef Linux\n+0 close(3) = 0\n");
    assert_eq!((l, c), (2, 3));
    // Unbalanced brackets in a chunk list.
    let (l, c, _) = error_at("0 < sctp: DATA[flgs=BE, len=116, tsn=1, sid=0, ssn=0, ppid=0;\n");
    assert_eq!((l, c), (1, 61));
}

#[test]
fn chunk_field_errors_point_at_the_field() {
    let s = parse(
        "0 < sctp: DATA[flgs=BX, len=116, tsn=1, sid=0, ssn=0, ppid=0]\n",
        &[],
    )
    .unwrap();
    let Action::Packet(p) = &s.events[0].action else {
        panic!()
    };
    let Chunks::Items(i) = &p.chunks else {
        panic!()
    };
    let e = spec::chunk(&i[0]).unwrap_err();
    assert_eq!((e.pos.line, e.pos.col), (1, 16));
    assert!(e.message.contains("IUBE"), "{}", e.message);
    let s = parse("0 < sctp: SHUTDOWN[flgs=0]\n", &[]).unwrap();
    let Action::Packet(p) = &s.events[0].action else {
        panic!()
    };
    let Chunks::Items(i) = &p.chunks else {
        panic!()
    };
    let e = spec::chunk(&i[0]).unwrap_err();
    assert_eq!((e.pos.line, e.pos.col), (1, 11));
    assert!(e.message.contains("cum_tsn"), "{}", e.message);
}

/// packetdrill's `msghdr` (`msg_iov(1)=[...]`: the member and its length,
/// kept as `msg_iov` and `msg_iovlen`) and its positional `iovec`
/// (`{base, len}`), as FreeBSD's cmsg and notification scripts write them.
#[test]
fn msghdr_and_iovec_forms() {
    let s = parse(
        "0 recvmsg(3, {msg_name(...)=..., msg_iov(2)=[{iov_base=..., iov_len=10}, {..., 20}],\n\
         msg_control(0)=[], msg_flags=MSG_NOTIFICATION|MSG_EOR}, 0) = 12\n",
        &[],
    )
    .unwrap();
    let Action::Syscall(c) = &s.events[0].action else {
        panic!("not a call")
    };
    let Expr::Struct(f) = &c.args[1] else {
        panic!("not a struct: {:?}", c.args[1])
    };
    let names: Vec<&str> = f.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "msg_namelen",
            "msg_name",
            "msg_iovlen",
            "msg_iov",
            "msg_controllen",
            "msg_control",
            "msg_flags"
        ]
    );
    assert_eq!(f[2].1, Expr::Int(2));
    let Expr::List(iov) = &f[3].1 else {
        panic!("msg_iov is not a list")
    };
    assert_eq!(
        iov[1],
        Expr::Struct(vec![
            ("iov_base".into(), Expr::Ellipsis),
            ("iov_len".into(), Expr::Int(20)),
        ])
    );
    // A positional struct has exactly two members.
    let (line, col, msg) =
        error_at("0 sctp_sendv(3, [{..., 1, 2}], 1, ..., 0, NULL, 0, 0, 0) = 3\n");
    assert_eq!((line, col), (1, 25), "{msg}");
    assert!(msg.contains("expected '}'"), "{msg}");
}
