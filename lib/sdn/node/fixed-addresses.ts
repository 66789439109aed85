// The node's side of fixed addresses: follows pools and claims in etcd, routes every claimed address, claims and
// releases its own pods' addresses, and fences a pod whose address moved on.
import type { Store } from '../../etcd/types.js';
import type { PrefixWatch } from '../../etcd/watch.js';
import type { Logger } from '../../log.js';
import type { Cidr, Ipv4 } from '../../net/ipv4.js';
import { ClaimWriter, type HeldClaim } from '../fixed/claims.js';
import { type IpPool, poolContains, poolSize } from '../fixed/pool.js';
import type { NetworkKeys } from '../layout.js';
import type { HostSubnet } from '../records.js';
import { ClaimBook } from '../fixed/claim-book.js';
import type { FixedAddress, LocalPod, NodeDataplane } from './dataplane.js';
import { AddressAcquirer, type AcquireInput, type Lease } from './fixed-acquire.js';
import { PoolBook } from './pool-book.js';

export type { Lease } from './fixed-acquire.js';

export interface FixedAddressOptions {
  store: Store;
  keys: NetworkKeys;
  clusterNetwork: Cidr;
  nodeIp: Ipv4;
  dataplane: NodeDataplane;
  /** The HostSubnet holding an address, and whether a host is a known node (with a subnet). */
  hostSubnetOf(ip: Ipv4): HostSubnet | undefined;
  isNode(hostIp: Ipv4): boolean;
  /** Runs a switch change in order with the node's others (nothing before the node is set up: its resync covers it). */
  apply(work: () => Promise<void>): Promise<void>;
  /** Whether the node is set up (its switch follows the model). */
  ready(): boolean;
  logger: Logger;
  /** How long a new holder waits for the old one to drop the address before announcing it (default 2 s). */
  handoffWaitMs?: number;
  /** Delay between retries of releases that failed (etcd unreachable); default 2 s. */
  retryMs?: number;
}

/** Usage of one accepted pool, as every node sees the cluster-wide claims. */
export interface PoolUsage {
  pool: string;
  size: number;
  used: number;
}

export class NodeFixedAddresses {
  readonly claims: ClaimBook;
  readonly pools: PoolBook;
  private readonly writer: ClaimWriter;
  private readonly acquirer: AddressAcquirer;
  private readonly watches: PrefixWatch[] = [];
  private readonly log: Logger;
  /** Claims whose release failed, retried until etcd takes it. */
  private readonly pending = new Map<string, { held: HeldClaim; evenRetained: boolean }>();
  private readonly handoffWaiters = new Set<() => void>();
  private retryTimer?: NodeJS.Timeout;

  constructor(private readonly options: FixedAddressOptions) {
    const { keys } = options;
    this.claims = new ClaimBook(keys.ipClaims);
    this.pools = new PoolBook(keys.ipPools, keys.ipPoolStatuses, options.clusterNetwork);
    this.writer = new ClaimWriter(options.store, keys);
    this.acquirer = new AddressAcquirer({
      writer: this.writer, pools: this.pools, claims: this.claims, clusterNetwork: options.clusterNetwork,
      hostSubnetOf: options.hostSubnetOf, self: options.nodeIp, now: () => new Date().toISOString(),
    });
    this.log = options.logger.child({ component: 'fixed-addresses' });
  }

  /** Follows pools, their verdicts and the claims; resolves once each has been listed. */
  async start(): Promise<void> {
    const { keys } = this.options;
    await Promise.all([
      this.follow(keys.ipPools, (items) => this.pools.replacePools(items), (events) => this.pools.applyPools(events)),
      this.follow(keys.ipPoolStatuses, (items) => this.pools.replaceStatuses(items), (events) => this.pools.applyStatuses(events)),
      this.follow(keys.ipClaims, (items, revision) => this.claimsChanged(this.claims.replace(items, revision)),
        (events) => this.claimsChanged(this.claims.apply(events))),
    ]);
  }

  async stop(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const wake of this.handoffWaiters) wake();
    await Promise.all(this.watches.map((watch) => watch.cancel()));
  }

  private follow(prefix: string, snapshot: (items: Parameters<ClaimBook['replace']>[0], revision: number) => unknown,
    events: (events: Parameters<ClaimBook['apply']>[0]) => unknown): Promise<void> {
    return new Promise((listed) => {
      this.watches.push(this.options.store.watchPrefix(prefix, {
        snapshot: async (listing) => {
          await snapshot(listing.items, listing.revision);
          listed();
        },
        events: async (batch) => {
          await events(batch);
        },
      }));
    });
  }

  /** What the dataplane should route for every claim (start, resync). */
  routes(): FixedAddress[] {
    return this.claims.all().flatMap((held) => this.route(held.claim.ip) ?? []);
  }

  private route(ip: string): FixedAddress | undefined {
    const claim = this.claims.get(ip)?.claim;
    if (!claim || claim.node === '') return undefined;
    if (claim.node === this.options.nodeIp) return { held: 'local', ip: claim.ip, containerId: claim.containerId };
    return this.options.isNode(claim.node) ? { held: 'remote', ip: claim.ip, holder: claim.node } : undefined;
  }

  /** Re-routes the claims these hosts hold (a node came or went). */
  hostsChanged(hosts: ReadonlySet<string>): Promise<void> {
    const ips = this.claims.all().filter((held) => held.claim.node !== '' && hosts.has(held.claim.node)).map((held) => held.claim.ip);
    return ips.length ? this.claimsChanged(new Set(ips)) : Promise.resolve();
  }

  /** Re-routes every claim (the set of nodes was relisted). */
  rerouteAll(): Promise<void> {
    return this.claimsChanged(new Set(this.claims.all().map((held) => held.claim.ip)));
  }

  private async claimsChanged(ips: ReadonlySet<string>): Promise<void> {
    if (ips.size === 0) return;
    for (const wake of [...this.handoffWaiters]) wake();
    await this.options.apply(async () => {
      const set: FixedAddress[] = [];
      const removed: Ipv4[] = [];
      for (const ip of ips) {
        const route = this.route(ip);
        if (route) set.push(route);
        else removed.push(ip as Ipv4);
      }
      await this.options.dataplane.updateFixedAddresses(set, removed);
      await this.fence([...ips]);
    });
    // Only a switch that follows the model has dropped the address; a node still setting up confirms in reconcile().
    if (this.options.ready()) await this.acknowledgeHandoffs(ips);
  }

  /** Local pods whose fixed address is not theirs any more lose their flows; one whose claim names it again gets them back. */
  private async fence(ips: readonly string[]): Promise<void> {
    const { dataplane, nodeIp } = this.options;
    const wanted = new Set(ips);
    for (const pod of dataplane.localPods()) {
      if (!wanted.has(pod.port.ip) || !this.isFixed(pod)) continue;
      const claim = this.claims.get(pod.port.ip)?.claim;
      const ours = claim?.node === nodeIp && claim.containerId === pod.containerId;
      if (ours === !dataplane.isFenced(pod.port.portName)) continue;
      await dataplane.fencePod(pod.port.portName, !ours);
      this.log[ours ? 'info' : 'warn'](ours ? 'pod holds its fixed address again' : 'fixed address is no longer this pod\'s: its flows are removed',
        { namespace: pod.namespace, pod: pod.name, ip: pod.port.ip, holder: claim ? `${claim.node || 'none'}/${claim.containerId}` : 'released' });
    }
  }

  /** A pod's address outside this node's subnet is a fixed one. */
  isFixed(pod: LocalPod): boolean {
    const subnet = this.options.dataplane.nodeNetwork?.localSubnet;
    return subnet !== undefined && !subnet.contains(pod.port.ip);
  }

  /** Tells the node that took over an address from this one that its pod here has no flows any more. */
  private async acknowledgeHandoffs(ips: ReadonlySet<string>): Promise<void> {
    for (const ip of ips) {
      const held = this.claims.get(ip);
      if (held?.claim.previous !== this.options.nodeIp) continue;
      try {
        const updated = await this.writer.update(held, { ...held.claim, previous: '' });
        if (updated) this.claims.record(updated);
      } catch (error) {
        this.log.warn('could not confirm a fixed address handed over; the new holder announces it after a pause',
          { ip, error: (error as Error).message });
      }
    }
  }

  /**
   * Claims the pod's address and routes it here at once (etcd may deliver the watch event of this very write after
   * ADD returned, and the book already has it then). A sandbox of the same pod that held it on this node loses its flows.
   */
  async acquire(input: AcquireInput): Promise<Lease> {
    const lease = await this.acquirer.acquire(input);
    await this.claimsChanged(new Set([lease.held.claim.ip]));
    return lease;
  }

  /** Resolves once the node the address came from no longer routes it locally (or after the wait). */
  async handedOver(lease: Lease): Promise<boolean> {
    const deadline = Date.now() + (this.options.handoffWaitMs ?? 2000);
    for (;;) {
      const previous = this.claims.get(lease.held.claim.ip)?.claim.previous;
      if (!previous || previous === this.options.nodeIp) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.handoffWaiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.handoffWaiters.add(wake);
      });
    }
  }

  /** Gives back what an ADD claimed and could not use. */
  abandon(lease: Lease): Promise<void> {
    return this.releaseHeld(lease.held);
  }

  /** Releases the address a sandbox of this node holds (DEL, GC, reclaim); a failure is retried, never returned. */
  async release(containerId: string): Promise<Ipv4[]> {
    const held = this.claims.all().filter((h) => h.claim.node === this.options.nodeIp && h.claim.containerId === containerId);
    for (const claim of held) await this.releaseHeld(claim);
    return held.map((h) => h.claim.ip);
  }

  /** The sandboxes of this node that hold a fixed address. */
  heldContainers(): string[] {
    return this.claims.all().filter((h) => h.claim.node === this.options.nodeIp).map((h) => h.claim.containerId);
  }

  /** The pod asks for no fixed address any more: the address its name kept (a retained one) goes. */
  async releasePod(namespace: string, pod: string): Promise<void> {
    const held = this.claims.ofPod(namespace, pod);
    if (held && (held.claim.node === '' || held.claim.node === this.options.nodeIp)) await this.releaseHeld(held, true);
  }

  /** Whether the pod's name holds an address (a retained one, or its earlier sandbox's). */
  hasClaim(namespace: string, pod: string): boolean {
    return this.claims.ofPod(namespace, pod) !== undefined;
  }

  /** At start, before CNI is served: claims of this node whose sandbox is not attached are from an ADD that died. */
  async reconcile(attachedContainers: Iterable<string>): Promise<void> {
    const live = new Set(attachedContainers);
    const orphans = this.claims.all().filter((h) => h.claim.node === this.options.nodeIp && !live.has(h.claim.containerId));
    for (const held of orphans) await this.releaseHeld(held);
    if (orphans.length) this.log.info('released fixed addresses of sandboxes that are gone', { ips: orphans.map((h) => h.claim.ip) });
    await this.options.apply(() => this.fence(this.options.dataplane.localPods().map((pod) => pod.port.ip)));
    await this.acknowledgeHandoffs(new Set(this.claims.all().map((h) => h.claim.ip)));
  }

  /** Retained claims are detached (kept for the pod's name); others deleted; both only at the revision held. */
  private async releaseHeld(held: HeldClaim, evenRetained = false): Promise<void> {
    const { ip } = held.claim;
    try {
      let current: HeldClaim | null = held;
      for (let round = 0; current && round < 5; round++) {
        const ours = current.claim.containerId === held.claim.containerId && current.claim.node === held.claim.node
          && current.claim.namespace === held.claim.namespace && current.claim.pod === held.claim.pod;
        if (!ours) break;
        if (current.claim.retain && !evenRetained) {
          const detached = await this.writer.detach(current, new Date().toISOString());
          if (detached) {
            this.claims.record(detached);
            break;
          }
        } else if (await this.writer.remove(current)) {
          this.claims.recordDeleted(ip, current.modRevision);
          break;
        }
        current = await this.writer.read(ip);
      }
      this.pending.delete(ip);
      await this.claimsChanged(new Set([ip]));
    } catch (error) {
      this.pending.set(ip, { held, evenRetained });
      this.log.warn('releasing a fixed address failed; retrying', { ip, error: (error as Error).message });
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      for (const { held, evenRetained } of [...this.pending.values()]) void this.releaseHeld(held, evenRetained);
    }, this.options.retryMs ?? 2000);
    this.retryTimer.unref();
  }

  /** Size and claims of every accepted pool. */
  usage(): PoolUsage[] {
    const claimed = this.claims.all();
    return this.pools.accepted().map((pool: IpPool) => ({
      pool: pool.name, size: poolSize(pool), used: claimed.filter((held) => poolContains(pool, held.claim.ip)).length,
    }));
  }
}
