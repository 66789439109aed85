// The node side of the daemon: follows HostSubnets and NetNamespaces in etcd and keeps br0 matching them.
import type { Store, WatchEvent, Watching } from '../../etcd/types.js';
import type { HostNetwork } from '../../host/network.js';
import type { Logger } from '../../log.js';
import type { Ipv4 } from '../../net/ipv4.js';
import type { Flow } from '../../ovs/flow.js';
import type { OvsSwitch } from '../../ovs/switch.js';
import { FlowSync, type FlowTarget } from '../../ovs/flowsync.js';
import { SerialQueue } from '../../serial-queue.js';
import { GLOBAL_VNID, type Vnid } from '../../tenant/vnid.js';
import { type NetworkConfig, isMultitenant } from '../config.js';
import { type NetworkKeys, keyLeaf, networkKeys } from '../layout.js';
import { type HostSubnet, parseHostSubnet, parseNetNamespace, serializeHostSubnet } from '../records.js';
import type { ControlPlaneEndpoint, NodeNetwork } from '../pipeline/flows.js';
import { NodeDataplane } from './dataplane.js';
import { queuedPodFlows } from './pod-flow-batch.js';
import { type PodLinkOps, PodPorts, type PortSwitch } from './podports.js';
import { type SetupHost, type SetupSwitch, type SwitchReader, setupNode } from './setup.js';
import { TUN_PORT_NAME } from '../pipeline/tables.js';
import { NamespaceVnids } from './vnids.js';
import type { OriginalPodAdoption } from './original-pods.js';
import { HostSubnets } from './hostsubnets.js';
import { NodeServices } from './services.js';
import { NodeFixedAddresses } from './fixed-addresses.js';
import { SwitchWatchdog } from './watchdog.js';
import { messageOf } from '../../errors.js';

/** Everything the node does to its switch; OvsSwitch implements it, unit tests fake it. */
export type NodeSwitch = SetupSwitch & PortSwitch & SwitchReader & FlowTarget & Pick<OvsSwitch, 'datapathType'>;

/** Everything the node does to the host's networking; HostNetwork implements it, unit tests fake it. */
export type NodeHost = SetupHost & Pick<HostNetwork, 'removeRoute'>;

export interface NodeAgentOptions {
  store: Pick<Store, 'watchPrefix' | 'create' | 'get' | 'txn'>;
  config: NetworkConfig;
  hostname: string;
  nodeIp: Ipv4;
  ovs: NodeSwitch;
  host: NodeHost;
  podLinks: PodLinkOps;
  logger: Logger;
  /** Ask the master for a subnet with `"Assign":true` (a host that Kubernetes does not list as a Node). */
  requestSubnet: boolean;
  mtu?: number;
  disableTxChecksumOffload: boolean;
  /** How often the watchdog reads the flows anyway (default 30 s); restarts it notices at once. */
  safetyCheckMs?: number;
  /** Takes over the original k8s-ovs's running pods before the first resync replaces its flows. */
  originalPods?: OriginalPodAdoption;
  /** TCP ports of the daemons that no pod may open on any node (an exposed metrics port). */
  guardedNodePorts?: readonly number[];
  /** Whether pods of a namespace may reach the control plane (--etcd-access-namespaces). */
  controlPlaneAccess?: (namespace: string) => boolean;
  /** Runs once the pods on the switch are known, before the first resync: NetworkPolicy compiles for them here. */
  beforeFirstResync?: () => Promise<void>;
  /** Settles once the API server's lists are in (or were waited for long enough): adoption and the first resync wait for it. */
  untilListed?: () => Promise<void>;
}

export class NodeAgent {
  readonly dataplane: NodeDataplane;
  readonly vnids = new NamespaceVnids();
  /** Kubernetes services (fed by NodeSync when the daemon follows an API server). */
  readonly services: NodeServices;
  /** Fixed pod addresses: pools, claims and their /32 routes. */
  readonly fixed: NodeFixedAddresses;
  private readonly keys: NetworkKeys;
  private readonly log: Logger;
  private readonly subnets: HostSubnets;
  private readonly watches: Watching[] = [];
  private readonly rejected = new Map<string, string>();
  /** Every change of the switch runs here, one at a time: watch events, retags, restores, resyncs. */
  private readonly queue = new SerialQueue();
  private network: NodeNetwork | undefined;
  private podPorts: PodPorts | undefined;
  private watchdog: SwitchWatchdog | undefined;
  private ownSubnetWaiter: ((subnet: HostSubnet) => void) | undefined;
  private ready = false;
  /** A change came while the first resync ran and was only recorded: the catch-up after it must apply it. */
  private missedDuringResync = false;

  constructor(private readonly options: NodeAgentOptions) {
    this.keys = networkKeys(options.config.name);
    this.subnets = new HostSubnets(options.nodeIp);
    this.log = options.logger.child({ component: 'node', node: options.hostname });
    this.dataplane = new NodeDataplane(new FlowSync(options.ovs), options.guardedNodePorts);
    this.services = new NodeServices(this.dataplane, (ns) => this.vnidOf(ns), (work) => this.onceReady(work), this.multitenant);
    this.fixed = new NodeFixedAddresses({
      store: options.store, keys: this.keys, clusterNetwork: options.config.network, nodeIp: options.nodeIp, dataplane: this.dataplane,
      hostSubnetOf: (ip) => this.subnets.holding(ip), isNode: (hostIp) => this.subnets.isNode(hostIp),
      apply: (work) => this.onceReady(work), ready: () => this.ready, logger: this.log,
    });
  }

  get multitenant(): boolean {
    return isMultitenant(this.options.config.plugin);
  }

  get ports(): PodPorts {
    if (!this.podPorts) throw new Error('the node is not set up yet');
    return this.podPorts;
  }

  get nodeNetwork(): NodeNetwork | undefined {
    return this.network;
  }

  /** The VNID pods of `namespace` get: always 0 in single-tenant mode. */
  vnidOf(namespace: string): Vnid | undefined {
    return this.multitenant ? this.vnids.get(namespace) : GLOBAL_VNID;
  }

  async start(): Promise<void> {
    await Promise.all([this.follow(this.keys.netNamespaces, 'netnamespaces'), this.follow(this.keys.subnets, 'subnets'), this.fixed.start()]);
    const own = await this.ownSubnet();
    const localSubnet = own.subnet!;
    const plan = {
      clusterNetwork: this.options.config.network, serviceNetwork: this.options.config.serviceNetwork,
      localSubnet, gateway: localSubnet.address(1), nodeIp: this.options.nodeIp,
      conntrackTracksSctp: this.options.ovs.datapathType === 'system',
    };
    const { podMtu, gatewayMac, previousVersion } = await this.setUpSwitch(plan);
    this.network = { ...plan, gatewayMac };
    // Pod flows go through the queue of retags, with the VNID of when they are rendered.
    const podFlows = queuedPodFlows(this.dataplane, this.queue, (ns) => this.vnidOf(ns));
    this.podPorts = new PodPorts(this.options.ovs, this.options.podLinks, podFlows,
      { podMtu, disableTxChecksumOffload: this.options.disableTxChecksumOffload,
        ...(this.options.controlPlaneAccess ? { controlPlaneAccess: this.options.controlPlaneAccess } : {}) });
    // Ports whose namespace has no VNID any more get no flows (fail closed) until their pod is deleted.
    const { pods, unknown, gone } = await this.podPorts.recover((ns) => this.vnidOf(ns));
    // The original's pods are adopted under the namespaces the API server lists for their addresses.
    await this.options.untilListed?.();
    const ports = this.podPorts;
    const adopted = await this.options.originalPods?.adopt({
      namespacesWith: (vnid) => this.vnids.namespacesWith(vnid), vnidOf: (ns) => this.vnidOf(ns), adopt: (pod) => ports.adopt(pod),
    }) ?? [];
    await this.podPorts.restoreMeters();
    await this.options.beforeFirstResync?.();
    this.missedDuringResync = false;
    await this.resyncAll(this.network);
    this.ready = true;
    // Watch events that came during the first resync were only recorded: catch up with the whole sets, once, pods'
    // VNIDs and fixed addresses included. Without any, it is skipped: at 5000 nodes and 10000 services it renders
    // and compares 45,000 flows again (1.8 s of a restart).
    if (this.missedDuringResync) {
      const podNamespaces = [...new Set(this.dataplane.localPods().map((pod) => pod.namespace))];
      await Promise.all([this.applyRemoteNodes(), this.multitenant ? this.applyVnids(podNamespaces) : this.services.apply(),
        this.fixed.rerouteAll()]);
    }
    this.log.info('node set up', {
      subnet: localSubnet.toString(), gateway: this.network.gateway, podMtu, pods: pods.length,
      remoteNodes: this.dataplane.remoteNodes().length, previousPipeline: previousVersion ?? 'none',
      ...(adopted.length ? { adoptedFromOriginal: adopted.length } : {}),
      ...(unknown.length ? { portsWithoutNamespace: unknown } : {}),
      ...(gone.length ? { removedPortsOfVanishedPods: gone } : {}),
    });
    this.watchdog = new SwitchWatchdog(this.options.ovs, () => this.restoreSwitch(), this.log,
      { safetyCheckMs: this.options.safetyCheckMs });
    this.watchdog.start();
  }

  /** Applies a live config change (the service network): routes and pipeline flows follow it. */
  async applyServiceNetwork(config: NetworkConfig): Promise<void> {
    const network = this.network;
    if (!network || network.serviceNetwork.equals(config.serviceNetwork)) return;
    await this.serially(async () => {
      await this.options.host.removeRoute(TUN_PORT_NAME, network.serviceNetwork);
      const { gatewayMac } = await this.setUpSwitch({ ...network, serviceNetwork: config.serviceNetwork });
      this.network = { ...network, serviceNetwork: config.serviceNetwork, gatewayMac };
      await this.dataplane.resync(this.network);
      this.log.info('service network changed', { from: network.serviceNetwork.toString(), to: config.serviceNetwork.toString() });
    });
  }

  /** The node's NetworkPolicy flows: kept for the first resync until the node is set up, then applied in order. */
  setPolicyFlows(flows: readonly Flow[]): Promise<void> {
    if (!this.ready) {
      this.dataplane.rememberPolicyFlows(flows);
      return Promise.resolve();
    }
    return this.serially(async () => { await this.dataplane.setPolicyFlows(flows); });
  }

  /** Replaces the control-plane endpoints pods may not open, in order with the node's other switch changes. */
  setControlPlaneEndpoints(endpoints: readonly ControlPlaneEndpoint[]): Promise<void> {
    return this.serially(() => this.dataplane.setControlPlaneEndpoints(endpoints));
  }

  async stop(): Promise<void> {
    this.watchdog?.stop();
    await Promise.all([...this.watches.map((watch) => watch.cancel()), this.fixed.stop()]);
    await this.queue.idle();
  }

  private setUpSwitch(plan: Omit<NodeNetwork, 'gatewayMac'>) {
    return setupNode(this.options.ovs, this.options.host, plan, this.options.nodeIp, this.options.mtu);
  }

  /** Re-creates what a restarted ovs-vswitchd lost: tun0's address (and a new MAC, if it got one), meters, every flow. */
  private async restoreSwitch(): Promise<void> {
    await this.serially(async () => {
      const { gatewayMac } = await this.setUpSwitch(this.network!);
      this.network = { ...this.network!, gatewayMac };
      await this.ports.restoreMeters();
      await this.resyncAll(this.network);
    });
  }

  /**
   * The whole switch from the agent's model in one bundle: first start, a restarted switch, recovery from a
   * failed change. Nodes, services and the pods' VNIDs are read again from what etcd and the API server
   * said, so a restart leaves their flows in place and a change lost with a failed bundle (the dataplane
   * only records what the switch accepted), a retag too, comes back.
   */
  private async resyncAll(network?: NodeNetwork): Promise<void> {
    this.dataplane.rememberRemoteNodes(this.subnets.remoteNodes());
    this.dataplane.rememberFixedAddresses(this.fixed.routes());
    this.services.load();
    for (const pod of this.dataplane.localPods()) {
      const vnid = this.vnidOf(pod.namespace);
      if (vnid !== undefined && vnid !== pod.port.vnid) this.dataplane.rememberPod({ ...pod, port: { ...pod.port, vnid } });
    }
    await this.dataplane.resync(network);
  }

  private follow(prefix: string, kind: 'subnets' | 'netnamespaces'): Promise<void> {
    return new Promise((firstSnapshot) => {
      const watch = this.options.store.watchPrefix(prefix, {
        snapshot: async (listing) => {
          if (kind === 'subnets') this.subnets.clear();
          const vnids = new Map<string, Vnid>();
          for (const kv of listing.items) {
            if (kind === 'subnets') this.recordSubnet(kv.key, kv.value);
            else this.recordNamespace(kv.key, kv.value, vnids);
          }
          // A (re)list replaces the whole sets, so nothing deleted while the watch was down stays behind.
          if (kind === 'netnamespaces') await this.applyVnids(this.vnids.replaceAll(vnids));
          else await this.applyRemoteNodes().then(() => this.fixed.rerouteAll());
          firstSnapshot();
        },
        // A batch of events touches only the owners it names (its nodes in one bundle).
        events: async (events) => {
          if (kind === 'netnamespaces') return this.applyNamespaceEvents(events, prefix);
          const touched = this.recordSubnetEvents(events, prefix);
          await this.applyRemoteNodes(touched);
          await this.fixed.hostsChanged(touched);
        },
      });
      this.watches.push(watch);
    });
  }

  /** Records a batch of HostSubnet changes; returns the hosts they touched. */
  private recordSubnetEvents(events: readonly WatchEvent[], prefix: string): Set<Ipv4> {
    const touched = new Set<Ipv4>();
    for (const event of events) {
      const record = event.type === 'delete'
        ? this.subnets.delete(keyLeaf(event.key, prefix))
        : this.recordSubnet(event.kv.key, event.kv.value);
      if (record) touched.add(record.hostIp);
    }
    return touched;
  }

  /** Records a batch of NetNamespace changes, retags the namespaces whose VNID changed, then their services. */
  private async applyNamespaceEvents(events: readonly WatchEvent[], prefix: string): Promise<void> {
    const changed: string[] = [];
    const touched = new Set<string>();
    for (const event of events) {
      if (event.type === 'delete') {
        const namespace = keyLeaf(event.key, prefix);
        this.vnids.delete(namespace);
        touched.add(namespace);
        continue;
      }
      const vnids = new Map<string, Vnid>();
      this.recordNamespace(event.kv.key, event.kv.value, vnids);
      for (const [namespace, vnid] of vnids) {
        if (!this.vnids.set(namespace, vnid)) continue;
        changed.push(namespace);
        touched.add(namespace);
      }
    }
    await this.applyVnids(changed, touched);
  }

  private recordSubnet(key: string, value: string): HostSubnet | undefined {
    const record = this.parsed(key, value, parseHostSubnet);
    if (!record) return undefined;
    this.subnets.set(record);
    if (record.hostIp !== this.options.nodeIp) return record;
    if (record.subnet && this.ownSubnetWaiter) this.ownSubnetWaiter(record);
    const inUse = this.network?.localSubnet;
    if (inUse && record.subnet && !record.subnet.equals(inUse)) {
      this.log.error('this node\'s HostSubnet changed; restart the daemon to move pods to it', {
        inUse: inUse.toString(), stored: record.subnet.toString(), key,
      });
    }
    return record;
  }

  private recordNamespace(key: string, value: string, into: Map<string, Vnid>): void {
    const record = this.parsed(key, value, parseNetNamespace);
    if (record) into.set(record.netName, record.netId);
  }

  /** Parses a hand-editable record; a bad one is logged once per value and otherwise ignored. */
  private parsed<T>(key: string, value: string, parse: (key: string, value: string) => T): T | undefined {
    try {
      const record = parse(key, value);
      this.rejected.delete(key);
      return record;
    } catch (error) {
      if (this.rejected.get(key) !== value) {
        this.rejected.set(key, value);
        this.log.error('ignoring an invalid record in etcd', { key, error: messageOf(error) });
      }
      return undefined;
    }
  }

  /** Makes the tunnel flows match the HostSubnets: of just the `touched` hosts, or of all (a relist). */
  private applyRemoteNodes(touched?: ReadonlySet<Ipv4>): Promise<void> {
    if (touched?.size === 0) return Promise.resolve();
    // Read when the change runs, not when queued: the model may have moved on since.
    return this.onceReady(() => {
      if (!touched) return this.dataplane.setRemoteNodes(this.subnets.remoteNodes());
      const { set, removed } = this.subnets.changesFor(touched);
      return this.dataplane.updateRemoteNodes(set, removed);
    });
  }

  /**
   * Retags namespaces whose VNID changed, then makes services match their namespace's VNID: those of the
   * `touched` namespaces (a watch event), or all of them (a relist, which may have missed deletes).
   */
  private async applyVnids(namespaces: readonly string[], touched?: ReadonlySet<string>): Promise<void> {
    if (!this.multitenant) return;
    await this.onceReady(async () => {
      for (const namespace of namespaces) {
        const vnid = this.vnids.get(namespace);
        if (vnid === undefined) continue;
        const retagged = await this.dataplane.retagNamespace(namespace, vnid);
        if (retagged) this.log.info('namespace retagged', { namespace, vnid, podsAndServices: retagged });
      }
    });
    await (touched ? this.services.applyNamespaces(touched) : this.services.apply());
  }

  /** A change once the node is set up; before that only its record counts, which the first resync or its catch-up applies. */
  private onceReady(work: () => Promise<void>): Promise<void> {
    if (this.ready) return this.serially(work);
    this.missedDuringResync = true;
    return Promise.resolve();
  }

  /** Runs data-plane changes one at a time; a failure is logged and healed by a full resync. */
  private serially(work: () => Promise<void>): Promise<void> {
    return this.queue.run(async () => {
      try {
        await work();
      } catch (error) {
        this.log.error('applying a change to the switch failed; resyncing', { error: messageOf(error) });
        await this.resyncAll().catch((e: unknown) =>
          this.log.error('resync failed; the switch watchdog will retry', { error: messageOf(e) }));
      }
    });
  }

  /** This node's HostSubnet, asking the master for one if allowed, waiting until it has a subnet. */
  private async ownSubnet(): Promise<HostSubnet> {
    const key = this.keys.subnet(this.options.nodeIp);
    const known = this.subnets.get(this.options.nodeIp);
    if (known?.subnet) return known;
    const waiting = new Promise<HostSubnet>((resolve) => { this.ownSubnetWaiter = resolve; });
    if (!known && this.options.requestSubnet) {
      await this.options.store.create(key, serializeHostSubnet({
        host: this.options.hostname, hostIp: this.options.nodeIp, subnet: null, assign: true,
      }));
      this.log.info('requested a HostSubnet from the master', { key });
    }
    this.log.info('waiting for this node\'s HostSubnet', { key,
      hint: this.options.requestSubnet ? 'the master assigns it' : 'the master creates it for the Kubernetes Node' });
    const subnet = await waiting;
    this.ownSubnetWaiter = undefined;
    return subnet;
  }
}
