// `k8s-ovs-adm get netnamespaces|hostsubnets|nodes [NAME...]`: records as tables, JSON or YAML.
import type { Argv, CommandModule } from 'yargs';
import type { EtcdFlags } from '../cli/etcd-flags.js';
import type { HostSubnet, NetNamespace } from '../sdn/records.js';
import { type AdmEnvironment, type Cluster, withCluster } from './context.js';
import { UsageError } from './errors.js';
import { describeInvalid, readHeartbeats, readHostSubnets, readNetNamespaces } from './inventory.js';
import { joinNodes, nodeDocument, renderNodeTable } from './nodes.js';
import { OUTPUT_FORMATS, type OutputFormat, renderOutput } from './output.js';
import { NONE, renderTable } from './table.js';

interface GetFlags extends EtcdFlags {
  resource?: string;
  names: string[];
  output: OutputFormat;
}

const RESOURCES: Readonly<Record<string, 'netnamespaces' | 'hostsubnets' | 'nodes'>> = {
  netnamespaces: 'netnamespaces', netnamespace: 'netnamespaces', netns: 'netnamespaces',
  hostsubnets: 'hostsubnets', hostsubnet: 'hostsubnets',
  nodes: 'nodes', node: 'nodes',
};

export function getCommand(env: AdmEnvironment, done: (code: number) => void): CommandModule {
  return {
    command: 'get [resource] [names..]',
    describe: 'list netnamespaces, hostsubnets or nodes',
    builder: (yargs: Argv) => yargs
      .positional('resource', { type: 'string', describe: 'netnamespaces, hostsubnets or nodes' })
      .positional('names', { type: 'string', array: true, default: [],
        describe: 'only these (namespace names; host names or IPs for hostsubnets and nodes)' })
      .option('output', { alias: 'o', choices: OUTPUT_FORMATS, default: 'table' as const, describe: 'output format' })
      .example('$0 get netnamespaces', 'NAME NETID PENDING of every namespace')
      .example('$0 get hostsubnets -o json', 'the HostSubnet records as stored')
      .example('$0 get nodes', 'HostSubnets joined with daemon heartbeats')
      .example('$0 get netnamespaces red blue -o yaml', ''),
    handler: async (args) => done(await runGet(env, args as unknown as GetFlags)),
  };
}

export async function runGet(env: AdmEnvironment, flags: GetFlags): Promise<number> {
  if (flags.resource === undefined) throw new UsageError('name what to get: netnamespaces, hostsubnets or nodes');
  const resource = RESOURCES[flags.resource];
  if (!resource) throw new UsageError(`unknown resource "${flags.resource}": use netnamespaces, hostsubnets or nodes`);
  return withCluster(env, flags, async (cluster) => {
    switch (resource) {
      case 'netnamespaces': return getNetNamespaces(env, cluster, flags);
      case 'hostsubnets': return getHostSubnets(env, cluster, flags);
      case 'nodes': return getNodes(env, cluster, flags);
    }
  });
}

/** Keeps the items `names` ask for; names that match nothing are reported and make the exit status 1. */
function pick<T>(env: AdmEnvironment, resource: string, items: readonly T[], names: readonly string[],
  keysOf: (item: T) => string[]): { items: T[]; missing: boolean } {
  if (names.length === 0) return { items: [...items], missing: false };
  const wanted = new Set(names);
  const found = new Set<string>();
  const picked = items.filter((item) => {
    const matched = keysOf(item).filter((key) => wanted.has(key));
    for (const key of matched) found.add(key);
    return matched.length > 0;
  });
  const missing = names.filter((name) => !found.has(name));
  for (const name of missing) env.err(`error: ${resource} "${name}" not found\n`);
  return { items: picked, missing: missing.length > 0 };
}

async function getNetNamespaces(env: AdmEnvironment, cluster: Cluster, flags: GetFlags): Promise<number> {
  const records = await readNetNamespaces(cluster);
  env.err(describeInvalid(cluster.prefix, records.invalid));
  const { items, missing } = pick(env, 'netnamespace', records.items, flags.names, (r) => [r.netName]);
  env.out(renderOutput(flags.output, { kind: 'NetNamespaceList', items: items.map(netNamespaceDocument) },
    () => renderTable(['NAME', 'NETID', 'PENDING'], items.map((r) => [r.netName, String(r.netId), pendingAction(r)]))));
  return missing ? 1 : 0;
}

function pendingAction(record: NetNamespace): string {
  if (record.action === '') return NONE;
  return record.namespace ? `${record.action} ${record.namespace}` : record.action;
}

function netNamespaceDocument(record: NetNamespace): Record<string, unknown> {
  return { NetName: record.netName, NetID: record.netId, Action: record.action, Namespace: record.namespace };
}

async function getHostSubnets(env: AdmEnvironment, cluster: Cluster, flags: GetFlags): Promise<number> {
  const records = await readHostSubnets(cluster);
  env.err(describeInvalid(cluster.prefix, records.invalid));
  const { items, missing } = pick(env, 'hostsubnet', records.items, flags.names, (r) => [r.host, r.hostIp]);
  env.out(renderOutput(flags.output, { kind: 'HostSubnetList', items: items.map(hostSubnetDocument) },
    () => renderTable(['HOST', 'HOST-IP', 'SUBNET'], items.map((r) => [r.host, r.hostIp, subnetText(r)]))));
  return missing ? 1 : 0;
}

export function subnetText(record: HostSubnet): string {
  return record.assign || record.subnet === null ? '<pending>' : record.subnet.toString();
}

function hostSubnetDocument(record: HostSubnet): Record<string, unknown> {
  return { Host: record.host, HostIP: record.hostIp, Subnet: record.subnet?.toString() ?? '', Assign: record.assign };
}

async function getNodes(env: AdmEnvironment, cluster: Cluster, flags: GetFlags): Promise<number> {
  const [subnets, heartbeats] = await Promise.all([readHostSubnets(cluster), readHeartbeats(cluster)]);
  env.err(describeInvalid(cluster.prefix, [...subnets.invalid, ...heartbeats.invalid]));
  const nodes = joinNodes(subnets.items, heartbeats.items, env.now());
  const { items, missing } = pick(env, 'node', nodes, flags.names, (n) => [n.name, n.hostIp]);
  env.out(renderOutput(flags.output, { kind: 'NodeList', items: items.map(nodeDocument) }, () => renderNodeTable(items)));
  return missing ? 1 : 0;
}
