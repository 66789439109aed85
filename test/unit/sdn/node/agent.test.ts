import { expect } from 'chai';
import { Cidr, parseIpv4 } from '../../../../lib/net/ipv4.js';
import { renderActions } from '../../../../lib/ovs/flow.js';
import { parseVersionNote } from '../../../../lib/sdn/pipeline/flows.js';
import { nodeOwner } from '../../../../lib/sdn/pipeline/owners.js';
import { FRAGMENT_HANDLING, PIPELINE_VERSION, Table } from '../../../../lib/sdn/pipeline/tables.js';
import { serializeHostSubnet } from '../../../../lib/sdn/records.js';
import {
  CONFIG, KEYS, type TestNode, addRequest, removeStateDir, startNode, storeWithCluster, taggedVnids,
} from './harness.js';

const REMOTE_IP = parseIpv4('192.168.50.2');

function versionOn(node: TestNode): number | undefined {
  const [marker] = [...node.ovs.flows.values()].filter((f) => f.table === Number(Table.Version));
  return marker ? parseVersionNote(renderActions(marker.actions)) : undefined;
}

describe('NodeAgent (a node following etcd and keeping its switch)', () => {
  const nodes: TestNode[] = [];
  afterEach(async () => {
    for (const node of nodes.splice(0)) {
      await node.stop();
      await removeStateDir(node);
    }
  });
  const started = async (...args: Parameters<typeof startNode>) => {
    const node = await startNode(...args);
    nodes.push(node);
    return node;
  };

  it('sets up the bridge, tun0 and the pipeline, and waits for nothing else when its HostSubnet exists', async () => {
    const node = await started();
    expect(node.ovs.bridge).to.equal(true);
    expect(node.ovs.fragments).to.equal(FRAGMENT_HANDLING);
    expect(node.ovs.ports.get('vxlan0')?.ofport).to.equal(1);
    expect(node.ovs.ports.get('tun0')?.ofport).to.equal(2);
    expect([...node.host.routes].sort()).to.deep.equal(['10.128.0.0/14 dev tun0', '172.30.0.0/16 dev tun0']);
    expect(versionOn(node)).to.equal(PIPELINE_VERSION);
    expect(node.agent.nodeNetwork?.localSubnet.toString()).to.equal('10.128.0.0/23');
  });

  it('adds and removes the tunnel flows of other nodes as their HostSubnets come and go', async () => {
    const node = await started();
    await node.store.put(KEYS.subnet(REMOTE_IP), serializeHostSubnet({
      host: 'n2', hostIp: REMOTE_IP, subnet: Cidr.parse('10.128.2.0/23'), assign: false,
    }));
    expect(node.ovs.ofOwner(nodeOwner(REMOTE_IP))).to.not.have.lengthOf(0);
    await node.store.delete(KEYS.subnet(REMOTE_IP));
    expect(node.ovs.ofOwner(nodeOwner(REMOTE_IP))).to.have.lengthOf(0);
  });

  it('retags a namespace\'s pods when its VNID changes, leaving other namespaces alone', async () => {
    const node = await started();
    await node.pods.add(addRequest('c1', 'red', 'a'));
    await node.pods.add(addRequest('c2', 'blue', 'b'));
    await node.setVnid('red', 12);
    expect(taggedVnids(node.ovs, 'c1')).to.deep.equal([12]);
    expect(taggedVnids(node.ovs, 'c2')).to.deep.equal([12]);
    await node.setVnid('red', 0);
    expect(taggedVnids(node.ovs, 'c1')).to.deep.equal([0]);
    expect(taggedVnids(node.ovs, 'c2')).to.deep.equal([12]);
  });

  it('heals a change the switch refused with a resync from its model', async () => {
    const node = await started();
    await node.pods.add(addRequest('c1', 'red', 'a'));
    node.ovs.faults.failNext('bundle');
    await node.setVnid('red', 12);
    // The retag's bundle failed; the resync that followed put the whole model on the switch, retag included.
    expect(node.ovs.faults.count('replaceAllFlows')).to.equal(2);
    expect(taggedVnids(node.ovs, 'c1')).to.deep.equal([12]);
  });

  it('on restart recovers its pods from the OVS ports, with the VNIDs etcd has now, and puts their flows and meters back', async () => {
    const first = await started();
    const limited = addRequest('c2', 'blue', 'b');
    limited.bandwidth = { egress: { rateBps: 5_000_000, burstBits: 500_000 } };
    await first.pods.add(addRequest('c1', 'red', 'a'));
    await first.pods.add(limited);
    await first.stop();
    // While the daemon was away: ovs-vswitchd restarted (flows, meters gone) and red joined blue.
    first.ovs.restartVswitchd();
    first.store.data.set(KEYS.netNamespace('red'), storeWithCluster().data.get(KEYS.netNamespace('blue'))!.replace('"blue"', '"red"'));
    const second = await started({ store: first.store, ovs: first.ovs, host: first.host, links: first.links, stateDir: first.stateDir });
    expect(second.agent.dataplane.localPods().map((pod) => pod.name).sort()).to.deep.equal(['a', 'b']);
    expect(taggedVnids(second.ovs, 'c1')).to.deep.equal([12]);
    expect(taggedVnids(second.ovs, 'c2')).to.deep.equal([12]);
    expect([...second.ovs.meters.values()].map((m) => m.rateKbps)).to.deep.equal([5000]);
    expect(versionOn(second)).to.equal(PIPELINE_VERSION);
  });

  it('on restart applies what changed in etcd during its first resync: pods retagged, new nodes tunnelled', async () => {
    const first = await started();
    await first.pods.add(addRequest('c1', 'red', 'a'));
    await first.stop();
    const held = first.ovs.faults.hold('replaceAllFlows');
    const restarting = started({ store: first.store, ovs: first.ovs, host: first.host, links: first.links, stateDir: first.stateDir });
    await held.reached;
    await first.setVnid('red', 12);
    await first.store.put(KEYS.subnet(REMOTE_IP), serializeHostSubnet({
      host: 'n2', hostIp: REMOTE_IP, subnet: Cidr.parse('10.128.2.0/23'), assign: false,
    }));
    held.open();
    const second = await restarting;
    expect(taggedVnids(second.ovs, 'c1')).to.deep.equal([12]);
    expect(second.ovs.ofOwner(nodeOwner(REMOTE_IP))).to.not.have.lengthOf(0);
  });

  it('on restart compares no flow twice when nothing changed during its first resync', async () => {
    const first = await started();
    await first.pods.add(addRequest('c1', 'red', 'a'));
    await first.stop();
    const bundlesBefore = first.ovs.faults.count('bundle');
    await started({ store: first.store, ovs: first.ovs, host: first.host, links: first.links, stateDir: first.stateDir });
    expect(first.ovs.faults.count('bundle'), 'the resync replaces all flows; nothing else goes to the switch').to.equal(bundlesBefore);
  });

  it('on restart gives no flows to ports of a namespace that no longer exists, and removes ports whose veth vanished', async () => {
    const first = await started();
    await first.pods.add(addRequest('c1', 'red', 'a'));
    await first.pods.add(addRequest('c2', 'blue', 'b'));
    await first.stop();
    first.store.data.delete(KEYS.netNamespace('red'));
    const [, blue] = [...first.ovs.ports.entries()].filter(([name]) => name.startsWith('ko'));
    blue![1].ofport = undefined;
    const second = await started({ store: first.store, ovs: first.ovs, host: first.host, links: first.links, stateDir: first.stateDir });
    expect(second.agent.dataplane.localPods()).to.deep.equal([]);
    expect(taggedVnids(second.ovs, 'c1')).to.deep.equal([]);
    expect(second.ovs.ports.has(blue![0])).to.equal(false);
  });

  it('moves the routes and pipeline flows to a new service network', async () => {
    const node = await started();
    await node.agent.applyServiceNetwork({ ...CONFIG, serviceNetwork: Cidr.parse('172.31.0.0/16') });
    expect([...node.host.routes].sort()).to.deep.equal(['10.128.0.0/14 dev tun0', '172.31.0.0/16 dev tun0']);
    const serviceDispatch = [...node.ovs.flows.values()].filter((f) => f.table === Number(Table.Dispatch))
      .map((f) => String(f.match.nwDst ?? ''));
    expect(serviceDispatch).to.include('172.31.0.0/16').and.not.include('172.30.0.0/16');
  });
});
