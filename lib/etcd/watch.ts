// A prefix watch that survives etcd outages: it resumes after the last revision it delivered, and
// when that history was compacted it relists and hands the consumer a fresh snapshot instead.
import type { IWatchResponse, Watcher } from 'etcd3';
import { StoreCompactedError, translateEtcdError } from './errors.js';
import type { StoreInternals } from './store.js';
import type { Listing, WatchEvent } from './types.js';

export interface WatchHandlers {
  /** Changes in revision order, each delivered once, after the previous call settled. */
  events(events: WatchEvent[]): void | Promise<void>;
  /**
   * The whole state under the prefix: at start (unless a start revision was given) and whenever
   * resuming was impossible. Consumers replace their model with it, so they converge.
   */
  snapshot(listing: Listing): void | Promise<void>;
}

export interface WatchOptions {
  /** Deliver changes from this revision on instead of starting with a snapshot. */
  startRevision?: number;
}

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2000;

export class PrefixWatch {
  /** Every change up to this revision has been handed to the consumer. */
  private delivered = 0;
  private watcher: Watcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private retryMs = FIRST_RETRY_MS;
  private cancelled = false;
  private queue: Promise<void> = Promise.resolve();
  private snapshots = 0;
  /** Stream (re)openings that failed in a row. */
  private failedOpens = 0;

  constructor(
    private readonly store: StoreInternals,
    readonly prefix: string,
    private readonly handlers: WatchHandlers,
    private readonly options: WatchOptions,
    private readonly onCancel: () => void,
  ) {}

  /** The revision through which changes have been delivered. */
  get revision(): number {
    return this.delivered;
  }

  /** How many snapshots were delivered, the initial one included. */
  get snapshotCount(): number {
    return this.snapshots;
  }

  start(): void {
    if (this.options.startRevision !== undefined) {
      this.delivered = this.options.startRevision - 1;
      this.open();
    } else {
      void this.relist();
    }
  }

  async cancel(): Promise<void> {
    if (this.cancelled) return;
    this.cancelled = true;
    if (this.timer) clearTimeout(this.timer);
    this.onCancel();
    await this.detach();
    await this.queue;
  }

  private enqueue(work: () => void | Promise<void>): void {
    this.queue = this.queue.then(async () => {
      if (this.cancelled) return;
      try {
        await work();
      } catch (error) {
        this.store.logger.error('watch consumer failed', { prefix: this.prefix, error: (error as Error).message });
      }
    });
  }

  private async relist(): Promise<void> {
    if (this.cancelled) return;
    let listing: Listing;
    try {
      listing = await this.store.list(this.prefix);
    } catch (error) {
      this.retry(() => void this.relist(), error);
      return;
    }
    this.retryMs = FIRST_RETRY_MS;
    this.snapshots += 1;
    this.enqueue(() => this.handlers.snapshot(listing));
    this.delivered = listing.revision;
    this.open();
  }

  private open(): void {
    if (this.cancelled) return;
    const watcher = this.store.client.watch()
      .prefix(this.store.absolute(this.prefix))
      .startRevision(String(this.delivered + 1))
      .watcher();
    this.watcher = watcher;
    let connected = false;
    watcher.on('connected', () => {
      connected = true;
      this.failedOpens = 0;
      this.retryMs = FIRST_RETRY_MS;
      this.store.connection.up();
    });
    watcher.on('data', (response) => this.receive(watcher, response));
    watcher.on('disconnected', (error) => this.lost(watcher, error, false, connected));
    watcher.on('error', (error) => this.lost(watcher, error, true, connected));
  }

  private receive(watcher: Watcher, response: IWatchResponse): void {
    if (watcher !== this.watcher) return;
    // An answer from etcd: after a quorum loss the stream may never have broken, so this is the first sign.
    this.store.connection.up();
    if (response.events.length === 0) {
      // A progress notification: etcd sends these only to watchers that are caught up.
      this.delivered = Math.max(this.delivered, Number(response.header.revision));
      return;
    }
    const events: WatchEvent[] = response.events.map((event) => event.type === 'Put'
      ? { type: 'put', kv: this.store.keyValue(event.kv) }
      : { type: 'delete', key: this.store.relative(event.kv.key.toString()), modRevision: Number(event.kv.mod_revision) });
    const newest = Math.max(...response.events.map((event) => Number(event.kv.mod_revision)));
    const fresh = events.filter((event) => (event.type === 'put' ? event.kv.modRevision : event.modRevision) > this.delivered);
    this.delivered = Math.max(this.delivered, newest);
    if (fresh.length > 0) this.enqueue(() => this.handlers.events(fresh));
  }

  /**
   * The stream broke (`canceled` false): reopen after the last delivered revision. etcd canceled
   * the watch (`canceled` true): that is how it reports compacted history (etcd3 passes on only
   * the empty cancel reason, not the compact revision), so relist. A stream that broke is not an
   * outage yet (its member may be the one that went away): failing to reopen it twice as many times
   * in a row as there are members is (etcd3 picks a member at random, so once each is not enough).
   */
  private lost(watcher: Watcher, cause: Error, canceled: boolean, wasConnected: boolean): void {
    if (watcher !== this.watcher || this.cancelled) return;
    // A canceled watcher is already gone from etcd3's stream; asking to cancel it again would wait forever.
    void this.detach(!canceled);
    const error = translateEtcdError(cause, `watch ${this.prefix}`);
    if (canceled || error instanceof StoreCompactedError) {
      this.store.logger.info('watch canceled by etcd (history compacted); relisting', {
        prefix: this.prefix, revision: this.delivered, reason: error.message,
      });
      void this.relist();
      return;
    }
    if (!wasConnected) this.failedOpens += 1;
    this.retry(() => this.open(), error, this.failedOpens >= 2 * this.store.endpoints.length);
  }

  private retry(again: () => void, error: unknown, report = true): void {
    if (this.cancelled) return;
    if (report) this.store.connection.observe(translateEtcdError(error, `watch ${this.prefix}`));
    this.timer = setTimeout(() => {
      this.timer = null;
      again();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }

  private async detach(cancelOnServer = true): Promise<void> {
    const watcher = this.watcher;
    this.watcher = null;
    if (watcher === null) return;
    watcher.removeAllListeners();
    watcher.on('error', () => undefined);
    if (!cancelOnServer) return;
    try {
      await watcher.cancel();
    } catch {
      // The stream is already gone; nothing is left to cancel on the server.
    }
  }
}
