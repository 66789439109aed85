// Upstream cases on ports, named ports and protocols (network_policy.go, context "NetworkPolicy between
// server and client").
import { create, podLabel, policy, probe, type NetpolCase } from './case-kit.js';
import { NAMESPACE_NAME_LABEL } from './model.js';
import * as t from './tables.js';

export const PORT_CASES: NetpolCase[] = [
  {
    name: 'should enforce policy based on Ports',
    group: 'TCP',
    steps: (env) => [{
      title: 'x/a accepts namespace y on TCP 81 only',
      actions: [create(policy(env, 'x', 'allow-client-a-via-ns-selector', {
        podSelector: podLabel('a'), policyTypes: ['Ingress'],
        ingress: [{
          from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: env.namespace('y') } } }],
          ports: [{ port: 81, protocol: 'TCP' }],
        }],
      }))],
      probes: [probe('TCP', 81, t.TO_XA_ONLY_FROM_Y)],
    }],
  },
  {
    name: 'should enforce multiple, stacked policies with overlapping podSelectors',
    group: 'TCP',
    steps: (env) => {
      const fromY = (name: string, port: number) => policy(env, 'x', name, {
        podSelector: podLabel('a'), policyTypes: ['Ingress'],
        ingress: [{
          from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: env.namespace('y') } } }],
          ports: [{ port, protocol: 'TCP' }],
        }],
      });
      return [
        {
          title: 'Verifying traffic on port 81, then on port 80',
          actions: [create(fromY('allow-client-a-via-ns-selector', 81))],
          probes: [probe('TCP', 81, t.TO_XA_ONLY_FROM_Y), probe('TCP', 80, t.TO_XA_BLOCKED)],
        },
        {
          title: 'Verifying that we can add a policy to unblock port 80',
          actions: [create(fromY('allow-client-a-via-ns-selector-80', 80))],
          probes: [probe('TCP', 80, t.TO_XA_ONLY_FROM_Y)],
        },
      ];
    },
  },
  {
    name: 'should support allow-all policy',
    group: 'TCP',
    steps: (env) => [{
      title: "Testing pods can connect to both ports when an 'allow-all' policy is present.",
      actions: [create(policy(env, 'x', 'allow-all', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] }))],
      probes: [probe('TCP', 80, t.ALL_CONNECTED), probe('TCP', 81, t.ALL_CONNECTED)],
    }],
  },
  {
    name: 'should allow ingress access on one named port',
    group: 'TCP',
    steps: (env) => [{
      title: 'Blocking all ports other then 81 in the entire namespace',
      actions: [create(policy(env, 'x', 'allow-all', {
        podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 'serve-81-tcp' }] }],
      }))],
      probes: [probe('TCP', 81, t.ALL_CONNECTED), probe('TCP', 80, t.TO_X_BLOCKED)],
    }],
  },
  {
    name: 'should allow ingress access from namespace on one named port',
    group: 'TCP',
    steps: (env) => [{
      title: 'Verify that port 80 is allowed for namespace y, and port 81 blocked for all namespaces including y',
      actions: [create(policy(env, 'x', 'allow-client-a-via-ns-selector-80', {
        podSelector: podLabel('a'), policyTypes: ['Ingress'],
        ingress: [{
          from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: env.namespace('y') } } }],
          ports: [{ port: 'serve-80-tcp', protocol: 'TCP' }],
        }],
      }))],
      probes: [probe('TCP', 80, t.TO_XA_ONLY_FROM_Y), probe('TCP', 81, t.TO_XA_BLOCKED)],
    }],
  },
  {
    name: 'should allow egress access on one named port',
    group: 'TCP',
    steps: (env) => [{
      title: 'validating egress from port 81 to port 80',
      actions: [create(policy(env, 'x', 'allow-egress', {
        podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'serve-80-tcp' }] }],
      }))],
      probes: [probe('TCP', 80, t.ALL_CONNECTED), probe('TCP', 81, t.FROM_X_BLOCKED)],
    }],
  },
  {
    name: 'should enforce ingress policy allowing any port traffic to a server on a specific protocol',
    group: 'TCP',
    steps: (env) => [{
      title: 'x/a accepts TCP on any port, and no UDP',
      actions: [create(policy(env, 'x', 'allow-ingress-by-proto', {
        podSelector: podLabel('a'), policyTypes: ['Ingress'], ingress: [{ ports: [{ protocol: 'TCP' }] }],
      }))],
      probes: [probe('TCP', 80, t.ALL_CONNECTED), probe('UDP', 80, t.TO_XA_BLOCKED)],
    }],
  },
  {
    name: 'should enforce multiple ingress policies with ingress allow-all policy taking precedence',
    group: 'TCP',
    steps: (env) => [
      {
        title: "The policy targets port 80 -- so let's make sure traffic on port 81 is blocked",
        actions: [create(policy(env, 'x', 'allow-ingress-port-80', {
          podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 80 }] }],
        }))],
        probes: [probe('TCP', 81, t.TO_X_BLOCKED)],
      },
      {
        title: 'Allowing all ports',
        actions: [create(policy(env, 'x', 'allow-ingress', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] }))],
        probes: [probe('TCP', 81, t.ALL_CONNECTED)],
      },
    ],
  },
  {
    name: "should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin doesn't support SCTP",
    group: 'TCP',
    steps: (env) => [{
      title: 'Trying to connect to TCP port 81, which should be blocked by the deny-ingress policy.',
      actions: [
        create(policy(env, 'x', 'deny-ingress', { podSelector: {}, policyTypes: ['Ingress'], ingress: [] })),
        create(policy(env, 'x', 'allow-only-sctp-ingress-on-port-81', {
          podSelector: podLabel('a'), policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 81, protocol: 'SCTP' }] }],
        })),
      ],
      probes: [probe('TCP', 81, t.TO_X_BLOCKED)],
    }],
  },
  {
    name: "should properly isolate pods that are selected by a policy allowing SCTP, even if the plugin doesn't support SCTP",
    group: 'TCP',
    steps: (env) => [{
      title: 'Trying to connect to TCP port 81, which should be blocked by implicit isolation.',
      actions: [create(policy(env, 'x', 'allow-only-sctp-ingress-on-port-80', {
        podSelector: podLabel('a'), policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 80, protocol: 'SCTP' }] }],
      }))],
      probes: [probe('TCP', 81, t.TO_XA_BLOCKED)],
    }],
  },
  {
    name: 'should not allow access by TCP when a policy specifies only UDP',
    group: 'TCP',
    steps: (env) => [{
      title: 'Creating a network policy for the server which allows traffic only via UDP on port 81.',
      actions: [create(policy(env, 'x', 'allow-only-udp-ingress-on-port-81', {
        podSelector: podLabel('a'), policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 81, protocol: 'UDP' }] }],
      }))],
      probes: [probe('TCP', 81, t.TO_XA_BLOCKED)],
    }],
  },
];
