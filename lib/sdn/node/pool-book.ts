// The node's copy of the IP pools and the master's verdict on each: which pools may hand out addresses now.
import type { KeyValue, WatchEvent } from '../../etcd/types.js';
import type { Cidr, Ipv4 } from '../../net/ipv4.js';
import { type IpPool, type IpPoolStatus, parseIpPool, parseIpPoolStatus, poolCovers } from '../fixed/pool.js';
import { keyLeaf } from '../layout.js';
import { RecordError } from '../records.js';

interface StoredPool {
  pool: IpPool | null;
  /** Why the record does not parse, when `pool` is null. */
  problem: string;
  modRevision: number;
}

/** A pool as ADD may use it, or why it may not: `wait` when the master has not judged this version yet. */
export type PoolVerdict =
  | { usable: true; pool: IpPool }
  | { usable: false; wait: boolean; reason: string };

export class PoolBook {
  private readonly pools = new Map<string, StoredPool>();
  private readonly statuses = new Map<string, IpPoolStatus>();

  constructor(private readonly poolPrefix: string, private readonly statusPrefix: string, private readonly network: Cidr) {}

  replacePools(items: readonly KeyValue[]): void {
    this.pools.clear();
    for (const kv of items) this.putPool(kv);
  }

  applyPools(events: readonly WatchEvent[]): void {
    for (const event of events) {
      if (event.type === 'put') this.putPool(event.kv);
      else this.pools.delete(keyLeaf(event.key, this.poolPrefix));
    }
  }

  replaceStatuses(items: readonly KeyValue[]): void {
    this.statuses.clear();
    for (const kv of items) this.putStatus(kv);
  }

  applyStatuses(events: readonly WatchEvent[]): void {
    for (const event of events) {
      if (event.type === 'put') this.putStatus(event.kv);
      else this.statuses.delete(keyLeaf(event.key, this.statusPrefix));
    }
  }

  names(): string[] {
    return [...this.pools.keys()].sort();
  }

  /** Whether ADD may take addresses of `name` now: it exists, parses, and the master accepted this version. */
  verdict(name: string): PoolVerdict {
    const stored = this.pools.get(name);
    if (!stored) return { usable: false, wait: false, reason: `IP pool "${name}" does not exist (see: k8s-ovs-adm get ippools)` };
    if (!stored.pool) return { usable: false, wait: false, reason: `IP pool "${name}" is invalid: ${stored.problem}` };
    const status = this.statuses.get(name);
    if (!status || status.revision < stored.modRevision) {
      return { usable: false, wait: true, reason: `IP pool "${name}" waits for the master to accept it (is a master running? k8s-ovs-adm status)` };
    }
    if (status.revision > stored.modRevision) return { usable: false, wait: true, reason: `IP pool "${name}" changed; this node has not seen the change yet` };
    if (status.state !== 'Accepted') return { usable: false, wait: false, reason: `IP pool "${name}" was refused by the master: ${status.reason}` };
    return { usable: true, pool: stored.pool };
  }

  /** Every pool that parses and covers `ip` (accepted or not: an address must be in one to be handed out). */
  containing(ip: Ipv4): IpPool[] {
    return [...this.pools.values()].flatMap((stored) => (stored.pool && poolCovers(stored.pool, ip) ? [stored.pool] : []));
  }

  /** Accepted pools, for metrics. */
  accepted(): IpPool[] {
    return this.names().flatMap((name) => {
      const verdict = this.verdict(name);
      return verdict.usable ? [verdict.pool] : [];
    });
  }

  private putPool(kv: KeyValue): void {
    const name = keyLeaf(kv.key, this.poolPrefix);
    try {
      this.pools.set(name, { pool: parseIpPool(kv.key, kv.value, this.network), problem: '', modRevision: kv.modRevision });
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      this.pools.set(name, { pool: null, problem: error.message, modRevision: kv.modRevision });
    }
  }

  private putStatus(kv: KeyValue): void {
    try {
      this.statuses.set(keyLeaf(kv.key, this.statusPrefix), parseIpPoolStatus(kv.key, kv.value));
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      this.statuses.delete(keyLeaf(kv.key, this.statusPrefix));
    }
  }
}
