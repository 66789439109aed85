// One leadership term of the master: the fence its writes carry, and the switch that ends them.
import { LeadershipLostError } from '../../etcd/errors.js';
import type { Transaction } from '../../etcd/txn.js';
import type { Fence, Store, TxnResult } from '../../etcd/types.js';
import type { Logger } from '../../log.js';
import type { NetworkConfig } from '../config.js';
import type { NetworkKeys } from '../layout.js';

/** The master is not (or no longer) the elected leader; retry on the leader. */
export class NotLeaderError extends Error {
  override name = 'NotLeaderError';
}

/** What the master's controllers do with etcd: read, watch, and write in fenced transactions. */
export type TermStore = Pick<Store, 'get' | 'list' | 'txn' | 'watchPrefix'>;

export class Term {
  private ended = false;

  constructor(
    readonly store: TermStore,
    readonly fence: Fence,
    readonly config: NetworkConfig,
    readonly keys: NetworkKeys,
    readonly logger: Logger,
    private readonly onLost: (reason: Error) => void,
  ) {}

  get active(): boolean {
    return !this.ended;
  }

  /** Throws NotLeaderError once the term is over: a deposed master must not act. */
  assertLeading(): void {
    if (this.ended) throw new NotLeaderError('this master is no longer the leader');
  }

  /** A transaction that etcd applies only while this term's election key exists. */
  txn(): Transaction {
    this.assertLeading();
    return this.store.txn().fencedBy(this.fence);
  }

  /** Commits a transaction from txn(); a refused fence ends the term with NotLeaderError. */
  async commit(txn: Transaction): Promise<TxnResult> {
    try {
      return await txn.commit();
    } catch (error) {
      return this.fail(error);
    }
  }

  /** Ends the term when a write shows leadership is gone, then rethrows as NotLeaderError. */
  fail(error: unknown): never {
    if (error instanceof LeadershipLostError) {
      this.end();
      this.onLost(error);
      throw new NotLeaderError(error.message, { cause: error });
    }
    throw error;
  }

  end(): void {
    this.ended = true;
  }
}
