// Tenant actions as an admin requests them: validated, written into NetNamespace records with
// compare-and-swap, then followed until the master applied or rejected each one.
import type { KeyValue } from '../etcd/types.js';
import {
  type NetNamespace, RecordError, isNamespaceName, parseNetNamespace, parseNetNamespaceRejection, serializeNetNamespace,
} from '../sdn/records.js';
import { type AdmEnvironment, type Cluster, pollUntil } from './context.js';
import { AdmError, UsageError } from './errors.js';

export type TenantActionName = 'join' | 'isolate' | 'global';

export interface TenantRequest {
  readonly namespace: string;
  readonly action: TenantActionName;
  /** The namespace to join; empty for isolate and global. */
  readonly target: string;
}

export interface SubmittedRequest {
  readonly request: TenantRequest;
  /** The store revision that wrote the request: the master's answer comes after it. */
  readonly revision: number;
}

export type RequestOutcome =
  | { readonly namespace: string; readonly status: 'applied'; readonly netId: number }
  | { readonly namespace: string; readonly status: 'rejected' | 'timeout' | 'gone' | 'superseded'; readonly reason: string };

/** Concurrent writers are retried this often before the command gives up. */
const CAS_ATTEMPTS = 5;

function checkName(name: string, what: string): void {
  if (!isNamespaceName(name)) {
    throw new UsageError(`${what} "${name}" is not a namespace name (lower-case letters, digits and '-', at most 63)`);
  }
}

/** One request per namespace, after checking the names; `selected` came from --selector. */
export function planTenantRequests(action: TenantActionName, named: readonly string[], options: {
  to?: string; selected?: readonly string[];
} = {}): TenantRequest[] {
  const target = options.to ?? '';
  if (action === 'join') {
    if (target === '') throw new UsageError('join-namespaces needs --to=<namespace>: the namespace whose VNID the others take');
    checkName(target, '--to');
    if (named.includes(target)) throw new UsageError(`"${target}" is both --to and a namespace to join; list only the namespaces that join it`);
  } else if (options.to !== undefined) {
    throw new UsageError('--to is only for join-namespaces');
  }
  for (const name of named) checkName(name, 'namespace');
  // A selector may match the target itself: it keeps its VNID, so it is simply not asked to join.
  const selected = (options.selected ?? []).filter((name) => name !== target);
  const namespaces = [...new Set([...named, ...selected])];
  if (namespaces.length === 0) {
    throw new UsageError(options.selected
      ? 'no namespace to change: --selector matched none (other than --to)'
      : 'name at least one namespace (or give --selector)');
  }
  return namespaces.map((namespace) => ({ namespace, action, target }));
}

/**
 * Writes every request, or nothing if a namespace (or the join target) has no NetNamespace or
 * already has an action waiting. Each write is a compare-and-swap on the record's mod revision:
 * a record changed meanwhile is read again, so no concurrent change is overwritten.
 */
export async function submitTenantRequests(cluster: Cluster, requests: readonly TenantRequest[]): Promise<SubmittedRequest[]> {
  const { store, keys, prefix } = cluster;
  const names = [...new Set(requests.flatMap((r) => (r.target ? [r.namespace, r.target] : [r.namespace])))];
  const current = new Map(await Promise.all(names.map(async (name) => [name, await store.get(keys.netNamespace(name))] as const)));
  const unknown = names.filter((name) => current.get(name) === null);
  if (unknown.length > 0) {
    throw new AdmError(`${unknown.map((n) => `"${n}"`).join(', ')}: no such namespace (no record under `
      + `${prefix}/${keys.netNamespaces}); nothing was changed. List them with: k8s-ovs-adm get netnamespaces`);
  }
  for (const request of requests) pendingCheck(cluster, current.get(request.namespace)!);
  const submitted: SubmittedRequest[] = [];
  for (const request of requests) submitted.push(await writeRequest(cluster, request, current.get(request.namespace)!));
  return submitted;
}

function readRecord(cluster: Cluster, kv: KeyValue): NetNamespace {
  try {
    return parseNetNamespace(kv.key, kv.value);
  } catch (error) {
    if (error instanceof RecordError) {
      throw new AdmError(`${cluster.prefix}/${error.message}; the master rewrites invalid records, try again shortly`);
    }
    throw error;
  }
}

function pendingCheck(cluster: Cluster, kv: KeyValue): NetNamespace {
  const record = readRecord(cluster, kv);
  if (record.action !== '') {
    throw new AdmError(`"${record.netName}" already has a request waiting for the master (Action "${record.action}"`
      + `${record.namespace ? `, Namespace "${record.namespace}"` : ''}); nothing was changed. Wait for it, or check that `
      + 'a master runs: k8s-ovs-adm status');
  }
  return record;
}

async function writeRequest(cluster: Cluster, request: TenantRequest, first: KeyValue): Promise<SubmittedRequest> {
  const key = cluster.keys.netNamespace(request.namespace);
  let kv: KeyValue | null = first;
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    if (kv === null) throw new AdmError(`"${request.namespace}" was deleted while the request was being written`);
    const record = pendingCheck(cluster, kv);
    const value = serializeNetNamespace({ ...record, action: request.action, namespace: request.target });
    const result = await cluster.store.txn().ifModRevision(key, kv.modRevision).put(key, value).commit();
    if (result.succeeded) return { request, revision: result.revision };
    kv = result.current.get(key) ?? null;
  }
  throw new AdmError(`"${request.namespace}" kept changing while the request was being written; try again`);
}

/** Follows each request until the master answered it or `timeoutMs` passed. */
export async function awaitTenantRequests(env: AdmEnvironment, cluster: Cluster, submitted: readonly SubmittedRequest[],
  timeoutMs: number): Promise<RequestOutcome[]> {
  return Promise.all(submitted.map(async (entry) => {
    const outcome = await pollUntil(env, timeoutMs, () => answer(cluster, entry));
    return outcome ?? {
      namespace: entry.request.namespace, status: 'timeout' as const,
      reason: `the master did not answer within ${Math.round(timeoutMs / 1000)} s; the request stays in etcd and is `
        + 'applied when a master runs (check: k8s-ovs-adm status)',
    };
  }));
}

/** The master's answer to one request, if it has given one. */
async function answer(cluster: Cluster, { request, revision }: SubmittedRequest): Promise<RequestOutcome | undefined> {
  const { namespace } = request;
  const [kv, rejection] = await Promise.all([
    cluster.store.get(cluster.keys.netNamespace(namespace)),
    cluster.store.get(cluster.keys.netNamespaceError(namespace)),
  ]);
  // The master writes the cleared record and the rejection in one transaction, so both are newer together.
  if (rejection !== null && rejection.modRevision > revision) {
    let reason: string;
    try {
      reason = parseNetNamespaceRejection(rejection.key, rejection.value).error;
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      reason = rejection.value;
    }
    return { namespace, status: 'rejected', reason };
  }
  if (kv === null) return { namespace, status: 'gone', reason: 'the namespace was deleted before the master applied the request' };
  if (kv.modRevision <= revision) return undefined;
  const record = readRecord(cluster, kv);
  if (record.action === '') return { namespace, status: 'applied', netId: record.netId };
  if (record.action === request.action && record.namespace === request.target) return undefined;
  return { namespace, status: 'superseded', reason: `another request replaced it (Action "${record.action}")` };
}
