// Fixed-address claims: `<Name>/ip-claims/<ip>` (the record), `mac-claims/<mac>` and `pod-claims/<ns>/<pod>` (its indexes).
import { AddressError, type Ipv4, parseIpv4 } from '../../net/ipv4.js';
import { RecordError } from '../records.js';
import { WireObject, WireObjectError } from '../wire.js';

export type ClaimKind = 'static' | 'pool';

/** The StatefulSet a retained address belongs to, and the pod's ordinal in it. */
export interface ClaimStatefulSet {
  readonly name: string;
  readonly uid: string;
  readonly ordinal: number;
}

export interface FixedClaim {
  readonly ip: Ipv4;
  readonly mac: string;
  readonly namespace: string;
  readonly pod: string;
  readonly podUid: string;
  /** The node (HostIP) whose pod has the address now; '' while a retained address waits for its pod. */
  readonly node: Ipv4 | '';
  /** The sandbox holding it on that node; '' with `node`. */
  readonly containerId: string;
  /** `static`: the pod named the address; `pool`: it was picked from `pool`. */
  readonly kind: ClaimKind;
  /** The pool the address belongs to. */
  readonly pool: string;
  /** Kept for the pod's name when the pod goes (StatefulSet pods). */
  readonly retain: boolean;
  readonly statefulSet: ClaimStatefulSet | null;
  /** The node that held the address before a takeover, until it confirms its pod there has no flows left. */
  readonly previous: Ipv4 | '';
  /** RFC 3339 time of the last change. */
  readonly time: string;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export class MacAddressError extends Error {
  override name = 'MacAddressError';
}

/** A unicast, non-zero MAC in lower-case colon form. */
export function parseUnicastMac(text: string, field: string): string {
  const mac = typeof text === 'string' ? text.trim().toLowerCase().replace(/-/g, ':') : '';
  if (!MAC.test(mac)) throw new MacAddressError(`${field}: "${String(text)}" is not a MAC address (six hex bytes, e.g. 02:42:ac:11:00:02)`);
  if (mac === '00:00:00:00:00:00') throw new MacAddressError(`${field}: "${text}" is the zero MAC address`);
  if ((parseInt(mac.slice(0, 2), 16) & 1) === 1) throw new MacAddressError(`${field}: "${text}" is a multicast or broadcast MAC address`);
  return mac;
}

/** The pod's (namespace, name) as one key segment pair. */
export function podKey(namespace: string, pod: string): string {
  return `${namespace}/${pod}`;
}

export function serializeClaim(claim: FixedClaim): string {
  return JSON.stringify({
    IP: claim.ip, MAC: claim.mac, Namespace: claim.namespace, Pod: claim.pod, PodUID: claim.podUid,
    Node: claim.node, ContainerID: claim.containerId, Kind: claim.kind, Pool: claim.pool, Retain: claim.retain,
    ...(claim.statefulSet ? { StatefulSet: { Name: claim.statefulSet.name, UID: claim.statefulSet.uid, Ordinal: claim.statefulSet.ordinal } } : {}),
    ...(claim.previous ? { Previous: claim.previous } : {}),
    Time: claim.time,
  });
}

export function parseClaim(key: string, text: string): FixedClaim {
  try {
    const json = WireObject.parse(text);
    const ip = parseIpv4(json.string('IP'), 'IP');
    if (!key.endsWith(`/${ip}`)) throw new RecordError(key, 'IP', ip, `IP ${ip} does not match the key`);
    const nodeText = json.string('Node', { optional: true });
    const previousText = json.string('Previous', { optional: true });
    const kind = json.string('Kind');
    if (kind !== 'static' && kind !== 'pool') throw new RecordError(key, 'Kind', kind, `Kind "${kind}" is not static or pool`);
    return {
      ip, mac: parseUnicastMac(json.string('MAC'), 'MAC'), namespace: json.string('Namespace'), pod: json.string('Pod'),
      podUid: json.string('PodUID', { optional: true }), node: nodeText === '' ? '' : parseIpv4(nodeText, 'Node'),
      containerId: json.string('ContainerID', { optional: true }), kind, pool: json.string('Pool', { optional: true }),
      retain: json.boolean('Retain', { optional: true }), statefulSet: statefulSetOf(key, json.raw('StatefulSet')),
      previous: previousText === '' ? '' : parseIpv4(previousText, 'Previous'), time: json.string('Time', { optional: true }),
    };
  } catch (error) {
    if (error instanceof WireObjectError) {
      const { field, value, message } = error.problem;
      throw new RecordError(key, field, value, message);
    }
    if (error instanceof AddressError || error instanceof MacAddressError) throw new RecordError(key, '(address)', undefined, error.message);
    throw error;
  }
}

function statefulSetOf(key: string, value: unknown): ClaimStatefulSet | null {
  if (value === undefined) return null;
  const set = value as { Name?: unknown; UID?: unknown; Ordinal?: unknown };
  if (typeof value !== 'object' || value === null || typeof set.Name !== 'string' || typeof set.UID !== 'string'
    || !Number.isInteger(set.Ordinal) || (set.Ordinal as number) < 0) {
    throw new RecordError(key, 'StatefulSet', value, `StatefulSet: ${JSON.stringify(value)} needs Name, UID and a whole Ordinal`);
  }
  return { name: set.Name, uid: set.UID, ordinal: set.Ordinal as number };
}
