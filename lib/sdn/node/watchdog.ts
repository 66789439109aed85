// Notices that ovs-vswitchd lost its flows or bridge settings (restart, crash) and restores them.
import type { Logger } from '../../log.js';
import { PeriodicCheck } from './periodic-check.js';
import { type SwitchReader, lostSetup } from './setup.js';

export const DEFAULT_SWITCH_CHECK_MS = 250;
/**
 * Fragment handling is lost only when ovs-vswitchd restarts (a new pid) or an admin changes it, so it is
 * read at once after a restart and otherwise every this many checks, not on each.
 */
export const FRAGMENT_CHECK_EVERY = 8;

export class SwitchWatchdog {
  private readonly periodic: PeriodicCheck;
  private healthy = true;
  private checks = 0;
  private vswitchdPid?: number;
  /** How many times flows were found missing and restored. */
  restores = 0;

  constructor(
    private readonly ovs: SwitchReader,
    private readonly restore: () => Promise<void>,
    private readonly log: Logger,
    intervalMs = DEFAULT_SWITCH_CHECK_MS,
  ) {
    this.periodic = new PeriodicCheck(() => this.check(), intervalMs);
  }

  start(): void {
    this.periodic.start();
  }

  stop(): void {
    this.periodic.stop();
  }

  private async check(): Promise<void> {
    let lost: string | undefined;
    try {
      const pid = await this.ovs.vswitchdPid();
      const restarted = pid !== this.vswitchdPid;
      this.vswitchdPid = pid;
      lost = await lostSetup(this.ovs, restarted || ++this.checks % FRAGMENT_CHECK_EVERY === 0);
    } catch (error) {
      if (this.healthy) this.log.warn('cannot read the switch; will restore its flows when it answers', { error: (error as Error).message });
      this.healthy = false;
      return;
    }
    if (lost === undefined && this.healthy) return;
    const started = performance.now();
    try {
      await this.restore();
      this.restores += 1;
      this.healthy = true;
      this.log.info('switch flows restored', { ms: Math.round(performance.now() - started), reason: lost ?? 'switch back' });
    } catch (error) {
      if (this.healthy) this.log.error('restoring the switch failed; retrying', { error: (error as Error).message });
      this.healthy = false;
    }
  }
}
