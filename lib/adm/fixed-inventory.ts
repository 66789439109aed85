// IP pools and fixed-address claims read from etcd into rows for `get ippools` and `get ips`.
import type { Ipv4 } from '../net/ipv4.js';
import { type FixedClaim, parseClaim } from '../sdn/fixed/claim.js';
import { type IpPool, type IpPoolStatus, describePool, parseIpPool, parseIpPoolStatus, poolContains, poolSize } from '../sdn/fixed/pool.js';
import { keyLeaf } from '../sdn/layout.js';
import { RecordError } from '../sdn/records.js';
import type { Cluster } from './context.js';
import { type InvalidRecord, type Records, readHostSubnets } from './inventory.js';
import { NONE, renderTable } from './table.js';

export interface PoolRow {
  name: string;
  pool: IpPool;
  modRevision: number;
  /** Accepted, Refused, or Pending while the master has not judged this version. */
  state: 'Accepted' | 'Refused' | 'Pending';
  reason: string;
  used: number;
}

async function statuses(cluster: Cluster): Promise<Map<string, IpPoolStatus>> {
  const result = new Map<string, IpPoolStatus>();
  for (const kv of (await cluster.store.list(cluster.keys.ipPoolStatuses)).items) {
    try {
      result.set(keyLeaf(kv.key, cluster.keys.ipPoolStatuses), parseIpPoolStatus(kv.key, kv.value));
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
    }
  }
  return result;
}

export async function readClaims(cluster: Cluster): Promise<Records<FixedClaim>> {
  const records: Records<FixedClaim> = { items: [], invalid: [] };
  for (const kv of (await cluster.store.list(cluster.keys.ipClaims)).items) {
    try {
      records.items.push(parseClaim(kv.key, kv.value));
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      records.invalid.push({ key: kv.key, reason: error.message });
    }
  }
  records.items.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.pod.localeCompare(b.pod) || a.ip.localeCompare(b.ip));
  return records;
}

/** The pool's verdict for the version stored now. */
export function poolState(status: IpPoolStatus | undefined, modRevision: number): Pick<PoolRow, 'state' | 'reason'> {
  if (!status || status.revision !== modRevision) return { state: 'Pending', reason: 'the master has not judged this version yet' };
  return { state: status.state, reason: status.reason };
}

export async function readPools(cluster: Cluster, claims?: readonly FixedClaim[]): Promise<{ items: PoolRow[]; invalid: InvalidRecord[] }> {
  const [listing, verdicts, claimed] = await Promise.all([cluster.store.list(cluster.keys.ipPools), statuses(cluster),
    claims ? Promise.resolve(claims) : readClaims(cluster).then((records) => records.items)]);
  const rows: PoolRow[] = [];
  const invalid: InvalidRecord[] = [];
  for (const kv of listing.items) {
    try {
      const pool = parseIpPool(kv.key, kv.value, cluster.config.network);
      const used = claimed.filter((claim) => poolContains(pool, claim.ip)).length;
      rows.push({ name: pool.name, pool, modRevision: kv.modRevision, used, ...poolState(verdicts.get(pool.name), kv.modRevision) });
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      invalid.push({ key: kv.key, reason: error.message });
    }
  }
  rows.sort((a, b) => a.name.localeCompare(b.name));
  return { items: rows, invalid };
}

export function renderPoolTable(rows: readonly PoolRow[]): string {
  return renderTable(['NAME', 'ADDRESSES', 'NAMESPACES', 'SIZE', 'USED', 'FREE', 'STATUS'], rows.map((row) => [
    row.name, describePool(row.pool), row.pool.namespaces.join(','), String(poolSize(row.pool)), String(row.used),
    String(poolSize(row.pool) - row.used), row.state === 'Refused' ? `Refused: ${row.reason}` : row.state,
  ]));
}

export function poolDocument(row: PoolRow): Record<string, unknown> {
  const { pool } = row;
  return {
    Name: pool.name, ...(pool.cidr ? { CIDR: pool.cidr.toString() } : { Ranges: describePool(pool).split(',') }), Namespaces: pool.namespaces,
    Size: poolSize(pool), Used: row.used, Free: poolSize(pool) - row.used, State: row.state, ...(row.reason ? { Reason: row.reason } : {}),
  };
}

/** Host names by HostIP, to show where an address lives. */
export async function hostNames(cluster: Cluster): Promise<Map<string, string>> {
  return new Map((await readHostSubnets(cluster)).items.map((record) => [record.hostIp, record.host]));
}

export function renderIpTable(claims: readonly FixedClaim[], hosts: ReadonlyMap<string, string>): string {
  return renderTable(['ADDRESS', 'MAC', 'POD', 'NODE', 'KIND', 'POOL', 'RETAINED'], claims.map((claim) => [
    claim.ip, claim.mac, `${claim.namespace}/${claim.pod}`, nodeText(claim.node, hosts), claim.kind, claim.pool || NONE,
    claim.retain ? (claim.statefulSet ? `yes (${claim.statefulSet.name}, ordinal ${claim.statefulSet.ordinal})` : 'yes') : 'no',
  ]));
}

function nodeText(node: Ipv4 | '', hosts: ReadonlyMap<string, string>): string {
  if (node === '') return '<none, kept>';
  const host = hosts.get(node);
  return host ? `${host} (${node})` : node;
}

export function ipDocument(claim: FixedClaim, hosts: ReadonlyMap<string, string>): Record<string, unknown> {
  return {
    Address: claim.ip, MAC: claim.mac, Namespace: claim.namespace, Pod: claim.pod, Node: claim.node, Host: hosts.get(claim.node) ?? '',
    Kind: claim.kind, Pool: claim.pool, Retained: claim.retain,
    ...(claim.statefulSet ? { StatefulSet: claim.statefulSet.name, Ordinal: claim.statefulSet.ordinal } : {}),
  };
}
