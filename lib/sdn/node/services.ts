// Kubernetes services as this node's ServiceAccess flows: installed once their namespace has a VNID.
import type { KubeService } from '../../k8s/index.js';
import type { Vnid } from '../../tenant/vnid.js';
import type { ServiceSink } from '../kube/service-sync.js';
import type { ServiceEndpoint } from '../pipeline/flows.js';
import type { NodeDataplane } from './dataplane.js';

export class NodeServices implements ServiceSink {
  private readonly known = new Map<string, KubeService>();

  constructor(
    private readonly dataplane: NodeDataplane,
    /** Undefined while the master has not numbered the namespace: its services wait (sdn PR #497). */
    private readonly vnidOf: (namespace: string) => Vnid | undefined,
    /** Runs data-plane changes in order with the node's other changes. */
    private readonly serially: (work: () => Promise<void>) => Promise<void>,
    /** Single-tenant mode needs no per-service flows: VNID 0 reaches every service. */
    private readonly perServiceFlows: boolean,
  ) {}

  setService(service: KubeService): Promise<void> {
    this.known.set(`${service.namespace}/${service.name}`, service);
    return this.apply();
  }

  removeService(namespace: string, name: string): Promise<void> {
    this.known.delete(`${namespace}/${name}`);
    return this.apply();
  }

  replaceServices(all: KubeService[]): Promise<void> {
    this.known.clear();
    for (const service of all) this.known.set(`${service.namespace}/${service.name}`, service);
    return this.apply();
  }

  /** Makes the switch's service flows match the known services whose namespace has a VNID. */
  apply(): Promise<void> {
    return this.serially(() => this.dataplane.setServices(this.perServiceFlows ? this.endpoints() : []));
  }

  /** Puts the known services into the model only, for the first full resync to install with the rest. */
  load(): void {
    this.dataplane.rememberServices(this.perServiceFlows ? this.endpoints() : []);
  }

  private endpoints(): ServiceEndpoint[] {
    const endpoints: ServiceEndpoint[] = [];
    for (const service of this.known.values()) {
      const vnid = this.vnidOf(service.namespace);
      if (vnid === undefined) continue;
      endpoints.push({ namespace: service.namespace, name: service.name, ip: service.clusterIp, ports: service.ports, vnid });
    }
    return endpoints;
  }
}
