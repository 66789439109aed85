// etcd in memory, with its revision rules: transactions with conditions and a leadership fence, and prefix
// watches that deliver a snapshot, then every committed change (for the CLI's and the master's unit tests).
import { Transaction, type TxnPlan } from '../../lib/etcd/txn.js';
import type { KeyValue, Listing, Store, TxnResult, WatchEvent, Watching } from '../../lib/etcd/types.js';
import type { WatchHandlers } from '../../lib/etcd/watch.js';

export class MemoryStore implements Pick<Store, 'get' | 'list' | 'txn' | 'watchPrefix' | 'close'> {
  readonly data = new Map<string, KeyValue>();
  revision = 1;
  closed = false;
  /** Runs after every committed transaction (e.g. a scripted master answering a request). */
  afterCommit: (store: MemoryStore) => void = () => undefined;
  commits = 0;
  private readonly watches = new Set<{ prefix: string; handlers: WatchHandlers }>();
  /** The watch handlers still running, in the order etcd delivered the changes. */
  private delivering: Promise<unknown> = Promise.resolve();

  /** Writes outside a transaction, as etcdctl would. */
  put(key: string, value: string): number {
    this.write([{ kind: 'put', key, value }]);
    return this.revision;
  }

  delete(key: string): void {
    this.write([{ kind: 'delete', key }]);
  }

  async get(key: string): Promise<KeyValue | null> {
    return this.data.get(key) ?? null;
  }

  async list(prefix: string): Promise<Listing> {
    const items = [...this.data.values()].filter((kv) => kv.key.startsWith(prefix)).sort((a, b) => a.key.localeCompare(b.key));
    return { items, revision: this.revision };
  }

  txn(): Transaction {
    return new Transaction(async (plan) => this.run(plan));
  }

  watchPrefix(prefix: string, handlers: WatchHandlers): Watching {
    const watch = { prefix, handlers };
    this.watches.add(watch);
    const listing = this.list(prefix);
    this.deliver(async () => handlers.snapshot(await listing));
    return { cancel: async () => { this.watches.delete(watch); } };
  }

  /** Resolves when the watches have handled every change made so far. */
  async settled(): Promise<void> {
    let seen: Promise<unknown>;
    do {
      seen = this.delivering;
      await seen;
    } while (seen !== this.delivering);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private run(plan: TxnPlan): TxnResult & { fenceHeld: boolean } {
    const fence = plan.fence ? this.data.get(plan.fence.key) : undefined;
    const fenceHeld = !plan.fence || fence?.createRevision === plan.fence.createRevision;
    const holds = fenceHeld && plan.conditions.every((c) => (c.kind === 'absent'
      ? !this.data.has(c.key) : this.data.get(c.key)?.modRevision === c.revision));
    if (!holds) {
      const current = new Map(plan.conditions.map((c) => [c.key, this.data.get(c.key) ?? null]));
      return { succeeded: false, revision: this.revision, current, fenceHeld };
    }
    this.write(plan.writes);
    this.commits += 1;
    const result = { succeeded: true, revision: this.revision, current: new Map(), fenceHeld: true };
    this.afterCommit(this);
    return result;
  }

  private write(writes: TxnPlan['writes']): void {
    this.revision += 1;
    const events: WatchEvent[] = [];
    for (const write of writes) {
      if (write.kind === 'delete') {
        if (this.data.delete(write.key)) events.push({ type: 'delete', key: write.key, modRevision: this.revision });
      } else {
        const old = this.data.get(write.key);
        const kv = { key: write.key, value: write.value, createRevision: old?.createRevision ?? this.revision, modRevision: this.revision };
        this.data.set(write.key, kv);
        events.push({ type: 'put', kv });
      }
    }
    for (const watch of this.watches) {
      const mine = events.filter((event) => (event.type === 'put' ? event.kv.key : event.key).startsWith(watch.prefix));
      if (mine.length) this.deliver(() => watch.handlers.events(mine));
    }
  }

  private deliver(work: () => void | Promise<void>): void {
    this.delivering = this.delivering.then(work).catch(() => undefined);
  }
}
