#!/usr/bin/python3
"""Seeds for the analyze_packets fuzz target from captures (scapy).

    /usr/bin/python3 fuzz/seeds.py OUT_DIR CAPTURE...

Each capture becomes one seed: per SCTP packet (over IP, or over UDP
encapsulation, RFC 6951) a flags byte (bit 0: from the second host seen,
bits 2-7: milliseconds since the previous packet, at most 63), its length
(16 bits, big-endian) and its bytes; at most 400 packets a seed.
"""
import os
import sys

from scapy.all import IP, IPv6, UDP, PcapReader, Raw  # noqa: F401
from scapy.layers.sctp import SCTP


def sctp_bytes(p):
    if SCTP in p:
        return bytes(p[SCTP])
    if UDP in p and Raw in p[UDP]:
        return bytes(p[UDP][Raw].load)
    return None


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for cap in sys.argv[2:]:
        seed, first, prev = bytearray(), None, None
        count = 0
        for p in PcapReader(cap):
            b = sctp_bytes(p)
            ip = p[IP] if IP in p else (p[IPv6] if IPv6 in p else None)
            if b is None or ip is None or len(b) < 12:
                continue
            first = first or ip.src
            t = float(p.time)
            step = 0 if prev is None else min(63, int((t - prev) * 1000))
            prev = t
            flags = (step << 2) | (0 if ip.src == first else 1)
            seed += bytes([flags]) + len(b).to_bytes(2, "big") + b
            count += 1
            if count == 400:
                break
        if count:
            name = os.path.basename(cap).split(".")[0]
            with open(os.path.join(out, name), "wb") as f:
                f.write(seed)
            print(f"{name}: {count} packets, {len(seed)} bytes")


if __name__ == "__main__":
    main()
