// Issue 5 proof: containerd's CRI plugin (the kubelet's code path) runs pods through the real k8s-ovs plugin.
import { expect } from 'chai';
import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Cidr } from '../../lib/net/ipv4.js';
import { renderCookie } from '../../lib/ovs/cookie.js';
import { podOwner } from '../../lib/sdn/pipeline/owners.js';
import { hostPortName } from '../../lib/sdn/node/podports.js';
import { MULTITENANT_CONFIG, PREFIX, SandboxCluster, waitUntil } from '../support/cluster.js';
import { type CriPod, NodeContainerd } from '../support/containerd.js';
import { type IperfMeasurement, measureThroughput, startIperfServer } from '../support/iperf.js';
import { SandboxApiServer } from '../support/kube.js';
import { buildSandboxImage } from '../support/oci-image.js';
import { ping, randomPrefix, type SandboxNode, tcpConnect, verdictOf } from '../support/sandbox/index.js';

const NET = `${PREFIX}/k8ssdn`;
const LIMIT_BPS = 10_000_000;
/** The issue's tolerance around the limit, and what "no burst" means for the first second. */
const TOLERANCE = 0.15;
const FIRST_SECOND_MAX = 2 * LIMIT_BPS;
const UNLIMITED_MIN_BPS = 50_000_000;
const UDP_OFFERED = '50M';

interface PodPlan { name: string; namespace: string; node: 'n1' | 'n2'; annotations?: Record<string, string>; apiAnnotations?: boolean }

const PODS: PodPlan[] = [
  { name: 'red-a', namespace: 'red', node: 'n1' },
  { name: 'red-b', namespace: 'red', node: 'n2' },
  { name: 'blue-a', namespace: 'blue', node: 'n1' },
  // As kubelet sends it: the annotation is on the API pod and in the sandbox config.
  { name: 'bw-in', namespace: 'red', node: 'n1', annotations: { 'kubernetes.io/ingress-bandwidth': '10M' }, apiAnnotations: true },
  // Only in the sandbox config: the limit can come from nowhere but containerd's runtimeConfig.bandwidth.
  { name: 'bw-out', namespace: 'red', node: 'n1', annotations: { 'kubernetes.io/egress-bandwidth': '10M' }, apiAnnotations: false },
];

const mbit = (bps: number) => `${(bps / 1e6).toFixed(2)} Mbit/s`;
const describeRun = (m: IperfMeasurement) => `${m.protocol} received ${mbit(m.receivedBps)} (sent ${mbit(m.sentBps)}), ` +
  `per second ${m.intervalsBps.map((b) => (b / 1e6).toFixed(1)).join(' ')}`;

describe('k8s-ovs under containerd\'s CRI plugin (sandbox, real etcd, API server and runtime)', function () {
  this.timeout(300_000);
  let cluster: SandboxCluster;
  let api: SandboxApiServer;
  const runtimes = new Map<string, NodeContainerd>();
  const pods = new Map<string, CriPod>();
  const measured: string[] = [];
  /** Listeners and iperf3 servers run in pod namespaces outside any container: stopped before the pods go. */
  const helpers: Array<{ stop(): Promise<unknown> }> = [];

  const nodeOf = (name: string): SandboxNode => cluster.node(PODS.find((p) => p.name === name)!.node);
  const pod = (name: string): CriPod => pods.get(name)!;
  const portIds = async (node: SandboxNode, port: string): Promise<Record<string, string>> => {
    const out = (await node.vsctl(['--format=json', '--columns=external_ids', 'find', 'Interface', `name=${port}`])).stdout;
    const rows = (JSON.parse(out) as { data: Array<[['map', Array<[string, string]>]]> }).data;
    return rows[0] ? Object.fromEntries(rows[0][0][1]) : {};
  };

  before(async () => {
    cluster = await SandboxCluster.start({ prefix: randomPrefix('kcd'), nodes: 2, underlaySubnet: '10.87.0.0/24', config: MULTITENANT_CONFIG });
    api = new SandboxApiServer(cluster, '172.30.0.0/16');
    await api.start();
    for (const node of cluster.sandbox.nodes) await api.node(node.name, node.ip);
    for (const ns of ['red', 'blue']) await api.namespace(ns);
    const image = await buildSandboxImage(cluster.sandbox.runDir);
    await Promise.all(cluster.sandbox.nodes.map((node) => cluster.startDaemon(node, ['--kubeconfig', api.kubeconfig])));
    const started = await Promise.allSettled(cluster.sandbox.nodes.map(async (node) =>
      runtimes.set(node.name, await NodeContainerd.start(cluster, node, image))));
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    await waitUntil('the master to number red and blue', async () => {
      const records = await cluster.etcdList(`${NET}/netnamespaces/`);
      return records.has('red') && records.has('blue');
    });
  });

  after(async () => {
    if (measured.length) console.log(`      bandwidth runs:\n${measured.map((line) => `        ${line}`).join('\n')}`);
    // Pods first (StopPodSandbox runs the plugin's DEL while the daemons are still up), then the cluster.
    const stopped = await Promise.allSettled([...runtimes.values()].map((runtime) => runtime.stop()));
    await cluster?.destroy();
    const failed = stopped.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    if (failed.length) throw new AggregateError(failed, 'stopping containerd failed');
  });

  describe('pods run through CRI', () => {
    it('gives them addresses from their node\'s subnet and names them in CNI_ARGS', async () => {
      for (const plan of PODS) {
        const created = await api.pod(plan.namespace, plan.name, plan.node, plan.apiAnnotations ? plan.annotations : {});
        const uid = (created.metadata as { uid: string }).uid;
        pods.set(plan.name, await runtimes.get(plan.node)!.runPod({
          namespace: plan.namespace, name: plan.name, uid, annotations: plan.annotations ?? {},
        }));
      }
      for (const plan of PODS) {
        const node = cluster.node(plan.node);
        const { id, ip, netnsPath } = pod(plan.name);
        const subnet = ((await cluster.etcdGet(`${NET}/subnets/${node.ip}`)) as { Subnet: string }).Subnet;
        expect(Cidr.parse(subnet).contains(ip), `${plan.name} ${ip} in ${node.name}'s ${subnet}`).to.equal(true);
        // The port's external_ids hold what the daemon took from CNI_ARGS (K8S_POD_NAMESPACE, K8S_POD_NAME).
        expect(await portIds(node, hostPortName(id, 'eth0')), `${plan.name}'s OVS port`).to.include({
          'k8s-ovs-container-id': id, 'k8s-ovs-namespace': plan.namespace, 'k8s-ovs-pod': plan.name, 'k8s-ovs-netns': netnsPath, 'k8s-ovs-ip': ip,
        });
      }
    });

    it('applies the bandwidth annotations, from containerd\'s runtimeConfig alone when the API pod lacks them', async () => {
      const inIds = await portIds(nodeOf('bw-in'), hostPortName(pod('bw-in').id, 'eth0'));
      expect(inIds).to.include({ 'k8s-ovs-ingress': '10000000/1000000' }).and.not.have.property('k8s-ovs-egress');
      const outIds = await portIds(nodeOf('bw-out'), hostPortName(pod('bw-out').id, 'eth0'));
      expect(outIds).to.include({ 'k8s-ovs-egress': '10000000/1000000' }).and.not.have.property('k8s-ovs-ingress');
    });

    it('lets red pods reach each other across nodes and keeps blue out', async () => {
      helpers.push(await cluster.sandbox.startTcpListener(pod('red-b'), 8080), await cluster.sandbox.startTcpListener(pod('red-a'), 8080));
      const reach = async (from: string, to: string) => (await ping(pod(from), pod(to).ip, { count: 3, timeoutS: 1 })).received > 0;
      // The first packets resolve ARP and the tunnel neighbour; only what follows counts.
      await reach('red-a', 'red-b');
      expect(await reach('red-a', 'red-b'), 'red-a pings red-b').to.equal(true);
      expect(await reach('red-b', 'red-a'), 'red-b pings red-a').to.equal(true);
      expect((await tcpConnect(pod('red-a'), pod('red-b').ip, 8080)).outcome, 'red-a to red-b over TCP').to.equal('connected');
      expect(await reach('blue-a', 'red-b'), 'blue-a pings red-b').to.equal(false);
      expect(await reach('blue-a', 'red-a'), 'blue-a pings red-a on its own node').to.equal(false);
      expect(verdictOf((await tcpConnect(pod('blue-a'), pod('red-a').ip, 8080)).outcome), 'blue-a to red-a over TCP').to.equal('blocked');
    });
  });

  describe('bandwidth, measured with iperf3 on the receiving side', () => {
    before(async () => {
      for (const name of ['bw-in', 'bw-out', 'red-b']) helpers.push(await startIperfServer(cluster.sandbox, pod(name)));
    });

    /**
     * The limit is a ceiling: every run must stay under limit + 15% and show no first-second burst. Load
     * from other tests on this machine only lowers throughput, so a run under limit - 15% is repeated
     * (at most three runs) before the floor counts as missed.
     */
    async function limited(label: string, from: string, to: string, udpRate?: string): Promise<void> {
      let best: IperfMeasurement | undefined;
      for (let attempt = 1; attempt <= 3 && !(best && best.receivedBps >= LIMIT_BPS * (1 - TOLERANCE)); attempt++) {
        const run = await measureThroughput(pod(from), pod(to).ip, udpRate ? { udpRate } : {});
        measured.push(`${label}, run ${attempt}: ${describeRun(run)}`);
        expect(run.receivedBps, `${label} stays under the limit + 15%: ${describeRun(run)}`).to.be.at.most(LIMIT_BPS * (1 + TOLERANCE));
        expect(run.intervalsBps[0], `${label} first second (kubernetes #90838): ${describeRun(run)}`).to.be.below(FIRST_SECOND_MAX);
        if (!best || run.receivedBps > best.receivedBps) best = run;
      }
      expect(best!.receivedBps, `${label} reaches the limit - 15%: ${describeRun(best!)}`).to.be.at.least(LIMIT_BPS * (1 - TOLERANCE));
    }

    /**
     * TCP must pass 50 Mbit/s; UDP carries at most the offered 50 Mbit/s, so it must pass 3x the limit. Two seconds
     * suffice for a floor five times the limit (the limited runs need five to see the meter's steady state).
     */
    async function unlimited(label: string, from: string, to: string, udpRate?: string): Promise<void> {
      const run = await measureThroughput(pod(from), pod(to).ip, { seconds: 2, ...(udpRate ? { udpRate } : {}) });
      measured.push(`${label}: ${describeRun(run)}`);
      expect(run.receivedBps, `${label} is not limited: ${describeRun(run)}`).to.be.above(udpRate ? 3 * LIMIT_BPS : UNLIMITED_MIN_BPS);
    }

    it('holds traffic INTO a pod with kubernetes.io/ingress-bandwidth: 10M at 10 Mbit/s, TCP and UDP', async () => {
      await limited('into bw-in, tcp', 'red-b', 'bw-in');
      await limited('into bw-in, udp', 'red-b', 'bw-in', UDP_OFFERED);
    });

    it('leaves traffic out of that pod unlimited', async () => {
      await unlimited('out of bw-in, tcp', 'bw-in', 'red-b');
      await unlimited('out of bw-in, udp', 'bw-in', 'red-b', UDP_OFFERED);
    });

    it('holds traffic OUT of a pod with kubernetes.io/egress-bandwidth: 10M at 10 Mbit/s, TCP and UDP', async () => {
      await limited('out of bw-out, udp', 'bw-out', 'red-b', UDP_OFFERED);
      await limited('out of bw-out, tcp', 'bw-out', 'red-b');
    });

    it('leaves traffic into that pod unlimited', async () => {
      await unlimited('into bw-out, tcp', 'red-b', 'bw-out');
      await unlimited('into bw-out, udp', 'red-b', 'bw-out', UDP_OFFERED);
    });
  });

  describe('pods removed through CRI', () => {
    it('leaves no port, veth, flow, meter, address, namespace or sandbox of theirs behind', async () => {
      await Promise.all(helpers.map((helper) => helper.stop()));
      const removed = [...pods].map(([name, p]) => ({ ...p, label: name, node: nodeOf(name) }));
      for (const p of removed) {
        await runtimes.get(p.node.name)!.removePod(p);
        pods.delete(p.label);
      }
      for (const p of removed) {
        const port = hostPortName(p.id, 'eth0');
        expect((await p.node.vsctl(['list-ports', 'br0'])).stdout.split('\n'), `${p.label}'s OVS port`).to.not.include(port);
        const link = await p.node.exec('ip', ['link', 'show', port], { reject: false });
        expect(link.exitCode, `${p.label}'s veth ${port}: ${link.stdout}`).to.not.equal(0);
        const flows = (await p.node.ofctl(['dump-flows', p.node.mgmtSocket('br0'), `cookie=${renderCookie(podOwner(port))}/-1`])).stdout;
        expect(flows.split('\n').filter((line) => line.includes('cookie=')), `${p.label}'s flows`).to.deep.equal([]);
        const addresses = await readdir(path.join(cluster.nodeDir(p.node), 'state', 'ipam', 'addresses'));
        expect(addresses, `${p.label}'s IPAM record`).to.not.include(p.ip);
        expect(await access(p.netnsPath).then(() => 'present', () => 'gone'), `${p.label}'s netns ${p.netnsPath}`).to.equal('gone');
      }
      for (const node of cluster.sandbox.nodes) {
        expect((await node.ofctl(['dump-meters', node.mgmtSocket('br0')])).stdout, `meters on ${node.name}`).to.not.match(/meter=\d+/);
        expect(await runtimes.get(node.name)!.cri.listPodSandbox(), `sandboxes left in ${node.name}'s containerd`).to.deep.equal([]);
      }
    });

    // QoS and Queue are root tables in OVSDB: rows no port references any more are kept, not collected.
    it('leaves no QoS or Queue row of the ingress-limited pod in OVSDB', async () => {
      for (const node of cluster.sandbox.nodes) {
        const rows = [
          (await node.vsctl(['--columns=_uuid,other_config', 'list', 'QoS'])).stdout.trim(),
          (await node.vsctl(['--columns=_uuid,other_config', 'list', 'Queue'])).stdout.trim(),
        ].filter(Boolean);
        expect(rows, `QoS and Queue rows on ${node.name}`).to.deep.equal([]);
      }
    });
  });
});
