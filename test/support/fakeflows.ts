// An in-memory switch flow table for unit tests (applies bundles all-or-nothing, like OVS), and a counting FlowSync.
import type { Flow, FlowsByKey } from '../../lib/ovs/flow.js';
import { flowKey } from '../../lib/ovs/flow.js';
import { FlowSync, type FlowTarget, type OwnerFlows } from '../../lib/ovs/flowsync.js';
import type { FlowChange } from '../../lib/ovs/switch.js';

export class FakeFlowTable implements FlowTarget {
  readonly flows = new Map<string, Flow>();
  readonly bundles: FlowChange[][] = [];
  failNextBundle = false;

  async bundle(changes: readonly FlowChange[]): Promise<void> {
    if (this.failNextBundle) {
      this.failNextBundle = false;
      throw new Error('bundle rejected by the fake switch');
    }
    this.bundles.push([...changes]);
    for (const change of changes) {
      if (change.op === 'add') this.flows.set(flowKey(change.flow), change.flow);
      else this.flows.delete(flowKey(change.flow));
    }
  }

  async replaceAllFlows(owners: readonly FlowsByKey[]): Promise<void> {
    this.bundles.push([]);
    this.flows.clear();
    for (const flows of owners) for (const [key, flow] of flows) this.flows.set(key, flow);
  }

  ofOwner(cookie: bigint): Flow[] {
    return [...this.flows.values()].filter((flow) => flow.cookie === cookie);
  }
}

/** A FlowSync that counts the owners it was asked to compare, to show what one change costs. */
export class CountingFlowSync extends FlowSync {
  ownersCompared = 0;

  override replaceOwners(owners: OwnerFlows): Promise<number> {
    this.ownersCompared += owners.size;
    return super.replaceOwners(owners);
  }
}
