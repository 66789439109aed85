// The shape of an upstream NetworkPolicy e2e case as data, and the small builders the case files use.
import type { NetworkPolicyObject, Protocol } from './api.js';
import type { NamespaceKey, TruthTable } from './matrix.js';
import type { CaseAction, CaseEnv } from './model.js';

/** One connectivity check: every pod of the model to every pod, on one protocol and port. */
export interface CaseProbe {
  protocol: Protocol;
  port: number;
  expected: TruthTable;
}

/** Changes to make, then checks to run, in order. */
export interface CaseStep {
  /** What upstream verifies at this point (its ginkgo.By text where it has one). */
  title: string;
  actions: CaseAction[];
  probes: CaseProbe[];
}

export interface NetpolCase {
  /** Upstream's It(...) text. */
  name: string;
  /** Upstream's ginkgo context: "TCP" for "NetworkPolicy between server and client", else "UDP" or "SCTP". */
  group: 'TCP' | 'UDP' | 'SCTP';
  steps(env: CaseEnv): CaseStep[];
}

type Spec = NonNullable<NetworkPolicyObject['spec']>;

/** A NetworkPolicy as upstream's CreatePolicy sends it: its builders' spec, in the case's namespace. */
export function policy(env: CaseEnv, namespace: NamespaceKey, name: string, spec: Spec): NetworkPolicyObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: env.namespace(namespace) },
    spec,
  };
}

export const create = (p: NetworkPolicyObject): CaseAction => ({ kind: 'createPolicy', policy: p });
export const update = (p: NetworkPolicyObject): CaseAction => ({ kind: 'updatePolicy', policy: p });

export const probe = (protocol: Protocol, port: number, expected: TruthTable): CaseProbe => ({ protocol, port, expected });

/** `{pod: name}`: upstream's GenNetworkPolicyWithNameAndPodMatchLabel selector. */
export const podLabel = (pod: string) => ({ matchLabels: { pod } });
