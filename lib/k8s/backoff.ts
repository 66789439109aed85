// Capped exponential delays for retry loops that must neither spin nor give up.

export interface BackoffOptions {
  /** First delay after a failure (default 100 ms). */
  initialMs?: number;
  /** Longest delay (default 5 s). */
  maxMs?: number;
}

export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private nextMs: number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 100;
    this.maxMs = Math.max(options.maxMs ?? 5000, this.initialMs);
    this.nextMs = this.initialMs;
  }

  /** The delay before the next attempt; each call doubles the following one up to the cap. */
  next(): number {
    const delay = this.nextMs;
    this.nextMs = Math.min(this.nextMs * 2, this.maxMs);
    return delay;
  }

  reset(): void {
    this.nextMs = this.initialMs;
  }

  /** The cap: a connection that stayed up this long has recovered, not flapped. */
  get ceilingMs(): number {
    return this.maxMs;
  }
}
