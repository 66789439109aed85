// Renders a PodAttachment as the CNI result of the requested version, and reads one back from prevResult.
import { parseIpv4, type Ipv4 } from '../../net/ipv4.js';
import { invalidConfig } from './errors.js';
import type { AttachmentInterface, AttachmentRoute, CniVersion, PodAttachment } from './types.js';

/** 0.3.x and 0.4.0 carry `ips[].version`; 1.0.0 dropped it; 1.1.0 added interface `mtu`. */
function hasIpVersionField(version: CniVersion): boolean {
  return version.startsWith('0.');
}

/** 0.1.0 and 0.2.0 results have one `ip4` object and no interfaces (containernetworking/cni types/020). */
function isIp4Result(version: CniVersion): boolean {
  return version === '0.1.0' || version === '0.2.0';
}

const renderRoutes = (attachment: PodAttachment) =>
  attachment.routes.map((route) => (route.gw ? { dst: route.dst, gw: route.gw } : { dst: route.dst }));

export function renderResult(attachment: PodAttachment, cniVersion: CniVersion): Record<string, unknown> {
  if (isIp4Result(cniVersion)) {
    return {
      cniVersion,
      ip4: { ip: `${attachment.ip}/${attachment.prefixLength}`, gateway: attachment.gateway, routes: renderRoutes(attachment) },
      dns: attachment.dns ?? {},
    };
  }
  const interfaces: Array<Record<string, unknown>> = [];
  if (attachment.hostInterface) {
    interfaces.push({ name: attachment.hostInterface.name, mac: attachment.hostInterface.mac });
  }
  const pod = attachment.podInterface;
  const podInterface: Record<string, unknown> = { name: pod.name, mac: pod.mac, sandbox: pod.sandbox };
  if (cniVersion === '1.1.0' && pod.mtu !== undefined) podInterface.mtu = pod.mtu;
  interfaces.push(podInterface);
  const ip: Record<string, unknown> = {
    address: `${attachment.ip}/${attachment.prefixLength}`,
    gateway: attachment.gateway,
    interface: interfaces.length - 1,
  };
  return {
    cniVersion,
    interfaces,
    ips: [hasIpVersionField(cniVersion) ? { version: '4', ...ip } : ip],
    routes: renderRoutes(attachment),
    dns: attachment.dns ?? {},
  };
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw invalidConfig(field, `is ${JSON.stringify(value)}, not a string`);
  return value;
}

function ipv4(value: unknown, field: string): Ipv4 {
  try {
    return parseIpv4(value as string, field);
  } catch (err) {
    throw invalidConfig(field, `is ${JSON.stringify(value)}, not an IPv4 address (${(err as Error).message})`);
  }
}

/** Reads the attachment CHECK must verify from the runtime's prevResult (any supported version). */
export function parsePrevResult(value: unknown): PodAttachment {
  if (!isObject(value)) throw invalidConfig('prevResult', 'is missing (CHECK needs the result of the last ADD)');
  const interfaces = Array.isArray(value.interfaces) ? value.interfaces : [];
  const ips = Array.isArray(value.ips) ? value.ips : [];
  const podIndex = interfaces.findIndex((entry) => isObject(entry) && typeof entry.sandbox === 'string' && entry.sandbox !== '');
  if (podIndex < 0) throw invalidConfig('prevResult.interfaces', 'has no interface with a sandbox');
  const ipIndex = ips.findIndex((entry) => isObject(entry) && typeof entry.address === 'string'
    && entry.address.includes('.') && (entry.interface === undefined || entry.interface === podIndex));
  if (ipIndex < 0) throw invalidConfig('prevResult.ips', `has no IPv4 address on interface ${podIndex}`);
  const ipEntry = ips[ipIndex] as Json;
  const [address, prefix] = text(ipEntry.address, `prevResult.ips[${ipIndex}].address`).split('/');
  const prefixLength = Number(prefix);
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 32) {
    throw invalidConfig(`prevResult.ips[${ipIndex}].address`, `is ${JSON.stringify(ipEntry.address)}, not address/prefix`);
  }
  const podEntry = interfaces[podIndex] as Json;
  const attachment: PodAttachment = {
    podInterface: { ...iface(podEntry, `prevResult.interfaces[${podIndex}]`), sandbox: podEntry.sandbox as string },
    ip: ipv4(address, `prevResult.ips[${ipIndex}].address`),
    prefixLength,
    gateway: ipv4(ipEntry.gateway, `prevResult.ips[${ipIndex}].gateway`),
    routes: routes(value.routes),
  };
  if (typeof podEntry.mtu === 'number') attachment.podInterface.mtu = podEntry.mtu;
  const hostIndex = interfaces.findIndex((entry) => isObject(entry) && !entry.sandbox);
  if (hostIndex >= 0) attachment.hostInterface = iface(interfaces[hostIndex] as Json, `prevResult.interfaces[${hostIndex}]`);
  if (isObject(value.dns) && Object.keys(value.dns).length > 0) attachment.dns = value.dns as PodAttachment['dns'];
  return attachment;
}

function iface(entry: Json, field: string): AttachmentInterface {
  return { name: text(entry.name, `${field}.name`), mac: typeof entry.mac === 'string' ? entry.mac : '' };
}

function routes(value: unknown): AttachmentRoute[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidConfig('prevResult.routes', 'is not a list');
  return value.map((entry: unknown, i) => {
    if (!isObject(entry)) throw invalidConfig(`prevResult.routes[${i}]`, 'is not an object');
    const route: AttachmentRoute = { dst: text(entry.dst, `prevResult.routes[${i}].dst`) };
    if (entry.gw !== undefined) route.gw = ipv4(entry.gw, `prevResult.routes[${i}].gw`);
    return route;
  });
}
