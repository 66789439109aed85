// The few fields k8s-ovs reads from Kubernetes objects, parsed once at the edge into typed views.
import { AddressError, type Ipv4, ipv4OrUndefined, parseIpv4 } from '../net/ipv4.js';
import { type Fields, ViewError, isFields, optionalText, root, stringMap, text } from './fields.js';

export { ViewError } from './fields.js';

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
  labels: Readonly<Record<string, string>>;
  /** status.podIP once the kubelet reported it (IPv4 only); null before, or for an IPv6-only pod. */
  ip: Ipv4 | null;
  hostNetwork: boolean;
  /** The containers' named ports, for NetworkPolicy ports given by name. */
  namedPorts: readonly NamedPort[];
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

export interface NamedPort {
  name: string;
  protocol: ServiceProtocol;
  port: number;
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
    labels: stringMap(metadata, 'labels', 'metadata.labels'),
    // An IPv6 address (dual stack) is not ours: no IPv4 address then.
    ip: ipv4OrUndefined(optionalText(status, 'podIP', 'status.podIP')) ?? null,
    hostNetwork: spec.hostNetwork === true,
    namedPorts: namedPorts(spec.containers),
    controller: controllerOf(metadata),
  };
}


/** Named container ports; a malformed entry is skipped (a policy naming it then matches nothing there). */
function namedPorts(containers: unknown): NamedPort[] {
  const ports: NamedPort[] = [];
  for (const container of Array.isArray(containers) ? containers : []) {
    const entries: unknown = isFields(container) ? container.ports : undefined;
    for (const entry of Array.isArray(entries) ? entries : []) {
      if (!isFields(entry) || typeof entry.name !== 'string' || entry.name === '') continue;
      const protocol = typeof entry.protocol === 'string' ? entry.protocol.toLowerCase() : 'tcp';
      const port = entry.containerPort;
      if (!protocols.includes(protocol as ServiceProtocol) || typeof port !== 'number' || !Number.isInteger(port)) continue;
      ports.push({ name: entry.name, protocol: protocol as ServiceProtocol, port });
    }
  }
  return ports;
}
