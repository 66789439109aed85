// The upstream Kubernetes NetworkPolicy e2e cases as data: kubernetes/kubernetes
// test/e2e/network/netpol/network_policy.go at 9db638c0807a (the version whose cases all probe the full
// nine-pod model; the later 008b3652959c probes a subset of pods per case with the same expectations).
// Expected tables come from upstream's reachability.Expect* calls (tables.ts), never from an evaluator.
//
// Running a case: create the model (model.ts) with the namespace names and pod addresses of the run, then
// for each step apply its actions in order and probe every pod to every pod on each probe's protocol and
// port; compare with TruthTable.compare, which skips a pod's connection to itself as upstream does.
import { CHANGE_CASES } from './cases-changes.js';
import { EGRESS_CASES } from './cases-egress.js';
import { PORT_CASES } from './cases-ports.js';
import { SELECTOR_CASES } from './cases-selectors.js';
import { UDP_SCTP_CASES } from './cases-udp-sctp.js';
import type { NetpolCase } from './case-kit.js';

export type { CaseProbe, CaseStep, NetpolCase } from './case-kit.js';
export type { CaseAction, CaseEnv } from './model.js';

/** Every reachability case of upstream's network_policy.go; all are plain v1 NetworkPolicy on IPv4. */
export const NETPOL_CASES: readonly NetpolCase[] = [...SELECTOR_CASES, ...PORT_CASES, ...CHANGE_CASES, ...EGRESS_CASES, ...UDP_SCTP_CASES];

export interface SkippedCase {
  file: string;
  name: string;
  reason: string;
}

/** Upstream netpol e2e tests not encoded here, and why. */
export const SKIPPED_CASES: readonly SkippedCase[] = [
  {
    file: 'network_policy_api.go',
    name: 'should support creating NetworkPolicy API operations',
    reason: 'API server conformance (discovery, create/get/list/watch/patch/delete); no traffic and no truth table',
  },
  {
    file: 'network_policy_api.go',
    name: 'should support creating NetworkPolicy API with endport field',
    reason: 'API server validation of endPort only; its rules are checked by the reference parser unit tests instead',
  },
  {
    file: 'network_legacy.go',
    name: 'NetworkPolicyLegacy [LinuxOnly] (the whole suite)',
    reason:
      'the pre-truth-table suite: single clients probing a server through its Service (kube-proxy DNAT), ' +
      'superseded by network_policy.go, whose cases cover the same policies pod to pod',
  },
];

/** A name unique across groups: "UDP: should enforce policy based on Ports". */
export const caseTitle = (c: NetpolCase): string => `${c.group}: ${c.name}`;
