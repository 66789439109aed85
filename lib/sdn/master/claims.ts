// The leader's copy of the fixed-address claims, and the fenced writer its releases go through.
import type { PrefixWatch } from '../../etcd/watch.js';
import { ClaimBook } from '../fixed/claim-book.js';
import { ClaimWriter } from '../fixed/claims.js';
import type { Term } from './term.js';

export class MasterClaims {
  readonly book: ClaimBook;
  /** Writes only while this term leads. */
  readonly writer: ClaimWriter;
  private watch: PrefixWatch | null = null;
  private readonly listeners = new Set<(ips: ReadonlySet<string>) => void | Promise<void>>();
  private markReady!: () => void;
  readonly ready = new Promise<void>((resolve) => { this.markReady = resolve; });

  constructor(private readonly term: Term) {
    this.book = new ClaimBook(term.keys.ipClaims);
    this.writer = new ClaimWriter({ get: (key) => term.store.get(key), txn: () => term.txn() }, term.keys);
  }

  /** Hears of the addresses whose claim changed (all of them after a relist). */
  onChange(listener: (ips: ReadonlySet<string>) => void | Promise<void>): void {
    this.listeners.add(listener);
  }

  start(): void {
    this.watch = this.term.store.watchPrefix(this.term.keys.ipClaims, {
      snapshot: async (listing) => {
        this.book.replace(listing.items, listing.revision);
        await this.notify(new Set(this.book.all().map((held) => held.claim.ip)));
        this.markReady();
      },
      events: (events) => this.notify(this.book.apply(events)),
    });
  }

  async stop(): Promise<void> {
    this.markReady();
    await this.watch?.cancel();
  }

  private async notify(ips: ReadonlySet<string>): Promise<void> {
    if (ips.size === 0 || !this.term.active) return;
    for (const listener of this.listeners) {
      try {
        await listener(ips);
      } catch (error) {
        this.term.logger.warn('handling a fixed-address claim change failed', { error: (error as Error).message });
      }
    }
  }
}
