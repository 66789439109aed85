// Keyed reconcile work: one run per key at a time, repeated on new input, retried with backoff on failure.
import { Backoff, type BackoffOptions } from '../../k8s/index.js';
import type { Logger } from '../../log.js';
import { messageOf } from '../../errors.js';

export interface RetryQueueOptions {
  /** Reconciles one key from the current desired state; may run again for the same key at any time. */
  reconcile(key: string): Promise<void>;
  /** Failures not worth retrying here (e.g. NotLeaderError: the new leader resyncs). */
  isDropped?(error: unknown): boolean;
  /** Delays between retries of one key (default 200 ms doubling to 10 s). */
  backoff?: BackoffOptions | undefined;
  /** Keys reconciled at once (default 4). */
  concurrency?: number | undefined;
  logger: Logger;
  /** What failing keys are, for the log ("master calls"). */
  what: string;
}

export class RetryQueue {
  private readonly pending = new Set<string>();
  private readonly running = new Set<string>();
  /** Keys that got new input while running: they run again once finished. */
  private readonly dirty = new Set<string>();
  private readonly failing = new Map<string, Backoff>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Bumped by clear(): runs started before it do not requeue. */
  private epoch = 0;
  private stopped = false;

  constructor(private readonly options: RetryQueueOptions) {}

  add(key: string): void {
    if (this.stopped) return;
    const timer = this.timers.get(key);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(key);
    }
    if (this.running.has(key)) this.dirty.add(key);
    else this.pending.add(key);
    this.pump();
  }

  /** Forgets queued keys and retries; runs in progress finish but do not requeue. */
  clear(): void {
    this.epoch += 1;
    this.pending.clear();
    this.dirty.clear();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.failing.clear();
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  /** True when no key is queued, running or waiting for a retry (tests). */
  get idle(): boolean {
    return this.pending.size === 0 && this.running.size === 0 && this.timers.size === 0;
  }

  private pump(): void {
    const concurrency = this.options.concurrency ?? 4;
    for (const key of this.pending) {
      if (this.running.size >= concurrency) return;
      this.pending.delete(key);
      void this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    const epoch = this.epoch;
    this.running.add(key);
    let retryIn: number | null = null;
    try {
      await this.options.reconcile(key);
      this.succeeded(key);
    } catch (error) {
      if (epoch === this.epoch) retryIn = this.failed(key, error);
    } finally {
      this.running.delete(key);
    }
    if (epoch !== this.epoch || this.stopped) {
      this.pump();
      return;
    }
    if (this.dirty.delete(key)) {
      this.pending.add(key);
    } else if (retryIn !== null) {
      this.timers.set(key, setTimeout(() => {
        this.timers.delete(key);
        this.add(key);
      }, retryIn));
    }
    this.pump();
  }

  private succeeded(key: string): void {
    if (!this.failing.delete(key)) return;
    if (this.failing.size === 0) this.options.logger.info(`${this.options.what} succeed again`, { key });
  }

  /** The delay before the retry, or null when the failure is dropped. */
  private failed(key: string, error: unknown): number | null {
    if (this.options.isDropped?.(error)) {
      this.failing.delete(key);
      return null;
    }
    let backoff = this.failing.get(key);
    if (!backoff) {
      // One line when calls start failing and one when all recover; not one per attempt.
      if (this.failing.size === 0) {
        this.options.logger.warn(`${this.options.what} failing; retrying`, { key, error: messageOf(error) });
      }
      backoff = new Backoff(this.options.backoff ?? { initialMs: 200, maxMs: 10_000 });
      this.failing.set(key, backoff);
    }
    return backoff.next();
  }
}
