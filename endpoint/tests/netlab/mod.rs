//! Throw-away network topologies for the raw-IP tests: network namespaces
//! joined to each other (or to ours) by veth pairs, removed when the [`Lab`]
//! is dropped, also when the test panics (the guard runs while unwinding),
//! and namespaces left by test processes that were killed are removed when
//! the next lab starts (same `sctpkit-test-<pid>-` names as
//! `craft/tests/peer/netns.rs`). [`in_netns`] runs a closure on a thread
//! inside a namespace, so a socket our test makes there belongs to it
//! (network namespaces are per thread; a socket keeps the namespace it was
//! made in).
#![allow(dead_code)]

use std::process::Command;

/// Runs `ip` with `args` (inside namespace `ns` when given).
pub fn ip(ns: Option<&str>, args: &[&str]) -> Result<(), String> {
    let mut c = Command::new("ip");
    if let Some(ns) = ns {
        c.args(["-n", ns]);
    }
    let o = c.args(args).output().map_err(|e| format!("ip: {e}"))?;
    if o.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}{}: {}",
            ns.map(|n| format!("-n {n} ")).unwrap_or_default(),
            args.join(" "),
            String::from_utf8_lossy(&o.stderr).trim()
        ))
    }
}

/// Fails the test unless it runs as root.
pub fn require_root() {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    assert_eq!(
        uid, "0",
        "raw IP tests need root (raw sockets and ip netns); CI runs as root"
    );
}

/// One veth pair: its two ends (interface name, namespace or `None` for
/// ours).
#[derive(Debug, Clone)]
pub struct Link {
    pub a: String,
    pub a_ns: Option<String>,
    pub b: String,
    pub b_ns: Option<String>,
}

/// Namespaces and veth pairs made for one test.
pub struct Lab {
    tag: String,
    namespaces: Vec<String>,
    /// veth ends in our namespace (removed explicitly on drop).
    root_links: Vec<String>,
    links: usize,
}

impl Lab {
    /// A lab whose names carry `tag` (at most 3 characters: interface names
    /// are limited to 15).
    pub fn new(tag: &str) -> Lab {
        require_root();
        assert!(tag.len() <= 3, "lab tag {tag:?} longer than 3");
        remove_stale();
        Lab {
            tag: tag.to_string(),
            namespaces: Vec::new(),
            root_links: Vec::new(),
            links: 0,
        }
    }

    /// Makes namespace `sctpkit-test-<pid>-<tag><short>` with its loopback
    /// up; returns its name.
    pub fn netns(&mut self, short: &str) -> String {
        let name = format!("sctpkit-test-{}-{}{short}", std::process::id(), self.tag);
        ip(None, &["netns", "add", &name]).expect("ip netns add");
        self.namespaces.push(name.clone());
        ip(Some(&name), &["link", "set", "lo", "up"]).expect("lo up");
        name
    }

    /// A veth pair between `a_ns` and `b_ns` (`None`: our namespace), with
    /// addresses (with prefix lengths) on each end, both up.
    pub fn link(
        &mut self,
        a_ns: Option<&str>,
        a_addrs: &[&str],
        b_ns: Option<&str>,
        b_addrs: &[&str],
    ) -> Link {
        self.links += 1;
        let base = format!(
            "sk{}{}{}",
            std::process::id() % 100_000,
            self.tag,
            self.links
        );
        let (a, b) = (format!("{base}a"), format!("{base}b"));
        ip(
            None,
            &["link", "add", &a, "type", "veth", "peer", "name", &b],
        )
        .expect("veth");
        // Until both ends are moved, they are ours: remove them on drop.
        self.root_links.push(a.clone());
        for (ifn, ns, addrs) in [(&a, a_ns, a_addrs), (&b, b_ns, b_addrs)] {
            if let Some(ns) = ns {
                ip(None, &["link", "set", ifn, "netns", ns]).expect("move veth");
            }
            for ad in addrs {
                let mut args = vec!["addr", "add", ad, "dev", ifn];
                if ad.contains(':') {
                    args.push("nodad");
                }
                ip(ns, &args).expect("address");
            }
            ip(ns, &["link", "set", ifn, "up"]).expect("link up");
        }
        if a_ns.is_some() && b_ns.is_some() {
            self.root_links.pop();
        }
        Link {
            a,
            a_ns: a_ns.map(str::to_string),
            b,
            b_ns: b_ns.map(str::to_string),
        }
    }

    /// Sets interface `ifn` (in `ns`) up or down.
    pub fn set_up(&self, ns: Option<&str>, ifn: &str, up: bool) {
        ip(ns, &["link", "set", ifn, if up { "up" } else { "down" }]).expect("link set");
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for n in &self.namespaces {
            let _ = ip(None, &["netns", "del", n]);
        }
        for l in &self.root_links {
            let _ = ip(None, &["link", "del", l]);
        }
    }
}

/// Packets interface `ifn` (in `ns`) has sent, from the kernel's counters.
pub fn tx_packets(ns: Option<&str>, ifn: &str) -> u64 {
    let mut c = Command::new("ip");
    if let Some(ns) = ns {
        c.args(["-n", ns]);
    }
    let o = c
        .args(["-j", "-s", "link", "show", "dev", ifn])
        .output()
        .expect("ip -s link");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("ip -j -s link show dev {ifn}: {e}"));
    v[0]["stats64"]["tx"]["packets"]
        .as_u64()
        .unwrap_or_else(|| panic!("no tx packets for {ifn}: {v}"))
}

/// Runs `f` on a thread that joined namespace `ns`: the sockets it makes
/// live there whichever thread uses them later.
pub fn in_netns<T: Send>(ns: &str, f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(|| {
            let fd = std::fs::File::open(format!("/run/netns/{ns}"))
                .unwrap_or_else(|e| panic!("open /run/netns/{ns}: {e}"));
            nix::sched::setns(&fd, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
            f()
        })
        .join()
        .expect("thread in the namespace")
    })
}

/// Removes namespaces left by test processes that died without cleaning up.
fn remove_stale() {
    let Ok(o) = Command::new("ip").args(["netns", "list"]).output() else {
        return;
    };
    for line in String::from_utf8_lossy(&o.stdout).lines() {
        let Some(name) = line.split_whitespace().next() else {
            continue;
        };
        let Some(rest) = name.strip_prefix("sctpkit-test-") else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or("");
        if !pid.is_empty() && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = ip(None, &["netns", "del", name]);
        }
    }
}
