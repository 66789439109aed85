// The leader's IP pool controller: accepts a pool only when no node subnet, other pool or claim stands in its way,
// and writes the verdict, with the reason, beside it (`<Name>/ippool-status/<pool>`).
import type { KeyValue, Listing } from '../../etcd/types.js';
import { type IpPool, type IpPoolStatus, describePool, parseIpPool, parseIpPoolStatus, poolContains, serializeIpPoolStatus } from '../fixed/pool.js';
import { rangesOverlap } from '../fixed/ranges.js';
import { keyLeaf } from '../layout.js';
import { RecordError } from '../records.js';
import type { MasterClaims } from './claims.js';
import { RecordController } from './record-controller.js';
import type { SubnetController } from './subnets.js';
import type { Term } from './term.js';

/** How often refused pools are looked at again (a node that stood in the way may have gone). */
const RECHECK_MS = 30_000;

export class IpPoolController extends RecordController<IpPool | null> {
  private readonly statuses = new Map<string, IpPoolStatus>();
  private readonly stored = new Map<string, KeyValue>();
  private timer: NodeJS.Timeout | null = null;

  constructor(term: Term, private readonly subnets: SubnetController, private readonly claims: MasterClaims) {
    super(term, { label: 'ippool', nameField: 'pool', prefix: term.keys.ipPools, key: (pool) => term.keys.ipPool(pool) });
    claims.onChange(() => this.subnets.reserveClaimed(this.claims.book.all().map((held) => held.claim.ip)));
  }

  override start(): void {
    super.start();
    this.timer = setInterval(() => void this.recheckRefused(), RECHECK_MS);
    this.timer.unref();
  }

  override async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await super.stop();
  }

  private get keys() {
    return this.term.keys;
  }

  /** Pools accepted before keep their place: they are judged first, so a newcomer that overlaps one is the one refused. */
  protected override async rebuild(listing: Listing): Promise<void> {
    this.term.assertLeading();
    await this.claims.ready;
    this.records.clear();
    this.stored.clear();
    this.statuses.clear();
    for (const kv of (await this.term.store.list(this.keys.ipPoolStatuses)).items) {
      try {
        this.statuses.set(keyLeaf(kv.key, this.keys.ipPoolStatuses), parseIpPoolStatus(kv.key, kv.value));
      } catch (error) {
        if (!(error instanceof RecordError)) throw error;
      }
    }
    const wasAccepted = (kv: KeyValue) => {
      const status = this.statuses.get(keyLeaf(kv.key, this.keys.ipPools));
      return status?.state === 'Accepted' && status.revision === kv.modRevision;
    };
    const ordered = [...listing.items.filter(wasAccepted), ...listing.items.filter((kv) => !wasAccepted(kv))];
    for (const kv of ordered) await this.guarded('pending', () => this.reconcile(kv), keyLeaf(kv.key, this.keys.ipPools));
    const gone = [...this.statuses.keys()].filter((name) => !this.records.has(name));
    for (const name of gone) await this.dropStatus(name);
    this.term.logger.info('ip pools loaded', { pools: this.records.size, accepted: this.accepted().length });
  }

  private accepted(): IpPool[] {
    return [...this.records.entries()].flatMap(([name, held]) => (held.record && this.statuses.get(name)?.state === 'Accepted'
      && this.statuses.get(name)?.revision === held.modRevision ? [held.record] : []));
  }

  protected override async reconcileOnce(kv: KeyValue): Promise<KeyValue | null> {
    this.term.assertLeading();
    const name = keyLeaf(kv.key, this.keys.ipPools);
    let pool: IpPool | null = null;
    let reason = '';
    try {
      pool = parseIpPool(kv.key, kv.value, this.term.config.network);
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      reason = error.message;
    }
    const overlaps = await this.subnets.reservePool(name, pool?.ranges ?? null);
    this.records.set(name, { record: pool, modRevision: kv.modRevision });
    this.stored.set(name, kv);
    if (pool && !reason) reason = this.refusal(pool, overlaps);
    const status: IpPoolStatus = {
      revision: kv.modRevision, state: reason ? 'Refused' : 'Accepted', reason, time: new Date().toISOString(),
    };
    const known = this.statuses.get(name);
    if (known && known.revision === status.revision && known.state === status.state && known.reason === status.reason) return null;
    const result = await this.term.commit(this.term.txn().ifModRevision(kv.key, kv.modRevision)
      .put(this.keys.ipPoolStatus(name), serializeIpPoolStatus(status)));
    if (!result.succeeded) return result.current.get(kv.key) ?? null;
    this.statuses.set(name, status);
    this.term.logger[reason ? 'error' : 'info'](reason ? 'ip pool refused' : 'ip pool accepted', {
      pool: name, addresses: pool ? describePool(pool) : kv.value, ...(reason ? { reason } : {}),
    });
    return null;
  }

  /** Why the pool cannot be accepted, or '' when it can. */
  private refusal(pool: IpPool, subnets: readonly string[]): string {
    if (subnets.length) return `it overlaps HostSubnets in use: ${subnets.join('; ')}`;
    const other = this.accepted().find((accepted) => accepted.name !== pool.name
      && accepted.ranges.some((a) => pool.ranges.some((b) => rangesOverlap(a, b))));
    if (other) return `it overlaps pool ${other.name} (${describePool(other)})`;
    const stranded = this.claims.book.all().filter((held) => held.claim.pool === pool.name && !poolContains(pool, held.claim.ip));
    if (stranded.length) {
      return `addresses claimed from it would fall outside it: ${stranded.slice(0, 5).map((h) => `${h.claim.ip} (${h.claim.namespace}/${h.claim.pod})`)
        .join(', ')}${stranded.length > 5 ? ` and ${stranded.length - 5} more` : ''}; release them first`;
    }
    return '';
  }

  protected override async forget(name: string): Promise<void> {
    await this.subnets.reservePool(name, null);
    this.records.delete(name);
    this.stored.delete(name);
    await this.dropStatus(name);
    this.term.logger.info('ip pool deleted', { pool: name });
    // Queued behind this change (awaiting it here, inside the queue, would wait forever).
    void this.recheckRefused();
  }

  private async dropStatus(name: string): Promise<void> {
    await this.term.commit(this.term.txn().delete(this.keys.ipPoolStatus(name)));
    this.statuses.delete(name);
  }

  /** Judges refused pools again: what stood in their way may be gone. */
  private recheckRefused(): Promise<void> {
    return this.run(async () => {
      for (const [name, kv] of this.stored) {
        if (this.statuses.get(name)?.state === 'Refused' && this.term.active) {
          await this.guarded('recheck', () => this.reconcile(kv), name);
        }
      }
    });
  }
}
