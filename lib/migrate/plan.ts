// Decides, for each key of the original v2 tree, what migrating it to v3 means: a pure function of both trees.
import type { KeyValue } from '../etcd/types.js';
import { ConfigError, parseNetworkConfig, serializeNetworkConfig } from '../sdn/config.js';
import { CONFIG_KEY } from '../sdn/layout.js';
import {
  RecordError, parseHostSubnet, parseNetNamespace, serializeHostSubnet, serializeNetNamespace,
} from '../sdn/records.js';
import type { V2Entry } from './v2-reader.js';

/**
 * copy: absent in v3, will be written; identical: v3 already holds the same record;
 * conflict: v3 holds something else; invalid: the daemon's parser rejects the v2 value.
 */
export type PlanAction = 'copy' | 'identical' | 'conflict' | 'invalid';

export interface PlanEntry {
  /** Relative to the prefix, as in both trees. */
  readonly key: string;
  /** The v2 text, written to v3 byte for byte. */
  readonly value: string;
  readonly action: PlanAction;
  readonly reason: string;
  /** The v3 key's mod revision when planned (0: absent); the write requires it unchanged. */
  readonly v3ModRevision: number;
}

export interface MigrationPlan {
  /** The network Name whose tree the records belong to, or null if no valid config names one. */
  readonly network: string | null;
  /** The config first, then by key. */
  readonly entries: readonly PlanEntry[];
}

type KeyKind = 'config' | 'subnet' | 'netnamespace';

const RECORD_KEY = /^([^/]+)\/(subnets|netnamespaces)\/([^/]+)$/;

function kindOf(key: string, configKey: string): { kind: KeyKind; network: string | null } | null {
  if (key === configKey) return { kind: 'config', network: null };
  const match = RECORD_KEY.exec(key);
  if (match === null) return null;
  return { kind: match[2] === 'subnets' ? 'subnet' : 'netnamespace', network: match[1]! };
}

/** The record as the project's serializer writes it: equal texts mean equal records. */
function canonical(kind: KeyKind, key: string, text: string): string {
  switch (kind) {
    case 'config': return serializeNetworkConfig(parseNetworkConfig(text));
    case 'subnet': return serializeHostSubnet(parseHostSubnet(key, text));
    case 'netnamespace': return serializeNetNamespace(parseNetNamespace(key, text));
  }
}

/** The parser's reason without the key RecordError puts in front. */
function reasonOf(error: unknown, key: string): string {
  if (error instanceof RecordError) {
    return error.message.startsWith(`${key}: `) ? error.message.slice(key.length + 2) : error.message;
  }
  if (error instanceof ConfigError) return error.message;
  throw error;
}

function networkOf(text: string | undefined): string | null {
  if (text === undefined) return null;
  try {
    return parseNetworkConfig(text).name;
  } catch (error) {
    if (error instanceof ConfigError) return null;
    throw error;
  }
}

/** Names the fields whose values differ, v3 first. */
function differences(v2Canonical: string, v3Canonical: string): string {
  const before = JSON.parse(v2Canonical) as Record<string, unknown>;
  const after = JSON.parse(v3Canonical) as Record<string, unknown>;
  return Object.keys(before)
    .filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]))
    .map((field) => `v3 has ${field} ${JSON.stringify(after[field])} (v2: ${JSON.stringify(before[field])})`)
    .join('; ');
}

function planEntry(entry: V2Entry, network: string | null, v3: ReadonlyMap<string, KeyValue>, configKey: string): PlanEntry {
  const { key, value } = entry;
  const target = v3.get(key);
  const v3ModRevision = target?.modRevision ?? 0;
  const result = (action: PlanAction, reason: string): PlanEntry => ({ key, value, action, reason, v3ModRevision });
  const kind = kindOf(key, configKey);
  if (kind === null) {
    return result('invalid', `not a key of k8s-ovs (${configKey}, <Name>/subnets/<HostIP>, <Name>/netnamespaces/<namespace>)`);
  }
  if (kind.network !== null && kind.network !== network) {
    return result('invalid', network === null
      ? 'no valid network config (in v2 or v3) names this tree'
      : `outside the tree of network "${network}" named by the config; the daemon never reads it`);
  }
  let source: string;
  try {
    source = canonical(kind.kind, key, value);
  } catch (error) {
    return result('invalid', reasonOf(error, key));
  }
  if (target === undefined) return result('copy', 'absent in v3');
  if (target.value === value) return result('identical', 'v3 holds the same value');
  let existing: string;
  try {
    existing = canonical(kind.kind, key, target.value);
  } catch (error) {
    return result('conflict', `v3 holds an invalid value: ${reasonOf(error, key)}`);
  }
  if (existing === source) return result('identical', 'v3 holds the same record, formatted differently');
  return result('conflict', differences(source, existing));
}

/**
 * Plans the migration of `v2` (the original tree) onto `v3` (everything under the same prefix).
 * Records are checked with the daemon's own parsers, so what is copied is what the daemon accepts.
 * `configKey` is `<network>/config` for a daemon run with the original's --network.
 */
export function planMigration(v2: readonly V2Entry[], v3: readonly KeyValue[], configKey = CONFIG_KEY): MigrationPlan {
  const v3ByKey = new Map(v3.map((kv) => [kv.key, kv]));
  const v2Config = v2.find((entry) => entry.key === configKey)?.value;
  const network = networkOf(v2Config) ?? networkOf(v3ByKey.get(configKey)?.value);
  const ordered = [...v2].sort((a, b) =>
    a.key === configKey ? -1 : b.key === configKey ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  return { network, entries: ordered.map((entry) => planEntry(entry, network, v3ByKey, configKey)) };
}

export interface PlanCounts {
  copy: number;
  identical: number;
  conflict: number;
  invalid: number;
}

export function countPlan(plan: MigrationPlan): PlanCounts {
  const counts: PlanCounts = { copy: 0, identical: 0, conflict: 0, invalid: 0 };
  for (const entry of plan.entries) counts[entry.action] += 1;
  return counts;
}

/**
 * The entries that stop the migration: every conflict (v3 already moved on; a person must decide),
 * and every invalid entry unless the caller chose to leave invalid ones behind.
 */
export function blockingEntries(plan: MigrationPlan, options: { skipInvalid: boolean }): PlanEntry[] {
  return plan.entries.filter((entry) =>
    entry.action === 'conflict' || (entry.action === 'invalid' && !options.skipInvalid));
}
