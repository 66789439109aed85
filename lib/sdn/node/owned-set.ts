// One kind of flow owner the node keeps (remote nodes, pods, services): its items, and their flows as changes.
import type { Cookie } from '../../ovs/cookie.js';
import type { Flow } from '../../ovs/flow.js';

/** How a kind names its items and renders them; `R` is what a removal names (an IP, a port, a service ref). */
export interface OwnerRules<T, R> {
  ref(item: T): R;
  key(ref: R): string;
  owner(ref: R): Cookie;
  flows(item: T): Flow[];
}

/** Flows per owner to give the switch, and how to record them in the model once it has taken them. */
export interface OwnerChange {
  readonly flows: ReadonlyMap<Cookie, Flow[]>;
  record(): void;
}

export class OwnedSet<T, R> {
  private readonly items = new Map<string, T>();

  constructor(private readonly rules: OwnerRules<T, R>) {}

  values(): T[] {
    return [...this.items.values()];
  }

  get(ref: R): T | undefined {
    return this.items.get(this.rules.key(ref));
  }

  /** Replaces the items without touching the switch; the next resync installs their flows. */
  remember(items: readonly T[]): void {
    this.items.clear();
    for (const item of items) this.put(item);
  }

  put(item: T): void {
    this.items.set(this.rules.key(this.rules.ref(item)), item);
  }

  /** The flows of every item, per owner. */
  desired(into: Map<Cookie, Flow[]>): void {
    for (const item of this.items.values()) into.set(this.rules.owner(this.rules.ref(item)), this.rules.flows(item));
  }

  /** Sets `set` and removes `removed`; items not named are neither rendered nor compared. */
  change(set: readonly T[], removed: readonly R[]): OwnerChange {
    const flows = new Map<Cookie, Flow[]>();
    for (const ref of removed) flows.set(this.rules.owner(ref), []);
    for (const item of set) flows.set(this.rules.owner(this.rules.ref(item)), this.rules.flows(item));
    return {
      flows,
      record: () => {
        for (const ref of removed) this.items.delete(this.rules.key(ref));
        for (const item of set) this.put(item);
      },
    };
  }

  /** Makes the items exactly `all`: new and changed ones set, missing ones removed. */
  replacement(all: readonly T[]): OwnerChange {
    const wanted = new Set(all.map((item) => this.rules.key(this.rules.ref(item))));
    const removed = this.values().map((item) => this.rules.ref(item)).filter((ref) => !wanted.has(this.rules.key(ref)));
    return this.change(all, removed);
  }
}
