// Keeps pods away from the control plane: etcd's endpoints (the daemon's own and every member's, client and peer)
// and the daemons' exposed ports, closed in the switch's EgressGuard and in the host's pod guard chain.
import type { Logger } from '../../log.js';
import { type Ipv4, parseIpv4 } from '../../net/ipv4.js';
import type { PodGuardRules } from '../../host/pod-guard.js';
import type { ControlPlaneEndpoint } from '../pipeline/flows.js';
import { TUN_PORT_NAME, VXLAN_UDP_PORT } from '../pipeline/tables.js';

/** How often etcd's member list is read again: members are replaced rarely, and by hand. */
export const MEMBER_REFRESH_MS = 120_000;

export interface ControlPlaneGuardOptions {
  /** The etcd endpoints the daemon uses (--etcd-endpoints, or as a reload changed them), URLs or HOST:PORT. */
  configuredUrls: () => readonly string[];
  /** etcd's member list, client and peer URLs; fails while etcd is unreachable. */
  memberUrls: () => Promise<string[]>;
  /** A host name's IPv4 addresses. */
  resolve: (host: string) => Promise<Ipv4[]>;
  switch: { setControlPlaneEndpoints(endpoints: readonly ControlPlaneEndpoint[]): Promise<void> };
  host: { apply(rules: PodGuardRules): Promise<void> };
  /** TCP ports this daemon serves on the node's addresses (an exposed --metrics-address). */
  exposedPorts: readonly number[];
  /** This node's own addresses (its IP, the gateway), where `exposedPorts` listen. */
  localAddresses: () => Ipv4[];
  /** Local pods whose namespace may reach etcd (--etcd-access-namespaces). */
  allowedPods: () => Ipv4[];
  logger: Logger;
}

export class ControlPlaneGuard {
  private timer?: NodeJS.Timeout;
  private memberEndpoints: ControlPlaneEndpoint[] = [];
  private applied?: string;
  private readonly log: Logger;

  constructor(private readonly options: ControlPlaneGuardOptions) {
    this.log = options.logger.child({ component: 'control-plane-guard' });
  }

  /** The endpoints known without asking etcd, for the switch's first resync (no window without them). */
  async configuredEndpoints(): Promise<ControlPlaneEndpoint[]> {
    return this.endpointsOf(this.options.configuredUrls());
  }

  /** Reads the member list, applies both guards, and keeps doing so every MEMBER_REFRESH_MS. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), MEMBER_REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Applies the guards even if nothing changed: a firewall reload removed the host's rules (the firewall keeper saw it). */
  async reapply(): Promise<void> {
    this.applied = undefined;
    await this.refresh();
  }

  /** Applies the guards if anything changed; the member list keeps its last answer while etcd is away. */
  async refresh(): Promise<void> {
    try {
      this.memberEndpoints = await this.endpointsOf(await this.options.memberUrls());
    } catch (error) {
      this.log.debug('etcd member list not read; guarding the endpoints known so far', { error: (error as Error).message });
    }
    const etcd = unique([...await this.configuredEndpoints(), ...this.memberEndpoints]);
    const local = this.options.exposedPorts.flatMap((port) => this.options.localAddresses().map((ip) => ({ ip, port })));
    const rules: PodGuardRules = {
      podDevice: TUN_PORT_NAME, endpoints: etcd, udpPorts: [VXLAN_UDP_PORT], localTcpPorts: this.options.exposedPorts,
      allowedSources: [...new Set(this.options.allowedPods())].sort(),
    };
    const signature = JSON.stringify({ etcd, local, allowed: rules.allowedSources });
    if (signature === this.applied) return;
    try {
      await this.options.switch.setControlPlaneEndpoints(unique([...etcd, ...local]));
      await this.options.host.apply(rules);
      this.applied = signature;
      this.log.info('control plane closed to pods', { etcd: etcd.map(({ ip, port }) => `${ip}:${port}`),
        ...(local.length ? { daemonPorts: this.options.exposedPorts } : {}), allowedPods: rules.allowedSources.length });
    } catch (error) {
      this.log.error('applying the control-plane guard failed; retrying at the next refresh', { error: (error as Error).message });
    }
  }

  private async endpointsOf(urls: readonly string[]): Promise<ControlPlaneEndpoint[]> {
    const endpoints: ControlPlaneEndpoint[] = [];
    for (const url of urls) {
      const parsed = parseEndpointUrl(url);
      if (!parsed) continue;
      try {
        for (const ip of await this.options.resolve(parsed.host)) endpoints.push({ ip, port: parsed.port });
      } catch (error) {
        this.log.warn('cannot resolve an etcd endpoint to guard it', { url, error: (error as Error).message });
      }
    }
    return unique(endpoints);
  }
}

/** Host and port of an etcd URL (`https://etcd-1:2379`, or `10.0.0.5:2379` without a scheme); IPv6 is not routed to pods. */
export function parseEndpointUrl(url: string): { host: string; port: number } | undefined {
  try {
    const parsed = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`);
    if (parsed.hostname.startsWith('[')) return undefined;
    const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
    return { host: parsed.hostname, port };
  } catch {
    return undefined;
  }
}

/** An IPv4 literal as itself, without a lookup. */
export function literalIpv4(host: string): Ipv4 | undefined {
  try {
    return parseIpv4(host);
  } catch {
    return undefined;
  }
}

function unique(endpoints: readonly ControlPlaneEndpoint[]): ControlPlaneEndpoint[] {
  const byKey = new Map(endpoints.map((e) => [`${e.ip}:${e.port}`, e]));
  return [...byKey.values()].sort((a, b) => `${a.ip}:${a.port}`.localeCompare(`${b.ip}:${b.port}`));
}
