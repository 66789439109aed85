// Tracks whether etcd is reachable and logs each change of that state once, never per retry.
import type { Logger } from '../log.js';
import { StoreClosedError, StoreUnavailableError } from './errors.js';

export type ConnectionState = 'unknown' | 'up' | 'down';

export class ConnectionMonitor {
  private current: ConnectionState = 'unknown';
  private readonly listeners = new Set<(state: ConnectionState) => void>();

  constructor(
    private readonly logger: Logger,
    /** Named in every log line; the store updates it when the endpoints change. */
    public endpoints: readonly string[],
  ) {}

  get state(): ConnectionState {
    return this.current;
  }

  onChange(listener: (state: ConnectionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  up(): void {
    if (this.current === 'up') return;
    const recovered = this.current === 'down';
    this.current = 'up';
    this.logger.info(recovered ? 'etcd connection restored' : 'etcd connected', { endpoints: this.endpoints });
    this.notify();
  }

  down(error: Error): void {
    if (this.current === 'down') return;
    this.current = 'down';
    this.logger.warn('etcd connection lost', { endpoints: this.endpoints, error: error.message });
    this.notify();
  }

  /** Feeds a failed call: unavailability marks the connection down; an answer from etcd marks it up. */
  observe(error: unknown): void {
    if (error instanceof StoreClosedError) return;
    if (error instanceof StoreUnavailableError) this.down(error);
    else this.up();
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this.current);
  }
}
