// The leader's VNID controller: one NetNamespace per namespace, admin actions, VNID claims in etcd.
import type { KeyValue, Listing } from '../../etcd/types.js';
import { planAction } from '../../tenant/actions.js';
import { AllocationError } from '../../next-fit.js';
import type { VnidRange } from '../../tenant/allocator.js';
import { VnidAssignments, type VnidChange } from '../../tenant/assignments.js';
import type { Vnid } from '../../tenant/vnid.js';
import { keyLeaf } from '../layout.js';
import {
  type NetNamespace, RecordError, isNamespaceName, parseNetNamespace, serializeNetNamespace,
  serializeNetNamespaceRejection,
} from '../records.js';
import { RecordController } from './record-controller.js';
import type { Term } from './term.js';

export interface NetNamespaceOptions {
  adminNamespaces?: readonly string[] | undefined;
  vnidRange?: VnidRange | undefined;
}

export class InvalidNamespaceError extends Error {
  override name = 'InvalidNamespaceError';
}

/** What a write does to the NetNamespace key besides the claims of its VnidChange. */
interface Write {
  namespace: string;
  /** The mod revision the key must still have (0: must be absent). */
  expected: number;
  change: VnidChange | null;
  record: NetNamespace | 'delete' | null;
  /** A rejection reason to publish, or 'clear' to remove an old one. */
  rejection?: { action: string; target: string; reason: string } | 'clear';
}

type Outcome = { ok: true } | { ok: false; current: KeyValue | null };

export class NetNamespaceController extends RecordController<NetNamespace> {
  private model: VnidAssignments;

  constructor(
    term: Term,
    private readonly options: NetNamespaceOptions,
  ) {
    super(term, {
      label: 'netnamespace', nameField: 'namespace', prefix: term.keys.netNamespaces,
      key: (namespace) => term.keys.netNamespace(namespace),
    });
    this.model = new VnidAssignments(this.modelOptions());
  }

  private get keys() {
    return this.term.keys;
  }

  private modelOptions() {
    return { adminNamespaces: this.options.adminNamespaces ?? [], range: this.options.vnidRange };
  }

  /** The NetNamespace of `namespace`, created with a fresh VNID (0 for admin namespaces) if new. */
  async ensure(namespace: string): Promise<NetNamespace> {
    if (!isNamespaceName(namespace)) throw new InvalidNamespaceError(`"${namespace}" is not a namespace name`);
    await this.ready;
    return this.run(async () => {
      for (;;) {
        this.term.assertLeading();
        const known = this.records.get(namespace);
        if (known) return known.record;
        const change = this.model.planAssign(namespace)!;
        const record = { netName: namespace, netId: change.to!, action: '', namespace: '' };
        const outcome = await this.write({ namespace, expected: 0, change, record, rejection: 'clear' });
        if (!outcome.ok && outcome.current) await this.reconcile(outcome.current);
      }
    });
  }

  /** Removes the NetNamespace; its VNID returns to the pool if no other namespace uses it. */
  async release(namespace: string): Promise<void> {
    await this.ready;
    return this.run(async () => {
      for (;;) {
        this.term.assertLeading();
        const known = this.records.get(namespace);
        if (!known) return;
        const change = this.model.planRemove(namespace);
        const outcome = await this.write({
          namespace, expected: known.modRevision, change, record: 'delete', rejection: 'clear',
        });
        if (outcome.ok) return;
        if (outcome.current) await this.reconcile(outcome.current);
        else await this.forget(namespace);
      }
    });
  }

  protected override async rebuild(listing: Listing): Promise<void> {
    this.term.assertLeading();
    const claims = await this.term.store.list(this.keys.netIdClaims);
    this.records.clear();
    const entries: Array<{ namespace: string; vnid: Vnid }> = [];
    const pending: KeyValue[] = [];
    for (const kv of listing.items) {
      try {
        const record = parseNetNamespace(kv.key, kv.value);
        this.records.set(record.netName, { record, modRevision: kv.modRevision });
        entries.push({ namespace: record.netName, vnid: record.netId });
        if (record.action !== '' || record.namespace !== '') pending.push(kv);
      } catch (error) {
        if (!(error instanceof RecordError)) throw error;
        pending.push(kv);
      }
    }
    const { assignments, problems } = VnidAssignments.rebuild(entries, this.modelOptions());
    this.model = assignments;
    for (const problem of problems) {
      this.records.delete(problem.namespace);
      pending.push(listing.items.find((kv) => kv.key === this.keys.netNamespace(problem.namespace))!);
    }
    await this.reconcileClaims(claims.items);
    for (const kv of pending) {
      await this.guarded('pending action', () => this.reconcile(kv), keyLeaf(kv.key, this.keys.netNamespaces));
    }
    this.term.logger.info('netnamespaces loaded', { namespaces: this.records.size, vnids: this.model.allocatedVnids().length });
  }

  /** Deletes claims no namespace uses and creates missing ones, so claims mirror the records. */
  private async reconcileClaims(claims: KeyValue[]): Promise<void> {
    const claimed = new Set<number>();
    for (const kv of claims) {
      const vnid = Number(keyLeaf(kv.key, this.keys.netIdClaims)) as Vnid;
      claimed.add(vnid);
      if (this.model.usersOf(vnid).length > 0) continue;
      this.model.holdClaimed(vnid);
      const result = await this.term.commit(this.term.txn().ifModRevision(kv.key, kv.modRevision).delete(kv.key));
      if (result.succeeded) {
        this.model.dropOrphan(vnid);
        this.term.logger.info('released orphaned VNID claim', { vnid, owner: kv.value });
      }
    }
    for (const vnid of this.model.allocatedVnids()) {
      if (claimed.has(vnid)) continue;
      const key = this.keys.netIdClaim(vnid);
      await this.term.commit(this.term.txn().ifAbsent(key).put(key, this.model.usersOf(vnid)[0] ?? ''));
    }
  }

  /** Brings one stored record in line: adopts a hand-written NetID, then runs a pending Action. */
  protected override async reconcileOnce(kv: KeyValue): Promise<KeyValue | null> {
    this.term.assertLeading();
    const namespace = keyLeaf(kv.key, this.keys.netNamespaces);
    let record: NetNamespace;
    try {
      record = parseNetNamespace(kv.key, kv.value);
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      return this.repair(kv, namespace, error.message);
    }
    if (this.model.vnidOf(namespace) !== record.netId) {
      let change: VnidChange;
      try {
        change = this.model.planSet(namespace, record.netId);
      } catch (error) {
        if (!(error instanceof AllocationError)) throw error;
        return this.repair(kv, namespace, `NetID ${record.netId} cannot be used: ${error.message}`);
      }
      const outcome = await this.write({ namespace, expected: kv.modRevision, change, record: null });
      if (outcome.ok) this.records.set(namespace, { record, modRevision: kv.modRevision });
      return outcome.ok ? kv : outcome.current;
    }
    this.records.set(namespace, { record, modRevision: kv.modRevision });
    if (record.action === '' && record.namespace === '') return null;
    const decision = planAction(this.model, namespace, record.action, record.namespace);
    const cleared = { ...record, action: '', namespace: '' };
    if (!decision.accepted) {
      this.term.logger.warn('tenant action rejected', {
        namespace, action: record.action, target: record.namespace, reason: decision.reason,
      });
      const rejection = { action: record.action, target: record.namespace, reason: decision.reason };
      const outcome = await this.write({ namespace, expected: kv.modRevision, change: null, record: cleared, rejection });
      return outcome.ok ? null : outcome.current;
    }
    const { change } = decision;
    const outcome = await this.write({
      namespace, expected: kv.modRevision, change, record: { ...cleared, netId: change.to! }, rejection: 'clear',
    });
    if (outcome.ok) {
      this.term.logger.info('tenant action applied', {
        namespace, action: record.action, target: record.namespace, vnid: change.to,
      });
    }
    return outcome.ok ? null : outcome.current;
  }

  /** Rewrites an unusable record from what the master knows (or a fresh VNID) and publishes why. */
  private async repair(kv: KeyValue, namespace: string, reason: string): Promise<KeyValue | null> {
    this.term.logger.warn('invalid netnamespace record rewritten', { key: kv.key, reason });
    if (!isNamespaceName(namespace)) return null;
    const known = this.model.vnidOf(namespace);
    const change = known === undefined ? this.model.planAssign(namespace) : null;
    const record = { netName: namespace, netId: known ?? change!.to!, action: '', namespace: '' };
    const outcome = await this.write({
      namespace, expected: kv.modRevision, change, record, rejection: { action: '', target: '', reason },
    });
    return outcome.ok ? null : outcome.current;
  }

  /** The record is gone from etcd: drop it from the model and release its VNID claim if unused. */
  protected override async forget(namespace: string): Promise<void> {
    if (!this.records.has(namespace) && this.model.vnidOf(namespace) === undefined) return;
    const change = this.model.planRemove(namespace);
    const outcome = await this.write({ namespace, expected: 0, change, record: null, rejection: 'clear' });
    if (outcome.ok) this.records.delete(namespace);
    else if (outcome.current) await this.reconcile(outcome.current);
  }

  /** One fenced transaction for a record, its claims and its rejection; the model follows etcd. */
  private async write(write: Write): Promise<Outcome> {
    const { namespace, change } = write;
    const key = this.keys.netNamespace(namespace);
    const txn = this.term.txn().ifModRevision(key, write.expected);
    if (write.record === 'delete') txn.delete(key);
    else if (write.record !== null) txn.put(key, serializeNetNamespace(write.record));
    const claimKey = change?.claim != null ? this.keys.netIdClaim(change.claim) : null;
    if (claimKey !== null) txn.ifAbsent(claimKey).put(claimKey, namespace);
    if (change?.release != null) txn.delete(this.keys.netIdClaim(change.release));
    const errorKey = this.keys.netNamespaceError(namespace);
    if (write.rejection === 'clear') txn.delete(errorKey);
    else if (write.rejection !== undefined) {
      const { action, target, reason } = write.rejection;
      txn.put(errorKey, serializeNetNamespaceRejection({
        action, namespace: target, error: reason, time: new Date().toISOString(),
      }));
    }
    const result = await this.term.commit(txn).catch((error: unknown) => {
      if (change) this.model.abandon(change);
      throw error;
    });
    if (result.succeeded) {
      if (change) this.model.commit(change);
      if (write.record === 'delete') this.records.delete(namespace);
      else if (write.record !== null) this.records.set(namespace, { record: write.record, modRevision: result.revision });
      return { ok: true };
    }
    if (change) this.model.abandon(change);
    const current = result.current.get(key) ?? null;
    if ((current?.modRevision ?? 0) !== write.expected) return { ok: false, current };
    // Only the claim was in the way: etcd holds a claim the model missed; keep it out of the pool.
    if (claimKey !== null && change?.claim != null) this.model.holdClaimed(change.claim);
    return { ok: false, current: current ?? null };
  }
}
