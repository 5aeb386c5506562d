//! `sctp-replay list --udp-port`: associations carried over UDP
//! encapsulation on ports other than 9899 (RFC 6951), as in the usrsctp
//! captures of `captures/`, counted per direction as tshark counts them
//! when told the same ports.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

#[test]
fn udp_encapsulated_captures_are_listed_with_their_ports() {
    for name in [
        "usrsctp-echo.pcapng",
        "usrsctp-bulk-fragmented.pcapng",
        "usrsctp-unordered.pcapng",
    ] {
        let file = root().join("captures").join(name);
        let out = Command::new(env!("CARGO_BIN_EXE_sctp-replay"))
            .args([
                "list",
                "--json",
                "--udp-port",
                "39899",
                "--udp-port",
                "39900",
            ])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{name}: one association");
        let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        let ours = (
            v["client"]["port"].as_u64().unwrap(),
            v["packets"]["client_to_server"].as_u64().unwrap(),
            v["server"]["port"].as_u64().unwrap(),
            v["packets"]["server_to_client"].as_u64().unwrap(),
        );
        // tshark, told the same ports, counts packets per source port.
        let t = Command::new("tshark")
            .args(["-r"])
            .arg(&file)
            .args(["-d", "udp.port==39899,sctp", "-d", "udp.port==39900,sctp"])
            .args(["-T", "fields", "-e", "sctp.srcport"])
            .output()
            .expect("tshark must be installed (scripts/install-deps.sh)");
        let mut per_port: HashMap<u64, u64> = HashMap::new();
        for l in String::from_utf8_lossy(&t.stdout).lines() {
            if let Ok(p) = l.trim().parse::<u64>() {
                *per_port.entry(p).or_default() += 1;
            }
        }
        assert_eq!(ours.1, per_port[&ours.0], "{name}: client packets");
        assert_eq!(ours.3, per_port[&ours.2], "{name}: server packets");
        // Without the ports, nothing is SCTP.
        let out = Command::new(env!("CARGO_BIN_EXE_sctp-replay"))
            .args(["list", "--json"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&out.stdout).trim().is_empty(),
            "{name}"
        );
    }
}
