#!/usr/bin/env python3
"""A UDP relay on 127.0.0.1 that loses chosen datagrams, for recording SCTP
associations with retransmissions (scripts/record-captures.sh lossy).

usage: lossy_relay.py PORT_A PORT_B TO_A TO_B [--drop-a N,N..] [--drop-b N,N..]
                     [--drop-b-ms FROM-TO] [--idle S]

What arrives on PORT_A goes out of PORT_B to TO_B, what arrives on PORT_B
goes out of PORT_A to TO_A (as usrsctp_peer's relay mode). The datagrams
numbered in --drop-a (1-based, counted on PORT_A) and --drop-b (on PORT_B)
are not forwarded: a capture of what the peers send (udp dst port PORT_A or
PORT_B) holds them, their receiver never gets them. N-M is a range.
--drop-b-ms drops every datagram arriving on PORT_B between FROM and TO
milliseconds after the first datagram relayed. Exits
after --idle seconds (default 3) without a datagram once something was
relayed.
"""

import argparse
import select
import socket
import sys
import time


def numbers(text):
    out = set()
    for part in filter(None, (text or "").split(",")):
        lo, _, hi = part.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def main():
    p = argparse.ArgumentParser()
    for name in ("port_a", "port_b", "to_a", "to_b"):
        p.add_argument(name, type=int)
    p.add_argument("--drop-a", default="")
    p.add_argument("--drop-b", default="")
    p.add_argument("--drop-b-ms", default="")
    p.add_argument("--idle", type=float, default=3.0)
    a = p.parse_args()
    sa = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sa.bind(("127.0.0.1", a.port_a))
    sb = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sb.bind(("127.0.0.1", a.port_b))
    drop = {sa: numbers(a.drop_a), sb: numbers(a.drop_b)}
    count = {sa: 0, sb: 0}
    out = {sa: (sb, ("127.0.0.1", a.to_b)), sb: (sa, ("127.0.0.1", a.to_a))}
    window = None
    if a.drop_b_ms:
        lo, _, hi = a.drop_b_ms.partition("-")
        window = (float(lo) / 1000.0, float(hi) / 1000.0)
    start = None
    relayed = dropped = 0
    print("relay ready", flush=True)
    while True:
        ready, _, _ = select.select([sa, sb], [], [], a.idle)
        if not ready:
            if relayed:
                break
            continue
        for s in ready:
            data, _ = s.recvfrom(65535)
            now = time.monotonic()
            start = start if start is not None else now
            count[s] += 1
            late = s is sb and window and window[0] <= now - start <= window[1]
            if count[s] in drop[s] or late:
                dropped += 1
                continue
            via, to = out[s]
            via.sendto(data, to)
            relayed += 1
    print(f"relayed {relayed}, dropped {dropped}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
