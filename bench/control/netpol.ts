// NetworkPolicy at 100 to 5,000 policies: compile time, flows against the cross product, the time to apply them to a
// sandbox switch through the daemon's own NodePolicies and FlowSync, and one pod's relabelling.
import type { KubePod } from '../../lib/k8s/index.js';
import type { Ipv4 } from '../../lib/net/ipv4.js';
import { silentLogger } from '../../lib/log.js';
import { NodePolicies } from '../../lib/sdn/node/policies.js';
import { POLICY_PRIORITY, policyFlows } from '../../lib/sdn/pipeline/policy-flows.js';
import { Table } from '../../lib/sdn/pipeline/tables.js';
import { type CompiledPolicies, compilePolicies } from '../../lib/sdn/policy/compile.js';
import { ConjunctionIds } from '../../lib/sdn/policy/conjunction-ids.js';
import { startNodePlane } from '../../test/support/nodeplane.js';
import { Sandbox, type SandboxNode, randomPrefix } from '../../test/support/sandbox/index.js';
import type { BenchProfile } from '../profile.js';
import { type Summary, summarize, timed } from '../stats.js';
import { using } from '../teardown.js';
import { tableFlowCount } from './cluster.js';
import { LOCAL_SUBNET, type Plane, fillModel, freshPlane, localPods } from './model.js';
import { type ClusterShape, type PolicyCluster, policyCluster, policyInputs, randomPolicies } from './policy-model.js';
import { NETWORK } from './flows.js';

/** This section's own underlay (the brief's range for new bench work), apart from the other sections'. */
export const NETPOL_UNDERLAY = '10.86.0.0/24';

export interface NetpolPoint {
  policies: number;
  /** Compiled rules (per direction, rule and resolved named port) with a local target. */
  rules: number;
  compileMs: Summary;
  /** policyFlows(): building the flows from the compiled rules, no switch. */
  flowsMs: Summary;
  flows: { total: number; clauses: number; conjunctions: number; allows: number; isolated: number };
  /** Flows without conjunctions: per rule, targets × peers × ports. Computed, never installed. */
  product: number;
  /** From no policy flows to all of them: NodePolicies.refresh() (compile, flows, FlowSync diff, one bundle). */
  applyMs: Summary;
  applySwitchMs: Summary;
  /** Flows found in the two policy tables after the apply, less the pipeline's own there. */
  installedOnSwitch: number;
  /** The relabelled pod: the local pod most compiled rules apply to. */
  relabel: { pod: string; rulesTargeting: number; from: string; to: string; ms: Summary; switchMs: Summary; flowChanges: number[] };
}

export interface NetpolData {
  shape: ClusterShape & { localPods: number };
  points: NetpolPoint[];
}

function flowKinds(compiled: CompiledPolicies, ids: ConjunctionIds): NetpolPoint['flows'] {
  const flows = policyFlows(compiled, (key) => ids.idOf(key));
  const kinds = { total: flows.length, clauses: 0, conjunctions: 0, allows: 0, isolated: 0 };
  for (const f of flows) {
    if (f.priority === POLICY_PRIORITY.isolated) kinds.isolated += 1;
    else if (f.priority === POLICY_PRIORITY.allow) kinds.allows += 1;
    else if (f.actions.some((a) => a.kind === 'conjunction')) kinds.clauses += 1;
    else kinds.conjunctions += 1;
  }
  return kinds;
}

const product = (compiled: CompiledPolicies) => compiled.rules.reduce((sum, rule) =>
  sum + rule.targets.length * (rule.peers === 'all' ? 1 : rule.peers.length) * (rule.ports === 'all' ? 1 : rule.ports.length), 0);

function kubePod(pod: PolicyCluster['pods'][number]): KubePod {
  return { ...pod, uid: pod.name, nodeName: null, annotations: {}, controller: null };
}

const ofctlMs = (plane: Plane, mark: number) =>
  plane.runner.since(mark).filter((c) => c.command === 'ovs-ofctl').reduce((sum, c) => sum + c.ms, 0);

const policyTableFlows = async (node: SandboxNode) =>
  await tableFlowCount(node, Table.IngressPolicy) + await tableFlowCount(node, Table.EgressPolicy);

async function measurePoint(node: SandboxNode, shape: ClusterShape, count: number, reps: number): Promise<NetpolPoint> {
  const cluster = policyCluster(shape);
  const policies = randomPolicies(count, shape);
  const inputs = policyInputs(cluster, policies);
  const compileMs: number[] = [];
  const flowsMs: number[] = [];
  let compiled = compilePolicies(inputs);
  for (let rep = 0; rep < reps; rep++) {
    compileMs.push((await timed(() => (compiled = compilePolicies(inputs)))).ms);
    const ids = new ConjunctionIds();
    flowsMs.push((await timed(() => policyFlows(compiled, (key) => ids.idOf(key)))).ms);
  }

  await node.ofctl(['del-flows', node.mgmtSocket('br0')]);
  const plane = freshPlane(node);
  await fillModel(plane, { pods: localPods(cluster.local.length, 'bench', 11) });
  await plane.dataplane.resync(NETWORK);
  const pipelineOwn = await policyTableFlows(node);
  const apiPods = cluster.pods.map(kubePod);
  let changes = 0;
  const apply = async (flows: Parameters<typeof plane.dataplane.setPolicyFlows>[0]) => {
    changes = await plane.dataplane.setPolicyFlows(flows);
  };
  const applyMs: number[] = [];
  const applySwitchMs: number[] = [];
  let nodePolicies: NodePolicies | undefined;
  for (let rep = 0; rep < reps; rep++) {
    await plane.dataplane.setPolicyFlows([]);
    // A fresh NodePolicies each time: the daemon's first refresh after its watches listed everything.
    nodePolicies = new NodePolicies({
      source: { policies: () => policies, pods: () => apiPods, namespaceLabels: () => cluster.namespaceLabels },
      localPods: () => cluster.local, apply, logger: silentLogger,
    });
    const mark = plane.runner.calls.length;
    applyMs.push((await timed(() => nodePolicies!.refresh())).ms);
    applySwitchMs.push(ofctlMs(plane, mark));
  }
  const installedOnSwitch = await policyTableFlows(node) - pipelineOwn;

  // The local pod most rules apply to gets its app label changed, then back: what a label watch event makes the daemon do.
  const targetedBy = (ip: string) => compiled.rules.filter((rule) => rule.targets.includes(ip as Ipv4)).length;
  const busiest = cluster.local.reduce((best, pod) => (targetedBy(pod.ip) > targetedBy(best.ip) ? pod : best));
  const target = apiPods.findIndex((pod) => pod.namespace === busiest.namespace && pod.name === busiest.name);
  const original = apiPods[target]!;
  const from = original.labels.app!;
  const to = from === 'web' ? 'api' : 'web';
  const relabelMs: number[] = [];
  const relabelSwitchMs: number[] = [];
  const flowChanges: number[] = [];
  for (let rep = 0; rep < Math.max(2, reps); rep++) {
    apiPods[target] = { ...original, labels: { ...original.labels, app: rep % 2 === 0 ? to : from } };
    const mark = plane.runner.calls.length;
    relabelMs.push((await timed(() => nodePolicies!.refresh())).ms);
    relabelSwitchMs.push(ofctlMs(plane, mark));
    flowChanges.push(changes);
  }
  return {
    policies: count, rules: compiled.rules.length, compileMs: summarize(compileMs), flowsMs: summarize(flowsMs),
    flows: flowKinds(compiled, new ConjunctionIds()), product: product(compiled),
    applyMs: summarize(applyMs), applySwitchMs: summarize(applySwitchMs), installedOnSwitch,
    relabel: { pod: `${original.namespace}/${original.name}`, rulesTargeting: targetedBy(busiest.ip), from, to, ms: summarize(relabelMs), switchMs: summarize(relabelSwitchMs), flowChanges },
  };
}

export async function runNetpolSection(profile: BenchProfile, log: (line: string) => void): Promise<NetpolData> {
  const { shape, sizes, reps } = profile.netpol;
  return using(() => Sandbox.create({ prefix: randomPrefix('kbn'), nodes: 1, underlaySubnet: NETPOL_UNDERLAY }), async (sandbox) => {
    const node = sandbox.node('n1');
    await startNodePlane(node, LOCAL_SUBNET);
    const points: NetpolPoint[] = [];
    for (const count of sizes) {
      const point = await measurePoint(node, shape, count, reps);
      points.push(point);
      log(`netpol ${count}: ${point.rules} rules, compile p50 ${point.compileMs.p50.toFixed(0)} ms, ${point.flows.total} flows ` +
        `(product ${point.product}), apply p50 ${point.applyMs.p50.toFixed(0)} ms, on switch ${point.installedOnSwitch}; ` +
        `relabel p50 ${point.relabel.ms.p50.toFixed(0)} ms, ${point.relabel.flowChanges.join(',')} flow changes`);
    }
    return { shape: { ...shape, localPods: policyCluster(shape).local.length }, points };
  });
}
