// Reference evaluator of networking.k8s.io/v1 NetworkPolicy, written from the API reference
// (k8s.io/api networking/v1 types.go) and the concepts page
// (kubernetes.io/docs/concepts/services-networking/network-policies). It is the yardstick the
// OVS implementation is checked against, so it shares no code with lib/.
//
// Decisions where the documents leave room, each with the sentence it follows:
// - Both ends must agree: "For a connection from a source pod to a destination pod to be allowed, both the
//   egress policy on the source pod and the ingress policy on the destination pod need to allow the
//   connection." (concepts). An end that is not a pod has no policy of its own.
// - Isolation per direction: a pod is isolated for ingress (egress) when "any NetworkPolicy ... both selects
//   the pod and has "Ingress" ("Egress") in its policyTypes"; otherwise that direction is unrestricted.
//   Rules of a direction a policy's policyTypes omit have no effect.
// - Union: "Network policies do not conflict; they are additive" (concepts). Every matching rule of every
//   policy applying to the pod in that direction is reported; order never matters.
// - Own node: ingress is allowed "if the traffic source is the pod's local node" (NetworkPolicySpec.ingress),
//   and "traffic to and from the node where a Pod is running is always allowed" (concepts): an address equal
//   to the pod's hostIP passes in both directions.
// - Loopback: "a pod cannot block access to itself" (concepts): a pod to itself is always allowed. Upstream's
//   e2e ignores the diagonal of its truth tables for the same reason.
// - ipBlock applies to any address, pod addresses included. The concepts page says ipBlocks "should be
//   cluster-external IPs, since Pod IPs are ephemeral and unpredictable": advice, not an exception; the
//   IPBlock reference ("a particular CIDR ... that is allowed to the pods matched by a NetworkPolicySpec's
//   podSelector") has none, and upstream's e2e "should allow egress access to server in CIDR block" expects
//   a pod matched by its /32. An address in an `except` is excluded from that ipBlock only; another peer or
//   rule may still allow it.
// - Pod and namespace selectors match pods only, never a bare address (the reference defines them as
//   selecting pods).
// - hostNetwork pods: "NetworkPolicy behaviour for hostNetwork pods is undefined" (concepts, "NetworkPolicy
//   and hostNetwork pods"); we take its second, "most common" option: hostNetwork pods are ignored when
//   matching podSelector and namespaceSelector and their traffic is that of their node IP. They are never
//   isolated and never resolve named ports.
// - Named ports: `port` is "a numerical or named port on a pod" (NetworkPolicyPort.port). A name resolves on
//   the pod that receives the traffic (the selected pod for ingress, the destination for egress) to a
//   container port with that name and the rule's protocol; it never matches an address that is not a pod.
import type { ClusterState, Endpoint, Labels, PodInfo, Probe, Protocol } from './api.js';
import { cidrContains, parseAddress, type Cidr } from './cidr.js';
import { InconsistentClusterError } from './errors.js';
import { parseNetworkPolicy, type ParsedPeer, type ParsedPolicy, type ParsedPort, type ParsedRule } from './parse.js';
import { selectorMatches } from './selector.js';

export type Direction = 'Ingress' | 'Egress';

/** A rule by position: `spec.ingress[index]` or `spec.egress[index]` of policy `namespace/name`. */
export interface RuleRef {
  policy: string;
  direction: Direction;
  index: number;
}

export type SideVerdict =
  | { allowed: true; reason: 'not-a-pod' | 'not-isolated' | 'own-node' | 'loopback' }
  /** Every rule that allows the traffic, sorted by policy then index. */
  | { allowed: true; reason: 'rule'; rules: readonly RuleRef[] }
  /** The policies that isolate the pod in this direction; none of their rules matched. */
  | { allowed: false; reason: 'no-rule'; isolatedBy: readonly string[] };

export interface Verdict {
  allowed: boolean;
  egress: SideVerdict;
  ingress: SideVerdict;
  message: string;
}

/** A resolved end of a probe. `policyPod` is set when NetworkPolicy can select it (not hostNetwork). */
interface Party {
  label: string;
  address: Cidr;
  pod?: PodInfo;
  policyPod?: PodInfo;
}

export const ruleName = (rule: RuleRef): string => `${rule.policy} ${rule.direction.toLowerCase()}[${rule.index}]`;

export class ReferenceEvaluator {
  private readonly policies: readonly ParsedPolicy[];
  private readonly namespaceLabels = new Map<string, Labels>();
  private readonly pods = new Map<string, PodInfo>();

  /** Validates every policy (InvalidNetworkPolicyError) and indexes the state. */
  constructor(state: ClusterState) {
    for (const ns of state.namespaces) this.namespaceLabels.set(ns.name, ns.labels);
    for (const pod of state.pods) {
      if (!this.namespaceLabels.has(pod.namespace)) {
        throw new InconsistentClusterError(`pod ${pod.namespace}/${pod.name} is in unknown namespace ${pod.namespace}`);
      }
      this.pods.set(`${pod.namespace}/${pod.name}`, pod);
    }
    const parsed = state.policies.map(parseNetworkPolicy).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    parsed.forEach((policy, i) => {
      if (i > 0 && parsed[i - 1]!.id === policy.id) throw new InconsistentClusterError(`two NetworkPolicies named ${policy.id}`);
    });
    this.policies = parsed;
  }

  evaluate(probe: Probe): Verdict {
    const from = this.resolve(probe.from);
    const to = this.resolve(probe.to);
    const loopback = from.pod !== undefined && from.pod === to.pod;
    const egress: SideVerdict = loopback ? { allowed: true, reason: 'loopback' } : this.side('Egress', from, to, probe);
    const ingress: SideVerdict = loopback ? { allowed: true, reason: 'loopback' } : this.side('Ingress', to, from, probe);
    const allowed = egress.allowed && ingress.allowed;
    const message =
      `${from.label} -> ${to.label} ${probe.protocol}/${probe.port} ${allowed ? 'allowed' : 'denied'}: ` +
      `egress of ${from.label} ${describe(egress)}; ingress of ${to.label} ${describe(ingress)}`;
    return { allowed, egress, ingress, message };
  }

  /** Ids of the policies that isolate this pod in this direction (empty: not isolated). */
  isolating(pod: PodInfo, direction: Direction): string[] {
    if (pod.hostNetwork) return [];
    return this.policies
      .filter((p) => p.namespace === pod.namespace && (direction === 'Ingress' ? p.affectsIngress : p.affectsEgress))
      .filter((p) => selectorMatches(p.podSelector, pod.labels))
      .map((p) => p.id);
  }

  /** The verdict of `subject`'s policies in `direction` on traffic with `other`. */
  private side(direction: Direction, subject: Party, other: Party, probe: Probe): SideVerdict {
    const pod = subject.policyPod;
    if (!pod) return { allowed: true, reason: 'not-a-pod' };
    if (pod.hostIP !== undefined && sameAddress(parseAddress(pod.hostIP), other.address)) {
      return { allowed: true, reason: 'own-node' };
    }
    const isolatedBy = this.isolating(pod, direction);
    if (isolatedBy.length === 0) return { allowed: true, reason: 'not-isolated' };
    // The receiver resolves named ports: the subject itself for ingress, the other end for egress.
    const receiver = direction === 'Ingress' ? pod : other.policyPod;
    const rules: RuleRef[] = [];
    for (const policy of this.policies.filter((p) => isolatedBy.includes(p.id))) {
      const list = direction === 'Ingress' ? policy.ingress : policy.egress;
      list.forEach((rule, index) => {
        if (this.ruleMatches(rule, policy.namespace, other, receiver, probe)) rules.push({ policy: policy.id, direction, index });
      });
    }
    return rules.length > 0 ? { allowed: true, reason: 'rule', rules } : { allowed: false, reason: 'no-rule', isolatedBy };
  }

  private ruleMatches(rule: ParsedRule, policyNamespace: string, peer: Party, receiver: PodInfo | undefined, probe: Probe): boolean {
    const peerOk = rule.peers === 'all' || rule.peers.some((p) => this.peerMatches(p, policyNamespace, peer));
    const portOk = rule.ports === 'all' || rule.ports.some((p) => portMatches(p, probe.protocol, probe.port, receiver));
    return peerOk && portOk;
  }

  private peerMatches(peer: ParsedPeer, policyNamespace: string, party: Party): boolean {
    if (peer.kind === 'ipBlock') {
      return cidrContains(peer.cidr, party.address) && !peer.except.some((block) => cidrContains(block, party.address));
    }
    const pod = party.policyPod;
    if (!pod) return false;
    // "If namespaceSelector is also set, then the NetworkPolicyPeer as a whole selects the pods matching
    // podSelector in the Namespaces selected by NamespaceSelector. Otherwise it selects the pods matching
    // podSelector in the policy's own namespace." (NetworkPolicyPeer.podSelector)
    const namespaceOk = peer.namespaceSelector
      ? selectorMatches(peer.namespaceSelector, this.namespaceLabels.get(pod.namespace)!)
      : pod.namespace === policyNamespace;
    const podOk = peer.podSelector ? selectorMatches(peer.podSelector, pod.labels) : true;
    return namespaceOk && podOk;
  }

  private resolve(endpoint: Endpoint): Party {
    if ('ip' in endpoint) {
      const address = parseAddress(endpoint.ip);
      if (!address) throw new InconsistentClusterError(`probe address ${JSON.stringify(endpoint.ip)} is not an IP address`);
      return { label: endpoint.ip, address };
    }
    const label = `${endpoint.pod.namespace}/${endpoint.pod.name}`;
    const pod = this.pods.get(label);
    if (!pod) throw new InconsistentClusterError(`probe names unknown pod ${label}`);
    const address = parseAddress(pod.ip);
    if (!address) throw new InconsistentClusterError(`pod ${label} has no valid IP (${JSON.stringify(pod.ip)})`);
    return { label, address, pod, ...(!pod.hostNetwork && { policyPod: pod }) };
  }
}

function portMatches(port: ParsedPort, protocol: Protocol, number: number, receiver: PodInfo | undefined): boolean {
  if (port.protocol !== protocol) return false;
  switch (port.kind) {
    case 'any':
      return true;
    case 'range':
      return number >= port.from && number <= port.to;
    case 'named':
      return (
        receiver !== undefined &&
        receiver.containers.some((c) =>
          c.ports.some((p) => p.name === port.name && (p.protocol ?? 'TCP') === protocol && p.containerPort === number),
        )
      );
  }
}

function sameAddress(a: Cidr | undefined, b: Cidr): boolean {
  return a !== undefined && cidrContains(a, b) && cidrContains(b, a);
}

function describe(verdict: SideVerdict): string {
  switch (verdict.reason) {
    case 'rule':
      return `allowed by ${verdict.rules.map(ruleName).join(', ')}`;
    case 'no-rule':
      return `isolated by ${verdict.isolatedBy.join(', ')} and no rule allows it`;
    case 'not-a-pod':
      return 'unrestricted (not a pod-network pod)';
    case 'not-isolated':
      return 'unrestricted (no policy selects it)';
    case 'own-node':
      return 'unrestricted (own node)';
    case 'loopback':
      return 'unrestricted (loopback)';
  }
}

/** One-shot evaluation; build a ReferenceEvaluator to evaluate many probes against one state. */
export function evaluate(state: ClusterState, probe: Probe): Verdict {
  return new ReferenceEvaluator(state).evaluate(probe);
}
