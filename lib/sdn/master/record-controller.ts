// What the master's controllers share: the watch on their prefix, one-at-a-time work, retries, readiness.
import type { KeyValue, Listing, WatchEvent, Watching } from '../../etcd/types.js';
import { keyLeaf } from '../layout.js';
import { RetrySet } from './retry.js';
import { SerialQueue } from '../../serial-queue.js';
import type { Term } from './term.js';
import { messageOf } from '../../errors.js';

/** Where a controller's records live and how its logs name them. */
export interface RecordKind {
  /** Names the kind in logs, e.g. `hostsubnet`. */
  readonly label: string;
  /** The log field that names one record, e.g. `hostIp`. */
  readonly nameField: string;
  readonly prefix: string;
  key(name: string): string;
}

/** A record as the controller last saw it in etcd. */
export interface HeldRecord<R> {
  record: R;
  modRevision: number;
}

/**
 * A controller of the records under one prefix. Subclasses decide what a record means; this class
 * decides when they are asked: on the first snapshot, on each newer change, and on retries from etcd.
 */
export abstract class RecordController<R> {
  /** The records held, by name; subclasses keep it in step with what they read and write. */
  protected readonly records = new Map<string, HeldRecord<R>>();
  private readonly serial = new SerialQueue();
  private readonly retries: RetrySet;
  private watch: Watching | null = null;
  private markReady!: () => void;
  /** Resolves once the records are loaded from etcd, or the controller stopped. */
  readonly ready = new Promise<void>((resolve) => { this.markReady = resolve; });

  protected constructor(
    protected readonly term: Term,
    private readonly kind: RecordKind,
  ) {
    this.retries = new RetrySet(term, (name) => this.serial.run(() => this.refresh(name)));
  }

  /** Replaces the model with the whole prefix; the controller is ready once it returns. */
  protected abstract rebuild(listing: Listing): Promise<void>;
  /** One step towards bringing a stored record in line: the record to look at again, or null when done. */
  protected abstract reconcileOnce(kv: KeyValue): Promise<KeyValue | null>;
  /** The record is gone from etcd. */
  protected abstract forget(name: string): Promise<void>;

  start(): void {
    this.watch = this.term.store.watchPrefix(this.kind.prefix, {
      snapshot: (listing) => this.serial.run(() => this.guarded('rebuild', () => this.load(listing))),
      events: (events) => this.serial.run(() => this.applyEvents(events)),
    });
  }

  /** Ends the controller; callers still waiting for it get NotLeaderError. */
  async stop(): Promise<void> {
    this.retries.stop();
    this.markReady();
    await this.watch?.cancel();
  }

  /** Runs `work` after everything queued before it, so the model always matches what was written. */
  protected run<T>(work: () => T | Promise<T>): Promise<T> {
    return this.serial.run(work);
  }

  /** Reconciles a stored record until the subclass has nothing more to do with it. */
  protected async reconcile(kv: KeyValue): Promise<void> {
    let next: KeyValue | null = kv;
    while (next !== null) next = await this.reconcileOnce(next);
  }

  /** Runs watch-driven work; a failure other than lost leadership is retried later from etcd. */
  protected async guarded(what: string, work: () => Promise<void>, name?: string): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (!this.term.active) return;
      this.term.logger.warn(`${this.kind.label} reconcile failed; will retry`, {
        what, [this.kind.nameField]: name, error: messageOf(error),
      });
      this.retries.add(name ?? RetrySet.EVERYTHING);
    }
  }

  private async load(listing: Listing): Promise<void> {
    await this.rebuild(listing);
    this.markReady();
  }

  /** Skips stale events: a put no newer than the record held, a delete of a record not held or held newer. */
  private async applyEvents(events: WatchEvent[]): Promise<void> {
    for (const event of events) {
      const name = keyLeaf(event.type === 'put' ? event.kv.key : event.key, this.kind.prefix);
      const known = this.records.get(name);
      if (event.type === 'put') {
        if (known && known.modRevision >= event.kv.modRevision) continue;
        await this.guarded('event', () => this.reconcile(event.kv), name);
      } else if (known && known.modRevision < event.modRevision) {
        await this.guarded('delete', () => this.forget(name), name);
      }
    }
  }

  /** Re-reads one record (or, for EVERYTHING, the whole prefix) and reconciles it. */
  private async refresh(name: string): Promise<void> {
    if (name === RetrySet.EVERYTHING) {
      await this.guarded('rebuild', async () => this.load(await this.term.store.list(this.kind.prefix)));
      return;
    }
    await this.guarded('retry', async () => {
      const kv = await this.term.store.get(this.kind.key(name));
      if (kv) await this.reconcile(kv);
      else await this.forget(name);
    }, name);
  }
}
