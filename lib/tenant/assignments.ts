// Which namespace has which VNID: the master's model, planned in memory and committed after etcd agrees.
import { VnidAllocator, type VnidRange } from './allocator.js';
import { GLOBAL_VNID, type Vnid } from './vnid.js';

/**
 * Namespaces that are always global (VNID 0), whatever the configuration adds: kube-system only, as in
 * the original k8s-ovs, so `default` is an ordinary tenant on fresh and migrated clusters alike.
 */
export const BUILTIN_ADMIN_NAMESPACES: readonly string[] = ['kube-system'];

/**
 * One namespace's VNID change as a unit: the master writes it to etcd in one transaction
 * (record, new claim, released claim) and only then commits it here.
 */
export interface VnidChange {
  readonly namespace: string;
  /** Null when the namespace is new. */
  readonly from: Vnid | null;
  /** Null when the namespace goes away. */
  readonly to: Vnid | null;
  /** A VNID newly taken from the pool by this change: create its claim. */
  readonly claim: Vnid | null;
  /** A VNID no namespace uses after this change: delete its claim. */
  readonly release: Vnid | null;
}

export interface AssignmentsOptions {
  /** Extra admin namespaces besides BUILTIN_ADMIN_NAMESPACES. */
  adminNamespaces?: Iterable<string>;
  range?: VnidRange;
}

/** A stored VNID that could not be taken into the model at rebuild. */
export interface RebuildProblem {
  namespace: string;
  vnid: Vnid;
  reason: string;
}

/**
 * The model allows one planned change in flight: plan, write to etcd, then commit or abandon
 * before planning the next. A VNID returns to the pool only when no namespace uses it.
 */
export class VnidAssignments {
  private readonly allocator: VnidAllocator;
  private readonly byNamespace = new Map<string, Vnid>();
  private readonly users = new Map<number, Set<string>>();
  private readonly admin: Set<string>;

  constructor(options: AssignmentsOptions = {}) {
    this.allocator = new VnidAllocator(options.range);
    this.admin = new Set([...BUILTIN_ADMIN_NAMESPACES, ...(options.adminNamespaces ?? [])]);
  }

  /** Rebuilds the model from stored netnamespaces; entries it cannot hold are reported, not kept. */
  static rebuild(
    entries: Iterable<{ namespace: string; vnid: Vnid }>,
    options: AssignmentsOptions = {},
  ): { assignments: VnidAssignments; problems: RebuildProblem[] } {
    const assignments = new VnidAssignments(options);
    const problems: RebuildProblem[] = [];
    for (const { namespace, vnid } of entries) {
      if (vnid !== GLOBAL_VNID && !assignments.allocator.inRange(vnid)) {
        problems.push({ namespace, vnid, reason: `VNID ${vnid} is outside the assignable range` });
        continue;
      }
      if (vnid !== GLOBAL_VNID && !assignments.allocator.isAllocated(vnid)) assignments.allocator.claim(vnid);
      assignments.attach(namespace, vnid);
    }
    return { assignments, problems };
  }

  isAdmin(namespace: string): boolean {
    return this.admin.has(namespace);
  }

  vnidOf(namespace: string): Vnid | undefined {
    return this.byNamespace.get(namespace);
  }

  namespaces(): string[] {
    return [...this.byNamespace.keys()];
  }

  /** The namespaces sharing a VNID (empty for an unused one; 0 lists the global namespaces). */
  usersOf(vnid: Vnid): string[] {
    return [...(this.users.get(vnid) ?? [])];
  }

  /** True when the VNID is held in the pool but no namespace uses it (an orphaned claim). */
  isOrphan(vnid: Vnid): boolean {
    return this.allocator.isAllocated(vnid) && (this.users.get(vnid)?.size ?? 0) === 0;
  }

  /** Records a VNID claimed in etcd that the model did not know, so it is never handed out. */
  holdClaimed(vnid: Vnid): void {
    if (this.allocator.inRange(vnid) && !this.allocator.isAllocated(vnid)) this.allocator.claim(vnid);
  }

  /** Returns an orphaned VNID to the pool after its claim was deleted. */
  dropOrphan(vnid: Vnid): void {
    if (this.isOrphan(vnid)) this.allocator.release(vnid);
  }

  allocatedVnids(): Vnid[] {
    return this.allocator.allocated();
  }

  /** A VNID for a namespace not yet in the model; null if it already has one. */
  planAssign(namespace: string): VnidChange | null {
    if (this.byNamespace.has(namespace)) return null;
    if (this.isAdmin(namespace)) return { namespace, from: null, to: GLOBAL_VNID, claim: null, release: null };
    const vnid = this.allocator.allocate();
    return { namespace, from: null, to: vnid, claim: vnid, release: null };
  }

  /** Removes a namespace; null if the model does not have it. */
  planRemove(namespace: string): VnidChange | null {
    const from = this.byNamespace.get(namespace);
    if (from === undefined) return null;
    return { namespace, from, to: null, claim: null, release: this.releasedBy(namespace, from) };
  }

  /**
   * Gives a namespace (known or new) a specific VNID: a join, `global`, or a VNID written into
   * etcd by hand. A VNID no namespace held yet is taken from the pool (VnidOutOfRangeError if it can't be).
   */
  planSet(namespace: string, to: Vnid): VnidChange {
    const from = this.byNamespace.get(namespace) ?? null;
    if (to === from) return { namespace, from, to, claim: null, release: null };
    let claim: Vnid | null = null;
    if (to !== GLOBAL_VNID && !this.allocator.isAllocated(to)) {
      this.allocator.claim(to);
      claim = to;
    }
    return { namespace, from, to, claim, release: from === null ? null : this.releasedBy(namespace, from) };
  }

  /** Gives a known namespace a VNID of its own from the pool (`isolate` of a shared one). */
  planFresh(namespace: string): VnidChange {
    const from = this.byNamespace.get(namespace);
    if (from === undefined) throw new Error(`namespace ${namespace} has no VNID to change`);
    const to = this.allocator.allocate();
    return { namespace, from, to, claim: to, release: this.releasedBy(namespace, from) };
  }

  /** Applies a change that etcd accepted. */
  commit(change: VnidChange): void {
    if (change.from !== null) this.detach(change.namespace, change.from);
    if (change.to !== null) this.attach(change.namespace, change.to);
    if (change.release !== null) this.allocator.release(change.release);
  }

  /** Forgets a planned change that etcd refused: its new VNID goes back to the pool. */
  abandon(change: VnidChange): void {
    if (change.claim !== null) this.allocator.release(change.claim);
  }

  private releasedBy(namespace: string, from: Vnid): Vnid | null {
    if (from === GLOBAL_VNID) return null;
    const users = this.users.get(from);
    return users !== undefined && users.size === 1 && users.has(namespace) ? from : null;
  }

  private attach(namespace: string, vnid: Vnid): void {
    const previous = this.byNamespace.get(namespace);
    if (previous !== undefined) this.detach(namespace, previous);
    this.byNamespace.set(namespace, vnid);
    const users = this.users.get(vnid) ?? new Set<string>();
    users.add(namespace);
    this.users.set(vnid, users);
  }

  private detach(namespace: string, vnid: Vnid): void {
    this.byNamespace.delete(namespace);
    const users = this.users.get(vnid);
    users?.delete(namespace);
    if (users?.size === 0) this.users.delete(vnid);
  }
}
