// The daemon's answer to CNI: IPAM plus attach/detach on this node, behind the CNI server's backend contract.
import { InterfaceExistsError } from '../../host/podlink.js';
import type { Logger } from '../../log.js';
import type { Ipv4 } from '../../net/ipv4.js';
import type { OvsSwitch } from '../../ovs/switch.js';
import type { Vnid } from '../../tenant/vnid.js';
import { CniError, CniErrorCode } from '../cni/errors.js';
import { BandwidthError, type PodBandwidth, effectiveBandwidth } from '../cni/bandwidth.js';
import type { AttachRequest, AttachmentKey, DetachRequest, PodAttachment, PodNetworkBackend } from '../cni/types.js';
import { IpamExhaustedError, IpamStorageError } from '../ipam/errors.js';
import type { HostSubnetIpam } from '../ipam/allocator.js';
import type { HostLocalLeases } from '../ipam/host-local-leases.js';
import { podFlows } from '../pipeline/flows.js';
import { podOwner } from '../pipeline/owners.js';
import type { NodeNetwork } from '../pipeline/flows.js';
import type { LocalPod, NodeDataplane } from './dataplane.js';
import { type FixedRequestLookup, announceMove, leaseFor } from './fixed-attach.js';
import type { NodeFixedAddresses } from './fixed-addresses.js';
import { NamespaceVnidError } from './pod-flow-batch.js';
import { type PodPorts, hostPortMac } from './podports.js';
import type { NamespaceVnids } from './vnids.js';
import { messageOf } from '../../errors.js';
import { parseMac } from '../../net/mac.js';

/** The state directory refusing a change is CNI's I/O failure (5); the message says what to fix. */
function storageFailure(error: unknown): unknown {
  return error instanceof IpamStorageError ? new CniError(CniErrorCode.IoFailure, 'IPAM state not writable', error.message) : error;
}

/** How long ADD waits for the master to number a namespace created moments ago. */
export const DEFAULT_VNID_WAIT_MS = 5000;

/** What the pod network uses of the node agent. */
export interface PodNode {
  readonly nodeNetwork: NodeNetwork | undefined;
  readonly multitenant: boolean;
  readonly vnids: Pick<NamespaceVnids, 'waitFor'>;
  vnidOf(namespace: string): Vnid | undefined;
  readonly ports: Pick<PodPorts, 'attach' | 'detach' | 'podInterface' | 'podMtu'>;
  readonly dataplane: Pick<NodeDataplane, 'pod' | 'podOf' | 'localPods'>;
  readonly fixed: NodeFixedAddresses;
}

export interface PodNetworkOptions {
  agent: PodNode;
  /** Read by CHECK: the pod's port and flows as the switch has them. */
  ovs: Pick<OvsSwitch, 'listPorts' | 'dumpFlows' | 'packetOut'>;
  /** Opened once the node knows its HostSubnet. */
  ipam: () => HostSubnetIpam | undefined;
  /** Whether the API server, reachable now, lists no such pod on this node; absent: never reclaim. */
  podGone?: (namespace: string, name: string) => boolean;
  /** The pod's bandwidth annotations, when the daemon follows the API server. */
  annotationBandwidth?: (namespace: string, name: string) => Promise<PodBandwidth>;
  /** The original k8s-ovs's host-local leases: an adopted pod's goes with it. */
  originalLeases?: Pick<HostLocalLeases, 'release'>;
  vnidWaitMs?: number;
  /** The pod's fixed-address request (its annotations, its namespace's default pool), when the daemon follows an API server. */
  fixedRequest?: FixedRequestLookup;
  /** Hears of every pod attached or detached, by namespace (the control-plane guard follows allowed pods). */
  podsChanged?: (namespace: string) => void;
  /** NetworkPolicy: puts the pod's rules in place before its port exists, and hears when the ADD is over. */
  policies?: {
    admit(pod: { namespace: string; name: string; ip: Ipv4 }): Promise<void>;
    admitted(pod: { namespace: string; name: string }): void;
  };
  logger: Logger;
}

/**
 * How long a pod must stay out of the API server's list before its network is reclaimed: a list can
 * miss it for a moment (an API server restored from a backup, a list older than the ADD).
 */
export const RECLAIM_AFTER_MS = 30_000;

export class NodePodNetwork implements PodNetworkBackend {
  private readonly log: Logger;
  /** performance.now() of each attach: a monotonic clock, so a wall-clock jump cannot make a new pod look old. */
  private readonly attachedAt = new Map<string, number>();
  /** The API's pod list that arrived before the node was ready, reclaimed against once it is. */
  private unreclaimed: ReadonlyArray<{ namespace: string; name: string }> | undefined;
  /** Pods the API server's list lacked, waiting for a second look before they are reclaimed. */
  private readonly reclaimTimers = new Map<string, NodeJS.Timeout>();
  /** Containers whose ADD is running: their address is allocated before their pod is attached. */
  private readonly adding = new Set<string>();

  constructor(private readonly options: PodNetworkOptions) {
    this.log = options.logger.child({ component: 'cni' });
  }

  private ready(): { ipam: HostSubnetIpam } {
    const ipam = this.options.ipam();
    if (!this.options.agent.nodeNetwork || !ipam) {
      throw new CniError(CniErrorCode.TryAgainLater, 'the k8s-ovs node is not set up yet',
        'it is waiting for the network config or this node\'s HostSubnet in etcd');
    }
    return { ipam };
  }

  async add(req: AttachRequest): Promise<PodAttachment> {
    this.adding.add(req.containerId);
    try {
      return await this.attach(req);
    } finally {
      this.adding.delete(req.containerId);
    }
  }

  private async attach(req: AttachRequest): Promise<PodAttachment> {
    const { ipam } = this.ready();
    const { pod } = req;
    const existing = this.options.agent.dataplane.podOf(req.containerId, req.ifname);
    if (existing && existing.netnsPath === req.netns) return this.attachment(existing);
    const agent = this.options.agent;
    // Waits for a new namespace to be numbered; the VNID the pod gets is the one when its flows are rendered.
    const numbered = agent.multitenant
      ? await agent.vnids.waitFor(pod.namespace, this.options.vnidWaitMs ?? DEFAULT_VNID_WAIT_MS)
      : agent.vnidOf(pod.namespace);
    if (numbered === undefined) {
      throw new CniError(CniErrorCode.TryAgainLater, `namespace ${pod.namespace} has no VNID yet`,
        'the k8s-ovs master numbers new namespaces; check that a master is running (k8s-ovs-adm status)');
    }
    let annotations: PodBandwidth = {};
    try {
      if (this.options.annotationBandwidth) annotations = await this.options.annotationBandwidth(pod.namespace, pod.name);
    } catch (error) {
      if (error instanceof BandwidthError) throw new CniError(CniErrorCode.InvalidConfig, `pod ${pod.namespace}/${pod.name}: ${error.message}`);
      throw error;
    }
    const bandwidth = effectiveBandwidth(req.bandwidth, annotations);
    const lease = this.options.fixedRequest ? await leaseFor(agent.fixed, this.options.fixedRequest, pod, req.containerId) : null;
    let address;
    try {
      address = lease ? { ip: lease.held.claim.ip } : await ipam.allocate(req.containerId, req.ifname);
    } catch (error) {
      if (error instanceof IpamExhaustedError) throw new CniError(CniErrorCode.TryAgainLater, error.message);
      throw storageFailure(error);
    }
    try {
      await this.options.policies?.admit({ namespace: pod.namespace, name: pod.name, ip: address.ip });
      const attached = await agent.ports.attach({
        containerId: req.containerId, ifname: req.ifname, netnsPath: req.netns, namespace: pod.namespace,
        name: pod.name, ip: address.ip,
        ...(lease ? { mac: parseMac(lease.held.claim.mac, 'fixed address mac'), fixedAddress: true } : {}),
        ...(bandwidth.ingress ? { ingress: bandwidth.ingress } : {}),
        ...(bandwidth.egress ? { egress: bandwidth.egress } : {}),
      });
      this.attachedAt.set(attached.port.portName, performance.now());
      this.options.policies?.admitted(pod);
      this.options.podsChanged?.(pod.namespace);
      this.log.info('pod attached', { namespace: pod.namespace, pod: pod.name, ip: address.ip, vnid: attached.port.vnid,
        port: attached.port.portName, ...(lease ? { fixed: lease.held.claim.kind, mac: lease.held.claim.mac } : {}),
        ...(bandwidth.ingress || bandwidth.egress ? { bandwidth } : {}) });
      if (lease) {
        void announceMove(this.options.ovs, agent.fixed, lease, attached, this.log).catch((error: unknown) =>
          this.log.warn('announcing a moved fixed address failed', { ip: address.ip, error: messageOf(error) }));
      }
      return this.attachment(attached);
    } catch (error) {
      this.options.policies?.admitted(pod);
      if (lease) await agent.fixed.abandon(lease);
      else await ipam.release(req.containerId, req.ifname);
      this.options.podsChanged?.(pod.namespace);
      if (error instanceof Error && error.cause instanceof InterfaceExistsError) {
        throw new CniError(CniErrorCode.Internal, 'interface already exists', error.cause.message);
      }
      if (error instanceof Error && error.cause instanceof NamespaceVnidError) {
        throw new CniError(CniErrorCode.TryAgainLater, `${error.cause.message} any more`, 'it was deleted while the pod was being added');
      }
      throw error;
    }
  }

  async del(req: DetachRequest): Promise<void> {
    const { ipam } = this.ready();
    const pod = this.options.agent.dataplane.podOf(req.containerId, req.ifname);
    await this.options.agent.ports.detach(req.containerId, req.ifname, req.netns);
    // A failed release keeps the record: the address stays held, and the runtime's next DEL frees it.
    const released = await this.releaseAddress(ipam, req.containerId, req.ifname)
      .catch((error: unknown) => { throw storageFailure(error); });
    if (pod) this.options.podsChanged?.(pod.namespace);
    if (pod || released.length) {
      this.log.info('pod detached', { namespace: pod?.namespace ?? req.pod?.namespace, pod: pod?.name ?? req.pod?.name,
        released });
    }
  }

  async check(req: AttachRequest, prev: PodAttachment): Promise<void> {
    this.ready();
    const pod = this.options.agent.dataplane.podOf(req.containerId, req.ifname);
    if (!pod) throw new CniError(CniErrorCode.UnknownContainer, `no attachment for ${req.containerId}/${req.ifname}`);
    const portName = pod.port.portName;
    const problems: string[] = [];
    if (pod.port.ip !== prev.ip) problems.push(`address is ${pod.port.ip}, prevResult says ${prev.ip}`);
    const live = await this.options.agent.ports.podInterface(pod);
    if (!live) problems.push(`interface ${req.ifname} is missing in ${req.netns}`);
    else {
      if (!live.addresses.includes(`${prev.ip}/${prev.prefixLength}`)) problems.push(`interface lacks ${prev.ip}/${prev.prefixLength}`);
      if (live.mac !== pod.port.mac) problems.push(`MAC is ${live.mac}, expected ${pod.port.mac}`);
      if (!live.routes.some((r) => r.dst === 'default' && r.gateway === prev.gateway)) problems.push('default route is missing');
    }
    const ports = await this.options.ovs.listPorts();
    if (!ports.some((p) => p.name === portName && p.ofport === pod.port.ofport)) problems.push(`OVS port ${portName} is missing`);
    const onSwitch = await this.options.ovs.dumpFlows({ cookie: podOwner(portName) });
    if (onSwitch.length !== podFlows(pod.port).length) {
      problems.push(`switch holds ${onSwitch.length} of the pod's ${podFlows(pod.port).length} flows`);
    }
    if (problems.length) throw new CniError(CniErrorCode.Internal, 'the pod network is not as ADD left it', problems.join('; '));
  }

  status(): void {
    try {
      this.ready();
    } catch (error) {
      if (error instanceof CniError) throw new CniError(CniErrorCode.PluginNotAvailable, error.msg, error.details);
      throw error;
    }
  }

  /** Detaches and releases every attachment the runtime did not list, ports and addresses alike. */
  async gc(valid: AttachmentKey[]): Promise<void> {
    const { ipam } = this.ready();
    const keep = new Set(valid.map((a) => `${a.containerId}/${a.ifname}`));
    const stale = new Map<string, { containerId: string; ifname: string; netnsPath?: string }>();
    for (const pod of this.options.agent.dataplane.localPods()) {
      stale.set(`${pod.containerId}/${pod.ifname}`, { containerId: pod.containerId, ifname: pod.ifname, netnsPath: pod.netnsPath });
    }
    for (const record of await ipam.list()) stale.set(`${record.containerId}/${record.ifname}`, record);
    for (const [key, attachment] of stale) {
      if (keep.has(key)) continue;
      await this.options.agent.ports.detach(attachment.containerId, attachment.ifname, attachment.netnsPath);
      await this.releaseAddress(ipam, attachment.containerId, attachment.ifname);
      this.log.info('garbage-collected a stale attachment', { containerId: attachment.containerId, ifname: attachment.ifname });
    }
    const keepContainers = new Set(valid.map((a) => a.containerId));
    for (const containerId of this.options.agent.fixed.heldContainers()) {
      if (!keepContainers.has(containerId)) await this.options.agent.fixed.release(containerId);
    }
  }

  /**
   * After a list of this node's pods: pods missing from it are reclaimed (detached, address freed) if
   * they are still missing RECLAIM_AFTER_MS later; their DEL never came. Addresses held by no attached
   * pod are freed at once.
   */
  async reclaimVanished(live: ReadonlyArray<{ namespace: string; name: string }>): Promise<void> {
    const ipam = this.options.ipam();
    if (!ipam || !this.options.agent.nodeNetwork) {
      // The first list usually arrives before the node is set up: keep it for nodeReady().
      this.unreclaimed = live;
      return;
    }
    this.unreclaimed = undefined;
    const exists = new Set(live.map((p) => `${p.namespace}/${p.name}`));
    for (const pod of this.options.agent.dataplane.localPods()) {
      const portName = pod.port.portName;
      // A pod adopted from the original without a known name has nothing to look up: only its DEL removes it.
      if (!pod.name || exists.has(`${pod.namespace}/${pod.name}`) || this.reclaimTimers.has(portName)) continue;
      const timer = setTimeout(() => {
        this.reclaimTimers.delete(portName);
        void this.reclaim(portName).catch((error: unknown) =>
          this.log.error('reclaiming a vanished pod failed', { port: portName, error: messageOf(error) }));
      }, RECLAIM_AFTER_MS);
      timer.unref();
      this.reclaimTimers.set(portName, timer);
    }
    const report = await ipam.reconcile([...this.options.agent.dataplane.localPods().map((pod) => pod.containerId), ...this.adding]);
    if (report.released.length) this.log.info('released addresses of vanished containers', { released: report.released.map((r) => r.ip) });
  }

  private async reclaim(portName: string): Promise<void> {
    const pod = this.options.agent.dataplane.pod(portName);
    const ipam = this.options.ipam();
    if (!pod || !ipam || performance.now() - (this.attachedAt.get(portName) ?? -Infinity) < RECLAIM_AFTER_MS) return;
    if (!this.options.podGone?.(pod.namespace, pod.name)) return;
    await this.options.agent.ports.detach(pod.containerId, pod.ifname, pod.netnsPath);
    const released = await this.releaseAddress(ipam, pod.containerId, pod.ifname);
    this.attachedAt.delete(portName);
    this.log.info('reclaimed a pod that no longer exists', { namespace: pod.namespace, pod: pod.name, released });
  }

  /**
   * Frees the attachment's address: in our IPAM, or its fixed-address claim; for a pod adopted from the original,
   * its host-local lease too.
   */
  private async releaseAddress(ipam: HostSubnetIpam, containerId: string, ifname: string) {
    const released = [...await ipam.release(containerId, ifname), ...await this.options.agent.fixed.release(containerId)];
    await this.options.originalLeases?.release(containerId);
    return released;
  }

  stop(): void {
    for (const timer of this.reclaimTimers.values()) clearTimeout(timer);
    this.reclaimTimers.clear();
  }

  /** Called once IPAM is open: reclaims against a pod list that arrived too early. */
  async nodeReady(): Promise<void> {
    if (this.unreclaimed) await this.reclaimVanished(this.unreclaimed);
  }

  private attachment(pod: LocalPod): PodAttachment {
    const network = this.options.agent.nodeNetwork!;
    return {
      hostInterface: { name: pod.port.portName, mac: hostPortMac(pod.containerId, pod.ifname) },
      podInterface: { name: pod.ifname, mac: pod.port.mac, sandbox: pod.netnsPath, mtu: this.options.agent.ports.podMtu },
      ip: pod.port.ip,
      // A fixed address lies outside the HostSubnet: the pod has it alone (/32).
      prefixLength: network.localSubnet.contains(pod.port.ip) ? network.localSubnet.prefixLength : 32,
      gateway: network.gateway,
      routes: [{ dst: '0.0.0.0/0', gw: network.gateway }, { dst: network.clusterNetwork.toString() }],
    };
  }
}
