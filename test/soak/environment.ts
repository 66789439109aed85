// The soak's cluster: two sandbox nodes under containerd, a 3-member TLS etcd, the test API server, and
// a long-lived pod pair across the nodes whose ping runs for the whole soak.
import { MULTITENANT_CONFIG, PREFIX, SandboxCluster, waitUntil } from '../support/cluster.js';
import { type CriPod, NodeContainerd } from '../support/containerd.js';
import { SandboxApiServer } from '../support/kube.js';
import { buildSandboxImage } from '../support/oci-image.js';
import { type ContinuousPinger, randomPrefix, type SandboxNode } from '../support/sandbox/index.js';

/** Churn pods live in these namespaces (numbered once, at the start). */
export const CHURN_NAMESPACES = ['churn-a', 'churn-b', 'churn-c'];
export const LONG_NAMESPACE = 'soak-long';

export interface SoakEnvironment {
  readonly cluster: SandboxCluster;
  readonly api: SandboxApiServer;
  readonly nodes: readonly SandboxNode[];
  readonly runtimes: ReadonlyMap<string, NodeContainerd>;
  /** The long-lived pair: `from` on the first node pings `to` on the second. */
  readonly long: { from: CriPod; to: CriPod };
  readonly pinger: ContinuousPinger;
  stop(): Promise<void>;
}

/** Creates the API pod, then runs its sandbox through CRI, as a kubelet does for a pod bound to `node`. */
export async function runApiPod(env: Pick<SoakEnvironment, 'api' | 'runtimes'>, node: SandboxNode, namespace: string, name: string,
  annotations: Record<string, string> = {}): Promise<CriPod> {
  const created = await env.api.pod(namespace, name, node.name, annotations);
  const uid = (created.metadata as { uid: string }).uid;
  return env.runtimes.get(node.name)!.runPod({ namespace, name, uid, annotations });
}

export async function startSoakEnvironment(options: { underlaySubnet: string }): Promise<SoakEnvironment> {
  const cluster = await SandboxCluster.start({ prefix: randomPrefix('ksk'), nodes: 2, underlaySubnet: options.underlaySubnet,
    config: MULTITENANT_CONFIG, etcdMembers: 3 });
  const runtimes = new Map<string, NodeContainerd>();
  const stop = async () => {
    await Promise.allSettled([...runtimes.values()].map((runtime) => runtime.stop()));
    await cluster.destroy();
  };
  try {
    const api = new SandboxApiServer(cluster, '172.30.0.0/16');
    await api.start();
    const nodes = cluster.sandbox.nodes;
    for (const node of nodes) await api.node(node.name, node.ip);
    for (const ns of [LONG_NAMESPACE, ...CHURN_NAMESPACES]) await api.namespace(ns);
    const image = await buildSandboxImage(cluster.sandbox.runDir);
    await Promise.all(nodes.map((node) => cluster.startDaemon(node, ['--kubeconfig', api.kubeconfig])));
    for (const node of nodes) runtimes.set(node.name, await NodeContainerd.start(cluster, node, image));
    await waitUntil('the master to number the soak namespaces', async () => {
      const records = await cluster.etcdList(`${PREFIX}/k8ssdn/netnamespaces/`);
      return [LONG_NAMESPACE, ...CHURN_NAMESPACES].every((ns) => records.has(ns));
    }, 30_000, 200);
    const from = await runApiPod({ api, runtimes }, nodes[0]!, LONG_NAMESPACE, 'long-a');
    const to = await runApiPod({ api, runtimes }, nodes[1]!, LONG_NAMESPACE, 'long-b');
    const pinger = await cluster.sandbox.startPinger(from, to.ip, { intervalMs: 100 });
    await pinger.waitForReplies(5, 15_000);
    return { cluster, api, nodes, runtimes, long: { from, to }, pinger, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
