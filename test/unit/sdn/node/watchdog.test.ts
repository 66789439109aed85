import { expect } from 'chai';
import type { DumpedFlow } from '../../../../lib/ovs/dump.js';
import type { FragmentHandling } from '../../../../lib/ovs/switch.js';
import { silentLogger } from '../../../../lib/log.js';
import { SwitchWatchdog } from '../../../../lib/sdn/node/watchdog.js';
import type { SwitchReader } from '../../../../lib/sdn/node/setup.js';
import { versionNote } from '../../../../lib/sdn/pipeline/flows.js';
import { FRAGMENT_HANDLING, PIPELINE_VERSION, Table } from '../../../../lib/sdn/pipeline/tables.js';

/** A switch that holds what a restore gives it, until the test takes something away. */
class FakeSwitch implements SwitchReader {
  versionFlow = true;
  fragments: FragmentHandling = FRAGMENT_HANDLING;
  pid = 100;
  fragmentReads = 0;

  async vswitchdPid(): Promise<number> {
    return this.pid;
  }

  async dumpFlows(): Promise<DumpedFlow[]> {
    const note = Buffer.from(versionNote(PIPELINE_VERSION)).toString('hex').match(/../g)!.join('.');
    return this.versionFlow ? [{ cookie: 1n, table: Table.Version, priority: 0, match: '', actions: `note:${note}` }] : [];
  }

  async fragmentHandling(): Promise<FragmentHandling> {
    this.fragmentReads += 1;
    return this.fragments;
  }

  restore = async (): Promise<void> => {
    this.versionFlow = true;
    this.fragments = FRAGMENT_HANDLING;
  };
}

const INTERVAL_MS = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Waits for the first restore (timers run late on a loaded machine), then a while longer for any further ones. */
async function restoresAfterSettling(dog: SwitchWatchdog): Promise<number> {
  const deadline = Date.now() + 2000;
  while (dog.restores === 0 && Date.now() < deadline) await sleep(INTERVAL_MS);
  await sleep(INTERVAL_MS * 10);
  return dog.restores;
}

describe('SwitchWatchdog', () => {
  let watchdog: SwitchWatchdog | undefined;
  afterEach(() => watchdog?.stop());

  const watch = (ovs: FakeSwitch) => {
    watchdog = new SwitchWatchdog(ovs, ovs.restore, silentLogger, INTERVAL_MS);
    watchdog.start();
    return watchdog;
  };

  it('leaves a switch that holds its flows and fragment handling alone', async () => {
    const dog = watch(new FakeSwitch());
    await sleep(INTERVAL_MS * 10);
    expect(dog.restores).to.equal(0);
  });

  it('restores a switch whose flows are gone', async () => {
    const ovs = new FakeSwitch();
    const dog = watch(ovs);
    ovs.versionFlow = false;
    expect(await restoresAfterSettling(dog)).to.equal(1);
    expect(ovs.versionFlow).to.equal(true);
  });

  it('restores a switch that kept its flows but is back in the default fragment handling (ovs-save after a restart)', async () => {
    const ovs = new FakeSwitch();
    const dog = watch(ovs);
    ovs.fragments = 'normal';
    expect(await restoresAfterSettling(dog)).to.equal(1);
    expect(ovs.fragments).to.equal(FRAGMENT_HANDLING);
  });

  it('reads the fragment handling at once after ovs-vswitchd restarts, and otherwise only every few checks', async () => {
    const ovs = new FakeSwitch();
    const dog = watch(ovs);
    while (dog.restores === 0 && ovs.fragmentReads < 1) await sleep(INTERVAL_MS);
    const readsBefore = ovs.fragmentReads;
    const polled = { flows: 0 };
    const dumpFlows = ovs.dumpFlows.bind(ovs);
    ovs.dumpFlows = async () => { polled.flows += 1; return dumpFlows(); };
    while (polled.flows < 24) await sleep(INTERVAL_MS);
    expect(ovs.fragmentReads - readsBefore, 'fragment reads in 24 checks').to.be.within(1, 6);
    ovs.fragments = 'normal';
    ovs.pid = 101;
    const checksAtRestart = polled.flows;
    while (dog.restores === 0) await sleep(INTERVAL_MS);
    expect(polled.flows - checksAtRestart).to.be.at.most(2);
  });
});
