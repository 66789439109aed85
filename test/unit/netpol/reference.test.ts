// The reference evaluator's semantic decisions, one documented sentence at a time.
import { expect } from 'chai';
import { InconsistentClusterError } from '../../support/netpol/errors.js';
import { ReferenceEvaluator } from '../../support/netpol/reference.js';
import { allowed, NAMESPACES, netpol, pod, PODS, probe, verdict } from './fixtures.js';

const denyIngress = (ns: string) => netpol(ns, 'deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] });
const denyEgress = (ns: string) => netpol(ns, 'deny-egress', { podSelector: {}, policyTypes: ['Egress'] });

describe('NetworkPolicy reference evaluator: isolation and policyTypes', function () {
  it('allows everything when no policy selects either end', function () {
    const v = verdict([], 'b/client', 'a/web');
    expect(v.allowed).to.equal(true);
    expect(v.egress).to.deep.equal({ allowed: true, reason: 'not-isolated' });
    expect(v.ingress).to.deep.equal({ allowed: true, reason: 'not-isolated' });
  });

  it('isolates only the pods a policy selects, in its own namespace', function () {
    const onlyDb = netpol('a', 'db-only', { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'] });
    expect(allowed([onlyDb], 'b/client', 'a/db')).to.equal(false);
    expect(allowed([onlyDb], 'b/client', 'a/web')).to.equal(true);
    const elsewhere = netpol('b', 'all-of-b', { podSelector: {}, policyTypes: ['Ingress'] });
    expect(allowed([elsewhere], 'b/client', 'a/web')).to.equal(true);
  });

  it('reads a missing podSelector, and a missing spec, as selecting every pod of the namespace', function () {
    expect(allowed([netpol('a', 'no-selector', { policyTypes: ['Ingress'] })], 'b/client', 'a/web')).to.equal(false);
    const noSpec = { metadata: { name: 'bare', namespace: 'a' } };
    expect(allowed([noSpec], 'b/client', 'a/db')).to.equal(false);
    expect(allowed([noSpec], 'a/db', 'b/client')).to.equal(true);
  });

  it('defaults policyTypes to Ingress, plus Egress only when the egress list is non-empty', function () {
    const withEgressRule = netpol('a', 'p', { podSelector: {}, egress: [{ ports: [{ port: 443 }] }] });
    expect(allowed([withEgressRule], 'a/web', 'b/client', 80)).to.equal(false);
    expect(allowed([withEgressRule], 'a/web', 'b/client', 443)).to.equal(true);
    expect(allowed([withEgressRule], 'b/client', 'a/web')).to.equal(false);
    const emptyEgress = netpol('a', 'p', { podSelector: {}, egress: [] });
    expect(allowed([emptyEgress], 'a/web', 'b/client')).to.equal(true);
    expect(allowed([emptyEgress], 'b/client', 'a/web')).to.equal(false);
    const emptyTypes = netpol('a', 'p', { podSelector: {}, policyTypes: [], ingress: [{}] });
    expect(allowed([emptyTypes], 'b/client', 'a/web')).to.equal(true);
    expect(verdict([emptyTypes], 'a/web', 'b/client').egress.reason).to.equal('not-isolated');
  });

  it('ignores the rules of a direction that policyTypes leaves out', function () {
    const egressOnly = netpol('a', 'p', { podSelector: {}, policyTypes: ['Egress'], ingress: [], egress: [{}] });
    expect(verdict([egressOnly], 'b/client', 'a/web').ingress.reason).to.equal('not-isolated');
    const ingressOnly = netpol('a', 'p', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}], egress: [] });
    expect(verdict([ingressOnly], 'a/web', 'b/client').egress.reason).to.equal('not-isolated');
  });

  it('needs both the sender egress and the receiver ingress to allow', function () {
    const allowAllIn = netpol('b', 'allow-in', { podSelector: {}, ingress: [{}] });
    const v = verdict([denyEgress('a'), allowAllIn], 'a/web', 'b/client');
    expect(v.allowed).to.equal(false);
    expect(v.egress).to.deep.equal({ allowed: false, reason: 'no-rule', isolatedBy: ['a/deny-egress'] });
    expect(v.ingress).to.deep.include({ allowed: true, reason: 'rule' });
    expect(v.message).to.contain('isolated by a/deny-egress').and.contain('b/allow-in ingress[0]');
  });

  it('adds policies up and reports every rule that allows, whatever the order', function () {
    const p80 = netpol('a', 'p80', { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] });
    const p81 = netpol('a', 'p81', { podSelector: {}, ingress: [{ ports: [{ port: 81 }] }, { ports: [{ port: 80, endPort: 81 }] }] });
    expect(allowed([p80, p81], 'b/client', 'a/web', 81)).to.equal(true);
    expect(allowed([p80, p81], 'b/client', 'a/web', 82)).to.equal(false);
    const v = verdict([p81, p80], 'b/client', 'a/web', 80);
    expect(v.ingress).to.deep.equal({
      allowed: true,
      reason: 'rule',
      rules: [{ policy: 'a/p80', direction: 'Ingress', index: 0 }, { policy: 'a/p81', direction: 'Ingress', index: 1 }],
    });
  });

  it('lets a pod reach itself and its own node, and the node reach it, under deny-all', function () {
    const denyAll = netpol('a', 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(verdict([denyAll], 'a/web', 'a/web').egress.reason).to.equal('loopback');
    expect(verdict([denyAll], '192.168.0.1', 'a/web').ingress.reason).to.equal('own-node');
    expect(verdict([denyAll], 'a/web', '192.168.0.1').egress.reason).to.equal('own-node');
    expect(allowed([denyAll], '192.168.0.2', 'a/web')).to.equal(false);
    expect(allowed([denyAll], 'a/db', 'a/web')).to.equal(false);
  });

  it('never isolates or selects a hostNetwork pod: its traffic is its node address', function () {
    const agent = pod('a', 'agent', '192.168.0.5', { app: 'web' }, [{ name: 'http', containerPort: 80 }], { hostNetwork: true });
    const pods = [...PODS, agent];
    expect(verdict([denyIngress('a'), denyEgress('a')], 'b/client', 'a/agent', 80, 'TCP', pods).ingress.reason).to.equal('not-a-pod');
    const fromWebPods = netpol('a', 'from-web', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] });
    expect(allowed([fromWebPods], 'a/agent', 'a/db', 80, 'TCP', pods)).to.equal(false);
    const fromAddress = netpol('a', 'from-node', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '192.168.0.0/24' } }] }] });
    expect(allowed([fromAddress], 'a/agent', 'a/db', 80, 'TCP', pods)).to.equal(true);
    const toNamed = netpol('b', 'to-http', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }] });
    expect(allowed([toNamed], 'b/client', 'a/agent', 80, 'TCP', pods)).to.equal(false);
  });

  it('refuses probes and states that do not add up', function () {
    expect(() => verdict([], 'a/nope', 'a/web')).to.throw(InconsistentClusterError, 'unknown pod a/nope');
    expect(() => verdict([], '10.0.0.300', 'a/web')).to.throw(InconsistentClusterError, 'not an IP address');
    expect(() => verdict([denyIngress('a'), denyIngress('a')], 'a/db', 'a/web')).to.throw(InconsistentClusterError, 'two NetworkPolicies named a/deny-ingress');
    const stray = pod('c', 'stray', '10.0.9.9', {});
    expect(() => new ReferenceEvaluator({ namespaces: NAMESPACES, pods: [stray], policies: [] })).to.throw(InconsistentClusterError, 'unknown namespace c');
  });

  it('leaves traffic between two addresses alone', function () {
    const v = new ReferenceEvaluator({ namespaces: NAMESPACES, pods: PODS, policies: [denyIngress('a')] }).evaluate(probe('203.0.113.1', '198.51.100.7'));
    expect(v.allowed).to.equal(true);
    expect(v.ingress.reason).to.equal('not-a-pod');
  });
});
