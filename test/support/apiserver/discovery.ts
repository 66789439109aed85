// Discovery, version and health endpoints: what kubectl reads before it touches a resource.
import type { GroupVersion, JsonObject } from './types.js';
import { resourceNames } from './types.js';
import { descriptors } from './resources.js';

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

/** GET /api/v1 or /apis/apps/v1: the resources served, with the subresources this server implements. */
export function groupResourceList(groupVersion: GroupVersion): JsonObject {
  const resources: JsonObject[] = [];
  for (const resource of resourceNames) {
    if (descriptors[resource].groupVersion !== groupVersion) continue;
    const { kind, namespaced, shortNames } = descriptors[resource];
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
  if (groupVersion === 'v1') resources.push({ name: 'pods/binding', singularName: '', namespaced: true, kind: 'Binding', verbs: ['create'] });
  return { kind: 'APIResourceList', groupVersion, resources };
}

/** GET /apis/apps: the one named group served, with its one version. */
export function appsGroup(): JsonObject {
  const version = { groupVersion: 'apps/v1', version: 'v1' };
  return { kind: 'APIGroup', apiVersion: 'v1', name: 'apps', versions: [version], preferredVersion: version };
}

/** GET /apis: the named groups served besides core (apps, for StatefulSets). */
export function apiGroupList(): JsonObject {
  const { kind: _kind, apiVersion: _apiVersion, ...group } = appsGroup();
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [group] };
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
