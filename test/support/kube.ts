// The test API server in the sandbox hub (where node daemons reach it), and requests to it from the test.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SandboxCluster } from './cluster.js';
import { waitUntil } from './cluster.js';
import type { TrackedProcess } from './sandbox/index.js';

const MAIN = fileURLToPath(new URL('./apiserver/main.js', import.meta.url));
const REQUEST = fileURLToPath(new URL('./kube-request.js', import.meta.url));
const PATHS: Record<string, (ns?: string) => string> = {
  namespaces: () => '/api/v1/namespaces',
  nodes: () => '/api/v1/nodes',
  services: (ns) => `/api/v1/namespaces/${ns}/services`,
  pods: (ns) => `/api/v1/namespaces/${ns}/pods`,
  statefulsets: (ns) => `/apis/apps/v1/namespaces/${ns}/statefulsets`,
  networkpolicies: (ns) => `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`,
};

/** HTTPS with a certificate the clients trust through `caFile`, and bearer tokens (see apiserver/authorizer.ts). */
export interface ApiServerSecurity {
  certFile: string;
  keyFile: string;
  caFile: string;
  tokensFile: string;
}

export class SandboxApiServer {
  private process?: TrackedProcess;

  constructor(private readonly cluster: SandboxCluster, readonly serviceCidr: string, readonly port = 6443,
    private readonly security?: ApiServerSecurity) {}

  get url(): string {
    return `${this.security ? 'https' : 'http'}://${this.cluster.sandbox.hub.ip}:${this.port}`;
  }

  get kubeconfig(): string {
    return path.join(this.cluster.sandbox.runDir, 'kubeconfig');
  }

  /** Starts a server with empty state (a restart: every resourceVersion the daemons hold becomes unknown). */
  async start(): Promise<void> {
    this.process = await this.cluster.sandbox.startProcess(this.cluster.sandbox.hub, process.execPath, [MAIN,
      '--host', this.cluster.sandbox.hub.ip, '--port', String(this.port), '--kubeconfig', this.kubeconfig,
      '--service-cidr', this.serviceCidr, ...(this.security ? ['--tls-cert', this.security.certFile, '--tls-key', this.security.keyFile,
        '--tokens', this.security.tokensFile] : [])]);
    await waitUntil('the test API server', async () => (await this.request('GET', '/api/v1/namespaces'), true), 15_000, 100);
  }

  async stop(): Promise<void> {
    await this.process?.stop('SIGTERM');
  }

  async request(method: string, apiPath: string, body?: object): Promise<Record<string, unknown>> {
    const result = await this.cluster.sandbox.hub.exec(process.execPath, [REQUEST, method, `${this.url}${apiPath}`],
      { input: body ? JSON.stringify(body) : '', ...(this.security ? { env: { NODE_EXTRA_CA_CERTS: this.security.caFile } } : {}) });
    return JSON.parse(result.stdout) as Record<string, unknown>;
  }

  create<T extends { metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> } }>(
    resource: string, object: T) {
    return this.request('POST', PATHS[resource]!(object.metadata.namespace), object);
  }

  /** A JSON merge patch of the object, or of its status with `subresource` 'status'. */
  patch(resource: string, name: string, namespace: string | undefined, patch: object, subresource?: 'status') {
    return this.request('PATCH', `${PATHS[resource]!(namespace)}/${name}${subresource ? `/${subresource}` : ''}`, patch);
  }

  /** What the kubelet reports once the pod's sandbox runs: its address, which NetworkPolicy peers are matched by. */
  podRunning(namespace: string, name: string, ip: string, hostIP: string) {
    return this.patch('pods', name, namespace, { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], hostIP } }, 'status');
  }

  delete(resource: string, name: string, namespace?: string) {
    return this.request('DELETE', `${PATHS[resource]!(namespace)}/${name}?gracePeriodSeconds=0`);
  }

  node(name: string, internalIp: string) {
    return this.create('nodes', { metadata: { name }, status: { addresses: [{ type: 'InternalIP', address: internalIp }] } });
  }

  namespace(name: string) {
    return this.create('namespaces', { metadata: { name } });
  }

  pod(namespace: string, name: string, nodeName: string, annotations: Record<string, string> = {}) {
    return this.create('pods', { metadata: { name, namespace, annotations },
      spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] } });
  }

  /** A StatefulSet whose pod template carries `annotations`; returns its UID. */
  async statefulSet(namespace: string, name: string, replicas: number, annotations: Record<string, string> = {}): Promise<string> {
    const created = await this.create('statefulsets', { metadata: { name, namespace }, spec: {
      replicas, serviceName: name, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name }, annotations }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    } });
    return (created.metadata as { uid: string }).uid;
  }

  async scale(namespace: string, name: string, replicas: number): Promise<void> {
    const current = await this.request('GET', `${PATHS.statefulsets!(namespace)}/${name}`) as { spec: Record<string, unknown> };
    await this.request('PUT', `${PATHS.statefulsets!(namespace)}/${name}`, { ...current, spec: { ...current.spec, replicas } });
  }

  /** Pod `<set>-<ordinal>` as the StatefulSet controller makes it: owned by the set, labelled with its name. */
  statefulSetPod(namespace: string, set: { name: string; uid: string }, ordinal: number, nodeName: string, annotations: Record<string, string> = {}) {
    const name = `${set.name}-${ordinal}`;
    return this.create('pods', { metadata: { name, namespace, annotations, labels: { 'statefulset.kubernetes.io/pod-name': name },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.name, uid: set.uid, controller: true }] },
    spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] } });
  }

  service(namespace: string, name: string, port: number, clusterIP?: string, protocol: 'TCP' | 'UDP' = 'TCP') {
    return this.create('services', { metadata: { name, namespace },
      spec: { ...(clusterIP ? { clusterIP } : {}), ports: [{ protocol, port, targetPort: 8080 }] } });
  }
}
