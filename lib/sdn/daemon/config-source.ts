// Follows `<prefix>/config` (or `<prefix>/<network>/config`): waits for a valid one, rejects bad ones naming the field, keeps the last good.
import type { Store } from '../../etcd/types.js';
import type { PrefixWatch } from '../../etcd/watch.js';
import type { Logger } from '../../log.js';
import { ConfigError, type ConfigChanges, type NetworkConfig, compareNetworkConfigs, parseNetworkConfig } from '../config.js';
import { CONFIG_KEY } from '../layout.js';

export type ConfigListener = (next: NetworkConfig, changes: ConfigChanges) => void | Promise<void>;

export class ConfigSource {
  private current?: NetworkConfig;
  private lastRejected?: string;
  private watch?: PrefixWatch;
  private firstWaiter?: (config: NetworkConfig) => void;
  private readonly listeners = new Set<ConfigListener>();

  private hinted = false;

  /**
   * `key` is the config key under the prefix (the original's --network moves it); `migrationHint` finds a
   * config of the original k8s-ovs in etcd v2 and says how to migrate it.
   */
  constructor(private readonly store: Store, private readonly prefix: string, private readonly log: Logger,
    private readonly migrationHint?: () => Promise<string | undefined>, private readonly key: string = CONFIG_KEY) {}

  get config(): NetworkConfig | undefined {
    return this.current;
  }

  onChange(listener: ConfigListener): void {
    this.listeners.add(listener);
  }

  /** Resolves with the first valid config, however long that takes; logs why it is waiting, once. */
  first(): Promise<NetworkConfig> {
    const first = new Promise<NetworkConfig>((resolve) => { this.firstWaiter = resolve; });
    this.watch = this.store.watchPrefix(this.key, {
      snapshot: async (listing) => {
        const kv = listing.items.find((item) => item.key === this.key);
        if (kv) await this.consider(kv.value);
        else if (!this.current) {
          this.hintMigration();
          this.log.warn('waiting for the network config', { key: `${this.prefix}/${this.key}`,
            example: `etcdctl put ${this.prefix}/${this.key} '{"Name":"k8ssdn","Network":"10.128.0.0/14",`
              + '"HostSubnetLength":9,"ServiceNetwork":"172.30.0.0/16","PluginName":"k8s-ovs-multitenant"}\'' });
        }
      },
      events: async (events) => {
        for (const event of events) {
          if (event.type === 'put' && event.kv.key === this.key) await this.consider(event.kv.value);
          else if (event.type === 'delete' && event.key === this.key && this.current) {
            this.log.error('the network config was deleted from etcd; running on with the last one', { key: `${this.prefix}/${this.key}` });
          }
        }
      },
    });
    return first;
  }

  private hintMigration(): void {
    if (this.hinted || !this.migrationHint) return;
    this.hinted = true;
    void this.migrationHint().then((command) => {
      if (command) this.log.warn('found the original k8s-ovs network config in etcd v2; migrate it to v3 with', { command });
    });
  }

  async stop(): Promise<void> {
    await this.watch?.cancel();
  }

  private async consider(text: string): Promise<void> {
    let next: NetworkConfig;
    try {
      next = parseNetworkConfig(text);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      if (this.lastRejected !== text) {
        this.lastRejected = text;
        this.log.error('rejected the network config in etcd', { key: `${this.prefix}/${this.key}`, field: error.field,
          error: error.message, running: this.current ? 'the last valid config' : 'nothing yet; waiting for a valid one' });
      }
      return;
    }
    this.lastRejected = undefined;
    const previous = this.current;
    if (!previous) {
      this.current = next;
      this.log.info('network config loaded', { name: next.name, network: next.network.toString(),
        hostSubnetLength: next.hostSubnetLength, serviceNetwork: next.serviceNetwork.toString(), plugin: next.plugin });
      this.firstWaiter?.(next);
      return;
    }
    const changes = compareNetworkConfigs(previous, next);
    if (!changes.live.length && !changes.restart.length) return;
    for (const change of changes.restart) {
      this.log.error('this network config change needs a restart of every k8s-ovs daemon; still running the old value',
        { field: change.field, from: change.from, to: change.to, reason: change.reason });
    }
    if (changes.live.length && !changes.restart.length) {
      this.current = next;
      for (const listener of this.listeners) await listener(next, changes);
    }
  }
}
