// The k8s.ovs.com/ annotations a pod (or its namespace) carries, read into a request or refused with a clear message.
import { expect } from 'chai';
import { FixedRequestError } from '../../../../lib/sdn/fixed/errors.js';
import { type PodFacts, parseFixedRequest, statefulSetOf } from '../../../../lib/sdn/fixed/request.js';

const pod = (annotations: Record<string, string>, extra: Partial<PodFacts> = {}): PodFacts =>
  ({ namespace: 'red', name: 'web-1', annotations, controller: null, ...extra });
const member = (name: string, annotations: Record<string, string> = {}): PodFacts =>
  pod(annotations, { name, controller: { kind: 'StatefulSet', name: 'db', uid: 'set-1' } });
const refused = (facts: PodFacts, namespace: Record<string, string> = {}) => {
  expect(() => parseFixedRequest(facts, namespace)).to.throw(FixedRequestError);
  try {
    parseFixedRequest(facts, namespace);
  } catch (error) {
    return (error as Error).message;
  }
  return '';
};

describe('fixed-address requests from annotations', () => {
  it('gives a pod without annotations, in a namespace without a default pool, a dynamic address', () => {
    expect(parseFixedRequest(pod({}))).to.equal(null);
  });

  it('reads ip-address and mac-address, normalising the MAC', () => {
    expect(parseFixedRequest(pod({ 'k8s.ovs.com/ip-address': '10.130.0.5', 'k8s.ovs.com/mac-address': '02-42-AC-11-00-02' })))
      .to.deep.include({ wish: { kind: 'address', ip: '10.130.0.5' }, mac: '02:42:ac:11:00:02', retain: false, statefulSet: null });
  });

  it('reads ip-pool as a pool name or a list, and takes the namespace\'s pool when the pod names none', () => {
    expect(parseFixedRequest(pod({ 'k8s.ovs.com/ip-pool': 'db' }))?.wish).to.deep.equal({ kind: 'pool', pool: 'db' });
    expect(parseFixedRequest(pod({ 'k8s.ovs.com/ip-pool': '10.130.0.5, 10.130.0.6' }))?.wish)
      .to.deep.equal({ kind: 'list', ips: ['10.130.0.5', '10.130.0.6'] });
    expect(parseFixedRequest(pod({}), { 'k8s.ovs.com/ip-pool': 'shared' })).to.deep.include({
      wish: { kind: 'pool', pool: 'shared' }, source: 'namespace red annotation k8s.ovs.com/ip-pool',
    });
    expect(parseFixedRequest(pod({ 'k8s.ovs.com/ip-address': '10.130.0.9' }), { 'k8s.ovs.com/ip-pool': 'shared' })?.wish)
      .to.deep.equal({ kind: 'address', ip: '10.130.0.9' });
  });

  it('gives a StatefulSet pod the list entry at its ordinal, and keeps its address unless ip-retain is "false"', () => {
    const list = { 'k8s.ovs.com/ip-pool': '10.130.0.5,10.130.0.6,10.130.0.7' };
    expect(parseFixedRequest(member('db-2', list))).to.deep.include({
      wish: { kind: 'address', ip: '10.130.0.7' }, retain: true, statefulSet: { name: 'db', uid: 'set-1', ordinal: 2 },
    });
    expect(parseFixedRequest(member('db-0', { ...list, 'k8s.ovs.com/ip-retain': 'false' }))?.retain).to.equal(false);
    expect(parseFixedRequest(pod({ ...list, 'k8s.ovs.com/ip-retain': 'true' }))?.retain, 'not a StatefulSet pod').to.equal(false);
  });

  it('knows a StatefulSet pod by its controller and its <set>-<ordinal> name only', () => {
    expect(statefulSetOf(member('db-12'))).to.deep.equal({ name: 'db', uid: 'set-1', ordinal: 12 });
    expect(statefulSetOf(member('db-012'))).to.equal(null);
    expect(statefulSetOf(member('dbx-1'))).to.equal(null);
    expect(statefulSetOf(pod({}, { name: 'db-1', controller: { kind: 'ReplicaSet', name: 'db', uid: 'r' } }))).to.equal(null);
  });

  it('refuses each bad annotation with a message naming it and its value', () => {
    expect(refused(pod({ 'k8s.ovs.com/ip-address': '10.130.0' }))).to.equal('annotation k8s.ovs.com/ip-address: "10.130.0" is not one IPv4 address');
    expect(refused(pod({ 'k8s.ovs.com/ip-address': '10.130.0.5,10.130.0.6' }))).to.match(/is not one IPv4 address/);
    expect(refused(pod({ 'k8s.ovs.com/ip-address': '10.130.0.5', 'k8s.ovs.com/ip-pool': 'db' }))).to.match(/both given: give one/);
    expect(refused(pod({ 'k8s.ovs.com/ip-pool': 'Db_Pool' }))).to.match(/"Db_Pool" is neither a pool name .* nor a comma list/);
    expect(refused(pod({ 'k8s.ovs.com/ip-pool': '10.130.0.5,10.130.0.5' }))).to.match(/10.130.0.5 is listed twice/);
    expect(refused(pod({ 'k8s.ovs.com/ip-pool': '10.130.0.5,nope' }))).to.match(/"nope" is not one IPv4 address/);
    expect(refused(member('db-2', { 'k8s.ovs.com/ip-pool': '10.130.0.5,10.130.0.6' })))
      .to.match(/lists 2 address\(es\), fewer than StatefulSet db needs: pod ordinal 2 has no entry/);
    expect(refused(pod({ 'k8s.ovs.com/ip-address': '10.130.0.5', 'k8s.ovs.com/mac-address': '01:00:5e:00:00:01' })))
      .to.match(/is a multicast or broadcast MAC address/);
    expect(refused(pod({ 'k8s.ovs.com/ip-address': '10.130.0.5', 'k8s.ovs.com/mac-address': '00:00:00:00:00:00' }))).to.match(/zero MAC/);
    expect(refused(pod({ 'k8s.ovs.com/ip-address': '10.130.0.5', 'k8s.ovs.com/mac-address': 'zz:00:00:00:00:01' }))).to.match(/not a MAC address/);
    expect(refused(pod({ 'k8s.ovs.com/ip-address': '10.130.0.5', 'k8s.ovs.com/mac-address': '0a:58:0a:80:00:05' })))
      .to.match(/the range k8s-ovs derives pod MACs from/);
    expect(refused(pod({ 'k8s.ovs.com/mac-address': '02:00:00:00:00:01' }))).to.match(/needs a fixed address/);
    expect(refused(pod({ 'k8s.ovs.com/ip-address': '10.130.0.5', 'k8s.ovs.com/ip-retain': 'yes' }))).to.match(/"yes" is not "true" or "false"/);
    expect(refused(pod({}), { 'k8s.ovs.com/ip-pool': '10.130.0.5' })).to.match(/namespace red annotation k8s.ovs.com\/ip-pool: "10.130.0.5" is not a pool name/);
  });
});
