// Finding the original k8s-ovs's running pods: its ports, its table-2 flows and host-local's leases must agree.
// The flow lines are what ovs-ofctl 3.1 dumped for pods set up by the original's per-pod commands.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { silentLogger } from '../../../../lib/log.js';
import { parseIpv4 } from '../../../../lib/net/ipv4.js';
import { parseDumpFlows } from '../../../../lib/ovs/dump.js';
import type { PortInfo } from '../../../../lib/ovs/switch.js';
import type { Vnid } from '../../../../lib/tenant/vnid.js';
import { type HostLocalLease, HostLocalLeases } from '../../../../lib/sdn/ipam/host-local-leases.js';
import type { LocalPod } from '../../../../lib/sdn/node/dataplane.js';
import { type AdoptionTarget, OriginalPodAdoption, findOriginalPods } from '../../../../lib/sdn/node/original-pods.js';

const DUMP = parseDumpFlows(`
 table=2, priority=100,arp,in_port=3,arp_spa=10.128.4.2,arp_sha=ba:f4:d8:f3:8a:05 actions=load:0xb->NXM_NX_REG0[],goto_table:5
 table=2, priority=100,arp,in_port=4,arp_spa=10.128.4.3,arp_sha=7a:8c:9e:28:65:66 actions=load:0->NXM_NX_REG0[],goto_table:5
 table=2, priority=100,ip,in_port=3,nw_src=10.128.4.2 actions=load:0xb->NXM_NX_REG0[],goto_table:3
 table=2, priority=100,ip,in_port=4,nw_src=10.128.4.3 actions=load:0->NXM_NX_REG0[],goto_table:3
 table=2, priority=0 actions=drop
`);

const port = (name: string, ofport: number, externalIds: Record<string, string> = {}): PortInfo => ({ name, ofport, externalIds });
const PORTS = [port('vxlan0', 1), port('tun0', 2), port('veth935125a4', 3), port('vethfd78e7eb', 4)];
const LEASES: HostLocalLease[] = [
  { ip: parseIpv4('10.128.4.2'), containerId: 'ctr-a', ifname: 'eth0' },
  { ip: parseIpv4('10.128.4.3'), containerId: 'ctr-b' },
];

describe('the original k8s-ovs\'s running pods', () => {
  it('are found where its ports, table-2 flows and host-local leases agree', () => {
    const found = findOriginalPods(PORTS, DUMP, LEASES);
    expect(found.pods).to.deep.equal([
      { portName: 'veth935125a4', ofport: 3, ip: '10.128.4.2', mac: 'ba:f4:d8:f3:8a:05', vnid: 11, containerId: 'ctr-a', ifname: 'eth0' },
      { portName: 'vethfd78e7eb', ofport: 4, ip: '10.128.4.3', mac: '7a:8c:9e:28:65:66', vnid: 0, containerId: 'ctr-b', ifname: 'eth0' },
    ]);
    expect(found.skipped).to.deep.equal([]);
  });

  it('skip ports of this daemon, and say why they leave a port alone', () => {
    const ports = [...PORTS, port('ko0123456789ab', 5, { 'k8s-ovs-container-id': 'c5' }), port('vethdead0000', -1), port('extra0', 6)];
    const found = findOriginalPods(ports, DUMP, [LEASES[0]!]);
    expect(found.pods.map((pod) => pod.portName)).to.deep.equal(['veth935125a4']);
    expect(found.skipped).to.deep.equal([
      { port: 'vethfd78e7eb', reason: 'no host-local lease for its address 10.128.4.3' },
      { port: 'vethdead0000', reason: 'it has no OpenFlow port (its veth is gone)' },
      { port: 'extra0', reason: 'no address, MAC and VNID in table-2 flows for ofport 6' },
    ]);
  });

  it('are adopted under the namespace the API server gives their address, else the one namespace of their VNID', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'k8s-ovs-leases-'));
    try {
      // host-local before 0.7 wrote the container ID alone; later versions add "\r\n<ifname>".
      await fs.writeFile(path.join(dir, '10.128.4.2'), 'ctr-a\r\neth0');
      await fs.writeFile(path.join(dir, '10.128.4.3'), 'ctr-b');
      await fs.writeFile(path.join(dir, 'last_reserved_ip.0'), '10.128.4.3');
      await fs.writeFile(path.join(dir, 'lock'), '');
      const adopted: LocalPod[] = [];
      const target: AdoptionTarget = {
        namespacesWith: (vnid) => (vnid === 11 ? ['red'] : ['kube-system', 'shared-infra']),
        vnidOf: (ns) => ({ red: 11, 'kube-system': 0 } as Record<string, number>)[ns] as Vnid | undefined,
        adopt: async (pod) => { adopted.push(pod); },
      };
      const adoption = new OriginalPodAdoption({
        ovs: { listPorts: async () => PORTS, dumpFlows: async () => DUMP }, leases: new HostLocalLeases(dir), logger: silentLogger,
        podByIp: (ip) => (ip === '10.128.4.2' ? { namespace: 'red', name: 'web-0' } : undefined),
      });
      await adoption.adopt(target);
      expect(adopted.map((pod) => [pod.containerId, pod.namespace, pod.name, pod.port.portName, pod.port.vnid])).to.deep.equal([
        ['ctr-a', 'red', 'web-0', 'veth935125a4', 11],
        // VNID 0 is shared by two namespaces: the pod keeps its VNID with no namespace.
        ['ctr-b', '', '', 'vethfd78e7eb', 0],
      ]);
      const leases = new HostLocalLeases(dir);
      expect(await leases.release('ctr-a')).to.deep.equal(['10.128.4.2']);
      expect(await leases.release('ctr-a')).to.deep.equal([]);
      expect((await fs.readdir(dir)).sort()).to.deep.equal(['10.128.4.3', 'last_reserved_ip.0', 'lock']);
      expect(await new HostLocalLeases(path.join(dir, 'missing')).list()).to.deep.equal([]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
