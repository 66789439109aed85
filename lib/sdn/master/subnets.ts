// The leader's node subnet controller: one HostSubnet per node, Assign requests, subnet claims in etcd.
import type { KeyValue, Listing } from '../../etcd/types.js';
import { Cidr, type Ipv4, parseIpv4 } from '../../net/ipv4.js';
import { type AddressRange, rangeOfCidr, rangesOverlap } from '../fixed/ranges.js';
import { keyLeaf } from '../layout.js';
import { type HostSubnet, RecordError, parseHostSubnet, serializeHostSubnet } from '../records.js';
import { RecordController } from './record-controller.js';
import { ReservedAddresses } from './reserved.js';
import { SubnetAllocationError, SubnetAllocator } from './subnet-allocator.js';
import type { Term } from './term.js';

/** One fenced write: the HostSubnet key, a subnet newly taken from the pool, one given back. */
interface Write {
  hostIp: string;
  /** The mod revision the key must still have (0: must be absent). */
  expected: number;
  record: HostSubnet | 'delete' | null;
  /** Already taken in the allocator by the caller; returned to the pool if etcd refuses. */
  claim: Cidr | null;
  release: Cidr | null;
}

type Outcome = { ok: true } | { ok: false; current: KeyValue | null };

export class InvalidNodeError extends Error {
  override name = 'InvalidNodeError';
}

export class SubnetController extends RecordController<HostSubnet> {
  private allocator: SubnetAllocator;
  /** Which HostIP holds each claimed subnet: exactly the subnets the allocator has taken. */
  private readonly owners = new Map<string, string>();
  /** The subnet each released host last held: a returning node gets it back while it is free. */
  private readonly history = new Map<string, Cidr>();
  /** Addresses no node subnet may take: every IP pool's, and every claimed fixed address. */
  private readonly reserved: ReservedAddresses;

  constructor(term: Term) {
    super(term, {
      label: 'hostsubnet', nameField: 'hostIp', prefix: term.keys.subnets, key: (hostIp) => term.keys.subnet(hostIp),
    });
    this.allocator = this.emptyAllocator();
    this.reserved = new ReservedAddresses(term.config.network);
  }

  private get keys() {
    return this.term.keys;
  }

  private emptyAllocator(): SubnetAllocator {
    return new SubnetAllocator(this.term.config.network, this.term.config.hostSubnetLength);
  }

  /** The node's HostSubnet, allocating a subnet if it has none; the same subnet on every call. */
  async ensure(host: string, hostIpText: string): Promise<HostSubnet> {
    const hostIp = parseIpv4(hostIpText, 'HostIP');
    if (host === '') throw new InvalidNodeError(`Host: the node with HostIP ${hostIp} has an empty name`);
    await this.ready;
    return this.run(async () => {
      for (;;) {
        this.term.assertLeading();
        const known = this.records.get(hostIp);
        if (known && !known.record.assign && this.ownedSubnet(hostIp) !== null) {
          if (known.record.host === host) return known.record;
          const record = { ...known.record, host };
          const outcome = await this.write({ hostIp, expected: known.modRevision, record, claim: null, release: null });
          if (outcome.ok) return record;
          if (outcome.current) await this.reconcile(outcome.current);
          continue;
        }
        const claim = this.allocateFor(hostIp);
        const record = { host, hostIp, subnet: claim, assign: false };
        const release = this.ownedSubnet(hostIp);
        const outcome = await this.write({ hostIp, expected: known?.modRevision ?? 0, record, claim, release });
        if (outcome.ok) {
          this.term.logger.info('node subnet assigned', { node: host, hostIp, subnet: claim.toString() });
          return record;
        }
        if (outcome.current) await this.reconcile(outcome.current);
      }
    });
  }

  /** Deletes the node's HostSubnet and returns its subnet to the pool. */
  async release(hostIpText: string): Promise<void> {
    const hostIp = parseIpv4(hostIpText, 'HostIP');
    await this.ready;
    return this.run(async () => {
      for (;;) {
        this.term.assertLeading();
        const known = this.records.get(hostIp);
        if (!known) return;
        const release = this.ownedSubnet(hostIp);
        const outcome = await this.write({ hostIp, expected: known.modRevision, record: 'delete', claim: null, release });
        if (outcome.ok) {
          this.term.logger.info('node subnet released', { node: known.record.host, hostIp, subnet: release?.toString() });
          return;
        }
        if (outcome.current) await this.reconcile(outcome.current);
        else await this.forget(hostIp);
      }
    });
  }

  /**
   * Keeps node subnets away from a pool's addresses (null: the pool is gone). Returns the HostSubnets in use that
   * share an address with the pool, as "host (HostIP) holds subnet".
   */
  async reservePool(pool: string, ranges: readonly AddressRange[] | null): Promise<string[]> {
    await this.ready;
    return this.run(async () => {
      this.reserved.setPool(pool, ranges);
      this.block();
      return [...this.records.values()].flatMap(({ record }) => (ranges && record.subnet
        && ranges.some((range) => rangesOverlap(range, rangeOfCidr(record.subnet!)))
        ? [`${record.host} (${record.hostIp}) holds ${record.subnet.toString()}`] : []));
    });
  }

  /** Keeps node subnets away from these claimed fixed addresses (all of them: a pool may have been deleted under them). */
  async reserveClaimed(claimed: readonly Ipv4[]): Promise<void> {
    await this.ready;
    await this.run(async () => {
      this.reserved.setClaimed(claimed);
      this.block();
    });
  }

  private block(): void {
    this.allocator.block(this.reserved.subnetIndexes(this.allocator.subnetPrefixLength));
  }

  /** The host's previous subnet if it is still free, else the next one in the pool. */
  private allocateFor(hostIp: string): Cidr {
    const previous = this.history.get(hostIp);
    if (previous && this.allocator.isNodeSubnet(previous) && !this.allocator.isAllocated(previous) && !this.allocator.isBlocked(previous)) {
      this.allocator.claim(previous);
      return previous;
    }
    return this.allocator.allocate();
  }

  private ownedSubnet(hostIp: string): Cidr | null {
    const subnet = this.records.get(hostIp)?.record.subnet ?? null;
    return subnet !== null && this.owners.get(subnet.toString()) === hostIp ? subnet : null;
  }

  protected override async rebuild(listing: Listing): Promise<void> {
    this.term.assertLeading();
    const claims = await this.term.store.list(this.keys.subnetClaims);
    this.history.clear();
    for (const kv of (await this.term.store.list(this.keys.subnetHistory)).items) {
      try {
        this.history.set(keyLeaf(kv.key, this.keys.subnetHistory), Cidr.parse(kv.value));
      } catch {
        // A history entry is only a preference: a broken one is simply not offered.
      }
    }
    this.allocator = this.emptyAllocator();
    await this.reserved.load(this.term.store, this.keys);
    this.block();
    this.owners.clear();
    this.records.clear();
    const pending: KeyValue[] = [];
    // Assign requests are served only after every hand-written subnet is adopted: otherwise the
    // empty pool could hand out a subnet a node already holds (e.g. a tree migrated from etcd v2).
    const requests: KeyValue[] = [];
    for (const kv of listing.items) {
      try {
        const record = parseHostSubnet(kv.key, kv.value);
        this.records.set(record.hostIp, { record, modRevision: kv.modRevision });
        if (record.assign || record.subnet === null) requests.push(kv);
      } catch (error) {
        if (!(error instanceof RecordError)) throw error;
        this.term.logger.error('invalid hostsubnet record ignored', { key: kv.key, reason: error.message });
      }
    }
    for (const kv of claims.items) {
      const text = keyLeaf(kv.key, this.keys.subnetClaims);
      const holder = this.records.get(kv.value)?.record;
      const subnet = holder?.subnet ?? null;
      if (holder && subnet !== null && !holder.assign && subnet.toString() === text && this.allocator.isNodeSubnet(subnet) &&
          !this.allocator.isAllocated(subnet)) {
        this.allocator.claim(subnet);
        this.owners.set(text, kv.value);
      } else if ((await this.term.commit(this.term.txn().ifModRevision(kv.key, kv.modRevision).delete(kv.key))).succeeded) {
        this.term.logger.info('released orphaned subnet claim', { subnet: text, hostIp: kv.value });
      }
    }
    for (const [hostIp, { record, modRevision }] of this.records) {
      if (record.subnet === null || record.assign || this.owners.get(record.subnet.toString()) === hostIp) continue;
      pending.push({ key: this.keys.subnet(hostIp), value: serializeHostSubnet(record), createRevision: 0, modRevision });
    }
    for (const kv of [...pending, ...requests]) await this.guarded('pending', () => this.reconcile(kv), keyLeaf(kv.key, this.keys.subnets));
    this.term.logger.info('hostsubnets loaded', { nodes: this.records.size, subnets: this.allocator.used });
  }

  /** Assigns a subnet to an `Assign:true` entry, or adopts a subnet written by hand. */
  protected override async reconcileOnce(kv: KeyValue): Promise<KeyValue | null> {
    this.term.assertLeading();
    let record: HostSubnet;
    try {
      record = parseHostSubnet(kv.key, kv.value);
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      this.term.logger.error('invalid hostsubnet record ignored', { key: kv.key, reason: error.message });
      return null;
    }
    const { hostIp } = record;
    const owned = this.ownedSubnet(hostIp);
    const wanted = record.subnet;
    // A subnet that shares an address with an IP pool is never taken anew; one already held stays its host's.
    const usable = wanted !== null && this.allocator.isNodeSubnet(wanted) && (this.allocator.isAllocated(wanted)
      ? this.owners.get(wanted.toString()) === hostIp : !this.allocator.isBlocked(wanted));
    if (!record.assign && wanted !== null && !usable) {
      this.term.logger.error('hostsubnet conflicts with the cluster network, another node or an IP pool; left as is', {
        hostIp, subnet: wanted.toString(), holder: this.owners.get(wanted.toString()),
      });
      this.records.set(hostIp, { record, modRevision: kv.modRevision });
      return null;
    }
    let subnet: Cidr;
    let claim: Cidr | null = null;
    try {
      if (usable && wanted !== null) {
        subnet = wanted;
        if (!this.allocator.isAllocated(wanted)) this.allocator.claim(claim = wanted);
      } else {
        subnet = claim = this.allocateFor(hostIp);
      }
    } catch (error) {
      if (!(error instanceof SubnetAllocationError)) throw error;
      this.term.logger.error('no subnet for host', { hostIp, node: record.host, reason: error.message });
      return null;
    }
    const release = owned !== null && !owned.equals(subnet) ? owned : null;
    const next = record.assign ? { ...record, subnet, assign: false } : null;
    const outcome = await this.write({ hostIp, expected: kv.modRevision, record: next, claim, release });
    if (!outcome.ok) return outcome.current;
    if (next === null) this.records.set(hostIp, { record, modRevision: kv.modRevision });
    else this.term.logger.info('subnet assigned on request', { node: record.host, hostIp, subnet: subnet.toString() });
    return null;
  }

  protected override async forget(hostIp: string): Promise<void> {
    if (!this.records.has(hostIp)) return;
    const outcome = await this.write({ hostIp, expected: 0, record: null, claim: null, release: this.ownedSubnet(hostIp) });
    if (outcome.ok) this.records.delete(hostIp);
    else if (outcome.current) await this.reconcile(outcome.current);
  }

  private async write(write: Write): Promise<Outcome> {
    const { hostIp, claim, release } = write;
    const key = this.keys.subnet(hostIp);
    const txn = this.term.txn().ifModRevision(key, write.expected);
    if (write.record === 'delete') txn.delete(key);
    else if (write.record !== null) txn.put(key, serializeHostSubnet(write.record));
    const claimKey = claim === null ? null : this.keys.subnetClaim(claim.toString());
    if (claimKey !== null) txn.ifAbsent(claimKey).put(claimKey, hostIp);
    if (release !== null) txn.delete(this.keys.subnetClaim(release.toString()));
    if (write.record === 'delete' && release !== null) txn.put(this.keys.subnetHistoryOf(hostIp), release.toString());
    const result = await this.term.commit(txn).catch((error: unknown) => {
      if (claim) this.allocator.release(claim);
      throw error;
    });
    if (result.succeeded) {
      if (claim) this.owners.set(claim.toString(), hostIp);
      if (release) {
        this.allocator.release(release);
        this.owners.delete(release.toString());
        if (write.record === 'delete') this.history.set(hostIp, release);
      }
      if (write.record === 'delete') this.records.delete(hostIp);
      else if (write.record !== null) this.records.set(hostIp, { record: write.record, modRevision: result.revision });
      return { ok: true };
    }
    const current = result.current.get(key) ?? null;
    const holder = claimKey === null ? null : result.current.get(claimKey) ?? null;
    if (claim && holder !== null && (current?.modRevision ?? 0) === write.expected) {
      // etcd holds a claim the model missed: record its holder and keep the subnet out of the pool.
      this.owners.set(claim.toString(), holder.value);
    } else if (claim) {
      this.allocator.release(claim);
    }
    return { ok: false, current };
  }
}
