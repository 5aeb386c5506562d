#!/usr/bin/env python3
"""Writes one SCTP association of N packets to a pcap (link type RAW, IPv4,
protocol 132, good CRC32c): 10.0.0.1:5001 associates with 10.0.0.2:5000,
sends 100-byte DATA chunks on 10 streams GAP microseconds apart, the
server acknowledges every second one, and the client shuts down. Used by
`scripts/bench-replay.sh live` to time `sctp-replay live --timing asis`
on a large capture (issue 16); nothing large is committed.

usage: big_association.py OUT PACKETS GAP_US"""
import struct, sys
# CRC32c table
T=[]
for i in range(256):
    c=i
    for _ in range(8):
        c = (c>>1) ^ 0x82F63B78 if c&1 else c>>1
    T.append(c)
def crc32c(b):
    c=0xffffffff
    for x in b:
        c = T[(c ^ x) & 0xff] ^ (c >> 8)
    return c ^ 0xffffffff
def sctp(sport,dport,vtag,chunks):
    h=struct.pack(">HHII",sport,dport,vtag,0)+chunks
    c=crc32c(h)
    return h[:8]+struct.pack("<I",c)+h[12:]
def chunk(t,f,v):
    l=4+len(v); return struct.pack(">BBH",t,f,l)+v+b"\0"*((4-l%4)%4)
def ip(src,dst,payload):
    tot=20+len(payload)
    return struct.pack(">BBHHHBBH4s4s",0x45,0,tot,0,0,64,132,0,bytes(src),bytes(dst))+payload
A=[10,0,0,1]; B=[10,0,0,2]
out=open(sys.argv[1],"wb"); n=int(sys.argv[2]); gap=int(sys.argv[3])
out.write(struct.pack("<IHHiIII",0xa1b2c3d4,2,4,0,0,65535,101))
t=[0]
def rec(p):
    s,us=divmod(t[0],1000000)
    out.write(struct.pack("<IIII",s,us,len(p),len(p))+p)
ct,st=0x11111111,0x22222222; ctsn,stsn=1000,5000
rec(ip(A,B,sctp(5001,5000,0,chunk(1,0,struct.pack(">IIHHI",ct,131072,10,10,ctsn)))))
t[0]+=100
cookie=b"c"*32
rec(ip(B,A,sctp(5000,5001,ct,chunk(2,0,struct.pack(">IIHHI",st,131072,10,10,stsn)+struct.pack(">HH",7,4+len(cookie))+cookie))))
t[0]+=100
rec(ip(A,B,sctp(5001,5000,st,chunk(10,0,cookie))))
t[0]+=100
rec(ip(B,A,sctp(5000,5001,ct,chunk(11,0,b""))))
npk=4; tsn=ctsn; ssn=[0]*10; k=0
while npk < n-3:
    t[0]+=gap
    sid=k%10
    rec(ip(A,B,sctp(5001,5000,st,chunk(0,3,struct.pack(">IHHI",tsn,sid,ssn[sid],0)+bytes([k%256])*100))))
    ssn[sid]=(ssn[sid]+1)%65536; npk+=1; k+=1
    if k%2==0:
        t[0]+=gap//2
        rec(ip(B,A,sctp(5000,5001,ct,chunk(3,0,struct.pack(">IIHH",tsn,131072,0,0))))); npk+=1
    tsn+=1
t[0]+=1000
rec(ip(A,B,sctp(5001,5000,st,chunk(7,0,struct.pack(">I",stsn-1)))))
t[0]+=100
rec(ip(B,A,sctp(5000,5001,ct,chunk(8,0,b""))))
t[0]+=100
rec(ip(A,B,sctp(5001,5000,st,chunk(14,0,b""))))
print("packets", npk+3, "messages", k, "duration s", t[0]/1e6)
