// `k8s-ovs-adm status`: the master, the network config, every node with its heartbeat, version skew, problems.
import type { Argv, CommandModule } from 'yargs';
import type { EtcdFlags } from '../cli/etcd-flags.js';
import { nodeSubnetPrefixLength, type NetworkConfig } from '../sdn/config.js';
import { packageVersion } from '../sdn/version.js';
import type { HostSubnet, NetNamespace } from '../sdn/records.js';
import { type AdmEnvironment, withCluster } from './context.js';
import {
  type MasterCandidate, type NodeHeartbeat, describeInvalid, readHeartbeats, readHostSubnets, readMasterCandidates,
  readNetNamespaces,
} from './inventory.js';
import { type NodeView, joinNodes, nodeDocument, renderNodeTable } from './nodes.js';
import { OUTPUT_FORMATS, type OutputFormat, renderOutput } from './output.js';

interface StatusFlags extends EtcdFlags {
  output: OutputFormat;
}

export interface StatusInputs {
  config: NetworkConfig;
  /** Election candidates, leader first. */
  candidates: readonly MasterCandidate[];
  subnets: readonly HostSubnet[];
  heartbeats: readonly NodeHeartbeat[];
  netNamespaces: readonly NetNamespace[];
  now: Date;
  cliVersion: string;
}

export interface VersionGroup {
  version: string;
  pipelineVersion: number;
  nodes: string[];
}

export interface ClusterStatus {
  master: { identity: string; key: string } | null;
  standby: string[];
  config: NetworkConfig;
  nodes: NodeView[];
  versions: VersionGroup[];
  skew: boolean;
  cliVersion: string;
  problems: string[];
}

/** Pure: everything `status` prints, from what etcd holds. */
export function assembleStatus(inputs: StatusInputs): ClusterStatus {
  const [leader, ...others] = inputs.candidates;
  const nodes = joinNodes(inputs.subnets, inputs.heartbeats, inputs.now);
  const groups = new Map<string, VersionGroup>();
  for (const node of nodes) {
    if (node.version === null || node.pipelineVersion === null) continue;
    const id = `${node.version}/${node.pipelineVersion}`;
    const group = groups.get(id) ?? { version: node.version, pipelineVersion: node.pipelineVersion, nodes: [] };
    group.nodes.push(node.name);
    groups.set(id, group);
  }
  const versions = [...groups.values()].sort((a, b) => b.nodes.length - a.nodes.length || a.version.localeCompare(b.version));
  const problems: string[] = [];
  if (!leader) {
    problems.push('no master is elected: no daemon runs with --master (the default) or none reaches etcd; '
      + 'tenant actions and subnet requests wait until one does');
  }
  for (const node of nodes) {
    const where = `node ${node.name} (${node.hostIp})`;
    if (node.state === 'NoHeartbeat') {
      problems.push(`${where}: no heartbeat: its daemon is stopped, cannot reach etcd, or predates heartbeats`);
    } else if (node.state === 'Stale') {
      problems.push(`${where}: the last heartbeat is from ${node.lastHeartbeat}: the daemon is stuck or its clock is off`);
    } else if (node.state === 'WaitingForSubnet') {
      problems.push(`${where}: the daemon waits for the master to assign its HostSubnet`);
    }
  }
  if (versions.length > 1) {
    problems.push(`version skew: ${versions.map((g) => `k8s-ovs ${g.version} (pipeline ${g.pipelineVersion}) on ${g.nodes.join(', ')}`).join('; ')}`);
  }
  for (const record of inputs.netNamespaces) {
    if (record.action === '') continue;
    problems.push(`netnamespace ${record.netName}: Action "${record.action}"${record.namespace ? ` ${record.namespace}` : ''} `
      + 'waits for the master');
  }
  return {
    master: leader ? { identity: leader.identity, key: leader.key } : null,
    standby: others.map((c) => c.identity),
    config: inputs.config, nodes, versions, skew: versions.length > 1, cliVersion: inputs.cliVersion, problems,
  };
}

export function renderStatus(status: ClusterStatus): string {
  const { config } = status;
  const master = status.master
    ? `${status.master.identity}${status.standby.length ? ` (standby: ${status.standby.join(', ')})` : ''}`
    : '<none>';
  const versions = status.versions.length === 0 ? 'no daemon heartbeats'
    : status.skew ? 'SKEW (see problems)'
      : `every daemon runs k8s-ovs ${status.versions[0]!.version}, pipeline ${status.versions[0]!.pipelineVersion}`;
  const lines = [
    `Master:    ${master}`,
    `Network:   ${config.name} (${config.plugin}): cluster ${config.network.toString()}, node subnets `
      + `/${nodeSubnetPrefixLength(config)}, services ${config.serviceNetwork.toString()}`,
    `Versions:  ${versions} (this CLI: ${status.cliVersion})`,
    '',
    renderNodeTable(status.nodes).trimEnd(),
    '',
    ...(status.problems.length ? ['Problems:', ...status.problems.map((p) => `  - ${p}`)] : ['No problems found.']),
  ];
  return lines.join('\n') + '\n';
}

function statusDocument(status: ClusterStatus): Record<string, unknown> {
  const { config } = status;
  return {
    Master: status.master ? { Identity: status.master.identity, Key: status.master.key } : null,
    Standby: status.standby,
    Config: {
      Name: config.name, Network: config.network.toString(), HostSubnetLength: config.hostSubnetLength,
      ServiceNetwork: config.serviceNetwork.toString(), PluginName: config.plugin,
    },
    Nodes: status.nodes.map(nodeDocument),
    Versions: status.versions.map((g) => ({ Version: g.version, PipelineVersion: g.pipelineVersion, Nodes: g.nodes })),
    VersionSkew: status.skew,
    CliVersion: status.cliVersion,
    Problems: status.problems,
  };
}

export function statusCommand(env: AdmEnvironment, done: (code: number) => void): CommandModule {
  return {
    command: 'status',
    describe: 'show the master, the network, every node\'s subnet and heartbeat, and version skew',
    builder: (yargs: Argv) => yargs
      .option('output', { alias: 'o', choices: OUTPUT_FORMATS, default: 'table' as const, describe: 'output format' })
      .example('$0 status', '')
      .example('$0 status -o json', ''),
    handler: async (args) => done(await runStatus(env, args as unknown as StatusFlags)),
  };
}

export async function runStatus(env: AdmEnvironment, flags: StatusFlags): Promise<number> {
  return withCluster(env, flags, async (cluster) => {
    const [candidates, subnets, heartbeats, netNamespaces] = await Promise.all([
      readMasterCandidates(cluster), readHostSubnets(cluster), readHeartbeats(cluster), readNetNamespaces(cluster),
    ]);
    env.err(describeInvalid(cluster.prefix, [...subnets.invalid, ...heartbeats.invalid, ...netNamespaces.invalid]));
    const status = assembleStatus({
      config: cluster.config, candidates, subnets: subnets.items, heartbeats: heartbeats.items,
      netNamespaces: netNamespaces.items, now: env.now(), cliVersion: packageVersion(),
    });
    env.out(renderOutput(flags.output, statusDocument(status), () => renderStatus(status)));
    return 0;
  });
}
