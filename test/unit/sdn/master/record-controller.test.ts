// The master's record controller against a fake store, with scripted records: stale events, retries, readiness.
import FakeTimers from '@sinonjs/fake-timers';
import { expect } from 'chai';
import type { Fence, KeyValue, Listing, Store, WatchEvent, Watching } from '../../../../lib/etcd/types.js';
import type { WatchHandlers } from '../../../../lib/etcd/watch.js';
import type { NetworkConfig } from '../../../../lib/sdn/config.js';
import { networkKeys } from '../../../../lib/sdn/layout.js';
import { RecordController } from '../../../../lib/sdn/master/record-controller.js';
import { RETRY_DELAY_MS } from '../../../../lib/sdn/master/retry.js';
import { Term } from '../../../../lib/sdn/master/term.js';
import { eventually, recordingLogger } from '../../k8s/recorder.js';

const PREFIX = 'records/';

function kv(name: string, modRevision: number): KeyValue {
  return { key: `${PREFIX}${name}`, value: name, createRevision: 1, modRevision };
}

/** Only what the controller uses: a watch whose callbacks the test drives, and reads from `keys`. */
class FakeStore {
  readonly keys = new Map<string, KeyValue>();
  handlers: WatchHandlers | null = null;
  cancelled = false;
  lists = 0;

  watchPrefix(_prefix: string, handlers: WatchHandlers): Watching {
    this.handlers = handlers;
    return { cancel: async () => { this.cancelled = true; } };
  }

  async get(key: string): Promise<KeyValue | null> {
    return this.keys.get(key) ?? null;
  }

  async list(): Promise<Listing> {
    this.lists += 1;
    return { items: [...this.keys.values()], revision: 1 };
  }

  snapshot(): Promise<void> {
    return Promise.resolve(this.handlers!.snapshot({ items: [...this.keys.values()], revision: 1 }));
  }

  events(events: WatchEvent[]): Promise<void> {
    return Promise.resolve(this.handlers!.events(events));
  }
}

/** A controller that writes down what it is asked and fails where the test says. */
class ScriptedController extends RecordController<string> {
  readonly calls: string[] = [];
  /** Name → how many more times reconcileOnce fails for it. */
  readonly failures = new Map<string, number>();
  /** Name → the newer record reconcileOnce hands back once. */
  readonly followUps = new Map<string, KeyValue>();
  rebuildFailures = 0;

  constructor(term: Term) {
    super(term, { label: 'record', nameField: 'name', prefix: PREFIX, key: (name) => `${PREFIX}${name}` });
  }

  /** Reconciles `kv` in turn with the watch-driven work, as a controller's own calls do. */
  reconcileInTurn(kv: KeyValue): Promise<void> {
    return this.run(() => this.reconcile(kv));
  }

  /** Pretends the record `name` was seen at `modRevision`. */
  hold(name: string, modRevision: number): void {
    this.records.set(name, { record: name, modRevision });
  }

  protected override async rebuild(listing: Listing): Promise<void> {
    this.calls.push(`rebuild ${listing.items.length}`);
    if (this.rebuildFailures > 0) {
      this.rebuildFailures -= 1;
      throw new Error('etcd unavailable');
    }
  }

  protected override async reconcileOnce(record: KeyValue): Promise<KeyValue | null> {
    const name = record.key.slice(PREFIX.length);
    this.calls.push(`reconcile ${name}@${record.modRevision}`);
    const failures = this.failures.get(name) ?? 0;
    if (failures > 0) {
      this.failures.set(name, failures - 1);
      throw new Error('etcd unavailable');
    }
    this.records.set(name, { record: record.value, modRevision: record.modRevision });
    const next = this.followUps.get(name) ?? null;
    this.followUps.delete(name);
    return next;
  }

  protected override async forget(name: string): Promise<void> {
    this.calls.push(`forget ${name}`);
    this.records.delete(name);
  }
}

function setup() {
  const store = new FakeStore();
  const { logger, lines } = recordingLogger();
  const fence: Fence = { key: 'election/1', createRevision: 1 };
  const term = new Term(store as unknown as Store, fence, {} as NetworkConfig, networkKeys('test'), logger,
    () => undefined);
  return { store, lines, term, controller: new ScriptedController(term) };
}

function settled(promise: Promise<void>): Promise<boolean> {
  return Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setImmediate(() => resolve(false)))]);
}

describe('master record controller', () => {
  const controllers: RecordController<string>[] = [];
  afterEach(async () => {
    for (const controller of controllers.splice(0)) await controller.stop();
  });

  function started() {
    const parts = setup();
    controllers.push(parts.controller);
    parts.controller.start();
    return parts;
  }

  it('is ready only once it has rebuilt from the first snapshot', async () => {
    const { store, controller } = started();
    store.keys.set('records/a', kv('a', 3));
    expect(await settled(controller.ready)).to.equal(false);
    await store.snapshot();
    expect(await settled(controller.ready)).to.equal(true);
    expect(controller.calls).to.deep.equal(['rebuild 1']);
  });

  it('reconciles a put newer than the record it holds and skips an older or equal one', async () => {
    const { store, controller } = started();
    await store.snapshot();
    controller.hold('a', 5);
    await store.events([
      { type: 'put', kv: kv('a', 4) }, { type: 'put', kv: kv('a', 5) }, { type: 'put', kv: kv('a', 6) },
      { type: 'put', kv: kv('b', 1) },
    ]);
    expect(controller.calls.slice(1)).to.deep.equal(['reconcile a@6', 'reconcile b@1']);
  });

  it('forgets a held record deleted after it was seen, and ignores other deletes', async () => {
    const { store, controller } = started();
    await store.snapshot();
    controller.hold('a', 5);
    controller.hold('b', 5);
    await store.events([
      { type: 'delete', key: 'records/a', modRevision: 4 }, { type: 'delete', key: 'records/c', modRevision: 7 },
      { type: 'delete', key: 'records/b', modRevision: 7 },
    ]);
    expect(controller.calls.slice(1)).to.deep.equal(['forget b']);
  });

  it('keeps reconciling while the subclass hands back a newer record', async () => {
    const { controller } = started();
    controller.followUps.set('a', kv('a', 8));
    await controller.reconcileInTurn(kv('a', 7));
    expect(controller.calls).to.deep.equal(['reconcile a@7', 'reconcile a@8']);
  });

  it('retries a failed record from etcd: reconciles it if still there, forgets it if gone', async () => {
    const { store, controller, lines } = started();
    await store.snapshot();
    controller.hold('b', 1);
    controller.failures.set('a', 1).set('b', 1);
    store.keys.set('records/a', kv('a', 9));
    await store.events([{ type: 'put', kv: kv('a', 2) }, { type: 'put', kv: kv('b', 2) }]);
    expect(lines.filter((line) => line.level === 'warn').map((line) => [line.message, line.name, line.what])).to.deep.equal([
      ['record reconcile failed; will retry', 'a', 'event'], ['record reconcile failed; will retry', 'b', 'event'],
    ]);
    await eventually(() => expect(controller.calls).to.include.members(['reconcile a@9', 'forget b']));
  });

  it('relists and rebuilds everything after a failed rebuild, then is ready', async () => {
    const { store, controller } = started();
    controller.rebuildFailures = 1;
    await store.snapshot();
    expect(await settled(controller.ready)).to.equal(false);
    await eventually(() => expect(controller.calls).to.deep.equal(['rebuild 0', 'rebuild 0']));
    expect(store.lists).to.equal(1);
    expect(await settled(controller.ready)).to.equal(true);
  });

  it('neither logs nor retries a failure once the term has ended', async () => {
    const clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { store, controller, term, lines } = started();
      await store.snapshot();
      controller.failures.set('a', 1);
      term.end();
      await store.events([{ type: 'put', kv: kv('a', 2) }]);
      // Past the retry delay: a retry that was scheduled has run by now.
      await clock.tickAsync(RETRY_DELAY_MS * 2);
      expect(lines.filter((line) => line.level === 'warn')).to.deep.equal([]);
      expect(controller.calls.slice(1)).to.deep.equal(['reconcile a@2']);
    } finally {
      clock.uninstall();
    }
  });

  it('releases waiters and cancels the watch when stopped', async () => {
    const { store, controller } = setup();
    controller.start();
    await controller.stop();
    expect(await settled(controller.ready)).to.equal(true);
    expect(store.cancelled).to.equal(true);
  });
});
