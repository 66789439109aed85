// Runs a check every interval, never two at once, until stopped: the switch watchdog and the firewall keeper.
export class PeriodicCheck {
  private timer?: NodeJS.Timeout;

  constructor(private readonly check: () => Promise<void>, private readonly intervalMs: number) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    // The next check is timed from the end of this one; unref'd, it never holds the process open alone.
    this.timer = setTimeout(() => void this.check().finally(() => { if (this.timer) this.schedule(); }), this.intervalMs);
    this.timer.unref();
  }
}
