// The resources k8s-ovs watches: where each lives in the API, how to list it, and how to read it.
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { KubeClient } from './kubeconfig.js';
import { type KubeNetworkPolicy, parseNetworkPolicy } from './network-policy.js';
import {
  type KubeNamespace, type KubeNode, type KubePod, type KubeService, type KubeStatefulSet,
  parseNamespace, parseNode, parsePod, parseService, parseStatefulSet,
} from './views.js';

export interface Selectors {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface KubeResource<T> {
  /** The plural resource name, as logs and the API say it. */
  readonly name: string;
  /** The watch path, across all namespaces. */
  readonly path: string;
  list(client: KubeClient, selectors: Selectors): Promise<KubernetesListObject<KubernetesObject>>;
  /** The view of an object; null when k8s-ovs has no use for it. Throws ViewError on bad input. */
  parse(object: unknown): T | null;
}

export const namespaces: KubeResource<KubeNamespace> = {
  name: 'namespaces',
  path: '/api/v1/namespaces',
  list: (client, selectors) => client.core.listNamespace(selectors),
  parse: parseNamespace,
};

export const nodes: KubeResource<KubeNode> = {
  name: 'nodes',
  path: '/api/v1/nodes',
  list: (client, selectors) => client.core.listNode(selectors),
  parse: parseNode,
};

export const services: KubeResource<KubeService> = {
  name: 'services',
  path: '/api/v1/services',
  list: (client, selectors) => client.core.listServiceForAllNamespaces(selectors),
  parse: parseService,
};

export const pods: KubeResource<KubePod> = {
  name: 'pods',
  path: '/api/v1/pods',
  list: (client, selectors) => client.core.listPodForAllNamespaces(selectors),
  parse: parsePod,
};

export const networkPolicies: KubeResource<KubeNetworkPolicy> = {
  name: 'networkpolicies',
  path: '/apis/networking.k8s.io/v1/networkpolicies',
  list: (client, selectors) => client.networking.listNetworkPolicyForAllNamespaces(selectors),
  parse: parseNetworkPolicy,
};

export const statefulSets: KubeResource<KubeStatefulSet> = {
  name: 'statefulsets',
  path: '/apis/apps/v1/statefulsets',
  list: (client, selectors) => client.apps.listStatefulSetForAllNamespaces(selectors),
  parse: parseStatefulSet,
};
