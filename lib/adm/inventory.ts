// Reads the cluster's records from etcd into typed values; a record that does not parse is reported, not fatal.
import type { KeyValue } from '../etcd/types.js';
import { type Heartbeat, heartbeatPrefix, parseHeartbeat } from '../sdn/heartbeat-record.js';
import { keyLeaf } from '../sdn/layout.js';
import {
  type HostSubnet, type NetNamespace, RecordError,
  parseHostSubnet, parseNetNamespace,
} from '../sdn/records.js';
import type { Cluster } from './context.js';

/** A stored record the CLI could not read; `reason` starts with the key, as RecordError says it. */
export interface InvalidRecord {
  key: string;
  reason: string;
}

export interface Records<T> {
  items: T[];
  invalid: InvalidRecord[];
}

/** A daemon's heartbeat with the node IP it is keyed by. */
export interface NodeHeartbeat extends Heartbeat {
  readonly hostIp: string;
}

/** One master candidate in the election; the one with the lowest create revision leads. */
export interface MasterCandidate {
  readonly identity: string;
  /** The etcd key (under the prefix) the candidate's campaign holds. */
  readonly key: string;
  readonly createRevision: number;
}

function parseAll<T>(items: readonly KeyValue[], parse: (key: string, value: string) => T): Records<T> {
  const records: Records<T> = { items: [], invalid: [] };
  for (const kv of items) {
    try {
      records.items.push(parse(kv.key, kv.value));
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      records.invalid.push({ key: kv.key, reason: error.message });
    }
  }
  return records;
}

export async function readNetNamespaces(cluster: Cluster): Promise<Records<NetNamespace>> {
  const records = parseAll((await cluster.store.list(cluster.keys.netNamespaces)).items, parseNetNamespace);
  records.items.sort((a, b) => a.netName.localeCompare(b.netName));
  return records;
}

export async function readHostSubnets(cluster: Cluster): Promise<Records<HostSubnet>> {
  const records = parseAll((await cluster.store.list(cluster.keys.subnets)).items, parseHostSubnet);
  records.items.sort((a, b) => a.host.localeCompare(b.host) || a.hostIp.localeCompare(b.hostIp));
  return records;
}

export async function readHeartbeats(cluster: Cluster): Promise<Records<NodeHeartbeat>> {
  const prefix = heartbeatPrefix(cluster.config.name);
  return parseAll((await cluster.store.list(prefix)).items,
    (key, value) => ({ ...parseHeartbeat(key, value), hostIp: keyLeaf(key, prefix) }));
}

/** The etcd3 election keys `election/<Name>/master/<lease>`, leader first. */
export function masterElectionPrefix(cluster: Cluster): string {
  return `election/${cluster.keys.masterElection}/`;
}

export async function readMasterCandidates(cluster: Cluster): Promise<MasterCandidate[]> {
  const listing = await cluster.store.list(masterElectionPrefix(cluster));
  return listing.items
    .map((kv) => ({ identity: kv.value, key: kv.key, createRevision: kv.createRevision }))
    .sort((a, b) => a.createRevision - b.createRevision);
}

/** Warnings for the records that were skipped, one line each. */
export function describeInvalid(prefix: string, invalid: readonly InvalidRecord[]): string {
  return invalid.map((record) => `warning: skipped an invalid record: ${prefix}/${record.reason}\n`).join('');
}
