// Cross-check: every upstream case, run through the reference evaluator, gives upstream's expected table.
// A disagreement means either the case data or the evaluator misreads upstream.
import { expect } from 'chai';
import { caseTitle, NETPOL_CASES, SKIPPED_CASES } from '../../support/netpol/cases.js';
import { POD_KEYS, TruthTable, type PodKey } from '../../support/netpol/matrix.js';
import { DEFAULT_ENV, ModelCluster, type CaseEnv } from '../../support/netpol/model.js';
import { ReferenceEvaluator } from '../../support/netpol/reference.js';

const podRef = (env: CaseEnv, key: PodKey) => {
  const [ns, name] = key.split('/') as ['x' | 'y' | 'z', string];
  return { namespace: env.namespace(ns), name };
};

/** Another run's names and addresses: suffixed namespaces and a different pod subnet. */
const SUFFIXED_ENV: CaseEnv = {
  namespace: (key) => `netpol-4711-${key}`,
  podIP: (pod) => `10.130.${POD_KEYS.indexOf(pod)}.7`,
};

function runCase(env: CaseEnv, steps: ReturnType<(typeof NETPOL_CASES)[number]['steps']>): string[] {
  const cluster = new ModelCluster(env);
  const failures: string[] = [];
  steps.forEach((step, s) => {
    step.actions.forEach((action) => cluster.apply(action));
    const evaluator = new ReferenceEvaluator(cluster);
    for (const { protocol, port, expected } of step.probes) {
      const observed = TruthTable.from((from, to) =>
        evaluator.evaluate({ from: { pod: podRef(env, from) }, to: { pod: podRef(env, to) }, protocol, port }).allowed,
      );
      const mismatches = expected.compare(observed);
      if (mismatches.length > 0) {
        failures.push(
          `step ${s + 1} (${step.title}) ${protocol}/${port}:\nexpected\n${String(expected)}\nreference\n${String(observed)}\n` +
            mismatches.map((m) => `${m.from} -> ${m.to}: expected ${m.expected ? 'connected' : 'blocked'}`).join('\n'),
        );
      }
    }
  });
  return failures;
}

describe('upstream NetworkPolicy e2e cases through the reference evaluator', function () {
  it('encodes all 48 reachability cases of network_policy.go under unique names', function () {
    const titles = NETPOL_CASES.map(caseTitle);
    expect(new Set(titles).size).to.equal(titles.length);
    expect(NETPOL_CASES.filter((c) => c.group === 'TCP')).to.have.length(42);
    expect(NETPOL_CASES.filter((c) => c.group === 'UDP')).to.have.length(3);
    expect(NETPOL_CASES.filter((c) => c.group === 'SCTP')).to.have.length(3);
    expect(SKIPPED_CASES.every((c) => c.reason.length > 0)).to.equal(true);
  });

  for (const testCase of NETPOL_CASES) {
    it(`agrees with upstream on "${caseTitle(testCase)}"`, function () {
      expect(runCase(DEFAULT_ENV, testCase.steps(DEFAULT_ENV)).join('\n\n')).to.equal('');
    });
  }

  it('agrees with upstream when namespaces carry a run suffix and pods other addresses', function () {
    const failures = NETPOL_CASES.flatMap((c) => runCase(SUFFIXED_ENV, c.steps(SUFFIXED_ENV)).map((f) => `${caseTitle(c)}: ${f}`));
    expect(failures.join('\n\n')).to.equal('');
  });

  it('would notice a wrong expectation: a case checked against another case table fails', function () {
    const denyIngress = NETPOL_CASES.find((c) => c.name === "should support a 'default-deny-ingress' policy")!;
    const allowAll = NETPOL_CASES.find((c) => c.name === 'should support allow-all policy')!;
    const [step] = denyIngress.steps(DEFAULT_ENV);
    const wrong = [{ ...step!, probes: allowAll.steps(DEFAULT_ENV)[0]!.probes }];
    expect(runCase(DEFAULT_ENV, wrong)).to.have.length(2);
  });
});
