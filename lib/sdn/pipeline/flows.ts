// Which flows the switch should hold: pure functions of the node's network, its pods, nodes and services.
import { type Flow, type Match, type OfPort, flow } from '../../ovs/flow.js';
import type { ServiceProtocol } from '../../k8s/views.js';
import type { Cidr, Ipv4 } from '../../net/ipv4.js';
import type { Mac } from '../../net/mac.js';
import { GLOBAL_VNID, type Vnid } from '../../tenant/vnid.js';
import { nodeOwner, pipelineOwner, podOwner, serviceOwner } from './owners.js';
import { PIPELINE_VERSION, SOURCE_VNID, TUN_PORT, Table, VXLAN_PORT } from './tables.js';

export interface NodeNetwork {
  clusterNetwork: Cidr;
  serviceNetwork: Cidr;
  localSubnet: Cidr;
  gateway: Ipv4;
}

export interface RemoteNode {
  ip: Ipv4;
  subnet: Cidr;
}

export interface PodPort {
  /** Host-side veth name: the pod's OVS port and the key of its flows. */
  portName: string;
  ofport: OfPort;
  ip: Ipv4;
  mac: Mac;
  vnid: Vnid;
  /** Meter that limits what the pod sends, if it has an egress limit. */
  egressMeter?: number;
}

export interface ServiceEndpoint {
  namespace: string;
  name: string;
  ip: Ipv4;
  ports: ReadonlyArray<{ protocol: ServiceProtocol; port: number }>;
  vnid: Vnid;
}

/** Flows that depend only on the node's own network: table skeletons and catch-alls. */
export function pipelineFlows(net: NodeNetwork): Flow[] {
  const owned = (table: Table, priority: number) => flow(table, priority).owner(pipelineOwner);
  return [
    owned(Table.Classifier, 200).matching({ inPort: VXLAN_PORT }).gotoTable(Table.TunnelIngress),
    owned(Table.Classifier, 200).matching({ inPort: TUN_PORT })
      .setRegister(SOURCE_VNID, GLOBAL_VNID).gotoTable(Table.Dispatch),
    owned(Table.Classifier, 50).gotoTable(Table.PodIngress),
    owned(Table.Classifier, 0).drop(),

    owned(Table.TunnelIngress, 0).drop(),
    owned(Table.PodIngress, 0).drop(),

    owned(Table.Dispatch, 300).matching({ protocol: 'ip', nwDst: net.gateway }).gotoTable(Table.HostEgress),
    owned(Table.Dispatch, 200).matching({ protocol: 'arp', arpTpa: net.localSubnet })
      .gotoTable(Table.LocalArp),
    owned(Table.Dispatch, 200).matching({ protocol: 'ip', nwDst: net.localSubnet })
      .gotoTable(Table.LocalDelivery),
    // What arrives over VXLAN is for this node's subnet only: never relay it to a third node or outside.
    owned(Table.Dispatch, 150).matching({ inPort: VXLAN_PORT }).drop(),
    owned(Table.Dispatch, 100).matching({ protocol: 'ip', nwDst: net.serviceNetwork })
      .gotoTable(Table.ServiceAccess),
    owned(Table.Dispatch, 100).matching({ protocol: 'arp', arpTpa: net.clusterNetwork })
      .gotoTable(Table.RemoteArp),
    owned(Table.Dispatch, 100).matching({ protocol: 'ip', nwDst: net.clusterNetwork })
      .gotoTable(Table.RemoteDelivery),
    owned(Table.Dispatch, 50).matching({ protocol: 'ip' }).gotoTable(Table.HostEgress),
    owned(Table.Dispatch, 0).drop(),

    owned(Table.LocalArp, 100).matching({ protocol: 'arp', arpTpa: net.gateway }).output(TUN_PORT),
    owned(Table.LocalArp, 0).drop(),
    owned(Table.RemoteArp, 0).drop(),

    owned(Table.ServiceAccess, 200).matching({ reg: { [SOURCE_VNID]: GLOBAL_VNID } }).output(TUN_PORT),
    owned(Table.ServiceAccess, 0).drop(),
    owned(Table.LocalDelivery, 0).drop(),
    owned(Table.RemoteDelivery, 0).drop(),
    owned(Table.HostEgress, 0).output(TUN_PORT),
    owned(Table.Version, 0).note(versionNote(PIPELINE_VERSION)),
  ];
}

export function versionNote(version: number): string {
  return `k8s-ovs pipeline ${version}`;
}

/** Reads the version back from `ovs-ofctl dump-flows` actions (note bytes in hex, zero-padded). */
export function parseVersionNote(actions: string): number | undefined {
  const hex = /note:([0-9a-f.]+)/i.exec(actions)?.[1]?.replace(/\./g, '');
  if (!hex) return undefined;
  const text = Buffer.from(hex, 'hex').toString('utf8').replace(/\0+$/, '');
  const match = /^k8s-ovs pipeline (\d+)$/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** Another node: accept its VXLAN, and send ARP and IP for its subnet to it. */
export function remoteNodeFlows(node: RemoteNode): Flow[] {
  const owned = (table: Table) => flow(table, 100).owner(nodeOwner(node.ip));
  return [
    owned(Table.TunnelIngress).matching({ tunSrc: node.ip })
      .copyTunnelIdToRegister(SOURCE_VNID).gotoTable(Table.Dispatch),
    owned(Table.RemoteArp).matching({ protocol: 'arp', arpTpa: node.subnet })
      .copyRegisterToTunnelId(SOURCE_VNID).setTunnelDestination(node.ip).output(VXLAN_PORT),
    owned(Table.RemoteDelivery).matching({ protocol: 'ip', nwDst: node.subnet })
      .copyRegisterToTunnelId(SOURCE_VNID).setTunnelDestination(node.ip).output(VXLAN_PORT),
  ];
}

/** A local pod: what it may send (its own MAC and IP only) and who may reach it (same VNID or VNID 0). */
export function podFlows(pod: PodPort): Flow[] {
  const owned = (table: Table) => flow(table, 100).owner(podOwner(pod.portName));
  const tag = (builder: ReturnType<typeof owned>) => {
    const metered = pod.egressMeter === undefined ? builder : builder.meter(pod.egressMeter);
    return metered.setRegister(SOURCE_VNID, pod.vnid).gotoTable(Table.Dispatch);
  };
  // The frame may carry the gateway's MAC (a pod routing via its default route): address it to the pod.
  const deliver = owned(Table.LocalDelivery).matching({ protocol: 'ip', nwDst: pod.ip });
  return [
    tag(owned(Table.PodIngress).matching({ inPort: pod.ofport, protocol: 'ip', dlSrc: pod.mac, nwSrc: pod.ip })),
    tag(owned(Table.PodIngress).matching({
      inPort: pod.ofport, protocol: 'arp', dlSrc: pod.mac, arpSpa: pod.ip, arpSha: pod.mac,
    })),
    owned(Table.LocalArp).matching({ protocol: 'arp', arpTpa: pod.ip }).output(pod.ofport),
    ...(pod.vnid === GLOBAL_VNID
      ? [deliver.setEthernetDestination(pod.mac).output(pod.ofport)]
      : [
        deliver.matching({ reg: { [SOURCE_VNID]: pod.vnid } }).setEthernetDestination(pod.mac).output(pod.ofport),
        deliver.matching({ reg: { [SOURCE_VNID]: GLOBAL_VNID } }).setEthernetDestination(pod.mac).output(pod.ofport),
      ]),
  ];
}

/**
 * A service's ports, open to its own VNID (VNID 0 is open to all through the pipeline flow). Later IP
 * fragments carry no ports, so they pass by IP and protocol: without the first fragment, which the port
 * flow checked, the host cannot reassemble them into anything kube-proxy would forward.
 */
export function serviceFlows(service: ServiceEndpoint): Flow[] {
  const open = (match: Match) => flow(Table.ServiceAccess, 100).owner(serviceOwner(service.namespace, service.name))
    .matching({
      ...match,
      nwDst: service.ip,
      ...(service.vnid === GLOBAL_VNID ? {} : { reg: { [SOURCE_VNID]: service.vnid } }),
    })
    .output(TUN_PORT);
  const protocols = [...new Set(service.ports.map((p) => p.protocol))];
  return [
    ...service.ports.map(({ protocol, port }) => open({ protocol, tpDst: port })),
    ...protocols.map((protocol) => open({ protocol, nwFrag: 'later' })),
  ];
}
