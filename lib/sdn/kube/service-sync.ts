// Keeps a node's service sink (its service flows) equal to the API server's services with a ClusterIP.
import { Backoff, type BackoffOptions, Informer, type KubeClient, type KubeService, services } from '../../k8s/index.js';
import { type Logger, silentLogger } from '../../log.js';
import { messageOf } from '../../errors.js';

/** Where services go; each call is idempotent, and calls arrive one at a time, in order. */
export interface ServiceSink {
  setService(service: KubeService): Promise<void>;
  removeService(namespace: string, name: string): Promise<void>;
  /** Exactly these services: called after every (re)list, so services deleted unseen go away. */
  replaceServices(all: KubeService[]): Promise<void>;
}

export interface ServiceSyncOptions {
  /** Delays between full replaces after a sink call failed (default 200 ms doubling to 10 s). */
  retry?: BackoffOptions | undefined;
  informerBackoff?: BackoffOptions | undefined;
  logger?: Logger | undefined;
}

export class ServiceSync {
  private readonly informer: Informer<KubeService>;

  get connected(): boolean {
    return this.informer.connected;
  }
  private readonly backoff: Backoff;
  private readonly logger: Logger;
  private chain: Promise<void> = Promise.resolve();
  /** A sink call failed: incremental calls would build on an unknown state, so only a replace repairs it. */
  private broken = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(client: KubeClient, private readonly sink: ServiceSink, options: ServiceSyncOptions = {}) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'service-sync' });
    this.backoff = new Backoff(options.retry ?? { initialMs: 200, maxMs: 10_000 });
    this.informer = new Informer(client, services, {
      added: (service) => this.incremental(() => sink.setService(service)),
      updated: (service) => this.incremental(() => sink.setService(service)),
      deleted: (service) => this.incremental(() => sink.removeService(service.namespace, service.name)),
      synced: () => this.replace(),
    }, { logger: options.logger, backoff: options.informerBackoff });
  }

  start(): void {
    this.informer.start();
  }

  /** Stops watching; resolves once no sink call is running. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.informer.stop();
    await this.chain;
  }

  whenSynced(): Promise<void> {
    return this.informer.whenSynced();
  }

  private incremental(call: () => Promise<void>): void {
    // The first list's adds are covered by the replace that follows it.
    if (this.informer.hasSynced) this.submit(call, false);
  }

  private replace(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.submit(() => this.sink.replaceServices(this.informer.list()), true);
  }

  private submit(call: () => Promise<void>, isReplace: boolean): void {
    this.chain = this.chain.then(async () => {
      if (this.stopped || (this.broken && !isReplace)) return;
      try {
        await call();
      } catch (error) {
        this.failed(error);
        return;
      }
      if (isReplace && this.broken) {
        this.broken = false;
        this.backoff.reset();
        this.logger.info('service sink recovered', { services: this.informer.list().length });
      }
    });
  }

  private failed(error: unknown): void {
    if (!this.broken) this.logger.warn('service sink failed; retrying with a full replace', { error: messageOf(error) });
    this.broken = true;
    if (this.retryTimer === null && !this.stopped) this.retryTimer = setTimeout(() => this.replace(), this.backoff.next());
  }
}
