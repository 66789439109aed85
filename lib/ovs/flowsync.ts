// Keeps the switch's flows equal to the desired flows per owner: diffs one owner set into one bundle.
import type { Cookie } from './cookie.js';
import { type Flow, type FlowsByKey, flowKey, sameFlow } from './flow.js';
import type { FlowChange } from './switch.js';
import { SerialQueue } from '../serial-queue.js';

/** What FlowSync needs from a switch; OvsSwitch implements it, unit tests fake it. */
export interface FlowTarget {
  bundle(changes: readonly FlowChange[]): Promise<void>;
  /** The whole table: every owner's flows, keyed as FlowSync keeps them. */
  replaceAllFlows(owners: readonly FlowsByKey[]): Promise<void>;
}

export type OwnerFlows = ReadonlyMap<Cookie, readonly Flow[]>;

export class FlowSync {
  /** Flows the switch accepted, per owner, keyed by table+priority+match. */
  private readonly installed = new Map<Cookie, Map<string, Flow>>();
  /** One bundle at a time: each diff is taken against what the previous one left. */
  private readonly queue = new SerialQueue();

  constructor(private readonly target: FlowTarget) {}

  /**
   * Gives each listed owner exactly the flows listed (an empty list removes the owner) in one bundle.
   * The cache changes only after the switch accepted the bundle.
   */
  replaceOwners(owners: OwnerFlows): Promise<number> {
    return this.queue.run(async () => {
      const changes: FlowChange[] = [];
      const next = new Map<Cookie, Map<string, Flow>>();
      for (const [owner, flows] of owners) {
        const before = this.installed.get(owner) ?? new Map<string, Flow>();
        const after = keyed(flows);
        for (const [key, old] of before) if (!after.has(key)) changes.push({ op: 'deleteStrict', flow: old });
        for (const [key, flow] of after) {
          const old = before.get(key);
          if (!old || !sameFlow(old, flow)) changes.push({ op: 'add', flow });
        }
        next.set(owner, after);
      }
      await this.target.bundle(changes);
      for (const [owner, flows] of next) {
        if (flows.size === 0) this.installed.delete(owner);
        else this.installed.set(owner, flows);
      }
      return changes.length;
    });
  }

  /**
   * Makes the switch hold exactly these flows (all owners), changing only the differences in one
   * bundle: used at start, after a switch restart and on pipeline upgrade, never a flush.
   */
  replaceAll(owners: OwnerFlows): Promise<void> {
    return this.queue.run(async () => {
      // Keyed first: the switch's input is rendered from the keys, so each match is rendered once.
      const next = new Map<Cookie, Map<string, Flow>>();
      for (const [owner, flows] of owners) if (flows.length) next.set(owner, keyed(flows));
      await this.target.replaceAllFlows([...next.values()]);
      this.installed.clear();
      for (const [owner, flows] of next) this.installed.set(owner, flows);
    });
  }
}

function keyed(flows: readonly Flow[]): Map<string, Flow> {
  return new Map(flows.map((flow) => [flowKey(flow), flow]));
}
