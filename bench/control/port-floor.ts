// The floor under a pod ADD on this machine's switch: how long ovs-vswitchd takes to add one port, with nothing of
// k8s-ovs involved, as the bridge fills up. `ovs-vsctl add-port` returns once ovs-vswitchd has applied the port.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SandboxNode } from '../../test/support/sandbox/index.js';
import { type Summary, summarize } from '../stats.js';

export interface PortFloorPoint {
  /** Veth ports already on the bridge. */
  portsBefore: number;
  /** `ovs-vsctl add-port`, waiting for ovs-vswitchd. */
  addPortMs: Summary;
  /** CPU of ovs-vswitchd and ovsdb-server per port added, the veth's own link events included. */
  ovsCpuMsPerAdd: number;
}

export interface PortFloorResult {
  /** An `ovs-vsctl` run that does not wait for ovs-vswitchd: the program's own share of `addPortMs`. */
  vsctlNoWaitMs: Summary;
  points: PortFloorPoint[];
}

const BRIDGE = 'br-floor';

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/** utime + stime of a process, in ms (clock ticks of 10 ms). */
async function cpuMs(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** On a node with no daemon and no pods: a userspace bridge of its own, filled to each of `sizes` ports. */
export async function measurePortFloor(node: SandboxNode, sizes: readonly number[], samples: number): Promise<PortFloorResult> {
  const pidOf = async (daemon: string) => Number((await readFile(path.join(node.ovsRunDir, `${daemon}.pid`), 'utf8')).trim());
  const ovsPids = [await pidOf('ovs-vswitchd'), await pidOf('ovsdb-server')];
  const ovsCpu = async () => (await Promise.all(ovsPids.map(cpuMs))).reduce((a, b) => a + b, 0);
  await node.vsctl(['--may-exist', 'add-br', BRIDGE, '--', 'set', 'bridge', BRIDGE, 'datapath_type=netdev']);
  let made = 0;
  const addPort = async (): Promise<number> => {
    const name = `pf${made}`;
    await node.exec('ip', ['link', 'add', name, 'up', 'type', 'veth', 'peer', 'name', `pq${made}`]);
    made += 1;
    return timed(() => node.vsctl(['add-port', BRIDGE, name]));
  };
  try {
    const noWait: number[] = [];
    for (let i = 0; i < samples; i++) noWait.push(await timed(() => node.vsctl(['--no-wait', 'get', 'Open_vSwitch', '.', '_uuid'])));
    const points: PortFloorPoint[] = [];
    for (const size of sizes) {
      while (made < size) await addPort();
      const cpuBefore = await ovsCpu();
      const times: number[] = [];
      for (let i = 0; i < samples; i++) times.push(await addPort());
      points.push({ portsBefore: size, addPortMs: summarize(times), ovsCpuMsPerAdd: (await ovsCpu() - cpuBefore) / samples });
    }
    return { vsctlNoWaitMs: summarize(noWait), points };
  } finally {
    await node.vsctl(['--if-exists', 'del-br', BRIDGE]);
    for (let i = 0; i < made; i++) await node.exec('ip', ['link', 'del', `pf${i}`]).catch(() => undefined);
  }
}
