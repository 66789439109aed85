import { expect } from 'chai';
import { CniError } from '../../../../lib/sdn/cni/errors.js';
import { hostPortName } from '../../../../lib/sdn/node/podports.js';
import { KEYS, type TestNode, addRequest, delRequest, podFlowsOn, removeStateDir, startNode, taggedVnids } from './harness.js';

describe('pod changes racing a retag of their namespace', () => {
  let node: TestNode | undefined;
  afterEach(async () => {
    await node?.stop();
    await removeStateDir(node);
    node = undefined;
  });

  it('gives a pod held between its VNID lookup and its flows the VNID of a join that ran meanwhile', async () => {
    node = await startNode();
    // The ADD has read red's VNID (11) and waits at the OVS port, after its address and veth.
    const held = node.ovs.faults.hold('ensurePort');
    const adding = node.pods.add(addRequest('c1', 'red', 'a'));
    await held.reached;
    // red joins blue (VNID 12) while the pod is being wired; the retag has run when setVnid returns.
    await node.setVnid('red', 12);
    held.open();
    await adding;
    expect(taggedVnids(node.ovs, 'c1')).to.deep.equal([12]);
    expect(node.agent.dataplane.pod(hostPortName('c1', 'eth0'))?.port.vnid).to.equal(12);
  });

  it('leaves no flows of a pod whose DEL was on the switch when a retag began', async () => {
    node = await startNode();
    await node.pods.add(addRequest('c1', 'red', 'a'));
    const held = node.ovs.faults.hold('bundle');
    const deleting = node.pods.del(delRequest('c1', '/var/run/netns/c1'));
    await held.reached;
    const retagging = node.setVnid('red', 12);
    held.open();
    await Promise.all([deleting, retagging]);
    expect(podFlowsOn(node.ovs, 'c1')).to.deep.equal([]);
    expect(node.agent.dataplane.pod(hostPortName('c1', 'eth0'))).to.equal(undefined);
  });

  it('rolls back a pod whose namespace was deleted while it was wired, and asks the runtime to try again', async () => {
    node = await startNode();
    const held = node.ovs.faults.hold('ensurePort');
    const adding = node.pods.add(addRequest('c1', 'red', 'a'));
    await held.reached;
    await node.store.delete(KEYS.netNamespace('red'));
    held.open();
    const error = await adding.then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(CniError);
    expect((error as CniError).code).to.equal(11);
    expect(node.ovs.ports.has(hostPortName('c1', 'eth0'))).to.equal(false);
    expect(node.links.hostEnds.size).to.equal(0);
    expect(await node.ipam.list()).to.deep.equal([]);
  });
});
