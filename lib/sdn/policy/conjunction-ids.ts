// OpenFlow conjunction IDs for compiled rules: kept while a rule lives, so that recompiling re-sends only what changed.

export class ConjunctionIds {
  private readonly byKey = new Map<string, number>();
  private readonly used = new Set<number>();
  private next = 1;

  idOf(key: string): number {
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    while (this.used.has(this.next)) this.next = this.next >= 0xfffffffe ? 1 : this.next + 1;
    const id = this.next;
    this.byKey.set(key, id);
    this.used.add(id);
    return id;
  }

  /** Frees the IDs of every rule not in `live`; a freed ID is reused only after all others. */
  retain(live: ReadonlySet<string>): void {
    for (const [key, id] of this.byKey) {
      if (live.has(key)) continue;
      this.byKey.delete(key);
      this.used.delete(id);
    }
  }

  get size(): number {
    return this.byKey.size;
  }
}
