// Data-plane rounds: every path with our pipeline, the same OVS as one NORMAL table, and the Linux bridge plugin.
import type { BenchProfile } from '../profile.js';
import { median } from '../stats.js';
import { using } from '../teardown.js';
import { type PodTrio, type Topology, buildTopology, createSandbox, traceServiceUdp, usePipeline, useNormalTable, warmPaths } from './setup.js';
import { METRICS, MESSAGE_SIZE, type Metric, type PathMetrics, measurePath } from './tools.js';

export type PathName = 'node-to-node' | 'pod-same-node' | 'pod-cross-node' | 'pod-to-service';
export type Datapath = 'underlay' | 'pipeline' | 'normal' | 'bridge';

export interface PathSample {
  round: number;
  path: PathName;
  datapath: Datapath;
  metrics: PathMetrics;
}

export interface DataplaneData {
  messageSize: string;
  seconds: { qperf: number; iperf: number };
  rounds: number;
  podMtu: number;
  samples: PathSample[];
  /** Median over rounds per path and datapath. */
  medians: Array<{ path: PathName; datapath: Datapath } & Partial<Record<Metric, number>>>;
  /** Per metric and pod path: median over rounds of pipeline / normal, each round's pair measured back to back. */
  pipelineVsNormal: Array<{ path: PathName } & Partial<Record<Metric, number>>>;
  /** Median over rounds of (pipeline, cross-node pod tcp_lat) / (node-to-node tcp_lat), both in the same round. */
  crossNodeLatencyVsNode: { tcp?: number | undefined; udp?: number | undefined };
  /** `ofproto/trace` of UDP to the service through our pipeline: datapath actions per fragment kind. */
  serviceUdpTrace: Record<'whole' | 'firstFragment' | 'laterFragment', string>;
}

const POD_PATHS: ReadonlyArray<[Exclude<PathName, 'node-to-node'>, (trio: PodTrio) => string]> = [
  ['pod-same-node', (trio) => trio.local.ip],
  ['pod-cross-node', (trio) => trio.remote.ip],
  ['pod-to-service', (trio) => trio.serviceIp],
];

async function podPaths(round: number, datapath: Datapath, trio: PodTrio, seconds: DataplaneData['seconds'], log: (line: string) => void): Promise<PathSample[]> {
  const samples: PathSample[] = [];
  for (const [path, target] of POD_PATHS) {
    const metrics = await measurePath(trio.client.netns, target(trio), seconds);
    samples.push({ round, path, datapath, metrics });
    log(`round ${round} ${datapath} ${path}: ${describe(metrics)}`);
  }
  return samples;
}

function describe(m: PathMetrics): string {
  const f = (v: number | undefined, d: number) => (v === undefined ? '-' : v.toFixed(d));
  return `tcp_lat ${f(m.tcpLatUs, 0)} us, udp_lat ${f(m.udpLatUs, 0)} us, tcp_bw ${f(m.tcpBwGbps, 2)}, udp_bw ${f(m.udpBwGbps, 2)}, ` +
    `iperf3 ${f(m.iperfGbps, 2)} Gbit/s${m.errors.length ? `; errors: ${m.errors.join(' | ')}` : ''}`;
}

function aggregate(samples: PathSample[], rounds: number): Pick<DataplaneData, 'medians' | 'pipelineVsNormal' | 'crossNodeLatencyVsNode'> {
  const keys = [...new Set(samples.map((s) => `${s.path}|${s.datapath}`))];
  const medians = keys.map((key) => {
    const [path, datapath] = key.split('|') as [PathName, Datapath];
    const mine = samples.filter((s) => s.path === path && s.datapath === datapath);
    const row: DataplaneData['medians'][number] = { path, datapath };
    for (const metric of METRICS) {
      const values = mine.map((s) => s.metrics[metric]).filter((v): v is number => v !== undefined);
      if (values.length) row[metric] = median(values);
    }
    return row;
  });
  const find = (round: number, path: PathName, datapath: Datapath) =>
    samples.find((s) => s.round === round && s.path === path && s.datapath === datapath)?.metrics;
  const ratioOver = (path: PathName, metric: Metric, a: Datapath, bPath: PathName, b: Datapath) => {
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const x = find(round, path, a)?.[metric];
      const y = find(round, bPath, b)?.[metric];
      if (x !== undefined && y !== undefined && y > 0) ratios.push(x / y);
    }
    return ratios.length ? median(ratios) : undefined;
  };
  const pipelineVsNormal = POD_PATHS.map(([path]) => {
    const row: DataplaneData['pipelineVsNormal'][number] = { path };
    for (const metric of METRICS) {
      const ratio = ratioOver(path, metric, 'pipeline', path, 'normal');
      if (ratio !== undefined) row[metric] = ratio;
    }
    return row;
  });
  return {
    medians, pipelineVsNormal,
    crossNodeLatencyVsNode: {
      tcp: ratioOver('pod-cross-node', 'tcpLatUs', 'pipeline', 'node-to-node', 'underlay'),
      udp: ratioOver('pod-cross-node', 'udpLatUs', 'pipeline', 'node-to-node', 'underlay'),
    },
  };
}

async function round(topology: Topology, index: number, seconds: DataplaneData['seconds'], log: (line: string) => void): Promise<PathSample[]> {
  const samples: PathSample[] = [];
  const [n1, n2] = topology.nodes;
  const node = await measurePath(n1, n2.ip, seconds);
  samples.push({ round: index, path: 'node-to-node', datapath: 'underlay', metrics: node });
  log(`round ${index} underlay node-to-node: ${describe(node)}`);
  // Alternate which OVS programming goes first, so that neither always meets the same machine state.
  const order: Array<'pipeline' | 'normal'> = index % 2 === 0 ? ['pipeline', 'normal'] : ['normal', 'pipeline'];
  for (const datapath of order) {
    if (datapath === 'normal') await useNormalTable(topology);
    else await usePipeline(topology);
    samples.push(...await podPaths(index, datapath, topology.ovs, seconds, log));
  }
  await usePipeline(topology);
  samples.push(...await podPaths(index, 'bridge', topology.bridge, seconds, log));
  return samples;
}

export async function runDataplaneSection(profile: BenchProfile, log: (line: string) => void): Promise<DataplaneData> {
  const seconds = { qperf: profile.dataplane.qperfSeconds, iperf: profile.dataplane.iperfSeconds };
  return using(createSandbox, async (sandbox) => {
    const topology = await buildTopology(sandbox);
    await warmPaths(topology);
    const serviceUdpTrace = await traceServiceUdp(topology);
    log(`UDP to the service through the pipeline: ${JSON.stringify(serviceUdpTrace)}`);
    const samples: PathSample[] = [];
    for (let index = 0; index < profile.dataplane.rounds; index++) samples.push(...await round(topology, index, seconds, log));
    return {
      messageSize: MESSAGE_SIZE, seconds, rounds: profile.dataplane.rounds, podMtu: 1450, samples, serviceUdpTrace,
      ...aggregate(samples, profile.dataplane.rounds),
    };
  });
}
