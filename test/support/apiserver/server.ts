// The test API server: its HTTP listener, the in-process test controls and its lifecycle (stop, restart).
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import type { TokenTable } from './authorizer.js';
import type { DeleteOptions } from './deletion.js';
import { kubeConfigFor, writeKubeconfig } from './kubeconfig.js';
import { ObjectStore } from './object-store.js';
import { Registry } from './registry.js';
import type { RequestRecord } from './router.js';
import { ApiRouter } from './router.js';
import { ServiceIpAllocator } from './service-ips.js';
import type { KubeObject, ResourceName } from './types.js';
import type { WatchStream } from './watch-stream.js';

export interface TestApiServerOptions {
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** Port to listen on; default 0 (any free port). */
  port?: number;
  /** How many changes a watch can resume across; older resourceVersions get 410 Expired. Default 1000. */
  historyCapacity?: number;
  /** Period of BOOKMARK events for watches that allow them; default 60 s, about the real server's. */
  bookmarkIntervalMs?: number;
  /** Range ClusterIPs are allocated from; default 10.96.0.0/12. */
  serviceCidr?: string;
  /** Create what every cluster has: the four system namespaces and default/kubernetes. Default true. */
  bootstrap?: boolean;
  /** Serve HTTPS with this certificate and key (PEM) instead of plain HTTP. */
  tls?: { cert: string; key: string };
  /** Bearer tokens and the RBAC rules each may use; requests without a token stay unrestricted. */
  tokens?: TokenTable;
}

export interface RestartOptions {
  /** Give every object a new resourceVersion, so that no earlier one can be resumed from. */
  resetResourceVersions?: boolean;
  /** Runs while the server is down: changes made here reach watchers only through a relist. */
  whileDown?: () => void | Promise<void>;
}

const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export class TestApiServer {
  /** Every request received, oldest first. */
  readonly requests: RequestRecord[] = [];
  private readonly store: ObjectStore;
  private readonly registry: Registry;
  private readonly router: ApiRouter;
  private readonly watches = new Set<WatchStream>();
  private listener?: Server;
  private port: number;

  private constructor(private readonly options: Required<Omit<TestApiServerOptions, 'tls'>> & Pick<TestApiServerOptions, 'tls'>) {
    const serviceIps = new ServiceIpAllocator(options.serviceCidr);
    this.store = new ObjectStore(options.historyCapacity);
    this.registry = new Registry(this.store, serviceIps);
    this.port = options.port;
    this.router = new ApiRouter({
      store: this.store,
      registry: this.registry,
      bookmarkIntervalMs: options.bookmarkIntervalMs,
      serverAddress: () => `${this.hostForUrl}:${this.port}`,
      trackWatch: (stream) => {
        this.watches.add(stream);
        stream.start(() => this.watches.delete(stream));
      },
      record: (entry) => this.requests.push(entry),
      tokens: options.tokens,
    });
    if (options.bootstrap) this.bootstrap(serviceIps.firstAddress);
  }

  static async start(options: TestApiServerOptions = {}): Promise<TestApiServer> {
    const server = new TestApiServer({
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      historyCapacity: options.historyCapacity ?? 1000,
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
      serviceCidr: options.serviceCidr ?? '10.96.0.0/12',
      bootstrap: options.bootstrap ?? true,
      tokens: options.tokens ?? {},
      ...(options.tls ? { tls: options.tls } : {}),
    });
    await server.listen(server.port);
    return server;
  }

  /** The base URL clients use, e.g. http://127.0.0.1:41234 (https with `tls`). */
  get url(): string {
    return `${this.options.tls ? 'https' : 'http'}://${this.hostForUrl}:${this.port}`;
  }

  /** The current resourceVersion, as a list would report it. */
  get resourceVersion(): string {
    return String(this.store.currentRevision);
  }

  /** Creates an object as every controller at once would: a given status is kept. */
  create(resource: ResourceName, object: object): KubeObject {
    return this.registry.create(resource, object, 'object');
  }

  /** Replaces spec, metadata and (if given) status; a set metadata.resourceVersion must be current. */
  update(resource: ResourceName, object: object): KubeObject {
    return this.registry.update(resource, object, 'object');
  }

  /**
   * Deletes an object, by default at once, as if its kubelet had confirmed (grace period 0).
   * Returns the deleted state, or the state still waiting on a grace period or finalizers.
   */
  delete(resource: ResourceName, name: string, namespace?: string, options: DeleteOptions = { gracePeriodSeconds: 0 }): KubeObject {
    return this.registry.delete({ resource, name, namespace }, options).object;
  }

  get(resource: ResourceName, name: string, namespace?: string): KubeObject | undefined {
    return this.store.get({ resource, name, namespace });
  }

  list(resource: ResourceName, namespace?: string): KubeObject[] {
    return this.store.list(resource, namespace);
  }

  /** Drops the change history, as etcd compaction does: a watch from an older resourceVersion gets 410. */
  compact(): void {
    this.store.compact();
  }

  /** Ends every open watch cleanly, as the real server does when a watch's timeout expires. */
  async closeWatches(): Promise<void> {
    await Promise.all([...this.watches].map((stream) => stream.close()));
  }

  /** How many watches are open, optionally only those on one resource. */
  activeWatches(resource?: ResourceName): number {
    return [...this.watches].filter((stream) => resource === undefined || stream.resource === resource).length;
  }

  /**
   * Stops listening, ends every watch, runs `whileDown`, and listens again on the same port.
   * Like a real restart, the watch cache starts afresh: only the current resourceVersion
   * (or none, with `resetResourceVersions`) can be resumed; anything older gets 410 Expired.
   */
  async restart(options: RestartOptions = {}): Promise<void> {
    await this.shutdown();
    await options.whileDown?.();
    if (options.resetResourceVersions) this.store.restampAll();
    else this.store.compact();
    await this.listen(this.port);
  }

  /** Ends every watch and connection and closes the listener; safe to call twice. */
  async stop(): Promise<void> {
    await this.shutdown();
  }

  kubeConfig(): KubeConfig {
    return kubeConfigFor(this.url);
  }

  async writeKubeconfig(path: string): Promise<void> {
    await writeKubeconfig(path, this.url);
  }

  private get hostForUrl(): string {
    return this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
  }

  private bootstrap(kubernetesServiceIp: string): void {
    for (const name of systemNamespaces) this.create('namespaces', { metadata: { name } });
    this.create('services', {
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { clusterIP: kubernetesServiceIp, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] },
    });
  }

  private async listen(port: number): Promise<void> {
    const listener = this.options.tls ? createTlsServer(this.options.tls, this.router.handle) : createServer(this.router.handle);
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(port, this.options.host, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    this.port = (listener.address() as AddressInfo).port;
    this.listener = listener;
  }

  private async shutdown(): Promise<void> {
    const listener = this.listener;
    if (!listener) return;
    this.listener = undefined;
    const closed = new Promise<void>((resolve, reject) => listener.close((error) => (error ? reject(error) : resolve())));
    // Watches end cleanly first, as in a graceful shutdown; then idle keep-alive connections go.
    await this.closeWatches();
    listener.closeAllConnections();
    await closed;
  }
}
