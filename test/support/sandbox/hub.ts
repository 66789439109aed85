// The hub namespace: a Linux bridge joining every node's uplink, holding the address etcd and the API server listen on.
import { addNetns, execIn, type NetnsHandle } from './netns.js';
import { run, type RunOptions, type RunResult } from './process.js';

export const HUB_BRIDGE = 'br-hub';

export class Hub implements NetnsHandle {
  readonly netnsPath: string;

  private constructor(
    readonly netns: string,
    /** The hub's underlay address (e.g. 10.99.0.254): where servers for the nodes listen. */
    readonly ip: string,
    readonly prefixLength: number,
    netnsPath: string,
  ) {
    this.netnsPath = netnsPath;
  }

  static async create(netns: string, ip: string, prefixLength: number, onNetns: (name: string) => void): Promise<Hub> {
    const handle = await addNetns(netns, onNetns);
    await run('ip', ['-n', netns, '-batch', '-'], {
      input: [
        `link add ${HUB_BRIDGE} type bridge`,
        `addr add ${ip}/${prefixLength} dev ${HUB_BRIDGE}`,
        `link set ${HUB_BRIDGE} up`,
        '',
      ].join('\n'),
    });
    // Segments the hub sends with a partial checksum reach OVS's userspace datapath (via AF_PACKET) unfixed
    // and are dropped by the node: ping works, TCP from or to the hub never connects (see sandbox-cluster.md).
    await execIn(handle, 'ethtool', ['-K', HUB_BRIDGE, 'tx', 'off']);
    return new Hub(netns, ip, prefixLength, handle.netnsPath);
  }

  /** Creates a veth whose hub end (`v-NODE`) is on the hub bridge and whose other end, `peerName`, is in `peerNetns`. */
  async addUplink(nodeName: string, peerNetns: string, peerName: string): Promise<string> {
    const hubEnd = `v-${nodeName}`;
    await run('ip', ['-n', this.netns, '-batch', '-'], {
      input: [
        `link add ${hubEnd} type veth peer name ${peerName} netns ${peerNetns}`,
        `link set ${hubEnd} master ${HUB_BRIDGE} up`,
        '',
      ].join('\n'),
    });
    return hubEnd;
  }

  /** Deletes the node's uplink (both ends): at once, where a deleted namespace's veths go only later. */
  async removeUplink(nodeName: string): Promise<void> {
    await run('ip', ['-n', this.netns, 'link', 'del', `v-${nodeName}`]);
  }

  exec(cmd: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
    return execIn(this, cmd, args, options);
  }
}
