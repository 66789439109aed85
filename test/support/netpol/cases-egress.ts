// Upstream cases on egress, ipBlock and except (network_policy.go, context "NetworkPolicy between server
// and client"), all probing TCP.
import { create, podLabel, policy, probe, update, type NetpolCase } from './case-kit.js';
import { hostCidr, largeCidrFor, NAMESPACE_NAME_LABEL } from './model.js';
import * as t from './tables.js';

export const EGRESS_CASES: NetpolCase[] = [
  {
    name: 'should deny egress from pods based on PodSelector',
    group: 'TCP',
    steps: (env) => [{
      title: 'x/a may send nothing',
      actions: [create(policy(env, 'x', 'deny-egress-pod-a', { podSelector: podLabel('a'), policyTypes: ['Egress'], egress: [] }))],
      probes: [probe('TCP', 80, t.FROM_XA_BLOCKED)],
    }],
  },
  {
    name: 'should deny egress from all pods in a namespace',
    group: 'TCP',
    steps: (env) => [{
      title: 'pods of x may send nothing',
      actions: [create(policy(env, 'x', 'deny-egress-ns-x', { podSelector: {}, policyTypes: ['Egress'], egress: [] }))],
      probes: [probe('TCP', 80, t.FROM_X_BLOCKED)],
    }],
  },
  {
    name: 'should work with Ingress, Egress specified together',
    group: 'TCP',
    steps: (env) => [{
      title: 'x/a accepts x/b and sends to port 80 only; validating that port 81 does not work',
      actions: [create(policy(env, 'x', 'allow-client-a-via-pod-selector', {
        podSelector: podLabel('a'),
        // Upstream overwrites the [Ingress] its builder set with this list, in this order.
        policyTypes: ['Egress', 'Ingress'],
        ingress: [{ from: [{ podSelector: podLabel('b') }] }],
        egress: [{ ports: [{ port: 80 }] }],
      }))],
      probes: [probe('TCP', 80, t.TO_XA_ONLY_FROM_XB), probe('TCP', 81, t.XA_CUT_OFF_BUT_FROM_XB)],
    }],
  },
  {
    name: 'should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)',
    group: 'TCP',
    steps: (env) => {
      const fromXa = { from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: env.namespace('x') } }, podSelector: podLabel('a') }] };
      return [{
        title: 'x/a may send to y/a only; y/a and y/b accept x/a only',
        actions: [
          create(policy(env, 'x', 'allow-to-ns-y-pod-a', {
            podSelector: podLabel('a'), policyTypes: ['Egress'],
            egress: [{ to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: env.namespace('y') } }, podSelector: podLabel('a') }] }],
          })),
          create(policy(env, 'y', 'allow-from-xa-on-ya-match-selector', { podSelector: podLabel('a'), policyTypes: ['Ingress'], ingress: [fromXa] })),
          create(policy(env, 'y', 'allow-from-xa-on-yb-match-selector', { podSelector: podLabel('b'), policyTypes: ['Ingress'], ingress: [fromXa] })),
        ],
        probes: [probe('TCP', 80, t.XA_ONLY_TO_YA_YB_CUT_OFF)],
      }];
    },
  },
  {
    name: 'should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and NamespaceSelector',
    group: 'TCP',
    steps: (env) => [{
      title: 'x/a may send to y/a only',
      actions: [create(policy(env, 'x', 'allow-to-ns-y-pod-a', {
        podSelector: podLabel('a'), policyTypes: ['Egress'],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: env.namespace('y') } }, podSelector: podLabel('a') }] }],
      }))],
      probes: [probe('TCP', 80, t.FROM_XA_ONLY_TO_YA)],
    }],
  },
  {
    name: 'should enforce multiple egress policies with egress allow-all policy taking precedence',
    group: 'TCP',
    steps: (env) => [
      {
        title: "Making sure ingress doesn't work other than port 80",
        actions: [create(policy(env, 'x', 'allow-egress-port-80', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 80 }] }] }))],
        probes: [probe('TCP', 81, t.FROM_X_BLOCKED)],
      },
      {
        title: 'Allowing all ports',
        actions: [create(policy(env, 'x', 'allow-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] }))],
        probes: [probe('TCP', 81, t.ALL_CONNECTED)],
      },
    ],
  },
  {
    name: 'should allow egress access to server in CIDR block',
    group: 'TCP',
    steps: (env) => [{
      title: "x/a may send to y/b's address only",
      actions: [create(policy(env, 'x', 'allow-client-a-via-cidr-egress-rule', {
        podSelector: podLabel('a'), policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: hostCidr(env.podIP('y/b')) } }] }],
      }))],
      probes: [probe('TCP', 80, t.FROM_XA_ONLY_TO_YB)],
    }],
  },
  {
    // The /4 around x/b holds every pod address when the pod network fits in one /4 (any 10.0.0.0/8 one does).
    name: 'should enforce except clause while egress access to server in CIDR block',
    group: 'TCP',
    steps: (env) => [{
      title: "x/a may send to the /4 around x/b's address, except x/b",
      actions: [create(policy(env, 'x', 'allow-client-a-via-cidr-egress-rule', {
        podSelector: podLabel('a'), policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: largeCidrFor(env.podIP('x/b')), except: [hostCidr(env.podIP('x/b'))] } }] }],
      }))],
      probes: [probe('TCP', 80, t.XA_TO_XB_BLOCKED)],
    }],
  },
  {
    name: 'should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed',
    group: 'TCP',
    steps: (env) => {
      const rule = (ipBlock: { cidr: string; except?: string[] }) =>
        policy(env, 'x', 'allow-client-a-via-cidr-egress-rule', { podSelector: podLabel('a'), policyTypes: ['Egress'], egress: [{ to: [{ ipBlock }] }] });
      const xb = env.podIP('x/b');
      return [
        {
          title: "x/a may send to the /4 around x/b's address, except x/b",
          actions: [create(rule({ cidr: largeCidrFor(xb), except: [hostCidr(xb)] }))],
          probes: [probe('TCP', 80, t.XA_TO_XB_BLOCKED)],
        },
        {
          // Upstream updates the same policy rather than adding a second one, so only x/b remains allowed.
          title: "the policy, updated, allows x/b's address only",
          actions: [update(rule({ cidr: hostCidr(xb) }))],
          probes: [probe('TCP', 80, t.FROM_XA_ONLY_TO_XB)],
        },
      ];
    },
  },
  {
    name: 'should enforce policy based on NamespaceSelector with MatchExpressions using default ns label',
    group: 'TCP',
    steps: (env) => [{
      title: 'x/a may send to namespaces other than y',
      actions: [create(policy(env, 'x', 'allow-ns-y-match-selector-for-immutable-ns-label', {
        podSelector: podLabel('a'), policyTypes: ['Egress'],
        egress: [{ to: [{ namespaceSelector: {
          matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'NotIn', values: [env.namespace('y')] }],
        } }] }],
      }))],
      probes: [probe('TCP', 80, t.XA_TO_Y_BLOCKED)],
    }],
  },
];
