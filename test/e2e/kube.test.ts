// Issue 4 proof: the daemons follow a Kubernetes API server for namespaces, nodes, services and pods.
import { expect } from 'chai';
import { MULTITENANT_CONFIG, PREFIX, SandboxCluster, waitUntil } from '../support/cluster.js';
import { SandboxApiServer } from '../support/kube.js';
import { httpGet, metricValue } from '../support/adm.js';
import { ping, tcpConnect, type PodNetns, type SandboxNode } from '../support/sandbox/index.js';

const NET = `${PREFIX}/k8ssdn`;
const SERVICES = [
  { namespace: 'red', name: 'web', ip: '172.30.0.10', backend: 'red-b' },
  { namespace: 'kube-system', name: 'shared', ip: '172.30.0.11', backend: 'glob-a' },
  { namespace: 'blue', name: 'api', ip: '172.30.0.12', backend: 'blue-a' },
];
const PODS = [
  { name: 'red-a', namespace: 'red', node: 'n1' }, { name: 'red-b', namespace: 'red', node: 'n2' },
  { name: 'blue-a', namespace: 'blue', node: 'n1' }, { name: 'glob-a', namespace: 'kube-system', node: 'n2' },
];

describe('k8s-ovs following a Kubernetes API server (sandbox, real etcd)', function () {
  this.timeout(240_000);
  let cluster: SandboxCluster;
  let api: SandboxApiServer;
  const netns = new Map<string, PodNetns>();
  const ips = new Map<string, string>();

  const flowsOf = async (node: SandboxNode) => (await node.ofctl(['dump-flows', node.mgmtSocket('br0'), '--no-stats'])).stdout;
  const toService = async (from: string, serviceIp: string) => (await tcpConnect(netns.get(from)!, serviceIp, 80, { timeoutMs: 2000 })).outcome;
  const netNamespaces = async () => cluster.etcdList(`${NET}/netnamespaces/`) as Promise<Map<string, { NetID: number }>>;

  async function publishObjects(options: { withGreen: boolean; withBlueApi: boolean }) {
    await api.node('n1', cluster.node('n1').ip);
    await api.node('n2', cluster.node('n2').ip);
    for (const ns of ['red', 'blue', ...(options.withGreen ? ['green'] : [])]) await api.namespace(ns);
    for (const pod of PODS) await api.pod(pod.namespace, pod.name, pod.node);
    for (const svc of SERVICES) if (svc.name !== 'api' || options.withBlueApi) await api.service(svc.namespace, svc.name, 80, svc.ip);
  }

  before(async () => {
    cluster = await SandboxCluster.start({ nodes: 2, underlaySubnet: '10.89.0.0/24', config: MULTITENANT_CONFIG });
    api = new SandboxApiServer(cluster, '172.30.0.0/16');
    await api.start();
    await publishObjects({ withGreen: true, withBlueApi: true });
    await Promise.all(['n1', 'n2'].map((n) => cluster.startDaemon(cluster.node(n), ['--kubeconfig', api.kubeconfig])));
  });

  after(async () => {
    await cluster?.destroy();
  });

  it('numbers every namespace (kube-system global, default a tenant as in the original) and gives every Node a subnet', async () => {
    const records = await waitUntil('netnamespaces for every namespace', async () => {
      const all = await netNamespaces();
      return ['red', 'blue', 'green', 'default', 'kube-system'].every((ns) => all.has(ns)) ? all : undefined;
    });
    expect(records.get('kube-system')!.NetID).to.equal(0);
    const tenants = ['red', 'blue', 'green', 'default'].map((ns) => records.get(ns)!.NetID);
    expect(new Set(tenants).size).to.equal(4);
    for (const id of tenants) expect(id).to.be.within(10, 0xffffff);
    const subnets = await cluster.etcdList(`${NET}/subnets/`);
    expect([...subnets.keys()].sort()).to.deep.equal([cluster.node('n1').ip, cluster.node('n2').ip].sort());
  });

  it('attaches pods in their namespace\'s VNID: same tenant and global reach, other tenants do not', async () => {
    for (const pod of PODS) {
      const node = cluster.node(pod.node);
      const ns = await cluster.sandbox.createPodNetns(pod.name);
      const run = await cluster.cni(node, 'ADD', { containerId: `ctr-${pod.name}`, netns: ns.netnsPath, namespace: pod.namespace, pod: pod.name });
      expect(run.exitCode, run.stdout).to.equal(0);
      netns.set(pod.name, ns);
      ips.set(pod.name, ((run.json!.ips as Array<{ address: string }>)[0]!.address).split('/')[0]!);
      await cluster.sandbox.startTcpListener(ns, 8080);
    }
    const reach = async (a: string, b: string) => (await ping(netns.get(a)!, ips.get(b)!, { count: 3, timeoutS: 1 })).received > 0;
    await reach('glob-a', 'red-a');
    expect(await reach('red-a', 'red-b')).to.equal(true);
    expect(await reach('blue-a', 'glob-a')).to.equal(true);
    expect(await reach('blue-a', 'red-b')).to.equal(false);
  });

  it('opens a service to its own tenant and the global one only (with a kube-proxy stand-in)', async () => {
    // What kube-proxy would write on every node: DNAT from the ClusterIP to the backend pod.
    for (const node of cluster.sandbox.nodes) {
      for (const svc of SERVICES) {
        await node.exec('iptables', ['-w', '-t', 'nat', '-A', 'PREROUTING', '-d', svc.ip, '-p', 'tcp', '--dport', '80',
          '-j', 'DNAT', '--to-destination', `${ips.get(svc.backend)}:8080`]);
      }
    }
    await waitUntil('service flows on both nodes', async () =>
      (await Promise.all(cluster.sandbox.nodes.map(flowsOf))).every((f) => SERVICES.every((s) => f.includes(`nw_dst=${s.ip}`))));
    expect(await toService('red-a', '172.30.0.10'), 'red to its own service').to.equal('connected');
    expect(await toService('blue-a', '172.30.0.10'), 'blue to red\'s service').to.equal('timeout');
    expect(await toService('red-a', '172.30.0.11'), 'red to a global service').to.equal('connected');
    expect(await toService('blue-a', '172.30.0.11'), 'blue to a global service').to.equal('connected');
    expect(await toService('glob-a', '172.30.0.12'), 'global pod to blue\'s service').to.equal('connected');
    expect(await toService('red-a', '172.30.0.12'), 'red to blue\'s service').to.equal('timeout');
  });

  // Polled every 100 ms: at this size the gap the fix closes lasted milliseconds (0.5 s at 5000 services,
  // docs/benchmarks.md), so this guards against a longer outage rather than proving the fix.
  it('keeps every service flow in place while a node daemon is killed and restarted', async () => {
    const n1 = cluster.node('n1');
    const serviceFlows = async () => (await flowsOf(n1)).split('\n').filter((f) => f.includes('table=60') && f.includes('nw_dst=172.30.')).length;
    const before = await serviceFlows();
    // Ours, plus the API server's own default/kubernetes service: one port each, so a port flow and a later-fragment flow.
    expect(before).to.equal(2 * (SERVICES.length + 1));
    let fewest = before;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        fewest = Math.min(fewest, await serviceFlows());
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    await cluster.stopDaemon(n1, 'SIGKILL');
    await cluster.startDaemon(n1, ['--kubeconfig', api.kubeconfig]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    watching = false;
    await watcher;
    expect(fewest, 'service flows seen during the restart').to.equal(before);
  });

  it('follows a join to the joined namespace\'s service, keeping the way out of the cluster', async () => {
    await cluster.etcdctl('put', `${NET}/netnamespaces/blue`,
      JSON.stringify({ NetName: 'blue', NetID: (await netNamespaces()).get('blue')!.NetID, Action: 'join', Namespace: 'red' }));
    await waitUntil('blue to reach red\'s service', async () => (await toService('blue-a', '172.30.0.10')) === 'connected', 20_000, 200);
    expect(await toService('red-a', '172.30.0.12'), 'red to blue\'s service after the join').to.equal('connected');
    // origin #12604: after a join, pods lost the way out. The hub stands for the world outside.
    expect((await ping(netns.get('blue-a')!, cluster.sandbox.hub.ip, { count: 3, timeoutS: 1 })).received).to.be.greaterThan(0);
  });

  it('releases the VNID of a deleted namespace', async () => {
    await api.delete('namespaces', 'green');
    await waitUntil('green\'s netnamespace to go', async () => !(await netNamespaces()).has('green'));
  });

  it('gives a new Node a subnet and every node a VXLAN rule to it', async () => {
    await api.node('n3', '10.89.0.3');
    await waitUntil('a subnet for n3', async () => (await cluster.etcdList(`${NET}/subnets/`)).has('10.89.0.3'));
    await waitUntil('VXLAN rules to n3 on n1 and n2', async () =>
      (await Promise.all(cluster.sandbox.nodes.map(flowsOf))).every((f) => f.includes('tun_src=10.89.0.3')));
  });

  it('relists after an API server restart with new resourceVersions and converges with no stale flows', async () => {
    const apiServerUp = async () => metricValue((await httpGet(cluster.node('n1'), 'http://127.0.0.1:9101/metrics')).body, 'k8s_ovs_apiserver_up');
    expect(await apiServerUp()).to.equal(1);
    await api.stop();
    await waitUntil('the daemon to report the API server down', async () => (await apiServerUp()) === 0, 30_000, 250);
    // The restarted server has lost n3, green and blue/api: the daemons must notice on relist alone.
    await api.start();
    await waitUntil('the daemon to report the API server up again', async () => (await apiServerUp()) === 1, 30_000, 250);
    await publishObjects({ withGreen: false, withBlueApi: false });
    await waitUntil('blue/api\'s flows and n3\'s rules to go', async () =>
      (await Promise.all(cluster.sandbox.nodes.map(flowsOf))).every((f) => !f.includes('nw_dst=172.30.0.12') && !f.includes('tun_src=10.89.0.3')), 30_000, 200);
    await waitUntil('n3\'s subnet to be released', async () => !(await cluster.etcdList(`${NET}/subnets/`)).has('10.89.0.3'));
    await waitUntil('red to reach its own service', async () => (await toService('red-a', '172.30.0.10')) === 'connected', 20_000, 250);
    // Namespaces the empty server lacked for a moment were deleted and re-created: new tenants. Whatever
    // their VNIDs now, blue reaches red's service exactly when etcd says they share one.
    const records = await netNamespaces();
    const shared = records.get('blue')!.NetID === records.get('red')!.NetID;
    expect(await toService('blue-a', '172.30.0.10')).to.equal(shared ? 'connected' : 'timeout');
  });
});
