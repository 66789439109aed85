// --seed-network-config: writes a network config to `<prefix>/config` (or the --network's) only when etcd holds none (the DaemonSet's ConfigMap).
import type { Store } from '../../etcd/types.js';
import type { Logger } from '../../log.js';
import { ConfigError, parseNetworkConfig } from '../config.js';
import { CONFIG_KEY } from '../layout.js';

export type SeedOutcome = 'written' | 'kept';

/**
 * Creates `<prefix>/config` from `text` in one create-if-absent transaction, so that every node may try at
 * once and the first one wins; a config already there, even one that differs, is never touched: the
 * administrator's edits and the tenants' network outlive a re-applied manifest. A seed that is not a valid
 * config is refused before etcd is asked, naming the flag and the field.
 */
export async function seedNetworkConfig(store: Pick<Store, 'create'>, text: string, prefix: string, log: Logger,
  configKey = CONFIG_KEY): Promise<SeedOutcome> {
  try {
    parseNetworkConfig(text);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(error.field, error.value, `--seed-network-config: ${error.message}`);
  }
  const key = `${prefix}/${configKey}`;
  const result = await store.create(configKey, text);
  if (result.succeeded) {
    log.info('wrote the network config from --seed-network-config', { key });
    return 'written';
  }
  const current = result.current.get(configKey)?.value;
  if (current !== text) log.info('etcd already holds a network config; --seed-network-config leaves it as it is', { key });
  return 'kept';
}
