// Upstream cases on isolation and on pod and namespace selectors (network_policy.go, context
// "NetworkPolicy between server and client"), all probing TCP port 80.
import { create, podLabel, policy, probe, type NetpolCase } from './case-kit.js';
import type { TruthTable } from './matrix.js';
import { NAMESPACE_NAME_LABEL } from './model.js';
import * as t from './tables.js';

const tcp80 = (expected: TruthTable) => [probe('TCP', 80, expected)];

export const SELECTOR_CASES: NetpolCase[] = [
  {
    name: "should support a 'default-deny-ingress' policy",
    group: 'TCP',
    steps: (env) => [{
      title: 'deny-ingress in x isolates every pod of x for ingress',
      actions: [create(policy(env, 'x', 'deny-ingress', { podSelector: {}, policyTypes: ['Ingress'], ingress: [] }))],
      probes: tcp80(t.TO_X_BLOCKED),
    }],
  },
  {
    name: "should support a 'default-deny-all' policy",
    group: 'TCP',
    steps: (env) => [{
      title: 'deny-all in x isolates every pod of x both ways',
      actions: [create(policy(env, 'x', 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] }))],
      probes: tcp80(t.X_CUT_OFF),
    }],
  },
  {
    name: 'should enforce policy to allow traffic from pods within server namespace based on PodSelector',
    group: 'TCP',
    steps: (env) => [{
      title: 'x/a accepts only x/b',
      actions: [create(policy(env, 'x', 'x-a-allows-x-b', {
        podSelector: podLabel('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: podLabel('b') }] }],
      }))],
      probes: tcp80(t.TO_XA_ONLY_FROM_XB),
    }],
  },
  {
    name: 'should enforce policy to allow ingress traffic for a target',
    group: 'TCP',
    steps: (env) => [{
      title: 'having a deny all ingress policy, then allowing all ingress to x/a',
      actions: [
        create(policy(env, 'x', 'deny-all', { podSelector: {}, policyTypes: ['Ingress'], ingress: [] })),
        create(policy(env, 'x', 'allow-all-to-a', {
          podSelector: podLabel('a'), policyTypes: ['Ingress'],
          ingress: [{ from: [{ podSelector: {}, namespaceSelector: {} }] }],
        })),
      ],
      probes: tcp80(t.TO_XB_XC_BLOCKED),
    }],
  },
  {
    name: 'should enforce policy to allow ingress traffic from pods in all namespaces',
    group: 'TCP',
    steps: (env) => [{
      title: 'x/a accepts every pod of every namespace',
      actions: [create(policy(env, 'x', 'allow-from-another-ns', {
        podSelector: podLabel('a'), policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: {} }] }],
      }))],
      probes: tcp80(t.ALL_CONNECTED),
    }],
  },
  {
    name: 'should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector',
    group: 'TCP',
    steps: (env) => [{
      title: 'x/a accepts namespace y only',
      actions: [create(policy(env, 'x', 'allow-client-a-via-ns-selector', {
        podSelector: podLabel('a'), policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: env.namespace('y') } } }] }],
      }))],
      probes: tcp80(t.TO_XA_ONLY_FROM_Y),
    }],
  },
  {
    name: 'should enforce policy based on PodSelector with MatchExpressions',
    group: 'TCP',
    steps: (env) => [{
      title: 'x/a accepts pods of x matching pod In (b)',
      actions: [create(policy(env, 'x', 'x-a-allows-x-b', {
        podSelector: podLabel('a'), policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b'] }] } }] }],
      }))],
      probes: tcp80(t.TO_XA_ONLY_FROM_XB),
    }],
  },
  {
    name: 'should enforce policy based on NamespaceSelector with MatchExpressions',
    group: 'TCP',
    steps: (env) => [{
      title: 'x/a accepts namespaces matching name In (y)',
      actions: [create(policy(env, 'x', 'allow-ns-y-match-selector', {
        podSelector: podLabel('a'), policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: {
          matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'In', values: [env.namespace('y')] }],
        } }] }],
      }))],
      probes: tcp80(t.TO_XA_ONLY_FROM_Y),
    }],
  },
  {
    name: 'should enforce policy based on PodSelector or NamespaceSelector',
    group: 'TCP',
    steps: (env) => [{
      title: 'x/a accepts namespaces other than x, or x/b',
      actions: [create(policy(env, 'x', 'allow-ns-y-match-selector', {
        podSelector: podLabel('a'), policyTypes: ['Ingress'],
        ingress: [{ from: [
          { namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'NotIn', values: [env.namespace('x')] }] } },
          { podSelector: podLabel('b') },
        ] }],
      }))],
      probes: tcp80(t.TO_XA_NOT_FROM_XA_XC),
    }],
  },
  {
    name: 'should enforce policy based on PodSelector and NamespaceSelector',
    group: 'TCP',
    steps: (env) => [{
      title: 'x/a accepts pods b of namespaces other than x',
      actions: [create(policy(env, 'x', 'allow-ns-y-podselector-and-nsselector', {
        podSelector: podLabel('a'), policyTypes: ['Ingress'],
        ingress: [{ from: [{
          namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'NotIn', values: [env.namespace('x')] }] },
          podSelector: podLabel('b'),
        }] }],
      }))],
      probes: tcp80(t.TO_XA_ONLY_FROM_YB_ZB),
    }],
  },
  {
    name: 'should enforce policy based on Multiple PodSelectors and NamespaceSelectors',
    group: 'TCP',
    steps: (env) => [{
      title: 'x/a accepts pods b and c of namespaces other than x',
      actions: [create(policy(env, 'x', 'allow-ns-y-z-pod-b-c', {
        podSelector: podLabel('a'), policyTypes: ['Ingress'],
        ingress: [{ from: [{
          namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'NotIn', values: [env.namespace('x')] }] },
          podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b', 'c'] }] },
        }] }],
      }))],
      probes: tcp80(t.TO_XA_ONLY_FROM_B_C_OUTSIDE_X),
    }],
  },
  {
    name: 'should enforce policy based on any PodSelectors',
    group: 'TCP',
    steps: (env) => [{
      title: 'x/a accepts x/b or x/c',
      actions: [create(policy(env, 'x', 'allow-ns-x-pod-b-c', {
        podSelector: podLabel('a'), policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector: podLabel('b') }, { podSelector: podLabel('c') }] }],
      }))],
      probes: tcp80(t.TO_XA_ONLY_FROM_XB_XC),
    }],
  },
  {
    name: 'should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector',
    group: 'TCP',
    steps: (env) => [{
      title: 'x/a accepts y/a only',
      actions: [create(policy(env, 'x', 'allow-ns-y-pod-a-via-namespace-pod-selector', {
        podSelector: podLabel('a'), policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: env.namespace('y') } }, podSelector: podLabel('a') }] }],
      }))],
      probes: tcp80(t.TO_XA_ONLY_FROM_YA),
    }],
  },
  {
    name: 'should deny ingress from pods on other namespaces',
    group: 'TCP',
    steps: (env) => [{
      title: 'pods of x accept pods of x only',
      actions: [create(policy(env, 'x', 'deny-empty-policy', {
        podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }],
      }))],
      probes: tcp80(t.TO_X_ONLY_FROM_X),
    }],
  },
  {
    name: 'should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using default ns label',
    group: 'TCP',
    steps: (env) => [{
      title: 'x/a accepts the namespace named y',
      actions: [create(policy(env, 'x', 'allow-client-a-via-ns-selector-for-immutable-ns-label', {
        podSelector: podLabel('a'), policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: env.namespace('y') } } }] }],
      }))],
      probes: tcp80(t.TO_XA_ONLY_FROM_Y),
    }],
  },
];
