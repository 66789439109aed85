// A bare pod network namespace: what a container runtime hands the CNI plugin as CNI_NETNS.
import { addNetns, execIn, type NetnsHandle } from './netns.js';
import type { RunOptions, RunResult } from './process.js';

export class PodNetns implements NetnsHandle {
  private constructor(
    /** Logical pod name given by the test. */
    readonly name: string,
    readonly netns: string,
    readonly netnsPath: string,
  ) {}

  /** Creates `netns` with only its loopback (up); attaching it to a node is the caller's job. */
  static async create(name: string, netns: string, onNetns: (name: string) => void): Promise<PodNetns> {
    const handle = await addNetns(netns, onNetns);
    return new PodNetns(name, netns, handle.netnsPath);
  }

  exec(cmd: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
    return execIn(this, cmd, args, options);
  }

  /** The IPv4 address of `dev` (after the CNI plugin configured it), or undefined. */
  async ipv4(dev = 'eth0'): Promise<string | undefined> {
    const { stdout } = await this.exec('ip', ['-4', '-o', 'addr', 'show', 'dev', dev], { reject: false });
    return /inet (\d+\.\d+\.\d+\.\d+)\//.exec(stdout)?.[1];
  }
}
