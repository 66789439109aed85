// Small clusters for the reference evaluator's unit tests.
import type { ContainerPortInfo, Endpoint, NamespaceInfo, NetworkPolicyObject, PodInfo, Probe, Protocol } from '../../support/netpol/api.js';
import { ReferenceEvaluator, type Verdict } from '../../support/netpol/reference.js';

/** Namespaces "a" (team=red) and "b" (team=blue); pods a/web, a/db, b/client; node 192.168.0.1 hosts a/web. */
export const NAMESPACES: NamespaceInfo[] = [
  { name: 'a', labels: { team: 'red', 'kubernetes.io/metadata.name': 'a' } },
  { name: 'b', labels: { team: 'blue', 'kubernetes.io/metadata.name': 'b' } },
];

export function pod(namespace: string, name: string, ip: string, labels: Record<string, string>, ports: ContainerPortInfo[] = [], extra: Partial<PodInfo> = {}): PodInfo {
  return { namespace, name, ip, labels, containers: [{ ports }], ...extra };
}

export const PODS: PodInfo[] = [
  pod('a', 'web', '10.0.0.1', { app: 'web' }, [{ name: 'http', containerPort: 8080 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }], { hostIP: '192.168.0.1' }),
  pod('a', 'db', '10.0.0.2', { app: 'db' }, [{ name: 'http', containerPort: 9090 }]),
  pod('b', 'client', '10.0.1.1', { app: 'client' }),
];

export function netpol(namespace: string, name: string, spec: NetworkPolicyObject['spec']): NetworkPolicyObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

const endpoint = (text: string): Endpoint => {
  if (/^[0-9.:]+$/.test(text)) return { ip: text };
  const [namespace, name] = text.split('/') as [string, string];
  return { pod: { namespace, name } };
};

/** "a/web" is a pod, "203.0.113.9" an address. */
export function probe(from: string, to: string, port = 80, protocol: Protocol = 'TCP'): Probe {
  return { from: endpoint(from), to: endpoint(to), protocol, port };
}

export function verdict(policies: unknown[], from: string, to: string, port = 80, protocol: Protocol = 'TCP', pods = PODS): Verdict {
  return new ReferenceEvaluator({ namespaces: NAMESPACES, pods, policies }).evaluate(probe(from, to, port, protocol));
}

export const allowed = (policies: unknown[], from: string, to: string, port = 80, protocol: Protocol = 'TCP', pods = PODS): boolean =>
  verdict(policies, from, to, port, protocol, pods).allowed;
