// What NetworkPolicy needs from the API server, across the cluster: the policies, every pod (labels, address, named
// ports) and every namespace's labels. Any change wakes the node's policies, which recompute from these caches.
import {
  type BackoffOptions, Informer, type KubeClient, type KubeNamespace, type KubeNetworkPolicy, type KubePod,
  namespaces, networkPolicies, pods,
} from '../../k8s/index.js';
import type { Logger } from '../../log.js';
import type { PolicySource } from '../node/policies.js';
import type { Labels } from '../policy/selector.js';

export interface PolicySyncOptions {
  /** After any change to a policy, a pod or a namespace (after the first list of all three). */
  changed(): void;
  informerBackoff?: BackoffOptions;
  logger?: Logger;
}

export class PolicySync implements PolicySource {
  private readonly policyInformer: Informer<KubeNetworkPolicy>;
  private readonly podInformer: Informer<KubePod>;
  private readonly namespaceInformer: Informer<KubeNamespace>;
  constructor(client: KubeClient, options: PolicySyncOptions) {
    // Until all three are listed, a partial view would isolate too much or too little: wait for the first complete one.
    const changed = () => { if (this.informers.every((informer) => informer.hasSynced)) options.changed(); };
    const handlers = { added: changed, updated: changed, deleted: changed, synced: changed };
    const settings = { ...(options.logger ? { logger: options.logger } : {}), ...(options.informerBackoff ? { backoff: options.informerBackoff } : {}) };
    this.policyInformer = new Informer(client, networkPolicies, handlers, settings);
    this.podInformer = new Informer(client, pods, handlers, settings);
    this.namespaceInformer = new Informer(client, namespaces, handlers, settings);
  }

  get connected(): boolean {
    return this.informers.every((informer) => informer.connected);
  }

  start(): void {
    for (const informer of this.informers) informer.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map((informer) => informer.stop()));
  }

  /** Resolves once policies, pods and namespaces have all been listed. */
  async whenSynced(): Promise<void> {
    await Promise.all(this.informers.map((informer) => informer.whenSynced()));
  }

  policies(): readonly KubeNetworkPolicy[] {
    return this.policyInformer.list();
  }

  pods(): readonly KubePod[] {
    return this.podInformer.list();
  }

  namespaceLabels(): ReadonlyMap<string, Labels> {
    return new Map(this.namespaceInformer.list().map((namespace) => [namespace.name, namespace.labels]));
  }

  private get informers(): ReadonlyArray<Informer<unknown>> {
    return [this.policyInformer, this.podInformer, this.namespaceInformer] as ReadonlyArray<Informer<unknown>>;
  }
}

/**
 * In a mode that ignores NetworkPolicy, says so once at start when policies exist: their authors believe their pods
 * are protected. A failure to list (no RBAC for them) is only logged at debug level: the mode needs no policies.
 */
export async function warnIgnoredPolicies(client: KubeClient, plugin: string, logger: Logger): Promise<void> {
  try {
    const list = await networkPolicies.list(client, {});
    const names = list.items.map((item) => `${item.metadata?.namespace ?? ''}/${item.metadata?.name ?? ''}`);
    if (names.length === 0) return;
    logger.warn(`${names.length} NetworkPolicies exist (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}) `
      + `but PluginName ${plugin} ignores NetworkPolicy: nothing they isolate is isolated; use k8s-ovs-networkpolicy `
      + 'or k8s-ovs-multitenant to enforce them');
  } catch (error) {
    logger.debug(`could not list NetworkPolicies: ${error instanceof Error ? error.message : String(error)}`);
  }
}
