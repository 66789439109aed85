// Admin tenant actions (join, isolate, global) on a namespace: validated and planned as a VnidChange.
import { PoolFullError } from '../next-fit.js';
import type { VnidAssignments, VnidChange } from './assignments.js';
import { GLOBAL_VNID } from './vnid.js';

export const ACTION_NAMES = ['join', 'isolate', 'global'] as const;

export type TenantAction =
  /** Take the VNID of `target`, so both namespaces reach each other. */
  | { kind: 'join'; target: string }
  /** A VNID of its own: a fresh one if shared (or global), otherwise unchanged. */
  | { kind: 'isolate' }
  /** VNID 0: reaches and is reachable from every namespace. */
  | { kind: 'global' };

export type ActionDecision =
  | { accepted: true; action: TenantAction; change: VnidChange }
  | { accepted: false; reason: string };

function reject(reason: string): ActionDecision {
  return { accepted: false, reason };
}

/**
 * Decides what an Action/Namespace pair written on `namespace` does. A rejection changes
 * nothing; an accepted action may be a no-op change (from === to). Plans allocate from the
 * model's pool, so the caller must commit or abandon the change.
 */
export function planAction(
  assignments: VnidAssignments,
  namespace: string,
  action: string,
  target: string,
): ActionDecision {
  const current = assignments.vnidOf(namespace);
  if (current === undefined) return reject(`namespace "${namespace}" has no VNID yet`);
  if (!(ACTION_NAMES as readonly string[]).includes(action)) {
    return reject(`Action "${action}" is not one of ${ACTION_NAMES.join(', ')}`);
  }
  if (action !== 'join' && target !== '') {
    return reject(`Namespace "${target}" is only used with Action "join", not "${action}"`);
  }
  if (assignments.isAdmin(namespace) && action !== 'global') {
    return reject(`"${namespace}" is an admin namespace and always global (VNID 0)`);
  }
  switch (action) {
    case 'join': {
      if (target === '') return reject('Action "join" needs Namespace: the namespace to join');
      if (target === namespace) return reject(`namespace "${namespace}" cannot join itself`);
      const targetVnid = assignments.vnidOf(target);
      if (targetVnid === undefined) return reject(`namespace "${target}" to join does not exist`);
      return { accepted: true, action: { kind: 'join', target }, change: assignments.planSet(namespace, targetVnid) };
    }
    case 'isolate': {
      const shared = current === GLOBAL_VNID || assignments.usersOf(current).length > 1;
      if (!shared) return { accepted: true, action: { kind: 'isolate' }, change: assignments.planSet(namespace, current) };
      let change: VnidChange;
      try {
        change = assignments.planFresh(namespace);
      } catch (error) {
        if (error instanceof PoolFullError) return reject(`no free VNID to isolate "${namespace}": ${error.message}`);
        throw error;
      }
      return { accepted: true, action: { kind: 'isolate' }, change };
    }
    default:
      return { accepted: true, action: { kind: 'global' }, change: assignments.planSet(namespace, GLOBAL_VNID) };
  }
}
