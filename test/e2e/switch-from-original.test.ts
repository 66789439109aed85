// Issue 17 proof: a node left exactly as the original k8s-ovs (Go) leaves it, with two running pods, is
// switched to this daemon started from the original's unit, sysconfig and CNI config, on a host whose
// FORWARD policy is DROP, while a second node stays on the original. The pods keep talking through the
// switch, on the node and across nodes, and everything after it works.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { parseEnvironmentFile } from '../../lib/cli/environment-file.js';
import { PREFIX, SandboxCluster, waitUntil } from '../support/cluster.js';
import { SandboxApiServer } from '../support/kube.js';
import {
  ORIGINAL_CNI_CONFIG, ORIGINAL_EXEC_ARGS, expandExecArgs, originalSysconfig,
} from '../support/original-files.js';
import { type OriginalPod, addOriginalPod, addOriginalRemoteNode, setUpOriginalNode } from '../support/original-node.js';
import { type ContinuousPinger, type PodNetns, type SandboxNode, ping, tcpConnect } from '../support/sandbox/index.js';

const NETWORK = 'prod';
const CONFIG = { Name: 'k8ssdn', Network: '10.128.0.0/14', HostSubnetLength: 9, ServiceNetwork: '172.30.0.0/16', PluginName: 'k8s-ovs-multitenant' };
const NET = { clusterNetwork: CONFIG.Network, serviceNetwork: CONFIG.ServiceNetwork, localSubnet: '10.128.4.0/23' };
/** n2 stays on the original throughout: the cluster is half switched, as during a rolling switch. */
const NET2 = { ...NET, localSubnet: '10.128.6.0/23' };
const GATEWAY = '10.128.4.1';
/** A VNID the original's master might have handed out (they were random in its range). */
const RED = 3831805;

/** The variables systemd's EnvironmentFile= reads from the file. */
const environmentOf = (text: string) => Object.fromEntries(parseEnvironmentFile(text));

describe('switching a node from the original k8s-ovs with running pods (sandbox)', function () {
  this.timeout(120_000);
  let cluster: SandboxCluster;
  let api: SandboxApiServer;
  let n1: SandboxNode;
  let n2: SandboxNode;
  let work: string;
  const pods = new Map<string, { netns: PodNetns; ip: string }>();
  const old = new Map<string, OriginalPod>();
  let cniConfigText: string;
  let sysconfigEnv: Record<string, string>;

  const leaseDir = () => path.join(work, 'cni-networks', 'k8s-ovs');
  const flows = async () => (await n1.ofctl(['dump-flows', n1.mgmtSocket('br0'), '--no-stats', '--no-names'])).stdout;
  const filterRules = async () => (await n1.exec('iptables-save', ['-t', 'filter'])).stdout;
  const reaches = async (from: string, to: string) => (await ping(pods.get(from)!.netns, to, { count: 2, timeoutS: 1 })).received > 0;
  const add = async (name: string, configText?: string) => {
    const netns = await cluster.sandbox.createPodNetns(name);
    const run = await cluster.cni(n1, 'ADD', { containerId: `ctr-${name}`, netns: netns.netnsPath, namespace: 'red', pod: name,
      ...(configText ? { configText } : {}) });
    expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
    return { netns, result: run.json! };
  };

  before(async () => {
    cluster = await SandboxCluster.start({ nodes: 2, underlaySubnet: '10.60.0.0/24' });
    [n1, n2] = [cluster.node('n1'), cluster.node('n2')];
    work = await mkdtemp(path.join(os.tmpdir(), 'k8s-ovs-switch-'));
    // etcd as `k8s-ovs-adm migrate` leaves it: the original's records, the config under its --network.
    await cluster.etcdctl('put', `${PREFIX}/${NETWORK}/config`, JSON.stringify(CONFIG));
    for (const [node, net] of [[n1, NET], [n2, NET2]] as const) {
      await cluster.etcdctl('put', `${PREFIX}/k8ssdn/subnets/${node.ip}`,
        JSON.stringify({ Host: node.name, HostIP: node.ip, Subnet: net.localSubnet, Assign: false }));
    }
    for (const [ns, id] of [['red', RED], ['kube-system', 0], ['default', 5511]] as const) {
      await cluster.etcdctl('put', `${PREFIX}/k8ssdn/netnamespaces/${ns}`, JSON.stringify({ NetName: ns, NetID: id, Action: '', Namespace: '' }));
    }
    // The nodes as the original left them: its switch and rules, pods running (two on n1), on Docker-style hosts.
    await Promise.all([setUpOriginalNode(n1, NET), setUpOriginalNode(n2, NET2)]);
    await addOriginalRemoteNode(n1, { hostIp: n2.ip, subnet: NET2.localSubnet });
    await addOriginalRemoteNode(n2, { hostIp: n1.ip, subnet: NET.localSubnet });
    await n1.exec('iptables', ['-w', '-P', 'FORWARD', 'DROP']);
    for (const [name, node, net] of [['old-a', n1, NET], ['old-b', n1, NET], ['old-c', n2, NET2]] as const) {
      const netns = await cluster.sandbox.createPodNetns(name);
      const dataDir = path.join(work, node === n1 ? 'cni-networks' : 'n2-cni-networks');
      const pod = await addOriginalPod(node, netns, net, { containerId: `ctr-${name}`, vnid: RED, dataDir });
      old.set(name, pod);
      pods.set(name, { netns, ip: pod.ip });
    }
    api = new SandboxApiServer(cluster, CONFIG.ServiceNetwork);
    await api.start();
    await api.node('n1', n1.ip);
    await api.node('n2', n2.ip);
    await api.namespace('red');
    for (const [name, pod] of old) {
      // The kubelet reports the address in the status, which a create leaves out.
      const created = await api.pod('red', name, name === 'old-c' ? 'n2' : 'n1');
      await api.request('PUT', `/api/v1/namespaces/red/pods/${name}/status`, { ...created, status: { phase: 'Running', podIP: pod.ip } });
    }
    // Its files: the CNI config (with the sandbox's socket) and the sysconfig, as its package wrote them.
    cniConfigText = JSON.stringify({ ...ORIGINAL_CNI_CONFIG, daemonSocket: cluster.cniSocket(n1) });
    await writeFile(path.join(work, '80-k8s-ovs.conf'), cniConfigText);
    await writeFile(path.join(work, 'sysconfig'), originalSysconfig({
      etcdEndpoints: cluster.etcdEndpoint, prefixExtra: `--network=${NETWORK}`, kubernetesMaster: `${cluster.sandbox.hub.ip}:${api.port}` }));
    sysconfigEnv = environmentOf(await readFile(path.join(work, 'sysconfig'), 'utf8'));
  });

  after(async () => {
    await cluster?.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('keeps the original\'s pods pinging with no loss while this daemon, started by the original\'s unit, takes over', async () => {
    expect(await reaches('old-a', old.get('old-b')!.ip), 'the original\'s pods talk before the switch').to.equal(true);
    expect(await reaches('old-c', old.get('old-a')!.ip), 'and across nodes').to.equal(true);
    // Both ways between n1's two pods, and from each of them to the pod on n2, which stays on the original.
    const pingers: ContinuousPinger[] = [];
    for (const [from, to] of [['old-a', 'old-b'], ['old-b', 'old-a'], ['old-a', 'old-c'], ['old-c', 'old-b']]) {
      pingers.push(await cluster.sandbox.startPinger(pods.get(from!)!.netns, old.get(to!)!.ip, { intervalMs: 50 }));
    }
    await Promise.all(pingers.map((p) => p.waitForReplies(5)));
    // The original's ExecStart as systemd expands it from the sysconfig; HOSTNAME is empty there, so the
    // Node name is the host name, which this machine has in upper case.
    const argv = expandExecArgs(ORIGINAL_EXEC_ARGS, sysconfigEnv);
    await cluster.startDaemon(n1, [], { argv, utsHostname: 'N1', env: {
      ...sysconfigEnv, ...cluster.sandboxEnvironment(n1), K8S_OVS_HOST_LOCAL_DIR: leaseDir() } });
    // Longer than ping's 1 s reply timeout, within which unanswered pings count as in flight, not lost.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const reports = await Promise.all(pingers.map((p) => p.stop()));
    for (const report of reports) {
      expect(report.lost, `lost pings ${JSON.stringify(report.lostSeqs)} of ${report.transmitted}`).to.equal(0);
      expect(report.transmitted).to.be.greaterThan(40);
    }
    const log = await cluster.log(n1);
    expect(log.split('adopted a pod of the original k8s-ovs').length - 1).to.equal(2);
    expect(log).not.to.include('no Kubernetes Node named');
    expect(log).not.to.include('ignoring flags of the original');
    expect(log).to.match(/k8s-ovs starting node=n1 .* network=prod logLevel=debug/);
    // Every flow is this daemon's now (no cookie 0 left from the original), and the pods' ports say whose they are.
    expect((await flows()).split('\n').filter((line) => line.includes('cookie=0x0,'))).to.deep.equal([]);
    const ids = (await n1.vsctl(['get', 'Interface', old.get('old-a')!.veth, 'external_ids'])).stdout;
    expect(ids).to.include('k8s-ovs-container-id=ctr-old-a').and.include('k8s-ovs-namespace=red').and.include('k8s-ovs-pod=old-a');
  });

  it('never gives a new pod an address the original\'s pods hold, and new and old pods of a tenant talk', async () => {
    const taken = [...old.values()].map((pod) => pod.ip);
    for (const name of ['new-a', 'new-b']) {
      const { netns, result } = await add(name);
      const ip = (result.ips as Array<{ address: string }>)[0]!.address.split('/')[0]!;
      expect(taken, `${name} got ${ip}`).not.to.include(ip);
      taken.push(ip);
      pods.set(name, { netns, ip });
    }
    expect(await reaches('new-a', old.get('old-a')!.ip)).to.equal(true);
    expect(await reaches('old-b', pods.get('new-b')!.ip)).to.equal(true);
    expect(await reaches('new-b', old.get('old-c')!.ip), 'a new pod to a pod of a node still on the original').to.equal(true);
  });

  it('answers a pod created with the original\'s 0.1.0 config with a 0.1.0 result', async () => {
    const { netns, result } = await add('new-c', cniConfigText);
    expect(result.cniVersion).to.equal('0.1.0');
    expect(result).to.have.keys('cniVersion', 'ip4', 'dns');
    const ip4 = result.ip4 as { ip: string; gateway: string; routes: unknown[] };
    expect(ip4.gateway).to.equal(GATEWAY);
    expect(ip4.routes).to.deep.equal([{ dst: '0.0.0.0/0', gw: GATEWAY }, { dst: CONFIG.Network }]);
    const ip = ip4.ip.split('/')[0]!;
    expect([...pods.values()].map((pod) => pod.ip)).not.to.include(ip);
    pods.set('new-c', { netns, ip });
    expect(await reaches('new-c', old.get('old-a')!.ip)).to.equal(true);
  });

  it('removes an old pod cleanly on its DEL: port, veth, flows, address and host-local lease', async () => {
    const b = old.get('old-b')!;
    const del = await cluster.cni(n1, 'DEL', { containerId: b.containerId, netns: pods.get('old-b')!.netns.netnsPath,
      namespace: 'red', pod: 'old-b', configText: cniConfigText });
    expect(del.exitCode, del.stdout).to.equal(0);
    expect((await n1.vsctl(['list-ports', 'br0'])).stdout.split('\n')).not.to.include(b.veth);
    expect((await n1.exec('ip', ['link', 'show', b.veth], { reject: false })).exitCode).not.to.equal(0);
    expect(await flows()).not.to.include(`=${b.ip},`).and.not.to.include(`=${b.ip} `);
    expect(await readdir(leaseDir())).not.to.include(b.ip);
    expect(await readdir(leaseDir())).to.include(old.get('old-a')!.ip);
    expect(await readdir(path.join(cluster.nodeDir(n1), 'state', 'ipam', 'addresses'))).not.to.include(b.ip);
    expect(await reaches('old-a', pods.get('new-a')!.ip)).to.equal(true);
  });

  it('keeps pods reaching the world and the node through a firewall reload on a host that drops by default', async () => {
    const ours = /k8s-ovs: /g;
    expect((await filterRules()).match(ours)?.length).to.equal(4);
    expect((await n1.exec('iptables-save', ['-t', 'nat'])).stdout, 'the original\'s masquerade').not.to.include(`-A POSTROUTING -s ${CONFIG.Network} -j MASQUERADE\n`);
    const listener = await cluster.sandbox.startTcpListener(n1, 9555, { host: GATEWAY });
    // A reload of a RHEL-style firewall: every rule but its own gone, the original's and ours alike.
    await n1.exec('sh', ['-c', 'iptables -w -F INPUT && iptables -w -F FORWARD'
      + ' && iptables -w -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT && iptables -w -A INPUT -i lo -j ACCEPT'
      + ' && iptables -w -A INPUT -j REJECT && iptables -w -A FORWARD -j REJECT']);
    await waitUntil('pods to reach the hub through the node again', () => reaches('old-a', cluster.sandbox.hub.ip), 15_000, 200);
    expect((await tcpConnect(pods.get('new-a')!.netns, GATEWAY, 9555)).outcome, 'a pod to a port on its node').to.equal('connected');
    // The reload removed the pod guard's jump too: it is back, ahead of the accept rules.
    const rules = await waitUntil('the pod guard first in INPUT again', async () => {
      const saved = await filterRules();
      return saved.split('\n').find((line) => line.startsWith('-A INPUT '))?.endsWith('-j K8S-OVS-POD-GUARD') ? saved : undefined;
    }, 10_000, 200);
    expect(rules.match(ours)?.length, 'each rule once').to.equal(4);
    expect(rules).to.include('-A INPUT -j REJECT').and.include('-A FORWARD -j REJECT');
    expect(rules).to.match(/:FORWARD DROP/);
    await listener.stop();
  });
});
