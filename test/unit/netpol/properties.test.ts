// Properties of the reference evaluator over random clusters and policies, and a check that the
// arbitraries the implementation will be tested with are valid and cover every feature.
import { expect } from 'chai';
import fc from 'fast-check';
import type { NetworkPolicyObject, PodInfo, Probe } from '../../support/netpol/api.js';
import { NAMESPACE_NAMES, networkPolicyArb, scenarioArb, scenarioWithProbesArb, type Scenario } from '../../support/netpol/arbitrary.js';
import { ReferenceEvaluator, type Verdict } from '../../support/netpol/reference.js';

const evaluator = (scenario: Scenario, policies: readonly unknown[] = scenario.policies) =>
  new ReferenceEvaluator({ namespaces: scenario.namespaces, pods: scenario.pods, policies });

const podOf = (scenario: Scenario, probe: Probe, end: 'from' | 'to'): PodInfo | undefined => {
  const endpoint = probe[end];
  return 'pod' in endpoint ? scenario.pods.find((p) => p.namespace === endpoint.pod.namespace && p.name === endpoint.pod.name) : undefined;
};

/** Whether the probe's ends are isolated: sender for egress, receiver for ingress. */
const isolation = (ev: ReferenceEvaluator, scenario: Scenario, probe: Probe) => {
  const from = podOf(scenario, probe, 'from');
  const to = podOf(scenario, probe, 'to');
  return `${from ? ev.isolating(from, 'Egress').length > 0 : '-'}/${to ? ev.isolating(to, 'Ingress').length > 0 : '-'}`;
};

const extraPolicyArb = networkPolicyArb('ns-a', 'extra').chain((p) =>
  fc.constantFrom(...NAMESPACE_NAMES).map((namespace): NetworkPolicyObject => ({ ...p, metadata: { ...p.metadata, namespace } })),
);

describe('NetworkPolicy reference evaluator (properties)', function () {
  this.timeout(60_000);

  it('leaves a direction unrestricted for a pod no policy selects in that direction', function () {
    fc.assert(fc.property(scenarioWithProbesArb(), ({ scenario, probes }) => {
      const ev = evaluator(scenario);
      for (const probe of probes) {
        const v = ev.evaluate(probe);
        const from = podOf(scenario, probe, 'from');
        const to = podOf(scenario, probe, 'to');
        if (from && ev.isolating(from, 'Egress').length === 0) expect(v.egress.allowed, v.message).to.equal(true);
        if (to && ev.isolating(to, 'Ingress').length === 0) expect(v.ingress.allowed, v.message).to.equal(true);
        if (!v.allowed) expect([v.egress, v.ingress].some((side) => side.reason === 'no-rule'), v.message).to.equal(true);
      }
    }));
  });

  it('never removes an allowed probe by adding a policy, unless the policy newly isolates an end', function () {
    fc.assert(fc.property(scenarioWithProbesArb(), extraPolicyArb, ({ scenario, probes }, extra) => {
      const before = evaluator(scenario);
      const after = evaluator(scenario, [...scenario.policies, extra]);
      for (const probe of probes) {
        if (isolation(before, scenario, probe) !== isolation(after, scenario, probe)) continue;
        if (before.evaluate(probe).allowed) expect(after.evaluate(probe).allowed, after.evaluate(probe).message).to.equal(true);
      }
    }));
  });

  it('never removes an allowed probe to an isolated pod by adding an ingress-only policy', function () {
    const ingressOnly = extraPolicyArb.map((p) => ({ ...p, spec: { ...p.spec, policyTypes: ['Ingress' as const] } }));
    fc.assert(fc.property(scenarioWithProbesArb(), ingressOnly, ({ scenario, probes }, extra) => {
      const before = evaluator(scenario);
      const after = evaluator(scenario, [...scenario.policies, extra]);
      for (const probe of probes) {
        const to = podOf(scenario, probe, 'to');
        if (!to || before.isolating(to, 'Ingress').length === 0) continue;
        if (before.evaluate(probe).allowed) expect(after.evaluate(probe).allowed).to.equal(true);
      }
    }));
  });

  it('does not depend on the order of the policies', function () {
    fc.assert(fc.property(scenarioWithProbesArb(), ({ scenario, probes }) => {
      const forward = evaluator(scenario);
      const backward = evaluator(scenario, [...scenario.policies].reverse());
      for (const probe of probes) expect(backward.evaluate(probe)).to.deep.equal(forward.evaluate(probe));
    }));
  });

  it('cuts a namespace off with deny-all as its only policy, whatever other namespaces allow', function () {
    fc.assert(fc.property(scenarioWithProbesArb(), fc.constantFrom(...NAMESPACE_NAMES), ({ scenario, probes }, namespace) => {
      const denyAll = { metadata: { name: 'deny-all', namespace }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } };
      const ev = evaluator(scenario, [...scenario.policies.filter((p) => p.metadata.namespace !== namespace), denyAll]);
      for (const probe of probes) {
        const ends = [podOf(scenario, probe, 'from'), podOf(scenario, probe, 'to')];
        if (!ends.some((p) => p && p.namespace === namespace && !p.hostNetwork) || ends[0] === ends[1]) continue;
        expect(ev.evaluate(probe).allowed, ev.evaluate(probe).message).to.equal(false);
      }
    }));
  });

  it('names only rules that allow the probe on their own', function () {
    fc.assert(fc.property(scenarioWithProbesArb(), ({ scenario, probes }) => {
      const ev = evaluator(scenario);
      for (const probe of probes) {
        for (const side of [ev.evaluate(probe).egress, ev.evaluate(probe).ingress] as Verdict['egress'][]) {
          if (side.reason !== 'rule') continue;
          for (const rule of side.rules) {
            const policy = scenario.policies.find((p) => `${p.metadata.namespace}/${p.metadata.name}` === rule.policy)!;
            const key = rule.direction === 'Ingress' ? 'ingress' : 'egress';
            const alone = { ...policy, spec: { ...policy.spec, policyTypes: [rule.direction], [key]: [policy.spec![key]![rule.index]] } };
            const v = evaluator(scenario, [alone]).evaluate(probe);
            expect((rule.direction === 'Ingress' ? v.ingress : v.egress).allowed).to.equal(true);
          }
        }
      }
    }));
  });

  it('generates only valid policies, covering every feature the API has', function () {
    const seen = new Set<string>();
    for (const scenario of fc.sample(scenarioArb({ maxPolicies: 6 }), 300)) {
      evaluator(scenario);
      const text = JSON.stringify(scenario.policies);
      const rules = scenario.policies.flatMap((p) => [...(p.spec?.ingress ?? []), ...(p.spec?.egress ?? [])]);
      const peers = rules.flatMap((r) => ('from' in r ? r.from : 'to' in r ? r.to : undefined) ?? []);
      const ports = rules.flatMap((r) => r.ports ?? []);
      const features: Record<string, boolean> = {
        endPort: ports.some((port) => port.endPort !== undefined),
        'named port': ports.some((port) => typeof port.port === 'string'),
        except: peers.some((peer) => peer.ipBlock?.except),
        SCTP: ports.some((port) => port.protocol === 'SCTP'),
        'both selectors': peers.some((peer) => peer.podSelector && peer.namespaceSelector),
        'empty peers': rules.some((r) => ('from' in r && r.from?.length === 0) || ('to' in r && r.to?.length === 0)),
        'missing policyTypes': scenario.policies.some((p) => p.spec?.policyTypes === undefined),
        'missing podSelector': scenario.policies.some((p) => p.spec?.podSelector === undefined),
        ...Object.fromEntries(['In', 'NotIn', 'Exists', 'DoesNotExist'].map((op) => [op, text.includes(`"operator":"${op}"`)])),
        'named container port': scenario.pods.some((p) => p.containers.some((c) => c.ports.some((port) => port.name))),
      };
      for (const [feature, present] of Object.entries(features)) if (present) seen.add(feature);
    }
    expect([...seen].sort()).to.deep.equal([
      'DoesNotExist', 'Exists', 'In', 'NotIn', 'SCTP', 'both selectors', 'empty peers', 'endPort', 'except',
      'missing podSelector', 'missing policyTypes', 'named container port', 'named port',
    ].sort());
  });
});
