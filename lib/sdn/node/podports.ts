// Attaching a pod to the switch (veth, OVS port, bandwidth, flows) and detaching it, with rollback.
import { createHash } from 'node:crypto';
import type { OvsSwitch } from '../../ovs/switch.js';
import type { PodLinks } from '../../host/podlink.js';
import { Cidr, type Ipv4, ipv4ToInt, parseIpv4 } from '../../net/ipv4.js';
import { type Mac, macOf, parseMac } from '../../net/mac.js';
import type { Vnid } from '../../tenant/vnid.js';
import type { LocalPod } from './dataplane.js';
import type { BandwidthLimit } from '../cni/bandwidth.js';
import { POD_PORT_IDS } from '../pod-port-ids.js';
import { CONNTRACK_ZONE } from '../pipeline/tables.js';
import type { PodFlows, WiredPod } from './pod-flow-batch.js';

/** A pod to wire up; its VNID is not part of it: the node reads the namespace's when it renders the flows. */
export interface AttachRequest {
  containerId: string;
  ifname: string;
  netnsPath: string;
  namespace: string;
  name: string;
  ip: Ipv4;
  /** A fixed address's MAC; otherwise one derived from the address. */
  mac?: Mac | undefined;
  /** A fixed address (outside the HostSubnet): the pod gets it as a /32, reaching the gateway on-link. */
  fixedAddress?: boolean | undefined;
  ingress?: BandwidthLimit;
  egress?: BandwidthLimit;
}

/** What PodPorts does to the switch; OvsSwitch implements it, unit tests fake it. */
export type PortSwitch = Pick<OvsSwitch,
  'ensurePort' | 'deletePort' | 'listPorts' | 'setMeter' | 'deleteMeter' | 'meterIds' | 'setPortRateLimit' | 'flushConnections'>;

/** What PodPorts does to veths; PodLinks implements it, unit tests fake it. */
export type PodLinkOps = Pick<PodLinks, 'create' | 'deleteHostEnd' | 'deletePodInterface' | 'podInterface'>;

export interface PodPortSettings {
  podMtu: number;
  disableTxChecksumOffload: boolean;
  /** Whether pods of a namespace may reach the control plane (--etcd-access-namespaces); none by default. */
  controlPlaneAccess?: (namespace: string) => boolean;
}

export class AttachError extends Error {
  override name = 'AttachError';
}

/** Host-side veth name derived from the IDs (≤ 15 chars), so DEL finds it without any state. */
export function hostPortName(containerId: string, ifname: string): string {
  return 'ko' + createHash('sha256').update(`${containerId}/${ifname}`).digest('hex').slice(0, 12);
}

/** The host end's MAC, derived like its name, so the CNI result can report it without asking the kernel. */
export function hostPortMac(containerId: string, ifname: string): Mac {
  const bytes = createHash('sha256').update(`mac/${containerId}/${ifname}`).digest().subarray(0, 5);
  return macOf(Uint8Array.of(0x0e, ...bytes));
}

/** A locally administered MAC derived from the IP, so the anti-spoofing flows can be computed anywhere. */
export function podMac(ip: Ipv4): Mac {
  return macOf(Uint8Array.of(0x0a, 0x58, ...ip.split('.').map(Number)));
}

export class PodPorts {
  constructor(
    private readonly ovs: PortSwitch,
    private readonly links: PodLinkOps,
    private readonly dataplane: PodFlows,
    private readonly settings: PodPortSettings,
  ) {}

  get podMtu(): number {
    return this.settings.podMtu;
  }

  private controlPlaneAccess(namespace: string): boolean {
    return this.settings.controlPlaneAccess?.(namespace) ?? false;
  }

  /** The pod end of the veth as the kernel sees it now, for CHECK. */
  podInterface(pod: LocalPod) {
    return this.links.podInterface(pod.netnsPath, pod.ifname);
  }

  /** Wires the pod up completely or, on any failure, removes everything it made and throws. */
  async attach(request: AttachRequest): Promise<LocalPod> {
    const network = this.dataplane.nodeNetwork;
    if (!network) throw new AttachError('the node network is not set up yet');
    const portName = hostPortName(request.containerId, request.ifname);
    const mac = request.mac ?? podMac(request.ip);
    const undo: Array<() => Promise<void>> = [];
    try {
      const podEnd = {
        netnsPath: request.netnsPath, ifname: request.ifname, mac, address: request.ip,
        subnet: request.fixedAddress ? Cidr.of(ipv4ToInt(request.ip), 32) : network.localSubnet, gateway: network.gateway,
        onLinkRoutes: [network.clusterNetwork],
        mtu: this.settings.podMtu, disableTxChecksumOffload: this.settings.disableTxChecksumOffload,
      };
      await this.links.create(portName, hostPortMac(request.containerId, request.ifname), podEnd);
      undo.push(async () => { await this.links.deleteHostEnd(portName); });
      return await this.wire(request, portName, mac, undo);
    } catch (error) {
      const rollbackFailures: string[] = [];
      for (const step of undo.reverse()) {
        await step().catch((e: unknown) => rollbackFailures.push(e instanceof Error ? e.message : String(e)));
      }
      const reason = error instanceof Error ? error.message : String(error);
      throw new AttachError(`attaching ${request.namespace}/${request.name} failed: ${reason}` +
        (rollbackFailures.length ? `; rollback also failed: ${rollbackFailures.join('; ')}` : ''), { cause: error });
    }
  }

  /** The host end's OVS port, bandwidth limits and flows; records in `undo` how to take back each step. */
  private async wire(request: AttachRequest, portName: string, mac: Mac, undo: Array<() => Promise<void>>): Promise<LocalPod> {
    const ofport = await this.ovs.ensurePort({ name: portName, externalIds: externalIds(request, mac) });
    undo.push(() => this.ovs.deletePort(portName));
    if (request.egress) {
      await this.ovs.setMeter(meterFor(ofport, request.egress));
      undo.push(() => this.ovs.deleteMeter(ofport));
    }
    if (request.ingress) await this.ovs.setPortRateLimit(portName, request.ingress.rateBps, request.ingress.burstBits);
    const wired: WiredPod = {
      containerId: request.containerId, ifname: request.ifname, namespace: request.namespace,
      name: request.name, netnsPath: request.netnsPath,
      port: { portName, ofport, ip: request.ip, mac, ...(request.egress ? { egressMeter: ofport } : {}),
        ...(this.controlPlaneAccess(request.namespace) ? { controlPlaneAccess: true } : {}) },
      ...(request.ingress ? { ingress: request.ingress } : {}),
      ...(request.egress ? { egress: request.egress } : {}),
    };
    const pod = await this.dataplane.addPod(wired);
    undo.push(() => this.dataplane.removePod(portName));
    return pod;
  }

  /**
   * Takes over a running pod this daemon did not attach (one of the original k8s-ovs): its port gets the
   * k8s-ovs-* IDs before any flow of the original is replaced, so a crash in between loses nothing.
   */
  async adopt(pod: LocalPod): Promise<void> {
    const ids = externalIds({ ...pod, ip: pod.port.ip }, pod.port.mac);
    const keptIds = pod.namespace ? ids : { ...ids, [POD_PORT_IDS.vnid]: String(pod.port.vnid) };
    await this.ovs.ensurePort({ name: pod.port.portName, externalIds: keptIds });
    this.dataplane.rememberPod(this.controlPlaneAccess(pod.namespace) ? { ...pod, port: { ...pod.port, controlPlaneAccess: true } } : pod);
  }

  /** Removes flows, meter, port and veth; every step tolerates "already gone", so DEL can repeat. */
  async detach(containerId: string, ifname: string, netnsPath?: string): Promise<void> {
    const pod = this.dataplane.podOf(containerId, ifname);
    const portName = pod?.port.portName ?? hostPortName(containerId, ifname);
    await this.dataplane.removePod(portName);
    if (pod?.port.egressMeter !== undefined) {
      const meters = await this.ovs.meterIds();
      if (meters.has(pod.port.egressMeter)) await this.ovs.deleteMeter(pod.port.egressMeter);
    }
    // With its flows gone the pod's packets go nowhere: port, connections and veth can go at once. (Deleting the veth
    // beside the flows instead made the bench's sequential DELs on a bridge of 200 pods slower, daemon p50 64 against
    // 42 ms: the switch seems to rework the bridge once for the vanished device and again for the port.) Every step
    // runs even if another fails.
    const steps = await Promise.allSettled([
      this.ovs.deletePort(portName),
      pod ? this.ovs.flushConnections(CONNTRACK_ZONE, pod.port.ip) : Promise.resolve(),
      // Deleting the host end takes the pod end with it; only a lone pod end needs a run in the netns.
      this.links.deleteHostEnd(portName).then(async (hadHostEnd) => {
        if (netnsPath && !hadHostEnd) await this.links.deletePodInterface(netnsPath, ifname);
      }),
    ]);
    const failed = steps.find((step) => step.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * Rebuilds the pod list from the switch's ports after a restart, without touching the switch;
   * `vnidOf` gives each namespace's current VNID. Ports whose namespace is unknown are returned apart.
   */
  async recover(vnidOf: (namespace: string) => Vnid | undefined): Promise<{ pods: LocalPod[]; unknown: string[]; gone: string[] }> {
    const pods: LocalPod[] = [];
    const unknown: string[] = [];
    const gone: string[] = [];
    for (const port of await this.ovs.listPorts()) {
      const ids = port.externalIds;
      const containerId = ids[POD_PORT_IDS.container];
      if (!containerId) continue;
      if (port.ofport === undefined) {
        // The veth went with its netns while the daemon was away: nothing of the pod is left to serve.
        await this.ovs.deletePort(port.name);
        const ip = ids[POD_PORT_IDS.ip];
        if (ip) await this.ovs.flushConnections(CONNTRACK_ZONE, ip);
        gone.push(port.name);
        continue;
      }
      const namespace = ids[POD_PORT_IDS.namespace] ?? '';
      const vnid = namespace ? vnidOf(namespace) : parseVnid(ids[POD_PORT_IDS.vnid]);
      if (vnid === undefined) {
        unknown.push(port.name);
        continue;
      }
      const ingress = parseBandwidth(ids[POD_PORT_IDS.ingress]);
      const egress = parseBandwidth(ids[POD_PORT_IDS.egress]);
      const pod: LocalPod = {
        containerId, ifname: ids[POD_PORT_IDS.ifname] ?? 'eth0', namespace,
        name: ids[POD_PORT_IDS.pod] ?? '', netnsPath: ids[POD_PORT_IDS.netns] ?? '',
        port: { portName: port.name, ofport: port.ofport, ip: parseIpv4(ids[POD_PORT_IDS.ip] ?? '', `${port.name} ip`),
          mac: parseMac(ids[POD_PORT_IDS.mac] ?? '', `${port.name} mac`), vnid, ...(egress ? { egressMeter: port.ofport } : {}),
          ...(this.controlPlaneAccess(namespace) ? { controlPlaneAccess: true } : {}) },
        ...(ingress ? { ingress } : {}),
        ...(egress ? { egress } : {}),
      };
      this.dataplane.rememberPod(pod);
      pods.push(pod);
    }
    return { pods, unknown, gone };
  }

  /** Re-creates the egress meters of known pods, e.g. after ovs-vswitchd lost them in a restart. */
  async restoreMeters(): Promise<void> {
    const existing = await this.ovs.meterIds();
    for (const pod of this.dataplane.localPods()) {
      if (pod.egress && pod.port.egressMeter !== undefined && !existing.has(pod.port.egressMeter)) {
        await this.ovs.setMeter(meterFor(pod.port.egressMeter, pod.egress));
      }
    }
  }
}

/**
 * A meter drops what exceeds its bucket where htb would queue it, so TCP needs a deeper bucket to
 * reach the rate: with 0.1 s it settled at half of a 10 Mbit/s limit, with 0.3 s at the limit.
 */
export const METER_MIN_BURST_SECONDS = 0.3;

function meterFor(id: number, limit: BandwidthLimit) {
  const burstBits = Math.max(limit.burstBits, limit.rateBps * METER_MIN_BURST_SECONDS);
  return { id, rateKbps: Math.max(1, Math.round(limit.rateBps / 1000)), burstKb: Math.max(1, Math.round(burstBits / 1000)) };
}

function externalIds(request: AttachRequest, mac: Mac): Record<string, string> {
  return {
    [POD_PORT_IDS.container]: request.containerId, [POD_PORT_IDS.ifname]: request.ifname, [POD_PORT_IDS.namespace]: request.namespace,
    [POD_PORT_IDS.pod]: request.name, [POD_PORT_IDS.netns]: request.netnsPath, [POD_PORT_IDS.ip]: request.ip, [POD_PORT_IDS.mac]: mac,
    ...(request.ingress ? { [POD_PORT_IDS.ingress]: `${request.ingress.rateBps}/${request.ingress.burstBits}` } : {}),
    ...(request.egress ? { [POD_PORT_IDS.egress]: `${request.egress.rateBps}/${request.egress.burstBits}` } : {}),
  };
}

function parseVnid(text: string | undefined): Vnid | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) as Vnid : undefined;
}

function parseBandwidth(text: string | undefined): BandwidthLimit | undefined {
  const match = text ? /^(\d+)\/(\d+)$/.exec(text) : null;
  return match ? { rateBps: Number(match[1]), burstBits: Number(match[2]) } : undefined;
}
