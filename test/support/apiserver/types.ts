// The JSON shapes the test API server stores and serves: core/v1, networking.k8s.io/v1 and apps/v1 objects as plain data.

export const resourceNames = ['namespaces', 'nodes', 'services', 'pods', 'networkpolicies', 'statefulsets'] as const;

/** The plural resource name as it appears in REST paths. */
export type ResourceName = (typeof resourceNames)[number];

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue | undefined;
}

export interface ObjectMeta extends JsonObject {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
}

/** A stored object: always carries apiVersion, kind and server-owned metadata. */
export interface KubeObject extends JsonObject {
  /** `v1` for the core group, `<group>/v1` for the others. */
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: JsonObject;
  status?: JsonObject;
}

/** Where an object lives: namespace is undefined for cluster-scoped resources. */
export interface ObjectRef {
  resource: ResourceName;
  name: string;
  namespace?: string;
}

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';
export type WatchEventType = ChangeType | 'BOOKMARK' | 'ERROR';

/** One committed change; `previous` is the state before a MODIFIED or DELETED. */
export interface ChangeEvent {
  resource: ResourceName;
  type: ChangeType;
  revision: number;
  object: KubeObject;
  previous?: KubeObject;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep copy through JSON: also turns client-node's Date fields into strings. */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Structural equality of JSON values; key order does not matter. */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => jsonEqual(item, b[index]));
  }
  if (!isJsonObject(a) || !isJsonObject(b)) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if (!jsonEqual(a[key], b[key])) return false;
  }
  return true;
}

/** RFC 3339 with second precision, as the API server writes timestamps. */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
