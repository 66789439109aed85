// The command line itself: usage errors exit 2 before etcd is touched, help, the K8S_OVS_* environment, get and hostsubnet.
import { expect } from 'chai';
import { runAdm, sharedEnvironment } from '../../../lib/adm/program.js';
import { CONFIG, MemoryStore, fakeEnvironment } from './memory-store.js';

function cluster(): MemoryStore {
  const store = new MemoryStore();
  store.put('config', CONFIG);
  store.put('k8ssdn/netnamespaces/red', JSON.stringify({ NetName: 'red', NetID: 11, Action: '', Namespace: '' }));
  store.put('k8ssdn/netnamespaces/blue', JSON.stringify({ NetName: 'blue', NetID: 12, Action: 'join', Namespace: 'red' }));
  store.put('k8ssdn/netnamespaces/bad', '{"NetName":"bad"}');
  store.put('k8ssdn/subnets/10.91.0.1', JSON.stringify({ Host: 'n1', HostIP: '10.91.0.1', Subnet: '10.128.0.0/23', Assign: false }));
  return store;
}

describe('k8s-ovs-adm command line', () => {
  it('exits 2 with a message naming the fix, without opening etcd, for bad arguments', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /name a command: pod-network, get, hostsubnet, ippool, trace, status or migrate/],
      [['pod-network'], /name a pod-network command/],
      [['pod-network', 'join-namespaces', 'blue'], /needs --to=<namespace>/],
      [['get', 'pods'], /unknown resource "pods": use netnamespaces, hostsubnets, nodes, ippools or ips/],
      [['get'], /name what to get: netnamespaces, hostsubnets, nodes, ippools or ips/],
      [['ippool', 'create', 'DB', '--cidr', '10.130.0.0/24', '--namespaces', 'red'], /"DB" is not a DNS label/],
      [['ippool', 'create', 'db', '--namespaces', 'red'], /give either --cidr or --range/],
      [['ippool', 'create', 'db', '--cidr', '10.130.0.0/24'], /Missing required argument: namespaces/],
      [['get', 'netns', '-o', 'xml'], /Invalid values:[\s\S]*output/],
      [['hostsubnet', 'assign', 'gw', '10.0.0.300'], /"10\.0\.0\.300" is not an IPv4 address/],
      [['trace', 'red-a', '10.0.0.1'], /source "red-a" is not <namespace>\/<pod>/],
      [['statuss'], /unknown command\. Did you mean status\?/],
      [['status', '--bogus'], /Unknown argument: bogus/],
      [['migrate'], /Missing required argument: from-v2/],
    ];
    for (const [argv, message] of cases) {
      const env = fakeEnvironment(cluster());
      expect(await runAdm(argv, env, {}), argv.join(' ')).to.equal(2);
      expect(env.stderr, argv.join(' ')).to.match(message);
      expect(env.opened, argv.join(' ')).to.deep.equal([]);
    }
  });

  it('takes the etcd flags from K8S_OVS_* like the daemon, ignoring the daemon\'s own variables', async () => {
    expect(sharedEnvironment({ K8S_OVS_ETCD_ENDPOINTS: 'http://10.0.0.1:2379', K8S_OVS_HOSTNAME: 'n1', K8S_OVS_OVS_RUNDIR: '/run/ovs' }))
      .to.deep.equal({ 'etcd-endpoints': 'http://10.0.0.1:2379' });
    const env = fakeEnvironment(cluster());
    const variables = { K8S_OVS_ETCD_ENDPOINTS: 'http://10.0.0.1:2379', K8S_OVS_ETCD_PREFIX: '/k8s.ovs.com/ovs/network',
      K8S_OVS_HOSTNAME: 'n1', K8S_OVS_OVS_RUNDIR: '/run/ovs', K8S_OVS_BRIDGE: 'br1', K8S_OVS_DATAPATH_TYPE: 'netdev' };
    expect(await runAdm(['get', 'netns', 'red'], env, variables), env.stderr).to.equal(0);
    expect(env.opened[0]).to.deep.include({ endpoints: ['http://10.0.0.1:2379'] });
    const flagWins = fakeEnvironment(cluster());
    await runAdm(['get', 'netns', 'red', '--etcd-endpoints', 'http://10.0.0.2:2379'], flagWins, variables);
    expect(flagWins.opened[0]).to.deep.include({ endpoints: ['http://10.0.0.2:2379'] });
  });

  it('lists netnamespaces as a table, JSON and YAML, and warns about records it cannot read', async () => {
    let env = fakeEnvironment(cluster());
    expect(await runAdm(['get', 'netnamespaces'], env, {})).to.equal(0);
    expect(env.stdout).to.equal('NAME   NETID   PENDING\nblue   12      join red\nred    11      <none>\n');
    expect(env.stderr).to.match(/^warning: skipped an invalid record: \/k8s\.ovs\.com\/ovs\/network\/k8ssdn\/netnamespaces\/bad: NetID is missing/);
    env = fakeEnvironment(cluster());
    expect(await runAdm(['get', 'netnamespace', 'red', '-o', 'json'], env, {})).to.equal(0);
    expect(JSON.parse(env.stdout)).to.deep.equal({ kind: 'NetNamespaceList', items: [{ NetName: 'red', NetID: 11, Action: '', Namespace: '' }] });
    env = fakeEnvironment(cluster());
    expect(await runAdm(['get', 'hostsubnets', '-o', 'yaml'], env, {})).to.equal(0);
    expect(env.stdout).to.equal('kind: HostSubnetList\nitems:\n  - Host: n1\n    HostIP: 10.91.0.1\n    Subnet: 10.128.0.0/23\n    Assign: false\n');
  });

  it('exits 1 when a named record does not exist', async () => {
    const env = fakeEnvironment(cluster());
    expect(await runAdm(['get', 'hostsubnets', 'n1', 'n9'], env, {})).to.equal(1);
    expect(env.stdout).to.match(/^n1 /m);
    expect(env.stderr).to.contain('error: hostsubnet "n9" not found');
  });

  it('says which key is missing when the network config is not in etcd', async () => {
    const env = fakeEnvironment(new MemoryStore());
    expect(await runAdm(['status'], env, {})).to.equal(1);
    expect(env.stderr).to.match(/no network config at \/k8s\.ovs\.com\/ovs\/network\/config: check --etcd-prefix/);
  });

  it('reads the config from <prefix>/<network>/config with --network or the original sysconfig\'s flags', async () => {
    const store = cluster();
    store.put('prod/config', store.data.get('config')!.value);
    store.delete('config');
    let env = fakeEnvironment(store);
    expect(await runAdm(['get', 'netns', 'red', '--network', 'prod'], env, {}), env.stderr).to.equal(0);
    env = fakeEnvironment(store);
    expect(await runAdm(['get', 'netns', 'red'], env, { K8S_OVS_ETCD_PREFIX: '--etcd-prefix=/k8s.ovs.com/ovs/network --network=prod' }), env.stderr)
      .to.equal(0);
    env = fakeEnvironment(store);
    expect(await runAdm(['get', 'netns', 'red'], env, {})).to.equal(1);
    expect(env.stderr).to.match(/no network config at \/k8s\.ovs\.com\/ovs\/network\/config: check --etcd-prefix \(default [^)]+\) and --network/);
  });

  it('asks for a subnet and prints what the master assigned', async () => {
    const store = cluster();
    store.afterCommit = (s) => {
      const kv = s.data.get('k8ssdn/subnets/192.168.50.9');
      if (kv && JSON.parse(kv.value).Assign) {
        s.put(kv.key, JSON.stringify({ Host: 'gw1', HostIP: '192.168.50.9', Subnet: '10.128.4.0/23', Assign: false }));
        s.put('k8ssdn/subnet-claims/10.128.4.0/23', '192.168.50.9');
      }
    };
    const env = fakeEnvironment(store);
    expect(await runAdm(['hostsubnet', 'assign', 'gw1', '192.168.50.9'], env, {}), env.stderr).to.equal(0);
    expect(env.stdout).to.equal('HOST   HOST-IP        SUBNET\ngw1    192.168.50.9   10.128.4.0/23\n');
    const again = fakeEnvironment(store);
    expect(await runAdm(['hostsubnet', 'assign', 'gw2', '192.168.50.9'], again, {})).to.equal(1);
    expect(again.stderr).to.match(/already has a HostSubnet for host "gw1" \(10\.128\.4\.0\/23\); release it first/);
  });

  it('releases a subnet and its claim in one transaction, remembering it for the host, but not under a running daemon', async () => {
    const store = cluster();
    store.put('k8ssdn/subnet-claims/10.128.0.0/23', '10.91.0.1');
    store.put('k8ssdn/nodes/10.91.0.1', JSON.stringify({ Host: 'n1', Version: '0.1.0', PipelineVersion: 1, Time: '2024-05-01T11:59:55Z' }));
    let env = fakeEnvironment(store);
    expect(await runAdm(['hostsubnet', 'release', '10.91.0.1'], env, {})).to.equal(1);
    expect(env.stderr).to.match(/a k8s-ovs daemon on "n1" \(last heartbeat 5s ago\) runs with this subnet.*or give --force/);
    const commits = store.commits;
    env = fakeEnvironment(store);
    expect(await runAdm(['hostsubnet', 'release', '10.91.0.1', '--force'], env, {})).to.equal(0);
    expect(env.stdout).to.equal('released 10.128.0.0/23 of n1 (10.91.0.1)\n');
    expect(store.commits).to.equal(commits + 1);
    // Record and claim are gone; only the history remains, so a returning host gets the subnet back.
    expect([...store.data.keys()].filter((k) => k.includes('subnet'))).to.deep.equal(['k8ssdn/subnet-history/10.91.0.1']);
    expect(store.data.get('k8ssdn/subnet-history/10.91.0.1')).to.deep.include({ value: '10.128.0.0/23' });
  });

  it('explains a subnet request that waits because the pool is full', async () => {
    const store = cluster();
    for (const [i, ip] of ['10.91.0.1', '10.91.0.2', '10.91.0.3', '10.91.0.4'].entries()) store.put(`k8ssdn/subnet-claims/10.128.${i * 2}.0/23`, ip);
    const env = fakeEnvironment(store);
    expect(await runAdm(['hostsubnet', 'assign', 'gw', '10.91.0.50', '--timeout', '1'], env, {})).to.equal(1);
    expect(env.stderr).to.match(/has no free \/23 left \(4 of 4 in use\): release one/);
  });
});
