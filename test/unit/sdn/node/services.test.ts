import { expect } from 'chai';
import type { KubeService } from '../../../../lib/k8s/index.js';
import { Cidr, parseIpv4 } from '../../../../lib/net/ipv4.js';
import { FlowSync } from '../../../../lib/ovs/flowsync.js';
import { NodeDataplane } from '../../../../lib/sdn/node/dataplane.js';
import { NodeServices } from '../../../../lib/sdn/node/services.js';
import { serviceOwner } from '../../../../lib/sdn/pipeline/owners.js';
import type { Vnid } from '../../../../lib/tenant/vnid.js';
import { CountingFlowSync, FakeFlowTable } from '../../../support/fakeflows.js';

const network = {
  clusterNetwork: Cidr.parse('10.128.0.0/14'), serviceNetwork: Cidr.parse('172.30.0.0/16'),
  localSubnet: Cidr.parse('10.128.0.0/23'), gateway: parseIpv4('10.128.0.1'), gatewayMac: '0a:58:0a:80:00:01', nodeIp: parseIpv4('192.168.50.1'),
};
const service = (i: number, namespace = `ns${i % 10}`): KubeService => ({
  namespace, name: `svc${i}`, clusterIp: parseIpv4(`172.30.${i >> 8}.${i & 255}`), ports: [{ protocol: 'tcp', port: 80 }],
});
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

async function nodeServices(vnids: Map<string, Vnid>) {
  const table = new FakeFlowTable();
  const sync = new CountingFlowSync(table);
  const dataplane = new NodeDataplane(sync);
  await dataplane.resync(network);
  const services = new NodeServices(dataplane, (ns) => vnids.get(ns), (work) => work(), true);
  const flowsOf = (s: KubeService) => table.ofOwner(serviceOwner(s.namespace, s.name));
  return { table, sync, dataplane, services, flowsOf };
}
const tenVnids = () => new Map(range(10).map((i) => [`ns${i}`, (100 + i) as Vnid]));

describe('NodeServices', () => {
  it('applies one service event among a thousand services by comparing only that service\'s flows', async () => {
    const { table, sync, services, flowsOf } = await nodeServices(tenVnids());
    await services.replaceServices(range(1000).map((i) => service(i)));
    const compared = sync.ownersCompared;
    await services.setService(service(1000));
    expect(sync.ownersCompared - compared).to.equal(1);
    expect(table.bundles.at(-1)!.every((c) => c.op === 'add' && flowsOf(service(1000)).includes(c.flow))).to.equal(true);
    await services.removeService('ns0', 'svc1000');
    expect(sync.ownersCompared - compared).to.equal(2);
    expect(flowsOf(service(1000))).to.be.empty;
    expect(flowsOf(service(999))).to.not.be.empty;
  });

  it('removes on a relist the services deleted while the watch was down', async () => {
    const { services, flowsOf } = await nodeServices(tenVnids());
    await services.replaceServices(range(4).map((i) => service(i)));
    await services.replaceServices([service(1), service(3)]);
    expect(range(4).filter((i) => flowsOf(service(i)).length)).to.deep.equal([1, 3]);
  });

  it('keeps a service waiting until its namespace has a VNID, then installs it looking only at that namespace', async () => {
    const vnids = tenVnids();
    const { sync, services, flowsOf } = await nodeServices(vnids);
    await services.replaceServices(range(100).map((i) => service(i)));
    const waiting = [service(1, 'fresh'), service(2, 'fresh')];
    for (const s of waiting) await services.setService(s);
    expect(waiting.flatMap(flowsOf)).to.be.empty;
    vnids.set('fresh', 300 as Vnid);
    const compared = sync.ownersCompared;
    await services.applyNamespaces(['fresh']);
    expect(sync.ownersCompared - compared).to.equal(2);
    expect(waiting.map((s) => flowsOf(s).length > 0)).to.deep.equal([true, true]);
  });

  it('removes the flows of a namespace\'s services when the namespace loses its VNID', async () => {
    const vnids = tenVnids();
    const { services, flowsOf } = await nodeServices(vnids);
    await services.replaceServices(range(20).map((i) => service(i)));
    vnids.delete('ns3');
    await services.applyNamespaces(['ns3']);
    expect(range(20).filter((i) => flowsOf(service(i)).length === 0)).to.deep.equal([3, 13]);
  });

  it('puts services into the model for a restart\'s first resync, which then keeps their flows', async () => {
    const { table, services } = await nodeServices(tenVnids());
    await services.replaceServices(range(3).map((i) => service(i)));
    const before = new Set(table.flows.keys());
    const vnids = tenVnids();
    const restarted = new NodeDataplane(new FlowSync(table));
    // Not ready yet: the restarted agent's queue does not run changes, it only records them.
    const notReady = new NodeServices(restarted, (ns) => vnids.get(ns), () => Promise.resolve(), true);
    await notReady.replaceServices(range(3).map((i) => service(i)));
    notReady.load();
    await restarted.resync(network);
    expect(new Set(table.flows.keys())).to.deep.equal(before);
    expect(range(3).every((i) => table.ofOwner(serviceOwner(`ns${i}`, `svc${i}`)).length)).to.equal(true);
  });
});
