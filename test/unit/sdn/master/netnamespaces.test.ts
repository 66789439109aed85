import { expect } from 'chai';
import { NetNamespaceController } from '../../../../lib/sdn/master/netnamespaces.js';
import { NotLeaderError } from '../../../../lib/sdn/master/term.js';
import { MemoryStore } from '../../../support/memory-store.js';
import { KEYS, type Leader, keysUnder, leader, stored } from './fixture.js';

const record = (netName: string, netId: number, action = '', namespace = '') =>
  JSON.stringify({ NetName: netName, NetID: netId, Action: action, Namespace: namespace });

describe('NetNamespaceController (the master\'s VNIDs)', () => {
  let master: Leader;
  let controller: NetNamespaceController;
  afterEach(async () => {
    await controller.stop();
  });

  async function start(store?: MemoryStore): Promise<void> {
    master = leader(store);
    controller = new NetNamespaceController(master.term, { adminNamespaces: ['default'] });
    controller.start();
    await controller.ready;
  }

  const netId = (namespace: string) => stored(master.store, KEYS.netNamespace(namespace))?.NetID;

  it('numbers each namespace with a VNID of its own from 10 up, admin namespaces with 0, claims in etcd', async () => {
    await start();
    const [red, blue, admin] = await Promise.all(['red', 'blue', 'default'].map((ns) => controller.ensure(ns)));
    expect([red!.netId, blue!.netId].sort()).to.deep.equal([10, 11]);
    expect(admin!.netId).to.equal(0);
    expect((await controller.ensure('red')).netId).to.equal(red!.netId);
    expect(keysUnder(master.store, KEYS.netIdClaims)).to.deep.equal(['10', '11']);
  });

  it('applies join, isolate and global actions written to etcd, clearing the action', async () => {
    await start();
    await controller.ensure('red');
    await controller.ensure('blue');
    master.store.put(KEYS.netNamespace('blue'), record('blue', netId('blue') as number, 'join', 'red'));
    await master.store.settled();
    expect(netId('blue')).to.equal(netId('red'));
    expect(stored(master.store, KEYS.netNamespace('blue'))).to.include({ Action: '', Namespace: '' });
    master.store.put(KEYS.netNamespace('blue'), record('blue', netId('blue') as number, 'isolate'));
    await master.store.settled();
    expect(netId('blue')).to.not.equal(netId('red'));
    master.store.put(KEYS.netNamespace('red'), record('red', netId('red') as number, 'global'));
    await master.store.settled();
    expect(netId('red')).to.equal(0);
    // red's old VNID has no user left: its claim is gone.
    expect(keysUnder(master.store, KEYS.netIdClaims)).to.deep.equal([String(netId('blue'))]);
  });

  it('publishes why an action was refused (joining a namespace that does not exist) and leaves the VNID', async () => {
    await start();
    const red = await controller.ensure('red');
    master.store.put(KEYS.netNamespace('red'), record('red', red.netId, 'join', 'nowhere'));
    await master.store.settled();
    expect(netId('red')).to.equal(red.netId);
    expect(stored(master.store, KEYS.netNamespaceError('red'))).to.include({ Action: 'join', Namespace: 'nowhere' });
  });

  it('rewrites a record that is not valid JSON from what it knows, and says why', async () => {
    await start();
    const red = await controller.ensure('red');
    master.store.put(KEYS.netNamespace('red'), '{not json');
    await master.store.settled();
    expect(netId('red')).to.equal(red.netId);
    expect(String(stored(master.store, KEYS.netNamespaceError('red'))?.Error)).to.match(/json/i);
  });

  it('returns a released namespace\'s VNID to the pool', async () => {
    await start();
    await controller.ensure('red');
    await controller.release('red');
    expect(master.store.data.has(KEYS.netNamespace('red'))).to.equal(false);
    expect(keysUnder(master.store, KEYS.netIdClaims)).to.deep.equal([]);
  });

  it('rebuilds from etcd on a new term: drops claims nobody uses, adds missing ones, runs pending actions', async () => {
    const store = new MemoryStore();
    store.put(KEYS.netNamespace('red'), record('red', 10));
    store.put(KEYS.netNamespace('blue'), record('blue', 11, 'join', 'red'));
    store.put(KEYS.netIdClaim(10), 'red');
    store.put(KEYS.netIdClaim(42), 'gone');
    await start(store);
    expect(netId('blue')).to.equal(10);
    expect(keysUnder(store, KEYS.netIdClaims)).to.deep.equal(['10']);
  });

  it('stops writing once another master holds the election', async () => {
    await start();
    master.depose();
    const error = await controller.ensure('red').then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(NotLeaderError);
    expect(master.term.active).to.equal(false);
    expect(master.store.data.has(KEYS.netNamespace('red'))).to.equal(false);
  });
});
