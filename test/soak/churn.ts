// The churn soak: pods created and deleted through containerd on both nodes at a steady rate while a
// daemon is killed, ovs-vswitchd restarted and etcd members killed (one kept down for minutes);
// then every pod is removed and the nodes must hold exactly what they held before.
import { PREFIX } from '../support/cluster.js';
import type { CriPod } from '../support/containerd.js';
import type { SandboxNode } from '../support/sandbox/index.js';
import { CHURN_NAMESPACES, type SoakEnvironment, runApiPod } from './environment.js';
import { type NodeState, nodeState, portChangeTimes, rssMiB, stateDifference, switchRestoredTimes } from './state.js';

/** A request is lost if its packet is dropped on the way there or back: within this of a port being added or deleted. */
const PORT_CHANGE_REACH_MS = 500;
/** ping's reply timeout: a request sent this long before the switch was restored was still lost to the restart. */
const REPLY_TIMEOUT_MS = 1000;

export interface SoakOptions {
  durationMs: number;
  /** Each tick, on each node, one pod is created and (above `podsPerNode`) the oldest deleted. */
  tickMs: number;
  podsPerNode: number;
  /** Mean gap between chaos events (a daemon, ovs-vswitchd or an etcd member). */
  chaosEveryMs: number;
  /** One etcd member is kept down this long, from a quarter into the run. */
  longMemberOutageMs: number;
  rssEveryMs: number;
  log: (line: string) => void;
}

export interface ChaosEvent {
  /** Seconds since the soak started. */
  at: number;
  kind: 'daemon' | 'ovs-vswitchd' | 'etcd member' | 'etcd member (long)';
  target: string;
  /** Seconds until the thing was back. */
  downS: number;
}

export interface SoakReport {
  durationS: number;
  created: number;
  deleted: number;
  /** RunPodSandbox calls that failed (a daemon or ovs-vswitchd was away): the runtime retries those. */
  refused: number;
  /** Deletions that failed and were retried. */
  deleteRetries: number;
  duplicates: string[];
  /** Per node, what differs from before the soak once every churn pod is gone ([] = nothing leaked). */
  leaks: Record<string, string[]>;
  /** Seconds the nodes took after the last deletion to hold exactly their baseline again. */
  convergedS: number;
  vnidClaimsMatch: boolean;
  /**
   * The long-lived pair's ping (every 100 ms): lost requests, those sent between an ovs-vswitchd kill and the
   * daemon restoring that switch, and of the rest those sent within PORT_CHANGE_REACH_MS of a pod port being added
   * to or deleted from either node's userspace datapath; `lostAt` places each loss (seconds into the soak).
   */
  pings: { transmitted: number; lost: number; lostInVswitchdRestarts: number; lostNearPortChanges: number; longestOutageMs: number;
    lostAt: number[] };
  events: ChaosEvent[];
  /** Chaos steps that did not complete (e.g. a daemon not ready again in time). */
  problems: string[];
  rss: Array<{ t: number; node: string; pid: number; mib: number }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

export async function runChurnSoak(env: SoakEnvironment, options: SoakOptions): Promise<SoakReport> {
  const { cluster, nodes } = env;
  const etcd = cluster.etcdCluster!;
  const started = Date.now();
  const since = () => Math.round((Date.now() - started) / 100) / 10;
  const report: SoakReport = { durationS: 0, created: 0, deleted: 0, refused: 0, deleteRetries: 0, duplicates: [], leaks: {},
    convergedS: 0, vnidClaimsMatch: false, pings: { transmitted: 0, lost: 0, lostInVswitchdRestarts: 0, lostNearPortChanges: 0, longestOutageMs: 0, lostAt: [] }, events: [], problems: [], rss: [] };
  const baseline = new Map<string, NodeState>();
  for (const node of nodes) baseline.set(node.name, await nodeState(cluster, node));
  const liveIps = new Map<string, string>();
  /** Per ovs-vswitchd restart: the node and when it was killed. */
  const vswitchdRestarts: Array<{ node: SandboxNode; at: number }> = [];
  let stopping = false;
  let counter = 0;

  const createPod = async (node: SandboxNode, pods: CriPod[]) => {
    const n = counter++;
    // A third of the pods get an egress meter, a third an ingress QoS row: both must go with their pod.
    const annotations: Record<string, string> = [{}, { 'kubernetes.io/egress-bandwidth': '10M' }, { 'kubernetes.io/ingress-bandwidth': '10M' }][n % 3]!;
    const name = `c${n}`;
    const namespace = CHURN_NAMESPACES[n % CHURN_NAMESPACES.length]!;
    try {
      const pod = await runApiPod(env, node, namespace, name, annotations);
      const holder = liveIps.get(pod.ip);
      if (holder) report.duplicates.push(`${pod.ip}: ${namespace}/${name} while ${holder} held it`);
      liveIps.set(pod.ip, `${namespace}/${name}`);
      pods.push(pod);
      report.created += 1;
    } catch {
      report.refused += 1;
      await env.api.delete('pods', name, namespace).catch(() => undefined);
    }
  };

  const deletePod = async (node: SandboxNode, pod: CriPod): Promise<boolean> => {
    try {
      await env.runtimes.get(node.name)!.removePod(pod);
    } catch {
      report.deleteRetries += 1;
      return false;
    }
    liveIps.delete(pod.ip);
    await env.api.delete('pods', pod.name, pod.namespace).catch(() => undefined);
    report.deleted += 1;
    return true;
  };

  const podsOf = new Map(nodes.map((node) => [node.name, [] as CriPod[]]));
  const churn = async (node: SandboxNode) => {
    const pods = podsOf.get(node.name)!;
    while (!stopping) {
      const tick = Date.now();
      await createPod(node, pods);
      if (pods.length > options.podsPerNode && await deletePod(node, pods[0]!)) pods.shift();
      await sleep(Math.max(0, options.tickMs - (Date.now() - tick)));
    }
  };

  let longOutage: string | undefined;
  let shortOutage = false;
  const chaos = async () => {
    // Each kind once per round, the first round quickest first, then in random orders: a short run sees all three.
    let round: Array<'daemon' | 'ovs-vswitchd' | 'etcd member'> = ['daemon', 'etcd member', 'ovs-vswitchd'];
    while (!stopping) {
      await sleep(options.chaosEveryMs * (0.5 + Math.random()));
      if (stopping) break;
      const at = since();
      if (round.length === 0) round = (['daemon', 'ovs-vswitchd', 'etcd member'] as const).map((k) => [Math.random(), k] as const).sort().map(([, k]) => k);
      const kind = round.pop()!;
      await chaosEvent(at, kind).catch((error: Error) => report.problems.push(`${at}s ${kind}: ${error.message.split('\n')[0]}`));
      options.log(`  ${at}s chaos: ${report.events.at(-1)?.kind ?? kind} ${report.events.at(-1)?.target ?? '(skipped)'}`);
    }
  };

  const chaosEvent = async (at: number, kind: 'daemon' | 'ovs-vswitchd' | 'etcd member') => {
    const begun = Date.now();
    const done = (target: string) => report.events.push({ at, kind, target, downS: (Date.now() - begun) / 1000 });
    if (kind === 'daemon') {
      // Daemons of the other nodes only: the first node's daemon runs throughout, the witness of memory over time.
      const node = pick(nodes.slice(1));
      await cluster.stopDaemon(node, 'SIGKILL');
      await sleep(500 + Math.random() * 2500);
      await cluster.startDaemon(node, ['--kubeconfig', env.api.kubeconfig]);
      done(node.name);
    } else if (kind === 'ovs-vswitchd') {
      const node = pick(nodes);
      vswitchdRestarts.push({ node, at: begun });
      await node.restartVswitchd({ signal: 'SIGKILL' });
      done(node.name);
    } else if (longOutage === undefined) {
      // Never two members down at once: a lost quorum is etcd-cluster.test.ts's subject.
      const member = pick(etcd.members.filter((m) => m.process?.isRunning));
      shortOutage = true;
      try {
        await etcd.stop(member, 'SIGKILL');
        await sleep(2000 + Math.random() * 8000);
        await etcd.restart(member);
      } finally {
        shortOutage = false;
      }
      done(member.name);
    }
  };

  const memberDownForMinutes = async () => {
    await sleep(options.durationMs / 4);
    while (shortOutage && !stopping) await sleep(200);
    if (stopping) return;
    const member = pick(etcd.members);
    longOutage = member.name;
    const at = since();
    const begun = Date.now();
    await etcd.stop(member, 'SIGKILL');
    options.log(`  ${at}s etcd member ${member.name} down for ${options.longMemberOutageMs / 1000} s`);
    await sleep(options.longMemberOutageMs);
    await etcd.restart(member);
    longOutage = undefined;
    report.events.push({ at, kind: 'etcd member (long)', target: member.name, downS: (Date.now() - begun) / 1000 });
  };

  const sampleRss = async () => {
    while (!stopping) {
      for (const node of nodes) {
        const daemon = cluster.daemons.get(node.name);
        const mib = daemon?.isRunning ? await rssMiB(daemon.pid) : undefined;
        if (daemon && mib !== undefined) report.rss.push({ t: since(), node: node.name, pid: daemon.pid, mib });
      }
      await sleep(options.rssEveryMs);
    }
  };

  const workers = [...nodes.map((node) => churn(node)), chaos(), memberDownForMinutes(), sampleRss()];
  await sleep(options.durationMs);
  stopping = true;
  await Promise.all(workers);
  report.durationS = since();
  options.log(`  ${report.durationS}s churn stopped; removing the remaining pods`);

  // Drain: every churn sandbox goes (those whose RunPodSandbox failed included), as kubelet would.
  for (const node of nodes) {
    const keep = new Set([env.long.from.id, env.long.to.id]);
    for (let attempt = 0; attempt < 10; attempt++) {
      const sandboxes = (await env.runtimes.get(node.name)!.cri.listPodSandbox()).filter((s) => !keep.has(s.id));
      if (sandboxes.length === 0) break;
      const pods = podsOf.get(node.name)!;
      for (const sandbox of sandboxes) {
        const ours = pods.find((p) => p.id === sandbox.id);
        if (!ours) await env.runtimes.get(node.name)!.removePod(sandbox).catch(() => undefined);
        else if (await deletePod(node, ours)) pods.splice(pods.indexOf(ours), 1);
      }
      await sleep(1000);
    }
  }
  const drained = Date.now();
  const leaks = async () => Object.fromEntries(await Promise.all(nodes.map(async (node) =>
    [node.name, stateDifference(baseline.get(node.name)!, await nodeState(cluster, node))] as const)));
  for (;;) {
    report.leaks = await leaks();
    if (Object.values(report.leaks).every((diff) => diff.length === 0) || Date.now() - drained > 60_000) break;
    await sleep(1000);
  }
  report.convergedS = (Date.now() - drained) / 1000;
  report.vnidClaimsMatch = await vnidClaimsMatch(env);
  const pings = await env.pinger.stop();
  const lostAt = pings.lostSeqs.map((seq) => sentAt(env.pinger.replyAt, seq));
  const restored = new Map(await Promise.all(nodes.map(async (node) => [node.name, await switchRestoredTimes(cluster, node)] as const)));
  const windows = vswitchdRestarts.map(({ node, at }): [number, number] => {
    const back = restored.get(node.name)!.find((t) => t > at) ?? at + 10_000;
    return [at - REPLY_TIMEOUT_MS, back + REPLY_TIMEOUT_MS];
  });
  const portChanges = (await Promise.all(nodes.map((node) => portChangeTimes(node)))).flat();
  const inRestart = lostAt.filter((at) => inWindow(at, windows));
  const nearPortChange = lostAt.filter((at) => !inWindow(at, windows)
    && portChanges.some((changed) => Math.abs(changed - at) <= PORT_CHANGE_REACH_MS));
  report.pings = { transmitted: pings.transmitted, lost: pings.lost, longestOutageMs: pings.longestOutageMs,
    lostInVswitchdRestarts: inRestart.length, lostNearPortChanges: nearPortChange.length,
    lostAt: lostAt.map((at) => Math.round((at - started) / 100) / 10) };
  return report;
}

/** When request `seq` went out: the last reply before it, plus one interval per request since. */
function sentAt(replyAt: ReadonlyMap<number, number>, seq: number, intervalMs = 100): number {
  for (let earlier = seq - 1; earlier > 0; earlier--) {
    const at = replyAt.get(earlier);
    if (at !== undefined) return at + (seq - earlier) * intervalMs;
  }
  return 0;
}

function inWindow(at: number, windows: ReadonlyArray<[number, number]>): boolean {
  return windows.some(([from, to]) => at >= from && at <= to);
}

/** One VNID claim per VNID in use, and no claim without a namespace: nothing handed out twice or lost. */
async function vnidClaimsMatch(env: SoakEnvironment): Promise<boolean> {
  const net = `${PREFIX}/k8ssdn`;
  const records = await env.cluster.etcdList(`${net}/netnamespaces/`) as Map<string, { NetID: number }>;
  const claims = (await env.cluster.etcdctl('get', '--prefix', '--keys-only', `${net}/netid-claims/`)).split('\n').filter(Boolean);
  const inUse = new Set([...records.values()].map((r) => r.NetID).filter((id) => id !== 0));
  return claims.length === inUse.size && claims.every((key) => inUse.has(Number(key.slice(`${net}/netid-claims/`.length))));
}
