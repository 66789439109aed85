// Finds the pods the original k8s-ovs (Go) left running on this switch, to adopt them at the daemon's first
// start: its ports carry no k8s-ovs-* external IDs, its table-2 flows hold each pod's address, MAC and VNID,
// and host-local's lease files name each address's container.
import type { Logger } from '../../log.js';
import { type Ipv4, ipv4OrUndefined } from '../../net/ipv4.js';
import type { DumpedFlow } from '../../ovs/dump.js';
import type { OvsSwitch, PortInfo } from '../../ovs/switch.js';
import type { Vnid } from '../../tenant/vnid.js';
import type { HostLocalLease, HostLocalLeases } from '../ipam/host-local-leases.js';
import { TUN_PORT_NAME, VXLAN_PORT_NAME } from '../pipeline/tables.js';
import type { LocalPod } from './dataplane.js';
import { POD_PORT_IDS } from './podports.js';

/** The original's table 2: "from container; validate IP/MAC, assign tenant-id". */
export const ORIGINAL_POD_TABLE = 2;

export interface OriginalPodPort {
  portName: string;
  ofport: number;
  ip: Ipv4;
  mac: string;
  /** The VNID its flows tagged the pod's traffic with. */
  vnid: Vnid;
  containerId: string;
  ifname: string;
}

export interface OriginalPodsFound {
  pods: OriginalPodPort[];
  /** Ports this daemon did not make and cannot adopt, with why: left as they are, with no flows. */
  skipped: Array<{ port: string; reason: string }>;
}

interface PortFlows {
  ip?: Ipv4;
  mac?: string;
  vnid?: Vnid;
}

const field = (match: string, name: string) => new RegExp(`(?:^|,)${name}=([^,]+)`).exec(match)?.[1];

/** The original's `load:N->NXM_NX_REG0[]`, as ovs-ofctl prints it (hex or decimal). */
function loadedVnid(actions: string): Vnid | undefined {
  const value = /(?:load:|set_field:)(0x[0-9a-f]+|\d+)->(?:NXM_NX_REG0\[\]|reg0)/i.exec(actions)?.[1];
  return value === undefined ? undefined : Number(value) as Vnid;
}

/** Per ofport, what the original's table-2 flows say of its pod: address (IP and ARP flows), MAC (ARP) and VNID. */
export function originalPodFlows(flows: readonly DumpedFlow[]): Map<number, PortFlows> {
  const byPort = new Map<number, PortFlows>();
  for (const flow of flows) {
    const inPort = Number(field(flow.match, 'in_port'));
    if (flow.table !== ORIGINAL_POD_TABLE || !Number.isInteger(inPort) || inPort <= 0) continue;
    const entry = byPort.get(inPort) ?? {};
    const arp = flow.match.split(',').includes('arp');
    const ip = ipv4OrUndefined(field(flow.match, arp ? 'arp_spa' : 'nw_src'));
    if (ip) entry.ip = ip;
    if (arp) entry.mac = field(flow.match, 'arp_sha') ?? entry.mac;
    entry.vnid = loadedVnid(flow.actions) ?? entry.vnid;
    byPort.set(inPort, entry);
  }
  return byPort;
}

/** Matches the original's ports, flows and leases; a pod is adopted only when all three agree. */
export function findOriginalPods(ports: readonly PortInfo[], flows: readonly DumpedFlow[], leases: readonly HostLocalLease[]): OriginalPodsFound {
  const byPort = originalPodFlows(flows);
  const byIp = new Map(leases.map((lease) => [lease.ip, lease]));
  const found: OriginalPodsFound = { pods: [], skipped: [] };
  for (const port of ports) {
    if (port.externalIds[POD_PORT_IDS.container] || port.name === TUN_PORT_NAME || port.name === VXLAN_PORT_NAME) continue;
    const skip = (reason: string) => found.skipped.push({ port: port.name, reason });
    if (!(port.ofport > 0)) {
      skip('it has no OpenFlow port (its veth is gone)');
      continue;
    }
    const seen = byPort.get(port.ofport);
    if (!seen?.ip || !seen.mac || seen.vnid === undefined) {
      skip(`no address, MAC and VNID in table-${ORIGINAL_POD_TABLE} flows for ofport ${port.ofport}`);
      continue;
    }
    const lease = byIp.get(seen.ip);
    if (!lease) {
      skip(`no host-local lease for its address ${seen.ip}`);
      continue;
    }
    found.pods.push({ portName: port.name, ofport: port.ofport, ip: seen.ip, mac: seen.mac, vnid: seen.vnid,
      containerId: lease.containerId, ifname: lease.ifname ?? 'eth0' });
  }
  return found;
}

export interface OriginalPodAdoptionOptions {
  ovs: Pick<OvsSwitch, 'listPorts' | 'dumpFlows'>;
  leases: HostLocalLeases;
  /** The pod the API server says holds an address on this node, when the daemon follows one. */
  podByIp?: (ip: Ipv4) => { namespace: string; name: string } | undefined;
  logger: Logger;
}

/** What adopting needs of the node: the namespaces by VNID, and a way to take a port over. */
export interface AdoptionTarget {
  namespacesWith(vnid: Vnid): string[];
  vnidOf(namespace: string): Vnid | undefined;
  /** Writes the pod's k8s-ovs-* IDs on its port and records it, so the next resync gives it this daemon's flows. */
  adopt(pod: LocalPod): Promise<void>;
}

export class OriginalPodAdoption {
  constructor(private readonly options: OriginalPodAdoptionOptions) {}

  /** Adopts every pod of the original on the switch; must run before the first resync replaces the original's flows. */
  async adopt(target: AdoptionTarget): Promise<LocalPod[]> {
    const { ovs, leases, logger } = this.options;
    const found = findOriginalPods(await ovs.listPorts(), await ovs.dumpFlows({ table: ORIGINAL_POD_TABLE }), await leases.list());
    const adopted: LocalPod[] = [];
    for (const original of found.pods) {
      const pod = this.localPod(original, target);
      await target.adopt(pod);
      adopted.push(pod);
      logger.info('adopted a pod of the original k8s-ovs', { port: pod.port.portName, ip: pod.port.ip, vnid: pod.port.vnid,
        containerId: pod.containerId, namespace: pod.namespace || 'unknown', pod: pod.name || 'unknown' });
    }
    for (const { port, reason } of found.skipped) logger.warn('left a port on the bridge alone: not a pod this daemon can adopt', { port, reason });
    return adopted;
  }

  /** Its namespace from the API server's pod of that address, else the only namespace with its VNID. */
  private localPod(original: OriginalPodPort, target: AdoptionTarget): LocalPod {
    const owner = this.options.podByIp?.(original.ip);
    const candidates = target.namespacesWith(original.vnid);
    const namespace = owner?.namespace ?? (candidates.length === 1 ? candidates[0]! : '');
    const current = namespace ? target.vnidOf(namespace) : undefined;
    return {
      containerId: original.containerId, ifname: original.ifname, namespace, name: owner?.name ?? '', netnsPath: '',
      port: { portName: original.portName, ofport: original.ofport, ip: original.ip, mac: original.mac, vnid: current ?? original.vnid },
    };
  }
}
