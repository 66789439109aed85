// Names whose watch-driven reconcile failed (etcd unreachable): retried from etcd after a pause.
import type { Term } from './term.js';

export const RETRY_DELAY_MS = 1000;

export class RetrySet {
  /** Stands for "relist and rebuild everything". */
  static readonly EVERYTHING = '\u0000everything';

  private readonly names = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly term: Term,
    private readonly retry: (name: string) => Promise<void>,
  ) {}

  add(name: string): void {
    this.names.add(name);
    if (this.timer === null && this.term.active) {
      this.timer = setTimeout(() => void this.run(), RETRY_DELAY_MS);
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.names.clear();
  }

  private async run(): Promise<void> {
    this.timer = null;
    const names = this.names.has(RetrySet.EVERYTHING) ? [RetrySet.EVERYTHING] : [...this.names];
    this.names.clear();
    // Each retry re-adds its name on failure, which schedules the next round.
    for (const name of names) {
      if (!this.term.active) return;
      await this.retry(name);
    }
  }
}
