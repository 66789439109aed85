// The leader's releases of fixed addresses whose pods no node will release: a StatefulSet's retained addresses once
// it is deleted or scaled below their ordinal, and the claims of nodes that are gone. Never while a pod of that name
// exists; every delete compares the claim's revision.
import type { HeldClaim } from '../fixed/claims.js';
import { heartbeatPrefix } from '../daemon/heartbeat.js';
import { keyLeaf } from '../layout.js';
import type { MasterClaims } from './claims.js';
import type { Term } from './term.js';

/** What the releaser needs from the API server. */
export interface WorkloadView {
  /** Whether the StatefulSet and pod watches have listed and reach the API server. */
  readonly synced: boolean;
  statefulSet(namespace: string, name: string): { uid: string; replicas: number } | undefined;
  /** The pod of that name as the API server has it now (not a cache), or null when there is none. */
  pod(namespace: string, name: string): Promise<{ uid: string } | null>;
}

/** Seconds between passes over the claims of nodes without a heartbeat; a claim is released on its second pass. */
export const GC_INTERVAL_MS = 30_000;

export class ClaimReleaser {
  private timer: NodeJS.Timeout | null = null;
  /** Claims found orphaned by the last pass, by address, at the revision seen: released if still so next pass. */
  private suspects = new Map<string, number>();
  private running: Promise<void> = Promise.resolve();
  /** Claims logged as kept for their pod, at the revision logged: said once, not on every pass. */
  private readonly kept = new Map<string, number>();

  constructor(private readonly term: Term, private readonly claims: MasterClaims, private readonly workloads: WorkloadView,
    private readonly gcIntervalMs = GC_INTERVAL_MS) {
    claims.onChange((ips) => this.check([...ips]));
  }

  start(): void {
    this.timer = setInterval(() => void this.serially(() => this.collect()), this.gcIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Looks again at the retained claims of a StatefulSet (it changed or went, or one of its pods went). */
  recheck(namespace: string, statefulSet: string): Promise<void> {
    const ips = this.claims.book.all().filter((held) => held.claim.namespace === namespace && held.claim.statefulSet?.name === statefulSet)
      .map((held) => held.claim.ip);
    return this.check(ips);
  }

  /** Looks again at every retained claim (the API server's lists arrived, e.g. after this master took over). */
  recheckAll(): Promise<void> {
    return this.check(this.claims.book.all().map((held) => held.claim.ip));
  }

  private check(ips: readonly string[]): Promise<void> {
    return this.serially(async () => {
      for (const ip of ips) {
        const held = this.claims.book.get(ip);
        if (held?.claim.retain && this.term.active && this.workloads.synced) await this.releaseRetained(held);
      }
    });
  }

  private serially(work: () => Promise<void>): Promise<void> {
    this.running = this.running.then(work).catch((error: unknown) => {
      if (this.term.active) this.term.logger.warn('releasing fixed addresses failed; will retry', { error: (error as Error).message });
    });
    return this.running;
  }

  /** Whether the claim's StatefulSet no longer wants its ordinal: deleted, re-created (another UID) or scaled below it. */
  private unwanted(held: HeldClaim): string | undefined {
    const wanted = held.claim.statefulSet;
    if (!wanted) return undefined;
    const set = this.workloads.statefulSet(held.claim.namespace, wanted.name);
    if (!set) return `StatefulSet ${wanted.name} was deleted`;
    if (set.uid !== wanted.uid) return `StatefulSet ${wanted.name} was re-created`;
    if (wanted.ordinal >= set.replicas) return `StatefulSet ${wanted.name} was scaled to ${set.replicas}`;
    return undefined;
  }

  private async releaseRetained(held: HeldClaim): Promise<void> {
    const why = this.unwanted(held);
    if (!why) return;
    const { claim } = held;
    if ((await this.workloads.pod(claim.namespace, claim.pod)) !== null) {
      // Operators scaling down see why the address is still held.
      if (this.kept.get(claim.ip) !== held.modRevision) {
        this.term.logger.info('fixed address kept while its pod exists', { ip: claim.ip, pod: `${claim.namespace}/${claim.pod}`, reason: why });
      }
      this.kept.set(claim.ip, held.modRevision);
      return;
    }
    this.kept.delete(claim.ip);
    await this.remove(held, why);
  }

  private async remove(held: HeldClaim, why: string): Promise<void> {
    const { claim } = held;
    if (await this.claims.writer.remove(held)) {
      this.claims.book.recordDeleted(claim.ip, held.modRevision);
      this.term.logger.info('fixed address released', { ip: claim.ip, pod: `${claim.namespace}/${claim.pod}`, reason: why });
    }
  }

  /**
   * Claims held by a node without a heartbeat (its daemon is gone, so no DEL will come) whose pod no longer exists,
   * or exists with another UID: released on the second pass that finds them unchanged. Retained ones only lose their
   * node; whether the address stays is the StatefulSet's business.
   */
  private async collect(): Promise<void> {
    if (!this.term.active || !this.workloads.synced) return;
    const prefix = heartbeatPrefix(this.term.config.name);
    const live = new Set((await this.term.store.list(prefix)).items.map((kv) => keyLeaf(kv.key, prefix)));
    const suspects = new Map<string, number>();
    for (const held of this.claims.book.all()) {
      const { claim } = held;
      if (claim.node === '' || live.has(claim.node)) continue;
      const pod = await this.workloads.pod(claim.namespace, claim.pod);
      if (pod !== null && pod.uid === claim.podUid) continue;
      if (this.suspects.get(claim.ip) !== held.modRevision) {
        suspects.set(claim.ip, held.modRevision);
        continue;
      }
      const why = `node ${claim.node} has no running k8s-ovs and pod ${claim.namespace}/${claim.pod} ${pod ? 'was re-created' : 'is gone'}`;
      if (!claim.retain) await this.remove(held, why);
      else if (await this.claims.writer.detach(held, new Date().toISOString())) {
        this.term.logger.info('retained fixed address detached from a node that is gone', { ip: claim.ip, node: claim.node });
      }
    }
    this.suspects = suspects;
    for (const held of this.claims.book.all()) if (held.claim.retain) await this.releaseRetained(held);
  }
}
