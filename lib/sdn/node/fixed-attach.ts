// What ADD does about a pod's fixed address: read its request, claim it (or give back what its name holds), map the
// failures to CNI codes, and announce an address that moved here.
import { StoreError } from '../../etcd/errors.js';
import type { Logger } from '../../log.js';
import { gratuitousArp } from '../../net/arp.js';
import type { OvsSwitch } from '../../ovs/switch.js';
import { CniError, CniErrorCode } from '../cni/errors.js';
import { ClaimRecordError } from '../fixed/claims.js';
import { AddressConflictError, FixedRequestError, PoolExhaustedError, PoolNotReadyError } from '../fixed/errors.js';
import type { FixedRequest } from '../fixed/request.js';
import type { LocalPod } from './dataplane.js';
import type { Lease, NodeFixedAddresses } from './fixed-addresses.js';

/** A pod's request as the API server has it; `unknown` when the node's pod list lacks the pod. */
export type PodFixedRequest =
  | { known: true; uid: string; request: FixedRequest | null }
  | { known: false; namespaceDefault: boolean };

export type FixedRequestLookup = (namespace: string, name: string) => Promise<PodFixedRequest>;

/** The CNI error for a failed fixed-address request; undefined for errors that are not about it. */
export function fixedAddressCniError(error: unknown, pod: string): CniError | undefined {
  const say = (code: number, msg: string) => new CniError(code, `pod ${pod}: ${msg}`);
  if (error instanceof FixedRequestError) return say(CniErrorCode.InvalidAddressRequest, error.message);
  if (error instanceof AddressConflictError || error instanceof ClaimRecordError) return say(CniErrorCode.AddressConflict, error.message);
  if (error instanceof PoolExhaustedError) return say(CniErrorCode.PoolExhausted, error.message);
  if (error instanceof PoolNotReadyError) return say(CniErrorCode.TryAgainLater, error.message);
  if (error instanceof StoreError) {
    return say(CniErrorCode.TryAgainLater, `etcd is unavailable, try again: fixed addresses are claimed in etcd (${error.message})`);
  }
  return undefined;
}

/**
 * The lease of the pod's fixed address, or null for a dynamic one. A pod that no longer asks for one gives back
 * what its name holds, so a changed request never leaves the old address claimed.
 */
export async function leaseFor(fixed: NodeFixedAddresses, lookup: FixedRequestLookup,
  pod: { namespace: string; name: string }, containerId: string): Promise<Lease | null> {
  const label = `${pod.namespace}/${pod.name}`;
  try {
    const found = await lookup(pod.namespace, pod.name);
    if (!found.known) {
      if (!found.namespaceDefault && !fixed.hasClaim(pod.namespace, pod.name)) return null;
      throw new CniError(CniErrorCode.TryAgainLater, `pod ${label} is not in the API server's list of this node's pods yet`,
        'its annotations decide whether it gets a fixed address');
    }
    if (found.request === null) {
      if (fixed.hasClaim(pod.namespace, pod.name)) await fixed.releasePod(pod.namespace, pod.name);
      return null;
    }
    return await fixed.acquire({ namespace: pod.namespace, pod: pod.name, podUid: found.uid, containerId, request: found.request });
  } catch (error) {
    throw fixedAddressCniError(error, label) ?? error;
  }
}

/**
 * An address that came from another sandbox or node is announced from the pod's port (a gratuitous ARP through the
 * pipeline) once the node it came from has dropped it, or after the wait when that node does not answer.
 */
export async function announceMove(ovs: OvsSwitch, fixed: NodeFixedAddresses, lease: Lease, pod: LocalPod, log: Logger): Promise<void> {
  const from = lease.takenFrom;
  if (!from) return;
  const confirmed = await fixed.handedOver(lease);
  await ovs.packetOut(pod.port.ofport, gratuitousArp(pod.port.mac, pod.port.ip));
  log.info('fixed address announced on its new node', {
    namespace: pod.namespace, pod: pod.name, ip: pod.port.ip, mac: pod.port.mac, from: from.node || 'this node',
    ...(confirmed ? {} : { note: 'the previous node did not confirm within the wait' }),
  });
}
