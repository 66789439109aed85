// HostSubnet and NetNamespace records as stored in etcd by the original k8s-ovs: parsers and serializers.
import { AddressError, Cidr, type Ipv4, parseIpv4 } from '../net/ipv4.js';
import { type Vnid, VnidRangeError, parseVnid } from '../tenant/vnid.js';
import { WireObject, WireObjectError } from './wire.js';

/** A stored record was rejected: `key` is the etcd key, `field` the JSON key at fault. */
export class RecordError extends Error {
  override name = 'RecordError';
  constructor(
    readonly key: string,
    readonly field: string,
    readonly value: unknown,
    message: string,
  ) {
    super(`${key}: ${message}`);
  }
}

/** `<prefix>/<Name>/subnets/<HostIP>`: the subnet of one node (or of a host outside Kubernetes). */
export interface HostSubnet {
  readonly host: string;
  readonly hostIp: Ipv4;
  /** Null while the entry waits for the master to assign one (`"Subnet":""`). */
  readonly subnet: Cidr | null;
  /** Written true by an admin for a host outside Kubernetes; the master assigns and clears it. */
  readonly assign: boolean;
}

/** `<prefix>/<Name>/netnamespaces/<namespace>`: the VNID of one namespace and a pending admin action. */
export interface NetNamespace {
  readonly netName: string;
  readonly netId: Vnid;
  /** Raw admin request ("", "join", "isolate", "global"); lib/tenant decides whether it is valid. */
  readonly action: string;
  /** The namespace to join, for `join`. */
  readonly namespace: string;
}

/** `<prefix>/<Name>/netnamespace-errors/<namespace>`: why the master refused the last Action. */
export interface NetNamespaceRejection {
  readonly action: string;
  readonly namespace: string;
  readonly error: string;
  /** RFC 3339 time of the refusal. */
  readonly time: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The last segment of an etcd key. */
export function leafOf(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/** Parses a record's JSON with `build`; a WireObjectError becomes a RecordError naming the key and field. */
export function readRecord<T>(key: string, text: string, build: (json: WireObject) => T): T {
  try {
    return build(WireObject.parse(text));
  } catch (error) {
    if (error instanceof WireObjectError) {
      const { field, value, message } = error.problem;
      throw new RecordError(key, field, value, message);
    }
    throw error;
  }
}

/** Runs a value parser that throws AddressError or VnidRangeError, naming the field on failure. */
function typed<T>(key: string, field: string, value: unknown, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof AddressError || error instanceof VnidRangeError) {
      throw new RecordError(key, field, value, error.message);
    }
    throw error;
  }
}

export function parseHostSubnet(key: string, text: string): HostSubnet {
  return readRecord(key, text, (json) => {
    const host = json.string('Host');
    if (host === '') throw new RecordError(key, 'Host', host, 'Host is empty');
    const hostIpText = json.string('HostIP');
    const hostIp = typed(key, 'HostIP', hostIpText, () => parseIpv4(hostIpText, 'HostIP'));
    if (leafOf(key) !== hostIp) {
      throw new RecordError(key, 'HostIP', hostIp, `HostIP ${hostIp} does not match the key`);
    }
    const subnetText = json.string('Subnet', { optional: true });
    const subnet = subnetText === '' ? null : typed(key, 'Subnet', subnetText, () => Cidr.parse(subnetText, 'Subnet'));
    const assign = json.boolean('Assign', { optional: true });
    if (subnet === null && !assign) {
      throw new RecordError(key, 'Subnet', subnetText, 'Subnet is empty and Assign is not true');
    }
    return { host, hostIp, subnet, assign };
  });
}

export function serializeHostSubnet(record: HostSubnet): string {
  return JSON.stringify({
    Host: record.host,
    HostIP: record.hostIp,
    Subnet: record.subnet?.toString() ?? '',
    Assign: record.assign,
  });
}

export function parseNetNamespace(key: string, text: string): NetNamespace {
  return readRecord(key, text, (json) => {
    const netName = json.string('NetName');
    if (!DNS_LABEL.test(netName)) {
      throw new RecordError(key, 'NetName', netName, `NetName "${netName}" is not a Kubernetes namespace name`);
    }
    if (leafOf(key) !== netName) {
      throw new RecordError(key, 'NetName', netName, `NetName "${netName}" does not match the key`);
    }
    const netIdValue = json.integer('NetID');
    const netId = typed(key, 'NetID', netIdValue, () => parseVnid(netIdValue, 'NetID'));
    const action = json.string('Action', { optional: true });
    const namespace = json.string('Namespace', { optional: true });
    return { netName, netId, action, namespace };
  });
}

export function serializeNetNamespace(record: NetNamespace): string {
  return JSON.stringify({
    NetName: record.netName,
    NetID: record.netId,
    Action: record.action,
    Namespace: record.namespace,
  });
}

export function isNamespaceName(name: string): boolean {
  return DNS_LABEL.test(name);
}

export function serializeNetNamespaceRejection(rejection: NetNamespaceRejection): string {
  return JSON.stringify({
    Action: rejection.action,
    Namespace: rejection.namespace,
    Error: rejection.error,
    Time: rejection.time,
  });
}

export function parseNetNamespaceRejection(key: string, text: string): NetNamespaceRejection {
  return readRecord(key, text, (json) => ({
    action: json.string('Action', { optional: true }),
    namespace: json.string('Namespace', { optional: true }),
    error: json.string('Error'),
    time: json.string('Time', { optional: true }),
  }));
}
