// Kubernetes services as this node's ServiceAccess flows: installed once their namespace has a VNID.
import type { KubeService } from '../../k8s/index.js';
import type { Vnid } from '../../tenant/vnid.js';
import type { ServiceSink } from '../kube/service-sync.js';
import type { ServiceEndpoint } from '../pipeline/flows.js';
import type { NodeDataplane, ServiceRef } from './dataplane.js';

export class NodeServices implements ServiceSink {
  /** By namespace, then name: a namespace's VNID change looks only at its own services. */
  private readonly known = new Map<string, Map<string, KubeService>>();

  constructor(
    private readonly dataplane: NodeDataplane,
    /** Undefined while the master has not numbered the namespace: its services wait (sdn PR #497). */
    private readonly vnidOf: (namespace: string) => Vnid | undefined,
    /** Runs data-plane changes in order with the node's other changes. */
    private readonly serially: (work: () => Promise<void>) => Promise<void>,
    /** Single-tenant mode needs no per-service flows: VNID 0 reaches every service. */
    private readonly perServiceFlows: boolean,
  ) {}

  /** One watch event: renders and compares this service's flows only. */
  setService(service: KubeService): Promise<void> {
    this.record(service);
    return this.applyTo([service]);
  }

  removeService(namespace: string, name: string): Promise<void> {
    const inNamespace = this.known.get(namespace);
    inNamespace?.delete(name);
    if (inNamespace?.size === 0) this.known.delete(namespace);
    return this.applyTo([{ namespace, name }]);
  }

  replaceServices(all: KubeService[]): Promise<void> {
    this.known.clear();
    for (const service of all) this.record(service);
    return this.apply();
  }

  /** Makes the switch's service flows match all known services whose namespace has a VNID (relists, catch-up). */
  apply(): Promise<void> {
    return this.serially(() => this.dataplane.setServices(this.endpoints()));
  }

  /** Makes the flows of these namespaces' services match their VNIDs: those that waited for one, those whose namespace went. */
  applyNamespaces(namespaces: Iterable<string>): Promise<void> {
    const refs = [...new Set(namespaces)].flatMap((namespace) =>
      [...this.known.get(namespace)?.values() ?? []]);
    return refs.length ? this.applyTo(refs) : Promise.resolve();
  }

  /** Puts the known services into the model only, for the next full resync to install with the rest. */
  load(): void {
    this.dataplane.rememberServices(this.endpoints());
  }

  private record(service: KubeService): void {
    const inNamespace = this.known.get(service.namespace) ?? new Map<string, KubeService>();
    inNamespace.set(service.name, service);
    this.known.set(service.namespace, inNamespace);
  }

  /** Sets or removes the flows of just these services, from the model as it is when the change runs. */
  private applyTo(refs: readonly ServiceRef[]): Promise<void> {
    if (!this.perServiceFlows) return Promise.resolve();
    return this.serially(() => {
      const set: ServiceEndpoint[] = [];
      const removed: ServiceRef[] = [];
      for (const ref of refs) {
        const service = this.known.get(ref.namespace)?.get(ref.name);
        const endpoint = service && this.endpoint(service);
        if (endpoint) set.push(endpoint);
        else removed.push(ref);
      }
      return this.dataplane.updateServices(set, removed);
    });
  }

  private endpoints(): ServiceEndpoint[] {
    if (!this.perServiceFlows) return [];
    const endpoints: ServiceEndpoint[] = [];
    for (const inNamespace of this.known.values()) {
      for (const service of inNamespace.values()) {
        const endpoint = this.endpoint(service);
        if (endpoint) endpoints.push(endpoint);
      }
    }
    return endpoints;
  }

  private endpoint(service: KubeService): ServiceEndpoint | undefined {
    const vnid = this.vnidOf(service.namespace);
    if (vnid === undefined) return undefined;
    return { namespace: service.namespace, name: service.name, ip: service.clusterIp, ports: service.ports, vnid };
  }
}
