// What a pod asks for with the k8s.ovs.com/ annotations (its own, or its namespace's default pool), parsed and checked.
import { AddressError, type Ipv4, parseIpv4 } from '../../net/ipv4.js';
import { type ClaimStatefulSet, MacAddressError, parseUnicastMac } from './claim.js';
import { FixedRequestError } from './errors.js';
import { isPoolName } from './pool.js';

export const ANNOTATION_PREFIX = 'k8s.ovs.com/';
/** Pod: one IPv4 address. */
export const IP_ADDRESS_ANNOTATION = `${ANNOTATION_PREFIX}ip-address`;
/** Pod: the MAC of its fixed address. */
export const MAC_ADDRESS_ANNOTATION = `${ANNOTATION_PREFIX}mac-address`;
/** Pod: a pool name, or a comma list of addresses (a StatefulSet pod takes the entry at its ordinal). Namespace: a pool name. */
export const IP_POOL_ANNOTATION = `${ANNOTATION_PREFIX}ip-pool`;
/** Pod: "false" lets a StatefulSet pod's address go with the pod instead of keeping it for its name. */
export const IP_RETAIN_ANNOTATION = `${ANNOTATION_PREFIX}ip-retain`;

export type AddressWish =
  /** This address (ip-address, or the StatefulSet pod's entry of an ip-pool list). */
  | { kind: 'address'; ip: Ipv4 }
  /** Any free address of this pool. */
  | { kind: 'pool'; pool: string }
  /** Any free address of this list (a pod that is not a StatefulSet's). */
  | { kind: 'list'; ips: Ipv4[] };

export interface FixedRequest {
  readonly wish: AddressWish;
  /** The annotation (and where it was: the pod or its namespace) that asked, for messages. */
  readonly source: string;
  /** A MAC the pod asked for; otherwise one is derived from the address. */
  readonly mac: string | null;
  /** Kept for the pod's name after the pod goes: StatefulSet pods unless ip-retain is "false". */
  readonly retain: boolean;
  readonly statefulSet: ClaimStatefulSet | null;
}

/** The fields of a pod that decide its fixed address. */
export interface PodFacts {
  namespace: string;
  name: string;
  annotations: Readonly<Record<string, string>>;
  /** The pod's controller (ownerReferences with controller: true), if any. */
  controller: { kind: string; name: string; uid: string } | null;
}

const ORDINAL = /^(0|[1-9][0-9]{0,8})$/;

/** The StatefulSet the pod belongs to and its ordinal (`<set>-<n>`), or null for any other pod. */
export function statefulSetOf(pod: PodFacts): ClaimStatefulSet | null {
  const owner = pod.controller;
  if (owner?.kind !== 'StatefulSet' || !pod.name.startsWith(`${owner.name}-`)) return null;
  const suffix = pod.name.slice(owner.name.length + 1);
  return ORDINAL.test(suffix) ? { name: owner.name, uid: owner.uid, ordinal: Number(suffix) } : null;
}

function address(text: string, annotation: string): Ipv4 {
  try {
    return parseIpv4(text.trim(), annotation);
  } catch (error) {
    if (error instanceof AddressError) throw new FixedRequestError(`annotation ${annotation}: "${text}" is not one IPv4 address`);
    throw error;
  }
}

/** A pool name, or a comma list of addresses. */
function poolWish(text: string, annotation: string, statefulSet: ClaimStatefulSet | null): AddressWish {
  const value = text.trim();
  if (isPoolName(value)) return { kind: 'pool', pool: value };
  if (!value.includes(',') && !/^[0-9.]+$/.test(value)) {
    throw new FixedRequestError(`annotation ${annotation}: "${text}" is neither a pool name (a DNS label) nor a comma list of IPv4 addresses`);
  }
  const ips = value.split(',').map((entry) => address(entry, annotation));
  const duplicate = ips.find((ip, i) => ips.indexOf(ip) !== i);
  if (duplicate) throw new FixedRequestError(`annotation ${annotation}: ${duplicate} is listed twice`);
  if (!statefulSet) return { kind: 'list', ips };
  const ip = ips[statefulSet.ordinal];
  if (ip === undefined) {
    throw new FixedRequestError(`annotation ${annotation} lists ${ips.length} address(es), fewer than StatefulSet ${statefulSet.name} `
      + `needs: pod ordinal ${statefulSet.ordinal} has no entry`);
  }
  return { kind: 'address', ip };
}

function retainOf(pod: PodFacts, statefulSet: ClaimStatefulSet | null): boolean {
  const text = pod.annotations[IP_RETAIN_ANNOTATION];
  if (text !== undefined && text !== 'true' && text !== 'false') {
    throw new FixedRequestError(`annotation ${IP_RETAIN_ANNOTATION}: "${text}" is not "true" or "false"`);
  }
  return statefulSet !== null && text !== 'false';
}

/**
 * The pod's fixed-address request, or null when it wants a dynamic address from its node's HostSubnet.
 * The pod's own annotations win over its namespace's default pool.
 */
export function parseFixedRequest(pod: PodFacts, namespaceAnnotations: Readonly<Record<string, string>> = {}): FixedRequest | null {
  const statefulSet = statefulSetOf(pod);
  const ipText = pod.annotations[IP_ADDRESS_ANNOTATION];
  const poolText = pod.annotations[IP_POOL_ANNOTATION];
  const macText = pod.annotations[MAC_ADDRESS_ANNOTATION];
  const namespacePool = namespaceAnnotations[IP_POOL_ANNOTATION];
  const retain = retainOf(pod, statefulSet);
  if (ipText !== undefined && poolText !== undefined) {
    throw new FixedRequestError(`annotations ${IP_ADDRESS_ANNOTATION} and ${IP_POOL_ANNOTATION} both given: give one`);
  }
  let wish: AddressWish;
  let source: string;
  if (ipText !== undefined) {
    wish = { kind: 'address', ip: address(ipText, IP_ADDRESS_ANNOTATION) };
    source = `pod annotation ${IP_ADDRESS_ANNOTATION}`;
  } else if (poolText !== undefined) {
    wish = poolWish(poolText, IP_POOL_ANNOTATION, statefulSet);
    source = `pod annotation ${IP_POOL_ANNOTATION}`;
  } else if (namespacePool !== undefined) {
    if (!isPoolName(namespacePool.trim())) {
      throw new FixedRequestError(`namespace ${pod.namespace} annotation ${IP_POOL_ANNOTATION}: "${namespacePool}" is not a pool name`);
    }
    wish = { kind: 'pool', pool: namespacePool.trim() };
    source = `namespace ${pod.namespace} annotation ${IP_POOL_ANNOTATION}`;
  } else {
    if (macText !== undefined) {
      throw new FixedRequestError(`annotation ${MAC_ADDRESS_ANNOTATION} needs a fixed address (${IP_ADDRESS_ANNOTATION} or ${IP_POOL_ANNOTATION}): `
        + 'a MAC is kept only with one');
    }
    return null;
  }
  let mac: string | null = null;
  try {
    if (macText !== undefined) mac = parseUnicastMac(macText, `annotation ${MAC_ADDRESS_ANNOTATION}`);
  } catch (error) {
    if (error instanceof MacAddressError) throw new FixedRequestError(error.message);
    throw error;
  }
  if (mac?.startsWith('0a:58:')) {
    throw new FixedRequestError(`annotation ${MAC_ADDRESS_ANNOTATION}: "${macText}" is in 0a:58:…, the range k8s-ovs derives pod MACs from`);
  }
  return { wish, source, mac, retain, statefulSet };
}
