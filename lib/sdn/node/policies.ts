// NetworkPolicy on this node: the API server's policies, pods and namespaces compiled for the pods attached here,
// applied as flows; recomputed as a whole on every change (coalesced), sent as the differences in one bundle.
import type { KubeNetworkPolicy, KubePod } from '../../k8s/index.js';
import type { Logger } from '../../log.js';
import type { Ipv4 } from '../../net/ipv4.js';
import type { Flow } from '../../ovs/flow.js';
import { type CompiledPolicies, type PolicyPod, compilePolicies } from '../policy/compile.js';
import { ConjunctionIds } from '../policy/conjunction-ids.js';
import type { Labels } from '../policy/selector.js';
import { policyFlows } from '../pipeline/policy-flows.js';

/** What the API server says, as the node's watches have it now. */
export interface PolicySource {
  policies(): readonly KubeNetworkPolicy[];
  pods(): readonly KubePod[];
  namespaceLabels(): ReadonlyMap<string, Labels>;
}

/** A pod attached (or being attached) here, with the address this node gave it. */
export interface LocalPodAddress {
  namespace: string;
  name: string;
  ip: Ipv4;
}

export interface NodePoliciesOptions {
  source: PolicySource;
  localPods: () => readonly LocalPodAddress[];
  /** Installs the node's policy flows (in order with the node's other switch changes). */
  apply: (flows: readonly Flow[]) => Promise<void>;
  logger: Logger;
}

export class NodePolicies {
  private readonly ids = new ConjunctionIds();
  /** Pods whose ADD is running: their rules are in place before their port gets any flow. */
  private readonly admitting = new Map<string, LocalPodAddress>();
  private current: CompiledPolicies = { rules: [], isolated: { ingress: new Map(), egress: new Map() } };
  private running: Promise<void> | undefined;
  private again = false;
  private readonly log: Logger;

  constructor(private readonly options: NodePoliciesOptions) {
    this.log = options.logger.child({ component: 'network-policy' });
  }

  get compiled(): CompiledPolicies {
    return this.current;
  }

  /** Recomputes and applies; calls made while one runs are served by one more run after it. */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.recompute();
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Puts a pod's policy flows in place before its ADD gives it a port: it is never reachable unisolated. */
  async admit(pod: LocalPodAddress): Promise<void> {
    this.admitting.set(`${pod.namespace}/${pod.name}`, pod);
    await this.refresh();
  }

  /** The ADD is over (done or undone): the pod is among the attached pods, or gone. */
  admitted(pod: { namespace: string; name: string }): void {
    this.admitting.delete(`${pod.namespace}/${pod.name}`);
  }

  private async recompute(): Promise<void> {
    const { source } = this.options;
    const apiPods = source.pods();
    const byName = new Map(apiPods.map((pod) => [`${pod.namespace}/${pod.name}`, pod]));
    const local = new Map<string, LocalPodAddress>();
    for (const pod of [...this.options.localPods(), ...this.admitting.values()]) local.set(`${pod.namespace}/${pod.name}`, pod);
    const compiled = compilePolicies({
      policies: source.policies(), namespaceLabels: source.namespaceLabels(), pods: apiPods.map(policyPod),
      local: [...local.entries()].map(([key, pod]) => ({ ...policyPod(byName.get(key) ?? unlabelled(pod)), ip: pod.ip })),
    });
    const flows = policyFlows(compiled, (key) => this.ids.idOf(key));
    this.ids.retain(new Set(compiled.rules.map((rule) => rule.key)));
    await this.options.apply(flows);
    if (compiled.rules.length !== this.current.rules.length || isolatedCount(compiled) !== isolatedCount(this.current)) {
      this.log.info('network policies applied', { rules: compiled.rules.length, flows: flows.length,
        isolatedIngress: compiled.isolated.ingress.size, isolatedEgress: compiled.isolated.egress.size });
    }
    this.current = compiled;
  }
}

const isolatedCount = (compiled: CompiledPolicies) => compiled.isolated.ingress.size + compiled.isolated.egress.size;

function policyPod(pod: KubePod): PolicyPod {
  return { namespace: pod.namespace, name: pod.name, labels: pod.labels, ip: pod.ip, hostNetwork: pod.hostNetwork, namedPorts: pod.namedPorts };
}

/** A local pod the API server has not shown yet: no labels, so only selectors that select every pod apply. */
function unlabelled(pod: LocalPodAddress): KubePod {
  return { namespace: pod.namespace, name: pod.name, uid: '', nodeName: null, annotations: {}, labels: {}, ip: pod.ip,
    hostNetwork: false, namedPorts: [], controller: null };
}
