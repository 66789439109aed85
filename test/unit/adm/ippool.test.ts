// `k8s-ovs-adm ippool create|delete|get`, `get ippools` and `get ips` against an in-memory etcd with a scripted master.
import { expect } from 'chai';
import { runAdm } from '../../../lib/adm/program.js';
import { CONFIG, MemoryStore, fakeEnvironment } from './memory-store.js';

const claim = (ip: string, pod: string, extra: object = {}) => JSON.stringify({
  IP: ip, MAC: '0a:58:0a:80:04:05', Namespace: 'red', Pod: pod, PodUID: 'u', Node: '10.91.0.1', ContainerID: 'c', Kind: 'pool',
  Pool: 'db', Retain: false, Time: '', ...extra,
});

function cluster(verdict: 'Accepted' | 'Refused' | 'none' = 'Accepted'): MemoryStore {
  const store = new MemoryStore();
  store.put('config', CONFIG);
  store.put('k8ssdn/subnets/10.91.0.1', JSON.stringify({ Host: 'n1', HostIP: '10.91.0.1', Subnet: '10.128.0.0/23', Assign: false }));
  // The master: judges every pool version written after it.
  store.afterCommit = (s) => {
    for (const kv of s.data.values()) {
      if (!kv.key.startsWith('k8ssdn/ippools/') || verdict === 'none') continue;
      const statusKey = `k8ssdn/ippool-status/${kv.key.slice('k8ssdn/ippools/'.length)}`;
      if (JSON.parse(s.data.get(statusKey)?.value ?? '{"Revision":0}').Revision === kv.modRevision) continue;
      s.put(statusKey, JSON.stringify({ Revision: kv.modRevision, State: verdict, Reason: verdict === 'Refused' ? 'it overlaps HostSubnets in use: n1' : '' }));
    }
  };
  return store;
}

describe('k8s-ovs-adm ippool and get ippools|ips', () => {
  it('creates a pool, waits for the master to accept it and prints it', async () => {
    const store = cluster();
    const env = fakeEnvironment(store);
    expect(await runAdm(['ippool', 'create', 'db', '--cidr', '10.128.4.0/24', '--namespaces', 'red,blue'], env, {}), env.stderr).to.equal(0);
    expect(env.stdout).to.equal('NAME   ADDRESSES       NAMESPACES   SIZE   USED   FREE   STATUS\n'
      + 'db     10.128.4.0/24   red,blue     254    0      254    Accepted\n');
    expect(JSON.parse(store.data.get('k8ssdn/ippools/db')!.value)).to.deep.equal({ Name: 'db', CIDR: '10.128.4.0/24', Namespaces: ['red', 'blue'] });
  });

  it('exits 1 with the master\'s reason when it refuses the pool, and when no master answers', async () => {
    let env = fakeEnvironment(cluster('Refused'));
    expect(await runAdm(['ippool', 'create', 'db', '--range', '10.128.1.1-10.128.1.9', '--namespaces', '*'], env, {})).to.equal(1);
    expect(env.stderr).to.equal('error: the master refused IP pool db: it overlaps HostSubnets in use: n1\n');
    env = fakeEnvironment(cluster('none'));
    expect(await runAdm(['ippool', 'create', 'db', '--cidr', '10.128.4.0/24', '--namespaces', 'red', '--timeout', '2'], env, {})).to.equal(1);
    expect(env.stderr).to.match(/the master did not judge IP pool db within 2 s.*check that a master runs/);
  });

  it('checks the pool against the network before writing, and will not overwrite one without --replace', async () => {
    const store = cluster();
    let env = fakeEnvironment(store);
    expect(await runAdm(['ippool', 'create', 'db', '--cidr', '192.168.0.0/24', '--namespaces', 'red'], env, {})).to.equal(2);
    expect(env.stderr).to.match(/CIDR: 192.168.0.0\/24 is not inside the cluster network 10.128.0.0\/21/);
    expect(store.data.has('k8ssdn/ippools/db')).to.equal(false);
    await runAdm(['ippool', 'create', 'db', '--cidr', '10.128.4.0/24', '--namespaces', 'red'], fakeEnvironment(store), {});
    env = fakeEnvironment(store);
    expect(await runAdm(['ippool', 'create', 'db', '--cidr', '10.128.5.0/24', '--namespaces', 'red'], env, {})).to.equal(1);
    expect(env.stderr).to.match(/IP pool db exists .* give --replace/);
    env = fakeEnvironment(store);
    expect(await runAdm(['ippool', 'create', 'db', '--cidr', '10.128.5.0/24', '--namespaces', 'red', '--replace'], env, {})).to.equal(0);
  });

  it('lists pools with their use, and the fixed addresses with MAC, pod, node, kind, pool and retention', async () => {
    const store = cluster();
    await runAdm(['ippool', 'create', 'db', '--cidr', '10.128.4.0/24', '--namespaces', 'red'], fakeEnvironment(store), {});
    store.put('k8ssdn/ip-claims/10.128.4.5', claim('10.128.4.5', 'db-0', { Retain: true, Node: '', ContainerID: '',
      StatefulSet: { Name: 'db', UID: 's', Ordinal: 0 } }));
    store.put('k8ssdn/ip-claims/10.128.4.9', claim('10.128.4.9', 'web', { Kind: 'static' }));
    let env = fakeEnvironment(store);
    expect(await runAdm(['get', 'ippools'], env, {})).to.equal(0);
    expect(env.stdout).to.match(/^db\s+10.128.4.0\/24\s+red\s+254\s+2\s+252\s+Accepted$/m);
    env = fakeEnvironment(store);
    expect(await runAdm(['get', 'ips'], env, {})).to.equal(0);
    expect(env.stdout).to.equal(
      'ADDRESS      MAC                 POD        NODE             KIND     POOL   RETAINED\n'
      + '10.128.4.5   0a:58:0a:80:04:05   red/db-0   <none, kept>     pool     db     yes (db, ordinal 0)\n'
      + '10.128.4.9   0a:58:0a:80:04:05   red/web    n1 (10.91.0.1)   static   db     no\n');
    env = fakeEnvironment(store);
    expect(await runAdm(['get', 'ip', 'red/web', '-o', 'json'], env, {})).to.equal(0);
    expect(JSON.parse(env.stdout).items).to.deep.equal([{ Address: '10.128.4.9', MAC: '0a:58:0a:80:04:05', Namespace: 'red', Pod: 'web',
      Node: '10.91.0.1', Host: 'n1', Kind: 'static', Pool: 'db', Retained: false }]);
  });

  it('refuses to delete a pool whose addresses are claimed unless forced', async () => {
    const store = cluster();
    await runAdm(['ippool', 'create', 'db', '--cidr', '10.128.4.0/24', '--namespaces', 'red'], fakeEnvironment(store), {});
    store.put('k8ssdn/ip-claims/10.128.4.9', claim('10.128.4.9', 'web'));
    let env = fakeEnvironment(store);
    expect(await runAdm(['ippool', 'delete', 'db'], env, {})).to.equal(1);
    expect(env.stderr).to.match(/1 address\(es\) of IP pool db are claimed \(10.128.4.9 red\/web\)/);
    env = fakeEnvironment(store);
    expect(await runAdm(['ippool', 'delete', 'db', '--force'], env, {})).to.equal(0);
    expect(env.stdout).to.equal('deleted IP pool db (1 claimed address(es) stay with their pods)\n');
    expect(store.data.has('k8ssdn/ippools/db')).to.equal(false);
  });
});
