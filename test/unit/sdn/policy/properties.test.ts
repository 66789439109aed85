// Random NetworkPolicies over a random small cluster: k8s-ovs's flows (in the simulator) decide every probe as the
// reference evaluator, written from the API documentation, does.
import { expect } from 'chai';
import fc from 'fast-check';
import { Cidr, parseIpv4 } from '../../../../lib/net/ipv4.js';
import { scenarioWithProbesArb } from '../../../support/netpol/arbitrary.js';
import { PipelineSim } from '../../../support/netpol/pipeline-sim.js';
import { evaluate } from '../../../support/netpol/reference.js';
import type { Probe } from '../../../support/netpol/api.js';

// The arbitrary gives pods 10.0.0.1 and up; its outside addresses (10.0.0.200, 10.0.1.9, ...) lie beyond this /25.
const NODES = [{ ip: parseIpv4('192.168.0.1'), subnet: Cidr.parse('10.0.0.0/25') }];
const CLUSTER = Cidr.parse('10.0.0.0/25');

const describeProbe = (p: Probe) => `${JSON.stringify(p.from)} -> ${JSON.stringify(p.to)} ${p.protocol}/${p.port}`;

describe('the pipeline\'s NetworkPolicy flows against the reference evaluator (property)', () => {
  it('allow exactly the probes the reference allows', () => {
    fc.assert(fc.property(scenarioWithProbesArb({ maxPods: 6, maxPolicies: 4, maxProbes: 12 }), ({ scenario, probes }) => {
      const sim = new PipelineSim(scenario, NODES, CLUSTER);
      for (const probe of probes) {
        // Addresses on both ends never cross a pod's switch; a pod reaching itself never leaves it (loopback).
        if ('ip' in probe.from && 'ip' in probe.to) continue;
        if (JSON.stringify(probe.from) === JSON.stringify(probe.to)) continue;
        const expected = evaluate(scenario, probe).allowed;
        const got = sim.delivered(probe);
        if (got !== expected) {
          throw new Error(`${describeProbe(probe)}: flows say ${got}, reference ${expected}\n${JSON.stringify(scenario.policies, null, 1)}`);
        }
      }
    }), { numRuns: 300, seed: Number(process.env.KOVS_PROPERTY_SEED ?? 20261203) });
    expect(true).to.equal(true);
  });
});
