// A pod adopted from the original k8s-ovs through its port's external IDs: it survives the next restart with
// its VNID, even without a known namespace, and its DEL finds its port by the attachment, not by name.
import { expect } from 'chai';
import type { PodLinks } from '../../../../lib/host/podlink.js';
import { parseIpv4 } from '../../../../lib/net/ipv4.js';
import { FlowSync } from '../../../../lib/ovs/flowsync.js';
import type { OvsSwitch, PortInfo, PortSpec } from '../../../../lib/ovs/switch.js';
import type { Vnid } from '../../../../lib/tenant/vnid.js';
import { type LocalPod, NodeDataplane } from '../../../../lib/sdn/node/dataplane.js';
import { PodPorts } from '../../../../lib/sdn/node/podports.js';
import { CONNTRACK_ZONE } from '../../../../lib/sdn/pipeline/tables.js';
import { FakeFlowTable } from '../../../support/fakeflows.js';

/** The ports of a bridge in memory, with the calls PodPorts makes. */
class FakePorts {
  readonly ports = new Map<string, PortInfo>();
  readonly flushed: string[] = [];
  async ensurePort(spec: PortSpec): Promise<number> {
    const ofport = this.ports.get(spec.name)?.ofport ?? this.ports.size + 3;
    this.ports.set(spec.name, { name: spec.name, ofport, externalIds: { ...spec.externalIds } });
    return ofport;
  }
  async listPorts(): Promise<PortInfo[]> {
    return [...this.ports.values()];
  }
  async deletePort(name: string): Promise<void> {
    this.ports.delete(name);
  }
  async flushConnections(zone: number, ip: string): Promise<void> {
    this.flushed.push(`${zone}/${ip}`);
  }
  async meterIds(): Promise<Set<number>> {
    return new Set();
  }
}

const deletedLinks: string[] = [];
const links = { deleteHostEnd: async (name: string) => { deletedLinks.push(name); return true; } } as unknown as PodLinks;

function node(ovs: FakePorts) {
  const dataplane = new NodeDataplane(new FlowSync(new FakeFlowTable()));
  return { dataplane, ports: new PodPorts(ovs as unknown as OvsSwitch, links, dataplane, { podMtu: 1450, disableTxChecksumOffload: false }) };
}

const adopted = (namespace: string): LocalPod => ({
  containerId: 'ctr-b', ifname: 'eth0', namespace, name: namespace ? 'old-b' : '', netnsPath: '',
  port: { portName: 'vethfd78e7eb', ofport: 4, ip: parseIpv4('10.128.4.3'), mac: '7a:8c:9e:28:65:66', vnid: 0 as Vnid },
});

describe('pods adopted from the original k8s-ovs', () => {
  it('keep their VNID across a restart when their namespace is unknown, and follow their namespace when it is known', async () => {
    const ovs = new FakePorts();
    ovs.ports.set('vethfd78e7eb', { name: 'vethfd78e7eb', ofport: 4, externalIds: {} });
    await node(ovs).ports.adopt(adopted(''));
    const restarted = node(ovs);
    const { pods, unknown } = await restarted.ports.recover(() => undefined);
    expect(unknown).to.deep.equal([]);
    expect(pods).to.deep.equal([adopted('')]);

    await node(ovs).ports.adopt(adopted('red'));
    expect(ovs.ports.get('vethfd78e7eb')!.externalIds).not.to.have.property('k8s-ovs-vnid');
    const again = await node(ovs).ports.recover((ns) => (ns === 'red' ? 12 as Vnid : undefined));
    expect(again.pods.map((pod) => [pod.namespace, pod.port.vnid])).to.deep.equal([['red', 12]]);
  });

  it('are detached by their attachment, whatever their port is called', async () => {
    const ovs = new FakePorts();
    ovs.ports.set('vethfd78e7eb', { name: 'vethfd78e7eb', ofport: 4, externalIds: {} });
    const { ports, dataplane } = node(ovs);
    await ports.adopt(adopted('red'));
    expect(dataplane.podOf('ctr-b', 'eth0')?.port.portName).to.equal('vethfd78e7eb');
    await ports.detach('ctr-b', 'eth0');
    expect(ovs.ports.size).to.equal(0);
    expect(deletedLinks).to.include('vethfd78e7eb');
    expect(dataplane.localPods()).to.deep.equal([]);
    expect(ovs.flushed, 'its connections, so that a later holder of its address inherits none').to.deep.equal([`${CONNTRACK_ZONE}/10.128.4.3`]);
  });
});
