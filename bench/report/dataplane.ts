// The data-plane section of docs/benchmarks.md: the kube-ovn-style table, same-run ratios and the UDP-to-service trace.
import type { DataplaneData, Datapath, PathName } from '../dataplane/run.js';
import { IPFRAG_TIME_S, type Metric } from '../dataplane/tools.js';
import { num, pct, ratio, table } from './format.js';

const PATHS: PathName[] = ['node-to-node', 'pod-same-node', 'pod-cross-node', 'pod-to-service'];
const DATAPATHS: Array<[Datapath, string]> = [
  ['underlay', 'node network (br-phy, no pods)'], ['pipeline', 'k8s-ovs pipeline'], ['normal', 'same OVS, one NORMAL table'],
  ['bridge', 'Linux bridge CNI + host-local'],
];
const COLUMNS: Array<[Metric, string, number]> = [
  ['tcpLatUs', 'tcp_lat (µs)', 0], ['udpLatUs', 'udp_lat (µs)', 0], ['tcpBwGbps', 'tcp_bw (Gbit/s)', 2],
  ['udpBwGbps', 'udp_bw recv (Gbit/s)', 2], ['iperfGbps', 'iperf3 (Gbit/s)', 2],
];

/** Each round's cross-node pod (pipeline) / node-to-node ratio for a latency metric. */
function perRound(data: DataplaneData, metric: Metric): string {
  const values: string[] = [];
  for (let round = 0; round < data.rounds; round++) {
    const get = (path: PathName, datapath: Datapath) =>
      data.samples.find((s) => s.round === round && s.path === path && s.datapath === datapath)?.metrics[metric];
    const [pod, node] = [get('pod-cross-node', 'pipeline'), get('node-to-node', 'underlay')];
    values.push(pod !== undefined && node !== undefined ? ratio(pod / node) : '–');
  }
  return values.join(', ');
}

export function dataplaneSection(data: DataplaneData): string {
  const rows: string[][] = [];
  for (const path of PATHS) {
    for (const [datapath, label] of DATAPATHS) {
      const m = data.medians.find((r) => r.path === path && r.datapath === datapath);
      if (m) rows.push([path, label, ...COLUMNS.map(([metric, , digits]) => num(m[metric], digits))]);
    }
  }
  const errors = [...new Set(data.samples.flatMap((s) => s.metrics.errors.map((e) => `${s.path} / ${s.datapath}: ${e.replace(/\|/g, '/')}`)))];
  const ratios = data.pipelineVsNormal.map((r) => [r.path, ...COLUMNS.map(([metric]) => pct(r[metric]))]);
  const t = data.serviceUdpTrace;
  return [
    `qperf (\`-m ${data.messageSize}\`, ${data.seconds.qperf} s per test, one run per test) and iperf3 (TCP, ${data.seconds.iperf} s), ` +
    `${data.rounds} round(s); medians over rounds. Pods have MTU ${data.podMtu} and TX checksum offload off on the OVS paths (the userspace ` +
    'datapath needs both); the Linux bridge pods get the same MTU. Client pods on n1; "same node" talks to a pod on n1, "cross node" and ' +
    '"service" to a pod on n2. The service is a ClusterIP that a kube-proxy-like iptables DNAT in n1 sends to that pod. ' +
    'Each round measures the node network, then our pipeline and the single NORMAL table back to back (alternating which goes first), ' +
    'then the Linux bridge pods. The bridge pods have no overlay: each node routes the other\'s pod subnet over the underlay (host-gw style). ' +
    'Every path between nodes crosses each node\'s br-phy, a userspace OVS bridge: on this machine the underlay itself is OVS. ' +
    'Per path the order is tcp_lat, udp_lat, tcp_bw, iperf3, then udp_bw: a 4K udp_bw sends far faster than any of these paths drains, IPv4 ' +
    'fragment IDs wrap and the receiver\'s reassembly queues stay poisoned until they expire, failing every fragmented datagram after ' +
    `them (seen here: udp_lat read 0 after a udp_bw until 30 s had passed), so the test namespaces use \`net.ipv4.ipfrag_time=${IPFRAG_TIME_S}\` and the ` +
    'bench waits it out. udp_bw is the receiver\'s rate, under that wrap-around.',
    '', table(['path', 'datapath', ...COLUMNS.map(([, label]) => label)], rows), '',
    'Pipeline as a share of the single NORMAL table, median of per-round ratios (latency: above 100 % is slower):', '',
    table(['path', ...COLUMNS.map(([, label]) => label)], ratios), '',
    `Cross-node pod latency over node-to-node latency, median of per-round ratios: tcp_lat ${ratio(data.crossNodeLatencyVsNode.tcp)}, ` +
    `udp_lat ${ratio(data.crossNodeLatencyVsNode.udp)} (per round: tcp_lat ${perRound(data, 'tcpLatUs')}; udp_lat ${perRound(data, 'udpLatUs')}).`,
    '',
    `UDP to the service through our pipeline, traced with \`ovs-appctl ofproto/trace\` (datapath actions): whole datagram → \`${t.whole}\`, ` +
    `first fragment → \`${t.firstFragment}\`, later fragment → \`${t.laterFragment}\`. A 4K datagram over MTU ${data.podMtu} leaves the pod in fragments.`,
    '',
    errors.length ? `Tests without a result:\n\n${errors.map((e) => `- ${e}`).join('\n')}` : 'Every test produced a result.',
  ].join('\n');
}
