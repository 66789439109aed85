import { expect } from 'chai';
import { CniError } from '../../../../lib/sdn/cni/errors.js';
import type { PodAttachment } from '../../../../lib/sdn/cni/types.js';
import { hostPortName } from '../../../../lib/sdn/node/podports.js';
import { FakeSwitch } from '../../../support/fakenode.js';
import { type TestNode, addRequest, delRequest, podFlowsOn, removeStateDir, startNode, taggedVnids } from './harness.js';

const PORT = hostPortName('c1', 'eth0');

async function rejection(work: Promise<unknown>): Promise<Error> {
  const error = await work.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof Error)) throw new Error('expected the call to fail');
  return error;
}

async function cniError(work: Promise<unknown>): Promise<CniError> {
  const error = await rejection(work);
  if (!(error instanceof CniError)) throw new Error(`expected a CniError, got ${error.name}: ${error.message}`);
  return error;
}

/** Nothing of the pod is left: veth, OVS port, meter, flows, address. */
async function expectNothingOf(node: TestNode, containerId: string): Promise<void> {
  const port = hostPortName(containerId, 'eth0');
  expect(node.links.hostEnds.has(port), 'host end').to.equal(false);
  expect(node.ovs.ports.has(port), 'OVS port').to.equal(false);
  expect([...node.ovs.meters.keys()], 'meters').to.deep.equal([]);
  expect(podFlowsOn(node.ovs, containerId), 'flows').to.deep.equal([]);
  expect(node.agent.dataplane.pod(port), 'model').to.equal(undefined);
  expect((await node.ipam.list()).map((a) => a.containerId), 'addresses').to.not.include(containerId);
}

describe('NodePodNetwork (the CNI backend on a node)', () => {
  let node: TestNode | undefined;
  afterEach(async () => {
    await node?.stop();
    await removeStateDir(node);
    node = undefined;
  });

  describe('ADD', () => {
    it('wires a pod: address, veth, OVS port with its IDs, flows with its namespace VNID, and the result', async () => {
      node = await startNode();
      const attachment = await node.pods.add(addRequest('c1', 'red', 'a'));
      expect(attachment.ip).to.equal('10.128.0.2');
      expect(attachment.gateway).to.equal('10.128.0.1');
      expect(attachment.podInterface).to.include({ name: 'eth0', sandbox: '/var/run/netns/c1', mtu: 1450 });
      expect(node.links.podEnds.get('/var/run/netns/c1/eth0')?.config).to.include({ address: '10.128.0.2', mac: '0a:58:0a:80:00:02' });
      expect(node.ovs.ports.get(PORT)?.externalIds).to.include({ 'k8s-ovs-namespace': 'red', 'k8s-ovs-pod': 'a', 'k8s-ovs-ip': '10.128.0.2' });
      expect(taggedVnids(node.ovs, 'c1')).to.deep.equal([11]);
      expect((await node.ipam.list()).map((a) => a.ip)).to.deep.equal(['10.128.0.2']);
    });

    it('answers a repeated ADD of a completed attachment with the same result, changing nothing', async () => {
      node = await startNode();
      const first = await node.pods.add(addRequest('c1', 'red', 'a'));
      const bundles = node.ovs.bundles.length;
      expect(await node.pods.add(addRequest('c1', 'red', 'a'))).to.deep.equal(first);
      expect(node.ovs.bundles.length).to.equal(bundles);
      expect(await node.ipam.list()).to.have.lengthOf(1);
    });

    it('limits egress with a meter and ingress with the port QoS, from the request\'s bandwidth', async () => {
      node = await startNode();
      const request = addRequest('c1', 'red', 'a');
      request.bandwidth = { ingress: { rateBps: 10_000_000, burstBits: 1_000_000 }, egress: { rateBps: 5_000_000, burstBits: 500_000 } };
      await node.pods.add(request);
      const ofport = node.ovs.ports.get(PORT)!.ofport!;
      expect(node.ovs.meters.get(ofport)).to.include({ id: ofport, rateKbps: 5000 });
      expect(node.ovs.rateLimits.get(PORT)).to.deep.equal({ maxRateBps: 10_000_000, burstBits: 1_000_000 });
    });

    const failingSteps = [
      { step: 'creating and configuring the veth', fail: (n: TestNode) => n.links.faults.failNext('create') },
      { step: 'adding the OVS port', fail: (n: TestNode) => n.ovs.faults.failNext('ensurePort') },
      { step: 'setting the egress meter', fail: (n: TestNode) => n.ovs.faults.failNext('setMeter') },
      { step: 'setting the ingress limit', fail: (n: TestNode) => n.ovs.faults.failNext('setPortRateLimit') },
      { step: 'installing the flows', fail: (n: TestNode) => n.ovs.faults.failNext('bundle') },
    ];
    for (const { step, fail } of failingSteps) {
      it(`takes back everything it did when ${step} fails, and releases the address`, async () => {
        node = await startNode();
        const request = addRequest('c1', 'red', 'a');
        request.bandwidth = { ingress: { rateBps: 10_000_000, burstBits: 1_000_000 }, egress: { rateBps: 5_000_000, burstBits: 500_000 } };
        fail(node);
        // Not a CniError: the CNI server reports it with code 100 and this message.
        const error = await rejection(node.pods.add(request));
        expect(error.message).to.match(/^attaching red\/a failed: \w+ failed \(fake\)$/);
        await expectNothingOf(node, 'c1');
        // The next ADD of the same pod works: nothing was left half-done.
        await node.pods.add(request);
        expect(taggedVnids(node.ovs, 'c1')).to.deep.equal([11]);
      });
    }

    it('says which rollback step also failed, after undoing the others', async () => {
      node = await startNode();
      node.ovs.faults.failNext('bundle');
      node.ovs.faults.failNext('deletePort', new Error('ovsdb went away'));
      const error = await rejection(node.pods.add(addRequest('c1', 'red', 'a')));
      expect(error.message).to.match(/rollback also failed: ovsdb went away/);
      expect(node.links.hostEnds.size).to.equal(0);
      expect(await node.ipam.list()).to.deep.equal([]);
    });

    it('asks the runtime to try again while the namespace has no VNID, doing nothing', async () => {
      node = await startNode();
      const error = await cniError(node.pods.add(addRequest('c1', 'green', 'a')));
      expect(error.code).to.equal(11);
      expect(error.msg).to.equal('namespace green has no VNID yet');
      await expectNothingOf(node, 'c1');
    });

    it('waits for a namespace the master is about to number', async () => {
      node = await startNode({}, { vnidWaitMs: 5000 });
      const adding = node.pods.add(addRequest('c1', 'green', 'a'));
      await node.setVnid('green', 13);
      await adding;
      expect(taggedVnids(node.ovs, 'c1')).to.deep.equal([13]);
    });

    it('fails with "interface already exists" when the pod already has the interface, releasing the address', async () => {
      node = await startNode();
      const { InterfaceExistsError } = await import('../../../../lib/host/podlink.js');
      node.links.faults.failNext('create', new InterfaceExistsError('eth0 exists in /var/run/netns/c1'));
      const error = await cniError(node.pods.add(addRequest('c1', 'red', 'a')));
      expect(error.msg).to.equal('interface already exists');
      await expectNothingOf(node, 'c1');
    });
  });

  describe('DEL', () => {
    it('removes flows, meter, port, veth and address, and succeeds again when all is gone', async () => {
      node = await startNode();
      const request = addRequest('c1', 'red', 'a');
      request.bandwidth = { egress: { rateBps: 5_000_000, burstBits: 500_000 } };
      await node.pods.add(request);
      await node.pods.del(delRequest('c1', '/var/run/netns/c1'));
      await expectNothingOf(node, 'c1');
      await node.pods.del(delRequest('c1', '/var/run/netns/c1'));
      await node.pods.del(delRequest('c1'));
    });

    it('removes a lone pod end when the host end is already gone', async () => {
      node = await startNode();
      await node.pods.add(addRequest('c1', 'red', 'a'));
      node.links.hostEnds.delete(PORT);
      await node.pods.del(delRequest('c1', '/var/run/netns/c1'));
      expect(node.links.podEnds.size).to.equal(0);
      expect(node.links.faults.count('deletePodInterface')).to.equal(1);
    });
  });

  describe('CHECK', () => {
    let attachment: PodAttachment;
    beforeEach(async () => {
      node = await startNode();
      attachment = await node.pods.add(addRequest('c1', 'red', 'a'));
    });

    it('accepts a pod that is as ADD left it', async () => {
      await node!.pods.check(addRequest('c1', 'red', 'a'), attachment);
    });

    it('reports an unknown container with code 3', async () => {
      const error = await cniError(node!.pods.check(addRequest('c9', 'red', 'a'), attachment));
      expect(error.code).to.equal(3);
    });

    it('reports each difference: address, interface, OVS port, flows', async () => {
      const wrongIp = await cniError(node!.pods.check(addRequest('c1', 'red', 'a'), { ...attachment, ip: '10.128.0.9' as PodAttachment['ip'] }));
      expect(wrongIp.message).to.match(/address is 10\.128\.0\.2, prevResult says 10\.128\.0\.9/);
      node!.ovs.flows.clear();
      node!.ovs.ports.delete(PORT);
      node!.links.podEnds.clear();
      const broken = await cniError(node!.pods.check(addRequest('c1', 'red', 'a'), attachment));
      expect(broken.code).to.equal(100);
      expect(broken.message).to.match(/interface eth0 is missing in \/var\/run\/netns\/c1/);
      expect(broken.message).to.match(/OVS port ko[0-9a-f]+ is missing/);
      expect(broken.message).to.match(/switch holds 0 of the pod's \d+ flows/);
    });
  });

  describe('STATUS and GC', () => {
    it('STATUS says plugin not available (50) until the node has its network', async () => {
      const waiting = new FakeSwitch();
      node = await startNode({ ovs: waiting });
      node.pods.status();
      const { NodePodNetwork } = await import('../../../../lib/sdn/node/podnetwork.js');
      const { silentLogger } = await import('../../../../lib/log.js');
      const early = new NodePodNetwork({ agent: node.agent, ovs: waiting, ipam: () => undefined, logger: silentLogger });
      expect(() => early.status()).to.throw(CniError).with.property('code', 50);
    });

    it('GC detaches every attachment the runtime did not list, and keeps the listed ones', async () => {
      node = await startNode();
      await node.pods.add(addRequest('c1', 'red', 'a'));
      await node.pods.add(addRequest('c2', 'blue', 'b'));
      await node.pods.gc([{ containerId: 'c2', ifname: 'eth0' }]);
      await expectNothingOf(node, 'c1');
      expect(taggedVnids(node.ovs, 'c2')).to.deep.equal([12]);
      expect((await node.ipam.list()).map((a) => a.containerId)).to.deep.equal(['c2']);
    });
  });
});
