// A pod adopted from the original k8s-ovs through its port's external IDs: it survives the next restart with
// its VNID, even without a known namespace, and its DEL finds its port by the attachment, not by name.
import { expect } from 'chai';
import { parseIpv4 } from '../../../../lib/net/ipv4.js';
import { parseMac } from '../../../../lib/net/mac.js';
import { FlowSync } from '../../../../lib/ovs/flowsync.js';
import { ofPort } from '../../../../lib/ovs/flow.js';
import { SerialQueue } from '../../../../lib/serial-queue.js';
import type { Vnid } from '../../../../lib/tenant/vnid.js';
import { type LocalPod, NodeDataplane } from '../../../../lib/sdn/node/dataplane.js';
import { queuedPodFlows } from '../../../../lib/sdn/node/pod-flow-batch.js';
import { PodPorts } from '../../../../lib/sdn/node/podports.js';
import { CONNTRACK_ZONE } from '../../../../lib/sdn/pipeline/tables.js';
import { FakeLinks, FakeSwitch } from '../../../support/fakenode.js';

const PORT = 'vethfd78e7eb';

/** A switch holding the original's port of pod ctr-b, with no k8s-ovs-* IDs yet. */
function originalSwitch(): FakeSwitch {
  const ovs = new FakeSwitch();
  ovs.ports.set(PORT, { ofport: ofPort(4), externalIds: {} });
  return ovs;
}

function node(ovs: FakeSwitch, links = new FakeLinks()) {
  const dataplane = new NodeDataplane(new FlowSync(new FakeSwitch()));
  const flows = queuedPodFlows(dataplane, new SerialQueue(), () => undefined);
  return { dataplane, ports: new PodPorts(ovs, links, flows, { podMtu: 1450, disableTxChecksumOffload: false }) };
}

const adopted = (namespace: string): LocalPod => ({
  containerId: 'ctr-b', ifname: 'eth0', namespace, name: namespace ? 'old-b' : '', netnsPath: '',
  port: { portName: PORT, ofport: ofPort(4), ip: parseIpv4('10.128.4.3'), mac: parseMac('7a:8c:9e:28:65:66'), vnid: 0 as Vnid },
});

describe('pods adopted from the original k8s-ovs', () => {
  it('keep their VNID across a restart when their namespace is unknown, and follow their namespace when it is known', async () => {
    const ovs = originalSwitch();
    await node(ovs).ports.adopt(adopted(''));
    const restarted = node(ovs);
    const { pods, unknown } = await restarted.ports.recover(() => undefined);
    expect(unknown).to.deep.equal([]);
    expect(pods).to.deep.equal([adopted('')]);

    await node(ovs).ports.adopt(adopted('red'));
    expect(ovs.ports.get(PORT)!.externalIds).not.to.have.property('k8s-ovs-vnid');
    const again = await node(ovs).ports.recover((ns) => (ns === 'red' ? 12 as Vnid : undefined));
    expect(again.pods.map((pod) => [pod.namespace, pod.port.vnid])).to.deep.equal([['red', 12]]);
  });

  it('are detached by their attachment, whatever their port is called', async () => {
    const ovs = originalSwitch();
    const links = new FakeLinks();
    links.hostEnds.set(PORT, '/var/run/netns/old-b/eth0');
    const { ports, dataplane } = node(ovs, links);
    await ports.adopt(adopted('red'));
    expect(dataplane.podOf('ctr-b', 'eth0')?.port.portName).to.equal(PORT);
    await ports.detach('ctr-b', 'eth0');
    expect(ovs.ports.size).to.equal(0);
    expect(links.hostEnds.has(PORT)).to.equal(false);
    expect(dataplane.localPods()).to.deep.equal([]);
    expect(ovs.flushed, 'its connections, so that a later holder of its address inherits none').to.deep.equal([`${CONNTRACK_ZONE}/10.128.4.3`]);
  });
});
