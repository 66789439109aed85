// Upstream cases that change policies or labels between probes (network_policy.go, context
// "NetworkPolicy between server and client").
import { create, podLabel, policy, probe, update, type NetpolCase } from './case-kit.js';
import * as t from './tables.js';

export const CHANGE_CASES: NetpolCase[] = [
  {
    name: 'should enforce updated policy',
    group: 'TCP',
    steps: (env) => {
      const allowAll = policy(env, 'x', 'allow-all-mutate-to-deny-all', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] });
      return [
        { title: 'part 1) allow all', actions: [create(allowAll)], probes: [probe('TCP', 81, t.ALL_CONNECTED)] },
        {
          title: 'part 2) update the policy to deny all',
          actions: [update({ ...allowAll, spec: { ...allowAll.spec, ingress: [] } })],
          probes: [probe('TCP', 81, t.TO_X_BLOCKED)],
        },
      ];
    },
  },
  {
    name: 'should allow ingress access from updated namespace',
    group: 'TCP',
    steps: (env) => [
      {
        title: 'x/a accepts namespaces labelled ns2=updated, and none is',
        actions: [create(policy(env, 'x', 'allow-client-a-via-ns-selector', {
          podSelector: podLabel('a'), policyTypes: ['Ingress'],
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns2: 'updated' } } }] }],
        }))],
        probes: [probe('TCP', 80, t.TO_XA_BLOCKED)],
      },
      {
        title: "add a new label: anything from namespace 'y' should be able to get to x/a",
        actions: [{ kind: 'addNamespaceLabels', namespace: 'y', labels: { ns2: 'updated' } }],
        probes: [probe('TCP', 80, t.TO_XA_ONLY_FROM_Y)],
      },
    ],
  },
  {
    name: 'should allow ingress access from updated pod',
    group: 'TCP',
    steps: (env) => [
      {
        title: 'x/a accepts pods labelled pod=b,pod2=updated, and none is',
        actions: [create(policy(env, 'x', 'allow-client-a-via-pod-selector', {
          podSelector: podLabel('a'), policyTypes: ['Ingress'],
          ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b', pod2: 'updated' } } }] }],
        }))],
        probes: [probe('TCP', 80, t.TO_XA_BLOCKED)],
      },
      {
        title: 'x/b is able to reach x/a when label is updated',
        actions: [{ kind: 'addPodLabels', pod: 'x/b', labels: { pod: 'b', pod2: 'updated' } }],
        probes: [probe('TCP', 80, t.TO_XA_ONLY_FROM_XB)],
      },
    ],
  },
  {
    name: 'should deny ingress access to updated pod',
    group: 'TCP',
    steps: (env) => [
      {
        title: 'Verify that everything can reach x/a',
        actions: [create(policy(env, 'x', 'deny-ingress-via-label-selector', {
          podSelector: { matchLabels: { target: 'isolated' } }, policyTypes: ['Ingress'], ingress: [],
        }))],
        probes: [probe('TCP', 80, t.ALL_CONNECTED)],
      },
      {
        title: 'x/a is isolated once labelled target=isolated',
        actions: [{ kind: 'addPodLabels', pod: 'x/a', labels: { target: 'isolated' } }],
        probes: [probe('TCP', 80, t.TO_XA_BLOCKED)],
      },
    ],
  },
  {
    name: 'should stop enforcing policies after they are deleted',
    group: 'TCP',
    steps: (env) => [
      {
        title: 'Creating a network policy for the server which denies all traffic.',
        actions: [create(policy(env, 'x', 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] }))],
        probes: [probe('TCP', 80, t.X_CUT_OFF)],
      },
      {
        title: 'Now the policy is deleted, we expect all connectivity to work again.',
        actions: [{ kind: 'deleteAllPolicies' }],
        probes: [probe('TCP', 80, t.ALL_CONNECTED)],
      },
    ],
  },
  {
    name: 'should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector',
    group: 'TCP',
    steps: (env) => [
      {
        title: 'Creating a network policy for pod-a which allows Egress traffic to pod-b.',
        actions: [create(policy(env, 'x', 'allow-egress-for-target', { podSelector: podLabel('a'), policyTypes: ['Egress'], egress: [{}] }))],
        probes: [probe('TCP', 80, t.ALL_CONNECTED)],
      },
      {
        title: 'Creating a network policy for pod-a that denies traffic from pod-b.',
        actions: [create(policy(env, 'x', 'deny-ingress-via-label-selector', { podSelector: podLabel('a'), policyTypes: ['Ingress'], ingress: [] }))],
        probes: [probe('TCP', 80, t.TO_XA_BLOCKED)],
      },
    ],
  },
];
