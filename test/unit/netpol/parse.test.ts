// The reference parser refuses what the API server's validation refuses, naming the field.
import { expect } from 'chai';
import { InvalidNetworkPolicyError } from '../../support/netpol/errors.js';
import { parseNetworkPolicy } from '../../support/netpol/parse.js';

const withSpec = (spec: unknown) => ({ metadata: { name: 'p', namespace: 'ns' }, spec });
const withPort = (port: object) => withSpec({ egress: [{ ports: [port] }] });
const withPeer = (peer: object) => withSpec({ ingress: [{ from: [peer] }] });

function rejects(raw: unknown, field: string, reason: string): void {
  try {
    parseNetworkPolicy(raw);
  } catch (err) {
    expect(err).to.be.instanceOf(InvalidNetworkPolicyError);
    expect(err).to.include({ field });
    expect((err as Error).message).to.contain(reason);
    return;
  }
  expect.fail(`accepted ${JSON.stringify(raw)}`);
}

describe('NetworkPolicy reference parser', function () {
  it('requires a name and a namespace', function () {
    rejects({ metadata: { name: 'p' } }, 'metadata.namespace', 'is required');
    rejects({ metadata: { namespace: 'ns' } }, 'metadata.name', 'is required');
  });

  it('refuses endPort without a numeric port, or below it, as upstream e2e "endport field" does', function () {
    rejects(withPort({ endPort: 20000 }), 'spec.egress[0].ports[0].endPort', 'when `port` is not specified');
    rejects(withPort({ port: 'serve-80', endPort: 20000 }), 'spec.egress[0].ports[0].endPort', 'non-numeric');
    rejects(withPort({ port: 30000, endPort: 20000 }), 'spec.egress[0].ports[0].endPort', 'greater than or equal');
    expect(parseNetworkPolicy(withPort({ port: 20000, endPort: 20000 })).egress[0]!.ports).to.deep.equal([{ protocol: 'TCP', kind: 'range', from: 20000, to: 20000 }]);
  });

  it('refuses bad ports and protocols', function () {
    rejects(withPort({ port: 0 }), 'spec.egress[0].ports[0].port', 'between 1 and 65535');
    rejects(withPort({ port: 65536 }), 'spec.egress[0].ports[0].port', 'between 1 and 65535');
    rejects(withPort({ port: '80' }), 'spec.egress[0].ports[0].port', 'IANA service name');
    rejects(withPort({ port: 'Http' }), 'spec.egress[0].ports[0].port', 'IANA service name');
    rejects(withPort({ port: 'a--b' }), 'spec.egress[0].ports[0].port', 'IANA service name');
    rejects(withPort({ port: 'sixteen-chars-xx' }), 'spec.egress[0].ports[0].port', 'IANA service name');
    rejects(withPort({ protocol: 'ICMP' }), 'spec.egress[0].ports[0].protocol', 'TCP, UDP or SCTP');
    expect(parseNetworkPolicy(withPort({ port: 'serve-80-tcp' })).egress[0]!.ports).to.deep.equal([{ protocol: 'TCP', kind: 'named', name: 'serve-80-tcp' }]);
  });

  it('refuses peers the API server refuses', function () {
    rejects(withPeer({}), 'spec.ingress[0].from[0]', 'must specify a peer');
    rejects(withPeer({ podSelector: null }), 'spec.ingress[0].from[0]', 'must specify a peer');
    rejects(withPeer({ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }), 'spec.ingress[0].from[0]', 'both ipBlock and another peer');
    rejects(withPeer({ ipBlock: { cidr: '10.0.0.0' } }), 'spec.ingress[0].from[0].ipBlock.cidr', 'must be a CIDR');
    rejects(withPeer({ ipBlock: { cidr: '10.0.0.0/8', except: ['10.0.0.0/8'] } }), 'spec.ingress[0].from[0].ipBlock.except[0]', 'strict subset');
    rejects(withPeer({ ipBlock: { cidr: '10.0.0.0/8', except: ['11.0.0.0/16'] } }), 'spec.ingress[0].from[0].ipBlock.except[0]', 'strict subset');
    rejects(withPeer({ ipBlock: { cidr: '10.0.0.0/8', except: ['::/64'] } }), 'spec.ingress[0].from[0].ipBlock.except[0]', 'strict subset');
  });

  it('accepts a CIDR with host bits set as the network around it', function () {
    const [peer] = parseNetworkPolicy(withPeer({ ipBlock: { cidr: '10.1.2.3/4', except: ['10.1.2.3/32'] } })).ingress[0]!.peers as { kind: string }[];
    expect(peer).to.include({ kind: 'ipBlock' });
  });

  it('refuses selectors the API server refuses', function () {
    const expr = (requirement: object) => withSpec({ podSelector: { matchExpressions: [requirement] } });
    rejects(expr({ key: 'a', operator: 'In', values: [] }), 'spec.podSelector.matchExpressions[0].values', 'non-empty for In');
    rejects(expr({ key: 'a', operator: 'NotIn' }), 'spec.podSelector.matchExpressions[0].values', 'non-empty for NotIn');
    rejects(expr({ key: 'a', operator: 'Exists', values: ['x'] }), 'spec.podSelector.matchExpressions[0].values', 'empty for Exists');
    rejects(expr({ key: 'a', operator: 'Equals', values: ['x'] }), 'spec.podSelector.matchExpressions[0].operator', 'must be one of');
    rejects(withSpec({ podSelector: { matchLabels: { a: 1 } } }), 'spec.podSelector.matchLabels.a', 'must be a string');
  });

  it('refuses unknown or too many policyTypes', function () {
    rejects(withSpec({ policyTypes: ['Both'] }), 'spec.policyTypes[0]', 'Ingress or Egress');
    rejects(withSpec({ policyTypes: ['Ingress', 'Egress', 'Ingress'] }), 'spec.policyTypes', 'more than two');
  });

  it('treats null lists as missing ones', function () {
    const parsed = parseNetworkPolicy(withSpec({ podSelector: null, policyTypes: null, ingress: [{ from: null, ports: null }], egress: null }));
    expect(parsed).to.deep.include({ affectsIngress: true, affectsEgress: false });
    expect(parsed.ingress).to.deep.equal([{ peers: 'all', ports: 'all' }]);
  });
});
