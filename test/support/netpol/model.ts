// The pod topology of upstream's NetworkPolicy e2e (test/e2e/network/netpol/model.go): namespaces x, y, z
// with pods a, b, c each, every pod serving TCP, UDP and SCTP on ports 80 and 81, one container per
// port and protocol; and the state changes a case makes between probes.
import { PROTOCOLS, type ClusterState, type NamespaceInfo, type NetworkPolicyObject, type PodInfo, type Protocol } from './api.js';
import { NAMESPACE_KEYS, POD_KEYS, type NamespaceKey, type PodKey } from './matrix.js';

export const MODEL_PORTS: readonly number[] = [80, 81];
export const MODEL_PROTOCOLS: readonly Protocol[] = PROTOCOLS;
/** Set by the API server on every namespace (NamespaceDefaultLabelName, GA in 1.22); the cases select on it. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Container port name as upstream's Container.PortName: "serve-80-tcp". */
export const portName = (port: number, protocol: Protocol): string => `serve-${port}-${protocol.toLowerCase()}`;

/**
 * Where a case runs. Upstream suffixes its namespace names per run and reads pod IPs once pods run;
 * policies that name a namespace or an address are built from this.
 */
export interface CaseEnv {
  namespace(key: NamespaceKey): string;
  podIP(pod: PodKey): string;
}

/** x, y, z as named; pods spread over two /24 node subnets of 10.128.0.0/14. */
export const DEFAULT_ENV: CaseEnv = {
  namespace: (key) => key,
  podIP: (pod) => {
    const i = POD_KEYS.indexOf(pod);
    return `10.128.${i % 2 === 0 ? 0 : 1}.${10 + i}`;
  },
};

/** makeLargeCIDRForIP in upstream's network_policy.go: the /4 network that contains the address. */
export function largeCidrFor(ip: string): string {
  const octets = ip.split('.').map(Number);
  return `${octets[0]! & 0xf0}.0.0.0/4`;
}

export const hostCidr = (ip: string): string => `${ip}/32`;

/** Labels as upstream's Namespace.Spec() sets them ({ns: name}), plus the one the API server adds. */
export function modelNamespaces(env: CaseEnv): NamespaceInfo[] {
  return NAMESPACE_KEYS.map((key) => {
    const name = env.namespace(key);
    return { name, labels: { ns: name, [NAMESPACE_NAME_LABEL]: name } };
  });
}

/** Pods labelled {pod: name} as upstream's Pod.LabelSelector(). */
export function modelPods(env: CaseEnv): PodInfo[] {
  const containers = MODEL_PORTS.flatMap((port) =>
    MODEL_PROTOCOLS.map((protocol) => ({ ports: [{ name: portName(port, protocol), containerPort: port, protocol }] })),
  );
  return POD_KEYS.map((key) => {
    const [ns, pod] = key.split('/') as [NamespaceKey, string];
    return { namespace: env.namespace(ns), name: pod, labels: { pod }, ip: env.podIP(key), containers };
  });
}

/** A change a case makes to the cluster before it probes. */
export type CaseAction =
  | { kind: 'createPolicy'; policy: NetworkPolicyObject }
  /** Replaces the policy of the same namespace and name (upstream UpdatePolicy). */
  | { kind: 'updatePolicy'; policy: NetworkPolicyObject }
  /** Deletes every policy in every namespace (upstream cleanNetworkPolicies). */
  | { kind: 'deleteAllPolicies' }
  /** Adds or overwrites labels, keeping the others (upstream AddNamespaceLabel). */
  | { kind: 'addNamespaceLabels'; namespace: NamespaceKey; labels: Record<string, string> }
  /** Adds or overwrites labels, keeping the others (upstream AddPodLabels). */
  | { kind: 'addPodLabels'; pod: PodKey; labels: Record<string, string> };

/** The model cluster as a case leaves it, for the reference evaluator. */
export class ModelCluster implements ClusterState {
  namespaces: NamespaceInfo[];
  pods: PodInfo[];
  policies: NetworkPolicyObject[] = [];

  constructor(private readonly env: CaseEnv) {
    this.namespaces = modelNamespaces(env);
    this.pods = modelPods(env);
  }

  apply(action: CaseAction): void {
    const same = (p: NetworkPolicyObject, q: NetworkPolicyObject) =>
      p.metadata.namespace === q.metadata.namespace && p.metadata.name === q.metadata.name;
    switch (action.kind) {
      case 'createPolicy':
        if (this.policies.some((p) => same(p, action.policy))) throw new Error(`policy ${action.policy.metadata.name} exists`);
        this.policies = [...this.policies, action.policy];
        return;
      case 'updatePolicy':
        if (!this.policies.some((p) => same(p, action.policy))) throw new Error(`no policy ${action.policy.metadata.name}`);
        this.policies = this.policies.map((p) => (same(p, action.policy) ? action.policy : p));
        return;
      case 'deleteAllPolicies':
        this.policies = [];
        return;
      case 'addNamespaceLabels': {
        const name = this.env.namespace(action.namespace);
        this.namespaces = this.namespaces.map((ns) => (ns.name === name ? { ...ns, labels: { ...ns.labels, ...action.labels } } : ns));
        return;
      }
      case 'addPodLabels': {
        const [ns, name] = action.pod.split('/') as [NamespaceKey, string];
        const namespace = this.env.namespace(ns);
        this.pods = this.pods.map((p) =>
          p.namespace === namespace && p.name === name ? { ...p, labels: { ...p.labels, ...action.labels } } : p,
        );
        return;
      }
    }
  }
}
