// rootfs/k8s-ovs.yaml installed on the sandbox as a cluster would run it: the node image in every node's
// containerd (in the node's own view of /opt/cni/bin, /etc/cni/net.d, /var/run/openvswitch, ... and with no
// Node.js), its pods started from the manifest by a kubelet's CRI calls, the API server over TLS with the
// manifest's RBAC rules, and the Services' ClusterIPs DNATed in each node as kube-proxy does for the host.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { PolicyRule } from './apiserver/index.js';
import { repoRoot, type SandboxCluster } from './cluster.js';
import { NodeContainerd } from './containerd.js';
import { SandboxApiServer } from './kube.js';
import { type KubeletContext, ManifestPod } from './kubelet.js';
import { type Workload, findObject } from './manifest.js';
import type { KubeObject } from './kube-schema.js';
import { NODE_PATH, NodeHostView, createMountPoints, removeMountPoints } from './node-host.js';
import type { OciImageArchive } from './oci-image.js';
import type { SandboxNode } from './sandbox/index.js';

const API_PORT = 6443;
const NAMESPACE = 'kube-system';

/** The node image: the archive scripts/test.sh built for this run (K8S_OVS_IMAGE_ARCHIVE), else built now. */
export async function nodeImage(workDir: string, reference: string): Promise<OciImageArchive> {
  const given = process.env.K8S_OVS_IMAGE_ARCHIVE;
  if (given) return { file: given, reference };
  const file = path.join(workDir, 'k8s-ovs.oci.tar');
  await promisify(execFile)(path.join(repoRoot, 'scripts', 'build-image.sh'), [file], { env: { ...process.env, K8S_OVS_IMAGE: reference }, maxBuffer: 16 << 20 });
  return { file, reference };
}

/** Every `node` on the node's PATH: hidden in its view, so a plugin that needs Node.js fails. */
async function nodePrograms(): Promise<string[]> {
  const found = new Set<string>();
  for (const dir of NODE_PATH.split(':')) {
    const file = path.join(dir, 'node');
    if (await access(file).then(() => true, () => false)) found.add(await realpath(file));
  }
  return [...found];
}

/** The rules the manifest's ClusterRoleBindings give a ServiceAccount. */
function rulesOf(objects: KubeObject[], account: string): PolicyRule[] {
  return objects.filter((o) => o.kind === 'ClusterRoleBinding').flatMap((binding) => {
    const { roleRef, subjects } = binding as unknown as { roleRef: { name: string }; subjects: Array<{ kind: string; name: string; namespace: string }> };
    if (!subjects.some((s) => s.kind === 'ServiceAccount' && s.name === account && s.namespace === NAMESPACE)) return [];
    return findObject<{ rules: PolicyRule[] }>(objects, 'ClusterRole', roleRef.name).rules;
  });
}

export interface InstalledNode {
  node: SandboxNode;
  view: NodeHostView;
  containerd: NodeContainerd;
  kubelet: KubeletContext;
}

export class ManifestCluster {
  readonly nodes = new Map<string, InstalledNode>();
  private mountPoints: string[] = [];

  private constructor(readonly cluster: SandboxCluster, readonly api: SandboxApiServer, private readonly dir: string) {}

  /**
   * API server (HTTPS, the manifest's ServiceAccount token and rules) with the cluster's nodes, then one
   * containerd per node in its view, with the node image and the sandbox image imported. `configMaps`
   * is what the kubelets resolve configMapKeyRef from.
   */
  static async start(cluster: SandboxCluster, objects: KubeObject[], options: {
    serviceCidr: string; kubernetesServiceIp: string; configMaps: Record<string, Record<string, string>>;
    images: OciImageArchive[];
  }): Promise<ManifestCluster> {
    const dir = path.join(cluster.sandbox.runDir, 'manifest');
    await mkdir(dir, { recursive: true });
    const hub = cluster.sandbox.hub.ip;
    const pem = (name: string) => path.join(dir, name);
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', pem('apiserver.key'), '-out', pem('apiserver.crt'), '-days', '1', '-subj', '/CN=kube-apiserver',
      '-addext', `subjectAltName=IP:${options.kubernetesServiceIp},IP:${hub}`]);
    const token = randomBytes(24).toString('hex');
    await writeFile(pem('tokens.json'), JSON.stringify({ [token]: { user: `system:serviceaccount:${NAMESPACE}:k8s-ovs`, rules: rulesOf(objects, 'k8s-ovs') } }));
    const accountDir = path.join(dir, 'serviceaccount-k8s-ovs');
    await mkdir(accountDir);
    await writeFile(path.join(accountDir, 'token'), token);
    await writeFile(path.join(accountDir, 'namespace'), NAMESPACE);
    await promisify(execFile)('cp', [pem('apiserver.crt'), path.join(accountDir, 'ca.crt')]);
    const api = new SandboxApiServer(cluster, options.serviceCidr, API_PORT,
      { certFile: pem('apiserver.crt'), keyFile: pem('apiserver.key'), caFile: pem('apiserver.crt'), tokensFile: pem('tokens.json') });
    await api.start();
    const installed = new ManifestCluster(cluster, api, dir);
    for (const node of cluster.sandbox.nodes) await api.node(node.name, node.ip);
    const hide = await nodePrograms();
    const views = cluster.sandbox.nodes.map((node) => {
      const root = (hostPath: string) => path.join(cluster.nodeDir(node), 'host', hostPath);
      return new NodeHostView(node, { hide, binds: Object.fromEntries([
        ...['/opt/cni/bin', '/etc/cni/net.d', '/var/run/k8s-ovs', '/var/lib/k8s-ovs', '/var/lib/k8s-ovs-etcd', '/var/lib/cni/networks/k8s-ovs']
          .map((p) => [p, root(p)]),
        ['/var/run/openvswitch', node.ovsRunDir],
      ]) });
    });
    installed.mountPoints = await createMountPoints(views[0]!.targets);
    const started = await Promise.allSettled(views.map(async (view) => {
      const { node } = view;
      const containerd = await NodeContainerd.start(cluster, node, options.images[0]!, view);
      for (const image of options.images.slice(1)) await containerd.importImage(image);
      installed.nodes.set(node.name, { node, view, containerd, kubelet: {
        containerd, nodeName: node.name, hostIP: node.ip, configMaps: options.configMaps,
        kubernetesService: { host: options.kubernetesServiceIp, port: 443 }, serviceAccounts: { 'k8s-ovs': accountDir },
      } });
      await installed.proxy(node, options.kubernetesServiceIp, 443, hub, API_PORT);
    }));
    const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) {
      await installed.stop();
      throw failed.reason;
    }
    return installed;
  }

  node(name: string): InstalledNode {
    const found = this.nodes.get(name);
    if (!found) throw new Error(`no installed node ${name}`);
    return found;
  }

  /** What kube-proxy does for the host's own connections to a ClusterIP: DNAT in nat OUTPUT, in every node. */
  async proxy(node: SandboxNode, clusterIp: string, port: number, targetIp: string, targetPort: number): Promise<void> {
    await node.exec('iptables', ['-w', '-t', 'nat', '-A', 'OUTPUT', '-d', `${clusterIp}/32`, '-p', 'tcp', '--dport', String(port),
      '-j', 'DNAT', '--to-destination', `${targetIp}:${targetPort}`]);
  }

  /** One pod of a workload in the manifest, on `nodeName`, named as its controller would name it. */
  runPod(nodeName: string, workload: Workload, podName: string): Promise<ManifestPod> {
    return ManifestPod.run(this.node(nodeName).kubelet, workload.metadata.namespace ?? NAMESPACE, podName, workload.spec.template.spec);
  }

  /** etcdctl (v3) from the hub, against the given endpoint. */
  async etcdctl(endpoint: string, ...args: string[]): Promise<string> {
    return (await this.cluster.sandbox.hub.exec('etcdctl', ['--endpoints', endpoint, ...args], { env: { ETCDCTL_API: '3' } })).stdout;
  }

  /** Removes every pod through CRI, stops the containerds and the API server; tries every step. */
  async stop(): Promise<void> {
    const results = await Promise.allSettled([...this.nodes.values()].map((n) => n.containerd.stop()));
    await this.api.stop();
    // Only now: a mount point in use in another node's view cannot go.
    await removeMountPoints(this.mountPoints);
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failed.length) throw new AggregateError(failed, `stopping the manifest cluster in ${this.dir} failed`);
  }
}
