// The cluster network configuration stored at `<prefix>/config`: parsing, validation, live-change rules.
import { AddressError, Cidr } from '../net/ipv4.js';
import { WireObject, WireObjectError } from './wire.js';

export const PLUGIN_NAMES = ['k8s-ovs-multitenant', 'k8s-ovs-subnet', 'k8s-ovs-networkpolicy'] as const;

/** Whether namespaces get VNIDs of their own; the other plugins put every pod on the global VNID 0. */
export function isMultitenant(plugin: PluginName): boolean {
  return plugin === 'k8s-ovs-multitenant';
}

/** Whether the plugin enforces Kubernetes NetworkPolicy (inside the VNIDs' rules for multitenant); subnet does not. */
export function enforcesNetworkPolicy(plugin: PluginName): boolean {
  return plugin !== 'k8s-ovs-subnet';
}
export type PluginName = (typeof PLUGIN_NAMES)[number];

export interface NetworkConfig {
  /** Names the key tree `<prefix>/<name>/…` of this network. */
  readonly name: string;
  /** The cluster network that node subnets are carved from. */
  readonly network: Cidr;
  /** Host bits of each node subnet: 9 gives every node a /23. */
  readonly hostSubnetLength: number;
  readonly serviceNetwork: Cidr;
  readonly plugin: PluginName;
}

/** The configuration was rejected; `field` is the JSON key at fault and `value` what it held. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly field: string,
    readonly value: unknown,
    message: string,
  ) {
    super(message);
  }
}

// A Name becomes one etcd key segment, so it must not contain '/' or be empty.
const NAME_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;

/** Smallest node subnet: network, gateway, one pod and broadcast. */
export const MIN_HOST_SUBNET_LENGTH = 2;

export function parseNetworkConfig(text: string): NetworkConfig {
  try {
    return validate(WireObject.parse(text));
  } catch (error) {
    if (error instanceof WireObjectError) {
      const { field, value, message } = error.problem;
      throw new ConfigError(field, value, `network config: ${message}`);
    }
    throw error;
  }
}

function validate(json: WireObject): NetworkConfig {
  const name = json.string('Name');
  if (!NAME_PATTERN.test(name)) {
    throw new ConfigError('Name', name,
      `network config: Name: "${name}" must be 1-63 letters, digits, '.', '_' or '-' (it is an etcd key segment)`);
  }
  const network = cidr('Network', json.string('Network'));
  const hostSubnetLength = json.integer('HostSubnetLength');
  checkHostSubnetLength(network, hostSubnetLength);
  const serviceNetwork = cidr('ServiceNetwork', json.string('ServiceNetwork'));
  if (serviceNetwork.overlaps(network)) {
    throw new ConfigError('ServiceNetwork', serviceNetwork.toString(),
      `network config: ServiceNetwork: ${serviceNetwork.toString()} overlaps Network ${network.toString()}`);
  }
  const plugin = json.string('PluginName');
  if (!(PLUGIN_NAMES as readonly string[]).includes(plugin)) {
    throw new ConfigError('PluginName', plugin,
      `network config: PluginName: "${plugin}" is not one of ${PLUGIN_NAMES.join(', ')}`);
  }
  return { name, network, hostSubnetLength, serviceNetwork, plugin: plugin as PluginName };
}

function cidr(field: string, text: string): Cidr {
  try {
    return Cidr.parse(text, field);
  } catch (error) {
    if (error instanceof AddressError) throw new ConfigError(field, text, `network config: ${error.message}`);
    throw error;
  }
}

/**
 * HostSubnetLength counts host bits, not a prefix length. We require
 * MIN_HOST_SUBNET_LENGTH <= HostSubnetLength < 32 - network prefix, so the network holds at
 * least two node subnets: a value equal to the host bits of the network makes the whole
 * cluster one node, and larger values usually mean a prefix length was written by mistake.
 */
function checkHostSubnetLength(network: Cidr, hostSubnetLength: number): void {
  const networkHostBits = 32 - network.prefixLength;
  if (hostSubnetLength < MIN_HOST_SUBNET_LENGTH || hostSubnetLength >= networkHostBits) {
    throw new ConfigError('HostSubnetLength', hostSubnetLength,
      `network config: HostSubnetLength: ${hostSubnetLength} must be at least ${MIN_HOST_SUBNET_LENGTH} ` +
      `and less than ${networkHostBits} (the host bits of Network ${network.toString()}); ` +
      `it counts host bits per node (9 gives each node a /23), not a prefix length`);
  }
}

/** The prefix length of each node subnet. */
export function nodeSubnetPrefixLength(config: NetworkConfig): number {
  return 32 - config.hostSubnetLength;
}

/** The JSON the original k8s-ovs writes, keys in its order. */
export function serializeNetworkConfig(config: NetworkConfig): string {
  return JSON.stringify({
    Name: config.name,
    Network: config.network.toString(),
    HostSubnetLength: config.hostSubnetLength,
    ServiceNetwork: config.serviceNetwork.toString(),
    PluginName: config.plugin,
  });
}

export type ConfigField = 'Name' | 'Network' | 'HostSubnetLength' | 'ServiceNetwork' | 'PluginName';

export interface ConfigChange {
  field: ConfigField;
  from: string;
  to: string;
  /** Why the change can or cannot be applied without a restart. */
  reason: string;
}

export interface ConfigChanges {
  /** Changes a running master and nodes can apply in place. */
  live: ConfigChange[];
  /** Changes that need every master and node restarted (and possibly re-addressed). */
  restart: ConfigChange[];
}

const CHANGE_RULES: Record<ConfigField, { live: boolean; reason: string }> = {
  Name: { live: false, reason: 'the Name is the key tree every node and master reads; restart all of them' },
  Network: {
    live: false,
    reason: 'node subnets were carved from the old Network; existing pods and subnets must be re-addressed',
  },
  HostSubnetLength: {
    live: false,
    reason: 'every node subnet has the old size; existing pods and subnets must be re-addressed',
  },
  ServiceNetwork: {
    live: true,
    reason: 'nodes re-render their service rules; the API server service range must be changed to match',
  },
  PluginName: {
    live: false,
    reason: 'switching between multitenant and subnet rebuilds every node pipeline and VNID assignment',
  },
};

/** Sorts the differences between a running configuration and a new one by whether they apply live. */
export function compareNetworkConfigs(current: NetworkConfig, next: NetworkConfig): ConfigChanges {
  const values = (c: NetworkConfig): Record<ConfigField, string> => ({
    Name: c.name,
    Network: c.network.toString(),
    HostSubnetLength: String(c.hostSubnetLength),
    ServiceNetwork: c.serviceNetwork.toString(),
    PluginName: c.plugin,
  });
  const before = values(current);
  const after = values(next);
  const changes: ConfigChanges = { live: [], restart: [] };
  for (const field of Object.keys(CHANGE_RULES) as ConfigField[]) {
    if (before[field] === after[field]) continue;
    const rule = CHANGE_RULES[field];
    (rule.live ? changes.live : changes.restart).push({
      field, from: before[field], to: after[field], reason: rule.reason,
    });
  }
  return changes;
}
