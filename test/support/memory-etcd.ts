// An in-memory Store with etcd's revision, transaction, fence and prefix-watch rules, for unit tests of the master and node.
import { StoreUnavailableError } from '../../lib/etcd/errors.js';
import { Transaction, type TxnPlan } from '../../lib/etcd/txn.js';
import type { KeyValue, Listing, Store, TxnResult, WatchEvent } from '../../lib/etcd/types.js';
import type { PrefixWatch, WatchHandlers } from '../../lib/etcd/watch.js';

interface Watcher {
  prefix: string;
  handlers: WatchHandlers;
  queue: Promise<void>;
  cancelled: boolean;
}

export class MemoryEtcd {
  readonly data = new Map<string, KeyValue>();
  revision = 1;
  /** While true every call fails as if etcd were unreachable. */
  down = false;
  /** Keys transactions commit on, for tests that assert what was written. */
  readonly commits: TxnPlan[] = [];
  private readonly watchers = new Set<Watcher>();

  /** The Store interface over this memory (only what the SDN uses). */
  get store(): Store {
    return this as unknown as Store;
  }

  readonly connection = { state: 'up' };

  private check(): void {
    if (this.down) throw new StoreUnavailableError('memory etcd: unavailable');
  }

  async get(key: string): Promise<KeyValue | null> {
    this.check();
    return this.data.get(key) ?? null;
  }

  async list(prefix: string): Promise<Listing> {
    this.check();
    return { items: this.under(prefix), revision: this.revision };
  }

  /** Writes outside a transaction, as etcdctl would. */
  async put(key: string, value: string): Promise<number> {
    this.check();
    this.apply([{ kind: 'put', key, value }]);
    return this.revision;
  }

  async delete(key: string): Promise<void> {
    this.check();
    if (this.data.has(key)) this.apply([{ kind: 'delete', key }]);
  }

  create(key: string, value: string): Promise<TxnResult> {
    return this.txn().ifAbsent(key).put(key, value).commit();
  }

  txn(): Transaction {
    return new Transaction(async (plan) => this.run(plan));
  }

  watchPrefix(prefix: string, handlers: WatchHandlers): PrefixWatch {
    const watcher: Watcher = { prefix, handlers, queue: Promise.resolve(), cancelled: false };
    this.watchers.add(watcher);
    const listing = { items: this.under(prefix), revision: this.revision };
    this.deliver(watcher, () => handlers.snapshot(listing));
    return { cancel: async () => { watcher.cancelled = true; this.watchers.delete(watcher); await watcher.queue; } } as unknown as PrefixWatch;
  }

  /** Every watcher has handled what was committed so far. */
  async settled(): Promise<void> {
    for (let i = 0; i < 5; i++) {
      await Promise.all([...this.watchers].map((w) => w.queue));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async close(): Promise<void> {
    for (const watcher of this.watchers) watcher.cancelled = true;
  }

  private under(prefix: string): KeyValue[] {
    return [...this.data.values()].filter((kv) => kv.key.startsWith(prefix)).sort((a, b) => a.key.localeCompare(b.key));
  }

  private run(plan: TxnPlan): TxnResult & { fenceHeld: boolean } {
    this.check();
    const fenceHeld = plan.fence === null || this.data.get(plan.fence.key)?.createRevision === plan.fence.createRevision;
    const holds = fenceHeld && plan.conditions.every((c) => (c.kind === 'absent'
      ? !this.data.has(c.key) : this.data.get(c.key)?.modRevision === c.revision));
    if (!holds) {
      const current = new Map(plan.conditions.map((c) => [c.key, this.data.get(c.key) ?? null]));
      return { succeeded: false, revision: this.revision, current, fenceHeld };
    }
    this.commits.push(plan);
    this.apply(plan.writes);
    return { succeeded: true, revision: this.revision, current: new Map(), fenceHeld };
  }

  private apply(writes: TxnPlan['writes']): void {
    this.revision += 1;
    const events: WatchEvent[] = [];
    for (const write of writes) {
      if (write.kind === 'delete') {
        if (!this.data.delete(write.key)) continue;
        events.push({ type: 'delete', key: write.key, modRevision: this.revision });
      } else {
        const old = this.data.get(write.key);
        const kv = { key: write.key, value: write.value, createRevision: old?.createRevision ?? this.revision, modRevision: this.revision };
        this.data.set(write.key, kv);
        events.push({ type: 'put', kv });
      }
    }
    for (const watcher of this.watchers) {
      const mine = events.filter((e) => (e.type === 'put' ? e.kv.key : e.key).startsWith(watcher.prefix));
      if (mine.length) this.deliver(watcher, () => watcher.handlers.events(mine));
    }
  }

  /** As with a real etcd, a writer hears its transaction's answer before the watch brings the same write. */
  private deliver(watcher: Watcher, call: () => void | Promise<void>): void {
    watcher.queue = watcher.queue.then(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      if (!watcher.cancelled) await call();
    });
  }
}
