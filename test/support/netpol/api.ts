// The shapes the reference evaluator reads: NetworkPolicy JSON as the API server serves it, and the
// few namespace and pod fields that policy depends on.

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export type Labels = Readonly<Record<string, string>>;

/** metav1.LabelSelectorRequirement. */
export interface LabelSelectorRequirementObject {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** metav1.LabelSelector. */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirementObject[];
}

export interface IPBlockObject {
  cidr: string;
  except?: string[];
}

export interface NetworkPolicyPeerObject {
  podSelector?: LabelSelectorObject;
  namespaceSelector?: LabelSelectorObject;
  ipBlock?: IPBlockObject;
}

export interface NetworkPolicyPortObject {
  protocol?: Protocol;
  /** intstr.IntOrString: a number, or the name of a container port. */
  port?: number | string;
  endPort?: number;
}

export interface NetworkPolicyIngressRuleObject {
  from?: NetworkPolicyPeerObject[];
  ports?: NetworkPolicyPortObject[];
}

export interface NetworkPolicyEgressRuleObject {
  to?: NetworkPolicyPeerObject[];
  ports?: NetworkPolicyPortObject[];
}

/** networking.k8s.io/v1 NetworkPolicy. Optional fields may be missing, null, or empty, as on the wire. */
export interface NetworkPolicyObject {
  apiVersion?: 'networking.k8s.io/v1';
  kind?: 'NetworkPolicy';
  metadata: { name: string; namespace: string; [field: string]: unknown };
  spec?: {
    podSelector?: LabelSelectorObject;
    policyTypes?: ('Ingress' | 'Egress')[];
    ingress?: NetworkPolicyIngressRuleObject[];
    egress?: NetworkPolicyEgressRuleObject[];
  };
}

export interface NamespaceInfo {
  name: string;
  labels: Labels;
}

export interface ContainerPortInfo {
  name?: string;
  containerPort: number;
  /** Defaults to TCP, as in core/v1 ContainerPort. */
  protocol?: Protocol;
}

export interface PodInfo {
  namespace: string;
  name: string;
  labels: Labels;
  ip: string;
  /** status.hostIP: the node the pod runs on. Traffic between a pod and its own node is never filtered. */
  hostIP?: string;
  hostNetwork?: boolean;
  containers: { ports: ContainerPortInfo[] }[];
}

export interface PodRef {
  namespace: string;
  name: string;
}

/** One end of a probe: a pod of the cluster, or an address that is not a pod (outside the cluster, a node). */
export type Endpoint = { pod: PodRef } | { ip: string };

export interface Probe {
  from: Endpoint;
  to: Endpoint;
  protocol: Protocol;
  port: number;
}

/** Everything the evaluator looks at. Policies are raw objects; they are validated on use. */
export interface ClusterState {
  namespaces: readonly NamespaceInfo[];
  pods: readonly PodInfo[];
  policies: readonly unknown[];
}
