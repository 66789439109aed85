// Stored objects, the single resourceVersion counter and change notification (the etcd of the test server).
import { ChangeHistory } from './history.js';
import type { ChangeEvent, KubeObject, ObjectRef, ResourceName } from './types.js';
import { cloneJson, resourceNames } from './types.js';

export type ChangeListener = (event: ChangeEvent) => void;

function storageKey(name: string, namespace: string | undefined): string {
  return `${namespace ?? ''}/${name}`;
}

export class ObjectStore {
  private revision: number;
  private readonly objects = new Map<ResourceName, Map<string, KubeObject>>(
    resourceNames.map((resource) => [resource, new Map()]),
  );
  private readonly history: ChangeHistory;
  private readonly listeners = new Set<ChangeListener>();

  constructor(historyCapacity: number, initialRevision = 1) {
    this.revision = initialRevision;
    this.history = new ChangeHistory(historyCapacity, initialRevision);
  }

  /** The revision of the last committed change, which a list reports as its resourceVersion. */
  get currentRevision(): number {
    return this.revision;
  }

  /** A copy of the stored object, or undefined. */
  get(ref: ObjectRef): KubeObject | undefined {
    const object = this.bucket(ref.resource).get(storageKey(ref.name, ref.namespace));
    return object && cloneJson(object);
  }

  /** Copies of the stored objects in key order (namespace, then name), as etcd returns them. */
  list(resource: ResourceName, namespace?: string): KubeObject[] {
    return [...this.bucket(resource).entries()]
      .filter(([, object]) => namespace === undefined || object.metadata.namespace === namespace)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, object]) => cloneJson(object));
  }

  /** Stores `object` under the next revision (ADDED if new, else MODIFIED) and returns what was stored. */
  put(resource: ResourceName, object: KubeObject): KubeObject {
    const key = storageKey(object.metadata.name, object.metadata.namespace);
    const previous = this.bucket(resource).get(key);
    const stored = cloneJson(object);
    stored.metadata.resourceVersion = String(++this.revision);
    this.bucket(resource).set(key, stored);
    this.commit({ resource, type: previous ? 'MODIFIED' : 'ADDED', revision: this.revision, object: stored, previous });
    return cloneJson(stored);
  }

  /** Removes the object; its DELETED event carries the last state under a new revision. */
  remove(ref: ObjectRef): KubeObject | undefined {
    const key = storageKey(ref.name, ref.namespace);
    const previous = this.bucket(ref.resource).get(key);
    if (!previous) return undefined;
    this.bucket(ref.resource).delete(key);
    const gone = cloneJson(previous);
    gone.metadata.resourceVersion = String(++this.revision);
    this.commit({ resource: ref.resource, type: 'DELETED', revision: this.revision, object: gone, previous });
    return cloneJson(gone);
  }

  /** The changes after `revision` (all resources); throws 410 Expired when they are no longer held. */
  changesSince(revision: number): ChangeEvent[] {
    return this.history.since(revision);
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Drops the change history: only a watch from the current revision can resume. */
  compact(): void {
    this.history.reset(this.revision);
  }

  /**
   * Gives every object a new resourceVersion without events, then compacts: every earlier
   * resourceVersion becomes unusable. The counter only moves forward, as etcd restores bump it.
   */
  restampAll(): void {
    // The bump alone invalidates the current revision too, even in an empty store.
    this.revision += 1;
    for (const resource of resourceNames) {
      for (const object of this.bucket(resource).values()) {
        object.metadata.resourceVersion = String(++this.revision);
      }
    }
    this.compact();
  }

  private commit(event: ChangeEvent): void {
    this.history.record(event);
    for (const listener of [...this.listeners]) listener(event);
  }

  private bucket(resource: ResourceName): Map<string, KubeObject> {
    return this.objects.get(resource)!;
  }
}
