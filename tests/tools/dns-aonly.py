#!/usr/bin/env python3
# dns-aonly.py ADDRESS LOG: a DNS server on ADDRESS:53 (UDP) that answers
# every A question with 127.0.0.1 and never answers any other (AAAA
# included), as some middleboxes do; each question goes to LOG as
# "name type". For t_dns_aonly.
import socket
import struct
import sys

addr, log = sys.argv[1], open(sys.argv[2], 'a')
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, 53))
while True:
    q, peer = s.recvfrom(2048)
    try:
        tid = struct.unpack('>H', q[:2])[0]
        i, labels = 12, []
        while q[i]:
            labels.append(q[i + 1:i + 1 + q[i]].decode('ascii', 'replace'))
            i += 1 + q[i]
        qtype = struct.unpack('>H', q[i + 1:i + 3])[0]
    except (IndexError, struct.error):
        continue
    log.write('%s %d\n' % ('.'.join(labels).lower(), qtype))
    log.flush()
    if qtype != 1:
        continue
    hdr = struct.pack('>HHHHHH', tid, 0x8180, 1, 1, 0, 0)
    ans = b'\xc0\x0c' + struct.pack('>HHIH', 1, 1, 60, 4) + \
        socket.inet_aton('127.0.0.1')
    s.sendto(hdr + q[12:i + 5] + ans, peer)
