// What the node agent takes from the API server: every service, and the pods scheduled to this node.
import { type BackoffOptions, Informer, type KubeClient, type KubeNamespace, type KubePod, namespaces } from '../../k8s/index.js';
import type { Logger } from '../../log.js';
import { NodePods, type PodDirectory } from './pod-directory.js';
import { type ServiceSink, ServiceSync } from './service-sync.js';

export type { PodDirectory } from './pod-directory.js';
export type { ServiceSink } from './service-sync.js';

export interface NodeSyncOptions {
  /** This node's name, as its Node object and the pods' spec.nodeName say it. */
  nodeName: string;
  services: ServiceSink;
  /** After every (re)list of this node's pods, with all of them. */
  podsSynced?(pods: KubePod[]): void | Promise<void>;
  /** How long the pod directory waits for a pod it has not seen (default 2 s). */
  podWaitMs?: number;
  /** Delays between retries of a failed service sink (default 200 ms doubling to 10 s). */
  retry?: BackoffOptions;
  informerBackoff?: BackoffOptions;
  logger?: Logger;
}

export class NodeSync {
  readonly pods: PodDirectory;
  private readonly nodePods: NodePods;
  private readonly services: ServiceSync;
  /** Namespaces, for their annotations (a default IP pool). */
  private readonly namespaces: Informer<KubeNamespace>;

  constructor(client: KubeClient, options: NodeSyncOptions) {
    const { logger, informerBackoff } = options;
    this.services = new ServiceSync(client, options.services, { retry: options.retry, informerBackoff, logger });
    this.nodePods = new NodePods(client, {
      nodeName: options.nodeName, podsSynced: options.podsSynced, waitMs: options.podWaitMs, informerBackoff, logger,
    });
    this.pods = this.nodePods;
    this.namespaces = new Informer(client, namespaces, {}, { logger, backoff: informerBackoff });
  }

  /** Whether the node's watches (services, this node's pods, namespaces) reach the API server. */
  get connected(): boolean {
    return this.services.connected && this.nodePods.connected && this.namespaces.connected;
  }

  /** A namespace's annotations; undefined for a namespace not (yet) listed. */
  namespaceAnnotations(name: string): Readonly<Record<string, string>> | undefined {
    return this.namespaces.get(name)?.annotations;
  }

  start(): void {
    this.services.start();
    this.nodePods.start();
    this.namespaces.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.services.stop(), this.nodePods.stop(), this.namespaces.stop()]);
  }

  /** Resolves once services, pods and namespaces have been listed. */
  async whenSynced(): Promise<void> {
    await Promise.all([this.services.whenSynced(), this.nodePods.whenSynced(), this.namespaces.whenSynced()]);
  }
}
