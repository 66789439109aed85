// Data plane with 1,000 NetworkPolicies against none: the same pods and pipeline, policy flows installed or not, back to
// back per round (alternating which goes first), with proof that the packets went through the conjunction flows.
import type { Ipv4 } from '../../lib/net/ipv4.js';
import type { Flow } from '../../lib/ovs/flow.js';
import { policyFlows } from '../../lib/sdn/pipeline/policy-flows.js';
import { Table } from '../../lib/sdn/pipeline/tables.js';
import { compilePolicies } from '../../lib/sdn/policy/compile.js';
import { ConjunctionIds } from '../../lib/sdn/policy/conjunction-ids.js';
import { Sandbox, type SandboxNode, execIn, randomPrefix } from '../../test/support/sandbox/index.js';
import type { BenchProfile } from '../profile.js';
import { median } from '../stats.js';
import { using } from '../teardown.js';
import { measuredPolicyInputs } from './netpol-policies.js';
import { type Topology, buildTopology, warmPaths } from './setup.js';
import { METRICS, type Metric, type PathMetrics, QPERF_DATA_PORT, QPERF_PORT, measurePath, parseQperf } from './tools.js';

/** This section's own underlay (the brief's range for new bench work). */
export const NETPOL_DATAPLANE_UNDERLAY = '10.87.0.0/24';
const SEED = 1000;
/** A port no policy admits: with the policies a connection there must time out, without them be refused. */
const CLOSED_PORT = 12345;
/** udp_lat with a message that fits the pod MTU: the 4K one leaves the pod as three IP fragments. */
const UNFRAGMENTED_SIZE = '1K';

export type PolicyState = 'none' | 'policies';
type PodPath = 'pod-same-node' | 'pod-cross-node';

/** Both nodes' userspace datapaths over one sample (`dpif-netdev/pmd-stats-show`): packets, and misses sent up to the OpenFlow tables. */
export interface DatapathStats {
  packets: number;
  upcalls: number;
}

export interface NetpolDataplaneData {
  policies: number;
  rounds: number;
  seconds: { qperf: number; iperf: number };
  /** Policy flows per node (n1 holds the client and the same-node server, n2 the cross-node server). */
  flows: [number, number];
  samples: Array<{
    round: number; path: PodPath; state: PolicyState; metrics: PathMetrics & { udpLat1kUs?: number }; datapath: DatapathStats;
  }>;
  medians: Array<{ path: PodPath; state: PolicyState } & Partial<Record<Metric | 'udpLat1kUs', number>>>;
  /** Median over rounds of (with policies) / (none), each round's pair back to back. */
  ratios: Array<{ path: PodPath } & Partial<Record<Metric | 'udpLat1kUs', number>>>;
  /** Packets counted on the conjunction action flows (conj_id matches) of both nodes during the rounds with policies. */
  conjunctionPackets: { ingress: number; egress: number };
  /** A TCP connect from the client to a port no policy admits, on each server: refused without policies, timed out with. */
  closedPort: Record<PolicyState, Record<PodPath, string>>;
}

async function conjunctionPackets(node: SandboxNode, table: Table): Promise<number> {
  const { stdout } = await node.ofctl(['dump-flows', node.mgmtSocket('br0'), `table=${table}`]);
  return stdout.split('\n').filter((line) => line.includes('conj_id='))
    .reduce((sum, line) => sum + Number(/n_packets=(\d+)/.exec(line)?.[1] ?? 0), 0);
}

async function datapathStats(topology: Topology, clear: boolean): Promise<DatapathStats> {
  const stats = { packets: 0, upcalls: 0 };
  for (const node of topology.nodes) {
    const { stdout } = await node.appctl([clear ? 'dpif-netdev/pmd-stats-clear' : 'dpif-netdev/pmd-stats-show']);
    for (const [, key, value] of stdout.matchAll(/(packets received|miss with success upcall|miss with failed upcall): (\d+)/g)) {
      if (key === 'packets received') stats.packets += Number(value);
      else stats.upcalls += Number(value);
    }
  }
  return stats;
}

async function policyCounters(topology: Topology): Promise<{ ingress: number; egress: number }> {
  const counters = { ingress: 0, egress: 0 };
  for (const node of topology.nodes) {
    counters.ingress += await conjunctionPackets(node, Table.IngressPolicy);
    counters.egress += await conjunctionPackets(node, Table.EgressPolicy);
  }
  return counters;
}

async function smallUdpLatency(topology: Topology, ip: string, seconds: number): Promise<number | undefined> {
  const args = ['-t', String(seconds), '-to', '5', '-m', UNFRAGMENTED_SIZE, '-lp', String(QPERF_PORT), '-ip', String(QPERF_DATA_PORT), ip, 'udp_lat'];
  const result = await execIn(topology.ovs.client.netns, 'qperf', args, { reject: false, timeoutMs: (seconds + 15) * 1000 });
  return result.exitCode === 0 ? parseQperf('udp_lat', result.stdout) : undefined;
}

async function connectOutcome(topology: Topology, ip: string): Promise<string> {
  const script = 'import socket,sys\ns=socket.socket();s.settimeout(1)\ntry:\n s.connect((sys.argv[1],int(sys.argv[2])));print("connected")\n' +
    'except ConnectionRefusedError:print("refused")\nexcept socket.timeout:print("timed out")';
  const { stdout } = await execIn(topology.ovs.client.netns, 'python3', ['-c', script, ip, String(CLOSED_PORT)], { reject: false });
  return stdout.trim();
}

async function installPolicies(topology: Topology, flows: readonly [readonly Flow[], readonly Flow[]] | undefined): Promise<void> {
  for (const [i, plane] of topology.planes.entries()) await plane.dataplane.setPolicyFlows(flows?.[i] ?? []);
  await warmPaths(topology);
}

export async function runNetpolDataplaneSection(profile: BenchProfile, log: (line: string) => void): Promise<NetpolDataplaneData> {
  const seconds = { qperf: profile.dataplane.qperfSeconds, iperf: profile.dataplane.iperfSeconds };
  const { policies: count, rounds } = profile.netpolDataplane;
  const create = () => Sandbox.create({ prefix: randomPrefix('kbn'), nodes: 2, underlaySubnet: NETPOL_DATAPLANE_UNDERLAY });
  return using(create, async (sandbox) => {
    const topology = await buildTopology(sandbox);
    const { client, local, remote } = topology.ovs;
    const { inputs } = measuredPolicyInputs(count, { client: client.ip as Ipv4, servers: [local.ip as Ipv4, remote.ip as Ipv4] }, SEED);
    const perNode = [[client.ip, local.ip], [remote.ip]].map((ips) => {
      const ids = new ConjunctionIds();
      return policyFlows(compilePolicies(inputs(ips as Ipv4[])), (key) => ids.idOf(key));
    }) as [Flow[], Flow[]];
    log(`${count} policies: ${perNode[0].length} flows on n1, ${perNode[1].length} on n2`);
    const paths: Array<[PodPath, string]> = [['pod-same-node', local.ip], ['pod-cross-node', remote.ip]];
    const closedPort = {} as NetpolDataplaneData['closedPort'];
    for (const state of ['none', 'policies'] as const) {
      await installPolicies(topology, state === 'none' ? undefined : perNode);
      const outcomes = await Promise.all(paths.map(async ([path, ip]) => [path, await connectOutcome(topology, ip)]));
      closedPort[state] = Object.fromEntries(outcomes) as Record<PodPath, string>;
    }
    log(`connect to closed port ${CLOSED_PORT}: ${JSON.stringify(closedPort)}`);

    const samples: NetpolDataplaneData['samples'] = [];
    const seen = { ingress: 0, egress: 0 };
    for (let round = 0; round < rounds; round++) {
      const order: PolicyState[] = round % 2 === 0 ? ['none', 'policies'] : ['policies', 'none'];
      for (const state of order) {
        await installPolicies(topology, state === 'none' ? undefined : perNode);
        // Counters die with the flows when the 'none' state removes them: read them around each round with policies.
        const start = await policyCounters(topology);
        for (const [path, ip] of paths) {
          await datapathStats(topology, true);
          const metrics: NetpolDataplaneData['samples'][number]['metrics'] = await measurePath(client.netns, ip, seconds);
          const datapath = await datapathStats(topology, false);
          const small = await smallUdpLatency(topology, ip, seconds.qperf);
          if (small !== undefined) metrics.udpLat1kUs = small;
          samples.push({ round, path, state, metrics, datapath });
          log(`round ${round} ${state} ${path}: tcp_lat ${metrics.tcpLatUs?.toFixed(0)} us, udp_lat ${metrics.udpLatUs?.toFixed(0)} us, ` +
            `udp_lat 1K ${metrics.udpLat1kUs?.toFixed(0)} us, upcalls ${datapath.upcalls} of ${datapath.packets} packets, tcp_bw ${metrics.tcpBwGbps?.toFixed(2)}, iperf3 ${metrics.iperfGbps?.toFixed(2)} Gbit/s${metrics.errors.length ? `; ${metrics.errors.join(' | ')}` : ''}`);
        }
        const end = await policyCounters(topology);
        seen.ingress += end.ingress - start.ingress;
        seen.egress += end.egress - start.egress;
      }
    }
    return {
      policies: count, rounds, seconds, flows: [perNode[0].length, perNode[1].length], samples, ...aggregate(samples, rounds),
      conjunctionPackets: seen, closedPort,
    };
  });
}

function aggregate(samples: NetpolDataplaneData['samples'], rounds: number): Pick<NetpolDataplaneData, 'medians' | 'ratios'> {
  const paths: PodPath[] = ['pod-same-node', 'pod-cross-node'];
  const medians: NetpolDataplaneData['medians'] = [];
  const ratios: NetpolDataplaneData['ratios'] = [];
  for (const path of paths) {
    const ratioRow: NetpolDataplaneData['ratios'][number] = { path };
    for (const state of ['none', 'policies'] as const) {
      const row: NetpolDataplaneData['medians'][number] = { path, state };
      for (const metric of [...METRICS, 'udpLat1kUs' as const]) {
        const values = samples.filter((s) => s.path === path && s.state === state).map((s) => s.metrics[metric])
          .filter((v): v is number => v !== undefined);
        if (values.length) row[metric] = median(values);
      }
      medians.push(row);
    }
    for (const metric of [...METRICS, 'udpLat1kUs' as const]) {
      const perRound: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const get = (state: PolicyState) => samples.find((s) => s.round === round && s.path === path && s.state === state)?.metrics[metric];
        const [withPolicies, none] = [get('policies'), get('none')];
        if (withPolicies !== undefined && none !== undefined && none > 0) perRound.push(withPolicies / none);
      }
      if (perRound.length) ratioRow[metric] = median(perRound);
    }
    ratios.push(ratioRow);
  }
  return { medians, ratios };
}
