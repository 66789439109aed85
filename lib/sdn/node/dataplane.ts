// The node's desired data plane (network, remote nodes, local pods, services) and its flows on the switch.
import type { Cookie } from '../../ovs/cookie.js';
import type { Flow } from '../../ovs/flow.js';
import type { FlowSync } from '../../ovs/flowsync.js';
import type { Vnid } from '../../tenant/vnid.js';
import {
  type NodeNetwork, type PodPort, type RemoteNode, type ServiceEndpoint,
  pipelineFlows, podFlows, remoteNodeFlows, serviceFlows,
} from '../pipeline/flows.js';
import { nodeOwner, pipelineOwner, podOwner, serviceOwner } from '../pipeline/owners.js';

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

export class NodeDataplane {
  private network?: NodeNetwork;
  private readonly nodes = new Map<string, RemoteNode>();
  private readonly pods = new Map<string, LocalPod>();
  private readonly services = new Map<string, ServiceEndpoint>();

  constructor(private readonly flows: FlowSync) {}

  get nodeNetwork(): NodeNetwork | undefined {
    return this.network;
  }

  localPods(): LocalPod[] {
    return [...this.pods.values()];
  }

  pod(portName: string): LocalPod | undefined {
    return this.pods.get(portName);
  }

  remoteNodes(): RemoteNode[] {
    return [...this.nodes.values()];
  }

  /** Everything the switch should hold, per owner. */
  desiredFlows(): Map<Cookie, Flow[]> {
    const owners = new Map<Cookie, Flow[]>();
    if (this.network) owners.set(pipelineOwner, pipelineFlows(this.network));
    for (const node of this.nodes.values()) owners.set(nodeOwner(node.ip), remoteNodeFlows(node));
    for (const pod of this.pods.values()) owners.set(podOwner(pod.port.portName), podFlows(pod.port));
    for (const service of this.services.values()) {
      owners.set(serviceOwner(service.namespace, service.name), serviceFlows(service));
    }
    return owners;
  }

  /** Sets the node network and makes the whole switch match the model in one bundle (start, restart, upgrade). */
  async resync(network?: NodeNetwork): Promise<void> {
    if (network) this.network = network;
    await this.flows.replaceAll(this.desiredFlows());
  }

  /** Replaces the set of other nodes: new ones added, changed ones updated, missing ones removed, one bundle. */
  async setRemoteNodes(nodes: readonly RemoteNode[]): Promise<void> {
    const changes = new Map<Cookie, Flow[]>();
    const wanted = new Map(nodes.map((node) => [node.ip as string, node]));
    for (const ip of this.nodes.keys()) if (!wanted.has(ip)) changes.set(nodeOwner(ip as RemoteNode['ip']), []);
    for (const node of wanted.values()) changes.set(nodeOwner(node.ip), remoteNodeFlows(node));
    await this.flows.replaceOwners(changes);
    this.nodes.clear();
    for (const node of wanted.values()) this.nodes.set(node.ip, node);
  }

  async setRemoteNode(node: RemoteNode): Promise<void> {
    await this.flows.replaceOwners(new Map([[nodeOwner(node.ip), remoteNodeFlows(node)]]));
    this.nodes.set(node.ip, node);
  }

  async removeRemoteNode(ip: RemoteNode['ip']): Promise<void> {
    await this.flows.replaceOwners(new Map([[nodeOwner(ip), []]]));
    this.nodes.delete(ip);
  }

  async addPod(pod: LocalPod): Promise<void> {
    await this.flows.replaceOwners(new Map([[podOwner(pod.port.portName), podFlows(pod.port)]]));
    this.pods.set(pod.port.portName, pod);
  }

  async removePod(portName: string): Promise<void> {
    await this.flows.replaceOwners(new Map([[podOwner(portName), []]]));
    this.pods.delete(portName);
  }

  /** Records services without touching the switch; the next resync installs their flows (restart path). */
  rememberServices(services: readonly ServiceEndpoint[]): void {
    this.services.clear();
    for (const service of services) this.services.set(`${service.namespace}/${service.name}`, service);
  }

  /** Records a pod without touching the switch; the next resync installs its flows (restart path). */
  rememberPod(pod: LocalPod): void {
    this.pods.set(pod.port.portName, pod);
  }

  /** Replaces the set of services: new and changed ones installed, missing ones removed, one bundle. */
  async setServices(services: readonly ServiceEndpoint[]): Promise<void> {
    const key = (s: { namespace: string; name: string }) => `${s.namespace}/${s.name}`;
    const wanted = new Map(services.map((service) => [key(service), service]));
    const changes = new Map<Cookie, Flow[]>();
    for (const [k, old] of this.services) if (!wanted.has(k)) changes.set(serviceOwner(old.namespace, old.name), []);
    for (const service of wanted.values()) changes.set(serviceOwner(service.namespace, service.name), serviceFlows(service));
    await this.flows.replaceOwners(changes);
    this.services.clear();
    for (const [k, service] of wanted) this.services.set(k, service);
  }

  async setService(service: ServiceEndpoint): Promise<void> {
    await this.flows.replaceOwners(new Map([[serviceOwner(service.namespace, service.name), serviceFlows(service)]]));
    this.services.set(`${service.namespace}/${service.name}`, service);
  }

  async removeService(namespace: string, name: string): Promise<void> {
    await this.flows.replaceOwners(new Map([[serviceOwner(namespace, name), []]]));
    this.services.delete(`${namespace}/${name}`);
  }

  /** Moves a namespace's local pods and services to a new VNID in one bundle: no window with neither. */
  async retagNamespace(namespace: string, vnid: Vnid): Promise<number> {
    const pods = [...this.pods.values()].filter((p) => p.namespace === namespace && p.port.vnid !== vnid)
      .map((p) => ({ ...p, port: { ...p.port, vnid } }));
    const services = [...this.services.values()].filter((s) => s.namespace === namespace && s.vnid !== vnid)
      .map((s) => ({ ...s, vnid }));
    const changes = new Map<Cookie, Flow[]>();
    for (const pod of pods) changes.set(podOwner(pod.port.portName), podFlows(pod.port));
    for (const service of services) changes.set(serviceOwner(service.namespace, service.name), serviceFlows(service));
    await this.flows.replaceOwners(changes);
    for (const pod of pods) this.pods.set(pod.port.portName, pod);
    for (const service of services) this.services.set(`${service.namespace}/${service.name}`, service);
    return pods.length + services.length;
  }
}
