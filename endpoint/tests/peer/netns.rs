//! A throw-away network namespace joined to ours by a veth pair, removed on
//! drop (deleting the namespace also deletes the veth pair).

use std::process::Command;

/// A namespace `sctpkit-test-<pid>-<tag>` with a veth pair to the root namespace.
pub struct Netns {
    /// Namespace name (for `ip netns exec`).
    pub name: String,
    /// Our end of the veth pair.
    pub host_if: String,
    /// The namespace's end.
    pub peer_if: String,
}

fn ip(args: &[&str]) -> Result<(), String> {
    let o = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("ip: {e}"))?;
    if o.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr).trim()
        ))
    }
}

impl Netns {
    /// Creates the namespace and the veth pair, addresses both ends
    /// (`host_addrs` here, `peer_addrs` there, with prefix lengths) and
    /// brings them up.
    pub fn create(tag: &str, host_addrs: &[&str], peer_addrs: &[&str]) -> Result<Netns, String> {
        remove_stale();
        let pid = std::process::id();
        let n = Netns {
            name: format!("sctpkit-test-{pid}-{tag}"),
            host_if: format!("skh{}{tag}", pid % 100_000),
            peer_if: format!("skp{}{tag}", pid % 100_000),
        };
        ip(&["netns", "add", &n.name])?;
        // From here on, drop removes what was made.
        ip(&[
            "link", "add", &n.host_if, "type", "veth", "peer", "name", &n.peer_if,
        ])?;
        ip(&["link", "set", &n.peer_if, "netns", &n.name])?;
        for a in host_addrs {
            let mut args = vec!["addr", "add", a, "dev", &n.host_if];
            if a.contains(':') {
                args.push("nodad");
            }
            ip(&args)?;
        }
        ip(&["link", "set", &n.host_if, "up"])?;
        for a in peer_addrs {
            let mut args = vec!["-n", &n.name, "addr", "add", a, "dev", &n.peer_if];
            if a.contains(':') {
                args.push("nodad");
            }
            ip(&args)?;
        }
        ip(&["-n", &n.name, "link", "set", &n.peer_if, "up"])?;
        ip(&["-n", &n.name, "link", "set", "lo", "up"])?;
        Ok(n)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = ip(&["netns", "del", &self.name]);
        let _ = ip(&["link", "del", &self.host_if]);
    }
}

/// Removes namespaces left by test processes that died without cleaning up
/// (killed before their drop guards ran), so their addresses do not linger.
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
            let _ = ip(&["netns", "del", name]);
        }
    }
}
