// The pods on this node, as the CNI server and the cleanup of vanished pods ask about them.
import { type BackoffOptions, Informer, type KubeClient, type KubePod, objectKey, pods } from '../../k8s/index.js';
import { type Logger, silentLogger } from '../../log.js';

export interface PodDirectory {
  /**
   * The pod, waiting briefly for one the watch has not delivered yet: the kubelet calls CNI ADD
   * right after the pod is bound. undefined if it still is not there.
   */
  pod(namespace: string, name: string): Promise<KubePod | undefined>;
  annotations(namespace: string, name: string): Promise<Readonly<Record<string, string>> | undefined>;
  /** Whether the pod exists now (false for every pod before the first list). */
  has(namespace: string, name: string): boolean;
  /** The pod of this node whose status names this IPv4 address, if the list holds one. */
  byIp(ip: string): KubePod | undefined;
  liveUids(): ReadonlySet<string>;
}

export interface NodePodsOptions {
  nodeName: string;
  /**
   * After every (re)list, with all pods of the node: reclaim what belongs to pods not among them,
   * sparing attachments made since the list began (their pod may not have reached the cache).
   */
  podsSynced?(pods: KubePod[]): void | Promise<void>;
  /** Whether podsSynced may run now; a list that arrives while it may not is replayed by replayHeld(). */
  mayReclaim?(): boolean;
  /** How long pod() waits for a pod it has not seen (default 2 s). */
  waitMs?: number;
  informerBackoff?: BackoffOptions;
  logger?: Logger;
}

export class NodePods implements PodDirectory {
  private readonly informer: Informer<KubePod>;

  get connected(): boolean {
    return this.informer.connected;
  }
  private readonly logger: Logger;
  private readonly waiters = new Map<string, Set<() => void>>();
  private syncs: Promise<void> = Promise.resolve();
  private stopped = false;
  private held = false;

  constructor(client: KubeClient, private readonly options: NodePodsOptions) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'pod-directory', node: options.nodeName });
    this.informer = new Informer(client, pods, {
      added: (pod) => this.wake(objectKey(pod.name, pod.namespace)),
      synced: () => this.synced(),
    }, { fieldSelector: `spec.nodeName=${options.nodeName}`, logger: options.logger, backoff: options.informerBackoff });
  }

  start(): void {
    this.informer.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const key of [...this.waiters.keys()]) this.wake(key);
    await this.informer.stop();
    await this.syncs;
  }

  whenSynced(): Promise<void> {
    return this.informer.whenSynced();
  }

  pod(namespace: string, name: string): Promise<KubePod | undefined> {
    const found = this.informer.get(name, namespace);
    if (found || this.stopped) return Promise.resolve(found);
    const key = objectKey(name, namespace);
    return new Promise((resolve) => {
      const check = () => {
        const pod = this.informer.get(name, namespace);
        if (pod === undefined && !this.stopped) return;
        finish(pod);
      };
      const finish = (pod: KubePod | undefined) => {
        clearTimeout(timer);
        const waiting = this.waiters.get(key);
        waiting?.delete(check);
        if (waiting?.size === 0) this.waiters.delete(key);
        resolve(pod);
      };
      const timer = setTimeout(() => finish(undefined), this.options.waitMs ?? 2000);
      const waiting = this.waiters.get(key) ?? new Set();
      waiting.add(check);
      this.waiters.set(key, waiting);
    });
  }

  async annotations(namespace: string, name: string): Promise<Readonly<Record<string, string>> | undefined> {
    return (await this.pod(namespace, name))?.annotations;
  }

  has(namespace: string, name: string): boolean {
    return this.informer.get(name, namespace) !== undefined;
  }

  byIp(ip: string): KubePod | undefined {
    return this.informer.list().find((pod) => pod.ip === ip);
  }

  /** Runs podsSynced for a list that mayReclaim held back, with the pods as they are now. */
  replayHeld(): void {
    if (!this.held || !this.informer.hasSynced) return;
    this.held = false;
    this.runPodsSynced();
  }

  liveUids(): ReadonlySet<string> {
    return new Set(this.informer.list().map((pod) => pod.uid));
  }

  private wake(key: string): void {
    for (const check of [...(this.waiters.get(key) ?? [])]) check();
  }

  private synced(): void {
    for (const key of [...this.waiters.keys()]) this.wake(key);
    if (this.options.mayReclaim && !this.options.mayReclaim()) {
      this.held = true;
      return;
    }
    this.runPodsSynced();
  }

  private runPodsSynced(): void {
    const podsSynced = this.options.podsSynced;
    if (!podsSynced) return;
    // One at a time, each with the pods as they are when it runs, not as they were listed.
    this.syncs = this.syncs.then(async () => {
      if (this.stopped) return;
      const current = this.informer.list();
      try {
        await podsSynced(current);
      } catch (error) {
        this.logger.error('cleanup after pod list failed', { pods: current.length, error: (error as Error).message });
      }
    });
  }
}
