// What the master takes from the API server about StatefulSets and their pods: when retained fixed addresses go.
import {
  type BackoffOptions, Informer, type KubeClient, type KubePod, type KubeStatefulSet, ViewError, parsePod, pods, statefulSets,
} from '../../k8s/index.js';
import { type Logger, silentLogger } from '../../log.js';
import type { WorkloadView } from '../master/master.js';

/** The StatefulSet controller labels every pod it makes with this (its name). */
export const STATEFULSET_POD_LABEL = 'statefulset.kubernetes.io/pod-name';

/** The master's side, as lib/sdn/master/master.ts's Master offers it. */
export interface RetainedAddressOwner {
  recheckStatefulSet(namespace: string, name: string): Promise<void>;
  recheckRetained(): Promise<void>;
}

export interface WorkloadSyncOptions {
  informerBackoff?: BackoffOptions;
  logger?: Logger;
}

export class WorkloadSync implements WorkloadView {
  private readonly sets: Informer<KubeStatefulSet>;
  private readonly setPods: Informer<KubePod>;
  private readonly logger: Logger;

  constructor(private readonly client: KubeClient, private readonly master: RetainedAddressOwner, options: WorkloadSyncOptions = {}) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'workload-sync' });
    const informerOptions = { logger: options.logger, backoff: options.informerBackoff };
    const recheck = (namespace: string, name: string) => this.call(() => this.master.recheckStatefulSet(namespace, name));
    this.sets = new Informer(client, statefulSets, {
      updated: (set) => recheck(set.namespace, set.name),
      deleted: (set) => recheck(set.namespace, set.name),
      synced: () => this.call(() => this.master.recheckRetained()),
    }, informerOptions);
    // Only StatefulSet pods: the one kind whose going can free a retained address.
    this.setPods = new Informer(client, pods, {
      deleted: (pod) => {
        if (pod.controller?.kind === 'StatefulSet') recheck(pod.namespace, pod.controller.name);
      },
      synced: () => this.call(() => this.master.recheckRetained()),
    }, { ...informerOptions, labelSelector: STATEFULSET_POD_LABEL });
  }

  get synced(): boolean {
    return this.sets.hasSynced && this.setPods.hasSynced && this.sets.connected && this.setPods.connected;
  }

  statefulSet(namespace: string, name: string): KubeStatefulSet | undefined {
    return this.sets.get(name, namespace);
  }

  /** Asked of the API server itself: a cache may lag behind a pod created a moment ago. */
  async pod(namespace: string, name: string): Promise<{ uid: string } | null> {
    const object = await this.client.readPod(namespace, name);
    if (object === null) return null;
    try {
      return { uid: parsePod(object).uid };
    } catch (error) {
      if (error instanceof ViewError) return { uid: '' };
      throw error;
    }
  }

  start(): void {
    this.sets.start();
    this.setPods.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.sets.stop(), this.setPods.stop()]);
  }

  /** A master that does not lead has nothing to release: the leader does it. */
  private call(work: () => Promise<void>): void {
    try {
      void work().catch((error: unknown) => this.logger.debug('retained address check skipped', { error: (error as Error).message }));
    } catch (error) {
      this.logger.debug('retained address check skipped', { error: (error as Error).message });
    }
  }
}
