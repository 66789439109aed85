// The node's own kernel networking: tun0 address and routes, forwarding, masquerade, MTU discovery.
import type { CommandRunner } from '../exec/command.js';
import { CommandError } from '../exec/command.js';
import type { Cidr, Ipv4 } from '../net/ipv4.js';

interface IpAddr { ifname: string; mtu: number; address?: string; addr_info: Array<{ family: string; local: string; prefixlen: number }> }

export class HostNetwork {
  constructor(private readonly runner: CommandRunner) {}

  private ip(...args: string[]): Promise<string> {
    return this.runner.run('ip', args);
  }

  /** MTU of the interface holding `address` (the node's underlay), to size pod and tunnel MTUs. */
  async mtuOfAddress(address: Ipv4): Promise<number> {
    const links = JSON.parse(await this.ip('-j', '-4', 'addr', 'show')) as IpAddr[];
    const link = links.find((l) => l.addr_info.some((a) => a.local === address));
    if (!link) throw new Error(`no interface on this host holds the node IP ${address}`);
    return link.mtu;
  }

  /** The source address the kernel would use to reach `destination`. */
  async sourceAddressFor(destination: string): Promise<Ipv4> {
    const routes = JSON.parse(await this.ip('-j', 'route', 'get', destination)) as Array<{ prefsrc?: string }>;
    const source = routes[0]?.prefsrc;
    if (!source) throw new Error(`no route with a source address to ${destination}`);
    return source as Ipv4;
  }

  /** Gives the gateway device its address (replacing any other) and MTU, brings it up; returns its MAC. */
  async configureGateway(device: string, gateway: Ipv4, subnet: Cidr, mtu: number): Promise<string> {
    const wanted = `${gateway}/${subnet.prefixLength}`;
    const [link] = JSON.parse(await this.ip('-j', '-4', 'addr', 'show', 'dev', device)) as IpAddr[];
    for (const address of link?.addr_info ?? []) {
      if (`${address.local}/${address.prefixlen}` !== wanted) {
        await this.ip('addr', 'del', `${address.local}/${address.prefixlen}`, 'dev', device);
      }
    }
    await this.ip('addr', 'replace', wanted, 'dev', device);
    await this.ip('link', 'set', device, 'mtu', String(mtu), 'up');
    if (link?.address) return link.address;
    const [shown] = JSON.parse(await this.ip('-j', 'link', 'show', 'dev', device)) as IpAddr[];
    if (!shown?.address) throw new Error(`ip link show ${device} printed no MAC address`);
    return shown.address;
  }

  /** Routes the cluster and service networks through the gateway device; idempotent. */
  async routeThrough(device: string, networks: readonly Cidr[], mtu: number): Promise<void> {
    for (const network of networks) {
      await this.ip('route', 'replace', network.toString(), 'dev', device, 'mtu', String(mtu));
    }
  }

  async removeRoute(device: string, network: Cidr): Promise<void> {
    try {
      await this.ip('route', 'del', network.toString(), 'dev', device);
    } catch (error) {
      if (!(error instanceof CommandError) || !/No such process|not found/i.test(error.stderr)) throw error;
    }
  }

  async enableForwarding(): Promise<void> {
    await this.runner.run('sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
  }

  /**
   * Masquerades pod traffic leaving the cluster network, once. Pod-to-pod traffic that kube-proxy DNATs keeps
   * the client pod's address (the pipeline needs it to hold the client to its tenant); the rule that used to
   * masquerade it (pipeline 3 and before) is removed where an older daemon left it.
   */
  async ensureMasquerade(clusterNetwork: Cidr, gatewayDevice: string): Promise<void> {
    await this.ensureNatRule(['POSTROUTING', '-s', clusterNetwork.toString(), '!', '-d', clusterNetwork.toString(),
      '-m', 'comment', '--comment', 'k8s-ovs: pods leaving the cluster network', '-j', 'MASQUERADE']);
    await this.removeNatRule(['POSTROUTING', '-o', gatewayDevice, '-m', 'conntrack', '--ctstate', 'DNAT',
      '-m', 'comment', '--comment', 'k8s-ovs: service traffic hairpinned through the gateway', '-j', 'MASQUERADE']);
  }

  private async removeNatRule(rule: string[]): Promise<void> {
    try {
      await this.runner.run('iptables', ['-w', '-t', 'nat', '-C', ...rule]);
    } catch (error) {
      if (error instanceof CommandError) return;
      throw error;
    }
    await this.runner.run('iptables', ['-w', '-t', 'nat', '-D', ...rule]);
  }

  private async ensureNatRule(rule: string[]): Promise<void> {
    try {
      await this.runner.run('iptables', ['-w', '-t', 'nat', '-C', ...rule]);
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      await this.runner.run('iptables', ['-w', '-t', 'nat', '-A', ...rule]);
    }
  }
}
