// The NetworkPolicy sections of docs/benchmarks.md (control plane and data plane) and the pipeline A/B of the service path.
import type { NetpolData } from '../control/netpol.js';
import type { NetpolDataplaneData } from '../dataplane/netpol.js';
import type { ServiceAbData, ServiceAbRun } from '../dataplane/service-ab.js';
import type { PathName } from '../dataplane/run.js';
import type { Metric } from '../dataplane/tools.js';
import { median } from '../stats.js';
import { ms, num, pct, ratio, table } from './format.js';

const COLUMNS: Array<[Metric, string, number]> = [
  ['tcpLatUs', 'tcp_lat (µs)', 0], ['udpLatUs', 'udp_lat (µs)', 0], ['tcpBwGbps', 'tcp_bw (Gbit/s)', 2],
  ['udpBwGbps', 'udp_bw recv (Gbit/s)', 2], ['iperfGbps', 'iperf3 (Gbit/s)', 2],
];

export function netpolSection(data: NetpolData): string {
  const s = data.shape;
  const rows = data.points.map((p) => [
    String(p.policies), String(p.rules), ms(p.compileMs.p50), ms(p.flowsMs.p50),
    `${p.flows.total} (${p.flows.clauses} clause, ${p.flows.conjunctions} conjunction, ${p.flows.isolated} isolation)`,
    String(p.product), ratio(p.product / p.flows.total, 1), ms(p.applyMs.p50), ms(p.applySwitchMs.p50), String(p.installedOnSwitch),
  ]);
  const relabel = data.points.map((p) => [
    String(p.policies), `${p.relabel.pod} (${p.relabel.rulesTargeting} rules apply to it), app ${p.relabel.from} ↔ ${p.relabel.to}`,
    ms(p.relabel.ms.p50), ms(p.relabel.switchMs.p50), p.relabel.flowChanges.join(', '),
  ]);
  return [
    '### NetworkPolicy: compile, flows, apply', '',
    `A generated cluster (seed ${s.seed}): ${s.pods} pods in ${s.namespaces} namespaces (labels app, tier, version; namespaces labelled team, env ` +
    'and kubernetes.io/metadata.name; named ports `http` = 80 or 8080 depending on the pod, `metrics`, `dns`/UDP), ' +
    `${s.localPods} of them on the measured node. The policies are written as API objects and parsed by lib/k8s: 65 % ingress only, ` +
    '20 % both directions, 15 % egress only; pod selectors by matchLabels or matchExpressions (10 % empty); 1–2 rules of 1–3 peers each ' +
    '(same-namespace pods, namespaceSelector, both, or an ipBlock with except); 1–3 ports each (numbers, named ports, endPort ranges, ' +
    'UDP, SCTP; 15 % of rules without ports). Rules count per direction, rule and resolved named-port number, for the node\'s pods only. ' +
    '"Product" is what the same rules would need without conjunctions (per rule: targets × peers × ports), computed, never installed. ' +
    '"Apply" is the daemon\'s own path, `NodePolicies.refresh()` (compile, flows, FlowSync diff, one `ovs-ofctl bundle`) from no policy flows ' +
    `to all of them, on a sandbox node's br0 that holds the pipeline and the ${s.localPods} pods' flows; "on switch" counts the flows found ` +
    `afterwards in tables 27 and 80 beyond the pipeline's own. Medians of ${data.points[0]?.compileMs.n ?? 0} runs.`, '',
    table(['policies', 'rules', 'compile', 'flows()', 'flows', 'product', 'product / flows', 'apply', 'of which ovs-ofctl', 'on switch'], rows), '',
    'One pod relabelled and back (the daemon recomputes everything on a change and sends only the differences, in one bundle):', '',
    table(['policies', 'pod and change', 'time', 'of which ovs-ofctl', 'flow changes sent per relabel'], relabel), '',
    relabelNote(data),
  ].join('\n');
}

const NETPOL_COLUMNS: Array<[Metric | 'udpLat1kUs', string, number]> = [...COLUMNS, ['udpLat1kUs', 'udp_lat 1K, unfragmented (µs)', 0]];

/** Where a relabel's time goes at the largest size: the switch gets only the differences, the CPU recomputes everything. */
function relabelNote(data: NetpolData): string {
  const p = data.points[data.points.length - 1];
  if (!p) return '';
  return `At ${p.policies} policies a relabel sends ${p.relabel.flowChanges[0] ?? 0} flow changes of ${p.flows.total} and ovs-ofctl takes ` +
    `${ms(p.relabel.switchMs.p50)} of its ${ms(p.relabel.ms.p50)}; the rest is the daemon recomputing every rule (compile ` +
    `${ms(p.compileMs.p50)} and flows() ${ms(p.flowsMs.p50)} alone) and diffing every policy flow: the switch sees only what changed, ` +
    'the node\'s CPU pays for all policies on every pod or namespace label change.';
}

export function netpolDataplaneSection(data: NetpolDataplaneData): string {
  const rows = data.medians.map((m) => [m.path, m.state === 'none' ? 'no policy' : `${data.policies} policies`, ...NETPOL_COLUMNS.map(([metric, , d]) => num(m[metric], d))]);
  const ratios = data.ratios.map((r) => [r.path, ...NETPOL_COLUMNS.map(([metric]) => pct(r[metric]))]);
  const errors = [...new Set(data.samples.flatMap((s) => s.metrics.errors.map((e) => `${s.path} / ${s.state}: ${e.replace(/\|/g, '/')}`)))];
  const closed = (state: 'none' | 'policies') => Object.entries(data.closedPort[state]).map(([path, outcome]) => `${path} ${outcome}`).join(', ');
  return [
    '### Data plane with 1,000 NetworkPolicies', '',
    `The data-plane topology (our pipeline, MTU 1450, same tools and order as above, ${data.seconds.qperf} s per qperf test, ` +
    `${data.seconds.iperf} s iperf3) with no policy and with ${data.policies} policies installed, back to back in each of ${data.rounds} ` +
    'round(s), alternating which goes first. Every policy selects the measured pods: 4 in 5 are ingress policies on the two servers, 1 in 5 ' +
    'egress policies on the client; each admits the client (or the servers) in one of three spellings (pod selector, namespace and pod ' +
    'selector, ipBlock with except) on the measured ports in one of three (numbers, named ports, endPort ranges), among random other peers ' +
    `and ports. Policy flows: ${data.flows[0]} on n1 (client and same-node server), ${data.flows[1]} on n2. Packets counted on the ` +
    `conjunction flows during the rounds with policies: ${data.conjunctionPackets.ingress} ingress, ${data.conjunctionPackets.egress} egress ` +
    '(established connections pass on conntrack state before these tables; what is not established yet matches them, such as every ' +
    'datagram of the one-way udp_bw flood, which gets no reply). A TCP connect from the client to a port no policy ' +
    `admits: without policies ${closed('none')}; with them ${closed('policies')}. The last column is an extra qperf udp_lat with ` +
    '1K messages, which fit the pod MTU, measured after the others: the 4K messages of the other tests leave the pod as three IP fragments.', '',
    table(['path', 'policies', ...NETPOL_COLUMNS.map(([, label]) => label)], rows), '',
    'With policies as a share of without, median of per-round ratios (latency: above 100 % is slower):', '',
    table(['path', ...NETPOL_COLUMNS.map(([, label]) => label)], ratios), '',
    datapathNote(data), '',
    errors.length ? `Tests without a result:\n\n${errors.map((e) => `- ${e}`).join('\n')}` : 'Every test produced a result.',
  ].join('\n');
}

/** How often packets missed the datapath's flow cache and went up to the OpenFlow tables, with and without policies. */
function datapathNote(data: NetpolDataplaneData): string {
  const rows = data.medians.map(({ path, state }) => {
    const mine = data.samples.filter((s) => s.path === path && s.state === state && s.datapath);
    const upcalls = median(mine.map((s) => s.datapath.upcalls));
    const packets = median(mine.map((s) => s.datapath.packets));
    return [path, state === 'none' ? 'no policy' : `${data.policies} policies`, num(packets), num(upcalls), num(packets ? (upcalls / packets) * 1e6 : undefined)];
  });
  if (rows.length === 0 || data.samples.every((s) => !s.datapath)) return '';
  return ['Both nodes\' userspace datapaths during one path\'s 4K tests (`ovs-appctl dpif-netdev/pmd-stats-show`, cleared before; ' +
    'medians over rounds): packets received, and misses of the datapath\'s flow cache that went up to the OpenFlow tables (upcalls):', '',
  table(['path', 'policies', 'packets', 'upcalls', 'upcalls per million packets'], rows)].join('\n');
}

/** A udp_lat this long is a lost datagram, not a latency. */
const STALLED_US = 500_000;

const POD_PATHS: PathName[] = ['pod-same-node', 'pod-cross-node', 'pod-to-service'];

const pipelineMetric = (run: ServiceAbRun, path: PathName, metric: Metric, datapath: 'pipeline' | 'normal' = 'pipeline') =>
  run.result.data.medians.find((m) => m.path === path && m.datapath === datapath)?.[metric];

/** Per round: tree / first tree; normalised, each side first divided by the NORMAL table of its own run (the same machine moment). */
function roundRatio(data: ServiceAbData, tree: number, path: PathName, metric: Metric, normalised: boolean): number | undefined {
  const values: number[] = [];
  const value = (run: ServiceAbRun) => {
    const v = pipelineMetric(run, path, metric);
    const n = pipelineMetric(run, path, metric, 'normal');
    return normalised ? (v !== undefined && n ? v / n : undefined) : v;
  };
  for (let pair = 0; pair < data.pairs; pair++) {
    const [base, other] = [0, tree].map((t) => data.runs.find((r) => r.pair === pair && r.tree === t));
    const [b, o] = [base && value(base), other && value(other)];
    if (b !== undefined && o !== undefined && b > 0) values.push(o / b);
  }
  return values.length ? median(values) : undefined;
}

export function serviceAbSection(data: ServiceAbData): string {
  const label = (tree: number) => `pipeline ${data.trees[tree]!.pipelineVersion} (${data.trees[tree]!.commit.slice(0, 7)})`;
  const current = data.trees.length - 1;
  const rows: string[][] = [];
  for (const path of POD_PATHS) {
    data.trees.forEach((_, tree) => {
      const runs = data.runs.filter((r) => r.tree === tree);
      rows.push([path, label(tree), ...COLUMNS.map(([metric, , d]) => {
        const values = runs.map((r) => pipelineMetric(r, path, metric)).filter((v): v is number => v !== undefined);
        return num(values.length ? median(values) : undefined, d);
      })]);
    });
  }
  const ratioRows = POD_PATHS.flatMap((path) => data.trees.slice(1).flatMap((_, i) => [false, true].map((normalised) => [
    path, `${label(i + 1)}${normalised ? ', each over its run\'s NORMAL table' : ''}`,
    ...COLUMNS.map(([metric]) => pct(roundRatio(data, i + 1, path, metric, normalised))),
  ])));
  const loads = data.runs.map((r) => `round ${r.pair} pipeline ${data.trees[r.tree]!.pipelineVersion} ${num(r.result.machine.loadBefore, 1)}`).join(', ');
  const stalls = data.trees.map((tree, i) => {
    const runs = data.runs.filter((r) => r.tree === i);
    const slow = runs.filter((r) => (pipelineMetric(r, 'pod-to-service', 'udpLatUs') ?? 0) >= STALLED_US).length;
    return `pipeline ${tree.pipelineVersion} ${slow} of ${runs.length}`;
  });
  const stalledElsewhere = data.runs.some((r) => r.result.data.samples.some((sample) =>
    !(sample.path === 'pod-to-service' && sample.datapath === 'pipeline') && (sample.metrics.udpLatUs ?? 0) >= STALLED_US));
  const normalFailed = [...new Set(data.runs.filter((r) => r.result.data.samples.some((s) => s.datapath === 'normal' && s.metrics.errors.length))
    .map((r) => label(r.tree)))];
  const errors = data.runs.flatMap((r) => r.result.data.samples.filter((s) => s.datapath === 'pipeline')
    .flatMap((s) => s.metrics.errors.map((e) => `${label(r.tree)} round ${r.pair} ${s.path}: ${e.replace(/\|/g, '/')}`)));
  return [
    '## Pipeline 4 service path', '',
    `Pod to pod and pod to service through the pipeline before tenant isolation hardening (${label(0)}) and after it: ` +
    `${data.trees.slice(1).map((_, i) => label(i + 1)).join(' and ')}. Pipeline 4 holds a service client to its tenant through kube-proxy ` +
    '(a conntrack lookup for what is delivered to a local pod, a commit for each relayed packet); pipeline 5 adds conntrack at every ingress ' +
    'and the NetworkPolicy tables (here without policies). Method: the data-plane section (`--quick`, one round: node network, our pipeline, ' +
    'one NORMAL table, Linux bridge) run as its own process from each checkout, built from that commit; ' +
    `${data.pairs} round(s), every checkout once per round, back to back, rotating which goes first ` +
    `(\`bench/run.sh --only service-ab --baseline DIR,DIR\`; this checkout is ${label(current)}). ` +
    (data.sameMeasurementCode ? 'The data-plane bench files are identical in all the commits, so every side is measured alike. '
      : '**The data-plane bench files differ between the commits.** ') +
    (data.trees.some((t) => t.dirty) ? '**A tree had uncommitted changes in lib/ or bench/dataplane/ when measured.** ' : '') +
    `1-minute load at the start of each run: ${loads}.`, '',
    table(['path', 'pipeline', ...COLUMNS.map(([, l]) => l)], rows), '',
    `Each later pipeline as a share of ${label(0)}, median of per-round ratios (latency: above 100 % is slower); "each over its run's ` +
    'NORMAL table" divides each side by the single NORMAL table measured in the same run first, which takes out the machine\'s drift ' +
    'between runs:', '',
    table(['path', 'pipeline', ...COLUMNS.map(([, l]) => l)], ratioRows), '',
    `udp_lat to the service read a second or more (a datagram or its reply lost: qperf then waits out its ${data.runs[0]?.result.data.seconds.qperf ?? 1} s test) in ` +
    `${stalls.join(', ')} runs; ${stalledElsewhere ? '**other paths did too** (see the raw results).' : 'on every other path and datapath of these runs it never did.'}`, '',
    normalFailed.length ? `The single NORMAL table itself had tests without a result in the runs of ${normalFailed.join(', ')} ` +
      '(see bench/results/service-ab.json): where a side lacks it, the normalised ratio is left out. Each checkout sets its nodes up ' +
      'its own way: pipeline 3 masqueraded service traffic hairpinned through tun0, so the backend answered the host; from pipeline 4 ' +
      'the backend sees the client pod\'s address and the pipeline steers the replies back through the host by conntrack, which a ' +
      'NORMAL table does not do, so its replies reach the client un-reversed and qperf fails to connect.' : '',
    errors.length ? `Tests without a result:\n\n${errors.map((e) => `- ${e}`).join('\n')}` : 'Every test produced a result.',
  ].join('\n');
}
