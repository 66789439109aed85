// `k8s-ovs-adm migrate`: copies the original k8s-ovs tree from etcd v2 to etcd v3 (see docs/migrate-from-v2.md).
import type { Argv, CommandModule } from 'yargs';
import { type EtcdFlags, configKeyOf, storeOptions, withEtcdFlags } from '../cli/etcd-flags.js';
import { type MigrateOptions, runMigrate } from '../migrate/run.js';

export interface MigrateFlags extends EtcdFlags {
  'from-v2': string;
  'v2-cafile'?: string;
  'v2-certfile'?: string;
  'v2-keyfile'?: string;
  'v2-username'?: string;
  'v2-password'?: string;
  'dry-run': boolean;
  'skip-invalid': boolean;
}

export function migrateOptions(flags: MigrateFlags): MigrateOptions {
  return {
    source: {
      endpoints: flags['from-v2'].split(',').map((endpoint) => endpoint.trim()).filter(Boolean),
      ...(flags['v2-cafile'] ? { caFile: flags['v2-cafile'] } : {}),
      ...(flags['v2-certfile'] ? { certFile: flags['v2-certfile'] } : {}),
      ...(flags['v2-keyfile'] ? { keyFile: flags['v2-keyfile'] } : {}),
      ...(flags['v2-username'] ? { username: flags['v2-username'] } : {}),
      ...(flags['v2-password'] ? { password: flags['v2-password'] } : {}),
    },
    target: storeOptions(flags),
    dryRun: flags['dry-run'],
    skipInvalid: flags['skip-invalid'],
    configKey: configKeyOf(flags),
  };
}

export const migrateCommand: CommandModule<object, MigrateFlags> = {
  command: 'migrate',
  describe: 'copy the original k8s-ovs (Go) tree from etcd v2 to etcd v3, all keys in one transaction',
  builder: (argv: Argv<object>) => withEtcdFlags(argv)
    .option('from-v2', { type: 'string', demandOption: true, group: 'etcd v2 (source):',
      describe: 'comma-separated client URLs of the etcd serving the original tree through the v2 API' })
    .option('v2-cafile', { type: 'string', group: 'etcd v2 (source):', describe: 'CA certificate of the v2 etcd servers' })
    .option('v2-certfile', { type: 'string', group: 'etcd v2 (source):', describe: 'client certificate for etcd v2' })
    .option('v2-keyfile', { type: 'string', group: 'etcd v2 (source):', describe: 'client key for etcd v2' })
    .option('v2-username', { type: 'string', group: 'etcd v2 (source):', describe: 'etcd v2 user (basic auth)' })
    .option('v2-password', { type: 'string', group: 'etcd v2 (source):', describe: 'etcd v2 password' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'print the plan and write nothing' })
    .option('skip-invalid', { type: 'boolean', default: false,
      describe: 'copy the valid keys and leave invalid ones behind (conflicts still stop the migration)' }) as Argv<MigrateFlags>,
  handler: async (flags) => {
    const report = await runMigrate(migrateOptions(flags), (line) => process.stdout.write(`${line}\n`));
    // A refused plan is an answer, not a failure to run: the table says why; the exit status tells scripts.
    if (report.outcome === 'refused') process.exitCode = 1;
  },
};
