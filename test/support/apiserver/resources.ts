// The resources served (core/v1, networking.k8s.io/v1 and apps/v1): kinds, scope, name rules and supported field selector labels.
import type { JsonValue, KubeObject, ResourceName } from './types.js';
import { resourceNames } from './types.js';

export type NameRule = 'dns1123Label' | 'dns1123Subdomain';

export interface ResourceDescriptor {
  readonly resource: ResourceName;
  /** The API group ('' for core, served under /api/v1; the others under /apis/<group>/v1). */
  readonly group: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly nameRule: NameRule;
  /** Field selector labels the real server accepts for this resource, and how to read each. */
  readonly fieldLabels: Readonly<Record<string, (object: KubeObject) => JsonValue | undefined>>;
}

const name = (object: KubeObject): string => object.metadata.name;
const namespace = (object: KubeObject): string | undefined => object.metadata.namespace;
const spec = (field: string) => (object: KubeObject) => object.spec?.[field];
const status = (field: string) => (object: KubeObject) => object.status?.[field];

export const descriptors: Readonly<Record<ResourceName, ResourceDescriptor>> = {
  namespaces: {
    resource: 'namespaces',
    group: '',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    nameRule: 'dns1123Label',
    fieldLabels: { 'metadata.name': name, 'status.phase': status('phase') },
  },
  nodes: {
    resource: 'nodes',
    group: '',
    kind: 'Node',
    namespaced: false,
    shortNames: ['no'],
    nameRule: 'dns1123Subdomain',
    fieldLabels: { 'metadata.name': name, 'spec.unschedulable': spec('unschedulable') },
  },
  services: {
    resource: 'services',
    group: '',
    kind: 'Service',
    namespaced: true,
    shortNames: ['svc'],
    nameRule: 'dns1123Label',
    fieldLabels: { 'metadata.name': name, 'metadata.namespace': namespace },
  },
  pods: {
    resource: 'pods',
    group: '',
    kind: 'Pod',
    namespaced: true,
    shortNames: ['po'],
    nameRule: 'dns1123Subdomain',
    fieldLabels: {
      'metadata.name': name,
      'metadata.namespace': namespace,
      'spec.nodeName': spec('nodeName'),
      'spec.restartPolicy': spec('restartPolicy'),
      'spec.schedulerName': spec('schedulerName'),
      'spec.serviceAccountName': spec('serviceAccountName'),
      // An unset hostNetwork selects as "false", matching the server's field set.
      'spec.hostNetwork': (object) => object.spec?.hostNetwork === true,
      'status.phase': status('phase'),
      'status.podIP': status('podIP'),
      'status.nominatedNodeName': status('nominatedNodeName'),
    },
  },
  networkpolicies: {
    resource: 'networkpolicies',
    group: 'networking.k8s.io',
    kind: 'NetworkPolicy',
    namespaced: true,
    shortNames: ['netpol'],
    nameRule: 'dns1123Subdomain',
    fieldLabels: { 'metadata.name': name, 'metadata.namespace': namespace },
  },
  statefulsets: {
    resource: 'statefulsets',
    group: 'apps',
    kind: 'StatefulSet',
    namespaced: true,
    shortNames: ['sts'],
    nameRule: 'dns1123Subdomain',
    fieldLabels: { 'metadata.name': name, 'metadata.namespace': namespace },
  },
};

/** `v1`, or `<group>/v1`: what objects of the resource carry as apiVersion. */
export function apiVersionOf(descriptor: ResourceDescriptor): string {
  return descriptor.group === '' ? 'v1' : `${descriptor.group}/v1`;
}

/** The API groups served besides core, with their resources. */
export function apiGroups(): Map<string, ResourceDescriptor[]> {
  const groups = new Map<string, ResourceDescriptor[]>();
  for (const descriptor of Object.values(descriptors)) {
    if (descriptor.group !== '') groups.set(descriptor.group, [...(groups.get(descriptor.group) ?? []), descriptor]);
  }
  return groups;
}

export function isResourceName(text: string): text is ResourceName {
  return (resourceNames as readonly string[]).includes(text);
}

/** The string a field selector compares against; absent fields compare as "". */
export function fieldSelectorValue(descriptor: ResourceDescriptor, object: KubeObject, field: string): string {
  const value = descriptor.fieldLabels[field]?.(object);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  return '';
}

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `candidate` is not a valid name for this resource, or undefined when it is. */
export function nameProblem(descriptor: ResourceDescriptor, candidate: string): string | undefined {
  if (descriptor.nameRule === 'dns1123Label') {
    if (candidate.length <= 63 && dns1123Label.test(candidate)) return undefined;
    return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
  }
  if (candidate.length <= 253 && dns1123Subdomain.test(candidate)) return undefined;
  return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
}
