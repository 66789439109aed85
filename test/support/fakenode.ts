// In-memory stand-ins for what a node changes (its switch, host networking, veths, etcd), to unit-test the node
// agent, pod ports and the CNI backend: each records what it was asked, can fail a named call once, and can
// hold a named call at a gate until the test releases it.
import { Transaction } from '../../lib/etcd/txn.js';
import type { KeyValue, Listing, Store, TxnResult, WatchEvent, Watching } from '../../lib/etcd/types.js';
import type { WatchHandlers } from '../../lib/etcd/watch.js';
import type { PodInterfaceConfig, PodInterfaceState } from '../../lib/host/podlink.js';
import type { Cidr, Ipv4 } from '../../lib/net/ipv4.js';
import type { Cookie } from '../../lib/ovs/cookie.js';
import type { DumpedFlow } from '../../lib/ovs/dump.js';
import { type OfPort, ofPort, renderActions, renderMatch } from '../../lib/ovs/flow.js';
import type { PortSpec } from '../../lib/ovs/ports.js';
import type { FragmentHandling, MeterSpec, PortInfo } from '../../lib/ovs/switch.js';
import type { VswitchdSession } from '../../lib/ovs/vswitchd.js';
import type { NodeHost, NodeSwitch } from '../../lib/sdn/node/agent.js';
import type { PodLinkOps } from '../../lib/sdn/node/podports.js';
import { FakeFlowTable } from './fakeflows.js';

/** A point a call waits at: `reached` resolves when the call arrives, `open()` lets it (and later ones) through. */
export class Gate {
  readonly reached: Promise<void>;
  private arrive!: () => void;
  private readonly opened: Promise<void>;
  open!: () => void;

  constructor() {
    this.reached = new Promise((resolve) => { this.arrive = resolve; });
    this.opened = new Promise((resolve) => { this.open = resolve; });
  }

  pass(): Promise<void> {
    this.arrive();
    return this.opened;
  }
}

/** Failures and gates by call name, shared by the fakes below. */
class Faults<Name extends string> {
  readonly calls: Array<{ name: Name; args: unknown[] }> = [];
  private readonly failures = new Map<Name, Error>();
  private readonly gates = new Map<Name, Gate>();

  /** The next call of `name` throws `error`. */
  failNext(name: Name, error = new Error(`${name} failed (fake)`)): void {
    this.failures.set(name, error);
  }

  /** Calls of `name` wait at the returned gate until it is opened. */
  hold(name: Name): Gate {
    const gate = new Gate();
    this.gates.set(name, gate);
    return gate;
  }

  async enter(name: Name, ...args: unknown[]): Promise<void> {
    this.calls.push({ name, args });
    const gate = this.gates.get(name);
    if (gate) await gate.pass();
    const error = this.failures.get(name);
    if (error) {
      this.failures.delete(name);
      throw error;
    }
  }

  count(name: Name): number {
    return this.calls.filter((call) => call.name === name).length;
  }
}

type SwitchCall = 'ensurePort' | 'deletePort' | 'listPorts' | 'setMeter' | 'deleteMeter' | 'setPortRateLimit' | 'bundle'
  | 'replaceAllFlows' | 'ensureBridge' | 'dumpFlows' | 'openVswitchdSession' | 'watchBridge' | 'flushConnections' | 'packetOut';

/** A switch: flows (all-or-nothing bundles), ports with OVS-assigned numbers, meters, bridge settings. */
export class FakeSwitch extends FakeFlowTable implements NodeSwitch {
  readonly faults = new Faults<SwitchCall>();
  readonly ports = new Map<string, { ofport: OfPort | undefined; externalIds: Record<string, string> }>();
  readonly meters = new Map<number, MeterSpec>();
  readonly rateLimits = new Map<string, { maxRateBps: number; burstBits: number }>();
  bridge = false;
  readonly datapathType = 'netdev';
  fragments: FragmentHandling = 'normal';
  /** Conntrack flushes asked for, as `zone/ip`. */
  readonly flushed: string[] = [];
  pid = 100;
  /** Whether ovs-vswitchd runs: sessions open only then, and end when it stops. */
  vswitchdRunning = true;
  private nextOfport = 3;
  private readonly sessionEnds = new Set<() => void>();
  private readonly bridgeWatchers = new Set<{ changed: (what: string) => void; lost: (error: Error) => void }>();

  async bridgeExists(): Promise<boolean> {
    return this.bridge;
  }

  async ensureBridge(): Promise<void> {
    await this.faults.enter('ensureBridge');
    this.bridge = true;
  }

  async setFragmentHandling(mode: FragmentHandling): Promise<void> {
    this.fragments = mode;
  }

  async fragmentHandling(): Promise<FragmentHandling> {
    return this.fragments;
  }

  async openVswitchdSession(): Promise<VswitchdSession> {
    await this.faults.enter('openVswitchdSession');
    if (!this.vswitchdRunning) throw new Error('ovs-vswitchd is not running (fake)');
    let end!: () => void;
    const closed = new Promise<void>((resolve) => { end = resolve; });
    this.sessionEnds.add(end);
    return { pid: this.pid, closed, close: () => { this.sessionEnds.delete(end); end(); } };
  }

  async watchBridge(changed: (what: string) => void, lost: (error: Error) => void): Promise<void> {
    await this.faults.enter('watchBridge');
    this.bridgeWatchers.add({ changed, lost });
  }

  /** ovs-vswitchd exits: flows, meters and the fragment handling go with it, its sessions end. */
  stopVswitchd(): void {
    this.vswitchdRunning = false;
    this.flows.clear();
    this.meters.clear();
    this.fragments = 'normal';
    for (const end of this.sessionEnds) end();
    this.sessionEnds.clear();
  }

  startVswitchd(): void {
    this.pid += 1;
    this.vswitchdRunning = true;
  }

  /** An admin deletes the bridge and adds it again in one transaction: OVSDB reports it, the flows are gone. */
  recreateBridge(): void {
    this.flows.clear();
    for (const watcher of this.bridgeWatchers) watcher.changed('bridge br0 deleted and created');
  }

  /** ovsdb-server drops the connection: bridge watches end. */
  dropOvsdb(): void {
    const watchers = [...this.bridgeWatchers];
    this.bridgeWatchers.clear();
    for (const watcher of watchers) watcher.lost(new Error('OVSDB connection lost (fake)'));
  }

  async ensurePort(spec: PortSpec): Promise<OfPort> {
    await this.faults.enter('ensurePort', spec.name);
    const existing = this.ports.get(spec.name)?.ofport;
    const ofport = existing ?? spec.ofportRequest ?? ofPort(this.nextOfport++);
    this.ports.set(spec.name, { ofport, externalIds: { ...spec.externalIds } });
    return ofport;
  }

  async deletePort(name: string): Promise<void> {
    await this.faults.enter('deletePort', name);
    this.ports.delete(name);
  }

  /** Frames sent with packet-out, as `inPort:hex`. */
  readonly packetsOut: string[] = [];

  async packetOut(inPort: number, frame: Buffer): Promise<void> {
    await this.faults.enter('packetOut', inPort);
    this.packetsOut.push(`${inPort}:${frame.toString('hex')}`);
  }

  async flushConnections(zone: number, ip: string): Promise<void> {
    await this.faults.enter('flushConnections', ip);
    this.flushed.push(`${zone}/${ip}`);
  }

  async listPorts(): Promise<PortInfo[]> {
    await this.faults.enter('listPorts');
    return [...this.ports].map(([name, port]) => ({ name, ofport: port.ofport, externalIds: { ...port.externalIds } }));
  }

  async setMeter(meter: MeterSpec): Promise<void> {
    await this.faults.enter('setMeter', meter.id);
    this.meters.set(meter.id, meter);
  }

  async deleteMeter(id: number): Promise<void> {
    await this.faults.enter('deleteMeter', id);
    this.meters.delete(id);
  }

  async meterIds(): Promise<Set<number>> {
    return new Set(this.meters.keys());
  }

  async setPortRateLimit(port: string, maxRateBps: number, burstBits: number): Promise<void> {
    await this.faults.enter('setPortRateLimit', port);
    this.rateLimits.set(port, { maxRateBps, burstBits });
  }

  override async bundle(changes: Parameters<FakeFlowTable['bundle']>[0]): Promise<void> {
    await this.faults.enter('bundle');
    await super.bundle(changes);
  }

  override async replaceAllFlows(owners: Parameters<FakeFlowTable['replaceAllFlows']>[0]): Promise<void> {
    await this.faults.enter('replaceAllFlows');
    await super.replaceAllFlows(owners);
  }

  async dumpFlows(filter: { cookie?: Cookie; table?: number } = {}): Promise<DumpedFlow[]> {
    await this.faults.enter('dumpFlows');
    return [...this.flows.values()]
      .filter((flow) => filter.cookie === undefined || flow.cookie === filter.cookie)
      .filter((flow) => filter.table === undefined || flow.table === filter.table)
      .map((flow) => ({ cookie: flow.cookie, table: flow.table, priority: flow.priority, match: renderMatch(flow.match),
        actions: renderActions(flow.actions) }));
  }

  /** What ovs-vswitchd keeps over a restart: the database (bridge, ports), not flows, meters or the fragment handling. */
  restartVswitchd(): void {
    this.stopVswitchd();
    this.startVswitchd();
  }
}

type HostCall = 'configureGateway' | 'routeThrough' | 'removeRoute' | 'enableForwarding' | 'ensureMasquerade';

/** The host's networking: records what set-up asked for. */
export class FakeHost implements NodeHost {
  readonly faults = new Faults<HostCall>();
  readonly routes = new Set<string>();
  mtu = 1500;
  gatewayMac = '0e:00:00:00:00:01';

  async mtuOfAddress(): Promise<number> {
    return this.mtu;
  }

  async configureGateway(device: string, gateway: Ipv4, subnet: Cidr): Promise<string> {
    await this.faults.enter('configureGateway', device, gateway, subnet.toString());
    return this.gatewayMac;
  }

  async routeThrough(device: string, networks: readonly Cidr[]): Promise<void> {
    await this.faults.enter('routeThrough', device);
    for (const network of networks) this.routes.add(`${network.toString()} dev ${device}`);
  }

  async removeRoute(device: string, network: Cidr): Promise<void> {
    await this.faults.enter('removeRoute', device);
    this.routes.delete(`${network.toString()} dev ${device}`);
  }

  async enableForwarding(): Promise<void> {
    await this.faults.enter('enableForwarding');
  }

  async ensureMasquerade(): Promise<void> {
    await this.faults.enter('ensureMasquerade');
  }
}

type LinkCall = 'create' | 'deleteHostEnd' | 'deletePodInterface' | 'podInterface';

/** Veth pairs: host ends by name, pod ends by netns and interface name. */
export class FakeLinks implements PodLinkOps {
  readonly faults = new Faults<LinkCall>();
  readonly hostEnds = new Map<string, string>();
  readonly podEnds = new Map<string, { config: PodInterfaceConfig; hostEnd: string }>();

  async create(hostName: string, _hostMac: string, config: PodInterfaceConfig): Promise<void> {
    await this.faults.enter('create', hostName);
    this.hostEnds.set(hostName, `${config.netnsPath}/${config.ifname}`);
    this.podEnds.set(`${config.netnsPath}/${config.ifname}`, { config, hostEnd: hostName });
  }

  async deleteHostEnd(hostName: string): Promise<boolean> {
    await this.faults.enter('deleteHostEnd', hostName);
    const podEnd = this.hostEnds.get(hostName);
    if (podEnd === undefined) return false;
    this.hostEnds.delete(hostName);
    this.podEnds.delete(podEnd);
    return true;
  }

  async deletePodInterface(netnsPath: string, ifname: string): Promise<void> {
    await this.faults.enter('deletePodInterface', netnsPath);
    this.podEnds.delete(`${netnsPath}/${ifname}`);
  }

  async podInterface(netnsPath: string, ifname: string): Promise<PodInterfaceState | undefined> {
    await this.faults.enter('podInterface', netnsPath);
    const end = this.podEnds.get(`${netnsPath}/${ifname}`);
    if (!end) return undefined;
    const { config } = end;
    return {
      mac: config.mac, mtu: config.mtu, addresses: [`${config.address}/${config.subnet.prefixLength}`],
      routes: [{ dst: 'default', gateway: config.gateway }, { dst: config.subnet.toString() }],
    };
  }
}

/** etcd as the node sees it: keys, create-if-absent, and prefix watches that deliver a snapshot then each put. */
export class FakeNodeStore implements Pick<Store, 'watchPrefix' | 'create' | 'get' | 'txn'> {
  readonly data = new Map<string, string>();
  private revision = 1;
  /** Each key's last write; a key set through `data` directly counts as written at revision 1. */
  private readonly modRevisions = new Map<string, number>();
  private readonly watches = new Set<{ prefix: string; handlers: WatchHandlers }>();

  async create(key: string, value: string): Promise<TxnResult> {
    if (this.data.has(key)) return { succeeded: false, revision: this.revision, current: new Map([[key, this.kv(key)]]) };
    await this.put(key, value);
    return { succeeded: true, revision: this.revision, current: new Map() };
  }

  async get(key: string): Promise<KeyValue | null> {
    return this.data.has(key) ? this.kv(key) : null;
  }

  /** Conditional writes as etcd does them: all conditions hold, or nothing is written. */
  txn(): Transaction {
    return new Transaction(async (plan) => {
      const holds = plan.conditions.every((c) => (c.kind === 'absent' ? !this.data.has(c.key)
        : this.data.has(c.key) && this.kv(c.key).modRevision === c.revision));
      if (!holds) {
        // The node's transactions carry no leadership fence.
        return { succeeded: false, revision: this.revision, fenceHeld: true,
          current: new Map(plan.conditions.map((c) => [c.key, this.data.has(c.key) ? this.kv(c.key) : null])) };
      }
      for (const write of plan.writes) {
        if (write.kind === 'delete') await this.delete(write.key);
        else await this.put(write.key, write.value);
      }
      return { succeeded: true, revision: this.revision, current: new Map(), fenceHeld: true };
    });
  }

  watchPrefix(prefix: string, handlers: WatchHandlers): Watching {
    const watch = { prefix, handlers };
    this.watches.add(watch);
    queueMicrotask(() => void handlers.snapshot(this.listing(prefix)));
    return { cancel: async () => { this.watches.delete(watch); } };
  }

  /** Writes a key and hands the change to the watches of its prefix; resolves when they have handled it. */
  async put(key: string, value: string): Promise<void> {
    this.revision += 1;
    this.data.set(key, value);
    this.modRevisions.set(key, this.revision);
    await this.deliver(key, { type: 'put', kv: this.kv(key) });
  }

  async delete(key: string): Promise<void> {
    this.revision += 1;
    this.data.delete(key);
    this.modRevisions.delete(key);
    await this.deliver(key, { type: 'delete', key, modRevision: this.revision });
  }

  private async deliver(key: string, event: WatchEvent): Promise<void> {
    for (const watch of this.watches) if (key.startsWith(watch.prefix)) await watch.handlers.events([event]);
  }

  private kv(key: string): KeyValue {
    const revision = this.modRevisions.get(key) ?? 1;
    return { key, value: this.data.get(key) ?? '', createRevision: revision, modRevision: revision };
  }

  private listing(prefix: string): Listing {
    return { items: [...this.data.keys()].filter((key) => key.startsWith(prefix)).map((key) => this.kv(key)), revision: this.revision };
  }
}
