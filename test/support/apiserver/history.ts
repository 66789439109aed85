// The bounded window of recent changes a watch can resume from (the real server's watch cache).
import { ApiError } from './api-error.js';
import type { ChangeEvent } from './types.js';

export class ChangeHistory {
  private events: ChangeEvent[] = [];
  /** Every change after this revision is still held; a watch from an older one gets 410. */
  private startRevision: number;

  constructor(
    private readonly capacity: number,
    currentRevision: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`history capacity must be a positive integer, got ${capacity}`);
    }
    this.startRevision = currentRevision;
  }

  record(event: ChangeEvent): void {
    this.events.push(event);
    if (this.events.length > this.capacity) {
      this.startRevision = this.events.shift()!.revision;
    }
  }

  /** The changes after `revision`, oldest first; throws the 410 the real watch cache sends. */
  since(revision: number): ChangeEvent[] {
    if (revision < this.startRevision) throw ApiError.expired(revision, this.startRevision);
    const first = this.events.findIndex((event) => event.revision > revision);
    return first < 0 ? [] : this.events.slice(first);
  }

  /** Forget every change up to `currentRevision`, like etcd compaction or a fresh watch cache. */
  reset(currentRevision: number): void {
    this.events = [];
    this.startRevision = currentRevision;
  }
}
