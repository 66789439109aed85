// The scale-growth section of docs/benchmarks.md: the scale run at each size side by side, and the last size against
// issue 21's targets (every flow back < 5 s after a restart, RSS < 200 MB).
import type { ScaleData, StartEvent } from '../control/scale.js';
import { bold, ms, num, ratio, table, verdict } from './format.js';

const RESTART_TARGET_S = 5;
/** 200 MB, taken as 10⁶ bytes as the other memory targets are. */
const RSS_TARGET_MIB = 200e6 / 2 ** 20;

export function scaleGrowthSection(runs: readonly ScaleData[]): string {
  if (runs.length === 0) return '_Scale-growth section not run._';
  const first = runs[0]!;
  const last = runs.at(-1)!;
  const grows = (pick: (run: ScaleData) => number) => ratio(pick(last) / pick(first));
  const row = (label: string, pick: (run: ScaleData) => number, show: (value: number) => string): string[] =>
    [label, ...runs.map((run) => show(pick(run))), grows(pick)];
  const seconds = (value: number) => num(value, 1, 's');
  const mib = (value: number) => num(value, 0, 'MiB');
  const peak = (run: ScaleData) => Math.max(run.rss.withPods.peakMb, run.rss.afterRestart.peakMb);
  const sizes = runs.map((run) => `${run.contents.remoteNodes} nodes, ${run.contents.services} services`);
  return [
    '### The real daemon as the cluster grows',
    `The scale run above, repeated on a fresh cluster at each size (${sizes.join('; then ')}), with ${last.contents.pods} pods ` +
    `on the node. The last column is the last size's figure over the first's.`,
    '', table(['', ...sizes, 'growth'], [
      row('flows on the switch', (run) => run.firstStart.flows, (value) => num(value)),
      row('first start: ready', (run) => run.firstStart.readyS, seconds),
      row('first start: every flow on the switch', (run) => run.firstStart.convergedS, seconds),
      row('one more service → its flow, p50', (run) => run.churn.serviceMs.p50, (value) => ms(value)),
      row('one more node → its flows, p50', (run) => run.churn.nodeMs.p50, (value) => ms(value)),
      row(`join of ${last.contents.pods} pods' namespace`, (run) => run.join.ms, (value) => ms(value)),
      row('pod ADD p50, 10 at a time', (run) => run.podAdd.ms.p50, (value) => ms(value)),
      row('SIGKILL + restart: every flow back', (run) => run.restart.convergedS, seconds),
      row('RSS at scale, all flows installed', (run) => run.rss.atScale.rssMb, mib),
      row('RSS after the restart', (run) => run.rss.afterRestart.rssMb, mib),
      row('peak RSS (VmHWM)', peak, mib),
    ]), '',
    table(['target at the last size', 'measured', 'verdict'], [
      [`every flow back < ${RESTART_TARGET_S} s after a SIGKILL and restart`, seconds(last.restart.convergedS),
        bold(verdict(last.restart.convergedS < RESTART_TARGET_S))],
      ['RSS < 200 MB (peak, VmHWM)', mib(peak(last)), bold(verdict(peak(last) < RSS_TARGET_MIB))],
    ]),
    '', restartPhases(last),
  ].join('\n');
}

/** The last size's restart, phase by phase, from the daemon's log lines (seconds after the SIGKILLed daemon's restart). */
function restartPhases(run: ScaleData): string {
  const timeline = run.restart.timeline;
  const first = (event: string) => firstAt(timeline, event);
  const lastOf = (event: string) => timeline.filter((e) => e.event === `info ${event}`).at(-1)?.s;
  const phases: Array<[string, number | undefined]> = [
    ['until `k8s-ovs starting` (Node.js and the daemon\'s modules)', first('k8s-ovs starting')],
    ['until `following the Kubernetes API server` (loading @kubernetes/client-node)', first('following the Kubernetes API server')],
    ['until the last list is in (the last `watching the API server`)', lastOf('watching the API server')],
    [`until \`node set up\` (the switch set up and the first resync: ${num(run.firstStart.flows)} flows in one replace-flows bundle)`, first('node set up')],
    ['until `k8s-ovs ready`', first('k8s-ovs ready')],
  ];
  let previous = 0;
  const parts: string[] = [];
  for (const [what, at] of phases) {
    if (at === undefined) continue;
    parts.push(`${num(at - previous, 2, 's')} ${what}`);
    previous = at;
  }
  const elected = first('elected');
  return `Where the ${run.contents.remoteNodes}-node restart's time went, from its log: ${parts.join('; ')}.` +
    (elected === undefined ? '' : ` This daemon is also the master: elected at ${num(elected, 2, 's')}, it loaded ` +
      `the HostSubnets of every node beside the node's work (${masterLoad(timeline)}).`);
}

/** Seconds to the first info line with this message (the timeline keeps info messages without their fields). */
function firstAt(timeline: readonly StartEvent[], event: string): number | undefined {
  return timeline.find((e) => e.event === `info ${event}`)?.s;
}

function masterLoad(timeline: readonly StartEvent[]): string {
  const [from, to] = [firstAt(timeline, 'leading: loading state from etcd'), firstAt(timeline, 'hostsubnets loaded')];
  return from !== undefined && to !== undefined ? `${num(to - from, 2, 's')} from the start of its load to \`hostsubnets loaded\``
    : 'its load had not finished by the time the node was ready';
}
