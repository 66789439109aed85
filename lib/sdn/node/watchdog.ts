// Notices that the switch lost this node's set-up (ovs-vswitchd restarted, the bridge was re-created, flows
// were deleted by hand) and restores it. Restarts and bridges are events, not polls: a kept connection to
// ovs-vswitchd closes when it exits, and OVSDB reports the bridge row; a slow check catches hand edits.
import { messageOf } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { VswitchdSession } from '../../ovs/vswitchd.js';
import { PeriodicCheck } from './periodic-check.js';
import { type SwitchReader, lostSetup } from './setup.js';

/**
 * How often the flows and fragment handling are read anyway: nothing tells when an admin deletes flows
 * (`ovs-ofctl del-flows`) or changes the fragment handling, which OVSDB does not hold.
 */
export const DEFAULT_SAFETY_CHECK_MS = 5_000;
/** Waits between attempts while ovs-vswitchd or OVSDB is away, or a restore fails: doubling up to the max. */
export const FIRST_RETRY_MS = 100;
export const MAX_RETRY_MS = 2000;

export interface WatchdogOptions {
  safetyCheckMs?: number | undefined;
}

export class SwitchWatchdog {
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly safetyCheck: PeriodicCheck;
  /** A restore running or due; a trigger meanwhile leaves `again` for one more run. */
  private healing: Promise<void> | undefined;
  private again: string | undefined;
  private unhealthy = false;
  private session: VswitchdSession | undefined;
  /** How many times the set-up was found lost and restored. */
  restores = 0;

  constructor(
    private readonly ovs: SwitchReader,
    private readonly restore: () => Promise<void>,
    private readonly log: Logger,
    options: WatchdogOptions = {},
  ) {
    this.safetyCheck = new PeriodicCheck(() => this.check('safety check'), options.safetyCheckMs ?? DEFAULT_SAFETY_CHECK_MS);
  }

  start(): void {
    void this.followVswitchd();
    void this.followBridge();
    this.safetyCheck.start();
  }

  stop(): void {
    this.stopped = true;
    this.safetyCheck.stop();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.session?.close();
  }

  /** Holds a session with ovs-vswitchd; each one after the first means it restarted. */
  private async followVswitchd(): Promise<void> {
    let sessions = 0;
    while (!this.stopped) {
      const session = await this.retrying(() => this.ovs.openVswitchdSession(), 'ovs-vswitchd is not reachable; waiting for it');
      if (!session) return;
      this.session = session;
      // A restart between the node's set-up and the first session is found by one check. After a restart the
      // control socket answers before the bridges are up: restore once br0 answers and shows what it lost, as a
      // restore that raced the bridge's bring-up was seen to leave pods cut off.
      if (sessions++ === 0) void this.check('watchdog started');
      else void this.checkOnceReadable(`ovs-vswitchd restarted (pid ${session.pid})`);
      await session.closed;
      if (this.stopped) return;
      this.log.warn('ovs-vswitchd exited; restoring the switch when it is back', { pid: session.pid });
    }
  }

  /** Follows the bridge's OVSDB row; a renewed connection to ovsdb-server is checked once: it may hold a new database. */
  private async followBridge(): Promise<void> {
    for (let renewed = false; !this.stopped; renewed = true) {
      const following = await this.retrying(async () => {
        let lost!: () => void;
        const ended = new Promise<void>((resolve) => { lost = resolve; });
        await this.ovs.watchBridge((what) => this.heal(what), () => lost());
        return { ended };
      }, 'cannot follow the bridge in OVSDB; retrying');
      if (!following) return;
      if (renewed) void this.check('OVSDB connection renewed');
      await following.ended;
    }
  }

  /** Restores the set-up if it is lost. */
  private async check(why: string): Promise<void> {
    let lost: string | undefined;
    try {
      lost = await lostSetup(this.ovs);
    } catch (error) {
      // Unreachable: the session with ovs-vswitchd tells when it is back.
      this.log.debug('cannot read the switch', { why, error: messageOf(error) });
      return;
    }
    if (lost !== undefined) this.heal(lost);
  }

  /** Reads the switch until it answers (ovs-vswitchd is back), then restores the set-up if it is lost. */
  private async checkOnceReadable(why: string): Promise<void> {
    const lost = await this.retrying(() => lostSetup(this.ovs), `${why}; waiting for its bridge`);
    if (lost !== undefined) this.heal(`${why}: ${lost}`);
  }

  /** Runs the restore until it succeeds; triggers meanwhile run it once more afterwards. */
  private heal(reason: string): void {
    if (this.stopped) return;
    if (this.healing) {
      this.again = reason;
      return;
    }
    this.healing = this.restoring(reason).finally(() => {
      this.healing = undefined;
      const again = this.again;
      this.again = undefined;
      if (again !== undefined) this.heal(again);
    });
  }

  private async restoring(reason: string): Promise<void> {
    const started = performance.now();
    const done = await this.retrying(async () => {
      await this.restore();
      return true;
    }, 'restoring the switch failed; retrying');
    if (!done) return;
    this.restores += 1;
    this.log.info('switch flows restored', { ms: Math.round(performance.now() - started), reason });
  }

  /** `attempt` until it succeeds (its value) or the watchdog stops (undefined); logs the first failure only. */
  private async retrying<T>(attempt: () => Promise<T>, failing: string): Promise<T | undefined> {
    for (let waitMs = FIRST_RETRY_MS; !this.stopped; waitMs = Math.min(waitMs * 2, MAX_RETRY_MS)) {
      try {
        const value = await attempt();
        if (this.unhealthy) this.log.info('switch reachable again');
        this.unhealthy = false;
        return value;
      } catch (error) {
        if (!this.unhealthy) this.log.warn(failing, { error: messageOf(error) });
        this.unhealthy = true;
        await this.sleep(waitMs);
      }
    }
    return undefined;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}
