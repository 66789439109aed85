// Issue 18 proof: fixed pod addresses on a two-node sandbox (the master on n2), containerd creating the pods.
import { expect } from 'chai';
import { Cidr, parseIpv4 } from '../../lib/net/ipv4.js';
import { CATEGORY_MASK, type Cookie, renderCookie } from '../../lib/ovs/cookie.js';
import { hostPortName } from '../../lib/sdn/node/podports.js';
import { OwnerKind, fixedAddressOwner, podOwner } from '../../lib/sdn/pipeline/owners.js';
import { Table } from '../../lib/sdn/pipeline/tables.js';
import { adm } from '../support/adm.js';
import { MULTITENANT_CONFIG, PREFIX, SandboxCluster, waitUntil } from '../support/cluster.js';
import { type CriPod, NodeContainerd } from '../support/containerd.js';
import { SandboxApiServer } from '../support/kube.js';
import { buildSandboxImage } from '../support/oci-image.js';
import { type NetnsHandle, type SandboxNode, execIn, ping, randomPrefix } from '../support/sandbox/index.js';

const NET = `${PREFIX}/k8ssdn`;
const ANN = 'k8s.ovs.com/';
const STATIC = '10.130.0.5';
/** Races for one address per round (10.130.0.100 up): 2 in the suite, KOVS_FIXED_RACE_ROUNDS=100 in scripts/fixed-race.sh. */
const RACE_ROUNDS = Math.min(Number(process.env.KOVS_FIXED_RACE_ROUNDS ?? 2), 150);
const STATIC_MAC = '02:00:0a:82:00:05';
const SET_ADDRESSES = ['10.130.1.10', '10.130.1.11'];
const SET_POOL = { [`${ANN}ip-pool`]: SET_ADDRESSES.join(',') };
const MASTER_FLAGS = (kubeconfig: string) => ['--kubeconfig', kubeconfig];
const NODE_FLAGS = (kubeconfig: string) => ['--kubeconfig', kubeconfig, '--master=false'];

interface StoredClaim { Node: string; Namespace: string; Pod: string; MAC: string }

describe('fixed pod addresses (sandbox: two nodes, containerd on both, master on n2)', function () {
  this.timeout(180_000);
  let cluster: SandboxCluster;
  let api: SandboxApiServer;
  let setUid = '';
  const runtimes = new Map<string, NodeContainerd>();
  const pods = new Map<string, CriPod>();
  const node = (name: string): SandboxNode => cluster.node(name);
  const pod = (name: string): CriPod => pods.get(name)!;
  const admIn = (args: string[]) => adm(cluster.sandbox.hub, [...args, '--etcd-endpoints', cluster.etcdEndpoint]);
  const reaches = async (from: string, to: string) => (await ping(pod(from), to, { count: 2, intervalMs: 200, timeoutS: 1 })).received > 0;
  const claims = () => cluster.etcdList(`${NET}/ip-claims/`) as Promise<Map<string, StoredClaim>>;
  const macOf = async (where: NetnsHandle) => (JSON.parse((await execIn(where, 'ip', ['-j', 'link', 'show', 'eth0'])).stdout) as Array<{ address: string }>)[0]!.address;
  const flowsOf = async (at: SandboxNode, owner: Cookie) => (await at.ofctl(['dump-flows', at.mgmtSocket('br0'), '--no-stats',
    `cookie=${renderCookie(owner)}/-1`])).stdout.split('\n').filter((line) => line.includes('cookie='));
  const fixedFlows = (at: SandboxNode, ip: string) => flowsOf(at, fixedAddressOwner(parseIpv4(ip)));
  /** Every fixed-address flow of the node, by the address it names; `?` collects flows naming no claimed address. */
  async function routedOn(at: SandboxNode, ips: readonly string[]): Promise<Map<string, string[]>> {
    const kind = renderCookie(BigInt(OwnerKind.FixedAddress) << 56n);
    const lines = (await at.ofctl(['dump-flows', at.mgmtSocket('br0'), '--no-stats', `cookie=${kind}/${renderCookie(CATEGORY_MASK)}`]))
      .stdout.split('\n').filter((line) => line.includes('cookie='));
    const byIp = new Map<string, string[]>();
    for (const line of lines) {
      const ip = ips.find((each) => new RegExp(`=${each.replace(/\./g, '\\.')}(?![0-9])`).test(line)) ?? '?';
      byIp.set(ip, [...(byIp.get(ip) ?? []), line]);
    }
    return byIp;
  }
  const subnetOf = async (at: SandboxNode) => Cidr.parse(((await cluster.etcdGet(`${NET}/subnets/${at.ip}`)) as { Subnet: string }).Subnet);

  /** A pod of the API server run by `where`'s containerd, as kubelet would; `created` is the API object when made already. */
  async function runPod(
    where: string, namespace: string, name: string, annotations: Record<string, string> = {}, created?: Record<string, unknown>,
  ) {
    const object = created ?? await api.pod(namespace, name, where, annotations);
    const uid = (object.metadata as { uid: string }).uid;
    const running = await runtimes.get(where)!.runPod({ namespace, name, uid, annotations });
    pods.set(name, running);
    return running;
  }

  async function removePod(where: string, name: string, namespace = 'red') {
    await runtimes.get(where)!.removePod(pod(name));
    await api.delete('pods', name, namespace);
    pods.delete(name);
  }

  /** The set's pod at `ordinal` as the StatefulSet controller would make it, run on `where`. */
  async function runSetPod(where: string, ordinal: number) {
    const created = await api.statefulSetPod('red', { name: 'db', uid: setUid }, ordinal, where, SET_POOL);
    return runPod(where, 'red', `db-${ordinal}`, SET_POOL, created);
  }

  /** The real plugin's ADD on `where` for an API pod, in a fresh netns (for pods that must fail or race). */
  async function pluginAdd(
    where: string, namespace: string, name: string, annotations: Record<string, string>, created?: Promise<unknown>,
  ) {
    await (created ?? api.pod(namespace, name, where, annotations));
    const netns = await cluster.sandbox.createPodNetns(name);
    const run = await cluster.cni(node(where), 'ADD', { containerId: `ctr-${name}`, netns: netns.netnsPath, namespace, pod: name });
    return { netns, run };
  }

  before(async () => {
    cluster = await SandboxCluster.start({ prefix: randomPrefix('kfx'), nodes: 2, underlaySubnet: '10.61.18.0/24', config: MULTITENANT_CONFIG });
    api = new SandboxApiServer(cluster, '172.30.0.0/16');
    await api.start();
    await Promise.all([...cluster.sandbox.nodes.map((each) => api.node(each.name, each.ip)), api.namespace('red'), api.namespace('blue'),
      api.create('namespaces', { metadata: { name: 'green', annotations: { [`${ANN}ip-pool`]: 'fixed' } } })]);
    const image = await buildSandboxImage(cluster.sandbox.runDir);
    await Promise.all([cluster.startDaemon(node('n2'), MASTER_FLAGS(api.kubeconfig)), cluster.startDaemon(node('n1'), NODE_FLAGS(api.kubeconfig))]);
    const started = await Promise.allSettled(['n1', 'n2'].map(async (n) => runtimes.set(n, await NodeContainerd.start(cluster, node(n), image))));
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    await waitUntil('the master to number red, blue and green', async () => {
      const records = await cluster.etcdList(`${NET}/netnamespaces/`);
      return ['red', 'blue', 'green'].every((ns) => records.has(ns));
    });
  });

  after(async () => {
    const stopped = await Promise.allSettled([...runtimes.values()].map((runtime) => runtime.stop()));
    await cluster?.destroy();
    const failed = stopped.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    if (failed.length) throw new AggregateError(failed, 'stopping containerd failed');
  });

  it('takes pools from k8s-ovs-adm and from etcdctl once the master accepts them, and refuses one over a HostSubnet in use', async () => {
    const created = await admIn(['ippool', 'create', 'fixed', '--cidr', '10.130.0.0/24', '--namespaces', 'red,blue,green']);
    expect(created.exitCode, created.stderr).to.equal(0);
    expect(created.stdout).to.match(/^fixed\s+10\.130\.0\.0\/24\s+red,blue,green\s+254\s+0\s+254\s+Accepted$/m);
    await cluster.etcdctl('put', `${NET}/ippools/db`, JSON.stringify({ Ranges: ['10.130.1.10-10.130.1.11'], Namespaces: ['red'] }));
    const taken = (await subnetOf(node('n1'))).toString();
    const refused = await admIn(['ippool', 'create', 'clash', '--cidr', taken, '--namespaces', 'red']);
    expect(refused.exitCode).to.equal(1);
    expect(refused.stderr).to.include(`the master refused IP pool clash: it overlaps HostSubnets in use: n1 (${node('n1').ip}) holds ${taken}`);
    await waitUntil('the master to accept pool db', async () => (await admIn(['get', 'ippools', 'db'])).stdout.includes('Accepted'));
  });

  it('gives a pod the address and MAC it names, reported by the runtime and get ips, reached from both nodes by its tenant only', async () => {
    const [web] = await Promise.all([
      runPod('n1', 'red', 'web', { [`${ANN}ip-address`]: STATIC, [`${ANN}mac-address`]: STATIC_MAC }),
      runPod('n1', 'red', 'red-a'), runPod('n1', 'blue', 'blue-a'), runPod('n2', 'red', 'red-b'), runPod('n2', 'blue', 'blue-b'),
      runPod('n2', 'green', 'green-a'),
    ]);
    expect(web.ip, 'the CNI result, as containerd reports the pod IP').to.equal(STATIC);
    expect(await macOf(web)).to.equal(STATIC_MAC);
    const seen = await Promise.all(['red-a', 'red-b', 'blue-a', 'blue-b'].map((from) => reaches(from, STATIC)));
    expect(seen, 'red-a, red-b, blue-a, blue-b ping web').to.deep.equal([true, true, false, false]);
    expect(await Promise.all([pod('red-b').ip, pod('blue-b').ip].map((to) => reaches('web', to))), 'web pings red-b, blue-b')
      .to.deep.equal([true, false]);
    const listed = await admIn(['get', 'ips', 'red/web']);
    expect(listed.stdout).to.match(new RegExp(`^${STATIC.replace(/\./g, '\\.')}\\s+${STATIC_MAC}\\s+red/web\\s+n1 \\(${node('n1').ip.replace(/\./g, '\\.')}\\)\\s+static\\s+fixed\\s+no$`, 'm'));
    const stored = await api.request('GET', '/api/v1/namespaces/red/pods/web') as { metadata: { annotations: Record<string, string> } };
    expect(stored.metadata.annotations, 'the request annotations are left as written').to.deep.equal({
      [`${ANN}ip-address`]: STATIC, [`${ANN}mac-address`]: STATIC_MAC });
  });

  it('gives a pod of a namespace with a default pool an address of that pool', async () => {
    const pooled = pod('green-a');
    expect(Cidr.parse('10.130.0.0/24').contains(pooled.ip), pooled.ip).to.equal(true);
    const listed = await admIn(['get', 'ips', 'green/green-a']);
    expect(listed.stdout).to.match(new RegExp(`^${pooled.ip.replace(/\./g, '\\.')}\\s+0a:58:\\S+\\s+green/green-a\\s+n2 \\S+\\s+pool\\s+fixed\\s+no$`, 'm'));
  });

  it('refuses every bad or hostile annotation with its CNI code and a message naming why, leaving no interface, claim or port', async () => {
    const gateway = (await subnetOf(node('n2'))).address(1);
    const ip = (address: string) => ({ [`${ANN}ip-address`]: address });
    const cases: Array<{ name: string; namespace: string; annotations: Record<string, string>; code: number; msg: RegExp }> = [
      { name: 'bad-pool', namespace: 'blue', annotations: { [`${ANN}ip-pool`]: 'db' }, code: 102, msg: /IP pool db does not allow namespace blue/ },
      { name: 'bad-other', namespace: 'blue', annotations: ip('10.130.1.11'), code: 102, msg: /IP pool db \(10\.130\.1\.11\) does not allow namespace blue/ },
      { name: 'bad-taken', namespace: 'blue', annotations: ip(STATIC), code: 101, msg: /10\.130\.0\.5 is claimed by a pod of another namespace/ },
      { name: 'bad-mac', namespace: 'red', annotations: { ...ip('10.130.0.60'), [`${ANN}mac-address`]: STATIC_MAC }, code: 101,
        msg: /MAC 02:00:0a:82:00:05 is claimed by another pod \(address 10\.130\.0\.5\)/ },
      { name: 'bad-gw', namespace: 'red', annotations: ip(gateway), code: 102, msg: new RegExp(`${gateway} is the gateway of node n2's HostSubnet`) },
      { name: 'bad-podip', namespace: 'red', annotations: ip(pod('red-b').ip), code: 102, msg: /is inside node n2's HostSubnet .*only IP pool addresses can be fixed/ },
      { name: 'bad-node', namespace: 'red', annotations: ip(node('n1').ip), code: 102, msg: /is outside the cluster network 10\.128\.0\.0\/14/ },
      { name: 'bad-svc', namespace: 'red', annotations: ip('172.30.0.1'), code: 102, msg: /172\.30\.0\.1 is outside the cluster network/ },
      { name: 'bad-bcast', namespace: 'red', annotations: ip('10.131.255.255'), code: 102, msg: /broadcast address of the cluster network/ },
      { name: 'bad-net', namespace: 'red', annotations: ip('10.130.0.0'), code: 102, msg: /the network address of pool fixed/ },
      { name: 'bad-nopool', namespace: 'red', annotations: ip('10.130.2.7'), code: 102, msg: /10\.130\.2\.7 is in no IP pool/ },
      { name: 'bad-text', namespace: 'red', annotations: ip('10.130.0.300'), code: 102, msg: /"10\.130\.0\.300" is not one IPv4 address/ },
      { name: 'bad-mcast', namespace: 'red', annotations: { ...ip('10.130.0.61'), [`${ANN}mac-address`]: '01:00:5e:00:00:01' }, code: 102,
        msg: /is a multicast or broadcast MAC address/ },
      { name: 'bad-unknown', namespace: 'red', annotations: { [`${ANN}ip-pool`]: 'nosuch' }, code: 102, msg: /IP pool "nosuch" does not exist/ },
    ];
    const claimedBefore = [...(await claims()).keys()];
    const short = api.statefulSetPod('red', { name: 'short', uid: 'short-uid' }, 2, 'n1', SET_POOL);
    const runs = await Promise.all([...cases.map((c) => pluginAdd('n1', c.namespace, c.name, c.annotations)),
      pluginAdd('n1', 'red', 'short-2', SET_POOL, short)]);
    cases.push({ name: 'short-2', namespace: 'red', annotations: SET_POOL, code: 102, msg: /lists 2 address\(es\), fewer than StatefulSet short needs: pod ordinal 2/ });
    const ports = (await node('n1').vsctl(['list-ports', 'br0'])).stdout.split('\n');
    for (const [i, { name, code, msg }] of cases.entries()) {
      const { run, netns } = runs[i]!;
      expect(run.exitCode, `${name}: ${run.stdout}`).to.not.equal(0);
      expect(run.json, name).to.include({ code });
      expect(String(run.json!.msg), name).to.match(msg);
      expect((await netns.exec('ip', ['link', 'show', 'eth0'], { reject: false })).exitCode, `${name}: no eth0`).to.not.equal(0);
      expect(ports, `${name}: no port`).to.not.include(hostPortName(`ctr-${name}`, 'eth0'));
    }
    expect([...(await claims()).keys()], 'no claim taken').to.deep.equal(claimedBefore);
  });

  it('lets exactly one of two pods racing for one address on different nodes run; the other gets code 101 and nothing', async function () {
    this.timeout(60_000 + RACE_ROUNDS * 10_000);
    for (let round = 0; round < RACE_ROUNDS; round++) {
      const address = `10.130.0.${100 + round}`;
      const [a, b] = await Promise.all([pluginAdd('n1', 'red', `race-a${round}`, { [`${ANN}ip-address`]: address }),
        pluginAdd('n2', 'red', `race-b${round}`, { [`${ANN}ip-address`]: address })]);
      const winners = [a, b].filter((side) => side.run.exitCode === 0);
      expect(winners, `round ${round}: ${a.run.stdout} ${b.run.stdout}`).to.have.length(1);
      const loser = a.run.exitCode === 0 ? b : a;
      expect(loser.run.json).to.include({ code: 101 });
      expect(String(loser.run.json!.msg)).to.match(new RegExp(`${address} is claimed by pod red/race-[ab]${round}`));
      expect((await loser.netns.exec('ip', ['link', 'show', 'eth0'], { reject: false })).exitCode, 'no eth0 in the loser').to.not.equal(0);
      expect((await claims()).get(address)?.Pod).to.equal(winners[0] === a ? `race-a${round}` : `race-b${round}`);
    }
  });

  it('keeps a StatefulSet pod\'s IP and MAC when it is re-created on the other node, which the old node then tunnels to, for its tenant only', async () => {
    setUid = await api.statefulSet('red', 'db', 2, SET_POOL);
    const first = await runSetPod('n2', 0);
    expect(first.ip).to.equal(SET_ADDRESSES[0]);
    const mac = await macOf(first);
    await removePod('n2', 'db-0');
    expect((await claims()).get(SET_ADDRESSES[0]!), 'kept for its name').to.deep.include({ Node: '', Pod: 'db-0', MAC: mac });
    const second = await runSetPod('n1', 0);
    const ready = Date.now();
    expect(second.ip).to.equal(SET_ADDRESSES[0]);
    expect(await macOf(second)).to.equal(mac);
    await waitUntil('red-b on n2 to reach db-0 on n1', () => reaches('red-b', SET_ADDRESSES[0]!), 10_000, 0);
    console.log(`      db-0 answered red-b on its old node ${Date.now() - ready} ms after its ADD on n1 returned`);
    expect(await reaches('blue-b', SET_ADDRESSES[0]!), 'blue-b on n2 pings db-0 through the /32 route').to.equal(false);
    const onOld = (await fixedFlows(node('n2'), SET_ADDRESSES[0]!)).join('\n');
    expect(onOld, 'n2 sends it to n1 and dispatches nothing to a local pod').to.include(`set_field:${node('n1').ip}->tun_dst`)
      .and.not.include('goto_table:70');
    await waitUntil('n1 to announce it', async () => (await cluster.log(node('n1'))).includes('fixed address announced on its new node'));
  });

  it('keeps a scaled-down ordinal\'s address while its pod exists, releases it after, and gives it back on scale-up', async () => {
    expect((await runSetPod('n2', 1)).ip).to.equal(SET_ADDRESSES[1]);
    await api.scale('red', 'db', 1);
    await waitUntil('the master to see db scaled to 1 and keep db-1\'s address', async () => (await cluster.log(node('n2')))
      .split('\n').some((line) => line.includes('fixed address kept while its pod exists') && line.includes(SET_ADDRESSES[1]!)));
    expect((await claims()).get(SET_ADDRESSES[1]!), 'db-1 still exists').to.deep.include({ Pod: 'db-1', Node: node('n2').ip });
    await removePod('n2', 'db-1');
    await waitUntil('db-1\'s address to be released', async () => !(await claims()).has(SET_ADDRESSES[1]!));
    await api.scale('red', 'db', 2);
    expect((await runSetPod('n1', 1)).ip).to.equal(SET_ADDRESSES[1]);
  });

  it('frees a static address at DEL with the master down, keeps retained ones until it returns, then releases those', async () => {
    await cluster.stopDaemon(node('n2'));
    await removePod('n1', 'web');
    expect((await claims()).has(STATIC), 'DEL freed it without a master').to.equal(false);
    await api.delete('statefulsets', 'db', 'red');
    await Promise.all([removePod('n1', 'db-0'), removePod('n1', 'db-1')]);
    const held = await claims();
    expect(SET_ADDRESSES.map((address) => held.get(address)?.Node), 'no master, no release of retained addresses').to.deep.equal(['', '']);
    await cluster.startDaemon(node('n2'), MASTER_FLAGS(api.kubeconfig));
    await waitUntil('the returning master to release the StatefulSet\'s addresses', async () => {
      const now = await claims();
      return SET_ADDRESSES.every((address) => !now.has(address));
    }, 30_000);
    expect((await runPod('n1', 'red', 'web2', { [`${ANN}ip-address`]: STATIC })).ip).to.equal(STATIC);
  });

  it('retags a fixed address with its namespace: blue reaches red\'s fixed pod on the other node once it joins red', async () => {
    expect(await reaches('blue-b', STATIC), 'before the join').to.equal(false);
    const joined = await admIn(['pod-network', 'join-namespaces', '--to=red', 'blue']);
    expect(joined.exitCode, joined.stderr).to.equal(0);
    await waitUntil('blue-b on n2 to reach web2 on n1', () => reaches('blue-b', STATIC), 20_000, 0);
    expect(await reaches('blue-a', STATIC), 'blue-a on n1').to.equal(true);
  });

  it('applies NetworkPolicy to what a fixed pod\'s /32 route brings: a deny-all ingress on red stops blue-b until it is deleted', async () => {
    const isolations = async () => (await node('n1').ofctl(['dump-flows', node('n1').mgmtSocket('br0'), '--no-stats', `table=${Table.IngressPolicy}`]))
      .stdout.split('\n').filter((line) => line.includes('priority=50,')).length;
    await api.create('networkpolicies', { metadata: { name: 'deny-in', namespace: 'red' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
    try {
      await waitUntil('n1 to isolate red\'s pods for ingress', async () => (await isolations()) > 0);
      expect(await reaches('blue-b', STATIC), 'blue-b on n2 to web2 on n1, isolated').to.equal(false);
    } finally {
      await api.delete('networkpolicies', 'deny-in', 'red');
    }
    await waitUntil('blue-b to reach web2 again', () => reaches('blue-b', STATIC), 20_000, 0);
  });

  it('routes on every node exactly the addresses etcd holds, after an etcd compaction and ovs-vswitchd restarts on both nodes', async () => {
    const { header } = JSON.parse(await cluster.etcdctl('get', `${NET}/ip-claims/`, '--prefix', '--keys-only', '-w', 'json')) as { header: { revision: number } };
    await cluster.etcdctl('compact', String(header.revision));
    await Promise.all([node('n1').restartVswitchd(), node('n2').restartVswitchd()]);
    const held = [...(await claims()).entries()].filter(([, claim]) => claim.Node !== '');
    expect(held.map(([ip]) => ip), 'web2 and the race winners').to.include.members([STATIC, '10.130.0.100', '10.130.0.101']);
    const ips = held.map(([ip]) => ip);
    for (const at of [node('n1'), node('n2')]) {
      await waitUntil(`${at.name} to route every claimed address again`, async () => {
        const routed = await routedOn(at, ips);
        return !routed.has('?') && held.every(([ip, claim]) => {
          const lines = routed.get(ip) ?? [];
          if (claim.Node === at.ip) return lines.length === 2 && lines.every((line) => !line.includes('tun_dst'));
          return lines.length === 4 && lines.filter((line) => line.includes(`set_field:${claim.Node}->tun_dst`)).length === 2
            && lines.filter((line) => line.includes(`tun_src=${claim.Node}`)).length === 2;
        });
      }, 20_000, 200);
    }
    expect(await reaches('red-b', STATIC), 'red-b on n2 reaches web2 on n1 again').to.equal(true);
  });

  it('leaves no claim behind when the daemon is killed during an ADD of a static address', async () => {
    const key = `${NET}/ip-claims/10.130.0.50`;
    await api.pod('red', 'victim', 'n1', { [`${ANN}ip-address`]: '10.130.0.50' });
    const netns = await cluster.sandbox.createPodNetns('victim');
    // The watch starts at the next revision, so it reports the claim's PUT even if etcd commits it before the watch is set up.
    const { header } = JSON.parse(await cluster.etcdctl('get', key, '-w', 'json')) as { header: { revision: number } };
    const watcher = await cluster.sandbox.startProcess(cluster.sandbox.hub, 'etcdctl',
      ['--endpoints', cluster.etcdEndpoint, 'watch', key, '--rev', String(header.revision + 1)], { env: { ETCDCTL_API: '3' }, stdio: 'pipe' });
    const claimed = new Promise<void>((resolve) => watcher.subprocess.stdout?.once('data', () => resolve()).resume());
    const add = cluster.cni(node('n1'), 'ADD', { containerId: 'ctr-victim', netns: netns.netnsPath, namespace: 'red', pod: 'victim' });
    await claimed;
    await cluster.stopDaemon(node('n1'), 'SIGKILL');
    await watcher.stop();
    expect((await add).exitCode, 'the interrupted ADD fails, so the runtime retries it').to.not.equal(0);
    await cluster.startDaemon(node('n1'), NODE_FLAGS(api.kubeconfig));
    const port = hostPortName('ctr-victim', 'eth0');
    const hasPort = (await node('n1').vsctl(['list-ports', 'br0'])).stdout.split('\n').includes(port);
    const claim = (await claims()).get('10.130.0.50');
    expect(Boolean(claim), `a claim exists exactly when the sandbox's port does (port: ${hasPort})`).to.equal(hasPort);
    // What containerd does after a failed network setup: DEL, then ADD again.
    const cleaned = await cluster.cni(node('n1'), 'DEL', { containerId: 'ctr-victim', netns: netns.netnsPath, namespace: 'red', pod: 'victim' });
    expect(cleaned.exitCode, cleaned.stdout).to.equal(0);
    const retried = await cluster.cni(node('n1'), 'ADD', { containerId: 'ctr-victim', netns: netns.netnsPath, namespace: 'red', pod: 'victim' });
    expect(retried.exitCode, retried.stdout).to.equal(0);
    expect((await claims()).get('10.130.0.50')?.Pod).to.equal('victim');
    await cluster.cni(node('n1'), 'DEL', { containerId: 'ctr-victim', netns: netns.netnsPath, namespace: 'red', pod: 'victim' });
    expect((await claims()).has('10.130.0.50')).to.equal(false);
    expect(await flowsOf(node('n1'), podOwner(port))).to.deep.equal([]);
  });
});
