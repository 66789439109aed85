// A fluent multi-key transaction: conditions, then writes; commit() is the one call that does I/O.
import { LeadershipLostError } from './errors.js';
import type { Fence, TxnResult } from './types.js';

export type TxnCondition =
  | { readonly kind: 'absent'; readonly key: string }
  | { readonly kind: 'modRevision'; readonly key: string; readonly revision: number };

export type TxnWrite =
  | { readonly kind: 'put'; readonly key: string; readonly value: string }
  | { readonly kind: 'delete'; readonly key: string };

export interface TxnPlan {
  readonly conditions: readonly TxnCondition[];
  readonly writes: readonly TxnWrite[];
  readonly fence: Fence | null;
}

/** Runs a plan; reports whether the fence key still had its create revision when the plan failed. */
export type TxnRunner = (plan: TxnPlan) => Promise<TxnResult & { fenceHeld: boolean }>;

export class Transaction {
  private readonly conditions: TxnCondition[] = [];
  private readonly writes: TxnWrite[] = [];
  private fence: Fence | null = null;

  constructor(private readonly run: TxnRunner) {}

  /** The key must not exist (create revision 0). */
  ifAbsent(key: string): this {
    this.conditions.push({ kind: 'absent', key });
    return this;
  }

  /** The key must still be at `revision` (0 means absent). */
  ifModRevision(key: string, revision: number): this {
    this.conditions.push(revision === 0 ? { kind: 'absent', key } : { kind: 'modRevision', key, revision });
    return this;
  }

  /** Only while the writer holds the election behind `fence`; otherwise commit throws LeadershipLostError. */
  fencedBy(fence: Fence): this {
    this.fence = fence;
    return this;
  }

  put(key: string, value: string): this {
    this.writes.push({ kind: 'put', key, value });
    return this;
  }

  delete(key: string): this {
    this.writes.push({ kind: 'delete', key });
    return this;
  }

  async commit(): Promise<TxnResult> {
    const { fenceHeld, ...result } = await this.run({
      conditions: this.conditions, writes: this.writes, fence: this.fence,
    });
    if (!result.succeeded && !fenceHeld) {
      throw new LeadershipLostError(`write refused: election key ${this.fence?.key ?? ''} is gone`);
    }
    return result;
  }
}
