//! Memory stays flat however large the capture: hundreds of megabytes are
//! streamed through both backends (a generated pcap stream, the same stream
//! gzip-compressed on the fly, a large file through libpcap) while the
//! process's peak resident set stays far below the data size.

mod link_support;

use std::io::{BufWriter, Read, Write};

use sctp_codec::capture::{Backend, CaptureReader};

const RECORD_DATA: usize = 1400;

/// A classic pcap stream of `records` raw-IP records, generated on the fly.
struct Generated {
    records: u64,
    emitted: u64,
    pending: Vec<u8>,
    pos: usize,
}

impl Generated {
    fn new(records: u64) -> Self {
        let mut header = 0xA1B2_C3D4u32.to_le_bytes().to_vec();
        header.extend(2u16.to_le_bytes());
        header.extend(4u16.to_le_bytes());
        header.extend([0; 8]);
        header.extend(65535u32.to_le_bytes());
        header.extend(101u32.to_le_bytes());
        Generated {
            records,
            emitted: 0,
            pending: header,
            pos: 0,
        }
    }

    fn record(n: u64) -> Vec<u8> {
        let mut r = Vec::with_capacity(16 + RECORD_DATA);
        r.extend((n as u32).to_le_bytes());
        r.extend(0u32.to_le_bytes());
        r.extend((RECORD_DATA as u32).to_le_bytes());
        r.extend((RECORD_DATA as u32).to_le_bytes());
        r.resize(16 + RECORD_DATA, (n % 251) as u8);
        r
    }
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.pending.len() {
            if self.emitted == self.records {
                return Ok(0);
            }
            self.pending = Self::record(self.emitted);
            self.pos = 0;
            self.emitted += 1;
        }
        let n = buf.len().min(self.pending.len() - self.pos);
        buf[..n].copy_from_slice(&self.pending[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Peak resident set size of this process, in bytes (Linux).
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM");
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("kB");
    kb * 1024
}

fn drain(mut reader: CaptureReader, records: u64) {
    let mut n = 0;
    let mut sum = 0u64;
    while let Some(f) = reader.next_frame() {
        let f = f.expect("frame");
        assert_eq!(f.data.len(), RECORD_DATA);
        sum += u64::from(f.data[0]);
        n += 1;
    }
    assert_eq!(n, records);
    assert!(sum > 0);
}

#[test]
fn memory_stays_flat_on_large_captures() {
    const LIMIT: u64 = 32 << 20;
    let records = (256u64 << 20) / (16 + RECORD_DATA as u64); // 256 MiB stream
    drain(
        CaptureReader::from_reader(Generated::new(records)).expect("reader"),
        records,
    );
    assert!(
        peak_rss() < LIMIT,
        "peak RSS {} MiB after a 256 MiB stream",
        peak_rss() >> 20
    );

    // The same, gzip-compressed on the fly (stored blocks: fast), 64 MiB.
    let records_gz = records / 4;
    let gz = flate2::read::GzEncoder::new(Generated::new(records_gz), flate2::Compression::none());
    let reader = CaptureReader::from_reader(gz).expect("reader");
    assert_eq!(reader.backend(), Backend::PcapParser);
    drain(reader, records_gz);
    assert!(
        peak_rss() < LIMIT,
        "peak RSS {} MiB after a 64 MiB gzip stream",
        peak_rss() >> 20
    );

    // A 128 MiB file through libpcap and the record index.
    let dir = link_support::scratch_dir("big");
    let path = dir.join("big.pcap");
    let records_file = records / 2;
    let mut out = BufWriter::new(std::fs::File::create(&path).expect("create"));
    std::io::copy(&mut Generated::new(records_file), &mut out).expect("write");
    out.flush().expect("flush");
    drop(out);
    let reader = CaptureReader::open(&path).expect("open");
    assert_eq!(reader.backend(), Backend::Libpcap);
    drain(reader, records_file);
    std::fs::remove_dir_all(dir).ok();
    assert!(
        peak_rss() < LIMIT,
        "peak RSS {} MiB after a 128 MiB file",
        peak_rss() >> 20
    );
    println!("peak RSS: {} MiB", peak_rss() >> 20);
}
