// What the node agent takes from the API server: every service, the pods scheduled to this node, its Node, and namespaces.
import { type BackoffOptions, Informer, type KubeClient, type KubeNamespace, type KubePod, namespaces } from '../../k8s/index.js';
import type { Logger } from '../../log.js';
import { OwnNode } from './own-node.js';
import { NodePods, type PodDirectory } from './pod-directory.js';
import { type ServiceSink, ServiceSync } from './service-sync.js';

export type { PodDirectory } from './pod-directory.js';
export type { ServiceSink } from './service-sync.js';

export interface NodeSyncOptions {
  /** This node's name, as its Node object and the pods' spec.nodeName say it. */
  nodeName: string;
  services: ServiceSink;
  /**
   * After every (re)list of this node's pods, with all of them; held back while the API server has no
   * Node of this name (the list would be empty however many pods run here) and run once it has.
   */
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
  private readonly ownNode: OwnNode;
  /** Namespaces, for their annotations (a default IP pool). */
  private readonly namespaces: Informer<KubeNamespace>;

  constructor(client: KubeClient, options: NodeSyncOptions) {
    const { logger, informerBackoff } = options;
    this.services = new ServiceSync(client, options.services, { retry: options.retry, informerBackoff, logger });
    this.ownNode = new OwnNode(client, { nodeName: options.nodeName, found: () => this.nodePods.replayHeld(), informerBackoff, logger });
    this.nodePods = new NodePods(client, {
      nodeName: options.nodeName, podsSynced: options.podsSynced, mayReclaim: () => this.ownNode.known,
      waitMs: options.podWaitMs, informerBackoff, logger,
    });
    this.pods = this.nodePods;
    this.namespaces = new Informer(client, namespaces, {}, { logger, backoff: informerBackoff });
  }

  /** Whether the node's watches (services, this node's pods, its Node, namespaces) reach the API server. */
  get connected(): boolean {
    return this.services.connected && this.nodePods.connected && this.ownNode.connected && this.namespaces.connected;
  }

  /** Whether the API server has a Node of this daemon's name: only then does its pod list speak for the node. */
  get nodeKnown(): boolean {
    return this.ownNode.known;
  }

  /** A namespace's annotations; undefined for a namespace not (yet) listed. */
  namespaceAnnotations(name: string): Readonly<Record<string, string>> | undefined {
    return this.namespaces.get(name)?.annotations;
  }

  start(): void {
    this.services.start();
    this.ownNode.start();
    this.nodePods.start();
    this.namespaces.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.services.stop(), this.nodePods.stop(), this.ownNode.stop(), this.namespaces.stop()]);
  }

  /** Resolves once services, pods, the Node and namespaces have been listed. */
  async whenSynced(): Promise<void> {
    await Promise.all([this.services.whenSynced(), this.nodePods.whenSynced(), this.ownNode.whenSynced(), this.namespaces.whenSynced()]);
  }
}
