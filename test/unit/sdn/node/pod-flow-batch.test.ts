// Pod flow changes that queue up while the switch is busy share one bundle, and still get an answer each.
import { expect } from 'chai';
import { intToIpv4, ipv4ToInt } from '../../../../lib/net/ipv4.js';
import { FlowSync } from '../../../../lib/ovs/flowsync.js';
import { type FlowChange } from '../../../../lib/ovs/switch.js';
import { ofPort } from '../../../../lib/ovs/flow.js';
import { SerialQueue } from '../../../../lib/serial-queue.js';
import type { Vnid } from '../../../../lib/tenant/vnid.js';
import { NodeDataplane } from '../../../../lib/sdn/node/dataplane.js';
import { NamespaceVnidError, type WiredPod, queuedPodFlows } from '../../../../lib/sdn/node/pod-flow-batch.js';
import { podMac } from '../../../../lib/sdn/node/podports.js';
import { podOwner } from '../../../../lib/sdn/pipeline/owners.js';
import { FakeFlowTable } from '../../../support/fakeflows.js';

const VNIDS: Record<string, Vnid> = { red: 11 as Vnid, blue: 12 as Vnid };

function wired(i: number, namespace = 'red'): WiredPod {
  const ip = intToIpv4(ipv4ToInt('10.128.0.10') + i);
  return {
    containerId: `c${i}`, ifname: 'eth0', namespace, name: `p${i}`, netnsPath: `/var/run/netns/c${i}`,
    port: { portName: `ko${i}`, ofport: ofPort(10 + i), ip, mac: podMac(ip) },
  };
}

/** A switch that refuses every bundle holding a flow of one pod's port, as OVS refuses a bad flow. */
class PickySwitch extends FakeFlowTable {
  refusing: string | undefined;
  override async bundle(changes: readonly FlowChange[]): Promise<void> {
    if (this.refusing && changes.some((change) => change.flow.cookie === podOwner(this.refusing!))) {
      throw new Error(`the switch refused a flow of ${this.refusing}`);
    }
    await super.bundle(changes);
  }
}

function setUp() {
  const ovs = new PickySwitch();
  const queue = new SerialQueue();
  const dataplane = new NodeDataplane(new FlowSync(ovs));
  const vnids = { ...VNIDS };
  const flows = queuedPodFlows(dataplane, queue, (namespace) => vnids[namespace]);
  /** Keeps the queue busy until the returned function is called, as a retag or an earlier bundle would. */
  const holdQueue = () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    void queue.run(() => gate);
    return release;
  };
  return { ovs, dataplane, flows, vnids, holdQueue };
}

describe('pod flow changes while the switch is busy', () => {
  it('go to the switch in one bundle, each pod with its namespace\'s VNID as of that bundle', async () => {
    const { ovs, dataplane, flows, vnids, holdQueue } = setUp();
    const release = holdQueue();
    const adding = [flows.addPod(wired(1)), flows.addPod(wired(2, 'blue')), flows.addPod(wired(3))];
    // A join that lands before the batch runs is what the pods get.
    vnids.blue = 11 as Vnid;
    release();
    const pods = await Promise.all(adding);
    expect(pods.map((pod) => pod.port.vnid)).to.deep.equal([11, 11, 11]);
    expect(ovs.bundles).to.have.lengthOf(1);
    expect(dataplane.localPods().map((pod) => pod.port.portName)).to.deep.equal(['ko1', 'ko2', 'ko3']);
  });

  it('take adds and removes together', async () => {
    const { ovs, dataplane, flows, holdQueue } = setUp();
    await flows.addPod(wired(1));
    const release = holdQueue();
    const changes = [flows.removePod('ko1'), flows.addPod(wired(2))];
    release();
    await Promise.all(changes);
    expect(ovs.bundles).to.have.lengthOf(2);
    expect(ovs.ofOwner(podOwner('ko1'))).to.deep.equal([]);
    expect(ovs.ofOwner(podOwner('ko2'))).to.not.deep.equal([]);
    expect(dataplane.localPods().map((pod) => pod.port.portName)).to.deep.equal(['ko2']);
  });

  it('fail only the pod the switch refused: the others are retried alone and installed', async () => {
    const { ovs, dataplane, flows, holdQueue } = setUp();
    ovs.refusing = 'ko2';
    const release = holdQueue();
    const results = Promise.allSettled([flows.addPod(wired(1)), flows.addPod(wired(2)), flows.addPod(wired(3))]);
    release();
    const [one, two, three] = await results;
    expect([one.status, three.status]).to.deep.equal(['fulfilled', 'fulfilled']);
    expect(two).to.have.property('status', 'rejected');
    expect(String((two as PromiseRejectedResult).reason)).to.match(/refused a flow of ko2/);
    expect(dataplane.localPods().map((pod) => pod.port.portName)).to.deep.equal(['ko1', 'ko3']);
    expect(ovs.ofOwner(podOwner('ko2'))).to.deep.equal([]);
  });

  it('refuse a pod whose namespace lost its VNID, and install the rest of the batch', async () => {
    const { dataplane, flows, vnids, holdQueue } = setUp();
    const release = holdQueue();
    const results = Promise.allSettled([flows.addPod(wired(1)), flows.addPod(wired(2, 'blue'))]);
    delete vnids.blue;
    release();
    const [one, two] = await results;
    expect(one).to.have.property('status', 'fulfilled');
    expect((two as PromiseRejectedResult).reason).to.be.instanceOf(NamespaceVnidError);
    expect(dataplane.localPods().map((pod) => pod.port.portName)).to.deep.equal(['ko1']);
  });
});
