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

export class PodLinks {
  constructor(private readonly runner: CommandRunner) {}

  private inPod(netnsPath: string, command: string, args: string[], input?: string): Promise<string> {
    return this.runner.run('nsenter', [`--net=${netnsPath}`, command, ...args], { input });
  }

  /**
   * Creates the pair with its pod end already inside the netns, so a half-made pair is never visible
   * there; configurePodEnd then sets it up. One `ip -batch` run in the common case.
   */
  async create(hostName: string, hostMac: string, config: PodInterfaceConfig): Promise<void> {
    try {
      await this.addPair(hostName, hostMac, config);
    } catch (error) {
      if (!(error instanceof CommandError) || !/File exists/.test(error.stderr)) throw error;
      // A name is taken: the pod's interface (ADD must fail) or a host end that a crashed ADD left.
      if (await this.podInterface(config.netnsPath, config.ifname)) {
        throw new InterfaceExistsError(`interface ${config.ifname} already exists in ${config.netnsPath}`);
      }
      await this.deleteHostEnd(hostName);
      await this.addPair(hostName, hostMac, config);
    }
  }

  private async addPair(hostName: string, hostMac: string, config: PodInterfaceConfig): Promise<void> {
    const mtu = String(config.mtu);
    const hostCommands = [
      `link add ${hostName} address ${hostMac} mtu ${mtu} type veth peer name ${config.ifname} mtu ${mtu} netns ${config.netnsPath}`,
      `link set ${hostName} up`,
    ];
    await this.runner.run('ip', ['-batch', '-'], { input: hostCommands.join('\n') + '\n' });
  }

  /** Address, routes and offloads of the pod end, in one program run inside the netns. */
  async configurePodEnd(config: PodInterfaceConfig): Promise<void> {
    const podCommands = [
      `link set lo up`,
      `link set ${config.ifname} address ${config.mac}`,
      `addr add ${config.address}/${config.subnet.prefixLength} dev ${config.ifname}`,
      `link set ${config.ifname} up`,
      ...config.onLinkRoutes.map((route) => `route add ${route.toString()} dev ${config.ifname}`),
      `route add default via ${config.gateway} dev ${config.ifname}`,
    ].join('\n') + '\n';
    if (!config.disableTxChecksumOffload) {
      await this.inPod(config.netnsPath, 'ip', ['-batch', '-'], podCommands);
      return;
    }
    // One process entering the netns for both programs; the name goes in as $1, never into the script.
    await this.inPod(config.netnsPath, 'sh', ['-c', 'ip -batch - && exec ethtool -K "$1" tx off', 'sh', config.ifname], podCommands);
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
