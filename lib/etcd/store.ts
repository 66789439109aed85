// The etcd v3 store: the only place that talks to etcd (through etcd3) for keys, watches and elections.
import { type ComparatorBuilder, Etcd3, type IKeyValue } from 'etcd3';
import { type Logger, silentLogger } from '../log.js';
import { ConnectionMonitor } from './connection.js';
import { Candidacy, type CandidacyHandlers, DEFAULT_ELECTION_TTL_SECONDS } from './election.js';
import { StoreClosedError, StoreError, translateEtcdError } from './errors.js';
import { replaceEndpoints } from './endpoints.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, type StoreOptions, StoreOptionsError, clientOptions } from './options.js';
import { type Lease, grantLease } from './lease.js';
import { Transaction, type TxnPlan } from './txn.js';
import type { CampaignOptions, KeyValue, Listing, Store, TxnResult } from './types.js';
import { PrefixWatch, type WatchHandlers, type WatchOptions } from './watch.js';

/** What the watch and election parts need from the store, without the public surface. */
export interface StoreInternals {
  readonly client: Etcd3;
  readonly logger: Logger;
  readonly connection: ConnectionMonitor;
  /** The etcd client URLs in use. */
  readonly endpoints: readonly string[];
  absolute(key: string): string;
  relative(key: string): string;
  keyValue(kv: IKeyValue): KeyValue;
  list(prefix: string): Promise<Listing>;
  call<T>(context: string, operation: () => Promise<T>): Promise<T>;
}

export class EtcdStore implements Store, StoreInternals {
  readonly connection: ConnectionMonitor;
  private readonly root: string;
  private readonly watches = new Set<PrefixWatch>();
  private readonly candidacies = new Set<Candidacy>();
  private closed = false;

  private constructor(
    readonly client: Etcd3,
    private options: StoreOptions,
    readonly logger: Logger,
  ) {
    this.root = `${options.prefix.replace(/\/+$/, '')}/`;
    this.connection = new ConnectionMonitor(logger, options.endpoints);
  }

  /** Builds the client; no request is made, so a daemon can start while etcd is still down. */
  static async connect(options: StoreOptions): Promise<EtcdStore> {
    const client = new Etcd3(await clientOptions(options));
    return new EtcdStore(client, options, options.logger ?? silentLogger);
  }

  get endpoints(): readonly string[] {
    return this.options.endpoints;
  }

  /**
   * Talks to `endpoints` from now on (an etcd member was replaced), without a restart: leases, the
   * election and watches carry on, moving to a remaining member when theirs was removed.
   */
  async setEndpoints(endpoints: readonly string[]): Promise<void> {
    if (this.closed) throw new StoreClosedError('set endpoints: the store is closed');
    if (endpoints.length === 0) throw new StoreOptionsError('etcd endpoints: none given');
    const next = { ...this.options, endpoints: [...endpoints] };
    const timeout = this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const change = replaceEndpoints(this.client, await clientOptions(next), 2 * timeout);
    this.options = next;
    this.connection.endpoints = next.endpoints;
    this.logger.info('etcd endpoints changed', { endpoints: next.endpoints, added: change.added, removed: change.removed });
  }

  absolute(key: string): string {
    return this.root + key;
  }

  relative(key: string): string {
    return key.startsWith(this.root) ? key.slice(this.root.length) : key;
  }

  keyValue(kv: IKeyValue): KeyValue {
    return {
      key: this.relative(kv.key.toString()),
      value: kv.value.toString(),
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
    };
  }

  async call<T>(context: string, operation: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreClosedError(`${context}: the store is closed`);
    try {
      const result = await operation();
      this.connection.up();
      return result;
    } catch (error) {
      const translated = translateEtcdError(error, context);
      this.connection.observe(translated);
      throw translated;
    }
  }

  /** Every member's client and peer URLs as etcd lists them: the addresses of the control plane. */
  memberUrls(): Promise<string[]> {
    return this.call('member list', async () => {
      const { members } = await this.client.cluster.memberList({});
      return members.flatMap((member) => [...member.clientURLs, ...member.peerURLs]);
    });
  }

  get(key: string): Promise<KeyValue | null> {
    return this.call(`get ${key}`, async () => {
      const response = await this.client.get(this.absolute(key)).exec();
      const kv = response.kvs[0];
      return kv === undefined ? null : this.keyValue(kv);
    });
  }

  list(prefix: string): Promise<Listing> {
    return this.call(`list ${prefix}`, async () => {
      const response = await this.client.getAll().prefix(this.absolute(prefix)).exec();
      return { items: response.kvs.map((kv) => this.keyValue(kv)), revision: Number(response.header.revision) };
    });
  }

  /** A lease of `ttlSeconds` for keys that must vanish when this process stops renewing it. */
  lease(ttlSeconds: number): Promise<Lease> {
    return grantLease(this.client, (key) => this.absolute(key), ttlSeconds, () => this.options.endpoints.length);
  }

  put(key: string, value: string): Promise<number> {
    return this.call(`put ${key}`, async () => {
      const response = await this.client.put(this.absolute(key)).value(value).exec();
      return Number(response.header.revision);
    });
  }

  create(key: string, value: string): Promise<TxnResult> {
    return this.txn().ifAbsent(key).put(key, value).commit();
  }

  compareAndSwap(key: string, modRevision: number, value: string): Promise<TxnResult> {
    return this.txn().ifModRevision(key, modRevision).put(key, value).commit();
  }

  deleteIfUnchanged(key: string, modRevision: number): Promise<TxnResult> {
    return this.txn().ifModRevision(key, modRevision).delete(key).commit();
  }

  txn(): Transaction {
    return new Transaction((plan) => this.call('transaction', () => this.runTxn(plan)));
  }

  private async runTxn(plan: TxnPlan): Promise<TxnResult & { fenceHeld: boolean }> {
    const compares: Array<[string, 'Create' | 'Mod', number]> = plan.conditions.map((condition) =>
      condition.kind === 'absent'
        ? [this.absolute(condition.key), 'Create', 0]
        : [this.absolute(condition.key), 'Mod', condition.revision]);
    if (plan.fence !== null) compares.push([plan.fence.key, 'Create', plan.fence.createRevision]);
    if (compares.length === 0) throw new StoreError('transaction: at least one condition or a fence is required');
    let builder: ComparatorBuilder | null = null;
    for (const [key, column, value] of compares) {
      builder = builder === null ? this.client.if(key, column, '==', value) : builder.and(key, column, '==', value);
    }
    const writes = plan.writes.map((write) => write.kind === 'put'
      ? this.client.put(this.absolute(write.key)).value(write.value)
      : this.client.delete().key(this.absolute(write.key)));
    const response = await builder!
      .then(...writes)
      .else(...compares.map(([key]) => this.client.get(key)))
      .commit();
    const revision = Number(response.header.revision);
    if (response.succeeded) return { succeeded: true, revision, current: new Map(), fenceHeld: true };
    const current = new Map<string, KeyValue | null>();
    compares.forEach(([key], index) => {
      const kv = response.responses[index]?.response_range?.kvs[0];
      current.set(this.relative(key), kv === undefined ? null : this.keyValue(kv));
    });
    const fence = plan.fence === null ? undefined : current.get(this.relative(plan.fence.key));
    const fenceHeld = plan.fence === null || (fence !== undefined && fence !== null &&
      fence.createRevision === plan.fence.createRevision);
    return { succeeded: false, revision, current, fenceHeld };
  }

  /** Watches a prefix from now on (or from `options.startRevision`); see PrefixWatch for the guarantees. */
  watchPrefix(prefix: string, handlers: WatchHandlers, options: WatchOptions = {}): PrefixWatch {
    if (this.closed) throw new StoreClosedError(`watch ${prefix}: the store is closed`);
    const watch = new PrefixWatch(this, prefix, handlers, options, () => this.watches.delete(watch));
    this.watches.add(watch);
    watch.start();
    return watch;
  }

  /** Campaigns for the election `name` (stored under `<prefix>/election/<name>/`) with `value` as identity. */
  campaign(name: string, value: string, handlers: CandidacyHandlers, options: CampaignOptions = {}): Candidacy {
    if (this.closed) throw new StoreClosedError(`campaign ${name}: the store is closed`);
    const election = this.client.namespace(this.root).election(name, options.ttlSeconds ?? DEFAULT_ELECTION_TTL_SECONDS);
    const candidacy = new Candidacy(this, election, value, handlers, () => this.candidacies.delete(candidacy));
    this.candidacies.add(candidacy);
    candidacy.start();
    return candidacy;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.allSettled([...this.candidacies].map((candidacy) => candidacy.resign()));
    await Promise.allSettled([...this.watches].map((watch) => watch.cancel()));
    this.closed = true;
    this.client.close();
  }

  /**
   * Stops using etcd at once, without resigning: other candidates take over when the lease
   * expires. etcd3 lets streams already open (the lease keepalive) outlive close(), so only a
   * dying process (or a cut connection, as the e2e test does) makes the lease expire.
   */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    for (const candidacy of this.candidacies) candidacy.abandon(new StoreClosedError('the store was aborted'));
    for (const watch of this.watches) void watch.cancel();
    this.client.close();
  }
}
