// The node's OpenFlow pipeline: tables in packet order, registers, the pipeline version and fragment handling.
// docs/pipeline.md mirrors this file table by table (test/unit/sdn/pipeline/docs.test.ts checks it).
import type { FragmentHandling } from '../../ovs/switch.js';
import { ofPort } from '../../ovs/flow.js';

export enum Table {
  /** Classifier: by input port. VXLAN → TunnelIngress, tun0 → HostIngress, any other port → PodIngress. */
  Classifier = 0,
  /**
   * TunnelIngress: VXLAN accepted only from known node IPs, and only with an inner source in that node's
   * subnet (or the node's own address); the tunnel key becomes the source VNID.
   */
  TunnelIngress = 10,
  /**
   * HostIngress: what the host sends into br0. A local pod's address as source means the host relayed that
   * pod's packet (kube-proxy's DNAT): PodTag gives it the pod's VNID and marks it relayed. Another cluster-network
   * source is dropped; everything else is the host itself, VNID 0.
   */
  HostIngress = 15,
  /**
   * PodIngress: anti-spoofing on port + MAC + IP (ARP: sender MAC and IP), no VLAN tag; egress meter; IP goes through
   * conntrack (zone 19279), as from every other ingress table, to PodTag; ARP is tagged with the pod's VNID here.
   */
  PodIngress = 20,
  /**
   * PodTag: after conntrack, a pod's packet (from its port, or relayed by the host from its address) is tagged with
   * the pod's VNID. Tagged here and not before conntrack: OVS freezes the registers across the conntrack
   * recirculation but looks the rest up in the tables of that moment, so a VNID set before it could meet the
   * delivery flows of a retag that committed in between.
   */
  PodTag = 22,
  /** EgressGuard: what pods (and the host's relays of their packets) may never reach: the control plane, VXLAN. */
  EgressGuard = 25,
  /**
   * EgressPolicy: the NetworkPolicies that isolate the sending pod for egress admit a new connection, by conjunctive
   * match of pod, destination and port; established connections, later fragments and service addresses pass.
   */
  EgressPolicy = 27,
  /** Dispatch: by destination: gateway/host, local subnet, service network, other nodes' subnets, outside. */
  Dispatch = 30,
  /** LocalArp: ARP for a local pod goes out of its port when the VNIDs allow it; ARP for the gateway to tun0. */
  LocalArp = 40,
  /** RemoteArp: ARP for another node's subnet goes over VXLAN to that node. */
  RemoteArp = 50,
  /**
   * ServiceAccess: a service's ports are reachable from its own VNID and from VNID 0, and so are the later
   * fragments (no ports) of its protocols to its IP; then out to tun0 for kube-proxy.
   */
  ServiceAccess = 60,
  /** LocalDelivery: IP to a local pod when source and destination VNIDs match or either is 0, addressed to its MAC. */
  LocalDelivery = 70,
  /**
   * IngressPolicy: the NetworkPolicies that isolate the receiving pod for ingress admit a new connection, by conjunctive
   * match of pod, source and port; established connections, later fragments and the node itself pass.
   */
  IngressPolicy = 80,
  /** RemoteDelivery: IP to another node's subnet over VXLAN, the source VNID as tunnel key. */
  RemoteDelivery = 90,
  /** HostEgress: what leaves the cluster network goes to tun0 (the host routes and masquerades it). */
  HostEgress = 100,
  /**
   * Output: new connections are committed to conntrack (relayed ones marked); replies of relayed connections go back
   * to tun0, where the host reverses its DNAT; everything else leaves by the port an earlier table chose (reg2).
   */
  Output = 110,
  /** Version: one flow whose note holds the pipeline version the switch was programmed with. */
  Version = 253,
}

/** Whether a table number read from OVS (a dump, a trace) is one of the pipeline's tables. */
export function isTable(table: number | undefined): table is Table {
  return table !== undefined && Table[table] !== undefined;
}

/** Bumped whenever the flows of any table change shape; a daemon seeing another version rebuilds. */
export const PIPELINE_VERSION = 7;

/**
 * The bridge's fragment handling the flows are written for. In OVS's default (`normal`) every fragment,
 * the first too, matches with its L4 ports zeroed, so ServiceAccess's per-port flows dropped them all;
 * `nx-match` keeps the first fragment's ports, and only later fragments (which have none) match as such.
 */
export const FRAGMENT_HANDLING = 'nx-match' satisfies FragmentHandling;

/** reg0 carries the source VNID from ingress to the delivery tables. */
export const SOURCE_VNID = 0;
/** reg1 carries flags about the packet's path (PacketFlag). */
export const PACKET_FLAGS = 1;
/** reg2 carries the port the packet leaves by, for Output. */
export const OUTPUT_PORT = 2;

export enum PacketFlag {
  /** The host relayed a local pod's packet back into br0 (DNAT), keeping the pod's address and VNID. */
  RelayedByHost = 0x1,
}

/**
 * Our conntrack zone: every connection the pipeline delivers is committed here, so that NetworkPolicy decides only
 * a connection's first packets and replies pass, and those the host relayed (DNATed pod traffic) are marked, so
 * that their replies go back through the host. A zone of its own, apart from the host's (0) on the kernel datapath.
 */
export const CONNTRACK_ZONE = 0x4b4f;
/** ct_mark bit of a connection committed because the host relayed it. */
export const RELAYED_CONNECTION_MARK = 0x1;

/** The VXLAN UDP port (OVS's default for vxlan0): pods never send to it (a forged tunnel packet). */
export const VXLAN_UDP_PORT = 4789;

export const VXLAN_PORT = ofPort(1);
export const TUN_PORT = ofPort(2);
export const VXLAN_PORT_NAME = 'vxlan0';
export const TUN_PORT_NAME = 'tun0';
