// A copy of every fixed-address claim: the newest revision of each key wins, the holder's own writes included.
import type { KeyValue, WatchEvent } from '../../etcd/types.js';
import { type FixedClaim, parseClaim, podKey } from './claim.js';
import type { HeldClaim } from './claims.js';
import { keyLeaf } from '../layout.js';
import { RecordError } from '../records.js';

export class ClaimBook {
  private readonly claims = new Map<string, HeldClaim>();
  /** Deletions this node made or saw, by address: an older put arriving later must not bring the claim back. */
  private readonly deleted = new Map<string, number>();
  private readonly byPod = new Map<string, string>();
  /** Keys that do not parse, with why: their addresses stay taken. */
  readonly invalid = new Map<string, string>();

  constructor(private readonly prefix: string) {}

  get(ip: string): HeldClaim | undefined {
    return this.claims.get(ip);
  }

  ofPod(namespace: string, pod: string): HeldClaim | undefined {
    const ip = this.byPod.get(podKey(namespace, pod));
    return ip === undefined ? undefined : this.claims.get(ip);
  }

  /** Whether the address is claimed, or its key is unreadable (taken until an admin fixes it). */
  taken(ip: string): boolean {
    return this.claims.has(ip) || this.invalid.has(ip);
  }

  all(): HeldClaim[] {
    return [...this.claims.values()];
  }

  get size(): number {
    return this.claims.size;
  }

  /** A (re)list: replaces what it covers, keeping only this node's writes newer than it. Returns the addresses that changed. */
  replace(items: readonly KeyValue[], revision: number): Set<string> {
    const listed = new Map(items.map((kv) => [keyLeaf(kv.key, this.prefix), kv]));
    const changed = new Set<string>();
    for (const [ip, held] of this.claims) {
      if (!listed.has(ip) && held.modRevision <= revision && this.forget(ip, revision)) changed.add(ip);
    }
    for (const kv of listed.values()) if (this.put(kv)) changed.add(keyLeaf(kv.key, this.prefix));
    for (const [ip, at] of this.deleted) if (at <= revision) this.deleted.delete(ip);
    return changed;
  }

  /** Watch events in order; returns the addresses that changed. */
  apply(events: readonly WatchEvent[]): Set<string> {
    const changed = new Set<string>();
    for (const event of events) {
      const ip = keyLeaf(event.type === 'put' ? event.kv.key : event.key, this.prefix);
      if (event.type === 'put' ? this.put(event.kv) : this.forget(ip, event.modRevision)) changed.add(ip);
    }
    // The watch is past these revisions: nothing older can arrive any more.
    const seen = Math.max(0, ...events.map((e) => (e.type === 'put' ? e.kv.modRevision : e.modRevision)));
    for (const [ip, at] of this.deleted) if (at <= seen) this.deleted.delete(ip);
    return changed;
  }

  /** This node's own successful write, known before the watch delivers it. */
  record(held: HeldClaim): void {
    this.set(held);
  }

  /** This node's own successful delete at `revision`. */
  recordDeleted(ip: string, revision: number): void {
    this.forget(ip, revision);
  }

  private put(kv: KeyValue): boolean {
    const ip = keyLeaf(kv.key, this.prefix);
    if ((this.claims.get(ip)?.modRevision ?? 0) >= kv.modRevision || (this.deleted.get(ip) ?? 0) >= kv.modRevision) return false;
    let claim: FixedClaim;
    try {
      claim = parseClaim(kv.key, kv.value);
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      this.invalid.set(ip, error.message);
      return this.unset(ip);
    }
    this.invalid.delete(ip);
    return this.set({ claim, modRevision: kv.modRevision });
  }

  private set(held: HeldClaim): boolean {
    const previous = this.claims.get(held.claim.ip);
    if (previous && previous.modRevision >= held.modRevision) return false;
    if (previous) this.byPod.delete(podKey(previous.claim.namespace, previous.claim.pod));
    this.claims.set(held.claim.ip, held);
    this.byPod.set(podKey(held.claim.namespace, held.claim.pod), held.claim.ip);
    return true;
  }

  private forget(ip: string, revision: number): boolean {
    const held = this.claims.get(ip);
    if (held && held.modRevision > revision) return false;
    this.deleted.set(ip, Math.max(revision, this.deleted.get(ip) ?? 0));
    this.invalid.delete(ip);
    return this.unset(ip);
  }

  private unset(ip: string): boolean {
    const held = this.claims.get(ip);
    if (!held) return false;
    this.claims.delete(ip);
    if (this.byPod.get(podKey(held.claim.namespace, held.claim.pod)) === ip) this.byPod.delete(podKey(held.claim.namespace, held.claim.pod));
    return true;
  }
}
