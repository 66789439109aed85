// Upstream's UDP and SCTP contexts ("NetworkPolicy between server and client using UDP/SCTP"): the same
// three checks in each protocol.
import type { Protocol } from './api.js';
import { create, podLabel, policy, probe, type NetpolCase } from './case-kit.js';
import { NAMESPACE_NAME_LABEL } from './model.js';
import * as t from './tables.js';

function casesFor(protocol: Exclude<Protocol, 'TCP'>): NetpolCase[] {
  return [
    {
      name: "should support a 'default-deny-ingress' policy",
      group: protocol,
      steps: (env) => [{
        title: 'deny-all in x isolates every pod of x for ingress',
        actions: [create(policy(env, 'x', 'deny-all', { podSelector: {}, policyTypes: ['Ingress'], ingress: [] }))],
        probes: [probe(protocol, 80, t.TO_X_BLOCKED)],
      }],
    },
    {
      name: 'should enforce policy based on Ports',
      group: protocol,
      steps: (env) => [{
        title: `x/a accepts namespace y on ${protocol} 81 only`,
        actions: [create(policy(env, 'x', 'allow-ingress-on-port-81-ns-x', {
          podSelector: podLabel('a'), policyTypes: ['Ingress'],
          ingress: [{
            from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: env.namespace('y') } } }],
            ports: [{ port: 81, protocol }],
          }],
        }))],
        probes: [probe(protocol, 81, t.TO_XA_ONLY_FROM_Y)],
      }],
    },
    {
      name: 'should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector',
      group: protocol,
      steps: (env) => [{
        title: 'x/a accepts y/a only',
        actions: [create(policy(env, 'x', 'allow-ns-y-pod-a-via-namespace-pod-selector', {
          podSelector: podLabel('a'), policyTypes: ['Ingress'],
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: env.namespace('y') } }, podSelector: podLabel('a') }] }],
        }))],
        probes: [probe(protocol, 80, t.TO_XA_ONLY_FROM_YA)],
      }],
    },
  ];
}

export const UDP_SCTP_CASES: NetpolCase[] = [...casesFor('UDP'), ...casesFor('SCTP')];
