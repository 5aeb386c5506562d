//! Packet checksums: CRC32c (RFC 9260 6.8 and Appendix A, hardware-accelerated
//! through the `crc32c` crate), the legacy Adler-32 of RFC 2960 6.8, and the
//! zero checksum of RFC 9653.

/// Which checksum algorithm a packet uses or should use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChecksumAlgorithm {
    /// CRC32c (RFC 9260).
    #[default]
    Crc32c,
    /// Adler-32 (RFC 2960, obsolete).
    Adler32,
    /// Zero (RFC 9653: only when the peer said it accepts it).
    Zero,
}

/// What verification found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumStatus {
    /// The value matches the algorithm reported.
    Good,
    /// The value matches neither algorithm (for example checksum offload).
    Bad,
    /// The value is zero (RFC 9653 zero checksum, or offload).
    Zero,
    /// The packet is shorter than the common header.
    Unverifiable,
}

impl ChecksumStatus {
    /// Lower-case name, as the JSON output uses.
    pub fn as_str(&self) -> &'static str {
        match self {
            ChecksumStatus::Good => "good",
            ChecksumStatus::Bad => "bad",
            ChecksumStatus::Zero => "zero",
            ChecksumStatus::Unverifiable => "unverifiable",
        }
    }
}

impl ChecksumAlgorithm {
    /// Lower-case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            ChecksumAlgorithm::Crc32c => "crc32c",
            ChecksumAlgorithm::Adler32 => "adler32",
            ChecksumAlgorithm::Zero => "zero",
        }
    }
}

/// The result of checking a packet's checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChecksumReport {
    /// The Checksum field as on the wire, read in network byte order.
    pub value: u32,
    /// The value the field should hold for `algorithm`, in the same byte order.
    pub computed: u32,
    /// The algorithm the verdict is about.
    pub algorithm: ChecksumAlgorithm,
    /// Good, bad or zero.
    pub status: ChecksumStatus,
}

/// CRC32c of an SCTP packet with its checksum field taken as zero, returned
/// as the field's value read in network byte order (CRC32c is stored
/// least-significant byte first, RFC 9260 Appendix A).
pub fn crc32c_field(packet: &[u8]) -> u32 {
    if packet.len() < 12 {
        return 0;
    }
    // Two calls instead of three: the header, with the field zeroed, and
    // up to the first 8-byte aligned address after it are copied to an
    // aligned stack buffer; the rest is read in place from that address.
    // (The crate takes unaligned leading and trailing bytes one at a time,
    // which cost more than the words of a small packet.)
    #[repr(align(8))]
    struct Head([u8; 24]);
    let skew = (packet.as_ptr() as usize).wrapping_add(12) % 8;
    let split = (12 + (8 - skew) % 8).min(packet.len());
    let mut head = Head([0; 24]);
    head.0[..split].copy_from_slice(&packet[..split]);
    head.0[8..12].fill(0);
    let c = crc32c::crc32c(&head.0[..split]);
    let c = crc32c::crc32c_append(c, &packet[split..]);
    c.swap_bytes()
}

/// Adler-32 of an SCTP packet with its checksum field taken as zero (RFC 2960
/// 6.8), in network byte order.
pub fn adler32_field(packet: &[u8]) -> u32 {
    if packet.len() < 12 {
        return 0;
    }
    let mut a = adler2::Adler32::new();
    a.write_slice(&packet[..8]);
    a.write_slice(&[0; 4]);
    a.write_slice(&packet[12..]);
    a.checksum()
}

/// The checksum field value for `algorithm`.
pub fn compute(packet: &[u8], algorithm: ChecksumAlgorithm) -> u32 {
    match algorithm {
        ChecksumAlgorithm::Crc32c => crc32c_field(packet),
        ChecksumAlgorithm::Adler32 => adler32_field(packet),
        ChecksumAlgorithm::Zero => 0,
    }
}

/// Which algorithms [`verify`] tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VerifyMode {
    /// CRC32c, then Adler-32 for old captures.
    #[default]
    Any,
    /// CRC32c only.
    Crc32c,
    /// Adler-32 only.
    Adler32,
}

/// Checks a packet's checksum field.
pub fn verify(packet: &[u8], mode: VerifyMode) -> ChecksumReport {
    if packet.len() < 12 {
        return ChecksumReport {
            value: 0,
            computed: 0,
            algorithm: ChecksumAlgorithm::Crc32c,
            status: ChecksumStatus::Unverifiable,
        };
    }
    let value = u32::from_be_bytes([packet[8], packet[9], packet[10], packet[11]]);
    let report = |computed, algorithm, ok: bool| ChecksumReport {
        value,
        computed,
        algorithm,
        status: if ok {
            ChecksumStatus::Good
        } else if value == 0 {
            ChecksumStatus::Zero
        } else {
            ChecksumStatus::Bad
        },
    };
    match mode {
        VerifyMode::Adler32 => {
            let a = adler32_field(packet);
            report(a, ChecksumAlgorithm::Adler32, a == value)
        }
        VerifyMode::Crc32c => {
            let c = crc32c_field(packet);
            report(c, ChecksumAlgorithm::Crc32c, c == value)
        }
        VerifyMode::Any => {
            let c = crc32c_field(packet);
            if c == value || value == 0 {
                return report(c, ChecksumAlgorithm::Crc32c, c == value);
            }
            let a = adler32_field(packet);
            if a == value {
                report(a, ChecksumAlgorithm::Adler32, true)
            } else {
                report(c, ChecksumAlgorithm::Crc32c, false)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The field value equals the CRC32c of a copy with the field zeroed,
    /// computed in one call, at every alignment and for every length (the
    /// split point moves with the packet's address).
    #[test]
    fn crc32c_field_at_every_alignment() {
        let bytes: Vec<u8> = (0..300u32).map(|k| (k * 151 + 7) as u8).collect();
        for skew in 0..8 {
            for len in 12..=260 {
                let packet = &bytes[skew..skew + len];
                let mut copy = packet.to_vec();
                copy[8..12].fill(0);
                let want = crc32c::crc32c(&copy).swap_bytes();
                assert_eq!(crc32c_field(packet), want, "skew {skew} len {len}");
            }
        }
        assert_eq!(crc32c_field(&bytes[..11]), 0);
    }

    /// RFC 3720 B.4: 32 bytes of zeros have the CRC32c 0x8a9136aa (the
    /// field of a packet of zeros holds it least-significant byte first).
    #[test]
    fn crc32c_field_rfc3720_vector() {
        assert_eq!(crc32c_field(&[0; 32]), 0xaa36_918a);
    }
}
