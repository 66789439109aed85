// The admin CLI against a live two-node cluster: every command's output and its effect on etcd and on packets.
import { expect } from 'chai';
import { ADM, adm, httpGet, metricValue } from '../support/adm.js';
import { PREFIX, SandboxCluster, waitUntil } from '../support/cluster.js';
import { SandboxApiServer } from '../support/kube.js';
import { packageVersion } from '../../lib/sdn/version.js';
import { PIPELINE_VERSION } from '../../lib/sdn/pipeline/tables.js';
import { HEARTBEAT_TTL_SECONDS } from '../../lib/sdn/heartbeat-record.js';
import { type PodNetns, type SandboxNode, execIn, ping, randomPrefix } from '../support/sandbox/index.js';

interface Pod { name: string; namespace: string; netns: PodNetns; node: SandboxNode; ip: string }

const NET = `${PREFIX}/k8ssdn`;
// A /21 holds four /23 node subnets: small enough to see a released subnet handed out again.
const CONFIG = { Name: 'k8ssdn', Network: '10.128.0.0/21', HostSubnetLength: 9, ServiceNetwork: '172.30.0.0/16', PluginName: 'k8s-ovs-multitenant' };

describe('k8s-ovs-adm against a two-node sandbox cluster', function () {
  this.timeout(300_000);
  let cluster: SandboxCluster;
  let n1: SandboxNode, n2: SandboxNode;
  let api: SandboxApiServer;
  const pods = new Map<string, Pod>();
  const pod = (name: string) => pods.get(name)!;
  const run = (args: string[]) => adm(cluster.sandbox.hub, ['--etcd-endpoints', cluster.etcdEndpoint, ...args]);
  const reaches = async (from: string, toIp: string) =>
    (await ping(pod(from).netns, toIp, { count: 3, intervalMs: 200, timeoutS: 1 })).received > 0;
  const netId = async (namespace: string) => ((await cluster.etcdGet(`${NET}/netnamespaces/${namespace}`)) as { NetID: number }).NetID;

  async function addPod(name: string, namespace: string, node: SandboxNode): Promise<Pod> {
    const netns = await cluster.sandbox.createPodNetns(name);
    const result = await cluster.cni(node, 'ADD', { containerId: `ctr-${name}`, netns: netns.netnsPath, namespace, pod: name });
    expect(result.exitCode, `ADD ${name}: ${result.stdout} ${result.stderr}`).to.equal(0);
    const ip = (result.json!.ips as Array<{ address: string }>)[0]!.address.split('/')[0]!;
    const added = { name, namespace, netns, node, ip };
    pods.set(name, added);
    return added;
  }

  /** Origin #12604: a tenant action once cut pods off from everything outside the cluster network. */
  async function expectOutsideReachable(...names: string[]): Promise<void> {
    for (const name of names) {
      expect(await reaches(name, cluster.sandbox.hub.ip), `${name} reaches the hub outside the cluster network`).to.equal(true);
    }
  }

  before(async () => {
    cluster = await SandboxCluster.start({ prefix: randomPrefix('kad'), nodes: 2, underlaySubnet: '10.91.0.0/24', config: CONFIG });
    [n1, n2] = [cluster.node('n1'), cluster.node('n2')];
    // Without Kubernetes an admin numbers namespaces by hand; the master adopts hand-written NetIDs.
    for (const [name, id] of [['kube-system', 0], ['red', 11], ['blue', 12], ['green', 13], ['olive', 20], ['teal', 21]] as const) {
      await cluster.etcdctl('put', `${NET}/netnamespaces/${name}`, JSON.stringify({ NetName: name, NetID: id, Action: '', Namespace: '' }));
    }
    await Promise.all([n1, n2].map((node) => cluster.startDaemon(node, ['--metrics-address', `${node.ip}:9101`])));
    // Only for --selector: the daemons do not follow it, the namespaces above are numbered by hand.
    api = new SandboxApiServer(cluster, CONFIG.ServiceNetwork);
    await api.start();
    for (const [name, labels] of [['red', {}], ['olive', { team: 'web' }], ['teal', { team: 'web' }]] as const) {
      await api.request('POST', '/api/v1/namespaces', { metadata: { name, labels } });
    }
    await addPod('red-a', 'red', n1);
    await addPod('blue-a', 'blue', n1);
    await addPod('red-b', 'red', n2);
    await addPod('blue-b', 'blue', n2);
    await addPod('green-b', 'green', n2);
  });

  after(async () => {
    await cluster?.destroy();
  });

  it('prints --help with examples for every command, without needing etcd', async () => {
    const commands = [[], ['pod-network'], ['hostsubnet'], ['pod-network', 'join-namespaces'], ['pod-network', 'isolate-namespaces'],
      ['pod-network', 'make-namespaces-global'], ['get'], ['hostsubnet', 'assign'], ['hostsubnet', 'release'], ['trace'], ['status']];
    const results = await Promise.all(commands.map((command) =>
      execIn(cluster.sandbox.hub, process.execPath, [ADM, ...command, '--help'], { reject: false })));
    for (const [i, result] of results.entries()) {
      expect(result.exitCode, commands[i]!.join(' ')).to.equal(0);
      expect(result.stdout, commands[i]!.join(' ')).to.contain('Examples:');
    }
  });

  it('status shows the elected master, both nodes with subnets and heartbeats, and no version skew', async () => {
    const leader = (await cluster.etcdctl('get', '--prefix', `${PREFIX}/election/k8ssdn/master/`, '--sort-by=CREATE',
      '--order=ASCEND', '--print-value-only')).split('\n')[0];
    const result = await adm(cluster.sandbox.hub, ['status'], { K8S_OVS_ETCD_ENDPOINTS: cluster.etcdEndpoint });
    expect(result.exitCode, result.stderr).to.equal(0);
    const standby = leader === 'n1' ? 'n2' : 'n1';
    expect(result.stdout).to.match(new RegExp(`^Master: +${leader} \\(standby: ${standby}\\)$`, 'm'));
    expect(result.stdout).to.contain(`Versions:  every daemon runs k8s-ovs ${packageVersion()}, pipeline ${PIPELINE_VERSION}`);
    for (const node of [n1, n2]) {
      const { Subnet } = (await cluster.etcdGet(`${NET}/subnets/${node.ip}`)) as { Subnet: string };
      expect(result.stdout).to.match(new RegExp(`^${node.name} +Ready +${node.ip.replace(/\./g, '\\.')} +${Subnet} +${packageVersion().replace(/\./g, '\\.')} +${PIPELINE_VERSION} +\\d+s ago$`, 'm'));
    }
    expect(result.stdout).to.contain('No problems found.');
  });

  it('get prints netnamespaces, hostsubnets and nodes as tables and JSON that match etcd', async () => {
    const table = await run(['get', 'netnamespaces']);
    expect(table.exitCode, table.stderr).to.equal(0);
    expect(table.stdout).to.equal('NAME          NETID   PENDING\nblue          12      <none>\ngreen         13      <none>\n'
      + 'kube-system   0       <none>\nolive         20      <none>\nred           11      <none>\nteal          21      <none>');
    const json = JSON.parse((await run(['get', 'hostsubnets', '-o', 'json'])).stdout) as { items: unknown[] };
    expect(json.items).to.deep.equal(
      await Promise.all([n1, n2].map((node) => cluster.etcdGet(`${NET}/subnets/${node.ip}`))));
    const nodes = JSON.parse((await run(['get', 'nodes', '-o', 'json'])).stdout) as { items: Array<{ Name: string; Status: string }> };
    expect(nodes.items.map((n) => [n.Name, n.Status])).to.deep.equal([['n1', 'Ready'], ['n2', 'Ready']]);
    const yaml = await run(['get', 'netnamespaces', 'red', '-o', 'yaml']);
    expect(yaml.stdout).to.equal('kind: NetNamespaceList\nitems:\n  - NetName: red\n    NetID: 11\n    Action: ""\n    Namespace: ""');
  });

  it('join-namespaces lets both tenants reach each other across nodes, and outside still works', async () => {
    expect(await reaches('red-a', pod('blue-b').ip)).to.equal(false);
    const result = await run(['pod-network', 'join-namespaces', '--to=red', 'blue']);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(result.stdout).to.equal('NAME   NETID   RESULT\nblue   11      applied\nred    11      unchanged');
    expect(await netId('blue')).to.equal(11);
    await waitUntil('red-a to reach blue-b', () => reaches('red-a', pod('blue-b').ip), 20_000, 200);
    expect(await reaches('blue-b', pod('red-a').ip)).to.equal(true);
    expect(await reaches('blue-a', pod('red-b').ip)).to.equal(true);
    await expectOutsideReachable('red-a', 'blue-a', 'blue-b');
  });

  it('isolate-namespaces gives blue a VNID of its own again, and outside still works', async () => {
    const result = await run(['pod-network', 'isolate-namespaces', 'blue']);
    expect(result.exitCode, result.stderr).to.equal(0);
    const blue = await netId('blue');
    expect(blue).to.not.be.oneOf([0, 11, 13]);
    expect(result.stdout).to.equal(`NAME   NETID   RESULT\nblue   ${String(blue).padEnd(8)}applied`);
    await waitUntil('red-a to lose blue-b', async () => !(await reaches('red-a', pod('blue-b').ip)), 20_000, 200);
    expect(await reaches('red-a', pod('blue-a').ip)).to.equal(false);
    expect(await reaches('blue-a', pod('blue-b').ip)).to.equal(true);
    await expectOutsideReachable('red-a', 'blue-a', 'blue-b');
  });

  it('make-namespaces-global lets green reach and be reached by every tenant, and outside still works', async () => {
    expect(await reaches('green-b', pod('red-a').ip)).to.equal(false);
    const result = await run(['pod-network', 'make-namespaces-global', 'green']);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(await netId('green')).to.equal(0);
    await waitUntil('green-b to reach red-a', () => reaches('green-b', pod('red-a').ip), 20_000, 200);
    expect(await reaches('green-b', pod('blue-a').ip)).to.equal(true);
    expect(await reaches('red-a', pod('green-b').ip)).to.equal(true);
    expect(await reaches('red-a', pod('blue-a').ip)).to.equal(false);
    await expectOutsideReachable('green-b', 'red-a');
  });

  it('exits non-zero with the master\'s reason for a rejected action, and changes nothing for an unknown namespace', async () => {
    const rejected = await run(['pod-network', 'isolate-namespaces', 'kube-system']);
    expect(rejected.exitCode).to.equal(1);
    expect(rejected.stderr).to.contain('error: kube-system: rejected by the master: "kube-system" is an admin namespace and always global (VNID 0)');
    const before = await cluster.etcdctl('get', '--prefix', `${NET}/netnamespaces/`, '-w', 'json');
    const unknown = await run(['pod-network', 'join-namespaces', '--to=nope', 'blue']);
    expect(unknown.exitCode).to.equal(1);
    expect(unknown.stderr).to.match(/error: "nope": no such namespace .*nothing was changed/);
    const after = await cluster.etcdctl('get', '--prefix', `${NET}/netnamespaces/`, '-w', 'json');
    const kvs = (text: string) => (JSON.parse(text) as { kvs: unknown[] }).kvs;
    expect(kvs(after)).to.deep.equal(kvs(before));
  });

  it('join-namespaces --selector takes the namespaces labelled in the API server, and says when there is none', async () => {
    const none = await run(['pod-network', 'join-namespaces', '--to=red', '--selector', 'team=web']);
    expect(none.exitCode).to.equal(1);
    expect(none.stderr).to.match(/--selector lists namespaces by label from the Kubernetes API server: no Kubernetes API server configured.*Give --kubeconfig/);
    expect([await netId('olive'), await netId('teal')]).to.deep.equal([20, 21]);
    const result = await run(['pod-network', 'join-namespaces', '--to=red', '--selector', 'team=web', '--kubeconfig', api.kubeconfig]);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(result.stdout).to.equal('NAME    NETID   RESULT\nolive   11      applied\nred     11      unchanged\nteal    11      applied');
  });

  it('trace explains a drop between tenants on one node and a delivery across nodes, as ping sees them', async () => {
    const blue = await netId('blue');
    const onN1 = (args: string[]) => adm(n1, ['--etcd-endpoints', cluster.etcdEndpoint, 'trace', ...args, '--ovs-rundir', n1.ovsRunDir]);
    const drop = await onN1(['red/red-a', 'blue/blue-a']);
    expect(drop.exitCode, drop.stderr).to.equal(0);
    expect(drop.stdout, drop.stdout).to.contain(`\nResult: dropped in LocalDelivery (table 70): destination VNID ${blue}, source VNID 11`);
    expect(await reaches('red-a', pod('blue-a').ip)).to.equal(false);

    const ofport = Number((await n2.vsctl(['get', 'Interface', (await portOf(n2, 'red-b')), 'ofport'])).stdout.trim());
    const delivery = await onN1(['red/red-a', 'red/red-b:8080/tcp', '--remote-ovs-rundir', `${n2.ip}=${n2.ovsRunDir}`]);
    expect(delivery.exitCode, delivery.stderr).to.equal(0);
    expect(delivery.stdout, delivery.stdout).to.contain(`=> sent over VXLAN to node n2 (${n2.ip}) with VNID 11`);
    expect(delivery.stdout, delivery.stdout).to.contain(`\nResult: delivered to port ${ofport} (pod red/red-b) on n2 (${n2.ip})`);
    expect(await reaches('red-a', pod('red-b').ip)).to.equal(true);

    const alone = await onN1(['red/red-a', pod('red-b').ip]);
    expect(alone.stdout).to.contain(`n2's switch is not reachable from here; to follow the packet there, run on n2:\n  ovs-appctl ofproto/trace br0 in_port=1,tun_id=0xb,tun_src=${n1.ip},tun_dst=${n2.ip},ip,`);
  });

  it('hostsubnet assign hands out a subnet, release frees it with its claim, and the master hands it out again', async () => {
    const assign = async (host: string, ip: string) => {
      const result = await run(['hostsubnet', 'assign', host, ip]);
      expect(result.exitCode, result.stderr).to.equal(0);
      const subnet = /^\S+\s+\S+\s+(\S+)$/m.exec(result.stdout.split('\n')[1]!)![1]!;
      expect(await cluster.etcdGet(`${NET}/subnets/${ip}`)).to.deep.equal({ Host: host, HostIP: ip, Subnet: subnet, Assign: false });
      return subnet;
    };
    const first = await assign('gw1', '10.91.0.50');
    expect((await cluster.etcdctl('get', '--print-value-only', `${NET}/subnet-claims/${first}`)).trim()).to.equal('10.91.0.50');
    const release = await run(['hostsubnet', 'release', '10.91.0.50']);
    expect(release.exitCode, release.stderr).to.equal(0);
    expect(release.stdout).to.equal(`released ${first} of gw1 (10.91.0.50)`);
    expect(await cluster.etcdGet(`${NET}/subnets/10.91.0.50`)).to.equal(undefined);
    expect(await cluster.etcdGet(`${NET}/subnet-claims/${first}`)).to.equal(undefined);
    // Next-fit: the fourth subnet goes first, then the pool wraps around to the released one.
    const fourth = await assign('gw2', '10.91.0.51');
    expect(fourth).to.not.equal(first);
    expect(await assign('gw3', '10.91.0.52')).to.equal(first);

    const live = await run(['hostsubnet', 'release', n1.ip]);
    expect(live.exitCode).to.equal(1);
    expect(live.stderr).to.match(/a k8s-ovs daemon on "n1" \(last heartbeat \d+s ago\) runs with this subnet/);
    for (const ip of ['10.91.0.51', '10.91.0.52']) expect((await run(['hostsubnet', 'release', ip])).exitCode).to.equal(0);
  });

  it('serves metrics from the daemon, with the CNI counters moving after an ADD', async () => {
    const url = (path: string) => `http://${n1.ip}:9101${path}`;
    const added = 'k8s_ovs_cni_requests_total{command="ADD",result="success"}';
    const before = (await httpGet(n1, url('/metrics'))).body;
    expect(metricValue(before, added)).to.equal(2);
    await addPod('red-c', 'red', n1);
    const after = await httpGet(n1, url('/metrics'));
    expect(after.status).to.equal(200);
    expect(metricValue(after.body, added)).to.equal(3);
    expect(metricValue(after.body, 'k8s_ovs_cni_request_duration_seconds_count{command="ADD",result="success"}')).to.equal(3);
    // A pod of a tenant: PodIngress (IP, ARP), HostIngress, PodTag (its port, the host's relays), LocalArp and
    // LocalDelivery (its VNID and 0, two each).
    expect(metricValue(after.body, 'k8s_ovs_flows{owner_kind="pod"}')).to.equal(metricValue(before, 'k8s_ovs_flows{owner_kind="pod"}')! + 9);
    expect(metricValue(after.body, 'k8s_ovs_ipam_allocated_addresses')).to.equal(3);
    expect(metricValue(after.body, 'k8s_ovs_etcd_up')).to.equal(1);
    expect(metricValue(after.body, 'k8s_ovs_vnid_namespaces')).to.equal(6);
    expect(await httpGet(n1, url('/healthz'))).to.deep.equal({ status: 200, body: 'ok\n' });
    expect(await httpGet(n1, url('/readyz'))).to.deep.equal({ status: 200, body: 'ok\n' });
  });

  it('status reports a killed daemon once its heartbeat lease expires', async () => {
    await cluster.stopDaemon(n2, 'SIGKILL');
    // The lease would expire by itself within its TTL; revoking it is that expiry without the suite waiting 30 s.
    // Read as text: a lease ID is 64 bits, more than a JSON number keeps.
    const fields = await cluster.etcdctl('get', `${NET}/nodes/${n2.ip}`, '-w', 'fields');
    const lease = BigInt(/^"Lease" : (\d+)$/m.exec(fields)?.[1] ?? '0').toString(16);
    expect(lease, `n2's heartbeat is on a lease:\n${fields}`).to.not.equal('0');
    const ttl = JSON.parse(await cluster.etcdctl('lease', 'timetolive', lease, '-w', 'json')) as { ttl: number; 'granted-ttl': number };
    expect(ttl['granted-ttl'], 'the heartbeat lease\'s TTL').to.equal(HEARTBEAT_TTL_SECONDS);
    expect(ttl.ttl).to.be.within(1, HEARTBEAT_TTL_SECONDS);
    await cluster.etcdctl('lease', 'revoke', lease);
    const result = await waitUntil('n2\'s heartbeat to be gone', async () => {
      const status = await run(['status']);
      return /^n2 +NoHeartbeat /m.test(status.stdout) ? status : undefined;
    }, 10_000, 500);
    expect(result.stdout).to.contain(`node n2 (${n2.ip}): no heartbeat`);
    expect(result.stdout).to.match(/^n1 +Ready /m);
  });
});

/** The OVS port of a pod, found by the external_ids the daemon wrote. */
async function portOf(node: SandboxNode, podName: string): Promise<string> {
  const { stdout } = await node.vsctl(['--bare', '--columns=name', 'find', 'Interface', `external_ids:k8s-ovs-pod=${podName}`]);
  return stdout.trim();
}
