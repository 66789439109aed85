// Turns a request body (or a test's object literal) into a typed object, refusing malformed fields.
import { randomInt } from 'node:crypto';
import { ApiError } from './api-error.js';
import type { ResourceDescriptor } from './resources.js';
import { nameProblem, apiVersionOf } from './resources.js';
import type { JsonObject, KubeObject, ObjectMeta } from './types.js';
import { cloneJson, isJsonObject } from './types.js';

function optionalString(metadata: JsonObject, field: string): string | undefined {
  const value = metadata[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw ApiError.badRequest(`metadata.${field} must be a string, got ${JSON.stringify(value)}`);
  return value;
}

function stringMap(metadata: JsonObject, field: 'labels' | 'annotations'): Record<string, string> | undefined {
  const value = metadata[field];
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value) || Object.values(value).some((entry) => typeof entry !== 'string')) {
    throw ApiError.badRequest(`metadata.${field} must map strings to strings, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, string>;
}

function stringList(metadata: JsonObject, field: 'finalizers'): string[] | undefined {
  const value = metadata[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) {
    throw ApiError.badRequest(`metadata.${field} must be a list of strings, got ${JSON.stringify(value)}`);
  }
  return value as string[];
}

/**
 * Parses `body` for `descriptor`. `pathNamespace` is the namespace in the request URL; an
 * in-process write has none and must name it in metadata.namespace. The name may still be
 * empty (a generateName create, or an update naming the object in the URL).
 */
export function parseObject(descriptor: ResourceDescriptor, body: unknown, pathNamespace?: string): KubeObject {
  if (!isJsonObject(body)) throw ApiError.badRequest(`the body must be a JSON object, got ${JSON.stringify(body)}`);
  const object = cloneJson(body);
  const apiVersion = apiVersionOf(descriptor);
  if (object.apiVersion !== undefined && object.apiVersion !== apiVersion) {
    throw ApiError.badRequest(`the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${apiVersion})`);
  }
  if (object.kind !== undefined && object.kind !== descriptor.kind) {
    throw ApiError.badRequest(`the kind in the data (${String(object.kind)}) does not match the expected kind (${descriptor.kind})`);
  }
  for (const part of ['metadata', 'spec', 'status']) {
    if (object[part] !== undefined && object[part] !== null && !isJsonObject(object[part])) {
      throw ApiError.badRequest(`${part} must be an object, got ${JSON.stringify(object[part])}`);
    }
  }
  const raw = isJsonObject(object.metadata) ? object.metadata : {};
  const metadata: ObjectMeta = {
    ...raw,
    name: optionalString(raw, 'name') ?? '',
    uid: optionalString(raw, 'uid') ?? '',
    resourceVersion: optionalString(raw, 'resourceVersion') ?? '',
    creationTimestamp: '',
    namespace: namespaceFor(descriptor, optionalString(raw, 'namespace'), pathNamespace),
    labels: stringMap(raw, 'labels'),
    annotations: stringMap(raw, 'annotations'),
    finalizers: stringList(raw, 'finalizers'),
  };
  return withKeysFirst(
    {
      ...object,
      apiVersion,
      kind: descriptor.kind,
      metadata: withKeysFirst(metadata, metadataKeyOrder),
      spec: isJsonObject(object.spec) ? object.spec : undefined,
      status: isJsonObject(object.status) ? object.status : undefined,
    },
    objectKeyOrder,
  );
}

const objectKeyOrder = ['kind', 'apiVersion', 'metadata', 'spec', 'status'];
const metadataKeyOrder = ['name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp'];

/** Puts `first` keys in front, so served JSON reads like the real server's; values are unchanged. */
function withKeysFirst<T extends JsonObject>(object: T, first: readonly string[]): T {
  const ordered: JsonObject = {};
  for (const key of first) ordered[key] = object[key];
  return Object.assign(ordered, object) as T;
}

function namespaceFor(descriptor: ResourceDescriptor, fromBody?: string, fromPath?: string): string | undefined {
  // Cluster-scoped objects never carry a namespace; the real server clears one if sent.
  if (!descriptor.namespaced) return undefined;
  if (fromBody && fromPath && fromBody !== fromPath) {
    throw ApiError.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const namespace = fromPath ?? fromBody;
  if (!namespace) throw ApiError.badRequest(`a ${descriptor.kind} needs metadata.namespace`);
  return namespace;
}

const generatedNameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** Settles the name of an object being created: generateName gets the server's 5-character suffix. */
export function assignName(descriptor: ResourceDescriptor, object: KubeObject): void {
  const metadata = object.metadata;
  const prefix = typeof metadata.generateName === 'string' ? metadata.generateName : '';
  if (!metadata.name && prefix) {
    const suffix = Array.from({ length: 5 }, () => generatedNameAlphabet[randomInt(generatedNameAlphabet.length)]);
    metadata.name = prefix + suffix.join('');
  }
  if (!metadata.name) {
    throw ApiError.invalid(descriptor.kind, '', 'metadata.name', 'Required value: name or generateName is required');
  }
  const problem = nameProblem(descriptor, metadata.name);
  if (problem) throw ApiError.invalid(descriptor.kind, metadata.name, 'metadata.name', `Invalid value: "${metadata.name}": ${problem}`);
}
