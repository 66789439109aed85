import { expect } from 'chai';
import { parseNetworkPolicy } from '../../../../lib/k8s/index.js';
import { Cidr, type Ipv4, parseIpv4, subtractCidrs } from '../../../../lib/net/ipv4.js';
import { compilePolicies, type PolicyPod } from '../../../../lib/sdn/policy/compile.js';
import { ConjunctionIds } from '../../../../lib/sdn/policy/conjunction-ids.js';
import { portRangeMasks } from '../../../../lib/sdn/policy/port-ranges.js';
import { policyFlows } from '../../../../lib/sdn/pipeline/policy-flows.js';

const pod = (namespace: string, name: string, ip: string, labels: Record<string, string> = {},
  namedPorts: PolicyPod['namedPorts'] = []): PolicyPod & { ip: Ipv4 } =>
  ({ namespace, name, labels, ip: parseIpv4(ip), hostNetwork: false, namedPorts });
const policy = (namespace: string, spec: object) => parseNetworkPolicy({ metadata: { namespace, name: 'p' }, spec });

describe('NetworkPolicy compilation', () => {
  it('grows flows with the sum of pods, peers and ports, not their product', () => {
    const clients = Array.from({ length: 50 }, (_, i) => pod('web', `c${i}`, `10.128.2.${i + 1}`, { role: 'client' }));
    const server = pod('db', 'db-0', '10.128.0.5', { app: 'db' });
    const ports = Array.from({ length: 20 }, (_, i) => ({ port: 5000 + i * 7 }));
    const compiled = compilePolicies({
      policies: [policy('db', { podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { role: 'client' } } }], ports }] })],
      namespaceLabels: new Map(), pods: [...clients, server], local: [server],
    });
    const flows = policyFlows(compiled, new ConjunctionIds().idOf.bind(new ConjunctionIds()));
    // 1 pod + 50 peers + 20 ports clauses, 1 conj_id flow, 1 drop for the isolated pod: 73, where a product is 1000.
    expect(flows).to.have.length(73);
  });

  it('resolves a named port on each pod that receives it, and leaves out pods without it', () => {
    const web = [pod('a', 'w1', '10.128.0.2', { app: 'web' }, [{ name: 'http', protocol: 'tcp', port: 8080 }]),
      pod('a', 'w2', '10.128.0.3', { app: 'web' }, [{ name: 'http', protocol: 'tcp', port: 9090 }]),
      pod('a', 'w3', '10.128.0.4', { app: 'web' }, [{ name: 'http', protocol: 'udp', port: 8080 }])];
    const compiled = compilePolicies({
      policies: [policy('a', { podSelector: {}, ingress: [{ ports: [{ port: 'http' }, { port: 22 }] }] })],
      namespaceLabels: new Map(), pods: web, local: web,
    });
    expect(compiled.rules.map((r) => [r.key, r.targets, r.ports])).to.deep.equal([
      ['a/p/ingress/0/numbered', ['10.128.0.2', '10.128.0.3', '10.128.0.4'], [{ protocol: 'tcp', port: { value: 22, mask: 0xffff } }]],
      ['a/p/ingress/0/tcp:http=8080', ['10.128.0.2'], [{ protocol: 'tcp', port: { value: 8080, mask: 0xffff } }]],
      ['a/p/ingress/0/tcp:http=9090', ['10.128.0.3'], [{ protocol: 'tcp', port: { value: 9090, mask: 0xffff } }]],
    ]);
    expect([...compiled.isolated.ingress.keys()]).to.have.length(3);
  });

  it('takes an ipBlock\'s exceptions out of it, and a range of ports as few masks', () => {
    expect(subtractCidrs(Cidr.parse('10.0.0.0/8'), [Cidr.parse('10.1.0.0/16')]).map(String)).to.deep.equal([
      '10.0.0.0/16', '10.2.0.0/15', '10.4.0.0/14', '10.8.0.0/13', '10.16.0.0/12', '10.32.0.0/11', '10.64.0.0/10', '10.128.0.0/9']);
    expect(subtractCidrs(Cidr.parse('10.1.0.0/16'), [Cidr.parse('10.0.0.0/8')])).to.deep.equal([]);
    expect(portRangeMasks(32000, 32768)).to.deep.equal([
      { value: 32000, mask: 0xff00 }, { value: 32256, mask: 0xfe00 }, { value: 32768, mask: 0xffff }]);
    expect(portRangeMasks(1, 65535)).to.have.length(16);
  });

  it('keeps each rule\'s conjunction ID while the rule lives, so a change touches only its own flows', () => {
    const ids = new ConjunctionIds();
    const local = [pod('a', 'x', '10.128.0.2')];
    const spec = { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '192.0.2.0/24' } }], ports: [{ port: 80 }] }] };
    const first = policyFlows(compilePolicies({ policies: [policy('a', spec)], namespaceLabels: new Map(), pods: local, local }), (k) => ids.idOf(k));
    const more = [...local, pod('a', 'y', '10.128.0.3')];
    const second = policyFlows(compilePolicies({ policies: [policy('a', spec)], namespaceLabels: new Map(), pods: more, local: more }), (k) => ids.idOf(k));
    const rendered = (flows: typeof first) => new Set(flows.map((f) => JSON.stringify([f.match, f.actions])));
    const added = [...rendered(second)].filter((f) => !rendered(first).has(f));
    expect(added, 'the new pod\'s clause and its drop').to.have.length(2);
    expect(ids.size).to.equal(1);
  });
});
