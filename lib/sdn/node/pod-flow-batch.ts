// Pod flow changes that arrive while the switch is busy go to it together: one bundle, one program run, for many ADDs.
import type { SerialQueue } from '../../serial-queue.js';
import type { Vnid } from '../../tenant/vnid.js';
import type { PodPort } from '../pipeline/flows.js';
import type { LocalPod, NodeDataplane } from './dataplane.js';

/** A pod as PodPorts wired it, before its flows give it a VNID. */
export type WiredPod = Omit<LocalPod, 'port'> & { port: Omit<PodPort, 'vnid'> };

/** The node's pod flows as PodPorts changes them. */
export interface PodFlows extends Pick<NodeDataplane, 'nodeNetwork' | 'pod' | 'podOf' | 'localPods' | 'rememberPod' | 'removePod'> {
  /** Installs the pod's flows with its namespace's VNID as of now; returns the pod as installed. */
  addPod(pod: WiredPod): Promise<LocalPod>;
}

/** The pod's namespace had no VNID when its flows were to be rendered (it was deleted meanwhile). */
export class NamespaceVnidError extends Error {
  override name = 'NamespaceVnidError';
  constructor(readonly namespace: string) {
    super(`namespace ${namespace} has no VNID`);
  }
}

/**
 * PodFlows on a dataplane whose namespaces are retagged through `queue`: pod changes run in that queue
 * too, and a new pod's VNID is read when its flows are rendered, not when its ADD began. A join or
 * isolate that ran while the pod was being wired has then either set the VNID read here, or comes after
 * the pod is in the model and retags it with the others.
 */
export function queuedPodFlows(dataplane: NodeDataplane, queue: SerialQueue, vnidOf: (namespace: string) => Vnid | undefined): PodFlows {
  const batch = new PodFlowBatch(dataplane, queue, vnidOf);
  return {
    get nodeNetwork() {
      return dataplane.nodeNetwork;
    },
    pod: (portName) => dataplane.pod(portName),
    podOf: (containerId, ifname) => dataplane.podOf(containerId, ifname),
    localPods: () => dataplane.localPods(),
    rememberPod: (pod) => dataplane.rememberPod(pod),
    addPod: (wired) => batch.add(wired),
    removePod: (portName) => batch.remove(portName),
  };
}

type PodChange =
  | { kind: 'add'; wired: WiredPod; resolve: (pod: LocalPod) => void; reject: (error: unknown) => void }
  | { kind: 'remove'; portName: string; resolve: () => void; reject: (error: unknown) => void };

/** Runs pod changes in `queue`, each batch taking every change that arrived while the queue was busy. */
export class PodFlowBatch {
  private pending: PodChange[] = [];

  constructor(
    private readonly dataplane: Pick<NodeDataplane, 'changePods'>,
    private readonly queue: SerialQueue,
    private readonly vnidOf: (namespace: string) => Vnid | undefined,
  ) {}

  add(wired: WiredPod): Promise<LocalPod> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'add', wired, resolve, reject }));
  }

  remove(portName: string): Promise<void> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'remove', portName, resolve, reject }));
  }

  private enqueue(change: PodChange): void {
    this.pending.push(change);
    if (this.pending.length === 1) void this.queue.run(() => this.flush());
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const ready: Array<{ change: PodChange; pod?: LocalPod }> = [];
    for (const change of batch) {
      if (change.kind === 'remove') {
        ready.push({ change });
        continue;
      }
      const vnid = this.vnidOf(change.wired.namespace);
      if (vnid === undefined) change.reject(new NamespaceVnidError(change.wired.namespace));
      else ready.push({ change, pod: { ...change.wired, port: { ...change.wired.port, vnid } } });
    }
    if (ready.length === 0) return;
    try {
      await this.apply(ready);
    } catch (error) {
      if (ready.length === 1) {
        ready[0]!.change.reject(error);
        return;
      }
      // One pod's flows must not fail the others': each goes alone, and gets its own answer.
      for (const one of ready) await this.apply([one]).catch((e: unknown) => one.change.reject(e));
    }
  }

  /** Changes the pods in one bundle and answers each; throws without answering if the bundle failed. */
  private async apply(ready: ReadonlyArray<{ change: PodChange; pod?: LocalPod }>): Promise<void> {
    const added = ready.flatMap(({ pod }) => pod ?? []);
    const removed = ready.flatMap(({ change }) => (change.kind === 'remove' ? [change.portName] : []));
    await this.dataplane.changePods(added, removed);
    for (const { change, pod } of ready) {
      if (change.kind === 'add') change.resolve(pod!);
      else change.resolve();
    }
  }
}
