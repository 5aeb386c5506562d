//! The REPL under a real terminal (tmux): completion of a chunk name and of a
//! field, `show`, `save`, history, leaving with Ctrl-D.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    name: String,
    dir: PathBuf,
}

/// `tmux` talking to the server of session `name` alone (`-L`: a socket of
/// its own). With the default socket the tests' sessions shared one server,
/// which exits when its last session ends: a test starting its session just
/// then failed with "server exited unexpectedly".
fn tmux(name: &str) -> Command {
    let mut c = Command::new("tmux");
    c.args(["-L", name]);
    c
}

impl Tmux {
    /// Starts `cmd` in a detached 200x50 tmux session `name`, on a server of
    /// its own; `dir` (the session's private HOME) is removed with the session.
    fn start(name: String, dir: PathBuf, cmd: &str) -> Tmux {
        let st = tmux(&name)
            .args([
                "new-session",
                "-d",
                "-x",
                "200",
                "-y",
                "50",
                "-s",
                &name,
                cmd,
            ])
            .status()
            .expect("tmux is needed for the REPL tests (scripts/install-deps.sh installs it)");
        assert!(st.success(), "tmux new-session failed");
        Tmux { name, dir }
    }
    /// Types text literally (`-l`), except the key names Tab, Enter and C-d.
    fn keys(&self, keys: &[&str]) {
        for k in keys {
            let mut c = tmux(&self.name);
            c.args(["send-keys", "-t", &self.name]);
            if !["Tab", "Enter", "C-d", "C-c"].contains(k) {
                c.arg("-l");
            }
            assert!(c.arg(k).status().unwrap().success());
        }
    }
    fn pane(&self) -> String {
        let o = tmux(&self.name)
            .args(["capture-pane", "-p", "-J", "-S", "-200", "-t", &self.name])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    }
    /// Polls the pane until `text` appears (deadline 10 s).
    fn wait_for(&self, text: &str) -> String {
        let end = Instant::now() + Duration::from_secs(10);
        loop {
            let p = self.pane();
            if p.contains(text) {
                return p;
            }
            assert!(
                Instant::now() < end,
                "timed out waiting for {text:?}; pane:\n{p}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    fn alive(&self) -> bool {
        tmux(&self.name)
            .args(["has-session", "-t", &self.name])
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }
}

impl Tmux {
    /// The REPL in a tmux session `craft-repl-{tag}-PID` whose fresh
    /// private HOME is also its working directory (and holds its history),
    /// filled by `prepare` first; run with `exec`, so if a signal killed
    /// the REPL the pane (and session) would go. Returns once the prompt
    /// shows.
    fn repl(tag: &str, prepare: impl FnOnce(&std::path::Path)) -> Tmux {
        let name = format!("craft-repl-{tag}-{}", std::process::id());
        let dir = std::env::temp_dir().join(&name);
        std::fs::create_dir_all(&dir).unwrap();
        prepare(&dir);
        let cmd = format!(
            "cd {d} && exec env HOME={d} SCTP_CRAFT_HISTORY={d}/history TERM=xterm-256color {b}",
            d = dir.display(),
            b = env!("CARGO_BIN_EXE_sctp-craft")
        );
        let t = Tmux::start(name, dir, &cmd);
        t.wait_for("sctp>");
        t
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = tmux(&self.name).arg("kill-server").status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn repl_completes_shows_saves_and_leaves() {
    let name = format!("craft-repl-{}", std::process::id());
    let dir = std::env::temp_dir().join(&name);
    std::fs::create_dir_all(&dir).unwrap();
    let hist = dir.join("history");
    let cmd = format!(
        "env HOME={d} SCTP_CRAFT_HISTORY={h} TERM=xterm-256color {b}; sleep 30",
        d = dir.display(),
        h = hist.display(),
        b = env!("CARGO_BIN_EXE_sctp-craft")
    );
    let t = Tmux::start(name, dir.clone(), &cmd);
    t.wait_for("sctp>");
    // Chunk name completion: "shutdown_com" + Tab.
    t.keys(&["sctp(vtag=5) / shutdown_com", "Tab"]);
    t.wait_for("shutdown_complete(");
    t.keys(&["t_bit=1)", "Enter"]);
    t.wait_for("SHUTDOWN-COMPLETE");
    // Field completion inside init(: "initiat" + Tab gives initiate_tag=.
    t.keys(&["init(initiat", "Tab"]);
    t.wait_for("init(initiate_tag=");
    t.keys(&["0x77, initial_tsn=3)", "Enter"]);
    t.wait_for("INIT(tag=0x00000077");
    t.keys(&["show", "Enter"]);
    t.wait_for("initiate_tag: 119 (0x00000077)");
    // An error keeps the session and its packets.
    t.keys(&["init(bogus=1)", "Enter"]);
    t.wait_for("no field \"bogus\"");
    let pcap = dir.join("repl.pcap");
    t.keys(&[&format!("save {}", pcap.display()), "Enter"]);
    t.wait_for("saved 1 packet(s)");
    assert!(std::fs::metadata(&pcap).unwrap().len() > 24 + 16);
    // Ctrl-D leaves: the shell goes on to `sleep`, the REPL is gone.
    t.keys(&["C-d"]);
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        let ps = tmux(&t.name)
            .args(["list-panes", "-t", &t.name, "-F", "#{pane_current_command}"])
            .output()
            .unwrap();
        let cur = String::from_utf8_lossy(&ps.stdout).into_owned();
        if cur.contains("sleep") || !t.alive() {
            break;
        }
        assert!(Instant::now() < end, "REPL did not leave on Ctrl-D: {cur}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let h = std::fs::read_to_string(&hist).unwrap();
    assert!(
        h.contains("shutdown_complete(t_bit=1)") && h.contains("show"),
        "history: {h}"
    );
}

/// Ctrl-C while a command runs (`sleep`, `recv`) stops that command, not the
/// REPL: the packets stay. Tab completes file names after `load`/`save`.
#[test]
fn repl_ctrl_c_stops_a_command_and_keeps_the_session() {
    let t = Tmux::repl("int", |d| {
        std::fs::write(d.join("only-capture-here.pcap"), b"").unwrap();
    });
    t.keys(&["p = sctp(vtag=0x4242) / cookie_ack()", "Enter"]);
    t.wait_for("p = 5000 → 5000 vtag=0x00004242 COOKIE-ACK");
    t.keys(&["sleep 60000; echo not-reached", "Enter"]);
    std::thread::sleep(Duration::from_millis(500));
    t.keys(&["C-c"]);
    t.wait_for("interrupted (Ctrl-C)");
    // A UDP peer that never answers: recv waits, Ctrl-C stops it.
    t.keys(&["peer udp 127.0.0.1:9", "Enter"]);
    t.wait_for("peer: udp ");
    t.keys(&["recv timeout=60000", "Enter"]);
    std::thread::sleep(Duration::from_millis(500));
    t.keys(&["C-c"]);
    let end = Instant::now() + Duration::from_secs(10);
    while t.pane().matches("interrupted (Ctrl-C)").count() < 2 {
        assert!(t.alive(), "the REPL died on Ctrl-C");
        assert!(Instant::now() < end, "recv not interrupted:\n{}", t.pane());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(t.alive(), "the REPL died on Ctrl-C");
    t.keys(&["vars", "Enter"]);
    let pane = t.wait_for("       p  5000 → 5000 vtag=0x00004242 COOKIE-ACK");
    assert!(
        !pane.lines().any(|l| l.trim() == "not-reached"),
        "the rest of the line ran: {pane}"
    );
    // File name completion.
    t.keys(&["load only-cap", "Tab"]);
    t.wait_for("load only-capture-here.pcap");
    t.keys(&["C-c", "C-d"]);
}

/// Issue 15 item 7: an unclosed `(` shows a continuation prompt (as Python
/// does) instead of swallowing the next lines silently; closing it runs the
/// statement; Ctrl-C drops the open statement and the session goes on. A
/// `(` inside a comment or a string opens nothing.
#[test]
fn repl_unclosed_paren_shows_a_continuation_prompt_and_ctrl_c_drops_it() {
    let t = Tmux::repl("cont", |_| {});
    t.keys(&["p2 = sctp() / data(tsn=1, user_data=\"abc\"", "Enter"]);
    t.wait_for("  ...");
    t.keys(&[")", "Enter"]);
    t.wait_for("p2 = 5000 → 5000 vtag=0x00000000 DATA(tsn=1");
    // Ctrl-C on the continuation line drops the open statement.
    t.keys(&["q = data(tsn=2", "Enter"]);
    std::thread::sleep(Duration::from_millis(300));
    t.keys(&["C-c"]);
    t.wait_for("dropped");
    t.keys(&["echo after-the-drop", "Enter"]);
    let pane = t.wait_for("\nafter-the-drop");
    assert!(
        !pane.contains("q = 5000"),
        "the dropped statement ran:\n{pane}"
    );
    // Brackets in comments and strings open nothing.
    t.keys(&["echo commented # (not open", "Enter"]);
    t.wait_for("\ncommented");
    t.keys(&["d = data(user_data=\"(\")", "Enter"]);
    t.wait_for("d = 5000");
    t.keys(&["vars", "Enter"]);
    let pane = t.wait_for("      p2  5000");
    assert!(!pane.contains("       q  "), "{pane}");
    t.keys(&["C-d"]);
}

impl Tmux {
    /// Waits until `text` shows `n` times in the pane; returns how long it took.
    fn wait_count(&self, text: &str, n: usize, limit: Duration) -> Duration {
        let start = Instant::now();
        loop {
            let p = self.pane();
            if p.matches(text).count() >= n {
                return start.elapsed();
            }
            assert!(self.alive(), "the REPL died:\n{p}");
            assert!(
                start.elapsed() < limit,
                "{text:?} not shown {n} times within {limit:?}; pane:\n{p}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Issue 15 item 3: Ctrl-C stops every blocking command, the association
/// handshake first (`connect timeout=60000` to a UDP socket that never
/// answers, with its retransmissions), then `sr` and `expect`, each within
/// a moment, and the session goes on (its variables, the next command).
#[test]
fn repl_ctrl_c_stops_connect_sr_and_expect_and_keeps_the_session() {
    // A peer that receives everything and answers nothing.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let t = Tmux::repl("int2", |_| {});
    t.keys(&["p = sctp(vtag=0x4243) / cookie_ack()", "Enter"]);
    t.wait_for("p = 5000 → 5000 vtag=0x00004243 COOKIE-ACK");
    t.keys(&[&format!("peer udp 127.0.0.1:{port}"), "Enter"]);
    t.wait_for("peer: udp ");
    t.keys(&["assoc sport=5031 dport=5000", "Enter"]);
    t.wait_for("assoc new: local port 5031");
    let stop = |cmd: &str, n: usize| {
        t.keys(&[cmd, "Enter"]);
        std::thread::sleep(Duration::from_millis(1500));
        t.keys(&["C-c"]);
        let took = t.wait_count("interrupted (Ctrl-C)", n, Duration::from_secs(10));
        assert!(
            took < Duration::from_secs(2),
            "`{cmd}` took {took:?} to stop after Ctrl-C:\n{}",
            t.pane()
        );
    };
    stop("connect timeout=60000; echo connect-went-on", 1);
    // The INIT went out before Ctrl-C and is shown.
    t.wait_for("> 5031 → 5000 vtag=0x00000000 INIT(");
    t.keys(&["echo after-connect", "Enter"]);
    t.wait_for("\nafter-connect");
    stop("sr sctp(vtag=1) / cookie_ack() timeout=60000", 2);
    stop("expect sack timeout=60000", 3);
    t.keys(&["vars", "Enter"]);
    let pane = t.wait_for("       p  5000 → 5000 vtag=0x00004243 COOKIE-ACK");
    assert!(
        !pane.lines().any(|l| l.trim() == "connect-went-on"),
        "the rest of the line ran after Ctrl-C:\n{pane}"
    );
    drop(silent);
    t.keys(&["C-d"]);
}

/// Issue 15 item 17: Tab completes the header's short names inside `sctp(`
/// (`sp` gives `sport=`), and after a path into a variable the members of
/// what the path names: a chunk's fields, not every constructor.
#[test]
fn repl_completes_header_aliases_and_the_fields_of_a_path() {
    let t = Tmux::repl("compl", |_| {});
    t.keys(&["p = sctp(sp", "Tab"]);
    t.wait_for("p = sctp(sport=");
    t.keys(&["7) / data(tsn=1, user_data=\"hi\")", "Enter"]);
    t.wait_for("p = 7 → 5000");
    // Two Tabs list the candidates.
    t.keys(&["show p.chunks[0].", "Tab", "Tab"]);
    let pane = t.wait_for("stream_identifier");
    assert!(pane.contains("user_data"), "{pane}");
    assert!(
        !pane.contains("init_ack("),
        "constructors offered after a path:\n{pane}"
    );
    t.keys(&["us", "Tab"]);
    t.wait_for("show p.chunks[0].user_data");
    // At the start of a statement too (reading a field: the value).
    t.keys(&["C-c"]);
    t.keys(&["p.chunks[-1].us", "Tab"]);
    t.wait_for("p.chunks[-1].user_data");
    t.keys(&["Enter"]);
    t.wait_for("\n\"hi\"");
    t.keys(&["C-d"]);
}
