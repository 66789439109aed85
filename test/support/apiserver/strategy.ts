// Per-resource defaulting and validation on create and update (the real server's registry strategies).
import { ApiError } from './api-error.js';
import type { ServiceIpAllocator } from './service-ips.js';
import type { JsonObject, JsonValue, KubeObject, ResourceName } from './types.js';
import { isJsonObject, jsonEqual } from './types.js';

/**
 * What a write may change: `object` is the in-process test control acting as every
 * controller at once; `spec` is a REST write to the resource, where status changes are
 * ignored; `status` is a write to the /status subresource, where only status changes count.
 */
export type WriteScope = 'object' | 'spec' | 'status';

function specOf(object: KubeObject): JsonObject {
  object.spec ??= {};
  return object.spec;
}

function setDefault(target: JsonObject, key: string, value: JsonValue): void {
  if (target[key] === undefined) target[key] = value;
}

function prepareNamespace(object: KubeObject, existing: KubeObject | undefined, scope: WriteScope): void {
  // Since 1.21 the server labels every namespace with its own name, and keeps it so.
  object.metadata.labels = { ...object.metadata.labels, 'kubernetes.io/metadata.name': object.metadata.name };
  const spec = specOf(object);
  if (!existing) {
    spec.finalizers = ['kubernetes'];
    object.status = { phase: 'Active' };
  } else if (scope !== 'object' || spec.finalizers === undefined) {
    // Only the namespace controller (via /finalize) edits spec.finalizers.
    spec.finalizers = existing.spec?.finalizers;
  }
}

function validatePodContainers(object: KubeObject): void {
  const containers = object.spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    throw ApiError.invalid('Pod', object.metadata.name, 'spec.containers', 'Required value');
  }
  containers.forEach((container, index) => {
    for (const field of ['name', 'image']) {
      const value = isJsonObject(container) ? container[field] : undefined;
      if (typeof value !== 'string' || value === '') {
        throw ApiError.invalid('Pod', object.metadata.name, `spec.containers[${index}].${field}`, 'Required value');
      }
    }
  });
}

function defaultPod(object: KubeObject): void {
  const spec = specOf(object);
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  object.status ??= {};
  setDefault(object.status, 'phase', 'Pending');
}

const podMutableFields =
  'spec.containers[*].image, spec.initContainers[*].image, spec.activeDeadlineSeconds, spec.tolerations, spec.terminationGracePeriodSeconds';

/** A REST update may only touch the fields the real pod strategy allows; binding sets nodeName. */
function checkPodUpdate(next: KubeObject, existing: KubeObject): void {
  const allowed: JsonObject = structuredClone(existing.spec ?? {});
  for (const field of ['activeDeadlineSeconds', 'tolerations', 'terminationGracePeriodSeconds']) {
    allowed[field] = next.spec?.[field];
  }
  for (const list of ['containers', 'initContainers']) {
    const before = allowed[list];
    const after = next.spec?.[list];
    if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
      before.forEach((container, index) => {
        const image = after[index];
        if (isJsonObject(container) && isJsonObject(image)) container.image = image.image;
      });
    }
  }
  if (!jsonEqual(allowed, next.spec)) {
    throw ApiError.invalid('Pod', next.metadata.name, 'spec', `Forbidden: pod updates may not change fields other than ${podMutableFields}`);
  }
}

function defaultServicePorts(object: KubeObject, headless: boolean): void {
  const spec = specOf(object);
  const ports = spec.ports ?? [];
  if (!Array.isArray(ports) || (ports.length === 0 && !headless && spec.type !== 'ExternalName')) {
    throw ApiError.invalid('Service', object.metadata.name, 'spec.ports', 'Required value');
  }
  ports.forEach((port, index) => {
    if (!isJsonObject(port) || !Number.isInteger(port.port) || Number(port.port) < 1 || Number(port.port) > 65535) {
      throw ApiError.invalid('Service', object.metadata.name, `spec.ports[${index}].port`, 'Invalid value: must be between 1 and 65535, inclusive');
    }
    setDefault(port, 'protocol', 'TCP');
    setDefault(port, 'targetPort', port.port ?? null);
  });
  spec.ports = ports;
  setDefault(spec, 'sessionAffinity', 'None');
  setDefault(spec, 'internalTrafficPolicy', 'Cluster');
}

function requestedClusterIp(spec: JsonObject): string | undefined {
  const first = Array.isArray(spec.clusterIPs) ? spec.clusterIPs[0] : undefined;
  const requested = spec.clusterIP ?? first;
  return typeof requested === 'string' && requested !== '' ? requested : undefined;
}

function setClusterIp(spec: JsonObject, address: string): void {
  spec.clusterIP = address;
  spec.clusterIPs = [address];
  if (address !== 'None') {
    spec.ipFamilies = ['IPv4'];
    spec.ipFamilyPolicy = 'SingleStack';
  }
}

function prepareServiceCreate(object: KubeObject, ips: ServiceIpAllocator): void {
  const spec = specOf(object);
  setDefault(spec, 'type', 'ClusterIP');
  const requested = requestedClusterIp(spec);
  defaultServicePorts(object, requested === 'None');
  object.status = { loadBalancer: {} };
  if (spec.type === 'ExternalName') return;
  // Allocation comes last, so a refused Service never holds an address.
  let address = requested;
  if (address === undefined) address = ips.allocate(object.metadata.name);
  else if (address !== 'None') ips.reserve(object.metadata.name, address);
  setClusterIp(spec, address);
}

function prepareServiceUpdate(next: KubeObject, existing: KubeObject): void {
  const spec = specOf(next);
  const before = existing.spec?.clusterIP;
  const requested = requestedClusterIp(spec);
  defaultServicePorts(next, before === 'None');
  if (typeof before !== 'string') return;
  // An omitted clusterIP keeps the allocated one, as the real server patches it back in.
  if (requested !== undefined && requested !== before) {
    throw ApiError.invalid('Service', next.metadata.name, 'spec.clusterIPs[0]', `Invalid value: ["${requested}"]: may not change once set`);
  }
  setClusterIp(spec, before);
  spec.ipFamilies ??= existing.spec?.ipFamilies;
  spec.ipFamilyPolicy ??= existing.spec?.ipFamilyPolicy;
}

/** The apps/v1 defaults k8s-ovs reads: one replica when none is given; status only from the controller. */
function prepareStatefulSet(object: KubeObject, existing: KubeObject | undefined, scope: WriteScope): void {
  const spec = specOf(object);
  setDefault(spec, 'replicas', 1);
  if (!Number.isInteger(spec.replicas) || Number(spec.replicas) < 0) {
    throw ApiError.invalid('StatefulSet', object.metadata.name, 'spec.replicas', 'Invalid value: must be greater than or equal to 0');
  }
  if (scope === 'spec') object.status = existing?.status ?? { replicas: 0 };
}

/** Defaults and validates an object about to be created; may allocate a ClusterIP, so call it last. */
export function prepareForCreate(
  resource: ResourceName,
  object: KubeObject,
  scope: WriteScope,
  ips: ServiceIpAllocator,
): void {
  switch (resource) {
    case 'namespaces':
      return prepareNamespace(object, undefined, scope);
    case 'pods':
      validatePodContainers(object);
      // The real server resets a created pod's status; the test control may preset one.
      if (scope !== 'object') delete object.status;
      return defaultPod(object);
    case 'services':
      return prepareServiceCreate(object, ips);
    case 'statefulsets':
      return prepareStatefulSet(object, undefined, scope);
    case 'nodes':
    case 'networkpolicies':
      return;
  }
}

export function prepareForUpdate(resource: ResourceName, next: KubeObject, existing: KubeObject, scope: WriteScope): void {
  switch (resource) {
    case 'namespaces':
      return prepareNamespace(next, existing, scope);
    case 'pods':
      // Defaults first: the real server defaults a body when decoding it, before validating.
      defaultPod(next);
      if (scope === 'spec') checkPodUpdate(next, existing);
      return validatePodContainers(next);
    case 'services':
      return prepareServiceUpdate(next, existing);
    case 'statefulsets':
      return prepareStatefulSet(next, existing, scope);
    case 'nodes':
    case 'networkpolicies':
      return;
  }
}

/** Frees what the object held once it is really gone. */
export function releaseOnRemoval(resource: ResourceName, object: KubeObject, ips: ServiceIpAllocator): void {
  const address = object.spec?.clusterIP;
  if (resource === 'services' && typeof address === 'string' && address !== 'None') ips.release(address);
}
