// The node's desired data plane (network, remote nodes, local pods, services) and its flows on the switch.
import type { Cookie } from '../../ovs/cookie.js';
import type { Flow } from '../../ovs/flow.js';
import type { FlowSync } from '../../ovs/flowsync.js';
import type { Ipv4 } from '../../net/ipv4.js';
import type { Vnid } from '../../tenant/vnid.js';
import type { BandwidthLimit } from '../cni/bandwidth.js';
import {
  type ControlPlaneEndpoint, type NodeNetwork, type PodPort, type RemoteNode, type ServiceEndpoint,
  fixedAddressFlows, guardFlows, pipelineFlows, podFlows, remoteNodeFlows, serviceFlows,
} from '../pipeline/flows.js';
import { fixedAddressOwner, guardOwner, nodeOwner, pipelineOwner, podOwner, policyOwner, serviceOwner } from '../pipeline/owners.js';
import { type OwnerChange, OwnedSet } from './owned-set.js';

/** A pod attached to this node, with what a restart needs to rebuild its flows. */
export interface LocalPod {
  containerId: string;
  ifname: string;
  namespace: string;
  name: string;
  netnsPath: string;
  port: PodPort;
  ingress?: BandwidthLimit;
  egress?: BandwidthLimit;
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

const serviceRef = (service: ServiceRef): ServiceRef => ({ namespace: service.namespace, name: service.name });

export class NodeDataplane {
  private network: NodeNetwork | undefined;
  private controlPlane: readonly ControlPlaneEndpoint[] = [];
  private readonly nodes: OwnedSet<RemoteNode, RemoteNode['ip']>;
  private readonly pods = new OwnedSet<LocalPod, string>({
    ref: (pod) => pod.port.portName, key: (portName) => portName, owner: podOwner, flows: (pod) => this.podFlows(pod.port),
  });
  private readonly services = new OwnedSet<ServiceEndpoint, ServiceRef>({
    ref: serviceRef, key: (ref) => `${ref.namespace}/${ref.name}`, owner: (ref) => serviceOwner(ref.namespace, ref.name),
    flows: serviceFlows,
  });
  private policies: readonly Flow[] = [];
  private readonly fixed = new Map<string, FixedAddress>();
  /** Ports of pods whose fixed address is no longer theirs: they keep the port, but no flow. */
  private readonly fenced = new Set<string>();

  /** `guardedNodePorts`: TCP ports of the daemons that no pod may open on any node (an exposed metrics port). */
  constructor(private readonly flows: FlowSync, guardedNodePorts: readonly number[] = []) {
    this.nodes = new OwnedSet({
      ref: (node) => node.ip, key: (ip) => ip, owner: nodeOwner, flows: (node) => remoteNodeFlows(node, guardedNodePorts),
    });
  }

  get nodeNetwork(): NodeNetwork | undefined {
    return this.network;
  }

  localPods(): LocalPod[] {
    return this.pods.values();
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
    return this.nodes.values();
  }

  /** Everything the switch should hold, per owner. */
  desiredFlows(): Map<Cookie, Flow[]> {
    const owners = new Map<Cookie, Flow[]>();
    if (this.network) owners.set(pipelineOwner, pipelineFlows(this.network));
    if (this.controlPlane.length) owners.set(guardOwner, guardFlows(this.controlPlane));
    if (this.policies.length) owners.set(policyOwner, [...this.policies]);
    this.nodes.desired(owners);
    this.pods.desired(owners);
    this.services.desired(owners);
    for (const address of this.fixed.values()) owners.set(fixedAddressOwner(address.ip), this.fixedFlows(address, this.pods.values()));
    return owners;
  }

  private podFlows(port: PodPort): Flow[] {
    return this.fenced.has(port.portName) ? [] : podFlows(port);
  }

  /** A fixed address held here is dispatched to its pod only while that pod is attached and not fenced. */
  private fixedFlows(address: FixedAddress, pods: readonly LocalPod[]): Flow[] {
    if (address.held === 'remote') return fixedAddressFlows({ ip: address.ip, holder: address.holder });
    const attached = pods.some((pod) => pod.containerId === address.containerId && pod.port.ip === address.ip
      && !this.fenced.has(pod.port.portName));
    return attached ? fixedAddressFlows({ ip: address.ip, holder: 'local' }) : [];
  }

  /** Sets the node network and makes the whole switch match the model in one bundle (start, restart, upgrade). */
  async resync(network?: NodeNetwork): Promise<void> {
    if (network) this.network = network;
    await this.flows.replaceAll(this.desiredFlows());
  }

  /** Replaces the set of other nodes: new ones added, changed ones updated, missing ones removed, one bundle (relists). */
  setRemoteNodes(nodes: readonly RemoteNode[]): Promise<void> {
    return this.commit(this.nodes.replacement(nodes));
  }

  /** Sets and removes just the named nodes in one bundle; the others are neither rendered nor compared (watch events). */
  updateRemoteNodes(set: readonly RemoteNode[], removed: readonly RemoteNode['ip'][]): Promise<void> {
    return this.commit(this.nodes.change(set, removed));
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

  /**
   * Every NetworkPolicy flow of this node (lib/sdn/pipeline/policy-flows.ts); only the differences are sent, in
   * one bundle. The model changes first, as for the control plane: a resync that heals a failed bundle installs these.
   */
  async setPolicyFlows(flows: readonly Flow[]): Promise<number> {
    this.policies = [...flows];
    return this.flows.replaceOwners(new Map([[policyOwner, [...this.policies]]]));
  }

  /** The pod's flows and, if it holds a fixed address, that address's dispatch, in one bundle. */
  addPod(pod: LocalPod): Promise<void> {
    return this.changePods([pod], []);
  }

  removePod(portName: string): Promise<void> {
    return this.changePods([], [portName]);
  }

  /** Pods added and removed (by port name) at once: their flows and their fixed addresses' dispatch in one bundle. */
  async changePods(added: readonly LocalPod[], removed: readonly string[]): Promise<void> {
    for (const pod of added) this.fenced.delete(pod.port.portName);
    const replaced = new Set([...removed, ...added.map((pod) => pod.port.portName)]);
    const after = [...this.pods.values().filter((pod) => !replaced.has(pod.port.portName)), ...added];
    const leaving = removed.flatMap((portName) => this.pods.get(portName) ?? []);
    await this.commit(this.pods.change(added, removed), ...[...added, ...leaving].map((pod) => this.fixedChange(pod, after)));
    for (const portName of removed) this.fenced.delete(portName);
  }

  /** The dispatch of the fixed address `pod` holds, if any, rendered for `pods`; nothing to record. */
  private fixedChange(pod: LocalPod, pods: readonly LocalPod[]): OwnerChange {
    const address = this.fixed.get(pod.port.ip);
    return { flows: new Map(address ? [[fixedAddressOwner(address.ip), this.fixedFlows(address, pods)]] : []), record: () => undefined };
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
    const changes = new Map([[podOwner(portName), this.podFlows(pod.port)], ...this.fixedChange(pod, this.pods.values()).flows]);
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
    for (const address of set) changes.set(fixedAddressOwner(address.ip), this.fixedFlows(address, this.pods.values()));
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
    this.nodes.remember(nodes);
  }

  /** Records services without touching the switch; the next resync installs their flows (start, recovery). */
  rememberServices(services: readonly ServiceEndpoint[]): void {
    this.services.remember(services);
  }

  /** Records a pod without touching the switch; the next resync installs its flows (restart path). */
  rememberPod(pod: LocalPod): void {
    this.pods.put(pod);
  }

  /** Replaces the set of services: new and changed ones installed, missing ones removed, one bundle (relists). */
  setServices(services: readonly ServiceEndpoint[]): Promise<void> {
    return this.commit(this.services.replacement(services));
  }

  /** Sets and removes just the named services in one bundle; the others are neither rendered nor compared (watch events). */
  updateServices(set: readonly ServiceEndpoint[], removed: readonly ServiceRef[]): Promise<void> {
    return this.commit(this.services.change(set, removed.map(serviceRef)));
  }

  /** Moves a namespace's local pods and services to a new VNID in one bundle: no window with neither. */
  async retagNamespace(namespace: string, vnid: Vnid): Promise<number> {
    const pods = this.pods.values().filter((p) => p.namespace === namespace && p.port.vnid !== vnid)
      .map((p) => ({ ...p, port: { ...p.port, vnid } }));
    const services = this.services.values().filter((s) => s.namespace === namespace && s.vnid !== vnid)
      .map((s) => ({ ...s, vnid }));
    await this.commit(this.pods.change(pods, []), this.services.change(services, []));
    return pods.length + services.length;
  }

  /** Gives the switch these owners' flows in one bundle; the model records them only once the switch took them. */
  private async commit(...changes: OwnerChange[]): Promise<void> {
    await this.flows.replaceOwners(new Map(changes.flatMap((change) => [...change.flows])));
    for (const change of changes) change.record();
  }
}
