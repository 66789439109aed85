// Tenant actions from the CLI against an in-memory etcd and a scripted master: validation, CAS, waiting, answers.
import { expect } from 'chai';
import { runAdm } from '../../../lib/adm/program.js';
import { planTenantRequests } from '../../../lib/adm/tenant-requests.js';
import { UsageError } from '../../../lib/adm/errors.js';
import { CONFIG, MemoryStore, fakeEnvironment } from './memory-store.js';

const NS = 'k8ssdn/netnamespaces/';
const ERR = 'k8ssdn/netnamespace-errors/';

function record(name: string, netId: number, action = '', namespace = ''): string {
  return JSON.stringify({ NetName: name, NetID: netId, Action: action, Namespace: namespace });
}

function storeWith(namespaces: Record<string, number>): MemoryStore {
  const store = new MemoryStore();
  store.put('config', CONFIG);
  for (const [name, netId] of Object.entries(namespaces)) store.put(`${NS}${name}`, record(name, netId));
  return store;
}

/** Answers every request at once like the master: join/isolate/global, and refuses anything on "kube-system". */
function scriptedMaster(store: MemoryStore): void {
  let fresh = 100;
  store.afterCommit = (s) => {
    for (const kv of [...s.data.values()].filter((kv) => kv.key.startsWith(NS))) {
      const r = JSON.parse(kv.value) as { NetName: string; NetID: number; Action: string; Namespace: string };
      if (r.Action === '') continue;
      const cleared = { ...r, Action: '', Namespace: '' };
      const txn = s.txn().ifModRevision(kv.key, kv.modRevision);
      if (r.NetName === 'kube-system') {
        txn.put(kv.key, JSON.stringify(cleared)).put(`${ERR}${r.NetName}`, JSON.stringify({
          Action: r.Action, Namespace: r.Namespace, Error: '"kube-system" is an admin namespace and always global (VNID 0)', Time: 'now',
        }));
      } else {
        const target = r.Action === 'join' ? JSON.parse(s.data.get(`${NS}${r.Namespace}`)!.value).NetID : r.Action === 'global' ? 0 : fresh++;
        txn.put(kv.key, JSON.stringify({ ...cleared, NetID: target })).delete(`${ERR}${r.NetName}`);
      }
      void txn.commit();
    }
  };
}

const stored = (store: MemoryStore, name: string) => JSON.parse(store.data.get(`${NS}${name}`)!.value);

describe('k8s-ovs-adm pod-network', () => {
  describe('request planning', () => {
    it('needs --to for join and refuses --to elsewhere or among the namespaces', () => {
      expect(() => planTenantRequests('join', ['blue'])).to.throw(UsageError, /needs --to/);
      expect(() => planTenantRequests('join', ['red', 'blue'], { to: 'red' })).to.throw(UsageError, /both --to and a namespace/);
      expect(() => planTenantRequests('isolate', ['blue'], { to: 'red' })).to.throw(UsageError, /only for join/);
    });

    it('rejects names that are not namespaces and an empty request', () => {
      expect(() => planTenantRequests('global', ['Blue'])).to.throw(UsageError, /"Blue" is not a namespace name/);
      expect(() => planTenantRequests('join', ['blue'], { to: 'a/b' })).to.throw(UsageError, /--to "a\/b"/);
      expect(() => planTenantRequests('isolate', [])).to.throw(UsageError, /name at least one namespace/);
      expect(() => planTenantRequests('isolate', [], { selected: [] })).to.throw(UsageError, /--selector matched none/);
    });

    it('merges selected namespaces, drops duplicates and leaves the join target out', () => {
      const requests = planTenantRequests('join', ['blue', 'blue'], { to: 'red', selected: ['red', 'green', 'blue'] });
      expect(requests).to.deep.equal([
        { namespace: 'blue', action: 'join', target: 'red' }, { namespace: 'green', action: 'join', target: 'red' },
      ]);
    });
  });

  it('joins namespaces and prints the VNIDs the master gave them', async () => {
    const store = storeWith({ red: 11, blue: 12, green: 13 });
    scriptedMaster(store);
    const env = fakeEnvironment(store);
    const code = await runAdm(['pod-network', 'join-namespaces', '--to=red', 'blue', 'green'], env, {});
    expect(code, env.stderr).to.equal(0);
    expect(env.stdout).to.equal([
      'NAME    NETID   RESULT', 'blue    11      applied', 'green   11      applied', 'red     11      unchanged', '',
    ].join('\n'));
    expect(stored(store, 'green')).to.deep.equal({ NetName: 'green', NetID: 11, Action: '', Namespace: '' });
    expect(store.closed).to.equal(true);
  });

  it('writes nothing when a namespace or the join target does not exist', async () => {
    const store = storeWith({ red: 11, blue: 12 });
    const before = store.revision;
    const env = fakeEnvironment(store);
    const code = await runAdm(['pod-network', 'join-namespaces', '--to=nope', 'blue', 'ghost'], env, {});
    expect(code).to.equal(1);
    expect(env.stderr).to.match(/error: "nope", "ghost": no such namespace .*nothing was changed/);
    expect(store.revision).to.equal(before);
  });

  it('exits 1 with the master\'s reason when it rejects the action', async () => {
    const store = storeWith({ 'kube-system': 0 });
    scriptedMaster(store);
    const env = fakeEnvironment(store);
    expect(await runAdm(['pod-network', 'isolate-namespaces', 'kube-system'], env, {})).to.equal(1);
    expect(env.stderr).to.equal('error: kube-system: rejected by the master: "kube-system" is an admin namespace and always global (VNID 0)\n');
    expect(env.stdout).to.match(/^kube-system\s+0\s+rejected$/m);
  });

  it('does not take a rejection older than the request for the answer', async () => {
    const store = storeWith({ red: 11, blue: 12 });
    store.put(`${ERR}blue`, JSON.stringify({ Action: 'join', Namespace: 'x', Error: 'an old refusal', Time: 'then' }));
    scriptedMaster(store);
    const env = fakeEnvironment(store);
    expect(await runAdm(['pod-network', 'make-namespaces-global', 'blue'], env, {}), env.stderr).to.equal(0);
    expect(stored(store, 'blue').NetID).to.equal(0);
  });

  it('times out when no master answers and leaves the request in etcd', async () => {
    const store = storeWith({ red: 11 });
    const env = fakeEnvironment(store);
    const started = env.clock;
    expect(await runAdm(['pod-network', 'isolate-namespaces', 'red', '--timeout', '2'], env, {})).to.equal(1);
    expect(env.stderr).to.match(/red: not applied: the master did not answer within 2 s/);
    expect(env.clock - started).to.be.within(2000, 2400);
    expect(stored(store, 'red')).to.deep.include({ Action: 'isolate', Namespace: '' });
  });

  it('refuses to overwrite an action that is still waiting for the master', async () => {
    const store = storeWith({ red: 11 });
    store.put(`${NS}blue`, record('blue', 12, 'join', 'red'));
    const before = store.revision;
    const env = fakeEnvironment(store);
    expect(await runAdm(['pod-network', 'isolate-namespaces', 'blue'], env, {})).to.equal(1);
    expect(env.stderr).to.match(/"blue" already has a request waiting for the master \(Action "join", Namespace "red"\)/);
    expect(store.revision).to.equal(before);
  });

  it('re-reads a record changed between read and write, keeping the other change', async () => {
    const store = storeWith({ red: 11, blue: 12 });
    const get = store.get.bind(store);
    let raced = false;
    store.get = async (key) => {
      const kv = await get(key);
      if (key === `${NS}blue` && !raced) {
        raced = true;
        store.put(key, record('blue', 14));
      }
      return kv;
    };
    const env = fakeEnvironment(store);
    expect(await runAdm(['pod-network', 'join-namespaces', '--to=red', 'blue', '--no-wait'], env, {})).to.equal(0);
    expect(stored(store, 'blue')).to.deep.equal({ NetName: 'blue', NetID: 14, Action: 'join', Namespace: 'red' });
    expect(env.stdout).to.match(/^submitted: blue joins red \(etcd revision \d+\)$/m);
  });

  it('takes namespaces from --selector through the API server lister', async () => {
    const store = storeWith({ red: 11, blue: 12, green: 13 });
    scriptedMaster(store);
    const env = fakeEnvironment(store, { namespaces: (selector) => (selector === 'team=web' ? ['blue', 'green'] : []) });
    expect(await runAdm(['pod-network', 'make-namespaces-global', '--selector', 'team=web'], env, {}), env.stderr).to.equal(0);
    expect([stored(store, 'blue').NetID, stored(store, 'green').NetID, stored(store, 'red').NetID]).to.deep.equal([0, 0, 11]);
  });
});
