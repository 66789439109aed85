#!/usr/bin/env python3
"""A NetworkPolicy test pod: serves TCP and UDP on its ports and probes other pods on request.

Run inside a pod's netns: pod-agent.py PORT [PORT...]. It listens on TCP and UDP (echo) on every PORT, records
every SCTP packet that reaches it (the sandbox kernel has no SCTP, so an SCTP probe is one crafted INIT whose
arrival the receiver reports), prints "ready", then answers one JSON request per stdin line with one JSON line:
  {"id": N, "op": "probe", "protocol": "tcp"|"udp"|"sctp", "ip": IP, "port": P, "timeout": S} -> {"id": N, "ok": bool}
  {"id": N, "op": "sctp-seen", "tag": T} -> {"id": N, "ok": bool}   (an SCTP probe with tag T reached this pod)
Requests run concurrently; answers come in the order they finish.
"""
import asyncio
import json
import socket
import struct
import sys
import zlib

IPPROTO_SCTP = 132
seen_sctp_tags = set()


class Echo(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, address):
        self.transport.sendto(data, address)


async def serve_tcp(reader, writer):
    try:
        data = await asyncio.wait_for(reader.read(64), 5)
        writer.write(data or b'')
        await writer.drain()
    except Exception:
        pass
    finally:
        writer.close()


async def probe_tcp(ip, port, timeout):
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(ip, port), timeout)
        writer.close()
        return True
    except Exception:
        return False


class UdpProbe(asyncio.DatagramProtocol):
    def __init__(self, done):
        self.done = done

    def datagram_received(self, data, address):
        if not self.done.done():
            self.done.set_result(True)

    def error_received(self, exc):
        if not self.done.done():
            self.done.set_result(False)


async def probe_udp(ip, port, timeout):
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    transport, _ = await loop.create_datagram_endpoint(lambda: UdpProbe(done), remote_addr=(ip, port))
    try:
        transport.sendto(b'probe')
        return await asyncio.wait_for(done, timeout)
    except Exception:
        return False
    finally:
        transport.close()


def sctp_init(source_port, port, tag):
    """An SCTP common header and INIT chunk whose initiate tag is the probe's tag; CRC32c is not needed by OVS."""
    chunk = struct.pack('!BBHIIHHI', 1, 0, 20, tag, 65535, 1, 1, tag)
    header = struct.pack('!HHII', source_port, port, 0, 0)
    packet = header + chunk
    return packet[:8] + struct.pack('<I', zlib.crc32(packet) & 0xffffffff) + packet[12:]


async def probe_sctp(ip, port, tag):
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_SCTP) as sock:
        sock.sendto(sctp_init(40000 + tag % 20000, port, tag), (ip, 0))
    return True


def watch_sctp(loop):
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_SCTP)
    sock.setblocking(False)

    def readable():
        try:
            packet = sock.recv(65535)
        except BlockingIOError:
            return
        header = (packet[0] & 0x0f) * 4
        body = packet[header:]
        if len(body) >= 20 and body[12] == 1:
            seen_sctp_tags.add(struct.unpack('!I', body[16:20])[0])

    loop.add_reader(sock.fileno(), readable)
    return sock


async def answer(request, write):
    op = request['op']
    if op == 'probe':
        protocol, ip, port, timeout = request['protocol'], request['ip'], request['port'], request.get('timeout', 1.0)
        if protocol == 'tcp':
            ok = await probe_tcp(ip, port, timeout)
        elif protocol == 'udp':
            ok = await probe_udp(ip, port, timeout)
        else:
            ok = await probe_sctp(ip, port, request['tag'])
    elif op == 'sctp-seen':
        ok = request['tag'] in seen_sctp_tags
    else:
        ok = False
    write({'id': request['id'], 'ok': ok})


async def main():
    loop = asyncio.get_running_loop()
    ports = [int(p) for p in sys.argv[1:]]
    for port in ports:
        await asyncio.start_server(serve_tcp, '0.0.0.0', port)
        await loop.create_datagram_endpoint(Echo, local_addr=('0.0.0.0', port))
    watcher = watch_sctp(loop)
    out = sys.stdout

    def write(message):
        out.write(json.dumps(message) + '\n')
        out.flush()

    write({'ready': True})
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    tasks = set()
    while True:
        line = await reader.readline()
        if not line:
            break
        task = asyncio.create_task(answer(json.loads(line), write))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    watcher.close()


if __name__ == '__main__':
    asyncio.run(main())
