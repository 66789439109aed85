// Discovery, version and health endpoints: what kubectl reads before it touches a resource.
import type { JsonObject } from './types.js';
import { resourceNames } from './types.js';
import { type ResourceDescriptor, apiGroups, descriptors } from './resources.js';

/** The Kubernetes release whose core/v1 behaviour this server imitates. */
export const imitatedVersion = { major: '1', minor: '32', gitVersion: 'v1.32.0-k8s-ovs-testapiserver' };

const itemVerbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/** GET /api: the legacy core group and its one version. */
export function apiVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** GET /api/v1: the core resources served, with the subresources this server implements. */
export function coreResourceList(): JsonObject {
  const resources = resourceEntries(resourceNames.map((name) => descriptors[name]).filter((d) => d.group === ''));
  resources.push({ name: 'pods/binding', singularName: '', namespaced: true, kind: 'Binding', verbs: ['create'] });
  return { kind: 'APIResourceList', groupVersion: 'v1', resources };
}

/** GET /apis/<group>/v1, or undefined for a group this server does not serve. */
export function groupResourceList(group: string): JsonObject | undefined {
  const served = apiGroups().get(group);
  return served ? { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${group}/v1`, resources: resourceEntries(served) } : undefined;
}

/** GET /apis/<group>, or undefined for a group this server does not serve. */
export function apiGroup(group: string): JsonObject | undefined {
  return apiGroups().has(group) ? groupEntry(group) : undefined;
}

function groupEntry(group: string): JsonObject {
  const version = { groupVersion: `${group}/v1`, version: 'v1' };
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: [version], preferredVersion: version };
}

function resourceEntries(served: readonly ResourceDescriptor[]): JsonObject[] {
  const resources: JsonObject[] = [];
  for (const { resource, kind, namespaced, shortNames } of served) {
    resources.push({
      name: resource,
      singularName: kind.toLowerCase(),
      namespaced,
      kind,
      verbs: itemVerbs,
      shortNames: [...shortNames],
    });
    resources.push({ name: `${resource}/status`, singularName: '', namespaced, kind, verbs: ['get', 'patch', 'update'] });
  }
  return resources;
}

/** GET /apis: the API groups served besides core. */
export function apiGroupList(): JsonObject {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...apiGroups().keys()].map(groupEntry) };
}

export function versionInfo(): JsonObject {
  return {
    ...imitatedVersion,
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '1970-01-01T00:00:00Z',
    goVersion: 'none',
    compiler: 'none',
    platform: `${process.platform}/${process.arch}`,
  };
}
