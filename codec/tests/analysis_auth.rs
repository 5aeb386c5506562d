//! SCTP-AUTH verification of `sctp_codec::analysis` (RFC 4895) on a real
//! association between two usrsctp 0.9.5 stacks that both require DATA and
//! SACK to be authenticated under shared key 1 (captures/usrsctp-auth.pcapng,
//! recorded by scripts/record-captures.sh auth; the key is the one given to
//! usrsctp there):
//!
//! - with the key, every AUTH chunk verifies, and there are as many as tshark
//!   shows, and no DATA or SACK goes without one;
//! - one byte flipped in an authenticated chunk (checksums made good again)
//!   is flagged on that packet's AUTH only;
//! - an AUTH chunk turned into PAD leaves the chunks after it
//!   unauthenticated, flagged;
//! - a wrong key flags every AUTH chunk; no key for identifier 1 verifies none.

use std::path::{Path, PathBuf};
use std::process::Command;

use sctp_codec::analysis::capture::{analyze_file, ReadOptions};
use sctp_codec::analysis::{AuthVerdict, Config, KeyLog, Note};
use sctp_codec::auth::HmacAlgorithm;
use sctp_codec::capture::CaptureReader;
use sctp_codec::link::{extract_sctp, Defragmenter, LinkConfig};

/// The key scripts/record-captures.sh gives both usrsctp peers (`key=1:...`).
const KEY: &str = "sctpkit-auth-key";

fn capture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures/usrsctp-auth.pcapng")
}

fn read_opts() -> ReadOptions {
    ReadOptions {
        link: LinkConfig {
            udp_ports: vec![39899, 39900],
        },
        ..ReadOptions::default()
    }
}

/// AUTH verdicts: (frame, verdict).
type Verdicts = Vec<(u64, AuthVerdict)>;
/// Chunks sent without a required AUTH: (frame, chunk type).
type Bare = Vec<(u64, u8)>;

/// What the analysis says of one capture under key file `keys`: the AUTH
/// verdicts and the unauthenticated chunks.
fn run(file: &Path, keys: &str) -> (Verdicts, Bare) {
    let cfg = Config {
        keys: KeyLog::parse(keys).expect("key file"),
        ..Config::default()
    };
    let (mut verdicts, mut bare) = (Vec::new(), Vec::new());
    let sums = analyze_file(file, &read_opts(), cfg, |m, _, r| {
        for n in &r.notes {
            match n.note {
                Note::Auth(v) => verdicts.push((m.frame, v)),
                Note::Unauthenticated { ty } => bare.push((m.frame, ty)),
                _ => {}
            }
        }
    })
    .map_err(|(_, e)| e)
    .expect("capture reads");
    assert_eq!(sums.len(), 1, "one association");
    let a = sums[0].auth;
    assert_eq!(
        a.verified + a.bad + a.unchecked,
        verdicts.len() as u64,
        "{a:?}"
    );
    assert_eq!(a.unauthenticated, bare.len() as u64);
    (verdicts, bare)
}

/// tshark's count of AUTH chunks (type 15) in the capture.
fn tshark_auth_chunks(file: &Path) -> usize {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .args(["-d", "udp.port==39899,sctp", "-d", "udp.port==39900,sctp"])
        .args(["-T", "fields", "-e", "sctp.chunk_type"])
        .output()
        .expect("tshark is needed");
    String::from_utf8_lossy(&out.stdout)
        .split([',', '\n'])
        .filter(|t| t.trim() == "15")
        .count()
}

/// Frames whose SCTP packet has an AUTH chunk followed by a DATA chunk:
/// frame number, the frame's bytes, where SCTP starts in it.
fn auth_data_frames(file: &Path) -> Vec<(u64, Vec<u8>, usize)> {
    let mut r = CaptureReader::open(file).expect("capture");
    let cfg = read_opts().link;
    let mut d = Defragmenter::default();
    let mut out = Vec::new();
    while let Some(fr) = r.next_frame() {
        let fr = fr.expect("frame");
        let Ok(Some(seg)) = extract_sctp(fr.link_type, fr.data, &cfg, &mut d) else {
            continue;
        };
        let Some(at) = seg.offset_in_frame else {
            continue;
        };
        let b = &seg.sctp;
        let mut i = 12;
        let mut types = Vec::new();
        while i + 4 <= b.len() {
            let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
            types.push((b[i], i));
            if len < 4 {
                break;
            }
            i += (len + 3) & !3;
        }
        let auth = types.iter().position(|t| t.0 == 15);
        let data = types.iter().position(|t| t.0 == 0);
        if let (Some(a), Some(x)) = (auth, data) {
            if a < x {
                out.push((fr.number, fr.data.to_vec(), at));
            }
        }
    }
    out
}

/// A copy of the capture with frame `frame`'s bytes changed by `edit`
/// (given the SCTP packet), its CRC32c made good again and its UDP checksum
/// zeroed (none, RFC 768), so only SCTP-AUTH can tell.
fn tampered(
    file: &Path,
    frame: &[u8],
    sctp_at: usize,
    name: &str,
    edit: impl FnOnce(&mut [u8]),
) -> PathBuf {
    let mut bytes = std::fs::read(file).expect("capture");
    let pos = bytes
        .windows(frame.len())
        .position(|w| w == frame)
        .expect("the frame's bytes in the file");
    let f = &mut bytes[pos..pos + frame.len()];
    let sctp = &mut f[sctp_at..];
    edit(sctp);
    let crc = sctp_codec::checksum::crc32c_field(sctp);
    sctp[8..12].copy_from_slice(&crc.to_be_bytes());
    f[sctp_at - 2..sctp_at].copy_from_slice(&[0, 0]);
    let out =
        std::env::temp_dir().join(format!("sctpkit-auth-{}-{name}.pcapng", std::process::id()));
    std::fs::write(&out, bytes).expect("write");
    out
}

#[test]
fn every_auth_chunk_of_usrsctp_verifies_with_the_key() {
    let file = capture();
    let (v, bare) = run(
        &file,
        &format!("PAIR 127.0.0.1:5000 127.0.0.1:5001 1 {KEY}\n"),
    );
    assert_eq!(
        v.len(),
        tshark_auth_chunks(&file),
        "AUTH chunks, as tshark counts them"
    );
    assert!(v.len() >= 20, "{} AUTH chunks", v.len());
    for (frame, x) in &v {
        assert_eq!(
            *x,
            AuthVerdict::Verified {
                key_id: 1,
                hmac: HmacAlgorithm::Sha1
            },
            "frame {frame}"
        );
    }
    assert!(bare.is_empty(), "unauthenticated chunks: {bare:?}");
    eprintln!("usrsctp-auth: {} AUTH chunks verified", v.len());
}

#[test]
fn one_flipped_byte_is_flagged_on_its_packet_only() {
    let file = capture();
    let frames = auth_data_frames(&file);
    let (n, bytes, at) = frames
        .first()
        .cloned()
        .expect("a packet with AUTH then DATA");
    let copy = tampered(&file, &bytes, at, "flip", |sctp| {
        let last = sctp.len() - 1; // a byte of the DATA chunk's user data
        sctp[last] ^= 0x01;
    });
    let (v, _) = run(&copy, &format!("ANY 1 \"{KEY}\"\n"));
    std::fs::remove_file(&copy).ok();
    let bad: Vec<u64> = v.iter().filter(|x| x.1.is_bad()).map(|x| x.0).collect();
    assert_eq!(bad, [n], "only the tampered packet fails");
    assert_eq!(v.iter().filter(|x| x.1.is_verified()).count(), v.len() - 1);
}

#[test]
fn an_auth_chunk_made_pad_leaves_the_chunks_after_it_unauthenticated() {
    let file = capture();
    let frames = auth_data_frames(&file);
    let (n, bytes, at) = frames
        .last()
        .cloned()
        .expect("a packet with AUTH then DATA");
    let copy = tampered(&file, &bytes, at, "pad", |sctp| {
        // The AUTH chunk is the first one usrsctp bundles (RFC 4895 6.2).
        assert_eq!(sctp[12], 15);
        sctp[12] = 0x84; // PAD (RFC 4820)
    });
    let (v, bare) = run(&copy, &format!("ANY 1 {KEY}\n"));
    std::fs::remove_file(&copy).ok();
    assert!(v.iter().all(|x| x.1.is_verified()));
    assert!(
        !bare.is_empty() && bare.iter().all(|b| b.0 == n),
        "{bare:?}"
    );
    assert!(bare.iter().all(|b| b.1 == 0 || b.1 == 3), "{bare:?}");
}

#[test]
fn a_wrong_key_flags_every_auth_chunk_and_no_key_checks_none() {
    let file = capture();
    let (v, _) = run(&file, "ANY 1 \"not the key\"\n");
    assert!(!v.is_empty());
    assert!(
        v.iter().all(|x| x.1 == AuthVerdict::BadHmac { key_id: 1 }),
        "{v:?}"
    );
    let (v, _) = run(&file, "");
    assert!(
        v.iter().all(|x| x.1 == AuthVerdict::NoKey { key_id: 1 }),
        "{v:?}"
    );
}
