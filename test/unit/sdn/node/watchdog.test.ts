import FakeTimers from '@sinonjs/fake-timers';
import { expect } from 'chai';
import { silentLogger } from '../../../../lib/log.js';
import { DEFAULT_SAFETY_CHECK_MS, MAX_RETRY_MS, SwitchWatchdog } from '../../../../lib/sdn/node/watchdog.js';
import { flow, flowKey } from '../../../../lib/ovs/flow.js';
import { versionNote } from '../../../../lib/sdn/pipeline/flows.js';
import { FRAGMENT_HANDLING, PIPELINE_VERSION } from '../../../../lib/sdn/pipeline/tables.js';
import { FakeSwitch } from '../../../support/fakenode.js';

/** A switch set up as the node leaves it: the version flow and the fragment handling. */
function setUp(ovs: FakeSwitch): void {
  const marker = flow(253, 0).note(versionNote(PIPELINE_VERSION));
  ovs.flows.set(flowKey(marker), marker);
  ovs.fragments = FRAGMENT_HANDLING;
}

describe('SwitchWatchdog', () => {
  let clock: ReturnType<typeof FakeTimers.install>;
  let ovs: FakeSwitch;
  let watchdog: SwitchWatchdog;
  let restoreFailures = 0;

  beforeEach(async () => {
    clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    ovs = new FakeSwitch();
    setUp(ovs);
    restoreFailures = 0;
    watchdog = new SwitchWatchdog(ovs, async () => {
      if (restoreFailures > 0) {
        restoreFailures -= 1;
        throw new Error('br0.mgmt is not there yet');
      }
      setUp(ovs);
    }, silentLogger);
    watchdog.start();
    await clock.tickAsync(0);
  });

  afterEach(() => {
    watchdog.stop();
    clock.uninstall();
  });

  it('reads nothing while the switch keeps its set-up, until the slow safety check', async () => {
    const reads = () => ovs.faults.count('dumpFlows');
    const atStart = reads();
    await clock.tickAsync(DEFAULT_SAFETY_CHECK_MS - 1);
    expect(reads() - atStart).to.equal(0);
    await clock.tickAsync(1);
    expect(reads() - atStart).to.equal(1);
    expect(watchdog.restores).to.equal(0);
  });

  it('restores at once when ovs-vswitchd restarts, without waiting for a check', async () => {
    ovs.restartVswitchd();
    await clock.tickAsync(0);
    expect(watchdog.restores).to.equal(1);
    expect(ovs.fragments).to.equal(FRAGMENT_HANDLING);
  });

  it('waits for ovs-vswitchd while it is down, retrying a few times a second, and restores when it is back', async () => {
    ovs.stopVswitchd();
    // Down for less than one safety check: only the session's retries run meanwhile.
    const downMs = DEFAULT_SAFETY_CHECK_MS - 1;
    await clock.tickAsync(downMs);
    expect(watchdog.restores).to.equal(0);
    const attemptsWhileDown = ovs.faults.count('openVswitchdSession');
    expect(attemptsWhileDown).to.be.within(4, downMs / MAX_RETRY_MS + 6);
    ovs.startVswitchd();
    await clock.tickAsync(MAX_RETRY_MS);
    expect(watchdog.restores).to.equal(1);
  });

  it('retries a restore that fails until it succeeds', async () => {
    restoreFailures = 3;
    ovs.restartVswitchd();
    await clock.tickAsync(0);
    expect(watchdog.restores).to.equal(0);
    await clock.tickAsync(100 + 200 + 400);
    expect(watchdog.restores).to.equal(1);
  });

  it('restores when OVSDB reports the bridge deleted and created again', async () => {
    ovs.recreateBridge();
    await clock.tickAsync(0);
    expect(watchdog.restores).to.equal(1);
    expect(ovs.flows.size).to.be.greaterThan(0);
  });

  it('follows the bridge again after the OVSDB connection ends, and checks the switch once then', async () => {
    ovs.dropOvsdb();
    ovs.flows.clear();
    await clock.tickAsync(0);
    expect(ovs.faults.count('watchBridge')).to.equal(2);
    expect(watchdog.restores).to.equal(1);
  });

  it('finds flows deleted by hand, or a changed fragment handling, at the next safety check', async () => {
    ovs.flows.clear();
    await clock.tickAsync(DEFAULT_SAFETY_CHECK_MS);
    expect(watchdog.restores).to.equal(1);
    ovs.fragments = 'normal';
    await clock.tickAsync(DEFAULT_SAFETY_CHECK_MS);
    expect(watchdog.restores).to.equal(2);
  });

  it('does nothing more once stopped', async () => {
    watchdog.stop();
    ovs.restartVswitchd();
    ovs.flows.clear();
    await clock.tickAsync(DEFAULT_SAFETY_CHECK_MS * 3);
    expect(watchdog.restores).to.equal(0);
  });
});
