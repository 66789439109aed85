// The resources k8s-ovs watches: where each lives in the API, how to list it, and how to read it.
import type { AppsV1Api, CoreV1Api, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import {
  type KubeNamespace, type KubeNode, type KubePod, type KubeService, type KubeStatefulSet,
  parseNamespace, parseNode, parsePod, parseService, parseStatefulSet,
} from './views.js';

/** The API groups a resource may be listed through. */
export interface KubeApis {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
}

export interface Selectors {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface KubeResource<T> {
  /** The plural resource name, as logs and the API say it. */
  readonly name: string;
  /** The watch path, across all namespaces. */
  readonly path: string;
  list(api: KubeApis, selectors: Selectors): Promise<KubernetesListObject<KubernetesObject>>;
  /** The view of an object; null when k8s-ovs has no use for it. Throws ViewError on bad input. */
  parse(object: unknown): T | null;
}

export const namespaces: KubeResource<KubeNamespace> = {
  name: 'namespaces',
  path: '/api/v1/namespaces',
  list: (api, selectors) => api.core.listNamespace(selectors),
  parse: parseNamespace,
};

export const nodes: KubeResource<KubeNode> = {
  name: 'nodes',
  path: '/api/v1/nodes',
  list: (api, selectors) => api.core.listNode(selectors),
  parse: parseNode,
};

export const services: KubeResource<KubeService> = {
  name: 'services',
  path: '/api/v1/services',
  list: (api, selectors) => api.core.listServiceForAllNamespaces(selectors),
  parse: parseService,
};

export const pods: KubeResource<KubePod> = {
  name: 'pods',
  path: '/api/v1/pods',
  list: (api, selectors) => api.core.listPodForAllNamespaces(selectors),
  parse: parsePod,
};

export const statefulSets: KubeResource<KubeStatefulSet> = {
  name: 'statefulsets',
  path: '/apis/apps/v1/statefulsets',
  list: (api, selectors) => api.apps.listStatefulSetForAllNamespaces(selectors),
  parse: parseStatefulSet,
};
