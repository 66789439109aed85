// The reference evaluator on peers and ports: what each field, missing, empty or set, lets through.
import { expect } from 'chai';
import { InvalidNetworkPolicyError } from '../../support/netpol/errors.js';
import { allowed, netpol } from './fixtures.js';

/** Isolates a/web for ingress with the one given rule. */
const toWeb = (rule: object) => netpol('a', 'to-web', { podSelector: { matchLabels: { app: 'web' } }, ingress: [rule] });
/** Isolates b/client for egress with the one given rule. */
const fromClient = (rule: object) => netpol('b', 'from-client', { podSelector: {}, policyTypes: ['Egress'], egress: [rule] });

describe('NetworkPolicy reference evaluator: peers', function () {
  it('reads a missing or empty from/to as every source or destination, addresses included', function () {
    for (const rule of [{}, { from: [] }, { from: null }]) {
      expect(allowed([toWeb(rule)], 'b/client', 'a/web'), JSON.stringify(rule)).to.equal(true);
      expect(allowed([toWeb(rule)], '203.0.113.9', 'a/web'), JSON.stringify(rule)).to.equal(true);
    }
    expect(allowed([fromClient({ to: [] })], 'b/client', '203.0.113.9')).to.equal(true);
  });

  it('rejects a peer with no field, which the API server refuses', function () {
    expect(() => allowed([toWeb({ from: [{}] })], 'b/client', 'a/web')).to.throw(InvalidNetworkPolicyError, 'spec.ingress[0].from[0]: must specify a peer');
  });

  it('selects with podSelector alone in the policy namespace only', function () {
    const everyPodHere = toWeb({ from: [{ podSelector: {} }] });
    expect(allowed([everyPodHere], 'a/db', 'a/web')).to.equal(true);
    expect(allowed([everyPodHere], 'b/client', 'a/web')).to.equal(false);
    expect(allowed([everyPodHere], '10.0.0.2', 'a/web')).to.equal(false);
  });

  it('selects with namespaceSelector alone every pod of the matching namespaces', function () {
    expect(allowed([toWeb({ from: [{ namespaceSelector: {} }] })], 'b/client', 'a/web')).to.equal(true);
    expect(allowed([toWeb({ from: [{ namespaceSelector: {} }] })], '203.0.113.9', 'a/web')).to.equal(false);
    const blue = toWeb({ from: [{ namespaceSelector: { matchLabels: { team: 'blue' } } }] });
    expect(allowed([blue], 'b/client', 'a/web')).to.equal(true);
    expect(allowed([blue], 'a/db', 'a/web')).to.equal(false);
  });

  it('ANDs podSelector and namespaceSelector in one peer, and ORs separate peers', function () {
    const both = toWeb({ from: [{ namespaceSelector: { matchLabels: { team: 'blue' } }, podSelector: { matchLabels: { app: 'db' } } }] });
    expect(allowed([both], 'b/client', 'a/web')).to.equal(false);
    expect(allowed([both], 'a/db', 'a/web')).to.equal(false);
    const either = toWeb({ from: [{ namespaceSelector: { matchLabels: { team: 'blue' } } }, { podSelector: { matchLabels: { app: 'db' } } }] });
    expect(allowed([either], 'b/client', 'a/web')).to.equal(true);
    expect(allowed([either], 'a/db', 'a/web')).to.equal(true);
    const anyClient = toWeb({ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'client' } } }] });
    expect(allowed([anyClient], 'b/client', 'a/web')).to.equal(true);
  });

  it('matches In, NotIn, Exists and DoesNotExist as label selectors do, NotIn holding for a missing key', function () {
    const expr = (key: string, operator: string, values?: string[]) =>
      toWeb({ from: [{ namespaceSelector: {}, podSelector: { matchExpressions: [{ key, operator, ...(values && { values }) }] } }] });
    expect(allowed([expr('app', 'In', ['db', 'x'])], 'a/db', 'a/web')).to.equal(true);
    expect(allowed([expr('app', 'In', ['x'])], 'a/db', 'a/web')).to.equal(false);
    expect(allowed([expr('app', 'NotIn', ['db'])], 'a/db', 'a/web')).to.equal(false);
    expect(allowed([expr('tier', 'NotIn', ['front'])], 'a/db', 'a/web')).to.equal(true);
    expect(allowed([expr('app', 'Exists')], 'a/db', 'a/web')).to.equal(true);
    expect(allowed([expr('tier', 'Exists')], 'a/db', 'a/web')).to.equal(false);
    expect(allowed([expr('tier', 'DoesNotExist')], 'a/db', 'a/web')).to.equal(true);
    const labelsAndExpressions = toWeb({
      from: [{ podSelector: { matchLabels: { app: 'db' }, matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['db'] }] } }],
    });
    expect(allowed([labelsAndExpressions], 'a/db', 'a/web')).to.equal(false);
  });

  it('matches ipBlock against any address, pod addresses included, minus its excepts', function () {
    const block = toWeb({ from: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.1.0/24'] } }] });
    expect(allowed([block], 'a/db', 'a/web')).to.equal(true);
    expect(allowed([block], '10.0.200.1', 'a/web')).to.equal(true);
    expect(allowed([block], 'b/client', 'a/web')).to.equal(false);
    expect(allowed([block], '10.0.1.77', 'a/web')).to.equal(false);
    expect(allowed([block], '10.1.0.1', 'a/web')).to.equal(false);
    const exceptedButSelected = toWeb({ from: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.1.0/24'] } }, { namespaceSelector: { matchLabels: { team: 'blue' } } }] });
    expect(allowed([exceptedButSelected], 'b/client', 'a/web')).to.equal(true);
    const toAddress = fromClient({ to: [{ ipBlock: { cidr: '203.0.113.0/24' } }] });
    expect(allowed([toAddress], 'b/client', '203.0.113.9')).to.equal(true);
    expect(allowed([toAddress], 'b/client', 'a/web')).to.equal(false);
  });

  it('never matches an IPv4 address with an IPv6 block', function () {
    expect(allowed([toWeb({ from: [{ ipBlock: { cidr: '::/0' } }] })], 'b/client', 'a/web')).to.equal(false);
    expect(allowed([toWeb({ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] })], 'b/client', 'a/web')).to.equal(true);
  });
});

describe('NetworkPolicy reference evaluator: ports and protocols', function () {
  it('reads missing or empty ports as every port of every protocol', function () {
    for (const rule of [{ from: [{ namespaceSelector: {} }] }, { ports: [] }, { ports: null }]) {
      expect(allowed([toWeb(rule)], 'b/client', 'a/web', 5000, 'SCTP'), JSON.stringify(rule)).to.equal(true);
    }
  });

  it('defaults a port entry to TCP: {} allows every TCP port and no UDP', function () {
    expect(allowed([toWeb({ ports: [{}] })], 'b/client', 'a/web', 5000, 'TCP')).to.equal(true);
    expect(allowed([toWeb({ ports: [{}] })], 'b/client', 'a/web', 5000, 'UDP')).to.equal(false);
    expect(allowed([toWeb({ ports: [{ port: 80 }] })], 'b/client', 'a/web', 80, 'UDP')).to.equal(false);
    expect(allowed([toWeb({ ports: [{ protocol: 'SCTP', port: 80 }] })], 'b/client', 'a/web', 80, 'SCTP')).to.equal(true);
    expect(allowed([toWeb({ ports: [{ protocol: 'SCTP', port: 80 }] })], 'b/client', 'a/web', 80, 'TCP')).to.equal(false);
  });

  it('allows port to endPort inclusive', function () {
    const range = toWeb({ ports: [{ port: 8000, endPort: 8002 }] });
    expect([7999, 8000, 8001, 8002, 8003].map((p) => allowed([range], 'b/client', 'a/web', p))).to.deep.equal([false, true, true, true, false]);
  });

  it('resolves a named port on the selected pod for ingress, with the rule protocol', function () {
    const http = netpol('a', 'http', { podSelector: {}, ingress: [{ ports: [{ port: 'http' }] }] });
    expect(allowed([http], 'b/client', 'a/web', 8080)).to.equal(true);
    expect(allowed([http], 'b/client', 'a/web', 9090)).to.equal(false);
    expect(allowed([http], 'b/client', 'a/db', 9090)).to.equal(true);
    expect(allowed([http], 'b/client', 'a/db', 8080)).to.equal(false);
    const dns = (protocol?: string) => toWeb({ ports: [{ port: 'dns', ...(protocol && { protocol }) }] });
    expect(allowed([dns()], 'b/client', 'a/web', 53, 'UDP')).to.equal(false);
    expect(allowed([dns()], 'b/client', 'a/web', 53, 'TCP')).to.equal(false);
    expect(allowed([dns('UDP')], 'b/client', 'a/web', 53, 'UDP')).to.equal(true);
  });

  it('resolves a named port on the destination pod for egress, and never on an address', function () {
    const http = fromClient({ ports: [{ port: 'http' }] });
    expect(allowed([http], 'b/client', 'a/web', 8080)).to.equal(true);
    expect(allowed([http], 'b/client', 'a/db', 9090)).to.equal(true);
    expect(allowed([http], 'b/client', 'a/db', 8080)).to.equal(false);
    expect(allowed([http], 'b/client', '10.0.0.1', 8080)).to.equal(false);
  });

  it('requires peer and port of one rule together, any rule sufficing', function () {
    const rules = netpol('a', 'two-rules', {
      podSelector: { matchLabels: { app: 'web' } },
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'blue' } } }], ports: [{ port: 80 }] }, { from: [{ podSelector: {} }], ports: [{ port: 81 }] }],
    });
    expect(allowed([rules], 'b/client', 'a/web', 80)).to.equal(true);
    expect(allowed([rules], 'b/client', 'a/web', 81)).to.equal(false);
    expect(allowed([rules], 'a/db', 'a/web', 81)).to.equal(true);
    expect(allowed([rules], 'a/db', 'a/web', 80)).to.equal(false);
  });
});
