// The daemon's heartbeat writer: it renews `<Name>/nodes/<HostIP>` on a lease, so a dead daemon's entry expires.
import type { Lease } from '../../etcd/lease.js';
import type { EtcdStore } from '../../etcd/store.js';
import { type Logger, silentLogger } from '../../log.js';
import { PIPELINE_VERSION } from '../pipeline/tables.js';
import { HEARTBEAT_TTL_SECONDS, heartbeatKey, serializeHeartbeat } from '../heartbeat-record.js';
import { packageVersion } from '../version.js';
import { messageOf } from '../../errors.js';

export const HEARTBEAT_INTERVAL_MS = 10_000;

/** Grants leases: the store's in the daemon, a fake in tests. */
export type LeaseGrantor = (ttlSeconds: number) => Promise<Lease>;

export interface HeartbeatOptions {
  networkName: string;
  host: string;
  hostIp: string;
  leases: LeaseGrantor;
  version?: string;
  intervalMs?: number;
  ttlSeconds?: number;
  now?: () => Date;
  logger?: Logger;
}

/** Starts beating for a daemon on the store's etcd. */
export function startHeartbeat(store: EtcdStore, options: Omit<HeartbeatOptions, 'leases'>): HeartbeatWriter {
  const writer = new HeartbeatWriter({ ...options, leases: (ttl) => store.lease(ttl) });
  writer.start();
  return writer;
}

/** Writes the heartbeat now and every interval; a failed beat drops the lease and the next beat takes a new one. */
export class HeartbeatWriter {
  private lease: Lease | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private failing = false;
  private stopped = false;
  private readonly log: Logger;
  readonly key: string;

  constructor(private readonly options: HeartbeatOptions) {
    this.key = heartbeatKey(options.networkName, options.hostIp);
    this.log = (options.logger ?? silentLogger).child({ component: 'heartbeat' });
  }

  start(): void {
    this.schedule(0);
  }

  /** Stops beating and revokes the lease, so the entry disappears at once rather than after the TTL. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    const lease = this.lease;
    this.lease = null;
    await lease?.revoke().catch(() => undefined);
  }

  /** One beat; resolves once it was written or failed (failures are logged once per outage). */
  beat(): Promise<void> {
    this.running = this.running.then(() => this.writeBeat());
    return this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.beat().then(() => this.schedule(this.options.intervalMs ?? HEARTBEAT_INTERVAL_MS));
    }, delayMs);
  }

  private async writeBeat(): Promise<void> {
    if (this.stopped) return;
    const value = serializeHeartbeat({
      host: this.options.host, version: this.options.version ?? packageVersion(), pipelineVersion: PIPELINE_VERSION,
      time: (this.options.now?.() ?? new Date()).toISOString(),
    });
    try {
      if (this.lease === null) {
        this.lease = await this.options.leases(this.options.ttlSeconds ?? HEARTBEAT_TTL_SECONDS);
      } else {
        await this.lease.keepAlive();
      }
      await this.lease.put(this.key, value);
      if (this.failing) this.log.info('heartbeat restored', { key: this.key });
      this.failing = false;
    } catch (error) {
      // A lease that may have expired is not reused: the next beat grants a fresh one.
      this.lease = null;
      if (!this.failing) this.log.warn('heartbeat not written; retrying', { key: this.key, error: messageOf(error) });
      this.failing = true;
    }
  }
}
