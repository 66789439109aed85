import FakeTimers from '@sinonjs/fake-timers';
import { expect } from 'chai';
import { RECLAIM_AFTER_MS } from '../../../../lib/sdn/node/podnetwork.js';
import { hostPortName } from '../../../../lib/sdn/node/podports.js';
import { type TestNode, addRequest, delRequest, podFlowsOn, removeStateDir, startNode } from './harness.js';

/** Lets the reclaim that a timer started finish: it awaits the fakes and IPAM's files, not timers. */
async function settle(until: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await until()); i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('reclaiming pods whose DEL never came', () => {
  let node: TestNode | undefined;
  let clock: ReturnType<typeof FakeTimers.install> | undefined;
  /** The pods the API server lists as gone. */
  let gone: Set<string>;
  afterEach(async () => {
    clock?.uninstall();
    clock = undefined;
    await node?.stop();
    await removeStateDir(node);
    node = undefined;
  });

  async function nodeWithPods(): Promise<TestNode> {
    gone = new Set();
    // Installed first: the pods' attach times come from performance.now(), which the fake clock then owns.
    clock = FakeTimers.install({ now: Date.now(), toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const started = await startNode({}, { podGone: (namespace, name) => gone.has(`${namespace}/${name}`) });
    await started.pods.add(addRequest('c1', 'red', 'a'));
    await started.pods.add(addRequest('c2', 'red', 'b'));
    return started;
  }

  const attached = (containerId: string) => node!.agent.dataplane.pod(hostPortName(containerId, 'eth0')) !== undefined;

  it('detaches a pod missing from the list once it is still gone RECLAIM_AFTER_MS later', async () => {
    node = await nodeWithPods();
    clock!.tick(RECLAIM_AFTER_MS);
    gone.add('red/a');
    await node.pods.reclaimVanished([{ namespace: 'red', name: 'b' }]);
    clock!.tick(RECLAIM_AFTER_MS - 1);
    await settle(() => false);
    expect(attached('c1'), 'before the delay').to.equal(true);
    clock!.tick(1);
    await settle(() => !attached('c1'));
    expect(attached('c1')).to.equal(false);
    expect(podFlowsOn(node.ovs, 'c1')).to.deep.equal([]);
    expect((await node.ipam.list()).map((a) => a.containerId)).to.deep.equal(['c2']);
    expect(attached('c2')).to.equal(true);
  });

  it('keeps a pod that the API server lists again before the delay is over', async () => {
    node = await nodeWithPods();
    clock!.tick(RECLAIM_AFTER_MS);
    await node.pods.reclaimVanished([]);
    clock!.tick(RECLAIM_AFTER_MS);
    await settle(() => false);
    expect(attached('c1')).to.equal(true);
    expect(attached('c2')).to.equal(true);
  });

  it('keeps a pod re-attached after the list that missed it, whose new pod may not be in the list yet', async () => {
    node = await nodeWithPods();
    clock!.tick(RECLAIM_AFTER_MS);
    gone.add('red/a');
    await node.pods.reclaimVanished([{ namespace: 'red', name: 'b' }]);
    clock!.tick(RECLAIM_AFTER_MS / 2);
    await node.pods.del(delRequest('c1', '/var/run/netns/c1'));
    await node.pods.add(addRequest('c1', 'red', 'a'));
    clock!.tick(RECLAIM_AFTER_MS / 2);
    await settle(() => false);
    expect(attached('c1')).to.equal(true);
  });

  it('frees at once an address whose container has no attachment, e.g. from an ADD that died', async () => {
    node = await nodeWithPods();
    await node.ipam.allocate('orphan', 'eth0');
    await node.pods.reclaimVanished([{ namespace: 'red', name: 'a' }, { namespace: 'red', name: 'b' }]);
    expect((await node.ipam.list()).map((a) => a.containerId).sort()).to.deep.equal(['c1', 'c2']);
  });

  it('stops its timers when the node stops', async () => {
    node = await nodeWithPods();
    clock!.tick(RECLAIM_AFTER_MS);
    gone.add('red/a');
    await node.pods.reclaimVanished([]);
    node.pods.stop();
    clock!.tick(RECLAIM_AFTER_MS);
    await settle(() => false);
    expect(attached('c1')).to.equal(true);
  });
});
