// Leader election on an etcd lease (etcd3's Election), re-campaigning after a loss, with a write fence.
import type { Campaign, Election } from 'etcd3';
import { LeaseLostError, translateEtcdError } from './errors.js';
import type { StoreInternals } from './store.js';
import type { Fence } from './types.js';

/** A dead leader keeps the election this long (seconds) before another candidate takes over. */
export const DEFAULT_ELECTION_TTL_SECONDS = 10;

const RECAMPAIGN_DELAY_MS = 500;

export interface CandidacyHandlers {
  /** This candidate leads; fence every write with `fence`. */
  elected(fence: Fence): void;
  /** This candidate no longer leads (lease lost, resigned, store closed); stop acting at once. */
  deposed(reason: Error): void;
}

/**
 * One candidate: campaigns until elected, leads until its lease is lost or it steps down, and
 * campaigns again. etcd3 reports a lost lease late (up to twice the TTL after the last keepalive),
 * so writes are fenced on the election key: a deposed leader's writes fail even before it knows.
 */
export class Candidacy {
  private campaign: Campaign | null = null;
  private currentFence: Fence | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: StoreInternals,
    private readonly election: Election,
    readonly identity: string,
    private readonly handlers: CandidacyHandlers,
    private readonly onStop: () => void,
  ) {}

  get fence(): Fence | null {
    return this.currentFence;
  }

  get leading(): boolean {
    return this.currentFence !== null;
  }

  start(): void {
    if (this.stopped) return;
    const campaign = this.election.campaign(this.identity);
    this.campaign = campaign;
    campaign.on('elected', () => void this.takeOffice(campaign));
    campaign.on('error', (error) => this.fail(campaign, translateEtcdError(error, `election ${this.election.name}`)));
  }

  /** Gives up leadership now (e.g. a fenced write was refused) and campaigns again. */
  async stepDown(reason: Error): Promise<void> {
    const campaign = this.campaign;
    if (campaign === null) return;
    this.campaign = null;
    this.leave(reason);
    // Revoking fails only if etcd is unreachable; the lease then expires by its TTL instead.
    await campaign.resign().catch(() => undefined);
    this.schedule();
  }

  /** Leaves the election for good, revoking the lease so another candidate takes over at once. */
  async resign(): Promise<void> {
    this.stop();
    const campaign = this.campaign;
    this.campaign = null;
    this.leave(new LeaseLostError(`resigned from election ${this.election.name}`));
    if (campaign !== null) {
      try {
        await campaign.resign();
      } catch (error) {
        throw translateEtcdError(error, `resign from election ${this.election.name}`);
      }
    }
  }

  /** Stops at once without telling etcd (the store is gone); the lease expires by its TTL. */
  abandon(reason: Error): void {
    this.stop();
    this.campaign?.removeAllListeners();
    this.campaign?.on('error', () => undefined);
    this.campaign = null;
    this.leave(reason);
  }

  private stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.onStop();
  }

  private async takeOffice(campaign: Campaign): Promise<void> {
    try {
      const key = await campaign.getCampaignKey();
      const response = await this.store.call(`read election key ${key}`, () => this.store.client.get(key).exec());
      const kv = response.kvs[0];
      if (campaign !== this.campaign) return;
      if (kv === undefined) throw new LeaseLostError(`election key ${key} vanished right after the election`);
      this.currentFence = { key, createRevision: Number(kv.create_revision) };
      this.store.logger.info('elected', { election: this.election.name, identity: this.identity });
      this.handlers.elected(this.currentFence);
    } catch (error) {
      this.fail(campaign, translateEtcdError(error, `election ${this.election.name}`));
    }
  }

  private fail(campaign: Campaign, error: Error): void {
    if (campaign !== this.campaign) return;
    this.campaign = null;
    // Debug only: while etcd is down this repeats every retry, and the connection monitor logs the outage.
    this.store.logger.debug('election campaign failed', { election: this.election.name, error: error.message });
    this.leave(error);
    campaign.resign().catch(() => undefined);
    this.schedule();
  }

  private leave(reason: Error): void {
    if (this.currentFence === null) return;
    this.currentFence = null;
    this.store.logger.warn('no longer leader', {
      election: this.election.name, identity: this.identity, reason: reason.message,
    });
    this.handlers.deposed(reason);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.start();
    }, RECAMPAIGN_DELAY_MS);
  }
}
