// Fixed addresses across three simulated nodes: /32 routes to the holder, inner sources from the holder alone.
import { expect } from 'chai';
import { Cidr, parseIpv4 } from '../../../../lib/net/ipv4.js';
import type { Flow } from '../../../../lib/ovs/flow.js';
import {
  type NodeNetwork, type PodPort, type RemoteNode, fixedAddressFlows, pipelineFlows, podFlows, remoteNodeFlows,
} from '../../../../lib/sdn/pipeline/flows.js';
import { TUN_PORT, Table, VXLAN_PORT } from '../../../../lib/sdn/pipeline/tables.js';
import type { Vnid } from '../../../../lib/tenant/vnid.js';
import { type Packet, type Verdict, simulate } from '../../../support/flowsim.js';

interface SimNode extends RemoteNode {
  name: string;
  pods: PodPort[];
}

const node = (name: string, n: number): SimNode => ({
  name, ip: parseIpv4(`192.168.50.${n}`), subnet: Cidr.parse(`10.128.${2 * (n - 1)}.0/23`), pods: [],
});
const port = (ofport: number, ip: string, vnid: number, mac = `0a:58:00:00:00:0${ofport}`): PodPort =>
  ({ portName: `ko-${ip}`, ofport, ip: parseIpv4(ip), mac, vnid: vnid as Vnid });

const FIXED = parseIpv4('10.130.0.5');
const a = node('a', 1), b = node('b', 2), c = node('c', 3);
const nodes = [a, b, c];
const fixedPod = port(7, FIXED, 11, '02:00:00:00:00:07');
a.pods.push(port(3, '10.128.0.3', 11), port(5, '10.128.0.5', 12), fixedPod);
b.pods.push(port(3, '10.128.2.3', 11), port(4, '10.128.2.4', 12));
c.pods.push(port(3, '10.128.4.3', 11));
const [redA, blueA] = a.pods as [PodPort, PodPort];
const [redB, blueB] = b.pods as [PodPort, PodPort];

function network(self: SimNode): NodeNetwork {
  return {
    clusterNetwork: Cidr.parse('10.128.0.0/14'), serviceNetwork: Cidr.parse('172.30.0.0/16'), localSubnet: self.subnet,
    gateway: self.subnet.address(1), gatewayMac: '0a:58:0a:80:00:01', nodeIp: self.ip,
  };
}

/** Every node's flows while `holder` holds FIXED (with its pod there) and no other node does. */
function switches(holder: SimNode, pods: (n: SimNode) => PodPort[] = (n) => n.pods): Map<string, Flow[]> {
  return new Map(nodes.map((self) => [self.name, [
    ...pipelineFlows(network(self)),
    ...nodes.filter((other) => other !== self).flatMap((other) => remoteNodeFlows(other)),
    ...pods(self).flatMap(podFlows),
    ...fixedAddressFlows(self === holder ? { ip: FIXED, holder: 'local' } : { ip: FIXED, holder: holder.ip }),
  ]]));
}

/** Sends `packet` into `from`'s switch and follows it over VXLAN to the node it is tunnelled to. */
function travel(flows: Map<string, Flow[]>, from: SimNode, packet: Packet): { at: string; verdict: Verdict } {
  const first = simulate(flows.get(from.name)!, packet);
  if (first.kind !== 'output' || first.port !== VXLAN_PORT) return { at: from.name, verdict: first };
  const next = nodes.find((n) => n.ip === first.tunDst)!;
  const inner = { ...packet, inPort: VXLAN_PORT, tunSrc: from.ip, tunId: first.tunId ?? 0 };
  return { at: next.name, verdict: simulate(flows.get(next.name)!, inner) };
}

const ipFrom = (src: PodPort, nwDst: string, extra: Partial<Packet> = {}): Packet =>
  ({ inPort: src.ofport, protocol: 'ip', dlSrc: src.mac, nwSrc: src.ip, nwDst, ...extra });
const arpFrom = (src: PodPort, target: string): Packet =>
  ({ inPort: src.ofport, protocol: 'arp', dlSrc: src.mac, arpSha: src.mac, nwSrc: src.ip, nwDst: target });
const deliveredTo = (at: string, pod: PodPort) => ({ at, verdict: { kind: 'output', port: pod.ofport } });
const droppedAt = (at: string, table: Table) => ({ at, verdict: { kind: 'drop', table } });

describe('fixed addresses in the node pipeline (three simulated nodes)', () => {
  const onA = switches(a);

  it('routes IP and ARP for the address from every node to its holder, the source VNID as the tunnel key', () => {
    expect(simulate(onA.get('b')!, ipFrom(redB, FIXED))).to.deep.equal({ kind: 'output', port: VXLAN_PORT, tunId: 11, tunDst: a.ip });
    expect(travel(onA, b, ipFrom(redB, FIXED))).to.deep.equal(deliveredTo('a', fixedPod));
    expect(travel(onA, b, arpFrom(redB, FIXED))).to.deep.equal(deliveredTo('a', fixedPod));
    expect(travel(onA, c, ipFrom(c.pods[0]!, FIXED))).to.deep.equal(deliveredTo('a', fixedPod));
  });

  it('delivers to it on its own node, by IP and ARP, from its tenant and from the host', () => {
    expect(travel(onA, a, ipFrom(redA, FIXED))).to.deep.equal(deliveredTo('a', fixedPod));
    expect(travel(onA, a, arpFrom(redA, FIXED))).to.deep.equal(deliveredTo('a', fixedPod));
    expect(travel(onA, a, { inPort: TUN_PORT, protocol: 'ip', nwSrc: a.subnet.address(1), nwDst: FIXED }))
      .to.deep.equal(deliveredTo('a', fixedPod));
  });

  it('keeps other tenants out like any pod: the holder checks the VNID, ARP included', () => {
    expect(travel(onA, b, ipFrom(blueB, FIXED))).to.deep.equal(droppedAt('a', Table.LocalDelivery));
    expect(travel(onA, b, arpFrom(blueB, FIXED))).to.deep.equal(droppedAt('a', Table.LocalArp));
    expect(travel(onA, a, ipFrom(blueA, FIXED))).to.deep.equal(droppedAt('a', Table.LocalDelivery));
  });

  it('carries the fixed-address pod\'s traffic to other nodes, where its address is accepted from its holder', () => {
    expect(travel(onA, a, ipFrom(fixedPod, redB.ip))).to.deep.equal(deliveredTo('b', redB));
    expect(travel(onA, a, arpFrom(fixedPod, redB.ip))).to.deep.equal(deliveredTo('b', redB));
    expect(travel(onA, a, ipFrom(fixedPod, blueB.ip))).to.deep.equal(droppedAt('b', Table.LocalDelivery));
  });

  it('keeps the pod\'s VNID on what the host relays for it (kube-proxy DNAT) to another node', () => {
    const relayed = { inPort: TUN_PORT, protocol: 'tcp', nwSrc: FIXED, nwDst: redB.ip, tpSrc: 40000, tpDst: 8080 } as const;
    expect(simulate(onA.get('a')!, relayed)).to.deep.equal({ kind: 'output', port: VXLAN_PORT, tunId: 11, tunDst: b.ip });
    expect(simulate(onA.get('b')!, { ...relayed, inPort: TUN_PORT })).to.deep.equal({ kind: 'drop', table: Table.HostIngress });
  });

  it('accepts the address as an inner source from its holder alone', () => {
    const forged = { inPort: VXLAN_PORT, protocol: 'ip', tunSrc: b.ip, tunId: 11, nwSrc: FIXED, nwDst: c.pods[0]!.ip } as const;
    expect(simulate(onA.get('c')!, forged)).to.deep.equal({ kind: 'drop', table: Table.TunnelIngress });
    expect(simulate(onA.get('c')!, { ...forged, tunSrc: a.ip })).to.deep.equal({ kind: 'output', port: 3 });
    expect(simulate(onA.get('c')!, { ...forged, protocol: 'arp', nwDst: c.pods[0]!.ip }), 'ARP from a node that does not hold it')
      .to.deep.equal({ kind: 'drop', table: Table.TunnelIngress });
  });

  it('follows the address to its new holder once it moves, and the old holder dispatches nothing to it any more', () => {
    const moved = { ...fixedPod, ofport: 9 };
    const onB = switches(b, (n) => (n === a ? [redA, blueA] : n === b ? [...b.pods, moved] : n.pods));
    expect(travel(onB, a, ipFrom(redA, FIXED))).to.deep.equal(deliveredTo('b', moved));
    expect(travel(onB, c, arpFrom(c.pods[0]!, FIXED))).to.deep.equal(deliveredTo('b', moved));
    const fromOldHolder = { inPort: VXLAN_PORT, protocol: 'ip', tunSrc: a.ip, tunId: 11, nwSrc: FIXED, nwDst: redB.ip } as const;
    expect(simulate(onB.get('b')!, fromOldHolder), 'the old holder\'s stale traffic').to.deep.equal({ kind: 'drop', table: Table.TunnelIngress });
  });

  it('installs four flows on each node that does not hold the address and two on the one that does', () => {
    expect(fixedAddressFlows({ ip: FIXED, holder: a.ip }).map((f) => f.table).sort())
      .to.deep.equal([Table.TunnelIngress, Table.TunnelIngress, Table.RemoteArp, Table.RemoteDelivery].sort());
    expect(fixedAddressFlows({ ip: FIXED, holder: 'local' }).map((f) => f.table)).to.deep.equal([Table.Dispatch, Table.Dispatch]);
  });
});
