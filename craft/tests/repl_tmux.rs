//! The REPL under a real terminal (tmux): completion of a chunk name and of a
//! field, `show`, `save`, history, leaving with Ctrl-D.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    name: String,
    dir: PathBuf,
}

impl Tmux {
    /// Types text literally (`-l`), except the key names Tab, Enter and C-d.
    fn keys(&self, keys: &[&str]) {
        for k in keys {
            let mut c = Command::new("tmux");
            c.args(["send-keys", "-t", &self.name]);
            if !["Tab", "Enter", "C-d", "C-c"].contains(k) {
                c.arg("-l");
            }
            assert!(c.arg(k).status().unwrap().success());
        }
    }
    fn pane(&self) -> String {
        let o = Command::new("tmux")
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
        Command::new("tmux")
            .args(["has-session", "-t", &self.name])
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn repl_completes_shows_saves_and_leaves() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("tmux not installed: skipped");
        return;
    }
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
    let st = Command::new("tmux")
        .args([
            "new-session",
            "-d",
            "-x",
            "200",
            "-y",
            "50",
            "-s",
            &name,
            &cmd,
        ])
        .status()
        .unwrap();
    assert!(st.success());
    let t = Tmux {
        name,
        dir: dir.clone(),
    };
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
        let ps = Command::new("tmux")
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
