// Deletion as the real server does it: preconditions, graceful pod deletion, finalizers, namespace teardown.
import { ApiError } from './api-error.js';
import type { ObjectStore } from './object-store.js';
import type { ServiceIpAllocator } from './service-ips.js';
import { releaseOnRemoval } from './strategy.js';
import type { KubeObject, ObjectRef } from './types.js';
import { resourceNames, timestamp } from './types.js';
import { descriptors } from './resources.js';

/** What the namespace controller empties a deleted namespace of. */
const namespacedResources = resourceNames.filter((resource) => descriptors[resource].namespaced);

export interface DeleteOptions {
  /** Seconds a scheduled pod gets to terminate; 0 removes at once. Unset: the pod's own default. */
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** `removed` is false while the object waits for its grace period or finalizers. */
export interface DeleteOutcome {
  object: KubeObject;
  removed: boolean;
}

// The namespace controller's own entry in spec.finalizers.
const namespaceFinalizer = 'kubernetes';

export class DeletionLifecycle {
  constructor(
    private readonly store: ObjectStore,
    private readonly serviceIps: ServiceIpAllocator,
  ) {}

  delete(ref: ObjectRef, options: DeleteOptions): DeleteOutcome {
    const existing = this.store.get(ref);
    if (!existing) throw ApiError.notFound(ref.resource, ref.name);
    checkPreconditions(ref, existing, options);
    if (ref.resource === 'namespaces') return this.deleteNamespace(existing, options);
    return this.deleteObject(ref, existing, options, true);
  }

  /**
   * Called after an update: an object marked for deletion whose last finalizer was just
   * removed (and whose grace period is over) goes now. Returns the removed state, if so.
   */
  finishIfReady(ref: ObjectRef, object: KubeObject): KubeObject | undefined {
    const metadata = object.metadata;
    if (metadata.deletionTimestamp === undefined || metadata.finalizers?.length) return undefined;
    if (ref.resource === 'namespaces') return this.finalizeNamespaceIfEmpty(ref.name);
    if ((metadata.deletionGracePeriodSeconds ?? 0) !== 0) return undefined;
    return this.remove(ref);
  }

  private deleteObject(ref: ObjectRef, existing: KubeObject, options: DeleteOptions, finalizeNamespace: boolean): DeleteOutcome {
    const grace = gracePeriod(ref, existing, options);
    if (grace === 0 && !existing.metadata.finalizers?.length) {
      return { object: this.remove(ref, finalizeNamespace), removed: true };
    }
    return { object: this.markDeleting(ref, existing, grace), removed: false };
  }

  private markDeleting(ref: ObjectRef, existing: KubeObject, grace: number): KubeObject {
    const pending = existing.metadata.deletionGracePeriodSeconds;
    // A repeated delete can only shorten the time left, never extend it.
    if (existing.metadata.deletionTimestamp !== undefined && pending !== undefined && grace >= pending) return existing;
    const next = structuredClone(existing);
    next.metadata.deletionTimestamp = timestamp(new Date(Date.now() + grace * 1000));
    next.metadata.deletionGracePeriodSeconds = grace;
    return this.store.put(ref.resource, next);
  }

  private deleteNamespace(existing: KubeObject, options: DeleteOptions): DeleteOutcome {
    const name = existing.metadata.name;
    if (existing.metadata.deletionTimestamp === undefined) {
      const terminating = structuredClone(existing);
      terminating.metadata.deletionTimestamp = timestamp();
      terminating.metadata.deletionGracePeriodSeconds = 0;
      terminating.status = { ...terminating.status, phase: 'Terminating' };
      this.store.put('namespaces', terminating);
    }
    // The namespace controller deletes the contents with the caller's grace period, on every
    // pass; a pod that is still terminating keeps the namespace until its kubelet is done.
    for (const resource of namespacedResources) {
      for (const object of this.store.list(resource, name)) {
        const ref = { resource, name: object.metadata.name, namespace: name };
        this.deleteObject(ref, object, { gracePeriodSeconds: options.gracePeriodSeconds }, false);
      }
    }
    const removed = this.finalizeNamespaceIfEmpty(name);
    if (removed) return { object: removed, removed: true };
    return { object: this.store.get({ resource: 'namespaces', name })!, removed: false };
  }

  private finalizeNamespaceIfEmpty(name: string): KubeObject | undefined {
    const ref: ObjectRef = { resource: 'namespaces', name };
    const namespace = this.store.get(ref);
    if (namespace?.metadata.deletionTimestamp === undefined) return undefined;
    if (namespacedResources.some((resource) => this.store.list(resource, name).length > 0)) return undefined;
    const finalizers = namespace.spec?.finalizers;
    if (Array.isArray(finalizers) && finalizers.includes(namespaceFinalizer)) {
      namespace.spec = { ...namespace.spec, finalizers: finalizers.filter((entry) => entry !== namespaceFinalizer) };
      this.store.put('namespaces', namespace);
    }
    const remaining = namespace.spec?.finalizers;
    if ((Array.isArray(remaining) && remaining.length > 0) || namespace.metadata.finalizers?.length) return undefined;
    return this.remove(ref);
  }

  /** `finalizeNamespace` is false while the namespace itself is emptying, which finalizes once at the end. */
  private remove(ref: ObjectRef, finalizeNamespace = true): KubeObject {
    const removed = this.store.remove(ref)!;
    releaseOnRemoval(ref.resource, removed, this.serviceIps);
    if (finalizeNamespace && ref.namespace !== undefined) this.finalizeNamespaceIfEmpty(ref.namespace);
    return removed;
  }
}

function checkPreconditions(ref: ObjectRef, existing: KubeObject, options: DeleteOptions): void {
  const { uid, resourceVersion } = options.preconditions ?? {};
  if (uid && uid !== existing.metadata.uid) {
    throw ApiError.conflict(ref.resource, ref.name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${existing.metadata.uid}`);
  }
  if (resourceVersion && resourceVersion !== existing.metadata.resourceVersion) {
    throw ApiError.conflict(
      ref.resource,
      ref.name,
      `Precondition failed: ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${existing.metadata.resourceVersion}`,
    );
  }
}

/** Only a running pod waits: nothing else has a kubelet that must confirm it stopped. */
function gracePeriod(ref: ObjectRef, object: KubeObject, options: DeleteOptions): number {
  if (ref.resource !== 'pods') return 0;
  const phase = object.status?.phase;
  if (!object.spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  const requested = options.gracePeriodSeconds ?? object.spec?.terminationGracePeriodSeconds ?? 30;
  return typeof requested === 'number' && requested > 0 ? Math.floor(requested) : 0;
}
