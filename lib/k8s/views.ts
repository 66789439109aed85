// The few fields k8s-ovs reads from Kubernetes objects, parsed once at the edge into typed views.
import { AddressError, type Ipv4, ipv4OrUndefined, parseIpv4 } from '../net/ipv4.js';

/** An API object lacks a field k8s-ovs needs, or has a value it cannot use. */
export class ViewError extends Error {
  override name = 'ViewError';
}

export interface KubeNamespace {
  name: string;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
}

export interface KubeNode {
  name: string;
  /** The first IPv4 InternalIP of status.addresses; null until the kubelet reports one. */
  internalIp: Ipv4 | null;
}

export type ServiceProtocol = 'tcp' | 'udp' | 'sctp';

export interface ServicePort {
  protocol: ServiceProtocol;
  port: number;
}

/** A service with a ClusterIP; headless and ExternalName services have no view. */
export interface KubeService {
  namespace: string;
  name: string;
  clusterIp: Ipv4;
  ports: readonly ServicePort[];
}

export interface KubePod {
  namespace: string;
  name: string;
  uid: string;
  /** null while the pod is not scheduled. */
  nodeName: string | null;
  annotations: Readonly<Record<string, string>>;
  /** status.podIP as the kubelet reported it; null before that, or when it is not IPv4. */
  ip: Ipv4 | null;
  /** The ownerReference with controller: true (a StatefulSet, a ReplicaSet...), if any. */
  controller: { kind: string; name: string; uid: string } | null;
}

export interface KubeStatefulSet {
  namespace: string;
  name: string;
  uid: string;
  /** spec.replicas (the API server defaults it to 1). */
  replicas: number;
}

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function section(object: Fields, field: string, path: string): Fields {
  const value = object[field];
  if (value === undefined || value === null) return {};
  if (!isFields(value)) throw new ViewError(`${path}: expected an object, got ${JSON.stringify(value)}`);
  return value;
}

function text(object: Fields, field: string, path: string): string {
  const value = object[field];
  if (typeof value !== 'string' || value === '') throw new ViewError(`${path}: expected a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

function optionalText(object: Fields, field: string, path: string): string | null {
  const value = object[field];
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw new ViewError(`${path}: expected a string, got ${JSON.stringify(value)}`);
  return value;
}

function stringMap(object: Fields, field: string, path: string): Record<string, string> {
  const map = section(object, field, path);
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) {
    if (typeof value !== 'string') throw new ViewError(`${path}.${key}: expected a string, got ${JSON.stringify(value)}`);
    result[key] = value;
  }
  return result;
}

function root(object: unknown): { metadata: Fields; spec: Fields; status: Fields } {
  if (!isFields(object)) throw new ViewError(`object: expected an API object, got ${JSON.stringify(object)}`);
  return {
    metadata: section(object, 'metadata', 'metadata'),
    spec: section(object, 'spec', 'spec'),
    status: section(object, 'status', 'status'),
  };
}

export function parseNamespace(object: unknown): KubeNamespace {
  const { metadata } = root(object);
  return {
    name: text(metadata, 'name', 'metadata.name'), labels: stringMap(metadata, 'labels', 'metadata.labels'),
    annotations: stringMap(metadata, 'annotations', 'metadata.annotations'),
  };
}

function controllerOf(metadata: Fields): KubePod['controller'] {
  const owners = metadata.ownerReferences ?? [];
  if (!Array.isArray(owners)) throw new ViewError(`metadata.ownerReferences: expected a list, got ${JSON.stringify(owners)}`);
  const index = owners.findIndex((owner) => isFields(owner) && owner.controller === true);
  if (index < 0) return null;
  const owner = owners[index] as Fields;
  const path = `metadata.ownerReferences[${index}]`;
  return { kind: text(owner, 'kind', `${path}.kind`), name: text(owner, 'name', `${path}.name`), uid: text(owner, 'uid', `${path}.uid`) };
}

export function parseStatefulSet(object: unknown): KubeStatefulSet {
  const { metadata, spec } = root(object);
  const replicas = spec.replicas ?? 1;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw new ViewError(`spec.replicas: ${JSON.stringify(replicas)} is not a whole number`);
  }
  return {
    namespace: text(metadata, 'namespace', 'metadata.namespace'), name: text(metadata, 'name', 'metadata.name'),
    uid: text(metadata, 'uid', 'metadata.uid'), replicas,
  };
}

export function parseNode(object: unknown): KubeNode {
  const { metadata, status } = root(object);
  const addresses = status.addresses ?? [];
  if (!Array.isArray(addresses)) throw new ViewError(`status.addresses: expected a list, got ${JSON.stringify(addresses)}`);
  let internalIp: Ipv4 | null = null;
  for (const [index, entry] of addresses.entries()) {
    if (!isFields(entry) || entry.type !== 'InternalIP' || typeof entry.address !== 'string') continue;
    try {
      internalIp = parseIpv4(entry.address, `status.addresses[${index}].address`);
      break;
    } catch (error) {
      // An IPv6 InternalIP of a dual-stack node is not ours; keep looking for the IPv4 one.
      if (!(error instanceof AddressError)) throw error;
    }
  }
  return { name: text(metadata, 'name', 'metadata.name'), internalIp };
}

const protocols: readonly ServiceProtocol[] = ['tcp', 'udp', 'sctp'];

function parsePort(entry: unknown, path: string): ServicePort {
  if (!isFields(entry)) throw new ViewError(`${path}: expected an object, got ${JSON.stringify(entry)}`);
  // The API server defaults a missing protocol to TCP.
  const protocol = (optionalText(entry, 'protocol', `${path}.protocol`) ?? 'TCP').toLowerCase();
  if (!protocols.includes(protocol as ServiceProtocol)) {
    throw new ViewError(`${path}.protocol: "${String(entry.protocol)}" is not TCP, UDP or SCTP`);
  }
  const port = entry.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ViewError(`${path}.port: ${JSON.stringify(port)} is not a port number`);
  }
  return { protocol: protocol as ServiceProtocol, port };
}

/** The service's view, or null for a service without a ClusterIP (headless, ExternalName). */
export function parseService(object: unknown): KubeService | null {
  const { metadata, spec } = root(object);
  const clusterIp = optionalText(spec, 'clusterIP', 'spec.clusterIP');
  if (clusterIp === null || clusterIp === 'None') return null;
  const ports = spec.ports ?? [];
  if (!Array.isArray(ports)) throw new ViewError(`spec.ports: expected a list, got ${JSON.stringify(ports)}`);
  let ip: Ipv4;
  try {
    ip = parseIpv4(clusterIp, 'spec.clusterIP');
  } catch (error) {
    if (error instanceof AddressError) throw new ViewError(error.message);
    throw error;
  }
  return {
    namespace: text(metadata, 'namespace', 'metadata.namespace'),
    name: text(metadata, 'name', 'metadata.name'),
    clusterIp: ip,
    ports: ports.map((entry, index) => parsePort(entry, `spec.ports[${index}]`)),
  };
}

export function parsePod(object: unknown): KubePod {
  const { metadata, spec, status } = root(object);
  return {
    namespace: text(metadata, 'namespace', 'metadata.namespace'),
    name: text(metadata, 'name', 'metadata.name'),
    uid: text(metadata, 'uid', 'metadata.uid'),
    nodeName: optionalText(spec, 'nodeName', 'spec.nodeName'),
    annotations: stringMap(metadata, 'annotations', 'metadata.annotations'),
    // An IPv6 address (dual stack) is not ours: no IPv4 address then.
    ip: ipv4OrUndefined(optionalText(status, 'podIP', 'status.podIP')) ?? null,
    controller: controllerOf(metadata),
  };
}
