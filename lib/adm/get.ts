// `k8s-ovs-adm get netnamespaces|hostsubnets|nodes|ippools|ips [NAME...]`: records as tables, JSON or YAML.
import type { Argv, CommandModule } from 'yargs';
import type { EtcdFlags } from '../cli/etcd-flags.js';
import type { HostSubnet, NetNamespace } from '../sdn/records.js';
import { type AdmEnvironment, type Cluster, withCluster } from './context.js';
import { UsageError } from './errors.js';
import { hostNames, ipDocument, poolDocument, readClaims, readPools, renderIpTable, renderPoolTable } from './fixed-inventory.js';
import { describeInvalid, readHeartbeats, readHostSubnets, readNetNamespaces } from './inventory.js';
import { joinNodes, nodeDocument, renderNodeTable } from './nodes.js';
import { OUTPUT_FORMATS, type OutputFormat, renderOutput } from './output.js';
import { NONE, renderTable } from './table.js';

interface GetFlags extends EtcdFlags {
  resource?: string;
  names: string[];
  output: OutputFormat;
}

const RESOURCES: Readonly<Record<string, 'netnamespaces' | 'hostsubnets' | 'nodes' | 'ippools' | 'ips'>> = {
  netnamespaces: 'netnamespaces', netnamespace: 'netnamespaces', netns: 'netnamespaces',
  hostsubnets: 'hostsubnets', hostsubnet: 'hostsubnets',
  nodes: 'nodes', node: 'nodes',
  ippools: 'ippools', ippool: 'ippools',
  ips: 'ips', ip: 'ips',
};
const NAMES = 'netnamespaces, hostsubnets, nodes, ippools or ips';

export function getCommand(env: AdmEnvironment, done: (code: number) => void): CommandModule {
  return {
    command: 'get [resource] [names..]',
    describe: `list ${NAMES}`,
    builder: (yargs: Argv) => yargs
      .positional('resource', { type: 'string', describe: NAMES })
      .positional('names', { type: 'string', array: true, default: [],
        describe: 'only these (namespace names; host names or IPs for hostsubnets and nodes; pool names; addresses or <namespace>/<pod> for ips)' })
      .option('output', { alias: 'o', choices: OUTPUT_FORMATS, default: 'table' as const, describe: 'output format' })
      .example('$0 get netnamespaces', 'NAME NETID PENDING of every namespace')
      .example('$0 get hostsubnets -o json', 'the HostSubnet records as stored')
      .example('$0 get nodes', 'HostSubnets joined with daemon heartbeats')
      .example('$0 get netnamespaces red blue -o yaml', '')
      .example('$0 get ippools', 'every IP pool: addresses, namespaces, size, used, free, the master\'s verdict')
      .example('$0 get ips red/db-0', 'the fixed address of a pod: MAC, node, kind, pool, retained'),
    handler: async (args) => done(await runGet(env, args as unknown as GetFlags)),
  };
}

export async function runGet(env: AdmEnvironment, flags: GetFlags): Promise<number> {
  if (flags.resource === undefined) throw new UsageError(`name what to get: ${NAMES}`);
  const resource = RESOURCES[flags.resource];
  if (!resource) throw new UsageError(`unknown resource "${flags.resource}": use ${NAMES}`);
  return withCluster(env, flags, async (cluster) => {
    switch (resource) {
      case 'netnamespaces': return getNetNamespaces(env, cluster, flags);
      case 'hostsubnets': return getHostSubnets(env, cluster, flags);
      case 'nodes': return getNodes(env, cluster, flags);
      case 'ippools': return getIpPools(env, cluster, flags);
      case 'ips': return getIps(env, cluster, flags);
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

export async function getIpPools(env: AdmEnvironment, cluster: Cluster, flags: Pick<GetFlags, 'names' | 'output'>): Promise<number> {
  const records = await readPools(cluster);
  env.err(describeInvalid(cluster.prefix, records.invalid));
  const { items, missing } = pick(env, 'ippool', records.items, flags.names, (r) => [r.name]);
  env.out(renderOutput(flags.output, { kind: 'IpPoolList', items: items.map(poolDocument) }, () => renderPoolTable(items)));
  return missing ? 1 : 0;
}

async function getIps(env: AdmEnvironment, cluster: Cluster, flags: GetFlags): Promise<number> {
  const [records, hosts] = await Promise.all([readClaims(cluster), hostNames(cluster)]);
  env.err(describeInvalid(cluster.prefix, records.invalid));
  const { items, missing } = pick(env, 'ip', records.items, flags.names, (c) => [c.ip, `${c.namespace}/${c.pod}`]);
  env.out(renderOutput(flags.output, { kind: 'FixedAddressList', items: items.map((c) => ipDocument(c, hosts)) },
    () => renderIpTable(items, hosts)));
  return missing ? 1 : 0;
}
