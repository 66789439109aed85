// The node's desired data plane (network, remote nodes, local pods, services) and its flows on the switch.
import type { Cookie } from '../../ovs/cookie.js';
import type { Flow } from '../../ovs/flow.js';
import type { FlowSync } from '../../ovs/flowsync.js';
import type { Ipv4 } from '../../net/ipv4.js';
import type { Vnid } from '../../tenant/vnid.js';
import {
  type ControlPlaneEndpoint, type NodeNetwork, type PodPort, type RemoteNode, type ServiceEndpoint,
  fixedAddressFlows, guardFlows, pipelineFlows, podFlows, remoteNodeFlows, serviceFlows,
} from '../pipeline/flows.js';
import { fixedAddressOwner, guardOwner, nodeOwner, pipelineOwner, podOwner, policyOwner, serviceOwner } from '../pipeline/owners.js';

export interface Bandwidth {
  rateBps: number;
  burstBits: number;
}

/** A pod attached to this node, with what a restart needs to rebuild its flows. */
export interface LocalPod {
  containerId: string;
  ifname: string;
  namespace: string;
  name: string;
  netnsPath: string;
  port: PodPort;
  ingress?: Bandwidth;
  egress?: Bandwidth;
}

/** A claimed fixed address: held by another node, or by this node's container `containerId`. */
export type FixedAddress =
  | { held: 'remote'; ip: Ipv4; holder: Ipv4 }
  | { held: 'local'; ip: Ipv4; containerId: string };

/** Names a service whose flows to set or remove. */
export interface ServiceRef {
  namespace: string;
  name: string;
}

const serviceKey = (service: ServiceRef) => `${service.namespace}/${service.name}`;

export class NodeDataplane {
  private network?: NodeNetwork;
  private readonly nodes = new Map<string, RemoteNode>();
  private readonly pods = new Map<string, LocalPod>();
  private readonly services = new Map<string, ServiceEndpoint>();
  private readonly fixed = new Map<string, FixedAddress>();
  /** Ports of pods whose fixed address is no longer theirs: they keep the port, but no flow. */
  private readonly fenced = new Set<string>();
  private controlPlane: readonly ControlPlaneEndpoint[] = [];
  private policies: readonly Flow[] = [];

  /** `guardedNodePorts`: TCP ports of the daemons that no pod may open on any node (an exposed metrics port). */
  constructor(private readonly flows: FlowSync, private readonly guardedNodePorts: readonly number[] = []) {}

  get nodeNetwork(): NodeNetwork | undefined {
    return this.network;
  }

  localPods(): LocalPod[] {
    return [...this.pods.values()];
  }

  pod(portName: string): LocalPod | undefined {
    return this.pods.get(portName);
  }

  /** The pod of one attachment, whatever its port is called (an adopted pod keeps the original's name). */
  podOf(containerId: string, ifname: string): LocalPod | undefined {
    for (const pod of this.pods.values()) if (pod.containerId === containerId && pod.ifname === ifname) return pod;
    return undefined;
  }

  remoteNodes(): RemoteNode[] {
    return [...this.nodes.values()];
  }

  /** Everything the switch should hold, per owner. */
  desiredFlows(): Map<Cookie, Flow[]> {
    const owners = new Map<Cookie, Flow[]>();
    if (this.network) owners.set(pipelineOwner, pipelineFlows(this.network));
    if (this.controlPlane.length) owners.set(guardOwner, guardFlows(this.controlPlane));
    if (this.policies.length) owners.set(policyOwner, [...this.policies]);
    for (const node of this.nodes.values()) owners.set(nodeOwner(node.ip), remoteNodeFlows(node, this.guardedNodePorts));
    for (const pod of this.pods.values()) owners.set(podOwner(pod.port.portName), this.podFlows(pod.port));
    for (const service of this.services.values()) {
      owners.set(serviceOwner(service.namespace, service.name), serviceFlows(service));
    }
    for (const address of this.fixed.values()) owners.set(fixedAddressOwner(address.ip), this.fixedFlows(address, this.pods));
    return owners;
  }

  private podFlows(port: PodPort): Flow[] {
    return this.fenced.has(port.portName) ? [] : podFlows(port);
  }

  /** A fixed address held here is dispatched to its pod only while that pod is attached and not fenced. */
  private fixedFlows(address: FixedAddress, pods: ReadonlyMap<string, LocalPod>): Flow[] {
    if (address.held === 'remote') return fixedAddressFlows({ ip: address.ip, holder: address.holder });
    const attached = [...pods.values()].some((pod) => pod.containerId === address.containerId && pod.port.ip === address.ip
      && !this.fenced.has(pod.port.portName));
    return attached ? fixedAddressFlows({ ip: address.ip, holder: 'local' }) : [];
  }

  /** Sets the node network and makes the whole switch match the model in one bundle (start, restart, upgrade). */
  async resync(network?: NodeNetwork): Promise<void> {
    if (network) this.network = network;
    await this.flows.replaceAll(this.desiredFlows());
  }

  /** Replaces the set of other nodes: new ones added, changed ones updated, missing ones removed, one bundle (relists). */
  async setRemoteNodes(nodes: readonly RemoteNode[]): Promise<void> {
    const wanted = new Set<string>(nodes.map((node) => node.ip));
    await this.updateRemoteNodes(nodes, [...this.nodes.values()].map((node) => node.ip).filter((ip) => !wanted.has(ip)));
  }

  /** Sets and removes just the named nodes in one bundle; the others are neither rendered nor compared (watch events). */
  async updateRemoteNodes(set: readonly RemoteNode[], removed: readonly RemoteNode['ip'][]): Promise<void> {
    const changes = new Map<Cookie, Flow[]>();
    for (const ip of removed) changes.set(nodeOwner(ip), []);
    for (const node of set) changes.set(nodeOwner(node.ip), remoteNodeFlows(node, this.guardedNodePorts));
    await this.flows.replaceOwners(changes);
    for (const ip of removed) this.nodes.delete(ip);
    for (const node of set) this.nodes.set(node.ip, node);
  }

  setRemoteNode(node: RemoteNode): Promise<void> {
    return this.updateRemoteNodes([node], []);
  }

  removeRemoteNode(ip: RemoteNode['ip']): Promise<void> {
    return this.updateRemoteNodes([], [ip]);
  }

  /** Records the control plane's endpoints without touching the switch; the first resync installs them (start). */
  rememberControlPlaneEndpoints(endpoints: readonly ControlPlaneEndpoint[]): void {
    this.controlPlane = [...endpoints];
  }

  /**
   * The control plane's endpoints that pods may not open, replaced as a set in one bundle. The model changes
   * first: if the bundle fails, the resync that heals it installs the new set, never the old one.
   */
  async setControlPlaneEndpoints(endpoints: readonly ControlPlaneEndpoint[]): Promise<void> {
    this.controlPlane = [...endpoints];
    await this.flows.replaceOwners(new Map([[guardOwner, guardFlows(endpoints)]]));
  }

  /** Records the policy flows without touching the switch; the first resync installs them (start). */
  rememberPolicyFlows(flows: readonly Flow[]): void {
    this.policies = [...flows];
  }

  /** Every NetworkPolicy flow of this node (lib/sdn/pipeline/policy-flows.ts); only the differences are sent, in one bundle. */
  async setPolicyFlows(flows: readonly Flow[]): Promise<number> {
    this.policies = [...flows];
    return this.flows.replaceOwners(new Map([[policyOwner, this.policies]]));
  }

  /** The pod's flows and, if it holds a fixed address, that address's dispatch, in one bundle. */
  async addPod(pod: LocalPod): Promise<void> {
    const pods = new Map(this.pods).set(pod.port.portName, pod);
    this.fenced.delete(pod.port.portName);
    await this.flows.replaceOwners(new Map([[podOwner(pod.port.portName), podFlows(pod.port)], ...this.fixedChanges(pod, pods)]));
    this.pods.set(pod.port.portName, pod);
  }

  async removePod(portName: string): Promise<void> {
    const pod = this.pods.get(portName);
    const pods = new Map(this.pods);
    pods.delete(portName);
    await this.flows.replaceOwners(new Map([[podOwner(portName), []], ...(pod ? this.fixedChanges(pod, pods) : [])]));
    this.pods.delete(portName);
    this.fenced.delete(portName);
  }

  private fixedChanges(pod: LocalPod, pods: ReadonlyMap<string, LocalPod>): Array<[Cookie, Flow[]]> {
    const address = this.fixed.get(pod.port.ip);
    return address ? [[fixedAddressOwner(address.ip), this.fixedFlows(address, pods)]] : [];
  }

  /**
   * Takes every flow from a pod whose fixed address is no longer its own (another container or node holds it
   * now) while keeping its port, so DEL still finds it; `false` gives them back.
   */
  async fencePod(portName: string, fenced = true): Promise<void> {
    const pod = this.pods.get(portName);
    if (!pod || this.fenced.has(portName) === fenced) return;
    if (fenced) this.fenced.add(portName);
    else this.fenced.delete(portName);
    const changes = new Map([[podOwner(portName), this.podFlows(pod.port)], ...this.fixedChanges(pod, this.pods)]);
    await this.flows.replaceOwners(changes).catch((error: unknown) => {
      if (fenced) this.fenced.delete(portName);
      else this.fenced.add(portName);
      throw error;
    });
  }

  isFenced(portName: string): boolean {
    return this.fenced.has(portName);
  }

  fixedAddresses(): FixedAddress[] {
    return [...this.fixed.values()];
  }

  /** Sets and removes just these fixed addresses in one bundle (claim watch events). */
  async updateFixedAddresses(set: readonly FixedAddress[], removed: readonly Ipv4[]): Promise<void> {
    const changes = new Map<Cookie, Flow[]>();
    for (const ip of removed) changes.set(fixedAddressOwner(ip), []);
    for (const address of set) changes.set(fixedAddressOwner(address.ip), this.fixedFlows(address, this.pods));
    await this.flows.replaceOwners(changes);
    for (const ip of removed) this.fixed.delete(ip);
    for (const address of set) this.fixed.set(address.ip, address);
  }

  /** Records the fixed addresses without touching the switch; the next resync installs their flows (start, recovery). */
  rememberFixedAddresses(addresses: readonly FixedAddress[]): void {
    this.fixed.clear();
    for (const address of addresses) this.fixed.set(address.ip, address);
  }

  /** Records the other nodes without touching the switch; the next resync installs their flows (start, recovery). */
  rememberRemoteNodes(nodes: readonly RemoteNode[]): void {
    this.nodes.clear();
    for (const node of nodes) this.nodes.set(node.ip, node);
  }

  /** Records services without touching the switch; the next resync installs their flows (start, recovery). */
  rememberServices(services: readonly ServiceEndpoint[]): void {
    this.services.clear();
    for (const service of services) this.services.set(serviceKey(service), service);
  }

  /** Records a pod without touching the switch; the next resync installs its flows (restart path). */
  rememberPod(pod: LocalPod): void {
    this.pods.set(pod.port.portName, pod);
  }

  /** Replaces the set of services: new and changed ones installed, missing ones removed, one bundle (relists). */
  async setServices(services: readonly ServiceEndpoint[]): Promise<void> {
    const wanted = new Set(services.map(serviceKey));
    await this.updateServices(services, [...this.services.values()].filter((old) => !wanted.has(serviceKey(old))));
  }

  /** Sets and removes just the named services in one bundle; the others are neither rendered nor compared (watch events). */
  async updateServices(set: readonly ServiceEndpoint[], removed: readonly ServiceRef[]): Promise<void> {
    const changes = new Map<Cookie, Flow[]>();
    for (const ref of removed) changes.set(serviceOwner(ref.namespace, ref.name), []);
    for (const service of set) changes.set(serviceOwner(service.namespace, service.name), serviceFlows(service));
    await this.flows.replaceOwners(changes);
    for (const ref of removed) this.services.delete(serviceKey(ref));
    for (const service of set) this.services.set(serviceKey(service), service);
  }

  /** Moves a namespace's local pods and services to a new VNID in one bundle: no window with neither. */
  async retagNamespace(namespace: string, vnid: Vnid): Promise<number> {
    const pods = [...this.pods.values()].filter((p) => p.namespace === namespace && p.port.vnid !== vnid)
      .map((p) => ({ ...p, port: { ...p.port, vnid } }));
    const services = [...this.services.values()].filter((s) => s.namespace === namespace && s.vnid !== vnid)
      .map((s) => ({ ...s, vnid }));
    const changes = new Map<Cookie, Flow[]>();
    for (const pod of pods) changes.set(podOwner(pod.port.portName), this.podFlows(pod.port));
    for (const service of services) changes.set(serviceOwner(service.namespace, service.name), serviceFlows(service));
    await this.flows.replaceOwners(changes);
    for (const pod of pods) this.pods.set(pod.port.portName, pod);
    for (const service of services) this.services.set(serviceKey(service), service);
    return pods.length + services.length;
  }
}
