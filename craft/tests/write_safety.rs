//! Nothing the user had is truncated or overwritten by accident: `dissect -w`
//! onto its own input (same path, symlink, hard link, stdin), `graph -o`
//! onto the capture it draws, `save` onto a
//! capture of another format or onto a file that is not a capture at all.
//! What was written is checked with tshark, not with our own reader.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;
use common::{listing, stderr};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    common::scratch("ws", name)
}

/// A writable copy of a corpus capture in `dir`.
fn copy_of(dir: &Path, corpus_name: &str, as_name: &str) -> PathBuf {
    let p = dir.join(as_name);
    let bytes = std::fs::read(common::corpus_dir().join(corpus_name)).unwrap();
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn dissect_w_refuses_to_write_over_its_own_input() {
    let dir = scratch("same");
    let input = copy_of(&dir, "pcapr-m3ua-map-multi-assoc.pcap", "same.pcap");
    let original = std::fs::read(&input).unwrap();
    std::os::unix::fs::symlink(&input, dir.join("link.pcap")).unwrap();
    std::fs::hard_link(&input, dir.join("hard.pcap")).unwrap();
    let before = listing(&dir);
    let same_path_spelled_otherwise = dir.join(".").join("same.pcap");
    for out in [
        input.clone(),
        same_path_spelled_otherwise,
        dir.join("link.pcap"),
        dir.join("hard.pcap"),
    ] {
        let o = bin()
            .args(["dissect", "-q", "-Y", "sack", "-w"])
            .arg(&out)
            .arg(&input)
            .output()
            .unwrap();
        assert!(!o.status.success(), "-w {} accepted", out.display());
        let e = stderr(&o);
        assert!(
            e.contains("is the input") && e.contains(&out.display().to_string()),
            "-w {}: {e}",
            out.display()
        );
        assert!(o.stdout.is_empty());
        assert_eq!(
            std::fs::read(&input).unwrap(),
            original,
            "-w {} changed the input",
            out.display()
        );
        assert_eq!(listing(&dir), before, "nothing left behind");
    }
    // The input given through the symlink, the output by its real name.
    let o = bin()
        .args(["dissect", "-q", "-w"])
        .arg(&input)
        .arg(dir.join("link.pcap"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert_eq!(std::fs::read(&input).unwrap(), original);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn graph_o_refuses_to_write_over_the_capture_it_draws() {
    let dir = scratch("graph");
    let input = copy_of(&dir, "pcapr-m3ua-map-multi-assoc.pcap", "in.pcap");
    let original = std::fs::read(&input).unwrap();
    std::os::unix::fs::symlink(&input, dir.join("link.pcap")).unwrap();
    for out in [input.clone(), dir.join("link.pcap")] {
        let o = bin()
            .args(["graph", "--assoc", "1", "--kind", "tsn", "-o"])
            .arg(&out)
            .arg(&input)
            .output()
            .unwrap();
        assert!(!o.status.success(), "-o {} accepted", out.display());
        assert!(stderr(&o).contains("is the input"), "{}", stderr(&o));
        assert_eq!(
            std::fs::read(&input).unwrap(),
            original,
            "-o {}",
            out.display()
        );
    }
    // Another name draws.
    let o = bin()
        .args(["graph", "--assoc", "1", "--kind", "tsn", "-o"])
        .arg(dir.join("tsn.svg"))
        .arg(&input)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read_to_string(dir.join("tsn.svg"))
        .unwrap()
        .contains("<svg"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn dissect_w_refuses_to_write_over_the_file_on_stdin() {
    let dir = scratch("stdin");
    let input = copy_of(&dir, "pcapr-m3ua-map-multi-assoc.pcap", "in.pcap");
    let original = std::fs::read(&input).unwrap();
    let o = bin()
        .args(["dissect", "-q", "-w"])
        .arg(&input)
        .arg("-")
        .stdin(Stdio::from(std::fs::File::open(&input).unwrap()))
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(stderr(&o).contains("is the input"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&input).unwrap(), original);
    std::fs::remove_dir_all(&dir).ok();
}

/// Runs statements with `-c`.
fn craft_c(stmts: &str) -> Output {
    bin().args(["-c", stmts]).output().unwrap()
}

#[test]
fn save_refuses_a_format_that_does_not_match_the_existing_file() {
    let dir = scratch("fmt");
    let ng = dir.join("x.pcapng");
    let o = craft_c(&format!(
        "p = sctp() / data(tsn=1, user_data=\"a\"); save {} p",
        ng.display()
    ));
    assert!(o.status.success(), "{}", stderr(&o));
    let before = std::fs::read(&ng).unwrap();
    // An explicit format= that is not the file's: refused, file untouched.
    let o = craft_c(&format!(
        "p = sctp() / data(tsn=2, user_data=\"b\"); save {} p format=pcap",
        ng.display()
    ));
    assert!(
        !o.status.success(),
        "format=pcap onto a pcapng was accepted"
    );
    let e = stderr(&o);
    assert!(
        e.contains("is a pcapng file") && e.contains("format=pcap"),
        "{e}"
    );
    assert_eq!(std::fs::read(&ng).unwrap(), before);

    let pcap = dir.join("y.pcap");
    let o = craft_c(&format!(
        "p = sctp() / data(tsn=1); save {} p",
        pcap.display()
    ));
    assert!(o.status.success(), "{}", stderr(&o));
    let before = std::fs::read(&pcap).unwrap();
    let o = craft_c(&format!(
        "p = sctp() / data(tsn=2); save {} p format=pcapng",
        pcap.display()
    ));
    assert!(
        !o.status.success(),
        "format=pcapng onto a pcap was accepted"
    );
    assert!(stderr(&o).contains("is a pcap file"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&pcap).unwrap(), before);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn save_never_writes_into_a_file_that_is_not_a_capture() {
    let dir = scratch("notcap");
    let notes = dir.join("notes.txt");
    let text = b"my notes, not a capture\n".to_vec();
    for mode in ["", "mode=append", "mode=new"] {
        std::fs::write(&notes, &text).unwrap();
        let o = craft_c(&format!(
            "p = sctp() / data(tsn=1); save {} p {mode}",
            notes.display()
        ));
        assert!(!o.status.success(), "save {mode} into a text file accepted");
        let e = stderr(&o);
        assert!(e.contains("not a pcap or pcapng"), "{mode}: {e}");
        assert!(
            !e.contains("or mode=new"),
            "the message must not invite data loss: {e}"
        );
        assert_eq!(
            std::fs::read(&notes).unwrap(),
            text,
            "{mode} changed the file"
        );
    }
    // A capture cut inside a record: appending after it would hide the new
    // packets from every reader.
    let cut = copy_of(&dir, "pcapr-m3ua-map-single.pcap", "cut.pcap");
    let len = std::fs::metadata(&cut).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&cut).unwrap();
    f.set_len(len - 5).unwrap();
    drop(f);
    let before = std::fs::read(&cut).unwrap();
    let o = craft_c(&format!(
        "p = sctp() / data(tsn=1); save {} p link=ether",
        cut.display()
    ));
    assert!(!o.status.success(), "appending after a cut record accepted");
    assert!(stderr(&o).contains("cut"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&cut).unwrap(), before);
    // A directory.
    let o = craft_c(&format!(
        "p = sctp() / data(tsn=1); save {} p",
        dir.display()
    ));
    assert!(!o.status.success());
    assert!(stderr(&o).contains("is a directory"), "{}", stderr(&o));
    assert_eq!(listing(&dir), ["cut.pcap", "notes.txt"]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn save_appends_in_the_existing_files_format_and_replaces_only_on_mode_new() {
    let dir = scratch("append");
    // Appending to a pcapng adds a section; tshark reads both packets.
    let ng = dir.join("a.pcapng");
    let o = craft_c(&format!(
        "p = sctp() / data(tsn=11); save {f} p; q = sctp() / data(tsn=12); save {f} q",
        f = ng.display()
    ));
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = common::tshark::fields(&ng, &["sctp.data_tsn_raw"]);
    assert_eq!(rows, [["11"], ["12"]]);
    // A nanosecond pcap (made by editcap) gets nanosecond timestamps.
    let us = dir.join("us.pcap");
    let o = craft_c(&format!(
        "p = sctp() / data(tsn=1); save {} p",
        us.display()
    ));
    assert!(o.status.success(), "{}", stderr(&o));
    let ns = dir.join("ns.pcap");
    let e = Command::new("editcap")
        .args(["-F", "nsecpcap"])
        .arg(&us)
        .arg(&ns)
        .output()
        .unwrap();
    assert!(e.status.success(), "{}", stderr(&e));
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64()
    };
    let t_before = now();
    let o = craft_c(&format!(
        "p = sctp() / data(tsn=2); save {} p",
        ns.display()
    ));
    let t_after = now();
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = common::tshark::fields(&ns, &["frame.time_epoch", "sctp.data_tsn_raw"]);
    assert_eq!(rows.len(), 2, "{rows:?}");
    let t1: f64 = rows[1][0].parse().unwrap();
    // Microseconds written where the file holds nanoseconds would put the
    // packet at the start of its second.
    assert!(
        t1 >= t_before - 0.001 && t1 <= t_after + 0.001,
        "appended timestamp {t1} not between {t_before} and {t_after}"
    );
    assert_eq!(rows[1][1], "2");
    // mode=new replaces a capture (explicitly asked for), in the asked format.
    let o = craft_c(&format!(
        "p = sctp() / data(tsn=99); save {} p mode=new format=pcap",
        ng.display()
    ));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(&std::fs::read(&ng).unwrap()[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
    let rows = common::tshark::fields(&ng, &["sctp.data_tsn_raw"]);
    assert_eq!(rows, [["99"]]);
    assert_eq!(listing(&dir), ["a.pcapng", "ns.pcap", "us.pcap"]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn help_save_says_what_happens_to_an_existing_file() {
    let o = craft_c("help save");
    assert!(o.status.success());
    let h = String::from_utf8_lossy(&o.stdout);
    for needle in [
        "existing",
        "appends",
        "mode=new",
        "not a capture",
        "format=",
    ] {
        assert!(h.contains(needle), "help save lacks {needle:?}:\n{h}");
    }
}
