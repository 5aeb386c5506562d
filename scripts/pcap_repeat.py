"""What scripts/make-small-capture.sh and make-big-capture.sh share: reading
the records of a classic pcap file, and writing a list of frames repeated
in order to a classic pcap with synthetic timestamps (so the output is the
same on every run for the same input)."""
import os
import struct


def records(path):
    """Yield (linktype, frame bytes) of a classic pcap file (either byte order, us/ns)."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise SystemExit(f"{path}: not a pcap file")
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        yield linktype, data[off:off + incl]
        off += incl


def write_repeated(out, frames, target, linktype, step_us, vary=None):
    """Write `frames` over and over, in order, until `target` records are in
    `out` (a little-endian classic pcap of `linktype`), timestamps `step_us`
    microseconds apart from 2024-01-01T00:00:00Z; written through OUT.part
    and renamed. `vary(k, i)`, when given, returns frame i of repetition k
    in place of frames[i]. Returns (records written, frame bytes written)."""
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    t0 = 1704067200  # 2024-01-01T00:00:00Z
    written = total = 0
    with open(out + ".part", "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        buf = []
        k = 0
        while written < target:
            for i, fr in enumerate(frames):
                if written >= target:
                    break
                if vary is not None:
                    fr = vary(k, i)
                ts = written * step_us  # microseconds since t0
                buf.append(struct.pack("<IIII", t0 + ts // 1000000, ts % 1000000, len(fr), len(fr)))
                buf.append(fr)
                total += len(fr)
                written += 1
            f.write(b"".join(buf))
            buf.clear()
            k += 1
    os.replace(out + ".part", out)
    return written, total


def _crc32c_table():
    t = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


_CRC32C = _crc32c_table()


def crc32c(data):
    """CRC32c (RFC 9260 Appendix B) of `data`."""
    c = 0xFFFFFFFF
    t = _CRC32C
    for b in data:
        c = t[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def continuing_tsns(frames):
    """For Ethernet frames of SCTP in IPv4 or IPv6: a `vary(k, i)` for
    write_repeated that makes every repetition carry on the associations of
    the one before instead of sending the same TSNs again. The TSNs of each
    direction's DATA, I-DATA and FORWARD TSN chunks move on by k times the
    span that direction's TSNs cover in `frames`, the cumulative TSN ACK
    and duplicate TSNs of the SACKs answering them likewise (gap blocks are
    relative to it), and the checksum is computed again. Without this a
    repeated capture is, past its first round, nothing but retransmissions
    to an analysis that follows TSNs."""
    parsed = []  # per frame: (sctp start, [(offset, direction key)]) or None
    lo, hi = {}, {}
    for fr in frames:
        et = struct.unpack("!H", fr[12:14])[0]
        if et == 0x0800 and fr[23] == 132:
            ip = 14
            sctp = ip + (fr[ip] & 0x0F) * 4
            src, dst = fr[ip + 12:ip + 16], fr[ip + 16:ip + 20]
            end = ip + struct.unpack("!H", fr[ip + 2:ip + 4])[0]
        elif et == 0x86DD and fr[20] == 132:
            sctp = 14 + 40
            src, dst = fr[22:38], fr[38:54]
            end = sctp + struct.unpack("!H", fr[18:20])[0]
        else:
            parsed.append(None)
            continue
        end = min(end, len(fr))
        ports = fr[sctp:sctp + 4]
        fwd = (src, dst, ports)
        rev = (dst, src, ports[2:4] + ports[0:2])
        patches = []
        at = sctp + 12
        while at + 4 <= end:
            ctype = fr[at]
            clen = struct.unpack("!H", fr[at + 2:at + 4])[0]
            if clen < 4:
                break
            body = fr[at:at + clen]
            if ctype in (0, 64, 192, 194) and clen >= 8:
                tsn = struct.unpack("!I", body[4:8])[0]
                if ctype in (0, 64):
                    lo[fwd] = min(lo.get(fwd, tsn), tsn)
                    hi[fwd] = max(hi.get(fwd, tsn), tsn)
                patches.append((at + 4, fwd))
            elif ctype == 3 and clen >= 16:
                ngaps, ndups = struct.unpack("!HH", body[12:16])
                patches.append((at + 4, rev))
                for d in range(ndups):
                    off = 16 + 4 * ngaps + 4 * d
                    if off + 4 <= clen:
                        patches.append((at + off, rev))
            at += (clen + 3) & ~3
        # The checksum is computed again only where it was right (the NGAP
        # capture, for one, carries zeros).
        zeroed = fr[sctp:sctp + 8] + bytes(4) + fr[sctp + 12:end]
        fix = struct.unpack("<I", fr[sctp + 8:sctp + 12])[0] == crc32c(zeroed)
        parsed.append((sctp, end, patches, fix) if patches else None)
    span = {key: hi[key] - lo[key] + 1 for key in hi}

    def vary(k, i):
        fr = frames[i]
        p = parsed[i]
        if k == 0 or p is None:
            return fr
        sctp, end, patches, fix = p
        b = bytearray(fr)
        for off, key in patches:
            v = struct.unpack("!I", b[off:off + 4])[0]
            b[off:off + 4] = struct.pack("!I", (v + k * span.get(key, 0)) & 0xFFFFFFFF)
        if fix:
            b[sctp + 8:sctp + 12] = bytes(4)
            b[sctp + 8:sctp + 12] = struct.pack("<I", crc32c(b[sctp:end]))
        return bytes(b)

    return vary
