// Writes a migration plan to etcd v3 in one transaction that succeeds only if v3 is still as planned.
import { StoreError } from '../etcd/errors.js';
import type { Store, TxnResult } from '../etcd/types.js';
import { MigrationRaceError, MigrationTooLargeError } from './errors.js';
import type { MigrationPlan, PlanEntry } from './plan.js';

export interface AppliedPlan {
  /** Keys written. */
  readonly written: number;
  /** The v3 revision of the write. */
  readonly revision: number;
}

/**
 * Writes every `copy` entry with its v2 text. The transaction requires each copied key to be
 * still absent and each `identical` key to be at its planned mod revision, so a record created
 * or changed in v3 after planning fails the whole write: nothing is half-written. Conflicts and
 * invalid entries are neither written nor compared; whether to proceed with them is the caller's call.
 */
export async function applyPlan(store: Store, plan: MigrationPlan): Promise<AppliedPlan> {
  const copies = plan.entries.filter((entry) => entry.action === 'copy');
  const unchanged = plan.entries.filter((entry) => entry.action === 'identical');
  if (copies.length === 0) return { written: 0, revision: 0 };
  const txn = store.txn();
  for (const entry of copies) txn.ifAbsent(entry.key).put(entry.key, entry.value);
  for (const entry of unchanged) txn.ifModRevision(entry.key, entry.v3ModRevision);
  let result: TxnResult;
  try {
    result = await txn.commit();
  } catch (error) {
    // etcd refuses a transaction with more compares or writes than --max-txn-ops.
    if (error instanceof StoreError && /too many operations in txn/.test(error.message)) {
      throw new MigrationTooLargeError(copies.length + unchanged.length, { cause: error });
    }
    throw error;
  }
  if (!result.succeeded) {
    const moved = (entry: PlanEntry): boolean => (result.current.get(entry.key)?.modRevision ?? 0) !== entry.v3ModRevision;
    throw new MigrationRaceError([...copies, ...unchanged].filter(moved).map((entry) => entry.key));
  }
  return { written: copies.length, revision: result.revision };
}
