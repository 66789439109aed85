// NetworkPolicies as this node enforces them (pure): per rule, the local pods it applies to, the addresses it lets
// in or out, the ports; and which local pods each direction isolates. Named ports are resolved per pod here.
import type { KubeNetworkPolicy, NamedPort, PolicyPeer, PolicyPort, PolicyProtocol, PolicyRule } from '../../k8s/index.js';
import { Cidr, type Ipv4, ipv4ToInt, subtractCidrs } from '../../net/ipv4.js';
import type { Masked } from '../../ovs/flow.js';
import { portRangeMasks } from './port-ranges.js';
import { type Labels, selects } from './selector.js';

export type Direction = 'ingress' | 'egress';

/** A pod as policies see it: its labels, its address (peers need one) and its named container ports. */
export interface PolicyPod {
  namespace: string;
  name: string;
  labels: Labels;
  ip: Ipv4 | null;
  hostNetwork: boolean;
  namedPorts: readonly NamedPort[];
}

export interface PolicyInputs {
  policies: readonly KubeNetworkPolicy[];
  /** Every namespace's labels, for namespaceSelectors. */
  namespaceLabels: ReadonlyMap<string, Labels>;
  /** Every pod of the cluster: the peers. */
  pods: readonly PolicyPod[];
  /** The pods attached to this node, with the address they were given here: the pods rules apply to. */
  local: ReadonlyArray<PolicyPod & { ip: Ipv4 }>;
}

/** A protocol, and the destination ports (masked) or every port when absent. */
export interface PortMatch {
  protocol: PolicyProtocol;
  port?: Masked;
}

export interface CompiledRule {
  /** Stable across recompilations while the rule means the same: what conjunction IDs are kept by. */
  key: string;
  /** `namespace/name` of the policy, and the rule's place in it, for trace and metrics. */
  policy: string;
  direction: Direction;
  index: number;
  /** Local pods it applies to: destinations for ingress, sources for egress. */
  targets: readonly Ipv4[];
  /** Sources (ingress) or destinations (egress) it admits. */
  peers: readonly Cidr[] | 'all';
  ports: readonly PortMatch[] | 'all';
}

export interface CompiledPolicies {
  rules: CompiledRule[];
  /** Local pods that some policy isolates, per direction, with those policies (`namespace/name`). */
  isolated: Record<Direction, Map<Ipv4, string[]>>;
}

export function compilePolicies(inputs: PolicyInputs): CompiledPolicies {
  const compiled: CompiledPolicies = { rules: [], isolated: { ingress: new Map(), egress: new Map() } };
  const peerPods = inputs.pods.filter((pod): pod is PolicyPod & { ip: Ipv4 } => pod.ip !== null && !pod.hostNetwork);
  for (const policy of [...inputs.policies].sort((a, b) => policyName(a).localeCompare(policyName(b)))) {
    const targets = inputs.local.filter((pod) => pod.namespace === policy.namespace && selects(policy.podSelector, pod.labels));
    if (targets.length === 0) continue;
    for (const direction of ['ingress', 'egress'] as const) {
      const rules = policy[direction];
      if (rules === null) continue;
      for (const pod of targets) {
        const isolating = compiled.isolated[direction].get(pod.ip) ?? [];
        compiled.isolated[direction].set(pod.ip, [...isolating, policyName(policy)]);
      }
      rules.forEach((rule, index) => {
        const context: RuleContext = { policy, direction, index, targets, peerPods, namespaceLabels: inputs.namespaceLabels };
        compiled.rules.push(...compileRule(rule, context));
      });
    }
  }
  return compiled;
}

interface RuleContext {
  policy: KubeNetworkPolicy;
  direction: Direction;
  index: number;
  targets: ReadonlyArray<PolicyPod & { ip: Ipv4 }>;
  peerPods: ReadonlyArray<PolicyPod & { ip: Ipv4 }>;
  namespaceLabels: ReadonlyMap<string, Labels>;
}

const policyName = (policy: KubeNetworkPolicy) => `${policy.namespace}/${policy.name}`;
const sortedIps = (ips: Iterable<Ipv4>) => [...new Set(ips)].sort((a, b) => ipv4ToInt(a) - ipv4ToInt(b));

/**
 * A rule's numbered ports in one compiled rule; each named port in as many as it resolves to different numbers, on
 * the pods that receive the traffic (the targets for ingress, the peer pods for egress; never addresses).
 */
function compileRule(rule: PolicyRule, context: RuleContext): CompiledRule[] {
  const peerSet = rule.peers === 'all' ? 'all' : peersOf(rule.peers, context);
  const base = { policy: policyName(context.policy), direction: context.direction, index: context.index };
  const keyOf = (variant: string) => `${base.policy}/${base.direction}/${base.index}/${variant}`;
  const allTargets = sortedIps(context.targets.map((pod) => pod.ip));
  if (rule.ports === 'all') return [{ ...base, key: keyOf('all'), targets: allTargets, peers: addresses(peerSet), ports: 'all' }];
  const numbered = rule.ports.filter((port) => typeof port.port !== 'string');
  const compiled: CompiledRule[] = [];
  if (numbered.length > 0) {
    compiled.push({ ...base, key: keyOf('numbered'), targets: allTargets, peers: addresses(peerSet), ports: numbered.flatMap(portMatches) });
  }
  for (const port of rule.ports.filter((p): p is PolicyPort & { port: string } => typeof p.port === 'string')) {
    const receivers = context.direction === 'ingress' ? context.targets : peerSet === 'all' ? context.peerPods : peerSet.pods;
    for (const [number, pods] of groupByResolvedPort(receivers, port)) {
      const match = [{ protocol: port.protocol, port: { value: number, mask: 0xffff } }];
      const key = keyOf(`${port.protocol}:${port.port}=${number}`);
      compiled.push(context.direction === 'ingress'
        ? { ...base, key, targets: sortedIps(pods.map((pod) => pod.ip)), peers: addresses(peerSet), ports: match }
        : { ...base, key, targets: allTargets, peers: sortedIps(pods.map((pod) => pod.ip)).map(host), ports: match });
    }
  }
  return compiled;
}

interface PeerSet {
  pods: ReadonlyArray<PolicyPod & { ip: Ipv4 }>;
  blocks: Cidr[];
}

/** The pods and address blocks a rule's peers name. */
function peersOf(peers: readonly PolicyPeer[], context: RuleContext): PeerSet {
  const pods = new Map<string, PolicyPod & { ip: Ipv4 }>();
  const blocks: Cidr[] = [];
  for (const peer of peers) {
    if (peer.kind === 'ipBlock') {
      blocks.push(...subtractCidrs(peer.cidr, peer.except));
      continue;
    }
    for (const pod of context.peerPods) {
      const inNamespace = peer.namespaceSelector === null
        ? pod.namespace === context.policy.namespace
        : selects(peer.namespaceSelector, context.namespaceLabels.get(pod.namespace) ?? {});
      if (inNamespace && (peer.podSelector === null || selects(peer.podSelector, pod.labels))) pods.set(`${pod.namespace}/${pod.name}`, pod);
    }
  }
  return { pods: [...pods.values()], blocks };
}

const host = (ip: Ipv4) => Cidr.of(ipv4ToInt(ip), 32);

function addresses(peers: PeerSet | 'all'): readonly Cidr[] | 'all' {
  if (peers === 'all') return 'all';
  const all = [...peers.pods.map((pod) => host(pod.ip)), ...peers.blocks];
  const unique = new Map(all.map((cidr) => [cidr.toString(), cidr]));
  return [...unique.values()].sort((a, b) => a.base - b.base || a.prefixLength - b.prefixLength);
}

function portMatches(port: PolicyPort): PortMatch[] {
  if (port.port === null) return [{ protocol: port.protocol }];
  const first = port.port as number;
  return portRangeMasks(first, port.endPort ?? first).map((mask) => ({ protocol: port.protocol, port: mask }));
}

/** Pods by the number their container port of this name and protocol has; pods without it are left out. */
function groupByResolvedPort<T extends PolicyPod>(pods: readonly T[], port: PolicyPort & { port: string }): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const pod of pods) {
    const named = pod.namedPorts.find((p) => p.name === port.port && p.protocol === port.protocol);
    if (named) groups.set(named.port, [...(groups.get(named.port) ?? []), pod]);
  }
  return groups;
}
