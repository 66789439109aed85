// What `trace` traces between: pod and address arguments, pods found on a switch, and the flows handed to OVS.
import { AddressError, type Ipv4, parseIpv4 } from '../net/ipv4.js';
import type { PortInfo } from '../ovs/switch.js';
import { TUN_PORT, VXLAN_PORT } from '../sdn/pipeline/tables.js';
import { isNamespaceName } from '../sdn/records.js';
import { UsageError } from './errors.js';
import { POD_PORT_IDS } from '../sdn/node/podports.js';

export interface PodRef {
  namespace: string;
  name: string;
}

export type TraceProtocol = 'ip' | 'tcp' | 'udp';

export interface TraceDestination {
  /** A pod to look up on the switches, or an address as given. */
  target: { kind: 'pod'; pod: PodRef } | { kind: 'ip'; ip: Ipv4 };
  protocol: TraceProtocol;
  port?: number;
}

/** A pod the daemon attached, as its OVS port records it (see lib/sdn/node/podports.ts). */
export interface SwitchPod {
  namespace: string;
  name: string;
  ip: Ipv4;
  mac: string;
  ofport: number;
  portName: string;
}

const POD_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export function parsePodRef(text: string, what: string): PodRef {
  const [namespace, name, extra] = text.split('/');
  if (extra !== undefined || !namespace || !name || !isNamespaceName(namespace) || !POD_NAME.test(name)) {
    throw new UsageError(`${what} "${text}" is not <namespace>/<pod> (e.g. red/web-1)`);
  }
  return { namespace, name };
}

/** `<ns>/<pod>` or `<ip>`, optionally followed by `:<port>` (TCP) or `:<port>/<tcp|udp>`. */
export function parseDestination(text: string): TraceDestination {
  const match = /^([^:]+)(?::(\d{1,5})(?:\/(tcp|udp))?)?$/.exec(text);
  if (!match) {
    throw new UsageError(`destination "${text}" is not <namespace>/<pod> or <ip>, optionally with :<port>[/tcp|udp] `
      + '(e.g. blue/db:5432/tcp or 10.128.2.7)');
  }
  const [, endpoint, portText, protocol] = match;
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (port < 1 || port > 65535)) throw new UsageError(`destination port ${port} is not 1-65535`);
  let target: TraceDestination['target'];
  if (endpoint!.includes('/')) {
    target = { kind: 'pod', pod: parsePodRef(endpoint!, 'destination') };
  } else {
    try {
      target = { kind: 'ip', ip: parseIpv4(endpoint!, 'destination') };
    } catch (error) {
      if (error instanceof AddressError) throw new UsageError(`${error.message}: give <namespace>/<pod> or an IPv4 address`);
      throw error;
    }
  }
  return { target, protocol: port === undefined ? 'ip' : (protocol as TraceProtocol | undefined) ?? 'tcp', ...(port ? { port } : {}) };
}

/** `--service-backend IP[:PORT]`: the endpoint kube-proxy DNATs to (its port defaults to the service's). */
export function parseServiceBackend(text: string, destination: TraceDestination): { ip: Ipv4; port?: number } {
  const match = /^([^:]+)(?::(\d{1,5}))?$/.exec(text);
  const port = match?.[2] === undefined ? destination.port : Number(match[2]);
  if (!match || (port !== undefined && (port < 1 || port > 65535))) {
    throw new UsageError(`--service-backend "${text}" is not IP[:PORT] (e.g. 10.128.2.7:8080)`);
  }
  if (destination.target.kind !== 'ip' || destination.port === undefined) {
    throw new UsageError('--service-backend needs a service destination: <service IP>:<port>[/tcp|udp]');
  }
  try {
    return { ip: parseIpv4(match[1]!, '--service-backend'), ...(port ? { port } : {}) };
  } catch (error) {
    if (error instanceof AddressError) throw new UsageError(error.message);
    throw error;
  }
}

/** The pods among a switch's ports (ports the daemon did not make are left out). */
export function podsOnSwitch(ports: readonly PortInfo[]): SwitchPod[] {
  const pods: SwitchPod[] = [];
  for (const port of ports) {
    const ids = port.externalIds;
    const namespace = ids[POD_PORT_IDS.namespace];
    const name = ids[POD_PORT_IDS.pod];
    const ip = ids[POD_PORT_IDS.ip];
    if (!namespace || !name || !ip) continue;
    try {
      pods.push({ namespace, name, ip: parseIpv4(ip), mac: ids[POD_PORT_IDS.mac] ?? '', ofport: port.ofport, portName: port.name });
    } catch (error) {
      if (!(error instanceof AddressError)) throw error;
    }
  }
  return pods;
}

function transport(destination: TraceDestination): string {
  return destination.port === undefined ? '' : `,${destination.protocol}_dst=${destination.port}`;
}

/** The packet as the source pod sends it, for `ofproto/trace` on the source node. */
export function podPacket(source: SwitchPod, dstIp: string, destination: TraceDestination): string {
  return `in_port=${source.ofport},${destination.protocol},dl_src=${source.mac},nw_src=${source.ip},nw_dst=${dstIp}`
    + transport(destination);
}

/** The packet as the host sends it back into br0 after kube-proxy's DNAT: from tun0, the client pod's address kept. */
export function relayedPacket(clientIp: string, backendIp: string, destination: TraceDestination): string {
  return `in_port=${TUN_PORT},${destination.protocol},nw_src=${clientIp},nw_dst=${backendIp}${transport(destination)}`;
}

/** The same packet as the destination node receives it from VXLAN. */
export function vxlanPacket(vnid: number, fromNode: string, toNode: string, srcIp: string, dstIp: string,
  destination: TraceDestination): string {
  return `in_port=${VXLAN_PORT},tun_id=0x${vnid.toString(16)},tun_src=${fromNode},tun_dst=${toNode},${destination.protocol},`
    + `nw_src=${srcIp},nw_dst=${dstIp}${transport(destination)}`;
}
