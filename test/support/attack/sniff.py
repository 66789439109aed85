#!/usr/bin/env python3
"""The victim's listener: records every frame that arrives on this network namespace's interfaces.

Run inside a pod's netns: sniff.py OUTFILE. OUTFILE is created once the capture socket is open (the sign that
it listens). Each frame that arrived (not one the pod sent) is appended to it as one JSON line with its
parsed headers (Ethernet with any VLAN tag, ARP, IPv4 with ports, IPv6), plus every `TOKEN-...` string
found in it, flushed at once so a test can read it while this runs.
"""
import json
import re
import socket
import struct
import sys

ETH_P_ALL = 0x0003
TOKEN = re.compile(rb'TOKEN-[A-Za-z0-9-]+')


def mac(raw: bytes) -> str:
    return ':'.join(f'{b:02x}' for b in raw)


def parse(frame: bytes) -> dict:
    record = {'src': mac(frame[6:12]), 'dst': mac(frame[0:6])}
    ethertype = struct.unpack('!H', frame[12:14])[0]
    offset = 14
    while ethertype in (0x8100, 0x88a8):
        record.setdefault('vlans', []).append(struct.unpack('!H', frame[offset:offset + 2])[0] & 0x0fff)
        ethertype = struct.unpack('!H', frame[offset + 2:offset + 4])[0]
        offset += 4
    record['type'] = hex(ethertype)
    body = frame[offset:]
    if ethertype == 0x0806 and len(body) >= 28:
        record['arp'] = {'op': struct.unpack('!H', body[6:8])[0], 'sha': mac(body[8:14]),
                         'spa': socket.inet_ntoa(body[14:18]), 'tpa': socket.inet_ntoa(body[24:28])}
    elif ethertype == 0x0800 and len(body) >= 20:
        ihl = (body[0] & 0x0f) * 4
        flags_frag = struct.unpack('!H', body[6:8])[0]
        ip = {'src': socket.inet_ntoa(body[12:16]), 'dst': socket.inet_ntoa(body[16:20]), 'proto': body[9],
              'offset': (flags_frag & 0x1fff) * 8, 'more': bool(flags_frag & 0x2000)}
        if ip['offset'] == 0 and ip['proto'] in (6, 17) and len(body) >= ihl + 4:
            ip['sport'], ip['dport'] = struct.unpack('!HH', body[ihl:ihl + 4])
        record['ip'] = ip
    elif ethertype == 0x86dd and len(body) >= 40:
        record['ip6'] = {'src': socket.inet_ntop(socket.AF_INET6, body[8:24]),
                         'dst': socket.inet_ntop(socket.AF_INET6, body[24:40]), 'next': body[6]}
    tokens = sorted({t.decode() for t in TOKEN.findall(frame)})
    if tokens:
        record['tokens'] = tokens
    return record


def main() -> None:
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    out = open(sys.argv[1], 'a', buffering=1)
    while True:
        frame, address = sock.recvfrom(65535)
        # What the pod itself sent (its answers, ICMP errors quoting a probe) is not what arrived.
        if address[2] == socket.PACKET_OUTGOING or len(frame) < 14:
            continue
        record = parse(frame)
        record['ifname'] = address[0]
        out.write(json.dumps(record) + '\n')


if __name__ == '__main__':
    main()
