import { expect } from 'chai';
import { FlowSync } from '../../../../lib/ovs/flowsync.js';
import { Cidr, parseIpv4 } from '../../../../lib/net/ipv4.js';
import { GLOBAL_VNID, type Vnid } from '../../../../lib/tenant/vnid.js';
import { type LocalPod, NodeDataplane } from '../../../../lib/sdn/node/dataplane.js';
import { type RemoteNode, type ServiceEndpoint, remoteNodeFlows, serviceFlows } from '../../../../lib/sdn/pipeline/flows.js';
import { fixedAddressOwner, nodeOwner, podOwner, serviceOwner } from '../../../../lib/sdn/pipeline/owners.js';
import { SOURCE_VNID, Table } from '../../../../lib/sdn/pipeline/tables.js';
import { CountingFlowSync, FakeFlowTable } from '../../../support/fakeflows.js';
import { simulate } from '../../../support/flowsim.js';

const network = {
  clusterNetwork: Cidr.parse('10.128.0.0/14'), serviceNetwork: Cidr.parse('172.30.0.0/16'),
  localSubnet: Cidr.parse('10.128.0.0/23'), gateway: parseIpv4('10.128.0.1'), gatewayMac: '0a:58:0a:80:00:01', nodeIp: parseIpv4('192.168.50.1'),
};
const pod = (n: number, namespace: string, vnid: number): LocalPod => ({
  containerId: `c${n}`, ifname: 'eth0', namespace, name: `p${n}`, netnsPath: `/run/netns/p${n}`,
  port: { portName: `ko${n}`, ofport: n, ip: parseIpv4(`10.128.0.${n}`), mac: `0a:58:0a:80:00:0${n}`, vnid: vnid as Vnid },
});

async function dataplaneWith(pods: LocalPod[]) {
  const table = new FakeFlowTable();
  const dataplane = new NodeDataplane(new FlowSync(table));
  await dataplane.resync(network);
  for (const p of pods) await dataplane.addPod(p);
  return { table, dataplane };
}
const remote = (i: number): RemoteNode => ({
  ip: parseIpv4(`192.168.${50 + (i >> 8)}.${i & 255}`), subnet: Cidr.parse(`10.${129 + (i >> 7)}.${(i & 127) * 2}.0/23`),
});
const service = (i: number): ServiceEndpoint => ({
  namespace: `ns${i % 10}`, name: `svc${i}`, ip: parseIpv4(`172.30.${i >> 8}.${i & 255}`),
  ports: [{ protocol: 'tcp', port: 80 }], vnid: (100 + (i % 10)) as Vnid,
});
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

async function countingDataplane() {
  const table = new FakeFlowTable();
  const sync = new CountingFlowSync(table);
  const dataplane = new NodeDataplane(sync);
  await dataplane.resync(network);
  return { table, sync, dataplane };
}

const reach = (table: FakeFlowTable, from: LocalPod, to: LocalPod) => simulate([...table.flows.values()], {
  inPort: from.port.ofport, protocol: 'ip', dlSrc: from.port.mac, nwSrc: from.port.ip, nwDst: to.port.ip,
}).kind === 'output';

describe('NodeDataplane', () => {
  it('retags every local pod of a namespace in one bundle and joins it to the other tenant', async () => {
    const red = [pod(3, 'red', 11), pod(4, 'red', 11)], blue = pod(5, 'blue', 12);
    const { table, dataplane } = await dataplaneWith([...red, blue]);
    expect(reach(table, red[0]!, blue)).to.equal(false);
    const bundlesBefore = table.bundles.length;
    expect(await dataplane.retagNamespace('red', 12 as Vnid)).to.equal(2);
    expect(table.bundles.length - bundlesBefore).to.equal(1);
    expect(reach(table, red[0]!, blue)).to.equal(true);
    expect(reach(table, blue, red[1]!)).to.equal(true);
  });

  it('never leaves a retagged pod with flows of both VNIDs or of neither', async () => {
    const { table, dataplane } = await dataplaneWith([pod(3, 'red', 11)]);
    await dataplane.retagNamespace('red', 12 as Vnid);
    const flows = table.ofOwner(podOwner('ko3'));
    const tagged = flows.flatMap((f) => f.actions)
      .flatMap((a) => (a.kind === 'setRegister' && a.register === SOURCE_VNID ? [a.value] : []));
    const admitted = flows.flatMap((f) => f.match.reg?.[SOURCE_VNID] ?? []).filter((vnid) => vnid !== GLOBAL_VNID);
    expect(new Set([...tagged, ...admitted])).to.deep.equal(new Set([12]));
  });

  it('removes all of a pod\'s flows and only those', async () => {
    const { table, dataplane } = await dataplaneWith([pod(3, 'red', 11), pod(4, 'red', 11)]);
    await dataplane.removePod('ko3');
    expect(table.ofOwner(podOwner('ko3'))).to.be.empty;
    expect(table.ofOwner(podOwner('ko4'))).to.not.be.empty;
  });

  it('replaces the set of remote nodes, removing those that left', async () => {
    const { table, dataplane } = await dataplaneWith([]);
    const a = { ip: parseIpv4('192.168.50.2'), subnet: Cidr.parse('10.128.2.0/23') };
    const b = { ip: parseIpv4('192.168.50.3'), subnet: Cidr.parse('10.128.4.0/23') };
    await dataplane.setRemoteNodes([a, b]);
    await dataplane.setRemoteNodes([b]);
    const tunnelSources = new Set([...table.flows.values()].map((f) => f.match.tunSrc).filter(Boolean));
    expect([...tunnelSources]).to.deep.equal([b.ip]);
  });

  it('adds and removes one remote node of a thousand by comparing and sending only its own flows', async () => {
    const { table, sync, dataplane } = await countingDataplane();
    await dataplane.setRemoteNodes(range(1000).map(remote));
    const extra = remote(1000);
    const compared = sync.ownersCompared;
    await dataplane.updateRemoteNodes([extra], []);
    expect(sync.ownersCompared - compared).to.equal(1);
    expect(table.bundles.at(-1)!.map((c) => c.op === 'add' && c.flow.cookie)).to.deep.equal(
      remoteNodeFlows(extra).map(() => nodeOwner(extra.ip)));
    await dataplane.updateRemoteNodes([], [extra.ip]);
    expect(sync.ownersCompared - compared).to.equal(2);
    expect(table.bundles.at(-1)).to.have.length(remoteNodeFlows(extra).length);
    expect(table.ofOwner(nodeOwner(extra.ip))).to.be.empty;
    expect(dataplane.remoteNodes()).to.have.length(1000);
  });

  it('adds and removes one service of a thousand by comparing and sending only its own flows', async () => {
    const { table, sync, dataplane } = await countingDataplane();
    await dataplane.setServices(range(1000).map(service));
    const extra = service(1000);
    const compared = sync.ownersCompared;
    await dataplane.updateServices([extra], []);
    expect(sync.ownersCompared - compared).to.equal(1);
    expect(table.bundles.at(-1)!.map((c) => c.op === 'add' && c.flow.cookie)).to.deep.equal(
      serviceFlows(extra).map(() => serviceOwner(extra.namespace, extra.name)));
    await dataplane.updateServices([], [extra]);
    expect(sync.ownersCompared - compared).to.equal(2);
    expect(table.ofOwner(serviceOwner(extra.namespace, extra.name))).to.be.empty;
    expect(table.ofOwner(serviceOwner('ns9', 'svc999'))).to.not.be.empty;
  });

  it('removes the services a relist no longer has, in one bundle with the rest', async () => {
    const { table, dataplane } = await countingDataplane();
    await dataplane.setServices(range(5).map(service));
    const bundlesBefore = table.bundles.length;
    await dataplane.setServices([service(0), service(2), service(5)]);
    expect(table.bundles.length - bundlesBefore).to.equal(1);
    const left = range(6).filter((i) => table.ofOwner(serviceOwner(service(i).namespace, service(i).name)).length);
    expect(left).to.deep.equal([0, 2, 5]);
  });

  describe('fixed addresses', () => {
    const fixedIp = parseIpv4('10.130.0.5');
    const holder = (containerId: string) => ({ held: 'local' as const, ip: fixedIp, containerId });
    const fixedPod = (n: number, namespace: string, vnid: number): LocalPod => {
      const base = pod(n, namespace, vnid);
      return { ...base, port: { ...base.port, ip: fixedIp, mac: '02:00:00:00:00:05' } };
    };
    const fromPeer = (table: FakeFlowTable, peer: LocalPod) => simulate([...table.flows.values()],
      { inPort: peer.port.ofport, protocol: 'ip', dlSrc: peer.port.mac, nwSrc: peer.port.ip, nwDst: fixedIp });

    it('dispatches a fixed address held here only while its pod is attached, bundled with the pod\'s flows', async () => {
      const { table, dataplane } = await dataplaneWith([pod(3, 'red', 11)]);
      await dataplane.updateFixedAddresses([holder('c7')], []);
      expect(table.ofOwner(fixedAddressOwner(fixedIp)), 'claimed, no pod yet').to.be.empty;
      const bundles = table.bundles.length;
      await dataplane.addPod(fixedPod(7, 'red', 11));
      expect(table.bundles.length - bundles).to.equal(1);
      expect(table.ofOwner(fixedAddressOwner(fixedIp)).map((f) => f.table)).to.deep.equal([Table.Dispatch, Table.Dispatch]);
      expect(fromPeer(table, pod(3, 'red', 11))).to.deep.equal({ kind: 'output', port: 7 });
      await dataplane.removePod('ko7');
      expect(table.ofOwner(fixedAddressOwner(fixedIp))).to.be.empty;
      expect(fromPeer(table, pod(3, 'red', 11)).kind).to.equal('drop');
    });

    it('retags the fixed-address pod with its namespace, so a join lets the other tenant in', async () => {
      const blue = pod(5, 'blue', 12);
      const { table, dataplane } = await dataplaneWith([blue]);
      await dataplane.updateFixedAddresses([holder('c7')], []);
      await dataplane.addPod(fixedPod(7, 'red', 11));
      expect(fromPeer(table, blue)).to.deep.equal({ kind: 'drop', table: Table.LocalDelivery });
      await dataplane.retagNamespace('red', 12 as Vnid);
      expect(fromPeer(table, blue)).to.deep.equal({ kind: 'output', port: 7 });
    });

    it('routes the address to the node that holds it once it moves, and fences the pod left behind', async () => {
      const red = pod(3, 'red', 11);
      const { table, dataplane } = await dataplaneWith([red]);
      await dataplane.updateFixedAddresses([holder('c7')], []);
      await dataplane.addPod(fixedPod(7, 'red', 11));
      await dataplane.updateFixedAddresses([{ held: 'remote', ip: fixedIp, holder: parseIpv4('192.168.50.2') }], []);
      expect(fromPeer(table, red)).to.deep.equal({ kind: 'output', port: 1, tunId: 11, tunDst: '192.168.50.2' });
      await dataplane.fencePod('ko7');
      expect(table.ofOwner(podOwner('ko7')), 'the fenced pod\'s flows').to.be.empty;
      expect(dataplane.desiredFlows().get(podOwner('ko7'))).to.deep.equal([]);
      await dataplane.updateFixedAddresses([], [fixedIp]);
      expect(table.ofOwner(fixedAddressOwner(fixedIp))).to.be.empty;
      expect(fromPeer(table, red)).to.deep.equal({ kind: 'drop', table: Table.RemoteDelivery });
    });
  });
});
