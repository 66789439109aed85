// The node's view of each namespace's VNID, with waiting for namespaces the master has not numbered yet.
import type { Vnid } from '../../tenant/vnid.js';

export class NamespaceVnids {
  private readonly vnids = new Map<string, Vnid>();
  private readonly waiters = new Map<string, Set<(vnid: Vnid) => void>>();

  get(namespace: string): Vnid | undefined {
    return this.vnids.get(namespace);
  }

  /** The namespaces that have this VNID now. */
  namespacesWith(vnid: Vnid): string[] {
    return [...this.vnids].filter(([, id]) => id === vnid).map(([namespace]) => namespace);
  }

  get size(): number {
    return this.vnids.size;
  }

  /**
   * Records a VNID; returns true unless it equals what was known. A namespace seen for the first time
   * counts as changed too: it may be one deleted and re-created while its pods ran on with the old VNID.
   */
  set(namespace: string, vnid: Vnid): boolean {
    const previous = this.vnids.get(namespace);
    this.vnids.set(namespace, vnid);
    for (const wake of this.waiters.get(namespace) ?? []) wake(vnid);
    this.waiters.delete(namespace);
    return previous !== vnid;
  }

  delete(namespace: string): void {
    this.vnids.delete(namespace);
  }

  /** Replaces the whole map; returns the namespaces whose VNID changed or is new. */
  replaceAll(entries: ReadonlyMap<string, Vnid>): string[] {
    const changed = [...entries].filter(([ns, vnid]) => this.vnids.get(ns) !== vnid).map(([ns]) => ns);
    this.vnids.clear();
    for (const [namespace, vnid] of entries) this.set(namespace, vnid);
    return changed;
  }

  /** The VNID, waiting up to `timeoutMs` for a brand-new namespace to be numbered by the master. */
  waitFor(namespace: string, timeoutMs: number): Promise<Vnid | undefined> {
    const known = this.vnids.get(namespace);
    if (known !== undefined || timeoutMs <= 0) return Promise.resolve(known);
    return new Promise((resolve) => {
      const waiters = this.waiters.get(namespace) ?? new Set();
      const done = (vnid: Vnid | undefined) => {
        clearTimeout(timer);
        waiters.delete(wake);
        resolve(vnid);
      };
      const wake = (vnid: Vnid) => done(vnid);
      const timer = setTimeout(() => done(undefined), timeoutMs);
      waiters.add(wake);
      this.waiters.set(namespace, waiters);
    });
  }
}
