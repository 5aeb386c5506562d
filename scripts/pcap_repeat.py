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


def write_repeated(out, frames, target, linktype, step_us):
    """Write `frames` over and over, in order, until `target` records are in
    `out` (a little-endian classic pcap of `linktype`), timestamps `step_us`
    microseconds apart from 2024-01-01T00:00:00Z; written through OUT.part
    and renamed. Returns (records written, frame bytes written)."""
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    t0 = 1704067200  # 2024-01-01T00:00:00Z
    written = total = 0
    with open(out + ".part", "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        buf = []
        while written < target:
            for fr in frames:
                if written >= target:
                    break
                ts = written * step_us  # microseconds since t0
                buf.append(struct.pack("<IIII", t0 + ts // 1000000, ts % 1000000, len(fr), len(fr)))
                buf.append(fr)
                total += len(fr)
                written += 1
            f.write(b"".join(buf))
            buf.clear()
    os.replace(out + ".part", out)
    return written, total
