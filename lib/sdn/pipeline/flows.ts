// Which flows the switch should hold: pure functions of the node's network, its pods, nodes and services.
import { type Flow, type FlowBuilder, type Match, type Masked, type OfPort, flow } from '../../ovs/flow.js';
import type { ServiceProtocol } from '../../k8s/views.js';
import { noteTexts } from '../../ovs/dump.js';
import type { Cidr, Ipv4 } from '../../net/ipv4.js';
import type { Mac } from '../../net/mac.js';
import { GLOBAL_VNID, type Vnid } from '../../tenant/vnid.js';
import { fixedAddressOwner, guardOwner, nodeOwner, pipelineOwner, podOwner, serviceOwner } from './owners.js';
import {
  CONNTRACK_ZONE, OUTPUT_PORT, PACKET_FLAGS, PIPELINE_VERSION, PacketFlag, RELAYED_CONNECTION_MARK, SOURCE_VNID,
  TUN_PORT, Table, VXLAN_PORT, VXLAN_UDP_PORT,
} from './tables.js';

export interface NodeNetwork {
  clusterNetwork: Cidr;
  serviceNetwork: Cidr;
  localSubnet: Cidr;
  gateway: Ipv4;
  /** tun0's MAC: what the host accepts frames for (it drops a frame addressed to a pod's MAC). */
  gatewayMac: Mac;
  /** The node's own underlay address: with the gateway, the node NetworkPolicy never filters a pod from. */
  nodeIp: Ipv4;
  /** Whether conntrack tells SCTP associations apart by port: the kernel datapath's does, the userspace one's does not. */
  conntrackTracksSctp?: boolean | undefined;
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
  /** Its namespace may reach the control-plane endpoints (--etcd-access-namespaces). */
  controlPlaneAccess?: boolean;
}

/** A fixed address (outside every HostSubnet, claimed in etcd) and where it lives: a local pod, or another node. */
export interface FixedAddressRoute {
  ip: Ipv4;
  holder: Ipv4 | 'local';
}
export interface ServiceEndpoint {
  namespace: string;
  name: string;
  ip: Ipv4;
  ports: ReadonlyArray<{ protocol: ServiceProtocol; port: number }>;
  vnid: Vnid;
}

/** A TCP endpoint of the control plane (etcd, the daemons' metrics) that no pod may open. */
export interface ControlPlaneEndpoint {
  ip: Ipv4;
  port: number;
}

/** Frames with an 802.1Q header: a pod has no business sending them (they would carry their own tags onward). */
const NO_VLAN: Masked = { value: 0, mask: 0x1fff };
const RELAYED: Masked = { value: RELAYED_CONNECTION_MARK, mask: RELAYED_CONNECTION_MARK };

/** Protocols whose connections conntrack tells apart by port (ICMP by id) on both datapaths. */
const PORT_TRACKED = ['tcp', 'udp', 'icmp'] as const;

/** Through conntrack, then on in `table` with ct_state known: every IP packet is tracked once, where it enters. */
const tracked = (builder: FlowBuilder, table: Table) => builder.conntrack({ zone: CONNTRACK_ZONE, table });
/** Out by the port `port` names, through Output, which commits new connections. */
const leaveBy = (builder: FlowBuilder, port: number) => builder.setRegister(OUTPUT_PORT, port).gotoTable(Table.Output);

/** Flows that depend only on the node's own network: table skeletons and catch-alls. */
export function pipelineFlows(net: NodeNetwork): Flow[] {
  const owned = (table: Table, priority: number) => flow(table, priority).owner(pipelineOwner);
  const fromHost = (builder: FlowBuilder) => tracked(builder.setRegister(SOURCE_VNID, GLOBAL_VNID), Table.Dispatch);
  /**
   * What a policy table lets through undecided: later packets and replies of a connection it admitted, for protocols
   * whose connections conntrack tells apart by port (TCP, UDP, ICMP by id; SCTP on the kernel datapath only: the
   * userspace conntrack keys SCTP by addresses alone, so there SCTP is decided packet by packet); later fragments.
   */
  const portTracked = [...PORT_TRACKED, ...(net.conntrackTracksSctp ? ['sctp' as const] : [])];
  const undecided = (table: Table, next: Table) => [
    ...portTracked.map((protocol) => owned(table, 300).matching({ protocol, ctState: ['+trk', '+est'] }).gotoTable(next)),
    owned(table, 300).matching({ protocol: 'ip', ctState: ['+trk', '+rel'] }).gotoTable(next),
    // The first fragment, which carries the ports, was decided; the rest cannot be reassembled without it.
    owned(table, 290).matching({ protocol: 'ip', nwFrag: 'later' }).gotoTable(next),
    owned(table, 0).gotoTable(next),
  ];
  return [
    owned(Table.Classifier, 200).matching({ inPort: VXLAN_PORT }).gotoTable(Table.TunnelIngress),
    owned(Table.Classifier, 200).matching({ inPort: TUN_PORT }).gotoTable(Table.HostIngress),
    owned(Table.Classifier, 50).gotoTable(Table.PodIngress),
    owned(Table.Classifier, 0).drop(),

    owned(Table.TunnelIngress, 0).drop(),

    fromHost(owned(Table.HostIngress, 300).matching({ protocol: 'ip', nwSrc: net.gateway })),
    // A pod address that is not one of this node's pods: its tenant is unknown here, so nothing it sent may pass.
    owned(Table.HostIngress, 150).matching({ protocol: 'ip', nwSrc: net.clusterNetwork }).drop(),
    fromHost(owned(Table.HostIngress, 100).matching({ protocol: 'ip' })),
    owned(Table.HostIngress, 100).matching({ protocol: 'arp' }).setRegister(SOURCE_VNID, GLOBAL_VNID).gotoTable(Table.Dispatch),
    owned(Table.HostIngress, 0).drop(),

    owned(Table.PodIngress, 0).drop(),
    // The pod left while its packet was in conntrack.
    owned(Table.PodTag, 0).drop(),

    // A forged VXLAN packet would reach another node's tunnel port from that node's neighbour (after masquerade).
    owned(Table.EgressGuard, 300).matching({ protocol: 'udp', tpDst: VXLAN_UDP_PORT }).drop(),
    owned(Table.EgressGuard, 0).gotoTable(Table.EgressPolicy),

    ...undecided(Table.EgressPolicy, Table.Dispatch),
    // To a service: decided after kube-proxy's DNAT, when the host relays it back to its endpoint (HostIngress).
    owned(Table.EgressPolicy, 280).matching({ protocol: 'ip', nwDst: net.serviceNetwork }).gotoTable(Table.Dispatch),
    // Traffic between a pod and its own node is never filtered (kubelet probes, node-local DNS).
    ...[net.gateway, net.nodeIp].map((own) => owned(Table.EgressPolicy, 280).matching({ protocol: 'ip', nwDst: own }).gotoTable(Table.Dispatch)),

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

    leaveBy(owned(Table.ServiceAccess, 200).matching({ reg: { [SOURCE_VNID]: GLOBAL_VNID } }), TUN_PORT),
    owned(Table.ServiceAccess, 0).drop(),
    owned(Table.LocalDelivery, 0).drop(),
    ...undecided(Table.IngressPolicy, Table.Output),
    // The node itself (kubelet probes, host-network pods) always reaches its pods.
    ...[net.gateway, net.nodeIp].map((own) => owned(Table.IngressPolicy, 280).matching({ protocol: 'ip', nwSrc: own }).gotoTable(Table.Output)),
    owned(Table.RemoteDelivery, 0).drop(),
    leaveBy(owned(Table.HostEgress, 0), TUN_PORT),

    // The host's DNAT must see the replies to undo it, or the client gets them from the backend's address.
    owned(Table.Output, 300).matching({ protocol: 'ip', reg: { [PACKET_FLAGS]: PacketFlag.RelayedByHost } })
      .conntrack({ zone: CONNTRACK_ZONE, commit: true, setMark: RELAYED }).outputToRegister(OUTPUT_PORT),
    owned(Table.Output, 200).matching({ ctState: ['+trk', '+rpl'], ctMark: RELAYED })
      .setEthernetDestination(net.gatewayMac).output(TUN_PORT),
    // Committed where it leaves this switch, so that NetworkPolicy decides only its first packets.
    owned(Table.Output, 150).matching({ protocol: 'ip', ctState: ['+trk', '+new'] })
      .conntrack({ zone: CONNTRACK_ZONE, commit: true }).outputToRegister(OUTPUT_PORT),
    owned(Table.Output, 0).outputToRegister(OUTPUT_PORT),
    owned(Table.Version, 0).note(versionNote(PIPELINE_VERSION)),
  ];
}

export function versionNote(version: number): string {
  return `k8s-ovs pipeline ${version}`;
}

/** Reads the version back from `ovs-ofctl dump-flows` actions. */
export function parseVersionNote(actions: string): number | undefined {
  const match = noteTexts(actions).map((text) => /^k8s-ovs pipeline (\d+)$/.exec(text)).find(Boolean);
  return match ? Number(match[1]) : undefined;
}

/**
 * Another node: accept its VXLAN when the inner source is its own (its subnet or its address), and send ARP
 * and IP for its subnet to it. `guardedPorts` are TCP ports of ours that pods must not open on any node.
 */
export function remoteNodeFlows(node: RemoteNode, guardedPorts: readonly number[] = []): Flow[] {
  const owned = (table: Table, priority = 100) => flow(table, priority).owner(nodeOwner(node.ip));
  const accept = (match: Match) => acceptFrom(node.ip, owned(Table.TunnelIngress), match);
  return [
    accept({ protocol: 'ip', nwSrc: node.subnet }),
    accept({ protocol: 'ip', nwSrc: node.ip }),
    accept({ protocol: 'arp', arpSpa: node.subnet }),
    tunnelTo(node.ip, owned(Table.RemoteArp).matching({ protocol: 'arp', arpTpa: node.subnet })).output(VXLAN_PORT),
    leaveBy(tunnelTo(node.ip, owned(Table.RemoteDelivery).matching({ protocol: 'ip', nwDst: node.subnet })), VXLAN_PORT),
    ...guardedPorts.map((port) => owned(Table.EgressGuard).matching({ protocol: 'tcp', nwDst: node.ip, tpDst: port }).drop()),
  ];
}

/** VXLAN from `nodeIp` matching `match`: its tunnel key becomes the source VNID. */
function acceptFrom(nodeIp: Ipv4, builder: FlowBuilder, match: Match): FlowBuilder {
  const accepted = builder.matching({ tunSrc: nodeIp, ...match }).copyTunnelIdToRegister(SOURCE_VNID);
  // IP is tracked where it enters, as from every ingress table; ARP has no connection.
  return match.protocol === 'arp' ? accepted.gotoTable(Table.Dispatch) : tracked(accepted, Table.Dispatch);
}

/** Over VXLAN to `nodeIp`, the source VNID as the tunnel key. */
function tunnelTo(nodeIp: Ipv4, builder: FlowBuilder): FlowBuilder {
  return builder.copyRegisterToTunnelId(SOURCE_VNID).setTunnelDestination(nodeIp);
}

/**
 * A fixed address is no node's subnet, so every node routes it by /32. The holder dispatches it to its pod (the
 * pod's own flows check the VNID, relays and spoofing); every other node sends it, IP and ARP, to the holder over
 * VXLAN and accepts it as an inner source from the holder alone.
 */
export function fixedAddressFlows(route: FixedAddressRoute): Flow[] {
  const owned = (table: Table, priority: number) => flow(table, priority).owner(fixedAddressOwner(route.ip));
  const { holder } = route;
  if (holder === 'local') {
    return [
      owned(Table.Dispatch, 200).matching({ protocol: 'ip', nwDst: route.ip }).gotoTable(Table.LocalDelivery),
      owned(Table.Dispatch, 200).matching({ protocol: 'arp', arpTpa: route.ip }).gotoTable(Table.LocalArp),
    ];
  }
  return [
    acceptFrom(holder, owned(Table.TunnelIngress, 100), { protocol: 'ip', nwSrc: route.ip }),
    acceptFrom(holder, owned(Table.TunnelIngress, 100), { protocol: 'arp', arpSpa: route.ip }),
    tunnelTo(holder, owned(Table.RemoteArp, 200).matching({ protocol: 'arp', arpTpa: route.ip })).output(VXLAN_PORT),
    leaveBy(tunnelTo(holder, owned(Table.RemoteDelivery, 200).matching({ protocol: 'ip', nwDst: route.ip })), VXLAN_PORT),
  ];
}

/**
 * A local pod: what it may send (its own MAC and IP, untagged), what the host relays on its behalf (kept in
 * its VNID), and who may reach it, by ARP or IP (same VNID or VNID 0).
 */
export function podFlows(pod: PodPort): Flow[] {
  const owned = (table: Table, priority = 100) => flow(table, priority).owner(podOwner(pod.portName));
  const metered = (builder: FlowBuilder) => (pod.egressMeter === undefined ? builder : builder.meter(pod.egressMeter));
  /** The source VNIDs that may reach this pod: its own and 0, or any when it is global itself. */
  const admitted = (builder: FlowBuilder): FlowBuilder[] => (pod.vnid === GLOBAL_VNID ? [builder]
    : [pod.vnid, GLOBAL_VNID].map((vnid) => builder.matching({ reg: { [SOURCE_VNID]: vnid } })));
  /** After conntrack, the pod's IP arriving by `inPort` (its own port, or tun0 for the host's relays) gets its VNID. */
  const tagged = (inPort: OfPort) => owned(Table.PodTag).matching({ inPort, protocol: 'ip', nwSrc: pod.ip }).setRegister(SOURCE_VNID, pod.vnid);
  return [
    tracked(metered(owned(Table.PodIngress).matching({ inPort: pod.ofport, protocol: 'ip', dlSrc: pod.mac, nwSrc: pod.ip, vlanTci: NO_VLAN })),
      Table.PodTag),
    metered(owned(Table.PodIngress).matching({
      inPort: pod.ofport, protocol: 'arp', dlSrc: pod.mac, arpSpa: pod.ip, arpSha: pod.mac, vlanTci: NO_VLAN,
    })).setRegister(SOURCE_VNID, pod.vnid).gotoTable(Table.Dispatch),
    tracked(owned(Table.HostIngress, 200).matching({ protocol: 'ip', nwSrc: pod.ip }), Table.PodTag),
    tagged(pod.ofport).gotoTable(Table.EgressGuard),
    tagged(TUN_PORT).setRegister(PACKET_FLAGS, PacketFlag.RelayedByHost).gotoTable(Table.EgressGuard),
    ...(pod.controlPlaneAccess
      ? [owned(Table.EgressGuard, 200).matching({ protocol: 'ip', nwSrc: pod.ip }).gotoTable(Table.EgressPolicy)]
      : []),
    ...admitted(owned(Table.LocalArp).matching({ protocol: 'arp', arpTpa: pod.ip })).map((b) => b.output(pod.ofport)),
    // The frame may carry the gateway's MAC (a pod routing via its default route): address it to the pod.
    ...admitted(owned(Table.LocalDelivery).matching({ protocol: 'ip', nwDst: pod.ip }))
      .map((b) => b.setEthernetDestination(pod.mac).setRegister(OUTPUT_PORT, pod.ofport).gotoTable(Table.IngressPolicy)),
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
    });
  const protocols = [...new Set(service.ports.map((p) => p.protocol))];
  return [
    ...service.ports.map(({ protocol, port }) => open({ protocol, tpDst: port })),
    ...protocols.map((protocol) => open({ protocol, nwFrag: 'later' })),
  ].map((builder) => leaveBy(builder, TUN_PORT));
}

/** The control plane's endpoints, closed to every pod whose namespace is not allowed in (see podFlows). */
export function guardFlows(endpoints: readonly ControlPlaneEndpoint[]): Flow[] {
  return endpoints.map(({ ip, port }) => flow(Table.EgressGuard, 100).owner(guardOwner)
    .matching({ protocol: 'tcp', nwDst: ip, tpDst: port }).drop());
}
