#!/usr/bin/python3
"""Synthetic captures for the link-layer tests of sctp-codec.

Builds, with scapy, one classic pcap per link type that extract_sctp handles
(Ethernet with VLAN/Q-in-Q and padding, Linux SLL and SLL2, BSD null in both
byte orders, OpenBSD loop, raw IP/IPv4/IPv6), covering IPv4 options, IPv6
extension headers, IPv4 and IPv6 fragments (in and out of order,
interleaved), SCTP over UDP (RFC 6951) and SCTP quoted by ICMP/ICMPv6 errors.

Writes OUTDIR/<name>.pcap files and OUTDIR/manifest.tsv, one line per frame:
file, frame number, expected SCTP bytes (hex, '-' when no SCTP is expected
under the default LinkConfig), src, dst, IP version, encapsulation, truncated.

Usage: gen_synthetic.py OUTDIR
"""
import os
import struct
import sys

from scapy.all import (ARP, ICMP, IP, SCTP, TCP, UDP, CookedLinux, CookedLinuxV2, Dot1AD,
                       Dot1Q, Ether, ICMPv6DestUnreach, ICMPv6EchoRequest, ICMPv6PacketTooBig,
                       IPOption_RR, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Padding, Raw, SCTPChunkCookieAck,
                       SCTPChunkData, SCTPChunkInit, fragment, fragment6)
from scapy.layers.ipsec import AH, ESP

OUT = sys.argv[1]
MANIFEST = []

V4A, V4B = "192.0.2.1", "198.51.100.2"
V6A, V6B = "2001:db8::1", "2001:db8:ffff::2"


def sctp_data(n=32, sport=5000, dport=5001, tsn=1):
    return SCTP(sport=sport, dport=dport, tag=0x11223344) / SCTPChunkData(
        tsn=tsn, beginning=1, ending=1, proto_id=46, data=bytes((i * 7) & 0xFF for i in range(n)))


def sctp_init():
    return SCTP(sport=2905, dport=2905, tag=0) / SCTPChunkInit(init_tag=0xDEADBEEF, a_rwnd=65535,
                                                              n_out_streams=10, n_in_streams=10,
                                                              init_tsn=7)


def expect(sctp, src, dst, ver, encap="none", trunc=False):
    return {"sctp": bytes(sctp), "src": src, "dst": dst, "ver": ver, "encap": encap,
            "trunc": trunc}


def write_pcap(name, linktype, frames, snaplen=None):
    """frames: list of (bytes, expectation or None)."""
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype))
        for i, (data, exp) in enumerate(frames, 1):
            data = bytes(data)
            cap = data if snaplen is None else data[:snaplen]
            f.write(struct.pack("<IIII", 1700000000 + i, i * 1000, len(cap), len(data)))
            f.write(cap)
            if snaplen is not None:
                continue
            if exp is None:
                MANIFEST.append([name, str(i), "-", "-", "-", "-", "-", "-"])
            else:
                MANIFEST.append([name, str(i), exp["sctp"].hex(), exp["src"], exp["dst"],
                                 str(exp["ver"]), exp["encap"], "1" if exp["trunc"] else "0"])


def eth(l3, **kw):
    return Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02", **kw) / l3


def ethernet_frames():
    fr = []
    s = sctp_init()
    fr.append((eth(IP(src=V4A, dst=V4B) / s), expect(s, V4A, V4B, 4)))
    # Short packet padded to the Ethernet minimum plus a 4-byte trailer (FCS-like).
    s = SCTP(sport=7, dport=7, tag=5) / SCTPChunkCookieAck()
    fr.append((eth(IP(src=V4A, dst=V4B) / s / Padding(b"\x00" * 10 + b"\xde\xad\xbe\xef")),
               expect(s, V4A, V4B, 4)))
    s = sctp_data(40)
    fr.append((eth(IP(src=V4A, dst=V4B, options=[IPOption_RR(routers=["10.0.0.1", "10.0.0.2"])]) / s),
               expect(s, V4A, V4B, 4)))
    s = sctp_data(41)
    fr.append((eth(Dot1Q(vlan=42) / IP(src=V4A, dst=V4B) / s), expect(s, V4A, V4B, 4)))
    s = sctp_data(42)
    fr.append((eth(Dot1AD(vlan=100) / Dot1Q(vlan=200) / IPv6(src=V6A, dst=V6B) / s),
               expect(s, V6A, V6B, 6)))
    s = sctp_data(43)
    fr.append((eth(Dot1Q(vlan=1) / Dot1Q(vlan=2) / Dot1Q(vlan=3) / IP(src=V4A, dst=V4B) / s),
               expect(s, V4A, V4B, 4)))
    s = sctp_data(44)
    fr.append((eth(IPv6(src=V6A, dst=V6B) / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting() /
                   IPv6ExtHdrDestOpt() / s), expect(s, V6A, V6B, 6)))
    s = sctp_data(45)
    fr.append((eth(IPv6(src=V6A, dst=V6B) / AH(nh=132, payloadlen=4, spi=0x100, seq=1, icv=b"\x00" * 12) / s),
               expect(s, V6A, V6B, 6)))
    fr.append((eth(IPv6(src=V6A, dst=V6B) / ESP(spi=0x200, seq=1, data=b"\x00" * 48)), None))
    s = sctp_data(46, sport=9899, dport=9899)
    fr.append((eth(IP(src=V4A, dst=V4B) / UDP(sport=9899, dport=9899) / s),
               expect(s, V4A, V4B, 4, "udp:9899:9899")))
    s = sctp_data(47)
    fr.append((eth(IPv6(src=V6A, dst=V6B) / UDP(sport=40000, dport=9899) / s),
               expect(s, V6A, V6B, 6, "udp:40000:9899")))
    s = sctp_data(48)
    fr.append((eth(IP(src=V4A, dst=V4B) / UDP(sport=5000, dport=5001) / s), None))
    # ICMP errors quoting SCTP.
    inner = bytes(IP(src=V4B, dst=V4A, id=77) / sctp_data(60))
    quote = inner[:28]  # RFC 792: IP header + 64 bits
    fr.append((eth(IP(src="203.0.113.9", dst=V4B) / ICMP(type=3, code=4, nexthopmtu=1400) / Raw(quote)),
               expect(quote[20:], V4B, V4A, 4, "icmp:3:4:none", True)))
    inner = bytes(IP(src=V4A, dst=V4B) / UDP(sport=9899, dport=9899) / sctp_data(61))
    quote = inner[:28 + 40]
    fr.append((eth(IP(src="203.0.113.9", dst=V4A) / ICMP(type=11, code=0) / Raw(quote)),
               expect(quote[28:], V4A, V4B, 4, "icmp:11:0:udp:9899:9899", True)))
    inner = bytes(IPv6(src=V6A, dst=V6B) / sctp_data(62))
    fr.append((eth(IPv6(src="2001:db8:1::1", dst=V6A) / ICMPv6PacketTooBig(mtu=1280) / Raw(inner)),
               expect(inner[40:], V6A, V6B, 6, "icmp:2:0:none", True)))
    inner = bytes(IPv6(src=V6B, dst=V6A) / IPv6ExtHdrHopByHop() / sctp_data(63))
    quote = inner[:40 + 8 + 20]
    fr.append((eth(IPv6(src="2001:db8:1::1", dst=V6B) / ICMPv6DestUnreach(code=1) / Raw(quote)),
               expect(quote[48:], V6B, V6A, 6, "icmp:1:1:none", True)))
    fr.append((eth(IP(src=V4A, dst=V4B) / ICMP(type=8) / Raw(b"ping" * 8)), None))
    fr.append((eth(IPv6(src=V6A, dst=V6B) / ICMPv6EchoRequest(data=b"ping")), None))
    fr.append((Ether(src="02:00:00:00:00:01", dst="ff:ff:ff:ff:ff:ff") / ARP(psrc=V4A, pdst=V4B), None))
    fr.append((eth(IP(src=V4A, dst=V4B) / TCP(sport=1, dport=2) / Raw(b"x" * 20)), None))
    # IPv4 fragments, in order: the last one completes the datagram.
    s = sctp_data(3000, tsn=100)
    frags = fragment(IP(src=V4A, dst=V4B, id=0x1234) / s, fragsize=1000)
    for k, f in enumerate(frags):
        fr.append((eth(f), expect(s, V4A, V4B, 4) if k == len(frags) - 1 else None))
    # Same, in reverse order: the first fragment, sent last, completes it.
    s = sctp_data(2500, tsn=101)
    frags = fragment(IP(src=V4A, dst=V4B, id=0x1235) / s, fragsize=800)[::-1]
    for k, f in enumerate(frags):
        fr.append((eth(f), expect(s, V4A, V4B, 4) if k == len(frags) - 1 else None))
    # Two datagrams with interleaved fragments (same addresses, other IDs).
    s1, s2 = sctp_data(1800, tsn=102), sctp_data(1700, tsn=103)
    f1 = fragment(IP(src=V4A, dst=V4B, id=0x2001) / s1, fragsize=1000)
    f2 = fragment(IP(src=V4A, dst=V4B, id=0x2002) / s2, fragsize=1000)
    fr.append((eth(f1[0]), None))
    fr.append((eth(f2[0]), None))
    fr.append((eth(f1[1]), expect(s1, V4A, V4B, 4)))
    fr.append((eth(f2[1]), expect(s2, V4A, V4B, 4)))
    # IPv6: Hop-by-Hop before the Fragment header, Destination Options after it.
    s = sctp_data(3000, tsn=104)
    frags = fragment6(IPv6(src=V6A, dst=V6B) / IPv6ExtHdrHopByHop() / IPv6ExtHdrFragment(id=0xABCDEF) /
                      IPv6ExtHdrDestOpt() / s, 1280)
    for k, f in enumerate(frags):
        fr.append((eth(f), expect(s, V6A, V6B, 6) if k == len(frags) - 1 else None))
    # IPv4 fragments of SCTP over UDP.
    s = sctp_data(1900, sport=9899, dport=9899, tsn=105)
    frags = fragment(IP(src=V4A, dst=V4B, id=0x3001) / UDP(sport=9899, dport=9899) / s, fragsize=1000)
    for k, f in enumerate(frags):
        fr.append((eth(f), expect(s, V4A, V4B, 4, "udp:9899:9899") if k == len(frags) - 1 else None))
    # IPv6 atomic fragment (offset 0, M clear, RFC 6946): not reassembled.
    s = sctp_data(50)
    fr.append((eth(IPv6(src=V6A, dst=V6B) / IPv6ExtHdrFragment(id=9, m=0, offset=0) / s),
               expect(s, V6A, V6B, 6)))
    return fr


def cooked_frames(v2):
    fr = []
    hdr = (lambda proto: CookedLinuxV2(proto=proto, lladdrlen=6, src=b"\x02\x00\x00\x00\x00\x01\x00\x00")) if v2 \
        else (lambda proto: CookedLinux(proto=proto, lladdrlen=6, src=b"\x02\x00\x00\x00\x00\x01\x00\x00"))
    s = sctp_data(30)
    fr.append((hdr(0x0800) / IP(src=V4A, dst=V4B) / s, expect(s, V4A, V4B, 4)))
    s = sctp_data(31)
    fr.append((hdr(0x86DD) / IPv6(src=V6A, dst=V6B) / s, expect(s, V6A, V6B, 6)))
    s = sctp_data(32)
    fr.append((hdr(0x8100) / Dot1Q(vlan=7) / IP(src=V4A, dst=V4B) / s, expect(s, V4A, V4B, 4)))
    fr.append((hdr(0x0806) / ARP(psrc=V4A, pdst=V4B), None))
    return fr


def null_frames(big_endian_only):
    fr = []
    fams = [(">", 2, 4), (">", 24, 6)] if big_endian_only else \
        [("<", 2, 4), ("<", 24, 6), ("<", 28, 6), ("<", 30, 6), (">", 2, 4), (">", 30, 6)]
    for k, (order, af, ver) in enumerate(fams):
        s = sctp_data(20 + k)
        l3 = IP(src=V4A, dst=V4B) / s if ver == 4 else IPv6(src=V6A, dst=V6B) / s
        src, dst = (V4A, V4B) if ver == 4 else (V6A, V6B)
        fr.append((struct.pack(order + "I", af) + bytes(l3), expect(s, src, dst, ver)))
    fr.append((struct.pack(">I" if big_endian_only else "<I", 7) + b"\x00" * 20, None))
    return fr


def raw_frames(v4, v6):
    fr = []
    if v4:
        s = sctp_data(25)
        fr.append((IP(src=V4A, dst=V4B) / s, expect(s, V4A, V4B, 4)))
    if v6:
        s = sctp_data(26)
        fr.append((IPv6(src=V6A, dst=V6B) / s, expect(s, V6A, V6B, 6)))
    return fr


def udp_custom_frames():
    fr = []
    s = sctp_data(33)
    fr.append((eth(IP(src=V4A, dst=V4B) / UDP(sport=40001, dport=5001) / s), None))
    s = sctp_data(34)
    fr.append((eth(IPv6(src=V6A, dst=V6B) / UDP(sport=5001, dport=40002) / s), None))
    return fr


def main():
    os.makedirs(OUT, exist_ok=True)
    eth_frames = ethernet_frames()
    write_pcap("eth.pcap", 1, eth_frames)
    write_pcap("eth-snap.pcap", 1, eth_frames, snaplen=90)
    write_pcap("sll.pcap", 113, cooked_frames(False))
    write_pcap("sll2.pcap", 276, cooked_frames(True))
    write_pcap("null.pcap", 0, null_frames(False))
    write_pcap("loop.pcap", 108, null_frames(True))
    write_pcap("raw.pcap", 101, raw_frames(True, True))
    write_pcap("raw4.pcap", 228, raw_frames(True, False))
    write_pcap("raw6.pcap", 229, raw_frames(False, True))
    write_pcap("udp-custom.pcap", 1, udp_custom_frames())
    with open(os.path.join(OUT, "manifest.tsv"), "w") as f:
        for row in MANIFEST:
            f.write("\t".join(row) + "\n")


main()
