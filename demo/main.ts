// The sandbox demo: the original k8s-ovs admin guide's story on a real two-node cluster on this machine.
import path from 'node:path';
import { MULTITENANT_CONFIG, PREFIX, SandboxCluster, repoRoot, waitUntil } from '../test/support/cluster.js';
import { NodeContainerd, type CriPod } from '../test/support/containerd.js';
import { measureThroughput, startIperfServer } from '../test/support/iperf.js';
import { SandboxApiServer } from '../test/support/kube.js';
import { buildSandboxImage } from '../test/support/oci-image.js';
import { ping } from '../test/support/sandbox/index.js';

const ADM = path.join(repoRoot, 'bin', 'k8s-ovs-adm');
const say = (text: string) => console.log(`\n== ${text}`);
const show = (command: string) => console.log(`$ ${command}`);

type Matrix = Map<string, boolean>;

async function main(): Promise<void> {
  let cluster: SandboxCluster | undefined;
  const runtimes: NodeContainerd[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () => (cleaning ??= (async () => {
    say('cleaning up: pods, containerd, daemons, OVS, etcd, namespaces');
    for (const runtime of runtimes) await runtime.stop().catch((e: Error) => console.error(e.message));
    await cluster?.destroy().catch((e: Error) => console.error(e.message));
  })());
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  process.once('SIGTERM', () => void cleanup().then(() => process.exit(143)));
  try {
    say('a hub (etcd, a Kubernetes API server) and two nodes, each with its own Open vSwitch');
    cluster = await SandboxCluster.start({ nodes: 2, underlaySubnet: '10.81.0.0/24' });
    const c = cluster;
    show(`etcdctl put ${PREFIX}/config '${JSON.stringify(MULTITENANT_CONFIG)}'`);
    await c.etcdctl('put', `${PREFIX}/config`, JSON.stringify(MULTITENANT_CONFIG));
    const api = new SandboxApiServer(c, '172.30.0.0/16');
    await api.start();
    for (const node of c.sandbox.nodes) await api.node(node.name, node.ip);
    for (const ns of ['tenant-a', 'tenant-b']) await api.namespace(ns);

    say('the k8s-ovs daemon on each node (what the systemd unit runs)');
    await Promise.all(c.sandbox.nodes.map((node) => c.startDaemon(node, ['--kubeconfig', api.kubeconfig])));
    const adm = async (...args: string[]) => {
      show(`k8s-ovs-adm ${args.join(' ')}`);
      const result = await c.sandbox.hub.exec(process.execPath, [ADM, ...args, '--etcd-endpoints', c.etcdEndpoint], { reject: false });
      // exec strips the final newline the CLI printed.
      if (result.stdout) console.log(result.stdout);
      if (result.exitCode !== 0) throw new Error(`k8s-ovs-adm ${args[0]} failed: ${result.stderr}`);
    };
    await waitUntil('both tenants numbered', async () => {
      const all = await c.etcdList(`${PREFIX}/k8ssdn/netnamespaces/`);
      return all.has('tenant-a') && all.has('tenant-b');
    });
    await adm('get', 'hostsubnets');

    say('containerd on each node creates four pods through the k8s-ovs CNI plugin');
    const image = await buildSandboxImage(c.sandbox.runDir, 'k8s-ovs-demo', 'demo');
    for (const node of c.sandbox.nodes) runtimes.push(await NodeContainerd.start(c, node, image));
    const pods: CriPod[] = [];
    for (const [i, [namespace, name]] of [['tenant-a', 'a1'], ['tenant-a', 'a2'], ['tenant-b', 'b1'], ['tenant-b', 'b2']].entries()) {
      const runtime = runtimes[i % 2]!;
      await api.pod(namespace!, name!, runtime.node.name);
      pods.push(await runtime.runPod({ namespace: namespace!, name: name!, uid: `demo-${name}` }));
      console.log(`   ${namespace}/${name} on ${runtime.node.name}: ${pods.at(-1)!.ip}`);
    }
    await adm('get', 'netnamespaces');

    const matrix = async (): Promise<Matrix> => {
      const results: Matrix = new Map();
      await Promise.all(pods.flatMap((from) => pods.filter((to) => to !== from).map(async (to) => {
        results.set(`${from.name}>${to.name}`, (await ping(from, to.ip, { count: 3, intervalMs: 200, timeoutS: 1 })).received > 0);
      })));
      console.log(`   from\\to ${pods.map((p) => p.name.padEnd(4)).join('')}`);
      for (const from of pods) {
        console.log(`   ${from.name.padEnd(7)} ${pods.map((to) => (to === from ? '-' : results.get(`${from.name}>${to.name}`) ? 'ok' : 'x').padEnd(4)).join('')}`);
      }
      return results;
    };
    const expectMatrix = (got: Matrix, allowed: (a: CriPod, b: CriPod) => boolean) => {
      const wrong = [...got].filter(([pair, ok]) => {
        const [a, b] = pair.split('>').map((n) => pods.find((p) => p.name === n)!);
        return ok !== allowed(a!, b!);
      });
      if (wrong.length) throw new Error(`reachability differs from the tenant rules: ${wrong.map(([p, ok]) => `${p} ${ok ? 'reached' : 'blocked'}`).join(', ')}`);
      console.log('   (as the tenant rules say)');
    };
    const sameTenant = (a: CriPod, b: CriPod) => a.namespace === b.namespace;
    await ping(pods[0]!, pods[1]!.ip, { count: 2, timeoutS: 1 });

    say('two tenants: each reaches only itself');
    expectMatrix(await matrix(), sameTenant);

    say('join tenant-b to tenant-a: one network');
    await adm('pod-network', 'join-namespaces', '--to=tenant-a', 'tenant-b');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expectMatrix(await matrix(), () => true);

    say('isolate tenant-b again: split');
    await adm('pod-network', 'isolate-namespaces', 'tenant-b');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expectMatrix(await matrix(), sameTenant);

    say('make tenant-b global: it reaches everyone and everyone reaches it');
    await adm('pod-network', 'make-namespaces-global', 'tenant-b');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expectMatrix(await matrix(), (a, b) => sameTenant(a, b) || a.namespace === 'tenant-b' || b.namespace === 'tenant-b');

    say('a bandwidth limit: kubernetes.io/ingress-bandwidth: 10M on a new pod, measured with iperf3');
    await api.pod('tenant-a', 'limited', runtimes[1]!.node.name, { 'kubernetes.io/ingress-bandwidth': '10M' });
    const limited = await runtimes[1]!.runPod({ namespace: 'tenant-a', name: 'limited', uid: 'demo-limited',
      annotations: { 'kubernetes.io/ingress-bandwidth': '10M' } });
    await startIperfServer(c.sandbox, limited);
    const into = await measureThroughput(pods[0]!, limited.ip, { seconds: 4 });
    const rate = (bps: number) => `${(bps / 1e6).toFixed(1)} Mbit/s`;
    console.log(`   into tenant-a/limited: ${rate(into.receivedBps)} (first second ${rate(into.intervalsBps[0] ?? 0)}); limit 10 Mbit/s`);
    if (into.receivedBps > 11.5e6) throw new Error('the ingress limit did not hold');
    say('done');
  } finally {
    await cleanup();
  }
}

main().catch((error: Error) => {
  console.error(`demo failed: ${error.message}`);
  process.exitCode = 1;
});
