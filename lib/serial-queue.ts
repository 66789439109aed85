// Runs operations one at a time in the order they were queued; every serial queue of the daemon is one of these.

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** How many operations are queued or running. */
  get size(): number {
    return this.pending;
  }

  /** Runs `work` after everything queued before it has settled; the caller gets its result or its error. */
  run<T>(work: () => T | Promise<T>): Promise<T> {
    this.pending += 1;
    const result = this.tail.then(work, work);
    // The queue itself only needs to know the work settled; its error belongs to the caller.
    this.tail = result.then(() => { this.pending -= 1; }, () => { this.pending -= 1; });
    return result;
  }

  /** Settles once everything queued so far has settled. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
