// Feeds the master from the API server: each namespace gets a NetNamespace, each node a HostSubnet.
import {
  type BackoffOptions, Informer, InformerStoppedError, type KubeClient, type KubeNamespace, type KubeNode, namespaces, nodes,
} from '../../k8s/index.js';
import { type Logger, silentLogger } from '../../log.js';
import { NotLeaderError } from '../master/master.js';
import { RetryQueue } from './retry-queue.js';

/** The master's inputs, as lib/sdn/master/master.ts's Master offers them. */
export interface MasterInputs {
  readonly leading: boolean;
  onLeadershipChange(listener: (leading: boolean) => void): () => void;
  whenLoaded(): Promise<void>;
  ensureNodeSubnet(host: string, hostIp: string): Promise<unknown>;
  releaseNodeSubnet(hostIp: string): Promise<void>;
  ensureNamespace(namespace: string): Promise<unknown>;
  releaseNamespace(namespace: string): Promise<void>;
}

export interface MasterSyncOptions {
  /** Names of the NetNamespaces in etcd: at resync, those whose namespace is gone are released. */
  listNetNamespaces(): Promise<string[]>;
  /** Delays between retries of a failed master call (default 200 ms doubling to 10 s). */
  retry?: BackoffOptions | undefined;
  /** Delays between reconnections to the API server (default 100 ms doubling to 5 s). */
  informerBackoff?: BackoffOptions | undefined;
  logger?: Logger | undefined;
}

const RESYNC = 'resync';
const namespaceKey = (name: string) => `namespace/${name}`;
const hostKey = (hostIp: string) => `hostip/${hostIp}`;

/**
 * Work is keyed by namespace name and by node IP, and each run reads the informers' current
 * state, so a burst of events collapses into one master call with the latest answer.
 */
export class MasterSync {
  private readonly namespaces: Informer<KubeNamespace>;
  private readonly nodes: Informer<KubeNode>;
  private readonly queue: RetryQueue;
  private readonly logger: Logger;
  /**
   * IPs a Node gave up (deleted, or its InternalIP changed). Only these subnets are released:
   * hosts registered outside Kubernetes ("Assign":true) are no Node and must keep theirs.
   */
  private readonly abandoned = new Set<string>();
  /** Until the resync of a term has read the caches, events add nothing it will not cover. */
  private resynced = false;
  private unsubscribe: (() => void) | null = null;

  constructor(client: KubeClient, private readonly master: MasterInputs, private readonly options: MasterSyncOptions) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'master-sync' });
    const informerOptions = { logger: options.logger, backoff: options.informerBackoff };
    this.namespaces = new Informer(client, namespaces, {
      added: (namespace) => this.enqueue(namespaceKey(namespace.name)),
      deleted: (namespace) => this.enqueue(namespaceKey(namespace.name)),
    }, informerOptions);
    this.nodes = new Informer(client, nodes, {
      added: (node) => this.nodeChanged(node, null),
      updated: (node, previous) => this.nodeChanged(node, previous),
      deleted: (node) => this.nodeChanged(null, node),
    }, informerOptions);
    this.queue = new RetryQueue({
      reconcile: (key) => this.reconcile(key),
      isDropped: (error) => error instanceof NotLeaderError || error instanceof InformerStoppedError,
      backoff: options.retry,
      logger: this.logger,
      what: 'master calls',
    });
  }

  start(): void {
    this.unsubscribe = this.master.onLeadershipChange((leading) => this.leadershipChanged(leading));
    this.namespaces.start();
    this.nodes.start();
    if (this.master.leading) this.queue.add(RESYNC);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.queue.stop();
    await Promise.all([this.namespaces.stop(), this.nodes.stop()]);
  }

  /** Resolves once both informers have listed (tests, readiness). */
  async whenSynced(): Promise<void> {
    await Promise.all([this.namespaces.whenSynced(), this.nodes.whenSynced()]);
  }

  private leadershipChanged(leading: boolean): void {
    // A deposed master's queued calls would only fail; the next leader resyncs from scratch.
    this.queue.clear();
    this.resynced = false;
    if (leading) this.queue.add(RESYNC);
  }

  private enqueue(key: string): void {
    if (this.master.leading && this.resynced) this.queue.add(key);
  }

  private nodeChanged(node: KubeNode | null, previous: KubeNode | null): void {
    const oldIp = previous?.internalIp ?? null;
    const newIp = node?.internalIp ?? null;
    if (oldIp === newIp && node !== null) return;
    if (oldIp !== null) {
      this.abandoned.add(oldIp);
      this.enqueue(hostKey(oldIp));
    }
    if (newIp !== null) this.enqueue(hostKey(newIp));
  }

  private async reconcile(key: string): Promise<void> {
    if (key === RESYNC) return this.resync();
    const slash = key.indexOf('/');
    const kind = key.slice(0, slash);
    const name = key.slice(slash + 1);
    if (kind === 'namespace') return this.reconcileNamespace(name);
    return this.reconcileHost(name);
  }

  /** After an election or a start: every namespace and node is ensured, vanished namespaces released. */
  private async resync(): Promise<void> {
    await this.master.whenLoaded();
    await this.whenSynced();
    const stored = await this.options.listNetNamespaces();
    const live = this.namespaces.list().map((namespace) => namespace.name);
    const gone = stored.filter((name) => this.namespaces.get(name) === undefined);
    const hostIps = this.nodes.list().flatMap((node) => (node.internalIp === null ? [] : [node.internalIp]));
    this.logger.info('resyncing the master with the API server', {
      namespaces: live.length, released: gone.length, nodes: hostIps.length, abandonedSubnets: this.abandoned.size,
    });
    for (const name of [...live, ...gone]) this.queue.add(namespaceKey(name));
    for (const hostIp of [...hostIps, ...this.abandoned]) this.queue.add(hostKey(hostIp));
    this.resynced = true;
  }

  private async reconcileNamespace(name: string): Promise<void> {
    if (this.namespaces.get(name) !== undefined) await this.master.ensureNamespace(name);
    else await this.master.releaseNamespace(name);
  }

  private async reconcileHost(hostIp: string): Promise<void> {
    const node = this.nodes.list().find((each) => each.internalIp === hostIp);
    if (node) {
      // Before the call: a delete arriving meanwhile must be able to mark the IP abandoned again.
      this.abandoned.delete(hostIp);
      await this.master.ensureNodeSubnet(node.name, hostIp);
    } else if (this.abandoned.has(hostIp)) {
      await this.master.releaseNodeSubnet(hostIp);
      this.abandoned.delete(hostIp);
    }
  }
}
