// A pod's veth pair: the host end stays on the node, the other end is configured inside the pod's netns.
import type { CommandRunner } from '../exec/command.js';
import { CommandError } from '../exec/command.js';
import type { Cidr, Ipv4 } from '../net/ipv4.js';
import type { Mac } from '../net/mac.js';

export interface PodInterfaceConfig {
  netnsPath: string;
  ifname: string;
  mac: Mac;
  address: Ipv4;
  subnet: Cidr;
  gateway: Ipv4;
  /** Reached on-link (no gateway): the cluster network, so remote pods answer ARP over VXLAN. */
  onLinkRoutes: readonly Cidr[];
  mtu: number;
  /** The userspace datapath does not fill in checksums that the veth left to offload. */
  disableTxChecksumOffload: boolean;
}

export interface PodInterfaceState {
  mac: string;
  mtu: number;
  addresses: string[];
  routes: Array<{ dst: string; gateway?: string }>;
}

/** The interface name asked for is already taken inside the pod (the spec says ADD must fail). */
export class InterfaceExistsError extends Error {
  override name = 'InterfaceExistsError';
}

/** The exit code of the create script when the host's `ip -batch` failed (nothing was made). */
export const HOST_STEP_FAILED = 101;
const POD_STEP_FAILED = 102;

/**
 * $1 netns path, $2 host commands, $3 pod commands, $4 the interface whose checksum offload goes off ('' none).
 * The userspace datapath does not fill in checksums that the veth left to offload.
 */
const CREATE_SCRIPT = [
  'ip -batch - <<EOF || exit ' + String(HOST_STEP_FAILED), '$2', 'EOF',
  'nsenter --net="$1" ip -batch - <<EOF || exit ' + String(POD_STEP_FAILED), '$3', 'EOF',
  '[ -z "$4" ] || exec nsenter --net="$1" ethtool -K "$4" tx off',
].join('\n');

function batch(commands: readonly string[]): string {
  return commands.join('\n') + '\n';
}

export class PodLinks {
  constructor(private readonly runner: CommandRunner) {}

  private inPod(netnsPath: string, command: string, args: string[], input?: string): Promise<string> {
    return this.runner.run('nsenter', [`--net=${netnsPath}`, command, ...args], { input });
  }

  /**
   * Creates the pair with its pod end already inside the netns, so a half-made pair is never visible there,
   * and configures both ends, in one program run: each run costs the daemon a fork of itself.
   */
  async create(hostName: string, hostMac: string, config: PodInterfaceConfig): Promise<void> {
    try {
      await this.createAndConfigure(hostName, hostMac, config);
    } catch (error) {
      if (!(error instanceof CommandError) || error.exitCode !== HOST_STEP_FAILED || !/File exists/.test(error.stderr)) throw error;
      // A name is taken: the pod's interface (ADD must fail) or a host end that a crashed ADD left.
      if (await this.podInterface(config.netnsPath, config.ifname)) {
        throw new InterfaceExistsError(`interface ${config.ifname} already exists in ${config.netnsPath}`);
      }
      await this.deleteHostEnd(hostName);
      await this.createAndConfigure(hostName, hostMac, config);
    }
  }

  /** One run of the create script; a pair whose configuration failed is removed before the error goes up. */
  private async createAndConfigure(hostName: string, hostMac: string, config: PodInterfaceConfig): Promise<void> {
    const mtu = String(config.mtu);
    const hostCommands = [
      `link add ${hostName} address ${hostMac} mtu ${mtu} up type veth peer name ${config.ifname} address ${config.mac} mtu ${mtu} `
      + `netns ${config.netnsPath}`,
    ];
    const podCommands = [
      `link set lo up`,
      `addr add ${config.address}/${config.subnet.prefixLength} dev ${config.ifname}`,
      `link set ${config.ifname} up`,
      ...config.onLinkRoutes.map((route) => `route add ${route.toString()} dev ${config.ifname}`),
      `route add default via ${config.gateway} dev ${config.ifname}`,
    ];
    // Names and commands go in as arguments, never into the script; the exit code tells which step failed.
    try {
      await this.runner.run('sh', ['-c', CREATE_SCRIPT, 'sh', config.netnsPath, batch(hostCommands), batch(podCommands),
        config.disableTxChecksumOffload ? config.ifname : '']);
    } catch (error) {
      const nothingMade = error instanceof CommandError && error.exitCode === HOST_STEP_FAILED;
      if (!nothingMade) await this.deleteHostEnd(hostName).catch(() => undefined);
      throw error;
    }
  }

  /** Deletes the host end (which takes the pod end with it); false if there was none. */
  async deleteHostEnd(hostName: string): Promise<boolean> {
    try {
      await this.runner.run('ip', ['link', 'del', hostName]);
      return true;
    } catch (error) {
      if (!(error instanceof CommandError) || !/Cannot find device|does not exist/.test(error.stderr)) throw error;
      return false;
    }
  }

  /** Removes the pod end by name, for a pod whose host end is unknown or already gone. */
  async deletePodInterface(netnsPath: string, ifname: string): Promise<void> {
    try {
      await this.inPod(netnsPath, 'ip', ['link', 'del', ifname]);
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      // Gone already, or the netns itself is gone: both mean there is nothing left to remove.
    }
  }

  /** The pod end as the kernel sees it, or undefined if the netns or interface does not exist. */
  async podInterface(netnsPath: string, ifname: string): Promise<PodInterfaceState | undefined> {
    let linkJson: string;
    try {
      linkJson = await this.inPod(netnsPath, 'ip', ['-j', 'addr', 'show', 'dev', ifname]);
    } catch (error) {
      if (error instanceof CommandError) return undefined;
      throw error;
    }
    const [link] = JSON.parse(linkJson) as Array<{
      address: string; mtu: number; addr_info: Array<{ family: string; local: string; prefixlen: number }>;
    }>;
    if (!link) return undefined;
    const routes = JSON.parse(await this.inPod(netnsPath, 'ip', ['-j', '-4', 'route', 'show', 'dev', ifname])) as
      Array<{ dst: string; gateway?: string }>;
    return {
      mac: link.address,
      mtu: link.mtu,
      addresses: link.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`),
      routes: routes.map(({ dst, gateway }) => (gateway ? { dst, gateway } : { dst })),
    };
  }
}
