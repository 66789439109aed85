// The etcd transactions on fixed-address claims: one key per address, MAC and pod, each write conditional.
import type { KeyValue, TxnResult } from '../../etcd/types.js';
import type { Transaction } from '../../etcd/txn.js';
import type { NetworkKeys } from '../layout.js';
import { RecordError } from '../records.js';
import { type FixedClaim, parseClaim, serializeClaim } from './claim.js';

/** What the writer needs of the store. */
export interface ClaimStore {
  get(key: string): Promise<KeyValue | null>;
  txn(): Transaction;
}

/** A claim as read or written, with the mod revision every later write must compare. */
export interface HeldClaim {
  readonly claim: FixedClaim;
  readonly modRevision: number;
}

/** Why a create or switch was refused: who holds the address, the MAC and the pod's index key. */
export interface Refusal {
  readonly address: HeldClaim | null;
  /** The address whose claim holds the MAC. */
  readonly macOf: string | null;
  /** The address the pod's index key names. */
  readonly podHas: string | null;
}

export type ClaimOutcome = { ok: true; held: HeldClaim } | ({ ok: false } & Refusal);

export class ClaimWriter {
  constructor(private readonly store: ClaimStore, private readonly keys: NetworkKeys) {}

  /** The claim of `ip` as stored now. */
  async read(ip: string): Promise<HeldClaim | null> {
    return this.held(await this.store.get(this.keys.ipClaim(ip)));
  }

  /** Creates the address, MAC and pod keys together, each only if absent. */
  async create(claim: FixedClaim): Promise<ClaimOutcome> {
    const { ipClaim, macClaim, podClaim } = this.keysOf(claim);
    const result = await this.store.txn().ifAbsent(ipClaim).ifAbsent(macClaim).ifAbsent(podClaim)
      .put(ipClaim, serializeClaim(claim)).put(macClaim, claim.ip).put(podClaim, claim.ip).commit();
    return this.outcome(result, claim);
  }

  /** Rewrites a claim in place (its node, sandbox or pod UID), only while it is at `held`'s revision. */
  async update(held: HeldClaim, next: FixedClaim): Promise<HeldClaim | null> {
    const key = this.keys.ipClaim(held.claim.ip);
    const result = await this.store.txn().ifModRevision(key, held.modRevision).put(key, serializeClaim(next)).commit();
    return result.succeeded ? { claim: next, modRevision: result.revision } : null;
  }

  /** Moves a pod from the claim it holds to a new address (and MAC) in one transaction, so nothing is held twice. */
  async switchTo(from: HeldClaim, next: FixedClaim): Promise<ClaimOutcome> {
    const old = this.keysOf(from.claim);
    const now = this.keysOf(next);
    const txn = this.store.txn().ifModRevision(old.ipClaim, from.modRevision).ifAbsent(now.ipClaim);
    if (now.macClaim !== old.macClaim) txn.ifAbsent(now.macClaim).delete(old.macClaim).put(now.macClaim, next.ip);
    else txn.put(now.macClaim, next.ip);
    txn.delete(old.ipClaim).put(now.ipClaim, serializeClaim(next)).put(now.podClaim, next.ip);
    if (now.podClaim !== old.podClaim) txn.delete(old.podClaim);
    return this.outcome(await txn.commit(), next);
  }

  /** Deletes the claim with its MAC and pod keys, only while it is at `held`'s revision (a newer owner is never freed). */
  async remove(held: HeldClaim): Promise<boolean> {
    const { ipClaim, macClaim, podClaim } = this.keysOf(held.claim);
    const result = await this.store.txn().ifModRevision(ipClaim, held.modRevision).delete(ipClaim).delete(macClaim).delete(podClaim).commit();
    return result.succeeded;
  }

  /** A retained claim's pod went: the address stays the pod name's, held by no node until the pod returns. */
  detach(held: HeldClaim, time: string): Promise<HeldClaim | null> {
    return this.update(held, { ...held.claim, node: '', containerId: '', time });
  }

  private keysOf(claim: FixedClaim) {
    return {
      ipClaim: this.keys.ipClaim(claim.ip), macClaim: this.keys.macClaim(claim.mac), podClaim: this.keys.podClaim(claim.namespace, claim.pod),
    };
  }

  private outcome(result: TxnResult, claim: FixedClaim): ClaimOutcome {
    if (result.succeeded) return { ok: true, held: { claim, modRevision: result.revision } };
    const { ipClaim, macClaim, podClaim } = this.keysOf(claim);
    return {
      ok: false, address: this.held(result.current.get(ipClaim) ?? null),
      macOf: result.current.get(macClaim)?.value ?? null, podHas: result.current.get(podClaim)?.value ?? null,
    };
  }

  private held(kv: KeyValue | null): HeldClaim | null {
    if (kv === null) return null;
    try {
      return { claim: parseClaim(kv.key, kv.value), modRevision: kv.modRevision };
    } catch (error) {
      // A claim edited into garbage still holds its address: report it as held by an unknown pod.
      if (error instanceof RecordError) throw new ClaimRecordError(kv.key, error.message);
      throw error;
    }
  }
}

/** A stored claim does not parse: the address stays taken until an admin fixes or deletes the key. */
export class ClaimRecordError extends Error {
  override name = 'ClaimRecordError';
  constructor(readonly key: string, reason: string) {
    super(`${reason}; fix or delete the key with etcdctl`);
  }
}
