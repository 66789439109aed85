// The targets, each judged against what the last run measured (never against what it did not).
import type { CniData } from '../control/cni.js';
import type { FlowsData } from '../control/flows.js';
import type { ScaleData } from '../control/scale.js';
import type { DataplaneData } from '../dataplane/run.js';
import type { MachineInfo } from '../results.js';
import { type Verdict, ms, num, pct, ratio, verdict } from './format.js';

export interface Results {
  /** The machine as the CNI section found it (other work's CPU use). */
  cniMachine?: MachineInfo | undefined;
  cni?: CniData | undefined;
  flows?: FlowsData | undefined;
  scale?: ScaleData | undefined;
  dataplane?: DataplaneData | undefined;
}

export interface TargetRow {
  area: string;
  target: string;
  measured: string;
  verdict: Verdict;
}

type Pass = CniData['passes'][number];
const wallPerPodMs = (p: Pass) => (p.addWallS * 1000) / p.pods;
const cpuPerAddMs = (p: Pass) => p.addCpuMs.daemon + p.addCpuMs.daemonPrograms + p.addCpuMs.ovs + p.addCpuMs.plugins;

/** Issue 21's CNI targets (NODE_EXTRA_CA_CERTS unset, as runtimes start plugins), each with the baseline checkout's figure. */
function cniRows(cni: CniData | undefined): TargetRow[] {
  const ours = (concurrency: number) => cni?.passes.find((p) => p.env === 'clean' && p.concurrency === concurrency);
  const base = (concurrency: number) => cni?.baseline?.passes.find((p) => (p.concurrency === 1) === (concurrency === 1));
  const against = (text: (p: Pass) => string, concurrency: number) => {
    const b = base(concurrency);
    return b ? `; baseline ${cni?.baseline?.commit}: ${text(b)}` : '';
  };
  const latency = (op: 'ADD' | 'DEL') => (p: Pass) => {
    const s = op === 'ADD' ? p.addMs : p.delMs;
    return `p50 ${ms(s.p50)}, p99 ${ms(s.p99)}`;
  };
  const rows: TargetRow[] = [];
  for (const op of ['ADD', 'DEL'] as const) {
    const p = ours(1);
    const s = p ? (op === 'ADD' ? p.addMs : p.delMs) : undefined;
    rows.push({
      area: 'CNI', target: `${op} p50 ≤ 60 ms, p99 ≤ 90 ms incl. plugin start (sequential)`,
      measured: p ? latency(op)(p) + against(latency(op), 1) : '–', verdict: verdict(s ? s.p50 <= 60 && s.p99 <= 90 : undefined),
    });
  }
  const burst = cni?.passes.find((p) => p.env === 'clean' && p.concurrency > 1);
  const wall = (p: Pass) => `${ms(wallPerPodMs(p))} per pod`;
  rows.push({
    area: 'CNI', target: `${burst?.concurrency ?? 20} ADDs at a time: wall time per pod ≤ 36 ms`,
    measured: burst ? wall(burst) + against(wall, burst.concurrency) : '–', verdict: verdict(burst ? wallPerPodMs(burst) <= 36 : undefined),
  });
  const cpu = (p: Pass) => `${ms(cpuPerAddMs(p))} per ADD`;
  rows.push({
    area: 'CNI', target: `${burst?.concurrency ?? 20} ADDs at a time: CPU per ADD ≤ 70 ms, all processes`,
    measured: burst ? cpu(burst) + against(cpu, burst.concurrency) : '–', verdict: verdict(burst ? cpuPerAddMs(burst) <= 70 : undefined),
  });
  const daemon = (p: Pass) => `p50 ${ms(p.daemonAddMs.p50)}`;
  const seq = ours(1);
  rows.push({
    area: 'CNI', target: 'the daemon\'s own ADD p50 ≤ 15 ms (sequential)',
    measured: seq ? daemon(seq) + against(daemon, 1) : '–', verdict: verdict(seq ? seq.daemonAddMs.p50 <= 15 : undefined),
  });
  const ovs = cni?.ovsPart;
  rows.push({
    area: 'CNI', target: 'OVS part of ADD ≥ 3× faster than one process per port and flow',
    measured: ovs ? `median per-pod ratio ${ratio(ovs.addRatio.p50)} (${ms(ovs.addMs.baseline.p50, 1)} vs ${ms(ovs.addMs.ours.p50, 1)})` : '–',
    verdict: verdict(ovs ? ovs.addRatio.p50 >= 3 : undefined),
  });
  return rows;
}

function flowRows(flows: FlowsData | undefined, scale: ScaleData | undefined): TargetRow[] {
  const retag = flows?.retag;
  const oneBundle = retag ? retag.bundlesPerRetag.every((b) => b === 1) : false;
  const resync = flows?.resync;
  const size = resync ? `${resync.contents.nodes} nodes, ${resync.contents.services} services, ${resync.contents.pods} pods` : '';
  return [
    {
      area: 'Retag', target: `${retag?.pods ?? 500} local pods get the joined VNID in < 1 s, in one bundle`,
      measured: retag ? `p50 ${ms(retag.ms.p50)}, max ${ms(retag.ms.max)}; bundles per retag: ${[...new Set(retag.bundlesPerRetag)].join(', ')}; ` +
        `new VNID on ${retag.verified.withNewVnid}/${retag.verified.expected} flows, old on ${retag.verified.withOldVnid}` : '–',
      verdict: verdict(retag ? retag.ms.max < 1000 && oneBundle && retag.verified.withNewVnid === retag.verified.expected &&
        retag.verified.withOldVnid === 0 : undefined),
    },
    {
      area: 'Resync', target: `restart resync (${size || '1000/5000/110'}) < 5 s, lib objects`,
      measured: resync ? `restart p50 ${ms(resync.restart.ms.p50)}, from empty p50 ${ms(resync.fromEmpty.ms.p50)}; ${resync.restart.flows} flows` : '–',
      verdict: verdict(resync ? Math.max(resync.restart.ms.max, resync.fromEmpty.ms.max) < 5000 : undefined),
    },
    {
      area: 'Resync', target: 'the real daemon, SIGKILLed and restarted at that scale, has every flow back < 5 s',
      measured: scale ? `ready ${num(scale.restart.readyS, 1, 's')}, all flows ${num(scale.restart.convergedS, 1, 's')}` : '–',
      verdict: verdict(scale ? scale.restart.convergedS < 5 : undefined),
    },
  ];
}

function memoryRows(cni: CniData | undefined, scale: ScaleData | undefined): TargetRow[] {
  const row = (what: string, mb: number | undefined): TargetRow => ({
    area: 'Memory', target: `daemon RSS < 150 MB: ${what}`, measured: num(mb, 0, 'MiB'), verdict: verdict(mb === undefined ? undefined : mb * 1.048576 < 150),
  });
  return [
    row('idle, etcd only', cni?.rss.idleMb),
    row('idle, following an API server', scale?.rss.idleKubeMode.rssMb),
    row(`at scale (${scale?.contents.remoteNodes ?? 1000} nodes, ${scale?.contents.services ?? 5000} services)`, scale?.rss.atScale.rssMb),
    row(`at scale with ${scale?.contents.pods ?? 110} pods`, scale?.rss.withPods.rssMb),
    row('peak (VmHWM) over the scale run', scale ? Math.max(scale.rss.withPods.peakMb, scale.rss.afterRestart.peakMb) : undefined),
  ];
}

function dataplaneRows(data: DataplaneData | undefined): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const path of ['pod-same-node', 'pod-cross-node', 'pod-to-service'] as const) {
    const r = data?.pipelineVsNormal.find((x) => x.path === path);
    for (const [metric, label] of [['iperfGbps', 'iperf3'], ['tcpBwGbps', 'qperf tcp_bw'], ['udpBwGbps', 'qperf udp_bw']] as const) {
      const value = r?.[metric];
      rows.push({
        area: 'Data plane', target: `${path}: pipeline ≥ 95 % of single-table OVS (${label})`,
        measured: value === undefined ? (data ? 'no result (see the data-plane table)' : '–') : pct(value),
        verdict: verdict(value === undefined ? undefined : value >= 0.95),
      });
    }
  }
  for (const kind of ['tcp', 'udp'] as const) {
    const value = data?.crossNodeLatencyVsNode[kind];
    rows.push({
      area: 'Data plane', target: `cross-node pod ${kind}_lat ≤ 1.3× node-to-node`,
      measured: ratio(value), verdict: verdict(value === undefined ? undefined : value <= 1.3),
    });
  }
  return rows;
}

export function targetRows(results: Results): TargetRow[] {
  return [...cniRows(results.cni), ...flowRows(results.flows, results.scale), ...memoryRows(results.cni, results.scale),
    ...dataplaneRows(results.dataplane)];
}
