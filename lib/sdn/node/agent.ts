// The node side of the daemon: follows HostSubnets and NetNamespaces in etcd and keeps br0 matching them.
import type { Store } from '../../etcd/types.js';
import type { PrefixWatch } from '../../etcd/watch.js';
import type { HostNetwork } from '../../host/network.js';
import type { PodLinks } from '../../host/podlink.js';
import type { Logger } from '../../log.js';
import type { Ipv4 } from '../../net/ipv4.js';
import { FlowSync } from '../../ovs/flowsync.js';
import type { OvsSwitch } from '../../ovs/switch.js';
import { GLOBAL_VNID, type Vnid } from '../../tenant/vnid.js';
import type { NetworkConfig } from '../config.js';
import { type NetworkKeys, keyLeaf, networkKeys } from '../layout.js';
import { type HostSubnet, parseHostSubnet, parseNetNamespace, serializeHostSubnet } from '../records.js';
import type { NodeNetwork, RemoteNode } from '../pipeline/flows.js';
import { NodeDataplane } from './dataplane.js';
import { PodPorts } from './podports.js';
import { setupNode } from './setup.js';
import { TUN_PORT_NAME } from '../pipeline/tables.js';
import { NamespaceVnids } from './vnids.js';
import { NodeServices } from './services.js';
import { SwitchWatchdog } from './watchdog.js';

export interface NodeAgentOptions {
  store: Store;
  config: NetworkConfig;
  hostname: string;
  nodeIp: Ipv4;
  ovs: OvsSwitch;
  host: HostNetwork;
  podLinks: PodLinks;
  logger: Logger;
  /** Ask the master for a subnet with `"Assign":true` (a host that Kubernetes does not list as a Node). */
  requestSubnet: boolean;
  mtu?: number;
  disableTxChecksumOffload: boolean;
  switchCheckIntervalMs?: number;
}

export class NodeAgent {
  readonly dataplane: NodeDataplane;
  readonly vnids = new NamespaceVnids();
  /** Kubernetes services (fed by NodeSync when the daemon follows an API server). */
  readonly services: NodeServices;
  private readonly keys: NetworkKeys;
  private readonly log: Logger;
  private readonly subnets = new Map<string, HostSubnet>();
  private readonly watches: PrefixWatch[] = [];
  private readonly rejected = new Map<string, string>();
  private applying: Promise<void> = Promise.resolve();
  private network?: NodeNetwork;
  private podPorts?: PodPorts;
  private watchdog?: SwitchWatchdog;
  private ownSubnetWaiter?: (subnet: HostSubnet) => void;
  private ready = false;

  constructor(private readonly options: NodeAgentOptions) {
    this.keys = networkKeys(options.config.name);
    this.log = options.logger.child({ component: 'node', node: options.hostname });
    this.dataplane = new NodeDataplane(new FlowSync(options.ovs));
    this.services = new NodeServices(this.dataplane, (ns) => this.vnidOf(ns),
      (work) => (this.ready ? this.serially(work) : Promise.resolve()), this.multitenant);
  }

  get multitenant(): boolean {
    return this.options.config.plugin === 'k8s-ovs-multitenant';
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
    await Promise.all([this.follow(this.keys.netNamespaces, 'netnamespaces'), this.follow(this.keys.subnets, 'subnets')]);
    const own = await this.ownSubnet();
    const localSubnet = own.subnet!;
    this.network = {
      clusterNetwork: this.options.config.network, serviceNetwork: this.options.config.serviceNetwork,
      localSubnet, gateway: localSubnet.address(1),
    };
    const { podMtu, previousVersion } = await setupNode(
      this.options.ovs, this.options.host, this.network, this.options.nodeIp, this.options.mtu);
    this.podPorts = new PodPorts(this.options.ovs, this.options.podLinks, this.dataplane,
      { podMtu, disableTxChecksumOffload: this.options.disableTxChecksumOffload });
    // Ports whose namespace has no VNID any more get no flows (fail closed) until their pod is deleted.
    const { pods, unknown, gone } = await this.podPorts.recover((ns) => this.vnidOf(ns));
    await this.dataplane.setRemoteNodes(this.remoteNodes());
    await this.podPorts.restoreMeters();
    // Services join the first resync: a resync without them would drop their flows until they came back.
    this.services.load();
    await this.dataplane.resync(this.network);
    this.ready = true;
    await this.services.apply();
    this.log.info('node set up', {
      subnet: localSubnet.toString(), gateway: this.network.gateway, podMtu, pods: pods.length,
      remoteNodes: this.dataplane.remoteNodes().length, previousPipeline: previousVersion ?? 'none',
      ...(unknown.length ? { portsWithoutNamespace: unknown } : {}),
      ...(gone.length ? { removedPortsOfVanishedPods: gone } : {}),
    });
    this.watchdog = new SwitchWatchdog(this.options.ovs, () => this.restoreSwitch(), this.log,
      this.options.switchCheckIntervalMs);
    this.watchdog.start();
  }

  /** Applies a live config change (the service network): routes and pipeline flows follow it. */
  async applyServiceNetwork(config: NetworkConfig): Promise<void> {
    const network = this.network;
    if (!network || network.serviceNetwork.equals(config.serviceNetwork)) return;
    await this.serially(async () => {
      await this.options.host.removeRoute(TUN_PORT_NAME, network.serviceNetwork);
      this.network = { ...network, serviceNetwork: config.serviceNetwork };
      await setupNode(this.options.ovs, this.options.host, this.network, this.options.nodeIp, this.options.mtu);
      await this.dataplane.resync(this.network);
      this.log.info('service network changed', { from: network.serviceNetwork.toString(), to: config.serviceNetwork.toString() });
    });
  }

  async stop(): Promise<void> {
    this.watchdog?.stop();
    await Promise.all(this.watches.map((watch) => watch.cancel()));
    await this.applying;
  }

  /** Re-creates what a restarted ovs-vswitchd lost: tun0's address, meters, every flow. */
  private async restoreSwitch(): Promise<void> {
    await this.serially(async () => {
      await setupNode(this.options.ovs, this.options.host, this.network!, this.options.nodeIp, this.options.mtu);
      await this.ports.restoreMeters();
      await this.dataplane.resync();
    });
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
          if (kind === 'netnamespaces') await this.applyVnids(this.vnids.replaceAll(vnids));
          else await this.applyRemoteNodes();
          firstSnapshot();
        },
        events: async (events) => {
          const changedNamespaces: string[] = [];
          for (const event of events) {
            if (event.type === 'delete') {
              if (kind === 'subnets') this.subnets.delete(keyLeaf(event.key, prefix));
              else this.vnids.delete(keyLeaf(event.key, prefix));
            } else if (kind === 'subnets') {
              this.recordSubnet(event.kv.key, event.kv.value);
            } else {
              const vnids = new Map<string, Vnid>();
              this.recordNamespace(event.kv.key, event.kv.value, vnids);
              for (const [ns, vnid] of vnids) if (this.vnids.set(ns, vnid)) changedNamespaces.push(ns);
            }
          }
          if (kind === 'subnets') await this.applyRemoteNodes();
          else await this.applyVnids(changedNamespaces);
        },
      });
      this.watches.push(watch);
    });
  }

  private recordSubnet(key: string, value: string): void {
    const record = this.parsed(key, value, parseHostSubnet);
    if (!record) return;
    this.subnets.set(record.hostIp, record);
    if (record.hostIp !== this.options.nodeIp) return;
    if (record.subnet && this.ownSubnetWaiter) this.ownSubnetWaiter(record);
    const inUse = this.network?.localSubnet;
    if (inUse && record.subnet && !record.subnet.equals(inUse)) {
      this.log.error('this node\'s HostSubnet changed; restart the daemon to move pods to it', {
        inUse: inUse.toString(), stored: record.subnet.toString(), key,
      });
    }
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
        this.log.error('ignoring an invalid record in etcd', { key, error: (error as Error).message });
      }
      return undefined;
    }
  }

  private remoteNodes(): RemoteNode[] {
    return [...this.subnets.values()]
      .filter((s) => s.hostIp !== this.options.nodeIp && s.subnet !== null)
      .map((s) => ({ ip: s.hostIp, subnet: s.subnet! }));
  }

  private applyRemoteNodes(): Promise<void> {
    if (!this.ready) return Promise.resolve();
    return this.serially(() => this.dataplane.setRemoteNodes(this.remoteNodes()));
  }

  /** Retags namespaces whose VNID changed, then installs services whose namespace just got one. */
  private async applyVnids(namespaces: readonly string[]): Promise<void> {
    if (!this.ready || !this.multitenant) return;
    await this.serially(async () => {
      for (const namespace of namespaces) {
        const vnid = this.vnids.get(namespace);
        if (vnid === undefined) continue;
        const retagged = await this.dataplane.retagNamespace(namespace, vnid);
        if (retagged) this.log.info('namespace retagged', { namespace, vnid, podsAndServices: retagged });
      }
    });
    await this.services.apply();
  }

  /** Runs data-plane changes one at a time; a failure is logged and healed by a full resync. */
  private serially(work: () => Promise<void>): Promise<void> {
    const run = this.applying.then(work).catch(async (error: unknown) => {
      this.log.error('applying a change to the switch failed; resyncing', { error: (error as Error).message });
      await this.dataplane.resync().catch((e: unknown) =>
        this.log.error('resync failed; the switch watchdog will retry', { error: (e as Error).message }));
    });
    this.applying = run;
    return run;
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
