// ARP frames built by hand, for announcements the node sends on a pod's behalf.
import { type Ipv4, ipv4ToInt } from './ipv4.js';

function macBytes(mac: string): Buffer {
  return Buffer.from(mac.split(':').map((octet) => parseInt(octet, 16)));
}

function ipBytes(ip: Ipv4): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(ipv4ToInt(ip));
  return bytes;
}

/** A gratuitous ARP request (RFC 5227 announcement): broadcast, sender and target address both `ip`. */
export function gratuitousArp(mac: string, ip: Ipv4): Buffer {
  const header = Buffer.from([0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]);
  return Buffer.concat([
    Buffer.alloc(6, 0xff), macBytes(mac), Buffer.from([0x08, 0x06]),
    header, macBytes(mac), ipBytes(ip), Buffer.alloc(6), ipBytes(ip),
  ]);
}
