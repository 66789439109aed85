// Reads and writes with the real server's semantics; both HTTP handlers and the test controls go through here.
import { randomUUID } from 'node:crypto';
import { ApiError } from './api-error.js';
import type { DeleteOptions, DeleteOutcome } from './deletion.js';
import { DeletionLifecycle } from './deletion.js';
import { assignName, parseObject } from './object-input.js';
import type { ObjectStore } from './object-store.js';
import { descriptors } from './resources.js';
import type { ServiceIpAllocator } from './service-ips.js';
import type { WriteScope } from './strategy.js';
import { prepareForCreate, prepareForUpdate } from './strategy.js';
import type { KubeObject, ObjectRef, ResourceName } from './types.js';
import { isJsonObject, jsonEqual, timestamp } from './types.js';

/** The object named in the URL of a REST write; absent for in-process writes. */
export interface PathTarget {
  namespace?: string | undefined;
  name?: string | undefined;
}

export class Registry {
  private readonly deletion: DeletionLifecycle;

  constructor(
    private readonly store: ObjectStore,
    private readonly serviceIps: ServiceIpAllocator,
  ) {
    this.deletion = new DeletionLifecycle(store, serviceIps);
  }

  get(ref: ObjectRef): KubeObject {
    const object = this.store.get(ref);
    if (!object) throw ApiError.notFound(ref.resource, ref.name);
    return object;
  }

  create(resource: ResourceName, body: unknown, scope: WriteScope, target: PathTarget = {}): KubeObject {
    const descriptor = descriptors[resource];
    const object = parseObject(descriptor, body, target.namespace);
    if (object.metadata.resourceVersion) {
      throw ApiError.internal('resourceVersion should not be set on objects to be created');
    }
    assignName(descriptor, object);
    const ref = { resource, name: object.metadata.name, namespace: object.metadata.namespace };
    if (this.store.get(ref)) throw ApiError.alreadyExists(resource, ref.name);
    if (ref.namespace !== undefined) this.checkNamespaceAcceptsContent(resource, ref.name, ref.namespace);
    object.metadata.uid = randomUUID();
    object.metadata.creationTimestamp = timestamp();
    delete object.metadata.deletionTimestamp;
    delete object.metadata.deletionGracePeriodSeconds;
    prepareForCreate(resource, object, scope, this.serviceIps);
    return this.store.put(resource, object);
  }

  /**
   * Replaces an object. A non-empty metadata.resourceVersion in the body is a precondition
   * (409 Conflict when stale); an empty one updates unconditionally, as core/v1 allows.
   */
  update(resource: ResourceName, body: unknown, scope: WriteScope, target: PathTarget = {}): KubeObject {
    const descriptor = descriptors[resource];
    const input = parseObject(descriptor, body, target.namespace);
    if (target.name && input.metadata.name && input.metadata.name !== target.name) {
      throw ApiError.badRequest(`the name of the object (${input.metadata.name}) does not match the name on the URL (${target.name})`);
    }
    const name = target.name ?? input.metadata.name;
    if (!name) throw ApiError.invalid(descriptor.kind, '', 'metadata.name', 'Required value: name is required');
    const ref = { resource, name, namespace: input.metadata.namespace };
    const existing = this.get(ref);
    const precondition = input.metadata.resourceVersion;
    if (precondition && precondition !== existing.metadata.resourceVersion) throw ApiError.modified(resource, name);
    const next = compose(input, existing, scope);
    prepareForUpdate(resource, next, existing, scope);
    // An update that changes nothing is not written: no new resourceVersion, no watch event.
    if (jsonEqual(next, existing)) return existing;
    const stored = this.store.put(resource, next);
    return this.deletion.finishIfReady(ref, stored) ?? stored;
  }

  delete(ref: ObjectRef, options: DeleteOptions): DeleteOutcome {
    return this.deletion.delete(ref, options);
  }

  /** The pods/binding subresource: the scheduler's one way to set spec.nodeName. */
  bind(ref: ObjectRef, body: unknown): KubeObject {
    const target = isJsonObject(body) && isJsonObject(body.target) ? body.target.name : undefined;
    if (typeof target !== 'string' || target === '') {
      throw ApiError.invalid('Binding', ref.name, 'target.name', 'Required value');
    }
    const pod = this.get(ref);
    if (pod.metadata.deletionTimestamp !== undefined) {
      throw ApiError.conflict('pods/binding', ref.name, `pod ${ref.name} is being deleted, cannot be assigned to a host`);
    }
    const assigned = pod.spec?.nodeName;
    if (typeof assigned === 'string' && assigned !== '') {
      throw ApiError.conflict('pods/binding', ref.name, `pod ${ref.name} is already assigned to node "${assigned}"`);
    }
    pod.spec = { ...pod.spec, nodeName: target };
    return this.store.put('pods', pod);
  }

  /** The NamespaceLifecycle admission plugin: no new content in a missing or terminating namespace. */
  private checkNamespaceAcceptsContent(resource: ResourceName, name: string, namespace: string): void {
    const owner = this.store.get({ resource: 'namespaces', name: namespace });
    if (!owner) throw ApiError.notFound('namespaces', namespace);
    if (owner.metadata.deletionTimestamp !== undefined) {
      throw ApiError.forbidden(resource, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }
}

/** The object an update would store: the body's fields within `scope`, the server's fields from `existing`. */
function compose(input: KubeObject, existing: KubeObject, scope: WriteScope): KubeObject {
  const base = scope === 'status' ? existing : input;
  const status = scope === 'spec' || (scope === 'object' && input.status === undefined) ? existing.status : input.status;
  const source = base.metadata;
  return {
    ...base,
    status,
    metadata: {
      ...source,
      name: existing.metadata.name,
      namespace: existing.metadata.namespace,
      uid: existing.metadata.uid,
      creationTimestamp: existing.metadata.creationTimestamp,
      resourceVersion: existing.metadata.resourceVersion,
      deletionTimestamp: existing.metadata.deletionTimestamp,
      deletionGracePeriodSeconds: existing.metadata.deletionGracePeriodSeconds,
    },
  };
}
