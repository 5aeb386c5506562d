//! Our side of the oracle: `sctp-craft dissect --json FILE`, one JSON object per line
//! per SCTP packet.

use serde_json::Value;
use std::net::IpAddr;
use std::path::Path;
use std::process::{Command, Stdio};

#[derive(Debug, Clone)]
pub struct OChunk {
    pub ty: Option<u8>,
    pub name: String,
    pub flags: Option<u8>,
    pub length: Option<u16>,
    pub tsn: Option<u32>,
    pub cum_tsn_ack: Option<u32>,
    pub raw: Value,
}

#[derive(Debug, Clone)]
pub struct OPacket {
    pub frame: u64,
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    pub src_port: Option<u16>,
    pub dst_port: Option<u16>,
    pub vtag: Option<u32>,
    pub checksum_value: Option<u32>,
    pub checksum_status: Option<String>,
    pub checksum_algorithm: Option<String>,
    pub chunks: Vec<OChunk>,
    pub raw: Value,
}

fn uint(v: &Value, key: &str) -> Option<u64> {
    v.get(key).and_then(Value::as_u64)
}

fn string(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(String::from)
}

fn addr(v: &Value, key: &str) -> Option<IpAddr> {
    v.get(key)
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
}

/// Parse one line of `dissect --json` output.
pub fn parse_line(line: &str) -> Result<OPacket, String> {
    let v: Value =
        serde_json::from_str(line).map_err(|e| format!("not JSON ({e}): {line:.200}"))?;
    let frame = uint(&v, "frame").ok_or_else(|| format!("no \"frame\": {line:.200}"))?;
    let ck = v.get("checksum").cloned().unwrap_or(Value::Null);
    let chunks = v
        .get("chunks")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|c| OChunk {
                    ty: uint(c, "type").map(|x| x as u8),
                    name: string(c, "name").unwrap_or_default(),
                    flags: uint(c, "flags").map(|x| x as u8),
                    length: uint(c, "length").map(|x| x as u16),
                    tsn: uint(c, "tsn").map(|x| x as u32),
                    cum_tsn_ack: uint(c, "cumulative_tsn_ack").map(|x| x as u32),
                    raw: c.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(OPacket {
        frame,
        src: addr(&v, "src"),
        dst: addr(&v, "dst"),
        src_port: uint(&v, "src_port").map(|x| x as u16),
        dst_port: uint(&v, "dst_port").map(|x| x as u16),
        vtag: uint(&v, "vtag").map(|x| x as u32),
        checksum_value: uint(&ck, "value").map(|x| x as u32),
        checksum_status: string(&ck, "status"),
        checksum_algorithm: string(&ck, "algorithm"),
        chunks,
        raw: v,
    })
}

/// Run `sctp-craft dissect --json FILE`.
pub fn dissect(bin: &str, file: &Path) -> Result<Vec<OPacket>, String> {
    let out = Command::new(bin)
        .args(["dissect", "--json"])
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {bin}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`sctp-craft dissect --json {}` failed ({}): {}",
            file.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(parse_line)
        .collect()
}
